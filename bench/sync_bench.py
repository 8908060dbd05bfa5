"""Measure from sync to searchable: a feed on loopback -> items in the index.

    python -m bench.sync_bench --items 3000

Serves an RSS feed of `--items` documents from bench.corpus on 127.0.0.1, imports one
feed connector, and times the real path: fetch through the guarded session, parse,
sanitise, segment (jieba), store with change-log rows, and apply the change log to the
Whoosh index. Prints items/s for the whole path and for each phase.
"""

from __future__ import annotations

import argparse
import tempfile
import threading
import time
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from xml.sax.saxutils import escape

from bench.corpus import documents
from bench.hall_app import bench_app


def rss(n: int) -> bytes:
    """Return an RSS 2.0 feed of `n` corpus documents."""
    items = []
    for number, doc in enumerate(documents(n)):
        items.append(
            "<item>"
            f"<title>{escape(doc.title)}</title>"
            f"<link>http://bench.example/items/{number}.html</link>"
            f"<guid>bench-{number}</guid>"
            f"<pubDate>{format_datetime(doc.published)}</pubDate>"
            f"<description>{escape('<p>' + doc.body + '</p>')}</description>"
            "</item>"
        )
    body = (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
        "<title>bench</title><link>http://bench.example/</link><description>bench</description>"
        + "".join(items)
        + "</channel></rss>"
    )
    return body.encode("utf-8")


def serve(payload: bytes) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's name
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml; charset=utf-8")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=3000)
    parser.add_argument("--database-url", default="", help="default: SQLite in a temp folder")
    args = parser.parse_args()

    from connectors.http import GuardedSession
    from hall.extensions import db
    from hall.search.analysis import analyse_item
    from hall.search.indexer import apply_changes
    from hall.sync.models import ConnectorInstance
    from hall.sync.runner import run_connector

    payload = rss(args.items)
    server = serve(payload)
    url = f"http://127.0.0.1:{server.server_address[1]}/feed.xml"
    analyse_item("预热", "加载词典")  # jieba's dictionary loads once per process; not the item cost

    with tempfile.TemporaryDirectory() as folder:
        app = bench_app(folder, args.database_url, url, max_items=args.items)
        with app.app_context():
            instance = db.session.get(ConnectorInstance, "bench-feed")
            started = time.perf_counter()
            run = run_connector(
                instance, http=GuardedSession.from_settings(app.config), settings=app.config
            )
            synced = time.perf_counter()
            applied = apply_changes(
                app.config["INDEX_PATH"], batch_size=app.config["INDEX_BATCH_SIZE"]
            )
            indexed = time.perf_counter()
            status, error, added = run.status, run.error, run.added
            if args.database_url:
                db.drop_all()
    server.shutdown()

    assert status == "succeeded", error
    total = indexed - started
    print("| items | sync (fetch, sanitise, segment, store) | index | sync to searchable |")
    print("|---:|---:|---:|---:|")
    print(
        f"| {added:,} | {synced - started:.1f} s ({added / (synced - started):,.0f}/s) "
        f"| {indexed - synced:.1f} s ({applied / (indexed - synced):,.0f}/s) "
        f"| {total:.1f} s (**{added / total:,.0f} items/s**) |"
    )


if __name__ == "__main__":
    main()
