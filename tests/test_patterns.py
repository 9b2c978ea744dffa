"""Rule patterns deferred (ruleset.patterns): compiled when first searched once a run saw them compile."""

from __future__ import annotations

import copy
import pickle
from pathlib import Path

import pytest
import regex

from analyzer import ruleset
from analyzer.errors import RuleSetError
from analyzer.ruleset.patterns import Deferred, Known

BAD_REGEX = Path(__file__).parent / "invalid_rules" / "bad_regex.toml"


def _patterns(rules: ruleset.RuleSet) -> list[regex.Pattern[str]]:
    return [p for r in rules.rules for p in (*r.patterns, *r.unless)]


def test_patterns_compiled_before_load_deferred_and_match_as_compiled_ones(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("LOGSCAN_CACHE_DIR", str(tmp_path))
    first = ruleset.load()  # each source compiled once (a source two rules share: the second deferred)
    assert {p.pattern for p in _patterns(first) if not isinstance(p, Deferred)} == {p.pattern for p in _patterns(first)}
    again = ruleset.load()
    deferred = _patterns(again)
    assert all(isinstance(p, Deferred) for p in deferred)
    for rule, same in zip(first.rules, again.rules, strict=True):
        for compiled, later in zip((*rule.patterns, *rule.unless), (*same.patterns, *same.unless), strict=True):
            assert (later.pattern, later.flags) == (compiled.pattern, compiled.flags)
            for text in (*rule.examples_match, *rule.examples_no_match):
                found, alike = compiled.search(text), later.search(text)
                assert (found and (found.span(), found.groupdict())) == (alike and (alike.span(), alike.groupdict()))


def test_a_deferred_pattern_copies_and_pickles_as_itself() -> None:
    pattern = Deferred(r"(?i)quota (?P<what>\w+)", regex.compile(r"(?i)quota (?P<what>\w+)").flags)
    for twin in (copy.deepcopy(pattern), pickle.loads(pickle.dumps(pattern))):
        assert isinstance(twin, Deferred)
        assert twin.search("Insufficient QUOTA left")["what"] == "left"
    assert pattern.groupindex == {"what": 1}


def test_a_broken_pattern_is_reported_with_its_line_when_the_others_are_known(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("LOGSCAN_CACHE_DIR", str(tmp_path))
    ruleset.load()
    with pytest.raises(RuleSetError) as raised:
        ruleset.load([BAD_REGEX])
    expected = BAD_REGEX.read_text().splitlines()[0].removeprefix("# expect: ").format(file=BAD_REGEX)
    assert raised.value.problems[0].line() == expected


def test_a_cache_that_cannot_be_written_only_goes_unused(tmp_path: Path, monkeypatch) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    monkeypatch.setenv("LOGSCAN_CACHE_DIR", str(blocked))
    loaded = _patterns(ruleset.load())
    assert {p.pattern for p in loaded if not isinstance(p, Deferred)} == {p.pattern for p in loaded}
    assert Known(blocked).flags == {}  # what the next run reads


def test_a_damaged_file_of_known_flags_is_read_as_none(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("LOGSCAN_CACHE_DIR", str(tmp_path))
    (tmp_path / f"patterns-{regex.__version__}.json").write_text('{"truncated": ')
    loaded = _patterns(ruleset.load())
    assert {p.pattern for p in loaded if not isinstance(p, Deferred)} == {p.pattern for p in loaded}
    assert Known(tmp_path).flags.keys() >= {p.pattern for p in loaded}  # written anew, for the next run
