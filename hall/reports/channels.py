"""Interaction channels: check that each account's message or comment address answers.

An inspection fails an account whose citizens cannot reach it (DOMAIN.md), and a filing
that lists "留言" says nothing about whether the page still works. So the daily health job
requests every approved account's `interaction_url` through the guarded HTTP session (the
address is typed by operators: untrusted, like a source URL) and keeps the last answer on
the account, where health reports read it.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from connectors.http import (
    BadContentError,
    BlockedAddressError,
    ConnectionFailedError,
    ConnectTimeoutError,
    DeadlineExceededError,
    GuardedSession,
    HttpError,
    HttpStatusError,
    ReadTimeoutError,
    ResponseTooLargeError,
    SchemeNotAllowedError,
    TooManyRedirectsError,
)
from hall.directory.models import Account
from hall.extensions import db
from hall.timestamps import as_utc, utcnow

log = logging.getLogger(__name__)

BATCH_SIZE = 50  # accounts checked, then committed, together
# Checks wait on the network, not the CPU; a few at once keep a daily run of a thousand
# accounts short even when many addresses hang until the timeout.
PARALLEL_CHECKS = 4
# A channel page is read only to see that it answers; a longer page still answered.
MAX_PAGE_BYTES = 1024 * 1024


@dataclass(frozen=True)
class ChannelCheck:
    """The answer of one interaction channel address."""

    ok: bool
    detail: str


@dataclass
class ChannelCheckSummary:
    """How many channel addresses were checked, and how many of them work."""

    checked: int = 0
    works: int = 0
    fails: int = 0

    def count(self, result: ChannelCheck) -> None:
        self.checked += 1
        if result.ok:
            self.works += 1
        else:
            self.fails += 1

    def __str__(self) -> str:
        return f"{self.checked} checked: {self.works} work, {self.fails} fail"


def check_channels(now: datetime | None = None) -> ChannelCheckSummary:
    """Check every approved account's interaction channel address; store and commit."""
    config = current_app.config
    now = as_utc(now) or utcnow()
    timeout = float(config["CHANNEL_CHECK_TIMEOUT"])
    account_ids = db.session.scalars(
        select(Account.id)
        .where(
            Account.filing_status == "approved",
            Account.interaction_url.is_not(None),
            Account.interaction_url != "",
        )
        .order_by(Account.id)
    ).all()
    summary = ChannelCheckSummary()
    with channel_session(config) as http, ThreadPoolExecutor(PARALLEL_CHECKS) as pool:
        for start in range(0, len(account_ids), BATCH_SIZE):
            # Accounts removed since the listing simply drop out of the batch.
            batch = db.session.scalars(
                select(Account)
                .where(Account.id.in_(account_ids[start : start + BATCH_SIZE]))
                .order_by(Account.id)
            ).all()
            # Read in this thread: the session and its objects belong to it.
            urls = [account.interaction_url for account in batch]
            results = pool.map(lambda url: check_channel(http, url, timeout), urls)
            for account, result in zip(batch, results, strict=True):
                _store(account, result, now)
                summary.count(result)
            try:
                db.session.commit()
            except SQLAlchemyError:
                # An account changed under us; the next batches are still worth storing.
                db.session.rollback()
                log.exception("channel checks of %s accounts could not be stored", len(batch))
    return summary


def _store(account: Account, result: ChannelCheck, now: datetime) -> None:
    account.channel_checked_at = now
    account.channel_ok = result.ok
    account.channel_detail = result.detail
    if not result.ok:
        # The host only: a query string may carry an access token.
        host = _host(account.interaction_url)
        log.info("channel of %s (%s) fails: %s", account.id, host, result.detail)


def channel_session(settings: Mapping[str, Any]) -> GuardedSession:
    """Return the guarded session with the HTTP_* policy and the channel check's timeout."""
    timeout = float(settings["CHANNEL_CHECK_TIMEOUT"])
    connect = settings.get("HTTP_CONNECT_TIMEOUT") or timeout
    return GuardedSession.from_settings(
        {
            **settings,
            "HTTP_CONNECT_TIMEOUT": min(float(connect), timeout),
            "HTTP_READ_TIMEOUT": timeout,
            "HTTP_TOTAL_DEADLINE": timeout,
            "HTTP_MAX_BYTES": MAX_PAGE_BYTES,
        }
    )


def check_channel(http: GuardedSession, url: str, timeout: float) -> ChannelCheck:
    """Request `url` once and say, in plain words, whether it works; never raise."""
    try:
        response = http.get(url)
    except HttpError as exc:
        return _judge_error(exc, timeout)
    except Exception as exc:  # noqa: BLE001 - one odd address must not stop the others
        # The exception's text may repeat the URL (and its token), so only its kind is kept.
        log.warning("channel check of %s broke: %s", _host(url), type(exc).__name__)
        return ChannelCheck(False, "could not be checked")
    return ChannelCheck(True, f"answered {response.status}")


def _judge_error(exc: HttpError, timeout: float) -> ChannelCheck:
    # Status and body errors come after the server answered; the rest before it did.
    if isinstance(exc, HttpStatusError):
        # A final 3xx with nowhere to go still shows the server serves the address.
        return ChannelCheck(exc.status < 400, f"answered {exc.status}")
    if isinstance(exc, ResponseTooLargeError):
        return ChannelCheck(True, "answered with a long page")
    if isinstance(exc, BadContentError):
        return ChannelCheck(False, "answered with a broken page")
    if isinstance(exc, BlockedAddressError):
        return ChannelCheck(False, "address not allowed")
    if isinstance(exc, SchemeNotAllowedError):
        return ChannelCheck(False, "not an http or https address")
    if isinstance(exc, DeadlineExceededError | ConnectTimeoutError | ReadTimeoutError):
        return ChannelCheck(False, f"no answer within {timeout:g} s")
    if isinstance(exc, TooManyRedirectsError):
        return ChannelCheck(False, "too many redirects")
    if isinstance(exc, ConnectionFailedError):
        return ChannelCheck(False, _connection_failure(exc.message))
    return ChannelCheck(False, "not a valid address")


def _connection_failure(message: str) -> str:
    lowered = message.lower()
    if lowered.startswith("tls failed"):
        return "secure connection (TLS) failed"
    if "resolve" in lowered or "name or service" in lowered or "getaddrinfo" in lowered:
        return "host name not found"
    if "refused" in lowered:
        return "connection refused"
    return "could not connect"


def _host(url: str | None) -> str:
    try:
        return urlsplit(url or "").hostname or "?"
    except ValueError:
        return "?"
