"""The benchmark script's table (benchmarks/run.py): what the README shows is what it prints."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

RUN = Path(__file__).resolve().parents[1] / "benchmarks" / "run.py"


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
        ("grep -c -F -f SIGNATURES", 1.0, 2.0),
        ("logscan hyperscan --jobs 2", 3.0, 60.0),
        ("lnav count(error)", 2.5, 259.0),
        ("naive loop (x100 of 50,000 lines)", 150.0, 0.0),
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
