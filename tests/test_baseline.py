"""Memory across runs (--baseline, analyzer/reporting/baseline.py): new, known, regressed and gone incidents,
first and last seen carried over, a continuing incident keeping its fingerprint, --fail-on-new."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import SAMPLES, genlog

from analyzer import cli
from analyzer.errors import ExitCode

STORM = (
    "{stamp} ERROR app.chat: completion failed: openai.RateLimitError: Error code: 429 - {{'error': {{'message': "
    "'Rate limit reached for gpt-4o in organization org-9fQmZ3xLwq8TnB2Kc7Vd1RyE on tokens per min (TPM): Limit "
    "30000, Used 29990, Requested 4000. Please try again in 7.9s.', 'type': 'tokens', 'param': None, "
    "'code': 'rate_limit_exceeded'}}}}\n"
)


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = cli.main([*args, "--tz", "UTC"])
    out, err = capsys.readouterr()
    return code, out, err


def report(capsys: pytest.CaptureFixture[str], *args: str) -> dict:
    code, out, err = run(capsys, "-f", "json", *args)
    assert code == 0, err
    return json.loads(out)


def saved(folder: Path, data: dict, name: str = "before.json") -> Path:
    path = folder / name
    path.write_text(json.dumps(data))
    return path


def storms(folder: Path, name: str, minutes: list[int]) -> Path:
    path = folder / name
    path.write_text("".join(STORM.format(stamp=f"2026-03-14 09:{m:02d}:00,000") for m in minutes))
    return path


def test_the_same_log_again_is_all_known_with_nothing_gone(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log = str(SAMPLES / "json_rate_limit.jsonl")
    before = report(capsys, log)
    after = report(capsys, "--baseline", str(saved(tmp_path, before)), log)
    assert [i["novelty"] for i in after["incidents"]] == ["known"] * 3
    assert after["baseline"] == {"source": str(tmp_path / "before.json"), "new": 0, "known": 3, "regressed": 0,
                                 "gone": []}  # fmt: skip
    assert [i["fingerprint"] for i in after["incidents"]] == [i["fingerprint"] for i in before["incidents"]]
    assert before["baseline"] is None and all(i["novelty"] is None for i in before["incidents"])


def test_overlapping_days_give_known_new_and_gone(
    truth_days: dict, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = truth_days["python"][0].read_text().splitlines(keepends=True)
    at = lambda stamp: next(n for n, line in enumerate(lines) if line[:2] == "20" and line >= stamp)  # noqa: E731
    morning, afternoon = tmp_path / "morning.log", tmp_path / "afternoon.log"
    morning.write_text("".join(lines[: at("2026-03-14 14:")]))
    afternoon.write_text("".join(lines[at("2026-03-14 10:") :]))
    before = report(capsys, "--tz", "Asia/Tokyo", str(morning))
    after = report(capsys, "--tz", "Asia/Tokyo", "--baseline", str(saved(tmp_path, before)), str(afternoon))
    noon = [i for i in after["incidents"] if i["novelty"] == "known"]
    assert [i["rule"] for i in noon] == ["incident.provider_trouble"]
    gone = {g["rule"] for g in after["baseline"]["gone"]}
    assert {"incident.card_chain", "incident.rate_limit_storm"} <= gone
    assert {i["rule"] for i in after["incidents"] if i["novelty"] == "new"} >= {"incident.access"}


def test_an_incident_cut_by_the_input_keeps_the_fingerprint_and_first_seen_of_the_baseline(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    day, _ = genlog(tmp_path / "outage.log", 20_000, "python", 7, "--outage")
    lines = day.read_text().splitlines(keepends=True)
    first, then = tmp_path / "first.log", tmp_path / "then.log"
    first.write_text("".join(lines[:12_000]))
    then.write_text("".join(lines[8_000:]))  # starts inside the outage: its start there is a later one
    (before,) = report(capsys, str(first))["incidents"]
    alone = report(capsys, str(then))["incidents"][0]
    assert alone["fingerprint"] != before["fingerprint"]  # the limit README states
    (after,) = report(capsys, "--baseline", str(saved(tmp_path, {**report(capsys, str(first))})), str(then))[
        "incidents"
    ]
    assert after["novelty"] == "known" and after["fingerprint"] == before["fingerprint"]
    assert after["first_seen"] == before["start"] and after["last_seen"] == alone["end"]


def test_an_incident_failing_again_after_its_resolved_end_is_regressed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = report(capsys, str(storms(tmp_path, "a.log", [0, 1, 30])))  # resolved at 09:01 (quiet after it)
    assert before["incidents"][0]["status"] == "resolved"
    after = report(capsys, "--baseline", str(saved(tmp_path, before)), str(storms(tmp_path, "b.log", [0, 1, 8, 9])))
    assert after["incidents"][0]["novelty"] == "regressed"
    assert after["incidents"][0]["fingerprint"] == before["incidents"][0]["fingerprint"]


def test_a_baseline_older_than_fingerprints_still_matches(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log = str(SAMPLES / "python_card_decline.log")
    before = report(capsys, log)
    for inc in before["incidents"]:
        for key in ("fingerprint", "first_seen", "last_seen", "novelty", "support"):
            inc.pop(key)
    after = report(capsys, "--baseline", str(saved(tmp_path, before)), log)
    assert [i["novelty"] for i in after["incidents"]] == ["known"]


def test_reports_say_new_plainly(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    old = saved(tmp_path, report(capsys, str(storms(tmp_path, "a.log", [0, 1]))))
    log = str(SAMPLES / "json_rate_limit.jsonl")
    md = run(capsys, "-f", "md", "--baseline", str(old), log)[1]
    assert md.startswith("# logscan report: Against the baseline: 3 new, 0 regressed, 0 known, 1 gone.")
    assert "| Rate-limit storm **NEW** |" in md and "## INC-001: Rate-limit storm (NEW)" in md
    assert "## Gone since the baseline" in md
    page = run(capsys, "-f", "html", "--baseline", str(old), log)[1]
    assert '<span class="novelty n-new">NEW</span>' in page and "3 new, 0 regressed, 0 known, 1 gone" in page
    ja = run(capsys, "-f", "md", "--lang", "ja", "--baseline", str(old), log)[1]
    assert "新規 3件" in ja and "(新規)" in ja
    text = run(capsys, "-f", "text", "--baseline", str(old), log)[1]
    assert "INC-001 MEDIUM NEW Rate-limit storm" in text


def test_fail_on_new_counts_only_what_is_new(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log = str(SAMPLES / "json_rate_limit.jsonl")
    known = saved(tmp_path, report(capsys, log))
    assert run(capsys, "--fail-on", "low", "--baseline", str(known), log)[0] == ExitCode.INCIDENT
    assert run(capsys, "--fail-on", "low", "--fail-on-new", "--baseline", str(known), log)[0] == ExitCode.OK
    other = saved(tmp_path, report(capsys, str(storms(tmp_path, "a.log", [0, 1]))), "other.json")
    assert run(capsys, "--fail-on", "low", "--fail-on-new", "--baseline", str(other), log)[0] == ExitCode.INCIDENT
    assert run(capsys, "--fail-on", "low", "--fail-on-new", log)[0] == ExitCode.INCIDENT  # no memory: all new


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "--baseline: cannot read {path}: No such file or directory"),
        ("{not json", "--baseline: {path}: not JSON (Expecting property name enclosed in double quotes"),
        ('{"schema": "other"}', "--baseline: {path}: not a report of schema logscan.report/1"),
        ('{"schema": "logscan.report/1", "incidents": [{"id": "INC-001"}]}', "an incident without 'start'"),
    ],
)
def test_a_baseline_that_is_no_report_is_a_usage_error(
    content: str | None, message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "before.json"
    if content is not None:
        path.write_text(content)
    code, out, err = run(capsys, "--baseline", str(path), str(SAMPLES / "json_rate_limit.jsonl"))
    assert code == ExitCode.USAGE and out == "" and err.count("\n") == 1
    assert message.format(path=path) in err


def test_fail_on_new_needs_fail_on(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "--fail-on-new", str(SAMPLES / "json_rate_limit.jsonl"))
    assert code == ExitCode.USAGE
    assert "--fail-on-new: it limits --fail-on, which is not given (add --fail-on SEVERITY)" in err
