"""A hall groups accounts of many departments behind one search page."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, ForeignKey, Integer, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hall.directory.models import Account
from hall.extensions import db
from hall.timestamps import UTCDateTime, utcnow

# Many-to-many: one account may serve several halls. Membership is applied at query
# time, so curating a hall never needs a re-index.
hall_account = Table(
    "hall_account",
    db.metadata,
    Column("hall_id", ForeignKey("hall.id", ondelete="CASCADE"), primary_key=True),
    Column("account_id", ForeignKey("account.id", ondelete="CASCADE"), primary_key=True),
)


class Hall(db.Model):
    __tablename__ = "hall"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str | None] = mapped_column(String(300))
    region_code: Mapped[str | None] = mapped_column(String(32))
    description: Mapped[str | None] = mapped_column(Text)
    description_en: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    accounts: Mapped[list[Account]] = relationship(
        secondary=hall_account, order_by=Account.id, lazy="selectin"
    )

    def display_title(self, language: str = "zh") -> str:
        return (self.title_en or self.title) if language == "en" else self.title

    def display_description(self, language: str = "zh") -> str | None:
        return (self.description_en or self.description) if language == "en" else self.description


LAYOUT_STATUSES = ("draft", "published", "archived")


class HallLayout(db.Model):
    """One version of a hall home page's layout: ordered sections and branding.

    A hall has at most one draft and one published version; publishing archives the
    previous one. hall/halls/layouts.py validates and changes them.
    """

    __tablename__ = "hall_layout"
    __table_args__ = (UniqueConstraint("hall_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    hall_id: Mapped[str] = mapped_column(ForeignKey("hall.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), index=True)
    sections: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    branding: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("hall_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Shown in a private preview address that needs no sign-in; new for every draft.
    preview_token: Mapped[str] = mapped_column(String(64), unique=True)
