"""Fingerprints (analyzer/reporting/fingerprint.py): the same incident has the same one in every run that
finds it whole (overlapping inputs, shifted inputs, unrelated lines added, another zone or source name),
and two incidents of one run never share one."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from conftest import LOGHUB, genlog

from analyzer import cli
from analyzer.models import Category, Incident, Severity, Status
from analyzer.reporting import fingerprint

T0 = datetime(2026, 3, 14, 9, 0, tzinfo=UTC)


def scan(path: Path, capsys: pytest.CaptureFixture[str], *args: str) -> list[dict]:
    code = cli.main(["-f", "json", "--tz", "Asia/Tokyo", *args, str(path)])
    out, err = capsys.readouterr()
    assert code == 0, err
    return json.loads(out)["incidents"]


def incident(start: datetime | None, rule: str = "incident.rate_limit_storm", **group: str) -> Incident:
    return Incident(
        id="INC-001", title="t", category=Category.RATE_LIMIT, categories=(Category.RATE_LIMIT,),
        severity=Severity.MEDIUM, status=Status.RESOLVED, start=start, end=start, events=(), rules=(),
        playbook="", opened_because="", closed_because="", rule=rule, group=group,
    )  # fmt: skip


def test_a_fingerprint_is_its_rule_category_key_and_start_second_in_utc() -> None:
    one = incident(T0 + timedelta(milliseconds=250), limit_unit="TPM")
    assert fingerprint.identity(one) == "1|incident.rate_limit_storm|rate_limit|limit_unit=TPM|2026-03-14T09:00:00Z"
    same = incident(T0.astimezone(datetime.now().astimezone().tzinfo), limit_unit="TPM")  # another zone
    assert fingerprint.fingerprint(same) == fingerprint.fingerprint(one)
    assert len(fingerprint.fingerprint(one)) == 32 and int(fingerprint.fingerprint(one), 16) >= 0
    others = [
        incident(T0, limit_unit="RPM"),
        incident(T0, rule="incident.request_too_large", limit_unit="TPM"),
        incident(T0 + timedelta(seconds=1), limit_unit="TPM"),
        incident(None, limit_unit="TPM"),
    ]
    assert len({fingerprint.fingerprint(i) for i in [one, *others]}) == 5


def test_two_incidents_of_one_identity_take_ordinals_in_time_order() -> None:
    early, late = incident(T0), incident(T0 + timedelta(milliseconds=500))
    found = fingerprint.fingerprints([late, early])
    assert found[1] == fingerprint.fingerprint(early) and found[0] != found[1]
    assert fingerprint.fingerprints([early, late]) == [found[1], found[0]]


def _inside(incidents: list[dict], start: datetime, end: datetime) -> dict[str, str]:
    """Fingerprint by start, of the incidents whose window lies inside [start, end]."""
    return {
        i["start"]: i["fingerprint"]
        for i in incidents
        if i["start"] and start <= datetime.fromisoformat(i["start"]) <= datetime.fromisoformat(i["end"]) <= end
    }


def _at(lines: list[str], stamp: str) -> int:
    """The index of the first record that starts at or after `stamp`."""
    return next(n for n, line in enumerate(lines) if line[:2] == "20" and line >= stamp)


def test_two_runs_over_overlapping_parts_of_a_day_give_its_incidents_the_same_fingerprints(
    truth_days: dict, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    day, _ = truth_days["python"]
    lines = day.read_text().splitlines(keepends=True)
    whole = scan(day, capsys)
    first, second = tmp_path / "first.log", tmp_path / "second.log"
    first.write_text("".join(lines[: _at(lines, "2026-03-14 14:")]))  # to 14:00 and from 10:00: the outage
    second.write_text("".join(lines[_at(lines, "2026-03-14 10:") :]))  # at noon is in both
    runs = [scan(first, capsys), scan(second, capsys)]
    margin = timedelta(hours=1)  # away from the cut: no incident there is cut, no chain loses a part
    seen = []
    for part, found in zip((first, second), runs, strict=True):
        records = [line for line in part.read_text().splitlines() if line[:2] == "20"]
        start, end = (datetime.fromisoformat(r[:23].replace(",", ".") + "+09:00") for r in (records[0], records[-1]))
        expected, got = _inside(whole, start + margin, end - margin), _inside(found, start + margin, end - margin)
        assert len(expected) >= 3 and got == expected
        seen.append(set(got.values()))
    assert seen[0] & seen[1]  # the outage at noon, found by both runs, with one fingerprint


def test_unrelated_lines_added_leave_every_fingerprint_as_it_was(
    truth_days: dict, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    day, _ = truth_days["python"]
    noise = (LOGHUB / "Linux_2k.log").read_text(encoding="utf-8").splitlines(keepends=True)
    mixed = []
    for n, line in enumerate(day.read_text().splitlines(keepends=True)):
        if line.startswith("2026-") and n % 7 == 0:  # before a record's first line: no traceback is split
            mixed.append(noise[n % len(noise)])
        mixed.append(line)
    busier = tmp_path / "busier.log"
    busier.write_text("".join(mixed))
    before = [(i["start"], i["fingerprint"]) for i in scan(day, capsys)]
    after = [(i["start"], i["fingerprint"]) for i in scan(busier, capsys, "--tz", "Asia/Tokyo")]
    assert len(before) >= 5 and after == before


def test_a_run_in_another_zone_under_another_name_gives_the_same_fingerprints(
    genlog_days: dict, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    day, _ = genlog_days["json"]  # its times carry their offset
    renamed = tmp_path / "elsewhere.jsonl"
    renamed.write_bytes(day.read_bytes())
    here = [i["fingerprint"] for i in scan(day, capsys)]
    there = [i["fingerprint"] for i in scan(renamed, capsys, "--tz", "America/New_York")]
    assert here and there == here


def test_no_two_incidents_of_a_busy_day_share_a_fingerprint(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    day, _ = genlog(tmp_path / "mix.log", 50_000, "python", 11, "--mix")
    prints = [i["fingerprint"] for i in scan(day, capsys)]
    assert len(prints) > 50 and len(set(prints)) == len(prints)
