"""The evidence texts of a run's events, held apart from the events once there are many of them.

A report shows a few texts (the first event of each rule in an incident, its last, its actions), but an
outage has hundreds of thousands of events, and their texts were half of what a run held. Past HELD
characters, each further text is kept here, compressed with others a batch at a time (an outage's
lines are much alike: 10 to 20 times smaller) and written to a temporary file, and read back by its
event's source and line.
"""

from __future__ import annotations

import zlib
from array import array
from bisect import bisect_left
from collections.abc import Iterable, Iterator
from typing import BinaryIO

from .events import appended, spill_file
from .models import Event

HELD = 4 << 20  # characters of evidence left in the events themselves
BATCH = 1024  # texts compressed together


class Texts:
    """Evidence texts by their events' source and line; `of(event)` reads an event's text wherever it is."""

    def __init__(self, held: int | None = None) -> None:
        self.room = HELD if held is None else held  # characters the events may still hold
        self.batch = BATCH
        self._lines: dict[str, array[int]] = {}  # by source: the lines of the texts held here, ascending
        self._numbers: dict[str, array[int]] = {}  # and their numbers here
        self._lengths: array[int] = array("I")  # characters of each text, by number
        self._file: BinaryIO | None = None  # batches of BATCH texts each, UTF-8, compressed, one after the other
        self._kept: dict[int, bytes] = {}  # those held in memory: no file could be made, or the disk was full
        self._places: array[int] = array("q", [0])  # where each batch starts in the file, and where the file ends
        self._pending: list[str] = []  # the texts after the last full batch
        self._read: tuple[int, str] = (-1, "")  # the last batch read back, decompressed

    def __len__(self) -> int:
        """How many texts are held here."""
        return len(self._lengths)

    def keep(self, source: str, line: int, text: str) -> bool:
        """Take the text of the event at `source` and `line` when the events' room is spent: True if
        it is held here now (the event need not hold it), False if its event is to keep it."""
        if self.room > 0:
            self.room -= len(text)
            return False
        lines = self._lines.get(source)
        if lines is None:
            lines = self._lines[source] = array("q")
            self._numbers[source] = array("I")
        elif lines[-1] >= line:  # not after the last: two inputs of one name; the event keeps its text
            return False
        lines.append(line)
        self._numbers[source].append(len(self._lengths))
        self._lengths.append(len(text))
        self._pending.append(text)
        if len(self._pending) == self.batch:
            self._put(zlib.compress("".join(self._pending).encode("utf-8", "surrogatepass"), 1))
            self._pending = []
        return True

    def _put(self, data: bytes) -> None:
        """Hold a batch: in the temporary file (made at the first), else in memory."""
        if len(self._places) == 1:
            self._file = spill_file(self)
        end = self._places[-1]
        size = appended(self._file, end, lambda file: file.write(data)) if self._file is not None else None
        if size is None:
            self._kept[len(self._places) - 1] = data
        self._places.append(end + (size or 0))

    def _get(self, batch: int) -> bytes:
        kept = self._kept.get(batch)
        if kept is not None:
            return kept
        assert self._file is not None  # (a batch not kept is in the file)
        self._file.seek(self._places[batch])
        return self._file.read(self._places[batch + 1] - self._places[batch])

    def held(self, events: Iterable[Event]) -> Iterator[Event]:
        """The events, those whose text is now held here with an empty one."""
        for event in events:
            if self.keep(event.source, event.line, event.text):
                row = event.row()
                yield Event(*row[:10], "", row[11])
            else:
                yield event

    def of(self, event: Event) -> str:
        """The event's evidence text: its own, or the one held here for its source and line."""
        if event.text:
            return event.text
        lines = self._lines.get(event.source)
        if lines is None:
            return ""
        at = bisect_left(lines, event.line)
        if at == len(lines) or lines[at] != event.line:
            return ""
        number = self._numbers[event.source][at]
        batch, first = divmod(number, self.batch)
        if batch == len(self._places) - 1:  # the batch being filled
            return self._pending[first]
        start = sum(self._lengths[number - first : number])
        if self._read[0] != batch:
            self._read = (batch, zlib.decompress(self._get(batch)).decode("utf-8", "surrogatepass"))
        return self._read[1][start : start + self._lengths[number]]
