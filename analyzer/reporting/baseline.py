"""Memory across runs: this run's incidents against those of an earlier JSON report (`--baseline`).

An incident is `known` when the baseline has its fingerprint, or when it continues one of the baseline's
incidents: same incident rule, root cause and group-by key, its window overlapping that one's or starting
within the rule's `gap` after it ended (what one run over both inputs would have made one incident: this
run's input began after the incident did). A continuing incident takes the baseline's fingerprint, so that a
pager's dedup key stays the same. `regressed` is known, resolved in the baseline, and failing again after
that incident's end; `new` is anything else. The baseline's incidents that no incident of this run matches
are `gone`. First and last seen carry over: the earliest first and the latest last of the two.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, Any

from ..errors import UsageError
from . import fingerprint
from .model import SCHEMA, headline

if TYPE_CHECKING:
    from .model import IncidentView, Report

NOVELTIES = ("new", "known", "regressed")
_FIX = "name a JSON report of logscan (-f json)"


@dataclass(frozen=True, slots=True)
class Remembered:
    """An incident of the baseline, as its JSON report gave it."""

    id: str
    fingerprint: str
    title: str
    category: str
    severity: str
    status: str
    start: str | None
    end: str | None
    first_seen: str | None
    last_seen: str | None
    rule: str
    group: dict[str, str]


@dataclass(frozen=True, slots=True)
class BaselineView:
    """What the baseline made of this run's incidents (in the JSON as `baseline`)."""

    source: str  # the baseline's file, as named
    new: int
    known: int
    regressed: int
    gone: tuple[Remembered, ...]  # its incidents no incident of this run matched


def parse(text: str, name: str) -> tuple[Remembered, ...]:
    """The incidents of a JSON report; a UsageError (one line) for anything else."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise UsageError("--baseline", f"{name}: not JSON ({exc})", _FIX) from None
    if not isinstance(data, dict) or data.get("schema") != SCHEMA or not isinstance(data.get("incidents"), list):
        raise UsageError("--baseline", f"{name}: not a report of schema {SCHEMA}", _FIX)
    try:
        return tuple(_remembered(inc) for inc in data["incidents"])
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise UsageError("--baseline", f"{name}: an incident without {exc}", _FIX) from None


def _remembered(inc: dict[str, Any]) -> Remembered:
    group = {str(k): str(v) for k, v in (inc.get("group") or {}).items()}
    start = inc["start"]
    made = fingerprint.digest(fingerprint.identity_of(inc.get("rule", ""), inc["category"], group, _time(start)))
    return Remembered(
        id=str(inc["id"]),
        fingerprint=str(inc.get("fingerprint") or made),  # a report older than fingerprints: made from its parts
        title=str(inc["title"]),
        category=str(inc["category"]),
        severity=str(inc["severity"]),
        status=str(inc["status"]),
        start=start,
        end=inc["end"],
        first_seen=inc.get("first_seen") or start,
        last_seen=inc.get("last_seen") or inc["end"],
        rule=str(inc.get("rule", "")),
        group=group,
    )


def apply(
    report: Report, remembered: Sequence[Remembered], source: str, gaps: Mapping[str, timedelta], tz: tzinfo
) -> Report:
    """The report with each incident's novelty, carried-over fingerprint and first and last seen (in `tz`),
    the baseline's gone incidents, and a headline that says how many are new. `gaps`: each incident
    rule's gap, within which an incident continues one of the baseline's."""
    matched: dict[int, Remembered] = {}
    free = list(remembered)
    order = sorted(range(len(report.incidents)), key=lambda n: _order(report.incidents[n], n))
    for n in order:
        found = _match(report.incidents[n], free, gaps)
        if found is not None:
            matched[n] = found
            free.remove(found)
    incidents = tuple(_marked(inc, matched.get(n), tz) for n, inc in enumerate(report.incidents))
    counts = {v: sum(1 for i in incidents if i.novelty == v) for v in NOVELTIES}
    view = BaselineView(source, counts["new"], counts["known"], counts["regressed"], tuple(free))
    line = report.text["baseline_headline"].format(gone=len(free), **counts)
    title = f"{line} {headline(incidents, report.text, report.lang)}"
    return replace(report, incidents=incidents, baseline=view, headline=title)


def _order(inc: IncidentView, n: int) -> tuple[bool, float, int]:
    start = _time(inc.start)
    return (start is None, start.timestamp() if start else 0.0, n)


def _match(inc: IncidentView, free: list[Remembered], gaps: Mapping[str, timedelta]) -> Remembered | None:
    same = next((r for r in free if r.fingerprint == inc.fingerprint), None)
    if same is not None:
        return same
    start, end = _time(inc.start), _time(inc.end)
    if start is None or end is None:
        return None
    gap = gaps.get(inc.rule, timedelta(0))
    for r in free:
        if (r.rule, r.category, r.group) != (inc.rule, inc.category, inc.group):
            continue
        r_start, r_end = _time(r.start), _time(r.end)
        if r_start is not None and r_end is not None and r_start <= end and start <= r_end + gap:
            return r
    return None


def _marked(inc: IncidentView, known: Remembered | None, tz: tzinfo) -> IncidentView:
    if known is None:
        return replace(inc, novelty="new")
    end, known_end = _time(inc.end), _time(known.end)
    back = known.status == "resolved" and end is not None and known_end is not None and end > known_end
    return replace(
        inc,
        novelty="regressed" if back else "known",
        fingerprint=known.fingerprint,
        first_seen=_pick(known.first_seen, inc.first_seen, tz, min),
        last_seen=_pick(known.last_seen, inc.last_seen, tz, max),
    )


def _pick(theirs: str | None, ours: str | None, tz: tzinfo, pick: Any) -> str | None:
    """`pick` (min or max) of two ISO times, in this report's zone."""
    times = [t for t in (_time(theirs), _time(ours)) if t is not None]
    if not times:
        return ours
    chosen = pick(times)
    return str(chosen.astimezone(tz).isoformat(timespec="milliseconds"))


def _time(text: str | None) -> datetime | None:
    if not text:
        return None
    when = datetime.fromisoformat(text)
    if when.tzinfo is None:
        raise ValueError("a time without its offset")
    return when
