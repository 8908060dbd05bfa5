"""Connectors of an account, as a department sets them up: create, change, try, sync now.

Every function that takes a user checks it may act for the account's department. Writes
flush and add an audit entry with the config masked (a secret never reaches the audit
log); the request commits. `preview_connector` and `sync_connector_now` are the only
places outside the worker that call a connector.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from connectors import available, get_connector_class
from connectors.base import (
    ConfigError,
    Connector,
    ConnectorError,
    FetchContext,
    Record,
    RecordError,
)
from connectors.http import GuardedSession
from hall.audit.services import record
from hall.directory.models import Account
from hall.extensions import db
from hall.sync.leases import claim_connector
from hall.sync.models import ConnectorInstance, SyncItemOutcome, SyncRun
from hall.sync.runner import next_cron_time, run_connector
from hall.sync.scheduler import worker_name
from hall.timestamps import utcnow
from hall.users.models import User
from hall.users.services import require_department

# Types a department cannot set up by hand: "push" instances come with an API token.
NOT_CONFIGURABLE = ("push",)
MIN_INTERVAL_SECONDS = 60
PREVIEW_RECORDS = 10
MAX_CONNECTOR_ID_CHARS = 64

log = logging.getLogger(__name__)


class ConnectorNotFoundError(LookupError):
    """No connector (or run) with this id belongs to the account."""


class ConnectorBusyError(Exception):
    """The connector is running now (another worker holds its lease)."""


class NotPullableError(Exception):
    """The connector has nothing to pull (a push connector); it cannot be tried or synced."""


@dataclass(frozen=True)
class Preview:
    """What a test run of a connector read: the first records, or why it could not."""

    records: list[Record]
    total: int
    item_errors: list[RecordError]
    error: str | None = None


def configurable_types() -> dict[str, type[Connector]]:
    """Return the connector classes a department may add, by type."""
    return {
        name: get_connector_class(name)
        for name in sorted(available())
        if name not in NOT_CONFIGURABLE
    }


def connector_class(type_name: str) -> type[Connector]:
    """Return the class of a type a department may add; ConfigError for any other."""
    if type_name not in configurable_types():
        raise ConfigError({"type": f"unknown connector type {type_name!r}"})
    return get_connector_class(type_name)


def account_connectors(
    user: User, account_id: str
) -> list[tuple[ConnectorInstance, SyncRun | None]]:
    """Return the account's connectors, each with its latest run (None: never ran)."""
    account = _account(user, account_id)
    instances = db.session.scalars(
        select(ConnectorInstance)
        .where(ConnectorInstance.account_id == account.id)
        .order_by(ConnectorInstance.id)
    ).all()
    return [(instance, instance.runs.first()) for instance in instances]


def get_connector(user: User, account_id: str, connector_id: str) -> ConnectorInstance:
    """Return one connector of the account, checking the user may act for it."""
    account = _account(user, account_id)
    instance = db.session.get(ConnectorInstance, connector_id)
    if instance is None or instance.account_id != account.id:
        raise ConnectorNotFoundError(connector_id)
    return instance


def connector_runs(instance: ConnectorInstance, limit: int = 30) -> list[SyncRun]:
    """Return the connector's latest runs, newest first."""
    return list(instance.runs.limit(limit))


def get_run(
    user: User, account_id: str, connector_id: str, run_id: int
) -> tuple[SyncRun, list[SyncItemOutcome]]:
    """Return one run of the connector and what it did to each item."""
    instance = get_connector(user, account_id, connector_id)
    run = db.session.get(SyncRun, run_id)
    if run is None or run.connector_id != instance.id:
        raise ConnectorNotFoundError(str(run_id))
    outcomes = db.session.scalars(
        select(SyncItemOutcome)
        .where(SyncItemOutcome.sync_run_id == run.id, SyncItemOutcome.outcome != "unchanged")
        .order_by(SyncItemOutcome.id)
    ).all()
    return run, list(outcomes)


def create_connector(
    user: User,
    account_id: str,
    *,
    type: str,  # noqa: A002 - the connector's "type", as everywhere else
    config: Mapping[str, Any],
    interval_seconds: int | None = None,
    cron: str | None = None,
) -> ConnectorInstance:
    """Add a connector to the account; ConfigError names each bad field."""
    account = _account(user, account_id)
    cls = connector_class(type)
    validated, schedule = _validate(cls, config, interval_seconds, cron)
    instance = ConnectorInstance(
        id=_new_connector_id(account.id, type),
        account_id=account.id,
        type=type,
        config=validated,
        cursor={},
        enabled=True,
        **schedule,
    )
    db.session.add(instance)
    db.session.flush()
    record("connector.create", instance, None, _audited(cls, instance), user)
    return instance


def update_connector(
    user: User,
    account_id: str,
    connector_id: str,
    *,
    config: Mapping[str, Any],
    interval_seconds: int | None = None,
    cron: str | None = None,
    enabled: bool = True,
) -> ConnectorInstance:
    """Change a connector's config and schedule; a sensitive field left empty keeps its value."""
    instance = get_connector(user, account_id, connector_id)
    if instance.type in NOT_CONFIGURABLE:
        raise NotPullableError(f"a {instance.type} connector has no settings")
    cls = get_connector_class(instance.type)
    merged = keep_stored_secrets(cls, config, instance.config)
    validated, schedule = _validate(cls, merged, interval_seconds, cron)
    before = _audited(cls, instance)
    secrets_changed = sorted(
        f.name
        for f in cls.fields
        if f.sensitive and validated.get(f.name) != instance.config.get(f.name)
    )
    if validated != instance.config:
        # The cursor belongs to the old source: a new address starts from scratch.
        instance.cursor = {}
    instance.config = validated
    instance.enabled = enabled
    instance.interval_seconds = schedule["interval_seconds"]
    instance.cron = schedule["cron"]
    instance.next_run_at = schedule["next_run_at"]
    db.session.flush()
    after = {**_audited(cls, instance), "secrets_changed": secrets_changed}
    record("connector.update", instance, before, after, user)
    return instance


def keep_stored_secrets(
    cls: type[Connector], config: Mapping[str, Any], stored: Mapping[str, Any] | None
) -> dict[str, Any]:
    """Return `config` with each empty sensitive field filled from the stored config."""
    merged = dict(config)
    for field in cls.fields:
        if field.sensitive and merged.get(field.name) in (None, "") and stored:
            if stored.get(field.name) is not None:
                merged[field.name] = stored[field.name]
    return merged


def preview_connector(
    type_name: str, config: Mapping[str, Any], *, settings: Mapping[str, Any]
) -> Preview:
    """Run the connector's fetch once, saving nothing; ConfigError names each bad field."""
    cls = get_connector_class(type_name)
    if type_name in NOT_CONFIGURABLE:
        raise NotPullableError(f"a {type_name} connector has nothing to read")
    connector = cls(config)  # raises ConfigError
    logger = logging.getLogger(f"connectors.{type_name}.preview")
    with GuardedSession.from_settings(settings) as http:
        try:
            result = connector.fetch(FetchContext(http=http, cursor={}, logger=logger))
        except Exception as exc:  # noqa: BLE001 - a source's failure is shown, never a 500
            return Preview(records=[], total=0, item_errors=[], error=describe_error(exc))
    return Preview(
        records=list(result.records[:PREVIEW_RECORDS]),
        total=len(result.records),
        item_errors=list(result.errors[:PREVIEW_RECORDS]),
    )


def sync_connector_now(
    user: User, account_id: str, connector_id: str, *, settings: Mapping[str, Any]
) -> SyncRun:
    """Run one connector now under a lease, as a worker would, and return its run."""
    instance = get_connector(user, account_id, connector_id)
    if instance.type in NOT_CONFIGURABLE:
        raise NotPullableError(f"a {instance.type} connector is filled by pushes, not synced")
    me = worker_name()
    if not claim_connector(instance.id, me, lease_seconds=settings["SYNC_LEASE_SECONDS"]):
        raise ConnectorBusyError(f"connector {instance.id} is running now")
    instance = db.session.get(ConnectorInstance, connector_id)
    with GuardedSession.from_settings(settings) as http:
        return run_connector(instance, http=http, settings=settings, worker=me)


def describe_error(exc: Exception) -> str:
    """Return an error of a connector run in plain words."""
    if isinstance(exc, ConnectorError):
        return str(exc)
    log.warning("connector preview failed unexpectedly", exc_info=exc)
    return "the connector failed unexpectedly; the server log has the details"


def _validate(
    cls: type[Connector],
    config: Mapping[str, Any],
    interval_seconds: int | None,
    cron: str | None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Return the validated config and schedule, or raise one ConfigError naming every field."""
    errors: dict[str, str] = {}
    validated: dict[str, Any] = {}
    try:
        validated = cls.validate_config(config)
    except ConfigError as exc:
        errors.update(exc.errors)
    cron = (cron or "").strip() or None
    next_run_at = None
    if cron is not None:
        try:
            next_run_at = next_cron_time(cron, utcnow())
        except ValueError as exc:
            errors["cron"] = f"not a crontab line ({exc})"
    if interval_seconds is not None and interval_seconds < MIN_INTERVAL_SECONDS:
        errors["interval_seconds"] = f"must be at least {MIN_INTERVAL_SECONDS} seconds"
    if errors:
        raise ConfigError(errors)
    schedule = {"interval_seconds": interval_seconds, "cron": cron, "next_run_at": next_run_at}
    return validated, schedule


def _audited(cls: type[Connector], instance: ConnectorInstance) -> dict[str, Any]:
    return {
        "type": instance.type,
        "config": cls.masked(instance.config),
        "interval_seconds": instance.interval_seconds,
        "cron": instance.cron,
        "enabled": instance.enabled,
    }


def _new_connector_id(account_id: str, type_name: str) -> str:
    base = re.sub(r"[^a-z0-9-]+", "-", f"{account_id}-{type_name}".lower()).strip("-")
    base = base[: MAX_CONNECTOR_ID_CHARS - 4]
    candidate, n = base, 1
    while db.session.get(ConnectorInstance, candidate) is not None:
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def _account(user: User, account_id: str) -> Account:
    account = db.session.get(Account, account_id)
    if account is None:
        raise ConnectorNotFoundError(account_id)
    require_department(user, account.department_id)
    return account
