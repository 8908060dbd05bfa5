"""The demo county: enough content, valid guides, and sources the real connectors read."""

from __future__ import annotations

import logging
from collections import Counter
from urllib.parse import urlsplit

import pytest
import requests
import yaml

from connectors import get_connector_class
from connectors.base import FetchContext
from connectors.guide import ServiceGuide
from connectors.http import GuardedSession
from hall.demo import DemoServer, build_site, import_yaml
from hall.demo.jsonld_pages import BROKEN_PAGE
from hall.demo.notices import IMPOSSIBLE_DATE, REFERENCE_DATE
from hall.demo.open311 import OPEN311_SERVICES


@pytest.fixture(scope="module")
def server():
    with DemoServer() as running:
        yield running


@pytest.fixture(scope="module")
def fetched(server):
    """Run every connector of the import file against the server: {connector id: result}."""
    data = yaml.safe_load(import_yaml(server.base_url))
    results = {}
    http = GuardedSession(allowlist=["127.0.0.1"])
    for account in data["accounts"]:
        for entry in account["connectors"]:
            connector = get_connector_class(entry["type"])(entry["config"])
            context = FetchContext(http=http, cursor={}, logger=logging.getLogger("t"))
            results[entry["id"]] = connector.fetch(context)
    return results


def test_the_county_is_big_enough():
    site = build_site()
    assert len(site.departments) >= 14
    assert len({d.sector for d in site.departments}) >= 10
    assert len(site.services) >= 170
    assert len(site.notices) >= 330
    assert {s.department.id for s in site.services} == {d.id for d in site.departments}


def test_every_guide_is_complete_and_valid():
    for service in build_site().services:
        guide = ServiceGuide.model_validate(service.guide("http://127.0.0.1:1"))
        assert guide.fee is not None and guide.promised_time_limit is not None
        assert guide.materials and len(guide.process) == 4 and len(guide.faq) == 2
        assert guide.enquiry_phone and guide.complaint_phone and guide.service_points
        assert len(guide.implementing_body_code or "") == 18
        assert guide.online_payment == guide.fee.charged


def test_the_site_is_deterministic():
    site = build_site()
    build_site.cache_clear()
    try:
        assert build_site().documents("http://h") == site.documents("http://h")
    finally:
        build_site.cache_clear()


def test_everyday_searches_find_several_departments():
    site = build_site()
    text = Counter()
    for notice in site.notices:
        for word in ("社保卡", "营业执照"):
            if word in notice.title + notice.body_html:
                text[word, notice.department] += 1
    for service in site.services:
        if "社会保障卡" in service.name:
            text["社保卡", service.department.id] += 1
    assert len({dept for (word, dept) in text if word == "社保卡"}) >= 3
    assert len({dept for (word, dept) in text if word == "营业执照"}) >= 3


def test_server_answers_conditional_requests(server):
    url = f"{server.base_url}/hrss/notices.xml"
    first = requests.get(url, timeout=5)
    assert first.status_code == 200 and "charset=utf-8" in first.headers["Content-Type"]
    assert first.headers["ETag"] and first.headers["Last-Modified"]
    again = requests.get(url, headers={"If-None-Match": first.headers["ETag"]}, timeout=5)
    assert again.status_code == 304 and again.content == b""
    since = requests.get(
        url, headers={"If-Modified-Since": first.headers["Last-Modified"]}, timeout=5
    )
    assert since.status_code == 304
    assert requests.get(f"{server.base_url}/nowhere", timeout=5).status_code == 404


def test_every_connector_url_is_served(server):
    data = yaml.safe_load(import_yaml(server.base_url))
    assert data["halls"][0]["accounts"] == [a["id"] for a in data["accounts"]]
    for account in data["accounts"]:
        assert account["connectors"]
        for entry in account["connectors"]:
            config = entry["config"]
            for url in config.get("urls") or [config["url"]]:
                assert urlsplit(url).path in server.paths, url


def test_the_connectors_read_everything(fetched):
    site = build_site()
    services = [r for result in fetched.values() for r in result.records if r.kind == "service"]
    content = [r for result in fetched.values() for r in result.records if r.kind == "content"]
    english_services = fetched.pop("amr-services-en").records
    assert len(english_services) == 10 and {r.language for r in english_services} == {"en"}
    assert len(services) == len(site.services) + 10 + len(OPEN311_SERVICES)
    assert len(content) == len(site.notices)
    errors = {cid: result.errors for cid, result in fetched.items() if result.errors}
    assert (
        list(errors) == [f"{BROKEN_PAGE}-services"] and len(errors[f"{BROKEN_PAGE}-services"]) == 1
    )
    assert fetched[f"{BROKEN_PAGE}-services"].complete is False
    undated = [r for r in content if r.published_at is None]
    assert [r.external_id for r in undated] == [
        f"qingshan-{IMPOSSIBLE_DATE[0]}-website-{IMPOSSIBLE_DATE[1]:04d}"
    ]


def test_jsonld_guides_come_through_unchanged(server, fetched):
    expected = {s.code: s.guide(server.base_url) for s in build_site().services}
    for connector_id, result in fetched.items():
        if connector_id.endswith("-services"):
            for record in result.records:
                guide, extra = ServiceGuide.from_source(record.guide)
                assert guide.model_dump(exclude_none=True) == ServiceGuide.model_validate(
                    expected[record.external_id]
                ).model_dump(exclude_none=True)


def test_open311_definitions_are_read(fetched):
    records = {r.external_id: r for r in fetched["urban-open311"].records}
    assert set(records) == {code for code, *_ in OPEN311_SERVICES}
    assert records["001"].extra["attributes"] and "attributes" not in records["004"].extra


def test_some_notices_carry_active_content_for_the_sanitiser():
    documents = build_site().documents("http://h")
    feeds = b"".join(body for path, (_, body) in documents.items() if path.endswith(".xml"))
    pages = b"".join(body for path, (_, body) in documents.items() if "/notices/" in path)
    for marker in (b"<script>", b"onclick=", b"javascript:"):
        assert marker in feeds and marker in pages


def test_the_import_file_is_valid(server):
    from hall.importer import ImportFile

    data = ImportFile.model_validate(yaml.safe_load(import_yaml(server.base_url)))
    platforms = Counter(account.platform for account in data.accounts)
    assert platforms["website"] == len(data.departments) and platforms["open311"] == 1
    for account in data.accounts:
        for entry in account.connectors:
            get_connector_class(entry.type).validate_config(entry.config)


def test_notice_links_and_dates_match_the_departments(server, fetched):
    site = build_site()
    for result in fetched.values():
        for record in result.records:
            if record.kind == "content":
                assert urlsplit(record.url).path in server.paths, record.url
    for dept in site.departments:
        newest = max(n.published for n in site.notices_of(f"{dept.id}-website"))
        assert (REFERENCE_DATE - newest).days == dept.last_post_days
        oldest = min(n.published for n in site.notices_of(f"{dept.id}-website"))
        assert (REFERENCE_DATE - oldest).days <= 550
