"""Sandbox test helpers: force a message status, simulate an inbound message, move the clock.

The clock is the calling token's workspace's: moving it changes nothing another workspace sees.

Sandbox-only is enforced by the app from the spec (``x-ccx-sandbox-only``), not here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, get_args

from ccx.mock._clock import LATEST, Clock, isoformat
from ccx.mock._conversations import window_applies
from ccx.mock._errors import MockAPIError, not_found
from ccx.mock._lifecycle import force_status, receive_inbound
from ccx.mock._messages import forced_failure_error
from ccx.mock._registry import HandlerResult, RequestContext, handles
from ccx.types.enums import InboundMessageType

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
    contact, channel = body["from"], body["channel"]
    kind = inbound_kind(body, channel)
    content = body[kind]
    if kind in _MEDIA_DEFAULTS:
        content = {"mime_type": _MEDIA_DEFAULTS[kind], **content}
    elif kind == "button" and content.get("message_id") is not None:
        _check_button(ctx, contact, content)
    elif kind == "reaction":
        _check_reacted_message(ctx, contact, channel, content["message_id"])
    message = receive_inbound(
        ctx.workspace,
        contact=contact,
        channel=channel,
        kind=kind,
        content=content,
        trace_id=ctx.trace_id,
        request_id=ctx.request_id,
    )
    return ctx.success_status, message.payload()


_MEDIA_DEFAULTS = {"image": "image/jpeg", "voice": "audio/ogg"}
"""The ``mime_type`` an inbound image or voice note has when the simulation names none."""


def inbound_kind(body: Mapping[str, Any], channel: str) -> InboundMessageType:
    """The one kind of content the simulated message carries; only text travels beyond WhatsApp."""
    kinds: list[InboundMessageType] = [
        kind for kind in get_args(InboundMessageType) if body.get(kind) is not None
    ]
    if len(kinds) != 1:
        given = ", ".join(kinds) if kinds else "none"
        raise MockAPIError(
            400,
            "invalid_request_error",
            "parameter_invalid",
            f"Give exactly one of {', '.join(get_args(InboundMessageType))} (given: {given}).",
            param=kinds[1] if len(kinds) > 1 else "text",
        )
    kind = kinds[0]
    if body.get("type", kind) != kind:
        raise MockAPIError(
            400,
            "invalid_request_error",
            "parameter_invalid",
            f"type is {body['type']!r} but the message carries {kind}; give the {body['type']} "
            "field, or drop type.",
            param="type",
        )
    if kind != "text" and not window_applies(channel):
        raise MockAPIError(
            400,
            "invalid_request_error",
            "unsupported_content",
            f"A contact sends {kind} messages on whatsapp only; on {channel} simulate text.",
            param=kind,
        )
    return kind


def _check_button(ctx: RequestContext, contact: str, button: Mapping[str, Any]) -> None:
    """A tap answers a message you sent the contact, on one of its buttons when it has any."""
    message_id = button["message_id"]
    message = ctx.workspace.messages.get(message_id)
    if message is None or message.direction != "outbound" or message.contact != contact:
        raise not_found("message you sent to this contact", message_id, param="button.message_id")
    if message.kind != "interactive":
        return
    offered = [choice["id"] for choice in message.content.get("buttons") or ()]
    if offered and button["id"] not in offered:
        raise MockAPIError(
            400,
            "invalid_request_error",
            "parameter_invalid",
            f"Message {message_id} offers the buttons {offered}; {button['id']!r} is none of them.",
            param="button.id",
        )


def _check_reacted_message(
    ctx: RequestContext, contact: str, channel: str, message_id: str
) -> None:
    """A contact reacts to a message of their own conversation (in either direction)."""
    message = ctx.workspace.messages.get(message_id)
    if message is None or (message.contact, message.channel) != (contact, channel):
        raise not_found("message in this conversation", message_id, param="reaction.message_id")


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
