"""Timestamps: every leading layout, epochs of any unit, the default zone, and years guessed from `now`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from analyzer.lane.columns import keyed_time
from analyzer.lane.keys import StampKeys
from analyzer.timestamps import (
    LEADING,
    MONTHS,
    UNUSABLE,
    Clock,
    IsoStart,
    find,
    from_epoch,
    leading,
    parse_value,
    usable,
)

JST = timezone(timedelta(hours=9))
NOW = datetime(2026, 3, 14, 12, 0, tzinfo=JST)
CLOCK = Clock(JST, NOW)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MONTH_NAMES = {number: name for name, number in MONTHS.items()}

# layout -> (stamp, rest of the line, the instant it means); naive stamps are in CLOCK.tz (JST)
EXAMPLES = {
    "iso": [
        ("2026-03-14 09:12:03,412", " ERROR app.chat: x", datetime(2026, 3, 14, 9, 12, 3, 412000, tzinfo=JST)),
        ("2026-03-14T03:01:02.123456789Z", " stdout F x", datetime(2026, 3, 14, 3, 1, 2, 123456, tzinfo=UTC)),
        ("2026-03-14T10:00:02.300+09:00", " web-1 x", datetime(2026, 3, 14, 10, 0, 2, 300000, tzinfo=JST)),
        ("2026-03-14T10:00:02-0500", " web-1 x", datetime(2026, 3, 14, 10, 0, 2, tzinfo=timezone(timedelta(hours=-5)))),
        ("[2026-03-14 09:12:03", "] INFO x", datetime(2026, 3, 14, 9, 12, 3, tzinfo=JST)),
    ],
    # June is after March 14: in 2026 it would be in the future, so it is last year's June.
    "syslog": [("Jun 14 15:16:01", " combo sshd(pam_unix)[19939]: x", datetime(2025, 6, 14, 15, 16, 1, tzinfo=JST))],
    "ctime": [("[Sun Dec 04 04:47:44 2005", "] [notice] x", datetime(2005, 12, 4, 4, 47, 44, tzinfo=JST))],
    "slashed": [("17/06/09 20:10:40", " INFO spark.SecurityManager: x", datetime(2017, 6, 9, 20, 10, 40, tzinfo=JST))],
    "hdfs": [("081109 203615", " 148 INFO dfs.DataNode: x", datetime(2008, 11, 9, 20, 36, 15, tzinfo=JST))],
    # HealthApp writes milliseconds without zero padding: ":11" is 11 ms.
    "compact": [("20171223-22:15:35:11", "|Step_LSC|x", datetime(2017, 12, 23, 22, 15, 35, 11000, tzinfo=JST))],
    # March 17 is three days after now: last year's.
    "month-day": [("03-17 16:13:38.811", "  1702  2395 D x", datetime(2025, 3, 17, 16, 13, 38, 811000, tzinfo=JST))],
    "epoch": [("- 1117838570", " 2005.06.03 R02-M1-N0 x", EPOCH + timedelta(seconds=1117838570))],
}
CASES = [(name, *case) for name, cases in EXAMPLES.items() for case in cases]


def test_every_leading_layout_has_an_example() -> None:
    assert {name for name, _, _ in LEADING} == set(EXAMPLES)


@pytest.mark.parametrize(("layout", "stamp", "rest", "expected"), CASES, ids=[f"{c[0]}:{c[1]}" for c in CASES])
def test_leading_layout(layout: str, stamp: str, rest: str, expected: datetime) -> None:
    text = stamp + rest
    pattern, convert = next((p, c) for name, p, c in LEADING if name == layout)
    m = pattern.match(text)
    assert m is not None
    assert convert(m, CLOCK) == expected
    when, end = leading(text, CLOCK)  # and no layout tried before it takes the text
    assert when == expected
    assert when is not None and when.utcoffset() == expected.utcoffset()  # the writer's zone is kept
    assert text[:end].rstrip() == stamp


def test_text_without_a_leading_stamp() -> None:
    assert leading("GET /healthz 200", CLOCK) == (None, 0)


def test_invalid_dates_are_stamps_of_no_usable_time() -> None:
    assert leading("2026-02-30 10:00:00 x", CLOCK) == (UNUSABLE, 20)
    assert not usable(UNUSABLE)
    assert leading("Foo 14 15:16:01 x", CLOCK) == (None, 0)


def test_find_looks_past_a_prefix() -> None:
    when, _ = find("worker-3 | 2026-03-14T10:00:02+09:00 job done", CLOCK)
    assert when == datetime(2026, 3, 14, 1, 0, 2, tzinfo=UTC)


def test_find_falls_back_to_dateutil() -> None:
    when, _ = find("14 March 2026 10:00 something happened", CLOCK)
    assert when == datetime(2026, 3, 14, 10, 0, tzinfo=JST)


# --- epochs --------------------------------------------------------------------------------------

BASE_SECONDS = 1_710_381_723  # 2024-03-14T02:02:03Z


@pytest.mark.parametrize("scale", [1, 10**3, 10**6, 10**9], ids=["s", "ms", "us", "ns"])
def test_from_epoch_tells_units_apart(scale: int) -> None:
    assert from_epoch(BASE_SECONDS * scale) == EPOCH + timedelta(seconds=BASE_SECONDS)


@pytest.mark.parametrize(
    "value", [1_710_381_723_412, 1_710_381_723_412_000, 1_710_381_723_412_000_000], ids=["ms", "us", "ns"]
)
def test_from_epoch_keeps_the_fraction(value: int) -> None:
    assert from_epoch(value) == EPOCH + timedelta(seconds=BASE_SECONDS, milliseconds=412)


def test_from_epoch_out_of_range_is_none() -> None:
    assert from_epoch(10**30) is None
    assert from_epoch(float("nan")) is None


@pytest.mark.parametrize(
    "value",
    [BASE_SECONDS, str(BASE_SECONDS), f"{BASE_SECONDS}.000", str(BASE_SECONDS * 10**6), float(BASE_SECONDS * 1000)],
)
def test_parse_value_reads_numbers_and_digit_strings(value: object) -> None:
    assert parse_value(value, CLOCK) == EPOCH + timedelta(seconds=BASE_SECONDS)


@pytest.mark.parametrize("value", [True, None, [], "²", "1.²", "¹²³⁴⁵⁶⁷⁸⁹⁰"])
def test_parse_value_of_a_non_time_is_none(value: object) -> None:
    assert parse_value(value, CLOCK) is None


# --- zones and years -----------------------------------------------------------------------------


def test_naive_stamps_take_the_clocks_zone() -> None:
    text = "2026-03-14 09:12:03 INFO x"
    in_tokyo, _ = leading(text, CLOCK)
    in_utc, _ = leading(text, Clock(UTC, NOW))
    assert in_tokyo is not None and in_utc is not None
    assert in_tokyo.tzinfo is JST
    assert in_utc.tzinfo is UTC
    assert in_utc - in_tokyo == timedelta(hours=9)


def test_a_stamp_with_a_zone_ignores_the_clocks_zone() -> None:
    text = "2026-03-14T09:12:03+02:00 x"
    assert leading(text, CLOCK) == leading(text, Clock(UTC, NOW))


def syslog_stamp(when: datetime) -> str:
    return f"{MONTH_NAMES[when.month]} {when.day:2d} {when:%H:%M:%S}"


@pytest.mark.parametrize(
    ("text", "year"),
    [
        ("Mar 14 08:00:00", 2026),  # earlier today
        ("Mar 14 23:00:00", 2026),  # later today
        ("Mar 15 01:00:00", 2026),  # tomorrow: a day of slack for clocks and zones ahead of ours
        ("Mar 16 00:00:00", 2025),  # further ahead: last year
        ("Jan  1 00:00:00", 2026),
        ("Dec 31 23:59:59", 2025),
    ],
)
def test_syslog_year_is_the_latest_not_ahead_of_now(text: str, year: int) -> None:
    when, _ = leading(text, CLOCK)
    assert when is not None and when.year == year


@pytest.mark.parametrize(
    ("now", "text", "year"),
    [
        (datetime(2026, 3, 31, 23, 0, tzinfo=JST), "Apr  1 00:30:00", 2026),
        (datetime(2026, 3, 31, 23, 0, tzinfo=JST), "Apr  2 00:30:00", 2025),
        (datetime(2028, 2, 28, 23, 0, tzinfo=JST), "Feb 29 00:30:00", 2028),
        (datetime(2026, 12, 31, 23, 0, tzinfo=JST), "Jan  1 00:30:00", 2027),
        (datetime(2026, 12, 31, 23, 0, tzinfo=JST), "Dec 31 22:00:00", 2026),
        (datetime(2029, 1, 10, 12, 0, tzinfo=JST), "Feb 29 12:00:00", 2028),  # the latest year that has the day
    ],
)
def test_syslog_year_slack_holds_across_month_and_year_ends(now: datetime, text: str, year: int) -> None:
    when, _ = leading(text, Clock(JST, now))
    assert when is not None and when.year == year


def test_leap_day_of_a_non_leap_year_is_no_usable_time() -> None:
    assert leading("Feb 29 12:00:00 x", Clock(JST, datetime(2026, 3, 14, tzinfo=JST))) == (UNUSABLE, 15)


@settings(max_examples=200, deadline=None)
@given(
    now=st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2090, 12, 31)),
    back=st.timedeltas(min_value=timedelta(days=-360), max_value=timedelta(hours=23, minutes=59)),
)
@example(now=datetime(2026, 3, 31, 23, 0), back=timedelta(hours=1, minutes=30))
@example(now=datetime(2026, 12, 31, 12, 0), back=timedelta(hours=13))
def test_syslog_stamp_round_trips_within_a_year_before_now(now: datetime, back: timedelta) -> None:
    clock = Clock(JST, now.replace(tzinfo=JST))
    target = (clock.now + back).replace(microsecond=0)
    when, end = leading(syslog_stamp(target) + " host app: x", clock)
    assert (when, end) == (target, 15)


OFFSETS = st.integers(-14 * 60 + 1, 14 * 60 - 1).map(lambda minutes: timezone(timedelta(minutes=minutes)))


@settings(max_examples=200, deadline=None)
@given(
    when=st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2100, 1, 1), timezones=OFFSETS),
    sep=st.sampled_from(["T", " "]),
)
def test_iso_round_trip(when: datetime, sep: str) -> None:
    text = when.isoformat(sep=sep)
    if when.utcoffset() == timedelta(0):
        text = text.replace("+00:00", "Z")
    parsed, end = leading(text + " rest of the line", CLOCK)
    assert parsed == when
    assert end == len(text)
    assert parse_value(text, CLOCK) == when


ISO_PIECE = st.sampled_from(["2026", "1999", "-", "03", "13", "14", "31", "T", " ", "09", "24", ":", "60", ",", "."])
ISO_TAIL = st.sampled_from(
    ["", "412", "123456789", "Z", "+09:00", "-0500", "+0900:", " x", "]", "\t", "\x1c", "\u3000 y"]
)


@settings(max_examples=500)
@given(st.lists(ISO_PIECE, max_size=14).map("".join), ISO_TAIL, ISO_TAIL)
@example("2026-03-14 09:12:03", ",412", " x")
@example("2026-03-14T03:01:02", ".123456789Z", "")
def test_the_iso_memo_answers_as_leading_does(stamp: str, tail: str, rest: str) -> None:
    iso = IsoStart(CLOCK)
    text = stamp + tail + rest
    for _ in range(2):  # the second answer comes from the memo
        when = iso(text)
        assert when is None or when == leading(text, CLOCK)[0]
        assert when is None or when.utcoffset() == leading(text, CLOCK)[0].utcoffset()
    if text.startswith("2026-03-14 09:12:03"):
        assert when is not None
    for _ in range(2):
        known = iso.leading(text)  # with where the stamp ends, as parse() asks
        assert known is None or known == leading(text, CLOCK)
        assert known is None or known[0].utcoffset() == leading(text, CLOCK)[0].utcoffset()
    if text == "2026-03-14 09:12:03,412 x":
        assert iso.leading(text) == (datetime(2026, 3, 14, 9, 12, 3, 412000, tzinfo=CLOCK.tz), 24)


# Stamps that differ in one part only: the minute, the second, the fraction or the zone.
NEAR_STAMPS = st.tuples(
    st.sampled_from(["2026-03-14 09:12", "2026-03-14T09:12", "2026-03-14 09:13", "2026-11-01 01:30"]),
    st.sampled_from([":03", ":04"]),
    st.sampled_from(["", ",412", ".413", ".412000", ",4"]),
    st.sampled_from(["", "Z", "+09:00", "-0500"]),
    st.sampled_from([" x", "", "]"]),
).map("".join)


@settings(max_examples=300)
@given(
    st.lists(
        st.one_of(
            NEAR_STAMPS, st.tuples(st.lists(ISO_PIECE, max_size=14).map("".join), ISO_TAIL, ISO_TAIL).map("".join)
        ),
        min_size=1,
        max_size=8,
    )
)
def test_a_run_of_stamps_reads_as_each_stamp_alone(lines: list[str]) -> None:
    """One IsoStart reads a run of lines, equal stamps back to back among them (it keeps the last
    stamp's time), as `leading` reads each line alone."""
    iso = IsoStart(CLOCK)
    for text in [line for line in lines for _ in range(2)] + lines:
        when = iso(text)
        alone = leading(text, CLOCK)[0]
        assert when is None or (when == alone and when.utcoffset() == alone.utcoffset())  # type: ignore[union-attr]
        known = iso.leading(text)
        assert known is None or known == leading(text, CLOCK)


@pytest.mark.parametrize(
    "rest",
    [
        ":03,412 x",
        ":03.412 x",
        ":60,412 x",  # no such second: no ISO stamp
        ":03,412 +09:00 x",  # a zone after a space
        ":03,412 -0500",
        ":03,412 Z x",
        ":03,412 ",
        ":03,4123 x",
        ":0\u0663,412 x",  # ARABIC-INDIC DIGIT THREE: a digit, not one of [0-9]
        ":03,41\u0662 x",
        ":03;412 x",
        ":03,412\tx",
    ],
)
def test_a_usual_stamp_after_its_minute_reads_as_leading_does(rest: str) -> None:
    """The second line of a minute takes the short way (slices and lookups): it must answer as the
    pattern does, or leave it to the pattern."""
    iso, keys = IsoStart(CLOCK), StampKeys(IsoStart(CLOCK))
    for minute in ("2026-03-14 09:12", "2026-03-14T09:12"):
        assert iso(minute + ":59,999 first line of the minute") is not None
        assert keys((minute + ":59,999 first line of the minute").encode()) is not None
        text = minute + rest
        alone = leading(text, CLOCK)
        keyed = keys(text.encode())
        assert keyed is None or (keyed_time(*keyed) == alone[0] and keyed_time(*keyed).tzinfo is CLOCK.tz)
        for _ in range(2):
            when = iso(text)
            assert when == alone[0] or (when is None and alone[0] is not None)
            assert when is None or when.utcoffset() == alone[0].utcoffset()  # type: ignore[union-attr]
            known = iso.leading(text)
            assert known is None or known == alone


def test_the_lines_of_one_stamp_share_one_datetime() -> None:
    iso = IsoStart(CLOCK)
    first = iso("2026-03-14 09:12:03,412 INFO httpx: HTTP Request: POST ...")
    same = iso("2026-03-14 09:12:03,412 ERROR app: completion failed")
    later = iso("2026-03-14 09:12:03,413 ERROR app: completion failed")
    assert first is same and later is not first
    assert later == datetime(2026, 3, 14, 9, 12, 3, 413000, tzinfo=CLOCK.tz)
    assert iso("2026-03-14T09:12:03.413Z x") == datetime(2026, 3, 14, 9, 12, 3, 413000, tzinfo=UTC)


@settings(max_examples=400)
@given(
    st.lists(
        st.one_of(
            NEAR_STAMPS,
            st.tuples(st.lists(ISO_PIECE, max_size=14).map("".join), ISO_TAIL, ISO_TAIL).map("".join),
            st.sampled_from(["2026-11-01 01:30:00,000 x", "2026-11-01 01:30:59.999 x", "2026-03-08 02:30:00,000 x"]),
        ),
        min_size=1,
        max_size=8,
    ),
    st.sampled_from([UTC, ZoneInfo("America/New_York"), timezone(timedelta(hours=9))]),
)
def test_stamp_keys_are_the_times_iso_start_reads(lines: list[str], zone: tzinfo) -> None:
    """A key and zone from a line's bytes name the time IsoStart reads in it (equal, same zone,
    fold 0: an hour that repeats or is skipped included), or StampKeys leaves the line to it."""
    clock = Clock(zone, datetime(2026, 12, 1, tzinfo=zone))
    keys, iso = StampKeys(IsoStart(clock)), IsoStart(clock)
    for text in [line for line in lines for _ in range(2)]:
        data = text.encode("utf-8")
        keyed = keys(data)
        if keyed is None:
            continue
        when, expected = keyed_time(*keyed), iso(text)
        assert expected is not None and when == expected
        assert when.tzinfo is expected.tzinfo and when.fold == expected.fold == 0
