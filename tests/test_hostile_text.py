"""Hostile text through the installed command, class by class (issue 23): times no report can hold,
reports that must not depend on the clock, --since/--until against outliers, errors nested deep in
JSON, secrets in every encoding, Markdown injection, and input that must stay cheap. Each case
asserts the exit code, the report and stderr."""

from __future__ import annotations

import io
import json
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from conftest import run_logscan

from analyzer import pipeline, reporting, ruleset
from analyzer.models import Entry, Record
from analyzer.parsing import parse
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
    assert f"**Notes**\n\n- {note}\n".encode() in md.stdout


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
