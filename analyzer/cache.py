"""The cache of compiled Hyperscan databases: where it is, and how much it may hold.

Compiling the prefilter's databases takes about 0.25 s a run; `prefilter.compiled` keeps them in
this folder, one file a database. The folder is bounded: the databases used longest ago are pruned
(each use touches its file), so rule sets that come and go do not fill a disk.
"""

from __future__ import annotations

import contextlib
import os
import time
from pathlib import Path


def cache_dir() -> Path | None:
    """Where compiled Hyperscan databases are kept: $LOGSCAN_CACHE_DIR (empty: nowhere), else
    $XDG_CACHE_HOME/logscan, else ~/.cache/logscan."""
    if "LOGSCAN_CACHE_DIR" in os.environ:
        return Path(os.environ["LOGSCAN_CACHE_DIR"]) if os.environ["LOGSCAN_CACHE_DIR"] else None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "logscan"


CACHE_MAX_BYTES = 32 << 20  # the shipped rules' databases take about 1 MB
CACHE_MAX_FILES = 64
STALE_PARTIAL = 3600  # seconds after which a partial database is one a run that died left


def touch(path: Path) -> None:
    """A database used now: the last to be pruned. A cache we may only read stays as it is."""
    with contextlib.suppress(OSError):
        os.utime(path)


def prune(folder: Path) -> None:
    """Keep the cache within CACHE_MAX_BYTES and CACHE_MAX_FILES: the databases used longest ago go
    first (each use touches its file), the one used last stays; so do partial files older than
    STALE_PARTIAL. A file another run removed or uses meanwhile is only not pruned."""
    found = _cached(folder)
    databases = sorted((f for f in found if f[0].endswith(".db")), key=lambda f: f[1].st_mtime, reverse=True)
    doomed = [name for name, info in found if name.endswith(".tmp") and time.time() - info.st_mtime > STALE_PARTIAL]
    total = 0
    for count, (name, info) in enumerate(databases):
        total += info.st_size
        if count and (count >= CACHE_MAX_FILES or total > CACHE_MAX_BYTES):
            doomed.append(name)
    for name in doomed:
        with contextlib.suppress(OSError):
            (folder / name).unlink()


def _cached(folder: Path) -> list[tuple[str, os.stat_result]]:
    found = []
    try:
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.name.startswith("hs-"):
                    with contextlib.suppress(OSError):
                        found.append((entry.name, entry.stat()))
    except OSError:
        pass
    return found
