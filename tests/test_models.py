"""The Event's fast constructor (models.Event.__new__ fills a mutable twin, then makes it an Event)."""

from __future__ import annotations

import dataclasses
import inspect
import pickle
from datetime import UTC, datetime

import pytest

from analyzer import models
from analyzer.models import Category, Event, Outcome, Severity

ROW = ("openai.quota", Category.QUOTA, Outcome.FAILURE, Severity.CRITICAL, False, "high",
       datetime(2026, 3, 14, tzinfo=UTC), "app.log", 7, 9, "insufficient_quota", {"status": "429"})  # fmt: skip


def test_the_twin_takes_every_field_in_order() -> None:
    """A field added to Event and not to its twin would be a slot never set."""
    names = [f.name for f in dataclasses.fields(Event)]
    assert list(inspect.signature(models._Unfrozen).parameters) == names
    assert models._Unfrozen.__slots__ == Event.__slots__


def test_an_event_made_fast_is_a_frozen_dataclass_like_any() -> None:
    event = Event(*ROW)
    assert type(event) is Event and event.row() == ROW
    assert Event(*ROW[:11]).fields == {} and Event(*ROW[:11]).fields is not Event(*ROW[:11]).fields
    keywords = Event(**{f.name: v for f, v in zip(dataclasses.fields(Event), ROW, strict=True)})
    assert keywords == event and keywords != dataclasses.replace(event, line=8)
    assert pickle.loads(pickle.dumps(event)) == event
    with pytest.raises(dataclasses.FrozenInstanceError):
        event.line = 8  # type: ignore[misc]
    with pytest.raises(TypeError):
        Event(*ROW[:5])  # type: ignore[call-arg]
