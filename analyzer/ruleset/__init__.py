"""Rule files: TOML parsed, validated and frozen in one pass, every problem located at file:line.

A rule file holds any of these arrays of tables: `[[rule]]` (an error signature), `[[extractor]]`
(fields read from every matched record), `[[playbook]]` (remediation, in English and Japanese) and
`[[incident]]` (how events group into incidents). A later file's rule with the same id replaces the
earlier one: that is how `--rules` overrides a shipped rule.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .. import resources
from ..errors import RuleError, RuleSetError
from ..timestamps import parse_duration
from . import patterns
from .incidents import IncidentRule, IncidentType, Selector, Step, parse_incident
from .providers import Classifier, Generic, Provider, parse_generic, parse_provider
from .schema import Collector, Locator, suggest, tables
from .signatures import (
    LANGUAGES,
    MATCH_TIMEOUT,
    Extractor,
    Playbook,
    PlaybookText,
    Rule,
    parse_extractor,
    parse_playbook,
    parse_rule,
)

__all__ = [
    "LANGUAGES",
    "MATCH_TIMEOUT",
    "Classifier",
    "Extractor",
    "Generic",
    "IncidentRule",
    "IncidentType",
    "Playbook",
    "PlaybookText",
    "Provider",
    "Rule",
    "RuleSet",
    "Selector",
    "Step",
    "load",
    "parse_duration",
]

FILE_KEYS = {"rule", "extractor", "playbook", "incident", "aliases", "pack", "provider", "generic"}


@dataclass(frozen=True, slots=True)
class RuleSet:
    rules: tuple[Rule, ...]
    extractors: tuple[Extractor, ...]
    playbooks: Mapping[str, Playbook]
    incidents: tuple[IncidentRule, ...] = ()
    aliases: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # group-by field -> its other names
    warnings: tuple[str, ...] = ()
    files: tuple[str, ...] = ()
    providers: tuple[Provider, ...] = ()
    generic: tuple[Generic, ...] = ()
    derived: Mapping[str, Rule] = field(default_factory=dict)  # `<generic rule>.<key>`: what its events are
    errors: tuple[RuleError, ...] = ()  # what load(strict=False) found wrong: the tables in error are left out

    @property
    def classifier(self) -> Classifier:
        return Classifier(self.generic)

    def keywords(self) -> set[str]:
        """Every literal the prefilter must look for: each rule keyword, and one that is not ASCII also
        as JSON writes it escaped (`\\u5f53`, either case), as the prefilter reads the raw lines."""
        words = {k for rule in self.rules for k in rule.keywords}
        escaped = {json.dumps(w)[1:-1] for w in words if not w.isascii()}
        upper = {re.sub(r"\\u[0-9a-f]{4}", lambda m: "\\u" + m[0][2:].upper(), e) for e in escaped}
        return words | escaped | upper

    def call_keywords(self) -> list[str]:
        """The keywords that only successful-call rules have, sorted: a record with no others is a
        successful call or nothing (`Matcher.only_successes`)."""
        other = {k for rule in self.rules if not rule.call_success for k in rule.keywords}
        calls = {k for rule in self.rules if rule.call_success for k in rule.keywords}
        # The prefilter finds a line's keywords in its bytes: only those its text (no line end) holds too.
        return sorted(k for k in calls - other if k and "\n" not in k and "\r" not in k)

    def rule(self, rule_id: str) -> Rule | None:
        return next((r for r in self.rules if r.id == rule_id), None) or self.derived.get(rule_id)


@dataclass
class _Loaded:
    """What the files loaded so far define; a later definition of an id replaces the earlier."""

    rules: dict[str, Rule] = field(default_factory=dict)
    extractors: list[Extractor] = field(default_factory=list)
    playbooks: dict[str, Playbook] = field(default_factory=dict)
    incidents: dict[str, IncidentRule] = field(default_factory=dict)
    aliases: dict[str, tuple[str, ...]] = field(default_factory=dict)
    providers: dict[str, Provider] = field(default_factory=dict)
    generic: dict[str, Generic] = field(default_factory=dict)


def load(paths: Iterable[str | Path] = (), builtin: bool = True, strict: bool = True) -> RuleSet:
    """Load the shipped rules (unless `builtin` is False) and then `paths`, in order. Any problem raises
    RuleSetError with all of them; with `strict` False, the rule set of the tables that loaded is
    returned with the problems in its `errors` (`rules test` reports them and runs what it can)."""
    files = (resources.rule_files() if builtin else []) + [f for p in paths for f in _rule_files(Path(p))]
    found = Collector()
    loaded = _Loaded()
    for path in files:
        _load_file(path, found, loaded)
    patterns.known().save()
    _cross_check(loaded, found)
    if found.errors and strict:
        raise RuleSetError(found.errors)
    kinds = tuple(loaded.generic.values())
    rules = tuple(_with_names(r, kinds) if r.generic else r for r in loaded.rules.values())
    return RuleSet(
        rules,
        tuple(loaded.extractors),
        loaded.playbooks,
        tuple(loaded.incidents.values()),
        loaded.aliases,
        tuple(found.warnings),
        tuple(str(f) for f in files),
        tuple(loaded.providers.values()),
        kinds,
        {d.id: d for r in rules if r.generic for d in _derived(r, kinds)},
        tuple(found.errors),
    )


def _with_names(rule: Rule, kinds: tuple[Generic, ...]) -> Rule:
    """A generic rule's keywords are its shapes' and every kind's names (exception classes, transport
    words): it matches a record that holds one of its patterns, or one of those names as a word."""
    return replace(rule, keywords=tuple(dict.fromkeys([*rule.keywords, *(n for k in kinds for n in k.names)])))


def _derived(rule: Rule, kinds: tuple[Generic, ...]) -> list[Rule]:
    """The rules a generic rule's events are reported as, one for each kind."""
    return [
        replace(
            rule,
            id=f"{rule.id}.{k.key}",
            title=k.title,
            category=k.category,
            severity=k.severity,
            retryable=k.retryable,
            remediation=k.remediation or rule.remediation,
            keywords=(),
            patterns=(),
            examples_match=(),
            examples_no_match=(),
            location=k.location,
            generic=False,
        )
        for k in kinds
    ]


def _cross_check(loaded: _Loaded, found: Collector) -> None:
    """What refers to other definitions: remediations to playbooks, chained steps to incident rules."""
    _check_rules(loaded, found)
    for inc in loaded.incidents.values():
        _check_incident(inc, loaded, found)


def _check_rules(loaded: _Loaded, found: Collector) -> None:
    """Each rule's examples, playbook and source names; each generic kind's playbook."""
    names = {n for kind in loaded.generic.values() for n in kind.names}
    for rule in loaded.rules.values():
        if not rule.examples_match:
            found.warnings.append(
                f"{rule.location}: rule '{rule.id}' has no examples.match ('rules test' cannot check it)"
            )
        _check_playbook(f"rule '{rule.id}'", rule.remediation, rule.location, loaded, found)
    for kind in loaded.generic.values():
        _check_playbook(f"generic '{kind.key}'", kind.remediation, kind.location, loaded, found)
    for rule in loaded.rules.values():
        for name in sorted(rule.source_names - names):
            found.error(
                rule.location, f"rule '{rule.id}': source name '{name}' is no [[generic]] name", suggest(name, names)
            )


def _check_incident(inc: IncidentRule, loaded: _Loaded, found: Collector) -> None:
    """An incident rule's playbook, the rules its examples name and the incident rules its steps chain."""
    _check_playbook(f"incident '{inc.id}'", inc.remediation, inc.location, loaded, found)
    for example in inc.examples:
        for _, rule_id, _ in example.events:
            if rule_id not in loaded.rules:
                found.error(
                    inc.location,
                    f"incident '{inc.id}': example event names unknown rule '{rule_id}'",
                    suggest(rule_id, loaded.rules) or "use a rule id from 'logscan rules list'",
                )
    for name in [i for step in inc.steps for i in step.select.incidents]:
        if name not in loaded.incidents or name == inc.id:
            found.error(
                inc.location,
                f"incident '{inc.id}': step selects unknown incident rule '{name}'",
                suggest(name, loaded.incidents) or "chain only rules defined before or after it",
            )


def _check_playbook(label: str, playbook: str, location: str, loaded: _Loaded, found: Collector) -> None:
    if playbook and playbook not in loaded.playbooks:
        found.error(
            location,
            f"{label}: remediation '{playbook}' is no playbook",
            suggest(playbook, loaded.playbooks) or "add a [[playbook]] with that id",
        )


def _rule_files(path: Path) -> list[Path]:
    if path.is_dir():
        return sorted(path.rglob("*.toml"))
    if not path.exists():
        raise RuleSetError([RuleError(str(path), "no such rule file or folder", "check --rules")])
    return [path]


def _load_file(path: Path, found: Collector, loaded: _Loaded) -> None:
    name = resources.display_name(path)
    read = _read_toml(path, name, found)
    if read is None:
        return
    text, data = read
    where = Locator(name, text)
    for key in data:
        if key not in FILE_KEYS:
            found.error(where.at(1), f"unknown table '{key}'", suggest(key, FILE_KEYS) or "use [[rule]]")
    for key, parse, add in _TABLES:
        for index, table in enumerate(tables(data, key, where, found)):
            item = parse(table, where, index, found)
            if item is not None:
                add(loaded, item, name, found)
    _aliases(data.get("aliases", {}), where, found, loaded)


# Each kind of table a rule file holds: its key, its parser, and where a parsed one goes (`_define`
# refuses an id defined twice in one file).
_TABLES: tuple[tuple[str, Callable[..., Any], Callable[[_Loaded, Any, str, Collector], None]], ...] = (
    ("rule", parse_rule, lambda loaded, r, name, found: _define(loaded.rules, r.id, r, r.location, name, found)),
    ("extractor", parse_extractor, lambda loaded, x, _name, _found: loaded.extractors.append(x)),
    ("playbook", parse_playbook, lambda loaded, p, _name, _found: loaded.playbooks.__setitem__(p.id, p)),
    (
        "incident",
        parse_incident,
        lambda loaded, i, name, found: _define(loaded.incidents, i.id, i, i.location, name, found),
    ),
    (
        "provider",
        parse_provider,
        lambda loaded, p, name, found: _define(loaded.providers, p.id, p, p.location, name, found),
    ),
    (
        "generic",
        parse_generic,
        lambda loaded, k, name, found: _define(loaded.generic, k.key, k, k.location, name, found),
    ),
)


# What a TOML text nests in: `[`, `{` and their ends, outside strings and comments; newlines, to count lines.
_NESTING = re.compile(
    r"'''.*?'''"  # a multi-line literal string
    r'|"""(?:\\.|[^\\])*?"""'  # a multi-line basic string
    r"|'[^'\n]*'"
    r'|"(?:\\.|[^"\\\n])*"'
    r"|#[^\n]*|[\[\]{}\n]",
    re.S,
)
MAX_NESTING = 100  # far deeper than any rule file; tomllib's recursion runs out at a few hundred


def deep_line(text: str) -> int:
    """The line where arrays and inline tables first nest over MAX_NESTING deep (else 1)."""
    depth, line = 0, 1
    for token in _NESTING.findall(text):
        if token in ("[", "{"):
            depth += 1
            if depth > MAX_NESTING:
                return line
        elif token in ("]", "}"):
            depth = max(0, depth - 1)
        else:
            line += token.count("\n")
    return 1


def _read_toml(path: Path, name: str, found: Collector) -> tuple[str, dict[str, Any]] | None:
    """The file's text and its TOML, or None when it cannot be read (the problem is in `found`)."""
    try:
        text = path.read_text(encoding="utf-8")
        return text, tomllib.loads(text)
    except (OSError, UnicodeDecodeError) as exc:
        found.error(name, f"cannot read rule file: {exc}")
    except tomllib.TOMLDecodeError as exc:
        line = re.search(r"at line (\d+)", str(exc))
        found.error(f"{name}:{line.group(1) if line else 1}", f"invalid TOML: {re.sub(r' [(]at line.*', '', str(exc))}")
    except RecursionError:  # tomllib reads nested arrays and inline tables by recursion
        found.error(
            f"{name}:{deep_line(text)}",
            f"arrays or inline tables nested over {MAX_NESTING} deep (too deep to read)",
            "flatten them",
        )
    return None


def _define(table: dict[str, Any], key: str, value: Any, location: str, file: str, found: Collector) -> None:
    if key in table and table[key].location.split(":")[0] == file:
        found.warnings.append(f"{location}: duplicate id '{key}' (the later one wins)")
    table.pop(key, None)
    table[key] = value


def _aliases(value: Any, where: Locator, found: Collector, loaded: _Loaded) -> None:
    """`[aliases] organization = ["org", "openai_organization"]`: other names of a group-by field."""
    if not isinstance(value, dict) or not all(isinstance(v, list) for v in value.values()):
        found.error(where.at(1), "'aliases' must map a field to a list of its other names")
        return
    for name, others in value.items():
        loaded.aliases[name] = tuple(dict.fromkeys([*loaded.aliases.get(name, ()), *map(str, others)]))
