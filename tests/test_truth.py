"""Reports that tell the truth at a glance (issue 21): each test runs the installed `logscan` on real files."""

from __future__ import annotations

import gzip
import html
import json
import re
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pytest
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


CRAFT = "**bold** [click me](http://evil.example) @here `tick` <b>x</b>"
CRAFTED = ("evil.example", "@here", "**bold**", "<b>", "[click me]")


def crafted_day(folder: Path) -> Path:
    """The card-decline sample with markup in its file name, its evidence, its recovery action, a model
    name and a failure no rule names (the unrecognised table)."""
    out = []
    for n, line in enumerate(CARD.read_text().split("\n"), 1):
        if "auto recharge" in line or "credit purchase" in line or line.startswith("openai.RateLimitError"):
            line += " " + CRAFT
        out.append(line.replace("model=gpt-4o-mini", "model=gpt-4o-mini**bold**@here"))
        if n == 280:
            out.append(
                "2026-03-14 10:40:00,000 ERROR app.chat: openai.APIStatusError: Error code: 418 - "
                f"{{'error': {{'message': '{CRAFT}', 'type': 'teapot', 'param': None, 'code': None}}}}"
            )
    path = folder / f"{CRAFT.replace('/', '_')}.log"
    path.write_text("\n".join(out))
    return path


def outside_code(markdown: str) -> str:
    """The Markdown without its fenced blocks and code spans: what GitHub renders as markup."""
    kept, fence = [], ""
    for line in markdown.splitlines():
        opener = re.match(r"(`{3,})", line)
        if fence:
            fence = "" if line.strip() == fence else fence
        elif opener:
            fence = opener.group(1)
        else:
            kept.append(re.sub(r"(?<!`)(`+)(?!`).+?(?<!`)\1(?!`)", "", line))
    return "\n".join(kept)


def test_log_text_reaches_the_markdown_only_inside_code(logscan_bin: str, tmp_path: Path) -> None:
    log = crafted_day(tmp_path)
    code, out, _ = scan(logscan_bin, tmp_path, "-f", "md", str(log))
    assert code == 0
    for section in ("Recovery actions seen", "### Evidence", "| Time |", "OpenAI failures no rule names"):
        assert section in out  # every section log text can reach is in this report
    assert out.count("evil.example") >= 5 and out.count("@here") >= 5  # the text is there, in code
    prose = outside_code(out)
    assert not [word for word in CRAFTED if word in prose], [line for line in prose.splitlines() if "@here" in line]


def test_recovery_comes_from_the_incidents_own_source_not_another_apps(logscan_bin: str, tmp_path: Path) -> None:
    # the card log has successful calls 3 minutes after the cron job's auth error: not the cron job's recovery
    _, out, _ = scan(logscan_bin, tmp_path, "-f", "json", str(TRUTH / "cron_auth.log"), str(CARD))
    auth = next(i for i in json.loads(out)["incidents"] if i["category"] == "auth")
    assert auth["recovered_at"] is None
    assert auth["closed_because"].startswith("recovery not observed")
    assert auth["status"] == "ongoing"


def test_a_success_in_the_same_source_still_recovers(logscan_bin: str, tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    auth = (TRUTH / "cron_auth.log").read_text()
    ok = (
        "2026-03-14 09:33:00,000 INFO httpx: HTTP Request: POST https://api.openai.com/v1/chat/completions "
        '"HTTP/1.1 200 OK"\n'
    )
    log.write_text(auth + ok)
    _, out, _ = scan(logscan_bin, tmp_path, "-f", "json", str(log), str(CARD))
    auth_inc = next(i for i in json.loads(out)["incidents"] if i["category"] == "auth")
    assert auth_inc["recovered_at"] == "2026-03-14T09:33:00.000+09:00"


# Words a Japanese report keeps in Latin letters: names of products, protocols and units, and the log words
# a playbook tells the reader to look for in the evidence (log text, quoted).
LATIN_NAMES = {
    "OpenAI", "API", "UTC", "HTTP", "SDK", "DNS", "TLS", "TPM", "RPM", "logscan", "https", "mermaid", "Google",
    "Gemini", "Azure", "Playground", "Billing", "Batch",
    "keys", "Limit", "Used", "Requested", "ConnectError", "SSLError", "Network", "unreachable", "Read", "timed", "out",
    "URL", "InvalidURL", "UnsupportedProtocol", "MissingSchema",
}  # fmt: skip
LATIN_WORD = re.compile(r"(?<![\w./:@=-])[A-Za-z]{3,}(?![\w./@=-])")


def test_a_japanese_report_of_a_generated_day_has_no_english_outside_log_text_and_code(
    genlog_days: dict, logscan_bin: str, tmp_path: Path
) -> None:
    day, _ = genlog_days["python"]
    code, out, _ = scan(logscan_bin, tmp_path, "--lang", "ja", "-f", "md", str(day))
    assert code == 0 and "まとめた理由" in out and "詳細" in out
    english = Counter(LATIN_WORD.findall(outside_code(out))) - Counter(dict.fromkeys(LATIN_NAMES, 10**6))
    assert not english, english
    code, page, _ = scan(logscan_bin, tmp_path, "--lang", "ja", "-f", "html", str(day))
    text = re.sub(r"(?s)<(script|style|code|pre|svg|details)\b.*?</\1>", " ", page)  # details: rule ids, places
    text = html.unescape(re.sub(r"(?s)<[^>]+>", " ", text))
    english = Counter(LATIN_WORD.findall(text)) - Counter(dict.fromkeys(LATIN_NAMES, 10**6))
    assert not english, english


def test_a_window_that_crosses_midnight_shows_the_date_it_ends(logscan_bin: str, tmp_path: Path) -> None:
    quota = (TRUTH / "cron_auth.log").read_text().replace("invalid_api_key", "insufficient_quota")
    quota = quota.replace("Incorrect API key provided", "You exceeded your current quota, please check your plan")
    log = tmp_path / "night.log"
    log.write_text(
        quota.replace("2026-03-14 09:30:00", "2026-03-14 23:58:00")
        + quota.replace("2026-03-14 09:30:00", "2026-03-15 00:03:00")
    )
    _, out, _ = scan(logscan_bin, tmp_path, "-f", "text", str(log))
    window = next(line for line in out.splitlines() if line.strip().startswith("Window:"))
    assert "2026-03-14 23:58:00 (+09:00) -> 2026-03-15 00:03:00 (+09:00)" in window
    _, page, _ = scan(logscan_bin, tmp_path, "-f", "html", str(log))
    assert ">2026-03-15 00:03:00 (+09:00)</time>" in page  # the key moment after midnight, dated


def test_the_text_summary_keeps_each_line_apart(logscan_bin: str, tmp_path: Path) -> None:
    _, out, _ = scan(logscan_bin, tmp_path, "-f", "text", str(SAMPLES / "syslog_mixed.log"))
    assert "Undecodable lines: 0\n" in out


def test_key_moments_say_first_failure_once_and_rows_without_a_value_are_hidden(
    logscan_bin: str, tmp_path: Path
) -> None:
    _, out, _ = scan(logscan_bin, tmp_path, "-f", "md", str(CARD))
    moments = out[out.index("| Time | Moment | Detail |") :].split("\n\n")[0]
    assert moments.count("| first failure |") == 1  # the chain has four rules: once, not once per rule
    assert "| Organizations | -" not in out and "| Models | -" not in out
    _, page, _ = scan(logscan_bin, tmp_path, "-f", "html", str(CARD))
    assert "<th>Organizations</th><td>-</td>" not in page and "<th>Organizations</th><td></td>" not in page


def test_nothing_read_says_so_in_the_report_and_on_stderr_with_exit_0(logscan_bin: str, tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    for args, stdin in (([str(empty)], None), ([], b"")):
        for fmt in ("text", "md", "html"):
            code, out, err = scan(logscan_bin, tmp_path, "-f", fmt, "--fail-on", "low", *args, stdin=stdin)
            assert code == 0
            assert "Nothing was read" in out and "No OpenAI API failures found" not in out
            assert "nothing was read" in err
    code, out, err = scan(logscan_bin, tmp_path, "-f", "text", str(CARD))
    assert "nothing was read" not in err


def test_evidence_is_the_line_with_the_error_message_not_a_status_line_or_signal(
    genlog_days: dict, logscan_bin: str, tmp_path: Path
) -> None:
    day, _ = genlog_days["python"]
    _, out, _ = scan(logscan_bin, tmp_path, "-f", "text", str(day))
    evidence = [line for line in out.splitlines() if line.strip().startswith("Evidence:")]
    assert any("Incorrect API key provided" in line for line in evidence)
    assert not any("HTTP/1.1 401" in line or "auto recharge triggered" in line for line in evidence)
    _, page, _ = scan(logscan_bin, tmp_path, "-f", "html", str(day))
    first_screen = page[page.index('class="answer') : page.index("</section>", page.index('class="answer'))]
    assert "Your card was declined" in first_screen  # the worst incident's error message on the first screen


def test_a_long_line_is_cut_around_its_message_not_from_its_start(logscan_bin: str, tmp_path: Path) -> None:
    log = tmp_path / "litellm.log"
    log.write_text(
        "2026-03-14 10:00:00,000 ERROR worker.digest: digest batch 77 failed; context=" + "x" * 230 + " "
        "litellm.RateLimitError: RateLimitError: OpenAIException - You exceeded your current quota, please check "
        "your plan and billing details. For more information on this error, read the docs: "
        "https://platform.openai.com/docs/guides/error-codes/api-errors.\n"
    )
    _, out, _ = scan(logscan_bin, tmp_path, "-f", "text", str(log))
    excerpt = next(line for line in out.splitlines() if line.strip().startswith("Evidence:")).split("  ", 2)[-1]
    assert "You exceeded your current quota" in excerpt
    assert excerpt.startswith("…") and excerpt.endswith("…") and len(excerpt) <= 202


def test_rules_test_reports_every_problem_of_every_stage_at_once(logscan_bin: str, tmp_path: Path) -> None:
    rules = TRUTH / "many_problems.toml"
    done = run_logscan(logscan_bin, "rules", "test", "--no-builtin-rules", str(rules), cwd=tmp_path)
    code, out, err = done.returncode, done.stdout.decode(), done.stderr.decode()
    assert code == 3  # invalid rules
    assert "unknown key 'titel'" in err and "missing ) at position 4" in err  # the file's own checks
    assert "remediation 'nope' is no playbook" in err and "unknown rule 'x.nine'" in err  # across tables
    assert "rule 'x.four': should match, got no event: 'fuor'" in out  # the examples of the rules that loaded
    assert "4 errors in the rule files" in out


def test_a_folder_reads_its_logs_and_lists_what_it_skipped_and_why(logscan_bin: str, tmp_path: Path) -> None:
    folder = tmp_path / "logs"
    folder.mkdir()
    (folder / "app.log").write_bytes(CARD.read_bytes())
    (folder / "README.md").write_bytes((SAMPLES / "README.md").read_bytes())  # quotes every error string
    (folder / "shot.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(64))
    (folder / "core").write_bytes(b"\x7fELF\x02\x01" + bytes(100) + b"insufficient_quota")
    (folder / "blob").write_bytes(bytes(range(256)) * 4)  # zeros, no UTF-16 or UTF-32 text: binary
    (folder / "old.log.gz").write_bytes(gzip.compress((TRUTH / "cron_auth.log").read_bytes()))  # a log, compressed
    _, out, _ = scan(logscan_bin, tmp_path, "-f", "json", str(folder))
    report = json.loads(out)
    skipped = {Path(s["name"]).name: s["skipped"] for s in report["summary"]["sources"] if s["skipped"]}
    assert skipped == {"README.md": "document", "shot.png": "image", "core": "binary", "blob": "binary"}
    assert {Path(e["source"]).name for e in report["events"]} == {"app.log", "old.log.gz"}
    assert report["worst"]["failed_calls"] == 11  # the README's quotes made no fake incident
    _, md, _ = scan(logscan_bin, tmp_path, "-f", "md", str(folder))
    assert "| Not read (found in a folder, not logs) |" in md and "(document)" in md
    _, named, _ = scan(logscan_bin, tmp_path, "-f", "json", str(folder / "README.md"))  # named: always read
    assert json.loads(named)["summary"]["lines"] > 0


CONTEXT = (
    "{time},000 ERROR app.chat: openai.BadRequestError: Error code: 400 - {{'error': {{'message': \"This model's "
    "maximum context length is 128000 tokens. However, your messages resulted in 131072 tokens. Please reduce the "
    "length of the messages.\", 'type': 'invalid_request_error', 'param': 'messages', 'code': "
    "'context_length_exceeded'}}}}\n"
)


def test_recurring_per_request_errors_are_not_drawn_or_worded_as_an_outage(logscan_bin: str, tmp_path: Path) -> None:
    log = tmp_path / "requests.log"
    hours = (0, 2, 4, 5, 7, 9, 11)  # seven failures scattered over 11 hours
    log.write_text("".join(CONTEXT.format(time=f"2026-03-14 {h:02d}:30:00") for h in hours))
    _, out, _ = scan(logscan_bin, tmp_path, "-f", "json", str(log), str(CARD))
    report = json.loads(out)
    per_request = next(i for i in report["incidents"] if i["category"] == "context_length")
    assert per_request["severity"] == "low" and report["worst"]["id"] != per_request["id"]
    _, md, _ = scan(logscan_bin, tmp_path, "-f", "md", str(log), str(CARD))
    row = next(line for line in md.splitlines() if line.startswith(f"| {per_request['id']} |"))
    assert "| recurring |" in row and "ongoing" not in row
    assert "| Share of calls failed | 0% |" not in md
    _, page, _ = scan(logscan_bin, tmp_path, "-f", "html", str(log), str(CARD))
    lane = page[page.index(f'<div class="tl-row lane" data-incident="{per_request["id"]}">') :]
    lane = lane[: lane.index("</div>\n</div>")]
    assert 'class="win"' not in lane  # no band as wide as its 11 hours
    assert "7 failures, about 0.6 an hour" in lane


def test_the_timeline_labels_its_start_and_keeps_ticks_apart_on_a_narrow_screen(
    genlog_days: dict, logscan_bin: str, tmp_path: Path
) -> None:
    day, _ = genlog_days["python"]
    page = tmp_path / "day.html"
    scan(logscan_bin, tmp_path, "-f", "html", "-o", str(page), str(day))
    ticks = re.findall(r'<span( class="start")? style="left:([\d.]+)%">', page.read_text())
    assert ticks[0] == (' class="start"', "0.0")  # the start, labelled at the left edge
    assert all(14 <= float(left) <= 86 for _, left in ticks[1:])  # clear of it and of the right edge
    assert "@media (max-width: 600px)" in page.read_text()
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        pytest.skip("no headless chromium to lay the page out at 420 px")
    dom = subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu", "--window-size=420,1400", "--dump-dom", page.as_uri()],
        capture_output=True,
        timeout=60,
        check=True,
    ).stdout.decode()
    drawn = re.search(r'<div class="tl-ticks" id="tl-ticks">(.*?)</div>', dom)
    assert drawn is not None
    lefts = [float(x) for x in re.findall(r"left: ([\d.]+)%", drawn.group(1))]
    assert lefts[0] == 0 and len(lefts) <= 4  # the script drew as many labels as 420 px holds
    assert all(14 <= x <= 86 for x in lefts[1:])


def test_since_shows_its_window_and_counts_only_inside_it(logscan_bin: str, tmp_path: Path) -> None:
    args = ("--now", "2026-03-14T11:05:00+09:00", "--since", "1h", str(CARD))
    _, out, _ = scan(logscan_bin, tmp_path, "-f", "json", *args)
    summary = json.loads(out)["summary"]
    assert summary["since"] == summary["start"] == "2026-03-14T10:05:00.000+09:00"  # not the file's 09:00:03
    calls = [line for line in CARD.read_text().splitlines() if "api.openai.com" in line and "200 OK" in line]
    assert summary["successes"] == sum(1 for line in calls if line[:19] >= "2026-03-14 10:05:00")
    _, text, _ = scan(logscan_bin, tmp_path, "-f", "text", *args)
    assert "Time range: 2026-03-14 10:05:00 (+09:00) -> 2026-03-14 11:01:23 (+09:00)" in text
    assert "Only the window: --since 2026-03-14 10:05:00 (+09:00)" in text


TIME_ONLY = (
    "10:00:00 - LiteLLM Proxy:ERROR: proxy_server.py:123 - litellm.RateLimitError: RateLimitError: OpenAIException"
    ' - Error code: 429 - {"error": {"message": "You exceeded your current quota", "type": "insufficient_quota",'
    ' "code": "insufficient_quota"}}\n'
    '[10:00:05] ERROR    openai.RateLimitError: Error code: 429 - {"error": {"code": "insufficient_quota"}}\n'
)


def test_a_time_without_a_date_is_dated_by_date_and_said(logscan_bin: str, tmp_path: Path) -> None:
    log = tmp_path / "proxy.log"
    log.write_text(TIME_ONLY)
    code, out, err = scan(logscan_bin, tmp_path, "-f", "json", "--date", "2026-03-14", str(log))
    report = json.loads(out)
    assert code == 0
    assert [e["time"][:19] for e in report["events"]] == ["2026-03-14T10:00:00", "2026-03-14T10:00:05"]
    assert report["summary"]["sources"][0]["formats"] == ["time-of-day"]
    note = f"{log}: 2 records had a time but no date: dated 2026-03-14 (--date)"
    assert note in report["summary"]["notes"] and note in err


def test_a_time_without_a_date_takes_the_day_of_now_and_says_so(logscan_bin: str, tmp_path: Path) -> None:
    log = tmp_path / "proxy.log"
    log.write_text(TIME_ONLY)
    code, out, err = scan(logscan_bin, tmp_path, "-f", "json", "--now", "2026-05-01T12:00:00+09:00", str(log))
    assert code == 0 and json.loads(out)["events"][0]["time"].startswith("2026-05-01T10:00:00")
    assert "dated 2026-05-01 (the day of --now)" in err


def test_a_dated_log_has_no_such_note(logscan_bin: str, tmp_path: Path) -> None:
    _, out, err = scan(logscan_bin, tmp_path, "-f", "json", str(CARD))
    assert "no date" not in err and not any("no date" in n for n in json.loads(out)["summary"]["notes"])


@pytest.mark.parametrize("day", ["2026-3-1", "2026-02-30", "tomorrow"])
def test_a_bad_date_is_a_usage_error(logscan_bin: str, tmp_path: Path, day: str) -> None:
    code, _, err = scan(logscan_bin, tmp_path, "--date", day, str(CARD))
    assert code == 2 and "--date" in err and "YYYY-MM-DD" in err


def test_japanese_counts_take_their_counter_without_a_space(logscan_bin: str, tmp_path: Path) -> None:
    """`2件`, `21行`, as `15分以内`: Japanese writes a number and its counter together."""
    _, out, _ = scan(logscan_bin, tmp_path, "--lang", "ja", "-f", "md", str(CARD), str(TRUTH / "cron_auth.log"))
    prose = re.sub(r"`[^`\n]*`", "", re.sub(r"```.*?```", "", out, flags=re.S))
    assert "件" in prose and not re.findall(r"\d (?:件|行|分|秒)", prose)
