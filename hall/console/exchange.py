"""Console pages of the two-way exchange: the inbox, a message's thread, replies, public Q&A,
and the ratings of the department's services with their follow-up.

Views parse the form, call one function in hall.exchange.services, commit, render. The
services check that the user acts for the message's department (PermissionDeniedError
→ 403); an unknown message or rating is a 404. The URL table is at the bottom.
"""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.exceptions import NotFound
from werkzeug.wrappers import Response

from hall.catalog.models import Item
from hall.console.views import bp
from hall.directory.models import Department
from hall.exchange import services as exchange
from hall.exchange.models import MESSAGE_KINDS, RATING_LEVELS, Message
from hall.extensions import db
from hall.i18n import current_language

RATING_STATES = ("open", "handled")


def messages() -> str:
    """List the messages of the user's departments, with reply times per department."""
    status = request.args.get("status", "")
    overdue = request.args.get("overdue") == "1"
    result = exchange.inbox(current_user, status=status, overdue=overdue, page=_page_number())
    department_ids = None if current_user.is_admin else current_user.department_ids
    stats = exchange.reply_stats(department_ids, language=current_language())
    return render_template(
        "console/messages.html",
        result=result,
        status=status if status in exchange.INBOX_FILTERS else "",
        overdue=overdue,
        stats=stats,
        names={row.department_id: row.department_name for row in stats},
        kinds=MESSAGE_KINDS,
        is_overdue=exchange.is_overdue,
    )


def message(message_id: int) -> str:
    """Show a message with its thread, the reply form and the public Q&A form."""
    return _message_page(exchange.get_message_for(current_user, message_id))


def reply(message_id: int) -> Response | tuple[str, int]:
    """Send the department's reply (final or interim)."""
    body = request.form.get("body", "")
    try:
        exchange.reply_to_message(
            current_user, message_id, body=body, interim=request.form.get("interim") == "yes"
        )
    except (exchange.ExchangeError, exchange.FormError) as exc:
        return _refused(message_id, exc, reply=body)
    db.session.commit()
    flash("The reply was sent.")
    return redirect(url_for(".message", message_id=message_id))


def close_message(message_id: int) -> Response:
    """Close the message: no more replies from either side."""
    exchange.close_message(current_user, message_id)
    db.session.commit()
    flash("The message was closed.")
    return redirect(url_for(".message", message_id=message_id))


def publish(message_id: int) -> Response | tuple[str, int]:
    """Publish the message as public Q&A with the edited question and answer."""
    question = request.form.get("public_question", "")
    answer = request.form.get("public_answer", "")
    try:
        exchange.publish_message(
            current_user, message_id, public_question=question, public_answer=answer
        )
    except (exchange.ExchangeError, exchange.FormError) as exc:
        return _refused(message_id, exc, public_question=question, public_answer=answer)
    db.session.commit()
    flash("The question and answer are public.")
    return redirect(url_for(".message", message_id=message_id))


def unpublish(message_id: int) -> Response:
    """Take the message's Q&A off the public pages."""
    exchange.unpublish_message(current_user, message_id)
    db.session.commit()
    flash("The question and answer are no longer public.")
    return redirect(url_for(".message", message_id=message_id))


def ratings() -> str:
    """List the ratings of the user's departments' services, newest first, by state."""
    return _ratings_page()


def follow_up(rating_id: int) -> Response | tuple[str, int]:
    """Record a rating's follow-up (the return call); a bad rating is then handled."""
    note = request.form.get("note", "")
    try:
        exchange.follow_up_rating(current_user, rating_id, note=note)
    except exchange.FormError as exc:
        db.session.rollback()
        return _ratings_page(problem=(rating_id, exc.errors["note"], note)), 422
    db.session.commit()
    flash("The follow-up was recorded.")
    return redirect(url_for(".ratings", state=request.args.get("state") or None))


def _ratings_page(problem: tuple[int, str, str] | None = None) -> str:
    state = request.args.get("state", "")
    state = state if state in RATING_STATES else ""
    result = exchange.ratings_for(current_user, state=state or None, page=_page_number())
    return render_template(
        "console/ratings.html",
        result=result,
        state=state,
        levels=RATING_LEVELS,
        bad_levels=exchange.BAD_LEVELS,
        problem=problem,
    )


def _message_page(
    found: Message,
    *,
    typed: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    problem: str | None = None,
) -> str:
    return render_template(
        "console/message.html",
        message=found,
        department=db.session.get(Department, found.department_id),
        item=db.session.get(Item, found.item_id) if found.item_id else None,
        kind_label=MESSAGE_KINDS.get(found.kind, (found.kind, found.kind)),
        is_overdue=exchange.is_overdue,
        typed=typed or {},
        errors=errors or {},
        problem=problem,
    )


def _refused(message_id: int, exc: Exception, **typed: str) -> tuple[str, int]:
    """Show the message page again with what was typed and why it was refused."""
    db.session.rollback()
    found = exchange.get_message_for(current_user, message_id)
    if isinstance(exc, exchange.FormError):
        return _message_page(found, typed=typed, errors=exc.errors), 422
    return _message_page(found, typed=typed, problem=exc.message), 409


def _page_number() -> int:
    raw = request.args.get("page", "1").strip()
    return int(raw) if raw.isascii() and raw.isdigit() and 0 < len(raw) <= 6 else 1


def _not_found(exc: LookupError) -> Response:
    """Answer an unknown message or rating as any unknown page is answered."""
    return current_app.handle_http_exception(NotFound())


bp.register_error_handler(exchange.MessageNotFoundError, _not_found)
bp.register_error_handler(exchange.RatingNotFoundError, _not_found)
bp.add_url_rule("/messages", view_func=messages)
bp.add_url_rule("/messages/<int:message_id>", view_func=message)
bp.add_url_rule("/messages/<int:message_id>/reply", view_func=reply, methods=["POST"])
bp.add_url_rule("/messages/<int:message_id>/close", view_func=close_message, methods=["POST"])
bp.add_url_rule("/messages/<int:message_id>/publish", view_func=publish, methods=["POST"])
bp.add_url_rule("/messages/<int:message_id>/unpublish", view_func=unpublish, methods=["POST"])
bp.add_url_rule("/ratings", view_func=ratings)
bp.add_url_rule("/ratings/<int:rating_id>/follow-up", view_func=follow_up, methods=["POST"])
