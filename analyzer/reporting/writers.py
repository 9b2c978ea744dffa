"""The writers: JSON with json.dumps; Markdown, HTML, text and Jira markup through one jinja2 Environment.

The environment has StrictUndefined and autoescape for HTML. The HTML page inlines its stylesheet and
its one static script; the script's sha256 goes into the page's Content-Security-Policy, and the only
data the script reads is a JSON block (`type="application/json"`) with `<`, `>` and `&` escaped.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import fields
from functools import cache
from typing import TYPE_CHECKING, Any

from markupsafe import Markup

from .. import resources
from . import i18n, jira, support
from .model import INCIDENT_VIEW_ONLY, VIEW_ONLY, IncidentView, Report
from .timeline import mermaid_label, mermaid_time

if TYPE_CHECKING:
    import jinja2

TEMPLATES = {"md": "report.md.j2", "text": "report.txt.j2", "html": "report.html.j2", "jira": "report.jira.j2"}
CSP = (
    "default-src 'none'; script-src {script}; style-src 'unsafe-inline'; img-src data:; "
    "base-uri 'none'; form-action 'none'"
)


def to_json(report: Report) -> str:
    """The JSON report (schema logscan.report/1): the view-model without its view-only parts."""
    return "".join(json_chunks(report))


_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))  # compact: the C encoder
EVENTS_PER_CHUNK = 1000


def json_chunks(report: Report, listed: int | None = None) -> Iterator[str]:
    """The JSON report in pieces, the events a thousand at a time as they are made: what json.dumps
    of the whole gives, without the whole in memory at once (a long outage has a million events).
    `listed`: the first so many events only (--events), the summary saying how many were left out."""
    encode = _ENCODER.encode
    data: dict[str, Any] = {
        name: None if name == "events" else _plain(getattr(report, name)) for name in _json_fields()
    }
    data["generator"] = {"name": "logscan", "version": report.version}
    if listed is not None:
        data["summary"]["events_left_out"] = max(0, len(report.events) - listed)
    for inc in data["incidents"]:
        inc["evidence"] = [_evidence_json(e) for e in inc["evidence"]]
        inc["actions"] = [_evidence_json(e) for e in inc["actions"]]
    for group in data["unrecognised"]:
        group["example"] = _evidence_json(group["example"])
    for n, (name, value) in enumerate(data.items()):
        yield ("," if n else "{") + encode(name) + ":"
        if name != "events":
            yield encode(value)
            continue
        rows = report.events.json(encode)
        if listed is not None:
            rows = itertools.islice(rows, listed)
        yield "["
        first = True
        while batch := list(itertools.islice(rows, EVENTS_PER_CHUNK)):
            yield ("" if first else ",") + ",".join(batch)
            first = False
        yield "]"
    yield "}\n"


_LEFT_OUT = {Report: VIEW_ONLY, IncidentView: INCIDENT_VIEW_ONLY}


def _json_fields() -> list[str]:
    return [name for name in _field_names(Report) if name not in VIEW_ONLY]


def _plain(value: Any) -> Any:
    """Dataclasses as dicts, tuples as lists, all the way down, without the view-only fields: what
    dataclasses.asdict gives, without its deep copies of every leaf (seconds for a big report)."""
    if hasattr(type(value), "__dataclass_fields__"):
        left_out = _LEFT_OUT.get(type(value), ())
        return {name: _plain(getattr(value, name)) for name in _field_names(type(value)) if name not in left_out}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def _field_names(cls: type) -> tuple[str, ...]:
    names = _FIELD_NAMES.get(cls)
    if names is None:
        names = _FIELD_NAMES[cls] = tuple(f.name for f in fields(cls))
    return names


def _evidence_json(evidence: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in evidence.items() if k != "truncated" or v}


def template_chunks(report: Report, fmt: str, color: bool = False, **extra: Any) -> Iterator[str]:
    """The report through the template of a format (md, text, html, jira), in pieces to write as they come;
    `extra` are more of the template's variables (a fitted format's `shown`)."""
    template = environment().get_template(TEMPLATES[fmt])
    if fmt == "html":
        extra |= html_assets(report)
    return template.generate(report=report, t=report.text, color=color, **extra)


@cache
def environment() -> jinja2.Environment:
    """The one jinja2 environment of every template (jinja2 is imported here: a JSON report needs none)."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(resources.templates_dir())),
        undefined=jinja2.StrictUndefined,
        autoescape=jinja2.select_autoescape(["html", "html.j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(
        fence=fence,
        md_cell=md_cell,
        heading=heading,
        md_code=md_code,
        md_codes=md_codes,
        percent=i18n.percent,
        num=i18n.number,
        clock=i18n.clock,
        mlabel=mermaid_label,
        mtime=mermaid_time,
        duration=_in_lang(i18n.duration),
        when=_in_lang(i18n.when),
        later=_later(),
        **jira.FILTERS,
    )
    env.globals["peak"] = peak
    env.globals["support_rows"] = support.rows
    return env


def peak(figures: dict[str, str], text: dict[str, Any]) -> str:
    """Peak rate-limit figures in words: `TPM: limit 30000, used 29990, requested 4000 (gpt-4o)`."""
    unit = figures.get("limit_unit") or figures.get("limit_kind") or ""
    return str(text["peak_format"]).format(
        unit=f"{unit}: " if unit else "",
        limit=figures.get("limit", "-"),
        used=figures.get("used", "-"),
        requested=figures.get("requested", "-"),
        model=f" ({figures['model']})" if figures.get("model") else "",
    )


def _later() -> Any:
    """The `later` filter (a time after another: its date only when they differ), in the report's language."""
    import jinja2

    @jinja2.pass_context
    def filter_(context: jinja2.runtime.Context, iso: str | None, since: str | None) -> str:
        return i18n.later(iso, since, context["report"].lang)

    return filter_


def _in_lang(func: Any) -> Any:
    """A filter that formats for the language of the report being rendered."""
    import jinja2

    @jinja2.pass_context
    def filter_(context: jinja2.runtime.Context, value: Any) -> str:
        return str(func(value, context["report"].lang))

    return filter_


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


HEADING_CHARS = 100  # a Markdown H1 (an issue's first line, a notification's subject) stays this short


def heading(text: str, limit: int = HEADING_CHARS) -> str:
    """`text` cut at a word before `limit` characters, with an ellipsis; the whole text goes below it."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    return cut[: cut.rfind(" ")].rstrip(",;:") + "…" if " " in cut else cut + "…"


def md_cell(value: object) -> str:
    """A value of logscan's own (a title, a label) safe in Markdown prose or a table cell: every
    character that could start markup escaped, no line breaks, no HTML. Text from a log goes in
    `md_code`: an escaped `@name` is still a mention on GitHub."""
    text = _MD_MARKUP.sub(r"\\\g<0>", str(value).replace("\r", " ").replace("\n", " "))
    return text.replace("<", "&lt;").replace(">", "&gt;")


# What can start inline markup: a link or an image needs "[", emphasis "*" or a "_" at a word's edge
# (inside a word it is none), a mention "@", a reference "#"; "|" ends a table cell.
_MD_MARKUP = re.compile(r"[\\`*\[\]|~@#]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")


def md_code(value: object, cell: bool = True) -> str:
    """Text from a log as a Markdown code span, where nothing is markup: no link, no image, no
    mention, no HTML. On one line; in a table cell (`cell`) its pipes escaped, as GFM wants even
    inside a span. Empty for an empty value."""
    text = str(value).replace("\r", " ").replace("\n", " ")
    if cell:
        text = text.replace("|", "\\|")
    if not text:
        return ""
    fence = "`" * (max((len(run) for run in _backtick_runs(text)), default=0) + 1)
    pad = " " if text[0] in "` " or text[-1] in "` " else ""  # a span loses one space each side
    return f"{fence}{pad}{text}{pad}{fence}"


def md_codes(values: Iterable[object]) -> str:
    """Each value a code span, comma-separated; `-` for none."""
    return ", ".join(md_code(v) for v in values if str(v)) or "-"


# --- HTML ----------------------------------------------------------------------------------------


@cache
def _asset(name: str) -> str:
    return (resources.templates_dir() / name).read_text(encoding="utf-8")


def script_hash(script: str) -> str:
    """The CSP source of an inline script: `'sha256-<base64 of its digest>'`."""
    digest = hashlib.sha256(script.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


def json_block(data: Any) -> Markup:
    """JSON for a `<script type="application/json">` block: no `</script>`, no `<!--`, inside."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True)
    escaped = text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
    return Markup(escaped.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def html_assets(report: Report) -> dict[str, Any]:
    """The inline stylesheet and script, the CSP that allows exactly that script, and the script's data."""
    script = _asset("report.js")
    timeline = report.timeline
    data = {
        "start_ms": timeline.start_ms if timeline else 0,
        "end_ms": timeline.end_ms if timeline else 0,
        "offset_minutes": timeline.offset_minutes if timeline else 0,
        "labels": {k: report.text[k] for k in ("shown", "reset_zoom", "zoom_hint")},
    }
    return {
        "style": Markup(_asset("report.css")),
        "script": Markup(script),
        "csp": CSP.format(script=script_hash(script)),
        "page_data": json_block(data),
    }
