"""Hostile input through the installed command: no traceback, no lost line, the error inside still found.

The small files live in tests/hostile/; large or random ones are generated here. Every input but the
empty one holds a real OpenAI quota error, which the report must find.
"""

from __future__ import annotations

import bz2
import gzip
import json
import lzma
import random
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import input_lines, run_logscan

HOSTILE = Path(__file__).parent / "hostile"
QUOTA_RULE = "openai.quota.insufficient_quota"
QUOTA = (
    b"2026-03-14 09:12:03,412 ERROR app.chat: openai.RateLimitError: Error code: 429 - {'error': {'message': "
    b"'You exceeded your current quota, please check your plan and billing details.', 'type': 'insufficient_quota', "
    b"'param': None, 'code': 'insufficient_quota'}}"
)
QUIET = b"2026-03-14 09:00:00,000 INFO app.http: GET /healthz 200 in 3ms\n"


def undecodable_lines(data: bytes) -> int:
    lines = data.split(b"\n")
    if lines[-1] == b"":
        lines.pop()
    count = 0
    for line in lines:
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            count += 1
    return count


def binary_junk() -> bytes:
    rng = random.Random(20260314)
    return bytes(rng.randrange(256) for _ in range(200_000)) + b"\n" + QUOTA + b"\n"


def giant_line() -> bytes:
    return b"2026-03-14 09:00:00,000 ERROR app: " + b"x" * 20_000_000 + b" " + QUOTA[24:] + b"\n"


def many_long_lines() -> bytes:
    return (b"2026-03-14 09:00:00,000 INFO " + b"y" * 100_000 + b"\n") * 50 + QUOTA + b"\n"


GENERATED: dict[str, Callable[[], bytes]] = {"binary_junk.log": binary_junk, "many_long_lines.log": many_long_lines}
SMALL = sorted(p for p in HOSTILE.glob("*.log"))


def scan(logscan_bin: str, path: Path, *args: str) -> tuple[subprocess.CompletedProcess[bytes], dict]:
    started = time.monotonic()
    done = run_logscan(logscan_bin, "-f", "json", *args, str(path), cwd=path.parent)
    assert b"Traceback" not in done.stderr, done.stderr.decode(errors="replace")
    print(f"{path.name}: {time.monotonic() - started:.1f} s")
    return done, json.loads(done.stdout)


def check_accounting(report: dict, data: bytes) -> None:
    """No silent loss: every input line counted, undecodable ones too; every source's counts add up."""
    summary = report["summary"]
    assert summary["lines"] == input_lines(data)
    assert summary["undecodable"] == undecodable_lines(data.removeprefix(b"\xef\xbb\xbf"))
    assert summary["records"] <= summary["lines"]
    assert summary["unparsed"] <= summary["records"]
    assert summary["lines"] == sum(s["lines"] for s in summary["sources"])
    assert summary["records"] == sum(s["records"] for s in summary["sources"])


@pytest.mark.parametrize("path", SMALL, ids=lambda p: p.name)
def test_small_hostile_file(path: Path, logscan_bin: str, tmp_path: Path) -> None:
    data = path.read_bytes()
    done, report = scan(logscan_bin, path)
    assert done.returncode == 0, done.stderr
    if data:
        assert done.stderr == b""
    else:  # an empty file: nothing was read, and stderr says so
        assert done.stderr.startswith(b"logscan: warning: nothing was read:")
    check_accounting(report, data)
    if data:
        assert [e["rule"] for e in report["events"]] == [QUOTA_RULE]
    else:
        assert report["summary"]["lines"] == 0 and report["events"] == []


@pytest.mark.parametrize("name", sorted(GENERATED))
def test_generated_hostile_file(name: str, logscan_bin: str, tmp_path: Path) -> None:
    path = tmp_path / name
    data = GENERATED[name]()
    path.write_bytes(data)
    done, report = scan(logscan_bin, path)
    assert done.returncode == 0, done.stderr
    check_accounting(report, data)
    assert QUOTA_RULE in [e["rule"] for e in report["events"]]


@pytest.fixture(scope="module")
def giant(
    logscan_bin: str, tmp_path_factory: pytest.TempPathFactory
) -> tuple[bytes, subprocess.CompletedProcess[bytes]]:
    """A 20 MB line that ends in the quota error (measured: about 10 s with the regex prefilter)."""
    path = tmp_path_factory.mktemp("giant") / "giant_line.log"
    data = giant_line()
    path.write_bytes(data)
    started = time.monotonic()
    done = run_logscan(logscan_bin, "-f", "json", str(path), cwd=path.parent)
    print(f"20 MB line: {time.monotonic() - started:.1f} s")
    assert b"Traceback" not in done.stderr
    return data, done


def test_error_at_the_end_of_a_20_mb_line_is_found(giant: tuple[bytes, subprocess.CompletedProcess[bytes]]) -> None:
    data, done = giant
    report = json.loads(done.stdout)
    assert [e["rule"] for e in report["events"]] == [QUOTA_RULE]
    assert report["summary"]["lines"] == input_lines(data) == 1
    assert report["summary"]["regex_timeouts"] == 0


def test_a_20_mb_line_is_one_record_and_no_input_problem(
    giant: tuple[bytes, subprocess.CompletedProcess[bytes]],
) -> None:
    _, done = giant
    report = json.loads(done.stdout)
    assert report["summary"]["records"] == 1
    assert done.returncode == 0 and done.stderr == b""


def test_exit_1_with_fail_on_on_hostile_input(logscan_bin: str, tmp_path: Path) -> None:
    path = tmp_path / "junk.log"
    path.write_bytes(binary_junk())
    done, _ = scan(logscan_bin, path, "--fail-on", "high")
    assert done.returncode == 1


BACKTRACKING_RULE = """\
[[rule]]
id = "mine.backtracking"
title = "A pattern that backtracks catastrophically"
category = "server_error"
severity = "low"
retryable = false
keywords = ["zork"]
patterns = ["zork(?:a|a)*b", "zork(.*a){12}x"]
examples.match = ["zorkab"]
"""


def test_backtracking_line_is_bounded_and_counted(logscan_bin: str, tmp_path: Path) -> None:
    rules = tmp_path / "slow.toml"
    rules.write_text(BACKTRACKING_RULE)
    path = tmp_path / "backtrack.log"
    line = b"2026-03-14 09:00:00,000 ERROR zork" + b"a" * 3000 + b"\n"
    data = line * 20 + QUOTA + b"\n"
    path.write_bytes(data)
    started = time.monotonic()
    done, report = scan(logscan_bin, path, "--rules", str(rules))
    assert time.monotonic() - started < 120
    assert done.returncode == 0, done.stderr
    check_accounting(report, data)
    assert [e["rule"] for e in report["events"]] == [QUOTA_RULE]
    assert report["summary"]["regex_timeouts"] >= 20  # at least one a record; each record's budget bounds the rest


COMPRESSORS = {"gz": gzip.compress, "bz2": bz2.compress, "xz": lzma.compress}


@pytest.mark.parametrize("suffix", sorted(COMPRESSORS))
def test_truncated_archive_among_several_exits_4(suffix: str, logscan_bin: str, tmp_path: Path) -> None:
    rng = random.Random(7)
    body = QUOTA + b"\n" + b"".join(QUIET.replace(b"3ms", f"{rng.randrange(10**9)}ms".encode()) for _ in range(100_000))
    packed = COMPRESSORS[suffix](body)
    broken = tmp_path / f"cut.log.{suffix}"
    broken.write_bytes(packed[: len(packed) // 2])
    good = tmp_path / "good.log"
    good.write_bytes(QUIET + QUOTA.replace(b"09:12", b"10:12") + b"\n")
    done = run_logscan(logscan_bin, "-f", "json", str(broken), str(good), cwd=tmp_path)
    assert done.returncode == 4
    kind = {"gz": "gzip", "bz2": "bzip2", "xz": "xz"}[suffix]
    assert done.stderr.decode().startswith(f"logscan: warning: {broken}: truncated {kind} data after ")
    assert done.stderr.count(b"\n") == 1 and b"Traceback" not in done.stderr
    report = json.loads(done.stdout)
    by_source = {s["name"]: s for s in report["summary"]["sources"]}
    assert by_source[str(good)]["lines"] == 2 and by_source[str(broken)]["lines"] > 1000
    assert sorted(e["source"] for e in report["events"]) == sorted([str(broken), str(good)])


def test_unreadable_file_among_several_exits_4(logscan_bin: str, tmp_path: Path) -> None:
    # Root reads through chmod 000; open() on a socket fails (ENXIO) for everyone.
    unreadable = tmp_path / "sock.log"
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(unreadable))
        good = tmp_path / "good.log"
        good.write_bytes(QUIET + QUOTA + b"\n")
        done = run_logscan(logscan_bin, "-f", "json", str(unreadable), str(good), cwd=tmp_path)
    assert done.returncode == 4
    assert done.stderr == f"logscan: warning: {unreadable}: cannot read: No such device or address\n".encode()
    report = json.loads(done.stdout)
    assert [e["rule"] for e in report["events"]] == [QUOTA_RULE]
    assert report["summary"]["lines"] == 2


def test_missing_file_among_several_exits_2_naming_it(logscan_bin: str, tmp_path: Path) -> None:
    good = tmp_path / "good.log"
    good.write_bytes(QUOTA + b"\n")
    done = run_logscan(logscan_bin, str(good), "gone.log", cwd=tmp_path)
    assert done.returncode == 2 and done.stdout == b""
    assert done.stderr == b"logscan: error: gone.log: no such file or directory (check the path)\n"


def test_broken_rule_file_exits_3_with_location(logscan_bin: str, tmp_path: Path) -> None:
    rules = tmp_path / "bad.toml"
    rules.write_text(
        BACKTRACKING_RULE.replace('patterns = ["zork(?:a|a)*b", "zork(.*a){12}x"]', 'patterns = ["zo(rk"]')
    )
    good = tmp_path / "good.log"
    good.write_bytes(QUOTA + b"\n")
    done = run_logscan(logscan_bin, "--rules", str(rules), str(good), cwd=tmp_path)
    assert done.returncode == 3 and done.stdout == b""
    assert (
        done.stderr
        == (
            f"logscan: error: {rules}:8: rule 'mine.backtracking': patterns: missing ) at position 5 "
            "(fix the pattern 'zo(rk')\n"
        ).encode()
    )


def test_ctrl_c_on_a_slow_pipe_exits_130_quietly(logscan_bin: str, tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [logscan_bin, "-f", "json"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", "TZ": "UTC", "LANG": "C.UTF-8"},
    )
    assert proc.stdin is not None
    feeder = threading.Thread(target=proc.stdin.write, args=((QUIET * 20_000 + QUOTA + b"\n") * 5,))
    feeder.start()
    feeder.join(timeout=60)  # once written, logscan is reading: a pipe holds 64 KiB, not 30 MB
    assert not feeder.is_alive()
    time.sleep(0.5)
    proc.send_signal(signal.SIGINT)  # stdin stays open: logscan is waiting for more
    try:
        # (wait with stdin open: `communicate` would close it first, and a busy machine could then let logscan read its
        # end before it handled the signal, and finish as if never interrupted)
        proc.wait(timeout=60)
        assert proc.stdout is not None and proc.stderr is not None
        out, err = proc.stdout.read(), proc.stderr.read()
    finally:
        proc.kill()
        for stream in (proc.stdin, proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()
    assert proc.returncode == 130
    assert err == b"logscan: error: interrupted\n"
    assert out == b""


def test_every_record_in_no_known_format_is_counted(logscan_bin: str, tmp_path: Path) -> None:
    # Records with no rule keyword are counted but not parsed (they can match no rule): they are
    # 'skipped'; of the records parsed, those in no known format are 'unparsed'. None is uncounted.
    path = tmp_path / "plain.log"
    path.write_bytes(b"plain one\nplain two\nplain three\n")
    _, report = scan(logscan_bin, path)
    summary = report["summary"]
    assert summary["records"] == 3
    # The first and last records of a source are always parsed (they give its time range).
    assert summary["skipped"] == 1
    assert summary["unparsed"] == summary["records"] - summary["skipped"] == 2
