"""The sync worker: APScheduler dispatching due connectors into a bounded thread pool.

Used by `hall worker` (its own process) and `hall run` (one machine); never started by
the web app, so gunicorn web workers only serve pages. Every pass the worker sweeps
abandoned runs, claims due connectors with leases (hall/sync/leases.py) up to its free
threads, and runs each in the pool, with at most SYNC_MAX_PER_HOST concurrent fetches
per source host in this process. A separate job applies the change log to the index.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask, current_app

from connectors.http import GuardedSession
from hall.extensions import db
from hall.sync.leases import (
    claim_connector,
    claim_due_connectors,
    release_lease,
    sweep_abandoned_runs,
)
from hall.sync.models import ConnectorInstance, SyncRun
from hall.sync.runner import purge_outcomes, run_connector

log = logging.getLogger(__name__)
# app.extensions key: this app's guide service points are in step with its index.
POINTS_IN_STEP = "hall.service_points_in_step"


def worker_name() -> str:
    """Return a name for this worker process, unique across machines and restarts."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def source_host(instance: ConnectorInstance) -> str:
    """Return the host a connector fetches from (for per-host concurrency)."""
    config = instance.config or {}
    for key in ("url", "instance_url", "api_base"):
        if isinstance(config.get(key), str):
            return urlsplit(config[key]).hostname or ""
    urls = config.get("urls")
    if isinstance(urls, list) and urls and isinstance(urls[0], str):
        return urlsplit(urls[0]).hostname or ""
    return ""


def sync_connectors(
    connector_ids: list[str] | None = None,
    on_run: Callable[[ConnectorInstance, SyncRun | None], None] | None = None,
) -> list[SyncRun]:
    """Run every enabled connector (or the named ones) once now, then index the changes.

    Needs an app context. Each connector is leased first, so a worker running it at the
    same moment is never doubled: such a connector is skipped (`on_run` gets None).
    """
    config = current_app.config
    http = GuardedSession.from_settings(config)
    me = worker_name()
    query = db.select(ConnectorInstance.id).order_by(ConnectorInstance.id)
    if connector_ids:
        query = query.where(ConnectorInstance.id.in_(connector_ids))
    else:
        query = query.where(ConnectorInstance.enabled.is_(True), ConnectorInstance.type != "push")
    runs = []
    for instance_id in db.session.scalars(query).all():
        instance = db.session.get(ConnectorInstance, instance_id)
        if not claim_connector(instance_id, me, lease_seconds=config["SYNC_LEASE_SECONDS"]):
            if on_run is not None:
                on_run(instance, None)
            continue
        run = run_connector(instance, http=http, settings=config, worker=me)
        runs.append(run)
        if on_run is not None:
            on_run(instance, run)
    index_and_follow()
    return runs


class Worker:
    """Claims due connectors and runs them in a bounded pool; one per process."""

    def __init__(self, app: Flask, name: str | None = None):
        self.app = app
        self.name = name or worker_name()
        self.threads = int(app.config["SYNC_WORKER_THREADS"])
        self.pool = ThreadPoolExecutor(self.threads, thread_name_prefix="sync")
        self.http = GuardedSession.from_settings(app.config)
        self.per_host = int(app.config["SYNC_MAX_PER_HOST"])
        self._host_slots: dict[str, threading.Semaphore] = defaultdict(
            lambda: threading.BoundedSemaphore(self.per_host)
        )
        self._busy = 0
        self._lock = threading.Lock()

    def dispatch(self) -> int:
        """Sweep abandoned runs, claim due connectors for free threads, start them."""
        with self.app.app_context():
            sweep_abandoned_runs(self.app.config["SYNC_HEARTBEAT_TIMEOUT_SECONDS"])
            with self._lock:
                free = self.threads - self._busy
            claimed = claim_due_connectors(
                self.name, limit=free, lease_seconds=self.app.config["SYNC_LEASE_SECONDS"]
            )
            hosts = {
                connector_id: source_host(db.session.get(ConnectorInstance, connector_id))
                for connector_id in claimed
            }
        for connector_id in claimed:
            with self._lock:
                self._busy += 1
            self.pool.submit(self._run, connector_id, hosts[connector_id])
        return len(claimed)

    def _run(self, connector_id: str, host: str) -> None:
        try:
            with self._host_slots[host], self.app.app_context():
                instance = db.session.get(ConnectorInstance, connector_id)
                run = run_connector(
                    instance, http=self.http, settings=self.app.config, worker=self.name
                )
                log.info("%s: %s (+%s ~%s)", connector_id, run.status, run.added, run.updated)
        except Exception:  # noqa: BLE001 - the pool must outlive any one run
            log.exception("run of %s crashed", connector_id)
        finally:
            with self._lock:
                self._busy -= 1

    def index(self) -> int:
        """Apply pending change-log rows to the index."""
        return index_changes(self.app)

    def purge(self) -> int:
        """Delete per-item outcomes past their retention."""
        with self.app.app_context():
            return purge_outcomes(self.app.config["SYNC_OUTCOME_RETENTION_DAYS"])

    def health_snapshot(self) -> int:
        """Check interaction channels, then store today's health (the daily inspection job)."""
        from hall.reports.channels import check_channels
        from hall.reports.health import record_daily_snapshot

        with self.app.app_context():
            try:
                log.info("interaction channels: %s", check_channels())
            except Exception:  # noqa: BLE001 - the snapshot is still worth taking
                db.session.rollback()
                log.exception("checking interaction channels broke")
            count = record_daily_snapshot()
            purge_old_search_stats(self.app)
        log.info("health of %s accounts recorded", count)
        return count

    def shutdown(self) -> None:
        """Stop taking work and wait for the runs in progress."""
        self.pool.shutdown(wait=True)

    def add_jobs(self, scheduler) -> None:
        """Schedule dispatch, indexing and purging on an APScheduler scheduler."""
        config = self.app.config
        every = {"max_instances": 1, "coalesce": True}
        scheduler.add_job(
            self.dispatch, "interval", seconds=config["SYNC_POLL_SECONDS"], id="dispatch", **every
        )
        scheduler.add_job(
            self.index, "interval", seconds=config["INDEX_POLL_SECONDS"], id="index", **every
        )
        scheduler.add_job(self.purge, "interval", hours=6, id="purge", **every)
        # Once a day, early morning in China (01:00 +08:00).
        scheduler.add_job(self.health_snapshot, "cron", hour=17, minute=0, id="health", **every)


def purge_old_search_stats(app: Flask) -> int:
    """Delete search statistics past SEARCH_STATS_RETENTION_DAYS (part of the daily job)."""
    from hall.reports.search_stats import purge_search_stats

    try:
        deleted = purge_search_stats(app.config["SEARCH_STATS_RETENTION_DAYS"])
    except Exception:  # noqa: BLE001 - the rest of the daily job must still run
        db.session.rollback()
        log.exception("purging old search statistics broke")
        return 0
    log.info("%s old search statistics deleted", deleted)
    return deleted


def index_changes(app: Flask) -> int:
    """Apply pending change-log rows to the index, and follow them into service points;
    return how many were applied."""
    with app.app_context():
        return index_and_follow()


def index_and_follow() -> int:
    """Apply the change log to the index, then follow the changed services' guides into
    service points; return how many change-log rows were applied."""
    from hall.search.indexer import apply_changes

    config = current_app.config
    changed: set[int] = set()
    try:
        applied = apply_changes(
            config["INDEX_PATH"], batch_size=config["INDEX_BATCH_SIZE"], changed=changed
        )
    except BaseException:
        if changed:  # batches landed in the index without their points: catch up in full
            current_app.extensions[POINTS_IN_STEP] = False
        raise
    if applied:
        refresh_service_points(changed)
    return applied


def refresh_service_points(item_ids: set[int] | None = None) -> None:
    """Follow the services' guides into service points; a failure never stops indexing.

    Only the places of `item_ids` are looked at again once this app has refreshed them all
    (the first pass of a process, and the pass after a failure, read every guide: a change
    applied to the index while the points were not refreshed is caught up that way).
    """
    from hall.directory.points import refresh_guide_points

    app = current_app._get_current_object()
    in_step = app.extensions.get(POINTS_IN_STEP, False)
    try:
        refresh_guide_points(item_ids if in_step else None)
        db.session.commit()
        app.extensions[POINTS_IN_STEP] = True
    except Exception:  # noqa: BLE001 - the index is up to date; points catch up next time
        db.session.rollback()
        app.extensions[POINTS_IN_STEP] = False
        log.exception("refreshing service points from the guides broke")


def start_background(app: Flask) -> tuple[BackgroundScheduler, Worker]:
    """Start the worker's jobs in background threads of this process (`hall run`)."""
    worker = Worker(app)
    scheduler = BackgroundScheduler(timezone="UTC")
    worker.add_jobs(scheduler)
    scheduler.start()
    return scheduler, worker


def run_blocking(app: Flask) -> None:
    """Run the worker in the foreground until interrupted (`hall worker`)."""
    worker = Worker(app)
    scheduler = BlockingScheduler(timezone="UTC")
    worker.add_jobs(scheduler)
    log.info("worker %s started with %s threads", worker.name, worker.threads)
    try:
        scheduler.start()
    finally:
        worker.shutdown()
        with app.app_context():
            # Leases this worker claimed but never started are freed for others at once.
            for instance in db.session.scalars(
                db.select(ConnectorInstance).where(ConnectorInstance.lease_owner == worker.name)
            ).all():
                release_lease(instance.id, worker.name)
