"""Fixtures shared by every test: an app on a fresh database, and builders.

Tests run on SQLite; where HALL_TEST_DATABASE_URL is set (CI sets it) they run on that
PostgreSQL database too, emptied before each test.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from flask_migrate import stamp
from sqlalchemy import text
from sqlalchemy.exc import ProgrammingError

from hall import create_app
from hall.extensions import db
from hall.users import services as user_services

TEST_DATABASE_URL = os.environ.get("HALL_TEST_DATABASE_URL", "")
CORPORA = Path(__file__).resolve().parents[1].parent / "shared" / "corpora"


@pytest.fixture(autouse=True)
def quick_password_hashing(monkeypatch):
    """The same KDF at a low cost: scrypt's real cost is 0.1 s a hash, and the suite hashes
    and checks hundreds of passwords. tests/users checks the real cost outside the tests."""
    monkeypatch.setattr(user_services, "PASSWORD_METHOD", "scrypt:1024:8:1")


@pytest.fixture
def corpora() -> Path:
    """The shared real-world samples; tests using them skip where ../shared is absent."""
    if not CORPORA.is_dir():
        pytest.skip("../shared/corpora is not present")
    return CORPORA


def _config(instance: Path) -> dict:
    config = {
        "TESTING": True,
        "INSTANCE_PATH": str(instance),
        "HTTP_ALLOWLIST": ["127.0.0.1"],
        "SECRET_KEY": "test",
    }
    if TEST_DATABASE_URL:
        config["DATABASE_URL"] = TEST_DATABASE_URL
    return config


def _build_schema(app) -> None:
    if TEST_DATABASE_URL:
        db.drop_all()
        db.session.execute(text("DROP TABLE IF EXISTS alembic_version"))
        db.session.commit()
    db.create_all()
    # The schema comes from the models here; migrations are checked against them in
    # tests/test_migrations.py. Stamping lets commands that upgrade run as usual.
    stamp(directory=app.extensions["migrate"].directory)


@pytest.fixture(scope="session")
def schema_template(tmp_path_factory) -> Path:
    """Builds the schema once per run; each test then starts from an empty copy of it.

    On SQLite the test copies the template file; on PostgreSQL it empties the tables.
    Creating the tables and their indexes for every test cost most of the suite's time.
    """
    instance = tmp_path_factory.mktemp("schema")
    app = create_app(_config(instance))
    with app.app_context():
        _build_schema(app)
        db.session.remove()
        db.engine.dispose()
    return instance / "hall.db"


def _empty_tables(app) -> None:
    """Empties every table but the migration stamp and restarts the ids at 1; rebuilds the
    schema if a test broke it. (DELETE: on tables this small it is several times faster
    than TRUNCATE.)"""
    try:
        for table in reversed(db.metadata.sorted_tables):
            db.session.execute(table.delete())
        sequences = db.session.scalars(
            text("SELECT sequencename FROM pg_sequences WHERE schemaname = current_schema()")
        )
        for name in sequences.all():
            db.session.execute(text(f'ALTER SEQUENCE "{name}" RESTART'))
        db.session.commit()
    except ProgrammingError:
        db.session.rollback()
        _build_schema(app)


@pytest.fixture
def app(tmp_path, schema_template):
    instance = tmp_path / "instance"
    instance.mkdir()
    if not TEST_DATABASE_URL:
        shutil.copyfile(schema_template, instance / "hall.db")
    app = create_app(_config(instance))
    with app.app_context():
        if TEST_DATABASE_URL:
            _empty_tables(app)
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()
