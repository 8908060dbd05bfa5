"""`hall tokens`: create (shown once), list (never shown), revoke."""

from __future__ import annotations

import hashlib
import re

import pytest

from hall.directory.models import AccountToken
from hall.extensions import db
from hall.ingest import services as ingest
from tests.builders import make_account


def create(runner, account="hrss-web", name="cms"):
    return runner.invoke(args=["tokens", "create", account, "--name", name])


def token_rows(result):
    return [line for line in result.stdout.splitlines() if "…" in line]


def test_create_prints_the_token_once_with_a_warning(app, runner):
    make_account("hrss-web")
    db.session.commit()

    result = create(runner)

    assert result.exit_code == 0, result.output
    plaintext = next(line for line in result.stdout.splitlines() if line.startswith("sh_"))
    assert "will not be shown again" in result.stderr
    token = db.session.scalar(db.select(AccountToken))
    assert token.token_hash == hashlib.sha256(plaintext.encode()).hexdigest()
    assert ingest.authenticate("hrss-web", plaintext).id == token.id


def test_list_shows_prefix_name_and_times_but_never_the_token(app, runner):
    make_account("hrss-web")
    db.session.commit()
    plaintext = next(line for line in create(runner).stdout.splitlines() if line.startswith("sh_"))
    ingest.authenticate("hrss-web", plaintext)
    db.session.commit()

    listing = runner.invoke(args=["tokens", "list", "hrss-web"])

    assert listing.exit_code == 0
    [row] = token_rows(listing)
    assert plaintext[:8] + "…" in row and "cms" in row
    assert plaintext not in listing.output and plaintext[8:] not in listing.output
    assert row.rstrip().endswith("-")  # not revoked
    # created and last used, as UTC times (the token prefix may itself hold a "Z")
    assert len(re.findall(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}Z", row)) == 2


def test_revoke_refuses_the_token_from_then_on(app, runner):
    make_account("hrss-web")
    db.session.commit()
    plaintext = next(line for line in create(runner).stdout.splitlines() if line.startswith("sh_"))
    token_id = db.session.scalar(db.select(AccountToken.id))

    result = runner.invoke(args=["tokens", "revoke", str(token_id)])

    assert result.exit_code == 0 and "revoked" in result.output
    db.session.expire_all()
    [row] = token_rows(runner.invoke(args=["tokens", "list", "hrss-web"]))
    assert row.rstrip().endswith("Z")
    with pytest.raises(ingest.InvalidTokenError):
        ingest.authenticate("hrss-web", plaintext)


def test_unknown_account_or_token_is_a_usage_error(app, runner):
    assert create(runner, account="nobody").exit_code == 2
    assert "nobody" in create(runner, account="nobody").output
    assert runner.invoke(args=["tokens", "list", "nobody"]).exit_code == 2
    assert runner.invoke(args=["tokens", "revoke", "99"]).exit_code == 2
    assert db.session.query(AccountToken).count() == 0


def test_an_account_without_tokens_says_so(app, runner):
    make_account("hrss-web")
    db.session.commit()

    assert "no API tokens" in runner.invoke(args=["tokens", "list", "hrss-web"]).output
