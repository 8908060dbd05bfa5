"""The whole demo site: departments, services, notices, and every document it serves."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta
from functools import cache

from hall.demo.departments import DEPARTMENTS, DepartmentSpec
from hall.demo.english import english_guide, english_news, english_services, english_tax_notices
from hall.demo.feeds import atom, notice_page, page, rss
from hall.demo.guides import DemoService
from hall.demo.jsonld_pages import guide_page, service_node, services_page
from hall.demo.notices import REFERENCE_DATE, Notice, build_notices
from hall.demo.open311 import open311_documents
from hall.demo.services_business import BUSINESS_SERVICES
from hall.demo.services_people import PEOPLE_SERVICES
from hall.demo.services_public import PUBLIC_SERVICES

HTML = "text/html; charset=utf-8"
RSS = "application/rss+xml; charset=utf-8"
ATOM = "application/atom+xml; charset=utf-8"
SERVICE_TABLES = (PEOPLE_SERVICES, PUBLIC_SERVICES, BUSINESS_SERVICES)


def feed_path(dept: DepartmentSpec) -> str:
    """Return the path of a department's website feed (RSS or Atom, by its feed style)."""
    return f"/{dept.id}/notices.xml" if dept.feed == "rss" else f"/{dept.id}/news.atom"


def _services() -> list[DemoService]:
    services = []
    for index, dept in enumerate(DEPARTMENTS, start=1):
        rows = [row for table in SERVICE_TABLES for row in table.get(dept.id, ())]
        for seq, row in enumerate(rows, start=1):
            name, type_key, audience, themes, laws, materials, days, fee, scope, result = row[:10]
            code = f"3399010{index:02d}{seq:03d}"
            rng = random.Random(f"service:{code}")
            published = REFERENCE_DATE - timedelta(days=rng.randint(300, 1200))
            modified = published + timedelta(days=rng.randint(0, (REFERENCE_DATE - published).days))
            services.append(
                DemoService(
                    dept, code, name, type_key, audience, tuple(themes.split()),
                    tuple(laws.split()), tuple(materials.split()), days, fee, scope, result,
                    row[10] if len(row) > 10 else "", rng.randrange(2**31),
                    published.replace(hour=9, minute=0).isoformat(),
                    modified.replace(hour=rng.randint(8, 17), minute=30).isoformat(),
                )
            )  # fmt: skip
    return services


@dataclass(frozen=True)
class DemoSite:
    """Everything the demo serves; `documents` renders it for one base URL."""

    departments: tuple[DepartmentSpec, ...]
    services: list[DemoService]
    notices: list[Notice]  # every account's posts: websites, wechat, weibo, English feeds

    def notices_of(self, account: str) -> list[Notice]:
        """Return an account's notices, newest first."""
        return [n for n in self.notices if n.account == account]

    def documents(self, base_url: str) -> dict[str, tuple[str, bytes]]:
        """Return every served path with its content type and body."""
        base_url = base_url.rstrip("/")
        docs: dict[str, str | tuple[str, str]] = {}
        for dept in self.departments:
            docs.update(self._department_documents(dept, base_url))
        docs.update(self._english_documents(base_url))
        rendered = {
            path: value if isinstance(value, tuple) else (HTML, value)
            for path, value in docs.items()
        }
        encoded = {path: (ctype, body.encode()) for path, (ctype, body) in rendered.items()}
        return encoded | open311_documents()

    def _department_documents(self, dept: DepartmentSpec, base_url: str) -> dict:
        docs: dict[str, str | tuple[str, str]] = {}
        own = self.notices_of(f"{dept.id}-website")
        title = dept.website_name
        if dept.feed == "rss":
            docs[feed_path(dept)] = (RSS, rss(own, title=title, link=f"{base_url}/{dept.id}/",
                                              base_url=base_url, language="zh-CN"))  # fmt: skip
        else:
            docs[feed_path(dept)] = (ATOM, atom(own, title=title, feed_path=feed_path(dept),
                                                base_url=base_url, language="zh-CN",
                                                relative=dept.feed == "atom-relative"))  # fmt: skip
        for extra in dept.extra_accounts:
            posts = self.notices_of(f"{dept.id}-{extra.platform}")
            docs[f"/{dept.id}/{extra.platform}.xml"] = (
                RSS, rss(posts, title=extra.name, link=f"{base_url}/{dept.id}/{extra.platform}/",
                         base_url=base_url, language="zh-CN"),
            )  # fmt: skip
            own = own + posts
        for notice in own:
            docs[notice.path] = notice_page(notice)
        services = [s for s in self.services if s.department is dept]
        nodes = []
        for service in services:
            guide = service.guide(base_url)
            nodes.append(service_node(service, guide, base_url))
            docs[f"/{dept.id}/services/{service.code}.html"] = guide_page(service, guide)
            docs[f"/handle/{service.code}"] = page(
                f"在线办理：{service.name}", "<p>请登录后办理。</p>"
            )
            if service.fee:
                docs[f"/pay/{service.code}"] = page(
                    f"网上缴费：{service.name}", "<p>请登录后缴费。</p>"
                )
        docs[f"/{dept.id}/services.html"] = services_page(dept, nodes, title=f"{dept.name}办事服务")
        docs[f"/{dept.id}/forms/blank.html"] = page(f"{dept.name}申请表", "<p>申请表空白样表。</p>")
        links = "".join(f'<li><a href="{path}">{path}</a></li>' for path in sorted(docs))
        docs[f"/{dept.id}/"] = page(dept.website_name, f"<ul>{links}</ul>")
        return docs

    def _english_documents(self, base_url: str) -> dict:
        docs: dict[str, str | tuple[str, str]] = {}
        news = self.notices_of("culture-en")
        docs["/culture/en/news.atom"] = (ATOM, atom(
            news, title="Qingshan Culture and Tourism News", feed_path="/culture/en/news.atom",
            base_url=base_url, language="en"))  # fmt: skip
        tax = self.notices_of("tax-en")
        docs["/tax/en/notices.xml"] = (RSS, rss(tax, title="Qingshan Tax Notices (English)",
                                                link=f"{base_url}/tax/", base_url=base_url,
                                                language="en"))  # fmt: skip
        for notice in news + tax:
            docs[notice.path] = notice_page(notice)
        amr = next(d for d in self.departments if d.id == "amr")
        nodes = []
        for service, name, text in english_services(self.services):
            url = f"{base_url}/amr/en/services/{service.code}.html"
            guide = english_guide(service, base_url)
            nodes.append(service_node(service, guide, base_url, name=name, description=text,
                                      language="en", url=url))  # fmt: skip
            docs[url.removeprefix(base_url)] = page(name, f"<p>{text}</p>", language="en")
        docs["/amr/en/services.html"] = services_page(
            amr, nodes, title="Qingshan Market Regulation: Services", language="en"
        )
        return docs


@cache
def build_site() -> DemoSite:
    """Return the demo site (deterministic; built once per process)."""
    return DemoSite(
        DEPARTMENTS, _services(), build_notices() + english_news() + english_tax_notices()
    )
