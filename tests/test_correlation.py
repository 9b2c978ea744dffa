"""Semantics of the incident rule types, table-driven, on synthetic events and rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from analyzer import pipeline, ruleset
from analyzer.correlation import Correlation, correlate, input_order
from analyzer.lane.columns import Successes
from analyzer.models import Category, Event, Outcome, Reason, Severity

T0 = datetime(2026, 3, 14, 9, 0, tzinfo=UTC)
SIGNATURES = """
[[rule]]
id = "t.a"
title = "A"
category = "quota"
severity = "critical"
retryable = false
keywords = ["AAA"]
patterns = ["AAA"]
examples.match = ["AAA"]

[[rule]]
id = "t.b"
title = "B"
category = "billing_card"
severity = "high"
retryable = false
keywords = ["BBB"]
patterns = ["BBB"]
examples.match = ["BBB"]

[[rule]]
id = "t.ok"
title = "ok"
outcome = "success"
severity = "info"
retryable = false
keywords = ["OK200"]
patterns = ["OK200"]
examples.match = ["OK200"]
"""
KINDS = {
    "a": ("t.a", Category.QUOTA, Outcome.FAILURE),
    "b": ("t.b", Category.BILLING_CARD, Outcome.FAILURE),
    "ok": ("t.ok", None, Outcome.SUCCESS),
}


def rules(tmp_path: Path, incidents: str) -> ruleset.RuleSet:
    path = tmp_path / "rules.toml"
    path.write_text(SIGNATURES + incidents)
    return ruleset.load([path], builtin=False)


def events(spec: str) -> list[Event]:
    """'a@0 b@90 ok@300 a@400:org=x' -> events at those seconds after T0, time-ordered."""
    out = []
    for n, word in enumerate(spec.split(), 1):
        kind, _, rest = word.partition("@")
        seconds, _, fields = rest.partition(":")
        rule, category, outcome = KINDS[kind]
        extra = dict(f.split("=") for f in fields.split(",")) if fields else {}
        out.append(
            Event(
                rule,
                category,
                outcome,
                Severity.HIGH,
                False,
                "high",
                T0 + timedelta(seconds=float(seconds)),
                "src",
                n,
                n,
                "" if kind == "ok" else word,  # as a successful call's event is made: no text
                extra,
            )
        )
    return sorted(out, key=lambda e: e.time)  # type: ignore[arg-type,return-value]


def correlated(evs: list[Event], rs: ruleset.RuleSet, stop: datetime | None) -> Correlation:
    """Incidents of the events, asserted the same whether successful calls come among the events
    or apart, as columns (as the pipeline gives them)."""
    inline = correlate(evs, rs, stop)
    calls = Successes()
    for e in evs:
        if e.call_success:
            calls.add(e.rule, e.time, e.source, e.line, e.end_line)
    apart = correlate([e for e in evs if not e.call_success], rs, stop, calls, input_order(["src"]))
    assert apart == inline
    return inline


def found(tmp_path: Path, incidents: str, spec: str, end: float | None = None) -> list[tuple[str, int]]:
    rs = rules(tmp_path, incidents)
    evs = events(spec)
    stop = T0 + timedelta(seconds=end) if end is not None else evs[-1].time
    result = correlated(evs, rs, stop)
    return sorted((i.rule, len(i.events)) for i in result.incidents)


SEQUENCE = """
[[incident]]
id = "i.seq"
title = "A then B"
type = "sequence"
group_by = ["org"]
maxspan = "1h"
tolerance = "5s"
category = "billing_card"
[[incident.steps]]
select = { rule = ["t.a"] }
[[incident.steps]]
select = { rule = ["t.b"] }
within = "10m"
"""


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("a@0 b@60", [("i.seq", 2)]),  # in order
        ("b@0 a@60", []),  # order enforced
        ("a@0 b@700", []),  # B later than 'within'
        ("a@0 b@-3", [("i.seq", 2)]),  # slightly out of order: inside the tolerance
        ("a@0 b@-30", []),  # out of order beyond the tolerance
        ("a@0:org=x b@60:org=y", []),  # group keys respected
        ("a@0:org=x b@60:org=y b@90:org=x", [("i.seq", 2)]),
        ("a@0 b@60 a@100 b@160", [("i.seq", 2), ("i.seq", 2)]),  # an item is used by one match only
    ],
)
def test_sequence(tmp_path: Path, spec: str, expected: list) -> None:
    assert found(tmp_path, SEQUENCE, spec) == expected


COUNT = """
[[incident]]
id = "i.count"
title = "three A in ten minutes"
type = "event_count"
select = { rule = ["t.a"] }
condition = { gte = 3 }
timespan = "10m"
gap = "10m"
"""


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("a@0 a@300 a@600", [("i.count", 3)]),  # the boundary is inside the window
        ("a@0 a@300 a@601", []),  # one second past it
        ("a@0 a@300 a@600 a@1000 a@1500", [("i.count", 5)]),  # open while events keep within the gap
        ("a@0 a@300 a@600 a@1300 a@1310 a@1320", [("i.count", 3), ("i.count", 3)]),  # a gap splits
    ],
)
def test_event_count_threshold(tmp_path: Path, spec: str, expected: list) -> None:
    assert found(tmp_path, COUNT, spec) == expected


VALUES = """
[[incident]]
id = "i.values"
title = "three models failing"
type = "value_count"
select = { rule = ["t.a"] }
field = "model"
condition = { gte = 3 }
timespan = "10m"
"""


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("a@0:model=m1 a@10:model=m2 a@20:model=m3", [("i.values", 3)]),
        ("a@0:model=m1 a@10:model=m1 a@20:model=m2 a@30:model=m2", []),
    ],
)
def test_value_count(tmp_path: Path, spec: str, expected: list) -> None:
    assert found(tmp_path, VALUES, spec) == expected


ABSENCE = """
[[incident]]
id = "i.absent"
title = "B without OK"
type = "absence"
select = { rule = ["t.b"] }
not_followed_by = { rule = ["t.ok"] }
within = "30m"
"""


@pytest.mark.parametrize(
    ("spec", "end", "expected", "undetermined"),
    [
        ("b@0 a@2400", None, [("i.absent", 1)], 0),  # the window passed with nothing awaited
        ("b@0 ok@600 a@2400", None, [], 0),  # it came
        ("b@0 a@600", 600, [], 1),  # the input ended inside the window: undetermined, never fired
    ],
)
def test_absence(tmp_path: Path, spec: str, end: float | None, expected: list, undetermined: int) -> None:
    rs = rules(tmp_path, ABSENCE)
    evs = events(spec)
    result = correlated(evs, rs, T0 + timedelta(seconds=end) if end is not None else evs[-1].time)
    assert sorted((i.rule, len(i.events)) for i in result.incidents) == expected
    assert len(result.undetermined) == undetermined


CHAIN = (
    COUNT.replace("i.count", "i.burst").replace("gte = 3", "gte = 1")
    + """
[[incident]]
id = "i.chain"
title = "B, then a burst of A"
type = "sequence"
category = "billing_card"
priority = 90
[[incident.steps]]
select = { rule = ["t.b"] }
[[incident.steps]]
select = { incident = ["i.burst"] }
within = "30m"
"""
)


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("b@0 a@60 a@120 a@180", [("i.chain", 4)]),  # the burst is taken in, not reported again
        ("a@0 a@60 b@4000", [("i.burst", 2)]),  # the burst came first: no chain, B alone is no incident
        ("b@0 a@3000 a@3060", [("i.burst", 2)]),  # the burst came too late after B
    ],
)
def test_chaining(tmp_path: Path, spec: str, expected: list) -> None:
    assert found(tmp_path, CHAIN, spec) == expected


RECOVERY = """
[[incident]]
id = "i.outage"
title = "A outage"
type = "event_count"
select = { rule = ["t.a"] }
gap = "2h"
recovery = "success"
confirm = "10m"
"""


@pytest.mark.parametrize(
    ("spec", "end", "status", "count"),
    [
        ("a@0 a@60 ok@120 ok@1000", None, "resolved", 1),  # a success that holds ends it
        ("a@0 ok@60 a@120 ok@1000", None, "resolved", 1),  # a lone success between failures does not
        ("a@0 a@60", 3000, "ongoing", 1),  # no success: still open at the end of input
        ("a@0 a@60 ok@120", 300, "resolved", 1),  # recovered, not yet confirmed when the input ended
        ("a@0 ok@10 ok@20 ok@700 ok@800 a@900", None, "resolved", 2),  # confirmed at ok@700; a@900 is new
        ("a@0 ok@10 ok@20 a@30 ok@40 ok@9000", None, "resolved", 1),  # a failure among them: recovery restarts
        ("a@0 ok@0 a@0 ok@0", 0, "resolved", 1),  # same second: input order decides
    ],
)
def test_recovery(tmp_path: Path, spec: str, end: float | None, status: str, count: int) -> None:
    rs = rules(tmp_path, RECOVERY)
    evs = events(spec)
    result = correlated(evs, rs, T0 + timedelta(seconds=end) if end is not None else evs[-1].time)
    assert len(result.incidents) == count
    assert result.incidents[0].status.value == status


@pytest.mark.parametrize("end", [None, 5000])
@pytest.mark.parametrize(
    "spec",
    ["a@0 ok@60 b@1000", "a@0 a@60 b@8000 ok@8100", "b@0 a@10 b@7300 a@7400 ok@7500 b@9000", "a@0 b@1 b@2 ok@3"],
)
def test_each_detector_sees_only_the_kinds_it_takes_and_the_time_of_the_rest(
    tmp_path: Path, spec: str, end: float | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Correlation feeds a detector the events of the kinds it takes, and only expires it on the
    others: what feeding every detector every event gives (as it was done)."""
    from analyzer.correlation import detectors

    rs = rules(tmp_path, RECOVERY + ABSENCE)
    evs = events(spec)
    stop = T0 + timedelta(seconds=end) if end is not None else None
    dispatched = correlate(evs, rs, stop)
    monkeypatch.setattr(detectors.Windows, "takes", lambda self, kind: True)
    monkeypatch.setattr(detectors.Absence, "takes", lambda self, kind: True)
    assert correlate(evs, rs, stop) == dispatched
    if spec == "a@0 ok@60 b@1000" and end is None:  # b, no A, tells the time that confirms the recovery
        confirmed = (("time", T0 + timedelta(seconds=60)), ("gap", timedelta(minutes=10)))
        assert dispatched.incidents[0].closed_because == Reason("recovered_confirmed", confirmed)


def test_several_files_are_merged_by_time(tmp_path: Path) -> None:
    one, two = tmp_path / "one.log", tmp_path / "two.log"
    one.write_text("2026-03-14 09:00:00,000 ERROR x: AAA\n2026-03-14 09:02:00,000 ERROR x: AAA\n")
    two.write_text("2026-03-14 09:01:00,000 ERROR y: AAA\n2026-03-14 09:03:00,000 ERROR y: BBB\n")
    rs = rules(tmp_path, COUNT)
    analysis = pipeline.run(pipeline.Options((str(one), str(two)), UTC, T0), rs, None)
    times = [e.time for e in analysis.events]
    assert times == sorted(times)
    assert [(e.source[-7:], e.line) for e in analysis.events[:3]] == [("one.log", 1), ("two.log", 1), ("one.log", 2)]
    assert [(i.rule, len(i.events)) for i in analysis.incidents] == [("i.count", 3)]


def test_events_already_in_order_are_told_apart_from_those_that_are_not() -> None:
    order = input_order(["a.log", "b.log"])

    def at(minute: int | None, source: str = "a.log", line: int = 1) -> Event:
        when = None if minute is None else T0 + timedelta(minutes=minute)
        return Event("r", None, Outcome.FAILURE, Severity.LOW, False, "high", when, source, line, line, "")

    assert pipeline._ordered([], order) and pipeline._ordered([at(1)], order)
    assert pipeline._ordered([at(1, line=1), at(1, line=2), at(1, "b.log", 1), at(2, line=3), at(None, line=4)], order)
    assert pipeline._ordered([at(1), at(1)], order)  # equal keys: a sort would keep them as they are
    assert not pipeline._ordered([at(1), at(2), at(3), at(2, line=9)], order)  # the last goes back
    assert not pipeline._ordered([at(1, "b.log"), at(1, "a.log")], order)  # same time, a later input first
    assert not pipeline._ordered([at(None), at(1)], order)  # undated ones come last


def test_a_detector_remembers_only_what_rule_category_and_outcome_decide() -> None:
    """Selection answers as its selector does, asked twice, fields and all, for every shipped rule."""
    from analyzer.correlation.detectors import Selection

    shipped = ruleset.load()
    kinds = [(r.id, r.category, r.outcome) for r in shipped.rules]
    field_sets = [{}, {"limit_kind": "request_too_large"}, {"limit_kind": "tokens", "org": "org-a"}, {"call": "x"}]
    selectors = [r.select for r in shipped.incidents] + [r.not_followed_by for r in shipped.incidents]
    selectors += [s.select for r in shipped.incidents for s in r.steps]
    assert any("limit_kind" in s.fields or "limit_kind" in s.not_fields for s in selectors)  # fields decide here
    for selector in selectors:
        selection = Selection(selector)
        for _ in range(2):
            for rule, category, outcome in kinds:
                for fields in field_sets:
                    event = Event(rule, category, outcome, Severity.LOW, True, "high", T0, "s", 1, 1, "", fields)
                    assert selection(event) == selector.event(event)


OVERLAPPING = """
[[incident]]
id = "i.quota"
title = "any A"
type = "event_count"
select = { rule = ["t.a"] }
condition = { gte = 1 }
timespan = "10m"
priority = 90

[[incident]]
id = "i.any"
title = "any failure"
type = "event_count"
select = { outcome = ["failure"] }
condition = { gte = 1 }
timespan = "10m"
"""


def test_an_event_is_claimed_by_its_source_and_line_not_its_line_alone(tmp_path: Path) -> None:
    """Two files with events on the same line numbers: the higher-priority incident claims its own
    event only; the other keeps the other file's, and each JSON row names its own incident."""
    from analyzer import reporting

    one, two = tmp_path / "one.log", tmp_path / "two.log"
    one.write_text("2026-03-14 09:00:00,000 ERROR x: AAA\n")
    two.write_text("2026-03-14 09:00:05,000 ERROR y: BBB\n")
    analysis = pipeline.run(pipeline.Options((str(one), str(two)), UTC, T0), rules(tmp_path, OVERLAPPING), None)
    members = {i.rule: [(Path(e.source).name, e.line) for e in i.events] for i in analysis.incidents}
    assert members == {"i.quota": [("one.log", 1)], "i.any": [("two.log", 1)]}
    ids = {i.rule: i.id for i in analysis.incidents}
    rows = reporting.build(analysis, "en", UTC).events
    assert [(Path(r["source"]).name, r["line"], r["incident"]) for r in rows] == [
        ("one.log", 1, ids["i.quota"]),
        ("two.log", 1, ids["i.any"]),
    ]
