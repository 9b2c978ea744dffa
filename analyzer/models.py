"""The items that cross stage boundaries: frozen, slotted dataclasses and fixed vocabularies."""

from __future__ import annotations

from array import array
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum


class Category(StrEnum):
    """Root-cause vocabulary of events and incidents (the JSON report's contract)."""

    QUOTA = "quota"
    BILLING_CARD = "billing_card"
    RATE_LIMIT = "rate_limit"
    AUTH = "auth"
    PERMISSION_REGION = "permission_region"
    SERVER_ERROR = "server_error"
    OVERLOADED = "overloaded"
    TIMEOUT = "timeout"
    CONNECTION = "connection"
    CONTEXT_LENGTH = "context_length"
    MODEL_NOT_FOUND = "model_not_found"
    INVALID_REQUEST = "invalid_request"
    CONTENT_FILTER = "content_filter"


class Severity(StrEnum):
    """Incident and event severity, worst first in RANK."""

    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"

    @property
    def rank(self) -> int:
        """4 for critical down to 0 for info, so max() picks the worst."""
        return _SEVERITY_RANK[self]


_SEVERITY_RANK = {Severity.CRITICAL: 4, Severity.HIGH: 3, Severity.MEDIUM: 2, Severity.LOW: 1, Severity.INFO: 0}


class Outcome(StrEnum):
    """What a matched record says about an API call or the account."""

    FAILURE = "failure"  # a failed call, or part of one
    SIGNAL = "signal"  # a billing or operator line that explains failures (auto-recharge triggered)
    SUCCESS = "success"  # a successful call or a recovery (credit purchased)


class Status(StrEnum):
    """Whether an incident was still open when the input ended."""

    RESOLVED = "resolved"
    ONGOING = "ongoing"


@dataclass(frozen=True, slots=True)
class Record:
    """One logical log record: a line, or a line with its traceback and continuations."""

    source: str
    line: int  # first input line, 1-based
    end_line: int  # last input line, inclusive
    text: str  # unwrapped text: CRI/Docker prefixes removed, partial lines joined
    wrapper: str = ""  # "cri" or "docker" when the line was wrapped
    wrapper_time: str = ""  # the wrapper's own timestamp, raw
    stream: str = ""  # stdout or stderr, from the wrapper


@dataclass(frozen=True, slots=True)
class Entry:
    """A parsed record: time, level, message and fields."""

    record: Record
    time: datetime | None
    level: str  # normalised: debug, info, warning, error, critical, or ""
    message: str
    text: str  # what rules match: the message plus nested error text and traceback
    format: str  # the detected format name (python, json, logfmt, syslog, ...)
    fields: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Event:
    """A record matched by a rule."""

    rule: str
    category: Category | None  # None for successes
    outcome: Outcome
    severity: Severity
    retryable: bool
    confidence: str  # high or low
    time: datetime | None
    source: str
    line: int
    end_line: int
    text: str  # the evidence, already redacted
    fields: Mapping[str, str] = field(default_factory=dict)

    @property
    def call_success(self) -> bool:
        """A successful API call, not a success of another kind (a recovery action such as credit bought)."""
        return self.outcome is Outcome.SUCCESS and self.category is None


@dataclass(slots=True)
class Successes:
    """Successful API calls, as columns: a healthy day's log is mostly these, and each one matters
    only by its rule, time and place (recovery, the share of calls that failed, the timeline). An
    Event of one is made where it is needed. Append-only; kept in input order until sorted."""

    rules: list[str] = field(default_factory=list)
    times: list[datetime | None] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    lines: array[int] = field(default_factory=lambda: array("q"))
    end_lines: array[int] = field(default_factory=lambda: array("q"))

    def __len__(self) -> int:
        return len(self.rules)

    def add(self, rule: str, time: datetime | None, source: str, line: int, end_line: int) -> None:
        self.rules.append(rule)
        self.times.append(time)
        self.sources.append(source)
        self.lines.append(line)
        self.end_lines.append(end_line)

    def extend(self, other: Successes, time: datetime | None = None, lines: int = 0) -> None:
        """Append another's successes, `lines` lines further down; those without a time take `time`
        (what came before them)."""
        self.rules += other.rules
        self.times += other.times if time is None else [t or time for t in other.times]
        self.sources += other.sources
        self.lines += array("q", [n + lines for n in other.lines]) if lines else other.lines
        self.end_lines += array("q", [n + lines for n in other.end_lines]) if lines else other.end_lines

    def select(self, indices: list[int]) -> Successes:
        """The successes at these indices, in that order."""
        return Successes(
            [self.rules[i] for i in indices],
            [self.times[i] for i in indices],
            [self.sources[i] for i in indices],
            array("q", [self.lines[i] for i in indices]),
            array("q", [self.end_lines[i] for i in indices]),
        )

    def events(self, model: Mapping[str, Event]) -> Iterator[Event]:
        """Each success as an Event, made from `model`, the Event of its rule."""
        columns = zip(self.rules, self.times, self.sources, self.lines, self.end_lines, strict=True)
        for rule, time, source, line, end_line in columns:
            base = model[rule]
            yield Event(
                rule,
                None,
                Outcome.SUCCESS,
                base.severity,
                base.retryable,
                base.confidence,
                time,
                source,
                line,
                end_line,
                "",
            )


@dataclass(frozen=True, slots=True)
class Incident:
    """A window of trouble: the events grouped under one root cause."""

    id: str
    title: str
    category: Category
    categories: tuple[Category, ...]
    severity: Severity
    status: Status
    start: datetime | None  # None only when the source has no timestamps at all
    end: datetime | None
    events: tuple[Event, ...]
    rules: tuple[str, ...]
    playbook: str  # the id of its remediation playbook
    opened_because: str
    closed_because: str
    recovered_at: datetime | None = None
    successes: int = 0  # successful calls seen while it lasted
    actions: tuple[Event, ...] = ()  # recovery actions seen while it lasted (credit bought)
    rule: str = ""  # the incident rule that made it
    grouped_because: str = ""  # what it grouped, and by which key
    group: Mapping[str, str] = field(default_factory=dict)  # the group-by fields and their values
    figures: Mapping[str, str] = field(default_factory=dict)  # peak rate-limit figures (limit, used, requested)

    @property
    def duration(self) -> timedelta | None:
        """From the first to the last member event."""
        return self.end - self.start if self.start and self.end else None
