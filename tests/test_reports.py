"""Report writers, unit by unit: escaping, mermaid labels, headline, languages, CSP, size of a day's page."""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
import tomllib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from conftest import SAMPLES, genlog
from hypothesis import given, settings
from hypothesis import strategies as st

from analyzer import cli, reporting, resources
from analyzer.models import Category, Event, Incident, Outcome, Reason, Severity, Status
from analyzer.reporting import i18n
from analyzer.reporting.timeline import mermaid_label
from analyzer.reporting.writers import json_block, script_hash

HOSTILE = "<script>alert(1)</script> <img src=x onerror=alert(2)> ``` `x` | a;b # c: \"d\" 'e'"
MiB = 1024 * 1024


def hostile_log(folder: Path) -> Path:
    log = folder / "app.log"
    log.write_text(
        "2026-03-14 09:00:00,000 INFO app: started\n"
        "2026-03-14 09:01:00,000 ERROR app.chat: openai.AuthenticationError: Error code: 401 - {'error': "
        f"{{'message': 'Incorrect API key provided: {HOSTILE}', 'type': 'invalid_request_error', "
        "'code': 'invalid_api_key'}}\n"
        "2026-03-14 09:02:00,000 INFO app: done\n"
    )
    return log


def scan(args: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, cwd: Path) -> str:
    monkeypatch.chdir(cwd)
    monkeypatch.setenv("LANG", "C.UTF-8")
    code = cli.main([*args, "--tz", "Asia/Tokyo"])
    out, err = capsys.readouterr()
    assert code == 0, err
    return out


@pytest.fixture
def hostile_html(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> str:
    return scan(["-f", "html", str(hostile_log(tmp_path))], capsys, monkeypatch, tmp_path)


def test_mermaid_labels_lose_every_character_mermaid_reads() -> None:
    label = mermaid_label("INC-001: a;b #c \"d\" 'e' `f`\nnext {g} [h] <i> %%j")
    assert not set(label) & set(":;#\"'`\n{}[]<>%")
    assert label.startswith("INC-001 a b c d e f next")
    assert mermaid_label(":::") == "-"


def test_markdown_keeps_log_text_inside_fences_and_out_of_mermaid(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    md = scan(["-f", "md", str(hostile_log(tmp_path))], capsys, monkeypatch, tmp_path)
    gantt = md.split("```mermaid\n", 1)[1].split("\n```", 1)[0]
    assert "alert" not in gantt and "<" not in gantt
    for line in gantt.splitlines()[5:]:
        label = line.split(" :", 1)[0]
        assert not set(label) & set(":;#\"'`"), line
    fence = "````text\n"  # the message holds a run of three backticks: the fence is one longer
    assert fence in md and HOSTILE in md.split(fence, 1)[1]
    assert "- [ ] " in md


def test_markdown_headline_says_what_since_when_and_how_badly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    md = scan(["-f", "md", str(SAMPLES / "python_card_decline.log")], capsys, monkeypatch, tmp_path)
    first, _, below = md.splitlines()[:3]
    assert first == "# logscan report: 1 incident(s); worst: Card declined at auto-recharge, then credit exhausted…"
    assert len(first) <= 100  # the H1 stays short; the whole headline goes below it
    assert below == (
        "1 incident(s); worst: Card declined at auto-recharge, then credit exhausted "
        "(critical, resolved) since 2026-03-14 09:41:07 (+09:00), lasting 1 h 06 min, failed calls: 11"
    )


def test_html_escapes_log_text_and_allows_only_its_own_script(hostile_html: str) -> None:
    assert "<script>alert" not in hostile_html and "<img" not in hostile_html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in hostile_html
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", hostile_html, re.S)
    assert [attrs for attrs, _ in scripts] == [' type="application/json" id="report-data"', ""]
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', hostile_html)
    assert csp
    policy = dict(part.strip().split(" ", 1) for part in html.unescape(csp.group(1)).split(";"))
    assert policy["default-src"] == "'none'"
    digest = base64.b64encode(hashlib.sha256(scripts[1][1].encode()).digest()).decode()
    assert policy["script-src"] == f"'sha256-{digest}'"
    assert "unsafe-inline" not in policy["script-src"]
    assert not re.search(r"<[^>]*\son\w+=", hostile_html)  # no inline event handler anywhere


def test_html_data_block_cannot_close_its_script() -> None:
    text = str(json_block({"a": "</script><!-- & \u2028"}))
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text) == {"a": "</script><!-- & \u2028"}
    assert script_hash("x") == f"'sha256-{base64.b64encode(hashlib.sha256(b'x').digest()).decode()}'"


def test_html_page_without_script_still_shows_everything(hostile_html: str) -> None:
    assert '<form class="filters" id="filters" hidden>' in hostile_html  # the script reveals the filters
    assert '<details class="incident' in hostile_html and " open>" in hostile_html
    assert "<svg" in hostile_html and '<g class="lane' in hostile_html


def test_json_has_no_view_only_fields(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    data = json.loads(scan(["-f", "json", str(SAMPLES / "python_card_decline.log")], capsys, monkeypatch, tmp_path))
    assert set(data) == {
        "schema",
        "summary",
        "incidents",
        "unrecognised",
        "events",
        "redacted",
        "worst",
        "baseline",
        "generator",
    }
    assert data["incidents"][0]["title"] == "Card declined at auto-recharge, then credit exhausted"
    assert not {"display_title", "moments", "spans", "opened_text"} & set(data["incidents"][0])


def test_japanese_report_uses_japanese_titles_and_durations(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    md = scan(["-f", "md", "--lang", "ja", str(SAMPLES / "python_card_decline.log")], capsys, monkeypatch, tmp_path)
    first = md.splitlines()[0]
    assert first.startswith("# logscan レポート: 障害 1件。最も深刻なもの: 自動チャージでカードが拒否され")
    assert "2026年3月14日 09:41:07 (+09:00)" in md and "1時間06分" in md
    assert "カード会社に電話して" in md  # the shipped playbook, in Japanese
    assert "Card declined" not in md


def test_every_language_has_the_same_labels_and_a_title_per_category() -> None:
    with open(resources.templates_dir() / "messages.toml", "rb") as f:
        catalogue = tomllib.load(f)
    assert set(catalogue) == set(i18n.LANGUAGES)
    keys = {lang: _keys(table) for lang, table in catalogue.items()}
    assert keys["en"] == keys["ja"]
    for table in catalogue.values():
        assert set(table["titles"]) == {c.value for c in Category} | {i18n.CHAIN_KEY}


def _keys(table: dict, prefix: str = "") -> set[str]:
    out = set()
    for key, value in table.items():
        out |= _keys(value, f"{prefix}{key}.") if isinstance(value, dict) else {prefix + key}
    return out


@pytest.mark.parametrize(
    ("seconds", "en", "ja"),
    [(3780, "1 h 03 min", "1時間03分"), (250, "4 min 10 s", "4分10秒"), (12, "12 s", "12秒"), (None, "-", "-")],
)
def test_durations(seconds: float | None, en: str, ja: str) -> None:
    assert i18n.duration(seconds, "en") == en
    assert i18n.duration(seconds, "ja") == ja


def test_dates_in_prose() -> None:
    assert i18n.when("2026-03-14T09:41:07.088+09:00", "en") == "2026-03-14 09:41:07 (+09:00)"
    assert i18n.when("2026-03-14T09:41:07.088+09:00", "ja") == "2026年3月14日 09:41:07 (+09:00)"
    assert i18n.when(None, "ja") == "-"


def test_reasons_are_data_worded_by_the_catalogue() -> None:
    zone = ZoneInfo("Asia/Tokyo")
    at = lambda t: t.astimezone(zone).isoformat()  # noqa: E731
    why = Reason(
        "recovered_confirmed", (("time", datetime(2026, 3, 14, 1, 49, 38, tzinfo=UTC)), ("gap", timedelta(minutes=10)))
    )
    assert i18n.say(why, "ja", at) == "2026年3月14日 10:49:38 (+09:00) に最初の呼び出し成功。その後 10分、失敗なし"
    assert (
        i18n.say(why, "en", at)
        == "first successful call at 2026-03-14 10:49:38 (+09:00), no failure for 10 min after it"
    )
    assert i18n.say(Reason(), "ja", at) == ""


def test_every_reason_correlation_gives_has_words_in_every_language() -> None:
    emitted = set()
    for path in (Path(cli.__file__).parent / "correlation").glob("*.py"):
        emitted |= set(re.findall(r'Reason\(\s*"(\w+)"', path.read_text()))
    emitted |= {"sequence_no_failure", "threshold_values", "unrecovered_at_end"}  # chosen by a condition
    assert len(emitted) > 15
    en, ja = i18n.messages("en")["reasons"], i18n.messages("ja")["reasons"]
    assert emitted <= set(en) and set(en) == set(ja)
    for key in en:  # the same parameters in both languages
        assert set(re.findall(r"{(\w+)}", en[key])) == set(re.findall(r"{(\w+)}", ja[key])), key
    assert not re.search(
        r"^(import re|from re import)\b", Path(i18n.__file__).read_text(), re.M
    )  # no regex over English


def test_text_is_plain_without_colour_and_coloured_with_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    plain = scan(["-f", "text", str(SAMPLES / "python_card_decline.log")], capsys, monkeypatch, tmp_path)
    assert "\x1b[" not in plain and plain.startswith("logscan report: 1 incident(s)")
    report = reporting.build(_analysis(), "en", _analysis().options.tz)
    assert "\x1b[1;31m" in reporting.render(report, "text", color=True)


def _analysis():  # type: ignore[no-untyped-def]
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from analyzer import pipeline, ruleset

    zone = ZoneInfo("Asia/Tokyo")
    options = pipeline.Options((str(SAMPLES / "python_card_decline.log"),), zone, datetime(2026, 3, 15, tzinfo=zone))
    return pipeline.run(options, ruleset.load(()), None)


def test_a_genlog_day_page_stays_under_one_mebibyte(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    day, _ = genlog(tmp_path / "day.log", 100_000)
    page = scan(["-f", "html", str(day)], capsys, monkeypatch, tmp_path)
    assert len(page.encode()) < MiB
    lanes = re.findall(r'<g class="lane [^"]*" data-incident="(INC-\d+)"', page)
    incidents = re.findall(r'<details class="incident [^"]*" id="(INC-\d+)"', page)
    assert lanes == incidents and len(incidents) >= 3


@settings(max_examples=200)
@given(st.lists(st.integers(min_value=0, max_value=6 * 3600), max_size=60))
def test_successes_per_minute_by_bisection_count_as_one_look_at_each(seconds: list[int]) -> None:
    from datetime import UTC, datetime, timedelta

    from analyzer.reporting import timeline

    t0 = datetime(2026, 3, 14, 9, 0, tzinfo=UTC)
    times = sorted(t0 + timedelta(seconds=s, microseconds=s % 7) for s in seconds)
    t1 = t0 + timedelta(hours=6, minutes=1)
    assert timeline._per_minute_sorted(times, t0, t1) == timeline._per_minute(times, t0)
    # a span of decades (a stray epoch stamp): only the minutes that have calls are visited
    far = [datetime(1970, 1, 1, tzinfo=UTC), *times]
    assert timeline._per_minute_sorted(far, far[0], t1) == timeline._per_minute(far, far[0])


def test_the_json_report_in_pieces_is_json_dumps_of_the_whole(
    genlog_days: dict[str, tuple[Path, dict]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Events are encoded a few at a time as they are made; the text is that of one json.dumps."""
    from datetime import UTC, datetime

    from analyzer import pipeline, ruleset
    from analyzer.reporting import writers

    path, _ = genlog_days["python"]
    options = pipeline.Options((str(path),), UTC, datetime(2026, 3, 15, tzinfo=UTC), jobs=1)
    report = reporting.build(pipeline.run(options, ruleset.load(), None), "en", UTC)
    assert len(report.events) > 20
    monkeypatch.setattr(writers, "EVENTS_PER_CHUNK", 7)
    chunks = list(reporting.render_chunks(report, "json"))
    whole = {name: writers._plain(getattr(report, name)) for name in writers._json_fields()}
    whole["events"] = list(report.events)
    whole["generator"] = {"name": "logscan", "version": report.version}
    for inc in whole["incidents"]:
        inc["evidence"] = [writers._evidence_json(e) for e in inc["evidence"]]
        inc["actions"] = [writers._evidence_json(e) for e in inc["actions"]]
    assert "".join(chunks) == json.dumps(whole, ensure_ascii=False, separators=(",", ":")) + "\n"
    assert len(chunks) > len(report.events) // 7  # the events came in pieces
    assert report.events[3] == list(report.events)[3] and report.events[2:4] == list(report.events)[2:4]


_NY = ZoneInfo("America/New_York")
_SHARED = {"status": "429", "code": "insufficient_quota"}
_TIMES = [
    None,
    datetime(2026, 11, 1, 1, 30, tzinfo=_NY),  # 05:30 UTC
    datetime(2026, 11, 1, 1, 30, fold=1, tzinfo=_NY),  # equal to it, an hour later
    datetime(2026, 11, 1, 5, 30, tzinfo=UTC),
    datetime(2026, 11, 1, 5, 30, 0, 1, tzinfo=UTC),
]


@settings(max_examples=100)
@given(st.lists(st.tuples(st.sampled_from(_TIMES), st.sampled_from([_SHARED, {"z": "1", "a": "2"}, {}])), max_size=12))
def test_event_rows_show_each_time_and_fields_as_each_alone_would(picks: list) -> None:
    """The rows remember the last time shown and each shared fields dict sorted; every row still
    reads as one made alone (a fold's two equal times are two instants)."""
    from analyzer.models import Event, Outcome, Severity
    from analyzer.reporting.model import EventRows, _iso

    events = [
        Event("r", Category.QUOTA, Outcome.FAILURE, Severity.HIGH, False, "high", t, "s", n, n, "", fields)
        for n, (t, fields) in enumerate(picks, 1)
    ]
    rows = list(EventRows(events, [], lambda when: _iso(when, UTC)))
    assert [r["time"] for r in rows] == [_iso(e.time, UTC) for e in events]
    assert [list(r["fields"].items()) for r in rows] == [sorted(e.fields.items()) for e in events]


_HOSTILE = st.text(
    st.sampled_from(['"', "\\", "\n", "\x00", "\x1f", "é", "日", "\u2028", "/", "a", "<", "\ud800"]), max_size=6
)


@settings(max_examples=200)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(_TIMES),
            st.one_of(st.sampled_from([_SHARED, {}]), st.dictionaries(_HOSTILE, _HOSTILE, max_size=3)),
            _HOSTILE,
            st.sampled_from(["a.log", 'b"\\.log']),
            st.sampled_from(list(Category)),
            st.booleans(),
        ),
        max_size=10,
    )
)
def test_event_rows_in_json_are_the_rows_encoded(picks: list) -> None:
    """The JSON writer's rows, made of pieces encoded once, are the rows' dicts encoded, whatever
    characters the rule, source and fields hold, incident or none."""
    from analyzer.models import Event, Incident, Outcome, Severity, Status
    from analyzer.reporting.model import EventRows, _iso
    from analyzer.reporting.writers import _ENCODER

    events = [
        Event(rule, category, Outcome.FAILURE, Severity.HIGH, retry, "high", t, source, n, n + n % 2, "", fields)
        for n, (t, fields, rule, source, category, retry) in enumerate(picks, 1)
    ]
    member = Incident("INC-00\"1", "t", Category.QUOTA, (Category.QUOTA,), Severity.HIGH, Status.RESOLVED, None, None,
                      tuple(events[::2]), (), "", "", "")  # fmt: skip
    rows = EventRows(events, [member], lambda when: _iso(when, UTC))
    assert list(rows.json(_ENCODER.encode)) == [_ENCODER.encode(row) for row in rows]
    assert [row["incident"] for row in rows] == [member.id if n % 2 == 0 else None for n in range(len(events))]


def _evidence_by_sorting(inc: Incident) -> list[Event]:
    """pick_evidence as it was, sorting every event by how specific it is: the reference."""
    chosen: dict[tuple[str, int], Event] = {}
    first_of: dict[str, Event] = {}
    for event in sorted(inc.events, key=lambda e: (e.confidence != "high", e.outcome is not Outcome.FAILURE)):
        if event.rule not in first_of:
            first_of[event.rule] = chosen[(event.source, event.line)] = event
    last = inc.events[-1]
    chosen.setdefault((last.source, last.line), last)
    picked = sorted(chosen.values(), key=lambda e: (e.time is None, e.time or datetime.min, e.line))
    return picked[:6]


@settings(max_examples=300)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8"]),
            st.sampled_from(["high", "low"]),
            st.booleans(),
            st.sampled_from([None, datetime(2026, 3, 14, 9, tzinfo=UTC), datetime(2026, 3, 14, 10, tzinfo=UTC)]),
            st.sampled_from(["a.log", "b.log"]),
            st.integers(1, 6),
        ),
        min_size=1,
        max_size=40,
    )
)
def test_evidence_is_picked_as_sorting_every_event_would(picks: list) -> None:
    """The first event of each rule, most specific first, and the last one, in time order: one pass
    gives what sorting every event by specificity gave, ties and repeated places included."""
    from analyzer.reporting.model import EVIDENCE_PER_INCIDENT, pick_evidence

    events = tuple(
        Event(rule, Category.QUOTA, Outcome.FAILURE if failed else Outcome.SIGNAL, Severity.HIGH, False, confidence,
              when, source, line, line, "", {})
        for rule, confidence, failed, when, source, line in picks
    )  # fmt: skip
    inc = Incident("INC-001", "t", Category.QUOTA, (Category.QUOTA,), Severity.HIGH, Status.RESOLVED, None, None,
                   events, (), "", "", "")  # fmt: skip
    assert EVIDENCE_PER_INCIDENT == 6
    picked = pick_evidence(inc)
    expected = _evidence_by_sorting(inc)
    assert [id(e) for e in picked] == [id(e) for e in expected]
