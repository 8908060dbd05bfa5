"""A hall groups accounts of many departments behind one search page."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, String, Table, Text
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
