"""An outage day (issue 19): matching once per template gives the analysis of matching every record;
the JSON report lists all, none or the first N events and says how many it left out."""

from __future__ import annotations

import io
import json
import re
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import jsonschema
import pytest
from conftest import SAMPLES, genlog
from dateutil.tz import tzlocal
from hypothesis import given, settings
from hypothesis import strategies as st

from analyzer import cli, events, evidence, memo, parallel, pipeline, redaction, reporting, resources, ruleset
from analyzer.errors import ExitCode
from analyzer.matching import Matcher, MatchStats
from analyzer.models import Analysis, Category, Event, Outcome, Record, Severity
from analyzer.parsing import parse
from analyzer.reporting.model import Numbered
from analyzer.timestamps import Clock

NOW = datetime(2026, 11, 27, tzinfo=UTC)
RULES = ruleset.load()
CLOCK = Clock(UTC, NOW)


@pytest.fixture(scope="module")
def days(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Small outage days (python and json), a day of many failure messages, and an ordinary day."""
    folder = tmp_path_factory.mktemp("memo")
    return {
        "outage": genlog(folder / "outage.log", 6000, "python", 7, "--outage")[0],
        "outage.json": genlog(folder / "outage.json.log", 6000, "json", 3, "--outage")[0],
        "mix": genlog(folder / "mix.log", 20_000, "cri", 5, "--mix")[0],
        "day": genlog(folder / "day.log", 20_000, "python", 11)[0],
    }


def _in_parts(monkeypatch: pytest.MonkeyPatch, path: Path, jobs: int) -> pipeline.Options:
    """The options of a run over `path`, cut in ranges however small it is."""
    monkeypatch.setattr(parallel, "MIN_CHUNK", 1 << 16)
    monkeypatch.setattr(parallel, "WINDOW", 1 << 13)
    return pipeline.Options((str(path),), UTC, NOW, jobs=jobs)


def _reported(options: pipeline.Options) -> tuple[Analysis, dict[str, str]]:
    """The run's analysis, and its JSON, Markdown and HTML reports."""
    analysis = pipeline.run(options, RULES, None)
    report = reporting.build(analysis, "en", UTC)
    return analysis, {fmt: reporting.render(report, fmt) for fmt in ("json", "md", "html")}


@pytest.mark.parametrize("day", ["outage", "outage.json", "mix", "day"])
@pytest.mark.parametrize("jobs", [1, 2])
def test_the_analysis_is_the_one_of_matching_every_record(
    days: dict[str, Path], monkeypatch: pytest.MonkeyPatch, day: str, jobs: int
) -> None:
    """Events, incidents, counts and every report, with the memo and with nothing remembered."""
    options = _in_parts(monkeypatch, days[day], jobs)

    def analysed() -> tuple[object, ...]:
        analysis, rendered = _reported(options)
        return analysis.events, analysis.incidents, analysis.match_stats, analysis.successes, rendered

    remembered = analysed()
    monkeypatch.setattr(memo, "REMEMBERED", 0)
    assert analysed() == remembered
    assert remembered[0], "the day has failures"


@pytest.mark.parametrize("day", ["outage", "outage.json", "mix"])
@pytest.mark.parametrize("jobs", [1, 2])
@pytest.mark.parametrize("kept", [0, 40, events.KEPT])
def test_events_as_columns_give_the_analysis_of_event_objects(
    days: dict[str, Path], monkeypatch: pytest.MonkeyPatch, day: str, jobs: int, kept: int
) -> None:
    """The run's events kept as columns (events.Store), the stages after matching and the incidents holding
    their numbers (events.Events), give the events, incidents and reports of a list of Event objects: with
    the store's Event objects kept (an ordinary day), let go when the KEPT-th event came (an outage), or none."""
    monkeypatch.setattr(events, "KEPT", kept)
    options = _in_parts(monkeypatch, days[day], jobs)

    def analysed() -> tuple[object, ...]:
        analysis, rendered = _reported(options)
        held = [analysis.events, *(i.events for i in analysis.incidents)]
        numbered = all(isinstance(e, events.Events) and not e.extra for e in held)  # by number, no Event kept
        by_number = Numbered.of(analysis.events, analysis.incidents) is not None  # the JSON's incident of each
        return list(analysis.events), analysis.incidents, analysis.match_stats, rendered, (numbered, by_number)

    *columns, (numbered, by_number) = analysed()
    assert numbered, "the run held its events as columns, its incidents their numbers"
    assert by_number, "the JSON rows read their incidents by store number"
    every = lambda store: list(events.Events.of(store))  # noqa: E731
    monkeypatch.setattr(pipeline, "Events", SimpleNamespace(of=every))  # Event objects in lists, as before
    *objects, (numbered, by_number) = analysed()
    assert not numbered and not by_number
    assert columns == objects
    assert columns[1], "the day has incidents"


def _small_pages(patch: pytest.MonkeyPatch, shift: int, cached: int = 2) -> None:
    """Pages of 2**shift events, `cached` of them read back at once: a small day's store spills most."""
    patch.setattr(events, "PAGE_SHIFT", shift)
    patch.setattr(events, "PAGE", 1 << shift)
    patch.setattr(events, "_IN_PAGE", (1 << shift) - 1)
    patch.setattr(events, "CACHED", cached)


class _FillingDisk(io.BytesIO):
    """A temporary file on a disk that is full after `room` bytes: a write past them fails."""

    def __init__(self, room: int) -> None:
        super().__init__()
        self.room = room

    def write(self, data: object) -> int:
        size = memoryview(data).nbytes  # type: ignore[arg-type]
        if self.tell() + size > self.room:
            raise OSError(28, "No space left on device")
        return super().write(data)  # type: ignore[arg-type]


@pytest.mark.parametrize("room", [None, 40_000], ids=["disk", "full-disk"])
@pytest.mark.parametrize("day", ["outage", "mix"])
def test_events_spilled_in_pages_give_the_analysis_of_event_objects(
    days: dict[str, Path], monkeypatch: pytest.MonkeyPatch, day: str, room: int | None
) -> None:
    """The store's pages of columns written to its temporary file and read back as the passes reach them
    (pages of 64 events, two read back at once: every pass crosses pages, and the relabelled attempts of
    assemble_calls are written again when their page leaves the cache) give the analysis of Event objects;
    so do they on a disk that fills up (the pages and texts it takes no more of are kept in memory)."""
    monkeypatch.setattr(events, "KEPT", 0)
    _small_pages(monkeypatch, 6)
    if room is not None:
        monkeypatch.setattr(events, "spill_file", lambda owner: _FillingDisk(room))
        monkeypatch.setattr(evidence, "spill_file", lambda owner: _FillingDisk(room))
        monkeypatch.setattr(evidence, "HELD", 0)
    options = _in_parts(monkeypatch, days[day], 1)
    spilled: list[events.Store] = []
    original = events.Store.__init__

    def init(store: events.Store) -> None:
        original(store)
        spilled.append(store)

    monkeypatch.setattr(events.Store, "__init__", init)
    writes: list[tuple[int, bool]] = []
    write = events._Spill.write

    def counted(spill: events._Spill, number: int, page: events._Page) -> bool:
        done = write(spill, number, page)
        writes.append((number, done))
        return done

    monkeypatch.setattr(events._Spill, "write", counted)
    analysis, rendered = _reported(options)
    assert any(None in store.pages for store in spilled), "the store wrote pages out"
    numbers = [n for n, _ in writes]
    assert len(numbers) > len(set(numbers)), "pages relabelled after they were written out were written again"
    if room is not None:
        assert not all(done for _, done in writes), "the disk filled up"
    columns = list(analysis.events), analysis.incidents, rendered
    every = lambda store: list(events.Events.of(store))  # noqa: E731
    monkeypatch.setattr(pipeline, "Events", SimpleNamespace(of=every))
    analysis, rendered = _reported(options)
    assert columns == (list(analysis.events), analysis.incidents, rendered)


def test_a_store_keeps_its_pages_in_memory_when_no_temporary_file_can_be_made(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(events, "KEPT", 0)
    _small_pages(monkeypatch, 1)

    def refused(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(events.tempfile, "TemporaryFile", refused)
    store = events.Store()
    made = [
        Event("r", None, Outcome.FAILURE, Severity.LOW, False, "high", None, "a.log", n, n, "", {}) for n in range(9)
    ]
    for event in made:
        store.add(event)
    assert None not in store.pages and len(store.pages) == 5
    assert list(events.Events.of(store)) == made


@pytest.mark.parametrize("shift", [events.PAGE_SHIFT, 1])
@pytest.mark.parametrize("kept", [0, 3, events.KEPT])
def test_events_read_back_as_they_were_put(monkeypatch: pytest.MonkeyPatch, kept: int, shift: int) -> None:
    """Events of a store read back equal, in any selection and order, made from the columns or kept as
    objects, their pages in memory or written out (pages of 2 events, one read back at a time); writing
    one relabels it in the store; an Event of no store is held as it is."""
    monkeypatch.setattr(events, "KEPT", kept)
    _small_pages(monkeypatch, shift, 1)
    store = events.Store()
    made = [
        Event(
            "openai.quota",
            Category.QUOTA,
            Outcome.FAILURE,
            Severity.CRITICAL,
            False,
            "high",
            datetime(2026, 3, 14, 0, 0, n, tzinfo=UTC) if n % 3 else None,
            f"{n % 2}.log",
            n,
            n + n % 2,
            "text" if n == 4 else "",
            {"request_id": f"req_{n}"},
        )
        for n in range(1, 7)
    ]
    for event in made:
        store.add(event)
    assert (store.objects is None) == (kept < len(made))
    every = events.Events.of(store)
    assert list(every) == made and every[-1] == made[-1] and every[1:3] == made[1:3]
    picked = every.select([4, 0, 2])
    assert picked == [made[4], made[0], made[2]]
    assert events.of_kind(every, lambda e: e.outcome is Outcome.FAILURE) == made
    assert list(events.places(picked)) == [(e.time, e.source, e.line) for e in picked]
    assert [(k.row()[:6], *rest) for k, *rest in events.parts(picked)] == [
        (e.row()[:6], e.time, e.source, e.line, e.end_line, e.fields) for e in picked
    ]
    assert events.sources_of(every) == {"0.log", "1.log"}
    relabelled = Event(*made[0].row()[:1], Category.RATE_LIMIT, *made[0].row()[2:])
    picked[1] = relabelled
    assert every[0] == relabelled and picked[1] == relabelled
    held = events.Events()
    held.append(made[2])
    held.append(every[3], (store, 3))
    assert list(held) == [made[2], made[3]]


_ZONES = [UTC, timezone(timedelta(hours=9)), timezone(-timedelta(hours=3, minutes=30)), ZoneInfo("America/New_York")]
_ZONES.append(tzlocal())
_NAMES = ["status", "code", "request_id", "used", "model", "attributed"]


@st.composite
def _stored_events(draw: st.DrawFn) -> Event:
    when = draw(st.none() | st.datetimes(timezones=st.sampled_from(_ZONES)))
    if when is not None and draw(st.booleans()):
        when = when.replace(fold=1)  # the second 01:30 of a fall-back night keeps its offset
    line = draw(st.integers(0, 1 << 40))
    names = draw(st.lists(st.sampled_from(_NAMES), unique=True, max_size=4))
    values = st.sampled_from(["429", "insufficient_quota", ""]) | st.text(max_size=12)  # NULs and surrogates too
    fields = {name: draw(values) for name in names}
    return Event(
        draw(st.sampled_from(["openai.quota", "openai.http.429"])),
        Category.QUOTA,
        Outcome.FAILURE,
        Severity.HIGH,
        False,
        "high",
        when,
        draw(st.sampled_from(["a.log", "b.log"])),
        line,
        line + draw(st.integers(0, 1 << 34)),  # a span past 32 bits is held apart
        "",
        fields,
    )


@settings(max_examples=60, deadline=None)
@given(st.lists(_stored_events(), max_size=30), st.sampled_from([3, 1 << 16]))
def test_the_compact_columns_give_back_each_event_exactly(made: list[Event], frames: int) -> None:
    """Times (zone, fold and all), end lines and fields (shared in frames, volatile values in the heap, a
    value with a NUL held apart, every value in the heap once the frames are full) read back as they were
    put, as Events, as their parts and one field at a time."""
    store = events.Store()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(events, "KEPT", 0)
        patch.setattr(events, "FRAMES", frames)
        for event in made:
            store.add(event)
    every = events.Events.of(store)
    back = list(every)
    assert back == made
    assert [(b.time, b.time and b.time.tzinfo, b.time and b.time.fold) for b in back] == [
        (e.time, e.time and e.time.tzinfo, e.time and e.time.fold) for e in made
    ]
    assert [dict(b.fields) for b in back] == [dict(e.fields) for e in made]
    for name in _NAMES:
        assert list(events.values_of(every, name)) == [e.fields.get(name) for e in made]
        assert events.named(every, name) == any(name in e.fields for e in made)
    assert [(t, s, ln) for t, s, ln in events.places(every)] == [(e.time, e.source, e.line) for e in made]


def test_volatile_values_too_long_for_the_heap_are_held_apart(monkeypatch: pytest.MonkeyPatch) -> None:
    """A value longer than a heap place holds (64 KiB) is kept as it is, the events after it in the heap."""
    monkeypatch.setattr(events, "KEPT", 0)
    store = events.Store()
    made = [
        Event("r", None, Outcome.FAILURE, Severity.LOW, False, "high", None, "a.log", n, n, "", {"request_id": rid})
        for n, rid in enumerate(["req_1", "x" * 70_000, "req_3"])
    ]
    for event in made:
        store.add(event)
    assert list(events.Events.of(store)) == made
    assert list(events.values_of(events.Events.of(store), "request_id")) == ["req_1", "x" * 70_000, "req_3"]


def test_a_field_in_a_masked_run_is_each_records_own() -> None:
    """Two rate-limit errors of one wording but other organisations (of one shape) and request ids: one key, and
    each event has its own organisation and request id."""
    matcher = Matcher(RULES, redaction.identity, MatchStats())
    events = []
    for n, org in enumerate(["org-AbCdEf123456GhIjKl789012", "org-AbCdEf654321GhIjKl210987"], 1):
        text = (
            f"2026-03-14 10:00:0{n},123 ERROR app.chat: Error code: 429 - {{'error': {{'message': 'Rate limit reached "
            f"for gpt-4o in organization {org} on tokens per min (TPM): Limit 30000, Used 29750, Requested 1200.', "
            f"'type': 'tokens', 'code': 'rate_limit_exceeded'}}}} request_id=req_{n:016x} api.openai.com"
        )
        events.append(matcher.match(parse(Record("a.log", n, n, text), CLOCK)))
    first, second = events
    assert first is not None and second is not None
    assert len(matcher.memo.found) == 1
    assert first.fields["organization"] == "org-AbCdEf123456GhIjKl789012"
    assert second.fields["organization"] == "org-AbCdEf654321GhIjKl210987"
    assert (first.fields.get("request_id"), second.fields.get("request_id")) == (f"req_{1:016x}", f"req_{2:016x}")
    assert first.rule == second.rule and first.line == 1 and second.line == 2


def test_short_numbers_stay_in_the_key() -> None:
    """A status code is part of the key (another status may be another rule); a request id is not."""
    line = '2026-03-14 10:00:00,123 INFO httpx: HTTP Request: POST https://api.openai.com/v1/x "HTTP/1.1 {}" {}'

    def key(status: str, request: str) -> str | None:
        return memo.key(parse(Record("a.log", 1, 1, line.format(status, request)), CLOCK))

    assert key("429", "req_0123456789abcdef") == key("429", "req_fedcba9876543210")
    assert key("429", "req_0123456789abcdef") != key("500", "req_0123456789abcdef")
    assert key("429", "req_0123456789abcdef") != key("429", "req_0123456789abcdef0")  # a run's length is kept


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet="0123456789abcdefgxyzABF:.,_- \n\"'", max_size=60))
def test_the_masked_runs_are_the_runs_of_masked_length(text: str) -> None:
    """The key masks, and `variable` finds, exactly the runs of hex letters, a digit, then hex digits and
    time punctuation that are MASKED characters long or longer, as found one after another."""
    runs = [m.span() for m in re.finditer(r"[0-9a-fA-F]*[0-9][0-9a-fA-F:.,_-]*", text)]
    assert memo.variable(text) == [(a, b) for a, b in runs if b - a >= memo.MASKED]


@pytest.mark.parametrize(("option", "listed"), [("all", 48), ("none", 0), ("5", 5), ("100", 48)])
def test_events_lists_all_none_or_the_first_n(option: str, listed: int, capsys: pytest.CaptureFixture[str]) -> None:
    """The events listed are the first of all; the summary counts them all and says how many were left
    out (nothing said with all, the report as before); the report still matches the shipped schema."""
    path = str(SAMPLES / "python_card_decline.log")
    assert cli.main(["-f", "json", "--tz", "UTC", path]) == 0
    whole = json.loads(capsys.readouterr().out)
    assert cli.main(["-f", "json", "--tz", "UTC", "--events", option, path]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["events"] == whole["events"][:listed]
    assert report["summary"]["events"] == len(whole["events"]) == 48
    assert report["summary"].get("events_left_out") == (None if option == "all" else 48 - listed)
    assert report["incidents"] == whole["incidents"]
    jsonschema.validate(report, json.loads((resources.templates_dir() / "report.schema.json").read_text()))


@pytest.mark.parametrize("option", ["-1", "x", "1.5"])
def test_events_of_another_kind_is_a_usage_error(option: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["-f", "json", "--events", option, str(SAMPLES / "python_card_decline.log")]) == ExitCode.USAGE
    out, err = capsys.readouterr()
    assert out == "" and err.startswith("logscan: error: --events:") and err.count("\n") == 1
