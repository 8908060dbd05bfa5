"""Browse pages as a citizen's browser sees them: departments, sectors, audiences, topics, hot."""

from __future__ import annotations

import re

import pytest

from hall.extensions import db
from hall.halls import layouts
from hall.reports.models import ItemViewDay
from tests.builders import make_life_event, make_user
from tests.halls.test_browse import build_browse_hall
from tests.web_fixtures import index

BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36"
PAGES = (
    "/halls/county/departments",
    "/halls/county/sectors/social_security",
    "/halls/county/audiences/individual",
    "/halls/county/audiences/business",
    "/halls/county/topics",
    "/halls/county/topics/lost-job",
    "/halls/county/hot",
)


@pytest.fixture
def hall(app):
    built = build_browse_hall()
    make_life_event(
        "lost-job",
        item_ids=[
            built.sample.service.id,
            built.withdrawn_service.id,
            built.police_service.id,
            built.outsider_service.id,
        ],
        title="失业",
        title_en="Losing a job",
        audience="individual",
    )
    index(app)
    return built


def _page(client, path: str, **headers) -> str:
    response = client.get(path, headers=headers)
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


def _main(page: str) -> str:
    return page.split('<main id="main"', 1)[1]


def test_every_browse_page_is_a_light_accessible_page_without_script(client, hall):
    for path in PAGES:
        page = _page(client, path)
        assert len(page.encode()) < 100_000, path
        assert page.count("<h1") == 1, path
        assert not re.search(r'<script(?! type="application/ld\+json")', page), path
        assert " style=" not in page, path


def test_the_browse_row_links_every_browse_page_of_the_hall(app, client, hall):
    page = _page(client, "/halls/county/")

    row = page.split('<nav class="wrap browse"', 1)[1].split("</nav>", 1)[0]
    for path in ("departments", "topics", "audiences/individual", "audiences/business", "hot"):
        assert f'href="/halls/county/{path}"' in row
    assert ('href="/halls/county/nearby"' in row) == ("public.nearby" in app.view_functions)
    assert "个人办事" in row and "热门服务" in row


def test_the_browse_row_marks_the_current_page(client, hall):
    page = _page(client, "/halls/county/audiences/business")

    assert '<a href="/halls/county/audiences/business" aria-current="page">' in page
    assert '<a href="/halls/county/audiences/individual">' in page


def test_pages_outside_a_hall_link_the_browse_row_to_the_default_hall(client, hall):
    page = _page(client, "/departments/hrss")

    assert 'href="/halls/county/topics"' in page


def test_departments_page_groups_departments_by_sector_with_counts(client, hall):
    page = _main(_page(client, "/halls/county/departments"))

    assert page.index("公安") < page.index("人力社保")  # the fixed sector order
    assert 'href="/departments/hrss">市人力资源和社会保障局</a>' in page
    assert "3 项服务 · 1 条信息" in page
    assert 'href="/halls/county/sectors/social_security"' in page
    assert "市市场监督管理局" not in page  # not in the hall
    assert "县档案馆" not in page  # its only account is suspended


def test_sector_page_lists_departments_and_services(client, hall):
    page = _main(_page(client, "/halls/county/sectors/social_security"))

    assert "<h1>人力社保</h1>" in page
    assert "市人力资源和社会保障局" in page
    for title in ("失业保险金申领", "单位参保登记", "工伤认定"):
        assert title in page
    assert "居民身份证换领" not in page  # another sector
    assert "旧网站社保查询" not in page and "已撤下的社保服务" not in page


def test_audience_pages_list_the_services_and_topics_for_that_audience(client, hall):
    individual = _main(_page(client, "/halls/county/audiences/individual"))
    business = _main(_page(client, "/halls/county/audiences/business"))

    for title in ("居民身份证换领", "失业保险金申领", "工伤认定"):
        assert title in individual
    for title in (
        "单位参保登记",
        "个体工商户登记",
        "旧网站社保查询",
        "已撤下的社保服务",
        "档案查询",
    ):
        assert title not in individual
    assert 'href="/halls/county/topics/lost-job">失业</a>' in individual
    assert "单位参保登记" in business and "工伤认定" in business
    assert "居民身份证换领" not in business and "失业" not in business
    assert "可网上办理" in business and "需到现场 1 次" in individual


@pytest.mark.parametrize(
    "path",
    [
        "/halls/county/sectors/nowhere",
        "/halls/county/sectors/%3Cscript%3E",
        "/halls/county/audiences/everyone",
        "/halls/county/topics/nowhere",
        "/halls/nowhere/departments",
        "/halls/nowhere/hot",
        "/halls/nowhere/topics/lost-job",
    ],
)
def test_unknown_sectors_audiences_topics_and_halls_are_404_pages(client, hall, path):
    response = client.get(path)

    assert response.status_code == 404
    assert "页面不存在" in response.get_data(as_text=True)


@pytest.mark.parametrize("page", ["abc", "-1", "0", "9" * 500, "1.5"])
def test_odd_page_numbers_show_the_first_page(client, hall, page):
    for path in ("/halls/county/audiences/individual", "/halls/county/sectors/social_security"):
        html = _page(client, f"{path}?page={page}")
        assert "页码无法识别" in html
        assert "失业保险金申领" in html


def test_a_page_past_the_end_says_so(client, hall):
    html = _page(client, "/halls/county/audiences/individual?page=50")

    assert "失业保险金申领" not in _main(html)
    assert 'href="/halls/county/audiences/individual"' in html  # back to the first page


def test_topics_page_lists_the_life_events(client, hall):
    page = _main(_page(client, "/halls/county/topics"))

    assert 'href="/halls/county/topics/lost-job">失业</a>' in page
    assert "共 2 步" in page  # the withdrawn and the outside steps are not counted


def test_a_topic_page_shows_live_steps_in_order_and_never_a_broken_link(client, hall):
    page = _main(_page(client, "/halls/county/topics/lost-job"))

    first = page.index(f'href="/items/{hall.sample.service.id}"')
    second = page.index(f'href="/items/{hall.police_service.id}"')
    assert first < second
    assert "第 1 步" in page and "第 2 步" in page and "第 3 步" not in page
    assert "已撤下的社保服务" not in page and "个体工商户登记" not in page
    assert 'href="/departments/police">市公安局</a>' in page
    assert 'href="https://zwfw.example.gov.cn/apply/12345" rel="noopener noreferrer"' in page
    assert "无需到现场" in page and "暂不支持网上办理" in page
    for item_id in re.findall(r'href="/items/(\d+)"', page):
        assert client.get(f"/items/{item_id}").status_code == 200


def test_a_topic_page_in_english(client, hall):
    page = _page(client, "/halls/county/topics/lost-job?lang=en")

    assert "<h1>Losing a job</h1>" in page
    assert "Step 1" in page and "Can be done online" in page
    assert "Human Resources and Social Security Bureau" in page


def test_viewing_a_service_page_counts_once_per_request_and_bots_not_at_all(client, hall):
    path = f"/items/{hall.police_service.id}"
    for agent in (BROWSER, BROWSER, "Mozilla/5.0 (compatible; bingbot/2.0)", "curl/8.5"):
        assert client.get(path, headers={"User-Agent": agent}).status_code == 200
    client.get(f"/items/{hall.sample.notice.id}", headers={"User-Agent": BROWSER})

    rows = db.session.query(ItemViewDay).all()
    assert [(row.item_id, row.views) for row in rows] == [(hall.police_service.id, 2)]


def test_hot_services_follow_what_citizens_open(client, hall):
    for item, times in ((hall.both_service, 1), (hall.police_service, 3)):
        for _ in range(times):
            client.get(f"/items/{item.id}", headers={"User-Agent": BROWSER})

    hot = _main(_page(client, "/halls/county/hot"))
    home = _page(client, "/halls/county/")

    assert hot.index("居民身份证换领") < hot.index("工伤认定")
    assert "单位参保登记" not in hot  # never opened
    assert "近 30 天群众查看最多的服务。" in hot
    section = home.split('<section class="hot-services">', 1)[1].split("</section>", 1)[0]
    assert section.index("居民身份证换领") < section.index("工伤认定")
    assert 'href="/halls/county/hot"' in section


def test_hot_services_show_the_newest_before_anyone_looks(client, hall):
    hot = _main(_page(client, "/halls/county/hot"))

    assert "近期还没有人查看服务，以下为最新服务。" in hot
    assert "工伤认定" in hot and "个体工商户登记" not in hot


def test_a_view_that_cannot_be_counted_never_fails_the_page(app, client, hall):
    db.session.commit()
    ItemViewDay.__table__.drop(db.engine)

    response = client.get(f"/items/{hall.police_service.id}", headers={"User-Agent": BROWSER})

    assert response.status_code == 200
    assert "居民身份证换领" in response.get_data(as_text=True)
    ItemViewDay.__table__.create(db.engine)


def test_a_life_events_section_links_to_the_topic_pages(client, hall):
    admin = make_user("root", role="admin")
    sections = [
        {"type": "life_events", "settings": {"topics": []}},
        {"type": "life_events", "settings": {"topics": ["失业", "办理退休手续"]}},
    ]
    layouts.edit_draft(admin, "county", sections=sections)
    layouts.publish(admin, "county")
    db.session.commit()

    page = _page(client, "/halls/county/")

    assert page.count('href="/halls/county/topics/lost-job">失业</a>') == 2
    assert "/halls/county/search?q=" in page and "办理退休手续" in page
    assert 'href="/halls/county/topics">全部主题服务</a>' in page


def test_the_built_in_home_page_has_a_hot_services_section(client, hall):
    page = _page(client, "/halls/county/")

    assert '<section class="hot-services">' in page
    assert "<h2>热门服务</h2>" in page
