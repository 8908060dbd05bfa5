import json
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pytest

from connectors import get_connector_class
from connectors.activitypub import ActivityPubConnector, _title
from connectors.base import ConfigError, FetchError
from connectors.http import HttpStatusError

from .servers import FIXTURES, Reply

POSTS = FIXTURES / "activitypub"
ACCOUNT_ID = "109876543210"
STATUSES = f"/api/v1/accounts/{ACCOUNT_ID}/statuses"
OUTBOX = "/users/qingshan_police/outbox"
ACTIVITY = "application/activity+json"
LONG_TITLE = "国庆假期即将到来，县公安局交警大队将于9月29日至10月8日在全县开展酒驾醉驾专项整治行动，城关路口、青山大道等重点路…"


def load(server, name: str):
    """Return a JSON fixture with {base} and {host} replaced by the server's."""
    text = (POSTS / name).read_text()
    return json.loads(
        text.replace("{base}", server.url("").rstrip("/")).replace("{host}", "127.0.0.1")
    )


def json_reply(value, content_type="application/json; charset=utf-8", status=200) -> Reply:
    return Reply(status, {"Content-Type": content_type}, json.dumps(value, ensure_ascii=False))


def query(handler) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(handler.path).query).items()}


def statuses_route(statuses, page_size=40):
    """Answer like Mastodon's account statuses API: filters, since_id and max_id."""

    def route(handler):
        q = query(handler)
        found = sorted(statuses, key=lambda s: int(s["id"]), reverse=True)
        if q.get("exclude_replies") == "true":
            found = [
                s
                for s in found
                if not s["in_reply_to_id"] or s["in_reply_to_account_id"] == ACCOUNT_ID
            ]
        if q.get("exclude_reblogs") == "true":
            found = [s for s in found if not s["reblog"]]
        if "max_id" in q:
            found = [s for s in found if int(s["id"]) < int(q["max_id"])]
        if "since_id" in q:
            found = [s for s in found if int(s["id"]) > int(q["since_id"])]
        return json_reply(found[: min(int(q.get("limit", 20)), page_size)])

    return route


@pytest.fixture
def mastodon(server):
    """A Mastodon server with the account 青山县公安局 and its statuses."""
    account = load(server, "account.json")
    server.route(
        "/api/v1/accounts/lookup",
        lambda h: (
            json_reply(account)
            if query(h).get("acct") == "qingshan_police"
            else json_reply({"error": "Record not found"}, status=404)
        ),
    )
    server.statuses = load(server, "statuses.json")
    server.route(STATUSES, statuses_route(server.statuses))
    return server


def fetch(make_context, server, cursor=None, **config):
    config = {"instance_url": server.url("/"), "account": "qingshan_police", **config}
    return ActivityPubConnector(config).fetch(make_context(cursor))


def by_id(result):
    return {record.external_id.rsplit("/", 1)[-1]: record for record in result.records}


# ---------------------------------------------------------------- Mastodon API


def test_statuses_become_news_records(mastodon, make_context):
    result = fetch(make_context, mastodon)
    records = by_id(result)
    assert list(records) == [
        "113000000000000006",
        "113000000000000004",
        "113000000000000003",
        "112900000000000001",
    ]
    warned = records["113000000000000006"]
    assert warned.title == "9月11日晚，城关镇发生一起故意伤害案件，犯罪嫌疑人已被依法刑事拘留。"
    assert warned.summary == "案件通报：涉及暴力内容"  # the content warning
    assert (
        warned.body_html.startswith("<p>9月11日晚") and "#<span>警情通报</span>" in warned.body_html
    )
    assert warned.external_id == mastodon.url("/users/qingshan_police/statuses/113000000000000006")
    assert warned.url == mastodon.url("/@qingshan_police/113000000000000006")
    assert (warned.kind, warned.content_type, warned.language) == ("content", "news", "zh")
    assert warned.tags == ["警情通报"]
    assert warned.published_at == datetime(2025, 9, 12, 1, tzinfo=UTC)
    assert warned.updated_at == datetime(2025, 9, 12, 2, 30, tzinfo=UTC)
    assert warned.extra == {"sensitive": True}
    plain = records["113000000000000003"]
    assert plain.title == LONG_TITLE and len(plain.title) == 60
    assert plain.summary is None and plain.language == "zh-CN"
    assert plain.tags == ["交通安全", "国庆"]
    assert plain.extra == {
        "attachments": [
            {
                "url": mastodon.url("/system/media/checkpoint.jpg"),
                "type": "image",
                "description": "交警在城关路口设卡检查",
            }
        ]
    }


def test_a_full_first_run_is_complete_and_remembers_the_newest(mastodon, make_context):
    result = fetch(make_context, mastodon)
    assert result.complete and not result.errors
    assert result.cursor == {"mode": "mastodon_api", "since_id": "113000000000000006"}
    asked = [
        q
        for p, _ in mastodon.requests
        if p.startswith(STATUSES)
        for q in [parse_qs(urlsplit(p).query)]
    ]
    assert asked[0] == {"limit": ["40"], "exclude_replies": ["true"], "exclude_reblogs": ["true"]}


def test_pages_are_followed_with_max_id(mastodon, make_context):
    mastodon.route(STATUSES, statuses_route(mastodon.statuses, page_size=2))
    result = fetch(make_context, mastodon)
    assert len(result.records) == 4 and result.complete
    max_ids = [query_of(p).get("max_id") for p, _ in mastodon.requests if p.startswith(STATUSES)]
    assert max_ids == [None, "113000000000000004", "112900000000000001"]


def query_of(path: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(path).query).items()}


def test_replies_and_boosts_when_asked_for(mastodon, make_context):
    result = fetch(make_context, mastodon, include_replies=True, include_boosts=True)
    records = by_id(result)
    assert "113000000000000005" in records  # the reply to a citizen
    boost = records["activity"]
    assert boost.external_id == mastodon.url(
        "/users/qingshan_police/statuses/113000000000000002/activity"
    )
    assert boost.title == "青山县政务服务中心9月6日（周六）正常办公，欢迎群众前来办事！"
    assert boost.url == "https://social.qingshan.gov.cn/@qingshan_gov/113000000000000001"
    assert boost.extra == {
        "boost_of": "https://social.qingshan.gov.cn/users/qingshan_gov/statuses/113000000000000001",
        "author": "qingshan_gov@social.qingshan.gov.cn",
    }
    assert query_of(mastodon.paths()[-1])["exclude_replies"] == "false"


def test_later_runs_read_only_newer_posts_and_are_incomplete(mastodon, make_context):
    cursor = {"mode": "mastodon_api", "since_id": "113000000000000003"}
    result = fetch(make_context, mastodon, cursor=cursor)
    assert list(by_id(result)) == ["113000000000000006", "113000000000000004"]
    assert not result.complete
    assert result.cursor == {"mode": "mastodon_api", "since_id": "113000000000000006"}
    assert query_of(mastodon.paths()[-2])["since_id"] == "113000000000000003"
    again = fetch(make_context, mastodon, cursor=result.cursor)
    assert again.not_modified and again.records == [] and again.cursor == result.cursor


def test_a_server_ignoring_since_id_still_gives_only_newer_posts(mastodon, make_context):
    statuses = mastodon.statuses
    mastodon.route(STATUSES, lambda h: json_reply([s for s in statuses if not s["reblog"]]))
    result = fetch(
        make_context, mastodon, cursor={"mode": "mastodon_api", "since_id": "113000000000000004"}
    )
    assert list(by_id(result)) == ["113000000000000006"] and not result.complete


def test_a_server_ignoring_max_id_cannot_keep_the_run_going(mastodon, make_context):
    first_page = mastodon.statuses[:1]
    mastodon.route(STATUSES, lambda h: json_reply(first_page))
    result = fetch(make_context, mastodon)
    assert len(result.records) == 1 and not result.complete
    assert sum(p.startswith(STATUSES) for p in mastodon.paths()) == 2


def test_max_posts_caps_the_run(mastodon, make_context):
    result = fetch(make_context, mastodon, max_posts=2)
    assert list(by_id(result)) == ["113000000000000006", "113000000000000004"]
    assert not result.complete and result.cursor["since_id"] == "113000000000000006"


@pytest.mark.parametrize(
    ("account", "acct"),
    [
        ("@qingshan_police", "qingshan_police"),
        ("@qingshan_police@127.0.0.1", "qingshan_police"),
        ("qingshan_police@social.other.example", "qingshan_police@social.other.example"),
    ],
)
def test_account_forms_are_looked_up(server, make_context, account, acct):
    server.route("/api/v1/accounts/lookup", json_reply({"id": "7"}))
    server.route("/api/v1/accounts/7/statuses", json_reply([]))
    result = fetch(make_context, server, account=account)
    assert result.records == [] and result.complete
    assert query_of(server.paths()[0]) == {"acct": acct}


def test_an_unknown_account_fails_the_run(mastodon, make_context):
    with pytest.raises(HttpStatusError, match="404"):
        fetch(make_context, mastodon, account="nobody")


@pytest.mark.parametrize(
    ("lookup", "statuses", "message"),
    [
        (json_reply({"username": "x"}), json_reply([]), "no account id"),
        (json_reply(["x"]), json_reply([]), "not a JSON object"),
        (
            json_reply({"id": "7"}),
            json_reply({"error": "This method requires an authenticated user"}),
            "list of statuses",
        ),
        (json_reply({"id": "7"}), Reply(body="<html>维护中</html>"), "invalid JSON"),
    ],
)
def test_unreadable_api_answers_fail_the_run(server, make_context, lookup, statuses, message):
    server.route("/api/v1/accounts/lookup", lookup)
    server.route("/api/v1/accounts/7/statuses", statuses)
    with pytest.raises(FetchError, match=message):
        fetch(make_context, server)


def test_a_status_without_uri_is_skipped_and_reported(server, make_context):
    server.route("/api/v1/accounts/lookup", json_reply({"id": "7"}))
    bad = {"id": "9", "in_reply_to_id": None, "reblog": None, "content": "<p>无链接</p>"}
    server.route(
        "/api/v1/accounts/7/statuses", lambda h: json_reply([] if "max_id" in h.path else [bad])
    )
    result = fetch(make_context, server)
    assert result.records == [] and result.errors[0].reason == "status 9: has no uri"


def test_private_posts_are_never_read(server, make_context):
    server.route("/api/v1/accounts/lookup", json_reply({"id": "7"}))
    secret = {
        "id": "9",
        "uri": "https://a/9",
        "visibility": "private",
        "reblog": None,
        "in_reply_to_id": None,
    }
    server.route(
        "/api/v1/accounts/7/statuses", lambda h: json_reply([] if "max_id" in h.path else [secret])
    )
    assert fetch(make_context, server).records == []


# --------------------------------------------------------------------- outbox


@pytest.fixture
def outbox(server):
    """The same account served as ActivityPub: WebFinger, actor and a three-page outbox."""
    pages = {
        None: load(server, "outbox.json"),
        "true": load(server, "outbox_page1.json"),
        "113000000000000004": load(server, "outbox_page2.json"),
        "112900000000000001": load(server, "outbox_page3.json"),
    }
    server.route(
        "/.well-known/webfinger", json_reply(load(server, "webfinger.json"), "application/jrd+json")
    )
    server.route("/users/qingshan_police", json_reply(load(server, "actor.json"), ACTIVITY))
    server.route(
        OUTBOX, lambda h: json_reply(pages[query(h).get("max_id", query(h).get("page"))], ACTIVITY)
    )
    server.route(
        "/remote/qingshan_gov/statuses/113000000000000001",
        json_reply(load(server, "boosted_note.json"), ACTIVITY),
    )
    return server


def test_outbox_posts_become_the_same_records(outbox, make_context):
    result = fetch(make_context, outbox, mode="outbox")
    records = by_id(result)
    assert list(records) == [
        "113000000000000006",
        "113000000000000004",
        "113000000000000003",
        "112900000000000001",
    ]
    warned = records["113000000000000006"]
    assert warned.title == "9月11日晚，城关镇发生一起故意伤害案件，犯罪嫌疑人已被依法刑事拘留。"
    assert (warned.summary, warned.tags, warned.language) == (
        "案件通报：涉及暴力内容",
        ["警情通报"],
        "zh",
    )
    assert warned.updated_at == datetime(2025, 9, 12, 2, 30, tzinfo=UTC)
    plain = records["113000000000000003"]
    assert plain.title == LONG_TITLE and plain.language == "zh-CN"
    assert plain.extra["attachments"][0]["description"] == "交警在城关路口设卡检查"
    assert result.complete and not result.errors
    assert result.cursor == {
        "mode": "outbox",
        "since_id": outbox.url("/users/qingshan_police/statuses/113000000000000006"),
        "since_published": "2025-09-12T01:00:00+00:00",
    }


def test_outbox_requests_ask_for_activity_json(outbox, make_context):
    fetch(make_context, outbox, mode="outbox")
    webfinger, actor, *pages = outbox.requests
    assert query_of(webfinger[0]) == {"resource": "acct:qingshan_police@127.0.0.1"}
    assert actor[1]["Accept"].startswith("application/activity+json")
    assert len(pages) == 4  # the collection and its three pages


def test_outbox_boosts_are_fetched_when_asked_for(outbox, make_context):
    result = fetch(make_context, outbox, mode="outbox", include_boosts=True)
    boost = by_id(result)["activity"]
    assert boost.title == "青山县政务服务中心9月6日（周六）正常办公，欢迎群众前来办事！"
    assert boost.extra["boost_of"] == outbox.url("/remote/qingshan_gov/statuses/113000000000000001")
    assert result.complete


def test_an_outbox_boost_that_cannot_be_read_makes_the_run_incomplete(outbox, make_context):
    outbox.routes.pop("/remote/qingshan_gov/statuses/113000000000000001")
    result = fetch(make_context, outbox, mode="outbox", include_boosts=True)
    assert len(result.records) == 4 and not result.complete
    assert "404" in result.errors[0].reason


def test_outbox_later_runs_stop_at_the_known_post(outbox, make_context):
    cursor = {
        "mode": "outbox",
        "since_id": outbox.url("/users/qingshan_police/statuses/113000000000000003"),
        "since_published": "2025-09-09T02:59:00+00:00",
    }
    result = fetch(make_context, outbox, mode="outbox", cursor=cursor)
    assert list(by_id(result)) == ["113000000000000006", "113000000000000004"]
    assert not result.complete
    assert not any("112900000000000001" in p for p in outbox.paths())  # page 3 never asked


def test_a_cursor_of_the_other_mode_is_not_used(outbox, make_context):
    result = fetch(
        make_context, outbox, mode="outbox", cursor={"mode": "mastodon_api", "since_id": "1"}
    )
    assert len(result.records) == 4 and result.complete


def test_an_outbox_page_pointing_at_itself_ends_the_walk(outbox, make_context):
    page = load(outbox, "outbox_page1.json")
    page["next"] = page["id"]
    outbox.route(
        OUTBOX, lambda h: json_reply(page if query(h) else load(outbox, "outbox.json"), ACTIVITY)
    )
    result = fetch(make_context, outbox, mode="outbox")
    assert len(result.records) == 2 and not result.complete


def test_webfinger_without_an_actor_fails_the_run(outbox, make_context):
    outbox.route("/.well-known/webfinger", json_reply({"subject": "acct:x", "links": []}))
    with pytest.raises(FetchError, match="no ActivityPub actor"):
        fetch(make_context, outbox, mode="outbox")


def test_an_actor_without_outbox_fails_the_run(outbox, make_context):
    outbox.route("/users/qingshan_police", json_reply({"id": "x", "type": "Person"}, ACTIVITY))
    with pytest.raises(FetchError, match="names no outbox"):
        fetch(make_context, outbox, mode="outbox")


# ----------------------------------------------------------------- titles, config


@pytest.mark.parametrize(
    ("text", "title"),
    [
        ("青山县公安局官方账号今天正式开通！欢迎关注。", "青山县公安局官方账号今天正式开通！"),
        ("第一行没有句号\n第二行", "第一行没有句号"),
        ("Road closed on Main St. Use Route 9 instead.", "Road closed on Main St."),
        ("v1.2 released", "v1.2 released"),
        ("长" * 80, "长" * 59 + "…"),
        ("", None),
    ],
)
def test_titles_are_the_first_sentence_within_60_characters(text, title):
    assert _title(text) == title


def test_registered_and_configured():
    assert get_connector_class("activitypub") is ActivityPubConnector
    config = ActivityPubConnector.validate_config(
        {"instance_url": "https://social.example.gov.cn", "account": "qingshan_police"}
    )
    assert config["mode"] == "mastodon_api" and config["max_posts"] == 200
    assert config["include_replies"] is False and config["include_boosts"] is False
    with pytest.raises(ConfigError) as caught:
        ActivityPubConnector.validate_config(
            {"instance_url": "https://social.example.gov.cn", "account": "青山 公安", "mode": "rss"}
        )
    assert set(caught.value.errors) == {"account", "mode"}


def test_sample_source_gives_what_it_promises(server, make_context):
    sample = ActivityPubConnector.sample_source(server.url("/"))
    for path, (content_type, body) in sample.documents.items():
        server.route(path, Reply(headers={"Content-Type": content_type}, body=body))
    result = ActivityPubConnector(sample.config).fetch(make_context())
    assert len(result.records) == sample.expected and result.complete and not result.errors
