"""The audit log: entries name the actor, the target and the state before and after."""

from __future__ import annotations

from datetime import UTC, datetime

from hall.audit.models import AuditEntry
from hall.audit.services import entries_for, record, snapshot
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
