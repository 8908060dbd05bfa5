"""Build the OpenAPI 3.1 document from the API's operation table and pydantic models.

Nothing here is written by hand: paths come from the URL rules, parameters from the query
models, request bodies from the body models, answers from the response models. OpenAPI 3.1
schemas are JSON Schema 2020-12, which is what pydantic emits, so the model schemas go in
unchanged.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from hall.api.schemas import ErrorOut, QueryParams

REF_TEMPLATE = "#/components/schemas/{model}"
_RULE_PARAMETER = re.compile(r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>")
_CONVERTER_TYPES = {"int": "integer", "float": "number"}


# The bearer scheme of the operations that write, by its name in the document.
SECURITY_SCHEME = "accountToken"
_SECURITY_SCHEMES = {
    SECURITY_SCHEME: {
        "type": "http",
        "scheme": "bearer",
        "description": "The account's API token (`hall tokens create ACCOUNT_ID`), "
        "shown once when created. No cookies: these endpoints never read a session.",
    }
}


@dataclass(frozen=True)
class Operation:
    """One endpoint: its rule under the API prefix, method, view, and models."""

    rule: str
    view: Callable[..., Any]
    summary: str
    params: type[QueryParams]
    response: type[BaseModel] | None  # None: a free-form JSON object, or no body on a 204
    errors: tuple[int, ...] = ()
    method: str = "GET"
    body: type[BaseModel] | None = None  # the JSON request body
    status: int = 200  # the success status
    authenticated: bool = False  # needs the account's bearer token


def build_document(
    operations: Sequence[Operation], *, prefix: str, max_per_page: int
) -> dict[str, Any]:
    """Return the OpenAPI document of `operations`, served under `prefix`."""
    responses = [op.response for op in operations if op.response is not None]
    bodies = [op.body for op in operations if op.body is not None]
    refs, top = models_json_schema(
        [(model, "serialization") for model in (*responses, ErrorOut)]
        + [(model, "validation") for model in bodies],
        ref_template=REF_TEMPLATE,
    )
    components: dict[str, Any] = dict(top.get("$defs", {}))
    error_schema = refs[(ErrorOut, "serialization")]
    paths: dict[str, Any] = {}
    for op in operations:
        path, parameters = _path_parameters(prefix + op.rule)
        query_schema = op.params.model_json_schema(ref_template=REF_TEMPLATE)
        components.update(query_schema.pop("$defs", {}))
        parameters += _query_parameters(query_schema, max_per_page)
        answers = {str(op.status): _success(op, refs)}
        # Every endpoint refuses unknown parameters with a 422, and a NUL character
        # anywhere in the request with a 400 (hall/errors.py).
        for status in sorted({*op.errors, 400, 422}):
            answers[str(status)] = {
                "description": HTTPStatus(status).phrase,
                "content": {"application/json": {"schema": error_schema}},
            }
            if status == 401:
                answers["401"]["headers"] = {
                    "WWW-Authenticate": {
                        "description": 'Bearer realm="Service Hall API", with '
                        'error="invalid_token" when the token sent is unknown or revoked.',
                        "schema": {"type": "string"},
                    }
                }
        operation: dict[str, Any] = {
            "operationId": op.view.__name__,
            "summary": op.summary,
            "description": inspect.cleandoc(op.view.__doc__ or ""),
            "parameters": parameters,
        }
        if op.body is not None:
            operation["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": refs[(op.body, "validation")]}},
            }
        operation["responses"] = answers
        if op.authenticated:
            operation["security"] = [{SECURITY_SCHEME: []}]
        paths.setdefault(path, {})[op.method.lower()] = operation
    document_components: dict[str, Any] = {"schemas": components}
    if any(op.authenticated for op in operations):
        document_components["securitySchemes"] = _SECURITY_SCHEMES
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Service Hall API",
            "version": "1",
            "description": "Search many government departments' services and notices at once. "
            'Errors are JSON: {"error": {"status", "message", "details"}}.',
        },
        "paths": paths,
        "components": document_components,
    }


def _success(op: Operation, refs: dict[Any, dict[str, Any]]) -> dict[str, Any]:
    """Return the documented success answer of `op`."""
    if op.status == 204:
        return {"description": HTTPStatus.NO_CONTENT.phrase}
    schema = refs[(op.response, "serialization")] if op.response else {"type": "object"}
    return {
        "description": HTTPStatus(op.status).phrase,
        "content": {"application/json": {"schema": schema}},
    }


def _path_parameters(rule: str) -> tuple[str, list[dict[str, Any]]]:
    """Turn a Flask rule into an OpenAPI path and its path parameters."""
    parameters = [
        {
            "name": match["name"],
            "in": "path",
            "required": True,
            "schema": {"type": _CONVERTER_TYPES.get(match["converter"] or "", "string")},
        }
        for match in _RULE_PARAMETER.finditer(rule)
    ]
    return _RULE_PARAMETER.sub(r"{\g<name>}", rule), parameters


def _query_parameters(schema: dict[str, Any], max_per_page: int) -> list[dict[str, Any]]:
    required = set(schema.get("required", ()))
    parameters = []
    for name, field_schema in schema.get("properties", {}).items():
        field_schema = dict(field_schema)
        description = field_schema.pop("description", None)
        if name == "per_page":
            field_schema = _with_maximum(field_schema, max_per_page)
        parameter = {"name": name, "in": "query", "required": name in required}
        if description:
            parameter["description"] = description
        parameter["schema"] = field_schema
        parameters.append(parameter)
    return parameters


def _with_maximum(schema: dict[str, Any], maximum: int) -> dict[str, Any]:
    """Add the configured page-size limit, which the model checks in its validation context."""
    if schema.get("type") == "integer":
        return {**schema, "maximum": maximum}
    if "anyOf" in schema:
        return {**schema, "anyOf": [_with_maximum(branch, maximum) for branch in schema["anyOf"]]}
    return schema
