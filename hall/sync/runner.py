"""Run one connector: fetch, normalise, store, and record the run.

A run that fails changes nothing but its own SyncRun row; a bad item is skipped and
counted. `hall.sync` is the only place that calls connectors.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any

from connectors import get_connector_class
from connectors.base import ConnectorError, FetchContext, FetchResult
from connectors.http import GuardedSession
from hall.catalog.services import InvalidRecordError, NormalisedItem, normalise_record, store_items
from hall.extensions import db
from hall.sync.models import ConnectorInstance, SyncRun
from hall.timestamps import utcnow

log = logging.getLogger(__name__)

# Item errors kept on a run: enough to explain, bounded so a broken feed can't bloat rows.
MAX_ITEM_ERRORS = 200


def run_connector(
    instance: ConnectorInstance, *, http: GuardedSession, settings: Mapping[str, Any]
) -> SyncRun:
    """Sync one connector instance once and return its committed SyncRun."""
    run = SyncRun(connector_id=instance.id, status="running", started_at=utcnow())
    db.session.add(run)
    db.session.commit()
    run_id, connector_id = run.id, instance.id

    try:
        result = _fetch(instance, http)
        _store(instance, run, result, settings)
        db.session.commit()
    except Exception as exc:  # noqa: BLE001 - one source's failure must never stop another
        db.session.rollback()
        run = db.session.get(SyncRun, run_id)
        run.status = "failed"
        run.error = _describe(exc)
        run.finished_at = utcnow()
        db.session.commit()
        if isinstance(exc, ConnectorError):
            log.warning("sync of %s failed: %s", connector_id, run.error)
        else:
            log.exception("sync of %s failed unexpectedly", connector_id)
    return run


def run_connectors(
    instances: Iterable[ConnectorInstance], *, http: GuardedSession, settings: Mapping[str, Any]
) -> list[SyncRun]:
    """Sync several connectors one after another; a failure stops none of the others."""
    return [run_connector(instance, http=http, settings=settings) for instance in instances]


def _fetch(instance: ConnectorInstance, http: GuardedSession) -> FetchResult:
    connector = get_connector_class(instance.type)(instance.config)
    context = FetchContext(
        http=http,
        cursor=dict(instance.cursor or {}),
        logger=logging.getLogger(f"connectors.{instance.type}.{instance.id}"),
    )
    result = connector.fetch(context)
    if not isinstance(result, FetchResult):
        raise ConnectorError(f"{instance.type} connector returned {type(result).__name__}")
    return result


def _store(
    instance: ConnectorInstance, run: SyncRun, result: FetchResult, settings: Mapping[str, Any]
) -> None:
    now = utcnow()
    errors = [
        {"external_id": e.external_id, "reason": e.reason, **({} if e.skipped else {"kept": True})}
        for e in result.errors
    ]
    run.fetched = len(result.records) + sum(1 for e in result.errors if e.skipped)
    if result.not_modified:
        run.status = "unchanged"
        run.finished_at = now
        return

    items: list[NormalisedItem] = []
    seen: set[str] = set()
    for record in result.records:
        try:
            item = normalise_record(record)
        except InvalidRecordError as exc:
            errors.append({"external_id": _short(record.external_id), "reason": str(exc)})
            continue
        if item.external_id in seen:
            errors.append({"external_id": item.external_id, "reason": "duplicate external id"})
            continue
        seen.add(item.external_id)
        items.append(item)

    counts = store_items(
        connector_id=instance.id,
        account_id=instance.account_id,
        items=items,
        complete=result.complete,
        sync_run_id=run.id,
        now=now,
        tombstone_after_misses=int(settings.get("SYNC_TOMBSTONE_AFTER_MISSES", 3)),
        max_shrink=float(settings.get("SYNC_MAX_SHRINK", 0.5)),
    )
    instance.cursor = dict(result.cursor or {})
    run.added, run.updated, run.unchanged = counts.added, counts.updated, counts.unchanged
    run.tombstoned = counts.tombstoned
    run.failed = sum(1 for e in errors if not e.get("kept"))
    run.item_errors = errors[:MAX_ITEM_ERRORS]
    run.status = "succeeded"
    if counts.shrink_guarded:
        run.error = "listing shrank sharply against the stored items; nothing was retired"
    run.finished_at = now


def _describe(exc: Exception) -> str:
    message = str(exc) or type(exc).__name__
    if not isinstance(exc, ConnectorError):
        message = f"{type(exc).__name__}: {message}"
    return message[:2000]


def _short(value: Any) -> str | None:
    return None if value is None else str(value)[:200]
