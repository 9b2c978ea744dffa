"""Matching: parsed records against the rules, into events with their fields.

Only rules whose keywords occur in a record are tried; of those that match, the one with the
highest priority (then the earliest loaded) names the event. Every pattern runs with a time limit,
and all the patterns tried on one record share a budget, so fifty slow rules cannot add up.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Protocol, cast

import regex

from . import memo, timelimit
from .attribution import DECISIVE, Attributor, Verdict, plain
from .framing.context import OWN, PAST_PROMPT, PRIOR_LINE, SESSION
from .framing.prefixes import logfmt_message
from .lane.columns import LaneBatch, Successes
from .memo import Found, Memo, Recording, Taken
from .models import APP_RETRY, SDK_RETRY, Category, Entry, Event, Fields, Outcome, Record
from .parsing import logged_text
from .prefilter import KeywordSet, PatternGate
from .ruleset import MATCH_TIMEOUT, Rule, RuleSet
from .ruleset.providers import status_number

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


RECORD_BUDGET = 8 * MATCH_TIMEOUT  # seconds all the patterns tried on one record may take together (one search
# that timelimit's watchdog bounds may overrun it by one MATCH_TIMEOUT: the budget is checked between searches)
# Seconds of searches stopped at their time limit one rule (or extractor) may spend in a run, in each process:
# then it is not tried again, and the records it was not tried on are counted (MatchStats.stopped).
RULE_BUDGET = 20 * MATCH_TIMEOUT
EVIDENCE_HEAD = 300  # characters kept from the start of a long record
EVIDENCE_AROUND = 1100  # and around where its rule matched (the report shows 1,500 at most)
MAX_FIELD = 500
SHARED = 4096  # distinct field sets (and field values) that events share one copy of
SHARED_CHARACTERS = 1024  # a field set remembered is at most this long
# Redaction sees this much more text than is kept on each side of a cut, so a secret across the cut
# is recognised whole; it also bounds the text redacted per event (a 20 MB record is not redacted whole).
REDACT_MARGIN = 4096
LONG_RECORD = 1 << 18  # characters: a longer record is matched only around its keywords
FOCUS = 1 << 14  # characters searched on each side of a keyword in a long record


def stopped_note(name: str, records: int) -> str:
    """What the report says of a rule (or extractor) stopped at RULE_BUDGET."""
    what = name if name.startswith("extractor ") else f"rule '{name}'"
    return (
        f"{what} spent {RULE_BUDGET:g} s in searches stopped at their time limit and was not tried again: "
        f"{records:,} more record(s) were not searched with it (is a pattern of it slow?)"
    )


def extractor_gate(ruleset: RuleSet, engine: str = "auto") -> PatternGate:
    """The gate of the rule set's field extractors (one for many matchers: it compiles once)."""
    return PatternGate([p for x in ruleset.extractors for p in x.patterns], engine)


def evidence_window(text: str, at: int, redact: Callable[[str], str] = str) -> str:
    """A long record cut to its start and the part where the rule matched (a 20 MB line ends in an
    error): bounded memory, and the evidence shows what matters. The cuts are marked. Each kept part
    is redacted with its surroundings, so a secret that a cut splits is still recognised whole."""
    if len(text) <= EVIDENCE_HEAD + EVIDENCE_AROUND:
        return redact(text)
    start = max(EVIDENCE_HEAD, at - EVIDENCE_AROUND // 4)
    end = min(len(text), start + EVIDENCE_AROUND)
    head = _redacted_slice(text, 0, EVIDENCE_HEAD, redact)
    middle = f" [... {start - EVIDENCE_HEAD:,} characters ...] " if start > EVIDENCE_HEAD else ""
    tail = f" [... {len(text) - end:,} characters ...]" if end < len(text) else ""
    return head + middle + _redacted_slice(text, start, end, redact) + tail


def _redacted_slice(text: str, start: int, end: int, redact: Callable[[str], str]) -> str:
    """text[start:end] redacted as part of REDACT_MARGIN characters around it. Where a secret crosses
    a cut, the offsets into the redacted text are approximate, but every character is redacted."""
    lo = max(0, start - REDACT_MARGIN)
    region = redact(text[lo : end + REDACT_MARGIN])
    return region[len(redact(text[lo:start])) : len(redact(text[lo:end]))]


@dataclass
class MatchStats:
    """Per-run counters of the matcher, kept apart from the frozen rules."""

    records: int = 0
    timeouts: int = 0  # patterns stopped by their time limit, or not tried once the record's budget was spent
    timed_out: dict[str, int] = field(default_factory=dict)
    excluded: dict[str, int] = field(default_factory=dict)  # failures another provider answered, by its name
    # by source: records attributed to OpenAI, and records that showed another provider (attribution by source)
    openai_records: dict[str, int] = field(default_factory=dict)
    other_records: dict[str, int] = field(default_factory=dict)
    spent: dict[str, float] = field(default_factory=dict)  # seconds of searches stopped at their limit, by rule
    stopped: dict[str, int] = field(default_factory=dict)  # records not tried by a rule past RULE_BUDGET


class ContextReader(Protocol):
    """What reads a record's context (framing.Around.of): its command's lines, or as far as `reach` says
    (framing.context's PAST_PROMPT, SESSION), or the line before it where that may be its request's (PRIOR_LINE)."""

    def __call__(self, record: Record, reach: int = OWN, /) -> str: ...


Placed = tuple[Record, ContextReader | None]  # a record, and what reads its context
BY_SOURCE = "source"  # an event's `attributed` field: OpenAI's only if the rest of its source shows OpenAI


@dataclass(frozen=True, eq=False)
class Compiled:
    """What matching reads of a rule set, the same for each matcher of a run: made once and shared (the
    parts of a file each had a matcher of their own, and making this took 2.6 ms a part)."""

    by_keyword: dict[str, list[Rule]]
    order: dict[str, int]  # of the rules, for the candidates' order
    literals: dict[regex.Pattern[str], str]  # the text of each pattern that is plain text
    keywords: KeywordSet
    attributor: Attributor
    names: frozenset[str]  # a generic rule's words
    over_status: tuple[str, ...]  # the words of them that tell the kind over a status (Generic.over_status)
    shapes: frozenset[str]  # the providers that are shapes a gateway's own answer has too (Provider.shape), by name

    @classmethod
    def of(cls, ruleset: RuleSet, engine: str = "auto") -> Compiled:
        by_keyword: dict[str, list[Rule]] = {}
        for rule in ruleset.rules:
            for word in rule.keywords:
                by_keyword.setdefault(word, []).append(rule)
        patterns = [p for rule in ruleset.rules for p in (*rule.patterns, *rule.unless)]
        return cls(
            by_keyword,
            {rule.id: i for i, rule in enumerate(ruleset.rules)},
            {p: text for p in patterns if (text := literal(p)) is not None},
            KeywordSet(by_keyword, engine),
            Attributor(ruleset.providers, engine),
            frozenset(n for kind in ruleset.generic for n in kind.names),
            tuple(n for kind in ruleset.generic for n in kind.over_status),
            frozenset(p.name for p in ruleset.providers if p.shape),
        )


class Matcher:
    """Matches one entry at a time against a rule set."""

    def __init__(
        self,
        ruleset: RuleSet,
        redact: Callable[[str], str],
        stats: MatchStats,
        engine: str = "auto",
        gate: PatternGate | None = None,
        compiled: Compiled | None = None,
    ) -> None:
        self.ruleset, self.redact, self.stats = ruleset, redact, stats
        compiled = compiled or Compiled.of(ruleset, engine)
        self.by_keyword, self.order, self.literals = compiled.by_keyword, compiled.order, compiled.literals
        self.keywords, self.attributor, self.names = compiled.keywords, compiled.attributor, compiled.names
        self.shapes, self.over_status = compiled.shapes, compiled.over_status
        self.successes = Successes()  # the successful calls matched, kept apart from the events
        self._shared: dict[tuple[tuple[str, str], ...], Mapping[str, str]] = {}
        self._redacted: dict[str, str] = {}  # a field value: the value redacted and cut
        self._names: dict[tuple[str, ...], tuple[str, ...]] = {}  # one tuple for each set of field names
        self.last_time: dict[str, datetime] = {}  # of each source's last record that had one
        self.deadline = 0.0  # of the record being matched (time.monotonic)
        self.stopped: set[str] = set()  # rules and extractors past RULE_BUDGET (their names, as MatchStats has them)
        self.spans: list[tuple[int, int]] = []  # where in it patterns are searched
        self._ranked: dict[frozenset[str], tuple[list[Rule], bool]] = {}  # by the keywords found
        self.extractor_gate = gate or extractor_gate(ruleset, engine)  # skips the patterns that cannot match
        # The extractors' patterns in the gate's order (extractor by extractor), each with the number of
        # its extractor and that extractor's name for timeout counts.
        self.extractor_tries = [
            (n, f"extractor '{x.name}'", pattern) for n, x in enumerate(ruleset.extractors) for pattern in x.patterns
        ]
        self.classifier = ruleset.classifier
        self.memo = Memo()  # what matching made of each template of record (memo.key)
        self.recording: Recording | None = None  # of the record being matched, for the memo

    def candidates(self, text: str) -> list[Rule]:
        """Rules one of whose keywords is in `text` (overlapping keywords too), best first."""
        return self.rank(self.keywords.find(text))[0]

    def rank(self, words: frozenset[str]) -> tuple[list[Rule], bool]:
        """The rules of these keywords, best first, and whether all are successful-call rules.
        Memoised: a log has few combinations of keywords."""
        known = self._ranked.get(words)
        if known is None:
            rules = sorted(
                {r.id: r for word in words for r in self.by_keyword[word]}.values(),
                key=lambda r: (-r.priority, self.order[r.id]),
            )
            calls = all(r.call_success for r in rules)
            known = self._ranked[words] = (rules, calls)
        return known

    def match(self, entry: Entry, around: ContextReader | None = None) -> Event | None:
        """The event this entry is, or None; `around` reads its record's context (framing.Around.of).
        Matched once per template of record (memo.key), replayed for the others."""
        known = None if self.stopped else memo.key(entry)
        if known is None:
            return self._matched(entry, around)
        remembered = self.memo.get(known)
        if remembered is not None:
            if self._same_verdict(remembered, entry, around):
                return self._replay(remembered, entry)
            return self._matched(entry, around)
        recording = self.recording = Recording()
        timeouts = self.stats.timeouts
        try:
            found = self._first_of(entry, around)
            event = self._event(*found, entry) if found is not None else None
        finally:
            self.recording = None
        if recording.plain and self.stats.timeouts == timeouts and not self.stopped:
            rule, at = (found[0], found[2]) if found is not None else (None, 0)
            if found is not None:
                recording.take_groups(found[1])
            if recording.plain:
                self.memo.put(known, recording.found(rule, at, entry.text))
        return event

    def _matched(self, entry: Entry, around: ContextReader | None) -> Event | None:
        found = self._first_of(entry, around)
        return self._event(*found, entry) if found is not None else None

    def _first_of(self, entry: Entry, around: ContextReader | None) -> tuple[Rule, dict[str, str], int] | None:
        """`first` of the entry's candidate rules, on its text with typographic quotes as ASCII (`plain`)."""
        text = plain(entry.text)
        return self.first(self.candidates(text), text, (entry.record, around), entry.record.source)

    def _same_verdict(self, found: Found, entry: Entry, around: ContextReader | None) -> bool:
        """Whether the record shows whose failure it is as the first of its key did: where that took the
        lines around the record, they are read again. The record alone did not decide it (the key's text
        did not), so the record with its lines is all there is to read (the record alone, searched
        first, cost an outage's failed call 17 us of its 20)."""
        if found.verdict is None or not found.context:
            return True
        shown = _shown(entry.record.text, entry.text)
        verdict = self._in_context(None, shown, (entry.record, around))
        return (verdict.openai, verdict.other) == found.verdict

    def _replay(self, found: Found, entry: Entry) -> Event | None:
        """What `match` made of the first record of the entry's key, for this entry."""
        if found.verdict is not None:
            openai, other = found.verdict
            self._count(openai, other, entry.record.source)
            if other and not self._gateways_own(found.rule, other):
                self.stats.excluded[other] = self.stats.excluded.get(other, 0) + 1
                return None
        if found.rule is None:
            return None
        groups = dict(found.values(found.groups, entry.text))
        return self._event(found.rule, groups, found.at, entry, found.extracted)

    def first(
        self, rules: list[Rule], text: str, record: Placed | None = None, source: str = ""
    ) -> tuple[Rule, dict[str, str], int] | None:
        """The first of the rules that matches the text, its named groups and where it matched. A
        failure of OpenAI's is not taken where the record (its text and context, else the text) shows
        another provider. One of a rule that needs a mark of OpenAI's, where the record shows none, is taken
        only when it names one of the rule's `source_names` (an OpenAI SDK's exception) and no other
        rule matches, marked to be kept only if its source shows OpenAI (BY_SOURCE)."""
        self._start(rules, text)
        verdict: Verdict | None = None
        unshown: tuple[Rule, dict[str, str], int] | None = None
        for rule in rules:
            found = None if self.stopped and self._is_stopped(rule.id) else self._try(rule, text)
            if found is None:
                continue
            if not _attributed(rule):
                return rule, *found
            verdict = verdict or self._attribute(_shown(record[0].text, text) if record else text, record, source)
            if self._gateways_own(rule, verdict.other):
                return rule, *found
            if verdict.other:
                self.stats.excluded[verdict.other] = self.stats.excluded.get(verdict.other, 0) + 1
                return None
            # a failure whose words tell it (attribution "named": OpenAI's, or a gateway's own refusal for no other
            # provider's call), or one the record shows is OpenAI's, or made in front of OpenAI (a gateway's "marker")
            if rule.attribution != "marker" or verdict.openai:
                return rule, *found
            if unshown is None and any(name in text for name in rule.source_names):
                unshown = (rule, {**found[0], "attributed": BY_SOURCE}, found[1])
        return unshown

    def _gateways_own(self, rule: Rule | None, other: str) -> bool:
        """Whether the other provider a record shows is only a shape a gateway's own answer has too (a body
        that is not OpenAI's, as Cloudflare AI Gateway's code 2005; a local host; a URL not OpenAI's), and the
        rule a gateway's."""
        return bool(other) and rule is not None and rule.category is Category.GATEWAY and other in self.shapes

    def _start(self, rules: list[Rule], text: str) -> None:
        """A record's search begins: where its patterns are looked for, and its time budget."""
        self.spans = (
            [(0, len(text))] if len(text) <= LONG_RECORD else focus(text, [w for r in rules for w in r.keywords])
        )
        self.deadline = time.monotonic() + RECORD_BUDGET

    def _attribute(self, text: str, record: Placed | None, source: str) -> Verdict:
        """Whose failure the text shows, with its record's context unless the text alone shows OpenAI's
        strong mark; counted for its source."""
        verdict = self._verdict(text, record)
        self._count(verdict.openai, verdict.other, source)
        if self.recording is not None:
            self.recording.verdict = (verdict.openai, verdict.other)
        return verdict

    def _verdict(self, text: str, record: Placed | None) -> Verdict:
        verdict = self.attributor.verdict(text)
        if verdict is not DECISIVE and record is not None and record[1] is not None and not _elsewhere(text):
            if self.recording is not None:
                self.recording.context = True
            verdict = self._in_context(verdict, text, record)
        return verdict

    def _in_context(self, verdict: Verdict | None, text: str, record: Placed) -> Verdict:
        """The verdict on the text with its record's context (its command's own lines; where they show no one's
        mark, the commands' before a shell's prompt, a provider set up there, and then the banner of the session it
        is in); `verdict`, the text's alone where it was read (None: it was not, the text is read with its lines)."""
        around = record[1]
        if around is None:
            return verdict if verdict is not None else self.attributor.verdict(text)
        lines = around(record[0])
        if lines or verdict is None:
            verdict = self.attributor.verdict(f"{text}\n{lines}" if lines else text)
        for reach in (PAST_PROMPT, SESSION):
            if verdict.openai or verdict.other:
                break
            wider = around(record[0], reach)
            if wider:
                verdict = self.attributor.verdict(f"{text}\n{wider}")
        if verdict.openai and not verdict.strong:
            verdict = self._requested(verdict, text, around(record[0], PRIOR_LINE))
        return verdict

    def _requested(self, verdict: Verdict, text: str, prior: str) -> Verdict:
        """A failure that shows only a weak mark of OpenAI's (an SDK's or a class's name: `openai_embedder`), just after
        its HTTP client's line of the request it answers (an API's path, and the status the failure tells by its number
        or its SDK class's name), whose URL is another provider's: that provider's. Not a line of another request (a
        vector store's, a 529 beside a connection error)."""
        if not prior:  # (none, or one to OpenAI's host: framing.context reads no other)
            return verdict
        m = _HTTPX_REQUEST.search(prior) or _URLLIB3_REQUEST.search(prior)
        if m is None or _API_PATH.search(m[0]) is None:
            return verdict
        status = m["status"]
        name = _STATUS_NAMES.get(status, "InternalServer" if status.startswith("5") else "")
        if re.search(rf"\b{status}\b", text) is None and not (name and name in text):
            return verdict
        shown = self.attributor.verdict(prior)
        return Verdict(False, shown.other) if shown.other and not shown.openai else verdict

    def _count(self, openai: bool, other: str, source: str) -> None:
        """A record counted for its source: as OpenAI's, or as another provider's."""
        tally = self.stats.openai_records if openai else self.stats.other_records if other else None
        if tally is not None:
            tally[source] = tally.get(source, 0) + 1

    def _is_stopped(self, name: str) -> bool:
        """Whether a rule or extractor is past its budget; a record it is not tried on is counted."""
        if name not in self.stopped:
            return False
        self.stats.stopped[name] = self.stats.stopped.get(name, 0) + 1
        return True

    def only_successes(self, text: str) -> list[Rule] | None:
        """The candidate rules of the text when all of them are successful-call rules, else None."""
        rules, calls = self.rank(self.keywords.find(text))
        return rules if calls else None

    def success(self, rules: list[Rule], text: str, matched: bool | None = None) -> str | None:
        """The successful-call rule that matches a one-line record whose candidates are all such rules
        (`only_successes`), as `match` would find it; None when none does. `matched`: whether the one
        pattern of the one rule matches in the line, when the prefilter told."""
        if matched is not None and len(text) <= LONG_RECORD:  # the prefilter's answer: the search's
            return rules[0].id if matched else None
        if len(rules) == 1 and rules[0].single is not None and len(text) <= LONG_RECORD:
            found = None if self.stopped and self._is_stopped(rules[0].id) else self._single(rules[0], text)
        else:
            found = self.first(rules, text)
        return None if found is None else found[0].id

    def took(self, taken: LaneBatch) -> None:
        """Records the successful-call lane took in `match`'s stead: counted, the source's last time
        moved (an untimed event after them takes it), the successful calls among them added."""
        self.stats.records += taken.records
        self.last_time[taken.source] = taken.last
        if taken.keyed:
            self.successes.add_keyed(taken.rules, cast(list[int], taken.times), taken.zone, taken.source, taken.lines)
            return
        for rule, when, line in zip(taken.rules, cast(list[datetime], taken.times), taken.lines, strict=True):
            self.successes.add(rule, when, taken.source, line, line)

    def _single(self, rule: Rule, text: str) -> tuple[Rule, dict[str, str], int] | None:
        """`first` for one rule of one pattern and no `unless`, on a short text: one timed search."""
        try:
            m = timelimit.search(rule.patterns[0], text, 0, len(text), MATCH_TIMEOUT)
        except TimeoutError:
            self._timed_out(rule.id, MATCH_TIMEOUT)
            return None
        return None if m is None else (rule, {}, m.start())

    def _try(self, rule: Rule, text: str) -> tuple[dict[str, str], int] | None:
        """The named groups and the start of the first pattern that matches, unless vetoed. A
        pattern that is plain text is looked for with str.find (no groups, no time limit needed)."""
        literals = self.literals
        for pattern in rule.unless:
            literal = literals.get(pattern)
            if (self._find(literal, text) if literal is not None else self._search(rule.id, pattern, text)) is not None:
                return None
        for pattern in rule.patterns:
            literal = literals.get(pattern)
            if literal is not None:
                at = self._find(literal, text)
                if at is not None:
                    return {}, at
                continue
            m = self._search(rule.id, pattern, text)
            if m is not None:
                groups = {k: v for k, v in m.groupdict().items() if v is not None}
                return memo.Placed(groups, {k: m.span(k) for k in groups}) if self.recording else groups, m.start()
        return self._named(text) if rule.generic else None

    def _named(self, text: str) -> tuple[dict[str, str], int] | None:
        """A generic rule's match by name: the earliest of the [[generic]] names in the text as a word
        (the keywords found in it tell which may be there)."""
        best: tuple[int, str] | None = None
        for name in self.keywords.find(text) & self.names:
            at = _word_at(text, name)
            if at is not None and (best is None or at < best[0]):
                best = (at, name)
        if best is None:
            return None
        at, name = best
        return memo.Placed({"name": name}, {"name": (at, at + len(name))}), at

    def _find(self, literal: str, text: str) -> int | None:
        """Where `literal` first occurs wholly inside one of the record's spans, as a search of a
        pattern of that text would find it; None if nowhere."""
        for start, end in self.spans:
            at = text.find(literal, start, end)
            if at >= 0:
                return at
        return None

    def _search(self, name: str, pattern: regex.Pattern[str], text: str) -> regex.Match[str] | None:
        """The first match in the record's spans, within the pattern's time limit and the record's
        budget; else None, a timeout counted."""
        limit = 0.0  # (the record's budget spent before the search: it took no time)
        try:
            for start, end in self.spans:
                left = self.deadline - time.monotonic()
                if left <= 0:
                    limit = 0.0
                    raise TimeoutError
                limit = min(MATCH_TIMEOUT, left)
                m = timelimit.search(pattern, text, start, end, limit)
                if m is not None:
                    return m
        except TimeoutError:
            self._timed_out(name, limit)
        return None

    def _timed_out(self, name: str, seconds: float) -> None:
        """A search stopped at its limit (it took `seconds`, at most) or not tried: counted, and charged
        to its rule's budget."""
        stats = self.stats
        stats.timeouts += 1
        stats.timed_out[name] = stats.timed_out.get(name, 0) + 1
        spent = stats.spent[name] = stats.spent.get(name, 0.0) + seconds
        if spent >= RULE_BUDGET and name not in self.stopped:
            self.stopped.add(name)
            stats.stopped.setdefault(name, 0)

    def _event(
        self, rule: Rule, groups: dict[str, str], at: int, entry: Entry, extracted: tuple[Taken, ...] | None = None
    ) -> Event | None:
        """The event of a record its rule matched; `extracted`: the extractors' fields, as the memo has them."""
        if rule.call_success:
            return self._success(rule, entry)
        fields = self._fields(entry, extracted)
        fields.update(rule.fields)
        fields.update(groups)
        inner = fields.pop("inner_status", "")
        named = fields.pop("status_name", "")
        if named and not fields.get("status"):
            fields["status"] = status_number(named)
        if rule.generic:  # reported as the kind its code, status or name tells
            if "name" not in fields:  # (a status matched first: a name that tells the kind over it is looked for)
                over = next((n for n in self.over_status if n in entry.text), None)
                if over is not None:
                    fields["name"] = over
            if inner and fields.get("status", "")[:1] == "5":  # a wrapper's 5xx around the call's 4xx
                fields["status"], fields["outer_status"] = inner, fields["status"]
            kind = self.classifier.kind(fields)
            derived = self.ruleset.derived.get(f"{rule.id}.{kind.key}") if kind else None
            if derived is None:
                return None
            rule = derived
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
            text=evidence_window(*logged_text(entry, at), self.redact),
            fields=self._share(fields),
        )

    def _share(self, fields: dict[str, str]) -> Mapping[str, str]:
        """The fields redacted and cut to MAX_FIELD, as Fields; the failed calls of an outage mostly
        carry the same ones, so one set of them is made and kept for all, and a value seen before is
        not redacted again. Events never change their fields. SHARED sets, values and sets of names
        at most are remembered, short ones only."""
        key = tuple((k, v[: MAX_FIELD + REDACT_MARGIN]) for k, v in fields.items())
        kept = self._shared.get(key)
        if kept is not None:
            return kept
        memo = self._redacted
        values = []
        for _, v in key:
            value = memo.get(v)
            if value is None:
                value = self.redact(v)[:MAX_FIELD]
                if len(memo) < SHARED and len(v) <= SHARED_CHARACTERS:
                    memo[v] = value
            values.append(value)
        names = tuple(fields)
        kept = Fields(self._names.setdefault(names, names) if len(self._names) < SHARED else names, tuple(values))
        if len(self._shared) < SHARED and sum(len(v) for _, v in key) <= SHARED_CHARACTERS:
            self._shared[key] = kept
        return kept

    def _success(self, rule: Rule, entry: Entry) -> Event:
        """A successful call: only its time and place matter (recovery, share of calls failed), so no
        fields, no text and no redaction; most matched records of a healthy day are these."""
        record = entry.record
        return Event(
            rule.id,
            None,
            Outcome.SUCCESS,
            rule.severity,
            rule.retryable,
            rule.confidence,
            entry.time,
            record.source,
            record.line,
            record.end_line,
            "",
            {},
        )

    def _fields(self, entry: Entry, extracted: tuple[Taken, ...] | None = None) -> dict[str, str]:
        """The record's own fields (of a structured record), then the extractors' where it has none."""
        fields = {
            k.rsplit(".", 1)[-1]: v for k, v in entry.fields.items() if k.rsplit(".", 1)[-1] in _STRUCTURED_FIELDS and v
        }
        text = entry.text
        for name, value, start, end in self._extracted(text) if extracted is None else extracted:
            if name not in fields:
                fields[name] = value if start < 0 else text[start:end]
        return fields

    def _extracted(self, text: str) -> list[Taken]:
        """The named groups of each extractor's first match, in order, with their places."""
        found: list[Taken] = []
        tries, matched = self.extractor_tries, -1
        for index in sorted(self.extractor_gate.possible(text)):  # the patterns that may match, in order
            extractor, label, pattern = tries[index]
            if extractor == matched or (self.stopped and self._is_stopped(label)):  # (an extractor's first match)
                continue
            m = self._search(label, pattern, text)
            if m is not None:
                found += [(k, v, *m.span(k)) for k, v in m.groupdict().items() if v is not None]
                matched = extractor
        if self.recording is not None:
            self.recording.extracted = found
        return found


# Plain characters and backslash-escaped punctuation: a pattern of these matches its own text only.
_LITERAL = regex.compile(r"(?:[^\\.^$*+?{}\[\]|()]|\\[^\w\s])+")  # not VERBOSE: spaces and # are plain
_CHANGES_MATCHING = regex.IGNORECASE | regex.VERBOSE | regex.FULLCASE | regex.WORD | regex.ASCII


def _shown(logged: str, parsed: str) -> str:
    """What tells whose failure a record is: its text as logged, and where parsing changed that (a JSON
    record's message and error text, its escapes undone: `\\"code\\": ...` is `"code": ...`), the parsed
    text too; and a message that is only part of its line (a JSON line's, a logfmt line's `msg="..."`) on a line
    of its own, where a mark is read to a line's end (`openai.InternalServerError: Internal Server Error` and no
    more: a body that is no JSON)."""
    if logged.endswith(parsed):
        quoted = logfmt_message(logged)
        return logged if quoted is None else f"{logged}\n{quoted}"
    return f"{logged}\n{parsed}"


# An HTTP client's line of a request that failed, with its URL: httpx's `HTTP Request: POST https://host/v1/embeddings
# "HTTP/1.1 400 Bad Request"` (as openai-python logs each request at INFO), urllib3's `https://host:443 "POST /v1/...
# HTTP/1.1" 400`; a path of an OpenAI-shaped API's; and the names the SDKs give an answer's status (openai-python's
# and openai-node's classes: BadRequestError, RateLimitError, ...)
_HTTPX_REQUEST = re.compile(r'HTTP Request: [A-Z]{3,7} https?://\S+ "HTTP/[\d.]+ (?P<status>[45]\d\d)')
_URLLIB3_REQUEST = re.compile(r'https?://\S+ "[A-Z]{3,7} \S+ HTTP/[\d.]+" (?P<status>[45]\d\d)')
_API_PATH = re.compile(r"/v1/|/(?:chat/)?completions\b|/embeddings\b|/responses\b|/audio/|/images/|/moderations\b")
_STATUS_NAMES = {
    "400": "BadRequest",
    "401": "Authentication",
    "403": "PermissionDenied",
    "404": "NotFound",
    "409": "Conflict",
    "422": "UnprocessableEntity",
    "429": "RateLimit",
}


def _elsewhere(text: str) -> bool:
    """Whether a record's first line is an HTTP client's line of a request that failed (httpx's, urllib3's) whose URL
    is none of OpenAI's: the line names where its request went, and the lines around it (another call's, as OpenAI's
    `200 OK` just before an app's 401 from its own database's REST API) say nothing of it."""
    line = text.partition("\n")[0]
    if "HTTP/" not in line:
        return False
    m = _HTTPX_REQUEST.search(line) or _URLLIB3_REQUEST.search(line)
    return m is not None and "openai" not in m[0].lower()


def _attributed(rule: Rule) -> bool:
    """Whether a match of the rule is a failure whose provider the record must show: OpenAI's, or a
    gateway's own refusal (not when the call went to another provider)."""
    return rule.outcome is Outcome.FAILURE and (rule.provider == "openai" or rule.category is Category.GATEWAY)


def literal(pattern: regex.Pattern[str]) -> str | None:
    """The text a pattern matches when it is plain text (no class, group, repeat or anchor, no flag
    that changes what matches), else None."""
    source = pattern.pattern
    if pattern.flags & _CHANGES_MATCHING or not source or _LITERAL.fullmatch(source) is None:
        return None
    return regex.sub(r"\\(.)", r"\1", source)


# Source code that constructs an error class it would raise (`return new AuthenticationError(status, ...)` in a
# code frame Node or a bundler prints around a stack's top, `raise APIConnectionError(request=request) from err` in
# a traceback's source line): the class named, not a failure of it (a raised error's own line, `raise
# openai.InternalServerError: ...` as a paste may show it, has its message after a colon)
_IN_CODE = re.compile(r"\b(?:new|raise|throw)[ \t]+(?:[\w$:]+(?:\.|::)){0,4}\Z")
CODE_LOOKBACK = 60  # characters before a name looked at for `new`, `raise` or `throw`
# (and Ruby's constructor, `raise OpenAI::Errors::APITimeoutError.new(url: url)`); a class's source file, not the
# class (`Sources/OpenAI/Public/Errors/APIError.swift:12`, a path in a build's or a linter's line)
_ARGUMENTS = re.compile(r"\(|\.new\b")
_SOURCE_FILE = re.compile(r"\.(?:swift|py|pyi|cs|kt|java|ts|js|mjs|rb|go|php|scala|dart)\b")


def _in_code(text: str, at: int, end: int) -> bool:
    """Whether the name at text[at:end] is constructed in source code (`new`, `raise` or `throw` before it on its
    line, its arguments after it) or names a source file."""
    if _SOURCE_FILE.match(text, end):
        return True
    return _ARGUMENTS.match(text, end) is not None and _IN_CODE.search(text, max(0, at - CODE_LOOKBACK), at) is not None


def _word_at(text: str, word: str) -> int | None:
    """Where `word` first stands in the text as a word: not in the middle of a longer one (a letter or
    digit on either side where the word itself begins or ends with one), not in source code that
    constructs it (`new`, `raise` or `throw` before it, its arguments after it), and not alone in Markdown's
    backquotes (a sentence that speaks of the class: "we can get a `BadRequestError`")."""
    at = text.find(word)
    while at >= 0:
        end = at + len(word)
        before = at == 0 or not (word[0].isalnum() and (text[at - 1].isalnum() or text[at - 1] == "_"))
        after = end == len(text) or not (word[-1].isalnum() and (text[end].isalnum() or text[end] == "_"))
        quoted = at > 0 and text[at - 1] == "`" and text.startswith("`", end)
        if before and after and not quoted and not _in_code(text, at, end):
            return at
        at = text.find(word, at + 1)
    return None


def focus(text: str, keywords: Iterable[str]) -> list[tuple[int, int]]:
    """Where patterns are searched: the whole text, or in a record over LONG_RECORD characters, the
    FOCUS characters around the first and last few occurrences of each keyword (merged). A length
    bound on top of the time limit: a 20 MB line is matched where its keywords are."""
    if len(text) <= LONG_RECORD:
        return [(0, len(text))]
    spans: list[tuple[int, int]] = []
    for at in sorted({p for word in set(keywords) for p in _occurrences(text, word)}):
        start, end = max(0, at - FOCUS), min(len(text), at + FOCUS)
        if spans and start <= spans[-1][1]:
            spans[-1] = (spans[-1][0], end)
        else:
            spans.append((start, end))
    return spans


def _occurrences(text: str, word: str, each_end: int = 4) -> set[int]:
    found: set[int] = set()
    at = -1
    for _ in range(each_end):
        at = text.find(word, at + 1)
        if at < 0:
            return found
        found.add(at)
    at = len(text)
    for _ in range(each_end):
        at = text.rfind(word, 0, at)
        if at < 0:
            break
        found.add(at)
    return found


# openai-python v1's log line before each retry of a request (`log.info("Retrying request to %s in %f seconds",
# ...)`, earlier `Retrying request in %f seconds`; src/openai/_base_client.py, https://github.com/openai/openai-python,
# checked 2026-12-06), which it writes right after httpx's line of the try that failed, and then waits that long
RETRY_NOTICE = re.compile(rb"\bRetrying request (?:to \S+ )?in (\d{1,5}(?:\.\d+)?) seconds")

# An app's own notice that it tries a failed call again (`Retrying...`, `⏳ Retrying in 2.6s (attempt 1/3)...`,
# chatgpt-on-wechat's `第1次重试`, as in https://github.com/zhayujie/CowAgent/issues/1366, and ChatEval's `WARNING -
# root - Retrying...`, https://github.com/thunlp/ChatEval/issues/8, checked 2026-12-06) on the line just before a
# failure: that failure is the call's next try, and the failure before it of the same kind in the source its try
# before (correlation.calls, APP_RETRY). Only a bare notice: a line that quotes an error (a class, a status, a body)
# is a failure's own print, or a notice that names what it retries (`Retrying ... as it raised RateLimitError`: an
# attempt already). Not a request put back in a queue (`Adding request 5094 to retry queue`): other requests run
# before it, and the next failure may be theirs. Not the SDK's own notice (RETRY_NOTICE): the tries it tells of are
# the next failure's own.
APP_RETRY_NOTICE = re.compile(
    r"(?i)\bretrying\b|\bretry(?: in| after| attempt| #?\d)|\btrying again\b|第\s*\d+\s*次重试|重试中|再試行|재시도"
)
_QUOTES_AN_ERROR = re.compile(
    r"(?:Error|Exception)\b|(?:status|code|HTTP)\W{0,12}[45]\d\d\b|[{}]|\bqueue", re.IGNORECASE
)
# (nor a notice that the app gives up: `not retrying`, `giving up`, `再試行しません`, `재시도 횟수 초과`, `不再重试`:
# the next failure is another call's)
_GIVES_UP = re.compile(
    r"(?i)\b(?:not|no longer|won't|will not|cannot|can't|don't|do not) (?:be )?retr|\bno (?:more )?retr"
    r"|\bgiv(?:e|ing) up|\bretries exhausted|\bmax(?:imum)? retries|\bretry limit"
    r"|しません|できません|초과|중단|放弃|不再|已达"
)
# (what every such notice holds, looked for in the line's bytes before it is decoded, the others only in a line that
# is not ASCII: a few byte searches a failure)
_RETRY_NEEDLES_NOT_ASCII = ("重试".encode(), "再試行".encode(), "재시도".encode())
NOTICE_CHARS = 300  # a notice line longer than this is no bare notice


_NOTICE_DELAY = re.compile(r"(?i)\bin (\d{1,5}(?:\.\d{1,6})?) ?(ms|milliseconds?|s|secs?|seconds?)\b")


def app_retry(line: bytes) -> str:
    """The APP_RETRY mark of a failure whose line before is an app's bare notice that it tries a failed call again
    (APP_RETRY_NOTICE): the delay the notice named, in seconds, else "retried"; "" where the line is no such notice."""
    text = _notice(line)
    if not text:
        return ""
    delay = _NOTICE_DELAY.search(text)
    if delay is None:
        return "retried"
    seconds = float(delay[1]) / (1000 if delay[2].lower().startswith("m") else 1)
    return f"{seconds:g}"


def _notice(line: bytes) -> str:
    """The line's text where it is an app's bare retry notice, else ""."""
    if not line or len(line) > NOTICE_CHARS * 4:
        return ""
    if not (b"etry" in line or b"ETRY" in line or b"rying again" in line or b"RYING AGAIN" in line) and (
        line.isascii() or not any(n in line for n in _RETRY_NEEDLES_NOT_ASCII)
    ):
        return ""
    if RETRY_NOTICE.search(line) is not None:  # (the SDK's notice of its own next try, of the call that failed after)
        return ""
    text = line.decode("utf-8", "replace")
    bare = (
        len(text) <= NOTICE_CHARS
        and APP_RETRY_NOTICE.search(text) is not None
        and _QUOTES_AN_ERROR.search(text) is None
        and _GIVES_UP.search(text) is None
    )
    return text if bare else ""


def match(
    entries: Iterable[Entry],
    matcher: Matcher,
    around: ContextReader | None = None,
    before: Callable[[Record], bytes] | None = None,
) -> Iterator[Event]:
    """Events of the entries, in input order; an entry without a time takes its source's last one.
    Successful calls go to `matcher.successes` instead. `around` reads a record's context; `before`, the
    line before a record: a transport line (a status only) right after an SDK's retry notice is marked with
    the notice's delay (SDK_RETRY), and a failure right after an app's own bare retry notice with APP_RETRY, so
    that a call's tries count as one call."""
    last_time = matcher.last_time
    for entry in entries:
        matcher.stats.records += 1
        event = matcher.match(entry, around)
        if entry.time is not None:
            last_time[entry.record.source] = entry.time
        if event is None:
            continue
        if event.time is None and entry.record.source in last_time:
            event = replace(event, time=last_time[entry.record.source])
        if event.call_success:
            matcher.successes.add(event.rule, event.time, event.source, event.line, event.end_line)
            continue
        if before is not None and event.confidence == "low":
            notice = RETRY_NOTICE.search(before(entry.record))
            if notice is not None:
                fields = event.fields
                event = replace(event, fields=Fields((*fields, SDK_RETRY), (*fields.values(), notice[1].decode())))
        elif before is not None and event.outcome is Outcome.FAILURE:
            retried = app_retry(before(entry.record))
            if retried:
                fields = event.fields
                event = replace(event, fields=Fields((*fields, APP_RETRY), (*fields.values(), retried)))
        yield event
