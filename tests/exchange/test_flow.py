"""The whole exchange through the pages: send, follow, answer, publish, find."""

from __future__ import annotations

import hashlib

from sqlalchemy import select

from hall.exchange.models import Message
from hall.exchange.services import search_answers
from hall.extensions import db
from tests.exchange.conftest import follow_path, form_fields, send_message


def test_a_message_is_answered_published_and_found(app, client, world):
    # The citizen writes about a service, from its page.
    item_page = client.get(f"/items/{world.sample.service.id}").get_data(as_text=True)
    assert f"/halls/county/messages/new?item={world.sample.service.id}" in item_page
    form = client.get(f"/halls/county/messages/new?item={world.sample.service.id}")
    assert '<option value="hrss" selected>' in form.get_data(as_text=True)

    sent = send_message(client, item=str(world.sample.service.id))
    page = sent.get_data(as_text=True)
    assert sent.status_code == 200
    assert sent.headers["Cache-Control"] == "no-store"
    assert sent.mimetype == "text/html"  # a page, not text for the browser to show raw
    assert "答复期限" in page and "5 个工作日" in page
    follow = follow_path(page)

    status = client.get(follow)
    assert status.status_code == 200
    assert "待答复" in status.get_data(as_text=True)
    assert status.headers["Referrer-Policy"] == "no-referrer"
    assert status.mimetype == "text/html"

    # The department answers from the console.
    operator, token = world.hrss
    message = db.session.scalars(select(Message)).one()
    assert message.item_id == world.sample.service.id
    inbox = operator.get("/console/messages").get_data(as_text=True)
    assert "失业保险金怎么领" in inbox
    reply = operator.post(
        f"/console/messages/{message.id}/reply",
        data={"csrf_token": token, "body": "请携带身份证到社保窗口办理。"},
    )
    assert reply.status_code == 302

    # The citizen sees the answer.
    thread = client.get(follow).get_data(as_text=True)
    assert "请携带身份证到社保窗口办理。" in thread and "已答复" in thread
    db.session.refresh(message)
    assert message.answered_at is not None and message.reply_working_days == 0

    # Published with consent, it is public Q&A and found by search.
    published = operator.post(
        f"/console/messages/{message.id}/publish",
        data={
            "csrf_token": token,
            "public_question": "失业保险金怎么申领？",
            "public_answer": "请携带居民身份证到社保窗口办理。",
        },
    )
    assert published.status_code == 302
    listing = client.get("/halls/county/questions").get_data(as_text=True)
    assert "失业保险金怎么申领？" in listing
    assert client.get(f"/questions/{message.id}").status_code == 200
    assert "失业保险金怎么申领？" in client.get("/departments/hrss").get_data(as_text=True)
    assert "李四" not in listing  # the sender's name is never public
    with app.test_request_context():
        found = search_answers("county", "失业保险金", "zh")
        assert found.total == 1 and found.rows[0].url == f"/questions/{message.id}"
        assert found.rows[0].department_name == "市人力资源和社会保障局"
        assert search_answers("county", "户口", "zh").total == 0

    # Unpublished, it is gone again.
    operator.post(f"/console/messages/{message.id}/unpublish", data={"csrf_token": token})
    assert client.get(f"/questions/{message.id}").status_code == 404
    with app.test_request_context():
        assert search_answers(None, "失业保险金", "zh").total == 0


def test_without_consent_publishing_is_refused(client, world):
    send_message(client, publish_consent="")
    operator, token = world.hrss
    message = db.session.scalars(select(Message)).one()

    response = operator.post(
        f"/console/messages/{message.id}/publish",
        data={"csrf_token": token, "public_question": "问", "public_answer": "答"},
    )

    assert response.status_code == 409
    assert "留言人未同意公开" in response.get_data(as_text=True)
    db.session.refresh(message)
    assert message.published_at is None


def test_publishing_refuses_id_and_mobile_numbers_and_keeps_the_text(client, world):
    send_message(client)
    operator, token = world.hrss
    message = db.session.scalars(select(Message)).one()
    for text, reason in (
        ("我的身份证号 11010519491231002X", "18 位身份证号码"),
        ("请回电 13912345678", "11 位手机号码"),
    ):
        response = operator.post(
            f"/console/messages/{message.id}/publish",
            data={"csrf_token": token, "public_question": text, "public_answer": "已答复"},
        )
        assert response.status_code == 409
        assert reason in response.get_data(as_text=True)
        assert text in response.get_data(as_text=True)  # what was typed is shown again
    db.session.refresh(message)
    assert message.published_at is None


def test_the_follow_token_is_stored_only_as_its_hash(client, world):
    follow = follow_path(send_message(client).get_data(as_text=True))
    token = follow.rsplit("/", 1)[1]
    message = db.session.scalars(select(Message)).one()

    assert message.follow_token_hash == hashlib.sha256(token.encode()).hexdigest()
    for column in Message.__table__.columns:
        assert token not in str(getattr(message, column.key) or "")
    assert client.get("/messages/not-a-real-token").status_code == 404


def test_the_citizen_replies_and_closes(client, world):
    follow = follow_path(send_message(client).get_data(as_text=True))
    fields = form_fields(client, follow)
    reply = client.post(f"{follow}/replies", data=fields | {"body": "补充：我是灵活就业。"})
    assert reply.status_code == 302
    assert "补充：我是灵活就业。" in client.get(follow).get_data(as_text=True)
    operator, _ = world.hrss
    assert "群众有新回复" in operator.get("/console/messages").get_data(as_text=True)

    fields = form_fields(client, follow)
    assert client.post(f"{follow}/close", data=fields).status_code == 302
    closed = client.post(f"{follow}/replies", data=fields | {"body": "还有一个问题"})
    assert closed.status_code == 409
    assert "此留言已关闭" in closed.get_data(as_text=True)
