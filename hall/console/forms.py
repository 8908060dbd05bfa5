"""Console forms: a connector's form built from its declared fields, and the filing forms.

Parsing only turns submitted text into values and reports what cannot be read (a bad
number, bad JSON); the domain services decide what is valid and say why per field.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from werkzeug.datastructures import MultiDict

from connectors.base import Connector, Field
from hall.directory.credit_codes import CreditCodeError, check_credit_code
from hall.directory.models import PLATFORMS
from hall.directory.services import is_http_url
from hall.timestamps import utcnow
from hall.workdays import china_date

# Field.type -> the HTML input that edits it.
INPUT_TYPES = {
    "str": "text",
    "text": "textarea",
    "url": "url",
    "int": "number",
    "float": "number",
    "bool": "checkbox",
    "list": "textarea",
    "dict": "textarea",
}


@dataclass
class FormField:
    """One input of a generated connector form, ready for the template."""

    name: str
    label: str
    input: str
    value: str = ""
    help: str = ""
    required: bool = False
    choices: tuple[str, ...] = ()
    checked: bool = False
    step: str | None = None
    has_secret: bool = False
    error: str | None = None
    hint: str | None = None


def connector_form(
    cls: type[Connector],
    *,
    submitted: Mapping[str, str] | None = None,
    stored: Mapping[str, Any] | None = None,
    errors: Mapping[str, str] | None = None,
) -> list[FormField]:
    """Return the inputs of a connector's form, filled from a submission or the stored config.

    A sensitive field is a password input that never carries the stored value.
    """
    errors = errors or {}
    fields = []
    for declared in cls.fields:
        form_field = FormField(
            name=declared.name,
            label=declared.label or declared.name,
            input=_input_type(declared),
            help=declared.help,
            required=declared.required,
            choices=declared.choices,
            step="any" if declared.type == "float" else None,
            error=errors.get(declared.name),
        )
        if declared.type == "list":
            form_field.hint = "One per line."
        elif declared.type == "dict":
            form_field.hint = "A JSON object."
        if declared.sensitive:
            form_field.has_secret = bool(stored and stored.get(declared.name))
        elif submitted is not None:
            form_field.value = submitted.get(declared.name, "")
            form_field.checked = declared.name in submitted
        else:
            value = stored.get(declared.name) if stored else declared.default
            form_field.value = _as_text(declared, value)
            form_field.checked = bool(value)
        fields.append(form_field)
    return fields


def parse_connector_form(
    cls: type[Connector], form: MultiDict[str, str]
) -> tuple[dict[str, Any], dict[str, str]]:
    """Return the raw config a submission gives and the fields that could not be read."""
    config: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for declared in cls.fields:
        raw = form.get(declared.name, "")
        if declared.type == "bool":
            config[declared.name] = declared.name in form
        elif not raw.strip():
            continue  # empty: the default applies, or a stored secret is kept
        elif declared.type == "list":
            config[declared.name] = [line.strip() for line in raw.splitlines() if line.strip()]
        elif declared.type == "dict":
            try:
                value = json.loads(raw)
            except ValueError:
                errors[declared.name] = 'must be a JSON object, such as {"key": "value"}'
                continue
            if not isinstance(value, dict):
                errors[declared.name] = 'must be a JSON object, such as {"key": "value"}'
                continue
            config[declared.name] = value
        else:
            config[declared.name] = raw
    return config, errors


def parse_schedule(form: MultiDict[str, str]) -> tuple[int | None, str | None, dict[str, str]]:
    """Return the interval (None: the default), the crontab line, and unreadable fields."""
    raw = form.get("interval_seconds", "").strip()
    if not raw:
        return None, form.get("cron", "").strip() or None, {}
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 9):
        return None, None, {"interval_seconds": "must be a whole number of seconds"}
    return int(raw), form.get("cron", "").strip() or None, {}


@dataclass
class FilingForm:
    """The values of a filing form as typed, and the error of each field."""

    values: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)
    effective_on: date | None = None  # a change: the day it took effect (None: today)

    @property
    def ok(self) -> bool:
        return not self.errors


# The account's filed fields a form edits, in the order the forms show them.
CHANGE_FIELDS = (
    "name",
    "url",
    "handle",
    "host_unit",
    "host_unit_credit_code",
    "supervising_unit",
    "outsourced_operator",
    "interaction_url",
    "responsible_person",
    "contact_phone",
)
APPLY_FIELDS = ("platform", *CHANGE_FIELDS)


def parse_apply_form(form: MultiDict[str, str]) -> FilingForm:
    """Read an application for a new account and check each field."""
    parsed = _filing_values(form, APPLY_FIELDS)
    values = parsed.values
    if values["platform"] not in PLATFORMS:
        parsed.errors["platform"] = "Choose a platform."
    _check_account_fields(parsed)
    return parsed


def parse_change_form(form: MultiDict[str, str]) -> FilingForm:
    """Read a change of an account's filed data, and the day it took effect; check each."""
    parsed = _filing_values(form, CHANGE_FIELDS)
    _check_account_fields(parsed)
    raw = parsed.values["effective_on"] = form.get("effective_on", "").strip()
    if raw:
        try:
            parsed.effective_on = date.fromisoformat(raw)
        except ValueError:
            parsed.errors["effective_on"] = "Give the date as YYYY-MM-DD."
            return parsed
        if parsed.effective_on > china_date(utcnow()):
            parsed.errors["effective_on"] = "A change cannot take effect after today."
    return parsed


def today_in_china() -> str:
    """Return today's date in China as YYYY-MM-DD, the effective date a change form starts with."""
    return china_date(utcnow()).isoformat()


def parse_close_form(form: MultiDict[str, str]) -> FilingForm:
    """Read a closure: the public notice and the successor account, if any."""
    parsed = _filing_values(form, ("notice", "successor_account_id"))
    if not parsed.values["notice"]:
        parsed.errors["notice"] = "A closing account posts a notice."
    return parsed


def channels_of(form: MultiDict[str, str]) -> list[str]:
    """Return the interaction channels typed one per line."""
    return [
        line.strip() for line in form.get("interaction_channels", "").splitlines() if line.strip()
    ]


def _filing_values(form: MultiDict[str, str], names: tuple[str, ...]) -> FilingForm:
    values = {name: form.get(name, "").strip() for name in names}
    values["interaction_channels"] = "\n".join(channels_of(form))
    return FilingForm(values=values)


def _check_account_fields(parsed: FilingForm) -> None:
    values, errors = parsed.values, parsed.errors
    if not values["name"]:
        errors["name"] = "An account needs a name."
    if values["url"]:
        if not is_http_url(values["url"]):
            errors["url"] = "Give a full address starting with http:// or https://."
    elif not values["handle"]:
        errors["url"] = "Give the account's address or its platform id."
    if not values["host_unit"]:
        errors["host_unit"] = "Name the host unit, the account's certified subject."
    if not values["host_unit_credit_code"]:
        errors["host_unit_credit_code"] = "Give the host unit's unified social credit code."
    else:
        try:
            values["host_unit_credit_code"] = check_credit_code(values["host_unit_credit_code"])
        except CreditCodeError as exc:
            # One of the fixed sentences of hall/directory/credit_codes.py, each translated.
            errors["host_unit_credit_code"] = str(exc)
    if values["interaction_url"] and not is_http_url(values["interaction_url"]):
        errors["interaction_url"] = "Give a full address starting with http:// or https://."
    if not values["responsible_person"]:
        errors["responsible_person"] = "Name the person responsible."
    if not values["contact_phone"]:
        errors["contact_phone"] = "Give a contact phone."


def _input_type(declared: Field) -> str:
    if declared.sensitive:
        return "password"
    if declared.choices:
        return "select"
    return INPUT_TYPES.get(declared.type, "text")


def _as_text(declared: Field, value: Any) -> str:
    if value is None:
        return ""
    if declared.type == "list":
        return "\n".join(str(v) for v in value)
    if declared.type == "dict":
        return json.dumps(value, ensure_ascii=False, indent=2)
    return str(value)
