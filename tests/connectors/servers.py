"""A loopback HTTP server with a route table, for the connector tests."""

from __future__ import annotations

import ssl
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).resolve().parent / "fixtures"
CORPORA = Path(__file__).resolve().parents[2].parent / "shared" / "corpora"


@dataclass
class Reply:
    """A canned answer: status, headers and body."""

    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | str = b""


# A route answers with a Reply, or writes to the handler itself and returns None
# (slow drips, stalls, hand-made headers).
Route = Reply | Callable[[BaseHTTPRequestHandler], Reply | None]


class LoopbackServer:
    """An HTTP server on 127.0.0.1 with a route table and a log of requests."""

    def __init__(self, *, tls_cert: Path | None = None) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        # (path, body) of every POST, in order; routes answer GET and POST alike.
        self.posted: list[tuple[str, bytes]] = []
        self.stopping = threading.Event()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body go out in two writes; with Nagle on, the second waits
            # for the client's delayed ACK (40 ms a request on Linux).
            disable_nagle_algorithm = True

            def do_POST(self) -> None:  # noqa: N802 - the name http.server calls
                self.body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                owner.posted.append((self.path, self.body))
                self.answer()

            def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
                self.body = b""  # one handler serves every request of a connection
                self.answer()

            def answer(self) -> None:
                owner.requests.append((self.path, dict(self.headers)))
                route = owner.routes.get(self.path.split("?")[0])
                if route is None:
                    route = Reply(404, body=b"not found")
                reply = route(self) if callable(route) else route
                if reply is not None:
                    send_reply(self, reply)

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.scheme = "http"
        if tls_cert is not None:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(tls_cert)
            self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
            self.scheme = "https"
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    def url(self, path: str = "/") -> str:
        """Return the absolute URL of `path` on this server."""
        return f"{self.scheme}://127.0.0.1:{self.port}{path}"

    def route(self, path: str, route: Route) -> str:
        """Answer `path` with `route`; return its URL."""
        self.routes[path] = route
        return self.url(path)

    def serve_file(self, path: str, file: Path, content_type: str) -> str:
        """Answer `path` with the bytes of `file`; return its URL."""
        return self.route(
            path, Reply(headers={"Content-Type": content_type}, body=file.read_bytes())
        )

    def paths(self) -> list[str]:
        """Return the paths requested so far, in order."""
        return [path for path, _ in self.requests]

    def stop(self) -> None:
        self.stopping.set()
        self._server.shutdown()
        self._server.server_close()


def send_reply(handler: BaseHTTPRequestHandler, reply: Reply) -> None:
    """Write `reply` as a complete HTTP/1.1 response."""
    body = reply.body.encode() if isinstance(reply.body, str) else reply.body
    handler.send_response(reply.status)
    for name, value in reply.headers.items():
        handler.send_header(name, value)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)
