"""Time limits of searches: the watchdog stops a runaway search as the regex module's timeout
would, only where it is armed, and leaves the process as it found it."""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import regex
from hypothesis import given
from hypothesis import strategies as st

from analyzer import parallel, pipeline, ruleset, timelimit

RUNAWAY = regex.compile(r"(?:a|aa)+c")  # exponential in the number of a's with no c
RUNAWAY_TEXT = "a" * 36  # some 7 s unbounded here: a broken limit fails the test, it does not hang it
RULES = ruleset.load()
NOW = datetime(2026, 3, 15, tzinfo=UTC)
EXTRACTOR = regex.compile(r"""['"]code['"]:\s*['"](?P<code>[a-z_]+)['"]""")


@pytest.fixture(autouse=True)
def no_watchdog_left() -> Iterator[None]:
    yield
    assert signal.getsignal(signal.SIGPROF) == signal.SIG_DFL
    assert signal.getitimer(signal.ITIMER_PROF) == (0.0, 0.0)


def cpu_seconds_to_stop(limit: float) -> float:
    started = time.process_time()
    with pytest.raises(TimeoutError):
        timelimit.search(RUNAWAY, RUNAWAY_TEXT, 0, len(RUNAWAY_TEXT), limit)
    return time.process_time() - started


def test_armed_only_in_the_main_thread_and_once() -> None:
    with timelimit.watched() as armed:
        assert armed and signal.getsignal(signal.SIGPROF) != signal.SIG_DFL
        assert signal.getitimer(signal.ITIMER_PROF)[1] == timelimit.PERIOD
        with timelimit.watched() as again:
            assert not again
        assert signal.getitimer(signal.ITIMER_PROF)[1] == timelimit.PERIOD  # the inner one left it armed
        elsewhere: list[bool] = []

        def arm() -> None:
            with timelimit.watched() as there:
                elsewhere.append(there)

        thread = threading.Thread(target=arm)
        thread.start()
        thread.join()
        assert elsewhere == [False]


def test_the_watchdog_stops_a_runaway_search_within_the_match_timeout() -> None:
    with timelimit.watched() as armed:
        assert armed
        spent = cpu_seconds_to_stop(limit=60.0)  # the limit given is the regex module's: not used here
    assert spent < 2 * timelimit.PERIOD + 0.2  # two ticks at most, and what it takes to notice one


def test_unarmed_the_regex_modules_timeout_stops_it() -> None:
    assert cpu_seconds_to_stop(limit=0.05) < 1.0


def test_a_tick_between_searches_stops_nothing() -> None:
    with timelimit.watched():
        timelimit.search(EXTRACTOR, "'code': 'x'", 0, 11, 1.0)
        started = time.process_time()
        while time.process_time() - started < 3 * timelimit.PERIOD:  # Python code, ticks, no search
            pass
        assert timelimit.search(EXTRACTOR, "'code': 'y'", 0, 11, 1.0) is not None


def test_a_search_in_another_thread_keeps_the_regex_modules_timeout() -> None:
    stopped: list[BaseException] = []

    def runaway() -> None:
        try:
            timelimit.search(RUNAWAY, RUNAWAY_TEXT, 0, len(RUNAWAY_TEXT), 0.3)
        except TimeoutError as exc:
            stopped.append(exc)

    with timelimit.watched():
        thread = threading.Thread(target=runaway)
        thread.start()
        thread.join(timeout=30)  # the main thread waits, and is not the one stopped
    assert not thread.is_alive() and len(stopped) == 1


def test_a_profilers_sigprof_is_left_alone() -> None:
    ticks: list[int] = []
    previous = signal.signal(signal.SIGPROF, lambda signum, _frame: ticks.append(signum))
    try:
        with timelimit.watched() as armed:
            assert not armed
            assert cpu_seconds_to_stop(limit=0.05) < 1.0  # still bounded, by the regex module
        assert signal.getsignal(signal.SIGPROF) is not signal.SIG_DFL
    finally:
        signal.signal(signal.SIGPROF, previous)


@given(st.text(alphabet="'\": codexyz_", max_size=40))
def test_armed_searches_find_what_the_pattern_finds(text: str) -> None:
    expected = EXTRACTOR.search(text)
    with timelimit.watched():
        found = timelimit.search(EXTRACTOR, text, 0, len(text), 1.0)
    assert (found and (found.span(), found.groupdict())) == (expected and (expected.span(), expected.groupdict()))


QUOTA_LINE = (
    "2026-03-14 09:00:00,000 ERROR app: Error code: 429 - {'error': {'message': 'You exceeded your current quota, "
    "please check your plan and billing details.', 'type': 'insufficient_quota', 'code': 'insufficient_quota'}}\n"
)
QUIET_LINE = "2026-03-14 09:00:01,000 INFO app.http: GET /healthz 200 in 3ms\n"


@pytest.mark.parametrize("jobs", [1, 2])
@pytest.mark.parametrize("how", ["file", "stdin"])
def test_every_scan_searches_with_the_watchdog_armed(
    jobs: int, how: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 9 MB with quota errors at both ends: two jobs cut it in two ranges (file) or three pieces (stdin).
    data = (QUOTA_LINE + QUIET_LINE * 75_000 + QUOTA_LINE) * 2
    assert len(data) > 2 * parallel.MIN_CHUNK
    path = tmp_path / "day.log"
    path.write_text(data)
    search = timelimit.search

    def armed_search(*args: Any) -> Any:
        if timelimit._WATCHDOG.owner != threading.get_ident():
            raise TimeoutError  # counted as a timeout: the test sees it, in a worker too
        return search(*args)

    monkeypatch.setattr(timelimit, "search", armed_search)
    options = pipeline.Options((str(path),) if how == "file" else (), UTC, NOW, jobs=jobs)
    with path.open("rb") as stdin:
        analysis = pipeline.run(options, RULES, stdin if how == "stdin" else None)
    assert analysis.match_stats.timeouts == 0
    assert [e.line for e in analysis.events] == [1, 75_002, 75_003, 150_004]
