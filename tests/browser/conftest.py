"""Real-browser fixtures: the app served over HTTP, headless Chromium, phone and desktop contexts.

Chromium is Debian's (/usr/bin/chromium, or FIELDCHECK_CHROMIUM); Playwright's own browser
downloads are never used. Without Chromium the browser tests skip with the reason, and fail
under CI=true, the same rule tests/conftest.py applies to PostgreSQL.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from helpers import skip_or_fail
from werkzeug.serving import make_server

CHROMIUM = os.environ.get("FIELDCHECK_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
# Playwright's per-action default is 30 s; a local server answers far sooner, so fail faster.
TIMEOUT_MS = 15_000


@pytest.fixture
def live_server(app):
    """The test app (SQLite or PostgreSQL) served on a free local port; yields the base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def playwright_driver():
    if not Path(CHROMIUM).is_file():
        skip_or_fail(f"Chromium not found at {CHROMIUM}")
    # Imported here: a machine without Playwright still collects the non-browser tests.
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    try:
        yield playwright
    finally:
        playwright.stop()


@pytest.fixture(scope="session")
def browser(playwright_driver):
    try:
        browser = playwright_driver.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
    except Exception as exc:  # noqa: BLE001 - a browser that cannot start is the same as none
        skip_or_fail(f"Chromium at {CHROMIUM} did not start: {exc.__class__.__name__}: {str(exc)[:200]}")
    try:
        yield browser
    finally:
        browser.close()


class RestartableServer:
    """The app on a fixed local port that can be stopped (no network at all) and started again."""

    def __init__(self, app):
        self.app = app
        probe = make_server("127.0.0.1", 0, app)
        self.port = probe.server_port
        probe.server_close()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = self.thread = None

    def start(self):
        self.server = make_server("127.0.0.1", self.port, self.app, threaded=True)
        self.thread = threading.Thread(target=self.server.serve_forever, name="live-server", daemon=True)
        self.thread.start()

    def stop(self):
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.thread.join(timeout=10)
            self.server = None


@pytest.fixture
def restartable_server(app):
    server = RestartableServer(app)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def phone_profile(playwright_driver, restartable_server, tmp_path):
    """phone_profile(lat, lon): a 360×740 Chinese phone whose storage (service worker, IndexedDB)
    lives in a directory of this test, so closing and reopening the browser keeps it."""
    opened = []

    def open_phone(lat: float, lon: float, accuracy: float = 12.0):
        context = playwright_driver.chromium.launch_persistent_context(
            str(tmp_path / "profile"), executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS,
            base_url=restartable_server.url, viewport={"width": 360, "height": 740}, device_scale_factor=2,
            is_mobile=True, has_touch=True, locale="zh-CN", timezone_id="Asia/Shanghai",
            geolocation={"latitude": lat, "longitude": lon, "accuracy": accuracy}, permissions=["geolocation"])
        context.set_default_timeout(TIMEOUT_MS)
        opened.append(context)
        return context

    yield open_phone
    for context in opened:
        try:
            context.close()
        except Exception:  # noqa: BLE001 - already closed by the test
            pass


@pytest.fixture
def requests_log():
    """Every URL any context of this test requested, in order."""
    return []


def _context_factory(browser, live_server, requests_log, defaults: dict):
    contexts = []

    def make(**options):
        context = browser.new_context(base_url=live_server, **{**defaults, **options})
        context.set_default_timeout(TIMEOUT_MS)
        context.on("request", lambda request: requests_log.append(request.url))
        contexts.append(context)
        return context

    return make, contexts


@pytest.fixture
def phone(browser, live_server, requests_log):
    """phone(lat, lon, accuracy=12.0): a Chinese-language phone standing at (lat, lon) WGS-84."""
    make, contexts = _context_factory(browser, live_server, requests_log, {
        "viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True,
        "has_touch": True, "locale": "zh-CN", "timezone_id": "Asia/Shanghai",
    })

    def phone_at(lat: float, lon: float, accuracy: float = 12.0):
        return make(geolocation={"latitude": lat, "longitude": lon, "accuracy": accuracy},
                    permissions=["geolocation"])

    yield phone_at
    for context in contexts:
        context.close()


@pytest.fixture
def desktop(browser, live_server, requests_log):
    """desktop(): a Chinese-language desktop browser (reviewers, organizers)."""
    make, contexts = _context_factory(browser, live_server, requests_log, {
        "viewport": {"width": 1280, "height": 900}, "locale": "zh-CN", "timezone_id": "Asia/Shanghai",
    })
    yield make
    for context in contexts:
        context.close()

