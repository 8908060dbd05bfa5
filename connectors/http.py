"""The one guarded HTTP session every outbound request goes through.

Connectors fetch public sources chosen by department operators, so a source URL is
untrusted input. `GuardedSession.get` (and `GuardedSession.post`, for the few APIs that
are read with a POST) enforce one policy on every request:

* only ``http`` and ``https``, on the first URL and on every redirect hop;
* redirects are followed here, one hop at a time (at most ``max_redirects``), so each
  hop is checked like the first; credentials and cookies are not carried to another host;
* the address guard: the host is resolved with ``getaddrinfo`` and *every* address must
  be public (not loopback, private, link-local, multicast, reserved, unspecified or a
  cloud-metadata address, also when wrapped in IPv6). The socket is then opened to one
  of those checked addresses and the peer address is checked again, so a DNS answer that
  changes between check and connect (DNS rebinding) cannot slip through. Host names,
  addresses and CIDR networks on the allowlist (optionally ``:port``) are let through;
  metadata addresses only when listed exactly;
* connect and read timeouts, and a total deadline for the whole exchange. A watchdog
  cuts the socket when the deadline passes, so a server that drips headers or body a
  byte at a time cannot hold a worker; the clock is also checked between body chunks.
  Name resolution itself cannot be interrupted and counts against the deadline;
* a cap on the body size that also holds after gzip/deflate decoding: the body is
  streamed, decoded in bounded steps and counted, and reading stops once over the cap;
* environment proxies and ``.netrc`` are ignored, since a proxy would connect on our
  behalf to addresses the guard never saw.

Every failure is an `HttpError` (a `connectors.base.FetchError`) whose message names
the URL with credentials and token-like query values redacted; urllib3's own log lines
(it logs each request's URL at DEBUG) get the same redaction.
"""

from __future__ import annotations

import codecs
import ipaddress
import json
import logging
import re
import socket
import threading
import time
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import requests
from requests.adapters import HTTPAdapter
from requests.structures import CaseInsensitiveDict
from requests.utils import requote_uri
from urllib3 import exceptions as urllib3_errors
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from connectors.base import FetchError, one_line

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

DEFAULT_CONNECT_TIMEOUT = 5.0
DEFAULT_READ_TIMEOUT = 15.0
DEFAULT_TOTAL_DEADLINE = 60.0
DEFAULT_MAX_BYTES = 10 * 1024 * 1024
DEFAULT_MAX_REDIRECTS = 5
DEFAULT_USER_AGENT = "ServiceHall/0.1"
JSON_MAX_DEPTH = 64
_CHUNK_SIZE = 64 * 1024
# Headers that identify the caller to one host and must not follow a redirect elsewhere.
_CREDENTIAL_HEADERS = ("Authorization", "Proxy-Authorization", "Cookie")


# --------------------------------------------------------------------------- errors


class HttpError(FetchError):
    """A request failed; `url` names where (redacted when shown)."""

    def __init__(self, message: str, url: str | None = None):
        super().__init__(message)
        self.message = message
        self.url = url

    def __str__(self) -> str:
        text = f"{redact_url(self.url)}: {self.message}" if self.url else self.message
        return one_line(text)  # the reason phrase of a status line is the server's text


class BlockedAddressError(HttpError):
    """The destination is an address the policy refuses to contact."""


class SchemeNotAllowedError(HttpError):
    """The URL (or a redirect) uses a scheme other than http or https."""


class TooManyRedirectsError(HttpError):
    """The server redirected more often than `max_redirects` allows."""


class ResponseTooLargeError(HttpError):
    """The body (after decompression) is larger than `max_bytes`."""


class DeadlineExceededError(HttpError):
    """The whole exchange took longer than `total_deadline`."""


class ConnectTimeoutError(HttpError):
    """No connection could be opened within `connect_timeout`."""


class ReadTimeoutError(HttpError):
    """The server sent nothing for `read_timeout` seconds."""


class ConnectionFailedError(HttpError):
    """The host could not be resolved or reached, or the connection broke."""


class BadContentError(HttpError):
    """The body could not be decoded: a broken content-encoding or invalid JSON."""


class HttpStatusError(HttpError):
    """The server answered with an error status (4xx or 5xx)."""

    def __init__(self, status: int, message: str, url: str | None = None):
        super().__init__(message, url)
        self.status = status


# ------------------------------------------------------------------- address policy

# Addresses where cloud platforms serve instance credentials. Most are link-local or
# private anyway; 168.63.129.16 (Azure) is not, so it is listed by address.
METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(a)
    for a in (
        "169.254.169.254",  # AWS, GCP, Azure, OpenStack, DigitalOcean, ...
        "169.254.170.2",  # AWS ECS task metadata
        "100.100.100.200",  # Alibaba Cloud
        "168.63.129.16",  # Azure wire server
        "192.0.0.192",  # Oracle Cloud
        "fd00:ec2::254",  # AWS over IPv6
    )
)
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_REFUSED_KINDS = (
    ("is_loopback", "loopback"),
    ("is_link_local", "link-local"),
    ("is_multicast", "multicast"),
    ("is_unspecified", "unspecified"),
    ("is_reserved", "reserved"),
    ("is_private", "private"),
)


def blocked_reason(address: IPAddress) -> str | None:
    """Return why `address` may not be contacted, or None when it is a public address."""
    if address in METADATA_ADDRESSES:
        return "cloud metadata address"
    if isinstance(address, ipaddress.IPv6Address):
        # An IPv4 address wrapped in IPv6 reaches the IPv4 host: judge the inner one.
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is None and address in _NAT64:
            embedded = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if embedded is not None:
            inner = blocked_reason(embedded)
            return f"{inner} (as {address})" if inner else None
    for flag, kind in _REFUSED_KINDS:
        if getattr(address, flag):
            return f"{kind} address"
    if not address.is_global:
        return "non-public address"
    return None


@dataclass(frozen=True)
class _AllowEntry:
    host: str | None
    network: IPNetwork | None
    port: int | None

    def matches(self, host: str, address: IPAddress, port: int, exact_only: bool) -> bool:
        if self.port is not None and self.port != port:
            return False
        if self.network is not None:
            if exact_only:
                return self.network.num_addresses == 1 and self.network.network_address == address
            return address in self.network
        return not exact_only and self.host == host


def _parse_allow_entry(raw: str) -> _AllowEntry:
    text = raw.strip().lower()
    port: str | None = None
    bracketed = re.fullmatch(r"\[([^\]]+)\](?::(\d+))?", text)
    if bracketed:
        text, port = bracketed.group(1), bracketed.group(2)
    elif text.count(":") == 1:  # host:port; a bare IPv6 address has several colons
        text, _, port = text.partition(":")
    if not text or (port is not None and not port.isdigit()):
        raise ValueError(f"invalid HTTP_ALLOWLIST entry {raw!r}")
    port_number = int(port) if port else None
    try:
        return _AllowEntry(None, ipaddress.ip_network(text, strict=False), port_number)
    except ValueError:
        return _AllowEntry(text.rstrip("."), None, port_number)


class Allowlist:
    """Host names, addresses and CIDR networks (each optionally ``:port``) let through."""

    def __init__(self, entries: Iterable[str] = ()):
        self.entries = tuple(_parse_allow_entry(e) for e in entries if e and e.strip())

    def permits(
        self, host: str, address: IPAddress, port: int, *, exact_only: bool = False
    ) -> bool:
        """Say whether `host` at `address`:`port` is on the list."""
        host = host.lower().rstrip(".")
        return any(e.matches(host, address, port, exact_only) for e in self.entries)


def check_destination(host: str, address: IPAddress, port: int, allowlist: Allowlist) -> None:
    """Raise BlockedAddressError unless `address` (resolved from `host`) may be contacted."""
    reason = blocked_reason(address)
    if reason is None:
        return
    # A broad allowlist entry (a network, a host name) must not open the credential
    # endpoint of the machine we run on: metadata needs its exact address listed.
    exact_only = address in METADATA_ADDRESSES
    if allowlist.permits(host, address, port, exact_only=exact_only):
        return
    raise BlockedAddressError(
        f"refused to connect to {address} (host {host}, port {port}): {reason}; "
        "add it to HTTP_ALLOWLIST if this source is meant to be reached"
    )


def open_checked_socket(
    host: str,
    port: int,
    allowlist: Allowlist,
    *,
    timeout: float | None = None,
    source_address: tuple[str, int] | None = None,
    socket_options: Iterable[tuple[int, int, int]] = (),
) -> socket.socket:
    """Resolve `host`, check every address, connect to a checked one and check the peer."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    for *_, sockaddr in infos:
        check_destination(host, ipaddress.ip_address(sockaddr[0]), port, allowlist)
    last_error: OSError | None = None
    for family, socktype, proto, _, sockaddr in infos:
        sock = socket.socket(family, socktype, proto)
        try:
            for option in socket_options:
                sock.setsockopt(*option)
            sock.settimeout(timeout)
            if source_address:
                sock.bind(source_address)
            sock.connect(sockaddr)
            # Connecting to the checked sockaddr pins the address; checking what we
            # actually reached guards against anything rewriting it underneath us.
            check_destination(host, ipaddress.ip_address(sock.getpeername()[0]), port, allowlist)
            return sock
        except OSError as exc:
            sock.close()
            last_error = exc
        except BaseException:
            sock.close()
            raise
    raise last_error or OSError(f"no address found for {host}")


# ------------------------------------------------------------ urllib3 / requests glue

_local = threading.local()


class _Watchdog:
    """Cut the connection in use when the total deadline passes, even in a blocked read."""

    def __init__(self, seconds: float):
        self.fired = False
        self._connection: HTTPConnection | None = None
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._fire)
        self._timer.daemon = True

    def watch(self, connection: HTTPConnection) -> None:
        with self._lock:
            self._connection = connection
            if self.fired:
                self._cut()

    def _fire(self) -> None:
        with self._lock:
            self.fired = True
            self._cut()

    def _cut(self) -> None:
        sock = getattr(self._connection, "sock", None)
        if sock is not None:
            try:
                # The plain-socket shutdown also works under TLS and, unlike
                # SSLSocket.shutdown, leaves the reading thread's TLS state alone.
                socket.socket.shutdown(sock, socket.SHUT_RDWR)
            except OSError:
                pass

    def __enter__(self) -> _Watchdog:
        _local.watchdog = self
        self._timer.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._timer.cancel()
        _local.watchdog = None


class _GuardedConnectionMixin:
    """urllib3 connection that opens its socket through the address guard."""

    allowlist: ClassVar[Allowlist]
    # Provided by urllib3's HTTPConnection.
    _dns_host: str
    host: str
    port: int
    timeout: Any
    source_address: tuple[str, int] | None
    socket_options: Any

    def _new_conn(self) -> socket.socket:
        timeout = self.timeout if isinstance(self.timeout, int | float) else None
        try:
            return open_checked_socket(
                self._dns_host,
                self.port,
                self.allowlist,
                timeout=timeout,
                source_address=self.source_address,
                socket_options=self.socket_options or (),
            )
        # Raise urllib3's own errors so requests reports them as it always does.
        except socket.gaierror as exc:
            raise urllib3_errors.NameResolutionError(self.host, self, exc) from exc  # type: ignore[arg-type]
        except TimeoutError as exc:
            raise urllib3_errors.ConnectTimeoutError(
                self, f"connection to {self.host} timed out"
            ) from exc
        except OSError as exc:
            raise urllib3_errors.NewConnectionError(self, f"connection failed: {exc}") from exc  # type: ignore[arg-type]

    def request(self, *args: Any, **kwargs: Any) -> None:
        watchdog = getattr(_local, "watchdog", None)
        if watchdog is not None:
            watchdog.watch(self)  # type: ignore[arg-type]
        super().request(*args, **kwargs)  # type: ignore[misc]


def _guarded_pool_classes(allowlist: Allowlist) -> dict[str, type[HTTPConnectionPool]]:
    # urllib3 builds connections from a class attribute, so the allowlist of this
    # session rides on per-session subclasses.
    attrs = {"allowlist": allowlist}
    http_conn = type("GuardedHTTPConnection", (_GuardedConnectionMixin, HTTPConnection), attrs)
    https_conn = type("GuardedHTTPSConnection", (_GuardedConnectionMixin, HTTPSConnection), attrs)
    return {
        "http": type(
            "GuardedHTTPConnectionPool", (HTTPConnectionPool,), {"ConnectionCls": http_conn}
        ),
        "https": type(
            "GuardedHTTPSConnectionPool", (HTTPSConnectionPool,), {"ConnectionCls": https_conn}
        ),
    }


class _GuardedAdapter(HTTPAdapter):
    def __init__(self, allowlist: Allowlist):
        self._allowlist = allowlist  # read by init_poolmanager, which __init__ calls
        super().__init__(max_retries=0)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = _guarded_pool_classes(self._allowlist)


# ------------------------------------------------------------------------- response

_LATIN_ENCODINGS = {"iso8859-1", "ascii", "cp1252"}
_XML_DECLARATION = re.compile(rb"^\s*<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._:-]+)[\"']")
_META_CHARSET = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?\s*([A-Za-z0-9._:-]+)", re.IGNORECASE)
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def _normalise_encoding(label: str | None) -> str | None:
    if not label:
        return None
    try:
        name = codecs.lookup(label.strip().strip("\"'")).name
    except LookupError:
        return None
    # Pages labelled GB2312 or GBK routinely use characters only GB18030 (their
    # superset) covers; browsers decode them all as GB18030 too.
    return "gb18030" if name in ("gb2312", "gbk") else name


def _header_charset(content_type: str | None) -> str | None:
    match = re.search(r"charset\s*=\s*[\"']?([^\s;\"']+)", content_type or "", re.IGNORECASE)
    return _normalise_encoding(match.group(1)) if match else None


def _document_charset(content: bytes) -> str | None:
    head = content[:4096]
    match = _XML_DECLARATION.match(head) or _META_CHARSET.search(head)
    return _normalise_encoding(match.group(1).decode("ascii")) if match else None


def _candidate_encodings(content: bytes, content_type: str | None) -> list[str]:
    for bom, encoding in _BOMS:
        if content.startswith(bom):
            return [encoding]
    declared = [e for e in (_header_charset(content_type), _document_charset(content)) if e]
    specific = [e for e in declared if e not in _LATIN_ENCODINGS]
    # A Latin-1 label is often a server default (Java containers) rather than a fact
    # about the body, and Latin-1 decodes any bytes, so it is tried only after UTF-8:
    # text that is valid UTF-8 is almost never meant as Latin-1.
    latin = [e for e in declared if e in _LATIN_ENCODINGS]
    return list(dict.fromkeys([*specific, "utf-8", *latin, "gb18030"]))


def decode_text(content: bytes, content_type: str | None = None) -> str:
    """Decode a body: BOM, declared charsets, then UTF-8, then GB18030."""
    for encoding in _candidate_encodings(content, content_type):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    # Nothing decodes cleanly: keep what is readable and mark the rest visibly with
    # U+FFFD rather than guess a codec and produce plausible-looking nonsense.
    return content.decode("utf-8", errors="replace")


# A GB18030 reading where more than this share of the non-ASCII characters lies outside
# GB2312 is not mainland Chinese text but another encoding misread: GB18030 accepts
# many byte sequences that were never Chinese (Big5, Latin-1, Shift-JIS text).
MOST_OUTSIDE_GB2312 = 0.25


def looks_chinese(text: str) -> bool:
    """Say whether `text` reads as mainland Chinese: most non-ASCII characters in GB2312."""
    counts = Counter(char for char in text if ord(char) > 0x7F)
    total = sum(counts.values())
    outside = sum(n for char, n in counts.items() if not _in_gb2312(char))
    return total == 0 or outside <= MOST_OUTSIDE_GB2312 * total


def _in_gb2312(char: str) -> bool:
    try:
        char.encode("gb2312")
    except UnicodeEncodeError:
        return False
    return True


class _NonFiniteNumberError(ValueError):
    pass


def _reject_constant(name: str) -> float:
    raise _NonFiniteNumberError(f"{name} is not a valid JSON number")


def _finite_float(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise _NonFiniteNumberError(f"{text} is too large for a number")
    return value


def _deeper_than(value: Any, limit: int) -> bool:
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Iterable[Any] = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


def parse_json(text: str, *, max_depth: int = JSON_MAX_DEPTH, url: str | None = None) -> Any:
    """Parse JSON text; refuse NaN, Infinity and nesting deeper than `max_depth`."""
    too_deep = BadContentError(f"JSON nested deeper than {max_depth} levels", url)
    try:
        value = json.loads(text, parse_constant=_reject_constant, parse_float=_finite_float)
    except RecursionError:
        raise too_deep from None
    except json.JSONDecodeError as exc:
        raise BadContentError(f"invalid JSON: {exc}", url) from None
    except ValueError as exc:  # non-finite numbers, integers too long to convert
        raise BadContentError(f"invalid JSON: {exc}", url) from None
    if _deeper_than(value, max_depth):
        raise too_deep
    return value


class Response:
    """A fully read answer: final `url`, `status`, `headers` and `content` bytes."""

    def __init__(
        self,
        *,
        url: str,
        status: int,
        headers: Mapping[str, str] | None = None,
        content: bytes = b"",
        not_modified: bool = False,
    ):
        self.url = url
        self.status = status
        self.headers: CaseInsensitiveDict[str] = CaseInsensitiveDict(headers or {})
        self.content = content
        self.not_modified = not_modified
        self._text: str | None = None

    def __repr__(self) -> str:
        return f"<Response {self.status} {redact_url(self.url)} {len(self.content)} bytes>"

    @property
    def media_type(self) -> str:
        """Return the Content-Type without parameters, lower-cased ("" when absent)."""
        return self.headers.get("Content-Type", "").split(";")[0].strip().lower()

    @property
    def text(self) -> str:
        """Return the body decoded (see `decode_text`)."""
        if self._text is None:
            self._text = decode_text(self.content, self.headers.get("Content-Type"))
        return self._text

    def json(self, *, max_depth: int = JSON_MAX_DEPTH) -> Any:
        """Return the body parsed as JSON; raise BadContentError when it is not."""
        return parse_json(self.text, max_depth=max_depth, url=self.url)

    def validators(self) -> dict[str, str]:
        """Return the cache validators the server sent, for the next conditional GET."""
        found = {}
        if etag := self.headers.get("ETag"):
            found["etag"] = etag
        if last_modified := self.headers.get("Last-Modified"):
            found["last_modified"] = last_modified
        return found


# -------------------------------------------------------------------------- helpers

_SECRET_PARAM = re.compile(
    r"(?:.*[_-])?(?:token|key|apikey|secret|password|passwd|pwd|sig|signature|auth|session)",
    re.IGNORECASE,
)


def redact_url(url: str) -> str:
    """Return `url` with user info and token-like query values replaced by ***."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<invalid URL>"
    netloc = parts.netloc
    if "@" in netloc:
        netloc = "***@" + netloc.rpartition("@")[2]
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        query = urlencode(
            [(k, "***" if _SECRET_PARAM.fullmatch(k) else v) for k, v in pairs], safe="*"
        )
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


_QUERY_VALUE = re.compile(r"(?<=[?&])(?P<key>[^=&\s'\"]+)=(?P<value>[^&\s'\"#]*)")


def redact_text(text: str) -> str:
    """Return `text` with the values of token-like query parameters replaced by ***."""
    return _QUERY_VALUE.sub(
        lambda m: f"{m['key']}=***" if _SECRET_PARAM.fullmatch(m["key"]) else m[0], text
    )


class _RedactingFilter(logging.Filter):
    """Redact token-like query values from a log record's message."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact_text(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


# urllib3 logs every request line, query string included, at DEBUG (and URLs in its
# retry and redirect messages): with debug logging on, a secret or token sent in a
# query (WeChat's API takes both there) would be written to the log. A logger's
# filters only see records logged to that very logger, hence one per module.
for _name in (
    "urllib3.connectionpool",
    "urllib3.connection",
    "urllib3.poolmanager",
    "urllib3.response",
    "urllib3.util.retry",
):
    logging.getLogger(_name).addFilter(_RedactingFilter())


def _check_url(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https"):
        scheme = f"{parts.scheme}:" if parts.scheme else "a URL without a scheme"
        raise SchemeNotAllowedError(f"only http and https may be fetched, not {scheme}", url)
    if not parts.hostname:
        raise HttpError("the URL has no host", url)


def _same_origin(a: str, b: str) -> bool:
    pa, pb = urlsplit(a), urlsplit(b)
    return (pa.scheme, pa.hostname, pa.port) == (pb.scheme, pb.hostname, pb.port)


def _cause(exc: BaseException) -> str:
    # requests wraps urllib3's MaxRetryError, whose text repeats the full URL (query
    # string included); the underlying reason is what a department needs to read.
    inner = exc.args[0] if exc.args else exc
    reason = str(getattr(inner, "reason", None) or inner)
    return re.sub(r"^\w+\(host=[^)]*\): ", "", reason)  # urllib3's connection repr


# -------------------------------------------------------------------------- session


class GuardedSession:
    """The HTTP client every connector uses; see the module docstring for the policy."""

    def __init__(
        self,
        *,
        allowlist: Iterable[str] = (),
        connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
        read_timeout: float = DEFAULT_READ_TIMEOUT,
        total_deadline: float = DEFAULT_TOTAL_DEADLINE,
        max_bytes: int = DEFAULT_MAX_BYTES,
        max_redirects: int = DEFAULT_MAX_REDIRECTS,
        user_agent: str = DEFAULT_USER_AGENT,
    ):
        self.allowlist = Allowlist(allowlist)
        self.connect_timeout = float(connect_timeout)
        self.read_timeout = float(read_timeout)
        self.total_deadline = float(total_deadline)
        self.max_bytes = int(max_bytes)
        self.max_redirects = int(max_redirects)
        self.user_agent = user_agent  # also what robots.txt rules are matched against
        self._session = requests.Session()
        # Environment proxies would connect for us to addresses the guard never saw.
        self._session.trust_env = False
        adapter = _GuardedAdapter(self.allowlist)
        self._session.mount("http://", adapter)
        self._session.mount("https://", adapter)
        self._session.headers.update(
            {
                "User-Agent": user_agent,
                "Accept": "*/*",
                # Only encodings whose decoding is bounded step by step (see _read_body).
                "Accept-Encoding": "gzip, deflate",
            }
        )

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> GuardedSession:
        """Build a session from the HTTP_* settings; missing keys take the defaults."""

        def setting(key: str, default: Any) -> Any:
            value = settings.get(key)
            return default if value is None else value

        allowlist = setting("HTTP_ALLOWLIST", ())
        if isinstance(allowlist, str):
            allowlist = [part.strip() for part in allowlist.split(",")]
        return cls(
            allowlist=allowlist,
            connect_timeout=setting("HTTP_CONNECT_TIMEOUT", DEFAULT_CONNECT_TIMEOUT),
            read_timeout=setting("HTTP_READ_TIMEOUT", DEFAULT_READ_TIMEOUT),
            total_deadline=setting("HTTP_TOTAL_DEADLINE", DEFAULT_TOTAL_DEADLINE),
            max_bytes=setting("HTTP_MAX_BYTES", DEFAULT_MAX_BYTES),
            max_redirects=setting("HTTP_MAX_REDIRECTS", DEFAULT_MAX_REDIRECTS),
            user_agent=setting("HTTP_USER_AGENT", DEFAULT_USER_AGENT),
        )

    def close(self) -> None:
        """Close pooled connections."""
        self._session.close()

    def __enter__(self) -> GuardedSession:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def get(
        self,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        conditional: Mapping[str, Any] | None = None,
    ) -> Response:
        """Fetch `url` under the policy; a 304 to a `conditional` GET is not_modified."""
        request_headers: CaseInsensitiveDict[str] = CaseInsensitiveDict(headers or {})
        request_headers.update(_conditional_headers(conditional))
        return self._exchange("GET", url, request_headers, None)

    def post(
        self,
        url: str,
        *,
        json: Any = None,
        data: bytes | str | Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Response:
        """POST `json` (or `data`: bytes, text or form fields) to `url` under the same policy."""
        request_headers: CaseInsensitiveDict[str] = CaseInsensitiveDict(headers or {})
        body, content_type = _encode_body(json, data)
        if content_type:
            request_headers.setdefault("Content-Type", content_type)
        return self._exchange("POST", url, request_headers, body)

    def _exchange(
        self, method: str, url: str, headers: CaseInsensitiveDict[str], body: bytes | None
    ) -> Response:
        """Send one request, following redirects hop by hop under the policy."""
        deadline = time.monotonic() + self.total_deadline
        with _Watchdog(self.total_deadline) as watchdog:
            current = url
            for _ in range(self.max_redirects + 1):
                _check_url(current)
                answer = self._send(method, current, headers, body, deadline, watchdog)
                target = self._session.get_redirect_target(answer)
                if target is None:
                    return self._finish(current, answer, deadline, watchdog)
                answer.close()
                following = requote_uri(urljoin(current, target))
                if not _same_origin(current, following):
                    for name in _CREDENTIAL_HEADERS:
                        headers.pop(name, None)
                # Browsers (and requests) turn a POST into a GET on 301, 302 and 303;
                # only 307 and 308 ask for the same request, body included, again.
                if method != "GET" and answer.status_code in (301, 302, 303):
                    method, body = "GET", None
                    headers.pop("Content-Type", None)
                current = following
            raise TooManyRedirectsError(f"more than {self.max_redirects} redirects", url)

    def _send(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str],
        body: bytes | None,
        deadline: float,
        watchdog: _Watchdog,
    ) -> requests.Response:
        remaining = self._remaining(url, deadline)
        timeout = (min(self.connect_timeout, remaining), min(self.read_timeout, remaining))
        try:
            return self._session.request(
                method,
                url,
                headers=headers,
                data=body,
                timeout=timeout,
                allow_redirects=False,
                stream=True,
            )
        except HttpError as exc:  # raised by the address guard inside urllib3
            exc.url = exc.url or url
            raise
        except requests.RequestException as exc:
            raise self._translate(exc, url, deadline, watchdog) from exc

    def _translate(
        self, exc: Exception, url: str, deadline: float, watchdog: _Watchdog
    ) -> HttpError:
        if watchdog.fired or time.monotonic() >= deadline:
            return self._deadline_error(url)
        if isinstance(exc, requests.ConnectTimeout):
            return ConnectTimeoutError(f"no connection within {self.connect_timeout:g} s", url)
        if isinstance(exc, requests.ReadTimeout | urllib3_errors.ReadTimeoutError):
            return ReadTimeoutError(f"the server sent nothing for {self.read_timeout:g} s", url)
        if isinstance(exc, requests.exceptions.SSLError):
            return ConnectionFailedError(f"TLS failed: {_cause(exc)}", url)
        if isinstance(exc, requests.ConnectionError | urllib3_errors.ProtocolError | OSError):
            return ConnectionFailedError(f"could not fetch: {_cause(exc)}", url)
        return HttpError(f"request failed: {_cause(exc)}", url)

    def _finish(
        self, url: str, answer: requests.Response, deadline: float, watchdog: _Watchdog
    ) -> Response:
        status = answer.status_code
        if status == 304:
            answer.close()
            return Response(url=url, status=status, headers=answer.headers, not_modified=True)
        if status >= 400:
            answer.close()
            raise HttpStatusError(status, f"the server answered {status} {answer.reason}", url)
        if status >= 300:
            answer.close()
            raise HttpStatusError(
                status, f"the server answered {status} with nothing to follow", url
            )
        content = self._read_body(url, answer, deadline, watchdog)
        return Response(url=url, status=status, headers=answer.headers, content=content)

    def _read_body(
        self, url: str, answer: requests.Response, deadline: float, watchdog: _Watchdog
    ) -> bytes:
        declared = answer.headers.get("Content-Length", "")
        encoded = answer.headers.get("Content-Encoding", "identity").lower() != "identity"
        if not encoded and declared.isdigit() and int(declared) > self.max_bytes:
            answer.close()
            raise self._too_large(url)
        chunks: list[bytes] = []
        size = 0
        try:
            while True:
                self._remaining(url, deadline)
                # read1 returns what has arrived (so a slow drip cannot make one read
                # outlast the deadline) and decodes at most _CHUNK_SIZE bytes per call,
                # so a compression bomb is counted before it is inflated.
                chunk = answer.raw.read1(_CHUNK_SIZE, decode_content=True)
                if not chunk:
                    break
                size += len(chunk)
                if size > self.max_bytes:
                    raise self._too_large(url)
                chunks.append(chunk)
        except urllib3_errors.DecodeError as exc:
            answer.close()
            raise BadContentError(f"could not decode the body: {_cause(exc)}", url) from None
        except (urllib3_errors.HTTPError, OSError) as exc:
            answer.close()
            raise self._translate(exc, url, deadline, watchdog) from exc
        except HttpError:
            answer.close()
            raise
        if watchdog.fired:  # a cut connection can look like the end of the body
            answer.close()
            raise self._deadline_error(url)
        return b"".join(chunks)

    def _remaining(self, url: str, deadline: float) -> float:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise self._deadline_error(url)
        return remaining

    def _deadline_error(self, url: str) -> DeadlineExceededError:
        return DeadlineExceededError(
            f"no complete answer within the {self.total_deadline:g} s deadline", url
        )

    def _too_large(self, url: str) -> ResponseTooLargeError:
        return ResponseTooLargeError(
            f"the body is larger than the limit of {self.max_bytes} bytes", url
        )


def _encode_body(
    json_value: Any, data: bytes | str | Mapping[str, str] | None
) -> tuple[bytes | None, str | None]:
    """Return the bytes of a request body and their Content-Type."""
    if json_value is not None:
        if data is not None:
            raise ValueError("give json or data, not both")
        # Plain UTF-8, not \u escapes: some Chinese APIs (WeChat's among them) keep
        # the escapes literally in what they store.
        text = json.dumps(json_value, ensure_ascii=False, separators=(",", ":"))
        return text.encode("utf-8"), "application/json; charset=utf-8"
    if data is None:
        return None, None
    if isinstance(data, Mapping):
        return urlencode(list(data.items())).encode("ascii"), "application/x-www-form-urlencoded"
    return (data.encode("utf-8") if isinstance(data, str) else bytes(data)), None


def _conditional_headers(conditional: Mapping[str, Any] | None) -> dict[str, str]:
    headers = {}
    if conditional:
        if isinstance(etag := conditional.get("etag"), str) and etag:
            headers["If-None-Match"] = etag
        if isinstance(modified := conditional.get("last_modified"), str) and modified:
            headers["If-Modified-Since"] = modified
    return headers
