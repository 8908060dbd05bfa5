"""The connector contract.

A connector turns one public source of a government department (a feed, an Open311
service list, pages with schema.org markup, ...) into normalised `Record`s. Service Hall
runs it through `hall.sync`, which owns everything else: the database, the diff with
stored items, sanitising HTML, the change log and the search index.

Writing a connector
-------------------
Subclass `Connector`, set `type` (the id used in import files and the registry),
`label`, and `fields` (the configuration it accepts), and implement `fetch`::

    class MyConnector(Connector):
        type = "my_source"
        label = "My source"
        fields = (Field("url", "url", "Listing URL", required=True),)

        def fetch(self, context: FetchContext) -> FetchResult:
            response = context.http.get(self.config["url"], conditional=context.cursor)
            if response.not_modified:
                return FetchResult(records=[], cursor=context.cursor, not_modified=True)
            ...
            return FetchResult(records=records, cursor=response.validators(), complete=True)

Rules every connector keeps:

* It is pure: it imports nothing from `hall`, never touches the database or the index,
  and keeps no state between runs except the `cursor` it returns.
* Every request goes through `context.http` (the guarded session of `connectors.http`);
  a connector never opens sockets or calls `requests` itself.
* A malformed item is not fatal: append a `RecordError` to the result and go on. Raise
  `FetchError` (or let an `connectors.http.HttpError` escape) only when the source as a
  whole cannot be read; the run then fails and changes nothing.
* `complete=True` means the records are the whole listing of the source, so items that
  are missing from it may eventually be retired. Say False for partial listings.
* Times are timezone-aware UTC `datetime`s, or None when the source gives none or gives
  one that cannot be true. Never substitute "now".
* Third-party connectors register under the entry-point group ``hall.connectors``
  (``my_source = my_package.module:MyConnector``) and are found through the same
  registry as the built-ins (`connectors.get_connector_class`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, ClassVar, Literal
from urllib.parse import urljoin, urlsplit

if TYPE_CHECKING:  # pragma: no cover
    import logging

    from connectors.http import GuardedSession


class ConnectorError(Exception):
    """Base class of every error a connector raises."""

    def __str__(self) -> str:
        # Messages quote what sources send (error texts, headers, names) and end up in
        # log lines: a line break there would forge a log entry of its own.
        return one_line(super().__str__())


class ConfigError(ConnectorError):
    """The configuration is invalid; `errors` maps each field name to a message."""

    def __init__(self, errors: Mapping[str, str]):
        self.errors = dict(errors)
        super().__init__("; ".join(f"{name}: {message}" for name, message in self.errors.items()))


class FetchError(ConnectorError):
    """The source as a whole could not be read or understood."""


class UnknownConnectorError(ConnectorError):
    """No connector is registered under the requested type."""


FieldType = Literal["str", "text", "url", "int", "float", "bool", "list", "dict"]
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


@dataclass(frozen=True)
class Field:
    """One declared configuration field of a connector.

    `type` decides how a raw value is converted and checked: "str" and "text" (free
    text), "url" (absolute http or https URL), "int", "float", "bool", "list" (of
    strings; a comma-separated string is accepted) and "dict". `sensitive` fields are
    masked wherever a configuration is shown or logged. `validate` may add a check of its
    own: it returns an error message, or None when the value is fine.
    """

    name: str
    type: FieldType = "str"
    label: str = ""
    required: bool = False
    default: Any = None
    sensitive: bool = False
    help: str = ""
    choices: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    validate: Callable[[Any], str | None] | None = None

    def convert(self, raw: Any) -> Any:
        """Return `raw` converted to this field's type; raise ValueError with a reason."""
        kind = self.type
        if kind in ("str", "text"):
            if not isinstance(raw, str | int | float):
                raise ValueError("must be text")
            value: Any = str(raw).strip()
        elif kind == "url":
            if not isinstance(raw, str):
                raise ValueError("must be a URL")
            value = raw.strip()
            parts = urlsplit(value)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise ValueError("must be an absolute http:// or https:// URL")
        elif kind == "int":
            if isinstance(raw, bool) or not isinstance(raw, int | str):
                raise ValueError("must be a whole number")
            try:
                value = int(raw)
            except ValueError:
                raise ValueError("must be a whole number") from None
        elif kind == "float":
            if isinstance(raw, bool) or not isinstance(raw, int | float | str):
                raise ValueError("must be a number")
            try:
                value = float(raw)
            except ValueError:
                raise ValueError("must be a number") from None
            if value != value or value in (float("inf"), float("-inf")):
                raise ValueError("must be a finite number")
        elif kind == "bool":
            if isinstance(raw, bool):
                value = raw
            elif isinstance(raw, str) and raw.strip().lower() in _TRUE | _FALSE:
                value = raw.strip().lower() in _TRUE
            else:
                raise ValueError("must be true or false")
        elif kind == "list":
            if isinstance(raw, str):
                raw = [part for part in (p.strip() for p in raw.split(",")) if part]
            if not isinstance(raw, list | tuple) or not all(isinstance(v, str) for v in raw):
                raise ValueError("must be a list of text values")
            value = [v.strip() for v in raw]
        elif kind == "dict":
            if not isinstance(raw, Mapping):
                raise ValueError("must be a mapping")
            value = dict(raw)
        else:  # pragma: no cover - guarded by the Literal type
            raise ValueError(f"unknown field type {kind!r}")
        if self.choices and value not in self.choices:
            raise ValueError("must be one of " + ", ".join(self.choices))
        if self.minimum is not None and value < self.minimum:
            raise ValueError(f"must be at least {self.minimum:g}")
        if self.maximum is not None and value > self.maximum:
            raise ValueError(f"must be at most {self.maximum:g}")
        if self.validate is not None:
            message = self.validate(value)
            if message:
                raise ValueError(message)
        return value


@dataclass
class Record:
    """One normalised item from a source: a piece of content or a service.

    `external_id` is stable for the same item across runs and unique within one
    connector. `body_html` may be raw HTML from the source: the sync runner sanitises it.
    `guide` is given for services only: a mapping with the fields of
    `connectors.guide.ServiceGuide` (the national service-guide fields); fields the
    source sends that the guide does not model go to `extra`, which is kept as is.
    """

    external_id: str
    title: str
    kind: Literal["content", "service"] = "content"
    content_type: str | None = None  # notice | policy | news | ... for content
    url: str | None = None
    summary: str | None = None
    body_html: str | None = None
    language: str | None = None  # BCP 47, e.g. "zh-CN" or "en"
    tags: list[str] = field(default_factory=list)
    published_at: datetime | None = None
    updated_at: datetime | None = None
    guide: dict[str, Any] | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class RecordError:
    """A problem with one item of the source, shown to the department.

    `skipped` is True when the item was left out of the records; False when the item
    was kept in a degraded form (for instance without its service definition).
    """

    reason: str
    external_id: str | None = None
    skipped: bool = True

    def __post_init__(self) -> None:
        # Reasons and ids quote the source; they are shown and logged one per line.
        self.reason = one_line(str(self.reason))
        if self.external_id is not None:
            self.external_id = one_line(str(self.external_id))


@dataclass
class FetchContext:
    """What a connector gets for one run."""

    http: GuardedSession
    cursor: dict[str, Any]
    logger: logging.Logger


@dataclass
class FetchResult:
    """What a connector returns from one run.

    `not_modified` says the source answered that nothing changed since `cursor` (HTTP
    304): the runner records an unchanged run and does no other work.
    """

    records: list[Record]
    cursor: dict[str, Any] = field(default_factory=dict)
    complete: bool = True
    not_modified: bool = False
    errors: list[RecordError] = field(default_factory=list)


@dataclass
class SampleSource:
    """A small source a connector can read, for the conformance kit.

    `documents` maps URL paths to (content type, body bytes); the kit serves them on
    loopback at some `base_url` and runs the connector with `config`. `expected` is how
    many records one run over the unchanged documents must give.
    """

    config: dict[str, Any]
    documents: dict[str, tuple[str, bytes]]
    expected: int


class Connector:
    """Base class of every connector; see the module docstring for the contract."""

    type: ClassVar[str] = ""
    label: ClassVar[str] = ""
    description: ClassVar[str] = ""
    fields: ClassVar[tuple[Field, ...]] = ()

    def __init__(self, config: Mapping[str, Any] | None = None):
        self.config = self.validate_config(config or {})

    @classmethod
    def validate_config(cls, raw: Mapping[str, Any]) -> dict[str, Any]:
        """Return the config converted and completed with defaults, or raise ConfigError."""
        if not isinstance(raw, Mapping):
            raise ConfigError({"config": "must be a mapping of field names to values"})
        known = {f.name: f for f in cls.fields}
        errors: dict[str, str] = {}
        for name in raw:
            if name not in known:
                errors[str(name)] = "unknown field; known fields: " + (", ".join(known) or "none")
        config: dict[str, Any] = {}
        for f in cls.fields:
            value = raw.get(f.name)
            if value is None or (isinstance(value, str) and not value.strip() and f.required):
                if f.required:
                    errors[f.name] = "is required"
                else:
                    config[f.name] = f.default
                continue
            try:
                config[f.name] = f.convert(value)
            except ValueError as exc:
                errors[f.name] = str(exc)
        if errors:
            raise ConfigError(errors)
        return config

    @classmethod
    def sample_source(cls, base_url: str) -> SampleSource:
        """Return a small source this connector reads, served at `base_url` by the kit.

        Every connector provides one, so the conformance kit (connectors/conformance.py)
        can check it against a real loopback server: unchanged runs, cursor resume,
        timeouts, HTTP errors and malformed payloads.
        """
        raise NotImplementedError(f"{cls.__name__} provides no sample source")

    @classmethod
    def masked(cls, config: Mapping[str, Any]) -> dict[str, Any]:
        """Return a copy of `config` safe to show or log: sensitive values masked."""
        sensitive = {f.name for f in cls.fields if f.sensitive}
        return {k: ("••••••" if k in sensitive and v else v) for k, v in config.items()}

    def fetch(self, context: FetchContext) -> FetchResult:  # pragma: no cover - abstract
        """Read the source and return its records and the new cursor."""
        raise NotImplementedError


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(value: Any) -> str | None:
    """Return `value` as stripped text without control characters, or None when empty."""
    if value is None:
        return None
    text = _CONTROL.sub("", str(value)).strip()
    return text or None


# Everything that can end or rewrite a log line: C0 and C1 controls (CR, LF, ESC, NEL),
# the Unicode line and paragraph separators, and the bidi overrides that reorder text.
_NOT_IN_ONE_LINE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]+")


def one_line(text: str) -> str:
    """Return `text` safe for one log line: controls and line breaks become a space."""
    return _NOT_IN_ONE_LINE.sub(" ", text)


def web_url(href: Any, base: str | None = None) -> str | None:
    """Return `href` resolved against `base` when it is an http(s) URL, else None.

    Links from a source end up in citizens' browsers: javascript:, data:, file: and
    the like are dropped here rather than trusted to every later step.
    """
    text = clean_text(href)
    if text is None:
        return None
    try:
        url = urljoin(base, text) if base else text
        parts = urlsplit(url)
    except ValueError:  # an invalid IPv6 literal, for one
        return None
    # geturl() drops the tabs and line breaks urlsplit ignores ("java\tscript:").
    return parts.geturl() if parts.scheme in ("http", "https") and parts.hostname else None


# Government sources publish nothing dated before this; earlier dates are placeholders
# (1970-01-01, 1900-01-01) or broken templates.
EARLIEST_PLAUSIBLE_TIME = datetime(1990, 1, 1, tzinfo=UTC)
# Clock skew and time-zone slips put honest dates a little in the future; more is an error.
FUTURE_TOLERANCE = timedelta(days=2)


def plausible_time(value: datetime | None, *, now: datetime | None = None) -> datetime | None:
    """Return `value` as aware UTC, or None when it is absent or cannot be true.

    A naive time is read as UTC (the source did not say). Times before 1990 or more
    than two days after `now` are impossible for a government publication: None.
    """
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    value = value.astimezone(UTC)
    now = now or datetime.now(UTC)
    if value < EARLIEST_PLAUSIBLE_TIME or value > now + FUTURE_TOLERANCE:
        return None
    return value


_LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8})*")


def language_tag(value: Any) -> str | None:
    """Return `value` as a BCP 47 tag in its usual case ("en-US", "zh-Hant-TW"), or None."""
    text = clean_text(value)
    if not text or not _LANGUAGE_TAG.fullmatch(text):
        return None
    first, *rest = text.replace("_", "-").split("-")
    parts = [first.lower()]
    for part in rest:
        if len(part) == 2 and part.isalpha():
            parts.append(part.upper())  # region: CN, US
        elif len(part) == 4 and part.isalpha():
            parts.append(part.title())  # script: Hans, Hant
        else:
            parts.append(part.lower())
    return "-".join(parts)


def check_language_tag(value: str) -> str | None:
    """Validate a language field: empty (meaning "the source's own") or a BCP 47 tag."""
    if not value or language_tag(value):
        return None
    return "must be a language tag such as zh-CN or en"
