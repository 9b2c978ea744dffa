"""The command line contract: options, exit codes, one-line errors, stdout for the report only."""

from __future__ import annotations

import gzip
import io
import json
import os
import platform
from pathlib import Path
from typing import Any

import pytest

from analyzer import cli, memory, parallel, pipeline, sources
from analyzer.errors import ExitCode

QUOTA = (
    "2026-03-14 09:12:03,412 ERROR app.chat: completion failed\n"
    "openai.RateLimitError: Error code: 429 - {'error': {'message': 'You exceeded your current quota, please "
    "check your plan and billing details.', 'type': 'insufficient_quota', 'param': None, "
    "'code': 'insufficient_quota'}}\n"
)
QUIET = "2026-03-14 09:12:03,412 INFO app.http: GET /healthz 200 in 3ms\n"


class _Stdin(io.TextIOWrapper):
    def isatty(self) -> bool:
        return False


def run(
    args: list[str],
    capsys: pytest.CaptureFixture[str],
    stdin: bytes = b"",
    monkeypatch: pytest.MonkeyPatch | None = None,
) -> tuple[int, str, str]:
    if monkeypatch is not None:
        monkeypatch.setattr("sys.stdin", _Stdin(io.BytesIO(stdin)))
    code = cli.main(args)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def quota_log(tmp_path: Path) -> Path:
    path = tmp_path / "app.log"
    path.write_text(QUIET + QUOTA)
    return path


def test_ok_exit_and_report_on_stdout(quota_log: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["-f", "json", "--tz", "UTC", str(quota_log)], capsys)
    assert code == ExitCode.OK
    report = json.loads(out)
    assert report["incidents"][0]["category"] == "quota"
    assert err == ""


def test_fail_on_reached_exits_1(quota_log: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["-f", "md", "--fail-on", "critical", str(quota_log)], capsys)[0] == ExitCode.INCIDENT


def test_fail_on_not_reached_exits_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "quiet.log"
    path.write_text(QUIET)
    assert run(["-f", "md", "--fail-on", "low", str(path)], capsys)[0] == ExitCode.OK


def test_missing_file_exits_2_with_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run([str(tmp_path / "nope.log")], capsys)
    assert code == ExitCode.USAGE
    assert out == ""
    assert err.count("\n") == 1
    assert err.startswith("logscan: error: ") and "nope.log: no such file or directory" in err


def test_bad_option_exits_2_with_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["--no-such-option"], capsys)
    assert code == ExitCode.USAGE
    assert err.count("\n") == 1 and "--no-such-option" in err


@pytest.mark.parametrize("value", ["yesterday-ish", "5 parsecs"])
def test_bad_since_exits_2(value: str, quota_log: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["--since", value, str(quota_log)], capsys)
    assert code == ExitCode.USAGE and "--since" in err


def test_unknown_zone_exits_2(quota_log: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["--tz", "Mars/Olympus", str(quota_log)], capsys)
    assert code == ExitCode.USAGE and "Mars/Olympus" in err


def test_invalid_rule_file_exits_3_with_location(
    tmp_path: Path, quota_log: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rules = tmp_path / "bad.toml"
    rules.write_text('[[rule]]\nid = "x"\ntitel = "typo"\n')
    code, out, err = run(["--rules", str(rules), str(quota_log)], capsys)
    assert code == ExitCode.RULES
    assert out == ""
    assert err.splitlines()[0] == f"logscan: error: {rules}:3: rule 'x': unknown key 'titel' (did you mean 'title'?)"
    assert "Traceback" not in err


def test_truncated_gzip_exits_4_and_still_reports(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = gzip.compress((QUIET * 2000 + QUOTA).encode())
    broken = tmp_path / "cut.log.gz"
    broken.write_bytes(data[: len(data) // 2])
    good = tmp_path / "good.log"
    good.write_text(QUOTA)
    code, out, err = run(["-f", "json", str(broken), str(good)], capsys)
    assert code == ExitCode.INPUT
    assert "cut.log.gz: truncated gzip data" in err
    report = json.loads(out)
    assert report["summary"]["incidents"] == 1
    assert any("truncated" in p for p in report["summary"]["problems"])


def test_ctrl_c_exits_130_without_traceback(
    quota_log: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(pipeline, "run", interrupted)
    code, _, err = run([str(quota_log)], capsys)
    assert code == ExitCode.INTERRUPTED
    assert "Traceback" not in err and err.strip() == "logscan: error: interrupted"


def test_stdin_terminal_without_paths_exits_2(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr("sys.stdin", Tty())
    code, _, err = run([], capsys)
    assert code == ExitCode.USAGE and "pipe a log in" in err


def test_reads_stdin(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, _ = run(["-f", "json"], capsys, stdin=(QUIET + QUOTA).encode(), monkeypatch=monkeypatch)
    assert code == ExitCode.OK
    report = json.loads(out)
    assert report["summary"]["sources"][0]["name"] == "<stdin>"
    assert report["summary"]["lines"] == 3


def test_format_from_output_suffix(tmp_path: Path, quota_log: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "report.json"
    code, out, _ = run(["-o", str(target), str(quota_log)], capsys)
    assert code == ExitCode.OK and out == ""
    assert json.loads(target.read_text())["schema"] == "logscan.report/1"


def test_since_duration_drops_earlier_events(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "two.log"
    early = QUOTA.replace("09:12:03", "06:00:00")
    path.write_text(early + QUIET.replace("09:12:03", "07:00:00") + QUOTA)
    _, out, _ = run(["-f", "json", "--since", "1h", str(path)], capsys)
    times = [e["time"] for e in json.loads(out)["events"]]
    assert times and all(t.startswith("2026-03-14T09:12") for t in times)


def test_tz_applies_to_naive_stamps(quota_log: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(["-f", "json", "--tz", "Asia/Tokyo", str(quota_log)], capsys)
    assert json.loads(out)["events"][0]["time"] == "2026-03-14T09:12:03.412+09:00"


def test_japanese_report(quota_log: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(["-f", "md", "--lang", "ja", str(quota_log)], capsys)
    assert "## 概要" in out and "対処方法" in out


def test_rules_subcommands(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["rules", "list"], capsys)
    assert code == ExitCode.OK and "openai.quota.insufficient_quota" in out
    code, out, _ = run(["rules", "show", "openai.quota.insufficient_quota"], capsys)
    assert code == ExitCode.OK and "category:    quota" in out
    code, out, _ = run(["rules", "test"], capsys)
    assert code == ExitCode.OK and ", 0 failed" in out


def test_rules_test_names_a_failing_example(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rules = tmp_path / "mine.toml"
    rules.write_text(
        '[[rule]]\nid = "mine.x"\ntitle = "x"\ncategory = "quota"\nseverity = "low"\nretryable = false\n'
        'keywords = ["zorglub"]\npatterns = ["zorglub \\\\d+"]\nexamples.match = ["zorglub only"]\n'
    )
    code, out, _ = run(["rules", "test", "--no-builtin-rules", str(rules)], capsys)
    assert code == 1
    assert "FAIL" in out and "mine.x" in out and "zorglub only" in out


def test_rules_list_and_show_cover_incident_rules(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["rules", "list"], capsys)
    assert code == ExitCode.OK
    incidents = out.split("INCIDENT RULE", 1)[1]
    assert "incident.card_chain" in incidents and "sequence" in incidents
    code, out, _ = run(["rules", "show", "incident.card_chain"], capsys)
    assert code == ExitCode.OK
    assert "type:        sequence" in out and "step 2:      incident incident.quota_outage within 1:00:00" in out


def test_unwritable_output_exits_2_with_one_line(quota_log: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run([str(quota_log), "-o", "/nonexistent-folder/report.md"], capsys)
    assert code == ExitCode.USAGE and out == ""
    assert err.count("\n") == 1 and "/nonexistent-folder/report.md: cannot write the report" in err


def test_a_report_that_fails_halfway_leaves_the_last_one_in_place(
    tmp_path: Path, quota_log: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "report.md"
    assert run([str(quota_log), "-o", str(target)], capsys)[0] == ExitCode.OK
    good = target.read_text(encoding="utf-8")
    assert "insufficient_quota" in good

    def halfway(*args: object, **kwargs: object):
        yield "# half a report"
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(cli.reporting, "render_chunks", halfway)
    code, _, err = run([str(quota_log), "-o", str(target)], capsys)
    assert code == ExitCode.OUTPUT and "No space left on device" in err and err.count("\n") == 1
    assert target.read_text(encoding="utf-8") == good
    assert sorted(p.name for p in tmp_path.iterdir()) == ["app.log", "report.md"]  # no partial file left


def test_a_report_into_a_folder_we_may_not_add_files_to_is_refused_and_the_last_one_kept(
    tmp_path: Path, quota_log: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Written in place, a full disk would leave half a report where the last one was: refused instead.
    target = tmp_path / "report.md"
    target.write_text("old report\n", encoding="utf-8")
    real_open = os.open

    def no_new_files(path: str, *args: Any, **kwargs: Any) -> int:
        if str(path).endswith(".partial"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", no_new_files)
    code, out, err = run([str(quota_log), "-o", str(target)], capsys)
    assert code == ExitCode.OUTPUT and out == ""
    assert err == (
        f"logscan: error: {target}: cannot write the report: Permission denied "
        "(the last report there is left as it was; free some space or name another file)\n"
    )
    assert target.read_text(encoding="utf-8") == "old report\n"


def fake_mallopt(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, int]]:
    """A libc whose mallopt only records what it was asked."""
    import ctypes

    calls: list[tuple[int, int]] = []

    class Libc:
        def mallopt(self, option: int, value: int) -> int:
            calls.append((option, value))
            return 1

    monkeypatch.setattr(ctypes, "CDLL", lambda _name: Libc())
    return calls


def _mallopts(threshold: int) -> list[tuple[int, int]]:
    """What map_large_blocks asks of glibc: M_MMAP_THRESHOLD and M_TRIM_THRESHOLD alike."""
    return [(-3, threshold), (-1, threshold)]


def test_the_console_script_has_glibc_map_large_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Blocks over 128 KiB get their own mapping, freed back to the system (glibc's M_MMAP_THRESHOLD);
    where there is no mallopt, nothing happens."""
    import ctypes

    calls = fake_mallopt(monkeypatch)
    assert memory.map_large_blocks() is True and calls == _mallopts(128 << 10)
    monkeypatch.setattr(ctypes, "CDLL", lambda _name: object())  # no mallopt: not glibc
    assert memory.map_large_blocks() is False
    monkeypatch.undo()
    if platform.libc_ver()[0] == "glibc":
        assert memory.map_large_blocks() is True  # the real one takes it


def test_a_source_scanned_in_this_process_has_its_blocks_on_the_heap_then_mapped_again(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from datetime import UTC, datetime

    from analyzer import ruleset

    log = tmp_path / "app.log"
    log.write_text("2026-03-14 09:00:00 ERROR insufficient_quota\n", encoding="utf-8")
    calls = fake_mallopt(monkeypatch)
    options = pipeline.Options((str(log),), UTC, datetime(2026, 11, 27, tzinfo=UTC), jobs=1)
    assert len(pipeline.run(options, ruleset.load(), None).events) == 1
    assert calls == [*_mallopts(memory.WORKER_MAPPED), *_mallopts(128 << 10)]
    calls.clear()
    with pytest.raises(RuntimeError), memory.blocks_on_heap():
        raise RuntimeError("a scan that fails")
    assert calls == [*_mallopts(memory.WORKER_MAPPED), *_mallopts(128 << 10)]  # mapped again all the same


def test_a_worker_keeps_its_blocks_on_its_heap(monkeypatch: pytest.MonkeyPatch) -> None:
    """A worker reuses its heap for block after block (the console script's own process maps them)."""
    calls = fake_mallopt(monkeypatch)
    monkeypatch.setattr(parallel, "_WORKER", [])
    scan = object()
    parallel._init(scan)  # type: ignore[arg-type]
    assert calls == _mallopts(memory.WORKER_MAPPED)
    assert memory.WORKER_MAPPED > 2 * sources.BLOCK_SIZE  # a block with what it carries from the last one
    assert parallel._WORKER[0] == (scan, False)  # (its parts' events counted only for a progress line)


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="glibc's mallopt")
def test_blocks_on_the_heap_reuse_its_pages() -> None:
    """A block freed on the heap leaves its pages to the next one: with glibc's trim threshold left
    at 128 KiB, each went back to the system and the next faulted them in anew (1,024 a 4 MiB block)."""
    import resource

    pages = sources.BLOCK_SIZE // resource.getpagesize()
    with memory.blocks_on_heap():
        block = b"x" * sources.BLOCK_SIZE  # the heap grows once
        del block
        before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        for _ in range(10):
            block = b"x" * sources.BLOCK_SIZE  # written whole: every page touched
            del block
        faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before
    assert faults < 2 * pages
