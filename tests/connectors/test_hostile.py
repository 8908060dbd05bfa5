"""Hostile sources, through the real connectors and the guarded session on loopback.

Every fixture is built here, in code. Every test runs sealed: only the fixture server
can be reached (socket connects and name lookups elsewhere are refused and fail the
test), and a canary server that hostile documents point at must never be asked.
"""

from __future__ import annotations

import logging
import time
import tracemalloc
import zlib
from collections.abc import Callable, Iterator
from functools import cache, partial
from pathlib import Path
from typing import Any

import pytest

from connectors.base import Connector, FetchContext, FetchError, FetchResult, Record
from connectors.conformance import only_loopback
from connectors.csv import CsvConnector
from connectors.feed import FeedConnector
from connectors.http import (
    BadContentError,
    DeadlineExceededError,
    GuardedSession,
    HttpStatusError,
    ResponseTooLargeError,
)
from connectors.json_api import JsonApiConnector
from connectors.jsonld import JsonLdConnector
from connectors.open311 import Open311Connector
from connectors.sitemap import SitemapConnector
from hall.catalog.services import normalise_record

from .servers import LoopbackServer, Reply

SECRET = "TOP-SECRET-7731"
RSS = "application/rss+xml; charset=utf-8"
JSON = "application/json; charset=utf-8"
MIB = 1024 * 1024


@pytest.fixture
def canary(make_server: Callable[..., LoopbackServer]) -> LoopbackServer:
    """A server hostile documents point at. The socket guard would refuse a Python
    connection to it; the canary also catches a parser that connects from C."""
    return make_server()


@pytest.fixture(autouse=True)
def sealed(server: LoopbackServer, canary: LoopbackServer) -> Iterator[None]:
    with only_loopback(server.port) as guard:
        yield
    assert guard.refused == [], "something tried to leave the fixture server"
    assert canary.requests == [], "a hostile document made something fetch the canary"


@pytest.fixture
def secret_uri(tmp_path: Path) -> str:
    """A local file an XXE or XInclude would read: file:///etc/passwd, but ours."""
    secret = tmp_path / "secret.txt"
    secret.write_text(SECRET)
    return secret.as_uri()


def fetch(
    cls: type[Connector], config: dict[str, Any], server: LoopbackServer, **limits: Any
) -> FetchResult:
    """Run a connector once through a session that may reach only `server`."""
    options = {"connect_timeout": 1, "read_timeout": 2, "total_deadline": 3, **limits}
    with GuardedSession(allowlist=[f"127.0.0.1:{server.port}"], **options) as http:
        context = FetchContext(http=http, cursor={}, logger=logging.getLogger("test"))
        return cls(config).fetch(context)


def is_one_line(text: str) -> bool:
    return not any(c in text for c in "\r\n\x1b\x85\u2028\u2029")


# ------------------------------------------------------------ XML: entities, DTDs


def xml_attacks(secret_uri: str, canary_url: str) -> dict[str, tuple[str, str]]:
    """Return attack name → (DOCTYPE to put before the root, text to put in a field)."""
    laughs = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
    include = '<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="{}" parse="text"/>'
    return {
        "billion_laughs": (f'<!DOCTYPE r [<!ENTITY l0 "lol">{laughs}]>', "&l9;"),
        # One 50 kB entity used 20 000 times: a gigabyte from 110 kB, without nesting.
        "quadratic_blowup": (f'<!DOCTYPE r [<!ENTITY a "{"A" * 50_000}">]>', "&a;" * 20_000),
        "xxe_file": (f'<!DOCTYPE r [<!ENTITY x SYSTEM "{secret_uri}">]>', "&x;"),
        "xxe_http": (f'<!DOCTYPE r [<!ENTITY x SYSTEM "{canary_url}">]>', "&x;"),
        "parameter_entity": (f'<!DOCTYPE r [<!ENTITY % p SYSTEM "{canary_url}"> %p;]>', "通知"),
        "external_dtd": (f'<!DOCTYPE r SYSTEM "{canary_url}">', "外部DTD"),
        "xinclude": ("", include.format(secret_uri) + include.format(canary_url)),
    }


ENTITY_ATTACKS = {"billion_laughs", "quadratic_blowup", "xxe_file", "xxe_http", "parameter_entity"}


def feed_document(doctype: str, text: str, base: str) -> tuple[str, bytes]:
    return RSS, (
        f'<?xml version="1.0" encoding="utf-8"?>{doctype}<rss version="2.0"><channel>'
        f"<title>青山县</title><item><title>{text}</title><link>{base}/a.html</link></item>"
        f"<item><title>秋季征兵公告</title><link>{base}/b.html</link></item></channel></rss>"
    ).encode()


def open311_document(doctype: str, text: str, base: str) -> tuple[str, bytes]:
    return "application/xml", (
        f'<?xml version="1.0" encoding="utf-8"?>{doctype}<services>'
        f"<service><service_code>001</service_code><service_name>{text}</service_name>"
        "<metadata>false</metadata></service><service><service_code>002</service_code>"
        "<service_name>路灯报修</service_name><metadata>false</metadata></service></services>"
    ).encode()


def sitemap_document(doctype: str, text: str, base: str) -> tuple[str, bytes]:
    return "application/xml", (
        f'<?xml version="1.0" encoding="utf-8"?>{doctype}'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"<url><loc>{base}/p/{text}.html</loc></url><url><loc>{base}/ok.html</loc></url></urlset>"
    ).encode()


XML_SOURCES = {
    "feed": (FeedConnector, "/feed.xml", feed_document, lambda url: {"url": url}),
    "open311": (
        Open311Connector,
        "/services.xml",
        open311_document,
        lambda url: {"url": url, "fetch_definitions": False},
    ),
    "sitemap": (
        SitemapConnector,
        "/sitemap.xml",
        sitemap_document,
        lambda url: {"url": url, "respect_robots": False},
    ),
}


@pytest.mark.parametrize("attack", sorted(xml_attacks("", "")))
@pytest.mark.parametrize("source", sorted(XML_SOURCES))
def test_xml_attacks_are_refused_or_inert(source, attack, server, canary, secret_uri):
    cls, path, document, config = XML_SOURCES[source]
    doctype, text = xml_attacks(secret_uri, canary.url("/evil.dtd"))[attack]
    content_type, body = document(doctype, text, server.url("").rstrip("/"))
    server.route(path, Reply(headers={"Content-Type": content_type}, body=body))
    server.route("/ok.html", Reply(headers={"Content-Type": "text/html"}, body="<title>好</title>"))
    started = time.monotonic()
    if attack in ENTITY_ATTACKS:
        with pytest.raises(FetchError, match="refused") as caught:
            fetch(cls, config(server.url(path)), server)
        assert is_one_line(str(caught.value))
    else:  # nothing to expand: read as usual, with nothing fetched or included
        result = fetch(cls, config(server.url(path)), server)
        assert result.records and SECRET not in repr(result.records)
    assert time.monotonic() - started < 2


def test_a_feed_may_declare_character_entities(server):
    doctype = '<!DOCTYPE rss [<!ENTITY nbsp "&#160;"><!ENTITY copy "&#xA9;">]>'
    _, body = feed_document(doctype, "青山&nbsp;通知&copy;", server.url("").rstrip("/"))
    url = server.route("/feed.xml", Reply(headers={"Content-Type": RSS}, body=body))
    result = fetch(FeedConnector, {"url": url}, server)
    assert result.records[0].title == "青山\xa0通知©"


# ---------------------------------------------------------------- size and time


@cache
def bomb(wbits: int, inflated: int = 64 * MIB) -> bytes:
    """Zeros compressed: about 64 kB on the wire, 64 MiB inflated (gzip: wbits 31)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, wbits)
    block = bytes(MIB)
    return b"".join(packer.compress(block) for _ in range(inflated // MIB)) + packer.flush()


BOMB_SOURCES = {
    "feed": (FeedConnector, lambda url: {"url": url}),
    "json_api": (
        JsonApiConnector,
        lambda url: {"url": url, "mapping": {"external_id": "id", "title": "t"}},
    ),
}


@pytest.mark.parametrize(("encoding", "wbits"), [("gzip", 31), ("deflate", 15)])
@pytest.mark.parametrize("source", sorted(BOMB_SOURCES))
def test_compression_bombs_stop_at_the_size_cap(source, encoding, wbits, server):
    cls, config = BOMB_SOURCES[source]
    headers = {"Content-Type": JSON, "Content-Encoding": encoding}
    url = server.route("/bomb", Reply(headers=headers, body=bomb(wbits)))
    tracemalloc.start()
    try:
        with pytest.raises(ResponseTooLargeError, match=f"limit of {MIB} bytes"):
            fetch(cls, config(url), server, max_bytes=MIB)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 16 * MIB  # inflated step by step and counted, never 64 MiB at once


def test_a_gzipped_sitemap_bomb_stops_at_the_size_cap(server):
    body = bomb(31)
    url = server.route(
        "/sitemap.xml.gz", Reply(headers={"Content-Type": "application/gzip"}, body=body)
    )
    with pytest.raises(ResponseTooLargeError, match="inflates to more than the limit"):
        fetch(SitemapConnector, {"url": url}, server, max_bytes=MIB)


def write_headers(handler: Any, headers: dict[str, str]) -> None:
    handler.send_response(200)
    for name, value in {"Content-Type": RSS, **headers}.items():
        handler.send_header(name, value)
    handler.end_headers()


def keep_writing(server: LoopbackServer, handler: Any, chunk: bytes, pause: float) -> None:
    """Write `chunk` every `pause` seconds until the client hangs up or the server stops."""
    while not server.stopping.wait(pause):
        try:
            handler.wfile.write(chunk)
        except OSError:
            return


def slow_drip(server: LoopbackServer, handler: Any) -> None:
    """A byte every 0.1 s: no read ever times out, and the whole never arrives."""
    write_headers(handler, {"Content-Length": "100000"})
    keep_writing(server, handler, b"<", 0.1)


def stalled_before_headers(server: LoopbackServer, handler: Any) -> None:
    server.stopping.wait(10)


def stalled_after_headers(server: LoopbackServer, handler: Any) -> None:
    write_headers(handler, {"Content-Length": "1000"})
    server.stopping.wait(10)


def endless(server: LoopbackServer, handler: Any) -> None:
    """1 kB chunks every 10 ms: under any size cap within the deadline, and never ending."""
    write_headers(handler, {"Transfer-Encoding": "chunked"})
    keep_writing(server, handler, b"400\r\n" + b"x" * 1024 + b"\r\n", 0.01)


SLOW_ANSWERS = {
    f.__name__: f for f in (slow_drip, stalled_before_headers, stalled_after_headers, endless)
}


@pytest.mark.parametrize("answer", sorted(SLOW_ANSWERS))
def test_slow_stalled_and_endless_answers_end_at_the_total_deadline(answer, server):
    url = server.route("/feed.xml", partial(SLOW_ANSWERS[answer], server))
    started = time.monotonic()
    with pytest.raises(DeadlineExceededError, match="0.5 s deadline") as caught:
        fetch(FeedConnector, {"url": url}, server, read_timeout=5, total_deadline=0.5)
    assert time.monotonic() - started < 1.5
    assert str(server.port) in str(caught.value)


def test_a_fast_endless_answer_ends_at_the_size_cap(server):
    def flood(handler: Any) -> None:
        write_headers(handler, {"Transfer-Encoding": "chunked"})
        keep_writing(server, handler, b"10000\r\n" + b"x" * 0x10000 + b"\r\n", 0)

    url = server.route("/feed.xml", flood)
    with pytest.raises(ResponseTooLargeError):
        fetch(FeedConnector, {"url": url}, server, max_bytes=MIB)


# ------------------------------------------------------------------------ JSON

NOT_JSON_NUMBERS = {
    "nan": ("NaN", "NaN is not a valid JSON number"),
    "infinity": ("Infinity", "Infinity is not a valid JSON number"),
    "minus_infinity": ("-Infinity", "-Infinity is not a valid JSON number"),
    "overflow": ("1e999", "1e999 is too large for a number"),
    "too_many_digits": ("9" * 5000, "invalid JSON"),
}
JSON_SOURCES = {
    "open311": (
        Open311Connector,
        "/services.json",
        lambda value: f'[{{"service_code": "1", "service_name": "噪声投诉", "x": {value}}}]',
        lambda url: {"url": url},
    ),
    "json_api": (
        JsonApiConnector,
        "/items.json",
        lambda value: f'[{{"id": "1", "t": "噪声投诉", "x": {value}}}]',
        lambda url: {"url": url, "mapping": {"external_id": "id", "title": "t"}},
    ),
}


def serve_json(server: LoopbackServer, source: str, value: str) -> tuple[type[Connector], dict]:
    cls, path, document, config = JSON_SOURCES[source]
    url = server.route(path, Reply(headers={"Content-Type": JSON}, body=document(value)))
    return cls, config(url)


@pytest.mark.parametrize("number", sorted(NOT_JSON_NUMBERS))
@pytest.mark.parametrize("source", sorted(JSON_SOURCES))
def test_nan_infinity_and_huge_numbers_are_refused(source, number, server):
    value, message = NOT_JSON_NUMBERS[number]
    cls, config = serve_json(server, source, value)
    with pytest.raises(BadContentError, match=message):
        fetch(cls, config, server)


@pytest.mark.parametrize("depth", [65, 100_000])
@pytest.mark.parametrize("source", sorted(JSON_SOURCES))
def test_json_nested_too_deep_is_refused(source, depth, server):
    cls, config = serve_json(server, source, "[" * depth + "]" * depth)
    with pytest.raises(BadContentError, match="nested deeper than 64 levels"):
        fetch(cls, config, server)


@pytest.mark.parametrize("source", sorted(JSON_SOURCES))
def test_json_larger_than_the_cap_is_refused(source, server):
    cls, config = serve_json(server, source, '"' + "长" * MIB + '"')  # 3 MiB of UTF-8
    with pytest.raises(ResponseTooLargeError):
        fetch(cls, config, server, max_bytes=MIB)


def test_a_jsonld_block_with_nan_costs_only_itself(server):
    good = '{"@type": "GovernmentService", "identifier": "QS-1", "name": "户口迁入"}'
    bad = '{"@type": "GovernmentService", "identifier": "QS-2", "name": "x", "p": NaN}'
    page = "".join(f'<script type="application/ld+json">{b}</script>' for b in (good, bad))
    url = server.route("/p.html", Reply(headers={"Content-Type": "text/html"}, body=page))
    result = fetch(JsonLdConnector, {"urls": [url]}, server)
    assert [r.external_id for r in result.records] == ["QS-1"]
    assert not result.complete and "NaN is not a valid JSON number" in result.errors[0].reason


# -------------------------------------------------------------------- encodings

TITLES = ["关于社会保险参保登记的通知", "青山县政务服务中心延时服务公告"]
# Big5 holds traditional characters: what a Taiwanese or Hong Kong export would carry.
TRADITIONAL = ["關於社會保險參保登記的通知", "青山縣政務服務中心延時服務公告"]


def declared_utf8_feed(titles: list[str], encoding: str) -> bytes:
    """Return an RSS feed whose XML declaration says UTF-8, encoded in `encoding`."""
    items = "".join(
        f"<item><title>{t}</title><link>http://a.gov.cn/{i}</link></item>"
        for i, t in enumerate(titles)
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>'
        f"{titles[0]}</title>{items}</channel></rss>"
    ).encode(encoding)


@pytest.mark.parametrize(
    "content_type",
    ["application/rss+xml; charset=utf-8", "text/xml", "application/rss+xml; charset=iso-8859-1"],
)
def test_a_gb18030_feed_labelled_otherwise_is_recovered(content_type, server):
    url = server.route(
        "/feed.xml",
        Reply(headers={"Content-Type": content_type}, body=declared_utf8_feed(TITLES, "gb18030")),
    )
    result = fetch(FeedConnector, {"url": url}, server)
    assert [r.title for r in result.records] == TITLES


def test_a_feed_in_no_encoding_it_names_is_refused_not_garbled(server):
    url = server.route(
        "/feed.xml",
        Reply(headers={"Content-Type": RSS}, body=declared_utf8_feed(TRADITIONAL, "big5")),
    )
    with pytest.raises(FetchError, match="refused rather than stored as garbled text"):
        fetch(FeedConnector, {"url": url}, server)


def csv_catalogue(titles: list[str], encoding: str) -> bytes:
    header = "事项编码,事项名称" if titles is TITLES else "事項編碼,事項名稱"
    rows = "".join(f"QS-{i},{t}\r\n" for i, t in enumerate(titles))
    return (header + "\r\n" + rows).encode(encoding)


CSV_MAPPING = {"external_id": "事项编码", "title": "事项名称"}


def test_a_gb18030_csv_labelled_utf8_is_recovered(server):
    headers = {"Content-Type": "text/csv; charset=utf-8"}
    url = server.route("/c.csv", Reply(headers=headers, body=csv_catalogue(TITLES, "gb18030")))
    result = fetch(CsvConnector, {"url": url, "mapping": CSV_MAPPING}, server)
    assert [r.title for r in result.records] == TITLES


def test_a_big5_csv_labelled_utf8_is_flagged_not_garbled(server):
    headers = {"Content-Type": "text/csv; charset=utf-8"}
    url = server.route("/c.csv", Reply(headers=headers, body=csv_catalogue(TRADITIONAL, "big5")))
    with pytest.raises(FetchError, match="read as GB18030 it is not Chinese text"):
        fetch(CsvConnector, {"url": url, "mapping": CSV_MAPPING}, server)


# ------------------------------------------------------------------------ links

SCRIPT_LINKS = [
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "  javascript:alert(1)",
    "java\tscript:alert(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "vbscript:msgbox(1)",
    "file:///etc/passwd",
]


def stored(record: Record) -> Any:
    """Return the record as the sync runner would store it."""
    return normalise_record(record)


@pytest.mark.parametrize("link", SCRIPT_LINKS)
def test_feed_links_that_are_not_web_links_are_dropped(link, server):
    from xml.sax.saxutils import escape, quoteattr

    body = (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>'
        f"<item><title>通知</title><guid>n-1</guid><link>{escape(link)}</link>"
        f'<enclosure url={quoteattr(link)} type="application/pdf" length="1"/></item>'
        "</channel></rss>"
    ).encode()
    url = server.route("/feed.xml", Reply(headers={"Content-Type": RSS}, body=body))
    (record,) = fetch(FeedConnector, {"url": url}, server).records
    assert record.url is None and "enclosures" not in record.extra
    assert stored(record).url is None


@pytest.mark.parametrize("link", SCRIPT_LINKS)
def test_jsonld_links_that_are_not_web_links_are_dropped(link, server):
    import json

    node = {
        "@type": "GovernmentService",
        "identifier": "QS-1",
        "name": "户口迁入",
        "url": link,
        "availableChannel": {"serviceUrl": link},
    }
    page = f'<script type="application/ld+json">{json.dumps(node)}</script>'
    url = server.route("/p.html", Reply(headers={"Content-Type": "text/html"}, body=page))
    (record,) = fetch(JsonLdConnector, {"urls": [url]}, server).records
    assert record.url is None and "online_url" not in record.guide
    assert stored(record).url is None and "online_url" not in (stored(record).guide or {})


# -------------------------------------------------- control characters, log lines

FORGED = "通知\r\n2026-01-01 00:00:00 ERROR hall.sync: forged line\x1b[2J\u2028\u202eevil"


def test_control_characters_in_titles_and_ids_are_neutralised(server):
    body = (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>'
        f'<item><title>{FORGED}</title><guid isPermaLink="false">id-1&#13;&#10;FORGED</guid>'
        "<link>http://a.gov.cn/1</link></item></channel></rss>"
    ).encode()
    url = server.route("/feed.xml", Reply(headers={"Content-Type": RSS}, body=body))
    (record,) = fetch(FeedConnector, {"url": url}, server).records
    assert "\x1b" not in record.title  # clean_text drops control characters at once
    item = stored(record)
    assert is_one_line(item.title) and is_one_line(item.external_id)
    assert item.title.startswith("通知 2026-01-01") and item.external_id == "id-1 FORGED"


def test_a_status_line_with_control_characters_gives_a_one_line_error(server):
    def answer(handler: Any) -> None:
        handler.send_response(500, "Oops\rINFO forged\x1b[2J")
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    url = server.route("/feed.xml", answer)
    with pytest.raises(HttpStatusError) as caught:
        fetch(FeedConnector, {"url": url}, server)
    assert is_one_line(str(caught.value)) and "500 Oops INFO forged" in str(caught.value)


def test_open311_error_texts_give_a_one_line_error(server):
    body = (
        "<errors><error><code>403</code><description>Denied\r\nINFO forged "
        "line\u2028</description></error></errors>"
    ).encode()
    url = server.route("/services.xml", Reply(headers={"Content-Type": "text/xml"}, body=body))
    with pytest.raises(FetchError, match="answered with Open311 errors: 403 Denied") as caught:
        fetch(Open311Connector, {"url": url}, server)
    assert is_one_line(str(caught.value))


def test_csv_header_names_in_errors_stay_on_one_line(server):
    body = '"事项\r\n编码",名称\r\nQS-1,社保\r\n'.encode()
    url = server.route("/c.csv", Reply(headers={"Content-Type": "text/csv"}, body=body))
    with pytest.raises(FetchError, match="columns missing from the header") as caught:
        fetch(CsvConnector, {"url": url, "mapping": CSV_MAPPING}, server)
    assert is_one_line(str(caught.value))


def test_record_error_reasons_stay_on_one_line(server):
    body = '事项编码,事项名称,网办地址\r\nQS-1,社保,"javascript:x\r\nINFO forged"\r\n'.encode()
    url = server.route("/c.csv", Reply(headers={"Content-Type": "text/csv"}, body=body))
    config = {"url": url, "mapping": {**CSV_MAPPING, "online_url": "网办地址"}}
    result = fetch(CsvConnector, config, server)
    assert result.errors and all(is_one_line(e.reason) for e in result.errors)
