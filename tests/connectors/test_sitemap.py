import gzip
from datetime import UTC, datetime

import pytest

from connectors import get_connector_class
from connectors.base import ConfigError, FetchError
from connectors.http import GuardedSession, HttpStatusError, ResponseTooLargeError
from connectors.sitemap import SitemapConnector

from .servers import FIXTURES, Reply

SITEMAPS = FIXTURES / "sitemap"
XML = "application/xml"
HTML = "text/html; charset=utf-8"
NOTICE = "/zwgk/tzgg/202509/t20250901_1001.html"
POLICY = "/zwgk/zcwj/202508/t20250815_0815.html"


def fetch(make_context, url, cursor=None, **config):
    return SitemapConnector({"url": url, **config}).fetch(make_context(cursor))


def by_id(result):
    return {record.external_id: record for record in result.records}


def fixture(server, name: str) -> bytes:
    """Return a fixture with {base} replaced by the server's address."""
    return (SITEMAPS / name).read_text().replace("{base}", server.url("").rstrip("/")).encode()


def urlset(*locs: str) -> str:
    entries = "".join(f"<url><loc>{loc}</loc></url>" for loc in locs)
    return f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}</urlset>'


def index(*locs: str) -> str:
    entries = "".join(f"<sitemap><loc>{loc}</loc></sitemap>" for loc in locs)
    return f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}</sitemapindex>'


def page(title: str) -> Reply:
    body = (
        f"<html lang='zh-CN'><head><title>{title}</title></head><body><p>{title}</p></body></html>"
    )
    return Reply(headers={"Content-Type": HTML}, body=body)


@pytest.fixture
def site(server):
    """The 青山县 portal: an index, a gzip'd and a plain sitemap, pages and robots.txt."""
    xml = {"Content-Type": XML}
    server.route(
        "/sitemap_index.xml",
        Reply(headers={**xml, "ETag": '"idx-1"'}, body=fixture(server, "index.xml")),
    )
    server.route(
        "/sitemaps/zwgk.xml.gz",
        Reply(
            headers={"Content-Type": "application/gzip"},
            body=gzip.compress(fixture(server, "zwgk.xml")),
        ),
    )
    server.route("/sitemaps/bsfw.xml", Reply(headers=xml, body=fixture(server, "bsfw.xml")))
    for path, name in [
        (NOTICE, "notice.html"),
        (POLICY, "policy.html"),
        ("/bsfw/hukou-qianru.html", "service.html"),
        ("/bsfw/index.html", "section.html"),
    ]:
        server.serve_file(path, SITEMAPS / name, HTML)
    server.route(
        "/bsfw/banshi-zhinan.pdf",
        Reply(headers={"Content-Type": "application/pdf"}, body=b"%PDF-1.7"),
    )
    server.serve_file("/robots.txt", SITEMAPS / "robots.txt", "text/plain")
    return server


def test_index_gzip_sitemap_and_pages_become_records(site, make_context):
    result = fetch(make_context, site.url("/sitemap_index.xml"))
    records = by_id(result)
    notice = records[site.url(NOTICE)]
    assert notice.title == "关于做好2025年秋季学期中小学开学工作的通知"  # ArticleTitle meta
    assert notice.summary.startswith("各乡镇人民政府、县直各有关单位")
    assert notice.body_html == (
        "<p>关于做好2025年秋季学期中小学开学工作的通知</p>"
        "<p>各乡镇人民政府、县直各有关单位：</p>"
        "<p>为做好2025年秋季学期开学工作，现将有关事项通知如下：</p>"
        "<p>一、9月1日起全县中小学正式开学。</p>"
        "<p>二、各校应于开学前完成校舍安全排查。</p>"
    )
    assert (notice.kind, notice.content_type, notice.language) == ("content", None, "zh-CN")
    assert notice.tags == ["开学", "秋季学期", "中小学"]
    assert notice.published_at == datetime(2025, 9, 1, 1, 30, tzinfo=UTC)  # Beijing 09:30
    assert notice.updated_at == datetime(2025, 9, 1, 1, 30, tzinfo=UTC)  # <lastmod>
    assert notice.extra == {"column": "通知公告", "source": "青山县教育局"}
    assert notice.url == site.url(NOTICE)


def test_og_metadata_and_article_text(site, make_context):
    policy_url = site.url(POLICY + "?from=sitemap")
    policy = by_id(fetch(make_context, site.url("/sitemap_index.xml")))[policy_url]
    assert policy.title == "青山县促进就业创业若干措施"
    assert policy.summary == "对首次创业的高校毕业生给予一次性创业补贴。"
    assert "网站首页" not in policy.body_html and "第二条" in policy.body_html
    assert policy.published_at == datetime(2025, 8, 15, 2, tzinfo=UTC)
    assert policy.updated_at == datetime(2025, 8, 20, 8, tzinfo=UTC)
    assert policy.language == "zh-Hans-CN"
    # its canonical link points at another site, so it cannot claim that site's id
    assert policy.url == policy_url


def test_service_pages_give_services_through_the_json_ld_mapping(site, make_context):
    result = fetch(make_context, site.url("/sitemap_index.xml"))
    records = by_id(result)
    service = records["QS-GA-HJ-0001"]
    assert (service.kind, service.title, service.url) == (
        "service",
        "户口迁入登记",
        site.url("/bsfw/hukou-qianru.html"),
    )
    assert service.guide == {
        "implementing_body": "青山县公安局",
        "implementing_body_code": "11330000MB0000000A",
        "enquiry_phone": "0571-12345678",
    }
    assert service.language == "zh-CN" and service.tags == ["户籍管理"]
    assert service.updated_at == datetime(2025, 7, 1, tzinfo=UTC)
    # the page gives its service instead of a content record of its own
    assert site.url("/bsfw/hukou-qianru.html") not in records
    assert site.url("/bsfw/index.html") in records


def test_kind_service_reads_only_pages_with_services(site, make_context):
    result = fetch(make_context, site.url("/sitemap_index.xml"), kind="service")
    assert [r.external_id for r in result.records] == ["QS-GA-HJ-0001"]
    assert result.complete


def test_listing_counts_skips_and_stays_complete(site, make_context):
    result = fetch(make_context, site.url("/sitemap_index.xml"))
    assert len(result.records) == 4  # notice, policy, service, section; the repeat once
    reasons = {e.external_id: e.reason for e in result.errors}
    assert (
        reasons[site.url("/zwgk/nbgl/staff-only.html")] == "disallowed by robots.txt; not fetched"
    )
    assert "application/pdf" in reasons[site.url("/bsfw/banshi-zhinan.pdf")]
    assert reasons[None] == "1 URLs on hosts other than 127.0.0.1 ignored"
    assert "/zwgk/nbgl/staff-only.html" not in site.paths()
    assert result.complete and result.cursor == {"etag": '"idx-1"'}
    assert site.paths().count("/robots.txt") == 1


def test_include_prefixes_filter_pages(site, make_context):
    result = fetch(make_context, site.url("/sitemap_index.xml"), include=["/zwgk/zcwj/", "/bsfw/"])
    assert {r.title for r in result.records} == {
        "户口迁入登记",
        "办事服务_青山县人民政府",
        "青山县促进就业创业若干措施",
    }
    assert NOTICE not in site.paths()


def test_robots_rules_for_our_user_agent(server, make_context):
    server.route("/sitemap.xml", Reply(body=urlset(server.url("/a.html"), server.url("/b.html"))))
    server.route("/a.html", page("甲"))
    server.route("/b.html", page("乙"))
    server.route("/robots.txt", Reply(body="User-agent: ServiceHall\nDisallow: /b.html\n"))
    result = fetch(make_context, server.url("/sitemap.xml"))
    assert [r.title for r in result.records] == ["甲"]
    assert [e.external_id for e in result.errors] == [server.url("/b.html")]
    everything = fetch(make_context, server.url("/sitemap.xml"), respect_robots=False)
    assert len(everything.records) == 2 and not everything.errors


def test_missing_robots_means_no_rules(server, make_context):
    server.route("/sitemap.xml", Reply(body=urlset(server.url("/a.html"))))
    server.route("/a.html", page("甲"))
    result = fetch(make_context, server.url("/sitemap.xml"))
    assert len(result.records) == 1 and result.complete and not result.errors


def test_unreachable_robots_means_nothing_is_fetched(server, make_context):
    server.route("/sitemap.xml", Reply(body=urlset(server.url("/a.html"))))
    server.route("/a.html", page("甲"))
    server.route("/robots.txt", Reply(503, body="维护中"))
    result = fetch(make_context, server.url("/sitemap.xml"))
    assert result.records == [] and not result.complete
    assert "robots.txt unreadable" in result.errors[0].reason
    assert "/a.html" not in server.paths()


def test_a_failing_page_is_skipped_and_the_listing_incomplete(server, make_context):
    server.route("/sitemap.xml", Reply(body=urlset(server.url("/a.html"), server.url("/b.html"))))
    server.route("/a.html", Reply(500, body="服务器错误"))
    server.route("/b.html", page("乙"))
    result = fetch(make_context, server.url("/sitemap.xml"))
    assert [r.title for r in result.records] == ["乙"] and not result.complete
    assert result.errors[0].external_id == server.url("/a.html") and result.errors[0].skipped
    assert "500" in result.errors[0].reason


def test_a_page_that_is_gone_keeps_the_listing_complete(server, make_context):
    server.route(
        "/sitemap.xml", Reply(body=urlset(server.url("/gone.html"), server.url("/b.html")))
    )
    server.route("/b.html", page("乙"))
    result = fetch(make_context, server.url("/sitemap.xml"))
    assert [r.title for r in result.records] == ["乙"] and result.complete
    assert "404" in result.errors[0].reason


def test_broken_json_ld_marks_the_listing_incomplete(server, make_context):
    body = '<html><head><script type="application/ld+json">{"@type": "GovernmentService",</script></head><body>x</body></html>'
    server.route("/sitemap.xml", Reply(body=urlset(server.url("/a.html"))))
    server.route("/a.html", Reply(headers={"Content-Type": HTML}, body=body))
    result = fetch(make_context, server.url("/sitemap.xml"))
    assert not result.complete and "JSON-LD block 1 skipped" in result.errors[0].reason


def test_canonical_links_merge_variants_of_one_page(server, make_context):
    body = '<html><head><title>公告</title><link rel="canonical" href="/a.html"></head><body>公告</body></html>'
    server.route(
        "/sitemap.xml",
        Reply(body=urlset(server.url("/a.html?page=1"), server.url("/a.html?page=2"))),
    )
    server.route("/a.html", Reply(headers={"Content-Type": HTML}, body=body))
    result = fetch(make_context, server.url("/sitemap.xml"))
    assert [r.external_id for r in result.records] == [server.url("/a.html")]


def test_plain_text_sitemap(server, make_context):
    server.route(
        "/sitemap.txt",
        Reply(headers={"Content-Type": "text/plain"}, body=f"{server.url('/a.html')}\n\n"),
    )
    server.route("/a.html", page("甲"))
    assert [r.title for r in fetch(make_context, server.url("/sitemap.txt")).records] == ["甲"]


def test_unchanged_sitemap_answers_not_modified(site, make_context):
    first = fetch(make_context, site.url("/sitemap_index.xml"))
    fetched = len(site.paths())
    site.route(
        "/sitemap_index.xml",
        lambda handler: (
            Reply(304) if handler.headers.get("If-None-Match") == '"idx-1"' else Reply(500)
        ),
    )
    again = fetch(make_context, site.url("/sitemap_index.xml"), cursor=first.cursor)
    assert again.not_modified and again.records == []
    assert len(site.paths()) == fetched + 1  # nothing but the sitemap was asked for


# ------------------------------------------------------------------ caps and loops


def test_max_urls_caps_the_pages_and_marks_incomplete(server, make_context):
    server.route("/sitemap.xml", Reply(body=urlset(*(server.url(f"/{n}.html") for n in range(5)))))
    for n in range(5):
        server.route(f"/{n}.html", page(f"第{n}页"))
    result = fetch(make_context, server.url("/sitemap.xml"), max_urls=2)
    assert [r.title for r in result.records] == ["第0页", "第1页"] and not result.complete
    exactly = fetch(make_context, server.url("/sitemap.xml"), max_urls=5)
    assert len(exactly.records) == 5 and exactly.complete


def test_an_index_listing_itself_is_a_loop(server, make_context):
    server.route(
        "/sitemap.xml", Reply(body=index(server.url("/sitemap.xml"), server.url("/pages.xml")))
    )
    server.route("/pages.xml", Reply(body=urlset(server.url("/a.html"))))
    server.route("/a.html", page("甲"))
    result = fetch(make_context, server.url("/sitemap.xml"))
    assert [r.title for r in result.records] == ["甲"]
    assert "a loop" in result.errors[0].reason
    assert server.paths().count("/sitemap.xml") == 1


def test_a_cycle_of_indexes_stops_that_branch(server, make_context):
    server.route("/sitemap.xml", Reply(body=index(server.url("/b.xml"))))
    server.route("/b.xml", Reply(body=index(server.url("/c.xml"))))
    server.route("/c.xml", Reply(body=index(server.url("/b.xml"), server.url("/pages.xml"))))
    server.route("/pages.xml", Reply(body=urlset(server.url("/a.html"))))
    server.route("/a.html", page("甲"))
    result = fetch(make_context, server.url("/sitemap.xml"))
    assert [r.title for r in result.records] == ["甲"]
    assert [e.reason for e in result.errors] == [
        f"sitemap {server.url('/c.xml')} lists {server.url('/b.xml')}, which contains it: a loop"
    ]


def test_a_sitemap_reached_twice_is_read_once(server, make_context):
    server.route("/sitemap.xml", Reply(body=index(server.url("/b.xml"), server.url("/pages.xml"))))
    server.route("/b.xml", Reply(body=index(server.url("/pages.xml"))))
    server.route("/pages.xml", Reply(body=urlset(server.url("/a.html"))))
    server.route("/a.html", page("甲"))
    result = fetch(make_context, server.url("/sitemap.xml"))
    assert len(result.records) == 1 and result.complete and not result.errors
    assert server.paths().count("/pages.xml") == 1


def test_indexes_nested_deeper_than_max_depth_are_not_read(server, make_context):
    server.route("/sitemap.xml", Reply(body=index(server.url("/1.xml"))))
    server.route("/1.xml", Reply(body=index(server.url("/2.xml"))))
    server.route("/2.xml", Reply(body=urlset(server.url("/a.html"))))
    server.route("/a.html", page("甲"))
    shallow = fetch(make_context, server.url("/sitemap.xml"), max_depth=1)
    assert shallow.records == [] and not shallow.complete
    assert "nested deeper than 1" in shallow.errors[0].reason
    deep = fetch(make_context, server.url("/sitemap.xml"), max_depth=2)
    assert len(deep.records) == 1 and deep.complete


# ---------------------------------------------------------------- hostile sitemaps

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE urlset [
  <!ENTITY lol "lol">
  <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<urlset><url><loc>&lol4;</loc></url></urlset>"""

XXE = """<?xml version="1.0"?>
<!DOCTYPE urlset [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>&secret;</loc></url></urlset>"""


@pytest.mark.parametrize("body", [BILLION_LAUGHS, XXE], ids=["billion-laughs", "xxe"])
def test_entities_are_refused(server, make_context, body):
    server.route("/sitemap.xml", Reply(headers={"Content-Type": XML}, body=body))
    with pytest.raises(FetchError, match="refused XML"):
        fetch(make_context, server.url("/sitemap.xml"))


def test_a_hostile_nested_sitemap_costs_only_its_branch(server, make_context):
    server.route(
        "/sitemap.xml", Reply(body=index(server.url("/evil.xml"), server.url("/pages.xml")))
    )
    server.route("/evil.xml", Reply(body=XXE))
    server.route("/pages.xml", Reply(body=urlset(server.url("/a.html"))))
    server.route("/a.html", page("甲"))
    result = fetch(make_context, server.url("/sitemap.xml"))
    assert [r.title for r in result.records] == ["甲"] and not result.complete
    assert "refused XML" in result.errors[0].reason


def test_gzip_bomb_sitemap_stops_at_the_size_cap(server, make_context):
    bomb = gzip.compress(b"<urlset>" + b" " * 20_000_000)
    assert len(bomb) < 50_000
    server.route("/sitemap.xml.gz", Reply(headers={"Content-Type": "application/gzip"}, body=bomb))
    with GuardedSession(allowlist=["127.0.0.1"], max_bytes=1_000_000) as http:
        context = make_context()
        context.http = http
        with pytest.raises(ResponseTooLargeError, match="inflates to more than"):
            SitemapConnector({"url": server.url("/sitemap.xml.gz")}).fetch(context)


def test_gzip_sitemap_within_the_cap_is_read(server, make_context):
    body = gzip.compress(urlset(server.url("/a.html")).encode())
    server.route(
        "/sitemap.xml.gz", Reply(headers={"Content-Type": "application/x-gzip"}, body=body)
    )
    server.route("/a.html", page("甲"))
    assert len(fetch(make_context, server.url("/sitemap.xml.gz")).records) == 1


@pytest.mark.parametrize(
    ("reply", "error", "message"),
    [
        (Reply(503, body="维护中"), HttpStatusError, "503"),
        (
            Reply(headers={"Content-Type": HTML}, body="<html><body>首页</body></html>"),
            FetchError,
            "root element is <html>",
        ),
        (Reply(body="<urlset><url>"), FetchError, "not well-formed"),
        (
            Reply(headers={"Content-Type": "text/plain"}, body="页面不存在"),
            FetchError,
            "neither XML",
        ),
        (
            Reply(headers={"Content-Type": "application/gzip"}, body=b"\x1f\x8b" + b"broken"),
            FetchError,
            "gzip",
        ),
    ],
)
def test_an_unreadable_sitemap_fails_the_run(server, make_context, reply, error, message):
    server.route("/sitemap.xml", reply)
    with pytest.raises(error, match=message):
        fetch(make_context, server.url("/sitemap.xml"))


# --------------------------------------------------------------------- contract


def test_registered_and_configured():
    assert get_connector_class("sitemap") is SitemapConnector
    config = SitemapConnector.validate_config({"url": "https://www.qingshan.gov.cn/sitemap.xml"})
    assert config["kind"] == "content" and config["max_urls"] == 500
    assert config["max_depth"] == 3 and config["respect_robots"] is True
    with pytest.raises(ConfigError) as caught:
        SitemapConnector.validate_config(
            {"url": "https://a.gov.cn/s.xml", "include": "zwgk/", "kind": "news"}
        )
    assert set(caught.value.errors) == {"include", "kind"}


def test_sample_source_gives_what_it_promises(server, make_context):
    sample = SitemapConnector.sample_source(server.url("/"))
    for path, (content_type, body) in sample.documents.items():
        server.route(path, Reply(headers={"Content-Type": content_type}, body=body))
    result = SitemapConnector(sample.config).fetch(make_context())
    assert len(result.records) == sample.expected and result.complete and not result.errors
