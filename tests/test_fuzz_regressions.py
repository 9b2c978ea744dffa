"""The whole pipeline on arbitrary bytes: a Hypothesis property, and every input the atheris target
(fuzz/fuzz_pipeline.py) found crashing, replayed with what it used to raise."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from conftest import input_lines
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from analyzer import pipeline, reporting, ruleset
from analyzer.timestamps import Clock, find

RULES = ruleset.load()
NOW = datetime(2026, 3, 14, 12, 0, tzinfo=UTC)
MAGIC = (b"\x1f\x8b", b"BZh", b"\xfd7zXZ\x00", b"\x28\xb5\x2f\xfd")
QUOTA = b"2026-03-14 09:12:03,412 ERROR app: Error code: 429 - {'code': 'insufficient_quota'}\n"


def scan(data: bytes, tmp_path_factory: pytest.TempPathFactory | None = None) -> pipeline.Analysis:
    """The pipeline on `data` (from a file when a tmp folder is given, else as stdin), rendered in every format."""
    if tmp_path_factory is None:
        options, stdin = pipeline.Options((), UTC, NOW, engine="regex"), io.BytesIO(data)
    else:
        path = tmp_path_factory.mktemp("fuzz") / "input.log"
        path.write_bytes(data)
        options, stdin = pipeline.Options((str(path),), UTC, NOW, engine="regex"), None
    analysis = pipeline.run(options, RULES, stdin)
    report = reporting.build(analysis, "en", UTC)
    for fmt in reporting.FORMATS:
        assert reporting.render(report, fmt, False)
    return analysis


LINE = st.one_of(
    st.binary(max_size=80),
    st.sampled_from([QUOTA, b"Traceback (most recent call last):\n", b"  File 'x'\n", b'{"log":"a\\n"}\n']),
    st.sampled_from([b"2026-03-14T09:00:00Z stdout P ", b"\r", b"\x00", b"\xff\xfe", b'{"ts":1e400}', b"ts=9e99 a=b"]),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.lists(LINE, max_size=20).map(b"".join))
@example(data=b">")  # a quote's `>` alone, no newline: taken off, its line had been lost (found by this property)
@example(data=b"a\n\x1b[0m")  # a colour code alone on the last line
def test_pipeline_never_raises_and_counts_every_line(data: bytes, tmp_path_factory: pytest.TempPathFactory) -> None:
    analysis = scan(data, tmp_path_factory)
    assert analysis.records <= analysis.lines
    if not data.startswith(MAGIC):  # else it is read (and maybe found truncated) as an archive
        assert analysis.lines == input_lines(data)
        assert not analysis.problems


# (input, what it raised before the fix)
CRASHES = [
    # dateutil reads "2555...5M09:00:00Z" as minutes and seconds through Decimal: DivisionImpossible
    (b'ts=255555555555555555555555555555555555555555555555M09:00:00Z level=error d"\n', "decimal.InvalidOperation"),
]


@pytest.mark.parametrize(("data", "raised"), CRASHES, ids=[c[1] for c in CRASHES])
def test_fuzz_crash_is_fixed(data: bytes, raised: str) -> None:
    assert scan(data).lines == input_lines(data)


def test_dateutil_warnings_stay_out_of_stderr() -> None:
    # pytest turns warnings into errors: "tzname INFO identified but not understood" used to escape.
    when, _ = find("12:00 INFO x", Clock(UTC, NOW))
    assert when is not None
