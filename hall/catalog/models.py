"""Items synced from sources, and the change log the indexer follows."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from connectors.guide import ServiceGuide
from hall.directory.models import Account
from hall.extensions import db
from hall.timestamps import UTCDateTime, utcnow

KINDS: dict[str, tuple[str, str]] = {
    "service": ("办事服务", "Services"),
    "content": ("信息公开", "Notices & news"),
}

CONTENT_TYPES: dict[str, tuple[str, str]] = {
    "notice": ("通知公告", "Notice"),
    "policy": ("政策文件", "Policy"),
    "news": ("工作动态", "News"),
    "organization": ("机构信息", "Organisation"),
    "other": ("其他", "Other"),
}


class Item(db.Model):
    """A piece of content or a service, as last seen at its source."""

    __tablename__ = "item"
    __table_args__ = (UniqueConstraint("connector_id", "external_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    connector_id: Mapped[str] = mapped_column(ForeignKey("connector_instance.id"), index=True)
    # Copied from the connector so hall filters and facets never need a join.
    account_id: Mapped[str] = mapped_column(ForeignKey("account.id"), index=True)
    external_id: Mapped[str] = mapped_column(String(500))
    kind: Mapped[str] = mapped_column(String(16), index=True)
    content_type: Mapped[str | None] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(Text)
    summary: Mapped[str | None] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)  # sanitised on the way in
    body_text: Mapped[str | None] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(String(2000))
    language: Mapped[str | None] = mapped_column(String(16))
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    guide: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    content_hash: Mapped[str] = mapped_column(String(64))
    # Segmented once when the item changes, so re-indexing never runs jieba again.
    title_tokens: Mapped[str] = mapped_column(Text, default="")
    body_tokens: Mapped[str] = mapped_column(Text, default="")
    title_pinyin: Mapped[str] = mapped_column(Text, default="")
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    tombstoned_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    # Consecutive complete listings of the source that lacked this item.
    missing_count: Mapped[int] = mapped_column(Integer, default=0)
    # The same notice on several channels of one department ("dual micro linkage") shares
    # a key: a hash of the department, the normalised title and the publication date.
    link_key: Mapped[str | None] = mapped_column(String(64), index=True)

    account: Mapped[Account] = relationship(lazy="joined", innerjoin=True)

    @property
    def is_live(self) -> bool:
        return self.tombstoned_at is None

    @property
    def service_guide(self) -> ServiceGuide | None:
        return ServiceGuide.model_validate(self.guide) if self.guide is not None else None

    @property
    def sort_time(self) -> datetime | None:
        return self.published_at or self.updated_at


class ChangeLog(db.Model):
    """One row per change of an item, written in the same transaction as the change.

    The indexer applies rows in id order after the checkpoint stored in the index.
    """

    __tablename__ = "change_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id"), index=True)
    action: Mapped[str] = mapped_column(String(16))  # added | updated | tombstoned | reindex
    sync_run_id: Mapped[int | None] = mapped_column(ForeignKey("sync_run.id"))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    item: Mapped[Item] = relationship()
