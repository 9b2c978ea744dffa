"""Hostile I/O (issue 23): what a run does when its inputs, its output or its own code fail.

Each class of failure is run through the installed `logscan` command on real files, its exit code,
report and stderr asserted apart; what needs a failure on demand (a bug, a full disk halfway, a
file replaced while workers read it) is driven in process too. Tests run as root, who reads any
mode-000 folder: what needs an unreadable folder runs the command as nobody (setpriv).
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from conftest import run_logscan

from analyzer import cache, cli, parallel, pipeline, prefilter, ruleset, sources
from analyzer.errors import ExitCode

QUOTA = (
    b"2026-03-14 09:12:03,412 ERROR app.chat: openai.RateLimitError: Error code: 429 - {'error': {'message': "
    b"'You exceeded your current quota, please check your plan and billing details.', 'type': 'insufficient_quota', "
    b"'param': None, 'code': 'insufficient_quota'}}\n"
)
QUIET = b"2026-03-14 09:00:00,000 INFO app.http: GET /healthz 200 in 3ms\n"
QUOTA_RULE = "openai.quota.insufficient_quota"
ENV = {"PATH": "/usr/bin:/bin", "TZ": "UTC", "LANG": "C.UTF-8", "NO_COLOR": "1", "LOGSCAN_CACHE_DIR": ""}


def report_of(done: subprocess.CompletedProcess[bytes]) -> dict:
    return json.loads(done.stdout)


def rules_of(report: dict) -> list[str]:
    return [e["rule"] for e in report["events"]]


# --- running as someone who cannot read everything -----------------------------------------------


@pytest.fixture
def shared_dir() -> Iterator[Path]:
    """A folder that nobody may enter too (pytest's own tmp_path is root's alone)."""
    folder = Path(tempfile.mkdtemp(prefix="logscan-hostile-io-"))
    folder.chmod(0o755)
    try:
        yield folder
    finally:
        for path in [folder, *folder.rglob("*")]:
            if path.is_dir() and not path.is_symlink():
                path.chmod(0o755)
        shutil.rmtree(folder)


def unprivileged(logscan_bin: str, *args: str, cwd: Path) -> subprocess.CompletedProcess[bytes]:
    """The installed command run as nobody when we are root (root reads mode-000 folders)."""
    prefix: list[str] = []
    if os.geteuid() == 0:
        if not shutil.which("setpriv"):
            pytest.skip("setpriv is needed to drop root's privileges")
        prefix = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"]
    return subprocess.run(
        [*prefix, logscan_bin, *args], capture_output=True, cwd=cwd, env=ENV, timeout=300, check=False
    )


def readable_by_all(*paths: Path) -> None:
    for path in paths:
        path.chmod(0o755 if path.is_dir() else 0o644)


# --- 1. a bug, a failing stdout, a rule file too deep, a folder we may not enter -----------------


def test_exit_codes_are_documented_in_the_readme() -> None:
    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    for code in ExitCode:
        assert f"\n| {code.value} | " in readme, f"exit code {code.name} is not in the README's table"


def test_an_unexpected_exception_is_one_line_and_exit_70(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    log = tmp_path / "app.log"
    log.write_bytes(QUIET + QUOTA)

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("boom near\nsk-proj-abcdefghijklmnopqrstuvwxyz0123456789")

    monkeypatch.setattr(cli.reporting, "build", broken)
    monkeypatch.delenv("LOGSCAN_DEBUG", raising=False)
    assert cli.main([str(log)]) == ExitCode.SOFTWARE == 70
    out, err = capsys.readouterr()
    assert out == ""
    assert err == (
        "logscan: internal error: RuntimeError: boom near sk-proj-***6789 (a bug in logscan: please report it, "
        "with the traceback that --debug or LOGSCAN_DEBUG=1 shows)\n"
    )
    for args, env in (([str(log), "--debug"], ""), ([str(log), "--traceback"], ""), ([str(log)], "1")):
        monkeypatch.setenv("LOGSCAN_DEBUG", env)
        assert cli.main(args) == ExitCode.SOFTWARE
        err = capsys.readouterr().err
        assert err.startswith("Traceback (most recent call last):") and "RuntimeError" in err
        assert err.endswith("(a bug in logscan: please report it)\n")


def test_a_logscan_error_with_debug_shows_its_traceback_and_keeps_its_code(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert cli.main(["missing.log", "--traceback"]) == ExitCode.USAGE
    err = capsys.readouterr().err
    assert err.startswith("Traceback (most recent call last):")
    assert err.endswith("logscan: error: missing.log: no such file or directory (check the path)\n")


def test_a_bug_in_the_installed_command_exits_70(logscan_bin: str, tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    log.write_bytes(QUIET + QUOTA)
    hooks = tmp_path / "hooks"
    hooks.mkdir()
    (hooks / "sitecustomize.py").write_text(  # a bug planted in the installed package, at start-up
        "import analyzer.reporting\n"
        "def build(*args, **kwargs):\n"
        "    raise KeyError('planted')\n"
        "analyzer.reporting.build = build\n"
    )
    done = run_logscan(logscan_bin, str(log), cwd=tmp_path, env={"PYTHONPATH": str(hooks)})
    assert done.returncode == 70
    assert done.stdout == b""
    assert done.stderr == (
        b"logscan: internal error: KeyError: 'planted' (a bug in logscan: please report it, "
        b"with the traceback that --debug or LOGSCAN_DEBUG=1 shows)\n"
    )
    debug = run_logscan(logscan_bin, str(log), cwd=tmp_path, env={"PYTHONPATH": str(hooks), "LOGSCAN_DEBUG": "1"})
    assert debug.returncode == 70 and debug.stderr.startswith(b"Traceback (most recent call last):")


def test_a_full_stdout_is_one_line_and_exit_74(logscan_bin: str, tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    log.write_bytes(QUIET + QUOTA)
    with open("/dev/full", "wb") as full:
        done = subprocess.run(
            [logscan_bin, "-f", "json", str(log)], stdout=full, stderr=subprocess.PIPE, env=ENV, check=False
        )
    assert done.returncode == ExitCode.OUTPUT == 74
    assert done.stderr == (
        b"logscan: error: <stdout>: cannot write the report: No space left on device (write it to a file with -o)\n"
    )


def test_a_closed_stdout_is_one_line_and_exit_74(logscan_bin: str, tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    log.write_bytes(QUIET + QUOTA)
    done = subprocess.run(["sh", "-c", f'"{logscan_bin}" "{log}" >&-'], stderr=subprocess.PIPE, env=ENV, check=False)
    assert done.returncode == 74
    assert done.stderr.startswith(b"logscan: error: <stdout>: cannot write the report: ")
    assert done.stderr.count(b"\n") == 1


def test_a_rule_file_nested_too_deep_exits_3_with_file_and_line(logscan_bin: str, tmp_path: Path) -> None:
    rules = tmp_path / "deep.toml"
    rules.write_text("# a rule file\n\nbomb = " + "[" * 5000 + "]" * 5000 + "\n", encoding="utf-8")
    log = tmp_path / "app.log"
    log.write_bytes(QUOTA)
    done = run_logscan(logscan_bin, "--rules", str(rules), str(log), cwd=tmp_path)
    assert done.returncode == ExitCode.RULES
    assert done.stdout == b""
    assert (
        done.stderr
        == (
            f"logscan: error: {rules}:3: arrays or inline tables nested over 100 deep (too deep to read) "
            "(flatten them)\n"
        ).encode()
    )


def test_a_file_in_a_folder_we_may_not_enter_exits_4(logscan_bin: str, shared_dir: Path) -> None:
    good = shared_dir / "good.log"
    good.write_bytes(QUIET + QUOTA)
    locked = shared_dir / "locked"
    locked.mkdir()
    (locked / "app.log").write_bytes(QUOTA)
    readable_by_all(good, locked / "app.log")
    locked.chmod(0o000)
    done = unprivileged(logscan_bin, "-f", "json", str(locked / "app.log"), str(good), cwd=shared_dir)
    assert done.returncode == ExitCode.INPUT, done.stderr
    assert done.stderr == f"logscan: warning: {locked / 'app.log'}: cannot read: Permission denied\n".encode()
    report = report_of(done)
    assert rules_of(report) == [QUOTA_RULE]
    assert report["summary"]["problems"] == [f"{locked / 'app.log'}: cannot read: Permission denied"]


def test_a_path_that_cannot_be_looked_at_is_a_problem_of_its_own(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    good = tmp_path / "good.log"
    good.write_bytes(QUIET + QUOTA)
    hidden = tmp_path / "locked" / "app.log"
    real_stat = os.stat

    def stat(path: object, *args: object, **kwargs: object) -> os.stat_result:
        if str(path) == str(hidden):
            raise PermissionError(13, "Permission denied", str(path))
        return real_stat(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "stat", stat)
    assert cli.main(["-f", "json", str(hidden), str(good)]) == ExitCode.INPUT
    out, err = capsys.readouterr()
    assert err == f"logscan: warning: {hidden}: cannot read: Permission denied\n"
    assert rules_of(json.loads(out)) == [QUOTA_RULE]


# --- 2. the report's file: never an input, never truncated in place ------------------------------


@pytest.mark.parametrize("how", ["same path", "symlink", "hard link", "inside a scanned folder", "stdin"])
def test_an_output_that_is_an_input_is_refused_with_exit_2(logscan_bin: str, tmp_path: Path, how: str) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    log = logs / "app.log"
    data = QUIET + QUOTA
    log.write_bytes(data)
    target, inputs, stdin = log, [str(log)], None
    if how == "symlink":
        target = tmp_path / "report.md"
        target.symlink_to(log)
    elif how == "hard link":
        target = tmp_path / "report.md"
        os.link(log, target)
    elif how == "inside a scanned folder":
        inputs = [str(logs)]
    elif how == "stdin":
        inputs, stdin = [], log.open("rb")
    try:
        done = subprocess.run(
            [logscan_bin, *inputs, "-f", "md", "-o", str(target)],
            stdin=stdin,
            capture_output=True,
            env=ENV,
            check=False,
        )
    finally:
        if stdin is not None:
            stdin.close()
    assert done.returncode == ExitCode.USAGE, done.stderr
    assert done.stdout == b""
    assert done.stderr.startswith(f"logscan: error: -o: {target} is one of the inputs".encode())
    assert done.stderr.endswith(b"(write the report to another file)\n") and done.stderr.count(b"\n") == 1
    assert log.read_bytes() == data


def test_a_report_through_a_symlink_replaces_its_target_and_keeps_link_and_mode(
    logscan_bin: str, tmp_path: Path
) -> None:
    log = tmp_path / "app.log"
    log.write_bytes(QUIET + QUOTA)
    reports = tmp_path / "reports"
    reports.mkdir()
    real = reports / "latest.md"
    real.write_text("old report\n", encoding="utf-8")
    real.chmod(0o640)
    link = tmp_path / "report.md"
    link.symlink_to(real)
    done = run_logscan(logscan_bin, str(log), "-o", str(link), cwd=tmp_path)
    assert done.returncode == 0 and done.stdout == b"" and done.stderr == b""
    assert link.is_symlink() and link.resolve() == real
    assert QUOTA_RULE.encode() in real.read_bytes()
    assert real.stat().st_mode & 0o777 == 0o640
    assert sorted(p.name for p in reports.iterdir()) == ["latest.md"]  # nothing left beside it


def test_a_new_report_takes_the_mode_the_umask_leaves(logscan_bin: str, tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    log.write_bytes(QUIET + QUOTA)
    done = subprocess.run(
        ["sh", "-c", f'umask 027; "{logscan_bin}" "{log}" -o "{tmp_path / "report.md"}"'], env=ENV, check=False
    )
    assert done.returncode == 0
    assert (tmp_path / "report.md").stat().st_mode & 0o777 == 0o640


def test_output_dash_is_stdout(logscan_bin: str, tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    log.write_bytes(QUIET + QUOTA)
    done = run_logscan(logscan_bin, str(log), "-o", "-", "-f", "json", cwd=tmp_path)
    assert done.returncode == 0 and done.stderr == b""
    assert rules_of(report_of(done)) == [QUOTA_RULE]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["app.log"]


def test_a_folder_that_takes_no_new_file_keeps_the_last_report(logscan_bin: str, shared_dir: Path) -> None:
    # The old report may be written but its folder takes no new file: writing it in place would leave
    # half a report on a full disk, so the run is refused before it scans, the last report kept.
    log = shared_dir / "app.log"
    log.write_bytes(QUIET + QUOTA)
    reports = shared_dir / "reports"
    reports.mkdir()
    report = reports / "report.md"
    report.write_text("old report\n", encoding="utf-8")
    readable_by_all(log)
    report.chmod(0o666)
    reports.chmod(0o555)
    done = unprivileged(logscan_bin, str(log), "-o", str(report), cwd=shared_dir)
    assert done.returncode == ExitCode.USAGE
    assert done.stdout == b""
    assert (
        done.stderr
        == (
            f"logscan: error: {report}: cannot write the report: its folder takes no new file (a report is written "
            "beside the last one, then renamed over it) (name a file in a folder you can write)\n"
        ).encode()
    )
    assert report.read_text(encoding="utf-8") == "old report\n"


def test_an_output_in_no_folder_is_refused_before_the_scan(logscan_bin: str, tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    log.write_bytes(QUIET + QUOTA)
    done = run_logscan(logscan_bin, str(log), "-o", str(tmp_path / "gone" / "report.md"), cwd=tmp_path)
    assert done.returncode == ExitCode.USAGE and done.stdout == b""
    assert (
        done.stderr
        == (
            f"logscan: error: {tmp_path / 'gone' / 'report.md'}: cannot write the report: no such folder "
            "(name a file in a folder that exists)\n"
        ).encode()
    )


def test_output_to_dev_stdout_or_a_named_pipe_is_written_as_it_is(logscan_bin: str, tmp_path: Path) -> None:
    import threading

    log = tmp_path / "app.log"
    log.write_bytes(QUIET + QUOTA)
    done = run_logscan(logscan_bin, str(log), "-o", "/dev/stdout", "-f", "json", cwd=tmp_path)  # stdout: a pipe
    assert done.returncode == 0 and done.stderr == b""
    assert rules_of(report_of(done)) == [QUOTA_RULE]
    fifo = tmp_path / "report.fifo"
    os.mkfifo(fifo)
    read: list[bytes] = []
    reader = threading.Thread(target=lambda: read.append(fifo.read_bytes()))
    reader.start()
    done = run_logscan(logscan_bin, str(log), "-o", str(fifo), "-f", "json", cwd=tmp_path)
    reader.join(timeout=60)
    assert done.returncode == 0 and done.stdout == done.stderr == b""
    assert rules_of(json.loads(read[0])) == [QUOTA_RULE]


# --- 3. a file that changes while it is read ----------------------------------------------------


def big_log(lines: int = 20_000, every: int = 500, stamp: bytes = b"09") -> bytes:
    """A log of `lines` lines with a quota error every `every` lines, in the hour `stamp`."""
    rows = []
    for n in range(lines):
        row = QUOTA if n % every == every - 1 else QUIET.replace(b"3ms", b"%dms" % n)
        rows.append(row.replace(b" 09:", b" " + stamp + b":", 1))
    return b"".join(rows)


@pytest.fixture
def small_ranges(monkeypatch: pytest.MonkeyPatch) -> None:
    """Files of a few MB are cut in many byte ranges (MIN_SIZE, not 64 MiB, for the default jobs)."""
    monkeypatch.setattr(parallel, "MIN_SIZE", 1 << 16)
    monkeypatch.setattr(parallel, "MIN_CHUNK", 1 << 16)
    monkeypatch.setattr(parallel, "WINDOW", 1 << 13)


def changed_while_scanned(monkeypatch: pytest.MonkeyPatch, change: Callable[[], object]) -> list[int]:
    """Run `change()` once the ranges are planned, before any worker reads them; the number of ranges."""
    planned: list[int] = []
    scan = parallel.scan

    def changing(chunks: list[parallel.Chunk], *args: object, **kwargs: object) -> Iterator[parallel.Part]:
        planned.append(len(chunks))
        change()
        return scan(chunks, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(parallel, "scan", changing)
    return planned


def analyse(path: Path, jobs: int = 0) -> pipeline.Analysis:
    options = pipeline.Options((str(path),), UTC, datetime(2026, 11, 27, tzinfo=UTC), jobs=jobs)
    return pipeline.run(options, ruleset.load(), None)


@pytest.mark.usefixtures("small_ranges")
def test_a_file_renamed_over_while_workers_read_it_is_read_as_opened(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = tmp_path / "app.log"
    log.write_bytes(big_log())
    expected = analyse(log, jobs=1)
    newer = tmp_path / "app.log.new"
    newer.write_bytes(big_log(lines=30_000, every=300, stamp=b"14"))  # logrotate's new file, renamed in
    planned = changed_while_scanned(monkeypatch, lambda: os.replace(newer, log))
    analysis = analyse(log, jobs=2)
    assert planned and planned[0] > 4
    assert analysis.events == expected.events
    assert analysis.problems == [
        f"{log}: replaced during the scan (the file as it was opened was read, not the new one)"
    ]


@pytest.mark.usefixtures("small_ranges")
def test_a_file_truncated_while_workers_read_it_is_said_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    log = tmp_path / "app.log"
    data = big_log()
    log.write_bytes(data)
    changed_while_scanned(monkeypatch, lambda: os.truncate(log, 0))  # copytruncate
    analysis = analyse(log, jobs=2)
    assert analysis.problems == [
        f"{log}: truncated during the scan ({len(data):,} -> 0 bytes): lines past its new end may be missing"
    ]


@pytest.mark.usefixtures("small_ranges")
def test_a_file_deleted_while_workers_read_it_is_read_whole_and_said_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = tmp_path / "app.log"
    log.write_bytes(big_log())
    expected = analyse(log, jobs=1)
    changed_while_scanned(monkeypatch, log.unlink)
    analysis = analyse(log)  # the default jobs: the CPU count for a file over MIN_SIZE
    assert analysis.events == expected.events
    assert analysis.problems == [f"{log}: deleted during the scan (the file as it was opened was read)"]


@pytest.mark.parametrize("change", ["truncated", "replaced"])
def test_a_file_read_in_one_process_that_changes_is_said_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, change: str
) -> None:
    monkeypatch.setattr(sources.reading, "BLOCK_SIZE", 1 << 14)
    log = tmp_path / "app.log"
    data = big_log()
    log.write_bytes(data)
    real = pipeline.sources.read_blocks

    def changing(source: sources.Source, stats: sources.SourceStats) -> Iterator[bytes]:
        blocks = real(source, stats)
        yield next(blocks)
        if change == "truncated":
            os.truncate(log, 1000)
        else:
            log.rename(tmp_path / "app.log.1")
            log.write_bytes(QUIET)
        yield from blocks

    monkeypatch.setattr(pipeline.sources, "read_blocks", changing)
    analysis = analyse(log, jobs=1)
    assert analysis.problems == [
        f"{log}: truncated during the scan ({len(data):,} -> 1,000 bytes): lines past its new end may be missing"
        if change == "truncated"
        else f"{log}: replaced during the scan (the file as it was opened was read, not the new one)"
    ]
    if change == "replaced":
        assert analysis.lines == data.count(b"\n")  # the old file, whole


# --- 4. folders that cannot be read -------------------------------------------------------------


def test_an_unreadable_subfolder_of_a_scanned_folder_exits_4(logscan_bin: str, shared_dir: Path) -> None:
    logs = shared_dir / "logs"
    locked = logs / "locked"
    locked.mkdir(parents=True)
    (logs / "good.log").write_bytes(QUIET + QUOTA)
    (locked / "app.log").write_bytes(QUOTA)
    readable_by_all(logs, logs / "good.log", locked / "app.log")
    locked.chmod(0o000)
    done = unprivileged(logscan_bin, "-f", "json", "logs", cwd=shared_dir)
    assert done.returncode == ExitCode.INPUT, done.stderr
    assert done.stderr == b"logscan: warning: logs/locked: cannot read: Permission denied\n"
    report = report_of(done)
    assert rules_of(report) == [QUOTA_RULE]
    assert report["summary"]["problems"] == ["logs/locked: cannot read: Permission denied"]
    assert [s["name"] for s in report["summary"]["sources"]] == ["logs/good.log", "logs/locked"]


@pytest.mark.parametrize("arg", ["locked", "locked/*.log", "locked/**/*.log"])
def test_an_unreadable_folder_as_the_argument_exits_4(logscan_bin: str, shared_dir: Path, arg: str) -> None:
    locked = shared_dir / "locked"
    locked.mkdir()
    (locked / "app.log").write_bytes(QUOTA)
    readable_by_all(locked / "app.log")
    locked.chmod(0o000)
    done = unprivileged(logscan_bin, "-f", "md", arg, cwd=shared_dir)
    assert done.returncode == ExitCode.INPUT, done.stderr
    assert done.stderr == b"logscan: warning: locked: cannot read: Permission denied\n"
    assert b"- `locked: cannot read: Permission denied`" in done.stdout  # the summary's input problems


def test_a_folder_whose_listing_fails_is_named_in_process(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    logs = tmp_path / "logs"
    (logs / "locked").mkdir(parents=True)
    (logs / "good.log").write_bytes(QUIET + QUOTA)
    (logs / "locked" / "app.log").write_bytes(QUOTA)
    real_scandir = os.scandir

    def scandir(path: str) -> object:
        if str(path).endswith("locked"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    assert cli.main(["-f", "json", str(logs)]) == ExitCode.INPUT
    out, err = capsys.readouterr()
    assert err == f"logscan: warning: {logs / 'locked'}: cannot read: Permission denied\n"
    assert json.loads(out)["summary"]["problems"] == [f"{logs / 'locked'}: cannot read: Permission denied"]


# --- 5. symlink loops, second names: each file once ---------------------------------------------


@pytest.fixture
def looped(tmp_path: Path) -> Path:
    """logs/ with two files and two symlink loops back to itself, plus a hard link and a linked folder."""
    logs = tmp_path / "logs"
    (logs / "sub").mkdir(parents=True)
    (logs / "app.log").write_bytes(QUIET + QUOTA)
    (logs / "sub" / "other.log").write_bytes(QUOTA.replace(b"09:12", b"10:12"))
    (logs / "sub" / "up").symlink_to("..")
    (logs / "sub" / "again").symlink_to("../sub")
    os.link(logs / "app.log", logs / "sub" / "hardlink.log")
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "linked.log").write_bytes(QUOTA.replace(b"09:12", b"11:12"))
    (logs / "current").symlink_to("../elsewhere")
    return logs


@pytest.mark.parametrize("arg", ["logs", "logs/**/*.log", "logs/**"])
def test_each_file_is_read_once_through_symlink_loops(logscan_bin: str, looped: Path, arg: str) -> None:
    done = subprocess.run(
        [logscan_bin, "-f", "json", arg], capture_output=True, cwd=looped.parent, env=ENV, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == b""
    report = report_of(done)
    names = [s["name"] for s in report["summary"]["sources"]]
    assert names == ["logs/app.log", "logs/current/linked.log", "logs/sub/other.log"]
    assert sorted(e["source"] for e in report["events"]) == names


def test_a_glob_in_process_matches_as_the_standard_glob_does(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import glob as stdlib

    from analyzer.sources import walk

    for name in ["a.log", "b.txt", ".hidden.log", "x/c.log", "x/y/d.log", "x/.h/e.log", "z/f.log", "z/g.txt"]:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x\n")
    monkeypatch.chdir(tmp_path)
    patterns = ["*.log", "**/*.log", "x/**/*.log", "**", "x/*/*.log", "[xz]/*.log", "?.log", ".*.log", "x/**", "*/"]
    for pattern in patterns + [str(tmp_path / p) for p in patterns]:
        expected = sorted(p for p in stdlib.glob(pattern, recursive=True) if os.path.isfile(p))
        assert [path for path, _ in walk.glob(pattern)] == expected, pattern


# --- 6. UTF-16 and UTF-32 logs ------------------------------------------------------------------

WINDOWS_TEXT = (
    (QUIET * 3).decode()
    + "2026-03-14 09:05:00,000 INFO app: 接続を再試行します (ça va)\n"
    + QUOTA.decode()
    + (QUIET.decode())
)
ENCODED = {
    "utf-16-le": lambda text: codecs_bom("utf-16-le", text),
    "utf-16-be": lambda text: codecs_bom("utf-16-be", text),
    "utf-32-le": lambda text: codecs_bom("utf-32-le", text),
    "utf-32-be": lambda text: codecs_bom("utf-32-be", text),
}


def codecs_bom(codec: str, text: str, bom: bool = True) -> bytes:
    return ("\ufeff" if bom else "").encode(codec) + text.encode(codec)


@pytest.mark.parametrize("crlf", [True, False], ids=["crlf", "lf"])
@pytest.mark.parametrize("bom", [True, False], ids=["bom", "no-bom"])
@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"])
def test_a_utf16_or_utf32_log_is_decoded_with_its_line_numbers(
    logscan_bin: str, tmp_path: Path, codec: str, bom: bool, crlf: bool
) -> None:
    text = WINDOWS_TEXT.replace("\n", "\r\n") if crlf else WINDOWS_TEXT
    log = tmp_path / "windows.log"
    log.write_bytes(codecs_bom(codec, text, bom))
    done = run_logscan(logscan_bin, "-f", "json", str(log), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stderr == b""
    report = report_of(done)
    [source] = report["summary"]["sources"]
    assert (source["encoding"], source["lines"], source["undecodable"]) == (codec, 6, 0)
    assert [(e["rule"], e["line"]) for e in report["events"]] == [(QUOTA_RULE, 5)]
    if (codec, bom, crlf) == ("utf-16-le", True, True):  # as Windows tools write it
        md = run_logscan(logscan_bin, "-f", "md", str(log), cwd=tmp_path)
        assert f"(6 lines; `timestamped`; `{codec}`)".encode() in md.stdout  # the summary's sources


def test_a_compressed_utf16_log_and_its_undecodable_line(logscan_bin: str, tmp_path: Path) -> None:
    import gzip

    data = codecs_bom("utf-16-le", WINDOWS_TEXT)
    broken = data.replace("ça".encode("utf-16-le"), b"\x00\xd8a\x00")  # a lone high surrogate: no character
    log = tmp_path / "windows.log.gz"
    log.write_bytes(gzip.compress(broken))
    done = run_logscan(logscan_bin, "-f", "json", str(log), cwd=tmp_path)
    assert done.returncode == 0 and done.stderr == b""
    report = report_of(done)
    [source] = report["summary"]["sources"]
    assert (source["compression"], source["encoding"], source["lines"], source["undecodable"]) == (
        "gzip",
        "utf-16-le",
        6,
        1,
    )
    assert [(e["rule"], e["line"]) for e in report["events"]] == [(QUOTA_RULE, 5)]


def test_utf8_with_zeros_is_not_taken_for_utf16(logscan_bin: str, tmp_path: Path) -> None:
    log = tmp_path / "nul.log"
    log.write_bytes(QUIET.replace(b"GET", b"G\x00T") * 5 + QUOTA)
    report = report_of(run_logscan(logscan_bin, "-f", "json", str(log), cwd=tmp_path))
    assert report["summary"]["sources"][0]["encoding"] == "utf-8"
    assert rules_of(report) == [QUOTA_RULE]


@pytest.mark.usefixtures("small_ranges")
def test_a_large_utf16_file_is_read_as_a_stream_in_pieces_with_its_line_numbers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(parallel, "PIECE", 1 << 15)
    monkeypatch.setattr(sources.reading, "BLOCK_SIZE", 1 << 13)  # blocks that cut characters in two
    text = big_log(lines=6000, every=400).decode()
    utf8, utf16 = tmp_path / "utf8.log", tmp_path / "utf16.log"
    utf8.write_text(text, encoding="utf-8")
    utf16.write_bytes(codecs_bom("utf-16-le", text.replace("\n", "\r\n"), bom=False))
    ranges = changed_while_scanned(monkeypatch, lambda: None)
    expected = analyse(utf8, jobs=1)
    one, three = analyse(utf16, jobs=1), analyse(utf16, jobs=3)
    assert not ranges  # UTF-16 is never cut in byte ranges: it is transcoded as a stream
    assert [(e.rule, e.line) for e in three.events] == [(e.rule, e.line) for e in expected.events]
    assert [(e.rule, e.line) for e in one.events] == [(e.rule, e.line) for e in expected.events]
    assert len(expected.events) == 15
    assert three.sources[0].encoding == one.sources[0].encoding == "utf-16-le"
    assert three.lines == one.lines == expected.lines == 6000


def test_the_utf8_reader_gives_the_same_text_whatever_the_blocks() -> None:
    from analyzer.sources import decoding

    text = WINDOWS_TEXT * 3
    for codec in ("utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be", "utf-16", "utf-32"):
        data = text.encode(codec)
        for size in (1, 3, 5, 4096):
            stream = io.BytesIO(data)
            stats = sources.SourceStats("x")
            reader = decoding.Utf8Reader(stream.read, stats)
            chunks = iter(lambda: reader.read(size), b"")  # noqa: B023
            assert b"".join(chunks).decode("utf-8") == text, (codec, size)
            assert stats.encoding.startswith(codec[:6])


# --- 7. no rule at all --------------------------------------------------------------------------


@pytest.mark.parametrize("what", ["an empty folder", "playbooks only", "nothing"])
def test_a_scan_with_no_rule_is_a_usage_error(logscan_bin: str, tmp_path: Path, what: str) -> None:
    log = tmp_path / "app.log"
    log.write_bytes(QUIET + QUOTA)
    rules = tmp_path / "empty_dir"
    rules.mkdir()
    if what == "playbooks only":
        (rules / "playbooks.toml").write_text(
            '[[playbook]]\nid = "mine"\nchecked = "2026-11-27"\n[playbook.en]\nsummary = "x"\nsteps = ["y"]\n'
            '[playbook.ja]\nsummary = "x"\nsteps = ["y"]\n',
            encoding="utf-8",
        )
    extra = [] if what == "nothing" else ["--rules", "empty_dir/"]
    done = run_logscan(logscan_bin, "--no-builtin-rules", *extra, str(log), cwd=tmp_path)
    assert done.returncode == ExitCode.USAGE, done.stderr
    assert done.stdout == b""
    where = "and no --rules" if what == "nothing" else "and no [[rule]] table in empty_dir/"
    assert (
        done.stderr
        == (
            f"logscan: error: --rules: no rule loaded: --no-builtin-rules, {where} "
            "(name rule files with [[rule]] tables)\n"
        ).encode()
    )


# --- 8. a reader that stops early ---------------------------------------------------------------


@pytest.mark.parametrize(("extra", "code"), [([], ExitCode.INCIDENT), (["sock.log"], ExitCode.INPUT)])
def test_a_closed_pipe_keeps_the_exit_code(logscan_bin: str, tmp_path: Path, extra: list[str], code: int) -> None:
    import socket

    log = tmp_path / "app.log"
    log.write_bytes(QUIET + QUOTA)
    read, write = os.pipe()
    os.close(read)  # the reader is gone before the report is written: every write is EPIPE
    with socket.socket(socket.AF_UNIX) as sock:  # a socket: an input open() fails on (ENXIO), root or not
        sock.bind(str(tmp_path / "sock.log"))
        try:
            done = subprocess.run(
                [logscan_bin, "--fail-on", "low", str(log), *extra],
                stdout=write,
                stderr=subprocess.PIPE,
                cwd=tmp_path,
                env=ENV,
                check=False,
            )
        finally:
            os.close(write)
    assert done.returncode == code
    assert b"Traceback" not in done.stderr and b"Broken pipe" not in done.stderr


def test_a_closed_pipe_behind_head_keeps_exit_1(logscan_bin: str, tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    log.write_bytes((QUIET * 50 + QUOTA) * 2000)  # a report far over a pipe's 64 KiB
    done = subprocess.run(
        [
            "bash",
            "-c",
            f'"{logscan_bin}" -f json --no-redact --fail-on low "{log}" | head -c 10 >/dev/null; '
            'exit "${PIPESTATUS[0]}"',
        ],
        stderr=subprocess.PIPE,
        env=ENV,
        check=False,
    )
    assert done.returncode == ExitCode.INCIDENT


# --- 9. decompression bombs ---------------------------------------------------------------------


def bomb(megabytes: int, first: bytes = b"") -> bytes:
    """bzip2 of `first` and then `megabytes` MB of the same long line: a few hundred bytes."""
    import bz2

    packer = bz2.BZ2Compressor(9)
    chunk = (b"2026-03-14 09:00:00,000 INFO " + b"x" * 4000 + b"\n") * 250
    packed = [packer.compress(first)] + [packer.compress(chunk) for _ in range(megabytes)]
    return b"".join([*packed, packer.flush()])


def test_a_decompression_bomb_is_stopped_and_exits_4(logscan_bin: str, tmp_path: Path) -> None:
    path = tmp_path / "bomb.log.bz2"
    path.write_bytes(bomb(100, first=QUOTA))  # 100 MB from about 400 bytes: past the 64 MiB floor
    assert path.stat().st_size < 1000
    good = tmp_path / "good.log"
    good.write_bytes(QUIET + QUOTA.replace(b"09:12", b"10:12"))
    done = subprocess.run(
        [logscan_bin, "-f", "json", str(path), str(good)], capture_output=True, env=ENV, timeout=120, check=False
    )
    assert done.returncode == ExitCode.INPUT, done.stderr
    problem = f"{path}: bzip2 data that expands over 1,000 times its size (a decompression bomb?): stopped after "
    assert done.stderr.startswith(f"logscan: warning: {problem}".encode()) and done.stderr.count(b"\n") == 1
    report = report_of(done)
    assert report["summary"]["problems"][0].startswith(problem)
    stopped = int(report["summary"]["problems"][0].rsplit(" ", 2)[1].replace(",", ""))
    assert stopped == 64 << 20
    assert sorted(e["source"] for e in report["events"]) == [str(path), str(good)]  # read up to the cap


def test_the_expansion_cap_is_set_by_module_constants(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from analyzer.sources import decoding

    monkeypatch.setattr(decoding, "EXPANSION_FLOOR", 1 << 20)
    path = tmp_path / "bomb.log.bz2"
    path.write_bytes(bomb(8, first=QUOTA))
    assert cli.main(["-f", "json", str(path)]) == ExitCode.INPUT
    out, err = capsys.readouterr()
    assert err.startswith(f"logscan: warning: {path}: bzip2 data that expands over 1,000 times its size")
    summary = json.loads(out)["summary"]
    assert summary["lines"] == (1 << 20) // 4030 + 2  # the quota line, whole lines up to 1 MiB, a cut one
    monkeypatch.setattr(decoding, "EXPANSION_RATIO", 100_000)  # a ratio the file stays under: read whole
    assert cli.main(["-f", "json", str(path)]) == ExitCode.OK
    assert json.loads(capsys.readouterr().out)["summary"]["lines"] == 8 * 250 + 1


def test_a_real_compressed_log_is_not_taken_for_a_bomb(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import lzma

    from analyzer.sources import decoding

    monkeypatch.setattr(decoding, "EXPANSION_FLOOR", 1 << 16)  # the ratio alone decides
    path = tmp_path / "day.log.xz"
    path.write_bytes(lzma.compress(big_log(lines=100_000), preset=9))  # about 200x: each line has its own counter
    analysis = analyse(path, jobs=1)
    assert analysis.problems == [] and analysis.lines == 100_000


# --- 10. more jobs than CPUs --------------------------------------------------------------------


def test_jobs_are_capped_at_the_cpus_this_process_may_use(logscan_bin: str, tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    log.write_bytes(QUIET + QUOTA)
    cpus = len(os.sched_getaffinity(0))
    done = run_logscan(logscan_bin, "-j", "3000", "-f", "json", str(log), cwd=tmp_path)
    assert done.returncode == 0
    assert done.stderr == f"logscan: warning: --jobs 3000: capped at {cpus}, the CPUs logscan may use\n".encode()
    assert rules_of(report_of(done)) == [QUOTA_RULE]
    quiet = run_logscan(logscan_bin, "-j", str(cpus), "-f", "json", str(log), cwd=tmp_path)
    assert quiet.returncode == 0 and quiet.stderr == b""


def test_the_capped_jobs_reach_the_pipeline(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    log = tmp_path / "app.log"
    log.write_bytes(QUIET + QUOTA)
    asked: list[int] = []
    run = pipeline.run

    def recorded(options: pipeline.Options, *args: object, **kwargs: object) -> pipeline.Analysis:
        asked.append(options.jobs)
        return run(options, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(parallel, "cpus", lambda: 3)
    monkeypatch.setattr(pipeline, "run", recorded)
    for jobs in ("3000", "4", "3", "2", "0"):
        assert cli.main(["-j", jobs, "-f", "json", str(log)]) == ExitCode.OK
    capped = capsys.readouterr().err.splitlines()
    assert asked == [3, 3, 3, 2, 0]  # 0: the CPU count, decided per input
    assert capped == [
        "logscan: warning: --jobs 3000: capped at 3, the CPUs logscan may use",
        "logscan: warning: --jobs 4: capped at 3, the CPUs logscan may use",
    ]


# --- 11. the Hyperscan cache stays bounded ------------------------------------------------------

needs_hyperscan = pytest.mark.skipif(prefilter.hyperscan is None, reason="the hyperscan package is not installed")


@needs_hyperscan
def test_the_cache_keeps_the_databases_used_last(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOGSCAN_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(cache, "CACHE_MAX_FILES", 3)
    cached: dict[str, Path] = {}
    for word in ("one", "two", "three", "one", "four"):  # "one" used again before "four" comes
        before = set(tmp_path.glob("hs-*.db"))
        prefilter.compiled([word.encode()], [0], [0])
        if word not in cached:
            [cached[word]] = set(tmp_path.glob("hs-*.db")) - before
        time.sleep(0.02)  # mtimes a coarse clock tells apart
    assert sorted(tmp_path.glob("hs-*.db")) == sorted([cached["one"], cached["three"], cached["four"]])


@needs_hyperscan
def test_the_cache_stays_within_its_size(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOGSCAN_CACHE_DIR", str(tmp_path))
    prefilter.compiled([b"first"], [0], [0])
    [first] = tmp_path.glob("hs-*.db")
    monkeypatch.setattr(cache, "CACHE_MAX_BYTES", int(first.stat().st_size * 2.5))
    for word in ("second", "third", "fourth"):
        time.sleep(0.02)
        prefilter.compiled([word.encode()], [0], [0])
    assert len(list(tmp_path.glob("hs-*.db"))) == 2 and not first.exists()


def test_a_run_prunes_a_full_cache_and_keeps_its_own_databases(logscan_bin: str, tmp_path: Path) -> None:
    if prefilter.hyperscan is None:
        pytest.skip("the hyperscan package is not installed")
    folder = tmp_path / "cache"
    folder.mkdir()
    old = time.time() - 86_400
    for n in range(40):  # 40 MB of databases of rule sets gone, used a day ago, and a partial file left
        stale = folder / f"hs-{n:032x}.db"
        stale.write_bytes(b"\0" * (1 << 20))
        os.utime(stale, (old + n, old + n))
    left = folder / f"hs-{0:032x}.99999.tmp"
    left.write_bytes(b"\0" * 1000)
    os.utime(left, (old, old))
    log = tmp_path / "app.log"
    log.write_bytes(QUIET + QUOTA)
    done = run_logscan(
        logscan_bin, "--engine", "hyperscan", str(log), cwd=tmp_path, env={"LOGSCAN_CACHE_DIR": str(folder)}
    )
    assert done.returncode == 0, done.stderr
    kept = sorted(p.name for p in folder.iterdir())
    assert sum(p.stat().st_size for p in folder.iterdir()) <= cache.CACHE_MAX_BYTES
    fresh = [name for name in kept if not name.startswith("hs-0000")]
    assert fresh, "the run's own databases are cached"
    assert f"hs-{39:032x}.db" in kept and f"hs-{0:032x}.db" not in kept  # the oldest went first
    assert left.name not in kept
