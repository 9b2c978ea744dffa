"""Jira wiki markup (-f jira, analyzer/reporting/jira.py): log text in {noformat} blocks it cannot end, every
other string escaped, headings, tables and a checklist as bullets."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from conftest import SAMPLES
from hypothesis import example, given
from hypothesis import strategies as st

from analyzer import cli
from analyzer.reporting import jira

HOSTILE = (
    "{noformat}h1. pwned{NoFormat} {code}x{code} [click|http://evil.example] !http://evil.example/i.png! "
    "*bold* _em_ -del- +ins+ ^sup^ ~sub~ ??cite?? {{mono}} || a || b | c \\\\ break :) (y) (!) #1 {color:red}x{color}"
)
# What Jira would read as markup in inline text: a markup character not written as a character reference.
MARKUP = re.compile(
    r"[*^~|!{}\[\]#\\]|(?<![^\W_])[-+_]|[-+_](?![^\W_])|\?\?|[:;][()PpDdOo]|\((?:[yni/x!+?*-]|on|off)\)", re.I
)


def rendered(text: str) -> str:
    """What Jira shows for escaped inline text: its character references read back."""
    return html.unescape(text)


@pytest.mark.parametrize("value", [HOSTILE, "a\nb\r\nc\td", "", "\x1b[31mred\x1b[0m \x00\x7f", "2026-03-14 req_5c3b"])
def test_inline_text_has_no_markup_left_and_reads_back_as_it_was(value: str) -> None:
    escaped = jira.text(value)
    assert not MARKUP.search(escaped.replace("&#", "").replace(";", "")), escaped
    assert "\n" not in escaped and "\r" not in escaped
    expected = value.replace("\r", " ").replace("\n", " ").replace("\t", " ").translate(jira.CONTROLS)
    assert rendered(escaped) == expected


@given(st.text(max_size=200))
def test_any_text_escapes_to_no_markup(value: str) -> None:
    escaped = jira.text(value)
    assert not MARKUP.search(re.sub(r"&#\d+;", "", escaped))
    assert rendered(escaped) == value.translate({10: " ", 13: " ", 9: " "}).translate(jira.CONTROLS)


def test_ids_dates_and_words_stay_readable() -> None:
    assert jira.text("2026-03-14 org-9fQmZ3x req_5c3b Rate-limit") == "2026-03-14 org-9fQmZ3x req_5c3b Rate-limit"


@given(st.text(max_size=300))
@example("\u200b")  # a value with a zero-width space of its own
def test_no_text_can_end_a_noformat_block(value: str) -> None:
    block = jira.noformat(value + "{noformat}" + value.upper())
    assert block.startswith("{noformat}\n") and block.endswith("\n{noformat}")
    inner = block[len("{noformat}\n") : -len("\n{noformat}")]
    assert "{noformat" not in inner.lower()
    # (the zero-width spaces are the escape's; a value's own are left out of both sides to compare)
    expected = (value + "{noformat}" + value.upper()).translate(jira.CONTROLS)
    assert inner.replace("\u200b", "") == expected.replace("\u200b", "")


def test_mono_cells_and_links() -> None:
    assert jira.mono("a|b}") == "{{a&#124;b&#125;}}" and jira.mono("") == ""
    assert jira.cell("") == " "
    assert jira.link("https://help.openai.com/en/articles/6891839") == "[https://help.openai.com/en/articles/6891839]"
    assert jira.link("https://x.example/a|b]") == "https://x.example/a&#124;b&#93;"


def hostile_log(folder: Path) -> Path:
    log = folder / "app.log"
    log.write_text(
        f"2026-03-14 09:01:00,000 ERROR app.chat: openai.AuthenticationError: Error code: 401 - {{'error': "
        f"{{'message': 'Incorrect API key provided: {HOSTILE}', 'type': 'invalid_request_error', "
        "'code': 'invalid_api_key'}}\n"
    )
    return log


def scan(args: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    code = cli.main([*args, "--tz", "UTC"])
    out, err = capsys.readouterr()
    assert code == 0, err
    return out


def test_a_hostile_log_stays_inside_its_blocks(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = scan(["-f", "jira", str(hostile_log(tmp_path))], capsys)
    blocks = re.findall(r"(?s)\{noformat\}\n(.*?)\n\{noformat\}", out)
    assert blocks and all("{noformat" not in b.lower() for b in blocks)
    assert any(
        HOSTILE.replace("{noformat}", "{\u200bnoformat}").replace("{NoFormat}", "{\u200bNoFormat}") in b for b in blocks
    )
    outside = re.sub(r"(?s)\{noformat\}\n.*?\n\{noformat\}", "", out)
    for line in outside.splitlines():
        if line.startswith(("||", "|")):
            line = line.strip("|")
        for token in ("[click", "!http", "{code}", "h1. pwned", "{color"):
            assert token not in line, line


def test_the_report_in_jira_markup(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    out = scan(["-f", "jira", str(SAMPLES / "python_card_decline.log")], capsys)
    assert out.startswith("h1. logscan report: 1 incident(s)")
    assert "\nh2. Summary\n" in out and "\nh2. INC-001: Card declined at auto-recharge" in out
    assert "\n||#||Severity||Incident||" in out and "\n|INC-001|critical|" in out
    assert "\n* Call the card issuer" in out  # the checklist, as bullets: Jira has no task list
    assert "- [ ]" not in out and "```" not in out and "mermaid" not in out
    rows = [line for line in out.splitlines() if line.startswith("|INC-")]
    assert all(len(re.findall(r"(?<!&#124)\|", r)) == 9 for r in rows)  # 8 cells, no | from the text
