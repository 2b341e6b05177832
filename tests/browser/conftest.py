"""Browser fixtures: the session app served on a free local port, and headless
Debian chromium driven by Playwright (skipped when either is missing)."""
from __future__ import annotations

import contextlib
import itertools
import os
import shutil
import socket
import threading
from pathlib import Path

import pytest

SCREENSHOTS = Path(__file__).resolve().parents[1] / "screenshots"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


_addresses = itertools.count(1)


class ClientAddress:
    """WSGI wrapper of the live server: a browser context names its own client address (header
    X-Test-Client, set by ``browser.new_context``), as ``new_client`` does for test clients, so the
    per-address login limit counts each context's logins, not every browser test's together."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        environ["REMOTE_ADDR"] = environ.get("HTTP_X_TEST_CLIENT") or environ.get("REMOTE_ADDR", "")
        return self.app(environ, start_response)


class _Browser:
    """The Playwright browser, each new context with its own client address."""

    def __init__(self, browser):
        self._browser = browser

    def new_context(self, **kwargs):
        n = next(_addresses)
        headers = {"X-Test-Client": f"10.200.{n // 250}.{n % 250 + 1}",
                   **(kwargs.pop("extra_http_headers", None) or {})}
        return self._browser.new_context(extra_http_headers=headers, **kwargs)

    def __getattr__(self, name):
        return getattr(self._browser, name)


@pytest.fixture(scope="session")
def live_server(app):
    """Serve the test app (same database as the other tests) in a background thread."""
    import logging

    from werkzeug.serving import make_server

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no access log per static file
    server = make_server("127.0.0.1", _free_port(), ClientAddress(app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
    executable = shutil.which("chromium")
    if not executable:
        pytest.skip("chromium is not installed (run `make chromium`)")
    with sync_api.sync_playwright() as pw, _screenshots_unless_skipped(sync_api.Page):
        browser = pw.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, headless=True)
        yield _Browser(browser)
        browser.close()


@contextlib.contextmanager
def _screenshots_unless_skipped(page_class):
    """The tests save screenshots of what they walk through, to be looked at (tests/screenshots/ and
    /tmp/shots_*). A full-page one costs up to ~0.7 s of chromium: CI, which looks at none, sets
    SCREENSHOTS=0 (.ci/run) and every ``page.screenshot(path=...)`` writes nothing. No test reads them."""
    if os.environ.get("SCREENSHOTS", "1") != "0":
        yield
        return
    original = page_class.screenshot
    page_class.screenshot = lambda self, **kwargs: b""
    try:
        yield
    finally:
        page_class.screenshot = original


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
