"""Matching: the best rule names the event; a long record keeps its start and the matched part."""

from __future__ import annotations

import functools
import json
import pickle
from datetime import UTC, datetime

import pytest
import regex
from hypothesis import given
from hypothesis import strategies as st

from analyzer import redaction, ruleset
from analyzer.matching import EVIDENCE_AROUND, EVIDENCE_HEAD, Matcher, MatchStats, evidence_window, literal
from analyzer.models import Fields, Record
from analyzer.parsing import parse
from analyzer.timestamps import Clock

CLOCK = Clock(UTC, datetime(2026, 3, 14, tzinfo=UTC))
QUOTA = (
    "openai.RateLimitError: Error code: 429 - {'error': {'message': 'You exceeded your current quota, please "
    "check your plan and billing details.', 'type': 'insufficient_quota', 'param': None, "
    "'code': 'insufficient_quota'}}"
)


def matcher() -> Matcher:
    return Matcher(ruleset.load(), redaction.redact, MatchStats())


@functools.cache
def shared_matcher() -> Matcher:
    """One matcher for the examples of a property test that only calls its _find: a new one for each
    text took an example past hypothesis's 200 ms deadline on a loaded machine (each compiles its gates)."""
    return matcher()


def test_short_text_is_kept_whole() -> None:
    assert evidence_window("abc", 1) == "abc"


def test_long_text_keeps_head_and_match_and_marks_the_cuts() -> None:
    text = "H" * 1000 + "x" * 50_000 + "NEEDLE" + "y" * 50_000
    at = text.index("NEEDLE")
    window = evidence_window(text, at)
    assert window.startswith("H" * EVIDENCE_HEAD)
    assert "NEEDLE" in window
    assert "characters ...]" in window
    assert len(window) < EVIDENCE_HEAD + EVIDENCE_AROUND + 100


def test_error_at_the_end_of_a_giant_line_is_the_evidence() -> None:
    text = "2026-03-14 09:00:00,000 ERROR app: " + "x" * 2_000_000 + " " + QUOTA
    event = matcher().match(parse(Record("s", 1, 1, text), CLOCK))
    assert event is not None and event.rule == "openai.quota.insufficient_quota"
    assert "You exceeded your current quota" in event.text
    assert len(event.text) < 2000


def test_specific_rule_beats_the_transport_status() -> None:
    text = 'HTTP Request: POST https://api.openai.com/v1/chat/completions "HTTP/1.1 429 Too Many Requests" ' + QUOTA
    event = matcher().match(parse(Record("s", 1, 1, text), CLOCK))
    assert event is not None and event.rule == "openai.quota.insufficient_quota" and event.confidence == "high"


def test_an_error_body_escaped_in_a_string_is_matched() -> None:
    """A relay's refusal quoted as a JSON string inside a wrapper's error (`"message": "{\\"error\\": ...}"`): its
    rule, whose pattern reads the body's own quotes, matches it unescaped."""
    text = (
        'ACP protocol error: Internal error: {\n  "codex_error_info": "other",\n  "message": "{\\"error\\":{\\"code\\":'
        '\\"\\",\\"message\\":\\"Invalid request (request id: 2026031218061815)\\",\\"type\\":\\"new_api_error\\"}}"\n}'
    )
    event = matcher().match(parse(Record("s", 1, 3, text), CLOCK))
    assert event is not None and event.rule == "gateway.oneapi.refused"
    # (its evidence: the text as logged, around the place the match was made in its unescaped copy)
    assert '\\"type\\":\\"new_api_error\\"' in event.text and '"type":"new_api_error"' not in event.text


def test_fields_are_extracted_and_keys_redacted() -> None:
    text = (
        "openai.RateLimitError: Error code: 429 - {'error': {'message': 'Rate limit reached for gpt-4o in "
        "organization org-9fQmZ3xLwq8TnB2Kc7Vd1RyE on tokens per min (TPM): Limit 30000, Used 29120, Requested "
        "2310. Please try again in 3.26s. Visit https://platform.openai.com/account/rate-limits to learn more.', "
        "'type': 'tokens', 'param': None, 'code': 'rate_limit_exceeded'}} key=sk-proj-AbCdEfGhIjKlMnOpQrStUvWx1234"
    )
    event = matcher().match(parse(Record("s", 1, 1, text), CLOCK))
    assert event is not None
    assert {k: event.fields[k] for k in ("status", "model", "limit", "used", "requested", "limit_unit")} == {
        "status": "429",
        "model": "gpt-4o",
        "limit": "30000",
        "used": "29120",
        "requested": "2310",
        "limit_unit": "TPM",
    }
    assert event.fields["retry_after"] == "3.26s"
    assert "AbCdEfGhIjKlMnOpQrStUvWx" not in event.text


def test_an_extractor_gives_the_fields_of_its_first_pattern_that_matches_only() -> None:
    """rules/fields.toml: the first pattern of an extractor that matches gives its named groups, even
    where a later one would match too (here both of `limits`); the next extractor is then tried."""
    text = QUOTA + " Limit 30000, Requested 2310 (Limit: 20 / min. Current: 24 / min) request ID 0123456789abcdef0"
    event = matcher().match(parse(Record("s", 1, 1, text), CLOCK))
    assert event is not None
    assert (event.fields["limit"], event.fields["requested"], "used" in event.fields) == ("30000", "2310", False)
    assert event.fields["request_id"] == "0123456789abcdef0"  # the second pattern of the next extractor


def test_an_azure_record_gives_its_api_version_and_its_deployment() -> None:
    """One record may name the API version and the deployment's URL: two extractors, so both count."""
    text = (
        "2026-03-14 09:00:00,000 ERROR app: POST https://contoso-jp.openai.azure.com/openai/deployments/gpt4o-prod"
        "/chat/completions failed: Error code: 429 - {'error': {'code': '429', 'message': 'Requests to the "
        "ChatCompletions_Create Operation under Azure OpenAI API version 2024-02-15-preview have exceeded token "
        "rate limit of your current OpenAI S0 pricing tier. Please retry after 12 seconds.'}}"
    )
    event = matcher().match(parse(Record("s", 1, 1, text), CLOCK))
    assert event is not None and event.category is not None
    assert {k: event.fields.get(k) for k in ("api_version", "azure_resource", "deployment", "retry_after")} == {
        "api_version": "2024-02-15-preview",
        "azure_resource": "contoso-jp",
        "deployment": "gpt4o-prod",
        "retry_after": "12",
    }


def test_equal_field_sets_share_one_redacted_dict_and_match_a_fresh_matcher() -> None:
    """The memo of field sets and values changes nothing but how many copies there are."""
    lines = [
        f"2026-03-14 09:00:0{i},000 ERROR app: user={user} api_key=sk-proj-{secret} {QUOTA} request_id=req_{i:016x}"
        for i, (user, secret) in enumerate([("a@b.co", "A" * 40), ("a@b.co", "A" * 40), ("c@d.co", "B" * 40)])
    ] + ["2026-03-14 09:00:09,000 ERROR app: " + QUOTA] * 2
    shared = matcher()
    events = [shared.match(parse(Record("s", n, n, text), CLOCK)) for n, text in enumerate(lines, 1)]
    fresh = [matcher().match(parse(Record("s", n, n, text), CLOCK)) for n, text in enumerate(lines, 1)]
    assert events == fresh and all(e is not None for e in events)
    fields = [e.fields for e in events if e is not None]
    assert all("sk-proj-" + "A" * 10 not in str(f) and "a@b.co" not in str(f) for f in fields)
    assert fields[3] is fields[4] and fields[0] is not fields[1]  # the request ids differ
    assert fields[0]["code"] is fields[1]["code"]  # a value seen before: one string
    assert isinstance(fields[0], Fields)
    assert fields[0]._names is fields[1]._names  # one tuple of names for the sets of the same names


def test_fields_read_as_the_dict_of_their_items() -> None:
    names = ("status", "code", "request_id")
    values = ("429", "insufficient_quota", "req_1")
    fields, plain = Fields(names, values), dict(zip(names, values, strict=True))
    assert fields == plain and plain == fields and Fields(names[::-1], values[::-1]) == fields
    assert fields != {**plain, "type": "x"} and fields != {"status": "429"} and fields != list(plain)
    assert (len(fields), list(fields), dict(fields), {**fields}) == (3, list(names), plain, plain)
    assert list(fields.items()) == list(plain.items()) and list(fields.values()) == list(values)
    assert (fields["code"], fields.get("code"), fields.get("model"), fields.get("model", "-")) == (
        "insufficient_quota", "insufficient_quota", None, "-",
    )  # fmt: skip
    assert "status" in fields and "model" not in fields and 429 not in fields
    with pytest.raises(KeyError):
        fields["model"]
    assert repr(fields) == repr(plain)
    again = pickle.loads(pickle.dumps([fields, fields]))
    assert again == [plain, plain] and again[0] is again[1]
    assert not Fields((), ()) and Fields((), ()) == {}


@pytest.mark.parametrize(
    ("source", "flags", "expected"),
    [
        ("Incorrect API key provided: ", 0, "Incorrect API key provided: "),
        (r"ai\.google\-x \/ `y` #z", 0, "ai.google-x / `y` #z"),
        ("a.b", 0, None),
        (r"a\d", 0, None),
        (r"\bquota", 0, None),
        ("(?i)quota", 0, None),
        ("quota", regex.IGNORECASE, None),
        ("quota exceeded", regex.VERBOSE, None),
        ("x{2}", 0, None),
        ("a|b", 0, None),
        ("^quota", 0, None),
        ("", 0, None),
    ],
)
def test_a_pattern_is_plain_text_only_when_it_matches_its_own_text(
    source: str, flags: int, expected: str | None
) -> None:
    assert literal(regex.compile(source, flags)) == expected


PLAIN = sorted({p.pattern for r in ruleset.load().rules for p in (*r.patterns, *r.unless) if literal(p) is not None})


@given(st.sampled_from(PLAIN), st.text(max_size=30), st.text(max_size=30), st.integers(0, 60), st.integers(0, 200))
def test_plain_text_found_where_the_pattern_is(source: str, before: str, after: str, cut: int, span: int) -> None:
    """str.find within the record's spans, as the pattern's own search would find it (or not)."""
    pattern = regex.compile(source, regex.V0)
    plain = literal(pattern)
    assert plain is not None
    m = shared_matcher()  # only its _find is used
    for text in (before + plain + after, before + plain[: len(plain) // 2] + after, before + plain.upper() + after):
        m.spans = [(0, min(cut, len(text))), (min(cut + 5, len(text)), min(cut + 5 + span, len(text)))]
        m.deadline = float("inf")
        found = m._find(plain, text)
        searched = next((x.start() for s, e in m.spans if (x := pattern.search(text, s, e)) is not None), None)
        assert found == searched


def test_plain_text_rules_match_as_their_patterns_do(genlog_days: dict) -> None:
    """Every record of a genlog day gives the same event with and without the str.find path."""
    path, _ = genlog_days["python"]
    fast, slow = matcher(), matcher()
    slow.literals = {}
    assert fast.literals and len(fast.literals) > 10
    lines = path.read_text(encoding="utf-8").splitlines()
    for n, text in enumerate(lines, 1):
        entry = parse(Record("s", n, n, text), CLOCK)
        assert fast.match(entry) == slow.match(entry)


def test_a_traceback_in_a_json_field_is_matched_at_its_exception_line() -> None:
    """A record that is only a traceback's frames (its exception line a record of its own) is no failure;
    a JSON field that holds frames and the exception line after them is."""
    frames = (
        '  File "/app/venv/lib/python3.11/site-packages/aiohttp/connector.py", line 982, in _wrap_create_connection\n'
        "    raise ClientConnectorCertificateError(req.connection_key, exc) from exc\n"
    )
    failure = (
        "aiohttp.client_exceptions.ClientConnectorCertificateError: Cannot connect to host api.openai.com:443 "
        "ssl:True [SSLCertVerificationError: (1, '[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed')]\n"
    )
    m = matcher()
    assert m.match(parse(Record("s", 1, 2, frames.rstrip("\n")), CLOCK)) is None
    line = json.dumps({"time": "2026-03-01T10:00:00Z", "level": "ERROR", "exc_info": frames + failure})
    event = m.match(parse(Record("s", 1, 1, line), CLOCK))
    assert event is not None and event.category.value == "connection"


def test_a_java_trace_cut_at_a_frame_is_matched_at_its_caused_by_line() -> None:
    """A record of frames alone is no failure; one whose frames lead to a `Caused by:` line (a trace copied
    from its middle) is matched at that line."""
    frames = "\tat com.google.common.util.concurrent.InterruptibleTask.run(InterruptibleTask.java:76)\n\t... 1 more"
    cause = (
        "Caused by: org.apache.hc.client5.http.ConnectTimeoutException: Connect to https://api.openai.com:443 "
        "[api.openai.com/104.18.7.192] failed: Connect timed out\n"
        "\tat java.base/sun.nio.ch.NioSocketImpl.timedFinishConnect(NioSocketImpl.java:551)"
    )
    m = matcher()
    assert m.match(parse(Record("s", 1, 2, frames), CLOCK)) is None
    event = m.match(parse(Record("s", 1, 4, f"{frames}\n{cause}"), CLOCK))
    assert event is not None and event.category.value == "timeout"


@pytest.mark.parametrize(
    ("code", "name"),
    [
        ("76:       return new AuthenticationError(status, error, message, headers);", "AuthenticationError"),
        ("    raise APIConnectionError(request=request) from err", "APIConnectionError"),
        ("  throw new openai.RateLimitError(429, body, message, headers);", "RateLimitError"),
        ("      raise OpenAI::Errors::APITimeoutError.new(url: url, request: req)", "APITimeoutError"),
        ("Sources/OpenAI/Public/Errors/APIError.swift:66-72", "APIError"),
    ],
)
def test_an_error_class_constructed_in_source_code_is_no_failure(code: str, name: str) -> None:
    """A code frame (Node's around a stack's top, a traceback's source line) names the class it would raise, and a
    path its source file; with a mark of OpenAI's in the record, the class named as a raised error's own line is a
    failure."""
    m = matcher()
    assert m.match(parse(Record("s", 1, 1, code + "  // api.openai.com"), CLOCK)) is None
    raised = m.match(parse(Record("s", 1, 1, f"{name}: refused by api.openai.com"), CLOCK))
    assert raised is not None and raised.rule.startswith("openai.generic.")
    # a sentence that ends in `raise` on the line before is no code: the class on the next line was raised
    told = m.match(parse(Record("s", 1, 2, f"retries exhausted, will raise\n{name}(request=api.openai.com)"), CLOCK))
    assert told is not None and told.rule.startswith("openai.generic.")


def test_a_class_named_alone_in_backquotes_is_spoken_of_not_raised() -> None:
    """A sentence about a class (Markdown's `BadRequestError` in a post or a commit message) names no failure; the
    class as a raised error's text, backquoted with it, still does."""
    m = matcher()
    spoken = "we can get a `BadRequestError` from api.openai.com when the context is too long"
    assert m.match(parse(Record("s", 1, 1, spoken), CLOCK)) is None
    raised = m.match(parse(Record("s", 1, 1, "`openai.BadRequestError: refused by api.openai.com`"), CLOCK))
    assert raised is not None and raised.rule == "openai.generic.400"
