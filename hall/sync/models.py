"""A configured connector of an account, and the record of each of its runs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hall.directory.models import Account
from hall.extensions import db
from hall.timestamps import UTCDateTime, utcnow

RUN_STATUSES = ("running", "succeeded", "unchanged", "failed", "cancelled", "abandoned")


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
    # Schedule: every `interval_seconds` (None: the SYNC_INTERVAL_SECONDS setting) with
    # jitter, or at the times of `cron`; failures push `next_run_at` back exponentially.
    interval_seconds: Mapped[int | None] = mapped_column(Integer)
    # A crontab line ("0 7 * * 1-5", UTC) instead of an interval, when set.
    cron: Mapped[str | None] = mapped_column(String(100))
    next_run_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    # The lease: which worker runs this connector now, and until when it may.
    lease_owner: Mapped[str | None] = mapped_column(String(200))
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

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
    worker: Mapped[str | None] = mapped_column(String(200))
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    # A human should look: e.g. the listing shrank sharply and nothing was retired.
    needs_review: Mapped[bool] = mapped_column(Boolean, default=False)
    # External ids the run would have retired had the shrink guard not stopped it.
    would_tombstone: Mapped[list[str]] = mapped_column(JSON, default=list)

    connector: Mapped[ConnectorInstance] = relationship(back_populates="runs")


ITEM_OUTCOMES = ("added", "updated", "unchanged", "tombstoned", "failed")


class SyncItemOutcome(db.Model):
    """What one run did to one item, kept for SYNC_OUTCOME_RETENTION_DAYS days.

    For services whose guide changed, `guide_diff` lists the changed fields with their
    old and new values, for auditors.
    """

    __tablename__ = "sync_item_outcome"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sync_run_id: Mapped[int] = mapped_column(
        ForeignKey("sync_run.id", ondelete="CASCADE"), index=True
    )
    item_id: Mapped[int | None] = mapped_column(ForeignKey("item.id"))
    external_id: Mapped[str | None] = mapped_column(String(500))
    outcome: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text)
    guide_diff: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
