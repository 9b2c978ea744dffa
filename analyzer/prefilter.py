"""The prefilter: finds the few lines of a large buffer that a rule or the framer must see.

Its patterns are every rule keyword plus the framing triggers (lines that could continue a record).
Engines are registered by name: `hyperscan` (Intel's multi-pattern matcher, when the `hyperscan`
package imports) and `regex` (the standard library's `re`, always there). Both give the same lines;
`auto` takes the fastest one available.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator

from .errors import UsageError
from .framing import TRIGGERS, Prefilter

try:
    import hyperscan
except ImportError:  # no wheel for this platform: the regex engine does the work
    hyperscan = None


def _literals(keywords: Iterable[str]) -> list[bytes]:
    return sorted({k.encode() for k in keywords if k}, key=lambda k: (-len(k), k))


class RegexPrefilter:
    """One alternation of keywords and triggers, searched line by line with `re`."""

    def __init__(self, keywords: Iterable[str]) -> None:
        self._search = re.compile(b"|".join([TRIGGERS, *map(re.escape, _literals(keywords))]), re.M).search

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


class HyperscanPrefilter:
    """Keywords (as escaped literals) and the triggers in one Hyperscan block-mode database.

    Hyperscan reports where each match ends; a match never spans a newline, so the line holding
    that end offset is the line that matched. Each such line is reported once, by its start.
    """

    def __init__(self, keywords: Iterable[str]) -> None:
        if hyperscan is None:
            raise UsageError("--engine", "hyperscan is not installed", "pip install hyperscan, or use --engine regex")
        expressions = [TRIGGERS, *(_escaped(k) for k in _literals(keywords))]
        flags = [hyperscan.HS_FLAG_MULTILINE | hyperscan.HS_FLAG_ALLOWEMPTY] + [0] * (len(expressions) - 1)
        self._db = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
        self._db.compile(
            expressions=expressions, ids=list(range(len(expressions))), elements=len(expressions), flags=flags
        )

    def hits(self, buffer: bytes) -> Iterator[int]:
        """The start of each line that has a keyword or a trigger, ascending."""
        ends: list[int] = []
        append = ends.append

        def on_match(_id: int, _start: int, end: int, _flags: int, _context: object) -> None:
            append(end)

        self._db.scan(buffer, match_event_handler=on_match)
        line_end = -1
        for end in sorted(ends):
            if end <= line_end:  # the same line (its newline at line_end) as the previous hit
                continue
            line_end = buffer.find(b"\n", end)
            if line_end < 0:
                line_end = len(buffer)
            yield buffer.rfind(b"\n", 0, end) + 1


def _escaped(keyword: bytes) -> bytes:
    return b"".join(b"\\x%02x" % byte for byte in keyword)


class KeywordSet:
    """Which of a set of keywords occur in a text: Hyperscan when it loads (one pass, a few
    microseconds for a traceback), else one substring search per keyword. Both give the same set."""

    def __init__(self, keywords: Iterable[str], engine: str = "auto") -> None:
        self.words = sorted({k for k in keywords if k})
        self._db = None
        if self.words and available(engine) == "hyperscan":
            self._db = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
            self._db.compile(
                expressions=[_escaped(w.encode()) for w in self.words],
                ids=list(range(len(self.words))),
                elements=len(self.words),
            )

    def find(self, text: str) -> frozenset[str]:
        """The keywords that occur in `text`, overlapping ones included."""
        if self._db is None:
            return frozenset(w for w in self.words if w in text)
        found: set[int] = set()
        add = found.add

        def on_match(index: int, _start: int, _end: int, _flags: int, _context: object) -> None:
            add(index)

        # surrogatepass: text from JSON may hold a lone surrogate; UTF-8 keeps keywords at character edges
        self._db.scan(text.encode("utf-8", "surrogatepass"), match_event_handler=on_match)
        return frozenset(self.words[i] for i in found)


ENGINES: dict[str, Callable[[Iterable[str]], Prefilter]] = {"regex": RegexPrefilter}
if hyperscan is not None:
    ENGINES = {"hyperscan": HyperscanPrefilter, **ENGINES}
ENGINE_NAMES = ("auto", "hyperscan", "regex")  # what --engine accepts, whatever is installed


def available(engine: str) -> str:
    """The engine `auto` stands for, or the named one; a UsageError when it is not installed."""
    if engine == "auto":
        return next(iter(ENGINES))
    if engine not in ENGINES:
        raise UsageError(
            "--engine", f"the {engine} engine is not available", "pip install hyperscan, or use --engine regex"
        )
    return engine


def build(engine: str, keywords: Iterable[str]) -> Prefilter:
    """The prefilter of the named engine, or of the fastest available one for `auto`."""
    return ENGINES[available(engine)](keywords)
