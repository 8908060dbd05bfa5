"""Sign a test client in through the real form, and read the CSRF token of a page."""

from __future__ import annotations

import re

from flask import g
from flask.testing import FlaskClient

PASSWORD = "correct horse battery"  # tests.builders.make_user's password
_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def form_token(client: FlaskClient, url: str = "/login") -> str:
    """Return the CSRF token a form on `url` carries."""
    # Tests keep one app context around many requests, so Flask-WTF's per-request cache
    # on `g` would hand one client's token to the next.
    g.pop("csrf_token", None)
    page = client.get(url).get_data(as_text=True)
    found = _TOKEN.search(page)
    assert found, f"no CSRF token on {url}"
    return found.group(1)


def sign_in(client: FlaskClient, username: str, password: str = PASSWORD) -> str:
    """Sign in through /login and return a CSRF token for the signed-in session."""
    response = client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": form_token(client)},
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    return form_token(client, "/console/")
