"""The event log: list and retrieve (30 days on the clock), and replay a window to an endpoint."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ccx.mock._clock import isoformat
from ccx.mock._errors import MockAPIError, not_found
from ccx.mock._events import RETENTION_SECONDS, EventRecord
from ccx.mock._registry import HandlerResult, RequestContext, handles, paginate
from ccx.mock._schedule import parse_timestamp


def _render(event: EventRecord) -> dict[str, Any]:
    return event.envelope(isoformat)


@handles("events.list")
def list_events(ctx: RequestContext) -> HandlerResult:
    log = ctx.workspace.events
    log.expire(ctx.now)
    query = ctx.query
    after = (
        parse_timestamp(query["created_after"], "created_after")
        if "created_after" in query
        else None
    )
    before = (
        parse_timestamp(query["created_before"], "created_before")
        if "created_before" in query
        else None
    )
    events: Sequence[EventRecord] = log.newest_first(query.get("event"))
    if after is not None or before is not None:
        events = [
            event
            for event in events
            if (after is None or event.created_at >= after)
            and (before is None or event.created_at < before)
        ]
    return ctx.success_status, paginate(events, query, _render, key=lambda event: event.id)


def _lookup(ctx: RequestContext) -> EventRecord:
    log = ctx.workspace.events
    log.expire(ctx.now)
    event_id = ctx.path_params["id"]
    event = log.get(event_id)
    if event is None and log.expired(event_id):
        raise MockAPIError(
            410,
            "gone_error",
            "event_expired",
            f"Event {event_id} is older than 30 days and is no longer kept.",
        )
    if event is None:
        raise not_found("event", event_id)
    return event


@handles("events.retrieve")
def retrieve(ctx: RequestContext) -> HandlerResult:
    return ctx.success_status, _render(_lookup(ctx))


@handles("events.redeliver")
def redeliver(ctx: RequestContext) -> HandlerResult:
    """Deliver one event once more to one endpoint, keeping its id."""
    event = _lookup(ctx)
    endpoint_id = ctx.body["endpoint_id"]
    endpoint = ctx.workspace.endpoints.get(endpoint_id)
    if endpoint is None:
        raise not_found("webhook endpoint", endpoint_id, param="endpoint_id")
    if endpoint.status != "enabled" or not endpoint.subscribes(event.type):
        reason = (
            "is disabled; enable it first"
            if endpoint.status != "enabled"
            else f"does not subscribe to {event.type}; add it to the endpoint's events first"
        )
        raise MockAPIError(
            409,
            "conflict_error",
            "endpoint_not_subscribed",
            f"Webhook endpoint {endpoint.id} {reason}.",
            param="endpoint_id",
        )
    ctx.workspace.deliveries.redeliver(endpoint, event)
    return ctx.success_status, {
        "object": "event_redelivery",
        "event_id": event.id,
        "endpoint_id": endpoint.id,
    }


@handles("events.replay")
def replay(ctx: RequestContext) -> HandlerResult:
    """Redeliver ``[from, to)`` to one endpoint, in order, keeping the original event ids."""
    body = ctx.body
    workspace = ctx.workspace
    endpoint = workspace.endpoints.get(body["endpoint_id"])
    if endpoint is None:
        raise not_found("webhook endpoint", body["endpoint_id"], param="endpoint_id")
    start, end = parse_timestamp(body["from"], "from"), parse_timestamp(body["to"], "to")
    if end <= start or start < ctx.now - RETENTION_SECONDS:
        raise MockAPIError(
            400,
            "invalid_request_error",
            "parameter_invalid",
            "The replay window must have from before to and lie within the last 30 days "
            "(older events are no longer kept).",
            param="from" if end > start else "to",
        )
    workspace.events.expire(ctx.now)
    replayed = 0
    for event in workspace.events.between(start, end):
        if endpoint.subscribes(event.type):
            workspace.deliveries.enqueue(endpoint, event)
            replayed += 1
    return ctx.success_status, {
        "object": "event_replay",
        "endpoint_id": endpoint.id,
        "from": isoformat(start),
        "to": isoformat(end),
        "event_count": replayed,
    }
