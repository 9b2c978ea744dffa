"""Reports that fit their tracker: render, measure, and render again from a smaller view until it fits.

A fitted format (md, jira, adf) is rendered from the view-model and a `Shown`: which incidents go in the
summary table and in detail, how much of each evidence text, whether timelines and the longer details
are in. The first rendering shows everything; while the text is longer than the limit, the next budget
of a fixed ladder leaves out the least important parts first: evidence beyond its first lines, then the
details of low-severity incidents, then timelines and the longer details of every incident, then the
details of the least severe incidents one by one, then rows of the tables. Nothing is ever cut inside a
block or a table: a part is in, or out, whole. The same report and limit always give the same text.

Characters are counted as Jira and GitHub count them at worst: in UTF-16 code units (an emoji is two).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import Any

from .model import Evidence, IncidentView, Report, SourceView, Unrecognised

FULL_HINT_FORMAT = "html"


@dataclass(frozen=True, slots=True)
class Budget:
    """How much a rendering may show; None is everything."""

    evidence: int | None = None  # evidence items per incident
    lines: int | None = None  # lines of each evidence text
    chars: int | None = None  # characters of each evidence text
    low: bool = True  # low- and info-severity incidents in detail
    timelines: bool = True
    brief: bool = False  # why grouped, recovery actions and references left out
    details: int | None = None  # incidents in detail, worst first
    rows: int | None = None  # incidents in the summary table
    unrecognised: int | None = None  # rows of the table of unrecognised failures
    sources: int | None = None  # sources named in the summary


LADDER = (
    Budget(),
    Budget(lines=6, chars=1000),
    Budget(evidence=3, lines=2, chars=400, unrecognised=20),
    Budget(evidence=3, lines=2, chars=400, unrecognised=20, low=False),
    Budget(evidence=1, lines=1, chars=300, unrecognised=10, low=False, timelines=False, brief=True, sources=20),
)


@dataclass(frozen=True, slots=True)
class Shown:
    """What a fitted report shows of its view-model, and what it says it left out."""

    rows: tuple[IncidentView, ...]  # incidents in the summary table
    detailed: tuple[IncidentView, ...]  # incidents in detail, their evidence cut to the budget
    more_rows: int  # incidents not in the table
    timelines: bool
    brief: bool
    unrecognised: tuple[Unrecognised, ...]
    more_unrecognised: int
    sources: tuple[SourceView, ...]
    more_sources: int
    left_out: tuple[str, ...]  # what was left out, in the report's language; empty when nothing was
    full_report: str  # where the whole report is: a file beside this one, an address, or how to write it
    limit: int


def size(text: str) -> int:
    """Characters as Jira (Java) and GitHub count them at worst: UTF-16 code units."""
    if text.isascii():
        return len(text)
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


Render = Callable[[Report, Shown], str]


@dataclass(frozen=True, slots=True)
class Fitted:
    """A fitted report: its text, and whether anything was left out (the CLI then writes the whole report
    beside it)."""

    text: str
    shortened: bool

    def __iter__(self) -> Iterator[str]:
        return iter((self.text,))


def fit(report: Report, render: Render, limit: int, full_report: str) -> Fitted:
    """The first rendering, down the ladder and then by fewer incidents, that is at most `limit` characters;
    the smallest one when none is."""
    tried: dict[Budget, str] = {}

    def text_of(budget: Budget) -> str:
        if budget not in tried:
            tried[budget] = render(report, shown(report, budget, limit, full_report))
        return tried[budget]

    for budget in LADDER:
        if size(text_of(budget)) <= limit:
            return Fitted(text_of(budget), budget != LADDER[0])
    last = LADDER[-1]
    candidates = len(_candidates(report, last))
    details = _most(lambda n: replace(last, details=n), candidates, limit, text_of)
    if details is not None:
        return Fitted(text_of(replace(last, details=details)), True)
    bare = replace(last, details=0, unrecognised=0, sources=5)
    rows = _most(lambda n: replace(bare, rows=n), len(report.incidents), limit, text_of)
    return Fitted(text_of(replace(bare, rows=rows or 0)), True)


def _most(budget: Callable[[int], Budget], top: int, limit: int, text_of: Callable[[Budget], str]) -> int | None:
    """The largest n in 0..top whose budget fits (sizes grow with n), None when not even 0 does."""
    if size(text_of(budget(0))) > limit:
        return None
    lo, hi = 0, top  # budget(lo) fits
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if size(text_of(budget(mid))) <= limit:
            lo = mid
        else:
            hi = mid - 1
    return lo


def _candidates(report: Report, budget: Budget) -> tuple[IncidentView, ...]:
    if budget.low:
        return report.incidents
    return tuple(i for i in report.incidents if i.severity not in ("low", "info"))


def shown(report: Report, budget: Budget, limit: int, full_report: str) -> Shown:
    """What `budget` lets a rendering of `report` show, and the sentences that say what it left out."""
    candidates = _candidates(report, budget)
    detailed = tuple(_trimmed(i, budget) for i in candidates[: budget.details])
    rows = report.incidents[: budget.rows]
    unrecognised = report.unrecognised[: budget.unrecognised]
    sources = report.summary.sources[: budget.sources]
    cut = sum(1 for i, d in zip(candidates, detailed, strict=False) if i.evidence != d.evidence)
    counts = {
        "evidence": cut,
        "low": len(report.incidents) - len(candidates),
        "timelines": 0 if budget.timelines else len(detailed),
        "brief": len(detailed) if budget.brief else 0,
        "details": len(candidates) - len(detailed),
        "rows": len(report.incidents) - len(rows),
        "unrecognised": len(report.unrecognised) - len(unrecognised),
        "sources": len(report.summary.sources) - len(sources),
    }
    words = report.text["fit"]
    left_out = tuple(_said(words, key, n, budget, detailed) for key, n in counts.items() if n)
    return Shown(
        rows, detailed, len(report.incidents) - len(rows), budget.timelines, budget.brief,
        unrecognised, len(report.unrecognised) - len(unrecognised),
        sources, len(report.summary.sources) - len(sources), left_out, full_report, limit,
    )  # fmt: skip


def _said(words: dict[str, Any], key: str, count: int, budget: Budget, detailed: tuple[IncidentView, ...]) -> str:
    """One thing left out, in words: `evidence beyond its first 2 lines (12 incidents)`."""
    return str(
        words[key].format(
            count=count, lines=budget.lines, evidence=budget.evidence, chars=budget.chars, detailed=len(detailed)
        )
    )


def _trimmed(inc: IncidentView, budget: Budget) -> IncidentView:
    evidence = tuple(_cut(e, budget) for e in inc.evidence[: budget.evidence])
    return replace(inc, evidence=evidence) if evidence != inc.evidence else inc


def _cut(ev: Evidence, budget: Budget) -> Evidence:
    text = ev.text
    if budget.lines is not None:
        text = "\n".join(text.split("\n")[: budget.lines])
    if budget.chars is not None:
        text = text[: budget.chars]
    left = len(ev.text) - len(text)
    return replace(ev, text=text, truncated=ev.truncated + left) if left else ev


def everything(report: Report, limit: int = 0) -> Shown:
    """The Shown of an unfitted rendering: all of it."""
    return shown(report, Budget(), limit, "")
