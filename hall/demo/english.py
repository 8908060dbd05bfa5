"""The English content: tourism news, market-regulation services and two tax notices."""

from __future__ import annotations

import random
from typing import Any

from hall.demo.departments import DEPARTMENTS_BY_ID
from hall.demo.guides import DemoService
from hall.demo.notices import Notice, spread_dates

TOURISM_NEWS: tuple[str, ...] = (
    "Qingshan County opens spring tea-picking season to visitors",
    "New business license for travel agencies: one-window application now online",
    "Baisha Lake greenway reopens after flood repairs",
    "Longtan Ancient Village added to provincial heritage list",
    "Night market on Heping Road extends opening hours",
    "Yunling Mountain trail requires online booking on holidays",
    "Qingxi folk opera festival welcomes international guests",
    "County museum launches bilingual audio guide",
    "Shimen bamboo craft workshop opens to tourists",
    "Guidelines for homestay operators updated",
    "Autumn cycling route through Taoyuan orchards",
    "Tourist information centre moves to the county service centre",
    "Lantern festival programme announced",
    "Mountain spring water trail safety reminder",
    "Qingshan rice harvest celebration in Baisha",
    "Free entry to public cultural venues on heritage day",
    "Tour guide licence renewal goes paperless",
    "Scenic area ratings: three sites reach 4A level",
    "Rural tourism training for village hosts",
    "Winter hot-spring packages for families",
)

_BODY = (
    "The Qingshan County Culture and Tourism Bureau announced the news this week.",
    "Visitors can find details at the tourist information desk in the county service centre.",
    "Travel agencies and homestay operators are invited to share the information with guests.",
    "Bookings can be made on the Zheliban app or by calling 0571-86021113.",
    "The bureau thanks residents and visitors for their support.",
)

TAX_NOTICES: tuple[tuple[str, str], ...] = (
    (
        "Tax registration for new businesses after obtaining a business license",
        "<p>Newly established businesses receive their tax registration automatically once "
        "the business license is issued by the market regulation bureau.</p><p>New taxpayers "
        "confirm the registration details and apply for invoices in one step at the tax "
        "service hall or through the electronic tax bureau.</p><p>Enquiries: 0571-86021112.</p>",
    ),
    (
        "Invoices and tax filing for individual businesses",
        "<p>Individual businesses holding a business license can apply for electronic "
        "invoices online.</p><p>Small-scale taxpayers keep the reduced VAT rate until the "
        "end of 2027.</p><p>Help is available at window D of the county service centre.</p>",
    ),
)

# (Chinese service name it translates, English name, English description)
AMR_ENGLISH: tuple[tuple[str, str, str], ...] = (
    ("企业设立登记（营业执照）", "Business license registration for enterprises",
     "Register a new company and receive its business license, usually within one working day."),
    ("企业变更登记", "Change of enterprise registration",
     "Change the name, address, scope or legal representative on a business license."),
    ("企业注销登记", "Deregistration of enterprises", "Close a company and cancel its business license."),
    ("个体工商户登记", "Registration of individual businesses",
     "Register a sole trader and receive a business license on the spot."),
    ("食品经营许可", "Food business licence", "Licence to sell or serve food in Qingshan County."),
    ("食品生产许可", "Food production licence", "Licence for workshops and factories producing food."),
    ("药品零售企业许可", "Retail pharmacy licence", "Licence to open a retail pharmacy."),
    ("特种设备使用登记", "Registration of special equipment",
     "Register lifts, boilers and pressure vessels before use."),
    ("营业执照遗失补领", "Replacement of a lost business license",
     "Apply for a new copy of a lost or damaged business license."),
    ("消费投诉受理", "Consumer complaints", "File a complaint about goods or services bought in the county."),
)  # fmt: skip


def english_news() -> list[Notice]:
    """Return the culture bureau's English news, newest first."""
    rng = random.Random("notices:culture-en")
    count = len(TOURISM_NEWS)
    notices = []
    for k, when in enumerate(spread_dates(count, 3, rng)):
        number = count - k
        picked = sorted(rng.sample(range(len(_BODY)), rng.randint(3, 5)))
        body = f"<p>{TOURISM_NEWS[k]}.</p>" + "".join(f"<p>{_BODY[i]}</p>" for i in picked)
        notices.append(
            Notice("culture-en", "culture", number, f"/culture/en/news/{number}.html",
                   f"qingshan-culture-en-{number:04d}", TOURISM_NEWS[k], body, "News", when, "en")
        )  # fmt: skip
    return notices


def english_tax_notices() -> list[Notice]:
    """Return the tax bureau's English notices, newest first."""
    rng = random.Random("notices:tax-en")
    times = spread_dates(len(TAX_NOTICES), 12, rng)
    return [
        Notice("tax-en", "tax", len(TAX_NOTICES) - k, f"/tax/en/notices/{len(TAX_NOTICES) - k}.html",
               f"qingshan-tax-en-{len(TAX_NOTICES) - k:04d}", title, body, "Notice", times[k], "en")
        for k, (title, body) in enumerate(TAX_NOTICES)
    ]  # fmt: skip


def english_services(services: list[DemoService]) -> list[tuple[DemoService, str, str]]:
    """Return (service, English name, English description) for the AMR English page."""
    amr = {s.name: s for s in services if s.department is DEPARTMENTS_BY_ID["amr"]}
    return [(amr[zh], en, text) for zh, en, text in AMR_ENGLISH]


def english_guide(service: DemoService, base_url: str) -> dict[str, Any]:
    """Return the guide of an English service: the Chinese one with English labels."""
    guide = service.guide(base_url)
    guide["conditions"] = ["The applicant is legally registered or resident in Qingshan County",
                           "The application documents are complete and genuine"]  # fmt: skip
    fee = "Yes, see the fee items." if guide["fee"]["charged"] else "No, it is free of charge."
    guide["faq"] = [{"question": "Is there a fee?", "answer": fee}]
    return guide
