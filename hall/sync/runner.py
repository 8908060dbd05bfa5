"""Run one connector: fetch, normalise, store, and record the run.

A run that fails changes nothing but its own SyncRun row (and its connector's schedule);
a bad item is skipped and counted. `hall.sync` is the only place that calls connectors.

While a run works, a heartbeat thread stamps the run and extends its connector's lease on
a connection of its own, and picks up a cancel request. Between requests the run checks
its time limit and the cancel flag, so a stuck or unwanted run ends at the next step.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import select, update

from connectors import get_connector_class
from connectors.base import ConnectorError, FetchContext, FetchError, FetchResult
from connectors.http import GuardedSession
from hall.catalog.services import (
    InvalidRecordError,
    NormalisedItem,
    StoreCounts,
    normalise_record,
    store_items,
)
from hall.extensions import db
from hall.sync.models import ConnectorInstance, SyncItemOutcome, SyncRun
from hall.timestamps import utcnow

log = logging.getLogger(__name__)

# Item errors kept on a run: enough to explain, bounded so a broken feed can't bloat rows.
MAX_ITEM_ERRORS = 200


class RunStoppedError(FetchError):
    """The run was cancelled or ran past its time limit; `status` says which."""

    def __init__(self, status: str, message: str):
        super().__init__(message)
        self.status = status


class _RunGuard:
    """Tells a run to stop: on a cancel request, or once its time limit has passed."""

    def __init__(self, time_limit: float):
        self.deadline = time.monotonic() + time_limit
        self.time_limit = time_limit
        self.cancelled = threading.Event()

    def check(self) -> None:
        if self.cancelled.is_set():
            raise RunStoppedError("cancelled", "the run was cancelled")
        if time.monotonic() > self.deadline:
            raise RunStoppedError("failed", f"the run took longer than {self.time_limit:g} s")


class _GuardedRunSession:
    """The connector's HTTP session, checking the run's guard before every request."""

    def __init__(self, http: GuardedSession, guard: _RunGuard):
        self._http = http
        self._guard = guard

    def get(self, *args: Any, **kwargs: Any):
        self._guard.check()
        return self._http.get(*args, **kwargs)

    def post(self, *args: Any, **kwargs: Any):
        self._guard.check()
        return self._http.post(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._http, name)


class _Heartbeat(threading.Thread):
    """Stamps the run, extends the lease, and notices cancel requests, every few seconds."""

    def __init__(self, app_engine, run_id: int, connector_id: str, worker: str | None,
                 settings: Mapping[str, Any], guard: _RunGuard):  # fmt: skip
        super().__init__(name=f"heartbeat-{connector_id}", daemon=True)
        self.engine = app_engine
        self.run_id = run_id
        self.connector_id = connector_id
        self.worker = worker
        self.every = float(settings.get("SYNC_HEARTBEAT_SECONDS", 15))
        self.lease = float(settings.get("SYNC_LEASE_SECONDS", 120))
        self.guard = guard
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(self.every):
            try:
                self.beat()
            except Exception:  # noqa: BLE001 - a missed beat must not kill the run
                log.warning("heartbeat of run %s failed", self.run_id, exc_info=True)

    def beat(self) -> None:
        now = utcnow()
        with self.engine.begin() as connection:
            connection.execute(
                update(SyncRun).where(SyncRun.id == self.run_id).values(heartbeat_at=now)
            )
            if self.worker:
                connection.execute(
                    update(ConnectorInstance)
                    .where(ConnectorInstance.id == self.connector_id)
                    .where(ConnectorInstance.lease_owner == self.worker)
                    .values(lease_expires_at=now + timedelta(seconds=self.lease))
                )
            cancel = connection.execute(
                select(SyncRun.cancel_requested).where(SyncRun.id == self.run_id)
            ).scalar()
        if cancel:
            self.guard.cancelled.set()


def run_connector(
    instance: ConnectorInstance,
    *,
    http: GuardedSession,
    settings: Mapping[str, Any],
    worker: str | None = None,
) -> SyncRun:
    """Sync one connector instance once and return its committed SyncRun."""
    now = utcnow()
    run = SyncRun(
        connector_id=instance.id, status="running", started_at=now, heartbeat_at=now, worker=worker
    )
    db.session.add(run)
    db.session.commit()
    run_id, connector_id = run.id, instance.id
    guard = _RunGuard(float(settings.get("SYNC_RUN_TIME_LIMIT_SECONDS", 900)))
    heartbeat = _Heartbeat(db.engine, run_id, connector_id, worker, settings, guard)
    heartbeat.start()
    try:
        result = _fetch(instance, _GuardedRunSession(http, guard))
        guard.check()
        _store(instance, run, result, settings)
        guard.check()
        _hold_lease(connector_id, worker)
        schedule_next_run(instance, succeeded=True, settings=settings, after=run.finished_at)
        db.session.commit()
    except Exception as exc:  # noqa: BLE001 - one source's failure must never stop another
        db.session.rollback()
        run = db.session.get(SyncRun, run_id)
        instance = db.session.get(ConnectorInstance, connector_id)
        run.status = exc.status if isinstance(exc, RunStoppedError) else "failed"
        run.error = _describe(exc)
        run.finished_at = utcnow()
        if run.status != "abandoned":  # a lost lease belongs to another worker now
            schedule_next_run(
                instance,
                succeeded=run.status == "cancelled",
                settings=settings,
                after=run.finished_at,
            )
        db.session.commit()
        if isinstance(exc, ConnectorError):
            log.warning("sync of %s %s: %s", connector_id, run.status, run.error)
        else:
            log.exception("sync of %s failed unexpectedly", connector_id)
    finally:
        heartbeat.stopped.set()
        heartbeat.join()
    return run


def next_cron_time(expression: str, after: datetime) -> datetime:
    """Return the next time a crontab line (UTC) fires after `after`."""
    trigger = CronTrigger.from_crontab(expression, timezone="UTC")
    return trigger.get_next_fire_time(None, after)


def _hold_lease(connector_id: str, worker: str | None) -> None:
    """Check, inside the run's transaction, that this worker still holds the lease.

    The row lock this UPDATE takes fences the commit: a worker whose lease expired (it
    stalled, and another worker took the connector over) cannot land a second copy.
    """
    if worker is None:
        return
    held = db.session.execute(
        update(ConnectorInstance)
        .where(ConnectorInstance.id == connector_id, ConnectorInstance.lease_owner == worker)
        .values(lease_expires_at=utcnow())
    )
    if held.rowcount != 1:
        raise RunStoppedError("abandoned", "the run lost its lease to another worker")


def run_connectors(
    instances: Iterable[ConnectorInstance], *, http: GuardedSession, settings: Mapping[str, Any]
) -> list[SyncRun]:
    """Sync several connectors one after another; a failure stops none of the others."""
    return [run_connector(instance, http=http, settings=settings) for instance in instances]


def schedule_next_run(
    instance: ConnectorInstance,
    *,
    succeeded: bool,
    settings: Mapping[str, Any],
    after: datetime | None = None,
) -> None:
    """Set when the connector runs next (backing off after failures) and free its lease.

    The interval counts from `after`, the end of the run (default: now).
    """
    now = after or utcnow()
    interval = float(instance.interval_seconds or settings.get("SYNC_INTERVAL_SECONDS", 3600))
    if succeeded and instance.cron:
        instance.consecutive_failures = 0
        instance.next_run_at = next_cron_time(instance.cron, now)
        instance.lease_owner = None
        instance.lease_expires_at = None
        return
    if succeeded:
        instance.consecutive_failures = 0
        delay = interval
    else:
        instance.consecutive_failures = (instance.consecutive_failures or 0) + 1
        base = float(settings.get("SYNC_BACKOFF_BASE_SECONDS", 60))
        cap = float(settings.get("SYNC_BACKOFF_MAX_SECONDS", 6 * 3600))
        delay = min(cap, base * 2 ** (instance.consecutive_failures - 1), max(interval, base))
    jitter = float(settings.get("SYNC_JITTER", 0.1))
    # Jitter spreads thousands of connectors imported at once over the interval.
    delay *= 1 + random.uniform(-jitter, jitter)
    instance.next_run_at = now + timedelta(seconds=delay)
    instance.lease_owner = None
    instance.lease_expires_at = None


def _fetch(instance: ConnectorInstance, http: _GuardedRunSession) -> FetchResult:
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
        run.needs_review = True
        run.would_tombstone = counts.would_tombstone
        run.error = (
            f"the listing lost {len(counts.would_tombstone)} of its items at once; "
            "nothing was retired: check the source"
        )
    failures = [(e["external_id"], e["reason"]) for e in errors if not e.get("kept")]
    record_outcomes(run, counts, failures, now)
    run.finished_at = now


def record_outcomes(
    run: SyncRun, counts: StoreCounts, failures: list[tuple[str | None, str]], now: datetime
) -> None:
    """Keep one outcome row per item the run touched, and one per item it could not take."""
    stored = [
        {
            "item_id": o.item.id,
            "external_id": o.item.external_id,
            "outcome": o.outcome,
            "reason": o.reason,
            "guide_diff": o.guide_diff,
        }
        for o in counts.outcomes
    ]
    failed = [
        {
            "item_id": None,
            "external_id": external_id,
            "outcome": "failed",
            "reason": reason,
            "guide_diff": None,
        }
        for external_id, reason in failures
    ]
    rows = [{**row, "sync_run_id": run.id, "created_at": now} for row in stored + failed]
    if rows:
        db.session.execute(db.insert(SyncItemOutcome), rows)


def purge_outcomes(retention_days: float) -> int:
    """Delete per-item outcomes older than the retention period; return how many."""
    cutoff = utcnow() - timedelta(days=retention_days)
    result = db.session.execute(
        db.delete(SyncItemOutcome).where(SyncItemOutcome.created_at < cutoff)
    )
    db.session.commit()
    return result.rowcount or 0


def _describe(exc: Exception) -> str:
    message = str(exc) or type(exc).__name__
    if not isinstance(exc, ConnectorError):
        message = f"{type(exc).__name__}: {message}"
    return message[:2000]


def _short(value: Any) -> str | None:
    return None if value is None else str(value)[:200]
