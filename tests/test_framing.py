"""Framing: lines into records (tracebacks joined, CRI and Docker unwrapped); the fast path agrees with the full one."""

from __future__ import annotations

import itertools
import json
import random
import subprocess
import sys
from collections.abc import Iterable

import pytest
from conftest import GENLOG
from hypothesis import example, given, settings
from hypothesis import strategies as st

from analyzer import framing, prefilter
from analyzer.framing import Counts, frame_blocks, frame_lines
from analyzer.models import Record
from analyzer.prefilter import RegexPrefilter

KEYWORDS = ("RateLimitError", "insufficient_quota", "429")

HEAD = "2026-03-14 09:12:03,412 ERROR app.chat: completion failed for thread 11553"
TRACEBACK = [
    "Traceback (most recent call last):",
    '  File "/srv/app/chat/service.py", line 87, in complete',
    "    resp = client.chat.completions.create(model=model, messages=messages)",
]
EXCEPTION = "openai.RateLimitError: Error code: 429 - {'error': {'code': 'insufficient_quota'}}"
NEXT = "2026-03-14 09:12:04,001 INFO app.http: GET /healthz 200 in 3ms"
CAUSE = "The above exception was the direct cause of the following exception:"
DURING = "During handling of the above exception, another exception occurred:"
CRI_TIME = "2026-03-14T03:01:02.123456789Z"
DOCKER_TIME = "2026-03-14T05:00:01.123456789Z"


def frame(lines: list[str]) -> list[Record]:
    return list(frame_lines(lines, "app.log"))


def spans(records: Iterable[Record]) -> list[tuple[int, int]]:
    return [(rec.line, rec.end_line) for rec in records]


def cri(text: str, tag: str = "F", stream: str = "stdout", when: str = CRI_TIME) -> str:
    return f"{when} {stream} {tag} {text}"


def docker(text: str, stream: str = "stderr", when: str = DOCKER_TIME) -> str:
    return json.dumps({"log": text, "stream": stream, "time": when}, separators=(",", ":"), ensure_ascii=False)


# --- frame_lines: examples -----------------------------------------------------------------------


def test_python_log_line_with_its_traceback_is_one_record() -> None:
    lines = [NEXT, HEAD, *TRACEBACK, EXCEPTION, NEXT]
    records = frame(lines)
    assert spans(records) == [(1, 1), (2, 6), (7, 7)]
    assert records[1].text == "\n".join([HEAD, *TRACEBACK, EXCEPTION])
    assert records[1].source == "app.log"
    assert records[1].wrapper == ""


@pytest.mark.parametrize("marker", [CAUSE, DURING])
def test_chained_traceback_stays_one_record_with_the_line_before(marker: str) -> None:
    first = [*TRACEBACK, "httpx.HTTPStatusError: Client error '429 Too Many Requests'"]
    lines = [HEAD, *first, "", marker, "", *TRACEBACK, EXCEPTION, NEXT]
    records = frame(lines)
    assert spans(records) == [(1, len(lines) - 1), (len(lines), len(lines))]
    assert records[0].text == "\n".join(lines[:-1])


def test_exception_line_joins_only_after_the_frames() -> None:
    # After the traceback's exception line, an unindented line is a new record again.
    lines = [HEAD, *TRACEBACK, EXCEPTION, "ValueError: an unrelated line that looks like an exception"]
    assert spans(frame(lines)) == [(1, 5), (6, 6)]


def test_unindented_line_after_a_plain_record_is_a_new_record() -> None:
    lines = [HEAD, "openai.RateLimitError: no traceback before me", NEXT]
    assert spans(frame(lines)) == [(1, 1), (2, 2), (3, 3)]


def test_indented_continuation_lines_join() -> None:
    lines = [NEXT, "    second line of the message", "\tthird, tab-indented", NEXT]
    records = frame(lines)
    assert spans(records) == [(1, 3), (4, 4)]
    assert records[0].text == "\n".join(lines[:3])


def test_first_line_number_is_an_offset() -> None:
    records = list(frame_lines([HEAD, "  more", NEXT], "app.log", first_line=41))
    assert spans(records) == [(41, 42), (43, 43)]


def test_cri_line_is_unwrapped_keeping_its_time_and_stream() -> None:
    (record,) = frame([cri(NEXT, stream="stderr")])
    assert record == Record("app.log", 1, 1, NEXT, "cri", CRI_TIME, "stderr")


def test_cri_partial_lines_join_with_the_final_piece() -> None:
    later = "2026-03-14T03:01:02.200000000Z"
    lines = [
        cri(NEXT),
        cri("2026-03-14 09:12:05,000 INFO app.chat: a very long ", "P"),
        cri("message split by the runtime ", "P", when=later),
        cri("into three pieces", when=later),
        cri(NEXT),
    ]
    records = frame(lines)
    assert spans(records) == [(1, 1), (2, 4), (5, 5)]
    joined = "2026-03-14 09:12:05,000 INFO app.chat: a very long message split by the runtime into three pieces"
    assert records[1].text == joined
    assert (records[1].wrapper, records[1].wrapper_time) == ("cri", CRI_TIME)  # when the record began


def test_cri_line_without_text_is_a_blank_continuation() -> None:
    lines = [cri(NEXT), f"{CRI_TIME} stdout F", cri(NEXT)]
    assert spans(frame(lines)) == [(1, 2), (3, 3)]


def test_traceback_split_across_cri_lines_is_one_record() -> None:
    inner = [HEAD, *TRACEBACK, EXCEPTION]
    records = frame([*(cri(text, stream="stderr") for text in inner), cri(NEXT)])
    assert spans(records) == [(1, 5), (6, 6)]
    assert records[0].text == "\n".join(inner)
    assert records[0].stream == "stderr"


def test_docker_line_is_unwrapped() -> None:
    (record,) = frame([docker(NEXT + "\n")])
    assert record == Record("app.log", 1, 1, NEXT, "docker", DOCKER_TIME, "stderr")


def test_docker_partial_line_joins_the_next_one() -> None:
    records = frame([docker("2026-03-14 09:12:05,000 INFO app: first half, "), docker("second half\n"), docker(NEXT)])
    assert spans(records) == [(1, 2), (3, 3)]
    assert records[0].text == "2026-03-14 09:12:05,000 INFO app: first half, second half"


def test_traceback_split_across_docker_lines_is_one_record() -> None:
    inner = [HEAD, *TRACEBACK, EXCEPTION]
    records = frame([*(docker(text + "\n") for text in inner), docker(NEXT + "\n")])
    assert spans(records) == [(1, 5), (6, 6)]
    assert records[0].text == "\n".join(inner)


def test_broken_docker_json_is_kept_as_text() -> None:
    line = '{"log":"cut in the middle'
    assert frame([line, NEXT]) == [Record("app.log", 1, 1, line), Record("app.log", 2, 2, NEXT)]


def test_deeply_nested_docker_like_line_is_data_not_a_crash() -> None:
    line = '{"log":' + "[" * 100_000
    assert spans(frame([line, NEXT])) == [(1, 1), (2, 2)]


def test_trailing_carriage_return_is_dropped() -> None:
    records = frame([NEXT + "\r", "  more\r"])
    assert records[0].text == NEXT + "\n  more"


# --- frame_blocks: the fast path against the full path on genlog days -----------------------------


def as_bytes(lines: list[str]) -> bytes:
    return "".join(line + "\n" for line in lines).encode()


def cut_blocks(data: bytes, seed: int, low: int = 2048, high: int = 8192, inside: Iterable[int] = ()) -> list[bytes]:
    """Blocks of `data` cut just after a newline every `low`..`high` bytes, and after each line in `inside`."""
    line_ends = [i + 1 for i, byte in enumerate(data) if byte == 0x0A]
    cuts = {line_ends[n - 1] for n in inside}
    rng, start = random.Random(seed), 0
    while start < len(data):
        start = data.find(b"\n", start + rng.randint(low, high)) + 1 or len(data)
        cuts.add(start)
    edges = [0, *sorted(cuts - {0, len(data)}), len(data)]
    return [data[a:b] for a, b in itertools.pairwise(edges)]


def run_blocks(blocks: list[bytes], prefilter: RegexPrefilter | None) -> tuple[list[Record], Counts]:
    stats = Counts()
    return list(frame_blocks(blocks, "app.log", stats, prefilter)), stats


@pytest.fixture(scope="module", params=["python", "json", "cri"])
def genlog_day(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, bytes]:
    out = tmp_path_factory.mktemp("genlog") / f"day.{request.param}.log"
    command = [sys.executable, str(GENLOG), "--lines", "3000", "--format", request.param, "--out", str(out)]
    subprocess.run(command, check=True, capture_output=True)
    return request.param, out.read_bytes()


def test_fast_path_yields_the_full_paths_records_on_genlog(genlog_day: tuple[str, bytes]) -> None:
    fmt, data = genlog_day
    whole = frame(data.decode().split("\n")[:-1])
    multi_line = [rec for rec in whole if rec.end_line > rec.line]
    # Blocks of 2-8 KiB, also cut after the first line of every multi-line record (a traceback).
    blocks = cut_blocks(data, seed=len(data), inside=[rec.line for rec in multi_line])
    full, full_stats = run_blocks(blocks, None)
    fast, fast_stats = run_blocks(blocks, RegexPrefilter(KEYWORDS))

    assert len(blocks) > 10
    assert bool(multi_line) == (fmt != "json")  # json days keep a traceback inside its line
    assert full == whole
    assert full_stats.lines == data.count(b"\n")
    assert full_stats.records == len(whole)
    assert (fast_stats.lines, fast_stats.records) == (full_stats.lines, full_stats.records)
    by_line = {rec.line: rec for rec in full}
    assert [by_line.get(rec.line) for rec in fast] == fast
    assert 0 < len(fast) < len(full) // 4  # the prefilter skipped most lines
    assert any(KEYWORDS[0] in rec.text for rec in fast)


def test_small_blocks_through_tracebacks_give_the_same_records() -> None:
    group = [HEAD, *TRACEBACK, EXCEPTION, NEXT]  # a 5-line record, then a one-line record
    lines = group * 40
    blocks = cut_blocks(as_bytes(lines), seed=1, low=100, high=300)
    full, _ = run_blocks(blocks, None)
    fast, _ = run_blocks(blocks, RegexPrefilter(KEYWORDS))
    expected = [span for g in range(40) for span in ((6 * g + 1, 6 * g + 5), (6 * g + 6, 6 * g + 6))]
    assert spans(full) == expected
    assert full[0].text == "\n".join(group[:-1])
    # Every traceback has a keyword; the healthz lines have none, except the last line, always framed.
    assert fast == [rec for rec in full if rec.end_line > rec.line or rec.line == len(lines)]


# --- properties ----------------------------------------------------------------------------------

_WORD = st.sampled_from(
    ["GET", "/v1/chat", "ok", "quota", "insufficient_quota", "429", "retry", "thread=7", "é", "日本"]
)
_PLAIN = st.builds(
    lambda level, words: f"2026-03-14 09:12:03,412 {level} app.chat: {' '.join(words)}",
    st.sampled_from(["INFO", "ERROR", "WARNING"]),
    st.lists(_WORD, max_size=4),
)
_INDENTED = st.builds(
    lambda pad, text: pad + text,
    st.sampled_from([" ", "  ", "    ", "\t"]),
    st.sampled_from(['File "/srv/app.py", line 3, in f', "resp = client.create()", "more", ""]),
)
_RANDOM = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\n"), max_size=20)
_INNER = st.one_of(
    _PLAIN,
    _INDENTED,
    st.sampled_from(["", "   ", "Traceback (most recent call last):", CAUSE, DURING, "Caused by: java.io.IOException"]),
    st.sampled_from([EXCEPTION, "ValueError: boom", "openai.APITimeoutError: Request timed out."]),
    _RANDOM,
)
_CRI = st.builds(
    lambda stream, tag, text: f"{CRI_TIME} {stream} {tag} {text}",
    st.sampled_from(["stdout", "stderr"]),
    st.sampled_from(["F", "F", "P"]),
    _INNER,
)
_DOCKER = st.builds(lambda text, newline: docker(text + newline), _INNER, st.sampled_from(["\n", "\n", ""]))
# A CRI line with no body, not even the space after its tag: an empty line of the container (F), or an empty part.
_CRI_EMPTY = st.sampled_from([f"{CRI_TIME} stdout F", f"{CRI_TIME} stderr P", f"{CRI_TIME} stdout F\r"])
# Docker's json-file writes neither, but a JSON line may: a space after the key's colon, an escaped space or tab first.
_DOCKER_SPACED = st.builds(
    lambda text, newline: json.dumps({"log": text + newline}), _INNER, st.sampled_from(["\n", ""])
)
_DOCKER_ESCAPED = st.builds(
    lambda escape, text: '{"log":"' + escape + json.dumps(text + "\n")[1:-1] + '"}',
    st.sampled_from(["\\u0020", "\\u0009", "\\u0041"]),
    _INNER,
)
LINE = st.one_of(_INNER, _CRI, _DOCKER, _CRI_EMPTY, _DOCKER_SPACED, _DOCKER_ESCAPED)
FAST_LINE = LINE  # split Docker lines (no "\n" at the end of "log") included: they are prefilter triggers
UNWRAPPED_LINE = _INNER.filter(
    lambda line: not line.startswith('{"log":') and " stdout " not in line and " stderr " not in line
)


def random_blocks(data: bytes, seed: int) -> list[bytes]:
    """`data` cut after random newlines (some blocks hold many lines, some one)."""
    rng = random.Random(seed)
    ends = [i + 1 for i, byte in enumerate(data) if byte == 0x0A and rng.random() < 0.3]
    starts = [0, *ends]
    blocks = [data[a:b] for a, b in zip(starts, [*ends, len(data)], strict=True)]
    return [block for block in blocks if block]


def assert_partition(records: list[Record], count: int) -> None:
    """Line spans ascend, do not overlap, and cover 1..count with no gap."""
    assert all(rec.line <= rec.end_line for rec in records)
    covered = [n for rec in records for n in range(rec.line, rec.end_line + 1)]
    assert covered == list(range(1, count + 1))


@settings(max_examples=200, deadline=None)
@given(st.lists(LINE, max_size=30))
def test_every_line_lands_in_exactly_one_record(lines: list[str]) -> None:
    assert_partition(frame(lines), len(lines))


@settings(max_examples=200, deadline=None)
@given(st.lists(UNWRAPPED_LINE, max_size=30))
def test_frame_then_join_returns_the_input(lines: list[str]) -> None:
    records = frame(lines)
    assert "\n".join(rec.text for rec in records) == "\n".join(line.removesuffix("\r") for line in lines)


@settings(max_examples=200, deadline=None)
@given(st.lists(LINE, max_size=30), st.integers(0, 2**32))
@example(lines=[NEXT, cri("Traceback (most recent call last):"), cri("  File x", "P"), cri("y"), cri("E: x")], seed=0)
def test_block_cuts_do_not_change_records(lines: list[str], seed: int) -> None:
    data = as_bytes(lines)
    full, stats = run_blocks(random_blocks(data, seed), None)
    assert full == frame(data.decode().split("\n")[:-1])
    assert (stats.lines, stats.records) == (len(lines), len(full))


@settings(max_examples=200, deadline=None)
@given(st.lists(FAST_LINE, max_size=30), st.integers(0, 2**32))
@example(lines=[NEXT, NEXT, HEAD, "\x0c", NEXT, "\u3000", NEXT, NEXT, NEXT], seed=0)
@example(lines=[NEXT, cri("Traceback (most recent call last):"), cri("  File x", "P"), cri("y"), cri("E: x")], seed=0)
@example(lines=[NEXT, NEXT, f"{CRI_TIME} stdout F", NEXT, NEXT], seed=0)
@example(lines=[NEXT, NEXT, json.dumps({"log": "  File x\n"}), NEXT, NEXT], seed=0)
@example(lines=[NEXT, NEXT, '{"log":"\\u0020 File x\\n"}', NEXT, NEXT], seed=0)
@example(lines=[NEXT, NEXT, '{"log":\r"\\tat y\\n"}', NEXT, NEXT], seed=0)
def test_fast_path_gives_the_full_paths_records(lines: list[str], seed: int) -> None:
    blocks = random_blocks(as_bytes(lines), seed)
    full, full_stats = run_blocks(blocks, None)
    fast, fast_stats = run_blocks(blocks, RegexPrefilter(["quota", "429", "Error"]))

    assert (fast_stats.lines, fast_stats.records) == (full_stats.lines, full_stats.records)
    by_line = {rec.line: rec for rec in full}
    assert [by_line.get(rec.line) for rec in fast] == fast
    if lines:  # the first and the last line are always framed
        assert (fast[0], fast[-1]) == (full[0], full[-1])


@pytest.mark.parametrize("engine", ["regex", "hyperscan"])
def test_fast_path_counts_a_split_docker_line_as_one_record(engine: str) -> None:
    if engine not in prefilter.ENGINES:
        pytest.skip("hyperscan is not installed")
    split = [docker("2026-03-14 09:12:05,000 INFO app: first half, "), docker("second half\n")]
    blocks = [as_bytes([NEXT, NEXT, *split, NEXT, NEXT, NEXT])]
    _, full_stats = run_blocks(blocks, None)
    _, fast_stats = run_blocks(blocks, prefilter.build(engine, ["quota"]))
    assert full_stats.records == 6
    assert fast_stats.records == full_stats.records


def _one_line_region_reference(buffer: bytes, start: int) -> bool:
    """blocks._one_line_region as it was written first: four looks at line starts with _simple_head."""
    simple = framing.lines._simple_head
    if start == 0 or buffer[start : start + 1] not in framing.blocks._STAMPED or not simple(buffer, start):
        return False
    before = buffer.rfind(b"\n", 0, start - 1) + 1
    if not simple(buffer, before) or (before > 0 and not simple(buffer, buffer.rfind(b"\n", 0, before - 1) + 1)):
        return False
    end = buffer.find(b"\n", start) + 1 or len(buffer)
    return end == len(buffer) or simple(buffer, end)


ODD_HEADS = st.sampled_from(["[x] y", "<13>Mar 14", "{}", "Done", "T", "2026-03-14 ", "2026-0", "١٢٣٤-03-14 x"])


@settings(max_examples=300, deadline=None)
@given(st.lists(LINE | ODD_HEADS, max_size=8))
@example(lines=[NEXT, NEXT, NEXT])
@example(lines=[NEXT, f"{CRI_TIME} stdout F 1", NEXT, f"{CRI_TIME} stdout P x"])
def test_one_line_regions_are_those_of_the_four_looks(lines: list[str]) -> None:
    for end in ("", "\n"):
        buffer = ("\n".join(lines) + end).encode()
        starts = [0, *(i + 1 for i, byte in enumerate(buffer) if byte == 0x0A and i + 1 < len(buffer))]
        for start in starts:
            assert framing.blocks._one_line_region(buffer, start) == _one_line_region_reference(buffer, start), start


def test_julias_stacktrace_continues_the_error_above_it() -> None:
    """Julia prints `ERROR: <message>`, then `Stacktrace:` unindented and the numbered frames under it: one record,
    so that the frames' `OpenAI.OpenAIProvider` shows whose client raised the message."""
    lines = [
        "ERROR: ArgumentError: api_key cannot be empty",
        "Stacktrace:",
        "  [1] auth_header(::OpenAI.OpenAIProvider, api_key::String)",
        "    @ OpenAI ~/.julia/packages/OpenAI/wLQsT/src/OpenAI.jl:40",
        NEXT,
    ]
    assert spans(frame(lines)) == [(1, 4), (5, 5)]
