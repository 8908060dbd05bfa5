"""Two departments, each with an operator, an account, connectors, a run and a token."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from hall.extensions import db
from hall.ingest.services import create_token
from hall.sync.models import SyncRun
from tests.builders import make_account, make_connector, make_user
from tests.signin import sign_in

APP_SECRET = "stored-app-secret-0f3c9a7d"


@dataclass
class Department:
    id: str
    account: str
    feed: str
    wechat: str
    run: int
    token: int


def _department(department_id: str) -> Department:
    account = make_account(f"{department_id}-web", department_id, filing_status="approved")
    feed = make_connector(f"{department_id}-feed", account.id)
    wechat = make_connector(
        f"{department_id}-wechat",
        account.id,
        type="wechat",
        config={"app_id": "wx1234567890abcdef", "app_secret": APP_SECRET},
    )
    run = SyncRun(connector_id=feed.id, status="failed", error="the source answered 503")
    db.session.add(run)
    token, _ = create_token(account.id, "CMS")
    db.session.flush()
    return Department(department_id, account.id, feed.id, wechat.id, run.id, token.id)


@pytest.fixture
def departments(app) -> tuple[Department, Department]:
    """Department A (hrss, operated by op-hrss) and department B (police, by op-police)."""
    a, b = _department("hrss"), _department("police")
    make_user("op-hrss", departments=["hrss"])
    make_user("op-police", departments=["police"])
    make_user("admin", role="admin")
    db.session.commit()
    return a, b


@pytest.fixture
def operator(client, departments) -> str:
    """Sign the client in as department A's operator; return a CSRF token."""
    return sign_in(client, "op-hrss")
