"""Write and read the audit log. `record` flushes; the caller's transaction commits it."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import inspect, select

from hall.audit.models import AuditEntry
from hall.extensions import db

if TYPE_CHECKING:
    from hall.users.models import User


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


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, set | frozenset):
        return sorted(_jsonable(v) for v in value)
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value
