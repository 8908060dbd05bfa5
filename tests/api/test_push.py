"""Push ingest through the JSON API, as a department's system calls it."""

from __future__ import annotations

import io
import json

import pytest

from hall.api.schemas import PushItemsIn
from hall.catalog.models import Item
from hall.directory.models import AccountToken
from hall.extensions import db
from hall.ingest import services as ingest
from tests.builders import make_account, make_hall
from tests.ingest.builders import make_token, notice
from tests.web_fixtures import index

ITEMS = "/api/v1/accounts/hrss-web/items"


@pytest.fixture
def token(app):
    return make_token("hrss-web")


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def post(client, token, body, path=ITEMS, **kwargs):
    return client.post(path, json=body, headers=bearer(token), **kwargs)


def search_ids(client, q):
    answer = client.get(f"/api/v1/halls/county/search?q={q}").get_json()
    return [result["id"] for result in answer["results"]]


def assert_error(response, status, words=""):
    assert response.status_code == status
    error = response.get_json()["error"]
    assert error["status"] == status
    assert words in error["message"]
    return error


def test_push_answers_counts_and_a_result_per_item(client, token):
    response = post(client, token, {"items": [notice("a"), notice("b", kind="page")]})

    assert response.status_code == 200
    answer = response.get_json()
    assert {k: answer[k] for k in ("added", "updated", "unchanged", "failed")} == {
        "added": 1,
        "updated": 0,
        "unchanged": 0,
        "failed": 1,
    }
    assert answer["results"][0] == {
        "index": 0,
        "external_id": "a",
        "status": "added",
        "reason": None,
    }
    assert answer["results"][1]["status"] == "failed"
    assert "kind" in answer["results"][1]["reason"]
    assert isinstance(answer["run_id"], int)


def test_pushing_again_is_unchanged_and_a_change_is_an_update(client, token):
    post(client, token, {"items": [notice("a"), notice("b")]})

    again = post(client, token, {"items": [notice("a"), notice("b")]}).get_json()
    changed = post(client, token, {"items": [notice("a", title="新标题的通知")]}).get_json()

    assert (again["added"], again["unchanged"]) == (0, 2)
    assert [r["status"] for r in changed["results"]] == ["updated"]


def test_a_batch_of_only_bad_items_is_still_a_200_with_reasons(client, token):
    response = post(client, token, {"items": [{"title": "无编号"}, "x"]})

    assert response.status_code == 200
    answer = response.get_json()
    assert answer["failed"] == 2 and answer["added"] == 0
    assert all(r["reason"] for r in answer["results"])


def test_pushed_items_become_searchable_and_a_delete_takes_them_out(app, client, token):
    make_hall("county", ["hrss-web"])
    post(client, token, {"items": [notice("a", title="灵活就业人员参保登记通知")]})
    index(app)

    found = search_ids(client, "灵活就业")
    item = db.session.scalar(db.select(Item).where(Item.external_id == "a"))
    assert found == [item.id]
    page = client.get(f"/api/v1/items/{item.id}").get_json()
    assert page["account"]["id"] == "hrss-web"

    response = client.delete(f"{ITEMS}/a", headers=bearer(token))
    assert response.status_code == 204 and response.data == b""
    index(app)

    assert search_ids(client, "灵活就业") == []
    assert client.get(f"/api/v1/items/{item.id}").status_code == 410


def test_sanitising_is_the_connectors(client, token):
    body = {
        "items": [
            notice("a", body_html="<p>须知</p><script>alert(1)</script>", url="javascript:x()")
        ]
    }
    post(client, token, body)

    item = db.session.scalar(db.select(Item).where(Item.external_id == "a"))
    assert "script" not in item.body_html and item.url is None


def test_delete_is_204_again_and_404_for_what_was_never_pushed(client, token):
    post(client, token, {"items": [notice("a"), notice("path/with/slashes")]})

    assert client.delete(f"{ITEMS}/a", headers=bearer(token)).status_code == 204
    assert client.delete(f"{ITEMS}/a", headers=bearer(token)).status_code == 204
    assert client.delete(f"{ITEMS}/path%2Fwith%2Fslashes", headers=bearer(token)).status_code == 204
    missing = client.delete(f"{ITEMS}/never", headers=bearer(token))
    assert_error(missing, 404, "never pushed 'never'")


@pytest.mark.parametrize(
    ("headers", "challenge"),
    [
        ({}, 'Bearer realm="Service Hall API"'),
        (
            {"Authorization": "Bearer sh_wrong"},
            'Bearer realm="Service Hall API", error="invalid_token"',
        ),
        (
            {"Authorization": "Basic aGk6aGk="},
            'Bearer realm="Service Hall API", error="invalid_token"',
        ),
    ],
)
@pytest.mark.parametrize("method", ["post", "delete"])
def test_no_valid_token_is_a_401_with_a_challenge(client, token, headers, challenge, method):
    if method == "post":
        response = client.post(ITEMS, json={"items": [notice()]}, headers=headers)
    else:
        response = client.delete(f"{ITEMS}/a", headers=headers)

    assert_error(response, 401)
    assert response.headers["WWW-Authenticate"] == challenge
    assert db.session.query(Item).count() == 0


def test_a_revoked_token_is_refused(client, token):
    ingest.revoke_token(db.session.scalar(db.select(AccountToken.id)))
    db.session.commit()

    assert_error(post(client, token, {"items": [notice()]}), 401, "revoked")


def test_a_token_of_another_account_is_a_403(client, token):
    make_account("police-web", "police")
    db.session.commit()

    response = post(client, token, {"items": [notice()]}, path="/api/v1/accounts/police-web/items")

    assert_error(response, 403, "another account")


def test_an_unknown_account_is_a_404(client, token):
    response = post(client, token, {"items": [notice()]}, path="/api/v1/accounts/nobody/items")

    assert_error(response, 404, "nobody")


@pytest.mark.parametrize("status", ["suspended", "closed", "pending"])
def test_an_account_whose_filing_is_not_approved_is_a_403_saying_why(client, status):
    token = make_token("hrss-old", filing_status=status)

    response = post(client, token, {"items": [notice()]}, path="/api/v1/accounts/hrss-old/items")

    assert_error(response, 403, f"is {status}")


def test_a_body_over_the_limit_is_a_413(client, token):
    response = client.post(
        ITEMS,
        data=b" " * (ingest.MAX_PUSH_BYTES + 1),
        content_type="application/json",
        headers=bearer(token),
    )

    assert_error(response, 413, "larger than")


@pytest.mark.parametrize(("extra_bytes", "status"), [(0, 200), (1, 413)])
def test_a_streamed_body_over_the_limit_is_a_413(client, token, monkeypatch, extra_bytes, status):
    body = json.dumps({"items": [notice()]}).encode() + b" " * extra_bytes
    monkeypatch.setattr(ingest, "MAX_PUSH_BYTES", len(body) - extra_bytes)

    response = client.post(
        ITEMS,
        input_stream=io.BytesIO(body),
        content_type="application/json",
        # Sent chunked, without a Content-Length; the server ends the stream.
        headers={**bearer(token), "Transfer-Encoding": "chunked"},
        environ_overrides={"wsgi.input_terminated": True},
    )

    assert response.status_code == status


def test_a_body_that_is_not_json_is_a_415_or_422(client, token):
    form = client.post(ITEMS, data={"items": "x"}, headers=bearer(token))
    broken = client.post(
        ITEMS, data="{not json", content_type="application/json", headers=bearer(token)
    )

    assert_error(form, 415, "JSON")
    assert_error(broken, 422, "not valid JSON")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "items"),
        ({"items": []}, "items"),
        ({"items": "all"}, "items"),
        ({"items": [notice()] * (ingest.MAX_PUSH_ITEMS + 1)}, "items"),
        ({"items": [notice()], "complete": True}, "complete"),
        ([notice()], "body"),
    ],
)
def test_an_invalid_envelope_is_a_422_naming_the_field(client, token, body, field):
    error = assert_error(post(client, token, body), 422, "invalid body")

    assert [detail["field"] for detail in error["details"]] == [field]
    assert db.session.query(Item).count() == 0


def test_an_unknown_query_parameter_is_a_422(client, token):
    assert_error(post(client, token, {"items": [notice()]}, path=f"{ITEMS}?dry_run=1"), 422)


def test_no_cookie_is_needed_or_used(client, token):
    # Token auth only: nothing for a cross-site request to ride on.
    response = post(client, token, {"items": [notice()]})

    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
    assert "Access-Control-Allow-Origin" not in response.headers


def test_openapi_documents_push_and_delete_with_the_bearer_scheme(client):
    document = client.get("/api/v1/openapi.json").get_json()

    push = document["paths"]["/api/v1/accounts/{account_id}/items"]["post"]
    delete = document["paths"]["/api/v1/accounts/{account_id}/items/{external_id}"]["delete"]
    scheme = document["components"]["securitySchemes"]["accountToken"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")
    for operation in (push, delete):
        assert operation["security"] == [{"accountToken": []}]
        assert {"401", "403", "404", "422"} <= set(operation["responses"])
    assert set(push["responses"]) >= {"200", "413", "415"}
    assert "204" in delete["responses"] and "200" not in delete["responses"]
    body = push["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/PushItemsIn"}
    documented = document["components"]["schemas"]["PushItemsIn"]
    expected = PushItemsIn.model_json_schema(ref_template="#/components/schemas/{model}")
    expected.pop("$defs")
    assert documented == expected
    item = documented["properties"]["items"]["items"]
    assert item["properties"]["guide"]["anyOf"][0] == {"$ref": "#/components/schemas/ServiceGuide"}
    assert "ServiceGuide" in document["components"]["schemas"]
    answer = push["responses"]["200"]["content"]["application/json"]["schema"]
    assert answer == {"$ref": "#/components/schemas/PushItemsOut"}
