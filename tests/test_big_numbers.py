"""Numbers too big for a database integer, in addresses, queries and forms, get a 404 or
are ignored: never a 500 (PostgreSQL refuses them with an error, SQLite overflows)."""

import pytest

from hall.extensions import db
from tests.builders import make_user
from tests.signin import sign_in
from tests.web_fixtures import build_sample_hall

HUGE = "99999999999999999999"
PAST_INT32 = str(2**31)


@pytest.fixture
def sample(app):
    return build_sample_hall()


@pytest.mark.parametrize(
    "address",
    [
        f"/items/{HUGE}",
        f"/items/{PAST_INT32}",
        f"/questions/{PAST_INT32}",
        f"/api/v1/items/{PAST_INT32}",
    ],
)
def test_an_id_past_the_database_range_is_not_found(client, sample, address):
    assert client.get(address).status_code == 404


@pytest.mark.parametrize(
    "address",
    [
        f"/halls/county/messages/new?item={PAST_INT32}",
        f"/halls/county/search?q=社保&page={HUGE}",
        f"/halls/county/audiences/individual?page={HUGE}",
    ],
)
def test_a_huge_number_in_a_page_query_is_ignored(client, sample, address):
    assert client.get(address).status_code == 200


def test_a_huge_page_of_the_api_is_a_client_error(client, sample):
    assert 400 <= client.get(f"/api/v1/search?q=x&page={HUGE}").status_code < 500


def test_a_huge_audit_page_shows_a_page(client, sample):
    make_user("root", role="admin")
    db.session.commit()
    sign_in(client, "root")
    assert client.get(f"/admin/audit?page={HUGE}").status_code == 200
