"""Write a hall's whole configuration as an import file (see hall/importer.py).

The file names the hall, its member accounts with their connectors, and the departments
they belong to (with parent departments, so the file imports into an empty database).
Importing it where it came from changes nothing.

Secrets never leave in clear: a connector's sensitive fields (declared `sensitive=True`)
are left out of the file. The importer keeps a stored secret when the file omits it, so
the round trip holds; a fresh database asks for the secret, as a required field does.
"""

from __future__ import annotations

from typing import Any

import yaml
from sqlalchemy import select

from connectors import get_connector_class
from connectors.base import UnknownConnectorError
from hall.directory.models import Account, Department
from hall.extensions import db
from hall.halls.services import get_hall
from hall.sync.models import ConnectorInstance


def export_hall_yaml(hall_id: str) -> str:
    """Return the hall, its accounts (connectors without secrets) and departments as YAML."""
    hall = get_hall(hall_id)
    accounts = list(hall.accounts)
    departments = _with_parents({account.department for account in accounts})
    document = {
        "departments": [_department(department) for department in departments],
        "accounts": [_account(account) for account in accounts],
        "halls": [
            _drop_none(
                {
                    "id": hall.id,
                    "title": hall.title,
                    "title_en": hall.title_en,
                    "region": hall.region_code,
                    "description": hall.description,
                    "description_en": hall.description_en,
                    "accounts": [account.id for account in accounts],
                }
            )
        ],
    }
    return yaml.safe_dump(document, allow_unicode=True, sort_keys=False, width=100)


def without_secrets(connector_type: str, config: dict[str, Any]) -> dict[str, Any]:
    """Return a connector config without its sensitive fields (all of it if the type is unknown)."""
    try:
        fields = get_connector_class(connector_type).fields
    except UnknownConnectorError:
        return {}  # nothing is known about which of its values are secret
    sensitive = {f.name for f in fields if f.sensitive}
    return {name: value for name, value in config.items() if name not in sensitive}


def _with_parents(departments: set[Department]) -> list[Department]:
    """Return the departments and their ancestors, parents before children."""
    seen: dict[str, Department] = {}
    for department in departments:
        chain = []
        while department is not None and department.id not in seen:
            chain.append(department)
            department = department.parent
        for member in reversed(chain):
            seen[member.id] = member
    return sorted(seen.values(), key=lambda d: (_depth(d), d.id))


def _depth(department: Department) -> int:
    depth = 0
    while department.parent is not None:
        department, depth = department.parent, depth + 1
    return depth


def _department(department: Department) -> dict[str, Any]:
    return _drop_none(
        {
            "id": department.id,
            "name": department.name,
            "name_en": department.name_en,
            "short_name": department.short_name,
            "aliases": list(department.aliases or []) or None,
            "sector": department.sector,
            "region": department.region_code,
            "parent": department.parent_id,
            "description": department.description,
        }
    )


def _account(account: Account) -> dict[str, Any]:
    connectors = db.session.scalars(
        select(ConnectorInstance)
        .where(ConnectorInstance.account_id == account.id)
        .order_by(ConnectorInstance.id)
    )
    return _drop_none(
        {
            "id": account.id,
            "department": account.department_id,
            "platform": account.platform,
            "name": account.name,
            "url": account.url,
            "handle": account.handle,
            "host_unit": account.host_unit,
            "host_unit_credit_code": account.host_unit_credit_code,
            "supervising_unit": account.supervising_unit,
            "outsourced_operator": account.outsourced_operator,
            "interaction_url": account.interaction_url,
            "connectors": [_connector(instance) for instance in connectors] or None,
        }
    )


def _connector(instance: ConnectorInstance) -> dict[str, Any]:
    return _drop_none(
        {
            "id": instance.id,
            "type": instance.type,
            "config": without_secrets(instance.type, dict(instance.config)),
            "enabled": instance.enabled,
            "interval": instance.interval_seconds,
            "cron": instance.cron,
        }
    )


def _drop_none(values: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in values.items() if value is not None}
