"""Expand the compact service tuples into complete service guides (办事指南).

A service tuple is ``(name, type, audience, themes, laws, materials, days, fee, scope,
result[, place])``: type is a key of `tables.ITEM_TYPES`; audience "i", "b" or "ib";
themes, laws and materials are space-separated (material keys may start with "?"
for optional or "~" for deferrable); days 0 means handled on the spot (即办件), else the
promised working days; fee is "" (free) or a key of `tables.FEES`; place optionally
names a `departments.SPECIAL_PLACES` hall where the service is handled instead of the
county service centre.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from hall.demo.departments import (
    COMPLAINT_PHONE,
    REGION_CODE,
    SERVICE_CENTRE,
    SPECIAL_PLACES,
    TOWNSHIPS,
    DepartmentSpec,
)
from hall.demo.tables import FEES, ITEM_TYPES, LAWS, MATERIALS
from hall.directory.credit_codes import complete_credit_code

AUDIENCES = {"i": ["individual"], "b": ["business"], "ib": ["individual", "business"]}

# fmt: off
FAQ_TEMPLATES: tuple[tuple[str, str], ...] = (
    ("办理{name}需要本人到现场吗？", "{online}如需到现场，最多跑一次，可在{centre}{window}或就近的乡镇（街道）便民服务中心办理。"),
    ("{name}多久能办好？", "{limit}办理进度可在浙里办“我的办件”中查询，也可拨打{phone}咨询。"),
    ("{name}收费吗？", "{fee}"),
    ("材料不齐全可以先受理吗？", "{name}实行容缺受理：非关键材料暂缺的，签署承诺书后可先行受理，在办结前补齐即可。"),
    ("可以委托他人代办{name}吗？", "可以。受托人携带授权委托书及本人身份证件原件即可代为办理，法律法规要求本人到场的环节除外。"),
    ("对{name}的办理结果有异议怎么办？", "可自收到决定之日起六十日内向{county}人民政府申请行政复议，或在六个月内向人民法院提起行政诉讼；也可拨打{complaint}投诉。"),
    ("在外地能办理{name}吗？", "本事项通办范围为{scope}，在范围内的任一办理点或网上均可提交申请。"),
)
# fmt: on


@dataclass(frozen=True)
class DemoService:
    """One service of a department, with everything its guide and pages need."""

    department: DepartmentSpec
    code: str  # 实施编码 (item_code): also the id in URLs
    name: str
    type_key: str
    audience: str
    themes: tuple[str, ...]
    laws: tuple[str, ...]
    materials: tuple[str, ...]
    days: int
    fee: str
    scope: str
    result: str
    place: str
    seed: int
    published: str  # ISO 8601 with +08:00
    modified: str

    @property
    def item_type(self) -> str:
        return ITEM_TYPES[self.type_key][0]

    @property
    def description(self) -> str:
        who = {"i": "个人", "b": "企业和其他组织", "ib": "个人、企业和其他组织"}[self.audience]
        return f"{self.department.name}依申请为{who}办理{self.name}，办结后出具{self.result}。"

    def guide(self, base_url: str) -> dict[str, Any]:
        """Return the complete guide; URLs point at `base_url`."""
        return build_guide(self, base_url)


def credit_code(index: int) -> str:
    """Return a fictional but valid unified social credit code for department `index`.

    "11": a government organ registered by the staffing office; the organisation code is
    made up ("MB" and six digits), and both check characters are computed.
    """
    return complete_credit_code(f"11{REGION_CODE}MB{(index + 1) * 7919 % 10**6:06d}")


def _material(key: str, dept: DepartmentSpec) -> dict[str, Any]:
    necessity = {"?": "optional", "~": "deferrable"}.get(key[0], "required")
    name, form, medium, source, note = MATERIALS[key.lstrip("?~")]
    item: dict[str, Any] = {"name": name, "necessity": necessity, "form": form, "medium": medium}
    item["copies"] = 0 if medium == "electronic" else 1
    item["source"] = source
    if note:
        item["note"] = note
    if key.lstrip("?~") == "form":
        item["blank_form_url"] = f"/{dept.id}/forms/blank.html"
    return item


def _process(service: DemoService) -> list[dict[str, Any]]:
    dept = service.department
    window = f"{dept.short_name}窗口（{SERVICE_CENTRE.name}{dept.window}）"
    if service.days == 0:
        limits = ("即时", "即时", "即时", "当场")
    else:
        limits = ("当场", f"{max(1, service.days - 2)}个工作日", "1个工作日", "1个工作日")
    return [
        {"name": "受理", "handler": window, "time_limit": limits[0],
         "result": "材料齐全的当场受理并出具受理通知书；不齐全的一次性告知补正内容"},
        {"name": "审查", "handler": f"{dept.short_name}{dept.office}", "time_limit": limits[1],
         "result": "对申请材料进行审核，必要时组织现场核查"},
        {"name": "决定", "handler": f"{dept.short_name}分管负责人", "time_limit": limits[2],
         "result": f"作出准予或不予{service.name}的决定"},
        {"name": "送达", "handler": window, "time_limit": limits[3],
         "result": f"{service.result}窗口领取或免费邮寄送达"},
    ]  # fmt: skip


def _service_points(service: DemoService, rng: random.Random) -> list[dict[str, Any]]:
    main = SPECIAL_PLACES.get(service.place, SERVICE_CENTRE)
    window = service.department.window if main is SERVICE_CENTRE else "业务大厅"
    places = [(main, window)] + [
        (t, "综合受理窗口") for t in rng.sample(TOWNSHIPS, rng.randint(1, 2))
    ]
    return [
        {"name": p.name, "address": p.address, "window": w, "hours": p.hours, "phone": p.phone,
         "lat": p.lat, "lon": p.lon}
        for p, w in places
    ]  # fmt: skip


def _fee(service: DemoService) -> dict[str, Any]:
    if not service.fee:
        return {"charged": False, "items": []}
    items = [{"name": n, "standard": s, "basis": b} for n, s, b in FEES[service.fee]]
    return {"charged": True, "items": items}


def build_guide(service: DemoService, base_url: str) -> dict[str, Any]:
    """Expand `service` into a guide dict valid for `connectors.guide.ServiceGuide`."""
    dept = service.department
    rng = random.Random(service.seed)
    type_name, prefix, statutory = ITEM_TYPES[service.type_key]
    statutory = max(statutory, service.days)
    handle = f"{base_url}/handle/{service.code}"
    law_name = LAWS[service.laws[0]].split("》")[0] + "》"
    conditions = [
        "申请人为本县户籍居民，或在本县居住、就业、参保的人员"
        if service.audience == "i"
        else "申请单位依法登记设立，或申请人为具有完全民事行为能力的自然人",
        f"符合{law_name}规定的{service.name}条件",
        "申请材料真实、完整，符合法定形式",
    ]
    guide: dict[str, Any] = {
        "item_code": service.code,
        "catalog_code": f"{prefix}{service.code[-5:]}000Y",
        "item_type": type_name,
        "exercise_level": "county",
        "implementing_body": dept.name,
        "implementing_body_code": dept_credit_code(dept),
        "audience": AUDIENCES[service.audience],
        "themes": list(service.themes),
        "legal_basis": [LAWS[k] for k in service.laws],
        "conditions": conditions,
        "materials": [_material(k, dept) for k in service.materials],
        "process": _process(service),
        "handling_type": "on_the_spot" if service.days == 0 else "promised",
        "statutory_time_limit": {"value": statutory, "unit": "working_days"},
        "promised_time_limit": {"value": service.days, "unit": "working_days"},
        "visits": 1 if service.place or service.scope == "县内" else 0,
        "fee": _fee(service),
        "online_url": handle,
        "mobile_url": f"{handle}?channel=mobile",
        "online_payment": bool(service.fee),
        "scope": service.scope,
        "result": service.result,
        "service_points": _service_points(service, rng),
        "enquiry_phone": dept.phone,
        "complaint_phone": COMPLAINT_PHONE,
    }
    if service.fee:
        guide["payment_url"] = f"{base_url}/pay/{service.code}"
    for material in guide["materials"]:
        if url := material.get("blank_form_url"):
            material["blank_form_url"] = base_url + url
    guide["faq"] = _faq(service, guide, rng)
    return guide


def dept_credit_code(dept: DepartmentSpec) -> str:
    """Return the department's fictional credit code (stable: based on its phone)."""
    return credit_code(int(dept.phone[-2:]))


def _faq(service: DemoService, guide: dict[str, Any], rng: random.Random) -> list[dict[str, str]]:
    dept = service.department
    fee = "；".join(f"{i['name']}{i['standard']}" for i in guide["fee"]["items"])
    values = {
        "name": service.name, "phone": dept.phone, "window": dept.window,
        "centre": SERVICE_CENTRE.name, "county": "青山县", "complaint": COMPLAINT_PHONE,
        "scope": service.scope,
        "online": "不需要。本事项可在浙里办网上申请。" if guide["visits"] == 0 else "需要到现场核验一次。",
        "limit": "当场办结。" if service.days == 0
        else f"承诺{service.days}个工作日内办结（法定时限{guide['statutory_time_limit']['value']}个工作日）。",
        "fee": f"收费：{fee}，可网上支付。" if fee else "不收费。",
    }  # fmt: skip
    picked = rng.sample(FAQ_TEMPLATES, 2)
    return [{"question": q.format(**values), "answer": a.format(**values)} for q, a in picked]
