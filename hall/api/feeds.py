"""Open formats out: Atom feeds, OpenSearch, sitemaps and robots.txt, and JSON-LD helpers.

Views parse the address, call one function in hall.halls.export_feeds, and write the
answer in its format. The URL table is at the bottom.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from xml.etree.ElementTree import Element, SubElement, tostring

from feedgen.ext.base import BaseEntryExtension
from feedgen.feed import FeedGenerator
from feedgen.util import xml_elem
from flask import Blueprint, Response, abort, current_app, request, url_for
from sqlalchemy.exc import SQLAlchemyError

from hall.catalog.models import Item
from hall.directory.models import Department
from hall.halls import export_feeds, services
from hall.halls.export_feeds import Feed, SitemapUrl
from hall.halls.models import Hall
from hall.halls.services import FILTERS, MAX_PAGE, SearchParams
from hall.i18n import current_language

bp = Blueprint("feeds", __name__)

# Feed readers and crawlers poll; five minutes of staleness costs nobody anything.
CACHE_SECONDS = 300
OPENSEARCH_NS = "http://a9.com/-/spec/opensearch/1.1/"
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
# Private or endless addresses crawlers have no business in (the URL table of each area).
ROBOTS_DISALLOW = (
    "/admin",
    "/console",
    "/login",
    "/logout",
    "/account/",
    "/messages/",  # a citizen's private link to follow their message
    "/search",
    "/halls/*/search",  # endless result pages; the items they list are in the sitemap
    "/halls/*/preview/",
)


def hall_feed(hall_id: str) -> Response:
    """The hall's newest services and notices, as Atom."""
    hall = services.get_hall(hall_id)
    return _atom(export_feeds.hall_feed(hall, current_language()))


def search_feed(hall_id: str) -> Response:
    """A search of the hall as Atom: the same words, filters and order as its results page."""
    hall = services.get_hall(hall_id)
    feed = export_feeds.search_feed(hall, _search_params(), current_language())
    return _atom(feed)


def opensearch(hall_id: str) -> Response:
    """The hall's OpenSearch 1.1 description, so a browser can search the hall directly."""
    found = export_feeds.opensearch_description(services.get_hall(hall_id), current_language())
    root = Element("OpenSearchDescription", xmlns=OPENSEARCH_NS)
    for name, text in (
        ("ShortName", found.short_name),
        ("Description", found.description),
        ("InputEncoding", "UTF-8"),
        ("OutputEncoding", "UTF-8"),
        ("Language", "zh-CN"),
        ("SyndicationRight", "open"),
    ):
        SubElement(root, name).text = text
    for media_type, template, rel in (
        ("text/html", found.html_template, "results"),
        ("application/atom+xml", found.atom_template, "results"),
        ("application/opensearchdescription+xml", found.self_url, "self"),
    ):
        attributes = {"type": media_type, "template": template, "rel": rel}
        SubElement(root, "Url", attributes)
    body = tostring(root, encoding="utf-8", xml_declaration=True)
    return conditional(Response(body, mimetype="application/opensearchdescription+xml"))


def sitemap_index() -> Response:
    """The sitemap index: every part of every hall's sitemap."""
    return _sitemap("sitemapindex", "sitemap", export_feeds.sitemap_index())


def hall_sitemap(hall_id: str, part: int) -> Response:
    """One part of a hall's sitemap: its home, its departments and its live item pages."""
    hall = services.get_hall(hall_id)
    try:
        urls = export_feeds.hall_sitemap(hall, part)
    except export_feeds.SitemapPartNotFoundError:
        abort(404)
    return _sitemap("urlset", "url", urls)


def robots() -> Response:
    """Crawl the public pages, not the private or endless ones; here is the sitemap."""
    lines = ["User-agent: *", *(f"Disallow: {path}" for path in ROBOTS_DISALLOW), "Allow: /"]
    lines += ["", f"Sitemap: {export_feeds.public_url('feeds.sitemap_index')}", ""]
    return conditional(Response("\n".join(lines), mimetype="text/plain"))


def conditional(response: Response, last_modified: datetime | None = None) -> Response:
    """Let clients cache the answer, and answer 304 when their copy is still current."""
    response.cache_control.public = True
    response.cache_control.max_age = CACHE_SECONDS
    if last_modified is not None:
        response.last_modified = last_modified
    response.add_etag()
    return response.make_conditional(request)


def _atom(feed: Feed) -> Response:
    generator = FeedGenerator()
    generator.id(feed.id)
    generator.title(feed.title)
    if feed.subtitle:
        generator.subtitle(feed.subtitle)
    generator.updated(feed.updated)
    generator.language(feed.language)
    generator.generator("Service Hall")
    generator.link(href=feed.self_url, rel="self", type="application/atom+xml")
    generator.link(href=feed.html_url, rel="alternate", type="text/html")
    for entry in feed.entries:
        out = generator.add_entry(order="append")
        out.id(entry.id)
        out.title(entry.title)
        out.updated(entry.updated)
        if entry.published:
            out.published(entry.published)
        out.link(href=entry.page_url, rel="alternate", type="text/html")
        if entry.source_url:
            out.register_extension("hall_via", _SourceLink, atom=True, rss=False)
            out.hall_via.href = entry.source_url
        if entry.summary:
            out.summary(entry.summary, type="text")
        out.author(name=entry.author_name, uri=entry.author_url)
        for category in entry.categories:
            out.category(term=category.term, label=category.label, scheme=category.scheme)
    body = generator.atom_str(encoding="UTF-8")
    return conditional(Response(body, mimetype="application/atom+xml"), feed.updated)


class _SourceLink(BaseEntryExtension):
    """Write an entry's link to where the department published it, as rel="via".

    feedgen 1.0.0 writes only the href of entry links (lkiesow/python-feedgen#135), which
    would make this link a second "alternate" (invalid Atom); so it is written here.
    """

    href = ""

    def extend_atom(self, entry: Any) -> Any:
        xml_elem("link", entry, href=self.href, rel="via")
        return entry


def _sitemap(root_tag: str, child_tag: str, urls: list[SitemapUrl]) -> Response:
    root = Element(root_tag, xmlns=SITEMAP_NS)
    for url in urls:
        child = SubElement(root, child_tag)
        SubElement(child, "loc").text = url.loc
        if url.lastmod is not None:
            SubElement(child, "lastmod").text = url.lastmod.replace(microsecond=0).isoformat()
    body = tostring(root, encoding="utf-8", xml_declaration=True)
    newest = max((url.lastmod for url in urls if url.lastmod), default=None)
    return conditional(Response(body, mimetype="application/xml"), newest)


def _search_params() -> SearchParams:
    """Read the search as the results page does: odd values are ignored, never a 4xx."""
    args = request.args
    raw_page = args.get("page", "1").strip()
    page = int(raw_page) if raw_page.isascii() and raw_page.isdigit() and len(raw_page) < 6 else 1
    filters = {name: args.get(name, "").strip() or None for name in FILTERS}
    return SearchParams(q=args.get("q", ""), page=min(max(page, 1), MAX_PAGE), **filters)


# ------------------------------------------------------------ template helpers


@bp.app_template_global()
def head_link_hall(hall: Hall | None = None) -> Hall | None:
    """Return the hall whose OpenSearch a page links to: its own, else the default hall."""
    if hall:
        return hall
    try:
        return services.default_hall()
    except services.HallNotFoundError:
        return None
    except SQLAlchemyError:
        # A head link is never worth losing a page: the 500 page renders this too.
        current_app.logger.warning("no default hall for head links", exc_info=True)
        return None


@bp.app_template_global()
def search_feed_url(hall: Hall) -> str:
    """Return the Atom feed of the search this page shows (its words and filters)."""
    args = {name: request.args[name] for name in ("q", *FILTERS) if request.args.get(name)}
    return url_for("feeds.search_feed", hall_id=hall.id, **args)


@bp.app_template_global()
def service_jsonld(item: Item) -> dict[str, Any]:
    """Return the GovernmentService JSON-LD of a service page."""
    return export_feeds.service_jsonld(item, current_language())


@bp.app_template_global()
def department_jsonld(department: Department) -> dict[str, Any]:
    """Return the GovernmentOrganization JSON-LD of a department page."""
    return export_feeds.department_jsonld(department, current_language())


bp.add_url_rule("/halls/<hall_id>/feed.atom", view_func=hall_feed)
bp.add_url_rule("/halls/<hall_id>/search.atom", view_func=search_feed)
bp.add_url_rule("/halls/<hall_id>/opensearch.xml", view_func=opensearch)
bp.add_url_rule("/halls/<hall_id>/sitemap-<int:part>.xml", view_func=hall_sitemap)
bp.add_url_rule("/sitemap.xml", view_func=sitemap_index)
bp.add_url_rule("/robots.txt", view_func=robots)
