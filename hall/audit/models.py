"""The audit log: one row per governance action."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from hall.extensions import db
from hall.timestamps import UTCDateTime, utcnow


class AuditEntry(db.Model):
    """Who did what to which row, with the changed fields before and after."""

    __tablename__ = "audit_entry"
    __table_args__ = (Index("ix_audit_entry_target", "target_type", "target_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # Nullable: the trusted command line acts as nobody, and users may be deleted one day.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("hall_user.id"), index=True)
    # A snapshot, so the entry still reads right after a rename or deletion.
    username: Mapped[str | None] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(64), index=True)
    target_type: Mapped[str] = mapped_column(String(64))
    target_id: Mapped[str] = mapped_column(String(64))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
