"""Timestamps: fast paths for the common layouts, python-dateutil as the fallback.

Every parser returns an aware datetime: a stamp without a zone takes the zone it is given, and a
stamp without a year takes the latest year that does not put it in the future of `now`. A stamp
that is there but names no time a report can hold (hour 25, an offset of 24 h, year 9999 at a
zone's edge) is UNUSABLE; `usable` is the one test of every time that enters an analysis. A leap
second (`23:59:60`) is the last microsecond of the second before it.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from functools import cache

MONTHS = {
    m: i for i, m in enumerate(["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"], 1)
}
_FRACTION_DIGITS = 6

# The instants a report holds: every conversion made of them (to any zone, a rule's window on either
# side, a minute bucket) stays far inside datetime's years 1 to 9999.
EARLIEST = datetime(1000, 1, 1, tzinfo=UTC)
LATEST = datetime(9000, 1, 1, tzinfo=UTC)
UNUSABLE = datetime(1, 1, 1, tzinfo=UTC)  # a stamp found, but no usable time: `usable` says no to it


def usable(when: datetime) -> bool:
    """Whether a time can be converted, shifted and compared as an analysis needs: an offset under
    24 hours and an instant from EARLIEST to LATEST."""
    try:
        return EARLIEST <= when < LATEST
    except (ValueError, OverflowError, TypeError):  # an offset of 24 h or more; no offset at all
        return False


@dataclass(frozen=True, slots=True)
class Clock:
    """What timestamps are read against: the zone of naive stamps, `now` for missing years, and the day
    of stamps that have a time of day but no date (--date; None: the day of `now`)."""

    tz: tzinfo
    now: datetime
    day: date | None = None


def _zone(text: str | None, clock: Clock) -> tzinfo:
    if not text:
        return clock.tz
    if text == "Z":
        return UTC
    zone = _OFFSETS.get(text)
    if zone is None:
        zone = fixed_offset(text)
        if len(_OFFSETS) < 1024:
            _OFFSETS[text] = zone
    return zone


_OFFSETS: dict[str, timezone] = {}  # the zones of offsets read, by their text (a log has one or two)


def fixed_offset(text: str) -> timezone:
    """The zone of an offset such as `+09:00`, `-0530` or `+09`; ValueError for one that is none
    (`+24:00`, `+23:60`, `+99:99`: a zone is less than 24 hours from UTC, an hour has 60 minutes)."""
    digits = text[1:].replace(":", "")
    if text[:1] not in ("+", "-") or not digits.isdigit() or len(digits) not in (2, 4):
        raise ValueError(f"not an offset: {text!r}")
    hours, minutes = int(digits[:2]), int(digits[2:] or 0)
    if hours > 23 or minutes > 59:
        raise ValueError(f"not an offset: {text!r}")
    return timezone((-1 if text[0] == "-" else 1) * timedelta(hours=hours, minutes=minutes))


def _micro(fraction: str | None) -> int:
    micro = _MICROS.get(fraction)
    if micro is None:
        micro = int((fraction or "0")[:_FRACTION_DIGITS].ljust(_FRACTION_DIGITS, "0"))
        if fraction is None or len(fraction) <= 3:  # milliseconds: 1,111 texts at most
            _MICROS[fraction] = micro
    return micro


_MICROS: dict[str | None, int] = {}  # microseconds of a fraction's digits, by the digits


def _guess_year(month: int, day: int, clock: Clock) -> int:
    tomorrow = clock.now + timedelta(days=1)  # a day of slack, also across a month or year end
    return tomorrow.year - 1 if (month, day) > (tomorrow.month, tomorrow.day) else tomorrow.year


def _make(
    clock: Clock,
    year: int | None,
    month: int,
    day: int,
    hms: tuple[int, int, int],
    micro: int = 0,
    zone: str | None = None,
) -> datetime:
    """The time of a stamp's fields; UNUSABLE for an impossible one (hour 25, offset 24:00, out of range)."""
    hour, minute, second = hms
    if second == 60:  # a leap second: the last instant of the second before
        second, micro = 59, 999_999
    try:
        year = year if year is not None else _guess_year(month, day, clock)
        when = datetime(year, month, day, hour, minute, second, micro, tzinfo=_zone(zone, clock))
    except (ValueError, OverflowError):
        return UNUSABLE
    if EARLIEST.year < year < LATEST.year - 1:  # usable in any zone: no need to compare
        return when
    return when if usable(when) else UNUSABLE


def _loose(when: datetime) -> datetime | None:
    """A loose layout's answer (two-digit fields, no separators): no stamp where no time converts."""
    return None if when is UNUSABLE else when


def _hms(m: re.Match[str], first: int = 4) -> tuple[int, int, int]:
    return int(m.group(first)), int(m.group(first + 1)), int(m.group(first + 2))


_ISO = re.compile(r"\[?(\d{4})-(\d\d)-(\d\d)[T ](\d\d):(\d\d):(\d\d)(?:[.,](\d{1,9}))?\s?(Z|[+-]\d\d:?\d\d(?![\d:]))?")
_ISO_DASHED = re.compile(r"(\d{4})-(\d\d)-(\d\d)-(\d\d)\.(\d\d)\.(\d\d)(?:\.(\d{1,9}))?")  # BGL
_SLASHED = re.compile(r"(\d\d|\d{4})/(\d\d)/(\d\d)[ T:](\d\d):(\d\d):(\d\d)(?:[.,](\d{1,9}))?")  # Spark
_COMPACT = re.compile(r"(\d{4})(\d\d)(\d\d)-(\d{1,2}):(\d{1,2}):(\d{1,2})(?::(\d{1,3}))?")  # HealthApp
_HDFS = re.compile(r"(\d\d)(\d\d)(\d\d) (\d\d)(\d\d)(\d\d)\b")
_SYSLOG = re.compile(r"(?:<\d{1,3}>)?([A-Z][a-z]{2}) ([ \d]\d) (\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?\b")
_CTIME = re.compile(r"\[?(?:[A-Z][a-z]{2} )([A-Z][a-z]{2}) ([ \d]\d) (\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))? (\d{4})")
_MONTH_DAY = re.compile(r"\[?(\d\d)[-.](\d\d) (\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?")  # Android, Proxifier
_EPOCH = re.compile(r"(?:- )?(1\d{9}|[2-3]\d{9})(?:\.(\d{1,9}))?\b")


def _iso(m: re.Match[str], clock: Clock) -> datetime | None:
    return _make(clock, int(m.group(1)), int(m.group(2)), int(m.group(3)), _hms(m), _micro(m.group(7)), m.group(8))


def _dashed(m: re.Match[str], clock: Clock) -> datetime | None:
    return _make(clock, int(m.group(1)), int(m.group(2)), int(m.group(3)), _hms(m), _micro(m.group(7)))


def _compact(m: re.Match[str], clock: Clock) -> datetime | None:
    millis = int(m.group(7) or 0)  # written without zero padding: "35:11" is 11 ms
    return _make(clock, int(m.group(1)), int(m.group(2)), int(m.group(3)), _hms(m), millis * 1000)


def _slashed(m: re.Match[str], clock: Clock) -> datetime | None:
    year = int(m.group(1))
    return _make(
        clock, year + 2000 if year < 100 else year, int(m.group(2)), int(m.group(3)), _hms(m), _micro(m.group(7))
    )


def _hdfs(m: re.Match[str], clock: Clock) -> datetime | None:
    return _loose(_make(clock, 2000 + int(m.group(1)), int(m.group(2)), int(m.group(3)), _hms(m)))


def _syslog(m: re.Match[str], clock: Clock) -> datetime | None:
    month = MONTHS.get(m.group(1))
    if month is None:
        return None
    return _make(clock, None, month, int(m.group(2)), _hms(m, 3), _micro(m.group(6)))


def _ctime(m: re.Match[str], clock: Clock) -> datetime | None:
    month = MONTHS.get(m.group(1))
    if month is None:
        return None
    return _make(clock, int(m.group(7)), month, int(m.group(2)), _hms(m, 3), _micro(m.group(6)))


def _month_day(m: re.Match[str], clock: Clock) -> datetime | None:
    return _loose(_make(clock, None, int(m.group(1)), int(m.group(2)), _hms(m, 3), _micro(m.group(6))))


def _epoch(m: re.Match[str], clock: Clock) -> datetime | None:
    return from_epoch(float(m.group(1)))


# Tried in order at the start of the text; the first that matches and converts wins.
LEADING: list[tuple[str, re.Pattern[str], Callable[[re.Match[str], Clock], datetime | None]]] = [
    ("iso", _ISO, _iso),
    ("compact", _COMPACT, _compact),
    ("slashed", _SLASHED, _slashed),
    ("syslog", _SYSLOG, _syslog),
    ("ctime", _CTIME, _ctime),
    ("month-day", _MONTH_DAY, _month_day),
    ("hdfs", _HDFS, _hdfs),
    ("epoch", _EPOCH, _epoch),
]
# Searched within the first characters when nothing leads the line (a file-name prefix, BGL).
_EMBEDDED = [(_ISO, _iso), (_ISO_DASHED, _dashed)]
_SEARCH_SPAN = 120


def iso_start(clock: Clock) -> IsoStart:
    """The IsoStart of this clock, made once (its memo of minutes is shared by all who ask)."""
    try:
        found = _ISO_STARTS.get(clock)
    except TypeError:  # a zone that cannot be hashed
        return IsoStart(clock)
    if found is None:
        if len(_ISO_STARTS) >= 8:
            _ISO_STARTS.clear()
        found = _ISO_STARTS[clock] = IsoStart(clock)
    return found


_ISO_STARTS: dict[Clock, IsoStart] = {}


def leading(text: str, clock: Clock) -> tuple[datetime | None, int]:
    """The timestamp that starts `text` and where it ends, or (None, 0); UNUSABLE where a stamp is
    there but no layout reads a usable time in it."""
    found: tuple[datetime | None, int] = (None, 0)
    for _name, pattern, convert in LEADING:
        m = pattern.match(text)
        if m:
            when = convert(m, clock)
            if when is UNUSABLE:
                found = found if found[0] is not None else (when, m.end())
            elif when is not None:
                return when, m.end()
    return found


class IsoStart:
    """`leading` for text that starts with an ISO 8601 stamp, memoised by the stamp's minute and zone:
    a log has few distinct minutes and many lines in each. None where `leading` would not answer
    with an ISO stamp (the caller asks `leading`)."""

    LIMIT = 1 << 14  # minutes remembered; then the memo starts over

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        # a minute's fields and zone, by its text; None if there is no such minute
        self.memo: dict[object, tuple[int, int, int, int, int, tzinfo | None] | None] = {}
        # the last stamp read and its time: the lines of one call often share their stamp, and then
        # their one datetime (48 bytes an event of an outage)
        self.last: tuple[object, str, str | None, datetime | None] = (None, "", None, None)

    def __call__(self, text: str) -> datetime | None:
        usual = self._usual(text)
        if usual is not None:
            return usual
        plain = self._plain(text)
        if plain is None:
            return self._matched(text)
        return plain[0]

    def leading(self, text: str) -> tuple[datetime, int] | None:
        """What `leading` answers for a text that starts with a plain ISO stamp (no zone), where it
        ends included; None where `leading` must decide."""
        usual = self._usual(text)
        if usual is not None:
            return usual, 24  # the stamp and its space
        plain = self._plain(text)
        if plain is None:
            return None
        when, after = plain
        if when is None:
            return None
        return when, after + 1 if text[after : after + 1].isspace() else after  # _ISO's "\s?"

    def _usual(self, text: str) -> datetime | None:
        """The time of the usual stamp, "YYYY-MM-DD HH:MM:SS,mmm" (or T, or .mmm) and a space, whose
        minute `_plain` has read before: by slices and lookups, without the pattern. None where
        `_plain` decides."""
        if text[23:24] != " " or text[16:17] != ":" or text[19:20] not in _FRACTION_MARKS:
            return None
        if text[24:25] in _ZONE_STARTS:
            return None
        key, second, fraction = text[:16], text[17:19], text[20:23]
        last_key, last_second, last_fraction, last_when = self.last
        if key == last_key and second == last_second and fraction == last_fraction:
            return last_when
        minute = self.memo.get(key)  # a text key: a minute _PLAIN_ISO matched (None: no such minute)
        seconds, micro = _SECONDS.get(second), _MILLIS.get(fraction)
        if minute is None or seconds is None or micro is None:
            return None
        year, month, day, hour, mins, tz = minute
        when = datetime(year, month, day, hour, mins, seconds, micro, tz)
        self.last = (key, second, fraction, when)
        return when

    def _plain(self, text: str) -> tuple[datetime | None, int] | None:
        """The time of a plain ISO stamp at the start and where its digits end; None if there is
        none, or perhaps a zone after it (the full pattern decides)."""
        m = _PLAIN_ISO.match(text)
        if m is None:
            return None
        after = m.end()
        if text[after : after + 1] in _ZONE_STARTS or text[after + 1 : after + 2] in _ZONE_STARTS:
            return None
        if text[after : after + 1].isdecimal():  # a digit of another script: `leading`'s \d reads on
            return None
        minute, second, fraction = m.groups()
        return self._at(minute, None, second, fraction), after

    def _matched(self, text: str) -> datetime | None:
        m = _ISO.match(text)
        if m is None:
            return None
        return self._at(None, m.group(1, 2, 3, 4, 5, 8), m.group(6), m.group(7))

    def _at(
        self, key: str | None, parts: tuple[str | None, ...] | None, second: str, fraction: str | None
    ) -> datetime | None:
        """The time of a stamp by its minute: `key`, the text "YYYY-MM-DD HH:MM", or else `parts`."""
        memo_key = key if parts is None else parts
        last_key, last_second, last_fraction, last_when = self.last
        if memo_key == last_key and second == last_second and fraction == last_fraction:
            return last_when
        if memo_key not in self.memo:
            if len(self.memo) >= self.LIMIT:
                self.memo.clear()
            if parts is None:
                assert key is not None
                parts = (key[:4], key[5:7], key[8:10], key[11:13], key[14:16], None)
            y, mo, d, h, mi, zone = parts
            when = _make(self.clock, int(y), int(mo), int(d), (int(h), int(mi), 0), 0, zone)  # type: ignore[arg-type]
            usable_minute = when is not UNUSABLE
            fields = (when.year, when.month, when.day, when.hour, when.minute, when.tzinfo) if usable_minute else None
            self.memo[memo_key] = fields
        minute = self.memo[memo_key]
        if minute is None:
            return None
        year, month, day, hour, mins, tz = minute
        try:  # positional: datetime() with keywords, or replace(), costs twice as much
            when = datetime(year, month, day, hour, mins, int(second), _micro(fraction), tz)
        except ValueError:  # second 60: leading() reads it as a leap second
            return None
        self.last = (memo_key, second, fraction, when)
        return when


# An ISO stamp's minute, second and fraction (ASCII digits), with nothing before it: no "[", no zone yet.
_PLAIN_ISO = re.compile(r"([0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}):([0-9]{2})(?:[.,]([0-9]{1,9}))?")
_ZONE_STARTS = {"Z", "+", "-"}
_FRACTION_MARKS = (",", ".")
# The two digits of a second and three of a millisecond fraction that _PLAIN_ISO reads, by their text
# (ASCII digits only, as [0-9]); a second of 60 is left to it (no ISO stamp there).
_SECONDS = {f"{n:02d}": n for n in range(60)}
_MILLIS = {f"{n:03d}": n * 1000 for n in range(1000)}


def find(text: str, clock: Clock) -> tuple[datetime | None, int]:
    """A timestamp at the start of `text`, else near it, else whatever dateutil reads there."""
    when, end = leading(text, clock)
    if when is not None:
        return when, end
    head = text[:_SEARCH_SPAN]
    for pattern, convert in _EMBEDDED:
        m = pattern.search(head)
        if m:
            when = convert(m, clock)
            if when is not None:
                return when, m.end()
    return _dateutil(head, clock)


_IMPOSSIBLE = " must be in "  # dateutil's word for a field out of its range (hour, minute, second)


def _dateutil(head: str, clock: Clock) -> tuple[datetime | None, int]:
    from dateutil import parser as dateutil_parser  # the last resort: most runs never import it

    # What a stamp leaves out is taken from midnight of `now`'s day, never from the clock's time of
    # day: a date alone is its midnight, and the same input reads the same whenever it is read.
    day = clock.day or clock.now.date()
    default = datetime(day.year, day.month, day.day)
    words = head.split(" ", 4)[:4]
    for n in range(len(words), 0, -1):
        candidate = " ".join(words[:n]).strip("[]")
        if not any(ch.isdigit() for ch in candidate):
            continue
        try:
            with warnings.catch_warnings():  # "tzname INFO identified but not understood" is no news for the user
                warnings.simplefilter("ignore")
                when = dateutil_parser.parse(candidate, default=default)
            when = when if when.tzinfo else when.replace(tzinfo=clock.tz)
        except (ValueError, ArithmeticError) as exc:  # ArithmeticError: OverflowError, decimal.InvalidOperation
            if _IMPOSSIBLE in str(exc):  # "hour must be in 0..23": a stamp, with no time in it
                return UNUSABLE, len(" ".join(words[:n]))
            continue
        return (when if usable(when) else UNUSABLE), len(" ".join(words[:n]))
    return None, 0


# A time of day with no date at a line's start: `10:00:00 - LiteLLM Proxy:ERROR`, Rich's `[10:00:00]`.
TIME_OF_DAY = re.compile(r"\[?\d\d:\d\d:\d\d(?:[.,]\d{1,6})?\]?(?![\d:/.-])")


def parse_value(value: object, clock: Clock) -> datetime | None:
    """A timestamp held in a structured field: epoch s/ms/us/ns (number or digits) or text."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return from_epoch(value)
    if isinstance(value, str):
        if value.isdecimal() or _is_float(value):  # not isdigit(): float("²") raises
            return from_epoch(float(value))
        when, _ = find(value, clock)
        return when
    return None


def _is_float(text: str) -> bool:
    head, _, tail = text.partition(".")
    return head.isdecimal() and tail.isdecimal()


def from_epoch(value: float) -> datetime | None:
    """Seconds, milliseconds, microseconds or nanoseconds since 1970, told apart by size."""
    for scale in (1, 1e3, 1e6, 1e9):
        if abs(value) < 1e11 * scale:
            try:
                when = datetime.fromtimestamp(value / scale, UTC)
            except (OverflowError, OSError, ValueError):
                return UNUSABLE
            return when if usable(when) else UNUSABLE
    return None


_DURATION_SECONDS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
RULE_UNITS = ("ms", "s", "m", "h", "d")  # in rule files: case as written
OPTION_UNITS = ("s", "m", "h", "d", "w")  # in --since/--until: any case


@cache
def _duration_pattern(units: tuple[str, ...], ignore_case: bool) -> re.Pattern[str]:
    longest_first = sorted(units, key=len, reverse=True)
    return re.compile(r"(\d+(?:\.\d+)?)(" + "|".join(longest_first) + ")", re.I if ignore_case else 0)


MAX_DURATION = timedelta(days=36_500)  # 100 years: a usable time shifted by it is still far inside datetime's range


def parse_duration(text: str, units: tuple[str, ...] = RULE_UNITS, ignore_case: bool = False) -> timedelta | None:
    """`500ms`, `90s`, `15m`, `2h`, `1d`, `1h30m` (spaces ignored); None when the text is not one, or
    is longer than MAX_DURATION."""
    pattern = _duration_pattern(units, ignore_case)
    compact = text.replace(" ", "")
    parts = pattern.findall(compact)
    if not parts or pattern.sub("", compact):
        return None
    seconds = sum(float(n) * _DURATION_SECONDS[u.lower()] for n, u in parts)
    return timedelta(seconds=seconds) if seconds <= MAX_DURATION.total_seconds() else None
