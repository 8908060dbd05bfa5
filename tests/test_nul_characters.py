"""A NUL character anywhere in a request gets a 400 with a reason, never a database error
(PostgreSQL refuses NUL in text, so this test matters most on PostgreSQL)."""

import pytest

from hall.exchange.models import Message
from hall.extensions import db
from tests.exchange.conftest import form_fields, message_data
from tests.web_fixtures import build_sample_hall


@pytest.fixture
def sample(app):
    return build_sample_hall()


@pytest.mark.parametrize(
    "address",
    [
        "/departments/hrss%00",
        "/halls/county/search?q=%E7%A4%BE%E4%BF%9D%00",
        "/halls/county/search?sector=%00",
        "/halls/county/nearby?district=%00",
        "/api/v1/search?q=%00",
    ],
)
def test_a_nul_in_the_address_is_a_400(client, sample, address):
    response = client.get(address)
    assert response.status_code == 400
    if address.startswith("/api/"):
        assert "NUL" in response.get_json()["error"]["message"]
    else:  # the error page, in the visitor's language
        assert "<h1>" in response.get_data(as_text=True)


def test_a_nul_in_a_citizens_message_is_refused_and_nothing_is_stored(app, client, sample):
    url = "/halls/county/messages/new"
    data = form_fields(client, url) | message_data(body="请问\x00怎么办")
    response = client.post(url, data=data)
    assert response.status_code == 400
    assert db.session.query(Message).count() == 0


def test_a_nul_in_a_sign_in_is_refused(client, sample):
    response = client.post("/login", data={"username": "root\x00", "password": "x"})
    assert response.status_code == 400


def test_a_nul_in_a_json_body_is_refused(client, sample):
    response = client.post(
        "/api/v1/accounts/hrss-web/items",
        data='{"items": [{"id": "1", "title": "a\\u0000b"}]}',
        headers={"Content-Type": "application/json", "Authorization": "Bearer x"},
    )
    assert response.status_code == 400
    assert "NUL" in response.get_json()["error"]["message"]
