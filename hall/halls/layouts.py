"""Versioned hall layouts: edit a draft, preview it privately, publish, roll back.

    edit_draft ──► draft ──publish──► published ──(next publish or rollback)──► archived
                     ▲                                                            │
                     └──── created from the published version when none exists   │
    rollback(version) ──► a copy of that version's sections and branding, published at once

Sections and branding are validated with pydantic before they are stored, so whatever a
page renders was checked once, here. Every change is audited; nothing here commits.

Colours reach the page without inline styles (the Content-Security-Policy forbids them):
`theme_css` turns the validated #RRGGBB colour into a tiny stylesheet that the public
pages link to (/halls/<id>/theme.css). Logos are data: images (PNG, JPEG, GIF, WebP) or
site paths, because the policy's img-src admits only 'self' and data: URLs; an http(s)
logo would be blocked by every browser, so it is refused here with a reason.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy import func, select

from hall.audit.services import record, snapshot
from hall.catalog.models import Item
from hall.extensions import db
from hall.halls import browse
from hall.halls.browse import TopicLink
from hall.halls.models import Hall, HallLayout
from hall.halls.services import (
    ResultRow,
    SearchParams,
    SectorGroup,
    get_hall,
    http_url,
    public_accounts,
    rows_for_items,
    search_hall,
    sector_groups,
)
from hall.timestamps import utcnow
from hall.users.models import User
from hall.users.services import require_admin

SECTION_TYPES = (
    "search_box",
    "featured_services",
    "departments_by_sector",
    "life_events",
    "latest_notices",
    "custom_links",
    "hot_services",
)
MAX_SECTIONS = 20
MAX_LOGO_CHARS = 200_000  # a data: URL is stored in the row; keep it small
LAYOUT_FIELDS = ("version", "status", "sections", "branding", "published_at")
_COLOUR = r"^#[0-9a-fA-F]{6}$"
_DATA_IMAGE = re.compile(r"^data:image/(png|jpeg|gif|webp);base64,[A-Za-z0-9+/=]+$")


class LayoutError(Exception):
    """A layout cannot be stored or changed as asked; `problems` says where."""

    def __init__(self, message: str, problems: list[str] | None = None):
        self.problems = problems or [message]
        super().__init__(message if problems is None else f"{message}: " + "; ".join(problems))


class LayoutNotFoundError(LookupError):
    """No layout version (or preview token) matches."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class NoSettings(_Strict):
    """A section that takes no settings."""


class FeaturedServicesSettings(_Strict):
    """Pinned services in this order, else the `count` newest services of the hall."""

    item_ids: list[Annotated[int, Field(ge=1)]] = Field(default_factory=list, max_length=24)
    count: int = Field(6, ge=1, le=24)


class LatestNoticesSettings(_Strict):
    """The `count` newest notices of the hall."""

    count: int = Field(8, ge=1, le=30)


class HotServicesSettings(_Strict):
    """The `count` most viewed services of the hall lately (hall/halls/browse.py)."""

    count: int = Field(6, ge=1, le=24)


class LifeEventsSettings(_Strict):
    """Topics by slug or title, each a link to its topic page; none: every topic.

    A name no topic has links to a search of the hall for it.
    """

    topics: list[Annotated[str, Field(min_length=1, max_length=40)]] = Field(
        default_factory=list, max_length=30
    )


class Link(_Strict):
    """One custom link: a title and an absolute http(s) address."""

    title: str = Field(min_length=1, max_length=100)
    url: str = Field(max_length=2000)

    @field_validator("url")
    @classmethod
    def _http_only(cls, value: str) -> str:
        if http_url(value) is None:
            raise ValueError("must be an absolute http:// or https:// address")
        return value


class CustomLinksSettings(_Strict):
    """A list of links to other sites."""

    links: list[Link] = Field(default_factory=list, max_length=20)


class _Section(_Strict):
    """One section of the home page, rendered in list order."""


class SearchBoxSection(_Section):
    type: Literal["search_box"]
    settings: NoSettings = Field(default_factory=NoSettings)


class FeaturedServicesSection(_Section):
    type: Literal["featured_services"]
    settings: FeaturedServicesSettings = Field(default_factory=FeaturedServicesSettings)


class DepartmentsBySectorSection(_Section):
    type: Literal["departments_by_sector"]
    settings: NoSettings = Field(default_factory=NoSettings)


class LifeEventsSection(_Section):
    type: Literal["life_events"]
    settings: LifeEventsSettings = Field(default_factory=LifeEventsSettings)


class LatestNoticesSection(_Section):
    type: Literal["latest_notices"]
    settings: LatestNoticesSettings = Field(default_factory=LatestNoticesSettings)


class HotServicesSection(_Section):
    type: Literal["hot_services"]
    settings: HotServicesSettings = Field(default_factory=HotServicesSettings)


class CustomLinksSection(_Section):
    type: Literal["custom_links"]
    settings: CustomLinksSettings = Field(default_factory=CustomLinksSettings)


Section = Annotated[
    SearchBoxSection
    | FeaturedServicesSection
    | DepartmentsBySectorSection
    | LifeEventsSection
    | LatestNoticesSection
    | CustomLinksSection
    | HotServicesSection,
    Field(discriminator="type"),
]


class Branding(_Strict):
    """A hall's title override, logo and primary colour; every field optional."""

    title: str | None = Field(None, max_length=200)
    logo_url: str | None = Field(None, max_length=MAX_LOGO_CHARS)
    primary_colour: str | None = Field(None, pattern=_COLOUR)

    @field_validator("title", "logo_url", "primary_colour", mode="before")
    @classmethod
    def _blank_is_none(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("logo_url")
    @classmethod
    def _displayable(cls, value: str | None) -> str | None:
        if value is None:
            return None
        site_path = value.startswith("/") and not value.startswith("//") and "\\" not in value
        if not (site_path or _DATA_IMAGE.match(value)):
            raise ValueError(
                "must be a data:image/png, jpeg, gif or webp;base64 URL or a path on this "
                "site (the page's security policy blocks images from other sites)"
            )
        return value


class LayoutContent(_Strict):
    """What a layout version holds: sections in order and branding."""

    sections: list[Section] = Field(default_factory=list, max_length=MAX_SECTIONS)
    branding: Branding = Field(default_factory=Branding)


def validate_layout(sections: Any, branding: Any) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Return sections and branding checked and normalised; raise LayoutError listing problems."""
    try:
        content = LayoutContent.model_validate({"sections": sections, "branding": branding})
    except ValidationError as exc:
        problems = [
            "/".join(str(part) for part in error["loc"]) + ": " + error["msg"]
            for error in exc.errors()
        ]
        raise LayoutError("the layout is not valid", problems) from None
    dumped = content.model_dump(exclude_none=True)
    return dumped["sections"], dumped["branding"]


def default_sections() -> list[dict[str, Any]]:
    """Return the sections of the built-in home page, as a first draft starts with."""
    return [
        {"type": "featured_services", "settings": {"item_ids": [], "count": 6}},
        {"type": "hot_services", "settings": {"count": 6}},
        {"type": "latest_notices", "settings": {"count": 8}},
        {"type": "departments_by_sector", "settings": {}},
    ]


def new_section(section_type: str) -> dict[str, Any]:
    """Return a section of this type with default settings; LayoutError if unknown."""
    if section_type not in SECTION_TYPES:
        raise LayoutError(f"unknown section type {section_type!r}")
    sections, _ = validate_layout([{"type": section_type}], {})
    return sections[0]


def moved(sections: list[dict[str, Any]], index: int, offset: int) -> list[dict[str, Any]]:
    """Return the sections with the one at `index` moved by `offset` (clamped to the ends)."""
    _check_index(sections, index)
    result = list(sections)
    target = min(max(index + offset, 0), len(result) - 1)
    result.insert(target, result.pop(index))
    return result


def without(sections: list[dict[str, Any]], index: int) -> list[dict[str, Any]]:
    """Return the sections without the one at `index`."""
    _check_index(sections, index)
    return sections[:index] + sections[index + 1 :]


def with_settings(
    sections: list[dict[str, Any]], index: int, settings: dict[str, Any]
) -> list[dict[str, Any]]:
    """Return the sections with new settings for the one at `index`."""
    _check_index(sections, index)
    result = list(sections)
    result[index] = {"type": sections[index]["type"], "settings": settings}
    return result


# Featured services, chosen by searching the hall --------------------------------------

MAX_FEATURED = 24
FEATURED_SEARCH_RESULTS = 10


@dataclass(frozen=True)
class FeaturedChoice:
    """A pinned service of a featured-services section, with its row while the hall shows it."""

    item_id: int
    row: ResultRow | None  # None: withdrawn, or its account left the hall


def featured_choices(
    hall: Hall, sections: list[dict[str, Any]], language: str
) -> dict[int, list[FeaturedChoice]]:
    """Return each featured-services section's pinned services (by section index), in order."""
    account_ids = frozenset(account.id for account in public_accounts(hall))
    choices = {}
    for index, section in enumerate(sections):
        if section["type"] == "featured_services":
            pinned = section.get("settings", {}).get("item_ids") or []
            rows = {row.id: row for row in rows_for_items(pinned, language, account_ids)}
            choices[index] = [FeaturedChoice(item_id, rows.get(item_id)) for item_id in pinned]
    return choices


def find_featurable(hall: Hall, query: str, language: str) -> list[ResultRow]:
    """Return the hall's services matching `query`, best first, as citizens would find them.

    The hall's own search answers (synonyms, pinyin, its accounts only), so what an
    administrator can pin is what the hall page can show.
    """
    if not query.strip():
        return []
    params = SearchParams(q=query, kind="service", per_page=FEATURED_SEARCH_RESULTS)
    return search_hall(hall, params, language).rows


def with_featured(
    hall_id: str, sections: list[dict[str, Any]], index: int, item_id: int | None
) -> list[dict[str, Any]]:
    """Return the sections with a service of the hall pinned last in section `index`."""
    settings = _featured_settings(sections, index)
    pinned = settings["item_ids"]
    if item_id is None:
        raise LayoutError("choose a service to feature")
    if item_id in pinned:
        raise LayoutError(f"service {item_id} is featured already")
    if len(pinned) >= MAX_FEATURED:
        raise LayoutError(f"a featured-services section holds at most {MAX_FEATURED} services")
    hall = get_hall(hall_id)
    item = db.session.get(Item, item_id)
    shown = {account.id for account in public_accounts(hall)}
    if item is None or item.kind != "service" or not item.is_live or item.account_id not in shown:
        raise LayoutError(f"item {item_id} is not a service shown in hall {hall.id}")
    return with_settings(sections, index, {**settings, "item_ids": [*pinned, item_id]})


def without_featured(
    sections: list[dict[str, Any]], index: int, item_id: int
) -> list[dict[str, Any]]:
    """Return the sections with a service unpinned from section `index`."""
    settings = _featured_settings(sections, index)
    if item_id not in settings["item_ids"]:
        raise LayoutError(f"service {item_id} is not featured in section {index + 1}")
    kept = [pinned for pinned in settings["item_ids"] if pinned != item_id]
    return with_settings(sections, index, {**settings, "item_ids": kept})


def featured_moved(
    sections: list[dict[str, Any]], index: int, item_id: int, offset: int
) -> list[dict[str, Any]]:
    """Return the sections with a pinned service moved by `offset` (clamped to the ends)."""
    settings = _featured_settings(sections, index)
    pinned = list(settings["item_ids"])
    if item_id not in pinned:
        raise LayoutError(f"service {item_id} is not featured in section {index + 1}")
    position = pinned.index(item_id)
    pinned.insert(min(max(position + offset, 0), len(pinned) - 1), pinned.pop(position))
    return with_settings(sections, index, {**settings, "item_ids": pinned})


def _featured_settings(sections: list[dict[str, Any]], index: int) -> dict[str, Any]:
    _check_index(sections, index)
    if sections[index]["type"] != "featured_services":
        raise LayoutError(f"section {index + 1} is not a featured-services section")
    settings = dict(sections[index].get("settings") or {})
    settings["item_ids"] = list(settings.get("item_ids") or [])
    return settings


def list_versions(hall_id: str) -> list[HallLayout]:
    """Return every layout version of a hall, newest first."""
    get_hall(hall_id)
    query = (
        select(HallLayout).where(HallLayout.hall_id == hall_id).order_by(HallLayout.version.desc())
    )
    return list(db.session.scalars(query))


def published_layout(hall_id: str) -> HallLayout | None:
    """Return the hall's published layout, or None (the built-in page is shown)."""
    return _with_status(hall_id, "published")


def draft_layout(hall_id: str) -> HallLayout | None:
    """Return the hall's draft layout, or None."""
    return _with_status(hall_id, "draft")


def start_draft(admin: User, hall_id: str) -> HallLayout:
    """Return the hall's draft, creating it from the published version (else the defaults)."""
    require_admin(admin)
    draft = draft_layout(hall_id)
    if draft is not None:
        return draft
    get_hall(hall_id)
    published = published_layout(hall_id)
    draft = HallLayout(
        hall_id=hall_id,
        version=_next_version(hall_id),
        status="draft",
        sections=list(published.sections) if published else default_sections(),
        branding=dict(published.branding) if published else {},
        created_by=admin.id,
        preview_token=secrets.token_urlsafe(24),
    )
    db.session.add(draft)
    db.session.flush()
    record("layout.draft", draft, None, snapshot(draft, LAYOUT_FIELDS), admin)
    return draft


def edit_draft(
    admin: User,
    hall_id: str,
    *,
    sections: list[dict[str, Any]] | None = None,
    branding: dict[str, Any] | None = None,
) -> HallLayout:
    """Replace the draft's sections and/or branding (None keeps them), validated first."""
    require_admin(admin)
    draft = start_draft(admin, hall_id)
    new_sections, new_branding = validate_layout(
        draft.sections if sections is None else sections,
        draft.branding if branding is None else branding,
    )
    before = snapshot(draft, LAYOUT_FIELDS)
    draft.sections = new_sections
    draft.branding = new_branding
    db.session.flush()
    record("layout.edit", draft, before, snapshot(draft, LAYOUT_FIELDS), admin)
    return draft


def preview(hall_id: str, token: str) -> HallLayout:
    """Return the draft whose preview token this is; no sign-in, the token is the key."""
    draft = draft_layout(hall_id)
    if draft is None or not secrets.compare_digest(draft.preview_token, token):
        raise LayoutNotFoundError(f"no draft of hall {hall_id} has this preview token")
    return draft


def publish(admin: User, hall_id: str) -> HallLayout:
    """Publish the hall's draft; the previously published version is archived."""
    require_admin(admin)
    draft = draft_layout(hall_id)
    if draft is None:
        raise LayoutError(f"hall {hall_id} has no draft to publish")
    # A rollback since the draft began took a higher number; the draft goes on top.
    if draft.version < _next_version(hall_id) - 1:
        draft.version = _next_version(hall_id)
    return _make_published(admin, draft, "layout.publish")


def rollback(admin: User, hall_id: str, version: int) -> HallLayout:
    """Publish, in one step, a new version holding that version's sections and branding."""
    require_admin(admin)
    source = db.session.scalars(
        select(HallLayout).where(HallLayout.hall_id == hall_id, HallLayout.version == version)
    ).first()
    if source is None:
        raise LayoutNotFoundError(f"hall {hall_id} has no layout version {version}")
    if source.status == "draft":
        raise LayoutError("a draft is published, not rolled back to")
    copy = HallLayout(
        hall_id=hall_id,
        version=_next_version(hall_id),
        status="draft",  # for an instant, until _make_published below
        sections=list(source.sections),
        branding=dict(source.branding),
        created_by=admin.id,
        preview_token=secrets.token_urlsafe(24),
    )
    db.session.add(copy)
    db.session.flush()
    published = _make_published(admin, copy, "layout.rollback", rolled_back_to=version)
    return published


def theme_css(branding: dict[str, Any]) -> str:
    """Return the stylesheet that applies a branding's colour (empty when it has none)."""
    colour = branding.get("primary_colour")
    # Validated as #RRGGBB on the way in; checked again, as this text becomes CSS.
    if not colour or not re.fullmatch(_COLOUR, colour):
        return ""
    return f":root {{ --brand: {colour.lower()}; }}\n"


@dataclass
class RenderedSection:
    """One section with what its template needs: rows, department groups or links."""

    type: str
    settings: dict[str, Any]
    rows: list[Any] = field(default_factory=list)
    sectors: list[SectorGroup] = field(default_factory=list)
    topics: list[TopicLink] = field(default_factory=list)


def render_sections(
    hall: Hall, sections: list[dict[str, Any]], language: str
) -> list[RenderedSection]:
    """Return a layout's sections, in order, with the hall's items each one shows."""
    rendered = []
    for section in sections:
        kind, settings = section["type"], section.get("settings", {})
        part = RenderedSection(kind, settings)
        if kind == "featured_services":
            part.rows = _featured(hall, settings, language)
        elif kind == "latest_notices":
            params = SearchParams(kind="content", per_page=settings.get("count", 8))
            part.rows = search_hall(hall, params, language).rows
        elif kind == "departments_by_sector":
            part.sectors = sector_groups(hall, language)
        elif kind == "hot_services":
            part.rows = browse.hot_services(hall, language, settings.get("count", 6))
        elif kind == "life_events":
            part.topics = browse.section_topics(hall, settings.get("topics") or [], language)
        rendered.append(part)
    return rendered


def _featured(hall: Hall, settings: dict[str, Any], language: str) -> list[Any]:
    pinned = settings.get("item_ids") or []
    if pinned:
        account_ids = frozenset(account.id for account in public_accounts(hall))
        return rows_for_items(pinned, language, account_ids)
    params = SearchParams(kind="service", per_page=settings.get("count", 6))
    return search_hall(hall, params, language).rows


def _make_published(admin: User, layout: HallLayout, action: str, **extra: Any) -> HallLayout:
    previous = published_layout(layout.hall_id)
    if previous is not None:
        before = snapshot(previous, LAYOUT_FIELDS)
        previous.status = "archived"
        db.session.flush()
        record("layout.archive", previous, before, snapshot(previous, LAYOUT_FIELDS), admin)
    before = snapshot(layout, LAYOUT_FIELDS)
    layout.status = "published"
    layout.published_at = utcnow()
    db.session.flush()
    record(action, layout, before, {**snapshot(layout, LAYOUT_FIELDS), **extra}, admin)
    return layout


def _with_status(hall_id: str, status: str) -> HallLayout | None:
    query = select(HallLayout).where(HallLayout.hall_id == hall_id, HallLayout.status == status)
    return db.session.scalars(query).first()


def _next_version(hall_id: str) -> int:
    latest = db.session.scalar(
        select(func.max(HallLayout.version)).where(HallLayout.hall_id == hall_id)
    )
    return (latest or 0) + 1


def _check_index(sections: list[dict[str, Any]], index: int) -> None:
    if not 0 <= index < len(sections):
        raise LayoutError(f"there is no section {index + 1}")
