"""The compact columns of successful calls (successes.py): they must read back as the datetimes and names they
were given, compare as those would, and survive extend, select and a trip between processes."""

from __future__ import annotations

import pickle
from bisect import bisect_left, bisect_right
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from itertools import pairwise
from zoneinfo import ZoneInfo

from dateutil import tz as dateutil_tz
from hypothesis import given
from hypothesis import strategies as st

from analyzer.lane.columns import Names, Successes, Times, bisect_times
from analyzer.models import Event, Outcome, Severity

OK = Event("openai.ok", None, Outcome.SUCCESS, Severity.INFO, False, "high", None, "", 0, 0, "")

ZONES: list[tzinfo | None] = [
    None,
    UTC,
    timezone(timedelta(hours=9)),
    timezone(-timedelta(hours=5, minutes=30)),
    ZoneInfo("Europe/Berlin"),
    ZoneInfo("America/New_York"),
    dateutil_tz.tzutc(),  # python-dateutil's zones cannot be hashed
    dateutil_tz.tzoffset(None, 3600),
    dateutil_tz.gettz.nocache("Europe/Berlin"),
]

# Around the autumn clock change in Berlin and New York, where fold matters and wall clock and
# instant order differ.
moments = st.builds(
    lambda base, seconds, zone, fold: (base + timedelta(seconds=seconds)).replace(tzinfo=zone, fold=fold),
    st.sampled_from([datetime(2026, 10, 25, 0, 30), datetime(2026, 11, 1, 0, 30), datetime(1, 1, 2)]),
    st.integers(0, 4 * 3600),
    st.sampled_from(ZONES),
    st.integers(0, 1),
)
# A run's times share the naive-or-aware kind (the clock gives naive times a zone).
aware = moments.filter(lambda t: t.tzinfo is not None)
columns = st.lists(st.one_of(aware, st.none()), max_size=40)


def same(a: datetime | None, b: datetime | None) -> bool:
    """Equal, with the same fold and an equal zone."""
    if a is None or b is None:
        return a is b
    return a == b and a.fold == b.fold and a.tzinfo == b.tzinfo and a.replace(tzinfo=None) == b.replace(tzinfo=None)


def built(given_times: list[datetime | None], at_once: bool) -> Times:
    """In one go, or one by one (the zone table then carries over from batch to batch, as it does
    between the batches of pending calls Successes adds)."""
    if at_once:
        return Times(given_times)
    times = Times()
    for when in given_times:
        times.extend_times([when])
    return times


@given(columns, st.booleans())
def test_times_read_back_as_given(given_times: list[datetime | None], at_once: bool) -> None:
    times = built(given_times, at_once)
    assert len(times) == len(given_times)
    assert all(same(a, b) for a, b in zip(times, given_times, strict=True))
    assert all(same(times[i], t) for i, t in enumerate(given_times))
    assert times.dated() == sum(t is not None for t in given_times)
    assert times.missing() == (None in given_times)
    assert (None in times) == (None in given_times)


@given(st.lists(aware, min_size=2, max_size=30), st.booleans())
def test_times_compare_as_the_datetimes_do(given_times: list[datetime], at_once: bool) -> None:
    times = built(list(given_times), at_once)
    for i, a in enumerate(given_times):
        for j, b in enumerate(given_times):
            left, right = times[i], times[j]
            assert left is not None and right is not None
            assert (left < right) == (a < b) and (left == right) == (a == b)


@given(st.lists(aware, max_size=30), st.sampled_from(ZONES[1:6]))
def test_ascending_is_the_order_of_the_datetimes(given_times: list[datetime], zone: tzinfo) -> None:
    for column in (given_times, sorted(given_times), [t.replace(tzinfo=zone) for t in given_times]):
        expected = all(a <= b for a, b in pairwise(column))
        assert Times(column).ascending() == expected
    assert not Times([*given_times, None]).ascending()


@given(columns, columns, st.one_of(aware, st.none()))
def test_times_extend_and_select(first: list[datetime | None], second: list[datetime | None], fill) -> None:
    times = Times(first)
    times.extend(Times(second), fill)
    expected = first + [fill if t is None else t for t in second]
    assert all(same(a, b) for a, b in zip(times, expected, strict=True))
    picked = list(range(len(expected)))[::-2]
    assert all(same(a, expected[i]) for a, i in zip(times.select(picked), picked, strict=True))


@given(st.lists(st.sampled_from(["a", "b", "openai.ok", ""]), max_size=30), st.lists(st.sampled_from(["b", "c"])))
def test_names(first: list[str], second: list[str]) -> None:
    names = Names(first)
    names.extend(Names(second))
    assert list(names) == first + second
    assert [names[i] for i in range(len(names))] == first + second
    assert names.distinct() == len(set(first + second))
    picked = list(range(len(names)))[::-3]
    assert list(names.select(picked)) == [names[i] for i in picked]


def test_successes_travel_between_processes() -> None:
    calls = Successes()
    calls.add("openai.ok", datetime(2026, 11, 1, 1, 30, fold=1, tzinfo=ZoneInfo("America/New_York")), "a.log", 3, 3)
    calls.add("openai.ok", None, "b.log", 7, 9)
    back = pickle.loads(pickle.dumps(calls))
    assert back == calls and len(back) == 2
    assert [(e.time, e.source, e.end_line) for e in back.events({"openai.ok": OK})] == [
        (t, s, n) for t, s, n in zip(calls.times, calls.sources, calls.end_lines, strict=True)
    ]
    assert back.times[0] is not None and back.times[0].fold == 1
    merged = Successes()
    merged.extend(back, datetime(2026, 11, 2, tzinfo=UTC), lines=10)
    assert list(merged.lines) == [13, 17] and list(merged.end_lines) == [13, 19]
    assert merged.times[1] == datetime(2026, 11, 2, tzinfo=UTC)
    assert list(merged.sources) == ["a.log", "b.log"]


@given(st.lists(aware, max_size=30), aware, st.sampled_from([None, *ZONES[1:6]]), st.booleans())
def test_bisection_of_a_column_is_that_of_the_datetimes(
    given_times: list[datetime], when: datetime, zone: tzinfo | None, right: bool
) -> None:
    """By keys where the column has one zone (that of `when`), else by reading times back."""
    column = sorted(given_times) if zone is None else sorted(t.replace(tzinfo=zone) for t in given_times)
    for probe in (when, when.replace(tzinfo=zone or when.tzinfo)):
        bisect = bisect_right if right else bisect_left
        for lo, hi in ((0, len(column)), (len(column) // 3, len(column) - len(column) // 4)):
            assert bisect_times(Times(column), probe, lo, hi, right=right) == bisect(column, probe, lo, hi)


def test_a_selection_keeps_the_zones_it_uses_only() -> None:
    berlin, tokyo = ZoneInfo("Europe/Berlin"), timezone(timedelta(hours=9))
    times = Times([datetime(2026, 3, 1, tzinfo=berlin), None, datetime(2026, 3, 2, tzinfo=tokyo)])
    picked = times.select([2, 1])
    assert picked.zones == [(tokyo, 0)] and list(picked) == [datetime(2026, 3, 2, tzinfo=tokyo), None]
    assert picked.key_of(datetime(2026, 3, 3, tzinfo=tokyo)) is not None
    assert times.key_of(datetime(2026, 3, 3, tzinfo=tokyo)) is None  # two zones: read back instead


CALLS = st.lists(st.tuples(st.sampled_from(["ok", "ok2"]), st.one_of(aware, st.none()), st.sampled_from("ab")))


@given(CALLS)
def test_successes_added_lately_join_the_columns(calls: list[tuple[str, datetime | None, str]]) -> None:
    """Pending calls are flushed in a batch whenever PENDING are waiting or a column is read."""
    pending, Successes.PENDING = Successes.PENDING, 7
    try:
        successes = Successes()
        for n, (rule, when, source) in enumerate(calls):
            successes.add(rule, when, source, n, n + 1)
            if n % 11 == 10:
                assert len(successes.times) == n + 1  # a read in between
    finally:
        Successes.PENDING = pending
    assert len(successes) == len(calls)
    assert list(successes.rules) == [r for r, _, _ in calls] and list(successes.sources) == [s for _, _, s in calls]
    assert all(same(a, b) for a, (_, b, _) in zip(successes.times, calls, strict=True))
    assert list(successes.lines) == list(range(len(calls)))
    assert list(successes.end_lines) == [n + 1 for n in range(len(calls))]
    back = pickle.loads(pickle.dumps(successes))  # the raw columns: an ambiguous time of one zone and
    # of its copy never compare equal (PEP 495), and dateutil's zones are copied, not shared
    assert (back.times.keys, back.times.codes, back.times.zones) == (
        successes.times.keys,
        successes.times.codes,
        successes.times.zones,
    )
    assert (list(back.rules), list(back.sources), back.lines) == (
        list(successes.rules),
        list(successes.sources),
        successes.lines,
    )


def test_equal_zones_that_are_not_one_object_keep_their_wall_clock() -> None:
    """Two equal python-dateutil zones share a code; each time's key is still its own wall clock
    (a base of the other zone object would count by the instant, off by the zone's year-1 offset).
    Not at an ambiguous hour: there, times of two zone objects never compare equal (PEP 495)."""
    first, second = dateutil_tz.gettz.nocache("Europe/Berlin"), dateutil_tz.gettz.nocache("Europe/Berlin")
    assert first == second and first is not second
    given_times = [datetime(2026, 7, 1, 12, 0, tzinfo=first), datetime(2026, 7, 1, 12, 5, tzinfo=second)]
    for at_once in (False, True):
        times = built(list(given_times), at_once)
        assert len(times.zones) == 1
        assert [t.replace(tzinfo=None) for t in times] == [t.replace(tzinfo=None) for t in given_times]  # type: ignore[union-attr]
        assert list(times) == given_times


@given(CALLS, st.integers(0, 40), st.integers(0, 40))
def test_a_run_selected_by_a_range_is_the_run_selected_one_by_one(
    calls: list[tuple[str, datetime | None, str]], start: int, stop: int
) -> None:
    """A range of step 1 is sliced from the columns (no int object a call); what it selects, zones
    included, is what the same indices in a list select."""
    columns = Successes()
    for n, (rule, when, source) in enumerate(calls):
        columns.add(rule, when, source, n + 1, n + 2)
    start, stop = min(start, len(calls)), min(stop, len(calls))
    by_range, by_list = columns.select(range(start, stop)), columns.select(list(range(start, stop)))
    assert by_range == by_list and len(by_range) == len(range(start, stop))
    assert by_range.times.zones == by_list.times.zones
    assert list(by_range.lines) == list(by_list.lines) and list(by_range.end_lines) == list(by_list.end_lines)
    times = columns.times.select(range(start, stop))
    assert times.zones == columns.times.select(list(range(start, stop))).zones
    assert all(same(a, b) for a, b in zip(times, columns.times[start:stop], strict=True))


@given(st.lists(st.tuples(st.sampled_from(["ok", "ok2"]), moments.filter(lambda t: t.fold == 0)), max_size=30))
def test_calls_added_as_keys_are_the_calls_added_as_times(calls: list[tuple[str, datetime]]) -> None:
    """add_keyed (the success lane's batches: one source, one zone, fold 0) gives the columns that
    add gives the same calls, after calls added one by one."""
    zone = calls[0][1].tzinfo if calls else UTC
    calls = [(rule, when.replace(tzinfo=zone)) for rule, when in calls]
    one_by_one, keyed = Successes(), Successes()
    for successes in (one_by_one, keyed):
        successes.add("before", datetime(2026, 3, 14, tzinfo=UTC), "a", 1, 1)
    for n, (rule, when) in enumerate(calls):
        one_by_one.add(rule, when, "b", n + 2, n + 2)
    keys = [(when.replace(tzinfo=None) - datetime(1, 1, 1)) // timedelta(microseconds=1) for _, when in calls]
    keyed.add_keyed([rule for rule, _ in calls], keys, zone, "b", range(2, len(calls) + 2))
    assert keyed == one_by_one
    assert all(same(a, b) for a, b in zip(keyed.times, one_by_one.times, strict=True))
