"""Service points: where departments serve citizens in person, and which are nearest.

Points are filed (the import file's `service_points` under a department) or gathered from
the services' guides (`refresh_guide_points`, run after syncs and indexing). Coordinates
are WGS-84, as GPS and the browser give them. Pages group the points of several
departments at one place (the county service centre has many departments' windows) into
one `NearbyPlace`, and sort places by great-circle distance or by name.
"""

from __future__ import annotations

import logging
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import Select, delete, insert, select

from hall.catalog.models import Item
from hall.directory.models import Account, Department, ServicePoint, service_point_item
from hall.extensions import db
from hall.halls.models import Hall
from hall.halls.services import public_accounts
from hall.timestamps import utcnow

log = logging.getLogger(__name__)

# The mean Earth radius (IUGG): haversine distances are good to about 0.5 %.
EARTH_RADIUS_METRES = 6_371_008.8
# Two guides name one place when name and coordinates agree to 4 decimals (about 11 m).
SAME_PLACE_DIGITS = 4
# A page lists this many nearest places; a district lists all of its places.
NEAREST_PLACES = 20
# Services shown per department at one place; the rest are behind the department's page.
SERVICES_PER_DEPARTMENT = 3
# Past this many changed services (or services at the places they touch), the guide points
# are refreshed in one full pass.
INCREMENTAL_REFRESH_LIMIT = 2000
# Longer numbers than this are not coordinates (and float() of a huge string is slow).
MAX_COORDINATE_TEXT = 20


class CoordinatesError(ValueError):
    """Latitude and longitude are missing one half, not numbers, out of range, or 0,0."""


def check_coordinates(latitude: float, longitude: float) -> tuple[float, float]:
    """Return the pair if it is a real WGS-84 position; raise CoordinatesError if not."""
    if not (math.isfinite(latitude) and math.isfinite(longitude)):
        raise CoordinatesError("latitude and longitude must be finite numbers")
    if not -90 <= latitude <= 90:
        raise CoordinatesError("latitude must be between -90 and 90")
    if not -180 <= longitude <= 180:
        raise CoordinatesError("longitude must be between -180 and 180")
    if latitude == 0 and longitude == 0:
        # 0,0 is in the Gulf of Guinea: what a form or a GPS fix without data leaves behind.
        raise CoordinatesError("0,0 is not a real position: coordinates are missing")
    return latitude, longitude


def parse_coordinates(latitude: str | None, longitude: str | None) -> tuple[float, float] | None:
    """Read a position from an address's text; None when neither half is given."""
    latitude, longitude = (latitude or "").strip(), (longitude or "").strip()
    if not latitude and not longitude:
        return None
    if not latitude or not longitude:
        raise CoordinatesError("give both latitude and longitude")
    try:
        if max(len(latitude), len(longitude)) > MAX_COORDINATE_TEXT:
            raise ValueError
        pair = float(latitude), float(longitude)
    except ValueError:
        raise CoordinatesError("latitude and longitude must be decimal numbers") from None
    return check_coordinates(*pair)


class FiledPoint(BaseModel):
    """A service point as a department files it (the import file's `service_points`)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=200)
    name_en: str | None = Field(default=None, max_length=300)
    address: str | None = Field(default=None, max_length=500)
    district: str | None = Field(default=None, max_length=100)
    latitude: float | None = Field(default=None, ge=-90, le=90, allow_inf_nan=False)
    longitude: float | None = Field(default=None, ge=-180, le=180, allow_inf_nan=False)
    phone: str | None = Field(default=None, max_length=50)
    hours: str | None = Field(default=None, max_length=200)

    @model_validator(mode="after")
    def _real_position(self) -> FiledPoint:
        if (self.latitude is None) != (self.longitude is None):
            raise ValueError("give both latitude and longitude, or neither")
        if self.latitude is not None and self.longitude is not None:
            try:
                check_coordinates(self.latitude, self.longitude)
            except CoordinatesError as exc:
                raise ValueError(str(exc)) from None
        return self


def distance_metres(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Return the great-circle distance between two WGS-84 positions (haversine)."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    half_dphi = math.radians(lat2 - lat1) / 2
    half_dlambda = math.radians(lon2 - lon1) / 2
    h = math.sin(half_dphi) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(half_dlambda) ** 2
    return 2 * EARTH_RADIUS_METRES * math.asin(min(1.0, math.sqrt(h)))


def format_distance(metres: float) -> str:
    """Return a distance as a citizen reads it: "850 m", "1.2 km", "37 km"."""
    rounded = round(metres / 10) * 10
    if rounded < 1000:
        return f"{rounded:.0f} m"
    if metres < 100_000:
        return f"{metres / 1000:.1f} km"
    return f"{metres / 1000:.0f} km"


# --- links out to map apps ------------------------------------------------------------
# Chinese map apps draw GCJ-02 ("Mars") coordinates, which the national rules offset from
# WGS-84 by up to a few hundred metres. The published transform (Krasovsky ellipsoid and
# the public polynomial, as in eviltransform and the map vendors' documents) moves a
# point the same way, so the Amap link lands on the right building.
_KRASOVSKY_A = 6378245.0
_KRASOVSKY_EE = 0.00669342162296594323


def _outside_china(latitude: float, longitude: float) -> bool:
    return not (72.004 <= longitude <= 137.8347 and 0.8293 <= latitude <= 55.8271)


def _shift_latitude(x: float, y: float) -> float:
    shift = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    shift += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2 / 3
    shift += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2 / 3
    shift += (160.0 * math.sin(y / 12.0 * math.pi) + 320.0 * math.sin(y / 30.0 * math.pi)) * 2 / 3
    return shift


def _shift_longitude(x: float, y: float) -> float:
    shift = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    shift += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2 / 3
    shift += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2 / 3
    shift += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2 / 3
    return shift


def wgs84_to_gcj02(latitude: float, longitude: float) -> tuple[float, float]:
    """Return the GCJ-02 position Chinese map apps draw for a WGS-84 one (same abroad)."""
    if _outside_china(latitude, longitude):
        return latitude, longitude
    x, y = longitude - 105.0, latitude - 35.0
    radians = math.radians(latitude)
    magic = 1 - _KRASOVSKY_EE * math.sin(radians) ** 2
    sqrt_magic = math.sqrt(magic)
    dlat = (
        _shift_latitude(x, y)
        * 180.0
        / (_KRASOVSKY_A * (1 - _KRASOVSKY_EE) / (magic * sqrt_magic) * math.pi)
    )
    dlon = (
        _shift_longitude(x, y) * 180.0 / (_KRASOVSKY_A / sqrt_magic * math.cos(radians) * math.pi)
    )
    return latitude + dlat, longitude + dlon


@dataclass(frozen=True)
class MapLinks:
    """Plain links that open a place in a map app: no tiles or scripts on our pages."""

    geo: str  # RFC 5870: the phone's own map app
    openstreetmap: str
    amap: str  # 高德地图, in GCJ-02


def map_links(latitude: float, longitude: float, name: str) -> MapLinks:
    """Return the links out for a place at a WGS-84 position."""
    lat, lon = f"{latitude:.6f}", f"{longitude:.6f}"
    label = quote(name, safe="")
    gcj_lat, gcj_lon = wgs84_to_gcj02(latitude, longitude)
    return MapLinks(
        geo=f"geo:{lat},{lon}?q={lat},{lon}({label})",
        openstreetmap=f"https://www.openstreetmap.org/?mlat={lat}&mlon={lon}#map=17/{lat}/{lon}",
        amap=(
            f"https://uri.amap.com/marker?position={gcj_lon:.6f},{gcj_lat:.6f}"
            f"&name={label}&coordinate=gaode"
        ),
    )


# --- writes ---------------------------------------------------------------------------
@dataclass
class PointChanges:
    """What a write did to the service points, for the import summary and the logs."""

    added: int = 0
    updated: int = 0
    removed: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed)


def replace_filed_points(*, department_id: str, points: list[FiledPoint]) -> PointChanges:
    """Make the department's filed points exactly `points`, matched by name.

    Guide points are left alone: they follow the services' guides.
    """
    changes = PointChanges()
    existing = {
        point.name: point
        for point in db.session.scalars(
            select(ServicePoint).where(
                ServicePoint.department_id == department_id, ServicePoint.source == "filed"
            )
        )
    }
    for entry in points:
        point = existing.pop(entry.name, None)
        if point is None:
            db.session.add(
                ServicePoint(department_id=department_id, source="filed", **entry.model_dump())
            )
            changes.added += 1
        elif _update(point, entry.model_dump()):
            changes.updated += 1
    _remove(list(existing.values()))
    changes.removed = len(existing)
    db.session.flush()
    return changes


def refresh_guide_points(item_ids: Iterable[int] | None = None) -> PointChanges:
    """Rebuild the "guide" points from the live services' guides; filed points stay.

    A point listed by several services (of one department) is one row, linked to each of
    them; a point no live service lists any more is removed. A guide point's district is
    the longest filed district name found in its address, so both sorts share one list.

    With `item_ids` (the items an index pass changed), only the places those items list
    now or were linked to before are looked at again, with every service linked to such a
    place: the same outcome as a full refresh, if the points were in step before, at a
    cost that follows the change instead of the size of the catalogue.
    """
    changed = None if item_ids is None else set(item_ids)
    if changed is not None and len(changed) > INCREMENTAL_REFRESH_LIMIT:
        changed = None  # a full pass is cheaper, and keeps each IN (...) list short
    if changed is None:
        wanted = _wanted_points(None)
        existing = _guide_points_by_key(select(ServicePoint).where(ServicePoint.source == "guide"))
        links = _links(None)
    else:
        if not changed:
            return PointChanges()
        keys = set(_wanted_points(changed))
        linked_before = select(service_point_item.c.service_point_id).where(
            service_point_item.c.item_id.in_(changed)
        )
        for point in db.session.scalars(
            select(ServicePoint).where(
                ServicePoint.source == "guide", ServicePoint.id.in_(linked_before)
            )
        ):
            keys.add(_key_of(point))
        if not keys:
            return PointChanges()
        existing = _guide_points_by_key(
            select(ServicePoint).where(
                ServicePoint.source == "guide",
                ServicePoint.department_id.in_({key[0] for key in keys}),
                ServicePoint.name.in_({key[1] for key in keys}),
            ),
            keys,
        )
        links = _links([point.id for points in existing.values() for point in points])
        readers = changed.union(*links.values())
        if len(readers) > INCREMENTAL_REFRESH_LIMIT:
            return refresh_guide_points(None)
        wanted = {key: found for key, found in _wanted_points(readers).items() if key in keys}
    return _reconcile(wanted, existing, links)


def _wanted_points(
    item_ids: set[int] | None,
) -> dict[tuple, tuple[dict[str, Any], set[int]]]:
    """Return the places the live services' guides list (those of `item_ids`, or all), each
    with its values and the services listing it."""
    query = (
        select(Item.id, Account.department_id, Item.guide)
        .join(Account, Item.account_id == Account.id)
        .where(Item.kind == "service", Item.tombstoned_at.is_(None), Item.guide.is_not(None))
        .order_by(Item.id)
    )
    if item_ids is not None:
        query = query.where(Item.id.in_(item_ids))
    wanted: dict[tuple, tuple[dict[str, Any], set[int]]] = {}
    for item_id, department_id, guide in db.session.execute(query):
        for raw in (guide or {}).get("service_points") or ():
            values = _guide_point_values(raw)
            if values is None:
                continue
            key = (
                department_id,
                *_place_key(values["name"], values["latitude"], values["longitude"]),
            )
            # The first service (lowest id) to list a place gives its address and hours.
            wanted.setdefault(key, (values, set()))[1].add(item_id)
    return wanted


def _key_of(point: ServicePoint) -> tuple:
    return (point.department_id, *_place_key(point.name, point.latitude, point.longitude))


def _guide_points_by_key(query: Select, keys: set[tuple] | None = None) -> dict[tuple, list]:
    existing: dict[tuple, list[ServicePoint]] = defaultdict(list)
    for point in db.session.scalars(query.order_by(ServicePoint.id)):
        key = _key_of(point)
        if keys is None or key in keys:
            existing[key].append(point)
    return existing


def _reconcile(
    wanted: dict[tuple, tuple[dict[str, Any], set[int]]],
    existing: dict[tuple, list[ServicePoint]],
    links: dict[int, set[int]],
) -> PointChanges:
    """Make the existing guide points match the wanted ones, links included."""
    districts = sorted(_filed_districts(), key=len, reverse=True)
    changes = PointChanges()
    for key, (values, item_ids) in wanted.items():
        values = {**values, "district": _district_of(values["address"], districts)}
        found = existing.pop(key, [])
        _remove(found[1:])  # indexers on two machines can race: one row per place
        if found:
            point = found[0]
            if _update(point, values):
                changes.updated += 1
        else:
            point = ServicePoint(department_id=key[0], source="guide", **values)
            db.session.add(point)
            db.session.flush()
            changes.added += 1
        _set_links(point.id, links.get(point.id, set()), item_ids)
    gone = [point for points in existing.values() for point in points]
    _remove(gone)
    changes.removed = len(gone)
    db.session.flush()
    if changes.changed:
        log.info("guide service points: %s", changes)
    return changes


def _guide_point_values(raw: Any) -> dict[str, Any] | None:
    """Return a guide's point as ServicePoint values; None without a name or a position."""
    if not isinstance(raw, dict) or not isinstance(raw.get("name"), str) or not raw["name"].strip():
        return None
    try:
        latitude, longitude = check_coordinates(float(raw["lat"]), float(raw["lon"]))
    except (KeyError, TypeError, ValueError):  # CoordinatesError is a ValueError
        return None
    return {
        "name": raw["name"].strip()[:200],
        "address": _text(raw.get("address"), 500),
        "phone": _text(raw.get("phone"), 50),
        "hours": _text(raw.get("hours"), 200),
        "latitude": latitude,
        "longitude": longitude,
    }


def _text(value: Any, limit: int) -> str | None:
    return (value.strip()[:limit] or None) if isinstance(value, str) else None


def _place_key(name: str, latitude: float | None, longitude: float | None) -> tuple:
    if latitude is None or longitude is None:
        return (name, None, None)
    return (name, round(latitude, SAME_PLACE_DIGITS), round(longitude, SAME_PLACE_DIGITS))


def _filed_districts() -> set[str]:
    query = select(ServicePoint.district).where(
        ServicePoint.source == "filed", ServicePoint.district.is_not(None)
    )
    return {district for district in db.session.scalars(query) if district}


def _district_of(address: str | None, districts: list[str]) -> str | None:
    return next((d for d in districts if address and d in address), None)


def _links(point_ids: list[int] | None) -> dict[int, set[int]]:
    """Return the services linked to each point (to the given points, or to every one)."""
    query = select(service_point_item)
    if point_ids is not None:
        query = query.where(service_point_item.c.service_point_id.in_(point_ids))
    links: dict[int, set[int]] = defaultdict(set)
    for point_id, item_id in db.session.execute(query):
        links[point_id].add(item_id)
    return links


def _set_links(point_id: int, current: set[int], wanted: set[int]) -> None:
    table = service_point_item
    if current - wanted:
        db.session.execute(
            delete(table).where(
                table.c.service_point_id == point_id, table.c.item_id.in_(current - wanted)
            )
        )
    if wanted - current:
        db.session.execute(
            insert(table), [{"service_point_id": point_id, "item_id": i} for i in wanted - current]
        )


def _remove(points: list[ServicePoint]) -> None:
    """Delete points and their links (SQLite does not cascade without a pragma)."""
    if not points:
        return
    ids = [point.id for point in points]
    db.session.execute(
        delete(service_point_item).where(service_point_item.c.service_point_id.in_(ids))
    )
    for point in points:
        db.session.delete(point)


def _update(point: ServicePoint, values: dict[str, Any]) -> bool:
    changed = False
    for name, value in values.items():
        if getattr(point, name) != value:
            setattr(point, name, value)
            changed = True
    if changed:
        point.updated_at = utcnow()
    return changed


# --- reads: the nearby page -----------------------------------------------------------
@dataclass
class PlaceServices:
    """One department's services at a place: the first few, and how many more."""

    department: Department
    services: list[Item]
    more: int = 0


@dataclass
class NearbyPlace:
    """One place on the page: the points of every department that serves there."""

    points: list[ServicePoint]  # filed first: a department's own words beat a guide's
    departments: list[PlaceServices] = field(default_factory=list)
    distance: float | None = None  # metres from the citizen's position

    @property
    def main(self) -> ServicePoint:
        return self.points[0]

    @property
    def distance_label(self) -> str:
        return format_distance(self.distance) if self.distance is not None else ""

    def display_name(self, language: str = "zh") -> str:
        if language == "en":
            return next((p.name_en for p in self.points if p.name_en), self.main.name)
        return self.main.name

    def first(self, attribute: str) -> Any:
        """Return the first point's value of `attribute` that is given."""
        return next((getattr(p, attribute) for p in self.points if getattr(p, attribute)), None)

    def links(self) -> MapLinks | None:
        if self.main.latitude is None or self.main.longitude is None:
            return None
        return map_links(self.main.latitude, self.main.longitude, self.main.name)


@dataclass
class NearbyResult:
    """The places a page lists, and the districts it offers to choose from."""

    places: list[NearbyPlace]
    districts: list[str]
    total: int  # places that matched, before NEAREST_PLACES cut the list


class UnknownDistrictError(LookupError):
    """The hall has no service points in this district."""


UNKNOWN_DISTRICT = "This hall has no service points in that district. Choose one from the list."


def nearby_places(
    hall: Hall,
    *,
    origin: tuple[float, float] | None = None,
    district: str | None = None,
    language: str = "zh",
) -> NearbyResult:
    """Return the hall's places, nearest first from `origin`, else by name in `district`.

    A hall shows the points of departments with an approved account in it; a guide point
    only while a service that lists it is public in this hall. Services in the page
    `language` come first at each place.
    """
    public = public_accounts(hall)
    accounts = {account.id for account in public}
    department_ids = {account.department_id for account in public}
    points = list(
        db.session.scalars(
            select(ServicePoint)
            .where(ServicePoint.department_id.in_(department_ids))
            .order_by(ServicePoint.source, ServicePoint.id)  # "filed" < "guide"
        )
    )
    services = _public_services([p.id for p in points], accounts)
    points = [p for p in points if p.source == "filed" or services.get(p.id)]
    districts = sorted({p.district for p in points if p.district})
    if district is not None:
        if district not in districts:
            raise UnknownDistrictError(district)
        points = [p for p in points if p.district == district]
    if origin is not None:
        points = [p for p in points if p.latitude is not None and p.longitude is not None]
    places = _group(points, services, language)
    if origin is not None:
        for place in places:
            place.distance = distance_metres(*origin, place.main.latitude, place.main.longitude)
        places.sort(key=lambda place: (place.distance, place.main.name))
    else:
        places.sort(key=lambda place: place.main.name)
    total = len(places)
    return NearbyResult(places[:NEAREST_PLACES] if origin else places, districts, total)


def _public_services(point_ids: list[int], account_ids: set[str]) -> dict[int, list[Item]]:
    """Return each point's live services from the hall's public accounts, by title."""
    found: dict[int, list[Item]] = defaultdict(list)
    if not point_ids or not account_ids:
        return found
    query = (
        select(service_point_item.c.service_point_id, Item)
        .join(Item, Item.id == service_point_item.c.item_id)
        .where(
            service_point_item.c.service_point_id.in_(point_ids),
            Item.account_id.in_(account_ids),
            Item.tombstoned_at.is_(None),
        )
        .order_by(Item.title, Item.id)
    )
    for point_id, item in db.session.execute(query):
        found[point_id].append(item)
    return found


def _group(
    points: list[ServicePoint], services: dict[int, list[Item]], language: str
) -> list[NearbyPlace]:
    """Gather points at the same place (name and position) into one place each."""

    def order(item: Item) -> tuple[bool, str]:
        return not (item.language or "zh").lower().startswith(language), item.title

    places: dict[tuple, NearbyPlace] = {}
    for point in points:
        key = _place_key(point.name, point.latitude, point.longitude)
        if key[1] is None:
            key = (point.name, point.address)
        places.setdefault(key, NearbyPlace(points=[])).points.append(point)
    for place in places.values():
        by_department: dict[str, list[Item]] = {}
        for point in place.points:
            listed = by_department.setdefault(point.department_id, [])
            listed.extend(item for item in services.get(point.id, ()) if item not in listed)
        departments = {p.department_id: p.department for p in place.points}
        place.departments = [
            PlaceServices(
                departments[dept_id],
                sorted(items, key=order)[:SERVICES_PER_DEPARTMENT],
                max(0, len(items) - SERVICES_PER_DEPARTMENT),
            )
            for dept_id, items in by_department.items()
        ]
    return list(places.values())
