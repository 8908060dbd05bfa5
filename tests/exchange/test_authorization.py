"""Operators act for their own departments' messages and ratings only; admins for all."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from hall.audit.models import AuditEntry
from hall.exchange.models import Message, MessageReply, Rating
from hall.extensions import db
from tests.builders import make_item
from tests.exchange.conftest import form_fields, send_message


@pytest.fixture
def police_rows(app, client, world):
    """A message and a bad rating for the police (department B), none for the HR bureau."""
    service = make_item("居住证办理", connector="police-web-feed", kind="service")
    db.session.commit()
    send_message(client, department="police", subject="居住证问题")
    page = f"/items/{service.id}"
    data = form_fields(client, page) | {"level": "1", "comment": "窗口排队太久"}
    assert client.post(f"{page}/ratings", data=data).status_code == 302
    message = db.session.scalars(select(Message)).one()
    rating = db.session.scalars(select(Rating)).one()
    return message.id, rating.id


def _state() -> tuple:
    message = db.session.scalars(select(Message)).one()
    rating = db.session.scalars(select(Rating)).one()
    db.session.refresh(message)
    db.session.refresh(rating)
    replies = db.session.scalar(select(func.count()).select_from(MessageReply))
    return message.status, message.published_at, replies, rating.handled_at


def test_an_operator_cannot_see_or_change_another_department_s_rows(world, police_rows):
    message_id, rating_id = police_rows
    client, token = world.hrss
    before = _state()

    assert client.get(f"/console/messages/{message_id}").status_code == 403
    for action in ("reply", "close", "publish", "unpublish"):
        data = {"csrf_token": token, "body": "x", "public_question": "q", "public_answer": "a"}
        response = client.post(f"/console/messages/{message_id}/{action}", data=data)
        assert response.status_code == 403, action
    note = {"csrf_token": token, "note": "已回访"}
    assert client.post(f"/console/ratings/{rating_id}/follow-up", data=note).status_code == 403
    assert "居住证问题" not in client.get("/console/messages").get_data(as_text=True)
    assert "窗口排队太久" not in client.get("/console/ratings").get_data(as_text=True)
    assert _state() == before


def test_the_department_s_own_operator_and_an_admin_may(world, police_rows):
    message_id, rating_id = police_rows
    for client, _ in (world.police, world.admin):
        assert client.get(f"/console/messages/{message_id}").status_code == 200
        assert "居住证问题" in client.get("/console/messages").get_data(as_text=True)
        assert "窗口排队太久" in client.get("/console/ratings?state=open").get_data(as_text=True)

    client, token = world.police
    note = {"csrf_token": token, "note": "已电话回访，增设窗口"}
    assert client.post(f"/console/ratings/{rating_id}/follow-up", data=note).status_code == 302
    assert "窗口排队太久" not in client.get("/console/ratings?state=open").get_data(as_text=True)
    handled = client.get("/console/ratings?state=handled").get_data(as_text=True)
    assert "已电话回访，增设窗口" in handled
    actions = set(db.session.scalars(select(AuditEntry.action)))
    assert "rating.follow_up" in actions


def test_unknown_messages_and_ratings_are_not_found(world):
    client, token = world.hrss

    assert client.get("/console/messages/999").status_code == 404
    assert client.post("/console/messages/999/reply", data={"csrf_token": token}).status_code == 404
    response = client.post("/console/ratings/999/follow-up", data={"csrf_token": token})
    assert response.status_code == 404


CONSOLE_POSTS = ("reply", "close", "publish", "unpublish")


def test_visitors_are_sent_to_sign_in_and_posts_need_the_csrf_token(client, world, police_rows):
    message_id, rating_id = police_rows
    for url in ("/console/messages", f"/console/messages/{message_id}", "/console/ratings"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"]

    signed, _ = world.police
    for action in CONSOLE_POSTS:
        response = signed.post(f"/console/messages/{message_id}/{action}", data={"body": "x"})
        assert response.status_code == 400, action
    assert (
        signed.post(f"/console/ratings/{rating_id}/follow-up", data={"note": "x"}).status_code
        == 400
    )


def test_operator_changes_are_audited(world, police_rows):
    message_id, _ = police_rows
    client, token = world.police
    client.post(
        f"/console/messages/{message_id}/reply", data={"csrf_token": token, "body": "已答复"}
    )
    client.post(f"/console/messages/{message_id}/close", data={"csrf_token": token})

    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.target_type == "message"))
    assert [(e.action, e.username) for e in entries] == [
        ("message.reply", "op-police"),
        ("message.close", "op-police"),
    ]
