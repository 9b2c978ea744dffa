"""Rule patterns compiled when they are first searched, once a run has seen that they compile.

Compiling a rule file's patterns with the `regex` module is most of what loading the rules costs (about
300 patterns, 0.05 s of a run's start), and on an ordinary log most of them are never searched: the
prefilter only sends a record to the rules one of whose keywords it holds. So a pattern this `regex`
compiled before (its source is in the file of known flags in the cache folder, cache.cache_dir) loads as
a `Deferred`: its source and flags are known, which is all the Hyperscan prefilter reads; it compiles
when it is first searched. A pattern not known is compiled at once, so that a broken one is still
reported with its file and line as the rules load, and its flags are written to the file for the next
run. The file is named for the `regex` version (another version may read a pattern otherwise), holds
KNOWN_MAX patterns at most, and a file that cannot be read or written is only not used.
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path
from typing import Any, cast

import regex

from ..cache import cache_dir

KNOWN_MAX = 20_000  # patterns whose flags the file keeps; past that it starts over


class Deferred:
    """A pattern that compiled before: its source and flags now, compiled by `regex` when first used.
    Used as a `regex.Pattern` (its methods are the compiled pattern's, bound to the instance on first
    use, so a search costs what a compiled pattern's does)."""

    def __init__(self, pattern: str, flags: int) -> None:
        self.pattern = pattern
        self.flags = flags

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or name == "_compiled":  # what copy and pickle look for: not ours
            raise AttributeError(name)
        compiled = self.__dict__.get("_compiled")
        if compiled is None:
            compiled = self._compiled = regex.compile(self.pattern)
            for method in ("search", "match", "fullmatch", "finditer", "findall", "sub", "split"):
                setattr(self, method, getattr(compiled, method))
        return getattr(compiled, name)

    def __reduce__(self) -> tuple[type[Deferred], tuple[str, int]]:
        return Deferred, (self.pattern, self.flags)

    def __repr__(self) -> str:
        return f"Deferred({self.pattern!r})"


class Known:
    """The flags of the patterns this `regex` version compiled in runs before (the cache's file)."""

    def __init__(self, folder: Path | None) -> None:
        self.path = folder / f"patterns-{regex.__version__}.json" if folder else None
        self.flags: dict[str, int] = {}
        self.learned = False
        if self.path is not None:
            with contextlib.suppress(OSError, ValueError):
                loaded = json.loads(self.path.read_text(encoding="utf-8"))
                if isinstance(loaded, dict):
                    self.flags = {k: v for k, v in loaded.items() if isinstance(k, str) and isinstance(v, int)}

    def compile(self, source: str) -> regex.Pattern[str]:
        """The pattern, deferred when it compiled before; else compiled now (regex.error if it does not)."""
        flags = self.flags.get(source)
        if flags is not None:
            return cast("regex.Pattern[str]", Deferred(source, flags))
        compiled = regex.compile(source)
        if len(self.flags) >= KNOWN_MAX:
            self.flags = {}
        self.flags[source] = compiled.flags
        self.learned = True
        return compiled

    def save(self) -> None:
        """Write the flags learned in this run, whole or not at all."""
        if not self.learned or self.path is None:
            return
        self.learned = False
        with contextlib.suppress(OSError):
            self.path.parent.mkdir(parents=True, exist_ok=True)
            partial = self.path.with_suffix(f".{os.getpid()}.tmp")
            partial.write_text(json.dumps(self.flags), encoding="utf-8")
            partial.replace(self.path)


_KNOWN: dict[Path | None, Known] = {}


def known() -> Known:
    """The `Known` of the cache folder now in use, read when first asked for."""
    folder = cache_dir()
    found = _KNOWN.get(folder)
    if found is None:
        found = _KNOWN[folder] = Known(folder)
    return found
