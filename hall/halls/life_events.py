"""Curate a hall's life events (topics): services from several departments, in order.

Administrators create and edit topics and their steps; the demo builder does it from the
command line (`admin` None). Every change writes an audit entry and flushes; the caller
commits. A topic's slug is its address and never changes once the topic exists.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from hall.audit.services import record, snapshot
from hall.catalog.models import Item
from hall.extensions import db
from hall.halls.browse import AUDIENCES, TopicNotFoundError
from hall.halls.models import LifeEvent, LifeEventStep
from hall.halls.services import (
    ResultRow,
    SearchParams,
    get_hall,
    public_accounts,
    search_hall,
)
from hall.users.models import User
from hall.users.services import require_admin

TOPIC_FIELDS = ("slug", "title", "title_en", "description", "description_en", "audience")
MAX_TOPICS = 50  # per hall: a home page section lists them all
MAX_STEPS = 20  # a life event longer than this is two life events
_SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")
_LIMITS = {"title": 200, "title_en": 300, "description": 2000, "description_en": 4000}
_NOTE_LIMIT = 500


class LifeEventError(ValueError):
    """A topic or a step cannot be saved as asked; the message says why."""


def list_topics(hall_id: str) -> list[LifeEvent]:
    """Return every topic of a hall in display order, empty ones included."""
    get_hall(hall_id)
    query = (
        select(LifeEvent)
        .where(LifeEvent.hall_id == hall_id)
        .order_by(LifeEvent.position, LifeEvent.title, LifeEvent.id)
    )
    return list(db.session.scalars(query))


def get_topic(hall_id: str, slug: str) -> LifeEvent:
    """Return the hall's topic with this slug, or raise TopicNotFoundError."""
    topic = db.session.scalars(
        select(LifeEvent).where(LifeEvent.hall_id == hall_id, LifeEvent.slug == slug)
    ).first()
    if topic is None:
        raise TopicNotFoundError(slug)
    return topic


def create_topic(
    admin: User | None,
    hall_id: str,
    *,
    slug: str,
    title: str,
    title_en: str | None = None,
    description: str | None = None,
    description_en: str | None = None,
    audience: str | None = None,
) -> LifeEvent:
    """Create a topic at the end of the hall's list; `admin` None is the command line."""
    _authorise(admin)
    get_hall(hall_id)
    slug = (slug or "").strip().lower()
    if not _SLUG.match(slug):
        raise LifeEventError(
            "the slug is 1 to 64 lower-case letters, digits and hyphens, e.g. having-a-baby"
        )
    if db.session.scalars(
        select(LifeEvent.id).where(LifeEvent.hall_id == hall_id, LifeEvent.slug == slug)
    ).first():
        raise LifeEventError(f"this hall already has a topic {slug!r}")
    count = db.session.scalar(select(func.count(LifeEvent.id)).where(LifeEvent.hall_id == hall_id))
    if count >= MAX_TOPICS:
        raise LifeEventError(f"a hall has at most {MAX_TOPICS} topics")
    topic = LifeEvent(hall_id=hall_id, slug=slug, position=count)
    _set_fields(topic, title, title_en, description, description_en, audience)
    db.session.add(topic)
    db.session.flush()
    record("life_event.create", topic, None, snapshot(topic, TOPIC_FIELDS), admin)
    return topic


def edit_topic(
    admin: User | None,
    hall_id: str,
    slug: str,
    *,
    title: str,
    title_en: str | None = None,
    description: str | None = None,
    description_en: str | None = None,
    audience: str | None = None,
) -> LifeEvent:
    """Change a topic's titles, descriptions and audience (its slug stays)."""
    _authorise(admin)
    topic = get_topic(hall_id, slug)
    before = snapshot(topic, TOPIC_FIELDS)
    _set_fields(topic, title, title_en, description, description_en, audience)
    db.session.flush()
    record("life_event.edit", topic, before, snapshot(topic, TOPIC_FIELDS), admin)
    return topic


def delete_topic(admin: User | None, hall_id: str, slug: str) -> None:
    """Delete a topic and its steps; the services themselves stay."""
    _authorise(admin)
    topic = get_topic(hall_id, slug)
    record("life_event.delete", topic, _full_snapshot(topic), None, admin)
    db.session.delete(topic)
    db.session.flush()
    _renumber(list_topics(hall_id))


def move_topic(admin: User | None, hall_id: str, slug: str, offset: int) -> LifeEvent:
    """Move a topic up (offset -1) or down (1) in the hall's list."""
    _authorise(admin)
    topic = get_topic(hall_id, slug)
    topics = list_topics(hall_id)
    before = {"order": [t.slug for t in topics]}
    _move(topics, topics.index(topic), offset)
    _renumber(topics)
    record("life_event.move", topic, before, {"order": [t.slug for t in topics]}, admin)
    return topic


def add_step(
    admin: User | None,
    hall_id: str,
    slug: str,
    *,
    item_id: int,
    note: str | None = None,
    note_en: str | None = None,
) -> LifeEventStep:
    """Append a service of the hall to a topic's steps, with an optional note."""
    _authorise(admin)
    topic = get_topic(hall_id, slug)
    item = db.session.get(Item, item_id)
    account_ids = {account.id for account in public_accounts(get_hall(hall_id))}
    if item is None or item.kind != "service" or not item.is_live:
        raise LifeEventError(f"item {item_id} is not a live service")
    if item.account_id not in account_ids:
        raise LifeEventError(f"item {item_id} is not a service of this hall")
    if any(step.item_id == item_id for step in topic.steps):
        raise LifeEventError(f"item {item_id} is already a step of this topic")
    if len(topic.steps) >= MAX_STEPS:
        raise LifeEventError(f"a topic has at most {MAX_STEPS} steps")
    before = _steps_snapshot(topic)
    step = LifeEventStep(
        item_id=item_id,
        position=len(topic.steps),
        note=_text(note, "note", _NOTE_LIMIT),
        note_en=_text(note_en, "English note", _NOTE_LIMIT),
    )
    topic.steps.append(step)
    db.session.flush()
    record("life_event.step_add", topic, before, _steps_snapshot(topic), admin)
    return step


def edit_step(
    admin: User | None,
    hall_id: str,
    slug: str,
    step_id: int,
    *,
    note: str | None = None,
    note_en: str | None = None,
) -> LifeEventStep:
    """Change the notes of one step."""
    _authorise(admin)
    topic = get_topic(hall_id, slug)
    step = _step(topic, step_id)
    before = _steps_snapshot(topic)
    step.note = _text(note, "note", _NOTE_LIMIT)
    step.note_en = _text(note_en, "English note", _NOTE_LIMIT)
    db.session.flush()
    record("life_event.step_edit", topic, before, _steps_snapshot(topic), admin)
    return step


def move_step(admin: User | None, hall_id: str, slug: str, step_id: int, offset: int) -> None:
    """Move a step up (offset -1) or down (1)."""
    _authorise(admin)
    topic = get_topic(hall_id, slug)
    steps = list(topic.steps)
    before = _steps_snapshot(topic)
    _move(steps, steps.index(_step(topic, step_id)), offset)
    _renumber(steps)
    topic.steps.sort(key=lambda step: step.position)
    record("life_event.step_move", topic, before, _steps_snapshot(topic), admin)


def remove_step(admin: User | None, hall_id: str, slug: str, step_id: int) -> None:
    """Remove a step from a topic; the service itself stays."""
    _authorise(admin)
    topic = get_topic(hall_id, slug)
    step = _step(topic, step_id)
    before = _steps_snapshot(topic)
    topic.steps.remove(step)  # delete-orphan: the row goes with the flush
    _renumber(topic.steps)
    record("life_event.step_remove", topic, before, _steps_snapshot(topic), admin)


def _authorise(admin: User | None) -> None:
    """Let administrators through; None is the command line (the demo builder)."""
    if admin is not None:
        require_admin(admin)


def _set_fields(
    topic: LifeEvent,
    title: str,
    title_en: str | None,
    description: str | None,
    description_en: str | None,
    audience: str | None,
) -> None:
    title = _text(title, "title", _LIMITS["title"])
    if not title:
        raise LifeEventError("a topic needs a title")
    audience = (audience or "").strip() or None
    if audience is not None and audience not in AUDIENCES:
        raise LifeEventError("the audience is individual, business, or empty for both")
    topic.title = title
    topic.title_en = _text(title_en, "English title", _LIMITS["title_en"])
    topic.description = _text(description, "description", _LIMITS["description"])
    topic.description_en = _text(description_en, "English description", _LIMITS["description_en"])
    topic.audience = audience


def _text(value: str | None, label: str, limit: int) -> str | None:
    """Return a stripped text (None when blank), refusing one longer than `limit`."""
    value = (value or "").strip()
    if len(value) > limit:
        raise LifeEventError(f"the {label} is longer than {limit} characters")
    return value or None


def _step(topic: LifeEvent, step_id: int) -> LifeEventStep:
    for step in topic.steps:
        if step.id == step_id:
            return step
    raise LifeEventError(f"topic {topic.slug!r} has no step {step_id}")


def _move(rows: list[Any], index: int, offset: int) -> None:
    """Move rows[index] by `offset` places, clamped to the ends of the list."""
    target = min(max(index + offset, 0), len(rows) - 1)
    rows.insert(target, rows.pop(index))


def _renumber(rows: list[Any]) -> None:
    for position, row in enumerate(rows):
        row.position = position
    db.session.flush()


def _steps_snapshot(topic: LifeEvent) -> dict[str, Any]:
    return {"steps": [{"item_id": s.item_id, "note": s.note} for s in topic.steps]}


def _full_snapshot(topic: LifeEvent) -> dict[str, Any]:
    return {**snapshot(topic, TOPIC_FIELDS), **_steps_snapshot(topic)}


@dataclass(frozen=True)
class StepRow:
    """A step as the curation page shows it, including steps citizens no longer see."""

    step: LifeEventStep
    title: str
    department_name: str
    shown: bool  # a live service of the hall's public accounts


def step_rows(hall_id: str, topic: LifeEvent) -> list[StepRow]:
    """Return a topic's steps with their services, marking those hidden from citizens."""
    account_ids = {account.id for account in public_accounts(get_hall(hall_id))}
    rows = []
    for step in topic.steps:
        item = db.session.get(Item, step.item_id)
        rows.append(
            StepRow(
                step=step,
                title=item.title if item else f"#{step.item_id}",
                department_name=item.account.department.name if item else "",
                shown=bool(item and item.is_live and item.account_id in account_ids),
            )
        )
    return rows


def find_services(hall_id: str, topic: LifeEvent, query: str, language: str) -> list[ResultRow]:
    """Search the hall's services to pick a step from, leaving out the topic's steps."""
    if not query.strip():
        return []
    params = SearchParams(q=query, kind="service", per_page=20)
    taken = {step.item_id for step in topic.steps}
    result = search_hall(get_hall(hall_id), params, language)
    return [row for row in result.rows if row.id not in taken]
