"""`logscan rules test`: every rule's examples through the same stages a log goes through."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from . import prefilter, redaction
from .framing import frame_lines
from .matching import Matcher, MatchStats
from .parsing import parse
from .ruleset import Rule, RuleSet
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
    """(failures, examples run) over every rule's match and no_match examples."""
    matcher = Matcher(ruleset, redaction.identity, MatchStats())
    engine = prefilter.build(engine_name, ruleset.keywords())
    failures: list[Failure] = []
    count = 0
    for rule in ruleset.rules:
        count += len(rule.examples_match) + len(rule.examples_no_match)
        failures += _check_rule(rule, matcher, engine)
    return failures, count


def _check_rule(rule: Rule, matcher: Matcher, engine: prefilter.Prefilter) -> list[Failure]:
    failures = []
    for example in rule.examples_match:
        got = classify(example, matcher, engine)
        if got != rule.id:
            failures.append(Failure(rule.id, rule.location, example, f"should match, got {got or 'no event'}"))
    for example in rule.examples_no_match:
        if classify(example, matcher, engine) == rule.id:
            failures.append(Failure(rule.id, rule.location, example, "should not match"))
    return failures
