"""Every admin address: visitors are sent to sign in, operators refused, administrators served."""

from __future__ import annotations

import pytest
from flask import Flask

from tests.admin.conftest import signed_in
from tests.signin import form_token

# Values for the placeholders of admin rules, so the table below covers every rule.
ARGS = {
    "hall_id": "county",
    "request_id": 1,
    "account_id": "hrss-web",
    "index": 0,
    "version": 1,
    "user_id": 2,
    "slug": "retirement",
    "step_id": 1,
    "group_id": 1,
    "bet_id": 1,
    "item_id": 1,
}
GET_PAGES = (
    "/admin/",
    "/admin/filings",
    "/admin/departments",
    "/admin/users",
    "/admin/halls",
    "/admin/halls/county",
    "/admin/halls/county/layout",
    "/admin/halls/county/topics",
    "/admin/halls/county/topics/retirement",
    "/admin/halls/county/export.yaml",
    "/admin/halls/county/synonyms",
    "/admin/halls/county/best-bets",
    "/admin/halls/county/search-report",
    "/admin/halls/county/search-report.csv",
    "/admin/import",
    "/admin/health",
    "/admin/health.csv",
    "/admin/audit",
)


def admin_rules(app: Flask) -> list[tuple[str, str]]:
    """Return (method, address) for every rule of the admin blueprint."""
    found = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("admin."):
            address = rule.rule
            for name in rule.arguments:
                address = address.replace(f"<{name}>", str(ARGS[name]))
                address = address.replace(f"<int:{name}>", str(ARGS[name]))
            found.extend((method, address) for method in rule.methods - {"HEAD", "OPTIONS"})
    return sorted(found)


def test_the_table_of_get_pages_covers_every_admin_page(app):
    assert {address for method, address in admin_rules(app) if method == "GET"} == set(GET_PAGES)


def test_every_admin_address_sends_a_visitor_to_sign_in(world):
    client = world.test_client()
    for method, address in admin_rules(world):
        # A visitor's POST carries its session's token, so it is refused for the session.
        token = form_token(client, "/login") if method == "POST" else None
        response = client.open(address, method=method, data={"csrf_token": token} if token else {})

        assert response.status_code == 302, (method, address)
        assert response.headers["Location"].startswith("/login?next="), (method, address)


def test_every_admin_address_refuses_an_operator(world, operator):
    client, token = operator
    for method, address in admin_rules(world):
        response = client.open(address, method=method, data={"csrf_token": token})

        assert response.status_code == 403, (method, address)


@pytest.mark.parametrize("address", GET_PAGES)
def test_every_admin_page_serves_an_administrator(admin, address):
    client, _ = admin

    assert client.get(address).status_code == 200


def test_every_admin_post_without_a_csrf_token_is_refused(world, admin):
    client, _ = admin
    for method, address in admin_rules(world):
        if method == "POST":
            assert client.post(address, data={}).status_code == 400, address


def test_signed_in_helper_gives_an_administrator_a_token(world):
    client, token = signed_in(world, "root")

    assert token and client.get("/admin/").status_code == 200
