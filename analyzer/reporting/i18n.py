"""The words of a report: labels from messages.toml, and durations, dates and numbers per language."""

from __future__ import annotations

import re
import tomllib
from datetime import datetime
from functools import cache
from typing import Any

from .. import resources
from ..models import Category, Incident

LANGUAGES = ("en", "ja")
CHAIN_KEY = "chain_billing_card_quota"

# What correlation says about an incident (English), and the message key of its translation.
_REASONS = (
    (re.compile(r"first failure: (?P<rule>\S+) at (?P<time>.+?) \((?P<where>.+)\)"), "first_failure"),
    (
        re.compile(
            r"(?P<count>\d+) (?:failures|distinct (?P<field>\S+) values) within (?P<gap>.+?) "
            r"\((?P<op>\S+) (?P<threshold>\S+)\) at (?P<time>.+?) \((?P<where>.+)\)"
        ),
        "threshold",
    ),
    (
        re.compile(
            r"(?P<rule>\S+) at (?P<time>.+?) \((?P<where>.+?)\) not followed by what was awaited within (?P<gap>.+)"
        ),
        "absence",
    ),
    (
        re.compile(
            r"(?P<id>\S+): (?P<rule>\S+) at (?P<time>.+?) \((?P<where>.+?)\): the input ended before its (?P<gap>.+) "
            r"window did"
        ),
        "absence_open",
    ),
    (re.compile(r"(?P<count>\d+) events \((?P<failures>\d+) failures\): (?P<rest>.+)"), "grouped"),
    (re.compile(r"sequence: (?P<steps>.+)"), "sequence"),
    (re.compile(r"the sequence completed at (?P<time>.+)"), "sequence_done"),
    (re.compile(r"the (?P<gap>.+) window ended with nothing awaited"), "absence_done"),
    (re.compile(r"(?P<rule>\S+) at (?P<time>.+?) \((?P<where>.+)\)"), "opened_at"),
    (re.compile(r"first successful call at (?P<time>.+), no failure for (?P<gap>.+) after it"), "recovered_confirmed"),
    (re.compile(r"first successful call at (?P<time>.+); the input ended before it was confirmed"), "recovered_early"),
    (re.compile(r"no failure for (?P<gap>.+) after the last one"), "quiet"),
    (re.compile(r"no (?P<category>\S+) event for (?P<gap>.+)"), "quiet_gap"),
    (re.compile(r"ongoing: the input ended inside it"), "ongoing_at_end"),
    (re.compile(r"events without any timestamp in their source"), "undated_opened"),
    (re.compile(r"grouped by category: the input has no times to order them"), "undated_closed"),
)
_STEP_WORDS = re.compile(r"\b(incident|from|at)\b ")
_GAP = re.compile(r"(\d+) (h|min|s)\b")


@cache
def _catalogue() -> dict[str, Any]:
    with open(resources.templates_dir() / "messages.toml", "rb") as f:
        return tomllib.load(f)


def messages(lang: str) -> dict[str, Any]:
    """The labels of one language, from report_templates/messages.toml."""
    return dict(_catalogue()[lang])


def title_key(inc: Incident) -> str:
    """The key of an incident's title in a `titles` table: its root category, or the card chain."""
    if Category.BILLING_CARD in inc.categories and Category.QUOTA in inc.categories:
        return CHAIN_KEY
    return inc.category.value


def local_title(inc: Incident, lang: str) -> str:
    """English keeps the rule's own title (the JSON's); other languages take their `titles` table."""
    if lang == "en":
        return inc.title
    return str(messages(lang)["titles"].get(title_key(inc), inc.title))


def reason(text: str, lang: str) -> str:
    """A correlation reason in `lang`; English, or a wording no pattern knows, stays as it is."""
    if lang == "en":
        return text
    table = messages(lang)["reasons"]
    for pattern, key in _REASONS:
        found = pattern.fullmatch(text)
        if found:
            parts = {k: v or "" for k, v in found.groupdict().items()}
            parts["gap"] = _gap(parts.get("gap", ""), lang)
            parts["steps"] = _STEP_WORDS.sub(lambda m: table["words"][m.group(1)], parts.get("steps", ""))
            key = "threshold_values" if key == "threshold" and parts["field"] else key
            return str(table[key].format(**parts))
    return text


def _gap(text: str, lang: str) -> str:
    units = messages(lang)["units"]
    return _GAP.sub(lambda m: f"{m.group(1)}{units[m.group(2)]}", text)


def duration(seconds: float | None, lang: str = "en") -> str:
    """`1 h 03 min`, `4 min 10 s`, `12 s`; in Japanese `1時間03分`, `4分10秒`, `12秒`."""
    if seconds is None:
        return "-"
    hours, rest = divmod(round(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    u = messages(lang)["units"]
    if hours:
        return f"{hours}{u['h']}{u['sep']}{minutes:02d}{u['min']}"
    if minutes:
        return f"{minutes}{u['min']}{u['sep']}{secs:02d}{u['s']}"
    return f"{secs}{u['s']}"


def when(iso: str | None, lang: str = "en") -> str:
    """An ISO time for prose: `2026-03-14 09:41:07 (+09:00)`, `2026年3月14日 09:41:07 (+09:00)`."""
    if not iso:
        return "-"
    t = datetime.fromisoformat(iso)
    offset = iso[-6:] if iso[-6] in "+-" else "+00:00"
    day = f"{t.year}年{t.month}月{t.day}日" if lang == "ja" else f"{t:%Y-%m-%d}"
    return f"{day} {t:%H:%M:%S} ({offset})"


def clock(iso: str | None) -> str:
    """The wall-clock part of an ISO time, `09:41:07`."""
    return datetime.fromisoformat(iso).strftime("%H:%M:%S") if iso else "-"


def number(value: int) -> str:
    """Thousands grouped with commas (the same in both languages)."""
    return f"{value:,}"


def percent(share: float | None) -> str:
    return "-" if share is None else f"{share:.0%}"
