"""Reading a source: its bytes, decompressed and as UTF-8 (`decoding`), in blocks that end at line
boundaries; or a large plain file's byte ranges, from the descriptor opened once (`OpenFile`).

A damaged or unreadable input is reported as a problem of its source, and so is a file that changed
while it was read; the readable part is still used.
"""

from __future__ import annotations

import contextlib
import lzma
import os
import sys
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, BinaryIO

from . import decoding

if TYPE_CHECKING:
    from ..framing import Counts

BLOCK_SIZE = 1 << 22  # 4 MiB read at a time
MAX_LINE = 1 << 25  # 32 MiB: a longer line is split (and counted) so memory stays bounded
# Lines with no record boundary: framing frames what it has (counted as a split) past this, which is
# more than the longest line read whole, so one giant line is never split there.
MAX_CARRY = MAX_LINE + BLOCK_SIZE
STDIN_NAME = "<stdin>"


@dataclass
class SourceStats:
    """What was read from one input: the accumulator the report's `sources` come from."""

    name: str
    compression: str = ""
    encoding: str = decoding.UTF8  # as read; UTF-16 and UTF-32 are transcoded to UTF-8 (sources.decoding)
    lines: int = 0
    records: int = 0
    framed: int = 0  # records framed and parsed; the others held no keyword and could match no rule
    undecodable: int = 0
    bad_times: int = 0  # records whose timestamp names no usable time (hour 25, offset +24:00, year 9999)
    split_lines: int = 0
    formats: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    splits: list[int] = field(default_factory=list)  # lines where framing cut a record with no boundary
    skipped: str = ""  # why a file found in a folder was not read (sources.kinds): document, image, archive, binary

    def add_framed(self, counts: Counts) -> None:
        """Add what framing counted (`framing.Counts`)."""
        self.lines += counts.lines
        self.records += counts.records
        self.framed += counts.framed
        self.undecodable += counts.undecodable
        self.splits += counts.splits

    def add_formats(self, formats: dict[str, int]) -> None:
        """Count records of these formats, read by a stage other than parsing (the lane)."""
        for name, count in formats.items():
            self.formats[name] = self.formats.get(name, 0) + count

    def messages(self) -> list[str]:
        """Every problem, one line each: the read problems, then the records framing had to cut."""
        cut = f"over {MAX_CARRY >> 20} MiB without a record boundary; split"
        return self.problems + [f"{self.name}: line {line}: {cut}" for line in self.splits]


@dataclass(frozen=True, slots=True)
class Source:
    """One input, opened lazily: `open()` gives its bytes, decompressed."""

    name: str
    opener: Callable[[], BinaryIO]
    path: str = ""  # a regular file's path: it can be read in byte ranges (see `read_range`)
    identity: tuple[int, int] | None = None  # a regular file's device and inode: each file is read once
    skipped: str = ""  # why it is not read (a folder's README, image, archive): it gives no line


class OpenFile:
    """A regular file opened once for a scan in byte ranges. The workers, forked after it opened,
    read its descriptor (os.pread), never its path: a file renamed over or deleted meanwhile is still
    the one read, whole and alone. What changed is said once, by `changes`."""

    __slots__ = ("fd", "name", "opened", "path")

    def __init__(self, source: Source) -> None:
        self.name, self.path = source.name, source.path
        self.fd = os.open(source.path, os.O_RDONLY)
        self.opened = os.fstat(self.fd)

    @property
    def size(self) -> int:
        return self.opened.st_size

    def changes(self) -> list[str]:
        """What happened to the file since it was opened, as problems of its source."""
        return changes(self.name, self.path, self.fd, self.opened)

    def __enter__(self) -> OpenFile:
        return self

    def __exit__(self, *_exc: object) -> None:
        os.close(self.fd)


def opened(source: Source, wanted: bool = True) -> OpenFile | contextlib.nullcontext[None]:
    """The source's file opened for a scan in byte ranges (`with`), or nothing (None) when it is not
    wanted, has no path or cannot be opened (read as a stream, it then says why)."""
    if wanted and source.path:
        try:
            return OpenFile(source)
        except OSError:
            pass
    return contextlib.nullcontext()


def changes(name: str, path: str, fd: int, opened: os.stat_result) -> list[str]:
    """A file truncated (copytruncate), deleted or replaced (renamed over) since it was opened; a file
    that grew is not changed (it is read up to its size when its scan began, or on to its end)."""
    found = []
    now = os.fstat(fd)
    if now.st_size < opened.st_size:
        found.append(
            f"{name}: truncated during the scan ({opened.st_size:,} -> {now.st_size:,} bytes): "
            "lines past its new end may be missing"
        )
    try:
        named = os.stat(path)
    except FileNotFoundError:
        found.append(f"{name}: deleted during the scan (the file as it was opened was read)")
    except OSError:  # no longer ours to look at: nothing to say about it
        pass
    else:
        if (named.st_dev, named.st_ino) != (opened.st_dev, opened.st_ino):
            found.append(f"{name}: replaced during the scan (the file as it was opened was read, not the new one)")
    return found


def plain_head(file: OpenFile) -> bytes:
    """The first block of an uncompressed file with newlines, else b"" (not to be cut in ranges)."""
    try:
        head = os.pread(file.fd, BLOCK_SIZE, 0)
    except OSError:
        return b""
    if any(head.startswith(magic) for magic in decoding.MAGIC) or b"\n" not in head or decoding.encoding(head)[0]:
        return b""  # compressed, one line, or UTF-16/32 (read as a stream, transcoded)
    return head


def read_range(fd: int, start: int, end: int, stats: SourceStats) -> Iterator[bytes]:
    """Blocks of whole lines of bytes [start, end) of an uncompressed file that `plain_head` accepted,
    read from its descriptor: os.pread, so the workers that share it never move each other's offset."""
    yield from _line_blocks(_Positional(fd, start, end).read, stats.name, stats, first=start == 0)


def read_before(fd: int, start: int, size: int) -> bytes:
    """The whole lines in the `size` bytes of a file just before `start` (the lines a byte range's first
    records follow): a line the read began inside of is left out."""
    size = min(size, start)
    try:
        data = os.pread(fd, size, start - size) if size > 0 else b""
    except OSError:  # the range's own read reports the file's problem; the lines before are only context
        return b""
    return data[data.find(b"\n") + 1 :] if start > size else data


class _Positional:
    """Bytes [start, end) of a file descriptor, read with os.pread."""

    def __init__(self, fd: int, start: int, end: int) -> None:
        self._fd, self._at, self._end = fd, start, end

    def read(self, size: int) -> bytes:
        data = os.pread(self._fd, min(size, self._end - self._at), self._at)
        self._at += len(data)
        return data


def read_blocks(source: Source, stats: SourceStats) -> Iterator[bytes]:
    """Yield the source's bytes in blocks of whole lines; problems go to `stats.problems`."""
    try:
        raw = source.opener()
    except OSError as exc:
        stats.problems.append(f"{source.name}: cannot read: {exc.strerror or exc}")
        return
    try:
        try:
            read, stats.compression = decoding.decompressed(raw, BLOCK_SIZE, stats)
        except OSError as exc:
            stats.problems.append(f"{source.name}: {exc}")
            return
        opened = os.fstat(raw.fileno()) if source.path else None
        yield from _line_blocks(decoding.Utf8Reader(read, stats).read, source.name, stats)
        if opened is not None:
            stats.problems.extend(changes(source.name, source.path, raw.fileno(), opened))
    finally:
        if source.name != STDIN_NAME:
            raw.close()


_READ_ERRORS = (EOFError, OSError, lzma.LZMAError, zlib.error, ValueError)


def _read_errors() -> tuple[type[BaseException], ...]:
    """What a read of a damaged input raises: zstandard's own error too, once it is imported."""
    zstd = sys.modules.get("zstandard")
    return (*_READ_ERRORS, zstd.ZstdError) if zstd is not None else _READ_ERRORS


def _line_blocks(read: Callable[[int], bytes], name: str, stats: SourceStats, first: bool = True) -> Iterator[bytes]:
    carry, cr_only, offset = b"", False, 0
    while True:
        try:
            chunk = read(BLOCK_SIZE)
        except _read_errors() as exc:
            stats.problems.append(f"{name}: {_read_error(exc, stats.compression)} after {offset:,} bytes")
            break
        if not chunk:
            break
        offset += len(chunk)
        if first:
            chunk, cr_only, first = _first_chunk(chunk), b"\r" in chunk and b"\n" not in chunk, False
        if cr_only:
            chunk = chunk.replace(b"\r", b"\n")
        cut = chunk.rfind(b"\n") + 1  # the carry has no newline: the block ends where the chunk's last line does
        if cut:  # the carry and the chunk's lines in one copy
            block = b"".join((carry, memoryview(chunk)[:cut])) if carry else chunk[:cut]
            carry = chunk[cut:]
            yield block
            continue
        carry += chunk
        if len(carry) > MAX_LINE:
            stats.split_lines += 1
            yield carry
            carry = b""
    if carry:
        yield carry


def _first_chunk(chunk: bytes) -> bytes:
    return chunk[3:] if chunk.startswith(b"\xef\xbb\xbf") else chunk


def _read_error(exc: BaseException, compression: str) -> str:
    kind = compression or "input"
    if isinstance(exc, EOFError):
        return f"truncated {kind} data"
    return f"corrupt {kind} data ({exc})" if compression else f"read error ({exc})"
