"""Rule files: TOML parsed, validated and frozen in one pass, every problem located at file:line.

A rule file holds any of these arrays of tables: `[[rule]]` (an error signature), `[[extractor]]`
(fields read from every matched record) and `[[playbook]]` (remediation, in English and Japanese).
A later file's rule with the same id replaces the earlier one: that is how `--rules` overrides a
shipped rule.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import regex

from . import resources
from .errors import RuleError, RuleSetError
from .models import Category, Outcome, Severity

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


@dataclass(frozen=True, slots=True)
class RuleSet:
    rules: tuple[Rule, ...]
    extractors: tuple[Extractor, ...]
    playbooks: Mapping[str, Playbook]
    warnings: tuple[str, ...] = ()
    files: tuple[str, ...] = ()

    def keywords(self) -> set[str]:
        """Every literal the prefilter must look for."""
        return {k for rule in self.rules for k in rule.keywords}

    def rule(self, rule_id: str) -> Rule | None:
        return next((r for r in self.rules if r.id == rule_id), None)


# --- the schema, as tables -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Key:
    kind: type | tuple[type, ...]
    required: bool = False
    choices: tuple[str, ...] = ()


RULE_KEYS: dict[str, _Key] = {
    "id": _Key(str, True),
    "title": _Key(str, True),
    "category": _Key(str, False, tuple(c.value for c in Category)),
    "severity": _Key(str, True, tuple(s.value for s in Severity)),
    "retryable": _Key(bool, True),
    "provider": _Key(str, False),
    "outcome": _Key(str, False, tuple(o.value for o in Outcome)),
    "confidence": _Key(str, False, ("high", "low")),
    "priority": _Key(int, False),
    "keywords": _Key(list, True),
    "patterns": _Key(list, True),
    "unless": _Key(list, False),
    "fields": _Key(dict, False),
    "remediation": _Key(str, False),
    "examples": _Key(dict, False),
    "description": _Key(str, False),
    "source": _Key(str, False),
    "checked": _Key((str,), False),
}
EXAMPLE_KEYS = {"match": _Key(list), "no_match": _Key(list)}
EXTRACTOR_KEYS = {"name": _Key(str, True), "patterns": _Key(list, True), "description": _Key(str, False)}
PLAYBOOK_KEYS = {
    "id": _Key(str, True),
    "checked": _Key(str, True),
    "references": _Key(list, False),
    "source": _Key(str, False),
    "en": _Key(dict, True),
    "ja": _Key(dict, True),
}
PLAYBOOK_TEXT_KEYS = {"summary": _Key(str, True), "steps": _Key(list, True)}
FILE_KEYS = {"rule", "extractor", "playbook", "pack"}


class _Locator:
    """Finds the line of the n-th `[[table]]` of a kind, and of a key inside it."""

    def __init__(self, path: str, text: str) -> None:
        self.path = path
        self.lines = text.splitlines()
        self.headers: dict[str, list[int]] = {}
        for number, line in enumerate(self.lines, 1):
            m = re.match(r"\s*\[\[\s*([\w.]+)\s*\]\]", line)
            if m:
                self.headers.setdefault(m.group(1), []).append(number)

    def table(self, kind: str, index: int) -> int:
        found = self.headers.get(kind, [])
        return found[index] if index < len(found) else 1

    def key(self, kind: str, index: int, key: str) -> int:
        start = self.table(kind, index)
        leaf = key.split(".")[-1]
        for number in range(start, len(self.lines) + 1):
            line = self.lines[number - 1]
            if number > start and re.match(r"\s*\[\[", line):
                break
            if re.match(rf"\s*(?:[\w.]+\.)?{re.escape(leaf)}\s*=", line) or re.match(
                rf"\s*\[[\w.]*\b{re.escape(leaf)}\]", line
            ):
                return number
        return start

    def at(self, line: int) -> str:
        return f"{self.path}:{line}"


class _Collector:
    """Collects every error and warning of a load before failing."""

    def __init__(self) -> None:
        self.errors: list[RuleError] = []
        self.warnings: list[str] = []

    def error(self, where: str, what: str, fix: str = "") -> None:
        self.errors.append(RuleError(where, what, fix))


def load(paths: Iterable[str | Path] = (), builtin: bool = True) -> RuleSet:
    """Load the shipped rules (unless `builtin` is False) and then `paths`, in order."""
    files = (resources.rule_files() if builtin else []) + [f for p in paths for f in _rule_files(Path(p))]
    found = _Collector()
    rules: dict[str, Rule] = {}
    extractors: list[Extractor] = []
    playbooks: dict[str, Playbook] = {}
    for path in files:
        _load_file(path, found, rules, extractors, playbooks)
    for rule in rules.values():
        if not rule.examples_match:
            found.warnings.append(
                f"{rule.location}: rule '{rule.id}' has no examples.match ('rules test' cannot check it)"
            )
        if rule.remediation and rule.remediation not in playbooks:
            found.error(
                rule.location,
                f"rule '{rule.id}': remediation '{rule.remediation}' is no playbook",
                _suggest(rule.remediation, playbooks) or "add a [[playbook]] with that id",
            )
    if found.errors:
        raise RuleSetError(found.errors)
    return RuleSet(
        tuple(rules.values()), tuple(extractors), playbooks, tuple(found.warnings), tuple(str(f) for f in files)
    )


def _rule_files(path: Path) -> list[Path]:
    if path.is_dir():
        return sorted(path.rglob("*.toml"))
    if not path.exists():
        raise RuleSetError([RuleError(str(path), "no such rule file or folder", "check --rules")])
    return [path]


def _load_file(
    path: Path, found: _Collector, rules: dict[str, Rule], extractors: list[Extractor], playbooks: dict[str, Playbook]
) -> None:
    name = resources.display_name(path)
    try:
        text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text)
    except (OSError, UnicodeDecodeError) as exc:
        found.error(name, f"cannot read rule file: {exc}")
        return
    except tomllib.TOMLDecodeError as exc:
        line = re.search(r"at line (\d+)", str(exc))
        found.error(f"{name}:{line.group(1) if line else 1}", f"invalid TOML: {re.sub(r' [(]at line.*', '', str(exc))}")
        return
    where = _Locator(name, text)
    for key in data:
        if key not in FILE_KEYS:
            found.error(where.at(1), f"unknown table '{key}'", _suggest(key, FILE_KEYS) or "use [[rule]]")
    for index, table in enumerate(_tables(data, "rule", where, found)):
        rule = _rule(table, where, index, found)
        if rule is None:
            continue
        if rule.id in rules and rules[rule.id].location.split(":")[0] == name:
            found.warnings.append(f"{rule.location}: duplicate rule id '{rule.id}' (the later one wins)")
        rules.pop(rule.id, None)
        rules[rule.id] = rule
    for index, table in enumerate(_tables(data, "extractor", where, found)):
        extractor = _extractor(table, where, index, found)
        if extractor is not None:
            extractors.append(extractor)
    for index, table in enumerate(_tables(data, "playbook", where, found)):
        playbook = _playbook(table, where, index, found)
        if playbook is not None:
            playbooks[playbook.id] = playbook


def _tables(data: dict[str, Any], kind: str, where: _Locator, found: _Collector) -> list[dict[str, Any]]:
    value = data.get(kind, [])
    if not isinstance(value, list) or not all(isinstance(t, dict) for t in value):
        found.error(where.at(1), f"'{kind}' must be an array of tables", f"write [[{kind}]]")
        return []
    return value


def _check(
    table: dict[str, Any], schema: dict[str, _Key], label: str, where: Callable[[str], str], found: _Collector
) -> bool:
    ok = True
    for key, value in table.items():
        spec = schema.get(key)
        if spec is None:
            found.error(where(key), f"{label}: unknown key '{key}'", _suggest(key, schema) or "remove it")
            ok = False
        elif not isinstance(value, spec.kind):
            found.error(where(key), f"{label}: '{key}' must be {_type_name(spec.kind)}")
            ok = False
        elif spec.choices and value not in spec.choices:
            found.error(
                where(key),
                f"{label}: '{key}' is '{value}'",
                _suggest(str(value), spec.choices) or "one of " + ", ".join(spec.choices),
            )
            ok = False
    for key, spec in schema.items():
        if spec.required and key not in table:
            found.error(where(""), f"{label}: missing required key '{key}'")
            ok = False
    return ok


def _rule(table: dict[str, Any], where: _Locator, index: int, found: _Collector) -> Rule | None:
    rule_id = table.get("id", f"#{index + 1}")
    label = f"rule '{rule_id}'"
    at = lambda key: where.at(where.key("rule", index, key) if key else where.table("rule", index))  # noqa: E731
    if not _check(table, RULE_KEYS, label, at, found):
        return None
    examples = table.get("examples", {})
    if not _check(examples, EXAMPLE_KEYS, label + " examples", at, found):
        return None
    keywords = _strings(table["keywords"], "keywords", label, at, found)
    for word in keywords:
        if not word.isascii() or '"' in word or "\\" in word or "\n" in word:
            found.error(
                at("keywords"),
                f"{label}: keyword {word!r} must be ASCII without quotes or backslashes",
                "pick a literal that reads the same in JSON-escaped logs",
            )
    patterns = _compile_all(table["patterns"], "patterns", label, at, found)
    unless = _compile_all(table.get("unless", []), "unless", label, at, found)
    if not keywords or not patterns:
        if not (table["keywords"] and table["patterns"]):
            found.error(at("patterns" if keywords else "keywords"), f"{label}: needs at least one keyword and pattern")
        return None
    outcome = Outcome(table.get("outcome", "failure"))
    if outcome is not Outcome.SUCCESS and "category" not in table:
        found.error(at(""), f"{label}: missing required key 'category'")
        return None
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
        examples_match=tuple(_strings(examples.get("match", []), "examples.match", label, at, found)),
        examples_no_match=tuple(_strings(examples.get("no_match", []), "examples.no_match", label, at, found)),
        location=at(""),
    )


def _extractor(table: dict[str, Any], where: _Locator, index: int, found: _Collector) -> Extractor | None:
    label = f"extractor '{table.get('name', index + 1)}'"
    at = lambda key: where.at(where.key("extractor", index, key) if key else where.table("extractor", index))  # noqa: E731
    if not _check(table, EXTRACTOR_KEYS, label, at, found):
        return None
    patterns = _compile_all(table["patterns"], "patterns", label, at, found)
    return Extractor(table["name"], patterns) if patterns else None


def _playbook(table: dict[str, Any], where: _Locator, index: int, found: _Collector) -> Playbook | None:
    label = f"playbook '{table.get('id', index + 1)}'"
    at = lambda key: where.at(where.key("playbook", index, key) if key else where.table("playbook", index))  # noqa: E731
    if not _check(table, PLAYBOOK_KEYS, label, at, found):
        return None
    text: dict[str, PlaybookText] = {}
    for lang in LANGUAGES:
        part = table[lang]
        if _check(part, PLAYBOOK_TEXT_KEYS, f"{label} [{lang}]", lambda key, lang=lang: at(key or lang), found):
            text[lang] = PlaybookText(part["summary"], tuple(_strings(part["steps"], "steps", label, at, found)))
    if len(text) != len(LANGUAGES):
        return None
    references = tuple(_strings(table.get("references", []), "references", label, at, found))
    return Playbook(table["id"], table["checked"], references, text, at(""))


def _strings(values: list[Any], key: str, label: str, at: Callable[[str], str], found: _Collector) -> list[str]:
    bad = [v for v in values if not isinstance(v, str)]
    if bad:
        found.error(at(key), f"{label}: '{key}' must be a list of strings, found {bad[0]!r}")
    return [v for v in values if isinstance(v, str)]


def _compile_all(
    values: list[Any], key: str, label: str, at: Callable[[str], str], found: _Collector
) -> tuple[regex.Pattern[str], ...]:
    compiled = []
    for source in _strings(values, key, label, at, found):
        try:
            compiled.append(regex.compile(source))
        except regex.error as exc:
            found.error(at(key), f"{label}: {key}: {exc}", f"fix the pattern {source[:60]!r}")
    return tuple(compiled)


def _suggest(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else ""


def _type_name(kind: type | tuple[type, ...]) -> str:
    names = {str: "a string", bool: "true or false", int: "a whole number", list: "a list", dict: "a table"}
    kinds = kind if isinstance(kind, tuple) else (kind,)
    return " or ".join(names.get(k, k.__name__) for k in kinds)
