"""--jobs: a file scanned in byte ranges by worker processes gives the report of one process."""

from __future__ import annotations

import io
import json
import os
import random
from collections import Counter
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from click.testing import CliRunner
from conftest import SAMPLES

from analyzer import cli, parallel, pipeline, reporting, ruleset
from analyzer.events import Events
from analyzer.matching import MatchStats
from analyzer.models import SDK_RETRY
from analyzer.sources import OpenFile, Source, SourceStats, read_range

NOW = datetime(2026, 11, 27, tzinfo=UTC)
RULES = ruleset.load()


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Cut even small files into many ranges (the forked workers inherit the patch)."""
    monkeypatch.setattr(parallel, "MIN_CHUNK", 1 << 16)
    monkeypatch.setattr(parallel, "WINDOW", 1 << 13)


def analyse(path: Path, jobs: int) -> pipeline.Analysis:
    return pipeline.run(pipeline.Options((str(path),), UTC, NOW, jobs=jobs), RULES, None)


def json_report(path: Path, jobs: int) -> dict:
    return json.loads(reporting.render(reporting.build(analyse(path, jobs), "en", UTC), "json", False))


@pytest.mark.usefixtures("small_chunks")
@pytest.mark.parametrize("fmt", ["python", "json", "cri"])
def test_two_jobs_give_the_report_of_one(genlog_days: dict[str, tuple[Path, dict]], fmt: str) -> None:
    path, _ = genlog_days[fmt]
    with OpenFile(Source(str(path), lambda: io.BytesIO(), str(path))) as file:
        assert len(parallel.plan(file, 2)) > 4  # really cut
    one, two = json_report(path, 1), json_report(path, 2)
    assert two == one
    assert one["events"], "the day has events to compare"


@pytest.mark.usefixtures("small_chunks")
def test_line_numbers_stay_those_of_the_file(genlog_days: dict[str, tuple[Path, dict]]) -> None:
    path, _ = genlog_days["python"]
    lines = path.read_text(encoding="utf-8").split("\n")
    analysis = analyse(path, 3)
    assert analysis.lines == len(lines) - 1
    late = [e for e in analysis.events if e.line > len(lines) // 2]
    assert late, "events in the later ranges"
    for event in late:
        assert event.text[:23] == lines[event.line - 1][:23]  # the record's own timestamp, at its line


@pytest.mark.usefixtures("small_chunks")
def test_cuts_fall_on_record_boundaries_and_ranges_cover_the_file(tmp_path: Path) -> None:
    rng = random.Random(5)
    pieces = [
        "2026-03-14 09:12:03,412 ERROR app.chat: completion failed\nTraceback (most recent call last):\n"
        '  File "x.py", line 1, in f\nopenai.RateLimitError: insufficient_quota\n',
        "2026-03-14 09:12:04,001 INFO app.http: GET /healthz 200 in 3ms\n",
        "continuation without a timestamp\n",
        "    indented line\n",
        "\n",
    ]
    path = tmp_path / "mixed.log"
    path.write_text("".join(rng.choice(pieces) for _ in range(20_000)), encoding="utf-8")
    with OpenFile(Source(str(path), lambda: io.BytesIO(), str(path))) as file:
        chunks = parallel.plan(file, 3)
    data = path.read_bytes()
    assert len(chunks) > 3
    assert [c.start for c in chunks[1:]] == [c.end for c in chunks[:-1]]
    assert (chunks[0].start, chunks[-1].end) == (0, len(data))
    for chunk in chunks[1:]:
        assert data[chunk.start - 1 : chunk.start] == b"\n"
        assert data[chunk.start : chunk.start + 1] not in (b" ", b"\n", b"T")  # a record head, not inside one
    one, three = analyse(path, 1), analyse(path, 3)
    assert three.events == one.events
    assert three.sources == one.sources
    assert three.match_stats == one.match_stats


def test_only_large_plain_files_are_cut_in_ranges_and_the_rest_is_read_in_pieces(tmp_path: Path) -> None:
    small = Source(
        str(SAMPLES / "python_card_decline.log"), lambda: io.BytesIO(), str(SAMPLES / "python_card_decline.log")
    )
    assert parallel.jobs_for(small, 0) == 1
    assert parallel.jobs_for(Source("<stdin>", lambda: io.BytesIO()), 4) == 1
    gz = tmp_path / "a.log.gz"
    gz.write_bytes(b"\x1f\x8b" + b"\n" * 100)
    with OpenFile(Source(str(gz), lambda: io.BytesIO(), str(gz))) as file:
        assert len(parallel.plan(file, 4)) == 1
    assert parallel.stream_jobs(4) == 4 and parallel.stream_jobs(1) == 1
    assert parallel.stream_jobs(0) == len(os.sched_getaffinity(0))
    assert len(list(parallel.pieces([Path(small.name).read_bytes()]))) == 1  # it stays in process


MIXED = [
    "2026-03-14 09:12:03,412 ERROR app.chat: completion failed\nTraceback (most recent call last):\n"
    '  File "x.py", line 1, in f\nopenai.RateLimitError: insufficient_quota\n',
    "2026-03-14 09:12:04,001 INFO app.http: GET /healthz 200 in 3ms\n",
    '2026-03-14 09:12:05,002 INFO httpx: HTTP Request: POST https://api.openai.com/v1/x "HTTP/1.1 200 OK"\n',
    "continuation without a timestamp\n",
    "    indented line\n",
    "\n",
]


@pytest.mark.parametrize("size", [1 << 12, 1 << 16])
def test_pieces_cover_the_stream_and_are_cut_where_framing_cuts(size: int) -> None:
    from analyzer.framing import last_boundary

    rng = random.Random(size)
    data = "".join(rng.choice(MIXED) for _ in range(5_000)).encode()
    blocks = line_blocks(data, 3000)
    pieces = list(parallel.pieces(blocks, size))
    assert len(pieces) > 3 and b"".join(p.data for p in pieces) == data
    assert [p.first for p in pieces] == [True] + [False] * (len(pieces) - 1)
    assert [p.last for p in pieces] == [False] * (len(pieces) - 1) + [True]
    for piece in pieces[:-1]:
        assert last_boundary(piece.data + b"2026-03-14 09:12:06,000 INFO x: next\n") == len(piece.data)


def line_blocks(data: bytes, size: int) -> list[bytes]:
    """`data` in blocks of whole lines of about `size` bytes, as read_blocks gives them."""
    blocks, start = [], 0
    while start < len(data):
        end = data.find(b"\n", start + size) + 1 or len(data)
        blocks.append(data[start:end])
        start = end
    return blocks


def test_a_record_without_a_boundary_is_cut_where_framing_splits_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "MAX_CARRY", 10_000)
    giant = [b"2026-03-14 09:12:03,412 ERROR x: start\n", *[b"    more of the same record\n"] * 2000]
    pieces = list(parallel.pieces(giant, 4096))
    assert len(pieces) > 3 and b"".join(p.data for p in pieces) == b"".join(giant)
    assert all(10_000 < len(p.data) <= 10_000 + 28 and p.split for p in pieces[:-1])  # past MAX_CARRY, at a block's end
    assert not pieces[-1].split
    assert list(parallel.pieces([], 4096)) == []
    assert [(p.first, p.last) for p in parallel.pieces([b"one line\n"], 4096)] == [(True, True)]


def scanned_pieces(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The sizes of the pieces the workers scan from now on, in order."""
    sizes: list[int] = []
    scan = parallel.scan_pieces

    def counted(*args: Any, **kwargs: Any) -> Iterator[parallel.Part]:
        for part in scan(*args, **kwargs):
            sizes.append(part.size)
            yield part

    monkeypatch.setattr(parallel, "scan_pieces", counted)
    return sizes


def test_a_stream_with_records_past_max_carry_splits_them_as_one_process_does(monkeypatch: pytest.MonkeyPatch) -> None:
    from analyzer.framing import blocks

    for module in (blocks, parallel):
        monkeypatch.setattr(module, "MAX_CARRY", 2_000)
    monkeypatch.setattr(parallel, "PIECE", 4096)
    monkeypatch.setattr(pipeline.sources.reading, "BLOCK_SIZE", 3000)  # blocks as small as the pieces
    scanned = scanned_pieces(monkeypatch)
    rng = random.Random(9)
    parts = [*MIXED, "2026-03-14 09:13:00,000 ERROR x: insufficient_quota\n" + "    deep\n" * 400]
    data = "".join(rng.choice(parts) for _ in range(600)).encode()
    run = lambda jobs: pipeline.run(pipeline.Options((), UTC, NOW, jobs=jobs), RULES, io.BytesIO(data))  # noqa: E731
    one, two = run(1), run(2)
    assert one.sources[0].splits, "records were split"
    assert len(scanned) > 4  # the two jobs' run read the stream in pieces
    assert (two.events, two.sources, two.match_stats) == (one.events, one.sources, one.match_stats)


@pytest.mark.parametrize("compress", ["gzip", "bz2", "stdin", "plain"])
@pytest.mark.parametrize("fmt", ["python", "cri", "mixed"])
def test_a_stream_read_in_pieces_gives_the_report_of_one_process(
    tmp_path: Path, genlog_days: dict[str, tuple[Path, dict]], monkeypatch: pytest.MonkeyPatch, compress: str, fmt: str
) -> None:
    import bz2
    import gzip

    monkeypatch.setattr(parallel, "PIECE", 1 << 16)
    monkeypatch.setattr(pipeline.sources.reading, "BLOCK_SIZE", 1 << 14)
    scanned = scanned_pieces(monkeypatch)
    if fmt == "mixed":
        rng = random.Random(3)
        data = "".join(rng.choice(MIXED) for _ in range(20_000)).encode()
    else:
        data = genlog_days[fmt][0].read_bytes()
    if compress == "stdin":
        run = lambda jobs: pipeline.run(pipeline.Options((), UTC, NOW, jobs=jobs), RULES, io.BytesIO(data))  # noqa: E731
    else:
        path = tmp_path / f"day.log.{compress}"  # a plain file too small to cut in ranges is read in pieces
        compressor = {"gzip": gzip.compress, "bz2": bz2.compress, "plain": bytes}[compress]
        path.write_bytes(compressor(data))
        run = lambda jobs: analyse(path, jobs)  # noqa: E731
    one, three = run(1), run(3)
    assert len(scanned) > 4  # really cut, and scanned by the workers
    assert three.events == one.events and one.events
    assert (three.sources, three.match_stats, three.incidents) == (one.sources, one.match_stats, one.incidents)
    assert (three.successes, list(three.success_times)) == (one.successes, list(one.success_times))


@pytest.mark.usefixtures("small_chunks")
def test_stdin_redirected_from_a_file_is_cut_in_ranges(
    genlog_days: dict[str, tuple[Path, dict]], monkeypatch: pytest.MonkeyPatch
) -> None:
    path, _ = genlog_days["python"]
    ranges: list[int] = []
    scan = parallel.scan

    def counted(chunks: list[parallel.Chunk], *args: Any, **kwargs: Any) -> Iterator[parallel.Part]:
        ranges.append(len(chunks))
        return scan(chunks, *args, **kwargs)

    monkeypatch.setattr(parallel, "scan", counted)
    scanned = scanned_pieces(monkeypatch)

    def run(jobs: int) -> pipeline.Analysis:
        with path.open("rb") as stdin:
            return pipeline.run(pipeline.Options((), UTC, NOW, jobs=jobs), RULES, stdin)

    one, three = run(1), run(3)
    assert ranges and ranges[0] > 4 and not scanned  # the workers read the file: no piece went through this process
    assert three.sources[0].name == "<stdin>" and three.events and three.events[0].source == "<stdin>"
    assert (three.events, three.sources, three.match_stats, three.incidents) == (
        one.events, one.sources, one.match_stats, one.incidents,
    )  # fmt: skip
    assert (three.successes, list(three.success_times)) == (one.successes, list(one.success_times))


def test_a_stream_is_read_only_as_far_as_the_workers_are_behind() -> None:
    pulled: list[int] = []

    def stream():  # type: ignore[no-untyped-def]
        for n in range(12):
            pulled.append(n)
            yield parallel.Piece(b"x\n" * (n + 1), n == 0, n == 11)

    seen = []
    for part in parallel.scan_pieces(stream(), 2, _part_of_piece):
        seen.append(part.size)
        assert len(pulled) - len(seen) <= 2  # jobs + 1 in flight, one of them just merged
    assert seen == [2 * (n + 1) for n in range(12)]  # in order


def _part_of_piece(piece: parallel.Piece) -> parallel.Part:
    from analyzer.matching import MatchStats

    return parallel.Part([], SourceStats("x"), MatchStats(), size=len(piece.data))


def test_read_range_gives_whole_lines_of_the_range(tmp_path: Path) -> None:
    path = tmp_path / "a.log"
    path.write_bytes(b"\xef\xbb\xbfone\ntwo\nthree\n")
    stats = SourceStats("a.log")
    with OpenFile(Source(str(path), lambda: io.BytesIO(), str(path))) as file:
        assert b"".join(read_range(file.fd, 0, 11, stats)) == b"one\ntwo\n"  # the BOM goes, as in read_blocks
        assert b"".join(read_range(file.fd, 11, 17, stats)) == b"three\n"


def test_jobs_option_reaches_the_pipeline_and_keeps_the_report(tmp_path: Path) -> None:
    log = SAMPLES / "python_card_decline.log"
    runner = CliRunner()
    one = runner.invoke(cli.scan, ["-f", "json", "--tz", "UTC", "--jobs", "1", str(log)], standalone_mode=False)
    two = runner.invoke(cli.scan, ["-f", "json", "--tz", "UTC", "--jobs", "2", str(log)], standalone_mode=False)
    assert one.exit_code == two.exit_code == 0
    assert one.return_value.run.jobs == 1 and two.return_value.run.jobs == 2
    bad = runner.invoke(cli.scan, ["--jobs", "-1", str(log)])
    assert bad.exit_code == 2


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_progress_line_waits_then_shows_rates_and_clears() -> None:
    out, clock = io.StringIO(), FakeClock()
    progress = cli.ProgressLine(out, clock)
    progress.advance(50_000_000, 500_000, {"quota": 3})
    assert out.getvalue() == ""  # a short scan shows nothing
    clock.now += 2.5
    progress.advance(50_000_000, 500_000, {"quota": 2, "rate_limit": 1, "timeout": 1})
    assert out.getvalue().endswith(
        "logscan: 100 MB, 40 MB/s, 400,000 lines/s, 7 events; quota 5, rate_limit 1, timeout 1"
    )
    clock.now += 1
    progress.advance(0, 0, {"auth": 2000, "": 9000})  # the commonest three named, most first
    assert out.getvalue().endswith(" lines/s, 11,007 events; auth 2,000, quota 5, rate_limit 1")
    progress.close()
    assert out.getvalue().endswith("\r\x1b[K")


def test_progress_line_says_the_stage_after_a_long_scan_only() -> None:
    out, clock = io.StringIO(), FakeClock()
    progress = cli.ProgressLine(out, clock)
    progress.advance(50_000_000, 500_000, {"quota": 3})
    progress.stage("3 events: incidents")
    assert out.getvalue() == ""  # a short scan: nothing, then or after
    clock.now += 2.5
    progress.advance(50_000_000, 500_000, {"quota": 4})
    progress.stage("7 events: incidents")
    assert out.getvalue().endswith("\r\x1b[Klogscan: 100 MB read; 7 events: incidents")


class Told:
    """A progress line that writes down what it is told."""

    def __init__(self) -> None:
        self.told: list[tuple[str, str]] = []
        self.categories: Counter[str] = Counter()

    def advance(self, nbytes: int, lines: int, events: Mapping[str, int]) -> None:
        self.told.append(("advance", str(lines)))
        self.categories.update(events)

    def stage(self, what: str) -> None:
        self.told.append(("stage", what))


def test_the_pipeline_tells_the_progress_line_its_stages_after_the_scan(
    genlog_days: dict[str, tuple[Path, dict]],
) -> None:
    told = Told()
    path = genlog_days["python"][0]
    analysis = pipeline.run(pipeline.Options((str(path),), UTC, NOW, jobs=1), RULES, None, told)
    stages = [what for kind, what in told.told if kind == "stage"]
    assert [kind for kind, _ in told.told][-2:] == ["stage", "stage"]  # after every part of the scan
    assert stages[0].endswith("events: reprints and calls") and stages[1].endswith("events: incidents")
    assert sum(int(lines) for kind, lines in told.told if kind == "advance") == analysis.lines


@pytest.mark.parametrize("jobs", [1, 2])
def test_the_progress_line_is_told_the_events_found_by_category_as_the_scan_goes(
    genlog_days: dict[str, tuple[Path, dict]], jobs: int
) -> None:
    """In one process (by events as they are found) and in workers (by part), every event the scan
    stored is told once, under its category."""
    path = genlog_days["python"][0]
    told = Told()
    into: list[parallel.Into] = []
    real = parallel.Into

    def keep(*args: object) -> parallel.Into:
        into.append(real(*args))  # type: ignore[arg-type]
        return into[-1]

    with mock.patch.object(parallel, "MIN_CHUNK", 1 << 16), mock.patch.object(pipeline.parallel, "Into", keep):
        pipeline.run(pipeline.Options((str(path),), UTC, NOW, jobs=jobs), RULES, None, told)
    stored = Counter("" if e.confidence == "low" else str(e.category) for e in Events.of(into[0].store))
    assert sum(stored.values()) > 100 and len(stored) > 3 and stored[""] > 0
    assert dict(told.categories) == dict(stored)


def test_no_progress_when_stderr_is_not_a_terminal(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "report.json"
    assert cli.main(["--tz", "UTC", "-o", str(out), str(SAMPLES / "python_card_decline.log")]) == 0
    assert capsys.readouterr().err == ""


def test_an_event_crosses_processes_and_moves_as_dataclasses_would_move_it() -> None:
    """Event's own pickling, its row and the merge's placing of a row give what the dataclass defaults give."""
    import dataclasses
    import pickle

    from analyzer.correlation.calls import _attempt_of
    from analyzer.models import Category, Event, Outcome, Severity

    low = Event("openai.http.429", Category.RATE_LIMIT, Outcome.FAILURE, Severity.LOW, True, "low", None, "a.log", 3, 4,
                "text", {"status": "429"})  # fmt: skip
    call = dataclasses.replace(low, rule="openai.quota", category=Category.QUOTA, severity=Severity.CRITICAL,
                               retryable=False, confidence="high", fields={"code": "insufficient_quota"})  # fmt: skip
    assert pickle.loads(pickle.dumps(low)) == low
    when = datetime(2026, 3, 14, tzinfo=UTC)
    assert Event(*low.row()) == low
    assert parallel._placed(low.row(), 10, when) == dataclasses.replace(low, line=13, end_line=14, time=when)
    assert parallel._placed(call.row(), 0, None) == call
    one_line = parallel._placed(dataclasses.replace(low, line=1000, end_line=1000).row(), 4000, when)
    assert one_line.line == one_line.end_line == 5000
    expected = dataclasses.replace(
        low, category=call.category, severity=call.severity, retryable=False,
        fields={"status": "429", "code": "insufficient_quota", "call": "openai.quota"},
    )  # fmt: skip
    assert _attempt_of(low, call, {}) == expected


def test_the_attempts_of_an_outage_share_one_dict_of_their_equal_fields() -> None:
    from analyzer.correlation.calls import assemble_calls
    from analyzer.models import Category, Event, Outcome, Severity

    def pair(n: int, code: str) -> list[Event]:
        when = datetime(2026, 3, 14, 0, 0, n, tzinfo=UTC)
        low = Event("openai.http.429", Category.RATE_LIMIT, Outcome.FAILURE, Severity.LOW, True, "low", when, "a.log",
                    2 * n, 2 * n, "429", {"status": "429"})  # fmt: skip
        call = Event("openai.quota", Category.QUOTA, Outcome.FAILURE, Severity.CRITICAL, False, "high", when, "a.log",
                     2 * n + 1, 2 * n + 1, "quota", {"code": code, "request_id": f"req_{n}"})  # fmt: skip
        return [low, call]

    given = pair(1, "insufficient_quota") + pair(2, "insufficient_quota") + pair(3, "other")
    out = assemble_calls(given)
    assert out is given  # relabelled in place: no copy keeps the replaced attempts alive
    attempts = [e.fields for e in out if e.rule == "openai.http.429"]
    assert attempts == [
        {"status": "429", "code": "insufficient_quota", "call": "openai.quota"},
        {"status": "429", "code": "insufficient_quota", "call": "openai.quota"},
        {"status": "429", "code": "other", "call": "openai.quota"},
    ]
    assert attempts[0] is attempts[1] and attempts[2] is not attempts[0]


def test_a_larger_file_is_cut_in_more_ranges_none_much_over_the_largest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Sixteen ranges a job until a range would pass MAX_CHUNK; then more ranges, not larger ones (a
    range's rows are the merge's to hold: they grew with the file)."""
    monkeypatch.setattr(parallel, "MIN_CHUNK", 1 << 12)
    monkeypatch.setattr(parallel, "MAX_CHUNK", 1 << 14)
    monkeypatch.setattr(parallel, "WINDOW", 1 << 11)
    line = "2026-03-14 10:00:00,000 INFO app: GET /api/threads 200 in 48ms\n"
    for lines, ranges in ((3_000, 2 * parallel.CHUNKS_PER_JOB), (40_000, None)):
        path = tmp_path / f"{lines}.log"
        path.write_text(line * lines, encoding="utf-8")
        with OpenFile(Source(str(path), lambda: io.BytesIO(), str(path))) as file:
            sizes = [c.end - c.start for c in parallel.plan(file, 2)]
        assert sum(sizes) == path.stat().st_size
        if ranges is not None:
            assert len(sizes) == ranges  # (189 KB: 32 ranges of 6 KB)
        else:
            assert len(sizes) > 2 * parallel.CHUNKS_PER_JOB
            assert max(sizes) <= parallel.MAX_CHUNK + parallel.WINDOW


def test_the_workers_are_handed_a_few_tasks_ahead_of_the_merge_not_all() -> None:
    """A pool's imap handed every range out at once, and their parts piled up while the merge lagged."""
    handed: list[int] = []

    def tasks() -> Iterator[int]:
        for n in range(20):
            handed.append(n)
            yield n

    seen = []
    for part in parallel._scanned(tasks(), 2, _numbered_part, None, 5):
        seen.append(part.size)
        assert len(handed) - len(seen) < 5  # tasks handed out and not yet merged
    assert seen == list(range(20))


def _numbered_part(n: int) -> parallel.Part:
    return parallel.Part([], SourceStats("x"), MatchStats(), size=n)


def test_a_workers_part_travels_as_pickled_batches_and_reads_back_as_its_rows(
    monkeypatch: pytest.MonkeyPatch, genlog_days: dict[str, tuple[Path, dict]]
) -> None:
    """Rows pickled ROWS at a time (the parts ahead of the merge wait as bytes) read back in order."""
    monkeypatch.setattr(parallel, "ROWS", 7)
    rows = [event.row() for event in analyse(genlog_days["python"][0], 1).events]
    assert len(rows) > 3 * 7
    part = parallel.Part(rows, SourceStats("x"), MatchStats())
    packed = part.packed()
    assert all(isinstance(batch, bytes) for batch in packed.events)
    assert len(packed.events) == -(-len(rows) // 7)
    assert (len(packed), list(packed.rows())) == (len(rows), rows)
    assert (len(part), list(part.rows())) == (len(rows), rows)
    assert packed.categories == {}  # counted by category only for a progress line
    assert sum(part.packed(counted=True).categories.values()) == len(rows)


@pytest.mark.parametrize("prefix", ["", "api-1  | "])
def test_a_range_that_starts_after_a_retry_notice_reads_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, prefix: str
) -> None:
    """A range cut between openai-python's retry notice and the status line it announces still marks that line
    a retry, as one process does: the worker reads the bytes before its range (with docker compose's `api-1  | `
    before every line as without; fails with no lead read)."""
    httpx = '2026-03-14 10:00:0{} INFO httpx: HTTP Request: POST https://api.openai.com/v1/embeddings "HTTP/1.1 429"'
    notice = "2026-03-14 10:00:0{} INFO openai._base_client: Retrying request to /embeddings in 0.78 seconds"
    lines = [f"2026-03-14 10:00:00 INFO app: working {i}" for i in range(200)]
    lines += [httpx.format(1), notice.format(1), httpx.format(2), notice.format(2), httpx.format(3)]
    lines += [f"2026-03-14 10:00:04 INFO app: working {i}" for i in range(200)]
    path = tmp_path / "app.log"
    path.write_text("".join(f"{prefix}{line}\n" for line in lines))
    data = path.read_bytes()
    cut = data.index(f"{prefix}{httpx.format(2)}".encode())  # just after the first notice

    def at_the_notice(file: OpenFile, jobs: int) -> list[parallel.Chunk]:
        return [parallel.Chunk(file.fd, 0, cut, last=False), parallel.Chunk(file.fd, cut, file.size, first=False)]

    one = analyse(path, 1)
    monkeypatch.setattr(parallel, "plan", at_the_notice)
    two = analyse(path, 2)
    marked = [(e.line, e.fields.get(SDK_RETRY)) for e in one.events]
    assert marked == [(201, None), (203, "0.78"), (205, "0.78")]
    assert [(e.line, e.fields.get(SDK_RETRY)) for e in two.events] == marked
