"""Prefixes a platform writes before every line of a program's output, and taken off the lines that
carry on a record.

Heroku, Fly.io, journald, syslog, `kubectl logs --prefix`, stern, Docker Compose (and a swarm's `docker service
logs`), a process runner (concurrently, Skaffold, Turborepo), a JetBrains IDE's idea.log and a CI runner's (or
`kubectl logs --timestamps`') stamp put their own head before each line a program writes, the lines of
a traceback included, so every line starts like a record's head and a traceback falls apart into one
record a line: its exception line no longer beside the frames that show whose call failed. journald's
JSON export (`journalctl -o json`) does the same with one object a line.

A block's first lines tell which of these prefixes it has (`active`); on the lines whose rest continues
a record (indented, blank, a traceback's markers: `framing.grammar`), the prefix is taken off, so
framing joins them to the record before, as it would in the program's own output. A record's first line
keeps its prefix: its time, host, pod or dyno stay in its evidence. Lines keep their places (no newline
is added or removed), so line numbers are the file's.

Formats, checked 2026-12-05: Heroku `<RFC 3339> <source>[<dyno>]: <message>`,
https://devcenter.heroku.com/articles/logging#log-format; Fly.io `<RFC 3339> app[<machine>] <region>
[<level>] <message>`, https://fly.io/docs/monitoring/logging-overview/; journalctl's short, short-precise
and short-iso outputs and its JSON export (MESSAGE, one entry a line written to stdout),
https://www.freedesktop.org/software/systemd/man/latest/journalctl.html#-o; RFC 3164's syslog head;
`kubectl logs --prefix` `[pod/<name>/<container>] `, Docker Desktop's logs view (its local time before the
service, or before the line of a container's own view), a line's number (`cat -n`, `grep -n`, POSIX
https://pubs.opengroup.org/onlinepubs/9799919799/utilities/grep.html),
https://kubernetes.io/docs/reference/kubectl/generated/kubectl_logs/; stern's default `<pod> <container>
<message>`, https://github.com/stern/stern; Docker Compose's `<service>  | `; PM2's `pm2 logs`, `<id>|<name>  | `
and the time its `--time` or `--log-date-format` puts after it (`pm2 logs --timestamp`'s before it),
https://pm2.keymetrics.io/docs/usage/log-management/; GitHub Actions' raw log, a stamp with seven fractional digits
before every line; Google Cloud Logging's one entry a line (`textPayload`),
https://cloud.google.com/logging/docs/reference/v2/rest/v2/LogEntry; Jenkins' Timestamper, a bracketed RFC 3339 stamp
(a Pipeline's console text), https://plugins.jenkins.io/timestamper/; GitLab CI's runner with FF_TIMESTAMPS,
`<RFC 3339> 00O `, https://docs.gitlab.com/ee/ci/yaml/ci_job_log_timestamps.html.
"""

from __future__ import annotations

import functools
import json
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import cast

from . import exports
from .grammar import CRI_STAMP, CRI_STREAMS, DOCKER_STAMP, INDENT, LEVEL_WORDS, MARKERS

_STAMP = CRI_STAMP.encode()
_LEVELS = rb"(?:" + "|".join(LEVEL_WORDS).encode() + rb")"  # an app's, not a host
_MONTHS = rb"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
_SYSLOG_STAMP = _MONTHS + rb" [ 0-3]\d \d\d:\d\d:\d\d(?:\.\d{1,9})?"
# a local time to the second and a space, no fraction after it: Docker Desktop's stamp (and an app's own, alike)
LOCAL_STAMP = rb"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d "
SECOND_STAMP = LOCAL_STAMP + rb"(?![\d:.,])"
# PM2's own stamp after its column (`--time`: `2026-03-01T10:00:00`; a `log_date_format` as `2024-06-25 07:24 +00:00`)
_PM2_STAMP = rb"\d{4}-\d\d-\d\d[-T ]\d\d:\d\d(?::\d\d(?:\.\d{1,9})?)?(?: ?(?:Z|[+-]\d\d:?\d\d))?"
_HOST_PROGRAM = rb" (?!" + _LEVELS + rb" )[\w.-]{1,255} [^\s\[\]:]{1,128}(?:\[\d{1,10}\])?: ?+"  # journald's, syslog's
_MARKED = b"|".join(re.escape(m).encode() for m in MARKERS)
# what follows a prefix on a line that carries on the record before it: an indent, nothing, a marker; not a
# level word its own padding right-aligns (Rust tracing's and Spring Boot's `<stamp>  INFO ...`): a head
_PADDED_LEVEL = rb"(?![ \t]{0,8}" + _LEVELS + rb"\b)"
_CONTINUES = rb"(?=[" + re.escape(INDENT).encode() + rb"]|\r?\n|\r?\Z|" + _MARKED + rb")" + _PADDED_LEVEL
# after a bare stamp (`stamped`), which an app's own stamp may be: a deeper indent, a tab, nothing, a marker (or an
# indent of one space and a marker: Java's ` Caused by: ...` as some loggers print it)
_STAMP_CONTINUES = rb"(?=\t| {2}|\r?\n|\r?\Z| ?(?:" + _MARKED + rb"))" + _PADDED_LEVEL
# journald's and Cloud Logging's message field: a JSON string whose text starts so (escaped)
_JSON_CONTINUES = rb'(?= |\\t|"|' + _MARKED + rb")"
_JSON_CONTINUES_AT = re.compile(_JSON_CONTINUES)

RFC5424_HEAD = rb"<\d{1,3}>1 " + _STAMP + rb" \S{1,255} \S{1,48} \S{1,128} \S{1,32} (?:-|(?:\[[^\]\n]{0,1024}\])+) ?+"
KIBANA_HEAD = _MONTHS + rb" \d{1,2}, \d{4} @ \d\d:\d\d:\d\d\.\d{3}\t"

SAMPLE_LINES = 32  # the lines at a block's start that tell its prefixes
SAMPLE_BYTES = 16 << 10


@dataclass(frozen=True, slots=True)
class Prefix:
    name: str
    head: re.Pattern[bytes]  # the prefix at a line's start
    taken: re.Pattern[bytes]  # a newline, the prefix and what makes the rest a continuation


# an engine's stamp after a wrapper's column (`docker compose logs -t`, `kubectl logs --prefix --timestamps`): a space
# and the line's text, or nothing after it on a blank line of the program's (the space is gone once a copy is trimmed)
_STAMP_THEN_TEXT = _STAMP + rb"(?: |(?=\r?\n|\r?\Z))"


def _prefix(name: str, pattern: bytes, continues: bytes = _CONTINUES) -> Prefix:
    return Prefix(name, re.compile(pattern), re.compile(rb"\n" + pattern + continues))


PREFIXES = (
    # a stamp before every line (GitHub Actions' runner, `kubectl logs --timestamps`); not a CRI line, whose
    # stream follows the stamp, nor `docker logs -t`'s, which framing takes off itself (grammar.DOCKER_STAMP)
    _prefix(
        "stamped",
        rb"(?!"
        + DOCKER_STAMP.encode()
        + rb" )"
        + _STAMP
        + rb" (?!(?:"
        + b"|".join(s.encode() for s in CRI_STREAMS)
        + rb") [FP]\b)",
        _STAMP_CONTINUES,
    ),
    # Jenkins' Timestamper in a Pipeline's console text (`[2026-03-01T10:00:00.037Z] `), https://plugins.jenkins.io/timestamper/:
    # a stamp as `stamped`'s, and read past by context as that one is (an app's own bracketed time before its heads is
    # one too); not its clock's `21:51:15  `, which an app's own clock and its right-aligned fields have as well
    _prefix("jenkins", rb"\[" + _STAMP + rb"\] ", _STAMP_CONTINUES),
    # Docker Desktop's logs view of one container copies each line with its local time first, to the second
    # (`2024-01-17 11:55:21 ` before the program's own text, its traceback's indent and Rich's column included)
    # (a run of spaces and then a number after it is an app's own right-aligned field, `%(process)6d`: a head)
    _prefix("desktop", SECOND_STAMP + rb"(?! +\d)", _STAMP_CONTINUES),
    # moreutils' `ts` before each line of a command piped through it: its default stamp is a syslog's, `%b %d %H:%M:%S`,
    # with no host after it (`Mar 01 10:00:00 `), https://manpages.debian.org/moreutils/ts.1 (checked 2026-12-07); an
    # app's own stamp so is taken as Docker Desktop's is
    _prefix("ts", _SYSLOG_STAMP + rb" (?! +\d)", _STAMP_CONTINUES),
    _prefix("heroku", _STAMP + rb" [a-z][\w-]{0,30}\[[\w.-]{1,64}\]: ?+"),
    # GitLab CI's job log with its runner's timestamps (FF_TIMESTAMPS): the stamp, then the stream's number and `O` or
    # `E` (`+` where the line carries on the one before), https://docs.gitlab.com/ee/ci/yaml/ci_job_log_timestamps.html
    _prefix("gitlab", _STAMP + rb" [0-9a-f]{2}[OE]\+? ?+"),
    _prefix("fly", _STAMP + rb" app\[[0-9a-f]{6,32}\] [a-z]{3} \[[a-z]{4,5}\] ?+"),
    _prefix("journal", rb"(?:" + _STAMP + rb"|" + _SYSLOG_STAMP + rb")" + _HOST_PROGRAM),
    # RFC 5424's syslog head, as rsyslog's RSYSLOG_SyslogProtocol23Format and Docker's syslog driver (syslog-format
    # rfc5424) write it: `<PRI>1 <stamp> <host> <app> <procid> <msgid> <structured data or -> `,
    # https://www.rfc-editor.org/rfc/rfc5424#section-6 (checked 2026-12-07)
    _prefix("rfc5424", RFC5424_HEAD),
    # a log viewer's table copied as text: Kibana's Discover, its time column then a tab before the document's message
    # (`Mar 1, 2026 @ 10:00:00.000<TAB>`), https://www.elastic.co/guide/en/kibana/current/discover.html (the default
    # date format `MMM D, YYYY @ HH:mm:ss.SSS`, checked 2026-12-07)
    _prefix("kibana", KIBANA_HEAD),
    # Grafana Loki's `logcli query` (and `--output default`): the stamp, then the stream's labels in braces, then the
    # line (`2026-03-01T10:00:00Z {app="chat", pod="chat-7d9f8c6b5-x2kqz"} ...`),
    # https://grafana.com/docs/loki/latest/query/logcli/ (checked 2026-12-07)
    _prefix("loki", _STAMP + rb' \{(?:[\w.]{1,64}="(?:[^"\\\n]|\\.){0,512}"(?:, ?)?){1,32}\} '),
    # `aws logs tail <group>`: the stamp, then the event's stream, a path of a name or more (Lambda's
    # `2026/03/01/[$LATEST]0f1e...`, ECS's `ecs/app/0f1e...`), then the line,
    # https://awscli.amazonaws.com/v2/documentation/api/latest/reference/logs/tail.html (checked 2026-12-07)
    _prefix("aws-tail", _STAMP + rb" [\w.$\[\]-]{1,128}(?:/[\w.$\[\]-]{1,128}){1,8} "),
    _prefix("kubectl", rb"\[pod/[\w.-]{1,253}/[\w.-]{1,63}\] (?:" + _STAMP_THEN_TEXT + rb")?"),
    _prefix("stern", rb"[a-z0-9][a-z0-9-]{0,200}-[a-z0-9]{5} [a-z0-9][a-z0-9-]{0,62} "),
    # (Docker Desktop's logs view copies each line with its local time first: `2024-11-09 06:07:27 api-1  | `; a swarm
    # service's `docker service logs` names the task and its node: `chat_app.1.x2kqz9c0d1e2@node-1    | `; with `-t`,
    # the engine's stamp after the column, alone on a blank line of a traceback's: that line carries on the record)
    _prefix(
        "compose",
        rb"(?:\d{4}-\d\d-\d\d \d\d:\d\d:\d\d )?[\w.-]{1,64}(?:@[\w.-]{1,64})? {1,32}\| (?:" + _STAMP_THEN_TEXT + rb")?",
    ),
    # a process runner's label before each line of the programs it runs: concurrently's `[0] ` or `[server] ` (its
    # `--names`), Skaffold's `[app] `, https://github.com/open-cli-tools/concurrently (README, `--prefix`),
    # https://skaffold.dev/docs/workflows/dev/ (checked 2026-12-07); not an app's level in brackets (`[ERROR] `), a
    # bracketed time (Jenkins'), nor kubectl's `[pod/...] ` (its own above)
    _prefix("runner", rb"\[(?!pod/)(?!\d{4}-\d\d-\d\d)(?!(?i:" + _LEVELS + rb")\])[\w.@/:-]{1,40}\] "),
    # Turborepo's `<package>:<task>: ` before each line of a task's output (`web:dev: `, `@acme/api:build: `),
    # https://turborepo.com/docs/reference/run#--log-prefix (checked 2026-12-07); not an app's `ERROR:root: `
    _prefix("turbo", rb"(?!(?i:" + _LEVELS + rb"):)[@\w][\w@./-]{0,63}:[\w.-]{1,32}: "),
    # PM2's `pm2 logs`: the process's id and name in a padded column; with `--time` or a `log_date_format` the time and
    # a colon after it (`0|chat     | 2026-03-01T10:00:00: `), with `pm2 logs --timestamp` the time before it
    # (`2026-03-01-10:00:00 0|chat  | `) (the format in the docstring; pm2's lib/API/Log.js)
    _prefix(
        "pm2",
        rb"(?:\d{4}-\d\d-\d\d[-T ]\d\d:\d\d:\d\d )?\d{1,5}\|[\w.@-]{1,64} {0,32}\| (?:" + _PM2_STAMP + rb": )?",
    ),
    # a JetBrains IDE's idea.log, which logs each line a plugin writes to its stderr or stdout as a record of its own
    # (`2023-06-21 09:57:37,545 [63206632]   INFO - STDERR - \tat okhttp3...`): its time, the milliseconds since the IDE
    # started, a level and the STDERR or STDOUT category (https://intellij-support.jetbrains.com/hc/en-us/articles/
    # 207241085, the log's layout in com.intellij.idea.IdeaLogger's formatter), checked 2026-12-07
    _prefix("idea", rb"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} \[ {0,12}\d{1,12}\] {1,4}[A-Z]{4,6} - STD(?:ERR|OUT) - "),
    # a line's number before it, as `cat -n` (`%6d\t`), `grep -n` (`N:` before a matching line, `N-` before a line
    # of its context) and `nl` write it: not a date's year (`2026-03-01`) or a time's hour (`10:00:00`)
    # (taken off every line, heads too: cat's right-aligned number would make each line an indented one; with the space
    # a paste may have after grep's colon before a head (a digit, a capital, a bracket), `1937: 2026-05-06 14:42 ...`,
    # as in https://github.com/NousResearch/hermes-agent/issues/20465 (checked 2026-12-06): each line was left indented)
    _prefix("numbered", rb"(?: {0,8}\d{1,9}\t|\d{1,9}(?::(?!\d{1,2}[:.])(?: (?=[0-9A-Z\[]))?|-(?!\d{1,2}-)))", b""),
    # a log quoted in Markdown or an e-mail reply (`> ` before every line, `>` alone on a blank one), as it is
    # pasted into an issue thread or a forum post (taken off every line, heads too: what it quotes is the log)
    _prefix("quoted", rb">(?: |(?=\r?\n|\r?\Z))", b""),
)

_BRACKETED = re.compile(r"\[[^\s\]]+\]:?")
_STAMPED = next(p for p in PREFIXES if p.name == "stamped")
# a bare stamp that an app's own stamp may be: active only where a line carries on after it
_CARRIES = {p.name: re.compile(p.taken.pattern.removeprefix(rb"\n")) for p in PREFIXES if p.name in ("desktop", "ts")}

# Prefixes taken off every line (a number, a quote's `>`) and around what a platform may have prefixed: the
# prefixes of the lines they held are found once they are off
OUTER = ("numbered", "quoted")
# prefixes that start with a stamp: `stamped` finds their heads too
_STAMP_LED = {"heroku", "fly", "journal", "gitlab", "loki", "aws-tail"}

# The prefixes that themselves start like a record's head (a stamp, a bracket) and that context (context.py)
# looks past, to tell whether the text after one does: each line under them would end a record's context. A
# bare stamp too (a runner's; where it is an app's own, a level or a time of the app's follows it, and that is
# a head still). And a quote's `> `: the log it quotes is read as it was logged (without, every quoted line read
# as the context of the others). Stern's pod and syslog's month too, though they start like no head: a program's
# output under them reads as it does bare (tests/corpus/wrapped.py, of 1,352 positives and 1,081 negatives right
# as posted: stern's lost 11 and hit 6 when context read on past it, 7 and 4 now; syslog's 7 and 6, 3 and 4; no
# case as posted changed). Not Compose's service: context reads on past it, as in the Compose logs people post the
# record before a failure often names its provider (an `OpenAIClient` warning before LibreChat's bare 404, `Using
# openai with model: deepseek-...` before deepwiki's timeout), though it reads another service's lines too (looked
# past, two such positives were lost and one negative hit, as posted). PM2's, which starts with its process's number
# as a head may (of 2,096 positives and 1,961 negatives under it: 81 lost and 24 hit when context stopped at each
# line). A JetBrains idea.log's, a stamp and a level before each line a plugin printed (of 2,233 positives and 2,173
# negatives under it: 93 lost and 25 hit when context stopped at each line). Not a line's number, taken off every
# line of a numbered block before framing (here it would read `404: Not Found` as line 404).
# The longest first: a bare stamp is the start of Heroku's, Fly's and journald's prefixes, and an alternation
# takes the first that matches (a stamp alone left `app[web.1]: ...`, which starts like no head).
# stern's prefix as context looks past it: a ReplicaSet's pod (`chat-7d9f8c6b5-x2kqz app `, its template's hash and
# its own suffix), not any hyphened word and a word (`non-empty response ...`), which stern's own pattern would take
_STERN_POD = r"[a-z0-9][a-z0-9-]{0,200}-[a-z0-9]{6,10}-[a-z0-9]{5} [a-z0-9][a-z0-9-]{0,62} "
_LOOKED_PAST = re.compile(
    "|".join(
        [
            f"(?:{p.head.pattern.decode()})"
            for name in ("heroku", "gitlab", "fly", "loki", "aws-tail", "kubectl", "pm2", "idea", "quoted")
            for p in PREFIXES
            if p.name == name
        ]
        + [f"(?:{_STERN_POD})"]
        + [f"(?:{(_STAMP + _HOST_PROGRAM).decode()})"]  # journald's ISO output
        + [f"(?:{(_SYSLOG_STAMP + _HOST_PROGRAM).decode()})"]  # and syslog's
        + [f"(?:{RFC5424_HEAD.decode()})"]  # and RFC 5424's
        + [f"(?:{p.head.pattern.decode()})" for p in PREFIXES if p.name in ("stamped", "jenkins", "ts")]
    )
)


def after_prefix(line: str) -> str:
    """The line's text after a platform's prefix that context looks past, or the line."""
    m = _LOOKED_PAST.match(line)
    return line[m.end() :] if m is not None else line


# Docker Compose's service (and a swarm's task), Kibana's time column: context reads on past them (a line under one
# starts like no head, whatever the program wrote after it: `_LOOKED_PAST`, above), but reads each line without it: a
# body its lines hold, an error's JSON printed over several lines, is read as the program printed it (with
# `chat-app-1  | ` between its lines, `"param": null,` and `"code": null` stood together no more)
_READ_PAST = re.compile("|".join(f"(?:{p.head.pattern.decode()})" for p in PREFIXES if p.name in ("compose", "kibana")))


def read_past(line: str) -> str:
    """A line of a record's context as read: without the prefix of a platform that context reads on past."""
    m = _READ_PAST.match(line) if "| " in line or "@" in line else None
    return line[m.end() :] if m is not None else line


# a platform's export: the line is the program's, all of it (and Azure Container Apps' log stream, `az containerapp logs
# show`: `{"TimeStamp": "...", "Log": "..."}`, https://learn.microsoft.com/azure/container-apps/log-streaming, checked
# 2026-12-07)
_EXPORTS = ("MESSAGE", "textPayload", "Log")


_LEARNT_HEAD = re.compile(rb"(?!" + _MARKED + rb")[^\s]")


def looked_past(block: bytes) -> Callable[[str], str]:
    """`after_prefix`, and first a label the block's first lines share after their stamp where they do (a
    platform's that no list here names, `active`'s `labelled` prefix): what context reads a line of the block as."""
    # (learnt from the lines that still have their prefix: the heads, once the lines that carry on a record lost it,
    # blank, indented or a traceback's; a stamp that is a month's and a day's, `Mar 01 10:00:00.000 chat-api ERROR `,
    # as well as ISO's)
    sample = block[:SAMPLE_BYTES].split(b"\n", SAMPLE_LINES)[:SAMPLE_LINES]
    heads = [line for line in sample if _STAMPED.head.match(line) or _LEARNT_HEAD.match(line)]
    learnt = [n for n in active(b"\n".join(heads)) if n.startswith(LABELLED)] if len(heads) >= 2 else []
    # (not an app's own tag in brackets, `[StardewGPT] `: context reads a tag's lines as its own, context.py)
    if not learnt or any(_BRACKETED.fullmatch(w) for w in learnt[0].split(" ")):
        return after_prefix
    head = re.compile(cast(str, labelled_head(learnt[0])))

    def past(line: str) -> str:
        m = head.match(line)
        return line[m.end() :] if m is not None else after_prefix(line)

    return past


def exported_text(line: str, fields: tuple[str, ...] = _EXPORTS) -> str | None:
    """The line of a program's output that a line of a platform's JSON export holds (journald's MESSAGE,
    Cloud Logging's textPayload; or the first of `fields` it has), or None for any other line."""
    obj = _object(line, fields)
    value = next((obj[field] for field in fields if field in obj), None) if obj is not None else None
    return _one_line(value)


def _object(line: str, fields: tuple[str, ...]) -> dict[str, object] | None:
    """The JSON object a line is, where it names one of `fields` (a byte search first: most lines do not); else None."""
    if not line.startswith("{") or not any(f'"{field}"' in line for field in fields):
        return None
    try:
        obj = json.loads(line)
    except (ValueError, RecursionError):
        return None
    return obj if isinstance(obj, dict) else None


def _one_line(value: object) -> str | None:
    """A text field's value where it is a string of one line; else None."""
    return value if isinstance(value, str) and "\n" not in value and "\r" not in value else None


# The last line of a Python traceback: an exception's class by its (dotted) name, then its message after a colon or
# nothing (`openai.RateLimitError: Error code: 429 - ...`, `httpx.ConnectTimeout`), as
# https://docs.python.org/3/library/traceback.html prints it (checked 2026-12-07)
_RAISED = re.compile(r"(?:[A-Za-z_]\w{0,100}\.){0,12}[A-Z]\w{0,100}(?::[ \t]|:?$)")
_LOGFMT_MSG = re.compile(r'[\w.@-]{1,64}=[^\n]*? (?:msg|message)=("(?:[^"\\\n]|\\.){0,65536}")(?= |\r?$)')


def raised_text(line: str) -> str | None:
    """The exception line a traceback ends with, where a platform carried it in a record of its own as it carries
    each line of a program's output (a JSON line's text field: Cloud Logging's, an ECS document's; a logfmt
    line's msg), or None: the framer joins such a line to the traceback above it, and reads it as its text."""
    text = exported_text(line, JSON_FIELDS) if line.startswith("{") else logfmt_message(line)
    return text if text is not None and _RAISED.match(text) is not None else None


def logfmt_message(line: str) -> str | None:
    """A logfmt line's quoted `msg` (or `message`), unquoted, where it is one line; else None (a substring search
    first: most lines have none)."""
    if 'msg="' not in line and 'message="' not in line:
        return None
    m = _LOGFMT_MSG.match(line)
    if m is None:
        return None
    try:
        text = json.loads(m.group(1))
    except ValueError:  # Go's `\x..` escapes, which JSON has not
        return None
    return _one_line(text)


# A log shipper's document of a line it read from a file or a container, its `message` that line (a JSON logger's own
# record has a `message` too, and its neighbours are other records, not lines of one print): Filebeat's and Elastic
# Agent's ECS fields (`ecs.version`, `agent`, `input.type`, `log.file.path`, `log.offset`:
# https://www.elastic.co/guide/en/beats/filebeat/current/exported-fields-log.html), Logstash's `@version` and
# Vector's `source_type` (https://vector.dev/docs/reference/configuration/sources/file/), checked 2026-12-07
_SHIPPED_KEYS = frozenset((
    "ecs", "ecs.version", "agent", "agent.type", "input", "input.type", "log.file.path", "log.offset", "@version",
    "source_type",
))  # fmt: skip


def carried_json(line: str) -> str | None:
    """The line of a program's output a JSON line carries: a platform's export's (journald's MESSAGE, Cloud Logging's
    textPayload, Azure Container Apps' Log), or a log shipper's document's `message` (Filebeat's of a line it read);
    not the `message` of an app's own JSON record; None for any other line."""
    obj = _object(line, JSON_FIELDS)
    if obj is None:
        return None
    value = next((obj[field] for field in _EXPORTS if field in obj), None)
    if value is None and _shipped(obj):
        value = next((obj[field] for field in ("message", "msg") if field in obj), None)
    return _one_line(value)


def _shipped(obj: dict[str, object]) -> bool:
    """Whether a JSON object is a log shipper's document of a line (its fields, above)."""
    log = obj.get("log")
    return not _SHIPPED_KEYS.isdisjoint(obj) or (isinstance(log, dict) and ("file" in log or "offset" in log))


# a JSON object a line, the line's text in one field: journald's MESSAGE, Cloud Logging's textPayload, Azure Container
# Apps' Log, an Elastic (ECS) or a log shipper's document's `message`, a JSON logger's `msg` (pino, zap, slog, logrus)
JSON_FIELDS = ("MESSAGE", "textPayload", "Log", "message", "msg")
_JSON_FIELD = rb'"(?:' + b"|".join(f.encode() for f in JSON_FIELDS) + rb')"\s*:\s*"'
_JSON_HEAD = re.compile(rb"\{[^\n]*" + _JSON_FIELD)
_JSON_TAKEN = re.compile(rb"\n(\{[^\n]*" + _JSON_FIELD + _JSON_CONTINUES + rb"[^\n]*)")
JSON_NAME = "json-lines"
# a log tool's CSV export (exports.py): its header's message column, or a row with a field quoted whole
CSV_NAME = "csv"
PRETTY_NAME = "pretty-json"  # and its JSON download, pretty-printed
_CSV_HEADER = re.compile(
    rb'(?i)(?:^|,)"?(?:message|@message|msg|_raw|textpayload|log|content|line|body|text|raw)"?(?:,|\r?$)'
)

# A logfmt record a line (Go's slog text handler, logrus, Grafana's tools: `time=... level=error msg="..."`), the
# line's text quoted in its `msg`: https://pkg.go.dev/log/slog#TextHandler (checked 2026-12-07)
_LOGFMT_LINE = rb'[\w.@-]{1,64}=[^\n]*? (?:msg|message)="((?:[^"\\\n]|\\.){0,65536})"(?= |\r?(?:\n|\Z))'
_LOGFMT_HEAD = re.compile(_LOGFMT_LINE)
_LOGFMT_TAKEN = re.compile(rb"\n" + _LOGFMT_LINE + rb"[^\n]*")
LOGFMT_NAME = "logfmt"

# A platform's prefix no list here names: a time (or a number) and a label the same on most lines, as a log
# shipper's or a cloud's CLI prints a stream's lines (Grafana Loki's `logcli query`, `<stamp> {app="chat", pod="..."}
# <line>`, https://grafana.com/docs/loki/latest/query/logcli/; `aws logs tail`, `<stamp> <stream> <line>`,
# https://awscli.amazonaws.com/v2/documentation/api/latest/reference/logs/tail.html) or a test runner its output's
# (xUnit's console runner, `[xUnit.net 00:02:46.36]     <line>`, https://xunit.net/docs/getting-started/v2/getting-test-results-in-ci;
# checked 2026-12-07). Learnt from a block's first lines: word by word, the word (or a time's shape: digits and
# punctuation) that at least half of them have there, up to an app's level; a time and a word of a label in it.
LABELLED = "labelled "
_LABEL_WORDS = 5
_LABEL_LINES = 3  # the lines, at least, that have a label (a short paste's few lines share words of their own)
_TIMELIKE = rb"[-\d:.,/+TZ\[\]()|]{0,40}\d[-\d:.,/+TZ\[\]()|]{0,40}"  # a time's or a number's word (bounded)
_WORD_BYTES = 128  # a label's word, at most (a longer one is no label's: and each is read in time bounded so)
_TIME_WORD = re.compile(_TIMELIKE)
TIME_MARK = "\x00"  # a time's word in a learnt label's name
INDENT_MARK = "\x01"  # a space of the indent after it

NBSP = "\u00a0".encode()
# A terminal's colour and style codes (ECMA-48 CSI sequences, `ESC [ ... m`) and OSC strings (a hyperlink
# `ESC ] 8 ; ; url ESC \\`), as a program writes them when it thinks its output is a terminal: they split a
# level word or a prefix from the text they colour. https://ecma-international.org/publications-and-standards/standards/ecma-48/
_ESCAPES = re.compile(rb"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b\n]{0,2048}(?:\x07|\x1b\\)")
# The spaces a terminal's copy pads each line with to its width (Windows' console, tmux's and screen's panes): they
# say nothing, and a line that ends in them is not one that ends where a pattern asks (`...\r?$`, a header's end)
# (from a run's start only, taken whole: a long run of spaces before a line's text is read once, not once a space)
_PADDING = re.compile(rb"(?<! ) {2,}+(?=\r?\n)")


# HTML's entities for the characters a log's quoting uses, as a page's source has them (a CI server's console page
# fetched whole, an e-mail's HTML part, a web view's copy): `{&quot;error&quot;: ...}` and `&#39;` hide every error
# body's shape. Only those that stand for a quote, an angle bracket or an ampersand (the HTML Standard's named
# character references, https://html.spec.whatwg.org/multipage/named-characters.html, checked 2026-12-08); a block
# whose first lines have one of the quotes' is read with them all as their characters
_QUOTES = rb"quot|#0*34|#[xX]0*22|#0*39|#[xX]0*27|apos"
_ENTITY = re.compile(rb"&(?:" + _QUOTES + rb");")
_ENTITIES = re.compile(rb"&(?:" + _QUOTES + rb"|lt|#0*60|gt|#0*62|amp|#0*38);")
_CHARACTERS = {b"quot": b'"', b"apos": b"'", b"lt": b"<", b"gt": b">", b"amp": b"&"}


def _unescaped(match: re.Match[bytes]) -> bytes:
    name = match.group(0)[1:-1]
    if name.startswith(b"#"):
        return bytes([int(name[2:], 16) if name[1:2] in b"xX" else int(name[1:])])
    return _CHARACTERS[name]


def _sample(block: bytes) -> list[bytes]:
    """The block's first lines (whole, not blank)."""
    sample = block[:SAMPLE_BYTES].split(b"\n", SAMPLE_LINES)[:SAMPLE_LINES]
    if len(block) > SAMPLE_BYTES or len(sample) == SAMPLE_LINES:
        sample = sample[:-1]  # the last may be cut
    return [line for line in sample if line.strip()]


def _exported(lines: list[bytes]) -> exports.Columns | None:
    """The columns of a CSV export whose first lines these are, or None (a byte search first: most are not)."""
    if not any(b"," in line and (b'"' in line or _CSV_HEADER.search(line)) for line in lines[:4]):
        return None
    return exports.columns(lines)


def active(block: bytes, exported: bool = True) -> list[str]:
    """The prefixes that at least half of the block's first lines (not blank) start with (a CSV export's rows,
    unless not `exported`: they are JSON lines already)."""
    lines = _sample(block)
    if not lines:
        return []
    if exported and _exported(lines) is not None:
        return [CSV_NAME]  # (its rows as JSON lines first, then what those have: `taken_off`)
    if exported and exports.pretty(lines):
        return [PRETTY_NAME]  # (and its entries)
    need = max(1, (len(lines) + 1) // 2)
    names = [p.name for p in PREFIXES if sum(1 for line in lines if p.head.match(line)) >= need]
    for name, carries in _CARRIES.items():
        if name in names and not any(carries.match(line) for line in lines):
            names.remove(name)  # an app's own stamp, to the second: no line it carries on (no pass for nothing)
    if len(names) > 1 and names[0] == "stamped" and names[1] in _STAMP_LED:
        del names[0]  # the lines a platform's stamp leads: its own prefix takes them (one pass, not two)
    if sum(1 for line in lines if _JSON_HEAD.match(line)) >= need:
        names.append(JSON_NAME)
    elif sum(1 for line in lines if _LOGFMT_HEAD.match(line)) >= need:
        names.append(LOGFMT_NAME)
    if (not names or names == ["stamped"]) and sum(1 for line in lines if _FRAMED.match(line)) < need:
        label = _label(lines, need)
        if label:
            names.append(LABELLED + label)
    return names


def _label(lines: list[bytes], need: int) -> str:
    """The words that at least `need` of the lines start with (a time's shape for a time's word, TIME_MARK in
    the name; a stamp of several words, `Mar 01 10:00:00.037`, one time), up to an app's level (`INFO`, `[error]`,
    `level=warn`: the app's own head's), and that level too where every labelled line has it, the same (the
    platform's); "" where they share no time and word of a label."""
    rows = [line.split(b" ", _LABEL_WORDS) for line in lines]
    words: list[bytes | None] = []  # None: a time's word
    for at in range(_LABEL_WORDS):
        pairs = [
            (row, None if _TIME_WORD.fullmatch(row[at]) else row[at])
            for row in rows
            if len(row) > at + 1 and len(row[at]) <= _WORD_BYTES
        ]
        if not pairs:
            break
        (word, count), *_ = Counter(seen for _, seen in pairs).most_common(1)
        if count < max(need, _LABEL_LINES) or (word is not None and not _label_word(word)):
            break
        if word is None and None in words and words[-1] is not None:
            break  # (a time after the label's time and word: the app's own stamp's; a stamp of several words, one)
        words.append(word)
        rows = [row for row, seen in pairs if seen == word]
    if None not in words or all(word is None for word in words):
        return ""
    # (a level every labelled line has, the same: the platform's, as a log tool shows a stream's lines with the level
    # it gave them all, stderr's `ERROR`; an app's own level differs from line to line, or its lines are few)
    splits = [b" ".join(row[len(words) :]).split(b" ", 1) for row in rows]
    if len(splits) >= max(need, _LABEL_LINES) and all(len(split) == 2 for split in splits):
        levels = {level for level, _ in splits}
        if len(levels) == 1 and _PLATFORM_LEVEL.fullmatch(splits[0][0]):
            words.append(splits[0][0])
            rows = [[*row[: len(words) - 1], *split] for row, split in zip(rows, splits, strict=True)]
    label = "".join(TIME_MARK + " " if w is None else w.decode("utf-8", "surrogateescape") + " " for w in words)
    # (and the indent every line has after it, as a test runner indents its output's: its lines start so)
    rests = [rest for rest in (b" ".join(row[len(words) :]) for row in rows) if rest.strip()]
    firsts = {rest.split(None, 1)[0] for rest in rests}
    if len(rests) >= 2 and len(firsts) == 1 and not _TIME_WORD.fullmatch(next(iter(firsts))[:_WORD_BYTES]):
        return ""  # (one message the lines repeat, `[<stamp>] stream error: ...`, whose first words are no label)
    indent = min((len(rest) - len(rest.lstrip(b" ")) for rest in rests), default=0)
    return label + INDENT_MARK * min(indent, 16) if len(rests) >= need else label


# a level as a log tool's column shows it (`ERROR`, `[error]`, `E`), a platform's word for a stream's every line
_PLATFORM_LEVEL = re.compile(rb"(?i)\[?(?:" + _LEVELS + rb"|[EWIDF])\]?:?")

# a runtime's wrapper that framing takes off itself (grammar.py): CRI's stamp and stream, `docker logs -t`'s stamp
_FRAMED = re.compile(
    rb"(?:"
    + DOCKER_STAMP.encode()
    + rb"|"
    + _STAMP
    + rb" (?:"
    + b"|".join(s.encode() for s in CRI_STREAMS)
    + rb") [FP]) "
)
# a label's word: two letters or digits at least, no space or tab in it (not a box's border, a quote's `>`, a frame's
# `\tat`, a bullet), and no app's level or word that starts with one (`INFO:httpx:HTTP`, `[error]`, `level=warn`,
# glog's level and date `E0905`), nor a stack frame's `at` or `File` (a trace whose indent a copy lost, Streamlit's)
_LABEL_WORD = re.compile(
    rb"(?![\W_]*(?:\w+=)?" + _LEVELS + rb"(?![A-Za-z0-9]))(?![IWEF]\d{4}$)(?!(?:at|File)$)"
    rb"(?=[^\s]*?[A-Za-z0-9][^\s]*?[A-Za-z0-9])[^\s]+",
    re.I,
)


def _label_word(word: bytes) -> bool:
    """Whether a word may be a label's: `_LABEL_WORD`, UTF-8 (context reads lines decoded, its bytes so too), and
    none of the marks a learnt label's name is written with."""
    try:
        word.decode()
    except UnicodeDecodeError:
        return False
    return _LABEL_WORD.fullmatch(word) is not None and b"\x00" not in word and b"\x01" not in word


def _labelled(label: str) -> Prefix:
    """The prefix of a learnt label's words: those up to its first time and its first word required, the rest
    each optional (a longer label than the platform's, its words shared by a program's heads, takes no
    continuation line's)."""
    words = [w for w in label.split(" ") if w]
    patterns = [
        _TIMELIKE + rb" "
        if w == TIME_MARK
        else b" " * len(w)
        if w[0] == INDENT_MARK
        else re.escape(w.encode("utf-8", "surrogateescape")) + rb" "
        for w in words
    ]
    needed = 1 + max(words.index(TIME_MARK), next(i for i, w in enumerate(words) if w != TIME_MARK))
    if words[-1][0] == INDENT_MARK:  # (an indent after it: the whole label, each line has it)
        needed = len(words)
    pattern = b""
    for word in reversed(patterns[needed:]):
        pattern = rb"(?:" + word + pattern + rb")?"
    return _prefix(label, b"".join(patterns[:needed]) + pattern)


@functools.lru_cache(maxsize=64)
def labelled(name: str) -> Prefix | None:
    """The prefix a learnt name stands for (`active`'s `labelled <words>`), or None for any other name."""
    return _labelled(name.removeprefix(LABELLED)) if name.startswith(LABELLED) else None


def labelled_head(name: str) -> str | None:
    """The pattern of a learnt prefix's head as text (for lines read decoded: context's, a wrap's), or None for any
    other name."""
    learnt = labelled(name)
    return learnt.head.pattern.decode("utf-8", "surrogateescape") if learnt is not None else None


def taken_off(block: bytes, names: Iterable[str] | None = None, columns: exports.Columns | None = None) -> bytes:
    """The block with a terminal's escape codes taken out, and the prefixes (`active` ones, unless named)
    taken off the lines that continue a record; a line's number and a quote's `>` off every line first, then
    the prefixes of the lines they held; then the spaces a terminal's copy padded lines with. A last line with no
    newline that nothing is left of stays a line. A CSV export's rows are read by `columns` where given (its
    header's, seen in an earlier block), else by the block's own."""
    taken = _taken_off(block, names, columns)
    # (after the prefixes: a blank line's is its prefix and a space; a copy pads every line, so its first lines tell,
    # and a search of them costs what a search of the whole block would cost a hundred times over)
    sample = taken[:SAMPLE_BYTES]
    if b"  \n" in sample or b"  \r\n" in sample:
        taken = _PADDING.sub(b"", taken)
    if block and not block.endswith(b"\n") and (not taken or taken.endswith(b"\n")):
        return taken + b"\n"  # (a quote's lone `>`, a colour code alone: the line is counted, empty)
    return taken


def _taken_off(block: bytes, names: Iterable[str] | None, columns: exports.Columns | None) -> bytes:
    if b"\x1b" in block:  # (a byte search: free beside the rest)
        block = _ESCAPES.sub(b"", block)
    head = block[:SAMPLE_BYTES]
    if NBSP in head:  # (a web page's copy indents with no-break spaces, a traceback's indent as a terminal shows it;
        block = block.replace(NBSP, b" ")  # a copy, so its first lines tell: no search of all)
    if _ENTITY.search(head):  # (a page's source: its first lines tell)
        block = _ENTITIES.sub(_unescaped, block)
    names = active(block) if names is None else list(names)
    if columns is None and CSV_NAME in names:
        columns = _exported(_sample(block))
    if columns is not None:
        block = exports.as_json_lines(block, columns)
        names = active(block, exported=False)
    if PRETTY_NAME in names:
        block = exports.compacted(block)
        names = active(block, exported=False)
    if not names:
        return block
    text = b"\n" + block  # each pattern starts at a newline: its line's start
    for _ in OUTER:  # a quote or a line's number around a log with a prefix of its own: that one taken off after
        outer = [p for p in PREFIXES if p.name in OUTER and p.name in names]
        if not outer:
            break
        for prefix in outer:
            text = prefix.taken.sub(b"\n", text)
        names = [n for n in names if n not in OUTER] + active(text[1:])
    for prefix in PREFIXES:
        if prefix.name in names:
            text = prefix.taken.sub(b"\n", text)
    for name in names:
        learnt = labelled(name)
        if learnt is not None:
            text = learnt.taken.sub(b"\n", text)
    if JSON_NAME in names:
        text = _JSON_TAKEN.sub(_json_text, text)
    if LOGFMT_NAME in names:
        text = _LOGFMT_TAKEN.sub(_logfmt_text, text)
    return text[1:]


def each_taken_off(blocks: Iterable[bytes], head: bytes = b"") -> Iterator[bytes]:
    """`taken_off` of each block (whole lines) of a source; `head`: the source's first bytes, where the blocks
    start later in it. A CSV export's header, once seen, tells the columns of its later blocks too (they have
    none of their own, and their rows' values alone may not tell)."""
    header = _exported(_sample(head)) if head else None
    header = header if header is not None and header.header else None
    for block in blocks:
        lines = _sample(block)
        columns = _exported(lines)
        if columns is not None and columns.header:
            header = columns
        elif header is not None and exports.fits(lines, header):
            columns = header
        yield taken_off(block, [CSV_NAME] if columns is not None else None, columns)


def _logfmt_text(match: re.Match[bytes]) -> bytes:
    """A logfmt line's quoted message, unquoted, where it carries on a record; else the line as it was."""
    quoted = match.group(1)
    if not quoted or not _JSON_CONTINUES_AT.match(quoted):  # (an empty one: the record's text is in its other fields)
        return match.group(0)
    try:
        value = json.loads(b'"' + quoted + b'"')
    except ValueError:  # Go's `\x..` escapes, which JSON has not
        return match.group(0)
    if not isinstance(value, str) or "\n" in value or "\r" in value:
        return match.group(0)
    return b"\n" + value.encode("utf-8", "surrogateescape")


def _json_text(match: re.Match[bytes]) -> bytes:
    """A JSON line's text field, where it is a string of one line; else the line as it was."""
    try:
        line = match.group(1).decode()
        value = exported_text(line, JSON_FIELDS)
        # (the line's own text, not a nested error's `message`, that carries on a record; an empty `message` or `msg`
        # is a logger's record whose text is in its other fields: kept whole, where an export's is a blank line)
        if value is not None and (value.startswith((" ", "\t", *MARKERS)) or value == "" == exported_text(line)):
            return b"\n" + value.encode()
    except UnicodeError:  # bytes that are no UTF-8, or a lone surrogate escaped in the text
        pass
    return match.group(0)
