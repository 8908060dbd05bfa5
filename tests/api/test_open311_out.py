"""Each hall's services as Open311 GeoReport v2, as an Open311 client reads them."""

from __future__ import annotations

import json
import logging
import threading

import pytest
from defusedxml.ElementTree import fromstring as parse_xml
from werkzeug.serving import make_server

from connectors.base import FetchContext
from connectors.http import GuardedSession
from connectors.open311 import Open311Connector
from hall.extensions import db
from tests.builders import make_item
from tests.web_fixtures import build_sample_hall, index

SERVICES = "/halls/county/open311/v2/services"


@pytest.fixture
def sample(app):
    sample = build_sample_hall()
    index(app)
    return sample


@pytest.fixture
def live_server(app):
    """Serve the app on a free loopback port, as another city's client would reach it."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_the_projects_own_open311_connector_reads_the_hall(live_server, sample, fmt):
    connector = Open311Connector(
        {"url": f"{live_server}{SERVICES}.{fmt}", "jurisdiction_id": "county"}
    )
    with GuardedSession(allowlist=["127.0.0.1"], total_deadline=10) as http:
        context = FetchContext(http=http, cursor={}, logger=logging.getLogger("test"))
        result = connector.fetch(context)

    assert result.errors == []
    assert [(r.external_id, r.title) for r in result.records] == [
        (str(sample.service.id), "失业保险金申领")
    ]  # only services: no notices, nothing from outside the hall
    assert result.records[0].summary == "参加失业保险的失业人员可以申领失业保险金。"
    assert result.records[0].extra["type"] == "realtime"
    assert result.records[0].extra["metadata"] is False


def test_services_json_uses_the_georeport_field_names(client, sample):
    response = client.get(f"{SERVICES}.json")

    assert response.mimetype == "application/json"
    assert response.get_json() == [
        {
            "service_code": str(sample.service.id),
            "service_name": "失业保险金申领",
            "description": "参加失业保险的失业人员可以申领失业保险金。",
            "metadata": False,
            "type": "realtime",
            "keywords": "",
            "group": "人力社保",
        }
    ]


def test_services_xml_has_the_elements_of_the_specifications_example(client, sample, corpora):
    example = parse_xml((corpora / "open311" / "spec_examples" / "services.xml").read_bytes())
    expected = {child.tag for child in example[0]}

    root = parse_xml(client.get(f"{SERVICES}.xml").get_data())

    assert root.tag == "services"
    assert [service.tag for service in root] == ["service"]
    assert {child.tag for child in root[0]} == expected
    assert root[0].findtext("service_code") == str(sample.service.id)
    assert root[0].findtext("service_name") == "失业保险金申领"
    assert root[0].findtext("metadata") == "false"


def test_service_definition_has_no_attributes(client, sample):
    code = sample.service.id

    as_json = client.get(f"{SERVICES}/{code}.json?jurisdiction_id=county").get_json()
    as_xml = parse_xml(client.get(f"{SERVICES}/{code}.xml").get_data())

    assert as_json == {"service_code": str(code), "attributes": []}
    assert as_xml.tag == "service_definition"
    assert as_xml.findtext("service_code") == str(code)
    assert list(as_xml.find("attributes")) == []


def georeport_errors(response):
    if response.mimetype == "application/json":
        return [(e["code"], e["description"]) for e in json.loads(response.get_data())]
    root = parse_xml(response.get_data())
    assert root.tag == "errors"
    return [(int(e.findtext("code")), e.findtext("description")) for e in root]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_another_jurisdiction_is_refused_with_a_georeport_error(client, sample, fmt):
    response = client.get(f"{SERVICES}.{fmt}?jurisdiction_id=elsewhere")

    assert response.status_code == 404
    assert georeport_errors(response) == [(404, "jurisdiction_id provided not found")]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_hall_that_does_not_exist_is_not_found(client, sample, fmt):
    response = client.get(f"/halls/nowhere/open311/v2/services.{fmt}")

    assert response.status_code == 404
    assert georeport_errors(response) == [(404, "jurisdiction_id not found")]


def test_services_outside_the_hall_or_withdrawn_are_neither_listed_nor_defined(client, sample):
    hidden = [
        make_item("市场监管外部服务", kind="service", connector="market-web-feed"),
        make_item("旧网站的服务", kind="service", connector="hrss-old-feed"),  # suspended
        make_item("已撤下的服务", kind="service", connector="hrss-web-feed", tombstoned=True),
    ]
    db.session.commit()

    listed = [s["service_code"] for s in client.get(f"{SERVICES}.json").get_json()]

    assert listed == [str(sample.service.id)]
    for item in (*hidden, sample.notice):
        response = client.get(f"{SERVICES}/{item.id}.json")
        assert response.status_code == 404
        assert georeport_errors(response) == [(404, "service_code not found")]
    assert client.get(f"{SERVICES}/{'9' * 40}.xml").status_code == 404
