"""`hall filings suspend / reinstate / close` from the shell, as a named administrator."""

from __future__ import annotations

from hall.audit.services import entries_for
from hall.directory.models import Account
from hall.extensions import db
from tests.builders import make_account, make_user


def _accounts() -> None:
    make_account("hrss-web", department="hrss")
    make_account("hrss-new", department="hrss")
    make_user("root", role="admin")
    make_user("op-police", departments=["police"])
    db.session.commit()


def _last_audit(account_id: str) -> tuple[str, str | None]:
    entry = entries_for(db.session.get(Account, account_id))[-1]
    return entry.action, entry.username


def test_suspend_then_reinstate_an_account(app, runner):
    _accounts()

    suspended = runner.invoke(
        args=["filings", "suspend", "hrss-web", "--as", "root", "--reason", "长期未更新"]
    )

    assert suspended.exit_code == 0, suspended.output
    assert "account hrss-web suspended" in suspended.output
    assert db.session.get(Account, "hrss-web").filing_status == "suspended"
    assert _last_audit("hrss-web") == ("account.suspend", "root")
    reinstated = runner.invoke(args=["filings", "reinstate", "hrss-web", "--as", "root"])
    assert reinstated.exit_code == 0, reinstated.output
    assert db.session.get(Account, "hrss-web").filing_status == "approved"
    assert _last_audit("hrss-web") == ("account.reinstate", "root")


def test_suspend_needs_an_administrator_a_reason_and_a_known_account(app, runner):
    _accounts()

    as_operator = runner.invoke(
        args=["filings", "suspend", "hrss-web", "--as", "op-police", "--reason", "x"]
    )
    no_reason = runner.invoke(args=["filings", "suspend", "hrss-web", "--as", "root"])
    blank = runner.invoke(args=["filings", "suspend", "hrss-web", "--as", "root", "--reason", " "])
    unknown = runner.invoke(args=["filings", "reinstate", "nowhere", "--as", "root"])
    not_suspended = runner.invoke(args=["filings", "reinstate", "hrss-web", "--as", "root"])

    assert as_operator.exit_code == 2 and "not an administrator" in as_operator.output
    assert no_reason.exit_code == 2 and "--reason" in no_reason.output
    assert blank.exit_code == 2 and "gives its reason" in blank.output
    assert unknown.exit_code == 2 and "no account has the id 'nowhere'" in unknown.output
    assert not_suspended.exit_code == 2 and "not suspended" in not_suspended.output
    assert db.session.get(Account, "hrss-web").filing_status == "approved"


def test_close_posts_the_notice_and_names_the_successor(app, runner):
    _accounts()

    result = runner.invoke(
        args=[
            "filings",
            "close",
            "hrss-web",
            "--as",
            "root",
            "--notice",
            "本网站停止更新，请访问新网站。",
            "--successor",
            "hrss-new",
        ]
    )

    assert result.exit_code == 0, result.output
    assert "account hrss-web closed; its notice is public" in result.output
    account = db.session.get(Account, "hrss-web")
    assert (account.filing_status, account.successor_account_id) == ("closed", "hrss-new")
    assert account.closure_notice == "本网站停止更新，请访问新网站。"
    assert _last_audit("hrss-web") == ("account.close", "root")


def test_close_refuses_an_unknown_successor_and_changes_nothing(app, runner):
    _accounts()

    result = runner.invoke(
        args=["filings", "close", "hrss-web", "--as", "root", "--notice", "x", "--successor", "no"]
    )

    assert result.exit_code == 2 and "no other account has the id 'no'" in result.output
    assert db.session.get(Account, "hrss-web").filing_status == "approved"
