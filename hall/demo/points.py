"""The service points 青山县's departments file (the import file's `service_points`).

Fictional like the rest of the county: the positions lie in one made-up area around
30.05°N 119.95°E (WGS-84). The county service centre hosts several departments' windows,
so it is filed by each of them at one position and the nearby page shows it once. The
township centres are filed by the government services office; their districts are the
list citizens choose from, and guide points found in those districts join it. The
services' guides list the same centres (hall/demo/guides.py), which gives
refresh_guide_points its work.
"""

from __future__ import annotations

from typing import Any

from hall.demo.departments import (
    COUNTY_EN,
    SERVICE_CENTRE,
    SPECIAL_PLACES,
    TOWN_NAMES,
    TOWNSHIPS,
    Place,
)

CENTRE_DISTRICT = "青山街道"
SATURDAY_HOURS = "周一至周六 8:30-12:00, 13:30-17:00（法定节假日除外）"

# Departments that file their windows in the county service centre (户籍, 社保, 医保,
# 办税, 企业开办, 公积金, and the front desk of the government services office).
CENTRE_DEPARTMENTS = ("gov", "police", "hrss", "medins", "tax", "amr", "hpf")


def _point(place: Place, district: str, **values: Any) -> dict[str, Any]:
    point = {
        "name": place.name,
        "address": place.address,
        "district": district,
        "latitude": place.lat,
        "longitude": place.lon,
        "phone": place.phone,
        "hours": place.hours,
    }
    return {**point, **values}


def _own(
    name: str, address: str, district: str, lat: float, lon: float, phone: str, **values: Any
) -> dict[str, Any]:
    return _point(Place(name, address, phone, lat, lon), district, **values)


def filed_points() -> dict[str, list[dict[str, Any]]]:
    """Return each department's filed points, by department id."""
    centre_en = f"{COUNTY_EN} Government Service Centre"
    points: dict[str, list[dict[str, Any]]] = {
        dept_id: [_point(SERVICE_CENTRE, CENTRE_DISTRICT, name_en=centre_en)]
        for dept_id in CENTRE_DEPARTMENTS
    }
    points["gov"] += [
        _point(place, town) for place, town in zip(TOWNSHIPS, TOWN_NAMES, strict=True)
    ]
    points["police"] += [
        _point(SPECIAL_PLACES["dmv"], CENTRE_DISTRICT, hours=SATURDAY_HOURS,
               name_en="Qingshan Vehicle Administration Office"),
        _own("青山县公安局青山派出所户籍室", "青山县青山街道解放路45号", CENTRE_DISTRICT,
             30.0549, 119.9421, "0571-86021301"),
        _own("青山县公安局白沙派出所户籍室", "青山县白沙镇白沙路30号", "白沙镇",
             30.0901, 119.9041, "0571-86021302"),
    ]  # fmt: skip
    points["hrss"].append(
        _own("青山县社会保险服务大厅", "青山县桃源街道桃源路120号", "桃源街道",
             30.0641, 119.9655, "0571-86021304", name_en="Qingshan Social Insurance Hall")
    )  # fmt: skip
    points["tax"].append(_point(SPECIAL_PLACES["tax"], CENTRE_DISTRICT))
    points["civil"] = [_point(SPECIAL_PLACES["marriage"], CENTRE_DISTRICT)]
    return points


def attach_filed_points(departments: list[dict[str, Any]]) -> None:
    """Add `service_points` to the import file's department entries that file some."""
    points = filed_points()
    for entry in departments:
        if entry["id"] in points:
            entry["service_points"] = points[entry["id"]]
