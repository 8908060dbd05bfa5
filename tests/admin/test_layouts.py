"""Layout drafts, private previews, publishing and one-step rollback, as citizens see them."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from hall.audit.models import AuditEntry
from hall.catalog.models import Item
from hall.extensions import db
from hall.halls import layouts
from hall.halls.layouts import LayoutError
from hall.halls.models import HallLayout
from hall.timestamps import utcnow
from hall.users.services import PermissionDeniedError, get_user
from tests.builders import make_connector, make_item
from tests.web_fixtures import index


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


# Featured services, chosen by searching the hall -------------------------------------

LAYOUT = "/admin/halls/county/layout"


@pytest.fixture
def services(world):
    """Services in the hall (two of the HR bureau), one outside it, and a notice."""
    make_connector("tax-feed", "tax-web")
    found = {
        "pension": db.session.scalars(select(Item).where(Item.title == "养老保险待遇申领")).one(),
        "unemployment": make_item("失业保险金申领", kind="service", connector="hrss-feed"),
        "tax": make_item("养老保险个人所得税扣除", kind="service", connector="tax-feed"),
        "notice": db.session.scalars(select(Item).where(Item.kind == "content")).one(),
    }
    index(world)
    return found


def _pinned() -> list[int]:
    return layouts.draft_layout("county").sections[0]["settings"]["item_ids"]


def test_the_layout_page_finds_the_hall_s_services_to_feature(admin, services):
    client, _ = admin

    page = client.get(f"{LAYOUT}?section=0&q=养老保险").get_data(as_text=True)

    found = page.split('class="found"', 1)[1].split("</ul>", 1)[0]
    assert "养老保险待遇申领" in re.sub(r"</?mark>", "", found) and "hrss 局" in found
    assert f'name="item_id" value="{services["pension"].id}"' in found
    assert "个人所得税" not in found  # its account is not in the hall
    notices = client.get(f"{LAYOUT}?section=0&q=社保缴费").get_data(as_text=True)
    assert "本大厅没有相符的服务。" in notices  # notices are not services
    assert 'class="found"' not in client.get(LAYOUT).get_data(as_text=True)


def test_a_found_service_is_added_and_shown_by_title_and_department(admin, services):
    client, token = admin
    pension = services["pension"]

    response = _post(client, token, f"{LAYOUT}/sections/0/featured", item_id=pension.id, q="养老")

    assert response.headers["Location"].endswith(
        f"{LAYOUT}?q=%E5%85%BB%E8%80%81&section=0#section-0"
    )
    assert _pinned() == [pension.id]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    pinned = page.split("置顶服务", 1)[1].split("</ol>", 1)[0]
    assert "养老保险待遇申领 · hrss 局" in pinned
    assert "(已置顶)" in page  # the search result says so


@pytest.mark.parametrize("which", ["tax", "notice", "unknown", "not-a-number"])
def test_only_services_shown_in_the_hall_can_be_featured(admin, services, which):
    client, token = admin
    item_id = {"unknown": 999999, "not-a-number": "x"}.get(which) or services[which].id

    response = _post(client, token, f"{LAYOUT}/sections/0/featured", item_id=item_id)

    assert response.status_code == 302
    assert layouts.draft_layout("county") is None or _pinned() == []
    page = client.get(LAYOUT).get_data(as_text=True)
    assert "service shown in hall county" in page or "choose a service" in page


def test_featured_services_move_and_are_removed(world, admin, services):
    client, token = admin
    first, second = services["pension"].id, services["unemployment"].id
    for item_id in (first, second):
        _post(client, token, f"{LAYOUT}/sections/0/featured", item_id=item_id)
    assert _pinned() == [first, second]

    _post(client, token, f"{LAYOUT}/sections/0/featured/{second}/move", offset="-1")
    assert _pinned() == [second, first]
    page = client.get(LAYOUT).get_data(as_text=True)
    assert page.index("失业保险金申领 · hrss 局") < page.index("养老保险待遇申领 · hrss 局")

    _post(client, token, f"{LAYOUT}/sections/0/featured/{second}/remove")
    assert _pinned() == [first]
    _post(client, token, f"{LAYOUT}/sections/0/featured/{second}/remove")
    assert "is not featured" in client.get(LAYOUT).get_data(as_text=True)


def test_saving_the_section_settings_keeps_the_featured_services(admin, services):
    client, token = admin
    _post(client, token, f"{LAYOUT}/sections/0/featured", item_id=services["pension"].id)

    _post(client, token, f"{LAYOUT}/sections/0/settings", count="3")

    settings = layouts.draft_layout("county").sections[0]["settings"]
    assert settings == {"item_ids": [services["pension"].id], "count": 3}


def test_a_withdrawn_featured_service_is_named_and_can_be_removed(admin, services):
    client, token = admin
    pension = services["pension"]
    _post(client, token, f"{LAYOUT}/sections/0/featured", item_id=pension.id)
    pension.tombstoned_at = utcnow()
    db.session.commit()

    page = client.get(LAYOUT).get_data(as_text=True)

    assert f"条目 {pension.id} 已不在本大厅显示" in page
    _post(client, token, f"{LAYOUT}/sections/0/featured/{pension.id}/remove")
    assert _pinned() == []
