"""Fixtures: the installed command, genlog days (benchmarks/genlog.py), the loghub logs, golden-file updates."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
GENLOG = ROOT / "benchmarks" / "genlog.py"  # days with their ground truth
LOGHUB = ROOT / "tests" / "data" / "loghub"  # sixteen real logs with their licence (README.md there)
SAMPLES = ROOT / "sample_logs"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", help="rewrite tests/golden/*/expected.* from the output")


@pytest.fixture(scope="session")
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))


@pytest.fixture(scope="session")
def logscan_bin() -> str:
    """The installed console script of the running interpreter's environment."""
    candidate = Path(sys.executable).parent / "logscan"
    found = str(candidate) if candidate.exists() else shutil.which("logscan")
    assert found, "the logscan command is not installed in this environment (pip install .)"
    return found


def run_logscan(
    binary: str, *args: str, stdin: bytes | None = None, cwd: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[bytes]:
    """Run the installed command with a fixed zone and language, from a neutral folder."""
    base = {"PATH": "/usr/bin:/bin", "TZ": "UTC", "LANG": "C.UTF-8", "NO_COLOR": "1"}
    return subprocess.run(
        [binary, *args],
        input=stdin,
        capture_output=True,
        cwd=cwd,
        env={**base, **(env or {})},
        timeout=300,
        check=False,
    )


def genlog(out: Path, lines: int, fmt: str = "python", seed: int = 7, *flags: str) -> tuple[Path, dict]:
    """A genlog day (with `--outage` or `--mix` among `flags`, one of those) and its ground truth."""
    truth = out.with_suffix(".truth.json")
    command = [sys.executable, str(GENLOG), "--lines", str(lines), "--format", fmt, "--seed", str(seed), *flags]
    subprocess.run([*command, "--out", str(out), "--truth", str(truth)], check=True)
    return out, json.loads(truth.read_text())


@pytest.fixture(scope="session")
def genlog_days(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, dict]]:
    """20,000-line genlog days in the three formats."""
    folder = tmp_path_factory.mktemp("genlog")
    return {fmt: genlog(folder / f"day.{fmt}.log", 20_000, fmt) for fmt in ("python", "json", "cri")}


@pytest.fixture(scope="session")
def truth_days(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, dict]]:
    """100,000-line genlog days: dense enough that each outage's first minutes have failed calls."""
    folder = tmp_path_factory.mktemp("truth")
    return {fmt: genlog(folder / f"day.{fmt}.log", 100_000, fmt) for fmt in ("python", "json", "cri")}


def input_lines(data: bytes) -> int:
    """Lines as the report must count them: a BOM is no line; CR-only input has CR line ends; UTF-16
    and UTF-32 text (as its first block says) has the lines of its text."""
    from analyzer.sources import decoding

    name, codec = decoding.encoding(data[: 1 << 22])
    if name:
        data = data.decode(codec, errors="replace").encode("utf-8")
    data = data.removeprefix(b"\xef\xbb\xbf")
    if b"\n" not in data and b"\r" in data:
        data = data.replace(b"\r", b"\n")
    return data.count(b"\n") + (0 if not data or data.endswith(b"\n") else 1)
