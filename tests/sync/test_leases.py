import time
from datetime import timedelta

import pytest

import connectors
from connectors.base import Record
from connectors.http import GuardedSession
from hall.catalog.models import Item
from hall.extensions import db
from hall.sync.leases import (
    claim_connector,
    claim_due_connectors,
    request_cancel,
    sweep_abandoned_runs,
)
from hall.sync.models import ConnectorInstance, SyncRun
from hall.sync.runner import run_connector
from hall.timestamps import utcnow
from tests.builders import make_connector
from tests.fakes import SOURCE, set_source


@pytest.fixture(autouse=True)
def static_connector(monkeypatch):
    monkeypatch.setitem(connectors.available(), "static", "tests.fakes:StaticConnector")
    set_source([])


def connectors_named(*ids, **values):
    for connector_id in ids:
        make_connector(connector_id, type="static", config={}, **values)
    db.session.commit()


def test_due_connectors_are_claimed_once_up_to_the_limit(app):
    connectors_named("a", "b", "c")
    first = claim_due_connectors("w1", limit=2, lease_seconds=60)
    second = claim_due_connectors("w2", limit=5, lease_seconds=60)
    assert len(first) == 2 and len(second) == 1
    assert set(first) | set(second) == {"a", "b", "c"}
    assert claim_due_connectors("w3", limit=5, lease_seconds=60) == []


def test_connectors_not_yet_due_or_disabled_are_left_alone(app):
    connectors_named("later", next_run_at=utcnow() + timedelta(hours=1))
    connectors_named("off", enabled=False)
    assert claim_due_connectors("w1", limit=5, lease_seconds=60) == []


def test_an_expired_lease_can_be_claimed_by_another_worker(app):
    connectors_named("a")
    assert claim_due_connectors("dead", limit=1, lease_seconds=-1) == ["a"]
    assert claim_due_connectors("alive", limit=1, lease_seconds=60) == ["a"]
    assert db.session.get(ConnectorInstance, "a").lease_owner == "alive"


def test_a_run_by_hand_waits_for_a_leased_connector(app):
    connectors_named("a")
    claim_due_connectors("w1", limit=1, lease_seconds=60)
    assert not claim_connector("a", "hand", lease_seconds=60)


def test_the_sweeper_marks_silent_runs_abandoned_and_frees_their_lease(app):
    connectors_named("a")
    claim_due_connectors("dead", limit=1, lease_seconds=600)
    run = SyncRun(
        connector_id="a",
        status="running",
        worker="dead",
        heartbeat_at=utcnow() - timedelta(minutes=5),
    )
    db.session.add(run)
    db.session.commit()
    assert sweep_abandoned_runs(heartbeat_timeout=90) == [run.id]
    assert run.status == "abandoned" and "dead" in run.error
    assert db.session.get(ConnectorInstance, "a").lease_owner is None
    assert claim_due_connectors("alive", limit=1, lease_seconds=60) == ["a"]


def test_a_finished_run_frees_the_lease_and_schedules_the_next(app):
    connectors_named("a")
    claim_due_connectors("w1", limit=1, lease_seconds=60)
    set_source([Record(external_id="1", title="通知")])
    run = run_connector(
        db.session.get(ConnectorInstance, "a"),
        http=GuardedSession(),
        settings=app.config,
        worker="w1",
    )
    instance = db.session.get(ConnectorInstance, "a")
    assert run.status == "succeeded" and run.worker == "w1"
    assert instance.lease_owner is None and instance.next_run_at > utcnow()
    assert claim_due_connectors("w2", limit=1, lease_seconds=60) == []


def test_cancelling_a_running_run_through_its_heartbeat(app):
    app.config["SYNC_HEARTBEAT_SECONDS"] = 0.05
    connectors_named("a")
    set_source([Record(external_id="1", title="通知")])

    def cancel_meanwhile():
        running = db.session.scalars(db.select(SyncRun).where(SyncRun.status == "running")).one()
        assert request_cancel(running.id)
        time.sleep(0.4)  # the heartbeat picks the request up

    SOURCE["during"] = cancel_meanwhile
    run = run_connector(
        db.session.get(ConnectorInstance, "a"), http=GuardedSession(), settings=app.config
    )
    assert run.status == "cancelled"
    assert run.heartbeat_at > run.started_at


def test_a_run_that_lost_its_lease_cannot_land_its_items(app):
    connectors_named("a")
    claim_due_connectors("stalled", limit=1, lease_seconds=-1)
    set_source([Record(external_id="1", title="通知")])

    def taken_over_meanwhile():
        assert claim_due_connectors("other", limit=1, lease_seconds=60) == ["a"]

    SOURCE["during"] = taken_over_meanwhile
    run = run_connector(
        db.session.get(ConnectorInstance, "a"),
        http=GuardedSession(),
        settings=app.config,
        worker="stalled",
    )
    assert run.status == "abandoned"
    assert db.session.query(Item).count() == 0
    assert db.session.get(ConnectorInstance, "a").lease_owner == "other"
