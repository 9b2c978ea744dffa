"""One failed API call logs up to six lines: its transport lines are attempts of the exception that ends it."""

from __future__ import annotations

from datetime import timedelta

from ..models import Category, Event, Outcome

SHARED = 4096  # distinct fields of attempts kept as one dict each
CALL_WINDOW = timedelta(seconds=90)  # an SDK's retries of one call fit in this (0.5 s to 60 s backoff)
# Fields a transport line takes from the exception of its call, so both land in the same group.
INHERITED = ("organization", "model", "limit_kind", "limit_unit", "limit_period", "deployment", "code", "type")


def assemble_calls(events: list[Event]) -> list[Event]:
    """Transport lines of one call take the category of the exception that ends it.

    An attempt (an HTTP status line, or a retry notice) followed, in the same source and within
    CALL_WINDOW, by a failure that is not an attempt is an attempt of that failed call: it is relabelled
    with the failure's category, severity and grouping fields, and its `call` field names the
    failure's rule. Time-ordered; relabelled in place (a copy of the list would keep every replaced
    attempt alive as long as it lives: half the events of an outage), and returned.
    """
    out = events
    pending: dict[str, list[int]] = {}
    shared: dict[tuple[tuple[str, str], ...], dict[str, str]] = {}  # the attempts of an outage: one dict
    for index, event in enumerate(out):
        if event.outcome is not Outcome.FAILURE or event.time is None:
            continue
        waiting = pending.setdefault(event.source, [])
        if is_attempt(event):
            waiting.append(index)
            continue
        for i in waiting:
            low = out[i]
            if low.time is not None and event.time - low.time <= CALL_WINDOW:
                out[i] = _attempt_of(low, event, shared)
        waiting.clear()
    return out


def is_attempt(event: Event) -> bool:
    """A transport line (an HTTP status only), a per-attempt SDK line or a retry notice: one try of a
    call, not its outcome."""
    return event.confidence == "low" or "retrying" in event.fields or "attempt_response" in event.fields


def _per_try(event: Event) -> bool:
    return event.confidence == "low" or "attempt_response" in event.fields


def _attempt_of(low: Event, call: Event, shared: dict[tuple[tuple[str, str], ...], dict[str, str]]) -> Event:
    inherited = {k: call.fields[k] for k in INHERITED if k in call.fields and k not in low.fields}
    fields = {**low.fields, **inherited, "call": call.rule}
    key = tuple(fields.items())  # equal fields, one dict (events never change theirs); SHARED sets at most
    fields = shared.get(key) or (shared.setdefault(key, fields) if len(shared) < SHARED else fields)
    return Event(  # positional: dataclasses.replace looks at the fields for each call of an outage
        low.rule, call.category, low.outcome, call.severity, call.retryable, low.confidence, low.time, low.source,
        low.line, low.end_line, low.text, fields,
    )  # fmt: skip


def count_calls(events: tuple[Event, ...] | list[Event]) -> tuple[int, int]:
    """(failed API calls, attempts). Attempts (transport lines, retry notices) just before a failure are
    that call's tries: n status lines are n tries, n retry notices are n + 1; attempts with no failure
    after them within CALL_WINDOW count as calls of their own. Card declines are not API calls."""
    calls = attempts = 0
    pending: dict[str, list[Event]] = {}
    for event in events:
        if event.outcome is not Outcome.FAILURE or event.category is Category.BILLING_CARD:
            continue
        waiting = pending.setdefault(event.source, [])
        if is_attempt(event):
            waiting.append(event)
            continue
        recent = [w for w in waiting if event.time is None or w.time is None or event.time - w.time <= CALL_WINDOW]
        stale = len(waiting) - len(recent)
        statuses = sum(1 for w in recent if _per_try(w))
        notices = len(recent) - statuses
        calls += 1 + stale
        attempts += max(1, statuses, notices + 1) + stale
        waiting.clear()
    leftover = sum(len(w) for w in pending.values())
    return calls + leftover, attempts + leftover
