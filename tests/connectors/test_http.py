import gzip
import ipaddress
import logging
import socket
import time
from http.server import BaseHTTPRequestHandler

import pytest

from connectors.base import FetchError
from connectors.http import (
    Allowlist,
    BadContentError,
    BlockedAddressError,
    ConnectionFailedError,
    DeadlineExceededError,
    GuardedSession,
    HttpStatusError,
    ReadTimeoutError,
    Response,
    ResponseTooLargeError,
    SchemeNotAllowedError,
    TooManyRedirectsError,
    blocked_reason,
    check_destination,
    decode_text,
    parse_json,
    redact_url,
)

from .servers import FIXTURES, Reply


def redirect(location: str, status: int = 302) -> Reply:
    return Reply(status, {"Location": location})


def session(**overrides) -> GuardedSession:
    options = {"allowlist": ["127.0.0.1"], "connect_timeout": 2, "read_timeout": 2}
    return GuardedSession(**{**options, **overrides})


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# ------------------------------------------------------------------ address guard


def test_loopback_is_refused_without_an_allowlist(server):
    url = server.route("/ok", Reply(body="hello"))
    with GuardedSession() as plain, pytest.raises(BlockedAddressError) as caught:
        plain.get(url)
    assert "loopback" in str(caught.value)
    assert url in str(caught.value)
    assert server.requests == []


def test_loopback_is_reached_when_allowlisted(server, http):
    url = server.route("/ok", Reply(headers={"Content-Type": "text/plain"}, body="hello"))
    response = http.get(url)
    assert (response.status, response.text, response.url) == (200, "hello", url)


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("127.0.0.1", "loopback"),
        ("10.1.2.3", "private"),
        ("172.16.0.1", "private"),
        ("192.168.1.1", "private"),
        ("169.254.169.254", "metadata"),
        ("100.100.100.200", "metadata"),
        ("168.63.129.16", "metadata"),
        ("fd00:ec2::254", "metadata"),
        ("169.254.10.1", "link-local"),
        ("224.0.0.1", "multicast"),
        ("0.0.0.0", "unspecified"),
        ("240.0.0.1", "reserved"),
        ("100.64.0.1", "non-public"),
        ("::1", "loopback"),
        ("fe80::1", "link-local"),
        ("fc00::1", "private"),
        ("::ffff:127.0.0.1", "loopback"),
        ("::ffff:169.254.169.254", "metadata"),
        ("64:ff9b::a00:1", "private"),  # NAT64 of 10.0.0.1
        ("2002:7f00:1::1", "loopback"),  # 6to4 of 127.0.0.1
    ],
)
def test_non_public_addresses_are_refused(address, reason):
    assert reason in blocked_reason(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", ["93.184.216.34", "2606:4700:4700::1111", "::ffff:8.8.8.8"])
def test_public_addresses_pass(address):
    assert blocked_reason(ipaddress.ip_address(address)) is None


@pytest.mark.parametrize(
    ("host", "address", "port", "entries", "allowed"),
    [
        ("a.test", "10.0.0.5", 80, ["10.0.0.0/8"], True),
        ("a.test", "10.0.0.5", 80, ["10.0.0.5"], True),
        ("intranet.test", "10.0.0.5", 80, ["Intranet.Test"], True),
        ("other.test", "10.0.0.5", 80, ["intranet.test"], False),
        ("a.test", "127.0.0.1", 8080, ["127.0.0.1:8080"], True),
        ("a.test", "127.0.0.1", 8081, ["127.0.0.1:8080"], False),
        ("a.test", "::1", 80, ["[::1]:80"], True),
        ("a.test", "fd00::1", 443, ["fd00::/8"], True),
        # a broad entry never opens the metadata endpoint; its exact address does
        ("a.test", "169.254.169.254", 80, ["169.254.0.0/16"], False),
        ("a.test", "169.254.169.254", 80, ["a.test"], False),
        ("a.test", "169.254.169.254", 80, ["169.254.169.254"], True),
    ],
)
def test_allowlist_entries(host, address, port, entries, allowed):
    call = lambda: check_destination(host, ipaddress.ip_address(address), port, Allowlist(entries))  # noqa: E731
    if allowed:
        call()
    else:
        with pytest.raises(BlockedAddressError):
            call()


def fake_resolver(monkeypatch, answers):
    """Make getaddrinfo answer `answers[host]` (a list of addresses); count the calls."""
    calls = []
    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        if host not in answers:
            return real(host, port, *args, **kwargs)
        calls.append(host)
        found = answers[host] if isinstance(answers[host], list) else answers[host](len(calls))
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (ip, port)) for ip in found]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return calls


def test_every_resolved_address_must_be_allowed(monkeypatch, server):
    fake_resolver(monkeypatch, {"mixed.test": ["93.184.216.34", "127.0.0.2"]})
    with GuardedSession() as plain, pytest.raises(BlockedAddressError) as caught:
        plain.get(f"http://mixed.test:{server.port}/")
    assert "127.0.0.2" in str(caught.value)


def test_allowlisted_host_name_connects_to_the_address_it_was_checked_at(monkeypatch, server):
    # The second answer would point somewhere else (DNS rebinding); the guard must
    # connect to the address it checked, resolving once per connection.
    calls = fake_resolver(
        monkeypatch, {"portal.test": lambda n: ["127.0.0.1"] if n == 1 else ["10.9.9.9"]}
    )
    server.route("/", Reply(body="pinned"))
    with session(allowlist=["portal.test"]) as guarded:
        assert guarded.get(f"http://portal.test:{server.port}/").text == "pinned"
    assert calls == ["portal.test"]


def test_redirect_to_metadata_address_is_refused_without_connecting(server, http):
    url = server.route("/hop", redirect("http://169.254.169.254/latest/meta-data/"))
    started = time.monotonic()
    with pytest.raises(BlockedAddressError) as caught:
        http.get(url)
    assert "169.254.169.254" in str(caught.value)
    assert time.monotonic() - started < 1  # a connection attempt would wait for a timeout


def test_redirect_to_a_port_not_on_the_allowlist_is_refused(server):
    url = server.route("/hop", redirect(f"http://127.0.0.1:{free_port()}/"))
    with session(allowlist=[f"127.0.0.1:{server.port}"]) as guarded:
        with pytest.raises(BlockedAddressError):
            guarded.get(url)


def test_https_goes_through_the_guard_and_verifies_certificates(make_server, http):
    tls = make_server(tls_cert=FIXTURES / "selfsigned_127.0.0.1.pem")
    url = tls.route("/ok", Reply(body="secret"))
    with GuardedSession() as plain, pytest.raises(BlockedAddressError):
        plain.get(url)
    # allowlisted, the connection is made; the self-signed certificate is still refused
    with pytest.raises(ConnectionFailedError) as caught:
        http.get(url)
    assert "certificate" in str(caught.value).lower()


def test_connection_refused_is_a_connection_failure(http):
    with pytest.raises(ConnectionFailedError):
        http.get(f"http://127.0.0.1:{free_port()}/")


# ------------------------------------------------------------- schemes, redirects


@pytest.mark.parametrize(
    "url", ["file:///etc/passwd", "ftp://example.org/x", "gopher://example.org/", "example.org/x"]
)
def test_only_http_and_https_are_fetched(http, url):
    with pytest.raises(SchemeNotAllowedError):
        http.get(url)


@pytest.mark.parametrize("target", ["file:///etc/passwd", "ftp://127.0.0.1/x", "data:,hello"])
def test_redirect_to_another_scheme_is_refused(server, http, target):
    url = server.route("/hop", redirect(target, 301))
    with pytest.raises(SchemeNotAllowedError):
        http.get(url)


def add_redirect_chain(server, hops: int) -> str:
    for n in range(hops):
        server.route(f"/chain/{n}", redirect(f"/chain/{n + 1}", 307))
    server.route(f"/chain/{hops}", Reply(body="arrived"))
    return server.url("/chain/0")


def test_redirects_are_followed_up_to_the_limit(server):
    url = add_redirect_chain(server, 3)
    with session(max_redirects=3) as guarded:
        response = guarded.get(url)
    assert (response.text, response.url) == ("arrived", server.url("/chain/3"))


def test_one_redirect_too_many_fails(server):
    url = add_redirect_chain(server, 4)
    with session(max_redirects=3) as guarded, pytest.raises(TooManyRedirectsError):
        guarded.get(url)
    assert "/chain/4" not in server.paths()


def test_credentials_do_not_follow_a_redirect_to_another_host(make_server, http):
    first, second = make_server(), make_server()
    second.route("/landing", Reply(body="ok"))
    url = first.route("/hop", redirect(second.url("/landing")))
    http.get(url, headers={"Authorization": "Bearer secret", "X-Trace": "1"})
    landing_headers = second.requests[0][1]
    assert "Authorization" not in landing_headers
    assert landing_headers["X-Trace"] == "1"


# ----------------------------------------------------------------- size and time


def test_body_over_the_cap_is_refused(server):
    url = server.route("/big", Reply(body=b"x" * 5000))
    with session(max_bytes=4000) as guarded, pytest.raises(ResponseTooLargeError):
        guarded.get(url)


def send_unsized(body: bytes):
    """Answer without Content-Length, ending the body by closing the connection."""

    def route(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Connection", "close")
        handler.end_headers()
        handler.wfile.write(body)
        handler.close_connection = True

    return route


def test_body_without_a_length_is_counted_while_streaming(server):
    url = server.route("/big", send_unsized(b"x" * 300_000))
    with session(max_bytes=100_000) as guarded, pytest.raises(ResponseTooLargeError):
        guarded.get(url)


def test_gzip_body_is_decoded(server, http):
    url = server.route(
        "/gz", Reply(headers={"Content-Encoding": "gzip"}, body=gzip.compress(b"ok" * 1000))
    )
    assert http.get(url).content == b"ok" * 1000


def test_gzip_bomb_is_stopped_at_the_cap(server):
    bomb = gzip.compress(b"\0" * 50_000_000)
    assert len(bomb) < 100_000
    url = server.route("/bomb", Reply(headers={"Content-Encoding": "gzip"}, body=bomb))
    with session(max_bytes=1_000_000) as guarded, pytest.raises(ResponseTooLargeError):
        guarded.get(url)


def test_broken_gzip_is_bad_content(server, http):
    url = server.route("/gz", Reply(headers={"Content-Encoding": "gzip"}, body=b"not gzip at all"))
    with pytest.raises(BadContentError):
        http.get(url)


def drip_body(server):
    def route(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Length", "1000")
        handler.end_headers()
        while not server.stopping.wait(0.1):
            handler.wfile.write(b"x")
            handler.wfile.flush()

    return route


def drip_headers(server):
    def route(handler: BaseHTTPRequestHandler) -> None:
        handler.wfile.write(b"HTTP/1.1 200 OK\r\n")
        while not server.stopping.wait(0.1):
            handler.wfile.write(b"X-Drip: y\r\n")
            handler.wfile.flush()

    return route


@pytest.mark.parametrize("make_route", [drip_body, drip_headers])
def test_slow_drip_is_cut_at_the_total_deadline(server, make_route):
    url = server.route("/drip", make_route(server))
    started = time.monotonic()
    with session(read_timeout=5, total_deadline=0.8) as guarded:
        with pytest.raises(DeadlineExceededError) as caught:
            guarded.get(url)
    assert time.monotonic() - started < 2
    assert "deadline" in str(caught.value)


def stall(server, *, after_headers: bool):
    def route(handler: BaseHTTPRequestHandler) -> None:
        if after_headers:
            handler.send_response(200)
            handler.send_header("Content-Length", "100")
            handler.end_headers()
            handler.wfile.write(b"partial")
            handler.wfile.flush()
        server.stopping.wait(5)

    return route


@pytest.mark.parametrize("after_headers", [False, True])
def test_stalled_server_hits_the_read_timeout(server, after_headers):
    url = server.route("/stall", stall(server, after_headers=after_headers))
    started = time.monotonic()
    with session(read_timeout=0.3) as guarded, pytest.raises(ReadTimeoutError):
        guarded.get(url)
    assert time.monotonic() - started < 1.5


# ---------------------------------------------------------- statuses, conditional


def conditional_route(handler: BaseHTTPRequestHandler) -> Reply:
    if handler.headers.get("If-None-Match") == '"v1"':
        return Reply(304, {"ETag": '"v1"'})
    return Reply(
        headers={"ETag": '"v1"', "Last-Modified": "Wed, 04 Jun 2025 10:00:00 GMT"},
        body="fresh",
    )


def test_conditional_get_answers_not_modified(server, http):
    url = server.route("/doc", conditional_route)
    first = http.get(url)
    assert first.validators() == {"etag": '"v1"', "last_modified": "Wed, 04 Jun 2025 10:00:00 GMT"}
    again = http.get(url, conditional=first.validators())
    assert again.not_modified and again.content == b""
    assert server.requests[-1][1]["If-Modified-Since"] == "Wed, 04 Jun 2025 10:00:00 GMT"


@pytest.mark.parametrize("status", [404, 410, 500, 503])
def test_error_statuses_raise_with_the_status(server, http, status):
    url = server.route("/broken", Reply(status, body="nope"))
    with pytest.raises(HttpStatusError) as caught:
        http.get(url)
    assert caught.value.status == status
    assert str(status) in str(caught.value) and url in str(caught.value)
    assert isinstance(caught.value, FetchError)


# ------------------------------------------------------------------------- POST


def echo_post(handler: BaseHTTPRequestHandler) -> Reply:
    """Answer with the method, Content-Type and body the server received."""
    seen = f"{handler.command} {handler.headers.get('Content-Type')} ".encode() + handler.body
    return Reply(headers={"Content-Type": "text/plain; charset=utf-8"}, body=seen)


def test_post_sends_json_as_utf8(server, http):
    url = server.route("/api", echo_post)
    answer = http.post(url, json={"offset": 0, "标题": "通知"})
    assert answer.text == 'POST application/json; charset=utf-8 {"offset":0,"标题":"通知"}'


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"a": "1", "b": "二"}, "application/x-www-form-urlencoded a=1&b=%E4%BA%8C"),
        ("纯文本", "None 纯文本"),
        (b"\x00\x01", "None \x00\x01"),
    ],
)
def test_post_sends_form_fields_text_or_bytes(server, http, data, expected):
    url = server.route("/api", echo_post)
    assert http.post(url, data=data).text == f"POST {expected}"


def test_post_goes_through_the_address_guard(server):
    with session(allowlist=[]) as guarded, pytest.raises(BlockedAddressError):
        guarded.post(server.url("/api"), json={})
    assert server.posted == []


@pytest.mark.parametrize(("status", "method"), [(303, "GET"), (302, "GET"), (307, "POST")])
def test_post_redirects_follow_the_rules_browsers_keep(server, http, status, method):
    server.route("/old", redirect("/new", status))
    server.route("/new", echo_post)
    answer = http.post(server.url("/old"), json={"k": 1})
    assert answer.text.startswith(method) and answer.url == server.url("/new")
    assert answer.text.endswith('{"k":1}') == (method == "POST")


def test_post_answers_are_capped_and_statuses_raise(server):
    server.route("/big", Reply(body=b"x" * 5000))
    server.route("/broken", Reply(500, body=b"nope"))
    with session(max_bytes=4000) as guarded:
        with pytest.raises(ResponseTooLargeError):
            guarded.post(server.url("/big"), json={})
        with pytest.raises(HttpStatusError) as caught:
            guarded.post(server.url("/broken?secret=s3cr3t&access_token=t0k3n"), json={})
    assert caught.value.status == 500
    assert "s3cr3t" not in str(caught.value) and "t0k3n" not in str(caught.value)


def test_post_refuses_json_and_data_together(http):
    with pytest.raises(ValueError, match="not both"):
        http.post("http://127.0.0.1/", json={}, data="x")


# --------------------------------------------------------------------- decoding

CHINESE = "关于开展2026年社会保险缴费工作的通知"


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("text/plain; charset=GB18030", CHINESE.encode("gb18030")),
        ("text/plain; charset=gb2312", CHINESE.encode("gb18030")),  # GBK-era label
        (
            "application/xml",
            f'<?xml version="1.0" encoding="GB18030"?><t>{CHINESE}</t>'.encode("gb18030"),
        ),
        # a Java container's default label must not turn a declared GBK page into mojibake
        ("text/html; charset=ISO-8859-1", f'<meta charset="gbk"><p>{CHINESE}</p>'.encode("gbk")),
        ("text/plain", CHINESE.encode("utf-8")),
        ("text/plain; charset=iso-8859-1", CHINESE.encode("utf-8")),
        ("text/plain", CHINESE.encode("gb18030")),  # undeclared: GB18030 fallback
        ("text/plain", b"\xef\xbb\xbf" + CHINESE.encode("utf-8")),
    ],
)
def test_text_is_decoded_without_mojibake(content_type, body):
    assert CHINESE in decode_text(body, content_type)


def test_declared_latin1_text_stays_latin1():
    assert decode_text("Gießen, Straße".encode("latin-1"), "text/plain; charset=iso-8859-1") == (
        "Gießen, Straße"
    )


def test_undecodable_bytes_show_as_replacement_characters():
    text = decode_text(b"ok \xff\xfe\xff end", "text/plain; charset=utf-8")
    assert text.startswith("ok ") and text.endswith(" end") and "\ufffd" in text


def test_header_charset_is_used_over_the_wire(server, http):
    url = server.route(
        "/gb", Reply(headers={"Content-Type": "text/html; charset=gbk"}, body=CHINESE.encode("gbk"))
    )
    assert http.get(url).text == CHINESE


@pytest.mark.parametrize(
    "text",
    [
        '{"a": NaN}',
        '{"a": Infinity}',
        "[-Infinity]",
        "[1e999]",
        "[" * 70 + "]" * 70,
        "[" * 5000 + "]" * 5000,
        "{oops",
    ],
)
def test_json_refuses_what_it_cannot_represent_safely(text):
    with pytest.raises(BadContentError):
        Response(url="http://x.test/", status=200, content=text.encode()).json()


def test_json_parses_ordinary_documents():
    assert parse_json('{"a": [1, 2.5, "三"], "b": {"c": null}}') == {
        "a": [1, 2.5, "三"],
        "b": {"c": None},
    }


# ------------------------------------------------------------------- settings


def test_secrets_are_redacted_from_urls():
    shown = redact_url("https://user:pw@api.test/x?api_key=abc&token=def&jurisdiction_id=sz")
    assert "pw" not in shown and "abc" not in shown and "def" not in shown
    assert "jurisdiction_id=sz" in shown


def test_wechat_style_credentials_are_redacted_from_urls():
    shown = redact_url(
        "https://api.weixin.qq.com/cgi-bin/token?grant_type=client_credential"
        "&appid=wx1234&secret=s3cr3t&access_token=t0k3n&app_secret=x9"
    )
    assert "s3cr3t" not in shown and "t0k3n" not in shown and "x9" not in shown
    assert "appid=wx1234" in shown and "grant_type=client_credential" in shown


def test_secrets_are_redacted_from_urllib3_log_lines(server, http, caplog):
    caplog.set_level(logging.DEBUG, logger="urllib3")
    url = server.route("/api", Reply(body="ok"))
    http.get(url + "?appid=wx1&secret=s3cr3t&access_token=t0k3n")
    http.post(url + "?access_token=t0k3n", json={})
    assert "/api?appid=wx1&secret=***&access_token=***" in caplog.text
    assert "s3cr3t" not in caplog.text and "t0k3n" not in caplog.text


def test_settings_build_a_session():
    built = GuardedSession.from_settings(
        {
            "HTTP_ALLOWLIST": "10.0.0.0/8, intranet.test",
            "HTTP_MAX_BYTES": 1234,
            "HTTP_READ_TIMEOUT": None,
        }
    )
    assert built.max_bytes == 1234 and built.read_timeout == 15.0 and built.max_redirects == 5
    assert built.allowlist.permits("intranet.test", ipaddress.ip_address("10.1.1.1"), 80)
