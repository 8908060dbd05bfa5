"""Write and read the audit log. `record` flushes; the caller's transaction commits it.

Reading is for administrators only; the admin pages check that before calling here.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, inspect, select

from hall.audit.models import AuditEntry
from hall.extensions import db

if TYPE_CHECKING:
    from hall.users.models import User

PAGE_SIZE = 50
# The filters `search_entries` takes, as the audit page's query parameters are named.
FILTERS = ("actor", "action", "target_type", "target_id")


@dataclass
class AuditPage:
    """One page of audit entries, newest first, and where it sits among the pages."""

    entries: list[AuditEntry]
    total: int
    page: int
    pages: int


@dataclass
class Change:
    """One key of an entry that differs before and after, as text (None: absent)."""

    key: str
    before: str | None
    after: str | None


def snapshot(row: db.Model, fields: Iterable[str]) -> dict[str, Any]:
    """Return the named attributes of a row as JSON-ready values."""
    return {field: _jsonable(getattr(row, field)) for field in fields}


def record(
    action: str,
    target: db.Model,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    user: User | None,
) -> AuditEntry:
    """Add an audit entry for `action` on `target` by `user` (None: the command line)."""
    if inspect(target).identity is None:
        db.session.flush()  # a new row needs its primary key before it can be named
    identity = inspect(target).identity
    entry = AuditEntry(
        user_id=user.id if user is not None else None,
        username=user.username if user is not None else None,
        action=action,
        target_type=target.__tablename__,
        target_id="/".join(str(part) for part in identity),
        before=before,
        after=after,
    )
    db.session.add(entry)
    db.session.flush()
    return entry


def entries_for(target: db.Model) -> list[AuditEntry]:
    """Return the audit entries of one row, oldest first."""
    identity = "/".join(str(part) for part in inspect(target).identity)
    query = (
        select(AuditEntry)
        .where(AuditEntry.target_type == target.__tablename__, AuditEntry.target_id == identity)
        .order_by(AuditEntry.id)
    )
    return list(db.session.scalars(query))


def search_entries(
    *,
    actor: str | None = None,
    action: str | None = None,
    target_type: str | None = None,
    target_id: str | None = None,
    page: int = 1,
    per_page: int = PAGE_SIZE,
) -> AuditPage:
    """Return one page of the entries matching every filter given, newest first.

    Blank filters are ignored; a page outside the range shows the nearest page, so an old
    link after entries were filtered away still shows something.
    """
    conditions = []
    if actor and actor.strip():
        conditions.append(AuditEntry.username == actor.strip().lower())
    if action and action.strip():
        conditions.append(AuditEntry.action == action.strip())
    if target_type and target_type.strip():
        conditions.append(AuditEntry.target_type == target_type.strip())
    if target_id and target_id.strip():
        conditions.append(AuditEntry.target_id == target_id.strip())
    total = db.session.scalar(select(func.count()).select_from(AuditEntry).where(*conditions))
    pages = max(1, -(-total // per_page))
    page = min(max(page, 1), pages)
    query = (
        select(AuditEntry)
        .where(*conditions)
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .offset((page - 1) * per_page)
        .limit(per_page)
    )
    return AuditPage(list(db.session.scalars(query)), total, page, pages)


def audit_vocabulary() -> tuple[list[str], list[str]]:
    """Return the actions and target types the log holds, for the filter form's choices."""
    actions = db.session.scalars(select(AuditEntry.action).distinct().order_by(AuditEntry.action))
    types = db.session.scalars(
        select(AuditEntry.target_type).distinct().order_by(AuditEntry.target_type)
    )
    return list(actions), list(types)


def changes(entry: AuditEntry) -> list[Change]:
    """Return the keys whose value differs between before and after, in key order."""
    before, after = entry.before or {}, entry.after or {}
    return [
        Change(key, _as_text(before, key), _as_text(after, key))
        for key in sorted(before.keys() | after.keys())
        if key not in before or key not in after or before[key] != after[key]
    ]


def _as_text(values: dict[str, Any], key: str) -> str | None:
    if key not in values:
        return None
    value = values[key]
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, set | frozenset):
        return sorted(_jsonable(v) for v in value)
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value
