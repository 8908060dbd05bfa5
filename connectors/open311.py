"""Open311 GeoReport v2 service lists, in JSON or XML.

The configured URL is the service list (``…/services.json`` or ``…/services.xml``);
the format is taken from its extension, else from the Content-Type, else from the
first character of the body. ``jurisdiction_id``, when set, is added to the query of
every request. XML is parsed with defusedxml (no entities, no external references).

Each service becomes a service `Record`:

* ``external_id`` and ``guide["item_code"]``: ``service_code`` as text, exactly as the
  source wrote it. The specification's own JSON example writes codes as bare numbers
  with leading zeros (``"service_code":001``), which is not JSON; such numbers are
  quoted before parsing, so ``001`` stays ``"001"`` (and a plain ``7`` becomes ``"7"``);
* ``title``: ``service_name``; ``summary``: ``description``; ``language``: the
  configured one; ``tags``: the keywords (split on commas, also ``，`` and ``、``) and
  the group;
* ``extra``: ``group``, ``type``, ``keywords`` (as sent) and ``metadata`` (a bool);
  with ``attributes`` when a definition was read (see below).

A service without ``service_code`` or ``service_name`` is skipped as a `RecordError`;
so is a second service with a code already seen.

Service definitions: when a service says ``metadata`` is true and
``fetch_definitions`` is on, ``<list URL without .json/.xml>/<code>.<format>`` is
fetched (same format, same jurisdiction_id) and its attributes go to
``extra["attributes"]``: a list of ``{code, datatype, required, variable, description,
order, values: [{key, name}]}``. A definition that cannot be fetched or read does not
cost the service: the record is kept without ``attributes`` and a `RecordError` with
the reason and the service code is added to the result's errors. After three
definition failures in a row the rest are not requested (each affected service still
gets its error), so a broken definitions endpoint cannot make a run take
``services × timeout``.

Cursor: the service list's validators; a 304 answers ``not_modified`` (definitions are
read only when the list has changed).
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring as parse_xml

from connectors.base import (
    Connector,
    FetchContext,
    FetchError,
    FetchResult,
    Field,
    Record,
    RecordError,
    SampleSource,
    check_language_tag,
    clean_text,
    language_tag,
)
from connectors.http import Response, parse_json

DEFINITION_FAILURES_BEFORE_GIVING_UP = 3
_BARE_NUMBER_CODE = re.compile(r'("service_code"\s*:\s*)(-?[0-9][0-9.eE+-]*)')
_KEYWORD_SEPARATORS = re.compile(r"[,，、;；]")


class Open311Connector(Connector):
    """Read an Open311 GeoReport v2 service list and, optionally, its definitions."""

    type = "open311"
    label = "Open311 service list"
    description = "Services a city accepts requests for, from an Open311 GeoReport v2 endpoint."
    fields = (
        Field(
            "url",
            "url",
            "Service list URL",
            required=True,
            help="The services.json or services.xml URL of the endpoint.",
        ),
        Field("jurisdiction_id", "str", "Jurisdiction id", help="Sent with every request."),
        Field("language", "str", "Language", validate=check_language_tag),
        Field(
            "fetch_definitions",
            "bool",
            "Fetch service definitions",
            default=True,
            help="Read the attributes of services that have metadata.",
        ),
        Field("max_services", "int", "Most services read", default=1000, minimum=1),
    )

    @classmethod
    def sample_source(cls, base_url: str) -> SampleSource:
        """Return a JSON list of three city services, one with a service definition."""
        root = base_url.rstrip("/") + "/open311/v2"
        json_type = "application/json; charset=utf-8"
        return SampleSource(
            config={"url": f"{root}/services.json", "language": "zh-CN"},
            documents={
                "/open311/v2/services.json": (json_type, _json_bytes(_SAMPLE_SERVICES)),
                "/open311/v2/services/QS-003.json": (json_type, _json_bytes(_SAMPLE_DEFINITION)),
            },
            expected=len(_SAMPLE_SERVICES),
        )

    def fetch(self, context: FetchContext) -> FetchResult:
        """Fetch the service list (and definitions) and turn services into records."""
        list_url = self._with_jurisdiction(self.config["url"])
        response = context.http.get(list_url, conditional=context.cursor)
        if response.not_modified:
            return FetchResult(records=[], cursor=context.cursor, not_modified=True)
        fmt = _format_of(self.config["url"], response)
        services = parse_services(response, fmt)
        kept = services[: self.config["max_services"]]
        records: list[Record] = []
        errors: list[RecordError] = []
        seen: set[str] = set()
        definitions = _DefinitionReader(context, self, fmt)
        for position, service in enumerate(kept, start=1):
            try:
                record = self._record(service)
            except _SkippedService as exc:
                errors.append(RecordError(f"service {position}: {exc}", exc.code))
                continue
            if record.external_id in seen:
                errors.append(RecordError("repeats an earlier service_code", record.external_id))
                continue
            seen.add(record.external_id)
            if record.extra["metadata"] and self.config["fetch_definitions"]:
                definitions.add_attributes(record, errors)
            records.append(record)
        return FetchResult(
            records=records,
            cursor=response.validators(),
            complete=len(services) <= len(kept),
            errors=errors,
        )

    def _with_jurisdiction(self, url: str) -> str:
        jurisdiction = self.config["jurisdiction_id"]
        return _with_query(url, jurisdiction_id=jurisdiction) if jurisdiction else url

    def definition_url(self, code: str, fmt: str) -> str:
        """Return the URL of the definition of service `code`."""
        parts = urlsplit(self.config["url"])
        base = re.sub(r"\.(json|xml)$", "", parts.path, flags=re.IGNORECASE).rstrip("/")
        path = f"{base}/{quote(code, safe='')}.{fmt}"
        return self._with_jurisdiction(urlunsplit(parts._replace(path=path, fragment="")))

    def _record(self, service: Any) -> Record:
        if not isinstance(service, dict):
            raise _SkippedService("is not an object")
        code = _code(service.get("service_code"))
        name = clean_text(service.get("service_name"))
        if code is None:
            raise _SkippedService("has no service_code")
        if name is None:
            raise _SkippedService("has no service_name", code)
        group = clean_text(service.get("group"))
        keywords = service.get("keywords")
        return Record(
            external_id=code,
            title=name,
            kind="service",
            summary=clean_text(service.get("description")),
            language=language_tag(self.config["language"]),
            tags=_tags(keywords, group),
            guide={"item_code": code},
            extra={
                "group": group,
                "type": clean_text(service.get("type")),
                "keywords": keywords if isinstance(keywords, list) else clean_text(keywords),
                "metadata": _flag(service.get("metadata")),
            },
        )


class _SkippedService(Exception):
    def __init__(self, reason: str, code: str | None = None):
        super().__init__(reason)
        self.code = code


class _DefinitionReader:
    """Fetch service definitions, giving up after a run of failures."""

    def __init__(self, context: FetchContext, connector: Open311Connector, fmt: str):
        self._context = context
        self._connector = connector
        self._fmt = fmt
        self._failures_in_a_row = 0
        self._last_failure = ""

    def add_attributes(self, record: Record, errors: list[RecordError]) -> None:
        code = record.external_id
        if self._failures_in_a_row >= DEFINITION_FAILURES_BEFORE_GIVING_UP:
            errors.append(
                RecordError(
                    "service definition not requested after "
                    f"{self._failures_in_a_row} failures in a row ({self._last_failure}); "
                    "kept without attributes",
                    code,
                    skipped=False,
                )
            )
            return
        try:
            response = self._context.http.get(self._connector.definition_url(code, self._fmt))
            record.extra["attributes"] = parse_attributes(response, self._fmt)
        except FetchError as exc:
            self._failures_in_a_row += 1
            self._last_failure = str(exc)
            errors.append(
                RecordError(
                    f"service definition unreadable: {exc}; kept without attributes",
                    code,
                    skipped=False,
                )
            )
            return
        self._failures_in_a_row = 0


# ---------------------------------------------------------------------- parsing


def _format_of(configured_url: str, response: Response) -> str:
    path = urlsplit(configured_url).path.lower()
    for hint in (path.rpartition(".")[2], response.media_type):
        for fmt in ("json", "xml"):
            if hint.endswith(fmt):
                return fmt
    return "xml" if response.content.lstrip()[:1] == b"<" else "json"


def parse_services(response: Response, fmt: str) -> list[Any]:
    """Return the services of a fetched list as dicts; raise FetchError if unreadable."""
    if fmt == "xml":
        root = _xml_root(response)
        if _local(root.tag) == "errors":
            raise FetchError(f"{response.url} answered with Open311 errors: {_xml_errors(root)}")
        return [_element_fields(child) for child in root if _local(child.tag) == "service"]
    # Quoting bare numbers keeps codes as written ("001", never 1) and makes the
    # specification's own example, which is not JSON, readable.
    data = parse_json(_BARE_NUMBER_CODE.sub(r'\1"\2"', response.text), url=response.url)
    if isinstance(data, dict) and isinstance(data.get("services"), list):
        data = data["services"]
    if not isinstance(data, list):
        raise FetchError(f"{response.url} is not an Open311 service list (expected a JSON array)")
    if data and all(isinstance(i, dict) and "code" in i and "service_code" not in i for i in data):
        messages = "; ".join(f"{i.get('code')} {i.get('description', '')}".strip() for i in data)
        raise FetchError(f"{response.url} answered with Open311 errors: {messages}")
    return data


def parse_attributes(response: Response, fmt: str) -> list[dict[str, Any]]:
    """Return the attributes of a fetched service definition, in a common shape."""
    if fmt == "xml":
        root = _xml_root(response)
        holder = next((c for c in root if _local(c.tag) == "attributes"), None)
        raw = [_attribute_fields(a) for a in holder or () if _local(a.tag) == "attribute"]
    else:
        data = parse_json(response.text, url=response.url)
        raw = data.get("attributes") if isinstance(data, dict) else None
        if not isinstance(raw, list):
            raise FetchError(f"{response.url} is not a service definition (no attributes list)")
    return [_attribute(item) for item in raw if isinstance(item, dict)]


def _attribute(raw: dict[str, Any]) -> dict[str, Any]:
    values = raw.get("values") if isinstance(raw.get("values"), list) else []
    return {
        "code": _code(raw.get("code")),
        "datatype": clean_text(raw.get("datatype")),
        "required": _flag(raw.get("required")),
        "variable": _flag(raw.get("variable", True)),
        "description": clean_text(raw.get("description")),
        "order": _order(raw.get("order")),
        "values": [
            {"key": _code(v.get("key")), "name": clean_text(v.get("name"))}
            for v in values
            if isinstance(v, dict)
        ],
    }


def _xml_root(response: Response) -> Element:
    try:
        return parse_xml(response.content)
    except DefusedXmlException as exc:
        raise FetchError(f"{response.url}: refused XML with {type(exc).__name__}") from None
    except ParseError as exc:
        raise FetchError(f"{response.url} is not well-formed XML: {exc}") from None


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _element_fields(element: Element) -> dict[str, Any]:
    return {_local(child.tag): (child.text or "").strip() for child in element}


def _attribute_fields(element: Element) -> dict[str, Any]:
    fields = _element_fields(element)
    holder = next((c for c in element if _local(c.tag) == "values"), None)
    fields["values"] = [_element_fields(v) for v in holder or () if _local(v.tag) == "value"]
    return fields


def _xml_errors(root: Element) -> str:
    found = (_element_fields(e) for e in root)
    return "; ".join(f"{e.get('code', '')} {e.get('description', '')}".strip() for e in found)


def _code(value: Any) -> str | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return str(value)
    return clean_text(value)


def _flag(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes")
    return value is True or value == 1


def _order(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _tags(keywords: Any, group: str | None) -> list[str]:
    if isinstance(keywords, list):
        words = [clean_text(k) for k in keywords]
    else:
        words = [clean_text(k) for k in _KEYWORD_SEPARATORS.split(clean_text(keywords) or "")]
    return list(dict.fromkeys(t for t in [*words, group] if t))


def _with_query(url: str, **params: str) -> str:
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in params]
    query.extend(params.items())
    return urlunsplit(parts._replace(query=urlencode(query)))


# ------------------------------------------------------------------------ sample

_SAMPLE_SERVICES = [
    {
        "service_code": "QS-001",
        "service_name": "道路破损报修",
        "description": "城区道路坑洼、井盖缺失等问题的报修。",
        "metadata": False,
        "type": "realtime",
        "keywords": "道路,井盖,市政",
        "group": "市政设施",
    },
    {
        "service_code": "QS-002",
        "service_name": "路灯故障报修",
        "description": "路灯不亮、白天常亮等故障。",
        "metadata": False,
        "type": "realtime",
        "keywords": "路灯、照明",
        "group": "市政设施",
    },
    {
        "service_code": "QS-003",
        "service_name": "噪声扰民投诉",
        "description": "夜间施工、商业噪声等扰民问题的投诉。",
        "metadata": True,
        "type": "batch",
        "keywords": "噪声,环境",
        "group": "生态环境",
    },
]
_SAMPLE_DEFINITION = {
    "service_code": "QS-003",
    "attributes": [
        {
            "variable": True,
            "code": "NOISE_TYPE",
            "datatype": "singlevaluelist",
            "required": True,
            "datatype_description": None,
            "order": 1,
            "description": "噪声类型",
            "values": [
                {"key": "construction", "name": "建筑施工"},
                {"key": "shop", "name": "商业经营"},
            ],
        }
    ],
}


def _json_bytes(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode()
