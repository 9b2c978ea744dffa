"""Look-alikes (other providers' identical sentences) and an online shop's own card declines are not
OpenAI incidents: no event from any rule."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from analyzer import pipeline, ruleset

FILES = sorted((Path(__file__).parent / "lookalikes").glob("*.log"))


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_no_event(path: Path) -> None:
    options = pipeline.Options((str(path),), UTC, datetime(2026, 11, 27, tzinfo=UTC))
    analysis = pipeline.run(options, ruleset.load(), None)
    assert [(e.rule, e.line) for e in analysis.events] == []
    assert analysis.lines == len(path.read_text().splitlines())


def test_the_files_hold_the_sentences_openai_rules_look_for() -> None:
    # Without these sentences the test above would prove nothing.
    text = "".join(p.read_text() for p in FILES)
    for sentence in (
        "You exceeded your current quota",
        "Rate limit reached for",
        "Your card was declined",
        "Incorrect API key provided",
        "card_declined",
        "HTTP 429",
        "Connection error.",
        "The engine is currently overloaded",
        "Authentication Fails",
        "invalid reasoning value",
        '"object": String("error")',
    ):
        assert sentence in text
