"""From an import file naming three kinds of loopback sources to answers on page and API."""

from pathlib import Path

import pytest

from hall.importer import import_text
from hall.sync.scheduler import sync_connectors
from tests.loopback import FolderServer

FIXTURES = Path(__file__).parent / "fixtures" / "e2e"

IMPORT = """
departments:
  - id: hrss
    name: 某某县人力资源和社会保障局
    name_en: County Human Resources and Social Security Bureau
    sector: social_security
    aliases: [人社局]
  - id: cgj
    name: 某某县城市管理局
    sector: other
  - id: amr
    name: 某某县市场监督管理局
    sector: market_regulation
accounts:
  - id: hrss-web
    department: hrss
    platform: website
    name: 县人社局网站
    connectors:
      - {id: hrss-notices, type: feed, config: {url: "BASE/notices.xml"}}
  - id: cgj-311
    department: cgj
    platform: open311
    name: 县城管局 Open311
    connectors:
      - {id: cgj-services, type: open311, config: {url: "BASE/services.json"}}
  - id: amr-web
    department: amr
    platform: website
    name: 县市场监管局网站
    connectors:
      - {id: amr-guides, type: jsonld, config: {urls: ["BASE/services.html"]}}
halls:
  - id: county
    title: 某某县一站式政务服务大厅
    accounts: [hrss-web, cgj-311, amr-web]
"""

# source -> (Chinese query, English query, pinyin query) and a title each must find.
QUERIES = {
    "feed": (
        ("社保卡补办", "shebao"),
        "business license holders",
        "社保卡补办服务点延长办理时间的通知",
        "Business license holders: new social insurance registration online",
    ),
    "open311": (("路灯", "ludeng"), "pothole", "路灯损坏报修", "Pothole repair request"),
    "jsonld": (
        ("食品经营许可", "shipin"),
        "enterprises registration",
        "食品经营许可证核发",
        "Business license registration for enterprises",
    ),
}


@pytest.fixture
def synced(app):
    with FolderServer(FIXTURES) as server:
        import_text(IMPORT.replace("BASE", server.base_url))
        runs = sync_connectors()
    assert [r.status for r in runs] == ["succeeded"] * 3, [r.error for r in runs]
    return runs


def api_titles(client, q):
    response = client.get("/api/v1/halls/county/search", query_string={"q": q})
    assert response.status_code == 200, response.get_json()
    return [r["title"] for r in response.get_json()["results"]]


@pytest.mark.parametrize("source", sorted(QUERIES))
def test_each_source_is_found_in_chinese_english_and_pinyin(client, synced, source):
    (chinese, pinyin), english, zh_title, en_title = QUERIES[source]
    assert zh_title in api_titles(client, chinese)
    assert zh_title in api_titles(client, pinyin)
    assert en_title in api_titles(client, english)


def test_page_and_api_give_the_same_answer(client, synced):
    for q in ("社保卡补办", "business license", "shebao", ""):
        api = client.get("/api/v1/halls/county/search", query_string={"q": q}).get_json()
        page = client.get("/halls/county/search", query_string={"q": q})
        assert page.status_code == 200
        html = page.get_data(as_text=True)
        for result in api["results"]:
            assert f'/items/{result["id"]}"' in html
        assert str(api["total"]) in html


def test_business_license_answers_from_several_departments(client, synced):
    body = client.get(
        "/api/v1/halls/county/search", query_string={"q": "business license"}
    ).get_json()
    departments = {r["department"]["id"] for r in body["results"]}
    assert {"hrss", "amr"} <= departments
    facet = {f["value"]: f["count"] for f in body["facets"]["department"]}
    assert facet["hrss"] >= 1 and facet["amr"] >= 1


def test_scripts_from_sources_never_reach_pages(client, synced):
    body = client.get("/api/v1/halls/county/search", query_string={"q": "社保卡补办"}).get_json()
    item_id = next(r["id"] for r in body["results"] if r["title"].startswith("社保卡补办"))
    html = client.get(f"/items/{item_id}").get_data(as_text=True)
    assert "alert('x')" not in html
    assert "即日起" in html
