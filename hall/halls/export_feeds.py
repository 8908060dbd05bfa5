"""What a hall publishes in open formats: Atom feeds, Open311 services, sitemaps, JSON-LD.

Read-only, like hall.halls.services, whose search and hall scope these reuse: a feed, a
service list or a sitemap never shows an item the hall's own pages would not (only live
items of approved member accounts).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from math import ceil
from typing import Any

from flask import current_app, has_request_context, request, url_for
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from connectors.guide import ServiceGuide
from hall.catalog.models import KINDS, Item
from hall.directory.models import Account, Department
from hall.extensions import db
from hall.halls.models import Hall, hall_account
from hall.halls.services import SearchParams, http_url, public_accounts, search_hall
from hall.i18n import translate

# Entries in one feed document: a feed reader wants what is new, not the archive.
FEED_ENTRIES = 50
# Characters of body text an entry or a service description carries when there is no summary.
SUMMARY_CHARS = 500
# The sitemap protocol's limit of URLs in one file.
SITEMAP_MAX_URLS = 50_000

# Characters XML 1.0 cannot carry at all; a source's stray control byte must not make a
# whole feed unreadable (lxml refuses them, other writers emit broken XML).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


class ServiceNotFoundError(LookupError):
    """No live service of this hall has this service code."""


class SitemapPartNotFoundError(LookupError):
    """A hall's sitemap has no part with this number."""


def public_url(endpoint: str, **values: Any) -> str:
    """Return an absolute URL, on PUBLIC_BASE_URL when set (behind a proxy), else this host."""
    base = current_app.config["PUBLIC_BASE_URL"].strip().rstrip("/")
    if not base:
        return url_for(endpoint, _external=True, **values)
    path = url_for(endpoint, **values)
    # PUBLIC_BASE_URL names the public prefix of the whole app, mount point included.
    root = request.script_root if has_request_context() else ""
    if root and path.startswith(root):
        path = path[len(root) :]
    return base + path


def xml_text(value: str | None) -> str:
    """Return `value` without the characters XML 1.0 cannot hold ('' for None)."""
    return _NOT_XML.sub("", value or "")


def plain_summary(item: Item) -> str:
    """Return an item's summary as plain text: its summary, else the start of its body."""
    text = item.summary or (item.body_text or "")[:SUMMARY_CHARS]
    return xml_text(text).strip()


# ------------------------------------------------------------------------ feeds


@dataclass(frozen=True)
class Category:
    term: str
    label: str
    scheme: str  # scheme + term is the hall's search page filtered on that value


@dataclass(frozen=True)
class FeedEntry:
    id: str  # the item page's absolute URL: stable, and dereferenceable
    title: str
    summary: str
    page_url: str
    source_url: str | None
    published: datetime | None
    updated: datetime
    author_name: str
    author_url: str
    categories: tuple[Category, ...]


@dataclass(frozen=True)
class Feed:
    id: str
    title: str
    subtitle: str | None
    updated: datetime
    self_url: str
    html_url: str
    language: str  # "zh-CN" or "en"
    entries: list[FeedEntry]


def hall_feed(hall: Hall, language: str) -> Feed:
    """Return the hall's newest items, services and notices alike, newest first."""
    return _feed(hall, SearchParams(), language, search=False)


def search_feed(hall: Hall, params: SearchParams, language: str) -> Feed:
    """Return one page of a search as a feed, in the results page's order.

    That is the order of relevance for words, and newest first without words; unknown
    filters are left out, as the page leaves them out.
    """
    return _feed(hall, params, language, search=True)


def _feed(hall: Hall, params: SearchParams, language: str, *, search: bool) -> Feed:
    result = search_hall(hall, replace(params, per_page=FEED_ENTRIES), language)
    items = _live_items([row.id for row in result.rows])
    entries = [_entry(items[row.id], hall, language) for row in result.rows if row.id in items]
    hall_title = xml_text(hall.display_title(language))
    args = _language_arg(language)
    if search:
        used = result.params  # words cut to length, unknown filters dropped
        args |= {"q": used.q} if used.q else {}
        args |= used.filters() | ({"page": used.page} if used.page > 1 else {})
        asked = (
            translate("Search: %(query)s", query=used.q) if used.q else translate("Search results")
        )
        title = f"{xml_text(asked.unescape())} · {hall_title}"
        self_url = public_url("feeds.search_feed", hall_id=hall.id, **args)
        html_url = public_url("public.search", hall_id=hall.id, **args)
    else:
        title = hall_title
        self_url = public_url("feeds.hall_feed", hall_id=hall.id, **args)
        html_url = public_url("public.hall_home", hall_id=hall.id, **args)
    return Feed(
        id=self_url,
        title=title,
        subtitle=xml_text(hall.display_description(language)) or None,
        updated=max((entry.updated for entry in entries), default=hall.created_at),
        self_url=self_url,
        html_url=html_url,
        language="en" if language == "en" else "zh-CN",
        entries=entries,
    )


def _language_arg(language: str) -> dict[str, str]:
    """Return ?lang= for links that must keep a language other than the site's default."""
    return {} if language == current_app.config["DEFAULT_LANGUAGE"] else {"lang": language}


def _live_items(item_ids: list[int]) -> dict[int, Item]:
    if not item_ids:
        return {}
    query = (
        select(Item)
        .where(Item.id.in_(item_ids), Item.tombstoned_at.is_(None))
        .options(joinedload(Item.account).joinedload(Account.department))
    )
    return {item.id: item for item in db.session.scalars(query).unique()}


def _entry(item: Item, hall: Hall, language: str) -> FeedEntry:
    department = item.account.department
    page_url = public_url("public.item", item_id=item.id)
    # The date the item page shows as "Updated", never before publication.
    updated = item.updated_at or item.published_at or item.changed_at
    if item.published_at and item.published_at > updated:
        updated = item.published_at
    search_url = public_url("public.search", hall_id=hall.id)
    source_url = http_url(item.url)
    zh, en = KINDS.get(item.kind, (item.kind, item.kind))
    return FeedEntry(
        id=page_url,
        title=xml_text(item.title) or page_url,
        summary=plain_summary(item),
        page_url=page_url,
        # A link that XML cannot carry as written is left out rather than altered.
        source_url=source_url if source_url == xml_text(source_url) else None,
        published=item.published_at,
        updated=updated,
        author_name=xml_text(department.display_name(language)),
        author_url=public_url("public.department", department_id=department.id),
        categories=(
            Category(department.sector, department.sector_label(language), search_url + "?sector="),
            Category(item.kind, en if language == "en" else zh, search_url + "?kind="),
        ),
    )


# ---------------------------------------------------------------------- Open311


@dataclass(frozen=True)
class Open311Service:
    """One service as GeoReport v2 lists it; the field names are the specification's."""

    service_code: str  # the item id: stable, unique in the hall, and the definition's key
    service_name: str
    description: str
    keywords: str  # comma-separated, as the specification's examples write them
    group: str  # the department's sector
    metadata: bool = False  # no attributes: the hall lists services, it takes no requests
    type: str = "realtime"


def open311_services(hall: Hall, language: str) -> list[Open311Service]:
    """Return the hall's live services in GeoReport v2 terms, by code."""
    return [_open311_service(item, language) for item in _hall_services(hall)]


def open311_service(hall: Hall, service_code: str, language: str) -> Open311Service:
    """Return one live service of the hall by its code, or raise ServiceNotFoundError."""
    code = service_code.strip()
    # The length check first: int() of a ten-thousand-digit string raises.
    if not (code.isascii() and code.isdigit() and len(code) <= 18):
        raise ServiceNotFoundError(service_code)
    found = _hall_services(hall, item_id=int(code))
    if not found:
        raise ServiceNotFoundError(service_code)
    return _open311_service(found[0], language)


def _hall_services(hall: Hall, item_id: int | None = None) -> list[Item]:
    account_ids = [account.id for account in public_accounts(hall)]
    if not account_ids:
        return []
    query = (
        select(Item)
        .where(
            Item.account_id.in_(account_ids),
            Item.kind == "service",
            Item.tombstoned_at.is_(None),
        )
        .options(joinedload(Item.account).joinedload(Account.department))
        .order_by(Item.id)
    )
    if item_id is not None:
        query = query.where(Item.id == item_id)
    return list(db.session.scalars(query).unique())


def _open311_service(item: Item, language: str) -> Open311Service:
    # A comma inside a tag would split it in two for every client.
    keywords = (xml_text(tag).replace(",", " ").strip() for tag in item.tags or ())
    return Open311Service(
        service_code=str(item.id),
        service_name=xml_text(item.title),
        description=plain_summary(item),
        keywords=", ".join(word for word in keywords if word),
        group=xml_text(item.account.department.sector_label(language)),
    )


# ---------------------------------------------------------------------- sitemaps


@dataclass(frozen=True)
class SitemapUrl:
    loc: str
    lastmod: datetime | None = None


def sitemap_index() -> list[SitemapUrl]:
    """Return every part of every hall's sitemap, with the newest change it holds."""
    parts = []
    for hall in db.session.scalars(select(Hall).order_by(Hall.id)):
        fixed, count, lastmod = len(_fixed_urls(hall)), *_item_stats(hall)
        for part in range(1, max(1, ceil((fixed + count) / SITEMAP_MAX_URLS)) + 1):
            loc = public_url("feeds.hall_sitemap", hall_id=hall.id, part=part)
            parts.append(SitemapUrl(loc, lastmod))
    return parts


def hall_sitemap(hall: Hall, part: int) -> list[SitemapUrl]:
    """Return part `part` (from 1) of a hall's sitemap: home, departments, then live items."""
    fixed = _fixed_urls(hall)
    count, _ = _item_stats(hall)
    if not 1 <= part <= max(1, ceil((len(fixed) + count) / SITEMAP_MAX_URLS)):
        raise SitemapPartNotFoundError(part)
    start, end = (part - 1) * SITEMAP_MAX_URLS, part * SITEMAP_MAX_URLS
    urls = fixed[start:end]
    offset = max(0, start - len(fixed))
    limit = end - max(start, len(fixed))
    if limit > 0:
        query = (
            select(Item.id, Item.changed_at)
            .where(*_item_scope(hall))
            .order_by(Item.id)
            .offset(offset)
            .limit(limit)
        )
        urls += [
            SitemapUrl(public_url("public.item", item_id=item_id), changed_at)
            for item_id, changed_at in db.session.execute(query)
        ]
    return urls


def _fixed_urls(hall: Hall) -> list[SitemapUrl]:
    department_ids = sorted({account.department_id for account in public_accounts(hall)})
    return [
        SitemapUrl(public_url("public.hall_home", hall_id=hall.id)),
        *(SitemapUrl(public_url("public.department", department_id=d)) for d in department_ids),
    ]


def _item_scope(hall: Hall) -> Iterable[Any]:
    account_ids = [account.id for account in public_accounts(hall)]
    return (Item.account_id.in_(account_ids), Item.tombstoned_at.is_(None))


def _item_stats(hall: Hall) -> tuple[int, datetime | None]:
    """Return how many live items the hall shows and when the newest change was made."""
    query = select(func.count(Item.id), func.max(Item.changed_at)).where(*_item_scope(hall))
    count, lastmod = db.session.execute(query).one()
    return count, lastmod


# ---------------------------------------------------------------------- JSON-LD


def service_jsonld(item: Item, language: str) -> dict[str, Any]:
    """Return schema.org GovernmentService data of a service item, for its page."""
    guide = item.service_guide or ServiceGuide()
    department = item.account.department
    zh, en = KINDS.get(item.kind, (item.kind, item.kind))
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "GovernmentService",
        "name": item.title,
        "url": public_url("public.item", item_id=item.id),
        "serviceType": guide.item_type or (en if language == "en" else zh),
        "provider": _organization_ref(department, language),
        "description": plain_summary(item) or None,
        "identifier": guide.item_code,
        "sameAs": http_url(item.url),
        "areaServed": _area(department.region_code or _hall_region(item.account_id)),
        "availableChannel": _channels(guide) or None,
    }
    return {name: value for name, value in data.items() if value is not None}


def department_jsonld(department: Department, language: str) -> dict[str, Any]:
    """Return schema.org GovernmentOrganization data of a department, for its page."""
    data = _organization_ref(department, language)
    name = data["name"]
    other_names = [department.name, department.name_en, department.short_name]
    alternate = [n for n in dict.fromkeys([*other_names, *department.aliases]) if n and n != name]
    accounts = [a for a in department.accounts if a.filing_status == "approved"]
    same_as = [url for url in dict.fromkeys(http_url(a.url) for a in accounts) if url]
    parent = department.parent
    extra = {
        "@context": "https://schema.org",
        "alternateName": alternate or None,
        "description": department.description,
        "sameAs": same_as or None,
        "areaServed": _area(department.region_code),
        "parentOrganization": _organization_ref(parent, language) if parent else None,
    }
    data = {**extra, **data}
    return {key: value for key, value in data.items() if value is not None}


def _organization_ref(department: Department, language: str) -> dict[str, Any]:
    return {
        "@type": "GovernmentOrganization",
        "name": department.display_name(language),
        "url": public_url("public.department", department_id=department.id),
    }


def _area(region_code: str | None) -> dict[str, str] | None:
    return {"@type": "AdministrativeArea", "identifier": region_code} if region_code else None


def _hall_region(account_id: str) -> str | None:
    """Return the region code of a hall the account serves in, if one has a code."""
    query = (
        select(Hall.region_code)
        .join(hall_account, hall_account.c.hall_id == Hall.id)
        .where(hall_account.c.account_id == account_id, Hall.region_code.is_not(None))
        .order_by(Hall.id)
        .limit(1)
    )
    return db.session.scalar(query)


def _channels(guide: ServiceGuide) -> list[dict[str, Any]]:
    """Return the ways to use a service: online, by phone, and at places with an address."""
    channels: list[dict[str, Any]] = []
    for url in dict.fromkeys(http_url(u) for u in (guide.online_url, guide.mobile_url)):
        if url:
            channels.append({"@type": "ServiceChannel", "serviceUrl": url})
    if guide.enquiry_phone:
        phone = {"@type": "ContactPoint", "telephone": guide.enquiry_phone}
        channels.append({"@type": "ServiceChannel", "servicePhone": phone})
    for point in guide.service_points:
        if not point.address:
            continue
        place: dict[str, Any] = {"@type": "Place", "name": point.name, "address": point.address}
        if point.phone:
            place["telephone"] = point.phone
        if point.lat is not None and point.lon is not None:
            place["geo"] = {
                "@type": "GeoCoordinates",
                "latitude": point.lat,
                "longitude": point.lon,
            }
        channels.append({"@type": "ServiceChannel", "name": point.name, "servicePlace": place})
    return channels


# -------------------------------------------------------------------- OpenSearch


@dataclass(frozen=True)
class OpenSearchDescription:
    short_name: str  # at most 16 characters, as the specification asks
    description: str  # at most 1024 characters
    html_template: str  # absolute URL templates holding {searchTerms}
    atom_template: str
    self_url: str


def opensearch_description(hall: Hall, language: str) -> OpenSearchDescription:
    """Return what a browser needs to add the hall's search as a search engine."""
    args = _language_arg(language)
    title = xml_text(hall.display_title(language)).strip()
    about = xml_text(hall.display_description(language)).strip()
    what = translate("Search services and notices").unescape()
    # The braces must reach the client as written, so the template is not built by url_for.
    query = "".join(f"{name}={value}&" for name, value in args.items()) + "q={searchTerms}"
    return OpenSearchDescription(
        short_name=title[:16],
        description=(f"{what} · {title}" + (f" · {about}" if about else ""))[:1024],
        html_template=f"{public_url('public.search', hall_id=hall.id)}?{query}",
        atom_template=f"{public_url('feeds.search_feed', hall_id=hall.id)}?{query}",
        self_url=public_url("feeds.opensearch", hall_id=hall.id, **args),
    )
