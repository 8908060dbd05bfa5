"""The elder-friendly mode (长辈模式): larger type, a simpler layout and higher contrast.

A visitor turns it on or off with a plain link, so it works without JavaScript; the
choice is kept in a cookie for a year, as the language choice is. Nothing else is stored.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, redirect, request, url_for
from jinja2 import pass_context
from jinja2.runtime import Context
from werkzeug.wrappers import Response

from hall.public.templating import this_page

COOKIE_NAME = "elder"
COOKIE_MAX_AGE = 365 * 24 * 3600


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(elder_mode=elder_mode, elder_toggle_url=elder_toggle_url)


def elder_mode() -> bool:
    """Tell whether the visitor asked for the elder-friendly mode."""
    return request.cookies.get(COOKIE_NAME) == "1"


@pass_context
def elder_toggle_url(context: Context) -> str:
    """Return the link that switches the mode and comes back to this page."""
    return url_for("public.elder", on="0" if elder_mode() else "1", next=this_page(context))


def switch_elder_mode() -> Response:
    """Turn the mode on (?on=1) or off (?on=0), then go back to a page of this site."""
    response = redirect(_local_path(request.args.get("next", "")) or url_for("public.home"))
    if request.args.get("on") == "1":
        response.set_cookie(COOKIE_NAME, "1", max_age=COOKIE_MAX_AGE, samesite="Lax", httponly=True)
    else:
        response.delete_cookie(COOKIE_NAME, samesite="Lax", httponly=True)
    return response


def _local_path(target: str) -> str | None:
    """Return `target` if it is a path on this site, else None (no open redirect)."""
    target = target.replace("\\", "/")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target
