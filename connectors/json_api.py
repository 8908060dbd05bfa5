"""Any JSON API that lists items, read with a declared field mapping and paging.

Departments and their vendors publish lists as JSON in endless shapes::

    {"data": {"items": [{"id": 17, "attributes": {"title": "居住证办理", "tags": ["户籍"]},
                         "contacts": [{"phone": "12345"}]}]},
     "links": {"next": "/api/v2/services?page=2"}}

The config says where the list is (``items_path``, ``""`` when the body is the list) and
where each field of an item is (``mapping``: target → path inside one item). Targets
are those of `connectors.mapping`: record fields (``external_id`` and ``title``
required), service-guide fields for ``kind="service"``, and ``extra:<name>``.

Paths
-----
A path is a dotted list of steps read from the item (`parse_path`): ``attributes.title``
reads keys; a number reads a list position (``contacts.0.phone``; ``-1`` is the last)
and so does ``[n]`` (``contacts[0].phone``); ``[]`` reads every element of a list and
the rest of the path from each (``tags[]``, ``tags[].name``), giving a list. A key with a
dot in it is written with ``\\.`` (``meta.dc\\.title``). A step that finds nothing gives
nothing: the target is simply absent. Paths are checked when the config is validated.

Items
-----
An item that is not an object, or whose mapped external_id or title is missing or not
text (an object, a list), is skipped with a `RecordError` naming its page and position;
so is an item repeating an earlier external_id (lists shift while they are paged). A
value of the wrong type for another target (an object where text is expected, a date
that is no date) is left out and the item kept, with a `RecordError` (``skipped=False``).
``body`` is HTML, sanitised by the sync runner. Lists are read as JSON lists; text for a
list field is one item.

Paging
------
* ``none``: one request. Its validators are the cursor: a 304 answers ``not_modified``.
* ``page``: ``page_param`` = first_page, first_page + 1, ...; ``page``-style APIs give no
  reliable end, so reading stops at the first empty page (a short page is no proof: a
  server may cap the page size below ``page_size``).
* ``offset``: ``page_param`` (default ``offset``) = 0, then the number of items read so
  far; stops at the first empty page.
* ``cursor``: the value at ``cursor_path`` in each response is sent as ``page_param``
  (default ``cursor``) of the next request; stops when there is none.
* ``next_url``: the URL at ``cursor_path`` (resolved against the page's URL) is the next
  page; stops when there is none.

``page_size_param`` = ``page_size`` is sent with every request that the connector builds
(not with ``next_url`` links, which carry their own query; an empty name sends none).
``page_param`` left empty means the style's usual name. A page that repeats the previous
one exactly, a cursor or next URL seen before, means the API ignores the paging
parameter: the run fails rather than loop. Any page that cannot be fetched or read
fails the run. When ``max_pages`` pages were read and the API still announced more (a
non-empty last page, a next cursor or link), the records are kept but the listing is
incomplete (``complete=False``), so nothing is retired for being missing from it.
Paged runs read every page each time (no cursor): a 304 for the first page says
nothing about the others.

Requests and the API key
------------------------
``headers`` are sent with every request (``Accept: application/json`` unless given).
``api_key`` is sent in the header named ``api_key_header`` (default ``X-API-Key``); for
``Authorization`` a bare key is sent as ``Bearer <key>``. The key goes only to the
origin of the configured URL, never to a ``next_url`` on another host. It is a
sensitive field (masked by `Connector.masked`), and any error this connector raises or
reports has the key replaced by ``••••••``, in case an API echoes it into a link.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from connectors.base import (
    ConfigError,
    Connector,
    FetchContext,
    FetchError,
    FetchResult,
    Field,
    Record,
    RecordError,
    SampleSource,
    check_language_tag,
)
from connectors.http import HttpError, Response, redact_url
from connectors.mapping import RecordBuilder, UnusableItemError, check_kind, check_mapping

PAGING_STYLES = ("none", "page", "offset", "cursor", "next_url")
_DEFAULT_PAGE_PARAMS = {"page": "page", "offset": "offset", "cursor": "cursor"}
_MASK = "••••••"
_HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")  # an RFC 9110 token
_AUTH_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9!#$%&'*+.^_`|~-]* \S")


# ------------------------------------------------------------------------- paths


@dataclass(frozen=True)
class JsonPath:
    """A compiled path: key and position steps; None stands for ``[]`` (every element)."""

    text: str
    steps: tuple[str | int | None, ...]

    def resolve(self, value: Any) -> Any:
        """Return what the path finds in `value`; None where it finds nothing."""
        return _walk(value, self.steps)


_SPLIT_DOTS = re.compile(r"(?<!\\)\.")
_STEP = re.compile(r"(?P<key>(?:[^\[\]\\]|\\.)*)(?P<brackets>(?:\[-?\d*\])*)")
_BRACKET = re.compile(r"\[(-?\d*)\]")
_POSITION = re.compile(r"-?\d+")


def parse_path(text: str) -> JsonPath:
    """Compile a dotted path (``a.b``, ``a.0.b``, ``a[0].b``, ``a[].b``); ValueError if bad."""
    steps: list[str | int | None] = []
    if text.strip() == "":
        return JsonPath(text, ())
    for part in _SPLIT_DOTS.split(text.strip()):
        match = _STEP.fullmatch(part)
        if match is None:
            raise ValueError(f"{text!r} has a misplaced bracket in {part!r}")
        key = match.group("key").replace("\\.", ".")
        brackets = _BRACKET.findall(match.group("brackets"))
        if not key and not brackets:
            raise ValueError(f"{text!r} has an empty step")
        if key:
            steps.append(int(key) if _POSITION.fullmatch(key) else key)
        steps.extend(int(b) if b else None for b in brackets)
    return JsonPath(text, tuple(steps))


def _walk(value: Any, steps: tuple[str | int | None, ...]) -> Any:
    for position, step in enumerate(steps):
        if value is None:
            return None
        if step is None:
            elements = value if isinstance(value, list) else [value]
            rest = steps[position + 1 :]
            found = [_walk(element, rest) for element in elements]
            # A nested [] gives lists: flatten them, so "a[].b[]" is one list of values.
            flat = [v for f in found for v in (f if isinstance(f, list) and None in rest else [f])]
            return [v for v in flat if v is not None]
        value = _step(value, step)
    return value


def _step(value: Any, step: str | int) -> Any:
    if isinstance(value, dict):
        return value.get(str(step))
    if isinstance(value, list) and isinstance(step, int):
        return value[step] if -len(value) <= step < len(value) else None
    return None


def _check_path(text: str) -> str | None:
    try:
        parse_path(text)
    except ValueError as exc:
        return str(exc)
    return None


def _check_api_mapping(mapping: dict[str, Any]) -> str | None:
    if message := check_mapping(mapping):
        return message  # paths are only parsed once every one is known to be text
    return next((m for m in map(_check_path, mapping.values()) if m), None)


def _check_headers(headers: dict[str, Any]) -> str | None:
    for name, value in headers.items():
        if not isinstance(name, str) or not _HEADER_NAME.fullmatch(name):
            return f"{name!r} is not a header name"
        if not isinstance(value, str) or any(c in value for c in "\r\n\0"):
            return f"the value of {name} must be text on one line"
    return None


def _check_header_name(name: str) -> str | None:
    return None if _HEADER_NAME.fullmatch(name) else "is not a header name"


def _check_secret(value: str) -> str | None:
    # Never echo the value: this message is shown wherever the config is.
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in value):
        return "must be one line of text without control characters"
    return None


# ---------------------------------------------------------------------- connector


class JsonApiConnector(Connector):
    """Read items from a JSON API with a declared field mapping and paging."""

    type = "json_api"
    label = "JSON API"
    description = "Items from any JSON API, with a declared field mapping and paging."
    fields = (
        Field("url", "url", "API URL", required=True, help="The first page of the listing."),
        Field(
            "items_path",
            "str",
            "Items path",
            default="",
            validate=_check_path,
            help='Dotted path to the list of items, e.g. "data.items"; empty when the '
            "response is the list.",
        ),
        Field(
            "mapping",
            "dict",
            "Field mapping",
            required=True,
            validate=_check_api_mapping,
            help='Target → path inside one item, e.g. {"external_id": "id", "title": '
            '"attributes.title", "tags": "tags[].name"}.',
        ),
        Field(
            "kind",
            "str",
            "Kind of items",
            default="content",
            choices=("content", "service"),
            help="content: notices, news, ...; service: items with a service guide.",
        ),
        Field(
            "paging",
            "str",
            "Paging",
            default="none",
            choices=PAGING_STYLES,
            help="How further pages are asked for: none, page, offset, cursor or next_url.",
        ),
        Field(
            "page_param",
            "str",
            "Page parameter",
            default="",
            help='Query parameter of the page number, offset or cursor; empty: "page", '
            '"offset" or "cursor" by paging style.',
        ),
        Field("first_page", "int", "First page number", default=1, minimum=0),
        Field(
            "page_size_param",
            "str",
            "Page size parameter",
            default="page_size",
            help="Query parameter of the page size; empty sends none.",
        ),
        Field("page_size", "int", "Page size", default=100, minimum=1, maximum=10000),
        Field(
            "cursor_path",
            "str",
            "Next cursor / next URL path",
            validate=_check_path,
            help="Dotted path in the response to the next cursor or next-page URL, e.g. "
            '"links.next". Needed for cursor and next_url paging.',
        ),
        Field("max_pages", "int", "Most pages read", default=50, minimum=1, maximum=10000),
        Field("language", "str", "Language", validate=check_language_tag),
        Field(
            "headers",
            "dict",
            "Request headers",
            validate=_check_headers,
            help='Sent with every request, e.g. {"Accept": "application/json"}. Put secrets '
            "in the API key, which is masked.",
        ),
        Field(
            "api_key",
            "str",
            "API key",
            sensitive=True,
            validate=_check_secret,
            help="Sent in the API key header, to the API's own host only.",
        ),
        Field(
            "api_key_header",
            "str",
            "API key header",
            default="X-API-Key",
            validate=_check_header_name,
            help='For "Authorization" a bare key is sent as "Bearer <key>".',
        ),
    )

    @classmethod
    def validate_config(cls, raw: Mapping[str, Any]) -> dict[str, Any]:
        """Return the checked config; cursor paging needs a cursor path, guides a service."""
        config = super().validate_config(raw)
        errors = {}
        if message := check_kind(config["mapping"], config["kind"]):
            errors["mapping"] = message
        if config["paging"] in ("cursor", "next_url") and not config["cursor_path"]:
            errors["cursor_path"] = f"is required for {config['paging']} paging"
        if errors:
            raise ConfigError(errors)
        return config

    @classmethod
    def sample_source(cls, base_url: str) -> SampleSource:
        """Return two pages of notices linked by a next URL."""
        root = base_url.rstrip("/")
        return SampleSource(
            config={
                "url": f"{root}/api/notices.json",
                "items_path": "data.items",
                "mapping": {
                    "external_id": "id",
                    "title": "attributes.title",
                    "summary": "attributes.summary",
                    "url": "links.self",
                    "tags": "attributes.topics[].name",
                    "published_at": "attributes.published",
                    "extra:office": "attributes.office.name",
                },
                "paging": "next_url",
                "cursor_path": "links.next",
                "language": "zh-CN",
            },
            documents={
                "/api/notices.json": ("application/json", _SAMPLE_PAGES[0].encode()),
                "/api/notices-2.json": ("application/json", _SAMPLE_PAGES[1].encode()),
            },
            expected=3,
        )

    def fetch(self, context: FetchContext) -> FetchResult:
        """Read every page (up to max_pages) and turn its items into records."""
        try:
            return self._fetch(context)
        except FetchError as exc:
            _mask_secret(exc, self.config["api_key"])
            raise

    def _fetch(self, context: FetchContext) -> FetchResult:
        paging = self.config["paging"]
        builder = RecordBuilder(
            kind=self.config["kind"], base_url=self.config["url"], language=self.config["language"]
        )
        reader = _ItemReader(builder, self.config["mapping"])
        pages = _Pages(self.config)
        url: str | None = pages.first_url()
        cursor: dict[str, Any] = {}
        number = 0
        while url is not None:
            if number == self.config["max_pages"]:
                break  # more was announced than may be read: the listing is partial
            number += 1
            conditional = context.cursor if paging == "none" else None
            response = context.http.get(url, headers=self._headers(url), conditional=conditional)
            if response.not_modified:
                return FetchResult(records=[], cursor=context.cursor, not_modified=True)
            document = response.json()
            items = self._items(document, response)
            reader.read(items, number, response.url)
            url = pages.next_url(response, document, items)
            if paging == "none":
                cursor = response.validators()
        return FetchResult(
            records=reader.records,
            cursor=cursor,
            complete=url is None,
            errors=[self._scrubbed(error) for error in reader.errors],
        )

    def _headers(self, url: str) -> dict[str, str]:
        headers = {"Accept": "application/json", **(self.config["headers"] or {})}
        key = self.config["api_key"]
        if key and _same_origin(url, self.config["url"]):
            name = self.config["api_key_header"]
            if name.lower() == "authorization" and not _AUTH_SCHEME.match(key):
                key = f"Bearer {key}"
            headers[name] = key
        return headers

    def _items(self, document: Any, response: Response) -> list[Any]:
        path = parse_path(self.config["items_path"])
        items = path.resolve(document)
        if items is None and path.steps and _parent_exists(document, path):
            return []  # "items": null is how some APIs say "no items"
        if not isinstance(items, list):
            found = "nothing" if items is None else _json_kind(items)
            problem = (
                f"items_path {path.text!r} does not lead to a list of items (found {found})"
                if path.steps
                else f"the response is not a list of items (found {found}); set items_path"
            )
            raise FetchError(f"{redact_url(response.url)}: {problem}")
        return items

    def _scrubbed(self, error: RecordError) -> RecordError:
        secret = self.config["api_key"]
        if secret and secret in error.reason:
            error.reason = error.reason.replace(secret, _MASK)
        return error


class _ItemReader:
    """Turn the items of each page into records, keeping the first of each id."""

    def __init__(self, builder: RecordBuilder, mapping: dict[str, str]):
        self.builder = builder
        self.paths = {target: parse_path(where) for target, where in mapping.items()}
        self.records: list[Record] = []
        self.errors: list[RecordError] = []
        self._seen: dict[str, str] = {}

    def read(self, items: list[Any], page: int, page_url: str) -> None:
        """Add the records (and errors) of one page's items."""
        # Relative links in an item are relative to the page that holds it.
        builder = replace(self.builder, base_url=page_url)
        for position, item in enumerate(items, start=1):
            where = f"page {page}, item {position}"
            if not isinstance(item, dict):
                self.errors.append(RecordError(f"{where}: is {_json_kind(item)}, not an object"))
                continue
            values = {target: path.resolve(item) for target, path in self.paths.items()}
            try:
                built = builder.build(values)
            except UnusableItemError as exc:
                self.errors.append(RecordError(f"{where}: {exc}", exc.external_id))
                continue
            record = built.record
            if (first := self._seen.setdefault(record.external_id, where)) != where:
                self.errors.append(
                    RecordError(f"{where}: repeats the external_id of {first}", record.external_id)
                )
                continue
            self.errors.extend(
                RecordError(f"{where}: {problem}", record.external_id, skipped=False)
                for problem in built.problems
            )
            self.records.append(record)


class _Pages:
    """Where the next page is, for each paging style; refuses to go round in circles."""

    def __init__(self, config: Mapping[str, Any]):
        self.style: str = config["paging"]
        self.url: str = config["url"]
        self.page_param = config["page_param"] or _DEFAULT_PAGE_PARAMS.get(self.style, "")
        self.page_size_param: str = config["page_size_param"]
        self.page_size: int = config["page_size"]
        self.page = config["first_page"]
        self.offset = 0
        self.cursor_path = parse_path(config["cursor_path"] or "")
        self.seen: set[str] = set()
        self.previous_items: list[Any] | None = None

    def first_url(self) -> str:
        """Return the URL of the first page."""
        if self.style == "none":
            return self.url
        return self._with_paging(self._position())

    def next_url(self, response: Response, document: Any, items: list[Any]) -> str | None:
        """Return the URL of the page after `response`, or None when it was the last."""
        if self.style == "none":
            return None
        if self.style in ("page", "offset"):
            if not items:
                return None
            if items == self.previous_items:
                raise FetchError(
                    f"{redact_url(response.url)}: this page repeats the previous one; the API "
                    f"seems to ignore {self.page_param!r} (check paging and page_param)"
                )
            self.previous_items = items
            self.page += 1
            self.offset += len(items)
            return self._with_paging(self._position())
        found = self.cursor_path.resolve(document)
        if found is None or found == "":
            return None
        if isinstance(found, bool) or not isinstance(found, str | int):
            raise FetchError(
                f"{redact_url(response.url)}: {self.cursor_path.text!r} holds "
                f"{_json_kind(found)}, not a {'URL' if self.style == 'next_url' else 'cursor'}"
            )
        if self.style == "cursor":
            following = self._with_paging(str(found))
        else:
            following = urljoin(response.url, str(found))
        if following in self.seen or following == response.url:
            raise FetchError(
                f"{redact_url(response.url)}: the API sent the same "
                f"{'next URL' if self.style == 'next_url' else 'cursor'} twice; stopped to "
                "avoid a loop"
            )
        self.seen.add(following)
        return following

    def _position(self) -> int | None:
        # Cursor and next-URL listings start without a position; the API names the next.
        return {"page": self.page, "offset": self.offset}.get(self.style)

    def _with_paging(self, position: int | str | None) -> str:
        params: dict[str, str] = {}
        if position is not None:
            params[self.page_param] = str(position)
        if self.page_size_param:
            params[self.page_size_param] = str(self.page_size)
        return _with_query(self.url, params)


def _with_query(url: str, params: Mapping[str, str]) -> str:
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in params]
    query.extend(params.items())
    return urlunsplit(parts._replace(query=urlencode(query)))


def _mask_secret(exc: FetchError, secret: str | None) -> None:
    """Replace `secret` in the text of `exc`, keeping its class (an HttpStatusError stays one)."""
    if not secret or secret not in str(exc):
        return
    if isinstance(exc, HttpError):
        exc.message = exc.message.replace(secret, _MASK)
        exc.url = exc.url.replace(secret, _MASK) if exc.url else exc.url
    exc.args = tuple(a.replace(secret, _MASK) if isinstance(a, str) else a for a in exc.args)


def _same_origin(a: str, b: str) -> bool:
    pa, pb = urlsplit(a), urlsplit(b)
    return (pa.scheme, pa.hostname, pa.port) == (pb.scheme, pb.hostname, pb.port)


def _parent_exists(document: Any, path: JsonPath) -> bool:
    parent = JsonPath(path.text, path.steps[:-1]).resolve(document)
    return isinstance(parent, dict) and str(path.steps[-1]) in parent


def _json_kind(value: Any) -> str:
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "text"
    if isinstance(value, bool):
        return "true/false"
    if value is None:
        return "null"
    return "a number"


_SAMPLE_PAGES = (
    """{"data": {"items": [
  {"id": "n-2026-031", "attributes": {"title": "关于2026年度城乡居民医保集中参保缴费的通告",
   "summary": "2026年度城乡居民基本医疗保险集中参保缴费期为9月1日至12月31日。",
   "topics": [{"name": "医疗保障"}, {"name": "参保缴费"}], "published": "2026-09-01T09:00:00+08:00",
   "office": {"name": "市医疗保障局"}}, "links": {"self": "/notices/n-2026-031.html"}},
  {"id": "n-2026-030", "attributes": {"title": "住房公积金业务系统升级暂停服务公告",
   "topics": [{"name": "住房公积金"}], "published": "2026年8月28日",
   "office": {"name": "市住房公积金管理中心"}}, "links": {"self": "/notices/n-2026-030.html"}}
 ]}, "links": {"next": "notices-2.json"}}""",
    """{"data": {"items": [
  {"id": "n-2026-029", "attributes": {"title": "新生儿出生“一件事”联办服务上线",
   "summary": "出生医学证明、户口登记、医保参保一次办理。", "topics": [],
   "published": "2026-08-20", "office": {"name": "市政务服务数据管理局"}},
   "links": {"self": "/notices/n-2026-029.html"}}
 ]}, "links": {"next": null}}""",
)
