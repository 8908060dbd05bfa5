"""The demo's seven life events, built from the demo county's services."""

from __future__ import annotations

import pytest

from hall.demo import build_site
from hall.demo.life_events import DEMO_HALL_ID, TOPICS, DemoLifeEventError, create_life_events
from hall.extensions import db
from hall.halls import life_events
from tests.builders import make_account, make_connector, make_department, make_hall, make_item


def _demo_hall(keep=lambda name: True) -> None:
    """A demo hall whose services carry the demo site's titles, one account per department."""
    accounts = []
    for service in build_site().services:
        department = service.department
        account = f"{department.id}-website"
        if account not in accounts:
            make_department(department.id, department.sector, name=department.name)
            make_account(account, department.id)
            make_connector(f"{department.id}-services", account)
            accounts.append(account)
        if keep(service.name):
            make_item(service.name, kind="service", connector=f"{department.id}-services")
    make_hall(DEMO_HALL_ID, accounts)


def test_the_seven_topics_gather_several_departments_in_order(app):
    _demo_hall()

    created = create_life_events(DEMO_HALL_ID)

    assert [t.slug for t in created] == [
        "having-a-baby",
        "starting-school",
        "finding-work",
        "marriage",
        "opening-a-business",
        "retirement",
        "after-a-death",
    ]
    for topic, spec in zip(created, TOPICS, strict=True):
        steps = life_events.step_rows(DEMO_HALL_ID, topic)
        assert 3 <= len(steps) <= 6, topic.slug
        assert [row.title for row in steps] == [step.keyword for step in spec.steps]
        assert len({row.department_name for row in steps}) >= 2, topic.slug
        assert all(row.shown for row in steps)


def test_running_the_demo_again_adds_nothing(app):
    _demo_hall()
    create_life_events(DEMO_HALL_ID)

    assert create_life_events(DEMO_HALL_ID) == []
    assert len(life_events.list_topics(DEMO_HALL_ID)) == 7


def test_a_topic_left_with_fewer_than_two_steps_stops_the_build(app):
    _demo_hall(
        keep=lambda name: name not in ("死亡注销户口", "惠民殡葬补助", "住房公积金缴存证明开具")
    )

    with pytest.raises(DemoLifeEventError, match="after-a-death"):
        create_life_events(DEMO_HALL_ID)
    db.session.rollback()
