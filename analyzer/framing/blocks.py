"""Framing of blocks: a prefilter finds the few lines that can matter (a rule keyword, or anything
that could continue a record) and only the regions of complete records around them are framed;
every other line is, by construction of the triggers, a one-line record and is only counted."""

from __future__ import annotations

import re
from collections.abc import Generator, Iterable, Iterator, Mapping
from typing import Protocol

from ..models import Record
from ..sources import MAX_CARRY, SourceStats
from .context import Around
from .lines import (
    _CRI_HEAD,
    _PLAIN_DATED,
    _decode_line,
    _is_boundary,
    count_undecodable,
    frame_lines,
    split_lines,
    wrapped,
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
    around: Around | None = None,
) -> Iterator[Record]:
    """Frame a source's blocks; with a prefilter, only the regions around its hits.

    Counts every line and record into `stats`. The first and last line of the source are always
    framed, so the report knows when the source starts and ends. A part of a source (a byte range
    cut at `last_boundary`) numbers its lines from 1 too and tells whether it holds the source's
    start and end in `edges`. A region of one line is first offered to `shortcut`; a record it handles is
    counted, not yielded. Each record is placed in `around` as it is yielded, for its context.
    """
    engines = (prefilter, shortcut, around or Around())
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
        line_no += yield from _frame_buffer(buffer, cut, source, stats, engines, line_no, first, False)
        carry, first = buffer[cut:], False
    if carry:
        if split_end:  # a piece of a stream that ends where the whole stream's framing split a record
            stats.splits.append(line_no)
        yield from _frame_buffer(carry, len(carry), source, stats, engines, line_no, first, edges[1])


def last_boundary(buffer: bytes) -> int:
    """Where the carry to the next block starts: the last record, with the one before it when
    the last has no timestamp (its event inherits the time of the record before). 0 when the
    buffer, whose start is taken as a boundary, has no other."""
    start = _boundary_before(buffer, _last_line_start(buffer))
    if start > 0 and buffer[start : start + 1] not in _STAMPED:
        start = _boundary_before(buffer, buffer.rfind(b"\n", 0, start - 1) + 1)
    return start


def _frame_buffer(
    whole: bytes,
    cut: int,
    source: str,
    stats: SourceStats,
    engines: tuple[Prefilter | None, Shortcut | None, Around],
    line_no: int,
    first: bool,
    last: bool,
) -> Generator[Record, None, int]:
    """Frame whole[:cut], a buffer of whole records; return how many newlines it has (each byte is
    counted once). The records' context may reach past the cut, into the lines framed next."""
    buffer = whole[:cut] if cut < len(whole) else whole
    prefilter, shortcut, around = engines
    stats.undecodable += count_undecodable(buffer)
    unended = 0 if buffer.endswith(b"\n") else 1
    if prefilter is None:
        newlines = buffer.count(b"\n")
        stats.lines += newlines + unended
        yield from _in_context(_frame_region(buffer, source, stats, line_no), whole, 0, line_no, around)
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
                yield around.at(whole, ls, le, _one_line_record(data, source, line_no))
            elif not (calls and shortcut.call(data, line_no, calls)):
                record = _offer(shortcut, data, source, line_no)
                if record is not None:
                    yield around.at(whole, ls, le, record)
            line_no += 1 if newline >= 0 else 0
        else:
            if shortcut is not None:
                shortcut.flush()
            yield from _in_context(_frame_region(buffer[ls:le], source, stats, line_no), whole, ls, line_no, around)
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


def _in_context(records: Iterable[Record], buffer: bytes, start: int, line_no: int, around: Around) -> Iterator[Record]:
    """The records framed from the lines of buffer at `start` (numbered from `line_no`), each placed in `around`."""
    starts = [start]
    for record in records:
        while len(starts) <= record.end_line + 1 - line_no:  # the offsets of its lines, and the next's
            at = starts[-1]
            starts.append(buffer.find(b"\n", at) + 1 or len(buffer) if at < len(buffer) else len(buffer))
        yield around.at(buffer, starts[record.line - line_no], starts[record.end_line + 1 - line_no], record)


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
