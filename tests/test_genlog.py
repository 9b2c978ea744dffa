"""genlog days (benchmarks/genlog.py) against their ground truth, in all three formats: a day with
outages, an outage all day long, and a day of many different error messages."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from conftest import GENLOG, genlog, run_logscan

# Which incident category each scenario must come out as.
EXPECTED = {
    "card_decline_outage": "billing_card",
    "rate_limit": "rate_limit",
    "overloaded": "overloaded",
    "auth": "auth",
    "connectivity": "connection",
}


def scanned(path: Path, logscan_bin: str, cwd: Path) -> dict:
    done = run_logscan(logscan_bin, "-f", "json", "--tz", "Asia/Tokyo", str(path), cwd=cwd)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.fixture(scope="module", params=["python", "json", "cri"])
def day_report(request: pytest.FixtureRequest, truth_days: dict, logscan_bin: str, tmp_path_factory) -> tuple:
    path, truth = truth_days[request.param]
    return scanned(path, logscan_bin, tmp_path_factory.mktemp("r")), truth


@pytest.fixture(scope="module", params=["python", "json", "cri"])
def mix_report(request: pytest.FixtureRequest, logscan_bin: str, tmp_path_factory) -> tuple:
    folder = tmp_path_factory.mktemp("mix")
    path, truth = genlog(folder / f"mix.{request.param}.log", 30_000, request.param, 7, "--mix")
    return scanned(path, logscan_bin, folder), truth


@pytest.fixture(scope="module", params=["python", "json", "cri"])
def outage_report(request: pytest.FixtureRequest, logscan_bin: str, tmp_path_factory) -> tuple:
    folder = tmp_path_factory.mktemp("outage")
    path, truth = genlog(folder / f"outage.{request.param}.log", 8_002, request.param, 7, "--outage")
    return scanned(path, logscan_bin, folder), truth


def test_every_line_counted(day_report: tuple) -> None:
    report, truth = day_report
    assert report["summary"]["lines"] == truth["lines"] == 100_000


def missed(report: dict, truth: dict) -> list[tuple[int, str, str | None]]:
    """The failures of the truth that have no event of their category at their line."""
    found = {e["line"]: e["category"] for e in report["events"]}
    return [(line, category, found.get(line)) for line, category in truth["failures"] if found.get(line) != category]


def test_every_failure_is_an_event_of_its_category_at_its_line(day_report: tuple) -> None:
    report, truth = day_report
    assert len(truth["failures"]) > 150
    assert missed(report, truth) == []


@pytest.mark.parametrize("scenario", EXPECTED)
def test_each_outage_is_one_incident_near_the_truth(day_report: tuple, scenario: str) -> None:
    report, truth = day_report
    real = next(t for t in truth["incidents"] if t["scenario"] == scenario)
    start, end = datetime.fromisoformat(real["start"]), datetime.fromisoformat(real["end"])
    overlapping = [
        i
        for i in report["incidents"]
        if i["severity"] != "low"
        and datetime.fromisoformat(i["start"]) <= end
        and datetime.fromisoformat(i["end"]) >= start
    ]
    assert len(overlapping) == 1, [(i["id"], i["category"]) for i in overlapping]
    found = overlapping[0]
    assert found["category"] == EXPECTED[scenario]
    assert abs(datetime.fromisoformat(found["start"]) - start) <= timedelta(minutes=3)
    assert abs(datetime.fromisoformat(found["end"]) - end) <= timedelta(minutes=5)
    # genlog counts each card decline as a failed event; logscan counts them apart from API calls.
    impact = found["impact"]
    assert impact["failed_calls"] + impact["declined_payments"] == real["failed_calls"]


def test_card_outage_is_one_chain_with_the_card_issuer_remedy(day_report: tuple) -> None:
    report, _ = day_report
    chains = [i for i in report["incidents"] if i["category"] == "billing_card"]
    assert len(chains) == 1
    assert set(chains[0]["categories"]) == {"billing_card", "quota"}
    assert chains[0]["remediation"]["id"] == "card-declined"
    assert "card issuer" in chains[0]["remediation"]["steps"][0]


def test_no_outage_incident_outside_the_truth(day_report: tuple) -> None:
    report, truth = day_report
    windows = [(datetime.fromisoformat(t["start"]), datetime.fromisoformat(t["end"])) for t in truth["incidents"]]
    for inc in report["incidents"]:
        if inc["severity"] == "low":  # per-request errors (context length) are not outages
            continue
        start, end = datetime.fromisoformat(inc["start"]), datetime.fromisoformat(inc["end"])
        assert any(start <= b and end >= a for a, b in windows), inc["id"]


HARD_NEGATIVES = ("ops.disk", "app.payments", "app.auth", "maps.example.net", "user asked", "shop.checkout",
                  "generativelanguage.googleapis.com")  # fmt: skip


def test_no_event_from_the_hard_negatives(truth_days: dict, day_report: tuple) -> None:
    report, truth = day_report
    path, _ = truth_days[truth["format"]]
    lines = path.read_text().splitlines()
    hits = [
        lines[e["line"] - 1][:120] for e in report["events"] if any(n in lines[e["line"] - 1] for n in HARD_NEGATIVES)
    ]
    assert hits == []
    assert sum(1 for line in lines if any(n in line for n in HARD_NEGATIVES)) > 100  # they are there


def test_rate_limit_storm_has_its_limit_kind_and_peak_figures(day_report: tuple) -> None:
    report, _ = day_report
    storm = next(i for i in report["incidents"] if i["category"] == "rate_limit")
    assert storm["rule"] == "incident.rate_limit_storm"
    assert storm["group"] == {"limit_unit": "TPM"}
    figures = storm["figures"]
    assert figures["limit"] == "30000" and figures["limit_unit"] == "TPM"
    assert 27000 <= int(figures["used"]) <= 29990 and 900 <= int(figures["requested"]) <= 4000  # genlog's ranges
    assert "limit_unit=TPM" in storm["grouped_details"]


def test_a_day_of_many_messages_gives_each_its_category(mix_report: tuple) -> None:
    report, truth = mix_report
    assert report["summary"]["lines"] == truth["lines"] == 30_000
    categories = Counter(category for _, category in truth["failures"])
    assert len(categories) >= 11 and min(categories.values()) >= 5, categories
    assert missed(report, truth) == []
    rules = {e["rule"] for e in report["events"] if e["line"] in dict(truth["failures"])}
    assert len(rules) >= 17, sorted(rules)  # many different messages, not one per category


def test_an_outage_day_is_one_quota_incident_of_every_request(outage_report: tuple) -> None:
    report, truth = outage_report
    assert report["summary"]["lines"] == truth["lines"] == 8_002
    (real,) = truth["incidents"]
    assert real["failed_calls"] == len(truth["failures"]) == 2_000  # four lines a request, two of them failed
    (found,) = report["incidents"]
    assert found["category"] == "quota" and found["impact"]["failed_calls"] == real["failed_calls"]
    assert (found["start"][:23], found["end"][:23]) == (real["start"][:23], real["end"][:23])
    assert missed(report, truth) == []


def generated(tmp_path: Path, *args: str) -> bytes:
    out = tmp_path / "out.log"
    subprocess.run([sys.executable, str(GENLOG), *args, "--out", str(out)], check=True)
    return out.read_bytes()


@pytest.mark.parametrize("kind", [(), ("--outage",), ("--mix",)], ids=["day", "outage", "mix"])
@pytest.mark.parametrize("fmt", ["python", "json", "cri"])
def test_genlog_is_deterministic_and_exactly_as_long_as_asked(tmp_path: Path, fmt: str, kind: tuple[str, ...]) -> None:
    args = ("--lines", "3001", "--format", fmt, *kind)
    first = generated(tmp_path, *args, "--seed", "3")
    assert first == generated(tmp_path, *args, "--seed", "3")
    assert first != generated(tmp_path, *args, "--seed", "4")
    assert first.count(b"\n") == 3001 and first.endswith(b"\n")
