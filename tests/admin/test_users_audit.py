"""User management and the audit log viewer in the admin pages."""

from __future__ import annotations

import re

from hall.audit.services import record
from hall.directory.models import Account
from hall.extensions import db
from hall.users.services import authenticate, get_user

NEW_PASSWORD = "a brand new passphrase"


def _post(client, token, address, **data):
    response = client.post(address, data={"csrf_token": token, **data})
    assert response.status_code == 302, response.get_data(as_text=True)
    return client.get(response.headers["Location"]).get_data(as_text=True)


def test_deactivate_then_reactivate_an_operator(world, admin):
    client, token = admin
    operator = get_user("op-hrss")

    page = _post(client, token, f"/admin/users/{operator.id}/deactivate")

    assert "用户已停用" in page
    assert not get_user("op-hrss").is_active
    assert f'action="/admin/users/{operator.id}/reactivate"' in page
    page = _post(client, token, f"/admin/users/{operator.id}/reactivate")
    assert "用户已重新启用" in page and get_user("op-hrss").is_active


def test_an_admin_cannot_deactivate_themselves(world, admin):
    client, token = admin
    root = get_user("root")

    page = _post(client, token, f"/admin/users/{root.id}/deactivate")

    assert "you cannot deactivate yourself" in page
    assert get_user("root").is_active
    assert client.get("/admin/").status_code == 200
    # Their own row offers the password page instead of deactivate and reset.
    assert f'action="/admin/users/{root.id}/deactivate"' not in page


def test_reset_a_password(world, admin):
    client, token = admin
    operator = get_user("op-hrss")

    short = _post(client, token, f"/admin/users/{operator.id}/password", new_password="short")
    page = _post(client, token, f"/admin/users/{operator.id}/password", new_password=NEW_PASSWORD)

    assert "at least 10 characters" in short
    assert "密码已重置" in page
    assert authenticate("op-hrss", NEW_PASSWORD).id == operator.id


def test_an_unknown_user_is_a_message_not_an_error_page(world, admin):
    client, token = admin

    assert "no user has the id 999" in _post(client, token, "/admin/users/999/deactivate")
    huge = "9" * 30  # past a database integer: no such address (a 404, not a 500)
    response = client.post(f"/admin/users/{huge}/reactivate", data={"csrf_token": token})
    assert response.status_code == 404


def _rows(page: str) -> list[str]:
    return re.findall(r"<tr>\s*<td>.*?</tr>", page, re.S)


def test_the_audit_log_lists_who_did_what_newest_first(world, admin):
    client, token = admin
    operator = get_user("op-hrss")
    _post(client, token, f"/admin/users/{operator.id}/deactivate")
    _post(client, token, f"/admin/users/{operator.id}/reactivate")

    page = client.get("/admin/audit").get_data(as_text=True)
    rows = _rows(page)

    assert "user.reactivate" in rows[0] and "user.deactivate" in rows[1]
    assert ">root</a>" in rows[0] and f"hall_user/{operator.id}" in rows[0]
    assert "<code>is_active</code>: false → true" in rows[0]
    assert "user.create" in page and "命令行" in page  # the builders create users as nobody


def test_the_audit_log_filters_by_actor_action_and_target(world, admin):
    client, token = admin
    operator = get_user("op-hrss")
    _post(client, token, f"/admin/users/{operator.id}/deactivate")

    by_actor = client.get("/admin/audit?actor=ROOT").get_data(as_text=True)
    by_action = client.get("/admin/audit?action=user.create").get_data(as_text=True)
    by_target = client.get(f"/admin/audit?target_type=hall_user&target_id={operator.id}").get_data(
        as_text=True
    )
    nobody = client.get("/admin/audit?actor=nobody").get_data(as_text=True)

    assert len(_rows(by_actor)) == 1 and "user.deactivate" in _rows(by_actor)[0]
    assert len(_rows(by_action)) == 2
    assert [("user.deactivate" in r, "user.create" in r) for r in _rows(by_target)] == [
        (True, False),
        (False, True),
    ]
    assert "没有符合条件的记录" in nobody


def test_the_audit_log_pages_by_fifty_and_ignores_odd_page_numbers(world, admin):
    client, _ = admin
    account = db.session.get(Account, "hrss-web")
    for number in range(120):
        record("test.bulk", account, {"n": number}, {"n": number + 1}, None)
    db.session.commit()

    def bulk_rows(query: str) -> int:
        response = client.get(f"/admin/audit?action=test.bulk{query}")
        assert response.status_code == 200, query
        return len(_rows(response.get_data(as_text=True)))

    assert [bulk_rows(""), bulk_rows("&page=2"), bulk_rows("&page=3")] == [50, 50, 20]
    for odd in ("abc", "-1", "0", "9999999999999999999999", ""):
        assert bulk_rows(f"&page={odd}") in (50, 20), odd
    last = client.get("/admin/audit?action=test.bulk&page=99").get_data(as_text=True)
    assert "第 3 页，共 3 页" in last
    assert 'href="/admin/audit?page=2&amp;action=test.bulk"' in last


def test_the_audit_log_escapes_values_and_cuts_long_ones(world, admin):
    client, _ = admin
    account = db.session.get(Account, "hrss-web")
    record(
        "test.html",
        account,
        {"name": "<script>alert(1)</script>", "notice": "x" * 300},
        {"name": "<b>bold</b>", "notice": "y" * 300},
        None,
    )
    db.session.commit()

    page = client.get("/admin/audit?action=test.html").get_data(as_text=True)
    odd_filter = client.get('/admin/audit?actor="><script>x</script>')

    assert "<script>alert" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<b>bold" not in page and "&lt;b&gt;bold&lt;/b&gt;" in page
    assert f"<summary>{'x' * 120}…</summary>" in page
    assert odd_filter.status_code == 200
    assert "<script>x" not in odd_filter.get_data(as_text=True)


def test_the_admin_home_and_menu_link_to_the_audit_log(world, admin):
    client, _ = admin

    assert client.get("/admin/").get_data(as_text=True).count('href="/admin/audit"') == 2
