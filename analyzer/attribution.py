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


# Typographic quotes and full-width ASCII forms, each as the one ASCII character it stands for: a forum or a
# blog turns a pasted log's quotes into curly ones (`{“error”: {“code”: ...}}`), and a CJK input method types
# full-width colons and brackets (`错误：429`). Rules and marks are written for ASCII; each character maps to
# one, so offsets into the text stay those of the text as logged (its evidence is shown as logged).
_PLAIN = {
    **dict.fromkeys(map(ord, "\u201c\u201d\u201e\u201f\u2033"), '"'),
    **dict.fromkeys(map(ord, "\u2018\u2019\u201a\u201b\u2032"), "'"),
    **{code: chr(code - 0xFEE0) for code in range(0xFF01, 0xFF5F)},
    0x3000: " ",
}


def plain(text: str) -> str:
    """The text with typographic quotes and full-width forms as ASCII (as long as the text, character
    for character); the text itself when it is ASCII."""
    return text if text.isascii() else text.translate(_PLAIN)


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
        text = plain(text)
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
        if other:  # the strongest; of equals, a provider over a shape (a body, a local host) a gateway's answer has too
            return Verdict(False, max(other, key=lambda m: (m.strong, not m.provider.shape)).provider.name)
        return OPENAI if found else UNKNOWN


def _hosts(provider: Provider) -> tuple[regex.Pattern[str], ...]:
    """A provider's hosts as patterns: where the text is lower case only after folding, the search finds them."""
    return tuple(regex.compile(rf"(?i)\b{regex.escape(h)}\b") for h in provider.hosts)


def _found(pattern: regex.Pattern[str], text: str) -> bool:
    try:
        return timelimit.search(pattern, text, 0, len(text), MATCH_TIMEOUT) is not None
    except TimeoutError:
        return False
