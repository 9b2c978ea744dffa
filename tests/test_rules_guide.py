"""docs/rules.md, the rules guide: its worked example works as written, and every key a rule file takes is in it."""

from __future__ import annotations

import json
import re
from pathlib import Path

from conftest import run_logscan

from analyzer.ruleset import incidents, providers, signatures

ROOT = Path(__file__).parent.parent
GUIDE = (ROOT / "docs" / "rules.md").read_text()


def blocks(kind: str) -> list[str]:
    return [body for lang, body in re.findall(r"```(\w*)\n(.*?)```", GUIDE, re.S) if lang == kind]


def example(tmp_path: Path) -> tuple[Path, Path]:
    rules = tmp_path / "my-rules"
    rules.mkdir()
    (rules / "acme.toml").write_text(blocks("toml")[0])
    log = tmp_path / "app.log"
    log.write_text(blocks("text")[0])
    return rules, log


def test_the_worked_example_passes_rules_test(logscan_bin: str, tmp_path: Path) -> None:
    rules, _ = example(tmp_path)
    done = run_logscan(logscan_bin, "rules", "test", str(rules), cwd=tmp_path)
    assert done.returncode == 0, done.stdout.decode() + done.stderr.decode()


def test_the_worked_example_gives_its_own_incident_playbook_and_recovery(logscan_bin: str, tmp_path: Path) -> None:
    rules, log = example(tmp_path)
    done = run_logscan(logscan_bin, "--rules", str(rules), "-f", "json", str(log), cwd=tmp_path)
    (incident,) = json.loads(done.stdout)["incidents"]
    assert incident["rule"] == "incident.acme_search" and incident["group"] == {"region": "eu-1"}
    assert incident["remediation"]["id"] == "acme-search"
    assert incident["recovered_at"].startswith("2026-03-14T10:05:00")
    assert "(Acme search unavailable)" in incident["grouped_because"]  # its own title, not "OpenAI server errors"


def test_a_custom_rules_incident_uses_its_playbook_without_an_incident_rule(logscan_bin: str, tmp_path: Path) -> None:
    rules, log = example(tmp_path)
    text = (rules / "acme.toml").read_text()
    (rules / "acme.toml").write_text(text[: text.index("[[incident]]")])  # the shipped provider_trouble takes them
    done = run_logscan(logscan_bin, "--rules", str(rules), "-f", "json", str(log), cwd=tmp_path)
    (incident,) = json.loads(done.stdout)["incidents"]
    assert incident["rule"] == "incident.provider_trouble"
    assert incident["remediation"]["id"] == "acme-search"  # not "check status.openai.com"


def test_every_key_of_every_table_is_documented() -> None:
    schemas = {
        "rule": signatures.RULE_KEYS,
        "example": signatures.EXAMPLE_KEYS,
        "extractor": signatures.EXTRACTOR_KEYS,
        "playbook": signatures.PLAYBOOK_KEYS,
        "text": signatures.PLAYBOOK_TEXT_KEYS,
        "incident": incidents.INCIDENT_KEYS,
        "select": incidents.SELECT_KEYS,
        "step": incidents.STEP_KEYS,
        "incident example": incidents.EXAMPLE_KEYS,
        "provider": providers.PROVIDER_KEYS,
        "generic": providers.GENERIC_KEYS,
    }
    missing = [f"{table}.{key}" for table, keys in schemas.items() for key in keys if f"`{key}`" not in GUIDE]
    assert not missing


def test_the_readme_links_the_guide() -> None:
    assert "(docs/rules.md)" in (ROOT / "README.md").read_text()
