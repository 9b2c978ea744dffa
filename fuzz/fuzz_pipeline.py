"""Atheris fuzz target for the whole pipeline: bytes -> sources -> framing -> parsing -> matching ->
correlation -> reporting.build -> every report format.

Any exception other than a documented LogscanError is a crash. Two kinds of input:
- raw bytes, as they come (the corpus, and what the fuzzer makes of it with fuzz/pipeline.dict);
- after a first byte 0: a log composed from the dictionaries below (times no report can hold, error
  objects nested deep in JSON, secrets in every encoding, runs of blank lines), the fuzzer's bytes
  choosing the pieces. These have two more oracles: no secret seeded in them reaches any report, and the
  report does not change with the clock's time of day.

Short run (CI):
    python fuzz/fuzz_pipeline.py -max_total_time=45 fuzz/corpus
Longer run: the same with -max_total_time=3600 (and -jobs=N -workers=N to use N cores). The dictionary
fuzz/pipeline.dict is added to the arguments unless a -dict is given.
"""

from __future__ import annotations

import html
import io
import json
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

import atheris

with atheris.instrument_imports():
    from analyzer import pipeline, reporting, ruleset
    from analyzer.errors import LogscanError
    from analyzer.sources import decoding

RULES = ruleset.load()
NOW = datetime(2026, 3, 14, 12, 0, tzinfo=UTC)
LATER = datetime(2026, 3, 14, 23, 59, 58, 999_999, tzinfo=UTC)  # the same day, another time of it
DICTIONARY = Path(__file__).with_name("pipeline.dict")

QUOTA = (
    "openai.RateLimitError: Error code: 429 - {'error': {'message': 'You exceeded your current quota', "
    "'type': 'insufficient_quota', 'code': 'insufficient_quota'}}"
)
# Times in every shape, those no report can hold among them (year 9999 or 1 at a zone's edge, an offset
# of a day, hour 25, a leap second, a date alone).
TIMES = [
    "2026-03-14T09:00:00Z",
    "2026-03-14 09:00:01,000",
    "9999-12-31T23:59:59-05:00",
    "0001-01-01T00:00:00+09:00",
    "2026-03-14T09:00:00+24:00",
    "2026-03-14T09:00:00-24:00",
    "2026-03-14T09:00:00+23:60",
    "2026-03-14T09:00:00+99:99",
    "2026-03-14 25:61:61",
    "2026-12-31T23:59:60Z",
    "2026-03-14",
    "2099-01-01T00:00:00Z",
    "-62135596800",
    "253402300799999",
]
# (the secret as written, the part that must never reach a report)
SECRETS = [
    ("sk-proj-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789qRsT", "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789"),
    ("Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ6cWxlYWt5In0.c2lnbmF0dXJl", "eyJzdWIiOiJ6cWxlYWt5In0"),
    ("id_token=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ6cWxlYWt5In0.c2lnbmF0dXJl", "eyJzdWIiOiJ6cWxlYWt5In0"),
    ("AZURE_OPENAI_KEY=0f1e2d3c4b5a69788796a5b4c3d2e1f0", "0f1e2d3c4b5a69788796a5b4c3d2e1f0"),
    ("?subscription-key=5e4f30211203f4e5d6c7b8a99a8b7c6d", "5e4f30211203f4e5d6c7b8a99a8b7c6d"),
    ("zqleakyperson@example-corp.co.jp", "zqleakyperson"),
    ("漏洩ユーザー@例え.jp", "漏洩ユーザー"),
    ("order-4242424242424242", "4242424242424242"),
]
ENCODINGS: list[Callable[[str], str]] = [
    lambda s: s,
    lambda s: quote(s, safe=""),
    lambda s: "".join(c if c.isascii() and c.isalnum() else quote(c, safe="").replace("-", "%2D") for c in s),
    lambda s: "\\n" + s,
    lambda s: "token_" + s,
    lambda s: "".join(c if c.isascii() and c.isalnum() else f"\\u{ord(c):04x}" for c in s),
    lambda s: json.dumps(json.dumps({"detail": s})),
]


def _nested(depth: int, inner: object) -> object:
    for n in range(depth):
        inner = {("err", "response", "data", "context", "job")[n % 5]: inner}
    return inner


# Layouts of a record: its time, its text (an error and a secret), how deep its error object nests.
LAYOUTS: list[Callable[[str, str, int], str]] = [
    lambda t, text, _: f"{t} ERROR app: {text}",
    lambda t, text, d: json.dumps({"ts": t, "level": "error", "msg": "failed", **_nested(d, {"message": text})}),  # type: ignore[dict-item]
    lambda t, text, _: f"{t} stderr F {text}",
    lambda t, text, _: json.dumps({"log": text + "\n", "stream": "stderr", "time": t}),
    lambda t, text, _: f'time={t} level=error msg="{text}"',
    lambda t, text, _: f"<11>1 {t} host app 1 - - {text}",
]
BLANKS = ["", "\n", "\n\n\n", " \t\n  \n", "\r\n\r\n", "  indented\n"]


def composed(data: bytes) -> tuple[bytes, list[str]]:
    """A log of the dictionaries' pieces that `data` chooses, and the secrets' hidden parts in it."""
    fdp = atheris.FuzzedDataProvider(data)
    lines, hidden = [], []
    for _ in range(fdp.ConsumeIntInRange(1, 6)):
        written, secret = SECRETS[fdp.ConsumeIntInRange(0, len(SECRETS) - 1)]
        encode = ENCODINGS[fdp.ConsumeIntInRange(0, len(ENCODINGS) - 1)]
        layout = LAYOUTS[fdp.ConsumeIntInRange(0, len(LAYOUTS) - 1)]
        when = TIMES[fdp.ConsumeIntInRange(0, len(TIMES) - 1)]
        lines.append(layout(when, f"{QUOTA} {encode(written)}", fdp.ConsumeIntInRange(0, 40)))
        lines.append(BLANKS[fdp.ConsumeIntInRange(0, len(BLANKS) - 1)])
        hidden.append(secret)
    return ("\n".join(lines) + "\n").encode(), hidden


def leaked(secret: str, report: str) -> bool:
    """Whether a secret's hidden part is in a report, as written or escaped as JSON, HTML and URLs do."""
    return any(form in report for form in (secret, json.dumps(secret)[1:-1], html.escape(secret), quote(secret)))


def render(data: bytes, now: datetime, redact: bool) -> list[str] | None:
    """Every format of the report of `data` as stdin; None for a documented LogscanError."""
    options = pipeline.Options((), UTC, now, redact=redact)
    try:
        analysis = pipeline.run(options, RULES, io.BytesIO(data))
    except LogscanError:
        return None
    report = reporting.build(analysis, "en", UTC)
    if analysis.lines != expected_lines(data):
        raise AssertionError(f"{analysis.lines} lines counted, {expected_lines(data)} in the input")
    return [reporting.render(report, fmt, False) for fmt in reporting.FORMATS]


def scan(data: bytes) -> None:
    """Run the pipeline on `data` and render every format; raise on anything undocumented. A composed
    log (first byte 0) must leak none of its secrets and read the same at another time of the day."""
    if data[:1] != b"\x00":
        render(data, NOW, redact=bool(data[:1] and data[0] & 1))
        return
    log, hidden = composed(data[1:])
    reports = render(log, NOW, redact=True)
    if reports is None:
        return
    for secret in hidden:
        if any(leaked(secret, report) for report in reports):
            raise AssertionError(f"a secret reached a report: {secret!r}")
    if render(log, LATER, redact=True) != reports:
        raise AssertionError("the report changed with the clock's time of day")


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
    argv = sys.argv if any(a.startswith("-dict=") for a in sys.argv) else [*sys.argv, f"-dict={DICTIONARY}"]
    atheris.Setup(argv, scan)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
