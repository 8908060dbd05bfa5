"""Administrators build halls: create one, add or remove accounts or whole departments, import.

Each function checks the user is an administrator, writes one audit entry and flushes;
the request commits. Membership is applied at query time, so nothing here re-indexes.
"""

from __future__ import annotations

import re

from sqlalchemy import select

from hall.audit.services import record, snapshot
from hall.directory.models import Account
from hall.extensions import db
from hall.halls.models import Hall
from hall.halls.relevance import seed_synonyms
from hall.halls.services import get_department, get_hall
from hall.importer import ImportSummary, import_text
from hall.users.models import User
from hall.users.services import require_admin

HALL_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")  # the import file's slug
HALL_FIELDS = ("title", "title_en", "region_code", "description")


class CurationError(Exception):
    """A hall cannot be created or changed as asked."""


def create_hall(
    admin: User,
    hall_id: str,
    *,
    title: str,
    title_en: str | None = None,
    region_code: str | None = None,
    description: str | None = None,
) -> Hall:
    """Create an empty hall."""
    require_admin(admin)
    hall_id = hall_id.strip()
    if not HALL_ID.match(hall_id):
        raise CurationError("a hall id is 1-64 lower-case letters, digits, '_' or '-'")
    if not title.strip():
        raise CurationError("a hall needs a title")
    if db.session.get(Hall, hall_id) is not None:
        raise CurationError(f"a hall with the id {hall_id!r} exists")
    hall = Hall(
        id=hall_id,
        title=title.strip(),
        title_en=title_en or None,
        region_code=region_code or None,
        description=description or None,
    )
    db.session.add(hall)
    db.session.flush()
    seed_synonyms(hall)
    record("hall.create", hall, None, snapshot(hall, HALL_FIELDS), admin)
    return hall


def add_accounts(admin: User, hall_id: str, account_ids: list[str]) -> Hall:
    """Add accounts to a hall (those already in it are left as they are)."""
    require_admin(admin)
    hall = get_hall(hall_id)
    accounts = []
    for account_id in account_ids:
        account = db.session.get(Account, account_id)
        if account is None:
            raise CurationError(f"no account has the id {account_id!r}")
        accounts.append(account)
    return _set_members(admin, hall, [*hall.accounts, *accounts], "hall.add_accounts")


def remove_accounts(admin: User, hall_id: str, account_ids: list[str]) -> Hall:
    """Remove accounts from a hall."""
    require_admin(admin)
    hall = get_hall(hall_id)
    leaving = set(account_ids)
    remaining = [a for a in hall.accounts if a.id not in leaving]
    return _set_members(admin, hall, remaining, "hall.remove_accounts")


def add_department(admin: User, hall_id: str, department_id: str) -> Hall:
    """Add every account of a department to a hall."""
    department = get_department(department_id)
    return add_accounts(admin, hall_id, [account.id for account in department.accounts])


def remove_department(admin: User, hall_id: str, department_id: str) -> Hall:
    """Remove every account of a department from a hall."""
    department = get_department(department_id)
    return remove_accounts(admin, hall_id, [account.id for account in department.accounts])


def import_configuration(admin: User, text: str, source: str) -> ImportSummary:
    """Import a configuration file as an administrator; commits, as the importer does.

    The importer validates the whole file first and applies it in one transaction
    (ImportFileError lists each problem by entry and key). The audit entry, on the
    administrator's own row as the import spans many, is committed right after.
    """
    require_admin(admin)
    summary = import_text(text, source=source)
    record(
        "config.import",
        admin,
        None,
        {"source": source, "created": summary.created, "updated": summary.updated},
        admin,
    )
    db.session.commit()
    return summary


def accounts_outside(hall_id: str) -> list[Account]:
    """Return the accounts not in the hall, by id, for an "add" list."""
    hall = get_hall(hall_id)
    members = {account.id for account in hall.accounts}
    return [
        a for a in db.session.scalars(select(Account).order_by(Account.id)) if a.id not in members
    ]


def _set_members(admin: User, hall: Hall, accounts: list[Account], action: str) -> Hall:
    before = sorted(account.id for account in hall.accounts)
    hall.accounts = list({account.id: account for account in accounts}.values())
    db.session.flush()
    after = sorted(account.id for account in hall.accounts)
    if after != before:
        record(action, hall, {"accounts": before}, {"accounts": after}, admin)
    return hall
