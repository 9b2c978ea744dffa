"""Reporting: the analysis into a view-model, then into JSON, Markdown, HTML or a terminal summary.

Templates get a `Report` (never the raw analysis) through one jinja2 Environment: StrictUndefined,
autoescape for HTML. JSON is written with json.dumps, never a template.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta, tzinfo
from typing import Any

import jinja2

from . import __version__, resources
from .models import Category, Event, Incident, Outcome
from .pipeline import Analysis
from .ruleset import RuleSet

SCHEMA = "logscan.report/1"
EVIDENCE_PER_INCIDENT = 6
EVIDENCE_CHARS = 1500
CALL_WINDOW = timedelta(seconds=90)  # transport lines this close before an exception are its attempts


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
    actions: tuple[Evidence, ...]


@dataclass(frozen=True, slots=True)
class SourceView:
    name: str
    lines: int
    records: int
    formats: tuple[str, ...]
    undecodable: int
    compression: str
    problems: tuple[str, ...]


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
    sources: tuple[SourceView, ...]
    problems: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Report:
    """The view-model every writer renders."""

    schema: str
    version: str
    lang: str
    summary: Summary
    incidents: tuple[IncidentView, ...]
    events: tuple[dict[str, Any], ...]
    redacted: bool
    text: dict[str, Any]  # the labels of the chosen language


def build(analysis: Analysis, lang: str, tz: tzinfo) -> Report:
    """The view-model of an analysis, times shown in `tz`, labels in `lang`."""
    at = lambda when: _iso(when, tz)  # noqa: E731
    visible = bool(analysis.success_times)
    incidents = tuple(_incident(i, analysis.ruleset, lang, at, visible) for i in analysis.incidents)
    member_of = {(e.source, e.line): inc.id for inc in analysis.incidents for e in inc.events}
    events = tuple(_event(e, at, member_of.get((e.source, e.line))) for e in analysis.events)
    summary = Summary(
        lines=analysis.lines,
        records=analysis.records,
        events=len(analysis.events),
        incidents=len(incidents),
        successes=analysis.successes,
        start=at(analysis.start),
        end=at(analysis.end),
        timezone=_zone_name(tz),
        undecodable=analysis.undecodable,
        regex_timeouts=analysis.match_stats.timeouts,
        filtered_out=analysis.filtered_out,
        sources=tuple(_source(s) for s in analysis.sources),
        problems=tuple(analysis.problems),
    )
    return Report(SCHEMA, __version__, lang, summary, incidents, events, analysis.options.redact, messages(lang))


def _iso(when: datetime | None, tz: tzinfo) -> str | None:
    return when.astimezone(tz).isoformat(timespec="milliseconds") if when else None


def _zone_name(tz: tzinfo) -> str:
    return str(getattr(tz, "key", None) or tz.tzname(None) or tz)


def _source(stats: Any) -> SourceView:
    formats = tuple(sorted(stats.formats, key=lambda f: (-stats.formats[f], f)))
    return SourceView(
        stats.name, stats.lines, stats.records, formats, stats.undecodable, stats.compression, tuple(stats.problems)
    )


def _event(event: Event, at: Callable[[datetime | None], str | None], incident: str | None) -> dict[str, Any]:
    return {
        "rule": event.rule,
        "category": event.category.value if event.category else None,
        "outcome": event.outcome.value,
        "severity": event.severity.value,
        "retryable": event.retryable,
        "confidence": event.confidence,
        "time": at(event.time),
        "source": event.source,
        "line": event.line,
        "end_line": event.end_line,
        "fields": dict(sorted(event.fields.items())),
        "incident": incident,
    }


def _incident(
    inc: Incident, ruleset: RuleSet, lang: str, at: Callable[[datetime | None], str | None], successes_visible: bool
) -> IncidentView:
    return IncidentView(
        id=inc.id,
        title=inc.title,
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
        evidence=tuple(_evidence(e, at) for e in pick_evidence(inc)),
        impact=impact(inc, successes_visible),
        opened_because=inc.opened_because,
        closed_because=inc.closed_because,
        actions=tuple(_evidence(e, at) for e in inc.actions),
    )


def _remediation(playbook_id: str, ruleset: RuleSet, lang: str) -> RemediationView | None:
    playbook = ruleset.playbooks.get(playbook_id)
    if playbook is None:
        return None
    text = playbook.text[lang]
    return RemediationView(playbook.id, text.summary, text.steps, playbook.references, playbook.checked)


def pick_evidence(inc: Incident) -> list[Event]:
    """The first event of each rule (most specific first), then the last event; in time order."""
    chosen: dict[tuple[str, int], Event] = {}
    ranked = sorted(inc.events, key=lambda e: (e.confidence != "high", e.outcome is not Outcome.FAILURE))
    for event in ranked:
        if all(c.rule != event.rule for c in chosen.values()):
            chosen[(event.source, event.line)] = event
    last = inc.events[-1]
    chosen.setdefault((last.source, last.line), last)
    picked = sorted(chosen.values(), key=lambda e: (e.time is None, e.time or datetime.min, e.line))
    return picked[:EVIDENCE_PER_INCIDENT]


def _evidence(event: Event, at: Callable[[datetime | None], str | None]) -> Evidence:
    text = event.text
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


def count_calls(events: tuple[Event, ...]) -> tuple[int, int]:
    """(failed calls, attempts): transport lines just before an exception are that call's attempts."""
    calls = attempts = 0
    pending: dict[str, list[Event]] = {}
    for event in events:
        if event.outcome is not Outcome.FAILURE or event.category is Category.BILLING_CARD:
            continue
        waiting = pending.setdefault(event.source, [])
        if event.confidence == "low":
            waiting.append(event)
            continue
        recent = [w for w in waiting if event.time is None or w.time is None or event.time - w.time <= CALL_WINDOW]
        calls += 1
        attempts += max(1, len(recent))
        calls += len(waiting) - len(recent)
        attempts += len(waiting) - len(recent)
        waiting.clear()
    leftover = sum(len(w) for w in pending.values())
    return calls + leftover, attempts + leftover


def impact(inc: Incident, successes_visible: bool) -> Impact:
    """Failed calls and attempts, share failed, what was affected, how long, time to recovery."""
    calls, attempts = count_calls(inc.events)
    declined = sum(1 for e in inc.events if e.outcome is Outcome.FAILURE and e.category is Category.BILLING_CARD)
    share = calls / (calls + inc.successes) if successes_visible and calls else None
    values = lambda name: tuple(sorted({e.fields[name] for e in inc.events if e.fields.get(name)}))  # noqa: E731
    services = tuple(sorted({e.fields.get("app") or e.fields.get("service") or "" for e in inc.events} - {""}))
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
        tuple(sorted({e.source for e in inc.events})),
        duration,
        recovery,
    )


def messages(lang: str) -> dict[str, Any]:
    """The labels of one language, from report_templates/messages.toml."""
    with open(resources.templates_dir() / "messages.toml", "rb") as f:
        return dict(tomllib.load(f)[lang])


# --- writers -------------------------------------------------------------------------------------


def to_json(report: Report) -> str:
    """The JSON report (schema logscan.report/1)."""
    data = asdict(report)
    data.pop("text")
    data.pop("version")
    data.pop("lang")
    data["generator"] = {"name": "logscan", "version": report.version}
    for inc in data["incidents"]:
        inc["evidence"] = [_evidence_json(e) for e in inc["evidence"]]
        inc["actions"] = [_evidence_json(e) for e in inc["actions"]]
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def _evidence_json(evidence: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in evidence.items() if k != "truncated" or v}


def environment() -> jinja2.Environment:
    """The one jinja2 environment of every template."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(resources.templates_dir())),
        undefined=jinja2.StrictUndefined,
        autoescape=jinja2.select_autoescape(["html", "html.j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(fence=fence, md_cell=md_cell, duration=human_duration, percent=percent)
    return env


def fence(text: str, info: str = "text") -> str:
    """A fenced code block that no backtick run inside `text` can close."""
    longest = max((len(run) for run in _backtick_runs(text)), default=0)
    marker = "`" * max(3, longest + 1)
    return f"{marker}{info}\n{text}\n{marker}"


def _backtick_runs(text: str) -> list[str]:
    runs, current = [], ""
    for ch in text:
        if ch == "`":
            current += ch
        elif current:
            runs.append(current)
            current = ""
    return runs + ([current] if current else [])


def md_cell(value: object) -> str:
    """A value safe inside a Markdown table cell: pipes escaped, no line breaks, no HTML."""
    text = str(value).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")
    return text.replace("<", "&lt;").replace(">", "&gt;")


def human_duration(seconds: float | None) -> str:
    """`1 h 02 min`, `4 min 10 s`, `12 s`."""
    if seconds is None:
        return "-"
    total = round(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes:02d} min"
    return f"{minutes} min {secs:02d} s" if minutes else f"{secs} s"


def percent(share: float | None) -> str:
    return "-" if share is None else f"{share:.0%}"


def render(report: Report, fmt: str, color: bool = False) -> str:
    """The report in one format."""
    if fmt == "json":
        return to_json(report)
    template = environment().get_template(TEMPLATES[fmt])
    return template.render(report=report, t=report.text, color=color)


TEMPLATES = {"md": "report.md.j2", "text": "report.txt.j2", "html": "report.html.j2"}
FORMATS = ("text", "md", "html", "json")
SUFFIXES = {".md": "md", ".markdown": "md", ".html": "html", ".htm": "html", ".json": "json", ".txt": "text"}
