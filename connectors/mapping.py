"""Declared field mappings: how a value found in a source becomes part of a `Record`.

The csv and json_api connectors read sources whose layout only the department knows,
so their config carries a ``mapping`` of *target* → where the value is (a column header
for csv, a path inside one item for json_api). This module owns the targets and turns
the values found for them into a `Record`, so both connectors read a mapping the same
way.

Targets
-------
* Record fields: ``external_id`` and ``title`` (both required), ``summary``, ``body``,
  ``url``, ``tags``, ``published_at``, ``updated_at``, ``language``, ``content_type``.
* Every field of `connectors.guide.ServiceGuide` (``conditions``, ``enquiry_phone``,
  ``statutory_time_limit``, ...): a guide value, for ``kind="service"`` only.
* ``extra:<name>``: the value is kept as ``Record.extra[name]``.

Values
------
* Text targets take text; a number becomes its text (``12345`` → ``"12345"``, ids often
  come as numbers). An object, a list or a boolean where text is expected is the wrong
  type: for ``external_id`` / ``title`` the item is skipped, for any other target the
  value is left out and the item kept (a degraded `RecordError`).
* ``body`` is HTML the sync runner sanitises; with ``body_is_text`` (spreadsheets) it is
  plain text, escaped and split into paragraphs at line breaks.
* ``url`` and the guide's ``online_url`` / ``mobile_url`` / ``payment_url`` are resolved
  against the source URL; anything but http(s) is left out.
* ``language``: a BCP 47 tag, else the configured language.
* Times: see `parse_time`. Text that is no date is reported and left out; a date that
  cannot be true for a publication (before 1990, in the future) is None, silently.
* Lists (``tags``, ``themes``, ``legal_basis``, ``conditions``, ``audience``,
  ``materials``, ``process``, ``service_points``): a list is taken item by item; text
  is split on the list separator (and its full-width form: ``;`` also splits at
  ``；``), or is one item when the source has no separator (JSON has real lists).
  ``materials``, ``process`` and ``service_points`` items given as text become
  ``{"name": text}``; ``audience`` words (个人, 自然人, 法人, 企业, citizen, business, ...)
  become ``individual`` / ``business``.
* Guide text that spreadsheets use for structured fields is read: ``20个工作日`` /
  ``20 working days`` / ``3天`` / ``2小时`` → a time limit; 是/否, yes/no → a boolean
  (``online_payment``; ``fee`` becomes ``{"charged": ...}``); 即办件/承诺件 →
  ``handling_type``; ``1`` / ``1次`` → ``visits``. Anything else is passed on as found:
  the sync runner validates the guide and keeps a value it cannot use in
  ``extra["guide"]`` with the reason, so nothing is lost.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, Literal
from urllib.parse import urljoin, urlsplit

from connectors.base import Record, clean_text, language_tag, plausible_time
from connectors.guide import ServiceGuide

RECORD_TARGETS = (
    "external_id",
    "title",
    "summary",
    "body",
    "url",
    "tags",
    "published_at",
    "updated_at",
    "language",
    "content_type",
)
GUIDE_TARGETS = tuple(ServiceGuide.model_fields)
EXTRA_PREFIX = "extra:"
REQUIRED_TARGETS = ("external_id", "title")

_TEXT_LISTS = {"tags", "themes", "legal_basis", "conditions"}
_NAMED_LISTS = {"materials", "process", "service_points"}
_GUIDE_URLS = {"online_url", "mobile_url", "payment_url"}
_TIMES = {"published_at", "updated_at"}
_TIME_LIMITS = {"statutory_time_limit", "promised_time_limit"}
# Guide fields whose value is an object or a list of objects: passed through when the
# source already gives that shape (JSON), for the guide model to validate.
_STRUCTURED = {"faq", "fee", *_TIME_LIMITS, *_NAMED_LISTS}

_AUDIENCES = {
    **dict.fromkeys(
        ("individual", "individuals", "citizen", "citizens", "person", "natural person",
         "个人", "自然人", "公民"),
        "individual",
    ),
    **dict.fromkeys(
        ("business", "businesses", "organization", "organizations", "organisation",
         "organisations", "legal person", "法人", "企业", "法人或其他组织", "法人和其他组织"),
        "business",
    ),
}  # fmt: skip
_YES = {"是", "有", "收费", "支持", "yes", "y", "true", "1"}
_NO = {"否", "无", "不", "免费", "不收费", "不支持", "no", "n", "false", "0"}
_HANDLING_TYPES = {
    "即办件": "on_the_spot",
    "即办": "on_the_spot",
    "on_the_spot": "on_the_spot",
    "承诺件": "promised",
    "承诺": "promised",
    "promised": "promised",
}
_TIME_UNITS = {
    "工作日": "working_days",
    "个工作日": "working_days",
    "working day": "working_days",
    "working days": "working_days",
    "天": "days",
    "日": "days",
    "个自然日": "days",
    "自然日": "days",
    "day": "days",
    "days": "days",
    "小时": "hours",
    "个小时": "hours",
    "hour": "hours",
    "hours": "hours",
    "分钟": "minutes",
    "minute": "minutes",
    "minutes": "minutes",
}
_TIME_LIMIT = re.compile(r"(\d+)\s*(\D*)")
_VISITS = re.compile(r"(\d+)\s*次?")


# ------------------------------------------------------------------- config checks


def check_mapping(mapping: dict[str, Any]) -> str | None:
    """Validate a mapping field: known targets, text locations, id and title mapped."""
    unknown = [str(t) for t in mapping if not _known_target(t)]
    if unknown:
        return (
            "unknown targets: "
            + ", ".join(unknown)
            + "; use a record field ("
            + ", ".join(RECORD_TARGETS)
            + "), a service-guide field, or extra:<name>"
        )
    not_text = [
        t for t, where in mapping.items() if not isinstance(where, str) or not where.strip()
    ]
    if not_text:
        return "must give each target as text: " + ", ".join(not_text)
    missing = [t for t in REQUIRED_TARGETS if t not in mapping]
    if missing:
        return "must map " + " and ".join(missing)
    return None


def check_kind(mapping: Mapping[str, Any], kind: str) -> str | None:
    """Return why `mapping` cannot be used for records of `kind`, or None."""
    guide = [t for t in mapping if t in GUIDE_TARGETS]
    if guide and kind != "service":
        # Content records carry no guide: the values would be dropped without a word.
        return (
            f'service-guide fields ({", ".join(guide)}) need kind "service"; '
            'map them as "extra:<name>" to keep them with content'
        )
    return None


def _known_target(target: Any) -> bool:
    if not isinstance(target, str):
        return False
    if target.startswith(EXTRA_PREFIX):
        return bool(target[len(EXTRA_PREFIX) :].strip())
    return target in RECORD_TARGETS or target in GUIDE_TARGETS


# ------------------------------------------------------------------ building records


class UnusableItemError(Exception):
    """The item cannot become a record (no id, no title, or one of the wrong type)."""

    def __init__(self, reason: str, external_id: str | None = None):
        super().__init__(reason)
        self.reason = reason
        self.external_id = external_id


class _WrongValueError(ValueError):
    """A mapped value cannot be used for its target."""


@dataclass
class BuiltRecord:
    """A record and what had to be left out of it (each a reason for the department)."""

    record: Record
    problems: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class RecordBuilder:
    """Turn the values mapped for one item into a `Record` (see the module docstring)."""

    kind: Literal["content", "service"]
    base_url: str
    language: str | None = None
    list_separator: str | None = None
    body_is_text: bool = False

    def build(self, values: Mapping[str, Any]) -> BuiltRecord:
        """Return the record for `values` (target → value); raise UnusableItemError."""
        external_id = self._required(values, "external_id", None)
        title = self._required(values, "title", external_id)
        record = Record(
            external_id=external_id,
            title=title,
            kind=self.kind,
            language=language_tag(self.language),
            guide={} if self.kind == "service" else None,
        )
        built = BuiltRecord(record)
        for target, value in values.items():
            if target in REQUIRED_TARGETS or _absent(value):
                continue
            try:
                self._set(record, target, value)
            except _WrongValueError as exc:
                built.problems.append(f"{target} {exc}; left out")
        return built

    def _required(self, values: Mapping[str, Any], target: str, external_id: str | None) -> str:
        try:
            text = _text(values.get(target))
        except _WrongValueError as exc:
            raise UnusableItemError(f"its {target} {exc}", external_id) from None
        if text is None:
            raise UnusableItemError(f"has no {target}", external_id)
        return text

    def _set(self, record: Record, target: str, value: Any) -> None:
        if target.startswith(EXTRA_PREFIX):
            name = target[len(EXTRA_PREFIX) :].strip()
            record.extra[name] = clean_text(value) if isinstance(value, str) else value
        elif target in GUIDE_TARGETS:
            converted = self._guide_value(target, value)
            if converted is not None and record.guide is not None:
                record.guide[target] = converted
        elif target == "body":
            record.body_html = _paragraphs(_text(value)) if self.body_is_text else _text(value)
        elif target == "url":
            record.url = self._url(value)
        elif target == "tags":
            record.tags = list(dict.fromkeys(self._texts(value)))
        elif target in _TIMES:
            setattr(record, target, parse_time(value))
        elif target == "language":
            tag = language_tag(_text(value))
            if tag is None:
                raise _WrongValueError(f"{_quote(value)} is not a language tag")
            record.language = tag
        else:  # summary, content_type
            setattr(record, target, _text(value))

    def _guide_value(self, name: str, value: Any) -> Any:
        if name in _STRUCTURED and isinstance(value, dict):
            return [value] if name in _NAMED_LISTS else value
        if name in _GUIDE_URLS:
            return self._url(value)
        if name == "audience":
            return [_AUDIENCES.get(word.casefold(), word) for word in self._texts(value)]
        if name in _TEXT_LISTS:
            return self._texts(value)
        if name in _NAMED_LISTS:
            items = value if isinstance(value, list) else self._split(_text(value))
            return [{"name": item} if isinstance(item, str) else item for item in items]
        if name == "faq":
            return value  # only objects make questions; the guide model judges them
        if isinstance(value, bool | int | float) and name in ("visits", "online_payment"):
            return value
        text = _text(value)
        if text is None:
            return None
        if name in _TIME_LIMITS:
            return _time_limit(text)
        if name == "fee":
            charged = _yes_no(text)
            return text if charged is None else {"charged": charged}
        if name == "online_payment":
            charged = _yes_no(text)
            return text if charged is None else charged
        if name == "handling_type":
            return _HANDLING_TYPES.get(text, text)
        if name == "visits" and (match := _VISITS.fullmatch(text)):
            return int(match.group(1))
        return text

    def _texts(self, value: Any) -> list[str]:
        if isinstance(value, list):
            texts = [_text(item) for item in value]
            return [t for t in texts if t]
        return self._split(_text(value))

    def _split(self, text: str | None) -> list[str]:
        if text is None:
            return []
        if not self.list_separator:
            return [text]
        parts = [text]
        for separator in _separators(self.list_separator):
            parts = [piece for part in parts for piece in part.split(separator)]
        return [t for t in (clean_text(p) for p in parts) if t]

    def _url(self, value: Any) -> str | None:
        text = _text(value)
        if text is None:
            return None
        resolved = urljoin(self.base_url, text)
        if urlsplit(resolved).scheme not in ("http", "https"):
            raise _WrongValueError(f"{_quote(text)} is not an http(s) URL")
        return resolved


def _absent(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or value == []


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        raise _WrongValueError("is true/false where text was expected")
    if isinstance(value, str | int | float):
        return clean_text(value)
    kind = "an object" if isinstance(value, dict) else "a list"
    raise _WrongValueError(f"is {kind} where text was expected")


def _separators(separator: str) -> list[str]:
    # Chinese spreadsheets mix ";" and "；" in one column; the full-width form of a
    # one-character ASCII separator means the same to the person who typed it.
    found = [separator]
    if len(separator) == 1 and "!" <= separator <= "~":
        found.append(chr(ord(separator) + 0xFEE0))
    return found


def _paragraphs(text: str | None) -> str | None:
    if text is None:
        return None
    lines = [line.strip() for line in text.splitlines()]
    return "".join(f"<p>{html.escape(line)}</p>" for line in lines if line)


def _time_limit(text: str) -> dict[str, Any] | str:
    match = _TIME_LIMIT.fullmatch(unicodedata.normalize("NFKC", text).strip())
    if match:
        unit = match.group(2).strip().casefold()
        if not unit:
            return {"value": int(match.group(1)), "unit": "working_days"}
        if unit in _TIME_UNITS:
            return {"value": int(match.group(1)), "unit": _TIME_UNITS[unit]}
    return text


def _yes_no(text: str) -> bool | None:
    word = text.casefold()
    if word in _YES:
        return True
    if word in _NO:
        return False
    return None


def _quote(value: Any) -> str:
    text = str(value)
    return repr(text if len(text) <= 40 else text[:39] + "…")


# --------------------------------------------------------------------------- times

_NUMERIC_DATE = re.compile(
    r"(?P<year>\d{4})-(?P<month>\d{1,2})(?:-(?P<day>\d{1,2}))?"
    r"(?:[T ]+(?P<hour>\d{1,2}):(?P<minute>\d{1,2})(?::(?P<second>\d{1,2})(?:\.\d+)?)?)?"
    r"\s*(?P<zone>Z|[+-]\d{2}:?\d{2})?",
    re.IGNORECASE,
)
_MONTH_YEAR = re.compile(r"(?P<month>\d{1,2})-(?P<year>\d{4})")
# Chinese date words and the other separators, read as ISO punctuation.
_DATE_PUNCTUATION = str.maketrans({"年": "-", "月": "-", "/": "-", ".": "-", "日": " ", "号": " "})
_TIME_WORDS = re.compile(r"(\d)\s*[时点]\s*(\d)")
# Epoch numbers above this are milliseconds (1e11 seconds is the year 5138).
_MILLISECONDS_FROM = 10**11


def parse_time(value: Any) -> datetime | None:
    """Return `value` as a plausible aware UTC time or None; raise ValueError if no date.

    Read: ISO 8601 (``2026-11-01``, ``2026-11-01T09:30:00+08:00``), the same with ``/``
    or ``.`` (``2026/11/01 9:30``), Chinese dates (``2026年11月1日``, ``2026年11月1日
    9时30分``), months (``2026-11``, ``2026年11月``, ``11/2026``), RFC 2822 (``Mon, 02
    Nov 2026 08:00:00 GMT``) and, from JSON, epoch seconds or milliseconds. A time
    without a zone is read as UTC. Dates that cannot be true give None.
    """
    if isinstance(value, int | float) and not isinstance(value, bool):
        seconds = value / 1000 if abs(value) >= _MILLISECONDS_FROM else value
        try:
            return plausible_time(datetime.fromtimestamp(seconds, UTC))
        except (OverflowError, OSError, ValueError):
            raise _WrongValueError(f"{_quote(value)} is not a date") from None
    text = _text(value)
    if text is None:
        return None
    try:
        return plausible_time(_read_time(text))
    except (ValueError, TypeError, OverflowError):
        raise _WrongValueError(f"{_quote(text)} is not a date") from None


def _read_time(text: str) -> datetime:
    normal = unicodedata.normalize("NFKC", text).strip()
    normal = _TIME_WORDS.sub(r"\1:\2", normal).replace("分", ":").replace("秒", "")
    normal = normal.translate(_DATE_PUNCTUATION).strip().rstrip(":-")
    if match := _NUMERIC_DATE.fullmatch(normal):
        parts = match.groupdict()
        moment = datetime(
            int(parts["year"]),
            int(parts["month"]),
            int(parts["day"] or 1),
            int(parts["hour"] or 0),
            int(parts["minute"] or 0),
            int(parts["second"] or 0),
        )
        zone = parts["zone"]
        if zone:
            moment = datetime.fromisoformat(f"{moment.isoformat()}{_iso_zone(zone)}")
        return moment
    if match := _MONTH_YEAR.fullmatch(normal):
        return datetime(int(match.group("year")), int(match.group("month")), 1)
    try:
        return datetime.fromisoformat(text.strip())
    except ValueError:
        pass
    return parsedate_to_datetime(text)  # raises ValueError or TypeError when no date


def _iso_zone(zone: str) -> str:
    if zone.upper() == "Z":
        return "+00:00"
    return zone if ":" in zone else f"{zone[:3]}:{zone[3:]}"
