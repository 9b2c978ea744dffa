"""Lines a console hard-wrapped at its width, joined again; a copy indented as a whole, dedented.

A log copied out of a console that wraps at its width (Windows' legacy console, a fixed-width pane, a
web console's viewer) keeps each long line as several: `Error code: 42` at the width's end and `9 - {...}`
on the next line, a traceback's frame cut in the middle of its path. The piece after a cut starts like no
continuation, so framing makes a record of it, and a rule's signature or the frames that show whose call
failed end up in two records.

Such a copy shows its width: no line is longer, and the lines cut at it are exactly as long (a copy that
pads every line with spaces to the width shows it too: its cut lines end in a character, not a space). A
line at the width whose next line starts like no record's head (a stamp, a level word, a traceback's
first line, a JSON object, an indent) is joined with it; the line after takes its place as a blank line,
which framing joins to the record before, so line numbers stay the file's.

A TUI that wraps at words (Codex's) breaks a line before a word that would not fit, or after a hyphen in
one (`organization org-` and `BOvp... on tokens per min`): where the width is shown (a line that reaches
it), a shorter line that ends mid-sentence and whose next line goes on with a plain word in small letters
that could not have fitted after it is joined with it, with a space, as is a line broken after a hyphen
with the rest of its word; in a copy that shows such a break, a line at the width that the next line goes on
in a plain word is a word's end too (a space between). Only the breaks it can tell: a word-wrapped copy whose
lines never reach one width shows none, and a break before a capital or a number is left.

A copy pasted as a Markdown code block by its indent (four spaces before every line, as forums and
older Stack Overflow posts keep it) or quoted in a mail with a tab has every line indented, so framing
took the whole of it for one record: where every line that is not blank starts with four spaces or a tab,
the indent all of them share is taken off (`textwrap.dedent`'s rule). (A program's output indented by two,
Laravel's console, say, is left as it is: its lines are its own layout.)

Only a source read whole in one block of at most WHOLE_MAX bytes is looked at: a console's copy is short,
and a long log is written by a program, not copied from a screen (this keeps the work off large logs, and
one source is framed the same whichever way it is read).
"""

from __future__ import annotations

import functools
import itertools
import re
import textwrap
import unicodedata
from collections.abc import Iterable, Iterator

from . import prefixes
from .grammar import LEVEL_WORDS

WHOLE_MAX = 1 << 20  # bytes: a source larger than this is never taken for a console's copy
WIDTH_MIN = 60  # columns: narrower "widths" are short lines, not a console's
AT_WIDTH_MIN = 2  # lines cut at the width, at the least, for it to be one
# A console's usual widths (Windows' console since Windows 10 opens 120 columns wide, a terminal 80): one
# line cut at one of them is enough
USUAL_WIDTHS = frozenset({80, 100, 120, 132, 160, 200})
MARGIN_MIN = 4  # spaces every line starts with that make a copy indented as a whole (a Markdown code block)
SAME_START = 8  # characters two lines start with that make them two records of one program, not a cut
# A terminal's width where a copy shows none (no line reaches it): a word wrap is read there only when a line of
# ASSUMED_NEAR columns at the least breaks before a word that would not have fitted
ASSUMED_WIDTH = 80
ASSUMED_NEAR = 70

_LEVELS = "|".join(LEVEL_WORDS)
# How a line starts that is a record of its own, not a cut line's rest: a date or a time, a syslog month,
# a bracketed time or level, a level word, a traceback's first line or chain, a JSON object; a box or a
# table's border (a drawn box's lines are all as wide as the console, and are no cuts); an indent but one
# space (a cut before a word leaves one).
_HEAD = re.compile(
    r"\d{4}-\d\d-\d\d|\d\d:\d\d:\d\d|\d{1,2}/\d{1,2}/\d{2,4}[ T]"
    r"|(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [ \d]\d "
    rf"|\[(?:\d|(?:{_LEVELS})\])|(?:{_LEVELS})(?:[:\] |]|$)"
    r"|Traceback \(|During handling of|The above exception|Caused by: |\{\""
    r"|[\u2500-\u257f|+]|\s\s|\t|\s?$"
)
_BORDER = re.compile(r"[\u2500-\u257f|+]\s*$")  # a line that ends at a box's or a table's border
# A word wrap's break: the next line goes on with a plain word in small letters (a sentence's words; not a
# record's head such as `openai.RateLimitError:` after a traceback's last frame), or the line ends in a word
# broken after its hyphen (`organization org-` and `BOvp... on tokens per min`)
_PLAIN_WORD = re.compile(r"[a-z][a-z'-]*[,.;]?$")
_HYPHENED = re.compile(r"\w-$")
_SENTENCE_END = re.compile(r"[.:;!?)\]}]$")  # a line that ends so may have ended there: no word wrap told
_WORD_START = re.compile(r"[A-Z][a-z]+\b")  # a capitalised word after a hyphen: a sentence of its own


def columns(line: str) -> int:
    """The columns a console gives the line (an East Asian wide or full-width character takes two)."""
    if line.isascii():
        return len(line)
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line)


def width(lines: list[str], least: int = 1) -> tuple[int, bool] | None:
    """The width the lines were hard-wrapped at and whether the copy pads its lines to it; None when
    they show none. At a console's usual width `least` lines cut at it are enough, elsewhere AT_WIDTH_MIN."""
    sizes = [columns(line) for line in lines]
    widest = max(sizes, default=0)
    if widest < WIDTH_MIN:
        return None
    at = [lines[i] for i, size in enumerate(sizes) if size == widest]
    cut = [line for line in at if not line.endswith(" ")]
    padded = len(at) - len(cut) > len(cut)  # most lines at the width end in a space: padded to it
    enough = least if widest in USUAL_WIDTHS else max(least, AT_WIDTH_MIN)
    return (widest, padded) if len(cut if padded else at) >= enough else None


def joined_text(text: str, platform: re.Pattern[str] | None = None) -> str:
    """The text `dedented`, and each line of it cut at its console's width joined with its rest (the
    rest's line left blank); the text itself when it has neither. Where a platform's prefix (`platform`, one
    before each line) is on the lines, the program's text after it is what was wrapped: the widths, cuts and
    heads are read there, and a joined line keeps its first line's prefix. A copy of a TUI's pane (`paned`)
    is read without its side borders."""
    text = paned(dedented(text))
    lines = text.split("\n")
    bare = [line[:-1] if line.endswith("\r") else line for line in lines]
    leads = [_lead(line, platform) for line in bare]
    under = any(leads)
    if under:
        kins = [_kin(line[:lead]) for line, lead in zip(bare, leads, strict=True)]
        bare = [line[lead:] for line, lead in zip(bare, leads, strict=True)]
    # (under a platform's prefix two cut lines at the least: one line of a program's that reaches 80 columns is
    # no wrap of its, and the platform's line counts no longer tell records of one length apart)
    found = width(bare, AT_WIDTH_MIN if under else 1)
    assumed = _words_at_usual(bare) if found is None and not under else set()
    if assumed:
        found = ASSUMED_WIDTH, False
    if found is None:
        return text
    wide, padded = found
    cuts = [_cut(line, wide, padded) for line in bare[:-1]]
    breaks = [_seam(line, after, wide, padded) for line, after in itertools.pairwise(bare)]
    if assumed:  # (at a width the copy does not show, only the breaks that told it)
        breaks = [seam if i in assumed else None for i, seam in enumerate(breaks)]
    # a copy wrapped at words: a line at the width ends a word too, the next one starts one
    words = any(seam is not None and not cut for seam, cut in zip(breaks, cuts, strict=True))
    changed = False
    i = 0
    while i < len(bare) - 1:
        head = i
        seams = [""]
        while (
            i < len(bare) - 1
            and not _starts_record(bare[i + 1], bare[head])
            and (not under or kins[i + 1] in ("", kins[head]))
        ):
            seam = breaks[i]
            if seam is None:
                break
            if words and cuts[i] and _PLAIN_WORD.match(bare[i + 1].split(" ", 1)[0]):
                seam = " "  # (at the width in a copy wrapped at words: a word's end)
            seams.append(seam)
            i += 1
        if i > head:
            parts = [seams[k - head] + (bare[k].rstrip(" ") if padded else bare[k]) for k in range(head, i + 1)]
            end = "\r" if lines[i].endswith("\r") else ""
            lines[head] = lines[head][: leads[head]] + "".join(parts) + end
            for k in range(head + 1, i + 1):
                lines[k] = end
            changed = True
        i += 1
    return "\n".join(lines) if changed else text


# A TUI's pane copied without its top and bottom (k9s' log view, a terminal multiplexer's pane): every line between
# a vertical border and its mirror, the program's lines padded or cut to the pane's width inside (`│ ... ERROR
# embeddings_api: Problem with request: Response { url: ... stat │` then `│ us: 401, headers: ... │`), as in
# https://github.com/bionic-gpt/bionic-gpt/issues/930 (checked 2026-12-06)
_PANE = re.compile(r"([\u2502\u2503\u2551]) (.*) \1[ \t\r]*")
PANE_LINES_MIN = 3  # lines, all framed so, that make a copy a pane's


def paned(text: str) -> str:
    """The text without a pane's side borders where every line that is not blank is framed by them (the lines
    inside kept as they are, pads and cuts included, for `width` to read); else the text itself."""
    if not text.lstrip("\r\n").startswith(("\u2502", "\u2503", "\u2551")):  # (its first line that is not blank)
        return text
    lines = text.split("\n")
    framed = [_PANE.fullmatch(line) if line.strip() else None for line in lines]
    inner = [m for m, line in zip(framed, lines, strict=True) if line.strip()]
    if len(inner) < PANE_LINES_MIN or not all(inner) or len({m.group(1) for m in inner if m}) > 1:
        return text
    return "\n".join(m.group(2) if m else line for m, line in zip(framed, lines, strict=True))


def _words_at_usual(lines: list[str]) -> set[int]:
    """Where no line reaches a terminal's usual width (ASSUMED_WIDTH), the lines (by index) near it that end
    mid-sentence and go on in a shorter next line, the last of a wrapped message, with a plain word that would not
    have fitted (a TUI's word wrap whose lines all broke before the edge, as Codex's `... Your project has reached its`
    and `configured enforced spend limit. ...`); empty where none does. A next line as long is a record of its own."""
    wide = max((columns(line) for line in lines), default=0)
    if not ASSUMED_NEAR <= wide < ASSUMED_WIDTH:
        return set()
    return {
        i
        for i, (line, after) in enumerate(itertools.pairwise(lines))
        if columns(line) >= ASSUMED_NEAR
        and columns(after) < ASSUMED_NEAR
        and _seam(line, after, ASSUMED_WIDTH, False) == " "
    }


def dedented(text: str) -> str:
    """The text without the indent every line of it that is not blank starts with, where that is four
    spaces or a tab at the least; else the text itself."""
    if not text[:1].isspace() and text.strip():
        return text  # (most logs: the first line is not indented)
    margins = [line[: len(line) - len(line.lstrip(" \t"))] for line in text.split("\n") if line.strip()]
    lead = "\t" if margins and margins[0].startswith("\t") else MARGIN_MIN * " "
    if not margins or not all(margin.startswith(lead) for margin in margins):
        return text
    if len(set(margins)) == 1 and len(margins[0]) >= COLUMN_MIN and not _heads_in(text, len(margins[0])):
        return text  # one column of text far in, no record's head in it: a wrapped message column (`column_joined`)
    return textwrap.dedent(text)


def _heads_in(text: str, indent: int) -> bool:
    """Whether a line of the text, its indent off, starts like a record's head (a time, a level word)."""
    return any(_HEAD.match(line[indent:]) for line in text.split("\n") if line.strip())


def _cut(line: str, wide: int, padded: bool) -> bool:
    """Whether the line was cut at the width (it reaches it, and not with a border or a pad)."""
    if padded and line.endswith(" "):
        return False
    return columns(line) == wide and _BORDER.search(line) is None


def _seam(line: str, after: str, wide: int, padded: bool) -> str | None:
    """How the line goes on in the next one: joined as it is (cut at the width), with a space (a word wrap:
    the next line's first word would not have fitted after it) or after its hyphen (a wrap that broke a
    hyphened word, `org-` and `BOvp...`); None when the next line is a line of its own."""
    if _cut(line, wide, padded):
        return ""
    if padded or _BORDER.search(line) is not None:
        return None
    word = after.split(" ", 1)[0]
    hyphen = _HYPHENED.search(line) is not None and word[:1].isalnum() and _WORD_START.match(word) is None
    size = columns(word)
    if not (hyphen or (_PLAIN_WORD.match(word) and not _SENTENCE_END.search(line))) or size > wide // 2:
        return None  # (a word over half the width is no word a wrap moved down: a line of its own)
    if columns(line) + (0 if hyphen else 1) + size <= wide:
        return None  # it would have fitted: the line ended there
    return "" if hyphen else " "


def _starts_record(line: str, cut: str) -> bool:
    """Whether the line after a cut one starts a record: like a head, or as the cut line's own record
    starts (a platform's or a program's prefix before every line: records of one length, not cuts)."""
    return _HEAD.match(line) is not None or line[:SAME_START] == cut[:SAME_START]


def _kin(prefix: str) -> str:
    """A platform's prefix without its digits (its stamps, a process's id): the same for the lines of one service or
    program, another for another's interleaved with them (`worker-1  | ` between `api-1  | ` lines)."""
    return prefix.translate(_NO_DIGITS)


_NO_DIGITS = str.maketrans("", "", "0123456789")


def _lead(line: str, platform: re.Pattern[str] | None) -> int:
    """The length of the platform's prefix the line starts with (0: none)."""
    m = platform.match(line) if platform is not None else None
    return m.end() if m is not None else 0


# The prefixes a platform writes before each line it copies: a program's own wrap is inside them (Rich's
# console at 80 columns under Compose's `api-1  | `). Not a line's number or a quote's `>`: taken off every line
# before this (prefixes.taken_off), nor a JSON line's field.
_PLATFORMS = {p.name: p.head.pattern.decode() for p in prefixes.PREFIXES if p.name not in prefixes.OUTER}
# (Docker Desktop's stamp whatever follows it: before an app's own stamp too, which its head pattern leaves to the app)
_PLATFORMS["desktop"] = prefixes.LOCAL_STAMP.decode()


@functools.lru_cache(maxsize=32)
def _platform(names: tuple[str, ...]) -> re.Pattern[str] | None:
    learnt = [head for head in map(prefixes.labelled_head, names) if head is not None]
    heads = [_PLATFORMS[name] for name in names if name in _PLATFORMS] + learnt
    return re.compile("|".join(f"(?:{head})" for head in heads)) if heads else None


def joined(block: bytes) -> bytes:
    """`joined_text` of a block's bytes (bytes that are no UTF-8 kept as they were), read inside the platform's
    prefixes the block's lines carry (`prefixes.active`)."""
    text = block.decode("utf-8", "surrogateescape")
    done = joined_text(text, _platform(tuple(prefixes.active(block))))
    return block if done is text else done.encode("utf-8", "surrogateescape")


def each_joined(blocks: Iterable[bytes]) -> Iterator[bytes]:
    """The blocks of a source, the first `joined` when it is the whole source and at most WHOLE_MAX
    bytes (the rest as they come)."""
    it = iter(blocks)
    first = next(it, None)
    if first is None:
        return
    second = next(it, None)
    if second is None:
        yield joined(first) if len(first) <= WHOLE_MAX else first
        return
    yield first
    yield second
    yield from it


# Rich's logging handler (Python's `rich.logging.RichHandler`) prints a record's message in a column: after
# `[time] LEVEL    ` (twenty columns at the least) and before a right-aligned `file.py:NN`, wrapped at the
# column's width, each further line indented to the column's start and padded to its end. A word longer than
# the column is folded: it starts a line of its own and is cut at the column's end, so a line that reaches the
# end and holds one word goes on in the next line's first word. https://rich.readthedocs.io/en/stable/logging.html
COLUMN_MIN = 20
FOLD_MIN = 20  # characters: a column narrower than this folds no word (a list of short words, one a line, is none)
PATH_TAIL = 100  # characters at the first line's end where its `file.py:NN` column is looked for
_PATH_COLUMN = re.compile(r"(?<=[ ])[\w.-]{1,80}\.py:\d{1,6} *$")


def column_joined(parts: list[str]) -> str | None:
    """The text of a record whose lines after the first all start at one column, COLUMN_MIN or further,
    with a word (Rich's message column, wrapped): its lines joined into one, the folded words mended and
    the first line's `file.py:NN` column left out; None for any other record."""
    rest = parts[1:]
    indent = len(rest[0]) - len(rest[0].lstrip(" ")) if rest else 0
    if indent < COLUMN_MIN or not all(_in_column(line, indent) for line in rest):
        return None
    ends = [len(line.rstrip()) for line in rest]
    edge = max(ends)
    head, path = _without_path(parts[0].rstrip(), edge)
    # where each line ends at the column's end (a word of its own there goes on in the next line), the first line
    # too (its message up to the column's end, one space before its path column)
    at_end = [path == 1 or len(head) == edge, *(e == edge for e in ends)]
    words = [head.split("  ")[-1].strip(), *(line.strip() for line in rest)]
    wide = edge - indent >= FOLD_MIN
    joined = head
    for i, line in enumerate(rest):
        joined += ("" if wide and at_end[i] and " " not in words[i] else " ") + line.strip()
    return joined


def _without_path(head: str, edge: int) -> tuple[str, int]:
    """The first line without Rich's right-aligned `file.py:NN` column, and the spaces that were before it (0: no
    such column): two or more, or one where the message before it reached the column's end (`edge`, where the
    lines after it end at the most; a line of `failure in worker.py:88` ends short of it: the message's own words)."""
    path = _PATH_COLUMN.search(head, max(0, len(head) - PATH_TAIL))
    if path is None:
        return head, 0
    message = head[: path.start()].rstrip(" ")
    spaces = path.start() - len(message)
    if spaces == 1 and path.start() < edge:
        return head, 0
    return message, spaces


def _in_column(line: str, indent: int) -> bool:
    """Whether the line is `indent` spaces and then a word."""
    return line[:indent].strip(" ") == "" and line[indent : indent + 1] not in ("", " ", "\t")
