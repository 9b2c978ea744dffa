"""Finding the files under a folder or matching a glob: symlinks to folders are followed, each folder
is entered once (a symlink loop is cut where it closes), and what cannot be read is kept, not skipped.

Both give `(path, stat_result)` for each regular file and `(path, OSError)` for each folder that
could not be listed or entry that could not be looked at; a dangling symlink or a symlink loop on a
name is no file and nothing to report. Walks use explicit stacks, so a deep tree costs no recursion.
"""

from __future__ import annotations

import errno
import fnmatch
import os
import stat
from collections.abc import Iterator

Found = list[tuple[str, os.stat_result | OSError]]
_NO_FILE = (errno.ENOENT, errno.ENOTDIR, errno.ELOOP)  # a dangling symlink, a loop of symlinks on a name
_MAGIC = set("*?[")


def walk(root: str) -> Found:
    """Every regular file under `root`, depth first in name order (the order of their sorted paths)."""
    found: Found = []
    root_info = _stat(root, found)
    if root_info is None:
        return found
    entered = {_key(root_info)}
    stack = [_listing(root, found)]
    while stack:
        entry = next(stack[-1], None)
        if entry is None:
            stack.pop()
            continue
        info = _stat(entry.path, found)
        if info is None:
            continue
        if stat.S_ISDIR(info.st_mode):
            if _key(info) not in entered:  # a folder reached again, by a loop or a second link, is not
                entered.add(_key(info))
                stack.append(_listing(entry.path, found))
        elif stat.S_ISREG(info.st_mode):
            found.append((entry.path, info))
    return found


def is_glob(text: str) -> bool:
    return bool(_MAGIC & set(text))


def glob(pattern: str) -> Found:
    """The files that match `pattern` as `glob.glob(pattern, recursive=True)` matches them (`**` is
    any number of folders; a name that starts with a dot only matches a part that does), sorted by
    path. A folder is searched at most once for each part of the pattern, so loops end."""
    parts = pattern.split(os.sep)
    fixed = next(i for i, part in enumerate(parts) if is_glob(part))
    base = os.sep.join(parts[:fixed]) or (os.sep if fixed == 1 else "")
    found: Found = []
    searched: set[tuple[int, int, int]] = set()
    todo = [(base, fixed)]
    while todo:
        folder, index = todo.pop()
        info = _stat(folder or os.curdir, found)
        if info is None or not stat.S_ISDIR(info.st_mode) or (*_key(info), index) in searched:
            continue
        searched.add((*_key(info), index))
        todo.extend(_step(folder, parts, index, found))
    return sorted(dict(found).items(), key=lambda item: item[0])  # a folder that failed for two parts: once


def _step(folder: str, parts: list[str], index: int, found: Found) -> Iterator[tuple[str, int]]:
    """Match part `index` of the pattern in `folder`: add the files it ends at to `found`, and give
    the folders (with the part to match there next) it leads to."""
    part, last = parts[index], index == len(parts) - 1
    if part == "**" and not last:
        yield folder, index + 1  # no folder at all
    if not is_glob(part):
        yield from _literal(os.path.join(folder, part), index, last, found)
        return
    for entry in _listing(folder or os.curdir, found):
        if _named(entry.name, part):
            yield from _entry(os.path.join(folder, entry.name), part, index, last, found)


def _named(name: str, part: str) -> bool:
    """Whether a folder's entry is one the pattern's part names (hidden ones only by a part that starts with a dot)."""
    if name.startswith(".") and not part.startswith("."):
        return False
    return part == "**" or fnmatch.fnmatchcase(name, part)


def _entry(path: str, part: str, index: int, last: bool, found: Found) -> Iterator[tuple[str, int]]:
    """A folder to go on in (with the part to match there next), or a file the pattern ends at."""
    info = _stat(path, found)
    if info is not None and stat.S_ISDIR(info.st_mode):
        if part == "**" or not last:
            yield path, index if part == "**" else index + 1
    elif info is not None and stat.S_ISREG(info.st_mode) and last:
        found.append((path, info))


def _literal(path: str, index: int, last: bool, found: Found) -> Iterator[tuple[str, int]]:
    if not last:
        yield path, index + 1
        return
    info = _stat(path, found)
    if info is not None and stat.S_ISREG(info.st_mode):
        found.append((path, info))


def _listing(folder: str, found: Found) -> Iterator[os.DirEntry[str]]:
    try:
        with os.scandir(folder) as entries:
            return iter(sorted(entries, key=lambda e: e.name))
    except OSError as exc:
        found.append((folder, exc))
        return iter(())


def _stat(path: str, found: Found) -> os.stat_result | None:
    try:
        return os.stat(path)
    except OSError as exc:
        if exc.errno not in _NO_FILE:
            found.append((path, exc))
        return None


def _key(info: os.stat_result) -> tuple[int, int]:
    return info.st_dev, info.st_ino
