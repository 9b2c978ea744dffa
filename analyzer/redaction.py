"""Redaction: secrets and personal data out of every string before anything is rendered.

Keys keep their prefix and last four characters (`sk-proj-***cdEF`), so two keys can still be
told apart in a report; tokens, e-mail addresses and card numbers are replaced whole.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

_KEY_CHAR = r"[A-Za-z0-9_-]"
# A key glued to a word by "_" or "-" (`token_sk-proj-...`) is a key too; inside a word of letters it is not.
_OPENAI_KEY = re.compile(
    rf"(?<![A-Za-z0-9])(sk-(?:proj-|svcacct-|admin-|None-)?|sess-)({_KEY_CHAR}{{16,}})({_KEY_CHAR}{{4}})(?!{_KEY_CHAR})"
)
_BEARER = re.compile(r"(?i)(?<![a-z0-9])(Bearer(?:\s+|\+))[A-Za-z0-9._~+/=-]{8,}")
# A header name, its quotes (backslash-escaped too, as in a JSON string inside a log line) and separator.
_QUOTE = r"(?:\\{0,2}['\"])?"
_AUTH_HEADER = re.compile(
    rf"(?i)((?<![a-z0-9])(?:Authorization|Proxy-Authorization){_QUOTE}\s*[:=]\s*{_QUOTE}"
    r"(?:(?:Basic|Digest|Token|Negotiate|NTLM)\s+)?)"
    r"(?!Bearer\b|\[(?:REDACTED|EMAIL|CARD)\])([^\s'\",}\\]{8,})"
)
# A value named as a secret: api-key, x-api-key, Ocp-Apim-Subscription-Key, subscription-key, a name of
# parts ending in KEY, TOKEN, SECRET or PASSWORD (AZURE_OPENAI_KEY, OPENAI_KEY, id_token), a bare token,
# secret or password, and `key=` (a query string's). At most 8 parts: a long run of them is no name.
_SECRET_WORD = r"(?:key|token|secret|password|passwd)"
_API_KEY = re.compile(
    rf"(?i)((?<![a-z0-9])(?:(?:[a-z0-9]+[_.-]){{1,8}}{_SECRET_WORD}|apikey|token|secret|password|passwd)"
    rf"{_QUOTE}\s*[:=]\s*{_QUOTE}|(?<![a-z0-9])key=)"
    # an OpenAI key keeps what _key left of it, and a value redacted is not redacted again
    r"(?!(?:sk|sess)-[a-z-]*\*\*\*|\[(?:REDACTED|EMAIL|CARD)\])([^\s'\",;}&\\]{8,})"
)
# A JSON Web Token without "Bearer" before it (`id_token=eyJ...`): its header and payload are base64url
# JSON objects, so both start "eyJ" ('{"').
_JWT = re.compile(r"(?<![A-Za-z0-9.])eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}(?:\.[A-Za-z0-9_-]*)?")
# Internationalised addresses too (`ユーザー@例え.jp`, a punycode top-level domain).
_EMAIL = re.compile(r"\b[\w.%+-]{1,64}@[\w.-]{1,253}\.(?:xn--[A-Za-z0-9-]{1,59}|[^\W\d_]{2,24})\b")
# A run of digit groups joined by single spaces or dashes; `_card` decides which part of it is a card.
# A dash or space at either end, with no digit past it, is no part of the run (`order-4242...`, `...4242-`).
_DIGIT_RUN = re.compile(r"(?<!\d)(?<!\d[ -])\d+(?:[ -]\d+)*(?!\d)(?![ -]\d)")
_GROUP = re.compile(r"\d+")
_CARD_DIGITS = range(13, 20)
_MIN_GROUP = 3  # digits of a card written in groups: 4-4-4-4, 4-6-5, 4-6-4; "1 2 3 ..." is a list, not a card

REDACTED = "[REDACTED]"
CARD = "[CARD]"


def _key(m: re.Match[str]) -> str:
    return f"{m.group(1)}***{m.group(3)}"


def _card(m: re.Match[str]) -> str:
    run = m.group(0)
    if len(run) - run.count(" ") - run.count("-") < min(_CARD_DIGITS):  # too few digits: no card in it
        return run
    digits = re.sub(r"\D", "", run)
    if len(digits) in _CARD_DIGITS and luhn_valid(digits):
        return CARD
    for start, end in reversed(_cards_in_groups(run)):
        run = run[:start] + CARD + run[end:]
    return run


def _cards_in_groups(run: str) -> list[tuple[int, int]]:
    """The stretches of whole digit groups that are card numbers, overlapping ones merged
    (`4242 4242 4242 4242 12/29` joins `12` to the card's run; `qty 2 4111 1111 1111 1111` puts `2`
    before it). Where two readings overlap, both go: redacting a few digits too many leaks nothing."""
    groups = [g.span() for g in _GROUP.finditer(run)]
    spans: list[tuple[int, int]] = []
    for first in range(len(groups)):
        digits = ""
        for last in range(first, len(groups)):
            start, end = groups[last]
            if end - start < _MIN_GROUP or len(digits) + end - start > max(_CARD_DIGITS):
                break
            digits += run[start:end]
            if len(digits) in _CARD_DIGITS and luhn_valid(digits):
                span = (groups[first][0], end)
                spans[-1:] = _merge(spans[-1:], span)
    return spans


def _merge(last: list[tuple[int, int]], span: tuple[int, int]) -> list[tuple[int, int]]:
    if last and span[0] <= last[0][1]:
        return [(last[0][0], max(last[0][1], span[1]))]
    return [*last, span]


def luhn_valid(digits: str) -> bool:
    """The Luhn checksum that every payment card number satisfies."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


_Step = tuple[re.Pattern[str], Callable[[re.Match[str]], str] | str]
_STEPS: list[_Step] = [
    (_OPENAI_KEY, _key),
    (_BEARER, rf"\g<1>{REDACTED}"),
    (_AUTH_HEADER, rf"\g<1>{REDACTED}"),
    (_API_KEY, rf"\g<1>{REDACTED}"),
    (_JWT, REDACTED),
    (_EMAIL, "[EMAIL]"),
    (_DIGIT_RUN, _card),
]


# What each step needs to find anything, for any text: a text with none of these is returned as it
# is, after one search instead of seven (most evidence lines hold no secret). 13 digits with single
# separators between them is the least a card number of `_card` takes.
_MAYBE = re.compile(rf"sk-|sess-|eyJ|(?i:bearer|authorization|{_SECRET_WORD}{_QUOTE}\s*[:=])|@|\d(?:[ -]?\d){{12}}")
# The least _API_KEY needs, in lower-case ASCII: a name's last word and its separator, looked for after
# each occurrence of the word (str.find), where _API_KEY takes 20 us in a line full of words.
_WORDS = ("key", "token", "secret", "password", "passwd")  # _SECRET_WORD's
_AFTER_WORD = re.compile(rf"{_QUOTE}\s*[:=]")


def _named(lower: str) -> bool:
    """Whether a secret word with its separator is in the (lower-case) text."""
    if "key" not in lower and "token" not in lower and "secret" not in lower and "passw" not in lower:
        return False  # (most lines)
    for word in _WORDS:
        at = lower.find(word)
        while at >= 0:
            after = at + len(word)
            if lower[after : after + 1] in _SEPARATOR_STARTS and _AFTER_WORD.match(lower, after):
                return True
            at = lower.find(word, after)
    return False


# what may come right after the word in _AFTER_WORD: a quote, a backslash before it, a space (ASCII \s), : or =
_SEPARATOR_STARTS = frozenset({"\\", "'", '"', ":", "="} | {chr(c) for c in range(128) if chr(c).isspace()})


_CLASSES = bytes(ord("d") if 48 <= c <= 57 else ord("s") if c in b" -" else ord("x") for c in range(256))


def maybe_secret(text: str) -> bool:
    """Whether `_MAYBE` finds anything."""
    return bool(_steps_for(text))


def _steps_for(text: str) -> list[_Step]:
    """The steps that may find something in the text: for ASCII text, those whose needle is in it
    (found by substring tests and a byte translation, 20 to 80 times faster than `_MAYBE`, whose
    case-insensitive alternation defeats the regex engine's literal scan in a line full of digits).
    A step's replacement brings no other step's needle, nor joins text into one: the needles of
    the text as it was are those of every step. Other text: every step, if `_MAYBE` finds anything."""
    if not text.isascii():  # case-insensitive matching of other scripts: only the search knows
        return _STEPS if _MAYBE.search(text) is not None else []
    key, bearer, header, api_key, jwt, email, card = _STEPS
    lower = text.lower()
    steps = [key] if "sk-" in text or "sess-" in text else []
    if "bearer" in lower:
        steps.append(bearer)
    if "authorization" in lower:
        steps.append(header)
    if _named(lower):
        steps.append(api_key)
    if "eyJ" in text:
        steps.append(jwt)
    if "@" in text:
        steps.append(email)
    # Digits to d, space and dash to s, the rest to x; a double separator ends a run like an x does,
    # and once the single ones are gone, 13 d's in a row are what _MAYBE's \d(?:[ -]?\d){12} finds.
    if b"d" * 13 in text.encode("ascii").translate(_CLASSES).replace(b"ss", b"x").replace(b"s", b""):
        steps.append(card)
    return steps


def redact(text: str) -> str:
    """The text with every secret and personal datum replaced: as it is written, and as a reader
    sees it once its escapes are decoded (`key%3Dsk-proj-...`, `sk\\u002dproj-...`, `\\nsk-...`)."""
    steps = _steps_for(text)
    for pattern, replacement in steps:  # redact_written's, without a call more an evidence line
        text = pattern.sub(replacement, text)
    # What is decoded may read as anything from a percent, \u or \x escape; from the others (\n, \")
    # only a line end, a quote, a slash or a backslash: nothing a step needs, only what may come before it.
    if ("%" in text or "\\" in text) and (steps or "%" in text or "\\u" in text or "\\x" in text):
        text = _redact_decoded(text)
    return text


def redact_written(text: str) -> str:
    """The text with every secret replaced that it holds as it is written."""
    for pattern, replacement in _steps_for(text):
        text = pattern.sub(replacement, text)
    return text


def redact_fields(fields: Mapping[str, str]) -> dict[str, str]:
    """Every value redacted."""
    return {key: redact(value) for key, value in fields.items()}


def identity(text: str) -> str:
    """No redaction (--no-redact)."""
    return text


# --- the decoded view ---------------------------------------------------------------------------
#
# A text is cut in pieces, each a stretch of the written text and what it reads as: percent-encoding,
# \u and \x escapes and the backslash escapes of JSON decoded, up to DEPTH times (a string encoded
# twice). The steps run on what the pieces read as; where one replaces something, the pieces it
# covers become one piece shown as the replacement. Every other piece is written as it was.

DEPTH = 3
_ESCAPE = re.compile(r"(?:%[0-9A-Fa-f]{2})+|(?:\\u[0-9A-Fa-f]{4})+|(?:\\x[0-9A-Fa-f]{2})+|\\[nrt\"'/\\]")
_SIMPLE = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "'": "'", "/": "/", "\\": "\\"}

# What a stretch of the written text reads as, where it starts and ends there, and its kind.
_Piece = tuple[str, int, int, int]
_PLAIN, _DECODED, _SHOWN = 0, 1, 2  # reads as written; decoded, written as it was; a replacement, shown


def _redact_decoded(text: str) -> str:
    view = text
    for _ in range(DEPTH):  # what the text reads as, first without keeping where each part came from
        decoded = _ESCAPE.sub(lambda m: _decoded(m[0]), view)
        if decoded == view:
            break
        view = decoded
    if view == text or not _steps_for(view):  # nothing to decode, or no secret to find: the usual line
        return text
    pieces: list[_Piece] = [(text, 0, len(text), _PLAIN)]
    for _ in range(DEPTH):
        view = "".join(p[0] for p in pieces)
        edits = [(m.start(), m.end(), _decoded(m.group(0))) for m in _ESCAPE.finditer(view)]
        if not edits:
            break
        pieces = _replaced(pieces, edits, _DECODED)[0]  # an escape left is decoded with the next layer
    if len(pieces) == 1:
        return text
    for step in _steps_for("".join(p[0] for p in pieces)):
        pieces = _stepped(pieces, step)
    return "".join(p[0] if p[3] == _SHOWN else text[p[1] : p[2]] for p in pieces)


def _stepped(pieces: list[_Piece], step: _Step) -> list[_Piece]:
    """The pieces after one step, run again while a match fell in a piece an earlier one took."""
    pattern, replacement = step
    for _ in range(DEPTH * 4):
        view = "".join(p[0] for p in pieces)
        edits = [(m.start(), m.end(), new) for m in pattern.finditer(view) if (new := _new(m, replacement)) != m[0]]
        pieces, left = _replaced(pieces, edits, _SHOWN)
        if not left:
            break
    return pieces


def _new(m: re.Match[str], replacement: Callable[[re.Match[str]], str] | str) -> str:
    return replacement(m) if callable(replacement) else m.expand(replacement)


def _decoded(escape: str) -> str:
    """What one run of escapes reads as."""
    if escape[0] == "%":
        return bytes.fromhex(escape.replace("%", "")).decode("utf-8", "replace")
    if escape[1] == "x" and len(escape) % 4 == 0:
        return bytes.fromhex(escape.replace("\\x", "")).decode("utf-8", "replace")
    if escape[1] == "u" and len(escape) % 6 == 0:
        units = b"".join(int(escape[i + 2 : i + 6], 16).to_bytes(2, "little") for i in range(0, len(escape), 6))
        return units.decode("utf-16-le", "replace")
    return _SIMPLE[escape[1]]


def _replaced(pieces: list[_Piece], edits: list[tuple[int, int, str]], kind: int) -> tuple[list[_Piece], bool]:
    """The pieces with each edit made (its start and end in what they read as, ascending and apart,
    and its new text): what an edit covers becomes one piece of `kind` (a replacement stays one),
    of the written stretch of what it covers. A plain piece is cut where an edit starts or ends;
    any other is taken whole. True with them when an edit was left: it began in a piece an edit
    before it took."""
    out: list[_Piece] = []
    queue = iter(pieces)
    piece, at = next(queue), 0  # the piece at hand and where it starts in what the pieces read as
    left = False
    for start, end, new in edits:
        if start < at:
            left = True
            continue
        while at + len(piece[0]) <= start:
            out.append(piece)
            at, piece = at + len(piece[0]), next(queue)
        if piece[3] == _PLAIN and start > at:  # the part before the edit stays as it is
            cut = start - at
            out.append((piece[0][:cut], piece[1], piece[1] + cut, _PLAIN))
            piece, at = (piece[0][cut:], piece[1] + cut, piece[2], _PLAIN), start
        first, head, shown = piece, piece[0][: start - at], piece[3] == _SHOWN
        while at + len(piece[0]) < end:
            at, piece = at + len(piece[0]), next(queue)
            shown = shown or piece[3] == _SHOWN
        if piece[3] == _PLAIN and at + len(piece[0]) > end:  # the part after the edit stays as it is
            cut = end - at
            written_end, tail = piece[1] + cut, ""
            piece, at = (piece[0][cut:], written_end, piece[2], _PLAIN), end
        else:
            written_end, tail = piece[2], piece[0][end - at :]
            at, piece = at + len(piece[0]), next(queue, ("", piece[2], piece[2], _PLAIN))
        out.append((head + new + tail, first[1], written_end, _SHOWN if shown else kind))
    out.append(piece)
    out.extend(queue)
    return [p for p in out if p[0] or p[1] != p[2]], left
