"""A citizen in a real browser: follows a life event, finds the nearest service point with
the browser's location, asks a department and follows the answer, rates a service, and
switches language and the elder-friendly mode. axe-core checks every page on the way."""

from __future__ import annotations

import re

import pytest

from hall.directory.models import ServicePoint
from hall.extensions import db
from tests.browser.test_governance_journey import follow, sign_in
from tests.builders import make_item, make_life_event, make_user
from tests.web_fixtures import build_sample_hall, index

pytestmark = pytest.mark.browser

# Three places at known distances from the citizen (about 0.1 km, 1.1 km and 5.5 km).
HERE = (30.2741, 120.1551)
POINTS = [
    ("县政务服务中心", "hrss", 30.2750, 120.1551),
    ("城东派出所户籍窗口", "police", 30.2841, 120.1551),
    ("南山镇便民服务中心", "hrss", 30.2241, 120.1551),
]


@pytest.fixture
def county(app):
    app.config["MESSAGE_MIN_SECONDS"] = 0  # a person fills the form at browser speed here
    sample = build_sample_hall()
    card = make_item(
        "社会保障卡申领",
        "首次申领社会保障卡。",
        connector="hrss-web-feed",
        kind="service",
        guide={"audience": ["individual"], "fee": {"charged": False}},
    )
    make_life_event(
        "job",
        item_ids=[sample.service.id, card.id],
        title="失业与再就业",
        title_en="Losing a job and finding work",
    )
    for name, department, latitude, longitude in POINTS:
        db.session.add(
            ServicePoint(
                department_id=department,
                name=name,
                district="城关街道" if "南山" not in name else "南山镇",
                latitude=latitude,
                longitude=longitude,
                address=f"{name}地址",
            )
        )
    make_user("op-hrss", departments=["hrss"])
    index(app)
    return sample


def test_following_a_life_event_to_a_service_guide(county, page, live_server, check_accessible):
    page.goto(f"{live_server}/halls/county/")
    follow(
        page, page.get_by_role("navigation", name="分类浏览").get_by_role("link", name="主题服务")
    )
    check_accessible(page, "life events")
    follow(page, page.get_by_role("link", name="失业与再就业"))
    steps = page.locator("main ol li")
    assert steps.count() == 2
    assert "失业保险金申领" in steps.nth(0).inner_text()  # in the curated order
    assert "社会保障卡申领" in steps.nth(1).inner_text()
    check_accessible(page, "a life event")
    follow(page, steps.nth(0).get_by_role("link", name="失业保险金申领", exact=True))
    assert page.locator("h1").inner_text() == "失业保险金申领"


def test_the_nearest_service_point_with_the_browsers_location(
    county, open_page, live_server, check_accessible
):
    latitude, longitude = HERE
    page = open_page(
        locale="zh-CN",
        geolocation={"latitude": latitude, "longitude": longitude},
        permissions=["geolocation"],
    )
    page.goto(f"{live_server}/halls/county/nearby")
    check_accessible(page, "nearby, before a location")
    follow(page, page.get_by_role("button", name="使用我的位置"))
    assert "lat=30.274" in page.url and "lon=120.155" in page.url  # rounded to ~100 m
    names = page.locator("main h2, main h3").all_inner_texts()
    order = [name for name in names if any(p[0] in name for p in POINTS)]
    assert [p[0] for p in POINTS if any(p[0] in n for n in order)] == [p[0] for p in POINTS]
    assert order[0].startswith("县政务服务中心")
    main = page.locator("main").inner_text()
    assert re.search(r"1\.1\s*km|1\.1\s*公里", main), main
    links = page.locator("main a[href^='geo:']")
    assert links.count() >= 3
    check_accessible(page, "nearby, sorted by distance")


def test_a_refused_location_is_explained_and_the_district_form_stays(
    county, open_page, live_server
):
    page = open_page(locale="zh-CN", permissions=[])
    page.goto(f"{live_server}/halls/county/nearby")
    page.get_by_role("button", name="使用我的位置").click()
    status = page.locator("[aria-live]")
    status.filter(has_text=re.compile(".+")).first.wait_for()
    assert page.locator("select#district").is_visible()
    follow(page, page.get_by_role("button", name="查看办理点"))


def test_asking_a_department_and_following_the_answer(
    county, open_page, live_server, check_accessible
):
    citizen = open_page(locale="zh-CN")
    citizen.goto(f"{live_server}/items/{county.service.id}")
    follow(citizen, citizen.get_by_role("link", name="就此向部门咨询"))
    check_accessible(citizen, "message form")
    citizen.get_by_label("咨询").check()
    citizen.get_by_label("标题").fill("失业保险金到账时间")
    citizen.get_by_label("您的留言").fill("我上月提交了申请，请问多久能到账？")
    follow(citizen, citizen.get_by_role("button", name="提交"))
    assert citizen.locator("h1").count() == 1, citizen.content()[:3000]
    assert citizen.locator("h1").inner_text() == "留言已提交"
    follow_link = citizen.locator("main a[href*='/messages/']").first.get_attribute("href")
    check_accessible(citizen, "message sent")

    citizen.goto(live_server + follow_link if follow_link.startswith("/") else follow_link)
    assert "待答复" in citizen.locator("main").inner_text()
    check_accessible(citizen, "message status")

    operator = open_page(locale="zh-CN")
    sign_in(operator, live_server, "op-hrss")
    operator.goto(f"{live_server}/console/messages")
    follow(operator, operator.get_by_role("link", name="失业保险金到账时间"))
    operator.get_by_label("答复群众").fill("已审核通过，将于本月15日前发放。")
    follow(operator, operator.get_by_role("button", name="发送回复"))

    citizen.reload()
    text = citizen.locator("main").inner_text()
    assert "已答复" in text
    assert "已审核通过，将于本月15日前发放。" in text
    check_accessible(citizen, "message answered")


def test_rating_a_service(county, page, live_server, check_accessible):
    page.goto(f"{live_server}/items/{county.service.id}")
    form = page.locator("form", has=page.get_by_role("group", name=re.compile("满意")))
    form.get_by_label("满意", exact=True).check()
    form.get_by_label(re.compile("意见")).fill("窗口人员很耐心。")
    follow(page, form.get_by_role("button", name="提交评价"))
    assert "感谢" in page.locator("h1").inner_text()
    check_accessible(page, "rating thanks")
    page.goto(f"{live_server}/items/{county.service.id}")
    assert "1" in page.locator("main").inner_text()


def test_language_and_elder_friendly_mode_stay_chosen(county, page, live_server, check_accessible):
    page.goto(f"{live_server}/halls/county/")
    follow(page, page.get_by_role("link", name="English"))
    follow(page, page.get_by_role("link", name="Elder-friendly mode"))
    assert page.locator("body.elder").count() == 1
    follow(
        page, page.get_by_role("navigation", name="Browse").get_by_role("link", name="Departments")
    )
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("body.elder").count() == 1
    check_accessible(page, "departments, English, elder-friendly mode")
    follow(page, page.get_by_role("link", name="Standard mode"))
    assert page.locator("body.elder").count() == 0
    follow(page, page.get_by_role("link", name="中文"))
    assert page.locator("html").get_attribute("lang") == "zh-CN"


@pytest.mark.parametrize(
    "path",
    [
        "/halls/county/departments",
        "/halls/county/sectors/social_security",
        "/halls/county/audiences/individual",
        "/halls/county/hot",
        "/halls/county/questions",
        "/halls/county/nearby?district=城关街道",
        "/halls/county/search?q=社会保险&tab=services",
    ],
)
def test_browse_pages_have_no_violations(county, page, live_server, check_accessible, path):
    page.goto(live_server + path)
    assert page.locator("h1").count() == 1
    check_accessible(page)
