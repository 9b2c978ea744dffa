"""One exception hierarchy; only cli.py turns these into a stderr line and an exit status."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Exit statuses of the `logscan` command (documented in the README)."""

    OK = 0
    INCIDENT = 1  # an incident at or above --fail-on
    USAGE = 2  # bad option, missing input file
    RULES = 3  # invalid rule file
    INPUT = 4  # input partly unreadable; the report is still written
    SOFTWARE = 70  # an internal error, a bug in logscan (sysexits.h EX_SOFTWARE)
    OUTPUT = 74  # the report could not be written: a full disk, a failing stdout (EX_IOERR)
    INTERRUPTED = 130  # Ctrl-C


class LogscanError(Exception):
    """Base of every error logscan reports to the user."""

    exit_code = ExitCode.USAGE

    def __init__(self, where: str, what: str, fix: str = "") -> None:
        super().__init__(f"{where}: {what}" if where else what)
        self.where, self.what, self.fix = where, what, fix

    def line(self) -> str:
        """The one stderr line: `<where>: <what> (<how to fix>)`."""
        text = f"{self.where}: {self.what}" if self.where else self.what
        return f"{text} ({self.fix})" if self.fix else text


class UsageError(LogscanError):
    """A bad option or a missing input."""

    exit_code = ExitCode.USAGE


class OutputError(LogscanError):
    """The report could not be written where it was to go."""

    exit_code = ExitCode.OUTPUT


class RuleError(LogscanError):
    """One problem in a rule file, located at file:line."""

    exit_code = ExitCode.RULES


class RuleSetError(LogscanError):
    """Every problem found while loading rule files, collected before failing."""

    exit_code = ExitCode.RULES

    def __init__(self, problems: list[RuleError]) -> None:
        first = problems[0]
        more = f" (+{len(problems) - 1} more)" if len(problems) > 1 else ""
        super().__init__(first.where, first.what + more, first.fix)
        self.problems = problems
