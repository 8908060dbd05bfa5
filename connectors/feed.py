"""RSS (0.9x, 1.0, 2.0) and Atom feeds, parsed with feedparser.

The feed is fetched through the guarded session and feedparser only ever parses those
bytes (wrapped in a stream: given a bare string, feedparser would fetch URLs or open
local files). The response headers go with them, so feedparser knows the charset and
resolves relative links against the final feed URL or ``xml:base``.

Each entry becomes a content `Record`:

* ``external_id``: the entry id / guid, else its link, else a hash of title and date;
* ``title`` (else the summary's first line, else the link); ``url`` (the link,
  absolute); ``summary`` (the summary as plain text); ``body_html``
  (``content:encoded`` / Atom content, raw: the sync runner sanitises it); ``tags``
  (categories); ``published_at`` / ``updated_at`` (aware UTC, or None when missing or
  impossible: before 1990 or more than two days ahead; an entry dated only by its
  update is published then too);
  ``language``: the configured one, else the entry's ``xml:lang``, else the feed's;
  ``extra``: ``author`` and ``enclosures`` (url, type, length) when given.

An entry with neither title nor link is skipped as a `RecordError`, as is an exact
repeat (same id, title and link). Different entries sharing one id (real feeds reuse
the link of an index page as the guid of many notices) are all kept, each id suffixed
with ``#`` and a hash of its title and link. Cursor: the feed's validators (``etag``,
``last_modified``); a 304 answers ``not_modified``. A body that is not a feed at all
raises `FetchError`.

Hostile and broken feeds
------------------------
* Links (the entry's and its enclosures') are kept only when they are http(s) URLs:
  ``javascript:`` and ``data:`` links are dropped.
* A feed that declares entities (other than a single character reference such as
  ``<!ENTITY nbsp "&#160;">``) or attribute defaults is refused with a `FetchError`:
  feedparser hands the entities it deems safe (plain text) to its XML parser, whose
  only limit is an amplification factor (a 3 MB feed made a 250-million-character
  title), and no feed needs them. External DTDs are never fetched and XInclude is not
  processed.
* Encoding: the bytes are decoded as feedparser decides (RFC 3023), except when it
  ends up with a Latin codec (one the feed declares, or its windows-1252 fallback) for
  bytes that are valid UTF-8, or GB18030 that reads as Chinese (GB18030 labelled
  UTF-8, a server's default ISO-8859-1): those are read as such. A feed valid in none
  of these and declaring no Latin codec is refused rather than stored as mojibake.
"""

from __future__ import annotations

import codecs
import hashlib
import html
import io
import re
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any

import feedparser
from feedparser.encodings import CharacterEncodingOverride, convert_to_utf8

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
    web_url,
)
from connectors.http import Response, looks_chinese

CONTENT_TYPES = ("notice", "policy", "news", "other")


class FeedConnector(Connector):
    """Read an RSS or Atom feed."""

    type = "feed"
    label = "RSS / Atom feed"
    description = "Notices, policies or news published as an RSS or Atom feed."
    fields = (
        Field("url", "url", "Feed URL", required=True),
        Field(
            "content_type",
            "str",
            "Content type",
            default="notice",
            choices=CONTENT_TYPES,
            help="What the feed's items are.",
        ),
        Field(
            "language",
            "str",
            "Language",
            validate=check_language_tag,
            help="BCP 47 tag such as zh-CN; empty means the feed's own language.",
        ),
        Field("max_items", "int", "Most items read", default=500, minimum=1),
    )

    def fetch(self, context: FetchContext) -> FetchResult:
        """Fetch the feed and turn its entries into records."""
        response = context.http.get(self.config["url"], conditional=context.cursor)
        if response.not_modified:
            return FetchResult(records=[], cursor=context.cursor, not_modified=True)
        parsed = parse_feed(response)
        if parsed.bozo:
            context.logger.info(
                "feed %s is not well-formed: %s", response.url, parsed.bozo_exception
            )
        feed_language = language_tag(parsed.feed.get("language"))
        entries = parsed.entries[: self.config["max_items"]]
        records: list[Record] = []
        errors: list[RecordError] = []
        for position, entry in enumerate(entries, start=1):
            try:
                records.append(self._record(entry, response.url, feed_language))
            except _SkippedEntry as exc:
                errors.append(RecordError(f"entry {position}: {exc}"))
        records, repeated = _with_unique_ids(records)
        errors.extend(repeated)
        # A feed is a window on the latest entries, not a catalogue: an entry that
        # scrolls out of it is still published at the source, so it must never count
        # as missing. Feeds are therefore never complete listings.
        return FetchResult(
            records=records, cursor=response.validators(), complete=False, errors=errors
        )

    @classmethod
    def sample_source(cls, base_url: str) -> SampleSource:
        """Return an RSS 2.0 feed of three county notices in Chinese."""
        base = base_url.rstrip("/")
        items = "".join(
            f"""<item><title>{title}</title><link>{base}/zwgk/tzgg/{slug}.html</link>
<guid>{base}/zwgk/tzgg/{slug}.html</guid><pubDate>{date}</pubDate>
<category>{category}</category><description>{summary}</description></item>"""
            for slug, title, date, category, summary in _SAMPLE_ITEMS
        )
        feed = f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>青山县人民政府 通知公告</title><link>{base}/</link>
<description>青山县人民政府门户网站通知公告栏目</description><language>zh-cn</language>
{items}</channel></rss>"""
        return SampleSource(
            config={"url": f"{base}/zwgk/tzgg/rss.xml"},
            documents={"/zwgk/tzgg/rss.xml": ("application/rss+xml", feed.encode())},
            expected=len(_SAMPLE_ITEMS),
        )

    def _record(self, entry: Any, feed_url: str, feed_language: str | None) -> Record:
        title = clean_text(entry.get("title"))
        link = web_url(entry.get("link"), feed_url)
        summary = html_to_text(entry.get("summary"))
        if not title and not link:
            raise _SkippedEntry("has neither a title nor a link")
        updated = _entry_time(entry, "updated_parsed")
        # RSS 1.0 (dc:date) and many Atom feeds only date an entry by its last update;
        # that is still the best publication date the source offers.
        published = _entry_time(entry, "published_parsed") or updated
        entry_language = (entry.get("title_detail") or {}).get("language")
        return Record(
            external_id=_external_id(entry, link, title),
            title=title or _first_line(summary) or link or "",
            kind="content",
            content_type=self.config["content_type"],
            url=link,
            summary=summary,
            body_html=_body_html(entry),
            language=language_tag(self.config["language"])
            or language_tag(entry_language)
            or feed_language,
            tags=_tags(entry),
            published_at=published,
            updated_at=updated,
            extra=_extra(entry, feed_url),
        )


class _SkippedEntry(Exception):
    pass


def parse_feed(response: Response) -> feedparser.FeedParserDict:
    """Parse a fetched feed body; raise FetchError when it is not a feed at all."""
    headers = {"content-location": response.url}
    if content_type := response.headers.get("Content-Type"):
        headers["content-type"] = content_type
    data = _utf8(response, headers)
    _refuse_expansions(data, response.url)
    if content_type:
        headers["content-type"] = f"{response.media_type}; charset=utf-8"
    # Sanitising is the sync runner's job, done once with one allowlist (nh3) for every
    # connector; feedparser's own pass would hide from it what sources really send.
    parsed = feedparser.parse(io.BytesIO(data), response_headers=headers, sanitize_html=False)
    # feedparser reads almost anything "loosely"; with no recognised feed format and
    # nothing extracted, it was an HTML page, an error page or garbage.
    if not parsed.entries and (
        not parsed.version or (parsed.bozo and not parsed.feed.get("title"))
    ):
        reason = parsed.get("bozo_exception") or "no RSS or Atom elements found"
        raise FetchError(f"{response.url} is not an RSS or Atom feed ({reason})")
    return parsed


# The codecs that decode any bytes at all, so a wrong guess goes unnoticed.
_LATIN_CODECS = {"cp1252", "iso8859-1", "iso8859-2", "latin-1"}
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")


def _utf8(response: Response, headers: dict[str, str]) -> bytes:
    """Return the feed as UTF-8, decoded as feedparser would unless that makes mojibake."""
    state: dict[str, Any] = {}
    # The very conversion feedparser.parse runs: what is screened below is what it parses.
    data = convert_to_utf8(headers, response.content, state)
    if _codec(state.get("encoding")) not in _LATIN_CODECS or response.content.isascii():
        return data
    text = _strict_reading(response.content)
    if text is not None:
        body = _XML_DECLARATION.sub("", text, count=1)
        return ("<?xml version='1.0' encoding='utf-8'?>\n" + body).encode()
    if isinstance(state.get("bozo_exception"), CharacterEncodingOverride):
        # feedparser fell back to windows-1252, which no one declared: plain mojibake.
        raise FetchError(
            f"{response.url}: the feed is valid neither in the encoding it declares nor in "
            "UTF-8 or GB18030; refused rather than stored as garbled text: serve it with "
            "its real charset (Content-Type header or XML declaration)"
        )
    return data  # the feed names this Latin codec itself: believe it


def _codec(name: Any) -> str | None:
    try:
        return codecs.lookup(name).name if name else None
    except LookupError:
        return None


def _strict_reading(content: bytes) -> str | None:
    """Return `content` as UTF-8, else as GB18030 when it reads as Chinese, else None."""
    for encoding in ("utf-8", "gb18030"):
        try:
            text = content.decode(encoding)
        except UnicodeDecodeError:
            continue
        if encoding == "utf-8" or looks_chinese(text):
            return text
    return None


# Entity and attribute-default declarations. feedparser keeps the entities it deems
# safe (plain text values), and expat's amplification limit still lets one 250-byte
# entity used a million times grow a 3 MB feed into a 250-million-character title. A
# feed declares at most character references (<!ENTITY nbsp "&#160;">): one character.
_DECLARATION = re.compile(rb"<!(ENTITY|ATTLIST)\b[^>]*>?", re.IGNORECASE)
_CHARACTER_ENTITY = re.compile(
    rb"""<!ENTITY\s+[\w.-]+\s+(["'])&#(?:[0-9]+|x[0-9a-fA-F]+);\1\s*>""", re.IGNORECASE
)


def _refuse_expansions(data: bytes, url: str) -> None:
    """Raise FetchError when the feed declares entities or attribute defaults that can grow."""
    for match in _DECLARATION.finditer(data):
        if not _CHARACTER_ENTITY.fullmatch(match[0]):
            kind = match[1].decode("ascii").upper()
            raise FetchError(
                f"{url}: refused a feed that declares <!{kind} …>: such declarations can "
                "expand a small feed into gigabytes, and a feed needs none"
            )


def _external_id(entry: Any, link: str | None, title: str | None) -> str:
    entry_id = clean_text(entry.get("id"))
    if entry_id:
        return entry_id
    if link:
        return link
    dated = entry.get("published") or entry.get("updated") or ""
    digest = hashlib.sha256(f"{title}\n{dated}".encode()).hexdigest()
    return f"sha256:{digest[:32]}"


def _with_unique_ids(records: list[Record]) -> tuple[list[Record], list[RecordError]]:
    """Drop repeated entries; tell apart different entries that share one id."""
    variants: dict[str, set[tuple[str, str | None]]] = {}
    for record in records:
        variants.setdefault(record.external_id, set()).add((record.title, record.url))
    unique: list[Record] = []
    errors: list[RecordError] = []
    seen: set[tuple[str, str, str | None]] = set()
    for record in records:
        key = (record.external_id, record.title, record.url)
        if key in seen:
            errors.append(RecordError(f"repeats the entry {record.title!r}", record.external_id))
            continue
        seen.add(key)
        if len(variants[record.external_id]) > 1:
            # Real feeds reuse one guid for many notices (the link of a section's index
            # page). Every entry sharing it gets a suffix from its own title and link, so
            # an id does not move to another notice when a newer one arrives.
            digest = hashlib.sha256(f"{record.title}\n{record.url}".encode()).hexdigest()
            record.external_id = f"{record.external_id}#{digest[:12]}"
        unique.append(record)
    return unique, errors


def _entry_time(entry: Any, key: str) -> datetime | None:
    # A UTC struct_time, or None. Read from the plain dict: FeedParserDict.get quietly
    # (with a deprecation warning) answers "updated" with the published time.
    parsed = dict.get(entry, key)
    if not parsed:
        return None
    try:
        return plausible_time(datetime(*parsed[:6], tzinfo=UTC))
    except (TypeError, ValueError):
        return None


def _body_html(entry: Any) -> str | None:
    for content in entry.get("content") or ():
        value = content.get("value")
        if not clean_text(value):
            continue
        if content.get("type") == "text/plain":
            return "<p>" + html.escape(value.strip()) + "</p>"
        return value
    return None


def _tags(entry: Any) -> list[str]:
    found = (clean_text(tag.get("label") or tag.get("term")) for tag in entry.get("tags") or ())
    return list(dict.fromkeys(tag for tag in found if tag))


def _extra(entry: Any, feed_url: str) -> dict[str, Any]:
    extra: dict[str, Any] = {}
    if author := clean_text(entry.get("author")):
        extra["author"] = author
    enclosures = [
        {"url": href, "type": link.get("type"), "length": link.get("length")}
        for link in entry.get("links") or ()
        if link.get("rel") == "enclosure" and (href := web_url(link.get("href"), feed_url))
    ]
    if enclosures:
        extra["enclosures"] = enclosures
    return extra


def _first_line(text: str | None, limit: int = 100) -> str | None:
    if not text:
        return None
    line = text.splitlines()[0]
    return line if len(line) <= limit else line[: limit - 1] + "…"


class _TextExtractor(HTMLParser):
    _SKIPPED = {"script", "style", "template", "noscript", "head"}
    _BLOCKS = {
        "p", "br", "div", "li", "tr", "td", "th", "ul", "ol", "table", "section",
        "article", "blockquote", "pre", "h1", "h2", "h3", "h4", "h5", "h6", "hr",
    }  # fmt: skip

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag in self._SKIPPED:
            self._skipping += 1
        elif tag in self._BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIPPED:
            self._skipping = max(0, self._skipping - 1)
        elif tag in self._BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


def html_to_text(markup: str | None) -> str | None:
    """Return the readable text of an HTML fragment, one line per block, or None."""
    if not markup:
        return None
    extractor = _TextExtractor()
    extractor.feed(markup)
    extractor.close()
    # str.split() also drops &nbsp; and the ideographic spaces that indent Chinese text.
    lines = (" ".join(line.split()) for line in "".join(extractor.parts).splitlines())
    return clean_text("\n".join(line for line in lines if line))


_SAMPLE_ITEMS = (
    (
        "t20250901_1",
        "关于2025年秋季学期义务教育招生工作的通知",
        "Mon, 01 Sep 2025 09:00:00 +0800",
        "教育",
        "秋季学期义务教育阶段招生报名安排。",
    ),
    (
        "t20250825_2",
        "青山县城乡居民医保集中参保缴费的通告",
        "Mon, 25 Aug 2025 10:30:00 +0800",
        "医疗保障",
        "集中参保缴费期为9月1日至12月31日。",
    ),
    (
        "t20250818_3",
        "县政务服务中心国庆假期办事安排",
        "Mon, 18 Aug 2025 16:00:00 +0800",
        "政务服务",
        "国庆期间设立应急服务窗口。",
    ),
)
