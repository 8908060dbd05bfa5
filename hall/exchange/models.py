"""Messages (question, complaint, suggestion), replies, ratings, and the submission log
that rate-limits anonymous senders without keeping who they are."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hall.extensions import db
from hall.timestamps import UTCDateTime, utcnow

# Kinds of message, with the working days a reply is due in (DOMAIN.md: questions 5,
# complaints 7; suggestions are answered like questions).
MESSAGE_KINDS: dict[str, tuple[str, str]] = {
    "question": ("咨询", "Question"),
    "complaint": ("投诉", "Complaint"),
    "suggestion": ("建议", "Suggestion"),
}
MESSAGE_STATUSES = ("received", "answered", "closed")
# Five satisfaction levels, 5 best (DOMAIN.md): stored as numbers, shown as words.
RATING_LEVELS: dict[int, tuple[str, str]] = {
    5: ("非常满意", "Very satisfied"),
    4: ("满意", "Satisfied"),
    3: ("基本满意", "Fairly satisfied"),
    2: ("不满意", "Dissatisfied"),
    1: ("非常不满意", "Very dissatisfied"),
}


class Message(db.Model):
    """One message from a citizen to a department, optionally about one item.

    No account is needed: the sender gets a private link whose token is stored only as a
    hash. Contact details are private to the department and never published.
    """

    __tablename__ = "message"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    hall_id: Mapped[str | None] = mapped_column(ForeignKey("hall.id", ondelete="SET NULL"))
    department_id: Mapped[str] = mapped_column(ForeignKey("department.id"), index=True)
    item_id: Mapped[int | None] = mapped_column(ForeignKey("item.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    sender_name: Mapped[str | None] = mapped_column(String(100))
    sender_contact: Mapped[str | None] = mapped_column(String(200))  # private
    language: Mapped[str] = mapped_column(String(8), default="zh")
    # The citizen agreed that the message may be published as a public Q&A.
    publish_consent: Mapped[bool] = mapped_column(Boolean, default=False)
    follow_token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="received", index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    due_on: Mapped[date] = mapped_column(Date)  # reply due, in working days (hall/workdays.py)
    first_reply_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Working days from receipt to the (final) answer, kept for reports.
    reply_working_days: Mapped[int | None] = mapped_column(Integer)
    # Public Q&A: the department's edited question and answer (personal data removed).
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    public_question: Mapped[str | None] = mapped_column(Text)
    public_answer: Mapped[str | None] = mapped_column(Text)
    # Analyzer tokens of the public question and answer, for the "questions answered" tab.
    search_tokens: Mapped[str | None] = mapped_column(Text)

    replies: Mapped[list[MessageReply]] = relationship(
        order_by="MessageReply.id", cascade="all, delete-orphan"
    )


class MessageReply(db.Model):
    """A reply in a message's thread: the department's (final or interim) or the citizen's."""

    __tablename__ = "message_reply"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_id: Mapped[int] = mapped_column(
        ForeignKey("message.id", ondelete="CASCADE"), index=True
    )
    author: Mapped[str] = mapped_column(String(16))  # "department" | "citizen"
    user_id: Mapped[int | None] = mapped_column(ForeignKey("hall_user.id"))
    body: Mapped[str] = mapped_column(Text)
    interim: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Rating(db.Model):
    """A citizen's five-level rating of one service, routed to its department.

    A bad rating (1 or 2) is to be followed up within 15 working days (`due_on`), with a
    return call when the citizen left a contact.
    """

    __tablename__ = "rating"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id"), index=True)
    department_id: Mapped[str] = mapped_column(ForeignKey("department.id"), index=True)
    hall_id: Mapped[str | None] = mapped_column(ForeignKey("hall.id", ondelete="SET NULL"))
    level: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(Text)
    sender_contact: Mapped[str | None] = mapped_column(String(200))  # private
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    due_on: Mapped[date | None] = mapped_column(Date)
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    handled_by: Mapped[int | None] = mapped_column(ForeignKey("hall_user.id"))
    follow_up: Mapped[str | None] = mapped_column(Text)


class Submission(db.Model):
    """One anonymous submission, by a keyed hash of the sender's address, for rate limits.

    The key rotates daily (hall/exchange/services.py), so a row cannot be tied to an
    address later; rows older than a day are purged.
    """

    __tablename__ = "submission"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    action: Mapped[str] = mapped_column(String(16))  # "message" | "rating" | "reply"
    sender_hash: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
