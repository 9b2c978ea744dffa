"""The window of time a run reports on: --since and --until, as ISO times or as durations back from
the last record (or from --now).

"The last record" is the latest one that is not far after every other: a stray line dated in 2099
(a wrong clock, a test fixture) would otherwise put every real error outside `--since 2h`. The
records so passed over are named in the run's notes, and so is a window that leaves out every event.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import cast

from . import timestamps
from .errors import UsageError
from .lane.columns import Successes
from .models import Event

FAR = timedelta(days=7)  # a record this far after every other is not taken as the last one
# At most one timed record in STRAY_SHARE (or STRAYS, when more), and fewer than the others, is passed over.
STRAY_SHARE = 100
STRAYS = 3
NAMED = 5  # stray records named in a note; the others are counted

Window = tuple[datetime | None, datetime | None]


@dataclass(frozen=True, slots=True)
class Bounds:
    """--since and --until as the user gave them; `now` is --now, when given."""

    since: str = ""
    until: str = ""
    now: datetime | None = None

    def counted_back(self) -> bool:
        """Whether a bound is a duration that counts back from the last record (no --now)."""
        return self.now is None and any(parse_duration(t) is not None for t in (self.since, self.until))


def parse_duration(text: str) -> timedelta | None:
    """A --since/--until duration: `90s`, `15m`, `2h`, `1d`, `1w`, `1h30m`, any case; None when it is not one."""
    return timestamps.parse_duration(text, timestamps.OPTION_UNITS, ignore_case=True)


def option_time(name: str, text: str, tz: tzinfo) -> datetime | timedelta:
    """A time option's value: a duration, or an ISO time (in `tz` when it names no zone) that a
    report can hold; else a UsageError naming the option."""
    duration = parse_duration(text)
    if duration is not None:
        return duration
    try:
        when = datetime.fromisoformat(text)
        when = when if when.tzinfo else when.replace(tzinfo=tz)
    except ValueError:
        when = timestamps.UNUSABLE
    if not timestamps.usable(when):
        raise UsageError(
            name,
            f"cannot read '{text}' as a time or a duration",
            "use a time from the years 1000 to 8999 such as 2026-03-14T09:00, or a duration up to 36500d such as 2h",
        )
    return when


def time_window(bounds: Bounds, tz: tzinfo, last: datetime | None, now: datetime) -> Window:
    """--since and --until as times: ISO times, or durations back from --now, else from `last`
    (else from `now`, when no record has a time)."""
    origin = bounds.now or last or now
    return _bound("--since", bounds.since, tz, origin), _bound("--until", bounds.until, tz, origin)


def _bound(name: str, text: str, tz: tzinfo, origin: datetime) -> datetime | None:
    if not text:
        return None
    value = option_time(name, text, tz)
    return origin - value if isinstance(value, timedelta) else value


def inside(when: datetime | None, window: Window) -> bool:
    """Whether a time is in the window (an event without one always is)."""
    if when is None:
        return True
    since, until = window
    return (since is None or when >= since) and (until is None or when <= until)


@dataclass(frozen=True, slots=True)
class Last:
    """The last record's time, and the records far after every other that were passed over (time, place)."""

    time: datetime | None
    strays: tuple[tuple[datetime, str], ...] = ()


def last_record(events: Sequence[Event], calls: Successes, end: tuple[datetime, str] | None) -> Last:
    """The time of the last record that is not far after every other: the latest of `events` (in
    time order), successful `calls` and `end` (the time and place of the latest of all records
    read), once the few latest that lie more than FAR after the rest are passed over."""
    dated = [(e.time, f"{e.source}:{e.line}") for e in events if e.time is not None]
    times = calls.times
    count = len(dated) + times.dated()
    limit = max(STRAYS, count // STRAY_SHARE)
    latest = dated[-limit - 1 :]
    latest += [(t, f"{calls.sources[i]}:{calls.lines[i]}") for i in _latest_calls(calls, limit + 1) if (t := times[i])]
    latest.sort(key=lambda item: item[0], reverse=True)
    if end is not None and (not latest or end[0] > latest[0][0]):
        latest.insert(0, end)  # a record that is neither an event nor a call
        count += 1
    if not latest:
        return Last(None)
    limit = min(limit, count // 2, len(latest) - 1)
    strays = max((k for k in range(1, limit + 1) if latest[k - 1][0] - latest[k][0] > FAR), default=0)
    return Last(latest[strays][0], tuple(latest[:strays]))


def _latest_calls(calls: Successes, count: int) -> Iterable[int]:
    """The indices of the `count` latest dated calls; the last ones of calls in time order (the usual log)."""
    times = calls.times
    if calls.sources.distinct() <= 1 and times.ascending():
        return range(max(0, len(times) - count), len(times))
    dated = (i for i, t in enumerate(times) if t is not None)
    return heapq.nlargest(count, dated, key=lambda i: cast(datetime, times[i]))


def stray_note(bounds: Bounds, last: Last, tz: tzinfo) -> str:
    """What the durations counted back from, and which records they passed over."""
    named = ", ".join(f"{place or 'a record'} ({_shown(when, tz)})" for when, place in last.strays[:NAMED])
    more = f" and {len(last.strays) - NAMED} more" if len(last.strays) > NAMED else ""
    return (
        f"{_given(bounds)} counted back from {_shown(last.time, tz)}, not from the {len(last.strays)} record(s) more "
        f"than {FAR.days} days after every other: {named}{more} (--now TIME counts back from a time you choose)"
    )


def empty_note(bounds: Bounds, window: Window, left_out: int, tz: tzinfo) -> str:
    """A window that left out every event says so."""
    since, until = (_shown(t, tz) if t else "-" for t in window)
    return f"{_given(bounds)} left out every one of the {left_out:,} events: none is from {since} to {until}"


def _given(bounds: Bounds) -> str:
    return " ".join(f"{name} {text}" for name, text in (("--since", bounds.since), ("--until", bounds.until)) if text)


def _shown(when: datetime | None, tz: tzinfo) -> str:
    return when.astimezone(tz).isoformat(timespec="seconds") if when else "-"
