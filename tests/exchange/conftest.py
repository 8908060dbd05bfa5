"""A hall with two departments (hrss, police), their operators, an admin, and form helpers.

The app accepts forms at once (MESSAGE_MIN_SECONDS=0) so tests need not sleep; the guard
tests set it back where the timing is what they check. Several clients take turns in one
test, so the app forgets the previous request's user before each request.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pytest
from flask import Flask, g
from flask.testing import FlaskClient

from hall.extensions import db
from tests.admin.conftest import signed_in
from tests.builders import make_user
from tests.web_fixtures import SampleHall, build_sample_hall

_HIDDEN = re.compile(r'name="(csrf_token|form_stamp)" value="([^"]+)"')
_FOLLOW = re.compile(r'href="http://localhost(/messages/[A-Za-z0-9_-]+)"')


@pytest.fixture
def app(app):
    app.config["MESSAGE_MIN_SECONDS"] = 0

    # Tests keep one app context around many requests, where Flask-Login and Flask-WTF
    # cache the last request's user and token on `g`: each request of each client (the
    # citizen's and the operators') starts afresh, as in a real server.
    @app.before_request
    def forget_the_last_request() -> None:
        g.pop("_login_user", None)
        g.pop("csrf_token", None)

    return app


# Who may sign in: username -> (role, departments).
USERS = {
    "op-hrss": ("operator", ["hrss"]),
    "op-police": ("operator", ["police"]),
    "root": ("admin", []),
}


@dataclass
class World:
    """The sample hall, and signed-in console clients made when first asked for."""

    app: Flask
    sample: SampleHall
    clients: dict[str, tuple[FlaskClient, str]] = field(default_factory=dict)

    def signed_in(self, username: str) -> tuple[FlaskClient, str]:
        """Return a client signed in as `username` and a CSRF token of its session."""
        if username not in self.clients:
            role, departments = USERS[username]
            make_user(username, role=role, departments=departments)
            db.session.commit()
            self.clients[username] = signed_in(self.app, username, token_page="/console/")
        return self.clients[username]

    @property
    def hrss(self) -> tuple[FlaskClient, str]:
        """The HR bureau's operator."""
        return self.signed_in("op-hrss")

    @property
    def police(self) -> tuple[FlaskClient, str]:
        """The police's operator."""
        return self.signed_in("op-police")

    @property
    def admin(self) -> tuple[FlaskClient, str]:
        return self.signed_in("root")


@pytest.fixture
def world(app) -> World:
    return World(app, build_sample_hall())


def form_fields(client: FlaskClient, url: str) -> dict[str, str]:
    """Return the CSRF token and the form stamp the (first) form on `url` carries."""
    g.pop("csrf_token", None)  # see tests/signin.py: one app context spans many requests
    page = client.get(url).get_data(as_text=True)
    fields = dict(_HIDDEN.findall(page))
    assert {"csrf_token", "form_stamp"} <= fields.keys(), f"no guarded form on {url}"
    return fields


def message_data(**values: str) -> dict[str, str]:
    """Return a complete message form, `values` replacing the defaults."""
    return {
        "kind": "question",
        "department": "hrss",
        "subject": "失业保险金怎么领",
        "body": "我上个月离职了，请问失业保险金怎么申领？",
        "sender_name": "李四",
        "sender_contact": "lisi@example.cn",
        "publish_consent": "yes",
        "website": "",
        **values,
    }


def send_message(client: FlaskClient, hall: str = "county", **values: str):
    """Send a message through the form; return the response."""
    data = form_fields(client, f"/halls/{hall}/messages/new") | message_data(**values)
    return client.post(f"/halls/{hall}/messages/new", data=data)


def follow_path(html: str) -> str:
    """Return the follow link's path shown on the page after sending."""
    found = _FOLLOW.search(html)
    assert found, "no follow link on the page"
    return found.group(1)
