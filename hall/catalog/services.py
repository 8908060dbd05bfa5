"""Turn connector records into stored items: normalise, diff, write the change log.

These functions flush; the caller (a sync run) commits, so a run's items, change-log rows
and run record land together or not at all.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import urlsplit

from pydantic import ValidationError

from connectors.base import Record, clean_text, one_line
from connectors.guide import ServiceGuide
from hall.catalog.html import html_to_text, sanitize_html
from hall.catalog.models import CONTENT_TYPES, ChangeLog, Item
from hall.directory.models import Account
from hall.extensions import db
from hall.search.analysis import analyse_item
from hall.timestamps import as_utc

SUMMARY_CHARS = 200
_HAN = re.compile(r"[\u3400-\u9fff]")


class InvalidRecordError(ValueError):
    """A record that cannot become an item; the reason is shown to the department."""


@dataclass
class NormalisedItem:
    """An item's fields as they will be stored, before the diff."""

    external_id: str
    kind: str
    content_type: str | None
    title: str
    summary: str | None
    body_html: str
    body_text: str
    url: str | None
    language: str | None
    tags: list[str]
    published_at: datetime | None
    updated_at: datetime | None
    guide: dict[str, Any] | None
    extra: dict[str, Any] = field(default_factory=dict)

    def content_hash(self) -> str:
        """Return a hash of every stored field, so an unchanged item is recognised."""
        data = asdict(self)
        payload = json.dumps(data, sort_keys=True, ensure_ascii=False, default=str)
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def normalise_record(record: Record) -> NormalisedItem:
    """Return the stored form of `record`: sanitised, validated, with plain text."""
    external_id = _single_line(record.external_id)
    if not external_id:
        raise InvalidRecordError("no external id")
    if len(external_id) > 500:
        raise InvalidRecordError("external id longer than 500 characters")
    title = _single_line(record.title)
    if not title:
        raise InvalidRecordError("no title")
    if record.kind not in ("content", "service"):
        raise InvalidRecordError(f"unknown kind {record.kind!r}")

    body_html = sanitize_html(record.body_html)
    body_text = html_to_text(body_html)
    summary_text = html_to_text(sanitize_html(record.summary)) if record.summary else ""
    if not summary_text and body_text:
        summary_text = _shorten(body_text, SUMMARY_CHARS)

    guide: dict[str, Any] | None = None
    extra = dict(record.extra or {})
    if record.kind == "service":
        try:
            parsed, guide_extra = ServiceGuide.from_source(dict(record.guide or {}))
        except ValidationError as exc:  # pragma: no cover - from_source moves bad fields
            raise InvalidRecordError(f"service guide: {exc.errors()[0]['msg']}") from None
        guide = parsed.model_dump(mode="json", exclude_defaults=True)
        if guide_extra:
            extra["guide"] = guide_extra

    content_type = record.content_type if record.kind == "content" else None
    if content_type is not None and content_type not in CONTENT_TYPES:
        extra.setdefault("content_type", content_type)
        content_type = "other"

    return NormalisedItem(
        external_id=external_id,
        kind=record.kind,
        content_type=content_type,
        title=title[:1000],
        summary=summary_text or None,
        body_html=body_html,
        body_text=body_text,
        url=_safe_url(record.url),
        language=clean_text(record.language) or _guess_language(title + body_text),
        tags=sorted({t for t in (clean_text(tag) for tag in record.tags or []) if t}),
        published_at=as_utc(record.published_at),
        updated_at=as_utc(record.updated_at),
        guide=guide,
        extra=extra,
    )


@dataclass
class ItemOutcome:
    """What storing did to one item; `guide_diff` for services whose guide changed."""

    item: Item
    outcome: str  # added | updated | unchanged | tombstoned
    reason: str | None = None
    guide_diff: dict[str, Any] | None = None


@dataclass
class StoreCounts:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    tombstoned: int = 0
    shrink_guarded: bool = False
    # Missing from this complete listing but held back by the shrink guard.
    would_tombstone: list[str] = field(default_factory=list)
    outcomes: list[ItemOutcome] = field(default_factory=list)

    def record(self, item: Item, outcome: str, **details: Any) -> None:
        setattr(self, outcome, getattr(self, outcome) + 1)
        self.outcomes.append(ItemOutcome(item, outcome, **details))


def store_items(
    *,
    connector_id: str,
    account_id: str,
    items: Iterable[NormalisedItem],
    complete: bool,
    sync_run_id: int | None,
    now: datetime,
    tombstone_after_misses: int,
    max_shrink: float,
) -> StoreCounts:
    """Insert new items, update changed ones, and retire long-missing ones.

    An item missing from a complete listing is tombstoned only after it has been
    missing from `tombstone_after_misses` consecutive complete listings, and nothing is
    retired when the listing lost more than `max_shrink` of the live items at once (a
    broken page dressed as a 200 must not empty the hall).
    """
    stored = {
        item.external_id: item
        for item in db.session.scalars(db.select(Item).where(Item.connector_id == connector_id))
    }
    department_id = db.session.scalar(
        db.select(Account.department_id).where(Account.id == account_id)
    )
    counts = StoreCounts()
    seen: set[str] = set()
    for data in items:
        seen.add(data.external_id)
        digest = data.content_hash()
        item = stored.get(data.external_id)
        key = link_key(department_id, data)
        if item is None:
            item = Item(connector_id=connector_id, account_id=account_id, first_seen_at=now)
            _assign(item, data, digest, now)
            item.link_key = key
            db.session.add(item)
            db.session.flush()
            _log(item, "added", sync_run_id, now)
            counts.record(item, "added")
        elif item.content_hash != digest or item.tombstoned_at is not None:
            restored = item.tombstoned_at is not None
            diff = guide_diff(item.guide, data.guide) if data.kind == "service" else None
            _assign(item, data, digest, now)
            item.link_key = key
            item.tombstoned_at = None
            item.missing_count = 0
            _log(item, "updated", sync_run_id, now)
            counts.record(item, "updated", reason="restored" if restored else None, guide_diff=diff)
        else:
            item.missing_count = 0
            if item.link_key != key:  # items stored before link keys existed
                item.link_key = key
                _log(item, "reindex", sync_run_id, now)
            counts.record(item, "unchanged")

    if complete:
        live = [i for i in stored.values() if i.tombstoned_at is None]
        missing = [i for i in live if i.external_id not in seen]
        if live and len(missing) > max_shrink * len(live):
            counts.shrink_guarded = True
            counts.would_tombstone = sorted(i.external_id for i in missing)
        else:
            for item in missing:
                item.missing_count += 1
                if item.missing_count >= tombstone_after_misses:
                    item.tombstoned_at = now
                    _log(item, "tombstoned", sync_run_id, now)
                    reason = f"missing from {item.missing_count} complete listings in a row"
                    counts.record(item, "tombstoned", reason=reason)
    db.session.flush()
    return counts


# The country's public sources date their posts in China Standard Time.
_CHINA = timezone(timedelta(hours=8))
_TITLE_NOISE = re.compile(r"[\W_]+", re.UNICODE)


def link_key(department_id: str | None, data: NormalisedItem) -> str | None:
    """Return the key shared by copies of one notice on several channels of a department.

    Copies match by canonical URL (a WeChat article's original link pointing at the
    website's copy) or by normalised title and publication date. An item without a date
    is linked only through its canonical URL: a title alone ("关于…的通知") repeats too
    often to be proof.
    """
    if department_id is None:
        return None
    canonical = _canonical_url(data)
    if canonical:
        original = db.session.scalar(
            db.select(Item.link_key)
            .join(Account)
            .where(Account.department_id == department_id, Item.url == canonical)
            .where(Item.tombstoned_at.is_(None), Item.link_key.is_not(None))
            .limit(1)
        )
        if original:
            return original
    if data.published_at is None:
        return None
    title = _TITLE_NOISE.sub("", unicodedata.normalize("NFKC", data.title)).lower()
    day = data.published_at.astimezone(_CHINA).date().isoformat()
    return hashlib.sha256(f"{department_id}|{title}|{day}".encode()).hexdigest()


def _canonical_url(data: NormalisedItem) -> str | None:
    extra = data.extra if isinstance(data.extra, dict) else {}
    for key in ("canonical_url", "content_source_url"):
        value = _safe_url(extra.get(key)) if isinstance(extra.get(key), str) else None
        if value and value != data.url:
            return value
    return None


def guide_diff(old: dict[str, Any] | None, new: dict[str, Any] | None) -> dict[str, Any] | None:
    """Return the guide fields that changed, each with its old and new value."""
    old, new = old or {}, new or {}
    changed = {
        name: {"old": old.get(name), "new": new.get(name)}
        for name in sorted(old.keys() | new.keys())
        if old.get(name) != new.get(name)
    }
    return changed or None


def _assign(item: Item, data: NormalisedItem, digest: str, now: datetime) -> None:
    for name, value in asdict(data).items():
        setattr(item, name, value)
    tokens = analyse_item(data.title, _searchable_body(data))
    item.title_tokens = tokens.title_tokens
    item.body_tokens = tokens.body_tokens
    item.title_pinyin = tokens.title_pinyin
    item.content_hash = digest
    item.changed_at = now


def _searchable_body(data: NormalisedItem) -> str:
    # Short, telling fields first: long bodies are cut at the analyser's character cap.
    parts = [data.summary or "", " ".join(data.tags)]
    if data.guide:
        guide = data.guide
        parts.append(guide.get("implementing_body") or "")
        parts.extend(guide.get("conditions") or [])
        parts.extend(m.get("name", "") for m in guide.get("materials") or [])
        parts.extend(
            f"{q.get('question', '')} {q.get('answer', '')}" for q in guide.get("faq") or []
        )
    parts.append(data.body_text)
    return "\n".join(p for p in parts if p)


def _log(item: Item, action: str, sync_run_id: int | None, now: datetime) -> None:
    db.session.add(
        ChangeLog(item_id=item.id, action=action, sync_run_id=sync_run_id, changed_at=now)
    )


def log_reindex(item_ids: Iterable[int], now: datetime) -> int:
    """Queue items for re-indexing (their department or account changed); return how many."""
    count = 0
    for item_id in item_ids:
        db.session.add(ChangeLog(item_id=item_id, action="reindex", changed_at=now))
        count += 1
    return count


def _single_line(value: Any) -> str | None:
    """Return `value` as clean text on one line, or None when empty."""
    # Ids and titles are shown and logged one to a line: a CR/LF or U+2028 from the
    # source would otherwise start a forged line of its own.
    text = clean_text(value)
    return (one_line(text).strip() or None) if text else None


def _safe_url(url: str | None) -> str | None:
    url = clean_text(url)
    if not url:
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    # Only web links reach a citizen's browser: never javascript:, data: or file:.
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return url[:2000]


def _guess_language(text: str) -> str:
    return "zh-CN" if _HAN.search(text) else "en"


def _shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
