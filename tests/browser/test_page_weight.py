"""Light pages: the hall home and a results page, with everything they load, under 100 KB,
and no request leaves the site (the guarded page fails the test on any off-site request)."""

import pytest

from tests.browser.test_citizen_journey import hall  # noqa: F401  (the fixture)

pytestmark = pytest.mark.browser

LIMIT = 100 * 1024


@pytest.mark.parametrize("path", ["/halls/county/", "/halls/county/search?q=社保"])
def test_page_and_everything_it_loads_weigh_under_100_kb(hall, page, live_server, path):  # noqa: F811
    loaded: dict[str, int] = {}
    page.on("requestfinished", lambda request: loaded.update({request.url: _size(request)}))
    page.goto(live_server + path)
    page.wait_for_load_state("networkidle")
    assert live_server + path.replace("社保", "%E7%A4%BE%E4%BF%9D") in loaded
    total = sum(loaded.values())
    assert total < LIMIT, f"{total} bytes: {loaded}"


def _size(request) -> int:
    # Bytes as transferred: headers and body (the test server sends no compression).
    sizes = request.sizes()
    return sizes["responseBodySize"] + sizes["responseHeadersSize"]
