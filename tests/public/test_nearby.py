"""The nearby page, as a citizen's browser sees it."""

from __future__ import annotations

import logging
import re
from html.parser import HTMLParser

import pytest

from hall.directory.models import ServicePoint
from hall.directory.points import refresh_guide_points, wgs84_to_gcj02
from hall.extensions import db
from tests.builders import make_account, make_connector, make_hall, make_item

# About 1.1, 2.2 and 5.6 km north of the origin.
ORIGIN = "lat=30.000&lon=120.000"


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, {name: value or "" for name, value in attrs}))


def tags(html: str, name: str) -> list[dict[str, str]]:
    parser = _Tags()
    parser.feed(html)
    return [attrs for tag, attrs in parser.tags if tag == name]


def place_names(html: str) -> list[str]:
    return [
        re.sub(r"<[^>]+>|\s+", " ", found).split("  ")[0].strip()
        for found in re.findall(r'<li class="place"[^>]*>\s*<h3>(.*?)</h3>', html, re.S)
    ]


@pytest.fixture
def county(app):
    """The county hall with three filed points and a guide point; one point is outside."""
    for account, department in (
        ("hrss-web", "hrss"),
        ("police-web", "police"),
        ("market-web", "market"),
    ):
        make_account(account, department)
        make_connector(f"{account}-feed", account)
    make_hall("county", ["hrss-web", "police-web"], title="某某县政务服务大厅")
    rows = [
        ("police", "派出所户籍室", 30.01, 120.0, "白沙镇", "0571-86021301"),
        ("hrss", "社会保险服务大厅", 30.02, 120.0, "白沙镇", "0571-86021304"),
        ("hrss", "龙潭社保站", 30.05, 120.0, "龙潭镇", None),
        ("market", "市场监管所", 30.0, 120.0, "白沙镇", None),  # not in the hall
    ]
    for department, name, lat, lon, district, phone in rows:
        db.session.add(ServicePoint(department_id=department, name=name, latitude=lat,
                                    longitude=lon, district=district, phone=phone,
                                    address=f"{district}人民路1号", hours="工作日 9:00-17:00"))  # fmt: skip
    service = make_item(
        "失业保险金申领", connector="hrss-web-feed", kind="service",
        guide={"service_points": [{"name": "社会保险服务大厅", "lat": 30.02, "lon": 120.0}]},
    )  # fmt: skip
    refresh_guide_points()
    db.session.commit()
    return service


def test_without_a_choice_the_page_explains_and_offers_the_choice(client, county):
    response = client.get("/halls/county/nearby")
    page = response.get_data(as_text=True)

    assert response.status_code == 200
    assert "附近的办理点" in page and "不会被保存" in page
    options = [o["value"] for o in tags(page, "option")]
    assert options == ["", "白沙镇", "龙潭镇"]  # the hall's districts, not the outsider's
    (button,) = [b for b in tags(page, "button") if b.get("id") == "use-location"]
    assert "hidden" in button  # shown by the script only
    assert 'aria-live="polite"' in page
    assert not place_names(page)


def test_places_are_listed_nearest_first_with_distances(client, county):
    page = client.get(f"/halls/county/nearby?{ORIGIN}").get_data(as_text=True)

    assert place_names(page) == ["派出所户籍室", "社会保险服务大厅", "龙潭社保站"]
    assert re.findall(r'<span class="distance">([^<]+)</span>', page) == [
        "1.1 km",
        "2.2 km",
        "5.6 km",
    ]
    assert "市场监管所" not in page
    assert 'href="tel:057186021301"' in page
    assert f'href="/items/{county.id}"' in page  # the service handled at the hall
    assert "距离 30.000, 120.000 最近的办理点" in page


def test_links_out_open_map_apps_without_a_referrer(client, county):
    page = client.get(f"/halls/county/nearby?{ORIGIN}").get_data(as_text=True)

    hrefs = [a["href"] for a in tags(page, "a")]
    assert (
        "geo:30.010000,120.000000?q=30.010000,120.000000(%E6%B4%BE%E5%87%BA%E6%89%80%E6%88%B7%E7%B1%8D%E5%AE%A4)"
        in hrefs
    )
    osm = (
        "https://www.openstreetmap.org/?mlat=30.010000&mlon=120.000000#map=17/30.010000/120.000000"
    )
    assert osm in hrefs
    gcj_lat, gcj_lon = wgs84_to_gcj02(30.01, 120.0)
    amap = f"https://uri.amap.com/marker?position={gcj_lon:.6f},{gcj_lat:.6f}&name="
    assert any(href.startswith(amap) for href in hrefs)
    for attrs in tags(page, "a"):
        if attrs["href"].startswith("http"):
            assert set(attrs.get("rel", "").split()) >= {"noopener", "noreferrer"}, attrs


def test_the_page_loads_nothing_from_elsewhere(client, county):
    response = client.get(f"/halls/county/nearby?{ORIGIN}")
    page = response.get_data(as_text=True)

    scripts = tags(page, "script")
    assert [s["src"] for s in scripts] == ["/static/public/nearby.js"]
    assert not re.search(r"<script[^>]*>[^<]", page)  # no inline script
    assert " style=" not in page and "<style" not in page
    assert not re.search(r'<(link|img|script|iframe)[^>]+(href|src)="(https?:)?//', page)
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    script = client.get("/static/public/nearby.js")
    assert script.status_code == 200
    text = script.get_data(as_text=True)
    assert "toFixed(3)" in text and "http" not in text.replace("https://", "")


def test_a_district_lists_its_places_by_name(client, county):
    page = client.get("/halls/county/nearby?district=白沙镇").get_data(as_text=True)

    assert place_names(page) == sorted(["派出所户籍室", "社会保险服务大厅"])
    assert "白沙镇的办理点" in page
    assert '<option value="白沙镇" selected>' in page


def test_a_district_with_a_position_is_sorted_by_distance(client, county):
    page = client.get(f"/halls/county/nearby?district=白沙镇&{ORIGIN}").get_data(as_text=True)

    assert place_names(page) == ["派出所户籍室", "社会保险服务大厅"]


@pytest.mark.parametrize(
    ("query", "zh", "en"),
    [
        ("lat=91&lon=120", "纬度必须在 -90 到 90 之间", "latitude must be between -90 and 90"),
        ("lat=30&lon=181", "经度必须在 -180 到 180 之间", "longitude must be between -180 and 180"),
        ("lat=abc&lon=120", "必须是十进制数字", "must be decimal numbers"),
        ("lat=NaN&lon=120", "有限的数字", "finite numbers"),
        ("lat=1e999&lon=120", "有限的数字", "finite numbers"),
        ("lat=30", "请同时填写纬度和经度", "give both latitude and longitude"),
        ("lat=0&lon=0", "不是有效的位置", "0,0 is not a real position"),
        ("lat=" + "9" * 5000 + "&lon=1", "必须是十进制数字", "must be decimal numbers"),
    ],
)
def test_bad_coordinates_get_a_400_with_the_reason(client, county, query, zh, en):
    response = client.get(f"/halls/county/nearby?{query}")

    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert zh in page and 'role="alert"' in page
    assert not place_names(page)
    assert '<select id="district"' in page  # the choice is still there
    assert en in client.get(f"/halls/county/nearby?{query}&lang=en").get_data(as_text=True)


def test_unknown_district_or_hall_is_a_404_not_a_500(client, county):
    response = client.get("/halls/county/nearby?district=火星镇")
    assert response.status_code == 404
    assert "本大厅在该乡镇（街道）没有办理点" in response.get_data(as_text=True)
    assert client.get("/halls/nowhere/nearby").status_code == 404


def test_the_position_is_never_logged(client, county, caplog):
    caplog.set_level(logging.DEBUG)

    client.get("/halls/county/nearby?lat=30.123&lon=120.456")
    client.get("/halls/county/nearby?lat=30.123&lon=999.456")

    assert "30.123" not in caplog.text and "120.456" not in caplog.text


def test_english_page_uses_english_place_names(client, county):
    point = db.session.scalars(
        db.select(ServicePoint).where(ServicePoint.name == "龙潭社保站")
    ).one()
    point.name_en = "Longtan Social Insurance Office"
    db.session.commit()

    page = client.get(f"/halls/county/nearby?{ORIGIN}&lang=en").get_data(as_text=True)

    assert "Longtan Social Insurance Office" in page and "Nearest to 30.000, 120.000" in page
    # The switch back to Chinese keeps the position.
    assert "/halls/county/nearby?lat=30.000&amp;lon=120.000&amp;lang=zh" in page
