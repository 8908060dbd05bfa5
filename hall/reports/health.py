"""Account health: how recently each account posted, whether citizens can reach it, and
whether its sources sync.

Computed on demand from items, connectors and sync runs (a few GROUP BY queries, however
many accounts), so a report is always current. Channels are the exception: requesting
them takes time, so hall/reports/channels.py checks them daily and reports read the answer.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from hall.catalog.models import Item
from hall.directory.models import Account, Department
from hall.exchange.services import ReplyStats, reply_stats
from hall.extensions import db
from hall.halls.models import hall_account
from hall.halls.services import get_department, get_hall
from hall.sync.models import ConnectorInstance, SyncRun
from hall.timestamps import as_utc, utcnow

# The inspection rule (DOMAIN.md, "Health rules used by inspections"): days since the last
# item. Filing statuses that take an account off the air come first, in their own words.
ACTIVE_DAYS = 7  # active: 0-7 days
WARNING_DAYS = 14  # warning: 8-14 days; inactive from 15
DORMANT_AFTER_DAYS = 90  # dormant: more than 90 days, or nothing ever
# Reply times of citizens' messages are reported over this many days.
REPLY_WINDOW_DAYS = 90
RECENT_DAYS = 30  # the "items in the last 30 days" window
OFF_AIR_FILING_STATUSES = ("suspended", "closed")

# Every status, in the order reports list them: id -> (Chinese label, English label).
STATUSES: dict[str, tuple[str, str]] = {
    "active": ("活跃", "Active"),
    "warning": ("预警", "Warning"),
    "inactive": ("不活跃", "Inactive"),
    "dormant": ("休眠", "Dormant"),
    "suspended": ("已暂停", "Suspended"),
    "closed": ("已关停", "Closed"),
}

# Interaction channel states (`channel_state_for` decides): id -> what it means.
CHANNEL_STATES: dict[str, str] = {
    "unknown": "never filed: the filing has no record of channels",
    "none": "filed with no channel: fails an inspection outright",
    "unchecked": "channels filed, but no address to check or not checked yet",
    "works": "the address answered at the last check",
    "fails": "the address did not answer properly at the last check",
}

# Runs that prove a source answered: an unchanged listing is a success too.
SUCCESSFUL_RUN_STATUSES = ("succeeded", "unchanged")


def status_label(status: str, language: str = "zh") -> str:
    """Return a status's label in the language."""
    zh, en = STATUSES[status]
    return en if language == "en" else zh


@dataclass(frozen=True)
class AccountHealth:
    """One account's health on one day."""

    department_id: str
    department_name: str
    sector: str
    account_id: str
    account_name: str
    platform: str
    filing_status: str
    status: str
    last_item_at: datetime | None
    days_since_last_item: int | None
    items_last_30_days: int
    channel_state: str  # one of CHANNEL_STATES
    channel_detail: str | None  # the last check's answer in plain words ("answered 404")
    channel_checked_at: datetime | None
    connectors: int  # enabled connectors
    consecutive_failures: int  # the worst of its enabled connectors
    last_error: str | None  # of its latest failed run, even if a later run succeeded
    last_error_at: datetime | None
    last_success_at: datetime | None

    @property
    def interaction_ok(self) -> bool | None:
        """Whether citizens can reach the account: None when nobody can tell yet."""
        # Stored as such in health snapshots, so the column outlives the finer states.
        return {"works": True, "none": False, "fails": False}.get(self.channel_state)

    @property
    def sync_failing(self) -> bool:
        """Whether a source of the account failed its latest run(s)."""
        return self.consecutive_failures > 0

    @property
    def problems(self) -> list[str]:
        """Return what an inspection would flag, in short English phrases."""
        problems = []
        if self.status in ("inactive", "dormant"):
            silence = (
                "no items ever"
                if self.days_since_last_item is None
                else f"{self.days_since_last_item} days since the last item"
            )
            problems.append(f"{self.status}: {silence}")
        if self.channel_state == "none":
            problems.append("no interaction channel filed")
        elif self.channel_state == "fails":
            problems.append(f"interaction channel fails: {self.channel_detail or 'no answer'}")
        if self.sync_failing:
            problem = f"sync failing ({self.consecutive_failures} in a row)"
            if self.last_error:
                problem += f": {self.last_error}"
            problems.append(problem)
        return problems


@dataclass(frozen=True)
class HealthReport:
    """The health of a department's or a hall's accounts, with counts per status."""

    title: str
    generated_at: datetime
    rows: list[AccountHealth]
    summary: dict[str, int] = field(default_factory=dict)


def status_for(days_since_last_item: int | None, filing_status: str = "approved") -> str:
    """Return the health status for the days since the last item and the filing status."""
    if filing_status in OFF_AIR_FILING_STATUSES:
        return filing_status
    if days_since_last_item is None or days_since_last_item > DORMANT_AFTER_DAYS:
        return "dormant"
    if days_since_last_item <= ACTIVE_DAYS:
        return "active"
    if days_since_last_item <= WARNING_DAYS:
        return "warning"
    return "inactive"


def compute_health(
    accounts: Iterable[str] | None = None, now: datetime | None = None
) -> list[AccountHealth]:
    """Return the health of the accounts with these ids (default: every account)."""
    condition = None if accounts is None else Account.id.in_(list(accounts))
    return _compute(condition, now)


def summarise(healths: Iterable[AccountHealth]) -> dict[str, int]:
    """Count accounts per status, every status present, in report order."""
    counts = Counter(health.status for health in healths)
    return {status: counts[status] for status in STATUSES}


def department_report(department_id: str, now: datetime | None = None) -> HealthReport:
    """Return the health of a department's accounts; DepartmentNotFoundError if none."""
    department = get_department(department_id)
    rows = _compute(Account.department_id == department.id, now)
    return _report(department.name, rows, now)


def hall_report(hall_id: str, now: datetime | None = None) -> HealthReport:
    """Return the health of a hall's member accounts; HallNotFoundError if none."""
    hall = get_hall(hall_id)
    members = select(hall_account.c.account_id).where(hall_account.c.hall_id == hall.id)
    rows = _compute(Account.id.in_(members), now)
    return _report(hall.title, rows, now)


def reply_times(
    department_ids: Iterable[str] | None = None, now: datetime | None = None
) -> list[ReplyStats]:
    """Return how departments answered citizens' messages over the last REPLY_WINDOW_DAYS.

    Inspections fail departments that answer late (questions within 5 working days,
    complaints within 7), so the health pages show this beside the accounts.
    """
    since = (as_utc(now) or utcnow()) - timedelta(days=REPLY_WINDOW_DAYS)
    ids = None if department_ids is None else sorted(set(department_ids))
    return reply_stats(ids, since)


def all_accounts_report(now: datetime | None = None) -> HealthReport:
    """Return the health of every account."""
    return _report("all accounts", _compute(None, now), now)


@dataclass(frozen=True)
class WeekCount:
    """How many live items are dated in one 7-day window."""

    start: datetime
    count: int


def weekly_item_counts(
    *,
    account_id: str | None = None,
    department_id: str | None = None,
    weeks: int = 12,
    now: datetime | None = None,
) -> list[WeekCount]:
    """Count live items per 7-day window over the last `weeks`, oldest first."""
    now = as_utc(now) or utcnow()
    starts = [now - timedelta(days=7 * (weeks - index)) for index in range(weeks)]
    item_date = _item_date()
    # Windows are (start, start + 7 days], so an item posted at `now` counts this week.
    # One column per window keeps it one portable query (no dialect's date_trunc).
    columns = [
        func.coalesce(
            func.sum(case(((item_date > start) & (item_date <= start + timedelta(days=7)), 1))),
            0,
        )
        for start in starts
    ]
    query = select(*columns).where(Item.tombstoned_at.is_(None), item_date > starts[0])
    if account_id is not None:
        query = query.where(Item.account_id == account_id)
    if department_id is not None:
        query = query.where(
            Item.account_id.in_(select(Account.id).where(Account.department_id == department_id))
        )
    counts = db.session.execute(query).one()
    return [WeekCount(start, int(count)) for start, count in zip(starts, counts, strict=True)]


def _item_date() -> ColumnElement[datetime]:
    # Many sources give no publication date; the day the sync first saw the item is
    # then the best evidence that the account posted it.
    return func.coalesce(Item.published_at, Item.first_seen_at)


def _report(title: str, rows: list[AccountHealth], now: datetime | None) -> HealthReport:
    return HealthReport(
        title=title, generated_at=as_utc(now) or utcnow(), rows=rows, summary=summarise(rows)
    )


def _compute(condition: ColumnElement[bool] | None, now: datetime | None) -> list[AccountHealth]:
    """Run one statement: the accounts, outer-joined to per-account aggregates."""
    now = as_utc(now) or utcnow()
    item_date = _item_date()
    selected_ids = select(Account.id)
    if condition is not None:
        selected_ids = selected_ids.where(condition)

    items = (
        select(
            Item.account_id,
            func.max(item_date).label("last_item_at"),
            func.sum(case((item_date >= now - timedelta(days=RECENT_DAYS), 1), else_=0)).label(
                "recent"
            ),
        )
        .where(Item.tombstoned_at.is_(None), Item.account_id.in_(selected_ids))
        .group_by(Item.account_id)
        .subquery()
    )
    connectors = (
        select(
            ConnectorInstance.account_id,
            func.count().label("connectors"),
            func.max(ConnectorInstance.consecutive_failures).label("failures"),
        )
        # A disabled connector's old failures say nothing about the account today.
        .where(ConnectorInstance.enabled.is_(True), ConnectorInstance.account_id.in_(selected_ids))
        .group_by(ConnectorInstance.account_id)
        .subquery()
    )
    runs = (
        select(
            ConnectorInstance.account_id,
            func.max(
                case((SyncRun.status.in_(SUCCESSFUL_RUN_STATUSES), SyncRun.finished_at))
            ).label("last_success_at"),
            func.max(case((SyncRun.status == "failed", SyncRun.id))).label("last_failed_run_id"),
        )
        .join(SyncRun, SyncRun.connector_id == ConnectorInstance.id)
        .where(ConnectorInstance.account_id.in_(selected_ids))
        .group_by(ConnectorInstance.account_id)
        .subquery()
    )
    failed_run = aliased(SyncRun)
    query = (
        select(
            Account,
            Department.name,
            Department.sector,
            items.c.last_item_at,
            items.c.recent,
            connectors.c.connectors,
            connectors.c.failures,
            runs.c.last_success_at,
            failed_run.error,
            failed_run.finished_at,
        )
        .join(Department, Account.department_id == Department.id)
        .outerjoin(items, items.c.account_id == Account.id)
        .outerjoin(connectors, connectors.c.account_id == Account.id)
        .outerjoin(runs, runs.c.account_id == Account.id)
        .outerjoin(failed_run, failed_run.id == runs.c.last_failed_run_id)
        .order_by(Account.department_id, Account.id)
    )
    if condition is not None:
        query = query.where(condition)

    healths = []
    for row in db.session.execute(query):
        (account, department_name, sector, last_item_at, recent, connector_count, failures,
         last_success_at, last_error, last_error_at) = row  # fmt: skip
        days = None if last_item_at is None else max(0, (now - last_item_at).days)
        healths.append(
            AccountHealth(
                department_id=account.department_id,
                department_name=department_name,
                sector=sector,
                account_id=account.id,
                account_name=account.name,
                platform=account.platform,
                filing_status=account.filing_status,
                status=status_for(days, account.filing_status),
                last_item_at=last_item_at,
                days_since_last_item=days,
                items_last_30_days=int(recent or 0),
                channel_state=channel_state_for(account),
                channel_detail=account.channel_detail,
                channel_checked_at=account.channel_checked_at,
                connectors=int(connector_count or 0),
                consecutive_failures=int(failures or 0),
                last_error=last_error,
                last_error_at=last_error_at,
                last_success_at=last_success_at,
            )
        )
    return healths


def channel_state_for(account: Account) -> str:
    """Return the state of the account's interaction channel (a CHANNEL_STATES id)."""
    channels = account.interaction_channels
    # A filing that lists no channel fails outright (DOMAIN.md), whatever an address says.
    if channels is not None and not channels:
        return "none"
    # A check is evidence of its own, even for an account whose filing never listed
    # channels (one imported from a file with an address).
    if account.interaction_url and account.channel_checked_at is not None:
        return "works" if account.channel_ok else "fails"
    # Unknown is not the same as "none": the filing was never recorded.
    if channels is None:
        return "unknown"
    return "unchecked"


def record_daily_snapshot(now: datetime | None = None) -> int:
    """Store today's health of every account (replacing today's earlier snapshot); commit."""
    from hall.reports.models import HealthSnapshot

    now = now or utcnow()
    healths = compute_health(now=now)
    db.session.execute(db.delete(HealthSnapshot).where(HealthSnapshot.day == now.date()))
    db.session.add_all(
        HealthSnapshot(
            day=now.date(),
            account_id=h.account_id,
            status=h.status,
            last_item_at=h.last_item_at,
            items_last_30_days=h.items_last_30_days,
            interaction_ok=h.interaction_ok,
            consecutive_failures=h.consecutive_failures,
            last_error=h.last_error,
            computed_at=now,
        )
        for h in healths
    )
    try:
        db.session.commit()
    except IntegrityError:
        # Another worker stored today's snapshot at the same moment; one is enough.
        db.session.rollback()
        return 0
    return len(healths)
