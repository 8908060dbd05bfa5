"""Daily snapshots of account health, written by the worker's daily job."""

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
