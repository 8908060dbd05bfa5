"""Admin actions go through domain services, change what they say, and are audited."""

from __future__ import annotations

from sqlalchemy import select

from hall.audit.models import AuditEntry
from hall.directory.models import Account, Department
from hall.directory.services import apply_for_account
from hall.extensions import db
from hall.halls.models import Hall
from hall.users.services import get_user
from tests.builders import filing_data


def _post(client, token, address, **data):
    response = client.post(address, data={"csrf_token": token, **data})
    assert response.status_code == 302, response.get_data(as_text=True)
    return client.get(response.headers["Location"]).get_data(as_text=True)


def _apply(platform="website", account_id="hrss-web-2"):
    request = apply_for_account(
        get_user("op-hrss"),
        "hrss",
        platform=platform,
        name="人社局服务号",
        url="https://example.org/",
        **filing_data(),
        account_id=account_id,
    )
    db.session.commit()
    return request


def _actions() -> list[str]:
    return list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def test_approving_a_filed_exception_gives_the_account_its_filing_number(world, admin):
    client, token = admin
    assert db.session.get(Account, "hrss-web").filing_status == "approved"
    request = apply_for_account(
        get_user("op-hrss"),
        "hrss",
        platform="website",
        name="人社局服务网",
        url="https://example.org/",
        **filing_data(),
        allow_second=True,
        override_reason="service site beside the news site",
    )
    db.session.commit()

    page = _post(client, token, f"/admin/filings/{request.id}/approve")

    assert f"Filing request {request.id} approved." in page
    assert db.session.get(Account, request.account_id).filing_number
    assert "filing.approve_open" in _actions()


def test_reject_needs_a_reason_and_records_it(world, admin):
    client, token = admin
    request = _apply(platform="wechat")

    page = _post(client, token, f"/admin/filings/{request.id}/reject", reason="")
    assert "gives its reason" in page
    _post(client, token, f"/admin/filings/{request.id}/reject", reason="名称不规范")

    account = db.session.get(Account, request.account_id)
    assert account.filing_status == "rejected" and account.rejection_reason == "名称不规范"
    assert "filing.reject_open" in _actions()


def test_suspend_hides_an_account_and_reinstate_brings_it_back(world, admin):
    client, token = admin
    visitor = world.test_client()

    _post(client, token, "/admin/accounts/hrss-web/suspend", reason="长期未更新")
    assert "养老保险待遇申领" not in visitor.get("/halls/county/").get_data(as_text=True)
    _post(client, token, "/admin/accounts/hrss-web/reinstate")
    assert "养老保险待遇申领" in visitor.get("/halls/county/").get_data(as_text=True)

    assert ["account.suspend", "account.reinstate"] == [
        a for a in _actions() if a.startswith("account.")
    ]


def test_an_administrator_creates_an_operator(world, admin):
    client, token = admin

    _post(
        client,
        token,
        "/admin/users",
        username="op-tax",
        password="a long enough password",
        department_ids="tax",
    )

    assert get_user("op-tax").department_ids == {"tax"}
    assert "user.create" in _actions()


def test_a_hall_is_created_and_curated_by_account_and_department(world, admin):
    client, token = admin

    _post(client, token, "/admin/halls", id="city", title="市级大厅")
    _post(client, token, "/admin/halls/city/departments/add", department_id="hrss")
    _post(client, token, "/admin/halls/city/accounts/add", account_ids=["tax-web"])
    assert {a.id for a in db.session.get(Hall, "city").accounts} == {"hrss-web", "tax-web"}
    _post(client, token, "/admin/halls/city/accounts/remove", account_ids=["tax-web"])
    _post(client, token, "/admin/halls/city/departments/remove", department_id="hrss")

    assert db.session.get(Hall, "city").accounts == []
    assert [a for a in _actions() if a.startswith("hall.")] == [
        "hall.create",
        "hall.add_accounts",
        "hall.add_accounts",
        "hall.remove_accounts",
        "hall.remove_accounts",
    ]


def test_a_refused_action_is_shown_and_changes_nothing(world, admin):
    client, token = admin

    page = _post(client, token, "/admin/halls", id="Bad Id!", title="x")

    assert "a hall id is" in page and db.session.get(Hall, "Bad Id!") is None


def test_the_health_report_has_its_chart_and_csv(world, admin):
    client, _ = admin

    page = client.get("/admin/health").get_data(as_text=True)
    csv = client.get("/admin/health.csv")

    assert "<svg" in page and 'role="img"' in page
    assert csv.mimetype == "text/csv" and "hrss-web" in csv.get_data(as_text=True)


def test_the_departments_page_warns_of_account_names_that_stray(world, admin):
    client, _ = admin
    department = db.session.get(Department, "hrss")
    department.short_name = "县人社局"
    db.session.commit()
    html = client.get("/admin/departments?lang=en").get_data(as_text=True)
    # make_account names accounts "<id> 网站", which lacks the department's short name.
    assert "Name check: “hrss-web 网站” (hrss-web)" in html
    assert "“县人社局”" in html
