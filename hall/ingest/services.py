"""Push ingest: account tokens, and items a department sends instead of being pulled.

Each account that pushes gets one connector instance of type "push" (`<account>-push`,
disabled, so scheduled pulls skip it). Pushed items take the connectors' path into the
catalog: `normalise_record`, then `store_items`, which writes the change log the indexer
follows, and every push is recorded as a sync run of that instance.

Tokens are shown once, when created; only their SHA-256 is stored.

These functions flush; the request (or the CLI command) commits.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import ValidationError

from connectors.base import clean_text
from hall.catalog.models import ChangeLog, Item
from hall.catalog.services import (
    InvalidRecordError,
    NormalisedItem,
    StoreCounts,
    normalise_record,
    store_items,
)
from hall.directory.models import Account, AccountToken
from hall.extensions import db
from hall.ingest.schemas import PushedItem
from hall.sync.models import ConnectorInstance, SyncRun
from hall.sync.runner import record_outcomes
from hall.timestamps import utcnow

log = logging.getLogger(__name__)

PUSH_CONNECTOR_TYPE = "push"
# Recognisable in logs, configs and secret scanners; the rest is 256 random bits.
TOKEN_PREFIX = "sh_"
# Characters of the token kept in clear to tell tokens apart ("sh_" and 5 random ones).
SHOWN_PREFIX_CHARS = 8
MAX_TOKEN_NAME_CHARS = 200
# A header longer than any token we issue is not worth hashing.
MAX_BEARER_CHARS = 200
# One push: at most this many items, in a body of at most this many bytes.
MAX_PUSH_ITEMS = 500
MAX_PUSH_BYTES = 5 * 1024 * 1024
# Item errors kept on a run, as the sync runner does; the outcome rows keep them all.
MAX_RUN_ITEM_ERRORS = 200
MAX_REASON_CHARS = 500

ItemStatus = Literal["added", "updated", "unchanged", "failed"]


class IngestError(Exception):
    """Base class of the errors push ingest raises; the message is shown to the client."""


class TokenRequiredError(IngestError):
    """The request carries no bearer token."""


class InvalidTokenError(IngestError):
    """The bearer token is unknown or revoked."""


class AccountNotFoundError(IngestError, LookupError):
    """No account has this id."""


class WrongAccountError(IngestError):
    """The token belongs to another account."""


class AccountNotActiveError(IngestError):
    """The account's filing is not approved (pending, suspended, closed, ...)."""


class PushConnectorConflictError(IngestError):
    """The push connector's id is taken by a connector of another type or account."""


class PushedItemNotFoundError(IngestError, LookupError):
    """The account never pushed an item with this external id."""


class TokenNotFoundError(IngestError, LookupError):
    """No token has this id."""


class TokenNameError(IngestError, ValueError):
    """A token needs a name, to tell it apart from the account's other tokens."""


# Tokens ---------------------------------------------------------------------------------


def create_token(account_id: str, name: str) -> tuple[AccountToken, str]:
    """Create a token for the account; return it with its plaintext, shown only this once."""
    account = _get_account(account_id)
    name = clean_text(name) or ""
    if not name:
        raise TokenNameError("a token needs a name, such as the system that will use it")
    plaintext = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = AccountToken(
        account_id=account.id,
        name=name[:MAX_TOKEN_NAME_CHARS],
        token_hash=_hash(plaintext),
        prefix=plaintext[:SHOWN_PREFIX_CHARS],
        created_at=utcnow(),
    )
    db.session.add(token)
    ensure_push_connector(account.id)
    db.session.flush()
    log.info("token %s (%s…) created for account %s", token.id, token.prefix, account.id)
    return token, plaintext


def list_tokens(account_id: str) -> list[AccountToken]:
    """Return the account's tokens, revoked ones included, oldest first."""
    account = _get_account(account_id)
    query = db.select(AccountToken).where(AccountToken.account_id == account.id)
    return list(db.session.scalars(query.order_by(AccountToken.id)))


def revoke_token(token_id: int) -> AccountToken:
    """Revoke a token from now on; revoking it again keeps the first revocation time."""
    token = db.session.get(AccountToken, token_id)
    if token is None:
        raise TokenNotFoundError(f"no token has the id {token_id}")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        db.session.flush()
        log.info("token %s (%s…) of account %s revoked", token.id, token.prefix, token.account_id)
    return token


def authenticate(account_id: str, bearer: str | None) -> AccountToken:
    """Return the live token `bearer` of an approved account `account_id`, or raise.

    Checked in this order, so a caller without a valid token learns nothing about the
    account: a token (401), the account (404), the token's account (403), the filing (403).
    """
    if not bearer:
        raise TokenRequiredError("send the account's API token: Authorization: Bearer <token>")
    token = None
    if len(bearer) <= MAX_BEARER_CHARS:
        digest = _hash(bearer)
        # The lookup's timing can only tell about the hash, useless without a preimage.
        # The constant-time comparison makes the match exact whatever the database's
        # collation does with case or padding.
        token = db.session.scalar(db.select(AccountToken).where(AccountToken.token_hash == digest))
        if token is not None and not hmac.compare_digest(token.token_hash, digest):
            token = None
    if token is None:
        raise InvalidTokenError("the API token is not valid")
    if token.revoked_at is not None:
        raise InvalidTokenError("the API token was revoked")
    account = _get_account(account_id)
    if token.account_id != account.id:
        raise WrongAccountError(f"this token belongs to another account, not {account.id!r}")
    if account.filing_status != "approved":
        raise AccountNotActiveError(
            f"account {account.id!r} is {account.filing_status}: "
            "only accounts whose filing is approved may push or delete items"
        )
    token.last_used_at = utcnow()
    db.session.flush()
    return token


def _hash(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode("utf-8")).hexdigest()


def _get_account(account_id: str) -> Account:
    account = db.session.get(Account, account_id)
    if account is None:
        raise AccountNotFoundError(f"no account has the id {account_id!r}")
    return account


# The push connector ---------------------------------------------------------------------


def push_connector_id(account_id: str) -> str:
    """Return the id of the account's push connector instance."""
    connector_id = f"{account_id}-push"
    if len(connector_id) > 64:
        # Ids are at most 64 characters; keep long account ids apart with a short hash.
        digest = hashlib.sha256(account_id.encode("utf-8")).hexdigest()[:8]
        connector_id = f"{account_id[:50]}-{digest}-push"
    return connector_id


def ensure_push_connector(account_id: str) -> ConnectorInstance:
    """Return the account's push connector instance, creating it (disabled) if needed."""
    connector_id = push_connector_id(account_id)
    # FOR UPDATE (on PostgreSQL) makes two pushes to one account take turns, so both
    # never insert the same new external id; SQLite serialises writers anyway.
    instance = db.session.get(ConnectorInstance, connector_id, with_for_update=True)
    if instance is None:
        instance = ConnectorInstance(
            id=connector_id,
            account_id=account_id,
            type=PUSH_CONNECTOR_TYPE,
            config={},
            cursor={},
            # Nothing to pull: the scheduler must never pick it.
            enabled=False,
        )
        db.session.add(instance)
        db.session.flush()
    elif instance.type != PUSH_CONNECTOR_TYPE or instance.account_id != account_id:
        raise PushConnectorConflictError(
            f"connector id {connector_id!r} is taken by a {instance.type!r} connector "
            f"of account {instance.account_id!r}; rename it to let this account push"
        )
    return instance


# Pushing and deleting items ---------------------------------------------------------------


@dataclass
class PushedItemResult:
    """What a push did to one item of the batch, by its position in the batch."""

    index: int
    external_id: str | None
    status: ItemStatus
    reason: str | None = None


@dataclass
class PushResult:
    """Counts and per-item results of one push, and the sync run that records it."""

    run_id: int
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0
    results: list[PushedItemResult] = field(default_factory=list)


def push_items(
    account_id: str, records_payload: Sequence[Any], *, token: AccountToken | None = None
) -> PushResult:
    """Add or update the account's pushed items; bad items are reported, the rest stored.

    Idempotent by external id: pushing the same item again leaves it unchanged. A push is
    never a complete listing, so it retires nothing; use `delete_item` for that.
    """
    instance = ensure_push_connector(account_id)
    run = _start_run(instance, token)
    # The run's insert takes SQLite's write lock before the stored items are read below.
    db.session.flush()

    results: dict[int, PushedItemResult] = {}
    accepted: list[tuple[int, NormalisedItem]] = []
    seen: set[str] = set()
    for index, raw in enumerate(records_payload):
        try:
            item = normalise_record(PushedItem.model_validate(raw).to_record())
        except ValidationError as exc:
            results[index] = _failed(index, raw, _describe_validation(exc))
            continue
        except InvalidRecordError as exc:
            results[index] = _failed(index, raw, str(exc))
            continue
        if item.external_id in seen:
            results[index] = _failed(index, raw, "duplicate external id in this batch")
            continue
        seen.add(item.external_id)
        accepted.append((index, item))

    counts = store_items(
        connector_id=instance.id,
        account_id=account_id,
        items=[item for _, item in accepted],
        complete=False,
        sync_run_id=run.id,
        now=run.started_at,
        # Unused when complete=False: nothing is ever retired by a push.
        tombstone_after_misses=1,
        max_shrink=0.0,
    )
    outcomes = {o.item.external_id: o.outcome for o in counts.outcomes}
    for index, item in accepted:
        results[index] = PushedItemResult(index, item.external_id, outcomes[item.external_id])

    ordered = [results[index] for index in sorted(results)]
    failures = [r for r in ordered if r.status == "failed"]
    run.fetched = len(ordered)
    run.added, run.updated, run.unchanged = counts.added, counts.updated, counts.unchanged
    run.failed = len(failures)
    run.item_errors = [
        {"external_id": r.external_id, "reason": f"item {r.index}: {r.reason}"}
        for r in failures[:MAX_RUN_ITEM_ERRORS]
    ]
    _finish_run(run, counts, failures)
    return PushResult(
        run_id=run.id,
        added=counts.added,
        updated=counts.updated,
        unchanged=counts.unchanged,
        failed=len(failures),
        results=ordered,
    )


def delete_item(account_id: str, external_id: str, *, token: AccountToken | None = None) -> bool:
    """Withdraw a pushed item now; return False when it was already withdrawn.

    The owner saying so is not an inference from a listing, so the item is tombstoned at
    once, without the misses and shrink guard that protect pulled items. Raises
    PushedItemNotFoundError when the account never pushed that external id.
    """
    external_id = clean_text(external_id) or ""
    item = db.session.scalar(
        db.select(Item).where(
            Item.connector_id == push_connector_id(account_id), Item.external_id == external_id
        )
    )
    if item is None:
        raise PushedItemNotFoundError(f"account {account_id!r} never pushed {external_id!r}")
    if item.tombstoned_at is not None:
        return False
    instance = ensure_push_connector(account_id)
    run = _start_run(instance, token)
    db.session.flush()
    item.tombstoned_at = run.started_at
    item.missing_count = 0
    db.session.add(
        ChangeLog(
            item_id=item.id, action="tombstoned", sync_run_id=run.id, changed_at=run.started_at
        )
    )
    counts = StoreCounts()
    counts.record(item, "tombstoned", reason="deleted by the account")
    _finish_run(run, counts, [])
    return True


def _start_run(instance: ConnectorInstance, token: AccountToken | None) -> SyncRun:
    now = utcnow()
    run = SyncRun(
        connector_id=instance.id,
        status="running",
        started_at=now,
        # Run history shows which token pushed: the account may hold several.
        worker=f"push, token {token.prefix}…" if token is not None else "push",
    )
    db.session.add(run)
    return run


def _finish_run(run: SyncRun, counts: StoreCounts, failures: list[PushedItemResult]) -> None:
    """Mark the run succeeded and keep one outcome row per item, as sync runs do."""
    now = utcnow()
    run.tombstoned = counts.tombstoned
    run.status = "succeeded"
    run.finished_at = now
    failures = [(r.external_id, f"item {r.index}: {r.reason}") for r in failures]
    record_outcomes(run, counts, failures, now)
    db.session.flush()


def _failed(index: int, raw: Any, reason: str) -> PushedItemResult:
    external_id = raw.get("external_id") if isinstance(raw, dict) else None
    shown = clean_text(external_id) if isinstance(external_id, str | int) else None
    return PushedItemResult(index, shown and shown[:500], "failed", reason[:MAX_REASON_CHARS])


def _describe_validation(exc: ValidationError) -> str:
    """Return pydantic's errors as one line: "field.path: message; ..."."""
    parts = []
    for error in exc.errors():
        where = ".".join(str(part) for part in error["loc"])
        message = "unknown field" if error["type"] == "extra_forbidden" else error["msg"]
        # Errors raised by our own validators come prefixed "Value error, ".
        message = message.removeprefix("Value error, ")
        parts.append(f"{where}: {message}" if where else message)
    return "; ".join(parts)
