"""The mock's ASGI app: the spec's route table served with the API's full request semantics.

Every operation runs one pipeline: authenticate, check the API version, check scope and
sandbox, parse the body, replay an idempotent request this token already made, count it against
the token's rate limit (in its workspace), validate against the generated models, then run the
handler and render its answer in one transaction (committed whole or undone) and save the
committed outcome under the idempotency key, add the rate-limit headers and write the audit
log. A pure ASGI wrapper outside everything stamps ``X-Request-Id`` on every response and turns
anything unexpected into an error envelope, never a bare 500 page.
"""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import AsyncGenerator, Callable, Mapping
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any, cast

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ._audit import record_call
from ._auth import (
    AuthenticationRefused,
    authenticate,
    bearer_secret,
    check_api_version,
    check_sandbox,
    check_scope,
)
from ._clock import Clock
from ._config import MockConfig
from ._demo import seed_demo_world
from ._errors import (
    REQUEST_ID_SCOPE_KEY,
    DropConnection,
    MockAPIError,
    error_response,
    json_response,
)
from ._events import RETENTION_SECONDS
from ._faults import FaultMiddleware, FaultSpec, FaultState, Tenant, parse_faults
from ._idempotency import fingerprint, request_key
from ._ratelimit import RateLimiter
from ._records import TokenRecord, new_id
from ._registry import Handler, RequestContext, handler_for
from ._state import MockState
from ._transaction import Transaction
from ._validation import check_path_params, parse_json_body, too_large, validate_model
from ._workspace import Workspace
from .handlers import load_handlers

if TYPE_CHECKING:
    from ._spec import Route as SpecRoute

__all__ = ["create_app", "mock_state"]

logger = logging.getLogger("ccx.mock")

_TRACEPARENT = re.compile(r"[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}")
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


def _internal_error() -> MockAPIError:
    return MockAPIError(
        500,
        "api_error",
        "internal_error",
        "The mock server failed unexpectedly; this is a bug in the mock, please report it.",
        retryable=True,
    )


def _check_retry_count(value: str | None) -> None:
    """``CCX-Retry-Count`` is a count (the SDK sends it); anything else is a client bug to report."""
    if value is not None and not (value.isascii() and value.isdigit()):
        raise MockAPIError(
            400,
            "invalid_request_error",
            "invalid_request",
            f"CCX-Retry-Count must be a whole number of retries, like 0 or 2 (got {value[:40]!r}).",
            param="CCX-Retry-Count",
        )


def _trace_id(traceparent: str | None) -> str:
    """The W3C trace id the caller propagates, or a new one, so events join the caller's trace."""
    if traceparent is not None:
        match = _TRACEPARENT.fullmatch(traceparent.strip())
        if match is not None and match.group(1) != "0" * 32:
            return match.group(1)
    return secrets.token_hex(16)


async def _read_body(request: Request, limit: int) -> bytes:
    """The whole body, or 413 past ``limit`` bytes (a slow one is the HTTP layer's 408)."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise too_large(limit)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise too_large(limit)
        chunks.append(chunk)
    return b"".join(chunks)


def _query(request: Request) -> dict[str, Any]:
    query: dict[str, Any] = {}
    for name, value in request.query_params.multi_items():
        previous = query.get(name)
        if previous is None:
            query[name] = value
        elif isinstance(previous, list):
            cast("list[str]", previous).append(value)
        else:
            query[name] = [previous, value]
    return query


class _Operation:
    """One route of the spec bound to its handler: the request pipeline."""

    def __init__(self, route: SpecRoute, state: MockState) -> None:
        self.route = route
        self.state = state

    async def handle(self, request: Request) -> Response:
        request_id: str = request.scope[REQUEST_ID_SCOPE_KEY]
        state = self.state
        try:
            token = authenticate(state, request.headers.get("authorization"))
        except AuthenticationRefused as refusal:
            response = _count_by_address(state, request, error_response(refusal, request_id))
            if refusal.token is not None:  # a known secret: its owners see the refusal
                owner = state.workspace_of(refusal.token)
                _audit(owner, request, response, refusal.token.id, refusal.fingerprint)
            return response
        workspace = state.workspace_of(token)
        rate_headers: Mapping[str, str]
        try:
            response, rate_headers = await self._run(request, request_id, token, workspace)
        except MockAPIError as error:  # refused before counting
            response = error_response(error, request_id)
            rate_headers = workspace.rate_limits.peek(token.id, workspace.clock.now())
        except ClientDisconnect:
            # The caller hung up before its body arrived (a client timeout, a cut link): nothing
            # ran and nobody is left to answer. Not a failure of the mock's, so no alarm.
            return Response(status_code=499)
        response.headers.update(rate_headers)
        _audit(workspace, request, response, token.id)
        if request.method != "GET":
            workspace.changed.notify()  # the inbox shows what a call changed, events or not
        return response

    async def _run(
        self, request: Request, request_id: str, token: TokenRecord, workspace: Workspace
    ) -> tuple[Response, Mapping[str, str]]:
        route, config = self.route, self.state.config
        check_api_version(request.headers.get("ccx-version"))
        _check_retry_count(request.headers.get("ccx-retry-count"))
        # Who may call comes before anything the call could reveal (a replay, a 409).
        check_scope(token, route.scope)
        if route.sandbox_only:
            check_sandbox(token)
        path_params: dict[str, str] = request.path_params
        check_path_params(path_params, route.operation_id)
        data: dict[str, Any] = {}
        if request.method in _BODY_METHODS:
            raw = await _read_body(request, config.max_body_bytes)
            data = parse_json_body(
                raw, request.headers.get("content-type"), max_depth=config.max_json_depth
            )

        now = workspace.clock.now()
        key: str | None = None
        request_fingerprint = ""
        if route.idempotency is not None:
            request_fingerprint = fingerprint(route.operation_id, request.scope["path"], data)
            key = request_key(route.idempotency, request.headers.get("idempotency-key"), data)
        if key is not None:
            saved = workspace.idempotency.lookup(key, request_fingerprint, token.id, now)
            if saved is not None and saved.status is not None:
                replay = Response(saved.body, saved.status, dict(saved.headers))
                replay.headers["Idempotent-Replayed"] = "true"
                return replay, workspace.rate_limits.peek(token.id, now)

        try:
            rate_headers = workspace.rate_limits.consume(token.id, now)
        except MockAPIError as error:
            return error_response(error, request_id), error.headers
        try:
            body = self._validate_body(data)
            query = (
                validate_model(route.query_model, _query(request), "query")
                if route.query_model is not None
                else {}
            )
            handler = handler_for(route.operation_id)
            if handler is None:
                raise MockAPIError(
                    501,
                    "api_error",
                    "not_implemented",
                    f"The mock does not implement {route.operation_id} yet.",
                )
        except MockAPIError as error:
            return error_response(error, request_id), rate_headers

        context = RequestContext(
            state=self.state,
            workspace=workspace,
            token=token,
            operation_id=route.operation_id,
            request_id=request_id,
            trace_id=_trace_id(request.headers.get("traceparent")),
            path_params=path_params,
            query=query,
            body=body,
            headers=request.headers,
            idempotency_key=key,
            success_status=route.success_status,
        )
        keys = workspace.idempotency
        if key is not None:
            keys.reserve(key, request_fingerprint, token.id, now)
        try:
            response = self._execute(handler, context)
        except BaseException:
            if key is not None:
                keys.settle(key, None)
            raise
        try:
            await self._follow_up(context)
        finally:
            # Whatever committed is the key's outcome (a 5xx, nothing committed, frees it).
            if key is not None:
                keys.settle(key, response)
        return response, rate_headers

    @staticmethod
    async def _follow_up(context: RequestContext) -> None:
        """The work a committed request hands back; the committed answer stands if it fails."""
        try:
            for work in context.follow_ups:
                await work()
        except Exception:
            logger.exception("after %s committed, its follow-up failed", context.operation_id)

    def _execute(self, handler: Handler, context: RequestContext) -> Response:
        """Run the handler and render its answer in one transaction: committed whole, or undone.

        A refusal (`MockAPIError`) and a crash both roll back; a refusal is still the answer
        (and the outcome an idempotency key keeps), a crash is a 500 that keeps nothing.
        """
        transaction = Transaction()
        try:
            with transaction:
                response = self._respond(handler(context))
        except MockAPIError as error:
            transaction.rollback()
            context.follow_ups.clear()
            return error_response(error, context.request_id)
        except Exception:
            transaction.rollback()
            context.follow_ups.clear()
            logger.exception("handler for %s failed; its changes were undone", context.operation_id)
            return error_response(_internal_error(), context.request_id)
        except BaseException:
            transaction.rollback()
            raise
        transaction.commit()
        return response

    def _validate_body(self, data: dict[str, Any]) -> dict[str, Any]:
        model = self.route.body_model
        if model is not None:
            return validate_model(model, data, "body")
        if data:
            field_name = next(iter(data))
            raise MockAPIError(
                400,
                "invalid_request_error",
                "invalid_request",
                f"Unknown field '{field_name}': this operation takes no request body.",
                param=field_name,
            )
        return {}

    @staticmethod
    def _respond(result: tuple[int, Any] | Response) -> Response:
        if isinstance(result, Response):
            return result
        status, payload = result
        if payload is None or status == 204:  # a 204 has no body, whatever the handler said
            return Response(status_code=status)
        return json_response(status, payload)


class _RequestIdMiddleware:
    """Outermost layer: a request id on every response, and an envelope for any failure."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = new_id("req", 24)
        scope[REQUEST_ID_SCOPE_KEY] = request_id
        header = (b"x-request-id", request_id.encode())
        progress = {"started": False, "finished": False}

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                progress["started"] = True
                message["headers"] = [*message.get("headers", ()), header]
            elif message["type"] == "http.response.body" and not message.get("more_body"):
                progress["finished"] = True
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except DropConnection:
            raise
        except Exception:
            if progress["finished"]:
                return  # already answered (by the error handler below) and logged there
            if progress["started"]:
                raise
            logger.exception("unhandled error in the mock server")
            await error_response(_internal_error(), request_id)(scope, receive, send_with_id)


class _MockApp(Starlette):
    """Starlette with the request-id and fault layers outside its own error handling."""

    def __init__(self, state: MockState, server_faults: FaultSpec, **kwargs: Any) -> None:
        self.mock_state = state
        self.server_faults = server_faults
        super().__init__(**kwargs)

    def build_middleware_stack(self) -> ASGIApp:
        inner = super().build_middleware_stack()
        faults = FaultMiddleware(inner, self.server_faults, _fault_tenant(self.mock_state))
        return _RequestIdMiddleware(faults)


def _fault_tenant(state: MockState) -> Tenant:
    """Whose faults a request may ask for: a valid token's workspace, or nobody's."""

    def tenant(authorization: bytes) -> tuple[bool, FaultState] | None:
        secret = bearer_secret(authorization.decode("latin-1"))
        token = None if secret is None else state.valid_token(secret)
        if token is None:
            return None
        return token.is_sandbox, state.workspace_of(token).faults

    return tenant


def mock_state(app: Starlette) -> MockState:
    """The state behind an app made by `create_app`."""
    if not isinstance(app, _MockApp):
        raise TypeError("not an app made by ccx.mock.create_app")
    return app.mock_state


def _audit(
    workspace: Workspace,
    request: Request,
    response: Response,
    token_id: str,
    fingerprint: str | None = None,
) -> None:
    now = workspace.clock.now()
    record_call(
        workspace.audit_log,
        now=now,
        token_id=token_id,
        token_fingerprint=fingerprint,
        method=request.method,
        path=request.scope["path"],
        status=response.status_code,
        request_id=request.scope[REQUEST_ID_SCOPE_KEY],
    )
    workspace.expire_at(now + RETENTION_SECONDS)


def _counted(
    limits: RateLimiter, key: str, now: float, request: Request, response: Response
) -> Response:
    """``response`` with its rate-limit headers, or the 429 when ``key`` is over its limit."""
    try:
        headers = limits.consume(key, now)
    except MockAPIError as error:
        return error_response(error, request.scope[REQUEST_ID_SCOPE_KEY])
    response.headers.update(headers)
    return response


def _count_by_address(state: MockState, request: Request, response: Response) -> Response:
    """A request without a valid token counts against its client address's limits."""
    address = request.client.host if request.client is not None else "unknown"
    return _counted(state.address_limits, address, state.clock.now(), request, response)


def _count_outside_routes(state: MockState, request: Request, response: Response) -> Response:
    """An unknown path or method counts like any call: against a valid token's limits (and in
    its workspace's audit log), else against the client address's."""
    secret = bearer_secret(request.headers.get("authorization") or "")
    token = None if secret is None else state.valid_token(secret)
    if token is None:
        return _count_by_address(state, request, response)
    workspace = state.workspace_of(token)
    response = _counted(workspace.rate_limits, token.id, workspace.clock.now(), request, response)
    _audit(workspace, request, response, token.id)
    return response


def _http_error(request: Request, exc: Exception) -> Response:
    """404 for unknown paths and 405 for wrong methods, in the API's envelope, counted."""
    assert isinstance(exc, HTTPException)
    request_id: str = request.scope.get(REQUEST_ID_SCOPE_KEY, "")
    if exc.status_code == 405:
        allowed = _allowed_methods(request)
        error = MockAPIError(
            405,
            "invalid_request_error",
            "method_not_allowed",
            f"{request.method} is not allowed on {request.url.path[:200]}; allowed: {allowed}.",
            headers={"Allow": allowed},
        )
    elif exc.status_code == 404:
        error = MockAPIError(
            404,
            "not_found_error",
            "unknown_endpoint",
            f"No endpoint {request.method} {request.url.path[:200]}; "
            "the API's paths are listed at /v1/openapi.json.",
        )
    else:
        error = MockAPIError(exc.status_code, "invalid_request_error", "http_error", exc.detail)
    return _count_outside_routes(
        mock_state(request.app), request, error_response(error, request_id)
    )


def _allowed_methods(request: Request) -> str:
    """Every method of the path's resource, as OpenAPI matches paths: a concrete path
    (``/v1/events/replay``) before a template that also fits it (``/v1/events/{id}``).

    Starlette's own ``Allow`` names only the first route that fits, one method of several.
    """
    path: str = request.scope["path"]
    fitting = [
        route
        for route in request.app.router.routes
        if isinstance(route, Route) and route.path_regex.match(path)
    ]
    if not fitting:
        return ""
    resource = min(fitting, key=lambda route: route.path.count("{")).path
    methods = {
        method for route in fitting if route.path == resource for method in route.methods or ()
    }
    return ", ".join(sorted(methods))


def _unexpected_error(request: Request, exc: Exception) -> Response:
    if not isinstance(exc, DropConnection):  # an injected drop is on purpose, not a failure
        logger.error("unhandled error in the mock server", exc_info=exc)
    return error_response(_internal_error(), request.scope.get(REQUEST_ID_SCOPE_KEY, ""))


def create_app(
    config: MockConfig | None = None, *, clock: Clock | None = None, seed_demo: bool = True
) -> Starlette:
    """A fresh mock API with its own in-memory state (and the demo world, unless told not to).

    Every workspace has its own clock. ``clock`` is the first workspace's (the demo
    workspace's); the others start as copies of it (`Clock.fork`) and move on their own. It
    defaults to a real clock running at ``config.time_scale`` from ``config.clock_start``; pass
    a `FrozenClock` to move time only when a test says so.
    """
    from ._spec import ROUTES, SPEC_JSON

    config = config or MockConfig()
    if clock is not None and config.clock_start is not None:
        raise ValueError("give the mock a clock or a clock_start, not both")
    # A bad --faults fails here, not on the first request.
    server_faults = parse_faults(config.faults) if config.faults else FaultSpec()
    clock = clock or Clock(time_scale=config.time_scale, start=config.clock_start)
    state = MockState(config, clock, server_fault_seed=server_faults.seed)
    if seed_demo:
        seed_demo_world(state)
    load_handlers()

    def serve_spec(request: Request) -> Response:
        del request
        return Response(SPEC_JSON, media_type="application/json")

    endpoints = {route.operation_id: _Operation(route, state).handle for route in ROUTES}
    routes: list[BaseRoute] = [Route("/v1/openapi.json", serve_spec, methods=["GET"])]
    routes += [
        Route(route.path, endpoints[route.operation_id], methods=[route.method]) for route in ROUTES
    ]
    if config.inbox:
        from .inbox import inbox_routes  # Jinja2 is imported only when the inbox is served

        routes += inbox_routes(state, endpoints)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncGenerator[None, None]:
        del app
        try:
            yield
        finally:
            await state.aclose()

    handlers: dict[Any, Callable[[Request, Exception], Response]] = {
        HTTPException: _http_error,
        Exception: _unexpected_error,
    }
    app = _MockApp(
        state, server_faults, routes=routes, lifespan=lifespan, exception_handlers=handlers
    )
    # uvicorn decodes %2F inside an id into "/", so /v1/messages/a%2F arrives as
    # /v1/messages/a/; a redirect to /v1/messages/a would answer for another id. No API path
    # ends in a slash: an unknown one is a 404 in the envelope.
    app.router.redirect_slashes = False
    return app
