"""Due dates in working days from the China date of receipt, and reply times measured."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from hall.exchange import guard
from hall.exchange import services as exchange
from hall.extensions import db
from hall.halls.models import Hall
from tests.builders import make_user

FRIDAY = datetime(2026, 12, 4, 2, 0, tzinfo=UTC)  # 10:00 on Friday 4 December in China
BEFORE_NATIONAL_DAY = datetime(2026, 9, 30, 2, 0, tzinfo=UTC)  # the holiday runs 1–7 October


def send(kind: str = "question", now: datetime = FRIDAY) -> exchange.SentMessage:
    submitted = guard.Submitted(honeypot="", stamp=guard.form_stamp(now), remote_addr="10.0.0.1")
    return exchange.send_message(
        hall=db.session.get(Hall, "county"),
        department_id="hrss",
        kind=kind,
        subject="问题",
        body="内容",
        submitted=submitted,
        now=now,
    )


@pytest.fixture
def county(app, world):
    return world


@pytest.mark.parametrize(
    ("received", "kind", "due"),
    [
        (FRIDAY, "question", date(2026, 12, 11)),  # over one weekend
        (FRIDAY, "suggestion", date(2026, 12, 11)),
        (FRIDAY, "complaint", date(2026, 12, 15)),  # over two weekends
        # The holiday is skipped and Saturday 10 October, worked in exchange, counts.
        (BEFORE_NATIONAL_DAY, "question", date(2026, 10, 13)),
        (BEFORE_NATIONAL_DAY, "complaint", date(2026, 10, 15)),
        # 01:00 on Friday in China is still Thursday in UTC: China's date counts.
        (datetime(2026, 12, 3, 17, 0, tzinfo=UTC), "question", date(2026, 12, 11)),
    ],
)
def test_the_due_date_counts_working_days(county, received, kind, due):
    sent = send(kind, received)

    assert sent.message.due_on == due
    assert sent.due_working_days == (7 if kind == "complaint" else 5)


def test_a_final_reply_measures_working_days_from_receipt(county):
    message = send().message
    operator = make_user("op-hrss", departments=["hrss"])
    tuesday = datetime(2026, 12, 8, 3, 0, tzinfo=UTC)

    exchange.reply_to_message(operator, message.id, body="答复", interim=False, now=tuesday)

    assert message.status == "answered"
    assert message.answered_at == tuesday and message.first_reply_at == tuesday
    assert message.reply_working_days == 2  # Monday and Tuesday


def test_an_interim_reply_in_time_allows_fifteen_working_days(county):
    message = send("complaint", BEFORE_NATIONAL_DAY).message
    operator = make_user("op-hrss", departments=["hrss"])

    exchange.reply_to_message(
        operator, message.id, body="正在核查", interim=True, now=datetime(2026, 10, 9, tzinfo=UTC)
    )

    assert message.status == "received" and message.answered_at is None
    assert message.first_reply_at is not None
    assert message.due_on == date(2026, 10, 27)


def test_an_interim_reply_after_the_due_date_moves_nothing(county):
    message = send().message
    operator = make_user("op-hrss", departments=["hrss"])
    late = datetime(2026, 12, 14, 2, 0, tzinfo=UTC)

    exchange.reply_to_message(operator, message.id, body="正在核查", interim=True, now=late)

    assert message.due_on == date(2026, 12, 11)
    assert exchange.is_overdue(message, today=date(2026, 12, 14))


def test_overdue_is_open_and_past_the_due_date_only(county):
    message = send().message

    assert not exchange.is_overdue(message, today=date(2026, 12, 11))
    assert exchange.is_overdue(message, today=date(2026, 12, 12))
    message.status = "closed"
    assert not exchange.is_overdue(message, today=date(2026, 12, 12))
