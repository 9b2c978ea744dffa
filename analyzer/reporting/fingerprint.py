"""Fingerprints: one id per incident that every run finding the same incident gives it.

What identifies an incident is the incident rule that made it, its root category, its group-by key and
the second of its first member event, in UTC. Nothing of its run goes in: not its number (INC-001 is
per run), its sources' names, its line numbers, the lines around it or the report's time zone. Two
incidents of one rule and key never start in the same second (the rule's `gap` lies between them); if
they did, the later ones would take an ordinal, so that one run never shows two incidents with one
fingerprint.

Limits (README, "Fingerprints"): an incident whose first events fall outside a run's input or its
--since window starts later in that run, and has another fingerprint there (`--baseline` carries the
earlier run's over, baseline.py); one that a chain takes in (card declined, then quota) has the chain's.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

from ..models import Incident

VERSION = "1"  # part of what is hashed: a change of recipe changes every fingerprint, knowingly
LENGTH = 32  # hex digits: 128 bits


def identity(inc: Incident) -> str:
    """What the fingerprint is made of, as text: `1|incident.rate_limit_storm|rate_limit|limit_unit=TPM|2026-...Z`."""
    return identity_of(inc.rule, inc.category.value, inc.group, inc.start)


def identity_of(rule: str, category: str, group: Mapping[str, str], start: datetime | None) -> str:
    """The identity of the parts of an incident (a JSON report's, which has them all, too)."""
    key = ",".join(f"{k}={v}" for k, v in sorted(group.items()))
    when = start.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if start else "undated"
    return "|".join((VERSION, rule or "-", category, key, when))


def fingerprint(inc: Incident, ordinal: int = 1) -> str:
    """32 hex digits of the SHA-256 of the incident's identity (and its ordinal, past the first)."""
    return digest(identity(inc), ordinal)


def digest(identity: str, ordinal: int = 1) -> str:
    text = identity + (f"#{ordinal}" if ordinal > 1 else "")
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:LENGTH]


def fingerprints(incidents: Sequence[Incident]) -> list[str]:
    """The fingerprint of each incident, in order; ordinals (by start, then order) where identities meet."""
    seen: dict[str, int] = {}
    ranked = sorted(range(len(incidents)), key=lambda n: (_start_key(incidents[n]), n))
    found = [""] * len(incidents)
    for n in ranked:
        key = identity(incidents[n])
        seen[key] = seen.get(key, 0) + 1
        found[n] = digest(key, seen[key])
    return found


def _start_key(inc: Incident) -> tuple[bool, float]:
    return (inc.start is None, inc.start.timestamp() if inc.start else 0.0)
