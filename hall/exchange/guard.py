"""Keep bots and floods out of the citizens' forms without learning who sends them.

Checks, cheapest first: a honeypot field people never see (hidden by the stylesheet,
which scripts that fill every input do not read), a signed stamp of when the form was
served (sent within seconds is a script, older than a day a stale page), a cap on links,
and a rate limit per sender. The sender is an HMAC of the remote address keyed with the
secret key and the China date, so the address is never stored and a row cannot be tied
to an address once the day has turned.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import delete, func, select

from hall.exchange.models import Submission
from hall.extensions import db
from hall.workdays import china_date

HONEYPOT_FIELD = "website"
STAMP_FIELD = "form_stamp"
RATE_WINDOW = timedelta(hours=1)
# Rows older than this can no longer count against anyone (the key has rotated anyway).
SUBMISSION_RETENTION = timedelta(days=1)

_STAMP_SALT = "hall.exchange.form-stamp"
_LINK = re.compile(r"https?://|www\.", re.IGNORECASE)

# Reasons a submission is refused, as English message ids the pages translate.
HONEYPOT_FILLED = "A field meant to stay empty was filled in, so the form looks automated."
STAMP_BAD = "The form has expired or was not understood. Please check it and send it again."
TOO_FAST = "The form was sent too quickly. Please check it and send it again."
TOO_MANY_LINKS = "Please include at most %(count)s links."
TOO_MANY_SUBMISSIONS = (
    "Too many submissions from your connection in the last hour. "
    "Please try again later; what you typed is kept below."
)
REASONS = (HONEYPOT_FILLED, STAMP_BAD, TOO_FAST, TOO_MANY_LINKS, TOO_MANY_SUBMISSIONS)


class RejectedError(Exception):
    """A submission was refused: `message` is an English message id, `status` the HTTP status."""

    status = 400

    def __init__(self, message: str, **values: object):
        super().__init__(message % values if values else message)
        self.message = message
        self.values = values


class SpamError(RejectedError):
    """The form looks automated or stale (400)."""


class RateLimitError(RejectedError):
    """The sender sent too much in the last hour (429)."""

    status = 429


@dataclass(frozen=True)
class Submitted:
    """What the guard reads from a form post besides its fields."""

    honeypot: str
    stamp: str
    remote_addr: str


def form_stamp(now: datetime) -> str:
    """Return a signed stamp of `now` for a form to carry back."""
    return _serializer().dumps(int(now.timestamp()))


def check_form(submitted: Submitted, texts: list[str], *, now: datetime) -> None:
    """Raise SpamError if the trap is filled, the stamp is bad, young or old, or links abound."""
    if submitted.honeypot.strip():
        raise SpamError(HONEYPOT_FILLED)
    try:
        stamped = _serializer().loads(submitted.stamp)
    except BadSignature:
        raise SpamError(STAMP_BAD) from None
    if not isinstance(stamped, int):
        raise SpamError(STAMP_BAD)
    age = now.timestamp() - stamped
    config = current_app.config
    if age > config["MESSAGE_MAX_FORM_AGE_SECONDS"] or age < -60:  # a minute of clock skew
        raise SpamError(STAMP_BAD)
    if age < config["MESSAGE_MIN_SECONDS"]:
        raise SpamError(TOO_FAST)
    most = config["MESSAGE_MAX_LINKS"]
    if sum(len(_LINK.findall(text or "")) for text in texts) > most:
        raise SpamError(TOO_MANY_LINKS, count=most)


def sender_hash(remote_addr: str, *, now: datetime) -> str:
    """Return the day's keyed hash of a remote address (the key rotates at China midnight)."""
    key = f"{current_app.config['SECRET_KEY']}|{china_date(now).isoformat()}".encode()
    return hmac.new(key, (remote_addr or "").encode(), hashlib.sha256).hexdigest()


def check_rate(action: str, submitted: Submitted, *, now: datetime) -> str:
    """Raise RateLimitError if the sender reached MESSAGE_RATE_LIMIT; return its hash."""
    sender = sender_hash(submitted.remote_addr, now=now)
    recent = db.session.scalar(
        select(func.count())
        .select_from(Submission)
        .where(
            Submission.action == action,
            Submission.sender_hash == sender,
            Submission.at > now - RATE_WINDOW,
        )
    )
    if recent >= current_app.config["MESSAGE_RATE_LIMIT"]:
        raise RateLimitError(TOO_MANY_SUBMISSIONS)
    return sender


def log_submission(action: str, sender: str, *, now: datetime) -> None:
    """Count one accepted submission and forget the ones too old to count."""
    db.session.execute(delete(Submission).where(Submission.at < now - SUBMISSION_RETENTION))
    db.session.add(Submission(action=action, sender_hash=sender, at=now))
    db.session.flush()


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=_STAMP_SALT)
