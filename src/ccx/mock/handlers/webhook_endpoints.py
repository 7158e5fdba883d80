"""Webhook endpoints: CRUD, secret rotation with a 24 h overlap, and a test delivery."""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import urlsplit

from ccx.mock._delivery import EndpointRecord, new_endpoint_secret
from ccx.mock._errors import MockAPIError, not_found
from ccx.mock._lifecycle import test_event
from ccx.mock._registry import HandlerResult, RequestContext, handles, paginate

ROTATION_OVERLAP_SECONDS = 24 * 3600.0
_LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost"})


def _lookup(ctx: RequestContext) -> EndpointRecord:
    endpoint_id = ctx.path_params["id"]
    endpoint = ctx.workspace.endpoints.get(endpoint_id)
    if endpoint is None:
        raise not_found("webhook endpoint", endpoint_id)
    return endpoint


def _checked_url(ctx: RequestContext, url: str) -> str:
    """HTTPS, or plain HTTP to this machine for sandbox tokens (local receivers in tests)."""
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return url
    if parts.scheme == "http" and parts.hostname in _LOCAL_HOSTS and ctx.token.is_sandbox:
        return url
    raise MockAPIError(
        400,
        "invalid_request_error",
        "invalid_url",
        f"url {url[:100]!r} must be an https:// URL (sandbox endpoints may also use "
        "http://127.0.0.1 or http://localhost).",
        param="url",
    )


def _with_secret(endpoint: EndpointRecord) -> dict[str, Any]:
    """The only payloads that show the secret: creation and rotation."""
    return {**endpoint.payload(), "secret": endpoint.secret}


@handles("webhook_endpoints.create")
def create(ctx: RequestContext) -> HandlerResult:
    body = ctx.body
    endpoint = EndpointRecord(
        id=f"whe_{secrets.token_hex(8)}",
        url=_checked_url(ctx, body["url"]),
        events=tuple(body["events"]),
        created_at=ctx.now,
        secret=new_endpoint_secret(),
        description=body.get("description"),
    )
    ctx.workspace.endpoints[endpoint.id] = endpoint
    return ctx.success_status, _with_secret(endpoint)


@handles("webhook_endpoints.list")
def list_endpoints(ctx: RequestContext) -> HandlerResult:
    endpoints = ctx.workspace.endpoints.values()
    return ctx.success_status, paginate(
        list(reversed(endpoints)), ctx.query, EndpointRecord.payload, key=lambda item: item.id
    )


@handles("webhook_endpoints.retrieve")
def retrieve(ctx: RequestContext) -> HandlerResult:
    return ctx.success_status, _lookup(ctx).payload()


@handles("webhook_endpoints.update")
def update(ctx: RequestContext) -> HandlerResult:
    endpoint = _lookup(ctx)
    body = ctx.body
    if "url" in body:
        endpoint.url = _checked_url(ctx, body["url"])
    if "events" in body:
        endpoint.events = tuple(body["events"])
    if "description" in body:
        endpoint.description = body["description"]
    if "status" in body:
        endpoint.status = body["status"]
        endpoint.disabled_reason = None if body["status"] == "enabled" else "Disabled by request."
        if endpoint.status == "disabled":
            ctx.workspace.deliveries.drop_endpoint(endpoint.id)
    return ctx.success_status, endpoint.payload()


@handles("webhook_endpoints.delete")
def delete(ctx: RequestContext) -> HandlerResult:
    endpoint = _lookup(ctx)
    del ctx.workspace.endpoints[endpoint.id]
    endpoint.status = "disabled"
    ctx.workspace.deliveries.drop_endpoint(endpoint.id)
    return ctx.success_status, None


@handles("webhook_endpoints.rotate_secret")
def rotate_secret(ctx: RequestContext) -> HandlerResult:
    endpoint = _lookup(ctx)
    endpoint.previous_secret = endpoint.secret
    endpoint.previous_secret_expires_at = ctx.now + ROTATION_OVERLAP_SECONDS
    endpoint.secret = new_endpoint_secret()
    return ctx.success_status, {
        **_with_secret(endpoint),
        "previous_secret_expires_at": ctx.timestamp(endpoint.previous_secret_expires_at),
    }


@handles("webhook_endpoints.test")
def send_test(ctx: RequestContext) -> HandlerResult:
    """Deliver a sample event to this endpoint only, subscribed or not; it is not logged."""
    endpoint = _lookup(ctx)
    event_type = ctx.body.get("event", "message.delivered")
    event = test_event(ctx.workspace, endpoint, event_type, trace_id=ctx.trace_id)
    return ctx.success_status, event
