"""Citizen pages of the two-way exchange: send a message, follow it, read Q&A, rate a service.

Views parse the form, call one function in hall.exchange.services, commit, render. A
refused form comes back with what was typed and the reason (400, 422 or 429), never lost.
Pages that hold a follow token are not cached and send no referrer.
The URL table is at the bottom.
"""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, make_response, redirect, render_template, request, url_for
from werkzeug.exceptions import NotFound
from werkzeug.wrappers import Response

from hall.catalog.models import Item
from hall.exchange import guard
from hall.exchange import services as exchange
from hall.exchange.models import MESSAGE_KINDS, RATING_LEVELS
from hall.extensions import db
from hall.halls import services as halls
from hall.halls.models import Hall
from hall.i18n import current_language
from hall.public.views import _page, bp
from hall.timestamps import utcnow

MESSAGE_FIELDS = ("kind", "department", "item", "subject", "body", "sender_name", "sender_contact")
RATING_FIELDS = ("level", "comment", "sender_contact")


def new_message(hall_id: str) -> str | tuple[str, int] | Response:
    """Show the message form (a department preselected from ?item= or ?department=), or send it."""
    hall = halls.get_hall(hall_id)
    if request.method == "GET":
        return _message_form(hall, _prefill(hall))
    values: dict[str, Any] = {name: request.form.get(name, "") for name in MESSAGE_FIELDS}
    values["publish_consent"] = request.form.get("publish_consent") == "yes"
    try:
        sent = exchange.send_message(
            hall=hall,
            department_id=values["department"],
            kind=values["kind"],
            subject=values["subject"],
            body=values["body"],
            item_id=_public_item_id(values["item"]),
            sender_name=values["sender_name"],
            sender_contact=values["sender_contact"],
            publish_consent=values["publish_consent"],
            language=current_language(),
            submitted=_submitted(),
        )
    except guard.RejectedError as exc:
        db.session.rollback()
        return _message_form(hall, values, problem=exc), exc.status
    except exchange.FormError as exc:
        db.session.rollback()
        return _message_form(hall, values, errors=exc.errors), 422
    db.session.commit()
    follow_url = url_for(".follow_message", token=sent.token, _external=True)
    page = render_template("public/message_sent.html", hall=hall, sent=sent, follow_url=follow_url)
    return _private(make_response(page))


def follow_message(token: str) -> Response:
    """Show a message's status and thread to whoever holds its private link."""
    return _private(make_response(_message_page(exchange.message_by_token(token))))


def reply_message(token: str) -> Response | tuple[Response, int]:
    """Add the citizen's follow-up reply to the thread."""
    try:
        exchange.add_citizen_reply(
            token=token, body=request.form.get("body", ""), submitted=_submitted()
        )
    except exchange.FormError as exc:
        return _reply_refused(token, 422, errors=exc.errors)
    except guard.RejectedError as exc:
        return _reply_refused(token, exc.status, problem=exc)
    except exchange.ExchangeError as exc:
        return _reply_refused(token, 409, problem=exc)
    db.session.commit()
    return _private(redirect(url_for(".follow_message", token=token, _anchor="thread")))


def close_message(token: str) -> Response:
    """Close the message at its sender's request."""
    exchange.close_by_citizen(token=token)
    db.session.commit()
    return _private(redirect(url_for(".follow_message", token=token)))


def hall_questions(hall_id: str) -> str:
    """List the published Q&A of the hall's departments, newest first, optionally by words."""
    hall = halls.get_hall(hall_id)
    text = request.args.get("q", "")
    result = exchange.search_answers(hall.id, text, current_language(), page=_page(request.args)[0])
    return render_template("public/message_questions.html", hall=hall, result=result, q=text)


def question(message_id: int) -> str:
    """Show one published question and its answer."""
    message = exchange.get_answer(message_id)
    department = halls.get_department(message.department_id)
    return render_template("public/message_question.html", message=message, department=department)


def rate(item_id: int) -> Response | tuple[str, int]:
    """Store a rating of a service, then thank the citizen; a refused form comes back."""
    item = halls.get_public_item(item_id)
    if item.kind != "service":
        abort(404)  # services are rated; notices are not
    values = {name: request.form.get(name, "") for name in RATING_FIELDS}
    level = int(values["level"]) if values["level"] in ("1", "2", "3", "4", "5") else None
    try:
        exchange.rate_item(
            item=item,
            level=level,
            comment=values["comment"],
            sender_contact=values["sender_contact"],
            submitted=_submitted(),
        )
    except guard.RejectedError as exc:
        db.session.rollback()
        return _rate_page(item, values, problem=exc), exc.status
    except exchange.FormError as exc:
        db.session.rollback()
        return _rate_page(item, values, errors=exc.errors), 422
    db.session.commit()
    return redirect(url_for(".rated", item_id=item.id))


def rated(item_id: int) -> str:
    """Thank the citizen for a rating."""
    item = halls.get_public_item(item_id)
    return render_template("public/rate_thanks.html", item=item)


# Helpers --------------------------------------------------------------------------------


def _prefill(hall: Hall) -> dict[str, Any]:
    """Return the form's first values: a department from ?department=, else the item's."""
    item_id = _public_item_id(request.args.get("item", ""))
    department = request.args.get("department", "")
    if department not in exchange.hall_department_ids(hall) and item_id is not None:
        department = db.session.get(Item, item_id).account.department_id
    return {"kind": "question", "department": department, "item": item_id or ""}


def _message_form(
    hall: Hall,
    values: dict[str, Any],
    *,
    problem: guard.RejectedError | None = None,
    errors: dict[str, str] | None = None,
) -> str:
    item_id = _public_item_id(str(values.get("item", "")))
    return render_template(
        "public/message_form.html",
        hall=hall,
        departments=exchange.hall_departments(hall),
        kinds=MESSAGE_KINDS,
        item=db.session.get(Item, item_id) if item_id is not None else None,
        values=values,
        errors=errors or {},
        problem=problem,
        due_days=exchange.REPLY_WORKING_DAYS,
    )


def _message_page(
    message, *, reply: str = "", problem: Exception | None = None, errors: dict | None = None
) -> str:
    return render_template(
        "public/message.html",
        message=message,
        department=halls.get_department(message.department_id),
        item=db.session.get(Item, message.item_id) if message.item_id else None,
        kind_label=MESSAGE_KINDS.get(message.kind, (message.kind, message.kind)),
        overdue=exchange.is_overdue(message),
        token=request.view_args["token"],
        reply=reply,
        problem=problem,
        errors=errors or {},
    )


def _reply_refused(token: str, status: int, **refusal: Any) -> tuple[Response, int]:
    """Show the thread again with the reply as typed and why it was refused."""
    db.session.rollback()
    message = exchange.message_by_token(token)
    page = _message_page(message, reply=request.form.get("body", ""), **refusal)
    return _private(make_response(page)), status


def _rate_page(
    item: Item,
    values: dict[str, str],
    *,
    problem: guard.RejectedError | None = None,
    errors: dict[str, str] | None = None,
) -> str:
    return render_template(
        "public/rate.html", item=item, values=values, errors=errors or {}, problem=problem
    )


def _public_item_id(raw: str) -> int | None:
    """Return the id of a public, live item, None for anything else (the form is lenient)."""
    raw = raw.strip()
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 9):  # a database integer
        return None
    try:
        return halls.get_public_item(int(raw)).id
    except (halls.ItemNotFoundError, halls.ItemGoneError):
        return None


def _submitted() -> guard.Submitted:
    return guard.Submitted(
        honeypot=request.form.get(guard.HONEYPOT_FIELD, ""),
        stamp=request.form.get(guard.STAMP_FIELD, ""),
        remote_addr=request.remote_addr or "",
    )


def _private(response: Response) -> Response:
    """Keep a page holding a follow token out of caches, referrers and search engines."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


def _message_form_url(item: Item) -> str | None:
    """Return the address of the message form about an item, None if no hall shows it."""
    hall = exchange.message_hall_for(item)
    if hall is None:
        return None
    return url_for("public.new_message", hall_id=hall.id, item=item.id)


def _template_globals() -> dict[str, Any]:
    """Helpers item.html and department.html call through the templates this module owns."""
    return {
        "exchange_form_stamp": lambda: guard.form_stamp(utcnow()),
        "exchange_rating_summary": exchange.rating_summary,
        "exchange_message_form_url": _message_form_url,
        "exchange_department_answers": lambda department_id: exchange.department_answers(
            department_id, current_language()
        ),
        "exchange_rating_levels": RATING_LEVELS,
    }


def _not_found(exc: exchange.MessageNotFoundError) -> Response:
    """Answer an unknown follow token or an unpublished question as any unknown page."""
    return current_app.handle_http_exception(NotFound())


bp.record_once(lambda state: state.app.jinja_env.globals.update(_template_globals()))
bp.register_error_handler(exchange.MessageNotFoundError, _not_found)
bp.add_url_rule("/halls/<hall_id>/messages/new", view_func=new_message, methods=["GET", "POST"])
bp.add_url_rule("/messages/<token>", view_func=follow_message)
bp.add_url_rule("/messages/<token>/replies", view_func=reply_message, methods=["POST"])
bp.add_url_rule("/messages/<token>/close", view_func=close_message, methods=["POST"])
bp.add_url_rule("/halls/<hall_id>/questions", view_func=hall_questions)
bp.add_url_rule("/questions/<int:message_id>", view_func=question)
bp.add_url_rule("/items/<int:item_id>/ratings", view_func=rate, methods=["POST"])
bp.add_url_rule("/items/<int:item_id>/ratings/thanks", view_func=rated)
