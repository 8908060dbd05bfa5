"""Administrator pages that tune a hall's search: synonyms, best bets, the search report.

Views on the admin blueprint (its before_request lets administrators only). They parse
the form, call one function of hall.halls.relevance or hall.reports.search_stats, commit
and redirect with a message; input that cannot be saved re-shows the page with the reason
and status 422. Picking an item to pin is a plain search form: no script needed.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Response, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.exceptions import HTTPException, NotFound

from hall.admin.views import bp
from hall.extensions import db
from hall.halls import relevance
from hall.halls.relevance import RelevanceError, RelevanceNotFoundError
from hall.halls.services import SearchParams, get_hall, list_departments, search_hall
from hall.i18n import current_language
from hall.reports import search_stats
from hall.reports.search_stats import ContentGapError
from hall.search.query import query_key
from hall.users.models import User

# Items a best-bet search lists to pick from.
PICK_ROWS = 20


@bp.errorhandler(RelevanceNotFoundError)
def _not_found(exc: RelevanceNotFoundError) -> tuple[Response | str, int] | HTTPException:
    """Answer an unknown synonym group or best bet as any unknown page is answered."""
    return current_app.handle_http_exception(NotFound())


# Synonyms ------------------------------------------------------------------------------


def synonyms(hall_id: str, error: str | None = None, typed: str = "") -> str:
    """List a hall's synonym groups, with the forms that add, edit and switch them."""
    return render_template(
        "admin/synonyms.html",
        hall=get_hall(hall_id),
        groups=relevance.list_synonym_groups(hall_id),
        error=error,
        typed=typed,
        max_words=relevance.MAX_GROUP_WORDS,
        max_chars=relevance.MAX_WORD_CHARS,
    )


def add_synonyms(hall_id: str) -> Response | tuple[str, int]:
    """Add a synonym group."""
    words = request.form.get("words", "")
    return _save(
        lambda: relevance.add_synonym_group(_admin(), hall_id, words=words),
        "Synonym group added.",
        url_for(".synonyms", hall_id=hall_id),
        lambda reason: synonyms(hall_id, reason, words),
    )


def edit_synonyms(hall_id: str, group_id: int) -> Response | tuple[str, int]:
    """Change a synonym group's words."""
    words = request.form.get("words", "")
    return _save(
        lambda: relevance.edit_synonym_group(_admin(), hall_id, group_id, words=words),
        "Synonym group saved.",
        url_for(".synonyms", hall_id=hall_id),
        lambda reason: synonyms(hall_id, reason),
    )


def switch_synonyms(hall_id: str, group_id: int) -> Response | tuple[str, int]:
    """Switch a synonym group on or off for this hall."""
    enabled = request.form.get("enabled") == "1"
    return _save(
        lambda: relevance.set_synonym_group_enabled(_admin(), hall_id, group_id, enabled=enabled),
        "Synonym group switched on." if enabled else "Synonym group switched off.",
        url_for(".synonyms", hall_id=hall_id),
        lambda reason: synonyms(hall_id, reason),
    )


def delete_synonyms(hall_id: str, group_id: int) -> Response | tuple[str, int]:
    """Delete a synonym group."""
    return _save(
        lambda: relevance.delete_synonym_group(_admin(), hall_id, group_id),
        "Synonym group deleted.",
        url_for(".synonyms", hall_id=hall_id),
        lambda reason: synonyms(hall_id, reason),
    )


# Best bets -----------------------------------------------------------------------------


def best_bets(hall_id: str, error: str | None = None) -> str:
    """List a hall's best bets; with ?q=, search the hall for items to pin for that query."""
    hall = get_hall(hall_id)
    query = query_key(request.values.get("q", ""))
    found = []
    if query:
        params = SearchParams(q=query, per_page=PICK_ROWS)
        found = search_hall(hall, params, current_language()).rows
    bets = relevance.list_best_bets(hall.id)
    return render_template(
        "admin/best_bets.html",
        hall=hall,
        query=query,
        found=found,
        bets=bets,
        items=relevance.pinned_items([bet for group in bets.values() for bet in group]),
        pinned_here={bet.item_id for bet in bets.get(query, [])},
        error=error,
    )


def pin(hall_id: str) -> Response | tuple[str, int]:
    """Pin an item for a query."""
    query = request.form.get("q", "")
    raw = request.form.get("item_id", "").strip()
    # A database integer, or 0 (no item), which pin_item refuses with a reason.
    item_id = int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 9 else 0
    return _save(
        lambda: relevance.pin_item(_admin(), hall_id, query=query, item_id=item_id),
        "Item pinned.",
        url_for(".best_bets", hall_id=hall_id, q=query_key(query)),
        lambda reason: best_bets(hall_id, reason),
    )


def move_bet(hall_id: str, bet_id: int) -> Response | tuple[str, int]:
    """Move a best bet up or down among its query's."""
    offset = -1 if request.form.get("offset") == "-1" else 1
    return _save(
        lambda: relevance.move_best_bet(_admin(), hall_id, bet_id, offset=offset),
        "Order saved.",
        url_for(".best_bets", hall_id=hall_id),
        lambda reason: best_bets(hall_id, reason),
    )


def unpin(hall_id: str, bet_id: int) -> Response | tuple[str, int]:
    """Remove a best bet."""
    return _save(
        lambda: relevance.unpin_item(_admin(), hall_id, bet_id),
        "Item unpinned.",
        url_for(".best_bets", hall_id=hall_id),
        lambda reason: best_bets(hall_id, reason),
    )


# Search report and content gaps ---------------------------------------------------------


def search_report(hall_id: str, error: str | None = None) -> str:
    """Show a hall's top and zero-result queries over 7, 30 or 90 days, and its gaps."""
    report = search_stats.search_report(_admin(), hall_id, _days())
    return render_template(
        "admin/search_report.html",
        report=report,
        hall=report.hall,
        periods=search_stats.REPORT_PERIODS,
        departments=search_stats.hall_departments(report.hall),
        department_names={d.id: d.name for d in list_departments()},
        gaps=search_stats.hall_gaps(_admin(), hall_id),
        error=error,
    )


def search_report_csv(hall_id: str) -> Response:
    """Download every query of the period with its counts, as CSV."""
    days = _days()
    body = search_stats.report_csv_bytes(_admin(), hall_id, days)
    response = Response(body, mimetype="text/csv")
    filename = f"search-{get_hall(hall_id).id}-{days}d.csv"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def route_gap(hall_id: str) -> Response | tuple[str, int]:
    """Route a zero-result query to a department as a content gap."""
    return _save(
        lambda: search_stats.route_gap(
            _admin(),
            hall_id,
            query=request.form.get("query", ""),
            department_id=request.form.get("department_id", ""),
            note=request.form.get("note"),
        ),
        "The query was routed to the department.",
        url_for(".search_report", hall_id=hall_id, days=_days()),
        lambda reason: search_report(hall_id, reason),
    )


def _days() -> int:
    days = request.values.get("days", type=int)
    return days if days in search_stats.REPORT_PERIODS else search_stats.REPORT_PERIODS[0]


def _admin() -> User:
    return current_user._get_current_object()


def _save(
    action: Callable[[], object],
    done: str,
    back: str,
    again: Callable[[str], str],
) -> Response | tuple[str, int]:
    """Run one domain function; commit and go back, or roll back and re-show the page."""
    try:
        action()
    except (RelevanceError, ContentGapError) as exc:
        db.session.rollback()
        return again(str(exc)), 422
    db.session.commit()
    flash(done, "ok")
    return redirect(back)


bp.add_url_rule("/halls/<hall_id>/synonyms", view_func=synonyms)
bp.add_url_rule("/halls/<hall_id>/synonyms", view_func=add_synonyms, methods=["POST"])
bp.add_url_rule(
    "/halls/<hall_id>/synonyms/<int:group_id>", view_func=edit_synonyms, methods=["POST"]
)
bp.add_url_rule(
    "/halls/<hall_id>/synonyms/<int:group_id>/enabled",
    view_func=switch_synonyms,
    methods=["POST"],
)
bp.add_url_rule(
    "/halls/<hall_id>/synonyms/<int:group_id>/delete",
    view_func=delete_synonyms,
    methods=["POST"],
)
bp.add_url_rule("/halls/<hall_id>/best-bets", view_func=best_bets)
bp.add_url_rule("/halls/<hall_id>/best-bets", view_func=pin, methods=["POST"])
bp.add_url_rule(
    "/halls/<hall_id>/best-bets/<int:bet_id>/move", view_func=move_bet, methods=["POST"]
)
bp.add_url_rule("/halls/<hall_id>/best-bets/<int:bet_id>/delete", view_func=unpin, methods=["POST"])
bp.add_url_rule("/halls/<hall_id>/search-report", view_func=search_report)
bp.add_url_rule("/halls/<hall_id>/search-report.csv", view_func=search_report_csv)
bp.add_url_rule("/halls/<hall_id>/gaps", view_func=route_gap, methods=["POST"])
