"""The departments of 青山县 (a fictional county), their channels and their service points.

Everything here is written for the demo: the county, its addresses, phone numbers and
codes do not exist. Phone numbers use the 0571 area code with made-up 8-digit numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, field

COUNTY = "青山县"
COUNTY_EN = "Qingshan County"
PROVINCE = "浙江省"
REGION_CODE = "339901"
OPENING_HOURS = "周一至周五 8:30-12:00, 13:30-17:00"
OPENING_HOURS_EN = "Mon-Fri 8:30-12:00, 13:30-17:00"
# The 12345 hotline's county line; every guide names it as the complaint channel.
COMPLAINT_PHONE = "0571-86012345"


@dataclass(frozen=True)
class ExtraAccount:
    """A second public account of a department (微信公众号 or 微博) with a feed of its own."""

    platform: str  # wechat | weibo
    name: str
    notice_count: int
    last_post_days: int  # days before the reference date of its newest post


@dataclass(frozen=True)
class DepartmentSpec:
    id: str
    name: str
    name_en: str
    short_name: str
    aliases: tuple[str, ...]
    sector: str
    office: str  # the 科室 that reviews most applications
    window: str  # where its windows are in the county service centre
    phone: str  # enquiry phone of its windows
    notice_count: int  # notices on its website feed
    last_post_days: int  # days before the reference date of its newest website post
    feed: str = "rss"  # rss | atom | atom-relative (Atom with xml:base and relative links)
    jsonld: str = "blocks"  # blocks (one <script> per service) | graph (one @graph)
    website: str = ""  # name of its website account; default "<short name>门户网站"
    extra_accounts: tuple[ExtraAccount, ...] = field(default=())

    @property
    def website_name(self) -> str:
        return self.website or f"{COUNTY}{self.short_name.removeprefix('县')}门户网站"


DEPARTMENTS: tuple[DepartmentSpec, ...] = (
    DepartmentSpec(
        "edu",
        "青山县教育局",
        "Qingshan County Education Bureau",
        "县教育局",
        ("教育局",),
        "education",
        "基础教育科",
        "二楼C区 21号窗口",
        "0571-86021101",
        18,
        2,
    ),
    DepartmentSpec(
        "police",
        "青山县公安局",
        "Qingshan County Public Security Bureau",
        "县公安局",
        ("公安局", "派出所"),
        "public_security",
        "治安户政管理大队",
        "一楼A区 1-6号窗口",
        "0571-86021102",
        22,
        1,
        jsonld="graph",
        extra_accounts=(ExtraAccount("weibo", "青山公安", 8, 0),),
    ),
    DepartmentSpec(
        "civil",
        "青山县民政局",
        "Qingshan County Civil Affairs Bureau",
        "县民政局",
        ("民政局",),
        "civil_affairs",
        "社会救助科",
        "二楼B区 15号窗口",
        "0571-86021103",
        19,
        3,
    ),
    DepartmentSpec(
        "hrss",
        "青山县人力资源和社会保障局",
        "Qingshan County Human Resources and Social Security Bureau",
        "县人社局",
        ("人社局", "人力社保局", "社保局", "人力资源和社会保障局"),
        "social_security",
        "社会保险科",
        "一楼B区 7-12号窗口",
        "0571-86021104",
        24,
        0,
        jsonld="graph",
        extra_accounts=(ExtraAccount("wechat", "青山人社", 9, 1),),
    ),
    DepartmentSpec(
        "nrp",
        "青山县自然资源和规划局",
        "Qingshan County Natural Resources and Planning Bureau",
        "县自然资源规划局",
        ("自然资源局", "规划局", "资规局", "国土局"),
        "natural_resources",
        "国土空间规划科",
        "三楼A区 31-36号窗口",
        "0571-86021105",
        17,
        5,
    ),
    DepartmentSpec(
        "eco",
        "青山县生态环境分局",
        "Qingshan Branch of the Ecology and Environment Bureau",
        "县生态环境分局",
        ("生态环境局", "环保局"),
        "environment",
        "环境影响评价科",
        "三楼B区 38号窗口",
        "0571-86021106",
        16,
        9,
    ),
    DepartmentSpec(
        "housing",
        "青山县住房和城乡建设局",
        "Qingshan County Housing and Urban-Rural Development Bureau",
        "县住建局",
        ("住建局", "建设局", "住房和城乡建设局"),
        "housing",
        "建筑业管理科",
        "三楼A区 39-41号窗口",
        "0571-86021107",
        18,
        4,
        jsonld="graph",
    ),
    DepartmentSpec(
        "hpf",
        "青山县住房公积金管理中心",
        "Qingshan County Housing Provident Fund Centre",
        "县公积金中心",
        ("公积金中心", "住房公积金中心", "公积金"),
        "housing",
        "归集管理科",
        "二楼A区 16-19号窗口",
        "0571-86021108",
        15,
        6,
    ),
    DepartmentSpec(
        "transport",
        "青山县交通运输局",
        "Qingshan County Transport Bureau",
        "县交通运输局",
        ("交通局", "交通运输局", "运管所"),
        "transport",
        "运输管理科",
        "三楼C区 45号窗口",
        "0571-86021109",
        17,
        3,
        feed="atom-relative",
    ),
    DepartmentSpec(
        "health",
        "青山县卫生健康局",
        "Qingshan County Health Commission",
        "县卫健局",
        ("卫健局", "卫生局", "卫生健康局", "卫健委"),
        "health",
        "医政医管科",
        "二楼C区 23-24号窗口",
        "0571-86021110",
        19,
        2,
        feed="atom",
    ),
    DepartmentSpec(
        "amr",
        "青山县市场监督管理局",
        "Qingshan County Administration for Market Regulation",
        "县市场监管局",
        ("市场监管局", "市场监督管理局", "工商局", "质监局", "食药监局"),
        "market_regulation",
        "登记注册科",
        "一楼C区 25-32号窗口",
        "0571-86021111",
        24,
        0,
        jsonld="graph",
        extra_accounts=(ExtraAccount("wechat", "青山市场监管", 7, 4),),
    ),
    DepartmentSpec(
        "tax",
        "国家税务总局青山县税务局",
        "Qingshan County Taxation Bureau, STA",
        "县税务局",
        ("税务局", "国税局", "地税局"),
        "tax",
        "纳税服务股",
        "一楼D区 办税服务厅",
        "0571-86021112",
        20,
        1,
    ),
    DepartmentSpec(
        "culture",
        "青山县文化和旅游局",
        "Qingshan County Culture and Tourism Bureau",
        "县文旅局",
        ("文旅局", "文化局", "旅游局", "文化和旅游局"),
        "tourism_culture",
        "文化市场管理科",
        "三楼C区 47号窗口",
        "0571-86021113",
        18,
        5,
        extra_accounts=(ExtraAccount("weibo", "青山文旅", 6, 126),),
    ),
    DepartmentSpec(
        "medins",
        "青山县医疗保障局",
        "Qingshan County Healthcare Security Bureau",
        "县医保局",
        ("医保局", "医疗保障局", "医保中心"),
        "medical_insurance",
        "待遇保障科",
        "一楼B区 13-14号窗口",
        "0571-86021114",
        20,
        1,
    ),
    DepartmentSpec(
        "agri",
        "青山县农业农村局",
        "Qingshan County Agriculture and Rural Affairs Bureau",
        "县农业农村局",
        ("农业局", "农业农村局", "农办"),
        "agriculture",
        "农业机械化管理科",
        "三楼C区 48-49号窗口",
        "0571-86021115",
        17,
        11,
    ),
    DepartmentSpec(
        "emergency",
        "青山县应急管理局",
        "Qingshan County Emergency Management Bureau",
        "县应急管理局",
        ("应急局", "安监局", "应急管理局"),
        "emergency",
        "安全生产许可科",
        "三楼B区 42号窗口",
        "0571-86021116",
        15,
        21,
    ),
    DepartmentSpec(
        "dpf",
        "青山县残疾人联合会",
        "Qingshan County Disabled Persons' Federation",
        "县残联",
        ("残联", "残疾人联合会"),
        "civil_affairs",
        "康复就业部",
        "二楼B区 20号窗口",
        "0571-86021117",
        14,
        8,
    ),
    DepartmentSpec(
        "urban",
        "青山县综合行政执法局",
        "Qingshan County Urban Management and Law Enforcement Bureau",
        "县综合执法局",
        ("城管局", "城市管理局", "综合执法局", "城管"),
        "other",
        "市政公用科",
        "三楼B区 43号窗口",
        "0571-86021118",
        15,
        2,
    ),
    DepartmentSpec(
        "gov",
        "青山县政务服务管理办公室",
        "Qingshan County Government Services Office",
        "县政务办",
        ("政务办", "行政服务中心", "政务服务中心", "12345热线"),
        "other",
        "综合窗口管理科",
        "一楼大厅 综合咨询台",
        "0571-86021100",
        16,
        0,
        website="青山县政务服务网",
    ),
)

DEPARTMENTS_BY_ID = {d.id: d for d in DEPARTMENTS}


@dataclass(frozen=True)
class Place:
    """A place where citizens hand in applications in person."""

    name: str
    address: str
    phone: str
    lat: float
    lon: float
    hours: str = OPENING_HOURS


# The county service centre: most departments keep their windows here.
SERVICE_CENTRE = Place(
    "青山县政务服务中心", "青山县青山街道和平路168号", "0571-86021100", 30.0512, 119.9487
)

# Dedicated halls for services that need their own equipment or ceremony room.
SPECIAL_PLACES: dict[str, Place] = {
    "dmv": Place(
        "青山县公安局交通警察大队车辆管理所",
        "青山县青溪大道2号车管所业务大厅",
        "0571-86021202",
        30.0431,
        119.9612,
        "周一至周六 8:30-12:00, 13:30-17:00（法定节假日除外）",
    ),
    "marriage": Place(
        "青山县婚姻登记处",
        "青山县文昌路36号县民政局一楼",
        "0571-86021203",
        30.0557,
        119.9433,
        "周一至周五 8:30-12:00, 13:30-17:00；5月20日、七夕节照常办理",
    ),
    "tax": Place(
        "国家税务总局青山县税务局第二办税服务厅",
        "青山县人民路55号",
        "0571-86021204",
        30.0489,
        119.9551,
    ),
    "hospital": Place(
        "青山县人民医院出生医学证明办理窗口",
        "青山县健康路9号县人民医院门诊楼一楼",
        "0571-86021205",
        30.0578,
        119.9396,
        "周一至周日 8:00-11:30, 13:30-17:00",
    ),
    "realestate": Place(
        "青山县不动产登记服务中心",
        "青山县和平路170号政务服务中心东楼",
        "0571-86021206",
        30.0514,
        119.9493,
    ),
}

# Township and subdistrict service centres (乡镇街道便民服务中心): services sunk to the
# grassroots are handled here too.
TOWNSHIPS: tuple[Place, ...] = (
    Place("青山街道便民服务中心", "青山县青山街道解放路21号", "0571-86030101", 30.0536, 119.9458),
    Place("桃源街道便民服务中心", "青山县桃源街道桃源路88号", "0571-86030102", 30.0667, 119.9702),
    Place("白沙镇便民服务中心", "青山县白沙镇白沙路12号", "0571-86030103", 30.0893, 119.9025),
    Place("龙潭镇便民服务中心", "青山县龙潭镇龙潭街6号", "0571-86030104", 30.0128, 119.9834),
    Place("青溪镇便民服务中心", "青山县青溪镇溪口路3号", "0571-86030105", 30.0311, 120.0142),
    Place("云岭乡便民服务中心", "青山县云岭乡云岭村文化礼堂旁", "0571-86030106", 30.1187, 119.8766),
    Place("石门镇便民服务中心", "青山县石门镇新街18号", "0571-86030107", 29.9902, 119.9279),
)

TOWN_NAMES = ("青山街道", "桃源街道", "白沙镇", "龙潭镇", "青溪镇", "云岭乡", "石门镇")
