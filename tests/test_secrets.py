"""No secret reaches any report: keys, tokens, Authorization and api-key values, e-mail addresses and
card numbers, seeded in every kind of record, through the installed command in every format."""

from __future__ import annotations

import html
import json
from pathlib import Path

import pytest
from conftest import run_logscan

from analyzer import reporting

SECRETS = {
    "key": "sk-proj-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789_-qRsT",
    "legacy_key": "sk-T3BlbkFJa1b2C3d4E5f6G7h8I9j0KLmNoPqRsTuVwXyZ1234",
    "admin_key": "sk-admin-ZyXwVuTsRqPoNmLkJiHgFeDcBa9876543210wXyZ",
    "service_key": "sk-svcacct-QwErTyUiOpAsDfGhJkLzXcVbNm1234567890ZxCv",
    "bearer": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJlLXNlY3JldA",
    "basic": "dXNlcjpwYXNzd29yZC1zZWNyZXQ=",
    "azure": "0f1e2d3c4b5a69788796a5b4c3d2e1f0",
    "email": "jane.doe+billing@example-corp.co.jp",
    "card": "4111 1111 1111 1111",
    "card_dashed": "5555-5555-5555-4444",
    "card_plain": "378282246310005",
}
S = SECRETS
QUOTA = (
    "openai.RateLimitError: Error code: 429 - {'error': {'message': 'You exceeded your current quota, please check "
    "your plan and billing details.', 'type': 'insufficient_quota', 'param': None, 'code': 'insufficient_quota'}}"
)
AUTH = (
    f"openai.AuthenticationError: Error code: 401 - {{'error': {{'message': 'Incorrect API key provided: {S['key']}. "
    "You can find your API key at https://platform.openai.com/account/api-keys.', 'type': 'invalid_request_error', "
    "'param': None, 'code': 'invalid_api_key'}}"
)


def seeded_log() -> str:
    nested = {
        "ts": "2026-03-14T09:00:03Z",
        "level": "error",
        "msg": f"openai call failed for {S['email']}",
        "model": f"gpt-4o {S['admin_key']}",
        "err": {
            "status": 429,
            "code": "insufficient_quota",
            "message": f"You exceeded your current quota (card {S['card_dashed']}, api-key: {S['azure']})",
            "request": {"headers": {"Authorization": f"Bearer {S['bearer']}", "api-key": S["azure"]}},
        },
    }
    docker = {
        "log": f"openai.RateLimitError: insufficient_quota key={S['service_key']} Authorization: Basic {S['basic']}\n",
        "stream": "stderr",
        "time": "2026-03-14T09:00:05Z",
    }
    return (
        "\n".join(
            [
                f"2026-03-14 09:00:00,000 ERROR app.chat: {S['email']} {AUTH}",
                f"2026-03-14 09:00:01,000 ERROR app.chat: user {S['email']} card {S['card']} {QUOTA}",
                "2026-03-14 09:00:02,000 ERROR app.chat: completion failed",
                "Traceback (most recent call last):",
                f'  File "app.py", line 3, in call  # headers={{"Authorization": "Bearer {S["bearer"]}"}}',
                f"    client = OpenAI(api_key='{S['legacy_key']}')  # {S['card_plain']}",
                QUOTA,
                json.dumps(nested),
                f"2026-03-14T09:00:04.000Z stderr P openai.RateLimitError: {S['key']} ",
                f"2026-03-14T09:00:04.001Z stderr F {QUOTA} {S['email']} api-key={S['azure']}",
                json.dumps(docker),
                f'time=2026-03-14T09:00:06Z level=error msg="{QUOTA}" user={S["email"]} card="{S["card"]}"',
            ]
        )
        + "\n"
    )


def forms(secret: str) -> set[bytes]:
    """The secret as raw bytes and as JSON and HTML would escape it; a spaced card also without spaces."""
    texts = {secret, json.dumps(secret)[1:-1], html.escape(secret), html.escape(secret, quote=False)}
    if secret.replace(" ", "").replace("-", "").isdigit():
        texts |= {secret.replace(" ", ""), secret.replace("-", "")}
    return {t.encode() for t in texts}


@pytest.fixture(scope="module")
def log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("secrets") / "secrets.log"
    path.write_text(seeded_log())
    return path


@pytest.mark.parametrize("fmt", reporting.FORMATS)
def test_no_secret_in_any_format(fmt: str, log: Path, logscan_bin: str) -> None:
    key = {"PAGERDUTY_ROUTING_KEY": "R" * 32}
    done = run_logscan(logscan_bin, "-f", fmt, str(log), cwd=log.parent, env=key)
    assert done.returncode == 0, done.stderr
    assert done.stderr == b""
    assert len(json.loads(done.stdout)["events"]) >= 6 if fmt == "json" else done.stdout
    leaked = [name for name, secret in SECRETS.items() for form in forms(secret) if form in done.stdout]
    assert leaked == []
    assert b"sk-proj-***qRsT" in done.stdout


def test_every_seeded_record_is_an_event(log: Path, logscan_bin: str) -> None:
    done = run_logscan(logscan_bin, "-f", "json", str(log), cwd=log.parent)
    lines = sorted({e["line"] for e in json.loads(done.stdout)["events"]})
    assert lines == [1, 2, 3, 8, 9, 11, 12]


@pytest.mark.parametrize("fmt", ["json", "md", "html", "text"])
def test_no_redact_keeps_them_and_says_so(fmt: str, log: Path, logscan_bin: str) -> None:
    done = run_logscan(logscan_bin, "-f", fmt, "--no-redact", str(log), cwd=log.parent)
    assert done.returncode == 0
    assert done.stderr == (b"logscan: warning: redaction is off: the report may contain API keys and personal data\n")
    kept = ["key"] if fmt == "text" else ["email", "key", "card"]  # text shows the lines around their messages
    for name in kept:
        assert any(form in done.stdout for form in forms(SECRETS[name])), name
