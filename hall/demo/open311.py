"""The city-management department's Open311 GeoReport v2 service list and definitions."""

from __future__ import annotations

import json
from xml.sax.saxutils import escape

OPEN311_DEPARTMENT = "urban"

# (code, name, description, metadata, keywords, group)
# fmt: off
OPEN311_SERVICES: tuple[tuple[str, str, str, bool, str, str], ...] = (
    ("001", "路灯损坏", "路灯不亮、白天常亮、灯杆倾斜或灯具脱落。", True, "路灯,照明,灯杆", "市政设施"),
    ("002", "道路坑洼", "城市道路、人行道路面破损、坑洼或井盖缺失。", True, "道路,坑洼,井盖", "市政设施"),
    ("003", "噪声扰民", "夜间施工、商业经营或娱乐场所噪声影响居民休息。", True, "噪声,扰民,施工", "环境秩序"),
    ("004", "占道经营", "在道路、广场等公共场所擅自摆摊设点。", False, "占道,摆摊,流动摊贩", "市容秩序"),
    ("005", "违章停车", "机动车占用人行道、消防通道或非机动车道停放。", True, "违停,停车,消防通道", "市容秩序"),
    ("006", "垃圾未及时清运", "生活垃圾、建筑垃圾堆放未清运或垃圾桶满溢。", False, "垃圾,清运,垃圾分类", "环境卫生"),
    ("007", "违法建设", "未经批准搭建建筑物、构筑物或擅自改建。", True, "违建,搭建", "规划执法"),
    ("008", "户外广告破损", "户外广告牌、店招店牌破损或存在坠落隐患。", False, "广告,店招,店牌", "市容秩序"),
    ("009", "绿化损毁", "行道树倒伏、绿地被占用或损毁。", False, "绿化,树木,绿地", "园林绿化"),
    ("010", "共享单车乱停放", "共享单车、电动自行车乱停乱放影响通行。", False, "共享单车,乱停放", "市容秩序"),
)
# fmt: on

# Attributes of the services that have metadata: (code, datatype, required, description, values)
# fmt: off
_COMMON = (("photo_taken", "singlevaluelist", False, "是否已拍摄现场照片", (("yes", "是"), ("no", "否"))),)
# fmt: on
ATTRIBUTES: dict[str, tuple[tuple[str, str, bool, str, tuple[tuple[str, str], ...]], ...]] = {
    "001": (
        ("pole_number", "string", False, "灯杆编号（灯杆上的白色标牌）", ()),
        (
            "lamp_state",
            "singlevaluelist",
            True,
            "路灯状态",
            (("off", "不亮"), ("day", "白天常亮"), ("fallen", "灯具脱落")),
        ),
    ),
    "002": (
        ("hazard", "singlevaluelist", True, "是否影响通行安全", (("yes", "是"), ("no", "否"))),
    ),
    "003": (
        (
            "noise_time",
            "singlevaluelist",
            True,
            "噪声时段",
            (("day", "白天"), ("night", "夜间22时至次日6时")),
        ),
        ("source", "string", False, "噪声来源", ()),
    ),
    "005": (("plate", "string", False, "车牌号（可不填）", ()),),
    "007": (("floor_area", "number", False, "估计面积（平方米）", ()),),
}  # fmt: skip


def _service_dicts() -> list[dict]:
    return [
        {"service_code": code, "service_name": name, "description": text, "metadata": meta,
         "type": "realtime", "keywords": keywords, "group": group}
        for code, name, text, meta, keywords, group in OPEN311_SERVICES
    ]  # fmt: skip


def _definition(code: str) -> dict:
    attributes = ATTRIBUTES.get(code, ()) + _COMMON
    return {
        "service_code": code,
        "attributes": [
            {"variable": True, "code": a_code, "datatype": datatype, "required": required,
             "datatype_description": None, "order": order, "description": text,
             "values": [{"key": k, "name": n} for k, n in values]}
            for order, (a_code, datatype, required, text, values) in enumerate(attributes, 1)
        ],
    }  # fmt: skip


def _xml(tag: str, value: object) -> str:
    if isinstance(value, list):
        return f"<{tag}>" + "".join(_xml(tag[:-1], item) for item in value) + f"</{tag}>"
    if isinstance(value, dict):
        return f"<{tag}>" + "".join(_xml(k, v) for k, v in value.items()) + f"</{tag}>"
    if value is None:
        return f"<{tag}/>"
    text = str(value).lower() if isinstance(value, bool) else str(value)
    return f"<{tag}>{escape(text)}</{tag}>"


def open311_documents() -> dict[str, tuple[str, bytes]]:
    """Return the Open311 paths and bodies (JSON and XML, list and definitions)."""
    json_type, xml_type = "application/json; charset=utf-8", "application/xml; charset=utf-8"
    head = '<?xml version="1.0" encoding="utf-8"?>'
    services = _service_dicts()
    docs = {
        "/open311/services.json": (json_type, json.dumps(services, ensure_ascii=False)),
        "/open311/services.xml": (xml_type, head + _xml("services", services)),
    }
    for service in services:
        if service["metadata"]:
            definition = _definition(service["service_code"])
            code = service["service_code"]
            docs[f"/open311/services/{code}.json"] = (
                json_type,
                json.dumps(definition, ensure_ascii=False),
            )
            xml = _xml("service_definition", {**definition, "attributes": definition["attributes"]})
            docs[f"/open311/services/{code}.xml"] = (xml_type, head + xml)
    return {path: (ctype, body.encode()) for path, (ctype, body) in docs.items()}
