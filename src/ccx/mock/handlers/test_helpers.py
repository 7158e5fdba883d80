"""Sandbox test helpers: force a message status, simulate an inbound message, move the clock.

Sandbox-only is enforced by the app from the spec (``x-ccx-sandbox-only``), not here.
"""

from __future__ import annotations

from typing import Any

from ccx.mock._errors import MockAPIError
from ccx.mock._messages import forced_failure_error
from ccx.mock._registry import HandlerResult, RequestContext, handles

from .messages import lookup_message


def _clock_payload(ctx: RequestContext) -> dict[str, Any]:
    clock = ctx.state.clock
    return {
        "object": "clock",
        "now": clock.isoformat(),
        "time_scale": 0 if clock.frozen else clock.time_scale,
    }


@handles("test_helpers.messages.set_status")
async def set_status(ctx: RequestContext) -> HandlerResult:
    message = lookup_message(ctx, ctx.path_params["id"])
    if message.direction != "outbound":
        raise MockAPIError(
            409,
            "conflict_error",
            "message_not_outbound",
            f"Message {message.id} was received from a contact; only messages you sent have a "
            "delivery status to set.",
        )
    status = ctx.body["status"]
    error = forced_failure_error(ctx.body.get("error_code")) if status == "failed" else None
    ctx.state.engine.force_status(message, status, error)
    return ctx.success_status, message.payload()


@handles("test_helpers.messages.simulate_inbound")
async def simulate_inbound(ctx: RequestContext) -> HandlerResult:
    body = ctx.body
    message = ctx.state.engine.receive_inbound(
        ctx.workspace.id,
        contact=body["from"],
        channel=body["channel"],
        text=body["text"],
        trace_id=ctx.trace_id,
    )
    return ctx.success_status, message.payload()


@handles("test_helpers.clock.retrieve")
async def clock_retrieve(ctx: RequestContext) -> HandlerResult:
    return ctx.success_status, _clock_payload(ctx)


@handles("test_helpers.clock.advance")
async def clock_advance(ctx: RequestContext) -> HandlerResult:
    await ctx.state.clock.advance(float(ctx.body["seconds"]))
    return ctx.success_status, _clock_payload(ctx)
