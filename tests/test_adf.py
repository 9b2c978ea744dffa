"""Atlassian Document Format (-f adf, analyzer/reporting/adf.py): every document valid against the ADF JSON
schema vendored in tests/data/adf/ (with its licence; nothing is downloaded), log text in code blocks."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import jsonschema
import pytest
from conftest import ROOT, SAMPLES
from test_jira import HOSTILE, hostile_log

from analyzer import cli

SCHEMA = ROOT / "tests" / "data" / "adf" / "full.json"


@cache
def validator() -> jsonschema.Draft4Validator:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft4Validator.check_schema(schema)
    return jsonschema.Draft4Validator(schema)


def scan(args: list[str], capsys: pytest.CaptureFixture[str]) -> dict:
    code = cli.main(["-f", "adf", *args, "--tz", "Asia/Tokyo"])
    out, err = capsys.readouterr()
    assert code == 0, err
    return json.loads(out)


def test_the_schema_is_vendored_with_its_licence() -> None:
    folder = SCHEMA.parent
    assert "Apache License" in (folder / "LICENSE").read_text(encoding="utf-8")
    assert "@atlaskit/adf-schema" in (folder / "README.md").read_text(encoding="utf-8")
    assert json.loads(SCHEMA.read_text(encoding="utf-8"))["$schema"] == "http://json-schema.org/draft-04/schema#"


@pytest.mark.parametrize("sample", ["python_card_decline.log", "json_rate_limit.jsonl"])
def test_reports_of_samples_are_valid_adf(sample: str, capsys: pytest.CaptureFixture[str]) -> None:
    document = scan([str(SAMPLES / sample)], capsys)
    validator().validate(document)
    types = {node["type"] for node in document["content"]}
    assert {"heading", "table", "codeBlock", "bulletList", "paragraph"} <= types


def test_a_shortened_report_is_valid_adf(capsys: pytest.CaptureFixture[str]) -> None:
    document = scan(["--max-chars", "4000", str(SAMPLES / "syslog_mixed.log")], capsys)
    validator().validate(document)
    assert "Shortened to fit 4,000 characters" in json.dumps(document, ensure_ascii=False)


def test_a_hostile_log_is_text_in_a_code_block(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log = hostile_log(tmp_path)
    with log.open("a") as f:
        f.write(
            "2026-03-14 09:02:00,000 ERROR app.chat: openai.AuthenticationError: Error code: 401 - \x1b[31m\x00 ok\n"
        )
    document = scan([str(log)], capsys)
    validator().validate(document)
    blocks = [n["content"][0]["text"] for n in document["content"] if n["type"] == "codeBlock" and n["content"]]
    assert any(HOSTILE in b for b in blocks)
    assert "\x1b" not in json.dumps(document) and "\\u001b" not in json.dumps(document)


def test_empty_text_never_becomes_a_node(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log = tmp_path / "empty.log"
    log.write_text("")
    document = scan([str(log)], capsys)
    validator().validate(document)
    texts = [n for n in _walk(document) if n.get("type") == "text"]
    assert texts and all(n["text"] for n in texts)


def _walk(node: dict) -> list[dict]:
    return [node, *(child for c in node.get("content", []) for child in _walk(c))]
