"""Content gaps in the department console: queries citizens found nothing for, routed here.

Views on the console blueprint (its before_request needs a signed-in user). An operator
sees the gaps of their own departments only; resolving one checks the department again
in hall.reports.search_stats (PermissionDeniedError → 403).
"""

from __future__ import annotations

from flask import Response, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.exceptions import HTTPException, NotFound

from hall.console.views import bp
from hall.extensions import db
from hall.halls.services import list_departments, list_halls
from hall.reports import search_stats
from hall.reports.models import CONTENT_GAP_STATUSES
from hall.reports.search_stats import ContentGapError, ContentGapNotFoundError


@bp.errorhandler(ContentGapNotFoundError)
def _gap_not_found(exc: ContentGapNotFoundError) -> tuple[Response | str, int] | HTTPException:
    """Answer an unknown gap as any unknown page is answered."""
    return current_app.handle_http_exception(NotFound())


def gaps(error: str | None = None) -> str:
    """List the content gaps of the user's departments: open ones, or ?status=answered…"""
    status = request.args.get("status", "open")
    if status not in CONTENT_GAP_STATUSES:
        status = "open"
    return render_template(
        "console/gaps.html",
        gaps=search_stats.gaps_for(current_user, status),
        status=status,
        statuses=CONTENT_GAP_STATUSES,
        hall_titles={hall.id: hall.title for hall in list_halls()},
        department_names={d.id: d.name for d in list_departments()},
        error=error,
    )


def resolve(gap_id: int) -> Response | tuple[str, int]:
    """Mark a gap answered (with what was published) or dismissed."""
    status = request.form.get("status", "")
    try:
        search_stats.resolve_gap(
            current_user, gap_id, status=status, resolution=request.form.get("resolution")
        )
    except ContentGapError as exc:
        db.session.rollback()
        return gaps(str(exc)), 422
    db.session.commit()
    flash("The gap was marked answered." if status == "answered" else "The gap was dismissed.")
    return redirect(url_for(".gaps"))


bp.add_url_rule("/gaps", view_func=gaps)
bp.add_url_rule("/gaps/<int:gap_id>/resolve", view_func=resolve, methods=["POST"])
