"""Citizen pages. Views parse the address, call one function in hall.halls.services, render.

The URL table is at the bottom, read top to bottom.
"""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from hall import i18n
from hall.directory.services import public_closure_notices
from hall.halls import browse, layouts, results, services
from hall.halls.models import Hall, HallLayout
from hall.halls.services import SearchParams
from hall.i18n import current_language
from hall.public import preferences, templating
from hall.public.headers import set_security_headers
from hall.reports import search_stats

bp = Blueprint(
    "public",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/static/public",
)
# Error pages are rendered outside this blueprint, so language, helpers and headers apply
# to the whole app.
bp.record_once(lambda state: i18n.init_app(state.app))
bp.record_once(lambda state: templating.init_app(state.app))
bp.record_once(lambda state: preferences.init_app(state.app))
bp.after_app_request(set_security_headers)


def home() -> str:
    """Show the default hall."""
    return _hall_page(services.default_hall())


def hall_home(hall_id: str) -> str:
    """Show a hall: its published layout, else search box, departments, services, notices."""
    return _hall_page(services.get_hall(hall_id))


def hall_preview(hall_id: str, token: str) -> str:
    """Show a hall with its draft layout; the unguessable token is the only key."""
    hall = services.get_hall(hall_id)
    draft = layouts.preview(hall.id, token)
    return _hall_page(
        hall, draft, theme_url=url_for(".preview_theme", hall_id=hall.id, token=token)
    )


def theme(hall_id: str) -> Response:
    """Serve the stylesheet of the hall's published branding (no inline styles: the CSP)."""
    published = layouts.published_layout(services.get_hall(hall_id).id)
    return _stylesheet(layouts.theme_css(published.branding if published else {}))


def preview_theme(hall_id: str, token: str) -> Response:
    """Serve the stylesheet of a draft's branding, for its preview."""
    return _stylesheet(layouts.theme_css(layouts.preview(hall_id, token).branding))


def search_default() -> Response:
    """Send a search from a page outside any hall to the default hall."""
    hall = services.default_hall()
    args = {name: value for name, value in request.args.items() if name in templating.PAGE_ARGS}
    return redirect(url_for("public.search", hall_id=hall.id, **args))


def search(hall_id: str) -> str:
    """Show a page of search results with tabs and facets; odd input is ignored, never a 500."""
    hall = services.get_hall(hall_id)
    params, page_understood = _search_params(request.args)
    verbatim = request.args.get("verbatim") == "1"
    found = results.results_page(
        hall, params, current_language(), tab=request.args.get("tab"), verbatim=verbatim
    )
    page = render_template(
        "public/search.html",
        hall=hall,
        result=found.result,
        found=found,
        page_understood=page_understood,
    )
    # Counted once the page is drawn: the count commits, and never fails the page.
    search_stats.log_search(hall.id, found, verbatim=verbatim, user_agent=request.user_agent.string)
    return page


def item(item_id: int) -> str:
    """Show an item: a service with its full guide, or a notice with its body."""
    found = services.get_public_item(item_id)
    channels = services.linked_copies([found], current_language()).get(found.id, ())
    page = render_template(
        "public/item.html", item=found, guide=found.service_guide, channels=channels
    )
    # Counted once the page is drawn: the count commits, and never fails the page.
    browse.count_view(found, request.user_agent.string)
    return page


def department(department_id: str) -> str:
    """Show a department, its accounts and its items, newest first."""
    found = services.get_department(department_id)
    page, page_understood = _page(request.args)
    result = services.department_items(found, page, current_language())
    closures = [a for a in public_closure_notices() if a.department_id == found.id]
    return render_template(
        "public/department.html",
        department=found,
        result=result,
        page_understood=page_understood,
        closures=closures,
    )


def _hall_page(hall: Hall, layout: HallLayout | None = None, theme_url: str | None = None) -> str:
    """Render a hall with a layout (default: the published one, else the built-in page)."""
    preview = layout is not None
    layout = layout or layouts.published_layout(hall.id)
    if layout is None:
        # The built-in page is the default layout, drawn by the same section templates.
        sections, branding = layouts.default_sections(), {}
    else:
        sections, branding = layout.sections, layout.branding
        if theme_url is None and layouts.theme_css(branding):
            theme_url = url_for(".theme", hall_id=hall.id, v=layout.version)
    return render_template(
        "public/hall.html",
        hall=hall,
        sections=layouts.render_sections(hall, sections, current_language()),
        branding=branding,
        theme_url=theme_url,
        preview=preview,
    )


def _stylesheet(css: str) -> Response:
    response = Response(css, mimetype="text/css")
    response.cache_control.max_age = 300
    return response


def _search_params(args: MultiDict[str, str]) -> tuple[SearchParams, bool]:
    """Read search arguments leniently: a page wants to show something, not a 422."""
    page, page_understood = _page(args)
    filters = {name: args.get(name, "").strip() or None for name in services.FILTERS}
    return SearchParams(q=args.get("q", ""), page=page, **filters), page_understood


def _page(args: MultiDict[str, str]) -> tuple[int, bool]:
    """Return the page asked for and whether it was understood (else page 1)."""
    raw = args.get("page", "1").strip()
    # The length check first: int() of a ten-thousand-digit string raises.
    if len(raw) <= len(str(services.MAX_PAGE)) and raw.isascii() and raw.isdigit():
        page = int(raw)
        if 1 <= page <= services.MAX_PAGE:
            return page, True
    return 1, False


bp.add_url_rule("/", view_func=home)
bp.add_url_rule("/search", view_func=search_default)
bp.add_url_rule("/halls/<hall_id>/", view_func=hall_home)
bp.add_url_rule("/halls/<hall_id>/search", view_func=search)
bp.add_url_rule("/halls/<hall_id>/theme.css", view_func=theme)
bp.add_url_rule("/halls/<hall_id>/preview/<token>", view_func=hall_preview)
bp.add_url_rule("/halls/<hall_id>/preview/<token>/theme.css", view_func=preview_theme)
bp.add_url_rule("/items/<int:item_id>", view_func=item)
bp.add_url_rule("/departments/<department_id>", view_func=department)
bp.add_url_rule("/preferences/elder", endpoint="elder", view_func=preferences.switch_elder_mode)
