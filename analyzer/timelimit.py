"""Time limits of pattern searches: the regex module's own, or a watchdog timer while a scan runs.

The regex module bounds a search given a timeout by reading the process's CPU clock when the search
starts and as it goes: two system calls a search, 1.5 us of a 2.3 us search of a rule's pattern in
a log line (strace -c; a failure record is searched four to six times). While the console script
or a worker scans, a CPU-time interval timer stands in for them (`watched`): the regex module checks
for signals as it matches, and the timer's handler raises TimeoutError in a search that was already
running at its tick before. A search is so stopped after between one and two periods of CPU time,
at most MATCH_TIMEOUT, as the regex module would stop it; and between searches nothing happens.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

import regex

from .ruleset import MATCH_TIMEOUT

PERIOD = MATCH_TIMEOUT / 2  # of the watchdog's timer, in seconds of the process's CPU time


class _Watchdog:
    """The number of the search that runs in the owning thread (0 between searches), and of the one
    that ran at the last tick of the timer."""

    def __init__(self) -> None:
        self.owner: int | None = None  # the thread whose searches it stops, while armed
        self.started = self.running = self.seen = 0

    def tick(self, _signum: int, _frame: FrameType | None) -> None:
        running = self.running
        if running and running == self.seen:
            self.running = 0  # one exception a search: whatever runs after it is never stopped
            raise TimeoutError(f"a pattern ran past {MATCH_TIMEOUT} s")
        self.seen = running


_WATCHDOG = _Watchdog()


def search(pattern: regex.Pattern[str], text: str, start: int, end: int, limit: float) -> regex.Match[str] | None:
    """pattern.search(text, start, end) stopped by TimeoutError after `limit` seconds of CPU time; by
    the watchdog instead (after at most MATCH_TIMEOUT) in the thread it watches."""
    watchdog = _WATCHDOG
    if watchdog.owner != threading.get_ident():
        # positional: passing the timeout by keyword costs a microsecond a search
        return pattern.search(text, start, end, None, False, limit)
    try:
        watchdog.started = watchdog.running = watchdog.started + 1  # inside the try: the handler may raise here
        return pattern.search(text, start, end)
    finally:
        watchdog.running = 0


@contextmanager
def watched() -> Iterator[bool]:
    """Within: this thread's searches are stopped by the watchdog, when it can be armed: in the main
    thread, where POSIX interval timers exist, and when neither SIGPROF nor its timer is in use (a
    profiler's); else, or when already armed, by the regex module's timeout. Yields whether it armed
    it; restores the handler and stops the timer on leaving."""
    if not _can_arm():
        yield False
        return
    previous = signal.signal(signal.SIGPROF, _WATCHDOG.tick)
    _WATCHDOG.owner = threading.get_ident()
    signal.setitimer(signal.ITIMER_PROF, PERIOD, PERIOD)
    try:
        yield True
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        _WATCHDOG.owner = None
        _WATCHDOG.running = _WATCHDOG.seen = 0
        signal.signal(signal.SIGPROF, previous)


def _can_arm() -> bool:
    return (
        _WATCHDOG.owner is None
        and hasattr(signal, "setitimer")
        and threading.current_thread() is threading.main_thread()
        and signal.getsignal(signal.SIGPROF) == signal.SIG_DFL
        and signal.getitimer(signal.ITIMER_PROF) == (0.0, 0.0)
    )
