"""Incident rules (`[[incident]]`): how events group into incidents, in Sigma correlation's terms.

Types: `event_count` (failures of a selection in a sliding `timespan`, per group, against a
condition), `value_count` (distinct values of a field in the timespan), `sequence` (ordered steps,
each `within` the one before, the whole inside `maxspan`; a step may select another incident
rule's incidents, which chains rules) and `absence` (a selection not followed by another within a
time). Every rule may carry `[[incident.examples]]`: timed event lists and the incidents expected.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import Any

from ..models import Category, Event, Outcome, Severity
from ..timestamps import parse_duration
from .schema import Collector, Key, Locator, check, strings, suggest, table_at


class IncidentType(StrEnum):
    """The kinds of incident rule; correlation has a detector for each (correlation.DETECTORS)."""

    EVENT_COUNT = "event_count"
    VALUE_COUNT = "value_count"
    SEQUENCE = "sequence"
    ABSENCE = "absence"


TYPES = tuple(t.value for t in IncidentType)
OPERATORS = {"gte": int.__ge__, "gt": int.__gt__, "lte": int.__le__, "lt": int.__lt__, "eq": int.__eq__}


@dataclass(frozen=True, slots=True)
class Selector:
    """Which events (or, for chaining, which incident rules' incidents) a rule or step takes."""

    rules: tuple[str, ...] = ()  # rule ids, fnmatch patterns allowed
    categories: tuple[Category, ...] = ()
    outcomes: tuple[Outcome, ...] = ()
    incidents: tuple[str, ...] = ()
    fields: Mapping[str, tuple[str, ...]] = ()  # type: ignore[assignment]
    not_fields: Mapping[str, tuple[str, ...]] = ()  # type: ignore[assignment]

    def event(self, event: Event) -> bool:
        """True when the event is selected (a selector of incidents selects no event)."""
        return self.by_kind(event.rule, event.category, event.outcome) and self.by_fields(event)

    def by_kind(self, rule: str, category: Category | None, outcome: Outcome) -> bool:
        """What the rule, category and outcome of an event decide (few triples in a log: memoisable)."""
        if self.incidents:
            return False
        if self.rules and not any(fnmatch.fnmatchcase(rule, pattern) for pattern in self.rules):
            return False
        if self.categories and category not in self.categories:
            return False
        return not (self.outcomes and outcome not in self.outcomes)

    def by_fields(self, event: Event) -> bool:
        """What the event's fields decide."""
        if self.fields and any(event.fields.get(k, "") not in values for k, values in self.fields.items()):
            return False
        return not (self.not_fields and any(event.fields.get(k, "") in values for k, values in self.not_fields.items()))

    def incident(self, rule_id: str) -> bool:
        """True when incidents of this incident rule are selected."""
        return rule_id in self.incidents


@dataclass(frozen=True, slots=True)
class Step:
    select: Selector
    within: timedelta | None  # after the end of the step before
    optional: bool = False


@dataclass(frozen=True, slots=True)
class IncidentExample:
    events: tuple[tuple[timedelta, str, Mapping[str, str]], ...]  # (offset, rule id, fields)
    expect: tuple[str, ...]  # incident rule ids reported, in order of start


@dataclass(frozen=True, slots=True)
class IncidentRule:
    id: str
    title: str
    type: IncidentType
    select: Selector
    group_by: tuple[str, ...]
    timespan: timedelta
    condition: tuple[str, int]
    field: str
    gap: timedelta
    recovery: bool  # closes at a successful call that no failure follows for `confirm`
    confirm: timedelta
    steps: tuple[Step, ...]
    maxspan: timedelta
    tolerance: timedelta
    not_followed_by: Selector
    within: timedelta
    category: Category | None  # None: the most frequent category of its specific failures
    severity: Severity | None  # None: the worst member
    remediation: str  # "": the remediation of the most frequent specific rule
    priority: int
    examples: tuple[IncidentExample, ...]
    location: str

    def holds(self, count: int) -> bool:
        """Whether a count meets the condition."""
        op, threshold = self.condition
        return bool(OPERATORS[op](count, threshold))


INCIDENT_KEYS: dict[str, Key] = {
    "id": Key(str, True),
    "title": Key(str, True),
    "type": Key(str, True, TYPES),
    "select": Key(dict),
    "group_by": Key(list),
    "timespan": Key(str),
    "condition": Key(dict),
    "field": Key(str),
    "gap": Key(str),
    "recovery": Key(str, False, ("success", "none")),
    "confirm": Key(str),
    "steps": Key(list),
    "maxspan": Key(str),
    "tolerance": Key(str),
    "not_followed_by": Key(dict),
    "within": Key(str),
    "category": Key(str, False, tuple(c.value for c in Category)),
    "severity": Key(str, False, tuple(s.value for s in Severity)),
    "remediation": Key(str),
    "priority": Key(int),
    "examples": Key(list),
    "description": Key(str),
}
SELECT_KEYS = {
    "rule": Key(list),
    "category": Key(list),
    "outcome": Key(list),
    "incident": Key(list),
    "fields": Key(dict),
    "not_fields": Key(dict),
}
STEP_KEYS = {"select": Key(dict, True), "within": Key(str), "optional": Key(bool)}
EXAMPLE_KEYS = {"events": Key(list, True), "expect": Key(list, True), "description": Key(str)}
CONDITION_KEYS = {op: Key(int) for op in OPERATORS}
_REQUIRED_BY_TYPE = {
    IncidentType.EVENT_COUNT: ("select",),
    IncidentType.VALUE_COUNT: ("select", "field"),
    IncidentType.SEQUENCE: ("steps",),
    IncidentType.ABSENCE: ("select", "not_followed_by", "within"),
}
DEFAULTS = {"timespan": "10m", "gap": "10m", "confirm": "10m", "maxspan": "6h", "tolerance": "5s", "within": "0s"}


class _Reader:
    """Reads one [[incident]] table, collecting every problem."""

    def __init__(self, table: dict[str, Any], where: Locator, index: int, found: Collector) -> None:
        self.table, self.found = table, found
        self.at = table_at(where, "incident", index)
        self.label = f"incident '{table.get('id', index + 1)}'"

    def error(self, key: str, what: str, fix: str = "") -> None:
        self.found.error(self.at(key), f"{self.label}: {what}", fix)

    def duration(self, key: str, value: str | None = None) -> timedelta:
        text = value if value is not None else self.table.get(key, DEFAULTS.get(key, "0s"))
        parsed = parse_duration(text)
        if parsed is None:
            self.error(key, f"'{key}' is '{text}', not a duration", "write it like 30s, 15m, 2h or 1d")
            return timedelta(0)
        return parsed

    def selector(self, key: str, value: Any) -> Selector:
        if not isinstance(value, dict) or not check(value, SELECT_KEYS, f"{self.label} {key}", self.at, self.found):
            if not isinstance(value, dict):
                self.error(key, f"'{key}' must be a table")
            return Selector()
        categories = []
        for name in strings(value.get("category", []), "category", self.label, self.at, self.found):
            if name in {c.value for c in Category}:
                categories.append(Category(name))
            else:
                self.error(key, f"unknown category '{name}'", suggest(name, [c.value for c in Category]))
        outcomes = [Outcome(o) for o in value.get("outcome", []) if o in {x.value for x in Outcome}]
        return Selector(
            rules=tuple(strings(value.get("rule", []), "rule", self.label, self.at, self.found)),
            categories=tuple(categories),
            outcomes=tuple(outcomes),
            incidents=tuple(strings(value.get("incident", []), "incident", self.label, self.at, self.found)),
            fields=self._field_values(value.get("fields", {})),
            not_fields=self._field_values(value.get("not_fields", {})),
        )

    def _field_values(self, table: dict[str, Any]) -> dict[str, tuple[str, ...]]:
        return {k: tuple(str(x) for x in (v if isinstance(v, list) else [v])) for k, v in table.items()}

    def condition(self) -> tuple[str, int]:
        value = self.table.get("condition", {"gte": 1})
        if not check(value, CONDITION_KEYS, f"{self.label} condition", self.at, self.found) or len(value) != 1:
            if len(value) != 1:
                self.error(
                    "condition", "'condition' needs exactly one of " + ", ".join(OPERATORS), "condition = { gte = 3 }"
                )
            return "gte", 1
        op, threshold = next(iter(value.items()))
        return op, threshold

    def steps(self) -> tuple[Step, ...]:
        steps = []
        for number, raw in enumerate(self.table.get("steps", []), 1):
            if not isinstance(raw, dict) or not check(
                raw, STEP_KEYS, f"{self.label} step {number}", self.at, self.found
            ):
                continue
            within = self.duration("steps", raw["within"]) if "within" in raw else None
            steps.append(Step(self.selector("steps", raw["select"]), within, raw.get("optional", False)))
        if self.table.get("type") == IncidentType.SEQUENCE and len([s for s in steps if not s.optional]) < 2:
            self.error("steps", "a sequence needs at least two steps that are not optional")
        return tuple(steps)

    def examples(self) -> tuple[IncidentExample, ...]:
        examples = []
        for raw in self.table.get("examples", []):
            if not isinstance(raw, dict) or not check(raw, EXAMPLE_KEYS, f"{self.label} example", self.at, self.found):
                continue
            events = [self._timed(spec) for spec in strings(raw["events"], "events", self.label, self.at, self.found)]
            expect = strings(raw["expect"], "expect", self.label, self.at, self.found)
            examples.append(IncidentExample(tuple(e for e in events if e is not None), tuple(expect)))
        return tuple(examples)

    def _timed(self, spec: str) -> tuple[timedelta, str, Mapping[str, str]] | None:
        """`+2m30s openai.quota.insufficient_quota model=gpt-4o`: offset, rule id, fields."""
        words = spec.split()
        offset = parse_duration(words[0].lstrip("+")) if words else None
        if offset is None or len(words) < 2 or any("=" not in w for w in words[2:]):
            self.error("examples", f"example event '{spec}' is not '+OFFSET RULE [field=value ...]'")
            return None
        return offset, words[1], dict(w.split("=", 1) for w in words[2:])


def parse_incident(table: dict[str, Any], where: Locator, index: int, found: Collector) -> IncidentRule | None:
    """One validated incident rule, or None (its problems are in `found`)."""
    read = _Reader(table, where, index, found)
    if not check(table, INCIDENT_KEYS, read.label, read.at, found):
        return None
    for key in _REQUIRED_BY_TYPE[table["type"]]:
        if key not in table:
            read.error("type", f"a {table['type']} rule needs '{key}'")
            return None
    errors_before = len(found.errors)
    rule = IncidentRule(
        id=table["id"],
        title=table["title"],
        type=IncidentType(table["type"]),
        select=read.selector("select", table.get("select", {})),
        group_by=tuple(strings(table.get("group_by", []), "group_by", read.label, read.at, found)),
        timespan=read.duration("timespan"),
        condition=read.condition(),
        field=table.get("field", ""),
        gap=read.duration("gap"),
        recovery=table.get("recovery", "none") == "success",
        confirm=read.duration("confirm"),
        steps=read.steps(),
        maxspan=read.duration("maxspan"),
        tolerance=read.duration("tolerance"),
        not_followed_by=read.selector("not_followed_by", table.get("not_followed_by", {})),
        within=read.duration("within"),
        category=Category(table["category"]) if "category" in table else None,
        severity=Severity(table["severity"]) if "severity" in table else None,
        remediation=table.get("remediation", ""),
        priority=table.get("priority", 50),
        examples=read.examples(),
        location=read.at(""),
    )
    return rule if len(found.errors) == errors_before else None
