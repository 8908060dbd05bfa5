"""Serve the demo site on loopback, with conditional GET (ETag, Last-Modified, 304)."""

from __future__ import annotations

import hashlib
import threading
from datetime import UTC
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from hall.demo.notices import REFERENCE_DATE
from hall.demo.site import DemoSite, build_site

# Every document was last changed at the reference date: the demo never changes.
LAST_MODIFIED = format_datetime(REFERENCE_DATE.astimezone(UTC), usegmt=True)


class _Handler(BaseHTTPRequestHandler):
    server: _DemoHTTPServer
    protocol_version = "HTTP/1.1"

    def do_HEAD(self) -> None:  # noqa: N802 - the base class's naming
        self._answer(with_body=False)

    def do_GET(self) -> None:  # noqa: N802
        self._answer(with_body=True)

    def _answer(self, *, with_body: bool) -> None:
        path = urlsplit(self.path).path
        found = self.server.documents.get(path)
        if found is None:
            self._send(404, "text/plain; charset=utf-8", b"not found\n", with_body=with_body)
            return
        content_type, body = found
        etag = self.server.etags[path]
        if self._not_modified(etag):
            self.send_response(304)
            self.send_header("ETag", etag)
            self.send_header("Last-Modified", self.server.last_modified)
            self.end_headers()
            return
        self._send(200, content_type, body, with_body=with_body, etag=etag)

    def _not_modified(self, etag: str) -> bool:
        if match := self.headers.get("If-None-Match"):
            tags = {tag.strip().removeprefix("W/") for tag in match.split(",")}
            return etag in tags or "*" in tags
        if since := self.headers.get("If-Modified-Since"):
            try:
                return parsedate_to_datetime(since) >= REFERENCE_DATE
            except (TypeError, ValueError):
                return False
        return False

    def _send(
        self, status: int, ctype: str, body: bytes, *, with_body: bool, etag: str = ""
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        if etag:
            self.send_header("ETag", etag)
            self.send_header("Last-Modified", self.server.last_modified)
        self.end_headers()
        if with_body:
            self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        """Log nothing: tests and the dev server stay quiet."""


class _DemoHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    documents: dict[str, tuple[str, bytes]]
    etags: dict[str, str]
    last_modified: str


class DemoServer:
    """Serve a `DemoSite` on a loopback port; use as a context manager or start()/stop()."""

    def __init__(self, site: DemoSite | None = None, host: str = "127.0.0.1", port: int = 0):
        self.site = site or build_site()
        self.httpd = _DemoHTTPServer((host, port), _Handler)
        host, port = self.httpd.server_address[:2]
        self.base_url = f"http://{host}:{port}"
        docs = self.site.documents(self.base_url)
        self.httpd.documents = docs
        self.httpd.etags = {
            p: f'"{hashlib.sha256(b).hexdigest()[:24]}"' for p, (_, b) in docs.items()
        }
        self.httpd.last_modified = LAST_MODIFIED
        self._thread: threading.Thread | None = None

    @property
    def paths(self) -> set[str]:
        """Return every path the server answers with 200."""
        return set(self.httpd.documents)

    def start(self) -> DemoServer:
        """Serve in a background thread."""
        if self._thread is None:
            self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        if self._thread is not None:
            self.httpd.shutdown()
            self._thread.join()
            self._thread = None
        self.httpd.server_close()

    def __enter__(self) -> DemoServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
