"""Push ingest: tokens, pushing and deleting items, as a department's system sees it."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from connectors.base import Record
from hall.catalog.models import ChangeLog, Item
from hall.catalog.services import normalise_record
from hall.directory.models import AccountToken
from hall.extensions import db
from hall.ingest import services as ingest
from hall.sync.models import ConnectorInstance, SyncItemOutcome, SyncRun
from tests.builders import make_account, make_connector
from tests.ingest.builders import make_token, notice

GUIDE = {
    "implementing_body": "市人力资源和社会保障局",
    "conditions": ["失业前已缴纳失业保险费满1年"],
    "materials": [{"name": "居民身份证", "necessity": "required"}],
    "statutory_time_limit": {"value": 20, "unit": "working_days"},
    "fee": {"charged": False},
}


def push(items, account="hrss-web"):
    result = ingest.push_items(account, items)
    db.session.commit()
    return result


def pushed_items(account="hrss-web"):
    query = db.select(Item).where(Item.connector_id == ingest.push_connector_id(account))
    return {item.external_id: item for item in db.session.scalars(query)}


def statuses(result):
    return [(r.index, r.external_id, r.status) for r in result.results]


# Tokens -------------------------------------------------------------------------------


def test_a_token_is_returned_once_and_only_its_hash_is_stored(app, caplog):
    make_account("hrss-web")
    caplog.set_level("DEBUG")
    token, plaintext = ingest.create_token("hrss-web", "  CMS publisher ")
    db.session.commit()
    ingest.authenticate("hrss-web", plaintext)
    ingest.revoke_token(token.id)

    assert plaintext.startswith("sh_") and len(plaintext) > 40
    assert token.token_hash == hashlib.sha256(plaintext.encode()).hexdigest()
    assert token.prefix == plaintext[:8] and token.name == "CMS publisher"
    row = db.session.execute(text("SELECT * FROM account_token")).one()
    assert not any(plaintext in str(value) for value in row)
    assert not any(plaintext[8:16] in str(value) for value in row)
    assert caplog.records and plaintext[8:16] not in caplog.text


def test_the_first_token_creates_the_accounts_disabled_push_connector(app):
    make_token("hrss-web")

    instance = db.session.get(ConnectorInstance, "hrss-web-push")
    assert (instance.type, instance.account_id, instance.enabled) == ("push", "hrss-web", False)
    make_token("hrss-web", name="second")
    assert db.session.query(ConnectorInstance).count() == 1


def test_tokens_are_unique_and_listed_oldest_first(app):
    first = make_token(name="a")
    second = make_token(name="b")

    assert first != second
    assert [t.name for t in ingest.list_tokens("hrss-web")] == ["a", "b"]


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda: ingest.create_token("nobody", "cms"), ingest.AccountNotFoundError),
        (lambda: ingest.create_token("hrss-web", "  "), ingest.TokenNameError),
        (lambda: ingest.list_tokens("nobody"), ingest.AccountNotFoundError),
        (lambda: ingest.revoke_token(404), ingest.TokenNotFoundError),
    ],
)
def test_token_management_refuses_what_does_not_exist(app, call, error):
    make_account("hrss-web")
    with pytest.raises(error):
        call()


def test_authenticate_accepts_a_live_token_and_notes_its_use(app):
    plaintext = make_token()

    token = ingest.authenticate("hrss-web", plaintext)

    assert token.account_id == "hrss-web"
    assert token.last_used_at is not None


def test_revoking_refuses_the_token_from_then_on_and_keeps_the_first_time(app):
    plaintext = make_token()
    token = db.session.scalar(db.select(AccountToken))
    ingest.revoke_token(token.id)
    revoked_at = token.revoked_at

    with pytest.raises(ingest.InvalidTokenError, match="revoked"):
        ingest.authenticate("hrss-web", plaintext)
    assert ingest.revoke_token(token.id).revoked_at == revoked_at


@pytest.mark.parametrize(
    ("account", "bearer", "error"),
    [
        ("hrss-web", None, ingest.TokenRequiredError),
        ("hrss-web", "", ingest.TokenRequiredError),
        ("hrss-web", "sh_not-a-token", ingest.InvalidTokenError),
        ("hrss-web", "sh_" + "x" * 500, ingest.InvalidTokenError),
        ("police-web", "{hrss}", ingest.WrongAccountError),
        ("nobody", "{hrss}", ingest.AccountNotFoundError),
        ("hrss-old", "{old}", ingest.AccountNotActiveError),
    ],
)
def test_authenticate_refuses(app, account, bearer, error):
    tokens = {
        "{hrss}": make_token("hrss-web"),
        "{old}": make_token("hrss-old", filing_status="suspended"),
    }
    make_account("police-web", "police")

    with pytest.raises(error):
        ingest.authenticate(account, tokens.get(bearer, bearer))


def test_a_bad_token_is_refused_before_the_account_is_looked_up(app):
    # A caller without a valid token must not learn which accounts exist.
    with pytest.raises(ingest.InvalidTokenError):
        ingest.authenticate("nobody", "sh_guess")


# Pushing ------------------------------------------------------------------------------


def test_push_adds_items_with_change_log_and_a_run(app):
    make_token()
    token = db.session.scalar(db.select(AccountToken))

    result = ingest.push_items("hrss-web", [notice("a"), notice("b")], token=token)
    db.session.commit()

    assert (result.added, result.updated, result.unchanged, result.failed) == (2, 0, 0, 0)
    assert statuses(result) == [(0, "a", "added"), (1, "b", "added")]
    items = pushed_items()
    assert set(items) == {"a", "b"}
    assert items["a"].account_id == "hrss-web"
    assert items["a"].published_at == datetime(2024, 5, 1, 2, 0, tzinfo=UTC)
    logged = db.session.scalars(db.select(ChangeLog.item_id).where(ChangeLog.action == "added"))
    assert sorted(logged) == sorted(item.id for item in items.values())
    run = db.session.get(SyncRun, result.run_id)
    assert (run.connector_id, run.status, run.fetched, run.added) == (
        "hrss-web-push",
        "succeeded",
        2,
        2,
    )
    assert token.prefix in run.worker
    outcomes = db.session.scalars(db.select(SyncItemOutcome.outcome)).all()
    assert outcomes == ["added", "added"]


def test_pushing_the_same_items_again_changes_nothing(app):
    make_token()
    push([notice("a"), notice("b")])
    log_rows = db.session.query(ChangeLog).count()

    result = push([notice("a"), notice("b")])

    assert (result.added, result.updated, result.unchanged) == (0, 0, 2)
    assert db.session.query(ChangeLog).count() == log_rows


def test_a_changed_item_is_updated(app):
    make_token()
    push([notice("a"), notice("b")])

    result = push([notice("a", title="关于调整社会保险缴费基数的补充通知"), notice("b")])

    assert statuses(result) == [(0, "a", "updated"), (1, "b", "unchanged")]
    assert pushed_items()["a"].title == "关于调整社会保险缴费基数的补充通知"
    updates = db.session.scalars(db.select(ChangeLog).where(ChangeLog.action == "updated")).all()
    assert [row.item.external_id for row in updates] == ["a"]


def test_a_push_never_retires_items_it_does_not_mention(app):
    make_token()
    push([notice("a"), notice("b")])
    for _ in range(5):
        push([notice("b")])

    assert pushed_items()["a"].tombstoned_at is None


def test_html_is_sanitised_and_unsafe_links_dropped_as_for_connectors(app):
    make_token()
    body = (
        '<p onclick="steal()">办理须知</p><script>alert(1)</script><a href="javascript:x()">x</a>'
    )

    push(
        [
            notice(
                "a",
                body_html=body,
                url="javascript:alert(1)",
                summary="<b>要点</b><script>1</script>",
            )
        ]
    )

    item = pushed_items()["a"]
    assert "<script" not in item.body_html and "alert" not in item.body_html
    assert "onclick" not in item.body_html and "javascript:" not in item.body_html
    assert "办理须知" in item.body_text
    assert item.url is None
    assert item.summary == "要点"


def test_a_service_keeps_its_validated_guide(app):
    make_token()

    push([notice("s", kind="service", title="失业保险金申领", guide=GUIDE)])

    item = pushed_items()["s"]
    assert item.kind == "service" and item.content_type is None
    assert item.service_guide.statutory_time_limit.value == 20
    # Stored exactly as the same guide from a connector would be.
    from_connector = normalise_record(
        Record(external_id="s", title="x", kind="service", guide=GUIDE)
    )
    assert item.guide == from_connector.guide


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        ({"title": "无编号"}, "external_id: Field required"),
        (notice("x", title=""), "title: String should have at least 1 character"),
        (notice("x", title="   "), "no title"),
        (notice("x", kind="page"), "kind: Input should be 'content' or 'service'"),
        (notice("x", colour="red"), "colour: unknown field"),
        (
            notice("x", published_at="2024-05-01T10:00:00"),
            "published_at: Input should have timezone",
        ),
        (notice("x", published_at="1970-01-01T00:00:00Z"), "published_at: must lie between 1990"),
        (notice("x", language="Chinese"), "language: must be a language tag"),
        (notice("x", tags="社保"), "tags: Input should be a valid list"),
        (notice("x", guide=GUIDE), "guide is given for services only"),
        (
            notice("x", kind="service", guide={**GUIDE, "statutory_time_limit": {"value": -1}}),
            "guide.statutory_time_limit.value: Input should be greater than or equal to 0",
        ),
        (notice("x", kind="service", guide={"matrials": []}), "guide.matrials: unknown field"),
        ("not an object", "Input should be a valid dictionary"),
    ],
)
def test_bad_items_are_reported_with_reasons_while_good_ones_land(app, bad, reason):
    make_token()

    result = push([notice("good-1"), bad, notice("good-2")])

    assert (result.added, result.failed) == (2, 1)
    failed = result.results[1]
    assert (failed.index, failed.status) == (1, "failed")
    assert reason in failed.reason
    assert set(pushed_items()) == {"good-1", "good-2"}
    run = db.session.get(SyncRun, result.run_id)
    assert run.failed == 1 and reason in run.item_errors[0]["reason"]


def test_a_numeric_external_id_is_taken_as_text(app):
    make_token()

    result = push([notice(123)])

    assert statuses(result) == [(0, "123", "added")]


def test_a_failed_item_is_reported_with_its_external_id(app):
    make_token()

    result = push([notice("x", kind="page")])

    assert statuses(result) == [(0, "x", "failed")]


def test_a_duplicate_external_id_in_one_batch_is_reported(app):
    make_token()

    result = push([notice("a"), notice("a", title="另一个标题")])

    assert statuses(result) == [(0, "a", "added"), (1, "a", "failed")]
    assert "duplicate" in result.results[1].reason
    assert pushed_items()["a"].title == "关于调整社会保险缴费基数的通知"


def test_push_refuses_when_the_connector_id_is_taken_by_another_connector(app):
    make_account("hrss-web")
    make_connector("hrss-web-push", "hrss-web", type="feed")

    with pytest.raises(ingest.PushConnectorConflictError, match="hrss-web-push"):
        ingest.push_items("hrss-web", [notice("a")])


# Deleting -----------------------------------------------------------------------------


def test_delete_tombstones_at_once_with_a_change_log_row(app):
    make_token()
    push([notice("a"), notice("b")])

    assert ingest.delete_item("hrss-web", "a") is True
    db.session.commit()

    items = pushed_items()
    assert items["a"].tombstoned_at is not None and items["b"].tombstoned_at is None
    last = db.session.scalars(db.select(ChangeLog).order_by(ChangeLog.id.desc())).first()
    assert (last.item_id, last.action) == (items["a"].id, "tombstoned")
    run = db.session.get(SyncRun, last.sync_run_id)
    assert (run.status, run.tombstoned) == ("succeeded", 1)


def test_delete_is_idempotent_and_unknown_ids_are_not_found(app):
    make_token()
    make_account("police-web", "police")
    push([notice("a")])
    ingest.delete_item("hrss-web", "a")
    log_rows = db.session.query(ChangeLog).count()

    assert ingest.delete_item("hrss-web", "a") is False
    assert db.session.query(ChangeLog).count() == log_rows
    with pytest.raises(ingest.PushedItemNotFoundError):
        ingest.delete_item("hrss-web", "never-pushed")
    with pytest.raises(ingest.PushedItemNotFoundError):
        ingest.delete_item("police-web", "a")  # another account's item


def test_delete_only_reaches_pushed_items(app):
    from tests.builders import make_item

    make_token()
    make_item("订阅源里的通知", connector="hrss-web-feed", external_id="from-feed")

    with pytest.raises(ingest.PushedItemNotFoundError):
        ingest.delete_item("hrss-web", "from-feed")


def test_pushing_a_deleted_item_again_brings_it_back(app):
    make_token()
    push([notice("a")])
    ingest.delete_item("hrss-web", "a")

    result = push([notice("a")])

    assert statuses(result) == [(0, "a", "updated")]
    assert pushed_items()["a"].tombstoned_at is None
