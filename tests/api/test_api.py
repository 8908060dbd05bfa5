"""JSON API v1, as another app calling it sees it."""

from __future__ import annotations

import re

import pytest

from hall.api.schemas import LanguageParamsIn, QueryParams, SearchParamsIn
from tests.builders import make_item
from tests.web_fixtures import GUIDE, build_sample_hall, index, page_result_ids


@pytest.fixture
def sample(app):
    sample = build_sample_hall()
    index(app)
    return sample


def test_halls_lists_each_hall_with_its_public_accounts(client, sample):
    halls = client.get("/api/v1/halls").get_json()["halls"]

    assert halls == [
        {
            "id": "county",
            "title": "某某市政务服务大厅",
            "title_en": "Moumou City Service Hall",
            "region": None,
            "description": "一站式查找各部门办事服务。",
            "description_en": None,
            "account_ids": ["hrss-web", "police-web"],  # hrss-old is suspended
            "department_ids": ["hrss", "police"],
        }
    ]


def test_search_answers_with_results_facets_and_highlights(client, sample):
    answer = client.get("/api/v1/halls/county/search?q=社会保险").get_json()

    assert answer["total"] == 2 and answer["page"] == 1 and answer["per_page"] == 10
    assert "社会保险" in answer["highlights"]
    first = next(r for r in answer["results"] if r["id"] == sample.notice.id)
    assert first == {
        "id": sample.notice.id,
        "kind": "content",
        "content_type": "notice",
        "title": "关于调整社会保险缴费基数的通知",
        "snippet": first["snippet"],
        "url": "https://hrss.example.gov.cn/notices/1",
        "page_url": f"http://localhost/items/{sample.notice.id}",
        "department": {"id": "hrss", "name": "市人力资源和社会保障局"},
        "account": {"id": "hrss-web", "name": "市人社局门户网站"},
        "sector": "social_security",
        "published_at": "2024-05-01T02:00:00Z",
        "channels": [],
        "synced_at": first["synced_at"],  # when the test built it
        "freshness": "刚刚同步自市人社局门户网站",
    }
    assert "社会保险" in first["snippet"] and "<" not in first["snippet"]
    facets = answer["facets"]
    assert {"value": "social_security", "label": "人力社保", "count": 1} in facets["sector"]
    assert {"value": "content", "label": "信息公开", "count": 2} in facets["kind"]


def test_search_labels_follow_lang(client, sample):
    answer = client.get("/api/v1/halls/county/search?q=社会保险&lang=en").get_json()

    assert {"value": "content", "label": "Notices & news", "count": 2} in answer["facets"]["kind"]
    assert {r["department"]["name"] for r in answer["results"]} == {
        "Human Resources and Social Security Bureau",
        "Public Security Bureau",
    }


def test_unknown_parameter_is_a_422_naming_it(client, sample):
    response = client.get("/api/v1/halls/county/search?q=社保&qurey=x")

    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["status"] == 422
    assert "qurey" in error["message"]
    assert error["details"] == [{"field": "qurey", "reason": "unknown parameter"}]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("kind=notice", "kind"),
        ("sector=space", "sector"),
        ("page=0", "page"),
        ("page=two", "page"),
        ("per_page=51", "per_page"),
        ("lang=fr", "lang"),
        ("department=market", "department"),  # exists, but not in this hall
        ("account=hrss-old", "account"),  # a member, but suspended
        ("q=a&q=b", "q"),
    ],
)
def test_bad_values_are_a_422_with_the_field_and_reason(client, sample, query, field):
    response = client.get(f"/api/v1/halls/county/search?{query}")

    assert response.status_code == 422
    details = response.get_json()["error"]["details"]
    assert [detail["field"] for detail in details] == [field]
    assert details[0]["reason"]


def test_blank_parameters_mean_not_given(client, sample):
    response = client.get("/api/v1/halls/county/search?q=社会保险&kind=&sector=")

    assert response.status_code == 200
    assert response.get_json()["total"] == 2


def test_unknown_hall_is_a_json_404(client, sample):
    response = client.get("/api/v1/halls/nowhere/search?q=社保")

    assert response.status_code == 404
    assert response.get_json()["error"]["message"] == "no hall has the id 'nowhere'"


@pytest.mark.parametrize(
    "query",
    [
        "q=社会保险",
        "q=社会保险&department=police",
        "q=社会保险&sector=social_security&kind=content",
        "q=",
        "kind=service",
        "q=社会保险宣传&page=2",
    ],
)
def test_api_and_page_give_the_same_results(app, client, sample, query):
    for number in range(12):
        make_item(f"社会保险宣传第{number}期", connector="police-web-feed")
    index(app)

    page = client.get(f"/halls/county/search?{query}").get_data(as_text=True)
    answer = client.get(f"/api/v1/halls/county/search?{query}").get_json()

    assert [r["id"] for r in answer["results"]] == page_result_ids(page)
    assert answer["results"]
    assert f"共 {answer['total']} 条结果" in page


def test_item_comes_with_its_full_guide(client, sample):
    item = client.get(f"/api/v1/items/{sample.service.id}").get_json()

    assert item["title"] == "失业保险金申领"
    assert item["kind"] == "service"
    assert item["department"] == {"id": "hrss", "name": "市人力资源和社会保障局"}
    assert item["guide"]["fee"] == {"charged": False, "items": []}
    assert item["guide"]["statutory_time_limit"] == {"value": 20, "unit": "working_days"}
    materials = [material["name"] for material in item["guide"]["materials"]]
    assert materials == [material["name"] for material in GUIDE["materials"]]
    assert item["published_at"] == "2024-04-01T02:00:00Z"
    assert item["page_url"] == f"http://localhost/items/{sample.service.id}"


def test_content_item_has_no_guide(client, sample):
    item = client.get(f"/api/v1/items/{sample.notice.id}").get_json()

    assert item["guide"] is None
    assert item["body_html"].startswith("<p>")


def test_withdrawn_item_is_a_json_410_and_unknown_a_404(client, sample):
    gone = client.get(f"/api/v1/items/{sample.withdrawn.id}")
    missing = client.get("/api/v1/items/999999")

    assert gone.status_code == 410
    assert gone.get_json()["error"]["details"]["withdrawn_at"].endswith("Z")
    assert missing.status_code == 404
    assert missing.get_json()["error"]["status"] == 404
    assert client.get(f"/api/v1/items/{sample.suspended.id}").status_code == 404


def test_departments_list_names_sector_and_approved_accounts(client, sample):
    departments = {d["id"]: d for d in client.get("/api/v1/departments").get_json()["departments"]}

    hrss = departments["hrss"]
    assert hrss["sector"] == "social_security" and hrss["sector_label"] == "人力社保"
    assert hrss["short_name"] == "人社局" and hrss["aliases"] == ["市人社局"]
    assert [a["id"] for a in hrss["accounts"]] == ["hrss-web"]
    police = departments["police"]["accounts"][0]
    assert police["url"] is None  # a javascript: address is never handed on


def test_errors_are_json_never_a_traceback(client, sample):
    for response in (
        client.get("/api/v1/nowhere"),
        client.post("/api/v1/halls"),
        client.get("/api/v1/items/abc"),
    ):
        body = response.get_json()
        assert set(body) == {"error"}
        assert response.status_code >= 400
        assert body["error"]["status"] == response.status_code
        assert "Traceback" not in response.get_data(as_text=True)


def test_openapi_documents_every_route(app, client):
    document = client.get("/api/v1/openapi.json").get_json()

    routes = {
        (re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule), method.lower())
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("api.")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    documented = {
        (path, method) for path, operations in document["paths"].items() for method in operations
    }
    assert document["openapi"].startswith("3.1")
    assert documented == routes
    for path, method in documented:
        responses = set(document["paths"][path][method]["responses"])
        assert responses & {"200", "204"} and {"400", "422"} <= responses, (path, method)


@pytest.mark.parametrize(
    ("method", "address", "allowed"),
    [
        ("put", "/api/v1/halls", {"GET"}),
        ("delete", "/api/v1/departments", {"GET"}),
        ("get", "/api/v1/accounts/hrss-web/items", {"POST"}),
        ("post", "/", {"GET"}),
    ],
)
def test_a_method_an_address_does_not_take_is_a_405_naming_the_ones_it_does(
    client, method, address, allowed
):
    response = getattr(client, method)(address)

    assert response.status_code == 405
    assert allowed <= set(response.headers["Allow"].split(", "))
    if address.startswith("/api/"):
        assert response.get_json()["error"]["status"] == 405
    else:
        assert "此网址不接受这种请求方式" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("path", "model"),
    [
        ("/api/v1/halls/{hall_id}/search", SearchParamsIn),
        ("/api/v1/items/{item_id}", LanguageParamsIn),
        ("/api/v1/halls", QueryParams),
    ],
)
def test_openapi_parameters_are_the_pydantic_schema(app, client, path, model):
    document = client.get("/api/v1/openapi.json").get_json()
    parameters = {
        p["name"]: p for p in document["paths"][path]["get"]["parameters"] if p["in"] == "query"
    }
    schema = model.model_json_schema()

    assert set(parameters) == set(model.model_fields)
    for name, field_schema in schema.get("properties", {}).items():
        documented = {**parameters[name]["schema"]}
        if "description" in parameters[name]:
            documented["description"] = parameters[name]["description"]
        if name == "per_page":
            # The one setting-driven limit, checked by the model through its context.
            integer = next(b for b in documented["anyOf"] if b.get("type") == "integer")
            assert integer.pop("maximum") == app.config["SEARCH_MAX_PER_PAGE"]
        assert documented == field_schema, name
        assert parameters[name]["required"] == (name in schema.get("required", []))


def test_openapi_enums_follow_the_sector_and_kind_tables(client):
    from hall.catalog.models import KINDS
    from hall.directory.models import SECTORS

    document = client.get("/api/v1/openapi.json").get_json()
    parameters = {
        p["name"]: p["schema"]
        for p in document["paths"]["/api/v1/halls/{hall_id}/search"]["get"]["parameters"]
    }
    assert parameters["sector"]["anyOf"][0]["enum"] == list(SECTORS)
    assert parameters["kind"]["anyOf"][0]["enum"] == list(KINDS)
    assert parameters["hall_id"] == {"type": "string"}
