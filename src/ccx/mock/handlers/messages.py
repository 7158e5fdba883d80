"""Messages: send (with the domain rules of the API), list, retrieve and cancel."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ccx.mock._conversations import ConversationRecord, window_applies
from ccx.mock._errors import MockAPIError, not_found
from ccx.mock._lifecycle import cancel_message, create_message
from ccx.mock._messages import (
    MessageRecord,
    check_address,
    check_fallback,
    check_not_rejected,
    check_template,
    content_kind,
)
from ccx.mock._pricing import BillingCategory
from ccx.mock._registry import HandlerResult, RequestContext, handles, paginate
from ccx.mock._schedule import parse_timestamp, schedule_of

__all__ = ["lookup_message", "send_message"]


def send_message(ctx: RequestContext, body: Mapping[str, Any], *, priority: str) -> MessageRecord:
    """Apply every send rule to ``body`` and register the message (queued or scheduled)."""
    kind = content_kind(body)
    channel: str = body["channel"]
    to: str = body["to"]
    check_address(channel, to)
    fallback = check_fallback(channel, to, body.get("fallback") or ())
    category: BillingCategory
    if kind == "template":
        template_input: Mapping[str, Any] = body["template"]
        template = check_template(
            ctx.workspace.templates,
            template_input["name"],
            template_input.get("language"),
            template_input.get("variables"),
        )
        category = template.category
        # The message shows the template as sent: with its language and (maybe no) variables.
        content: Any = {
            "name": template.name,
            "language": template.language,
            "variables": dict(template_input.get("variables") or {}),
        }
    else:
        if kind == "interactive" and channel != "whatsapp":
            raise MockAPIError(
                400,
                "invalid_request_error",
                "unsupported_content",
                f"interactive messages exist only on whatsapp; send text on {channel}.",
                param="interactive",
            )
        conversation = ctx.workspace.conversations_by_contact[channel].get(to)
        if window_applies(channel) and not (conversation and conversation.window_open(ctx.now)):
            raise window_closed(ctx, to, kind, conversation)
        category = "service"
        content = body[kind]
    schedule_at, timezone = schedule_of(body, ctx.now)
    if schedule_at is None:  # a scheduled send meets Meta later, as a broadcast's does
        check_not_rejected(to)
    return create_message(
        ctx.workspace,
        to=to,
        channel=channel,
        kind=kind,
        content=content,
        category=category,
        priority=priority,
        trace_id=ctx.trace_id,
        request_id=ctx.request_id,
        metadata=body.get("metadata"),
        fallback=fallback,
        schedule_at=schedule_at,
        timezone=timezone,
    )


def lookup_message(ctx: RequestContext, message_id: str) -> MessageRecord:
    message = ctx.workspace.messages.get(message_id)
    if message is None:
        raise not_found("message", message_id)
    return message


def window_closed(
    ctx: RequestContext, to: str, kind: str, conversation: ConversationRecord | None
) -> MockAPIError:
    """The refusal of free-form content outside the customer-care window, saying what the
    conversation's state is and the one thing that opens the window: the contact's message."""
    if conversation is None or conversation.window_expires_at() is None:
        state = f"{to} has never written to you"
    else:
        state = f"{to} last wrote at {ctx.timestamp(conversation.last_inbound_at)}, over 24 h ago"
    if conversation is not None and conversation.is_open(ctx.now):
        state += (
            f" (the conversation is open, {conversation.origin}, but that does not allow "
            "free-form messages)"
        )
    return MockAPIError(
        422,
        "unprocessable_error",
        "window_closed",
        f"Free-form {kind} needs the contact's 24 h customer-care window, which only a message "
        f"from them opens, and {state}. Send an approved template instead (allowed at any time), "
        "or wait for the contact to write.",
        param=kind,
    )


@handles("messages.send")
def send(ctx: RequestContext) -> HandlerResult:
    message = send_message(ctx, ctx.body, priority=ctx.body.get("priority", "default"))
    return ctx.success_status, message.payload()


@handles("messages.retrieve")
def retrieve(ctx: RequestContext) -> HandlerResult:
    return ctx.success_status, lookup_message(ctx, ctx.path_params["id"]).payload()


@handles("messages.list")
def list_messages(ctx: RequestContext) -> HandlerResult:
    query = ctx.query
    created_after = _optional_timestamp(query, "created_after")
    created_before = _optional_timestamp(query, "created_before")

    def wanted(message: MessageRecord) -> bool:
        return (
            query.get("status") in (None, message.status)
            and query.get("conversation_id") in (None, message.conversation_id)
            and query.get("to") in (None, message.contact)
            and query.get("channel") in (None, message.channel)
            and query.get("broadcast_id") in (None, message.broadcast_id)
            and (created_after is None or message.created_at >= created_after)
            and (created_before is None or message.created_at < created_before)
        )

    messages = ctx.workspace.messages.values()
    selected = [message for message in reversed(messages) if wanted(message)]
    return ctx.success_status, paginate(
        selected, query, MessageRecord.payload, key=lambda message: message.id
    )


@handles("messages.cancel")
def cancel(ctx: RequestContext) -> HandlerResult:
    message = lookup_message(ctx, ctx.path_params["id"])
    if message.status != "scheduled":
        raise MockAPIError(
            409,
            "conflict_error",
            "message_not_cancelable",
            f"Message {message.id} is {message.status}; only scheduled messages can be canceled.",
        )
    cancel_message(ctx.workspace, message)
    return ctx.success_status, message.payload()


def _optional_timestamp(query: Mapping[str, Any], param: str) -> float | None:
    value = query.get(param)
    return None if value is None else parse_timestamp(str(value), param)
