"""Turn the admin pages' plain form fields into the values domain functions take."""

from __future__ import annotations

from typing import Any

from werkzeug.datastructures import MultiDict

from hall.halls.layouts import LayoutError


def checkbox(form: MultiDict[str, str], name: str) -> bool:
    """Return whether a checkbox was ticked."""
    return form.get(name) in ("1", "on", "yes", "true")


def text(form: MultiDict[str, str], name: str) -> str | None:
    """Return a stripped text field, None when blank."""
    value = form.get(name, "").strip()
    return value or None


def lines(value: str | None) -> list[str]:
    """Return the non-blank lines of a text area, stripped."""
    return [line.strip() for line in (value or "").splitlines() if line.strip()]


def section_settings(section_type: str, form: MultiDict[str, str]) -> dict[str, Any]:
    """Return a section's settings from its form; the layout service validates them."""
    if section_type == "featured_services":
        raw_ids = form.get("item_ids", "").replace(",", " ").split()
        if not all(raw.isascii() and raw.isdigit() and len(raw) <= 9 for raw in raw_ids):
            raise LayoutError("item ids are whole numbers, separated by commas or spaces")
        return {"item_ids": [int(raw) for raw in raw_ids], "count": form.get("count", "6")}
    if section_type == "latest_notices":
        return {"count": form.get("count", "8")}
    if section_type == "hot_services":
        return {"count": form.get("count", "6")}
    if section_type == "life_events":
        return {"topics": lines(form.get("topics"))}
    if section_type == "custom_links":
        links = []
        for line in lines(form.get("links")):
            title, bar, url = line.rpartition("|")
            if not bar:
                raise LayoutError(f"write each link as 'title | https://…': {line!r}")
            links.append({"title": title.strip(), "url": url.strip()})
        return {"links": links}
    return {}


def section_form_values(section: dict[str, Any]) -> dict[str, str]:
    """Return a section's settings as the text its form fields show."""
    settings = section.get("settings", {})
    return {
        "item_ids": ", ".join(str(i) for i in settings.get("item_ids", [])),
        "count": str(settings.get("count", "")),
        "topics": "\n".join(settings.get("topics", [])),
        "links": "\n".join(
            f"{link['title']} | {link['url']}" for link in settings.get("links", [])
        ),
    }
