"""A fresh clone tests itself (issue 20): no file of the repository's code, tests, benchmarks, rules or
documents refers to ../shared, the reference material beside a developer's checkout that a user's clone
does not have. README.md and CHANGELOG.md may name it: they tell the project's history."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FOLDERS = ("tests", "benchmarks", "rules", "analyzer", "fuzz", "docs", "sample_logs", "report_templates", ".ci")
FILES = ("dev", "pyproject.toml")
NOT_OURS = ("__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache", ".hypothesis")
# ../shared, shared/domain (bench, data), or "shared" as a path part: parents[2] / "shared" / "bench"
SHARED = re.compile(rb"\.\./shared\b|\bshared/(?:domain|bench|data)\b|/ *[\"']shared[\"']")


def repository_files() -> list[Path]:
    """The files to check: built inputs of the benchmark (benchmarks/data/) and caches left out."""
    found = [ROOT / name for name in FILES]
    for folder in FOLDERS:
        for path in sorted((ROOT / folder).rglob("*")):
            skipped = path.is_relative_to(ROOT / "benchmarks" / "data") or set(path.parts) & set(NOT_OURS)
            if path.is_file() and not skipped and path != Path(__file__).resolve():
                found.append(path)
    return found


def references(path: Path) -> list[str]:
    """path:line of each reference to ../shared in the file."""
    data, name = path.read_bytes(), path.relative_to(ROOT)
    lines = [data.count(b"\n", 0, found.start()) + 1 for found in SHARED.finditer(data)]
    return [f"{name}:{line}" for line in lines]


def test_no_file_refers_to_shared() -> None:
    files = repository_files()
    assert len(files) > 100 and ROOT / "benchmarks" / "genlog.py" in files
    assert [ref for path in files for ref in references(path)] == []


@pytest.mark.parametrize(
    "text",
    [
        "../shared/bench/genlog.py",
        "# Source: shared/domain/openai-errors.md §1b",
        'LOGHUB = SHARED / "data" / "loghub"  # SHARED = ROOT.parent / "shared"',
        'Path(__file__).resolve().parents[2] / "shared" / "bench" / "genlog.py"',
    ],
)
def test_a_reference_to_shared_is_found(text: str) -> None:
    assert SHARED.search(text.encode())
