"""Browse and search halls: the one place citizen pages and the JSON API get answers.

Pages and the API call the same functions here, so they cannot disagree about which items
a hall shows, in which order, or with which facet counts. Nothing here writes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from math import ceil
from urllib.parse import urlsplit

from flask import current_app, url_for
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from hall.catalog.models import CONTENT_TYPES, KINDS, Item
from hall.directory.models import SECTORS, Account, Department
from hall.extensions import db
from hall.halls import freshness
from hall.halls.models import Hall
from hall.search.highlight import highlight, snippet
from hall.search.query import SearchAnswer, SearchQuery
from hall.search.spelling import respell, spelling_in

# Deep pages cost the searcher more than they are worth: no citizen reads page 1001.
MAX_PAGE = 1000
FILTERS = ("kind", "sector", "department", "account")
FACETS = ("sector", "department", "kind")


class HallNotFoundError(LookupError):
    """No hall has this id."""


class DepartmentNotFoundError(LookupError):
    """No department has this id."""


class ItemNotFoundError(LookupError):
    """No item has this id, or it belongs to an account that is not public."""


class ItemGoneError(LookupError):
    """The item existed but its source withdrew it (it is tombstoned)."""

    def __init__(self, item: Item):
        super().__init__(f"item {item.id} was withdrawn")
        self.item = item


class UnknownFilterError(ValueError):
    """A search filter names a value this hall does not have."""

    def __init__(self, problems: Mapping[str, str]):
        super().__init__(", ".join(f"{name}={value!r}" for name, value in problems.items()))
        self.problems = dict(problems)


@dataclass(frozen=True)
class SearchParams:
    """What a citizen asked a hall: words, filters and a page."""

    q: str = ""
    kind: str | None = None
    sector: str | None = None
    department: str | None = None
    account: str | None = None
    page: int = 1
    per_page: int | None = None  # None: SEARCH_PER_PAGE

    def filters(self) -> dict[str, str]:
        """Return the filters that are set, by name."""
        return {name: getattr(self, name) for name in FILTERS if getattr(self, name)}


@dataclass(frozen=True)
class Facet:
    """One value of a facet, with its label in the page language and its count."""

    value: str
    label: str
    count: int


@dataclass(frozen=True)
class Channel:
    """Another channel of the department that published the same notice."""

    item_id: int
    account_id: str
    account_name: str
    platform_label: str
    page_url: str
    source_url: str | None


@dataclass(frozen=True)
class ResultRow:
    """One item as a result list shows it."""

    id: int
    kind: str
    kind_label: str
    content_type: str | None
    content_type_label: str | None
    title: Markup  # highlighted, escaped
    snippet: Markup  # highlighted, escaped
    page_url: str  # our item page
    source_url: str | None  # http(s) only
    department_id: str
    department_name: str
    account_id: str
    account_name: str
    sector: str
    sector_label: str
    published_at: datetime | None
    channels: tuple[Channel, ...] = ()  # the same notice on the department's other accounts
    platform_label: str = ""
    synced_at: datetime | None = None  # last confirmed at its source (hall/halls/freshness.py)
    freshness: str = ""  # "synced 2 hours ago from 县人社局网站", in the row's language


class Paged:
    """The pager's numbers of a page of `total` things, `per_page` a page."""

    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        """Return the number of pages (at least 1, at most MAX_PAGE)."""
        return min(max(1, ceil(self.total / self.per_page)), MAX_PAGE)

    @property
    def past_the_end(self) -> bool:
        """Return whether the page asked for lies beyond the last page of results."""
        return self.total > 0 and self.page > self.pages


@dataclass
class HallSearchResult(Paged):
    """A page of results with labelled facets, as pages and the API show them."""

    params: SearchParams
    total: int
    page: int
    per_page: int
    rows: list[ResultRow]
    facets: dict[str, list[Facet]]
    terms: list[str]
    corrected: str | None = None
    ignored: dict[str, str] = field(default_factory=dict)  # unknown filters left out
    showing_corrected: bool = False  # rows are for `corrected`: the query found nothing
    recommended: list[ResultRow] = field(default_factory=list)  # best bets, on page 1


@dataclass(frozen=True)
class DepartmentCount:
    id: str
    name: str
    count: int


@dataclass(frozen=True)
class SectorGroup:
    sector: str
    label: str
    departments: list[DepartmentCount]


def get_hall(hall_id: str) -> Hall:
    """Return the hall with this id, or raise HallNotFoundError."""
    hall = db.session.get(Hall, hall_id)
    if hall is None:
        raise HallNotFoundError(hall_id)
    return hall


def default_hall() -> Hall:
    """Return the hall named by DEFAULT_HALL, else the first hall by id."""
    hall_id = current_app.config.get("DEFAULT_HALL")
    hall = db.session.get(Hall, hall_id) if hall_id else None
    hall = hall or db.session.scalars(select(Hall).order_by(Hall.id).limit(1)).first()
    if hall is None:
        raise HallNotFoundError(hall_id or "")
    return hall


def list_halls() -> list[Hall]:
    """Return every hall, by id."""
    return list(db.session.scalars(select(Hall).order_by(Hall.id)))


def public_accounts(hall: Hall) -> list[Account]:
    """Return the hall's member accounts whose filing is approved: only those are shown."""
    return [account for account in hall.accounts if account.filing_status == "approved"]


def get_department(department_id: str) -> Department:
    """Return the department with this id, or raise DepartmentNotFoundError."""
    department = db.session.get(Department, department_id)
    if department is None:
        raise DepartmentNotFoundError(department_id)
    return department


def list_departments() -> list[Department]:
    """Return every department, by sector then id, with its accounts loaded."""
    query = (
        select(Department)
        .options(joinedload(Department.accounts))
        .order_by(Department.sector, Department.id)
    )
    return list(db.session.scalars(query).unique())


def get_public_item(item_id: int) -> Item:
    """Return a public item; raise ItemNotFoundError, or ItemGoneError when withdrawn."""
    query = (
        select(Item)
        .where(Item.id == item_id)
        .options(joinedload(Item.account).joinedload(Account.department))
    )
    item = db.session.scalars(query).first()
    if item is None or item.account.filing_status != "approved":
        raise ItemNotFoundError(item_id)
    if not item.is_live:
        raise ItemGoneError(item)
    return item


def search_hall(
    hall: Hall,
    params: SearchParams,
    language: str,
    *,
    strict: bool = False,
    spelling: str = "off",
    best_bets: bool = False,
) -> HallSearchResult:
    """Search a hall; unknown filters raise UnknownFilterError if strict, else are ignored.

    The hall's own synonym groups expand the query. `spelling` ("off", "suggest",
    "replace") asks for a did-you-mean; `best_bets` puts pinned items first.
    """
    from hall.halls import relevance  # it builds on this module

    accounts = public_accounts(hall)
    known = {
        "kind": set(KINDS),
        "sector": set(SECTORS),
        "department": {account.department_id for account in accounts},
        "account": {account.id for account in accounts},
    }
    unknown = {name: value for name, value in params.filters().items() if value not in known[name]}
    if unknown and strict:
        raise UnknownFilterError(unknown)
    params = replace(params, **dict.fromkeys(unknown))
    account_ids = frozenset(account.id for account in accounts)
    tuning = relevance.hall_relevance(hall.id)
    result = _search(params, account_ids, language, synonyms=tuning.groups, spelling=spelling)
    result.ignored = unknown
    if best_bets:
        relevance.apply_best_bets(result, hall.id, account_ids, language)
    return result


def department_items(department: Department, page: int, language: str) -> HallSearchResult:
    """Return a page of a department's items from its approved accounts, newest first."""
    account_ids = frozenset(
        account.id for account in department.accounts if account.filing_status == "approved"
    )
    return _search(SearchParams(department=department.id, page=page), account_ids, language)


def sector_groups(hall: Hall, language: str) -> list[SectorGroup]:
    """Return the hall's departments grouped by sector, each with its item count."""
    accounts = public_accounts(hall)
    account_ids = frozenset(account.id for account in accounts)
    everything = _search(SearchParams(per_page=1), account_ids, language)
    counts = {facet.value: facet.count for facet in everything.facets["department"]}

    department_ids = {account.department_id for account in accounts}
    departments = db.session.scalars(select(Department).where(Department.id.in_(department_ids)))
    by_sector: dict[str, list[DepartmentCount]] = {}
    for department in departments:
        by_sector.setdefault(department.sector, []).append(
            DepartmentCount(
                department.id, department.display_name(language), counts.get(department.id, 0)
            )
        )
    order = list(SECTORS)
    return [
        SectorGroup(
            sector,
            _label(SECTORS, sector, language),
            sorted(group, key=lambda count: count.name),
        )
        for sector, group in sorted(by_sector.items(), key=lambda pair: _position(order, pair[0]))
    ]


def rows_for_items(
    item_ids: list[int], language: str, account_ids: frozenset[str]
) -> list[ResultRow]:
    """Return result rows of these live items, in this order, from `account_ids` only."""
    if not account_ids:
        return []
    query = select(Item.id).where(Item.id.in_(item_ids), Item.account_id.in_(account_ids))
    allowed = set(db.session.scalars(query))
    return _rows([i for i in item_ids if i in allowed], [], language, account_ids)


def http_url(url: str | None) -> str | None:
    """Return `url` if it is an absolute http(s) URL, else None: no javascript: links."""
    if not url:
        return None
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return url


def _search(
    params: SearchParams,
    account_ids: frozenset[str],
    language: str,
    *,
    synonyms: tuple[tuple[str, ...], ...] | None = None,
    spelling: str = "off",
) -> HallSearchResult:
    config = current_app.config
    per_page = min(params.per_page or config["SEARCH_PER_PAGE"], config["SEARCH_MAX_PER_PAGE"])
    params = replace(
        params,
        q=params.q.strip()[: config["SEARCH_MAX_QUERY_CHARS"]],
        page=min(max(params.page, 1), MAX_PAGE),
        per_page=per_page,
    )
    if not account_ids:
        # Answered here: a hall with no public account shows nothing, and an empty scope
        # must never be mistaken downstream for "no scope" (None, every account).
        answer = SearchAnswer(
            total=0, page=params.page, per_page=per_page, item_ids=[], facets={}, terms=[]
        )
    else:
        query = SearchQuery(
            text=params.q,
            account_ids=account_ids,
            kind=params.kind,
            sector=params.sector,
            department=params.department,
            account=params.account,
            page=params.page,
            per_page=per_page,
            synonyms=synonyms,
            spelling=spelling,
        )
        answer = current_app.extensions["hall.search"].search(query)
    return HallSearchResult(
        params=params,
        total=answer.total,
        page=params.page,
        per_page=per_page,
        rows=_rows(answer.item_ids, answer.terms, language, account_ids),
        facets=_facets(answer.facets, language),
        terms=list(answer.terms),
        corrected=_respelled(answer.corrected, answer.spelling_sources),
        showing_corrected=answer.showing_corrected,
    )


def _respelled(corrected: str | None, sources: Mapping[str, int]) -> str | None:
    """Spell the English words of a correction as the titles they came from do."""
    if not corrected or not sources:
        return corrected
    query = select(Item.id, Item.title_tokens).where(Item.id.in_(sources.values()))
    titles = {item_id: tokens for item_id, tokens in db.session.execute(query)}
    spellings = {
        word: spelling_in(word, titles.get(item_id, "")) for word, item_id in sources.items()
    }
    return respell(corrected, {word: spelt for word, spelt in spellings.items() if spelt})


def linked_copies(
    items: list[Item], language: str, account_ids: frozenset[str] | None = None
) -> dict[int, tuple[Channel, ...]]:
    """Return, per item, its live copies on other public accounts (within `account_ids`)."""
    keys = {item.link_key for item in items if item.link_key}
    if not keys:
        return {}
    query = (
        select(Item)
        .join(Item.account)
        .where(
            Item.link_key.in_(keys),
            Item.tombstoned_at.is_(None),
            Account.filing_status == "approved",
        )
        .order_by(Item.id)
    )
    if account_ids is not None:
        query = query.where(Item.account_id.in_(account_ids))
    by_key: dict[str, list[Item]] = {}
    for copy in db.session.scalars(query):
        by_key.setdefault(copy.link_key, []).append(copy)
    return {
        item.id: tuple(
            Channel(
                item_id=copy.id,
                account_id=copy.account_id,
                account_name=copy.account.name,
                platform_label=copy.account.platform_label(language),
                page_url=url_for("public.item", item_id=copy.id),
                source_url=http_url(copy.url),
            )
            for copy in by_key.get(item.link_key, [])
            if copy.id != item.id
        )
        for item in items
        if item.link_key
    }


def _rows(
    item_ids: list[int], terms: list[str], language: str, account_ids: frozenset[str]
) -> list[ResultRow]:
    """Load a page of items in one query, keeping the search order and skipping the vanished."""
    if not item_ids:
        return []
    query = (
        select(Item)
        .where(Item.id.in_(item_ids), Item.tombstoned_at.is_(None))
        .options(joinedload(Item.account).joinedload(Account.department))
    )
    items = {item.id: item for item in db.session.scalars(query).unique()}
    copies = linked_copies(list(items.values()), language, account_ids)
    synced = freshness.last_synced(item.connector_id for item in items.values())
    return [
        _row(items[i], terms, language, copies.get(i, ()), synced.get(items[i].connector_id))
        for i in item_ids
        if i in items
    ]


def _row(
    item: Item,
    terms: list[str],
    language: str,
    channels: tuple[Channel, ...] = (),
    last_sync: datetime | None = None,
) -> ResultRow:
    department = item.account.department
    platform_label = item.account.platform_label(language)
    synced_at = freshness.confirmed_at(item.changed_at, last_sync)
    source = freshness.source_label(item.account.name, platform_label, language)
    return ResultRow(
        id=item.id,
        kind=item.kind,
        kind_label=_label(KINDS, item.kind, language),
        content_type=item.content_type,
        content_type_label=(
            _label(CONTENT_TYPES, item.content_type, language) if item.content_type else None
        ),
        title=highlight(item.title, terms),
        snippet=snippet(item.summary or item.body_text or "", terms),
        page_url=url_for("public.item", item_id=item.id),  # the one page both doors link to
        source_url=http_url(item.url),
        department_id=department.id,
        department_name=department.display_name(language),
        account_id=item.account.id,
        account_name=item.account.name,
        sector=department.sector,
        sector_label=department.sector_label(language),
        published_at=item.sort_time,
        channels=channels,
        platform_label=platform_label,
        synced_at=synced_at,
        freshness=freshness.freshness_text(synced_at, source, language),
    )


def _facets(raw: Mapping[str, Mapping[str, int]], language: str) -> dict[str, list[Facet]]:
    """Label the searcher's facet counts; most frequent first, then by label."""
    department_ids = list(raw.get("department", {}))
    names = {
        department.id: department.display_name(language)
        for department in (
            db.session.scalars(select(Department).where(Department.id.in_(department_ids)))
            if department_ids
            else ()
        )
    }
    labels = {
        "sector": lambda value: _label(SECTORS, value, language),
        "kind": lambda value: _label(KINDS, value, language),
        "department": lambda value: names.get(value, value),
    }
    return {
        name: sorted(
            (
                Facet(value, labels[name](value), count)
                for value, count in raw.get(name, {}).items()
                if count > 0
            ),
            key=lambda facet: (-facet.count, facet.label),
        )
        for name in FACETS
    }


def _label(table: Mapping[str, tuple[str, str]], value: str, language: str) -> str:
    zh, en = table.get(value, (value, value))
    return en if language == "en" else zh


def _position(order: list[str], value: str) -> int:
    return order.index(value) if value in order else len(order)
