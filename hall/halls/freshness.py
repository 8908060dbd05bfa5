"""How fresh a result is and where it came from: "synced 2 hours ago from 县人社局网站".

A citizen trusts a notice more when they can see it was checked against its source
recently. An item was last confirmed at the later of its own last change and its
connector's last successful sync (an unchanged item is still confirmed by a sync).
Pages and the API both show this text, in the language asked for, so it is built here
with its own two-language wording rather than from the page's message table.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import select

from hall.extensions import db
from hall.i18n import CHINA_TIME
from hall.sync.models import ConnectorInstance, SyncRun
from hall.timestamps import as_utc, utcnow

# Runs that read the source completely and found it as stored, or stored its changes.
CONFIRMING_STATUSES = ("succeeded", "unchanged")

# Older than this, a date is clearer than "47 days ago".
RELATIVE_DAYS = 30


def last_synced(connector_ids: Iterable[str]) -> dict[str, datetime]:
    """Return when each connector last synced successfully (one query)."""
    ids = sorted(set(connector_ids))
    if not ids:
        return {}
    # The newest confirming run of each connector: walks its runs newest first and stops,
    # where max() would read every run a connector ever had (one an hour, for years).
    latest = (
        select(SyncRun.finished_at)
        .where(
            SyncRun.connector_id == ConnectorInstance.id,
            SyncRun.status.in_(CONFIRMING_STATUSES),
        )
        .order_by(SyncRun.id.desc())
        .limit(1)
        .correlate(ConnectorInstance)
        .scalar_subquery()
    )
    query = select(ConnectorInstance.id, latest).where(ConnectorInstance.id.in_(ids))
    return {connector_id: as_utc(at) for connector_id, at in db.session.execute(query) if at}


def confirmed_at(changed_at: datetime | None, synced_at: datetime | None) -> datetime | None:
    """Return the later of an item's last change and its connector's last good sync."""
    times = [as_utc(t) for t in (changed_at, synced_at) if t is not None]
    return max(times) if times else None


def source_label(account_name: str, platform_label: str, language: str) -> str:
    """Return "县人社局网站", or "平安某市（微博）" when the name does not say the platform."""
    if not platform_label or account_name.endswith(platform_label):
        return account_name
    return (
        f"{account_name}（{platform_label}）"
        if language == "zh"
        else (f"{account_name} ({platform_label})")
    )


def freshness_text(
    moment: datetime | None, source: str, language: str, now: datetime | None = None
) -> str:
    """Return "synced 2 hours ago from …" ("2 小时前同步自…"); only the source if no time."""
    if moment is None:
        return f"来自{source}" if language == "zh" else f"from {source}"
    when = relative_time(moment, language, now)
    if language == "zh":
        return f"{when}同步自{source}"
    return f"synced {when} from {source}"


def relative_time(moment: datetime, language: str, now: datetime | None = None) -> str:
    """Return how long ago `moment` was in words ("2 小时前", "2 hours ago", or a date)."""
    age = (now or utcnow()) - as_utc(moment)
    zh = language == "zh"
    if age < timedelta(minutes=1):
        return "刚刚" if zh else "just now"
    if age >= timedelta(days=RELATIVE_DAYS):
        day = as_utc(moment).astimezone(CHINA_TIME).strftime("%Y-%m-%d")
        return f"于 {day} " if zh else f"on {day}"
    seconds = age.total_seconds()
    # Ages under a minute returned above, so the minute always fits.
    unit_seconds, zh_unit, en_unit = next(
        unit
        for unit in ((86400, "天", "day"), (3600, "小时", "hour"), (60, "分钟", "minute"))
        if seconds >= unit[0]
    )
    count = int(seconds // unit_seconds)
    if zh:
        return f"{count} {zh_unit}前"
    return f"{count} {en_unit}{'' if count == 1 else 's'} ago"
