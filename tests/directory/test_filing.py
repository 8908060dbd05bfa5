"""The filing (备案) life cycle of an account: who may do what, and what it leaves behind."""

from __future__ import annotations

from datetime import timedelta

import pytest

from hall.audit.services import entries_for
from hall.directory.models import Account, FilingRequest
from hall.directory.services import (
    FilingError,
    apply_for_account,
    approve_filing,
    close_account,
    get_filing_request,
    list_filing_requests,
    name_consistency_warnings,
    public_closure_notices,
    reinstate_account,
    reject_filing,
    request_change,
    suspend_account,
)
from hall.extensions import db
from hall.timestamps import utcnow
from hall.users.services import PermissionDeniedError
from tests.builders import filing_data, make_account, make_department, make_user
from tests.web_fixtures import build_sample_hall, index


@pytest.fixture
def people(app):
    """An operator of the HR bureau, one of the police, and an administrator."""
    make_department(
        "hrss", name="市人力资源和社会保障局", short_name="市人社局", region_code="330102"
    )
    make_department("police", sector="public_security", name="市公安局", short_name="市公安局")
    return {
        "hrss": make_user("op-hrss", departments=["hrss"]),
        "police": make_user("op-police", departments=["police"]),
        "admin": make_user("root", role="admin"),
    }


def apply(user, department_id="hrss", platform="wechat", **values) -> FilingRequest:
    """File a new account with complete filing data."""
    values.setdefault("name", "市人社局")
    values.setdefault("handle", "shirenshe")
    values.setdefault("interaction_channels", ["comments", "messages"])
    return apply_for_account(user, department_id, platform=platform, **filing_data(**values))


def test_apply_creates_a_pending_account_and_an_open_request(people):
    request = apply(people["hrss"])

    account = request.account
    assert (request.kind, request.status, request.department_id) == ("open", "pending", "hrss")
    assert request.submitted_by == people["hrss"].id
    assert account.id == "hrss-wechat"
    assert account.filing_status == "pending" and account.filing_number is None
    assert account.interaction_channels == ["comments", "messages"]
    assert request.payload["name"] == "市人社局"


def test_full_life_cycle_open_change_suspend_reinstate_close(people):
    operator, admin = people["hrss"], people["admin"]
    now = utcnow().replace(year=2025)
    account = approve_filing(admin, apply(operator).id, now=now).account
    assert account.filing_status == "approved"
    assert account.filing_number == "330102-RS-WX-2025-00001"
    assert account.filed_at == now

    change = request_change(operator, account.id, {"name": "市人社局服务号"})
    assert account.name == "市人社局"  # serves under its filed name until approved
    approve_filing(admin, change.id)
    assert account.name == "市人社局服务号"
    assert account.filing_number == "330102-RS-WX-2025-00001"  # a change keeps the number

    suspend_account(admin, account.id, "two weeks without a post")
    assert account.filing_status == "suspended" and account.suspended_at is not None
    reinstate_account(admin, account.id)
    assert account.filing_status == "approved" and account.suspended_at is None

    close_account(operator, account.id, notice="本账号停止更新。")
    assert account.filing_status == "closed" and account.closed_at is not None

    actions = [entry.action for entry in entries_for(account)]
    assert actions == [
        "filing.apply",
        "filing.approve_open",
        "filing.request_change",
        "filing.approve_change",
        "account.suspend",
        "account.reinstate",
        "account.close",
    ]
    kinds = [r.kind for r in db.session.query(FilingRequest).order_by(FilingRequest.id)]
    assert kinds == ["open", "change", "close"]


def test_filing_numbers_count_up_per_region_sector_platform_and_year(people):
    admin = people["admin"]
    now = utcnow().replace(year=2025)
    first = approve_filing(admin, apply(people["hrss"]).id, now=now).account
    second = approve_filing(
        admin,
        apply(people["hrss"], handle="other", allow_second=True, override_reason="服务号").id,
        now=now,
    ).account
    website = approve_filing(
        admin, apply(people["hrss"], platform="website", url="https://x.gov.cn").id, now=now
    ).account
    police = approve_filing(
        admin, apply(people["police"], "police", name="市公安局").id, now=now
    ).account

    assert first.filing_number == "330102-RS-WX-2025-00001"
    assert second.filing_number == "330102-RS-WX-2025-00002"
    assert website.filing_number == "330102-RS-WZ-2025-00001"
    assert police.filing_number == "000000-GA-WX-2025-00001"  # FILING_REGION_CODE stands in


def test_reject_needs_a_reason_and_leaves_the_account_rejected(people):
    request = apply(people["hrss"])

    with pytest.raises(FilingError, match="reason"):
        reject_filing(people["admin"], request.id, "  ")
    reject_filing(people["admin"], request.id, "名称与职责不符")

    assert request.status == "rejected" and request.reason == "名称与职责不符"
    assert request.account.filing_status == "rejected"
    assert request.account.rejection_reason == "名称与职责不符"
    with pytest.raises(FilingError, match="already rejected"):
        approve_filing(people["admin"], request.id)


def test_a_rejected_change_leaves_the_account_as_filed(people):
    account = approve_filing(people["admin"], apply(people["hrss"]).id).account
    change = request_change(people["hrss"], account.id, {"name": "随便叫"})

    reject_filing(people["admin"], change.id, "名称须含单位简称")

    assert account.name == "市人社局" and account.filing_status == "approved"


def test_contact_changes_apply_at_once_and_only_one_refiling_waits_at_a_time(people):
    account = approve_filing(people["admin"], apply(people["hrss"]).id).account

    assert request_change(people["hrss"], account.id, {"contact_phone": "12333"}) is None
    assert account.contact_phone == "12333"
    request_change(people["hrss"], account.id, {"name": "市人社局发布"})
    with pytest.raises(FilingError, match="waiting"):
        request_change(people["hrss"], account.id, {"url": "https://new.example"})
    with pytest.raises(FilingError, match="cannot be changed"):
        request_change(people["hrss"], account.id, {"filing_status": "approved"})


def test_a_pending_account_cannot_be_changed_suspended_or_closed(people):
    account = apply(people["hrss"]).account

    with pytest.raises(FilingError):
        request_change(people["hrss"], account.id, {"name": "x"})
    with pytest.raises(FilingError):
        suspend_account(people["admin"], account.id, "reason")
    with pytest.raises(FilingError):
        close_account(people["hrss"], account.id, notice="bye")


@pytest.mark.parametrize(
    "act",
    [
        lambda p, a, r: apply(p["hrss"], "police", name="市公安局"),
        lambda p, a, r: request_change(p["hrss"], a.id, {"contact_phone": "1"}),
        lambda p, a, r: request_change(p["hrss"], a.id, {"name": "市人社局"}),
        lambda p, a, r: close_account(p["hrss"], a.id, notice="bye"),
        lambda p, a, r: get_filing_request(p["hrss"], r.id),
        lambda p, a, r: approve_filing(p["hrss"], r.id),
        lambda p, a, r: reject_filing(p["hrss"], r.id, "no"),
        lambda p, a, r: suspend_account(p["hrss"], a.id, "no"),
        lambda p, a, r: reinstate_account(p["hrss"], a.id),
    ],
    ids=[
        "apply",
        "change-contact",
        "change-name",
        "close",
        "see-request",
        "approve",
        "reject",
        "suspend",
        "reinstate",
    ],
)
def test_an_operator_can_do_nothing_to_another_department(people, act):
    police_account = make_account("police-web", department="police", platform="website")
    police_request = apply(people["police"], "police", name="市公安局")

    with pytest.raises(PermissionDeniedError):
        act(people, police_account, police_request)
    assert police_account.filing_status == "approved"
    assert police_request.status == "pending"


@pytest.mark.parametrize(
    "act",
    [
        lambda p, a, r: approve_filing(p["hrss"], r.id),
        lambda p, a, r: reject_filing(p["hrss"], r.id, "no"),
        lambda p, a, r: suspend_account(p["hrss"], a.id, "no"),
        lambda p, a, r: reinstate_account(p["hrss"], a.id),
    ],
    ids=["approve", "reject", "suspend", "reinstate"],
)
def test_only_an_admin_decides_even_for_the_operator_s_own_department(people, act):
    own_account = make_account("hrss-web", department="hrss", platform="website")
    own_request = apply(people["hrss"])

    with pytest.raises(PermissionDeniedError):
        act(people, own_account, own_request)


def test_operators_list_only_their_departments_requests_admins_all(people):
    mine = apply(people["hrss"])
    theirs = apply(people["police"], "police", name="市公安局")

    assert list_filing_requests(people["hrss"]) == [mine]
    assert list_filing_requests(people["police"], status="pending") == [theirs]
    assert list_filing_requests(people["admin"]) == [mine, theirs]
    assert list_filing_requests(people["admin"], status="approved") == []
    assert get_filing_request(people["hrss"], mine.id) is mine


def test_one_account_per_department_per_platform_unless_overridden_with_a_reason(people):
    apply(people["hrss"])

    with pytest.raises(FilingError, match="one account per department per platform"):
        apply(people["hrss"], handle="second")
    with pytest.raises(FilingError, match="reason"):
        apply(people["hrss"], handle="second", allow_second=True)
    second = apply(people["hrss"], handle="second", allow_second=True, override_reason="办事服务号")

    assert second.payload["allow_second"] is True
    assert entries_for(second.account)[0].after["override_reason"] == "办事服务号"
    apply(people["police"], "police", name="市公安局")  # other departments are not counted


def test_the_rule_is_checked_again_on_approval_where_the_admin_may_override(people):
    # A pending account from before the rule existed (no check on its application).
    first = apply(people["hrss"])
    late = Account(
        id="hrss-wechat-late",
        department_id="hrss",
        platform="wechat",
        name="市人社局",
        filing_status="pending",
    )
    late_request = FilingRequest(kind="open", department_id="hrss", account=late, payload={})
    db.session.add_all([late, late_request])
    db.session.flush()
    approve_filing(people["admin"], first.id)

    with pytest.raises(FilingError, match="one account per department per platform"):
        approve_filing(people["admin"], late_request.id)
    approve_filing(people["admin"], late_request.id, allow_second=True, override_reason="历史账号")

    assert late.filing_status == "approved"
    assert late_request.reason == "历史账号"
    assert entries_for(late)[-1].after["allow_second"] is True


def test_closed_and_rejected_accounts_free_the_platform(people):
    request = apply(people["hrss"])
    reject_filing(people["admin"], request.id, "资料不全")

    assert apply(people["hrss"], handle="again").status == "pending"


def test_audit_entries_hold_who_and_the_state_before_and_after(people):
    account = approve_filing(people["admin"], apply(people["hrss"]).id).account

    suspend_account(people["admin"], account.id, "内容违规")

    entry = entries_for(account)[-1]
    assert (entry.user_id, entry.username, entry.action) == (
        people["admin"].id,
        "root",
        "account.suspend",
    )
    assert (entry.target_type, entry.target_id) == ("account", account.id)
    assert entry.before["filing_status"] == "approved" and entry.before["suspended_at"] is None
    assert entry.after["filing_status"] == "suspended" and entry.after["reason"] == "内容违规"
    assert entry.after["suspended_at"] == account.suspended_at.isoformat()


def test_closure_notice_with_successor_is_public_for_thirty_days(people):
    old = approve_filing(people["admin"], apply(people["hrss"]).id).account
    new = make_account("hrss-web", department="hrss", platform="website", name="市人社局")
    closed_at = utcnow()

    close_account(
        people["hrss"],
        old.id,
        notice="本号停止更新，请关注市人社局门户网站。",
        successor_account_id=new.id,
        now=closed_at,
    )

    assert public_closure_notices(closed_at + timedelta(days=29)) == [old]
    assert public_closure_notices(closed_at + timedelta(days=29))[0].successor is new
    assert public_closure_notices(closed_at + timedelta(days=31)) == []


def test_close_needs_a_notice_and_a_live_successor(people):
    old = approve_filing(people["admin"], apply(people["hrss"]).id).account
    pending = apply(people["hrss"], platform="website", url="https://x.gov.cn").account

    with pytest.raises(FilingError, match="notice"):
        close_account(people["hrss"], old.id, notice=" ")
    with pytest.raises(FilingError, match="no other account"):
        close_account(people["hrss"], old.id, notice="bye", successor_account_id=old.id)
    with pytest.raises(FilingError, match="pending"):
        close_account(people["hrss"], old.id, notice="bye", successor_account_id=pending.id)


def test_closing_withdraws_the_account_s_waiting_change(people):
    account = approve_filing(people["admin"], apply(people["hrss"]).id).account
    change = request_change(people["hrss"], account.id, {"name": "市人社局发布"})

    close_account(people["admin"], account.id, notice="bye")  # an admin may close too

    assert change.status == "rejected" and change.reason == "the account was closed"


def test_name_consistency_warns_about_names_without_the_department_stem(people):
    make_account("hrss-web", department="hrss", platform="website", name="市人社局门户网站")
    make_account("hrss-weibo", department="hrss", platform="weibo", name="就业小助手")
    make_account(
        "hrss-old", department="hrss", platform="app", name="旧应用", filing_status="closed"
    )

    warnings = name_consistency_warnings("hrss")

    assert [(w.account_id, w.expected_stem) for w in warnings] == [("hrss-weibo", "市人社局")]


def test_suspending_an_account_hides_its_items_from_hall_search_at_once(app, client, people):
    sample = build_sample_hall()
    index(app)

    def found() -> set[int]:
        answer = client.get("/api/v1/halls/county/search?q=社会保险").get_json()
        return {result["id"] for result in answer["results"]}

    assert sample.notice.id in found()
    suspend_account(people["admin"], sample.notice.account_id, "内容违规")
    db.session.commit()
    assert sample.notice.id not in found()
    reinstate_account(people["admin"], sample.notice.account_id)
    db.session.commit()
    assert sample.notice.id in found()


def test_a_closed_account_s_items_leave_hall_search_too(app, client, people):
    sample = build_sample_hall()
    index(app)

    close_account(people["hrss"], sample.notice.account_id, notice="本站已停止更新。")
    db.session.commit()

    answer = client.get("/api/v1/halls/county/search?q=社会保险").get_json()
    assert sample.notice.id not in {result["id"] for result in answer["results"]}


def test_the_department_page_shows_the_closure_notice_and_successor(people, client):
    old = approve_filing(people["admin"], apply(people["hrss"]).id).account
    new = make_account("hrss-web", department="hrss", platform="website", name="市人社局门户网站")
    close_account(
        people["hrss"],
        old.id,
        notice="本号停止更新，请关注市人社局门户网站。",
        successor_account_id=new.id,
    )
    db.session.commit()
    html = client.get("/departments/hrss").get_data(as_text=True)
    assert "已关停账号" in html
    assert "本号停止更新，请关注市人社局门户网站。" in html
    assert "现由以下账号提供服务" in html and "市人社局门户网站" in html
    old.closed_at = utcnow() - timedelta(days=31)
    db.session.commit()
    assert "已关停账号" not in client.get("/departments/hrss").get_data(as_text=True)
