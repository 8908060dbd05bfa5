"""Render services as schema.org GovernmentService JSON-LD, as `connectors.jsonld` reads it."""

from __future__ import annotations

import json
import re
from html import escape
from typing import Any

from hall.demo.departments import COUNTY, OPENING_HOURS, PROVINCE, DepartmentSpec
from hall.demo.feeds import page
from hall.demo.guides import DemoService

# Fields the schema.org mapping carries itself; every other guide field travels as an
# additionalProperty (service_points and fee too: the mapping drops their window and basis).
_MAPPED = {"implementing_body", "implementing_body_code", "audience", "online_url", "enquiry_phone"}
LABELS = {
    "item_code": "实施编码", "catalog_code": "基本编码", "item_type": "事项类型",
    "exercise_level": "行使层级", "themes": "主题分类", "legal_basis": "设定依据",
    "conditions": "受理条件", "materials": "申请材料", "process": "办理流程",
    "handling_type": "办件类型", "statutory_time_limit": "法定办结时限",
    "promised_time_limit": "承诺办结时限", "visits": "到办事现场次数", "fee": "收费情况",
    "mobile_url": "移动端办理地址", "online_payment": "是否支持网上支付",
    "payment_url": "网上支付地址", "scope": "通办范围", "result": "审批结果",
    "service_points": "办理地点", "complaint_phone": "监督投诉电话", "faq": "常见问题",
}  # fmt: skip
AUDIENCE_TYPES = {"individual": "个人", "business": "企业"}
# The deliberately broken block and the unrelated breadcrumb block of one page.
BROKEN_PAGE = "edu"
BROKEN_BLOCK = (
    '{"@context": "https://schema.org", "@type": "GovernmentService", "name": "残缺的事项",'
)


def service_node(
    service: DemoService, guide: dict[str, Any], base_url: str, *,
    name: str | None = None, description: str | None = None, language: str = "zh-CN",
    url: str | None = None,
) -> dict[str, Any]:  # fmt: skip
    """Return the GovernmentService node of a service."""
    dept = service.department
    channels: list[dict[str, Any]] = [
        {"@type": "ServiceChannel", "name": "网上办理", "serviceUrl": guide["online_url"],
         "servicePhone": {"@type": "ContactPoint", "telephone": guide["enquiry_phone"]}}
    ]  # fmt: skip
    for point in guide["service_points"]:
        location = {
            "@type": "Place", "name": point["name"],
            "address": {"@type": "PostalAddress", "streetAddress": point["address"],
                        "addressLocality": COUNTY, "addressRegion": PROVINCE},
            "geo": {"@type": "GeoCoordinates", "latitude": point["lat"], "longitude": point["lon"]},
            "openingHours": point["hours"] or OPENING_HOURS, "telephone": point["phone"],
        }  # fmt: skip
        channels.append(
            {"@type": "ServiceChannel", "name": point["name"], "serviceLocation": location}
        )
    audiences = [
        {"@type": "Audience", "audienceType": AUDIENCE_TYPES[a]} for a in guide["audience"]
    ]
    fee_items = guide["fee"]["items"]
    offers: Any = {"@type": "Offer", "price": "0", "priceCurrency": "CNY"}
    if fee_items:
        offers = [_offer(item) for item in fee_items]
    return {
        "@type": "GovernmentService",
        "identifier": service.code,
        "name": name or service.name,
        "description": description or service.description,
        "url": url or f"{base_url}/{dept.id}/services/{service.code}.html",
        "inLanguage": language,
        "serviceType": service.item_type,
        "category": list(service.themes),
        "datePublished": service.published,
        "dateModified": service.modified,
        "provider": {"@type": "GovernmentOrganization", "name": guide["implementing_body"],
                     "identifier": guide["implementing_body_code"]},
        "audience": audiences[0] if len(audiences) == 1 else audiences,
        "availableChannel": channels,
        "offers": offers,
        "additionalProperty": [
            {"@type": "PropertyValue", "propertyID": key, "name": LABELS[key], "value": value}
            for key, value in guide.items()
            if key not in _MAPPED
        ],
    }  # fmt: skip


def _offer(item: dict[str, str]) -> dict[str, Any]:
    offer = {"@type": "Offer", "name": item["name"], "priceCurrency": "CNY"}
    # A fixed amount is a price; a rate (契税 3%-5%) only a description.
    if amount := re.search(r"(\d+(?:\.\d+)?)元", item["standard"]):
        offer["price"] = amount.group(1)
    else:
        offer["description"] = item["standard"]
    return offer


def _script(data: Any) -> str:
    text = json.dumps(data, ensure_ascii=False, indent=1).replace("</", "<\\/")
    return f'<script type="application/ld+json">\n{text}\n</script>\n'


def services_page(
    dept: DepartmentSpec, nodes: list[dict[str, Any]], *, title: str, language: str = "zh-CN"
) -> str:
    """Return a department's services page: JSON-LD in <head>, a plain list in <body>."""
    context = "https://schema.org"
    if dept.jsonld == "graph":
        head = _script({"@context": context, "@graph": nodes})
    else:
        head = "".join(_script({"@context": context, **node}) for node in nodes)
    if dept.id == BROKEN_PAGE and language == "zh-CN":
        crumbs = [
            (1, "首页", "/"),
            (2, dept.name, f"/{dept.id}/"),
            (3, "办事服务", f"/{dept.id}/services.html"),
        ]
        head += _script({"@context": context, "@type": "BreadcrumbList", "itemListElement": [
            {"@type": "ListItem", "position": p, "name": n, "item": i} for p, n, i in crumbs]})  # fmt: skip
        head += f'<script type="application/ld+json">\n{BROKEN_BLOCK}\n</script>\n'
    items = "".join(f'<li><a href="{escape(n["url"])}">{escape(n["name"])}</a></li>' for n in nodes)
    return page(title, f"<ul>{items}</ul>", language=language, head=head)


def guide_page(service: DemoService, guide: dict[str, Any]) -> str:
    """Return the HTML guide page of a service."""
    rows = "".join(
        f"<tr><th>{LABELS.get(k, k)}</th><td>{escape(_text(v))}</td></tr>"
        for k, v in guide.items()
        if not isinstance(v, list | dict)
    )
    materials = "".join(
        f"<li>{escape(m['name'])}（{m['necessity']}）</li>" for m in guide["materials"]
    )
    steps = "".join(
        f"<li>{escape(s['name'])}：{escape(s['result'])}</li>" for s in guide["process"]
    )
    body = (
        f"<p>{escape(service.description)}</p><table>{rows}</table>"
        f"<h2>申请材料</h2><ol>{materials}</ol><h2>办理流程</h2><ol>{steps}</ol>"
    )
    return page(service.name, body)


def _text(value: Any) -> str:
    return "是" if value is True else "否" if value is False else str(value)
