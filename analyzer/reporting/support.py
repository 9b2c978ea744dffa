"""The block "for OpenAI support": per incident, what OpenAI's help centre asks a support request to quote.

Request ids (the first and last few), organisations, projects, models, the window in UTC, error codes and
HTTP statuses (rules/fields.toml's extractors put them on the events); the rate-limit figures: the peak of
the 429 messages (limit, used, requested) and the lowest headroom the `x-ratelimit-*` response headers
showed, during the incident and in the hour before it; Azure's content-filter results (category,
severity, prompt or completion), read from the bodies of content-filter events. Every value comes from
an event's fields or evidence text, which matching has redacted. An incident with none of these has no
block (None), whatever its window.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections import Counter, deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from ..events import fields_of, named, of_kind, places, values_of
from ..evidence import Texts
from ..models import Category, Event, Incident
from . import i18n

REQUEST_IDS_SHOWN = 3  # the first three and the last three
BEFORE = timedelta(hours=1)  # how far back "before the incident" looks for rate-limit headers
FILTER_TEXTS = 200  # content-filter events whose body is read, per incident
KINDS = ("tokens", "requests")


@dataclass(frozen=True, slots=True)
class Headroom:
    """One reading of the rate-limit headers: how much of a limit was left, and when."""

    kind: str  # tokens or requests
    limit: int
    remaining: int
    reset: str
    at: str | None  # UTC

    @property
    def used_share(self) -> float:
        return 1 - self.remaining / self.limit


@dataclass(frozen=True, slots=True)
class RateLimitView:
    unit: str  # TPM, RPM, ... as the 429 message names it
    limit: str
    used: str
    requested: str
    used_share: float | None  # used / limit, at the peak
    lowest: Headroom | None  # the least headroom of the incident's own responses
    before: Headroom | None  # the least headroom in the hour before it opened


@dataclass(frozen=True, slots=True)
class FilterView:
    part: str  # prompt or completion; "" when the body does not say
    category: str  # hate, sexual, violence, self_harm, jailbreak, ...
    severity: str  # safe, low, medium, high; "detected" for jailbreak and protected material
    count: int


@dataclass(frozen=True, slots=True)
class SupportView:
    request_ids: tuple[str, ...]  # the first and last REQUEST_IDS_SHOWN, in time order
    request_id_count: int  # how many were seen (one a call: its lines repeat it)
    organizations: tuple[str, ...]
    projects: tuple[str, ...]
    models: tuple[str, ...]
    start_utc: str | None
    end_utc: str | None
    error_codes: tuple[str, ...]
    statuses: tuple[str, ...]
    rate_limit: RateLimitView | None
    content_filter: tuple[FilterView, ...]


Readings = Sequence[tuple[datetime, Headroom]]  # every header reading of a run, in time order


def readings(events: Sequence[Event]) -> list[tuple[datetime, Headroom]]:
    """The rate-limit header readings of a run's events (a few: most logs have none), in time order."""
    found: list[tuple[datetime, Headroom]] = []
    if not any(named(events, f"ratelimit_remaining_{k}") for k in KINDS):
        return found
    for fields, (time, _, _) in zip(fields_of(events), places(events), strict=True):
        if time is None or not any(f"ratelimit_remaining_{k}" in fields for k in KINDS):
            continue
        for kind in KINDS:
            reading = _reading(fields, kind, time)
            if reading is not None:
                found.append((time, reading))
    return sorted(found, key=lambda r: r[0])


def _reading(fields: Any, kind: str, when: datetime) -> Headroom | None:
    limit, remaining = fields.get(f"ratelimit_limit_{kind}", ""), fields.get(f"ratelimit_remaining_{kind}", "")
    if not (limit.isdigit() and remaining.isdigit()) or int(limit) == 0:
        return None
    reset = fields.get(f"ratelimit_reset_{kind}", "")
    return Headroom(kind, int(limit), min(int(remaining), int(limit)), reset, utc(when))


def build(inc: Incident, texts: Texts, headers: Readings) -> SupportView | None:
    """The support block of an incident, or None when its events name nothing support could use."""
    ids, count = request_ids(inc.events)
    values = _values(inc.events)
    view = SupportView(
        request_ids=ids,
        request_id_count=count,
        organizations=values("organization"),
        projects=values("project"),
        models=values("model"),
        start_utc=utc(inc.start),
        end_utc=utc(inc.end),
        error_codes=values("code"),
        statuses=values("status"),
        rate_limit=rate_limit(inc, headers),
        content_filter=content_filter(inc, texts),
    )
    parts = (view.request_ids, view.organizations, view.projects, view.models, view.error_codes, view.statuses)
    return view if any(parts) or view.rate_limit or view.content_filter else None


def utc(when: datetime | None) -> str | None:
    return when.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z") if when else None


def _values(events: Sequence[Event]) -> Callable[[str], tuple[str, ...]]:
    def of(name: str) -> tuple[str, ...]:
        return tuple(sorted({v for v in values_of(events, name) if v}))

    return of


def request_ids(events: Sequence[Event]) -> tuple[tuple[str, ...], int]:
    """The first and last REQUEST_IDS_SHOWN request ids (a call's lines, which repeat its id, count once)."""
    first: list[str] = []
    last: deque[str] = deque(maxlen=REQUEST_IDS_SHOWN)
    count, previous = 0, ""
    for rid in values_of(events, "request_id"):
        if not rid or rid == previous:
            continue
        previous, count = rid, count + 1
        if len(first) < REQUEST_IDS_SHOWN:
            first.append(rid)
        else:
            last.append(rid)
    return (*first, *last), count


def rate_limit(inc: Incident, headers: Readings) -> RateLimitView | None:
    """The peak of the 429 messages, and the lowest headroom of the headers during and before the incident."""
    figures = inc.figures
    during = _lowest(_between(headers, inc.start, inc.end), figures)
    before = _lowest(_between(headers, inc.start - BEFORE, inc.start, closed=False), figures) if inc.start else None
    if not (figures.get("limit") or during or before):
        return None
    if inc.category is not Category.RATE_LIMIT and not figures:
        return None
    limit, used = figures.get("limit", ""), figures.get("used", "")
    share = float(used) / float(limit) if _number(limit) and _number(used) and float(limit) else None
    unit = figures.get("limit_unit") or figures.get("limit_kind") or ""
    return RateLimitView(unit, limit, used, figures.get("requested", ""), share, during, before)


def _number(text: str) -> bool:
    return text.replace(".", "", 1).isdigit()


def _between(headers: Readings, start: datetime | None, end: datetime | None, closed: bool = True) -> list[Headroom]:
    if start is None or end is None or not headers:
        return []
    times = [t for t, _ in headers]
    lo = bisect_left(times, start)
    found = []
    for t, reading in headers[lo:]:
        if t > end or (t == end and not closed):
            break
        found.append(reading)
    return found


def _lowest(found: list[Headroom], figures: Any) -> Headroom | None:
    """The reading with the least headroom, of the kind the 429 messages name when they name one."""
    unit = (figures.get("limit_unit") or figures.get("limit_kind") or "").upper()
    kind = "requests" if unit.startswith("R") else "tokens" if unit.startswith("T") else ""
    chosen = [r for r in found if not kind or r.kind == kind] or found
    return max(chosen, key=lambda r: r.used_share, default=None)


_FILTERED = re.compile(
    r"""['"](?P<category>hate|sexual|violence|self_harm|jailbreak|profanity|protected_material_text|"""
    r"""protected_material_code|custom_blocklists|indirect_attack)['"]\s*:\s*\{(?P<body>[^{}]{0,300})\}"""
)
_TRUE = re.compile(r"""['"](?:filtered|detected)['"]\s*:\s*(?:True|true)\b""")
_SEVERITY = re.compile(r"""['"]severity['"]\s*:\s*['"](?P<severity>\w{1,20})['"]""")
_PROMPT = re.compile(r"""prompt_filter_results|due to the prompt|['"]param['"]\s*:\s*['"]prompt['"]""")
_COMPLETION = re.compile(r"""finish_reason['"]?\s*[:=]\s*['"]?content_filter|\bcompletion\b""")


def content_filter(inc: Incident, texts: Texts) -> tuple[FilterView, ...]:
    """What Azure's content filter flagged, from the bodies of the incident's content-filter events."""
    counts: Counter[tuple[str, str, str]] = Counter()
    events = of_kind(inc.events, lambda e: e.category is Category.CONTENT_FILTER)[:FILTER_TEXTS]
    for event in events:
        text = texts.of(event)
        if "filter" not in text:
            continue
        part = "prompt" if _PROMPT.search(text) else "completion" if _COMPLETION.search(text) else ""
        for found in _FILTERED.finditer(text):
            body = found.group("body")
            if _TRUE.search(body):
                severity = _SEVERITY.search(body)
                counts[(part, found.group("category"), severity.group("severity") if severity else "detected")] += 1
    return tuple(FilterView(p, c, s, n) for (p, c, s), n in sorted(counts.items()))


def rows(view: SupportView, text: dict[str, Any], lang: str) -> list[tuple[str, str]]:
    """The block as (label, value) pairs in the report's language, for every format's renderer."""
    t = text["support_rows"]
    found = []
    if view.request_ids:
        shown = _ids(view.request_ids, view.request_id_count)
        found.append(
            (t["request_ids"], t["request_ids_format"].format(ids=shown, count=i18n.number(view.request_id_count)))
        )
    for key, values in (("organizations", view.organizations), ("projects", view.projects), ("models", view.models)):
        if values:
            found.append((t[key], ", ".join(values)))
    found.append((t["window_utc"], f"{view.start_utc or '-'} → {view.end_utc or '-'}"))
    codes = [*view.error_codes, *(f"HTTP {s}" for s in view.statuses)]
    if codes:
        found.append((t["error_codes"], ", ".join(codes)))
    if view.rate_limit:
        found += _rate_rows(view.rate_limit, t)
    if view.content_filter:
        parts = [t["filter_format"].format(part=t["parts"].get(f.part or "unknown"), category=f.category,
                 severity=f.severity, count=i18n.number(f.count)) for f in view.content_filter]  # fmt: skip
        found.append((t["content_filter"], "; ".join(parts)))
    return found


def _grouped(figure: str) -> str:
    """A whole number of a 429 message with its thousands grouped (`29,990`); anything else as it is."""
    return i18n.number(int(figure)) if figure.isdigit() else figure or "-"


def share_text(share: float | None) -> str:
    """A share near a limit, to a hundredth of a percent: `99.97%`."""
    return "-" if share is None else f"{share:.2%}"


def _ids(ids: tuple[str, ...], count: int) -> str:
    if count <= len(ids):
        return ", ".join(ids)
    half = REQUEST_IDS_SHOWN
    return ", ".join(ids[:half]) + " … " + ", ".join(ids[half:])


def _rate_rows(rate: RateLimitView, t: dict[str, Any]) -> list[tuple[str, str]]:
    found = []
    if rate.limit:
        share = share_text(rate.used_share)
        found.append(
            (t["rate_peak"], t["rate_peak_format"].format(unit=f"{rate.unit}: " if rate.unit else "",
             used=_grouped(rate.used), limit=_grouped(rate.limit), share=share, requested=_grouped(rate.requested)))
        )  # fmt: skip
    for key, reading in (("headroom", rate.lowest), ("headroom_before", rate.before)):
        if reading:
            found.append((t[key], _headroom(reading, t)))
    return found


def _headroom(r: Headroom, t: dict[str, Any]) -> str:
    return str(
        t["headroom_format"].format(
            remaining=i18n.number(r.remaining), limit=i18n.number(r.limit), kind=t["kinds"][r.kind],
            share=share_text(r.used_share), reset=r.reset or "-", at=r.at or "-",
        )
    )  # fmt: skip
