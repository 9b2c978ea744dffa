"""What a source's bytes are: compressed (gzip, bzip2, xz, zstd, by content) and in which text encoding.

UTF-16 and UTF-32 text (with or without a byte order mark, little or big endian, as Windows tools
write it) is found in the first block read and transcoded to UTF-8 as it is read, so every stage
after this one sees UTF-8: line ends stay where they were, and so do line numbers. A sequence
that does not decode becomes one byte that is no UTF-8 (0xFF), so that its line is counted as
undecodable, as invalid UTF-8 is.
"""

from __future__ import annotations

import bz2
import codecs
import gzip
import io
import lzma
import os
import stat
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, BinaryIO

if TYPE_CHECKING:
    from .reading import SourceStats

MAGIC = {
    b"\x1f\x8b": "gzip",
    b"BZh": "bzip2",
    b"\xfd7zXZ\x00": "xz",
    b"\x28\xb5\x2f\xfd": "zstd",
}
UTF8 = "utf-8"
# Byte order marks: the encoding's name in the summary, and the codec that reads (and drops) the mark.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le", "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32-be", "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "utf-16"),
)
# A compressed source stops once its output passes both of these: real logs compress 7 to 25 times with
# gzip (which cannot pass 1,032), up to about 600 times with xz when only a timestamp changes from line to
# line; 1 GiB of newlines is 785 bytes of bzip2 (1.4 million times).
EXPANSION_RATIO = 1000
EXPANSION_FLOOR = 64 << 20  # 64 MiB: what a small file may give whatever its ratio
SAMPLE = 4096  # bytes of the first block that tell UTF-16 and UTF-32 without a mark by where their zeros are
_UNDECODABLE = "logscan.undecodable"


def decompressed(raw: BinaryIO, buffer_size: int, stats: SourceStats) -> tuple[Callable[[int], bytes], str]:
    """A read function of the stream's bytes, decompressed when its first bytes say how (and then
    bounded: `_Capped`); and the compression's name ("" for none)."""
    head = raw.read(6)
    prefixed = _Prefixed(head, raw)
    stream: BinaryIO = io.BufferedReader(prefixed, buffer_size)  # type: ignore[arg-type,type-var]
    kind = next((k for magic, k in MAGIC.items() if head.startswith(magic)), "")
    if not kind:
        return stream.read, kind
    # A decompressor's read() drops what it decoded when it then hits a truncation; read1() returns it first.
    read1 = _decompressor(kind, stream).read1  # type: ignore[attr-defined]
    return _Capped(read1, prefixed, _size(raw), kind, stats).read, kind


def _decompressor(kind: str, stream: BinaryIO) -> BinaryIO:
    if kind == "gzip":
        return gzip.GzipFile(fileobj=stream)  # type: ignore[return-value]
    if kind == "bzip2":
        return bz2.BZ2File(stream)  # type: ignore[return-value]
    if kind == "xz":
        return lzma.LZMAFile(stream)  # type: ignore[return-value]
    return _zstd_reader(stream)


def _size(raw: BinaryIO) -> int:
    """The size of a regular file, else 0 (a pipe, bytes in memory)."""
    try:
        info = os.fstat(raw.fileno())
    except (AttributeError, OSError, ValueError):  # no descriptor (io.UnsupportedOperation is both), no fileno
        return 0
    return info.st_size if stat.S_ISREG(info.st_mode) else 0


class _Capped:
    """A decompressor's output, stopped (as an input problem) once it passes EXPANSION_FLOOR bytes and
    EXPANSION_RATIO times the compressed bytes (the file's size, or as much as was read of a stream):
    a decompression bomb (1 GiB of newlines is 785 bytes of bzip2) is not read to its end."""

    def __init__(
        self, read: Callable[[int], bytes], source: _Prefixed, size: int, kind: str, stats: SourceStats
    ) -> None:
        self._read, self._source, self._size, self._kind, self._stats = read, source, size, kind, stats
        self._out = 0
        self._stopped = False

    def read(self, size: int) -> bytes:
        if self._stopped:
            return b""
        data = self._read(size)
        limit = max(EXPANSION_FLOOR, EXPANSION_RATIO * max(self._size, self._source.consumed))
        if self._out + len(data) > limit:
            self._stopped = True
            self._stats.problems.append(
                f"{self._stats.name}: {self._kind} data that expands over {EXPANSION_RATIO:,} times its size "
                f"(a decompression bomb?): stopped after {limit:,} bytes"
            )
            data = data[: limit - self._out]
        self._out += len(data)
        return data


def _zstd_reader(stream: BinaryIO) -> BinaryIO:
    try:
        import zstandard
    except ImportError as exc:
        raise OSError("zstd input needs the zstandard package (pip install 'logscan[zstd]')") from exc
    return zstandard.ZstdDecompressor().stream_reader(stream, read_across_frames=True)  # type: ignore[return-value]


class _Prefixed(io.RawIOBase):
    """A raw stream that first returns bytes already read from it (the magic number)."""

    def __init__(self, head: bytes, rest: BinaryIO) -> None:
        self._head, self._rest = head, rest
        self.consumed = len(head)  # bytes read from the stream so far

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray) -> int:  # type: ignore[override]
        if self._head:
            n = min(len(buffer), len(self._head))
            buffer[:n], self._head = self._head[:n], self._head[n:]
            return n
        readinto = getattr(self._rest, "readinto", None)
        if readinto is not None:  # a file, a pipe: straight into the buffer (a copy of each 4 MiB block saved)
            n = readinto(buffer)
        else:
            data = self._rest.read(len(buffer))
            buffer[: len(data)] = data
            n = len(data)
        self.consumed += n or 0
        return n  # type: ignore[no-any-return]


def encoding(head: bytes) -> tuple[str, str]:
    """The UTF-16 or UTF-32 encoding of text that starts with `head`: its name, and the codec that reads
    it; ("", "") for anything else (UTF-8, ASCII, binary junk), which is read as it is."""
    for bom, name, codec in _BOMS:
        if head.startswith(bom):
            return name, codec
    return _by_zeros(head[:SAMPLE])


def _by_zeros(sample: bytes) -> tuple[str, str]:
    """Text without a mark, told by its zero bytes: mostly Latin text in UTF-16 has a zero in every
    other byte, in UTF-32 three of every four; UTF-8 text has none."""
    units = len(sample) // 4
    if units < 4:
        return "", ""
    zeros = [sample[i : units * 4 : 4].count(0) for i in range(4)]
    many, few = 0.9 * units, 0.1 * units
    if zeros[2] >= many and zeros[3] >= many and zeros[0] <= few:
        return "utf-32-le", "utf-32-le"
    if zeros[0] >= many and zeros[1] >= many and zeros[3] <= few:
        return "utf-32-be", "utf-32-be"
    odd, even = zeros[1] + zeros[3], zeros[0] + zeros[2]
    if odd >= 1.2 * units and even <= 0.2 * units:  # 60% of the 16-bit units Latin, 10% at most zero
        return "utf-16-le", "utf-16-le"
    if even >= 1.2 * units and odd <= 0.2 * units:
        return "utf-16-be", "utf-16-be"
    return "", ""


class Utf8Reader:
    """A read function's bytes as UTF-8: when its first SAMPLE bytes are UTF-16 or UTF-32 text, all of
    it is transcoded as it is read (and `stats.encoding` says which it was); else it passes as it is."""

    def __init__(self, read: Callable[[int], bytes], stats: SourceStats) -> None:
        self._read, self._stats = read, stats
        self._decoder: codecs.IncrementalDecoder | None = None
        self._first = True
        self._held: deque[bytes] = deque()  # the first bytes, read to tell the encoding, not yet given
        self._failed: BaseException | None = None  # what reading the first bytes raised, raised on the next read

    def read(self, size: int) -> bytes:
        if self._first:
            self._first = False
            self._start(size)
        if self._held:
            return self._held.popleft()
        if self._failed is not None:
            failed, self._failed = self._failed, None
            raise failed
        data = self._read(size)
        return data if self._decoder is None else self._transcoded(data, size)

    def _start(self, size: int) -> None:
        """Read SAMPLE bytes at least (or all there are) and tell their encoding; hold what was read,
        as it was read when it is not transcoded."""
        total = 0
        try:
            while total < SAMPLE and (data := self._read(size)):
                self._held.append(data)
                total += len(data)
        except Exception as exc:  # a damaged input: the bytes before it first, then the error (not lost)
            if not self._held:
                raise
            self._failed = exc
        head = b"".join(self._held)
        name, codec = encoding(head)
        if name:
            codecs.register_error(_UNDECODABLE, _undecodable)
            self._decoder = codecs.getincrementaldecoder(codec)(_UNDECODABLE)
            self._stats.encoding = name
            self._held = deque([self._transcoded(head, size)])

    def _transcoded(self, data: bytes, size: int) -> bytes:
        """The UTF-8 of `data` and of what follows it, up to the first read that gives any (a block of
        a lone half of a character gives none); b"" at the end, once the decoder is flushed."""
        assert self._decoder is not None
        while True:
            text = self._decoder.decode(data, final=not data)
            if text or not data:
                return text.encode(UTF8, "surrogateescape")  # the marks of undecodable sequences: 0xFF
            data = self._read(size)


def _undecodable(error: UnicodeError) -> tuple[str, int]:
    """A sequence that does not decode: one lone surrogate, which surrogateescape writes as 0xFF."""
    assert isinstance(error, UnicodeDecodeError)
    return "\udcff", error.end
