"""`hall filings` from the shell: list, approve and reject as a named administrator."""

from __future__ import annotations

from hall.directory.models import Account
from hall.directory.services import apply_for_account
from hall.extensions import db
from tests.builders import filing_data, make_department, make_user


def _pending_filing():
    make_department("hrss", region_code="330102")
    operator = make_user("op-hrss")
    make_user("root", role="admin")
    request = apply_for_account(
        operator,
        "hrss",
        platform="wechat",
        name="市人社局",
        handle="shirenshe",
        **filing_data(contact_phone="12333"),
    )
    db.session.commit()
    return request


def test_filings_list_approve_as_an_admin(app, runner):
    request = _pending_filing()

    listing = runner.invoke(args=["filings", "list", "--status", "pending"]).output
    result = runner.invoke(args=["filings", "approve", str(request.id), "--as", "root"])

    assert f"{request.id:>5}  open   pending" in listing and "市人社局" in listing
    assert result.exit_code == 0, result.output
    assert "filing 330102-RS-WX-" in result.output
    assert db.session.get(Account, "hrss-wechat").filing_status == "approved"
    assert (
        "pending"
        not in runner.invoke(args=["filings", "list", "--status", "pending"]).output.split("\n", 1)[
            1
        ]
    )


def test_filings_reject_needs_a_reason_and_an_admin(app, runner):
    request = _pending_filing()

    as_operator = runner.invoke(
        args=["filings", "reject", str(request.id), "--as", "op-hrss", "--reason", "no"]
    )
    result = runner.invoke(
        args=["filings", "reject", str(request.id), "--as", "root", "--reason", "资料不全"]
    )

    assert as_operator.exit_code == 2 and "not an administrator" in as_operator.output
    assert result.exit_code == 0, result.output
    assert db.session.get(Account, "hrss-wechat").rejection_reason == "资料不全"
