"""A run's events as columns: an outage day has half a million of them, and an Event object with its
line number took about 160 bytes of the 360 each one cost.

`Store` keeps every event of a run once, in columns: its kind (rule, category, outcome, severity,
retryable, confidence) as a code, its time, source, lines, fields and (the few that hold one) its
evidence text. `Events` is a sequence of them by their numbers in the store (the events kept in a
window, an incident's, the failures): 8 bytes an event, each Event made when it is read. Events of no
store (a successful call made into an Event, a test's) are held as they are beside the numbers.
"""

from __future__ import annotations

import tempfile
import weakref
from array import array
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import datetime, timedelta
from typing import BinaryIO, TypeGuard, overload

from .models import Category, Event, EventRow, Fields, Outcome, Severity

Kind = tuple[str, Category | None, Outcome, Severity, bool, str]
KEPT = 50_000  # events a store also keeps as Event objects (about 18 MB): most logs' all, an outage's first
Place = tuple["Store", int]  # an event's store and its number there
NUMBERS = "i"  # the array type of event numbers (negative: an event held apart, see Events)
# Field values that differ from one call to the next (an outage's failed calls share all their fields but
# these): kept as bytes in the store's heap, the rest of the fields shared as a frame.
VOLATILE = frozenset(
    {"request_id", "used", "requested", "retry_after", "attempt_response", "ratelimit_remaining_requests",
     "ratelimit_remaining_tokens", "ratelimit_reset_requests", "ratelimit_reset_tokens"}
)  # fmt: skip
FRAMES = 1 << 16  # distinct frames (field names and shared values) a store remembers; past that, all in the heap
_WIDE = 0xFFFFFFFF  # an end line this far past its line is held apart (`Store._far`)
# A page of columns holds 1 << PAGE_SHIFT events: 320 KB and their volatile values, none of its columns
# over the 128 KiB that glibc maps on their own (memory.map_large_blocks), so a page read back comes from
# the heap, not fresh pages faulted in one by one (pages of 32768 events cost an outage day 7% of its time)
PAGE_SHIFT = 13
PAGE = 1 << PAGE_SHIFT
_IN_PAGE = PAGE - 1  # an event's number & _IN_PAGE: its place in its page
CACHED = 4  # pages read back from the spill file held at once
_NONE: array[int] = array("I")  # a column before a loop reaches its first page


class _Frame:
    """Fields of one shape: names, the values shared, the positions whose values are in the heap."""

    __slots__ = ("cut", "fields", "names", "values")

    def __init__(self, names: tuple[str, ...], values: tuple[str, ...], cut: tuple[int, ...]) -> None:
        self.names, self.values, self.cut = names, values, cut
        self.fields = Fields(names, values)  # the event's fields themselves when nothing is cut


class _Held(Mapping[str, str]):
    """An event's fields whose volatile values are in its store's heap, decoded when one of them is
    first read: most passes ask only which names an event has, or a shared value."""

    __slots__ = ("_frame", "_number", "_store", "_values")

    def __init__(self, frame: _Frame, store: Store, number: int) -> None:
        self._frame, self._store, self._number = frame, store, number
        self._values: tuple[str, ...] | None = None

    def _decoded(self) -> tuple[str, ...]:
        if self._values is None:
            self._values = self._store.volatile(self._frame, self._number)
        return self._values

    def __getitem__(self, name: str) -> str:
        frame = self._frame
        if name not in frame.names:
            raise KeyError(name)
        i = frame.names.index(name)
        return self._decoded()[i] if i in frame.cut else frame.values[i]

    def get(self, name: str, default: str | None = None) -> str | None:  # type: ignore[override]
        return self[name] if name in self._frame.names else default

    def __contains__(self, name: object) -> bool:
        return name in self._frame.names

    def __iter__(self) -> Iterator[str]:
        return iter(self._frame.names)

    def __len__(self) -> int:
        return len(self._frame.names)

    def parts(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """The names and the values, in order."""
        return self._frame.names, self._decoded()

    def __repr__(self) -> str:
        return repr(dict(zip(self._frame.names, self._decoded(), strict=True)))

    def __reduce__(self) -> tuple[type[Fields], tuple[tuple[str, ...], tuple[str, ...]]]:
        return Fields, self.parts()


class _Page:
    """The columns of PAGE events in a row (the last page: of those added so far), and the bytes of their
    volatile field values (`heap`; an event's place in it: start << 16 | length)."""

    __slots__ = (
        "dirty", "frame_codes", "heap", "heap_places", "kind_codes", "lines", "micros", "minute_codes",
        "source_codes", "spans",
    )  # fmt: skip

    def __init__(self) -> None:
        self.kind_codes: array[int] = array("I")
        self.minute_codes: array[int] = array("I")  # 0: no time; else 1 + the minute's index
        self.micros: array[int] = array("I")  # microseconds into the minute
        self.source_codes: array[int] = array("I")
        self.lines: array[int] = array("q")
        self.spans: array[int] = array("I")  # end line - line
        self.frame_codes: array[int] = array("I")
        self.heap_places: array[int] = array("q")
        self.heap = bytearray()
        self.dirty = False  # changed since it was read back from the spill file

    def columns(self) -> tuple[array[int], ...]:
        return (
            self.kind_codes, self.minute_codes, self.micros, self.source_codes, self.lines, self.spans,
            self.frame_codes, self.heap_places,
        )  # fmt: skip

    def write(self, file: BinaryIO) -> int:
        """Write the page to the file at its position, a column at a time; how many bytes."""
        size = 0
        for column in self.columns():
            file.write(memoryview(column))
            size += len(column) * column.itemsize
        file.write(self.heap)
        return size + len(self.heap)

    @classmethod
    def read(cls, file: BinaryIO, rows: int, size: int) -> _Page:
        """The page `write` wrote of `rows` events in `size` bytes, from the file at its position."""
        page = cls()
        for column in page.columns():
            column.fromfile(file, rows)  # type: ignore[arg-type]
            size -= rows * column.itemsize
        page.heap = bytearray(file.read(size))
        return page


_NO_PAGE = _Page()  # a page before a loop reaches its first (never written to)


class _Spill:
    """The full pages of a store's columns, in a temporary file (deleted when it is closed, at the latest
    when the process ends): read back when a pass reaches them, CACHED at a time; one changed (a
    relabelled attempt) is written again when it leaves the cache."""

    def __init__(self, file: BinaryIO) -> None:
        self.file = file
        self.places: dict[int, tuple[int, int]] = {}  # of each page: where in the file, how many bytes
        self.end = 0
        self.cache: OrderedDict[int, _Page] = OrderedDict()
        self.last: tuple[int, _Page] = (-1, _NO_PAGE)  # the page read last (most reads are of the page before)
        self.held: dict[int, _Page] = {}  # changed pages the file took no more of (a full disk): kept here

    def write(self, number: int, page: _Page) -> bool:
        """Write the page at the file's end; False where the file takes no more of it (a full disk): the
        page is then the caller's to keep."""
        size = appended(self.file, self.end, page.write)
        if size is None:
            return False
        self.places[number] = (self.end, size)
        self.end += size
        page.dirty = False
        return True

    def read(self, number: int) -> _Page:
        cache = self.cache
        page = cache.get(number)
        if page is not None:
            cache.move_to_end(number)
        elif number in self.held:
            page = self.held[number]
        else:
            start, size = self.places[number]
            self.file.seek(start)
            page = cache[number] = _Page.read(self.file, PAGE, size)
            if len(cache) > CACHED:
                old, left = cache.popitem(last=False)
                if left.dirty and not self.write(old, left):
                    self.held[old] = left
        self.last = (number, page)
        return page


def appended(file: BinaryIO, at: int, write: Callable[[BinaryIO], int]) -> int | None:
    """What `write` wrote to the file from `at` on (how many bytes), flushed so that a full disk tells now,
    not at a later read's seek; None where the file took no more of it."""
    try:
        file.seek(at)
        size = write(file)
        file.flush()
    except OSError:
        return None
    return size


def spill_file(owner: object) -> BinaryIO | None:
    """A temporary file for what `owner` holds apart (a store's pages, evidence texts), closed and so
    deleted with it; None where none can be made (it keeps them in memory)."""
    try:
        file = tempfile.TemporaryFile(prefix="logscan-")  # noqa: SIM115 (lives as long as its owner)
    except OSError:
        return None
    weakref.finalize(owner, file.close)  # closed with its owner, not left to the collector
    return file


class Store:
    """The columns of a run's events; appended to as the scan finds them, relabelled in place
    (`assemble_calls`), never shortened. An event costs 40 bytes and the bytes of its volatile field
    values: its kind and source as codes, its line and the lines it spans, its time as a minute's code
    and the microseconds into it, its fields as a frame (names and shared values) and its volatile
    values in a heap of bytes. The columns are cut in pages of PAGE events; each full page is written to
    a temporary file (`_Spill`) and read back, CACHED at a time, when a pass reaches it, so that an
    outage day's events take no memory (issue 19). Up to KEPT events it holds each as an Event object
    instead (`objects`), so that the dozen passes after the scan read them without making them again
    (on an ordinary day, with a few thousand events, that made the console script's part 25% slower)
    and an ordinary day fills no columns; at the KEPT+1st it writes the objects to the columns, lets
    them go and makes each Event when it is read."""

    __slots__ = (
        "__weakref__", "_cuts", "_far", "_folds", "_frame_of", "_kind_of", "_last_time", "_minute_of", "_odd",
        "_rows", "_source_of", "_spill", "frames", "kinds", "minutes", "objects", "pages", "sources", "texts",
    )  # fmt: skip

    def __init__(self) -> None:
        self.kinds: list[Kind] = []
        self._kind_of: dict[Kind, int] = {}
        self.minutes: list[datetime] = []  # each distinct minute of the events' times (with its zone)
        self._minute_of: dict[tuple[object, ...], int] = {}
        self._folds: set[int] = set()  # the codes of minutes of fold 1
        self._last_time: tuple[datetime | None, int, int] = (None, 0, 0)
        self.sources: list[str] = []
        self._source_of: dict[str, int] = {}
        self.pages: list[_Page | None] = []  # None: written to the spill file
        self._rows = 0
        self._spill: _Spill | None = None
        self._far: dict[int, int] = {}  # end lines of the (no) records that span _WIDE lines or more
        self.frames: list[_Frame] = []
        self._frame_of: dict[tuple[object, ...], int] = {}
        self._cuts: dict[tuple[str, ...], tuple[int, ...]] = {}  # of each set of names, the volatile ones' places
        self._odd: dict[int, Mapping[str, str]] = {}  # fields the heap cannot hold (a value with a NUL)
        self.texts: dict[int, str] = {}  # the evidence texts the events hold, by number
        self.objects: list[Event] | None = []  # every event as an Event, while there are at most KEPT

    def __len__(self) -> int:
        objects = self.objects
        return len(objects) if objects is not None else self._rows

    def page(self, number: int) -> _Page:
        """The page of columns with this number (events number << PAGE_SHIFT on), read back if spilled."""
        page = self.pages[number]
        if page is not None:
            return page
        spill = self._spill
        assert spill is not None
        last = spill.last
        if last[0] == number:
            return last[1]
        return spill.read(number)

    def _row(self, number: int) -> tuple[_Page, int]:
        return self.page(number >> PAGE_SHIFT), number & _IN_PAGE

    def _tail(self) -> _Page:
        """The page the next event goes in: a new one when the last is full (the last written out)."""
        if self._rows & _IN_PAGE == 0:
            if self.pages:
                self._write_out(len(self.pages) - 1)
            self.pages.append(_Page())
        page = self.pages[-1]
        assert page is not None
        return page

    def _write_out(self, number: int) -> None:
        if self._spill is None:
            file = spill_file(self)
            if file is None:
                return
            self._spill = _Spill(file)
        page = self.pages[number]
        assert page is not None
        if self._spill.write(number, page):  # (else the disk is full: the page stays here)
            self.pages[number] = None

    def add(self, event: Event) -> int:
        """Append an event; its number."""
        return self.add_row(event.row(), event)

    def add_row(self, row: EventRow, event: Event | None = None) -> int:
        """Append an event given as its row (`Event.row`); its number."""
        objects = self.objects
        if objects is not None:
            if len(objects) < KEPT:
                objects.append(event if event is not None else Event(*row))
                return len(objects) - 1
            self.objects = None  # past KEPT: the columns from here on
            for kept in objects:
                self.add_row(kept.row())
        rule, category, outcome, severity, retryable, confidence, time, source, line, end_line, text, fields = row
        page = self._tail()
        number = self._rows
        self._rows += 1
        page.kind_codes.append(self._kind((rule, category, outcome, severity, retryable, confidence)))
        minute, micro = self._time(time)
        page.minute_codes.append(minute)
        page.micros.append(micro)
        code = self._source_of.get(source)
        if code is None:
            code = self._source_of[source] = len(self.sources)
            self.sources.append(source)
        page.source_codes.append(code)
        page.lines.append(line)
        span = end_line - line
        if not 0 <= span < _WIDE:
            self._far[number] = end_line
            span = _WIDE
        page.spans.append(span)
        frame, place = self._fields(number, fields, page)
        page.frame_codes.append(frame)
        page.heap_places.append(place)
        if text:
            self.texts[number] = text
        return number

    def set(self, number: int, event: Event) -> None:
        """Put `event` in the place of the one at `number` (a relabelled attempt: same place, new kind)."""
        if self.objects is not None:
            self.objects[number] = event
            return
        page, j = self._row(number)
        page.dirty = True
        page.kind_codes[j] = self._kind(
            (event.rule, event.category, event.outcome, event.severity, event.retryable, event.confidence)
        )
        page.minute_codes[j], page.micros[j] = self._time(event.time)
        self._odd.pop(number, None)
        page.frame_codes[j], page.heap_places[j] = self._fields(number, event.fields, page)
        if event.text:
            self.texts[number] = event.text
        else:
            self.texts.pop(number, None)

    def models(self) -> list[Event]:
        """An Event of each kind, by its code: its kind's attributes, no time and no place."""
        return [Event(*kind, None, "", 0, 0, "") for kind in self.kinds]

    def _kind(self, kind: Kind) -> int:
        code = self._kind_of.get(kind)
        if code is None:
            code = self._kind_of[kind] = len(self.kinds)
            self.kinds.append(kind)
        return code

    def _time(self, time: datetime | None) -> tuple[int, int]:
        """The time as its minute's code and the microseconds into that minute. A minute is a wall-clock
        minute of one zone (and fold), so that the datetime made again is the same, zone and all."""
        last, minute, micro = self._last_time
        if time is last:  # the events of one call share their time
            return minute, micro
        if time is None:
            return 0, 0
        key = (time.year, time.month, time.day, time.hour, time.minute, id(time.tzinfo), time.fold)
        minute = self._minute_of.get(key, 0)
        if not minute:
            self.minutes.append(time.replace(second=0, microsecond=0))
            minute = self._minute_of[key] = len(self.minutes)
            if time.fold:
                self._folds.add(minute)
        micro = time.second * 1_000_000 + time.microsecond
        self._last_time = (time, minute, micro)
        return minute, micro

    def time(self, number: int) -> datetime | None:
        """The time of the event at `number`."""
        if self.objects is not None:
            return self.objects[number].time
        page, j = self._row(number)
        if not page.minute_codes[j]:
            return None
        return next(self.times_of((number,)))

    def times_of(self, numbers: Iterable[int]) -> Iterator[datetime | None]:
        """The time of each event at these numbers (None for a negative number): the events of one call,
        next to each other, share one datetime."""
        minutes, folds, page_of, shift, mask = self.minutes, self._folds, self.page, PAGE_SHIFT, _IN_PAGE
        last_minute, last_micro, when, last_page = -1, -1, None, -1
        minute_codes = micros = _NONE
        for n in numbers:
            if n < 0:
                yield None
                continue
            if n >> shift != last_page:
                last_page = n >> shift
                page = page_of(last_page)
                minute_codes, micros = page.minute_codes, page.micros
            minute, micro = minute_codes[n & mask], micros[n & mask]
            if minute != last_minute or micro != last_micro:
                last_minute, last_micro = minute, micro
                if not minute:
                    when = None
                elif folds and minute in folds:  # the later of a wall time's two (adding gives the earlier)
                    when = minutes[minute - 1].replace(second=micro // 1_000_000, microsecond=micro % 1_000_000)
                else:
                    when = minutes[minute - 1] + timedelta(0, 0, micro)
            yield when

    def end_line(self, number: int) -> int:
        """The end line of the event at `number`."""
        if self.objects is not None:
            return self.objects[number].end_line
        page, j = self._row(number)
        span = page.spans[j]
        return page.lines[j] + span if span != _WIDE else self._far[number]

    def _fields(self, number: int, fields: Mapping[str, str], page: _Page) -> tuple[int, int]:
        """The fields as a frame's code, and where their volatile values are in the page's heap."""
        if isinstance(fields, Fields | _Held):
            names, values = fields.parts()
        else:
            names, values = tuple(fields), tuple(fields.values())
        cut = self._cuts.get(names)
        if cut is None:
            cut = self._cuts[names] = tuple(i for i, name in enumerate(names) if name in VOLATILE)
        if not cut:  # (names with a volatile one never make a frame of all their values)
            code = self._frame_of.get((names, values))
            if code is not None:
                return code, 0
            if len(self.frames) < FRAMES or not names:
                return self._frame(names, values, ()), 0
            cut = tuple(range(len(names)))  # full: every value in the heap, the names a frame
        shared = list(values)
        for i in cut:
            shared[i] = ""
        key = (names, tuple(shared), cut)
        code = self._frame_of.get(key)
        if code is None:
            if len(self.frames) >= FRAMES:
                cut = tuple(range(len(names)))
                key = (names, ("",) * len(names), cut)
                code = self._frame_of.get(key)
            if code is None:
                code = self._frame(*key)  # type: ignore[arg-type]
        kept = [values[i] for i in cut]
        data = "\0".join(kept)
        encoded = data.encode("utf-8", "surrogatepass")
        if data.count("\0") != len(cut) - 1 or len(encoded) > 0xFFFF:  # a value with a NUL of its own; too long
            self._odd[number] = fields
            return code, 0
        start = len(page.heap)
        page.heap += encoded
        return code, start << 16 | len(encoded)

    def _frame(self, names: tuple[str, ...], values: tuple[str, ...], cut: tuple[int, ...]) -> int:
        key = (names, values, cut) if cut else (names, values)
        code = self._frame_of[key] = len(self.frames)
        self.frames.append(_Frame(names, values, cut))
        return code

    def fields(self, number: int) -> Mapping[str, str]:
        """The fields of the event at `number` (its volatile values read when first asked for)."""
        if self.objects is not None:
            return self.objects[number].fields
        page, j = self._row(number)
        return self.fields_in(self.frames[page.frame_codes[j]], number)

    def fields_in(self, frame: _Frame, number: int) -> Mapping[str, str]:
        """The fields of the event at `number`, of this frame."""
        if not frame.cut:
            return frame.fields
        if self._odd and number in self._odd:
            return self._odd[number]
        return _Held(frame, self, number)

    def volatile(self, frame: _Frame, number: int) -> tuple[str, ...]:
        """All the values of the fields of the event at `number` (of `frame`), its volatile ones from the heap."""
        values = list(frame.values)
        for i, value in zip(frame.cut, _heaped(*self._row(number)), strict=True):
            values[i] = value
        return tuple(values)

    def values(self, numbers: Iterable[int], extra: list[Event], name: str) -> Iterator[str | None]:
        """Each event's value of the field `name` (None: it has none): a shared value read from its
        frame, a volatile one alone decoded from the heap."""
        where: list[tuple[int, str | None]] = []  # of each frame: (-1, its value) or (its place among the cut, None)
        for frame in self.frames:
            i = frame.names.index(name) if name in frame.names else -1
            where.append((frame.cut.index(i), None) if i in frame.cut else (-1, frame.values[i] if i >= 0 else None))
        odd, page_of, shift, mask, last_page = self._odd, self.page, PAGE_SHIFT, _IN_PAGE, -1
        page, frame_codes = _NO_PAGE, _NONE
        for n in numbers:
            if n < 0:
                yield extra[-1 - n].fields.get(name)
                continue
            if n >> shift != last_page:
                last_page = n >> shift
                page = page_of(last_page)
                frame_codes = page.frame_codes
            at, value = where[frame_codes[n & mask]]
            if at < 0:
                yield value
            elif odd and n in odd:
                yield odd[n].get(name)
            else:
                yield _heaped(page, n & mask)[at]

    def named(self, name: str) -> bool:
        """Whether any event's fields have `name`."""
        if self.objects is not None:
            return any(name in e.fields for e in self.objects)
        return any(name in frame.names for frame in self.frames) or any(name in f for f in self._odd.values())

    def event(self, number: int) -> Event:
        """The Event at `number` (made anew past KEPT)."""
        if self.objects is not None:
            return self.objects[number]
        page, j = self._row(number)
        return Event(
            *self.kinds[page.kind_codes[j]],
            self.time(number),
            self.sources[page.source_codes[j]],
            page.lines[j],
            self.end_line(number),
            self.texts.get(number, ""),
            self.fields(number),
        )

    def made(self, numbers: Iterable[int], extra: list[Event]) -> Iterator[Event]:
        """The Events at these numbers (negative: -1 - an index in `extra`), made one at a time past KEPT."""
        objects = self.objects
        if objects is not None:
            for n in numbers:
                yield objects[n] if n >= 0 else extra[-1 - n]
            return
        kinds: list[Kind] = self.kinds
        sources, texts, fields_in, frames = self.sources, self.texts, self.fields_in, self.frames
        page_of, shift, mask, last_page = self.page, PAGE_SHIFT, _IN_PAGE, -1
        kind_codes = source_codes = lines = spans = frame_codes = _NONE
        listed: Sequence[int] = numbers if isinstance(numbers, Sequence) else list(numbers)
        for n, when in zip(listed, self.times_of(listed), strict=True):
            if n < 0:
                yield extra[-1 - n]
                continue
            if n >> shift != last_page:
                last_page = n >> shift
                page = page_of(last_page)
                kind_codes, source_codes, lines = page.kind_codes, page.source_codes, page.lines
                spans, frame_codes = page.spans, page.frame_codes
            j = n & mask
            line, span, frame = lines[j], spans[j], frames[frame_codes[j]]
            yield Event(
                *kinds[kind_codes[j]],
                when,
                sources[source_codes[j]],
                line,
                line + span if span != _WIDE else self._far[n],
                texts.get(n, "") if texts else "",
                frame.fields if not frame.cut else fields_in(frame, n),
            )


def _heaped(page: _Page, j: int) -> list[str]:
    """The volatile values of the event at place `j` of a page, from its heap, in its frame's `cut` order."""
    place = page.heap_places[j]
    start = place >> 16
    return page.heap[start : start + (place & 0xFFFF)].decode("utf-8", "surrogatepass").split("\0")


class Events(Sequence[Event]):
    """Events by their numbers in a Store, in an order of their own; an Event of no store held as it is
    (numbered -1 - its index among `extra`). Written to (`events[i] = event`) the store changes."""

    __slots__ = ("extra", "numbers", "store")

    def __init__(self, store: Store | None = None, numbers: array[int] | None = None) -> None:
        self.store = store if store is not None else Store()
        self.numbers: array[int] = numbers if numbers is not None else array(NUMBERS)
        self.extra: list[Event] = []

    @classmethod
    def of(cls, store: Store) -> Events:
        """Every event of the store, in the store's order."""
        return cls(store, array(NUMBERS, range(len(store))))

    def append(self, event: Event, place: Place | None = None) -> None:
        """Add an event: by its number when it has a place in this store (or this holds none yet and takes
        its store), else as it is."""
        if place is not None and place[0] is not self.store and not self.numbers:
            self.store = place[0]
        if place is None or place[0] is not self.store:
            self.extra.append(event)
            self.numbers.append(-len(self.extra))
        else:
            self.numbers.append(place[1])

    def add(self, event: Event) -> None:
        """Add an event to the store, and here."""
        self.numbers.append(self.store.add(event))

    def placed(self) -> Iterator[tuple[Event, Place | None]]:
        """Each event with its place (None when it has none in a store)."""
        store = self.store
        for n, event in zip(self.numbers, self, strict=True):
            yield event, ((store, n) if n >= 0 else None)

    def where(self, keep: Callable[[Event], bool]) -> Events:
        """The events `keep` says yes to, in order (8 bytes each, no Event kept)."""
        return self._picked(n for n, e in zip(self.numbers, self, strict=True) if keep(e))

    def select(self, positions: Iterable[int]) -> Events:
        """The events at these positions, in that order."""
        numbers = self.numbers
        return self._picked(numbers[i] for i in positions)

    def _picked(self, numbers: Iterable[int]) -> Events:
        picked = Events(self.store, array(NUMBERS, numbers))
        if self.extra:
            picked.extra = self.extra
        return picked

    def sort(self, key: Callable[[Event], object]) -> None:
        """In place, stable, by `key` of each event."""
        keys = list(map(key, self))
        order = sorted(range(len(keys)), key=keys.__getitem__)  # type: ignore[arg-type]
        numbers = self.numbers
        self.numbers = array(NUMBERS, (numbers[i] for i in order))

    def clear(self) -> None:
        self.numbers = array(NUMBERS)
        self.extra = []

    def __len__(self) -> int:
        return len(self.numbers)

    def __iter__(self) -> Iterator[Event]:
        return self.store.made(self.numbers, self.extra)

    @overload
    def __getitem__(self, i: int) -> Event: ...
    @overload
    def __getitem__(self, i: slice) -> Events: ...
    def __getitem__(self, i: int | slice) -> Event | Events:
        if isinstance(i, slice):
            return self._picked(self.numbers[i])
        n = self.numbers[i]
        return self.extra[-1 - n] if n < 0 else self.store.event(n)

    def __setitem__(self, i: int, event: Event) -> None:
        n = self.numbers[i]
        if n < 0:
            self.extra[-1 - n] = event
        else:
            self.store.set(n, event)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence) or isinstance(other, str):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Events({list(self)!r})"


def _columns(events: Sequence[Event]) -> TypeGuard[Events]:
    """Whether the events are read from their store's columns: Events whose store holds no objects
    (past KEPT). Else they are read as the Event objects they are (a list, or a store's objects)."""
    return isinstance(events, Events) and events.store.objects is None


def of_kind(events: Sequence[Event], keep: Callable[[Event], bool]) -> Sequence[Event]:
    """The events `keep` says yes to, where only their kind (rule, category, outcome, severity,
    retryable, confidence) decides: of Events, asked once a kind and no Event made."""
    if not _columns(events):
        return subset(events, keep)
    store, extra = events.store, events.extra
    wanted = [keep(m) for m in store.models()]
    page_of, shift, mask = store.page, PAGE_SHIFT, _IN_PAGE

    def kept() -> Iterator[int]:
        last_page, codes = -1, _NONE
        for n in events.numbers:
            if n < 0:
                if keep(extra[-1 - n]):
                    yield n
                continue
            if n >> shift != last_page:
                last_page = n >> shift
                codes = page_of(last_page).kind_codes
            if wanted[codes[n & mask]]:
                yield n

    return events._picked(kept())


def kinds(events: Sequence[Event]) -> Iterator[Event]:
    """Each event, or (of Events) an Event of its kind only: read its rule, category, outcome,
    severity, retryable and confidence, nothing else (no Event made for each)."""
    if not _columns(events):
        yield from events
        return
    models, extra = events.store.models(), events.extra
    page_of, shift, mask, last_page, codes = events.store.page, PAGE_SHIFT, _IN_PAGE, -1, _NONE
    for n in events.numbers:
        if n < 0:
            yield extra[-1 - n]
            continue
        if n >> shift != last_page:
            last_page = n >> shift
            codes = page_of(last_page).kind_codes
        yield models[codes[n & mask]]


Parts = tuple[Event, datetime | None, str, int, int, Mapping[str, str]]


def parts(events: Sequence[Event]) -> Iterator[Parts]:
    """Each event's kind (as `kinds` gives it: of Events, an Event of its kind only), time, source, line,
    end line and fields: of Events, read from the columns (no Event made for each)."""
    if not _columns(events):
        yield from ((e, e.time, e.source, e.line, e.end_line, e.fields) for e in events)
        return
    store, extra, models, numbers = events.store, events.extra, events.store.models(), events.numbers
    sources, fields_in, frames = store.sources, store.fields_in, store.frames
    page_of, shift, mask, last_page = store.page, PAGE_SHIFT, _IN_PAGE, -1
    codes = source_codes = lines = spans = frame_codes = _NONE
    for n, when in zip(numbers, store.times_of(numbers), strict=True):
        if n < 0:
            e = extra[-1 - n]
            yield e, e.time, e.source, e.line, e.end_line, e.fields
            continue
        if n >> shift != last_page:
            last_page = n >> shift
            page = page_of(last_page)
            codes, source_codes, lines, spans, frame_codes = (
                page.kind_codes, page.source_codes, page.lines, page.spans, page.frame_codes
            )  # fmt: skip
        j = n & mask
        line, span, frame = lines[j], spans[j], frames[frame_codes[j]]
        end = line + span if span != _WIDE else store.end_line(n)
        yield (
            models[codes[j]],
            when,
            sources[source_codes[j]],
            line,
            end,
            frame.fields if not frame.cut else fields_in(frame, n),
        )


def fields_of(events: Sequence[Event]) -> Iterator[Mapping[str, str]]:
    """Each event's fields (of Events, read from the columns)."""
    if not _columns(events):
        yield from (e.fields for e in events)
        return
    fields, extra = events.store.fields, events.extra
    for n in events.numbers:
        yield fields(n) if n >= 0 else extra[-1 - n].fields


def values_of(events: Sequence[Event], name: str) -> Iterator[str | None]:
    """Each event's value of the field `name`, None where it has none (of Events, read from the columns:
    no fields made for each)."""
    if not _columns(events):
        yield from (e.fields.get(name) for e in events)
        return
    yield from events.store.values(events.numbers, events.extra, name)


def named(events: Sequence[Event], name: str) -> bool:
    """Whether any of the events may have a field `name` (of Events: one of the store's may)."""
    if not isinstance(events, Events):
        return any(name in e.fields for e in events)
    return events.store.named(name) or any(name in e.fields for e in events.extra)


def places(events: Sequence[Event]) -> Iterator[tuple[datetime | None, str, int]]:
    """Each event's time, source and line (of Events, read from the columns)."""
    if not _columns(events):
        yield from ((e.time, e.source, e.line) for e in events)
        return
    store, extra, sources, numbers = events.store, events.extra, events.store.sources, events.numbers
    page_of, shift, mask, last_page = store.page, PAGE_SHIFT, _IN_PAGE, -1
    source_codes = lines = _NONE
    for n, when in zip(numbers, store.times_of(numbers), strict=True):
        if n < 0:
            e = extra[-1 - n]
            yield e.time, e.source, e.line
            continue
        if n >> shift != last_page:
            last_page = n >> shift
            page = page_of(last_page)
            source_codes, lines = page.source_codes, page.lines
        yield when, sources[source_codes[n & mask]], lines[n & mask]


def lines_of(events: Sequence[Event]) -> Iterator[tuple[str, int]]:
    """Each event's source and line (of Events, read from the columns; no time made)."""
    if not _columns(events):
        yield from ((e.source, e.line) for e in events)
        return
    store, extra, sources = events.store, events.extra, events.store.sources
    page_of, shift, mask, last_page = store.page, PAGE_SHIFT, _IN_PAGE, -1
    source_codes = lines = _NONE
    for n in events.numbers:
        if n < 0:
            e = extra[-1 - n]
            yield e.source, e.line
            continue
        if n >> shift != last_page:
            last_page = n >> shift
            page = page_of(last_page)
            source_codes, lines = page.source_codes, page.lines
        yield sources[source_codes[n & mask]], lines[n & mask]


def undated(events: Sequence[Event]) -> bool:
    """Whether any of the events has no time (of Events, read from the column)."""
    if not _columns(events):
        return any(e.time is None for e in events)
    extra, page_of, shift, mask, last_page, codes = events.extra, events.store.page, PAGE_SHIFT, _IN_PAGE, -1, _NONE
    for n in events.numbers:
        if n < 0:
            if extra[-1 - n].time is None:
                return True
            continue
        if n >> shift != last_page:
            last_page = n >> shift
            codes = page_of(last_page).minute_codes
        if not codes[n & mask]:
            return True
    return False


def sources_of(events: Sequence[Event]) -> set[str]:
    """The sources the events come from."""
    if not _columns(events):
        return {e.source for e in events}
    return {source for source, _ in lines_of(events)}


def subset(events: Sequence[Event], keep: Callable[[Event], bool]) -> Sequence[Event]:
    """The events `keep` says yes to, in order: of Events, Events (no Event kept); else a list."""
    if isinstance(events, Events):
        return events.where(keep)
    return [e for e in events if keep(e)]


def picked(events: Sequence[Event], positions: Sequence[int]) -> Sequence[Event]:
    """The events at these positions, in that order, of the kind `events` is (Events or a list)."""
    if isinstance(events, Events):
        return events.select(positions)
    return [events[i] for i in positions]
