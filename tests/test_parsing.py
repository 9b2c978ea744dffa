"""Parsing: time, level, message and fields of a record, its format detected per record."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from analyzer.framing import frame_lines
from analyzer.models import Entry, Record
from analyzer.parsing import LEVEL_KEYS, MESSAGE_KEYS, TIME_KEYS, logged_text, parse
from analyzer.timestamps import Clock

JST = timezone(timedelta(hours=9))
CLOCK = Clock(JST, datetime(2026, 3, 14, 12, 0, tzinfo=JST))
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
AT = datetime(2026, 3, 14, 9, 12, 3, 412000, tzinfo=JST)  # the instant most examples log at
LEVELS = {"", "debug", "info", "warning", "error", "critical"}


def entry(text: str, clock: Clock = CLOCK) -> Entry:
    return parse(Record("app.log", 1, 1, text), clock)


def json_entry(**fields: object) -> Entry:
    return entry(json.dumps(fields))


# --- JSON lines ----------------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["ts", "time", "timestamp", "@timestamp", "Timestamp", "@t"])
def test_json_time_keys(key: str) -> None:
    got = json_entry(**{key: "2026-03-14T09:12:03.412+09:00", "msg": "x"})
    assert (got.time, got.format) == (AT, "json")


@pytest.mark.parametrize("scale", [1, 10**3, 10**6, 10**9], ids=["s", "ms", "us", "ns"])
def test_json_epoch_numbers_of_any_unit(scale: int) -> None:
    seconds = int((AT - EPOCH).total_seconds())
    assert json_entry(time=seconds * scale, msg="x").time == EPOCH + timedelta(seconds=seconds)


def test_journald_record() -> None:
    micros = int((AT - EPOCH) / timedelta(microseconds=1))
    got = json_entry(__REALTIME_TIMESTAMP=str(micros), PRIORITY="3", MESSAGE="openai call failed", _PID="1")
    assert (got.format, got.time, got.level, got.message) == ("journald", AT, "error", "openai call failed")
    assert got.fields["_PID"] == "1"


@pytest.mark.parametrize(
    ("value", "level"),
    [
        ("error", "error"),
        ("WARN", "warning"),
        ("Information", "info"),
        ("fatal", "critical"),
        (30, "info"),
        (40, "warning"),
        (50, "error"),
        (60, "critical"),
        ("50", "error"),
        ("nonsense", ""),
    ],
)
def test_json_levels(value: object, level: str) -> None:
    assert json_entry(level=value, msg="x").level == level


@pytest.mark.parametrize("key", ["levelname", "severity", "PRIORITY", "LogLevel", "Level", "@l", "severityText"])
def test_json_level_keys(key: str) -> None:
    value = "4" if key == "PRIORITY" else "warning"  # syslog priority 4 is warning
    assert json_entry(**{key: value, "msg": "x"}).level == "warning"


@pytest.mark.parametrize("key", ["msg", "message", "MESSAGE", "textPayload", "@message", "Message", "@m"])
def test_json_message_keys(key: str) -> None:
    got = json_entry(**{key: "completion failed", "level": "error"})
    assert got.message == "completion failed"
    assert got.text == "completion failed"


def test_json_message_key_order_prefers_msg() -> None:
    assert json_entry(message="second", msg="first").message == "first"


def test_nested_error_message_reaches_the_text() -> None:
    got = json_entry(
        level=50,
        msg="completion failed",
        err={"type": "RateLimitError", "status": 429, "error": {"message": "You exceeded your current quota"}},
    )
    assert got.message == "completion failed"
    lines = got.text.split("\n")
    assert lines[0] == "completion failed"
    assert "You exceeded your current quota" in lines
    assert "type=RateLimitError" in lines
    assert "status=429" in lines
    assert got.fields["err.error.message"] == "You exceeded your current quota"


def test_json_traceback_field_and_lines_after_the_json_reach_the_text() -> None:
    record = Record(
        "app.log", 1, 2, json.dumps({"msg": "boom", "exc_info": "Traceback ...\nValueError: x"}) + "\n  tail"
    )
    assert parse(record, CLOCK).text == "boom\nTraceback ...\nValueError: x\n  tail"


@pytest.mark.parametrize("key", ["Exception", "exception", "EXCEPTION", "StackTrace", "Error", "@x"])
def test_an_error_key_in_any_case_reaches_the_text(key: str) -> None:
    # .NET's JSON console formatter and Serilog's JSON formatter write the exception in `Exception`, and
    # System.Text.Json escapes its quotes (`\u0027`); the record's own message is no failure's
    line = (
        '{"Timestamp":"2026-03-14T09:12:03.412+09:00","EventId":0,"LogLevel":"Error","Category":"Chat",'
        f'"Message":"Chat call failed","{key}":"Error code: 429 - {{\\u0027error\\u0027: {{\\u0022code\\u0022: 1}}}}"}}'
    )
    got = entry(line)
    assert (got.time, got.level, got.message) == (AT, "error", "Chat call failed")
    assert got.text.split("\n") == ["Chat call failed", "Error code: 429 - {'error': {\"code\": 1}}"]


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("errorType", "errorMessage"),  # AWS Lambda's error result (Python, Node)
        ("error.kind", "error.message"),  # Datadog's standard attributes as dotted keys
        ("error_type", "error_message"),
        ("ErrorType", "ErrorMessage"),
        ("exception.type", "exception.message"),  # OpenTelemetry's log record attributes
    ],
)
def test_an_exceptions_class_and_message_under_keys_of_their_own_read_as_one_line(kind: str, message: str) -> None:
    got = json_entry(
        **{message: "Request timed out.", kind: "APITimeoutError", "stackTrace": ['  File "/var/task/app.py"\n']}
    )
    lines = got.text.split("\n")
    assert lines[0] == "APITimeoutError: Request timed out."
    assert '  File "/var/task/app.py"' in lines  # the trace after it
    # either alone is read as it is
    assert json_entry(msg="failed", **{message: "Connection error."}).text == "failed\nConnection error."
    assert json_entry(msg="failed", **{kind: "APIConnectionError"}).text == "failed\nAPIConnectionError"


def test_python_logrecord_exc_text_and_stack_info_reach_the_text() -> None:
    got = json_entry(message="call failed", exc_text="Traceback ...\nopenai.APIConnectionError: Connection error.")
    assert got.text == "call failed\nTraceback ...\nopenai.APIConnectionError: Connection error."
    assert json_entry(message="here", stack_info="Stack (most recent call last):").text.endswith("last):")


def test_a_key_that_only_starts_like_an_error_key_is_no_error() -> None:
    got = json_entry(msg="ok", ErrorRate="0.1", exceptional="yes")
    assert got.text == "ok"


def test_json_with_no_message_and_no_error_key_is_read_whole() -> None:
    # an API object printed as it came (a failed Batch's errors list under `data`): nothing of it is lost
    body = {"data": [{"code": "token_limit_exceeded", "message": "Enqueued token limit reached for gpt-4o"}]}
    got = json_entry(**body, object="list")
    assert "Enqueued token limit reached for gpt-4o" in got.text and got.format == "json"
    # a Batch object's `errors` is an error key: its strings are the text
    batch = json_entry(id="batch_abc", errors={"object": "list", "data": [{"code": "x", "message": "too big"}]})
    assert "too big" in batch.text and "code=x" in batch.text
    # a log record with its message keeps the message as its text
    assert json_entry(msg="done", data=[1, 2]).text == "done"


def test_journald_message_given_as_bytes_is_its_text() -> None:
    # journalctl -o json writes a field that is not printable UTF-8 (colour escapes) as its byte values
    message = "\x1b[31mERROR\x1b[0m openai.RateLimitError: Error code: 429 - quota"
    got = json_entry(__REALTIME_TIMESTAMP="1773482400000000", MESSAGE=list(message.encode()))
    assert got.message == message and got.format == "journald"
    # a list of other things is no message: the record is read whole
    assert json_entry(MESSAGE=[1, "x", 300]).text == json.dumps({"MESSAGE": [1, "x", 300]})


@pytest.mark.parametrize(
    "record",
    [
        # log4j2 JsonLayout: the exception in `thrown`
        {
            "level": "ERROR",
            "message": "call failed",
            "thrown": {
                "name": "com.openai.errors.RateLimitException",
                "message": "429: You exceeded your current quota",
            },
        },
        # Serilog's compact JSON: the exception in `@x`
        {
            "@t": "2026-03-14T10:00:00Z",
            "@mt": "call failed",
            "@m": "call failed",
            "@x": "System.ClientModel.ClientResultException: HTTP 429\nYou exceeded your current quota",
        },
        # an OpenTelemetry log record: the exception among its attributes
        {
            "severity_text": "ERROR",
            "message": "call failed",
            "attributes": {
                "exception.type": "openai.RateLimitError",
                "exception.message": "Error code: 429 - You exceeded your current quota",
            },
        },
    ],
    ids=["log4j2", "serilog", "otel"],
)
def test_exceptions_of_other_logging_libraries_reach_the_text(record: dict[str, object]) -> None:
    got = json_entry(**record)
    assert "You exceeded your current quota" in got.text
    assert got.text.startswith("call failed")


def test_json_that_is_not_an_object_is_text() -> None:
    assert entry("[1, 2, 3]").format == "text"
    assert entry("{not json").format == "text"


def test_deeply_nested_json_is_data_not_a_crash() -> None:
    assert entry('{"a":' + "[" * 100_000).format == "text"


# --- logfmt and syslog ---------------------------------------------------------------------------


def test_logfmt() -> None:
    got = entry('ts=2026-03-14T00:12:03.412Z level=error msg="rate limit reached" status=429 path=/v1/chat')
    assert (got.format, got.time, got.level) == ("logfmt", AT, "error")
    assert got.fields["msg"] == "rate limit reached"
    assert got.fields["status"] == "429"
    assert "rate limit reached" in got.text


def test_logfmt_unquotes_escapes() -> None:
    assert entry(r'level=info msg="say \"hi\" to C:\\tmp"').fields["msg"] == r'say "hi" to C:\tmp'


def test_rfc5424_syslog() -> None:
    got = entry('<134>1 2026-03-14T09:12:03.412+09:00 web-1 chatbot 2231 ID47 [meta x="1"] completion ok')
    assert (got.format, got.time, got.level, got.message) == ("syslog", AT, "info", "completion ok")  # 134 % 8 = 6
    assert got.fields == {"host": "web-1", "app": "chatbot", "pid": "2231"}


def test_rfc5424_level_word_in_the_message_wins_over_the_priority() -> None:
    assert entry("<134>1 2026-03-14T09:12:03Z web-1 chatbot 2231 - - ERROR openai call failed").level == "error"


def test_rfc3164_syslog_with_year_from_the_clock() -> None:
    got = entry("Mar 14 09:12:03 web-1 llm-worker[3380]: WARNING worker.digest: slow batch")
    assert (got.format, got.time, got.level) == ("syslog", AT.replace(microsecond=0), "warning")
    assert got.fields == {"host": "web-1", "app": "llm-worker", "pid": "3380"}
    assert got.message == "WARNING worker.digest: slow batch"


def test_rfc3164_priority_gives_the_level() -> None:
    assert entry("<11>Mar 14 09:12:03 web-1 cron: job finished").level == "error"  # 11 % 8 = 3


# --- plain lines ---------------------------------------------------------------------------------


def test_python_logging_line_takes_the_clocks_zone() -> None:
    text = "2026-03-14 09:12:03,412 ERROR app.chat: x"
    got = entry(text)
    assert (got.format, got.level, got.time, got.message) == ("timestamped", "error", AT, text)
    assert entry(text, Clock(UTC, CLOCK.now)).time == AT + timedelta(hours=9)


def test_python_basic_config_line() -> None:
    got = entry("ERROR:app.chat:completion failed")
    assert (got.format, got.level, got.time) == ("python-basic", "error", None)
    assert got.fields == {"logger": "app.chat"}


def test_level_word_far_into_the_line_is_not_the_level() -> None:
    assert entry("2026-03-14 09:12:03,412 INFO app.chat: user asked about an ERROR").level == "info"
    assert entry("2026-03-14 09:12:03 app.chat: " + "x" * 60 + " ERROR").level == ""


def test_text_with_a_traceback_keeps_every_line() -> None:
    text = (
        "2026-03-14 09:12:03,412 ERROR app.chat: failed\nTraceback (most recent call last):\nopenai.RateLimitError: 429"
    )
    got = parse(Record("app.log", 1, 3, text), CLOCK)
    assert got.text == text
    assert got.message == text.split("\n")[0]


def test_json_escaped_in_a_string_is_read_unescaped_too() -> None:
    """An error body a wrapper quoted as a JSON string (`"message": "{\\"error\\": ...}"`) after a line of text: what
    rules read holds it unescaped too, and the text as logged first (evidence and positions from it)."""
    text = (
        'ACP protocol error: Internal error: {\n  "message": '
        '"{\\"error\\":{\\"type\\":\\"new_api_error\\"}} https:\\/\\/x"\n}'
    )
    got = entry(text)
    assert got.text.startswith(text)
    assert '{"error":{"type":"new_api_error"}} https://x' in got.text
    assert entry("plain text with a \\n in it").text == "plain text with a \\n in it"  # nothing escaped: as it was


@given(st.text(alphabet='ab"\\/', max_size=40), st.text(alphabet='xyz"/', min_size=1, max_size=5))
def test_a_place_in_the_unescaped_copy_is_the_same_place_as_logged(before: str, needle: str) -> None:
    escaped = json.dumps(before)[1:-1].replace("/", "\\/")  # (a quoted string's escapes, a slash's too)
    got = entry(f'msg \\" {escaped}{needle}')
    if got.logged < 0:
        return
    text, at = logged_text(got, got.text.rindex(needle))
    assert text == got.text[: got.logged] and text[at:].startswith(needle)


def test_cri_record_takes_the_wrappers_time() -> None:
    line = "2026-03-14T00:12:03.412345678Z stderr F 2026-03-14 03:12:03,412 ERROR app.chat: completion failed"
    (record,) = frame_lines([line], "pod.log")
    got = parse(record, CLOCK)
    assert got.format == "cri+timestamped"
    assert got.time == datetime(2026, 3, 14, 0, 12, 3, 412345, tzinfo=UTC)  # not 03:12 JST from the inner text
    assert got.level == "error"
    assert got.fields["stream"] == "stderr"


def test_docker_record_of_json_inside() -> None:
    inner = json.dumps({"level": "error", "msg": "quota"}) + "\n"
    line = json.dumps({"log": inner, "stream": "stdout", "time": "2026-03-14T00:12:03.412Z"}, separators=(",", ":"))
    (record,) = frame_lines([line], "container.log")
    got = parse(record, CLOCK)
    assert (got.format, got.level, got.message, got.time) == ("docker+json", "error", "quota", AT)


@pytest.mark.parametrize(
    "text",
    ['{"level": "²", "msg": "x"}', '{"ts": "²"}', "ts=² msg=x", "level=¹ msg=x", "<1>1 ² host app 1 - - x"],
)
def test_digit_like_characters_are_data_not_a_crash(text: str) -> None:
    got = entry(text)
    assert got.time is None
    assert got.level in LEVELS


# --- properties ----------------------------------------------------------------------------------

_SCALAR = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True),
    st.text(max_size=12),
    st.sampled_from(["²", "3"]),
)
_VALUE = st.recursive(_SCALAR, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner))
_KEY = st.sampled_from([*TIME_KEYS, *LEVEL_KEYS, *MESSAGE_KEYS, "err", "error", "exception", "stack"]) | st.text(
    max_size=6
)
_JSON = st.dictionaries(_KEY, _VALUE, max_size=6).map(json.dumps)
_TOKEN = st.text(st.characters(blacklist_categories=("Cs", "Zs", "Cc")), min_size=1, max_size=10)
_LOGFMT = st.lists(st.tuples(_KEY.filter(lambda k: k.isidentifier()), _TOKEN), min_size=1, max_size=5).map(
    lambda pairs: " ".join(f"{k}={v}" for k, v in pairs)
)
_SYSLOG = st.builds(
    lambda pri, stamp, rest: f"<{pri}>1 {stamp} host app 12 - - {rest}",
    st.integers(0, 999),
    _TOKEN,
    st.text(max_size=20),
)
_RFC3164 = st.builds(
    lambda pri, month, day, rest: f"<{pri}>{month} {day:2d} 10:00:00 host app[1]: {rest}",
    st.integers(0, 999),
    st.sampled_from(["Jan", "Feb", "Mar", "Foo"]),
    st.integers(0, 99),
    st.text(max_size=20),
)
RECORD_TEXT = st.one_of(st.text(), _JSON, _LOGFMT, _SYSLOG, _RFC3164)
WRAPPER_TIME = st.one_of(st.just(""), st.just("2026-03-14T00:12:03.412Z"), _TOKEN)


@settings(max_examples=300, deadline=None)
@given(text=RECORD_TEXT, wrapper=st.sampled_from(["", "cri", "docker"]), wrapper_time=WRAPPER_TIME)
@example(text='{"level": "²"}', wrapper="", wrapper_time="")
@example(text="x", wrapper="cri", wrapper_time="²")
@example(text="<13>Feb 29 10:00:00 host app[1]: leap day of a year without one", wrapper="", wrapper_time="")
def test_parse_never_raises_and_keeps_its_promises(text: str, wrapper: str, wrapper_time: str) -> None:
    record = Record("app.log", 3, 3 + text.count("\n"), text, wrapper, wrapper_time if wrapper else "")
    got = parse(record, CLOCK)
    assert got.record is record
    assert got.level in LEVELS
    assert got.time is None or got.time.utcoffset() is not None  # every time is aware
    assert got.format.startswith(f"{wrapper}+") if wrapper else "+" not in got.format
    assert all(isinstance(v, str) for v in got.fields.values())
