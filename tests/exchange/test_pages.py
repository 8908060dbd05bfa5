"""The citizen's and the operator's exchange pages: errors, languages, translations."""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import select

from hall.exchange import guard
from hall.exchange import services as exchange
from hall.exchange.models import Message
from hall.extensions import db
from hall.i18n import catalogue
from tests.exchange.conftest import form_fields, message_data, send_message

HALL = Path(__file__).resolve().parents[2] / "hall"
TEMPLATES = [
    *(HALL / "public" / "templates" / "public").glob("message*.html"),
    *(HALL / "public" / "templates" / "public").glob("*rate*.html"),
    HALL / "public" / "templates" / "public" / "_message_answers.html",
    *(HALL / "console" / "templates" / "console").glob("message*.html"),
    *(HALL / "console" / "templates" / "console").glob("ratings*.html"),
]
VIEWS = [HALL / "public" / "exchange.py", HALL / "console" / "exchange.py"]
NEW = "/halls/county/messages/new"


def test_missing_fields_come_back_marked_with_what_was_typed(client, world):
    data = form_fields(client, NEW) | message_data(subject="", department="market")
    response = client.post(NEW, data=data)
    page = response.get_data(as_text=True)

    assert response.status_code == 422
    assert "请填写标题" in page and "请选择本大厅的部门" in page  # market is not in the hall
    assert 'id="f-subject" type="text" name="subject" maxlength="200" required value=""' in page
    assert 'aria-invalid="true" aria-describedby="e-subject"' in page
    assert "我上个月离职了" in page and 'value="lisi@example.cn"' in page
    assert db.session.scalars(select(Message)).first() is None


def test_pages_speak_english_on_request(client, world):
    page = client.get(f"{NEW}?lang=en").get_data(as_text=True)
    assert "Write to a department" in page and "Complaint" in page

    sent = send_message(client).get_data(as_text=True)
    assert "Reply due by" in sent


def test_unknown_halls_and_unpublished_questions_are_not_found(client, world):
    send_message(client)
    message = db.session.scalars(select(Message)).one()

    assert client.get("/halls/nowhere/messages/new").status_code == 404
    assert client.get("/halls/nowhere/questions").status_code == 404
    assert client.get(f"/questions/{message.id}").status_code == 404
    assert client.get("/halls/county/questions?page=abc").status_code == 200


def test_an_item_outside_the_hall_is_not_attached(client, world):
    outsider = world.sample.outsider.id
    form = client.get(f"{NEW}?item={outsider}").get_data(as_text=True)
    assert world.sample.outsider.title in form  # a public item, but its department is not here
    assert 'value="market"' not in form


def test_templates_have_no_inline_script_or_style():
    for template in TEMPLATES:
        text = template.read_text()
        assert "<script" not in text and "style=" not in text, template.name


def test_every_exchange_message_has_a_chinese_translation():
    used = set(exchange.FIELD_ERRORS.values()) | set(exchange.REFUSALS) | set(guard.REASONS)
    used |= {"Messages", "Ratings"}  # the console menu's links
    for template in TEMPLATES:
        text = template.read_text()
        used |= set(re.findall(r'_\(\s*"([^"]+)"', text))
        used |= set(re.findall(r"_\(\s*'([^']+)'", text))
    for view in VIEWS:
        used |= set(re.findall(r'flash\(\s*"([^"]+)"', view.read_text()))

    assert len(used) > 50
    assert used - catalogue().keys() == set()
