import pytest

from connectors.base import FetchError
from connectors.open311 import Open311Connector

from .servers import FIXTURES, Reply

OPEN311 = FIXTURES / "open311"
JSON = "application/json"
XML = "text/xml"


def fetch(make_context, url, cursor=None, **config):
    return Open311Connector({"url": url, **config}).fetch(make_context(cursor))


def by_code(result):
    return {record.external_id: record for record in result.records}


def reasons_for(result, code):
    return [error.reason for error in result.errors if error.external_id == code]


def serve_zh_json(server):
    server.serve_file("/open311/v2/services/7.json", OPEN311 / "services" / "7.json", JSON)
    return server.serve_file("/open311/v2/services.json", OPEN311 / "services_zh.json", JSON)


def test_json_services_become_service_records(server, make_context):
    result = fetch(make_context, serve_zh_json(server), language="zh-CN")
    services = by_code(result)
    assert list(services) == ["7", "0102", "0103"]
    stall = services["7"]
    assert (stall.kind, stall.title, stall.language) == ("service", "占道经营投诉", "zh-CN")
    assert stall.summary == "举报流动摊贩、店外经营等占用道路的行为。"
    assert stall.tags == ["占道", "摊贩", "城管", "市容环境"]
    assert stall.guide == {"item_code": "7"}
    assert stall.extra | {"attributes": None} == {
        "group": "市容环境",
        "type": "realtime",
        "keywords": "占道，摊贩、城管",
        "metadata": True,
        "attributes": None,
    }
    assert services["0103"].summary is None and services["0103"].tags == ["市政设施"]
    assert result.complete


def test_definitions_add_attributes(server, make_context):
    services = by_code(fetch(make_context, serve_zh_json(server)))
    assert services["7"].extra["attributes"] == [
        {
            "code": "WHERE",
            "datatype": "string",
            "required": True,
            "variable": True,
            "description": "发生地点",
            "order": 1,
            "values": [],
        },
        {
            "code": "KIND",
            "datatype": "singlevaluelist",
            "required": False,
            "variable": True,
            "description": "经营类型",
            "order": 2,
            "values": [{"key": "1", "name": "流动摊贩"}, {"key": "02", "name": "店外经营"}],
        },
    ]


def test_a_missing_definition_keeps_the_service_and_reports_why(server, make_context):
    result = fetch(make_context, serve_zh_json(server))
    garbage = by_code(result)["0102"]  # its definition answers 404
    assert "attributes" not in garbage.extra
    (reason,) = reasons_for(result, "0102")[:1]
    assert "404" in reason and "kept without attributes" in reason


def test_bad_services_are_skipped_with_reasons(server, make_context):
    result = fetch(make_context, serve_zh_json(server))
    reasons = " | ".join(error.reason for error in result.errors)
    assert "has no service_name" in reasons and "has no service_code" in reasons
    assert reasons_for(result, "0104") == ["service 4: has no service_name"]
    assert "repeats an earlier service_code" in reasons_for(result, "0102")
    assert by_code(result)["0102"].title == "生活垃圾清运"


def test_jurisdiction_id_is_sent_with_every_request(server, make_context):
    fetch(make_context, serve_zh_json(server), jurisdiction_id="sz.gov.cn")
    assert server.paths()[0] == "/open311/v2/services.json?jurisdiction_id=sz.gov.cn"
    assert "/open311/v2/services/7.json?jurisdiction_id=sz.gov.cn" in server.paths()


def test_definitions_can_be_switched_off(server, make_context):
    result = fetch(make_context, serve_zh_json(server), fetch_definitions=False)
    assert server.paths() == ["/open311/v2/services.json"]
    assert all("attributes" not in record.extra for record in result.records)


def test_xml_services_and_definitions(server, make_context):
    server.serve_file("/georeport/services/PH01.xml", OPEN311 / "services" / "PH01.xml", XML)
    url = server.serve_file("/georeport/services.xml", OPEN311 / "services_en.xml", XML)
    services = by_code(fetch(make_context, url))
    assert list(services) == ["PH01", "007"]
    assert services["PH01"].tags == ["road", "pothole", "Streets"]
    (depth,) = services["PH01"].extra["attributes"]
    assert (depth["code"], depth["required"], depth["order"]) == ("DEPTH", True, 1)
    assert depth["values"] == [
        {"key": "1", "name": "Less than 5 cm"},
        {"key": "2", "name": "5 cm or more"},
    ]
    assert services["007"].summary is None and services["007"].extra["metadata"] is False


def test_definitions_stop_after_repeated_failures(server, make_context):
    body = (
        "["
        + ",".join(
            f'{{"service_code":"S{n}","service_name":"n{n}","metadata":true}}' for n in range(6)
        )
        + "]"
    )
    url = server.route("/services.json", Reply(headers={"Content-Type": JSON}, body=body))
    for n in range(6):
        server.route(f"/services/S{n}.json", Reply(500))
    result = fetch(make_context, url)
    assert len(result.records) == 6
    assert len(server.paths()) == 1 + 3
    assert len(result.errors) == 6
    assert "not requested after 3 failures" in result.errors[-1].reason


def test_unchanged_list_answers_not_modified(server, make_context):
    body = (OPEN311 / "services_en.xml").read_bytes()

    def route(handler):
        if handler.headers.get("If-Modified-Since") == "Mon, 01 Sep 2025 00:00:00 GMT":
            return Reply(304)
        return Reply(headers={"Last-Modified": "Mon, 01 Sep 2025 00:00:00 GMT"}, body=body)

    url = server.route("/services.xml", route)
    first = fetch(make_context, url, fetch_definitions=False)
    assert first.cursor == {"last_modified": "Mon, 01 Sep 2025 00:00:00 GMT"}
    again = fetch(make_context, url, cursor=first.cursor)
    assert again.not_modified and again.records == []


def test_max_services_marks_the_listing_incomplete(server, make_context):
    result = fetch(make_context, serve_zh_json(server), max_services=1, fetch_definitions=False)
    assert [r.external_id for r in result.records] == ["7"] and not result.complete


@pytest.mark.parametrize(
    ("path", "body", "message"),
    [
        ("/services.json", '{"service_code": "1"}', "not an Open311 service list"),
        ("/services.json", "<html><body>维护中</body></html>", "invalid JSON"),
        ("/services.json", '[{"code": 403, "description": "Invalid api_key"}]', "Invalid api_key"),
        ("/services.xml", "<services><service>", "not well-formed"),
        (
            "/services.xml",
            "<errors><error><code>403</code><description>Invalid api_key</description></error></errors>",
            "Invalid api_key",
        ),
        (
            "/services.xml",
            '<?xml version="1.0"?><!DOCTYPE s [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><services>&b;</services>',
            "refused XML",
        ),
    ],
)
def test_unreadable_lists_fail_the_run(server, make_context, path, body, message):
    url = server.route(path, Reply(body=body))
    with pytest.raises(FetchError, match=message):
        fetch(make_context, url)


# ------------------------------------------------------------------ real samples


@pytest.mark.parametrize(("fmt", "media_type"), [("json", JSON), ("xml", XML)])
def test_specification_examples_keep_leading_zeros(server, make_context, corpora, fmt, media_type):
    spec = corpora / "open311" / "spec_examples"
    url = server.serve_file(f"/v2/services.{fmt}", spec / f"services.{fmt}", media_type)
    for code in ("001", "002", "003"):
        server.serve_file(
            f"/v2/services/{code}.{fmt}", spec / f"service_definition_DMV66.{fmt}", media_type
        )
    result = fetch(make_context, url)
    services = by_code(result)
    assert list(services) == ["001", "002", "003"] and not result.errors
    cans = services["001"]
    assert (cans.title, cans.guide) == ("Cans left out 24x7", {"item_code": "001"})
    assert cans.tags == ["lorem", "ipsum", "dolor", "sanitation"]
    (attribute,) = cans.extra["attributes"]
    assert attribute["code"] == "WHISHETN" and attribute["required"] is True
    assert attribute["values"] == [
        {"key": "123", "name": "Ford"},
        {"key": "124", "name": "Chrysler"},
    ]


def test_real_bloomington_list(server, make_context, corpora):
    url = server.serve_file(
        "/services.json", corpora / "open311" / "real" / "bloomington_in_services.json", JSON
    )
    result = fetch(make_context, url, fetch_definitions=False)
    assert len(result.records) == 46 and not result.errors
    graffiti = next(r for r in result.records if r.title == "Graffiti")
    assert graffiti.external_id == "4e090d24992b941e78000027"
    assert graffiti.tags == ["Most Popular"] and graffiti.extra["metadata"] is True


def test_real_giessen_list(server, make_context, corpora):
    url = server.serve_file(
        "/services.xml", corpora / "open311" / "real" / "giessen_de_services.xml", XML
    )
    services = by_code(fetch(make_context, url, language="de"))
    assert len(services) == 8
    assert services["011"].title == "Straßen- und Gehwegschäden"
    assert services["015"].summary is None and services["015"].language == "de"


def test_real_merton_list_with_definition(server, make_context, corpora):
    real = corpora / "open311" / "real"
    url = server.serve_file("/open311/services.xml", real / "merton_uk_services.xml", XML)
    server.serve_file("/open311/services/GR.xml", real / "merton_uk_service_definition_DF.xml", XML)
    (graffiti,) = fetch(make_context, url).records
    assert graffiti.tags == ["Street Cleaning Problems or Weeds"]
    attributes = graffiti.extra["attributes"]
    assert [a["code"] for a in attributes] == [
        "service", "usrn", "fixmystreet_id", "easting", "northing", "closest_address"
    ]  # fmt: skip
    assert attributes[0]["variable"] is True and attributes[2]["variable"] is False
    assert attributes[3] == {
        "code": "easting",
        "datatype": "number",
        "required": False,
        "variable": False,
        "description": "Easting",
        "order": 0,
        "values": [],
    }
