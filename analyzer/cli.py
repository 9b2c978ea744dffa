"""The `logscan` command: options into a frozen Options, the pipeline, a report, an exit status."""

from __future__ import annotations

import contextlib
import locale
import os
import sys
import time
import traceback
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, tzinfo
from pathlib import Path
from typing import BinaryIO, TextIO, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import click

from . import (
    __version__,
    memory,
    output,
    parallel,
    pipeline,
    prefilter,
    redaction,
    reporting,
    rulecheck,
    ruleset,
    templates,
    timestamps,
)
from .errors import ExitCode, LogscanError, RuleSetError, UsageError
from .models import Analysis, Severity

PROG = "logscan"
MIN_CHARS = 2000  # the least --max-chars: a headline, the summary and what was left out fit in it
SEVERITIES = [s.value for s in Severity]


@dataclass(frozen=True, slots=True)
class ScanOptions:
    """What the scan command was asked for."""

    run: pipeline.Options
    format: str
    output: str
    rule_paths: tuple[str, ...]
    builtin_rules: bool
    fail_on: str
    lang: str
    debug: bool
    write: reporting.WriteOptions = field(default_factory=reporting.WriteOptions)
    baseline: str = ""  # an earlier JSON report to compare with
    fail_on_new: bool = False  # --fail-on counts new (and regressed) incidents only


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: dispatch to `rules ...` or to the scan, and turn every error into one line."""
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        result = _dispatch(args)
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.ClickException as exc:
        return _fail(f"{exc.format_message()} (see '{PROG} --help')", ExitCode.USAGE)
    except (click.exceptions.Abort, KeyboardInterrupt):
        return _fail("interrupted", ExitCode.INTERRUPTED)
    except RuleSetError as exc:
        for problem in exc.problems:  # every problem of every file, one line each
            _say(f"{PROG}: error: {problem.line()}", err=True)
        return exc.exit_code
    except LogscanError as exc:
        _traceback(exc, args)
        return _fail(exc.line(), exc.exit_code)
    except BrokenPipeError:
        output.quiet_stdout()
        return ExitCode.OK
    except Exception as exc:  # a bug: one line and EX_SOFTWARE, never 1, which a CI gate reads as an incident
        return _internal_error(exc, args)
    return int(result or 0)


def _dispatch(args: list[str]) -> int | None:
    """`rules ...` or the scan: click parses; a scan runs and writes outside click's EPIPE handling."""
    if args[:1] == ["rules"]:
        return cast(int | None, rules_group.main(args[1:], prog_name=f"{PROG} rules", standalone_mode=False))
    result = scan.main(args, prog_name=PROG, standalone_mode=False)
    return execute(result) if isinstance(result, ScanOptions) else cast(int | None, result)


def _say(text: str = "", err: bool = False) -> None:
    """One line of output, redacted: a rule's text, an error or a warning may quote a secret from a log."""
    click.echo(redaction.redact(text), err=err)


def _fail(message: str, code: int) -> int:
    _say(f"{PROG}: error: {message}", err=True)
    return code


def debugging(args: Sequence[str]) -> bool:
    """Whether errors show their Python traceback: --debug (or its old name --traceback), LOGSCAN_DEBUG=1."""
    return "--debug" in args or "--traceback" in args or os.environ.get("LOGSCAN_DEBUG", "") not in ("", "0")


def _traceback(exc: BaseException, args: Sequence[str]) -> None:
    if debugging(args):
        traceback.print_exception(exc, file=sys.stderr)


def _internal_error(exc: Exception, args: Sequence[str]) -> int:
    """An exception no code path expected: its type and message on one line (redacted, it may quote
    a log), the traceback only when debugging."""
    _traceback(exc, args)
    what = redaction.redact(" ".join(str(exc).split()))[:300]
    hint = "" if debugging(args) else ", with the traceback that --debug or LOGSCAN_DEBUG=1 shows"
    click.echo(
        f"{PROG}: internal error: {type(exc).__name__}{': ' + what if what else ''} "
        f"(a bug in logscan: please report it{hint})",
        err=True,
    )
    return ExitCode.SOFTWARE


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("paths", nargs=-1)
@click.option(
    "-f",
    "--format",
    "fmt",
    type=click.Choice(reporting.FORMATS),
    help="Report format [default: text on a terminal, md otherwise; with -o, from its suffix].",
)
@click.option(
    "-o", "--output", "target", default="", help="Write the report to this file (replaced whole), - for stdout."
)
@click.option("--rules", "rule_paths", multiple=True, help="Extra rule file or folder (repeatable).")
@click.option("--no-builtin-rules", is_flag=True, help="Use only the rules given with --rules.")
@click.option(
    "--tz", default="", help="Zone of timestamps that carry none (IANA name, UTC or +09:00) [default: local]."
)
@click.option(
    "--since", default="", help="Only events at or after: an ISO time, or a duration back from the last record (2h)."
)
@click.option(
    "--until", default="", help="Only events at or before: an ISO time, or a duration back from the last record."
)
@click.option(
    "--now",
    "now_text",
    default="",
    help="Take this ISO time as now: --since/--until durations count back from it, not from the last record.",
)
@click.option(
    "--date",
    "day_text",
    default="",
    help="The day (YYYY-MM-DD) of stamps with a time and no date [default: the day of --now, else today].",
)
@click.option(
    "--fail-on",
    type=click.Choice(SEVERITIES),
    default=None,
    help="Exit 1 when an incident is at or above this severity.",
)
@click.option(
    "--lang", type=click.Choice(["en", "ja"]), default=None, help="Report language [default: from the locale]."
)
@click.option("--engine", type=click.Choice(prefilter.ENGINE_NAMES), default="auto", help="Prefilter engine.")
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=0),
    default=0,
    help="Processes per input [default: 0, the CPU count for inputs over 4 MB, else 1].",
)
@click.option("--no-redact", is_flag=True, help="Keep API keys, tokens, e-mails and card numbers in the report.")
@click.option(
    "--max-chars",
    type=click.IntRange(min=MIN_CHARS),
    default=None,
    help="Fit md, jira or adf in this many characters [default: 65536 for md, 32767 for jira and adf].",
)
@click.option("--baseline", default="", help="An earlier JSON report: mark incidents new, known, regressed, gone.")
@click.option("--fail-on-new", is_flag=True, help="With --fail-on: count only incidents new since --baseline.")
@click.option("--report-url", default="", help="Where the full report is published (links of pager events).")
@click.option(
    "--routing-key", default="", help="PagerDuty routing key for -f pagerduty [default: $PAGERDUTY_ROUTING_KEY]."
)
@click.option("--jsonl", is_flag=True, help="Pager events (-f pagerduty, opsgenie) one a line, not an array.")
@click.option(
    "--events",
    "events_text",
    default="all",
    metavar="all|none|N",
    help="Events the JSON report lists: all, none or the first N; its summary says how many it left out "
    "[default: all].",
)
@click.option(
    "--debug",
    "--traceback",
    "debug",
    is_flag=True,
    help="Show the Python traceback of an error (for bug reports); also LOGSCAN_DEBUG=1.",
)
@click.version_option(__version__, prog_name=PROG)
def scan(
    paths: tuple[str, ...],
    fmt: str | None,
    target: str,
    rule_paths: tuple[str, ...],
    no_builtin_rules: bool,
    tz: str,
    since: str,
    until: str,
    now_text: str,
    day_text: str,
    fail_on: str | None,
    lang: str | None,
    engine: str,
    jobs: int,
    no_redact: bool,
    max_chars: int | None,
    baseline: str,
    fail_on_new: bool,
    report_url: str,
    routing_key: str,
    jsonl: bool,
    events_text: str,
    debug: bool,
) -> ScanOptions:
    """Find why an application's OpenAI API calls failed, from its logs.

    PATHS are files, folders (read recursively), globs or - for stdin; none reads stdin.
    `logscan rules list|show ID|test` manages the rules.
    """
    zone = _zone(tz, since, until)
    out = "" if target == output.STDOUT else target
    fmt = fmt or _default_format(out)
    given = (max_chars, report_url, routing_key, jsonl, events(events_text))
    write = _write_options(fmt, out, given, fail_on_new and not fail_on)
    now = parse_now(now_text, zone)
    found = (tuple(paths), engine, _capped(jobs), not no_redact, out)
    return ScanOptions(
        run=_run_options(found, zone, (now, parse_day(day_text)), since, until),
        format=fmt,
        output=out,
        rule_paths=rule_paths,
        builtin_rules=not no_builtin_rules,
        fail_on=fail_on or "",
        lang=lang or default_lang(),
        debug=debug,
        write=write,
        baseline=baseline,
        fail_on_new=fail_on_new,
    )


def _write_options(
    fmt: str, out: str, given: tuple[int | None, str, str, bool, int | None], new_alone: bool
) -> reporting.WriteOptions:
    """How to write the report: `given` is --max-chars, --report-url, --routing-key, --jsonl and --events."""
    max_chars, report_url, routing_key, jsonl, listed = given
    key = routing_key or os.environ.get("PAGERDUTY_ROUTING_KEY", "")
    check_write_options(fmt, max_chars, jsonl, key, new_alone)
    beside = _beside(out) if fmt in reporting.FITTED else ""
    return reporting.WriteOptions(False, max_chars, beside, report_url, key, jsonl, listed)


def _zone(tz: str, since: str, until: str) -> tzinfo:
    """--tz, with --since and --until checked in it."""
    zone = parse_zone(tz)
    for name, value in (("--since", since), ("--until", until)):
        check_time_option(name, value, zone)
    return zone


def _capped(jobs: int) -> int:
    """--jobs, at most the CPUs logscan may use (said on stderr when it was more)."""
    if parallel.capped_jobs(jobs) < jobs:
        _say(f"{PROG}: warning: --jobs {jobs}: capped at {parallel.cpus()}, the CPUs logscan may use", err=True)
    return parallel.capped_jobs(jobs)


def _run_options(
    found: tuple[tuple[str, ...], str, int, bool, str],
    zone: tzinfo,
    when: tuple[datetime | None, date | None],
    since: str,
    until: str,
) -> pipeline.Options:
    """The pipeline's options: `found` is the paths, engine, jobs, whether to redact, and the report's file;
    `when`, --now and --date."""
    paths, engine, jobs, redact, out = found
    now, day = when
    return pipeline.Options(
        paths, zone, now or datetime.now(zone), since, until, engine, redact, jobs, out, now is not None, day
    )


def parse_day(text: str) -> date | None:
    """--date: a day, YYYY-MM-DD; None when not given."""
    if not text:
        return None
    with contextlib.suppress(ValueError):
        if len(text) == 10:
            return date.fromisoformat(text)
    raise UsageError("--date", f"{text!r} is not a day", "use YYYY-MM-DD, e.g. --date 2026-03-14")


def check_write_options(fmt: str, max_chars: int | None, jsonl: bool, key: str, new_alone: bool) -> None:
    """Options that only some formats take, given to another; a pager format without what it needs."""
    if max_chars is not None and fmt not in reporting.FITTED:
        raise UsageError("--max-chars", f"-f {fmt} is not fitted to a size", f"use -f {', '.join(reporting.FITTED)}")
    if jsonl and fmt not in reporting.PAGERS:
        raise UsageError("--jsonl", f"-f {fmt} is not a list of events", f"use -f {' or '.join(reporting.PAGERS)}")
    if fmt == "pagerduty" and not key:
        raise UsageError("-f pagerduty", "no routing key", "set PAGERDUTY_ROUTING_KEY, or pass --routing-key")
    if new_alone:
        raise UsageError("--fail-on-new", "it limits --fail-on, which is not given", "add --fail-on SEVERITY")


def events(text: str) -> int | None:
    """--events: None for all, else how many the JSON report lists."""
    word = text.strip().lower()
    if word in ("all", "none"):
        return None if word == "all" else 0
    if not word.isdigit():
        raise UsageError("--events", f"{text!r} is not all, none or a count", "use --events all, none or 100")
    return int(word)


def _beside(target: str) -> str:
    """Where the whole report goes when a fitted one written to `target` is shortened: HTML beside it."""
    if not target:
        return ""
    path = Path(target)
    html = path.with_suffix(".html")
    return str(html if html != path else path.with_name(f"{path.stem}.full.html"))


def execute(options: ScanOptions) -> int:
    """Run the pipeline, write the report, return the exit status."""
    stdin = _stdin(options)
    if options.output:
        output.check_target(options.output)
    remembered = read_baseline(options.baseline) if options.baseline else None
    rules = ruleset.load(options.rule_paths, builtin=options.builtin_rules)
    if not rules.rules:
        raise UsageError("--rules", _no_rules(options.rule_paths), "name rule files with [[rule]] tables")
    if not options.run.redact:
        _say(f"{PROG}: warning: redaction is off: the report may contain API keys and personal data", err=True)
    analysis = _run(options, rules, stdin)
    _warn_of(analysis, options.run.paths)
    report = reporting.build(analysis, options.lang, options.run.tz)
    if remembered is not None:
        gaps = {r.id: r.gap for r in rules.incidents}
        report = reporting.baseline.apply(report, remembered, options.baseline, gaps, options.run.tz)
    counted = [i for i in report.incidents if not options.fail_on_new or i.novelty != "known"]
    status = exit_status(analysis.problems, [Severity(i.severity) for i in counted], options.fail_on)
    write(report, options)
    return status


def _stdin(options: ScanOptions) -> BinaryIO | None:
    """Standard input, when it is to be read: no paths given and it is not a terminal."""
    stdin = None if sys.stdin is None or (not options.run.paths and sys.stdin.isatty()) else sys.stdin.buffer
    if not options.run.paths and stdin is None:
        raise UsageError("", "no input and stdin is a terminal", "pipe a log in, or name files: logscan app.log")
    return stdin


def _run(options: ScanOptions, rules: ruleset.RuleSet, stdin: BinaryIO | None) -> Analysis:
    """The pipeline, with the progress line on stderr when it is a terminal."""
    progress = ProgressLine(sys.stderr) if _terminal(sys.stderr) else None
    try:
        return pipeline.run(options.run, rules, stdin, progress)
    finally:
        if progress is not None:
            progress.close()


class ProgressLine:
    """A progress line on a terminal's stderr for long scans: MB/s, lines/s, the events so far and the
    commonest categories of those whose own words name one (a status-only line's waits for its call);
    then the stage after the scan (the calls, correlation), which takes a third of
    an outage day's run. Incidents are not counted as the scan goes: they are known only once every
    event is in (a quota outage's card declines and quota failures are one incident, its reprinted
    lines one call each)."""

    DELAY = 2.0  # seconds before the first line: short scans show nothing
    EVERY = 0.5
    SHOWN = 3  # categories named on the line at most

    def __init__(self, stream: TextIO = sys.stderr, clock: Callable[[], float] = time.monotonic) -> None:
        self.stream, self.clock = stream, clock
        self.started = self.shown = clock()
        self.bytes = self.lines = self.events = 0
        self.categories: Counter[str] = Counter()
        self.visible = False

    def advance(self, nbytes: int, lines: int, events: Mapping[str, int]) -> None:
        """Add what was scanned since the last call (the events found, by category); redraw at most
        twice a second."""
        self.bytes, self.lines = self.bytes + nbytes, self.lines + lines
        self.events += sum(events.values())
        self.categories.update(events)
        now = self.clock()
        if now - self.started >= self.DELAY and now - self.shown >= self.EVERY:
            self.shown, self.visible = now, True
            self.stream.write("\r\x1b[K" + self.line(now - self.started))
            self.stream.flush()

    def stage(self, what: str) -> None:
        """After the scan: what the run does now, on the line of a scan that showed one (a long one)."""
        if self.visible:
            self.stream.write(f"\r\x1b[K{PROG}: {self.bytes / 1e6:,.0f} MB read; {what}")
            self.stream.flush()

    def line(self, elapsed: float) -> str:
        """The text of the progress line."""
        rate = max(elapsed, 1e-9)
        named = Counter({name: n for name, n in self.categories.items() if name})
        commonest = ", ".join(f"{name} {n:,}" for name, n in named.most_common(self.SHOWN))
        return (
            f"logscan: {self.bytes / 1e6:,.0f} MB, {self.bytes / 1e6 / rate:,.0f} MB/s, "
            f"{self.lines / rate:,.0f} lines/s, {self.events:,} events" + (f"; {commonest}" if commonest else "")
        )

    def close(self) -> None:
        """Clear the line, so the report and warnings start on a clean one."""
        if self.visible:
            self.stream.write("\r\x1b[K")
            self.stream.flush()


def _warn_of(analysis: Analysis, paths: Sequence[str]) -> None:
    """The input problems and notes of a run on stderr, and that nothing was read when nothing was."""
    for problem in analysis.problems:
        _say(f"{PROG}: warning: {problem}", err=True)
    for note in analysis.notes:
        _say(f"{PROG}: warning: {note}", err=True)
    if not analysis.lines and not analysis.problems:  # (a problem already says why)
        where = ", ".join(paths) or "stdin"
        _say(f"{PROG}: warning: nothing was read: {where} held no lines (the report says so)", err=True)


def write(report: reporting.Report, options: ScanOptions) -> None:
    """The report to stdout or its file; a fitted one that was shortened, with the whole report (HTML)
    written beside its file first."""
    color = options.format == "text" and not options.output and _terminal(sys.stdout) and "NO_COLOR" not in os.environ
    beside = options.write.full_report  # the note names it by its name: the two are in one folder
    how = replace(options.write, color=color, full_report=Path(beside).name if beside else "")
    chunks = reporting.render_chunks(report, options.format, color, how)
    try:
        if options.output:
            if isinstance(chunks, reporting.Fitted) and chunks.shortened:
                output.check_target(beside)
                output.write_file(beside, reporting.render_chunks(report, "html"))
            output.write_file(options.output, chunks)
        else:
            output.write_stdout(chunks)
    except BrokenPipeError:  # a reader that stopped early (`| head -1`): the status is still the scan's
        output.quiet_stdout()


def read_baseline(path: str) -> tuple[reporting.baseline.Remembered, ...]:
    """The incidents of an earlier JSON report (--baseline); a usage error when it cannot be read."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise UsageError("--baseline", f"cannot read {path}: {reason}", "name a JSON report of logscan") from None
    return reporting.baseline.parse(text, path)


def _no_rules(paths: tuple[str, ...]) -> str:
    """Why a scan has no rule to match (only --no-builtin-rules gets there): a scan that could find nothing."""
    if not paths:
        return "no rule loaded: --no-builtin-rules, and no --rules"
    return f"no rule loaded: --no-builtin-rules, and no [[rule]] table in {', '.join(paths)}"


def exit_status(problems: list[str], severities: list[Severity], fail_on: str) -> ExitCode:
    """4 when input was partly unreadable, else 1 when an incident reaches --fail-on, else 0."""
    if problems:
        return ExitCode.INPUT
    if fail_on and any(s.rank >= Severity(fail_on).rank for s in severities):
        return ExitCode.INCIDENT
    return ExitCode.OK


def _default_format(target: str) -> str:
    """The format a target's suffix names; md for a name without one; text or md for stdout."""
    if not target:
        return "text" if _terminal(sys.stdout) else "md"
    suffix = Path(target).suffix.lower()
    if suffix and suffix not in reporting.SUFFIXES:
        known = ", ".join(f"{s} ({name})" for s, name in reporting.SUFFIXES.items())
        raise UsageError(f"-o {target}", f"no report format writes {suffix} files", f"name one with -f, or use {known}")
    return reporting.SUFFIXES.get(suffix, "md")


def _terminal(stream: TextIO | None) -> bool:
    return stream is not None and stream.isatty()  # None: started with it closed (`>&-`)


def default_lang() -> str:
    """Japanese when the locale says so, else English."""
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name)
        if value:
            return "ja" if value.lower().startswith("ja") else "en"
    code = locale.getlocale()[0] or ""
    return "ja" if code.lower().startswith("ja") else "en"


def parse_zone(text: str) -> tzinfo:
    """An IANA zone name, UTC, or a fixed offset like +09:00; empty means the local zone (TZ honoured)."""
    if not text:
        env = os.environ.get("TZ", "")
        if env and not env.startswith(":"):
            try:
                return ZoneInfo(env)
            except (ZoneInfoNotFoundError, ValueError):
                pass
        return datetime.now().astimezone().tzinfo or UTC
    if text.upper() in ("UTC", "Z"):
        return UTC
    if text[:1] in ("+", "-"):
        try:
            return timestamps.fixed_offset(text)
        except ValueError:
            raise UsageError(  # noqa: B904 - the ValueError adds nothing
                "--tz", f"'{text}' is no offset from UTC", "write one from -23:59 to +23:59, such as +09:00 or -05:30"
            )
    try:
        return ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError):
        raise UsageError(  # noqa: B904 - the zoneinfo error says nothing the user needs
            "--tz", f"unknown time zone '{text}'", "use an IANA name such as Asia/Tokyo, UTC or +09:00"
        )


def parse_now(text: str, zone: tzinfo) -> datetime | None:
    """--now as a time (in `zone` when it names none), or None when not given."""
    if not text:
        return None
    when = pipeline.option_time("--now", text, zone)
    if not isinstance(when, datetime):
        raise UsageError("--now", f"'{text}' is a duration, not a time", "write a time such as 2026-03-14T09:00")
    return when


def check_time_option(name: str, value: str, zone: tzinfo) -> None:
    """Fail early, before reading anything, on a --since/--until that is neither a time nor a duration."""
    if value:
        pipeline.option_time(name, value, zone)


# --- logscan rules ... ---------------------------------------------------------------------------


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def rules_group() -> None:
    """List, show and test the rules."""


_rules_option = click.option("--rules", "rule_paths", multiple=True, help="Extra rule file or folder (repeatable).")
_builtin_option = click.option("--no-builtin-rules", is_flag=True, help="Only the rules given with --rules.")


@rules_group.command("list")
@_rules_option
@_builtin_option
def rules_list(rule_paths: tuple[str, ...], no_builtin_rules: bool) -> int:
    """One line a rule: id, category, severity, retryable, examples; then the incident rules."""
    loaded = ruleset.load(rule_paths, builtin=not no_builtin_rules)
    rows = [("ID", "CATEGORY", "SEVERITY", "RETRYABLE", "EXAMPLES")]
    for rule in loaded.rules:
        category = rule.category.value if rule.category else f"({rule.outcome.value})"
        examples = str(len(rule.examples_match) + len(rule.examples_no_match))
        rows.append((rule.id, category, rule.severity.value, "yes" if rule.retryable else "no", examples))
    _table(rows)
    if loaded.incidents:
        _say()
        incidents = [("INCIDENT RULE", "TYPE", "ROOT CAUSE", "SEVERITY", "EXAMPLES")]
        for inc in loaded.incidents:
            root = inc.category.value if inc.category else "(from events)"
            severity = inc.severity.value if inc.severity else "(worst event)"
            incidents.append((inc.id, inc.type, root, severity, str(len(inc.examples))))
        _table(incidents)
    _warn(loaded)
    return ExitCode.OK


def _table(rows: Sequence[tuple[str, ...]]) -> None:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for row in rows:
        _say("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())


@rules_group.command("show")
@click.argument("rule_id")
@_rules_option
@_builtin_option
def rules_show(rule_id: str, rule_paths: tuple[str, ...], no_builtin_rules: bool) -> int:
    """Everything about one rule."""
    loaded = ruleset.load(rule_paths, builtin=not no_builtin_rules)
    incident = next((i for i in loaded.incidents if i.id == rule_id), None)
    if incident is not None:
        _show_incident(incident)
        return ExitCode.OK
    rule = loaded.rule(rule_id)
    if rule is None:
        close = [r for r in (*(x.id for x in loaded.rules), *(x.id for x in loaded.incidents)) if rule_id in r]
        raise UsageError(rule_id, "no such rule", f"try {close[0]}" if close else f"see '{PROG} rules list'")
    _show_rule(rule)
    return ExitCode.OK


def _show_rule(rule: ruleset.Rule) -> None:
    _say(f"id:          {rule.id}\ntitle:       {rule.title}\ndefined at:  {rule.location}")
    _say(f"category:    {rule.category.value if rule.category else '-'}\noutcome:     {rule.outcome.value}")
    _say(f"severity:    {rule.severity.value}\nretryable:   {'yes' if rule.retryable else 'no'}")
    _say(f"confidence:  {rule.confidence}\npriority:    {rule.priority}\nprovider:    {rule.provider}")
    _say(f"remediation: {rule.remediation or '-'}\nkeywords:    {', '.join(rule.keywords)}")
    for label, patterns in (("pattern", rule.patterns), ("unless", rule.unless)):
        for pattern in patterns:
            _say(f"{label}:     {pattern.pattern}")
    for label, examples in (("match", rule.examples_match), ("no match", rule.examples_no_match)):
        for example in examples:
            _say(f"{label}:  {example}")


def _show_incident(inc: ruleset.IncidentRule) -> None:
    _say(f"id:          {inc.id}\ntitle:       {inc.title}\ndefined at:  {inc.location}\ntype:        {inc.type}")
    _say(f"root cause:  {inc.category.value if inc.category else '(the most frequent of its events)'}")
    _say(f"severity:    {inc.severity.value if inc.severity else '(the worst of its events)'}")
    _say(f"priority:    {inc.priority}\nremediation: {inc.remediation or '(that of its root rule)'}")
    _say(f"group by:    {', '.join(inc.group_by) or '-'}")
    if inc.type == "sequence":
        for n, step in enumerate(inc.steps, 1):
            within = f" within {step.within}" if step.within else ""
            _say(f"step {n}:      {_selection(step.select)}{within}{' (optional)' if step.optional else ''}")
        _say(f"maxspan:     {inc.maxspan}\ntolerance:   {inc.tolerance}")
    else:
        _say(f"select:      {_selection(inc.select)}")
    if inc.type in ("event_count", "value_count"):
        op, threshold = inc.condition
        _say(f"condition:   {inc.field + ' distinct ' if inc.field else ''}{op} {threshold} within {inc.timespan}")
        recovery = f"; ends at a success held for {inc.confirm}" if inc.recovery else ""
        _say(f"closes:      after {inc.gap} without an event{recovery}")
    if inc.type == "absence":
        _say(f"awaits:      {_selection(inc.not_followed_by)} within {inc.within}")
    for example in inc.examples:
        events = ", ".join(f"+{int(o.total_seconds())}s {r}" for o, r, _ in example.events)
        _say(f"example:     {events} => {list(example.expect)}")


def _selection(select: ruleset.Selector) -> str:
    parts = [
        f"{name} {', '.join(str(getattr(v, 'value', v)) for v in values)}"
        for name, values in (
            ("rule", select.rules),
            ("category", select.categories),
            ("outcome", select.outcomes),
            ("incident", select.incidents),
        )
        if values
    ]
    parts += [f"{k}={'|'.join(v)}" for k, v in dict(select.fields).items()]
    parts += [f"{k}!={'|'.join(v)}" for k, v in dict(select.not_fields).items()]
    return "; ".join(parts) or "-"


@rules_group.command("starter")
@click.argument("paths", nargs=-1)
@_rules_option
@_builtin_option
@click.option("--tz", default="", help="Zone of timestamps that carry none.")
def rules_starter(paths: tuple[str, ...], rule_paths: tuple[str, ...], no_builtin_rules: bool, tz: str) -> int:
    """Read logs (PATHS, or stdin) and print a starter rule for each OpenAI failure no rule names."""
    loaded = ruleset.load(rule_paths, builtin=not no_builtin_rules)
    zone = parse_zone(tz)
    stdin = None if paths else sys.stdin.buffer
    if stdin is not None and sys.stdin.isatty():
        raise UsageError("", "no input", f"name log files, or pipe a log into '{PROG} rules starter'")
    analysis = pipeline.run(pipeline.Options(paths or ("-",), zone, datetime.now(zone)), loaded, stdin)
    groups = reporting.unrecognised(analysis.events, loaded, lambda when: None, analysis.texts)
    taken: set[str] = set()
    for group in groups:
        rule = loaded.rule(group.rule)
        assert rule is not None  # a generic kind's rule
        _say(f"# {group.count} x {group.rule}, first at {group.example.source}:{group.example.line}")
        _say(templates.starter_rule(group.template, templates.message_line(group.example.text), rule, taken))
    if not groups:
        _say(f"{PROG}: no OpenAI failure without a rule in the input", err=True)
    _warn(loaded)
    return ExitCode.OK


@rules_group.command("test")
@click.argument("paths", nargs=-1)
@_builtin_option
def rules_test(paths: tuple[str, ...], no_builtin_rules: bool) -> int:
    """Run every rule's examples (shipped rules, plus rule files or folders in PATHS)."""
    loaded = ruleset.load(paths, builtin=not no_builtin_rules, strict=False)
    for problem in loaded.errors:  # every problem of every stage at once: the files', then the examples'
        _say(f"{PROG}: error: {problem.line()}", err=True)
    failures, count = rulecheck.check(loaded)
    for failure in failures:
        _say(f"FAIL {failure.line()}")
    _warn(loaded)
    _say(
        f"{count - len(failures)} passed, {len(failures)} failed "
        f"({len(loaded.rules)} rules, {len(loaded.incidents)} incident rules)"
        + (f"; {len(loaded.errors)} errors in the rule files" if loaded.errors else "")
    )
    if loaded.errors:
        return ExitCode.RULES
    return ExitCode.INCIDENT if failures else ExitCode.OK


def _warn(loaded: ruleset.RuleSet) -> None:
    for warning in loaded.warnings:
        _say(f"{PROG}: warning: {warning}", err=True)


def entry_point() -> None:
    """The console script."""
    memory.map_large_blocks()
    sys.exit(main())
