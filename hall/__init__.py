"""Service Hall: many government departments' public accounts, one search."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.routing import IntegerConverter, Map

from hall.extensions import csrf, db, login_manager, migrate

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the application: settings in layers, extensions, blueprints, CLI."""
    app = Flask(__name__)
    # Ids in addresses are database integers: a larger number matches no route (a 404)
    # instead of reaching PostgreSQL, which refuses it with an error.
    app.url_map.converters["int"] = DatabaseIdConverter
    _load_settings(app, test_config)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR))
    csrf.init_app(app)
    login_manager.init_app(app)

    # Import every model so metadata and migrations see the whole schema.
    from hall.audit import models as _audit  # noqa: F401
    from hall.catalog import models as _catalog  # noqa: F401
    from hall.directory import models as _directory  # noqa: F401
    from hall.exchange import models as _exchange  # noqa: F401
    from hall.halls import models as _halls  # noqa: F401
    from hall.reports import models as _reports  # noqa: F401
    from hall.search import SearchService
    from hall.sync import models as _sync  # noqa: F401
    from hall.users.services import load_user

    login_manager.user_loader(load_user)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please sign in to continue."

    app.extensions["hall.search"] = SearchService(app.config)

    # Blueprints, and the modules that add views to them: imported before registering.
    from hall import errors
    from hall.admin import life_events as _admin_life_events  # noqa: F401
    from hall.admin import relevance as _admin_relevance  # noqa: F401
    from hall.admin.views import bp as admin_bp
    from hall.api.feeds import bp as feeds_bp
    from hall.api.open311 import bp as open311_bp
    from hall.api.views import bp as api_bp
    from hall.auth.views import bp as auth_bp
    from hall.console import exchange as _console_exchange  # noqa: F401
    from hall.console import gaps as _console_gaps  # noqa: F401
    from hall.console.views import bp as console_bp
    from hall.public import browse as _public_browse  # noqa: F401
    from hall.public import exchange as _public_exchange  # noqa: F401
    from hall.public import nearby as _public_nearby  # noqa: F401
    from hall.public.views import bp as public_bp

    app.register_blueprint(public_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(console_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(feeds_bp)  # Atom, OpenSearch, sitemaps, robots.txt: no prefix
    app.register_blueprint(open311_bp)
    # The API authenticates with bearer tokens and never reads the session cookie, so a
    # cross-site request has no credentials to ride on; forms elsewhere need the token.
    csrf.exempt(api_bp)
    errors.init_app(app)

    from hall.cli import register_commands

    register_commands(app)
    return app


class DatabaseIdConverter(IntegerConverter):
    """`<int:…>` limited to the range of a database integer column (32-bit, signed)."""

    def __init__(
        self,
        url_map: Map,
        fixed_digits: int = 0,
        min: int | None = None,
        max: int | None = 2**31 - 1,
        signed: bool = False,
    ) -> None:
        super().__init__(url_map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def _load_settings(app: Flask, test_config: Mapping[str, Any] | None) -> None:
    """Apply config/default.py, then HALL_SETTINGS, then HALL_* variables, then tests."""
    app.config.from_object("config.default")
    settings_file = os.environ.get("HALL_SETTINGS")
    if settings_file:
        app.config.from_pyfile(os.path.abspath(settings_file))
    app.config.from_prefixed_env("HALL")
    app.config.pop("SETTINGS", None)  # HALL_SETTINGS names the file, it is not a setting
    if test_config:
        app.config.update(test_config)

    instance = Path(app.config["INSTANCE_PATH"] or app.instance_path).resolve()
    instance.mkdir(parents=True, exist_ok=True)
    app.instance_path = str(instance)
    app.config["INSTANCE_PATH"] = str(instance)
    app.config["INDEX_PATH"] = str(Path(app.config["INDEX_PATH"] or instance / "index").resolve())
    app.config["SQLALCHEMY_DATABASE_URI"] = (
        app.config["DATABASE_URL"] or f"sqlite:///{instance / 'hall.db'}"
    )
    allowlist = app.config["HTTP_ALLOWLIST"]
    if isinstance(allowlist, str):
        app.config["HTTP_ALLOWLIST"] = [p.strip() for p in allowlist.split(",") if p.strip()]
    # Flask-Login's "remember me" cookie follows the session cookie's settings.
    for flag in ("SECURE", "HTTPONLY", "SAMESITE"):
        app.config.setdefault(f"REMEMBER_COOKIE_{flag}", app.config[f"SESSION_COOKIE_{flag}"])
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        # Several threads (web, sync, indexer in `hall run`) share one SQLite file.
        app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {"connect_args": {"timeout": 30}})
