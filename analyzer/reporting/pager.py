"""Pager events, one per incident: PagerDuty Events API v2 and Opsgenie alerts, as JSON (an array, or JSON
lines with --jsonl). Writing them is the job; sending is one `curl` each (README, "Pager recipes").

PagerDuty (https://developer.pagerduty.com/docs/events-api-v2/trigger-events/): `trigger` for an ongoing
incident, `resolve` for a resolved one, the dedup key from the fingerprint, a summary of at most 1,024
characters, severity critical/error/warning/info, and custom details trimmed until the event is under
PagerDuty's 512 KB. The routing key (PAGERDUTY_ROUTING_KEY or --routing-key) goes into `routing_key` and
nowhere else. Opsgenie (https://docs.opsgenie.com/docs/alert-api#create-alert): message at most 130
characters, alias (from the fingerprint) 512, description 15,000, priority P1 to P5, up to 20 tags of 50
characters from the categories, details of 8,000 characters in all.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from . import i18n, support

if TYPE_CHECKING:
    from .formats import WriteOptions
    from .model import IncidentView, Report

PD_SUMMARY = 1024
PD_DEDUP_KEY = 255
PD_SOURCE = 255
PD_EVENT_BYTES = 512 * 1024  # PagerDuty refuses a larger event (its payload limit)
PD_SEVERITY = {"critical": "critical", "high": "error", "medium": "warning", "low": "warning", "info": "info"}
OG_MESSAGE = 130
OG_ALIAS = 512
OG_DESCRIPTION = 15_000
OG_ENTITY = 512
OG_TAGS, OG_TAG = 20, 50
OG_DETAILS = 8_000  # characters of all the details' keys and values
OG_PRIORITY = {"critical": "P1", "high": "P2", "medium": "P3", "low": "P4", "info": "P5"}
SHRINK = ((None, None), (4000, 100), (1000, 20), (200, 5), (50, 2))  # longest string, longest list
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def clip(value: str, limit: int) -> str:
    """At most `limit` characters, an ellipsis at the end when cut."""
    return value if len(value) <= limit else value[: limit - 1] + "…"


def key_of(inc: IncidentView) -> str:
    """The dedup key (PagerDuty) and alias (Opsgenie): `logscan-` and the fingerprint."""
    return f"logscan-{inc.fingerprint}"


def _lines(items: list[dict[str, Any]], jsonl: bool) -> Iterator[str]:
    if jsonl:
        yield from (_ENCODER.encode(item) + "\n" for item in items)
    else:
        yield _ENCODER.encode(items) + "\n"


# --- PagerDuty -----------------------------------------------------------------------------------


def pagerduty(report: Report, options: WriteOptions) -> Iterator[str]:
    """PagerDuty Events API v2 events, one per incident."""
    return _lines([pd_event(inc, report, options) for inc in report.incidents], options.jsonl)


def pd_event(inc: IncidentView, report: Report, options: WriteOptions) -> dict[str, Any]:
    event: dict[str, Any] = {"routing_key": options.routing_key} if options.routing_key else {}
    event |= {"event_action": "trigger" if inc.status == "ongoing" else "resolve", "dedup_key": key_of(inc)}
    payload: dict[str, Any] = {
        "summary": clip(summary(inc, report), PD_SUMMARY),
        "source": clip(_source(inc), PD_SOURCE),
        "severity": PD_SEVERITY[inc.severity],
    }
    when = inc.start if inc.status == "ongoing" else inc.recovered_at or inc.end
    if when:
        payload["timestamp"] = when
    payload |= {"class": inc.category, "group": inc.rule or inc.category}
    event["payload"] = payload
    event["client"] = "logscan"
    if options.report_url:
        event |= {"client_url": options.report_url, "links": [{"href": options.report_url, "text": _link(inc, report)}]}
    return _trimmed(event, details(inc, report, options.report_url))


def _trimmed(event: dict[str, Any], custom: dict[str, Any]) -> dict[str, Any]:
    """The event with its custom details, shrunk (strings and lists cut) until it is under PD_EVENT_BYTES."""
    for longest, most in SHRINK:
        event["payload"]["custom_details"] = _shrunk(custom, longest, most)
        if len(_ENCODER.encode(event).encode("utf-8")) < PD_EVENT_BYTES:
            return event
    event["payload"]["custom_details"] = {"incident": custom["incident"], "trimmed": True}
    return event


def _shrunk(value: Any, longest: int | None, most: int | None) -> Any:
    if longest is None:
        return value
    if isinstance(value, str):
        return clip(value, longest)
    if isinstance(value, list):
        return [_shrunk(v, longest, most) for v in value[:most]]
    if isinstance(value, dict):
        return {k: _shrunk(v, longest, most) for k, v in value.items()}
    return value


def summary(inc: IncidentView, report: Report, key: str = "pager_summary") -> str:
    """One line, in the report's language: novelty, title, severity, status, failed calls, since when
    (`pager_message`: Opsgenie's shorter one, without the number and the time)."""
    t = report.text
    novelty = f"{t['novelty'][inc.novelty]}: " if inc.novelty and inc.novelty != "known" else ""
    return str(
        t[key].format(
            novelty=novelty,
            id=inc.id,
            title=inc.display_title,
            severity=t["severity_names"][inc.severity],
            status=t[inc.shown_status],
            failed=i18n.number(inc.impact.failed_calls),
            start=i18n.when(inc.start, report.lang),
        )
    )


def _source(inc: IncidentView) -> str:
    """What PagerDuty calls the affected system: the services named in the log, else its sources."""
    return ", ".join(inc.impact.services) or ", ".join(inc.impact.sources) or "logscan"


def _link(inc: IncidentView, report: Report) -> str:
    return f"{report.text['title']}: {inc.id}"


def details(inc: IncidentView, report: Report, url: str) -> dict[str, Any]:
    """What an event carries besides its summary: the incident, its impact, its support block, what to do,
    the first lines of its evidence."""
    found: dict[str, Any] = {
        "incident": inc.id,
        "title": inc.title,
        "fingerprint": inc.fingerprint,
        "category": inc.category,
        "categories": list(inc.categories),
        "severity": inc.severity,
        "status": inc.status,
        "start": inc.start,
        "end": inc.end,
        "first_seen": inc.first_seen,
        "last_seen": inc.last_seen,
        "failed_calls": inc.impact.failed_calls,
        "attempts": inc.impact.attempts,
        "failure_share": inc.impact.failure_share,
        "models": list(inc.impact.models),
        "organizations": list(inc.impact.organizations),
    }
    if inc.novelty:
        found["novelty"] = inc.novelty
    if inc.support:
        found["support"] = dataclasses.asdict(inc.support)
    if inc.remediation:
        found["remediation"] = {"summary": inc.remediation.summary, "steps": list(inc.remediation.steps)}
    found["evidence"] = [
        {"where": f"{e.source}:{e.line}", "time": e.time, "rule": e.rule, "text": e.text} for e in inc.evidence
    ]
    if url:
        found["report"] = url
    return found


# --- Opsgenie ------------------------------------------------------------------------------------


def opsgenie(report: Report, options: WriteOptions) -> Iterator[str]:
    """Opsgenie alerts (the Create Alert request's body), one per incident."""
    return _lines([og_alert(inc, report, options.report_url) for inc in report.incidents], options.jsonl)


def og_alert(inc: IncidentView, report: Report, url: str) -> dict[str, Any]:
    return {
        "message": clip(summary(inc, report, "pager_message"), OG_MESSAGE),
        "alias": clip(key_of(inc), OG_ALIAS),
        "description": clip(description(inc, report, url), OG_DESCRIPTION),
        "priority": OG_PRIORITY[inc.severity],
        "tags": tags(inc),
        "details": og_details(inc, url),
        "entity": clip(_source(inc), OG_ENTITY),
        "source": "logscan",
    }


def tags(inc: IncidentView) -> list[str]:
    """The categories, then severity, status and novelty: at most OG_TAGS, each at most OG_TAG characters."""
    found = [*inc.categories, inc.severity, inc.status, *([inc.novelty] if inc.novelty else []), "logscan"]
    return [clip(tag, OG_TAG) for tag in dict.fromkeys(found)][:OG_TAGS]


def description(inc: IncidentView, report: Report, url: str) -> str:
    """Plain text: the window, the impact, the support block, what to do, the first evidence."""
    t, lang = report.text, report.lang
    lines = [
        f"{inc.id}: {inc.display_title}",
        f"{t['window']}: {i18n.when(inc.start, lang)} → {i18n.when(inc.end, lang)}",
        f"{t['failed_calls']}: {i18n.number(inc.impact.failed_calls)} · {t['attempts']}: "
        f"{i18n.number(inc.impact.attempts)} · {t['failure_share']}: {i18n.percent(inc.impact.failure_share)}",
    ]
    if inc.support:
        lines += ["", t["support_rows"]["title"], *(f"- {k}: {v}" for k, v in support.rows(inc.support, t, lang))]
    if inc.remediation:
        lines += ["", t["remediation"], inc.remediation.summary, *(f"- {s}" for s in inc.remediation.steps)]
    if url:
        lines += ["", f"{t['fit']['full_report']} {url}"]
    for ev in inc.evidence[:2]:
        lines += ["", f"{ev.source}:{ev.line} {ev.time} {ev.rule}", ev.text]
    return "\n".join(lines)


def og_details(inc: IncidentView, url: str) -> dict[str, str]:
    """Flat string details, at most OG_DETAILS characters of keys and values in all (later ones cut first)."""
    s = inc.support
    found = {
        "incident": inc.id,
        "fingerprint": inc.fingerprint,
        "category": inc.category,
        "severity": inc.severity,
        "status": inc.status,
        "start": inc.start or "",
        "end": inc.end or "",
        "failed_calls": str(inc.impact.failed_calls),
        "novelty": inc.novelty or "",
        "report": url,
        "request_ids": ", ".join(s.request_ids) if s else "",
        "organizations": ", ".join(s.organizations) if s else "",
        "projects": ", ".join(s.projects) if s else "",
        "models": ", ".join(inc.impact.models),
        "error_codes": ", ".join(s.error_codes) if s else "",
    }
    kept, room = {}, OG_DETAILS
    for key, value in found.items():
        if not value or room <= len(key) + 1:
            continue
        kept[key] = clip(value, room - len(key))
        room -= len(key) + len(kept[key])
    return kept
