"""Redaction: secrets and personal data out of every string before anything is rendered.

Keys keep their prefix and last four characters (`sk-proj-***cdEF`), so two keys can still be
told apart in a report; tokens, e-mail addresses and card numbers are replaced whole.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

_OPENAI_KEY = re.compile(r"\b(sk-(?:proj-|svcacct-|admin-|None-)?)([A-Za-z0-9_-]{16,})([A-Za-z0-9]{4})\b")
_BEARER = re.compile(r"(?i)\b(Bearer\s+)[A-Za-z0-9._~+/=-]{8,}")
_AUTH_HEADER = re.compile(
    r"(?i)(\b(?:Authorization|Proxy-Authorization)['\"]?\s*[:=]\s*['\"]?(?:(?:Basic|Digest|Token|Negotiate|NTLM)\s+)?)"
    r"(?!Bearer\b)([^\s'\",}]{8,})"
)
_API_KEY = re.compile(
    r"(?i)((?<![a-z0-9])(?:api[-_]?key|x-api-key|ocp-apim-subscription-key)['\"]?\s*[:=]\s*['\"]?)([^\s'\",}]{8,})"
)
_EMAIL = re.compile(r"\b[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9.-]{1,253}\.[A-Za-z]{2,24}\b")
_CARD = re.compile(r"(?<![\d-])(?:\d[ -]?){12,18}\d(?![\d-])")

REDACTED = "[REDACTED]"


def _key(m: re.Match[str]) -> str:
    return f"{m.group(1)}***{m.group(3)}"


def _card(m: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", m.group(0))
    return "[CARD]" if 13 <= len(digits) <= 19 and luhn_valid(digits) else m.group(0)


def luhn_valid(digits: str) -> bool:
    """The Luhn checksum that every payment card number satisfies."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


_STEPS: list[tuple[re.Pattern[str], Callable[[re.Match[str]], str] | str]] = [
    (_OPENAI_KEY, _key),
    (_BEARER, rf"\g<1>{REDACTED}"),
    (_AUTH_HEADER, rf"\g<1>{REDACTED}"),
    (_API_KEY, rf"\g<1>{REDACTED}"),
    (_EMAIL, "[EMAIL]"),
    (_CARD, _card),
]


def redact(text: str) -> str:
    """The text with every secret and personal datum replaced."""
    for pattern, replacement in _STEPS:
        text = pattern.sub(replacement, text)
    return text


def redact_fields(fields: Mapping[str, str]) -> dict[str, str]:
    """Every value redacted."""
    return {key: redact(value) for key, value in fields.items()}


def identity(text: str) -> str:
    """No redaction (--no-redact)."""
    return text
