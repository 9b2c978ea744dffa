"""The machinery every rule-file table is validated with: key tables, locations, collected errors."""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import regex

from ..errors import RuleError
from . import patterns


@dataclass(frozen=True, slots=True)
class Key:
    kind: type | tuple[type, ...]
    required: bool = False
    choices: tuple[str, ...] = ()


class Locator:
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


class Collector:
    """Collects every error and warning of a load before failing."""

    def __init__(self) -> None:
        self.errors: list[RuleError] = []
        self.warnings: list[str] = []

    def error(self, where: str, what: str, fix: str = "") -> None:
        self.errors.append(RuleError(where, what, fix))


def tables(data: dict[str, Any], kind: str, where: Locator, found: Collector) -> list[dict[str, Any]]:
    value = data.get(kind, [])
    if not isinstance(value, list) or not all(isinstance(t, dict) for t in value):
        found.error(where.at(1), f"'{kind}' must be an array of tables", f"write [[{kind}]]")
        return []
    return value


def check(
    table: dict[str, Any], schema: dict[str, Key], label: str, where: Callable[[str], str], found: Collector
) -> bool:
    ok = True
    for key, value in table.items():
        spec = schema.get(key)
        if spec is None:
            found.error(where(key), f"{label}: unknown key '{key}'", suggest(key, schema) or "remove it")
            ok = False
        elif not isinstance(value, spec.kind):
            found.error(where(key), f"{label}: '{key}' must be {type_name(spec.kind)}")
            ok = False
        elif spec.choices and value not in spec.choices:
            found.error(
                where(key),
                f"{label}: '{key}' is '{value}'",
                suggest(str(value), spec.choices) or "one of " + ", ".join(spec.choices),
            )
            ok = False
    for key, spec in schema.items():
        if spec.required and key not in table:
            found.error(where(""), f"{label}: missing required key '{key}'")
            ok = False
    return ok


def strings(values: list[Any], key: str, label: str, at: Callable[[str], str], found: Collector) -> list[str]:
    bad = [v for v in values if not isinstance(v, str)]
    if bad:
        found.error(at(key), f"{label}: '{key}' must be a list of strings, found {bad[0]!r}")
    return [v for v in values if isinstance(v, str)]


def compile_all(
    values: list[Any], key: str, label: str, at: Callable[[str], str], found: Collector
) -> tuple[regex.Pattern[str], ...]:
    compiled = []
    known = patterns.known()
    for source in strings(values, key, label, at, found):
        try:
            compiled.append(known.compile(source))
        except regex.error as exc:
            found.error(at(key), f"{label}: {key}: {exc}", f"fix the pattern {source[:60]!r}")
    return tuple(compiled)


def suggest(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else ""


def type_name(kind: type | tuple[type, ...]) -> str:
    names = {str: "a string", bool: "true or false", int: "a whole number", list: "a list", dict: "a table"}
    kinds = kind if isinstance(kind, tuple) else (kind,)
    return " or ".join(names.get(k, k.__name__) for k in kinds)


def table_at(where: Locator, kind: str, index: int) -> Callable[[str], str]:
    """`at(key)`: the file:line of a key of the index-th [[kind]] table (its header for "")."""
    return lambda key: where.at(where.key(kind, index, key) if key else where.table(kind, index))
