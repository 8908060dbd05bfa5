from datetime import UTC, datetime, timedelta

import pytest

from connectors.base import FetchError
from connectors.feed import FeedConnector
from connectors.http import HttpStatusError

from .servers import CORPORA, FIXTURES, Reply

FEEDS = FIXTURES / "feeds"
RSS = "application/rss+xml"


def fetch(make_context, url, cursor=None, **config):
    return FeedConnector({"url": url, **config}).fetch(make_context(cursor))


def by_title(result):
    return {record.title: record for record in result.records}


def test_chinese_rss_in_gb18030(server, make_context):
    url = server.serve_file("/feeds/notices.xml", FEEDS / "policy_zh_gb18030.xml", RSS)
    result = fetch(make_context, url)
    records = by_title(result)
    notice = records["关于开展2026年度社会保险缴费基数申报工作的通知"]
    assert notice.external_id == "rsj-2026-001"
    assert notice.url == server.url("/zwgk/tzgg/2026/notice-1.html")
    assert notice.published_at == datetime(2026, 3, 2, 1, 30, tzinfo=UTC)
    assert notice.tags == ["社会保险", "缴费基数"]
    assert notice.language == "zh-CN" and notice.content_type == "notice"
    assert notice.summary.startswith("各参保单位：现就2026年度")
    assert "<" not in notice.summary and "\u3000" not in notice.summary
    assert server.url("/feeds/attachments/guide.pdf") in notice.body_html
    assert notice.extra["enclosures"][0]["url"] == server.url("/files/2026/form.xlsx")


def test_impossible_dates_become_none_never_now(server, make_context):
    url = server.serve_file("/feed.xml", FEEDS / "policy_zh_gb18030.xml", RSS)
    records = by_title(fetch(make_context, url))
    for title in (
        "2025年度工伤保险费率调整公示",
        "关于暂停办理部分业务的公告",
        "失业保险稳岗返还政策解读",
    ):
        assert records[title].published_at is None and records[title].updated_at is None


def test_entries_without_title_or_id_are_handled(server, make_context):
    url = server.serve_file("/feed.xml", FEEDS / "policy_zh_gb18030.xml", RSS)
    result = fetch(make_context, url)
    records = by_title(result)
    # no title: the first line of the summary stands in
    assert records["关于暂停办理部分业务的公告"].url.endswith("/notice-3.html")
    # no guid: the link; no link either: a stable hash
    assert records["2025年度工伤保险费率调整公示"].external_id == server.url(
        "/zwgk/gsbx/notice-2.html"
    )
    assert records["失业保险稳岗返还政策解读"].external_id.startswith("sha256:")
    assert fetch(make_context, url).records[-1].external_id == result.records[-1].external_id
    reasons = [error.reason for error in result.errors]
    assert len(result.records) == 6
    assert any("neither a title nor a link" in reason for reason in reasons)
    assert any("repeats the entry" in reason for reason in reasons)
    # A feed is a window on the newest entries: what scrolls out is not deleted.
    assert not result.complete


def test_different_entries_sharing_one_guid_are_all_kept(server, make_context):
    url = server.serve_file("/feed.xml", FEEDS / "policy_zh_gb18030.xml", RSS)
    first, again = fetch(make_context, url), fetch(make_context, url)
    shared = [r for r in first.records if r.url == "https://rsj.example.gov.cn/zwgk/zcjd/"]
    assert len(shared) == 2
    assert len({r.external_id for r in shared}) == 2
    assert all(r.external_id.startswith("https://rsj.example.gov.cn/zwgk/zcjd/#") for r in shared)
    assert [r.external_id for r in first.records] == [r.external_id for r in again.records]


def test_atom_with_xml_base_and_languages(server, make_context):
    url = server.serve_file("/news.atom", FEEDS / "news_en.atom", "application/atom+xml")
    records = by_title(fetch(make_context, url))
    bins = records["Bin collections change over the bank holiday"]
    assert bins.url == "https://council.example.gov.uk/news/2025/bin-collections"
    assert bins.summary == "Collections move one day later."
    assert 'href="https://council.example.gov.uk/news/2025/calendar"' in bins.body_html
    assert bins.published_at == datetime(2025, 5, 20, 7, 0, tzinfo=UTC)
    assert bins.updated_at == datetime(2025, 5, 21, 11, 30, tzinfo=UTC)
    assert (bins.language, bins.tags, bins.extra["author"]) == (
        "en-GB",
        ["Waste and recycling"],
        "Waste Services",
    )
    welsh = records["Newid i gasgliadau biniau"]
    assert welsh.language == "cy"
    assert welsh.body_html == "<p>Plain text &amp; nothing else.</p>"


def test_rss_1_0(server, make_context):
    url = server.serve_file("/rss", FEEDS / "rss1_en.rdf", "application/rdf+xml")
    (record,) = fetch(make_context, url).records
    assert record.published_at == datetime(2024, 11, 5, 19, 0, tzinfo=UTC)
    assert (record.language, record.tags) == ("en-US", ["Rulemaking"])


def test_configured_language_and_content_type_win(server, make_context):
    url = server.serve_file("/news.atom", FEEDS / "news_en.atom", "application/atom+xml")
    result = fetch(make_context, url, language="en", content_type="news")
    assert {(r.language, r.content_type) for r in result.records} == {("en", "news")}


def test_max_items_caps_the_records(server, make_context):
    url = server.serve_file("/news.atom", FEEDS / "news_en.atom", "application/atom+xml")
    result = fetch(make_context, url, max_items=1)
    assert len(result.records) == 1


def test_unchanged_feed_answers_not_modified(server, make_context):
    body = (FEEDS / "rss1_en.rdf").read_bytes()

    def route(handler):
        if handler.headers.get("If-None-Match") == '"rdf-1"':
            return Reply(304)
        return Reply(headers={"ETag": '"rdf-1"', "Content-Type": RSS}, body=body)

    url = server.route("/rss", route)
    first = fetch(make_context, url)
    assert first.cursor == {"etag": '"rdf-1"'} and first.records
    again = fetch(make_context, url, cursor=first.cursor)
    assert again.not_modified and again.records == [] and again.cursor == first.cursor


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("text/html", (FEEDS / "not_a_feed.html").read_bytes()),
        ("application/octet-stream", b"\x00\x01garbage{}"),
        ("application/json", b'{"items": []}'),
    ],
)
def test_a_body_that_is_not_a_feed_fails_the_run(server, make_context, content_type, body):
    url = server.route("/feed", Reply(headers={"Content-Type": content_type}, body=body))
    with pytest.raises(FetchError, match="not an RSS or Atom feed"):
        fetch(make_context, url)


def test_an_http_error_fails_the_run(server, make_context):
    url = server.route("/feed", Reply(503))
    with pytest.raises(HttpStatusError):
        fetch(make_context, url)


# ------------------------------------------------------------------ real feeds

REAL_FEEDS = sorted(path.name for path in (CORPORA / "feeds").glob("*.xml"))


@pytest.mark.parametrize("name", REAL_FEEDS)
def test_real_feeds_parse_with_plausible_dates(server, make_context, corpora, name):
    url = server.serve_file(f"/{name}", corpora / "feeds" / name, "application/xml")
    result = fetch(make_context, url)
    assert result.records
    # the Shenzhen aggregation lists one notice twice; nothing else may be refused
    assert all("repeats the entry" in error.reason for error in result.errors)
    latest = datetime.now(UTC) + timedelta(days=2)
    for record in result.records:
        assert record.title and record.external_id
        for moment in (record.published_at, record.updated_at):
            assert moment is None or (
                moment.tzinfo == UTC and 1990 <= moment.year and moment <= latest
            )
    assert len({r.external_id for r in result.records}) == len(result.records)


@pytest.mark.parametrize(
    ("name", "title_part", "expected"),
    [
        # pubDate without seconds, zone "EDT"
        (
            "nasa_breaking_news_rss_2018.xml",
            "Nobel Laureate",
            datetime(2018, 7, 24, 21, 13, tzinfo=UTC),
        ),
        (
            "us_army_frontpage_rss_2014.xml",
            "model' employee",
            datetime(2014, 3, 31, 4, 0, tzinfo=UTC),
        ),
        (
            "shanghai_gov_policy_rss_zh_2026.xml",
            "殡葬服务机构",
            datetime(2026, 4, 14, 0, 0, tzinfo=UTC),
        ),
    ],
)
def test_real_feed_dates(server, make_context, corpora, name, title_part, expected):
    url = server.serve_file(f"/{name}", corpora / "feeds" / name, "application/xml")
    (record,) = [r for r in fetch(make_context, url).records if title_part in r.title]
    assert record.published_at == expected


def test_real_atom_in_iso_8859_1_and_xml_base(server, make_context, corpora):
    sec = server.serve_file(
        "/sec",
        corpora / "feeds" / "us_sec_edgar_latest_filings_atom_iso8859.xml",
        "application/atom+xml",
    )
    filing = fetch(make_context, sec).records[0]
    assert filing.summary.startswith("Filed: 2014-06-04")
    assert filing.external_id.startswith("urn:tag:sec.gov")
    whitehouse = server.serve_file(
        "/wh", corpora / "feeds" / "us_whitehouse_blog_rss_2011.xml", RSS
    )
    post = fetch(make_context, whitehouse).records[0]
    assert post.language == "en-US" and post.url.startswith("http://www.whitehouse.gov/blog/2011/")
    assert "“FWD”" in post.summary  # &ldquo; entities inside CDATA decoded
