"""A small hall for the page and API tests, indexed by the real search layer.

The county hall holds the HR bureau's and the police's websites, and a suspended account;
the market bureau's website exists but is not a member. Item titles are unique, so a test
can tell which item a page shows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import Flask

from hall.catalog.models import Item
from hall.extensions import db
from tests.builders import make_account, make_connector, make_department, make_hall, make_item

GUIDE = {
    "item_code": "11330100MB0000000X4000012345000",
    "catalog_code": "000712001000",
    "item_type": "行政给付",
    "exercise_level": "city",
    "implementing_body": "市人力资源和社会保障局",
    "audience": ["individual"],
    "legal_basis": ["《失业保险条例》第十四条"],
    "conditions": ["失业前用人单位和本人已经缴纳失业保险费满1年", "非因本人意愿中断就业"],
    "materials": [
        {
            "name": "居民身份证",
            "necessity": "required",
            "form": "original",
            "medium": "paper",
            "copies": 1,
        },
        {
            "name": "解除劳动合同证明",
            "necessity": "deferrable",
            "form": "copy",
            "medium": "paper_or_electronic",
            "copies": 1,
            "blank_form_url": "https://hrss.example.gov.cn/forms/jiechu.docx",
            "note": "可承诺后补",
        },
        {
            "name": "银行账户信息",
            "necessity": "optional",
            "blank_form_url": "javascript:alert(1)",
        },
    ],
    "process": [
        {"name": "申请", "handler": "申请人"},
        {"name": "受理", "handler": "窗口工作人员", "time_limit": "即时"},
        {"name": "审核", "time_limit": "5个工作日", "result": "核定待遇"},
    ],
    "handling_type": "promised",
    "statutory_time_limit": {"value": 20, "unit": "working_days"},
    "promised_time_limit": {"value": 5, "unit": "working_days"},
    "visits": 0,
    "fee": {"charged": False},
    "online_url": "https://zwfw.example.gov.cn/apply/12345",
    "service_points": [
        {
            "name": "市民中心社保窗口",
            "address": "人民路100号市民中心二楼",
            "window": "12-15号窗口",
            "hours": "工作日 9:00-17:00",
            "phone": "0571-12345678",
        }
    ],
    "enquiry_phone": "12333",
    "complaint_phone": "12345",
    "faq": [{"question": "失业保险金每月什么时候发放？", "answer": "每月15日前发放到本人账户。"}],
}


@dataclass
class SampleHall:
    """Ids of what `build_sample_hall` made, so tests need no magic numbers."""

    service: Item
    notice: Item
    police_notice: Item
    outsider: Item  # the market bureau's item: not in the hall
    suspended: Item  # an item of a suspended account in the hall
    withdrawn: Item  # tombstoned


def build_sample_hall() -> SampleHall:
    """Insert the county hall, its departments, accounts and items, and commit."""
    hrss = make_department(
        "hrss",
        "social_security",
        name="市人力资源和社会保障局",
        name_en="Human Resources and Social Security Bureau",
        short_name="人社局",
    )
    hrss.aliases = ["市人社局"]  # make_department always starts with no aliases
    make_department("police", "public_security", name="市公安局", name_en="Public Security Bureau")
    make_department("market", "market_regulation", name="市市场监督管理局")
    make_account("hrss-web", "hrss", name="市人社局门户网站", url="https://hrss.example.gov.cn/")
    make_account(
        "police-web", "police", name="平安某市", platform="weibo", url="javascript:alert(1)"
    )
    make_account("market-web", "market", name="市场监管网站")
    make_account("hrss-old", "hrss", name="人社旧网站", filing_status="suspended")
    for account in ("hrss-web", "police-web", "market-web", "hrss-old"):
        make_connector(f"{account}-feed", account)
    make_hall(
        "county",
        ["hrss-web", "police-web", "hrss-old"],
        title="某某市政务服务大厅",
        title_en="Moumou City Service Hall",
        description="一站式查找各部门办事服务。",
    )
    day = datetime(2024, 5, 1, 2, 0, tzinfo=UTC)
    service = make_item(
        "失业保险金申领",
        "参加失业保险的失业人员可以申领失业保险金。",
        connector="hrss-web-feed",
        kind="service",
        guide=GUIDE,
        url="https://hrss.example.gov.cn/services/12345",
        published_at=day - timedelta(days=30),
    )
    notice = make_item(
        "关于调整社会保险缴费基数的通知",
        "自2024年7月1日起，社会保险缴费基数按上年度平均工资调整。",
        connector="hrss-web-feed",
        url="https://hrss.example.gov.cn/notices/1",
        published_at=day,
    )
    police_notice = make_item(
        "户籍迁移办理须知",
        "办理户口迁移需携带居民户口簿和身份证。社会保险关系不随户籍迁移。",
        connector="police-web-feed",
        published_at=day - timedelta(days=1),
    )
    outsider = make_item(
        "社会保险市场监管外部通知", "不属于本大厅。", connector="market-web-feed", published_at=day
    )
    suspended = make_item(
        "社会保险旧网站通知", "已暂停账号的内容。", connector="hrss-old-feed", published_at=day
    )
    withdrawn = make_item(
        "社会保险已撤下的通知",
        "来源已删除。",
        connector="hrss-web-feed",
        published_at=day,
        tombstoned=True,
    )
    db.session.commit()
    return SampleHall(service, notice, police_notice, outsider, suspended, withdrawn)


def index(app: Flask) -> None:
    """Commit and bring the search index up to date, as the indexer would."""
    from hall.search.indexer import apply_changes

    db.session.commit()
    apply_changes(app.config["INDEX_PATH"])
    app.extensions["hall.search"].reload()  # do not wait SEARCH_REFRESH_SECONDS


_RESULT_ID = re.compile(r'<li class="result">\s*<h3><a href="/items/(\d+)">')


def page_result_ids(html: str) -> list[int]:
    """Return the item ids of a results page, in order."""
    return [int(found) for found in _RESULT_ID.findall(html)]
