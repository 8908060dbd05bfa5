from datetime import UTC, datetime, timedelta

import pytest

import connectors
from connectors.base import Record, RecordError
from connectors.http import GuardedSession
from hall.catalog.models import ChangeLog, Item
from hall.extensions import db
from hall.sync.models import ConnectorInstance, SyncItemOutcome, SyncRun
from hall.sync.runner import RunStoppedError, run_connector, run_connectors
from tests.builders import make_connector
from tests.fakes import set_source


@pytest.fixture(autouse=True)
def static_connector(monkeypatch):
    monkeypatch.setitem(connectors.available(), "static", "tests.fakes:StaticConnector")
    set_source([])


def sync(app, connector_id="static-1"):
    instance = make_connector(connector_id, type="static", config={})
    db.session.commit()
    return run_connector(instance, http=GuardedSession(), settings=app.config)


def notice(
    external_id, title="社会保障卡补领办理须知", body="<p>持身份证到窗口办理。</p>", **values
):
    return Record(external_id=external_id, title=title, body_html=body, **values)


def items_by_external_id():
    return {i.external_id: i for i in db.session.scalars(db.select(Item))}


def test_first_run_adds_items_with_change_log_and_counts(app):
    set_source([notice("a"), notice("b", title="营业执照办理指南")])
    run = sync(app)
    assert (run.status, run.fetched, run.added, run.updated, run.unchanged) == (
        "succeeded",
        2,
        2,
        0,
        0,
    )
    assert run.finished_at is not None
    items = items_by_external_id()
    assert set(items) == {"a", "b"}
    logged = db.session.scalars(
        db.select(ChangeLog.item_id).where(ChangeLog.action == "added")
    ).all()
    assert sorted(logged) == sorted(i.id for i in items.values())


def test_second_run_on_unchanged_source_changes_nothing(app):
    set_source([notice("a"), notice("b")])
    sync(app)
    log_rows = db.session.query(ChangeLog).count()
    run = sync(app)
    assert (run.added, run.updated, run.unchanged) == (0, 0, 2)
    assert db.session.query(ChangeLog).count() == log_rows


def test_changed_item_is_updated_and_logged(app):
    set_source([notice("a")])
    sync(app)
    set_source([notice("a", title="社会保障卡补办流程（更新）")])
    run = sync(app)
    assert run.updated == 1
    item = items_by_external_id()["a"]
    assert item.title == "社会保障卡补办流程（更新）"
    actions = db.session.scalars(
        db.select(ChangeLog.action).where(ChangeLog.item_id == item.id)
    ).all()
    assert actions == ["added", "updated"]


def test_html_is_sanitised_and_plain_text_kept(app):
    body = '<p onclick="steal()">办理<script>alert(1)</script><a href="javascript:x()">链接</a></p>'
    set_source([notice("a", body=body, url="javascript:alert(1)")])
    sync(app)
    item = items_by_external_id()["a"]
    assert "script" not in item.body_html and "onclick" not in item.body_html
    assert "javascript" not in item.body_html
    assert item.body_text == "办理链接"
    assert item.url is None


def test_bad_items_are_skipped_and_counted(app):
    set_source(
        [
            notice("good"),
            notice("", title="无编号"),
            notice("no-title", title="  "),
            notice("good"),
        ],
        errors=[
            RecordError("unparseable entry", external_id="x"),
            RecordError("definition unreadable; kept", external_id="good", skipped=False),
        ],
    )
    run = sync(app)
    assert run.status == "succeeded"
    assert (run.fetched, run.added, run.failed) == (5, 1, 4)
    reasons = {e["reason"] for e in run.item_errors}
    assert {"no external id", "no title", "duplicate external id", "unparseable entry"} <= reasons
    kept = [e for e in run.item_errors if e.get("kept")]
    assert kept == [{"external_id": "good", "reason": "definition unreadable; kept", "kept": True}]


def test_failed_run_changes_nothing_and_other_connectors_still_run(app):
    set_source([notice("a")])
    sync(app, "static-1")
    before = {i.external_id: i.content_hash for i in db.session.scalars(db.select(Item))}
    set_source([], fail="source answered 503")
    first = make_connector("static-1", type="static", config={})
    second = make_connector("static-2", type="static", config={"name": "bad"})
    broken = make_connector("broken", type="no-such-type", config={})
    db.session.commit()
    runs = run_connectors([first, broken, second], http=GuardedSession(), settings=app.config)
    assert [r.status for r in runs] == ["failed", "failed", "failed"]
    assert "503" in runs[0].error
    assert "no-such-type" in runs[1].error
    assert {i.external_id: i.content_hash for i in db.session.scalars(db.select(Item))} == before
    set_source([notice("c")])
    assert run_connector(second, http=GuardedSession(), settings=app.config).status == "succeeded"


def test_service_guide_is_validated_and_unknown_fields_kept(app):
    guide = {
        "item_code": 1001,
        "fee": {"charged": False},
        "materials": [{"name": "居民身份证", "form": "original"}],
        "statutory_time_limit": {"value": "soon"},
        "window_color": "blue",
    }
    set_source([notice("s", kind="service", guide=guide)])
    sync(app)
    item = items_by_external_id()["s"]
    assert item.guide["item_code"] == "1001"
    assert item.guide["fee"] == {"charged": False}
    assert item.service_guide.materials[0].name == "居民身份证"
    assert item.extra["guide"]["window_color"] == "blue"
    assert item.extra["guide"]["statutory_time_limit"] == {"value": "soon"}
    assert "statutory_time_limit" in item.extra["guide"]["_invalid"]


def test_items_are_tombstoned_only_after_repeated_absence(app):
    set_source([notice(str(n)) for n in range(10)])
    sync(app)
    set_source([notice(str(n)) for n in range(9)])
    for _ in range(2):
        assert sync(app).tombstoned == 0
    assert items_by_external_id()["9"].tombstoned_at is None
    assert sync(app).tombstoned == 1
    assert items_by_external_id()["9"].tombstoned_at is not None
    set_source([notice(str(n)) for n in range(10)])
    run = sync(app)
    assert run.updated == 1
    assert items_by_external_id()["9"].tombstoned_at is None


def test_sudden_shrink_retires_nothing(app):
    set_source([notice(str(n)) for n in range(10)])
    sync(app)
    set_source([notice("0")])
    for _ in range(4):
        run = sync(app)
        assert run.tombstoned == 0
        assert run.needs_review
        assert "lost 9 of its items" in run.error
        assert run.would_tombstone == [str(n) for n in range(1, 10)]
    assert all(i.tombstoned_at is None for i in items_by_external_id().values())


def test_an_empty_answer_once_loses_nothing_and_the_source_recovers(app):
    set_source([notice(str(n)) for n in range(6)])
    sync(app)
    set_source([])
    empty = sync(app)
    assert (empty.status, empty.tombstoned, empty.needs_review) == ("succeeded", 0, True)
    set_source([notice(str(n)) for n in range(6)])
    recovered = sync(app)
    assert (recovered.unchanged, recovered.needs_review) == (6, False)
    assert all(i.tombstoned_at is None for i in items_by_external_id().values())


def test_partial_listing_retires_nothing(app):
    set_source([notice(str(n)) for n in range(5)])
    sync(app)
    set_source([notice("0")], complete=False)
    for _ in range(4):
        sync(app)
    assert all(i.tombstoned_at is None for i in items_by_external_id().values())


def test_times_are_kept_in_utc(app):
    published = datetime(2026, 3, 1, 8, 30, tzinfo=UTC)
    set_source([notice("a", published_at=published)])
    sync(app)
    assert items_by_external_id()["a"].published_at == published
    assert db.session.get(SyncRun, 1).started_at.tzinfo is not None


def outcomes(run):
    rows = db.session.scalars(
        db.select(SyncItemOutcome).where(SyncItemOutcome.sync_run_id == run.id)
    )
    return {(r.external_id, r.outcome): r for r in rows}


def test_each_run_keeps_per_item_outcomes_with_reasons(app):
    set_source([notice("a"), notice("b")])
    sync(app)
    set_source([notice("a", title="改了标题"), notice("b"), notice("", title="坏的")])
    run = sync(app)
    found = outcomes(run)
    assert set(found) == {("a", "updated"), ("b", "unchanged"), ("", "failed")}
    assert found[("", "failed")].reason == "no external id"


def test_a_changed_guide_is_recorded_field_by_field(app):
    guide = {
        "fee": {"charged": False},
        "promised_time_limit": {"value": 5},
        "online_url": "https://a.gov.cn/x",
    }
    set_source([notice("s", kind="service", guide=guide)])
    sync(app)
    changed = {**guide, "fee": {"charged": True, "items": [{"name": "工本费", "standard": "20元"}]}}
    set_source([notice("s", kind="service", guide=changed)])
    diff = outcomes(sync(app))[("s", "updated")].guide_diff
    assert set(diff) == {"fee"}
    assert diff["fee"]["old"] == {"charged": False}
    assert diff["fee"]["new"]["charged"] is True


def test_tombstoned_and_restored_items_are_recorded(app):
    set_source([notice(str(n)) for n in range(4)])
    sync(app)
    set_source([notice(str(n)) for n in range(3)])
    runs = [sync(app) for _ in range(3)]
    assert ("3", "tombstoned") in outcomes(runs[-1])
    set_source([notice(str(n)) for n in range(4)])
    assert outcomes(sync(app))[("3", "updated")].reason == "restored"


def test_failures_back_off_exponentially_and_success_resets(app):
    app.config.update(SYNC_BACKOFF_BASE_SECONDS=60, SYNC_JITTER=0, SYNC_INTERVAL_SECONDS=3600)
    set_source([], fail="503")
    delays = []
    for _ in range(4):
        run = sync(app)
        instance = db.session.get(ConnectorInstance, "static-1")
        delays.append(round((instance.next_run_at - run.finished_at).total_seconds()))
    assert delays == [60, 120, 240, 480]
    assert instance.consecutive_failures == 4 and instance.lease_owner is None
    set_source([notice("a")])
    run = sync(app)
    instance = db.session.get(ConnectorInstance, "static-1")
    assert instance.consecutive_failures == 0
    assert round((instance.next_run_at - run.finished_at).total_seconds()) == 3600


def test_a_cancelled_run_changes_nothing(app, monkeypatch):
    set_source([notice("a")])
    make_connector("static-1", type="static", config={})
    db.session.commit()
    monkeypatch.setattr("hall.sync.runner._RunGuard.check", _cancel_on_second_check())
    run = sync(app)
    assert run.status == "cancelled"
    assert db.session.query(Item).count() == 0


def _cancel_on_second_check():
    calls = []

    def check(self):
        calls.append(1)
        if len(calls) >= 2:
            raise RunStoppedError("cancelled", "the run was cancelled")

    return check


def test_a_run_past_its_time_limit_fails_and_changes_nothing(app):
    app.config["SYNC_RUN_TIME_LIMIT_SECONDS"] = -1
    set_source([notice("a")])
    run = sync(app)
    assert run.status == "failed" and "longer than" in run.error
    assert db.session.query(Item).count() == 0


def test_a_cron_schedule_sets_the_next_run_at_its_next_time(app):
    make_connector("static-1", type="static", config={}, cron="0 7 * * *")
    db.session.commit()
    set_source([notice("a")])
    run = sync(app)
    next_run = db.session.get(ConnectorInstance, "static-1").next_run_at
    assert (next_run.hour, next_run.minute) == (7, 0)
    assert timedelta(0) < next_run - run.finished_at <= timedelta(days=1)


def test_an_auditor_reads_a_run_with_its_guide_changes(app, runner):
    set_source([notice("s", kind="service", guide={"fee": {"charged": False}})])
    sync(app)
    set_source(
        [notice("s", kind="service", guide={"fee": {"charged": True}}), notice("", title="坏")]
    )
    run = sync(app)
    output = runner.invoke(args=["runs", "show", str(run.id)]).output
    assert f"run {run.id} of static-1: succeeded" in output
    assert "updated    s" in output and "failed     -  (no external id)" in output
    assert "fee: {'charged': False} → {'charged': True}" in output


def test_connectors_status_shows_schedule_failures_and_lease(app, runner):
    set_source([], fail="source answered 503")
    sync(app)
    listing = runner.invoke(args=["connectors", "list"]).output
    assert "static-1" in listing and "static" in listing and "1h" in listing
    status = runner.invoke(args=["connectors", "status"]).output
    assert "static-1" in status and "failed" in status and "source answered 503" in status
