"""Periodic sync and indexing with APScheduler, for `hall run` and `hall worker` only.

Never started by the web app: gunicorn web workers only serve pages.
"""

from __future__ import annotations

import logging

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask, current_app

from connectors.http import GuardedSession
from hall.extensions import db
from hall.sync.models import ConnectorInstance, SyncRun
from hall.sync.runner import run_connector

log = logging.getLogger(__name__)


def sync_connectors(connector_ids: list[str] | None = None, on_run=None) -> list[SyncRun]:
    """Run every enabled connector (or the named ones) once, then index the changes.

    Needs an app context; the runs it returns belong to that context's session.
    """
    from hall.search.indexer import apply_changes

    config = current_app.config
    http = GuardedSession.from_settings(config)
    query = db.select(ConnectorInstance.id).order_by(ConnectorInstance.id)
    if connector_ids:
        query = query.where(ConnectorInstance.id.in_(connector_ids))
    else:
        query = query.where(ConnectorInstance.enabled.is_(True))
    runs = []
    for instance_id in db.session.scalars(query).all():
        instance = db.session.get(ConnectorInstance, instance_id)
        run = run_connector(instance, http=http, settings=config)
        runs.append(run)
        if on_run is not None:
            on_run(instance, run)
    apply_changes(config["INDEX_PATH"], batch_size=config["INDEX_BATCH_SIZE"])
    return runs


def _sync_job(app: Flask) -> None:
    with app.app_context():
        sync_connectors()


def index_changes(app: Flask) -> int:
    """Apply pending change-log rows to the index; return how many were applied."""
    from hall.search.indexer import apply_changes

    with app.app_context():
        return apply_changes(app.config["INDEX_PATH"], batch_size=app.config["INDEX_BATCH_SIZE"])


def _add_jobs(scheduler, app: Flask) -> None:
    scheduler.add_job(
        _sync_job,
        "interval",
        args=[app],
        seconds=app.config["SYNC_INTERVAL_SECONDS"],
        id="sync",
        max_instances=1,
        coalesce=True,
        jitter=min(60, app.config["SYNC_INTERVAL_SECONDS"] // 10),
    )
    scheduler.add_job(
        index_changes,
        "interval",
        args=[app],
        seconds=app.config["INDEX_POLL_SECONDS"],
        id="index",
        max_instances=1,
        coalesce=True,
    )


def start_background(app: Flask) -> BackgroundScheduler:
    """Start sync and indexing jobs in background threads of this process."""
    scheduler = BackgroundScheduler(timezone="UTC")
    _add_jobs(scheduler, app)
    scheduler.start()
    return scheduler


def run_blocking(app: Flask) -> None:
    """Run sync and indexing jobs in the foreground until interrupted."""
    scheduler = BlockingScheduler(timezone="UTC")
    _add_jobs(scheduler, app)
    log.info("worker started: sync every %ss", app.config["SYNC_INTERVAL_SECONDS"])
    scheduler.start()
