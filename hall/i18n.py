"""Page language: Chinese by default, English on request, through Flask-Babel.

Message ids are the English text. Their Chinese is in the gettext catalogue
hall/translations/zh/LC_MESSAGES/messages.po, compiled to messages.mo beside it (committed,
so an install needs no build step). To add a message: use it as `_("…")` in a template,
add the id and its Chinese to messages.po, and run `pybabel compile -d hall/translations`.
Tests check that every message a page uses is in the catalogue, that each translation
keeps its %(name)s placeholders, and that messages.mo is compiled from messages.po.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from functools import cache
from pathlib import Path

from babel.messages.pofile import read_po
from flask import Flask, Response, current_app, request
from flask_babel import Babel, gettext
from markupsafe import Markup

from hall.timestamps import as_utc

LANGUAGES = ("zh", "en")
COOKIE_NAME = "lang"
COOKIE_MAX_AGE = 365 * 24 * 3600
TRANSLATIONS = Path(__file__).parent / "translations"

# Sources are Chinese departments and citizens read their dates in China time; China has one
# zone and no daylight saving, so a fixed offset is exact and needs no tz database.
CHINA_TIME = timezone(timedelta(hours=8), "CST")

babel = Babel()


def init_app(app: Flask) -> None:
    """Give templates `_`, the page language, and remember a language chosen by ?lang=."""
    # English pages show the message ids themselves: there is no English catalogue.
    app.config.setdefault("BABEL_DEFAULT_LOCALE", "en")
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS))
    babel.init_app(app, locale_selector=current_language)
    app.jinja_env.globals.update(_=translate, current_language=current_language)
    app.jinja_env.filters["local_date"] = local_date
    app.after_request(remember_language)


def current_language() -> str:
    """Return the page language: ?lang=, else the cookie, else DEFAULT_LANGUAGE."""
    # Not cached on `g`: it is two lookups, and `g` outlives a request wherever an app
    # context was pushed around it (tests, CLI).
    chosen = request.args.get("lang") or request.cookies.get(COOKIE_NAME)
    if chosen in LANGUAGES:
        return chosen
    default = current_app.config["DEFAULT_LANGUAGE"]
    return default if default in LANGUAGES else "zh"


def translate(message: str, **values: object) -> Markup:
    """Return `message` in the page language, its %(name)s placeholders filled, escaped.

    Markup, so a value that is already markup (a macro's output) is not escaped twice and
    every other value is escaped once. The values are filled here, not by gettext, so they
    are escaped first.
    """
    text = gettext(message) if current_language() != "en" else message
    return Markup.escape(text) % values if values else Markup.escape(text)


@cache
def catalogue(language: str = "zh") -> dict[str, str]:
    """Return a catalogue's message ids and translations, as messages.po has them."""
    path = TRANSLATIONS / language / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as po:
        return {m.id: m.string for m in read_po(po) if m.id and isinstance(m.id, str)}


def remember_language(response: Response) -> Response:
    """Keep a language picked with ?lang= in a cookie; pages vary by that cookie."""
    chosen = request.args.get("lang")
    if chosen in LANGUAGES:
        response.set_cookie(
            COOKIE_NAME, chosen, max_age=COOKIE_MAX_AGE, samesite="Lax", httponly=True
        )
    response.vary.add("Cookie")
    return response


def local_date(value: datetime | None) -> str:
    """Return the date of `value` in China time as YYYY-MM-DD ('' for none)."""
    if value is None:
        return ""
    return as_utc(value).astimezone(CHINA_TIME).strftime("%Y-%m-%d")
