"""Ending sessions from the pages: a password change or a deactivation signs the user out
everywhere else; whoever changed their own password stays signed in."""

from __future__ import annotations

import pytest
from flask import g

from hall.extensions import db
from hall.users.services import authenticate, get_user
from tests.builders import make_user
from tests.signin import form_token, sign_in

PASSWORD = "correct horse battery"
NEW_PASSWORD = "a brand new passphrase"


@pytest.fixture
def users(app):
    # Tests keep one app context around many requests, so Flask-Login's user cache on `g`
    # would carry one client's user into the next client's request: load it afresh.
    @app.before_request
    def forget_the_last_request_s_user() -> None:
        g.pop("_login_user", None)

    make_user("op-hrss")
    make_user("root", role="admin")
    db.session.commit()
    return app


def _change(client, token, current=PASSWORD, new=NEW_PASSWORD, repeat=None):
    data = {
        "current_password": current,
        "new_password": new,
        "repeat_password": new if repeat is None else repeat,
    }
    if token is not None:
        data["csrf_token"] = token
    return client.post("/account/password", data=data)


def _signed_in(client) -> bool:
    return client.get("/console/").status_code == 200


def test_changing_the_password_signs_out_other_browsers_but_not_this_one(users):
    this, other = users.test_client(), users.test_client()
    token = sign_in(this, "op-hrss")
    sign_in(other, "op-hrss")

    response = _change(this, token)

    assert response.status_code == 302
    assert response.headers["Location"] == "/account/password"
    assert "密码已修改" in this.get("/account/password").get_data(as_text=True)
    assert _signed_in(this)
    moved = other.get("/console/")
    assert moved.status_code == 302 and moved.headers["Location"].startswith("/login?next=")
    assert authenticate("op-hrss", NEW_PASSWORD).username == "op-hrss"


def test_after_a_change_the_signed_in_browser_can_still_post_forms(users):
    client = users.test_client()
    token = sign_in(client, "op-hrss")
    _change(client, token)

    fresh = form_token(client, "/account/password")

    assert _change(client, fresh, current=NEW_PASSWORD, new=PASSWORD).status_code == 302
    assert _signed_in(client)


@pytest.mark.parametrize(
    ("current", "new", "repeat", "message"),
    [
        ("wrong password", NEW_PASSWORD, None, "当前密码不正确"),
        (PASSWORD, "short", None, "密码至少 10 个字符"),
        (PASSWORD, NEW_PASSWORD, "something else", "两次输入的新密码不一致"),
    ],
)
def test_bad_input_shows_the_form_again_with_the_field_error(users, current, new, repeat, message):
    client = users.test_client()
    token = sign_in(client, "op-hrss")

    response = _change(client, token, current=current, new=new, repeat=repeat)
    page = response.get_data(as_text=True)

    assert response.status_code == 400
    assert message in page and 'aria-invalid="true"' in page
    assert PASSWORD not in page and NEW_PASSWORD not in page  # never written back
    assert _signed_in(client)
    assert authenticate("op-hrss", PASSWORD).username == "op-hrss"


def test_the_password_page_needs_sign_in_and_its_form_the_csrf_token(users):
    client = users.test_client()

    response = client.get("/account/password")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")
    sign_in(client, "op-hrss")
    assert client.get("/account/password").status_code == 200
    assert _change(client, None).status_code == 400
    assert authenticate("op-hrss", PASSWORD).username == "op-hrss"


def test_console_and_admin_pages_link_to_the_password_page(users):
    client = users.test_client()
    sign_in(client, "root")

    for page in ("/console/", "/admin/"):
        assert 'href="/account/password"' in client.get(page).get_data(as_text=True), page


def test_deactivation_sends_the_user_s_open_browser_to_sign_in(users):
    operator, admin = users.test_client(), users.test_client()
    sign_in(operator, "op-hrss")
    sign_in(admin, "root")
    token = form_token(admin, "/admin/users")
    user_id = get_user("op-hrss").id

    response = admin.post(f"/admin/users/{user_id}/deactivate", data={"csrf_token": token})

    assert response.status_code == 302
    assert operator.get("/console/").status_code == 302
    assert _signed_in(admin)


def test_a_session_cookie_from_before_versions_is_refused(users):
    client = users.test_client()
    sign_in(client, "op-hrss")
    with client.session_transaction() as session:
        session["_user_id"] = session["_user_id"].split(":")[0]

    assert client.get("/console/").status_code == 302
