"""Golden reports: tests/golden/<case>/input.log against reviewed expected.* files.

Regenerate with `pytest tests/test_golden.py --update-golden`, review the diff, commit. CI never
passes the flag.
"""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from analyzer import cli, resources

CASES = sorted(p for p in (Path(__file__).parent / "golden").iterdir() if p.is_dir())
OUTPUTS = {
    "expected.md": ["-f", "md"],
    "expected.ja.md": ["-f", "md", "--lang", "ja"],
    "expected.json": ["-f", "json"],
    "expected.jira": ["-f", "jira"],
    "expected.adf.json": ["-f", "adf"],
    "expected.pagerduty.json": ["-f", "pagerduty", "--report-url", "https://reports.example/incident.html"],
    "expected.opsgenie.json": ["-f", "opsgenie", "--report-url", "https://reports.example/incident.html"],
}
ROUTING_KEY = "golden0routing0key0000000000000"  # a made-up PagerDuty routing key


def render(case: Path, args: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.chdir(case)
    code = cli.main([*args, "--tz", "Asia/Tokyo", "input.log"])
    out, err = capsys.readouterr()
    assert code == 0, err
    return out


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.name)
@pytest.mark.parametrize("name", OUTPUTS)
def test_golden(
    case: Path, name: str, update_golden: bool, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LANG", "C.UTF-8")
    monkeypatch.setenv("PAGERDUTY_ROUTING_KEY", ROUTING_KEY)
    out = render(case, OUTPUTS[name], capsys, monkeypatch)
    if name.endswith(".json"):  # written compact; kept indented here, so that a change reads as a diff
        out = json.dumps(json.loads(out), ensure_ascii=False, indent=2) + "\n"
    expected = case / name
    if update_golden:
        expected.write_text(out, encoding="utf-8")
    assert expected.exists(), f"no {expected}: run pytest --update-golden and review it"
    assert out == expected.read_text(encoding="utf-8")


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.name)
def test_json_matches_the_shipped_schema(
    case: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    schema = json.loads((resources.templates_dir() / "report.schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    report = json.loads(render(case, ["-f", "json"], capsys, monkeypatch))
    jsonschema.validate(report, schema)


def test_schema_rejects_a_broken_report(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    schema = json.loads((resources.templates_dir() / "report.schema.json").read_text())
    report = json.loads(render(CASES[0], ["-f", "json"], capsys, monkeypatch))
    report["incidents"][0]["category"] = "bad luck"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(report, schema)
