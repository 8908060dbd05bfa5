"""Browsing a hall: departments, sectors, audiences, life events and hot services."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest

from hall.catalog.models import Item
from hall.directory.models import Account
from hall.extensions import db
from hall.halls import browse
from hall.halls.services import get_hall
from hall.reports.models import ItemViewDay
from hall.timestamps import utcnow
from hall.workdays import china_date
from tests.builders import (
    make_account,
    make_connector,
    make_department,
    make_item,
    make_life_event,
)
from tests.web_fixtures import SampleHall, build_sample_hall, index


@dataclass
class BrowseHall:
    sample: SampleHall
    police_service: Item  # individuals, one visit
    business_service: Item  # businesses, online
    both_service: Item  # individuals and businesses
    outsider_service: Item  # the market bureau's: not in the hall
    suspended_service: Item  # of the suspended account in the hall
    withdrawn_service: Item  # tombstoned


def build_browse_hall() -> BrowseHall:
    """The sample county hall with services for each audience, and some never shown."""
    sample = build_sample_hall()
    # A department whose only account in the hall is suspended: it never shows.
    make_department("archive", "other", name="县档案馆")
    make_account("archive-web", "archive", filing_status="suspended")
    make_connector("archive-web-feed", "archive-web")
    county = get_hall("county")
    county.accounts = [*county.accounts, db.session.get(Account, "archive-web")]

    def service(title: str, connector: str, guide: dict, **values) -> Item:
        return make_item(title, connector=connector, kind="service", guide=guide, **values)

    individual = {"audience": ["individual"]}
    result = BrowseHall(
        sample=sample,
        police_service=service("居民身份证换领", "police-web-feed", {**individual, "visits": 1}),
        business_service=service(
            "单位参保登记",
            "hrss-web-feed",
            {"audience": ["business"], "online_url": "https://hrss.example.gov.cn/do"},
        ),
        both_service=service("工伤认定", "hrss-web-feed", {"audience": ["individual", "business"]}),
        outsider_service=service("个体工商户登记", "market-web-feed", individual),
        suspended_service=service("旧网站社保查询", "hrss-old-feed", individual),
        withdrawn_service=service("已撤下的社保服务", "hrss-web-feed", individual, tombstoned=True),
    )
    service("档案查询", "archive-web-feed", individual)
    db.session.commit()
    return result


@pytest.fixture
def hall(app):
    built = build_browse_hall()
    index(app)
    with app.test_request_context("/"):
        yield built


def _titles(rows) -> list[str]:
    return [row.title for row in rows]


def _page_titles(page: browse.ServicePage) -> list[str]:
    return [
        row.title
        for group in page.groups
        for department in group.departments
        for row in department.rows
    ]


def test_departments_are_grouped_by_sector_with_service_and_notice_counts(hall):
    sectors = browse.hall_departments(get_hall("county"), "zh")

    assert [entry.sector for entry in sectors] == ["public_security", "social_security"]
    police, hrss = sectors[0].departments[0], sectors[1].departments[0]
    assert (police.name, police.services, police.notices) == ("市公安局", 1, 1)
    assert (hrss.name, hrss.services, hrss.notices) == ("市人力资源和社会保障局", 3, 1)
    assert sectors[1].label == "人力社保"
    # The market bureau is outside the hall; the archive's only account is suspended.
    names = {d.name for entry in sectors for d in entry.departments}
    assert "市市场监督管理局" not in names and "县档案馆" not in names


def test_english_names_and_labels(hall):
    sectors = browse.hall_departments(get_hall("county"), "en")

    assert sectors[1].label == "Human resources & social security"
    assert sectors[1].departments[0].name == "Human Resources and Social Security Bureau"


def test_sector_page_lists_its_departments_and_services(hall):
    found = browse.sector_page(get_hall("county"), "social_security", 1, "zh")

    assert [d.id for d in found.departments] == ["hrss"]
    assert set(_titles(found.services.rows)) == {"失业保险金申领", "单位参保登记", "工伤认定"}


def test_sector_of_the_fixed_list_without_departments_is_empty(hall):
    found = browse.sector_page(get_hall("county"), "tax", 1, "zh")

    assert found.departments == [] and found.services.rows == []


@pytest.mark.parametrize("sector", ["nowhere", "", "SOCIAL_SECURITY", "<b>"])
def test_unknown_sector_is_refused(hall, sector):
    with pytest.raises(browse.UnknownBrowseValueError):
        browse.sector_page(get_hall("county"), sector, 1, "zh")


def test_services_for_individuals_are_grouped_by_sector_then_department(hall):
    page = browse.audience_services(get_hall("county"), "individual", 1, "zh")

    assert page.total == 3
    assert [group.sector for group in page.groups] == ["public_security", "social_security"]
    assert _page_titles(page) == ["居民身份证换领", "失业保险金申领", "工伤认定"]


def test_services_for_businesses(hall):
    page = browse.audience_services(get_hall("county"), "business", 1, "zh")

    assert _page_titles(page) == ["单位参保登记", "工伤认定"]
    row = page.groups[0].departments[0].rows[0]
    assert row.online_url == "https://hrss.example.gov.cn/do"


def test_audience_lists_are_paged(hall, monkeypatch):
    monkeypatch.setattr(browse, "PER_PAGE", 2)
    county = get_hall("county")

    first = browse.audience_services(county, "individual", 1, "zh")
    second = browse.audience_services(county, "individual", 2, "zh")
    beyond = browse.audience_services(county, "individual", 3, "zh")

    assert (first.total, first.pages) == (3, 2)
    assert _page_titles(first) + _page_titles(second) == [
        "居民身份证换领",
        "失业保险金申领",
        "工伤认定",
    ]
    assert beyond.past_the_end and beyond.groups == []


def test_unknown_audience_is_refused(hall):
    with pytest.raises(browse.UnknownBrowseValueError):
        browse.audience_services(get_hall("county"), "everyone", 1, "zh")


def test_a_topic_shows_its_live_steps_in_order_with_notes(hall):
    topic = make_life_event(
        "lost-job",
        item_ids=[
            hall.police_service.id,
            hall.withdrawn_service.id,
            hall.outsider_service.id,
            hall.sample.service.id,
            hall.suspended_service.id,
        ],
        title="失业",
        title_en="Losing a job",
    )
    topic.steps[3].note = "先办理失业登记。"
    topic.steps[3].note_en = "Register as unemployed first."
    db.session.commit()

    found = browse.topic_page(get_hall("county"), "lost-job", "zh")
    english = browse.topic_page(get_hall("county"), "lost-job", "en")

    assert found.title == "失业" and english.title == "Losing a job"
    assert [(s.number, s.service.title) for s in found.steps] == [
        (1, "居民身份证换领"),
        (2, "失业保险金申领"),
    ]
    assert found.steps[1].note == "先办理失业登记。"
    assert english.steps[1].note == "Register as unemployed first."
    police, hrss = found.steps[0].service, found.steps[1].service
    assert (police.department_name, police.online_url, police.visits) == ("市公安局", None, 1)
    assert (hrss.online_url, hrss.visits) == ("https://zwfw.example.gov.cn/apply/12345", 0)


def test_unknown_topic_or_another_halls_topic_is_not_found(hall):
    from tests.builders import make_hall

    make_hall("city", ["hrss-web"])
    make_life_event("city-only", hall="city", item_ids=[hall.sample.service.id])

    for slug in ("nowhere", "city-only"):
        with pytest.raises(browse.TopicNotFoundError):
            browse.topic_page(get_hall("county"), slug, "zh")


def test_topic_lists_leave_out_topics_with_nothing_to_show_and_filter_by_audience(hall):
    make_life_event("baby", item_ids=[hall.police_service.id], audience="individual", position=1)
    make_life_event("company", item_ids=[hall.business_service.id], audience="business")
    make_life_event("gone", item_ids=[hall.withdrawn_service.id, hall.outsider_service.id])
    make_life_event("everyone", item_ids=[hall.both_service.id], position=2)
    county = get_hall("county")

    assert [t.slug for t in browse.hall_topics(county, "zh")] == ["company", "baby", "everyone"]
    assert [t.slug for t in browse.hall_topics(county, "zh", "individual")] == ["baby", "everyone"]
    assert [t.slug for t in browse.hall_topics(county, "zh", "business")] == ["company", "everyone"]
    assert browse.hall_topics(county, "zh")[0].url == "/halls/county/topics/company"


def test_section_topics_link_named_topics_and_search_for_the_rest(hall):
    make_life_event("baby", item_ids=[hall.police_service.id], title="生孩子", title_en="Baby")
    county = get_hall("county")

    every = browse.section_topics(county, [], "zh")
    named = browse.section_topics(county, ["办理退休手续", "生孩子", "BABY"], "zh")

    assert [(t.title, t.url) for t in every] == [("生孩子", "/halls/county/topics/baby")]
    assert named[0].title == "办理退休手续" and named[0].url.startswith("/halls/county/search?q=")
    assert [t.url for t in named[1:]] == ["/halls/county/topics/baby"] * 2


def _views(item: Item, views: int, days_ago: int = 0) -> None:
    day = china_date(utcnow()) - timedelta(days=days_ago)
    db.session.add(ItemViewDay(item_id=item.id, day=day, views=views))
    db.session.commit()


def test_hot_services_rank_views_of_the_window_within_the_hall(app, hall):
    _views(hall.police_service, 3)
    _views(hall.police_service, 2, days_ago=5)
    _views(hall.both_service, 4)
    _views(hall.business_service, 100, days_ago=30)  # outside the 30 days
    _views(hall.outsider_service, 500)  # not in this hall
    _views(hall.withdrawn_service, 500)  # withdrawn

    rows = browse.hot_services(get_hall("county"), "zh")

    assert [(row.title, row.views) for row in rows] == [("居民身份证换领", 5), ("工伤认定", 4)]
    app.config["HOT_SERVICES_DAYS"] = 31
    assert browse.hot_services(get_hall("county"), "zh")[0].title == "单位参保登记"


def test_hot_services_fall_back_to_the_newest_when_nothing_was_viewed(hall):
    rows = browse.hot_services(get_hall("county"), "zh", count=2)

    assert [row.views for row in rows] == [0, 0]
    assert {row.title for row in rows} <= {
        "居民身份证换领",
        "单位参保登记",
        "工伤认定",
        "失业保险金申领",
    }
    assert len(rows) == 2


def test_count_view_adds_to_one_row_per_item_and_day(hall):
    agent = "Mozilla/5.0 (Windows NT 10.0) AppleWebKit/537.36 Chrome/120 Safari/537.36"

    assert browse.count_view(hall.police_service, agent)
    assert browse.count_view(hall.police_service, agent)
    assert not browse.count_view(hall.sample.notice, agent)  # notices are not ranked

    rows = db.session.query(ItemViewDay).all()
    assert [(row.item_id, row.views) for row in rows] == [(hall.police_service.id, 2)]


@pytest.mark.parametrize(
    "agent",
    [
        "",
        None,
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        "Mozilla/5.0 (compatible; Baiduspider/2.0)",
        "curl/8.5.0",
        "python-requests/2.31",
        "Wget/1.21",
    ],
)
def test_bots_are_not_counted(hall, agent):
    assert browse.is_bot(agent)
    assert not browse.count_view(hall.police_service, agent)
    assert db.session.query(ItemViewDay).count() == 0
