"""Framing: byte blocks into records (a line with its traceback, an unwrapped CRI or Docker line).

Two paths give the same records. The full path frames every line. The fast path asks a prefilter
for the few lines that can matter (a rule keyword, or anything that could continue a record) and
frames only the regions of complete records around them; every other line is, by construction of
the triggers, a one-line record and is only counted.
"""

from __future__ import annotations

import json
import re
from collections.abc import Generator, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Protocol

from .models import Record
from .sources import MAX_CARRY, SourceStats

# Lines whose unwrapped text starts like this continue the record before them.
_CHAIN_MARKERS = ("During handling of the above exception", "The above exception was the direct cause", "Caused by: ")
_TB_START = "Traceback (most recent call last)"
MARKERS = (_TB_START, *_CHAIN_MARKERS)  # a line that starts so continues the record before it
_MARKERS = "|".join(re.escape(m) for m in MARKERS)

# Any line that is not a plain one-line record has one of these at its start (multi-line mode).
TRIGGERS = (
    rb"^(?:[ \t]|\r?$|"
    + _MARKERS.encode()
    + rb"|\S+ (?:stdout|stderr) (?:P(?: |\r?$)|F(?:\r?$| (?:[ \t]|\r?$|"
    + _MARKERS.encode()
    + rb")))"
    # a Docker line whose log value starts like a continuation (a space may follow the colon, a space or
    # tab be escaped), or does not end in \n: split, the rest of it on the next line
    + rb'|\{"log":[ \t\r]*"(?:[ \t]|\\[tnr]|\\u00(?:20|09)|'
    + _MARKERS.encode()
    + rb")"
    + rb'|\{"log":[ \t\r]*"(?:(?:[^"\\\n]|\\.)*(?:[^"\\\n]|\\[^n]))?"'
    + rb")"
)

_CRI = re.compile(
    r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)) (stdout|stderr) ([FP])(?: (.*)|$)", re.S
)


class Prefilter(Protocol):
    """Finds the lines of a buffer that may matter."""

    def hits(self, buffer: bytes) -> Iterator[tuple[int, int]]:
        """Offsets in each such line (ascending, at least one a line), each with the bits of the
        successful-call keywords on its line when they are all the line has, else 0 (`Shortcut.call`)."""
        ...

    @property
    def confirmed(self) -> Mapping[tuple[str, int], int]:
        """The successful-call patterns (text and flags) whose match in a line the bits tell, and their bits."""
        ...


@dataclass(frozen=True, slots=True)
class _Line:
    text: str
    wrapper: str = ""
    time: str = ""
    stream: str = ""
    partial: bool = False


HEAD, INDENT, BLANK, TB_START, CHAIN = range(5)


def unwrap(line: str) -> _Line:
    """Remove a Kubernetes CRI or Docker json-file wrapper, keeping its timestamp and stream."""
    return wrapped(line) or _Line(line)


def wrapped(line: str) -> _Line | None:
    """`unwrap` for a line that has a wrapper; None for one that has none (most lines: no _Line made)."""
    if line[:1].isdigit() and line[10:11] == "T":  # the CRI stamp's "T": most dated lines are not wrapped
        m = _CRI.match(line)
        if m:
            return _Line(m.group(4) or "", "cri", m.group(1), m.group(2), m.group(3) == "P")
    elif line.startswith('{"log":'):
        try:
            obj = json.loads(line)
        except (ValueError, RecursionError):  # a line nested ~1000 deep is data too
            return None
        if isinstance(obj, dict) and isinstance(obj.get("log"), str):
            text = obj["log"]
            partial = not text.endswith("\n")
            return _Line(text.rstrip("\r\n"), "docker", str(obj.get("time", "")), str(obj.get("stream", "")), partial)
    return None


def kind(text: str) -> int:
    """Classify unwrapped text: a record head, or one of the kinds that continue a record."""
    if not text.strip(" \t"):  # only what TRIGGERS can see as blank: not "\f" or U+3000, which are heads
        return BLANK
    if text[0] in " \t":
        return INDENT
    if text.startswith(_TB_START):
        return TB_START
    if text.startswith(_CHAIN_MARKERS):
        return CHAIN
    return HEAD


class _Framer:
    """The full framing state machine over decoded lines of one region."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.parts: list[str] = []
        self.first = self.last = 0
        self.wrap = _Line("")
        self.in_tb = False
        self.prev_kind = HEAD
        self.pending: list[str] = []
        self.pending_start = self.pending_last = 0
        self.pending_wrap = _Line("")

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

    def finish(self) -> list[Record]:
        """End of input: a dangling partial line counts as a line; return the records left."""
        done: list[Record | None] = []
        if self.pending:
            text = "".join(self.pending)
            self.pending = []
            done.append(self._take(self.pending_start, self.pending_last, text, self.pending_wrap))
        done.append(self._record())
        return [rec for rec in done if rec is not None]

    def _take(self, start: int, lineno: int, text: str, wrap: _Line) -> Record | None:
        k = kind(text)
        joins = bool(self.parts) and (k != HEAD or (self.in_tb and self.prev_kind == INDENT))
        self.in_tb = k != HEAD and (self.in_tb or k == TB_START)
        self.prev_kind = k
        if joins:
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
            "\n".join(self.parts),
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


# Fast paths on raw bytes, for the lines nearly every log is made of. Each one only ever answers
# what the full path (decode, unwrap, kind) would; where it cannot tell, the full path decides.
_PLAIN_DATED = re.compile(rb"\d{4}-\d\d-\d\d ")  # a space, not the "T" every CRI line has there
_CRI_HEAD = re.compile(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d) std(?:out|err) F \d")
# First bytes of wrappers, continuations and markers; and of non-ASCII text, where "\\d" sees more digits.
_NEEDS_LOOK = frozenset(b" \t\r\n{0123456789TDC") | frozenset(range(0x80, 0x100))


def _simple_head(buffer: bytes, start: int) -> bool:
    """True when the line at `start` is surely a complete record head (not a partial wrapped line,
    not a continuation); False when the full path must decide."""
    first = buffer[start] if start < len(buffer) else 10
    if first not in _NEEDS_LOOK:
        return True
    if first == 123:  # "{": JSON, a head unless it is a Docker wrapper
        return not buffer.startswith(b'{"log":', start)
    return _PLAIN_DATED.match(buffer, start) is not None or _CRI_HEAD.match(buffer, start) is not None


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
    line = unwrap(_decode_line(buffer[start : end if end >= 0 else len(buffer)]))
    if kind(line.text) != HEAD:
        return False
    prev_start = buffer.rfind(b"\n", 0, start - 1) + 1
    prev = unwrap(_decode_line(buffer[prev_start : start - 1]))
    if kind(prev.text) != HEAD or prev.partial:
        return False
    if prev_start == 0:
        return True
    # prev may end a run of partial lines, whose joined text ("  File ..." + "...") is not a head
    before = buffer[buffer.rfind(b"\n", 0, prev_start - 1) + 1 : prev_start - 1]
    return not unwrap(_decode_line(before)).partial


def _line_before(buffer: bytes, start: int) -> int:
    return buffer.rfind(b"\n", 0, start - 1) + 1


def _decode_line(data: bytes) -> str:
    text = data.decode("utf-8", "replace")
    return text[:-1] if text.endswith("\r") else text


class Shortcut(Protocol):
    """Takes a one-line record and handles it (True), or leaves it to be yielded (False)."""

    def line(self, text: str, line_no: int) -> bool:
        """A record of one unwrapped line: its text, before any Record is made of it."""
        ...

    def record(self, record: Record) -> bool:
        """A record of one wrapped line (CRI, Docker), or one `line` left."""
        ...

    def call(self, data: bytes, line_no: int, keywords: int) -> bool:
        """A record of one line whose only keywords are successful-call ones (their bits), as bytes:
        tried before `line` and `record`, which see the lines it leaves."""
        ...

    def flush(self) -> None:
        """Finish what `call` took and kept: before a record is yielded, and at a buffer's end."""
        ...


def frame_blocks(
    blocks: Iterable[bytes],
    source: str,
    stats: SourceStats,
    prefilter: Prefilter | None = None,
    edges: tuple[bool, bool] = (True, True),
    shortcut: Shortcut | None = None,
    split_end: bool = False,
) -> Iterator[Record]:
    """Frame a source's blocks; with a prefilter, only the regions around its hits.

    Counts every line and record into `stats`. The first and last line of the source are always
    framed, so the report knows when the source starts and ends. A part of a source (a byte range
    cut at `last_boundary`) numbers its lines from 1 too and tells whether it holds the source's
    start and end in `edges`. A region of one line is first offered to `shortcut`; a record it handles is
    counted, not yielded.
    """
    carry, line_no = b"", 1
    first = edges[0]
    for block in blocks:
        buffer = carry + block if carry else block
        cut = last_boundary(buffer)
        if cut == 0 and len(buffer) > MAX_CARRY:
            cut = len(buffer)
            stats.splits.append(line_no)
        if cut == 0:
            carry = buffer
            continue
        line_no += yield from _frame_buffer(buffer[:cut], source, stats, (prefilter, shortcut), line_no, first, False)
        carry, first = buffer[cut:], False
    if carry:
        if split_end:  # a piece of a stream that ends where the whole stream's framing split a record
            stats.splits.append(line_no)
        yield from _frame_buffer(carry, source, stats, (prefilter, shortcut), line_no, first, last=edges[1])


def last_boundary(buffer: bytes) -> int:
    """Where the carry to the next block starts: the last record, with the one before it when
    the last has no timestamp (its event inherits the time of the record before). 0 when the
    buffer, whose start is taken as a boundary, has no other."""
    start = _boundary_before(buffer, _last_line_start(buffer))
    if start > 0 and buffer[start : start + 1] not in _STAMPED:
        start = _boundary_before(buffer, buffer.rfind(b"\n", 0, start - 1) + 1)
    return start


def _frame_buffer(
    buffer: bytes,
    source: str,
    stats: SourceStats,
    engines: tuple[Prefilter | None, Shortcut | None],
    line_no: int,
    first: bool,
    last: bool,
) -> Generator[Record, None, int]:
    """Frame one buffer of whole records; return how many newlines it has (each byte is counted once)."""
    prefilter, shortcut = engines
    stats.undecodable += count_undecodable(buffer)
    unended = 0 if buffer.endswith(b"\n") else 1
    if prefilter is None:
        newlines = buffer.count(b"\n")
        stats.lines += newlines + unended
        yield from _frame_region(buffer, source, stats, line_no)
        return newlines
    pos, start_no = 0, line_no
    for ls, le, calls in _regions(buffer, prefilter, first, last):
        skipped = buffer.count(b"\n", pos, ls)
        stats.records += skipped
        line_no += skipped
        newline = buffer.find(b"\n", ls, le)
        if newline < 0 or newline == le - 1:  # one line: one record, whatever kind of line it is
            stats.records += 1
            stats.framed += 1
            data = buffer[ls : le if newline < 0 else newline]
            if shortcut is None:
                yield _one_line_record(data, source, line_no)
            elif not (calls and shortcut.call(data, line_no, calls)):
                record = _offer(shortcut, data, source, line_no)
                if record is not None:
                    yield record
            line_no += 1 if newline >= 0 else 0
        else:
            if shortcut is not None:
                shortcut.flush()
            yield from _frame_region(buffer[ls:le], source, stats, line_no)
            line_no += buffer.count(b"\n", ls, le)
        pos = le
    if shortcut is not None:
        shortcut.flush()
    rest = buffer.count(b"\n", pos)
    stats.records += rest + (0 if unended == 0 or pos == len(buffer) else 1)
    stats.lines += line_no - start_no + rest + unended
    return line_no - start_no + rest


def _frame_region(data: bytes, source: str, stats: SourceStats, line_no: int) -> Iterator[Record]:
    newline = data.find(b"\n")
    if newline < 0 or newline == len(data) - 1:  # one line: one record, whatever kind of line it is
        stats.records += 1
        stats.framed += 1
        yield _one_line_record(data[:newline] if newline >= 0 else data, source, line_no)
        return
    for rec in frame_lines(split_lines(data), source, line_no):
        stats.records += 1
        stats.framed += 1
        yield rec


def _offer(shortcut: Shortcut, data: bytes, source: str, line_no: int) -> Record | None:
    """The record of one line, or None when the shortcut takes it (as text when it has no wrapper)."""
    text = _decode_line(data)
    line = wrapped(text)
    if line is None:
        return None if shortcut.line(text, line_no) else Record(source, line_no, line_no, text)
    record = Record(source, line_no, line_no, line.text, line.wrapper, line.time, line.stream)
    return None if shortcut.record(record) else record


def _one_line_record(data: bytes, source: str, line_no: int) -> Record:
    """What the full framer makes of a region of one line, partial or not, continuation or head."""
    text = _decode_line(data)
    line = wrapped(text)
    if line is None:
        return Record(source, line_no, line_no, text)
    return Record(source, line_no, line_no, line.text, line.wrapper, line.time, line.stream)


def _regions(buffer: bytes, prefilter: Prefilter, first: bool, last: bool) -> Iterator[tuple[int, int, int]]:
    """Spans [start, end) of complete records around each hit, in order, not overlapping; each with
    the hit's successful-call keyword bits when it is a region of that one line, else 0."""
    hits: Iterable[tuple[int, int]] = prefilter.hits(buffer)
    if first:
        hits = _with(hits, (0, 0))
    end = 0
    for hit, calls in hits:
        if hit < end or hit >= len(buffer):
            continue
        line_start = buffer.rfind(b"\n", 0, hit) + 1
        line_end = buffer.find(b"\n", hit) + 1 or len(buffer)
        if _one_line_region(buffer, line_start):
            end = line_end
            yield line_start, line_end, calls
            continue
        start = _boundary_before(buffer, line_start)
        if start > end and buffer[start : start + 1] not in _STAMPED:
            # No timestamp at its start: take the record before too, whose time the event inherits.
            start = max(end, _boundary_before(buffer, buffer.rfind(b"\n", 0, start - 1) + 1))
        end = _region_end(buffer, hit)
        yield start, end, 0
    if last and end < len(buffer):
        tail = _last_line_start(buffer)
        if tail >= end:
            yield max(_boundary_before(buffer, tail), end), len(buffer), 0


_STAMPED = {bytes([c]) for c in b"0123456789{[<"}


def _one_line_region(buffer: bytes, start: int) -> bool:
    """True when the line at `start` is surely a region of its own, as `_regions` would find: a
    stamped head among simple heads (the line before it, the one before that, and the next). The
    common case, decided with one match from two lines up; False leaves it to the general path."""
    if start == 0:
        return False
    before = buffer.rfind(b"\n", 0, start - 1) + 1
    if before == 0:
        return _AFTER_ONE_HEAD.match(buffer) is not None
    return _AFTER_TWO_HEADS.match(buffer, buffer.rfind(b"\n", 0, before - 1) + 1) is not None


# _simple_head as a pattern (a line start it is True at), and lines of them: a line that is a
# simple head, then the stamped simple head of the hit, then a simple head or the end.
_SIMPLE = rb'(?:[^ \t\r\n{0-9TDC\x80-\xff]|\{(?!"log":)|' + _PLAIN_DATED.pattern + rb"|" + _CRI_HEAD.pattern + rb")"
_HIT_LINE = rb"(?=[0-9{\[<])" + _SIMPLE + rb"[^\n]*(?:\n(?:" + _SIMPLE + rb"|\Z)|\Z)"
_AFTER_ONE_HEAD = re.compile(_SIMPLE + rb"[^\n]*\n" + _HIT_LINE)
_AFTER_TWO_HEADS = re.compile(_SIMPLE + rb"[^\n]*\n" + _SIMPLE + rb"[^\n]*\n" + _HIT_LINE)


def _boundary_before(buffer: bytes, start: int) -> int:
    while start > 0 and not _is_boundary(buffer, start):
        start = buffer.rfind(b"\n", 0, start - 1) + 1
    return start


def _with(hits: Iterable[tuple[int, int]], first: tuple[int, int]) -> Iterator[tuple[int, int]]:
    yield first
    yield from hits


def _region_end(buffer: bytes, hit: int) -> int:
    end = buffer.find(b"\n", hit) + 1 or len(buffer)
    while end < len(buffer) and not _is_boundary(buffer, end):
        end = buffer.find(b"\n", end) + 1 or len(buffer)
    return end


def _last_line_start(buffer: bytes) -> int:
    end = len(buffer) - 1 if buffer.endswith(b"\n") else len(buffer)
    return buffer.rfind(b"\n", 0, end) + 1
