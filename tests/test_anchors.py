"""The regex engine's keyword anchors: every keyword under one anchor it holds, and the same keywords found."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from analyzer import prefilter, ruleset

WORDS = sorted(ruleset.load().keywords())


def test_every_keyword_is_under_one_anchor_it_holds() -> None:
    groups = prefilter.anchors([w.encode() for w in WORDS])
    members = [w for ws in groups.values() for w in ws]
    assert sorted(members) == sorted(w.encode() for w in WORDS)  # each once
    assert all(anchor in w for anchor, ws in groups.items() for w in ws)
    assert len(groups) < len(WORDS) / 3  # the point of them: few passes


@given(st.lists(st.sampled_from(WORDS), max_size=4), st.text(max_size=40))
def test_the_regex_engine_finds_the_keywords_hyperscan_finds(words: list[str], noise: str) -> None:
    text = noise.join(words) + noise
    expected = frozenset(w for w in WORDS if w in text)
    assert prefilter.KeywordSet(WORDS, "regex").find(text) == expected
