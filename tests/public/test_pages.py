"""Citizen pages, as a citizen's browser sees them."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from hall.directory.models import Account
from hall.errors import PAGE_TEXTS
from hall.extensions import db
from hall.i18n import catalogue
from tests.builders import make_item
from tests.web_fixtures import build_sample_hall, index, page_result_ids

TEMPLATES = Path(__file__).resolve().parents[2] / "hall" / "public" / "templates"
STATIC = Path(__file__).resolve().parents[2] / "hall" / "public" / "static"


@pytest.fixture
def sample(app):
    sample = build_sample_hall()
    index(app)
    return sample


def test_home_shows_departments_services_and_latest_notices(client, sample):
    page = client.get("/").get_data(as_text=True)

    assert "某某市政务服务大厅" in page
    assert "失业保险金申领" in page  # a service
    # Latest notices, newest first.
    assert page.index(sample.notice.title) < page.index(sample.police_notice.title)
    assert "人力社保" in page and "市人力资源和社会保障局" in page
    assert "2 条" in page  # the HR bureau's items: the service and one notice
    assert "市市场监督管理局" not in page  # not a member of this hall
    assert "社会保险已撤下的通知" not in page


def test_search_shows_highlighted_results_with_facets(client, sample):
    response = client.get("/halls/county/search?q=社会保险")
    page = response.get_data(as_text=True)

    assert response.status_code == 200
    ids = page_result_ids(page)
    assert set(ids) == {sample.notice.id, sample.police_notice.id}
    assert "<mark>社会保险</mark>" in page
    assert "市人社局门户网站" in page and "平安某市" in page  # department and account names
    assert "2024-05-01" in page  # published 02:00 UTC is 10:00 the same day in China
    # Facets: each a link that adds the filter, with its count.
    sector_link = r'href="[^"]*sector=social_security[^"]*">人力社保</a>\s*<span class="n">1<'
    assert re.search(sector_link, page)
    assert re.search(r'href="[^"]*department=police[^"]*">市公安局</a>', page)


def test_items_outside_the_hall_or_withdrawn_never_appear(client, sample):
    page = client.get("/halls/county/search?q=社会保险").get_data(as_text=True)

    for hidden in (sample.outsider, sample.suspended, sample.withdrawn):
        assert hidden.title not in page


def test_a_facet_link_filters_and_its_chip_removes_the_filter(client, sample):
    page = client.get("/halls/county/search?q=社会保险&department=police").get_data(as_text=True)

    assert page_result_ids(page) == [sample.police_notice.id]
    assert "部门：市公安局" in page
    remove = re.search(r'<a href="([^"]*)" title="取消筛选">部门', page).group(1)
    assert "department" not in remove and "q=" in remove
    assert len(page_result_ids(client.get(remove).get_data(as_text=True))) == 2


def test_paging_links_walk_through_results(app, client, sample):
    for number in range(12):
        make_item(f"社会保险宣传第{number}期", connector="hrss-web-feed")
    index(app)

    first = client.get("/halls/county/search?q=社会保险宣传").get_data(as_text=True)
    second_link = re.search(r'<a rel="next" href="([^"]*)"', first).group(1)
    second = client.get(second_link.replace("&amp;", "&")).get_data(as_text=True)

    assert len(page_result_ids(first)) == 10 and len(page_result_ids(second)) == 2
    assert not set(page_result_ids(first)) & set(page_result_ids(second))
    assert "第 2 页，共 2 页" in second


def test_no_results_page_offers_suggestions(client, sample):
    response = client.get("/halls/county/search?q=火星移民签证&kind=service")
    page = response.get_data(as_text=True)

    assert response.status_code == 200
    assert "没有找到结果" in page
    assert "去掉筛选条件再搜索" in page
    assert "按部门浏览服务" in page


@pytest.mark.parametrize(
    ("query", "notice"),
    [
        ("page=abc", "页码无法识别"),
        ("page=-1", "页码无法识别"),
        ("page=" + "9" * 5000, "页码无法识别"),
        ("sector=nowhere", "以下筛选条件无法识别，已忽略：领域"),
        ("kind=<b>x</b>", "以下筛选条件无法识别，已忽略：类型"),
        ("department=market", "已忽略：部门"),  # a real department, but not in this hall
        ("page=40", "该页已超出结果的最后一页"),
    ],
)
def test_odd_addresses_get_a_friendly_page(client, sample, query, notice):
    response = client.get(f"/halls/county/search?q=社会保险&{query}")

    assert response.status_code == 200
    assert notice in response.get_data(as_text=True)
    assert "<b>x</b>" not in response.get_data(as_text=True)


def test_service_page_lays_out_the_guide(client, sample):
    page = client.get(f"/items/{sample.service.id}").get_data(as_text=True)

    for expected in (
        "办事指南",
        "11330100MB0000000X4000012345000",  # item code
        "行政给付",
        "《失业保险条例》第十四条",
        "居民身份证",
        "容缺",  # deferrable material
        "复印件",
        "纸质或电子",
        "20 个工作日",  # statutory
        "5 个工作日",  # promised
        "承诺件",
        "零跑动",
        "不收费",
        "人民路100号市民中心二楼",
        "工作日 9:00-17:00",
        'href="tel:057112345678"',
        "12333",
        "失业保险金每月什么时候发放？",
    ):
        assert expected in page, expected
    assert 'href="https://hrss.example.gov.cn/forms/jiechu.docx" rel="noopener noreferrer"' in page
    assert "javascript:" not in page  # a blank form and an account link with javascript: URLs


def test_content_page_shows_the_sanitised_body_and_its_source(client, sample):
    page = client.get(f"/items/{sample.notice.id}").get_data(as_text=True)

    assert "<p>自2024年7月1日起" in page  # body_html, rendered as HTML
    assert 'href="https://hrss.example.gov.cn/notices/1" rel="noopener noreferrer"' in page
    assert "市人力资源和社会保障局" in page and "2024-05-01" in page


def test_withdrawn_item_is_gone_with_a_friendly_page(client, sample):
    response = client.get(f"/items/{sample.withdrawn.id}")
    page = response.get_data(as_text=True)

    assert response.status_code == 410
    assert "来源已撤下此内容" in page
    assert "搜索相似内容" in page


@pytest.mark.parametrize(
    "path", ["/items/999999", "/halls/nowhere/", "/departments/nowhere", "/nowhere"]
)
def test_unknown_addresses_are_404_pages(client, sample, path):
    response = client.get(path)

    assert response.status_code == 404
    assert "页面不存在" in response.get_data(as_text=True)


def test_items_of_suspended_accounts_are_not_shown(client, sample):
    assert client.get(f"/items/{sample.suspended.id}").status_code == 404


def test_titles_with_markup_are_escaped_in_results_and_item_pages(app, client, sample):
    hostile = make_item(
        '<script>alert("x")</script>社会保险<img src=x onerror=alert(1)>',
        connector="hrss-web-feed",
        kind="service",
        guide={"materials": [{"name": "<script>alert(2)</script>"}], "fee": {"charged": True}},
    )
    index(app)

    results = client.get("/halls/county/search?q=社会保险").get_data(as_text=True)
    item_page = client.get(f"/items/{hostile.id}").get_data(as_text=True)

    assert hostile.id in page_result_ids(results)
    for page in (results, item_page):
        # The one script element allowed is JSON-LD: data, which browsers never run.
        assert not re.search(r'<script(?! type="application/ld\+json")', page)
        assert "<img src=x" not in page
        assert "&lt;script&gt;" in page


def test_every_page_sends_security_headers(client, sample):
    for path in ("/", "/halls/county/search?q=社保", f"/items/{sample.service.id}", "/nowhere"):
        headers = client.get(path).headers
        policy = headers["Content-Security-Policy"]
        assert "default-src 'self'" in policy
        assert "img-src 'self' data:" in policy
        assert "frame-ancestors 'none'" in policy
        assert "unsafe-inline" not in policy
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"]


def test_pages_carry_no_script_inline_style_or_foreign_resource(client, sample):
    paths = ("/", "/halls/county/search?q=社会保险", "/departments/hrss")
    for path in (*paths, f"/items/{sample.service.id}"):
        page = client.get(path).get_data(as_text=True)
        assert not re.search(r'<script(?! type="application/ld\+json")', page)  # data only
        assert " style=" not in page
        assert not re.search(r'<(link|img)[^>]+(href|src)="(https?:)?//', page)


def test_links_to_sources_open_without_a_referrer_or_opener(client, sample):
    for path in (f"/items/{sample.service.id}", f"/items/{sample.notice.id}", "/departments/hrss"):
        anchors = _anchors(client.get(path).get_data(as_text=True))
        external = [attrs for attrs in anchors if attrs.get("href", "").startswith("http")]
        assert external
        for attrs in external:
            assert set(attrs.get("rel", "").split()) >= {"noopener", "noreferrer"}, attrs


def test_english_switch_sets_a_cookie_and_sticks(client, sample):
    switched = client.get("/?lang=en")
    later = client.get(f"/items/{sample.service.id}")

    assert "Latest notices" in switched.get_data(as_text=True)
    assert '<html lang="en">' in switched.get_data(as_text=True)
    assert "lang=en" in switched.headers["Set-Cookie"]
    assert "Free of charge" in later.get_data(as_text=True)
    assert "20 working days" in later.get_data(as_text=True)
    assert "最新信息" in client.get("/?lang=zh").get_data(as_text=True)


def test_default_page_is_chinese_with_a_link_to_english(client, sample):
    response = client.get("/halls/county/search?q=社会保险&sector=social_security")
    page = response.get_data(as_text=True)

    assert '<html lang="zh-CN">' in page
    link = re.search(r'<a href="([^"]+)" lang="en"', page).group(1).replace("&amp;", "&")
    assert "lang=en" in link and "sector=social_security" in link


def test_department_page_lists_names_accounts_and_items_newest_first(client, sample):
    page = client.get("/departments/hrss").get_data(as_text=True)

    assert "市人力资源和社会保障局" in page
    assert "Human Resources and Social Security Bureau" in page
    assert "人社局" in page and "市人社局" in page  # short name and alias
    assert "市人社局门户网站" in page
    assert "人社旧网站" not in page  # suspended
    assert page_result_ids(page) == [sample.notice.id, sample.service.id]


def test_hall_without_accounts_shows_an_empty_home(client, app):
    from tests.builders import make_hall

    make_hall("empty", [])
    db.session.commit()

    response = client.get("/halls/empty/")
    assert response.status_code == 200
    assert "暂无内容" in response.get_data(as_text=True)
    assert client.get("/halls/empty/search?q=社保").status_code == 200


def test_stylesheet_is_served_and_light(client):
    response = client.get("/static/public/hall.css")

    assert response.status_code == 200
    assert sum(path.stat().st_size for path in STATIC.rglob("*") if path.is_file()) < 100_000


def test_every_message_a_page_uses_has_a_chinese_translation():
    used = set()
    for template in TEMPLATES.rglob("*.html"):
        used |= set(re.findall(r'_\(\s*"([^"]+)"', template.read_text()))
        used |= set(re.findall(r"_\(\s*'([^']+)'", template.read_text()))
    used |= {text for pair in PAGE_TEXTS.values() for text in pair}
    from hall.public.templating import FILTER_TITLES, TIME_UNITS, VALUE_LABELS

    used |= set(FILTER_TITLES.values()) | set(TIME_UNITS.values())
    used |= {label for labels in VALUE_LABELS.values() for label in labels.values()}

    assert used - catalogue().keys() == set()


class _AnchorParser(HTMLParser):
    def __init__(self):
        super().__init__()
        self.anchors: list[dict[str, str]] = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self.anchors.append({name: value or "" for name, value in attrs})


def _anchors(html: str) -> list[dict[str, str]]:
    parser = _AnchorParser()
    parser.feed(html)
    return parser.anchors


def test_links_leave_ignored_filters_behind(client, sample):
    page = client.get("/halls/county/search?q=社会保险&sector=nowhere").get_data(as_text=True)

    hrefs = [attrs["href"] for attrs in _anchors(page) if "href" in attrs]
    assert any("department=" in href for href in hrefs)  # facet links are there
    assert not [href for href in hrefs if "nowhere" in href]


def test_names_with_markup_are_escaped_once_in_facets_and_chips(app, client, sample):
    from hall.halls.models import Hall
    from tests.builders import make_account, make_connector, make_department

    make_department("odd", "other", name="<b>市</b>&局")
    make_account("odd-web", "odd", name="<i>账号</i>")
    make_connector("odd-feed", "odd-web")
    hall = db.session.get(Hall, "county")
    hall.accounts.append(db.session.get(Account, "odd-web"))
    make_item("社会保险宣传", connector="odd-feed")
    index(app)

    page = client.get("/halls/county/search?q=社会保险&department=odd&account=odd-web")
    html = page.get_data(as_text=True)

    assert "部门：&lt;b&gt;市&lt;/b&gt;&amp;局" in html  # the chip
    assert "账号：&lt;i&gt;账号&lt;/i&gt;" in html
    assert "<b>市" not in html and "&amp;lt;" not in html
