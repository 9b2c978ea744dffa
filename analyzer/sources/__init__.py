"""The sources stage: inputs (paths, folders, globs, stdin) into byte blocks of whole lines.

`paths` turns what the command line names into sources (`walk` finds the files of folders and
globs); `reading` gives a source's bytes in blocks, as `decoding` makes them: decompressed (and
bounded), UTF-16 and UTF-32 transcoded to UTF-8. Constants that tests change live in the module that
reads them.
"""

from __future__ import annotations

from .paths import refuse_output, resolve, stdin_source
from .reading import (
    BLOCK_SIZE,
    MAX_CARRY,
    MAX_LINE,
    STDIN_NAME,
    OpenFile,
    Source,
    SourceStats,
    opened,
    plain_head,
    read_before,
    read_blocks,
    read_range,
)

__all__ = [
    "BLOCK_SIZE",
    "MAX_CARRY",
    "MAX_LINE",
    "STDIN_NAME",
    "OpenFile",
    "Source",
    "SourceStats",
    "opened",
    "plain_head",
    "read_before",
    "read_blocks",
    "read_range",
    "refuse_output",
    "resolve",
    "stdin_source",
]
