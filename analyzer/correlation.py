"""Correlation: events into incidents (first form: bursts per category, recovery, the card chain).

All state lives in one bounded `Correlator`: the incidents still open (one per group key) and
the ones already closed. Events must come in time order.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from .models import Category, Event, Incident, Outcome, Status
from .ruleset import RuleSet

QUIET_GAP = timedelta(minutes=10)
# Per-request errors recur at random; they are summed up over a longer window.
PER_REQUEST_GAP = timedelta(hours=6)
PER_REQUEST = {Category.CONTEXT_LENGTH, Category.MODEL_NOT_FOUND, Category.INVALID_REQUEST, Category.CONTENT_FILTER}
# These never clear by themselves: a successful call with no failure of the key for CONFIRM after
# it ends them (a failure within CONFIRM means the success was a fluke or another key: it goes on).
# A quiet stretch may only mean no traffic, so only a long one ends them.
OUTAGES = {Category.QUOTA, Category.AUTH, Category.PERMISSION_REGION}
LONG_GAP = timedelta(hours=2)
CONFIRM = timedelta(minutes=10)
# Card declines explain the quota errors that follow; calls may still succeed until credit runs out.
SLOW_BURN = {Category.BILLING_CARD}
CHAIN_WINDOW = timedelta(minutes=30)  # a decline this close before quota errors explains them
CHAIN_TITLE = "Card declined at auto-recharge, then credit exhausted"
CALL_WINDOW = timedelta(seconds=90)  # an SDK's retries of one call fit in this (0.5 s to 60 s backoff)


@dataclass
class _Open:
    key: tuple[str, str]
    events: list[Event] = field(default_factory=list)
    successes: int = 0
    pending_successes: int = 0  # successes since the last failure: counted once a failure follows
    actions: list[Event] = field(default_factory=list)
    closed_because: str = ""
    recovered_at: datetime | None = None

    @property
    def category(self) -> Category:
        return Category(self.key[0])

    @property
    def last(self) -> datetime:
        return self.events[-1].time  # type: ignore[return-value]


def assemble_calls(events: list[Event]) -> list[Event]:
    """Transport lines of one call take the category of the exception that ends it.

    A low-confidence event (an HTTP status and nothing more) followed, in the same source and
    within CALL_WINDOW, by a specific failure is an attempt of that failed call: it is relabelled
    with the failure's category and severity, and its `call` field names the failure's rule.
    Time-ordered in, time-ordered out.
    """
    out = list(events)
    pending: dict[str, list[int]] = {}
    for index, event in enumerate(out):
        if event.outcome is not Outcome.FAILURE or event.time is None:
            continue
        waiting = pending.setdefault(event.source, [])
        if event.confidence == "low":
            waiting.append(index)
            continue
        for i in waiting:
            low = out[i]
            if low.time is not None and event.time - low.time <= CALL_WINDOW and low.category is not event.category:
                out[i] = replace(
                    low,
                    category=event.category,
                    severity=event.severity,
                    retryable=event.retryable,
                    fields={**low.fields, "call": event.rule},
                )
        waiting.clear()
    return out


def group_key(event: Event) -> tuple[str, str]:
    """Events of one key form one incident: the category, and the limit kind for rate limits."""
    assert event.category is not None
    sub = event.fields.get("limit_kind", "") if event.category is Category.RATE_LIMIT else ""
    return event.category.value, "request_too_large" if sub == "request_too_large" else ""


def gap_for(category: Category) -> timedelta:
    """How long without an event of its key closes an incident."""
    if category in PER_REQUEST:
        return PER_REQUEST_GAP
    return LONG_GAP if category in OUTAGES | SLOW_BURN else QUIET_GAP


@dataclass
class Correlator:
    """Turns time-ordered events into incidents."""

    ruleset: RuleSet
    open: dict[tuple[str, str], _Open] = field(default_factory=dict)
    closed: list[_Open] = field(default_factory=list)
    undated: list[Event] = field(default_factory=list)

    def feed(self, event: Event) -> None:
        """Take the next event in time order."""
        if event.time is None:
            if event.outcome is not Outcome.SUCCESS:
                self.undated.append(event)
            return
        self._expire(event.time)
        if event.outcome is Outcome.SUCCESS:
            self._success(event)
            return
        key = group_key(event)
        current = self.open.get(key)
        if current is None:
            current = self.open[key] = _Open(key)
        current.events.append(event)
        current.recovered_at = None  # failing again: whatever succeeded did not end it
        current.successes += current.pending_successes
        current.pending_successes = 0

    def _expire(self, now: datetime) -> None:
        for key, inc in list(self.open.items()):
            gap = gap_for(inc.category)
            if inc.recovered_at is not None and now - inc.recovered_at > CONFIRM:
                inc.closed_because = (
                    f"first successful call at {inc.recovered_at:%Y-%m-%d %H:%M:%S %z}, "
                    f"no failure for {_minutes(CONFIRM)} after it"
                )
                self.closed.append(self.open.pop(key))
            elif now - inc.last > gap:
                inc.closed_because = f"no {inc.category.value} event for {_minutes(gap)}"
                inc.recovered_at = None
                self.closed.append(self.open.pop(key))

    def _success(self, event: Event) -> None:
        for inc in self.open.values():
            if event.category is not None:  # a recovery action, such as credit bought
                inc.actions.append(event)
                continue
            inc.pending_successes += 1
            if inc.category in OUTAGES and inc.recovered_at is None:
                inc.recovered_at = event.time

    def finish(self, end_of_input: datetime | None) -> list[_Open]:
        """Close what is still open: ongoing when the input ends inside its quiet gap."""
        if end_of_input is not None:
            self._expire(end_of_input)
        for inc in self.open.values():
            if inc.recovered_at is not None:
                inc.closed_because = (
                    f"first successful call at {inc.recovered_at:%Y-%m-%d %H:%M:%S %z}; "
                    "the input ended before it was confirmed"
                )
            else:
                inc.closed_because = "ongoing: the input ended inside it"
            self.closed.append(inc)
        self.open = {}
        return self.closed


def correlate(events: Iterable[Event], ruleset: RuleSet, end_of_input: datetime | None) -> list[Incident]:
    """Incidents of time-ordered events, worst first (then earliest), chains merged."""
    correlator = Correlator(ruleset)
    for event in events:
        correlator.feed(event)
    groups = _merge_chains(correlator.finish(end_of_input))
    incidents = [_incident(group, ruleset) for group in groups if _is_incident(group)]
    incidents += _undated(correlator.undated, ruleset)
    incidents.sort(key=lambda i: (-i.severity.rank, i.start is None, i.start or datetime.min, i.category.value))
    return [replace(inc, id=f"INC-{n:03d}") for n, inc in enumerate(incidents, 1)]


def _is_incident(group: _Open) -> bool:
    # A lone auto-recharge notice with no decline after it is not trouble.
    return any(e.outcome is Outcome.FAILURE for e in group.events)


def _merge_chains(groups: list[_Open]) -> list[_Open]:
    """Card declines followed by quota errors are one incident whose root cause is the decline."""
    billing = [g for g in groups if g.category is Category.BILLING_CARD]
    absorbed: set[int] = set()
    merged: list[_Open] = []
    for quota in (g for g in groups if g.category is Category.QUOTA):
        causes = [b for b in billing if id(b) not in absorbed and _explains(b, quota)]
        if not any(e.outcome is Outcome.FAILURE for b in causes for e in b.events):
            continue
        chain = _Open(causes[0].key, closed_because=quota.closed_because, recovered_at=quota.recovered_at)
        for part in (*causes, quota):
            absorbed.add(id(part))
            chain.events += part.events
            chain.actions += [a for a in part.actions if a not in chain.actions]
        chain.events.sort(key=lambda e: e.time)  # type: ignore[arg-type,return-value]
        chain.successes = quota.successes
        merged.append(chain)
    return merged + [g for g in groups if id(g) not in absorbed]


def _explains(billing: _Open, quota: _Open) -> bool:
    """The billing lines come before the quota errors end, and no longer than CHAIN_WINDOW before they start."""
    first, last = quota.events[0].time, quota.events[-1].time
    assert first is not None and last is not None
    return billing.events[0].time <= last and first - billing.last <= CHAIN_WINDOW  # type: ignore[operator]


def _incident(group: _Open, ruleset: RuleSet) -> Incident:
    events = tuple(group.events)
    categories = tuple(dict.fromkeys(e.category for e in events if e.category is not None))
    chain = Category.BILLING_CARD in categories and Category.QUOTA in categories
    failures = [e for e in events if e.outcome is Outcome.FAILURE]
    specific = [e for e in failures if e.confidence == "high"] or failures
    root = specific[0] if not chain else next(e for e in specific if e.category is Category.BILLING_CARD)
    rule = ruleset.rule(root.rule)
    severity = max((e.severity for e in failures), key=lambda s: s.rank)
    status = Status.ONGOING if group.closed_because.startswith("ongoing") else Status.RESOLVED
    first = events[0]
    opened = f"{first.rule} at {first.time:%Y-%m-%d %H:%M:%S %z} ({first.source}:{first.line})"
    return Incident(
        id="",
        title=CHAIN_TITLE if chain else (rule.title if rule else root.rule),
        category=root.category or group.category,
        categories=categories,
        severity=severity,
        status=status,
        start=first.time,
        end=events[-1].time,  # type: ignore[arg-type]
        events=events,
        rules=tuple(dict.fromkeys(e.rule for e in events)),
        playbook=rule.remediation if rule else "",
        opened_because=opened,
        closed_because=group.closed_because,
        recovered_at=group.recovered_at,
        successes=group.successes,
        actions=tuple(group.actions),
    )


def _undated(events: list[Event], ruleset: RuleSet) -> list[Incident]:
    by_category: dict[Category, list[Event]] = {}
    for event in events:
        if event.category is not None and event.outcome is Outcome.FAILURE:
            by_category.setdefault(event.category, []).append(event)
    incidents = []
    for category, members in by_category.items():
        rule = ruleset.rule(members[0].rule)
        incidents.append(
            Incident(
                id="",
                title=rule.title if rule else category.value,
                category=category,
                categories=(category,),
                severity=max((e.severity for e in members), key=lambda s: s.rank),
                status=Status.RESOLVED,
                start=None,
                end=None,
                events=tuple(members),
                rules=tuple(dict.fromkeys(e.rule for e in members)),
                playbook=rule.remediation if rule else "",
                opened_because="events without any timestamp in their source",
                closed_because="grouped by category: the input has no times to order them",
            )
        )
    return incidents


def _minutes(gap: timedelta) -> str:
    minutes = int(gap.total_seconds() // 60)
    return f"{minutes // 60} h" if minutes >= 60 and minutes % 60 == 0 else f"{minutes} min"
