"""Browse a hall without typing: by department, sector, audience, life event, hot services.

Every list is scoped to the hall's public accounts (members with an approved filing) and
shows live items only, so a link from a browse page never leads to a 404 or a 410. Lists
that can grow are paged; the counts come from the search index's facets or from one
bounded query each. The one write here is `count_view`, a page view's own transaction.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from flask import current_app, url_for
from sqlalchemy import Text, case, cast, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import contains_eager

from hall.catalog.models import Item
from hall.directory.models import SECTORS, Account, Department
from hall.extensions import db
from hall.halls.models import Hall, LifeEvent, LifeEventStep
from hall.halls.services import (
    MAX_PAGE,
    HallSearchResult,
    Paged,
    SearchParams,
    http_url,
    public_accounts,
    search_hall,
)
from hall.reports.models import ItemViewDay
from hall.timestamps import utcnow
from hall.workdays import china_date

AUDIENCES = ("individual", "business")
PER_PAGE = 30  # services on one page of a sector or audience list
HOT_PAGE_COUNT = 20  # services on the hot services page

# User agents that announce a program rather than a person. Counting them would let any
# crawler decide what citizens see as "hot". No user agent at all is a program too.
_BOT_AGENT = re.compile(
    r"bot|crawl|spider|slurp|archiver|fetcher|scrapy|curl|wget|httpie|python-|httpx|aiohttp"
    r"|go-http-client|java/|okhttp|libwww|feedparser|facebookexternalhit|preview",
    re.IGNORECASE,
)


class UnknownBrowseValueError(LookupError):
    """A browse address names a sector or audience that does not exist."""


class TopicNotFoundError(LookupError):
    """The hall has no life event (topic) with this slug."""


@dataclass(frozen=True)
class ServiceRow:
    """One live service as a browse list shows it."""

    id: int
    title: str
    page_url: str
    department_id: str
    department_name: str
    sector: str
    sector_label: str
    online_url: str | None  # http(s) only: where the service is done online
    visits: int | None  # trips to a hall the citizen makes (0: none)
    views: int = 0  # page views in the hot-services window


@dataclass(frozen=True)
class DepartmentEntry:
    """A department of the hall with its counts of services and notices."""

    id: str
    name: str
    services: int
    notices: int


@dataclass(frozen=True)
class SectorEntry:
    sector: str
    label: str
    departments: list[DepartmentEntry]


@dataclass(frozen=True)
class DepartmentGroup:
    id: str
    name: str
    rows: list[ServiceRow]


@dataclass(frozen=True)
class SectorGroup:
    sector: str
    label: str
    departments: list[DepartmentGroup]


@dataclass
class ServicePage(Paged):
    """A page of services grouped by sector, then department, with the pager's numbers."""

    total: int
    page: int
    per_page: int
    groups: list[SectorGroup] = field(default_factory=list)


@dataclass(frozen=True)
class SectorPage:
    sector: str
    label: str
    departments: list[DepartmentEntry]
    services: HallSearchResult


@dataclass(frozen=True)
class TopicStep:
    number: int
    service: ServiceRow
    note: str | None


@dataclass(frozen=True)
class TopicPage:
    topic: LifeEvent
    title: str
    description: str | None
    steps: list[TopicStep]


@dataclass(frozen=True)
class TopicLink:
    """A life event as a link: its topic page, or a search when no topic has that name."""

    title: str
    url: str
    slug: str | None = None
    description: str | None = None
    steps: int = 0  # live steps, as the topic page shows them


def hall_departments(hall: Hall, language: str) -> list[SectorEntry]:
    """Return the hall's departments by sector, each with its service and notice counts."""
    department_ids = {account.department_id for account in public_accounts(hall)}
    if not department_ids:
        return []
    services = _department_counts(hall, "service", language)
    notices = _department_counts(hall, "content", language)
    query = select(Department).where(Department.id.in_(department_ids))
    by_sector: dict[str, list[Department]] = {}
    for department in db.session.scalars(query):
        by_sector.setdefault(department.sector, []).append(department)
    return [
        SectorEntry(
            sector,
            group[0].sector_label(language),
            sorted(
                (
                    DepartmentEntry(
                        department.id,
                        department.display_name(language),
                        services.get(department.id, 0),
                        notices.get(department.id, 0),
                    )
                    for department in group
                ),
                key=lambda entry: (entry.name, entry.id),
            ),
        )
        for sector, group in sorted(by_sector.items(), key=lambda pair: _sector_rank(pair[0]))
    ]


def sector_page(hall: Hall, sector: str, page: int, language: str) -> SectorPage:
    """Return a sector's departments in the hall and a page of its services, newest first."""
    if sector not in SECTORS:
        raise UnknownBrowseValueError(sector)
    departments = next(
        (entry.departments for entry in hall_departments(hall, language) if entry.sector == sector),
        [],
    )
    params = SearchParams(kind="service", sector=sector, page=page, per_page=PER_PAGE)
    zh, en = SECTORS[sector]
    return SectorPage(
        sector, en if language == "en" else zh, departments, search_hall(hall, params, language)
    )


def audience_services(hall: Hall, audience: str, page: int, language: str) -> ServicePage:
    """Return a page of the hall's services for individuals or businesses, by sector."""
    if audience not in AUDIENCES:
        raise UnknownBrowseValueError(audience)
    page = min(max(page, 1), MAX_PAGE)
    account_ids = _public_account_ids(hall)
    if not account_ids:
        return ServicePage(total=0, page=page, per_page=PER_PAGE)
    # The audience lives in the guide's JSON. A LIKE on its text runs the same on SQLite
    # and PostgreSQL and keeps counting and paging in the database; the exact test below
    # only guards against a stray "individual" elsewhere in a guide.
    where = (
        *_live_services(account_ids),
        cast(Item.guide, Text).like(f'%"{audience}"%'),
    )
    total = db.session.scalar(select(func.count(Item.id)).where(*where)) or 0
    query = (
        _services_query()
        .where(*where)
        .order_by(_sector_order(), Department.name, Department.id, Item.title, Item.id)
        .limit(PER_PAGE)
        .offset((page - 1) * PER_PAGE)
    )
    rows = [
        _service_row(item, language)
        for item in db.session.scalars(query).unique()
        if audience in ((item.guide or {}).get("audience") or [])
    ]
    return ServicePage(total=total, page=page, per_page=PER_PAGE, groups=_grouped(rows))


def hall_topics(hall: Hall, language: str, audience: str | None = None) -> list[TopicLink]:
    """Return the hall's life events that have live steps, in order (for an audience)."""
    if audience is not None and audience not in AUDIENCES:
        raise UnknownBrowseValueError(audience)
    return [
        _topic_link(hall, topic, steps, language)
        for topic, steps in _visible_topics(hall)
        if audience is None or topic.audience in (None, audience)
    ]


def topic_page(hall: Hall, slug: str, language: str) -> TopicPage:
    """Return a life event with its live steps in order; TopicNotFoundError if unknown."""
    topic = db.session.scalars(
        select(LifeEvent).where(LifeEvent.hall_id == hall.id, LifeEvent.slug == slug)
    ).first()
    if topic is None:
        raise TopicNotFoundError(slug)
    items = _live_services_by_id([step.item_id for step in topic.steps], hall)
    visible = [step for step in topic.steps if step.item_id in items]
    steps = [
        TopicStep(
            number,
            _service_row(items[step.item_id], language),
            (step.note_en or step.note) if language == "en" else step.note,
        )
        for number, step in enumerate(visible, start=1)
    ]
    return TopicPage(
        topic, topic.display_title(language), topic.display_description(language), steps
    )


def section_topics(hall: Hall, names: list[str], language: str) -> list[TopicLink]:
    """Return the links of a life-events section: the named topics, else every topic.

    A name is a topic's slug or title; a name no topic has (layouts written before topics
    existed) still links somewhere useful, to a search of the hall for it.
    """
    visible = _visible_topics(hall)
    if not names:
        return [_topic_link(hall, topic, steps, language) for topic, steps in visible]
    by_name: dict[str, tuple[LifeEvent, int]] = {}
    for topic, steps in visible:
        for name in (topic.slug, topic.title, topic.title_en):
            if name:
                by_name.setdefault(name.strip().lower(), (topic, steps))
    links = []
    for name in names:
        found = by_name.get(name.strip().lower())
        if found is not None:
            links.append(_topic_link(hall, *found, language))
        else:
            links.append(TopicLink(name, url_for("public.search", hall_id=hall.id, q=name)))
    return links


def hot_services(hall: Hall, language: str, count: int = HOT_PAGE_COUNT) -> list[ServiceRow]:
    """Return the hall's most viewed live services of the last HOT_SERVICES_DAYS days.

    When nothing was viewed in that window (a new hall), the newest services stand in.
    """
    account_ids = _public_account_ids(hall)
    if not account_ids:
        return []
    days = max(1, int(current_app.config["HOT_SERVICES_DAYS"]))
    since = china_date(utcnow()) - timedelta(days=days - 1)
    views = func.sum(ItemViewDay.views).label("views")
    ranked = db.session.execute(
        select(ItemViewDay.item_id, views)
        .join(Item, Item.id == ItemViewDay.item_id)
        .where(ItemViewDay.day >= since, *_live_services(account_ids))
        .group_by(ItemViewDay.item_id)
        .order_by(views.desc(), ItemViewDay.item_id)
        .limit(count)
    ).all()
    if ranked:
        items = _live_services_by_id([item_id for item_id, _ in ranked], hall)
        return [
            _service_row(items[item_id], language, views=int(total))
            for item_id, total in ranked
            if item_id in items
        ]
    newest = (
        _services_query()
        .where(*_live_services(account_ids))
        .order_by(func.coalesce(Item.published_at, Item.first_seen_at).desc(), Item.id.desc())
        .limit(count)
    )
    return [_service_row(item, language) for item in db.session.scalars(newest).unique()]


def is_bot(user_agent: str | None) -> bool:
    """Tell whether a user agent is a program (crawler, script) rather than a person."""
    return not (user_agent or "").strip() or bool(_BOT_AGENT.search(user_agent or ""))


def count_view(item: Item, user_agent: str | None) -> bool:
    """Add one view of a live service's page to today's count (China date); True if counted.

    A view is its own small transaction, committed here: the page it belongs to writes
    nothing else, and a lost count is better than a failed page, so a database error is
    logged and forgotten.
    """
    if item.kind != "service" or not item.is_live or is_bot(user_agent):
        return False
    item_id = item.id
    dialect = {"sqlite": sqlite, "postgresql": postgresql}.get(db.session.get_bind().dialect.name)
    if dialect is None:  # the two databases the hall runs on; no count elsewhere
        return False
    statement = (
        dialect.insert(ItemViewDay)
        .values(item_id=item_id, day=china_date(utcnow()), views=1)
        .on_conflict_do_update(
            index_elements=["item_id", "day"], set_={"views": ItemViewDay.views + 1}
        )
    )
    try:
        db.session.execute(statement)
        db.session.commit()
    except SQLAlchemyError:
        db.session.rollback()
        current_app.logger.warning("could not count a view of item %s", item_id, exc_info=True)
        return False
    return True


def _department_counts(hall: Hall, kind: str, language: str) -> dict[str, int]:
    result = search_hall(hall, SearchParams(kind=kind, per_page=1), language)
    return {facet.value: facet.count for facet in result.facets.get("department", [])}


def _public_account_ids(hall: Hall) -> frozenset[str]:
    return frozenset(account.id for account in public_accounts(hall))


def _live_services(account_ids: frozenset[str]) -> tuple[Any, ...]:
    return (
        Item.account_id.in_(account_ids),
        Item.kind == "service",
        Item.tombstoned_at.is_(None),
    )


def _services_query() -> Any:
    """Return a query of items with their account and department loaded by one join."""
    return (
        select(Item)
        .join(Item.account)
        .join(Account.department)
        .options(contains_eager(Item.account).contains_eager(Account.department))
    )


def _live_services_by_id(item_ids: list[int], hall: Hall) -> dict[int, Item]:
    """Return those of `item_ids` that are live services of the hall's public accounts."""
    account_ids = _public_account_ids(hall)
    if not item_ids or not account_ids:
        return {}
    query = _services_query().where(Item.id.in_(item_ids), *_live_services(account_ids))
    return {item.id: item for item in db.session.scalars(query).unique()}


def _visible_topics(hall: Hall) -> list[tuple[LifeEvent, int]]:
    """Return the hall's life events with their number of live steps, empty ones left out."""
    account_ids = _public_account_ids(hall)
    if not account_ids:
        return []
    steps = func.count(LifeEventStep.id)
    query = (
        select(LifeEvent, steps)
        .join(LifeEventStep, LifeEventStep.life_event_id == LifeEvent.id)
        .join(Item, Item.id == LifeEventStep.item_id)
        .where(LifeEvent.hall_id == hall.id, *_live_services(account_ids))
        .group_by(LifeEvent.id)
        .order_by(LifeEvent.position, LifeEvent.title, LifeEvent.id)
    )
    return [(topic, int(count)) for topic, count in db.session.execute(query)]


def _topic_link(hall: Hall, topic: LifeEvent, steps: int, language: str) -> TopicLink:
    return TopicLink(
        title=topic.display_title(language),
        url=url_for("public.topic", hall_id=hall.id, slug=topic.slug),
        slug=topic.slug,
        description=topic.display_description(language),
        steps=steps,
    )


def _service_row(item: Item, language: str, views: int = 0) -> ServiceRow:
    department = item.account.department
    guide = item.guide or {}
    visits = guide.get("visits")
    return ServiceRow(
        id=item.id,
        title=item.title,
        page_url=url_for("public.item", item_id=item.id),
        department_id=department.id,
        department_name=department.display_name(language),
        sector=department.sector,
        sector_label=department.sector_label(language),
        online_url=http_url(guide.get("online_url")),
        visits=visits if isinstance(visits, int) and not isinstance(visits, bool) else None,
        views=views,
    )


def _grouped(rows: list[ServiceRow]) -> list[SectorGroup]:
    """Group rows already ordered by sector and department, keeping that order."""
    groups: list[SectorGroup] = []
    for row in rows:
        if not groups or groups[-1].sector != row.sector:
            groups.append(SectorGroup(row.sector, row.sector_label, []))
        departments = groups[-1].departments
        if not departments or departments[-1].id != row.department_id:
            departments.append(DepartmentGroup(row.department_id, row.department_name, []))
        departments[-1].rows.append(row)
    return groups


def _sector_rank(sector: str) -> int:
    return list(SECTORS).index(sector) if sector in SECTORS else len(SECTORS)


def _sector_order() -> Any:
    """Return an ORDER BY term that puts sectors in the fixed SECTORS order."""
    return case(
        {sector: rank for rank, sector in enumerate(SECTORS)},
        value=Department.sector,
        else_=len(SECTORS),
    )
