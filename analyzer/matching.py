"""Matching: parsed records against the rules, into events with their fields.

Only rules whose keywords occur in a record are tried; of those that match, the one with the
highest priority (then the earliest loaded) names the event. Every pattern runs with a time limit.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime

import regex

from .models import Entry, Event
from .ruleset import MATCH_TIMEOUT, Rule, RuleSet

# Fields of structured records worth keeping on an event, by the last part of their key.
_STRUCTURED_FIELDS = {
    "status",
    "code",
    "type",
    "model",
    "organization",
    "request_id",
    "logger",
    "host",
    "app",
    "service",
    "deployment",
}


EVIDENCE_HEAD = 300  # characters kept from the start of a long record
EVIDENCE_AROUND = 1100  # and around where its rule matched (the report shows 1,500 at most)
MAX_FIELD = 500


def evidence_window(text: str, at: int) -> str:
    """A long record cut to its start and the part where the rule matched (a 20 MB line ends in an
    error): bounded memory, and the evidence shows what matters. The cuts are marked."""
    if len(text) <= EVIDENCE_HEAD + EVIDENCE_AROUND:
        return text
    start = max(EVIDENCE_HEAD, at - EVIDENCE_AROUND // 4)
    end = min(len(text), start + EVIDENCE_AROUND)
    head = text[:EVIDENCE_HEAD]
    middle = f" [... {start - EVIDENCE_HEAD:,} characters ...] " if start > EVIDENCE_HEAD else ""
    tail = f" [... {len(text) - end:,} characters ...]" if end < len(text) else ""
    return head + middle + text[start:end] + tail


@dataclass
class MatchStats:
    """Per-run counters of the matcher, kept apart from the frozen rules."""

    records: int = 0
    timeouts: int = 0
    timed_out: dict[str, int] = field(default_factory=dict)


class Matcher:
    """Matches one entry at a time against a rule set."""

    def __init__(self, ruleset: RuleSet, redact: Callable[[str], str], stats: MatchStats) -> None:
        self.ruleset, self.redact, self.stats = ruleset, redact, stats
        self.by_keyword: dict[str, list[Rule]] = {}
        for rule in ruleset.rules:
            for word in rule.keywords:
                self.by_keyword.setdefault(word, []).append(rule)
        order = {rule.id: i for i, rule in enumerate(ruleset.rules)}
        self.order = order
        words = sorted(self.by_keyword, key=len, reverse=True)
        self.find_keywords = re.compile("|".join(map(re.escape, words))).findall if words else None

    def candidates(self, text: str) -> list[Rule]:
        """Rules one of whose keywords is in `text`, best first."""
        if self.find_keywords is None:
            return []
        rules = {r.id: r for word in set(self.find_keywords(text)) for r in self.by_keyword[word]}
        return sorted(rules.values(), key=lambda r: (-r.priority, self.order[r.id]))

    def match(self, entry: Entry) -> Event | None:
        """The event this entry is, or None."""
        for rule in self.candidates(entry.text):
            found = self._try(rule, entry.text)
            if found is not None:
                return self._event(rule, entry, *found)
        return None

    def _try(self, rule: Rule, text: str) -> tuple[dict[str, str], int] | None:
        """The named groups and the start of the first pattern that matches, unless vetoed."""
        for pattern in rule.unless:
            if self._search(rule, pattern, text) is not None:
                return None
        for pattern in rule.patterns:
            m = self._search(rule, pattern, text)
            if m is not None:
                return {k: v for k, v in m.groupdict().items() if v is not None}, m.start()
        return None

    def _search(self, rule: Rule, pattern: regex.Pattern[str], text: str) -> regex.Match[str] | None:
        try:
            return pattern.search(text, timeout=MATCH_TIMEOUT)
        except TimeoutError:
            self.stats.timeouts += 1
            self.stats.timed_out[rule.id] = self.stats.timed_out.get(rule.id, 0) + 1
            return None

    def _event(self, rule: Rule, entry: Entry, groups: dict[str, str], at: int) -> Event:
        fields = self._fields(entry)
        fields.update(rule.fields)
        fields.update(groups)
        record = entry.record
        return Event(
            rule=rule.id,
            category=rule.category,
            outcome=rule.outcome,
            severity=rule.severity,
            retryable=rule.retryable,
            confidence=rule.confidence,
            time=entry.time,
            source=record.source,
            line=record.line,
            end_line=record.end_line,
            text=self.redact(evidence_window(entry.text, at)),
            fields={k: self.redact(v[:MAX_FIELD]) for k, v in fields.items()},
        )

    def _fields(self, entry: Entry) -> dict[str, str]:
        fields = {
            k.rsplit(".", 1)[-1]: v for k, v in entry.fields.items() if k.rsplit(".", 1)[-1] in _STRUCTURED_FIELDS and v
        }
        for extractor in self.ruleset.extractors:
            for pattern in extractor.patterns:
                try:
                    m = pattern.search(entry.text, timeout=MATCH_TIMEOUT)
                except TimeoutError:
                    self.stats.timeouts += 1
                    continue
                if m is not None:
                    fields.update({k: v for k, v in m.groupdict().items() if v is not None and k not in fields})
                    break
        return fields


def match(entries: Iterable[Entry], matcher: Matcher) -> Iterator[Event]:
    """Events of the entries, in input order; an entry without a time takes its source's last one."""
    last_time: dict[str, datetime] = {}
    for entry in entries:
        matcher.stats.records += 1
        event = matcher.match(entry)
        if entry.time is not None:
            last_time[entry.record.source] = entry.time
        if event is None:
            continue
        if event.time is None and entry.record.source in last_time:
            event = replace(event, time=last_time[entry.record.source])
        yield event
