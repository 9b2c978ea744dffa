"""Parsing: a record's time, level, message and fields, its format detected per record.

Formats are tried in registry order; the first that accepts the text parses it. A wrapped record
(CRI, Docker) is parsed by its inner text, and falls back to the wrapper's own timestamp.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from . import timestamps
from .models import Entry, Record
from .timestamps import Clock

LEVELS = {
    "trace": "debug",
    "debug": "debug",
    "verbose": "debug",
    "info": "info",
    "information": "info",
    "notice": "info",
    "warn": "warning",
    "warning": "warning",
    "error": "error",
    "err": "error",
    "critical": "critical",
    "crit": "critical",
    "fatal": "critical",
    "severe": "error",
    "emerg": "critical",
    "alert": "critical",
    "panic": "critical",
}
_PINO = {10: "debug", 20: "debug", 30: "info", 40: "warning", 50: "error", 60: "critical"}
_SYSLOG_PRIORITY = ["critical", "critical", "critical", "error", "warning", "info", "info", "debug"]
_LEVEL_WORD = re.compile(
    r"\b(TRACE|DEBUG|INFO|NOTICE|WARN|WARNING|ERROR|ERR|CRITICAL|CRIT|FATAL|SEVERE|EMERG|ALERT|"
    r"Trace|Debug|Info|Notice|Warn|Warning|Error|Critical|Fatal|"
    r"trace|debug|info|notice|warn|warning|error|critical|fatal)\b"
)
_LEVEL_SPAN = 48

TIME_KEYS = (
    "ts",
    "time",
    "timestamp",
    "@timestamp",
    "TimeStamp",
    "__REALTIME_TIMESTAMP",
    "t",
    # (.NET's JSON console formatter and Serilog's JSON formatter: `Timestamp`; Serilog's compact JSON: `@t`)
    "Timestamp",
    "@t",
    "date",
    "datetime",
    "asctime",
)
# (.NET's JSON console formatter: `LogLevel`; Serilog's: `Level`, compact `@l`; OpenTelemetry's: `severityText`)
LEVEL_KEYS = (
    "level", "lvl", "severity", "levelname", "log.level", "loglevel", "PRIORITY", "priority", "LogLevel", "Level", "@l",
    "severityText",
)  # fmt: skip
# (Google Cloud Logging's textPayload, CloudWatch Logs Insights' @message, .NET and Azure's Message)
MESSAGE_KEYS = ("msg", "message", "MESSAGE", "event", "log", "Log", "text", "textPayload", "@message", "Message", "@m")


@dataclass(slots=True)
class _Parsed:
    format: str
    time: datetime | None = None
    level: str = ""
    message: str = ""
    extra: str = ""  # text that rules must see besides the message (nested errors, tracebacks)
    fields: dict[str, str] = field(default_factory=dict)


def parse(record: Record, clock: Clock) -> Entry:
    """Parse one record; never raises on malformed text (it is parsed as plain text)."""
    head, _, rest = record.text.partition("\n")
    parsed = next(p for p in (fmt(head, clock) for fmt in FORMATS.values()) if p is not None)
    when = parsed.time
    if record.wrapper_time:  # the runtime's capture time: exact, and it always has a zone
        wrapper = timestamps.parse_value(record.wrapper_time, clock)
        if wrapper is not None and (when is None or wrapper is not timestamps.UNUSABLE):
            when = wrapper
    if record.wrapper:
        parsed.fields.setdefault("stream", record.stream)
    text = "\n".join(part for part in (parsed.message, parsed.extra, rest) if part)
    logged = -1
    if '\\"' in text:  # JSON escaped inside a string (an error body a wrapper quoted): read unescaped too
        logged = len(text)
        text = text + "\n" + _JSON_ESCAPE.sub(r"\1", text)
    name = f"{record.wrapper}+{parsed.format}" if record.wrapper else parsed.format
    if when is timestamps.UNUSABLE:  # every reader answers a usable time, None or this: kept, counted, undated
        return Entry(record, None, parsed.level, parsed.message, text, name, parsed.fields, True, logged)
    return Entry(record, when, parsed.level, parsed.message, text, name, parsed.fields, False, logged)


def logged_text(entry: Entry, at: int) -> tuple[str, int]:
    """The entry's text as logged (without the unescaped copy `parse` may add) and the place in it of a match
    at `at` (one in the copy: the same place in the text it was made from)."""
    logged = entry.logged
    if logged < 0:
        return entry.text, at
    text = entry.text[:logged]
    if at <= logged:
        return text, at
    at -= logged + 1
    shift = 0  # (a backslash taken out before the place, for each escape)
    for m in _JSON_ESCAPE.finditer(text):
        if m.start() - shift >= at:
            break
        shift += 1
    return text, min(at + shift, logged)


# a quote, a slash or a backslash escaped in a JSON string (`{\"error\":{\"type\":\"new_api_error\"}}`, `https:\/\/`)
_JSON_ESCAPE = re.compile(r'\\(["/\\])')


def record_time(
    text: str, iso: timestamps.IsoStart, wrapper: str = "", wrapper_time: str = ""
) -> tuple[datetime, str] | None:
    """parse()'s time and format name for a one-line record whose text starts with a digit and an
    ISO stamp (and whose wrapper's stamp, if any, is ISO too): the common case, read without trying
    each format. None where parse() must decide. The text is then its own message (`Entry.text`)."""
    if not text[:1].isdigit():  # JSON, syslog and logfmt start otherwise; they are tried first
        return None
    when = iso(text)
    if when is None:
        return None
    if wrapper_time:
        when = iso(wrapper_time)
        if when is None:
            return None
    return when, (f"{wrapper}+timestamped" if wrapper else "timestamped")


def json_time(text: str, clock: Clock) -> tuple[datetime, str, str] | None:
    """parse()'s time, format name and Entry.text for an unwrapped one-line record that is a JSON
    object with a time (JSON is the first format parse() tries); None where parse() must decide."""
    parsed = _json(text, clock)
    # every reader answers a usable time, None or UNUSABLE (parse() counts that one)
    if parsed is None or parsed.time is None or parsed.time is timestamps.UNUSABLE:
        return None
    return parsed.time, parsed.format, "\n".join(part for part in (parsed.message, parsed.extra) if part)


def level_of(value: object) -> str:
    """Normalise a level name, pino/bunyan number or syslog priority."""
    if isinstance(value, int) and not isinstance(value, bool):
        return _PINO.get(value, "")
    text = str(value).strip()
    if text.isdecimal():  # not isdigit(): int("²") raises
        number = int(text)
        return _SYSLOG_PRIORITY[number] if number < len(_SYSLOG_PRIORITY) else _PINO.get(number, "")
    return LEVELS.get(text.lower(), "")


def _level_in(text: str) -> str:
    m = _LEVEL_WORD.search(text, 0, _LEVEL_SPAN)
    return LEVELS[m.group(1).lower()] if m else ""


# --- JSON lines ----------------------------------------------------------------------------------

# log4j2's JsonLayout puts the exception in `thrown`, Serilog's compact JSON in `@x`, OpenTelemetry's log
# records in the attributes `exception.message`, `exception.type` and `exception.stacktrace`; a key in any case
# (.NET's JSON console formatter and Serilog's JSON formatter write `Exception`, log4net's and NLog's layouts
# `Exception` or `exception`: https://learn.microsoft.com/dotnet/core/extensions/console-log-formatter#json,
# https://github.com/serilog/serilog-formatting-compact, checked 2026-12-07); zap's stack in `stacktrace`
# (https://pkg.go.dev/go.uber.org/zap/zapcore#EncoderConfig, its production config's StacktraceKey). An
# exception's class and message under names of their own: AWS Lambda's error result and log record
# (`errorType`, `errorMessage`, `stackTrace`: https://docs.aws.amazon.com/lambda/latest/dg/python-exceptions.html,
# .../nodejs-exceptions.html), Datadog's standard attributes written as dotted keys (`error.kind`,
# `error.message`, `error.stack`: https://docs.datadoghq.com/standard-attributes/), `error_type` and
# `error_message` as apps name them, and Python logging's `exc_text` and `stack_info` (a LogRecord's
# attributes, which JSON formatters copy: https://docs.python.org/3/library/logging.html#logrecord-attributes);
# checked 2026-12-07. Lower case: a record's keys are compared in lower case. The class before the message.
_ERROR_KEYS = (
    "err", "error", "errors", "exception", "exc_info", "exc", "errortype", "error_type", "error.kind",
    "exception.type", "errormessage", "error_message", "error.message", "exception.message", "exc_text", "stack",
    "stack_trace", "stacktrace", "error.stack", "exception.stacktrace", "stack_info", "traceback", "cause",
    "thrown", "@x",
)  # fmt: skip
_MAX_DEPTH = 4  # levels of a record flattened into fields
# Error objects are looked for at any depth (`context.job.err.response.data.error.message`, as axios and
# job queues log them), within a budget a record: levels, objects and arrays looked into, characters taken.
_ERROR_DEPTH = 32
_ERROR_NODES = 4096
_ERROR_CHARS = 64 << 10
# A record with none of these (no nested object, no key that may name an error) has no error below its top.
_NESTED = re.compile(r'"(?:err|exc|stack|traceback|cause|thrown)', re.I)
_ERROR_KEY_SET = frozenset(_ERROR_KEYS)


def _error_key(key: object) -> bool:
    """Whether a JSON key names an error (`_ERROR_KEYS`, in any case)."""
    return isinstance(key, str) and (key in _ERROR_KEY_SET or key.lower() in _ERROR_KEY_SET)


def _json(text: str, clock: Clock) -> _Parsed | None:
    if not text.startswith("{"):
        return None
    try:
        obj = json.loads(text)
    except (ValueError, RecursionError):  # a line nested ~1000 deep is data too
        return None
    if not isinstance(obj, dict):
        return None
    fields: dict[str, str] = {}
    _flatten(obj, "", fields, 0)
    parsed = _Parsed("json", fields=fields)
    parsed.time = _first(obj, TIME_KEYS, lambda v: timestamps.parse_value(v, clock))
    parsed.level = _first(obj, LEVEL_KEYS, level_of) or ""
    parsed.message = str(_first(obj, MESSAGE_KEYS, _text_value) or "")
    payload = obj.get("jsonPayload")  # (a Cloud Logging entry's structured payload: its message is the record's)
    if not parsed.message and isinstance(payload, dict):
        parsed.message = str(_first(payload, MESSAGE_KEYS, _text_value) or "")
    parsed.extra = "\n".join(_error_text(obj, text.find("{", 1) > 0 and _NESTED.search(text) is not None))
    if not parsed.message and not parsed.extra:
        # no log record's message and no error key: a body or an API object printed as it came (a Batch's
        # `{"data": [{"code": "token_limit_exceeded", ...}]}`); its whole text is what there is to read
        parsed.message = text
    if "__REALTIME_TIMESTAMP" in obj:
        parsed.format = "journald"
    return parsed


def _text_value(value: Any) -> str | None:
    """A message's text: a string, or the array of byte values journald's JSON gives for a field that is
    not printable UTF-8 (a message with colour escapes, https://systemd.io/JOURNAL_EXPORT_FORMATS/)."""
    if isinstance(value, str):
        return value
    if isinstance(value, list) and value and all(type(b) is int and 0 <= b < 256 for b in value):
        return bytes(value).decode("utf-8", "replace")
    return None


def _first(obj: Mapping[str, Any], keys: tuple[str, ...], convert: Callable[[Any], Any]) -> Any:
    for key in keys:
        if key in obj and obj[key] not in (None, ""):
            value = convert(obj[key])
            if value not in (None, ""):
                return value
    return None


def _flatten(obj: Any, prefix: str, out: dict[str, str], depth: int) -> None:
    if isinstance(obj, dict) and depth < _MAX_DEPTH:
        for key, value in obj.items():
            _flatten(value, f"{prefix}{key}.", out, depth + 1)
    elif prefix:
        out[prefix[:-1]] = obj if isinstance(obj, str) else json.dumps(obj)


class _Budget:
    """What is left of a record's budget for error text: objects and arrays, characters."""

    __slots__ = ("chars", "nodes")

    def __init__(self) -> None:
        self.nodes, self.chars = _ERROR_NODES, _ERROR_CHARS

    def take(self, out: list[str], text: str) -> None:
        if self.chars > 0:
            out.append(text[: self.chars])
            self.chars -= len(text)

    def enter(self) -> bool:
        self.nodes -= 1
        return self.nodes >= 0 and self.chars > 0


def _error_text(obj: Mapping[str, Any], nested: bool) -> list[str]:
    """Every string inside the error-like values of a JSON record, in order: those of its top level
    first, then, when it may have any (`nested`), those of error objects at any depth below."""
    parts: list[str] = []
    named = {key.lower(): key for key in obj if _error_key(key)}
    if not nested and not named:  # the usual record: no error anywhere
        return parts
    budget = _Budget()
    paired = _paired(obj, named)
    for key in _ERROR_KEYS:
        if key in paired:
            if paired[key]:
                budget.take(parts, paired[key])
        elif key in named:
            _strings(obj[named[key]], parts, 0, budget)
    if nested:
        for key, value in obj.items():
            if not _error_key(key):
                _nested_errors(value, parts, 1, budget)
    return parts


# An exception's class and message under keys of their own, read as Python and Node print them
# ("APITimeoutError: Request timed out."): the class then tells what the message alone may not.
_PAIRS = (
    ("errortype", "errormessage"),
    ("error_type", "error_message"),
    ("error.kind", "error.message"),
    ("exception.type", "exception.message"),
)


def _paired(obj: Mapping[str, Any], named: Mapping[str, str]) -> dict[str, str]:
    """For each class and message a record has as strings: its class key, to the two as one line (its
    message key, to nothing more)."""
    paired: dict[str, str] = {}
    for kind, message in _PAIRS:
        if kind in named and message in named:
            kind_value, message_value = obj[named[kind]], obj[named[message]]
            if isinstance(kind_value, str) and isinstance(message_value, str) and kind_value and message_value:
                paired[kind], paired[message] = f"{kind_value}: {message_value}", ""
    return paired


def _nested_errors(value: Any, out: list[str], depth: int, budget: _Budget) -> None:
    """The strings of the error-like values inside `value`, in document order; an error value's own
    errors are its strings already."""
    if depth >= _ERROR_DEPTH or not isinstance(value, dict | list) or not budget.enter():
        return
    for key, inner in value.items() if isinstance(value, dict) else enumerate(value):
        if isinstance(value, dict) and _error_key(key):
            _strings(inner, out, depth, budget)
        else:
            _nested_errors(inner, out, depth + 1, budget)


def _strings(value: Any, out: list[str], depth: int, budget: _Budget) -> None:
    if isinstance(value, str):
        budget.take(out, value)
    elif isinstance(value, dict) and depth < _ERROR_DEPTH and budget.enter():
        for key, inner in value.items():
            if isinstance(inner, str | int) and not isinstance(inner, bool) and key != "message":
                budget.take(out, f"{key}={inner}")
            else:
                _strings(inner, out, depth + 1, budget)
        if isinstance(value.get("message"), str):
            budget.take(out, value["message"])
    elif isinstance(value, list) and depth < _ERROR_DEPTH and budget.enter():
        for inner in value:
            _strings(inner, out, depth + 1, budget)


# --- syslog --------------------------------------------------------------------------------------

_RFC5424 = re.compile(r"<(\d{1,3})>1 (\S+) (\S+) (\S+) (\S+) (\S+) (-|(?:\[.*?\])+) ?(.*)", re.S)
_RFC3164 = re.compile(
    r"(?:<(\d{1,3})>)?([A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d) (\S+) ([^:\[\s]+)(?:\[(\d+)\])?: ?(.*)", re.S
)


def _rfc5424(text: str, clock: Clock) -> _Parsed | None:
    m = _RFC5424.match(text)
    if not m:
        return None
    fields = {"host": m.group(3), "app": m.group(4), "pid": m.group(5)}
    level = _SYSLOG_PRIORITY[int(m.group(1)) % 8]
    message = m.group(8)
    return _Parsed(
        "syslog", timestamps.parse_value(m.group(2), clock), _level_in(message) or level, message, fields=fields
    )


def _rfc3164(text: str, clock: Clock) -> _Parsed | None:
    m = _RFC3164.match(text)
    if not m:
        return None
    when, _ = timestamps.leading(m.group(2), clock)
    fields = {"host": m.group(3), "app": m.group(4)}
    if m.group(5):
        fields["pid"] = m.group(5)
    level = _SYSLOG_PRIORITY[int(m.group(1)) % 8] if m.group(1) else ""
    message = m.group(6)
    return _Parsed("syslog", when, _level_in(message) or level, message, fields=fields)


# --- logfmt --------------------------------------------------------------------------------------

_LOGFMT_PAIR = re.compile(r'([\w.@-]+)=("(?:[^"\\]|\\.)*"|\S*)')
_LOGFMT_HEAD = re.compile(r"(?:ts|time|level|lvl|t|msg)=")


def _logfmt(text: str, clock: Clock) -> _Parsed | None:
    if not _LOGFMT_HEAD.match(text):
        return None
    pairs = {k: _unquote(v) for k, v in _LOGFMT_PAIR.findall(text)}
    if len(pairs) < 2:
        return None
    parsed = _Parsed("logfmt", fields=pairs)
    parsed.time = _first(pairs, TIME_KEYS, lambda v: timestamps.parse_value(v, clock))
    parsed.level = _first(pairs, LEVEL_KEYS, level_of) or ""
    parsed.message = text
    return parsed


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1].replace('\\"', '"').replace("\\\\", "\\")
    return value


# --- plain lines ---------------------------------------------------------------------------------

_PY_BASIC = re.compile(r"(DEBUG|INFO|WARNING|ERROR|CRITICAL):([\w.<>-]*):(.*)", re.S)


def _plain(text: str, clock: Clock) -> _Parsed | None:
    when, end = timestamps.iso_start(clock).leading(text) or timestamps.leading(text, clock)
    if when is None:
        return None
    rest = text[end:].lstrip(" ,]-|")
    return _Parsed("timestamped", when, _level_in(rest), text)


def _python_basic(text: str, clock: Clock) -> _Parsed | None:
    m = _PY_BASIC.match(text)
    if not m:
        return None
    return _Parsed("python-basic", None, LEVELS[m.group(1).lower()], text, fields={"logger": m.group(2)})


def _text(text: str, clock: Clock) -> _Parsed:
    when, _ = timestamps.find(text, clock)
    # a time of day and no date: dated by --date, else the day of --now (the pipeline says so)
    name = TIME_OF_DAY if when is not None and timestamps.TIME_OF_DAY.match(text) else "text"
    return _Parsed(name, when, _level_in(text), text)


TIME_OF_DAY = "time-of-day"  # the format of a record whose stamp has no date


FORMATS: dict[str, Callable[[str, Clock], _Parsed | None]] = {
    "json": _json,
    "syslog5424": _rfc5424,
    "syslog3164": _rfc3164,
    "logfmt": _logfmt,
    "timestamped": _plain,
    "python-basic": _python_basic,
    "text": _text,
}
