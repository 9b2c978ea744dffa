#!/usr/bin/env python3
"""Score logscan on the real-world corpus: family recall, precision and negatives hit.

Each case is a log excerpt as someone posted it in a public thread (`<stem>.log`) and what an on-call
engineer would say failed (`<stem>.toml`: source, categories, events, negative, classes, note); see
README.md beside this file. `dev/` is what rules are written against; `heldout/` is kept unseen while
writing them, so its score says how logscan does on logs it has never met. `fresh/` is a later batch,
labelled blind and scored as its own set before any rule was written against it (README.md).

    python tests/corpus/score.py                          # dev's and heldout's figures
    python tests/corpus/score.py --misses                 # and each dev case that is not scored perfectly
    python tests/corpus/score.py --set fresh --misses     # one set's figure, and its cases not scored perfectly
"""

from __future__ import annotations

import argparse
import sys
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))  # run from a checkout: the analyzer package beside tests/

from analyzer import pipeline, ruleset  # noqa: E402
from analyzer.correlation.calls import count_calls  # noqa: E402
from analyzer.models import Category, Outcome  # noqa: E402

PARTS = ("dev", "heldout")  # what a bare run prints
SETS = (*PARTS, "fresh")  # every set that --set can name
# Families: categories an on-call engineer would not tell apart from the log alone.
FAMILY = {
    Category.BILLING_CARD.value: Category.QUOTA.value,
    Category.OVERLOADED.value: Category.SERVER_ERROR.value,
    Category.CONNECTION.value: Category.TIMEOUT.value,
}
NOW = datetime(2026, 12, 1, tzinfo=UTC)


def family(category: str) -> str:
    return FAMILY.get(category, category)


@dataclass(frozen=True, slots=True)
class Case:
    part: str
    stem: str
    log: Path
    source: str
    categories: frozenset[str]
    events: int
    negative: bool
    classes: tuple[str, ...]
    note: str
    shown: bool = True  # the excerpt itself shows the provider (labelled blind: README.md)

    @property
    def families(self) -> frozenset[str]:
        return frozenset(family(c) for c in self.categories)


@dataclass(frozen=True, slots=True)
class Found:
    case: Case
    categories: frozenset[str]
    calls: int
    rules: tuple[str, ...]

    @property
    def families(self) -> frozenset[str]:
        return frozenset(family(c) for c in self.categories)


@dataclass(frozen=True, slots=True)
class Score:
    cases: int
    negatives: int
    unshown: int  # positives whose excerpt does not show the provider
    recall: float  # over the positives whose excerpt shows the provider
    precision: float
    negatives_hit: int
    counts_right: int
    recall_all: float  # over every positive

    def line(self, part: str) -> str:
        positives = self.cases - self.negatives
        return (
            f"{part}: {self.cases} cases ({self.negatives} negatives, {self.unshown} positives not showing the "
            f"provider): family recall {self.recall:.3f} ({self.recall_all:.3f} over all positives), precision "
            f"{self.precision:.3f}, negatives hit {self.negatives_hit}, "
            f"event counts right {self.counts_right}/{positives}"
        )


def load_cases(part: str, root: Path = HERE) -> list[Case]:
    cases = []
    for meta in sorted((root / part).glob("*.toml")):
        data = tomllib.loads(meta.read_text(encoding="utf-8"))
        cases.append(
            Case(
                part,
                meta.stem,
                meta.with_suffix(".log"),
                data["source"],
                frozenset(data.get("categories", [])),
                int(data.get("events", 0)),
                bool(data.get("negative", False)),
                tuple(data.get("classes", [])),
                data.get("note", ""),
                bool(data.get("provider_shown", True)),
            )
        )
    return cases


def analyse(case: Case, rules: ruleset.RuleSet) -> Found:
    """Run the pipeline on the case's excerpt, as `logscan` would, and keep what it found."""
    options = pipeline.Options((str(case.log),), UTC, NOW, jobs=1)
    analysis = pipeline.run(options, rules, None)
    failures = [e for e in analysis.events if e.outcome is Outcome.FAILURE and e.category is not None]
    calls, _ = count_calls(failures)
    return Found(
        case, frozenset(e.category.value for e in failures if e.category), calls, tuple(e.rule for e in failures)
    )


def score(found: Sequence[Found]) -> Score:
    hit = expected = reported = 0
    hit_all = expected_all = 0
    negatives_hit = counts_right = negatives = unshown = 0
    for f in found:
        if f.case.negative:
            negatives += 1
            negatives_hit += bool(f.categories)
            continue
        right = len(f.families & f.case.families)
        hit_all += right
        expected_all += len(f.case.families)
        reported += len(f.families)
        counts_right += f.calls == f.case.events
        if f.case.shown:
            hit += right
            expected += len(f.case.families)
        else:
            unshown += 1
    recall = hit / expected if expected else 1.0
    precision = (hit_all / reported) if reported else 1.0
    recall_all = hit_all / expected_all if expected_all else 1.0
    return Score(len(found), negatives, unshown, recall, precision, negatives_hit, counts_right, recall_all)


def run(parts: Iterable[str] = PARTS, rules: ruleset.RuleSet | None = None) -> dict[str, list[Found]]:
    rules = rules or ruleset.load()
    return {part: [analyse(case, rules) for case in load_cases(part)] for part in parts}


def misses(found: Sequence[Found]) -> list[str]:
    lines = []
    for f in found:
        if f.families == f.case.families and (f.case.negative or f.calls == f.case.events):
            continue
        want = ",".join(sorted(f.case.categories)) or "-"
        got = ",".join(sorted(f.categories)) or "-"
        lines.append(f"{f.case.stem}: expected {want} x{f.case.events}, found {got} x{f.calls} {list(f.rules)[:4]}")
    return lines


def by_class(found: Sequence[Found]) -> dict[str, tuple[int, int]]:
    """Per class tag (its prefix, such as `mangle` or `sdk`, and all): cases scored perfectly, and cases."""
    tally: dict[str, list[int]] = {}
    for f in found:
        perfect = f.families == f.case.families
        for tag in {c.split(":")[0] + ":*" for c in f.case.classes} | set(f.case.classes):
            counts = tally.setdefault(tag, [0, 0])
            counts[0] += perfect
            counts[1] += 1
    return {tag: (good, total) for tag, (good, total) in sorted(tally.items())}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", choices=SETS, action="append", dest="sets", help="score this set only (repeatable)")
    parser.add_argument("--misses", action="store_true", help="list the cases not scored perfectly (dev by default)")
    parser.add_argument("--classes", action="store_true", help="families right per class tag (dev by default)")
    args = parser.parse_args(argv)
    parts = tuple(args.sets or PARTS)
    listed = [part for part in (args.sets or ["dev"]) if part != "heldout"]
    if (args.misses or args.classes) and not listed:
        parser.error("heldout's cases are not listed: they stay unread while rules are written")
    results = run(parts)
    for part, found in results.items():
        print(score(found).line(part))
    for part in listed:
        if args.misses:
            print("\n".join(misses(results[part])))
        if args.classes:
            for tag, (good, total) in by_class(results[part]).items():
                print(f"{good:4d}/{total:<4d} {tag}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
