"""Create users, check passwords with a lockout, and decide who may act for a department.

Passwords are hashed with werkzeug's scrypt (memory-hard, in the standard library's
hashlib, so no new dependency); `check_password_hash` compares in constant time.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, select
from werkzeug.security import check_password_hash, generate_password_hash

from hall.audit.services import record, snapshot
from hall.directory.models import Department
from hall.extensions import db
from hall.timestamps import utcnow
from hall.users.models import ROLES, LoginFailure, User

# Long enough that a passphrase fits and a four-digit PIN does not.
MIN_PASSWORD_LENGTH = 10
USERNAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{1,79}$")
PASSWORD_METHOD = "scrypt"
# Checked when the username is unknown, so a miss costs as long as a wrong password.
_DUMMY_HASH = generate_password_hash("not a real password", method=PASSWORD_METHOD)
USER_FIELDS = ("username", "display_name", "role", "is_active", "department_ids")


class UserError(Exception):
    """A user cannot be created or changed as asked (bad name, role, password…)."""


class AuthenticationError(Exception):
    """Sign-in failed; the message never says whether the username exists."""

    def __init__(self, message: str = "invalid username or password"):
        super().__init__(message)


class LoginLockedError(AuthenticationError):
    """Too many failed sign-ins for this username lately; refused until `retry_at`."""

    def __init__(self, retry_at: datetime):
        super().__init__("too many failed sign-ins; try again later")
        self.retry_at = retry_at


class PermissionDeniedError(Exception):
    """The user may not do this (wrong role, or another department's account)."""


def create_user(
    username: str,
    password: str,
    *,
    role: str,
    display_name: str | None = None,
    department_ids: Iterable[str] = (),
    actor: User | None = None,
) -> User:
    """Create a user; `actor` None means the trusted command line, else an administrator."""
    if actor is not None:
        require_admin(actor)
    username = normalise_username(username)
    if not USERNAME.match(username):
        raise UserError(
            "a username is 2-80 characters: lower-case letters, digits, '_', '.' or '-'"
        )
    if role not in ROLES:
        raise UserError(f"unknown role {role!r}; one of {', '.join(ROLES)}")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(f"a password has at least {MIN_PASSWORD_LENGTH} characters")
    if db.session.scalars(select(User).where(User.username == username)).first():
        raise UserError(f"username {username!r} is taken")
    departments = [_department(department_id) for department_id in dict.fromkeys(department_ids)]
    if role == "operator" and not departments:
        raise UserError("an operator acts for at least one department")
    if role == "admin" and departments:
        raise UserError("an administrator acts for every department; give no department")
    user = User(
        username=username,
        display_name=display_name or username,
        password_hash=generate_password_hash(password, method=PASSWORD_METHOD),
        role=role,
        is_active=True,
        departments=departments,
    )
    db.session.add(user)
    db.session.flush()
    record("user.create", user, None, snapshot(user, USER_FIELDS), actor)
    return user


def authenticate(username: str, password: str, *, now: datetime | None = None) -> User:
    """Return the active user with this password, or raise AuthenticationError.

    Failures are counted per username typed, known or not (so a lockout tells nothing
    about which usernames exist): LOGIN_MAX_FAILURES within LOGIN_LOCKOUT_SECONDS lock the
    name for LOGIN_LOCKOUT_SECONDS after the last of them. Attempts while locked are
    refused without being counted, so an attacker cannot keep a name locked forever by
    hammering it faster. Commits, so failures count even when the caller rolls back.
    """
    now = now or utcnow()
    username = normalise_username(username)
    retry_at = locked_until(username, now=now)
    if retry_at is not None:
        raise LoginLockedError(retry_at)
    user = db.session.scalars(select(User).where(User.username == username)).first()
    # Always run one hash check, so timing does not reveal whether the username exists.
    password_ok = check_password_hash(user.password_hash if user else _DUMMY_HASH, password)
    if user is None or not password_ok or not user.is_active:
        db.session.add(LoginFailure(username=username, at=now))
        _prune_failures(now)
        db.session.commit()
        raise AuthenticationError()
    db.session.execute(delete(LoginFailure).where(LoginFailure.username == username))
    user.last_login_at = now
    db.session.commit()
    return user


def locked_until(username: str, *, now: datetime | None = None) -> datetime | None:
    """Return when a locked-out username may try again, or None if it may now."""
    now = now or utcnow()
    config = current_app.config
    period = timedelta(seconds=config["LOGIN_LOCKOUT_SECONDS"])
    limit = config["LOGIN_MAX_FAILURES"]
    recent = list(
        db.session.scalars(
            select(LoginFailure.at)
            .where(LoginFailure.username == normalise_username(username))
            .order_by(LoginFailure.at.desc())
            .limit(limit)
        )
    )
    if len(recent) < limit or recent[0] - recent[-1] > period:
        return None
    retry_at = recent[0] + period
    return retry_at if now < retry_at else None


def load_user(user_id: str) -> User | None:
    """Return the active user of a session id (Flask-Login's user_loader)."""
    user = db.session.get(User, int(user_id)) if user_id.isdigit() else None
    return user if user is not None and user.is_active else None


def can_manage_department(user: User, department_id: str) -> bool:
    """Tell whether the user may act for the department: admins always, operators for theirs."""
    if not user.is_active:
        return False
    return user.is_admin or department_id in user.department_ids


def require_department(user: User, department_id: str) -> None:
    """Raise PermissionDeniedError unless the user may act for the department."""
    if not can_manage_department(user, department_id):
        raise PermissionDeniedError(f"{user.username} may not act for department {department_id}")


def require_admin(user: User) -> None:
    """Raise PermissionDeniedError unless the user is an active administrator."""
    if not (user.is_active and user.is_admin):
        raise PermissionDeniedError(f"{user.username} is not an administrator")


def get_user(username: str) -> User:
    """Return the user with this username, or raise UserError."""
    user = db.session.scalars(
        select(User).where(User.username == normalise_username(username))
    ).first()
    if user is None:
        raise UserError(f"no user {username!r}")
    return user


def list_users() -> list[User]:
    """Return every user, administrators first, then by username."""
    return list(db.session.scalars(select(User).order_by(User.role, User.username)))


def normalise_username(username: str) -> str:
    """Return the form a username is stored and compared in."""
    return username.strip().lower()


def _department(department_id: str) -> Department:
    department = db.session.get(Department, department_id)
    if department is None:
        raise UserError(f"no department {department_id!r}")
    return department


def _prune_failures(now: datetime) -> None:
    """Forget failures too old to lock anyone, so the table stays small."""
    horizon = now - 2 * timedelta(seconds=current_app.config["LOGIN_LOCKOUT_SECONDS"])
    db.session.execute(delete(LoginFailure).where(LoginFailure.at < horizon))
