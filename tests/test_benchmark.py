"""The benchmark script's table (benchmarks/run.py): what the README shows is what it prints."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

RUN = Path(__file__).resolve().parents[1] / "benchmarks" / "run.py"


# The rows every target needs: (command, median wall s, median peak RSS MB)
TARGETS = [
    ("grep -c -F -f SIGNATURES", 1.0, 2.0),
    ("logscan hyperscan --jobs 2", 3.0, 60.0),
    ("lnav count(error)", 2.5, 259.0),
    ("naive loop (x100 of 50,000 lines)", 150.0, 0.0),
]


def load_run() -> object:
    spec = importlib.util.spec_from_file_location("benchmark_run", RUN)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["benchmark_run"] = module
    spec.loader.exec_module(module)
    return module


def test_the_table_is_markdown_with_its_ratios(capsys: pytest.CaptureFixture[str]) -> None:
    run = load_run()
    rows = [
        *TARGETS,
        ("logscan 1M python --jobs 2", 1.0, 40.0),
        ("gzip -dc | grep -c -F -f SIGNATURES (1M gz)", 0.4, 2.0),
    ]
    run.report(rows, 5_000_000, 456.0, 2, 3)  # type: ignore[attr-defined]
    out = capsys.readouterr().out
    assert "| gzip -dc \\| grep -c -F -f SIGNATURES (1M gz) | 0.40 | 2 |" in out
    assert all(line.count("|") - line.count("\\|") == 4 for line in out.splitlines() if line.startswith("| "))
    assert "| wall <= 2x grep | 3.0x grep | no |" in out
    assert "| naive loop (x100 of 50,000 lines) | 150.00 | - |" in out
    assert "| >= 10x faster than naive loop | 50.0x | yes |" in out


def test_the_targets_give_their_ratio_round_by_round(capsys: pytest.CaptureFixture[str]) -> None:
    """A drifting machine moves both commands of a round alike: each round's ratio is shown too."""
    run = load_run()
    rows = TARGETS
    runs = {
        "grep -c -F -f SIGNATURES": [0.5, 1.0, 2.0],
        "logscan hyperscan --jobs 2": [1.5, 3.0, 5.0],
        "lnav count(error)": [1.5, 2.5, 10.0],
    }
    run.report(rows, 5_000_000, 456.0, 2, 3, runs)  # type: ignore[attr-defined]
    out = capsys.readouterr().out
    assert "| wall <= 2x grep | 3.0x grep (runs: 3.0x, 3.0x, 2.5x) | no |" in out
    assert "| >= 5x faster than lnav | 0.8x (runs: 1.0x, 0.8x, 2.0x) | no |" in out
    run.report(rows, 5_000_000, 456.0, 2, 1, {name: walls[:1] for name, walls in runs.items()})  # type: ignore[attr-defined]
    assert "| wall <= 2x grep | 3.0x grep | no |" in capsys.readouterr().out  # one round: nothing to add


def test_the_outage_targets_name_each_format_and_the_memory_rows(capsys: pytest.CaptureFixture[str]) -> None:
    """Issue 19's table: each report format's ratio to grep over the outage day, met at 10x or less, and
    the worst peak RSS of the outage rows with each one-run row (the days that grow) named."""
    run = load_run()
    by = {
        "grep -c -F -f SIGNATURES (1M outage)": (0.5, 2.0),
        "logscan 1M outage -f json --jobs 2": (4.5, 120.0),
        "logscan 1M outage -f html --jobs 2": (6.0, 110.0),
        "logscan 1M outage -f md --jobs 2": (5.0, 100.0),
        "logscan 5M outage -f json --jobs 2 (1 run)": (30.0, 160.0),
    }
    run.outage_targets(by, {}, 2)  # type: ignore[attr-defined]
    out = capsys.readouterr().out
    assert "| -f json within 10x grep | 9x grep | yes |" in out
    assert "| -f html within 10x grep | 12x grep | no |" in out
    assert "| peak RSS <= 150 MB, flat | 160 MB at most; 5M 160 MB | no |" in out
