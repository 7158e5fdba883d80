"""Refusals as the API reports them: one exception type and one JSON envelope for every error.

Handlers raise `MockAPIError`; the app turns it into ``{"error": {...}}`` with the request id,
so no code path builds an error body by hand.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Literal, TypeAlias

from starlette.responses import Response

__all__ = [
    "REQUEST_ID_SCOPE_KEY",
    "DropConnection",
    "ErrorType",
    "MockAPIError",
    "error_response",
    "json_bytes",
    "json_response",
    "not_found",
]

REQUEST_ID_SCOPE_KEY = "ccx.request_id"
"""Where the ASGI scope carries the request's ``X-Request-Id``, for errors raised outside the app."""

ErrorType: TypeAlias = Literal[
    "invalid_request_error",
    "authentication_error",
    "permission_error",
    "not_found_error",
    "conflict_error",
    "gone_error",
    "unprocessable_error",
    "rate_limit_error",
    "upstream_error",
    "api_error",
    "maintenance_error",
]


class MockAPIError(Exception):
    """An API refusal: becomes the HTTP status and error envelope the client sees."""

    def __init__(
        self,
        status: int,
        type: ErrorType,
        code: str,
        message: str,
        *,
        param: str | None = None,
        retryable: bool = False,
        upstream: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.type = type
        self.code = code
        self.message = message
        self.param = param
        self.retryable = retryable
        self.upstream = upstream
        self.headers = dict(headers or {})

    def envelope(self, request_id: str) -> dict[str, Any]:
        error: dict[str, Any] = {
            "type": self.type,
            "code": self.code,
            "message": self.message,
            "param": self.param,
            "request_id": request_id,
            "retryable": self.retryable,
        }
        if self.upstream is not None:
            error["upstream"] = dict(self.upstream)
        return {"error": error}


class DropConnection(Exception):
    """Raised by fault injection to close the connection; the app never turns it into a response."""


def not_found(resource: str, identifier: str, *, param: str = "id") -> MockAPIError:
    """The one 404 for a missing id, identical whether it never existed or is another tenant's."""
    return MockAPIError(
        404,
        "not_found_error",
        "resource_not_found",
        f"No {resource} with id {identifier[:128]!r} exists in this workspace; check the id.",
        param=param,
    )


def json_bytes(payload: Any) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()


def json_response(status: int, payload: Any, headers: Mapping[str, str] | None = None) -> Response:
    return Response(json_bytes(payload), status, headers, media_type="application/json")


def error_response(error: MockAPIError, request_id: str) -> Response:
    return json_response(error.status, error.envelope(request_id), error.headers)
