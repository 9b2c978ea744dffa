"""Reports that tell the truth at a glance (issue 21): each test runs the installed `logscan` on real files."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import SAMPLES, run_logscan

TRUTH = Path(__file__).parent / "data" / "truth"
CARD = SAMPLES / "python_card_decline.log"


def scan(logscan_bin: str, tmp_path: Path, *args: str, stdin: bytes | None = None) -> tuple[int, str, str]:
    done = run_logscan(logscan_bin, "--tz", "Asia/Tokyo", *args, stdin=stdin, cwd=tmp_path)
    return done.returncode, done.stdout.decode(), done.stderr.decode()


def test_worst_is_the_outage_not_the_earlier_one_line_auth_error(logscan_bin: str, tmp_path: Path) -> None:
    # equal severities (critical): the earlier cron auth error has 1 failed call, the card outage 11
    code, out, _ = scan(logscan_bin, tmp_path, "-f", "json", str(TRUTH / "cron_auth.log"), str(CARD))
    report = json.loads(out)
    worst = report["worst"]
    first = report["incidents"][0]
    assert code == 0
    assert worst["id"] == first["id"] and "quota" in first["categories"]
    assert worst["failed_calls"] == 11 and worst["severity"] == "critical"
    assert worst["ranked_by"][:2] == ["severity", "failed_calls"]
    _, text, _ = scan(logscan_bin, tmp_path, "-f", "text", str(TRUTH / "cron_auth.log"), str(CARD))
    assert "worst: Card declined" in text.splitlines()[0]


def test_no_incident_means_no_worst(logscan_bin: str, tmp_path: Path) -> None:
    quiet = tmp_path / "quiet.log"
    quiet.write_text("2026-03-14 09:00:00,000 INFO app: all good\n")
    _, out, _ = scan(logscan_bin, tmp_path, "-f", "json", str(quiet))
    assert json.loads(out)["worst"] is None


def test_output_with_an_unknown_suffix_is_a_usage_error_naming_the_formats(logscan_bin: str, tmp_path: Path) -> None:
    target = tmp_path / "report.pdf"
    code, out, err = scan(logscan_bin, tmp_path, "-o", str(target), str(CARD))
    assert code == 2 and out == ""
    assert "report.pdf" in err and ".pdf" in err and ".html (html)" in err and ".md (md)" in err
    assert not target.exists()
    code, _, _ = scan(logscan_bin, tmp_path, "-f", "md", "-o", str(target), str(CARD))  # -f says what to write
    assert code == 0 and target.read_text().startswith("#")
