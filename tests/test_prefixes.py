"""A platform's prefix on every line (analyzer/framing/prefixes.py): a traceback under it is still one record."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analyzer import pipeline, ruleset
from analyzer.framing import prefixes
from analyzer.models import Outcome

sys.path.insert(0, str(Path(__file__).parent / "corpus"))
import wrapped

NOW = datetime(2026, 3, 2, tzinfo=UTC)
RULES = ruleset.load()

# An openai-python timeout: only the frames show whose call it was (httpx's exception line names no one).
TRACEBACK = [
    "2026-03-01 10:00:00,123 ERROR bot: chat failed",
    "Traceback (most recent call last):",
    '  File "/usr/lib/python3.11/site-packages/httpx/_transports/default.py", line 69, in map_httpcore_exceptions',
    "    yield",
    '  File "/usr/lib/python3.11/site-packages/openai/_base_client.py", line 955, in _request',
    "    response = self._client.send(",
    "httpx.ConnectTimeout: timed out",
    "2026-03-01 10:00:01,000 INFO bot: next message",
]


# The wrappers tests/corpus/wrapped.py scores the corpus under, and two more shapes.
WRAPPERS: dict[str, Callable[[int, str], str]] = {
    **wrapped.LINE_WRAPPERS,
    "kubectl-timestamps": lambda i, line: f"[pod/chat-7d9f8c6b5-x2kqz/app] 2026-03-01T10:00:00.1{i}Z {line}",
    "hyperlinks": lambda i, line: f"\x1b]8;;http://x\x1b\\{line}\x1b]8;;\x07",
}


def failures(path: Path, jobs: int = 1) -> list:
    analysis = pipeline.run(pipeline.Options((str(path),), UTC, NOW, jobs=jobs), RULES, None)
    return [e for e in analysis.events if e.outcome is Outcome.FAILURE]


def plain(tmp_path: Path) -> list[tuple[str, int, int]]:
    log = tmp_path / "plain.log"
    log.write_text("\n".join(TRACEBACK) + "\n")
    return [(e.rule, e.line, e.end_line) for e in failures(log)]


def test_the_plain_traceback_is_one_timeout(tmp_path: Path) -> None:
    assert [rule for rule, _, _ in plain(tmp_path)] == ["openai.generic.timeout"]


@pytest.mark.parametrize("name", sorted(WRAPPERS))
def test_a_traceback_under_a_platform_prefix_is_framed_as_without(tmp_path: Path, name: str) -> None:
    log = tmp_path / f"{name}.log"
    log.write_text("\n".join(WRAPPERS[name](i, line) for i, line in enumerate(TRACEBACK)) + "\n")
    found = failures(log)
    assert [(e.rule, e.line, e.end_line) for e in found] == plain(tmp_path)
    assert found[0].time is not None and found[0].time.date().isoformat() == "2026-03-01"


def test_the_head_keeps_its_prefix_and_only_continuations_lose_it() -> None:
    block = "".join(WRAPPERS["heroku"](i, line) + "\n" for i, line in enumerate(TRACEBACK)).encode()
    taken = prefixes.taken_off(block).decode().split("\n")
    assert taken[0] == WRAPPERS["heroku"](0, TRACEBACK[0])  # the head: its stamp and dyno kept
    assert taken[1:6] == TRACEBACK[1:6]  # the traceback's marker and frames: as the program wrote them
    assert taken[6] == WRAPPERS["heroku"](6, TRACEBACK[6])  # `: ` then text: no continuation, kept whole
    blank = WRAPPERS["heroku"](0, "").encode()
    assert prefixes.taken_off(block + blank + b"\n" + blank.rstrip()).endswith(b"\n\n")  # blank lines stay blank
    assert len(taken) == len(TRACEBACK) + 1  # a line for a line


def test_a_log_without_a_prefix_is_left_as_it_is() -> None:
    block = "".join(line + "\n" for line in TRACEBACK).encode()
    assert prefixes.active(block) == []
    assert prefixes.taken_off(block) is block
    stamped = b"2026-03-01T10:00:00.123Z ERROR bot: failed\n2026-03-01T10:00:01.123Z INFO bot: ok\n"
    assert prefixes.active(stamped) == ["stamped"]
    assert prefixes.taken_off(stamped) == stamped  # an app's own stamp before each head: nothing to take


def test_a_prefix_is_active_only_on_half_the_first_lines() -> None:
    few = b"".join(b"chat-app-1  | %d\n" % i for i in range(3)) + b"plain\n" * 40
    assert prefixes.active(few) == []
    assert prefixes.active(few + b"chat-app-1  | x\n" * 40) == []  # only the first lines are looked at
    assert prefixes.active(b"chat-app-1  | 1\nplain\n") == ["compose"]


def test_a_label_the_lines_share_after_their_stamp_is_learnt() -> None:
    """A platform no list names: the words after the stamp that most lines share are its label, taken off the
    lines that carry on a record (the head keeps it); an app's level or an app's own varied words are no label."""

    def shipper(i: int, line: str) -> str:  # (a shipper's stream name and tag after its stamp)
        return f"2026-03-01T10:00:0{i}Z chat-web.1 app/out {line}"

    shipped = "".join(shipper(i, line) + "\n" for i, line in enumerate(TRACEBACK)).encode()
    names = prefixes.active(shipped)
    assert names == ["stamped", f"labelled {prefixes.TIME_MARK} chat-web.1 app/out "]
    taken = prefixes.taken_off(shipped).decode().split("\n")
    assert taken[0] == shipper(0, TRACEBACK[0]) and taken[1:6] == TRACEBACK[1:6]
    assert taken[6] == shipper(6, TRACEBACK[6])  # the exception line: no continuation, kept whole
    levels = b"".join(b"2026-03-01T10:00:0%dZ INFO app: step %d\n" % (i, i) for i in range(6))
    assert prefixes.active(levels) == ["stamped"]  # `INFO` is the app's level, whatever every line says
    varied = b"".join(b"2026-03-01T10:00:0%dZ word%d rest\n" % (i, i) for i in range(6))
    assert prefixes.active(varied) == ["stamped"]
    # (one message the lines repeat: its first words are no platform's label, and context reads its lines as heads)
    repeated = b"".join(b"[2026-03-01T10:00:0%d] stream error: retrying %d/5\n" % (i, i) for i in range(6))
    assert prefixes.active(repeated) == []
    assert (
        prefixes.looked_past(repeated)("[2026-03-01T10:00:09] stream error: x")
        == "[2026-03-01T10:00:09] stream error: x"
    )


def test_a_longer_label_than_the_platforms_takes_no_line_it_should_not() -> None:
    """A word every head has after the stream's name (`<stream> main ...`) makes the label longer; a frame's
    line carries the stream's word only, and is taken off still."""
    lines = [
        "2026-03-01T10:00:00Z web-1 main chat failed",
        '2026-03-01T10:00:00Z web-1   File "/srv/openai/_base_client.py", line 955, in _request',
        "2026-03-01T10:00:00Z web-1 main step two",
        "2026-03-01T10:00:00Z web-1 main step three",
    ]
    assert prefixes.active("\n".join(lines).encode()) == ["stamped", f"labelled {prefixes.TIME_MARK} web-1 main "]
    taken = prefixes.taken_off("\n".join(lines).encode() + b"\n").decode().split("\n")
    assert taken[1] == '  File "/srv/openai/_base_client.py", line 955, in _request'
    assert taken[2:4] == lines[2:4]
    # (words no platform's label is made of: a box's border, a frame's `\tat`, a level)
    for word in ("\u2502", "\tat", "at", "File", "E0905", "INFO:httpx:HTTP", "[error]", "\x01ab", "\udcffab"):
        block = "".join(f"2026-03-01T10:00:0{i}Z {word} x{i}\n" for i in range(5)).encode("utf-8", "surrogateescape")
        assert prefixes.active(block) == ["stamped"], word
    # (nor, for the lines' heads context learns from, a trace's frames whose indent a copy lost under a stamp to the
    # second, Docker Desktop's: `at ...`, Streamlit's `File "..."`, glog's `E0905 13:39:47.98 ...` heads)
    for word in ("at", "File", "E0905"):
        block = "".join(f"2026-03-01 10:00:00 {word} x{i}\n" for i in range(5)).encode()
        assert prefixes.looked_past(block)(f"2026-03-01 10:00:00 {word} x9") == f"2026-03-01 10:00:00 {word} x9"


def test_a_stamp_of_several_words_and_the_platforms_one_level_are_the_label() -> None:
    """A log tool's view of a stream (`Mar 01 10:00:00.037 chat-api ERROR `): a stamp of a month, a day and a time is
    one stamp, and a level that every labelled line has, the same, is the platform's (stderr's), so the lines of a
    traceback lose it; an app's own level, which differs from line to line, stays the head's."""

    def view(i: int, line: str) -> str:
        return f"Mar 01 10:00:{i:02d}.037 chat-api ERROR {line}"

    block = "".join(view(i, line) + "\n" for i, line in enumerate(TRACEBACK)).encode()
    t = prefixes.TIME_MARK
    assert prefixes.active(block) == [f"labelled Mar {t} {t} chat-api ERROR "]
    taken = prefixes.taken_off(block).decode().split("\n")
    assert taken[0] == view(0, TRACEBACK[0]) and taken[1:6] == TRACEBACK[1:6]
    assert taken[6] == view(6, TRACEBACK[6])
    varied = "".join(
        f"Mar 01 10:00:{i:02d}.037 chat-api {level} step {i}\n" for i, level in enumerate(["INFO", "ERROR"] * 3)
    ).encode()
    assert prefixes.active(varied) == [f"labelled Mar {t} {t} chat-api "]


def test_under_a_learnt_label_a_record_with_its_own_stamp_reads_no_context(tmp_path: Path) -> None:
    """Context looks past a label learnt from the lines' heads, whatever stamp it starts with: a bare `Request timed
    out.` logged by an app with a stamp of its own is a head, as it is without the label, so the SDK's retry lines
    above it (which name no provider: another's server answered them) make it no OpenAI event under the label
    either (a month's stamp had been looked past alone, and the app's record read the lines before it)."""
    lines = [
        "2026-03-26 09:51:46,690 - app - INFO - Sending summarization prompt to LLM",
        "2026-03-26 09:52:17,113 - openai._base_client - INFO - Retrying request to /chat/completions in 0.44 seconds",
        "2026-03-26 09:52:47,614 - openai._base_client - INFO - Retrying request to /chat/completions in 0.77 seconds",
        "2026-03-26 09:53:18,444 - app.llm - ERROR - LLM API call failed: Request timed out.",
        "2026-03-26 09:53:18,469 - app.jobs - INFO - Job 754 completed",
    ]
    bare = tmp_path / "bare.log"
    bare.write_text("\n".join(lines) + "\n")
    viewed = tmp_path / "viewed.log"
    viewed.write_text("".join(wrapped.LINE_WRAPPERS["log-view"](i, line) + "\n" for i, line in enumerate(lines)))
    assert failures(bare) == [] and failures(viewed) == []


def test_journalctls_pretty_json_is_an_entry_a_record(tmp_path: Path) -> None:
    """`journalctl -o json-pretty`: each entry an indented object over several lines, its time in
    `__REALTIME_TIMESTAMP`; the traceback its MESSAGEs carry is the record it is without them, with its time."""
    log = tmp_path / "journal.json"
    log.write_text(wrapped.WHOLE_WRAPPERS["journal-pretty"]("\n".join(TRACEBACK) + "\n"))
    found = failures(log)
    assert [e.rule for e in found] == ["openai.generic.timeout"]
    assert found[0].time == datetime(2026, 3, 1, 10, 0, tzinfo=UTC)  # (its head entry's, journald's time)


def test_a_pages_source_is_read_with_its_quotes_entities_as_quotes(tmp_path: Path) -> None:
    """A log copied from a page's HTML source (`{&quot;error&quot;: ...}`, `&#39;`): its error body's shape is read
    as the program wrote it, line for line; an ampersand's entity is read once (`&amp;lt;` is `&lt;`)."""
    text = "\n".join([*TRACEBACK[:6], QUOTA_429]) + "\n"
    log = tmp_path / "plain.log"
    log.write_text(text)
    page = tmp_path / "page.log"
    page.write_text(wrapped.WHOLE_WRAPPERS["html-escaped"](text))
    assert "&quot;" in page.read_text() or "&#x27;" in page.read_text()
    assert (
        [(e.rule, e.line, e.end_line) for e in failures(page)]
        == [(e.rule, e.line, e.end_line) for e in failures(log)]
        != []
    )
    escaped = b"a &amp;lt; &#x27;b&#39; &#34;c&quot; &#60;d&gt;\nline two\n"
    assert prefixes.taken_off(escaped) == b"a &lt; 'b' \"c\" <d>\nline two\n"
    assert prefixes.taken_off(b"AT&amp;T &lt;b&gt;\n") == b"AT&amp;T &lt;b&gt;\n"  # (no quote's entity: as it was)


@pytest.mark.parametrize(
    "line", [b"1" * 200_000 + b"x", b"_" * 200_000, b"2026-03-01T10:00:00Z " + b"9" * 200_000 + b"x"]
)
def test_a_label_is_learnt_and_taken_off_past_hostile_lines(line: bytes) -> None:
    """Long runs of a time's characters or of a word's: each word a label may have is read bounded (a run of
    digits had each of its places tried against the rest of it), and the lines are kept as they were."""
    head = b"".join(b"2026-03-01T10:00:0%dZ app-1 x%d\n" % (i, i) for i in range(6))
    block = head + (line + b"\n") * 3 + line * 3 + b" x\n"
    assert prefixes.active(block) == ["stamped", f"labelled {prefixes.TIME_MARK} app-1 "]
    assert prefixes.taken_off(block) == block
    assert prefixes.active(line + b" a\n" + line + b" b\n" + line + b" c\n") in ([], ["stamped"])


def test_a_json_logs_empty_message_keeps_its_record() -> None:
    """A JSON logger's record whose `message` is empty holds its text in its other fields: it stays whole (a
    journald MESSAGE that is empty is a blank line of the program's)."""
    block = b'{"level":"error","message":"","error":"openai.RateLimitError: Error code: 429"}\n' * 2
    assert prefixes.active(block) == [prefixes.JSON_NAME]
    assert prefixes.taken_off(block) == block
    # (nor a record whose nested error's `message` is empty or indented: its own `msg` is no continuation)
    nested = (
        b'{"level":"error","msg":"openai.RateLimitError: Error code: 429","error":{"message":"","type":"x"}}\n'
        b'{"level":"error","msg":"upstream failed","err":{"message":"  status 429"}}\n'
    )
    assert prefixes.taken_off(nested, [prefixes.JSON_NAME]) == nested
    logfmt = b'time=2026-03-01T10:00:01Z level=ERROR msg="" err="openai.RateLimitError: Error code: 429"\n' * 2
    assert prefixes.active(logfmt) == [prefixes.LOGFMT_NAME]
    assert prefixes.taken_off(logfmt) == logfmt


def test_a_logfmt_line_is_read_as_its_message_where_it_carries_on_a_record() -> None:
    block = (
        b'time=2026-03-01T10:00:00Z level=ERROR msg="chat failed"\n'
        b'time=2026-03-01T10:00:00Z level=ERROR msg="Traceback (most recent call last):"\n'
        b'time=2026-03-01T10:00:00Z level=ERROR msg="  File \\"/srv/openai/_client.py\\", line 1, in f"\n'
        b'time=2026-03-01T10:00:00Z level=ERROR msg="  \\x01 Go\'s own escape"\n'
        b'time=2026-03-01T10:00:00Z level=INFO msg="next" user=7\n'
    )
    assert prefixes.active(block) == [prefixes.LOGFMT_NAME]
    taken = prefixes.taken_off(block).split(b"\n")
    assert taken[0] == block.split(b"\n")[0]  # the head: as it was
    assert taken[1:3] == [b"Traceback (most recent call last):", b'  File "/srv/openai/_client.py", line 1, in f']
    assert taken[3:5] == block.split(b"\n")[3:5]  # no JSON string (Go's `\\x01`), and a head: kept


def test_cri_and_docker_stamps_are_left_to_framing() -> None:
    cri = b'2026-03-01T10:00:00.123456789Z stderr F   File "x.py", line 1\n' * 2
    docker = b'2026-03-01T10:00:00.123456789Z   File "x.py", line 1\n' * 2
    assert prefixes.taken_off(cri) == cri
    assert prefixes.taken_off(docker) == docker


def test_a_journal_line_that_is_no_json_string_is_kept() -> None:
    odd = b'{"MESSAGE": "  two\\nlines", "PRIORITY": "6"}\n{"MESSAGE": "  x", "bad": }\n'
    assert prefixes.taken_off(odd, [prefixes.JSON_NAME]) == odd


@pytest.mark.parametrize("name", ["heroku", "journal-json"])
def test_ranges_cut_where_the_prefix_is_taken_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    from analyzer import parallel

    monkeypatch.setattr(parallel, "MIN_CHUNK", 1 << 12)
    monkeypatch.setattr(parallel, "WINDOW", 1 << 11)
    log = tmp_path / f"{name}.log"
    # (times that cycle within a second, none on the second itself: a stamp exactly on it after a later one of its
    # second reads as a coarser stamp of the same moment, `correlation.anchors`)
    lines = [WRAPPERS[name](1 + i % 9, line) for i in range(400) for line in (*TRACEBACK[:-1], f"INFO ok {i}")]
    log.write_text("\n".join(lines) + "\n")
    one, two = failures(log, 1), failures(log, 2)
    assert len(one) == 400
    assert [(e.rule, e.line, e.end_line) for e in two] == [(e.rule, e.line, e.end_line) for e in one]


def test_a_csv_exports_ranges_read_its_header(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A big export cut in ranges (and in blocks): the header, in the first only, tells every range's columns (its
    unquoted rows alone would not), and a multi-line row is no cut's place."""
    from analyzer import parallel

    monkeypatch.setattr(parallel, "MIN_CHUNK", 1 << 12)
    monkeypatch.setattr(parallel, "WINDOW", 1 << 11)
    log = tmp_path / "export.csv"
    rows = [
        [f"2026-03-01T10:{i // 60 % 60:02d}:{i % 60:02d}.{i % 9 + 1}00Z", "error", "\n".join(TRACEBACK[1:-1])]
        if i % 3 == 0
        else [f"2026-03-01T10:{i // 60 % 60:02d}:{i % 60:02d}.{i % 9 + 1}00Z", "info", f"ok {i}"]
        for i in range(600)
    ]
    log.write_text(wrapped._csv(["timestamp", "level", "message"], *rows))
    one, two = failures(log, 1), failures(log, 2)
    assert len(one) == 200
    assert [(e.rule, e.line, e.end_line) for e in two] == [(e.rule, e.line, e.end_line) for e in one]


def test_a_csv_exports_later_blocks_take_its_header() -> None:
    header = b"timestamp,level,message\n"
    rows = b"".join(b"2026-03-01T10:00:0%dZ,info,ok %d\n" % (i, i) for i in range(5))  # (no quote: no shape alone)
    assert prefixes.active(rows) != [prefixes.CSV_NAME]
    first, later = prefixes.each_taken_off([header + rows, rows])
    assert later == first.removeprefix(header)
    assert json.loads(later.splitlines()[0]) == {"time": "2026-03-01T10:00:00Z", "level": "info", "Log": "ok 0"}
    assert list(prefixes.each_taken_off([rows], head=header + rows)) == [later]
    coloured = rows.replace(b"ok", b"\x1b[32mok\x1b[0m")  # (a terminal's colours out first, as in any block)
    assert list(prefixes.each_taken_off([header + rows, coloured]))[1] == later


@pytest.mark.parametrize(
    "name",
    [
        *("heroku", "syslog", "kubectl-prefix", "compose", "fly", "quoted", "journal-json", "cloud-logging"),
        *("actions", "loki", "aws-tail", "pm2", "pm2-time", "pm2-timestamp", "jenkins"),
    ],
)
def test_context_looks_past_the_prefix(tmp_path: Path, name: str) -> None:
    """A blank line splits the exception line from its frames: whose failure it is comes from the lines
    before it (its context), which a prefix that starts like a head no longer cuts short."""
    lines = [*TRACEBACK[:6], "", *TRACEBACK[6:]]
    log, bare = tmp_path / f"{name}.log", tmp_path / "bare.log"
    log.write_text("\n".join(WRAPPERS[name](i, line) for i, line in enumerate(lines)) + "\n")
    bare.write_text("\n".join(lines) + "\n")
    expected = [(e.rule, e.line) for e in failures(bare)]
    assert expected == [("openai.generic.timeout", 8)]
    assert [(e.rule, e.line) for e in failures(log)] == expected


def analysed(tmp_path: Path, name: str, lines: list[str]) -> pipeline.Analysis:
    """The analysis of the lines under the wrapper `name` ("" for none)."""
    log = tmp_path / f"{name or 'bare'}.log"
    log.write_text("".join(f"{WRAPPERS[name](i, line) if name else line}\n" for i, line in enumerate(lines)))
    return pipeline.run(pipeline.Options((str(log),), UTC, NOW), RULES, None)


@pytest.mark.parametrize("name", ["heroku", "fly", "journal-iso", "syslog", "stern", "kubectl-prefix", ""])
def test_under_a_prefix_context_ends_where_it_ends_without_one(tmp_path: Path, name: str) -> None:
    """A platform's prefix on every line: the text after it tells whether a line starts a record. The next
    record (another service's model name) is not the failure's context, with the prefix as without it."""
    lines = [
        "2026-01-16 17:24:11.650 [info] Request ID for failed request: 8fd8b263",
        "2026-01-16 17:24:11.651 [error] Server error: 429 too many requests",
        "2026-01-16 17:24:11.651 [info] ccreq:717e1801.copilotmd | rateLimited | gpt-4o-mini | 975ms",
    ]
    assert analysed(tmp_path, name, lines).events == []


@pytest.mark.parametrize("name", ["syslog", "stern", "heroku", ""])
def test_a_record_that_starts_like_a_head_reads_no_record_before_it(tmp_path: Path, name: str) -> None:
    """A bare `Connection error.` in an app's own record (its stamp and level) takes no mark from the record
    before it (a class named OpenAILLM that MetaGPT uses for local servers too): under a platform's prefix as
    without one."""
    lines = [
        "2024-04-25 10:30:08.772 | WARNING  | tenacity.after:log_it:44 - Finished call to "
        "'metagpt.provider.openai_api.OpenAILLM.acompletion_text' after 65.203(s), this was the 6th time calling it.",
        "2024-04-25 10:30:08.772 | ERROR    | metagpt.utils.common:log_and_reraise:818 - Retry attempts exhausted. "
        "Last exception: Connection error.",
    ]
    assert analysed(tmp_path, name, lines).events == []
    # (a line that starts like no head reads the record before it, under the prefix as without one)
    bare = [lines[0], "Last exception: Connection error."]
    assert [e.rule for e in analysed(tmp_path, name, bare).events] == ["openai.generic.connection"]


@pytest.mark.parametrize("name", ["kubectl-prefix", "heroku", ""])
def test_the_context_is_read_without_the_platforms_prefix(tmp_path: Path, name: str) -> None:
    """A client's dump of a body that is only a reason phrase (`Body:` then `Internal Server Error` on lines of
    their own) is another server's, as the line starts show it: under a prefix too."""
    lines = [
        "java.lang.IllegalStateException: Error from OpenAILLMClientExt API: 500 Internal Server Error",
        "Body:",
        "Internal Server Error",
    ]
    analysis = analysed(tmp_path, name, lines)
    assert analysis.events == [] and sum(analysis.match_stats.excluded.values()) == 1


@pytest.mark.parametrize("name", ["compose", "compose-t", "kibana", ""])
def test_a_body_over_several_lines_is_read_without_the_prefix_context_reads_on_past(tmp_path: Path, name: str) -> None:
    """Under Compose's service (Kibana's time column) context reads on past each line's prefix but reads the lines
    without it: an app's report of a 400 whose body is OpenAI's, printed over several lines (`"param": null,` and
    `"code": null` each on a line of its own), shows OpenAI's body as it does bare; a compatible server's body so
    printed shows that server."""
    lines = [
        "Inference Server Error",
        "The connection to the server failed with status code: 400. Response: {",
        '"error": {',
        '"message": "Unrecognized request argument supplied: provider",',
        '"type": "invalid_request_error",',
        '"param": null,',
        '"code": null',
        "}",
    ]
    assert [e.category.value for e in analysed(tmp_path, name, lines).events] == ["invalid_request"]
    vllm = [lines[1], "{", '"object": "error",', '"message": "Unrecognized request argument supplied: provider",']
    vllm += ['"type": "BadRequestError",', '"param": null,', '"code": 400', "}"]
    analysis = analysed(tmp_path, name, vllm)
    assert analysis.events == [] and sum(analysis.match_stats.excluded.values()) >= 1


def test_a_quoted_log_is_read_as_logged(tmp_path: Path) -> None:
    """Under a quote every line starts like no head: were it not looked past, each record would read the
    others as its context, and a mark of OpenAI's in one make a bare `Connection error.` in another OpenAI's."""
    lines = [
        "2024-04-25 10:30:08.772 | WARNING  | tenacity: Finished call to 'app.provider.openai_api.OpenAILLM.ask'",
        "2024-04-25 10:30:08.772 | ERROR    | app.common: Retry attempts exhausted. Last exception: Connection error.",
        "2024-04-25 10:30:08.900 | INFO     | app.common: see the FAQ",
    ]
    bare, quoted = tmp_path / "bare.log", tmp_path / "quoted.log"
    bare.write_text("\n".join(lines) + "\n")
    quoted.write_text("\n".join(f"> {line}" for line in lines) + "\n")
    assert [(e.rule, e.line) for e in failures(quoted)] == [(e.rule, e.line) for e in failures(bare)]


@pytest.mark.parametrize("inner", ["heroku", "kubectl-prefix", "compose", "cat-n"])
@pytest.mark.parametrize("outer", ["quoted", "grep-n"])
def test_a_quote_or_a_number_around_a_prefixed_log_comes_off_first(tmp_path: Path, outer: str, inner: str) -> None:
    """A quote's `> ` and a line's number are taken off every line, heads too; the platform's prefix under
    them (found only once they are off) then comes off the continuations, as it does without them."""
    lines = [WRAPPERS[inner](i, line) for i, line in enumerate(TRACEBACK)]
    once = "".join(f"{line}\n" for line in lines)
    twice = "".join(f"{WRAPPERS[outer](i, line)}\n" for i, line in enumerate(lines))
    assert prefixes.taken_off(twice.encode()) == prefixes.taken_off(once.encode())
    log = tmp_path / "twice.log"
    log.write_text(twice)
    assert [(e.rule, e.line, e.end_line) for e in failures(log)] == plain(tmp_path)


def test_an_apps_padded_level_after_its_own_stamp_is_a_head(tmp_path: Path) -> None:
    """Rust's tracing and Spring Boot right-align the level after their stamp (`<stamp>  INFO ...`): those
    lines are heads of their own, not a runner's stamp before a continuation."""
    lines = [
        "2024-05-01T10:00:00.123456Z  INFO app::chat: request started",
        "2024-05-01T10:00:01.123456Z ERROR app::chat: openai error: insufficient_quota You exceeded your current quota",
        "2024-05-01T10:00:02.123456Z  INFO app::chat: retrying",
        "2024-05-01T10:00:03.123456Z  WARN app::chat: fallback used",
        "2024-05-01T10:00:04.123Z  INFO 4242 --- [main] com.example.App: Started App",
    ]
    block = "".join(f"{line}\n" for line in lines).encode()
    assert prefixes.taken_off(block) == block
    log = tmp_path / "tracing.log"
    log.write_bytes(block)
    assert [(e.line, e.end_line) for e in failures(log)] == [(2, 2)]


def test_a_lines_number_is_taken_off_every_line_and_a_date_or_time_is_no_number() -> None:
    """`cat -n` and `grep -n` number every line, heads too (cat's right-aligned number would make each line
    an indented one); a year before its month or an hour before its minutes is the line's own time."""
    numbered = b"".join(
        b"%d%s%s\n" % (i + 1, b"-" if i % 2 else b":", line.encode()) for i, line in enumerate(TRACEBACK)
    )
    assert prefixes.active(numbered) == ["numbered"]
    assert prefixes.taken_off(numbered).decode().split("\n")[:-1] == TRACEBACK
    for own in (
        b"2026-03-01 10:00:00 INFO x\n",
        b"2026-3-1 10:00:00 INFO x\n",
        b"9:05:00 INFO x\n",
        b"10:00:00.123 x\n",
    ):
        assert prefixes.active(own * 4) == []


def test_an_apps_own_stamp_to_the_second_is_no_desktop_prefix(tmp_path: Path) -> None:
    """An app's stamp to the second before a right-aligned process id (`%(asctime)s %(process)6d`) is its head: no
    prefix to take off, four records of four lines; and the lines above such a head are not read as its context (a
    provider named there does not take an OpenAI failure from it)."""
    pid = b"".join(b"2024-01-17 11:55:2%d   4521 ERROR app: job %d failed\n" % (i, i) for i in range(4))
    assert "desktop" not in prefixes.active(pid)
    assert prefixes.taken_off(pid) == pid
    log = tmp_path / "app.log"
    log.write_text(
        "2024-01-17 11:55:21 - app - INFO - summaries go to Anthropic claude-3-haiku\n"
        "2024-01-17 11:55:22 - app - ERROR - openai.RateLimitError: Error code: 429 - {'error': {'message': 'Rate "
        "limit reached for gpt-4o', 'type': 'tokens', 'param': None, 'code': 'rate_limit_exceeded'}}\n"
    )
    assert [e.category.value for e in failures(log) if e.category] == ["rate_limit"]


def test_a_space_after_a_lines_number_goes_with_it_before_an_unindented_line() -> None:
    """A paste of `grep -n` output with a space after the colon (`1937: 2026-05-06 ...`): the head is no indented line
    (each would continue the record above it); before an indented line the space is the line's own."""
    numbered = b'1937: 2026-05-06 14:42:48 ERROR root: failed\n1938:  File "x.py", line 1\n1952: 2026-05-06 ok\n'
    assert prefixes.active(numbered) == ["numbered"]
    taken = prefixes.taken_off(numbered).decode().split("\n")
    assert taken[:3] == ["2026-05-06 14:42:48 ERROR root: failed", '  File "x.py", line 1', "2026-05-06 ok"]


def test_a_one_space_line_under_grep_n_keeps_its_indent() -> None:
    """pprint's dict body under `grep -n` (`12: 'code': 'x',`, no space of the paste's): its one space is its own."""
    numbered = b"11:{'error': {'message': 'x',\n12: 'code': 'y'}}\n13:2026-05-06 ok\n14:2026-05-06 ok\n"
    assert prefixes.active(numbered) == ["numbered"]
    assert prefixes.taken_off(numbered).decode().split("\n")[1] == " 'code': 'y'}}"


@pytest.mark.parametrize(
    ("line", "name"),
    [
        (b"0|chat     | plain\n", "pm2"),
        (b"12|api-server | 2026-03-01T10:00:00: plain\n", "pm2"),
        (b"0|ga-core  | 2024-06-25 07:24 +00:00: plain\n", "pm2"),
        (b"2026-03-01-10:00:00 0|chat  | plain\n", "pm2"),
        (b"[2026-03-01T10:00:00.037Z] plain\n", "jenkins"),
        (b"[server] plain\n", "runner"),
        (b"[0] plain\n", "runner"),
        (b"web:dev: plain\n", "turbo"),
        (b"@acme/nextjs:dev: plain\n", "turbo"),
        (b"2023-06-21 09:57:37,545 [63206632]   INFO - STDERR - plain\n", "idea"),
        (b"chat_app.1.x2kqz9c0d1e2@node-1    | plain\n", "compose"),
    ],
)
def test_pm2s_jenkins_and_process_runners_prefixes_are_known(line: bytes, name: str) -> None:
    """PM2's column (and the time its `--time` or `--log-date-format` puts after it, `--timestamp` before it),
    Jenkins' Timestamper, concurrently's and Skaffold's bracketed label, Turborepo's `<package>:<task>: `, a JetBrains
    IDE's idea.log re-logging a plugin's stderr, a swarm task's `docker service logs` column: a traceback's frames
    under them lose the prefix, the head keeps it; an app's own clock (one space or two after it, a right-aligned
    field) is no prefix."""
    assert prefixes.active(line * 4) == [name]
    prefix = line.removesuffix(b"plain\n")
    block = prefix + b"ERROR chat failed\n" + prefix + b'  File "a.py", line 1, in <module>\n'
    assert prefixes.taken_off(block) == prefix + b'ERROR chat failed\n  File "a.py", line 1, in <module>\n'
    assert prefixes.active(b"21:51:15 INFO plain\n" * 4) == []
    assert prefixes.active(b"21:51:15  INFO  plain\n" + b"21:51:15      retry 1 of 3\n" * 3) == []


def test_a_terminals_padding_is_taken_off_each_line() -> None:
    """A console's copy pads its lines with spaces to its width: they go, a line's own single space stays."""
    assert prefixes.taken_off(b"a  \nb\t  \r\nc \n   \nd\t\t\n") == b"a\nb\t\r\nc \n\nd\t\t\n"
    # (a copy pads every line: a block's first lines tell, and a block whose first lines have none is left as it is)
    plain = b"x\n" * (prefixes.SAMPLE_BYTES // 2)
    assert prefixes.taken_off(plain + b"a  \n") == plain + b"a  \n"


@pytest.mark.parametrize("run", [b" " * 200_000, b"  \t" * 100_000])
def test_a_long_run_of_spaces_is_read_once(run: bytes) -> None:
    """A run of spaces before a line's text, in a block with a padded line: each run is read from its start only (a
    run of 200,000 spaces had each of its places read to its end, minutes)."""
    assert prefixes.taken_off(b"a  \n" + run + b"x\n" + run + b"\n") == b"a\n" + run + b"x\n" + run.rstrip(b" ") + b"\n"


def test_a_padded_copy_reads_as_the_bare_one(tmp_path: Path) -> None:
    """HTTP.jl's StatusError (a 429's headers, then its body saying insufficient_quota) padded to 120 columns, as
    Windows' console copies it: one quota failure, as without the padding (the status line alone had been a second)."""
    bare = Path(__file__).parent / "corpus" / "fresh" / "y-julia-promptingtools-quota.log"
    padded = tmp_path / "padded.log"
    padded.write_text("".join(line.ljust(120) + "\n" for line in bare.read_text().splitlines()))
    expected = [(e.category, e.line) for e in failures(bare)]
    assert [c.value for c, _ in expected] == ["quota"]
    assert [(e.category, e.line) for e in failures(padded)] == expected


@pytest.mark.parametrize(
    "line",
    [
        b"[ERROR] plain\n",
        b"[warn] plain\n",
        b"[2026-03-01T10:00:00.037Z] plain\n",
        b"[pod/chat-7d9f8c6b5-x2kqz/app] plain\n",
        b"ERROR:root: plain\n",
        b"WARNING:httpx: plain\n",
    ],
)
def test_a_level_a_time_or_a_pod_is_no_runners_label(line: bytes) -> None:
    assert not {"runner", "turbo"} & set(prefixes.active(line * 4))


QUOTA_429 = (
    "openai.RateLimitError: Error code: 429 - {'error': {'message': 'You exceeded your current quota, please check "
    "your plan and billing details.', 'type': 'insufficient_quota', 'param': None, 'code': 'insufficient_quota'}}"
)


def test_a_csv_exports_rows_are_read_as_the_log(tmp_path: Path) -> None:
    """A log tool's CSV download, a header then a row a line (their quotes doubled, the traceback's indent after the
    time and level columns): the traceback is the bare one's, at each line's number one below (the header)."""
    log = tmp_path / "export.csv"
    log.write_text(wrapped.wrapped("csv-rows", "\n".join(TRACEBACK) + "\n"))
    assert '"  File ""/usr/lib' in log.read_text()
    found = failures(log)
    assert [(e.rule, e.line - 1, e.end_line - 1) for e in found] == plain(tmp_path)
    assert found[0].time == datetime(2026, 3, 1, 10, 0, tzinfo=UTC)  # its first row's, not the app's own (,123)


def test_a_csv_exports_multi_line_field_is_one_record_and_the_lines_after_keep_their_numbers(tmp_path: Path) -> None:
    log = tmp_path / "insights.csv"
    log.write_text(
        wrapped._csv(
            ["@timestamp", "@message"],
            ["2026-03-01 10:00:00.000", "\n".join(TRACEBACK[:-1])],
            ["2026-03-01 10:05:00.000", QUOTA_429],
        )
    )
    found = failures(log)
    assert [(e.rule, e.line, e.time) for e in found] == [
        ("openai.generic.timeout", 2, datetime(2026, 3, 1, 10, 0, tzinfo=UTC)),
        ("openai.quota.insufficient_quota", 2 + len(TRACEBACK) - 1, datetime(2026, 3, 1, 10, 5, tzinfo=UTC)),
    ]


@pytest.mark.parametrize(
    "block",
    [
        b'2026-03-01 10:00:00,123 INFO httpx: HTTP Request: POST https://api.openai.com/v1/x "HTTP/1.1 200 OK"\n' * 4,
        b'{"level":"error","msg":"a, b","err":"c"}\n' * 4,
        b"name,count\nalpha,1\nbeta,2\n",  # a table with no message column
        b'a,"b"\n',  # one row alone
    ],
)
def test_a_log_with_commas_and_quotes_is_no_csv_export(block: bytes) -> None:
    assert prefixes.CSV_NAME not in prefixes.active(block)
    assert prefixes.taken_off(block) == block


def test_a_headerless_export_is_told_by_its_quoted_rows() -> None:
    # (a later block of a big export: no header; the time, the level and the longest column)
    message = "openai.APITimeoutError: Request timed out, retrying"
    row = f'2026-03-01T10:00:00.000Z,web-1,error,"{message}"\n'.encode()
    assert prefixes.active(row * 3) == [prefixes.CSV_NAME]
    taken = prefixes.taken_off(row * 3).splitlines()
    expected = {"time": "2026-03-01T10:00:00.000Z", "level": "error", "Log": message}
    assert [json.loads(line) for line in taken] == [expected] * 3


@pytest.mark.parametrize(
    "lead",
    [
        b'"the tail of a field the block before holds"\n',  # a big export's later block, cut inside a row
        b'timestamp,severity,message\n2026-03-01T09:59:59.000Z,ERROR,"a quote that never closes\n',
    ],
)
def test_an_exports_rows_after_a_broken_one_are_read_again(lead: bytes) -> None:
    row = b'2026-03-01T10:00:00.000Z,ERROR,"openai.APITimeoutError: Request timed out, retrying"\n'
    taken = prefixes.taken_off(lead + row * 3).splitlines()
    assert taken[: lead.count(b"\n")] == lead.splitlines()  # (as they were)
    assert [json.loads(line)["Log"] for line in taken[lead.count(b"\n") :]] == [
        "openai.APITimeoutError: Request timed out, retrying"
    ] * 3


def test_a_pretty_printed_json_download_is_an_entry_a_record(tmp_path: Path) -> None:
    """Cloud Logging's JSON download (`gcloud logging read --format=json`): each entry of the array is a record with its
    own time (the whole array had been one record, one event, no time), numbered by its place in the array; a line
    after the array keeps its number."""
    structured = {"message": "chat call failed", "exception": "Traceback (most recent call last):\n" + QUOTA_429}
    entries = [
        {"insertId": "a1", "jsonPayload": structured, "severity": "ERROR", "timestamp": "2026-03-01T10:00:00.5Z"},
        {"insertId": "a2", "textPayload": QUOTA_429, "severity": "ERROR", "timestamp": "2026-03-01T10:01:00Z"},
    ]
    log = tmp_path / "entries.json"
    text = json.dumps(entries, indent=2) + "\n"
    log.write_text(text + "2026-03-01 10:02:00 ERROR " + QUOTA_429 + "\n")
    assert [(e.rule, e.line, e.time) for e in failures(log)] == [
        ("openai.quota.insufficient_quota", 2, datetime(2026, 3, 1, 10, 0, 0, 500000, tzinfo=UTC)),
        ("openai.quota.insufficient_quota", 3, datetime(2026, 3, 1, 10, 1, tzinfo=UTC)),
        ("openai.quota.insufficient_quota", text.count("\n") + 1, datetime(2026, 3, 1, 10, 2, tzinfo=UTC)),
    ]


def test_a_traceback_an_entry_a_line_is_one_record(tmp_path: Path) -> None:
    """Cloud Run's stderr, an entry a line (`textPayload`), downloaded pretty-printed: the bare traceback's record."""
    entries = [{"textPayload": line, "timestamp": f"2026-03-01T10:00:0{i}Z"} for i, line in enumerate(TRACEBACK)]
    log = tmp_path / "entries.json"
    log.write_text(json.dumps(entries, indent=2) + "\n")
    assert [(e.rule, e.line - 1, e.end_line - 1) for e in failures(log)] == plain(tmp_path)


@pytest.mark.parametrize(
    "block",
    [
        # an app's error body, pretty-printed after its line: no log entry (no time at its top)
        b'2026-03-01 10:00:00 ERROR openai said:\n{\n  "error": {\n    "message": "x",\n    "type": "y"\n  }\n}\n',
        # an entry cut at the block's end, its closing brace in the next block
        b'[\n  {\n    "timestamp": "2026-03-01T10:00:00Z",\n    "textPayload": "x"\n',
        # a brace that closes no object
        b'{\n  "timestamp": 1,\n  "message": "x"\n]\n',
    ],
)
def test_a_pretty_object_that_is_no_whole_log_entry_is_left_as_it_is(block: bytes) -> None:
    assert prefixes.taken_off(block) == block


FIELDS = st.text(alphabet="ab ,\"\n\r\t'\u2028\u00a0", max_size=12)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(FIELDS, min_size=3, max_size=3), max_size=8))
def test_a_csv_export_keeps_its_line_count(rows: list[list[str]]) -> None:
    """Each line of an export keeps its number: a row that spans lines is one line and blank ones after it; a row cut at
    the block's start (a quoted field's tail) or of another shape is left as it was."""
    text = wrapped._csv(["time", "level", "message"], *rows)
    for block in (text, 'b"\n' + text, text.split("\n", 2)[-1], text.rstrip("\n")):
        data = block.encode()
        assert _lines(prefixes.taken_off(data)) == _lines(data)


def _lines(data: bytes) -> int:
    """Lines, a last one with no newline counted too."""
    return data.count(b"\n") + (not data.endswith(b"\n") and bool(data))


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.fixed_dictionaries({"timestamp": st.just("2026-03-01T10:00:00Z"), "message": FIELDS}),
            st.dictionaries(st.sampled_from(["a", "message", "time"]), FIELDS, max_size=2),
            FIELDS,
        ),
        max_size=6,
    ),
    st.integers(0, 8),
)
def test_a_pretty_json_download_keeps_its_line_count(items: list[object], indent: int) -> None:
    """Entries, other objects and strings, pretty-printed at any indent, and cut anywhere: as many lines after."""
    text = json.dumps(items, indent=indent or None) + "\n"
    for block in (text, text[: len(text) // 2], "x\n" + text + "y\n"):
        data = block.encode()
        assert _lines(prefixes.taken_off(data)) == _lines(data)


# the platforms that carry each line of a program's output in a record of its own: a JSON line's text field, a
# logfmt line's msg
CARRIERS = ["journal-json", "cloud-logging", "aca-json", "filebeat", "logfmt"]


@pytest.mark.parametrize("name", [*CARRIERS, ""])
def test_a_carried_lines_context_is_the_lines_the_records_after_it_carry(tmp_path: Path, name: str) -> None:
    """Each line of a program's output in a record of its own (an ECS document's `message`, a logfmt line's `msg`):
    the URL on the line after a failure's status tells whose it was, read from the record that carries it, as it is
    read from the bare line after it."""
    lines = ["Error output:", "Unexpected status 503 Service Unavailable: no healthy upstream", "url: {}"]
    openai = [*lines[:2], lines[2].format("https://api.openai.com/v1/responses")]
    local = [*lines[:2], lines[2].format("http://localhost:8000/v1/responses")]
    assert [e.category.value for e in analysed(tmp_path, name, openai).events] == ["overloaded"]
    assert analysed(tmp_path, name, local).events == []


def test_an_apps_own_json_records_are_no_lines_of_one_print(tmp_path: Path) -> None:
    """An app's JSON logger writes a record a line, each its own (an ECS logger's `message`): the record after a
    failure is another, whatever it names, where a shipper's document of each line it read carries one print."""
    lines = ["stripe webhook retry: HTTP 429 Too Many Requests", "POST https://api.openai.com/v1/chat/completions"]
    assert [e.category.value for e in analysed(tmp_path, "filebeat", lines).events] == ["rate_limit"]
    assert analysed(tmp_path, "ecs-json", lines).events == []


@pytest.mark.parametrize("name", [*CARRIERS, "ecs-json", ""])
def test_a_tracebacks_last_line_in_a_record_of_its_own_is_read_as_its_line(tmp_path: Path, name: str) -> None:
    """A traceback's exception line that a platform carries in a record of its own is joined to the traceback as
    its text, not as the record's raw JSON or logfmt: a body that is only a reason phrase, read to its line's end, is
    another server's (and no record's JSON is left in the traceback's text)."""
    lines = [
        "Traceback (most recent call last):",
        '  File "/app/.venv/lib/python3.11/site-packages/openai/_base_client.py", line 1030, in _request',
        "    raise self._make_status_error_from_response(err.response) from None",
        "openai.InternalServerError: Internal Server Error",
    ]
    analysis = analysed(tmp_path, name, lines)
    assert analysis.events == [] and sum(analysis.match_stats.excluded.values()) == 1
    quota = "openai.RateLimitError: Error code: 429 - {'error': {'code': 'insufficient_quota'}}"
    found = analysed(tmp_path, name, [*lines[:3], quota]).events
    assert [(e.category.value, e.line, e.end_line) for e in found] == [("quota", 1, 4)]
    assert found[0].text.splitlines()[-1] == quota


@pytest.mark.parametrize("name", ["loki", "aws-tail"])
def test_a_named_platforms_prefix_is_known_in_a_two_line_paste(tmp_path: Path, name: str) -> None:
    """Loki's `logcli query` (its stream's labels in braces) and `aws logs tail` (its stream's path) are known by
    their shapes, not learnt from a block's lines: a paste of two lines, too few to learn a label from, reads the
    URL on the line after a bare status as the failure's, as it does bare."""
    lines = ["Request failed with status code 429", "POST https://api.openai.com/v1/chat/completions"]
    block = "".join(WRAPPERS[name](i, line) + "\n" for i, line in enumerate(lines)).encode()
    assert prefixes.active(block) == [name]
    assert [e.category.value for e in analysed(tmp_path, name, lines).events] == ["rate_limit"]
    local = [lines[0], "POST http://localhost:1234/v1/chat/completions"]
    assert analysed(tmp_path, name, local).events == []


BODY_400 = (
    "400 Invalid 'messages[67].tool_calls[0].function.name': empty string. Expected a string with minimum length 1, "
    "but got an empty string instead."
)


def test_docker_desktops_lines_of_one_print_are_read_past_their_blank_lines(tmp_path: Path) -> None:
    """Docker Desktop stamps every line of one print, blank ones too: an app's error report (`Provider: azure`, a
    blank line, then the body in a fence) is read whole as the body's context, and a body that starts with its status
    and words (`400 Invalid '...'`) is a printed line of its second, as it is bare."""
    report = [
        "**Error Details**",
        "",
        "Model: gpt-5-mini",
        "Provider: azure",
        "Status Code: 403",
        "",
        "**Error Output**",
        "```",
        '{"code":"403","message":"A Virtual Network is configured for this resource. Please use the correct endpoint '
        'for making requests. Check https://aka.ms/cogsvc-vnet for more details."}',
        "```",
    ]
    for lines in (report, [*report[:3], "Provider: openai", *report[4:8], BODY_400, "```"]):
        bare = [e.category.value for e in analysed(tmp_path, "", lines).events]
        assert bare in (["permission_region"], ["invalid_request"])
        assert [e.category.value for e in analysed(tmp_path, "desktop", lines).events] == bare


@pytest.mark.parametrize("name", ["desktop", "stamped", ""])
def test_a_cause_indented_one_space_under_a_stamp_carries_on_its_record(tmp_path: Path, name: str) -> None:
    """Java's ` Caused by: ...` indented one space under a bare stamp (Docker Desktop's, a runner's): the cause's
    status belongs to the exception above it, whose class names OpenAI's client."""
    lines = [
        "com.theokanning.openai.OpenAiHttpException: Additional properties are not allowed ('nepochs' was unexpected)",
        "        at com.theokanning.openai.service.OpenAiService.execute(OpenAiService.java:220)",
        " Caused by: retrofit2.adapter.rxjava2.HttpException: HTTP 400 ",
        "        at retrofit2.adapter.rxjava2.BodyObservable$BodyObserver.onNext(BodyObservable.java:57)",
    ]
    wrappers = {**WRAPPERS, "stamped": lambda i, line: f"2026-03-01T10:00:0{i}.000Z {line}"}
    log = tmp_path / f"{name or 'bare'}.log"
    log.write_text("".join(f"{wrappers[name](i, line) if name else line}\n" for i, line in enumerate(lines)))
    assert [(e.category.value, e.line, e.end_line) for e in failures(log)] == [("invalid_request", 1, 4)]


@pytest.mark.parametrize("name", ["desktop", ""])
@pytest.mark.parametrize("base", ["https://api.openai.com", "http://localhost:11434"])
def test_under_docker_desktops_stamp_an_apps_labels_above_a_failure_are_read(
    tmp_path: Path, name: str, base: str
) -> None:
    """NextChat's labels before each call it relays (`[Base Url] https://api.openai.com`), then the call's bare
    `Error: socket hang up`: under Docker Desktop's stamp to the second the labels above the failure are lines of its
    print, read as they are bare, and the base URL they name tells whose call it was."""
    lines = [
        "[Auth] use system api key",
        "[Proxy]  v1/chat/completions?path=v1&path=chat&path=completions",
        f"[Base Url] {base}",
        "[Org ID] is not set up.",
        "Error: socket hang up",
        "    at connResetException (node:internal/errors:720:14)",
        "    at Socket.socketOnEnd (node:_http_client:525:23) {",
        "  code: 'ECONNRESET'",
        "}",
    ]
    found = [e.category.value for e in analysed(tmp_path, name, lines).events]
    assert found == (["connection"] if "openai" in base else [])


@pytest.mark.parametrize("name", ["desktop", ""])
def test_under_docker_desktops_stamp_the_frames_of_a_print_in_its_second_are_read(tmp_path: Path, name: str) -> None:
    """LangChain.js prints a failure's message, a troubleshooting line, then the stack: under Docker Desktop's stamp
    the stack's lines lose it (they carry on a record), and are still read as lines of that second: the frames of
    openai-node's AzureOpenAI client show whose 404 it was, as they do bare."""
    lines = [
        "Error: 404 Resource not found",
        "",
        "Troubleshooting URL: https://js.langchain.com/docs/troubleshooting/errors/MODEL_NOT_FOUND/",
        "",
        "    at Function.generate (/app/node_modules/openai/src/error.ts:84:14)",
        "    at AzureOpenAI.makeStatusError (/app/node_modules/openai/src/core.ts:443:21)",
        "    at process.processTicksAndRejections (node:internal/process/task_queues:105:5)",
    ]
    assert [e.category.value for e in analysed(tmp_path, name, lines).events] == ["model_not_found"]


@pytest.mark.parametrize("name", ["compose", "kubectl-prefix", ""])
def test_an_http_clients_line_of_a_request_elsewhere_is_that_hosts(tmp_path: Path, name: str) -> None:
    """httpx's line of a request that failed names where it went: a 401 from the app's own database's REST API is
    not OpenAI's because OpenAI's calls just before it succeeded (under Compose's service, where context reads on
    past each line's head); the same line for OpenAI's host is OpenAI's."""
    ok = 'INFO:httpx:HTTP Request: POST https://api.openai.com/v1/embeddings "HTTP/1.1 200 OK"'
    local = 'INFO:httpx:HTTP Request: POST http://127.0.0.1:54321/rest/v1/site_pages "HTTP/1.1 401 Unauthorized"'
    assert analysed(tmp_path, name, [ok, ok, local, "Error inserting chunk: {'code': 'PGRST301'}"]).events == []
    openai = 'INFO:httpx:HTTP Request: POST https://api.openai.com/v1/embeddings "HTTP/1.1 401 Unauthorized"'
    assert [e.category.value for e in analysed(tmp_path, name, [ok, openai]).events] == ["auth"]


@pytest.mark.parametrize("column", ["bot-1  | ", "[pod/bot-7d9f/bot] "])
def test_a_chained_traceback_under_a_columns_stamp_is_one_record(tmp_path: Path, column: str) -> None:
    """`docker compose logs -t` and `kubectl logs --prefix --timestamps`: the service's or pod's column, then the
    engine's stamp, which stands alone (no space after it once the copy is trimmed) on a blank line of a chained
    traceback: that line carries on the record, so the cause and the frame that shows whose call it was are one
    record, as under `docker logs -t` alone."""
    lines = [
        "requests.exceptions.ConnectionError: ('Connection aborted.', ConnectionResetError(104, 'Connection reset'))",
        "",
        "The above exception was the direct cause of the following exception:",
        "",
        "Traceback (most recent call last):",
        '  File "/bot/src/responses.py", line 22, in handle_response',
        "    response = openai.Completion.create(",
        "openai.error.APIConnectionError: Error communicating with OpenAI",
    ]
    log = tmp_path / "compose-t.log"
    log.write_text(
        "".join(
            f"{column}2023-01-14T14:15:32.4735{i:05d}Z{' ' + line if line else ''}\n" for i, line in enumerate(lines)
        )
    )
    assert [(e.category.value, e.line, e.end_line) for e in failures(log)] == [("connection", 1, 8)]
