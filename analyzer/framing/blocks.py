"""Framing of blocks: a prefilter finds the few lines that can matter (a rule keyword, or anything
that could continue a record) and only the regions of complete records around them are framed;
every other line is, by construction of the triggers, a one-line record and is only counted."""

from __future__ import annotations

import itertools
import re
from collections.abc import Generator, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Protocol

from ..models import Record
from ..sources import MAX_CARRY
from .context import PRIOR, Around
from .grammar import SIMPLE_HEAD
from .lines import (
    BLANK_LINE,
    BLANK_RUN,
    Wrapped,
    _decode_line,
    _is_boundary,
    blank_run_end,
    count_undecodable,
    frame_data,
    wrapped,
)


@dataclass
class Counts:
    """What framing counted of a source (or a part of one): its lines, its records and those framed among
    them (the others held no keyword and could match no rule), its lines that are not UTF-8, and the lines
    where it cut a record that had no boundary. The pipeline adds them to the source's counts."""

    lines: int = 0
    records: int = 0
    framed: int = 0
    undecodable: int = 0
    splits: list[int] = field(default_factory=list)


class Prefilter(Protocol):
    """Finds the lines of a buffer that may matter."""

    def hits(self, buffer: bytes) -> Iterator[tuple[int, int]]:
        """Offsets in each such line (ascending, at least one a line), each with the bits of the
        successful-call keywords on its line when they are all the line has, else 0 (`Calls`)."""
        ...

    @property
    def confirmed(self) -> Mapping[tuple[str, int], int]:
        """The successful-call patterns (text and flags) whose match in a line the bits tell, and their bits."""
        ...


@dataclass(slots=True)
class Calls:
    """A run of one-line regions whose only keywords the prefilter found are successful-call ones,
    in input order, as framing found them in a buffer: handed on as bytes for the successful-call lane
    (analyzer/lane/) to take without decoding them. A line the lane leaves becomes a record by
    `record`, placed in `around` like every record framing yields."""

    source: str
    buffer: bytes
    around: Around
    lines: list[tuple[int, int, int, int, bytes]]  # number, start, end (past its newline), keyword bits, bytes

    @staticmethod
    def text(data: bytes) -> tuple[str, Wrapped | None]:
        """A line's text, and its wrapper's parts when it has one (CRI, Docker)."""
        text = _decode_line(data)
        return text, wrapped(text)

    def record(self, line_no: int, start: int, end: int, text: str, line: Wrapped | None) -> Record:
        """The record of the line at buffer[start:end] (its `text`), placed in `around`."""
        return self.around.at(self.buffer, start, end, _line_record(text, line, self.source, line_no))

    def records(self) -> Iterator[Record]:
        """The record of every line: what framing yields when nothing takes them."""
        for line_no, start, end, _, data in self.lines:
            yield self.record(line_no, start, end, *self.text(data))


def frame_blocks(
    blocks: Iterable[bytes],
    source: str,
    counts: Counts,
    prefilter: Prefilter | None = None,
    edges: tuple[bool, bool] = (True, True),
    split_end: bool = False,
    around: Around | None = None,
    calls: bool = False,
    lead: bytes = b"",
) -> Iterator[Record | Calls]:
    """Frame a source's blocks; with a prefilter, only the regions around its hits.

    Counts every line and record into `counts`. The first and last line of the source are always
    framed, so the report knows when the source starts and ends. A part of a source (a byte range
    cut at `last_boundary`) numbers its lines from 1 too and tells whether it holds the source's
    start and end in `edges`. With `calls`, the one-line regions whose only keywords are successful-call
    ones are yielded as `Calls`, runs of them, for the lane, in order among the records. Each record
    is placed in `around` as it is yielded, for its context; `lead`: the bytes just before a part, which
    the context of its first records reads as it would in the whole source.
    """
    engines = (prefilter, calls, around or Around())
    carry, line_no, framed = b"", 1, lead[-PRIOR:]
    first = edges[0]
    for block in blocks:
        buffer = carry + block if carry else block
        cut = last_boundary(buffer)
        if cut == 0 and len(buffer) > MAX_CARRY:
            cut = len(buffer)
            counts.splits.append(line_no)
        if cut == 0:
            carry = buffer
            continue
        engines[2].before(framed, buffer)
        line_no += yield from _frame_buffer(buffer, cut, source, counts, engines, line_no, first, False)
        carry, first, framed = buffer[cut:], False, buffer[max(0, cut - PRIOR) : cut]
    if carry:
        if split_end:  # a piece of a stream that ends where the whole stream's framing split a record
            counts.splits.append(line_no)
        engines[2].before(framed, carry)
        yield from _frame_buffer(carry, len(carry), source, counts, engines, line_no, first, edges[1])


def last_boundary(buffer: bytes) -> int:
    """Where the carry to the next block starts: the last record, with the one before it when
    the last has no timestamp and that one has (its event inherits the time of the record before,
    and `_regions` takes that record too). 0 when the buffer, whose start is taken as a boundary,
    has no other."""
    start = _boundary_before(buffer, _last_line_start(buffer))
    if start > 0 and not _stamped(buffer, start):
        before = _boundary_before(buffer, buffer.rfind(b"\n", 0, start - 1) + 1)
        if _stamped(buffer, before) or before == 0:
            start = before
    return start


def _frame_buffer(
    whole: bytes,
    cut: int,
    source: str,
    counts: Counts,
    engines: tuple[Prefilter | None, bool, Around],
    line_no: int,
    first: bool,
    last: bool,
) -> Generator[Record | Calls, None, int]:
    """Frame whole[:cut], a buffer of whole records; return how many newlines it has (each byte is
    counted once). The records' context may reach past the cut, into the lines framed next."""
    buffer = whole[:cut] if cut < len(whole) else whole
    prefilter, _, around = engines
    counts.undecodable += count_undecodable(buffer)
    unended = 0 if buffer.endswith(b"\n") else 1
    if prefilter is None:
        newlines = buffer.count(b"\n")
        counts.lines += newlines + unended
        yield from _in_context(_frame_region(buffer, source, counts, line_no), whole, 0, line_no, around)
        return newlines
    blanks, regions = _blank_hint(_regions(buffer, prefilter, first, last))
    at = _At(whole, buffer, source, blanks)
    end_no, pos = yield from _frame_regions(at, regions, counts, engines, line_no)
    rest = buffer.count(b"\n", pos)
    counts.records += at.records(pos, len(buffer), rest) + (0 if unended == 0 or pos == len(buffer) else 1)
    counts.lines += end_no - line_no + rest + unended
    return end_no - line_no + rest


@dataclass(frozen=True, slots=True)
class _At:
    """The buffer being framed by regions: the whole block (the records' context may reach past the
    cut), its whole records, their source, and whether the prefilter saw blank lines in it."""

    whole: bytes
    buffer: bytes
    source: str
    blanks: bool

    def records(self, start: int, end: int, newlines: int) -> int:
        """The records of the lines between regions (none a trigger: each a record, a blank one none)."""
        return newlines - len(BLANK_LINE.findall(self.buffer, start, end)) if self.blanks else newlines


def _frame_regions(
    at: _At,
    regions: Iterator[tuple[int, int, int]],
    counts: Counts,
    engines: tuple[Prefilter | None, bool, Around],
    line_no: int,
) -> Generator[Record | Calls, None, tuple[int, int]]:
    """The records of each region and the lines between them counted; the number of the line after
    the last region, and where it starts. One-line regions of successful-call keywords only go, with
    a lane, into runs of `Calls`."""
    _, lane, around = engines
    buffer, pos = at.buffer, 0
    run: list[tuple[int, int, int, int, bytes]] = []  # the current run of `Calls`
    for ls, le, calls in regions:
        skipped = buffer.count(b"\n", pos, ls)
        counts.records += at.records(pos, ls, skipped)
        line_no += skipped
        newline = buffer.find(b"\n", ls, le)
        one_line = newline < 0 or newline == le - 1  # one record, whatever kind of line it is
        if one_line and calls and lane:
            counts.records += 1
            counts.framed += 1
            run.append((line_no, ls, le, calls, buffer[ls : le if newline < 0 else newline]))
        else:
            if run:
                yield Calls(at.source, at.whole, around, run)
                run = []
            yield from _region(at, ls, le, newline if one_line else -2, counts, line_no, around)
        line_no += (newline >= 0) if one_line else buffer.count(b"\n", ls, le)
        pos = le
    if run:
        yield Calls(at.source, at.whole, around, run)
    return line_no, pos


def _region(
    at: _At, start: int, end: int, newline: int, counts: Counts, line_no: int, around: Around
) -> Iterator[Record]:
    """The records of buffer[start:end]; `newline`: where the line ends when the region is one line
    (-1: at the buffer's end), else -2."""
    if newline == -2:
        records = _frame_region(at.buffer[start:end], at.source, counts, line_no)
        yield from _in_context(records, at.whole, start, line_no, around)
        return
    counts.records += 1
    counts.framed += 1
    data = at.buffer[start : end if newline < 0 else newline]
    yield around.at(at.whole, start, end, _one_line_record(data, at.source, line_no))


def _blank_hint(regions: Iterator[tuple[int, int, int]]) -> tuple[bool, Iterator[tuple[int, int, int]]]:
    """Whether `_regions` says the buffer has a blank line after another (its first item), and the
    regions."""
    first = next(regions, None)
    if first is None:
        return False, regions
    if first[2] == BLANK_RUN:
        return True, regions
    return False, itertools.chain([first], regions)


def _frame_region(data: bytes, source: str, counts: Counts, line_no: int) -> Iterator[Record]:
    newline = data.find(b"\n")
    if newline < 0 or newline == len(data) - 1:  # one line: one record, whatever kind of line it is
        counts.records += 1
        counts.framed += 1
        yield _one_line_record(data[:newline] if newline >= 0 else data, source, line_no)
        return
    for rec in frame_data(data, source, line_no):
        counts.records += 1
        counts.framed += 1
        yield rec


def _in_context(records: Iterable[Record], buffer: bytes, start: int, line_no: int, around: Around) -> Iterator[Record]:
    """The records framed from the lines of buffer at `start` (numbered from `line_no`), each placed in `around`."""
    starts = [start]
    for record in records:
        while len(starts) <= record.end_line + 1 - line_no:  # the offsets of its lines, and the next's
            at = starts[-1]
            starts.append(buffer.find(b"\n", at) + 1 or len(buffer) if at < len(buffer) else len(buffer))
        yield around.at(buffer, starts[record.line - line_no], starts[record.end_line + 1 - line_no], record)


def _one_line_record(data: bytes, source: str, line_no: int) -> Record:
    """What the full framer makes of a region of one line, partial or not, continuation or head."""
    return _line_record(*Calls.text(data), source, line_no)


def _line_record(text: str, line: Wrapped | None, source: str, line_no: int) -> Record:
    if line is None:
        return Record(source, line_no, line_no, text)
    return Record(source, line_no, line_no, line.text, line.wrapper, line.time, line.stream)


def _regions(buffer: bytes, prefilter: Prefilter, first: bool, last: bool) -> Iterator[tuple[int, int, int]]:
    """Spans [start, end) of complete records around each hit, in order, not overlapping; each with
    the hit's successful-call keyword bits when it is a region of that one line, else 0. And, as an
    empty span with BLANK_RUN, that the prefilter found a blank line after another in the buffer: a
    blank line is no record of its own, and the caller counts those outside the regions."""
    hits: Iterator[tuple[int, int]] = iter(prefilter.hits(buffer))
    hint = next(hits, None)
    if hint is not None and hint[1] == BLANK_RUN:  # (a prefilter gives it first) a line may be blank
        yield 0, 0, BLANK_RUN
    elif hint is not None:
        hits = itertools.chain([hint], hits)
    if first or _blank_at(buffer, 0):  # a buffer that starts with a blank line: a record (and not a run)
        hits = _with(hits, (0, 0))
    end = 0
    for hit, calls in hits:
        if hit < end or hit >= len(buffer):
            continue
        line_start = buffer.rfind(b"\n", 0, hit) + 1
        if _one_line_region(buffer, line_start):
            end = buffer.find(b"\n", hit) + 1 or len(buffer)
            yield line_start, end, calls
            continue
        start = _region_start(buffer, line_start, end)
        end = _region_end(buffer, hit)
        yield start, end, 0
    if last and end < len(buffer):
        tail = _last_line_start(buffer)
        if tail >= end:
            yield max(_boundary_before(buffer, tail), end), len(buffer), 0


def _region_start(buffer: bytes, line_start: int, after: int) -> int:
    """Where the region of the hit on the line at `line_start` starts, at `after` (the last region's end)
    or later: its record's first line, or the one before when it has no timestamp at its start."""
    start = _boundary_before(buffer, line_start)
    if start > after and not _stamped(buffer, start):
        # No timestamp at its start: take the record before too, whose time the event inherits
        # (when it has one: else there is nothing to inherit, and a cut may fall between them).
        before = _boundary_before(buffer, buffer.rfind(b"\n", 0, start - 1) + 1)
        if _stamped(buffer, before):
            start = max(after, before)
    return start


_STAMPED = {bytes([c]) for c in b"0123456789{[<"}
# Docker Compose's service prefix before every line (`api-1  | `, v1's `api_1  | `, a swarm task's
# `api.1.<id>@<node>  | `): the line's own start is after it
_SERVICE = re.compile(rb"[\w.-]{1,100}(?:@[\w.-]{1,64})? +\| ")


def _stamped(buffer: bytes, start: int) -> bool:
    """Whether the line at `start` starts with a time (or a JSON, bracketed or syslog head), after a Compose
    service's prefix when it has one: the record whose time an untimed line after it inherits."""
    if buffer[start : start + 1] in _STAMPED:
        return True
    prefix = _SERVICE.match(buffer, start)
    return prefix is not None and buffer[prefix.end() : prefix.end() + 1] in _STAMPED


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


# lines of simple heads (grammar.SIMPLE_HEAD, `_simple_head` as a pattern): a line that is a simple
# head, then the stamped simple head of the hit, then a simple head or the end.
_SIMPLE = SIMPLE_HEAD
_HIT_LINE = rb"(?=[0-9{\[<])" + _SIMPLE + rb"[^\n]*(?:\n(?:" + _SIMPLE + rb"|\Z)|\Z)"
_AFTER_ONE_HEAD = re.compile(_SIMPLE + rb"[^\n]*\n" + _HIT_LINE)
_AFTER_TWO_HEADS = re.compile(_SIMPLE + rb"[^\n]*\n" + _SIMPLE + rb"[^\n]*\n" + _HIT_LINE)


def _boundary_before(buffer: bytes, start: int) -> int:
    while start > 0 and not _is_boundary(buffer, start):
        start = buffer.rfind(b"\n", 0, start - 1) + 1
        if buffer[start] in _BLANK_FIRST and _BLANK_LINE.match(buffer, start):  # (no blank line is a boundary:
            start = _run_start(buffer, start)  # its whole run is passed at once)
    return start


def _blank_at(buffer: bytes, start: int) -> bool:
    """Whether the line at `start` is blank (and ends in a newline)."""
    return start < len(buffer) and buffer[start] in _BLANK_FIRST and _BLANK_LINE.match(buffer, start) is not None


_BLANK_FIRST = frozenset(b" \t\r\n")
_BLANK_LINE = re.compile(rb"[ \t]*\r?\n")


def _run_start(buffer: bytes, start: int) -> int:
    """The first line of the run of blank lines that holds the blank line at `start`: found by what
    lies before it that is not a space, tab, CR or newline (looked at in growing pieces), and then
    checked; a line of those that is not blank (a CR inside it) leaves it a line at a time."""
    width, low = 256, start
    while low > 0:
        low = max(0, start - width)
        kept = len(buffer[low:start].rstrip(b" \t\r\n"))
        if kept:
            low += kept
            break
        width *= 4
    first = buffer.find(b"\n", low) + 1 if low else 0  # after the line of the last other byte
    return first if blank_run_end(buffer, first) > start else start


def _with(hits: Iterable[tuple[int, int]], first: tuple[int, int]) -> Iterator[tuple[int, int]]:
    yield first
    yield from hits


def _region_end(buffer: bytes, hit: int) -> int:
    end = buffer.find(b"\n", hit) + 1 or len(buffer)
    while end < len(buffer) and not _is_boundary(buffer, end):
        end = buffer.find(b"\n", end) + 1 or len(buffer)
        if end < len(buffer) and buffer[end] in _BLANK_FIRST:  # no blank line is a boundary: its whole
            end = blank_run_end(buffer, end)  # run is passed at once
    return end


def _last_line_start(buffer: bytes) -> int:
    end = len(buffer) - 1 if buffer.endswith(b"\n") else len(buffer)
    return buffer.rfind(b"\n", 0, end) + 1
