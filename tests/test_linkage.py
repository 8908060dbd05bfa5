"""Dual micro linkage: one notice on a department's website, WeChat and micro-blog shows once."""

from datetime import UTC, datetime

import pytest

import connectors
from connectors.base import Record
from connectors.http import GuardedSession
from hall.extensions import db
from hall.search.indexer import apply_changes
from hall.sync.models import ConnectorInstance
from hall.sync.runner import run_connector
from tests.builders import make_account, make_connector, make_department, make_hall
from tests.fakes import set_source

DAY = datetime(2026, 10, 8, 2, 0, tzinfo=UTC)
TITLE = "关于社保卡补办服务延时的通知"


@pytest.fixture(autouse=True)
def static_connector(monkeypatch):
    monkeypatch.setitem(connectors.available(), "static", "tests.fakes:StaticConnector")


def publish(app, connector_id, records):
    set_source(records)
    run = run_connector(
        db.session.get(ConnectorInstance, connector_id), http=GuardedSession(), settings=app.config
    )
    assert run.status == "succeeded", run.error


@pytest.fixture
def channels(app):
    make_department("hrss")
    make_department("amr", sector="market_regulation")
    for account, department, platform in [
        ("hrss-web", "hrss", "website"),
        ("hrss-wechat", "hrss", "wechat"),
        ("hrss-weibo", "hrss", "weibo"),
        ("amr-web", "amr", "website"),
    ]:
        make_account(account, department=department, platform=platform, name=f"{account} 账号")
        make_connector(f"{account}-src", account=account, type="static", config={})
    make_hall("county", accounts=["hrss-web", "hrss-wechat", "hrss-weibo", "amr-web"])
    make_hall("wechat-only", accounts=["hrss-wechat"])
    db.session.commit()
    publish(
        app,
        "hrss-web-src",
        [Record("w1", TITLE, url="https://hrss.example.gov.cn/n/1.html", published_at=DAY)],
    )
    # The WeChat copy names the website article as its original; the title differs a little.
    publish(
        app,
        "hrss-wechat-src",
        [
            Record(
                "a1:0",
                "社保卡补办服务延时啦",
                published_at=DAY,
                extra={"content_source_url": "https://hrss.example.gov.cn/n/1.html"},
            )
        ],
    )
    # The micro-blog copy matches by title (punctuation aside) and date.
    publish(
        app,
        "hrss-weibo-src",
        [Record("s1", "关于社保卡补办服务延时的通知！", published_at=DAY.replace(hour=9))],
    )
    # Another department's notice of the same title is a different notice.
    publish(app, "amr-web-src", [Record("m1", TITLE, published_at=DAY)])
    apply_changes(app.config["INDEX_PATH"])
    app.extensions["hall.search"].reload()


def search(client, hall="county", q="社保卡补办"):
    return client.get(f"/api/v1/halls/{hall}/search", query_string={"q": q}).get_json()


def test_copies_on_three_channels_show_once_with_a_link_to_each(client, channels):
    body = search(client)
    hrss = [r for r in body["results"] if r["department"]["id"] == "hrss"]
    assert len(hrss) == 1
    assert {c["account"]["id"] for c in hrss[0]["channels"]} == {"hrss-wechat", "hrss-weibo"}
    assert body["total"] == 2  # the hrss notice once, and the amr notice
    facet = {f["value"]: f["count"] for f in body["facets"]["department"]}
    assert facet == {"hrss": 1, "amr": 1}


def test_the_page_links_every_channel(client, channels):
    html = client.get("/halls/county/search", query_string={"q": "社保卡补办"}).get_data(
        as_text=True
    )
    assert "同时发布于" in html
    assert "hrss-wechat 账号" in html and "hrss-weibo 账号" in html


def test_a_hall_holding_only_one_channel_still_shows_its_copy(client, channels):
    body = search(client, hall="wechat-only")
    assert [r["account"]["id"] for r in body["results"]] == ["hrss-wechat"]
    assert body["results"][0]["channels"] == []


def test_retiring_a_copy_leaves_the_others_linked_and_alone_unlinked(app, client, channels):
    publish(app, "hrss-weibo-src", [])  # weibo deleted its post: shrink guard holds it back
    from hall.catalog.models import Item
    from hall.timestamps import utcnow

    weibo = db.session.scalars(db.select(Item).where(Item.external_id == "s1")).one()
    weibo.tombstoned_at = utcnow()
    from hall.catalog.services import log_reindex

    log_reindex([weibo.id], utcnow())
    db.session.commit()
    apply_changes(app.config["INDEX_PATH"])
    app.extensions["hall.search"].reload()
    hrss = [r for r in search(client)["results"] if r["department"]["id"] == "hrss"]
    assert len(hrss) == 1
    assert [c["account"]["id"] for c in hrss[0]["channels"]] == ["hrss-wechat"]
