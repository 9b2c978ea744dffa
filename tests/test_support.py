"""The block for OpenAI support (analyzer/reporting/support.py): request ids, organisation and project,
models, the window in UTC, error codes, rate-limit figures and headroom, Azure's content-filter results; in
every format, and not shown where an incident names none of it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from analyzer import cli, reporting

ORG = "org-9fQmZ3xLwq8TnB2Kc7Vd1RyE"
PROJECT = "proj_Zx81LmQ0aB3cD4eF"
HEADERS = (
    "DEBUG openai._base_client: HTTP Response: POST https://api.openai.com/v1/chat/completions "
    "\"429 Too Many Requests\" Headers([('x-ratelimit-limit-tokens', '30000'), "
    "('x-ratelimit-remaining-tokens', '{left}'), ('x-ratelimit-reset-tokens', '{reset}'), "
    "('x-request-id', 'req_{n:032x}')])"
)
STORM = (
    "ERROR app.chat: completion failed project={project}: openai.RateLimitError: Error code: 429 - {{'error': "
    "{{'message': 'Rate limit reached for gpt-4o in organization {org} on tokens per min (TPM): Limit 30000, "
    "Used {used}, Requested 4000. Please try again in 7.9s.', 'type': 'tokens', 'param': None, "
    "'code': 'rate_limit_exceeded'}}}}"
)
FILTER = (
    "ERROR app.chat: azure chat failed: openai.BadRequestError: Error code: 400 - {'error': {'message': \"The "
    "response was filtered due to the prompt triggering Azure OpenAI's content management policy. Please modify "
    "your prompt and retry.\", 'type': None, 'param': 'prompt', 'code': 'content_filter', 'status': 400, "
    "'innererror': {'code': 'ResponsibleAIPolicyViolation', 'content_filter_result': {'hate': {'filtered': "
    "False, 'severity': 'safe'}, 'jailbreak': {'filtered': False, 'detected': False}, 'self_harm': {'filtered': "
    "False, 'severity': 'safe'}, 'sexual': {'filtered': True, 'severity': 'medium'}, 'violence': {'filtered': "
    "True, 'severity': 'high'}}}}}"
)
COMPLETION = (
    "ERROR app.chat: structured output failed: openai.ContentFilterFinishReasonError: Could not parse response "
    'content as the request was rejected by the content filter; response: {"choices": [{"finish_reason": '
    '"content_filter", "content_filter_results": {"violence": {"filtered": true, "severity": "medium"}}}]}'
)
TIMEOUT = "ERROR app.chat: completion failed: openai.APITimeoutError: Request timed out."


def support_log(folder: Path) -> Path:
    lines = [f"2026-03-14 09:00:00,000 {HEADERS.format(left=900, reset='55s', n=1)}"]  # alone: before the storm
    for n in range(10):  # the storm: 10 calls, each its debug line and its error
        stamp = f"2026-03-14 09:30:{n * 5:02d},000"
        lines.append(f"{stamp} {HEADERS.format(left=0, reset='6.5s', n=100 + n)}")
        lines.append(f"{stamp[:-3]}005 {STORM.format(project=PROJECT, org=ORG, used=29_000 + n * 99)}")
    lines += [f"2026-03-14 10:00:00,000 {FILTER}", f"2026-03-14 10:00:30,000 {COMPLETION}"]
    lines += [f"2026-03-14 11:00:00,000 {TIMEOUT}", f"2026-03-14 11:01:00,000 {TIMEOUT}"]
    path = folder / "support.log"
    path.write_text("\n".join(lines) + "\n")
    return path


def scan(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    code = cli.main([*args, "--tz", "UTC"])
    out, err = capsys.readouterr()
    assert code == 0, err
    return out


@pytest.fixture
def by_category(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, dict]:
    report = json.loads(scan(capsys, "-f", "json", str(support_log(tmp_path))))
    return {i["category"]: i for i in report["incidents"]}


def test_the_storm_block_has_ids_org_project_model_window_codes_and_the_peak(by_category: dict) -> None:
    block = by_category["rate_limit"]["support"]
    assert block["request_ids"] == [f"req_{n:032x}" for n in (100, 101, 102, 107, 108, 109)]
    assert block["request_id_count"] == 10
    assert (block["organizations"], block["projects"], block["models"]) == ([ORG], [PROJECT], ["gpt-4o"])
    assert (block["start_utc"], block["end_utc"]) == ("2026-03-14T09:30:00.000Z", "2026-03-14T09:30:45.005Z")
    assert (block["error_codes"], block["statuses"]) == (["rate_limit_exceeded"], ["429"])
    rate = block["rate_limit"]
    assert (rate["unit"], rate["limit"], rate["used"], rate["requested"]) == ("TPM", "30000", "29891", "4000")
    assert rate["used_share"] == pytest.approx(29891 / 30000)


def test_headroom_comes_from_the_headers_during_and_in_the_hour_before(by_category: dict) -> None:
    rate = by_category["rate_limit"]["support"]["rate_limit"]
    assert rate["lowest"] == {
        "kind": "tokens", "limit": 30000, "remaining": 0, "reset": "6.5s", "at": "2026-03-14T09:30:00.000Z"
    }  # fmt: skip
    assert rate["before"] == {
        "kind": "tokens", "limit": 30000, "remaining": 900, "reset": "55s", "at": "2026-03-14T09:00:00.000Z"
    }  # fmt: skip


def test_azure_content_filter_results_say_category_severity_and_prompt_or_completion(by_category: dict) -> None:
    found = by_category["content_filter"]["support"]["content_filter"]
    assert found == [
        {"part": "completion", "category": "violence", "severity": "medium", "count": 1},
        {"part": "prompt", "category": "sexual", "severity": "medium", "count": 1},
        {"part": "prompt", "category": "violence", "severity": "high", "count": 1},
    ]


def test_an_incident_that_names_nothing_for_support_has_no_block(by_category: dict) -> None:
    assert by_category["timeout"]["support"] is None


@pytest.mark.parametrize("fmt", reporting.FORMATS)
def test_every_format_shows_the_block_where_there_is_one_and_none_where_there_is_none(
    fmt: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PAGERDUTY_ROUTING_KEY", "k" * 32)
    room = ["--max-chars", "1000000"] if fmt in reporting.FITTED else []  # all of it, not what fits a ticket
    out = scan(capsys, "-f", fmt, *room, str(support_log(tmp_path)))
    if fmt == "json":
        return  # the tests above
    for value in ("req_" + "0" * 29 + "064", PROJECT, "2026-03-14T09:30:00.000Z"):
        assert value.replace("_", "&#95;") in out or value in out, value
    if fmt not in ("pagerduty", "opsgenie"):  # events carry the block as data: one per incident, or none
        title = "For OpenAI support"
        assert out.count(title) == 2, "the storm's and the content filter's, not the timeouts'"


def test_the_block_reads_as_figures_with_their_units(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    md = scan(capsys, "-f", "md", str(support_log(tmp_path)))
    # values read from the log are code spans in Markdown: nothing in them is markup
    assert "| Rate limit at its peak (429 messages) | `TPM: used 29,891 of 30,000 (99.64%), requested 4,000` |" in md
    assert (
        "| Least headroom in the hour before | `900 of 30,000 tokens left (97.00% used), reset in 55s, at "
        "2026-03-14T09:00:00.000Z` |"
    ) in md
    assert "| Content filter | `completion: violence (medium) × 1; prompt: sexual (medium) × 1; prompt: violence" in md
    ja = scan(capsys, "-f", "md", "--lang", "ja", str(support_log(tmp_path)))
    assert "| リクエスト ID | `req_" in ja and "30,000 トークンのうち残り 900（97.00% 使用）" in ja
