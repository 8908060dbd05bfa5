"""A WeChat official account's published articles (公众号 已发布图文), through WeChat's API.

What the source looks like
--------------------------
The server-side API of the Official Accounts Platform (微信公众平台), with the account's
AppID and AppSecret (开发 → 基本配置; the calling server's IP address must be on the
account's IP whitelist there):

1. ``GET {api_base}/cgi-bin/token?grant_type=client_credential&appid=…&secret=…``
   answers ``{"access_token": "…", "expires_in": 7200}``;
2. ``POST {api_base}/cgi-bin/freepublish/batchget?access_token=…`` with the JSON body
   ``{"offset": 0, "count": 20, "no_content": 0}`` answers ``{"total_count": N,
   "item_count": n, "item": [{"article_id": "…", "content": {"news_item": [{"title",
   "author", "digest", "content", "content_source_url", "thumb_media_id", "url",
   "is_deleted"}, …], "create_time": …, "update_time": …}, "update_time": …}, …]}``:
   the successfully published messages (发布), newest first, each holding one or more
   articles. ``count`` is at most 20, so the list is paged with ``offset``. (Articles
   sent as mass messages (群发) are not in this list; WeChat has no API for those.)

Errors come back with HTTP 200 as ``{"errcode": N, "errmsg": "…"}``. 40001, 40014 and
42001 from batchget (token invalid, malformed or expired, e.g. because another system
asked for a new one) make the connector forget its token, ask for a new one and retry,
once a run. Every other errcode (and 40001 from the token endpoint itself: a wrong
AppSecret) fails the run with a `FetchError` naming the errcode and errmsg, with a hint
for the common ones.

The secret
----------
``app_secret`` is a sensitive field: masked wherever a configuration is shown. It only
ever travels in the token request's query string, which `connectors.http.redact_url`
redacts (``secret``, like ``access_token``) in every error message; as a second net,
any text of an error raised here has the secret and the token replaced by ``***``.
Nothing here logs a URL.

The access token is derived from the secret and is as good as it for two hours, so it
is never put in the cursor (which the database stores in plain form). It is kept in a
process-level cache keyed by (api_base, app_id, a SHA-256 of the secret), with its
expiry; it is refreshed five minutes before WeChat says it expires (halfway, for
lifetimes under ten minutes). The secret's hash is in the key so that a connector
configured with the right AppID but a wrong secret cannot borrow another's token.
`forget_tokens` empties the cache. Each process asks for its own token, and asking
for a token ends the previous one within five minutes (WeChat's rule), also for any
other system using the same AppID: the department's own WeChat back end should use
``stable_token`` (getStableAccessToken) so that this connector does not disturb it.

Mapping
-------
Each article (``news_item``) of each published message becomes a content `Record`:

* ``external_id``: ``"{article_id}:{index}"``, ``index`` counting from 1 within the
  message as WeChat numbers them (its delete API uses the same numbers);
* ``title``; ``summary``: ``digest``; ``body_html``: ``content`` (raw HTML, sanitised by
  the sync runner); ``url``: the article's permanent link (``url``);
* ``published_at``: the message's ``create_time``; ``updated_at``: its ``update_time``
  (else the item's); epoch seconds, as aware UTC (impossible times → None);
* ``content_type``: the configured one (default "news"); ``language``: not set
  (accounts write in the language they choose);
* ``extra``: ``author`` and ``content_source_url`` (阅读原文) when given.

Articles with ``is_deleted`` true are skipped; an article without a title is a
`RecordError`. At most ``max_articles`` articles are read. The run is complete only
when the whole list was read: every page up to ``total_count``, no cap hit, and
``total_count`` unchanged between pages (a message published or deleted while paging
shifts the offsets). Cursor: none (``{}``); the list is read in full every run.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from typing import Any
from urllib.parse import urlencode

from connectors.base import (
    Connector,
    FetchContext,
    FetchError,
    FetchResult,
    Field,
    Record,
    RecordError,
    SampleSource,
    clean_text,
    plausible_time,
    web_url,
)
from connectors.feed import CONTENT_TYPES
from connectors.http import GuardedSession, Response

DEFAULT_API_BASE = "https://api.weixin.qq.com"
PAGE_SIZE = 20  # the most batchget returns a call
TOKEN_REFRESH_MARGIN = 300.0  # seconds before expiry a cached token is replaced
_TOKEN_ERRORS = {40001, 40014, 42001}  # invalid, malformed, expired access_token
_HINTS = {
    40001: "check the AppSecret",
    40013: "check the AppID",
    40125: "check the AppSecret",
    40164: "add this server's IP address to the account's IP whitelist (开发 → 基本配置)",
    48001: "the account is not authorised for this API (unverified accounts are not)",
    -1: "WeChat is busy; the next run will try again",
}

# (api_base, app_id, sha256 of the secret) -> (access token, monotonic time to renew)
_tokens: dict[tuple[str, str, str], tuple[str, float]] = {}
# Held while a token is fetched: two runs in one process asking at once would end
# each other's token.
_tokens_lock = threading.Lock()
_clock = time.monotonic  # the tests move it forward


def forget_tokens() -> None:
    """Empty the process-level access-token cache."""
    with _tokens_lock:
        _tokens.clear()


def _check_app_id(value: str) -> str | None:
    if not value.replace("_", "").replace("-", "").isalnum() or not value.isascii():
        return "must be the account's AppID, such as wx1234567890abcdef"
    return None


class WeChatConnector(Connector):
    """Read a WeChat official account's published articles."""

    type = "wechat"
    label = "WeChat official account (微信公众号)"
    description = "Articles an official account published, read through WeChat's API."
    fields = (
        Field(
            "app_id",
            "str",
            "AppID",
            required=True,
            validate=_check_app_id,
            help="开发 → 基本配置 → 开发者ID (AppID).",
        ),
        Field(
            "app_secret",
            "str",
            "AppSecret",
            required=True,
            sensitive=True,
            help="开发 → 基本配置 → 开发者密码 (AppSecret). Add this server's IP address "
            "to the IP whitelist there too.",
        ),
        Field(
            "api_base",
            "url",
            "API address",
            default=DEFAULT_API_BASE,
            help="Only changed for a proxy or a test server.",
        ),
        Field("max_articles", "int", "Most articles read", default=200, minimum=1),
        Field(
            "content_type",
            "str",
            "Content type",
            default="news",
            choices=CONTENT_TYPES,
            help="What the account's articles are.",
        ),
    )

    def fetch(self, context: FetchContext) -> FetchResult:
        """Read the published-articles list page by page and turn articles into records."""
        client = _Client(context, self.config)
        records: dict[str, Record] = {}
        errors: list[RecordError] = []
        read = offset = 0
        total: int | None = None
        steady = True  # total_count the same on every page
        reached_end = capped = False
        while not (reached_end or capped):
            page = client.batchget(offset, PAGE_SIZE)
            page_total = _count(page.get("total_count"))
            if page_total is None:
                raise FetchError("WeChat's published-articles list gave no total_count")
            items = page.get("item") if isinstance(page.get("item"), list) else []
            total = page_total if total is None else total
            steady = steady and page_total == total
            for article in _articles(items, errors):
                if read >= self.config["max_articles"]:
                    capped = True
                    break
                read += 1
                if (record := self._record(article, errors)) is not None:
                    records.setdefault(record.external_id, record)
            offset += len(items)
            # An empty page before total_count is a list that shrank while being read.
            reached_end = offset >= page_total
            if not items:
                break
        return FetchResult(
            records=list(records.values()),
            cursor={},
            complete=reached_end and steady and not capped,
            errors=errors,
        )

    def _record(self, article: _Article, errors: list[RecordError]) -> Record | None:
        title = clean_text(article.fields.get("title"))
        if title is None:
            errors.append(RecordError("an article without a title was skipped", article.id))
            return None
        extra = {
            "author": clean_text(article.fields.get("author")),
            "content_source_url": clean_text(article.fields.get("content_source_url")),
        }
        return Record(
            external_id=article.id,
            title=title,
            kind="content",
            content_type=self.config["content_type"],
            url=web_url(clean_text(article.fields.get("url"))),
            summary=clean_text(article.fields.get("digest")),
            body_html=article.fields.get("content") or None,
            published_at=article.published,
            updated_at=article.updated,
            extra={k: v for k, v in extra.items() if v},
        )

    @classmethod
    def sample_source(cls, base_url: str) -> SampleSource:
        """Return a token answer and one batchget page: three articles, one deleted.

        Assumes the kit's static server matches a request on its path alone (the query
        string, which carries the secret and the token here, is not part of the key)
        and answers a POST to a path with that path's document, as for a GET: the
        batchget call is a POST whose body (offset, count) this sample does not need,
        since its one page holds the whole list (total_count 2).
        """
        batch = {
            "total_count": 2,
            "item_count": 2,
            "item": [
                {
                    "article_id": "qs_article_0002",
                    "content": {
                        "news_item": [
                            _sample_article(
                                "zb2025",
                                "青山县2025年秋季征兵工作开始",
                                "征兵报名时间为9月1日至9月30日。",
                            ),
                            _sample_article("old", "（已删除）旧版通知", "", is_deleted=True),
                        ],
                        "create_time": 1756688400,
                        "update_time": 1756692000,
                    },
                    "update_time": 1756692000,
                },
                {
                    "article_id": "qs_article_0001",
                    "content": {
                        "news_item": [
                            _sample_article(
                                "yssf", "青山县政务服务中心延时服务公告", "工作日延长至晚上八点。"
                            )
                        ],
                        "create_time": 1756083600,
                        "update_time": 1756083600,
                    },
                    "update_time": 1756083600,
                },
            ],
        }
        json_type = "application/json; charset=utf-8"
        token = {"access_token": "SAMPLE_ACCESS_TOKEN", "expires_in": 7200}
        return SampleSource(
            config={
                "app_id": "wx0123456789abcdef",
                "app_secret": "sample-app-secret",
                "api_base": base_url.rstrip("/"),
            },
            documents={
                "/cgi-bin/token": (json_type, _json_bytes(token)),
                "/cgi-bin/freepublish/batchget": (json_type, _json_bytes(batch)),
            },
            expected=2,
        )


@dataclass
class _Article:
    """One news_item of a published message, with the message's id and times."""

    id: str
    fields: dict[str, Any]
    published: datetime | None
    updated: datetime | None


def _articles(items: list[Any], errors: list[RecordError]) -> Iterator[_Article]:
    """Yield the articles of published messages that are not deleted."""
    for item in items:
        content = item.get("content") if isinstance(item, dict) else None
        article_id = clean_text(item.get("article_id")) if isinstance(item, dict) else None
        if article_id is None or not isinstance(content, dict):
            errors.append(RecordError("a published message without article_id or content"))
            continue
        news_items = content.get("news_item")
        published = _epoch(content.get("create_time"))
        updated = _epoch(content.get("update_time")) or _epoch(item.get("update_time"))
        for index, fields in enumerate(news_items if isinstance(news_items, list) else []):
            if isinstance(fields, dict) and fields.get("is_deleted") is not True:
                # Numbered from 1, as WeChat numbers a message's articles.
                yield _Article(f"{article_id}:{index + 1}", fields, published, updated)


# ----------------------------------------------------------------------- client


class _Client:
    """The two API calls: the access token (cached) and the published-articles list."""

    def __init__(self, context: FetchContext, config: dict[str, Any]):
        self.http: GuardedSession = context.http
        self.logger = context.logger
        self.api_base = config["api_base"].rstrip("/")
        self.app_id: str = config["app_id"]
        self._secret: str = config["app_secret"]
        digest = hashlib.sha256(self._secret.encode()).hexdigest()
        self._key = (self.api_base, self.app_id, digest)
        self._token: str | None = None
        self._refreshed = False

    def batchget(self, offset: int, count: int) -> dict[str, Any]:
        """Return one page of the published-articles list."""
        while True:
            token = self._access_token()
            url = f"{self.api_base}/cgi-bin/freepublish/batchget?" + urlencode(
                {"access_token": token}
            )
            body = {"offset": offset, "count": count, "no_content": 0}
            answer = self._call(partial(self.http.post, url, json=body))
            if _errcode(answer) in _TOKEN_ERRORS and not self._refreshed:
                # Another process (or the department's own system) asked for a new
                # token, or ours expired early: one new token, one retry.
                self.logger.info("WeChat access token of %s refused; asking again", self.app_id)
                self._refreshed = True
                self._forget(token)
                continue
            return self._checked(answer, "freepublish/batchget")

    def _access_token(self) -> str:
        with _tokens_lock:
            cached = _tokens.get(self._key)
            if cached is not None and _clock() < cached[1]:
                self._token = cached[0]
                return self._token
            url = f"{self.api_base}/cgi-bin/token?" + urlencode(
                {"grant_type": "client_credential", "appid": self.app_id, "secret": self._secret}
            )
            answer = self._checked(self._call(partial(self.http.get, url)), "token")
            token = clean_text(answer.get("access_token"))
            if token is None:
                raise FetchError("WeChat's token answer holds no access_token")
            lifetime = float(_count(answer.get("expires_in")) or 7200)
            if lifetime > 2 * TOKEN_REFRESH_MARGIN:
                lifetime -= TOKEN_REFRESH_MARGIN
            else:
                lifetime /= 2
            _tokens[self._key] = (token, _clock() + lifetime)
            self._token = token
            return token

    def _forget(self, token: str) -> None:
        with _tokens_lock:
            if _tokens.get(self._key, ("",))[0] == token:
                del _tokens[self._key]

    def _call(self, request: Callable[[], Response]) -> dict[str, Any]:
        """Make a request and return its JSON object, keeping credentials out of errors."""
        try:
            answer = request().json()
        except FetchError as exc:
            message = self._scrubbed(str(exc))
            if message != str(exc):
                raise FetchError(message) from None
            raise
        if not isinstance(answer, dict):
            raise FetchError("WeChat answered with JSON that is not an object")
        return answer

    def _checked(self, answer: dict[str, Any], what: str) -> dict[str, Any]:
        code = _errcode(answer)
        if code:
            message = clean_text(answer.get("errmsg")) or "no errmsg"
            hint = f" ({_HINTS[code]})" if code in _HINTS else ""
            raise FetchError(
                self._scrubbed(f"WeChat {what} failed: errcode {code}: {message}{hint}")
            )
        return answer

    def _scrubbed(self, text: str) -> str:
        for secret in (self._secret, self._token):
            if secret:
                text = text.replace(secret, "***")
        return text


def _errcode(answer: dict[str, Any]) -> int:
    code = answer.get("errcode", 0)
    try:
        return int(code)
    except (TypeError, ValueError):
        return -1 if code else 0


def _count(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _epoch(value: Any) -> datetime | None:
    seconds = _count(value)
    if seconds is None:
        return None
    try:
        return plausible_time(datetime.fromtimestamp(seconds, UTC))
    except (OverflowError, OSError, ValueError):
        return None


def _sample_article(
    slug: str, title: str, digest: str, *, is_deleted: bool = False
) -> dict[str, Any]:
    return {
        "title": title,
        "author": "青山发布",
        "digest": digest,
        "content": f"<p>{digest or title}</p>",
        "content_source_url": "",
        "thumb_media_id": "THUMB_MEDIA_ID",
        "url": f"https://mp.weixin.qq.com/s/qingshan-{slug}",
        "is_deleted": is_deleted,
    }


def _json_bytes(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode()
