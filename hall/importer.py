"""Load departments, accounts with their connectors, and halls from a YAML file.

The file format is a public contract (departments write these files; see README). The
whole file is validated before anything is written, and then applied in one transaction:
nothing is ever half-imported. Importing the same file twice changes nothing. Entries not
named in the file are left as they are.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from connectors import get_connector_class
from connectors.base import ConfigError, UnknownConnectorError
from hall.catalog.models import Item
from hall.catalog.services import log_reindex
from hall.directory.credit_codes import CreditCodeError, check_credit_code
from hall.directory.models import PLATFORMS, SECTORS, Account, Department
from hall.directory.points import FiledPoint, refresh_guide_points, replace_filed_points
from hall.extensions import db
from hall.halls.models import Hall
from hall.halls.relevance import seed_synonyms
from hall.sync.models import ConnectorInstance
from hall.timestamps import utcnow

SLUG = r"^[a-z0-9][a-z0-9_-]{0,63}$"


class ImportFileError(Exception):
    """The file cannot be imported; `problems` lists each with its place."""

    def __init__(self, source: str, problems: list[str]):
        self.source = source
        self.problems = problems
        super().__init__(f"{source}: " + "; ".join(problems))


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class DepartmentEntry(_Entry):
    id: str = Field(pattern=SLUG)
    name: str = Field(min_length=1, max_length=200)
    name_en: str | None = None
    short_name: str | None = None
    aliases: list[str] = []
    sector: str
    region: str | None = None
    parent: str | None = None
    description: str | None = None
    # Given: the department's filed points become exactly these. Absent: left as they are.
    service_points: list[FiledPoint] = []

    @field_validator("service_points")
    @classmethod
    def _one_point_per_name(cls, points: list[FiledPoint]) -> list[FiledPoint]:
        names = [point.name for point in points]
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            raise ValueError("duplicate service point name: " + ", ".join(duplicates))
        return points

    @field_validator("sector")
    @classmethod
    def _known_sector(cls, value: str) -> str:
        if value not in SECTORS:
            raise ValueError("must be one of " + ", ".join(SECTORS))
        return value

    @field_validator("region", mode="before")
    @classmethod
    def _region_is_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int) else value


class ConnectorEntry(_Entry):
    id: str = Field(pattern=SLUG)
    type: str
    config: dict[str, Any] = {}
    enabled: bool = True
    interval: str | int | None = None  # seconds, or "30m", "6h", "1d"
    cron: str | None = None  # crontab line, UTC: "0 7 * * 1-5"

    @field_validator("interval")
    @classmethod
    def _interval_seconds(cls, value: str | int | None) -> int | None:
        if value is None:
            return None
        seconds = _parse_duration(value)
        if seconds is None or seconds < 60:
            raise ValueError('must be a duration of at least a minute, e.g. 900, "30m", "6h"')
        return seconds

    @field_validator("cron")
    @classmethod
    def _valid_cron(cls, value: str | None) -> str | None:
        if value is not None:
            from apscheduler.triggers.cron import CronTrigger

            try:
                CronTrigger.from_crontab(value, timezone="UTC")
            except ValueError as exc:
                raise ValueError(f"is not a crontab line: {exc}") from None
        return value


_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def _parse_duration(value: str | int) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text.isdigit():
        return int(text)
    if text[:-1].isdigit() and text[-1:] in _UNITS:
        return int(text[:-1]) * _UNITS[text[-1]]
    return None


class AccountEntry(_Entry):
    id: str = Field(pattern=SLUG)
    department: str
    platform: Literal[tuple(PLATFORMS)]  # type: ignore[valid-type]
    name: str = Field(min_length=1, max_length=200)
    url: str | None = None
    handle: str | None = None
    # Filing data (备案): the host unit with its unified social credit code (checked as
    # GB 32100-2015 says), the supervising unit, the operating company if outsourced.
    host_unit: str | None = Field(default=None, max_length=200)
    host_unit_credit_code: str | None = None
    supervising_unit: str | None = Field(default=None, max_length=200)
    outsourced_operator: str | None = Field(default=None, max_length=200)
    # Where citizens leave messages; the daily health job checks that it answers.
    interaction_url: str | None = Field(default=None, max_length=2000)
    connectors: list[ConnectorEntry] = []

    @field_validator("interaction_url")
    @classmethod
    def _web_address(cls, value: str | None) -> str | None:
        if not value:
            return None
        if not re.fullmatch(r"https?://[^\s/?#]+\S*", value, flags=re.IGNORECASE):
            raise ValueError("must be a full address starting with http:// or https://")
        return value

    @field_validator("host_unit_credit_code")
    @classmethod
    def _credit_code(cls, value: str | None) -> str | None:
        if not value:
            return None
        try:
            return check_credit_code(value)
        except CreditCodeError as exc:
            raise ValueError(str(exc)) from None


# Account keys that are filing data: optional, and kept as filed when a file leaves them out.
FILING_KEYS = (
    "host_unit",
    "host_unit_credit_code",
    "supervising_unit",
    "outsourced_operator",
    "interaction_url",
)


class HallEntry(_Entry):
    id: str = Field(pattern=SLUG)
    title: str = Field(min_length=1, max_length=200)
    title_en: str | None = None
    region: str | None = None
    description: str | None = None
    description_en: str | None = None
    accounts: list[str] = []
    departments: list[str] = []  # shorthand: every account of these departments

    @field_validator("region", mode="before")
    @classmethod
    def _region_is_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int) else value


class ImportFile(_Entry):
    departments: list[DepartmentEntry] = []
    accounts: list[AccountEntry] = []
    halls: list[HallEntry] = []


@dataclass
class ImportSummary:
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)

    def count(self, bucket: str, kind: str, n: int = 1) -> None:
        target = self.created if bucket == "created" else self.updated
        if n:
            target[kind] = target.get(kind, 0) + n

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)


def parse_import_file(text: str, source: str) -> ImportFile:
    """Parse and validate the YAML `text`; raise ImportFileError naming every problem."""
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = f": {exc.problem}" if getattr(exc, "problem", None) else ""
        raise ImportFileError(source, [f"not valid YAML{where}{problem}"]) from None
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ImportFileError(
            source, ["the file must be a mapping with departments, accounts, halls"]
        )
    try:
        parsed = ImportFile.model_validate(raw)
    except ValidationError as exc:
        raise ImportFileError(source, [_describe_error(raw, err) for err in exc.errors()]) from None
    problems = _check_references(parsed)
    if problems:
        raise ImportFileError(source, problems)
    return parsed


def _describe_error(raw: dict[str, Any], err: dict[str, Any]) -> str:
    loc = list(err["loc"])
    place = []
    node: Any = raw
    for i, part in enumerate(loc):
        if isinstance(part, int) and isinstance(node, list) and part < len(node):
            node = node[part]
            entry_id = node.get("id") if isinstance(node, dict) else None
            place[-1] = f"{place[-1]}[{part}]" + (f" (id {entry_id})" if entry_id else "")
        elif isinstance(node, dict) and part in node:
            node = node[part]
            place.append(str(part))
        else:
            place.append(str(part))
            loc = loc[: i + 1]
            break
    message = "unknown key" if err["type"] == "extra_forbidden" else err["msg"]
    *entry, key = place or ["file"]
    where = " ".join(entry) or "file"
    return f"{where}: key '{key}': {message}"


def _check_references(data: ImportFile) -> list[str]:
    problems: list[str] = []
    for kind, entries in (
        ("departments", data.departments),
        ("accounts", data.accounts),
        ("halls", data.halls),
    ):
        seen: set[str] = set()
        for index, entry in enumerate(entries):
            if entry.id in seen:
                problems.append(f"{kind}[{index}] (id {entry.id}): key 'id': duplicate id")
            seen.add(entry.id)

    department_ids = {d.id for d in data.departments}
    known_departments = department_ids | set(db.session.scalars(db.select(Department.id)))
    account_ids = {a.id for a in data.accounts}
    known_accounts = account_ids | set(db.session.scalars(db.select(Account.id)))
    connector_ids: dict[str, str] = {}
    existing_connectors = dict(
        db.session.execute(db.select(ConnectorInstance.id, ConnectorInstance.account_id)).all()
    )

    for index, dept in enumerate(data.departments):
        if dept.parent and dept.parent not in known_departments:
            problems.append(
                f"departments[{index}] (id {dept.id}): key 'parent': unknown department {dept.parent!r}"
            )
    for index, account in enumerate(data.accounts):
        place = f"accounts[{index}] (id {account.id})"
        if account.department not in known_departments:
            problems.append(f"{place}: key 'department': unknown department {account.department!r}")
        for c_index, conn in enumerate(account.connectors):
            c_place = f"{place} connectors[{c_index}] (id {conn.id})"
            if conn.id in connector_ids:
                problems.append(f"{c_place}: key 'id': duplicate connector id")
            elif existing_connectors.get(conn.id, account.id) != account.id:
                owner = existing_connectors[conn.id]
                problems.append(f"{c_place}: key 'id': connector id belongs to account {owner!r}")
            connector_ids[conn.id] = account.id
            try:
                config = _keep_stored_secrets(conn.id, conn.type, conn.config)
                get_connector_class(conn.type).validate_config(config)
            except UnknownConnectorError as exc:
                problems.append(f"{c_place}: key 'type': {exc}")
            except ConfigError as exc:
                problems.extend(
                    f"{c_place}: key 'config.{name}': {msg}" for name, msg in exc.errors.items()
                )
    for index, hall in enumerate(data.halls):
        place = f"halls[{index}] (id {hall.id})"
        problems.extend(
            f"{place}: key 'accounts': unknown account {a!r}"
            for a in hall.accounts
            if a not in known_accounts
        )
        problems.extend(
            f"{place}: key 'departments': unknown department {d!r}"
            for d in hall.departments
            if d not in known_departments
        )
    return problems


def import_file(path: str | Path) -> ImportSummary:
    """Validate and apply the import file at `path` in one transaction."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ImportFileError(str(path), [f"cannot read the file: {exc}"]) from None
    return import_text(text, source=str(path))


def import_text(text: str, source: str = "<text>") -> ImportSummary:
    """Validate and apply import-file `text` in one transaction."""
    data = parse_import_file(text, source)
    summary = ImportSummary()
    try:
        for dept in data.departments:
            _apply_department(dept, summary)
            _apply_service_points(dept, summary)
        if "service_points" in summary.created or "service_points" in summary.updated:
            refresh_guide_points()  # guide points take their districts from filed ones
        db.session.flush()
        for account in data.accounts:
            _apply_account(account, summary)
        db.session.flush()
        for hall in data.halls:
            _apply_hall(hall, summary)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return summary


def _update(obj: Any, values: dict[str, Any]) -> bool:
    changed = False
    for name, value in values.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed = True
    return changed


def _apply_department(entry: DepartmentEntry, summary: ImportSummary) -> None:
    values = {
        "name": entry.name,
        "name_en": entry.name_en,
        "short_name": entry.short_name,
        "aliases": list(entry.aliases),
        "sector": entry.sector,
        "region_code": entry.region,
        "parent_id": entry.parent,
        "description": entry.description,
    }
    dept = db.session.get(Department, entry.id)
    if dept is None:
        db.session.add(Department(id=entry.id, **values))
        summary.count("created", "departments")
        return
    old_sector, old_names = dept.sector, (dept.name, dept.name_en)
    if _update(dept, values):
        summary.count("updated", "departments")
        if dept.sector != old_sector or (dept.name, dept.name_en) != old_names:
            # The index holds each item's sector and department: re-index them.
            item_ids = db.session.scalars(
                db.select(Item.id).join(Account).where(Account.department_id == dept.id)
            )
            log_reindex(item_ids, utcnow())


def _apply_service_points(entry: DepartmentEntry, summary: ImportSummary) -> None:
    if "service_points" not in entry.model_fields_set:
        return  # an exported file has none: keep what was filed
    changes = replace_filed_points(department_id=entry.id, points=entry.service_points)
    summary.count("created", "service_points", changes.added)
    summary.count("updated", "service_points", changes.updated + changes.removed)


def _apply_account(entry: AccountEntry, summary: ImportSummary) -> None:
    values = {
        "department_id": entry.department,
        "platform": entry.platform,
        "name": entry.name,
        "url": entry.url,
        "handle": entry.handle,
    }
    # Only when given: a file without the key keeps what an operator filed.
    for key in FILING_KEYS:
        if key in entry.model_fields_set:
            values[key] = getattr(entry, key) or None
    account = db.session.get(Account, entry.id)
    if account is None:
        db.session.add(Account(id=entry.id, filing_status="approved", **values))
        summary.count("created", "accounts")
    else:
        moved = account.department_id != entry.department
        readdressed = (
            values.get("interaction_url", account.interaction_url) != account.interaction_url
        )
        if _update(account, values):
            summary.count("updated", "accounts")
            if readdressed:  # the last check was of the old address
                account.channel_checked_at = account.channel_ok = account.channel_detail = None
            if moved:
                log_reindex(
                    db.session.scalars(db.select(Item.id).where(Item.account_id == account.id)),
                    utcnow(),
                )
    for conn in entry.connectors:
        _apply_connector(entry.id, conn, summary)


def _apply_connector(account_id: str, entry: ConnectorEntry, summary: ImportSummary) -> None:
    config = _keep_stored_secrets(entry.id, entry.type, entry.config)
    config = get_connector_class(entry.type).validate_config(config)
    instance = db.session.get(ConnectorInstance, entry.id)
    schedule = {"interval_seconds": entry.interval, "cron": entry.cron}
    if instance is None:
        db.session.add(
            ConnectorInstance(
                id=entry.id,
                account_id=account_id,
                type=entry.type,
                config=config,
                cursor={},
                enabled=entry.enabled,
                **schedule,
            )
        )
        summary.count("created", "connectors")
        return
    source_changed = instance.type != entry.type or instance.config != config
    rescheduled = (instance.interval_seconds, instance.cron) != (entry.interval, entry.cron)
    values = {"type": entry.type, "config": config, "enabled": entry.enabled, **schedule}
    if _update(instance, values):
        if rescheduled:
            instance.next_run_at = None  # the new schedule starts with a run now
        summary.count("updated", "connectors")
        if source_changed:
            instance.cursor = {}  # validators of another source mean nothing here


def _keep_stored_secrets(connector_id: str, type: str, config: dict[str, Any]) -> dict[str, Any]:
    """Return `config` with the stored secrets of the same connector where the file omits them.

    Exports leave secrets out (hall/halls/export.py), so a file can be shared and still
    re-imported; a secret the file does give replaces the stored one.
    """
    instance = db.session.get(ConnectorInstance, connector_id)
    if instance is None or instance.type != type:
        return config
    sensitive = {f.name for f in get_connector_class(type).fields if f.sensitive}
    kept = {
        name: instance.config[name]
        for name in sensitive
        if name not in config and instance.config.get(name) is not None
    }
    return {**config, **kept}


def _apply_hall(entry: HallEntry, summary: ImportSummary) -> None:
    values = {
        "title": entry.title,
        "title_en": entry.title_en,
        "region_code": entry.region,
        "description": entry.description,
        "description_en": entry.description_en,
    }
    member_ids = set(entry.accounts)
    if entry.departments:
        member_ids |= set(
            db.session.scalars(
                db.select(Account.id).where(Account.department_id.in_(entry.departments))
            )
        )
    hall = db.session.get(Hall, entry.id)
    if hall is None:
        hall = Hall(id=entry.id, **values)
        db.session.add(hall)
        seed_synonyms(hall)  # as a hall created by hand: the seed synonyms, editable
        summary.count("created", "halls")
        changed = False
    else:
        changed = _update(hall, values)
    if {a.id for a in hall.accounts} != member_ids:
        hall.accounts = list(
            db.session.scalars(db.select(Account).where(Account.id.in_(member_ids)))
        )
        changed = True
    if changed:
        summary.count("updated", "halls")
