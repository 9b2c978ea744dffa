"""The evidence texts of a run's events, held apart from the events once there are many of them.

A report shows a few texts (the first event of each rule in an incident, its last, its actions), but an
outage has hundreds of thousands of events, and their texts were half of what a run held. Past HELD
characters, each further text is kept here, compressed with others a batch at a time (an outage's
lines are much alike: 10 to 20 times smaller) and written to a temporary file, and read back by its
event's source and line.
"""

from __future__ import annotations

import sys
import zlib
from array import array
from bisect import bisect_right
from collections.abc import Iterable, Iterator
from typing import BinaryIO

from .events import appended, spill_file
from .models import Event

HELD = 4 << 20  # characters of evidence left in the events themselves
BATCH = 1024  # texts compressed together


class Texts:
    """Evidence texts by their events' source and line; `of(event)` reads an event's text wherever it is.

    A batch holds, compressed with its texts, which source and line each is of and its length; this
    keeps, for each source, the first of its lines in each batch it has texts in (a few bytes a batch,
    not 16 an event: the index was a sixth of an outage day's memory)."""

    def __init__(self, held: int | None = None) -> None:
        self.room = HELD if held is None else held  # characters the events may still hold
        self.batch = BATCH
        self._count = 0  # texts held here
        self._codes: dict[str, int] = {}  # each source's number in the batches
        self._firsts: dict[str, array[int]] = {}  # by source: its first line in each batch it has texts in
        self._batches: dict[str, array[int]] = {}  # and those batches' numbers
        self._last: dict[str, int] = {}  # by source: the line of its last text here
        self._file: BinaryIO | None = None  # the batches, compressed, one after the other
        self._kept: dict[int, bytes] = {}  # those held in memory: no file could be made, or the disk was full
        self._places: array[int] = array("q", [0])  # where each batch starts in the file, and where the file ends
        self._pending: dict[tuple[int, int], str] = {}  # the texts after the last full batch, by source and line
        self._read: tuple[int, dict[tuple[int, int], str]] = (-1, {})  # the last batch read back

    def __len__(self) -> int:
        """How many texts are held here."""
        return self._count

    def keep(self, source: str, line: int, text: str) -> bool:
        """Take the text of the event at `source` and `line` when the events' room is spent: True if
        it is held here now (the event need not hold it), False if its event is to keep it."""
        if self.room > 0:
            self.room -= len(text)
            return False
        last = self._last.get(source)
        if last is None:
            self._codes[source] = len(self._codes)
            self._firsts[source], self._batches[source] = array("q"), array("I")
        elif last >= line:  # not after the last: two inputs of one name; the event keeps its text
            return False
        self._last[source] = line
        batch = len(self._places) - 1
        batches = self._batches[source]
        if not batches or batches[-1] != batch:
            batches.append(batch)
            self._firsts[source].append(line)
        self._pending[self._codes[source], line] = text
        self._count += 1
        if len(self._pending) == self.batch:
            self._put(zlib.compress(_packed(self._pending), 1))
            self._pending = {}
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
        firsts = self._firsts.get(event.source)
        if firsts is None:
            return ""
        at = bisect_right(firsts, event.line) - 1
        if at < 0:
            return ""
        batch, key = self._batches[event.source][at], (self._codes[event.source], event.line)
        if batch == len(self._places) - 1:  # the batch being filled
            return self._pending.get(key, "")
        if self._read[0] != batch:
            self._read = (batch, _unpacked(zlib.decompress(self._get(batch))))
        return self._read[1].get(key, "")


def _packed(texts: dict[tuple[int, int], str]) -> bytes:
    """A batch's texts as bytes: how many, their sources' numbers, lines and lengths (in UTF-8 bytes),
    then the texts one after the other."""
    encoded = [text.encode("utf-8", "surrogatepass") for text in texts.values()]
    head = array("q", [len(encoded)])
    head.extend(code for code, _ in texts)
    head.extend(line for _, line in texts)
    head.extend(map(len, encoded))
    return head.tobytes() + b"".join(encoded)


def _unpacked(data: bytes) -> dict[tuple[int, int], str]:
    """The texts `_packed` packed, by source number and line."""
    width = array("q").itemsize
    count = int.from_bytes(data[:width], sys.byteorder, signed=True)
    head = array("q")
    head.frombytes(data[width : width * (1 + 3 * count)])
    codes, lines, lengths = head[:count], head[count : 2 * count], head[2 * count :]
    texts, start = {}, width * (1 + 3 * count)
    for code, line, length in zip(codes, lines, lengths, strict=True):
        texts[code, line] = data[start : start + length].decode("utf-8", "surrogatepass")
        start += length
    return texts
