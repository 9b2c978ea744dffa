"""The record grammar (analyzer/framing/grammar.py) and every form derived from it agree with the full
framer (lines.unwrap and lines.kind): the fast paths may leave a line to the full path, never decide
it otherwise."""

from __future__ import annotations

import re

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from analyzer.framing import context, grammar, lines

PIECES = [
    *grammar.MARKERS,
    *(m[:5] for m in grammar.MARKERS),
    "2026-03-14T09:12:01.123Z",
    "2026-03-14T09:12:01.123456789Z",
    "2026-03-14T09:12:01+09:00",
    "2026-03-14 09:12:01,123",
    " stdout ",
    " stderr ",
    "F",
    "P",
    " ",
    "\t",
    "\r",
    grammar.DOCKER_PREFIX,
    '"',
    "\\n",
    "\\t",
    "\\u0020",
    '","stream":"stdout","time":"2026-03-14T09:12:01Z"}',
    "{",
    "}",
    "0",
    "7",
    "ERROR openai.RateLimitError: Error code: 429",
    "é",
    "│",
    "x",
]
LINE = st.lists(st.sampled_from(PIECES), min_size=0, max_size=8).map("".join)


def full_path_head(text: str) -> bool:
    """What the full framer makes of a line: a complete record head (not partial, not a continuation)."""
    line = lines.unwrap(text[:-1] if text.endswith("\r") else text)
    return not line.partial and lines.kind(line.text) == lines.HEAD


def blank(text: str) -> bool:
    return lines.kind(text[:-1] if text.endswith("\r") else text) == lines.BLANK


@settings(max_examples=3000, deadline=None)
@given(LINE)
@example('{"log":"x\\n"}')
@example("2026-03-14T09:12:01Z stdout F 7 ok")
def test_a_simple_head_is_a_head_on_the_full_path(text: str) -> None:
    data = text.encode()
    if lines._simple_head(data, 0):
        assert full_path_head(text)


DOCKER_TAIL = b',"stream":"stdout","time":"2026-03-14T09:12:01.123456789Z"}'


@pytest.mark.parametrize(
    "value",
    [rb"GET /x 200\n", rb"2026-03-14 09:12:01,123 INFO httpx: POST \"HTTP/1.1 200 OK\"\n", rb"x\\\n"],
)
def test_a_whole_docker_line_whose_text_is_a_head_is_a_simple_head(value: bytes) -> None:
    line = b'{"log":"' + value + b'"' + DOCKER_TAIL
    assert lines._simple_head(line + b"\n", 0)
    assert full_path_head(line.decode())


@pytest.mark.parametrize(
    "value",
    [
        rb"GET /x 200",  # a partial line (its text has no newline at its end)
        rb"x\\n",  # a backslash, then n: partial too
        rb"  at x\n",  # a continuation
        rb"\tat x\n",  # an escape first
        rb"Traceback (most recent call last):\n",
        rb'x\n","log":"  y\n',  # a second "log" key: JSON reads the last
    ],
)
def test_any_other_docker_line_is_left_to_the_full_path(value: bytes) -> None:
    assert not lines._simple_head(b'{"log":"' + value + b'"' + DOCKER_TAIL + b"\n", 0)


@settings(max_examples=3000, deadline=None)
@given(LINE)
def test_the_simple_head_pattern_is_the_simple_head_function(text: str) -> None:
    data = text.encode() + b"\n"
    assert (re.match(grammar.SIMPLE_HEAD, data) is not None) == lines._simple_head(data, 0)


@settings(max_examples=3000, deadline=None)
@given(LINE)
@example("Caused by: java.io.IOException")
@example('{"log":"  File \\"x.py\\"\\n"}')
@example("2026-03-14T09:12:01Z stdout P part")
def test_a_line_no_trigger_matches_is_a_head_or_blank(text: str) -> None:
    triggered = re.compile(grammar.TRIGGERS, re.M).match(text.encode()) is not None
    if not triggered:
        assert full_path_head(text) or blank(text)


@settings(max_examples=3000, deadline=None)
@given(LINE)
def test_every_triggered_line_holds_a_needle(text: str) -> None:
    """The regex prefilter finds triggered lines by the needles (indented ones it finds otherwise)."""
    data = text.encode()
    if re.match(grammar.INDENTED, data) or not re.compile(grammar.TRIGGERS, re.M).match(data):
        return
    framed = b"\n" + data + b"\n"
    assert any(needle in framed for needle in grammar.TRIGGER_NEEDLES)


@settings(max_examples=3000, deadline=None)
@given(LINE)
def test_a_plain_head_is_headlike_in_context(text: str) -> None:
    data = text.encode()
    if grammar.PLAIN_HEAD.match(data):
        assert context.headlike(context._text(data))


def test_every_first_byte_of_the_grammar_needs_a_look() -> None:
    firsts = {m.encode()[0] for m in grammar.MARKERS} | set(grammar.INDENT.encode())
    firsts |= {grammar.DOCKER_PREFIX.encode()[0]} | set(b"0123456789\r\n")
    assert firsts <= grammar.NEEDS_LOOK
    assert not grammar.NEEDS_LOOK & set(b"abcxyzABEFZ[]()<>!#")  # a line that starts so is a head


def test_the_wrappers_are_read_as_the_grammar_says() -> None:
    cri = lines.unwrap(f"2026-03-14T09:12:01Z {grammar.CRI_STREAMS[1]} {grammar.CRI_PARTIAL} half")
    assert (cri.wrapper, cri.stream, cri.partial, cri.text) == ("cri", "stderr", True, "half")
    stamped = lines.unwrap('2023-01-14T14:15:32.473529701Z   File "bot.py", line 25, in send_message')
    assert (stamped.wrapper, stamped.time, stamped.text) == (
        "docker-t",
        "2023-01-14T14:15:32.473529701Z",
        '  File "bot.py", line 25, in send_message',
    )
    assert lines.unwrap("2023-01-14T14:15:32.473Z INFO app: up").wrapper == ""  # an app's own ISO stamp
    docker = lines.unwrap(grammar.DOCKER_PREFIX + '"whole\\n","stream":"stdout","time":"t"}')
    assert (docker.wrapper, docker.partial, docker.text) == ("docker", False, "whole")
    for marker in grammar.MARKERS:
        assert lines.kind(marker + " ...") in (lines.TB_START, lines.CHAIN)
