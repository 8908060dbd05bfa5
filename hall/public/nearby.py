"""The "near me" page: a hall's service points, nearest first or by district.

The position comes from the address (?lat=&lon=), typed or filled by nearby.js after the
citizen pressed "Use my location"; the script rounds it to 3 decimals (about 100 m)
first. Nothing here stores or logs it: the app logs paths, never query strings.
"""

from __future__ import annotations

from flask import render_template, request

from hall.directory import points
from hall.halls import services
from hall.i18n import current_language
from hall.public.views import bp

# The longest district name a point can have (ServicePoint.district).
MAX_DISTRICT = 100


def nearby(hall_id: str) -> tuple[str, int]:
    """Show the hall's service points near a position, or in a district, or the choice."""
    hall = services.get_hall(hall_id)
    language = current_language()
    district = request.args.get("district", "").strip()[:MAX_DISTRICT] or None
    status, problem, origin = 200, None, None
    try:
        origin = points.parse_coordinates(request.args.get("lat"), request.args.get("lon"))
        result = points.nearby_places(hall, origin=origin, district=district, language=language)
    except points.CoordinatesError as exc:
        status, problem = 400, str(exc)
    except points.UnknownDistrictError:
        status, problem = 404, points.UNKNOWN_DISTRICT
    if status != 200:  # the choice again, with the reason
        origin = district = None
        result = points.nearby_places(hall, language=language)
    page = render_template(
        "public/nearby.html",
        hall=hall,
        result=result,
        origin=origin,
        district=district,
        listing=origin is not None or district is not None,
        problem=problem,
        typed={name: request.args.get(name, "")[:40] for name in ("lat", "lon")},
    )
    return page, status


bp.add_url_rule("/halls/<hall_id>/nearby", view_func=nearby)
