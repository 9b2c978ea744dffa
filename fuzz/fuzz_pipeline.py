"""Atheris fuzz target for the whole pipeline: bytes -> sources -> framing -> parsing -> matching ->
correlation -> reporting.build -> every report format.

Any exception other than a documented LogscanError is a crash. Short run (CI):
    python fuzz/fuzz_pipeline.py -max_total_time=45 fuzz/corpus
Longer run: the same with -max_total_time=3600 (and -jobs=N -workers=N to use N cores).
"""

from __future__ import annotations

import io
import sys
from datetime import UTC, datetime

import atheris

with atheris.instrument_imports():
    from analyzer import pipeline, reporting, ruleset
    from analyzer.errors import LogscanError
    from analyzer.sources import decoding

RULES = ruleset.load()
NOW = datetime(2026, 3, 14, 12, 0, tzinfo=UTC)


def scan(data: bytes) -> None:
    """Run the pipeline on `data` as stdin and render every format; raise on anything undocumented."""
    options = pipeline.Options((), UTC, NOW, redact=bool(data[:1] and data[0] & 1))
    try:
        analysis = pipeline.run(options, RULES, io.BytesIO(data))
    except LogscanError:
        return
    report = reporting.build(analysis, "en", UTC)
    for fmt in reporting.FORMATS:
        reporting.render(report, fmt, False)
    if analysis.lines != expected_lines(data):
        raise AssertionError(f"{analysis.lines} lines counted, {expected_lines(data)} in the input")


def expected_lines(data: bytes) -> int:
    """Lines in the input as the report must count them (CR-only input has CR line ends; UTF-16 and
    UTF-32 text, which its first block tells, has the lines of its text)."""
    name, codec = decoding.encoding(data[: 1 << 22])
    if name:
        data = data.decode(codec, errors="replace").encode("utf-8")
    data = data.removeprefix(b"\xef\xbb\xbf")
    if b"\n" not in data[: 1 << 22] and b"\r" in data[: 1 << 22]:
        data = data.replace(b"\r", b"\n")
    return data.count(b"\n") + (0 if not data or data.endswith(b"\n") else 1)


def main() -> None:
    atheris.Setup(sys.argv, scan)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
