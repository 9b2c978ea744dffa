"""Atlassian Document Format (Jira Cloud's REST API v3): the report as one ADF document, in JSON.

The same report as Jira's wiki markup (report.jira.j2), built as nodes: headings, paragraphs, tables,
bullet lists, and code blocks for log text. ADF is a tree, so no text can close a block or become markup
(each string is a text node's value, encoded by json.dumps); control characters become their pictures
(U+2400...), as Jira rejects some of them. tests/data/adf/ holds the ADF JSON schema the tests check
every document against. Fitted like md and jira: the limit is the characters of the compact JSON.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from . import i18n, jira, support
from .fit import Shown
from .model import Evidence, IncidentView, Report
from .writers import peak

Node = dict[str, Any]
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def render(report: Report, shown: Shown) -> str:
    """The ADF document of a report, compact JSON."""
    return _ENCODER.encode(document(report, shown)) + "\n"


def document(report: Report, shown: Shown) -> Node:
    t = report.text
    content = [heading(1, f"{t['title']}: {report.headline}")]
    if not report.redacted:
        content.append(paragraph(text(t["redaction_off"], "strong")))
    if shown.left_out:
        content += _left_out(shown, t)
    content += _summary(report, shown)
    for inc in shown.detailed:
        content += _incident(inc, report, shown)
    content += _unrecognised(report, shown) + _gone(report)
    return {"version": 1, "type": "doc", "content": content}


# --- nodes ---------------------------------------------------------------------------------------


_SPACES = str.maketrans({"\n": " ", "\r": " ", "\t": " "})


def text(value: object, *marks: str, href: str = "", block: bool = False) -> list[Node]:
    """A text node (none for an empty string: ADF has no empty text), with marks by name; its line breaks
    become spaces unless it is a code block's."""
    body = str(value).translate(jira.CONTROLS)
    body = body.replace("\r\n", "\n").replace("\r", "\n") if block else body.translate(_SPACES)
    if not body:
        return []
    node: Node = {"type": "text", "text": body}
    found = [{"type": m} for m in marks] + ([{"type": "link", "attrs": {"href": href}}] if href else [])
    if found:
        node["marks"] = found
    return [node]


def paragraph(*parts: list[Node]) -> Node:
    return {"type": "paragraph", "content": [node for part in parts for node in part]}


def heading(level: int, value: str) -> Node:
    return {"type": "heading", "attrs": {"level": level}, "content": text(value)}


def code_block(value: str) -> Node:
    return {"type": "codeBlock", "attrs": {"language": "text"}, "content": text(value, block=True)}


def bullets(items: Iterable[list[Node]]) -> list[Node]:
    """A bullet list of paragraphs (none for no items: ADF lists have one at least)."""
    found = [{"type": "listItem", "content": [paragraph(item)]} for item in items]
    return [{"type": "bulletList", "content": found}] if found else []


def table(header: list[str] | None, rows: Iterable[list[list[Node]]], side: bool = False) -> list[Node]:
    """A table: a header row of labels, or (`side`) each row's first cell a header."""
    made = []
    if header:
        made.append(_row([text(h) for h in header], header_cells=len(header)))
    made += [_row(cells, header_cells=1 if side else 0) for cells in rows]
    return [{"type": "table", "content": made}] if made else []


def _row(cells: list[list[Node]], header_cells: int) -> Node:
    return {
        "type": "tableRow",
        "content": [
            {"type": "tableHeader" if n < header_cells else "tableCell", "content": [paragraph(cell)]}
            for n, cell in enumerate(cells)
        ],
    }


def kv(rows: Iterable[tuple[str, str]]) -> list[Node]:
    """A two-column table of labels and plain values."""
    return table(None, ([text(label), text(value)] for label, value in rows), side=True)


# --- the report ----------------------------------------------------------------------------------


def _left_out(shown: Shown, t: dict[str, Any]) -> list[Node]:
    words = t["fit"]
    before, _, after = words["full_hint"].partition("{command}")
    hint = text(before) + text("-f html -o report.html", "code") + text(after)
    where = text(shown.full_report, "code") if shown.full_report else hint
    return [
        paragraph(
            text(words["shortened"].format(limit=i18n.number(shown.limit)), "strong"),
            text(" " + "; ".join(shown.left_out) + "."),
        ),
        paragraph(text(words["full_report"] + " "), where),
    ]


def _summary(report: Report, shown: Shown) -> list[Node]:
    s, t, lang = report.summary, report.text, report.lang
    sources = ", ".join(f"{src.name} ({i18n.number(src.lines)})" for src in shown.sources)
    sources += f" (+{i18n.number(shown.more_sources)})" if shown.more_sources else ""
    rows = [
        (t["time_range"], f"{i18n.when(s.start, lang)} → {i18n.when(s.end, lang)}"),
        (t["timezone"], s.timezone),
        (t["sources"], sources or "-"),
        *((t[k], i18n.number(getattr(s, k))) for k in ("lines", "events", "incidents", "successes", "unparsed")),
        (t["undecodable"], i18n.number(s.undecodable)),
    ]
    found = [heading(2, t["summary"]), *kv(rows)]
    if s.problems:
        found += [paragraph(text(t["problems"], "strong")), *bullets(text(p) for p in s.problems)]
    if report.incidents:
        found += table(_columns(t), (_table_row(i, report) for i in shown.rows))
    if shown.more_rows:
        found.append(paragraph(text(t["fit"]["more_rows"].format(count=i18n.number(shown.more_rows)))))
    return found


def _columns(t: dict[str, Any]) -> list[str]:
    keys = ("severity", "incident", "category", "window", "duration", "status", "failed_calls")
    return ["#", *(t[k] for k in keys)]


def _table_row(inc: IncidentView, report: Report) -> list[list[Node]]:
    t, lang = report.text, report.lang
    title = text(inc.display_title) + (text(" " + t["novelty"][inc.novelty], "strong") if inc.novelty else [])
    return [
        text(inc.id),
        text(t["severity_names"][inc.severity]),
        title,
        text(inc.category, "code"),
        text(f"{inc.start or '-'} → {inc.end or '-'}"),
        text(i18n.duration(inc.impact.duration_seconds, lang)),
        text(t[inc.shown_status]),
        text(i18n.number(inc.impact.failed_calls)),
    ]


def _incident(inc: IncidentView, report: Report, shown: Shown) -> list[Node]:
    t, lang = report.text, report.lang
    novelty = f" ({t['novelty'][inc.novelty]})" if inc.novelty else ""
    found = [heading(2, f"{inc.id}: {inc.display_title}{novelty}"), *bullets(_facts(inc, t, lang))]
    found += [heading(3, t["impact"]), *kv(_impact(inc, t))]
    if not shown.brief:
        found.append(paragraph(text(t["why"], "strong"), text(": " + _why(inc, t))))
    if inc.support:
        found += [heading(3, t["support_rows"]["title"]), *kv(support.rows(inc.support, t, lang))]
    if inc.moments and shown.timelines:
        moments = ([text(m.time), text(t["moments"][m.kind]), text(f"{m.rule} {m.where}".strip(), "code")]
                   for m in inc.moments)  # fmt: skip
        found += [heading(3, t["key_moments"]), *table([t["time"], t["moment"], t["detail"]], moments)]
    found += [heading(3, t["evidence"])]
    for ev in inc.evidence:
        found += _evidence(ev, t)
    if inc.actions and not shown.brief:
        found += [paragraph(text(t["actions"], "strong")), *bullets(_action(ev) for ev in inc.actions)]
    if inc.remediation:
        found += _remediation(inc, t, shown.brief)
    return found


def _facts(inc: IncidentView, t: dict[str, Any], lang: str) -> list[list[Node]]:
    facts = []
    if inc.novelty:
        seen = (
            f"{t['first_seen']}: {i18n.when(inc.first_seen, lang)} · {t['last_seen']}: {i18n.when(inc.last_seen, lang)}"
        )
        facts.append(text(t["novelty_label"] + ": ") + text(t["novelty"][inc.novelty], "strong") + text(" · " + seen))
    status = f"{t['status']}: {t[inc.shown_status]}"
    facts.append(
        text(f"{t['severity']}: {t['severity_names'][inc.severity]} · {status} · {t['category']}: ")
        + text(inc.category, "code")
    )
    window = f"{i18n.when(inc.start, lang)} → {i18n.when(inc.end, lang)}"
    facts.append(text(f"{t['window']}: {window} ({i18n.duration(inc.impact.duration_seconds, lang)})"))
    if inc.recovered_at:
        facts.append(text(f"{t['recovered']}: {i18n.when(inc.recovered_at, lang)}"))
    return facts


def _impact(inc: IncidentView, t: dict[str, Any]) -> list[tuple[str, str]]:
    i = inc.impact
    rows = [(t["failed_calls"], i18n.number(i.failed_calls)), (t["attempts"], i18n.number(i.attempts))]
    if inc.figures:
        rows.append((t["peak_figures"], peak(inc.figures, t)))
    if i.declined_payments:
        rows.append((t["declined_payments"], i18n.number(i.declined_payments)))
    rows += [
        (t["failure_share"], i18n.percent(i.failure_share)),
        (t["models"], ", ".join(i.models)),
        (t["organizations"], ", ".join(i.organizations)),
        (t["sources"], ", ".join(i.sources) or "-"),
    ]
    return [(label, value) for label, value in rows if value not in ("", "-")]  # no row without a value


def _why(inc: IncidentView, t: dict[str, Any]) -> str:
    stop, sep = t["stop"], t["stop_sep"]
    grouped = f" {t['grouped']}: {inc.details_text}{stop}" if inc.details_text else ""
    details = (
        f"{t['why_details']}: {t['opened']}: {inc.opened_text}{sep}{t['closed']}: {inc.closed_text}{stop}{grouped}"
    )
    return f"{inc.grouped_text}{sep}{details}"


def _evidence(ev: Evidence, t: dict[str, Any]) -> list[Node]:
    found = [paragraph(text(f"{ev.source}:{ev.line}", "code"), text(f" · {ev.time} · "), text(ev.rule, "code"))]
    found.append(code_block(ev.text))
    if ev.truncated:
        found.append(paragraph(text(f"({i18n.number(ev.truncated)} {t['more_chars']})")))
    return found


def _action(ev: Evidence) -> list[Node]:
    return text(f"{ev.time} ") + text(f"{ev.source}:{ev.line}", "code") + text(": " + ev.text)


def _remediation(inc: IncidentView, t: dict[str, Any], brief: bool) -> list[Node]:
    r = inc.remediation
    assert r is not None
    found = [heading(3, t["remediation"]), paragraph(text(r.summary)), *bullets(text(step) for step in r.steps)]
    if not brief and r.references:
        found.append(paragraph(text(f"{t['references']} ({t['checked']} {r.checked}):")))
        found += bullets(text(ref, href=ref if jira.is_url(ref) else "") for ref in r.references)
    return found


def _unrecognised(report: Report, shown: Shown) -> list[Node]:
    if not report.unrecognised:
        return []
    t = report.text
    header = [t["kind"], t["count"], t["first_seen"], t["last_seen"], t["template"], t["example"]]
    rows = (
        [text(u.rule, "code"), text(i18n.number(u.count)), text(u.first_seen or "-"), text(u.last_seen or "-"),
         text(u.template, "code"), text(f"{u.example.source}:{u.example.line}", "code")]
        for u in shown.unrecognised
    )  # fmt: skip
    found = [heading(2, t["unrecognised"]), paragraph(text(t["unrecognised_note"])), *table(header, rows)]
    if shown.more_unrecognised:
        found.append(paragraph(text(t["fit"]["more"].format(count=i18n.number(shown.more_unrecognised)))))
    return found


def _gone(report: Report) -> list[Node]:
    if not report.baseline or not report.baseline.gone:
        return []
    t = report.text
    header = ["#", t["severity"], t["incident"], t["category"], t["first_seen"], t["last_seen"], t["status"]]
    rows = (
        [text(g.id), text(g.severity), text(g.title), text(g.category, "code"), text(g.first_seen or "-"),
         text(g.last_seen or "-"), text(g.status)]
        for g in report.baseline.gone
    )  # fmt: skip
    note = paragraph(text(t["gone_note"] + " "), text(report.baseline.source, "code"))
    return [heading(2, t["gone"]), note, *table(header, rows)]
