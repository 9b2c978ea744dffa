"""The registry of report formats: each name's writer, the target it fits, its size limit, its file suffixes.

A writer takes the view-model and the write options and gives the report in pieces. The CLI's `-f` choices,
the suffixes `-o` recognises and the default limits all come from FORMATS; nothing dispatches on a name
elsewhere. Fitted formats (a limit) are rendered, measured and rendered again smaller (fit.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from . import adf, fit, pager, writers
from .model import Report

GITHUB_BODY = 65_536  # characters of a GitHub issue or comment body (GitLab takes 1,000,000)
JIRA_FIELD = 32_767  # characters of a Jira text field (description, comment), Server and Cloud


@dataclass(frozen=True, slots=True)
class WriteOptions:
    """How to write a report, beyond its view-model."""

    color: bool = False
    max_chars: int | None = None  # a fitted format's limit; None: the format's own
    full_report: str = ""  # where the whole report is written when a fitted one is shortened (a file name)
    report_url: str = ""  # where the report is published: the pager events link to it
    routing_key: str = ""  # PagerDuty's: written into its events' routing_key, nowhere else
    jsonl: bool = False  # pager events one a line instead of a JSON array
    events: int | None = None  # events the JSON report lists (--events): the first so many; None: all


Writer = Callable[[Report, WriteOptions], Iterable[str]]


@dataclass(frozen=True, slots=True)
class Format:
    writer: Writer
    target: str  # what it is for (README, --help)
    limit: int | None = None  # characters the target takes: a fitted format
    suffixes: tuple[str, ...] = ()


def _templated(fmt: str) -> Writer:
    return lambda report, options: writers.template_chunks(report, fmt, options.color)


def _fitted(render: fit.Render, default: int) -> Writer:
    def write(report: Report, options: WriteOptions) -> fit.Fitted:
        where = options.full_report or options.report_url
        return fit.fit(report, render, options.max_chars or default, where)

    return write


def _md(report: Report, shown: fit.Shown) -> str:
    return "".join(writers.template_chunks(report, "md", shown=shown))


def _jira(report: Report, shown: fit.Shown) -> str:
    return "".join(writers.template_chunks(report, "jira", shown=shown))


FORMATS: dict[str, Format] = {
    "text": Format(_templated("text"), "a terminal", suffixes=(".txt",)),
    "md": Format(_fitted(_md, GITHUB_BODY), "GitHub and GitLab issues", GITHUB_BODY, (".md", ".markdown")),
    "html": Format(_templated("html"), "a browser, an attachment", suffixes=(".html", ".htm")),
    "json": Format(
        lambda report, options: writers.json_chunks(report, options.events),
        "machines (logscan.report/1)",
        suffixes=(".json",),
    ),
    "jira": Format(_fitted(_jira, JIRA_FIELD), "Jira Server and Data Center (wiki markup)", JIRA_FIELD, (".jira",)),
    "adf": Format(_fitted(adf.render, JIRA_FIELD), "Jira Cloud (REST API v3, ADF)", JIRA_FIELD, (".adf",)),
    "pagerduty": Format(pager.pagerduty, "PagerDuty Events API v2"),
    "opsgenie": Format(pager.opsgenie, "Opsgenie Alert API"),
}
SUFFIXES = {suffix: name for name, f in FORMATS.items() for suffix in f.suffixes}
FITTED = tuple(name for name, f in FORMATS.items() if f.limit)
PAGERS = ("pagerduty", "opsgenie")


def render_chunks(report: Report, fmt: str, color: bool = False, options: WriteOptions | None = None) -> Iterable[str]:
    """The report in one format, in pieces to write as they come (a fitted format: a `fit.Fitted`)."""
    return FORMATS[fmt].writer(report, options or WriteOptions(color=color))


def render(report: Report, fmt: str, color: bool = False, options: WriteOptions | None = None) -> str:
    """The report in one format."""
    return "".join(render_chunks(report, fmt, color, options))
