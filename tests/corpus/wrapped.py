#!/usr/bin/env python3
"""The corpus under the wrappers a log picks up on its way: what logscan loses when each line of a case it
gets right as posted carries a platform's prefix, a terminal's colours or a quote.

Each dev and fresh case scored perfectly as posted (a positive that shows its provider: its families and its
event count; a negative: no event) is rewritten line by line (or whole, for the JSON ones) and scored again;
the script prints, for each wrapper, the positives whose families changed, those whose count changed, and the
negatives that now have an event. No case is changed on disk (the wrapped copies go to a temporary folder).

    python tests/corpus/wrapped.py                   # every wrapper
    python tests/corpus/wrapped.py heroku quoted     # some of them
"""

from __future__ import annotations

import csv
import dataclasses
import html
import io
import json
import sys
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import score  # noqa: E402

T0 = datetime(2026, 3, 1, 10, 0, 0, tzinfo=UTC)


def _at(i: int, fmt: str) -> str:
    return (T0 + timedelta(milliseconds=37 * i)).strftime(fmt)


Line = Callable[[int, str], str]
LINE_WRAPPERS: dict[str, Line] = {
    "cri": lambda i, line: f"{_at(i, '%Y-%m-%dT%H:%M:%S.%f')}123Z stderr F {line}",
    "docker-json": lambda i, line: json.dumps(
        {"log": f"{line}\n", "stream": "stderr", "time": _at(i, "%Y-%m-%dT%H:%M:%SZ")}
    ),
    "docker-t": lambda i, line: f"{_at(i, '%Y-%m-%dT%H:%M:%S.%f')}123Z {line}",
    "actions": lambda i, line: f"{_at(i, '%Y-%m-%dT%H:%M:%S.%f')}1Z {line}",
    "kubectl-prefix": lambda i, line: f"[pod/chat-7d9f8c6b5-x2kqz/app] {line}",
    # with `--timestamps` too: the kubelet's stamp after the pod's column
    "kubectl-t": lambda i, line: f"[pod/chat-7d9f8c6b5-x2kqz/app] {_at(i, '%Y-%m-%dT%H:%M:%S.%f')}123Z {line}",
    "stern": lambda i, line: f"chat-7d9f8c6b5-x2kqz app {line}",
    "heroku": lambda i, line: f"{_at(i, '%Y-%m-%dT%H:%M:%S.%f')}+00:00 app[web.1]: {line}",
    "fly": lambda i, line: f"{_at(i, '%Y-%m-%dT%H:%M:%SZ')} app[3d8d9e1b] iad [info] {line}",
    "journal-iso": lambda i, line: f"{_at(i, '%Y-%m-%dT%H:%M:%S')}+0000 host1 bot[1234]: {line}",
    "syslog": lambda i, line: f"{_at(i, '%b %d %H:%M:%S')} host1 bot[1234]: {line}",
    "journal-json": lambda i, line: json.dumps(
        {"__REALTIME_TIMESTAMP": str(int((T0 + timedelta(milliseconds=37 * i)).timestamp() * 1e6)), "MESSAGE": line}
    ),
    "cloud-logging": lambda i, line: json.dumps({"textPayload": line, "timestamp": _at(i, "%Y-%m-%dT%H:%M:%SZ")}),
    # Azure Container Apps' log stream (`az containerapp logs show`)
    "aca-json": lambda i, line: json.dumps({"TimeStamp": _at(i, "%Y-%m-%dT%H:%M:%S.%f")[:-3] + "+00:00", "Log": line}),
    "compose": lambda i, line: f"chat-app-1  | {line}",
    # `docker service logs`: a swarm task's service, slot, task id and node
    "swarm": lambda i, line: f"chat_app.1.x2kqz9c0d1e2@node-1    | {line}",
    # Docker Desktop's view of one container's logs: its local time, to the second, before every line
    "desktop": lambda i, line: f"{_at(i, '%Y-%m-%d %H:%M:%S')} {line}",
    "colours": lambda i, line: f"\x1b[31m{line}\x1b[0m",
    "quoted": lambda i, line: f"> {line}" if line else ">",
    # a forum's or a blog's typographic quotes
    "smartquotes": lambda i, line: _curly(line),
    # a Markdown code block by its indent (a forum's, older Stack Overflow's)
    "indent4": lambda i, line: f"    {line}",
    # a line's number before it (`cat -n`, `grep -n` of every line)
    "cat-n": lambda i, line: f"{i + 1:6d}\t{line}",
    "grep-n": lambda i, line: f"{i + 1}:{line}",
    # Grafana Loki's `logcli query` (its stream's labels after the time)
    "loki": lambda i, line: f'{_at(i, "%Y-%m-%dT%H:%M:%SZ")} {{app="chat", pod="chat-7d9f8c6b5-x2kqz"}} {line}',
    # `aws logs tail` of a group (the stream's name after the time)
    "aws-tail": lambda i, line: f"{_at(i, '%Y-%m-%dT%H:%M:%S.%f')}+00:00 2026/03/01/[$LATEST]0f1e2d3c4b5a {line}",
    # `docker compose logs -t`: the service's column, then the engine's stamp
    "compose-t": lambda i, line: f"chat-app-1  | {_at(i, '%Y-%m-%dT%H:%M:%S.%f')}123Z {line}",
    # an ECS-format JSON line per line (an app's ECS logger's; and Filebeat's document of each line it read, with the
    # file's path and the line's offset in it, its input and its ECS version)
    "ecs-json": lambda i, line: json.dumps(
        {"@timestamp": _at(i, "%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z", "log.level": "error", "message": line}
    ),
    "filebeat": lambda i, line: json.dumps(
        {
            "@timestamp": _at(i, "%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
            "message": line,
            "log": {"offset": 120 * i, "file": {"path": "/var/log/app/chat.log"}},
            "input": {"type": "filestream"},
            "ecs": {"version": "8.0.0"},
        }
    ),
    # xUnit.net's console runner: its name and the time since the run began, the output indented under it
    "xunit": lambda i, line: f"[xUnit.net 00:00:{37 * i / 1000:05.2f}]     {line}",
    # a logfmt logger's record (Go's slog text handler, logrus) quoting each line in msg (as strconv.Quote does: the
    # quote and the backslash escaped, a printable character that is no ASCII kept as it is)
    "logfmt": lambda i, line: (
        f"time={_at(i, '%Y-%m-%dT%H:%M:%SZ')} level=ERROR msg={json.dumps(line, ensure_ascii=False)}"
    ),
    # PM2's `pm2 logs`: the process's id and name in a column, and with `--time` its stamp after it
    # RFC 5424's syslog head (rsyslog's RSYSLOG_SyslogProtocol23Format, Docker's syslog driver)
    "rfc5424": lambda i, line: f"<11>1 {_at(i, '%Y-%m-%dT%H:%M:%S.%f')[:-3]}Z host1 bot 1234 - - {line}",
    # Kibana Discover's table copied as text: its time column, then a tab
    "kibana": lambda i, line: f"{_at(i, '%b %d, %Y @ %H:%M:%S.%f')[:-3]}\t{line}",
    # a process runner's label: concurrently's number (or a name, as Skaffold's `[app] `), Turborepo's package and task
    "concurrently": lambda i, line: f"[0] {line}",
    "turbo": lambda i, line: f"web:dev: {line}",
    # a JetBrains IDE's idea.log, each line a plugin writes to stderr logged as a record of its own
    "idea": lambda i, line: f"{_at(i, '%Y-%m-%d %H:%M:%S,%f')[:-3]} [ 691100]   INFO - STDERR - {line}",
    "pm2": lambda i, line: f"0|chat     | {line}",
    "pm2-time": lambda i, line: f"0|chat     | {_at(i, '%Y-%m-%dT%H:%M:%S')}: {line}",
    "pm2-timestamp": lambda i, line: f"{_at(i, '%Y-%m-%d-%H:%M:%S')} 0|chat     | {line}",
    # Jenkins' Timestamper plugin in a Pipeline's console text
    "jenkins": lambda i, line: f"[{_at(i, '%Y-%m-%dT%H:%M:%S.%f')[:-3]}Z] {line}",
    # GitLab CI's job log with its runner's timestamps (FF_TIMESTAMPS): the stamp, then the stream's code
    "gitlab": lambda i, line: f"{_at(i, '%Y-%m-%dT%H:%M:%S.%f')}Z 01O {line}",
    # a cloud console's log view copied (Cloud Run's, Datadog's): its time with a zone's name
    "console-copy": lambda i, line: f"{_at(i, '%Y-%m-%d %H:%M:%S.%f')[:-3]} UTC  {line}",
    # a terminal's copy padded with spaces to its width (Windows' console, tmux, screen)
    "pad-right": lambda i, line: line.ljust(120),
    # moreutils' `ts` before each line (its default stamp, a syslog's without a host)
    "ts": lambda i, line: f"{_at(i, '%b %d %H:%M:%S')} {line}",
    # a web page's copy: its indent in no-break spaces
    # a log tool's live view of a stream copied as text: its time (a month's and a day's, to the millisecond), the
    # service, and the one level it gave every line the stream carried (stderr's ERROR); the shape several tools' views
    # share, no one tool's exact columns
    "log-view": lambda i, line: f"{_at(i, '%b %d %H:%M:%S.%f')[:-3]} chat-api ERROR {line}",
    "nbsp": lambda i, line: "\u00a0" * (len(line) - len(line.lstrip(" "))) + line.lstrip(" "),
}


def _curly(line: str) -> str:
    """The line as a forum or a blog shows it: its quotes typographic (opening and closing by turns)."""
    out, opening = [], True
    for char in line:
        if char == '"':
            out.append("\u201c" if opening else "\u201d")
            opening = not opening
        else:
            out.append("\u2019" if char == "'" else char)
    return "".join(out)


def _csv(*rows: list[str]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()


def _dotnet(text: str) -> str:
    """A string as .NET's System.Text.Json writes it by default (JavaScriptEncoder.Default: quotes, `'`, `<`, `>`,
    `&` and `+` as `\\uXXXX`)."""
    escaped = json.dumps(text)[1:-1].replace('\\"', "\\u0022")
    for char in "'<>&+":
        escaped = escaped.replace(char, f"\\u{ord(char):04X}")
    return f'"{escaped}"'


def _fold(text: str, width: int) -> str:
    return "".join(
        "".join(line[i : i + width] + "\n" for i in range(0, max(len(line), 1), width)) for line in text.splitlines()
    )


WHOLE_WRAPPERS: dict[str, Callable[[str], str]] = {
    "crlf": lambda text: "\r\n".join(text.splitlines()) + "\r\n",
    # a copy whose indentation was lost (pasted outside a code block, into a chat or a ticket's plain text field), and
    # a web view's copy with a blank line after every line
    "dedent": lambda text: "".join(line.lstrip() + "\n" for line in text.splitlines()),
    "double-spaced": lambda text: "".join(line + "\n\n" for line in text.splitlines()),
    # a page's HTML source copied (entities for quotes, ampersands and angle brackets)
    "html-escaped": lambda text: html.escape(text),
    # `journalctl -o json-pretty`: each entry an indented JSON object over several lines
    "journal-pretty": lambda text: "".join(
        json.dumps(
            {
                "__REALTIME_TIMESTAMP": str(1772359200000000 + i * 37000),
                "_SYSTEMD_UNIT": "chat.service",
                "PRIORITY": "3",
                "MESSAGE": line,
            },
            indent=8,
        )
        + "\n"
        for i, line in enumerate(text.splitlines())
    ),
    # a structured logger's record holding the whole excerpt in one field (several records in one, for some)
    # a console's hard wrap at its width, as a copy from Windows' legacy console or a fixed-width pane keeps it
    "fold-120": lambda text: _fold(text, 120),
    "fold-80": lambda text: _fold(text, 80),
    "json-field": lambda text: json.dumps({"time": "2026-03-01T10:00:00Z", "level": "ERROR", "exc_info": text}) + "\n",
    # .NET's JSON console formatter: the exception's text in `Exception`, escaped as System.Text.Json does
    "dotnet-json": lambda text: (
        '{"Timestamp":"2026-03-01T10:00:00.000Z","EventId":0,"LogLevel":"Error","Category":"Chat.Service",'
        f'"Message":"Chat call failed","Exception":{_dotnet(text.rstrip(chr(10)))}}}\n'
    ),
    # a log tool's CSV download (Datadog's, CloudWatch Logs Insights', Kibana's): a header, then a row a line, or the
    # whole excerpt in one row's quoted field
    "csv-rows": lambda text: _csv(
        ["timestamp", "severity", "message"],
        *([_at(i, "%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z", "ERROR", line] for i, line in enumerate(text.splitlines())),
    ),
    "csv-event": lambda text: _csv(["@timestamp", "@message"], ["2026-03-01 10:00:00.000", text.rstrip("\n")]),
    # a log tool's JSON download, pretty-printed: Cloud Logging's entries a line (`gcloud logging read --format=json`),
    # CloudWatch Logs' events with the whole excerpt in one (`aws logs filter-log-events`)
    "gcloud-json": lambda text: (
        json.dumps(
            [
                {"textPayload": line, "severity": "ERROR", "timestamp": _at(i, "%Y-%m-%dT%H:%M:%S.%fZ")}
                for i, line in enumerate(text.splitlines())
            ],
            indent=2,
        )
        + "\n"
    ),
    "aws-events": lambda text: (
        json.dumps(
            {"events": [{"logStreamName": "app/chat/0f1e2d3c", "timestamp": 1772359200000, "message": text}]}, indent=4
        )
        + "\n"
    ),
    # the excerpt amid a day of another program's log, as a whole file piped in holds it: OpenStack's 2,000 lines
    # before it (their 404s and 500s among them) and 200 after (tests/data/loghub, with its licence)
    "amid-openstack": lambda text: _amid(text, _loghub("OpenStack_2k.log")),
    # and amid Proxifier's (a bracketed time and a program's name before each line, other hosts' failures among them)
    "amid-proxifier": lambda text: _amid(text, _loghub("Proxifier_2k.log")),
}


def _loghub(name: str) -> list[str]:
    return (HERE.parent / "data" / "loghub" / name).read_text(encoding="utf-8").splitlines()


def _amid(text: str, lines: list[str]) -> str:
    return "\n".join(lines) + "\n" + text.rstrip("\n") + "\n" + "\n".join(lines[:200]) + "\n"


def wrapped(name: str, text: str) -> str:
    if name in WHOLE_WRAPPERS:
        return WHOLE_WRAPPERS[name](text)
    return "".join(LINE_WRAPPERS[name](i, line) + "\n" for i, line in enumerate(text.splitlines()))


def right(case: score.Case, found: score.Found) -> bool:
    if case.negative:
        return not found.categories
    return found.families == case.families and found.calls == case.events


def main(argv: list[str]) -> int:
    names = argv or [*LINE_WRAPPERS, *WHOLE_WRAPPERS]
    unknown = [n for n in names if n not in LINE_WRAPPERS and n not in WHOLE_WRAPPERS]
    if unknown:
        print(f"unknown wrapper(s): {', '.join(unknown)}; known: {', '.join([*LINE_WRAPPERS, *WHOLE_WRAPPERS])}")
        return 2
    rules = score.ruleset.load()
    cases = [c for part in ("dev", "fresh") for c in score.load_cases(part) if c.negative or c.shown]
    kept = [c for c in cases if right(c, score.analyse(c, rules))]
    positives = sum(1 for c in kept if not c.negative)
    print(f"{positives} positives and {len(kept) - positives} negatives right as posted")
    with tempfile.TemporaryDirectory() as folder:
        for name in names:
            lost, counts, hit = [], [], []
            for case in kept:
                log = Path(folder) / f"{case.stem}.log"
                log.write_text(wrapped(name, case.log.read_text(encoding="utf-8", errors="replace")), encoding="utf-8")
                found = score.analyse(dataclasses.replace(case, log=log), rules)
                if case.negative:
                    hit += [case.stem] if found.categories else []
                elif found.families != case.families:
                    lost.append(case.stem)
                elif found.calls != case.events:
                    counts.append(case.stem)
            print(
                f"{name}: families lost {len(lost)}, counts changed {len(counts)}, negatives hit {len(hit)}"
                + (f"  lost: {' '.join(lost[:8])}" if lost else "")
                + (f"  hit: {' '.join(hit[:5])}" if hit else "")
                + (f"  counts: {' '.join(counts[:5])}" if counts else ""),
                flush=True,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
