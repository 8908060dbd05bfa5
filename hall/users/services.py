"""Create and manage users, check passwords with a lockout, decide who may act for what.

Passwords are hashed with werkzeug's scrypt (memory-hard, in the standard library's
hashlib, so no new dependency); `check_password_hash` compares in constant time.
A session id carries the user's session version (User.get_id); raising the version on a
password change, reset or deactivation ends every session the user has open.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, func, select
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
# What a password change or (de)activation audits: never the hash, the version it raises.
SESSION_FIELDS = ("is_active", "session_version")
_SESSION_ID = re.compile(r"(?P<user_id>\d{1,18}):(?P<version>\d{1,9})", re.ASCII)


class UserError(Exception):
    """A user cannot be created or changed as asked (bad name, role, password…)."""


class PasswordRuleError(UserError):
    """A new password breaks the rule (too short)."""


class WrongPasswordError(UserError):
    """The current password given to change it is not right."""

    def __init__(self, message: str = "the current password is not right"):
        super().__init__(message)


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
    _check_password_rule(password)
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


def load_user(session_id: str) -> User | None:
    """Return the active user of a session id "id:version" (Flask-Login's user_loader).

    A session whose version is not the user's current one was ended by a password change
    or a deactivation; a plain id is a cookie from before versions existed. Both are refused.
    """
    found = _SESSION_ID.fullmatch(session_id)
    if found is None:
        return None
    user = db.session.get(User, int(found["user_id"]))
    if user is None or not user.is_active or user.session_version != int(found["version"]):
        return None
    return user


def change_own_password(user: User, *, current_password: str, new_password: str) -> User:
    """Change one's own password and end every session of it (the view signs this one in again).

    The current password is asked for, so a browser left signed in cannot lock its owner out.
    """
    if not user.is_active:
        raise PermissionDeniedError(f"{user.username} is not active")
    if not check_password_hash(user.password_hash, current_password):
        raise WrongPasswordError()
    _check_password_rule(new_password)
    _set_password(user, new_password, action="user.password_change", actor=user)
    return user


def reset_password(admin: User | None, user_id: int, *, new_password: str) -> User:
    """Give a user a new password and end their sessions; `admin` None is the command line."""
    user = _user_for(admin, user_id)
    if admin is not None and admin.id == user.id:
        raise UserError("change your own password on the Change password page")
    _check_password_rule(new_password)
    _set_password(user, new_password, action="user.password_reset", actor=admin)
    return user


def deactivate_user(admin: User | None, user_id: int) -> User:
    """Stop a user signing in and end their sessions; `admin` None is the command line.

    Nobody deactivates themselves, nor the last active administrator: either would leave
    the pages without anyone able to undo it.
    """
    user = _user_for(admin, user_id)
    if admin is not None and admin.id == user.id:
        raise UserError("you cannot deactivate yourself")
    if not user.is_active:
        raise UserError(f"{user.username} is already inactive")
    if user.is_admin and not _other_active_admins(user):
        raise UserError(f"{user.username} is the last active administrator")
    before = snapshot(user, SESSION_FIELDS)
    user.is_active = False
    user.session_version = (user.session_version or 0) + 1
    record("user.deactivate", user, before, snapshot(user, SESSION_FIELDS), admin)
    return user


def reactivate_user(admin: User | None, user_id: int) -> User:
    """Let a deactivated user sign in again; `admin` None is the command line."""
    user = _user_for(admin, user_id)
    if user.is_active:
        raise UserError(f"{user.username} is already active")
    before = snapshot(user, SESSION_FIELDS)
    user.is_active = True
    record("user.reactivate", user, before, snapshot(user, SESSION_FIELDS), admin)
    return user


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


def _user_for(admin: User | None, user_id: int) -> User:
    """Check `admin` may manage users (None: the command line) and return the user."""
    if admin is not None:
        require_admin(admin)
    # A number past 64 bits would overflow the database driver: it names no user either.
    user = db.session.get(User, user_id) if 0 < user_id < 2**63 else None
    if user is None:
        raise UserError(f"no user has the id {user_id}")
    return user


def _other_active_admins(user: User) -> int:
    query = select(func.count()).where(
        User.role == "admin", User.is_active.is_(True), User.id != user.id
    )
    return db.session.scalar(query) or 0


def _set_password(user: User, password: str, *, action: str, actor: User | None) -> None:
    """Store the new hash and raise the session version, which ends every open session."""
    before = snapshot(user, SESSION_FIELDS)
    user.password_hash = generate_password_hash(password, method=PASSWORD_METHOD)
    user.session_version = (user.session_version or 0) + 1
    # The hash is never audited: the entry says the password changed and sessions ended.
    record(action, user, before, snapshot(user, SESSION_FIELDS), actor)


def _check_password_rule(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise PasswordRuleError(f"a password has at least {MIN_PASSWORD_LENGTH} characters")


def _department(department_id: str) -> Department:
    department = db.session.get(Department, department_id)
    if department is None:
        raise UserError(f"no department {department_id!r}")
    return department


def _prune_failures(now: datetime) -> None:
    """Forget failures too old to lock anyone, so the table stays small."""
    horizon = now - 2 * timedelta(seconds=current_app.config["LOGIN_LOCKOUT_SECONDS"])
    db.session.execute(delete(LoginFailure).where(LoginFailure.at < horizon))
