"""Leases: any number of workers on any number of machines never run one connector twice.

A worker claims a due connector by writing its name and an expiry into the connector's
row. The claim is a compare-and-set (`UPDATE … WHERE` the lease is free and the connector
is due), so two workers racing for one row cannot both win, on SQLite or PostgreSQL. On
PostgreSQL the candidates are first picked with `FOR UPDATE SKIP LOCKED`, so workers
don't queue behind each other's row locks. A running worker's heartbeat extends its
leases; a dead worker's leases expire, its runs are marked abandoned by the sweeper, and
another worker picks the connectors up.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import and_, or_, select, update

from hall.extensions import db
from hall.sync.models import ConnectorInstance, SyncRun
from hall.timestamps import utcnow


def _claimable(now):
    return and_(
        ConnectorInstance.enabled.is_(True),
        or_(ConnectorInstance.next_run_at.is_(None), ConnectorInstance.next_run_at <= now),
        or_(ConnectorInstance.lease_expires_at.is_(None), ConnectorInstance.lease_expires_at < now),
    )


def claim_due_connectors(worker: str, *, limit: int, lease_seconds: float) -> list[str]:
    """Lease up to `limit` due connectors to `worker`; return their ids."""
    if limit <= 0:
        return []
    now = utcnow()
    candidates = (
        select(ConnectorInstance.id)
        .where(_claimable(now))
        .order_by(ConnectorInstance.next_run_at.is_not(None), ConnectorInstance.next_run_at)
        .limit(limit)
    )
    if db.engine.dialect.name == "postgresql":
        candidates = candidates.with_for_update(skip_locked=True)
    claimed = []
    expires = now + timedelta(seconds=lease_seconds)
    for connector_id in db.session.scalars(candidates).all():
        result = db.session.execute(
            update(ConnectorInstance)
            .where(ConnectorInstance.id == connector_id, _claimable(now))
            .values(lease_owner=worker, lease_expires_at=expires)
        )
        if result.rowcount == 1:
            claimed.append(connector_id)
            _abandon_runs_of(connector_id, f"its lease expired; {worker} took the connector over")
    db.session.commit()
    return claimed


def _abandon_runs_of(connector_id: str, reason: str) -> None:
    # Claiming over an expired lease proves the previous holder stopped beating.
    db.session.execute(
        update(SyncRun)
        .where(SyncRun.connector_id == connector_id, SyncRun.status == "running")
        .values(status="abandoned", finished_at=utcnow(), error=reason)
    )


def claim_connector(connector_id: str, worker: str, *, lease_seconds: float) -> bool:
    """Lease one connector now, due or not (a run asked for by hand); False if it is busy."""
    now = utcnow()
    result = db.session.execute(
        update(ConnectorInstance)
        .where(
            ConnectorInstance.id == connector_id,
            or_(
                ConnectorInstance.lease_expires_at.is_(None),
                ConnectorInstance.lease_expires_at < now,
            ),
        )
        .values(lease_owner=worker, lease_expires_at=now + timedelta(seconds=lease_seconds))
    )
    if result.rowcount == 1:
        _abandon_runs_of(connector_id, f"its lease expired; {worker} took the connector over")
    db.session.commit()
    return result.rowcount == 1


def release_lease(connector_id: str, worker: str) -> None:
    """Free a lease this worker holds without running (e.g. on shutdown)."""
    db.session.execute(
        update(ConnectorInstance)
        .where(ConnectorInstance.id == connector_id, ConnectorInstance.lease_owner == worker)
        .values(lease_owner=None, lease_expires_at=None)
    )
    db.session.commit()


def sweep_abandoned_runs(heartbeat_timeout: float) -> list[int]:
    """Mark running runs whose heartbeat stopped as abandoned and free their leases."""
    now = utcnow()
    cutoff = now - timedelta(seconds=heartbeat_timeout)
    stale = db.session.scalars(
        select(SyncRun).where(SyncRun.status == "running", SyncRun.heartbeat_at < cutoff)
    ).all()
    for run in stale:
        run.status = "abandoned"
        run.finished_at = now
        run.error = f"no heartbeat from {run.worker or 'its worker'} since {run.heartbeat_at:%Y-%m-%d %H:%M:%S} UTC"
        db.session.execute(
            update(ConnectorInstance)
            .where(
                ConnectorInstance.id == run.connector_id,
                ConnectorInstance.lease_owner == run.worker,
            )
            .values(lease_owner=None, lease_expires_at=None)
        )
    db.session.commit()
    return [run.id for run in stale]


def request_cancel(run_id: int) -> bool:
    """Ask a running run to stop at its next step; return whether it was running."""
    result = db.session.execute(
        update(SyncRun)
        .where(SyncRun.id == run_id, SyncRun.status == "running")
        .values(cancel_requested=True)
    )
    db.session.commit()
    return result.rowcount == 1
