"""Anonymous search statistics per hall, and content gaps routed from them to departments.

A results-page search adds one to the row (hall, China day, normalised query), and one to
its zero-result count when the query found nothing. Nothing about the person is kept: no
address, no cookie, no session, no time of day; a query that looks like personal data
(an ID, phone or card number, an e-mail address) is stored as "[personal data]". Rows
older than SEARCH_STATS_RETENTION_DAYS are deleted by the worker's daily job.

An administrator reads the top and zero-result queries of a hall, and routes a query
nothing answers to a department as a content gap; the department's operators mark it
answered (saying what they published) or dismissed.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import delete, func, select
from sqlalchemy.dialects import postgresql, sqlite

from hall.audit.services import record, snapshot
from hall.directory.models import Department
from hall.extensions import db
from hall.halls.browse import is_bot
from hall.halls.models import Hall
from hall.halls.results import ResultsPage
from hall.halls.services import get_hall, public_accounts
from hall.reports.export import neutralise_cell
from hall.reports.models import CONTENT_GAP_STATUSES, ContentGap, SearchStat
from hall.search.query import query_key
from hall.timestamps import utcnow
from hall.users.models import User
from hall.users.services import require_admin, require_department
from hall.workdays import china_date

PERSONAL_DATA = "[personal data]"
REPORT_PERIODS = (7, 30, 90)  # days an administrator can look back over
REPORT_ROWS = 50  # queries per list on the report page (the CSV has them all)
MAX_NOTE_CHARS = 1000
CSV_COLUMNS = ("query", "searches", "zero_results")

# Seven or more digits in a row (spaces and dashes allowed between them) are a phone, ID,
# bank card or QQ number far more often than a query; so is anything like an e-mail address.
_PERSONAL = re.compile(r"\d(?:[\s-]?\d){6,}|[^\s@]+@[^\s@]+\.[^\s@]+")


class ContentGapError(ValueError):
    """A content gap cannot be routed or resolved as asked (the message says why)."""


class ContentGapNotFoundError(LookupError):
    """No content gap has this id."""


@dataclass(frozen=True)
class QueryCount:
    query: str
    searches: int
    zero_results: int


@dataclass
class SearchReport:
    """A hall's searches over the last `days` days (China dates from `since` to today)."""

    hall: Hall
    days: int
    since: date
    searches: int
    zero_results: int
    top: list[QueryCount]  # most searched first
    zero: list[QueryCount]  # most often empty first


def stored_query(text: str) -> str:
    """Return the query as statistics keep it: normalised, or "[personal data]"."""
    key = query_key(text)
    return PERSONAL_DATA if _PERSONAL.search(key) else key


def counts_as_search(page: ResultsPage, *, verbatim: bool) -> bool:
    """Tell whether a results page is a search as typed, not a click within one.

    Paging, tabs, facet filters and "search instead for" show the same query again;
    counting them would count one citizen's search several times.
    """
    params = page.result.params
    return page.tab == "all" and params.page == 1 and not params.filters() and not verbatim


def log_search(hall_id: str, page: ResultsPage, *, verbatim: bool, user_agent: str | None) -> bool:
    """Count a results-page search (not a bot's); True if counted. Never raises.

    Its own small transaction, committed here: the page writes nothing else, and a lost
    count is better than a failed page.
    """
    query = stored_query(page.result.params.q)
    if not query or not counts_as_search(page, verbatim=verbatim) or is_bot(user_agent):
        return False
    found = page.result.total > 0 and not page.result.showing_corrected
    found = found or bool(page.result.recommended)
    try:
        _add(hall_id, china_date(utcnow()), query, zero=not found)
        db.session.commit()
    except Exception:  # noqa: BLE001 - statistics must never fail the page
        db.session.rollback()
        current_app.logger.warning("could not count a search of hall %s", hall_id, exc_info=True)
        return False
    return True


def _add(hall_id: str, day: date, query: str, *, zero: bool) -> None:
    """Add one search to a day's row, creating it (an upsert: pages run concurrently)."""
    dialect = {"sqlite": sqlite, "postgresql": postgresql}.get(db.session.get_bind().dialect.name)
    values = {"hall_id": hall_id, "day": day, "query": query, "searches": 1}
    values["zero_results"] = int(zero)
    if dialect is None:  # another database: read, then write
        row = db.session.scalars(
            select(SearchStat).filter_by(hall_id=hall_id, day=day, query=query)
        ).first()
        if row is None:
            db.session.add(SearchStat(**values))
        else:
            row.searches += 1
            row.zero_results += int(zero)
        db.session.flush()
        return
    statement = (
        dialect.insert(SearchStat)
        .values(**values)
        .on_conflict_do_update(
            index_elements=["hall_id", "day", "query"],
            set_={
                "searches": SearchStat.searches + 1,
                "zero_results": SearchStat.zero_results + int(zero),
            },
        )
    )
    db.session.execute(statement)


def purge_search_stats(days: int) -> int:
    """Delete search statistics of days older than `days` ago (China dates); return how many."""
    oldest = china_date(utcnow()) - timedelta(days=days)
    deleted = db.session.execute(delete(SearchStat).where(SearchStat.day < oldest)).rowcount
    db.session.commit()
    return deleted or 0


# The report ----------------------------------------------------------------------------


def search_report(admin: User, hall_id: str, days: int) -> SearchReport:
    """Return a hall's top and zero-result queries over the last `days` days."""
    require_admin(admin)
    hall = get_hall(hall_id)
    if days not in REPORT_PERIODS:
        days = REPORT_PERIODS[0]
    since = china_date(utcnow()) - timedelta(days=days - 1)
    rows = _query_counts(hall.id, since)
    return SearchReport(
        hall=hall,
        days=days,
        since=since,
        searches=sum(row.searches for row in rows),
        zero_results=sum(row.zero_results for row in rows),
        top=rows[:REPORT_ROWS],
        zero=sorted(
            (row for row in rows if row.zero_results),
            key=lambda row: (-row.zero_results, -row.searches, row.query),
        )[:REPORT_ROWS],
    )


def report_csv_bytes(admin: User, hall_id: str, days: int) -> bytes:
    """Return every query of the period with its counts, as UTF-8 CSV with a BOM."""
    report = search_report(admin, hall_id, days)
    buffer = io.StringIO(newline="")
    buffer.write("\ufeff")  # so Excel reads Chinese queries as UTF-8
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for row in _query_counts(report.hall.id, report.since):
        # Queries are typed by anyone: a leading = + - @ must not run as a formula.
        writer.writerow(neutralise_cell(getattr(row, column)) for column in CSV_COLUMNS)
    return buffer.getvalue().encode("utf-8")


def _query_counts(hall_id: str, since: date) -> list[QueryCount]:
    searches = func.sum(SearchStat.searches)
    query = (
        select(SearchStat.query, searches, func.sum(SearchStat.zero_results))
        .where(SearchStat.hall_id == hall_id, SearchStat.day >= since)
        .group_by(SearchStat.query)
        .order_by(searches.desc(), SearchStat.query)
    )
    return [QueryCount(q, int(n), int(zero or 0)) for q, n, zero in db.session.execute(query)]


# Content gaps --------------------------------------------------------------------------


def hall_departments(hall: Hall) -> list[Department]:
    """Return the departments a hall's gaps can be routed to: those with public accounts."""
    ids = {account.department_id for account in public_accounts(hall)}
    if not ids:
        return []
    query = select(Department).where(Department.id.in_(ids)).order_by(Department.id)
    return list(db.session.scalars(query))


def route_gap(
    admin: User, hall_id: str, *, query: str, department_id: str, note: str | None
) -> ContentGap:
    """Send a query nothing answers to a department of the hall, to publish an answer."""
    require_admin(admin)
    hall = get_hall(hall_id)
    key = query_key(query)
    if not key or key == PERSONAL_DATA:
        raise ContentGapError("Choose a query to route.")
    if department_id not in {d.id for d in hall_departments(hall)}:
        raise ContentGapError("Choose a department of this hall.")
    note = (note or "").strip() or None
    if note and len(note) > MAX_NOTE_CHARS:
        raise ContentGapError("A note has at most 1000 characters.")
    same = select(ContentGap).filter_by(
        hall_id=hall.id, query=key, department_id=department_id, status="open"
    )
    if db.session.scalars(same).first() is not None:
        raise ContentGapError("This query is already routed to this department.")
    gap = ContentGap(
        hall_id=hall.id,
        query=key,
        department_id=department_id,
        note=note,
        status="open",
        routed_by=admin.id,
        routed_at=utcnow(),
    )
    db.session.add(gap)
    db.session.flush()
    record("content_gap.route", gap, None, _gap_state(gap), admin)
    return gap


def hall_gaps(admin: User, hall_id: str) -> list[ContentGap]:
    """Return every content gap of a hall, open ones first, newest first."""
    require_admin(admin)
    query = select(ContentGap).where(ContentGap.hall_id == hall_id)
    gaps = db.session.scalars(query.order_by(ContentGap.routed_at.desc(), ContentGap.id.desc()))
    return sorted(gaps, key=lambda gap: gap.status != "open")


def gaps_for(user: User, status: str = "open") -> list[ContentGap]:
    """Return the content gaps of the user's departments (all, for an admin), oldest first."""
    if status not in CONTENT_GAP_STATUSES:
        status = "open"
    query = select(ContentGap).where(ContentGap.status == status)
    if not user.is_admin:
        query = query.where(ContentGap.department_id.in_(sorted(user.department_ids)))
    return list(db.session.scalars(query.order_by(ContentGap.routed_at, ContentGap.id)))


def resolve_gap(user: User, gap_id: int, *, status: str, resolution: str | None) -> ContentGap:
    """Mark an open gap answered (saying what was published) or dismissed (saying why)."""
    gap = db.session.get(ContentGap, gap_id)
    if gap is None:
        raise ContentGapNotFoundError(gap_id)
    require_department(user, gap.department_id)
    if status not in ("answered", "dismissed"):
        raise ContentGapError("Choose answered or dismissed.")
    if gap.status != "open":
        raise ContentGapError("This gap was already resolved.")
    resolution = (resolution or "").strip() or None
    if status == "answered" and not resolution:
        raise ContentGapError("Say what was published to answer it.")
    if resolution and len(resolution) > MAX_NOTE_CHARS:
        raise ContentGapError("A note has at most 1000 characters.")
    before = _gap_state(gap)
    gap.status, gap.resolution = status, resolution
    gap.resolved_by, gap.resolved_at = user.id, utcnow()
    db.session.flush()
    action = "content_gap.answer" if status == "answered" else "content_gap.dismiss"
    record(action, gap, before, _gap_state(gap), user)
    return gap


def _gap_state(gap: ContentGap) -> dict:
    return snapshot(gap, ("hall_id", "query", "department_id", "note", "status", "resolution"))
