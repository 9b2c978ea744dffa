"""Signature rules (`[[rule]]`), field extractors (`[[extractor]]`) and playbooks (`[[playbook]]`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import regex

from ..models import Category, Outcome, Severity
from .schema import Collector, Key, Locator, check, compile_all, strings, table_at

MATCH_TIMEOUT = 0.25  # seconds any one pattern may run on one record
LANGUAGES = ("en", "ja")


@dataclass(frozen=True, slots=True)
class Rule:
    """An error signature: keywords for the prefilter, patterns for the match, what it means."""

    id: str
    title: str
    category: Category | None
    severity: Severity
    retryable: bool
    provider: str
    outcome: Outcome
    confidence: str
    priority: int
    keywords: tuple[str, ...]
    patterns: tuple[regex.Pattern[str], ...]
    unless: tuple[regex.Pattern[str], ...]
    fields: Mapping[str, str]
    remediation: str
    examples_match: tuple[str, ...]
    examples_no_match: tuple[str, ...]
    location: str  # file:line of its [[rule]] header
    # named: its words are OpenAI's (or the gateway's), unless another provider shows; marker: OpenAI must show (for
    # a gateway's rule: the call it failed was one to OpenAI)
    attribution: str = "named"
    generic: bool = False  # its events take their kind from the [[generic]] tables (ids `<id>.<key>`)
    # names (its `name` group) that let a record showing no provider be OpenAI's when its source shows OpenAI
    source_names: frozenset[str] = frozenset()

    @property
    def single(self) -> regex.Pattern[str] | None:
        """Its one pattern, when it has one and no `unless`: whether it matches is whether the rule does."""
        return self.patterns[0] if len(self.patterns) == 1 and not self.unless else None

    @property
    def call_success(self) -> bool:
        """Its records are successful API calls (a success with a category, such as credit bought, is not)."""
        return self.outcome is Outcome.SUCCESS and self.category is None


@dataclass(frozen=True, slots=True)
class Extractor:
    """Named groups read from every matched record, such as the HTTP status or the model."""

    name: str
    patterns: tuple[regex.Pattern[str], ...]


@dataclass(frozen=True, slots=True)
class PlaybookText:
    summary: str
    steps: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Playbook:
    """Remediation as data: per-language text, references and the date its facts were checked."""

    id: str
    checked: str
    references: tuple[str, ...]
    text: Mapping[str, PlaybookText]
    location: str


RULE_KEYS: dict[str, Key] = {
    "id": Key(str, True),
    "title": Key(str, True),
    "category": Key(str, False, tuple(c.value for c in Category)),
    "severity": Key(str, True, tuple(s.value for s in Severity)),
    "retryable": Key(bool, True),
    "provider": Key(str, False),
    "outcome": Key(str, False, tuple(o.value for o in Outcome)),
    "confidence": Key(str, False, ("high", "low")),
    "priority": Key(int, False),
    "keywords": Key(list, True),
    "patterns": Key(list, True),
    "unless": Key(list, False),
    "fields": Key(dict, False),
    "remediation": Key(str, False),
    "examples": Key(dict, False),
    "description": Key(str, False),
    "source": Key(str, False),
    "checked": Key((str,), False),
    "attribution": Key(str, False, ("named", "marker")),
    "generic": Key(bool, False),
    "source_names": Key(list, False),
}
EXAMPLE_KEYS = {"match": Key(list), "no_match": Key(list)}
EXTRACTOR_KEYS = {"name": Key(str, True), "patterns": Key(list, True), "description": Key(str, False)}
PLAYBOOK_KEYS = {
    "id": Key(str, True),
    "checked": Key(str, True),
    "references": Key(list, False),
    "source": Key(str, False),
    "en": Key(dict, True),
    "ja": Key(dict, True),
}
PLAYBOOK_TEXT_KEYS = {"summary": Key(str, True), "steps": Key(list, True)}


def parse_rule(table: dict[str, Any], where: Locator, index: int, found: Collector) -> Rule | None:
    rule_id = table.get("id", f"#{index + 1}")
    label = f"rule '{rule_id}'"
    at = table_at(where, "rule", index)
    if not check(table, RULE_KEYS, label, at, found):
        return None
    examples = table.get("examples", {})
    if not check(examples, EXAMPLE_KEYS, label + " examples", at, found):
        return None
    keywords = _keywords(table, label, at, found)
    patterns = compile_all(table["patterns"], "patterns", label, at, found)
    unless = compile_all(table.get("unless", []), "unless", label, at, found)
    if not keywords or not patterns:
        if not (table["keywords"] and table["patterns"]):
            found.error(at("patterns" if keywords else "keywords"), f"{label}: needs at least one keyword and pattern")
        return None
    outcome = Outcome(table.get("outcome", "failure"))
    if outcome is not Outcome.SUCCESS and "category" not in table:
        found.error(at(""), f"{label}: missing required key 'category'")
        return None
    return _rule(table, rule_id, outcome, (keywords, patterns, unless), label, at, found)


def _rule(
    table: dict[str, Any],
    rule_id: str,
    outcome: Outcome,
    compiled: tuple[list[str], tuple[regex.Pattern[str], ...], tuple[regex.Pattern[str], ...]],
    label: str,
    at: Callable[[str], str],
    found: Collector,
) -> Rule:
    """The Rule of a table whose keys were checked; `compiled`: its keywords, patterns and unless."""
    keywords, patterns, unless = compiled
    examples = table.get("examples", {})
    return Rule(
        id=rule_id,
        title=table["title"],
        category=Category(table["category"]) if "category" in table else None,
        severity=Severity(table["severity"]),
        retryable=table["retryable"],
        provider=table.get("provider", "openai"),
        outcome=outcome,
        confidence=table.get("confidence", "high"),
        priority=table.get("priority", 50),
        keywords=tuple(keywords),
        patterns=patterns,
        unless=unless,
        fields={str(k): str(v) for k, v in table.get("fields", {}).items()},
        remediation=table.get("remediation", ""),
        examples_match=tuple(strings(examples.get("match", []), "examples.match", label, at, found)),
        examples_no_match=tuple(strings(examples.get("no_match", []), "examples.no_match", label, at, found)),
        location=at(""),
        attribution=table.get("attribution", "named"),
        generic=table.get("generic", False),
        source_names=frozenset(strings(table.get("source_names", []), "source_names", label, at, found)),
    )


def _keywords(table: dict[str, Any], label: str, at: Callable[[str], str], found: Collector) -> list[str]:
    """A rule's keywords; one that a JSON-escaped log would show otherwise (a quote, a backslash, a line
    break) is an error."""
    keywords = strings(table["keywords"], "keywords", label, at, found)
    for word in keywords:
        if '"' in word or "\\" in word or "\n" in word:
            found.error(
                at("keywords"),
                f"{label}: keyword {word!r} must have no quotes, backslashes or line breaks",
                "pick a literal that reads the same in JSON-escaped logs",
            )
    return keywords


def parse_extractor(table: dict[str, Any], where: Locator, index: int, found: Collector) -> Extractor | None:
    label = f"extractor '{table.get('name', index + 1)}'"
    at = table_at(where, "extractor", index)
    if not check(table, EXTRACTOR_KEYS, label, at, found):
        return None
    patterns = compile_all(table["patterns"], "patterns", label, at, found)
    return Extractor(table["name"], patterns) if patterns else None


def _located(at: Callable[[str], str], lang: str) -> Callable[[str], str]:
    """`at` for the keys of a playbook's [lang] table: its header for ""."""
    return lambda key: at(key or lang)


def parse_playbook(table: dict[str, Any], where: Locator, index: int, found: Collector) -> Playbook | None:
    label = f"playbook '{table.get('id', index + 1)}'"
    at = table_at(where, "playbook", index)
    if not check(table, PLAYBOOK_KEYS, label, at, found):
        return None
    text: dict[str, PlaybookText] = {}
    for lang in LANGUAGES:
        part = table[lang]
        if check(part, PLAYBOOK_TEXT_KEYS, f"{label} [{lang}]", _located(at, lang), found):
            text[lang] = PlaybookText(part["summary"], tuple(strings(part["steps"], "steps", label, at, found)))
    if len(text) != len(LANGUAGES):
        return None
    references = tuple(strings(table.get("references", []), "references", label, at, found))
    return Playbook(table["id"], table["checked"], references, text, at(""))
