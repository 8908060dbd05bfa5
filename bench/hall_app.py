"""The benches' hall: one department, one website account and one feed connector, on an
empty database (a SQLite file in a temporary folder, or the database given, emptied)."""

from __future__ import annotations

from flask import Flask


def bench_app(folder: str, database_url: str, feed_url: str, max_items: int | None = None) -> Flask:
    from hall import create_app
    from hall.extensions import db
    from hall.importer import import_text

    config = {"INSTANCE_PATH": folder, "HTTP_ALLOWLIST": ["127.0.0.1"]}
    if database_url:
        config["DATABASE_URL"] = database_url
    app = create_app(config)
    feed = f'url: "{feed_url}"' + (f", max_items: {max_items}" if max_items else "")
    with app.app_context():
        db.drop_all()
        db.create_all()
        import_text(
            "departments: [{id: bench, name: 基准局, sector: other}]\n"
            "accounts: [{id: bench-web, department: bench, platform: website, name: 基准网站,"
            f" connectors: [{{id: bench-feed, type: feed, config: {{{feed}}}}}]}}]\n"
        )
    return app
