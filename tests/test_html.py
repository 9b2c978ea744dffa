"""The HTML report in a real browser: headless Chromium driven over its DevTools protocol.

No browser download: Debian's `chromium` (/usr/bin/chromium; `.ci/run` installs it) and the
`websocket-client` package. Skipped only outside CI when the browser is missing.
`pytest tests/test_html.py --update-golden` also rewrites docs/report.png, the README's screenshot.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT, genlog, run_logscan

CHROMIUM = "/usr/bin/chromium"
HOSTILE = "<script>alert(1)</script> <img src=x onerror=alert(2)>"
SCREENSHOT = ROOT / "docs" / "report.png"

if not Path(CHROMIUM).exists() and not os.environ.get("CI"):
    pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium); CI installs it", allow_module_level=True)

if os.environ.get("CI"):
    import websocket
else:
    websocket = pytest.importorskip("websocket", reason="websocket-client is missing: pip install -e '.[test]'")


class Browser:
    """A headless Chromium and one page target, spoken to over the DevTools protocol."""

    def __init__(self, profile: Path) -> None:
        self.process = subprocess.Popen(
            [
                CHROMIUM,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-dev-shm-usage",
                "--hide-scrollbars",
                f"--user-data-dir={profile}",
                "--remote-debugging-port=0",
                "--window-size=1280,900",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        port = self._port(profile / "DevToolsActivePort")
        targets = json.loads(_http_get(f"http://127.0.0.1:{port}/json/list"))
        page = next(t for t in targets if t["type"] == "page")
        self.ws = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=20, suppress_origin=True)
        self.next_id = 0
        self.events: list[dict[str, Any]] = []

    def _port(self, path: Path) -> int:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if path.exists() and path.read_text().strip():
                return int(path.read_text().split()[0])
            assert self.process.poll() is None, "chromium exited at start"
            time.sleep(0.05)
        raise AssertionError("chromium wrote no DevToolsActivePort")

    def send(self, method: str, **params: Any) -> dict[str, Any]:
        """Call a method and wait for its answer; events that arrive meanwhile are kept in `events`."""
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == self.next_id:
                assert "error" not in message, message
                return dict(message.get("result", {}))
            if "method" in message:
                self.events.append(message)

    def evaluate(self, expression: str) -> Any:
        result = self.send("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        assert "exceptionDetails" not in result, result["exceptionDetails"]
        return result["result"].get("value")

    def open(self, path: Path) -> None:
        self.send("Page.enable")
        self.send("Runtime.enable")
        self.send("Log.enable")
        self.send("Page.navigate", url=path.as_uri())
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.evaluate("document.readyState") == "complete":
                return
            time.sleep(0.05)
        raise AssertionError("the page did not finish loading")

    def screenshot(self, target: Path) -> None:
        height = self.evaluate("Math.min(document.documentElement.scrollHeight, 1400)")
        self.send(
            "Emulation.setDeviceMetricsOverride", width=1280, height=int(height), deviceScaleFactor=1, mobile=False
        )
        shot = self.send("Page.captureScreenshot", format="png")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(base64.b64decode(shot["data"]))

    def close(self) -> None:
        self.ws.close()
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


def _http_get(url: str) -> str:
    import urllib.request

    deadline = time.monotonic() + 10
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as answer:  # the local DevTools endpoint
                return str(answer.read().decode())
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def hostile_day(folder: Path) -> Path:
    """A 100,000-line genlog day with an OpenAI error whose message carries HTML and a script."""
    day, _ = genlog(folder / "day.log", 100_000)
    lines = day.read_text().splitlines(keepends=True)
    first = next(i for i, line in enumerate(lines) if "Incorrect API key provided" in line)
    at = next(i for i in range(first, -1, -1) if lines[i].startswith("2026-"))  # the record that holds it
    stamp = lines[at][:23]  # its own time: the hostile line comes first, so it is picked as evidence
    lines.insert(
        at,
        f"{stamp} ERROR app.chat: openai.AuthenticationError: Error code: 401 - {{'error': {{'message': "
        f"'Incorrect API key provided: {HOSTILE}', 'type': 'invalid_request_error', 'code': 'invalid_api_key'}}}}\n",
    )
    day.write_text("".join(lines))
    return day


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory, logscan_bin: str) -> Path:
    folder = tmp_path_factory.mktemp("html")
    target = folder / "report.html"
    day = hostile_day(folder)
    done = run_logscan(logscan_bin, "--tz", "Asia/Tokyo", day.name, "-o", str(target), cwd=folder)
    assert done.returncode == 0, done.stderr
    return target


@pytest.fixture(scope="module")
def browser(report: Path) -> Iterator[Browser]:
    with tempfile.TemporaryDirectory() as profile:
        chromium = Browser(Path(profile))
        try:
            chromium.open(report)
            yield chromium
        finally:
            chromium.close()
            shutil.rmtree(profile, ignore_errors=True)


def visible_incidents(browser: Browser) -> int:
    return int(browser.evaluate("[...document.querySelectorAll('details.incident')].filter(e => !e.hidden).length"))


def set_control(browser: Browser, element_id: str, value: str) -> None:
    browser.evaluate(
        f"(() => {{ const el = document.getElementById({json.dumps(element_id)}); el.value = {json.dumps(value)};"
        " el.dispatchEvent(new Event('input', {bubbles: true}));"
        " el.dispatchEvent(new Event('change', {bubbles: true})); })()"
    )


def test_the_hostile_line_is_evidence_and_stays_text(report: Path, browser: Browser) -> None:
    page = report.read_text()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<img src=x" not in page and "<script>alert" not in page
    assert browser.evaluate("document.querySelectorAll('img').length") == 0
    found = browser.evaluate("[...document.querySelectorAll('pre')].some(p => p.textContent.includes('alert(1)'))")
    assert found, "the hostile line should be shown, as text, among the evidence"


def test_no_console_error_no_exception_no_dialog(browser: Browser) -> None:
    browser.evaluate("new Promise(r => setTimeout(r, 200))")  # let late events arrive
    kinds = [e["method"] for e in browser.events]
    errors = [e for e in browser.events if e["method"] == "Runtime.consoleAPICalled" and e["params"]["type"] == "error"]
    logged = [e for e in browser.events if e["method"] == "Log.entryAdded" and e["params"]["entry"]["level"] == "error"]
    assert not errors, errors
    assert not logged, logged  # CSP violations land here
    assert "Runtime.exceptionThrown" not in kinds
    assert "Page.javascriptDialogOpening" not in kinds


def test_filters_and_search_change_what_is_shown(browser: Browser) -> None:
    total = int(browser.evaluate("document.querySelectorAll('details.incident').length"))
    assert total >= 3 and visible_incidents(browser) == total
    assert browser.evaluate("document.getElementById('filters').hidden") is False
    set_control(browser, "f-severity", "critical")
    critical = visible_incidents(browser)
    assert 0 < critical < total
    set_control(browser, "f-severity", "")
    set_control(browser, "f-category", "context_length")
    assert 0 < visible_incidents(browser) < total
    set_control(browser, "f-category", "")
    set_control(browser, "f-search", "alert(1)")
    assert visible_incidents(browser) == 1
    assert browser.evaluate("document.querySelectorAll('.tl-row.lane:not([hidden])').length") == 1
    set_control(browser, "f-search", "no such text anywhere")
    assert visible_incidents(browser) == 0
    assert browser.evaluate("document.getElementById('f-none').hidden") is False
    set_control(browser, "f-search", "")
    assert visible_incidents(browser) == total


def test_timeline_has_one_lane_per_incident_and_zooms(browser: Browser) -> None:
    lanes = browser.evaluate("[...document.querySelectorAll('svg g.lane')].map(g => g.dataset.incident)")
    incidents = browser.evaluate("[...document.querySelectorAll('details.incident')].map(d => d.id)")
    assert lanes == incidents
    assert browser.evaluate("document.querySelectorAll('svg g.lane rect.bar title').length") > len(lanes)
    box = browser.evaluate(
        "(() => { const plot = document.querySelector('.tl-row.lane .tl-plot');"
        " plot.scrollIntoView({block: 'center'}); const r = plot.getBoundingClientRect();"
        " return [r.left, r.top + r.height / 2, r.width]; })()"
    )
    left, y, width = box
    for kind, x in (("mousePressed", left + width * 0.1), ("mouseMoved", left + width * 0.3)):
        browser.send("Input.dispatchMouseEvent", type=kind, x=x, y=y, button="left", buttons=1, clickCount=1)
    browser.send("Input.dispatchMouseEvent", type="mouseReleased", x=left + width * 0.3, y=y, button="left")
    view = browser.evaluate("document.querySelector('svg g.lane').ownerSVGElement.getAttribute('viewBox')")
    assert view != "0 0 1000 28" and float(view.split()[2]) < 500
    browser.evaluate("document.getElementById('tl-reset').click()")
    assert browser.evaluate("document.querySelector('.tl-svg').getAttribute('viewBox')") == "0 0 1000 28"


def test_screenshot(browser: Browser, tmp_path: Path, update_golden: bool) -> None:
    browser.evaluate("window.scrollTo(0, 0)")
    shot = tmp_path / "report.png"
    browser.screenshot(shot)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    if update_golden:
        SCREENSHOT.parent.mkdir(exist_ok=True)
        shutil.copyfile(shot, SCREENSHOT)
