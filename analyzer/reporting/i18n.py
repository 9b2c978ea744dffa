"""The words of a report: labels from messages.toml, and durations, dates and numbers per language."""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from .. import resources
from ..models import Category, Incident, Reason, ReasonValue

LANGUAGES = ("en", "ja")
CHAIN_KEY = "chain_billing_card_quota"


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


def say(reason: Reason, lang: str, at: Callable[[datetime], str | None]) -> str:
    """A reason of correlation in `lang`: its key's words from messages.toml, its parameters
    (times shown by `at` in the report's zone, durations, categories, the reasons of its steps) in
    the same language. Empty for no reason."""
    if not reason:
        return ""
    table = messages(lang)["reasons"]
    values = {name: _word(value, reason.key, lang, at) for name, value in reason.params}
    return str(table[reason.key].format(**values))


def _word(value: ReasonValue, key: str, lang: str, at: Callable[[datetime], str | None]) -> str:
    if isinstance(value, datetime):
        return when(at(value), lang)
    if isinstance(value, timedelta):
        return span(value.total_seconds(), lang)
    if isinstance(value, Category):
        return str(messages(lang)["titles"].get(value.value, value.value))
    if isinstance(value, tuple):
        joiner = messages(lang)["reasons"].get(f"{key}_join", "")
        return str(joiner).join(say(part, lang, at) for part in value)
    if isinstance(value, int):
        return number(value)
    return value


def span(seconds: float, lang: str = "en") -> str:
    """A rule's duration as written: `2 h`, `10 min`, else as `duration` gives it (`2 min 17 s`)."""
    units = messages(lang)["units"]
    whole = round(seconds)
    if whole and whole % 3600 == 0:
        return f"{whole // 3600}{units['h']}"
    if whole and whole % 60 == 0:
        return f"{whole // 60}{units['min']}"
    return duration(seconds, lang)


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


def later(iso: str | None, since: str | None, lang: str = "en") -> str:
    """A time after `since`: its clock when both fall on one day, else with its date (`when`): a
    window that crosses midnight shows where it ends."""
    if not iso or not since or iso[:10] != since[:10]:
        return when(iso, lang)
    return clock(iso)


def number(value: int) -> str:
    """Thousands grouped with commas (the same in both languages)."""
    return f"{value:,}"


def percent(share: float | None) -> str:
    """`12%`; a share above none that rounds to 0 is `<1%` (a few failures among many calls)."""
    if share is None:
        return "-"
    return "<1%" if 0 < share < 0.005 else f"{share:.0%}"
