"""Interaction channel checks: each account's address is requested, and health shows it."""

from __future__ import annotations

import csv
import io
import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from flask import g

import hall.reports.health
from hall.directory.models import Account
from hall.extensions import db
from hall.importer import ImportFileError, import_text
from hall.reports.channels import check_channels
from hall.reports.health import CHANNEL_STATES, compute_health
from hall.reports.models import HealthSnapshot
from hall.sync.scheduler import Worker
from tests.builders import make_account, make_department, make_user
from tests.reports.conftest import NOW
from tests.signin import PASSWORD, form_token

TIMEOUT = 0.5


class _ChannelHandler(BaseHTTPRequestHandler):
    """200 on /ok, 404 on /missing, a redirect on /moved; /hang never answers."""

    def do_GET(self):  # noqa: N802 - the base class's name
        self.server.requests.append(self.path)
        path = self.path.split("?")[0]
        if path == "/hang":
            self.server.release.wait(10)  # until the test is over
            return
        if path == "/moved":
            self.send_response(302)
            self.send_header("Location", "/ok")
        else:
            self.send_response(200 if path == "/ok" else 404)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass


@pytest.fixture
def server():
    """A loopback server answering the way channel pages do; `requests` lists the paths."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _ChannelHandler)
    httpd.requests = []
    httpd.release = threading.Event()
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    httpd.base_url = f"http://127.0.0.1:{httpd.server_address[1]}"
    yield httpd
    httpd.release.set()
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def channels(app, server):
    """One account in every channel state, and a few whose checks go wrong in each way."""
    app.config["CHANNEL_CHECK_TIMEOUT"] = TIMEOUT
    base = server.base_url
    port = server.server_address[1]
    filed = {"interaction_channels": ["留言"]}
    make_department("hrss", name="人力资源和社会保障局")
    make_account("a-works", interaction_url=f"{base}/ok?access_token=s3cret", **filed)
    make_account("b-missing", interaction_url=f"{base}/missing", **filed)
    make_account("c-hangs", interaction_url=f"{base}/hang", **filed)
    # Checked in between the broken ones, so they cannot stop it.
    make_account("d-moved", interaction_url=f"{base}/moved", **filed)
    # Loopback, but not the allowlisted 127.0.0.1: the address guard refuses it.
    make_account("e-blocked", interaction_url=f"http://127.0.0.2:{port}/ok", **filed)
    make_account("f-odd", interaction_url="http://[::1/", **filed)
    make_account("g-unchecked", **filed)
    make_account("h-unknown")
    make_account("i-none", interaction_channels=[])
    # Only approved accounts are checked.
    make_account("j-suspended", interaction_url=f"{base}/ok?suspended", filing_status="suspended")
    db.session.commit()
    return server


def states() -> dict[str, tuple[str, str | None]]:
    return {h.account_id: (h.channel_state, h.channel_detail) for h in compute_health(now=NOW)}


EXPECTED = {
    "a-works": ("works", "answered 200"),
    "b-missing": ("fails", "answered 404"),
    "c-hangs": ("fails", f"no answer within {TIMEOUT:g} s"),
    "d-moved": ("works", "answered 200"),
    "e-blocked": ("fails", "address not allowed"),
    "f-odd": ("fails", "could not be checked"),
    "g-unchecked": ("unchecked", None),
    "h-unknown": ("unknown", None),
    "i-none": ("none", None),
    "j-suspended": ("unknown", None),
}


def test_every_account_gets_its_state_and_one_failure_stops_none(channels):
    summary = check_channels(now=NOW)

    assert (summary.checked, summary.works, summary.fails) == (6, 2, 4)
    assert states() == EXPECTED
    assert set(CHANNEL_STATES) == {state for state, _ in EXPECTED.values()}
    stored = db.session.get(Account, "b-missing")
    assert (stored.channel_ok, stored.channel_checked_at) == (False, NOW)
    # The suspended account was never asked for; the redirect was followed.
    assert not any("suspended" in path for path in channels.requests)
    assert "/ok" in channels.requests and "/moved" in channels.requests


def test_the_guarded_session_decides_what_may_be_reached(channels, app):
    app.config["HTTP_ALLOWLIST"] = []  # loopback is refused like any private address

    check_channels(now=NOW)

    assert states()["a-works"] == ("fails", "address not allowed")
    assert channels.requests == []


def test_logs_name_the_host_never_the_query_string(channels, caplog):
    db.session.get(Account, "a-works").interaction_url = f"{channels.base_url}/missing?token=s3cret"
    db.session.commit()

    with caplog.at_level(logging.INFO, logger="hall.reports.channels"):
        check_channels(now=NOW)

    assert "a-works (127.0.0.1) fails: answered 404" in caplog.text
    assert "s3cret" not in caplog.text and "/missing" not in caplog.text


def test_health_problems_and_snapshots_follow_the_state(channels):
    check_channels(now=NOW)
    healths = {h.account_id: h for h in compute_health(now=NOW)}

    assert healths["b-missing"].problems[-1] == "interaction channel fails: answered 404"
    assert "no interaction channel filed" in healths["i-none"].problems
    assert not any("channel" in p for p in healths["a-works"].problems)
    assert not any("channel" in p for p in healths["g-unchecked"].problems)
    # The snapshot column keeps its meaning: yes, no, or cannot tell.
    hall.reports.health.record_daily_snapshot(now=NOW)
    stored = {
        row.account_id: row.interaction_ok for row in db.session.scalars(db.select(HealthSnapshot))
    }
    assert {
        a: stored[a] for a in ("a-works", "b-missing", "i-none", "g-unchecked", "h-unknown")
    } == {
        "a-works": True,
        "b-missing": False,
        "i-none": False,
        "g-unchecked": None,
        "h-unknown": None,
    }


def test_the_daily_job_checks_channels_before_the_snapshot(channels, app):
    worker = Worker(app)
    try:
        assert worker.health_snapshot() == len(EXPECTED)
    finally:
        worker.shutdown()

    row = db.session.scalars(
        db.select(HealthSnapshot).where(HealthSnapshot.account_id == "b-missing")
    ).one()
    assert row.interaction_ok is False
    assert db.session.get(Account, "a-works").channel_ok is True


def test_the_cli_checks_and_reports_channels(channels, runner, monkeypatch):
    monkeypatch.setattr(hall.reports.health, "utcnow", lambda: NOW)

    checked = runner.invoke(args=["health", "check-channels"])
    report = runner.invoke(args=["health", "report"])
    check = runner.invoke(args=["health", "check"])

    assert checked.exit_code == 0, checked.output
    assert checked.output == "interaction channels: 6 checked: 2 work, 4 fail\n"
    lines = {line.split()[0]: line for line in report.output.splitlines()[3:]}
    assert lines["a-works"].split()[5] == "works"
    assert lines["g-unchecked"].split()[5] == "unchecked"
    assert lines["c-hangs"].endswith(f"(channel: no answer within {TIMEOUT:g} s)")
    assert "    interaction channel fails: address not allowed" in check.output.splitlines()


def signed_in(app, username: str):
    # Tests share one app context, where Flask-Login keeps the last request's user.
    g.pop("_login_user", None)
    client = app.test_client()
    response = client.post(
        "/login",
        data={"username": username, "password": PASSWORD, "csrf_token": form_token(client)},
    )
    assert response.status_code == 302
    return client


def test_health_pages_and_csv_show_the_state_and_detail(channels, app):
    check_channels(now=NOW)
    make_user("root", role="admin")
    make_user("op-hrss", departments=["hrss"])
    db.session.commit()
    admin = signed_in(app, "root")
    admin_page = admin.get("/admin/health?lang=en").get_data(as_text=True)
    download = admin.get("/admin/health.csv").get_data(as_text=True)
    console_page = signed_in(app, "op-hrss").get("/console/health").get_data(as_text=True)

    assert "fails (answered 404, checked 2024-06-30)" in admin_page
    assert "not checked yet" in admin_page and "none filed" in admin_page
    assert "interaction channel fails: address not allowed" in admin_page
    assert "无法访问 (answered 404, 2024-06-30 检测)" in console_page
    assert "正常 (answered 200, 2024-06-30 检测)" in console_page
    assert "尚未检测" in console_page and "未登记" in console_page and "未开通" in console_page
    rows = {
        row["account_id"]: row for row in csv.DictReader(io.StringIO(download.lstrip("\ufeff")))
    }
    assert rows["c-hangs"]["channel_state"] == "fails"
    assert rows["c-hangs"]["channel_detail"] == f"no answer within {TIMEOUT:g} s"
    assert rows["c-hangs"]["channel_checked_at"] == "2024-06-30T12:00:00Z"
    assert [rows[a]["interaction_ok"] for a in ("a-works", "i-none", "h-unknown")] == [
        "yes",
        "no",
        "",
    ]


IMPORT = """
departments:
  - {id: hrss, name: 人社局, sector: social_security}
accounts:
  - id: hrss-web
    department: hrss
    platform: website
    name: 县人社局网站
"""


def test_an_imported_address_is_checked_and_a_new_one_checked_afresh(app, server):
    import_text(IMPORT + f"    interaction_url: {server.base_url}/ok\n")
    check_channels(now=NOW)
    assert states()["hrss-web"] == ("works", "answered 200")

    # A file without the key leaves the address alone; a new address drops the old answer.
    import_text(IMPORT)
    assert db.session.get(Account, "hrss-web").channel_ok is True
    import_text(IMPORT + f"    interaction_url: {server.base_url}/missing\n")
    account = db.session.get(Account, "hrss-web")
    assert account.interaction_url.endswith("/missing")
    assert (account.channel_checked_at, account.channel_ok, account.channel_detail) == (None,) * 3

    with pytest.raises(ImportFileError, match="interaction_url.*http:// or https://"):
        import_text(IMPORT + "    interaction_url: javascript:alert(1)\n")
