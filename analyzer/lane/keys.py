"""The lane's time keys: the usual stamp of a successful call's line read from its bytes as the key its
column keeps (wall-clock microseconds since year 1 and a zone), no datetime made."""

from __future__ import annotations

from datetime import datetime, tzinfo

from ..timestamps import _FRACTION_MARKS, _MILLIS, _SECONDS, _ZONE_STARTS, IsoStart
from .columns import time_key


class StampKeys:
    """`IsoStart._usual` on a line's bytes, as a key instead of a datetime: the stamp's wall-clock
    microseconds since year 1 (`successes.time_key`, what Times keeps of a time) and its zone. A time
    equal to the one IsoStart gives is `successes.keyed_time(key, zone)`, made only where a time is
    needed; a healthy day's successful calls need none of their own. None where IsoStart
    decides (it reads the first line of each minute, here too)."""

    def __init__(self, iso: IsoStart) -> None:
        self.iso = iso
        self.minutes: dict[bytes, tuple[int, tzinfo | None]] = {}  # key and zone of a minute's start, by its bytes

    def __call__(self, data: bytes) -> tuple[int, tzinfo | None] | None:
        if data[23:24] != b" " or data[16:17] != b":" or data[19:20] not in _FRACTION_BYTES:
            return None
        if data[24:25] in _ZONE_BYTES:
            return None
        seconds, micro = _SECOND_KEYS.get(data[17:19]), _MILLI_KEYS.get(data[20:23])
        if seconds is None or micro is None:
            return None
        minute = self.minutes.get(data[:16])
        if minute is None:
            minute = self._minute(data)
            if minute is None:
                return None
        return minute[0] + seconds + micro, minute[1]

    def _minute(self, data: bytes) -> tuple[int, tzinfo | None] | None:
        """The minute of a stamp that IsoStart reads as a usual one (after reading it once)."""
        try:
            text = data[:25].decode("ascii")
        except UnicodeDecodeError:
            return None
        if self.iso(text) is None:
            return None
        fields = self.iso.memo.get(text[:16])
        if fields is None:
            return None
        year, month, day, hour, mins, zone = fields
        if len(self.minutes) >= IsoStart.LIMIT:
            self.minutes.clear()
        minute = self.minutes[data[:16]] = (time_key(datetime(year, month, day, hour, mins, tzinfo=zone)), zone)
        return minute


_FRACTION_BYTES = tuple(mark.encode() for mark in _FRACTION_MARKS)
_ZONE_BYTES = tuple(start.encode() for start in _ZONE_STARTS)
_SECOND_KEYS = {text.encode(): n * 1_000_000 for text, n in _SECONDS.items()}  # in microseconds, as keys count
_MILLI_KEYS = {text.encode(): micro for text, micro in _MILLIS.items()}
