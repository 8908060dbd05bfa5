"""Map errors to HTTP answers in one place: a reason, never a traceback.

Under /api/ the answer is JSON, {"error": {"status", "message", "details"?}}; elsewhere it
is public/error.html in the visitor's language.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, current_app, jsonify, render_template, request
from werkzeug.exceptions import BadRequest, HTTPException

from hall.directory.services import FilingError
from hall.halls.layouts import LayoutNotFoundError
from hall.halls.services import (
    DepartmentNotFoundError,
    HallNotFoundError,
    ItemGoneError,
    ItemNotFoundError,
    UnknownFilterError,
)
from hall.users.services import PermissionDeniedError


class ApiError(Exception):
    """A client error in an API request, with the HTTP status and a reason."""

    def __init__(self, status: int, message: str, details: object | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.details = details


# Domain errors and the status each one means.
DOMAIN_ERRORS: dict[type[Exception], int] = {
    HallNotFoundError: 404,
    DepartmentNotFoundError: 404,
    ItemNotFoundError: 404,
    ItemGoneError: 410,
    UnknownFilterError: 422,
    PermissionDeniedError: 403,
    FilingError: 409,
    LayoutNotFoundError: 404,
}

# Status -> (title, explanation), English message ids translated by the page.
PAGE_TEXTS: dict[int, tuple[str, str]] = {
    400: ("Request not understood", "Something in the address was not understood."),
    403: ("Not allowed", "Your account may not do this."),
    404: (
        "Page not found",
        "We could not find that page. It may have moved, or the address may be mistyped.",
    ),
    405: ("Not allowed here", "This address does not take that kind of request."),
    409: ("Not possible now", "The current state of this record does not allow it."),
    410: ("No longer available", "The source has withdrawn this item."),
    500: (
        "Something went wrong",
        "An error on our side stopped this page. Please try again in a moment.",
    ),
}


def init_app(app: Flask) -> None:
    """Register the error handlers, and the check that refuses NUL characters."""
    app.before_request(refuse_nul_characters)
    app.register_error_handler(ApiError, _api_error)
    for error_class in DOMAIN_ERRORS:
        app.register_error_handler(error_class, _domain_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected_error)


def refuse_nul_characters() -> None:
    """Answer 400 to a request carrying a NUL character in its address, query or body.

    No person types one, no text field may hold one, and PostgreSQL refuses to store one,
    so it would otherwise surface as a database error deep inside a write.
    """
    values = [request.path, *(f"{k}={v}" for k, v in request.args.items(multi=True))]
    if request.method in ("POST", "PUT", "PATCH", "DELETE"):
        values.extend(f"{k}={v}" for k, v in request.form.items(multi=True))
        if request.is_json and b"\\u0000" in request.get_data():
            raise BadRequest("The request body contains a NUL character (\\u0000).")
    if any("\x00" in value for value in values):
        raise BadRequest("The request contains a NUL character.")


def _api_error(exc: ApiError) -> tuple[Response, int]:
    return _json(exc.status, exc.message, exc.details)


def _domain_error(exc: Exception) -> tuple[Response | str, int]:
    status = next(DOMAIN_ERRORS[cls] for cls in type(exc).__mro__ if cls in DOMAIN_ERRORS)
    if not _wants_json():
        search_text = exc.item.title if isinstance(exc, ItemGoneError) else None
        return _page(status, search_text=search_text)
    if isinstance(exc, UnknownFilterError):
        details = [
            {"field": name, "reason": f"unknown value {value!r}"}
            for name, value in exc.problems.items()
        ]
        return _json(status, "unknown filter value: " + ", ".join(exc.problems), details)
    if isinstance(exc, ItemGoneError):
        withdrawn = exc.item.tombstoned_at
        details = {"withdrawn_at": withdrawn.isoformat().replace("+00:00", "Z")}
        return _json(status, f"item {exc.item.id} was withdrawn by its source", details)
    if isinstance(exc, PermissionDeniedError | FilingError | LayoutNotFoundError):
        return _json(status, str(exc))
    what = {
        HallNotFoundError: "hall",
        DepartmentNotFoundError: "department",
        ItemNotFoundError: "item",
    }[type(exc)]
    return _json(status, f"no {what} has the id {exc.args[0]!r}")


def _http_error(
    exc: HTTPException,
) -> tuple[Response | str, int, list[tuple[str, str]]] | HTTPException:
    if exc.code is None:  # pragma: no cover - only bare HTTPException() has no code
        return exc
    if _wants_json():
        body, status = _json(exc.code, exc.description or exc.name)
    else:
        body, status = _page(exc.code)
    # The exception's own headers say what the status needs: Allow on a 405 (RFC 9110),
    # Retry-After on a 429 or 503.
    headers = [(k, v) for k, v in exc.get_headers() if k.lower() != "content-type"]
    return body, status, headers


def _unexpected_error(exc: Exception) -> tuple[Response | str, int]:
    if isinstance(exc, HTTPException):  # pragma: no cover - handled above
        return _http_error(exc)
    current_app.logger.exception("unhandled error on %s", request.path)
    if _wants_json():
        return _json(500, "internal error")
    return _page(500)


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def _json(status: int, message: str, details: Any = None) -> tuple[Response, int]:
    body: dict[str, Any] = {"status": status, "message": message}
    if details is not None:
        body["details"] = details
    return jsonify({"error": body}), status


def _page(status: int, search_text: str | None = None) -> tuple[str, int]:
    title, message = PAGE_TEXTS.get(status) or PAGE_TEXTS[500 if status >= 500 else 400]
    return (
        render_template(
            "public/error.html",
            status=status,
            title=title,
            message=message,
            search_text=search_text,
        ),
        status,
    )
