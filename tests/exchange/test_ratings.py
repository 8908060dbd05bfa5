"""Five-level ratings on service pages: the form, the summary, routing, and bad ratings."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

from sqlalchemy import select

from hall.exchange import guard
from hall.exchange import services as exchange
from hall.exchange.models import Rating
from hall.extensions import db
from tests.exchange.conftest import form_fields


def _rate(client, item_id: int, **values: str):
    page = f"/items/{item_id}"
    return client.post(f"{page}/ratings", data=form_fields(client, page) | values)


def test_the_service_page_has_a_five_level_form_in_a_fieldset(client, world):
    page = client.get(f"/items/{world.sample.service.id}").get_data(as_text=True)

    form = page[page.index("<fieldset") : page.index("</fieldset>")]
    assert "<legend>您对这项服务满意吗？</legend>" in form
    levels = re.findall(r'type="radio" name="level" value="(\d)"', form)
    assert levels == ["5", "4", "3", "2", "1"]
    for word in ("非常满意", "满意", "基本满意", "不满意", "非常不满意"):
        assert word in form
    assert "暂无评价" in page
    assert "就此向部门咨询" in page


def test_a_rating_is_routed_to_the_department_and_summarised(client, world):
    service = world.sample.service
    for level in ("5", "3", "1"):
        response = _rate(client, service.id, level=level, comment="还行")
        assert response.status_code == 302
        assert response.headers["Location"] == f"/items/{service.id}/ratings/thanks"

    thanks = client.get(f"/items/{service.id}/ratings/thanks").get_data(as_text=True)
    assert "感谢您的评价" in thanks
    ratings = list(db.session.scalars(select(Rating).order_by(Rating.id)))
    assert {rating.department_id for rating in ratings} == {"hrss"}
    page = client.get(f"/items/{service.id}").get_data(as_text=True)
    assert "共 3 条评价，满意率 67%" in page  # 基本满意 and better count as satisfied


def test_a_rating_without_a_level_comes_back_with_the_comment(client, world):
    response = _rate(client, world.sample.service.id, comment="材料要求写得不清楚")
    page = response.get_data(as_text=True)

    assert response.status_code == 422
    assert "请选择满意程度" in page and "材料要求写得不清楚" in page
    assert db.session.scalars(select(Rating)).first() is None


def test_notices_are_not_rated(client, world):
    notice = world.sample.notice
    page = client.get(f"/items/{notice.id}").get_data(as_text=True)

    assert 'name="level"' not in page
    assert "就此向部门咨询" in page  # but the department can be asked about them
    assert _rate(client, world.sample.service.id, level="5").status_code == 302
    fields = form_fields(client, f"/items/{world.sample.service.id}")
    assert (
        client.post(f"/items/{notice.id}/ratings", data=fields | {"level": "5"}).status_code == 404
    )


def test_a_bad_rating_is_due_for_follow_up_in_fifteen_working_days(app, world):
    now = datetime(2026, 9, 30, 2, 0, tzinfo=UTC)
    submitted = guard.Submitted("", guard.form_stamp(now), "10.0.0.2")
    bad = exchange.rate_item(item=world.sample.service, level=2, submitted=submitted, now=now)
    good = exchange.rate_item(item=world.sample.service, level=4, submitted=submitted, now=now)

    assert bad.due_on == date(2026, 10, 27)  # over the National Day holiday
    assert good.due_on is None


def test_the_ask_link_preselects_the_item_s_department(client, world):
    police = world.sample.police_notice
    page = client.get(f"/items/{police.id}").get_data(as_text=True)
    link = f"/halls/county/messages/new?item={police.id}"
    assert link in page

    form = client.get(link).get_data(as_text=True)
    assert '<option value="police" selected>' in form
    assert police.title in form
