"""A live server and Debian's Chromium driven by Playwright, for page journeys, with
axe-core (installed from the npm registry by `npm ci --prefix tests/browser`) to check pages
against WCAG 2.1 AA.

Skips cleanly where Playwright, /usr/bin/chromium or axe-core is missing; CI installs all
three and sets HALL_BROWSER_TESTS=required, which turns those skips into failures.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from werkzeug.serving import make_server

CHROMIUM = Path("/usr/bin/chromium")
AXE = Path(__file__).parent / "node_modules" / "axe-core" / "axe.min.js"
# The rules axe runs: WCAG 2.0 and 2.1, levels A and AA.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
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


def _missing(reason: str) -> None:
    """Skip, or fail where CI said browser tests are required."""
    if os.environ.get("HALL_BROWSER_TESTS") == "required":
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def chromium():
    try:
        import playwright.sync_api as playwright_api
    except ImportError:
        _missing("Playwright is not installed")
    if not CHROMIUM.exists():
        _missing("Debian's chromium is not installed")
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


@pytest.fixture(scope="session")
def axe_source() -> str:
    if not AXE.exists():
        _missing("axe-core is not installed: npm ci --prefix tests/browser")
    return AXE.read_text(encoding="utf-8")


@pytest.fixture
def check_accessible(axe_source):
    """Return a function that runs axe-core on a page and fails on any WCAG 2.1 A/AA violation.

    axe is evaluated through the DevTools protocol, which the page's Content-Security-Policy
    does not apply to, so the policy stays exactly as citizens get it.
    """

    def check(page, what: str = "") -> None:
        page.evaluate(axe_source)
        result = page.evaluate(
            "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS
        )
        violations = [
            {
                "rule": v["id"],
                "impact": v["impact"],
                "help": v["help"],
                "nodes": [n["target"] for n in v["nodes"]][:5],
            }
            for v in result["violations"]
        ]
        where = what or page.url
        assert violations == [], f"axe found violations on {where}:\n" + json.dumps(
            violations, ensure_ascii=False, indent=1
        )

    return check
