"""JSON API v1. Views validate their parameters with a pydantic model, call one function in
hall.halls.services (reading) or hall.ingest.services (pushing), and answer with a pydantic
model.

The operation table at the bottom is both the URL table and the source of the OpenAPI
document, so every route is documented with the models it really uses.

The push endpoints authenticate with the account's bearer token only: they never read a
session cookie, so a cross-site form cannot act with a visitor's credentials (and a form
cannot send the JSON body they require either).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TypeVar

from flask import Blueprint, Response, current_app, jsonify, request, url_for
from pydantic import BaseModel, ValidationError

from hall.api import schemas
from hall.api.openapi import Operation, build_document
from hall.errors import ApiError
from hall.extensions import db
from hall.halls import services
from hall.ingest import services as ingest

PREFIX = "/api/v1"
bp = Blueprint("api", __name__, url_prefix=PREFIX)

Params = TypeVar("Params", bound=schemas.QueryParams)
Body = TypeVar("Body", bound=BaseModel)

# Push-ingest errors and the status each one means.
INGEST_ERRORS: dict[type[ingest.IngestError], int] = {
    ingest.TokenRequiredError: 401,
    ingest.InvalidTokenError: 401,
    ingest.WrongAccountError: 403,
    ingest.AccountNotActiveError: 403,
    ingest.AccountNotFoundError: 404,
    ingest.PushedItemNotFoundError: 404,
    ingest.PushConnectorConflictError: 409,
}


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
    result = services.search_hall(
        hall,
        params.to_search_params(),
        params.lang,
        strict=True,
        spelling="suggest",
        best_bets=True,
    )
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


def push_items(account_id: str) -> Response:
    """Add or update the account's items, idempotent by external_id. Each item that fails
    validation is reported in `results` with its reason; the others are stored."""
    with _ingest_errors():
        token = ingest.authenticate(account_id, _bearer_token())
        _parse(schemas.QueryParams)
        body = _parse_body(schemas.PushItemsIn, max_bytes=ingest.MAX_PUSH_BYTES)
        result = ingest.push_items(account_id, body.items, token=token)
    db.session.commit()
    return _answer(schemas.PushItemsOut.from_result(result))


def delete_item(account_id: str, external_id: str) -> Response:
    """Withdraw a pushed item at once: 204 when it was live or already withdrawn, 404 when
    the account never pushed it. Percent-encode slashes in the external_id."""
    with _ingest_errors():
        token = ingest.authenticate(account_id, _bearer_token())
        _parse(schemas.QueryParams)
        ingest.delete_item(account_id, external_id, token=token)
    db.session.commit()
    return Response(status=204)


def _bearer_token() -> str | None:
    auth = request.authorization
    return auth.token if auth is not None and auth.type == "bearer" else None


@contextmanager
def _ingest_errors() -> Iterator[None]:
    """Answer push-ingest errors as API errors with their status."""
    try:
        yield
    except ingest.IngestError as exc:
        status = next(INGEST_ERRORS[cls] for cls in type(exc).__mro__ if cls in INGEST_ERRORS)
        raise ApiError(status, str(exc)) from None


@bp.after_request
def _challenge(response: Response) -> Response:
    """Tell a client refused with 401 which scheme to use (RFC 6750)."""
    if response.status_code == 401:
        challenge = 'Bearer realm="Service Hall API"'
        if request.authorization is not None:
            challenge += ', error="invalid_token"'
        response.headers["WWW-Authenticate"] = challenge
    return response


def _parse_body(model: type[Body], *, max_bytes: int) -> Body:
    """Validate the JSON body with `model`; refuse a body too large, not JSON, or invalid."""
    too_large = ApiError(
        413, f"the body is larger than {max_bytes} bytes; send fewer items per request"
    )
    if request.content_length is not None and request.content_length > max_bytes:
        raise too_large
    if not request.is_json:
        raise ApiError(415, "send the body as JSON, with Content-Type: application/json")
    # A body without a Content-Length (chunked) is read to one byte past the limit:
    # werkzeug stops quietly at a maximum, and only the extra byte tells the body went on.
    request.max_content_length = max_bytes + 1
    if len(request.get_data(cache=True)) > max_bytes:
        raise too_large
    data = request.get_json(silent=True)
    if data is None:
        raise ApiError(422, "the body is not valid JSON")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        details = [
            {
                "field": ".".join(str(part) for part in error["loc"]) or "body",
                "reason": "unknown field" if error["type"] == "extra_forbidden" else error["msg"],
            }
            for error in exc.errors()
        ]
        message = "invalid body: " + ", ".join(d["field"] for d in details)
        raise ApiError(422, message, details) from None


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
    Operation(
        "/accounts/<account_id>/items",
        push_items,
        "Push items",
        schemas.QueryParams,
        schemas.PushItemsOut,
        errors=(401, 403, 404, 409, 413, 415),
        method="POST",
        body=schemas.PushItemsIn,
        authenticated=True,
    ),
    Operation(
        "/accounts/<account_id>/items/<path:external_id>",
        delete_item,
        "Delete a pushed item",
        schemas.QueryParams,
        None,
        errors=(401, 403, 404),
        method="DELETE",
        status=204,
        authenticated=True,
    ),
)

for operation in OPERATIONS:
    bp.add_url_rule(operation.rule, view_func=operation.view, methods=[operation.method])
