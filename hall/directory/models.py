"""Departments and the public accounts (channels) they run."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text
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

# Filing states; the filing workflow itself comes later. Imported accounts are approved.
FILING_STATUSES = ("pending", "approved", "rejected", "suspended", "closed")


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

    department: Mapped[Department] = relationship(back_populates="accounts")

    def platform_label(self, language: str = "zh") -> str:
        zh, en = PLATFORMS.get(self.platform, PLATFORMS["other"])
        return en if language == "en" else zh
