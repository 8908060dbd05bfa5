"""A citizen searches the hall in a real browser: Chinese, pinyin, English, facets, a guide."""

import re

import pytest

from hall.importer import import_text
from hall.sync.scheduler import sync_connectors
from tests.loopback import FolderServer
from tests.test_end_to_end import FIXTURES, IMPORT

pytestmark = pytest.mark.browser


@pytest.fixture
def hall(app):
    with FolderServer(FIXTURES) as server:
        import_text(IMPORT.replace("BASE", server.base_url))
        runs = sync_connectors()
    assert [r.status for r in runs] == ["succeeded"] * 3


def search(page, words):
    page.fill("input[name=q]", words)
    with page.expect_navigation():
        page.keyboard.press("Enter")


def follow(page, locator):
    with page.expect_navigation():
        locator.click()


def test_search_from_the_home_page_with_facets_and_a_guide(hall, page, live_server):
    page.goto(f"{live_server}/")
    assert "某某县一站式政务服务大厅" in page.title() or page.locator("h1").count() > 0

    search(page, "社保卡补办")
    first = page.locator("ol.results li.result").first
    assert "社保卡补办" in first.inner_text()
    assert first.locator("mark").count() >= 1

    search(page, "shebao")
    assert "社保卡补办服务点延长办理时间的通知" in page.locator("ol.results").inner_text()

    search(page, "business license")
    results = page.locator("ol.results li.result")
    assert results.count() == 2
    facets = page.locator("aside.facets")
    follow(page, facets.get_by_role("link", name=re.compile("某某县市场监督管理局")))
    assert page.locator("ol.results li.result").count() == 1
    assert "department=amr" in page.url

    follow(page, page.locator("ol.results li.result h3 a").first)
    assert page.locator("h1").inner_text() == "Business license registration for enterprises"


def test_a_service_guide_page_reads_like_a_guide(hall, page, live_server):
    page.goto(f"{live_server}/halls/county/search?q=食品经营许可")
    follow(page, page.locator("ol.results li.result h3 a").first)
    text = page.locator("main").inner_text()
    assert "食品经营许可证核发" in text
    assert "食品经营许可申请书" in text  # the materials table
    assert "不收费" in text  # the fee, said explicitly
    assert "5" in text and "工作日" in text  # the promised time limit


def test_english_switch_and_keyboard_only_search(hall, page, live_server):
    page.goto(f"{live_server}/")
    follow(page, page.get_by_role("link", name="English"))
    assert page.locator("html").get_attribute("lang") == "en"
    page.keyboard.press("Tab")  # skip link or the first control, then on to the search box
    page.focus("input[name=q]")
    page.keyboard.type("pothole")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "Pothole repair request" in page.locator("ol.results").inner_text()
    # The choice of language stays for the next page.
    page.goto(f"{live_server}/halls/county/")
    assert page.locator("html").get_attribute("lang") == "en"
