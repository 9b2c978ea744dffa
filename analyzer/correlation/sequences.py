"""`sequence` rules: ordered steps over events and over other rules' incidents (chaining).

Semantics: per group key, items (events, and groups of chained rules) are taken in time order.
A match starts at an item of the first step (or of the second, when the first is optional); each
next step takes the earliest unused item that it selects whose start is no earlier than the step
before's start minus `tolerance` (clocks of two sources disagree a little) and no later than the
step before's end plus its `within`; the whole match lies inside `maxspan`. An item is used by one
match at most. A match then takes in every other item its steps select, of its key, that starts
before it ends: one window of trouble is one incident.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from ..events import of_kind
from ..models import Event, Outcome, Reason
from ..ruleset import IncidentRule, Selector, Step
from .detectors import Group, key_of


@dataclass(frozen=True, slots=True)
class Item:
    start: datetime
    end: datetime
    event: Event | None = None
    group: Group | None = None

    def selected(self, selector: Selector) -> bool:
        if self.event is not None:
            return selector.event(self.event)
        return self.group is not None and selector.incident(self.group.rule.id)

    @property
    def label(self) -> Reason:
        if self.event is not None:
            return Reason("step_event", (("rule", self.event.rule), ("time", self.start)))
        assert self.group is not None
        return Reason("step_incident", (("rule", self.group.rule.id), ("time", self.start)))


def match(
    rule: IncidentRule, events: Sequence[Event], groups: list[Group], aliases: Mapping[str, tuple[str, ...]]
) -> list[Group]:
    """Every match of the rule, as a group holding the events of all it took in."""
    by_key: dict[tuple[str, ...], list[Item]] = {}
    kinds = of_kind(events, lambda e: any(step.select.by_kind(e.rule, e.category, e.outcome) for step in rule.steps))
    for event in kinds:  # (an outage's events are seldom of a kind a sequence selects: none made)
        if any(step.select.event(event) for step in rule.steps):
            by_key.setdefault(key_of(event, rule.group_by, aliases), []).append(Item(event.time, event.time, event))  # type: ignore[arg-type]
    for group in groups:
        if any(step.select.incident(group.rule.id) for step in rule.steps):
            key = key_of(group.events[0], rule.group_by, aliases)
            by_key.setdefault(key, []).append(Item(group.start, group.last, group=group))
    found = []
    for key, items in by_key.items():
        items.sort(key=lambda i: i.start)
        found += _matches(rule, key, items)
    return found


def _matches(rule: IncidentRule, key: tuple[str, ...], items: list[Item]) -> list[Group]:
    used: set[int] = set()
    found = []
    for index in range(len(items)):
        if index in used:
            continue
        chosen = _extend(rule, items, index, used)
        if chosen is None:
            continue
        used.update(chosen)
        end = max(items[i].end for i in chosen)
        taken = [
            i
            for i, it in enumerate(items)
            if i not in used
            and items[chosen[0]].start <= it.start <= end
            and any(it.selected(step.select) for step in rule.steps)
        ]
        used.update(taken)
        found.append(_group(rule, key, [items[i] for i in chosen], [items[i] for i in taken]))
    return found


def _extend(rule: IncidentRule, items: list[Item], index: int, used: set[int]) -> list[int] | None:
    """The items of a match of the rule's steps from the item at `index` (its first step that selects it,
    when no step before that is required), each next step's item the first unused one in its window;
    None when a required step finds none."""
    steps = rule.steps
    first = next((s for s, step in enumerate(steps) if items[index].selected(step.select)), None)
    if first is None or any(not step.optional for step in steps[:first]):
        return None
    chosen = [index]
    for step in steps[first + 1 :]:
        nxt = _next(rule, step, items, index, chosen, used)
        if nxt is not None:
            chosen.append(nxt)
        elif not step.optional:
            return None
    return chosen


def _next(
    rule: IncidentRule, step: Step, items: list[Item], index: int, chosen: list[int], used: set[int]
) -> int | None:
    """The first unused item the step selects, from the previous step's start (less the clock tolerance) to
    its end plus the step's `within`, inside `maxspan` from the match's first item."""
    before = items[chosen[-1]]
    low = before.start - rule.tolerance
    limit = min(before.end + (step.within or rule.maxspan), items[index].start + rule.maxspan)
    for j, it in enumerate(items):
        if j not in used and j not in chosen and low <= it.start <= limit and it.selected(step.select):
            return j
    return None


def _group(rule: IncidentRule, key: tuple[str, ...], chosen: list[Item], taken: list[Item]) -> Group:
    chain = Group(rule, key)
    members = [*chosen, *taken]
    events = [e for it in members for e in ([it.event] if it.event else it.group.events)]  # type: ignore[union-attr]
    events.sort(key=lambda e: e.time)  # type: ignore[arg-type,return-value]
    chain.events = events
    parts = [it.group for it in members if it.group is not None]
    chain.parts = parts
    last = max(parts, key=lambda g: g.last, default=None)
    if last is not None:  # the chain ends as its last incident ends
        chain.closed_because, chain.recovered_at, chain.ongoing = last.closed_because, last.recovered_at, last.ongoing
        chain.successes = sum(g.successes for g in parts)
        chain.actions = [a for g in parts for a in g.actions]
    else:
        chain.closed_because = Reason("sequence_done", (("time", chosen[-1].end),))
    chain.actions = list({(a.source, a.line): a for a in chain.actions}.values())
    steps = tuple(it.label for it in chosen)
    failed = any(e.outcome is Outcome.FAILURE for e in events)
    chain.opened_because = Reason("sequence" if failed else "sequence_no_failure", (("steps", steps),))
    return chain
