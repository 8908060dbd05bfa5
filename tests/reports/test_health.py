from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import event

from hall.extensions import db
from hall.halls.services import DepartmentNotFoundError, HallNotFoundError
from hall.reports.health import (
    channel_state_for,
    compute_health,
    department_report,
    hall_report,
    status_for,
    summarise,
    weekly_item_counts,
)
from tests.reports.conftest import NOW, days_ago


def by_account(healths):
    return {health.account_id: health for health in healths}


@pytest.mark.parametrize(
    ("days", "filing_status", "status"),
    [
        (0, "approved", "active"),
        (7, "approved", "active"),
        (8, "approved", "warning"),
        (14, "approved", "warning"),
        (15, "approved", "inactive"),
        (90, "approved", "inactive"),
        (91, "approved", "dormant"),
        (None, "approved", "dormant"),
        (0, "suspended", "suspended"),
        (None, "closed", "closed"),
        (3, "pending", "active"),
    ],
)
def test_status_rule_boundaries(days, filing_status, status):
    assert status_for(days, filing_status) == status


def test_every_status_from_the_database(every_status):
    healths = by_account(compute_health(now=NOW))

    assert {account: health.status for account, health in healths.items()} == {
        "active-0": "active",
        "active-7": "active",
        "warning-8": "warning",
        "warning-14": "warning",
        "inactive-15": "inactive",
        "inactive-90": "inactive",
        "dormant-91": "dormant",
        "dormant-none": "dormant",
        "suspended": "suspended",
        "closed": "closed",
    }
    assert healths["active-7"].days_since_last_item == 7
    assert healths["dormant-91"].days_since_last_item == 91
    assert healths["warning-14"].last_item_at == days_ago(14)  # first_seen_at fallback


def test_items_in_the_last_30_days_and_tombstones(every_status):
    healths = by_account(compute_health(now=NOW))

    assert healths["active-0"].items_last_30_days == 2
    assert healths["active-0"].last_item_at == NOW
    # Each has a withdrawn item from today: neither its date nor its count is used.
    assert healths["inactive-15"].days_since_last_item == 15
    assert healths["inactive-15"].items_last_30_days == 1
    assert healths["dormant-none"].last_item_at is None
    assert healths["dormant-none"].items_last_30_days == 0


def test_sync_failures_and_last_error(every_status):
    healths = by_account(compute_health(now=NOW))

    failing = healths["active-0"]
    assert failing.consecutive_failures == 2
    assert failing.sync_failing
    assert failing.last_error.startswith("HTTP 503")
    assert failing.last_error_at == days_ago(1)
    assert failing.last_success_at == days_ago(5)
    assert any(problem.startswith("sync failing (2 in a row)") for problem in failing.problems)

    recovered = healths["warning-8"]
    assert recovered.consecutive_failures == 0  # the disabled connector's 9 do not count
    assert recovered.connectors == 1
    assert not recovered.sync_failing
    assert recovered.last_error == "-ERR connection refused"
    assert recovered.last_success_at == days_ago(2)
    assert recovered.problems == []

    quiet = healths["dormant-91"]
    assert (quiet.last_error, quiet.last_success_at, quiet.consecutive_failures) == (None, None, 0)


def test_interaction_channel_from_the_filing(every_status):
    healths = by_account(compute_health(now=NOW))

    # Listed but never checked: nobody can tell yet whether it works.
    assert healths["inactive-15"].channel_state == "unchecked"
    assert healths["inactive-15"].interaction_ok is None
    assert healths["inactive-90"].channel_state == "none"
    assert healths["inactive-90"].interaction_ok is False
    assert healths["inactive-90"].problems == [
        "inactive: 90 days since the last item",
        "no interaction channel filed",
    ]
    assert not any("interaction" in p for p in healths["inactive-15"].problems)


URL = "https://hrss.example.gov.cn/liuyan"


@pytest.mark.parametrize(
    ("channels", "url", "checked_at", "ok", "state"),
    [
        (None, None, None, None, "unknown"),  # never filed
        ([], URL, NOW, True, "none"),  # filed with none: fails outright, whatever answers
        (["留言"], None, None, None, "unchecked"),
        (["留言"], URL, None, None, "unchecked"),
        (["留言"], None, NOW, True, "unchecked"),  # the address was removed since
        (["留言"], URL, NOW, True, "works"),
        (["留言"], URL, NOW, False, "fails"),
        (None, URL, NOW, True, "works"),  # an imported account's checked address
    ],
)
def test_channel_state(channels, url, checked_at, ok, state):
    account = SimpleNamespace(
        interaction_channels=channels,
        interaction_url=url,
        channel_checked_at=checked_at,
        channel_ok=ok,
    )
    assert channel_state_for(account) == state


def test_a_fixed_number_of_queries_however_many_accounts(every_status, app):
    statements = []

    def count(*args):
        statements.append(args)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        compute_health(now=NOW)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)

    assert len(statements) == 1


def test_only_the_named_accounts(every_status):
    healths = compute_health(["warning-8", "closed"], now=NOW)

    assert [health.account_id for health in healths] == ["closed", "warning-8"]
    assert healths[0].department_name == "人力资源和社会保障局"


def test_department_and_hall_reports(every_status):
    education = department_report("edu", now=NOW)
    assert education.title == "教育局"
    assert [row.account_id for row in education.rows] == [
        "inactive-15",
        "inactive-90",
        "warning-14",
    ]
    assert education.summary == {
        "active": 0,
        "warning": 1,
        "inactive": 2,
        "dormant": 0,
        "suspended": 0,
        "closed": 0,
    }

    county = hall_report("county", now=NOW)
    assert sorted(row.account_id for row in county.rows) == ["active-0", "closed", "warning-14"]
    assert county.summary["closed"] == 1

    with pytest.raises(DepartmentNotFoundError):
        department_report("nowhere")
    with pytest.raises(HallNotFoundError):
        hall_report("nowhere")


def test_summary_lists_every_status_in_order(every_status):
    summary = summarise(compute_health(now=NOW))

    assert list(summary) == ["active", "warning", "inactive", "dormant", "suspended", "closed"]
    assert sum(summary.values()) == 10


def test_weekly_item_counts(every_status):
    weeks = weekly_item_counts(account_id="active-0", now=NOW)

    assert len(weeks) == 12
    assert weeks[0].start == NOW - timedelta(weeks=12)
    # NOW is in the last window; 30 and 31 days ago both fall in the window 35-28 days ago.
    assert [week.count for week in weeks] == [0] * 7 + [2, 0, 0, 0, 1]

    education = weekly_item_counts(department_id="edu", now=NOW)
    assert sum(week.count for week in education) == 2  # 14 and 15 days; 90 is too old
