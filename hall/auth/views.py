"""Sign in, sign out, change one's own password. The URL table is at the bottom."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from flask import Blueprint, flash, g, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.wrappers import Response

from hall.extensions import db
from hall.i18n import translate
from hall.users.services import (
    MIN_PASSWORD_LENGTH,
    AuthenticationError,
    PasswordRuleError,
    WrongPasswordError,
    authenticate,
    change_own_password,
)

bp = Blueprint("auth", __name__, template_folder="templates")

# One message for a wrong password, an unknown name and a lockout: the form tells an
# attacker nothing about which usernames exist or which are locked.
SIGN_IN_FAILED = (
    "The username or password is not right, or there were too many attempts; "
    "wait a while and try again."
)
WRONG_CURRENT_PASSWORD = "The current password is not right."
PASSWORD_TOO_SHORT = "A password has at least %(count)s characters."
PASSWORDS_DIFFER = "The new password and its repetition differ."
PASSWORD_CHANGED = "Your password was changed; your other sessions were signed out."
_UNSAFE_IN_PATH = re.compile(r"[\x00-\x1f\x7f\\]")


def login() -> str | Response:
    """Show the sign-in form; on success go to `next` (a path on this site) or the console."""
    target = safe_next(request.values.get("next"))
    if request.method == "GET" and current_user.is_authenticated:
        return redirect(target)
    problem = None
    username = request.form.get("username", "")
    if request.method == "POST":
        try:
            user = authenticate(username, request.form.get("password", ""))
        except AuthenticationError:  # LoginLockedError included, on purpose
            problem = SIGN_IN_FAILED
        else:
            _fresh_session()
            login_user(user)
            return redirect(target)
    return render_template(
        "auth/login.html", problem=problem, username=username, next=request.values.get("next")
    )


def logout() -> Response:
    """Sign out and go back to the sign-in form."""
    logout_user()
    _fresh_session()
    return redirect(url_for("auth.login"))


@login_required
def change_password() -> str | tuple[str, int] | Response:
    """Change one's own password: every other session ends, this one stays signed in."""
    errors: dict[str, str] = {}
    if request.method == "POST":
        new_password = request.form.get("new_password", "")
        if new_password != request.form.get("repeat_password", ""):
            errors["repeat_password"] = translate(PASSWORDS_DIFFER)
        else:
            try:
                user = change_own_password(
                    current_user._get_current_object(),
                    current_password=request.form.get("current_password", ""),
                    new_password=new_password,
                )
            except WrongPasswordError:
                errors["current_password"] = translate(WRONG_CURRENT_PASSWORD)
            except PasswordRuleError:
                errors["new_password"] = translate(PASSWORD_TOO_SHORT, count=MIN_PASSWORD_LENGTH)
            else:
                db.session.commit()
                # The raised session version ended this session too: start a fresh one.
                _fresh_session()
                login_user(user)
                flash(PASSWORD_CHANGED)
                return redirect(url_for(".change_password"))
        db.session.rollback()
    page = render_template("auth/password.html", errors=errors, min_length=MIN_PASSWORD_LENGTH)
    return (page, 400) if errors else page


def _fresh_session() -> None:
    """Start a new session (nothing planted before sign-in survives it), CSRF token too."""
    session.clear()
    # Flask-WTF caches the token on `g`; its secret half was just cleared from the session.
    g.pop("csrf_token", None)


def safe_next(target: str | None) -> str:
    """Return `target` if it is a path on this site, else the console's home."""
    default = url_for("console.index")
    if not target or _UNSAFE_IN_PATH.search(target):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    return target


bp.add_url_rule("/login", view_func=login, methods=["GET", "POST"])
bp.add_url_rule("/logout", view_func=logout, methods=["POST"])
bp.add_url_rule("/account/password", view_func=change_password, methods=["GET", "POST"])
