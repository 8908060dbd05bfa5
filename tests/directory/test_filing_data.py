"""Filing data (host unit, credit code, supervising unit, operator, interaction address) and
the rule that a change is filed within two working days of taking effect."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from hall.audit.services import entries_for
from hall.directory.services import (
    FilingError,
    account_filing_requests,
    apply_for_account,
    approve_filing,
    filing_timing,
    request_change,
)
from hall.workdays import CHINA
from tests.builders import CREDIT_CODE, filing_data, make_department, make_user

OTHER_CODE = "91350100M000100Y43"


@pytest.fixture
def people(app):
    make_department("hrss", name="某某县人力资源和社会保障局", region_code="330102")
    return {"operator": make_user("op-hrss"), "admin": make_user("root", role="admin")}


@pytest.fixture
def account(people):
    """An approved website account of the HR bureau."""
    request = apply_for_account(
        people["operator"], "hrss", platform="website", name="人社局网站",
        url="https://hrss.example.gov.cn/", **filing_data(),
    )  # fmt: skip
    return approve_filing(people["admin"], request.id).account


def china_morning(day: date) -> datetime:
    """Return 10:00 in China on `day`, as an aware UTC moment."""
    return datetime.combine(day, time(10), tzinfo=CHINA).astimezone(UTC)


def test_an_application_files_the_host_unit_its_code_and_the_supervisor(people):
    request = apply_for_account(
        people["operator"],
        "hrss",
        platform="wechat",
        name="某某县人社",
        handle="mmxrs",
        **filing_data(
            host_unit_credit_code=" " + CREDIT_CODE.lower()[:9] + " " + CREDIT_CODE.lower()[9:],
            supervising_unit="某某县人民政府办公室",
            outsourced_operator="某某文化传媒有限公司",
            interaction_url="https://hrss.example.gov.cn/message",
        ),
    )

    account = request.account
    assert account.host_unit == "某某县人力资源和社会保障局"
    assert account.host_unit_credit_code == CREDIT_CODE  # capitals, no spaces
    assert request.payload["supervising_unit"] == "某某县人民政府办公室"
    assert request.payload["outsourced_operator"] == "某某文化传媒有限公司"
    assert entries_for(account)[0].after["interaction_url"] == "https://hrss.example.gov.cn/message"


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"host_unit": " "}, "host_unit", "host unit"),
        ({"host_unit_credit_code": ""}, "host_unit_credit_code", "credit code"),
        ({"host_unit_credit_code": CREDIT_CODE[:-1] + "1"}, "host_unit_credit_code", "last"),
        ({"host_unit_credit_code": "12345"}, "host_unit_credit_code", "18 characters"),
        ({"interaction_url": "javascript:alert(1)"}, "interaction_url", "http"),
        ({"supervising_unit": "局" * 201}, "supervising_unit", "at most 200"),
    ],
)
def test_bad_filing_data_is_refused_naming_the_field(people, values, field, message):
    with pytest.raises(FilingError, match=message) as caught:
        apply_for_account(
            people["operator"], "hrss", platform="weibo", name="人社微博", handle="rs",
            **filing_data(**values),
        )  # fmt: skip

    assert caught.value.field == field


def test_operator_and_interaction_address_change_at_once(people, account):
    account.channel_ok, account.channel_detail = False, "answered 404"  # the old address
    changed = request_change(
        people["operator"],
        account.id,
        {"outsourced_operator": "某某网络公司", "interaction_url": "https://hrss.example/ly"},
    )

    assert changed is None
    assert account.outsourced_operator == "某某网络公司"
    assert account.interaction_url == "https://hrss.example/ly"
    assert (account.channel_ok, account.channel_detail) == (None, None)  # not yet checked
    assert entries_for(account)[-1].action == "account.change_contact"


def test_host_unit_code_and_supervisor_are_refiled_and_wait_for_approval(people, account):
    change = request_change(
        people["operator"],
        account.id,
        {
            "host_unit": "某某县人力社保局",
            "host_unit_credit_code": OTHER_CODE.lower(),
            "supervising_unit": "某某县委网信办",
        },
    )

    assert change.kind == "change" and change.status == "pending"
    assert change.payload["host_unit_credit_code"] == OTHER_CODE
    assert (account.host_unit, account.host_unit_credit_code) == (
        "某某县人力资源和社会保障局",
        CREDIT_CODE,
    )
    approve_filing(people["admin"], change.id)
    assert account.host_unit == "某某县人力社保局"
    assert account.host_unit_credit_code == OTHER_CODE
    assert account.supervising_unit == "某某县委网信办"
    entry = entries_for(account)[-1]
    assert entry.before["host_unit_credit_code"] == CREDIT_CODE
    assert entry.after["host_unit_credit_code"] == OTHER_CODE


def test_a_refiled_change_is_checked_too(people, account):
    with pytest.raises(FilingError) as caught:
        request_change(
            people["operator"], account.id, {"host_unit_credit_code": "91350100M000100Y44"}
        )

    assert caught.value.field == "host_unit_credit_code"
    assert account.host_unit_credit_code == CREDIT_CODE


def test_the_effective_date_defaults_to_today_in_china_and_cannot_be_in_the_future(people, account):
    late_evening_utc = datetime(2026, 9, 30, 17, 30, tzinfo=UTC)  # 1 October, 01:30 in China

    change = request_change(
        people["operator"], account.id, {"name": "人社局门户"}, now=late_evening_utc
    )
    assert change.effective_on == date(2026, 10, 1)

    with pytest.raises(FilingError, match="future") as caught:
        request_change(
            people["operator"],
            account.id,
            {"contact_phone": "12333"},
            effective_on=date(2026, 10, 2),
            now=late_evening_utc,
        )
    assert caught.value.field == "effective_on"


@pytest.mark.parametrize(
    ("effective_on", "filed_on", "working_days", "late"),
    [
        (date(2026, 9, 15), date(2026, 9, 15), 0, False),  # the same day
        (date(2026, 9, 11), date(2026, 9, 15), 2, False),  # Friday → Tuesday: Mon, Tue
        (date(2026, 9, 11), date(2026, 9, 16), 3, True),  # Friday → Wednesday
        (date(2026, 9, 30), date(2026, 10, 7), 0, False),  # National Day, 1–7 October
        (date(2026, 9, 30), date(2026, 10, 9), 2, False),  # 8 and 9 October
        (date(2026, 9, 30), date(2026, 10, 10), 3, True),  # Saturday 10 October is worked
        (date(2026, 9, 29), date(2026, 10, 8), 2, False),  # 30 September and 8 October
        (date(2026, 9, 29), date(2026, 10, 9), 3, True),
    ],
)
def test_a_change_filed_more_than_two_working_days_after_it_is_late(
    people, account, effective_on, filed_on, working_days, late
):
    change = request_change(
        people["operator"],
        account.id,
        {"name": "人社局门户"},
        effective_on=effective_on,
        now=china_morning(filed_on),
    )

    timing = filing_timing(change, now=china_morning(filed_on))
    assert timing.working_days_after_change == working_days
    assert timing.late is late


def test_the_allowed_working_days_come_from_the_settings(app, people, account):
    app.config["FILING_CHANGE_WORKING_DAYS"] = 5
    change = request_change(
        people["operator"],
        account.id,
        {"name": "人社局门户"},
        effective_on=date(2026, 9, 11),
        now=china_morning(date(2026, 9, 16)),
    )

    assert not filing_timing(change).late


def test_waiting_time_runs_until_the_decision(people, account):
    submitted = china_morning(date(2026, 9, 30))
    change = request_change(people["operator"], account.id, {"name": "人社局门户"}, now=submitted)

    waiting = filing_timing(change, now=submitted + timedelta(days=9, hours=2))
    assert waiting.waited == timedelta(days=9, hours=2)
    assert waiting.waited_working_days == 2  # 8 and 9 October
    assert waiting.working_days_after_change == 0 and not waiting.late
    approve_filing(people["admin"], change.id, now=submitted + timedelta(days=1))
    assert filing_timing(change).waited == timedelta(days=1)


def test_a_late_contact_change_is_applied_and_its_dates_are_audited(people, account):
    request_change(
        people["operator"],
        account.id,
        {"contact_phone": "12333"},
        effective_on=date(2026, 9, 11),
        now=china_morning(date(2026, 9, 17)),
    )

    assert account.contact_phone == "12333"
    entry = entries_for(account)[-1]
    assert entry.after["effective_on"] == "2026-09-11"
    assert entry.after["working_days_after_change"] == 4


def test_an_operator_sees_the_account_s_requests_newest_first(people, account):
    change = request_change(people["operator"], account.id, {"name": "人社局门户"})

    requests = account_filing_requests(people["operator"], account.id)

    assert [r.kind for r in requests] == ["change", "open"]
    assert requests[0] is change
