"""Service points: distances, districts, guide points, hall scope and the import file."""

from __future__ import annotations

import math

import pytest
import yaml

from hall.directory import points
from hall.directory.models import Account, ServicePoint, service_point_item
from hall.extensions import db
from hall.halls.models import Hall
from tests.builders import make_account, make_connector, make_hall, make_item

# One degree of latitude on the mean-radius sphere: 6 371 008.8 m × π / 180.
DEGREE = 111_195.08


def filed(department: str, name: str, lat: float | None, lon: float | None, **values):
    point = ServicePoint(department_id=department, name=name, latitude=lat, longitude=lon, **values)
    db.session.add(point)
    db.session.flush()
    return point


def service(title: str, *guide_points: dict, connector: str = "hrss-web-feed", **values):
    return make_item(
        title, connector=connector, kind="service", guide={"service_points": list(guide_points)},
        **values,
    )  # fmt: skip


def linked_titles(point: ServicePoint) -> set[str]:
    from hall.catalog.models import Item

    query = (
        db.select(Item.title)
        .join(service_point_item, service_point_item.c.item_id == Item.id)
        .where(service_point_item.c.service_point_id == point.id)
    )
    return set(db.session.scalars(query))


def guide_points() -> list[ServicePoint]:
    query = (
        db.select(ServicePoint).where(ServicePoint.source == "guide").order_by(ServicePoint.name)
    )
    return list(db.session.scalars(query))


@pytest.fixture
def hall(app):
    """The county hall: the HR bureau and the police; the market bureau is outside."""
    for account, department in (
        ("hrss-web", "hrss"),
        ("police-web", "police"),
        ("market-web", "market"),
    ):
        make_account(account, department)
        make_connector(f"{account}-feed", account)
    hall = make_hall("county", ["hrss-web", "police-web"])
    db.session.commit()
    return hall


def test_haversine_distance_matches_known_arcs():
    assert points.distance_metres(30, 120, 31, 120) == pytest.approx(DEGREE, abs=1)
    # Along the equator a degree of longitude is a degree of arc too.
    assert points.distance_metres(0, 10, 0, 11) == pytest.approx(DEGREE, abs=1)
    assert points.distance_metres(30, 120, 30, 120) == 0
    # Half way round the world, not NaN from rounding.
    assert points.distance_metres(0, 0, 0, 180) == pytest.approx(math.pi * 6_371_008.8)


@pytest.mark.parametrize(
    ("metres", "shown"),
    [
        (0, "0 m"),
        (44, "40 m"),
        (846, "850 m"),
        (996, "1.0 km"),
        (1234, "1.2 km"),
        (123_456, "123 km"),
    ],
)
def test_distances_read_as_citizens_say_them(metres, shown):
    assert points.format_distance(metres) == shown


def test_places_are_sorted_by_great_circle_distance(hall):
    filed("hrss", "五公里社保站", 30.05, 120.0)
    filed("police", "一公里派出所", 30.01, 120.0)
    filed("hrss", "两公里社保站", 30.02, 120.0)
    filed("market", "不在大厅的市场监管所", 30.0, 120.0)
    filed("police", "没有坐标的警务室", None, None, district="白沙镇")

    result = points.nearby_places(hall, origin=(30.0, 120.0))

    names = [place.main.name for place in result.places]
    assert names == ["一公里派出所", "两公里社保站", "五公里社保站"]
    distances = [place.distance for place in result.places]
    assert distances == pytest.approx([0.01 * DEGREE, 0.02 * DEGREE, 0.05 * DEGREE], abs=1)
    assert [place.distance_label for place in result.places] == ["1.1 km", "2.2 km", "5.6 km"]


def test_only_the_nearest_places_are_listed(hall, monkeypatch):
    monkeypatch.setattr(points, "NEAREST_PLACES", 2)
    for n in range(1, 5):
        filed("hrss", f"第{n}站", 30.0 + n / 100, 120.0)

    result = points.nearby_places(hall, origin=(30.0, 120.0))

    assert [place.main.name for place in result.places] == ["第1站", "第2站"]
    assert result.total == 4


def test_a_district_lists_its_places_by_name(hall):
    filed("hrss", "乙社保站", 30.1, 120.1, district="白沙镇")
    filed("police", "甲派出所", 30.2, 120.2, district="白沙镇")
    filed("police", "丙派出所", 30.0, 120.0, district="龙潭镇")

    result = points.nearby_places(hall, district="白沙镇")

    assert [place.main.name for place in result.places] == sorted(["乙社保站", "甲派出所"])
    assert result.districts == ["白沙镇", "龙潭镇"]
    with pytest.raises(points.UnknownDistrictError):
        points.nearby_places(hall, district="不存在的镇")


def test_departments_at_one_place_are_shown_together(hall):
    filed("hrss", "政务服务中心", 30.05121, 120.0, hours="工作日")
    filed("police", "政务服务中心", 30.05119, 120.0, phone="0571-1")

    (place,) = points.nearby_places(hall, origin=(30.0, 120.0)).places

    assert {entry.department.id for entry in place.departments} == {"hrss", "police"}
    assert place.first("hours") == "工作日" and place.first("phone") == "0571-1"


def test_suspended_accounts_and_other_halls_stay_out(hall):
    make_account("hrss-old", "hrss", filing_status="suspended")
    make_connector("hrss-old-feed", "hrss-old")
    make_account("civil-old", "civil", filing_status="suspended")
    hall.accounts += [db.session.get(Account, "hrss-old"), db.session.get(Account, "civil-old")]
    filed("civil", "只有暂停账号的民政窗口", 30.0, 120.0)
    filed("market", "不在大厅的市场监管所", 30.0, 120.0)
    place = {"name": "旧账号的办理点", "lat": 30.0, "lon": 120.0}
    service("旧账号的服务", place, connector="hrss-old-feed")
    service("公开的服务", {"name": "公开的办理点", "lat": 30.001, "lon": 120.0})
    points.refresh_guide_points()

    result = points.nearby_places(hall, origin=(30.0, 120.0))

    assert [p.main.name for p in result.places] == ["公开的办理点"]
    (entry,) = result.places[0].departments
    assert [item.title for item in entry.services] == ["公开的服务"]


def test_guide_points_follow_the_live_services(hall):
    filed("hrss", "人工填报的服务站", 30.3, 120.3, district="白沙镇")
    centre = {"name": "市民中心", "address": "白沙镇人民路1号", "lat": 30.1, "lon": 120.1}
    service("失业登记", centre, {"name": "没有坐标的窗口", "address": "某处"})
    registration = service("社保卡申领", centre, {"name": "社保卡网点", "lat": 30.2, "lon": 120.2})
    service("数据不对的服务", {"name": "零点", "lat": 0, "lon": 0}, {"lat": 30.0, "lon": 120.0})

    added = points.refresh_guide_points()

    assert (added.added, added.updated, added.removed) == (2, 0, 0)
    centre_point, counter = guide_points()
    assert (centre_point.name, centre_point.department_id) == ("市民中心", "hrss")
    assert centre_point.district == "白沙镇"  # a filed district found in its address
    assert linked_titles(centre_point) == {"失业登记", "社保卡申领"}
    assert linked_titles(counter) == {"社保卡申领"}
    assert not points.refresh_guide_points().changed  # nothing moved: nothing changes

    registration.guide = {"service_points": [{**centre, "hours": "工作日"}]}
    db.session.flush()
    changes = points.refresh_guide_points()

    assert (changes.added, changes.updated, changes.removed) == (0, 0, 1)
    assert [p.name for p in guide_points()] == ["市民中心"]
    assert guide_points()[0].hours is None  # the first service to list it has the say
    assert [p.name for p in db.session.scalars(db.select(ServicePoint).where(
        ServicePoint.source == "filed"))] == ["人工填报的服务站"]  # fmt: skip


def test_withdrawn_services_take_their_guide_points_with_them(hall):
    from hall.timestamps import utcnow

    item = service(
        "出生登记", {"name": "派出所户籍室", "lat": 30.1, "lon": 120.1}, connector="police-web-feed"
    )
    points.refresh_guide_points()
    assert [p.department_id for p in guide_points()] == ["police"]

    item.tombstoned_at = utcnow()
    db.session.flush()

    assert points.refresh_guide_points().removed == 1
    assert guide_points() == []
    assert db.session.scalar(db.select(db.func.count()).select_from(service_point_item)) == 0


def test_duplicate_guide_rows_from_a_race_are_merged(hall):
    service("失业登记", {"name": "市民中心", "lat": 30.1, "lon": 120.1})
    for _ in range(2):
        db.session.add(ServicePoint(department_id="hrss", name="市民中心", latitude=30.1,
                                    longitude=120.1, source="guide"))  # fmt: skip
    db.session.flush()

    points.refresh_guide_points()

    (point,) = guide_points()
    assert linked_titles(point) == {"失业登记"}


@pytest.mark.parametrize(
    ("lat", "lon", "reason"),
    [
        ("30.1", "", "give both latitude and longitude"),
        ("", "120", "give both latitude and longitude"),
        ("north", "120", "must be decimal numbers"),
        ("1" * 400, "120", "must be decimal numbers"),
        ("nan", "120", "finite numbers"),
        ("inf", "120", "finite numbers"),
        ("91", "120", "latitude must be between -90 and 90"),
        ("30", "-180.5", "longitude must be between -180 and 180"),
        ("0", "0.0", "0,0 is not a real position"),
    ],
)
def test_bad_coordinates_are_refused_with_a_reason(lat, lon, reason):
    with pytest.raises(points.CoordinatesError, match=reason):
        points.parse_coordinates(lat, lon)


def test_good_coordinates_are_read():
    assert points.parse_coordinates(" 30.051 ", "119.949") == (30.051, 119.949)
    assert points.parse_coordinates("-33.9", "18.4") == (-33.9, 18.4)
    assert points.parse_coordinates(None, "") is None


def test_amap_gets_gcj02_coordinates_and_abroad_stays_as_is():
    # Tian'anmen: the published transform moves it about 550 m east-north-east.
    lat, lon = points.wgs84_to_gcj02(39.908692, 116.397477)
    assert (lat, lon) == pytest.approx((39.910095, 116.403721), abs=2e-6)
    assert 100 < points.distance_metres(39.908692, 116.397477, lat, lon) < 700
    assert points.wgs84_to_gcj02(51.5, -0.12) == (51.5, -0.12)


def test_map_links_are_plain_urls():
    links = points.map_links(30.0512, 119.9487, "青山县政务服务中心 (东楼)")

    assert links.geo == (
        "geo:30.051200,119.948700?q=30.051200,119.948700"
        "(%E9%9D%92%E5%B1%B1%E5%8E%BF%E6%94%BF%E5%8A%A1%E6%9C%8D%E5%8A%A1%E4%B8%AD%E5%BF%83%20%28%E4%B8%9C%E6%A5%BC%29)"
    )
    assert links.openstreetmap == (
        "https://www.openstreetmap.org/?mlat=30.051200&mlon=119.948700#map=17/30.051200/119.948700"
    )
    gcj_lat, gcj_lon = points.wgs84_to_gcj02(30.0512, 119.9487)
    assert links.amap.startswith(
        f"https://uri.amap.com/marker?position={gcj_lon:.6f},{gcj_lat:.6f}&name=%E9%9D%92"
    )
    assert links.amap.endswith("&coordinate=gaode")


POINTS_FILE = """
departments:
  - id: hrss
    name: 某某县人力资源和社会保障局
    sector: social_security
    service_points:
      - name: 县社会保险服务大厅
        name_en: County Social Insurance Hall
        address: 白沙镇人民路1号
        district: 白沙镇
        latitude: 30.0641
        longitude: 119.9655
        phone: 0571-86021304
        hours: 周一至周五 8:30-17:00
      - name: 县政务服务中心
        address: 和平路168号
        district: 青山街道
"""


def test_the_import_file_files_service_points(app):
    from hall.importer import import_text

    summary = import_text(POINTS_FILE)

    assert summary.created["service_points"] == 2
    hall_point = db.session.scalars(db.select(ServicePoint).order_by(ServicePoint.id)).first()
    assert (hall_point.source, hall_point.department_id) == ("filed", "hrss")
    assert (hall_point.latitude, hall_point.longitude) == (30.0641, 119.9655)
    assert hall_point.name_en == "County Social Insurance Hall"
    assert hall_point.phone == "0571-86021304"
    assert not import_text(POINTS_FILE).changed

    moved = POINTS_FILE.replace("30.0641", "30.0700").split("      - name: 县政务服务中心")[0]
    summary = import_text(moved)

    assert summary.updated["service_points"] == 2  # one moved, one no longer filed
    assert [p.latitude for p in db.session.scalars(db.select(ServicePoint))] == [30.07]
    # A file without the key (an export) keeps what was filed.
    without = moved.split("    service_points:")[0]
    assert not import_text(without).changed
    assert db.session.scalar(db.select(db.func.count()).select_from(ServicePoint)) == 1


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (("latitude: 30.0641", "latitude: 95"),
         "departments[0] (id hrss) service_points[0]: key 'latitude'"),
        (("latitude: 30.0641", "latitude: north"), "service_points[0]: key 'latitude'"),
        (("longitude: 119.9655", "longitude: 190"),
         "service_points[0]: key 'longitude': Input should be less than or equal to 180"),
        (("longitude: 119.9655", "longitude: .nan"), "key 'longitude': Input should be a finite"),
        (("        longitude: 119.9655\n", ""), "give both latitude and longitude, or neither"),
        (("latitude: 30.0641\n        longitude: 119.9655", "latitude: 0\n        longitude: 0"),
         "0,0 is not a real position"),
        (("        hours:", "        window: 3号窗口\n        hours:"), "key 'window': unknown key"),
        (("name: 县政务服务中心", "name: 县社会保险服务大厅"),
         "duplicate service point name: 县社会保险服务大厅"),
        (("      - name: 县政务服务中心", "      - name: ''"), "service_points[1]: key 'name'"),
    ],
)  # fmt: skip
def test_the_import_file_refuses_bad_points_and_says_where(app, change, problem):
    from hall.importer import ImportFileError, import_text

    with pytest.raises(ImportFileError) as raised:
        import_text(POINTS_FILE.replace(*change))

    assert any(problem in text for text in raised.value.problems), raised.value.problems
    assert db.session.scalar(db.select(db.func.count()).select_from(ServicePoint)) == 0


def test_the_demo_county_files_points_its_guides_share(app):
    """The demo's filed points and its guides' points meet at the same places."""
    from hall.demo import build_site
    from hall.demo.imports import import_data
    from hall.importer import import_text

    data = import_data("http://127.0.0.1:9")
    import_text(yaml.safe_dump(data, allow_unicode=True))
    police = [s for s in build_site().services if s.department.id == "police"]
    for demo_service in police:
        service(demo_service.name, *demo_service.guide("http://x")["service_points"],
                connector="police-services")  # fmt: skip
    assert any(p["lat"] and p["lon"] for s in police for p in s.guide("x")["service_points"])

    assert points.refresh_guide_points().added > 0
    hall = db.session.get(Hall, "qingshan")
    result = points.nearby_places(hall, origin=(30.0512, 119.9487))

    centre = result.places[0]
    assert centre.main.name == "青山县政务服务中心" and centre.distance < 50
    assert len(centre.departments) >= 5  # several departments' windows, shown once
    assert centre.points[0].source == "filed"  # the department's own words first
    assert set(result.districts) >= {"青山街道", "白沙镇", "龙潭镇"}
    assert all(p.district for p in guide_points() if "便民服务中心" in p.name)


def snapshot() -> list[tuple]:
    """Every guide point with its values and the services linked to it."""
    links: dict[int, set[int]] = {}
    for point_id, item_id in db.session.execute(db.select(service_point_item)):
        links.setdefault(point_id, set()).add(item_id)
    return sorted(
        (p.department_id, p.name, p.latitude, p.longitude, p.address, p.hours, p.district,
         tuple(sorted(links.get(p.id, ()))))
        for p in guide_points()
    )  # fmt: skip


def test_refreshing_only_the_changed_services_ends_where_a_full_refresh_does(hall):
    from hall.timestamps import utcnow

    filed("hrss", "人工填报的服务站", 30.3, 120.3, district="白沙镇")
    centre = {"name": "市民中心", "address": "白沙镇人民路1号", "lat": 30.1, "lon": 120.1}
    counter = {"name": "社保卡网点", "lat": 30.2, "lon": 120.2}
    a = service("失业登记", centre, counter)
    b = service("社保卡申领", {**centre, "hours": "工作日"})
    c = service(
        "出生登记", {"name": "户籍室", "lat": 30.4, "lon": 120.4}, connector="police-web-feed"
    )
    points.refresh_guide_points()

    def edit(item, guide_points=None, tombstone=False):
        if tombstone:
            item.tombstoned_at = utcnow()
        else:
            item.guide = {"service_points": guide_points}
        db.session.flush()
        points.refresh_guide_points({item.id})
        after_incremental = snapshot()
        assert not points.refresh_guide_points().changed
        assert snapshot() == after_incremental  # links included
        return after_incremental

    # A service leaves a shared place and lists a new one: the place now takes its
    # address and hours from the next service listing it.
    state = edit(a, [{"name": "新大厅", "address": "城东路8号", "lat": 30.5, "lon": 120.5}])
    assert (
        "hrss",
        "市民中心",
        30.1,
        120.1,
        "白沙镇人民路1号",
        "工作日",
        "白沙镇",
        (b.id,),
    ) in state
    assert all(row[1] != "社保卡网点" for row in state)  # nobody lists it any more
    # A service that is not the first to list a place changes it: nothing moves.
    d = service("就业登记", {**centre, "address": "别处"})
    points.refresh_guide_points({d.id})
    assert not points.refresh_guide_points().changed
    # The first one drops it: the next one (not itself changed) has the say.
    state = edit(b, [counter])
    assert ("hrss", "市民中心", 30.1, 120.1, "别处", None, None, (d.id,)) in state
    # Withdrawn services take their places with them; other departments' stay apart.
    edit(c, tombstone=True)
    state = edit(d, [])
    assert [row[1] for row in state] == ["新大厅", "社保卡网点"]
    assert not points.refresh_guide_points(set()).changed


def test_a_large_change_is_refreshed_in_one_full_pass(hall, monkeypatch):
    monkeypatch.setattr(points, "INCREMENTAL_REFRESH_LIMIT", 1)
    a = service("失业登记", {"name": "市民中心", "lat": 30.1, "lon": 120.1})
    b = service("社保卡申领", {"name": "社保卡网点", "lat": 30.2, "lon": 120.2})

    assert points.refresh_guide_points({a.id, b.id}).added == 2
    assert [p.name for p in guide_points()] == ["市民中心", "社保卡网点"]
