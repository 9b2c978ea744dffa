"""`logscan rules test`: every rule's examples through the same stages a log goes through."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from . import prefilter, redaction
from .attribution import Attributor
from .correlation import correlate
from .framing import frame_lines
from .matching import Matcher, MatchStats
from .models import Event
from .parsing import parse
from .ruleset import IncidentRule, Provider, Rule, RuleSet
from .ruleset.incidents import IncidentExample
from .timestamps import Clock

_CLOCK = Clock(UTC, datetime(2026, 1, 1, tzinfo=UTC))


@dataclass(frozen=True, slots=True)
class Failure:
    rule: str
    location: str
    example: str
    problem: str

    def line(self) -> str:
        return f"{self.location}: rule '{self.rule}': {self.problem}: {self.example[:120]!r}"


def classify(text: str, matcher: Matcher, engine: prefilter.Prefilter) -> str | None:
    """The rule id a one-record log text is matched by, or None; the prefilter must see it too."""
    data = text.encode()
    if not any(True for _ in engine.hits(data)):
        return None
    records = list(frame_lines(text.split("\n"), "<example>"))
    events = [matcher.match(parse(r, _CLOCK)) for r in records]
    return next((e.rule for e in events if e is not None), None)


def check(ruleset: RuleSet, engine_name: str = "auto") -> tuple[list[Failure], int]:
    """(failures, examples run) over every rule's match and no_match examples and every incident rule's
    timed event lists."""
    matcher = Matcher(ruleset, redaction.identity, MatchStats())
    engine = prefilter.build(engine_name, ruleset.keywords())
    failures: list[Failure] = []
    count = 0
    for rule in ruleset.rules:
        count += len(rule.examples_match) + len(rule.examples_no_match)
        failures += _check_rule(rule, matcher, engine)
    for incident in ruleset.incidents:
        count += len(incident.examples)
        failures += _check_incident(incident, ruleset)
    attributor = Attributor(ruleset.providers)
    for provider in ruleset.providers:
        count += len(provider.examples_match)
        failures += _check_provider(provider, attributor)
    return failures, count


def _check_provider(provider: Provider, attributor: Attributor) -> list[Failure]:
    """A provider's examples are attributed to it (OpenAI's to OpenAI, another's to its name)."""
    failures = []
    for example in provider.examples_match:
        verdict = attributor.verdict(example)
        got = "OpenAI" if verdict.openai else verdict.other or "no provider"
        if got != provider.name:
            failures.append(Failure(provider.id, provider.location, example, f"attributed to {got}"))
    return failures


def incidents_of(example: IncidentExample, ruleset: RuleSet) -> list[str]:
    """The incident rule ids the example's timed events give, in order of start."""
    events = []
    for n, (offset, rule_id, fields) in enumerate(example.events, 1):
        rule = ruleset.rule(rule_id)
        assert rule is not None  # the loader checked every id (_check_incident skips what it reported)
        events.append(
            Event(
                rule.id,
                rule.category,
                rule.outcome,
                rule.severity,
                rule.retryable,
                rule.confidence,
                _CLOCK.now + offset,
                "<example>",
                n,
                n,
                rule_id,
                {**rule.fields, **fields},
            )
        )
    events.sort(key=lambda e: e.time)  # type: ignore[arg-type,return-value]
    found = correlate(events, ruleset, events[-1].time if events else None).incidents
    return [i.rule for i in sorted(found, key=lambda i: (i.start or _CLOCK.now, i.rule))]


def _check_incident(incident: IncidentRule, ruleset: RuleSet) -> list[Failure]:
    failures = []
    for example in incident.examples:
        if any(ruleset.rule(rule_id) is None for _, rule_id, _ in example.events):
            continue  # an unknown rule: the loader said so (rules test reports its errors and runs the rest)
        got = incidents_of(example, ruleset)
        if got != list(example.expect):
            text = " ".join(f"+{int(o.total_seconds())}s {r}" for o, r, _ in example.events)
            failures.append(
                Failure(incident.id, incident.location, text, f"expected incidents {list(example.expect)}, got {got}")
            )
    return failures


def _check_rule(rule: Rule, matcher: Matcher, engine: prefilter.Prefilter) -> list[Failure]:
    failures = []
    for example in rule.examples_match:
        got = classify(example, matcher, engine)
        if not _names(rule, got):
            failures.append(Failure(rule.id, rule.location, example, f"should match, got {got or 'no event'}"))
    for example in rule.examples_no_match:
        if _names(rule, classify(example, matcher, engine)):
            failures.append(Failure(rule.id, rule.location, example, "should not match"))
    return failures


def _names(rule: Rule, event_rule: str | None) -> bool:
    """Whether an event of this rule id is the rule's (a generic rule's are `<id>.<kind>`)."""
    return event_rule == rule.id or (rule.generic and (event_rule or "").startswith(rule.id + "."))
