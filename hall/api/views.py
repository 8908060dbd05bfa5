"""JSON API v1. Views validate their parameters with a pydantic model, call one function in
hall.halls.services, and answer with a pydantic model.

The operation table at the bottom is both the URL table and the source of the OpenAPI
document, so every route is documented with the models it really uses.
"""

from __future__ import annotations

from typing import TypeVar

from flask import Blueprint, Response, current_app, jsonify, request, url_for
from pydantic import BaseModel, ValidationError

from hall.api import schemas
from hall.api.openapi import Operation, build_document
from hall.errors import ApiError
from hall.halls import services

PREFIX = "/api/v1"
bp = Blueprint("api", __name__, url_prefix=PREFIX)

Params = TypeVar("Params", bound=schemas.QueryParams)


def list_halls() -> Response:
    """Every hall, with the ids of its public accounts and their departments."""
    _parse(schemas.QueryParams)
    halls = [
        schemas.HallOut.from_hall(hall, services.public_accounts(hall))
        for hall in services.list_halls()
    ]
    return _answer(schemas.HallListOut(halls=halls))


def search(hall_id: str) -> Response:
    """Search one hall. The same answer as the hall's search page, in the same order."""
    params = _parse(schemas.SearchParamsIn)
    hall = services.get_hall(hall_id)
    result = services.search_hall(hall, params.to_search_params(), params.lang, strict=True)
    return _answer(schemas.SearchOut.from_result(result, request.host_url))


def get_item(item_id: int) -> Response:
    """One item, with its full service guide when it is a service."""
    params = _parse(schemas.LanguageParamsIn)
    item = services.get_public_item(item_id)
    page_url = url_for("public.item", item_id=item.id, _external=True)
    return _answer(schemas.ItemOut.from_item(item, page_url, params.lang))


def list_departments() -> Response:
    """Every department, with its names, sector and approved accounts."""
    params = _parse(schemas.LanguageParamsIn)
    departments = [
        schemas.DepartmentOut.from_department(department, params.lang)
        for department in services.list_departments()
    ]
    return _answer(schemas.DepartmentListOut(departments=departments))


def openapi_document() -> Response:
    """This document: OpenAPI 3.1, generated from the models the API validates with."""
    _parse(schemas.QueryParams)
    max_per_page = current_app.config["SEARCH_MAX_PER_PAGE"]
    return jsonify(build_document(OPERATIONS, prefix=PREFIX, max_per_page=max_per_page))


def _parse(model: type[Params]) -> Params:
    """Validate the query string with `model`; refuse unknown, repeated or bad parameters."""
    args = request.args
    repeated = sorted(name for name in args if len(args.getlist(name)) > 1)
    if repeated:
        details = [{"field": name, "reason": "given more than once"} for name in repeated]
        raise ApiError(422, "parameter given more than once: " + ", ".join(repeated), details)
    # A blank known parameter (a form's empty field) means "not given".
    data = {
        name: value
        for name, value in args.items()
        if value.strip() or name not in model.model_fields
    }
    context = {"max_per_page": current_app.config["SEARCH_MAX_PER_PAGE"]}
    try:
        return model.model_validate(data, context=context)
    except ValidationError as exc:
        details = [
            {
                "field": ".".join(str(part) for part in error["loc"]) or "query",
                "reason": "unknown parameter"
                if error["type"] == "extra_forbidden"
                else error["msg"],
            }
            for error in exc.errors()
        ]
        unknown = [d["field"] for d in details if d["reason"] == "unknown parameter"]
        if unknown:
            message = "unknown parameter: " + ", ".join(unknown)
        else:
            message = "invalid parameter: " + ", ".join(d["field"] for d in details)
        raise ApiError(422, message, details) from None


def _answer(model: BaseModel) -> Response:
    return Response(model.model_dump_json(), mimetype="application/json")


OPERATIONS: tuple[Operation, ...] = (
    Operation("/halls", list_halls, "List halls", schemas.QueryParams, schemas.HallListOut),
    Operation(
        "/halls/<hall_id>/search",
        search,
        "Search a hall",
        schemas.SearchParamsIn,
        schemas.SearchOut,
        errors=(404,),
    ),
    Operation(
        "/items/<int:item_id>",
        get_item,
        "Get an item",
        schemas.LanguageParamsIn,
        schemas.ItemOut,
        errors=(404, 410),
    ),
    Operation(
        "/departments",
        list_departments,
        "List departments",
        schemas.LanguageParamsIn,
        schemas.DepartmentListOut,
    ),
    Operation("/openapi.json", openapi_document, "This document", schemas.QueryParams, None),
)

for operation in OPERATIONS:
    bp.add_url_rule(operation.rule, view_func=operation.view, methods=["GET"])
