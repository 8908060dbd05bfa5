"""Layout drafts, private previews, publishing and one-step rollback, as citizens see them."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from hall.audit.models import AuditEntry
from hall.extensions import db
from hall.halls import layouts
from hall.halls.layouts import LayoutError
from hall.halls.models import HallLayout
from hall.users.services import PermissionDeniedError, get_user


def _post(client, token, address, **data):
    response = client.post(address, data={"csrf_token": token, **data})
    assert response.status_code == 302, response.get_data(as_text=True)
    return response


def _links_layout(client, token, title):
    """Make the draft one custom-links section holding one link titled `title`."""
    base = "/admin/halls/county/layout"
    versions = layouts.list_versions("county")
    draft = layouts.draft_layout("county")
    count = len(draft.sections) if draft else len(layouts.default_sections())
    for _ in range(count):
        _post(client, token, f"{base}/sections/0/remove")
    _post(client, token, f"{base}/sections", type="custom_links")
    _post(client, token, f"{base}/sections/0/settings", links=f"{title} | https://example.org/")
    return versions


def test_the_built_in_home_page_shows_until_a_layout_is_published(world, admin):
    client, token = admin
    _links_layout(client, token, "草稿链接")

    page = world.test_client().get("/halls/county/").get_data(as_text=True)

    assert "草稿链接" not in page and "养老保险待遇申领" in page


def test_a_draft_is_seen_through_its_preview_link_without_signing_in(world, admin):
    client, token = admin
    _links_layout(client, token, "草稿链接")
    draft = layouts.draft_layout("county")
    visitor = world.test_client()

    preview = visitor.get(f"/halls/county/preview/{draft.preview_token}")

    assert preview.status_code == 200
    assert "草稿链接" in preview.get_data(as_text=True)
    assert 'name="robots" content="noindex' in preview.get_data(as_text=True)
    assert visitor.get("/halls/county/preview/not-the-token").status_code == 404


def test_publishing_changes_the_public_page_and_rollback_restores_it_in_one_step(world, admin):
    client, token = admin
    _links_layout(client, token, "第一版")
    _post(client, token, "/admin/halls/county/layout/publish")
    _links_layout(client, token, "第二版")
    _post(client, token, "/admin/halls/county/layout/publish")
    visitor = world.test_client()
    assert "第二版" in visitor.get("/halls/county/").get_data(as_text=True)

    _post(client, token, "/admin/halls/county/layout/rollback/1")

    page = visitor.get("/halls/county/").get_data(as_text=True)
    assert "第一版" in page and "第二版" not in page
    statuses = {v.version: v.status for v in layouts.list_versions("county")}
    assert statuses == {1: "archived", 2: "archived", 3: "published"}


def test_a_layout_renders_its_sections_in_order(world, admin):
    client, token = admin
    base = "/admin/halls/county/layout"
    _links_layout(client, token, "链接")
    _post(client, token, f"{base}/sections", type="featured_services")
    _post(client, token, f"{base}/sections/1/move", offset="-1")
    _post(client, token, f"{base}/publish")

    page = world.test_client().get("/halls/county/").get_data(as_text=True)

    assert page.index("养老保险待遇申领") < page.index("链接")


def test_branding_colour_is_a_stylesheet_not_an_inline_style(world, admin):
    client, token = admin
    _post(
        client,
        token,
        "/admin/halls/county/layout/branding",
        primary_colour="#0B5CAD",
        title="新标题",
    )
    _post(client, token, "/admin/halls/county/layout/publish")
    visitor = world.test_client()

    page = visitor.get("/halls/county/").get_data(as_text=True)
    theme = re.search(r'<link rel="stylesheet" href="(/halls/county/theme.css[^"]*)"', page)
    css = visitor.get(theme.group(1).replace("&amp;", "&"))

    assert "新标题" in page and "style=" not in page and "<style" not in page
    assert css.mimetype == "text/css" and "--brand: #0b5cad" in css.get_data(as_text=True)


@pytest.mark.parametrize(
    "branding",
    [
        {"primary_colour": "red; background: url(x)"},
        {"logo_url": "javascript:alert(1)"},
        {"logo_url": "https://elsewhere.example/logo.png"},
        {"logo_url": "data:image/svg+xml;base64,PHN2Zz4="},
        {"unknown": "x"},
    ],
)
def test_unsafe_branding_is_refused(world, branding):
    admin = get_user("root")

    with pytest.raises(LayoutError):
        layouts.edit_draft(admin, "county", branding=branding)


@pytest.mark.parametrize(
    "section",
    [
        {"type": "marquee"},
        {"type": "custom_links", "settings": {"links": [{"title": "x", "url": "javascript:x"}]}},
        {"type": "latest_notices", "settings": {"count": 0}},
        {"type": "search_box", "settings": {"anything": 1}},
    ],
)
def test_invalid_sections_are_refused(world, section):
    with pytest.raises(LayoutError):
        layouts.edit_draft(get_user("root"), "county", sections=[section])


def test_an_operator_cannot_change_a_layout(world):
    with pytest.raises(PermissionDeniedError):
        layouts.edit_draft(get_user("op-hrss"), "county", sections=[])


def test_layout_changes_are_audited(world, admin):
    client, token = admin
    _links_layout(client, token, "链接")
    _post(client, token, "/admin/halls/county/layout/publish")
    _post(client, token, "/admin/halls/county/layout/sections", type="search_box")
    _post(client, token, "/admin/halls/county/layout/publish")
    _post(client, token, "/admin/halls/county/layout/rollback/1")

    actions = list(
        db.session.scalars(
            select(AuditEntry.action).where(AuditEntry.target_type == HallLayout.__tablename__)
        )
    )

    assert {
        "layout.draft",
        "layout.edit",
        "layout.publish",
        "layout.archive",
        "layout.rollback",
    } <= set(actions)
    assert all(
        entry.username == "root"
        for entry in db.session.scalars(
            select(AuditEntry).where(AuditEntry.action.like("layout.%"))
        )
    )
