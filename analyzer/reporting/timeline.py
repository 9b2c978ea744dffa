"""The timeline of a report: events per minute in one lane per incident, successes, axis ticks, key moments.

Everything is computed here, in Python, so the HTML draws it as plain SVG (no script needed) and the
Markdown writes it as a mermaid gantt and a table. Positions are in units of a 1000-wide plot.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

from ..events import kinds, places
from ..lane.columns import bisect_times
from ..models import Category, Event, Incident, Outcome, Severity

WIDTH = 1000.0
LANE_HEIGHT = 28.0
MINUTE = timedelta(minutes=1)
TICK_STEPS = (1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440, 2880, 10080)  # minutes
MAX_TICKS = 8
TICK_CLEAR = 140.0  # of the plot's 1000: no tick this close to the start label, nor to the right edge


@dataclass(frozen=True, slots=True)
class Bar:
    """The events of one minute in one lane."""

    x: float
    width: float
    height: float
    count: int
    minute: str  # ISO start of the minute


@dataclass(frozen=True, slots=True)
class Mark:
    x: float
    kind: str  # action or recovered (the keys of a Moment's kind)
    time: str


@dataclass(frozen=True, slots=True)
class Lane:
    incident: str
    severity: str
    category: str
    x: float  # the incident's window
    width: float
    peak: int  # most events in one minute
    bars: tuple[Bar, ...]
    marks: tuple[Mark, ...] = ()  # recovery actions and the first successful call
    recurring: int = 0  # failures of a low-severity incident (per-request errors): drawn as ticks, no window
    per_hour: float = 0.0  # and how many an hour, over its window


@dataclass(frozen=True, slots=True)
class Tick:
    x: float
    label: str
    start: bool = False  # the label of the start, at the left edge


@dataclass(frozen=True, slots=True)
class Timeline:
    start_ms: int
    end_ms: int
    offset_minutes: int  # of the report's zone at the start, for the script's tick labels
    minute_width: float
    lanes: tuple[Lane, ...]
    successes: int
    success_path: str  # one SVG path: a bar a minute with a successful call
    success_peak: int
    ticks: tuple[Tick, ...]


@dataclass(frozen=True, slots=True)
class Moment:
    """A key moment of an incident, for its timeline table."""

    time: str
    kind: str  # opened, first_failure, action, recovered, last_failure
    rule: str
    where: str  # source:line, or empty


@dataclass(frozen=True, slots=True)
class Span:
    """From the first to the last event of one category of an incident."""

    category: str
    start: str
    end: str


Stamp = Callable[[datetime | None], str | None]


def build_timeline(
    incidents: Iterable[Incident],
    successes: Sequence[datetime],
    span: tuple[datetime | None, datetime | None],
    tz: tzinfo,
) -> Timeline | None:
    """Lanes over the covered time, minute buckets; None when nothing has a time."""
    start, end = span
    if start is None or end is None:
        return None
    t0 = start.astimezone(tz).replace(second=0, microsecond=0)
    t1 = max(end.astimezone(tz).replace(second=0, microsecond=0) + MINUTE, t0 + MINUTE)
    scale = WIDTH / (t1 - t0).total_seconds()
    x = lambda when: round((when - t0).total_seconds() * scale, 3)  # noqa: E731
    lanes = tuple(_lane(inc, x, t0, scale) for inc in incidents if inc.start is not None)
    counts = _per_minute_sorted(successes, t0, t1)
    peak = max(counts.values(), default=0)
    offset = t0.utcoffset() or timedelta(0)
    return Timeline(
        start_ms=int(t0.timestamp() * 1000),
        end_ms=int(t1.timestamp() * 1000),
        offset_minutes=int(offset.total_seconds() // 60),
        minute_width=round(60 * scale, 3),
        lanes=lanes,
        successes=len(successes),
        success_path=_path(counts, t0, x, 60 * scale, peak),
        success_peak=peak,
        ticks=ticks(t0, t1, x),
    )


def _per_minute_sorted(times: Sequence[datetime], t0: datetime, t1: datetime) -> Counter[int]:
    """`_per_minute` of sorted times in [t0, t1): one bisection a minute that has any, not a look at
    each time (nor at each minute of a span that may be years long)."""
    counts: Counter[int] = Counter()
    at, end = bisect_times(times, t0), bisect_times(times, t1)
    while at < end:
        minute = int((times[at] - t0).total_seconds() // 60)
        after = bisect_times(times, t0 + (minute + 1) * MINUTE, at, end)
        counts[minute] = after - at
        at = after
    return counts


def _per_minute(times: Iterable[datetime | None], t0: datetime) -> Counter[int]:
    return Counter(int((t - t0).total_seconds() // 60) for t in times if t is not None)


def _lane(inc: Incident, x: Callable[[datetime], float], t0: datetime, scale: float) -> Lane:
    counts = _per_minute((t for t, _, _ in places(inc.events)), t0)  # (no Event made for each)
    peak = max(counts.values(), default=1)
    bar_width = round(60 * scale, 3)
    bars = tuple(
        Bar(
            x=x(t0 + minute * MINUTE),
            width=bar_width,
            height=round(max(3.0, (LANE_HEIGHT - 4) * n / peak), 2),
            count=n,
            minute=(t0 + minute * MINUTE).isoformat(timespec="minutes"),
        )
        for minute, n in sorted(counts.items())
    )
    assert inc.start is not None and inc.end is not None
    left = x(inc.start)
    points = [(a.time, "action") for a in inc.actions if a.time is not None]
    points += [(inc.recovered_at, "recovered")] if inc.recovered_at is not None else []
    marks = tuple(Mark(x(when), kind, f"{when.astimezone(t0.tzinfo):%H:%M:%S}") for when, kind in points)
    width = round(x(inc.end) - left, 3)
    if inc.severity.rank > Severity.LOW.rank:
        return Lane(inc.id, inc.severity.value, inc.category.value, left, width, peak, bars, marks)
    failures = sum(1 for e in inc.events if e.outcome is Outcome.FAILURE)
    hours = max((inc.end - inc.start).total_seconds() / 3600, 1.0)
    thin = tuple(Bar(b.x, b.width, LANE_HEIGHT / 2, b.count, b.minute) for b in bars)
    return Lane(
        inc.id,
        inc.severity.value,
        inc.category.value,
        left,
        width,
        peak,
        thin,
        marks,
        failures,
        round(failures / hours, 1),
    )


def _path(counts: Counter[int], t0: datetime, x: Callable[[datetime], float], width: float, peak: int) -> str:
    parts = []
    for minute, n in sorted(counts.items()):
        height = max(2.0, (LANE_HEIGHT - 4) * n / peak)
        parts.append(f"M{x(t0 + minute * MINUTE):g} {LANE_HEIGHT:g}v-{height:.1f}h{width:g}v{height:.1f}z")
    return "".join(parts)


def ticks(t0: datetime, t1: datetime, x: Callable[[datetime], float]) -> tuple[Tick, ...]:
    """The start (date and time, at the left edge), then round times across the span, at most MAX_TICKS;
    the date shown where the day changes."""
    minutes = (t1 - t0).total_seconds() / 60
    # past a week a tick, whole days (a span of years has no more ticks either)
    step = next((s for s in TICK_STEPS if minutes / s <= MAX_TICKS), -(-minutes // (MAX_TICKS * 1440)) * 1440)
    local_midnight = t0.replace(hour=0, minute=0)
    first = local_midnight + ((t0 - local_midnight) // (step * MINUTE) + 1) * step * MINUTE
    out, when, day = [Tick(0.0, f"{t0:%m-%d %H:%M}", start=True)], first, t0.date()
    while when < t1:
        label = f"{when:%H:%M}" if when.date() == day else f"{when:%m-%d %H:%M}"
        label = label if step <= TICK_STEPS[-1] else f"{when:%Y-%m-%d}"
        day = when.date()
        if TICK_CLEAR <= x(when) <= WIDTH - TICK_CLEAR:  # clear of the start label, not cut at the right edge
            out.append(Tick(x(when), label))
        when += step * MINUTE
    return tuple(out)


def moments(inc: Incident, at: Stamp) -> tuple[Moment, ...]:
    """Opened, the first failure (once), recovery actions, recovered, the last failure; in time order."""
    found: list[tuple[datetime | None, int, Moment]] = []

    def add(event: Event, kind: str, order: int) -> None:
        found.append((event.time, order, Moment(at(event.time) or "", kind, event.rule, _where(event))))

    first = inc.events[0]
    add(first, "opened", 0)
    failures = _first_and_last(kinds(inc.events), lambda e: e.outcome is Outcome.FAILURE)  # where they are
    if failures and failures[0] != 0:
        add(inc.events[failures[0]], "first_failure", 1)
    for action in inc.actions:
        add(action, "action", 2)
    if inc.recovered_at is not None:
        found.append((inc.recovered_at, 3, Moment(at(inc.recovered_at) or "", "recovered", "", "")))
    if failures and failures[-1] != 0:
        add(inc.events[failures[-1]], "last_failure", 4)
    found.sort(key=lambda m: (m[0] is None, m[0] or datetime.min, m[1]))
    return tuple(m for _, _, m in found)


def _first_and_last(events: Iterable[Event], chosen: Callable[[Event], bool]) -> tuple[int, int] | None:
    """Where the first and the last chosen event are (None: none is)."""
    first = last = -1
    for i, event in enumerate(events):
        if chosen(event):
            first = i if first < 0 else first
            last = i
    return (first, last) if first >= 0 else None


def spans(inc: Incident, at: Stamp) -> tuple[Span, ...]:
    """Per member category, its first and last event (for the gantt chart). The earliest and latest time
    so far, not every time: a list of an outage's half a million times was the peak of its run."""
    out: dict[Category, tuple[datetime, datetime]] = {}
    for event, (time, _, _) in zip(kinds(inc.events), places(inc.events), strict=True):
        if event.category is not None and time is not None:
            known = out.get(event.category)
            if known is None:
                out[event.category] = (time, time)
            elif time < known[0] or time > known[1]:
                out[event.category] = (min(known[0], time), max(known[1], time))
    return tuple(Span(c.value, at(first) or "", at(last) or "") for c, (first, last) in out.items())


def _where(event: Event) -> str:
    return f"{event.source}:{event.line}"


_MERMAID_UNSAFE = re.compile(r"[^\w .,()/+\-]")


def mermaid_label(text: str) -> str:
    """A label mermaid cannot misread: no colons, semicolons, #, quotes, backticks, brackets or newlines."""
    return " ".join(_MERMAID_UNSAFE.sub(" ", str(text)).split())[:60] or "-"


def mermaid_time(iso: str) -> str:
    """Wall-clock time of an ISO stamp, as the gantt's dateFormat reads it."""
    return iso[:19].replace("T", " ")
