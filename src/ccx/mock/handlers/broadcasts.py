"""Broadcasts: create (or dry-run), list, retrieve, pause/resume/cancel and the live SSE stream."""

from __future__ import annotations

from typing import Any

from starlette.responses import StreamingResponse

from ccx.mock._broadcasts import BroadcastRecord, cost_preview, new_broadcast_id
from ccx.mock._errors import MockAPIError, json_response, not_found
from ccx.mock._lifecycle import (
    begin_broadcast,
    cancel_broadcast,
    pause_broadcast,
    resume_broadcast,
)
from ccx.mock._messages import check_template
from ccx.mock._registry import HandlerResult, RequestContext, handles, paginate
from ccx.mock._schedule import schedule_of

_NOT_DEDUPLICATED = (
    "idempotency_key_missing: this broadcast was created without an idempotency_key, so it is "
    "not deduplicated: sending the request again starts another broadcast. Send an "
    "idempotency_key to make retries safe."
)


def _lookup(ctx: RequestContext) -> BroadcastRecord:
    broadcast_id = ctx.path_params["id"]
    broadcast = ctx.workspace.broadcasts.get(broadcast_id)
    if broadcast is None:
        raise not_found("broadcast", broadcast_id)
    return broadcast


def _conflict(broadcast: BroadcastRecord, action: str, allowed: str) -> MockAPIError:
    return MockAPIError(
        409,
        "conflict_error",
        "broadcast_state_conflict",
        f"Broadcast {broadcast.id} is {broadcast.status}; only {allowed} broadcasts can be "
        f"{action}.",
    )


@handles("broadcasts.create")
def create(ctx: RequestContext) -> HandlerResult:
    body = ctx.body
    segment = ctx.workspace.segments.get(body["segment_id"])
    if segment is None:
        raise not_found("segment", body["segment_id"], param="segment_id")
    template = check_template(
        ctx.workspace.templates,
        body["template"],
        body.get("language"),
        body.get("variables"),
        param="template",
    )
    template_input: dict[str, Any] = {
        "name": template.name,
        "language": template.language,
        "variables": body.get("variables") or {},
    }
    schedule_at, timezone = schedule_of(body, ctx.now)
    broadcast = BroadcastRecord(
        id=new_broadcast_id(),
        workspace_id=ctx.workspace.id,
        name=body["name"],
        template=template_input,
        category=template.category,
        segment_id=segment.id,
        recipients=segment.recipients,
        rate_limit_per_minute=body.get("rate_limit_per_minute", 6000),
        priority=body.get("priority", "default"),
        created_at=ctx.now,
        trace_id=ctx.trace_id,
        idempotency_key=ctx.idempotency_key,
        schedule_at=schedule_at,
        timezone=timezone,
    )
    preview = cost_preview(len(segment.recipients), template.category, broadcast.channel)
    if body.get("dry_run"):
        broadcast.status = "dry_run"
        return ctx.success_status, {**broadcast.payload(), "preview": preview}
    ctx.workspace.broadcasts[broadcast.id] = broadcast
    begin_broadcast(ctx.workspace, broadcast)
    payload = {**broadcast.payload(), "preview": preview}
    if ctx.idempotency_key is None:
        return json_response(ctx.success_status, payload, {"CCX-Warning": _NOT_DEDUPLICATED})
    return ctx.success_status, payload


@handles("broadcasts.list")
def list_broadcasts(ctx: RequestContext) -> HandlerResult:
    wanted = ctx.query.get("status")
    broadcasts = [
        broadcast
        for broadcast in reversed(ctx.workspace.broadcasts.values())
        if wanted in (None, broadcast.status)
    ]
    return ctx.success_status, paginate(
        broadcasts, ctx.query, BroadcastRecord.payload, key=lambda item: item.id
    )


@handles("broadcasts.retrieve")
def retrieve(ctx: RequestContext) -> HandlerResult:
    return ctx.success_status, _lookup(ctx).payload()


@handles("broadcasts.pause")
def pause(ctx: RequestContext) -> HandlerResult:
    broadcast = _lookup(ctx)
    if broadcast.status != "running":
        raise _conflict(broadcast, "paused", "running")
    pause_broadcast(ctx.workspace, broadcast)
    return ctx.success_status, broadcast.payload()


@handles("broadcasts.resume")
def resume(ctx: RequestContext) -> HandlerResult:
    broadcast = _lookup(ctx)
    if broadcast.status != "paused":
        raise _conflict(broadcast, "resumed", "paused")
    resume_broadcast(ctx.workspace, broadcast)
    return ctx.success_status, broadcast.payload()


@handles("broadcasts.cancel")
def cancel(ctx: RequestContext) -> HandlerResult:
    broadcast = _lookup(ctx)
    if broadcast.finished:
        raise _conflict(broadcast, "canceled", "scheduled, running or paused")
    cancel_broadcast(ctx.workspace, broadcast)
    return ctx.success_status, broadcast.payload()


@handles("broadcasts.events")
def events(ctx: RequestContext) -> HandlerResult:
    broadcast = _lookup(ctx)
    last_event_id = ctx.headers.get("last-event-id", "0")
    if not last_event_id.isdigit():
        raise MockAPIError(
            400,
            "invalid_request_error",
            "invalid_last_event_id",
            f"Last-Event-ID must be the integer id of an event from this stream, got "
            f"{last_event_id[:40]!r}.",
            param="Last-Event-ID",
        )
    return StreamingResponse(
        broadcast.events_after(int(last_event_id)),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
