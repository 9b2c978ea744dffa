"""The items that cross stage boundaries: frozen, slotted dataclasses and fixed vocabularies."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, fields, make_dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Any, TypeVar, cast

if TYPE_CHECKING:  # the counts and settings of the stages that make an Analysis, for their types only
    from .evidence import Texts
    from .matching import MatchStats
    from .pipeline import Options
    from .ruleset import RuleSet
    from .sources import SourceStats


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
    GATEWAY = "gateway"  # a gateway's own failure in front of OpenAI (a LiteLLM proxy's budget), not OpenAI's


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


# The field of a transport line that openai-python retried: the delay its notice on the line before named (a
# try of the call whose try came that long before it; matching.RETRY_NOTICE, correlation.calls._unclosed).
SDK_RETRY = "sdk_retry"
# The field of a failure that an app's own bare notice on the line before said it tries again (`Retrying...`,
# matching.APP_RETRY_NOTICE): the failure before it of its kind in its source was a try of the same call.
APP_RETRY = "app_retry"


class Outcome(StrEnum):
    """What a matched record says about an API call or the account."""

    FAILURE = "failure"  # a failed call, or part of one
    SIGNAL = "signal"  # a billing or operator line that explains failures (auto-recharge triggered)
    SUCCESS = "success"  # a successful call or a recovery (credit purchased)


class Status(StrEnum):
    """Whether an incident was still open when the input ended."""

    RESOLVED = "resolved"
    ONGOING = "ongoing"


_T = TypeVar("_T")
_SET = object.__setattr__


def made_fast(cls: type[_T]) -> type[_T]:
    """A frozen slotted dataclass made at a third of the cost, for the few made once a record or an
    event: a frozen dataclass sets each field through object.__setattr__ (an Event 1.5 us), so each is
    made as a mutable twin of the same slots and fields, whose class is then changed to its own (0.6
    us; Python allows that between classes of the same layout). Type checkers see the dataclass."""
    twin = make_dataclass(f"_{cls.__name__}Unfrozen", [(f.name, f.type, f) for f in fields(cast(Any, cls))], slots=True)
    names: tuple[str, ...] = getattr(cls, "__slots__", ())
    assert getattr(twin, "__slots__", None) == names  # (the same layout, or Python refuses the class change)

    def __new__(kind: type[_T], *args: object, **kwargs: object) -> _T:
        made = twin(*args, **kwargs)
        _SET(made, "__class__", kind)
        return cast(_T, made)

    def __init__(self: object, *args: object, **kwargs: object) -> None:
        pass  # (filled by __new__)

    def __reduce__(self: object) -> tuple[type, tuple[object, ...]]:  # (pickled and copied as its arguments)
        return type(self), tuple(getattr(self, name) for name in names)

    cls.__new__ = __new__  # type: ignore[assignment]
    cls.__init__ = __init__  # type: ignore[method-assign]
    if "__reduce__" not in cls.__dict__:
        cls.__reduce__ = __reduce__  # type: ignore[assignment,method-assign]
    return cls


@made_fast
@dataclass(frozen=True, slots=True)
class Record:
    """One logical log record: a line, or a line with its traceback and continuations."""

    source: str
    line: int  # first input line, 1-based
    end_line: int  # last input line, inclusive
    text: str  # unwrapped text: CRI/Docker prefixes removed, partial lines joined
    wrapper: str = ""  # "cri", "docker" or "docker-t" (`docker logs -t`) when the line was wrapped
    wrapper_time: str = ""  # the wrapper's own timestamp, raw
    stream: str = ""  # stdout or stderr, from the wrapper


@made_fast
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
    bad_time: bool = False  # a timestamp was there, but no usable time (time is then None)
    logged: int = -1  # where an unescaped copy of the text starts in `text` (-1: none): evidence is read before it


class Fields(Mapping[str, str]):
    """An event's fields in 120 bytes where a dict of four takes 184: the names, one tuple for every
    set of the same names, and the values (an outage's failed calls each have their own request id,
    so their fields are not shared). Read-only, as events never change theirs; equal to the dict of
    the same items."""

    __slots__ = ("_names", "_values")

    def __init__(self, names: tuple[str, ...], values: tuple[str, ...]) -> None:
        self._names, self._values = names, values

    def __getitem__(self, name: str) -> str:
        names = self._names
        if name in names:
            return self._values[names.index(name)]
        raise KeyError(name)

    def get(self, name: str, default: str | None = None) -> str | None:  # type: ignore[override]
        names = self._names
        return self._values[names.index(name)] if name in names else default

    def __contains__(self, name: object) -> bool:
        return name in self._names

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)

    def __repr__(self) -> str:
        return repr(dict(zip(self._names, self._values, strict=True)))

    def parts(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """The names and the values, in order."""
        return self._names, self._values

    def __reduce__(self) -> tuple[type[Fields], tuple[tuple[str, ...], tuple[str, ...]]]:
        return Fields, (self._names, self._values)


# An Event as its constructor's arguments: how a --jobs worker sends its events back (a tuple pickles
# and loads in half the time of an Event, and the merge makes the Event once, at its place in the file).
EventRow = tuple[
    str, Category | None, Outcome, Severity, bool, str, datetime | None, str, int, int, str, Mapping[str, str]
]


@made_fast
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
    text: str  # the evidence, already redacted; "" once a run holds it apart (pipeline.Analysis.texts)
    fields: Mapping[str, str] = field(default_factory=dict)

    @property
    def call_success(self) -> bool:
        """A successful API call, not a success of another kind (a recovery action such as credit bought)."""
        return self.outcome is Outcome.SUCCESS and self.category is None

    def __reduce__(self) -> tuple[type[Event], EventRow]:
        # Pickled as its constructor's arguments: the default way for a frozen slotted dataclass
        # (setattr by setattr) is twice as slow.
        return Event, self.row()

    def row(self) -> EventRow:
        """The constructor's arguments, in order: Event(*event.row()) == event."""
        return (
            self.rule,
            self.category,
            self.outcome,
            self.severity,
            self.retryable,
            self.confidence,
            self.time,
            self.source,
            self.line,
            self.end_line,
            self.text,
            self.fields,
        )


@dataclass(frozen=True, slots=True)
class Reason:
    """Why, as data: a key of the `reasons` tables in report_templates/messages.toml and its parameters
    (times, durations, counts, categories, reasons of steps); the words of each language are there."""

    key: str = ""
    params: tuple[tuple[str, ReasonValue], ...] = ()

    def __bool__(self) -> bool:
        return bool(self.key)


ReasonValue = str | int | datetime | timedelta | Category | tuple[Reason, ...]
NO_REASON = Reason()


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
    events: Sequence[Event]  # in time order: Events (columns.Events) of a run, a tuple of a test's
    rules: tuple[str, ...]
    playbook: str  # the id of its remediation playbook
    opened_because: Reason
    closed_because: Reason
    recovered_at: datetime | None = None
    successes: int = 0  # successful calls seen while it lasted
    actions: tuple[Event, ...] = ()  # recovery actions seen while it lasted (credit bought)
    rule: str = ""  # the incident rule that made it
    grouped_because: Reason = NO_REASON  # why its events are one incident, in a sentence
    grouped_details: Reason = NO_REASON  # what it grouped (rules, counts), by which key and rule
    group: Mapping[str, str] = field(default_factory=dict)  # the group-by fields and their values
    figures: Mapping[str, str] = field(default_factory=dict)  # peak rate-limit figures (limit, used, requested)
    # (failed calls, attempts) of its events as correlation.count_calls counts them, once (an outage's
    # incident has half a million events); None: not counted yet
    calls: tuple[int, int] | None = field(default=None, compare=False)

    @property
    def duration(self) -> timedelta | None:
        """From the first to the last member event."""
        return self.end - self.start if self.start and self.end else None


@dataclass(frozen=True, slots=True)
class Analysis:
    """What the pipeline found: the input to every report (pipeline.run makes it, reporting reads it)."""

    sources: Sequence[SourceStats]
    events: Sequence[Event]  # failures and signals, time-ordered
    incidents: Sequence[Incident]
    successes: int
    start: datetime | None
    end: datetime | None
    match_stats: MatchStats
    ruleset: RuleSet
    options: Options
    texts: Texts = field(compare=False)  # the evidence texts the events do not hold
    window: tuple[datetime | None, datetime | None] = (None, None)
    filtered_out: int = 0
    success_times: Sequence[datetime] = ()  # in order
    undetermined: Sequence[str] = ()  # absence windows the input ended inside
    reprints: int = 0  # failures printed more than once: the prints folded into one event each
    unshown: int = 0  # failures whose record and source show no provider: left out
    notes: Sequence[str] = ()  # what the reader must know of how the report was made

    @property
    def problems(self) -> list[str]:
        return [p for s in self.sources for p in s.messages()]

    @property
    def lines(self) -> int:
        return sum(s.lines for s in self.sources)

    @property
    def records(self) -> int:
        return sum(s.records for s in self.sources)

    @property
    def undecodable(self) -> int:
        return sum(s.undecodable for s in self.sources)
