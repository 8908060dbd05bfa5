import json
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pytest

from connectors.base import ConfigError, FetchError
from connectors.guide import ServiceGuide
from connectors.http import BadContentError, HttpStatusError
from connectors.json_api import JsonApiConnector, parse_path

from .servers import Reply

JSON = "application/json"
SECRET = "sk-live-4f1c9e2b7a"
SIMPLE = {"external_id": "id", "title": "title"}


def fetch(make_context, url, cursor=None, **config):
    config.setdefault("mapping", SIMPLE)
    return JsonApiConnector({"url": url, **config}).fetch(make_context(cursor))


def json_reply(data, **headers):
    return Reply(
        headers={"Content-Type": JSON, **headers}, body=json.dumps(data, ensure_ascii=False)
    )


def query(handler):
    return {k: v[0] for k, v in parse_qs(urlsplit(handler.path).query).items()}


def items(*ids):
    return [{"id": i, "title": f"事项{i}"} for i in ids]


def ids(result):
    return [record.external_id for record in result.records]


def reasons(result):
    return [error.reason for error in result.errors]


# ------------------------------------------------------------------------- paths

DOCUMENT = {
    "data": {"items": [1, 2]},
    "meta": {"dc.title": "点号", "0": "zero"},
    "contacts": [{"phone": "12345"}, {"phone": "0755-1"}],
    "tags": [{"name": "户籍"}, {"name": "居住证"}, {}],
    "groups": [{"t": ["a", "b"]}, {"t": ["c"]}, {"t": None}],
    "title": "居住证",
}


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("", DOCUMENT),
        ("data.items", [1, 2]),
        ("contacts.0.phone", "12345"),
        ("contacts[1].phone", "0755-1"),
        ("contacts.-1.phone", "0755-1"),
        ("contacts.2.phone", None),
        ("contacts.phone", None),  # a key on a list finds nothing
        ("title.zh", None),  # a key on text finds nothing
        ("missing.deeper.still", None),
        ("tags[].name", ["户籍", "居住证"]),
        ("tags[]", [{"name": "户籍"}, {"name": "居住证"}, {}]),
        ("title[]", ["居住证"]),  # one value where a list was expected
        ("groups[].t[]", ["a", "b", "c"]),
        ("meta.dc\\.title", "点号"),
        ("meta.0", "zero"),
    ],
)
def test_paths_find_values(path, expected):
    assert parse_path(path).resolve(DOCUMENT) == expected


@pytest.mark.parametrize("path", ["a..b", ".a", "a.", "a[x]", "a]", "a[]b", "a[0"])
def test_bad_paths_are_refused(path):
    with pytest.raises(ValueError, match=repr(path).replace("[", r"\[")):
        parse_path(path)


# ------------------------------------------------------------------- one request


def test_nested_mapping_makes_service_records(server, make_context):
    document = {
        "data": {
            "items": [
                {
                    "id": 17,
                    "code": 440300017,
                    "attributes": {
                        "title": "居住证办理",
                        "summary": "在本市居住半年以上的非户籍人员申领居住证。",
                        "body": "<p>持居民身份证到社区服务站申请。</p>",
                        "tags": [{"name": "户籍"}, {"name": "居住证"}],
                        "updated": "2026-10-01T08:00:00+08:00",
                        "link": "/services/17.html",
                    },
                    "guide": {
                        "conditions": ["在本市居住半年以上"],
                        "materials": [{"name": "居民身份证", "necessity": "required"}],
                        "time": {"value": 15, "unit": "working_days"},
                        "fee": {"charged": False},
                        "audience": ["自然人"],
                    },
                    "contacts": [{"phone": "12345"}, {"phone": "0755-88888888"}],
                    "office": {"name": "市公安局"},
                }
            ]
        }
    }
    url = server.route("/api/v2/services", json_reply(document))
    mapping = {
        "external_id": "id",
        "title": "attributes.title",
        "summary": "attributes.summary",
        "body": "attributes.body",
        "tags": "attributes.tags[].name",
        "updated_at": "attributes.updated",
        "url": "attributes.link",
        "item_code": "code",
        "implementing_body": "office.name",
        "conditions": "guide.conditions",
        "materials": "guide.materials",
        "promised_time_limit": "guide.time",
        "fee": "guide.fee",
        "audience": "guide.audience",
        "enquiry_phone": "contacts.0.phone",
        "extra:contacts": "contacts",
    }
    result = fetch(
        make_context,
        url,
        items_path="data.items",
        mapping=mapping,
        kind="service",
        language="zh-CN",
    )
    (record,) = result.records
    assert (record.external_id, record.title, record.kind) == ("17", "居住证办理", "service")
    assert record.summary == "在本市居住半年以上的非户籍人员申领居住证。"
    assert record.body_html == "<p>持居民身份证到社区服务站申请。</p>"
    assert record.tags == ["户籍", "居住证"]
    assert record.updated_at == datetime(2026, 10, 1, tzinfo=UTC)
    assert record.url == server.url("/services/17.html")
    assert record.language == "zh-CN"
    assert record.guide == {
        "item_code": "440300017",
        "implementing_body": "市公安局",
        "conditions": ["在本市居住半年以上"],
        "materials": [{"name": "居民身份证", "necessity": "required"}],
        "promised_time_limit": {"value": 15, "unit": "working_days"},
        "fee": {"charged": False},
        "audience": ["individual"],
        "enquiry_phone": "12345",
    }
    assert ServiceGuide.from_source(record.guide)[1] == {}
    assert record.extra == {"contacts": [{"phone": "12345"}, {"phone": "0755-88888888"}]}
    assert result.complete and not result.errors and server.paths() == ["/api/v2/services"]


def test_a_top_level_list_needs_no_items_path(server, make_context):
    url = server.route("/notices.json", json_reply(items(1, 2)))
    assert ids(fetch(make_context, url)) == ["1", "2"]


def test_bad_items_are_skipped_or_kept_with_reasons(server, make_context):
    body = [
        42,
        {"id": 1},
        {"title": "无编号"},
        {"id": 2, "title": {"zh": "标题"}},
        {"id": 3, "title": "城市道路挖掘许可", "summary": {"zh": "摘要"}, "updated": "soon"},
        {"id": 3, "title": "重复"},
        {"id": [4], "title": "列表编号"},
        {"id": 5, "title": True},
    ]
    url = server.route("/items", json_reply(body))
    mapping = {**SIMPLE, "summary": "summary", "updated_at": "updated"}
    result = fetch(make_context, url, mapping=mapping)
    assert ids(result) == ["3"]
    (record,) = result.records
    assert (record.title, record.summary, record.updated_at) == ("城市道路挖掘许可", None, None)
    assert [(e.reason, e.external_id, e.skipped) for e in result.errors] == [
        ("page 1, item 1: is a number, not an object", None, True),
        ("page 1, item 2: has no title", "1", True),
        ("page 1, item 3: has no external_id", None, True),
        ("page 1, item 4: its title is an object where text was expected", "2", True),
        (
            "page 1, item 5: summary is an object where text was expected; left out",
            "3",
            False,
        ),
        ("page 1, item 5: updated_at 'soon' is not a date; left out", "3", False),
        ("page 1, item 6: repeats the external_id of page 1, item 5", "3", True),
        ("page 1, item 7: its external_id is a list where text was expected", None, True),
        ("page 1, item 8: its title is true/false where text was expected", "5", True),
    ]


@pytest.mark.parametrize(
    ("body", "items_path", "message"),
    [
        (
            {"data": {"items": {"id": 1}}},
            "data.items",
            "'data.items' does not lead to a list of items (found an object)",
        ),
        ({"data": {}}, "data.items", "(found nothing)"),
        (
            {"results": []},
            "",
            "the response is not a list of items (found an object); set items_path",
        ),
        ("维护中", "", "found text"),
    ],
)
def test_a_response_without_the_item_list_fails_the_run(
    server, make_context, body, items_path, message
):
    url = server.route("/items", json_reply(body))
    with pytest.raises(FetchError) as caught:
        fetch(make_context, url, items_path=items_path)
    assert message in str(caught.value)


def test_null_items_are_an_empty_listing(server, make_context):
    url = server.route("/items", json_reply({"data": {"items": None}}))
    result = fetch(make_context, url, items_path="data.items")
    assert result.records == [] and result.complete


@pytest.mark.parametrize(
    "body", [b"<html>502 Bad Gateway</html>", b'{"items": [NaN]}', b'{"items": [1e999]}']
)
def test_invalid_json_fails_the_run(server, make_context, body):
    url = server.route("/items", Reply(headers={"Content-Type": JSON}, body=body))
    with pytest.raises(BadContentError):
        fetch(make_context, url, items_path="items")


def test_unchanged_listing_answers_not_modified(server, make_context):
    def route(handler):
        if handler.headers.get("If-None-Match") == '"v7"':
            return Reply(304)
        return json_reply(items(1), ETag='"v7"')

    url = server.route("/items", route)
    first = fetch(make_context, url)
    assert first.cursor == {"etag": '"v7"'}
    again = fetch(make_context, url, cursor=first.cursor)
    assert again.not_modified and again.records == []


# ------------------------------------------------------------------------ paging


def test_page_paging_reads_until_an_empty_page(server, make_context):
    pages = {"1": items(1, 2), "2": items(3, 4), "3": items(5)}

    def route(handler):
        return json_reply({"items": pages.get(query(handler)["page"], [])})

    url = server.route("/api/items", route)
    result = fetch(make_context, url, items_path="items", paging="page", page_size=2)
    assert ids(result) == ["1", "2", "3", "4", "5"] and result.complete
    # A short page is no proof of the end (servers cap page sizes): one more is asked.
    assert server.paths() == [f"/api/items?page={n}&page_size=2" for n in (1, 2, 3, 4)]


def test_page_paging_keeps_the_url_query_and_honours_names(server, make_context):
    pages = {"0": items(0, 1), "1": items(10, 11)}

    def route(handler):
        asked = query(handler)
        return json_reply(pages.get(asked["p"], []) if asked.get("dept") == "gaj" else [])

    url = server.route("/api/items", route)
    result = fetch(
        make_context,
        url + "?dept=gaj&p=9",
        paging="page",
        page_param="p",
        page_size_param="",
        first_page=0,
    )
    assert ids(result) == ["0", "1", "10", "11"]
    assert server.paths() == [f"/api/items?dept=gaj&p={n}" for n in (0, 1, 2)]


def test_offset_paging_advances_by_what_was_received(server, make_context):
    catalogue = items(*range(1, 6))

    def route(handler):
        offset = int(query(handler)["offset"])
        return json_reply({"rows": catalogue[offset : offset + 2]})  # the server caps at 2

    url = server.route("/api/items", route)
    result = fetch(make_context, url, items_path="rows", paging="offset", page_size=3)
    assert ids(result) == ["1", "2", "3", "4", "5"] and result.complete
    offsets = [query_of(path)["offset"] for path in server.paths()]
    assert offsets == ["0", "2", "4", "5"]


def query_of(path):
    return {k: v[0] for k, v in parse_qs(urlsplit(path).query).items()}


def cursor_route(pages):
    """Answer with pages keyed by cursor ("" for the first), each naming the next."""

    def route(handler):
        token = query(handler).get("cursor", "")
        rows, following = pages[token]
        return json_reply({"results": rows, "meta": {"next_cursor": following}})

    return route


def test_cursor_paging_follows_the_cursor(server, make_context):
    pages = {"": (items(1, 2), "c2"), "c2": (items(3), "c3"), "c3": (items(4), None)}
    url = server.route("/api/items", cursor_route(pages))
    result = fetch(
        make_context,
        url,
        items_path="results",
        paging="cursor",
        cursor_path="meta.next_cursor",
        page_size=2,
    )
    assert ids(result) == ["1", "2", "3", "4"] and result.complete
    assert server.paths() == [
        "/api/items?page_size=2",
        "/api/items?cursor=c2&page_size=2",
        "/api/items?cursor=c3&page_size=2",
    ]
    assert result.cursor == {}  # paged listings are read whole every run


def test_next_url_paging_follows_relative_and_absolute_links(server, make_context):
    server.route(
        "/v1/notices",
        json_reply({"data": items(1, 2), "links": {"next": "/v1/notices-page2?after=2"}}),
    )
    server.route(
        "/v1/notices-page2",
        json_reply({"data": items(3), "links": {"next": server.url("/v1/notices-page3")}}),
    )
    server.route("/v1/notices-page3", json_reply({"data": items(4), "links": {}}))
    result = fetch(
        make_context,
        server.url("/v1/notices"),
        items_path="data",
        paging="next_url",
        cursor_path="links.next",
        page_size_param="",
    )
    assert ids(result) == ["1", "2", "3", "4"] and result.complete
    assert server.paths() == ["/v1/notices", "/v1/notices-page2?after=2", "/v1/notices-page3"]


def test_relative_item_links_resolve_against_their_own_page(server, make_context):
    server.route(
        "/a/first",
        json_reply({"data": [{"id": 1, "title": "t", "u": "x.html"}], "next": "/b/second"}),
    )
    server.route("/b/second", json_reply({"data": [{"id": 2, "title": "t", "u": "x.html"}]}))
    result = fetch(
        make_context,
        server.url("/a/first"),
        items_path="data",
        mapping={**SIMPLE, "url": "u"},
        paging="next_url",
        cursor_path="next",
    )
    assert [r.url for r in result.records] == [server.url("/a/x.html"), server.url("/b/x.html")]


@pytest.mark.parametrize(
    ("max_pages", "requests", "complete"), [(2, 2, False), (3, 3, True), (9, 3, True)]
)
def test_max_pages_cuts_the_listing_and_says_so(
    server, make_context, max_pages, requests, complete
):
    pages = {"": (items(1), "c2"), "c2": (items(2), "c3"), "c3": (items(3), None)}
    url = server.route("/api/items", cursor_route(pages))
    result = fetch(
        make_context,
        url,
        items_path="results",
        paging="cursor",
        cursor_path="meta.next_cursor",
        max_pages=max_pages,
    )
    assert len(server.paths()) == requests and len(result.records) == requests
    assert result.complete is complete


def test_max_pages_cuts_page_paging_as_incomplete(server, make_context):
    url = server.route("/api/items", lambda h: json_reply(items(int(query(h)["page"]))))
    result = fetch(make_context, url, paging="page", max_pages=3)
    assert ids(result) == ["1", "2", "3"] and not result.complete


def test_a_page_that_fails_fails_the_run(server, make_context):
    def route(handler):
        page = query(handler)["page"]
        return json_reply(items(1, 2)) if page == "1" else Reply(500, body=b"oops")

    url = server.route("/api/items", route)
    with pytest.raises(HttpStatusError, match="500"):
        fetch(make_context, url, paging="page")


def test_an_api_ignoring_the_page_parameter_is_caught(server, make_context):
    url = server.route("/api/items", json_reply(items(1, 2)))
    with pytest.raises(
        FetchError, match="repeats the previous one; the API seems to ignore 'page'"
    ):
        fetch(make_context, url, paging="page")
    assert len(server.paths()) == 2


def test_a_repeated_cursor_is_caught(server, make_context):
    pages = {"": (items(1), "c2"), "c2": (items(2), "c2")}
    url = server.route("/api/items", cursor_route(pages))
    with pytest.raises(FetchError, match="same cursor twice"):
        fetch(
            make_context, url, items_path="results", paging="cursor", cursor_path="meta.next_cursor"
        )


def test_a_cursor_that_is_no_cursor_fails_the_run(server, make_context):
    url = server.route(
        "/api/items", json_reply({"results": items(1), "meta": {"next_cursor": {"a": 1}}})
    )
    with pytest.raises(FetchError, match="'meta.next_cursor' holds an object, not a cursor"):
        fetch(
            make_context, url, items_path="results", paging="cursor", cursor_path="meta.next_cursor"
        )


# ----------------------------------------------------------------- headers, key


def test_headers_and_api_key_are_sent(server, make_context):
    url = server.route("/items", json_reply(items(1)))
    fetch(make_context, url, api_key=SECRET, headers={"X-Client": "service-hall"})
    ((_, headers),) = server.requests
    assert headers["X-API-Key"] == SECRET
    assert headers["X-Client"] == "service-hall" and headers["Accept"] == "application/json"


@pytest.mark.parametrize(
    ("key", "sent"), [(SECRET, f"Bearer {SECRET}"), (f"Token {SECRET}", f"Token {SECRET}")]
)
def test_an_authorization_key_gets_a_scheme(server, make_context, key, sent):
    url = server.route("/items", json_reply(items(1)))
    fetch(make_context, url, api_key=key, api_key_header="Authorization")
    assert server.requests[0][1]["Authorization"] == sent


def test_the_api_key_never_goes_to_another_host(make_server, make_context):
    api, elsewhere = make_server(), make_server()
    elsewhere.route("/page2", json_reply({"data": items(2)}))
    url = api.route("/items", json_reply({"data": items(1), "next": elsewhere.url("/page2")}))
    result = fetch(
        make_context, url, items_path="data", paging="next_url", cursor_path="next", api_key=SECRET
    )
    assert ids(result) == ["1", "2"]
    assert api.requests[0][1]["X-API-Key"] == SECRET
    assert "X-API-Key" not in elsewhere.requests[0][1]


def test_the_api_key_never_appears_in_errors(server, make_context):
    # The API echoes the key into its next link, under a name the URL redaction misses.
    server.route("/items", json_reply({"data": items(1), "next": f"/gone/{SECRET}?k={SECRET}"}))
    with pytest.raises(FetchError) as caught:
        fetch(
            make_context,
            server.url("/items"),
            items_path="data",
            paging="next_url",
            cursor_path="next",
            api_key=SECRET,
        )
    assert isinstance(caught.value, HttpStatusError) and caught.value.status == 404
    assert SECRET not in str(caught.value) and "/gone/••••••" in str(caught.value)


def test_the_api_key_never_appears_in_item_errors(server, make_context):
    url = server.route("/items", json_reply([{"id": 1, "title": "t", "updated": SECRET}]))
    result = fetch(make_context, url, mapping={**SIMPLE, "updated_at": "updated"}, api_key=SECRET)
    assert reasons(result) == ["page 1, item 1: updated_at '••••••' is not a date; left out"]


def test_a_refused_key_is_reported_without_it(server, make_context):
    url = server.route("/items", Reply(401, body=f"bad key {SECRET}".encode()))
    with pytest.raises(HttpStatusError) as caught:
        fetch(make_context, url, api_key=SECRET)
    assert "401" in str(caught.value) and SECRET not in str(caught.value)


def test_the_api_key_is_masked_in_shown_config():
    config = JsonApiConnector.validate_config(
        {"url": "https://api.example.gov.cn/items", "mapping": SIMPLE, "api_key": SECRET}
    )
    shown = JsonApiConnector.masked(config)
    assert shown["api_key"] == "••••••" and SECRET not in repr(shown)


# ---------------------------------------------------------------------- config


@pytest.mark.parametrize(
    ("config", "field", "message"),
    [
        ({"paging": "cursor"}, "cursor_path", "required for cursor paging"),
        ({"paging": "next_url"}, "cursor_path", "required for next_url paging"),
        ({"paging": "scroll"}, "paging", "one of"),
        ({"mapping": {"external_id": "id", "title": "a..b"}}, "mapping", "empty step"),
        ({"mapping": {"external_id": "id"}}, "mapping", "must map title"),
        ({"mapping": {"external_id": "id", "title": 3}}, "mapping", "as text: title"),
        ({"mapping": {**SIMPLE, "fee": "fee"}}, "mapping", 'need kind "service"'),
        ({"items_path": "data[x]"}, "items_path", "misplaced bracket"),
        ({"headers": {"X-A": "1\r\nX-B: 2"}}, "headers", "one line"),
        ({"headers": {"Bad Name": "1"}}, "headers", "not a header name"),
        ({"api_key_header": "X API"}, "api_key_header", "not a header name"),
        ({"max_pages": 0}, "max_pages", "at least 1"),
    ],
)
def test_config_problems_are_named(config, field, message):
    raw = {"url": "https://api.example.gov.cn/items", "mapping": SIMPLE}
    with pytest.raises(ConfigError) as caught:
        JsonApiConnector.validate_config({**raw, **config})
    assert message in caught.value.errors[field]


def test_a_bad_api_key_is_refused_without_echoing_it():
    raw = {
        "url": "https://api.example.gov.cn/items",
        "mapping": SIMPLE,
        "api_key": f"{SECRET}\r\nX-Injected: 1",
    }
    with pytest.raises(ConfigError) as caught:
        JsonApiConnector.validate_config(raw)
    assert "api_key" in caught.value.errors and SECRET not in str(caught.value)


def test_sample_source_reads_as_declared(server, make_context):
    sample = JsonApiConnector.sample_source(server.url("/"))
    for path, (content_type, body) in sample.documents.items():
        server.route(path, Reply(headers={"Content-Type": content_type}, body=body))
    result = JsonApiConnector(sample.config).fetch(make_context())
    assert len(result.records) == sample.expected and not result.errors and result.complete
    first = result.records[0]
    assert first.tags == ["医疗保障", "参保缴费"] and first.extra == {"office": "市医疗保障局"}
    assert first.url == server.url("/notices/n-2026-031.html")
