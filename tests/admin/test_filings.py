"""The filing queue: the filed data of each request, how long it waits, and late changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from hall.directory.models import Account
from hall.directory.services import apply_for_account, late_contact_changes, request_change
from hall.extensions import db
from hall.timestamps import utcnow
from hall.users.services import PermissionDeniedError, get_user
from tests.builders import CREDIT_CODE, filing_data, make_user


def _filed_account() -> Account:
    account = db.session.get(Account, "hrss-web")
    account.url, account.host_unit, account.host_unit_credit_code = (
        "https://hrss.example/",
        "人社局",
        CREDIT_CODE,
    )
    return account


def test_the_queue_shows_the_filed_data_of_an_application(world, admin):
    client, _ = admin
    apply_for_account(
        get_user("op-hrss"),
        "hrss",
        platform="wechat",
        name="人社局服务号",
        handle="rsj",
        **filing_data(
            supervising_unit="某某县人民政府办公室",
            outsourced_operator="某某传媒有限公司",
            interaction_url="https://wx.example/rsj/messages",
        ),
    )
    db.session.commit()

    page = client.get("/admin/filings").get_data(as_text=True)

    for shown in (
        "主办单位",
        "某某县人力资源和社会保障局",
        "统一社会信用代码",
        CREDIT_CODE,
        "主管单位",
        "某某县人民政府办公室",
        "运营单位",
        "某某传媒有限公司",
        "https://wx.example/rsj/messages",
        "已等待 0 小时",
    ):
        assert shown in page, shown
    assert "逾期备案" not in page


def test_a_late_change_is_flagged_with_its_working_days_and_its_wait(world, admin):
    client, _ = admin
    _filed_account()
    submitted = datetime(2026, 10, 10, 2, tzinfo=UTC)  # Saturday 10 October, a working day
    request_change(
        get_user("op-hrss"),
        "hrss-web",
        {"host_unit": "人力社保局"},
        effective_on=date(2026, 9, 30),
        now=submitted,
    )
    db.session.commit()

    page = client.get("/admin/filings?lang=en").get_data(as_text=True)

    assert "filed late (3 working days after the change)" in page
    assert "2026-09-30" in page
    assert "人社局 → 人力社保局" in page  # a change shows what it replaces
    waited = (utcnow() - submitted).days
    assert f"waiting {waited} days (" in page


def test_a_change_within_two_working_days_is_not_flagged(world, admin):
    client, _ = admin
    _filed_account()
    request_change(
        get_user("op-hrss"),
        "hrss-web",
        {"supervising_unit": "县委网信办"},
        effective_on=date(2026, 9, 30),
        now=datetime(2026, 10, 9, 2, tzinfo=UTC),  # the 2nd working day after the holiday
    )
    db.session.commit()

    page = client.get("/admin/filings?lang=en").get_data(as_text=True)

    assert "县委网信办" in page and "filed late" not in page
    assert timedelta(0) < utcnow() - datetime(2026, 10, 9, 2, tzinfo=UTC)


def _change_contact(effective_on: date, now: datetime, phone: str = "0571-87654321") -> None:
    request_change(
        get_user("op-hrss"),
        "hrss-web",
        {"contact_phone": phone, "responsible_person": "李四"},
        effective_on=effective_on,
        now=now,
    )
    db.session.commit()


def test_a_late_contact_change_is_listed_though_it_needed_no_decision(world, admin):
    client, _ = admin
    _filed_account()
    _change_contact(date(2026, 9, 30), datetime(2026, 10, 10, 2, tzinfo=UTC))

    page = client.get("/admin/filings?lang=en").get_data(as_text=True)

    late = page.split("Contact data changed late", 1)[1]
    assert "Nothing waits for a decision." in page  # applied at once, no request
    assert "Contact phone" in late and "Responsible person" in late
    assert "2026-09-30" in late and "filed late (3 working days after the change)" in late
    assert "op-hrss" in late


def test_contact_changes_in_time_or_of_other_departments_are_not_listed(world, admin):
    client, _ = admin
    _filed_account()
    _change_contact(date(2026, 9, 30), datetime(2026, 10, 9, 2, tzinfo=UTC))  # 2nd working day

    page = client.get("/admin/filings?lang=en").get_data(as_text=True)
    late = page.split("Contact data changed late", 1)[1]
    assert "filed late" not in late and "None." in late

    _change_contact(date(2026, 9, 1), datetime(2026, 10, 10, 2, tzinfo=UTC), "0571-11112222")
    make_user("op-tax", role="operator", departments=["tax"])
    assert len(late_contact_changes(get_user("root"))) == 1
    assert late_contact_changes(get_user("op-tax")) == []
    with pytest.raises(PermissionDeniedError):
        late_contact_changes(get_user("op-tax"), account_id="hrss-web")
