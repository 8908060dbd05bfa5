"""A government micro-blog account's public posts, from a Mastodon-compatible server.

What the source looks like
--------------------------
The account lives on an ActivityPub server (Mastodon, or one that speaks its API:
Pleroma/Akkoma, GoToSocial, ...). It is read without credentials, in one of two modes:

* ``mastodon_api`` (default): ``GET /api/v1/accounts/lookup?acct=<name>`` gives the
  account id; ``GET /api/v1/accounts/<id>/statuses?limit=40&exclude_replies=…&
  exclude_reblogs=…`` gives statuses newest first, paged back with ``max_id`` (the last
  id of the previous page) until a page comes back empty. This is the documented
  Mastodon client API.
* ``outbox``: WebFinger (``/.well-known/webfinger?resource=acct:<name>@<domain>``) gives
  the actor's URL (the ``self`` link of type ``application/activity+json``); the actor
  (asked for with ``Accept: application/activity+json``) names its ``outbox``, an
  ``OrderedCollection`` whose pages (``first``, then each page's ``next``) hold the
  activities newest first. ``Create`` activities carry the posts (``Note``, also
  ``Article``, ``Page`` and ``Question``); an object given only by its id is fetched.

Every request goes to ``instance_url`` (also WebFinger, for an account written with
another domain), except the actor, outbox pages and boosted posts, which are read
where the server's documents say they are.

Which posts
-----------
Public and unlisted posts only. Replies to other accounts are left out unless
``include_replies`` (a thread the account continues itself is kept, as Mastodon's
``exclude_replies`` does). Boosts are left out unless ``include_boosts``; a boost then
becomes a record of the boosted post under the boost's own id. Deleted posts
(``Tombstone`` objects) and other activities (``Delete``, ``Like``, ...) are skipped
silently. At most ``max_posts`` records are read a run.

Mapping
-------
* ``external_id``: the post's URI (the status ``uri`` / the object ``id``; for a
  boost, the boost's own URI, with ``extra["boost_of"]`` the boosted post's);
* ``title``: the first line, cut at its first sentence end, at most 60 characters
  (an ellipsis marks a cut); for a post without text, the content warning, else the URL;
* ``body_html``: the post's HTML as sent (the sync runner sanitises it);
* ``summary``: the content warning (``spoiler_text`` / the object's ``summary``) when
  there is one, else empty (the runner derives one from the body);
* ``url``: the status page (``url``), else the URI; ``published_at``: ``created_at`` /
  ``published``; ``updated_at``: ``edited_at`` / ``updated``;
* ``tags``: the hashtags, without ``#``; ``content_type``: "news";
* ``language``: the post's own (``language`` / the first ``contentMap`` key), else the
  configured one;
* ``extra``: ``attachments`` (url, type, description) when there are any,
  ``sensitive`` when the post is marked so, ``boost_of`` and ``author`` for boosts.

A status that cannot be read (no URI) is a `RecordError`; a boosted or referenced
object that cannot be fetched is a `RecordError` and marks the listing incomplete.
Anything wrong with the account lookup, WebFinger, the actor, the outbox or a page of
statuses fails the run.

Cursor and completeness
-----------------------
The cursor keeps the newest post id seen (``since_id``; the status id in
``mastodon_api`` mode, the post URI and its time in ``outbox`` mode) and the mode it
belongs to. A later run asks only for newer posts (``since_id=`` in the API; the
outbox is read until the known post), so such an incremental run is never complete: it
says nothing about older posts. A run with nothing newer answers ``not_modified``. A
run without a cursor (the first, or after the mode changed) is complete when it reached
the end of the account's posts within ``max_posts`` and every post could be read. If
more than ``max_posts`` posts appear between two runs, the older of them are not read
(clear the cursor for a full run).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import quote, urlencode, urljoin, urlsplit

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
from connectors.feed import html_to_text
from connectors.http import Response

MODES = ("mastodon_api", "outbox")
PAGE_LIMIT = 40  # the most Mastodon's statuses API gives a page
# Statuses or activities examined a run, per post wanted: replies, boosts and other
# activities left out still cost requests, and a hostile server could page for ever.
EXAMINED_PER_POST = 4
TITLE_LIMIT = 60
_ACTIVITY_ACCEPT = (
    "application/activity+json, "
    'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'
)
_ACTIVITY_TYPES = {"application/activity+json", "application/ld+json"}
_POST_TYPES = {"Note", "Article", "Page", "Question"}
_PUBLIC_VISIBILITY = {None, "public", "unlisted"}
_ACCOUNT = re.compile(r"@?(?P<user>[A-Za-z0-9_][A-Za-z0-9_.-]*)(?:@(?P<domain>[A-Za-z0-9.-]+))?")
_SENTENCE_END = re.compile(r"[。！？!?]|\.(?=\s|$)")


def _check_account(value: str) -> str | None:
    if not _ACCOUNT.fullmatch(value):
        return "must be an account name such as qingshan_police or @qingshan_police@example.gov.cn"
    return None


class ActivityPubConnector(Connector):
    """Read an account's public posts from a Mastodon-compatible server."""

    type = "activitypub"
    label = "Micro-blog account (ActivityPub / Mastodon)"
    description = "Public posts of a government account on a Mastodon-compatible server."
    fields = (
        Field(
            "instance_url",
            "url",
            "Server URL",
            required=True,
            help="The account's home server, e.g. https://social.example.gov.cn",
        ),
        Field(
            "account",
            "str",
            "Account",
            required=True,
            validate=_check_account,
            help="qingshan_police, or @qingshan_police@social.example.gov.cn",
        ),
        Field(
            "mode",
            "str",
            "How to read",
            default="mastodon_api",
            choices=MODES,
            help="mastodon_api: the Mastodon client API; outbox: the ActivityPub outbox, for "
            "servers without that API.",
        ),
        Field("max_posts", "int", "Most posts read a run", default=200, minimum=1),
        Field("include_replies", "bool", "Include replies to others", default=False),
        Field("include_boosts", "bool", "Include boosts", default=False),
        Field(
            "language",
            "str",
            "Language",
            validate=check_language_tag,
            help="Used for posts that do not say their language.",
        ),
    )

    def fetch(self, context: FetchContext) -> FetchResult:
        """Read the posts newer than the cursor (all posts, on a first run)."""
        mode = self.config["mode"]
        cursor = context.cursor if context.cursor.get("mode") == mode else {}
        reader = (
            _ApiReader(self, context) if mode == "mastodon_api" else _OutboxReader(self, context)
        )
        listing = reader.read(cursor)
        incremental = bool(cursor.get("since_id"))
        if incremental and listing.newest is None and not listing.errors:
            return FetchResult(records=[], cursor=context.cursor, not_modified=True)
        new_cursor = {"mode": mode, **cursor, **(listing.newest or {})}
        return FetchResult(
            records=listing.records,
            cursor=new_cursor,
            complete=listing.reached_end and listing.intact and not incremental,
            errors=listing.errors,
        )

    @property
    def account(self) -> tuple[str, str]:
        """Return the account's user name and domain (the server's host when not given)."""
        match = _ACCOUNT.fullmatch(self.config["account"])
        if match is None:  # pragma: no cover - the field's validator refuses these
            raise FetchError(f"{self.config['account']!r} is not an account name")
        host = (urlsplit(self.config["instance_url"]).hostname or "").lower()
        return match["user"], (match["domain"] or host).lower()

    @property
    def base_url(self) -> str:
        return self.config["instance_url"].rstrip("/")

    def post_record(self, post: _Post, boost: _Post | None = None) -> Record:
        """Turn a post (and the boost that shared it, if any) into a record."""
        text = html_to_text(post.content)
        extra: dict[str, Any] = {}
        if post.attachments:
            extra["attachments"] = post.attachments
        if post.sensitive:
            extra["sensitive"] = True
        if boost is not None:
            extra["boost_of"] = post.uri
            if post.author:
                extra["author"] = post.author
        return Record(
            external_id=boost.uri if boost is not None else post.uri,
            title=_title(text) or _title(post.spoiler) or post.url or post.uri,
            kind="content",
            content_type="news",
            url=web_url(post.url) or web_url(post.uri),
            summary=post.spoiler,
            body_html=post.content,
            language=post.language or language_tag(self.config["language"]),
            tags=post.tags,
            published_at=post.published,
            updated_at=post.edited,
            extra=extra,
        )

    @classmethod
    def sample_source(cls, base_url: str) -> SampleSource:
        """Return an outbox with two posts, a reply to another account and a deleted post.

        The outbox mode is used because every document is static: the statuses API
        pages by query string, which one document per path cannot express.
        """
        base = base_url.rstrip("/")
        host = urlsplit(base).hostname
        actor = f"{base}/users/qingshan_police"
        webfinger = {
            "subject": f"acct:qingshan_police@{host}",
            "links": [{"rel": "self", "type": "application/activity+json", "href": actor}],
        }
        actor_doc = {
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": actor,
            "type": "Person",
            "preferredUsername": "qingshan_police",
            "outbox": f"{actor}/outbox",
        }

        def note(number: int, content: str, **more: Any) -> dict[str, Any]:
            return {
                "id": f"{actor}/statuses/{number}/activity",
                "type": "Create",
                "object": {
                    "id": f"{actor}/statuses/{number}",
                    "type": "Note",
                    "url": f"{base}/@qingshan_police/{number}",
                    "published": f"2025-09-0{number}T08:00:00Z",
                    "content": content,
                    "contentMap": {"zh": content},
                    "tag": [{"type": "Hashtag", "name": "#青山平安"}],
                    **more,
                },
            }

        outbox = {
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": f"{actor}/outbox",
            "type": "OrderedCollection",
            "totalItems": 4,
            "first": {
                "id": f"{actor}/outbox?page=true",
                "type": "OrderedCollectionPage",
                "orderedItems": [
                    note(4, "<p>您好，请拨打110。</p>", inReplyTo="https://other.example/1"),
                    {
                        "id": f"{actor}/statuses/3#delete",
                        "type": "Create",
                        "object": {"id": f"{actor}/statuses/3", "type": "Tombstone"},
                    },
                    note(2, "<p>国庆假期出行提示：注意交通安全。</p>"),
                    note(1, "<p>青山县公安局官方账号开通。欢迎关注！</p>"),
                ],
            },
        }
        activity = "application/activity+json"
        return SampleSource(
            config={"instance_url": base, "account": "qingshan_police", "mode": "outbox"},
            documents={
                "/.well-known/webfinger": ("application/jrd+json", _dumps(webfinger)),
                "/users/qingshan_police": (activity, _dumps(actor_doc)),
                "/users/qingshan_police/outbox": (activity, _dumps(outbox)),
            },
            expected=2,
        )


# ------------------------------------------------------------------- readers


@dataclass
class _Post:
    """One post as either mode reads it."""

    uri: str
    url: str | None = None
    content: str | None = None
    spoiler: str | None = None
    sensitive: bool = False
    language: str | None = None
    tags: list[str] = field(default_factory=list)
    published: datetime | None = None
    edited: datetime | None = None
    attachments: list[dict[str, Any]] = field(default_factory=list)
    author: str | None = None


@dataclass
class _Listing:
    """What one run read: records, problems, how far it got and the newest post seen."""

    max_posts: int
    records: list[Record] = field(default_factory=list)
    errors: list[RecordError] = field(default_factory=list)
    reached_end: bool = False
    intact: bool = True
    newest: dict[str, str] | None = None  # the cursor values of the newest post seen
    examined: int = 0

    @property
    def full(self) -> bool:
        """Say whether the run has read enough posts, or examined as many as it may."""
        return (
            len(self.records) >= self.max_posts
            or self.examined >= self.max_posts * EXAMINED_PER_POST + PAGE_LIMIT
        )


class _ApiReader:
    """Read statuses through the Mastodon client API."""

    def __init__(self, connector: ActivityPubConnector, context: FetchContext):
        self.connector = connector
        self.config = connector.config
        self.http = context.http

    def read(self, cursor: dict[str, Any]) -> _Listing:
        base = self.connector.base_url
        account_id = self._account_id()
        since_id = clean_text(cursor.get("since_id"))
        query: dict[str, str] = {
            "limit": str(PAGE_LIMIT),
            "exclude_replies": _flag(not self.config["include_replies"]),
            "exclude_reblogs": _flag(not self.config["include_boosts"]),
        }
        if since_id:
            query["since_id"] = since_id
        listing = _Listing(self.config["max_posts"])
        seen: set[str] = set()
        max_id: str | None = None
        newest: str | None = None
        while not listing.full and not listing.reached_end:
            paging = {"max_id": max_id} if max_id else {}
            url = f"{base}/api/v1/accounts/{quote(account_id, safe='')}/statuses?"
            page = self.http.get(url + urlencode({**query, **paging})).json()
            if not isinstance(page, list):
                raise FetchError(f"{url} did not answer with a list of statuses")
            if not page:
                listing.reached_end = True
                break
            statuses = [s for s in page if isinstance(s, dict) and _text(s.get("id"))]
            fresh = [s for s in statuses if _text(s.get("id")) not in seen]
            if not fresh:
                break  # the server ignores max_id: stop rather than read one page for ever
            for status in fresh:
                status_id = _text(status.get("id")) or ""
                seen.add(status_id)
                if since_id and not _newer(status_id, since_id):
                    listing.reached_end = True  # a server ignoring since_id: known ground
                    break
                if newest is None or _newer(status_id, newest):
                    newest = status_id
                listing.examined += 1
                self._add(status, account_id, listing)
                if listing.full:
                    break
            max_id = _text(fresh[-1].get("id"))
        if newest is not None:
            listing.newest = {"since_id": newest}
        return listing

    def _account_id(self) -> str:
        user, domain = self.connector.account
        host = (urlsplit(self.connector.base_url).hostname or "").lower()
        acct = user if domain == host else f"{user}@{domain}"
        url = f"{self.connector.base_url}/api/v1/accounts/lookup?" + urlencode({"acct": acct})
        account = _object(self.http.get(url), "account")
        account_id = _text(account.get("id"))
        if account_id is None:
            raise FetchError(f"the account lookup for {acct} gave no account id")
        return account_id

    def _add(self, status: dict[str, Any], account_id: str, listing: _Listing) -> None:
        boosted = status.get("reblog")
        if boosted and not self.config["include_boosts"]:
            return
        if status.get("visibility") not in _PUBLIC_VISIBILITY:
            return
        replied_to = _text(status.get("in_reply_to_account_id"))
        if (
            status.get("in_reply_to_id")
            and replied_to != account_id
            and not self.config["include_replies"]
        ):
            return
        try:
            post = _status_post(boosted if isinstance(boosted, dict) else status)
            boost = _status_post(status) if isinstance(boosted, dict) else None
        except _SkippedPost as exc:
            listing.errors.append(RecordError(f"status {status.get('id')}: {exc}"))
            return
        listing.records.append(self.connector.post_record(post, boost))


class _OutboxReader:
    """Read posts from the actor's ActivityPub outbox."""

    def __init__(self, connector: ActivityPubConnector, context: FetchContext):
        self.connector = connector
        self.config = connector.config
        self.http = context.http

    def read(self, cursor: dict[str, Any]) -> _Listing:
        actor = self._actor()
        actor_id = _text(actor.get("id")) or ""
        outbox_url = _link(actor.get("outbox"))
        if outbox_url is None:
            raise FetchError(f"the actor {actor_id} names no outbox")
        since_id = clean_text(cursor.get("since_id"))
        since_time = _time(cursor.get("since_published"))
        listing = _Listing(self.config["max_posts"])
        for activity in self._activities(outbox_url, listing):
            post_id, published = _identity(activity)
            if since_id and (
                post_id == since_id or (published and since_time and published < since_time)
            ):
                listing.reached_end = True
                break
            if listing.newest is None and post_id:
                stamp = published.isoformat() if published else ""
                listing.newest = {"since_id": post_id, "since_published": stamp}
            listing.examined += 1
            self._add(activity, actor_id, listing)
            if listing.full:
                break
        return listing

    def _actor(self) -> dict[str, Any]:
        user, domain = self.connector.account
        resource = f"acct:{user}@{domain}"
        url = f"{self.connector.base_url}/.well-known/webfinger?" + urlencode(
            {"resource": resource}
        )
        finger = _object(self.http.get(url, headers={"Accept": "application/jrd+json"}), "JRD")
        for link in finger.get("links") or ():
            if (
                isinstance(link, dict)
                and link.get("rel") == "self"
                and str(link.get("type", "")).split(";")[0].strip() in _ACTIVITY_TYPES
                and (href := _text(link.get("href")))
            ):
                return self._document(urljoin(url, href), "actor")
        raise FetchError(f"WebFinger names no ActivityPub actor for {resource}")

    def _document(self, url: str, what: str) -> dict[str, Any]:
        return _object(self.http.get(url, headers={"Accept": _ACTIVITY_ACCEPT}), what)

    def _activities(self, outbox_url: str, listing: _Listing) -> Iterator[Any]:
        """Yield the outbox's activities, newest first, page after page."""
        collection = self._document(outbox_url, "outbox")
        page: Any = collection.get("first")
        if page is None and ("orderedItems" in collection or "items" in collection):
            page = collection  # a small collection may hold its items itself
        visited: set[str] = set()
        while page is not None:
            if isinstance(page, str):
                if page in visited:
                    return  # a page naming itself (or an earlier one) as next: stop
                visited.add(page)
                page = self._document(urljoin(outbox_url, page), "outbox page")
            if not isinstance(page, dict):
                raise FetchError(f"an outbox page of {outbox_url} is not an object")
            items = page.get("orderedItems", page.get("items")) or []
            if not isinstance(items, list) or not items:
                listing.reached_end = True
                return
            yield from items
            page = page.get("next")
            if isinstance(page, dict) and not (page.get("orderedItems") or page.get("items")):
                page = _text(page.get("id"))  # a link given as an object
        listing.reached_end = True

    def _add(self, activity: Any, actor_id: str, listing: _Listing) -> None:
        if not isinstance(activity, dict):
            return
        kind = activity.get("type")
        if kind == "Announce" and not self.config["include_boosts"]:
            return
        if kind not in ("Create", "Announce"):
            return  # Delete, Update, Like, ...: not posts
        thing = activity.get("object")
        if isinstance(thing, str):
            try:
                thing = self._document(thing, "post")
            except FetchError as exc:
                listing.errors.append(RecordError(f"post not read: {exc}", thing))
                listing.intact = False
                return
        if not isinstance(thing, dict) or thing.get("type") not in _POST_TYPES:
            return  # Tombstones (deleted posts) and objects that are not posts
        reply_to = _link(thing.get("inReplyTo"))
        if (
            kind == "Create"
            and reply_to
            and not reply_to.startswith(actor_id.rstrip("/") + "/")
            and not self.config["include_replies"]
        ):
            return
        try:
            post = _object_post(thing)
            boost = _Post(uri=_text(activity.get("id")) or "") if kind == "Announce" else None
            if boost is not None and not boost.uri:
                raise _SkippedPost("the boost has no id")
        except _SkippedPost as exc:
            listing.errors.append(RecordError(f"activity {activity.get('id')}: {exc}"))
            return
        listing.records.append(self.connector.post_record(post, boost))


# ------------------------------------------------------------------- mapping


class _SkippedPost(Exception):
    pass


def _identity(activity: Any) -> tuple[str | None, datetime | None]:
    """Return the id and time an outbox activity is known by in the cursor.

    A Create is known by its post (the URI that becomes the external_id); anything
    else (a boost) by the activity itself.
    """
    if not isinstance(activity, dict):
        return None, None
    thing = activity.get("object")
    if activity.get("type") == "Create" and isinstance(thing, dict):
        return _text(thing.get("id")), _time(thing.get("published"))
    if activity.get("type") == "Create" and _text(thing):
        return _text(thing), _time(activity.get("published"))
    return _text(activity.get("id")), _time(activity.get("published"))


def _status_post(status: dict[str, Any]) -> _Post:
    """Read a Mastodon API status."""
    uri = _text(status.get("uri"))
    if uri is None:
        raise _SkippedPost("has no uri")
    account = status.get("account") if isinstance(status.get("account"), dict) else {}
    return _Post(
        uri=uri,
        url=_text(status.get("url")),
        content=_text(status.get("content")),
        spoiler=_text(status.get("spoiler_text")),
        sensitive=status.get("sensitive") is True,
        language=language_tag(status.get("language")),
        tags=_unique(_text(t.get("name")) for t in _dicts(status.get("tags"))),
        published=_time(status.get("created_at")),
        edited=_time(status.get("edited_at")),
        attachments=[
            _attachment(a.get("url"), a.get("type"), a.get("description"))
            for a in _dicts(status.get("media_attachments"))
            if _text(a.get("url"))
        ],
        author=_text(account.get("acct")),
    )


def _object_post(thing: dict[str, Any]) -> _Post:
    """Read an ActivityStreams object (a Note)."""
    uri = _text(thing.get("id"))
    if uri is None:
        raise _SkippedPost("has no id")
    content_map = thing.get("contentMap") if isinstance(thing.get("contentMap"), dict) else {}
    content = _text(thing.get("content")) or next(
        (t for t in map(_text, content_map.values()) if t), None
    )
    hashtags = (t for t in _dicts(thing.get("tag")) if t.get("type") == "Hashtag")
    return _Post(
        uri=uri,
        url=_page_url(thing.get("url")),
        content=content,
        spoiler=_text(thing.get("summary")),
        sensitive=thing.get("sensitive") is True,
        language=next(filter(None, map(language_tag, content_map)), None),
        tags=_unique((_text(t.get("name")) or "").lstrip("#") for t in hashtags),
        published=_time(thing.get("published")),
        edited=_time(thing.get("updated")),
        attachments=[
            _attachment(_link(a.get("url")), a.get("mediaType") or a.get("type"), a.get("name"))
            for a in _dicts(thing.get("attachment"))
            if _link(a.get("url"))
        ],
        author=_link(thing.get("attributedTo")),
    )


def _title(text: str | None) -> str | None:
    """Return the first line of `text`, cut at its first sentence end, at most 60 chars."""
    if not text:
        return None
    line = text.strip().splitlines()[0].strip()
    end = _SENTENCE_END.search(line)
    if end and end.end() < len(line):
        line = line[: end.end()]
    if len(line) > TITLE_LIMIT:
        line = line[: TITLE_LIMIT - 1].rstrip() + "…"
    return line or None


def _attachment(url: Any, kind: Any, description: Any) -> dict[str, Any]:
    return {"url": _text(url), "type": _text(kind), "description": _text(description)}


def _page_url(value: Any) -> str | None:
    """Return the HTML page among an object's url values (a string, Link or list)."""
    values = value if isinstance(value, list) else [value]
    links = [v for v in values if isinstance(v, dict)]
    for link in links:
        if str(link.get("mediaType", "")).startswith("text/html"):
            return _text(link.get("href"))
    return next(filter(None, map(_link, values)), None)


def _link(value: Any) -> str | None:
    """Return a URL given as a string or as a Link / object with href or id."""
    if isinstance(value, dict):
        return _text(value.get("href")) or _text(value.get("id"))
    return _text(value)


def _text(value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None
    return clean_text(value)


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [v for v in (value if isinstance(value, list) else [value]) if isinstance(v, dict)]


def _unique(values: Iterable[str | None]) -> list[str]:
    return list(dict.fromkeys(v for v in values if v))


def _time(value: Any) -> datetime | None:
    text = _text(value)
    if text is None:
        return None
    try:
        return plausible_time(datetime.fromisoformat(text))
    except ValueError:
        return None


def _newer(candidate: str, than: str) -> bool:
    """Say whether status id `candidate` is newer than `than`.

    Mastodon's ids are numbers in text (compared as numbers); GoToSocial's are ULIDs,
    which sort as text.
    """
    if candidate.isdigit() and than.isdigit():
        return int(candidate) > int(than)
    return candidate > than


def _flag(value: bool) -> str:
    return "true" if value else "false"


def _object(response: Response, what: str) -> dict[str, Any]:
    value = response.json()
    if not isinstance(value, dict):
        raise FetchError(f"{response.url}: the {what} is not a JSON object")
    return value


def _dumps(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode()
