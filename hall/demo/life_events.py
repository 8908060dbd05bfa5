"""The demo hall's life events: seven topics built from the services the demo synced.

Each step names a service by its title (a keyword the synced title contains); the topic
gathers them in the order a citizen does them. Run after the sync, since the steps are
the synced items. A topic left with fewer than two steps means the demo data changed
under it: the build stops with an error rather than ship an empty topic.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from hall.catalog.models import Item
from hall.demo.imports import HALL
from hall.extensions import db
from hall.halls import life_events
from hall.halls.models import LifeEvent
from hall.halls.services import get_hall, public_accounts

MIN_STEPS = 2
DEMO_HALL_ID = HALL["id"]


class DemoLifeEventError(RuntimeError):
    """A demo topic found too few of its services among the synced items."""


@dataclass(frozen=True)
class Step:
    keyword: str  # a service title, or a part of it
    note: str
    note_en: str


@dataclass(frozen=True)
class Topic:
    slug: str
    title: str
    title_en: str
    description: str
    description_en: str
    audience: str | None
    steps: tuple[Step, ...]


TOPICS = (
    Topic("having-a-baby", "生育", "Having a baby",
          "孩子出生后，从出生证明到户口、医保和社保卡，按顺序办理。",
          "After a birth: the birth certificate, household registration, medical insurance and social security card, in order.",
          "individual", (
              Step("出生医学证明首次签发", "在分娩医院办理，是后续各项的凭证。", "Issued by the hospital of birth; every later step needs it."),
              Step("出生登记", "出生后一个月内到户籍派出所为孩子登记户口。", "Register the child's household within a month of the birth."),
              Step("城乡居民基本医疗保险参保登记", "新生儿落户后即可参保。", "Enrol the newborn in medical insurance once registered."),
              Step("生育医疗费用及生育津贴申领", "产假结束前申领生育津贴。", "Claim the maternity allowance before leave ends."),
              Step("社会保障卡申领（首次）", "为孩子申领第一张社保卡。", "Apply for the child's first social security card."),
          )),
    Topic("starting-school", "入学", "Starting school",
          "适龄儿童入学：报名、材料和资助。", "A child starting compulsory school: enrolment, papers and aid.",
          "individual", (
              Step("居住证申领", "随迁子女入学需要父母的居住证。", "Children of newcomers need a parent's residence permit."),
              Step("预防接种证补办", "入学查验接种证，遗失需先补办。", "Schools check the vaccination record; replace a lost one first."),
              Step("义务教育入学", "按学区报名。", "Enrol in the school district."),
              Step("适龄儿童入学材料“一件事”联办", "户籍、居住、接种等材料一次提交。", "Submit household, residence and vaccination papers at once."),
              Step("家庭经济困难学生资助", "家庭困难可申请资助。", "Families in hardship may apply for aid."),
          )),
    Topic("finding-work", "就业", "Finding work",
          "失业登记、待遇和再就业的各项手续。", "Registering as unemployed, benefits and back to work.",
          "individual", (
              Step("就业创业证申领", "先办理失业登记，领取就业创业证。", "Register as unemployed and get the employment card first."),
              Step("失业保险金申领", "缴费满一年可申领失业保险金。", "With a year of contributions, claim unemployment benefit."),
              Step("灵活就业社会保险补贴申领", "灵活就业可申请社保补贴。", "Flexible workers may claim a social insurance subsidy."),
              Step("无犯罪记录证明开具", "部分用人单位入职时要求提供。", "Some employers ask for it when you start."),
              Step("社会保险关系转移接续", "跨地区就业时转移社保关系。", "Move your social insurance when you change region."),
              Step("个人住房公积金账户设立", "新单位为你设立公积金账户。", "The new employer opens your housing fund account."),
          )),
    Topic("marriage", "婚姻登记", "Getting married",
          "结婚登记以及随后的户口、证件和住房事项。", "Registering a marriage, then household, papers and home.",
          "individual", (
              Step("结婚登记", "双方持身份证和户口簿到婚姻登记机关办理。", "Both partners bring ID cards and household books."),
              Step("户口迁移（迁入）", "如需投靠配偶落户，办理户口迁入。", "Move your household registration to your spouse's, if you wish."),
              Step("居民身份证换领", "户口迁移后换领新地址的身份证。", "Renew your ID card with the new address after the move."),
              Step("住房公积金个人住房贷款", "夫妻可合并申请公积金贷款。", "A couple may apply jointly for a housing fund loan."),
          )),
    Topic("opening-a-business", "开办企业", "Opening a business",
          "从营业执照到税务、社保、公积金和医保登记。", "From the business licence to tax, social security, housing fund and medical insurance.",
          "business", (
              Step("企业设立登记（营业执照）", "领取营业执照。", "Get the business licence."),
              Step("税务登记（新办纳税人套餐）", "新办纳税人一次办结税务事项。", "One package for a new taxpayer."),
              Step("发票领用", "首次领用发票。", "Get invoices for the first time."),
              Step("单位参保登记", "为员工办理社会保险登记。", "Register the staff's social insurance."),
              Step("单位住房公积金缴存登记", "开立单位公积金账户。", "Open the employer's housing fund account."),
              Step("单位医疗保险参保登记", "为员工办理医疗保险。", "Register the staff's medical insurance."),
          )),
    Topic("retirement", "退休", "Retirement",
          "退休时领取养老金、提取公积金和享受老年福利。", "On retiring: the pension, the housing fund and old-age benefits.",
          "individual", (
              Step("职工退休养老金申领", "达到退休年龄后申领养老金。", "Claim your pension on reaching retirement age."),
              Step("住房公积金提取（离职退休）", "退休后可一次性提取公积金。", "Withdraw your housing fund in full after retiring."),
              Step("养老金领取资格认证", "每年认证一次，可在网上完成。", "Confirm your eligibility once a year; online works."),
              Step("异地就医备案", "到外地养老的，先办理异地就医备案。", "Retiring elsewhere? Register for medical care there first."),
              Step("高龄津贴申领", "80周岁以上老人可申领。", "For people aged 80 and over."),
          )),
    Topic("after-a-death", "身后事", "After a death",
          "亲人去世后需要办理的手续。", "What the family does after a death.",
          "individual", (
              Step("死亡注销户口", "凭死亡医学证明到派出所注销户口。", "Cancel the household registration with the death certificate."),
              Step("惠民殡葬补助", "本县户籍居民可申领基本殡葬补助。", "Residents of the county get a basic funeral subsidy."),
              Step("个人权益记录（参保证明）查询打印", "打印参保证明，办理个人账户余额继承。", "Print the insurance record to inherit the personal account."),
              Step("住房公积金缴存证明开具", "继承人提取逝者公积金时需要。", "Heirs need it to withdraw the housing fund."),
          )),
)  # fmt: skip


def create_life_events(hall_id: str) -> list[LifeEvent]:
    """Create the demo topics the hall lacks, from its synced services; flush, no commit."""
    hall = get_hall(hall_id)
    account_ids = [account.id for account in public_accounts(hall)]
    created = []
    for topic in TOPICS:
        if db.session.scalars(
            select(LifeEvent).where(LifeEvent.hall_id == hall_id, LifeEvent.slug == topic.slug)
        ).first():
            continue  # the demo ran before on this database
        found = [(step, _service(account_ids, step.keyword)) for step in topic.steps]
        found = [(step, item) for step, item in found if item is not None]
        if len(found) < MIN_STEPS:
            raise DemoLifeEventError(
                f"demo topic {topic.slug!r} found {len(found)} of its services; "
                f"it needs at least {MIN_STEPS}"
            )
        event = life_events.create_topic(
            None,
            hall_id,
            slug=topic.slug,
            title=topic.title,
            title_en=topic.title_en,
            description=topic.description,
            description_en=topic.description_en,
            audience=topic.audience,
        )
        for step, item in found:
            life_events.add_step(
                None, hall_id, topic.slug, item_id=item.id, note=step.note, note_en=step.note_en
            )
        created.append(event)
    return created


def _service(account_ids: list[str], keyword: str) -> Item | None:
    """Return the hall's live service titled `keyword`, else the first whose title has it."""
    query = (
        select(Item)
        .where(
            Item.account_id.in_(account_ids),
            Item.kind == "service",
            Item.tombstoned_at.is_(None),
            Item.title.contains(keyword),
        )
        .order_by(Item.id)
    )
    candidates = list(db.session.scalars(query))
    exact = [item for item in candidates if item.title == keyword]
    return (exact or candidates or [None])[0]
