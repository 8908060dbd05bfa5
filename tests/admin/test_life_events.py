"""Administrators curate life events from the admin pages; citizens see the result."""

from __future__ import annotations

import pytest

from hall.catalog.models import Item
from hall.extensions import db
from hall.halls import life_events
from tests.builders import make_connector, make_item
from tests.web_fixtures import index

TOPICS = "/admin/halls/county/topics"


def _post(client, token, address, **data):
    response = client.post(address, data={"csrf_token": token, **data})
    assert response.status_code == 302, response.get_data(as_text=True)
    return response


def _flash(client, response) -> str:
    return client.get(response.headers["Location"]).get_data(as_text=True)


def _service(title: str) -> Item:
    return db.session.query(Item).filter_by(title=title).one()


def test_an_administrator_builds_a_topic_that_citizens_follow(world, admin):
    client, token = admin
    second = make_item("城乡居民养老保险参保登记", kind="service", connector="hrss-feed")
    index(world)

    created = _post(
        client, token, TOPICS, slug="old-age", title="养老", title_en="Old age", audience=""
    )
    assert created.headers["Location"] == f"{TOPICS}/old-age"
    assert "主题已创建。" in _flash(client, created)

    found = client.get(f"{TOPICS}/old-age?q=养老保险").get_data(as_text=True)
    assert f'name="item_id" value="{second.id}"' in found
    pension = _service("养老保险待遇申领")
    for item in (second, pension):
        _post(client, token, f"{TOPICS}/old-age/steps", item_id=str(item.id), note="说明")
    first_step = life_events.get_topic("county", "old-age").steps[0]
    _post(client, token, f"{TOPICS}/old-age/steps/{first_step.id}/move", offset="1")

    page = world.test_client().get("/halls/county/topics/old-age").get_data(as_text=True)
    assert page.index("养老保险待遇申领") < page.index("城乡居民养老保险参保登记")
    assert "说明" in page
    listing = world.test_client().get("/halls/county/topics").get_data(as_text=True)
    assert 'href="/halls/county/topics/old-age">养老</a>' in listing


def test_the_topic_page_offers_only_services_not_already_steps(world, admin):
    client, _ = admin

    page = client.get(f"{TOPICS}/retirement?q=养老").get_data(as_text=True)

    assert 'name="item_id" value="' not in page.split("<h2>添加步骤</h2>")[1].split("</ul>")[0]
    assert "本大厅没有相符的服务。" in page


def test_editing_notes_fields_and_order_of_topics(world, admin):
    client, token = admin
    step = life_events.get_topic("county", "retirement").steps[0]
    _post(client, token, TOPICS, slug="baby", title="生育")

    _post(client, token, f"{TOPICS}/retirement/steps/{step.id}", note="先申领", note_en="First")
    _post(client, token, f"{TOPICS}/retirement", title="退休养老", audience="individual")
    _post(client, token, f"{TOPICS}/baby/move", offset="-1")
    db.session.expire_all()

    topic = life_events.get_topic("county", "retirement")
    assert (topic.title, topic.audience, topic.steps[0].note_en) == (
        "退休养老",
        "individual",
        "First",
    )
    assert [t.slug for t in life_events.list_topics("county")] == ["baby", "retirement"]
    listing = client.get(TOPICS).get_data(as_text=True)
    assert listing.index("生育") < listing.index("退休养老")


def test_removing_steps_and_deleting_a_topic(world, admin):
    client, token = admin
    step = life_events.get_topic("county", "retirement").steps[0]

    _post(client, token, f"{TOPICS}/retirement/steps/{step.id}/remove")
    assert life_events.get_topic("county", "retirement").steps == []
    deleted = _post(client, token, f"{TOPICS}/retirement/delete")

    assert deleted.headers["Location"] == TOPICS
    assert "主题已删除。" in _flash(client, deleted)
    assert life_events.list_topics("county") == []
    assert world.test_client().get("/halls/county/topics/retirement").status_code == 404


@pytest.mark.parametrize(
    ("address", "data", "reason"),
    [
        (TOPICS, {"slug": "Bad Slug", "title": "X"}, "slug"),
        (TOPICS, {"slug": "retirement", "title": "X"}, "already has a topic"),
        (f"{TOPICS}/retirement/steps", {"item_id": "abc"}, "whole number"),
        (f"{TOPICS}/retirement/steps", {"item_id": "9" * 40}, "whole number"),
        (f"{TOPICS}/retirement/steps", {"item_id": "999999"}, "not a live service"),
        (f"{TOPICS}/retirement", {"title": ""}, "needs a title"),
        (f"{TOPICS}/retirement/steps/999/remove", {}, "no step"),
    ],
)
def test_refusals_are_shown_as_messages_and_change_nothing(world, admin, address, data, reason):
    client, token = admin
    before = [(t.slug, t.title, len(t.steps)) for t in life_events.list_topics("county")]

    response = _post(client, token, address, **data)

    assert reason in _flash(client, response)
    db.session.expire_all()
    assert [(t.slug, t.title, len(t.steps)) for t in life_events.list_topics("county")] == before


def test_a_service_outside_the_hall_cannot_be_a_step(world, admin):
    client, token = admin
    make_connector("tax-feed", "tax-web")
    outside = make_item("个人所得税汇算", kind="service", connector="tax-feed")
    db.session.commit()

    response = _post(client, token, f"{TOPICS}/retirement/steps", item_id=str(outside.id))

    assert "not a service of this hall" in _flash(client, response)


@pytest.mark.parametrize(
    "address", [f"{TOPICS}/nowhere", f"{TOPICS}/nowhere/delete", f"{TOPICS}/nowhere/steps"]
)
def test_unknown_topics_are_404(world, admin, address):
    client, token = admin

    assert client.get(f"{TOPICS}/nowhere").status_code == 404
    if address != f"{TOPICS}/nowhere":
        assert client.post(address, data={"csrf_token": token, "item_id": "1"}).status_code == 404


def test_an_operator_is_refused(world, operator):
    client, token = operator

    refused = client.post(TOPICS, data={"csrf_token": token, "slug": "x", "title": "X"})

    assert refused.status_code == 403
    assert [t.slug for t in life_events.list_topics("county")] == ["retirement"]


def test_a_form_without_its_token_is_refused(world, admin):
    client, _ = admin

    assert client.post(TOPICS, data={"slug": "x", "title": "X"}).status_code == 400
    assert [t.slug for t in life_events.list_topics("county")] == ["retirement"]


def test_the_hall_page_links_to_the_topics(world, admin):
    client, _ = admin

    assert f'href="{TOPICS}"' in client.get("/admin/halls/county").get_data(as_text=True)
