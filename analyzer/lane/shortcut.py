"""The successful-call lane: the stages after framing in one step for the one-line records of
successful calls (most matched records of a healthy day), and the span of times it and the
stages it stands in for move."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from types import MappingProxyType
from typing import cast

from .. import prefilter, timestamps
from ..framing import Calls
from ..matching import LONG_RECORD, Matcher
from ..models import Record
from ..parsing import json_time, record_time
from ..ruleset import Rule
from ..timestamps import Clock
from .columns import LaneBatch, keyed_time
from .keys import StampKeys


@dataclass
class Span:
    """The earliest and the latest time of the records seen, and the last one's (an untimed event
    after them takes it; a part hands it to the next)."""

    start: datetime | None = None
    end: datetime | None = None
    latest: datetime | None = None  # of the last record that had a time
    end_at: tuple[str, int] | None = None  # the source and line of `end`, where the caller said

    def add(self, when: datetime | None, place: tuple[str, int] | None = None) -> None:
        if when is None:
            return
        self.latest = when
        if self.start is None or when < self.start:
            self.start = when
        if self.end is None or when > self.end:
            self.end, self.end_at = when, place


class Lane:
    """The stages after framing in one step, for a one-line record whose only rule keywords are those
    of successful calls, with a time: most matched records of a healthy day. It does what parse,
    _observed and match would do with it, and hands every other record on (`route`). Plain lines are
    read for an ISO time only; JSON lines by parsing's own JSON reader."""

    def __init__(
        self,
        clock: Clock,
        matcher: Matcher,
        span: Span,
        source: str,
        calls: Sequence[str] = (),
        confirmed: Mapping[tuple[str, int], int] = MappingProxyType({}),
    ) -> None:
        self.clock, self.iso = clock, timestamps.iso_start(clock)  # the memo of minutes parse() reads too
        self.matcher, self.span, self.source = matcher, span, source
        self.calls = calls  # the prefilter's successful-call keywords, by bit
        self.confirmed = confirmed  # the bits of the successful-call patterns whose match the prefilter tells
        self.formats: dict[str, int] = {}  # the records taken, by format (parse() would have counted them)
        # by keyword bits: the candidate rules, and the bit of the one pattern of the one rule when confirmed
        self._lanes: dict[int, tuple[list[Rule], int]] = {}
        self.keys = StampKeys(self.iso)
        # the calls taken as keys since the last flush: every one's time, the successful ones' rule,
        # time and line; all of one zone
        self._zone: tzinfo | None = None
        self._times: list[int] = []
        self._rules: list[str] = []
        self._keys: list[int] = []
        self._lines: list[int] = []

    def route(self, framed: Iterable[Record | Calls]) -> Iterator[Record]:
        """What framing found, the records the lane does not take handed on in order: everything after
        a call sees what it would have seen had the call gone through parse and match."""
        for item in framed:
            if type(item) is Calls:
                yield from self._run(item)
            else:
                self.flush()
                if not self.record(cast(Record, item)):
                    yield cast(Record, item)
        self.flush()

    def _run(self, calls: Calls) -> Iterator[Record]:
        call = self.call
        for line_no, start, end, marks, data in calls.lines:
            if call(data, line_no, marks):
                continue
            self.flush()
            text, wrapper = calls.text(data)
            if wrapper is None:  # (no record made for a line the lane takes)
                if not self.line(text, line_no):
                    yield calls.record(line_no, start, end, text, wrapper)
                continue
            record = calls.record(line_no, start, end, text, wrapper)
            if not self.record(record):
                yield record
        self.flush()

    def call(self, data: bytes, line_no: int, marks: int) -> bool:
        """Take a line whose only keywords the prefilter found are successful-call ones (the bits of
        `marks` under prefilter.KEYWORD_BITS; above: the confirmed patterns that match in it), when
        it is ASCII and starts with a date and a space (so it has no wrapper): without decoding it
        for UTF-8 or looking for its keywords again; and when its one candidate pattern is
        confirmed, without searching it either, its usual stamp read as a key and kept with the
        others until `flush`."""
        if data[10:11] != b" " or not data.isascii():
            return False
        keywords = marks & prefilter.KEYWORD_BITS
        lane = self._lanes.get(keywords)
        if lane is None:
            lane = self._lanes[keywords] = self._lane(keywords)
        rules, confirm = lane
        keyed = self.keys(data) if confirm and len(data) <= LONG_RECORD else None
        if keyed is None:
            self.flush()
            return self._call(data, line_no, marks, rules, confirm)
        key, zone = keyed
        if zone is not self._zone:
            self.flush()
            self._zone = zone
        self._times.append(key)
        if marks & confirm:
            self._rules.append(rules[0].id)
            self._keys.append(key)
            self._lines.append(line_no)
        return True

    def _call(self, data: bytes, line_no: int, marks: int, rules: list[Rule], confirm: int) -> bool:
        text = data.decode("ascii")
        if text[-1:] == "\r":
            text = text[:-1]
        when = self.iso(text) if text[:1].isdigit() else None  # record_time's, with no wrapper
        if when is None:
            return False
        self._taken(rules, text, line_no, (when, "timestamped"), bool(marks & confirm) if confirm else None)
        return True

    def flush(self) -> None:
        """Hand the matcher every call `call` kept (`Matcher.took`), and move the span."""
        times = self._times
        if not times:
            return
        zone, count = self._zone, len(times)
        self.span.add(keyed_time(min(times), zone))
        self.span.add(keyed_time(max(times), zone))
        last = keyed_time(times[-1], zone)
        self.span.add(last)  # the latest
        self.formats["timestamped"] = self.formats.get("timestamped", 0) + count
        self.matcher.took(LaneBatch(self.source, count, last, self._rules, self._keys, self._lines, True, zone))
        self._times, self._rules, self._keys, self._lines = [], [], [], []

    def _lane(self, keywords: int) -> tuple[list[Rule], int]:
        words = frozenset(w for i, w in enumerate(self.calls) if keywords >> i & 1)
        rules = self.matcher.rank(words)[0]
        pattern = rules[0].single if len(rules) == 1 else None
        return rules, 0 if pattern is None else self.confirmed.get((pattern.pattern, pattern.flags), 0)

    def record(self, record: Record) -> bool:
        """Take a one-line record framing made (True), or leave it to parse and match (False)."""
        if record.line != record.end_line:
            return False
        if not record.wrapper:
            return self.line(record.text, record.line)
        text = record.text
        return self._take(text, record.line, lambda: record_time(text, self.iso, record.wrapper, record.wrapper_time))

    def line(self, text: str, line_no: int) -> bool:
        """`record` for a line with no wrapper, before a record is made of it."""
        if text[:1] == "{":
            known = json_time(text, self.clock)
            return known is not None and self._take(known[2], line_no, lambda: known[:2])
        return self._take(text, line_no, lambda: record_time(text, self.iso))

    def _take(self, text: str, line_no: int, time: Callable[[], tuple[datetime, str] | None]) -> bool:
        """`text`: what rules match (a JSON record's message and error text); `time` reads its time
        and format, once the keywords say it is a successful call (a failure's is read by parse)."""
        rules = self.matcher.only_successes(text)
        if rules is None:
            return False
        known = time()
        if known is None:
            return False
        self._taken(rules, text, line_no, known)
        return True

    def _taken(
        self, rules: list[Rule], text: str, line_no: int, known: tuple[datetime, str], matched: bool | None = None
    ) -> None:
        when, name = known
        self.formats[name] = self.formats.get(name, 0) + 1
        self.span.add(when, (self.source, line_no))
        rule = self.matcher.success(rules, text, matched)
        found = [rule] if rule is not None else []
        self.matcher.took(LaneBatch(self.source, 1, when, found, [when] * len(found), [line_no] * len(found)))
