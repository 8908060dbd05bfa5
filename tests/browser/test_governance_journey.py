"""The whole governance life cycle in a real browser, an operator and an admin side by side.

An operator applies for an account, an admin approves it, the operator adds a feed
connector and syncs it, the admin adds the account to a hall and publishes a new layout
version, the notices appear on the hall page, the admin rolls back, then suspends the
account, and its notices disappear.
"""

import re

import pytest

from hall.extensions import db
from hall.search.indexer import apply_changes
from tests.builders import CREDIT_CODE, make_department, make_hall, make_user
from tests.loopback import FolderServer
from tests.signin import PASSWORD
from tests.test_end_to_end import FIXTURES

pytestmark = pytest.mark.browser

ACCOUNT_NAME = "某某县人社局门户网站"
NOTICES = (
    "社保卡补办服务点延长办理时间的通知",
    "关于调整城乡居民养老保险缴费档次的通知",
)
TOPIC = "办理退休手续"


@pytest.fixture
def world(app):
    """A department with its operator, an admin, an empty hall, and the feed on loopback."""
    make_department("hrss", name="某某县人力资源和社会保障局")
    make_user("op-hrss", departments=["hrss"])
    make_user("root", role="admin")
    make_hall("county")
    db.session.commit()
    with FolderServer(FIXTURES) as server:
        yield server


def follow(page, locator):
    with page.expect_navigation():
        locator.click()


def sign_in(page, base_url, username):
    page.goto(f"{base_url}/login")
    page.locator("#f-username").fill(username)
    page.locator("#f-password").fill(PASSWORD)
    follow(page, page.locator("form button[type=submit]"))
    assert "/login" not in page.url


def flash(page):
    return page.get_by_role("status").all_inner_texts()


def index_now(app):
    """Do what the index worker would: apply the change log, then reopen the index."""
    apply_changes(app.config["INDEX_PATH"])
    app.extensions["hall.search"].reload()


def hall_text(page, base_url):
    page.goto(f"{base_url}/halls/county/")
    return page.locator("main").inner_text()


def test_an_account_from_application_to_suspension(app, world, open_page, live_server):
    operator = open_page(locale="en-US")
    admin = open_page(locale="en-US")
    visitor = open_page(locale="zh-CN")

    # The operator, in English, applies for a website account.
    operator.goto(f"{live_server}/login?lang=en")
    sign_in(operator, live_server, "op-hrss")
    follow(operator, operator.get_by_role("link", name="Apply for a new account"))
    operator.get_by_role("combobox", name="Platform").select_option("website")
    operator.get_by_label("Account name").fill(ACCOUNT_NAME)
    operator.get_by_label("Address (URL)").fill("https://hrss.example.test/")
    operator.get_by_label("Host unit (the account's certified subject)").fill(
        "某某县人力资源和社会保障局"
    )
    operator.get_by_label("Unified social credit code of the host unit").fill(CREDIT_CODE)
    operator.get_by_label("Responsible person").fill("张三")
    operator.get_by_label("Contact phone").fill("0571-88888888")
    follow(operator, operator.get_by_role("button", name="Apply"))
    account_id = re.search(r"/console/accounts/([^/]+)/", operator.url).group(1)
    assert operator.get_by_role("heading", level=1).inner_text() == ACCOUNT_NAME
    assert "pending" in operator.locator("table.kv").inner_text()

    # The admin approves it from the filing queue; a filing number is given.
    sign_in(admin, live_server, "root")
    admin.goto(f"{live_server}/admin/filings?lang=en")
    filing = admin.locator("section.filing").filter(has_text=account_id)
    follow(admin, filing.get_by_role("button", name="Approve"))
    assert any("approved" in message for message in flash(admin))
    assert "Nothing waits for a decision." in admin.locator("main").inner_text()
    follow(admin, admin.get_by_role("link", name="Departments"))
    row = admin.get_by_role("row").filter(has_text=account_id)
    number = re.search(r"\S+-\d{4}-\d{5}", row.inner_text()).group(0)

    operator.reload()
    filed = operator.locator("table.kv").inner_text()
    assert "approved" in filed and number in filed

    # The operator adds a feed connector through its generated form, and syncs it.
    follow(operator, operator.get_by_role("link", name="Add a connector"))
    follow(operator, operator.get_by_role("link", name="RSS / Atom feed"))
    operator.get_by_label("Feed URL").fill(f"{world.base_url}/notices.xml")
    operator.get_by_label("Content type").select_option("notice")
    follow(operator, operator.get_by_role("button", name="Save"))
    assert "The connector was added." in operator.locator("main").inner_text()
    follow(operator, operator.get_by_role("button", name="Sync now"))
    run = operator.locator("table.kv").inner_text()
    assert "succeeded" in run
    assert re.search(r"Added\s+3", run), run
    assert "/notices.xml" in world.requests

    # Nothing shows in the hall yet: the account is not a member.
    index_now(app)
    shown = hall_text(visitor, live_server)
    assert not any(title in shown for title in NOTICES)

    # The admin adds the account to the hall.
    follow(admin, admin.get_by_role("link", name="Halls"))
    admin.goto(f"{live_server}/admin/halls/county")
    add_accounts = admin.locator("form").filter(has=admin.locator("select[name=account_ids]"))
    add_accounts.locator("select").select_option(account_id)
    follow(admin, add_accounts.get_by_role("button", name="Add"))
    assert "Accounts added." in flash(admin)
    members = admin.locator("form").filter(has_text="Remove the ticked accounts").inner_text()
    assert ACCOUNT_NAME in members

    # Version 1: a search box on top of the built-in sections, published.
    follow(admin, admin.get_by_role("link", name="Layout editor"))
    assert "Nothing published" in admin.locator("main").inner_text()
    admin.get_by_label("Add a section").select_option("search_box")
    follow(admin, admin.get_by_role("button", name="Add", exact=True))
    follow(admin, admin.get_by_role("button", name="Publish the draft"))
    assert "Layout published." in flash(admin)
    assert "Published: version 1." in admin.locator("main").inner_text()

    # Version 2: with a life-events section naming a topic, published.
    admin.get_by_label("Add a section").select_option("life_events")
    follow(admin, admin.get_by_role("button", name="Add", exact=True))
    life_events = admin.get_by_role("listitem").filter(has_text="life_events")
    life_events.get_by_label("Topics, one a line").fill(TOPIC)
    follow(admin, life_events.get_by_role("button", name="Save settings"))
    assert "Draft saved." in flash(admin)
    follow(admin, admin.get_by_role("button", name="Publish the draft"))
    assert "Published: version 2." in admin.locator("main").inner_text()

    # The hall page shows the new section and, once indexed, the synced notices.
    index_now(app)
    shown = hall_text(visitor, live_server)
    assert TOPIC in shown
    for title in NOTICES:
        assert title in shown

    # The admin rolls back to version 1: the section is gone, the notices stay.
    versions = admin.get_by_role("row").filter(has=admin.get_by_role("cell", name="1", exact=True))
    follow(admin, versions.get_by_role("button", name="Roll back to this version"))
    assert "Version 1 published again." in flash(admin)
    assert "Published: version 3." in admin.locator("main").inner_text()
    shown = hall_text(visitor, live_server)
    assert TOPIC not in shown
    for title in NOTICES:
        assert title in shown

    # The admin suspends the account: its notices leave the hall page and its search.
    follow(admin, admin.get_by_role("link", name="Departments"))
    row = admin.get_by_role("row").filter(has_text=account_id)
    row.get_by_label("Reason").fill("备案信息与实际不符")
    follow(admin, row.get_by_role("button", name="Suspend"))
    assert f"Account {account_id} suspended." in flash(admin)
    assert "suspended" in admin.get_by_role("row").filter(has_text=account_id).inner_text()

    index_now(app)
    shown = hall_text(visitor, live_server)
    for title in NOTICES:
        assert title not in shown
    visitor.goto(f"{live_server}/halls/county/search?q=社保卡补办")
    assert NOTICES[0] not in visitor.locator("main").inner_text()
