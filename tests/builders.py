"""Small builders for test data: each makes one row with sensible defaults."""

from __future__ import annotations

from datetime import datetime
from itertools import count
from typing import Any

from hall.catalog.models import ChangeLog, Item
from hall.directory.credit_codes import complete_credit_code
from hall.directory.models import Account, Department
from hall.extensions import db
from hall.halls.models import Hall, LifeEvent, LifeEventStep
from hall.halls.relevance import seed_synonyms
from hall.search.analysis import analyse_item
from hall.sync.models import ConnectorInstance
from hall.timestamps import utcnow
from hall.users.models import User
from hall.users.services import create_user

_ids = count(1)

# A fictional host unit's unified social credit code, with both check characters right.
CREDIT_CODE = complete_credit_code("11330102MB000001")


def filing_data(**values: Any) -> dict[str, Any]:
    """Return complete filing data for apply_for_account, `values` replacing the defaults."""
    return {
        "host_unit": "某某县人力资源和社会保障局",
        "host_unit_credit_code": CREDIT_CODE,
        "responsible_person": "张三",
        "contact_phone": "0571-12345678",
        **values,
    }


def make_department(id: str = "hrss", sector: str = "social_security", **values: Any) -> Department:
    dept = db.session.get(Department, id)
    if dept is None:
        dept = Department(
            id=id,
            name=values.pop("name", f"{id} 局"),
            sector=sector,
            aliases=values.pop("aliases", []),
            **values,
        )
        db.session.add(dept)
        db.session.flush()
    return dept


def make_account(id: str = "hrss-web", department: str = "hrss", **values: Any) -> Account:
    account = db.session.get(Account, id)
    if account is None:
        if db.session.get(Department, department) is None:
            make_department(department)
        values.setdefault("platform", "website")
        values.setdefault("name", f"{id} 网站")
        account = Account(id=id, department_id=department, **values)
        db.session.add(account)
        db.session.flush()
    return account


def make_user(
    username: str = "op-hrss", role: str = "operator", departments: list[str] = ("hrss",)
) -> User:
    """Create a user (password "correct horse battery"), with its departments if needed."""
    if role == "admin":
        departments = []
    for department in departments:
        make_department(department)
    return create_user(username, "correct horse battery", role=role, department_ids=departments)


def make_connector(
    id: str = "hrss-feed", account: str = "hrss-web", type: str = "feed", **values: Any
) -> ConnectorInstance:
    instance = db.session.get(ConnectorInstance, id)
    if instance is None:
        if db.session.get(Account, account) is None:
            make_account(account)
        values.setdefault("config", {"url": "http://127.0.0.1:9/feed.xml"})
        instance = ConnectorInstance(id=id, account_id=account, type=type, cursor={}, **values)
        db.session.add(instance)
        db.session.flush()
    return instance


def make_hall(id: str = "county", accounts: list[str] = (), **values: Any) -> Hall:
    hall = Hall(id=id, title=values.pop("title", "某某县政务服务大厅"), **values)
    hall.accounts = [db.session.get(Account, a) or make_account(a) for a in accounts]
    db.session.add(hall)
    db.session.flush()
    seed_synonyms(hall)  # as every created hall has them
    return hall


def make_item(
    title: str,
    body: str = "",
    *,
    connector: str = "hrss-feed",
    kind: str = "content",
    published_at: datetime | None = None,
    tombstoned: bool = False,
    **values: Any,
) -> Item:
    """Insert an item as the sync runner would (tokens and a change-log row included)."""
    instance = db.session.get(ConnectorInstance, connector) or make_connector(connector)
    tokens = analyse_item(title, body)
    now = utcnow()
    item = Item(
        connector_id=instance.id,
        account_id=instance.account_id,
        external_id=values.pop("external_id", f"ext-{next(_ids)}"),
        kind=kind,
        content_type=values.pop("content_type", "notice" if kind == "content" else None),
        title=title,
        body_text=body,
        body_html=f"<p>{body}</p>" if body else "",
        summary=body[:100] or None,
        tags=[],
        extra={},
        content_hash="x",
        title_tokens=tokens.title_tokens,
        body_tokens=tokens.body_tokens,
        title_pinyin=tokens.title_pinyin,
        published_at=published_at,
        tombstoned_at=now if tombstoned else None,
        **values,
    )
    db.session.add(item)
    db.session.flush()
    db.session.add(
        ChangeLog(item_id=item.id, action="tombstoned" if tombstoned else "added", changed_at=now)
    )
    db.session.flush()
    return item


def make_life_event(
    slug: str = "baby", hall: str = "county", item_ids: list[int] = (), **values: Any
) -> LifeEvent:
    """Add a life event (topic) to a hall with these services as its steps, in order."""
    topic = LifeEvent(
        hall_id=hall,
        slug=slug,
        title=values.pop("title", f"{slug} 主题"),
        position=values.pop("position", 0),
        **values,
    )
    topic.steps = [
        LifeEventStep(item_id=item_id, position=position)
        for position, item_id in enumerate(item_ids)
    ]
    db.session.add(topic)
    db.session.flush()
    return topic
