"""Citizens' messages and ratings, the departments' answers, public Q&A and reply times.

Citizens need no account: a message is followed through a private link whose token is
stored only as a SHA-256 hash, and anonymous forms pass the checks in guard.py first.
Operators act only for their own departments (administrators for all); every change they
make writes an audit entry. Functions flush; the request commits.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime
from math import ceil
from statistics import median

from flask import current_app, url_for
from sqlalchemy import Select, func, select

from hall.audit.services import record, snapshot
from hall.catalog.models import Item
from hall.directory.models import Department
from hall.exchange import guard
from hall.exchange.models import MESSAGE_KINDS, RATING_LEVELS, Message, MessageReply, Rating
from hall.extensions import db
from hall.halls.models import Hall
from hall.halls.services import get_hall, public_accounts
from hall.search.analysis import SUBWORD_SEPARATOR, analyse_item, index_form, segment_query
from hall.timestamps import as_utc, utcnow
from hall.users.models import User
from hall.users.services import require_department
from hall.workdays import add_working_days, china_date, working_days_between

# Working days a reply is due in, from the China date of receipt (DOMAIN.md).
REPLY_WORKING_DAYS = {"question": 5, "complaint": 7, "suggestion": 5}
# An interim reply sent in time stretches the deadline to this, and no further.
INTERIM_REPLY_WORKING_DAYS = 15
# A bad rating (1 or 2) is followed up, with a return call, within this many working days.
BAD_RATING_WORKING_DAYS = 15
BAD_LEVELS = (1, 2)
# Ratings of 3 and up count as satisfied, as the national 好差评 system counts 好评.
SATISFIED_LEVELS = (3, 4, 5)

MAX_BODY_CHARS = 5000
MAX_COMMENT_CHARS = 2000
PER_PAGE = 20

# Personal data an operator must remove before a message is published.
_ID_NUMBER = re.compile(r"(?<![0-9])[1-9][0-9]{16}[0-9Xx](?![0-9A-Za-z])")
_MOBILE = re.compile(r"(?<![0-9])1[3-9][0-9]{9}(?![0-9])")

# Field errors and refusals, as English message ids the pages translate.
FIELD_ERRORS = {
    "kind": "Choose what kind of message this is.",
    "department": "Choose a department of this hall.",
    "subject": "Write a subject of at most 200 characters.",
    "body": "Write your message (at most 5000 characters).",
    "sender_name": "A name of at most 100 characters, please.",
    "sender_contact": "Contact details of at most 200 characters, please.",
    "level": "Choose how satisfied you are.",
    "comment": "A comment of at most 2000 characters, please.",
    "reply": "Write a reply (at most 5000 characters).",
    "public_question": "Write the public question.",
    "public_answer": "Write the public answer.",
    "note": "Write what was done (for example, the return call).",
}
NO_CONSENT = "The citizen did not agree to publication, so this message cannot be published."
HAS_ID_NUMBER = "The text still contains an 18-digit ID number. Remove it before publishing."
HAS_MOBILE = "The text still contains an 11-digit mobile number. Remove it before publishing."
IS_CLOSED = "This message is closed; nothing more can be added."
REFUSALS = (NO_CONSENT, HAS_ID_NUMBER, HAS_MOBILE, IS_CLOSED)


class MessageNotFoundError(LookupError):
    """No message has this id or follow token (or it is not published, on public pages)."""


class RatingNotFoundError(LookupError):
    """No rating has this id."""


class FormError(ValueError):
    """Fields of a form are missing or wrong; `errors` maps field names to message ids."""

    def __init__(self, errors: dict[str, str]):
        super().__init__(", ".join(f"{name}: {message}" for name, message in errors.items()))
        self.errors = errors


class ExchangeError(Exception):
    """A change is refused in the message's state: `message` is an English message id."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class AnswerRow:
    """A published question and answer, as the Q&A list and the search tab show it."""

    id: int
    public_question: str
    public_answer: str
    department_id: str
    department_name: str
    published_at: datetime
    url: str


@dataclass
class Page:
    """A page of rows and where it sits among the pages (the public pager reads this)."""

    rows: list
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        """Return the number of pages (at least 1)."""
        return max(1, ceil(self.total / self.per_page))

    @property
    def past_the_end(self) -> bool:
        """Return whether the page asked for lies beyond the last page."""
        return self.total > 0 and self.page > self.pages


@dataclass(frozen=True)
class SentMessage:
    """A message just received, with the plaintext token of its follow link (shown once)."""

    message: Message
    token: str
    due_working_days: int


@dataclass(frozen=True)
class RatingRow:
    """A rating as the console lists it, with the title of the service rated."""

    rating: Rating
    item_title: str


@dataclass(frozen=True)
class RatingSummary:
    """How a service is rated: how many ratings, and the share that is satisfied."""

    count: int
    satisfied: int

    @property
    def satisfied_percent(self) -> int | None:
        """Return the satisfied share as a whole percentage, None with no ratings."""
        return round(100 * self.satisfied / self.count) if self.count else None


@dataclass
class ReplyStats:
    """Reply times of one department's messages (the health report reads these)."""

    department_id: str
    department_name: str
    messages: int = 0
    answered: int = 0
    answered_on_time: int = 0
    overdue_open: int = 0
    reply_days: list[int] = field(default_factory=list, repr=False)

    @property
    def median_working_days(self) -> float | None:
        """Return the median working days from receipt to answer, None if none answered."""
        return median(self.reply_days) if self.reply_days else None

    @property
    def on_time_percent(self) -> int | None:
        """Return the share of answered messages answered by their due date."""
        return round(100 * self.answered_on_time / self.answered) if self.answered else None


# Public Q&A ------------------------------------------------------------------------------


def search_answers(
    hall_id: str | None, text: str, language: str, *, page: int = 1, per_page: int = 10
) -> Page:
    """Return a page of published Q&A holding every word of `text`, newest first.

    With a hall, only its departments' answers (by its approved member accounts; an unknown
    hall raises HallNotFoundError); a query with no words lists every published answer.
    Words match the stored analyzer tokens. Row URLs are built with url_for: call it
    within a request.
    """
    text = (text or "")[: current_app.config["SEARCH_MAX_QUERY_CHARS"]]
    page, per_page = max(page, 1), max(per_page, 1)
    query = select(Message, Department).join(Department, Message.department_id == Department.id)
    query = query.where(Message.published_at.is_not(None))
    if hall_id is not None:
        query = query.where(Message.department_id.in_(hall_department_ids(get_hall(hall_id))))
    for token in _query_tokens(text):
        pattern = "% " + token.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + " %"
        query = query.where(Message.search_tokens.like(pattern, escape="\\"))
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    rows = db.session.execute(
        query.order_by(Message.published_at.desc(), Message.id.desc())
        .offset((page - 1) * per_page)
        .limit(per_page)
    )
    return Page([_answer_row(m, d, language) for m, d in rows], total, page, per_page)


def department_answers(department_id: str, language: str, limit: int = 10) -> list[AnswerRow]:
    """Return a department's latest published Q&A, for its page."""
    query = (
        select(Message, Department)
        .join(Department, Message.department_id == Department.id)
        .where(Message.department_id == department_id, Message.published_at.is_not(None))
        .order_by(Message.published_at.desc(), Message.id.desc())
        .limit(limit)
    )
    return [_answer_row(m, d, language) for m, d in db.session.execute(query)]


def get_answer(message_id: int) -> Message:
    """Return a published message, or raise MessageNotFoundError."""
    message = db.session.get(Message, message_id)
    if message is None or message.published_at is None:
        raise MessageNotFoundError(message_id)
    return message


def hall_department_ids(hall: Hall) -> set[str]:
    """Return the ids of the departments with an approved account in the hall."""
    return {account.department_id for account in public_accounts(hall)}


def hall_departments(hall: Hall) -> list[Department]:
    """Return the hall's departments, by sector then id, for the message form's choice."""
    ids = hall_department_ids(hall)
    if not ids:
        return []
    query = select(Department).where(Department.id.in_(ids))
    return list(db.session.scalars(query.order_by(Department.sector, Department.id)))


def stored_tokens(question: str, answer: str) -> str:
    """Return the space-padded words of a Q&A, sub-words and stems included, for LIKE."""
    tokens = analyse_item(question, answer)
    words: dict[str, None] = {}
    for text in (tokens.title_tokens, tokens.body_tokens):
        for group in text.split():
            for word in group.split(SUBWORD_SEPARATOR):
                words.setdefault(word)
                stem = index_form(word)
                if stem:
                    words.setdefault(stem)
    return f" {' '.join(words)} " if words else " "


def _query_tokens(text: str) -> list[str]:
    """Return the query's words in the form stored_tokens keeps (stemmed), without repeats."""
    found: dict[str, None] = {}
    for word in segment_query(text or ""):
        form = index_form(word)
        if form:
            found.setdefault(form)
    return list(found)


def _answer_row(message: Message, department: Department, language: str) -> AnswerRow:
    return AnswerRow(
        id=message.id,
        public_question=message.public_question or "",
        public_answer=message.public_answer or "",
        department_id=department.id,
        department_name=department.display_name(language),
        published_at=message.published_at,
        url=url_for("public.question", message_id=message.id),
    )


# Citizens ---------------------------------------------------------------------------------


def send_message(
    *,
    hall: Hall,
    department_id: str,
    kind: str,
    subject: str,
    body: str,
    submitted: guard.Submitted,
    item_id: int | None = None,
    sender_name: str = "",
    sender_contact: str = "",
    publish_consent: bool = False,
    language: str = "zh",
    now: datetime | None = None,
) -> SentMessage:
    """Receive a citizen's message to one of the hall's departments; return its follow token.

    Raises SpamError or RateLimitError (guard.py) and FormError before anything is stored.
    """
    now = now or utcnow()
    subject, body = subject.strip(), body.strip()
    sender_name, sender_contact = sender_name.strip(), sender_contact.strip()
    guard.check_form(submitted, [subject, body], now=now)
    errors = {}
    if kind not in MESSAGE_KINDS:
        errors["kind"] = FIELD_ERRORS["kind"]
    if department_id not in hall_department_ids(hall):
        errors["department"] = FIELD_ERRORS["department"]
    errors |= _length_errors(
        subject=(subject, 200, True),
        body=(body, MAX_BODY_CHARS, True),
        sender_name=(sender_name, 100, False),
        sender_contact=(sender_contact, 200, False),
    )
    if errors:
        raise FormError(errors)
    sender = guard.check_rate("message", submitted, now=now)
    token = secrets.token_urlsafe(24)
    days = REPLY_WORKING_DAYS[kind]
    message = Message(
        hall_id=hall.id,
        department_id=department_id,
        item_id=item_id if item_id is not None and db.session.get(Item, item_id) else None,
        kind=kind,
        subject=subject,
        body=body,
        sender_name=sender_name or None,
        sender_contact=sender_contact or None,
        language=language,
        publish_consent=publish_consent,
        follow_token_hash=token_hash(token),
        status="received",
        created_at=now,
        due_on=add_working_days(china_date(now), days),
    )
    db.session.add(message)
    guard.log_submission("message", sender, now=now)
    return SentMessage(message, token, days)


def token_hash(token: str) -> str:
    """Return the SHA-256 of a follow token: the only form in which it is stored."""
    return hashlib.sha256(token.encode()).hexdigest()


def message_by_token(token: str) -> Message:
    """Return the message a follow token opens, or raise MessageNotFoundError."""
    found = db.session.scalars(
        select(Message).where(Message.follow_token_hash == token_hash(token))
    ).first()
    if found is None:
        raise MessageNotFoundError("token")
    return found


def add_citizen_reply(
    *, token: str, body: str, submitted: guard.Submitted, now: datetime | None = None
) -> MessageReply:
    """Add the citizen's follow-up to their message's thread (spam-guarded, rate-limited)."""
    now = now or utcnow()
    message = message_by_token(token)
    body = body.strip()
    guard.check_form(submitted, [body], now=now)
    if message.status == "closed":
        raise ExchangeError(IS_CLOSED)
    if not body or len(body) > MAX_BODY_CHARS:
        raise FormError({"reply": FIELD_ERRORS["reply"]})
    sender = guard.check_rate("reply", submitted, now=now)
    reply = MessageReply(message_id=message.id, author="citizen", body=body, created_at=now)
    message.replies.append(reply)
    guard.log_submission("reply", sender, now=now)
    return reply


def close_by_citizen(*, token: str) -> Message:
    """Close a message at its sender's request: no more replies from either side."""
    message = message_by_token(token)
    message.status = "closed"
    db.session.flush()
    return message


def is_overdue(message: Message, today: date | None = None) -> bool:
    """Tell whether an unanswered, open message is past its due date (China dates)."""
    today = today or china_date(utcnow())
    return message.status == "received" and message.answered_at is None and today > message.due_on


def rate_item(
    *,
    item: Item,
    level: int | None,
    submitted: guard.Submitted,
    comment: str = "",
    sender_contact: str = "",
    now: datetime | None = None,
) -> Rating:
    """Store a citizen's rating of a service, routed to its department.

    A bad rating gets a follow-up due date; raises SpamError, RateLimitError or FormError.
    Item pages belong to no hall, so a rating names none.
    """
    now = now or utcnow()
    comment, sender_contact = comment.strip(), sender_contact.strip()
    guard.check_form(submitted, [comment], now=now)
    errors = {} if level in RATING_LEVELS else {"level": FIELD_ERRORS["level"]}
    errors |= _length_errors(
        comment=(comment, MAX_COMMENT_CHARS, False),
        sender_contact=(sender_contact, 200, False),
    )
    if errors:
        raise FormError(errors)
    sender = guard.check_rate("rating", submitted, now=now)
    rating = Rating(
        item_id=item.id,
        department_id=item.account.department_id,
        level=level,
        comment=comment or None,
        sender_contact=sender_contact or None,
        created_at=now,
        due_on=(
            add_working_days(china_date(now), BAD_RATING_WORKING_DAYS)
            if level in BAD_LEVELS
            else None
        ),
    )
    db.session.add(rating)
    guard.log_submission("rating", sender, now=now)
    return rating


def rating_summary(item_id: int) -> RatingSummary:
    """Return how many ratings a service has and how many of them are satisfied."""
    count, satisfied = db.session.execute(
        select(
            func.count(Rating.id),
            func.count(Rating.id).filter(Rating.level.in_(SATISFIED_LEVELS)),
        ).where(Rating.item_id == item_id)
    ).one()
    return RatingSummary(count or 0, satisfied or 0)


def message_hall_for(item: Item) -> Hall | None:
    """Return the hall whose message form an item page links to: the default hall if it
    shows the item, else the first hall by id that does; None if no hall shows it."""
    default = current_app.config.get("DEFAULT_HALL")
    halls = sorted(db.session.scalars(select(Hall)), key=lambda hall: (hall.id != default, hall.id))
    showing = [hall for hall in halls if item.account_id in {a.id for a in public_accounts(hall)}]
    return showing[0] if showing else None


def _length_errors(**fields: tuple[str, int, bool]) -> dict[str, str]:
    """Return the errors of (value, most characters, required) fields."""
    return {
        name: FIELD_ERRORS[name]
        for name, (value, most, required) in fields.items()
        if (required and not value) or len(value) > most
    }


# Departments ------------------------------------------------------------------------------

MESSAGE_AUDIT_FIELDS = (
    "status",
    "due_on",
    "first_reply_at",
    "answered_at",
    "reply_working_days",
    "published_at",
    "public_question",
    "public_answer",
)
RATING_AUDIT_FIELDS = ("handled_at", "handled_by", "follow_up")
INBOX_FILTERS = ("received", "answered", "closed")


def inbox(
    user: User,
    *,
    status: str | None = None,
    overdue: bool = False,
    page: int = 1,
    today: date | None = None,
) -> Page:
    """Return a page of the messages of the user's departments, newest first."""
    query = _scoped(select(Message), Message.department_id, user)
    if status in INBOX_FILTERS:
        query = query.where(Message.status == status)
    if overdue:
        query = query.where(
            Message.status == "received",
            Message.answered_at.is_(None),
            Message.due_on < (today or china_date(utcnow())),
        )
    return _page(query.order_by(Message.created_at.desc(), Message.id.desc()), page)


def get_message_for(user: User, message_id: int) -> Message:
    """Return a message the user may act for; raise MessageNotFoundError or PermissionDeniedError."""
    message = db.session.get(Message, message_id)
    if message is None:
        raise MessageNotFoundError(message_id)
    require_department(user, message.department_id)
    return message


def reply_to_message(
    user: User, message_id: int, *, body: str, interim: bool, now: datetime | None = None
) -> MessageReply:
    """Add the department's reply; a final one answers the message and measures the time.

    An interim reply sent by the due date moves it to 15 working days after receipt.
    """
    now = now or utcnow()
    message = get_message_for(user, message_id)
    if message.status == "closed":
        raise ExchangeError(IS_CLOSED)
    body = body.strip()
    if not body or len(body) > MAX_BODY_CHARS:
        raise FormError({"reply": FIELD_ERRORS["reply"]})
    before = snapshot(message, MESSAGE_AUDIT_FIELDS)
    reply = MessageReply(
        author="department", user_id=user.id, body=body, interim=interim, created_at=now
    )
    message.replies.append(reply)
    message.first_reply_at = message.first_reply_at or now
    received = china_date(message.created_at)
    if interim:
        if china_date(now) <= message.due_on:
            longest = add_working_days(received, INTERIM_REPLY_WORKING_DAYS)
            message.due_on = max(message.due_on, longest)
    elif message.answered_at is None:
        message.answered_at = now
        message.reply_working_days = working_days_between(received, china_date(now))
        message.status = "answered"
    record("message.reply", message, before, snapshot(message, MESSAGE_AUDIT_FIELDS), user)
    return reply


def close_message(user: User, message_id: int) -> Message:
    """Close a message for the department: no more replies from either side."""
    message = get_message_for(user, message_id)
    before = snapshot(message, MESSAGE_AUDIT_FIELDS)
    message.status = "closed"
    record("message.close", message, before, snapshot(message, MESSAGE_AUDIT_FIELDS), user)
    return message


def publish_message(
    user: User,
    message_id: int,
    *,
    public_question: str,
    public_answer: str,
    now: datetime | None = None,
) -> Message:
    """Publish a message as public Q&A: only with consent, and never with ID or mobile numbers."""
    message = get_message_for(user, message_id)
    if not message.publish_consent:
        raise ExchangeError(NO_CONSENT)
    public_question, public_answer = public_question.strip(), public_answer.strip()
    errors = _length_errors(
        public_question=(public_question, MAX_BODY_CHARS, True),
        public_answer=(public_answer, MAX_BODY_CHARS, True),
    )
    if errors:
        raise FormError(errors)
    text = f"{public_question}\n{public_answer}"
    if _ID_NUMBER.search(text):
        raise ExchangeError(HAS_ID_NUMBER)
    if _MOBILE.search(text):
        raise ExchangeError(HAS_MOBILE)
    before = snapshot(message, MESSAGE_AUDIT_FIELDS)
    message.public_question = public_question
    message.public_answer = public_answer
    message.published_at = message.published_at or now or utcnow()
    message.search_tokens = stored_tokens(public_question, public_answer)
    record("message.publish", message, before, snapshot(message, MESSAGE_AUDIT_FIELDS), user)
    return message


def unpublish_message(user: User, message_id: int) -> Message:
    """Take a message's Q&A off the public pages (its edited text is kept for later)."""
    message = get_message_for(user, message_id)
    before = snapshot(message, MESSAGE_AUDIT_FIELDS)
    message.published_at = None
    message.search_tokens = None
    record("message.unpublish", message, before, snapshot(message, MESSAGE_AUDIT_FIELDS), user)
    return message


def ratings_for(user: User, *, state: str | None = None, page: int = 1) -> Page:
    """Return a page of ratings of the user's departments' services, newest first.

    `state` "open" keeps bad ratings not yet followed up, "handled" those followed up.
    """
    query = _scoped(select(Rating), Rating.department_id, user)
    if state == "open":
        query = query.where(Rating.level.in_(BAD_LEVELS), Rating.handled_at.is_(None))
    elif state == "handled":
        query = query.where(Rating.handled_at.is_not(None))
    result = _page(query.order_by(Rating.created_at.desc(), Rating.id.desc()), page)
    item_ids = {rating.item_id for rating in result.rows}
    titles = dict(
        db.session.execute(select(Item.id, Item.title).where(Item.id.in_(item_ids))).all()
    )
    result.rows = [RatingRow(rating, titles.get(rating.item_id, "")) for rating in result.rows]
    return result


def follow_up_rating(
    user: User, rating_id: int, *, note: str, now: datetime | None = None
) -> Rating:
    """Record the department's follow-up of a rating (a return call); it is then handled."""
    rating = db.session.get(Rating, rating_id)
    if rating is None:
        raise RatingNotFoundError(rating_id)
    require_department(user, rating.department_id)
    note = note.strip()
    if not note or len(note) > MAX_COMMENT_CHARS:
        raise FormError({"note": FIELD_ERRORS["note"]})
    before = snapshot(rating, RATING_AUDIT_FIELDS)
    rating.follow_up = note
    rating.handled_at = now or utcnow()
    rating.handled_by = user.id
    record("rating.follow_up", rating, before, snapshot(rating, RATING_AUDIT_FIELDS), user)
    return rating


def _scoped(query: Select, column, user: User) -> Select:
    """Keep the rows of the user's departments (every row for administrators)."""
    return query if user.is_admin else query.where(column.in_(user.department_ids))


def _page(query: Select, page: int, per_page: int = PER_PAGE) -> Page:
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    page = max(page, 1)
    rows = list(db.session.scalars(query.offset((page - 1) * per_page).limit(per_page)))
    return Page(rows, total, page, per_page)


# Reply times ------------------------------------------------------------------------------


def reply_stats(
    department_ids: list[str] | set[str] | None = None,
    since: datetime | None = None,
    *,
    today: date | None = None,
    language: str = "zh",
) -> list[ReplyStats]:
    """Return reply times per department: messages, answered, on time, overdue, median days.

    With `department_ids`, every one of them gets a row (zeros included); without, every
    department that received a message. `since` keeps messages received from then on.
    """
    today = today or china_date(utcnow())
    query = select(
        Message.department_id,
        Message.status,
        Message.due_on,
        Message.answered_at,
        Message.reply_working_days,
    )
    if department_ids is not None:
        query = query.where(Message.department_id.in_(department_ids))
    if since is not None:
        query = query.where(Message.created_at >= as_utc(since))
    ids = set(department_ids) if department_ids is not None else set()
    rows = db.session.execute(query).all()
    ids |= {row.department_id for row in rows}
    names = {
        department.id: department.display_name(language)
        for department in (
            db.session.scalars(select(Department).where(Department.id.in_(ids))) if ids else ()
        )
    }
    stats = {
        department_id: ReplyStats(department_id, names.get(department_id, department_id))
        for department_id in sorted(ids)
    }
    for row in rows:
        entry = stats[row.department_id]
        entry.messages += 1
        if row.answered_at is not None:
            entry.answered += 1
            if china_date(row.answered_at) <= row.due_on:
                entry.answered_on_time += 1
            if row.reply_working_days is not None:
                entry.reply_days.append(row.reply_working_days)
        elif row.status == "received" and today > row.due_on:
            entry.overdue_open += 1
    return list(stats.values())
