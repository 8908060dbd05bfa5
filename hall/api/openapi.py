"""Build the OpenAPI 3.1 document from the API's operation table and pydantic models.

Nothing here is written by hand: paths come from the URL rules, parameters from the query
models, bodies from the response models. OpenAPI 3.1 schemas are JSON Schema 2020-12, which
is what pydantic emits, so the model schemas go in unchanged.
"""

from __future__ import annotations

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


@dataclass(frozen=True)
class Operation:
    """One GET endpoint: its rule under the API prefix, view, and models."""

    rule: str
    view: Callable[..., Any]
    summary: str
    params: type[QueryParams]
    response: type[BaseModel] | None  # None: a free-form JSON object (the document itself)
    errors: tuple[int, ...] = ()


def build_document(
    operations: Sequence[Operation], *, prefix: str, max_per_page: int
) -> dict[str, Any]:
    """Return the OpenAPI document of `operations`, served under `prefix`."""
    responses = [op.response for op in operations if op.response is not None]
    refs, top = models_json_schema(
        [(model, "serialization") for model in (*responses, ErrorOut)],
        ref_template=REF_TEMPLATE,
    )
    components: dict[str, Any] = dict(top.get("$defs", {}))
    paths: dict[str, Any] = {}
    for op in operations:
        path, parameters = _path_parameters(prefix + op.rule)
        query_schema = op.params.model_json_schema(ref_template=REF_TEMPLATE)
        components.update(query_schema.pop("$defs", {}))
        parameters += _query_parameters(query_schema, max_per_page)
        body = refs[(op.response, "serialization")] if op.response else {"type": "object"}
        answers = {"200": {"description": "OK", "content": {"application/json": {"schema": body}}}}
        # Every endpoint refuses unknown parameters with a 422.
        for status in sorted({*op.errors, 422}):
            answers[str(status)] = {
                "description": HTTPStatus(status).phrase,
                "content": {"application/json": {"schema": refs[(ErrorOut, "serialization")]}},
            }
        paths[path] = {
            "get": {
                "operationId": op.view.__name__,
                "summary": op.summary,
                "description": (op.view.__doc__ or "").strip(),
                "parameters": parameters,
                "responses": answers,
            }
        }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Service Hall API",
            "version": "1",
            "description": "Search many government departments' services and notices at once. "
            'Errors are JSON: {"error": {"status", "message", "details"}}.',
        },
        "paths": paths,
        "components": {"schemas": components},
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
