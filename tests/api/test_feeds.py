"""Atom feeds, OpenSearch, sitemaps and robots.txt, as feed readers and crawlers see them."""

from __future__ import annotations

import re
from urllib.parse import quote

import feedparser
import pytest
from defusedxml.ElementTree import fromstring as parse_xml

from hall.halls import export_feeds
from tests.builders import make_hall, make_item
from tests.web_fixtures import build_sample_hall, index, page_result_ids

OPENSEARCH = "{http://a9.com/-/spec/opensearch/1.1/}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


@pytest.fixture
def sample(app):
    sample = build_sample_hall()
    index(app)
    return sample


def read_feed(client, url):
    response = client.get(url)
    assert response.status_code == 200
    assert response.mimetype == "application/atom+xml"
    feed = feedparser.parse(response.get_data())
    assert feed.bozo == 0, feed.get("bozo_exception")
    return feed


def item_id(entry) -> int:
    return int(entry.id.rsplit("/", 1)[1])


def test_hall_feed_lists_the_newest_live_items_of_the_hall(client, sample):
    feed = read_feed(client, "/halls/county/feed.atom")

    assert feed.version == "atom10"
    assert [item_id(e) for e in feed.entries] == [
        sample.notice.id,
        sample.police_notice.id,
        sample.service.id,
    ]  # newest first; the outsider, the suspended account and the withdrawn item are absent
    assert feed.feed.title == "某某市政务服务大厅"
    assert feed.feed.id == "http://localhost/halls/county/feed.atom"
    assert feed.feed.updated == "2024-05-01T02:00:00+00:00"
    links = {link.rel: link.href for link in feed.feed.links}
    assert links == {
        "self": "http://localhost/halls/county/feed.atom",
        "alternate": "http://localhost/halls/county/",
    }


def test_feed_entries_carry_page_source_author_categories_and_plain_summary(client, sample):
    feed = read_feed(client, "/halls/county/feed.atom")
    entry = next(e for e in feed.entries if item_id(e) == sample.service.id)

    assert entry.title == "失业保险金申领"
    assert entry.id == entry.link == f"http://localhost/items/{sample.service.id}"
    links = {link.rel: link.href for link in entry.links}
    assert links["via"] == "https://hrss.example.gov.cn/services/12345"
    assert entry.summary == "参加失业保险的失业人员可以申领失业保险金。"
    assert entry.summary_detail.type == "text/plain"
    assert entry.published == "2024-04-01T02:00:00+00:00"
    assert entry.author_detail.name == "市人力资源和社会保障局"
    assert entry.author_detail.href == "http://localhost/departments/hrss"
    assert {(tag.term, tag.label) for tag in entry.tags} == {
        ("social_security", "人力社保"),
        ("service", "办事服务"),
    }
    police = next(e for e in feed.entries if item_id(e) == sample.police_notice.id)
    assert "via" not in {link.rel for link in police.links}  # its account's URL is not http


def test_search_feed_follows_the_results_page(client, sample):
    page = client.get("/halls/county/search?q=社会保险").get_data(as_text=True)
    feed = read_feed(client, "/halls/county/search.atom?q=社会保险")

    assert [item_id(e) for e in feed.entries] == page_result_ids(page)
    assert feed.feed.title == "搜索：社会保险 · 某某市政务服务大厅"
    query = quote("社会保险")
    links = {link.rel: link.href for link in feed.feed.links}
    assert links["alternate"] == f"http://localhost/halls/county/search?q={query}"
    assert links["self"] == f"http://localhost/halls/county/search.atom?q={query}"


def test_search_feed_applies_filters_and_ignores_odd_ones(client, sample):
    services = read_feed(client, "/halls/county/search.atom?kind=service&page=x&sector=nope")

    assert [item_id(e) for e in services.entries] == [sample.service.id]
    assert "sector" not in services.feed.id  # an unknown filter is left out, as on the page


def test_feed_in_english_labels_in_english(client, sample):
    feed = read_feed(client, "/halls/county/feed.atom?lang=en")

    assert feed.feed.title == "Moumou City Service Hall"
    assert feed.feed.id == "http://localhost/halls/county/feed.atom?lang=en"
    entry = next(e for e in feed.entries if item_id(e) == sample.service.id)
    assert entry.author_detail.name == "Human Resources and Social Security Bureau"
    assert ("service", "Services") in {(tag.term, tag.label) for tag in entry.tags}


def test_control_characters_from_a_source_do_not_break_the_feed(app, client, sample):
    # Stored as it came (NUL aside: PostgreSQL refuses it, and clean_text drops it on the
    # way in); XML 1.0 cannot hold the others.
    make_item("社保\x0b卡\x1b补办", "正文\x1f内容", connector="hrss-web-feed")
    index(app)

    feed = read_feed(client, "/halls/county/feed.atom")

    assert "社保卡补办" in [entry.title for entry in feed.entries]


def test_feeds_answer_304_when_the_reader_has_them(client, sample):
    first = client.get("/halls/county/feed.atom")
    assert first.headers["ETag"] and first.headers["Last-Modified"]

    again = client.get("/halls/county/feed.atom", headers={"If-None-Match": first.headers["ETag"]})
    since = client.get(
        "/halls/county/feed.atom", headers={"If-Modified-Since": first.headers["Last-Modified"]}
    )

    assert again.status_code == 304 and since.status_code == 304
    assert again.get_data() == b""


def test_public_base_url_makes_the_links(app, client, sample):
    app.config["PUBLIC_BASE_URL"] = "https://hall.example.gov.cn/"

    feed = read_feed(client, "/halls/county/feed.atom")
    robots = client.get("/robots.txt").get_data(as_text=True)

    assert feed.feed.id == "https://hall.example.gov.cn/halls/county/feed.atom"
    assert feed.entries[0].link.startswith("https://hall.example.gov.cn/items/")
    assert "Sitemap: https://hall.example.gov.cn/sitemap.xml" in robots


def head_links(html: str) -> list[str]:
    return re.findall(r"<link [^>]*>", html.split("</head>", 1)[0])


def test_hall_and_results_pages_link_their_feeds(client, sample):
    home = head_links(client.get("/halls/county/").get_data(as_text=True))
    results = head_links(
        client.get("/halls/county/search?q=社保&kind=service").get_data(as_text=True)
    )

    feed = 'rel="alternate" type="application/atom+xml" href="/halls/county/feed.atom"'
    assert any(feed in link for link in home)
    search_feed = "/halls/county/search.atom?q=%E7%A4%BE%E4%BF%9D&amp;kind=service"
    assert any(search_feed in link for link in results)


@pytest.mark.parametrize(
    "path", ["/", "/halls/county/", "/halls/county/search?q=社保", "/departments/hrss", "/nope"]
)
def test_every_page_links_the_opensearch_description(client, sample, path):
    links = head_links(client.get(path).get_data(as_text=True))

    search = [link for link in links if 'rel="search"' in link]
    assert len(search) == 1
    assert 'type="application/opensearchdescription+xml"' in search[0]
    assert 'href="/halls/county/opensearch.xml"' in search[0]


def test_opensearch_description_is_valid_and_its_templates_search(client, sample):
    response = client.get("/halls/county/opensearch.xml")
    root = parse_xml(response.get_data())

    assert response.mimetype == "application/opensearchdescription+xml"
    assert root.tag == f"{OPENSEARCH}OpenSearchDescription"
    assert root.findtext(f"{OPENSEARCH}ShortName") == "某某市政务服务大厅"
    assert root.findtext(f"{OPENSEARCH}Description")
    assert root.findtext(f"{OPENSEARCH}InputEncoding") == "UTF-8"
    assert root.findtext(f"{OPENSEARCH}Language") == "zh-CN"
    templates = {url.get("type"): url.get("template") for url in root.iter(f"{OPENSEARCH}Url")}
    html, atom = templates["text/html"], templates["application/atom+xml"]
    assert "{searchTerms}" in html and "{searchTerms}" in atom

    found = client.get(html.replace("{searchTerms}", quote("社会保险")))
    assert set(page_result_ids(found.get_data(as_text=True))) == {
        sample.notice.id,
        sample.police_notice.id,
    }
    feed = read_feed(client, atom.replace("{searchTerms}", quote("失业保险")))
    assert [item_id(e) for e in feed.entries] == [sample.service.id]


def test_opensearch_short_name_keeps_to_sixteen_characters(client, app):
    make_hall("long", title="某某省某某市某某县人民政府政务服务中心网上办事大厅")

    root = parse_xml(client.get("/halls/long/opensearch.xml").get_data())

    assert len(root.findtext(f"{OPENSEARCH}ShortName")) == 16


def sitemap_locs(client, url):
    response = client.get(url)
    assert response.status_code == 200
    root = parse_xml(response.get_data())
    return root, [element.text for element in root.iter(f"{SITEMAP}loc")]


def test_sitemap_lists_homes_departments_and_every_live_item(client, sample):
    index_root, parts = sitemap_locs(client, "/sitemap.xml")
    assert index_root.tag == f"{SITEMAP}sitemapindex"
    assert parts == ["http://localhost/halls/county/sitemap-1.xml"]

    root, locs = sitemap_locs(client, "/halls/county/sitemap-1.xml")

    assert root.tag == f"{SITEMAP}urlset"
    items = {sample.service.id, sample.notice.id, sample.police_notice.id}
    assert set(locs) == {
        "http://localhost/halls/county/",
        "http://localhost/departments/hrss",
        "http://localhost/departments/police",
        *(f"http://localhost/items/{i}" for i in items),
    }  # no outsider, no item of the suspended account, no withdrawn item
    assert all(u.findtext(f"{SITEMAP}lastmod") for u in root if "/items/" in u[0].text)


def test_large_sitemaps_are_split_in_parts(client, sample, monkeypatch):
    monkeypatch.setattr(export_feeds, "SITEMAP_MAX_URLS", 2)

    _, parts = sitemap_locs(client, "/sitemap.xml")
    locs = [loc for part in parts for loc in sitemap_locs(client, part)[1]]

    assert len(parts) == 3
    assert len(locs) == len(set(locs)) == 6
    assert client.get("/halls/county/sitemap-4.xml").status_code == 404


def test_robots_keep_crawlers_off_private_and_endless_pages(client):
    response = client.get("/robots.txt")
    lines = response.get_data(as_text=True).splitlines()

    assert response.mimetype == "text/plain"
    for path in ("/admin", "/console", "/login", "/messages/", "/halls/*/search"):
        assert f"Disallow: {path}" in lines
    assert "Sitemap: http://localhost/sitemap.xml" in lines


@pytest.mark.parametrize(
    "path",
    [
        "/halls/nowhere/feed.atom",
        "/halls/nowhere/search.atom?q=社保",
        "/halls/nowhere/opensearch.xml",
        "/halls/nowhere/sitemap-1.xml",
    ],
)
def test_a_hall_that_does_not_exist_is_not_found(client, sample, path):
    assert client.get(path).status_code == 404
