"""Pager events (-f pagerduty, -f opsgenie, analyzer/reporting/pager.py): one per incident, every field within
its service's limit even for very long inputs, and the routing key in `routing_key` and nowhere else."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC
from pathlib import Path

import pytest
from conftest import SAMPLES, run_logscan

from analyzer import cli, pipeline, reporting, ruleset
from analyzer.errors import ExitCode
from analyzer.reporting import pager

KEY = "R0ut1ngKeyR0ut1ngKeyR0ut1ngKey32"


@pytest.fixture(scope="module")
def report() -> reporting.Report:
    options = pipeline.Options((str(SAMPLES / "json_rate_limit.jsonl"),), UTC, pipeline.datetime.now(UTC))
    return reporting.build(pipeline.run(options, ruleset.load(), None), "en", UTC)


def huge(report: reporting.Report) -> reporting.Report:
    """Every string an event draws on, far past every limit: titles, sources, services, evidence, steps."""
    long = "x" * 300_000
    inc = report.incidents[0]
    evidence = tuple(replace(e, text=long, source=long) for e in inc.evidence * 4)
    impact = replace(inc.impact, services=(long,), sources=(long,), models=tuple(f"m{n}" for n in range(5000)))
    remediation = replace(inc.remediation, summary=long, steps=(long,) * 50)  # type: ignore[type-var]
    big = replace(
        inc,
        display_title=long,
        evidence=evidence,
        impact=impact,
        remediation=remediation,
        categories=tuple(f"{'c' * 80}{n}" for n in range(40)),
        fingerprint="f" * 32,
    )
    return replace(report, incidents=(big,))


def events(report: reporting.Report, fmt: str, **options: object) -> list[dict]:
    return json.loads(reporting.render(report, fmt, options=reporting.WriteOptions(**options)))  # type: ignore[arg-type]


def test_pagerduty_events_one_per_incident(report: reporting.Report) -> None:
    found = events(report, "pagerduty", routing_key=KEY, report_url="https://ci.example/r/7.html")
    assert len(found) == len(report.incidents) == 3
    for event, inc in zip(found, report.incidents, strict=True):
        assert event["routing_key"] == KEY
        assert event["event_action"] == ("trigger" if inc.status == "ongoing" else "resolve")
        assert event["dedup_key"] == f"logscan-{inc.fingerprint}"
        payload = event["payload"]
        assert payload["severity"] == {"medium": "warning", "low": "warning"}[inc.severity]
        assert payload["source"] == "sample_logs/json_rate_limit.jsonl" or payload["source"].endswith(".jsonl")
        assert payload["timestamp"] in (inc.start, inc.end, inc.recovered_at)
        assert payload["custom_details"]["fingerprint"] == inc.fingerprint
        assert event["links"] == [{"href": "https://ci.example/r/7.html", "text": f"logscan report: {inc.id}"}]
    assert found[0]["payload"]["custom_details"]["support"]["rate_limit"]["unit"] == "TPM"


def test_pagerduty_severities() -> None:
    assert pager.PD_SEVERITY == {
        "critical": "critical", "high": "error", "medium": "warning", "low": "warning", "info": "info"
    }  # fmt: skip
    assert pager.OG_PRIORITY == {"critical": "P1", "high": "P2", "medium": "P3", "low": "P4", "info": "P5"}


def test_pagerduty_fields_stay_within_their_limits_for_very_long_inputs(report: reporting.Report) -> None:
    (event,) = events(huge(report), "pagerduty", routing_key=KEY)
    assert len(json.dumps(event, ensure_ascii=False, separators=(",", ":")).encode("utf-8")) < 512 * 1024
    assert len(event["dedup_key"]) <= 255 and len(event["payload"]["summary"]) == 1024
    assert event["payload"]["summary"].endswith("…") and len(event["payload"]["source"]) <= 255
    details = event["payload"]["custom_details"]
    assert details["incident"] == "INC-001" and details["evidence"]  # trimmed, not dropped


def test_opsgenie_alerts_and_their_limits(report: reporting.Report) -> None:
    found = events(report, "opsgenie", report_url="https://ci.example/r/7.html")
    assert [a["alias"] for a in found] == [f"logscan-{i.fingerprint}" for i in report.incidents]
    first = found[0]
    assert first["priority"] == "P3" and first["tags"] == ["rate_limit", "medium", "resolved", "logscan"]
    assert "For OpenAI support" in first["description"] and first["details"]["report"] == "https://ci.example/r/7.html"
    assert "routing_key" not in first
    (big,) = events(huge(report), "opsgenie")
    assert len(big["message"]) == 130 and len(big["alias"]) <= 512 and len(big["description"]) == 15_000
    assert len(big["entity"]) <= 512 and len(big["tags"]) == 20 and all(len(t) <= 50 for t in big["tags"])
    assert sum(len(k) + len(v) for k, v in big["details"].items()) <= 8000
    assert all(isinstance(v, str) for v in big["details"].values())


def test_json_lines(report: reporting.Report) -> None:
    text = reporting.render(report, "opsgenie", options=reporting.WriteOptions(jsonl=True))
    lines = text.splitlines()
    assert len(lines) == 3 and all(json.loads(line)["alias"] for line in lines) and text.endswith("\n")


@pytest.mark.parametrize("fmt", reporting.FORMATS)
def test_the_routing_key_is_only_in_pagerduty_routing_key(fmt: str, tmp_path: Path, logscan_bin: str) -> None:
    for where in ("env", "option"):
        env = {"PAGERDUTY_ROUTING_KEY": KEY} if where == "env" else {}
        option = ["--routing-key", KEY] if where == "option" else []
        log = SAMPLES / "json_rate_limit.jsonl"
        done = run_logscan(logscan_bin, "-f", fmt, *option, "-o", str(tmp_path / "out"), str(log), env=env)
        assert done.returncode == 0, done.stderr
        assert KEY.encode() not in done.stderr + done.stdout
        written = b"".join(p.read_bytes() for p in tmp_path.iterdir())
        if fmt != "pagerduty":
            assert KEY.encode() not in written
            continue
        events = json.loads(written)
        assert all(e.pop("routing_key") == KEY for e in events)
        assert KEY not in json.dumps(events)


def test_pagerduty_without_a_routing_key_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code = cli.main(["-f", "pagerduty", str(SAMPLES / "json_rate_limit.jsonl")])
    err = capsys.readouterr().err
    assert code == ExitCode.USAGE
    assert err == ("logscan: error: -f pagerduty: no routing key (set PAGERDUTY_ROUTING_KEY, or pass --routing-key)\n")


def test_jsonl_is_for_pager_formats_only(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["-f", "md", "--jsonl", str(SAMPLES / "json_rate_limit.jsonl")]) == ExitCode.USAGE
    assert "--jsonl: -f md is not a list of events (use -f pagerduty or opsgenie)" in capsys.readouterr().err
