"""A deterministic bilingual corpus of government notices and services, and a query set.

70 % of the documents are Chinese (service guides and notices built from the words of
real service catalogues), 30 % English. The same `n` and `seed` always give the same
documents, so figures from two runs or two machines compare.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime

REGIONS = ["市", "东城区", "西城区", "南湖区", "北山县"]

DEPARTMENTS = [
    (
        "hrss",
        "人力资源和社会保障局",
        "Human Resources and Social Security Bureau",
        "social_security",
    ),
    ("amr", "市场监督管理局", "Administration for Market Regulation", "market_regulation"),
    ("psb", "公安局", "Public Security Bureau", "public_security"),
    ("mca", "民政局", "Civil Affairs Bureau", "civil_affairs"),
    ("housing", "住房和城乡建设局", "Housing and Urban-Rural Development Bureau", "housing"),
    ("hpf", "住房公积金管理中心", "Housing Provident Fund Centre", "housing"),
    ("nhsa", "医疗保障局", "Healthcare Security Administration", "medical_insurance"),
    ("tax", "税务局", "Taxation Bureau", "tax"),
    ("edu", "教育局", "Education Bureau", "education"),
    ("health", "卫生健康委员会", "Health Commission", "health"),
    ("transport", "交通运输局", "Transport Bureau", "transport"),
    ("nr", "自然资源和规划局", "Natural Resources and Planning Bureau", "natural_resources"),
    ("env", "生态环境局", "Ecology and Environment Bureau", "environment"),
    ("culture", "文化广电旅游局", "Culture, Radio, TV and Tourism Bureau", "tourism_culture"),
    ("agri", "农业农村局", "Agriculture and Rural Affairs Bureau", "agriculture"),
    ("em", "应急管理局", "Emergency Management Bureau", "emergency"),
]

PLATFORMS = ["website", "wechat", "weibo"]

SUBJECTS = {
    "social_security": [
        "社会保障卡",
        "社保卡",
        "养老保险",
        "失业保险金",
        "工伤认定",
        "职业技能等级证书",
        "灵活就业",
    ],
    "market_regulation": [
        "营业执照",
        "电子营业执照",
        "食品经营许可证",
        "个体工商户",
        "企业设立登记",
    ],
    "public_security": ["居民身份证", "户口迁移", "居住证", "机动车驾驶证", "港澳通行证", "护照"],
    "civil_affairs": ["婚姻登记", "结婚证", "最低生活保障", "临时救助", "高龄津贴", "残疾人证"],
    "housing": ["住房公积金", "公积金贷款", "不动产登记", "不动产权证书", "公租房"],
    "medical_insurance": ["医保电子凭证", "异地就医备案", "基本医疗保险", "门诊慢特病", "生育津贴"],
    "tax": ["个人所得税", "纳税申报", "契税", "车船税", "增值税发票"],
    "education": ["义务教育入学", "学籍转移", "助学贷款", "教师资格"],
    "health": ["出生医学证明", "预防接种", "医师执业注册", "母婴保健"],
    "transport": ["道路运输证", "出租汽车", "公交卡", "电动自行车登记"],
    "natural_resources": ["建设用地规划许可", "宅基地", "测绘资质"],
    "environment": ["排污许可", "环境影响评价", "危险废物"],
    "tourism_culture": ["旅行社", "演出许可", "网吧许可"],
    "agriculture": ["农机补贴", "动物防疫", "种子生产许可"],
    "emergency": ["安全生产许可", "烟花爆竹经营", "应急预案备案"],
}
ACTIONS = [
    "申领",
    "补办",
    "补领",
    "换领",
    "变更",
    "注销",
    "提取",
    "转移",
    "查询",
    "备案",
    "登记",
    "申请",
    "续期",
    "挂失",
]
MATERIALS = [
    "居民身份证原件",
    "户口簿",
    "申请表",
    "近期免冠照片",
    "结婚证",
    "营业执照副本",
    "授权委托书",
    "社会保障卡",
    "房产证明",
    "劳动合同",
]
PLACES = [
    "市政务服务中心",
    "区政务服务中心",
    "街道便民服务中心",
    "派出所户籍窗口",
    "社保经办窗口",
    "不动产登记中心",
]
CHANNELS = ["政务服务网", "微信公众号", "掌上办应用", "自助服务终端"]
SLOGANS = ["一网通办", "跨省通办", "最多跑一次", "全程网办", "好差评"]
LAWS = [
    "中华人民共和国社会保险法",
    "中华人民共和国居民身份证法",
    "住房公积金管理条例",
    "市场主体登记管理条例",
    "中华人民共和国道路交通安全法",
]
NOTICE_VERBS = ["开展", "做好", "调整", "规范", "优化", "推进"]
NOTICE_TOPICS = ["工作会议", "政策解读", "专项检查", "服务指南", "年度报告", "意见征集"]

EN_THINGS = [
    "driving licence",
    "business license",
    "passport",
    "residence permit",
    "social security card",
    "housing fund",
    "tax return",
    "food business permit",
    "birth certificate",
    "marriage registration",
    "disability certificate",
    "pension",
    "unemployment benefit",
    "medical insurance",
    "vehicle registration",
]
EN_ACTIONS = [
    "apply for",
    "renew",
    "replace",
    "cancel",
    "change",
    "register",
    "check the status of",
]
EN_SENTENCES = [
    "Applicants must bring their identity card and the completed application form.",
    "Processing takes {n} working days after the application is accepted.",
    "The service is free of charge.",
    "You can apply online through the government service portal or the mobile app.",
    "For enquiries call {phone} during office hours.",
    "The {thing} is issued by the {dept}.",
    "Lost documents can be replaced at any service centre in the city.",
    "Residents over sixty may ask for home visits.",
    "Online payment is supported for all fees.",
    "Please check the list of required materials before visiting the hall.",
]


@dataclass(frozen=True)
class Account:
    id: str
    department_id: str
    department_name: str
    sector: str
    platform: str


@dataclass(frozen=True)
class Document:
    title: str
    body: str
    kind: str
    content_type: str | None
    language: str
    account_id: str
    published: datetime


def accounts() -> list[Account]:
    """Every department of every region, with one to three accounts each (fixed)."""
    rng = random.Random(0)
    found = []
    for number, region in enumerate(REGIONS):
        for slug, name, _, sector in DEPARTMENTS:
            department_id = f"{slug}-{number}"
            for platform in PLATFORMS[: rng.randint(1, 3)]:
                found.append(
                    Account(
                        f"{department_id}-{platform}",
                        department_id,
                        region + name,
                        sector,
                        platform,
                    )
                )
    return found


def documents(n: int, seed: int = 1) -> list[Document]:
    """Return `n` documents, the same ones for the same `n` and `seed`."""
    rng = random.Random(seed)
    pool = accounts()
    start = datetime(2019, 1, 1, tzinfo=UTC).timestamp()
    span = 5 * 365 * 86400
    docs = []
    for _ in range(n):
        account = rng.choice(pool)
        published = datetime.fromtimestamp(start + rng.randrange(span), UTC)
        english = rng.random() < 0.3
        kind = "service" if rng.random() < 0.35 else "content"
        maker = _english if english else _chinese
        title, body = maker(rng, account, kind)
        docs.append(
            Document(
                title=title,
                body=body,
                kind=kind,
                content_type=None
                if kind == "service"
                else rng.choice(["notice", "policy", "news"]),
                language="en" if english else "zh",
                account_id=account.id,
                published=published,
            )
        )
    return docs


def _chinese(rng: random.Random, account: Account, kind: str) -> tuple[str, str]:
    subject = rng.choice(SUBJECTS[account.sector])
    action = rng.choice(ACTIONS)
    if kind == "service":
        title = rng.choice(
            [f"{subject}{action}", f"{subject}{action}服务", f"办理{subject}{action}"]
        )
    else:
        title = rng.choice(
            [
                f"关于{rng.choice(NOTICE_VERBS)}{subject}{action}工作的通知",
                f"{rng.randint(2019, 2024)}年{subject}{rng.choice(NOTICE_TOPICS)}",
                f"{account.department_name}召开{subject}{rng.choice(NOTICE_TOPICS)}",
                f"关于{subject}{action}有关事项的公告",
            ]
        )
    sentences = [
        f"为进一步优化营商环境，推进{rng.choice(SLOGANS)}，现就{subject}{action}有关事项通知如下。",
        f"申请人应当携带{rng.choice(MATERIALS)}和{rng.choice(MATERIALS)}到{rng.choice(PLACES)}办理{subject}{action}。",
        f"办理时限为{rng.randint(1, 20)}个工作日，{rng.choice(['不收费', '按规定收取工本费'])}。",
        f"可通过{rng.choice(CHANNELS)}在线申请，实现{rng.choice(SLOGANS)}。",
        f"咨询电话：0571-{rng.randint(10000000, 99999999)}；监督投诉电话：12345。",
        f"根据《{rng.choice(LAWS)}》第{rng.randint(1, 90)}条规定，{subject}{action}应当符合下列条件。",
        f"{account.department_name}将于{rng.randint(2019, 2024)}年{rng.randint(1, 12)}月{rng.randint(1, 28)}日起{rng.choice(NOTICE_VERBS)}{rng.choice(SUBJECTS[account.sector])}{rng.choice(ACTIONS)}流程。",
        f"{rng.choice(MATERIALS)}遗失的，可先到{rng.choice(PLACES)}挂失后补办。",
        "本通知自发布之日起施行。",
    ]
    body = "".join(rng.choice(sentences) for _ in range(rng.randint(6, 24)))
    return title, body


def _english(rng: random.Random, account: Account, kind: str) -> tuple[str, str]:
    thing = rng.choice(EN_THINGS)
    action = rng.choice(EN_ACTIONS)
    dept = next(d[2] for d in DEPARTMENTS if account.department_id.startswith(d[0] + "-"))
    if kind == "service":
        title = f"{action.capitalize()} a {thing}"
    else:
        title = rng.choice(
            [
                f"Notice on {thing} services",
                f"{dept} updates {thing} rules",
                f"How to {action} your {thing}",
            ]
        )
    sentences = [
        s.format(
            n=rng.randint(1, 20), phone=rng.randint(10000000, 99999999), thing=thing, dept=dept
        )
        for s in rng.sample(EN_SENTENCES, len(EN_SENTENCES))
    ]
    body = " ".join(sentences[: rng.randint(4, 10)])
    return title, body


def queries() -> list[tuple[str, str, str | None]]:
    """Return the fixed benchmark queries as (category, text, sector filter or None)."""
    single = [
        "社保",
        "公积金",
        "营业执照",
        "身份证",
        "补办",
        "通知",
        "户口",
        "医保",
        "驾照",
        "低保",
        "结婚证",
        "不动产登记",
        "个人所得税",
        "预防接种",
        "排污许可",
        "旅行社",
        "农机补贴",
        "公告",
        "政务服务中心",
        "工作日",
        "挂失",
        "居住证",
        "港澳通行证",
        "出生医学证明",
        "失业保险金",
        "契税",
        "学籍",
        "公租房",
        "宅基地",
        "一网通办",
        "跨省通办",
        "好差评",
        "办理",
        "申请表",
        "咨询电话",
        "授权委托书",
        "异地就医",
        "养老保险",
        "食品经营许可证",
        "电子营业执照",
    ]
    multi = [
        "社保卡 补办",
        "公积金 提取 条件",
        "营业执照 注销",
        "身份证 挂失",
        "户口迁移 材料",
        "结婚证 补领",
        "驾驶证 换领",
        "医保 异地就医",
        "个人所得税 纳税申报",
        "不动产登记 申请",
        "社会保障卡 政务服务中心",
        "养老保险 查询",
        "低保 申请 条件",
        "居住证 续期",
        "护照 申请",
        "出生医学证明 补办",
        "公积金贷款 变更",
        "车船税 查询",
        "预防接种 登记",
        "排污许可 变更",
        "临时救助 申请",
        "高龄津贴 申领",
        "教师资格 注册",
        "电动自行车登记 材料",
        "港澳通行证 续期",
        "门诊慢特病 备案",
        "学籍转移 办理",
        "增值税发票 申领",
        "演出许可 变更",
        "安全生产许可 续期",
    ]
    unspaced = [
        "社保卡补办",
        "住房公积金提取",
        "营业执照变更",
        "居民身份证补领",
        "机动车驾驶证换领",
        "结婚证补领",
        "户口迁移登记",
        "异地就医备案",
        "个体工商户注销",
        "不动产登记申请",
        "失业保险金申领",
        "食品经营许可证变更",
        "公积金贷款申请",
        "最低生活保障申请",
        "居住证续期",
        "出生医学证明补办",
        "电子营业执照下载",
        "医保电子凭证查询",
        "个人所得税纳税申报",
        "契税申报",
        "义务教育入学登记",
        "助学贷款申请",
        "残疾人证换领",
        "港澳通行证补办",
        "护照挂失",
        "工伤认定申请",
        "职业技能等级证书查询",
        "排污许可证申请",
        "旅行社设立",
        "农机补贴申领",
    ]
    phrases = [
        '"社会保障卡 补办"',
        '"住房公积金 提取"',
        '"营业执照 变更"',
        '"居民身份证 补领"',
        '"异地就医 备案"',
        '"business license"',
        '"tax return"',
        '"free of charge"',
        '"working days"',
        '"social security card"',
        '"政务服务中心 办理"',
        '"不收费"',
        '"最多跑一次"',
        '"驾驶证 换领"',
        '"passport"',
        '"结婚证 补领"',
        '"一网通办"',
        '"residence permit"',
        '"纳税申报"',
        '"工作日"',
    ]
    english = [
        "license",
        "licenses",
        "passport",
        "renew passport",
        "business license",
        "tax return",
        "pension",
        "unemployment benefit",
        "birth certificate",
        "marriage registration",
        "replace driving licence",
        "housing fund",
        "medical insurance",
        "vehicle registration",
        "residence permit",
        "social security card",
        "food business permit",
        "apply online",
        "service centre",
        "free of charge",
        "identity card",
        "home visits",
        "online payment",
        "required materials",
        "disability certificate",
        "cancel business license",
        "change residence permit",
        "enquiries",
        "processing",
        "register vehicle",
    ]
    pinyin = [
        "shebao",
        "sb",
        "shebaoka",
        "sbk",
        "gongjijin",
        "gjj",
        "yingyezhizhao",
        "yyzz",
        "shenfenzheng",
        "sfz",
        "hukou",
        "hk",
        "yibao",
        "jiashizheng",
        "jsz",
        "diba",
        "jiehunzheng",
        "buban",
        "bb",
        "geshui",
    ]
    colloquial = [
        "社保卡丢了怎么办",
        "怎么提取公积金",
        "营业执照怎么注销",
        "身份证丢了怎么补办",
        "结婚证在哪里补领",
        "医保怎么异地就医",
        "户口怎么迁移",
        "驾照到期了如何换领",
        "低保需要什么材料",
        "如何申请公租房",
    ]
    found = [("zh single word", q, None) for q in single]
    found += [("zh multi-word", q, None) for q in multi]
    found += [("zh unspaced service name", q, None) for q in unspaced]
    found += [("quoted phrase", q, None) for q in phrases]
    found += [("English", q, None) for q in english]
    found += [("pinyin", q, None) for q in pinyin]
    found += [("colloquial", q, None) for q in colloquial]
    rng = random.Random(3)
    sectors = sorted(SUBJECTS)
    filtered = rng.sample(found, 40)
    found += [("with sector filter", text, rng.choice(sectors)) for _, text, _ in filtered]
    return found
