"""Rule files: every shipped example passes, and each invalid file gets its exact, located message."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from analyzer import rulecheck, ruleset
from analyzer.errors import RuleSetError
from analyzer.models import Outcome

INVALID = sorted((Path(__file__).parent / "invalid_rules").glob("*.toml"))
PLAYBOOKS = sorted((Path(__file__).resolve().parents[1] / "rules" / "playbooks").glob("*.toml"))


def test_shipped_rules_load_without_warnings() -> None:
    loaded = ruleset.load()
    assert loaded.rules and not loaded.warnings


def test_every_shipped_example_passes() -> None:
    failures, count = rulecheck.check(ruleset.load())
    assert count > 0
    assert [f.line() for f in failures] == []


def test_every_shipped_rule_has_examples_both_ways() -> None:
    for rule in ruleset.load().rules:
        assert rule.examples_match, rule.id
        assert rule.examples_no_match, rule.id


def test_every_failure_rule_has_a_remediation_in_both_languages() -> None:
    loaded = ruleset.load()
    for rule in loaded.rules:
        if rule.outcome is Outcome.FAILURE:
            playbook = loaded.playbooks[rule.remediation]
            assert set(playbook.text) == {"en", "ja"} and playbook.checked, rule.id


@pytest.mark.parametrize("path", PLAYBOOKS, ids=lambda p: p.name)
def test_every_playbook_cites_public_sources(path: Path) -> None:
    """A playbook's `source` is public addresses, `; ` between them: no path its readers do not have."""
    playbooks = tomllib.loads(path.read_text(encoding="utf-8"))["playbook"]
    assert playbooks
    for playbook in playbooks:
        addresses = playbook["source"].split("; ")
        assert [a for a in addresses if not re.fullmatch(r"https://[\w.-]+(/\S*)?", a)] == [], playbook["id"]


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.stem)
def test_invalid_rule_file_message_is_pinned(path: Path) -> None:
    expected = path.read_text().splitlines()[0].removeprefix("# expect: ").format(file=path)
    with pytest.raises(RuleSetError) as raised:
        ruleset.load([path], builtin=False)
    assert raised.value.problems[0].line() == expected


def test_all_errors_are_collected_before_failing(tmp_path: Path) -> None:
    for path in INVALID[:3]:
        (tmp_path / path.name).write_text(path.read_text())
    with pytest.raises(RuleSetError) as raised:
        ruleset.load([tmp_path], builtin=False)
    assert len({p.where.split(":")[0] for p in raised.value.problems}) == 3


def test_a_user_rule_overrides_a_shipped_rule_by_id(tmp_path: Path) -> None:
    shipped = ruleset.load().rule("openai.quota.insufficient_quota")
    assert shipped is not None and shipped.severity.value == "critical"
    mine = tmp_path / "mine.toml"
    mine.write_text(
        '[[rule]]\nid = "openai.quota.insufficient_quota"\ntitle = "Ours"\ncategory = "quota"\nseverity = "low"\n'
        'retryable = false\nkeywords = ["insufficient_quota"]\npatterns = ["insufficient_quota"]\n'
    )
    loaded = ruleset.load([mine])
    rule = loaded.rule("openai.quota.insufficient_quota")
    assert rule is not None and rule.title == "Ours" and rule.severity.value == "low"
    assert sum(1 for r in loaded.rules if r.id == rule.id) == 1


def test_a_rule_without_examples_is_warned_about(tmp_path: Path) -> None:
    mine = tmp_path / "bare.toml"
    mine.write_text(
        '[[rule]]\nid = "mine.bare"\ntitle = "Bare"\ncategory = "quota"\nseverity = "low"\n'
        'retryable = false\nkeywords = ["zorglub"]\npatterns = ["zorglub"]\n'
    )
    loaded = ruleset.load([mine], builtin=False)
    assert loaded.warnings == (f"{mine}:1: rule 'mine.bare' has no examples.match ('rules test' cannot check it)",)


@pytest.mark.parametrize("path", sorted((Path(__file__).parent / "invalid_rules" / "warnings").glob("*.toml")))
def test_rule_file_warning_is_pinned(path: Path) -> None:
    expected = path.read_text().splitlines()[0].removeprefix("# warn: ").format(file=path)
    assert ruleset.load([path], builtin=False).warnings == (expected,)
