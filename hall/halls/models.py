"""A hall groups accounts of many departments behind one search page."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
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


class LifeEvent(db.Model):
    """A curated topic of a hall (having a baby, opening a business, …): services in order.

    Each step is one service, usually of a different department; the steps are what a
    citizen does, in the order they do it.
    """

    __tablename__ = "life_event"
    __table_args__ = (UniqueConstraint("hall_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    hall_id: Mapped[str] = mapped_column(ForeignKey("hall.id", ondelete="CASCADE"), index=True)
    slug: Mapped[str] = mapped_column(String(64))  # stable, in the topic's URL
    title: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str | None] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text)
    description_en: Mapped[str | None] = mapped_column(Text)
    # "individual", "business" or None (both): the audience browse lists use it.
    audience: Mapped[str | None] = mapped_column(String(16))
    position: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    steps: Mapped[list[LifeEventStep]] = relationship(
        order_by="LifeEventStep.position", cascade="all, delete-orphan"
    )

    def display_title(self, language: str = "zh") -> str:
        return (self.title_en or self.title) if language == "en" else self.title

    def display_description(self, language: str = "zh") -> str | None:
        return (self.description_en or self.description) if language == "en" else self.description


class LifeEventStep(db.Model):
    """One service in a life event, at a position, with an optional note for the citizen."""

    __tablename__ = "life_event_step"

    id: Mapped[int] = mapped_column(primary_key=True)
    life_event_id: Mapped[int] = mapped_column(
        ForeignKey("life_event.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id"), index=True)
    note: Mapped[str | None] = mapped_column(Text)
    note_en: Mapped[str | None] = mapped_column(Text)


class SynonymGroup(db.Model):
    """Words a hall treats as one in search (社保 ↔ 社会保险); administrators edit them.

    A new hall gets the seed groups of hall/search/synonyms.py as rows (`seed` true), so
    administrators can change or switch off any of them for their hall.
    """

    __tablename__ = "synonym_group"

    id: Mapped[int] = mapped_column(primary_key=True)
    hall_id: Mapped[str] = mapped_column(ForeignKey("hall.id", ondelete="CASCADE"), index=True)
    words: Mapped[list[str]] = mapped_column(JSON, default=list)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    seed: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class BestBet(db.Model):
    """An item an administrator pins to the top of a hall's results for one query."""

    __tablename__ = "best_bet"
    __table_args__ = (UniqueConstraint("hall_id", "query", "item_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    hall_id: Mapped[str] = mapped_column(ForeignKey("hall.id", ondelete="CASCADE"), index=True)
    # The query as normalised for matching (NFKC, simplified, lower case, spaces folded).
    query: Mapped[str] = mapped_column(String(200), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("hall_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
