"""Inputs: paths, folders, globs and stdin into sources, opened lazily."""

from __future__ import annotations

import io
import os
import stat
from pathlib import Path
from typing import BinaryIO

from ..errors import UsageError
from . import kinds, walk
from .reading import STDIN_NAME, Source


def resolve(paths: tuple[str, ...], stdin: BinaryIO | None) -> list[Source]:
    """Expand paths, folders and globs into sources, each file once (by device and inode); a missing
    input is a UsageError, a folder or file that cannot be read a source that reports it."""
    if not paths:
        if stdin is None:
            raise UsageError("", "no input", "pipe a log in, or name files: logscan app.log")
        return [stdin_source(stdin)]
    sources: list[Source] = []
    seen: set[tuple[int, int]] = set()
    for path in paths:
        sources.extend(_expand(path, stdin, seen))
    return sources


def _expand(path: str, stdin: BinaryIO | None, seen: set[tuple[int, int]]) -> list[Source]:
    if path == "-":
        if stdin is None:
            raise UsageError("-", "stdin is a terminal", "pipe a log in")
        return [stdin_source(stdin)]
    try:
        info = os.stat(path)
    except OSError as exc:
        if walk.is_glob(path):
            return _globbed(path, seen)
        if isinstance(exc, FileNotFoundError | NotADirectoryError):
            raise UsageError(path, "no such file or directory", "check the path") from None
        return [_unreadable(path, exc)]  # a folder on its way we may not enter (EACCES), a symlink loop (ELOOP)
    if stat.S_ISDIR(info.st_mode):
        return _sources(walk.walk(str(Path(path))), seen, in_folder=True)
    return _sources([(path, info)], seen)


def _globbed(pattern: str, seen: set[tuple[int, int]]) -> list[Source]:
    found = walk.glob(pattern)
    if not found:
        raise UsageError(pattern, "no file matches this pattern", "check the glob")
    return _sources(found, seen)


def _sources(found: walk.Found, seen: set[tuple[int, int]], in_folder: bool = False) -> list[Source]:
    """A source for each file not seen yet (a second name of a file, a hard link, is left out) and
    for each folder or file that could not be read; `in_folder`, a file that is no log is a source
    that gives nothing, with the reason (kinds.skip_reason)."""
    sources: list[Source] = []
    for path, info in found:
        if isinstance(info, OSError):
            sources.append(_unreadable(path, info))
            continue
        key = (info.st_dev, info.st_ino)
        if stat.S_ISREG(info.st_mode):
            if key in seen:
                continue
            seen.add(key)
        reason = kinds.skip_reason(path) if in_folder else ""
        sources.append(Source(path, _nothing, skipped=reason) if reason else _file_source(path, info))
    return sources


def _nothing() -> BinaryIO:
    return io.BytesIO(b"")


def stdin_source(stdin: BinaryIO) -> Source:
    """Standard input; when it is a regular file not yet read (`logscan < app.log`), with the path of
    that file, so that it is cut in byte ranges as a named file is instead of read by one process. The
    path is the one Linux's /proc gives for it, when it names that very file; elsewhere there is none."""
    return Source(STDIN_NAME, lambda: stdin, _redirected(stdin), _identity(stdin))


def _identity(stdin: BinaryIO) -> tuple[int, int] | None:
    try:
        opened = os.fstat(stdin.fileno())
    except (OSError, ValueError):  # not a file descriptor (io.UnsupportedOperation is both)
        return None
    return (opened.st_dev, opened.st_ino) if stat.S_ISREG(opened.st_mode) else None


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


def _file_source(path: str, info: os.stat_result) -> Source:
    identity = (info.st_dev, info.st_ino) if stat.S_ISREG(info.st_mode) else None
    return Source(path, lambda: open(path, "rb"), path, identity)


def refuse_output(output: str, inputs: list[Source]) -> None:
    """A UsageError when the report's file is one of the inputs (by device and inode: through a
    symlink or a hard link too), which the report would replace."""
    try:
        info = os.stat(output)
    except OSError:  # none yet, or one we cannot look at: no input either
        return
    for source in inputs:
        if source.identity == (info.st_dev, info.st_ino):
            same = "" if source.name == output else f" ({source.name})"
            raise UsageError("-o", f"{output} is one of the inputs{same}", "write the report to another file")


def _unreadable(name: str, exc: OSError) -> Source:
    """An input that cannot be reached: reading it reports `exc` as its problem (input partly unreadable)."""

    def opener() -> BinaryIO:
        raise exc

    return Source(name, opener)
