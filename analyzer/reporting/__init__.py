"""Reporting: the analysis into a view-model (model.py), then into a format of the registry (formats.py):
JSON, Markdown, HTML, a terminal summary, Jira wiki markup, Atlassian Document Format, PagerDuty and
Opsgenie events.

Templates get a `Report` (never the raw analysis) through one jinja2 Environment (writers.py):
StrictUndefined, autoescape for HTML. JSON is written with json.dumps, never a template.
"""

from __future__ import annotations

from . import baseline
from .fit import Fitted
from .formats import FITTED, PAGERS, SUFFIXES, WriteOptions, render, render_chunks
from .formats import FORMATS as REGISTRY
from .i18n import messages
from .model import (
    Evidence,
    Impact,
    IncidentView,
    Report,
    Summary,
    Unrecognised,
    build,
    count_calls,
    impact,
    pick_evidence,
    unrecognised,
)
from .writers import environment, fence, md_cell, to_json

FORMATS = tuple(REGISTRY)

__all__ = [
    "FITTED",
    "FORMATS",
    "PAGERS",
    "REGISTRY",
    "SUFFIXES",
    "Evidence",
    "Fitted",
    "Impact",
    "IncidentView",
    "Report",
    "Summary",
    "Unrecognised",
    "WriteOptions",
    "baseline",
    "build",
    "count_calls",
    "environment",
    "fence",
    "impact",
    "md_cell",
    "messages",
    "pick_evidence",
    "render",
    "render_chunks",
    "to_json",
    "unrecognised",
]
