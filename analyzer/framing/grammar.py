"""The record grammar, written once: which wrappers a line may have and which lines continue the
record before them. Everything else framing and the prefilter know of it is derived here, below the
entries: the triggers (the lines that are not plain one-line records), the needles the regex
prefilter looks for, the first bytes that make a line worth a closer look, the patterns of the
lines that surely are heads, and the pattern context reads heads by. tests/test_grammar.py checks
every derived form against the full framer (lines.py: unwrap and kind).

Adding a wrapper or a continuation means an entry here (and its tests); see the README's
contributor section.
"""

from __future__ import annotations

import re

# --- the entries --------------------------------------------------------------------------------

# A line that starts with one of these continues the record before it (a Python traceback, chained).
TRACEBACK = "Traceback (most recent call last)"
# (Julia's REPL and scripts print `ERROR: <message>`, then `Stacktrace:` and the numbered frames under it: Base's
# display of an error, https://docs.julialang.org/en/v1/manual/stacktraces/)
CHAINS = (
    "During handling of the above exception",
    "The above exception was the direct cause",
    "Caused by: ",
    "Stacktrace:",
)
INDENT = " \t"  # a line that starts with one of these (and holds something) continues the record before it
# The level words a record's head starts with (after its time, if any), upper case: a line that starts with
# one is no continuation (context.py, prefixes.py)
LEVEL_WORDS = ("TRACE", "DEBUG", "INFO", "NOTICE", "WARN", "WARNING", "ERROR", "ERR", "CRITICAL", "FATAL", "SEVERE")

# Kubernetes CRI: `<RFC 3339 stamp> <stream> <P|F> <text>`; P: a partial line, its rest on the next.
CRI_STAMP = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)"
CRI_STREAMS = ("stdout", "stderr")
CRI_PARTIAL, CRI_FULL = "P", "F"
# `docker logs -t` and `docker compose logs -t`: `<RFC 3339 stamp with nine fractional digits>Z <text>`
# (Docker's RFC3339NanoFixed, https://github.com/moby/moby, pkg/jsonmessage): a stamp before every line, a
# traceback's lines included.
DOCKER_STAMP = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z"
# Docker's json-file driver: `{"log":"<text>\n","stream":...,"time":...}`; a log value without its
# newline at the end is a partial line.
DOCKER_PREFIX = '{"log":'
# The usual dated head: a date then a space (where every CRI line has a T).
PLAIN_DATE = r"\d{4}-\d\d-\d\d "

# --- derived -----------------------------------------------------------------------------------


def _byte_class(values: frozenset[int] | bytes) -> bytes:
    """The inside of a pattern's [...] for these bytes: runs of three or more as ranges, control and
    non-ASCII bytes as escapes (`\\t`, `\\x80`), the class's own metacharacters escaped."""
    ordered = sorted(set(values))
    runs: list[list[int]] = []
    for value in ordered:
        if runs and runs[-1][1] == value - 1:
            runs[-1][1] = value
        else:
            runs.append([value, value])
    out = []
    for low, high in runs:
        if high - low >= 2:
            out.append(_class_byte(low) + b"-" + _class_byte(high))
        else:
            out += [_class_byte(v) for v in range(low, high + 1)]
    return b"".join(out)


def _class_byte(value: int) -> bytes:
    named = {9: rb"\t", 10: rb"\n", 13: rb"\r"}
    if value in named:
        return named[value]
    if value < 0x20 or value >= 0x7F:
        return b"\\x%02x" % value
    return b"\\" + bytes([value]) if bytes([value]) in b"\\]^-[" else bytes([value])


MARKERS = (TRACEBACK, *CHAINS)  # a line that starts so continues the record before it
_MARKERS = "|".join(re.escape(m) for m in MARKERS).encode()
_STREAMS = "|".join(CRI_STREAMS).encode()
_DOCKER = re.escape(DOCKER_PREFIX).encode()

# The Python pattern of a CRI line: stamp, stream, tag and text.
CRI_LINE = re.compile(
    rf"({CRI_STAMP}) ({'|'.join(CRI_STREAMS)}) ([{CRI_FULL}{CRI_PARTIAL}])(?: (.*)|$)",
    re.S,
)
# The Python pattern of a line of `docker logs -t`: stamp and text.
DOCKER_STAMPED = re.compile(rf"({DOCKER_STAMP})(?: (.*)|$)", re.S)

# Any line that is not a plain one-line record has one of these at its start (multi-line mode), but a
# blank one (spaces and tabs, and a CR at its end): that joins the record before it, and framing counts
# them all at once (lines.BLANK_RUN). An indented line has something in it, a CR included when anything
# follows it.
INDENTED = rb"[" + _byte_class(INDENT.encode()) + rb"]+(?:[^ \t\r\n]|\r[^\n])"
_UNINDENTED = (
    _MARKERS
    # a CRI partial line, or a full one whose text is empty or starts like a continuation
    + rb"|\S+ (?:"
    + _STREAMS
    + rb") (?:"
    + CRI_PARTIAL.encode()
    + rb"(?: |\r?$)|"
    + CRI_FULL.encode()
    + rb"(?:\r?$| (?:["
    + _byte_class(INDENT.encode())
    + rb"]|\r?$|"
    + _MARKERS
    + rb")))"
    # a Docker line whose log value starts like a continuation (a space may follow the colon, a space or
    # tab be escaped), or does not end in \n: split, the rest of it on the next line
    + rb"|"
    + _DOCKER
    + rb'[ \t\r]*"(?:[ \t]|\\[tnr]|\\u00(?:20|09)|'
    + _MARKERS
    + rb")"
    + rb"|"
    + _DOCKER
    + rb'[ \t\r]*"(?:(?:[^"\\\n]|\\.)*(?:[^"\\\n]|\\[^n]))?"'
)
# a `docker logs -t` line whose text is empty or starts like a continuation
_DOCKER_T = DOCKER_STAMP.encode() + rb"(?:\r?$| (?:[" + _byte_class(INDENT.encode()) + rb"]|\r?$|" + _MARKERS + rb"))"
TRIGGERS = rb"^(?:" + INDENTED + rb"|" + _UNINDENTED + rb"|" + _DOCKER_T + rb")"
# The same lines for Hyperscan, which finds an indented line after a newline (or at the start) faster
# than at ^ among the others: 28 ms for 91 MB, as fast as the [ \t] of a blank line too; 35 ms at ^.
# A `docker logs -t` line is not among them: its stamp at ^, on every line of a log whose own stamps start
# with a date, took a third of the database's scan (17 -> 11 ms for 16 MB of a healthy day); Hyperscan
# finds the literals after its Z (STAMP_NEEDLES) instead, and the line is checked with TRIGGERS.
TRIGGER_PARTS = (rb"^(?:" + _UNINDENTED + rb")", rb"\n" + INDENTED, rb"\A" + INDENTED)

# What a `docker logs -t` line that TRIGGERS matches holds after its stamp: its Z, then the line's end, or a
# space and a continuation's first byte (at a buffer's end, the line may end in its Z or a space: no newline)
STAMP_NEEDLES = [
    b"Z" + end for end in (b"\n", b"\r", b" \n", b" \r", b"  ", b" \t", *(b" " + m.encode() for m in MARKERS))
]
STAMP_ENDS = (b"Z", b"Z ")

# Every line TRIGGERS matches but an indented one holds one of these (a newline before its first byte,
# or its CRI stream and tag), but the first line of a buffer, which is checked on its own.
_STREAM_TAGS = [f" {stream} ".encode() for stream in CRI_STREAMS]
_DOCKER_AFTER = (b'"', b" ", b"\t", b"\r")  # what may follow the prefix's colon in a trigger
TRIGGER_NEEDLES = [
    *(b"\n" + DOCKER_PREFIX.encode() + after for after in _DOCKER_AFTER),
    *STAMP_NEEDLES,
    *(b"\n" + m.encode() for m in MARKERS),
    *(tag + CRI_PARTIAL.encode() + end for tag in _STREAM_TAGS for end in (b" ", b"\n", b"\r")),
    *(tag + CRI_FULL.encode() + end for tag in _STREAM_TAGS for end in (b"\n", b"\r")),
    *(
        tag + CRI_FULL.encode() + b" " + end
        for tag in _STREAM_TAGS
        for end in (b" ", b"\t", b"\r", b"\n", *(m.encode() for m in MARKERS))
    ),
]

# Fast paths on raw bytes, for the lines nearly every log is made of. Each one only ever answers what
# the full path (decode, unwrap, kind) would; where it cannot tell, the full path decides.
PLAIN_DATED = re.compile(PLAIN_DATE.encode())
CRI_HEAD = re.compile(  # a full CRI line whose text starts with a digit: a head
    CRI_STAMP.encode() + rb" (?:" + _STREAMS + rb") " + CRI_FULL.encode() + rb" \d"
)
# The first bytes of wrappers (a digit, a brace), continuations (indents, markers) and blank lines; and
# of non-ASCII text, where "\d" sees more digits: a line that starts otherwise is surely a head.
_DIGITS = b"0123456789"
NEEDS_LOOK = frozenset(
    (INDENT + "\r\n").encode() + DOCKER_PREFIX[:1].encode() + _DIGITS + bytes({ord(m[0]) for m in MARKERS})
) | frozenset(range(0x80, 0x100))


# A whole Docker json-file line (its text ended by a newline: no partial line) whose text starts with a byte
# that needs no look (no escape, no indent, no marker, no digit) or with a date and a space: a head. Only
# Docker's own three fields, in its order (`{"log":...,"stream":...,"time":...}`), and its text one JSON
# string (runs of plain bytes, each escape a backslash and the byte after it, the last one `\n`: no quote
# but escaped ones, so no second "log" key can follow it), so the line is what `lines.wrapped` reads it as,
# or, where an escape is not JSON's, a line no wrapper takes: a head too.
DOCKER_HEAD = (
    re.escape(DOCKER_PREFIX).encode()
    + rb'"(?:[^'
    + _byte_class(NEEDS_LOOK | frozenset(b'"\\'))
    + rb"]|"
    + PLAIN_DATE.encode()
    + rb')(?:[^"\\\n]*\\[^\n])*?[^"\\\n]*\\n","stream":"(?:'
    + "|".join(CRI_STREAMS).encode()
    + rb')","time":"[^"\\\n]*"\}\r?(?=\n|\Z)'
)
DOCKER_SIMPLE = re.compile(DOCKER_HEAD)

# `lines._simple_head` as a pattern, at a line's start: a byte that needs no look, a JSON object that is
# no Docker line, a plain dated head, a full CRI line whose text starts with a digit or a whole Docker line
# whose text starts with a byte that needs no look.
SIMPLE_HEAD = (
    rb"(?:[^"
    + _byte_class(NEEDS_LOOK)
    + rb"]|"
    + re.escape(DOCKER_PREFIX[:1]).encode()
    + rb"(?!"
    + re.escape(DOCKER_PREFIX[1:]).encode()
    + rb")|"
    + PLAIN_DATED.pattern
    + rb"|"
    + CRI_HEAD.pattern
    + rb"|"
    + DOCKER_HEAD
    + rb")"
)

# For context (context.py): a line that starts with a digit or a brace, and is no CRI line (a stamp with
# a T) or Docker line (whose text may be anything), starts like a head.
PLAIN_HEAD = re.compile(
    rb"[0-9](?![0-9]{3}-[0-9]{2}-[0-9]{2}T)|"
    + re.escape(DOCKER_PREFIX[:1]).encode()
    + rb"(?!"
    + re.escape(DOCKER_PREFIX[1:]).encode()
    + rb")"
)
