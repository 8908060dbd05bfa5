from __future__ import annotations

import pytest

from hall.extensions import db
from tests.builders import make_user
from tests.signin import form_token, sign_in


@pytest.fixture
def operator(app):
    user = make_user("op-hrss")
    db.session.commit()
    return user


def test_sign_in_goes_to_the_console_and_sign_out_needs_the_token(client, operator):
    token = sign_in(client, "op-hrss")
    assert client.get("/console/").status_code == 200

    assert client.post("/logout").status_code == 400
    assert client.get("/console/").status_code == 200
    response = client.post("/logout", data={"csrf_token": token})
    assert response.status_code == 302
    assert client.get("/console/").status_code == 302


def test_wrong_password_shows_the_form_again_with_one_message(client, operator):
    response = client.post(
        "/login",
        data={"username": "op-hrss", "password": "wrong", "csrf_token": form_token(client)},
    )
    page = response.get_data(as_text=True)

    assert response.status_code == 200
    assert "用户名或密码不正确" in page
    assert 'name="password"' in page
    assert client.get("/console/").status_code == 302


def test_lockout_reads_like_any_failure_and_refuses_the_right_password(app, client, operator):
    token = form_token(client)
    failed = []
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        response = client.post(
            "/login", data={"username": "op-hrss", "password": "wrong", "csrf_token": token}
        )
        failed.append(response.get_data(as_text=True))
    response = client.post(
        "/login",
        data={"username": "op-hrss", "password": "correct horse battery", "csrf_token": token},
    )
    page = response.get_data(as_text=True)

    assert response.status_code == 200
    assert "用户名或密码不正确" in page
    assert page.count('role="alert"') == failed[0].count('role="alert"') == 1
    assert client.get("/console/").status_code == 302


def test_sign_in_without_the_csrf_token_is_refused(client, operator):
    response = client.post(
        "/login", data={"username": "op-hrss", "password": "correct horse battery"}
    )
    assert response.status_code == 400


@pytest.mark.parametrize(
    ("next_url", "expected"),
    [
        ("/console/health", "/console/health"),
        ("https://evil.example/", "/console/"),
        ("//evil.example/", "/console/"),
        ("/\\evil.example/", "/console/"),
        ("javascript:alert(1)", "/console/"),
        ("/console/\r\nX: y", "/console/"),
    ],
)
def test_next_goes_only_to_paths_on_this_site(client, operator, next_url, expected):
    response = client.post(
        "/login",
        data={
            "username": "op-hrss",
            "password": "correct horse battery",
            "next": next_url,
            "csrf_token": form_token(client),
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"] == expected


def test_anonymous_console_visit_goes_to_sign_in_and_back(client, operator):
    response = client.get("/console/health")

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'name="next" value="/console/health"' in page


def test_the_password_page_and_user_management_messages_have_chinese_translations():
    from hall.auth import views
    from hall.i18n import catalogue

    MESSAGES = catalogue()

    used = {
        views.WRONG_CURRENT_PASSWORD,
        views.PASSWORD_TOO_SHORT,
        views.PASSWORDS_DIFFER,
        views.PASSWORD_CHANGED,
        # labels passed to the page's macro, and the admin pages' flashes
        "Current password",
        "New password",
        "New password again",
        "The user was deactivated; their sessions ended.",
        "The user was reactivated.",
        "The password was reset; the user's sessions ended.",
    }

    assert used - MESSAGES.keys() == set()
