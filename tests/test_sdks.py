"""Failed calls as OpenAI's client libraries of other languages print them (tests/data/sdks/README.md: the format
each is written from): one event each, of the category its folder names."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from analyzer import pipeline, ruleset

RULES = ruleset.load()
SDKS = sorted((Path(__file__).parent / "data" / "sdks").glob("*/*.log"))


@pytest.mark.parametrize("path", SDKS, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_every_librarys_printed_failure_gives_its_category(path: Path) -> None:
    analysis = pipeline.run(pipeline.Options((str(path),), UTC, datetime(2026, 8, 22, tzinfo=UTC)), RULES, None)
    assert [e.category for e in analysis.events] == [path.parent.name]


def test_the_library_cases_cover_every_library_and_the_answers_categories() -> None:
    libraries = {p.stem.rsplit("-", 1)[0] for p in SDKS}
    assert len(libraries) >= 12
    assert {p.parent.name for p in SDKS} >= {
        "quota",
        "rate_limit",
        "auth",
        "model_not_found",
        "server_error",
        "overloaded",
        "invalid_request",
        "permission_region",
    }
