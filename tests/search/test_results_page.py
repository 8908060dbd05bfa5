"""The results page: did-you-mean, intent tabs with counts, the Q&A tab, freshness."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from hall.exchange.models import Message
from hall.exchange.services import stored_tokens
from hall.extensions import db
from hall.sync.models import SyncRun
from hall.timestamps import utcnow
from tests.builders import make_item
from tests.web_fixtures import build_sample_hall, index, page_result_ids


@pytest.fixture
def sample(app):
    sample = build_sample_hall()
    index(app)
    return sample


def publish_answer(question: str, answer: str, department: str = "hrss", days_ago: int = 1):
    """Add a published Q&A as the exchange would leave it."""
    message = Message(
        department_id=department,
        kind="question",
        subject=question,
        body=question,
        follow_token_hash=f"hash-{question}",
        due_on=date(2024, 5, 8),
        published_at=utcnow() - timedelta(days=days_ago),
        public_question=question,
        public_answer=answer,
        search_tokens=stored_tokens(question, answer),
    )
    db.session.add(message)
    db.session.commit()
    return message


def tab_counts(page: str) -> dict[str, int]:
    found = re.findall(
        r'<li><a href="[^"]*"(?: aria-current="page")?>([^<]+) <span class="n">(\d+)<', page
    )
    return {label: int(count) for label, count in found}


def test_a_query_that_found_nothing_shows_the_corrected_results_with_a_way_back(client, sample):
    page = client.get("/halls/county/search?q=失业保线金").get_data(as_text=True)

    assert page_result_ids(page) == [sample.service.id]
    assert "以下是" in page and "失业保险金" in page
    back = re.search(r'仍然搜索 <a href="([^"]*)">失业保线金</a>', page).group(1)
    assert "verbatim=1" in back
    typed = client.get(back.replace("&amp;", "&")).get_data(as_text=True)
    assert page_result_ids(typed) == []
    assert "您是不是要找" in typed and "没有找到结果" in typed


def test_a_partial_match_offers_did_you_mean_and_keeps_its_results(client, sample):
    page = client.get("/halls/county/search?q=户籍签移").get_data(as_text=True)

    assert sample.police_notice.id in page_result_ids(page)
    link = re.search(r'您是不是要找： <a href="([^"]*)">([^<]+)</a>', page)
    assert link.group(2) == "户籍迁移"
    assert "verbatim" not in link.group(1)


def test_an_english_correction_is_spelt_as_in_the_titles(app, client, sample):
    make_item("Medical insurance registration", connector="hrss-web-feed", kind="service")
    index(app)

    page = client.get("/halls/county/search?q=medicle+insurance&lang=en").get_data(as_text=True)

    assert "Did you mean:" in page and ">medical insurance</a>" in page


def test_tabs_split_the_query_by_intent_with_counts(client, sample):
    publish_answer("社会保险断缴了怎么办？", "可以补缴社会保险费。")

    page = client.get("/halls/county/search?q=社会保险").get_data(as_text=True)

    assert tab_counts(page) == {"全部": 2, "办事服务": 0, "政务信息": 2, "已答复的问题": 1}
    assert 'aria-current="page">全部' in page
    services = client.get("/halls/county/search?q=保险&kind=service").get_data(as_text=True)
    assert page_result_ids(services) == [sample.service.id]
    assert 'aria-current="page">办事服务' in services
    assert tab_counts(services)["全部"] == 3  # the other tabs keep their counts


def test_the_answers_tab_lists_published_questions_of_the_halls_departments(client, sample):
    publish_answer("社会保险断缴了怎么办？", "可以补缴社会保险费。")
    publish_answer("社会保险关系怎么转移？", "到窗口办理转移。", department="market")  # not in hall
    unpublished = publish_answer("社会保险卡丢了", "补办即可。")
    unpublished.published_at = None
    db.session.commit()

    page = client.get("/halls/county/search?q=社会保险&tab=answers").get_data(as_text=True)

    assert "社会保险断缴了怎么办？" in page and "可以补缴社会保险费。" in page
    assert "社会保险关系怎么转移" not in page and "社会保险卡丢了" not in page
    assert page_result_ids(page) == []  # items are on the other tabs
    assert 'aria-current="page">已答复的问题' in page


def test_each_result_says_how_fresh_it_is_and_where_it_came_from(app, client, sample):
    sample.notice.changed_at = utcnow() - timedelta(hours=2, minutes=5)
    sample.police_notice.changed_at = utcnow() - timedelta(days=3)
    db.session.commit()

    zh = client.get("/halls/county/search?q=社会保险").get_data(as_text=True)
    en = client.get("/halls/county/search?q=社会保险&lang=en").get_data(as_text=True)

    assert "2 小时前同步自市人社局门户网站" in zh
    assert "3 天前同步自平安某市（微博）" in zh  # the name does not say the platform
    assert "synced 2 hours ago from 市人社局门户网站 (Website)" in en
    assert "synced 3 days ago from 平安某市 (Micro-blog)" in en


def test_a_successful_sync_confirms_unchanged_items(app, client, sample):
    sample.notice.changed_at = utcnow() - timedelta(days=40)
    db.session.add(
        SyncRun(
            connector_id="hrss-web-feed",
            status="unchanged",
            started_at=utcnow() - timedelta(minutes=11),
            finished_at=utcnow() - timedelta(minutes=10),
        )
    )
    db.session.add(SyncRun(connector_id="hrss-web-feed", status="failed", finished_at=utcnow()))
    db.session.commit()

    page = client.get("/halls/county/search?q=缴费基数").get_data(as_text=True)

    assert "10 分钟前同步自市人社局门户网站" in page


def test_the_api_rows_carry_freshness_in_the_language_asked(client, sample):
    sample.notice.changed_at = utcnow() - timedelta(hours=5)
    db.session.commit()

    body = client.get("/api/v1/halls/county/search?q=缴费基数&lang=en").get_json()

    row = body["results"][0]
    assert row["freshness"] == "synced 5 hours ago from 市人社局门户网站 (Website)"
    assert row["synced_at"].endswith("Z")


def test_the_api_offers_a_spelling_but_answers_the_query_as_typed(client, sample):
    body = client.get("/api/v1/halls/county/search?q=失业保线金").get_json()

    assert body["corrected"] == "失业保险金" and body["total"] == 0
