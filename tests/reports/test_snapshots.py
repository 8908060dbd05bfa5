from datetime import timedelta

from hall.extensions import db
from hall.reports.health import compute_health, record_daily_snapshot
from hall.reports.models import HealthSnapshot
from tests.reports.conftest import NOW


def snapshot_rows():
    return {row.account_id: row for row in db.session.scalars(db.select(HealthSnapshot))}


def test_the_daily_job_stores_every_account_once_a_day(every_status, runner):
    expected = {h.account_id: h.status for h in compute_health(now=NOW)}
    assert record_daily_snapshot(now=NOW) == len(expected)
    rows = snapshot_rows()
    assert {account: row.status for account, row in rows.items()} == expected
    assert {row.day for row in rows.values()} == {NOW.date()}

    # Run again the same day: replaced, not doubled. The next day: a second snapshot.
    record_daily_snapshot(now=NOW + timedelta(hours=1))
    assert db.session.query(HealthSnapshot).count() == len(expected)
    record_daily_snapshot(now=NOW + timedelta(days=1))
    assert db.session.query(HealthSnapshot).count() == 2 * len(expected)


def test_the_snapshot_command(every_status, runner):
    result = runner.invoke(args=["health", "snapshot"])
    assert result.exit_code == 0 and "accounts recorded" in result.output
    assert db.session.query(HealthSnapshot).count() == len(compute_health())
