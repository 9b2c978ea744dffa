"""Jira wiki markup (Jira Server and Data Center): the filters of report.jira.j2.

Log text goes into `{noformat}` blocks, where Jira reads no markup until the next `{noformat}`: a
`{noformat` in the text (any case) gets a zero-width space after its brace, so it cannot end the block.
Every other string of the report is escaped where it stands: each character Jira would read as markup
(_MARKUP) becomes its numeric character reference, which Jira shows as the character itself (`&#124;` is
Jira's own way to write a `|` in a table), and line breaks become spaces. Control characters become their
visible pictures (U+2400...), in blocks too.
"""

from __future__ import annotations

import re

# What Jira reads as markup in running text, each found here to be written as a character reference:
# braces, brackets, bars, `!`, `*`, `^`, `~`, `#`, `\\` and `&` anywhere; `-`, `+` and `_` unless between two
# letters or digits (Jira's effects need a word edge: `2026-03-14`, `req_5c3b` and `Rate-limit` stay as they
# are); `??` (a citation); `:` and `;` before an emoticon's second character; `(` that opens an emoticon.
_MARKUP = re.compile(
    r"[*^~|!{}\[\]#\\&]"
    r"|(?<![^\W_])[-+_]|[-+_](?![^\W_])"
    r"|\?(?=\?)|(?<=\?)\?"
    r"|[:;](?=[()PpDdOo])"
    r"|\((?=(?:[yni/x!+?*-]|on|off|\*[rgby]|flag|flagoff)\))",
    re.IGNORECASE,
)
_SPACES = str.maketrans({"\n": " ", "\r": " ", "\t": " "})
CONTROLS = {n: chr(0x2400 + n) for n in range(32) if n not in (9, 10, 13)} | {127: "\u2421"}
_BLOCK_END = re.compile(r"\{(?=noformat)", re.IGNORECASE)
_URL = re.compile(r"https?://[^\s|\[\]{}!*^~<>\"']+")


def text(value: object) -> str:
    """A string as inline text: markup characters as character references, no line breaks."""
    plain = str(value).translate(_SPACES).translate(CONTROLS)
    return _MARKUP.sub(lambda m: f"&#{ord(m.group())};", plain)


def cell(value: object) -> str:
    """A table cell: inline text, and a space for an empty one (Jira drops an empty cell)."""
    return text(value) or " "


def mono(value: object) -> str:
    """Monospace (`{{...}}`), its content escaped as inline text; nothing for an empty string."""
    escaped = text(value)
    return "{{" + escaped + "}}" if escaped else ""


def noformat(value: object) -> str:
    """A `{noformat}` block holding `value` as it is, which nothing in it can end."""
    body = _BLOCK_END.sub("{\u200b", str(value).translate(CONTROLS))
    return "{noformat}\n" + body + "\n{noformat}"


def is_url(value: str) -> bool:
    """A plain web address: nothing in it that markup reads."""
    return _URL.fullmatch(value) is not None


def link(value: object) -> str:
    """A reference: a link when it is a plain web address, else inline text."""
    url = str(value)
    return f"[{url}]" if is_url(url) else text(url)


FILTERS = {"jt": text, "jcell": cell, "jmono": mono, "noformat": noformat, "jlink": link}
