"""The prefilter engines agree: the same lines of a buffer, the same events from every log."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import regex
from conftest import LOGHUB, SAMPLES
from hypothesis import example, given, settings
from hypothesis import strategies as st

from analyzer import pipeline, prefilter, ruleset
from analyzer.attribution import Attributor, plain
from analyzer.errors import UsageError
from analyzer.framing import Calls
from analyzer.models import Event, Record

NOW = datetime(2026, 11, 27, tzinfo=UTC)
RULES = ruleset.load()
needs_hyperscan = pytest.mark.skipif("hyperscan" not in prefilter.ENGINES, reason="hyperscan is not installed")


def events(path: Path, engine: str) -> list[Event]:
    return pipeline.run(pipeline.Options((str(path),), UTC, NOW, engine=engine), RULES, None).events


def hit_lines(engine: str, buffer: bytes) -> set[int]:
    hits = prefilter.build(engine, RULES.keywords()).hits(buffer)
    return {buffer.rfind(b"\n", 0, hit) + 1 for hit, _ in hits if hit < len(buffer)}


@needs_hyperscan
@pytest.mark.parametrize("path", sorted(SAMPLES.glob("*.*")), ids=lambda p: p.name)
def test_engines_give_the_same_events_on_samples(path: Path) -> None:
    assert events(path, "hyperscan") == events(path, "regex")


@needs_hyperscan
@pytest.mark.parametrize("path", sorted(LOGHUB.glob("*.log")), ids=lambda p: p.name)
def test_engines_give_the_same_events_on_loghub(path: Path) -> None:
    assert events(path, "hyperscan") == events(path, "regex")


@needs_hyperscan
@pytest.mark.parametrize("fmt", ["python", "json", "cri"])
def test_engines_give_the_same_events_on_genlog_days(genlog_days: dict[str, tuple[Path, dict]], fmt: str) -> None:
    path, _ = genlog_days[fmt]
    found = events(path, "hyperscan")
    assert found == events(path, "regex")
    assert any(e.category is not None for e in found)


LINE = st.sampled_from(
    [
        "2026-03-14 09:12:03,412 ERROR app: insufficient_quota",
        "2026-03-14 09:12:03,412 INFO app: fine",
        "Traceback (most recent call last):",
        '  File "x.py", line 1',
        "\tat tab",
        "",
        "\r",
        "2026-03-14T03:01:02Z stdout P part",
        "2026-03-14T03:01:02Z stderr F   indented",
        "2026-03-14T03:01:02Z stdout F ",
        "2026-03-14T03:01:02Z stdout F",
        "2026-03-14T03:01:02Z stderr P\r",
        '{"log":"\\tat x\\n","stream":"stderr"}',
        '{"log":"Caused by: y\\n"}',
        '{"log": "  at y\\n"}',
        '{"log":\t"\\u0009z\\n","stream":"stderr"}',
        '{"log":\r"x"}',
        '{"log":"2026-03-14 09:12:05 INFO first half, ","stream":"stdout"}',
        '{"log":"second half\\n","stream":"stdout"}',
        "x HTTP/1.1 200 OK declined reload",
        # `docker logs -t`: a continuation, an empty text, a head; a line ending in an app's own Z stamp
        '2023-01-14T14:15:32.473529701Z   File "bot.py", line 25',
        "2023-01-14T14:15:32.473529701Z",
        "2023-01-14T14:15:32.473529701Z ",
        "2023-01-14T14:15:32.473529701Z \r",
        "2023-01-14T14:15:32.473529701Z Traceback (most recent call last):",
        "2023-01-14T14:15:32.473529701Z INFO up",
        "INFO done at 2023-01-14T14:15:32Z",
    ]
)


@needs_hyperscan
@settings(max_examples=200, deadline=None)
@given(st.lists(LINE, max_size=30), st.booleans())
def test_engines_find_the_same_lines(lines: list[str], newline_at_end: bool) -> None:
    buffer = ("\n".join(lines) + ("\n" if newline_at_end and lines else "")).encode()
    assert hit_lines("hyperscan", buffer) == hit_lines("regex", buffer)


def test_auto_takes_the_first_registered_engine() -> None:
    assert prefilter.available("auto") == next(iter(prefilter.ENGINES))
    assert prefilter.available("regex") == "regex"


def test_a_missing_engine_is_a_usage_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(prefilter, "ENGINES", {"regex": prefilter.RegexPrefilter})
    assert prefilter.available("auto") == "regex"
    with pytest.raises(UsageError, match="hyperscan"):
        prefilter.available("hyperscan")


KEYWORD_TEXT = st.lists(
    st.sampled_from([*sorted(RULES.keywords())[:40], "quota", "é", "\ud800", "\n", " ", "429", "HTTP/1.1 2"]),
    max_size=12,
).map("".join)


@needs_hyperscan
@settings(max_examples=300, deadline=None)
@given(KEYWORD_TEXT)
def test_keyword_sets_agree_with_a_substring_search(text: str) -> None:
    words = RULES.keywords()
    expected = {w for w in words if w in text}
    for engine in ("hyperscan", "regex"):
        keywords = prefilter.KeywordSet(words, engine)
        assert keywords.find(text) == expected
        assert keywords.find("quota" + text) == {w for w in words if w in "quota" + text}  # not the last text's
        assert keywords.find(text) == expected


@needs_hyperscan
@settings(max_examples=300, deadline=None)
@given(KEYWORD_TEXT, st.data())
def test_a_part_of_the_last_text_has_its_own_keywords(text: str, data: st.DataObject) -> None:
    start = data.draw(st.integers(0, len(text)))
    part = text[start : data.draw(st.integers(start, len(text)))]  # keywords cut at either end are not in it
    words = RULES.keywords()
    for engine in ("hyperscan", "regex"):
        keywords = prefilter.KeywordSet(words, engine)
        keywords.find(text)
        assert keywords.find(part) == {w for w in words if w in part}


def analysed(path: Path, engine: str = "auto") -> tuple:
    """Everything a report shows of a run, but the rule set and options."""
    a = pipeline.run(pipeline.Options((str(path),), UTC, NOW, engine=engine, jobs=1), RULES, None)
    return (a.sources, a.events, a.incidents, a.successes, a.success_times, a.start, a.end, a.match_stats)


class NoLane:
    """A lane that takes nothing: every record framing found goes through parse and match."""

    def __init__(self, *_args: object) -> None:
        self.formats: dict[str, int] = {}

    def route(self, framed: Iterable[Record | Calls]) -> Iterator[Record]:
        for item in framed:
            if isinstance(item, Calls):
                yield from item.records()
            else:
                yield item


def without_shortcut(monkeypatch: pytest.MonkeyPatch, path: Path) -> tuple:
    with monkeypatch.context() as m:
        m.setattr(pipeline, "Lane", NoLane)
        return analysed(path)


@pytest.mark.parametrize(
    "path", [*sorted(SAMPLES.glob("*.*")), *sorted(LOGHUB.glob("*.log"))[:4]], ids=lambda p: p.name
)
def test_the_successes_shortcut_changes_nothing(monkeypatch: pytest.MonkeyPatch, path: Path) -> None:
    assert analysed(path) == without_shortcut(monkeypatch, path)


@pytest.mark.parametrize("fmt", ["python", "json", "cri"])
def test_the_successes_shortcut_changes_nothing_on_genlog_days(
    monkeypatch: pytest.MonkeyPatch, genlog_days: dict[str, tuple[Path, dict]], fmt: str
) -> None:
    path, _ = genlog_days[fmt]
    found = analysed(path)
    assert found[3] > 0  # successful calls were seen
    assert found == without_shortcut(monkeypatch, path)


SUCCESS_LINE = st.sampled_from(
    [
        '2026-03-14 09:12:03,412 INFO httpx: HTTP Request: POST https://api.openai.com/v1/chat "HTTP/1.1 200 OK"',
        '2026-03-14 09:12:03 INFO httpx: HTTP Request: POST https://api.openai.com/v1/x "HTTP/1.1 200 OK"\r',
        '2026-03-14T09:12:04.5+09:00 POST https://x.openai.azure.com/openai/y "HTTP/2 200"',
        '2026-13-14 09:12:05 INFO httpx: POST https://api.openai.com/v1/chat "HTTP/1.1 200 OK"',
        '2026-03-14 09:12:06 INFO GET https://maps.example.net/geo "HTTP/1.1 200 OK"',
        '2026-03-14 09:12:07 POST https://api.openai.com/v1/chat "HTTP/1.1 200 OK" insufficient_quota',
        '2026-03-14T00:12:08.123456789Z stdout F 2026-03-14 09:12:08 POST https://api.openai.com/v1 "HTTP/1.1 200 OK"',
        '2026-03-14T00:12:09Z stdout F INFO POST https://api.openai.com/v1/c "HTTP/1.1 200 OK"',
        '2026-03-14T00:12:10Z stdout P 2026-03-14 09:12:10 POST https://api.openai.com/v1/c "HTTP/1.1 200 OK"',
        '{"log":"2026-03-14 09:12:11 POST https://api.openai.com/ \\"HTTP/2 200\\"\\n","time":"2026-03-14T00:12:11Z"}',
        '{"ts": "2026-03-14T09:12:12Z", "msg": "POST https://api.openai.com/v1/c \\"HTTP/1.1 200 OK\\""}',
        "2026-03-14 09:12:13,000 ERROR app: Error code: 429 - insufficient_quota",
        'POST https://api.openai.com/v1/chat "HTTP/1.1 200 OK" (no time)',
        "Traceback (most recent call last):",
        '  File "x.py", line 1',
        '２026-03-14 09:12:14 POST https://api.openai.com/v1/c "HTTP/1.1 200 OK"',
        '2026-03-14 09:12:15 INFO café POST https://api.openai.com/v1/c "HTTP/1.1 200 OK"',
        '2026-03-14 09:12:16 INFO POST https://api.openai.com/v1/c "HTTP/1.1 201 Created" "HTTP/2 200"',
        '2026-03-14 09:12:17 INFO POST https://api.openai.com/v1/c "HTTP/1.1 500 Internal" then "HTTP/1.1 200 OK"',
        '2026-03-14 09:12:18 INFO GET https://maps.example.net/ "HTTP/1.1 200 OK" "HTTP/2 200"',
        '    POST https://api.openai.com/v1/c "HTTP/1.1 200 OK"',
        '2026-03-14 09:12:19\tINFO POST https://api.openai.com/v1/c "HTTP/1.1 200 OK"',
        '2026-03-14 09:12:60 INFO POST https://api.openai.com/v1/c "HTTP/1.1 200 OK"',
        # where Hyperscan reads a line otherwise than regex (\S takes \x1c and VT to it), and bounds
        '2026-03-14 09:12:20 INFO POST https://api.openai.com/v1/c\x1cx "HTTP/1.1 200 OK"',
        '2026-03-14 09:12:21 INFO POST https://api.openai.com/v1/c\x0b "HTTP/1.1 200 OK"',
        "2026-03-14 09:12:22 INFO POST https://api.openai.com/v1/" + "a" * 301 + ' "HTTP/1.1 200 OK"',
        "2026-03-14 09:12:23 INFO POST https://api.openai.com/v1/" + "a" * 296 + ' "HTTP/1.1 200 OK"',
        '2026-03-14 09:12:24 INFO POST https://api.openai.com/v1/c "HTTP/1.1 2001" "HTTP/1.1 200 OK"',
        # usual stamps (taken as keys, kept until a flush): other minutes, a time going back, a zone
        # after the space, a pattern that does not match, an untimed failure that takes their time
        '2026-03-14 09:13:00.001 INFO httpx: HTTP Request: POST https://api.openai.com/v1/c "HTTP/1.1 200 OK"',
        '2026-03-14 09:11:59,999 INFO httpx: HTTP Request: POST https://api.openai.com/v1/c "HTTP/1.1 200 OK"',
        '2026-03-14 09:12:03,412 +09:00 INFO POST https://api.openai.com/v1/chat "HTTP/1.1 200 OK"',
        '2026-03-14 09:12:25,000 INFO GET https://maps.example.net/geo "HTTP/1.1 200 OK"',
        "openai.RateLimitError: Error code: 429 - {'error': {'code': 'insufficient_quota'}}",
        "retrying once more",
        "",
    ]
)
USUAL = '2026-03-14 09:12:03,412 INFO httpx: HTTP Request: POST https://api.openai.com/v1/chat "HTTP/1.1 200 OK"'
EARLIER = '2026-03-14 09:11:59,999 INFO httpx: HTTP Request: POST https://api.openai.com/v1/c "HTTP/1.1 200 OK"'
LATER = '2026-03-14 09:12:04,000 INFO httpx: HTTP Request: POST https://api.openai.com/v1/chat "HTTP/1.1 200 OK"'
CRI_CALL = '2026-03-14T00:12:08.123456789Z stdout F 2026-03-14 09:12:08 POST https://api.openai.com/ "HTTP/1.1 200 OK"'
UNTIMED = "openai.RateLimitError: Error code: 429 - {'error': {'code': 'insufficient_quota'}}"
TRACEBACK = ["retrying once more", "Traceback (most recent call last):", '  File "x.py", line 1', UNTIMED]


@settings(max_examples=250, deadline=None)
@given(st.lists(SUCCESS_LINE, max_size=25))
# A buffer's first record and its last (carried to the next) are framed apart; the calls between
# them are kept (as keys) until a flush.
@example([USUAL, USUAL, EARLIER, LATER, USUAL])  # the span's start is the kept calls' least time
@example([USUAL, LATER, UNTIMED, USUAL])  # the failure takes the last kept call's time
@example([USUAL, LATER, *TRACEBACK, USUAL])  # so does a record of several lines that starts without a time
@example([USUAL, LATER, CRI_CALL, UNTIMED, USUAL])  # a wrapped call after them is later: the failure takes its time
def test_the_successes_shortcut_changes_nothing_on_mixed_lines(
    tmp_path_factory: pytest.TempPathFactory, lines: list[str]
) -> None:
    path = tmp_path_factory.mktemp("mixed") / "mixed.log"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8", newline="")
    with pytest.MonkeyPatch.context() as m:
        shortcut = analysed(path)
        m.setattr(pipeline, "Lane", NoLane)
        assert shortcut == analysed(path)


CALL_BUFFER = (
    b'2026-03-14 09:00:00 INFO POST https://api.openai.com/v1/c "HTTP/1.1 200 OK"\n'  # one call keyword
    b"2026-03-14 09:00:01 ERROR insufficient_quota\n"  # another keyword
    b'2026-03-14 09:00:02 INFO "HTTP/1.1 201" and "HTTP/2 200"\n'  # two call keywords
    b'2026-03-14 09:00:03 INFO "HTTP/1.1 200 OK" insufficient_quota\n'  # a call keyword and another
    b'    at "HTTP/1.1 200 OK"\n'  # a call keyword on a line that continues a record
    b"2026-03-14 09:00:04 INFO nothing to see\n"
)


@needs_hyperscan
def test_hyperscan_marks_lines_whose_keywords_are_all_successful_calls() -> None:
    calls = RULES.call_keywords()
    assert "HTTP/1.1 200 OK" in calls and "insufficient_quota" not in calls
    bit = {word: 1 << i for i, word in enumerate(calls)}
    hits = list(prefilter.build("hyperscan", RULES.keywords(), calls).hits(CALL_BUFFER))
    assert [CALL_BUFFER.count(b"\n", 0, start) for start, _ in hits] == [0, 1, 2, 3, 4]
    assert [mark for _, mark in hits] == [bit["HTTP/1.1 200 OK"], 0, bit["HTTP/1.1 201"] | bit["HTTP/2 200"], 0, 0]


def test_the_regex_engine_marks_no_line() -> None:
    hits = list(prefilter.build("regex", RULES.keywords(), RULES.call_keywords()).hits(CALL_BUFFER))
    assert len(hits) == 5 and {mark for _, mark in hits} == {0}


@needs_hyperscan
def test_successful_calls_of_a_plain_day_are_taken_from_their_bytes(
    monkeypatch: pytest.MonkeyPatch, genlog_days: dict[str, tuple[Path, dict]]
) -> None:
    path, _ = genlog_days["python"]
    taken: list[bool] = []
    call = pipeline.Lane.call

    def counted(self: pipeline.Lane, data: bytes, line_no: int, keywords: int) -> bool:
        taken.append(call(self, data, line_no, keywords))
        return taken[-1]

    monkeypatch.setattr(pipeline.Lane, "call", counted)
    found = analysed(path)
    assert sum(taken) > 0.9 * found[3]  # nearly every successful call: not decoded and matched twice


EXTRACTOR_PATTERNS = [p for x in RULES.extractors for p in x.patterns]
FIELD_TEXT = st.lists(
    st.sampled_from(
        [
            '"type": "insufficient_quota"',
            "code=rate_limit_exceeded",
            "org-9fQmZ3xLwq8TnB2Kc7Vd1RyE",
            "Limit 30000, Used 29000, Requested 1500",
            "on tokens per min (TPM)",
            "req_0123456789abcdef0123",
            "Retrying request to /chat/completions in 0.48 seconds",
            "model 'gpt-4o'",
            "HTTP/1.1 429",
            "https://x.openai.azure.com/",
            "Please try again in 20s",
            " ",
            "\x1c",
            "\x1f",
            "\x0b",
            "\x0c",
            "\x85",
            "\t",
            "é",
            "K",
            "TYPE",
            ":",
            "'",
        ]
    ),
    max_size=10,
).map("".join)


GATE = prefilter.PatternGate(EXTRACTOR_PATTERNS, "hyperscan" if "hyperscan" in prefilter.ENGINES else "regex")
GATE.prepare()  # compiled now: the property below is about the compiled gate's answers


@needs_hyperscan
@settings(max_examples=300, deadline=None)
@given(FIELD_TEXT)
def test_the_extractor_gate_never_hides_a_pattern_that_matches(text: str) -> None:
    possible = GATE.possible(text)
    assert {i for i, p in enumerate(EXTRACTOR_PATTERNS) if p.search(text)} <= possible
    assert prefilter.PatternGate(EXTRACTOR_PATTERNS, "regex").possible(text) == set(range(len(EXTRACTOR_PATTERNS)))


CORPUS = Path(__file__).parent / "corpus"


@needs_hyperscan
def test_the_providers_gate_never_hides_a_mark_that_a_real_log_shows() -> None:
    """Every excerpt of the corpus, whole and line by line: each provider mark found in it by searching
    every mark is among those the compiled gate lets through (its database widens long repeats)."""
    attributor = Attributor(RULES.providers, "hyperscan")
    attributor.gate.prepare()
    assert attributor.gate.always == frozenset()  # every mark is in the database, none searched always
    texts = [plain(p.read_text(errors="replace")) for p in sorted(CORPUS.glob("*/*.log"))]
    texts += [line for text in texts for line in text.splitlines() if "rror" in line]
    assert len(texts) > 4000
    narrowed = 0
    for text in texts:
        possible = attributor.gate.possible(text)
        found = {i for i, mark in enumerate(attributor.marks) if mark.pattern.search(text)}
        assert found <= possible, (text[:200], sorted(found - possible))
        narrowed += possible != attributor.gate.every
    assert narrowed > len(texts) // 2  # ASCII texts are narrowed, not answered with every mark


REPEATS = st.sampled_from(
    [
        "a{0,4}",
        "[^x]{2,5}",
        "(?:ab){1,3}?",
        "b{0,3}",
        "a{3}",
        "a{0,2}",
        "(?!a{0,4}b)",
        "(?<!a{1,3})",
        "(?>a{0,4})",
        "a{0,4}+",
        r"\{0,4}",
        "[{0,4}]",
        "(?=b{1,3}x)",
        ".",
        "x",
        "b",
    ]
)


@settings(max_examples=500, deadline=None)
@given(st.lists(REPEATS, min_size=1, max_size=4).map("".join), st.text("abx{},", max_size=30))
@example("x(?!a{0,4}b)", "xaaaaab")
@example("a{0,4}+a", "aaaaa")
@example("(?>a{0,4})a", "aaaaa")
def test_a_widened_pattern_matches_all_that_the_pattern_matches(pattern: str, text: str) -> None:
    """With a bound of 2, so that short texts tell a widened repeat from the one it was."""
    original, wide = regex.compile(pattern), regex.compile(prefilter.widened(pattern, bound=2))
    if original.search(text):
        assert wide.search(text)


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ('"[^"\\n]{0,2000}"', '"[^"\\n]{0,}"'),  # a long repeat: unbounded
        ("a{1,100}b{1,101}", "a{1,100}b{1,}"),  # up to the bound: as it is
        ("x(?!y{0,400}z)w{0,500}", "x(?!y{0,400}z)w{0,}"),  # in a negative lookahead: as it is
        ("(?<!y{0,400})(?>a{0,300})", "(?<!y{0,400})(?>a{0,300})"),  # negative lookbehind, atomic group
        ("a{0,500}+b", "a{0,500}+b"),  # possessive
        ("[{0,900}]\\{0,999}", "[{0,900}]\\{0,999}"),  # a class's and an escaped brace
        ("[]{0,200}](?=q{0,200})", "[]{0,200}](?=q{0,})"),  # a class that starts with ]; a positive lookahead
        # constructs it does not follow: the pattern as it is (a verbose comment, a possessive group, a conditional,
        # a backreference, a verb, a V1 set)
        ("(?x)x(?! # )\n a{0,300}b)", "(?x)x(?! # )\n a{0,300}b)"),
        ("(?:a{0,300})?+a", "(?:a{0,300})?+a"),
        ("(?(?=a{0,300}b)c|a)", "(?(?=a{0,300}b)c|a)"),
        ("^(?=(a{0,300}))\\1a", "^(?=(a{0,300}))\\1a"),
        ("a{0,300}(*PRUNE)a|zz", "a{0,300}(*PRUNE)a|zz"),
        ("(?V1)x(?![[b])]a{0,300}c)", "(?V1)x(?![[b])]a{0,300}c)"),
    ],
)
def test_only_a_gates_long_repeats_outside_negative_lookarounds_are_widened(pattern: str, expected: str) -> None:
    assert prefilter.widened(pattern) == expected


@needs_hyperscan
def test_a_gate_is_compiled_only_once_enough_texts_asked_unless_it_is_cached(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Compiling a gate of many patterns takes up to 0.7 s: a small log searches its patterns directly
    (the same answers); a gate compiled once is read from the cache when first asked."""
    monkeypatch.setenv("LOGSCAN_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(prefilter.PatternGate, "ASKS", 5)
    text = "Rate limit reached for gpt-4o in organization org-abc on tokens per min (TPM): Limit 3"
    gate = prefilter.PatternGate(EXTRACTOR_PATTERNS, "hyperscan")
    for _ in range(5):
        assert gate.possible(text) == gate.every  # not compiled: every pattern may match
    assert not list(tmp_path.glob("hs-*.db"))
    narrowed = gate.possible(text)  # the fifth text asked before: compiled now, and cached
    assert narrowed < gate.every and {i for i, p in enumerate(EXTRACTOR_PATTERNS) if p.search(text)} <= narrowed
    assert len(list(tmp_path.glob("hs-*.db"))) == 1
    again = prefilter.PatternGate(EXTRACTOR_PATTERNS, "hyperscan")
    assert again.possible(text) == narrowed  # read from the cache at once


@needs_hyperscan
def test_compiled_databases_are_cached_and_a_bad_cache_file_is_compiled_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LOGSCAN_CACHE_DIR", str(tmp_path))
    buffer = b"2026-03-14 09:00:00 ERROR insufficient_quota\nok\n\tat x\n"
    fresh = hit_lines("hyperscan", buffer)
    files = list(tmp_path.glob("hs-*.db"))
    assert len(files) == 1
    assert hit_lines("hyperscan", buffer) == fresh  # read back from the cache
    files[0].write_bytes(b"not a database")
    assert hit_lines("hyperscan", buffer) == fresh  # compiled again, and cached again
    assert files[0].read_bytes() != b"not a database"
    assert fresh == {0, len(b"2026-03-14 09:00:00 ERROR insufficient_quota\nok\n")}


@needs_hyperscan
def test_an_empty_cache_dir_setting_caches_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOGSCAN_CACHE_DIR", "")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert prefilter.cache_dir() is None
    hit_lines("hyperscan", b"insufficient_quota\n")
    assert not list(tmp_path.rglob("*"))


@pytest.mark.parametrize(
    ("source", "flags", "confirmable"),
    [
        (r'https://(?:api\.openai\.com|[\w-]+\.openai\.azure\.com)/\S{0,300} "HTTP/[\d.]+ 20[01]\b', 0, True),
        (r"(?P<code>20[01]) OK\b", regex.IGNORECASE | regex.MULTILINE, True),
        (r"^a\S*?b+c{2,}d{3}", 0, True),
        (r"OK$", 0, False),  # where a line ends: before its CR to regex, after it to Hyperscan
        (r"a.b", 0, False),  # . takes a CR
        (r"a[^b]c", 0, False),  # a negated set takes a newline: a match could span lines
        (r"a\sb", 0, False),  # \s too
        (r"a\Wb|a\Db", 0, False),
        (r"a.b", regex.DOTALL, False),
        (r"a(?=b)", 0, False),  # lookaround
        (r"(?i)ok", 0, False),  # inline flags: not told apart from the rest
        (r"a++b", 0, False),  # possessive
        (r"a{,3}b", 0, False),  # {,n}: a repeat to regex, a literal to PCRE
        (r"(a)\1", 0, False),  # a back reference
        (r"\Aab", 0, False),
        (r"caf\u00e9|café", 0, False),
        (r"ok", regex.VERBOSE, False),
        (r"ok", regex.WORD, False),  # \b of Unicode's rules
        (r"[[:alpha:]]x", 0, False),
    ],
)
def test_only_patterns_that_both_engines_read_alike_in_a_line_are_confirmable(
    source: str, flags: int, confirmable: bool
) -> None:
    if "hyperscan" not in prefilter.ENGINES:
        pytest.skip("hyperscan is not installed")
    assert (prefilter.confirm_flags(regex.compile(source, flags)) is not None) is confirmable


CONFIRMABLE = [
    *{
        (p.pattern, p.flags): (p, r.examples_match)
        for r in RULES.rules
        for p in r.patterns
        if prefilter.confirm_flags(p) is not None
    }.values(),
    # and the classes where the two engines' ASCII differs most easily: controls, CR, line edges
    (regex.compile(r"a\S{0,3}b"), ("a\x1cb", "a\x0bb", "a\x0cb", "a\rb", "a\x1f\x7fb", "a\x00b")),
    (regex.compile(r"\bOK\b|^KW \w+ \d"), ("OK", "xOK", "OK_", "_ 1")),
]
NOISE = st.text(st.sampled_from([*"aZ09_-./: \"'()[]{}", "\t", "\r", "\x0b", "\x1c", "é"]), max_size=4)


@needs_hyperscan
@settings(max_examples=200, deadline=None)
@given(st.integers(0, len(CONFIRMABLE) - 1), st.data())
def test_a_confirmed_pattern_is_marked_on_a_line_exactly_where_regex_finds_it(first: int, data: st.DataObject) -> None:
    """Every confirmable pattern of the rule set, eight at a time, on lines of their rules' examples and noise."""
    window = CONFIRMABLE[first : first + prefilter.CONFIRM_BITS]
    patterns = [p for p, _ in window]
    examples = st.sampled_from([e.replace("\n", " ") for _, texts in window for e in texts] or [""])
    line = st.tuples(st.lists(examples | NOISE, max_size=4).map("".join), st.sampled_from(["\n", "\r\n"]))
    lines = data.draw(st.lists(line, max_size=8))
    engine = prefilter.build("hyperscan", ["KW"], ["KW"], patterns)
    assert engine.confirmed, "Hyperscan refused every pattern"
    buffer = "".join(f"KW {text}{end}" for text, end in lines).encode()
    checked = 0
    for start, marks in engine.hits(buffer):
        data = buffer[start : buffer.find(b"\n", start)]
        if not data or not marks or not data.isascii():
            continue  # an ordinary hit, or a line the lane leaves to the full path
        text = data.decode().removesuffix("\r")  # a record's text, as framing makes it
        checked += 1
        for pattern in patterns:
            bit = engine.confirmed.get((pattern.pattern, pattern.flags), 0)
            if bit:
                assert bool(marks & bit) == (pattern.search(text) is not None), (pattern.pattern, data)
    assert checked == sum(1 for text, _ in lines if text.isascii())


@needs_hyperscan
def test_a_pattern_hyperscan_cannot_compile_is_not_confirmed_and_the_others_are(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LOGSCAN_CACHE_DIR", str(tmp_path))
    too_large, fine = regex.compile(r"x\w{1,60000}y"), regex.compile(r"\bOK\b")
    assert prefilter.confirm_flags(too_large) is not None  # its syntax is fine: Hyperscan refuses its size
    engine = prefilter.build("hyperscan", ["KW"], ["KW"], [too_large, fine])
    assert list(engine.confirmed) == [(fine.pattern, fine.flags)]
    (_, marks), (_, other) = engine.hits(b"KW it is OK\nKW x" + b"a" * 10 + b"y\n")
    assert marks & engine.confirmed[(fine.pattern, fine.flags)] and other == 1  # the keyword's bit alone


@needs_hyperscan
def test_when_the_confirmed_patterns_together_do_not_compile_none_is_confirmed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LOGSCAN_CACHE_DIR", str(tmp_path))
    real = prefilter.compiled

    def compiled(expressions: list[bytes], ids: list[int], flags: list[int]) -> object:
        if sum(e.startswith(b"\\b") for e in expressions) > 1:  # two patterns together: "too large"
            raise prefilter.hyperscan.error("too large")
        return real(expressions, ids, flags)

    monkeypatch.setattr(prefilter, "compiled", compiled)
    patterns = [regex.compile(r"\bOK\b"), regex.compile(r"\bdone\b")]
    engine = prefilter.build("hyperscan", ["KW"], ["KW"], patterns)
    assert engine.confirmed == {}
    assert list(engine.hits(b"KW OK done\n")) == [(0, 1)]  # still the keyword's line, its bit alone
