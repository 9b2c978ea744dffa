"""Successful API calls as compact columns: a healthy day's log is mostly these, and each one
matters only by its rule, time and place. Kept apart from the Events (models.py) from matching to
correlation and the timeline, in about 30 bytes a call."""

from __future__ import annotations

from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone, tzinfo
from itertools import pairwise
from typing import overload

from ..models import Event, Outcome


class Names(Sequence[str]):
    """A column of strings drawn from a few (rule ids, source names): a 4-byte code each."""

    __slots__ = ("_index", "codes", "names")

    def __init__(self, names: Iterable[str] = ()) -> None:
        self.codes: array[int] = array("I")
        self.names: list[str] = []
        self._index: dict[str, int] = {}
        self.extend_names(names)

    def extend_names(self, names: Iterable[str]) -> None:
        index, code = self._index, self._code
        self.codes.extend([index[n] if n in index else code(n) for n in names])

    def extend_repeated(self, name: str, count: int) -> None:
        """Append one name `count` times."""
        self.codes.extend(array("I", [self._code(name)]) * count)

    def extend(self, other: Names) -> None:
        remap = [self._code(name) for name in other.names]
        self.codes += array("I", [remap[c] for c in other.codes])

    def select(self, indices: Iterable[int]) -> Names:
        picked = Names()
        picked.names, picked._index = list(self.names), dict(self._index)
        codes = self.codes
        picked.codes = _picked(codes, indices if isinstance(indices, range) else list(indices))
        return picked

    def distinct(self) -> int:
        """How many different strings the column holds."""
        return len(set(self.codes))

    def _code(self, name: str) -> int:
        code = self._index.get(name)
        if code is None:
            code = self._index[name] = len(self.names)
            self.names.append(name)
        return code

    def __len__(self) -> int:
        return len(self.codes)

    @overload
    def __getitem__(self, i: int) -> str: ...
    @overload
    def __getitem__(self, i: slice) -> list[str]: ...
    def __getitem__(self, i: int | slice) -> str | list[str]:
        if isinstance(i, slice):
            return [self.names[c] for c in self.codes[i]]
        return self.names[self.codes[i]]

    def __iter__(self) -> Iterator[str]:
        names = self.names
        return (names[c] for c in self.codes)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Names) and list(self) == list(other)

    __hash__ = None  # type: ignore[assignment]


_EPOCH = datetime(1, 1, 1)


def time_key(when: datetime) -> int:
    """A time as Times keeps it: wall-clock microseconds since year 1 (a difference of two times of
    one zone object is taken on their wall clocks, and is ten times faster than replace(tzinfo=None))."""
    return (when - datetime(1, 1, 1, tzinfo=when.tzinfo)) // _US


def keyed_time(key: int, zone: tzinfo | None) -> datetime:
    """The time (fold 0) of a key in a zone: time_key's inverse."""
    return datetime(1, 1, 1, tzinfo=zone) + key * _US


_US = timedelta(microseconds=1)
NO_TIME = 0xFFFF  # the zone code of a missing time


class Times(Sequence["datetime | None"]):
    """A column of times, 10 bytes each instead of a datetime's 56: the wall-clock microseconds
    since year 1 and a code for the zone and fold. Reading one back gives an equal datetime with an
    equal zone, so comparisons between times come out as they would between the datetimes
    themselves (same zone: by the wall clock; different zones: by the instant)."""

    __slots__ = ("_bases", "_index", "codes", "keys", "zones")

    def __init__(self, times: Iterable[datetime | None] = ()) -> None:
        self.keys: array[int] = array("q")
        self.codes: array[int] = array("H")
        self.zones: list[tuple[tzinfo | None, int]] = []  # (zone, fold) by code
        self._bases: list[datetime] = []  # year 1 in each zone, by code
        self._index: dict[tuple[tzinfo | None, int], int] = {}
        self.extend_times(list(times))

    def extend_times(self, times: Sequence[datetime | None]) -> None:
        """Append these times."""
        keys: list[int] = []
        codes: list[int] = []
        zone: object = codes  # no zone is this
        fold = code = 0
        base = _EPOCH
        for when in times:
            if when is None:
                keys.append(0)
                codes.append(NO_TIME)
                continue
            if when.tzinfo is not zone or when.fold != fold:
                zone, fold = when.tzinfo, when.fold
                code = self._code(when.tzinfo, fold)
                # The table's zone may be an equal one, not this very object: then only a base of
                # this object's own gives the wall clock (others count by the instant).
                base = self._bases[code] if self.zones[code][0] is zone else datetime(1, 1, 1, tzinfo=when.tzinfo)
            keys.append((when - base) // _US)
            codes.append(code)
        self.keys.extend(keys)
        self.codes.extend(codes)

    def extend_keys(self, keys: Sequence[int], zone: tzinfo | None) -> None:
        """Append times of one zone (fold 0) given as keys: wall-clock microseconds since year 1."""
        self.keys.extend(keys)
        self.codes.extend(array("H", [self._code(zone, 0)]) * len(keys))

    def _code(self, zone: tzinfo | None, fold: int) -> int:
        try:
            code = self._index.get((zone, fold))
        except TypeError:  # a zone that cannot be hashed (python-dateutil's): look for an equal one
            code = next((i for i, z in enumerate(self.zones) if z == (zone, fold)), None)
            hashable = False
        else:
            hashable = True
        if code is None:
            code = len(self.zones)
            if code >= NO_TIME:
                raise OverflowError("more than 65,534 different time zones in one input")
            self.zones.append((zone, fold))
            self._bases.append(datetime(1, 1, 1, tzinfo=zone))
            if hashable:
                self._index[(zone, fold)] = code
        return code

    def extend(self, other: Times, missing: datetime | None = None) -> None:
        """Append another's times; missing ones become `missing`."""
        remap = [self._code(zone, fold) for zone, fold in other.zones]
        keys, codes = other.keys, other.codes
        if missing is not None and NO_TIME in codes:
            key, code = time_key(missing), self._code(missing.tzinfo, missing.fold)
            keys = array("q", [key if c == NO_TIME else k for k, c in zip(keys, codes, strict=True)])
            codes = array("H", [code if c == NO_TIME else remap[c] for c in codes])
        else:
            codes = array("H", [c if c == NO_TIME else remap[c] for c in codes])
        self.keys += keys
        self.codes += codes

    def select(self, indices: Iterable[int]) -> Times:
        """The times at these indices, in that order, with a table of the zones they use only."""
        chosen = indices if isinstance(indices, range) else list(indices)
        picked = Times()
        picked.keys, old = _picked(self.keys, chosen), _picked(self.codes, chosen)
        used = sorted(set(old) - {NO_TIME})
        remap = {code: picked._code(*self.zones[code]) for code in used}
        if any(code != new for code, new in remap.items()):
            remap[NO_TIME] = NO_TIME
            old = array("H", [remap[c] for c in old])
        picked.codes = old
        return picked

    def key_of(self, when: datetime) -> int | None:
        """`when` as a key that orders against this column's keys as `when` against its times: when
        every time has `when`'s very zone (or an equal fixed offset), so all compare by wall clock."""
        zone = when.tzinfo
        zones = self.zones
        same = all(z is zone for z, _ in zones) or (isinstance(zone, timezone) and all(z == zone for z, _ in zones))
        return time_key(when) if same else None

    def missing(self) -> bool:
        """Whether any time is missing."""
        return NO_TIME in self.codes

    def dated(self) -> int:
        """How many times are present."""
        return len(self.codes) - self.codes.count(NO_TIME)

    def ascending(self) -> bool:
        """Whether the times never go back (all present)."""
        if self.missing():
            return False
        if len(set(self.codes)) <= 1:  # one zone: the wall clock orders them, as it does datetimes
            return all(a <= b for a, b in pairwise(self.keys))
        return all(a <= b for a, b in pairwise(self))  # type: ignore[operator]

    def _at(self, i: int) -> datetime | None:
        code = self.codes[i]
        if code == NO_TIME:
            return None
        when = self._bases[code] + self.keys[i] * _US
        return when.replace(fold=1) if self.zones[code][1] else when

    def __len__(self) -> int:
        return len(self.keys)

    @overload
    def __getitem__(self, i: int) -> datetime | None: ...
    @overload
    def __getitem__(self, i: slice) -> list[datetime | None]: ...
    def __getitem__(self, i: int | slice) -> datetime | list[datetime | None] | None:
        if isinstance(i, slice):
            return [self._at(j) for j in range(*i.indices(len(self.keys)))]
        if i < 0:
            i += len(self.keys)
        return self._at(i)

    def __iter__(self) -> Iterator[datetime | None]:
        return (self._at(i) for i in range(len(self.keys)))

    def __contains__(self, value: object) -> bool:
        if value is None:
            return self.missing()
        return any(t == value for t in self)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Times):
            return list(self) == list(other)
        return isinstance(other, list) and list(self) == other

    __hash__ = None  # type: ignore[assignment]


def bisect_times(
    times: Sequence[datetime], when: datetime, lo: int = 0, hi: int | None = None, *, right: bool = False
) -> int:
    """bisect_left (bisect_right if `right`) of `when` in sorted times, all present; on a Times
    column by its keys where they order as the datetimes do (reading none back)."""
    bisect = bisect_right if right else bisect_left
    hi = len(times) if hi is None else hi
    if isinstance(times, Times) and (key := times.key_of(when)) is not None:
        return bisect(times.keys, key, lo, hi)
    return bisect(times, when, lo, hi)


class Successes:
    """Successful API calls, as columns: a healthy day's log is mostly these, and each one matters
    only by its rule, time and place (recovery, the share of calls that failed, the timeline). An
    Event of one is made where it is needed. Append-only; kept in input order until sorted. About
    30 bytes a call; the calls added lately wait in a plain list and join the columns in one go
    (PENDING at most, or when the columns are read)."""

    __slots__ = ("_end_lines", "_lines", "_pending", "_rules", "_sources", "_times")
    PENDING = 1 << 12

    def __init__(
        self,
        rules: Names | None = None,
        times: Times | None = None,
        sources: Names | None = None,
        lines: array[int] | None = None,
        end_lines: array[int] | None = None,
    ) -> None:
        self._rules = rules if rules is not None else Names()
        self._times = times if times is not None else Times()
        self._sources = sources if sources is not None else Names()
        self._lines = lines if lines is not None else array("q")
        self._end_lines = end_lines if end_lines is not None else array("q")
        self._pending: list[tuple[str, datetime | None, str, int, int]] = []

    @property
    def rules(self) -> Names:
        self._flush()
        return self._rules

    @property
    def times(self) -> Times:
        self._flush()
        return self._times

    @property
    def sources(self) -> Names:
        self._flush()
        return self._sources

    @property
    def lines(self) -> array[int]:
        self._flush()
        return self._lines

    @property
    def end_lines(self) -> array[int]:
        self._flush()
        return self._end_lines

    def __len__(self) -> int:
        return len(self._lines) + len(self._pending)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Successes):
            return NotImplemented
        mine = (self.rules, self.times, self.sources, self.lines, self.end_lines)
        return mine == (other.rules, other.times, other.sources, other.lines, other.end_lines)

    __hash__ = None  # type: ignore[assignment]

    def __getstate__(self) -> tuple[Names, Times, Names, array[int], array[int]]:
        return self.rules, self.times, self.sources, self.lines, self.end_lines

    def __setstate__(self, state: tuple[Names, Times, Names, array[int], array[int]]) -> None:
        self.__init__(*state)  # type: ignore[misc]

    def add(self, rule: str, time: datetime | None, source: str, line: int, end_line: int) -> None:
        pending = self._pending
        pending.append((rule, time, source, line, end_line))
        if len(pending) >= self.PENDING:
            self._flush()

    def add_keyed(
        self, rules: Sequence[str], keys: Sequence[int], zone: tzinfo | None, source: str, lines: Sequence[int]
    ) -> None:
        """Add calls of one source and zone whose times are keys (`Times.extend_keys`), one line each."""
        self._flush()
        self._rules.extend_names(rules)
        self._times.extend_keys(keys, zone)
        self._sources.extend_repeated(source, len(keys))
        self._lines.extend(lines)
        self._end_lines.extend(lines)

    def _flush(self) -> None:
        pending = self._pending
        if not pending:
            return
        self._pending = []
        rules, times, sources, lines, end_lines = zip(*pending, strict=True)
        self._rules.extend_names(rules)
        self._times.extend_times(times)
        self._sources.extend_names(sources)
        self._lines.extend(lines)
        self._end_lines.extend(end_lines)

    def extend(self, other: Successes, time: datetime | None = None, lines: int = 0) -> None:
        """Append another's successes, `lines` lines further down; those without a time take `time`
        (what came before them)."""
        self._flush()
        self._rules.extend(other.rules)
        self._times.extend(other.times, time)
        self._sources.extend(other.sources)
        self._lines += array("q", [n + lines for n in other.lines]) if lines else other.lines
        self._end_lines += array("q", [n + lines for n in other.end_lines]) if lines else other.end_lines

    def select(self, indices: Sequence[int]) -> Successes:
        """The successes at these indices, in that order (a range: a run of each column, sliced)."""
        line, end = self.lines, self.end_lines
        return Successes(
            self.rules.select(indices),
            self.times.select(indices),
            self.sources.select(indices),
            _picked(line, indices),
            _picked(end, indices),
        )

    def events(self, model: Mapping[str, Event]) -> Iterator[Event]:
        """Each success as an Event, made from `model`, the Event of its rule."""
        columns = zip(self.rules, self.times, self.sources, self.lines, self.end_lines, strict=True)
        for rule, time, source, line, end_line in columns:
            base = model[rule]
            yield Event(
                rule,
                None,
                Outcome.SUCCESS,
                base.severity,
                base.retryable,
                base.confidence,
                time,
                source,
                line,
                end_line,
                "",
            )


def _picked(column: array[int], indices: Sequence[int]) -> array[int]:
    """column[i] for i in indices, of the column's type; a range of step 1 as a slice (no int object a time)."""
    if isinstance(indices, range) and indices.step == 1:
        return column[indices.start : max(indices.start, indices.stop)]
    return array(column.typecode, [column[i] for i in indices])


@dataclass(slots=True)
class LaneBatch:
    """One-line records of one source that the successful-call lane took in matching's stead, for
    `Matcher.took`: how many, the last one's time, and the successful calls among them (rule, time and
    line each; the times are keys of `zone`, `Times.extend_keys`, when `keyed`)."""

    source: str
    records: int
    last: datetime
    rules: list[str]
    times: list[int] | list[datetime]
    lines: list[int]
    keyed: bool = False
    zone: tzinfo | None = None
