"""What a report adds to each incident of the analysis: its fingerprint, its first and last seen (its own
window, until --baseline carries an earlier run's over) and its block for OpenAI support."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from . import fingerprint, support

if TYPE_CHECKING:
    from ..models import Analysis
    from .model import IncidentView


def enrich(views: tuple[IncidentView, ...], analysis: Analysis) -> tuple[IncidentView, ...]:
    """The views (one per incident of the analysis, in its order) with what the analysis alone tells."""
    prints = fingerprint.fingerprints(analysis.incidents)
    headers = support.readings(analysis.events)
    return tuple(
        replace(
            view,
            fingerprint=print_,
            first_seen=view.start,
            last_seen=view.end,
            support=support.build(inc, analysis.texts, headers),
        )
        for view, inc, print_ in zip(views, analysis.incidents, prints, strict=True)
    )
