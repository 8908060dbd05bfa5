"""The import file (departments, accounts with connectors, the hall) for a running demo."""

from __future__ import annotations

from typing import Any

import yaml

from hall.demo.departments import COUNTY, DEPARTMENTS, REGION_CODE, DepartmentSpec
from hall.demo.guides import dept_credit_code
from hall.demo.open311 import OPEN311_DEPARTMENT
from hall.demo.points import attach_filed_points
from hall.demo.site import build_site, feed_path

HALL = {
    "id": "qingshan",
    "title": "青山县一站式政务服务大厅",
    "title_en": "Qingshan County One-Stop Government Service Hall",
    "region": REGION_CODE,
    "description": "青山县各部门的办事指南、通知公告和政策文件，一站查询、一网通办。",
    "description_en": "Service guides, notices and policies of every Qingshan County department in one place.",
}


# Every account is supervised by the county government's office; the micro-blogs are run
# by a (fictional) company.
SUPERVISING_UNIT = f"{COUNTY}人民政府办公室"
OUTSOURCED_OPERATOR = "青山云帆信息技术有限公司"


def _filing(dept: DepartmentSpec, platform: str) -> dict[str, str]:
    """Return an account's filing data: its department hosts it, under its own credit code."""
    filing = {
        "host_unit": dept.name,
        "host_unit_credit_code": dept_credit_code(dept),
        "supervising_unit": SUPERVISING_UNIT,
    }
    if platform == "weibo":
        filing["outsourced_operator"] = OUTSOURCED_OPERATOR
    return filing


def _feed(connector_id: str, url: str, language: str, content_type: str = "notice") -> dict:
    config = {"url": url, "language": language}
    if content_type != "notice":
        config["content_type"] = content_type
    return {"id": connector_id, "type": "feed", "config": config}


def _website(dept: DepartmentSpec, base: str, has_services: bool) -> dict[str, Any]:
    connectors = [_feed(f"{dept.id}-feed", base + feed_path(dept), "zh-CN")]
    if has_services:
        connectors.append({"id": f"{dept.id}-services", "type": "jsonld",
                           "config": {"urls": [f"{base}/{dept.id}/services.html"], "language": "zh-CN"}})  # fmt: skip
    if dept.id == "culture":
        connectors.append(_feed("culture-feed-en", f"{base}/culture/en/news.atom", "en", "news"))
    if dept.id == "tax":
        connectors.append(_feed("tax-feed-en", f"{base}/tax/en/notices.xml", "en"))
    if dept.id == "amr":
        connectors.append({"id": "amr-services-en", "type": "jsonld",
                           "config": {"urls": [f"{base}/amr/en/services.html"], "language": "en"}})  # fmt: skip
    return {"id": f"{dept.id}-website", "department": dept.id, "platform": "website",
            "name": dept.website_name, "url": f"{base}/{dept.id}/", **_filing(dept, "website"),
            "connectors": connectors}  # fmt: skip


def import_data(base_url: str) -> dict[str, Any]:
    """Return the import file's content as a mapping."""
    base = base_url.rstrip("/")
    with_services = {s.department.id for s in build_site().services}
    departments, accounts = [], []
    for dept in DEPARTMENTS:
        departments.append({
            "id": dept.id, "name": dept.name, "name_en": dept.name_en,
            "short_name": dept.short_name, "sector": dept.sector, "aliases": list(dept.aliases),
            "region": REGION_CODE, "description": f"{dept.name}，窗口设在青山县政务服务中心{dept.window}。",
        })  # fmt: skip
        accounts.append(_website(dept, base, dept.id in with_services))
        for extra in dept.extra_accounts:
            account_id = f"{dept.id}-{extra.platform}"
            accounts.append({
                "id": account_id, "department": dept.id, "platform": extra.platform,
                "name": extra.name, "handle": extra.name, **_filing(dept, extra.platform),
                "connectors": [_feed(f"{account_id}-feed", f"{base}/{dept.id}/{extra.platform}.xml",
                                     "zh-CN", "news")],
            })  # fmt: skip
        if dept.id == OPEN311_DEPARTMENT:
            accounts.append({
                "id": f"{dept.id}-open311", "department": dept.id, "platform": "open311",
                "name": "青山县城市管理问题上报", "url": f"{base}/open311/services.json",
                **_filing(dept, "open311"),
                "connectors": [{"id": f"{dept.id}-open311", "type": "open311",
                                "config": {"url": f"{base}/open311/services.json"}}],
            })  # fmt: skip
    attach_filed_points(departments)
    hall = {**HALL, "accounts": [a["id"] for a in accounts]}
    return {"departments": departments, "accounts": accounts, "halls": [hall]}


def import_yaml(base_url: str) -> str:
    """Return the import file text for a demo served at `base_url`."""
    return yaml.safe_dump(import_data(base_url), allow_unicode=True, sort_keys=False)
