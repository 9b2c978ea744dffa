"""The streaming detectors of incident rules: windows of counts and values, and absences.

Each detector takes time-ordered events and keeps bounded state per group key: the events of the
sliding window, the group open now, and the groups it closed.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from ..events import Events, Place
from ..lane.columns import Names, bisect_times
from ..models import NO_REASON, Category, Event, Outcome, Reason
from ..ruleset import IncidentRule, IncidentType, Selector


@dataclass
class Group:
    """An incident in the making: the events one rule grouped under one key."""

    rule: IncidentRule
    key: tuple[str, ...]
    events: Sequence[Event] = field(default_factory=Events)  # Events while detectors add to it
    successes: int = 0
    pending_successes: int = 0  # successes since the last failure: counted once a failure follows
    actions: list[Event] = field(default_factory=list)
    recovered_at: datetime | None = None
    opened_because: Reason = NO_REASON
    closed_because: Reason = NO_REASON
    ongoing: bool = False
    parts: list[Group] = field(default_factory=list)  # the groups a chain took in
    sources: set[str] = field(default_factory=set)  # where its events come from: where its recovery may
    last_time: datetime | None = None  # of the last event added

    @property
    def start(self) -> datetime:
        return self.events[0].time  # type: ignore[return-value]

    @property
    def last(self) -> datetime:
        return self.last_time or self.events[-1].time  # type: ignore[return-value]

    def add(self, event: Event, place: Place | None = None) -> None:
        """Add an event (`place`: its store and number there, when it has one)."""
        self.events.append(event, place)  # type: ignore[attr-defined]
        self.last_time = event.time
        self.sources.add(event.source)
        if event.outcome is Outcome.FAILURE:
            self.recovered_at = None  # failing again: whatever succeeded did not end it
            self.successes += self.pending_successes
            self.pending_successes = 0


def key_of(event: Event, group_by: tuple[str, ...], aliases: Mapping[str, tuple[str, ...]]) -> tuple[str, ...]:
    """The values of the group-by fields (by any of their names); `category` and `rule` are fields too."""
    return tuple(_field(event, name, aliases) for name in group_by)


def _field(event: Event, name: str, aliases: Mapping[str, tuple[str, ...]]) -> str:
    if name == "category":
        return event.category.value if event.category else ""
    if name == "rule":
        return event.rule
    return next((event.fields[n] for n in (name, *aliases.get(name, ())) if event.fields.get(n)), "")


def stamp(when: datetime) -> str:
    return f"{when:%Y-%m-%d %H:%M:%S %z}"


def span(gap: timedelta) -> str:
    seconds = int(gap.total_seconds())
    if seconds % 3600 == 0 and seconds >= 3600:
        return f"{seconds // 3600} h"
    return f"{seconds // 60} min" if seconds % 60 == 0 else f"{seconds} s"


SYMBOLS = {"gte": "≥", "gt": ">", "lte": "≤", "lt": "<", "eq": "="}  # a condition's operator, in any language


def first_of(sources: Names, wanted: set[str], lo: int, hi: int) -> int | None:
    """The first index in [lo, hi) of a call from one of the `wanted` sources: a recovery is seen
    where the failures were, never borrowed from another application's log."""
    if len(sources.names) == 1:
        return lo if sources.names[0] in wanted else None
    found = []
    for code, name in enumerate(sources.names):
        if name in wanted:
            try:
                found.append(sources.codes.index(code, lo, hi))
            except ValueError:
                continue
    return min(found, default=None)


class Windows:
    """`event_count` and `value_count`: a group opens when its window meets the condition, and
    stays open while its events keep coming within `gap`; with `recovery = "success"` it closes
    at a successful call that no failure follows for `confirm`."""

    def __init__(self, rule: IncidentRule, aliases: Mapping[str, tuple[str, ...]]) -> None:
        self.rule, self.aliases = rule, aliases
        self.selected = Selection(rule.select)
        self.window: dict[tuple[str, ...], deque[tuple[Event, Place | None]]] = {}
        self.open: dict[tuple[str, ...], Group] = {}
        self.closed: list[Group] = []

    def takes(self, kind: tuple[str, Category | None, Outcome]) -> bool:
        """False when an event of this kind (rule, category, outcome) changes nothing but through
        the time it tells (`expire`); the caller then need not feed it."""
        return kind[2] is Outcome.SUCCESS or self.selected.kind(kind)

    @property
    def pending(self) -> bool:
        """True when time passing may close a group."""
        return bool(self.open)

    def feed(self, event: Event, place: Place | None = None) -> None:
        """Take an event (`place`: its store and number there, when it has one)."""
        assert event.time is not None
        self.expire(event.time)
        if event.outcome is Outcome.SUCCESS:
            self._success(event)
        elif self.selected(event):
            self._take(event, place)

    def _take(self, event: Event, place: Place | None) -> None:
        key = key_of(event, self.rule.group_by, self.aliases)
        group = self.open.get(key)
        if group is not None:
            group.add(event, place)
            return
        window = self.window.setdefault(key, deque())
        window.append((event, place))
        while event.time - window[0][0].time > self.rule.timespan:  # type: ignore[operator]
            window.popleft()
        measure = self._measure(window)
        if self.rule.holds(measure):
            self.open[key] = group = Group(self.rule, key)
            for member, at in window:
                group.add(member, at)
            group.opened_because = self._why_opened(event, measure)
            window.clear()

    def _measure(self, window: deque[tuple[Event, Place | None]]) -> int:
        # Failed calls: a transport line that is an attempt of a call (it has `call`) is not one more.
        failures = [e for e, _ in window if e.outcome is Outcome.FAILURE and "call" not in e.fields]
        if self.rule.type is IncidentType.VALUE_COUNT:
            return len({e.fields.get(self.rule.field) for e in failures} - {None, ""})
        return len(failures)

    def _why_opened(self, event: Event, measure: int) -> Reason:
        op, threshold = self.rule.condition
        assert event.time is not None  # only dated events are fed
        at = (("rule", event.rule), ("time", event.time), ("where", f"{event.source}:{event.line}"))
        if self.rule.type is IncidentType.EVENT_COUNT and (op, threshold) in (("gte", 1), ("gt", 0)):
            return Reason("first_failure", at)
        key, field = (
            ("threshold_values", self.rule.field) if self.rule.type is IncidentType.VALUE_COUNT else ("threshold", "")
        )
        figures = (("count", measure), ("field", field), ("gap", self.rule.timespan), ("op", SYMBOLS.get(op, op)))
        return Reason(key, (*figures, ("threshold", str(threshold)), *at))

    def _success(self, event: Event) -> None:
        for group in self.open.values():
            if not event.call_success:  # a recovery action, such as credit bought
                group.actions.append(event)
                continue
            group.pending_successes += 1
            if self.rule.recovery and group.recovered_at is None and event.source in group.sources:
                group.recovered_at = event.time

    def successes(self, times: Sequence[datetime], lo: int, hi: int, sources: Names) -> None:
        """What feeding the successful calls at times[lo:hi] (in order, no event among them) one by
        one would do, in a few bisections: each open group counts the calls before it closes, the
        first one of its own sources starts its recovery, and it closes at the first call past its
        confirm or its gap."""
        closing: list[tuple[int, int, tuple[str, ...]]] = []
        for order, (key, group) in enumerate(self.open.items()):
            gap_at = bisect_times(times, group.last + self.rule.gap, lo, hi, right=True)
            if group.recovered_at is None and self.rule.recovery and lo < gap_at:
                first = first_of(sources, group.sources, lo, gap_at)
                group.recovered_at = times[first] if first is not None else None
            confirm_at = hi
            if group.recovered_at is not None:
                confirm_at = bisect_times(times, group.recovered_at + self.rule.confirm, lo, hi, right=True)
            at = min(gap_at, confirm_at)
            group.pending_successes += at - lo
            if at < hi:
                closing.append((at, order, key))
        for at, _order, key in sorted(closing):
            ended = self._ended(self.open[key], times[at])
            assert ended, "a group closes at the call that proves it ended"
            self.closed.append(self.open.pop(key))

    def expire(self, now: datetime) -> None:
        """Close the groups that `now` proves ended."""
        if not self.open:  # most rules, for most events: no copy of an empty dict each time
            return
        for key, group in list(self.open.items()):
            if self._ended(group, now):
                self.closed.append(self.open.pop(key))

    def _ended(self, group: Group, now: datetime) -> bool:
        """True, with the reason written on the group, when `now` proves it ended."""
        if group.recovered_at is not None and now - group.recovered_at > self.rule.confirm:
            group.closed_because = Reason(
                "recovered_confirmed", (("time", group.recovered_at), ("gap", self.rule.confirm))
            )
        elif now - group.last > self.rule.gap:
            group.closed_because = Reason("quiet", (("gap", self.rule.gap),))
            group.recovered_at = None
        else:
            return False
        return True

    def finish(self, end: datetime | None) -> list[Group]:
        """End of input: what is still open is ongoing, or recovered but not yet confirmed."""
        if end is not None:
            self.expire(end)
        for group in self.open.values():
            if group.recovered_at is not None:
                group.closed_because = Reason("recovered_early", (("time", group.recovered_at),))
            else:
                group.closed_because = Reason("unrecovered_at_end" if self.rule.recovery else "ongoing_at_end")
                group.ongoing = True
            self.closed.append(group)
        self.open = {}
        return self.closed


class Selection:
    """A selector's answers, those that the rule, category and outcome of an event decide kept by
    that triple: every detector asks about every event, and a log has few such triples."""

    def __init__(self, selector: Selector) -> None:
        self.selector = selector
        self.decided: dict[tuple[str, Category | None, Outcome], bool] = {}

    def __call__(self, event: Event) -> bool:
        return self.kind((event.rule, event.category, event.outcome)) and self.selector.by_fields(event)

    def kind(self, key: tuple[str, Category | None, Outcome]) -> bool:
        """What the rule, category and outcome of an event decide."""
        decided = self.decided.get(key)
        if decided is None:
            decided = self.decided[key] = self.selector.by_kind(*key)
        return decided


class Absence:
    """`absence`: a selected event not followed by a `not_followed_by` event (same key) within
    `within` fires; one whose window is still open when the input ends is undetermined, never fired."""

    def __init__(self, rule: IncidentRule, aliases: Mapping[str, tuple[str, ...]]) -> None:
        self.rule, self.aliases = rule, aliases
        self.selected, self.followed = Selection(rule.select), Selection(rule.not_followed_by)
        self.waiting: list[Event] = []
        self.closed: list[Group] = []
        self.undetermined: list[str] = []

    def selects(self, event: Event) -> bool:
        """True when the event is one this rule waits for or on."""
        return self.selected(event) or self.followed(event)

    def takes(self, kind: tuple[str, Category | None, Outcome]) -> bool:
        """False when an event of this kind changes nothing but through the time it tells."""
        return self.selected.kind(kind) or self.followed.kind(kind)

    @property
    def pending(self) -> bool:
        """True when time passing may fire a waiting trigger."""
        return bool(self.waiting)

    def feed(self, event: Event, place: Place | None = None) -> None:
        """Take an event; an absence's group holds its trigger as it is (`place` unused)."""
        assert event.time is not None
        self.expire(event.time)
        key = key_of(event, self.rule.group_by, self.aliases)
        if self.followed(event):
            limit = event.time + self.rule.tolerance
            self.waiting = [
                w
                for w in self.waiting
                if key_of(w, self.rule.group_by, self.aliases) != key or w.time > limit  # type: ignore[operator]
            ]
        if self.selected(event):
            self.waiting.append(event)

    def expire(self, now: datetime) -> None:
        for trigger in [w for w in self.waiting if now - w.time > self.rule.within]:  # type: ignore[operator]
            self.waiting.remove(trigger)
            group = Group(self.rule, key_of(trigger, self.rule.group_by, self.aliases))
            group.add(trigger)
            where = f"{trigger.source}:{trigger.line}"
            at = (("rule", trigger.rule), ("time", trigger.time), ("where", where))
            group.opened_because = Reason("absence", (*at, ("gap", self.rule.within)))  # type: ignore[arg-type]
            group.closed_because = Reason("absence_done", (("gap", self.rule.within),))
            self.closed.append(group)

    def finish(self, end: datetime | None) -> list[Group]:
        if end is not None:
            self.expire(end)
        self.undetermined += [
            f"{self.rule.id}: {w.rule} at {stamp(w.time)} ({w.source}:{w.line}): the input ended "  # type: ignore[arg-type]
            f"before its {span(self.rule.within)} window did"
            for w in self.waiting
        ]
        self.waiting = []
        return self.closed


Detector = Windows | Absence

# The streaming detector of each incident type (a sequence is matched after them: sequences.match).
DETECTORS: dict[IncidentType, type[Windows] | type[Absence]] = {
    IncidentType.EVENT_COUNT: Windows,
    IncidentType.VALUE_COUNT: Windows,
    IncidentType.ABSENCE: Absence,
}
