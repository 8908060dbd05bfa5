"""Administrator pages that curate a hall's life events (topics) and their steps.

Views on the admin blueprint (its before_request lets administrators only). They parse
the form, call one function of hall.halls.life_events, commit, and redirect with a
message; a refusal is shown as a message on the page it came from. Picking a service is a
plain search form: no script needed.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from hall.admin import forms
from hall.admin.views import bp
from hall.extensions import db
from hall.halls import life_events
from hall.halls.browse import AUDIENCES, TopicNotFoundError
from hall.halls.life_events import LifeEventError
from hall.halls.models import LifeEvent
from hall.halls.services import get_hall
from hall.i18n import current_language
from hall.users.models import User

TOPIC_FORM_FIELDS = ("title", "title_en", "description", "description_en", "audience")


def topics(hall_id: str) -> str:
    """List a hall's topics, with the form that creates one."""
    return render_template(
        "admin/life_events.html",
        hall=get_hall(hall_id),
        topics=life_events.list_topics(hall_id),
        audiences=AUDIENCES,
    )


def create_topic(hall_id: str) -> Response:
    """Create a topic and go to its page, where steps are added."""
    slug = request.form.get("slug", "").strip().lower()
    return _act(
        lambda: life_events.create_topic(_admin(), hall_id, slug=slug, **_topic_fields()),
        "Topic created.",
        url_for(".topics", hall_id=hall_id),
        done_url=lambda: url_for(".topic", hall_id=hall_id, slug=slug),
    )


def topic(hall_id: str, slug: str) -> str:
    """Show a topic's fields and steps, and the search that picks services to add."""
    hall = get_hall(hall_id)
    found = _topic_or_404(hall_id, slug)
    query = request.args.get("q", "").strip()[:200]
    return render_template(
        "admin/life_event.html",
        hall=hall,
        topic=found,
        steps=life_events.step_rows(hall_id, found),
        query=query,
        choices=life_events.find_services(hall_id, found, query, current_language()),
        audiences=AUDIENCES,
    )


def edit_topic(hall_id: str, slug: str) -> Response:
    """Save a topic's titles, descriptions and audience."""
    return _act(
        lambda: life_events.edit_topic(_admin(), hall_id, slug, **_topic_fields()),
        "Topic saved.",
        url_for(".topic", hall_id=hall_id, slug=slug),
    )


def delete_topic(hall_id: str, slug: str) -> Response:
    """Delete a topic and its steps."""
    return _act(
        lambda: life_events.delete_topic(_admin(), hall_id, slug),
        "Topic deleted.",
        url_for(".topic", hall_id=hall_id, slug=slug),
        done_url=lambda: url_for(".topics", hall_id=hall_id),
    )


def move_topic(hall_id: str, slug: str) -> Response:
    """Move a topic up or down the hall's list."""
    return _act(
        lambda: life_events.move_topic(_admin(), hall_id, slug, _offset()),
        "Topic moved.",
        url_for(".topics", hall_id=hall_id),
    )


def add_step(hall_id: str, slug: str) -> Response:
    """Append a service to a topic's steps."""
    return _act(
        lambda: life_events.add_step(
            _admin(),
            hall_id,
            slug,
            item_id=_item_id(),
            note=forms.text(request.form, "note"),
            note_en=forms.text(request.form, "note_en"),
        ),
        "Step added.",
        url_for(".topic", hall_id=hall_id, slug=slug),
    )


def edit_step(hall_id: str, slug: str, step_id: int) -> Response:
    """Save a step's notes."""
    return _act(
        lambda: life_events.edit_step(
            _admin(),
            hall_id,
            slug,
            step_id,
            note=forms.text(request.form, "note"),
            note_en=forms.text(request.form, "note_en"),
        ),
        "Step saved.",
        url_for(".topic", hall_id=hall_id, slug=slug),
    )


def move_step(hall_id: str, slug: str, step_id: int) -> Response:
    """Move a step up or down."""
    return _act(
        lambda: life_events.move_step(_admin(), hall_id, slug, step_id, _offset()),
        "Step moved.",
        url_for(".topic", hall_id=hall_id, slug=slug),
    )


def remove_step(hall_id: str, slug: str, step_id: int) -> Response:
    """Remove a step from a topic."""
    return _act(
        lambda: life_events.remove_step(_admin(), hall_id, slug, step_id),
        "Step removed.",
        url_for(".topic", hall_id=hall_id, slug=slug),
    )


def _admin() -> User:
    return current_user._get_current_object()


def _topic_or_404(hall_id: str, slug: str) -> LifeEvent:
    try:
        return life_events.get_topic(hall_id, slug)
    except TopicNotFoundError:
        abort(404)


def _topic_fields() -> dict[str, str | None]:
    fields = {name: forms.text(request.form, name) for name in TOPIC_FORM_FIELDS}
    fields["title"] = fields["title"] or ""
    return fields


def _offset() -> int:
    return -1 if request.form.get("offset") == "-1" else 1


def _item_id() -> int:
    raw = request.form.get("item_id", "").strip()
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 9):  # a database integer
        raise LifeEventError("the item id is a whole number")
    return int(raw)


def _act(
    action: Callable[[], object],
    done: str,
    back: str,
    done_url: Callable[[], str] | None = None,
) -> Response:
    """Run one domain function; commit and say so, or roll back and show why.

    An unknown topic is a 404, as a mistyped address is; anything else refused is a
    message the administrator can act on.
    """
    try:
        action()
    except TopicNotFoundError:
        db.session.rollback()
        abort(404)
    except LifeEventError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(back)
    db.session.commit()
    flash(done, "ok")
    return redirect(done_url() if done_url else back)


_TOPIC = "/halls/<hall_id>/topics/<slug>"
bp.add_url_rule("/halls/<hall_id>/topics", view_func=topics)
bp.add_url_rule("/halls/<hall_id>/topics", view_func=create_topic, methods=["POST"])
bp.add_url_rule(_TOPIC, view_func=topic)
bp.add_url_rule(_TOPIC, view_func=edit_topic, methods=["POST"])
bp.add_url_rule(f"{_TOPIC}/delete", view_func=delete_topic, methods=["POST"])
bp.add_url_rule(f"{_TOPIC}/move", view_func=move_topic, methods=["POST"])
bp.add_url_rule(f"{_TOPIC}/steps", view_func=add_step, methods=["POST"])
bp.add_url_rule(f"{_TOPIC}/steps/<int:step_id>", view_func=edit_step, methods=["POST"])
bp.add_url_rule(f"{_TOPIC}/steps/<int:step_id>/move", view_func=move_step, methods=["POST"])
bp.add_url_rule(f"{_TOPIC}/steps/<int:step_id>/remove", view_func=remove_step, methods=["POST"])
