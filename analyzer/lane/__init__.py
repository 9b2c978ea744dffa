"""The successful-call lane: the one-line records of successful calls (most matched records of a
healthy day) taken from framing past parsing and matching, their times read as keys, kept in columns.

- `shortcut.Lane`: takes what framing found of them, in order, and records them through the matcher
  (imported from its module: it needs matching, which needs the columns).
- `columns`: the successful calls as columns (rule, time, source, line), about 30 bytes a call.
- `keys.StampKeys`: the usual stamp read from a line's bytes as a column's time key.
"""

from .columns import NO_TIME, Names, Successes, Times, bisect_times, keyed_time, time_key
from .keys import StampKeys

__all__ = [
    "NO_TIME",
    "Names",
    "StampKeys",
    "Successes",
    "Times",
    "bisect_times",
    "keyed_time",
    "time_key",
]
