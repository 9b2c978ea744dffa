"""`logscan rules test`: every rule's examples through the same stages a log goes through."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from . import parallel, pipeline
from .attribution import Attributor
from .correlation import correlate
from .evidence import Texts
from .lane.shortcut import Span
from .matching import MatchStats
from .models import Event
from .ruleset import IncidentRule, Provider, Rule, RuleSet
from .ruleset.incidents import IncidentExample
from .sources import SourceStats
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


class Examples:
    """Reads example texts as logs are read: each one a source of its own, through framing, the
    successful-call lane, parsing and matching (`pipeline.Scanner`), with one matcher for them all,
    and the failures printed more than once folded into one (`pipeline.as_calls`)."""

    def __init__(self, ruleset: RuleSet, engine: str = "auto") -> None:
        options = pipeline.Options((), UTC, _CLOCK.now, engine=engine, redact=False)
        self.scanner = pipeline.Scanner.of(options, ruleset)
        self.into = parallel.Into(self.scanner.matcher(MatchStats()), Span(), Texts())

    def __call__(self, text: str) -> str | None:
        """The rule id a one-record log text is matched by (a failure's, or a successful call's), or
        None; the prefilter must see it too."""
        data = text.encode()
        if not any(True for _ in self.scanner.engine.hits(data)):
            return None
        calls = self.into.matcher.successes
        before = len(calls)
        found = list(self.scanner.events([data], _EXAMPLE, SourceStats(_EXAMPLE), self.into))
        if found:  # one failure printed twice (a message, then its details) is one event
            return pipeline.as_calls(found, self.scanner.ruleset, self.into.texts)[0][0].rule
        return calls.rules[before] if len(calls) > before else None


_EXAMPLE = "<example>"


def check(ruleset: RuleSet, engine_name: str = "auto") -> tuple[list[Failure], int]:
    """(failures, examples run) over every rule's match and no_match examples and every incident rule's
    timed event lists."""
    classify = Examples(ruleset, engine_name)
    failures: list[Failure] = []
    count = 0
    for rule in ruleset.rules:
        count += len(rule.examples_match) + len(rule.examples_no_match)
        failures += _check_rule(rule, classify)
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


def _check_rule(rule: Rule, classify: Examples) -> list[Failure]:
    failures = []
    for example in rule.examples_match:
        got = classify(example)
        if not _names(rule, got):
            failures.append(Failure(rule.id, rule.location, example, f"should match, got {got or 'no event'}"))
    for example in rule.examples_no_match:
        if _names(rule, classify(example)):
            failures.append(Failure(rule.id, rule.location, example, "should not match"))
    return failures


def _names(rule: Rule, event_rule: str | None) -> bool:
    """Whether an event of this rule id is the rule's (a generic rule's are `<id>.<kind>`)."""
    return event_rule == rule.id or (rule.generic and (event_rule or "").startswith(rule.id + "."))
