"""End to end: the installed `logscan` command on real files, from a folder outside the checkout."""

from __future__ import annotations

import gzip
import json
import subprocess
from pathlib import Path

import pytest
from conftest import SAMPLES, run_logscan

SAMPLE_FILES = sorted(p for p in SAMPLES.iterdir() if p.name != "README.md")


def events_of(report: dict) -> list[tuple[str, int, str]]:
    return [(e["rule"], e["line"], e["time"]) for e in report["events"]]


@pytest.mark.parametrize("sample", SAMPLE_FILES, ids=lambda p: p.name)
def test_every_sample_gives_a_valid_report_with_incidents(sample: Path, logscan_bin: str, tmp_path: Path) -> None:
    done = run_logscan(logscan_bin, "-f", "json", "--tz", "Asia/Tokyo", str(sample), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["summary"]["lines"] == sample.read_bytes().count(b"\n")
    assert report["incidents"], "every bundled sample tells an outage story"
    assert done.stderr == b""


def test_runs_from_another_folder_with_shipped_rules(logscan_bin: str, tmp_path: Path) -> None:
    done = run_logscan(logscan_bin, "rules", "list", cwd=tmp_path)
    assert done.returncode == 0
    assert b"openai.quota.insufficient_quota" in done.stdout


def test_stdin_and_gz_file_give_the_same_events(genlog_days: dict, logscan_bin: str, tmp_path: Path) -> None:
    day, _ = genlog_days["python"]
    packed = tmp_path / "day.log.gz"
    packed.write_bytes(gzip.compress(day.read_bytes()))
    piped = run_logscan(logscan_bin, "-f", "json", "--tz", "Asia/Tokyo", stdin=day.read_bytes(), cwd=tmp_path)
    from_gz = run_logscan(logscan_bin, "-f", "json", "--tz", "Asia/Tokyo", str(packed), cwd=tmp_path)
    assert piped.returncode == from_gz.returncode == 0
    a, b = json.loads(piped.stdout), json.loads(from_gz.stdout)
    assert events_of(a) and events_of(a) == events_of(b)
    assert a["summary"]["lines"] == b["summary"]["lines"] == 20_000
    assert b["summary"]["sources"][0]["compression"] == "gzip"


def test_stdin_redirected_from_a_file_gives_the_report_of_one_process(
    genlog_days: dict, logscan_bin: str, tmp_path: Path
) -> None:
    day, _ = genlog_days["python"]
    big = tmp_path / "days.log"
    big.write_bytes(day.read_bytes() * 6)  # over 8 MB: two jobs cut it in ranges, as they would the file
    reports = []
    for jobs in ("1", "2"):
        with big.open("rb") as stdin:
            done = subprocess.run(
                [logscan_bin, "-f", "json", "--jobs", jobs], stdin=stdin, capture_output=True, cwd=tmp_path,
                env={"PATH": "/usr/bin:/bin", "TZ": "UTC", "LANG": "C.UTF-8"}, timeout=300, check=False,
            )  # fmt: skip
        assert done.returncode == 0, done.stderr
        reports.append(json.loads(done.stdout))
    one, two = reports
    assert two["events"] == one["events"] and one["events"]
    assert two["summary"]["sources"] == one["summary"]["sources"]
    assert one["summary"]["sources"][0]["name"] == "<stdin>" and one["summary"]["lines"] == 120_000


def test_compressed_by_content_not_suffix(logscan_bin: str, tmp_path: Path) -> None:
    import bz2
    import lzma

    text = (SAMPLES / "python_card_decline.log").read_bytes()
    expected = None
    for name, data in (("plain.log", text), ("bz.log", bz2.compress(text)), ("xz.txt", lzma.compress(text))):
        path = tmp_path / name
        path.write_bytes(data)
        done = run_logscan(logscan_bin, "-f", "json", str(path), cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        got = events_of(json.loads(done.stdout))
        expected = expected or got
        assert got == expected


def test_folder_and_glob_inputs(logscan_bin: str, tmp_path: Path) -> None:
    folder = tmp_path / "logs" / "nested"
    folder.mkdir(parents=True)
    for sample in SAMPLE_FILES[:2]:
        (folder / sample.name).write_bytes(sample.read_bytes())
    by_folder = run_logscan(logscan_bin, "-f", "json", str(tmp_path / "logs"), cwd=tmp_path)
    by_glob = run_logscan(logscan_bin, "-f", "json", str(tmp_path / "logs" / "**" / "*.log"), cwd=tmp_path)
    names = lambda r: sorted(s["name"] for s in json.loads(r.stdout)["summary"]["sources"])  # noqa: E731
    assert len(names(by_folder)) == 2
    assert names(by_glob) == [n for n in names(by_folder) if n.endswith(".log")]


def test_html_output_file(logscan_bin: str, tmp_path: Path) -> None:
    target = tmp_path / "report.html"
    done = run_logscan(logscan_bin, str(SAMPLES / "python_card_decline.log"), "-o", str(target), cwd=tmp_path)
    assert done.returncode == 0 and done.stdout == b""
    page = target.read_text()
    assert page.startswith("<!DOCTYPE html>") and "Content-Security-Policy" in page


def test_markdown_is_default_when_piped(logscan_bin: str, tmp_path: Path) -> None:
    done = run_logscan(logscan_bin, str(SAMPLES / "python_card_decline.log"), cwd=tmp_path)
    assert done.stdout.startswith(b"# logscan report")


def test_head_closing_the_pipe_is_quiet(logscan_bin: str, tmp_path: Path, genlog_days: dict) -> None:
    day, _ = genlog_days["python"]
    shell = f"'{logscan_bin}' -f json '{day}' | head -c 1"
    done = subprocess.run(
        ["bash", "-o", "pipefail", "-c", shell],
        capture_output=True,
        cwd=tmp_path,
        timeout=120,
        check=False,
        env={"PATH": "/usr/bin:/bin", "TZ": "UTC"},
    )
    assert done.stdout == b"{"
    assert done.stderr == b""
    assert done.returncode == 0


def test_no_traceback_on_missing_file(logscan_bin: str, tmp_path: Path) -> None:
    done = run_logscan(logscan_bin, "missing.log", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr == b"logscan: error: missing.log: no such file or directory (check the path)\n"


def test_redacts_keys_by_default_and_not_with_no_redact(logscan_bin: str, tmp_path: Path) -> None:
    key = "sk-proj-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcdEF"
    log = tmp_path / "k.log"
    log.write_text(
        "2026-03-14 09:00:00,000 ERROR app: openai.AuthenticationError: Error code: 401 - {'error': {'message': "
        f"'Incorrect API key provided: {key}. You can find your API key at "
        "https://platform.openai.com/account/api-keys.', 'type': 'invalid_request_error', 'param': None, "
        "'code': 'invalid_api_key'}}\n"
    )
    for fmt in ("json", "md", "html", "text"):
        done = run_logscan(logscan_bin, "-f", fmt, str(log), cwd=tmp_path)
        assert key.encode() not in done.stdout, fmt
        assert b"sk-proj-***abcdEF"[:-2] in done.stdout or b"sk-proj-***" in done.stdout, fmt
    raw = run_logscan(logscan_bin, "-f", "json", "--no-redact", str(log), cwd=tmp_path)
    assert key.encode() in raw.stdout
    assert b"redaction is off" in raw.stderr


def test_a_log_tools_csv_download_of_a_sample_gives_its_events(logscan_bin: str, tmp_path: Path) -> None:
    """The sample as a log tool's CSV download (Datadog's columns, a row a line, quotes doubled): the same failures
    on the same lines, one below for the header, at the rows' times."""
    import csv
    import io

    sample = SAMPLES / "python_card_decline.log"  # (an app's own lines, as a log tool keeps them: no runtime's wrapper)
    lines = sample.read_text(encoding="utf-8").splitlines()
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["Date", "Host", "Service", "Message"])
    writer.writerows(
        [f"2026-03-14T00:{i // 60 % 60:02d}:{i % 60:02d}.000Z", "web-1", "chat", line] for i, line in enumerate(lines)
    )
    export = tmp_path / "export.csv"
    export.write_text(out.getvalue(), encoding="utf-8")

    def failures(path: Path) -> list[tuple[str, int]]:
        done = run_logscan(logscan_bin, "-f", "json", "--tz", "Asia/Tokyo", str(path), cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        return [(e["rule"], e["line"]) for e in json.loads(done.stdout)["events"] if e["outcome"] == "failure"]

    expected = failures(sample)
    assert expected
    assert failures(export) == [(rule, line + 1) for rule, line in expected]


def test_json_records_with_the_exceptions_class_and_message_under_keys_of_their_own(
    logscan_bin: str, tmp_path: Path
) -> None:
    """An exception's class and message in keys of their own (AWS Lambda's error result, Datadog's dotted
    attributes, an app's `error_type`), Python logging's `exc_text`: each record's failure is found, at its time."""
    body = (
        "{'error': {'message': 'Incorrect API key provided: sk-proj-****abcd.', 'type': 'invalid_request_error', "
        "'param': None, 'code': 'invalid_api_key'}}"
    )
    lambda_trace = '  File "/var/task/app.py", line 12, in handler\n    r = client.chat.completions.create(**kw)\n'
    datadog_stack = 'Traceback (most recent call last):\n  File "/app/openai/_base_client.py", line 1002, in _request'
    exc_text = (
        'Traceback (most recent call last):\n  File "/app/a.py", line 3\nopenai.APIConnectionError: Connection error.'
    )
    quota = "You exceeded your current quota, please check your plan and billing details."
    records = [
        {"errorMessage": f"Error code: 401 - {body}", "errorType": "AuthenticationError", "requestId": "6a1f0d1e",
         "stackTrace": [lambda_trace]},
        {"timestamp": "2026-03-14T09:00:01Z", "status": "error", "message": "chat failed",
         "error.kind": "APITimeoutError", "error.message": "Request timed out.", "error.stack": datadog_stack},
        {"asctime": "2026-03-14 09:00:02,000", "levelname": "ERROR", "message": "call failed", "exc_text": exc_text},
        {"level": "error", "ts": "2026-03-14T09:00:03Z", "msg": "request failed", "error_type": "insufficient_quota",
         "error_message": quota, "status": 429},
    ]  # fmt: skip
    log = tmp_path / "records.log"
    log.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    done = run_logscan(logscan_bin, "-f", "json", "--tz", "UTC", str(log), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    events = json.loads(done.stdout)["events"]
    assert [(e["category"], e["line"]) for e in events] == [
        ("auth", 1),
        ("timeout", 2),
        ("connection", 3),
        ("quota", 4),
    ]
    assert [e["time"][:19] for e in events[1:]] == ["2026-03-14T09:00:01", "2026-03-14T09:00:02", "2026-03-14T09:00:03"]
