"""The prefilter: finds the few lines of a large buffer that a rule or the framer must see.

Its patterns are every rule keyword plus the framing triggers (lines that could continue a record).
Engines are registered by name: `hyperscan` (Intel's multi-pattern matcher, when the `hyperscan`
package imports) and `regex` (the standard library's `re`, always there). Both give the same lines;
`auto` takes the fastest one available.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import platform
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import AnyStr, overload

import regex

from . import cache
from .cache import cache_dir
from .errors import UsageError
from .framing import (
    BLANK_RUN,
    BLANK_RUN_START,
    INDENTED,
    STAMP_ENDS,
    STAMP_NEEDLES,
    TRIGGER_NEEDLES,
    TRIGGER_PARTS,
    TRIGGERS,
    Prefilter,
    blank_runs,
)

try:
    import hyperscan
except ImportError:  # no wheel for this platform: the regex engine does the work
    hyperscan = None  # type: ignore[assignment]


@overload
def compiled(expressions: list[bytes], ids: list[int], flags: list[int]) -> hyperscan.Database: ...
@overload
def compiled(expressions: list[bytes], ids: list[int], flags: list[int], build: bool) -> hyperscan.Database | None: ...
def compiled(
    expressions: list[bytes], ids: list[int], flags: list[int], build: bool = True
) -> hyperscan.Database | None:
    """A block-mode database of the expressions: read from the cache when this Hyperscan built the
    same one on this kind of machine before, else compiled (0.03 s for the line prefilter's, about
    0.6 s for the gate of the providers' marks in prefilter mode) and then cached; with `build` false,
    None instead of compiling. A cache that cannot be read or written is only not used."""
    key = repr((getattr(hyperscan, "__version__", ""), platform.machine(), expressions, ids, flags)).encode()
    where = cache_dir()
    path = where / f"hs-{hashlib.sha256(key).hexdigest()[:32]}.db" if where else None
    if path is not None:
        try:
            db = hyperscan.loadb(path.read_bytes(), hyperscan.HS_MODE_BLOCK)
            db.scratch = hyperscan.Scratch(db)
            db.scan(b"\n", match_event_handler=_ignore)  # one built for CPU features this one lacks fails here
            cache.touch(path)
            return db
        except (OSError, hyperscan.error):  # none yet, unreadable, or built for another CPU
            pass
    if not build:
        return None
    db = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
    db.compile(expressions=expressions, ids=ids, elements=len(expressions), flags=flags)
    if path is not None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            partial = path.with_suffix(f".{os.getpid()}.tmp")
            partial.write_bytes(hyperscan.dumpb(db))
            partial.replace(path)  # whole or not at all, for a run beside this one
        except OSError:
            pass
        cache.prune(path.parent)
    return db


def _ignore(*_args: object) -> None:
    return None


def _ids(db: hyperscan.Database, data: bytes) -> set[int]:
    """The ids of the expressions of the database that match somewhere in `data`."""
    found: set[int] = set()
    add = found.add

    def on_match(index: int, _start: int, _end: int, _flags: int, _context: object) -> None:
        add(index)

    db.scan(data, match_event_handler=on_match)
    return found


def _literals(keywords: Iterable[str]) -> list[bytes]:
    return sorted({k.encode() for k in keywords if k}, key=lambda k: (-len(k), k))


ANCHOR = 5  # bytes of the substrings keywords are grouped under for the regex engine


def anchors(keywords: Sequence[AnyStr]) -> dict[AnyStr, tuple[AnyStr, ...]]:
    """The keywords grouped under substrings (anchors) they hold, fewest groups first: one `find` pass
    an anchor finds the lines of all its keywords (three hundred keywords in a few dozen passes).
    Greedy: the ANCHOR-byte substring held by the most keywords not yet grouped, then the next."""
    parts = {w: {w[i : i + ANCHOR] for i in range(max(1, len(w) - ANCHOR + 1))} for w in set(keywords)}
    holders: dict[AnyStr, set[AnyStr]] = {}
    for word, its in parts.items():
        for part in its:
            holders.setdefault(part, set()).add(word)
    groups: dict[AnyStr, tuple[AnyStr, ...]] = {}
    while holders:
        best = max(holders, key=lambda part: (len(holders[part]), part))
        members = holders[best]
        groups[best] = tuple(sorted(members))
        for word in list(members):
            for part in parts[word]:
                holders[part].discard(word)
                if not holders[part]:
                    del holders[part]
    return groups


class RegexPrefilter:
    """The standard library's engine: keywords found by `bytes.find`, one pass for each group of
    keywords that hold one anchor (`anchors`; `re`'s alternation of them is three to four times
    slower), each line an anchor is found in checked for the group's keywords; lines that may continue
    a record found by what they must hold (`TRIGGER_NEEDLES`) and checked with TRIGGERS at their start."""

    def __init__(
        self, keywords: Iterable[str], calls: Sequence[str] = (), confirm: Sequence[regex.Pattern[str]] = ()
    ) -> None:
        self._groups = anchors(_literals(keywords))  # calls and confirm: not told apart here (hits)
        self._trigger = _TRIGGER_AT
        self.confirmed: dict[tuple[str, int], int] = {}

    def hits(self, buffer: bytes) -> Iterator[tuple[int, int]]:
        """The start of each line that has a keyword or a trigger, ascending, each with 0: this
        engine does not tell successful calls apart (`HyperscanPrefilter.hits`); first, (0, BLANK_RUN)
        when the buffer has a blank line after one that is not."""
        starts: dict[int, int] = {}
        self._keyword_lines(buffer, starts)
        starts.update(dict.fromkeys(self._trigger_lines(buffer), 0))
        found = ((start, starts[start]) for start in sorted(starts))
        return itertools.chain([(0, BLANK_RUN)], found) if _has_blank_run(buffer) else found

    def _keyword_lines(self, buffer: bytes, starts: dict[int, int]) -> None:
        """The start of each line that holds a keyword, into `starts`."""
        find, rfind = buffer.find, buffer.rfind
        for anchor, words in self._groups.items():
            alone = words == (anchor,)
            at = find(anchor)
            while at >= 0:
                start = rfind(b"\n", 0, at) + 1
                line_end = find(b"\n", at)
                end = line_end if line_end >= 0 else len(buffer)
                if start not in starts and (alone or any(find(w, start, end) >= 0 for w in words)):
                    starts[start] = 0
                at = find(anchor, end + 1) if line_end >= 0 else -1

    def _trigger_lines(self, buffer: bytes) -> Iterator[int]:
        """The start of each line that may continue a record (a line may come more than once)."""
        find, rfind, trigger = buffer.find, buffer.rfind, self._trigger
        for needle in TRIGGER_NEEDLES:
            at = find(needle)
            while at >= 0:
                start = at + 1 if needle[0] == 10 else rfind(b"\n", 0, at) + 1
                if start < len(buffer) and trigger(buffer, start):
                    yield start
                at = find(needle, at + 1)
        for m in _INDENTED.finditer(buffer):  # lines that start with a space or tab and hold something
            yield m.start() + 1
        for start in (0, rfind(b"\n", 0, max(0, len(buffer) - 1)) + 1):  # no newline before the first line
            if start < len(buffer) and trigger(buffer, start):
                yield start


def _has_blank_run(buffer: bytes) -> bool:
    """Whether a blank line (with its newline) comes after one that is not (BLANK_RUN_START)."""
    return any(start > 0 for start, _ in itertools.islice(blank_runs(buffer), 2))  # runs are whole


_INDENTED = re.compile(rb"\n" + INDENTED)
_TRIGGER_AT = re.compile(TRIGGERS, re.M).match  # whether the line at an offset may continue a record


class HyperscanPrefilter:
    """Keywords (as escaped literals) and the triggers in one Hyperscan block-mode database.

    Hyperscan reports where each match ends; a match never spans a newline, so the line holding
    that end offset is the line that matched. Each such line is reported once, by its start, with
    the bits of the successful-call keywords (`calls`, the first CALL_BITS) when they are all it has,
    and above them a bit for each pattern of `confirm` (successful-call patterns) that matches in the
    line, for those whose match it can tell exactly (`confirmed`, `confirm_flags`).
    """

    def __init__(
        self, keywords: Iterable[str], calls: Sequence[str] = (), confirm: Sequence[regex.Pattern[str]] = ()
    ) -> None:
        if hyperscan is None:
            raise UsageError("--engine", "hyperscan is not installed", "pip install hyperscan, or use --engine regex")
        literals = _literals(keywords)
        needles = [_escaped(n) for n in STAMP_NEEDLES]
        expressions = [*TRIGGER_PARTS, BLANK_RUN_START, *needles, *(_escaped(k) for k in literals)]
        # (not SINGLEMATCH for BLANK_RUN_START: with it, in this database, Hyperscan missed some)
        flags = [hyperscan.HS_FLAG_MULTILINE | hyperscan.HS_FLAG_ALLOWEMPTY] + [0] * (len(expressions) - 1)
        # What each expression adds to its line's mark: a call keyword its bit (shifted past bit 0);
        # the triggers and any other keyword bit 0, which makes the line an ordinary hit (the blank
        # lines' expression and the stamp's needles, whose lines TRIGGERS checks, are seen apart).
        bits = {word.encode(): 2 << i for i, word in enumerate(calls[:CALL_BITS])}
        marks = [*(1 for _ in TRIGGER_PARTS), 0, *(0 for _ in needles), *(bits.get(k, 1) for k in literals)]
        # the needles' ids and the bytes before each one's end that are on its line (all but a newline's)
        self._needles = {_BLANK_ID + 1 + i: len(n) - n.endswith(b"\n") for i, n in enumerate(STAMP_NEEDLES)}
        self._trigger = _TRIGGER_AT
        chosen: dict[tuple[str, int], tuple[bytes, int]] = {}  # the patterns it may confirm: expression, flags
        for pattern in confirm:
            hs_flags = confirm_flags(pattern)
            if hs_flags is not None and len(chosen) < CONFIRM_BITS:
                chosen.setdefault((pattern.pattern, pattern.flags), (pattern.pattern.encode("ascii"), hs_flags))

        def database(chosen: dict[tuple[str, int], tuple[bytes, int]]) -> hyperscan.Database:
            every = [*expressions, *(expression for expression, _ in chosen.values())]
            return compiled(every, list(range(len(every))), [*flags, *(f for _, f in chosen.values())])

        try:
            self._db = database(chosen)
        except hyperscan.error:  # a pattern too large, or of syntax it lacks: confirm the others, or none
            chosen = {key: (e, f) for key, (e, f) in chosen.items() if _compiles(e, f)}
            try:
                self._db = database(chosen)
            except hyperscan.error:  # each one alone, not all of them together
                chosen = {}
                self._db = database(chosen)
        # a confirmed pattern (its text and flags): its bit in the hits' marks (shifted past bit 0 there)
        self.confirmed = {key: 1 << (CALL_BITS + i) for i, key in enumerate(chosen)}
        self._marks = [*marks, *(bit << 1 for bit in self.confirmed.values())]

    def hits(self, buffer: bytes) -> Iterator[tuple[int, int]]:
        """The start of each line that has a keyword or a trigger, ascending, and the bits of its
        keywords when all of them are successful-call keywords (else 0); first, (0, BLANK_RUN) when
        the buffer has a blank line after one that is not."""
        found: list[int] = []
        append, marks = found.append, self._marks
        blank: list[int] = []
        blank_id = _BLANK_ID
        needles, stamped = self._needles, []

        def on_match(index: int, _start: int, end: int, _flags: int, _context: object) -> None:
            if index == blank_id:  # once a run of blank lines (framing counts them all)
                blank.append(end)
            elif index in needles:  # a `docker logs -t` stamp's end, perhaps: its line checked below
                stamped.append(end - needles[index])
            else:
                append(end << _MARK_WIDTH | marks[index])

        self._db.scan(buffer, match_event_handler=on_match)
        if blank:
            yield 0, BLANK_RUN
        if buffer.endswith(STAMP_ENDS):  # the last line's stamp with no newline after it
            stamped.append(len(buffer) - 1)
        for at in stamped:
            start = buffer.rfind(b"\n", 0, at) + 1
            if self._trigger(buffer, start):
                append(at << _MARK_WIDTH | 1)
        found.sort()
        line_end, start, mark = -1, 0, 0
        for hit in found:
            end = hit >> _MARK_WIDTH
            if end <= line_end:  # the same line (its newline at line_end) as the previous hit
                mark |= hit
                continue
            if line_end >= 0 and mark & _HIT_MARKS:  # not a line where only a confirmed pattern matched
                yield start, 0 if mark & 1 else (mark & _MARK_MASK) >> 1
            line_end = buffer.find(b"\n", end)
            if line_end < 0:
                line_end = len(buffer)
            start, mark = buffer.rfind(b"\n", 0, end) + 1, hit
        if line_end >= 0 and mark & _HIT_MARKS:
            yield start, 0 if mark & 1 else (mark & _MARK_MASK) >> 1


CALL_BITS = 16  # successful-call keywords the prefilter tells apart; a rule set with more leaves the rest to matching
CONFIRM_BITS = 8  # successful-call patterns whose match it tells too; the rest are searched by matching
KEYWORD_BITS = (1 << CALL_BITS) - 1  # of a hit's mark: its call keywords' bits (the confirmed patterns' above)
_BLANK_ID = len(TRIGGER_PARTS)  # the expression of a blank line after one that is not (its matches are not hits)
_MARK_WIDTH = CALL_BITS + CONFIRM_BITS + 1
_MARK_MASK = (1 << _MARK_WIDTH) - 1
_HIT_MARKS = KEYWORD_BITS << 1 | 1  # a line with none of these is no hit


def confirm_flags(pattern: regex.Pattern[str]) -> int | None:
    """Hyperscan's flags for a pattern whose every match in an ASCII line it finds as `regex` finds
    it in the text of that line alone (the line without its CR: the record's text); None for any
    other pattern. Such a pattern has only syntax both engines read alike on ASCII, none of which
    can match a line end or a CR, or tell where the line ends: literals, escaped punctuation,
    \\d \\w \\S \\b \\B, sets of those that are not negated, groups, alternatives, ^, and the
    quantifiers * + ? {m} {m,} {m,n}, lazy or not (no ., no $); and no flag but IGNORECASE and
    MULTILINE (which, in a line of its own, changes nothing)."""
    if pattern.flags & ~_CONFIRMABLE_FLAGS or not pattern.pattern.isascii():
        return None
    tokens = _TOKEN.findall(pattern.pattern)
    if "".join(tokens) != pattern.pattern:
        return None
    for before, token in itertools.pairwise(["(", *tokens]):
        # a quantifier repeats what came before: a++ is possessive, (?=, (?i) and (?# are no groups here
        if _QUANTIFIER.fullmatch(token) and (
            _QUANTIFIER.fullmatch(before) or before in ("(", "|", "^") or before[:2] == "(?"
        ):
            return None
    flags = hyperscan.HS_FLAG_MULTILINE
    return flags | hyperscan.HS_FLAG_CASELESS if pattern.flags & regex.IGNORECASE else flags


_CONFIRMABLE_FLAGS = int(regex.IGNORECASE | regex.MULTILINE | regex.UNICODE | regex.VERSION0)
_PUNCTUATION = r"!-/:-@\[-`{-~"  # ASCII punctuation: escaped, the character itself in both engines
_QUANTIFIER = re.compile(r"(?:[*+?]|\{[0-9]+(?:,[0-9]*)?\})\??")
_TOKEN = re.compile(
    rf"""\\[dwSbB] | \\[{_PUNCTUATION}]
    | \[ (?!\^) (?: \\[dwS] | \\[{_PUNCTUATION}] | [ -Z^-~] )+ \]
    | \(\?: | \(\?P<[A-Za-z_][A-Za-z0-9_]*> | \( | \) | \| | \^
    | {_QUANTIFIER.pattern}
    | [ -#%-'\,\-/->@-Z_-z~]""",
    re.VERBOSE,
)


def _compiles(expression: bytes, flags: int) -> bool:
    try:
        compiled([expression], [0], [flags])
    except hyperscan.error:
        return False
    return True


def _escaped(keyword: bytes) -> bytes:
    return b"".join(b"\\x%02x" % byte for byte in keyword)


class KeywordSet:
    """Which of a set of keywords occur in a text: Hyperscan when it loads (one pass, a few
    microseconds for a traceback), else one substring search for each anchor (`anchors`) and, where one
    occurs, for each keyword it anchors. Both give the same set."""

    def __init__(self, keywords: Iterable[str], engine: str = "auto") -> None:
        self.words = sorted({k for k in keywords if k})
        self._db = None
        self._groups: list[tuple[str, tuple[str, ...]]] = []
        self._last: tuple[str | None, frozenset[str]] = (None, frozenset())
        if self.words and available(engine) == "hyperscan":
            expressions = [_escaped(w.encode()) for w in self.words]
            self._db = compiled(expressions, list(range(len(self.words))), [0] * len(self.words))
        else:
            self._groups = list(anchors(self.words).items())

    def find(self, text: str) -> frozenset[str]:
        """The keywords that occur in `text`, overlapping ones included. The last text's are kept: a
        record that the successful-call shortcut looked at and left is matched next, its line or the
        message that parsing found in it; a part of the last text has only keywords of the last's."""
        last, known = self._last
        if text is last:
            return known
        if last is not None and text in last:
            return frozenset(w for w in known if w in text)
        if self._db is None:
            found = frozenset(w for anchor, words in self._groups if anchor in text for w in words if w in text)
        else:
            # surrogatepass: text from JSON may hold a lone surrogate; UTF-8 keeps keywords at character edges
            found = frozenset(self.words[i] for i in _ids(self._db, text.encode("utf-8", "surrogatepass")))
        self._last = (text, found)
        return found


WIDE_REPEAT = 100  # a gate's bounded repeats above this many are given to Hyperscan unbounded
_REPEAT = re.compile(r"\{(\d*),(\d+)\}")
_UNWIDENED = re.compile(r"\(\?[a-zA-Z]*x|\(\?\(|\(\*|\(\?(?:R|\d|[+-]\d|&|P>|P=)|\\[1-9gk]|\(\?V1|\)[?*+}]\+")


def widened(pattern: str, bound: int = WIDE_REPEAT) -> str:
    """The pattern with each bounded repeat of more than `bound` (`[^"]{0,2000}`) made unbounded
    (`[^"]{0,}`), for a gate's database: it matches everything the pattern matches (a superset is all a
    gate answers), and Hyperscan compiles it many times faster (its prefilter mode unrolls a bounded
    repeat: two patterns of `{0,2000}` took 2 of the attribution gate's 3.3 s). A repeat inside a
    negative lookaround or an atomic group, or a possessive one, is left as it is: widening it there
    could make the pattern match less; so is every repeat of a pattern with a construct whose reading this does not
    follow (`_UNWIDENED`: verbose comments, conditionals, backreferences, subroutine calls, verbs, possessive groups,
    nested sets)."""
    if _UNWIDENED.search(pattern):
        return pattern
    out: list[str] = []
    frozen: list[bool] = []  # for each open group: inside a negative lookaround or an atomic group
    i, n = 0, len(pattern)
    while i < n:
        c = pattern[i]
        if c == "\\":
            out.append(pattern[i : i + 2])
            i += 2
            continue
        if c == "[":  # a class, to its closing bracket (one just after `[` or `[^` is a member)
            j = i + 1 + (pattern.startswith("^", i + 1))
            j += pattern.startswith("]", j)
            while j < n and pattern[j] != "]":
                j += 2 if pattern[j] == "\\" else 1
            out.append(pattern[i : j + 1])
            i = j + 1
            continue
        if c == "(":
            head = pattern[i + 1 : i + 4]
            closed = head.startswith(("?!", "?<!", "?>"))
            frozen.append(closed or bool(frozen and frozen[-1]))
        elif c == ")" and frozen:
            frozen.pop()
        elif c == "{" and (repeat := _REPEAT.match(pattern, i)):
            low, high = repeat.group(1) or "0", int(repeat.group(2))
            end = repeat.end()
            if high > bound and not (frozen and frozen[-1]) and not pattern.startswith("+", end):
                out.append(f"{{{low},}}")
                i = end
                continue
        out.append(c)
        i += 1
    return "".join(out)


class PatternGate:
    """Which of a list of regex patterns can match a text: Hyperscan's prefilter mode, a superset
    (it may say yes where the pattern fails, never the reverse), one pass for all of them.

    Hyperscan reads bytes, so its classes are ASCII ones; on ASCII text they are those of the
    `regex` module that compiles the rules (its `\\s` is Unicode's White_Space: not the separators
    U+001C..U+001F, which `re`'s takes). Texts with anything else, patterns Hyperscan cannot compile,
    and the `regex` engine: every pattern. Read from the cache when first asked; compiled (0.6 s for the
    providers' 168 marks, 0.14 s for the extractors' 52) only once ASKS texts asked, or when the run
    prepares for workers: until then every pattern is searched (the same answers), which a small log does
    faster than compiling (the marks searched without their gate take 0.43 ms a text, with it 0.01 ms)."""

    _FLAGS = (("IGNORECASE", "HS_FLAG_CASELESS"), ("DOTALL", "HS_FLAG_DOTALL"), ("MULTILINE", "HS_FLAG_MULTILINE"))
    # texts asked about before compiling (until then a record's candidate patterns are searched directly): about
    # two thirds of the texts whose searches cost what compiling does, since the database is cached for later runs
    ASKS = 1000

    def __init__(self, patterns: Sequence[regex.Pattern[str]], engine: str = "auto") -> None:
        self.patterns = list(patterns)
        self.every = frozenset(range(len(self.patterns)))
        self.always: frozenset[int] = self.every
        self._db: hyperscan.Database | None = None
        self._pending = bool(self.patterns) and available(engine) == "hyperscan"
        self._asked = 0

    def prepare(self) -> None:
        """Compile now (before forking workers, which then share it), not when first asked."""
        if self._pending:
            self._compile(True)

    def _compile(self, build: bool) -> None:
        """The database, from the cache, or (`build`) compiled; still pending when neither."""
        flags = [self._flags(p) for p in self.patterns]
        try:
            db = self._database(range(len(self.patterns)), flags, build)
            if db is None:
                return
            self._db, self.always = db, frozenset()
        except hyperscan.error:  # one of them is too large or uses syntax Hyperscan lacks: find which
            good = [i for i in sorted(self.every) if _compiles(widened(self.patterns[i].pattern).encode(), flags[i])]
            self.always = self.every - set(good)
            self._db = self._database(good, flags, True) if good else None
        self._pending = False

    def _database(self, indices: Iterable[int], flags: list[int], build: bool) -> hyperscan.Database | None:
        chosen = list(indices)
        expressions = [widened(self.patterns[i].pattern).encode() for i in chosen]
        return compiled(expressions, chosen, [flags[i] for i in chosen], build)

    @classmethod
    def _flags(cls, pattern: regex.Pattern[str]) -> int:
        flags = hyperscan.HS_FLAG_PREFILTER | hyperscan.HS_FLAG_SINGLEMATCH | hyperscan.HS_FLAG_ALLOWEMPTY
        for ours, theirs in cls._FLAGS:
            if pattern.flags & getattr(regex, ours):
                flags |= getattr(hyperscan, theirs)
        return flags

    def possible(self, text: str) -> frozenset[int] | set[int]:
        """The indices of the patterns that may match `text`."""
        if self._pending:
            if self._asked == 0 or self._asked >= self.ASKS:  # the cache when first asked, then compiled
                self._compile(self._asked >= self.ASKS)
            self._asked += 1
        if self._db is None or not text.isascii():
            return self.every
        return _ids(self._db, text.encode("ascii")) | self.always


Engine = Callable[[Iterable[str], Sequence[str], Sequence[regex.Pattern[str]]], Prefilter]
ENGINES: dict[str, Engine] = {"regex": RegexPrefilter}
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


def build(
    engine: str, keywords: Iterable[str], calls: Sequence[str] = (), confirm: Sequence[regex.Pattern[str]] = ()
) -> Prefilter:
    """The prefilter of the named engine, or of the fastest available one for `auto`; `calls`: the
    keywords that only successful-call rules have, which the hyperscan engine tells apart, and
    `confirm`: successful-call patterns whose match in a line it tells when it can (`confirmed`)."""
    return ENGINES[available(engine)](keywords, calls, confirm)
