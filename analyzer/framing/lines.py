"""Framing of lines: each line's wrapper (CRI, Docker) taken off, and the lines of one record (a
traceback, a chained exception, a CRI partial line) joined into it. `blocks` frames only around a
prefilter's hits and gives the same records."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from ..models import Record
from . import grammar
from .grammar import (
    CHAINS,
    CRI_HEAD,
    CRI_LINE,
    CRI_PARTIAL,
    DOCKER_PREFIX,
    DOCKER_SIMPLE,
    DOCKER_STAMPED,
    NEEDS_LOOK,
    PLAIN_DATED,
    TRACEBACK,
)
from .prefixes import raised_text
from .wraps import column_joined

# A blank line after one that is not (with the newlines of both), from the last thing in that one that a
# blank line cannot hold: Hyperscan reports each run of blank lines once, the prefilter that a buffer has
# some, and framing counts those between its regions at once. (What comes before [ \t\r]* is all the
# pattern looks at: [^\n]* there made Hyperscan's scan a fifth slower.)
BLANK_RUN_START = rb"(?:[^ \t\r\n]|\r[ \t\r])[ \t\r]*\n[ \t]*\r?\n"
BLANK_LINE = re.compile(rb"^[ \t]*\r?\n", re.M)  # a blank line with its newline
_SPACES = re.compile(rb"[ \t\r\n]*")


def blank_run_end(data: bytes, start: int) -> int:
    """Where the run of blank lines (with their newlines) from the line at `start` ends; `start` when
    that line is not blank. The bytes of a run found at once (`re` repeats a group line by line, ten
    times slower), then checked: a CR anywhere but at a line's end makes a line no blank one."""
    end = data.rfind(b"\n", start, _SPACES.match(data, start).end()) + 1  # type: ignore[union-attr]
    if end <= start:
        return start
    if data.find(b"\r", start, end) < 0 or data.count(b"\r", start, end) == data.count(b"\r\n", start, end):
        return end
    while (m := BLANK_LINE.match(data, start)) is not None:  # a CR inside a line: up to that line
        start = m.end()
    return start


def blank_runs(data: bytes, start: int = 0) -> Iterator[tuple[int, int]]:
    """Each run of blank lines (with their newlines) from `start` (a line's start) on: where it starts
    and ends."""
    end = blank_run_end(data, start)
    if end > start:
        yield start, end
        start = end
    # after a newline: a search that `re` begins at each newline only (^ in multi-line mode: everywhere)
    while (m := _AFTER_NEWLINE.search(data, max(0, start - 1))) is not None:
        start = blank_run_end(data, m.start() + 1)
        yield m.start() + 1, start


_AFTER_NEWLINE = re.compile(rb"\n[ \t]*\r?\n")


BLANK_RUN = -1  # what a prefilter gives, instead of keyword bits, for that first blank line


@dataclass(frozen=True, slots=True)
class Wrapped:
    text: str
    wrapper: str = ""
    time: str = ""
    stream: str = ""
    partial: bool = False


HEAD, INDENT, BLANK, TB_START, CHAIN = range(5)


def unwrap(line: str) -> Wrapped:
    """Remove a Kubernetes CRI or Docker json-file wrapper, keeping its timestamp and stream."""
    return wrapped(line) or Wrapped(line)


def wrapped(line: str) -> Wrapped | None:
    """`unwrap` for a line that has a wrapper; None for one that has none (most lines: no Wrapped made)."""
    if line[:1].isdigit() and line[10:11] == "T":  # the CRI stamp's "T": most dated lines are not wrapped
        m = CRI_LINE.match(line)
        if m:
            return Wrapped(m.group(4) or "", "cri", m.group(1), m.group(2), m.group(3) == CRI_PARTIAL)
        if line[29:30] == "Z":  # nine fractional digits: `docker logs -t`
            m = DOCKER_STAMPED.match(line)
            if m:
                return Wrapped(m.group(2) or "", "docker-t", m.group(1))
    elif line.startswith(DOCKER_PREFIX):
        if (known := _DOCKER_SEEN.get(line, _UNSEEN)) is not _UNSEEN:
            return known
        known = _docker(line)
        if len(line) <= _REMEMBERED_CHARS:
            if len(_DOCKER_SEEN) >= _REMEMBERED_LINES:
                _DOCKER_SEEN.clear()
            _DOCKER_SEEN[line] = known
        return known
    return None


# The Docker lines unwrapped last: framing asks about one line up to seven times (the record's boundaries
# looked for before and after each hit, each looking at the lines around it, then the framer), and
# JSON-decoding it each time made a json-file log five times slower than its plain lines. A Wrapped is
# frozen, so the same one serves every asker; the few last lines are all that is asked about again (a
# line longer than Docker's 16 KiB pieces is not kept).
_DOCKER_SEEN: dict[str, Wrapped | None] = {}
_REMEMBERED_LINES = 64
_REMEMBERED_CHARS = 1 << 14
_UNSEEN = Wrapped("")


def _docker(line: str) -> Wrapped | None:
    try:
        obj = json.loads(line)
    except (ValueError, RecursionError):  # a line nested ~1000 deep is data too
        return None
    if isinstance(obj, dict) and isinstance(obj.get("log"), str):
        text = obj["log"]
        partial = not text.endswith("\n")
        return Wrapped(text.rstrip("\r\n"), "docker", str(obj.get("time", "")), str(obj.get("stream", "")), partial)
    return None


def kind(text: str) -> int:
    """Classify unwrapped text: a record head, or one of the kinds that continue a record."""
    if not text.strip(" \t"):  # only what TRIGGERS can see as blank: not "\f" or U+3000, which are heads
        return BLANK
    if text[0] in grammar.INDENT:
        return INDENT
    if text.startswith(TRACEBACK):
        return TB_START
    if text.startswith(CHAINS):
        return CHAIN
    return HEAD


class _Framer:
    """The full framing state machine over decoded lines of one region."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.parts: list[str] = []
        self.first = self.last = 0
        self.wrap = Wrapped("")
        self.in_tb = False
        self.prev_kind = HEAD
        self.pending: list[str] = []
        self.pending_start = self.pending_last = 0
        self.pending_wrap = Wrapped("")

    def feed(self, lineno: int, raw: str) -> Record | None:
        """Take one line; return the record it completed, if any."""
        line = unwrap(raw[:-1] if raw.endswith("\r") else raw)
        if line.partial:
            if not self.pending:
                self.pending_start, self.pending_wrap = lineno, line
            self.pending.append(line.text)
            self.pending_last = lineno
            return None
        if self.pending:
            text, start = "".join(self.pending) + line.text, self.pending_start
            self.pending = []
            return self._take(start, lineno, text, self.pending_wrap)
        return self._take(lineno, lineno, line.text, line)

    def blanks(self, lineno: int, count: int, text: str) -> bool:
        """Take `count` blank lines from `lineno` at once, `text` their texts joined (as `feed` takes
        them: each without a CR at its end); False, taking none, after a partial line (they end it)."""
        if self.pending:
            return False
        if not self.parts:  # the first of them begins a record
            self.parts, self.first, self.wrap = [], lineno, Wrapped("")
        self.parts.append(text)
        self.last, self.prev_kind = lineno + count - 1, BLANK  # (a blank line leaves in_tb as it is)
        return True

    def finish(self) -> list[Record]:
        """End of input: a dangling partial line counts as a line; return the records left."""
        done: list[Record | None] = []
        if self.pending:
            text = "".join(self.pending)
            self.pending = []
            done.append(self._take(self.pending_start, self.pending_last, text, self.pending_wrap))
        done.append(self._record())
        return [rec for rec in done if rec is not None]

    def _take(self, start: int, lineno: int, text: str, wrap: Wrapped) -> Record | None:
        k = kind(text)
        joins = bool(self.parts) and (k != HEAD or (self.in_tb and self.prev_kind == INDENT))
        self.in_tb = k != HEAD and (self.in_tb or k == TB_START)
        self.prev_kind = k
        if joins:
            if k == HEAD and text[:1] in "{tl":  # (a traceback's last line a platform carried in a record of its own)
                text = raised_text(text) or text
            self.parts.append(text)
            self.last = lineno
            return None
        done = self._record()
        self.parts, self.first, self.last, self.wrap = [text], start, lineno, wrap
        return done

    def _record(self) -> Record | None:
        if not self.parts:
            return None
        rec = Record(
            self.source,
            self.first,
            self.last,
            column_joined(self.parts) or "\n".join(self.parts),
            self.wrap.wrapper,
            self.wrap.time,
            self.wrap.stream,
        )
        self.parts = []
        return rec


def frame_lines(lines: Iterable[str], source: str, first_line: int = 1) -> Iterator[Record]:
    """Frame decoded lines (without their newlines) into records, the full path."""
    framer = _Framer(source)
    for lineno, raw in enumerate(lines, first_line):
        rec = framer.feed(lineno, raw)
        if rec is not None:
            yield rec
    yield from framer.finish()


def frame_data(data: bytes, source: str, first_line: int = 1) -> Iterator[Record]:
    """`frame_lines` of the lines of `data` (whole lines, decoded as `split_lines` does), each run of
    blank lines taken at once: a million of them cost what a few lines do."""
    framer, lineno, at = _Framer(source), first_line, 0
    for run_start, run_end in blank_runs(data):
        for raw in split_lines(data[at:run_start]) if run_start > at else ():
            rec = framer.feed(lineno, raw)
            lineno += 1
            if rec is not None:
                yield rec
        count = data.count(b"\n", run_start, run_end)
        text = data[run_start : run_end - 1].replace(b"\r\n", b"\n").decode("ascii")
        if not framer.blanks(lineno, count, text.removesuffix("\r")):
            yield from (rec for n, raw in enumerate(text.split("\n")) if (rec := framer.feed(lineno + n, raw)))
        lineno, at = lineno + count, run_end
    for raw in split_lines(data[at:]) if at < len(data) else ():
        rec = framer.feed(lineno, raw)
        lineno += 1
        if rec is not None:
            yield rec
    yield from framer.finish()


def split_lines(data: bytes) -> list[str]:
    """Decode a run of whole lines (invalid UTF-8 replaced) and split on newlines only."""
    text = data.decode("utf-8", "replace")
    if text.endswith("\n"):
        text = text[:-1]
    return text.split("\n")


def count_undecodable(data: bytes) -> int:
    """How many lines of `data` are not valid UTF-8."""
    if data.isascii():
        return 0
    try:
        data.decode("utf-8")
        return 0
    except UnicodeDecodeError:
        return sum(1 for line in data.split(b"\n") if not _decodes(line))


def _decodes(line: bytes) -> bool:
    try:
        line.decode("utf-8")
        return True
    except UnicodeDecodeError:
        return False


def _simple_head(buffer: bytes, start: int) -> bool:
    """True when the line at `start` is surely a complete record head (not a partial wrapped line,
    not a continuation); False when the full path must decide."""
    first = buffer[start] if start < len(buffer) else 10
    if first not in NEEDS_LOOK:
        return True
    if first == 123:  # "{": JSON, a head unless it is a Docker wrapper, or one whose text is a simple head
        return not buffer.startswith(_DOCKER_PREFIX, start) or DOCKER_SIMPLE.match(buffer, start) is not None
    return PLAIN_DATED.match(buffer, start) is not None or CRI_HEAD.match(buffer, start) is not None


_DOCKER_PREFIX = DOCKER_PREFIX.encode()


def _is_boundary(buffer: bytes, start: int) -> bool:
    """True when the line at `start` always begins a new record, whatever came before it."""
    if start == 0:
        return True
    if _simple_head(buffer, start):
        prev_start = buffer.rfind(b"\n", 0, start - 1) + 1
        if _simple_head(buffer, prev_start) and (
            prev_start == 0 or _simple_head(buffer, _line_before(buffer, prev_start))
        ):
            return True
    end = buffer.find(b"\n", start)
    if _look(buffer[start : end if end >= 0 else len(buffer)])[0] != HEAD:
        return False
    prev_start = buffer.rfind(b"\n", 0, start - 1) + 1
    prev_kind, prev_partial = _look(buffer[prev_start : start - 1])
    if prev_kind not in (HEAD, BLANK) or prev_partial:  # a head joins no blank line (`_Framer._take`)
        return False
    if prev_start == 0:
        return True
    # prev may end a run of partial lines, whose joined text ("  File ..." + "...") is not a head
    return not _look(buffer[buffer.rfind(b"\n", 0, prev_start - 1) + 1 : prev_start - 1])[1]


def _look(data: bytes) -> tuple[int, bool]:
    """The kind of a line's unwrapped text, and whether it is a partial line."""
    line = unwrap(_decode_line(data))
    return kind(line.text), line.partial


def _line_before(buffer: bytes, start: int) -> int:
    return buffer.rfind(b"\n", 0, start - 1) + 1


def _decode_line(data: bytes) -> str:
    text = data.decode("utf-8", "replace")
    return text[:-1] if text.endswith("\r") else text
