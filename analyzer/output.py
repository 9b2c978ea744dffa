"""Where the report goes: stdout, or a file that is replaced whole, never truncated in place.

A report file is written beside its target and renamed over it once complete (and on disk), so a
full disk, a failing write or a crash halfway leaves the last report as it was. Replacing keeps a
symlink (the file it points to is replaced) and the old file's mode. A target that is no regular
file (/dev/stdout, a named pipe) is written as it is.
"""

from __future__ import annotations

import errno
import os
import stat
import sys
from collections.abc import Iterable

from .errors import OutputError, UsageError

STDOUT = "-"


def check_target(target: str) -> None:
    """Before the scan: a UsageError when the report could not be written to `target` (no such
    folder, a folder, a folder that takes no new file), rather than after a long scan."""
    info = _stat(target)
    if info is not None and stat.S_ISDIR(info.st_mode):
        raise UsageError(target, "cannot write the report: it is a folder", "name a file")
    if info is not None and not stat.S_ISREG(info.st_mode):
        return  # /dev/stdout, a named pipe: written as it is
    folder = os.path.dirname(os.path.realpath(target))
    if not os.path.isdir(folder):
        raise UsageError(target, "cannot write the report: no such folder", "name a file in a folder that exists")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise UsageError(
            target,
            "cannot write the report: its folder takes no new file (a report is written beside the last one, "
            "then renamed over it)",
            "name a file in a folder you can write",
        )


def _stat(target: str) -> os.stat_result | None:
    """The target's file (through symlinks), None when there is none yet."""
    try:
        return os.stat(target)
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as exc:
        raise UsageError(target, f"cannot write the report: {exc.strerror or exc}", "name another file") from exc


def write_stdout(chunks: Iterable[str]) -> None:
    """The report on stdout, as it is rendered; a stdout that fails (a full disk behind it, closed)
    is one OutputError. A reader that stopped early (BrokenPipeError) is the caller's to handle."""
    try:
        if sys.stdout is None:  # started with stdout closed (`logscan >&-`)
            raise OSError(errno.EBADF, "stdout is closed")
        sys.stdout.writelines(chunks)
        sys.stdout.flush()
    except BrokenPipeError:
        raise
    except OSError as exc:
        quiet_stdout()
        raise OutputError(
            "<stdout>", f"cannot write the report: {exc.strerror or exc}", "write it to a file with -o"
        ) from exc


def quiet_stdout() -> None:
    """Nothing more on stdout (a reader that went away, a stdout that failed), and nothing for Python
    to complain about when it flushes what is left at exit."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.close(devnull)


def write_file(target: str, chunks: Iterable[str]) -> None:
    """The report written as it is rendered into a file beside `target` (beside the file a symlink
    names), flushed to disk, then renamed over it with the old file's mode. A target that is no
    regular file (/dev/stdout, a named pipe) is written as it is."""
    try:
        old: os.stat_result | None = os.stat(target)
    except (FileNotFoundError, NotADirectoryError):
        old = None
    except OSError as exc:
        raise _failed(target, exc) from exc
    if old is not None and not stat.S_ISREG(old.st_mode):
        _write_through(target, chunks)
        return
    final = os.path.realpath(target)
    partial = os.path.join(os.path.dirname(final), f".{os.path.basename(final)}.{os.getpid()}.partial")
    try:
        _write_new(partial, chunks)
        if old is not None:
            os.chmod(partial, stat.S_IMODE(old.st_mode))
        os.replace(partial, final)
    except OSError as exc:
        raise _failed(target, exc) from exc
    finally:
        if os.path.lexists(partial):
            os.unlink(partial)


def _write_new(path: str, chunks: Iterable[str]) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)  # the mode the umask leaves, as open() gives
    with open(fd, "w", encoding="utf-8") as out:
        out.writelines(chunks)
        out.flush()
        os.fsync(out.fileno())  # a full disk shows here at the latest, before the old report is replaced


def _write_through(target: str, chunks: Iterable[str]) -> None:
    try:
        with open(target, "w", encoding="utf-8") as out:
            out.writelines(chunks)
    except BrokenPipeError:
        raise  # a named pipe's reader that stopped early
    except OSError as exc:
        raise _failed(target, exc) from exc


def _failed(target: str, exc: OSError) -> OutputError:
    return OutputError(
        target,
        f"cannot write the report: {exc.strerror or exc}",
        "the last report there is left as it was; free some space or name another file",
    )
