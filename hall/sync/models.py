"""A configured connector of an account, and the record of each of its runs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hall.directory.models import Account
from hall.extensions import db
from hall.timestamps import UTCDateTime, utcnow

RUN_STATUSES = ("running", "succeeded", "unchanged", "failed")


class ConnectorInstance(db.Model):
    """One source of one account: a connector type with its validated config."""

    __tablename__ = "connector_instance"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("account.id"), index=True)
    type: Mapped[str] = mapped_column(String(64))
    config: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    cursor: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    account: Mapped[Account] = relationship()
    runs: Mapped[list[SyncRun]] = relationship(
        back_populates="connector", order_by="SyncRun.id.desc()", lazy="dynamic"
    )


class SyncRun(db.Model):
    """One run of one connector, with its counts and, if it failed, why."""

    __tablename__ = "sync_run"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    connector_id: Mapped[str] = mapped_column(ForeignKey("connector_instance.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="running")
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    fetched: Mapped[int] = mapped_column(Integer, default=0)
    added: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    tombstoned: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    # Skipped items and their reasons: [{"external_id": ..., "reason": ...}, ...]
    item_errors: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)

    connector: Mapped[ConnectorInstance] = relationship(back_populates="runs")
