import json
import logging
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pytest

from connectors import get_connector_class, wechat
from connectors.base import ConfigError, FetchError
from connectors.http import HttpStatusError
from connectors.wechat import WeChatConnector

from .servers import FIXTURES, Reply

APP_ID = "wx5e1c0ffee0d15ea5"
SECRET = "9f86d081884c7d659a2feaa0c55ad015"
PUBLISHED = json.loads((FIXTURES / "wechat" / "published.json").read_text())
FIRST = "Qs0TfXp9bA1cD2eF3gH4iJ5kL6mN7oP8qR9sT0uV1wX"


class FakeWeChat:
    """The two documented endpoints, with WeChat's errcodes and token rules.

    Only the latest token is valid (WeChat keeps the previous one for five minutes;
    that grace is left out), tokens can be expired by hand, and every answer is HTTP 200.
    """

    def __init__(self, server, published=PUBLISHED, expires_in=7200):
        self.server = server
        self.published = list(published)
        self.expires_in = expires_in
        self.issued: list[str] = []
        self.expired: set[str] = set()
        self.batch_errors: list[dict] = []  # answered (in order) instead of the list
        self.token_error: dict | None = None
        server.route("/cgi-bin/token", self.token)
        server.route("/cgi-bin/freepublish/batchget", self.batchget)

    @property
    def api_base(self) -> str:
        return self.server.url("").rstrip("/")

    def token(self, handler) -> Reply:
        query = {k: v[0] for k, v in parse_qs(urlsplit(handler.path).query).items()}
        if handler.command != "GET" or query.get("grant_type") != "client_credential":
            return answer({"errcode": 40002, "errmsg": "invalid grant_type"})
        if query.get("appid") != APP_ID:
            return answer({"errcode": 40013, "errmsg": "invalid appid"})
        if query.get("secret") != SECRET:
            return answer({"errcode": 40125, "errmsg": "invalid appsecret, rid: 68b0-01"})
        if self.token_error:
            return answer(self.token_error)
        self.issued.append(f"ACCESS_TOKEN_{len(self.issued) + 1}")
        return answer({"access_token": self.issued[-1], "expires_in": self.expires_in})

    def batchget(self, handler) -> Reply:
        token = parse_qs(urlsplit(handler.path).query).get("access_token", [""])[0]
        if handler.command != "POST":
            return answer({"errcode": 43002, "errmsg": "require POST method"})
        if token in self.expired:
            return answer({"errcode": 42001, "errmsg": "access_token expired rid: 68b0-02"})
        if not self.issued or token != self.issued[-1]:
            return answer(
                {
                    "errcode": 40001,
                    "errmsg": "invalid credential, access_token is invalid or not latest",
                }
            )
        if self.batch_errors:
            return answer(self.batch_errors.pop(0))
        body = json.loads(handler.body)
        offset, count = body["offset"], body["count"]
        if not 1 <= count <= 20 or body.get("no_content") != 0:
            return answer({"errcode": 40007, "errmsg": "invalid count"})
        items = self.published[offset : offset + count]
        return answer({"total_count": len(self.published), "item_count": len(items), "item": items})

    def bodies(self) -> list[dict]:
        return [json.loads(body) for path, body in self.server.posted]


def answer(value) -> Reply:
    # WeChat answers text/plain; the connector must not depend on the Content-Type.
    return Reply(headers={"Content-Type": "text/plain"}, body=json.dumps(value, ensure_ascii=False))


@pytest.fixture(autouse=True)
def fresh_token_cache():
    wechat.forget_tokens()
    yield
    wechat.forget_tokens()


@pytest.fixture
def fake(server):
    return FakeWeChat(server)


def fetch(make_context, fake, **config):
    config = {"app_id": APP_ID, "app_secret": SECRET, "api_base": fake.api_base, **config}
    return WeChatConnector(config).fetch(make_context())


def by_id(result):
    return {record.external_id: record for record in result.records}


def test_published_articles_become_records(fake, make_context):
    result = fetch(make_context, fake)
    records = by_id(result)
    assert len(records) == 6 and result.complete and not result.errors
    assert f"{FIRST}:3" not in records  # is_deleted
    article = records[f"{FIRST}:1"]
    assert article.title == "青山县2025年秋季征兵报名开始啦！"
    assert article.summary.startswith("报名时间：9月1日至9月30日")
    assert article.body_html.startswith("<section><p>根据上级征兵工作部署")
    assert article.url.startswith(
        "http://mp.weixin.qq.com/s?__biz=MzA5NjQ0MDAwMA==&mid=2650000001&idx=1"
    )
    assert (article.kind, article.content_type, article.language) == ("content", "news", None)
    assert article.published_at == datetime(2025, 9, 1, 1, tzinfo=UTC)
    assert article.updated_at == datetime(2025, 9, 1, 2, tzinfo=UTC)
    assert article.extra == {
        "author": "青山发布",
        "content_source_url": "https://www.gfbzb.gov.cn/",
    }
    second = records[f"{FIRST}:2"]
    assert second.summary is None and second.extra == {"author": "青山县人武部"}
    assert result.cursor == {}


def test_the_documented_requests_are_made(fake, make_context):
    fetch(make_context, fake, content_type="notice")
    token_path, batch_path = fake.server.paths()
    token_query = parse_qs(urlsplit(token_path).query)
    assert token_query == {
        "grant_type": ["client_credential"],
        "appid": [APP_ID],
        "secret": [SECRET],
    }
    assert parse_qs(urlsplit(batch_path).query) == {"access_token": ["ACCESS_TOKEN_1"]}
    assert fake.bodies() == [{"offset": 0, "count": 20, "no_content": 0}]
    assert fake.server.requests[1][1]["Content-Type"] == "application/json; charset=utf-8"


def test_the_list_is_paged_with_offset_until_total_count(fake, make_context, monkeypatch):
    monkeypatch.setattr(wechat, "PAGE_SIZE", 2)
    result = fetch(make_context, fake)
    assert len(result.records) == 6 and result.complete
    assert [b["offset"] for b in fake.bodies()] == [0, 2, 4]


def test_max_articles_caps_the_run_and_marks_it_incomplete(fake, make_context, monkeypatch):
    monkeypatch.setattr(wechat, "PAGE_SIZE", 2)
    capped = fetch(make_context, fake, max_articles=3)
    assert list(by_id(capped)) == [f"{FIRST}:1", f"{FIRST}:2", FIRST[:-1] + "Y:1"]
    assert not capped.complete
    exactly = fetch(make_context, fake, max_articles=6)
    assert len(exactly.records) == 6 and exactly.complete


def test_a_list_that_changes_while_paging_is_incomplete(fake, make_context, monkeypatch):
    monkeypatch.setattr(wechat, "PAGE_SIZE", 2)
    original = fake.batchget

    def publish_during_the_run(handler):
        reply = original(handler)
        fake.published.append(dict(PUBLISHED[-1], article_id="new"))
        return reply

    fake.server.route("/cgi-bin/freepublish/batchget", publish_during_the_run)
    assert not fetch(make_context, fake).complete


def test_an_empty_account_is_a_complete_empty_listing(server, make_context):
    fake = FakeWeChat(server, published=[])
    result = fetch(make_context, fake)
    assert result.records == [] and result.complete


# ------------------------------------------------------------------------ tokens


def test_the_token_is_cached_across_runs(fake, make_context):
    fetch(make_context, fake)
    fetch(make_context, fake)
    assert fake.issued == ["ACCESS_TOKEN_1"]
    assert sum(p.startswith("/cgi-bin/token") for p in fake.server.paths()) == 1


def test_a_cached_token_is_renewed_five_minutes_before_it_expires(fake, make_context, monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(wechat, "_clock", lambda: now[0])
    fetch(make_context, fake)
    now[0] += 7200 - 301
    fetch(make_context, fake)
    assert fake.issued == ["ACCESS_TOKEN_1"]
    now[0] += 2
    fetch(make_context, fake)
    assert fake.issued == ["ACCESS_TOKEN_1", "ACCESS_TOKEN_2"]


def test_a_wrong_secret_cannot_borrow_a_cached_token(fake, make_context):
    fetch(make_context, fake)
    with pytest.raises(FetchError, match="errcode 40125"):
        fetch(make_context, fake, app_secret="not-the-secret")


@pytest.mark.parametrize("errcode", [40001, 42001])
def test_a_refused_token_is_renewed_once_and_the_call_retried(fake, make_context, errcode):
    fetch(make_context, fake)
    if errcode == 42001:
        fake.expired.add("ACCESS_TOKEN_1")
    else:
        fake.issued.append("TOKEN_OF_ANOTHER_SYSTEM")  # ends ours, as WeChat does
    result = fetch(make_context, fake)
    assert len(result.records) == 6 and result.complete
    assert fake.issued[-1] == f"ACCESS_TOKEN_{len(fake.issued)}"


def test_a_token_refused_twice_fails_the_run(fake, make_context):
    fake.batch_errors = [{"errcode": 40001, "errmsg": "invalid credential"}] * 2
    with pytest.raises(FetchError, match="errcode 40001: invalid credential") as caught:
        fetch(make_context, fake)
    assert len(fake.issued) == 2  # one renewal, not a loop
    assert SECRET not in str(caught.value)


# ------------------------------------------------------------ errors and secrets


@pytest.mark.parametrize(
    ("where", "error", "message"),
    [
        (
            "batch",
            {"errcode": 40164, "errmsg": "invalid ip 203.0.113.9, not in whitelist"},
            "IP whitelist",
        ),
        ("batch", {"errcode": 48001, "errmsg": "api unauthorized"}, "48001: api unauthorized"),
        ("batch", {"errcode": -1, "errmsg": "system error"}, "WeChat is busy"),
        ("batch", {"errcode": "x", "errmsg": "odd"}, "errcode -1"),
        ("token", {"errcode": 40013, "errmsg": "invalid appid"}, "token failed: errcode 40013"),
    ],
)
def test_api_errors_fail_the_run_with_errcode_and_errmsg(fake, make_context, where, error, message):
    if where == "batch":
        fake.batch_errors = [error]
    else:
        fake.token_error = error
    with pytest.raises(FetchError, match=message):
        fetch(make_context, fake)


def test_the_secret_never_shows_in_errors_logs_or_the_masked_config(fake, make_context, caplog):
    caplog.set_level(logging.DEBUG)
    config = {"app_id": APP_ID, "app_secret": SECRET, "api_base": fake.api_base}
    shown = []
    # an errmsg that echoes the secret and the token
    fake.batch_errors = [{"errcode": 40029, "errmsg": f"bad {SECRET} / ACCESS_TOKEN_1"}]
    with pytest.raises(FetchError) as caught:
        WeChatConnector(config).fetch(make_context())
    shown.append(str(caught.value))
    assert "***" in shown[-1] and "40029" in shown[-1]
    # an HTTP failure of the token call, whose URL carries the secret
    wechat.forget_tokens()
    fake.server.route("/cgi-bin/token", Reply(502, body="Bad Gateway"))
    with pytest.raises(HttpStatusError) as caught:
        WeChatConnector(config).fetch(make_context())
    shown.append(str(caught.value))
    assert "/cgi-bin/token" in shown[-1] and "secret=***" in shown[-1]
    # nothing listening at all
    fake.server.stop()
    with pytest.raises(FetchError) as caught:
        WeChatConnector(config).fetch(make_context())
    shown.append(str(caught.value))
    shown.append(repr(WeChatConnector.masked(config)))
    for text in [*shown, caplog.text]:
        assert SECRET not in text
        assert "ACCESS_TOKEN_1" not in text
    assert WeChatConnector.masked(config)["app_secret"] == "••••••"


@pytest.mark.parametrize(
    ("reply", "message"),
    [
        (answer(["not", "an", "object"]), "not an object"),
        (answer({"item": []}), "no total_count"),
        (Reply(body="<html>502 Bad Gateway</html>"), "invalid JSON"),
    ],
)
def test_unreadable_lists_fail_the_run(fake, make_context, reply, message):
    fake.server.route("/cgi-bin/freepublish/batchget", reply)
    with pytest.raises(FetchError, match=message):
        fetch(make_context, fake)


def test_bad_messages_and_articles_are_reported_the_rest_kept(server, make_context):
    fake = FakeWeChat(
        server,
        published=[
            {"content": {"news_item": []}},
            {
                "article_id": "A1",
                "content": {"news_item": [{"title": " ", "url": "u"}, {"title": "有效"}]},
            },
        ],
    )
    result = fetch(make_context, fake)
    assert [r.external_id for r in result.records] == ["A1:2"]
    assert [(e.external_id, e.reason) for e in result.errors] == [
        (None, "a published message without article_id or content"),
        ("A1:1", "an article without a title was skipped"),
    ]
    assert result.records[0].published_at is None  # no create_time: never "now"


# --------------------------------------------------------------------- contract


def test_registered_and_configured():
    assert get_connector_class("wechat") is WeChatConnector
    config = WeChatConnector.validate_config({"app_id": APP_ID, "app_secret": SECRET})
    assert config["api_base"] == "https://api.weixin.qq.com"
    assert config["max_articles"] == 200 and config["content_type"] == "news"
    assert [f.name for f in WeChatConnector.fields if f.sensitive] == ["app_secret"]
    with pytest.raises(ConfigError) as caught:
        WeChatConnector.validate_config({"app_id": "wx 青山", "content_type": "blog"})
    assert set(caught.value.errors) == {"app_id", "app_secret", "content_type"}
    assert SECRET not in str(caught.value)


def test_sample_source_gives_what_it_promises(server, make_context):
    sample = WeChatConnector.sample_source(server.url("/"))
    for path, (content_type, body) in sample.documents.items():
        # The loopback server answers POST like GET, as the kit is assumed to.
        server.route(path, Reply(headers={"Content-Type": content_type}, body=body))
    result = WeChatConnector(sample.config).fetch(make_context())
    assert len(result.records) == sample.expected and result.complete and not result.errors
