"""The view-model of a report: the analysis as frozen dataclasses, times as ISO strings in the report's zone.

Every writer (writers.py) renders a `Report`, never the raw analysis.
"""

from __future__ import annotations

import heapq
import itertools
from array import array
from bisect import bisect_right
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from itertools import pairwise
from typing import TYPE_CHECKING, Any, overload

from .. import __version__
from ..correlation import RANKED_BY, count_calls
from ..correlation.calls import is_attempt
from ..events import Events, kinds, lines_of, of_kind, parts, sources_of, values_of
from ..evidence import Texts
from ..models import Analysis, Category, Event, Incident, Outcome, Severity
from ..ruleset import RuleSet
from ..templates import template_of
from . import i18n
from .enrich import enrich
from .support import SupportView
from .timeline import Moment, Span, Stamp, Timeline, build_timeline, moments, spans

if TYPE_CHECKING:
    from .baseline import BaselineView

SCHEMA = "logscan.report/1"
EVIDENCE_PER_INCIDENT = 6
EVIDENCE_CHARS = 1500
SORTED_FIELDS = 4096  # fields dicts whose sorted copy a report keeps


@dataclass(frozen=True, slots=True)
class Evidence:
    time: str
    source: str
    line: int
    end_line: int
    rule: str
    text: str
    truncated: int  # characters left out


@dataclass(frozen=True, slots=True)
class Impact:
    failed_calls: int  # API calls that failed, however many attempts each took
    attempts: int
    declined_payments: int  # card declines and failed payments (not API calls)
    successes: int
    failure_share: float | None
    models: tuple[str, ...]
    organizations: tuple[str, ...]
    services: tuple[str, ...]
    sources: tuple[str, ...]
    duration_seconds: float | None
    time_to_recovery_seconds: float | None


@dataclass(frozen=True, slots=True)
class RemediationView:
    id: str
    summary: str
    steps: tuple[str, ...]
    references: tuple[str, ...]
    checked: str


@dataclass(frozen=True, slots=True)
class IncidentView:
    id: str
    title: str
    category: str
    categories: tuple[str, ...]
    severity: str
    status: str
    start: str | None
    end: str | None
    recovered_at: str | None
    event_count: int
    rules: tuple[str, ...]
    remediation: RemediationView | None
    evidence: tuple[Evidence, ...]
    impact: Impact
    opened_because: str
    closed_because: str
    grouped_because: str  # why its events are one incident, in a sentence (English)
    grouped_details: str  # the rules, counts, group key and incident rule behind it
    rule: str  # the incident rule that made it
    group: dict[str, str]  # its group-by fields and their values
    figures: dict[str, str]  # peak rate-limit figures: limit, used, requested, limit_unit, model
    actions: tuple[Evidence, ...]
    # view only, not in the JSON:
    display_title: str  # in the report's language (the JSON keeps the English title)
    opened_text: str  # opened_because and closed_because in the report's language
    closed_text: str
    grouped_text: str
    details_text: str
    moments: tuple[Moment, ...]
    spans: tuple[Span, ...]
    shown_status: str  # its status as the report words it: "recurring" for per-request errors (low severity)
    lead: Evidence | None  # the line that carries the error message, cut around it (text report, first screen)
    # in the JSON again; set after the rest (enrich.py, baseline.py):
    fingerprint: str = ""  # the same in every run that finds this incident (fingerprint.py)
    first_seen: str | None = None  # its start, or an earlier run's (--baseline)
    last_seen: str | None = None
    novelty: str | None = None  # new, known or regressed against --baseline; None without one
    support: SupportView | None = None  # the block for OpenAI support (support.py)


@dataclass(frozen=True, slots=True)
class SourceView:
    name: str
    lines: int
    records: int
    formats: tuple[str, ...]
    undecodable: int
    compression: str
    encoding: str  # utf-8, or the UTF-16/32 it was transcoded from
    problems: tuple[str, ...]
    skipped: str  # why a file found in a folder was not read (document, image, archive, binary); "" when read


@dataclass(frozen=True, slots=True)
class Summary:
    lines: int
    records: int
    events: int
    incidents: int
    successes: int
    start: str | None
    end: str | None
    timezone: str
    undecodable: int
    regex_timeouts: int
    filtered_out: int
    unparsed: int  # records no format recognised (parsed as plain text)
    bad_times: int  # records whose timestamp names no usable time: kept without one
    skipped: int  # records with no rule keyword: counted, but neither framed nor parsed
    sources: tuple[SourceView, ...]
    problems: tuple[str, ...]
    undetermined: tuple[str, ...]  # absence windows the input ended inside: neither fired nor cleared
    excluded: dict[str, int]  # failures that other providers answered (not OpenAI's), by provider
    reprints: int  # prints of a failure already printed, folded into its event
    unshown: int  # failures of OpenAI's shape whose log shows no provider: left out
    notes: tuple[str, ...]  # how the report was made, where the reader must know it (--since passed over records)
    stopped_rules: dict[str, int]  # rules past their run's budget of slow searches: records not searched with each
    since: str | None = None  # --since/--until as times: start and end are then those of the window
    until: str | None = None


@dataclass(frozen=True, slots=True)
class Unrecognised:
    """OpenAI failures that no specific rule names, of one kind and one template: a new wording to see
    the day it appears, and to write a rule for (`logscan rules starter`)."""

    template: str
    rule: str  # the generic kind, openai.generic.<kind>
    category: str
    count: int
    first_seen: str | None
    last_seen: str | None
    example: Evidence


@dataclass(frozen=True, slots=True)
class Worst:
    """Which incident the headline names, and the figures that ranked it first (in `ranked_by` order)."""

    id: str
    ranked_by: tuple[str, ...]
    severity: str
    failed_calls: int
    duration_seconds: float | None
    failure_share: float | None


@dataclass(frozen=True, slots=True)
class Report:
    """The view-model every writer renders."""

    schema: str
    version: str
    lang: str
    summary: Summary
    incidents: tuple[IncidentView, ...]
    unrecognised: tuple[Unrecognised, ...]
    events: EventRows
    redacted: bool
    worst: Worst | None  # the incident the headline names, and why
    # view only, not in the JSON:
    text: dict[str, Any]  # the labels of the chosen language
    headline: str
    timeline: Timeline | None
    categories: tuple[str, ...]  # of the incidents, for the HTML filter
    severities: tuple[str, ...]
    baseline: BaselineView | None = None  # in the JSON: what --baseline made of the incidents (baseline.py)


VIEW_ONLY = {"version", "lang", "text", "headline", "timeline", "categories", "severities"}
INCIDENT_VIEW_ONLY = {
    "display_title",
    "opened_text",
    "closed_text",
    "grouped_text",
    "details_text",
    "moments",
    "spans",
    "lead",
    "shown_status",
}


def build(analysis: Analysis, lang: str, tz: tzinfo) -> Report:
    """The view-model of an analysis, times shown in `tz`, labels in `lang`."""
    at = lambda when: _iso(when, tz)  # noqa: E731
    visible = bool(analysis.success_times)
    incidents = tuple(_incident(i, analysis.ruleset, lang, at, visible, analysis.texts) for i in analysis.incidents)
    incidents = enrich(incidents, analysis)
    summary = _summary(analysis, len(incidents), at, tz)
    text = i18n.messages(lang)
    return Report(
        schema=SCHEMA,
        version=__version__,
        lang=lang,
        summary=summary,
        incidents=incidents,
        unrecognised=unrecognised(analysis.events, analysis.ruleset, at, analysis.texts),
        events=EventRows(analysis.events, analysis.incidents, at),  # rows made only if the JSON writer asks
        redacted=analysis.options.redact,
        worst=worst(incidents),
        text=text,
        headline=headline(incidents, text, lang, summary.lines),
        timeline=build_timeline(analysis.incidents, analysis.success_times, _covered(analysis), tz),
        categories=tuple(sorted({i.category for i in incidents})),
        severities=tuple(s.value for s in Severity if any(i.severity == s.value for i in incidents)),
    )


TEMPLATES_KEPT = 4096  # distinct texts whose template a report remembers


def unrecognised(events: Sequence[Event], ruleset: RuleSet, at: Stamp, texts: Texts) -> tuple[Unrecognised, ...]:
    """The events of generic rules, grouped by kind and template, most frequent first."""
    prefixes = tuple(f"{r.id}." for r in ruleset.rules if r.generic)
    groups: dict[tuple[str, str], list[Event]] = {}  # (rule, template): first, last, and a count of them
    memo: dict[str, str] = {}
    counts: dict[tuple[str, str], int] = {}
    generic = of_kind(events, lambda e: bool(prefixes) and e.rule.startswith(prefixes)) if prefixes else ()
    for event in generic:
        text = texts.of(event)
        template = memo.get(text)
        if template is None:
            template = template_of(text)
            if len(memo) < TEMPLATES_KEPT:
                memo[text] = template
        key = (event.rule, template)
        group = groups.setdefault(key, [event, event])
        group[1] = event
        counts[key] = counts.get(key, 0) + 1
    found = [
        Unrecognised(
            template,
            rule,
            first.category.value if first.category else "",
            counts[(rule, template)],
            at(first.time),
            at(last.time),
            _evidence(first, at, texts),
        )
        for (rule, template), (first, last) in groups.items()
    ]
    return tuple(sorted(found, key=lambda u: (-u.count, u.rule, u.template)))


def _covered(analysis: Analysis) -> tuple[datetime | None, datetime | None]:
    """The time the timeline spans: the records read, narrowed by --since/--until."""
    since, until = analysis.window
    start = max(since, analysis.start) if since and analysis.start else analysis.start
    end = min(until, analysis.end) if until and analysis.end else analysis.end
    return start, end


class EventRows(Sequence[dict[str, Any]]):
    """The JSON report's events, one plain dict each, made as they are read: a report of a long
    outage holds a million, and only the JSON writer reads them (one at a time)."""

    def __init__(self, events: Sequence[Event], incidents: Sequence[Incident], at: Stamp) -> None:
        self.events, self.incidents, self.at = events, incidents, at
        self._incident_of: Callable[[int], str | None] | None = None  # made when a row is first made
        # Memos for an outage's rows: the call's lines share a time, and most events share one fields
        # dict (matching makes one for equal fields), kept here with its sorted copy.
        self._last: tuple[datetime | None, str | None] = (None, None)
        self._sorted: dict[int, tuple[Mapping[str, str], dict[str, str]]] = {}

    @property
    def incident_of(self) -> Callable[[int], str | None]:
        """The id of the incident of the event at each position (None: in none), made when a row is first
        made: of events numbered in a store whose incidents' are too, by a code a store number
        (`Numbered`, a byte an event); of lists of events, by source and line (`Members`, 12 bytes)."""
        if self._incident_of is None:
            events = self.events
            numbered = Numbered.of(events, self.incidents)
            if numbered is not None:
                assert isinstance(events, Events)
                numbers, ids, codes = events.numbers, numbered.ids, numbered.codes
                self._incident_of = lambda i: ids[codes[numbers[i]]]
            else:
                members = Members(self.incidents)
                self._incident_of = lambda i: members.of(events[i].source, events[i].line)
        return self._incident_of

    def __len__(self) -> int:
        return len(self.events)

    @overload
    def __getitem__(self, i: int) -> dict[str, Any]: ...
    @overload
    def __getitem__(self, i: slice) -> list[dict[str, Any]]: ...
    def __getitem__(self, i: int | slice) -> dict[str, Any] | list[dict[str, Any]]:
        if isinstance(i, slice):
            return [self._row(at, self.events[at]) for at in range(len(self))[i]]
        at = range(len(self))[i]
        return self._row(at, self.events[at])

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return map(self._row, itertools.count(), self.events)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, EventRows) and list(self) == list(other)

    __hash__ = None  # type: ignore[assignment]

    def json(self, encode: Callable[[Any], str]) -> Iterator[str]:
        """Each row as `encode(row)` gives it (a compact encoder), made of pieces encoded once: the
        parts an event's rule decides, its time, its source, its fields dict, its incident. A long
        outage has half a million rows, and a dict a row cost about 4 us more to make and encode."""
        kinds: dict[tuple[object, ...], str] = {}
        texts: dict[str | None, str] = {}  # times, sources and incidents, encoded
        fields_json: dict[int, tuple[Mapping[str, str], str]] = {}
        incidents = map(self.incident_of, range(len(self.events)))
        for (event, time, source, line, end_line, its_fields), incident in zip(
            parts(self.events), incidents, strict=True
        ):
            kind = (event.rule, event.category, event.outcome, event.severity, event.retryable, event.confidence)
            head = kinds.get(kind)
            if head is None:  # '{"rule":...,"confidence":...,"time":'
                row = _event(event, None, {}, None)
                head = kinds[kind] = encode({k: row[k] for k in _KIND_KEYS})[:-1] + ',"time":'
            shown, fields = self._placed(time, its_fields)
            known = fields_json.get(id(its_fields))  # the dict is kept with it: its id is not reused
            if known is None:
                known = (its_fields, encode(fields))
                if len(fields_json) < SORTED_FIELDS:
                    fields_json[id(its_fields)] = known
            yield "".join(
                (
                    head,
                    texts.get(shown) or _encoded(texts, shown, encode),
                    ',"source":',
                    texts.get(source) or _encoded(texts, source, encode),
                    f',"line":{line:d},"end_line":{end_line:d},"fields":',
                    known[1],
                    ',"incident":',
                    texts.get(incident) or _encoded(texts, incident, encode),
                    "}",
                )
            )

    def _row(self, at: int, event: Event) -> dict[str, Any]:
        """What a row shows of the event at position `at`: its rule's parts, its time, its fields sorted,
        its incident."""
        return _event(event, *self._placed(event.time, event.fields), self.incident_of(at))

    def _placed(self, t: datetime | None, its_fields: Mapping[str, str]) -> tuple[str | None, dict[str, str]]:
        """What a row shows of an event's time and fields: the time as the report writes it, the fields sorted."""
        when, shown = self._last
        if t is None or when is None or not (t == when and t.fold == when.fold and t.tzinfo is when.tzinfo):
            shown = self.at(t)  # (equal times of one zone may still be two instants: a fold)
            self._last = t, shown
        fields = self._sorted.get(id(its_fields))
        if fields is None or fields[0] is not its_fields:
            fields = (its_fields, dict(sorted(its_fields.items())))
            if len(self._sorted) < SORTED_FIELDS:
                self._sorted[id(its_fields)] = fields
        return shown, fields[1]


class Numbered:
    """The incident of each event of a store, by its number there: a code an event (0: none, else the
    incident's place + 1), one byte each while there are fewer than 255 incidents. Of two incidents that
    hold one event, the later one's, as `Members` has it; two events at one line (two inputs of one name)
    each have their own."""

    def __init__(self, ids: list[str | None], codes: array[int]) -> None:
        self.ids, self.codes = ids, codes

    @classmethod
    def of(cls, events: Sequence[Event], incidents: Sequence[Incident]) -> Numbered | None:
        """Of events numbered in a store, every one in it (none held apart), whose incidents' events are
        all of that store too; else (lists of events) None."""
        if not isinstance(events, Events) or events.extra:
            return None
        store = events.store
        if not all(isinstance(i.events, Events) and i.events.store is store and not i.events.extra for i in incidents):
            return None
        kind = "B" if len(incidents) < 0xFF else "H" if len(incidents) < 0xFFFF else "I"
        codes = array(kind, bytes(len(store) * array(kind).itemsize))
        for code, inc in enumerate(incidents, 1):
            assert isinstance(inc.events, Events)
            for n in inc.events.numbers:
                codes[n] = code
        return cls([None, *(inc.id for inc in incidents)], codes)


class Members:
    """The incident each event of one belongs to, by the event's source and line: per source, the lines
    ascending in an array and the incident's number beside each, 12 bytes an event (a dict of ints took
    about 40 MB for the half a million events of a 1M-line outage day). Of two events at one line (two
    inputs of one name), the later incident's."""

    def __init__(self, incidents: Sequence[Incident]) -> None:
        self.ids = [inc.id for inc in incidents]
        found: dict[str, tuple[array[int], array[int]]] = {}
        for number, inc in enumerate(incidents):
            for source, line in lines_of(inc.events):
                lines, numbers = found.setdefault(source, (array("q"), array("I")))
                lines.append(line)
                numbers.append(number)
        self.by_source = {source: _ascending(*columns) for source, columns in found.items()}

    def of(self, source: str, line: int) -> str | None:
        """The id of the incident of the event at `source` and `line`, None when it is in none."""
        columns = self.by_source.get(source)
        if columns is None:
            return None
        lines, numbers = columns
        at = bisect_right(lines, line) - 1
        return self.ids[numbers[at]] if at >= 0 and lines[at] == line else None


def _ascending(lines: array[int], numbers: array[int]) -> tuple[array[int], array[int]]:
    """The lines ascending (equal ones by number), the numbers moved with them; each incident's lines
    mostly ascend already: its runs merged, one pair at a time."""
    if all(a < b for a, b in pairwise(lines)):
        return lines, numbers
    cuts = [0, *(i for i in range(1, len(lines)) if lines[i] <= lines[i - 1]), len(lines)]
    runs = [zip(lines[a:b], numbers[a:b], strict=True) for a, b in pairwise(cuts)]
    merged_lines, merged_numbers = array("q"), array("I")
    for line, number in heapq.merge(*runs):
        merged_lines.append(line)
        merged_numbers.append(number)
    return merged_lines, merged_numbers


_KIND_KEYS = ("rule", "category", "outcome", "severity", "retryable", "confidence")  # a row's first keys


def _encoded(texts: dict[str | None, str], value: str | None, encode: Callable[[Any], str]) -> str:
    """`value` encoded, remembered for the next rows (SORTED_FIELDS values at most, then afresh: the
    times come in order and seldom come back)."""
    if len(texts) >= SORTED_FIELDS:
        texts.clear()
    text = texts[value] = encode(value)
    return text


def _summary(analysis: Analysis, incidents: int, at: Stamp, tz: tzinfo) -> Summary:
    start, end = _covered(analysis)  # with --since/--until, the window's: what every figure is computed in
    return Summary(
        lines=analysis.lines,
        records=analysis.records,
        events=len(analysis.events),
        incidents=incidents,
        successes=analysis.successes,
        start=at(start),
        end=at(end),
        timezone=_zone_name(tz),
        undecodable=analysis.undecodable,
        regex_timeouts=analysis.match_stats.timeouts,
        filtered_out=analysis.filtered_out,
        unparsed=sum(s.formats.get("text", 0) for s in analysis.sources),
        bad_times=sum(s.bad_times for s in analysis.sources),
        skipped=sum(s.records - s.framed for s in analysis.sources),
        sources=tuple(_source(s) for s in analysis.sources),
        problems=tuple(analysis.problems),
        undetermined=tuple(analysis.undetermined),
        excluded=dict(sorted(analysis.match_stats.excluded.items())),
        reprints=analysis.reprints,
        unshown=analysis.unshown,
        notes=tuple(analysis.notes),
        stopped_rules=dict(sorted(analysis.match_stats.stopped.items())),
        since=at(analysis.window[0]),
        until=at(analysis.window[1]),
    )


def worst(incidents: tuple[IncidentView, ...]) -> Worst | None:
    """The first incident (correlation ranks them worst first) and the figures it was ranked by."""
    if not incidents:
        return None
    first = incidents[0]
    figures = first.impact
    return Worst(
        first.id, RANKED_BY, first.severity, figures.failed_calls, figures.duration_seconds, figures.failure_share
    )


def headline(incidents: tuple[IncidentView, ...], text: dict[str, Any], lang: str, lines: int = -1) -> str:
    """One line: how many incidents, and the worst: what, how bad, since when, how long, how many calls
    failed; or that no line was read at all (`lines` 0), or that none failed."""
    if not incidents:
        return str(text["headline_nothing" if lines == 0 else "headline_none"])
    worst = incidents[0]
    return str(
        text["headline"].format(
            count=len(incidents),
            id=worst.id,
            title=worst.display_title,
            severity=text["severity_names"][worst.severity],
            status=text[worst.shown_status],
            start=i18n.when(worst.start, lang),
            duration=i18n.duration(worst.impact.duration_seconds, lang),
            failed=i18n.number(worst.impact.failed_calls),
        )
    )


def _iso(when: datetime | None, tz: tzinfo) -> str | None:
    return when.astimezone(tz).isoformat(timespec="milliseconds") if when else None


def _zone_name(tz: tzinfo) -> str:
    return str(getattr(tz, "key", None) or tz.tzname(None) or tz)


def _source(stats: Any) -> SourceView:
    formats = tuple(sorted(stats.formats, key=lambda f: (-stats.formats[f], f)))
    return SourceView(
        stats.name,
        stats.lines,
        stats.records,
        formats,
        stats.undecodable,
        stats.compression,
        stats.encoding,
        tuple(stats.messages()),
        stats.skipped,
    )


def _event(event: Event, time: str | None, fields: dict[str, str], incident: str | None) -> dict[str, Any]:
    """An event's row: `time` as shown, `fields` sorted by name."""
    return {
        "rule": event.rule,
        "category": event.category.value if event.category else None,
        "outcome": event.outcome.value,
        "severity": event.severity.value,
        "retryable": event.retryable,
        "confidence": event.confidence,
        "time": time,
        "source": event.source,
        "line": event.line,
        "end_line": event.end_line,
        "fields": fields,
        "incident": incident,
    }


def _incident(
    inc: Incident, ruleset: RuleSet, lang: str, at: Stamp, successes_visible: bool, texts: Texts
) -> IncidentView:
    picked = pick_evidence(inc)
    return IncidentView(
        id=inc.id,
        title=inc.title,
        display_title=i18n.local_title(inc, lang),
        opened_text=i18n.say(inc.opened_because, lang, at),
        closed_text=i18n.say(inc.closed_because, lang, at),
        grouped_text=i18n.say(inc.grouped_because, lang, at),
        details_text=i18n.say(inc.grouped_details, lang, at),
        moments=moments(inc, at),
        spans=spans(inc, at),
        category=inc.category.value,
        categories=tuple(c.value for c in inc.categories),
        severity=inc.severity.value,
        status=inc.status.value,
        start=at(inc.start),
        end=at(inc.end),
        recovered_at=at(inc.recovered_at),
        event_count=len(inc.events),
        rules=inc.rules,
        remediation=_remediation(inc.playbook, ruleset, lang),
        evidence=tuple(_evidence(e, at, texts) for e in picked),
        lead=lead(picked, inc, ruleset, at, texts),
        shown_status=RECURRING if recurring(inc) else inc.status.value,
        impact=impact(inc, successes_visible),
        opened_because=i18n.say(inc.opened_because, "en", at),
        closed_because=i18n.say(inc.closed_because, "en", at),
        grouped_because=i18n.say(inc.grouped_because, "en", at),
        grouped_details=i18n.say(inc.grouped_details, "en", at),
        rule=inc.rule,
        group=dict(inc.group),
        figures=dict(inc.figures),
        actions=tuple(_evidence(e, at, texts) for e in inc.actions),
    )


RECURRING = "recurring"


def recurring(inc: Incident) -> bool:
    """Low-severity incidents are errors that recur one request at a time (a prompt too long, an unknown
    model), not an outage: the report words and draws them so."""
    return inc.severity.rank <= Severity.LOW.rank


def _remediation(playbook_id: str, ruleset: RuleSet, lang: str) -> RemediationView | None:
    playbook = ruleset.playbooks.get(playbook_id)
    if playbook is None:
        return None
    text = playbook.text[lang]
    return RemediationView(playbook.id, text.summary, text.steps, playbook.references, playbook.checked)


def pick_evidence(inc: Incident) -> list[Event]:
    """The first event of each rule (most specific first), then the last event; in time order. One pass
    over the events: sorting an outage's half a million by specificity took a second and 30 MB."""
    first_of: dict[str, tuple[int, int]] = {}  # by rule: its most specific, first: how specific, and where
    for at, event in enumerate(kinds(inc.events)):
        rank = (event.confidence != "high") * 2 + (event.outcome is not Outcome.FAILURE)
        known = first_of.get(event.rule)
        if known is None or rank < known[0]:
            first_of[event.rule] = (rank, at)
    chosen: dict[tuple[str, int], Event] = {}
    for _, at in sorted(first_of.values()):
        event = inc.events[at]
        chosen[(event.source, event.line)] = event
    last = inc.events[-1]
    chosen.setdefault((last.source, last.line), last)
    picked = sorted(chosen.values(), key=lambda e: (e.time is None, e.time or datetime.min, e.line))
    return picked[:EVIDENCE_PER_INCIDENT]


LEAD_CHARS = 200  # of the lead evidence line
LEAD_BEFORE = 40  # characters kept before the error message


def lead(picked: Sequence[Event], inc: Incident, ruleset: RuleSet, at: Stamp, texts: Texts) -> Evidence | None:
    """The evidence line that carries the error text: a failure's own message (not a transport status
    line, a retry notice or a signal such as "auto recharge triggered"), of the root cause first; its
    line that the rule matched, cut around the match rather than from the start."""
    if not picked:
        return None
    best = min(picked, key=lambda e: (_plainness(e, inc.category), e.time is None, e.time or datetime.min))
    text = texts.of(best)
    rule = ruleset.rule(best.rule)
    at_match = _match_at(text, rule.patterns if rule else ())
    line_start = text.rfind("\n", 0, at_match) + 1
    line_end = text.find("\n", at_match)
    line = text[line_start : line_end if line_end >= 0 else len(text)]
    excerpt, left_out = cut_around(line, at_match - line_start, LEAD_CHARS)
    return Evidence(at(best.time) or "", best.source, best.line, best.end_line, best.rule, excerpt, left_out)


def _plainness(event: Event, root: Category) -> tuple[bool, bool, bool]:
    """How far an event is from the line a reader wants: a failure, not an attempt, of the root cause."""
    return (event.outcome is not Outcome.FAILURE, is_attempt(event), event.category is not root)


def _match_at(text: str, patterns: Sequence[Any]) -> int:
    """Where the first of the rule's patterns matches (0 when none does, or in time)."""
    for pattern in patterns:
        try:
            found = pattern.search(text, timeout=0.05)
        except TimeoutError:
            continue
        if found:
            return int(found.start())
    return 0


def cut_around(line: str, at: int, limit: int) -> tuple[str, int]:
    """At most `limit` characters of `line` from a little before `at`, with `…` where it was cut, and
    how many characters were left out."""
    if len(line) <= limit:
        return line, 0
    start = min(max(0, at - LEAD_BEFORE), len(line) - limit)
    end = start + limit
    return ("…" if start else "") + line[start:end] + ("…" if end < len(line) else ""), len(line) - limit


def _evidence(event: Event, at: Stamp, texts: Texts) -> Evidence:
    text = texts.of(event)
    cut = max(0, len(text) - EVIDENCE_CHARS)
    return Evidence(
        at(event.time) or "",
        event.source,
        event.line,
        event.end_line,
        event.rule,
        text[:EVIDENCE_CHARS] if cut else text,
        cut,
    )


def impact(inc: Incident, successes_visible: bool) -> Impact:
    """Failed calls and attempts, share failed, what was affected, how long, time to recovery."""
    calls, attempts = inc.calls or count_calls(inc.events)
    declined = sum(1 for e in kinds(inc.events) if e.outcome is Outcome.FAILURE and e.category is Category.BILLING_CARD)
    share = calls / (calls + inc.successes) if successes_visible and calls else None
    values = lambda name: tuple(sorted({v for v in values_of(inc.events, name) if v}))  # noqa: E731
    apps = zip(values_of(inc.events, "app"), values_of(inc.events, "service"), strict=True)
    services = tuple(sorted({app or service or "" for app, service in apps} - {""}))
    recovery = (inc.recovered_at - inc.start).total_seconds() if inc.recovered_at and inc.start else None
    duration = inc.duration.total_seconds() if inc.duration is not None else None
    return Impact(
        calls,
        attempts,
        declined,
        inc.successes,
        share,
        values("model"),
        values("organization"),
        services,
        tuple(sorted(sources_of(inc.events))),
        duration,
        recovery,
    )
