"""A site's pages, found through its sitemap: title, description, main text and JSON-LD.

What the source looks like
--------------------------
The configured URL is a sitemap (``<urlset>`` of ``<url><loc>…</loc><lastmod>…</lastmod>``
entries, sitemaps.org protocol 0.9), a sitemap index (``<sitemapindex>`` of
``<sitemap><loc>`` entries naming further sitemaps, which may themselves be indexes), or
a plain-text sitemap (one URL per line). Any of them may be gzip-compressed
(``sitemap.xml.gz``): recognised by its magic bytes, inflated in bounded steps and cut
off at the session's size cap, like a body the server compressed on the wire.
Namespaces are ignored, so sitemaps that forget or misspell theirs are still read.

XML is parsed with defusedxml: entity declarations (billion laughs, XXE) and external
references are refused. A sitemap that cannot be fetched, is refused or is not a sitemap
fails the run when it is the configured one; when it is nested in an index it becomes a
`RecordError` and the listing is marked incomplete (the pages it held must not be
retired). Nested indexes are followed at most ``max_depth`` levels below the configured
URL; a sitemap that lists one of its own ancestors (itself included) is a loop: that
branch stops with a `RecordError`. A sitemap reached a second time by another path is
simply not read again.

Which pages are read
--------------------
Page URLs are kept in sitemap order, each once, when they are http(s) URLs on the host
of the configured sitemap (the sitemap protocol does not let a sitemap speak for other
hosts; those are counted in one `RecordError`) and, when ``include`` is set, when their
path starts with one of its prefixes. At most ``max_urls`` are kept; hitting that cap
(or ``max_depth``) marks the listing incomplete.

With ``respect_robots`` on, the site's ``/robots.txt`` is fetched once through the
guarded session and read with `urllib.robotparser`, matched against the session's user
agent. Disallowed pages are not fetched; each is a `RecordError` (skipped), and they do
not make the listing incomplete: the site asked for them not to be read. Following RFC
9309, a robots.txt answering 4xx means no rules; one that cannot be fetched at all (5xx,
timeout) means every page is disallowed, and the listing is incomplete. ``Crawl-delay``
is not honoured: pages are read one after another, never in parallel. The sitemap
files themselves are not checked against robots.txt: the department chose them.

Each page
---------
A page that cannot be fetched (timeout, 5xx, too large) is a `RecordError` and marks
the listing incomplete, so a transient error never retires anything. A page answering
404 or 410 is gone: a `RecordError`, but the listing stays complete, so a stale sitemap
does not keep deleted pages alive for ever. A body that is not HTML (a PDF in the
sitemap) is skipped with a `RecordError`.

The page is parsed with the standard library's HTML parser:

* ``external_id``: the ``<link rel="canonical">`` URL when it is an http(s) URL on the
  page's own host, else the URL as the sitemap lists it; the first page claiming an id
  wins (canonical links merge ``?page=`` variants). ``url``: the canonical URL, else
  the URL the page was finally read from.
* ``title``: ``og:title``, else the ``ArticleTitle`` meta of Chinese government sites
  (GB/T "政府网站发展指引" metadata), else ``<title>``, else the first ``<h1>``, else the
  URL. ``summary``: ``og:description``, else ``description``.
* ``body_html``: the main text as escaped ``<p>`` paragraphs, one per text block: the
  text inside ``<main>``, else inside ``<article>``, else the whole body; script, style,
  nav, header, footer, aside and form elements are left out.
* ``published_at``: ``article:published_time``, else the ``PubDate`` meta (Beijing
  time when it names no zone, as that standard defines it), else the sitemap's
  ``<lastmod>``; ``updated_at``: ``article:modified_time``, else
  ``<lastmod>`` (ISO 8601 / W3C datetime; a time without zone is read as UTC;
  impossible dates are None).
* ``language``: the configured one, else ``<html lang>``; ``tags``: the ``keywords``
  meta, split on commas, semicolons and ``、``; ``extra``: ``column`` (``ColumnName``)
  and ``source`` (``ContentSource``) when given. ``content_type`` is left empty: a
  page's type is not known.

JSON-LD: every ``GovernmentService`` (or Service provided by a GovernmentOrganization)
on a page becomes a service record through the `connectors.jsonld` mapping, with the
page's URL, language and ``<lastmod>`` (as ``updated_at``) where the markup names
none; such a page gives its services *instead of* a content record. ``kind`` says
what the site's pages are: ``content`` (every page is a record: its services, else
the page) or ``service`` (only services are read; pages without any give nothing).
A JSON-LD block that cannot be parsed is a `RecordError` and marks the listing
incomplete.

Cursor: the configured sitemap's validators (``etag``, ``last_modified``); a 304
answers ``not_modified``. Only the configured URL is asked conditionally: sitemap
generators rewrite an index's ``<lastmod>`` when one of its sitemaps changes.
"""

from __future__ import annotations

import html
import re
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone, tzinfo
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit
from urllib.robotparser import RobotFileParser
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring as parse_xml

from connectors.base import (
    Connector,
    FetchContext,
    FetchError,
    FetchResult,
    Field,
    Record,
    RecordError,
    SampleSource,
    check_language_tag,
    clean_text,
    language_tag,
    plausible_time,
)
from connectors.http import (
    BadContentError,
    HttpStatusError,
    Response,
    ResponseTooLargeError,
)
from connectors.jsonld import read_services

KINDS = ("content", "service")
_GZIP_MAGIC = b"\x1f\x8b"
_INFLATE_STEP = 64 * 1024
_GONE = (404, 410)
_HTML_TYPES = {"text/html", "application/xhtml+xml"}
_PAGE_ACCEPT = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1"
_KEYWORD_SEPARATORS = re.compile(r"[,，、;；]")
# The PubDate meta of Chinese government sites is Beijing time, written without a zone.
_CHINA_STANDARD_TIME = timezone(timedelta(hours=8))


def _check_prefixes(prefixes: list[str]) -> str | None:
    for prefix in prefixes:
        if not prefix.startswith("/"):
            return f"{prefix!r} is not a URL path; paths start with /"
    return None


class SitemapConnector(Connector):
    """Read the pages a sitemap (or sitemap index) lists."""

    type = "sitemap"
    label = "Sitemap"
    description = "Pages of a website found through its sitemap.xml: titles, text and JSON-LD."
    fields = (
        Field(
            "url",
            "url",
            "Sitemap URL",
            required=True,
            help="sitemap.xml, a sitemap index or a .xml.gz; nested indexes are followed.",
        ),
        Field(
            "kind",
            "str",
            "What the pages are",
            default="content",
            choices=KINDS,
            help="content: every page is read (pages with GovernmentService JSON-LD give "
            "services); service: only pages with GovernmentService JSON-LD are read.",
        ),
        Field(
            "include",
            "list",
            "Only paths starting with",
            validate=_check_prefixes,
            help="URL path prefixes such as /zwgk/, /bsfw/; empty reads every page.",
        ),
        Field("max_urls", "int", "Most pages read", default=500, minimum=1),
        Field(
            "max_depth",
            "int",
            "Deepest nested index",
            default=3,
            minimum=0,
            maximum=10,
            help="How many levels of sitemap indexes below the URL are followed.",
        ),
        Field(
            "respect_robots",
            "bool",
            "Obey robots.txt",
            default=True,
            help="Pages the site's robots.txt disallows are not fetched.",
        ),
        Field(
            "language",
            "str",
            "Language",
            validate=check_language_tag,
            help="BCP 47 tag such as zh-CN; empty means each page's own <html lang>.",
        ),
    )

    def fetch(self, context: FetchContext) -> FetchResult:
        """Read the sitemap tree, then fetch every listed page and turn it into records."""
        root_url = self.config["url"]
        response = context.http.get(root_url, conditional=context.cursor)
        if response.not_modified:
            return FetchResult(records=[], cursor=context.cursor, not_modified=True)
        walk = _SitemapWalk(context, self.config)
        walk.read_root(root_url, response)
        errors = walk.errors
        complete = walk.complete
        allowed: Callable[[str], bool] = _allow_all
        if self.config["respect_robots"]:
            allowed, robots_error = _load_robots(context, root_url)
            if robots_error is not None:
                errors.append(robots_error)
                complete = False
        records: dict[str, Record] = {}
        for page_url, lastmod in walk.pages.items():
            if not allowed(page_url):
                errors.append(RecordError("disallowed by robots.txt; not fetched", page_url))
                continue
            complete = self._read_page(context, page_url, lastmod, records, errors) and complete
        return FetchResult(
            records=list(records.values()),
            cursor=response.validators(),
            complete=complete,
            errors=errors,
        )

    def _read_page(
        self,
        context: FetchContext,
        page_url: str,
        lastmod: datetime | None,
        records: dict[str, Record],
        errors: list[RecordError],
    ) -> bool:
        """Add the records of one page; return False when the listing is now incomplete."""
        try:
            response = context.http.get(page_url, headers={"Accept": _PAGE_ACCEPT})
        except HttpStatusError as exc:
            errors.append(RecordError(f"page not read: {exc}", page_url))
            return exc.status in _GONE  # gone for good, unlike a 5xx or a timeout
        except FetchError as exc:
            errors.append(RecordError(f"page not read: {exc}", page_url))
            return False
        if not _is_html(response):
            kind = response.media_type or "unknown content type"
            errors.append(RecordError(f"not an HTML page ({kind}); skipped", page_url))
            return True
        page = parse_page(response.text)
        language = language_tag(self.config["language"]) or language_tag(page.lang)
        services, intact = read_services(response, language, errors)
        for service in services:
            service.url = service.url or response.url
            service.updated_at = service.updated_at or lastmod
            records.setdefault(service.external_id, service)
        if not services and self.config["kind"] == "content":
            record = _page_record(page, page_url, response.url, lastmod, language)
            records.setdefault(record.external_id, record)
        return intact

    @classmethod
    def sample_source(cls, base_url: str) -> SampleSource:
        """Return a two-page sitemap: a notice and a service guide with JSON-LD."""
        base = base_url.rstrip("/")
        sitemap = f"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <url><loc>{base}/zwgk/tzgg/notice-1.html</loc><lastmod>2025-09-01</lastmod></url>
  <url><loc>{base}/bsfw/hukou.html</loc><lastmod>2025-08-20T10:00:00+08:00</lastmod></url>
</urlset>"""
        notice = """<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">
<title>关于2025年秋季学期义务教育招生的通知_青山县人民政府</title>
<meta name="description" content="秋季学期义务教育阶段招生报名安排。"></head>
<body><nav>首页 | 政务公开</nav><main><h1>关于2025年秋季学期义务教育招生的通知</h1>
<p>各有关学校、学生家长：</p><p>现将秋季学期招生报名安排通知如下。</p></main></body></html>"""
        service = """<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">
<title>户口迁入登记</title><script type="application/ld+json">
{"@context": "https://schema.org", "@type": "GovernmentService",
 "identifier": "QS-GA-0001", "name": "户口迁入登记",
 "description": "因投靠、就业等原因将户口迁入本县的登记。",
 "provider": {"@type": "GovernmentOrganization", "name": "青山县公安局"}}
</script></head><body><main><h1>户口迁入登记</h1></main></body></html>"""
        page_type = "text/html; charset=utf-8"
        return SampleSource(
            config={"url": f"{base}/sitemap.xml"},
            documents={
                "/sitemap.xml": ("application/xml", sitemap.encode()),
                "/robots.txt": ("text/plain", b"User-agent: *\nDisallow: /admin/\n"),
                "/zwgk/tzgg/notice-1.html": (page_type, notice.encode()),
                "/bsfw/hukou.html": (page_type, service.encode()),
            },
            expected=2,
        )


def _allow_all(url: str) -> bool:
    return True


def _is_html(response: Response) -> bool:
    if response.media_type:
        return response.media_type in _HTML_TYPES
    return response.content.lstrip()[:1] == b"<"


# -------------------------------------------------------------------- sitemaps


@dataclass
class ParsedSitemap:
    """The entries of one sitemap file: page URLs, or the sitemaps of an index."""

    is_index: bool
    entries: list[tuple[str, str | None]]  # (loc, lastmod) as written


class _SitemapWalk:
    """Walk a sitemap and its nested indexes, collecting page URLs within the caps."""

    def __init__(self, context: FetchContext, config: dict[str, Any]):
        self.context = context
        self.site = (urlsplit(config["url"]).hostname or "").lower()
        self.include = tuple(config["include"] or ())
        self.max_urls = config["max_urls"]
        self.max_depth = config["max_depth"]
        self.pages: dict[str, datetime | None] = {}
        self.errors: list[RecordError] = []
        self.complete = True
        self._read: set[str] = set()
        self._foreign = 0

    @property
    def full(self) -> bool:
        return len(self.pages) >= self.max_urls

    def read_root(self, url: str, response: Response) -> None:
        """Read the configured sitemap (its failure fails the run) and all below it."""
        # Both the configured URL and where a redirect led count as "itself".
        itself = tuple(dict.fromkeys(_without_fragment(u) for u in (url, response.url)))
        self._read.update(itself)
        self._read_sitemap(response, depth=0, ancestors=itself)
        if self._foreign:
            self.errors.append(
                RecordError(f"{self._foreign} URLs on hosts other than {self.site} ignored")
            )

    def _visit(self, url: str, depth: int, ancestors: tuple[str, ...]) -> None:
        if url in ancestors:
            self.errors.append(
                RecordError(f"sitemap {ancestors[-1]} lists {url}, which contains it: a loop")
            )
            return
        if url in self._read:
            return  # reached again through another index: already read
        if depth > self.max_depth:
            self.errors.append(
                RecordError(f"sitemap {url} is nested deeper than {self.max_depth}; not read")
            )
            self.complete = False
            return
        self._read.add(url)
        try:
            response = self.context.http.get(url)
            self._read_sitemap(response, depth, (*ancestors, url))
        except FetchError as exc:
            self.errors.append(RecordError(f"sitemap not read: {exc}"))
            self.complete = False

    def _read_sitemap(self, response: Response, depth: int, ancestors: tuple[str, ...]) -> None:
        parsed = parse_sitemap(
            response.content, response.url, max_bytes=self.context.http.max_bytes
        )
        for loc, lastmod in parsed.entries:
            if self.full:
                # A listing cut short by the cap may leave pages out: never complete.
                self.complete = False
                return
            url = _absolute(response.url, loc)
            if url is None:
                self.errors.append(RecordError(f"sitemap {response.url} lists {loc!r}: not a URL"))
            elif parsed.is_index:
                self._visit(url, depth + 1, ancestors)
            else:
                self._add_page(url, lastmod)

    def _add_page(self, url: str, lastmod: str | None) -> None:
        parts = urlsplit(url)
        if (parts.hostname or "").lower() != self.site:
            self._foreign += 1
        elif not self.include or (parts.path or "/").startswith(self.include):
            self.pages.setdefault(url, _date(lastmod))


def parse_sitemap(content: bytes, url: str, *, max_bytes: int) -> ParsedSitemap:
    """Parse a sitemap, index or text sitemap (gzip or not); raise FetchError if it is none."""
    if content.startswith(_GZIP_MAGIC):
        content = _gunzip(content, url, max_bytes)
    if content.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] != b"<":
        return _text_sitemap(content, url)
    try:
        root = parse_xml(content)
    except DefusedXmlException as exc:
        raise FetchError(f"{url}: refused XML ({type(exc).__name__})") from None
    except ParseError as exc:
        raise FetchError(f"{url} is not well-formed XML ({exc})") from None
    kind = _local(root.tag)
    if kind not in ("urlset", "sitemapindex"):
        raise FetchError(f"{url} is not a sitemap (its root element is <{kind}>)")
    entry_tag = "url" if kind == "urlset" else "sitemap"
    entries = []
    for entry in root:
        if _local(entry.tag) != entry_tag:
            continue
        loc = _child_text(entry, "loc")
        if loc:
            entries.append((loc, _child_text(entry, "lastmod")))
    return ParsedSitemap(is_index=kind == "sitemapindex", entries=entries)


def _gunzip(content: bytes, url: str, max_bytes: int) -> bytes:
    """Inflate a gzip file in bounded steps, refusing output over `max_bytes`."""
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    chunks: list[bytes] = []
    size = 0
    pending = content
    try:
        while not inflater.eof:
            # max_length bounds each step, so a bomb is counted before it is inflated.
            chunk = inflater.decompress(pending, _INFLATE_STEP)
            pending = inflater.unconsumed_tail
            if not chunk and not pending:
                raise BadContentError("the gzip data is truncated", url)
            size += len(chunk)
            if size > max_bytes:
                raise ResponseTooLargeError(
                    f"the sitemap inflates to more than the limit of {max_bytes} bytes", url
                )
            chunks.append(chunk)
    except zlib.error as exc:
        raise BadContentError(f"could not inflate the gzip data: {exc}", url) from None
    return b"".join(chunks)


def _text_sitemap(content: bytes, url: str) -> ParsedSitemap:
    lines = (clean_text(line) for line in content.decode("utf-8", errors="replace").splitlines())
    entries = [(line, None) for line in lines if line and re.match(r"https?://", line)]
    if not entries:
        raise FetchError(f"{url} is not a sitemap (neither XML nor a list of URLs)")
    return ParsedSitemap(is_index=False, entries=entries)


def _local(tag: Any) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _child_text(element: Element, name: str) -> str | None:
    for child in element:
        if _local(child.tag) == name:
            return clean_text(child.text)
    return None


def _absolute(base: str, loc: str) -> str | None:
    url = _without_fragment(urljoin(base, loc))
    parts = urlsplit(url)
    return url if parts.scheme in ("http", "https") and parts.hostname else None


def _without_fragment(url: str) -> str:
    return urlunsplit(urlsplit(url)._replace(fragment=""))


# ---------------------------------------------------------------------- robots


def _load_robots(
    context: FetchContext, site_url: str
) -> tuple[Callable[[str], bool], RecordError | None]:
    """Return a test of which URLs robots.txt allows, and the error when it was unreadable."""
    parts = urlsplit(site_url)
    netloc = parts.netloc.rpartition("@")[2]
    robots_url = urlunsplit((parts.scheme, netloc, "/robots.txt", "", ""))
    try:
        response = context.http.get(robots_url, headers={"Accept": "text/plain"})
    except HttpStatusError as exc:
        if 400 <= exc.status < 500:
            return _allow_all, None  # RFC 9309: no robots.txt, no rules
        return _disallow_all, RecordError(f"every page skipped: robots.txt unreadable ({exc})")
    except FetchError as exc:
        # RFC 9309: a robots.txt that cannot be reached means nothing may be crawled.
        return _disallow_all, RecordError(f"every page skipped: robots.txt unreadable ({exc})")
    rules = RobotFileParser(robots_url)
    rules.parse(response.text.splitlines())
    agent = context.http.user_agent
    return (lambda url: rules.can_fetch(agent, url)), None


def _disallow_all(url: str) -> bool:
    return False


# ----------------------------------------------------------------------- pages


class PageParser(HTMLParser):
    """What a page says about itself: head metadata and its main text."""

    _SKIPPED = {
        "script", "style", "noscript", "template", "head", "nav", "header", "footer",
        "aside", "form", "select", "button", "svg", "iframe",
    }  # fmt: skip
    _BLOCKS = {
        "p", "br", "div", "li", "tr", "td", "th", "ul", "ol", "table", "section",
        "article", "main", "blockquote", "pre", "h1", "h2", "h3", "h4", "h5", "h6", "hr",
        "dd", "dt", "figcaption",
    }  # fmt: skip

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lang: str | None = None
        self.canonical: str | None = None
        self.meta: dict[str, str] = {}
        self.title: str | None = None
        self.heading: str | None = None
        self._parts: dict[str, list[str]] = {"main": [], "article": [], "body": []}
        self._open = {"main": 0, "article": 0, "skip": 0, "title": 0, "h1": 0}
        self._title_parts: list[str] = []
        self._heading_parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "html" and self.lang is None:
            self.lang = clean_text(values.get("lang") or values.get("xml:lang"))
        elif tag == "meta":
            name = (values.get("property") or values.get("name") or "").strip().lower()
            content = clean_text(values.get("content"))
            if name and content:
                self.meta.setdefault(name, content)
        elif tag == "link" and "canonical" in values.get("rel", "").lower().split():
            self.canonical = self.canonical or clean_text(values.get("href"))
        if tag in ("main", "article", "title", "h1"):
            self._open[tag] += 1
        if tag in self._SKIPPED:
            self._open["skip"] += 1
        elif tag in self._BLOCKS:
            self._newline()

    def handle_endtag(self, tag: str) -> None:
        if tag in ("main", "article", "title", "h1"):
            self._open[tag] = max(0, self._open[tag] - 1)
            if tag == "title" and self.title is None:
                self.title = clean_text(" ".join("".join(self._title_parts).split()))
            elif tag == "h1" and self.heading is None:
                self.heading = clean_text(" ".join("".join(self._heading_parts).split()))
        if tag in self._SKIPPED:
            self._open["skip"] = max(0, self._open["skip"] - 1)
        elif tag in self._BLOCKS:
            self._newline()

    def handle_data(self, data: str) -> None:
        if self._open["title"]:
            self._title_parts.append(data)
        if self._open["skip"]:
            return
        if self._open["h1"]:
            self._heading_parts.append(data)
        for region in ("main", "article"):
            if self._open[region]:
                self._parts[region].append(data)
        self._parts["body"].append(data)

    def _newline(self) -> None:
        for parts in self._parts.values():
            parts.append("\n")

    def main_text(self) -> list[str]:
        """Return the lines of the main text: <main>, else <article>, else the body."""
        for region in ("main", "article", "body"):
            # str.split() also drops &nbsp; and the ideographic spaces of Chinese text.
            lines = (" ".join(line.split()) for line in "".join(self._parts[region]).split("\n"))
            found = [line for line in lines if line]
            if found:
                return found
        return []


def parse_page(text: str) -> PageParser:
    """Parse an HTML page for its metadata and main text."""
    page = PageParser()
    page.feed(text)
    page.close()
    return page


def _page_record(
    page: PageParser,
    listed_url: str,
    final_url: str,
    lastmod: datetime | None,
    language: str | None,
) -> Record:
    meta = page.meta
    canonical = _canonical(page.canonical, final_url)
    lines = page.main_text()
    title = (
        meta.get("og:title") or meta.get("articletitle") or page.title or page.heading or listed_url
    )
    tags = (clean_text(t) for t in _KEYWORD_SEPARATORS.split(meta.get("keywords", "")))
    extra = {"column": meta.get("columnname"), "source": meta.get("contentsource")}
    return Record(
        external_id=canonical or listed_url,
        title=title,
        kind="content",
        url=canonical or final_url,
        summary=meta.get("og:description") or meta.get("description"),
        body_html="".join(f"<p>{html.escape(line)}</p>" for line in lines) or None,
        language=language,
        tags=list(dict.fromkeys(t for t in tags if t)),
        published_at=(
            _date(meta.get("article:published_time"))
            or _date(meta.get("pubdate"), naive_zone=_CHINA_STANDARD_TIME)
            or lastmod
        ),
        updated_at=_date(meta.get("article:modified_time")) or lastmod,
        extra={k: v for k, v in extra.items() if v},
    )


def _canonical(href: str | None, page_url: str) -> str | None:
    """Return the canonical URL when it stays on the page's host, else None."""
    if not href:
        return None
    url = _absolute(page_url, href)
    if url is None or urlsplit(url).hostname != urlsplit(page_url).hostname:
        return None  # a canonical link elsewhere would let one site claim another's ids
    return url


def _date(value: str | None, *, naive_zone: tzinfo | None = None) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    if moment.tzinfo is None and naive_zone is not None:
        moment = moment.replace(tzinfo=naive_zone)
    return plausible_time(moment)
