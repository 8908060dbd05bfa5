"""Citizen browse pages: departments, sectors, audiences, life events, hot services.

Views on the public blueprint, each a stable hall-scoped address. They parse the address,
call one function of hall.halls.browse and render; an unknown sector, audience or topic
is a 404 page, an odd page number shows the first page.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import Flask, abort, current_app, render_template, request
from sqlalchemy.exc import SQLAlchemyError

from hall.halls import browse, services
from hall.halls.browse import TopicNotFoundError, UnknownBrowseValueError
from hall.halls.models import Hall
from hall.i18n import current_language
from hall.public.views import _page, bp

T = TypeVar("T")


def departments(hall_id: str) -> str:
    """List the hall's departments by sector, with their service and notice counts."""
    hall = services.get_hall(hall_id)
    sectors = browse.hall_departments(hall, current_language())
    return render_template("public/browse_departments.html", hall=hall, sectors=sectors)


def sector(hall_id: str, sector: str) -> str:
    """Show a sector: its departments in the hall and a page of its services."""
    hall = services.get_hall(hall_id)
    page, page_understood = _page(request.args)
    found = _or_404(lambda: browse.sector_page(hall, sector, page, current_language()))
    return render_template(
        "public/browse_sector.html",
        hall=hall,
        found=found,
        result=found.services,
        page_understood=page_understood,
    )


def audience(hall_id: str, audience: str) -> str:
    """Show the services and life events for individuals or for businesses."""
    hall = services.get_hall(hall_id)
    page, page_understood = _page(request.args)
    language = current_language()
    result = _or_404(lambda: browse.audience_services(hall, audience, page, language))
    return render_template(
        "public/browse_audience.html",
        hall=hall,
        audience=audience,
        result=result,
        topics=browse.hall_topics(hall, language, audience),
        page_understood=page_understood,
    )


def topics(hall_id: str) -> str:
    """List the hall's life events."""
    hall = services.get_hall(hall_id)
    found = browse.hall_topics(hall, current_language())
    return render_template("public/life_events.html", hall=hall, topics=found)


def topic(hall_id: str, slug: str) -> str:
    """Show one life event: its services in the order a citizen does them."""
    hall = services.get_hall(hall_id)
    found = _or_404(lambda: browse.topic_page(hall, slug, current_language()))
    return render_template("public/life_event.html", hall=hall, found=found)


def hot(hall_id: str) -> str:
    """List the hall's most viewed services of the last weeks."""
    hall = services.get_hall(hall_id)
    rows = browse.hot_services(hall, current_language())
    return render_template(
        "public/browse_hot.html",
        hall=hall,
        rows=rows,
        days=current_app.config["HOT_SERVICES_DAYS"],
    )


def nav_hall(hall: Hall | None = None) -> Hall | None:
    """Return the hall the browse row links into: the page's, else the default, else None.

    Called by the page header on every citizen page, error pages included, so it never
    raises: a page without a hall (or a database in trouble) just shows no browse row.
    """
    if hall:
        return hall
    try:
        return services.default_hall()
    except (services.HallNotFoundError, SQLAlchemyError):
        return None


def has_endpoint(endpoint: str) -> bool:
    """Tell whether a view exists, so a link to a page another part adds is never broken."""
    return endpoint in current_app.view_functions


def _or_404(load: Callable[[], T]) -> T:
    """Return what `load` finds; an unknown sector, audience or topic is a 404 page."""
    try:
        return load()
    except (UnknownBrowseValueError, TopicNotFoundError):
        abort(404)


def _init_templates(app: Flask) -> None:
    app.jinja_env.globals.update(nav_hall=nav_hall, has_endpoint=has_endpoint)


bp.record_once(lambda state: _init_templates(state.app))
bp.add_url_rule("/halls/<hall_id>/departments", view_func=departments)
bp.add_url_rule("/halls/<hall_id>/sectors/<sector>", view_func=sector)
bp.add_url_rule("/halls/<hall_id>/audiences/<audience>", view_func=audience)
bp.add_url_rule("/halls/<hall_id>/topics", view_func=topics)
bp.add_url_rule("/halls/<hall_id>/topics/<slug>", view_func=topic)
bp.add_url_rule("/halls/<hall_id>/hot", view_func=hot)
