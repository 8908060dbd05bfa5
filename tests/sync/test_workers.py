"""Two `hall worker` processes share 50 connectors; one is killed mid-run; nothing is lost.

Runs on the suite's database: SQLite here, and PostgreSQL where HALL_TEST_DATABASE_URL
is set (CI), where claims go through FOR UPDATE SKIP LOCKED.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from hall.catalog.models import Item
from hall.extensions import db
from hall.sync.models import SyncRun
from tests.builders import make_account, make_connector

ROOT = Path(__file__).resolve().parents[2]
CONNECTORS = 50


def feed(name: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>t</title>'
        f"<item><title>{name} 通知</title><guid>{name}-1</guid></item>"
        "</channel></rss>"
    ).encode()


class CountingServer:
    """Serves a feed per path and counts requests; the first /slow.xml hangs."""

    def __init__(self):
        self.requests: Counter[str] = Counter()
        self.slow_started = threading.Event()
        self.release = threading.Event()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server's name
                outer.requests[self.path] += 1
                if self.path == "/slow.xml" and outer.requests[self.path] == 1:
                    outer.slow_started.set()
                    outer.release.wait(30)
                body = feed(self.path.strip("/").removesuffix(".xml"))
                self.send_response(200)
                self.send_header("Content-Type", "application/rss+xml")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                try:
                    self.wfile.write(body)
                except OSError:
                    pass  # the worker that asked was killed

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}{path}"

    def close(self):
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()


def start_worker(app) -> subprocess.Popen:
    env = {
        **os.environ,
        "HALL_INSTANCE_PATH": app.config["INSTANCE_PATH"],
        "HALL_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "HALL_HTTP_ALLOWLIST": "127.0.0.1",
        "HALL_SYNC_POLL_SECONDS": "0.2",
        "HALL_SYNC_WORKER_THREADS": "4",
        "HALL_SYNC_LEASE_SECONDS": "2",
        "HALL_SYNC_HEARTBEAT_SECONDS": "0.3",
        "HALL_SYNC_HEARTBEAT_TIMEOUT_SECONDS": "2",
        "HALL_INDEX_POLL_SECONDS": "1",
        "PYTHONPATH": str(ROOT),
    }
    return subprocess.Popen(
        [sys.executable, "-c", "from hall.cli import main; main()", "worker"],
        env=env,
        cwd=str(ROOT),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def wait_for(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        db.session.rollback()  # see other processes' commits
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    pytest.fail(f"timed out waiting for {what}")


@pytest.mark.slow
def test_two_workers_run_each_connector_once_and_survive_a_kill(app):
    server = CountingServer()
    make_account("web", department="hrss")
    names = [f"c{n:02d}" for n in range(CONNECTORS - 1)] + ["slow"]
    for name in names:
        make_connector(name, account="web", type="feed", config={"url": server.url(f"/{name}.xml")})
    db.session.commit()

    workers = [start_worker(app), start_worker(app)]
    try:
        assert server.slow_started.wait(30), "no worker started the slow connector"
        running = wait_for(
            lambda: db.session.scalars(
                db.select(SyncRun).where(
                    SyncRun.connector_id == "slow", SyncRun.status == "running"
                )
            ).first(),
            10,
            "the slow run to be recorded",
        )
        victim_pid = int(running.worker.split(":")[1])
        victim = next(w for w in workers if w.pid == victim_pid)
        victim.send_signal(signal.SIGKILL)
        victim.wait(10)

        def all_succeeded():
            rows = (
                db.session.execute(
                    db.select(SyncRun.connector_id).where(SyncRun.status == "succeeded")
                )
                .scalars()
                .all()
            )
            return len(set(rows)) == len(names) and rows

        succeeded = wait_for(all_succeeded, 60, "every connector to succeed")
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.send_signal(signal.SIGTERM)
        for worker in workers:
            try:
                worker.wait(15)
            except subprocess.TimeoutExpired:
                worker.kill()
        server.close()

    # Exactly one successful run per connector. Each connector was fetched once, but for
    # the runs the killed worker had under way (the slow one among them): those were
    # abandoned, and the other worker fetched them again and completed them.
    assert sorted(succeeded) == sorted(names)
    abandoned = db.session.scalars(db.select(SyncRun).where(SyncRun.status == "abandoned")).all()
    assert {run.worker for run in abandoned} == {running.worker}
    lost = Counter(run.connector_id for run in abandoned)
    assert lost["slow"] == 1 and server.requests["/slow.xml"] == 2
    fetched = {name: server.requests[f"/{name}.xml"] for name in names}
    assert {name: n for name, n in fetched.items() if name not in lost} == {
        name: 1 for name in names if name not in lost
    }
    # A lost run may have died before its request left: fetched once or twice, no more.
    assert all(1 <= fetched[name] <= 2 for name in lost)
    titles = set(db.session.scalars(db.select(Item.title)))
    assert titles == {f"{name} 通知" for name in names}
