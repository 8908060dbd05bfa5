"""Pages carrying schema.org JSON-LD: government services and organisations.

Each configured page is fetched through the guarded session. Every
``<script type="application/ld+json">`` block is parsed on its own (a page served as
``application/ld+json`` / ``application/json``, or a non-HTML body starting with ``{``
or ``[``, is one block), so one broken block costs only itself: it becomes a
`RecordError` naming the page and block number, and the listing is marked incomplete
(items it held must not be retired); so is a page with no JSON-LD block at all.
Arrays, ``@graph`` and nested objects are walked; node references (``{"@id": …}``) are
resolved within the page. No ``@context`` is ever fetched: properties are read by
name, with ``schema:name`` and ``http://schema.org/name`` read as ``name`` and a
capitalised property (``Description``) as its lower-case form.

What becomes a record
---------------------
* ``GovernmentService``, or a ``Service`` whose provider is a ``GovernmentOrganization``:
  a service record (mapping below).
* ``GovernmentOrganization``: a content record with ``content_type="organization"``:
  title, summary, body_html, url, language as for services; ``extra["address"]`` (as
  text), ``extra["telephone"]`` and every other unmapped property. Services it offers
  (``makesOffer`` → Offer → ``itemOffered``, ``hasOfferCatalog`` → OfferCatalog →
  ``itemListElement``) become service records, with the organisation as provider when
  they name none.
* Anything else is only walked into, to find the above (e.g. a GovernmentPermit's
  ``issuedThrough`` service). An organisation given inside a service (its provider) is
  read into the service's guide, not made a record of its own.

Service mapping (shared contract with the demo data generator)
--------------------------------------------------------------
* ``external_id``: ``identifier`` (text, or a PropertyValue's ``value``), else ``@id``
  (resolved against the page URL; blank nodes ``_:…`` do not count), else ``url``;
  else the node is skipped with a `RecordError`. Organisations follow the same rule.
* ``title`` = ``name`` (required); ``summary`` = ``description``; ``body_html`` =
  ``<p>description</p>`` (escaped); ``url`` = ``url`` resolved against the page URL
  (only http(s) links are kept: ``javascript:`` and ``data:`` are dropped, here and in
  ``serviceUrl``);
  ``language`` = ``inLanguage`` (a tag, or a Language's ``alternateName``/``name``) or
  the configured language; ``tags`` = ``serviceType`` + ``category`` (text, lists, or
  nodes' names); ``published_at`` = ``datePublished``; ``updated_at`` =
  ``dateModified`` (ISO 8601; aware UTC; a time without zone is read as UTC;
  impossible dates → None).
* ``guide["implementing_body"]`` = provider ``name``; ``guide["implementing_body_code"]``
  = provider ``identifier`` (text or PropertyValue value). Without a provider, the
  ``serviceOperator`` is used (schema.org's own GovernmentService example names only
  that), then the offering organisation.
* ``guide["audience"]`` from ``audience`` (text, or Audience nodes' ``audienceType``,
  else ``name``): individual / individuals / citizen / citizens / 个人 / 自然人 →
  "individual"; business / businesses / organization / organisation / 法人 / 企业 →
  "business" (case-insensitive). Other values go to ``extra["audience"]`` (a list).
* ``availableChannel`` (one ServiceChannel or a list): the first ``serviceUrl`` →
  ``guide["online_url"]``; the first ``servicePhone`` (ContactPoint ``telephone`` or
  text) → ``guide["enquiry_phone"]``; every ``serviceLocation`` Place →
  ``guide["service_points"]`` item ``{name, address, hours, phone, lat, lon}``: address
  as text or a PostalAddress joined (streetAddress, addressLocality, addressRegion with
  ", "; for Chinese addresses largest part first and no separator, skipping parts the
  street already contains); hours from ``openingHours`` (text, or a list joined with
  "; "); phone from ``telephone``; lat/lon from ``geo`` GeoCoordinates as floats;
  name falls back to the address.
* ``offers`` (one Offer or a list): any price > 0 → ``guide["fee"] = {"charged": True,
  "items": [{"name": offer name or "费用", "standard": "<price> <priceCurrency>"}]}``
  (one item per priced offer); else a price of 0 → ``{"charged": False, "items": []}``;
  offers without a readable price go to ``extra["offers"]``.
* ``additionalProperty`` (PropertyValue list ``{propertyID, name, value}``): when
  ``propertyID`` is a field of `connectors.guide.ServiceGuide`, ``guide[propertyID] =
  value`` (any JSON: lists of dicts for materials/process/faq, dicts for time limits
  and fee; it overrides what the mapping above set); otherwise ``extra[propertyID or
  name] = value``.
* Every other property (areaServed, termsOfService, hoursAvailable, …) goes to
  ``extra`` under its (normalised) key; ``@context``, ``@type`` and ``@id`` do not.

The same external_id found twice (a service listed on two pages) is kept once; when
the two carry different names, the second is reported as a `RecordError`.

Conditional GET: cursor ``{"pages": {url: {"etag": …, "last_modified": …}}}``. Only when
the cursor holds validators for every configured page are the requests conditional; if
every page then answers 304 the run is ``not_modified``. If only some answered 304,
those pages are fetched again in full, because the listing must hold the records of
every page to be complete. A page that cannot be fetched fails the run.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from datetime import datetime
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin, urlsplit

from connectors.base import (
    Connector,
    FetchContext,
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
from connectors.guide import ServiceGuide
from connectors.http import BadContentError, Response, parse_json

Node = dict[str, Any]

_SCHEMA_PREFIX = re.compile(r"^(?:schema:|https?://schema\.org/)")
_JSON_MEDIA_TYPES = {"application/ld+json", "application/json"}
_WRAPPERS = (("<!--", "-->"), ("//<![CDATA[", "//]]>"), ("<![CDATA[", "]]>"))
_HAN = re.compile(r"[\u3400-\u9fff]")
_AUDIENCES = {
    **dict.fromkeys(
        ("individual", "individuals", "citizen", "citizens", "个人", "自然人"), "individual"
    ),
    **dict.fromkeys(
        ("business", "businesses", "organization", "organizations", "organisation",
         "organisations", "法人", "企业"),
        "business",
    ),
}  # fmt: skip


def _check_urls(urls: list[str]) -> str | None:
    if not urls:
        return "must list at least one page URL"
    for url in urls:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            return f"{url!r} is not an absolute http:// or https:// URL"
    return None


class JsonLdConnector(Connector):
    """Read schema.org GovernmentService / GovernmentOrganization JSON-LD from pages."""

    type = "jsonld"
    label = "Pages with schema.org JSON-LD"
    description = "Services and organisations described with schema.org markup on web pages."
    fields = (
        Field("urls", "list", "Page URLs", required=True, validate=_check_urls),
        Field(
            "language",
            "str",
            "Language",
            validate=check_language_tag,
            help="Used where a node gives no inLanguage.",
        ),
    )

    @classmethod
    def sample_source(cls, base_url: str) -> SampleSource:
        """Return two county pages: a service guide and a bureau offering one more service."""
        base = base_url.rstrip("/")
        page_type = "text/html; charset=utf-8"
        return SampleSource(
            config={"urls": [f"{base}/bsfw/ylbx.html", f"{base}/jgzn/rsj.html"]},
            documents={
                "/bsfw/ylbx.html": (
                    page_type,
                    _sample_page("城乡居民养老保险参保登记", _SAMPLE_SERVICE),
                ),
                "/jgzn/rsj.html": (
                    page_type,
                    _sample_page("青山县人力资源和社会保障局", _SAMPLE_BUREAU),
                ),
            },
            expected=3,
        )

    def fetch(self, context: FetchContext) -> FetchResult:
        """Fetch every page and turn its JSON-LD nodes into records."""
        urls = list(dict.fromkeys(self.config["urls"]))
        pages = _fetch_pages(context, urls)
        if pages is None:
            return FetchResult(records=[], cursor=context.cursor, not_modified=True)
        language = language_tag(self.config["language"])
        records: dict[str, Record] = {}
        errors: list[RecordError] = []
        complete = True
        for url in urls:
            blocks, broken = _read_blocks(pages[url])
            errors.extend(broken)
            complete = complete and not broken
            page = _Page(pages[url].url, blocks, language)
            for record in page.records(errors):
                _keep_first(records, record, errors)
        cursor = {"pages": {url: pages[url].validators() for url in urls}}
        return FetchResult(
            records=list(records.values()), cursor=cursor, complete=complete, errors=errors
        )


def _fetch_pages(context: FetchContext, urls: list[str]) -> dict[str, Response] | None:
    """Return every page's response, or None when every page answered 304."""
    known = (context.cursor or {}).get("pages") or {}
    # Skipping the run is only possible if every page can answer 304, so conditional
    # requests are sent only when the cursor has validators for all of them.
    conditional = all(known.get(url) for url in urls)
    pages = {
        url: context.http.get(url, conditional=known[url] if conditional else None) for url in urls
    }
    if conditional and all(response.not_modified for response in pages.values()):
        return None
    for url, response in pages.items():
        if response.not_modified:  # its records are needed for a complete listing
            pages[url] = context.http.get(url)
    return pages


def _keep_first(records: dict[str, Record], record: Record, errors: list[RecordError]) -> None:
    earlier = records.get(record.external_id)
    if earlier is None:
        records[record.external_id] = record
    elif earlier.title != record.title:
        errors.append(
            RecordError(
                f"{record.title!r} has the same id as {earlier.title!r}; kept the first",
                record.external_id,
            )
        )


# ---------------------------------------------------------------- reading blocks


class _ScriptBlocks(HTMLParser):
    """Collect the text of every <script type="application/ld+json"> element."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[str] = []
        self._parts: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "script":
            kind = (dict(attrs).get("type") or "").split(";")[0].strip().lower()
            self._parts = [] if kind == "application/ld+json" else None

    def handle_data(self, data: str) -> None:
        if self._parts is not None:
            self._parts.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._parts is not None:
            self.blocks.append("".join(self._parts))
            self._parts = None


def extract_blocks(response: Response) -> list[str]:
    """Return the JSON-LD texts of a page (the whole body when it is JSON)."""
    text = response.text
    is_json = response.media_type in _JSON_MEDIA_TYPES or (
        "html" not in response.media_type and _unwrap(text)[:1] in ("{", "[")
    )
    if is_json:
        return [text]
    parser = _ScriptBlocks()
    parser.feed(text)
    parser.close()
    return parser.blocks


def read_services(
    response: Response, language: str | None, errors: list[RecordError]
) -> tuple[list[Record], bool]:
    """Return the service records in a fetched page's JSON-LD and whether it all parsed.

    For pages that may well carry no JSON-LD (the pages of a sitemap): no block means
    no services and no error. Problems found are appended to `errors`; the flag is
    False when a block could not be parsed, so services may be missing.
    """
    blocks, broken = _parse_blocks(extract_blocks(response), response.url)
    errors.extend(broken)
    page = _Page(response.url, blocks, language)
    return [record for record in page.records(errors) if record.kind == "service"], not broken


def _read_blocks(response: Response) -> tuple[list[Any], list[RecordError]]:
    texts = extract_blocks(response)
    if not texts:
        # A page that lost its markup (a new template, an error page sent as 200)
        # must not read as "this page offers nothing any more".
        return [], [RecordError(f"{response.url} has no JSON-LD block")]
    return _parse_blocks(texts, response.url)


def _parse_blocks(texts: list[str], url: str) -> tuple[list[Any], list[RecordError]]:
    blocks: list[Any] = []
    errors: list[RecordError] = []
    for number, text in enumerate(texts, start=1):
        try:
            blocks.append(parse_json(_unwrap(text)))
        except BadContentError as exc:
            errors.append(RecordError(f"{url} JSON-LD block {number} skipped: {exc.message}"))
    return blocks, errors


def _unwrap(text: str) -> str:
    """Remove the comment or CDATA markers old pages put around (or before) JSON."""
    text = text.strip()
    for start, end in _WRAPPERS:
        if text.startswith(start) and text.endswith(end):
            return text[len(start) : -len(end)].strip()
    while text.startswith("<!--") and "-->" in text:
        text = text.split("-->", 1)[1].lstrip()
    return text


# ------------------------------------------------------------------- the graph


def _key(key: str) -> str:
    if key.startswith("@"):
        return key
    key = _SCHEMA_PREFIX.sub("", key)
    # schema.org properties start lower-case; hand-written markup capitalises some.
    return key[:1].lower() + key[1:]


def _normalise(value: Any) -> Any:
    if isinstance(value, list):
        return [_normalise(v) for v in value]
    if not isinstance(value, dict):
        return value
    node: Node = {}
    for key, item in value.items():
        node.setdefault(_key(str(key)), _normalise(item))
    return node


def _types(node: Node) -> set[str]:
    raw = node.get("@type")
    found = raw if isinstance(raw, list) else [raw]
    return {_SCHEMA_PREFIX.sub("", t) for t in found if isinstance(t, str)}


def _index(value: Any, index: dict[str, Node]) -> None:
    """Map each @id to the first node describing it (not a bare reference)."""
    if isinstance(value, list):
        for item in value:
            _index(item, index)
    elif isinstance(value, dict):
        node_id = value.get("@id")
        if isinstance(node_id, str) and len(value.keys() - {"@id", "@type"}) > 0:
            index.setdefault(node_id, value)
        for item in value.values():
            _index(item, index)


class _Page:
    """The JSON-LD of one page, turned into records."""

    def __init__(self, url: str, blocks: list[Any], language: str | None):
        self.url = url
        self.language = language
        self.blocks = [_normalise(block) for block in blocks]
        self.index: dict[str, Node] = {}
        _index(self.blocks, self.index)

    def records(self, errors: list[RecordError]) -> Iterator[Record]:
        """Yield a record for every service and organisation found; report the rest."""
        for kind, node, offered_by in self._found(self.blocks):
            try:
                if kind == "service":
                    yield self._service(node, offered_by)
                else:
                    yield self._organization(node)
            except _SkippedNode as exc:
                errors.append(RecordError(f"{self.url}: {exc}"))

    # -- finding nodes

    def _found(self, value: Any) -> Iterator[tuple[str, Node, Node | None]]:
        if isinstance(value, list):
            for item in value:
                yield from self._found(item)
            return
        if not isinstance(value, dict):
            return
        types = _types(value)
        if self._is_service(value, types):
            yield "service", value, None  # its parts (provider, channels) are consumed
            return
        children = value
        if "GovernmentOrganization" in types:
            yield "organization", value, None
            for service in self._services_within(value.get("makesOffer"), set()):
                yield "service", service, value
            for service in self._services_within(value.get("hasOfferCatalog"), set()):
                yield "service", service, value
            children = {
                k: v for k, v in value.items() if k not in ("makesOffer", "hasOfferCatalog")
            }
        for item in children.values():
            yield from self._found(item)

    def _is_service(self, node: Node, types: set[str]) -> bool:
        if "GovernmentService" in types:
            return True
        return "Service" in types and any(
            "GovernmentOrganization" in _types(p) for p in self._nodes(node.get("provider"))
        )

    def _services_within(self, value: Any, visited: set[int]) -> Iterator[Node]:
        """Yield the services inside offers, catalogues and list items."""
        for node in self._nodes(value):
            if id(node) in visited:  # references may form cycles
                continue
            visited.add(id(node))
            if _types(node) & {"Service", "GovernmentService"}:
                yield node
                continue
            for key in ("itemOffered", "item", "itemListElement"):
                yield from self._services_within(node.get(key), visited)

    def _nodes(self, value: Any) -> list[Node]:
        """Return the nodes in `value` (one or a list), references resolved."""
        items = value if isinstance(value, list) else [value]
        nodes = []
        for item in items:
            if isinstance(item, dict):
                node_id = item.get("@id")
                nodes.append(self.index.get(node_id, item) if isinstance(node_id, str) else item)
        return nodes

    def _node(self, value: Any) -> Node | None:
        nodes = self._nodes(value)
        return nodes[0] if nodes else None

    # -- mapping

    def _common(self, node: Node, kind: str) -> tuple[dict[str, Any], set[str]]:
        """Map the properties services and organisations share; return them and the keys used."""
        used = {"@context", "@type", "@id", "identifier", "name", "description", "url"}
        used |= {"inLanguage", "datePublished", "dateModified"}
        title = _text(node.get("name"))
        if title is None:
            raise _SkippedNode(f"a {kind} without a name was skipped")
        url = self._absolute(_text(node.get("url")))
        external_id = _identifier(node.get("identifier")) or self._node_id(node) or url
        if external_id is None:
            raise _SkippedNode(f"{kind} {title!r} has no identifier, @id or url; skipped")
        description = _text(node.get("description"))
        fields = {
            "external_id": external_id,
            "title": title,
            "summary": description,
            "body_html": f"<p>{html.escape(description)}</p>" if description else None,
            "url": url,
            "language": self._language(node.get("inLanguage")) or self.language,
            "published_at": _date(node.get("datePublished")),
            "updated_at": _date(node.get("dateModified")),
        }
        return fields, used

    def _service(self, node: Node, offered_by: Node | None) -> Record:
        fields, used = self._common(node, "service")
        used |= {"serviceType", "category", "provider", "audience", "availableChannel"}
        used |= {"offers", "additionalProperty"}
        guide: dict[str, Any] = {}
        extra: dict[str, Any] = {}
        provider = self._node(node.get("provider"))
        if provider is None and (provider := self._node(node.get("serviceOperator"))):
            used.add("serviceOperator")
        provider = provider or offered_by
        if provider is not None:
            guide["implementing_body"] = _text(provider.get("name"))
            guide["implementing_body_code"] = _identifier(provider.get("identifier"))
        audiences, others = _audiences(self._values(node.get("audience"), "audienceType"))
        if audiences:
            guide["audience"] = audiences
        if others:
            extra["audience"] = others
        self._apply_channels(node.get("availableChannel"), guide)
        if node.get("offers") is not None:
            fee = self._fee(node.get("offers"))
            if fee is not None:
                guide["fee"] = fee
            else:
                extra["offers"] = node["offers"]
        extra.update({k: v for k, v in node.items() if k not in used})
        self._apply_additional_properties(node.get("additionalProperty"), guide, extra)
        tags = self._labels(node.get("serviceType")) + self._labels(node.get("category"))
        return Record(
            **fields,
            kind="service",
            tags=list(dict.fromkeys(tags)),
            guide={k: v for k, v in guide.items() if v is not None},
            extra=extra,
        )

    def _organization(self, node: Node) -> Record:
        fields, used = self._common(node, "organization")
        used |= {"address", "telephone", "makesOffer", "hasOfferCatalog"}
        extra = {
            "address": self._address(node.get("address")),
            "telephone": _text(node.get("telephone")),
        }
        extra = {k: v for k, v in extra.items() if v is not None}
        extra.update({k: v for k, v in node.items() if k not in used})
        return Record(**fields, kind="content", content_type="organization", extra=extra)

    def _apply_channels(self, value: Any, guide: dict[str, Any]) -> None:
        points = []
        for channel in self._nodes(value):
            online = self._absolute(_text(channel.get("serviceUrl")))
            if online and "online_url" not in guide:
                guide["online_url"] = online
            phone = self._phone(channel.get("servicePhone"))
            if phone and "enquiry_phone" not in guide:
                guide["enquiry_phone"] = phone
            points.extend(
                self._service_point(p) for p in self._nodes(channel.get("serviceLocation"))
            )
        if points:
            guide["service_points"] = points

    def _service_point(self, place: Node) -> dict[str, Any]:
        address = self._address(place.get("address"))
        geo = self._node(place.get("geo")) or {}
        hours = place.get("openingHours")
        return {
            "name": _text(place.get("name")) or address,
            "address": address,
            "hours": "; ".join(_texts(hours)) or None,
            "phone": _text(place.get("telephone")),
            "lat": _number(geo.get("latitude")),
            "lon": _number(geo.get("longitude")),
        }

    def _fee(self, value: Any) -> dict[str, Any] | None:
        items = []
        free = False
        for offer in self._nodes(value):
            price = _number(offer.get("price"))
            if price is None:
                continue
            if price == 0:
                free = True
            elif price > 0:
                currency = _text(offer.get("priceCurrency")) or ""
                standard = f"{_text(offer.get('price'))} {currency}".strip()
                items.append({"name": _text(offer.get("name")) or "费用", "standard": standard})
        if items:
            return {"charged": True, "items": items}
        return {"charged": False, "items": []} if free else None

    def _apply_additional_properties(
        self, value: Any, guide: dict[str, Any], extra: dict[str, Any]
    ) -> None:
        for prop in self._nodes(value):
            property_id = _text(prop.get("propertyID"))
            key = property_id or _text(prop.get("name"))
            if property_id in ServiceGuide.model_fields:
                guide[property_id] = prop.get("value")
            elif key:
                extra[key] = prop.get("value")

    # -- small readers that need the page (references, base URL)

    def _node_id(self, node: Node) -> str | None:
        node_id = _text(node.get("@id"))
        if node_id is None or node_id.startswith("_:"):  # blank nodes change every time
            return None
        return urljoin(self.url, node_id)

    def _absolute(self, url: str | None) -> str | None:
        return web_url(url, self.url)

    def _language(self, value: Any) -> str | None:
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, dict):
                tag = language_tag(_text(item.get("alternateName"))) or language_tag(
                    _text(item.get("name"))
                )
            else:
                tag = language_tag(_text(item))
            if tag:
                return tag
        return None

    def _phone(self, value: Any) -> str | None:
        node = self._node(value)
        return _text(node.get("telephone")) if node is not None else _text(value)

    def _labels(self, value: Any) -> list[str]:
        return self._values(value, "name")

    def _values(self, value: Any, key: str) -> list[str]:
        """Return text values, reading `key` (else name) of nodes."""
        found: list[str] = []
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, dict) and "@value" not in item:
                node = self._node(item) or {}
                found.extend(_texts(node.get(key)) or _texts(node.get("name")))
            else:
                found.extend(_texts(item))
        return found

    def _address(self, value: Any) -> str | None:
        node = self._node(value)
        if node is None:
            return _text(value)
        street, locality, region = (
            _text(node.get(k)) for k in ("streetAddress", "addressLocality", "addressRegion")
        )
        if street and _HAN.search(street):
            # Chinese addresses run from the largest part to the smallest, unseparated,
            # and the street line often repeats the city already.
            parts = [p for p in (region, locality) if p and p not in street]
            return "".join([*parts, street]) or None
        return ", ".join(p for p in (street, locality, region) if p) or None


class _SkippedNode(Exception):
    pass


# ------------------------------------------------------------ value readers


def _text(value: Any) -> str | None:
    """Return the first text in a value (literal, @value object or list)."""
    if isinstance(value, list):
        return next((t for t in map(_text, value) if t), None)
    if isinstance(value, dict):
        return _text(value.get("@value")) if "@value" in value else None
    if isinstance(value, bool):
        return None
    if isinstance(value, str | int | float):
        return clean_text(value)
    return None


def _texts(value: Any) -> list[str]:
    items = value if isinstance(value, list) else [value]
    return [t for t in map(_text, items) if t]


def _identifier(value: Any) -> str | None:
    """Return an identifier given as text or as a PropertyValue's value."""
    for item in value if isinstance(value, list) else [value]:
        if isinstance(item, dict) and "@value" not in item:
            found = _text(item.get("value"))
        else:
            found = _text(item)
        if found:
            return found
    return None


def _number(value: Any) -> float | None:
    text = _text(value)
    if text is None:
        return None
    try:
        number = float(text.replace(",", ""))
    except ValueError:
        return None
    return number if number == number and abs(number) != float("inf") else None


def _date(value: Any) -> datetime | None:
    text = _text(value)
    if text is None:
        return None
    try:
        return plausible_time(datetime.fromisoformat(text))
    except ValueError:
        return None


def _audiences(values: list[str]) -> tuple[list[str], list[str]]:
    known: list[str] = []
    others: list[str] = []
    for value in values:
        audience = _AUDIENCES.get(value.strip().lower())
        if audience is None:
            others.append(value)
        elif audience not in known:
            known.append(audience)
    return known, others


# ------------------------------------------------------------------- sample

_SAMPLE_SERVICE = {
    "@context": "https://schema.org",
    "@type": "GovernmentService",
    "identifier": "QS-RS-0001",
    "name": "城乡居民基本养老保险参保登记",
    "description": "未参加职工基本养老保险的城乡居民办理参保登记。",
    "serviceType": "社会保障",
    "audience": "个人",
    "provider": {
        "@type": "GovernmentOrganization",
        "name": "青山县人力资源和社会保障局",
        "identifier": "11330000MB0000000X",
    },
    "availableChannel": {
        "@type": "ServiceChannel",
        "serviceUrl": "https://zwfw.example.gov.cn/qs/ylbx",
        "servicePhone": {"@type": "ContactPoint", "telephone": "12333"},
        "serviceLocation": {
            "@type": "Place",
            "name": "青山县政务服务中心社保窗口",
            "address": {
                "@type": "PostalAddress",
                "addressRegion": "浙江省",
                "addressLocality": "青山县",
                "streetAddress": "青山县人民路88号",
            },
            "openingHours": "Mo-Fr 09:00-17:00",
        },
    },
    "offers": {"@type": "Offer", "price": "0", "priceCurrency": "CNY"},
}
_SAMPLE_BUREAU = {
    "@context": "https://schema.org",
    "@type": "GovernmentOrganization",
    "@id": "#rsj",
    "identifier": "QS-RSJ",
    "name": "青山县人力资源和社会保障局",
    "description": "负责全县就业、社会保险和人事人才工作。",
    "telephone": "0571-12333",
    "makesOffer": {
        "@type": "Offer",
        "itemOffered": {
            "@type": "Service",
            "identifier": "QS-RS-0002",
            "name": "失业保险金申领",
            "description": "失业人员申领失业保险金。",
        },
    },
}


def _sample_page(title: str, node: dict[str, Any]) -> bytes:
    block = json.dumps(node, ensure_ascii=False, indent=1)
    return (
        f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>{title}</title>'
        f'<script type="application/ld+json">{block}</script></head>'
        f"<body><main><h1>{title}</h1></main></body></html>"
    ).encode()
