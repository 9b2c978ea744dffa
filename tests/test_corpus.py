"""The real-world corpus (tests/corpus/README.md): every case well-formed and in its part, and the scores
the issue asks for on both parts."""

from __future__ import annotations

import hashlib
import tomllib
from pathlib import Path

import pytest
from corpus import score

from analyzer.models import Category

CORPUS = Path(__file__).parent / "corpus"
KEYS = {
    "source",
    "retrieved",
    "categories",
    "events",
    "negative",
    "classes",
    "note",
    "provider_shown",
    "provider_evidence",
}


@pytest.fixture(scope="module")
def results() -> dict[str, list[score.Found]]:
    return score.run(score.SETS)


@pytest.mark.parametrize("part", score.SETS)
def test_every_case_is_well_formed_and_in_its_part(part: str) -> None:
    metas = sorted((CORPUS / part).glob("*.toml"))
    assert len(metas) > 50
    for meta in metas:
        data = tomllib.loads(meta.read_text(encoding="utf-8"))
        assert set(data) <= KEYS and data["source"].startswith("https://"), meta.name
        assert meta.with_suffix(".log").read_text(encoding="utf-8").strip(), meta.name
        assert {Category(c) for c in data["categories"]} or data["negative"], meta.name
        held = int(hashlib.sha1(data["source"].encode()).hexdigest(), 16) % 10 < 3
        assert part == "fresh" or held == (part == "heldout"), meta.name  # fresh: one blind batch, not split


def test_no_source_is_in_two_sets() -> None:
    # several excerpts of one thread may be in one set; a thread in two sets would let rules see a blind case
    sets = {part: {case.source for case in score.load_cases(part)} for part in score.SETS}
    shared = {source for part in sets for other in sets if other != part for source in sets[part] & sets[other]}
    assert not shared, shared


def test_the_corpus_is_as_large_as_the_issue_asks() -> None:
    cases = [case for part in score.PARTS for case in score.load_cases(part)]
    assert sum(not c.negative for c in cases) >= 150 and sum(c.negative for c in cases) >= 40
    assert {c for case in cases for c in case.categories} == {c.value for c in Category}


def test_the_dev_cases_score_what_the_issue_asks(results: dict[str, list[score.Found]]) -> None:
    found = score.score(results["dev"])
    assert found.recall >= 0.95, score.misses(results["dev"])
    assert found.precision >= 0.97, score.misses(results["dev"])
    assert found.negatives_hit <= 1, score.misses(results["dev"])


def test_the_held_out_cases_do_not_get_worse(results: dict[str, list[score.Found]]) -> None:
    # Not read while writing rules, so not tuned to: a floor under what they scored when last measured
    # (README.md of tests/corpus and CHANGELOG.md say the figures), against regressions only.
    found = score.score(results["heldout"])
    assert found.recall >= 0.90 and found.precision >= 0.96 and found.negatives_hit <= 3, found.line("heldout")


def test_the_fresh_cases_score_what_the_issue_asks(results: dict[str, list[score.Found]]) -> None:
    # Scored blind first (README.md: f-* recall 0.917, precision 0.971, 6 of 40 negatives hit; g-* after
    # the fixes f-* led to, 1.000, 1.000, 1 of 10); rules are written against it since, so held as dev is.
    found = score.score(results["fresh"])
    assert found.recall >= 0.95, score.misses(results["fresh"])
    assert found.precision >= 0.97, score.misses(results["fresh"])
    assert found.negatives_hit <= 1, score.misses(results["fresh"])
