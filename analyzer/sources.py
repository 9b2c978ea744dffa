"""Reading: paths, globs, folders and stdin into byte blocks that end at line boundaries.

Compression is detected by content (gzip, bzip2, xz; zstd when `zstandard` imports). A damaged
or unreadable input is reported as a problem of its source; the readable part is still used.
"""

from __future__ import annotations

import bz2
import glob
import gzip
import io
import lzma
import os
import stat
import sys
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, cast

from .errors import UsageError

BLOCK_SIZE = 1 << 22  # 4 MiB read at a time
MAX_LINE = 1 << 25  # 32 MiB: a longer line is split (and counted) so memory stays bounded
# Lines with no record boundary: framing frames what it has (counted as a split) past this, which is
# more than the longest line read whole, so one giant line is never split there.
MAX_CARRY = MAX_LINE + BLOCK_SIZE
STDIN_NAME = "<stdin>"

_MAGIC = {
    b"\x1f\x8b": "gzip",
    b"BZh": "bzip2",
    b"\xfd7zXZ\x00": "xz",
    b"\x28\xb5\x2f\xfd": "zstd",
}
_GLOB_CHARS = set("*?[")


@dataclass
class SourceStats:
    """What was read from one input: the accumulator the report's `sources` come from."""

    name: str
    compression: str = ""
    lines: int = 0
    records: int = 0
    framed: int = 0  # records framed and parsed; the others held no keyword and could match no rule
    undecodable: int = 0
    bad_times: int = 0  # records whose timestamp names no usable time (hour 25, offset +24:00, year 9999)
    split_lines: int = 0
    formats: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    splits: list[int] = field(default_factory=list)  # lines where framing cut a record with no boundary

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


def resolve(paths: tuple[str, ...], stdin: BinaryIO | None) -> list[Source]:
    """Expand paths, folders and globs into sources; a missing input is a UsageError."""
    if not paths:
        if stdin is None:
            raise UsageError("", "no input", "pipe a log in, or name files: logscan app.log")
        return [stdin_source(stdin)]
    sources: list[Source] = []
    for path in paths:
        sources.extend(_expand(path, stdin))
    return sources


def _expand(path: str, stdin: BinaryIO | None) -> list[Source]:
    if path == "-":
        if stdin is None:
            raise UsageError("-", "stdin is a terminal", "pipe a log in")
        return [stdin_source(stdin)]
    p = Path(path)
    if p.is_dir():
        return [_file_source(str(f)) for f in sorted(p.rglob("*")) if f.is_file()]
    if p.exists():
        return [_file_source(path)]
    if _GLOB_CHARS & set(path):
        matches = sorted(m for m in glob.glob(path, recursive=True) if os.path.isfile(m))
        if matches:
            return [_file_source(m) for m in matches]
        raise UsageError(path, "no file matches this pattern", "check the glob")
    raise UsageError(path, "no such file or directory", "check the path")


def stdin_source(stdin: BinaryIO) -> Source:
    """Standard input; when it is a regular file not yet read (`logscan < app.log`), with the path of
    that file, so that it is cut in byte ranges as a named file is instead of read by one process. The
    path is the one Linux's /proc gives for it, when it names that very file; elsewhere there is none."""
    return Source(STDIN_NAME, lambda: stdin, _redirected(stdin))


def _redirected(stdin: BinaryIO) -> str:
    try:
        fd = stdin.fileno()
        opened = os.fstat(fd)
        if not stat.S_ISREG(opened.st_mode) or os.lseek(fd, 0, os.SEEK_CUR) != 0:
            return ""
        path = os.readlink(f"/proc/self/fd/{fd}")
        named = os.stat(path)
    except (OSError, ValueError):  # not a file descriptor (io.UnsupportedOperation is both), no /proc
        return ""
    return path if (named.st_dev, named.st_ino) == (opened.st_dev, opened.st_ino) else ""


def _file_source(path: str) -> Source:
    return Source(path, lambda: open(path, "rb"), path)


def plain_head(source: Source) -> bytes:
    """The first block of an uncompressed file with newlines, else b"" (not to be cut in ranges)."""
    if not source.path:
        return b""
    try:
        with open(source.path, "rb") as f:
            head = f.read(BLOCK_SIZE)
    except OSError:
        return b""
    if any(head.startswith(magic) for magic in _MAGIC) or b"\n" not in head:
        return b""
    return head


def read_range(path: str, start: int, end: int, stats: SourceStats) -> Iterator[bytes]:
    """Blocks of whole lines of bytes [start, end) of an uncompressed file that `plain_head` accepted."""
    try:
        raw = open(path, "rb")  # noqa: SIM115 - closed by the with below, once it opened
    except OSError as exc:
        stats.problems.append(f"{path}: cannot read: {exc.strerror or exc}")
        return
    with raw:
        raw.seek(start)
        yield from _line_blocks(cast(BinaryIO, _Range(raw, end - start)), path, stats, first=start == 0)


def read_blocks(source: Source, stats: SourceStats) -> Iterator[bytes]:
    """Yield the source's bytes in blocks of whole lines; problems go to `stats.problems`."""
    try:
        raw = source.opener()
    except OSError as exc:
        stats.problems.append(f"{source.name}: cannot read: {exc.strerror or exc}")
        return
    try:
        try:
            stream, stats.compression = _decompressed(raw, source.name)
        except OSError as exc:
            stats.problems.append(f"{source.name}: {exc}")
            return
        yield from _line_blocks(stream, source.name, stats)
    finally:
        if source.name != STDIN_NAME:
            raw.close()


def _decompressed(raw: BinaryIO, name: str) -> tuple[BinaryIO, str]:
    head = raw.read(6)
    stream: BinaryIO = io.BufferedReader(_Prefixed(head, raw), BLOCK_SIZE)  # type: ignore[arg-type,type-var]
    kind = next((k for magic, k in _MAGIC.items() if head.startswith(magic)), "")
    if kind == "gzip":
        return gzip.GzipFile(fileobj=stream), kind  # type: ignore[return-value]
    if kind == "bzip2":
        return bz2.BZ2File(stream), kind  # type: ignore[return-value]
    if kind == "xz":
        return lzma.LZMAFile(stream), kind  # type: ignore[return-value]
    if kind == "zstd":
        return _zstd_reader(stream, name), kind
    return stream, kind


def _zstd_reader(stream: BinaryIO, name: str) -> BinaryIO:
    try:
        import zstandard
    except ImportError as exc:
        raise OSError("zstd input needs the zstandard package (pip install 'logscan[zstd]')") from exc
    return zstandard.ZstdDecompressor().stream_reader(stream, read_across_frames=True)  # type: ignore[return-value]


class _Prefixed(io.RawIOBase):
    """A raw stream that first returns bytes already read from it (the magic number)."""

    def __init__(self, head: bytes, rest: BinaryIO) -> None:
        self._head, self._rest = head, rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray) -> int:  # type: ignore[override]
        if self._head:
            n = min(len(buffer), len(self._head))
            buffer[:n], self._head = self._head[:n], self._head[n:]
            return n
        readinto = getattr(self._rest, "readinto", None)
        if readinto is not None:  # a file, a pipe: straight into the buffer (a copy of each 4 MiB block saved)
            return readinto(buffer)  # type: ignore[no-any-return]
        data = self._rest.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


_READ_ERRORS = (EOFError, OSError, lzma.LZMAError, zlib.error, ValueError)


def _read_errors() -> tuple[type[BaseException], ...]:
    """What a read of a damaged input raises: zstandard's own error too, once it is imported."""
    zstd = sys.modules.get("zstandard")
    return (*_READ_ERRORS, zstd.ZstdError) if zstd is not None else _READ_ERRORS


class _Range(io.RawIOBase):
    """At most `left` bytes of a stream."""

    def __init__(self, stream: BinaryIO, left: int) -> None:
        self._stream, self._left = stream, left

    def read(self, size: int = -1) -> bytes:  # type: ignore[override]
        data = self._stream.read(min(size, self._left) if size >= 0 else self._left)
        self._left -= len(data)
        return data


def _line_blocks(stream: BinaryIO, name: str, stats: SourceStats, first: bool = True) -> Iterator[bytes]:
    carry, cr_only, offset = b"", False, 0
    # A decompressor's read() drops what it decoded when it then hits a truncation; read1() returns it first.
    read = stream.read1 if stats.compression else stream.read  # type: ignore[attr-defined]
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
