"""Wiring for the pages to come: CSRF on forms, Flask-Login sessions, cookie flags."""

from __future__ import annotations

import re

import pytest
from flask import Blueprint, render_template_string
from flask_login import current_user, login_user

from hall.extensions import db
from hall.users.services import authenticate
from tests.builders import make_user

FORM = '<form method="post"><input name="csrf_token" value="{{ csrf_token() }}"></form>'


@pytest.fixture
def form_app(app):
    """The app with a test-only blueprint: a form, a sign-in and a who-am-I route."""
    bp = Blueprint("test_forms", __name__, url_prefix="/test-forms")

    @bp.route("/form", methods=["GET", "POST"])
    def form():
        return render_template_string(FORM)

    @bp.post("/sign-in")
    def sign_in():
        login_user(authenticate("op-hrss", "correct horse battery"))
        return "signed in"

    @bp.get("/me")
    def me():
        return current_user.username if current_user.is_authenticated else "anonymous"

    app.register_blueprint(bp)
    return app


def test_a_form_post_without_a_csrf_token_is_refused(form_app):
    response = form_app.test_client().post("/test-forms/form", data={"x": "1"})

    assert response.status_code == 400


def test_a_form_post_with_the_page_s_csrf_token_is_accepted(form_app):
    client = form_app.test_client()
    page = client.get("/test-forms/form").get_data(as_text=True)
    token = re.search(r'value="([^"]+)"', page).group(1)

    assert client.post("/test-forms/form", data={"csrf_token": token}).status_code == 200


def test_the_token_authenticated_api_is_exempt_from_csrf(client):
    response = client.post("/api/v1/accounts/hrss-web/items", json={"items": []})

    # Refused for want of a bearer token (401), not for want of a CSRF token (400).
    assert response.status_code == 401


def test_a_signed_in_user_is_loaded_from_the_session(form_app):
    make_user("op-hrss")
    db.session.commit()
    form_app.config["WTF_CSRF_ENABLED"] = False  # this test is about the session only
    client = form_app.test_client()

    assert client.get("/test-forms/me").get_data(as_text=True) == "anonymous"
    client.post("/test-forms/sign-in")
    assert client.get("/test-forms/me").get_data(as_text=True) == "op-hrss"


def test_session_cookie_is_http_only_and_same_site_lax_by_default(form_app):
    make_user("op-hrss")
    db.session.commit()
    form_app.config["WTF_CSRF_ENABLED"] = False
    client = form_app.test_client()

    cookie = client.post("/test-forms/sign-in").headers["Set-Cookie"]

    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    assert form_app.config["REMEMBER_COOKIE_HTTPONLY"] is True


def test_secure_cookies_are_one_setting_away(tmp_path):
    from hall import create_app

    app = create_app({"INSTANCE_PATH": str(tmp_path), "SESSION_COOKIE_SECURE": True})

    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["REMEMBER_COOKIE_SECURE"] is True
