"""Fixtures shared by every test: an app on a fresh database, and builders.

Tests run on SQLite; where HALL_TEST_DATABASE_URL is set (CI sets it) they run on that
PostgreSQL database too, emptied before each test.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from flask_migrate import stamp
from sqlalchemy import text

from hall import create_app
from hall.extensions import db

TEST_DATABASE_URL = os.environ.get("HALL_TEST_DATABASE_URL", "")
CORPORA = Path(__file__).resolve().parents[1].parent / "shared" / "corpora"


@pytest.fixture
def corpora() -> Path:
    """The shared real-world samples; tests using them skip where ../shared is absent."""
    if not CORPORA.is_dir():
        pytest.skip("../shared/corpora is not present")
    return CORPORA


@pytest.fixture
def app(tmp_path):
    config = {
        "TESTING": True,
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "HTTP_ALLOWLIST": ["127.0.0.1"],
        "SECRET_KEY": "test",
    }
    if TEST_DATABASE_URL:
        config["DATABASE_URL"] = TEST_DATABASE_URL
    app = create_app(config)
    with app.app_context():
        if TEST_DATABASE_URL:
            db.drop_all()
            db.session.execute(text("DROP TABLE IF EXISTS alembic_version"))
            db.session.commit()
        db.create_all()
        # The schema comes from the models here; migrations are checked against them
        # in tests/test_migrations.py. Stamping lets commands that upgrade run as usual.
        stamp(directory=app.extensions["migrate"].directory)
        yield app
        db.session.remove()
        if TEST_DATABASE_URL:
            db.drop_all()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()
