"""Accounts of every health status, on a fixed clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from hall.extensions import db
from hall.sync.models import SyncRun
from tests.builders import make_account, make_connector, make_department, make_hall, make_item

NOW = datetime(2024, 6, 30, 12, 0, tzinfo=UTC)


def days_ago(days: float, **more: float) -> datetime:
    """Return the moment `days` (and hours, minutes …) before NOW."""
    return NOW - timedelta(days=days, **more)


def add_account(account_id: str, *published: datetime | None, department: str = "hrss", **values):
    """Make an account with one connector and a live item published at each moment."""
    values.setdefault("interaction_channels", ["留言"])
    make_account(account_id, department=department, **values)
    make_connector(f"{account_id}-feed", account=account_id)
    for moment in published:
        make_item(f"{account_id} 通知", connector=f"{account_id}-feed", published_at=moment)


def add_run(connector: str, status: str, finished_at: datetime, error: str | None = None):
    """Record a finished sync run of a connector."""
    db.session.add(
        SyncRun(
            connector_id=connector,
            status=status,
            started_at=finished_at - timedelta(minutes=1),
            finished_at=finished_at,
            error=error,
        )
    )
    db.session.flush()


@pytest.fixture
def every_status(app):
    """Two departments whose accounts cover every status, each boundary from both sides."""
    make_department("hrss", name="人力资源和社会保障局")
    make_department("edu", sector="education", name="教育局")
    # Items 0, 30 and 31 days old: the 30-day window includes its first day.
    add_account("active-0", NOW, days_ago(30), days_ago(31))
    # 7 days 23 hours is still 7 whole days.
    add_account("active-7", days_ago(7, hours=23))
    add_account("warning-8", days_ago(8))
    # No publication date: the day the sync first saw the item counts.
    add_account("warning-14", department="edu")
    make_item("无日期", connector="warning-14-feed", first_seen_at=days_ago(14))
    add_account("inactive-15", days_ago(15), department="edu")
    # A withdrawn item says nothing about the account posting.
    make_item("撤回", connector="inactive-15-feed", published_at=NOW, tombstoned=True)
    # Its filing lists no way for citizens to reach it.
    add_account("inactive-90", days_ago(90, hours=23), department="edu", interaction_channels=[])
    add_account("dormant-91", days_ago(91))
    add_account("dormant-none")
    make_item("撤回", connector="dormant-none-feed", published_at=NOW, tombstoned=True)
    add_account("suspended", NOW, filing_status="suspended")
    add_account("closed", filing_status="closed")

    # active-0 fails now; warning-8 failed once and has recovered since.
    make_connector("active-0-feed").consecutive_failures = 2
    add_run("active-0-feed", "succeeded", days_ago(5))
    add_run("active-0-feed", "failed", days_ago(3), "timed out")
    add_run("active-0-feed", "failed", days_ago(1), 'HTTP 503 from =HYPERLINK("x")')
    add_run("warning-8-feed", "failed", days_ago(4), "-ERR connection refused")
    add_run("warning-8-feed", "unchanged", days_ago(2))
    # A disabled connector's failures do not count against the account.
    make_connector("warning-8-old", account="warning-8", enabled=False, consecutive_failures=9)

    make_hall("county", accounts=["active-0", "warning-14", "closed"])
    db.session.commit()
