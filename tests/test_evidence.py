"""Evidence texts held apart from their events give the reports the events' own texts would give."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analyzer import evidence, parallel, pipeline, reporting, ruleset
from analyzer.evidence import Texts
from analyzer.models import Category, Event, Outcome, Severity

NOW = datetime(2026, 11, 27, tzinfo=UTC)
RULES = ruleset.load()
TEXT = st.text(st.sampled_from(["a", "é", "日", "\n", "\x00", "\ud800", "🙂", "'", "4"]), min_size=1, max_size=40)


def event(source: str, line: int, text: str) -> Event:
    return Event("r", Category.QUOTA, Outcome.FAILURE, Severity.HIGH, False, "high", NOW, source, line, line, text)


@settings(max_examples=200)
@given(
    st.lists(st.tuples(st.sampled_from(["a.log", "b.log"]), st.integers(1, 3), TEXT), max_size=40),
    st.integers(0, 60),
    st.integers(1, 5),
    st.booleans(),
)
def test_each_text_reads_back_wherever_it_is_held(
    picks: list[tuple[str, int, str]], room: int, batch: int, filed: bool
) -> None:
    """Texts past the room are held compressed, a batch at a time, any character, in a temporary file
    (or in memory where none can be made); each event's text reads back as it was. A line not after its
    source's last (two inputs of one name) stays in its event."""
    with pytest.MonkeyPatch.context() as patch:
        if not filed:
            patch.setattr(evidence, "spill_file", lambda owner: None)
        texts = Texts(room)
        texts.batch = batch
        _reads_back(texts, picks, room, batch)
        assert (texts._file is not None) == (filed and len(texts._places) > 1)


def _reads_back(texts: Texts, picks: list[tuple[str, int, str]], room: int, batch: int) -> None:
    lines = {"a.log": 0, "b.log": 0}
    given_events = []
    for source, step, text in picks:
        lines[source] += step if step < 3 else -1  # now and then a line that goes back
        given_events.append(event(source, lines[source], text))
    held = list(texts.held(given_events))
    assert [texts.of(e) for e in held] == [e.text for e in given_events]
    assert [(e.source, e.line) for e in held] == [(e.source, e.line) for e in given_events]
    assert len(texts) == sum(e.text == "" for e in held)
    if sum(len(e.text) for e in given_events) > room + 40 and batch == 1:
        assert len(texts) > 0  # past the room, texts were taken


def outage(path: Path, calls: int) -> Path:
    """A quota outage: each call an httpx 429 line and the app's error line with its request id."""
    quota = (
        "Error code: 429 - {'error': {'message': 'You exceeded your current quota, please check your plan and "
        "billing details.', 'type': 'insufficient_quota', 'param': None, 'code': 'insufficient_quota'}}"
    )
    with open(path, "w", encoding="utf-8") as f:
        for n in range(calls):
            stamp = f"2026-03-14 {n // 3600 % 24:02d}:{n // 60 % 60:02d}:{n % 60:02d},{n % 1000:03d}"
            f.write(f'{stamp} INFO httpx: HTTP Request: POST https://api.openai.com/v1/chat/completions "HTTP/1.1 429 '
                    f'Too Many Requests"\n{stamp} ERROR app.chat: completion failed: {quota} request_id=req_{n:016x}\n'
                    f"{stamp} INFO app.web: GET /api/threads/{n} 200 in 48ms\n")  # fmt: skip
    return path


@pytest.mark.parametrize("jobs", [1, 2])
def test_reports_are_the_same_whether_events_or_the_run_hold_their_texts(
    tmp_path: Path, genlog_days: dict[str, tuple[Path, dict]], monkeypatch: pytest.MonkeyPatch, jobs: int
) -> None:
    """An outage and a genlog day, in one process and in ranges: every format, byte for byte."""
    monkeypatch.setattr(parallel, "MIN_CHUNK", 1 << 16)  # cut even these small files in ranges
    monkeypatch.setattr(parallel, "WINDOW", 1 << 13)
    paths = (str(outage(tmp_path / "outage.log", 3000)), str(genlog_days["python"][0]))
    options = pipeline.Options(paths, UTC, NOW, jobs=jobs)

    def reports() -> tuple[dict[str, str], int]:
        analysis = pipeline.run(options, RULES, None)
        report = reporting.build(analysis, "en", UTC)
        return {fmt: reporting.render(report, fmt) for fmt in ("json", "md", "html", "text")}, len(analysis.texts)

    own, none_held = reports()
    monkeypatch.setattr(evidence, "HELD", 2000)  # texts past the first 2,000 characters held apart
    apart, held = reports()
    assert none_held == 0 and held > 5000
    assert apart == own
    assert "You exceeded your current quota" in own["md"]
