"""Sandbox test helpers: force a message status, simulate an inbound message, move the clock.

The clock is the calling token's workspace's: moving it changes nothing another workspace sees.

Sandbox-only is enforced by the app from the spec (``x-ccx-sandbox-only``), not here.
"""

from __future__ import annotations

from typing import Any

from ccx.mock._clock import LATEST, Clock, isoformat
from ccx.mock._errors import MockAPIError
from ccx.mock._lifecycle import force_status, receive_inbound
from ccx.mock._messages import INBOUND_KINDS, content_kind, forced_failure_error
from ccx.mock._registry import HandlerResult, RequestContext, handles

from .messages import lookup_message


def _clock_payload(clock: Clock, reading: float) -> dict[str, Any]:
    return {
        "object": "clock",
        "now": isoformat(reading),
        "time_scale": 0 if clock.frozen else clock.time_scale,
    }


@handles("test_helpers.messages.set_status")
def set_status(ctx: RequestContext) -> HandlerResult:
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
    force_status(ctx.workspace, message, status, error)
    return ctx.success_status, message.payload()


@handles("test_helpers.messages.simulate_inbound")
def simulate_inbound(ctx: RequestContext) -> HandlerResult:
    body = ctx.body
    kind = content_kind(body, INBOUND_KINDS)
    message = receive_inbound(
        ctx.workspace,
        contact=body["from"],
        channel=body["channel"],
        kind=kind,
        content=body[kind],
        trace_id=ctx.trace_id,
        request_id=ctx.request_id,
    )
    return ctx.success_status, message.payload()


@handles("test_helpers.clock.retrieve")
def clock_retrieve(ctx: RequestContext) -> HandlerResult:
    clock = ctx.workspace.clock
    return ctx.success_status, _clock_payload(clock, clock.now())


@handles("test_helpers.clock.advance")
def clock_advance(ctx: RequestContext) -> HandlerResult:
    """Move this workspace's clock (no other's); the answer goes out once it has moved.

    Moving time is the one change no transaction can take back (webhooks go out while it
    runs), so everything is checked first and the move itself runs after the request commits.
    """
    clock = ctx.workspace.clock
    seconds = float(ctx.body["seconds"])
    room = clock.room_to_advance()
    if seconds > room:
        raise MockAPIError(
            400,
            "invalid_request_error",
            "parameter_invalid",
            f"Moving the clock {seconds:g} s would take it past the end of the mock's calendar "
            f"({isoformat(LATEST)}); it can move at most {room:.0f} s more.",
            param="seconds",
        )
    reading = clock.now() + seconds
    ctx.follow_up(lambda: clock.advance(seconds))
    return ctx.success_status, _clock_payload(clock, reading)
