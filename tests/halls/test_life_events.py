"""Curating life events: topics and their steps, by administrators, with an audit trail."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from hall.audit.models import AuditEntry
from hall.catalog.models import Item
from hall.extensions import db
from hall.halls import life_events
from hall.halls.browse import TopicNotFoundError
from hall.halls.life_events import LifeEventError
from hall.users.models import User
from hall.users.services import PermissionDeniedError
from tests.builders import make_account, make_connector, make_hall, make_item, make_user


@dataclass
class World:
    admin: User
    operator: User
    pension: Item
    hukou: Item
    notice: Item
    withdrawn: Item
    outsider: Item


@pytest.fixture
def world(app) -> World:
    """An admin, an operator, a hall with two services; others it must refuse."""
    admin = make_user("root", role="admin")
    operator = make_user("op-hrss", departments=["hrss"])
    make_account("hrss-web", "hrss")
    make_account("police-web", "police")
    make_account("market-web", "market")
    make_connector("police-feed", "police-web")
    make_connector("market-feed", "market-web")
    make_hall("county", ["hrss-web", "police-web"])
    return World(
        admin=admin,
        operator=operator,
        pension=make_item("职工退休养老金申领", kind="service"),
        hukou=make_item("死亡注销户口", kind="service", connector="police-feed"),
        notice=make_item("关于养老金调整的通知"),
        withdrawn=make_item("已撤下的服务", kind="service", tombstoned=True),
        outsider=make_item("个体工商户登记", kind="service", connector="market-feed"),
    )


def _create(world: World, slug: str = "retirement", **fields):
    fields.setdefault("title", "退休")
    return life_events.create_topic(world.admin, "county", slug=slug, **fields)


def _entries() -> list[AuditEntry]:
    query = db.session.query(AuditEntry).filter(AuditEntry.action.startswith("life_event."))
    return query.order_by(AuditEntry.id).all()


def _actions() -> list[str]:
    return [entry.action for entry in _entries()]


def test_an_administrator_creates_edits_and_deletes_a_topic(world):
    topic = _create(world, title=" 退休 ", title_en="Retirement", audience="individual")
    _create(world, slug="baby", title="生育")
    life_events.edit_topic(
        world.admin, "county", "retirement", title="退休养老", description="退休时要办的事"
    )

    assert (topic.title, topic.title_en, topic.audience) == ("退休养老", None, None)
    assert [t.slug for t in life_events.list_topics("county")] == ["retirement", "baby"]

    life_events.delete_topic(world.admin, "county", "retirement")

    assert [(t.slug, t.position) for t in life_events.list_topics("county")] == [("baby", 0)]
    assert _actions() == [
        "life_event.create",
        "life_event.create",
        "life_event.edit",
        "life_event.delete",
    ]


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"slug": "Has Spaces"}, "slug"),
        ({"slug": "-dash"}, "slug"),
        ({"slug": ""}, "slug"),
        ({"slug": "x" * 65}, "slug"),
        ({"title": "  "}, "title"),
        ({"title": "长" * 201}, "title"),
        ({"audience": "everyone"}, "audience"),
    ],
)
def test_a_topic_with_bad_fields_is_refused_with_a_reason(world, fields, reason):
    with pytest.raises(LifeEventError, match=reason):
        _create(world, **fields)
    assert life_events.list_topics("county") == []


def test_a_slug_is_unique_in_a_hall(world):
    _create(world)

    with pytest.raises(LifeEventError, match="already"):
        _create(world, slug="RETIREMENT")


def test_only_administrators_curate_topics(world):
    with pytest.raises(PermissionDeniedError):
        life_events.create_topic(world.operator, "county", slug="x", title="X")
    _create(world)
    for change in (
        lambda: life_events.edit_topic(world.operator, "county", "retirement", title="Y"),
        lambda: life_events.add_step(
            world.operator, "county", "retirement", item_id=world.pension.id
        ),
        lambda: life_events.delete_topic(world.operator, "county", "retirement"),
    ):
        with pytest.raises(PermissionDeniedError):
            change()


def test_steps_are_added_moved_edited_and_removed_in_order(world):
    _create(world)
    first = life_events.add_step(
        world.admin, "county", "retirement", item_id=world.pension.id, note="先申领"
    )
    second = life_events.add_step(world.admin, "county", "retirement", item_id=world.hukou.id)

    life_events.move_step(world.admin, "county", "retirement", second.id, -1)
    topic = life_events.get_topic("county", "retirement")
    assert [(s.item_id, s.position) for s in topic.steps] == [
        (world.hukou.id, 0),
        (world.pension.id, 1),
    ]

    life_events.edit_step(
        world.admin, "county", "retirement", first.id, note="改后的说明", note_en="Changed"
    )
    life_events.remove_step(world.admin, "county", "retirement", second.id)
    db.session.expire_all()

    topic = life_events.get_topic("county", "retirement")
    assert [(s.item_id, s.position, s.note, s.note_en) for s in topic.steps] == [
        (world.pension.id, 0, "改后的说明", "Changed")
    ]
    assert _actions()[1:] == [
        "life_event.step_add",
        "life_event.step_add",
        "life_event.step_move",
        "life_event.step_edit",
        "life_event.step_remove",
    ]
    assert world.pension.is_live  # removing a step leaves the service alone


@pytest.mark.parametrize(
    ("item", "reason"),
    [
        ("notice", "not a live service"),
        ("withdrawn", "not a live service"),
        ("outsider", "not a service of this hall"),
        (None, "not a live service"),
    ],
)
def test_only_live_services_of_the_hall_become_steps(world, item, reason):
    _create(world)
    item_id = getattr(world, item).id if item else 999_999

    with pytest.raises(LifeEventError, match=reason):
        life_events.add_step(world.admin, "county", "retirement", item_id=item_id)


def test_a_service_is_a_step_of_a_topic_once(world):
    _create(world)
    life_events.add_step(world.admin, "county", "retirement", item_id=world.pension.id)

    with pytest.raises(LifeEventError, match="already"):
        life_events.add_step(world.admin, "county", "retirement", item_id=world.pension.id)


def test_topics_move_up_and_down(world):
    for slug in ("a", "b", "c"):
        _create(world, slug=slug)

    life_events.move_topic(world.admin, "county", "c", -1)
    life_events.move_topic(world.admin, "county", "a", -1)  # already first: stays

    assert [t.slug for t in life_events.list_topics("county")] == ["a", "c", "b"]


def test_unknown_topics_and_steps(world):
    _create(world)

    with pytest.raises(TopicNotFoundError):
        life_events.edit_topic(world.admin, "county", "nowhere", title="X")
    with pytest.raises(LifeEventError, match="no step"):
        life_events.remove_step(world.admin, "county", "retirement", 12345)


def test_the_command_line_curates_without_a_user(world):
    topic = life_events.create_topic(None, "county", slug="cli", title="命令行")
    life_events.add_step(None, "county", "cli", item_id=world.pension.id)

    assert [(e.action, e.username) for e in _entries()] == [
        ("life_event.create", None),
        ("life_event.step_add", None),
    ]
    assert len(topic.steps) == 1


def test_step_rows_mark_steps_citizens_no_longer_see(world):
    _create(world)
    life_events.add_step(world.admin, "county", "retirement", item_id=world.pension.id)
    life_events.add_step(world.admin, "county", "retirement", item_id=world.hukou.id)
    world.hukou.tombstoned_at = world.withdrawn.tombstoned_at

    rows = life_events.step_rows("county", life_events.get_topic("county", "retirement"))

    assert [(row.title, row.shown) for row in rows] == [
        ("职工退休养老金申领", True),
        ("死亡注销户口", False),
    ]
