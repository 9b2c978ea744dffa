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
import functools
import itertools
import multiprocessing
import os
import pickle
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, cast

from . import memory, sources, timelimit
from .events import Store
from .evidence import Texts
from .framing import last_boundary, prefixes, wraps
from .framing.context import PRIOR
from .lane.columns import Successes
from .lane.shortcut import Span
from .matching import Matcher, MatchStats
from .models import Category, Event, EventRow
from .sources import MAX_CARRY, OpenFile, Source, SourceStats, opened, plain_head

MIN_SIZE = 64 << 20  # smaller files are not cut in ranges (unless --jobs says so): read in pieces
# Many ranges a worker: the last ones finish together, and a range's results, which the merge holds as
# rows and pickle while it places them, stay small (an outage's range of 18 MB: some 40 MB of rows).
MIN_CHUNK = 4 << 20
CHUNKS_PER_JOB = 16
# A larger file is cut in more ranges, none much over this: a range's rows are the merge's to hold (an
# outage's range of 12 MB, some 27 MB of rows), and sixteen ranges a job made them grow with the file (a
# 5M-line outage day's 23 MB ranges: 171 MB peak, 144 MB in 12 MB ones). Each range costs a little (a
# healthy 5M-line day in 8 MB ranges took 3% longer).
MAX_CHUNK = 12 << 20
WINDOW = 1 << 20  # bytes read before a nominal cut to find a record boundary
# A stream is cut into pieces of at least this size (each costs a worker a few ms): one block (just under
# 4 MiB of whole lines) of a plain stream; 4 MiB had taken two, 8 MB a piece and 20 MB more in flight.
PIECE = 3 << 20
ROWS = 4096  # rows a worker pickles together (`Part.packed`)
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
    """What scanning one range found: its events (as rows, lines counted from the range's start; in a
    worker's part, pickled ROWS at a time: `packed`) and the counters to add up."""

    events: list[EventRow] | list[bytes]
    stats: SourceStats
    match_stats: MatchStats
    first_time: datetime | None = None  # earliest and latest record time seen
    last_time: datetime | None = None
    latest: datetime | None = None  # the time of its last timed record, which later events inherit
    size: int = 0
    successes: Successes = dataclasses.field(default_factory=Successes)
    count: int = 0  # events (of a packed part)
    categories: dict[str, int] = dataclasses.field(default_factory=dict)  # its events by category (a packed part's)

    def packed(self, counted: bool = False) -> Part:
        """The part with its rows pickled ROWS at a time, as a worker sends it: the parts done ahead of
        the merge wait as bytes, about half what their rows take (of an outage's 12 MB range, some 27 MB
        of rows), and the merge unpickles a batch at a time. `counted`: its events counted by category
        too, for a progress line (a pass over an outage's rows that a run without one does not make)."""
        rows = self.events
        batches = [pickle.dumps(rows[i : i + ROWS], pickle.HIGHEST_PROTOCOL) for i in range(0, len(rows), ROWS)]
        categories = by_category((row[1], row[5]) for row in cast(list[EventRow], rows)) if counted else {}
        return dataclasses.replace(self, events=batches, count=len(rows), categories=categories)

    def rows(self) -> Iterator[EventRow]:
        """The part's rows, a packed batch unpickled when the merge reaches it."""
        for item in self.events:
            if isinstance(item, bytes):
                yield from pickle.loads(item)
            else:
                yield item

    def __len__(self) -> int:
        """How many events."""
        return self.count or len(self.events)


@dataclass(frozen=True, slots=True)
class Piece:
    """Whole records of a stream, read by the parent, scanned by a worker."""

    data: bytes
    first: bool  # holds the stream's first line
    last: bool  # holds the stream's last line
    split: bool = False  # ends inside a record that the framer split (no boundary within MAX_CARRY)
    lead: bytes = b""  # the bytes of the stream just before it (PRIOR at most), for its first records' context


ScanChunk = Callable[[Chunk], Part]
ScanPiece = Callable[[Piece], Part]


class Scanner(Protocol):
    """The per-source stages (framing, parsing, matching) of a run, as the pipeline builds them."""

    def prepare(self) -> None:
        """Compile what the workers share, before they are forked."""
        ...

    def chunk(self, name: str, chunk: Chunk) -> Part:
        """Scan a byte range of a file (in a worker)."""
        ...

    def piece(self, name: str, piece: Piece) -> Part:
        """Scan a piece of a stream (in a worker)."""
        ...

    def events(self, blocks: Iterable[bytes], name: str, stats: SourceStats, into: Into) -> Iterator[Event]:
        """Scan blocks in this process, with the run's matcher."""
        ...


@dataclass
class Into:
    """What the scan of each source adds to: the run's matcher (its counts and successful calls), the span
    of record times, the evidence texts the events do not hold, and the events, as columns."""

    matcher: Matcher
    span: Span
    texts: Texts
    store: Store = dataclasses.field(default_factory=Store)


def scan_source(
    source: Source, stats: SourceStats, jobs: int, scanner: Scanner, into: Into, progress: Progress | None = None
) -> range:
    """The events of one source, its counts in `stats`: a large file in byte ranges that forked workers
    read from the descriptor opened here; a stream (stdin, a compressed or small file) cut into pieces as
    it is read here, for the workers; anything of one piece, or with one job, scanned here. The events
    are added to `into.store`; the numbers there of this source's returned."""
    jobs_here = jobs_for(source, jobs)
    with opened(source, jobs_here > 1) as file:  # the workers read this descriptor, not the path again
        chunks = plan(file, jobs_here) if file is not None else []
        if file is not None and len(chunks) > 1:
            scanner.prepare()  # once here, not in each worker
            parts = scan(chunks, jobs_here, functools.partial(scanner.chunk, source.name), progress)
            events = _merged(parts, stats, into)
            stats.problems.extend(file.changes())  # once, whatever the workers met
            return events
    # by the module's name: tests replace it
    blocks: Iterable[bytes] = wraps.each_joined(prefixes.each_taken_off(sources.read_blocks(source, stats)))
    streams = stream_jobs(jobs)
    if streams > 1:  # read here and cut into pieces, scanned by workers (one piece: scanned here)
        stream = pieces(blocks)
        first = next(stream, None)
        if first is not None and not first.last:
            scanner.prepare()
            piece = functools.partial(scanner.piece, source.name)
            parts = scan_pieces(itertools.chain([first], stream), streams, piece, progress)
            with memory.blocks_on_heap():
                return _merged(parts, stats, into)
        blocks = [first.data] if first is not None else []  # one piece: not worth a worker
    if progress is not None:
        blocks = _progressed(blocks, progress)
    with memory.blocks_on_heap(), timelimit.watched():
        found = scanner.events(blocks, source.name, stats, into)
        return _stored(found if progress is None else _told(found, progress), into)


def _stored(events: Iterable[Event], into: Into) -> range:
    """The events added to the run's store (their numbers there), their texts left to `into.texts` if they
    take them."""
    store, keep = into.store, into.texts.keep
    first = len(store)
    for event in events:
        row = event.row()
        store.add_row((*row[:10], "", row[11]) if keep(event.source, event.line, event.text) else row)
    return range(first, len(store))


def _told(events: Iterable[Event], progress: Progress, every: int = 1024) -> Iterator[Event]:
    """The events of a scan in this process, told to the progress line by category as they come."""
    held: list[tuple[Category | None, str]] = []
    for event in events:
        held.append((event.category, event.confidence))
        if len(held) >= every:
            progress.advance(0, 0, by_category(held))
            held = []
        yield event
    progress.advance(0, 0, by_category(held))


def by_category(kinds: Iterable[tuple[Category | None, str]]) -> dict[str, int]:
    """How many events of each category, and (under "") of none yet: an event of low confidence (a line
    that shows only a status, such as an HTTP client's "429") takes the category of the call it is an
    attempt of, which is known only once the calls are assembled after the scan."""
    counts: Counter[str] = Counter()
    for (category, confidence), n in Counter(kinds).items():
        counts["" if category is None or confidence == "low" else str(category)] += n
    return dict(counts)


def _merged(parts: Iterator[Part], stats: SourceStats, into: Into) -> range:
    """The events of a source's parts in order (their numbers in the store); their counts, successful calls,
    times and texts added up."""
    numbers, times = merge(parts, stats, into.matcher.stats, into.matcher.successes, into.texts, into.store)
    for first, last in times:
        into.span.add(first)
        into.span.add(last)
    return numbers


def _progressed(blocks: Iterable[bytes], progress: Progress) -> Iterator[bytes]:
    for block in blocks:
        yield block
        progress.advance(len(block), block.count(b"\n"), {})


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
            ready = Piece(b"".join(held), ready is None, False, split, ready.data[-PRIOR:] if ready else b"")
            held, held_size = [], 0
    rest = b"".join([*held, carry])
    if rest:
        if ready is not None:
            yield ready
        yield Piece(rest, ready is None, True, False, ready.data[-PRIOR:] if ready else b"")
    elif ready is not None:
        yield dataclasses.replace(ready, last=True)


def plan(file: OpenFile, jobs: int) -> list[Chunk]:
    """Byte ranges of the opened file for `jobs` processes; one range when it cannot or need not be cut."""
    size = file.size
    whole = [Chunk(file.fd, 0, size)]
    if jobs <= 1 or not plain_head(file):
        return whole
    count = max(1, min(max(jobs * CHUNKS_PER_JOB, size // MAX_CHUNK), size // MIN_CHUNK))
    cuts: list[int] = []
    head = os.pread(file.fd, 2 * prefixes.SAMPLE_BYTES, 0)  # (a CSV export's header tells its rows, in any window)
    for i in range(1, count):
        cut = _cut_near(file.fd, size * i // count, head)
        if cut is not None and cut > (cuts[-1] if cuts else 0):
            cuts.append(cut)
    edges = [0, *cuts, size]
    return [Chunk(file.fd, a, b, first=a == 0, last=b == size) for a, b in itertools.pairwise(edges)]


def _size(path: str) -> int:
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


def _cut_near(fd: int, offset: int, head: bytes = b"") -> int | None:
    """A record boundary shortly before `offset`, as the framer would choose it (the file's first bytes `head`);
    None if none is found."""
    start = max(0, offset - WINDOW)
    window = os.pread(fd, offset - start, start)
    begin = window.find(b"\n") + 1 if start else 0  # the first line may be cut: skip it
    end = window.rfind(b"\n") + 1
    if (begin == 0 and start) or end <= begin:
        return None
    lines = window[begin:end]
    taken = next(prefixes.each_taken_off([lines], head))  # as the range's reader gives them (a line for a line)
    cut = last_boundary(taken)
    if taken is not lines:  # the same line's start in the lines as read
        cut = _line_start(lines, taken.count(b"\n", 0, cut))
    # The window's start is no real boundary: trust only a cut whose two lines before are inside it.
    third = lines.find(b"\n", lines.find(b"\n") + 1) + 1
    if cut == 0 or third == 0 or cut < third:
        return None
    return start + begin + cut


def _line_start(data: bytes, index: int) -> int:
    """Where line `index` (from 0) of the data starts."""
    at = 0
    for _ in range(index):
        at = data.index(b"\n", at) + 1
    return at


def scan(chunks: list[Chunk], jobs: int, scan_chunk: ScanChunk, progress: Progress | None = None) -> Iterator[Part]:
    """Each range's Part, in order, scanned in `jobs` forked processes. A part numbers its lines from
    1; `merge` moves them to where the range starts, once the ranges before it are counted."""
    return _scanned(chunks, jobs, scan_chunk, progress, 2 * jobs + 1)


def scan_pieces(
    stream: Iterable[Piece], jobs: int, scan_piece: ScanPiece, progress: Progress | None = None
) -> Iterator[Part]:
    """Each piece's Part, in order, scanned in `jobs` forked processes; pieces are read as the workers
    take them."""
    return _scanned(stream, jobs, scan_piece, progress, jobs + 1)


def _scanned(
    tasks: Iterable[Any], jobs: int, scan_one: Callable[[Any], Part], progress: Progress | None, ahead: int
) -> Iterator[Part]:
    """The Part of each task (a range or a piece), in order, scanned in `jobs` forked processes, handed
    out `ahead` (at most IN_FLIGHT) ahead of the merge. A pool's imap hands out every task at once: it
    would read a whole stream into memory while the workers lag, and keep every part of a file's ranges
    while the merge lags. Pieces carry their data: `jobs + 1` of them; ranges are a few numbers each:
    `2 * jobs + 1`, so that a worker whose range ends before the one the merge waits for takes another
    (with `jobs + 1`, a healthy 5M-line day took 4% longer)."""
    context = multiprocessing.get_context("fork")
    ahead = min(ahead, IN_FLIGHT)
    with context.Pool(jobs, initializer=_init, initargs=(scan_one, progress is not None)) as pool:
        pending: deque[Any] = deque()
        for task in tasks:
            pending.append(pool.apply_async(_run, (task,)))
            while len(pending) >= ahead:
                yield _advanced(pending.popleft().get(), progress)
        while pending:
            yield _advanced(pending.popleft().get(), progress)


def _advanced(part: Part, progress: Progress | None) -> Part:
    if progress is not None:
        progress.advance(part.size, part.stats.lines, part.categories)
    return part


def merge(
    parts: Iterator[Part],
    stats: SourceStats,
    match_stats: MatchStats,
    successes: Successes,
    texts: Texts,
    store: Store,
) -> tuple[range, list[tuple[datetime | None, datetime | None]]]:
    """The parts' events in order, line numbers those of the file, times inherited across ranges,
    added to `store` (their numbers there); their counters added to the totals, their successful calls
    to `successes`, their texts to `texts` once the events' room for them is spent; the first and last
    record time of each part. A part is let go once it is added up (a 5M-line day has a thousand)."""
    first = len(store)
    times: list[tuple[datetime | None, datetime | None]] = []
    latest: datetime | None = None
    before = 0  # lines in the ranges before this one
    for part in parts:
        for row in part.rows():
            store.add_row(_placed_row(row, before, latest, texts))
        part.stats.splits = [n + before for n in part.stats.splits]
        successes.extend(part.successes, latest, before)
        latest = part.latest or latest
        before += part.stats.lines
        add_up(stats, part.stats)
        add_up(match_stats, part.match_stats)
        times.append((part.first_time, part.last_time))
    return range(first, len(store)), times


def _placed(row: EventRow, lines: int, time: datetime | None, texts: Texts | None = None) -> Event:
    """The event of a part's row, `lines` lines further down, with `time` if it had none, its text
    left to `texts` if they take it."""
    return Event(*_placed_row(row, lines, time, texts))


def _placed_row(row: EventRow, lines: int, time: datetime | None, texts: Texts | None = None) -> EventRow:
    """A part's row `lines` lines further down, with `time` if it had none, its text left to `texts`
    if they take it."""
    rule, category, outcome, severity, retryable, confidence, when, source, line, end_line, text, fields = row
    first = line + lines
    if texts is not None and texts.keep(source, first, text):
        text = ""
    return (
        rule, category, outcome, severity, retryable, confidence, when or time, source, first,
        end_line + lines, text, fields,
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


# the scan function of this worker process, and whether its parts' events are counted by category (a
# progress line shows them), set once when it starts
_WORKER: list[tuple[Callable[[Any], Part], bool]] = []


def _init(scan: Callable[[Any], Part], counted: bool = False) -> None:
    memory.map_large_blocks(memory.WORKER_MAPPED)
    _WORKER[:] = [(scan, counted)]


def _run(task: Chunk | Piece) -> Part:
    scan, counted = _WORKER[0]
    return scan(task).packed(counted)


class Progress(Protocol):
    """What is told of a scan as its parts are done (the CLI draws it: cli.ProgressLine)."""

    def advance(self, nbytes: int, lines: int, events: Mapping[str, int]) -> None:
        """Add what was scanned since the last call: bytes, lines, and the events found by category."""
        ...

    def stage(self, what: str) -> None:
        """Say what the run does once the scan is done (the calls, correlation)."""
        ...
