"""The audit log: entries name the actor, the target and the state before and after."""

from __future__ import annotations

from datetime import UTC, datetime

from hall.audit.models import AuditEntry
from hall.audit.services import (
    Change,
    audit_vocabulary,
    changes,
    entries_for,
    record,
    search_entries,
    snapshot,
)
from hall.extensions import db
from tests.builders import make_account, make_user


def test_record_snapshots_the_actor_so_a_rename_does_not_rewrite_history(app):
    admin = make_user("root", role="admin")
    account = make_account("hrss-web")

    entry = record("account.suspend", account, {"a": 1}, {"a": 2}, admin)
    admin.username = "renamed"
    db.session.flush()

    assert (entry.user_id, entry.username) == (admin.id, "root")
    assert (entry.target_type, entry.target_id) == ("account", "hrss-web")
    assert (entry.before, entry.after) == ({"a": 1}, {"a": 2})
    assert entry.at is not None


def test_record_names_a_new_row_by_its_new_primary_key_and_the_command_line_by_none(app):
    user = make_user("op-hrss")

    entry = entries_for(user)[0]

    assert entry.action == "user.create" and entry.target_id == str(user.id)
    assert entry.user_id is None and entry.username is None  # created from the shell
    assert entry.before is None
    assert entry.after == {
        "username": "op-hrss",
        "display_name": "op-hrss",
        "role": "operator",
        "is_active": True,
        "department_ids": ["hrss"],
    }
    assert "password_hash" not in entry.after


def test_snapshot_turns_dates_and_sets_into_json_values(app):
    account = make_account(
        "hrss-web",
        suspended_at=datetime(2025, 1, 2, 3, 4, tzinfo=UTC),
        interaction_channels=["留言"],
    )

    values = snapshot(account, ("name", "suspended_at", "interaction_channels"))

    assert values == {
        "name": "hrss-web 网站",
        "suspended_at": "2025-01-02T03:04:00+00:00",
        "interaction_channels": ["留言"],
    }


def test_entries_are_written_in_the_caller_s_transaction(app):
    account = make_account("hrss-web")
    db.session.commit()

    record("account.suspend", account, None, None, None)
    db.session.rollback()

    assert db.session.query(AuditEntry).count() == 0


def _entries(count: int, action: str = "test.step") -> None:
    account = make_account("hrss-web")
    for number in range(count):
        record(action, account, {"n": number}, {"n": number + 1}, None)


def test_search_entries_pages_newest_first_and_keeps_the_page_in_range(app):
    _entries(7)

    first = search_entries(page=1, per_page=3)
    last = search_entries(page=3, per_page=3)

    assert (first.total, first.pages) == (7, 3)
    assert [entry.before["n"] for entry in first.entries] == [6, 5, 4]
    assert [entry.before["n"] for entry in last.entries] == [0]
    assert search_entries(page=0, per_page=3).page == 1
    assert search_entries(page=99, per_page=3).page == 3
    assert search_entries(action="nothing").pages == 1


def test_search_entries_filters_by_actor_action_and_target(app):
    admin = make_user("root", role="admin")
    account = make_account("police-web", department="police")
    record("account.suspend", account, None, None, admin)
    _entries(2)

    assert [e.action for e in search_entries(actor=" Root ").entries] == ["account.suspend"]
    assert search_entries(action="test.step").total == 2
    assert search_entries(target_type="account", target_id="police-web").total == 1
    assert search_entries(target_type="hall_user").total == 1  # root's creation
    assert search_entries(actor="", action="  ").total == 4


def test_changes_lists_only_the_keys_that_differ_as_text(app):
    account = make_account("hrss-web")
    entry = record(
        "account.change",
        account,
        {"name": "旧", "same": 1, "gone": [1, 2]},
        {"name": "新", "same": 1, "new": {"a": None}},
        None,
    )

    assert changes(entry) == [
        Change("gone", "[1, 2]", None),
        Change("name", "旧", "新"),
        Change("new", None, '{"a": null}'),
    ]


def test_audit_vocabulary_lists_the_actions_and_target_types_in_the_log(app):
    make_user("root", role="admin")
    _entries(1)

    assert audit_vocabulary() == (["test.step", "user.create"], ["account", "hall_user"])
