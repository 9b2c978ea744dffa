"""A run's events as columns: an outage day has half a million of them, and an Event object with its
line number took about 160 bytes of the 360 each one cost.

`Store` keeps every event of a run once, in columns: its kind (rule, category, outcome, severity,
retryable, confidence) as a code, its time, source, lines, fields and (the few that hold one) its
evidence text. `Events` is a sequence of them by their numbers in the store (the events kept in a
window, an incident's, the failures): 8 bytes an event, each Event made when it is read. Events of no
store (a successful call made into an Event, a test's) are held as they are beside the numbers.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import datetime, timedelta
from typing import TypeGuard, overload

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


class Store:
    """The columns of a run's events; appended to as the scan finds them, relabelled in place
    (`assemble_calls`), never shortened. An event costs 40 bytes and the bytes of its
    volatile field values: its kind and source as codes, its line and the lines it spans, its time
    as a minute's code and the microseconds into it, its fields as a frame (names and shared values)
    and its volatile values in a heap of bytes. Up to KEPT events it holds each as an Event object
    instead (`objects`), so that the dozen passes after the scan read them without making them again
    (on an ordinary day, with a few thousand events, that made the console script's part 25% slower)
    and an ordinary day fills no columns; at the KEPT+1st it writes the objects to the columns, lets
    them go and makes each Event when it is read."""

    __slots__ = (
        "_cuts", "_far", "_folds", "_frame_of", "_kind_of", "_last_time", "_minute_of", "_odd", "_source_of",
        "frame_codes", "frames", "heap", "heap_places", "kind_codes", "kinds", "lines", "micros",
        "minute_codes", "minutes", "objects", "source_codes", "sources", "spans", "texts",
    )  # fmt: skip

    def __init__(self) -> None:
        self.kinds: list[Kind] = []
        self._kind_of: dict[Kind, int] = {}
        self.kind_codes: array[int] = array("I")
        self.minutes: list[datetime] = []  # each distinct minute of the events' times (with its zone)
        self._minute_of: dict[tuple[object, ...], int] = {}
        self._folds: set[int] = set()  # the codes of minutes of fold 1
        self.minute_codes: array[int] = array("I")  # 0: no time; else 1 + the minute's index
        self.micros: array[int] = array("I")  # microseconds into the minute
        self._last_time: tuple[datetime | None, int, int] = (None, 0, 0)
        self.sources: list[str] = []
        self._source_of: dict[str, int] = {}
        self.source_codes: array[int] = array("I")
        self.lines: array[int] = array("q")
        self.spans: array[int] = array("I")  # end line - line
        self._far: dict[int, int] = {}  # end lines of the (no) records that span _WIDE lines or more
        self.frames: list[_Frame] = []
        self._frame_of: dict[tuple[object, ...], int] = {}
        self._cuts: dict[tuple[str, ...], tuple[int, ...]] = {}  # of each set of names, the volatile ones' places
        self.frame_codes: array[int] = array("I")
        self.heap = bytearray()  # the volatile field values, UTF-8, NUL between the values of one event
        self.heap_places: array[int] = array(
            "q"
        )  # of each event: where its values start in the heap << 16 | their length
        self._odd: dict[int, Mapping[str, str]] = {}  # fields the heap cannot hold (a value with a NUL)
        self.texts: dict[int, str] = {}  # the evidence texts the events hold, by number
        self.objects: list[Event] | None = []  # every event as an Event, while there are at most KEPT

    def __len__(self) -> int:
        objects = self.objects
        return len(objects) if objects is not None else len(self.lines)

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
        number = len(self.lines)
        self.kind_codes.append(self._kind((rule, category, outcome, severity, retryable, confidence)))
        minute, micro = self._time(time)
        self.minute_codes.append(minute)
        self.micros.append(micro)
        code = self._source_of.get(source)
        if code is None:
            code = self._source_of[source] = len(self.sources)
            self.sources.append(source)
        self.source_codes.append(code)
        self.lines.append(line)
        span = end_line - line
        if not 0 <= span < _WIDE:
            self._far[number] = end_line
            span = _WIDE
        self.spans.append(span)
        frame, place = self._fields(number, fields)
        self.frame_codes.append(frame)
        self.heap_places.append(place)
        if text:
            self.texts[number] = text
        return number

    def set(self, number: int, event: Event) -> None:
        """Put `event` in the place of the one at `number` (a relabelled attempt: same place, new kind)."""
        if self.objects is not None:
            self.objects[number] = event
            return
        self.kind_codes[number] = self._kind(
            (event.rule, event.category, event.outcome, event.severity, event.retryable, event.confidence)
        )
        self.minute_codes[number], self.micros[number] = self._time(event.time)
        self._odd.pop(number, None)
        self.frame_codes[number], self.heap_places[number] = self._fields(number, event.fields)
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
        minute = self.minute_codes[number]
        if not minute:
            return None
        return next(self.times_of((number,)))

    def times_of(self, numbers: Iterable[int]) -> Iterator[datetime | None]:
        """The time of each event at these numbers (None for a negative number): the events of one call,
        next to each other, share one datetime."""
        minutes, minute_codes, micros, folds = self.minutes, self.minute_codes, self.micros, self._folds
        last_minute, last_micro, when = -1, -1, None
        for n in numbers:
            if n < 0:
                yield None
                continue
            minute, micro = minute_codes[n], micros[n]
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
        span = self.spans[number]
        return self.lines[number] + span if span != _WIDE else self._far[number]

    def _fields(self, number: int, fields: Mapping[str, str]) -> tuple[int, int]:
        """The fields as a frame's code, and where their volatile values are in the heap (`heap_places`)."""
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
        start = len(self.heap)
        self.heap += encoded
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
        frame = self.frames[self.frame_codes[number]]
        if not frame.cut:
            return frame.fields
        if self._odd and number in self._odd:
            return self._odd[number]
        return _Held(frame, self, number)

    def volatile(self, frame: _Frame, number: int) -> tuple[str, ...]:
        """All the values of the fields of the event at `number` (of `frame`), its volatile ones from the heap."""
        values = list(frame.values)
        for i, value in zip(frame.cut, self._heaped(number), strict=True):
            values[i] = value
        return tuple(values)

    def _heaped(self, number: int) -> list[str]:
        """The volatile values of the event at `number`, from the heap, in its frame's `cut` order."""
        place = self.heap_places[number]
        start = place >> 16
        return self.heap[start : start + (place & 0xFFFF)].decode("utf-8", "surrogatepass").split("\0")

    def values(self, numbers: Iterable[int], extra: list[Event], name: str) -> Iterator[str | None]:
        """Each event's value of the field `name` (None: it has none): a shared value read from its
        frame, a volatile one alone decoded from the heap."""
        where: list[tuple[int, str | None]] = []  # of each frame: (-1, its value) or (its place among the cut, None)
        for frame in self.frames:
            i = frame.names.index(name) if name in frame.names else -1
            where.append((frame.cut.index(i), None) if i in frame.cut else (-1, frame.values[i] if i >= 0 else None))
        codes, heaped, odd = self.frame_codes, self._heaped, self._odd
        for n in numbers:
            if n < 0:
                yield extra[-1 - n].fields.get(name)
                continue
            at, value = where[codes[n]]
            if at < 0:
                yield value
            elif odd and n in odd:
                yield odd[n].get(name)
            else:
                yield heaped(n)[at]

    def named(self, name: str) -> bool:
        """Whether any event's fields have `name`."""
        if self.objects is not None:
            return any(name in e.fields for e in self.objects)
        return any(name in frame.names for frame in self.frames) or any(name in f for f in self._odd.values())

    def event(self, number: int) -> Event:
        """The Event at `number` (made anew past KEPT)."""
        if self.objects is not None:
            return self.objects[number]
        return Event(
            *self.kinds[self.kind_codes[number]],
            self.time(number),
            self.sources[self.source_codes[number]],
            self.lines[number],
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
        kind_codes, sources, source_codes = self.kind_codes, self.sources, self.source_codes
        lines, spans, texts, fields = self.lines, self.spans, self.texts, self.fields
        frames, frame_codes = self.frames, self.frame_codes
        listed: Sequence[int] = numbers if isinstance(numbers, Sequence) else list(numbers)
        for n, when in zip(listed, self.times_of(listed), strict=True):
            if n < 0:
                yield extra[-1 - n]
                continue
            line, span, frame = lines[n], spans[n], frames[frame_codes[n]]
            yield Event(
                *kinds[kind_codes[n]],
                when,
                sources[source_codes[n]],
                line,
                line + span if span != _WIDE else self._far[n],
                texts.get(n, "") if texts else "",
                fields(n) if frame.cut else frame.fields,
            )


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
    models = store.models()
    wanted = [keep(m) for m in models]
    codes = store.kind_codes
    numbers = (n for n in events.numbers if (wanted[codes[n]] if n >= 0 else keep(extra[-1 - n])))
    return events._picked(numbers)


def kinds(events: Sequence[Event]) -> Iterator[Event]:
    """Each event, or (of Events) an Event of its kind only: read its rule, category, outcome,
    severity, retryable and confidence, nothing else (no Event made for each)."""
    if not _columns(events):
        yield from events
        return
    models, codes, extra = events.store.models(), events.store.kind_codes, events.extra
    for n in events.numbers:
        yield models[codes[n]] if n >= 0 else extra[-1 - n]


Parts = tuple[Event, datetime | None, str, int, int, Mapping[str, str]]


def parts(events: Sequence[Event]) -> Iterator[Parts]:
    """Each event's kind (as `kinds` gives it: of Events, an Event of its kind only), time, source, line,
    end line and fields: of Events, read from the columns (no Event made for each)."""
    if not _columns(events):
        yield from ((e, e.time, e.source, e.line, e.end_line, e.fields) for e in events)
        return
    store, extra, models = events.store, events.extra, events.store.models()
    codes, sources, source_codes = store.kind_codes, store.sources, store.source_codes
    lines, spans, fields, frames, frame_codes = store.lines, store.spans, store.fields, store.frames, store.frame_codes
    for n, when in zip(events.numbers, store.times_of(events.numbers), strict=True):
        if n < 0:
            e = extra[-1 - n]
            yield e, e.time, e.source, e.line, e.end_line, e.fields
        else:
            line, span, frame = lines[n], spans[n], frames[frame_codes[n]]
            end = line + span if span != _WIDE else store.end_line(n)
            yield models[codes[n]], when, sources[source_codes[n]], line, end, fields(n) if frame.cut else frame.fields


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
    store, extra = events.store, events.extra
    sources, source_codes, lines = store.sources, store.source_codes, store.lines
    for n, when in zip(events.numbers, store.times_of(events.numbers), strict=True):
        if n < 0:
            e = extra[-1 - n]
            yield e.time, e.source, e.line
        else:
            yield when, sources[source_codes[n]], lines[n]


def lines_of(events: Sequence[Event]) -> Iterator[tuple[str, int]]:
    """Each event's source and line (of Events, read from the columns; no time made)."""
    if not _columns(events):
        yield from ((e.source, e.line) for e in events)
        return
    store, extra = events.store, events.extra
    sources, source_codes, lines = store.sources, store.source_codes, store.lines
    for n in events.numbers:
        if n < 0:
            e = extra[-1 - n]
            yield e.source, e.line
        else:
            yield sources[source_codes[n]], lines[n]


def undated(events: Sequence[Event]) -> bool:
    """Whether any of the events has no time (of Events, read from the column)."""
    if not _columns(events):
        return any(e.time is None for e in events)
    codes, extra = events.store.minute_codes, events.extra
    return any((not codes[n]) if n >= 0 else extra[-1 - n].time is None for n in events.numbers)


def sources_of(events: Sequence[Event]) -> set[str]:
    """The sources the events come from."""
    if not _columns(events):
        return {e.source for e in events}
    store = events.store
    codes = {store.source_codes[n] for n in events.numbers if n >= 0}
    return {store.sources[c] for c in codes} | {e.source for e in events.extra}


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
