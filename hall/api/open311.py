"""Open311 GeoReport v2 out: each hall's services as a service list, jurisdiction = hall id.

Read-only: the hall lists its services so city apps and other halls can show them; it
takes no service requests, so every service has ``metadata`` false and its definition
has no attributes. Errors are GeoReport error lists ({code, description}) in the format
the address asked for. The URL table is at the bottom.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any
from xml.etree.ElementTree import Element, SubElement, tostring

from flask import Blueprint, Response, request

from hall.api.feeds import conditional
from hall.halls import export_feeds, services
from hall.halls.export_feeds import ServiceNotFoundError
from hall.halls.models import Hall
from hall.halls.services import HallNotFoundError
from hall.i18n import current_language

bp = Blueprint("open311", __name__)

PREFIX = "/halls/<hall_id>/open311/v2"
FORMATS = "<any(json, xml):fmt>"


class JurisdictionNotFoundError(LookupError):
    """The request names a jurisdiction_id other than the hall in its address."""


def service_list(hall_id: str, fmt: str) -> Response:
    """GET Service List: the hall's live services."""
    hall = _jurisdiction(hall_id)
    found = [asdict(s) for s in export_feeds.open311_services(hall, current_language())]
    if fmt == "json":
        return conditional(_json(found))
    root = Element("services")
    for service in found:
        _fields(SubElement(root, "service"), service)
    return conditional(_xml(root))


def service_definition(hall_id: str, service_code: str, fmt: str) -> Response:
    """GET Service Definition: no attributes, since no service takes requests here."""
    hall = _jurisdiction(hall_id)
    service = export_feeds.open311_service(hall, service_code, current_language())
    if fmt == "json":
        return conditional(_json({"service_code": service.service_code, "attributes": []}))
    root = Element("service_definition")
    SubElement(root, "service_code").text = service.service_code
    SubElement(root, "attributes")
    return conditional(_xml(root))


def _jurisdiction(hall_id: str) -> Hall:
    """Return the hall; a jurisdiction_id naming another one is refused, none is fine."""
    hall = services.get_hall(hall_id)
    asked = request.args.get("jurisdiction_id")
    if asked is not None and asked.strip() != hall.id:
        raise JurisdictionNotFoundError(asked)
    return hall


def _fields(parent: Element, values: dict[str, Any]) -> None:
    for name, value in values.items():
        text = ("true" if value else "false") if isinstance(value, bool) else str(value)
        SubElement(parent, name).text = text


def _json(value: Any, status: int = 200) -> Response:
    body = json.dumps(value, ensure_ascii=False)
    return Response(body, status=status, content_type="application/json; charset=utf-8")


def _xml(root: Element, status: int = 200) -> Response:
    body = tostring(root, encoding="utf-8", xml_declaration=True)
    return Response(body, status=status, mimetype="text/xml")


def _error(description: str) -> Response:
    """Answer 404 with a GeoReport error list, in the format the address asked for."""
    if (request.view_args or {}).get("fmt") == "xml":
        root = Element("errors")
        _fields(SubElement(root, "error"), {"code": 404, "description": description})
        return _xml(root, status=404)
    return _json([{"code": 404, "description": description}], status=404)


bp.register_error_handler(HallNotFoundError, lambda exc: _error("jurisdiction_id not found"))
bp.register_error_handler(
    JurisdictionNotFoundError, lambda exc: _error("jurisdiction_id provided not found")
)
bp.register_error_handler(ServiceNotFoundError, lambda exc: _error("service_code not found"))

bp.add_url_rule(f"{PREFIX}/services.{FORMATS}", view_func=service_list)
bp.add_url_rule(f"{PREFIX}/services/<service_code>.{FORMATS}", view_func=service_definition)
