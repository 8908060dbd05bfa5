"""Notices (通知公告 / 政策文件 / 工作动态) built from the topic and sentence tables."""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone

from hall.demo.departments import COMPLAINT_PHONE, DEPARTMENTS, SERVICE_CENTRE, TOWN_NAMES
from hall.demo.notice_topics import CATEGORIES, EXTRA_TOPICS, SENTENCES, TITLES, TOPICS

CST = timezone(timedelta(hours=8))
REFERENCE_DATE = datetime(2026, 11, 1, 18, 0, tzinfo=CST)  # after every post of the day
WINDOW_DAYS = 548  # the notices span the 18 months before the reference date

# Bodies that carry active content on purpose: the sync runner must strip it.
INJECTED: dict[tuple[str, int], str] = {
    ("edu", 3): '<p>请关注后续安排。</p><script>document.location="http://evil.example/"</script>',
    ("amr", 5): '<p><a href="/amr/" onclick="alert(document.cookie)">点击查看办事指南</a></p>',
    ("culture", 4): '<p><a href="javascript:alert(1)">下载报名表</a></p>',
}
# This notice's feed entry carries a date that cannot exist; it must be stored as unknown.
IMPOSSIBLE_DATE = ("civil", 7)
IMPOSSIBLE_DATE_TEXT = "Mon, 32 Nov 2026 25:00:00 +0800"


@dataclass(frozen=True)
class Notice:
    """One post of an account's feed; `path` is its page, relative to the site root."""

    account: str  # account id: "<dept>-website", "<dept>-wechat", "<dept>-en", ...
    department: str
    number: int
    path: str
    guid: str
    title: str
    body_html: str
    category: str
    published: datetime
    language: str = "zh-CN"

    @property
    def summary(self) -> str:
        first = self.body_html.split("</p>")[0]
        return first.removeprefix("<p>")

    @property
    def impossible_date(self) -> bool:
        return (self.account, self.number) == (f"{IMPOSSIBLE_DATE[0]}-website", IMPOSSIBLE_DATE[1])


def spread_dates(count: int, newest_days: int, rng: random.Random) -> list[datetime]:
    """Return `count` publication times, newest first, over the window before the reference."""
    times = []
    for k in range(count):
        back = newest_days + round(k * (WINDOW_DAYS - newest_days) / max(1, count - 1))
        if k:
            back = min(WINDOW_DAYS, back + rng.randint(0, 2))
        day = REFERENCE_DATE - timedelta(days=back)
        times.append(day.replace(hour=rng.randint(8, 17), minute=rng.randint(0, 59)))
    return times


def _fill(dept, topic: str, when: datetime, rng: random.Random) -> dict[str, str]:
    return {
        "topic": topic, "dept": dept.name, "short": dept.short_name, "office": dept.office,
        "town": rng.choice(TOWN_NAMES), "date": f"{when.year}年{when.month}月{when.day}日",
        "year": str(when.year), "centre": SERVICE_CENTRE.name, "window": dept.window,
        "phone": dept.phone, "complaint": COMPLAINT_PHONE, "site": dept.website_name,
    }  # fmt: skip


def _account_notices(dept, account: str, kind: str, count: int, newest: int) -> list[Notice]:
    rng = random.Random(f"notices:{account}")
    topics = EXTRA_TOPICS.get(account, TOPICS[dept.id])
    notices: list[Notice] = []
    seen: set[str] = set()
    for k, when in enumerate(spread_dates(count, newest, rng)):
        number = count - k
        topic = topics[number % len(topics)]
        category = CATEGORIES[number % 3] if kind == "notices" else "工作动态"
        titles = TITLES[category]
        values = _fill(dept, topic, when, rng)
        title = titles[(number // len(topics)) % len(titles)].format(**values)
        if kind != "notices":
            title = f"【{topic}】{title}"
        if title in seen:  # a small table wraps round: keep every title distinct
            title = f"{title}（第{number}期）"
        seen.add(title)
        picked = sorted(rng.sample(range(5), rng.randint(3, 5)))
        body = "".join(f"<p>{SENTENCES[category][i].format(**values)}</p>" for i in picked)
        body += INJECTED.get((dept.id, number), "") if kind == "notices" else ""
        notices.append(
            Notice(
                account=account, department=dept.id, number=number,
                path=f"/{dept.id}/{kind}/{number}.html",
                guid=f"qingshan-{account}-{number:04d}", title=title, body_html=body,
                category=category, published=when,
            )
        )  # fmt: skip
    return notices


def build_notices() -> list[Notice]:
    """Return every Chinese notice: website feeds first, then the extra accounts."""
    notices = []
    for dept in DEPARTMENTS:
        notices += _account_notices(
            dept, f"{dept.id}-website", "notices", dept.notice_count, dept.last_post_days
        )
        website = notices[-dept.notice_count :]
        for extra in dept.extra_accounts:
            notices += _account_notices(
                dept, f"{dept.id}-{extra.platform}", extra.platform, extra.notice_count,
                extra.last_post_days,
            )  # fmt: skip
            notices += _reposts(website, dept, extra.platform)
    return notices


# The newest website notices each extra account also posts, as departments do ("同步发布"):
# the hall shows such a notice once, with a link to each channel.
REPOSTS = 2


def _reposts(website: list[Notice], dept, platform: str) -> list[Notice]:
    newest = sorted(website, key=lambda n: n.published, reverse=True)[:REPOSTS]
    return [
        replace(
            notice,
            account=f"{dept.id}-{platform}",
            path=f"/{dept.id}/{platform}/repost-{notice.number}.html",
            guid=f"qingshan-{dept.id}-{platform}-repost-{notice.number:04d}",
        )
        for notice in newest
    ]
