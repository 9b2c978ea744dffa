"""genlog days (../shared/bench/genlog.py) against their ground truth, in all three formats."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
from conftest import run_logscan

# Which incident category each scenario must come out as.
EXPECTED = {
    "card_decline_outage": "billing_card",
    "rate_limit": "rate_limit",
    "overloaded": "overloaded",
    "auth": "auth",
}


@pytest.fixture(scope="module", params=["python", "json", "cri"])
def day_report(request: pytest.FixtureRequest, truth_days: dict, logscan_bin: str, tmp_path_factory) -> tuple:
    path, truth = truth_days[request.param]
    done = run_logscan(logscan_bin, "-f", "json", "--tz", "Asia/Tokyo", str(path), cwd=tmp_path_factory.mktemp("r"))
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout), truth


def test_every_line_counted(day_report: tuple) -> None:
    report, truth = day_report
    assert report["summary"]["lines"] == truth["lines"]


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


HARD_NEGATIVES = ("ops.disk", "app.payments", "app.auth", "maps.example.net", "user asked")


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
    assert "limit_unit=TPM" in storm["grouped_because"]
