"""Managing users: own password changes, resets, deactivation; each ends open sessions."""

from __future__ import annotations

import pytest

from hall.audit.services import entries_for
from hall.extensions import db
from hall.users.services import (
    AuthenticationError,
    PasswordRuleError,
    PermissionDeniedError,
    UserError,
    WrongPasswordError,
    authenticate,
    change_own_password,
    deactivate_user,
    load_user,
    reactivate_user,
    reset_password,
)
from tests.builders import make_user

PASSWORD = "correct horse battery"
NEW_PASSWORD = "a brand new passphrase"


def test_changing_ones_password_needs_the_current_one(app):
    user = make_user("op-hrss")
    session = user.get_id()

    with pytest.raises(WrongPasswordError):
        change_own_password(user, current_password="wrong", new_password=NEW_PASSWORD)
    with pytest.raises(PasswordRuleError, match="at least 10"):
        change_own_password(user, current_password=PASSWORD, new_password="short")

    assert load_user(session) is user
    assert authenticate("op-hrss", PASSWORD) is user


def test_changing_ones_password_ends_every_session_and_is_audited_without_the_hash(app):
    user = make_user("op-hrss")
    session = user.get_id()

    change_own_password(user, current_password=PASSWORD, new_password=NEW_PASSWORD)

    assert load_user(session) is None
    assert load_user(user.get_id()) is user
    assert authenticate("op-hrss", NEW_PASSWORD) is user
    entry = entries_for(user)[-1]
    assert (entry.action, entry.username) == ("user.password_change", "op-hrss")
    assert entry.before == {"is_active": True, "session_version": 0}
    assert entry.after == {"is_active": True, "session_version": 1}
    assert "scrypt" not in str(entry.before) + str(entry.after)


def test_an_admin_resets_a_password_and_the_user_s_sessions_end(app):
    admin = make_user("root", role="admin")
    user = make_user("op-hrss")
    session = user.get_id()

    reset_password(admin, user.id, new_password=NEW_PASSWORD)

    assert load_user(session) is None
    assert authenticate("op-hrss", NEW_PASSWORD) is user
    entry = entries_for(user)[-1]
    assert (entry.action, entry.username) == ("user.password_reset", "root")


def test_reset_password_refusals(app):
    admin = make_user("root", role="admin")
    operator = make_user("op-hrss")

    with pytest.raises(PermissionDeniedError):
        reset_password(operator, admin.id, new_password=NEW_PASSWORD)
    with pytest.raises(UserError, match="your own password"):
        reset_password(admin, admin.id, new_password=NEW_PASSWORD)
    with pytest.raises(UserError, match="at least 10"):
        reset_password(admin, operator.id, new_password="short")
    with pytest.raises(UserError, match="no user"):
        reset_password(admin, 999, new_password=NEW_PASSWORD)


def test_the_command_line_resets_as_nobody(app):
    user = make_user("op-hrss")

    reset_password(None, user.id, new_password=NEW_PASSWORD)

    entry = entries_for(user)[-1]
    assert (entry.action, entry.user_id, entry.username) == ("user.password_reset", None, None)


def test_deactivation_ends_sessions_and_reactivation_does_not_bring_them_back(app):
    admin = make_user("root", role="admin")
    user = make_user("op-hrss")
    session = user.get_id()

    deactivate_user(admin, user.id)

    assert load_user(session) is None
    with pytest.raises(AuthenticationError):
        authenticate("op-hrss", PASSWORD)
    reactivate_user(admin, user.id)
    assert load_user(session) is None
    assert authenticate("op-hrss", PASSWORD) is user
    actions = [entry.action for entry in entries_for(user)]
    assert actions[-2:] == ["user.deactivate", "user.reactivate"]


def test_an_admin_cannot_deactivate_themselves_nor_the_last_active_admin(app):
    root = make_user("root", role="admin")
    second = make_user("second", role="admin")

    with pytest.raises(UserError, match="yourself"):
        deactivate_user(root, root.id)
    deactivate_user(root, second.id)
    with pytest.raises(UserError, match="last active administrator"):
        deactivate_user(None, root.id)

    assert root.is_active and not second.is_active


def test_deactivate_and_reactivate_say_when_there_is_nothing_to_do(app):
    admin = make_user("root", role="admin")
    user = make_user("op-hrss")

    with pytest.raises(UserError, match="already active"):
        reactivate_user(admin, user.id)
    deactivate_user(admin, user.id)
    with pytest.raises(UserError, match="already inactive"):
        deactivate_user(admin, user.id)


def test_only_an_active_admin_manages_users(app):
    admin = make_user("root", role="admin")
    operator = make_user("op-hrss")
    other = make_user("op-two")
    db.session.flush()

    with pytest.raises(PermissionDeniedError):
        deactivate_user(operator, other.id)
    with pytest.raises(PermissionDeniedError):
        reactivate_user(operator, other.id)
    assert other.is_active and admin.is_active
