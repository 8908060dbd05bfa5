"""Reply times per department, and published answers found by words within a hall."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hall.exchange import services as exchange
from hall.exchange.models import Message
from hall.extensions import db
from hall.timestamps import utcnow

MONDAY = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)


def make_message(department: str = "hrss", **values) -> Message:
    """Insert a message as the services would leave it."""
    values.setdefault("created_at", MONDAY)
    values.setdefault("due_on", date(2026, 12, 14))
    values.setdefault("subject", "s")
    message = Message(
        department_id=department,
        kind="question",
        body="b",
        follow_token_hash=f"{department}-{db.session.query(Message).count()}",
        **values,
    )
    db.session.add(message)
    db.session.flush()
    return message


def publish(department: str, question: str, answer: str, minutes: int = 0) -> Message:
    return make_message(
        department,
        public_question=question,
        public_answer=answer,
        published_at=utcnow() - timedelta(minutes=minutes),
        search_tokens=exchange.stored_tokens(question, answer),
    )


def test_reply_stats_count_answers_on_time_overdue_and_the_median(app, world):
    answered = {"status": "answered"}
    make_message(answered_at=MONDAY + timedelta(days=1), reply_working_days=1, **answered)
    make_message(answered_at=MONDAY + timedelta(days=3), reply_working_days=3, **answered)
    make_message(answered_at=datetime(2026, 12, 16, tzinfo=UTC), reply_working_days=7, **answered)
    make_message(status="received")  # due on the 14th: overdue on the 15th
    make_message(status="received", due_on=date(2026, 12, 18))  # open, not yet due
    make_message(status="closed")  # closed by the citizen without an answer
    make_message("police", status="received", created_at=MONDAY - timedelta(days=30))

    stats = exchange.reply_stats(["hrss", "market"], today=date(2026, 12, 15))

    hrss, market = stats
    assert (hrss.department_id, hrss.department_name) == ("hrss", "市人力资源和社会保障局")
    assert (hrss.messages, hrss.answered, hrss.answered_on_time) == (6, 3, 2)
    assert hrss.overdue_open == 1
    assert hrss.median_working_days == 3 and hrss.on_time_percent == 67
    assert (market.messages, market.median_working_days) == (0, None)
    everyone = exchange.reply_stats(since=MONDAY - timedelta(days=1))
    assert [row.department_id for row in everyone] == ["hrss"]  # police's is older


def test_search_answers_match_every_word_within_the_hall(app, world):
    publish("hrss", "失业保险金怎么领？", "到社保窗口申领失业保险金。", minutes=5)
    publish("police", "户口迁移要什么材料？", "居民户口簿和身份证。", minutes=1)
    publish("market", "营业执照怎么办？", "到市场监管窗口办理营业执照。")  # not in the hall

    with app.test_request_context():
        everything = exchange.search_answers("county", "", "zh")
        assert [row.department_id for row in everything.rows] == ["police", "hrss"]  # newest first
        assert exchange.search_answers("county", "失业保险金", "zh").total == 1
        assert exchange.search_answers("county", "失业保险金 户口", "zh").total == 0
        assert exchange.search_answers("county", "营业执照", "zh").total == 0
        assert exchange.search_answers(None, "营业执照", "zh").total == 1
        assert exchange.search_answers("county", "社保", "zh").total == 1  # a stored sub-word
        paged = exchange.search_answers("county", "", "en", page=2, per_page=1)
        assert paged.total == 2 and paged.pages == 2
        assert paged.rows[0].department_name == "Human Resources and Social Security Bureau"


def test_english_words_match_by_stem(app, world):
    publish("hrss", "How are pensions paid?", "Pensions are paid monthly to your account.")

    with app.test_request_context():
        assert exchange.search_answers("county", "pension payment", "en").total == 0
        assert exchange.search_answers("county", "pension paid", "en").total == 1
        assert exchange.search_answers("county", "100%_ paid", "en").total == 0


def test_the_console_inbox_shows_reply_times_and_filters_overdue(app, world):
    make_message(status="received", subject="超期的", due_on=date(2020, 1, 2))
    make_message(status="received", subject="未到期", due_on=date(2099, 1, 2))
    db.session.commit()
    client, _ = world.hrss

    page = client.get("/console/messages").get_data(as_text=True)
    assert "答复时效" in page and "超期未答复" in page
    overdue = client.get("/console/messages?overdue=1").get_data(as_text=True)
    assert "超期的" in overdue and "未到期" not in overdue
    answered = client.get("/console/messages?status=answered").get_data(as_text=True)
    assert "超期的" not in answered
