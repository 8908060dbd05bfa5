"""Clients signed in as an administrator or an operator, and a small hall to curate."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from tests.builders import make_account, make_hall, make_item, make_life_event, make_user
from tests.signin import PASSWORD, form_token
from tests.web_fixtures import index


def signed_in(app, username: str, token_page: str = "/admin/halls") -> tuple[FlaskClient, str]:
    """Return a client signed in through /login, and a CSRF token of its session."""
    client = app.test_client()
    response = client.post(
        "/login",
        data={"username": username, "password": PASSWORD, "csrf_token": form_token(client)},
    )
    assert response.status_code == 302
    return client, form_token(client, token_page)


@pytest.fixture
def world(app):
    """An admin, an operator, a hall with one account, a service and a notice in it."""
    make_user("root", role="admin")
    make_user("op-hrss", role="operator", departments=["hrss"])
    make_account("hrss-web", department="hrss")
    make_account("tax-web", department="tax")
    make_hall("county", accounts=["hrss-web"])
    service = make_item("养老保险待遇申领", kind="service", connector="hrss-feed")
    make_item("关于社保缴费的通知", connector="hrss-feed")
    make_life_event("retirement", "county", [service.id], title="退休")
    index(app)
    return app


@pytest.fixture
def admin(world) -> tuple[FlaskClient, str]:
    return signed_in(world, "root")


@pytest.fixture
def operator(world) -> tuple[FlaskClient, str]:
    return signed_in(world, "op-hrss", token_page="/console/")
