"""Hostile text through the installed command, class by class (issue 23): times no report can hold,
reports that must not depend on the clock, --since/--until against outliers, errors nested deep in
JSON, secrets in every encoding, Markdown injection, and input that must stay cheap. Each case
asserts the exit code, the report and stderr."""

from __future__ import annotations

import gzip
import html
import io
import itertools
import json
import random
import re
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

import pytest
from conftest import run_logscan
from hypothesis import example, given, settings
from hypothesis import strategies as st

from analyzer import pipeline, prefilter, redaction, reporting, ruleset
from analyzer.framing import Counts, frame_blocks, frame_lines
from analyzer.models import Entry, Record
from analyzer.parsing import parse
from analyzer.reporting import model
from analyzer.timestamps import Clock

QUOTA = (
    "openai.RateLimitError: Error code: 429 - {'error': {'message': 'You exceeded your current quota, please check "
    "your plan and billing details.', 'type': 'insufficient_quota', 'param': None, 'code': 'insufficient_quota'}}"
)
GOOD = f"2026-03-14 09:00:00,000 ERROR app.chat: {QUOTA}"
SUCCESS = 'INFO httpx: HTTP Request: POST https://api.openai.com/v1/chat/completions "HTTP/1.1 200 OK"'


def scan(binary: str, folder: Path, text: str, *args: str) -> tuple[subprocess.CompletedProcess[bytes], dict]:
    """The JSON report of `text` as a file; no traceback, whatever the exit code."""
    (folder / "app.log").write_text(text, encoding="utf-8")
    done = run_logscan(binary, "-f", "json", *args, "app.log", cwd=folder)
    assert b"Traceback" not in done.stderr, done.stderr.decode(errors="replace")
    return done, json.loads(done.stdout) if done.stdout else {}


# --- One line must never kill the report ---------------------------------------------------------

# Each a record whose timestamp names no time a report can hold, in every layout logscan reads.
BAD_TIMES = {
    "iso_9999_west": f"9999-12-31T23:59:59-05:00 ERROR app: {QUOTA}",
    "iso_9999_utc": f"9999-12-31T23:30:00Z ERROR app: {QUOTA}",
    "iso_year_1_east": f"0001-01-01T00:00:01+09:00 ERROR app: {QUOTA}",
    "iso_year_1_utc": f"0001-01-01T00:00:00Z ERROR app: {QUOTA}",
    "offset_plus_24": f"2026-03-14T09:00:00+24:00 ERROR app: {QUOTA}",
    "offset_minus_24": f"2026-03-14T09:00:00-24:00 ERROR app: {QUOTA}",
    "offset_23_60": f"2026-03-14T09:00:00+23:60 ERROR app: {QUOTA}",
    "offset_99_99": f"2026-03-14T09:00:00+99:99 ERROR app: {QUOTA}",
    "plain_9999": f"9999-12-31 23:59:59,000 ERROR app: {QUOTA}",
    "hour_25": f"2026-03-14 25:61:61,000 ERROR app: {QUOTA}",
    "json_iso": json.dumps({"ts": "9999-12-31T23:59:59-05:00", "level": "error", "msg": QUOTA}),
    "json_offset": json.dumps({"@timestamp": "2026-03-14T09:00:00+24:00", "level": "error", "msg": QUOTA}),
    "json_epoch_s": json.dumps({"time": -62135596800, "level": "error", "msg": QUOTA}),
    "json_epoch_ms": json.dumps({"ts": "-62135596800000", "level": "error", "msg": QUOTA}),
    "journald_us": json.dumps({"__REALTIME_TIMESTAMP": -62135596800000000, "PRIORITY": "3", "MESSAGE": QUOTA}),
    "logfmt": f'time=9999-12-31T23:59:59-05:00 level=error msg="{QUOTA}"',
    "syslog5424": f"<11>1 9999-12-31T23:59:59-05:00 host app 1 - - {QUOTA}",
    "syslog3164": f"<11>Mar 14 25:61:61 host app[1]: {QUOTA}",
    "cri": f"9999-12-31T23:59:59-05:00 stderr F {QUOTA}",
    "cri_offset": f"2026-03-14T09:00:00+24:00 stderr F {QUOTA}",
    "docker": json.dumps({"log": QUOTA + "\n", "stream": "stderr", "time": "0001-01-01T00:00:00+09:00"}),
}


@pytest.mark.parametrize("zone", ["+14:00", "-12:00"])
@pytest.mark.parametrize("name", sorted(BAD_TIMES))
def test_a_time_no_report_can_hold_is_counted_not_fatal(name: str, zone: str, tmp_path: Path, logscan_bin: str) -> None:
    text = f"{GOOD}\n{BAD_TIMES[name]}\n2026-03-14 09:00:05,000 {SUCCESS}\n9999-12-31 23:59:59,000 {SUCCESS}\n"
    done, report = scan(logscan_bin, tmp_path, text, "--tz", zone)
    assert (done.returncode, done.stderr) == (0, b"")
    summary = report["summary"]
    assert summary["bad_times"] == 2  # the failure's line and the successful call's
    assert [e["line"] for e in report["events"]] == [1, 2]  # the error of the line is still found
    # undated, it takes the time of the record before it; the span is that of the usable times
    assert {e["time"][:10] for e in report["events"]} == {"2026-03-14"}
    assert summary["start"][:10] == summary["end"][:10] == "2026-03-14"
    assert summary["successes"] == 2


def test_every_format_renders_the_unusable_times(tmp_path: Path, logscan_bin: str) -> None:
    path = tmp_path / "app.log"
    path.write_text("\n".join([GOOD, *BAD_TIMES.values()]) + "\n")
    for fmt in ("md", "html", "text", "json"):
        for zone in ("+14:00", "-12:00", "UTC"):
            done = run_logscan(logscan_bin, "-f", fmt, "--tz", zone, str(path), cwd=tmp_path)
            assert (done.returncode, done.stderr) == (0, b""), (fmt, zone, done.stderr)
    assert json.loads(done.stdout)["summary"]["bad_times"] == len(BAD_TIMES)


@pytest.mark.parametrize("zone", ["+24:00", "-24:00", "+23:60", "+99:99", "+9:00"])
def test_tz_that_is_no_offset_is_a_usage_error(zone: str, tmp_path: Path, logscan_bin: str) -> None:
    done, _ = scan(logscan_bin, tmp_path, GOOD + "\n", "--tz", zone)
    assert done.returncode == 2
    assert done.stderr.decode() == (
        f"logscan: error: --tz: '{zone}' is no offset from UTC "
        "(write one from -23:59 to +23:59, such as +09:00 or -05:30)\n"
    )


@pytest.mark.parametrize(
    "value", ["9999-12-31T23:59:59-05:00", "0001-01-01T00:00:00+09:00", "99999999d", "9" * 30 + "s"]
)
@pytest.mark.parametrize("option", ["--since", "--until"])
def test_since_until_beyond_any_report_is_a_usage_error(
    option: str, value: str, tmp_path: Path, logscan_bin: str
) -> None:
    done, _ = scan(logscan_bin, tmp_path, GOOD + "\n", option, value)
    assert done.returncode == 2
    assert done.stderr.decode().startswith(f"logscan: error: {option}: cannot read '{value}' as a time or a duration")


def test_a_leap_second_is_the_last_instant_of_the_second_before(tmp_path: Path, logscan_bin: str) -> None:
    text = f"2026-12-31 23:59:60,250 ERROR app: {QUOTA}\n2026-12-31T23:59:60Z ERROR app: {QUOTA}\n"
    done, report = scan(logscan_bin, tmp_path, text, "--tz", "UTC")
    assert (done.returncode, report["summary"]["bad_times"]) == (0, 0)
    assert [e["time"] for e in report["events"]] == ["2026-12-31T23:59:59.999+00:00"] * 2


# --- Same input, same options: same bytes ---------------------------------------------------------

# Stamps that leave out the time of day, name an impossible one, or a leap second: none may take
# anything from the clock's time of day.
CLOCKLESS = [
    f"2026-03-14 ERROR app: {QUOTA}",
    f"[2026-03-14] ERROR app: {QUOTA}",
    f"14/Mar/2026 ERROR app: {QUOTA}",
    json.dumps({"ts": "2026-03-14", "level": "error", "msg": QUOTA}),
    f'time=2026-03-14 level=error msg="{QUOTA}"',
    f"2026-03-14 25:61:61 ERROR app: {QUOTA}",
    f"Mar 14 2026 25:61:61 ERROR app: {QUOTA}",
    f"2026-03-14 23:59:60,500 ERROR app: {QUOTA}",
    f"2026-03-14T23:59:60Z ERROR app: {QUOTA}",
    f"2026-03-14 23:59:60 ERROR app: {QUOTA}",
]


def test_the_same_input_gives_the_same_report_whenever_it_is_read(tmp_path: Path, logscan_bin: str) -> None:
    path = tmp_path / "app.log"
    path.write_text("\n".join(CLOCKLESS) + "\n")
    runs = []
    for _ in range(2):
        runs.append([run_logscan(logscan_bin, "-f", fmt, str(path), cwd=tmp_path) for fmt in ("json", "md", "html")])
        time.sleep(1.1)  # the clock's seconds move between the runs
    assert [r.stdout for r in runs[0]] == [r.stdout for r in runs[1]]
    events = json.loads(runs[0][0].stdout)["events"]
    assert [e["time"] for e in events[:5]] == ["2026-03-14T00:00:00.000+00:00"] * 5  # a date alone: its midnight
    assert json.loads(runs[0][0].stdout)["summary"]["bad_times"] == 2  # hour 25


def test_a_report_depends_on_the_clock_by_its_day_only() -> None:
    """In process, two clocks of one day, hours apart: the same bytes in every format."""
    rules = ruleset.load()
    data = ("\n".join(CLOCKLESS) + "\n").encode()
    rendered = []
    for hour in (1, 23):
        now = datetime(2026, 3, 20, hour, 17, 42, 123456, tzinfo=UTC)
        analysis = pipeline.run(pipeline.Options((), UTC, now), rules, io.BytesIO(data))
        report = reporting.build(analysis, "en", UTC)
        rendered.append([reporting.render(report, fmt) for fmt in reporting.FORMATS])
    assert rendered[0] == rendered[1]


# --- --since and --until against outliers -------------------------------------------------------


def quota_at(when: str) -> str:
    return f"{when},000 ERROR app.chat: {QUOTA}"


def test_a_stray_record_far_in_the_future_does_not_empty_since(tmp_path: Path, logscan_bin: str) -> None:
    text = "\n".join([quota_at("2026-03-14 09:00:00"), quota_at("2026-03-14 10:00:00")])
    text += "\n2099-01-01 00:00:00,000 INFO app: shutting down\n"
    done, report = scan(logscan_bin, tmp_path, text, "--since", "2h", "--fail-on", "high")
    assert done.returncode == 1  # the quota outage is still there
    assert [e["line"] for e in report["events"]] == [1, 2]
    note = (
        "--since 2h counted back from 2026-03-14T10:00:00+00:00, not from the 1 record(s) more than 7 days "
        "after every other: app.log:3 (2099-01-01T00:00:00+00:00) (--now TIME counts back from a time you choose)"
    )
    assert report["summary"]["notes"] == [note]
    assert done.stderr.decode() == f"logscan: warning: {note}\n"


def test_stray_events_and_calls_are_passed_over_and_named(tmp_path: Path, logscan_bin: str) -> None:
    lines = [quota_at(f"2026-03-14 {h:02d}:{m:02d}:00") for h in range(8, 11) for m in range(0, 60, 2)]
    lines += [quota_at("2098-05-01 00:00:00"), f"2099-01-01 00:00:00,000 {SUCCESS}"]
    done, report = scan(logscan_bin, tmp_path, "\n".join(lines) + "\n", "--until", "30m")
    assert done.returncode == 0
    notes = report["summary"]["notes"]
    assert len(notes) == 1 and "app.log:92 (2099-01-01T00:00:00+00:00), app.log:91 (2098-05-01" in notes[0]
    assert "counted back from 2026-03-14T10:58:00+00:00, not from the 2 record(s)" in notes[0]
    assert max(e["time"] for e in report["events"]) == "2026-03-14T10:28:00.000+00:00"


def test_many_records_after_a_long_gap_are_the_end_of_the_log(tmp_path: Path, logscan_bin: str) -> None:
    """A month without records, then a day of them: that day is where the log ends, not a stray."""
    lines = [quota_at(f"2026-03-14 09:{m:02d}:00") for m in range(50)]
    lines += [quota_at(f"2026-05-02 10:{m:02d}:00") for m in range(50)]
    done, report = scan(logscan_bin, tmp_path, "\n".join(lines) + "\n", "--since", "10m")
    assert (done.returncode, done.stderr) == (0, b"")
    assert report["summary"]["notes"] == []
    assert [e["line"] for e in report["events"]] == list(range(90, 101))


def test_now_is_where_durations_count_back_from(tmp_path: Path, logscan_bin: str) -> None:
    text = "\n".join([quota_at("2026-03-14 09:00:00"), quota_at("2026-03-14 10:00:00")]) + "\n"
    done, report = scan(logscan_bin, tmp_path, text, "--since", "1h", "--now", "2026-03-14T10:30:00Z")
    assert (done.returncode, done.stderr) == (0, b"")
    assert [e["line"] for e in report["events"]] == [2]


def test_now_gives_stamps_without_a_year_their_year(tmp_path: Path, logscan_bin: str) -> None:
    text = f"<11>Dec 31 23:59:60 host app[1]: {QUOTA}\n"
    for now, year in (("2027-01-01T00:00:00Z", "2026"), ("2027-06-01T00:00:00Z", "2026"), ("2028-01-05", "2027")):
        done, report = scan(logscan_bin, tmp_path, text, "--tz", "UTC", "--now", now)
        assert done.returncode == 0
        assert [e["time"] for e in report["events"]] == [f"{year}-12-31T23:59:59.999+00:00"]


def test_a_window_that_leaves_out_every_event_says_so(tmp_path: Path, logscan_bin: str) -> None:
    text = "\n".join([quota_at("2026-03-14 09:00:00"), quota_at("2026-03-14 10:00:00")]) + "\n"
    done, report = scan(logscan_bin, tmp_path, text, "--since", "2026-03-15T00:00:00Z", "--fail-on", "low")
    assert done.returncode == 0
    assert report["events"] == [] and report["summary"]["filtered_out"] == 2
    note = (
        "--since 2026-03-15T00:00:00Z left out every one of the 2 events: none is from 2026-03-15T00:00:00+00:00 to -"
    )
    assert report["summary"]["notes"] == [note]
    assert done.stderr.decode() == f"logscan: warning: {note}\n"
    md = run_logscan(logscan_bin, "-f", "md", "--since", "2026-03-15T00:00:00Z", "app.log", cwd=tmp_path)
    assert f"**Notes**\n\n- `{note}`\n".encode() in md.stdout


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2h", "--now: '2h' is a duration, not a time (write a time such as 2026-03-14T09:00)"),
        ("soon", "--now: cannot read 'soon' as a time or a duration"),
        ("9999-12-31T23:59:59-05:00", "--now: cannot read '9999-12-31T23:59:59-05:00' as a time or a duration"),
    ],
)
def test_now_that_is_no_time_is_a_usage_error(value: str, message: str, tmp_path: Path, logscan_bin: str) -> None:
    done, _ = scan(logscan_bin, tmp_path, GOOD + "\n", "--now", value)
    assert done.returncode == 2
    assert done.stderr.decode().startswith(f"logscan: error: {message}")


# --- Errors nested deep in JSON --------------------------------------------------------------------

QUOTA_ERROR = {
    "message": "You exceeded your current quota, please check your plan and billing details.",
    "type": "insufficient_quota",
    "code": "insufficient_quota",
}


def nest(keys: list[str], inner: object) -> dict[str, object]:
    """{keys[0]: {keys[1]: ... inner}}."""
    for key in reversed(keys):
        inner = {key: inner}
    assert isinstance(inner, dict)
    return inner


DEEP_ERRORS = {
    "axios_in_a_job": {"msg": "job failed", "context": nest(["job", "err", "response", "data", "error"], QUOTA_ERROR)},
    "bull_queue": {"msg": "failed", "job": {"id": 7, "failedReason": {"cause": {"response": {"error": QUOTA_ERROR}}}}},
    "in_an_array": {"msg": "batch failed", "results": [{"ok": True}, {"ok": False, "exception": QUOTA_ERROR}]},
    "depth_30": {"msg": "failed", **nest([f"k{n}" for n in range(28)] + ["error"], QUOTA_ERROR)},
}


@pytest.mark.parametrize("name", sorted(DEEP_ERRORS))
def test_an_error_object_is_found_wherever_it_nests(name: str, tmp_path: Path, logscan_bin: str) -> None:
    record = {"ts": "2026-03-14T09:00:00Z", "level": "error", **DEEP_ERRORS[name]}
    done, report = scan(logscan_bin, tmp_path, json.dumps(record) + "\n")
    assert (done.returncode, done.stderr) == (0, b"")
    assert [(e["line"], e["rule"]) for e in report["events"]] == [(1, "openai.quota.insufficient_quota")]
    assert report["incidents"][0]["category"] == "quota"


def test_the_search_for_nested_errors_is_bounded() -> None:
    """Past 32 levels nothing is looked for; a record of a million objects, or of megabytes of
    error text, costs what its budget allows (4,096 objects, 64 KiB of text)."""
    too_deep = {"msg": "x", **nest([f"k{n}" for n in range(40)] + ["error"], QUOTA_ERROR)}
    assert "insufficient_quota" not in parse_json(too_deep).text
    wide = {"msg": "x", "items": [{"k": {"v": n}} for n in range(200_000)] + [{"error": QUOTA_ERROR}]}
    started = time.process_time()
    assert "insufficient_quota" not in parse_json(wide).text  # the budget ran out before it
    assert time.process_time() - started < 0.5 + 10 * json_load_seconds(wide)
    big = {"msg": "x", "error": {"stack": "y" * 5_000_000, "message": QUOTA_ERROR["message"]}}
    assert len(parse_json(big).text) < 70_000


def parse_json(obj: dict[str, object]) -> Entry:
    record = Record("app.log", 1, 1, json.dumps({"ts": "2026-03-14T09:00:00Z", **obj}))
    return parse(record, Clock(UTC, datetime(2026, 3, 14, tzinfo=UTC)))


def json_load_seconds(obj: object) -> float:
    text = json.dumps(obj)
    started = time.process_time()
    json.loads(text)
    return time.process_time() - started


# --- Secrets in every encoding ---------------------------------------------------------------------

JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ6cWxlYWt5In0.c2lnbmF0dXJlLXNlY3JldC14eXo"
# kind: (the secret as a log writes it, the part of it that must never reach a report)
SECRETS = {
    "project_key": ("sk-proj-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789qRsT", "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789"),
    "legacy_key": (
        "sk-T3BlbkFJa1b2C3d4E5f6G7h8I9j0KLmNoPqRsTuVwXyZ1234",
        "T3BlbkFJa1b2C3d4E5f6G7h8I9j0KLmNoPqRsTuVwXyZ",
    ),
    "service_key": ("sk-svcacct-QwErTyUiOpAsDfGhJkLzXcVbNm1234567890ZxCv", "QwErTyUiOpAsDfGhJkLzXcVbNm1234567890"),
    "bearer": (f"Authorization: Bearer {JWT}", "eyJzdWIiOiJ6cWxlYWt5In0"),
    "jwt_alone": (f"id_token={JWT}", "eyJzdWIiOiJ6cWxlYWt5In0"),
    "azure_env": ("AZURE_OPENAI_KEY=0f1e2d3c4b5a69788796a5b4c3d2e1f0", "0f1e2d3c4b5a69788796a5b4c3d2e1f0"),
    "openai_env": ("OPENAI_KEY=9a8b7c6d5e4f30211203f4e5d6c7b8a9", "9a8b7c6d5e4f30211203f4e5d6c7b8a9"),
    "subscription": ("?subscription-key=5e4f30211203f4e5d6c7b8a99a8b7c6d", "5e4f30211203f4e5d6c7b8a99a8b7c6d"),
    "api_key": ("api_key=c0ffeec0ffeec0ffee1234", "c0ffeec0ffeec0ffee1234"),
    "x_api_key": ("x-api-key: deadbeefdeadbeef5678", "deadbeefdeadbeef5678"),
    "basic": ("Authorization: Basic dXNlcjpwYXNzd29yZC1zZWNyZXQ=", "dXNlcjpwYXNzd29yZC1zZWNyZXQ"),
    "email": ("zqleakyperson+billing@example-corp.co.jp", "zqleakyperson"),
    "idn_email": ("漏洩ユーザー@例え.jp", "漏洩ユーザー"),
    "card_spaced": ("4111 1111 1111 1111", "4111111111111111"),
    "card_glued": ("order-4242424242424242", "4242424242424242"),
    "card_trailing": ("5555555555554444-", "5555555555554444"),
}


def every_char_escaped(text: str, escape: str) -> str:
    """`text` with each character but letters and digits escaped, `%XX` (UTF-8) or `\\uXXXX`."""
    if escape == "%":
        return "".join(c if c.isascii() and c.isalnum() else quote(c, safe="").replace("-", "%2D") for c in text)
    return "".join(c if c.isascii() and c.isalnum() else f"\\u{ord(c):04x}" for c in text)


ENCODINGS = {
    "raw": lambda s: s,
    "url": lambda s: quote(s, safe=""),  # "-", "_", "." and "~" stay
    "url_every": lambda s: every_char_escaped(s, "%"),  # sk%2Dproj%2D...
    "after_newline": lambda s: "\\n" + s,  # a literal \n, as a JSON string written raw
    "glued": lambda s: "token_" + s,
    "unicode_escaped": lambda s: every_char_escaped(s, "u"),
    "json_twice": lambda s: json.dumps(json.dumps({"detail": s})),  # a \u escape inside a string encoded twice
}


def seeded_secrets() -> tuple[str, int]:
    """A log with every secret in every encoding, each in a quota error of its own; and how many."""
    lines = []
    for kind, (written, _) in SECRETS.items():
        for encoding, encode in ENCODINGS.items():
            stamp = f"2026-03-14 09:{len(lines) // 60:02d}:{len(lines) % 60:02d},000"
            lines.append(f"{stamp} ERROR app: {QUOTA} {kind}/{encoding} {encode(written)}")
        for field in ("model", "organization"):  # as JSON fields, which reach the tables
            second = len(lines)
            record = {"ts": f"2026-03-14T09:{second // 60:02d}:{second % 60:02d}Z", "level": "error", "msg": QUOTA}
            lines.append(json.dumps({**record, field: ENCODINGS["url"](written)}))
    return "\n".join(lines) + "\n", len(lines)


def leaks(core: str, report: str) -> list[str]:
    """The forms of `core` found in a report: as written, escaped as JSON, HTML and URLs do, and each
    character escaped; for a card number, its digits with any separators between them."""
    forms = {core, json.dumps(core)[1:-1], html.escape(core), quote(core, safe="")}
    forms |= {every_char_escaped(core, "%"), every_char_escaped(core, "u")}
    found = [form for form in forms if form in report]
    if core.isdigit() and re.search(r"[ -]?".join(core), report):
        found.append(f"{core} with separators")
    return found


@pytest.fixture(scope="module")
def secrets_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("secrets") / "app.log"
    path.write_text(seeded_secrets()[0])
    return path


@pytest.mark.parametrize("fmt", ["json", "md", "html", "text"])
def test_no_secret_in_any_encoding_reaches_a_report(fmt: str, secrets_log: Path, logscan_bin: str) -> None:
    done = run_logscan(logscan_bin, "-f", fmt, "app.log", cwd=secrets_log.parent)
    assert (done.returncode, done.stderr) == (0, b"")
    report = done.stdout.decode()
    assert {kind: leaks(core, report) for kind, (_, core) in SECRETS.items()} == {kind: [] for kind in SECRETS}


def test_every_seeded_secret_is_shown_redacted(secrets_log: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every record in the report, its evidence whole: each secret redacted in every encoding, in
    every format, and the evidence still readable (a key's prefix and last four, the markers)."""
    monkeypatch.setattr(model, "pick_evidence", lambda incident: list(incident.events))
    text, count = seeded_secrets()
    now = datetime(2026, 3, 14, 12, tzinfo=UTC)
    analysis = pipeline.run(pipeline.Options((), UTC, now), ruleset.load(), io.BytesIO(text.encode()))
    assert len(analysis.events) == count
    report = reporting.build(analysis, "en", UTC)
    assert sum(len(i.evidence) for i in report.incidents) == count
    for fmt in reporting.FORMATS:
        rendered = reporting.render(report, fmt)
        assert {kind: leaks(core, rendered) for kind, (_, core) in SECRETS.items()} == {kind: [] for kind in SECRETS}
    md = reporting.render(report, "md")
    for marker in ("sk-proj-***qRsT", "sk-svcacct-***ZxCv", "Bearer [REDACTED]", "[EMAIL]", "order-[CARD]", "[CARD]-"):
        assert marker in md
    assert md.count("project_key/") == len(ENCODINGS)  # each seeded record's evidence is there


# --- Markdown injection ------------------------------------------------------------------------------

IMAGE = "![x](https://evil.example/a.png)"
HOSTILE_NAME = "![x](https:evil.example)@admins`b`|c"  # a file name: no "/" in it


def outside_code(md: str) -> str:
    """The Markdown with its fenced blocks and code spans left out (CommonMark's rules, enough for a
    report: a fence closes at a run of its own length or more, a span at a run of its own length)."""
    lines, out, fence = md.split("\n"), [], ""
    for line in lines:
        if fence:
            fence = "" if line.startswith(fence) and not line.strip("`") else fence
            continue
        if line.startswith("```"):
            fence = line[: len(line) - len(line.lstrip("`"))]
            continue
        out.append(re.sub(r"(?<!`)(`+)(?!`).*?(?<!`)\1(?!`)", "", line))
    return "\n".join(out)


def test_no_log_derived_value_is_markdown_in_any_section(tmp_path: Path, logscan_bin: str) -> None:
    """Every section of the Markdown report, fed values from a log and file names that are Markdown
    (an image, a mention, backticks and a pipe): none of them is markup outside code."""
    records = [
        {"ts": f"2026-03-14T09:0{n}:00Z", "level": "error", "msg": QUOTA, "model": IMAGE, "organization": "@admins"}
        for n in range(3)
    ]
    lines = [json.dumps(r) for r in records]
    lines.append(f"2026-03-14 09:05:00,000 INFO billing.watch: credit purchase succeeded {IMAGE} @admins `x` | y")
    lines.append("2099-01-01 00:00:00,000 INFO app: stray")
    (tmp_path / f"{HOSTILE_NAME}.log").write_text("\n".join(lines) + "\n")
    (tmp_path / f"{HOSTILE_NAME}.gz").write_bytes(
        gzip.compress(random.Random(7).randbytes(50_000).hex().encode())[:3000]
    )
    done = run_logscan(logscan_bin, "-f", "md", "--since", "1d", ".", cwd=tmp_path)
    assert done.returncode == 4  # the truncated archive
    md = done.stdout.decode()
    for value in (IMAGE, "@admins", "evil.example", HOSTILE_NAME):
        assert value.split("`")[0] in md  # each is in the report ...
    plain = outside_code(md)
    for markup in ("![", "](", "@admins", "evil.example", "<img"):
        assert markup not in plain  # ... but never as markup
    for row in (line for line in md.split("\n") if line.startswith("| ") and line.count("|") > 2):
        cells = re.split(r"(?<!\\)\|", row)
        assert len(cells) in (4, 5, 10), row  # a two-column table, the moments' three, the incidents' eight
    sections = ("## Summary", "**Input problems**", "**Notes**", "### Impact", "**Why grouped**", "### Timeline")
    assert all(section in md for section in sections)
    assert "**Recovery actions seen**" in md and "### Evidence" in md


LEAKY_KEY = SECRETS["project_key"][0]
LEAKY_RULE = f"""
[[rule]]
id = "my.leak"
title = "Invalid key in a log"
category = "auth"
severity = "high"
retryable = false
keywords = ["invalid key"]
patterns = ['invalid key \\S+']
examples.match = ["invalid key {LEAKY_KEY} for zqleakyperson@example.com"]
examples.no_match = ["all good", "invalid key {LEAKY_KEY} (a failing example quotes it)"]
"""


@pytest.mark.parametrize(
    "args",
    [("rules", "show", "my.leak", "--rules", "leak.toml"), ("rules", "test", "leak.toml"), ("--rules", "bad.toml")],
)
def test_rules_output_and_errors_are_redacted(args: tuple[str, ...], tmp_path: Path, logscan_bin: str) -> None:
    (tmp_path / "leak.toml").write_text(LEAKY_RULE)
    (tmp_path / "bad.toml").write_text(LEAKY_RULE.replace("'invalid key \\S+'", f"'(invalid key {LEAKY_KEY}'"))
    done = run_logscan(logscan_bin, *args, stdin=b"", cwd=tmp_path)
    said = (done.stdout + done.stderr).decode()
    assert "sk-proj-***" in said  # the text is there, redacted
    assert leaks(SECRETS["project_key"][1][:-1], said) == [] and "zqleakyperson" not in said
    assert done.returncode == {"show": 0, "test": 1}.get(args[1], 3)


ENCODED = ["%2D", "%3D", "%40", "%20", "%", "\\u002d", "\\\\u0073", "\\n", '\\"', "\\\\", "\\"]
SECRETISH = ["sk-", "proj-", "sess-", "AbCdEfGhIjKlMnOpQrSt", "qRsT", "key=", "api_key", ": ", "Bearer ", "eyJhbGciOi"]
ESCAPED_PIECES = st.lists(
    st.sampled_from([*ENCODED, *SECRETISH, ".", "@", "a@b.co", "4242", "-", " ", "x", "token_", "例"]), max_size=30
).map("".join)


@settings(max_examples=500, deadline=None)
@given(ESCAPED_PIECES)
@example("key=%2D%2D%2D\\u002d%20")
@example("key=a@b.co-")  # an e-mail address redacted is no value of a key to redact again
def test_redaction_of_encoded_text_is_idempotent(text: str) -> None:
    once = redaction.redact(text)
    assert redaction.redact(once) == once


# --- Bounded under hostile input ---------------------------------------------------------------------


def timed(binary: str, path: Path, *args: str) -> tuple[float, dict]:
    started = time.monotonic()
    done = run_logscan(binary, "-f", "json", *args, path.name, cwd=path.parent)
    assert (done.returncode, done.stderr) == (0, b""), done.stderr
    return time.monotonic() - started, json.loads(done.stdout)


@pytest.mark.parametrize("engine", ["hyperscan", "regex"])
def test_blank_lines_cost_what_lines_without_a_keyword_cost(engine: str, tmp_path: Path, logscan_bin: str) -> None:
    """A million blank or whitespace-only lines, in one run or between other lines, cost about what a
    million lines of one letter do (the letters: 0.2 s; the blank lines were 26 s before, 9 s here)."""
    if engine not in prefilter.ENGINES:
        pytest.skip("hyperscan is not installed")
    inputs = {
        "letters": b"a\n" * 1_000_000,
        "blank": b"\n" * 1_000_000,
        "spaces": b" \n\t\n  \t \r\n" * 333_334,
        "between": (QUOTA + "\n").encode() + b"\n" * 1_000_000 + b"  indented\n" + (GOOD + "\n").encode(),
        "alternating": b"a\n\n" * 500_000,
    }
    seconds, records = {}, {}
    for name, data in inputs.items():
        path = tmp_path / f"{name}.log"
        path.write_bytes(data)
        seconds[name], report = timed(logscan_bin, path, "--engine", engine)
        records[name] = report["summary"]["records"]
        assert report["summary"]["lines"] == data.count(b"\n")
    assert records == {"letters": 1_000_000, "blank": 1, "spaces": 1, "between": 2, "alternating": 500_000}
    assert max(seconds.values()) < 3 * seconds["letters"] + 1.5, seconds


BACKTRACKING_RULE = """
[[rule]]
id = "user.backtrack"
title = "A pattern that backtracks catastrophically"
category = "server_error"
severity = "low"
retryable = false
keywords = ["zork"]
patterns = ["zork(?:a|a)*b", "zork(.*a){12}x"]
examples.match = ["zorkab"]
"""


def test_a_slow_rule_is_stopped_after_its_budget_and_named_once(tmp_path: Path, logscan_bin: str) -> None:
    """200 records that make a user rule backtrack (2 patterns, each stopped at 0.25 s: 100 s before):
    the rule spends its 5 s and is tried no more; the summary says which and on how many records."""
    (tmp_path / "slow.toml").write_text(BACKTRACKING_RULE)
    hostile = "2026-03-14 09:00:00,000 ERROR zork" + "a" * 3000
    (tmp_path / "app.log").write_text("\n".join([hostile] * 200 + [GOOD]) + "\n")
    started = time.monotonic()
    done, report = scan(logscan_bin, tmp_path, (tmp_path / "app.log").read_text(), "--rules", "slow.toml", "-j", "1")
    assert time.monotonic() - started < 30
    assert done.returncode == 0
    summary = report["summary"]
    assert summary["stopped_rules"] == {"user.backtrack": 190}  # 10 records (20 searches of 0.25 s), then none
    assert summary["regex_timeouts"] == 20
    note = (
        "rule 'user.backtrack' spent 5 s in searches stopped at their time limit and was not tried again: "
        "190 more record(s) were not searched with it (is a pattern of it slow?)"
    )
    assert summary["notes"] == [note]
    assert done.stderr.decode() == f"logscan: warning: {note}\n"
    assert [e["rule"] for e in report["events"]] == ["openai.quota.insufficient_quota"]


BLANKISH = st.lists(
    st.sampled_from(["", " ", "\t", "  \t", "\r", " \r", "\r\r", " \r x", "a", GOOD, "  File x", "x quota"]),
    max_size=40,
)


@settings(max_examples=300, deadline=None)
@given(BLANKISH, st.integers(0, 2**32), st.sampled_from(["regex", "hyperscan"]))
@example(["a", "", "", "b"], 0, "regex")
@example(["", "", "a"], 0, "hyperscan")
def test_blank_runs_frame_as_the_line_by_line_framer_does(lines: list[str], seed: int, engine: str) -> None:
    """The fast path's records and counts, with runs of blank lines counted at once, are those of
    the framer that takes every line; and the regex engine finds the lines Hyperscan finds."""
    if engine not in prefilter.ENGINES:
        return
    data = "".join(line + "\n" for line in lines).encode()
    rng = random.Random(seed)
    cuts = sorted({0, len(data), *(i + 1 for i, b in enumerate(data) if b == 10 and rng.random() < 0.3)})
    blocks = [data[a:b] for a, b in itertools.pairwise(cuts) if b > a]
    whole = list(frame_lines(data.decode().split("\n")[:-1], "app.log"))
    for engine_or_none in (None, prefilter.build(engine, ["quota"])):
        stats = Counts()
        records = list(frame_blocks(blocks, "app.log", stats, engine_or_none))
        assert (stats.lines, stats.records) == (len(lines), len(whole))
        assert set(records) <= set(whole) and (engine_or_none is not None or records == whole)
    assert list(prefilter.build("regex", ["quota"]).hits(data)) == list(prefilter.build(engine, ["quota"]).hits(data))
