"""Lines a console hard-wrapped at its width (analyzer/framing/wraps.py): read as they were logged."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analyzer import pipeline, ruleset
from analyzer.framing import wraps
from analyzer.models import Outcome

NOW = datetime(2026, 3, 2, tzinfo=UTC)
RULES = ruleset.load()

# openai-python v1's quota error under its traceback: the exception line is long, a frame's path too
LOG = [
    "2026-03-01 10:00:00,123 ERROR worker.summarise: job 4411 failed",
    "Traceback (most recent call last):",
    '  File "/srv/app/.venv/lib/python3.12/site-packages/openai/resources/chat/completions/completions.py",'
    " line 1147, in create",
    "    return self._post(",
    '  File "/srv/app/.venv/lib/python3.12/site-packages/openai/_base_client.py", line 1047, in request',
    "    raise self._make_status_error_from_response(err.response) from None",
    "openai.RateLimitError: Error code: 429 - {'error': {'message': 'You exceeded your current quota, please check"
    " your plan and billing details. For more information on this error, read the docs:"
    " https://platform.openai.com/docs/guides/error-codes/api-errors.', 'type': 'insufficient_quota', 'param': None,"
    " 'code': 'insufficient_quota'}}",
    "2026-03-01 10:00:01,000 INFO worker.summarise: next job",
]


def fold(lines: list[str], width: int, pad: bool = False) -> list[str]:
    """The lines as a console `width` columns wide shows them (each padded with spaces to it, if `pad`)."""
    out = [line[i : i + width] for line in lines for i in range(0, max(len(line), 1), width)]
    return [line.ljust(width) for line in out] if pad else out


def failures(path: Path) -> list[tuple[str, int, int]]:
    analysis = pipeline.run(pipeline.Options((str(path),), UTC, NOW), RULES, None)
    return [(e.rule, e.line, e.end_line) for e in analysis.events if e.outcome is Outcome.FAILURE]


@pytest.fixture
def plain(tmp_path: Path) -> list[tuple[str, int, int]]:
    log = tmp_path / "plain.log"
    log.write_text("\n".join(LOG) + "\n")
    return failures(log)


def test_the_plain_log_is_one_quota_failure(plain: list[tuple[str, int, int]]) -> None:
    assert [(rule, line) for rule, line, _ in plain] == [("openai.quota.insufficient_quota", 1)]


@pytest.mark.parametrize(("width", "pad"), [(80, False), (120, False), (97, False), (80, True), (101, True)])
def test_a_console_hard_wrap_reads_as_the_log(
    tmp_path: Path, plain: list[tuple[str, int, int]], width: int, pad: bool
) -> None:
    folded = fold(LOG, width, pad)
    assert len(folded) >= len(LOG) + 3  # the signature, the frame's path and the body cut
    log = tmp_path / "folded.log"
    log.write_text("\n".join(folded) + "\n")
    assert [(rule, line) for rule, line, _ in failures(log)] == [(rule, line) for rule, line, _ in plain]


def test_the_cut_lines_are_joined_and_the_line_count_kept() -> None:
    folded = fold(LOG, 80)
    joined = wraps.joined_text("\n".join(folded)).split("\n")
    assert len(joined) == len(folded)  # a line for a line: the rest's line left blank
    assert [line for line in joined if line] == LOG
    assert wraps.width(folded) == (80, False)


def test_lines_that_show_no_width_are_left_alone() -> None:
    text = "\n".join(LOG)
    assert wraps.joined_text(text) is text  # the longest line is once as long: no width
    short = "\n".join(fold(LOG, 50))
    assert wraps.joined_text(short) is short  # under WIDTH_MIN columns: short lines, not a console's
    # records of one program, all as long (a service's prefix, one message repeated): no cuts
    record = "backend   | 2026-03-01 10:00:0{},000 - HTTP Request: POST https://api.openai.com/v1/x 429"
    same = "\n".join(record.format(i) for i in range(5))
    assert wraps.joined_text(same) is same


def test_a_drawn_box_and_the_heads_after_a_cut_are_not_joined() -> None:
    box = ["╭" + "─" * 78 + "╮", "│ File /srv/app/x.py:12 in main" + " " * 48 + "│", "╰" + "─" * 78 + "╯"]
    text = "\n".join(box)
    assert wraps.width(box) == (80, False)
    assert wraps.joined_text(text) is text
    stamped = ["x" * 80, "2026-03-01 10:00:00 next record", "y" * 80, "ERROR: another", "z" * 80, "  indented"]
    assert wraps.joined_text("\n".join(stamped)) == "\n".join(stamped)


def framed(lines: list[str], width: int, border: str = "\u2502") -> list[str]:
    """The lines as a TUI's pane `width` columns wide inside shows them: cut to it, padded, between borders."""
    return [f"{border} {line} {border}" for line in fold(lines, width, pad=True)]


@pytest.mark.parametrize("width", [80, 137])
def test_a_tui_panes_copy_reads_as_the_log(tmp_path: Path, plain: list[tuple[str, int, int]], width: int) -> None:
    pane = framed(LOG, width)
    log = tmp_path / "pane.log"
    log.write_text("\n".join(pane) + "\n")
    assert [(rule, line) for rule, line, _ in failures(log)] == [(rule, line) for rule, line, _ in plain]
    assert [line.rstrip() for line in wraps.joined_text("\n".join(pane)).split("\n") if line.strip()] == LOG


def test_only_a_copy_framed_on_every_line_by_one_border_is_a_pane() -> None:
    pane = framed(LOG, 80)
    assert wraps.paned("\n".join(pane)) != "\n".join(pane)
    assert wraps.paned("\n" + "\n".join(pane)) == "\n" + wraps.paned("\n".join(pane))  # a blank line first
    for text in (
        "\n".join(["\u256d" + "\u2500" * 82 + "\u256e", *pane]),  # a drawn box's top: Rich's traceback, not a pane
        "\n".join([*pane, "openai.RateLimitError: after the pane"]),  # a line outside it
        "\n".join([pane[0], pane[1].replace("\u2502", "\u2503"), *pane[2:]]),  # two kinds of border
        "\n".join(pane[:2]),  # too few lines to tell
    ):
        assert wraps.paned(text) is text


@pytest.mark.parametrize("indent", ["    ", "\t", "      "])
def test_a_copy_indented_as_a_whole_reads_as_the_log(
    tmp_path: Path, plain: list[tuple[str, int, int]], indent: str
) -> None:
    log = tmp_path / "indented.log"
    log.write_text("\n".join(indent + line if line else line for line in ["", *LOG, ""]) + "\n")
    assert [(rule, line - 1) for rule, line, _ in failures(log)] == [(rule, line) for rule, line, _ in plain]


def test_only_an_indent_every_line_shares_is_taken_off() -> None:
    text = "  INFO app: up\nERROR app: down\n  WARN app: slow\n"  # right-aligned levels: not all indented
    assert wraps.dedented(text) is text
    assert wraps.dedented("    a\n      b\n\n    c\n") == "a\n  b\n\nc\n"
    two = "  cURL error 60: SSL certificate problem\n\n  at vendor/HttpTransporter.php:107\n"  # a console's own layout
    assert wraps.dedented(two) is two


def test_wide_characters_take_two_columns() -> None:
    assert wraps.columns("残高不足") == 8
    assert wraps.columns("quota") == 5


def test_only_a_small_source_read_whole_is_looked_at() -> None:
    folded = "\n".join(fold(LOG, 80)).encode() + b"\n"
    assert list(wraps.each_joined([folded])) != [folded]
    assert list(wraps.each_joined([folded, folded])) == [folded, folded]  # two blocks: a program's log
    big = folded * (wraps.WHOLE_MAX // len(folded) + 1)
    assert list(wraps.each_joined([big])) == [big]
    assert list(wraps.each_joined([])) == []


def test_bytes_that_are_no_utf8_are_kept() -> None:
    block = ("\n".join(fold(LOG, 80)) + "\n").encode() + b"\xff\xfe junk\n"
    joined = wraps.joined(block)
    assert joined.endswith(b"\xff\xfe junk\n")
    assert joined.count(b"\n") == block.count(b"\n")


# openai-python's exception line up to its URL, longer than the column (as a paste cut there shows it): only
# the sentence tells quota from a rate limit
QUOTA_MESSAGE = LOG[-2][: LOG[-2].index("api-errors.") + len("api-errors.")]


def rich_column(message: str, width: int) -> list[str]:
    """The message as Rich's logging handler wraps it in a column `width` wide: at spaces; a word longer than
    the column on lines of its own, cut at the column's end."""
    lines: list[str] = []
    line = ""
    for word in message.split(" "):
        if len(word) > width:
            lines += [line] if line else []
            chunks = [word[i : i + width] for i in range(0, len(word), width)]
            lines, line = lines + chunks[:-1], chunks[-1]
        elif not line:
            line = word
        elif len(line) + 1 + len(word) <= width:
            line += " " + word
        else:
            lines, line = [*lines, line], word
    return [*lines, line]


def rich_record(message: str, width: int = 40) -> list[str]:
    """One record as RichHandler prints it: time, level, the message's column padded, `file.py:NN` right-aligned."""
    column = rich_column(message, width)
    head = f"[03/01/26 10:00:00] ERROR    {column[0].ljust(width)} summarise.py:88"
    return [head, *(" " * 29 + line.ljust(width) for line in column[1:])]


def test_a_rich_column_is_one_line_again() -> None:
    record = rich_record(QUOTA_MESSAGE)
    assert any(len(word) > 40 for word in QUOTA_MESSAGE.split(" "))  # a word folded, and the sentence split
    assert "You exceeded your current quota" not in "\n".join(record)
    assert wraps.column_joined(record) == "[03/01/26 10:00:00] ERROR    " + QUOTA_MESSAGE
    # the first line's message folded at the column's end too: one space before its path column
    folded = rich_record("worker.summarise:RateLimitError: " + QUOTA_MESSAGE, width=24)
    assert folded[0].endswith(" summarise.py:88") and folded[0][-17] != " "
    assert (
        wraps.column_joined(folded) == "[03/01/26 10:00:00] ERROR    worker.summarise:RateLimitError: " + QUOTA_MESSAGE
    )


@pytest.mark.parametrize(
    "lines",
    [
        ["FATAL EXCEPTION: main", " " * 30 + "Process: app, PID: 1", " " * 30 + "\tat com.openai.Client.create"],
        ["head", " " * 30 + "a", " " * 31 + "b"],  # two columns: a layout of its own
        ["head", " " * 8 + "a", " " * 8 + "b"],  # a traceback's or a body's indent
        ["head", " " * 30 + "a", ""],
        ["one line"],
    ],
)
def test_only_lines_of_one_far_column_are_joined(lines: list[str]) -> None:
    assert wraps.column_joined(lines) is None


@pytest.mark.parametrize("prefix", ["", "2026-03-01 10:00:00 "])
def test_a_rich_handler_s_wrapped_failure_is_found(tmp_path: Path, prefix: str) -> None:
    """RichHandler's column wraps the quota sentence over lines (here under Docker Desktop's stamp too, and as a
    copy of the column alone, no head): the failure is read as one record of one line."""
    record = rich_record(QUOTA_MESSAGE)
    column = [" " * 29 + record[0][29:-16].rstrip(), *record[1:]]  # (every line indented alike: no code block)
    for lines in ([*record, "[03/01/26 10:00:01] INFO     next job"], column):
        log = tmp_path / "rich.log"
        log.write_text("".join(f"{prefix}{line}\n" for line in lines))
        assert failures(log) == [("openai.quota.insufficient_quota", 1, len(record))]


def test_a_column_of_short_words_and_a_path_in_the_message_are_kept() -> None:
    """A list of one short word a line folds nothing (the column is narrower than FOLD_MIN), and a `file.py:NN` that
    the message's own words end in, short of the column's end, is the message's."""
    models = ["WARNING  retrying with models:", *(" " * 24 + m for m in ("gpt-4o-mini", "gpt-4"))]
    assert wraps.column_joined(models) == "WARNING  retrying with models: gpt-4o-mini gpt-4"
    path = ["ERROR failure in worker.py:88", " " * 24 + "retrying in 5 seconds", " " * 24 + "then giving up"]
    assert wraps.column_joined(path) == "ERROR failure in worker.py:88 retrying in 5 seconds then giving up"
    padded = ["ERROR " + " " * 60_000 + "x", " " * 24 + "retry later"]  # (a long run of spaces: looked at its end only)
    assert wraps.column_joined(padded) == padded[0] + " retry later"
    # a short message padded far to its path column on a wide console: the column is still taken off
    wide = ["HTTP Request: POST" + " " * 150 + "_client.py:1025", " " * 29 + "https://api.openai.com/v1/chat/comp"]
    assert wraps.column_joined([*wide, " " * 29 + 'letions "HTTP/1.1 429"']) == (
        'HTTP Request: POST https://api.openai.com/v1/chat/completions "HTTP/1.1 429"'
    )


def test_a_log_indented_as_a_whole_whose_lines_start_with_a_time_is_dedented() -> None:
    lines = [" " * 24 + f"2026-03-01 10:00:0{i} ERROR app: failed {i}" for i in range(3)]
    assert wraps.dedented("\n".join(lines)) == "\n".join(line.strip() for line in lines)


def test_a_word_wrapped_copy_is_joined_at_its_breaks() -> None:
    """A TUI that wraps at words (Codex's, 100 columns): a line broken after a hyphen goes on in the next
    line's word, a line at the width in such a copy ends a word (a space between)."""
    codex = [
        "stream disconnected before completion: Rate limit reached for organization org-",
        "BOvpEHVcDPTe8h4lZnwMO5Ly on tokens per min (TPM): Limit 250000, Used 250000, Requested 13472. Please",
        "try again in 3.233s. Visit https://platform.openai.com/account/rate-limits to learn more.",
    ]
    assert [wraps.columns(line) for line in codex][1] == 100
    joined = wraps.joined_text("\n".join(codex)).split("\n")
    assert joined[0] == codex[0] + codex[1] + " " + codex[2]
    assert joined[1:] == ["", ""]


@pytest.mark.parametrize(
    ("line", "after", "kept"),
    [
        # the next word would have fitted: the line ended there
        ("2026-03-01 a sentence that a console wrapped at a word, whose next word is", "continuation of it", True),
        # a word that would not have fitted, mid-sentence: a word wrap
        ("2026-03-01 a line of a program's own that ends near the console's right edge " + "z" * 18, "wrapped", False),
        # a line that ends a sentence may have ended there
        (
            "2026-03-01 Rate limit reached for gpt-4o in organization org-x on requests per min: Used 3.",
            "connection refused while calling https://api.openai.com/v1/chat/completions",
            True,
        ),
        # a record's head, not a plain word: after a traceback's last frame
        (
            "    raise self._make_status_error_from_response(err.response) from None and then some more words",
            "openai.RateLimitError: x",
            True,
        ),
        # a capitalised word after a hyphen starts a sentence of its own
        (
            "2026-03-01 the job for the nightly summaries of tenant 4411 failed and is scheduled to be re-",
            "Connection reset by peer while calling api.openai.com",
            True,
        ),
        # a word over half the width is a line of its own
        ("2026-03-01 a line of a program's own that ends near the console's right edge " + "z" * 18, "w" * 60, True),
    ],
)
def test_only_a_break_a_word_wrap_tells_is_joined(line: str, after: str, kept: bool) -> None:
    text = "\n".join(["x" * 100, line, after])
    assert (wraps.joined_text(text) == text) is kept


def test_a_word_wrapped_rate_limit_is_found(tmp_path: Path) -> None:
    log = tmp_path / "codex.log"
    log.write_text(
        "stream disconnected before completion: Rate limit reached for organization org-\n"
        "BOvpEHVcDPTe8h4lZnwMO5Ly on tokens per min (TPM): Limit 250000, Used 250000, Requested 13472. Please\n"
        "try again in 3.233s. Visit https://platform.openai.com/account/rate-limits to learn more.\n"
    )
    assert [(rule, line) for rule, line, _ in failures(log)] == [("openai.rate_limit.reached", 1)]


def test_a_word_wrap_whose_lines_never_reach_the_edge_is_read_at_80_columns(tmp_path: Path) -> None:
    """Codex's TUI broke every line of a message before the edge (no line reaches a width): a line near 80
    columns that ends mid-sentence, before a word that would not have fitted, goes on in the next line."""
    codex = [
        "ERROR: Reconnecting... 5/5",
        "ERROR: stream disconnected before completion: Your project has reached its",
        "configured enforced spend limit. Update your limit at",
        "https://platform.openai.com/settings/proj_abc/limits.",
        "Error: codex exited with code 1",
    ]
    joined = wraps.joined_text("\n".join(codex)).split("\n")
    assert joined[1] == codex[1] + " " + codex[2]
    assert joined[2] == "" and joined[3] == codex[3]
    log = tmp_path / "codex.log"
    log.write_text("\n".join(codex) + "\n")
    assert [(rule, line) for rule, line, _ in failures(log)] == [("openai.quota.spend_limit", 2)]
    # the same lines short of 70 columns, or ending a sentence, show no wrap
    short = ["ERROR: stream disconnected: Your project has reached its", *codex[2:]]
    assert wraps.joined_text("\n".join(short)) == "\n".join(short)
    ended = [codex[1] + ".", *codex[2:]]
    assert wraps.joined_text("\n".join(ended)) == "\n".join(ended)
    # two records of a log, each near 80 columns: the second is no wrapped message's last line
    two = [
        "openai.RateLimitError: Error code: 429 - Rate limit reached for model gpt-4o",
        "embeddings call to api.openai.com failed: Error code: 401 - invalid api key",
    ]
    assert wraps.joined_text("\n".join(two)) == "\n".join(two)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(alphabet="ab yz-.:A1\t(", max_size=130), max_size=12))
def test_joining_keeps_a_line_for_a_line(lines: list[str]) -> None:
    """Whatever the copy, a joined line leaves its rest's line blank: the line count, and so every record's
    line numbers, stay the file's."""
    text = "\n".join(lines)
    assert wraps.joined_text(text).count("\n") == text.count("\n")


@pytest.mark.parametrize(
    "prefix",
    ["chat-app-1  | ", "[pod/chat-7d9f8c6b5-x2kqz/app] ", "Mar  1 10:00:00 host1 bot[1234]: ", "2026-03-01 10:00:00 "],
)
def test_a_wrap_inside_a_platforms_prefix_is_joined(
    tmp_path: Path, plain: list[tuple[str, int, int]], prefix: str
) -> None:
    """A program's own output wrapped at 80 columns, then a platform's prefix put before each of its lines (Rich's
    console under Compose, journald, kubectl): the widths and cuts are the program's, read after the prefix."""
    folded = [prefix + line for line in fold(LOG, 80)]
    assert wraps.joined(("\n".join(folded) + "\n").encode()) != ("\n".join(folded) + "\n").encode()
    log = tmp_path / "prefixed.log"
    log.write_text("\n".join(folded) + "\n")
    assert [rule for rule, _, _ in failures(log)] == [rule for rule, _, _ in plain]


def test_a_joined_line_keeps_its_first_lines_prefix() -> None:
    lines = ["api-1  | " + line for line in fold(LOG, 80)]
    block = ("\n".join(lines) + "\n").encode()
    joined = wraps.joined(block).decode().split("\n")
    assert len(joined) == len(lines) + 1  # a line for a line
    quota = next(line for line in joined if "insufficient_quota'}}" in line)
    assert quota.startswith("api-1  | openai.RateLimitError: Error code: 429")
    assert "api-1  |" not in quota[len("api-1  | ") :]  # the prefixes of the lines joined to it are off
    # without the platform's prefix read, lines of one prefix are records of one program: none is joined
    assert wraps.joined_text("\n".join(lines)) == "\n".join(lines)


def test_interleaved_services_and_one_wide_line_are_not_joined() -> None:
    """Under a platform's prefix only lines of one service (the prefix the same but for its digits) are joined,
    and one line of a program's that reaches 80 columns is no wrap (two cut lines at the least)."""
    folded = fold(LOG, 80)
    at = next(i for i, line in enumerate(folded) if line.startswith("openai.RateLimitError"))
    lines = [f"api-1  | {line}" for line in folded]
    lines.insert(at + 1, "worker-1  | completed job 17 in 3s")
    block = ("\n".join(lines) + "\n").encode()
    joined = wraps.joined(block).decode().split("\n")
    assert "worker-1  | completed job 17 in 3s" in joined  # the other service's line kept, whole and its own
    assert not any("completed job" in line for line in joined if line.startswith("api-1"))
    one = [
        "api-1  | GET /v1/models 200 in 35ms from 10.0.0.7 (user agent python-requests/2.31.0) okk",
        "api-1  | openai.AuthenticationError: Error code: 401 - invalid key",
    ]
    assert len(one[0]) - len("api-1  | ") == 80
    text = "\n".join(one) + "\n"
    assert wraps.joined(text.encode()).decode() == text
