"""Users: creation rules, password checks with a lockout, department scope."""

from __future__ import annotations

from datetime import timedelta

import pytest
from werkzeug.security import check_password_hash

from hall.extensions import db
from hall.timestamps import utcnow
from hall.users.models import LoginFailure
from hall.users.services import (
    AuthenticationError,
    LoginLockedError,
    PermissionDeniedError,
    UserError,
    authenticate,
    can_manage_department,
    create_user,
    load_user,
    locked_until,
    require_admin,
)
from tests.builders import make_department, make_user

PASSWORD = "correct horse battery"


def test_create_user_stores_a_scrypt_hash_never_the_password(app):
    user = make_user("Op-HRSS")

    assert user.username == "op-hrss"  # stored lower-case, so sign-in ignores case
    assert user.password_hash.startswith("scrypt:")
    assert PASSWORD not in user.password_hash
    assert check_password_hash(user.password_hash, PASSWORD)


def test_outside_the_tests_passwords_get_werkzeugs_full_scrypt_cost(app, monkeypatch):
    monkeypatch.undo()  # the suite's quick hashing (tests/conftest.py)

    user = make_user("op-hrss")

    assert user.password_hash.startswith("scrypt:32768:8:1$")


@pytest.mark.parametrize(
    ("username", "password", "role", "departments", "problem"),
    [
        ("x", PASSWORD, "operator", ["hrss"], "2-80 characters"),
        ("bad name", PASSWORD, "operator", ["hrss"], "2-80 characters"),
        ("someone", "short", "operator", ["hrss"], "at least 10"),
        ("someone", PASSWORD, "owner", ["hrss"], "unknown role"),
        ("someone", PASSWORD, "operator", [], "at least one department"),
        ("someone", PASSWORD, "operator", ["nowhere"], "no department"),
        ("someone", PASSWORD, "admin", ["hrss"], "give no department"),
    ],
)
def test_create_user_refuses_bad_input(app, username, password, role, departments, problem):
    make_department("hrss")

    with pytest.raises(UserError, match=problem):
        create_user(username, password, role=role, department_ids=departments)


def test_create_user_refuses_a_taken_username_whatever_its_case(app):
    make_user("op-hrss")

    with pytest.raises(UserError, match="taken"):
        make_user("OP-HRSS")


def test_only_an_admin_may_create_users_from_a_page(app):
    operator = make_user("op-hrss")
    admin = make_user("root", role="admin")

    with pytest.raises(PermissionDeniedError):
        create_user("other", PASSWORD, role="admin", actor=operator)
    assert create_user("other", PASSWORD, role="admin", actor=admin).role == "admin"


def test_authenticate_returns_the_user_and_notes_the_sign_in(app):
    make_user("op-hrss")

    user = authenticate(" OP-hrss ", PASSWORD)

    assert user.username == "op-hrss"
    assert user.last_login_at is not None


@pytest.mark.parametrize("username", ["op-hrss", "nobody"])
def test_authenticate_fails_with_one_message_for_wrong_password_and_unknown_user(app, username):
    make_user("op-hrss")

    with pytest.raises(AuthenticationError) as failure:
        authenticate(username, "wrong password!")

    assert str(failure.value) == "invalid username or password"


def test_an_inactive_user_cannot_sign_in_nor_be_loaded_from_a_session(app):
    user = make_user("op-hrss")
    user.is_active = False
    db.session.flush()

    with pytest.raises(AuthenticationError, match="invalid username or password"):
        authenticate("op-hrss", PASSWORD)
    assert load_user(user.get_id()) is None


def test_load_user_finds_an_active_user_and_ignores_junk(app):
    user = make_user("op-hrss")

    assert user.get_id() == f"{user.id}:0"
    assert load_user(user.get_id()) is user
    assert load_user("not-a-number") is None
    assert load_user("9999:0") is None
    assert load_user(f"{user.id}:x") is None


def test_load_user_refuses_an_old_version_and_a_plain_id_from_before_versions(app):
    user = make_user("op-hrss")
    old_session = user.get_id()
    user.session_version += 1
    db.session.flush()

    assert load_user(old_session) is None
    assert load_user(str(user.id)) is None
    assert load_user(user.get_id()) is user


def test_five_failures_in_fifteen_minutes_lock_the_name_for_fifteen_minutes(app):
    make_user("op-hrss")
    start = utcnow()
    for minute in range(5):
        with pytest.raises(AuthenticationError):
            authenticate("op-hrss", "wrong password!", now=start + timedelta(minutes=minute))
    last_failure = start + timedelta(minutes=4)

    # Locked: even the right password is refused, and the attempt is not counted.
    with pytest.raises(LoginLockedError) as locked:
        authenticate("op-hrss", PASSWORD, now=last_failure + timedelta(minutes=14))
    assert locked.value.retry_at == last_failure + timedelta(minutes=15)
    assert db.session.query(LoginFailure).count() == 5

    user = authenticate("op-hrss", PASSWORD, now=last_failure + timedelta(minutes=15))
    assert user.username == "op-hrss"
    assert db.session.query(LoginFailure).count() == 0  # success clears the slate


def test_failures_spread_over_more_than_the_window_do_not_lock(app):
    make_user("op-hrss")
    start = utcnow()
    for minute in (0, 5, 10, 15, 20):  # first and fifth failure 20 minutes apart
        with pytest.raises(AuthenticationError):
            authenticate("op-hrss", "wrong password!", now=start + timedelta(minutes=minute))

    assert locked_until("op-hrss", now=start + timedelta(minutes=21)) is None


def test_unknown_usernames_lock_too_so_a_lockout_reveals_nothing(app):
    now = utcnow()
    for _ in range(5):
        with pytest.raises(AuthenticationError):
            authenticate("nobody", "wrong password!", now=now)

    with pytest.raises(LoginLockedError):
        authenticate("nobody", "wrong password!", now=now)


def test_lockout_numbers_come_from_the_settings(app):
    app.config.update(LOGIN_MAX_FAILURES=2, LOGIN_LOCKOUT_SECONDS=60)
    make_user("op-hrss")
    now = utcnow()
    for _ in range(2):
        with pytest.raises(AuthenticationError):
            authenticate("op-hrss", "wrong password!", now=now)

    assert locked_until("op-hrss", now=now) == now + timedelta(seconds=60)
    assert locked_until("op-hrss", now=now + timedelta(seconds=61)) is None


def test_can_manage_department_admins_everywhere_operators_only_their_own(app):
    make_department("police")
    operator = make_user("op-hrss", departments=["hrss"])
    admin = make_user("root", role="admin")

    assert can_manage_department(operator, "hrss")
    assert not can_manage_department(operator, "police")
    assert can_manage_department(admin, "police")
    operator.is_active = False
    assert not can_manage_department(operator, "hrss")


def test_require_admin_refuses_operators_and_inactive_admins(app):
    operator = make_user("op-hrss")
    admin = make_user("root", role="admin")

    with pytest.raises(PermissionDeniedError):
        require_admin(operator)
    admin.is_active = False
    with pytest.raises(PermissionDeniedError):
        require_admin(admin)
