"""A log tool's export: as CSV, each row's message read as the line it was, as a JSON line of the row's time,
level and message (`prefixes` then takes it as it takes a platform's JSON export of a program's lines); as
pretty-printed JSON, each log entry as one JSON line (`compacted`, below).

An on-call engineer often has the failing hour as a log tool's download rather than as the log: Datadog's
Log Explorer, Kibana's Discover (its CSV report), Grafana's Explore, CloudWatch Logs Insights and Google Cloud's
Logs Explorer each save the lines they show as CSV, a row a log line (or a whole multi-line event in one quoted
field), RFC 4180's quoting: a field with a comma, a quote or a line break in double quotes, each quote in it
doubled (`""error""`). Read as lines, those doubled quotes hide every error body's shape and the columns before
the message hide a traceback's indent. https://www.rfc-editor.org/rfc/rfc4180 (checked 2026-12-07).

The columns are told by the header where the block has one (`timestamp,severity,message`, `@timestamp,@message`,
`Date,Host,Service,Message`), else (a big export's blocks after its first, 4 MiB each) by their values in the
block's first rows, where half of them have a field quoted whole: the time the first field that reads as one, the
level the first that is a level's word, the message the longest of the others on average.
"""

from __future__ import annotations

import csv
import functools
import json
import re
from dataclasses import dataclass

# the columns' names, lower-cased, by what they hold (first found wins)
_MESSAGE = ("message", "@message", "msg", "_raw", "textpayload", "log", "content", "line", "body", "text", "raw")
_TIME = ("timestamp", "@timestamp", "time", "_time", "date", "datetime", "ts", "receivetimestamp")
_LEVEL = ("level", "severity", "loglevel", "log.level", "levelname", "log_level", "status")
_NAME = re.compile(r"[\w@.:/ -]{1,64}")
# a time's value: ISO's date, Kibana's `Mar 1, 2026 @ ...`, syslog's `Mar  1 10:00:00`, `03/01/2026`, `2026/03/01`, a
# time of day alone, epoch seconds or milliseconds
_TIME_VALUE = re.compile(
    r"\s*(?:\d{4}[-/]\d\d[-/]\d\d|[A-Z][a-z]{2} +\d{1,2}(?:, \d{4}| \d\d:\d\d)|\d{1,2}/\d{1,2}/\d{2,4}\b"
    r"|\d{1,2}:\d\d:\d\d|\d{10,13}(?:\.\d+)?$)"
)
_LEVEL_VALUE = re.compile(
    r"(?i)(?:trace|debug|info|information|notice|warn|warning|error|err|critical|crit|fatal|emergency|alert)"
)
# a field quoted whole: a row's sign (a line of another log holds a quote inside a word or a JSON object's key)
# (possessive: a quote after a field's closing one is no CSV, so each start is read once, in time linear in the line)
_QUOTED = re.compile(rb'(?:^|,)"(?:[^"\n]|"")*+"(?:,|\r?$)')
# the key of a row's message in its JSON line: Azure Container Apps' log stream's, which `prefixes` and context read
# as a platform's export of a program's line (all of the line the program's, as each row's message is): a row that
# carries on a record loses its time and level, and context reads on past the rows (with `message`, a JSON logger's
# own record, of the corpus under `wrapped.py csv-rows` 102 positives lost and 32 negatives hit; with this, 13 and 13)
MESSAGE_KEY = "Log"
_MIN_FIELDS = 2
_MAX_FIELDS = 256
RESYNCS = 16  # rows of another shape over several lines read again a block (each read again to the block's end)
_FIELD_CHARS = 1 << 20  # a longer field stops the reader: the rest of the block is left as it was
# (csv's own limit, 128 KiB by default, is less than a long record's: raised for the process)
csv.field_size_limit(max(csv.field_size_limit(), _FIELD_CHARS))


@dataclass(frozen=True, slots=True)
class Columns:
    """Where a block's rows hold their time, level and message (-1: no such column), how many fields a row
    has, and the header's names as it has them (none: the block has no header)."""

    fields: int
    message: int
    time: int = -1
    level: int = -1
    header: tuple[str, ...] = ()


def columns(sample: list[bytes]) -> Columns | None:
    """The columns of a CSV export whose first lines (not blank) are `sample`, or None where they are no
    export's rows."""
    lines = [line.decode("utf-8", "replace").rstrip("\r") for line in sample]
    if len(lines) < 2:
        return None
    rows = _rows(lines)
    if rows is None:
        return None
    head = rows[0]
    names = [name.strip().lower() for name in head]
    if all(_NAME.fullmatch(name) for name in names) and any(name in _MESSAGE for name in names):
        at = _named(names, _TIME)  # (a row's line that its line breaks split off is no row of it)
        body = [row for row in rows[1:] if len(row) == len(head) and (at < 0 or _TIME_VALUE.match(row[at]))]
        if len(body) * 2 < len(rows) - 1 or not body:
            return None
        return Columns(len(head), _named(names, _MESSAGE), at, _level_column(names, body), header=tuple(head))
    width = max(set(map(len, rows)), key=[len(row) for row in rows].count)
    body = [row for row in rows if len(row) == width]
    quoted = sum(1 for line in sample if _QUOTED.search(line))
    if width < 3 or len(body) * 2 < len(rows) or quoted * 2 < len(lines):
        return None
    times = [i for i in range(width) if all(_TIME_VALUE.match(row[i]) for row in body)]
    if not times:
        return None
    levels = [i for i in range(width) if all(_LEVEL_VALUE.fullmatch(row[i]) for row in body)]
    level = levels[0] if levels else -1
    others = [i for i in range(width) if i not in (times[0], level)]
    message = max(others, key=lambda i: sum(len(row[i]) for row in body))
    return Columns(width, message, times[0], level)


def fits(sample: list[bytes], cols: Columns) -> bool:
    """Whether two of the first lines (not blank) at least start rows of `cols`' (their width, a time in its
    column): a later block of the export whose header told them (a row's line breaks may take most lines)."""
    starts = 0
    for line in sample:
        try:
            row = next(csv.reader([line.decode("utf-8", "replace").rstrip("\r")], strict=False), [])
        except csv.Error:
            continue
        starts += _row_of(row, cols)
    return starts >= 2


def _row_of(row: list[str], cols: Columns) -> bool:
    """Whether the row is one of `cols`' (its width, a time in the time column; not the header)."""
    return (
        len(row) == cols.fields
        and (cols.time < 0 or _TIME_VALUE.match(row[cols.time]) is not None)
        and tuple(row) != cols.header
    )


def _rows(lines: list[str]) -> list[list[str]] | None:
    """The sample's lines as rows of fields (a line that is none, or a row's part, left out), or None where
    fewer than two are rows of 2 to 256 fields."""
    rows: list[list[str]] = []
    for line in lines:
        try:
            rows.extend(csv.reader([line], strict=True))
        except csv.Error:  # (a quoted line break's line: a row's part)
            continue
    rows = [row for row in rows if _MIN_FIELDS <= len(row) <= _MAX_FIELDS]
    return rows if len(rows) >= 2 else None


def _named(names: list[str], wanted: tuple[str, ...]) -> int:
    return next((names.index(name) for name in wanted if name in names), -1)


def _level_column(names: list[str], body: list[list[str]]) -> int:
    """The header's level column: a level's name whose values are levels' words (Datadog's `status` is the
    level; another export's `status` is an HTTP status)."""
    for name in _LEVEL:
        if name in names:
            at = names.index(name)
            if all(not row[at] or _LEVEL_VALUE.fullmatch(row[at]) for row in body):
                return at
    return -1


def as_json_lines(block: bytes, cols: Columns) -> bytes:
    """The block with each row of `cols`' shape as a JSON line (its time, level and message), the lines a
    row's quoted line breaks took kept as blank lines after it (each later line keeps its number); a line that
    is no such row (the header, a row cut at the block's start, a line of another shape) as it was. A row of
    another shape that took several lines (a quote that opened no field, as a row cut at the block's start
    leaves) gives back all but its first, read again (RESYNCS times a block, at most)."""
    text = block.decode("utf-8", "surrogateescape")
    parts = text.split("\n")  # (lines end at a newline only: not splitlines', which ends one at a `\r` too)
    lines = [part + "\n" for part in parts[:-1]] + ([parts[-1]] if parts[-1] else [])
    out: list[str] = []
    done, resyncs = 0, RESYNCS
    while done < len(lines):
        start = done
        reader = csv.reader(lines[start:], strict=False)
        try:
            for row in reader:
                taken = lines[done : start + reader.line_num]
                if _row_of(row, cols):
                    out.append(_json_line(row, cols) + "\n" * max(1, len(taken)))
                elif len(taken) > 1 and resyncs > 0:
                    out.append(taken[0])
                    done, resyncs = done + 1, resyncs - 1
                    break
                else:
                    out.extend(taken)
                done = start + reader.line_num
            else:
                break
        except csv.Error:  # a field past csv's limit: the rest as it was
            break
    out.extend(lines[done:])
    converted = "".join(out)
    if text and not text.endswith("\n") and converted.endswith("\n"):
        converted = converted[:-1]
    return converted.encode("utf-8", "surrogateescape")


def _json_line(row: list[str], cols: Columns) -> str:
    record: dict[str, str] = {}
    if cols.time >= 0:
        record["time"] = row[cols.time]
    if cols.level >= 0:
        record["level"] = row[cols.level]
    record[MESSAGE_KEY] = row[cols.message].replace("\r\n", "\n")
    return json.dumps(record, ensure_ascii=False)


# A log tool's JSON download, pretty-printed: Cloud Logging's (`gcloud logging read --format=json`, the Logs Explorer's
# download: an array of LogEntry objects, each with its `timestamp` and its `textPayload` or `jsonPayload`), CloudWatch
# Logs' (`aws logs filter-log-events`: `{"events": [{"timestamp": ..., "message": ...}]}`), as people paste one entry
# too; and journald's entries as `journalctl -o json-pretty` prints them (`__REALTIME_TIMESTAMP`, `MESSAGE`, 8 spaces).
# https://cloud.google.com/logging/docs/reference/v2/rest/v2/LogEntry,
# https://docs.aws.amazon.com/cli/latest/reference/logs/filter-log-events.html (checked 2026-12-07),
# https://www.freedesktop.org/software/systemd/man/latest/journalctl.html (`json-pretty`; checked 2026-12-08). Each
# object whose braces stand alone on their lines at one indent (8 spaces at most) and that is a log entry (a time and a
# message or an error at its top) is one JSON line, the lines it took given back as blank lines after its run
# (`compacted`); any other object as it was.
_OPEN = re.compile(rb"(?m)^([ \t]{0,8})\{[ \t]*\r?$")
_ENTRY_TIME = (
    "timestamp",
    "time",
    "@timestamp",
    "ts",
    "Timestamp",
    "TimeStamp",
    "receiveTimestamp",
    "__REALTIME_TIMESTAMP",
    "_SOURCE_REALTIME_TIMESTAMP",
)
_ENTRY_TEXT = ("textPayload", "jsonPayload", "message", "msg", "Message", "log", "Log", "MESSAGE", "error", "exception")
_PRETTY_KEY = re.compile(rb'^[ \t]{2,24}"(?:' + b"|".join(k.encode() for k in _ENTRY_TIME) + rb')"[ \t]*:')


def pretty(sample: list[bytes]) -> bool:
    """Whether the first lines (not blank) are of a pretty-printed JSON log entry: an object's brace alone on
    its line, and an entry's time key."""
    return any(_OPEN.match(line) for line in sample) and any(_PRETTY_KEY.match(line) for line in sample)


def compacted(block: bytes) -> bytes:
    """The block with each pretty-printed log entry (`pretty`) as one JSON line. The lines an entry took are
    kept as blank lines after the run of entries it is in (an array's: a blank line between two entries would
    end a record whose lines the entries carry on, as Cloud Run's stderr is an entry a line), so an entry is
    numbered by its place in its run, from the run's first line, and every line after the run keeps its number."""
    out: list[bytes] = []
    at = pending = 0  # (lines an entry took that are not yet given back)
    unclosed: set[bytes] = set()  # indents with no closing brace after an opening one: none later either
    for opening in _OPEN.finditer(block):
        indent = opening.group(1)
        if opening.start() < at or indent in unclosed:
            continue
        closing = _closing(indent).search(block, opening.end())
        if closing is None:
            unclosed.add(indent)
            continue
        chunk = block[opening.start() : closing.end()]
        entry = _entry(chunk.rstrip(b" \t\r").removesuffix(b","))
        if entry is None:
            continue
        gap = block[at : opening.start()]
        if pending and gap.strip():  # (the run ended before this entry: its lines given back where it did)
            out.append(b"\n" * pending)
            pending = 0
        out += [gap, entry]
        pending += chunk.count(b"\n")
        at = closing.end()
    if not out:
        return block
    end = block.find(b"\n", at)  # (given back after the last entry's own line)
    end = len(block) if end < 0 else end + 1
    out += [block[at:end], b"\n" * pending, block[end:]]
    return b"".join(out)


@functools.lru_cache(maxsize=16)
def _closing(indent: bytes) -> re.Pattern[bytes]:
    return re.compile(rb"(?m)^" + re.escape(indent) + rb"\}[ \t]*+,?[ \t]*+\r?$")


def _entry(chunk: bytes) -> bytes | None:
    """The object's text as one JSON line where it is a log entry, else None."""
    try:
        obj = json.loads(chunk)
    except (ValueError, RecursionError):
        return None
    if not isinstance(obj, dict) or not any(k in obj for k in _ENTRY_TIME) or not any(k in obj for k in _ENTRY_TEXT):
        return None
    try:
        return json.dumps(obj, ensure_ascii=False).encode()
    except UnicodeEncodeError:  # (a lone surrogate its text escaped, `\ud800`: kept escaped)
        return json.dumps(obj).encode()
