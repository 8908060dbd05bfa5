"""Fixtures for the search tests: a way to index the test database and search it.

The app on a fresh database comes from tests/conftest.py.
"""

from __future__ import annotations

import pytest

from hall.extensions import db
from hall.search import SearchAnswer, SearchQuery, SearchService
from hall.search.indexer import apply_changes


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
