"""The filing (备案) life cycle of a public account, with authorization and an audit trail.

    apply_for_account ──► pending ──approve_filing──► approved ◄──reinstate── suspended
                             │                          │  ▲ │                    ▲
                       reject_filing                    │  │ └──suspend_account───┘
                             ▼                          │  └─ request_change + approve
                          rejected                close_account ──► closed

Every function that takes a user checks it: an operator acts only for their own
departments, and only an administrator approves, rejects, suspends or reinstates. Each
writes one audit entry, flushes, and leaves the commit to its caller. Halls show approved
accounts only (hall/halls/services.py), so a suspension or a closure hides an account's
items at once, without touching the search index.

A change is to be filed within FILING_CHANGE_WORKING_DAYS working days (China's official
calendar, hall/workdays.py) of the day it took effect on the platform; a later filing is
accepted but flagged (`filing_timing`), as inspections count it against the department.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import select

from hall.audit.models import AuditEntry
from hall.audit.services import record, snapshot
from hall.directory.credit_codes import (
    CreditCodeError,
    check_credit_code,
    normalise_credit_code,
)
from hall.directory.models import (
    FILING_REQUEST_STATUSES,
    PLATFORMS,
    Account,
    Department,
    FilingRequest,
)
from hall.extensions import db
from hall.timestamps import utcnow
from hall.users.models import User
from hall.users.services import (
    PermissionDeniedError,
    can_manage_department,
    require_admin,
    require_department,
)
from hall.workdays import china_date, working_days_between

# Two-letter codes in filing numbers: pinyin initials of the sector and platform names.
SECTOR_CODES = {
    "education": "JY",  # 教育
    "public_security": "GA",  # 公安
    "civil_affairs": "MZ",  # 民政
    "social_security": "RS",  # 人社
    "natural_resources": "ZY",  # 自然资源
    "environment": "HJ",  # 环境
    "housing": "ZJ",  # 住建
    "transport": "JT",  # 交通
    "health": "WJ",  # 卫健
    "market_regulation": "SJ",  # 市监
    "tourism_culture": "WL",  # 文旅
    "tax": "SW",  # 税务
    "medical_insurance": "YB",  # 医保
    "agriculture": "NY",  # 农业
    "emergency": "YJ",  # 应急
    "other": "QT",  # 其他
}
PLATFORM_CODES = {
    "website": "WZ",  # 网站
    "wechat": "WX",  # 微信
    "weibo": "WB",  # 微博
    "open311": "FW",  # 服务目录
    "app": "YY",  # 应用
    "other": "QT",  # 其他
}
# Statuses that hold a department's place on a platform (the one-per-platform rule). On
# approval only serving accounts count, so two pending applications cannot block each other.
HOLDS_PLATFORM = ("pending", "approved", "suspended")
SERVING = ("approved", "suspended")
# Changing these re-files the account (who hosts it, what it is called, where it is); the
# others are contact data, changed at once.
REFILED_FIELDS = (
    "name",
    "url",
    "handle",
    "host_unit",
    "host_unit_credit_code",
    "supervising_unit",
)
CONTACT_FIELDS = (
    "responsible_person",
    "contact_phone",
    "interaction_channels",
    "outsourced_operator",
    "interaction_url",
)
ACCOUNT_FIELDS = (
    "department_id",
    "platform",
    *REFILED_FIELDS,
    "filing_status",
    *CONTACT_FIELDS,
    "filing_number",
    "filed_at",
    "rejection_reason",
    "suspended_at",
    "closed_at",
    "closure_notice",
    "successor_account_id",
)

# Filed values that may not be blank, with the reason given when one is.
REQUIRED = {
    "name": "an account needs a name",
    "host_unit": "a filing names the host unit, the account's certified subject",
    "host_unit_credit_code": "a filing gives the host unit's unified social credit code",
    "responsible_person": "a filing names a responsible person",
    "contact_phone": "a filing gives a contact phone",
}
# The column sizes (hall/directory/models.py): a longer value is refused, not truncated.
MAX_LENGTHS = {
    "name": 200,
    "url": 2000,
    "handle": 200,
    "host_unit": 200,
    "supervising_unit": 200,
    "outsourced_operator": 200,
    "interaction_url": 2000,
    "responsible_person": 100,
    "contact_phone": 50,
}


class FilingError(Exception):
    """A filing step that the account's state or the filing rules do not allow.

    `field` names the filed value at fault, when there is one, so a form can show the
    message beside its input.
    """

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class NameWarning:
    """An account whose name does not carry its department's short name."""

    account_id: str
    account_name: str
    expected_stem: str


@dataclass(frozen=True)
class FilingTiming:
    """How long after its change a request was filed, and how long it waited for a decision."""

    working_days_after_change: int | None  # None: nothing dated (an opening, a closure)
    allowed_working_days: int
    waited: timedelta
    waited_working_days: int

    @property
    def late(self) -> bool:
        """Tell whether the change was filed later than the rule allows."""
        after = self.working_days_after_change
        return after is not None and after > self.allowed_working_days


def apply_for_account(
    user: User,
    department_id: str,
    *,
    platform: str,
    name: str,
    url: str | None = None,
    handle: str | None = None,
    host_unit: str,
    host_unit_credit_code: str,
    supervising_unit: str | None = None,
    outsourced_operator: str | None = None,
    interaction_url: str | None = None,
    responsible_person: str,
    contact_phone: str,
    interaction_channels: Iterable[str] = (),
    account_id: str | None = None,
    allow_second: bool = False,
    override_reason: str | None = None,
) -> FilingRequest:
    """File a new account: it is created pending, with an "open" request to decide.

    The host unit is the account's certified subject, named with its unified social
    credit code (checked against GB 32100-2015, hall/directory/credit_codes.py).
    One account per department per platform: a second one is refused unless
    `allow_second` is set with an `override_reason` (e.g. a service account beside a
    news account); the override is kept in the request and the audit entry.
    """
    require_department(user, department_id)
    department = _department(department_id)
    if platform not in PLATFORMS:
        raise FilingError(
            f"unknown platform {platform!r}; one of {', '.join(PLATFORMS)}", "platform"
        )
    filed = {
        field: _cleaned(field, value)
        for field, value in (
            ("name", name),
            ("url", url),
            ("handle", handle),
            ("host_unit", host_unit),
            ("host_unit_credit_code", host_unit_credit_code),
            ("supervising_unit", supervising_unit),
            ("outsourced_operator", outsourced_operator),
            ("interaction_url", interaction_url),
            ("responsible_person", responsible_person),
            ("contact_phone", contact_phone),
            ("interaction_channels", interaction_channels),
        )
    }
    _check_filed(filed)
    if not (filed["url"] or filed["handle"]):
        raise FilingError("give the account's address or its platform id (url or handle)", "url")
    override = _check_one_per_platform(
        department.id, platform, HOLDS_PLATFORM, None, allow_second, override_reason
    )
    account = Account(
        id=account_id or _new_account_id(department.id, platform),
        department_id=department.id,
        platform=platform,
        filing_status="pending",
        **filed,
    )
    if db.session.get(Account, account.id) is not None:
        raise FilingError(f"an account with the id {account.id!r} exists")
    db.session.add(account)
    request = FilingRequest(
        kind="open",
        department_id=department.id,
        account=account,
        payload={
            **snapshot(account, ("platform", *REFILED_FIELDS, *CONTACT_FIELDS)),
            **override,
        },
        status="pending",
        submitted_by=user.id,
        submitted_at=utcnow(),
    )
    db.session.add(request)
    db.session.flush()
    record("filing.apply", account, None, {**snapshot(account, ACCOUNT_FIELDS), **override}, user)
    return request


def approve_filing(
    admin: User,
    request_id: int,
    *,
    allow_second: bool = False,
    override_reason: str | None = None,
    now: datetime | None = None,
) -> FilingRequest:
    """Approve a pending request: open the account (with a filing number) or apply a change.

    A filing number reads "{region}-{sector}-{platform}-{year}-{sequence:05d}", e.g.
    "330102-RS-WX-2025-00001": the department's region code (else the FILING_REGION_CODE
    setting), the two-letter codes of SECTOR_CODES and PLATFORM_CODES, the year of
    approval, and a sequence counted per region, sector, platform and year.
    The one-per-platform rule is checked again (another account may have been approved
    meanwhile) unless the request carries an override or the admin gives one here.
    """
    require_admin(admin)
    now = now or utcnow()
    request = _pending_request(request_id)
    account = request.account
    before = snapshot(account, ACCOUNT_FIELDS)
    override: dict[str, Any] = {}
    if request.kind == "open":
        if not request.payload.get("allow_second"):
            override = _check_one_per_platform(
                account.department_id,
                account.platform,
                SERVING,
                account.id,
                allow_second,
                override_reason,
            )
        account.filing_status = "approved"
        account.filing_number = _next_filing_number(account, now)
        account.filed_at = now
        account.rejection_reason = None
    else:  # a change: the account served under its filed data until now
        for field, value in request.payload.items():
            setattr(account, field, value)
    _decide(request, admin, "approved", override.get("override_reason"), now)
    record(
        f"filing.approve_{request.kind}",
        account,
        before,
        {**snapshot(account, ACCOUNT_FIELDS), "request_id": request.id, **override},
        admin,
    )
    return request


def reject_filing(
    admin: User, request_id: int, reason: str, *, now: datetime | None = None
) -> FilingRequest:
    """Reject a pending request with a reason; a rejected opening leaves the account rejected."""
    require_admin(admin)
    if not reason or not reason.strip():
        raise FilingError("a rejection gives its reason")
    now = now or utcnow()
    request = _pending_request(request_id)
    account = request.account
    before = snapshot(account, ACCOUNT_FIELDS)
    if request.kind == "open":
        account.filing_status = "rejected"
        account.rejection_reason = reason.strip()
    _decide(request, admin, "rejected", reason.strip(), now)
    record(
        f"filing.reject_{request.kind}",
        account,
        before,
        {**snapshot(account, ACCOUNT_FIELDS), "request_id": request.id, "reason": reason.strip()},
        user=admin,
    )
    return request


def request_change(
    user: User,
    account_id: str,
    changes: Mapping[str, Any],
    *,
    effective_on: date | None = None,
    now: datetime | None = None,
) -> FilingRequest | None:
    """Change an account's filed data; return the change request if it must be decided.

    Contact data (responsible person, phone, interaction channels and address, outsourced
    operator) changes at once. A new name, address, host unit, credit code or supervising
    unit is re-filed: the account keeps serving under its filed data until an
    administrator approves the change request. `effective_on` is the day the change took
    effect on the platform (default: today in China; never in the future); it is kept
    with the request, so a filing later than FILING_CHANGE_WORKING_DAYS shows as late.
    """
    account = _account(account_id)
    require_department(user, account.department_id)
    unknown = set(changes) - set(REFILED_FIELDS) - set(CONTACT_FIELDS)
    if unknown:
        raise FilingError("these fields cannot be changed here: " + ", ".join(sorted(unknown)))
    if account.filing_status not in ("approved", "suspended"):
        raise FilingError(f"account {account.id} is {account.filing_status}; it cannot change")
    now = now or utcnow()
    effective_on = effective_on or china_date(now)
    if effective_on > china_date(now):
        raise FilingError("a change cannot take effect in the future", "effective_on")
    cleaned = {field: _cleaned(field, value) for field, value in changes.items()}
    changed = {f: v for f, v in cleaned.items() if getattr(account, f) != v}
    _check_filed(changed)
    if not (changed.get("url", account.url) or changed.get("handle", account.handle)):
        raise FilingError("give the account's address or its platform id (url or handle)", "url")
    contact = {f: v for f, v in changed.items() if f in CONTACT_FIELDS}
    refiled = {f: v for f, v in changed.items() if f in REFILED_FIELDS}
    dated = {
        "effective_on": effective_on.isoformat(),
        "working_days_after_change": working_days_between(effective_on, china_date(now)),
    }
    if contact:
        before = snapshot(account, contact)
        for field, value in contact.items():
            setattr(account, field, value)
        if "interaction_url" in contact:
            # The last check was of the old address; the next daily check tells about this one.
            account.channel_checked_at = account.channel_ok = account.channel_detail = None
        record(
            "account.change_contact",
            account,
            before,
            {**snapshot(account, contact), **dated},
            user,
        )
    if not refiled:
        return None
    if _pending_requests_of(account):
        raise FilingError(f"account {account.id} already has a filing waiting for a decision")
    request = FilingRequest(
        kind="change",
        department_id=account.department_id,
        account=account,
        payload=refiled,
        status="pending",
        submitted_by=user.id,
        submitted_at=now,
        effective_on=effective_on,
    )
    db.session.add(request)
    db.session.flush()
    record(
        "filing.request_change",
        account,
        snapshot(account, refiled),
        {**refiled, "request_id": request.id, **dated},
        user,
    )
    return request


def suspend_account(
    admin: User, account_id: str, reason: str, *, now: datetime | None = None
) -> Account:
    """Suspend an approved account: its items leave every hall at once."""
    require_admin(admin)
    if not reason or not reason.strip():
        raise FilingError("a suspension gives its reason")
    account = _account(account_id)
    if account.filing_status != "approved":
        raise FilingError(f"account {account.id} is {account.filing_status}, not approved")
    before = snapshot(account, ACCOUNT_FIELDS)
    account.filing_status = "suspended"
    account.suspended_at = now or utcnow()
    after = {**snapshot(account, ACCOUNT_FIELDS), "reason": reason.strip()}
    record("account.suspend", account, before, after, admin)
    return account


def reinstate_account(admin: User, account_id: str) -> Account:
    """Reinstate a suspended account: its items are back in the halls at once."""
    require_admin(admin)
    account = _account(account_id)
    if account.filing_status != "suspended":
        raise FilingError(f"account {account.id} is {account.filing_status}, not suspended")
    before = snapshot(account, ACCOUNT_FIELDS)
    account.filing_status = "approved"
    account.suspended_at = None
    record("account.reinstate", account, before, snapshot(account, ACCOUNT_FIELDS), admin)
    return account


def close_account(
    user: User,
    account_id: str,
    *,
    notice: str,
    successor_account_id: str | None = None,
    now: datetime | None = None,
) -> FilingRequest:
    """Close (注销) an account with a public notice naming its successor, if any.

    Closing needs no approval, but it is filed: a decided "close" request records it. The
    notice is public for CLOSURE_NOTICE_DAYS (see `public_closure_notices`).
    """
    account = _account(account_id)
    require_department(user, account.department_id)
    if account.filing_status not in ("approved", "suspended"):
        raise FilingError(f"account {account.id} is {account.filing_status}; it cannot close")
    if not notice or not notice.strip():
        raise FilingError("a closing account posts a notice")
    if successor_account_id is not None:
        successor = db.session.get(Account, successor_account_id)
        if successor is None or successor.id == account.id:
            raise FilingError(f"no other account has the id {successor_account_id!r}")
        if successor.filing_status != "approved":
            raise FilingError(f"successor {successor.id} is {successor.filing_status}")
    now = now or utcnow()
    before = snapshot(account, ACCOUNT_FIELDS)
    account.filing_status = "closed"
    account.closed_at = now
    account.closure_notice = notice.strip()
    account.successor_account_id = successor_account_id
    request = FilingRequest(
        kind="close",
        department_id=account.department_id,
        account=account,
        payload={"notice": account.closure_notice, "successor_account_id": successor_account_id},
        status="approved",
        submitted_by=user.id,
        submitted_at=now,
        decided_by=user.id,
        decided_at=now,
    )
    for pending in _pending_requests_of(account):
        _decide(pending, user, "rejected", "the account was closed", now)
    db.session.add(request)
    db.session.flush()
    record("account.close", account, before, snapshot(account, ACCOUNT_FIELDS), user)
    return request


def public_closure_notices(now: datetime | None = None) -> list[Account]:
    """Return the accounts closed within CLOSURE_NOTICE_DAYS, newest closure first."""
    now = now or utcnow()
    since = now - timedelta(days=current_app.config["CLOSURE_NOTICE_DAYS"])
    query = (
        select(Account)
        .where(Account.filing_status == "closed", Account.closed_at > since)
        .order_by(Account.closed_at.desc(), Account.id)
    )
    return list(db.session.scalars(query))


def name_consistency_warnings(department_id: str) -> list[NameWarning]:
    """Return the department's live accounts whose names lack its short name (warn, not block).

    An account's name should be the same on every platform and tied to its duties; the
    department's short name (else its full name) is the stem they should share.
    """
    department = _department(department_id)
    stem = department.short_name or department.name
    return [
        NameWarning(account.id, account.name, stem)
        for account in department.accounts
        if account.filing_status in HOLDS_PLATFORM and stem not in account.name
    ]


def filing_requests(
    *, status: str | None = None, department_ids: Iterable[str] | None = None
) -> list[FilingRequest]:
    """Return filing requests, oldest first; unscoped, for the trusted command line."""
    if status is not None and status not in FILING_REQUEST_STATUSES:
        raise FilingError(f"unknown status {status!r}; one of {', '.join(FILING_REQUEST_STATUSES)}")
    query = select(FilingRequest).order_by(FilingRequest.submitted_at, FilingRequest.id)
    if status is not None:
        query = query.where(FilingRequest.status == status)
    if department_ids is not None:
        query = query.where(FilingRequest.department_id.in_(list(department_ids)))
    return list(db.session.scalars(query))


def list_filing_requests(user: User, *, status: str | None = None) -> list[FilingRequest]:
    """Return the filing requests the user may see: all for admins, their departments' else."""
    if not user.is_active:
        raise PermissionDeniedError(f"{user.username} is not active")
    return filing_requests(
        status=status, department_ids=None if user.is_admin else user.department_ids
    )


def get_filing_request(user: User, request_id: int) -> FilingRequest:
    """Return one filing request the user may see, or raise."""
    request = db.session.get(FilingRequest, request_id)
    if request is None:
        raise FilingError(f"no filing request {request_id}")
    require_department(user, request.department_id)
    return request


def account_filing_requests(user: User, account_id: str) -> list[FilingRequest]:
    """Return an account's filing requests, newest first, to a user who may act for it."""
    account = _account(account_id)
    require_department(user, account.department_id)
    query = (
        select(FilingRequest)
        .where(FilingRequest.account_id == account.id)
        .order_by(FilingRequest.submitted_at.desc(), FilingRequest.id.desc())
    )
    return list(db.session.scalars(query))


def filing_timing(request: FilingRequest, *, now: datetime | None = None) -> FilingTiming:
    """Return how late a change was filed and how long the request waited (until now if open).

    Working days are counted on China's official calendar, from the China date of each
    moment: a change effective on Friday and filed on Tuesday was filed 2 working days
    after it (Monday, Tuesday), whatever the hour.
    """
    filed_on = china_date(request.submitted_at)
    after = None
    if request.effective_on is not None:
        after = working_days_between(request.effective_on, filed_on)
    end = request.decided_at or now or utcnow()
    return FilingTiming(
        working_days_after_change=after,
        allowed_working_days=current_app.config["FILING_CHANGE_WORKING_DAYS"],
        waited=max(end - request.submitted_at, timedelta(0)),
        waited_working_days=working_days_between(filed_on, china_date(end)),
    )


@dataclass(frozen=True)
class LateContactChange:
    """A contact-data change (applied at once, so never a request) filed after the rule."""

    at: datetime
    account: Account
    username: str | None
    fields: tuple[str, ...]
    effective_on: date
    working_days_after_change: int


def late_contact_changes(
    user: User, *, account_id: str | None = None, days: int = 90, now: datetime | None = None
) -> list[LateContactChange]:
    """Return the contact changes of the last `days` days filed late, newest first.

    They are read from the audit log, which keeps the day each one took effect. An
    administrator sees every department's; an operator their departments' (with
    `account_id`, that account's only, which they must manage).
    """
    if account_id is not None:
        require_department(user, _account(account_id).department_id)
    since = (now or utcnow()) - timedelta(days=days)
    query = select(AuditEntry).where(
        AuditEntry.action == "account.change_contact",
        AuditEntry.target_type == Account.__tablename__,
        AuditEntry.at >= since,
    )
    if account_id is not None:
        query = query.where(AuditEntry.target_id == account_id)
    allowed = current_app.config["FILING_CHANGE_WORKING_DAYS"]
    found = []
    for entry in db.session.scalars(query.order_by(AuditEntry.at.desc(), AuditEntry.id.desc())):
        after = entry.after or {}
        working_days = after.get("working_days_after_change")
        if not isinstance(working_days, int) or working_days <= allowed:
            continue
        account = db.session.get(Account, entry.target_id)
        if account is None or not can_manage_department(user, account.department_id):
            continue
        found.append(
            LateContactChange(
                at=entry.at,
                account=account,
                username=entry.username,
                fields=tuple(entry.before or ()),
                effective_on=date.fromisoformat(after["effective_on"]),
                working_days_after_change=working_days,
            )
        )
    return found


def is_http_url(text: str) -> bool:
    """Tell whether `text` is an absolute http(s) address with a host."""
    try:
        parts = urlsplit(text)
        return parts.scheme in ("http", "https") and bool(parts.hostname)
    except ValueError:  # e.g. an unclosed [IPv6] host
        return False


def _cleaned(field: str, value: Any) -> Any:
    """Return a filed value as it is stored: text stripped (blank: None), codes normalised."""
    if field == "interaction_channels":
        return [str(channel).strip() for channel in value or () if str(channel).strip()]
    if value is None:
        return None
    text = str(value).strip()
    if field == "host_unit_credit_code":
        text = normalise_credit_code(text)
    return text or None


def _check_filed(values: Mapping[str, Any]) -> None:
    """Refuse a missing required value, a too-long one, a bad credit code or channel address."""
    for field, value in values.items():
        if value is None:
            if field in REQUIRED:
                raise FilingError(REQUIRED[field], field)
            continue
        limit = MAX_LENGTHS.get(field)
        if limit is not None and len(value) > limit:
            raise FilingError(f"{field} has at most {limit} characters", field)
        if field == "host_unit_credit_code":
            try:
                check_credit_code(value)
            except CreditCodeError as exc:
                raise FilingError(str(exc), field) from None
        if field == "interaction_url" and not is_http_url(value):
            raise FilingError(
                "the interaction address is a full http:// or https:// address", field
            )


def _check_one_per_platform(
    department_id: str,
    platform: str,
    holding: tuple[str, ...],
    account_id: str | None,
    allow_second: bool,
    override_reason: str | None,
) -> dict[str, Any]:
    """Refuse a second account on a platform unless overridden; return the override to keep."""
    query = select(Account.id).where(
        Account.department_id == department_id,
        Account.platform == platform,
        Account.filing_status.in_(holding),
    )
    if account_id is not None:
        query = query.where(Account.id != account_id)
    others = list(db.session.scalars(query))
    if not others:
        return {}
    if not allow_second:
        raise FilingError(
            f"department {department_id} already has an account on {platform}: "
            + ", ".join(others)
            + " (one account per department per platform)"
        )
    if not override_reason or not override_reason.strip():
        raise FilingError("a second account on a platform needs the reason for the exception")
    return {"allow_second": True, "override_reason": override_reason.strip()}


def _next_filing_number(account: Account, now: datetime) -> str:
    """Return the next free filing number for the account's region, sector, platform, year."""
    department = account.department
    region = department.region_code or current_app.config["FILING_REGION_CODE"]
    prefix = (
        f"{region}-{SECTOR_CODES.get(department.sector, 'QT')}-"
        f"{PLATFORM_CODES.get(account.platform, 'QT')}-{now.year}-"
    )
    taken = db.session.scalars(
        select(Account.filing_number).where(
            Account.filing_number.startswith(prefix, autoescape=True)
        )
    )
    # The unique constraint on filing_number turns a race between two approvals into an error.
    sequence = max((int(number[len(prefix) :]) for number in taken), default=0) + 1
    return f"{prefix}{sequence:05d}"


def _new_account_id(department_id: str, platform: str) -> str:
    base = re.sub(r"[^a-z0-9-]+", "-", f"{department_id}-{platform}".lower()).strip("-")[:56]
    candidate, n = base, 1
    while db.session.get(Account, candidate) is not None:
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def _decide(
    request: FilingRequest, user: User, status: str, reason: str | None, now: datetime
) -> None:
    request.status = status
    request.decided_by = user.id
    request.decided_at = now
    request.reason = reason
    db.session.flush()


def _pending_request(request_id: int) -> FilingRequest:
    request = db.session.get(FilingRequest, request_id)
    if request is None:
        raise FilingError(f"no filing request {request_id}")
    if request.status != "pending":
        raise FilingError(f"filing request {request_id} is already {request.status}")
    return request


def _pending_requests_of(account: Account) -> list[FilingRequest]:
    query = select(FilingRequest).where(
        FilingRequest.account_id == account.id, FilingRequest.status == "pending"
    )
    return list(db.session.scalars(query))


def _account(account_id: str) -> Account:
    account = db.session.get(Account, account_id)
    if account is None:
        raise FilingError(f"no account has the id {account_id!r}")
    return account


def _department(department_id: str) -> Department:
    department = db.session.get(Department, department_id)
    if department is None:
        raise FilingError(f"no department has the id {department_id!r}")
    return department
