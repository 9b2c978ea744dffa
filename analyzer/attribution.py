"""Attribution: whether a failure's record shows OpenAI, another provider that speaks its protocol,
or neither (the `[[provider]]` tables of the rule files).

An OpenAI provider's strong mark (its API host, LiteLLM's `OpenAIException`) makes the record
OpenAI's whatever else it shows; otherwise another provider's mark (Groq, a local server) makes it
that provider's; otherwise a weak OpenAI mark (the SDK's module, the product's name) makes it OpenAI's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import regex

from . import timelimit
from .prefilter import PatternGate
from .ruleset import MATCH_TIMEOUT, Provider


@dataclass(frozen=True, slots=True)
class Verdict:
    openai: bool  # the record shows OpenAI (or Azure OpenAI)
    other: str = ""  # else the name of the other provider it shows, or ""
    strong: bool = False  # by a strong mark of OpenAI's: nothing else the record shows changes it


UNKNOWN = Verdict(False)
OPENAI = Verdict(True)
DECISIVE = Verdict(True, strong=True)


@dataclass(frozen=True, slots=True)
class _Mark:
    provider: Provider
    strong: bool
    pattern: regex.Pattern[str]


class Attributor:
    """Finds the providers' marks in a text: a Hyperscan gate over every mark (one pass), then the
    marks it lets through searched with their time limit."""

    def __init__(self, providers: Sequence[Provider], engine: str = "auto") -> None:
        # OpenAI's hosts are looked for as text first: most failures of OpenAI's name one, and are decided
        self.hosts = tuple(h for p in providers if p.kind == "openai" for h in p.hosts)
        marks = [
            _Mark(p, strong, pattern)
            for p in providers
            if p.kind != "gateway"
            for strong, patterns in ((True, _hosts(p) + p.strong), (False, p.markers))
            for pattern in patterns
        ]
        # OpenAI's strong marks first: the first one found decides, and nothing else is searched
        self.marks = sorted(marks, key=lambda m: not (m.strong and m.provider.kind == "openai"))
        self.decisive = sum(1 for m in self.marks if m.strong and m.provider.kind == "openai")
        self.gate = PatternGate([m.pattern for m in self.marks], engine)

    def verdict(self, text: str) -> Verdict:
        """Whose failure the text shows."""
        if any(host in text for host in self.hosts) or any(host in text.lower() for host in self.hosts):
            return DECISIVE
        found = []
        for i in sorted(self.gate.possible(text)):
            mark = self.marks[i]
            if _found(mark.pattern, text):
                if i < self.decisive:
                    return DECISIVE
                found.append(mark)
        other = [m for m in found if m.provider.kind == "other"]
        if other:
            return Verdict(False, max(other, key=lambda m: m.strong).provider.name)
        return OPENAI if found else UNKNOWN


def _hosts(provider: Provider) -> tuple[regex.Pattern[str], ...]:
    """A provider's hosts as patterns: where the text is lower case only after folding, the search finds them."""
    return tuple(regex.compile(rf"(?i)\b{regex.escape(h)}\b") for h in provider.hosts)


def _found(pattern: regex.Pattern[str], text: str) -> bool:
    try:
        return timelimit.search(pattern, text, 0, len(text), MATCH_TIMEOUT) is not None
    except TimeoutError:
        return False
