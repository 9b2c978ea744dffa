"""Parallel scanning: a large file cut into byte ranges at record boundaries, or a stream (stdin, a
compressed file) cut into pieces as it is read, each range or piece scanned in a worker process, the
results merged in input order.

Cuts are placed where the framer itself would cut a block (`framing.last_boundary`), so a range
frames into exactly the records the whole file gives there. Each range numbers its lines from 1; the
merge moves them down by the lines of the ranges before it, so line numbers are those of the file.
An event without a time in a range inherits the last time of the ranges before it, as in one process.
"""

from __future__ import annotations

import dataclasses
import itertools
import multiprocessing
import os
import sys
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TextIO

from .evidence import Texts
from .framing import last_boundary
from .matching import MatchStats
from .models import Event, EventRow
from .sources import MAX_CARRY, OpenFile, Source, SourceStats, plain_head
from .successes import Successes

MIN_SIZE = 64 << 20  # smaller files are not cut in ranges (unless --jobs says so): read in pieces
# Many ranges a worker: the last ones finish together, and a range's results, which the merge holds as
# rows and pickle while it places them, stay small (an outage's range of 18 MB: some 40 MB of rows).
MIN_CHUNK = 4 << 20
CHUNKS_PER_JOB = 16
WINDOW = 1 << 20  # bytes read before a nominal cut to find a record boundary
# A stream is cut into pieces of at least this size (each costs a worker a few ms): one block (just under
# 4 MiB of whole lines) of a plain stream; 4 MiB had taken two, 8 MB a piece and 20 MB more in flight.
PIECE = 3 << 20
IN_FLIGHT = 6  # pieces read ahead of the merge at most (jobs + 1 when fewer): about 8 MB each in flight (data, pickle)


@dataclass(frozen=True, slots=True)
class Chunk:
    """One byte range of a file and where it sits in it; the file is the descriptor the workers inherit."""

    fd: int
    start: int
    end: int
    first: bool = True  # holds the file's first line
    last: bool = True  # holds the file's last line


@dataclass
class Part:
    """What scanning one range found: its events (as rows, lines counted from the range's start)
    and the counters to add up."""

    events: list[EventRow]
    stats: SourceStats
    match_stats: MatchStats
    first_time: datetime | None = None  # earliest and latest record time seen
    last_time: datetime | None = None
    latest: datetime | None = None  # the time of its last timed record, which later events inherit
    size: int = 0
    successes: Successes = dataclasses.field(default_factory=Successes)


@dataclass(frozen=True, slots=True)
class Piece:
    """Whole records of a stream, read by the parent, scanned by a worker."""

    data: bytes
    first: bool  # holds the stream's first line
    last: bool  # holds the stream's last line
    split: bool = False  # ends inside a record that the framer split (no boundary within MAX_CARRY)


ScanChunk = Callable[[Chunk], Part]
ScanPiece = Callable[[Piece], Part]


def jobs_for(source: Source, jobs: int) -> int:
    """How many processes scan this source in byte ranges: --jobs, or (0) the CPU count for a large file."""
    if not source.path or jobs == 1:
        return 1
    if jobs == 0:
        if _size(source.path) < MIN_SIZE:
            return 1
        jobs = cpus()
    return jobs if "fork" in multiprocessing.get_all_start_methods() else 1


def stream_jobs(jobs: int) -> int:
    """How many processes scan a source that is read from start to end (stdin, a compressed file, a
    file not cut in ranges) and cut into pieces as it is read: --jobs, or (0) the CPU count. A source
    of one piece stays in process."""
    if jobs == 1 or "fork" not in multiprocessing.get_all_start_methods():
        return 1
    return jobs or cpus()


def cpus() -> int:
    """The CPUs this process may run on (its affinity, where the system tells it), else the machine's."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def capped_jobs(jobs: int) -> int:
    """--jobs, at most the CPU count: more processes only compete for the same CPUs (`-j 3000` forked
    over 1,300 before the system refused more)."""
    return min(jobs, cpus())


def pieces(blocks: Iterable[bytes], size: int | None = None) -> Iterator[Piece]:
    """The stream's blocks (whole lines) cut into pieces of at least `size` (PIECE) bytes where the framer
    cuts them, block by block (`frame_blocks`): at its last record boundary, or with none past
    MAX_CARRY, at the block's end, where the framer splits the record (and a piece ends, marked
    `split`). A piece is given once the next has begun, so the last one is marked."""
    size = PIECE if size is None else size
    carry = b""
    held: list[bytes] = []
    held_size = 0
    ready: Piece | None = None
    for block in blocks:
        buffer = carry + block if carry else block
        cut = last_boundary(buffer)
        split = cut == 0 and len(buffer) > MAX_CARRY
        if split:
            cut = len(buffer)
        if cut == 0:
            carry = buffer
            continue
        held.append(buffer[:cut])
        held_size += cut
        carry = buffer[cut:]
        if split or held_size >= size:
            if ready is not None:
                yield ready
            ready = Piece(b"".join(held), ready is None, False, split)
            held, held_size = [], 0
    rest = b"".join([*held, carry])
    if rest:
        if ready is not None:
            yield ready
        yield Piece(rest, ready is None, True)
    elif ready is not None:
        yield dataclasses.replace(ready, last=True)


def plan(file: OpenFile, jobs: int) -> list[Chunk]:
    """Byte ranges of the opened file for `jobs` processes; one range when it cannot or need not be cut."""
    size = file.size
    whole = [Chunk(file.fd, 0, size)]
    if jobs <= 1 or not plain_head(file):
        return whole
    count = max(1, min(jobs * CHUNKS_PER_JOB, size // MIN_CHUNK))
    cuts: list[int] = []
    for i in range(1, count):
        cut = _cut_near(file.fd, size * i // count)
        if cut is not None and cut > (cuts[-1] if cuts else 0):
            cuts.append(cut)
    edges = [0, *cuts, size]
    return [Chunk(file.fd, a, b, first=a == 0, last=b == size) for a, b in itertools.pairwise(edges)]


def _size(path: str) -> int:
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


def _cut_near(fd: int, offset: int) -> int | None:
    """A record boundary shortly before `offset`, as the framer would choose it; None if none is found."""
    start = max(0, offset - WINDOW)
    window = os.pread(fd, offset - start, start)
    begin = window.find(b"\n") + 1 if start else 0  # the first line may be cut: skip it
    end = window.rfind(b"\n") + 1
    if (begin == 0 and start) or end <= begin:
        return None
    lines = window[begin:end]
    cut = last_boundary(lines)
    # The window's start is no real boundary: trust only a cut whose two lines before are inside it.
    third = lines.find(b"\n", lines.find(b"\n") + 1) + 1
    if cut == 0 or third == 0 or cut < third:
        return None
    return start + begin + cut


def scan(chunks: list[Chunk], jobs: int, scan_chunk: ScanChunk, progress: Progress | None = None) -> Iterator[Part]:
    """Each range's Part, in order, scanned in `jobs` forked processes. A part numbers its lines from
    1; `merge` moves them to where the range starts, once the ranges before it are counted."""
    context = multiprocessing.get_context("fork")
    with context.Pool(jobs, initializer=_init, initargs=(scan_chunk,)) as pool:
        for part in pool.imap(_run, chunks):
            yield _advanced(part, progress)


def scan_pieces(
    stream: Iterable[Piece], jobs: int, scan_piece: ScanPiece, progress: Progress | None = None
) -> Iterator[Part]:
    """Each piece's Part, in order, scanned in `jobs` forked processes. Pieces are read as the
    workers take them, `jobs + 1` (at most IN_FLIGHT) ahead of the merge: a pool's imap would read
    the whole stream into memory while the workers lag."""
    context = multiprocessing.get_context("fork")
    ahead = min(jobs + 1, IN_FLIGHT)
    with context.Pool(jobs, initializer=_init, initargs=(scan_piece,)) as pool:
        pending: deque[Any] = deque()
        for piece in stream:
            pending.append(pool.apply_async(_run, (piece,)))
            while len(pending) >= ahead:
                yield _advanced(pending.popleft().get(), progress)
        while pending:
            yield _advanced(pending.popleft().get(), progress)


def _advanced(part: Part, progress: Progress | None) -> Part:
    if progress is not None:
        progress.advance(part.size, part.stats.lines, len(part.events))
    return part


def merge(
    parts: Iterator[Part], stats: SourceStats, match_stats: MatchStats, successes: Successes, texts: Texts
) -> tuple[list[Event], list[Part]]:
    """The parts' events in order, line numbers those of the file, times inherited across ranges;
    their counters added to the totals, their successful calls to `successes`, their texts to
    `texts` once the events' room for them is spent."""
    events: list[Event] = []
    done: list[Part] = []
    latest: datetime | None = None
    before = 0  # lines in the ranges before this one
    for part in parts:
        events.extend(_placed(row, before, latest, texts) for row in part.events)
        part.stats.splits = [n + before for n in part.stats.splits]
        successes.extend(part.successes, latest, before)
        latest = part.latest or latest
        before += part.stats.lines
        add_up(stats, part.stats)
        add_up(match_stats, part.match_stats)
        part.events, part.successes = [], Successes()
        done.append(part)
    return events, done


def _placed(row: EventRow, lines: int, time: datetime | None, texts: Texts | None = None) -> Event:
    """The event of a part's row, `lines` lines further down, with `time` if it had none, its text
    left to `texts` if they take it. A record of one line has one int object for both its line
    numbers (28 bytes an event of an outage)."""
    rule, category, outcome, severity, retryable, confidence, when, source, line, end_line, text, fields = row
    first = line + lines
    if texts is not None and texts.keep(source, first, text):
        text = ""
    return Event(
        rule, category, outcome, severity, retryable, confidence, when or time, source, first,
        first if end_line == line else end_line + lines, text, fields,
    )  # fmt: skip


def add_up(total: Any, part: Any) -> None:
    """Add one counter dataclass to another: numbers summed, dicts summed by key, lists joined."""
    for f in dataclasses.fields(total):
        mine, theirs = getattr(total, f.name), getattr(part, f.name)
        if isinstance(mine, bool | str):
            continue
        if isinstance(mine, int | float):
            setattr(total, f.name, mine + theirs)
        elif isinstance(mine, dict):
            for key, value in theirs.items():
                mine[key] = mine.get(key, 0) + value
        elif isinstance(mine, list):
            mine.extend(theirs)


_WORKER: list[Callable[[Any], Part]] = []  # the scan function of this worker process, set once when it starts


def _init(scan: Callable[[Any], Part]) -> None:
    map_large_blocks(WORKER_MAPPED)
    _WORKER[:] = [scan]


# A worker's blocks come from its heap, reused block after block: mapping each one anew and touching its
# pages cost a 1M-line day a fifth of its time (116,000 page faults, 28,000 from the heap), for 10 MB.
WORKER_MAPPED = 32 << 20


@contextmanager
def blocks_on_heap() -> Iterator[None]:
    """While this process scans a source itself, or reads a stream for the workers: its blocks on
    its heap, as a worker's are (a block mapped anew costs a page fault on each first touch of its
    pages: 115,000 faults for a 1M-line day in one process, 41,000 on the heap, for 13 MB more);
    then mapped again, as the console script has them, for what correlation and reports hold."""
    map_large_blocks(WORKER_MAPPED)
    try:
        yield
    finally:
        map_large_blocks()


def map_large_blocks(threshold: int = 128 << 10) -> bool:
    """Ask glibc to give every allocation over `threshold` its own mapping, returned to the system
    when freed. By default glibc raises that threshold to the size of the largest block freed (4 MB
    read blocks and pieces), and later blocks then come from the heap, which keeps what it held: 20
    to 40 MB of peak RSS on this machine (a 40 MB file with 2 jobs: 111 -> 87 MB). The console
    script's process maps its blocks but while it scans or reads (blocks_on_heap); workers do not
    (WORKER_MAPPED). Elsewhere than glibc a no-op.

    The heap also keeps up to `threshold` bytes free at its top (M_TRIM_THRESHOLD): with the mmap
    threshold set by hand glibc leaves its trim threshold at 128 KiB, so each block freed at the top
    went back to the system and the next one faulted its pages in again (a 5M-line day: 204,000
    page faults from a file, 651,000 from a pipe; 55,000 and 46,000 with both thresholds alike)."""
    import ctypes

    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (AttributeError, OSError):  # not glibc (macOS, Windows)
        return False
    return bool(mallopt(_M_MMAP_THRESHOLD, threshold)) and bool(mallopt(_M_TRIM_THRESHOLD, threshold))


_M_MMAP_THRESHOLD = -3  # glibc's malloc.h
_M_TRIM_THRESHOLD = -1


def _run(task: Chunk | Piece) -> Part:
    return _WORKER[0](task)


class Progress:
    """A progress line on a terminal's stderr for long scans: MB/s, lines/s, events so far."""

    DELAY = 2.0  # seconds before the first line: short scans show nothing
    EVERY = 0.5

    def __init__(self, stream: TextIO = sys.stderr, clock: Callable[[], float] = time.monotonic) -> None:
        self.stream, self.clock = stream, clock
        self.started = self.shown = clock()
        self.bytes = self.lines = self.events = 0
        self.visible = False

    def advance(self, nbytes: int, lines: int, events: int) -> None:
        """Add what was scanned since the last call; redraw at most twice a second."""
        self.bytes, self.lines, self.events = self.bytes + nbytes, self.lines + lines, self.events + events
        now = self.clock()
        if now - self.started >= self.DELAY and now - self.shown >= self.EVERY:
            self.shown, self.visible = now, True
            self.stream.write("\r\x1b[K" + self.line(now - self.started))
            self.stream.flush()

    def line(self, elapsed: float) -> str:
        """The text of the progress line."""
        rate = max(elapsed, 1e-9)
        return (
            f"logscan: {self.bytes / 1e6:,.0f} MB, {self.bytes / 1e6 / rate:,.0f} MB/s, "
            f"{self.lines / rate:,.0f} lines/s, {self.events:,} events"
        )

    def close(self) -> None:
        """Clear the line, so the report and warnings start on a clean one."""
        if self.visible:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
