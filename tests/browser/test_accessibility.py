"""axe-core finds no WCAG 2.1 A/AA violation on the citizen pages, in both languages and in
the elder-friendly mode."""

import pytest

from tests.browser.test_citizen_journey import hall  # noqa: F401  (the fixture)

pytestmark = pytest.mark.browser

PAGES = [
    "/",
    "/halls/county/",
    "/halls/county/search?q=社保卡补办",
    "/halls/county/search?q=nothing-matches-this",
    "/departments/amr",
]


@pytest.mark.parametrize("path", PAGES)
def test_citizen_pages_have_no_violations(hall, page, live_server, check_accessible, path):  # noqa: F811
    page.goto(live_server + path)
    check_accessible(page)
    page.goto(live_server + path + ("&" if "?" in path else "?") + "lang=en")
    check_accessible(page)


def test_a_service_guide_has_no_violations(hall, page, live_server, check_accessible):  # noqa: F811
    page.goto(f"{live_server}/halls/county/search?q=食品经营许可")
    page.locator("ol.results li.result h3 a").first.click()
    page.wait_for_load_state()
    check_accessible(page)


def test_the_elder_friendly_mode_has_no_violations(hall, page, live_server, check_accessible):  # noqa: F811
    page.goto(f"{live_server}/halls/county/")
    page.get_by_role("link", name="长辈版").click()
    page.wait_for_load_state()
    assert page.locator("body.elder").count() == 1
    check_accessible(page, "hall home, elder-friendly mode")
    page.goto(f"{live_server}/halls/county/search?q=社保卡补办")
    assert page.locator("body.elder").count() == 1  # the choice is kept
    check_accessible(page, "results, elder-friendly mode")
