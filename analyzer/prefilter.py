"""The prefilter: finds the few lines of a large buffer that a rule or the framer must see.

Its pattern is every rule keyword plus the framing triggers (lines that could continue a record).
Engines are registered by name; `regex` (the standard library's `re`) is always there.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator

from .framing import TRIGGERS, Prefilter


class RegexPrefilter:
    """One alternation of keywords and triggers, searched line by line with `re`."""

    def __init__(self, keywords: Iterable[str]) -> None:
        literals = sorted({k.encode() for k in keywords}, key=lambda k: (-len(k), k))
        self._search = re.compile(b"|".join([TRIGGERS, *map(re.escape, literals)]), re.M).search

    def hits(self, buffer: bytes) -> Iterator[int]:
        """One offset in each line that has a keyword or a trigger, ascending."""
        pos, search = 0, self._search
        while True:
            m = search(buffer, pos)
            if m is None:
                return
            yield m.start()
            pos = buffer.find(b"\n", m.start()) + 1
            if pos == 0:
                return


ENGINES: dict[str, Callable[[Iterable[str]], Prefilter]] = {"regex": RegexPrefilter}


def build(engine: str, keywords: Iterable[str]) -> Prefilter:
    """The prefilter of the named engine, or of the best available one for `auto`."""
    if engine == "auto":
        engine = next(iter(ENGINES))
    return ENGINES[engine](keywords)
