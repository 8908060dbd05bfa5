from datetime import UTC, datetime

import pytest

from connectors.base import ConfigError
from connectors.http import HttpStatusError
from connectors.jsonld import JsonLdConnector

from .servers import FIXTURES, Reply

PAGES = FIXTURES / "jsonld"
HTML = "text/html; charset=utf-8"
FOOD_LICENCE = "11440300MB2C00000X4000117001000"


def fetch(make_context, *urls, cursor=None, **config):
    return JsonLdConnector({"urls": list(urls), **config}).fetch(make_context(cursor))


def by_id(result):
    return {record.external_id: record for record in result.records}


def page(*blocks: str, lang: str = "zh-CN") -> str:
    """Build an HTML page around JSON-LD script blocks."""
    scripts = "".join(f'<script type="application/ld+json">{b}</script>' for b in blocks)
    return f'<!DOCTYPE html><html lang="{lang}"><head>{scripts}</head><body></body></html>'


@pytest.fixture
def zh_page(server):
    return server.serve_file("/bs/index.html", PAGES / "services_zh.html", HTML)


def test_government_service_mapping(make_context, zh_page):
    licence = by_id(fetch(make_context, zh_page))[FOOD_LICENCE]
    assert (licence.kind, licence.title, licence.language) == (
        "service",
        "食品经营许可证核发",
        "zh-CN",
    )
    assert licence.url == zh_page.replace("index.html", "food-licence.html")
    assert licence.summary == "从事食品销售和餐饮服务活动，应当依法取得食品经营许可。"
    assert licence.body_html == f"<p>{licence.summary}</p>"
    assert licence.tags == ["行政许可", "食品安全", "市场监管"]
    assert licence.published_at == datetime(2024, 3, 1, tzinfo=UTC)
    assert licence.updated_at == datetime(2025, 9, 10, 1, 30, tzinfo=UTC)
    assert licence.guide == {
        "implementing_body": "某市市场监督管理局",
        "implementing_body_code": "11440300MB2C00000X",
        "audience": ["individual", "business"],
        "online_url": "https://zwfw.example.gov.cn/item/4000117001000",
        "enquiry_phone": "12345",
        "service_points": [
            {
                "name": "市民中心B区12号窗口",
                "address": "广东省某市福田区福中三路1号",
                "hours": "Mo-Fr 09:00-12:00; Mo-Fr 14:00-18:00",
                "phone": "0755-88888888",
                "lat": 22.5431,
                "lon": 114.0579,
            },
            {
                "name": "南山区政务服务中心",
                "address": "南山区政务服务中心",
                "hours": None,
                "phone": None,
                "lat": None,
                "lon": None,
            },
        ],
        "fee": {"charged": False, "items": []},
        "materials": [
            {
                "name": "食品经营许可申请书",
                "necessity": "required",
                "form": "original",
                "copies": 1,
            },
            {"name": "营业执照复印件", "necessity": "required", "form": "copy"},
        ],
        "statutory_time_limit": {"value": 20, "unit": "working_days"},
        "handling_type": "promised",
    }
    assert licence.extra == {
        "audience": ["港澳居民"],
        "window_note": "请提前预约",
        "是否支持物流快递": True,
        "areaServed": {"@type": "AdministrativeArea", "name": "某市"},
        "termsOfService": "https://scjg.example.gov.cn/terms",
        "hoursAvailable": "Mo-Fr 09:00-18:00",
    }


def test_mapped_guide_passes_the_service_guide_model(make_context, zh_page):
    from connectors.guide import ServiceGuide

    for record in fetch(make_context, zh_page).records:
        if record.kind == "service":
            guide, extra = ServiceGuide.from_source(record.guide)
            assert "_invalid" not in extra, extra


def test_government_organization_and_its_offer(make_context, zh_page):
    result = fetch(make_context, zh_page)
    records = by_id(result)
    bureau = records["11440300MB2C00000X"]
    assert (bureau.kind, bureau.content_type, bureau.title) == (
        "content",
        "organization",
        "某市市场监督管理局",
    )
    assert bureau.url == zh_page.replace("bs/index.html", "")
    assert bureau.extra == {
        "address": "广东省某市福田区深南大道1号",
        "telephone": "0755-12345",
        "areaServed": "某市",
    }
    # offered by reference and listed in the graph: one record, no complaint
    assert [r.external_id for r in result.records].count(FOOD_LICENCE) == 1
    assert not [e for e in result.errors if e.external_id == FOOD_LICENCE]


def test_service_with_a_government_provider_and_prefixed_keys(make_context, zh_page):
    inspection = by_id(fetch(make_context, zh_page))["https://scjg.example.gov.cn/bs/inspection"]
    assert inspection.title == "特种设备定期检验"
    assert inspection.summary == "电梯、锅炉等特种设备的定期检验。"  # from "Description"
    assert inspection.guide == {
        "implementing_body": "某市特种设备检测研究院",
        "implementing_body_code": "12440300MB2D11111Y",
        "audience": ["business"],
        "fee": {
            "charged": True,
            "items": [
                {"name": "电梯定期检验费", "standard": "380 CNY"},
                {"name": "加急服务费", "standard": "50.5 CNY"},
            ],
        },
    }


def test_broken_and_unidentified_blocks_are_reported_the_rest_kept(make_context, zh_page):
    result = fetch(make_context, zh_page)
    reasons = [error.reason for error in result.errors]
    assert any(zh_page in r and "block 2" in r and "NaN" in r for r in reasons)
    assert any("无编号的服务" in r and "no identifier" in r for r in reasons)
    assert len(result.records) == 3
    assert "不是JSON-LD" not in {r.title for r in result.records}  # text/javascript ignored
    assert not result.complete  # the broken block may have held items


def test_english_service_with_operator_and_loose_values(server, make_context):
    url = server.serve_file("/parking/", PAGES / "services_en.html", HTML)
    (permit,) = fetch(make_context, url, language="en-GB").records
    assert permit.language == "en-GB"
    assert permit.guide == {
        "implementing_body": "Parking Services",
        "audience": ["individual"],
        "online_url": server.url("/parking/apply"),
        "service_points": [
            {
                "name": "Civic Centre",
                "address": "1 High Street, Exampleton, Kent",
                "hours": "Mo-Fr 09:00-17:00",
                "phone": None,
                "lat": None,
                "lon": None,
            }
        ],
    }
    assert permit.extra == {
        "audience": ["Residents"],
        "offers": {"@type": "Offer", "price": "free"},
    }
    assert permit.published_at is None and permit.updated_at is None  # 1900 and 2099
    assert fetch(make_context, url).complete


def test_page_without_json_ld_is_reported_and_incomplete(server, make_context):
    url = server.route(
        "/empty", Reply(headers={"Content-Type": HTML}, body="<html><body>改版中</body></html>")
    )
    result = fetch(make_context, url)
    assert result.records == [] and not result.complete
    assert "has no JSON-LD block" in result.errors[0].reason


def test_a_page_that_cannot_be_fetched_fails_the_run(server, make_context, zh_page):
    with pytest.raises(HttpStatusError):
        fetch(make_context, zh_page, server.url("/gone"))


@pytest.mark.parametrize(
    ("urls", "message"),
    [
        ([], "at least one"),
        (["ftp://x.example/"], "not an absolute"),
        (["/relative"], "not an absolute"),
    ],
)
def test_page_urls_are_checked(urls, message):
    with pytest.raises(ConfigError) as caught:
        JsonLdConnector({"urls": urls})
    assert message in caught.value.errors["urls"]


# ------------------------------------------------------------------ conditional GET


def versioned(body: str, etag: str):
    """Answer 304 to a request carrying `etag`, else the body with that ETag."""

    def route(handler):
        if handler.headers.get("If-None-Match") == etag:
            return Reply(304)
        return Reply(headers={"Content-Type": HTML, "ETag": etag}, body=body)

    return route


def two_pages(server):
    first = server.route(
        "/a",
        versioned(page('{"@type": "GovernmentService", "identifier": "A", "name": "甲"}'), '"a1"'),
    )
    second = server.route(
        "/b",
        versioned(page('{"@type": "GovernmentService", "identifier": "B", "name": "乙"}'), '"b1"'),
    )
    return first, second


def test_all_pages_unchanged_answers_not_modified(server, make_context):
    first, second = two_pages(server)
    initial = fetch(make_context, first, second)
    assert initial.cursor == {"pages": {first: {"etag": '"a1"'}, second: {"etag": '"b1"'}}}
    again = fetch(make_context, first, second, cursor=initial.cursor)
    assert again.not_modified and again.cursor == initial.cursor


def test_one_changed_page_still_gives_the_whole_listing(server, make_context):
    first, second = two_pages(server)
    initial = fetch(make_context, first, second)
    server.route(
        "/b",
        versioned(
            page('{"@type": "GovernmentService", "identifier": "B", "name": "乙（新）"}'), '"b2"'
        ),
    )
    changed = fetch(make_context, first, second, cursor=initial.cursor)
    assert not changed.not_modified and changed.complete
    assert {r.external_id: r.title for r in changed.records} == {"A": "甲", "B": "乙（新）"}
    last_request_for_a = [headers for path, headers in server.requests if path == "/a"][-1]
    assert "If-None-Match" not in last_request_for_a  # refetched in full
    assert changed.cursor["pages"][second] == {"etag": '"b2"'}


def test_a_new_page_without_validators_means_unconditional_requests(server, make_context):
    first, second = two_pages(server)
    cursor = {"pages": {first: {"etag": '"a1"'}}}
    result = fetch(make_context, first, second, cursor=cursor)
    assert len(result.records) == 2
    assert all("If-None-Match" not in headers for _, headers in server.requests)


# ----------------------------------------------------------------- real samples


def test_real_snap_description_is_read(server, make_context, corpora):
    url = server.serve_file(
        "/snap", corpora / "jsonld" / "gsm_USDA_florida_snap.json", "application/ld+json"
    )
    (snap,) = fetch(make_context, url).records
    assert snap.title == "Food Assistance Program"
    assert snap.summary.startswith("The Food Assistance Program provides")  # "Description"
    assert snap.guide == {"implementing_body": "Florida Department of Children and Families"}
    assert snap.tags == ["Food Benefits"]
    assert snap.extra["audience"] == ["Low-Income"] and snap.extra["alternateName"] == "Food Stamps"


@pytest.mark.parametrize(
    "name",
    [
        "gsm_DOI_usgs_earthquakes.json",
        "gsm_HHS_fda_medwatch.json",
        "gsm_HHS_find_health_center.jsonish",
        "gsm_HHS_health_insurance_help.jsonish",
    ],
)
def test_real_broken_json_is_skipped_not_fatal(server, make_context, corpora, name):
    url = server.serve_file(f"/{name}", corpora / "jsonld" / name, "application/json")
    result = fetch(make_context, url)
    assert result.records == [] and not result.complete
    (error,) = result.errors
    assert "block 1 skipped: invalid JSON" in error.reason


@pytest.mark.parametrize(
    "broken", ["gsm_HHS_find_health_center.jsonish", "gsm_HHS_health_insurance_help.jsonish"]
)
def test_real_broken_block_beside_a_good_one(server, make_context, corpora, broken):
    blocks = [(corpora / "jsonld" / n).read_text() for n in (broken, "gsm_USDA_florida_snap.json")]
    url = server.route(
        "/mixed", Reply(headers={"Content-Type": HTML}, body=page(*blocks, lang="en"))
    )
    result = fetch(make_context, url)
    assert [r.title for r in result.records] == ["Food Assistance Program"]
    assert [e.reason for e in result.errors if "block 1" in e.reason]


def wrap(fragment: str) -> str:
    return f"<html><head><title>t</title></head><body>{fragment}</body></html>"


def test_real_schema_org_examples(server, make_context, corpora):
    examples = corpora / "jsonld"
    urls = {
        name: server.route(
            f"/{name}",
            Reply(headers={"Content-Type": HTML}, body=wrap((examples / name).read_text())),
        )
        for name in (
            "schemaorg_eg-0168_jsonld.html",
            "schemaorg_eg-0169_jsonld.html",
            "schemaorg_eg-0168_microdata.html",
        )
    }
    result = fetch(make_context, *urls.values())
    reasons = [e.reason for e in result.errors]
    # none of them carries an identifier, @id or url: each is named in a clear error
    assert any(
        "NYC Food Service Establishment Permit Service" in r and "no identifier" in r
        for r in reasons
    )
    assert any('Mental Hygiene"' in r for r in reasons)  # the stray quote of the source
    assert any("Veterans Affairs Emergency Mental Health" in r for r in reasons)
    assert any("microdata" in r and "no JSON-LD block" in r for r in reasons)
    assert result.records == []
