"""A live server and Debian's Chromium driven by Playwright, for page journeys.

Skips cleanly where Playwright or /usr/bin/chromium is missing; CI installs both.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from werkzeug.serving import make_server

CHROMIUM = Path("/usr/bin/chromium")
# Chromium's own background traffic is refused by this machine's closed network.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def live_server(app) -> Iterator[str]:
    """Serve the test app on a free loopback port; yield its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture(scope="session")
def chromium():
    playwright_api = pytest.importorskip("playwright.sync_api")
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed")
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def guarded_page(browser, live_server: str, **context_options):
    """Open a page in a new context; its `problems` list console errors and off-site requests.

    The caller closes `page.context` and asserts `page.problems == []`.
    """
    context = browser.new_context(**context_options)
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda msg: msg.type == "error" and problems.append(msg.text))
    page.on("pageerror", lambda exc: problems.append(str(exc)))

    def only_loopback(route):
        if route.request.url.startswith(live_server):
            route.continue_()
        else:
            problems.append(f"off-site request: {route.request.url}")
            route.abort()

    page.route("**/*", only_loopback)
    page.problems = problems
    return page


@pytest.fixture
def page(chromium, live_server):
    """A fresh browser page that fails the test on console errors or off-site requests."""
    page = guarded_page(chromium, live_server, locale="zh-CN")
    yield page
    page.context.close()
    assert page.problems == [], page.problems


@pytest.fixture
def open_page(chromium, live_server):
    """Open guarded pages, each in its own context (one per user); check them at the end."""
    opened = []

    def open_one(**context_options):
        page = guarded_page(chromium, live_server, **context_options)
        opened.append(page)
        return page

    yield open_one
    for page in opened:
        page.context.close()
    assert [p.problems for p in opened if p.problems] == []
