"""Reports that fit their tracker (analyzer/reporting/fit.py): md within GitHub's 65,536 characters, jira and
adf within Jira's 32,767, or --max-chars; the least important parts left out first, never half a block or a
table; what was left out said, and the whole report written beside a shortened one."""

from __future__ import annotations

import json
import re
from datetime import UTC
from pathlib import Path

import pytest
from conftest import genlog, run_logscan

from analyzer import cli, pipeline, reporting, ruleset
from analyzer.errors import ExitCode
from analyzer.reporting import fit

LIMITS = {"md": 65_536, "jira": 32_767, "adf": 32_767}


@pytest.fixture(scope="module")
def busy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated 100,000-line day where a third of the calls fail: some 200 incidents."""
    day, _ = genlog(tmp_path_factory.mktemp("busy") / "mix.log", 100_000, "python", 7, "--mix")
    return day


@pytest.fixture(scope="module")
def busy_report(busy: Path) -> reporting.Report:
    options = pipeline.Options((str(busy),), UTC, pipeline.datetime.now(UTC))
    return reporting.build(pipeline.run(options, ruleset.load(), None), "en", UTC)


@pytest.mark.slow
@pytest.mark.parametrize("fmt", LIMITS)
def test_a_busy_day_fits_by_default(fmt: str, busy: Path, tmp_path: Path, logscan_bin: str) -> None:
    done = run_logscan(logscan_bin, "-f", fmt, str(busy), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    text = done.stdout.decode("utf-8")
    assert 0 < fit.size(text) <= LIMITS[fmt] and "Shortened to fit" in text
    if fmt == "adf":
        assert json.loads(text)["type"] == "doc"


def test_an_outage_day_fits_whole(tmp_path: Path) -> None:
    day, _ = genlog(tmp_path / "outage.log", 100_000, "python", 7, "--outage")  # one incident, 25,000 calls
    options = pipeline.Options((str(day),), UTC, pipeline.datetime.now(UTC))
    report = reporting.build(pipeline.run(options, ruleset.load(), None), "en", UTC)
    for fmt, limit in LIMITS.items():
        text = reporting.render(report, fmt)
        assert 0 < fit.size(text) <= limit and "Shortened" not in text, fmt


def _fences_and_tables(md: str) -> None:
    """Every fence closed by its own marker, every table row as many cells as its header."""
    open_fence, columns = "", 0
    for line in md.splitlines():
        if open_fence:
            open_fence = "" if line == open_fence else open_fence
            continue
        if line.startswith("```"):
            open_fence = re.match(r"`+", line).group()  # type: ignore[union-attr]
            continue
        cells = len(re.findall(r"(?<!\\)\|", line)) if line.startswith("|") else 0
        if cells and not columns:
            columns = cells
        assert cells in (0, columns), line
        columns = columns if cells else 0
    assert not open_fence


@pytest.mark.parametrize("limit", [2_000, 6_000, 20_000, 65_536])
def test_md_at_any_limit_fits_and_keeps_every_fence_and_table_whole(busy_report: reporting.Report, limit: int) -> None:
    text = reporting.render(busy_report, "md", options=reporting.WriteOptions(max_chars=limit))
    assert fit.size(text) <= limit
    _fences_and_tables(text)
    assert text.startswith("# logscan report: 2") and "Shortened to fit" in text


def test_jira_at_any_limit_keeps_every_noformat_block_whole(busy_report: reporting.Report) -> None:
    for limit in (2_000, 10_000, 32_767):
        text = reporting.render(busy_report, "jira", options=reporting.WriteOptions(max_chars=limit))
        assert fit.size(text) <= limit
        assert text.count("{noformat}") % 2 == 0


def test_the_least_important_parts_go_first(busy_report: reporting.Report) -> None:
    whole = reporting.render(busy_report, "md", options=reporting.WriteOptions(max_chars=10**8))
    assert "Shortened" not in whole
    just_less = reporting.render(busy_report, "md", options=reporting.WriteOptions(max_chars=fit.size(whole) - 1))
    note = just_less.split("\n> **Shortened", 1)[1].split("\n\n", 1)[0]
    assert "evidence beyond its first lines" in note and "details of" not in note  # every incident still there
    assert just_less.count("\n## INC-") == whole.count("\n## INC-") == len(busy_report.incidents)
    small = reporting.render(busy_report, "md", options=reporting.WriteOptions(max_chars=20_000))
    shown = re.findall(r"\n## (INC-\d+)", small)
    assert shown == [i.id for i in busy_report.incidents if i.severity not in ("low", "info")][: len(shown)]
    assert "low-severity" in small  # their details went before those of worse incidents


def test_fitting_is_deterministic_and_smaller_limits_give_smaller_reports(busy_report: reporting.Report) -> None:
    sizes = []
    for limit in (65_536, 30_000, 8_000):
        options = reporting.WriteOptions(max_chars=limit)
        once, twice = (reporting.render(busy_report, "md", options=options) for _ in range(2))
        assert once == twice
        sizes.append(fit.size(once))
    assert sizes == sorted(sizes, reverse=True)


def test_a_shortened_report_written_to_a_file_has_the_whole_html_beside_it(
    busy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "incident.md"
    assert cli.main(["--tz", "UTC", "-o", str(target), str(busy)]) == 0
    md, page = target.read_text(encoding="utf-8"), (tmp_path / "incident.html").read_text(encoding="utf-8")
    assert "The full report: `incident.html`" in md and fit.size(md) <= 65_536
    incidents = re.findall(r'<details class="incident[^"]*" id="(INC-\d+)"', page)
    assert len(incidents) > 200 and f'id="{incidents[-1]}"' in page
    assert capsys.readouterr().err == ""


def test_a_report_that_fits_writes_nothing_beside_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log = tmp_path / "app.log"
    log.write_text("2026-03-14 09:12:03,412 ERROR app: Error code: 429 - {'code': 'insufficient_quota'}\n")
    assert cli.main(["--tz", "UTC", "-o", str(tmp_path / "r.jira"), str(log)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["app.log", "r.jira"]
    assert "Shortened" not in (tmp_path / "r.jira").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-f", "html", "--max-chars", "5000"], "--max-chars: -f html is not fitted to a size (use -f md, jira, adf)"),
        (["-f", "md", "--max-chars", "100"], "100 is not in the range x>=2000"),
    ],
)
def test_max_chars_is_for_fitted_formats_and_not_below_their_smallest(
    args: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = tmp_path / "app.log"
    log.write_text("x\n")
    assert cli.main([*args, str(log)]) == ExitCode.USAGE
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
