"""Sixteen real third-party logs (loghub, https://github.com/logpai/loghub): no events, every line
counted, and timestamps parsed for at least 95% of records in at least 14 of them."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from conftest import LOGHUB

from analyzer import pipeline, ruleset
from analyzer.framing import frame_lines, split_lines
from analyzer.parsing import parse
from analyzer.timestamps import Clock

LOGS = sorted(LOGHUB.glob("*.log"))
CLOCK = Clock(UTC, datetime(2026, 11, 27, tzinfo=UTC))


def test_sixteen_logs_are_there() -> None:
    assert len(LOGS) == 16


@pytest.mark.parametrize("log", LOGS, ids=lambda p: p.name)
def test_no_events_and_every_line_counted(log: Path) -> None:
    options = pipeline.Options((str(log),), UTC, CLOCK.now)
    analysis = pipeline.run(options, ruleset.load(), None)
    assert analysis.events == []
    assert analysis.incidents == []
    data = log.read_bytes()
    assert analysis.lines == data.count(b"\n") + (not data.endswith(b"\n")) == 2000


def timestamp_share(log: Path) -> tuple[float, dict[str, int]]:
    entries = [parse(r, CLOCK) for r in frame_lines(split_lines(log.read_bytes()), log.name)]
    formats: dict[str, int] = {}
    for entry in entries:
        formats[entry.format] = formats.get(entry.format, 0) + 1
    return sum(1 for e in entries if e.time is not None) / len(entries), formats


def test_timestamps_parsed_in_at_least_14_of_16(capsys: pytest.CaptureFixture[str]) -> None:
    rows = [(log.name, *timestamp_share(log)) for log in LOGS]
    with capsys.disabled():
        print("\nloghub timestamp coverage")
        for name, share, formats in rows:
            print(f"  {name:22} {share:7.1%}  {formats}")
    good = [name for name, share, _ in rows if share >= 0.95]
    assert len(good) >= 14, f"only {good}"
