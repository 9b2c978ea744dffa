"""The fast constructor of the records' and events' dataclasses (models.made_fast)."""

from __future__ import annotations

import copy
import dataclasses
import pickle
from datetime import UTC, datetime
from typing import Any

import pytest

from analyzer.models import Category, Entry, Event, Outcome, Record, Severity

RECORD = Record("app.log", 7, 9, "Traceback ...", "cri", "2026-03-14T10:00:00Z", "stderr")
SAMPLES: dict[type, tuple[Any, ...]] = {
    Record: dataclasses.astuple(RECORD),
    Entry: (RECORD, datetime(2026, 3, 14, tzinfo=UTC), "error", "failed", "failed\n...", "python", {"a": "b"}, True, 6),
    Event: ("openai.quota", Category.QUOTA, Outcome.FAILURE, Severity.CRITICAL, False, "high",
            datetime(2026, 3, 14, tzinfo=UTC), "app.log", 7, 9, "insufficient_quota", {"status": "429"}),
}  # fmt: skip


@pytest.mark.parametrize("made", [Record, Entry, Event])
def test_made_fast_is_still_a_frozen_dataclass(made: type) -> None:
    """Made by position or by name, with its defaults, equal, pickled, copied, replaced, frozen;
    every field set (a field the twin lacked would be a slot never set)."""
    values = SAMPLES[made]
    names = [f.name for f in dataclasses.fields(made)]
    one = made(*values)
    assert type(one) is made and [getattr(one, n) for n in names] == list(values)
    assert made(**dict(zip(names, values, strict=True))) == one
    assert pickle.loads(pickle.dumps(one)) == one and copy.copy(one) == one
    other = dataclasses.replace(one, **{names[1]: values[0] if made is Entry else 99})
    assert other != one and type(other) is made
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(one, names[0], values[0])
    with pytest.raises(TypeError):
        made()


def test_defaults_are_each_their_own() -> None:
    event = Event(*SAMPLES[Event][:11])
    assert event.fields == {} and event.fields is not Event(*SAMPLES[Event][:11]).fields
    assert Record("a", 1, 1, "t").wrapper == "" and Entry(RECORD, None, "", "", "", "plain").bad_time is False
