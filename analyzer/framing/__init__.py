"""Framing: byte blocks into records (a line with its traceback, an unwrapped CRI or Docker line).

Two paths give the same records. The full path frames every line. The fast path asks a prefilter
for the few lines that can matter (a rule keyword, or anything that could continue a record) and
frames only the regions of complete records around them; every other line is, by construction of
the triggers, a one-line record and is only counted.
"""

from .blocks import Calls, Counts, Prefilter, frame_blocks, last_boundary
from .grammar import INDENTED, MARKERS, STAMP_ENDS, STAMP_NEEDLES, TRIGGER_NEEDLES, TRIGGER_PARTS, TRIGGERS
from .lines import (
    BLANK_LINE,
    BLANK_RUN,
    BLANK_RUN_START,
    blank_run_end,
    blank_runs,
    count_undecodable,
    frame_lines,
    kind,
    split_lines,
    unwrap,
    wrapped,
)

__all__ = [
    "BLANK_LINE",
    "BLANK_RUN",
    "BLANK_RUN_START",
    "INDENTED",
    "MARKERS",
    "STAMP_ENDS",
    "STAMP_NEEDLES",
    "TRIGGERS",
    "TRIGGER_NEEDLES",
    "TRIGGER_PARTS",
    "Calls",
    "Counts",
    "Prefilter",
    "blank_run_end",
    "blank_runs",
    "count_undecodable",
    "frame_blocks",
    "frame_lines",
    "kind",
    "last_boundary",
    "split_lines",
    "unwrap",
    "wrapped",
]
