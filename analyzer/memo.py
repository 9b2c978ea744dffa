"""Matching once per template (issue 19): an outage's failures are a few messages printed again and again
with other times, ids and request numbers. A record's key is its text with those runs masked (a run of
hex digits and time punctuation holding a digit, at least MASKED characters long, as its length); what
the rules made of the first record of a key is remembered and replayed for the others.

What is remembered is exact for every record of the key: the rule and where it matched, the fields with
the places they were taken from (a field taken from a masked run is read again from each record at the
same place: a key fixes the length of every run, so the layout of its records is the same), and whose
failure the record showed. Where that verdict took the lines around the record, they are read again for
each record, and a record whose verdict differs is matched in full. A record whose matching met a time
limit, or that is long, is not remembered; nothing is while a rule is stopped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .models import Entry
from .ruleset import Rule

MASKED = 5  # characters: a shorter run (a status code, `1.1`, a small count) stays in the key
REMEMBERED = 4096  # keys at most; then no more are added (an outage has a few dozen)
LONGEST = 1400  # characters of a record remembered at most (a longer one's evidence depends on where it matched)
# a run to mask: hex letters, a digit, then hex digits and time punctuation; MASKED characters at least
# (the lookahead: of a shorter run none is left to mask, and no match can start inside one)
_RUN = re.compile(rf"(?=[0-9a-fA-F:.,_-]{{{MASKED}}})[0-9a-fA-F]*[0-9][0-9a-fA-F:.,_-]*")

Taken = tuple[str, str, int, int]  # a field's name, value and place (start -1: not from the text)


def _masked(run: re.Match[str]) -> str:
    return f"\x00{run.end() - run.start()}\x00"


def key(entry: Entry) -> str | None:
    """The key of an entry's record, or None when it is not to be remembered."""
    text, whole = entry.text, entry.record.text
    if len(text) > LONGEST or len(whole) > LONGEST:
        return None
    masked = _RUN.sub(_masked, text)
    return masked if whole is text or whole == text else f"{masked}\x01{_RUN.sub(_masked, whole)}"


def variable(text: str) -> list[tuple[int, int]]:
    """Where the runs masked in a key are in the text."""
    return [m.span() for m in _RUN.finditer(text)]


class Placed(dict[str, str]):
    """A rule's named groups, with where in the text each was taken (while a record is recorded)."""

    def __init__(self, groups: dict[str, str], places: dict[str, tuple[int, int]]) -> None:
        super().__init__(groups)
        self.places = places


@dataclass(frozen=True, slots=True)
class Found:
    """What matching made of the first record of a key."""

    rule: Rule | None  # None: no event
    at: int = 0
    groups: tuple[Taken, ...] = ()  # the rule's named groups
    extracted: tuple[Taken, ...] = ()  # the extractors' fields, before the record's own fields decide
    verdict: tuple[bool, str] | None = None  # whose failure it showed (openai, other), if that was asked
    context: bool = False  # the verdict took the lines around the record

    def values(self, taken: tuple[Taken, ...], text: str) -> list[tuple[str, str]]:
        """The fields as this record has them: those taken from a masked run read at their place."""
        return [(name, value if start < 0 else text[start:end]) for name, value, start, end in taken]


@dataclass
class Recording:
    """What the matching of one record did besides its result, for `Found`; `plain` unless it did
    something the key cannot tell (met a time limit, took fields from where it cannot say)."""

    plain: bool = True
    verdict: tuple[bool, str] | None = None
    context: bool = False
    groups: list[Taken] = field(default_factory=list)
    extracted: list[Taken] = field(default_factory=list)

    def take_groups(self, groups: dict[str, str]) -> None:
        """The groups of the rule that matched, with their places; where they are not known, the record
        is not remembered."""
        if not groups:
            return
        if not isinstance(groups, Placed) or groups.keys() != groups.places.keys():
            self.plain = False
            return
        self.groups = [(k, v, *groups.places[k]) for k, v in groups.items()]

    def found(self, rule: Rule | None, at: int, text: str) -> Found:
        """The recording as a Found; places outside masked runs forgotten (their value is the key's)."""
        runs = variable(text)

        def placed(taken: list[Taken]) -> tuple[Taken, ...]:
            return tuple(
                (n, v, s, e) if s >= 0 and any(s < b and a < e for a, b in runs) else (n, v, -1, -1)
                for n, v, s, e in taken
            )

        return Found(rule, at, placed(self.groups), placed(self.extracted), self.verdict, self.context)


class Memo:
    """What matching made of each key, REMEMBERED keys at most."""

    def __init__(self) -> None:
        self.found: dict[str, Found] = {}

    def get(self, key: str) -> Found | None:
        return self.found.get(key)

    def put(self, key: str, found: Found) -> None:
        if len(self.found) < REMEMBERED:
            self.found[key] = found
