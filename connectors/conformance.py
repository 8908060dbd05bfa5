"""The conformance kit: checks every connector passes, built-in or third-party.

Each check takes a connector class and raises AssertionError with a message saying what
is wrong and where; a check that does not apply raises `CheckSkipped` (a
`unittest.SkipTest`, so pytest and unittest report it as skipped). The network checks
serve the connector's own `Connector.sample_source` from a `SampleServer` on
127.0.0.1 and run it through a real `connectors.http.GuardedSession`:

* `check_config_validation`: the sample config is valid; an unknown field, each missing
  required field and a value of the wrong type are refused by field name; `masked`
  hides every sensitive value and nothing else; config errors never show one.
* `check_unchanged_second_run`: two runs give the same records, as many as the sample
  promises; fed the cursor back, an unchanged source answers not_modified or the same
  records again.
* `check_cursor_resume`: after a run that failed half way, and after a run whose
  result (and cursor) was lost in a crash, a fresh run from the old cursor gives every
  record again: nothing is lost for want of a saved cursor.
* `check_errors`: a stalled server ends at the total deadline with a
  `DeadlineExceededError` / `ReadTimeoutError`; 404 and 500 end with an
  `HttpStatusError` naming the status (or a `FetchError` caused by one); malformed
  payloads (garbage bytes, documents cut in half) end with a `FetchError`, or with a
  result that reports the damage (below). Every message is one line, and names the URL.
  Any other exception (KeyError, TypeError, ...) fails the check.
* `check_loopback_only`: no request leaves the sample server: the session may reach only
  its exact address and port, every socket connect and name lookup elsewhere is
  refused and reported, and every request the server sees came through the session
  (`context.http`), recognised by the kit's User-Agent. The other network checks run
  under the same guard.

`run_all` runs them all and raises one AssertionError listing every failure. Connectors
whose sample source has no documents (``push``: nothing to pull) skip the network checks.

Malformed payloads
------------------
The contract says a malformed *item* is a `RecordError` and a source that *as a whole*
cannot be read raises `FetchError`. A payload of garbage is the whole source unreadable,
but a connector that reads several documents may report each broken one and go on, as
the contract allows. So either is accepted: a `FetchError` with a one-line message
naming the URL, or a result marked ``complete=False`` that carries at least one
`RecordError` (for a document cut in half: ``complete=False`` or a `RecordError`).
What fails is a garbage payload read as a complete listing, or a truncated one read as
complete without a word: items missing from it could be retired.

The sample server
-----------------
`SampleServer` answers a GET with the document at the request's path (the query string
is ignored, so APIs that carry tokens or page numbers there still match), with an ETag
and a Last-Modified, and 304 to a matching If-None-Match / If-Modified-Since. A POST
is answered with the same document as a GET of its path and its body is ignored: the
static stand-in for APIs read with a POST, such as WeChat's ``freepublish/batchget``.
Unknown paths answer 404. ``mode`` switches it into a failure (`Mode`), ``fail_after``
makes every request after the first n answer 500, and `SampleServer.republish` changes
the validators as if every document had been published again.

Run it on your connector (see docs/connectors.md)::

    from connectors.conformance import run_all
    from my_package.my_module import MyConnector

    def test_my_connector_conforms():
        run_all(MyConnector)

or ``python -m connectors.conformance my_source`` for a registered type.
"""

from __future__ import annotations

import copy
import hashlib
import ipaddress
import json
import logging
import socket
import sys
import threading
import time
import unittest
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from datetime import datetime
from email.utils import formatdate, parsedate_to_datetime
from enum import StrEnum
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from connectors.base import (
    ConfigError,
    Connector,
    ConnectorError,
    FetchContext,
    FetchError,
    FetchResult,
    Record,
    RecordError,
    SampleSource,
)
from connectors.http import (
    DeadlineExceededError,
    GuardedSession,
    HttpStatusError,
    ReadTimeoutError,
    Response,
)

KIT_USER_AGENT = "ServiceHall-conformance-kit/1"
# Short, so a stalled server costs half a second; generous enough for loopback.
STALL_DEADLINE = 0.5
RUN_DEADLINE = 10.0
# A connector that keeps retrying a stalled server takes longer than this.
STALL_RUN_LIMIT = 3.0
UNKNOWN_FIELD = "conformance_kit_unknown_field"
SENSITIVE_PROBE = "kit-sensitive-value-7f3a"
# Bytes no decoder reads cleanly (lone UTF-8 continuation bytes, 0xff), with markup
# and JSON fragments so no parser gives up before it has really tried.
GARBAGE = b"\x00\x9f\x92 <<not the document>> {[\x1b[2J \x89PNG\r\n\x1a\n\xff\xfe garbage ]}"
# Values of the wrong type for each field type.
WRONG_VALUES: dict[str, Any] = {
    "str": {"not": "text"},
    "text": {"not": "text"},
    "url": "file:///etc/passwd",
    "int": "many",
    "float": "much",
    "bool": "maybe",
    "list": 42,
    "dict": "not a mapping",
}
# When the sample documents were "published": validators are derived from it.
_PUBLISHED = 1_756_684_800  # 2025-09-01T00:00:00Z
_log = logging.getLogger("connectors.conformance")


class CheckSkipped(unittest.SkipTest):
    """The check does not apply to this connector (pytest and unittest show a skip)."""


# --------------------------------------------------------------------- the server


class Mode(StrEnum):
    """How the sample server answers."""

    NORMAL = "normal"
    STALL = "stall"  # accept the request, never answer
    NOT_FOUND = "not_found"  # 404 on every path
    SERVER_ERROR = "server_error"  # 500 on every path
    GARBAGE = "garbage"  # the documents' paths answer GARBAGE
    TRUNCATED = "truncated"  # the documents' paths answer their first half


@dataclass(frozen=True)
class KitRequest:
    """One request the sample server received."""

    method: str
    path: str
    user_agent: str


class SampleServer:
    """Serve a SampleSource's documents on 127.0.0.1; see the module docstring."""

    def __init__(self, documents: Mapping[str, tuple[str, bytes]] | None = None) -> None:
        self.documents: dict[str, tuple[str, bytes]] = dict(documents or {})
        self.mode = Mode.NORMAL
        self.fail_after: int | None = None
        self.generation = 0
        self.requests: list[KitRequest] = []
        self.connections = 0
        self._lock = threading.Lock()
        self._released = threading.Event()
        self._httpd = _CountingServer(("127.0.0.1", 0), _handler_for(self))
        self._httpd.owner = self
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    @property
    def port(self) -> int:
        """Return the port the server listens on."""
        return self._httpd.server_address[1]

    @property
    def address(self) -> str:
        """Return ``127.0.0.1:<port>``, as it appears in URLs."""
        return f"127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        """Return the URL a SampleSource is built for."""
        return f"http://{self.address}/"

    def republish(self) -> None:
        """Change every document's validators, as if it had been published again."""
        self.generation += 1

    def validators(self, path: str, body: bytes) -> tuple[str, str]:
        """Return the ETag and Last-Modified of the document at `path`."""
        digest = hashlib.sha256(f"{path}\n{self.generation}\n".encode() + body).hexdigest()
        return f'"{digest[:20]}"', formatdate(_PUBLISHED + 3600 * self.generation, usegmt=True)

    def close(self) -> None:
        """Stop serving; release stalled requests."""
        self._released.set()
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> SampleServer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _received(self, method: str, path: str, user_agent: str) -> int:
        with self._lock:
            self.requests.append(KitRequest(method, path, user_agent))
            return len(self.requests)

    def _counted_connection(self) -> None:
        with self._lock:
            self.connections += 1


class _CountingServer(ThreadingHTTPServer):
    owner: SampleServer

    def process_request(self, request: Any, client_address: Any) -> None:
        self.owner._counted_connection()
        super().process_request(request, client_address)


def _handler_for(owner: SampleServer) -> type[BaseHTTPRequestHandler]:
    class Handler(_SampleHandler):
        pass

    Handler.owner = owner
    return Handler


class _SampleHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes; with Nagle on, the second waits for the
    # client's delayed ACK (40 ms a request on Linux).
    disable_nagle_algorithm = True
    owner: SampleServer

    def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
        self._answer("GET")

    def do_POST(self) -> None:  # noqa: N802 - the name http.server calls
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self._answer("POST")

    def log_message(self, *args: Any) -> None:
        pass

    def _answer(self, method: str) -> None:
        path = urlsplit(self.path).path
        number = self.owner._received(method, path, self.headers.get("User-Agent", ""))
        if self.owner.mode == Mode.STALL:
            self.owner._released.wait(timeout=60)
            self.close_connection = True
            return
        status, headers, body = self._reply(method, path, number)
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _reply(self, method: str, path: str, number: int) -> tuple[int, dict[str, str], bytes]:
        """Return the status, headers and body that answer request `number` for `path`."""
        owner, text = self.owner, {"Content-Type": "text/plain"}
        if owner.fail_after is not None and number > owner.fail_after:
            return 500, text, b"failing on purpose"
        document = owner.documents.get(path)
        if owner.mode == Mode.NOT_FOUND or document is None:
            return 404, text, b"not found"
        if owner.mode == Mode.SERVER_ERROR:
            return 500, text, b"internal error"
        content_type, body = document
        if owner.mode == Mode.GARBAGE:
            return 200, {"Content-Type": content_type}, GARBAGE
        if owner.mode == Mode.TRUNCATED:
            return 200, {"Content-Type": content_type}, _truncated(body)
        etag, last_modified = owner.validators(path, body)
        validators = {"ETag": etag, "Last-Modified": last_modified}
        if method == "GET" and _still_fresh(self.headers, etag, last_modified):
            return 304, validators, b""
        return 200, {"Content-Type": content_type, **validators}, body


def _still_fresh(headers: Any, etag: str, last_modified: str) -> bool:
    """Say whether a conditional request's validators match the document's."""
    if_none_match = headers.get("If-None-Match")
    if if_none_match is not None:
        tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
        return etag in tags or "*" in tags
    if_modified_since = headers.get("If-Modified-Since")
    if if_modified_since:
        try:
            return parsedate_to_datetime(if_modified_since) >= parsedate_to_datetime(last_modified)
        except (TypeError, ValueError):
            return False
    return False


def _truncated(body: bytes) -> bytes:
    cut = max(1, len(body) // 2)
    # A cut right after a line break could leave a well-formed shorter file (CSV).
    while cut > 1 and body[cut - 1 : cut] in (b"\n", b"\r"):
        cut -= 1
    return body[:cut]


# ------------------------------------------------------------------ the guards


@dataclass
class LoopbackGuard:
    """What `only_loopback` refused: socket connects and name lookups elsewhere."""

    port: int
    refused: list[str] = field(default_factory=list)

    def allows(self, host: Any, port: Any) -> bool:
        """Say whether `host`:`port` is the sample server."""
        return host == "127.0.0.1" and str(port) == str(self.port)

    def refuse(self, what: str) -> OSError:
        """Note a refused attempt; return the error to raise in its place."""
        self.refused.append(what)
        return ConnectionRefusedError(f"refused by the conformance kit: {what}")


@contextmanager
def only_loopback(port: int) -> Iterator[LoopbackGuard]:
    """Refuse (and note) every connect and name lookup but 127.0.0.1:`port`, process-wide.

    Patches `socket.socket.connect`/`connect_ex`, `socket.getaddrinfo` and
    `socket.gethostbyname(_ex)`; for tests, which run one at a time. Unix sockets
    (logging to /dev/log) are let through: they never leave the machine.
    """
    guard = LoopbackGuard(port)
    saved = {
        "connect": socket.socket.connect,
        "connect_ex": socket.socket.connect_ex,
        "getaddrinfo": socket.getaddrinfo,
        "gethostbyname": socket.gethostbyname,
        "gethostbyname_ex": socket.gethostbyname_ex,
    }

    def checked(address: Any, sock: socket.socket | None = None) -> None:
        if sock is not None and sock.family not in (socket.AF_INET, socket.AF_INET6):
            return
        host, target_port = (address[0], address[1]) if isinstance(address, tuple) else (address, 0)
        if not guard.allows(host, target_port):
            raise guard.refuse(f"connect to {host}:{target_port}")

    def connect(sock: socket.socket, address: Any) -> None:
        checked(address, sock)
        saved["connect"](sock, address)

    def connect_ex(sock: socket.socket, address: Any) -> int:
        checked(address, sock)
        return saved["connect_ex"](sock, address)

    def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        # An address literal (or None, for binding) is no lookup: connect decides.
        if not _is_address(host) and not guard.allows(host, port):
            guard.refused.append(f"name lookup of {host}:{port}")
            raise socket.gaierror(socket.EAI_NONAME, "refused by the conformance kit")
        return saved["getaddrinfo"](host, port, *args, **kwargs)

    def by_name(original: Callable[[str], Any]) -> Callable[[str], Any]:
        def lookup(host: str) -> Any:
            if not _is_address(host):
                guard.refused.append(f"name lookup of {host}")
                raise socket.gaierror(socket.EAI_NONAME, "refused by the conformance kit")
            return original(host)

        return lookup

    socket.socket.connect = connect  # type: ignore[method-assign]
    socket.socket.connect_ex = connect_ex  # type: ignore[method-assign]
    socket.getaddrinfo = getaddrinfo
    socket.gethostbyname = by_name(saved["gethostbyname"])
    socket.gethostbyname_ex = by_name(saved["gethostbyname_ex"])
    try:
        yield guard
    finally:
        socket.socket.connect = saved["connect"]  # type: ignore[method-assign]
        socket.socket.connect_ex = saved["connect_ex"]  # type: ignore[method-assign]
        socket.getaddrinfo = saved["getaddrinfo"]
        socket.gethostbyname = saved["gethostbyname"]
        socket.gethostbyname_ex = saved["gethostbyname_ex"]


def _is_address(host: Any) -> bool:
    if host is None:
        return True
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


class KitSession(GuardedSession):
    """A guarded session allowed only the sample server, noting every URL it is asked for."""

    def __init__(self, server: SampleServer, *, total_deadline: float = RUN_DEADLINE) -> None:
        super().__init__(
            allowlist=[server.address],
            connect_timeout=2,
            read_timeout=max(2.0, total_deadline),  # the deadline, not the read, ends a stall
            total_deadline=total_deadline,
            user_agent=KIT_USER_AGENT,
        )
        self.server = server
        self.foreign_urls: list[str] = []

    def get(self, url: str, **kwargs: Any) -> Response:
        """Note `url` if it is not on the sample server, then GET it under the policy."""
        self._note(url)
        return super().get(url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> Response:
        """Note `url` if it is not on the sample server, then POST to it under the policy."""
        self._note(url)
        return super().post(url, **kwargs)

    def _note(self, url: str) -> None:
        if urlsplit(url).netloc != self.server.address:
            self.foreign_urls.append(url)


# -------------------------------------------------------------------- running


def sample_of(cls: type[Connector], base_url: str) -> SampleSource:
    """Return the connector's sample source, or fail saying it must provide one."""
    try:
        sample = cls.sample_source(base_url)
    except NotImplementedError:
        raise AssertionError(
            f"{cls.__name__} provides no sample source: implement the classmethod "
            "sample_source(base_url) (see docs/connectors.md)"
        ) from None
    assert isinstance(sample, SampleSource), (
        f"{cls.__name__}.sample_source returned {type(sample).__name__}, not a SampleSource"
    )
    return sample


@contextmanager
def serving(cls: type[Connector]) -> Iterator[tuple[SampleServer, SampleSource]]:
    """Serve the connector's sample source; skip when it has nothing to serve."""
    with SampleServer() as server:
        sample = sample_of(cls, server.base_url)
        if not sample.documents:
            raise CheckSkipped(
                f"{cls.__name__}'s sample source has no documents: nothing is fetched, "
                "so the network checks do not apply"
            )
        server.documents = dict(sample.documents)
        yield server, sample


def run_sample(
    cls: type[Connector],
    sample: SampleSource,
    server: SampleServer,
    cursor: Mapping[str, Any] | None = None,
    *,
    total_deadline: float = RUN_DEADLINE,
) -> FetchResult:
    """Run the connector once against `server`; fail if anything went elsewhere."""
    connector = cls(sample.config)
    with KitSession(server, total_deadline=total_deadline) as session:
        # A copy: the caller's cursor stays as saved, whatever the connector does.
        context = FetchContext(http=session, cursor=copy.deepcopy(dict(cursor or {})), logger=_log)
        with only_loopback(server.port) as guard:
            try:
                result = connector.fetch(context)
            except BaseException as exc:
                _expect_no_escape(cls, session, guard, cause=exc)
                raise
        _expect_no_escape(cls, session, guard)
    _expect_well_formed(cls, result)
    return result


def _expect_no_escape(
    cls: type[Connector],
    session: KitSession,
    guard: LoopbackGuard,
    cause: BaseException | None = None,
) -> None:
    escapes = [*(f"request to {url}" for url in session.foreign_urls), *guard.refused]
    if escapes:
        raise AssertionError(
            f"{cls.__name__} tried to reach beyond the sample server at "
            f"{session.server.address}: " + "; ".join(escapes)
        ) from cause


def _expect_well_formed(cls: type[Connector], result: Any) -> None:
    name = cls.__name__
    assert isinstance(result, FetchResult), (
        f"{name}.fetch returned {type(result).__name__}, not a FetchResult"
    )
    try:
        json.dumps(result.cursor)
    except (TypeError, ValueError) as exc:
        raise AssertionError(f"{name}'s cursor is not plain JSON ({exc}): it is stored") from None
    seen: set[str] = set()
    for record in result.records:
        assert isinstance(record, Record), f"{name} returned {type(record).__name__} as a record"
        assert isinstance(record.external_id, str) and record.external_id, (
            f"{name} returned a record without an external_id: {record!r}"
        )
        assert record.external_id not in seen, f"{name} repeated external_id {record.external_id!r}"
        seen.add(record.external_id)
        assert isinstance(record.title, str) and record.title, (
            f"{name} returned record {record.external_id!r} without a title"
        )
        assert record.kind in ("content", "service"), (
            f"{name}: record {record.external_id!r} has kind {record.kind!r}"
        )
        for moment in (record.published_at, record.updated_at):
            assert moment is None or (isinstance(moment, datetime) and moment.tzinfo), (
                f"{name}: record {record.external_id!r} has a naive or non-datetime time {moment!r}"
            )
    for error in result.errors:
        assert isinstance(error, RecordError), f"{name} reported {error!r}, not a RecordError"
        _expect_one_line(name, "a RecordError reason", error.reason)


def _expect_one_line(name: str, what: str, text: str) -> None:
    assert text.strip(), f"{name} gave {what} that is empty"
    assert not any(c in text for c in "\r\n\x1b\u2028"), (
        f"{name} gave {what} with a line break or control character (log injection): {text!r}"
    )


def _describe(result: FetchResult) -> str:
    errors = "; ".join(e.reason for e in result.errors[:5]) or "none"
    return f"{len(result.records)} records, complete={result.complete}, errors: {errors}"


def _expect_count(
    cls: type[Connector], sample: SampleSource, result: FetchResult, what: str
) -> None:
    assert not result.not_modified, f"{cls.__name__}: {what} answered not_modified"
    assert len(result.records) == sample.expected, (
        f"{cls.__name__}: {what} gave {len(result.records)} records where the sample source "
        f"promises {sample.expected} ({_describe(result)})"
    )


def _by_id(result: FetchResult) -> dict[str, Record]:
    return {record.external_id: record for record in result.records}


def _expect_same_records(
    cls: type[Connector], first: FetchResult, second: FetchResult, what: str
) -> None:
    before, after = _by_id(first), _by_id(second)
    lost, new = sorted(before.keys() - after.keys()), sorted(after.keys() - before.keys())
    assert not lost and not new, (
        f"{cls.__name__}: {what} changed the external_ids: lost {lost}, new {new}"
    )
    changed = sorted(i for i in before if before[i] != after[i])
    if changed:
        first = changed[0]
        raise AssertionError(
            f"{cls.__name__}: {what} changed the content of {changed[:5]}; {first!r}: "
            + _difference(before[first], after[first])
        )


def _difference(before: Record, after: Record) -> str:
    differing = (
        f.name for f in fields(Record) if getattr(before, f.name) != getattr(after, f.name)
    )
    return "; ".join(
        f"{name} {getattr(before, name)!r} became {getattr(after, name)!r}" for name in differing
    )


# --------------------------------------------------------------------- checks


def check_config_validation(cls: type[Connector]) -> None:
    """Check config validation by field name and the masking of sensitive fields."""
    name = cls.__name__
    sample = sample_of(cls, "http://127.0.0.1:9/")
    try:
        config = cls.validate_config(sample.config)
        cls(sample.config)
    except ConfigError as exc:
        raise AssertionError(f"{name}'s sample config is invalid: {exc}") from None
    _expect_refused(cls, {**sample.config, UNKNOWN_FIELD: "x"}, UNKNOWN_FIELD, "an unknown field")
    for declared in cls.fields:
        if declared.required:
            without = {k: v for k, v in sample.config.items() if k != declared.name}
            _expect_refused(cls, without, declared.name, "a missing required field")
        if declared.type in WRONG_VALUES:
            wrong = {**sample.config, declared.name: WRONG_VALUES[declared.type]}
            _expect_refused(cls, wrong, declared.name, f"a wrong value for a {declared.type} field")
    _expect_masked(cls, config)


def _expect_refused(cls: type[Connector], raw: dict[str, Any], field_name: str, what: str) -> None:
    try:
        cls.validate_config(raw)
    except ConfigError as exc:
        assert field_name in exc.errors, (
            f"{cls.__name__}: {what} ({field_name!r}) was refused, but not by name: {exc.errors}"
        )
        _expect_one_line(cls.__name__, "a config error", str(exc))
        return
    except Exception as exc:  # noqa: BLE001 - anything else is the failure reported
        raise AssertionError(
            f"{cls.__name__}: {what} ({field_name!r}) raised {type(exc).__name__}, "
            "not a ConfigError"
        ) from exc
    raise AssertionError(f"{cls.__name__}: {what} ({field_name!r}) was accepted")


def _expect_masked(cls: type[Connector], config: dict[str, Any]) -> None:
    name = cls.__name__
    sensitive = {f.name for f in cls.fields if f.sensitive}
    shown = cls.masked({**config, **dict.fromkeys(sensitive, SENSITIVE_PROBE)})
    assert SENSITIVE_PROBE not in repr(shown), (
        f"{name}.masked shows a sensitive value: {sorted(sensitive)} must be masked"
    )
    plain = {k: v for k, v in config.items() if k not in sensitive}
    kept = {k: shown.get(k) for k in plain}
    assert kept == plain, f"{name}.masked changed fields that are not sensitive: {kept} != {plain}"
    for secret in sensitive:
        try:
            cls.validate_config({**config, secret: SENSITIVE_PROBE + "\x00", UNKNOWN_FIELD: 1})
        except ConfigError as exc:
            assert SENSITIVE_PROBE not in str(exc), (
                f"{name}: a config error shows the value of the sensitive field {secret!r}"
            )


def check_unchanged_second_run(cls: type[Connector]) -> None:
    """Check that an unchanged source gives the same records, or not_modified with its cursor."""
    with serving(cls) as (server, sample):
        first = run_sample(cls, sample, server)
        _expect_count(cls, sample, first, "a first run over the sample source")
        second = run_sample(cls, sample, server)
        _expect_same_records(cls, first, second, "a second run over the same documents")
        if not first.cursor:
            return
        again = run_sample(cls, sample, server, cursor=first.cursor)
        if again.not_modified:
            assert not again.records, (
                f"{cls.__name__} answered not_modified and gave {len(again.records)} records"
            )
        else:
            _expect_same_records(cls, first, again, "a run with the cursor of an unchanged source")


def check_cursor_resume(cls: type[Connector]) -> None:
    """Check that runs from an old cursor, after a failed or lost run, lose nothing."""
    name = cls.__name__
    with serving(cls) as (server, sample):
        # A run that fails half way: every request after the first answers 500.
        server.fail_after = 1
        try:
            run_sample(cls, sample, server)
        except FetchError:
            pass
        server.fail_after = None
        recovered = run_sample(cls, sample, server)
        _expect_count(cls, sample, recovered, "a run after a run that failed half way")
        # A run that crashes after its fetch: its result and cursor are never saved, so
        # the next run starts from the same old cursor, after the source changed.
        saved = recovered.cursor
        server.republish()
        lost = run_sample(cls, sample, server, cursor=saved)
        resumed = run_sample(cls, sample, server, cursor=saved)
        assert lost.not_modified == resumed.not_modified, (
            f"{name}: two runs from the same cursor disagree on not_modified "
            f"({lost.not_modified}, then {resumed.not_modified}): state survived between runs"
        )
        _expect_same_records(cls, lost, resumed, "a run from the old cursor after a lost run")


def check_errors(cls: type[Connector]) -> None:
    """Check timeouts, 404, 500 and malformed payloads end in clear FetchErrors."""
    with serving(cls) as (server, sample):
        _expect_timeout(cls, sample, server)
        for mode, status in ((Mode.NOT_FOUND, 404), (Mode.SERVER_ERROR, 500)):
            server.mode = mode
            _expect_status(cls, sample, server, status)
        for mode in (Mode.GARBAGE, Mode.TRUNCATED):
            server.mode = mode
            _expect_malformed_handled(cls, sample, server, mode)


def _run_expecting_failure(
    cls: type[Connector], sample: SampleSource, server: SampleServer, what: str, **options: Any
) -> FetchResult | FetchError:
    """Run the connector; return its FetchError, or its result; fail on anything else."""
    try:
        return run_sample(cls, sample, server, **options)
    except FetchError as exc:
        _expect_one_line(cls.__name__, f"the error for {what}", str(exc))
        return exc
    except AssertionError:
        raise
    except Exception as exc:  # noqa: BLE001 - anything else is the failure reported
        raise AssertionError(
            f"{cls.__name__} raised {type(exc).__name__} for {what}, not a FetchError: {exc}"
        ) from exc


def _expect_timeout(cls: type[Connector], sample: SampleSource, server: SampleServer) -> None:
    name = cls.__name__
    server.mode = Mode.STALL
    started = time.monotonic()
    outcome = _run_expecting_failure(
        cls, sample, server, "a stalled server", total_deadline=STALL_DEADLINE
    )
    elapsed = time.monotonic() - started
    assert _is_or_from(outcome, DeadlineExceededError | ReadTimeoutError), (
        f"{name}: a stalled server should end the run with DeadlineExceededError or "
        f"ReadTimeoutError (or a FetchError raised from one), got {_outcome(outcome)}"
    )
    assert server.address in str(outcome), f"{name}: the timeout error names no URL: {outcome}"
    assert elapsed < STALL_RUN_LIMIT, (
        f"{name}: a stalled server held the run {elapsed:.1f} s with a {STALL_DEADLINE} s "
        "deadline: it retries a source that does not answer"
    )


def _expect_status(
    cls: type[Connector], sample: SampleSource, server: SampleServer, status: int
) -> None:
    name = cls.__name__
    outcome = _run_expecting_failure(cls, sample, server, f"HTTP {status}")
    assert _is_or_from(outcome, HttpStatusError), (
        f"{name}: a source answering {status} should end the run with an HttpStatusError "
        f"(or a FetchError raised from one), got {_outcome(outcome)}"
    )
    text = str(outcome)
    assert str(status) in text and server.address in text, (
        f"{name}: the error for HTTP {status} should name the status and the URL: {text}"
    )


def _expect_malformed_handled(
    cls: type[Connector], sample: SampleSource, server: SampleServer, mode: Mode
) -> None:
    name = cls.__name__
    what = "garbage bytes" if mode == Mode.GARBAGE else "documents cut in half"
    outcome = _run_expecting_failure(cls, sample, server, what)
    if isinstance(outcome, FetchError):
        text = str(outcome)
        places = [server.address, *sample.documents]
        assert any(place in text for place in places), (
            f"{name}: the error for {what} says nothing of where: {text}"
        )
        return
    reported = bool(outcome.errors)
    if mode == Mode.GARBAGE:
        assert not outcome.complete and reported, (
            f"{name} read {what} as a listing without failing: expected a FetchError, or "
            f"complete=False with RecordErrors; got {_describe(outcome)}"
        )
    else:
        assert not outcome.complete or reported, (
            f"{name} read {what} as a complete listing without a word: items missing from "
            f"it could be retired; got {_describe(outcome)}"
        )


def _is_or_from(outcome: FetchResult | FetchError, kind: Any) -> bool:
    """Say whether `outcome` is an error of `kind`, or a FetchError raised from one."""
    return isinstance(outcome, kind) or isinstance(getattr(outcome, "__cause__", None), kind)


def _outcome(outcome: FetchResult | FetchError) -> str:
    if isinstance(outcome, FetchResult):
        return f"a result ({_describe(outcome)})"
    return f"{type(outcome).__name__}: {outcome}"


def check_loopback_only(cls: type[Connector]) -> None:
    """Check every request goes through context.http to the sample server, and nowhere else."""
    name = cls.__name__
    with serving(cls) as (server, sample):
        result = run_sample(cls, sample, server)
        _expect_count(cls, sample, result, "a run under the loopback guard")
        assert server.requests, f"{name} sent no request to the sample server"
        bypassing = sorted({r.path for r in server.requests if r.user_agent != KIT_USER_AGENT})
        assert not bypassing, (
            f"{name} requested {bypassing} without context.http (another User-Agent): every "
            "request must go through the guarded session"
        )


CHECKS: dict[str, Callable[[type[Connector]], None]] = {
    "config_validation": check_config_validation,
    "unchanged_second_run": check_unchanged_second_run,
    "cursor_resume": check_cursor_resume,
    "errors": check_errors,
    "loopback_only": check_loopback_only,
}


def run_all(cls: type[Connector]) -> dict[str, str]:
    """Run every check; return name → "passed" or "skipped: why"; raise if any failed."""
    outcomes: dict[str, str] = {}
    failures: list[str] = []
    for check_name, check in CHECKS.items():
        try:
            check(cls)
        except CheckSkipped as exc:
            outcomes[check_name] = f"skipped: {exc}"
        except AssertionError as exc:
            outcomes[check_name] = "failed"
            failures.append(f"{check_name}: {exc}")
        else:
            outcomes[check_name] = "passed"
    if failures:
        raise AssertionError(
            f"{cls.__name__} fails {len(failures)} conformance check(s):\n" + "\n".join(failures)
        )
    return outcomes


def main(argv: list[str] | None = None) -> int:
    """Run the kit on the registered types named (all when none); return the exit status."""
    from connectors import available, get_connector_class

    names = (argv if argv is not None else sys.argv[1:]) or sorted(available())
    status = 0
    for type_name in names:
        try:
            outcomes = run_all(get_connector_class(type_name))
        except (AssertionError, ConnectorError) as exc:  # ConnectorError: an unknown type
            print(f"{type_name}: FAILED\n{exc}")
            status = 1
            continue
        print(f"{type_name}: " + ", ".join(f"{k} {v}" for k, v in outcomes.items()))
    return status


if __name__ == "__main__":
    raise SystemExit(main())
