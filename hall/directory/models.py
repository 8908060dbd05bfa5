"""Departments and the public accounts (channels) they run."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Column, Date, Float, ForeignKey, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hall.extensions import db
from hall.timestamps import UTCDateTime, utcnow

# The fixed sector list: id -> (Chinese label, English label).
SECTORS: dict[str, tuple[str, str]] = {
    "education": ("教育", "Education"),
    "public_security": ("公安", "Public security"),
    "civil_affairs": ("民政", "Civil affairs"),
    "social_security": ("人力社保", "Human resources & social security"),
    "natural_resources": ("自然资源", "Natural resources"),
    "environment": ("生态环境", "Ecology & environment"),
    "housing": ("住房城乡建设", "Housing & construction"),
    "transport": ("交通运输", "Transport"),
    "health": ("卫生健康", "Health"),
    "market_regulation": ("市场监管", "Market regulation"),
    "tourism_culture": ("文化旅游", "Culture & tourism"),
    "tax": ("税务", "Tax"),
    "medical_insurance": ("医疗保障", "Medical insurance"),
    "agriculture": ("农业农村", "Agriculture & rural affairs"),
    "emergency": ("应急管理", "Emergency management"),
    "other": ("其他", "Other"),
}

PLATFORMS: dict[str, tuple[str, str]] = {
    "website": ("网站", "Website"),
    "wechat": ("微信公众号", "WeChat official account"),
    "weibo": ("微博", "Micro-blog"),
    "open311": ("Open311 服务目录", "Open311 service list"),
    "app": ("移动应用", "App"),
    "other": ("其他", "Other"),
}

# Filing states (hall/directory/services.py moves accounts between them). Imported accounts
# are approved; only approved accounts are shown in halls.
FILING_STATUSES = ("pending", "approved", "rejected", "suspended", "closed")
FILING_REQUEST_KINDS = ("open", "change", "close")
FILING_REQUEST_STATUSES = ("pending", "approved", "rejected")


class Department(db.Model):
    __tablename__ = "department"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # stable slug
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(300))
    short_name: Mapped[str | None] = mapped_column(String(100))
    aliases: Mapped[list[str]] = mapped_column(JSON, default=list)
    sector: Mapped[str] = mapped_column(String(32), index=True)
    region_code: Mapped[str | None] = mapped_column(String(32))
    parent_id: Mapped[str | None] = mapped_column(ForeignKey("department.id"))
    description: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    accounts: Mapped[list[Account]] = relationship(
        back_populates="department", order_by="Account.id"
    )
    parent: Mapped[Department | None] = relationship(remote_side=[id])

    def display_name(self, language: str = "zh") -> str:
        return (self.name_en or self.name) if language == "en" else self.name

    def sector_label(self, language: str = "zh") -> str:
        zh, en = SECTORS.get(self.sector, SECTORS["other"])
        return en if language == "en" else zh


class AccountToken(db.Model):
    """A push-ingest API token of one account; only its hash is stored."""

    __tablename__ = "account_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("account.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))  # shown to tell tokens apart
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Account(db.Model):
    __tablename__ = "account"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    department_id: Mapped[str] = mapped_column(ForeignKey("department.id"), index=True)
    platform: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(200))
    url: Mapped[str | None] = mapped_column(String(2000))
    handle: Mapped[str | None] = mapped_column(String(200))
    filing_status: Mapped[str] = mapped_column(String(16), default="approved", index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Filing (备案) data: who answers for the account, and how citizens reach it.
    responsible_person: Mapped[str | None] = mapped_column(String(100))
    contact_phone: Mapped[str | None] = mapped_column(String(50))
    # The unit that hosts the account (the certified subject), with its 18-character unified
    # social credit code; the unit that supervises it; the company running it, if outsourced.
    host_unit: Mapped[str | None] = mapped_column(String(200))
    host_unit_credit_code: Mapped[str | None] = mapped_column(String(18))
    supervising_unit: Mapped[str | None] = mapped_column(String(200))
    outsourced_operator: Mapped[str | None] = mapped_column(String(200))
    # None: never filed (accounts imported from a file), which health reports as unknown.
    interaction_channels: Mapped[list[str] | None] = mapped_column(JSON)
    # Where citizens leave a message or comment; the health job checks that it answers
    # (hall/reports/channels.py) and keeps the last result here.
    interaction_url: Mapped[str | None] = mapped_column(String(2000))
    channel_checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    channel_ok: Mapped[bool | None] = mapped_column(Boolean)
    channel_detail: Mapped[str | None] = mapped_column(String(500))
    filing_number: Mapped[str | None] = mapped_column(String(64), unique=True)
    filed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rejection_reason: Mapped[str | None] = mapped_column(Text)
    suspended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    closure_notice: Mapped[str | None] = mapped_column(Text)
    successor_account_id: Mapped[str | None] = mapped_column(ForeignKey("account.id"))

    department: Mapped[Department] = relationship(back_populates="accounts")
    successor: Mapped[Account | None] = relationship(remote_side=[id])

    def platform_label(self, language: str = "zh") -> str:
        zh, en = PLATFORMS.get(self.platform, PLATFORMS["other"])
        return en if language == "en" else zh


class FilingRequest(db.Model):
    """One filing to be decided: open an account, change its filed data, or close it."""

    __tablename__ = "filing_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    department_id: Mapped[str] = mapped_column(ForeignKey("department.id"), index=True)
    account_id: Mapped[str | None] = mapped_column(ForeignKey("account.id"), index=True)
    # What is filed: the new account's fields, or the changed fields, or the closure.
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    submitted_by: Mapped[int | None] = mapped_column(ForeignKey("hall_user.id"))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("hall_user.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reason: Mapped[str | None] = mapped_column(Text)
    # For a change: the day it took effect on the platform. Changes are to be filed within
    # FILING_CHANGE_WORKING_DAYS working days of it (hall/workdays.py counts them).
    effective_on: Mapped[date | None] = mapped_column(Date)

    department: Mapped[Department] = relationship()
    account: Mapped[Account | None] = relationship()


# Which services are handled at a service point (from the services' guides, or filed).
service_point_item = Table(
    "service_point_item",
    db.metadata,
    Column(
        "service_point_id", ForeignKey("service_point.id", ondelete="CASCADE"), primary_key=True
    ),
    Column("item_id", ForeignKey("item.id", ondelete="CASCADE"), primary_key=True),
)


class ServicePoint(db.Model):
    """A place where a department serves citizens in person, with WGS-84 coordinates.

    Filed by the department (or imported), or gathered from its services' guides
    (`source` "guide"), which also fills service_point_item.
    """

    __tablename__ = "service_point"

    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[str] = mapped_column(ForeignKey("department.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(300))
    address: Mapped[str | None] = mapped_column(String(500))
    district: Mapped[str | None] = mapped_column(String(100), index=True)
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    phone: Mapped[str | None] = mapped_column(String(50))
    hours: Mapped[str | None] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(16), default="filed")  # "filed" | "guide"
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    department: Mapped[Department] = relationship()

    def display_name(self, language: str = "zh") -> str:
        return (self.name_en or self.name) if language == "en" else self.name
