"""The console's filing forms: host unit and credit code, the change's effective date, and
what an operator sees when something is wrong or late."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from hall.directory.models import Account, FilingRequest
from hall.extensions import db
from hall.timestamps import utcnow
from hall.workdays import china_date
from tests.builders import CREDIT_CODE

APPLY = "/console/departments/hrss/apply"
CHANGE = "/console/accounts/hrss-web/change"


def application(token: str, **values: str) -> dict[str, str]:
    return {
        "csrf_token": token,
        "platform": "weibo",
        "name": "hrss 局微博",
        "handle": "hrss_weibo",
        "host_unit": "hrss 局",
        "host_unit_credit_code": CREDIT_CODE,
        "responsible_person": "张三",
        "contact_phone": "0571-12345678",
        **values,
    }


def change(token: str, **values: str) -> dict[str, str]:
    account = db.session.get(Account, "hrss-web")
    return {
        "csrf_token": token,
        "name": account.name,
        "url": "https://hrss.example/",
        "host_unit": "hrss 局",
        "host_unit_credit_code": CREDIT_CODE,
        "responsible_person": "张三",
        "contact_phone": "0571-12345678",
        **values,
    }


@pytest.fixture
def filed(departments):
    """Give department A's website its filing data, as if filed."""
    account = db.session.get(Account, "hrss-web")
    account.url = "https://hrss.example/"
    account.host_unit, account.host_unit_credit_code = "hrss 局", CREDIT_CODE
    account.responsible_person, account.contact_phone = "张三", "0571-12345678"
    db.session.commit()
    return account


def _requests() -> int:
    return db.session.scalar(select(func.count()).select_from(FilingRequest))


@pytest.mark.parametrize(
    ("values", "shown"),
    [
        ({"host_unit": " "}, "请填写主办单位（账号认证主体）。"),
        ({"host_unit_credit_code": ""}, "请填写主办单位的统一社会信用代码。"),
        ({"host_unit_credit_code": CREDIT_CODE[:-1] + "0"}, "最后一位校验码不符，请核对。"),
        ({"host_unit_credit_code": "91350100M000100Y4"}, "统一社会信用代码应为 18 位。"),
        ({"host_unit_credit_code": "91350100M0001O0Y43"}, "除 I、O、Z、S、V 以外"),
        ({"interaction_url": "javascript:alert(1)"}, "请填写以 http:// 或 https:// 开头"),
        ({"interaction_url": "http://[::1"}, "请填写以 http:// 或 https:// 开头"),
    ],
)
def test_apply_shows_filing_data_errors_beside_their_fields(
    client, departments, operator, values, shown
):
    response = client.post(APPLY, data=application(operator, **values))

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert shown in page
    assert 'aria-invalid="true"' in page
    assert _requests() == 0


def test_a_refusal_of_the_filing_service_is_shown_beside_its_field(client, departments, operator):
    response = client.post(APPLY, data=application(operator, supervising_unit="局" * 201))

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="e-supervising_unit"' in page and "at most 200 characters" in page
    assert _requests() == 0


def test_apply_files_every_filing_field(client, departments, operator):
    data = application(
        operator,
        host_unit_credit_code=CREDIT_CODE.lower(),
        supervising_unit="某某县人民政府办公室",
        outsourced_operator="某某传媒有限公司",
        interaction_url="https://weibo.example/hrss/messages",
    )

    assert client.post(APPLY, data=data).status_code == 302

    account = db.session.scalars(select(Account).where(Account.platform == "weibo")).one()
    assert account.host_unit_credit_code == CREDIT_CODE
    assert account.supervising_unit == "某某县人民政府办公室"
    assert account.outsourced_operator == "某某传媒有限公司"
    assert account.interaction_url == "https://weibo.example/hrss/messages"


def test_the_change_form_starts_with_today_in_china(client, filed, operator):
    page = client.get(CHANGE).get_data(as_text=True)

    assert f'name="effective_on" value="{china_date(utcnow()).isoformat()}"' in page
    assert "2 个工作日内备案" in page


@pytest.mark.parametrize(
    ("effective_on", "shown"),
    [("2026-13-40", "请按 YYYY-MM-DD 格式填写日期。"), ("2999-01-01", "生效日期不能晚于今天。")],
)
def test_a_bad_effective_date_is_shown_beside_its_field(
    client, filed, operator, effective_on, shown
):
    response = client.post(CHANGE, data=change(operator, name="新名称", effective_on=effective_on))

    assert response.status_code == 200 and shown in response.get_data(as_text=True)
    assert _requests() == 0


def test_an_account_filed_before_host_units_must_name_one_to_change(client, departments, operator):
    data = change(operator, host_unit="", host_unit_credit_code="", contact_phone="12333")

    page = client.post(CHANGE, data=data).get_data(as_text=True)

    assert "请填写主办单位（账号认证主体）。" in page
    assert db.session.get(Account, "hrss-web").contact_phone != "12333"


def test_a_late_change_is_flagged_on_the_account_page(client, filed, operator):
    month_ago = (china_date(utcnow()) - timedelta(days=30)).isoformat()
    data = change(
        operator,
        host_unit="hrss 局（新）",
        outsourced_operator="某某网络公司",
        effective_on=month_ago,
    )

    response = client.post(CHANGE, data=data)

    assert response.status_code == 302
    account = db.session.get(Account, "hrss-web")
    assert account.outsourced_operator == "某某网络公司"  # contact data: at once
    assert account.host_unit == "hrss 局"  # re-filed: waits for approval
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "逾期备案（变更生效后第" in page and month_ago in page
    assert "某某网络公司" in page


def test_a_change_filed_in_time_is_not_flagged(client, filed, operator):
    response = client.post(CHANGE, data=change(operator, host_unit="hrss 局（新）"))

    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "hrss 局（新）" not in page.split("<h2>", 1)[0]  # not applied yet
    assert "逾期备案" not in page and "变更" in page


def test_a_late_contact_only_change_is_applied_said_and_flagged(client, filed, operator):
    month_ago = (china_date(utcnow()) - timedelta(days=30)).isoformat()
    data = change(operator, contact_phone="0571-87654321", effective_on=month_ago)

    response = client.post(CHANGE, data=data)

    assert response.status_code == 302
    assert db.session.get(Account, "hrss-web").contact_phone == "0571-87654321"
    assert _requests() == 0  # contact data needs no decision
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "本次变更在生效后" in page and "规定为 2 个工作日内" in page  # said at once
    assert "逾期报备的联系信息变更" in page and f"{month_ago} 生效" in page  # and kept


def test_a_contact_change_in_time_is_not_flagged(client, filed, operator):
    response = client.post(CHANGE, data=change(operator, contact_phone="0571-87654321"))

    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "联系信息已更新。" in page
    assert "本次变更在生效后" not in page and "逾期报备的联系信息变更" not in page
