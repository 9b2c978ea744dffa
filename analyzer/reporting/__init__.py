"""Reporting: the analysis into a view-model (model.py), then into JSON, Markdown, HTML or a terminal summary.

Templates get a `Report` (never the raw analysis) through one jinja2 Environment (writers.py):
StrictUndefined, autoescape for HTML. JSON is written with json.dumps, never a template.
"""

from __future__ import annotations

from . import baseline
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
from .writers import environment, fence, md_cell, render, render_chunks, to_json

FORMATS = ("text", "md", "html", "json")
SUFFIXES = {".md": "md", ".markdown": "md", ".html": "html", ".htm": "html", ".json": "json", ".txt": "text"}

__all__ = [
    "FORMATS",
    "SUFFIXES",
    "Evidence",
    "Impact",
    "IncidentView",
    "Report",
    "Summary",
    "Unrecognised",
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
