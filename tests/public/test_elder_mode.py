"""The elder-friendly mode: a link turns it on, a cookie keeps it, pages carry its class."""

import pytest

from tests.builders import make_hall


@pytest.fixture
def hall_id(app):
    return make_hall("county").id


def test_pages_start_in_standard_mode_with_a_link_to_the_elder_mode(client, hall_id):
    page = client.get(f"/halls/{hall_id}/").get_data(as_text=True)
    assert 'class="elder"' not in page
    assert "/preferences/elder?on=1" in page
    assert "长辈版" in page


def test_the_link_turns_the_mode_on_and_it_stays_on_across_pages(client, hall_id):
    response = client.get(f"/preferences/elder?on=1&next=/halls/{hall_id}/")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/halls/{hall_id}/")
    assert "elder=1" in response.headers["Set-Cookie"]
    assert "Max-Age=31536000" in response.headers["Set-Cookie"]

    for path in (f"/halls/{hall_id}/", f"/halls/{hall_id}/search?q=社保"):
        page = client.get(path).get_data(as_text=True)
        assert '<body class="elder">' in page
        assert "标准版" in page  # the way back

    client.get("/preferences/elder?on=0&next=/")
    assert 'class="elder"' not in client.get(f"/halls/{hall_id}/").get_data(as_text=True)


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:alert(1)"]
)
def test_the_switch_never_sends_a_visitor_off_site(client, target):
    response = client.get("/preferences/elder", query_string={"on": "1", "next": target})
    assert response.status_code == 302
    location = response.headers["Location"]
    assert "evil" not in location and "javascript" not in location


def test_the_toggle_link_keeps_the_query_of_the_page(client, hall_id):
    page = client.get(f"/halls/{hall_id}/search?q=%E7%A4%BE%E4%BF%9D").get_data(as_text=True)
    assert "next=/halls/" in page.replace("%2F", "/")
