"""Correlation: events into incidents, by the incident rules of the rule set.

Order: the window and absence rules see every event once, in time order; then each sequence rule
(after the rules it chains) matches over events and their incidents. A group that a chain took in
is not reported on its own, and an event belongs to one incident only: groups claim their events
by priority (chains first), and a group left with no failure is not reported.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from itertools import pairwise

from ..events import Events, Place, fields_of, kinds, lines_of, of_kind, subset, undated, values_of
from ..lane.columns import NO_TIME, Successes, bisect_times
from ..models import Category, Event, Incident, Outcome, Reason, Status
from ..ruleset import IncidentRule, IncidentType, Rule, RuleSet
from . import sequences
from .calls import CALL_WINDOW, assemble_calls, count_calls, fold_reprints
from .detectors import DETECTORS, Absence, Detector, Group, Windows

__all__ = [
    "CALL_WINDOW",
    "RANKED_BY",
    "Correlation",
    "assemble_calls",
    "correlate",
    "count_calls",
    "fold_reprints",
    "rank",
]


@dataclass
class Correlation:
    incidents: list[Incident]
    undetermined: list[str] = field(default_factory=list)  # absence windows the input ended inside


# The order of events and successes: time (none last), then input order (source, line).
Order = Callable[[datetime | None, str, int], tuple]
Anchors = dict[tuple[str, int], datetime]  # an undated event's place: the time it sorts at (`anchors`)
ANCHOR_LINES = 20  # lines from an undated event to the first dated one of its source, at most, that place it
STEP_BACK = timedelta(seconds=1)  # an event stamped to the second this much before the one above it: placed at its time


def input_order(sources: Iterable[str], anchors: Anchors | None = None) -> Order:
    """Time, then the rank of the source in the input, then the line. An undated event that `anchors` places
    sorts at its anchor's time (then by its line), among the dated events of its source; any other, last."""
    rank = {name: i for i, name in reversed(list(enumerate(sources)))}
    if not anchors:
        return lambda time, source, line: (time is None, time or _NEVER, rank.get(source, len(rank)), line)

    def key(time: datetime | None, source: str, line: int) -> tuple:
        time = anchors.get((source, line), time)
        return (time is None, time or _NEVER, rank.get(source, len(rank)), line)

    return key


def anchors(places: Iterable[tuple[datetime | None, str, int]], back: bool = False) -> Anchors:
    """Where the undated events of a source that has dated ones too belong: at the time of the dated event before
    them in the source (an app's stamped error, then the traceback it printed bare), or of the first one after them
    (httpx's `INFO:httpx:` line, unstamped, just before the app's stamped error it answered). `places`: each event's
    time, source and line, in the order of the input (line order in each source). An undated event before a source's
    first dated one is placed only where that one is at most ANCHOR_LINES lines after it (no print of a failure hours
    later). With `back`, an event stamped to the second less than STEP_BACK before the one before it in its source is
    placed at that one's time too: two loggers of one program stamp one moment to the millisecond and to the second (a
    library's `21:31:51,018` line, then the app's `21:31:51` print of the same failure), and the prints stay in the
    order they were written (a finer stamp that steps back is a time of its own: threads that write out of order).
    Empty when no source mixes them (nor, with `back`, steps back so)."""
    last: dict[str, datetime] = {}  # by source: the time of its last dated event so far
    waiting: dict[str, list[int]] = {}  # by source: its undated lines before its first dated event
    placed: Anchors = {}
    for time, source, line in places:
        if time is None:
            if source in last:
                placed[(source, line)] = last[source]
            else:
                waiting.setdefault(source, []).append(line)
            continue
        if back and not time.microsecond and source in last and timedelta(0) < last[source] - time < STEP_BACK:
            placed[(source, line)] = last[source]
            continue
        if source not in last:
            for early in waiting.pop(source, []):
                if line - early <= ANCHOR_LINES:
                    placed[(source, early)] = time
        last[source] = time
    return placed


_NEVER = datetime.min


def correlate(
    events: Iterable[Event],
    ruleset: RuleSet,
    end_of_input: datetime | None,
    successes: Successes | None = None,
    order: Order | None = None,
) -> Correlation:
    """Incidents of time-ordered events, worst first (then earliest). `successes`, in `order` as the
    events are, are successful calls kept apart: a detector sees them only while one matters to it."""
    events = events if isinstance(events, Sequence) else list(events)  # (an outage's copy: 8 bytes an event)
    scene = _Scene.of(events, successes, order, ruleset)
    detectors = [DETECTORS[r.type](r, ruleset.aliases) for r in ruleset.incidents if r.type in DETECTORS]
    _feed(scene, detectors)
    groups: dict[str, list[Group]] = {d.rule.id: d.finish(end_of_input) for d in detectors}
    _match_sequences(scene, ruleset, groups)
    reported = _claim([g for found in groups.values() for g in found])
    timeless = _undated(list(subset(events, lambda e: e.time is None)) if undated(events) else [], ruleset)
    return _ranked([build(g, ruleset) for g in reported] + timeless, detectors)


def _ranked(incidents: list[Incident], detectors: list[Detector]) -> Correlation:
    """The incidents worst first and numbered so, and the absence windows the input ended inside."""
    incidents.sort(key=rank)
    undetermined = [u for d in detectors if isinstance(d, Absence) for u in d.undetermined]
    return Correlation([replace(inc, id=f"INC-{n:03d}") for n, inc in enumerate(incidents, 1)], undetermined)


@dataclass(frozen=True, slots=True)
class _Scene:
    """What correlation reads: the dated events, the successful calls in the same order, that order,
    and an Event of each success rule (`success_models`)."""

    dated: Sequence[Event]
    calls: Successes
    order: Order
    model: dict[str, Event]

    @classmethod
    def of(cls, events: Sequence[Event], calls: Successes | None, order: Order | None, ruleset: RuleSet) -> _Scene:
        dated = subset(events, lambda e: e.time is not None) if undated(events) else events
        return cls(
            dated, calls if calls is not None else Successes(), order or input_order([]), success_models(ruleset)
        )


def _match_sequences(scene: _Scene, ruleset: RuleSet, groups: dict[str, list[Group]]) -> None:
    """Each sequence rule, after the rules it chains, over the events (with the successful calls a step
    selects) and the groups of the rules it chains: its groups added to `groups`."""
    for rule in _chain_order([r for r in ruleset.incidents if r.type is IncidentType.SEQUENCE]):
        chained = [g for step in rule.steps for rid in step.select.incidents for g in groups.get(rid, [])]
        selected = [e for e in scene.model.values() if any(step.select.event(e) for step in rule.steps)]
        items = _with_calls(scene, {e.rule for e in selected})
        groups[rule.id] = sequences.match(rule, items, chained, ruleset.aliases)


def rank(inc: Incident) -> tuple:
    """How an incident ranks, worst first: severity, then impact (failed calls, how long it lasted,
    the share of calls that failed), then the earliest; RANKED_BY names these in the JSON."""
    calls, _ = inc.calls or count_calls(inc.events)
    seconds = inc.duration.total_seconds() if inc.duration is not None else 0.0
    share = calls / (calls + inc.successes) if calls else 0.0
    return (-inc.severity.rank, -calls, -seconds, -share, inc.start is None, inc.start or _NEVER, inc.category.value)


RANKED_BY = ("severity", "failed_calls", "duration_seconds", "failure_share", "start")


def success_models(ruleset: RuleSet) -> dict[str, Event]:
    """The Event of a successful call of each success rule, with no time or place."""
    return {
        r.id: Event(r.id, None, Outcome.SUCCESS, r.severity, r.retryable, r.confidence, None, "", 0, 0, "")
        for r in ruleset.rules
        if r.call_success
    }


def _feed(scene: _Scene, detectors: list[Detector]) -> None:
    """Every event to every detector in order; the successful calls between two events to the window
    detectors in bulk, and one by one only to an absence rule that selects them."""
    calls = _Calls(scene, detectors)
    routes = _Routes(detectors)
    dated = scene.dated
    numbered = dated.placed() if isinstance(dated, Events) else ((e, None) for e in dated)
    for event, place in numbered:
        calls.until(event)
        routes.feed(event, place)
    calls.until(None)


class _Calls:
    """The successful calls handed to the detectors as the events pass them."""

    def __init__(self, scene: _Scene, detectors: list[Detector]) -> None:
        self.scene, self.done, self.count = scene, 0, scene.calls.times.dated()
        models = scene.model.values()
        self.eager = [d for d in detectors if isinstance(d, Absence) and any(d.selects(e) for e in models)]
        self.windows = [d for d in detectors if isinstance(d, Windows)]

    def until(self, event: Event | None) -> None:
        """The calls before `event` (None: all that are left) to the detectors that want them now."""
        calls, done, count = self.scene.calls, self.done, self.count
        upto = count if event is None or done == count else _before(calls, count, done, event, self.scene.order)
        if upto <= done:
            return
        for window in self.windows:
            if window.open:
                window.successes(calls.times, done, upto, calls.sources)  # type: ignore[arg-type]
        for success in calls.select(range(done, upto)).events(self.scene.model) if self.eager else ():
            for detector in self.eager:
                detector.feed(success)
        self.done = upto


class _Routes:
    """Which detectors take an event of each kind (rule, category, outcome), and which only need its time."""

    def __init__(self, detectors: list[Detector]) -> None:
        self.detectors = detectors
        self.by_kind: dict[tuple[str, Category | None, Outcome], tuple[list[Detector], list[Detector]]] = {}

    def feed(self, event: Event, place: Place | None) -> None:
        kind = (event.rule, event.category, event.outcome)
        split = self.by_kind.get(kind)
        if split is None:
            takers = [d for d in self.detectors if d.takes(kind)]
            split = self.by_kind[kind] = (takers, [d for d in self.detectors if d not in takers])
        for detector in split[0]:
            detector.feed(event, place)
        for detector in split[1]:  # only its time matters to these (an outage feeds each a million)
            if detector.pending:
                detector.expire(event.time)  # type: ignore[arg-type]


def _before(calls: Successes, count: int, lo: int, event: Event, order: Order) -> int:
    """How many of the first `count` successful calls (dated, in order) come before the event: a
    bisection on times, then input order among the calls of the event's very time."""
    assert event.time is not None  # only dated events are fed
    at = bisect_times(calls.times, event.time, lo, count)  # type: ignore[arg-type]
    mine = order(event.time, event.source, event.line)
    while (
        at < count
        and calls.times[at] == event.time
        and order(calls.times[at], calls.sources[at], calls.lines[at]) < mine
    ):
        at += 1
    return at


def _with_calls(scene: _Scene, rules: set[str]) -> Sequence[Event]:
    """The dated events, with the successful calls of these rules among them (a sequence step selects them)."""
    dated, calls, model, order = scene.dated, scene.calls, scene.model, scene.order
    if not rules:
        return dated
    wanted = {code for code, name in enumerate(calls.rules.names) if name in rules}
    columns = zip(calls.rules.codes, calls.times.codes, strict=True)
    picked = [i for i, (rule, zone) in enumerate(columns) if rule in wanted and zone != NO_TIME]
    merged = [*dated, *calls.select(picked).events(model)]
    return sorted(merged, key=lambda e: order(e.time, e.source, e.line))


def _chain_order(rules: list[IncidentRule]) -> list[IncidentRule]:
    """Sequence rules after the sequence rules they chain (the loader rejects unknown ones)."""
    done: list[IncidentRule] = []
    pending = list(rules)
    while pending:
        ready = [
            r
            for r in pending
            if all(i not in {p.id for p in pending} or i == r.id for s in r.steps for i in s.select.incidents)
        ]
        done += ready or pending  # a cycle: keep file order
        pending = [r for r in pending if r not in done]
    return done


def _claim(candidates: list[Group]) -> list[Group]:
    taken_in = {id(part) for g in candidates if _has_failure(g.events) for part in g.parts}
    ranked = sorted(
        (g for g in candidates if id(g) not in taken_in),
        key=lambda g: (-g.rule.priority, g.rule.type is not IncidentType.SEQUENCE, g.start),
    )
    # A bit a line, by source: a million lines in 125 KB (a set of an outage's half a million took 17 MB).
    claimed: dict[str, bytearray] = {}
    reported = []
    for group in ranked:
        if any(_has_bit(claimed.get(source), line) for source, line in lines_of(group.events)):  # else no copy
            group.events = subset(group.events, lambda e: not _has_bit(claimed.get(e.source), e.line))
        if not group.events or not (_has_failure(group.events) or group.rule.type is IncidentType.ABSENCE):
            continue
        for source, line in lines_of(group.events):
            bits = claimed.setdefault(source, bytearray())
            if line >> 3 >= len(bits):
                bits.extend(bytes((line >> 3) + 1))  # at least doubles it
            bits[line >> 3] |= 1 << (line & 7)
        reported.append(group)
    return reported


def _has_bit(bits: bytearray | None, n: int) -> bool:
    return bits is not None and n >> 3 < len(bits) and bits[n >> 3] >> (n & 7) & 1 == 1


def _has_failure(events: Sequence[Event]) -> bool:
    return any(e.outcome is Outcome.FAILURE for e in kinds(events))


def build(group: Group, ruleset: RuleSet) -> Incident:
    """The incident of a group: its root cause, title, severity, remediation and reasons."""
    rule, events = group.rule, group.events
    failures = of_kind(events, lambda e: e.outcome is Outcome.FAILURE) or events
    category, root_rule = _root(rule, failures, ruleset)
    title = rule.title if rule.category or root_rule is None else f"{rule.title}: {root_rule.title}"
    return Incident(
        id="",
        title=title,
        category=category,
        categories=tuple(dict.fromkeys(e.category for e in kinds(events) if e.category is not None)),
        severity=rule.severity or max((e.severity for e in kinds(failures)), key=lambda s: s.rank),
        status=Status.ONGOING if group.ongoing else Status.RESOLVED,
        start=events[0].time,
        end=events[-1].time,
        events=events,
        rules=tuple(dict.fromkeys(e.rule for e in kinds(events))),
        playbook=_playbook(rule, failures, ruleset) or (root_rule.remediation if root_rule else ""),
        opened_because=group.opened_because,
        closed_because=group.closed_because,
        recovered_at=group.recovered_at,
        successes=group.successes,
        actions=tuple(group.actions),
        rule=rule.id,
        grouped_because=_grouped(group, failures, ruleset),
        grouped_details=_details(group, failures),
        group=dict(zip(rule.group_by, group.key, strict=True)),
        figures=peak_figures(events),
        calls=count_calls(events),
    )


def _root(rule: IncidentRule, failures: Sequence[Event], ruleset: RuleSet) -> tuple[Category, Rule | None]:
    """The root cause: the incident rule's category, else the commonest of its most specific failures; and
    the rule most of those failures of that category come from (ties: the earliest's)."""
    specific = of_kind(failures, lambda e: e.confidence == "high") or failures
    category = rule.category or Counter(e.category for e in kinds(specific) if e.category).most_common(1)[0][0]
    of_root = of_kind(specific, lambda e: e.category is category) or specific
    top_rule = Counter(e.rule for e in kinds(of_root)).most_common(1)[0][0]  # ties: the earliest (Counter keeps order)
    root = next(e for e in kinds(of_root) if e.rule == top_rule)
    return category, ruleset.rule(root.rule)


def _playbook(rule: IncidentRule, failures: Sequence[Event], ruleset: RuleSet) -> str:
    """The playbook of the rules all its failures come from, when they share one (a custom rule's own,
    more specific than the incident rule's); else the incident rule's."""
    own = {(found.remediation if (found := ruleset.rule(r)) else "") for r in {e.rule for e in kinds(failures)}}
    if len(own) == 1 and (only := own.pop()) and only in ruleset.playbooks:
        return only
    return rule.remediation


def _grouped(group: Group, failures: Sequence[Event], ruleset: RuleSet) -> Reason:
    """Why the group's events are one incident, as a person on call would say it."""
    if group.rule.type is IncidentType.SEQUENCE:
        return Reason("grouped_chain", (("steps", _chain_steps(group)),))
    events = group.events
    what: Category | str = _category(failures)
    rules = [r for name in {e.rule for e in kinds(failures)} if (r := ruleset.rule(name)) is not None]
    if rules and all(r.provider != "openai" for r in rules):  # a service of the user's: its rule's own title
        what = ", ".join(sorted({r.title for r in rules}))
    if len(failures) == 1:
        return Reason("grouped_single", (("category", what), ("time", events[0].time or _NEVER)))
    span = (("first", events[0].time or _NEVER), ("last", events[-1].time or _NEVER))
    return Reason("grouped_window", (("count", len(failures)), ("category", what), *span, ("gap", group.rule.gap)))


def _chain_steps(group: Group) -> tuple[Reason, ...]:
    """Each incident or event the chain took in, the first at its time, the next ones after a gap."""
    parts = sorted([(p.start, _category(p.events)) for p in group.parts] or [(group.start, _category(group.events))])
    steps = [Reason("chain_first", (("what", parts[0][1]), ("time", parts[0][0])))]
    for (before, _), (start, what) in pairwise(parts):
        steps.append(Reason("chain_next", (("what", what), ("gap", start - before))))
    return tuple(steps)


def _category(events: Sequence[Event]) -> Category:
    failures = of_kind(events, lambda e: e.outcome is Outcome.FAILURE and e.category is not None) or events
    return Counter(e.category for e in kinds(failures) if e.category).most_common(1)[0][0]


def _details(group: Group, failures: Sequence[Event]) -> Reason:
    """What the group holds, by which key and which rule: ids and places, for whoever checks the rules."""
    rules = Counter(e.rule for e in kinds(group.events))
    keys = [f"{k}={v or '(none)'}" for k, v in zip(group.rule.group_by, group.key, strict=True)]
    extra: tuple[Reason, ...] = (Reason("details_keys", (("keys", ", ".join(keys)),)),) if keys else ()
    if group.parts:
        extra += (Reason("details_parts", (("parts", ", ".join(dict.fromkeys(p.rule.id for p in group.parts))),)),)
    counts = (("count", len(group.events)), ("failures", len(failures)))
    listed = ", ".join(f"{n} {rule}" for rule, n in rules.most_common())
    return Reason(
        "grouped_details",
        (*counts, ("rules", listed), ("extra", extra), ("rule", group.rule.id), ("where", group.rule.location)),
    )


def peak_figures(events: Sequence[Event]) -> dict[str, str]:
    """The rate-limit figures of the event that asked for the most: limit, used, requested, unit, model."""
    if not any((v or "").replace(".", "").isdigit() for v in values_of(events, "limit")):
        return {}
    numbers = [f for f in fields_of(events) if f.get("limit", "").replace(".", "").isdigit()]
    if not numbers:
        return {}
    top = max(numbers, key=lambda f: float(f.get("used") or 0) + float(f.get("requested") or 0))
    keys = ("limit", "used", "requested", "limit_unit", "limit_kind", "model")
    return {k: top[k] for k in keys if top.get(k)}


def _undated(events: list[Event], ruleset: RuleSet) -> list[Incident]:
    """Sources with no timestamps at all: one incident per category, as nothing orders them."""
    by_category: dict[Category, list[Event]] = {}
    for event in events:
        if event.category is not None and event.outcome is Outcome.FAILURE:
            by_category.setdefault(event.category, []).append(event)
    incidents = []
    for category, members in by_category.items():
        rule = ruleset.rule(members[0].rule)
        incidents.append(
            Incident(
                id="",
                title=rule.title if rule else category.value,
                category=category,
                categories=(category,),
                severity=max((e.severity for e in members), key=lambda s: s.rank),
                status=Status.RESOLVED,
                start=None,
                end=None,
                events=tuple(members),
                rules=tuple(dict.fromkeys(e.rule for e in members)),
                playbook=rule.remediation if rule else "",
                opened_because=Reason("undated_opened"),
                closed_because=Reason("undated_closed"),
                grouped_because=Reason("grouped_undated", (("count", len(members)), ("category", category))),
            )
        )
    return incidents
