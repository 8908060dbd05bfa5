"""The spam guard and the rate limit: refused with a reason, nothing typed is lost."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from hall.exchange import guard
from hall.exchange.models import Message, Rating, Submission
from hall.extensions import db
from tests.exchange.conftest import follow_path, form_fields, message_data, send_message

NEW = "/halls/county/messages/new"


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _post(client, **values):
    return client.post(NEW, data=form_fields(client, NEW) | message_data(**values))


def test_a_filled_honeypot_is_refused_and_the_form_kept(client, world):
    response = _post(client, website="http://spam.example", body="独特的留言内容")
    page = response.get_data(as_text=True)

    assert response.status_code == 400
    assert "应留空的字段被填写了" in page
    assert "独特的留言内容" in page and "失业保险金怎么领" in page
    assert _count(Message) == 0


def test_a_form_sent_too_quickly_is_refused(app, client, world):
    app.config["MESSAGE_MIN_SECONDS"] = 3
    response = _post(client)

    assert response.status_code == 400
    assert "表单提交过快" in response.get_data(as_text=True)
    assert _count(Message) == 0


@pytest.mark.parametrize("stamp", ["", "forged", "WzE3MDAwMDAwMDBd.bad"])
def test_a_missing_or_forged_stamp_is_refused(client, world, stamp):
    data = form_fields(client, NEW) | message_data() | {"form_stamp": stamp}
    response = client.post(NEW, data=data)

    assert response.status_code == 400
    assert "表单已过期或无法识别" in response.get_data(as_text=True)


def test_a_form_older_than_a_day_is_refused(app, client, world):
    with app.test_request_context():
        stale = guard.form_stamp(datetime.now(UTC) - timedelta(days=1, minutes=1))
    data = form_fields(client, NEW) | message_data() | {"form_stamp": stale}

    assert client.post(NEW, data=data).status_code == 400
    assert _count(Message) == 0


def test_too_many_links_are_refused(client, world):
    body = "看看 https://a.example 和 http://b.example 还有 www.c.example"
    response = _post(client, body=body)

    assert response.status_code == 400
    assert "最多只能包含 2 个链接" in response.get_data(as_text=True)
    assert _post(client, body="参考 https://a.example 和 www.b.example").status_code == 200


def test_the_rate_limit_answers_429_and_keeps_the_form(app, client, world):
    app.config["MESSAGE_RATE_LIMIT"] = 2
    assert send_message(client).status_code == 200
    assert send_message(client).status_code == 200

    response = _post(client, subject="第三条留言", body="第三条留言的内容")
    page = response.get_data(as_text=True)

    assert response.status_code == 429
    assert "提交次数过多" in page
    assert "第三条留言的内容" in page and 'value="第三条留言"' in page
    assert _count(Message) == 2


def test_ratings_and_replies_are_limited_too(app, client, world):
    app.config["MESSAGE_RATE_LIMIT"] = 1
    item = f"/items/{world.sample.service.id}"
    assert (
        client.post(f"{item}/ratings", data=form_fields(client, item) | {"level": "5"}).status_code
        == 302
    )
    again = client.post(f"{item}/ratings", data=form_fields(client, item) | {"level": "4"})
    assert again.status_code == 429
    assert _count(Rating) == 1

    follow = follow_path(send_message(client).get_data(as_text=True))
    assert (
        client.post(
            f"{follow}/replies", data=form_fields(client, follow) | {"body": "一"}
        ).status_code
        == 302
    )
    refused = client.post(
        f"{follow}/replies", data=form_fields(client, follow) | {"body": "二二二"}
    )
    assert refused.status_code == 429
    assert "二二二" in refused.get_data(as_text=True)


def test_the_sender_is_a_daily_keyed_hash_never_the_address(app, client, world):
    send_message(client)
    row = db.session.scalars(select(Submission)).one()

    assert "127.0.0.1" not in row.sender_hash
    with app.test_request_context():
        today = guard.sender_hash("127.0.0.1", now=row.at)
        tomorrow = guard.sender_hash("127.0.0.1", now=row.at + timedelta(days=1))
    assert row.sender_hash == today != tomorrow


def test_submissions_older_than_a_day_are_forgotten(app, client, world):
    db.session.add(Submission(action="message", sender_hash="x" * 64, at=datetime(2020, 1, 1)))
    db.session.commit()

    send_message(client)

    hashes = list(db.session.scalars(select(Submission.sender_hash)))
    assert len(hashes) == 1 and hashes != ["x" * 64]


def test_a_form_without_the_csrf_token_is_refused(client, world):
    data = form_fields(client, NEW) | message_data()
    del data["csrf_token"]

    assert client.post(NEW, data=data).status_code == 400
    item = f"/items/{world.sample.service.id}"
    assert client.post(f"{item}/ratings", data={"level": "5"}).status_code == 400
    assert _count(Message) == 0 and _count(Rating) == 0
