"""Helpers the citizen templates call: links that keep the query, labels of guide values."""

from __future__ import annotations

import re
from urllib.parse import quote, urlencode

from flask import Flask, request, url_for
from jinja2 import pass_context
from jinja2.runtime import Context

from connectors.guide import TimeLimit
from hall.catalog.models import CONTENT_TYPES, KINDS, Item
from hall.halls.services import FILTERS, http_url
from hall.i18n import current_language, translate

# Query arguments a page link may carry over; anything else in the address is dropped, so
# a crafted `?_external=1` never reaches url_for.
PAGE_ARGS = ("q", *FILTERS, "page", "tab", "verbatim", "lat", "lon", "district")

# Filter names as a page shows them (English message ids).
FILTER_TITLES = {
    "sector": "Sector",
    "department": "Department",
    "kind": "Type",
    "account": "Account",
}

# Guide values (the ServiceGuide literals) -> English message ids, translated in the page.
VALUE_LABELS: dict[str, dict[str, str]] = {
    "necessity": {"required": "Required", "optional": "Optional", "deferrable": "Deferrable"},
    "form": {"original": "Original", "copy": "Copy", "original_and_copy": "Original and copy"},
    "medium": {
        "paper": "Paper",
        "electronic": "Electronic",
        "paper_or_electronic": "Paper or electronic",
    },
    "audience": {"individual": "Individuals", "business": "Businesses"},
    "handling_type": {"on_the_spot": "On the spot", "promised": "Promised"},
    "exercise_level": {
        "national": "National",
        "province": "Province",
        "city": "City",
        "county": "County",
        "township": "Township",
        "village": "Village",
    },
}

TIME_UNITS = {
    "working_days": "%(value)s working days",
    "days": "%(value)s days",
    "hours": "%(value)s hours",
    "minutes": "%(value)s minutes",
}

_DIALLABLE = re.compile(r"^\+?[0-9][0-9 ()-]{2,30}$")


def init_app(app: Flask) -> None:
    """Register the helpers as template globals and filters."""
    app.jinja_env.globals.update(url_with=url_with, language_url=language_url)
    app.jinja_env.filters.update(
        http_url=http_url,
        tel_href=tel_href,
        time_limit=time_limit,
        value_label=value_label,
        filter_title=filter_title,
        item_type_label=item_type_label,
    )


@pass_context
def url_with(context: Context, **changes: object) -> str:
    """Return this page's URL with some arguments changed; None removes one.

    Any change other than the page starts again at page 1: a new filter has new pages.
    """
    args = _page_args(context)
    if "page" not in changes:
        args.pop("page", None)
    for name, value in changes.items():
        if value is None or value == "":
            args.pop(name, None)
        else:
            args[name] = str(value)
    return url_for(request.endpoint, **{**args, **(request.view_args or {})})


@pass_context
def language_url(context: Context, language: str) -> str:
    """Return this page's address in another language (works on error pages too)."""
    args = {**_page_args(context), "lang": language}
    return f"{request.script_root}{quote(request.path)}?{urlencode(args)}"


def this_page(context: Context) -> str:
    """Return this page's address with the arguments a link from it carries over."""
    args = _page_args(context)
    path = f"{request.script_root}{quote(request.path)}"
    return f"{path}?{urlencode(args)}" if args else path


def _page_args(context: Context) -> dict[str, str]:
    """Return the arguments a link from this page carries over.

    Filters the page ignored (the `result` it shows says which) are left behind, so the
    "ignored" notice does not follow the citizen from link to link.
    """
    ignored = getattr(context.get("result"), "ignored", {})
    return {
        name: value
        for name, value in request.args.items()
        if name in PAGE_ARGS and name not in ignored
    }


def tel_href(phone: str | None) -> str | None:
    """Return a tel: link for a plain phone number, None for anything else."""
    if not phone or not _DIALLABLE.match(phone.strip()):
        return None
    return "tel:" + re.sub(r"[^0-9+]", "", phone)


def time_limit(limit: TimeLimit | None) -> str:
    """Return a time limit as words, e.g. "20 个工作日"."""
    if limit is None:
        return ""
    return translate(TIME_UNITS.get(limit.unit, "%(value)s days"), value=limit.value)


def value_label(value: str | None, group: str) -> str:
    """Return the page-language label of a guide value; unknown values as they are."""
    if value is None:
        return ""
    message = VALUE_LABELS.get(group, {}).get(value)
    return translate(message) if message else value


def filter_title(name: str) -> str:
    """Return the page-language title of a search filter ("sector" -> "领域")."""
    return translate(FILTER_TITLES.get(name, name))


def item_type_label(item: Item) -> str:
    """Return what kind of item this is, as a page labels it ("通知公告", "办事服务")."""
    labels = CONTENT_TYPES.get(item.content_type or "") or KINDS.get(item.kind)
    zh, en = labels or (item.kind, item.kind)
    return en if current_language() == "en" else zh
