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
from datetime import datetime
from typing import overload

from .models import Category, Event, EventRow, Outcome, Severity

Kind = tuple[str, Category | None, Outcome, Severity, bool, str]
KEPT = 50_000  # events a store also keeps as Event objects (about 18 MB): most logs' all, an outage's first
Place = tuple["Store", int]  # an event's store and its number there


class Store:
    """The columns of a run's events; appended to as the scan finds them, relabelled in place
    (`assemble_calls`), never shortened. Up to KEPT events it holds each as an Event object as well
    (`objects`), so that the dozen passes after the scan read them without making them again (on an
    ordinary day, with a few thousand events, that made the console script's part 25% slower); past
    KEPT it lets the objects go and makes each Event when it is read."""

    __slots__ = (
        "_kind_of", "_source_of", "end_lines", "fields", "kind_codes", "kinds", "lines", "objects", "source_codes",
        "sources", "texts", "times",
    )  # fmt: skip

    def __init__(self) -> None:
        self.kinds: list[Kind] = []
        self._kind_of: dict[Kind, int] = {}
        self.kind_codes: array[int] = array("I")
        self.times: list[datetime | None] = []  # the two or three events of one call share their time
        self.sources: list[str] = []
        self._source_of: dict[str, int] = {}
        self.source_codes: array[int] = array("I")
        self.lines: array[int] = array("q")
        self.end_lines: array[int] = array("q")
        self.fields: list[Mapping[str, str]] = []  # shared where matching made one for equal fields
        self.texts: dict[int, str] = {}  # the evidence texts the events hold, by number
        self.objects: list[Event] | None = []  # every event as an Event, while there are at most KEPT

    def __len__(self) -> int:
        return len(self.lines)

    def add(self, event: Event) -> int:
        """Append an event; its number."""
        return self.add_row(event.row(), event)

    def add_row(self, row: EventRow, event: Event | None = None) -> int:
        """Append an event given as its row (`Event.row`); its number."""
        objects = self.objects
        if objects is not None:
            if len(objects) < KEPT:
                objects.append(event if event is not None else Event(*row))
            else:
                self.objects = None
        rule, category, outcome, severity, retryable, confidence, time, source, line, end_line, text, fields = row
        number = len(self.lines)
        self.kind_codes.append(self._kind((rule, category, outcome, severity, retryable, confidence)))
        self.times.append(time)
        code = self._source_of.get(source)
        if code is None:
            code = self._source_of[source] = len(self.sources)
            self.sources.append(source)
        self.source_codes.append(code)
        self.lines.append(line)
        self.end_lines.append(end_line)
        self.fields.append(fields)
        if text:
            self.texts[number] = text
        return number

    def set(self, number: int, event: Event) -> None:
        """Put `event` in the place of the one at `number` (a relabelled attempt: same place, new kind)."""
        if self.objects is not None:
            self.objects[number] = event
        self.kind_codes[number] = self._kind(
            (event.rule, event.category, event.outcome, event.severity, event.retryable, event.confidence)
        )
        self.times[number] = event.time
        self.fields[number] = event.fields
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

    def event(self, number: int) -> Event:
        """The Event at `number` (made anew past KEPT)."""
        if self.objects is not None:
            return self.objects[number]
        return Event(
            *self.kinds[self.kind_codes[number]],
            self.times[number],
            self.sources[self.source_codes[number]],
            self.lines[number],
            self.end_lines[number],
            self.texts.get(number, ""),
            self.fields[number],
        )

    def made(self, numbers: Iterable[int], extra: list[Event]) -> Iterator[Event]:
        """The Events at these numbers (negative: -1 - an index in `extra`), made one at a time past KEPT."""
        objects = self.objects
        if objects is not None:
            for n in numbers:
                yield objects[n] if n >= 0 else extra[-1 - n]
            return
        kinds, kind_codes, times, sources, source_codes = (
            self.kinds, self.kind_codes, self.times, self.sources, self.source_codes
        )  # fmt: skip
        lines, end_lines, texts, fields = self.lines, self.end_lines, self.texts, self.fields
        for n in numbers:
            if n < 0:
                yield extra[-1 - n]
                continue
            yield Event(
                *kinds[kind_codes[n]],
                times[n],
                sources[source_codes[n]],
                lines[n],
                end_lines[n],
                texts.get(n, "") if texts else "",
                fields[n],
            )


class Events(Sequence[Event]):
    """Events by their numbers in a Store, in an order of their own; an Event of no store held as it is
    (numbered -1 - its index among `extra`). Written to (`events[i] = event`) the store changes."""

    __slots__ = ("extra", "numbers", "store")

    def __init__(self, store: Store | None = None, numbers: array[int] | None = None) -> None:
        self.store = store if store is not None else Store()
        self.numbers: array[int] = numbers if numbers is not None else array("q")
        self.extra: list[Event] = []

    @classmethod
    def of(cls, store: Store) -> Events:
        """Every event of the store, in the store's order."""
        return cls(store, array("q", range(len(store))))

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
        picked = Events(self.store, array("q", numbers))
        if self.extra:
            picked.extra = self.extra
        return picked

    def sort(self, key: Callable[[Event], object]) -> None:
        """In place, stable, by `key` of each event."""
        keys = list(map(key, self))
        order = sorted(range(len(keys)), key=keys.__getitem__)  # type: ignore[arg-type]
        numbers = self.numbers
        self.numbers = array("q", (numbers[i] for i in order))

    def clear(self) -> None:
        self.numbers = array("q")
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


def of_kind(events: Sequence[Event], keep: Callable[[Event], bool]) -> Sequence[Event]:
    """The events `keep` says yes to, where only their kind (rule, category, outcome, severity,
    retryable, confidence) decides: of Events, asked once a kind and no Event made."""
    if not isinstance(events, Events):
        return [e for e in events if keep(e)]
    store, extra = events.store, events.extra
    models = store.models()
    wanted = [keep(m) for m in models]
    codes = store.kind_codes
    numbers = (n for n in events.numbers if (wanted[codes[n]] if n >= 0 else keep(extra[-1 - n])))
    return events._picked(numbers)


def kinds(events: Sequence[Event]) -> Iterator[Event]:
    """Each event, or (of Events) an Event of its kind only: read its rule, category, outcome,
    severity, retryable and confidence, nothing else (no Event made for each)."""
    if not isinstance(events, Events):
        yield from events
        return
    models, codes, extra = events.store.models(), events.store.kind_codes, events.extra
    for n in events.numbers:
        yield models[codes[n]] if n >= 0 else extra[-1 - n]


Parts = tuple[Event, datetime | None, str, int, int, Mapping[str, str]]


def parts(events: Sequence[Event]) -> Iterator[Parts]:
    """Each event's kind (as `kinds` gives it: of Events, an Event of its kind only), time, source, line,
    end line and fields: of Events, read from the columns (no Event made for each)."""
    if not isinstance(events, Events) or events.store.objects is not None:
        yield from ((e, e.time, e.source, e.line, e.end_line, e.fields) for e in events)
        return
    store, extra, models = events.store, events.extra, events.store.models()
    codes, times, sources, source_codes = store.kind_codes, store.times, store.sources, store.source_codes
    lines, end_lines, fields = store.lines, store.end_lines, store.fields
    for n in events.numbers:
        if n < 0:
            e = extra[-1 - n]
            yield e, e.time, e.source, e.line, e.end_line, e.fields
        else:
            yield models[codes[n]], times[n], sources[source_codes[n]], lines[n], end_lines[n], fields[n]


def fields_of(events: Sequence[Event]) -> Iterator[Mapping[str, str]]:
    """Each event's fields (of Events, read from the column)."""
    if not isinstance(events, Events):
        yield from (e.fields for e in events)
        return
    fields, extra = events.store.fields, events.extra
    for n in events.numbers:
        yield fields[n] if n >= 0 else extra[-1 - n].fields


def places(events: Sequence[Event]) -> Iterator[tuple[datetime | None, str, int]]:
    """Each event's time, source and line (of Events, read from the columns)."""
    if not isinstance(events, Events):
        yield from ((e.time, e.source, e.line) for e in events)
        return
    store, extra = events.store, events.extra
    times, sources, source_codes, lines = store.times, store.sources, store.source_codes, store.lines
    for n in events.numbers:
        if n < 0:
            e = extra[-1 - n]
            yield e.time, e.source, e.line
        else:
            yield times[n], sources[source_codes[n]], lines[n]


def sources_of(events: Sequence[Event]) -> set[str]:
    """The sources the events come from."""
    if not isinstance(events, Events):
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
