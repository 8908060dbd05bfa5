"""Fixtures for the search tests: an app on a fresh database, and a way to index it."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import text

from hall import create_app
from hall.extensions import db
from hall.search import SearchAnswer, SearchQuery, SearchService
from hall.search.indexer import apply_changes

TEST_DATABASE_URL = os.environ.get("HALL_TEST_DATABASE_URL", "")


@pytest.fixture
def app(tmp_path):
    config = {"INSTANCE_PATH": str(tmp_path / "instance"), "TESTING": True}
    if TEST_DATABASE_URL:
        config["DATABASE_URL"] = TEST_DATABASE_URL
    app = create_app(config)
    with app.app_context():
        if TEST_DATABASE_URL:
            db.drop_all()
            db.session.execute(text("DROP TABLE IF EXISTS alembic_version"))
            db.session.commit()
        db.create_all()
        yield app
        db.session.remove()
        if TEST_DATABASE_URL:
            db.drop_all()
        db.engine.dispose()


@pytest.fixture
def index_path(app) -> str:
    return app.config["INDEX_PATH"]


@pytest.fixture
def service(app) -> SearchService:
    return app.extensions["hall.search"]


@pytest.fixture
def search(app, service):
    """Commit, index the change log, reopen the index, then search."""

    def run(text: str = "", **filters) -> SearchAnswer:
        db.session.commit()
        apply_changes(app.config["INDEX_PATH"])
        service.reload()
        return service.search(SearchQuery(text=text, **filters))

    return run
