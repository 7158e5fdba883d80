"""The inbox's hands: every change it makes is one API operation, run through the app's pipeline.

A button in the inbox builds the request body the API documents and runs it as the logged-in
token, through the same pipeline a client's request takes (authentication, scope, sandbox
check, validation, idempotency, the transaction, the audit log). So the inbox can do nothing
the API would refuse, and never does it differently. Only the socket is skipped: no server
faults are drawn for the inbox's own clicks.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, cast
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Message

from .._errors import REQUEST_ID_SCOPE_KEY
from .._records import TokenRecord, new_id
from .._spec import ROUTES, Route

__all__ = ["Endpoint", "OperationResult", "Operations"]

Endpoint = Callable[[Request], Awaitable[Response]]
"""An operation's request handler, as the app routes it."""

_ROUTES: Mapping[str, Route] = {route.operation_id: route for route in ROUTES}


@dataclass(frozen=True)
class OperationResult:
    status: int
    body: Any
    request_id: str
    replayed: bool = False
    """The same form was sent before (same idempotency key): the first outcome, not a second."""

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def error_message(self) -> str:
        """The API's own words for a refusal (its error envelope's ``message``)."""
        body: object = self.body
        error = cast("dict[str, object]", body).get("error") if isinstance(body, dict) else None
        if isinstance(error, dict):
            return str(cast("dict[str, object]", error).get("message", ""))
        return f"The operation answered {self.status}."


class Operations:
    """Runs an operation by id as a token, on the app's own endpoints."""

    def __init__(self, endpoints: Mapping[str, Endpoint]) -> None:
        self._endpoints = endpoints

    async def call(
        self,
        token: TokenRecord,
        operation_id: str,
        *,
        path: Mapping[str, str] | None = None,
        body: Mapping[str, Any] | None = None,
        idempotency_key: str | None = None,
    ) -> OperationResult:
        route = _ROUTES[operation_id]
        path_params = dict(path or {})
        url_path = route.path.format(
            **{name: quote(value, safe="") for name, value in path_params.items()}
        )
        payload = b"" if body is None else json.dumps(body).encode()
        headers = [
            (b"authorization", f"Bearer {token.secret}".encode()),
            (b"content-type", b"application/json"),
            (b"content-length", str(len(payload)).encode()),
        ]
        if idempotency_key:
            headers.append((b"idempotency-key", idempotency_key.encode()))
        request_id = new_id("req", 24)
        scope: dict[str, Any] = {
            "type": "http",
            "http_version": "1.1",
            "method": route.method,
            "scheme": "http",
            "path": url_path,
            "raw_path": url_path.encode(),
            "query_string": b"",
            "headers": headers,
            "path_params": path_params,
            "client": ("127.0.0.1", 0),
            "server": ("127.0.0.1", 0),
            REQUEST_ID_SCOPE_KEY: request_id,
        }
        sent = False

        async def receive() -> Message:
            nonlocal sent
            if sent:
                return {"type": "http.disconnect"}
            sent = True
            return {"type": "http.request", "body": payload, "more_body": False}

        response = await self._endpoints[operation_id](Request(scope, receive))
        content = bytes(response.body) if response.body else b""
        return OperationResult(
            response.status_code,
            json.loads(content) if content else None,
            request_id,
            replayed=response.headers.get("idempotent-replayed") == "true",
        )
