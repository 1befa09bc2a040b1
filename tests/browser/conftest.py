"""Fixtures for real-browser tests: a live server per test, one Chromium per session, axe-core.

Every browser test depends on `app` (through `live_server`), so it runs on SQLite and PostgreSQL.
Data made in the test thread must be committed before the browser asks for it: the server thread
handles each request in its own app context and therefore its own database session. The factories
in tests/factories.py commit; call `db.session.commit()` after any other change (an uncommitted
write in the test thread would also make the server wait for the database lock). To read what the
browser changed, end the test thread's transaction first with `db.session.rollback()`, so that
the next query sees the server's commits instead of cached rows or an old snapshot.
"""

import os
import threading
from collections.abc import Callable

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, sync_playwright
from werkzeug.serving import WSGIRequestHandler, make_server

from tests.browser.helpers import browser_login as _browser_login

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
# Short timeouts: a missing element fails the test in seconds instead of half a minute.
ACTION_TIMEOUT_MS = 5_000
SHUTDOWN_TIMEOUT_S = 10
AXE_OPTIONS = {
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"],
    },
    "resultTypes": ["violations"],
}


class QuietRequestHandler(WSGIRequestHandler):
    """Keeps the test output free of one access-log line per request."""

    def log_request(self, code="-", size="-"):
        pass


class LiveServer:
    """Serves a Flask app on 127.0.0.1 in a daemon thread; `.url` is its base address.

    A small WSGI wrapper counts requests in flight, so that shutting down waits for them to end
    before the `app` fixture empties the tables, refuses requests that arrive after shutdown (a
    browser may still hold a keep-alive connection), and remembers every 5xx response.
    """

    def __init__(self, app):
        self.app = app
        self.server_errors: list[str] = []
        self._in_flight = 0
        self._stopped = False
        self._idle = threading.Condition()
        self._server = make_server(
            "127.0.0.1", 0, self._wsgi, threaded=True, request_handler=QuietRequestHandler
        )
        self.url = f"http://127.0.0.1:{self._server.port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="live-server", daemon=True
        )

    def _wsgi(self, environ, start_response):
        with self._idle:
            if self._stopped:
                start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
                return [b"The test server has stopped."]
            self._in_flight += 1
        try:
            return self._respond(environ, start_response)
        finally:
            with self._idle:
                self._in_flight -= 1
                self._idle.notify_all()

    def _respond(self, environ, start_response) -> list[bytes]:
        def recording_start_response(status, headers, exc_info=None):
            if status.startswith("5"):
                request = f"{environ['REQUEST_METHOD']} {environ['PATH_INFO']}"
                self.server_errors.append(f"{request} -> {status}")
            return start_response(status, headers, exc_info)

        body = self.app(environ, recording_start_response)
        try:
            return list(body)  # consumed here, so the request is over when it is counted out
        finally:
            if hasattr(body, "close"):
                body.close()

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        with self._idle:
            self._stopped = True
            finished = self._idle.wait_for(lambda: self._in_flight == 0, SHUTDOWN_TIMEOUT_S)
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(SHUTDOWN_TIMEOUT_S)
        assert finished, "the live server still had requests running after shutdown"

    def __call__(self, path: str = "/") -> str:
        """The absolute URL of `path` on this server."""
        return self.url + path


@pytest.fixture
def live_server(app):
    """The test's app served over HTTP for the browser; fails the test on any 5xx response."""
    server = LiveServer(app)
    server.start()
    yield server
    server.stop()
    assert not server.server_errors, "the server answered with an error: " + "; ".join(
        server.server_errors
    )


@pytest.fixture(scope="session")
def browser() -> Browser:
    if not os.path.exists(CHROMIUM):
        pytest.fail(
            f"Chromium is required for the browser tests and was not found at {CHROMIUM}. "
            "Install it (Debian: apt-get install chromium)."
        )
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser) -> Page:
    """A fresh page in its own context (no cookies from other tests), in Swedish."""
    context = browser.new_context(locale="sv-SE")
    context.set_default_timeout(ACTION_TIMEOUT_MS)
    page = context.new_page()
    yield page
    context.close()


def format_violations(violations: list[dict]) -> str:
    lines = [f"{len(violations)} accessibility violation(s):"]
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"]:
            target = " ".join(str(part) for part in node["target"])
            lines.append(f"    at {target}: {node.get('failureSummary', '').strip()}")
    return "\n".join(lines)


@pytest.fixture(scope="session")
def axe() -> Callable[..., None]:
    """check(page, context=None): assert axe-core finds no WCAG 2.0/2.1 A/AA or best-practice
    violation on the page (or in `context`, a CSS selector or {"include": [...], "exclude": [...]}).

    The app's Content-Security-Policy does not get in the way: page.evaluate() runs through the
    DevTools protocol, which CSP does not govern, so no bypass_csp context is needed.
    """
    runner = Axe()

    def check(page: Page, context: str | dict | None = None) -> None:
        results = runner.run(page, context=context, options=AXE_OPTIONS)
        violations = results.response["violations"]
        assert not violations, f"{page.url}\n{format_violations(violations)}"

    return check


@pytest.fixture
def browser_login():
    """browser_login(page, live_server, user, password=TEST_PASSWORD): log in through the form."""
    return _browser_login
