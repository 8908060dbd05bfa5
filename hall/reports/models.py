"""Report data: daily account health snapshots, search statistics, content gaps, page views."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hall.extensions import db
from hall.timestamps import UTCDateTime, utcnow


class HealthSnapshot(db.Model):
    """One account's health as computed on one day (UTC), kept for trends and inspections."""

    __tablename__ = "health_snapshot"
    __table_args__ = (UniqueConstraint("day", "account_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[date] = mapped_column(Date, index=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("account.id"), index=True)
    status: Mapped[str] = mapped_column(String(16))
    last_item_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    items_last_30_days: Mapped[int] = mapped_column(Integer, default=0)
    interaction_ok: Mapped[bool | None] = mapped_column(Boolean)
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SearchStat(db.Model):
    """How often a hall was searched for one query on one day (China time), and how often
    the answer was empty. Nothing about the person searching is kept: no address, no
    session, no time of day."""

    __tablename__ = "search_stat"
    __table_args__ = (UniqueConstraint("hall_id", "day", "query"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    hall_id: Mapped[str] = mapped_column(ForeignKey("hall.id", ondelete="CASCADE"), index=True)
    day: Mapped[date] = mapped_column(Date, index=True)
    query: Mapped[str] = mapped_column(String(200))  # normalised, as for best bets
    searches: Mapped[int] = mapped_column(Integer, default=0)
    zero_results: Mapped[int] = mapped_column(Integer, default=0)


CONTENT_GAP_STATUSES = ("open", "answered", "dismissed")


class ContentGap(db.Model):
    """A query that found nothing, routed by an administrator to a department to fill."""

    __tablename__ = "content_gap"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    hall_id: Mapped[str] = mapped_column(ForeignKey("hall.id", ondelete="CASCADE"), index=True)
    query: Mapped[str] = mapped_column(String(200))
    department_id: Mapped[str] = mapped_column(ForeignKey("department.id"), index=True)
    note: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    routed_by: Mapped[int | None] = mapped_column(ForeignKey("hall_user.id"))
    routed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_by: Mapped[int | None] = mapped_column(ForeignKey("hall_user.id"))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolution: Mapped[str | None] = mapped_column(Text)


class ItemViewDay(db.Model):
    """Views of one item's page on one day (China time): what "hot services" are made of."""

    __tablename__ = "item_view_day"
    __table_args__ = (UniqueConstraint("item_id", "day"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id", ondelete="CASCADE"), index=True)
    day: Mapped[date] = mapped_column(Date, index=True)
    views: Mapped[int] = mapped_column(Integer, default=0)
