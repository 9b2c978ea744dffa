"""The lines around a record that carry on its message without being framed into it.

A terminal or a console width hard-wraps a long error: the URL lands on the line after `for url:`, a
Groq body's host three lines below the `Error code: 429` line; Rich draws a traceback in a box; Docker
Compose puts a service prefix before every line. Such lines start like no record head, so the framer
makes a record of each. A record keeps, as its `context`, the lines after it up to the next line that
starts like a record head (a time, a JSON object, a level word, a traceback), and, when its own first
line starts like no head, the lines before it back to the head they continue. Matching reads the
context only to tell whose failure a record shows (attribution), never to match a rule.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from ..models import Record
from .grammar import LEVEL_WORDS, PLAIN_HEAD
from .lines import _decode_line, wrapped
from .prefixes import LOCAL_STAMP, SECOND_STAMP, after_prefix, carried_json, logfmt_message, looked_past, read_past

CONTEXT_LINES = 12  # lines taken on each side at the most
CONTEXT_CHARS = 4096  # characters taken on each side at the most
LINE_CHARS = 1024  # characters of one context line
PRIOR = 2 * CONTEXT_CHARS  # bytes of the lines before a buffer kept for the context of its first records

# The start of a line that begins a record of its own: a time (a digit), a JSON object, a bracketed or
# syslog head, a level word, a traceback. Not an indented number and a space: a line of source code under
# its number, as IPython's and Jupyter's tracebacks show the lines around a frame (`     10 client = ...`). Not an
# HTTP status and its words (`400 Budget has been exceeded!`, openai-node's `<status> <message>`): no time, and the
# lines above it (an app's report naming its model and provider) tell whose call it was.
_HEADLIKE = re.compile(
    rf"(?![ \t]+\d+ )(?!\s*[1-5]\d\d [A-Z][a-z])\s*(?:[0-9{{]|\[|<\d|(?:{'|'.join(LEVEL_WORDS)})\b"
    r"|Traceback \(|During handling of|The above exception)"
)


# Docker Desktop's logs view stamps every line of a container's output with its local time, to the second, and an
# app's own stamp to the second looks the same. A line so stamped whose text is no record of the app's (it starts
# like no head and names no level: a line of one print the platform stamped) has for context the lines just around
# it that are the same: what the program printed in that second, read without the stamp. Any other line ends it,
# unread: a line of another second, or the app's own record (`%(asctime)s - app - ERROR - ...`, a level in it).
# (and before an HTTP status and its words, as a line of one print starts: `400 Invalid 'messages[67]...'`,
# openai-node's `<status> <message>`, which is no head, above)
_SECOND = re.compile(f"{SECOND_STAMP.decode()}|{LOCAL_STAMP.decode()}(?=[1-5]\\d\\d [A-Z][a-z])")
_LEVEL_IN = re.compile(rf"\b(?:{'|'.join(LEVEL_WORDS)})\b")
LEVEL_LOOK = 60  # characters after a stamp where an app's record shows its level


# A shell's prompt before a command a terminal copy shows (PowerShell's `PS C:\\app> `, cmd's `C:\\app>`, bash's
# `user@host:~/app$ ` and Red Hat's `[user@host app]$ `, zsh's `user@host app % ` (a path or a directory's name before
# the sign: `worker@node-3 progress 100% done` is no prompt) and oh-my-zsh's `➜  app git:(main) `, a bare `$ `, each
# after a virtual environment's `(venv) `): the output of that command is below it, another command's above it. A
# record's context is its own command's output: read back to the prompt (which names the command), and on up to the
# next one.
_PROMPT = re.compile(
    r"(?:\([\w.-]{1,40}\) ){0,2}"
    r"(?:PS [A-Za-z]:\\[^>\n]{0,200}> |[A-Za-z]:\\[^>\n]{0,200}>(?=\S)"
    r"|[\w.-]{1,40}@[\w.-]{1,60}"
    r"(?::[~/][^\n$#%]{0,200}[$#%] | (?![\d.]+%)[~\w./-]{1,100}(?: \([^)\n]{1,40}\))? [$#%] |[$#] )"
    r"|\[[\w.-]{1,40}@[\w.-]{1,60} [^\]\n]{1,100}\][$#] |\$ |➜ )"
)


def prompt(text: str) -> bool:
    """Whether a line is a shell's prompt and the command typed after it."""
    return _PROMPT.match(text) is not None


# What `Around.of` reads: the record's own command's lines; on past a shell's prompt; the banner of the session the
# record is in.
# The line just before the record (PRIOR_LINE): in a log of stamped records, another record, that of the request the
# failure answered where an HTTP client logs each request (httpx's `HTTP Request: POST <url> "HTTP/1.1 400 ..."`).
OWN, PAST_PROMPT, SESSION, PRIOR_LINE = 0, 1, 2, 3

# A command-line client prints a banner when its session starts, and its own lines under it name the model and the
# provider its calls go to (OpenAI's Codex CLI: `OpenAI Codex v0.63.0 (research preview)` then `model: ...` and
# `provider: openai`; in its TUI `>_ OpenAI Codex (v0.73.0)` in a box), while the stream errors and retries it prints
# later (`stream error: exceeded retry limit, last status: 401 Unauthorized; retrying 1/5`) name neither: where a
# failure's own lines show no one's mark, the banner before it in its source tells whose session it was.
# https://github.com/openai/codex (codex-rs/exec, codex-rs/tui: the session header), checked 2026-12-06.
BANNER_NEEDLE = b"OpenAI Codex"  # what every banner holds (its line is then read by BANNER, below)
BANNER_LINES = 12  # lines of a banner's block read (Codex's header: model, provider, approval, ...)
SESSION_BYTES = 1 << 16  # a banner further back than this is no session's the record is in (another program's log)


# An app's own tag before each line of one message it writes (`[subagent-0] API call failed ...`, then `[subagent-0]
# Endpoint: https://...` on the next line, as an agent's parallel workers print theirs, in
# https://github.com/NousResearch/hermes-agent/issues/33075): a name in brackets, not a level word, a level's letter or
# short form (`[E]`, `[WRN]`, `[crit]`) or a time (a record of its own each). Where a record's first line starts with
# one, its context is the lines just after and before it under the same tag, read as they would be without it: a line
# without it (another worker's) ends it, unread; a blank line between is passed over (a web view's copy, a paste
# outside a code block, double-spaces a log: `[StardewGPT] Making request to https://api.openai.com/...`, a blank
# line, then its `[StardewGPT] Received response with status code Unauthorized`). And a process runner's number for
# each program it runs (concurrently's `[0] `, `[1] `, https://github.com/open-cli-tools/concurrently, checked
# 2026-12-07).
_SHORT_LEVELS = ("INF", "WRN", "DBG", "TRC", "FTL", "CRIT", "EMERG", "ALERT", "NOTE")  # (besides LEVEL_WORDS)
_TAG = re.compile(
    rf"\[(?!(?:{'|'.join((*LEVEL_WORDS, *_SHORT_LEVELS))}|[A-Za-z])\])(?:[A-Za-z][\w.:@/-]{{0,60}}|\d{{1,2}})\] (?=\S)",
    re.IGNORECASE,
)


# A line of another record of a stamped log whose lines start with a word, not their time (a file's or a service's name
# before it: OpenStack's `nova-api.log.1 2017-05-16 00:14:46.305 25795 INFO nova...`): its date and time, a process's
# number maybe, and a level. Such a line after a record is the log's next record, not a line the record printed: the
# context after a record ends at it (read on, a service's access line `"GET /v2/... HTTP/1.1" status: 404` took the
# OpenAI client's traceback printed ten lines below it for its own, tests/corpus/README.md).
_STAMPED_RECORD = re.compile(
    r"[^\n]{0,64}?\b\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)?"
    rf"[ \t]+(?:\[?\d{{1,10}}\]?[ \t]+)?(?:{'|'.join(LEVEL_WORDS)})\b"
)


def headlike(text: str) -> bool:
    """Whether a line starts like the head of a record (a blank line does not)."""
    return bool(text.strip()) and _HEADLIKE.match(text) is not None


# An app's label in brackets, a word or three in capitals and small letters, then its text (NextChat's server prints
# `[Proxy] ...`, `[Base Url] https://api.openai.com`, `[Org ID] is not set up.` before each call it relays, then the
# call's error bare, as in https://github.com/ChatGPTNextWeb/NextChat/issues/4601, checked 2026-12-06): read past on the
# way up from a failure (the lines of its call's report, whose base URL tells whose call failed), not on the way down
# (the next call's report). A level so written (`[Error]`) is no label, nor is a program's name before its record's
# process id and time (NestJS' `[Nest] 4242  - 03/14/2026, 10:00:01 AM`).
_LABEL = re.compile(
    rf"\s*\[(?!(?i:{'|'.join(LEVEL_WORDS)})\])[A-Z][a-z][A-Za-z]{{0,20}}(?: [A-Z][A-Za-z]{{1,20}}){{0,2}}\] (?!\s*\d)"
)


class Around:
    """The place of the record framing yielded last, for its context to be read if matching asks: the
    one object framing moves before each record it yields (matching reads a record while framing waits
    on it), so a record costs no more than that, and its context is read only when the record alone
    does not tell whose failure it shows."""

    __slots__ = ("_at", "_buffer", "_past", "_prior", "_prior_of", "_scan", "_stopped")

    def __init__(self) -> None:
        self._buffer = b""
        self._at: tuple[str, int, int, int] = ("", -1, 0, 0)  # source, first line, start, end
        self._prior = self._prior_of = b""  # the lines framed just before a buffer, and that buffer
        self._stopped = False  # the last context read stopped at a shell's prompt before the record
        self._scan: tuple[bytes | None, int, int] = (None, 0, -1)  # a buffer searched for banners up to where, the last
        self._past: tuple[bytes | None, Callable[[str], str]] = (None, after_prefix)  # a buffer, its prefixes' reader

    def at(self, buffer: bytes, start: int, end: int, record: Record) -> Record:
        """Framing: `record` spans buffer[start:end]; the record, to yield."""
        self._buffer, self._at = buffer, (record.source, record.line, start, end)
        return record

    def before(self, framed: bytes, buffer: bytes) -> None:
        """Framing: `framed` ended just before `buffer` starts (its last PRIOR bytes are kept, from a
        line's start), for the context of a record at the buffer's start."""
        tail = framed[-PRIOR:]
        cut = tail.find(b"\n") + 1 if len(framed) >= PRIOR else 0
        self._prior, self._prior_of = tail[cut:], buffer

    def of(self, record: Record, reach: int = OWN, /) -> str:
        """The context of `record` when it is the last framed (else "": it was framed elsewhere). Where its own
        command's lines showed no one's mark: PAST_PROMPT, the lines before it read on past a shell's prompt (the
        commands before it may have set its provider up; "" where no prompt stopped them); SESSION, the banner of
        the session it is in and the lines under it ("" where none is before it in its buffer); PRIOR_LINE, the line
        before it where it may be an HTTP client's line of a request to a host not OpenAI's (else "")."""
        source, line, start, end = self._at
        if record.line != line or record.source != source:
            return ""
        if reach == SESSION:
            # (not a record of a stamped log whose lines start with a name, `_STAMPED_RECORD`: another program's line,
            # no line of a terminal's session, however close a session's banner is above it)
            return "" if _STAMPED_RECORD.match(record.text, 0, LINE_CHARS) else self._session(start)
        if reach == PRIOR_LINE:  # (read only where it may be an HTTP client's line of a request to another host)
            data = self._line_before(start)
            openai = b"openai.com" in data or b"openai.azure" in data
            return _text(data) if b"HTTP/" in data and not openai else ""
        text = record.text
        newline = text.find("\n")
        prior = self._prior if self._prior_of is self._buffer else b""
        first = text if newline < 0 else text[:newline]
        if self._past[0] is not self._buffer:  # (the prefixes a buffer's lines carry, told once a buffer)
            self._past = (self._buffer, looked_past(self._buffer))
        past = self._past[1]
        if reach == PAST_PROMPT:
            return context(self._buffer, start, end, first, prior, past_prompt=True, past=past) if self._stopped else ""
        stops: list[bool] = []
        found = context(self._buffer, start, end, first, prior, stops=stops, past=past)
        self._stopped = bool(stops)
        return found

    def _session(self, start: int) -> str:
        """The last session banner's block before buffer[start:] (BANNER_LINES lines from the banner's line), where it
        is at most SESSION_BYTES before it and no shell's prompt for another command is between (looked for there only,
        and each byte once a buffer: records ask in the order of their starts)."""
        buffer = self._buffer
        low = max(0, start - SESSION_BYTES)
        scan_of, upto, last = self._scan
        if scan_of is not buffer or upto < low or upto > start:
            upto, last = low, -1
        found = _banner_line(buffer, upto, start)
        last = found if found >= 0 else last
        self._scan = (buffer, start, last)
        pos = last if last >= low else -1
        prior = self._prior if self._prior_of is buffer else b""
        if pos < 0 and prior and start < SESSION_BYTES:  # (on into the lines framed before the buffer)
            pos = _banner_line(prior, 0, len(prior))
            if pos >= 0:
                buffer = prior + buffer[:start]
                start = len(buffer)
        if pos < 0:
            return ""
        lines: list[str] = []
        taken = 0
        while pos < start:
            end = buffer.find(b"\n", pos, start)
            end = start if end < 0 else end
            text = after_prefix(_text(buffer[pos:end]))
            if lines and prompt(text) and "codex" not in text:
                return ""  # (another command's output since: the session's banner is not this record's)
            if len(lines) < BANNER_LINES and taken < CONTEXT_CHARS:
                lines.append(text)
                taken += len(text)
            pos = end + 1
        return "\n".join(lines)

    def line_before(self, record: Record) -> bytes:
        """The bytes of the line just before `record` when it is the last framed (its newline off), from
        the lines framed before its buffer where it is the buffer's first; else b""."""
        source, line, start, _ = self._at
        if record.line != line or record.source != source:
            return b""
        return self._line_before(start)

    def _line_before(self, start: int) -> bytes:
        """`line_before` of the record that starts at buffer[start:]."""
        buffer = self._buffer
        if start <= 0:
            buffer = self._prior if self._prior_of is self._buffer else b""
            start = len(buffer)
        if start <= 0:
            return b""
        return buffer[buffer.rfind(b"\n", 0, start - 1) + 1 : start - 1]


def _banner_line(buffer: bytes, low: int, high: int) -> int:
    """The start of the last line in buffer[low:high] that starts with a session's banner (after a stamp, a box's
    border or a platform's prefix: not a sentence that names the program); -1 where none does."""
    at = buffer.rfind(BANNER_NEEDLE, low, high)
    while at >= 0:
        line = max(low, buffer.rfind(b"\n", low, at) + 1)
        end = buffer.find(b"\n", at, high)
        text = after_prefix(_text(buffer[line : high if end < 0 else end]))
        if BANNER.match(text):
            return line
        at = buffer.rfind(BANNER_NEEDLE, low, at)
    return -1


# A banner's line: what may come before it (a stamp in brackets, a box's border and Codex's `>_`, a bullet), then
# `OpenAI Codex v0.63.0`, `OpenAI Codex (v0.73.0)` or `OpenAI Codex (research preview)`
BANNER = re.compile(
    r"[^A-Za-z\n]{0,12}(?:\[[^\]\n]{1,40}\][^A-Za-z\n]{0,4})?(?:>_ ?)?OpenAI Codex (?:v\d|\(v\d|\(research preview\))"
)


def context(
    buffer: bytes,
    start: int,
    end: int,
    first: str,
    prior: bytes = b"",
    past_prompt: bool = False,
    stops: list[bool] | None = None,
    past: Callable[[str], str] = after_prefix,
) -> str:
    """The context of the record whose lines span buffer[start:end] (end: past its last newline, or the
    buffer's end), its first line's text `first`; `prior`: lines that came just before the buffer. The lines
    before it stop at a shell's prompt (its command's), unless `past_prompt`; `stops` gets a True if they did.
    `past`: a line's text after the prefix its platform wrote (`prefixes.looked_past` of the buffer)."""
    exported = carried_text(first)
    shown = exported if exported is not None else past(first)
    stamp = _second_stamp(shown)
    own = shown[len(stamp) :]
    tagged = _TAG.match(own)
    introduced = None  # whether a fence or a colon introduces the record's JSON body, where that was asked
    second = _SECOND.match(shown) if tagged is None and not stamp else None
    if second is not None:
        # (Docker Desktop's stamp before an app's tag, or before a JSON body a fence or a colon introduces: the lines
        # of that second)
        rest = shown[second.end() :]
        tagged = _TAG.match(rest)
        if rest[:1] == "{" and tagged is None:
            introduced = _introduced(buffer, start, prior, past)
        if tagged is not None or introduced:
            stamp, own = shown[: second.end()], rest
    tag = tagged[0] if tagged is not None else ""
    own = own[len(tag) :]
    # (not a record of a log whose lines start with a name before their stamp: a head of its own, as a stamp first is)
    reads = (start > 0 or prior) and (
        (not headlike(own) and not _STAMPED_RECORD.match(own))
        or (own[:1] == "{" and (introduced if introduced is not None else _introduced(buffer, start, prior, past)))
    )
    before = list(_before(buffer, start, prior, stamp, not past_prompt, stops, tag, past)) if reads else []
    after = list(_after(buffer, end, stamp, tag, past)) if end < len(buffer) else []
    return "\n".join([*reversed(before), *after])


def _introduced(buffer: bytes, start: int, prior: bytes, past: Callable[[str], str] = after_prefix) -> bool:
    """Whether the line before buffer[start:] ends with a colon, or opens a Markdown code block: it introduces the
    JSON object that starts there, an error's body printed on the line after its message (`exhausted retries: 429 Too
    Many Requests:`, then `{"error":{...}}`) or pasted under the report that names its model and provider (an app's
    `Provider: azure`, `**Error Output**`, then the body in a fence), which is no record of its own (a JSON log's line
    is, whatever is above it)."""
    if start <= 0:
        buffer, start = prior, len(prior)
    if start <= 0:
        return False
    # (the line as read, after the prefix a platform puts on each line: `stderr F`, `[pod/x/app] `, Docker Desktop's
    # stamp to the second)
    line_start = buffer.rfind(b"\n", 0, start - 1) + 1
    line = past(_text(buffer[line_start : start - 1]))
    second = _SECOND.match(line)
    line = line[second.end() if second is not None else 0 :].strip()
    if line.endswith(":"):
        return True
    if not line:
        return _after_headers(buffer, line_start, past)
    # (a fence that opens a block, not one that closes the block above it: the fences before it, back to where a
    # session's lines are looked for, are even in number)
    return (
        _FENCE.fullmatch(line) is not None
        and len(_FENCES.findall(buffer, max(0, line_start - SESSION_BYTES), line_start)) % 2 == 0
    )


def _after_headers(buffer: bytes, blank: int, past: Callable[[str], str] = after_prefix) -> bool:
    """Whether the lines above the blank line at buffer[blank:] are an HTTP response's status line and its headers
    (`curl -i`'s, `curl -D -`'s, HTTPie's output), each read after the prefix its platform wrote: the JSON object
    after them is that response's body, read with the command above them that names where it went (`curl -D -
    http://localhost:11434/v1/chat/completions`)."""
    end = blank
    for _ in range(HEADER_LINES):
        if end <= 0:
            return False
        start = buffer.rfind(b"\n", 0, end - 1) + 1
        line = past(_text(buffer[start:end].rstrip(b"\r\n")))
        if _STATUS_LINE.match(line):
            return True
        if not _HEADER_LINE.match(line):
            return False
        end = start
    return False


HEADER_LINES = 40  # an HTTP response's headers looked through for its status line, at the most
_STATUS_LINE = re.compile(r"[ \t]*HTTP/\d(?:\.\d)? [1-5]\d\d\b")
_HEADER_LINE = re.compile(r"[ \t]*[A-Za-z][\w-]{0,79}:(?:[ \t]|$)")  # (a header's value may be empty)

_FENCE = re.compile(r"(?:```|~~~)[\w+-]{0,20}")  # a Markdown fence (```json)
# (the lines of fences, after any prefix a platform puts on them)
_FENCES = re.compile(rb"(?m)^[^\n]{0,80}?" + _FENCE.pattern.encode() + rb"[ \t]*\r?$")


def _second_stamp(shown: str) -> str:
    """The line's stamp to the second (with its space) where the text after it is a printed line's, no record's of
    the app; else ""."""
    m = _SECOND.match(shown)
    return shown[: m.end()] if m is not None and _printed(shown[m.end() :]) else ""


def _printed(text: str, labels: bool = False) -> bool:
    """Whether a line's text after its stamp is a printed line's: no head's start (but an app's label in brackets,
    where `labels`), no level word near it."""
    head = headlike(text) and not (labels and _LABEL.match(text) is not None)
    return not head and _LEVEL_IN.search(text, 0, LEVEL_LOOK) is None


def _in_second(text: str, stamp: str, labels: bool = False) -> str | None:
    """A line's text without the record's stamp when it is a printed line of that second (an app's label in brackets
    is one, where `labels`: on the way up from a failure, as bare, `_LABEL`); else None."""
    # (a blank line of that second: its stamp's space gone with the line's end, or the stamp taken off it with the
    # prefix of a line that carries on a record, prefixes.taken_off)
    if text == stamp.rstrip() or not text:
        return ""
    if not text.startswith(stamp):
        # (a line of that second that carries on a record, its stamp taken off with the prefix too: a stack's frame,
        # indented, as `prefixes._STAMP_CONTINUES` takes it; a line of another second keeps its stamp, and a traceback's
        # marker, `Traceback (most recent call last):`, starts a record as it does bare)
        return text if text.startswith(("\t", "  ")) else None
    rest = text[len(stamp) :]
    return rest if _printed(rest, labels) else None


def _before(
    buffer: bytes,
    start: int,
    prior: bytes = b"",
    stamp: str = "",
    prompts: bool = True,
    stops: list[bool] | None = None,
    tag: str = "",
    past: Callable[[str], str] = after_prefix,
) -> Iterator[str]:
    taken = 0
    for _ in range(CONTEXT_LINES):
        if start <= 0 and prior:  # on into the lines before the buffer
            buffer, start, prior = prior, len(prior), b""
        if start <= 0 or taken >= CONTEXT_CHARS:
            return
        line_start = buffer.rfind(b"\n", 0, start - 1) + 1
        text = past(_text(buffer[line_start : start - 1]))
        if tag:  # (only the lines of the record's tag, without it, and of its second where a stamp is before it)
            if not text.strip():  # (a blank line between them: a web view's copy double-spaces a log)
                start = line_start
                continue
            under = _tagged(text, stamp, tag)
            if under is None:
                return
            text = under
        elif stamp:  # (only the printed lines of the record's second)
            printed = _in_second(text, stamp, labels=True)
            if printed is None:
                return
            text = printed
        taken += len(text)
        yield read_past(text)
        if (headlike(text) and _LABEL.match(text) is None) or _STAMPED_RECORD.match(text):
            return
        if prompts and prompt(text):
            if stops is not None:
                stops.append(True)
            return
        start = line_start


def _after(
    buffer: bytes, end: int, stamp: str = "", tag: str = "", past: Callable[[str], str] = after_prefix
) -> Iterator[str]:
    taken = 0
    body = False  # the line before was .NET's `Content:`: this one is the answer's body, not a record's head
    for _ in range(CONTEXT_LINES):
        if end >= len(buffer) or taken >= CONTEXT_CHARS:
            return
        line_end = buffer.find(b"\n", end)
        text, exported = _read(buffer[end : line_end if line_end >= 0 else len(buffer)])
        shown = past(text)
        if tag:  # (only the lines of the record's tag, without it, and of its second where a stamp is before it)
            if not shown.strip() and line_end >= 0:  # (a blank line between them, as above)
                end = line_end + 1
                continue
            under = _tagged(shown, stamp, tag)
            if under is None:
                return
            shown = under
        if stamp and not tag:  # (only the printed lines of the record's second)
            printed = _in_second(shown, stamp)
            if printed is None:
                return
            shown = printed
        # a line that starts like a head ends the context, unless it is one under a platform's prefix or a line
        # of its JSON export (prefixes.py), or the body after .NET's `Content:`
        else:
            head = (PLAIN_HEAD.match(buffer, end) and shown is text and not exported) or headlike(shown)
            if (head and not (body and shown.lstrip().startswith(("{", "[")))) or prompt(shown):
                return
            if _STAMPED_RECORD.match(shown):
                return
        body = shown.strip() == "Content:"
        taken += len(shown)
        yield read_past(shown)  # a platform's prefix off, as the record's own lines have it off
        if line_end < 0:
            return
        end = line_end + 1


def _tagged(text: str, stamp: str, tag: str) -> str | None:
    """A line's text after the record's stamp (if it has one) and tag, where the line has both; else None."""
    if not text.startswith(stamp) or not text.startswith(tag, len(stamp)):
        return None
    return text[len(stamp) + len(tag) :]


def carried_text(line: str) -> str | None:
    """The line of a program's output that a platform's record of it carries (a JSON line's text field: journald's
    MESSAGE, Cloud Logging's textPayload, an ECS document's message; a logfmt line's quoted msg), or None."""
    if line[:1] == "{":
        return carried_json(line)
    return logfmt_message(line)


def _text(data: bytes) -> str:
    """A line's text as context reads it: a runtime's wrapper taken off, a JSON export's line its text."""
    return _read(data)[0]


def _read(data: bytes) -> tuple[str, bool]:
    """`_text` of the line, and whether it was a line of a platform's JSON export."""
    text = _decode_line(data[: LINE_CHARS * 4])
    line = wrapped(text)
    text = line.text if line is not None else text
    exported = carried_text(text)
    return (exported if exported is not None else text)[:LINE_CHARS], exported is not None
