from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from hall.audit.models import AuditEntry
from hall.catalog.models import Item
from hall.directory.models import Account, AccountToken, FilingRequest
from hall.extensions import db
from hall.i18n import catalogue
from hall.sync.models import ConnectorInstance, SyncRun
from tests.builders import CREDIT_CODE
from tests.console.conftest import APP_SECRET
from tests.loopback import FolderServer
from tests.signin import sign_in

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "e2e"
HALL = Path(__file__).resolve().parents[2] / "hall"


# Every console URL of a department, by method; {id}, {account}... name its rows.
URLS = [
    ("GET", "/console/departments/{id}/apply"),
    ("POST", "/console/departments/{id}/apply"),
    ("GET", "/console/accounts/{account}/"),
    ("GET", "/console/accounts/{account}/change"),
    ("POST", "/console/accounts/{account}/change"),
    ("GET", "/console/accounts/{account}/close"),
    ("POST", "/console/accounts/{account}/close"),
    ("GET", "/console/accounts/{account}/connectors/new"),
    ("GET", "/console/accounts/{account}/connectors/new?type=feed"),
    ("POST", "/console/accounts/{account}/connectors/new"),
    ("GET", "/console/accounts/{account}/connectors/{feed}/"),
    ("GET", "/console/accounts/{account}/connectors/{wechat}/edit"),
    ("POST", "/console/accounts/{account}/connectors/{wechat}/edit"),
    ("POST", "/console/accounts/{account}/connectors/{feed}/sync"),
    ("GET", "/console/accounts/{account}/connectors/{feed}/runs/{run}"),
    ("GET", "/console/accounts/{account}/tokens"),
    ("POST", "/console/accounts/{account}/tokens"),
    ("POST", "/console/accounts/{account}/tokens/{token}/revoke"),
]
POSTS = [url for method, url in URLS if method == "POST"] + ["/logout", "/login"]


def console_urls(d) -> list[tuple[str, str]]:
    """Every console URL of department `d`, with its method."""
    return [(method, url.format(**vars(d))) for method, url in URLS]


# Another department's objects reached through this department's account address.
def crossed_urls(a, b) -> list[tuple[str, str]]:
    account = f"/console/accounts/{a.account}"
    return [
        ("GET", f"{account}/connectors/{b.feed}/"),
        ("POST", f"{account}/connectors/{b.wechat}/edit"),
        ("POST", f"{account}/connectors/{b.feed}/sync"),
        ("GET", f"{account}/connectors/{a.feed}/runs/{b.run}"),
        ("POST", f"{account}/tokens/{b.token}/revoke"),
    ]


def test_anonymous_visitors_are_sent_to_sign_in(client, departments):
    a, _ = departments
    for method, url in [*console_urls(a), ("GET", "/console/"), ("GET", "/console/health")]:
        if method == "POST":
            continue  # refused by CSRF first; see below
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.headers["Location"].startswith("/login?next="), url


def test_an_operator_reaches_nothing_of_another_department(client, departments, operator):
    a, b = departments
    before = _row_counts()
    for method, url in console_urls(b) + crossed_urls(a, b):
        data = {"csrf_token": operator, "name": "x", "notice": "x", "type": "feed"}
        response = client.get(url) if method == "GET" else client.post(url, data=data)
        assert response.status_code in (403, 404), (method, url, response.status_code)
    assert _row_counts() == before
    assert db.session.get(AccountToken, b.token).revoked_at is None


def test_every_console_url_of_ones_own_department_answers(client, departments, operator):
    a, _ = departments
    for method, url in console_urls(a):
        if method == "GET":
            assert client.get(url).status_code == 200, url


def test_an_admin_sees_every_department(client, departments):
    sign_in(client, "admin")
    page = client.get("/console/").get_data(as_text=True)

    assert "hrss-web" in page and "police-web" in page
    assert client.get("/console/accounts/police-web/").status_code == 200


@pytest.mark.parametrize("url", POSTS)
def test_every_post_without_the_csrf_token_is_refused(client, departments, operator, url):
    a, _ = departments
    before = _row_counts()

    response = client.post(url.format(**vars(a)), data={"name": "x", "notice": "x"})

    assert response.status_code == 400
    assert _row_counts() == before


def test_the_dashboard_lists_accounts_with_filing_data(client, departments, operator):
    account = db.session.get(Account, "hrss-web")
    account.filing_number = "330102-RS-WZ-2025-00001"
    db.session.commit()

    page = client.get("/console/").get_data(as_text=True)

    assert "330102-RS-WZ-2025-00001" in page
    assert "police-web" not in page
    assert "/console/departments/hrss/apply" in page


def test_apply_shows_field_errors_then_files_the_account(client, departments, operator):
    response = client.post(
        "/console/departments/hrss/apply",
        data={"csrf_token": operator, "platform": "weibo", "name": "", "url": "ftp://x"},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "请填写账号名称" in page and "请填写以 http:// 或 https:// 开头的完整网址" in page

    response = client.post(
        "/console/departments/hrss/apply",
        data={
            "csrf_token": operator,
            "platform": "weibo",
            "name": "hrss 局微博",
            "handle": "hrss_weibo",
            "host_unit": "hrss 局",
            "host_unit_credit_code": CREDIT_CODE.lower(),
            "responsible_person": "张三",
            "contact_phone": "0571-12345678",
            "interaction_channels": "留言\n电话",
        },
    )
    assert response.status_code == 302
    request = db.session.scalars(select(FilingRequest).where(FilingRequest.kind == "open")).one()
    assert request.account.interaction_channels == ["留言", "电话"]
    assert request.account.host_unit_credit_code == CREDIT_CODE
    assert request.account.filing_status == "pending"


def test_a_filing_rule_is_shown_on_the_form(client, departments, operator):
    response = client.post(
        "/console/departments/hrss/apply",
        data={
            "csrf_token": operator,
            "platform": "website",  # hrss-web already holds the website
            "name": "第二个网站",
            "url": "https://two.example/",
            "host_unit": "hrss 局",
            "host_unit_credit_code": CREDIT_CODE,
            "responsible_person": "张三",
            "contact_phone": "123",
        },
    )
    page = response.get_data(as_text=True)

    assert response.status_code == 200
    assert "one account per department per platform" in page


def test_close_needs_a_notice_and_closes(client, departments, operator):
    page = client.post(
        "/console/accounts/hrss-web/close", data={"csrf_token": operator, "notice": " "}
    ).get_data(as_text=True)
    assert "注销账号须发布公告" in page

    response = client.post(
        "/console/accounts/hrss-web/close",
        data={"csrf_token": operator, "notice": "本账号停止运营"},
    )
    assert response.status_code == 302
    assert db.session.get(Account, "hrss-web").filing_status == "closed"


def test_the_edit_form_never_shows_a_stored_secret(client, departments, operator):
    url = "/console/accounts/hrss-web/connectors/hrss-wechat/edit"
    page = client.get(url).get_data(as_text=True)

    assert APP_SECRET not in page
    assert 'type="password" name="app_secret" value=""' in page
    assert "留空则保持不变" in page

    # Saved with the secret left empty: kept, and absent from the audit log.
    response = client.post(
        url,
        data={
            "csrf_token": operator,
            "app_id": "wx1234567890abcdef",
            "app_secret": "",
            "max_articles": "50",
            "content_type": "news",
            "enabled": "on",
        },
    )
    assert response.status_code == 302
    instance = db.session.get(ConnectorInstance, "hrss-wechat")
    assert instance.config["app_secret"] == APP_SECRET
    assert instance.config["max_articles"] == 50
    # A new secret is stored, and still never logged.
    client.post(url, data={"csrf_token": operator, "app_id": "wx1234567890abcdef",
                           "app_secret": "a-brand-new-secret", "enabled": "on"})  # fmt: skip
    assert db.session.get(ConnectorInstance, "hrss-wechat").config["app_secret"] == (
        "a-brand-new-secret"
    )
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "connector.update"))
    logged = " ".join(f"{e.before} {e.after}" for e in entries)
    assert "connector.update" and logged
    assert APP_SECRET not in logged and "a-brand-new-secret" not in logged
    assert APP_SECRET not in client.get(url).get_data(as_text=True)


def test_config_errors_are_shown_by_field(client, departments, operator):
    before = _row_counts()
    response = client.post(
        "/console/accounts/hrss-web/connectors/new",
        data={
            "csrf_token": operator,
            "type": "feed",
            "url": "not a url",
            "max_items": "0",
            "interval_seconds": "5",
            "cron": "every day",
        },  # fmt: skip
    )
    page = response.get_data(as_text=True)

    assert response.status_code == 200
    assert "must be an absolute http:// or https:// URL" in page
    assert "must be at least 1" in page
    assert "interval_seconds: must be at least 60 seconds" in page
    assert "cron: not a crontab line" in page
    assert _row_counts() == before


def test_the_form_is_generated_from_the_declared_fields(client, departments, operator):
    page = client.get("/console/accounts/hrss-web/connectors/new?type=json_api").get_data(
        as_text=True
    )

    assert 'type="url" name="url"' in page
    assert 'type="number" name="max_pages"' in page
    assert '<select id="f-' in page
    assert '<textarea id="f-' in page
    assert "<script" not in page and "style=" not in page


def test_test_connection_shows_records_and_saves_nothing(client, departments, operator):
    before = _row_counts()
    with FolderServer(FIXTURES) as server:
        response = client.post(
            "/console/accounts/hrss-web/connectors/new",
            data={
                "csrf_token": operator,
                "type": "feed",
                "action": "test",
                "url": f"{server.base_url}/notices.xml",
            },  # fmt: skip
        )
    page = response.get_data(as_text=True)

    assert response.status_code == 200
    assert "社保卡补办服务点延长办理时间的通知" in page
    assert "未保存任何内容" in page
    assert _row_counts() == before


def test_test_connection_explains_a_failure(client, departments, operator):
    with FolderServer(FIXTURES) as server:
        page = client.post(
            "/console/accounts/hrss-web/connectors/new",
            data={
                "csrf_token": operator,
                "type": "feed",
                "action": "test",
                "url": f"{server.base_url}/missing.xml",
            },  # fmt: skip
        ).get_data(as_text=True)

    assert "无法读取来源" in page and "404" in page


def test_add_a_connector_then_sync_it_now(client, departments, operator):
    with FolderServer(FIXTURES) as server:
        response = client.post(
            "/console/accounts/hrss-web/connectors/new",
            data={
                "csrf_token": operator,
                "type": "feed",
                "url": f"{server.base_url}/notices.xml",
                "interval_seconds": "600",
            },  # fmt: skip
        )
        assert response.status_code == 302
        instance = db.session.get(ConnectorInstance, "hrss-web-feed")
        assert instance.interval_seconds == 600
        entry = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "connector.create")
        ).one()
        assert entry.after["config"]["url"].endswith("/notices.xml")

        response = client.post(
            "/console/accounts/hrss-web/connectors/hrss-web-feed/sync",
            data={"csrf_token": operator},
        )
    assert response.status_code == 302
    run = db.session.scalars(select(SyncRun).where(SyncRun.connector_id == "hrss-web-feed")).one()
    assert run.status == "succeeded" and run.added > 0
    assert response.headers["Location"].endswith(f"/runs/{run.id}")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "成功" in page and "hrss-notice-1" in page
    assert db.session.get(ConnectorInstance, "hrss-web-feed").lease_owner is None


def test_a_failed_run_shows_its_error_in_words(client, departments, operator):
    page = client.get("/console/accounts/hrss-web/connectors/hrss-feed/").get_data(as_text=True)

    assert "the source answered 503" in page


def test_a_token_is_shown_once(client, departments, operator):
    response = client.post(
        "/console/accounts/hrss-web/tokens", data={"csrf_token": operator, "name": "网站 CMS"}
    )
    page = response.get_data(as_text=True)

    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    token = db.session.scalars(select(AccountToken).where(AccountToken.name == "网站 CMS")).one()
    plaintext = page.split("<code>", 1)[1].split("</code>", 1)[0]
    assert plaintext.startswith(token.prefix) and len(plaintext) > 30
    assert "仅显示这一次" in page
    assert plaintext not in client.get("/console/accounts/hrss-web/tokens").get_data(as_text=True)
    assert token.prefix in client.get("/console/accounts/hrss-web/tokens").get_data(as_text=True)


def test_a_token_needs_a_name_and_can_be_revoked(client, departments, operator):
    a, _ = departments
    response = client.post("/console/accounts/hrss-web/tokens", data={"csrf_token": operator})
    assert response.status_code == 422

    response = client.post(
        f"/console/accounts/hrss-web/tokens/{a.token}/revoke", data={"csrf_token": operator}
    )
    assert response.status_code == 302
    assert db.session.get(AccountToken, a.token).revoked_at is not None


def test_health_shows_a_chart_and_a_csv_of_ones_departments(client, departments, operator):
    page = client.get("/console/health").get_data(as_text=True)
    assert "<svg" in page and "hrss-web" in page and "police-web" not in page

    response = client.get("/console/health.csv")
    assert response.mimetype == "text/csv"
    text = response.get_data(as_text=True)
    assert "hrss-web" in text and "police-web" not in text


def test_every_console_message_has_a_chinese_translation():
    import re

    from hall.auth.views import SIGN_IN_FAILED
    from hall.console import forms
    from hall.directory import credit_codes

    used = {SIGN_IN_FAILED, "Please sign in to continue.", "One per line.", "A JSON object."}
    for folder in ("console", "auth", "admin"):
        for template in (HALL / folder / "templates").rglob("*.html"):
            text = template.read_text()
            used |= set(re.findall(r'_\(\s*"([^"]+)"', text))
            used |= set(re.findall(r"_\(\s*'([^']+)'", text))
            used |= set(re.findall(r'text_input\("[^"]+", "([^"]+)"', text))
            used |= set(re.findall(r'hint="([^"]+)"', text))
    views = (HALL / "console" / "views.py").read_text() + (
        HALL / "console" / "forms.py"
    ).read_text()
    used |= set(re.findall(r'flash\(\s*"([^"]+)"', views))
    used |= set(
        re.findall(r'errors\["\w+"\] = "([^"]+)"', (HALL / "console" / "forms.py").read_text())
    )
    used |= {"pending", "approved", "rejected", "suspended", "closed", "open", "change", "close"}
    used |= {"Up", "Down", "Add every account of", "Remove every account of"}
    used |= {"draft", "published", "archived"}
    used |= set(credit_codes.MESSAGES)
    assert forms  # the module the error messages come from
    assert used - catalogue().keys() == set()


def _row_counts() -> dict[str, int]:
    models = (ConnectorInstance, SyncRun, Item, AccountToken, Account, FilingRequest, AuditEntry)
    return {
        model.__name__: db.session.scalar(select(func.count()).select_from(model))
        for model in models
    }
