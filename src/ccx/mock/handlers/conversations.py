"""Conversations: list (filterable), retrieve, and the messages of one conversation."""

from __future__ import annotations

from ccx.mock._conversations import ConversationRecord, most_recent_first
from ccx.mock._errors import not_found
from ccx.mock._messages import MessageRecord
from ccx.mock._registry import HandlerResult, RequestContext, handles, paginate


def _lookup(ctx: RequestContext) -> ConversationRecord:
    conversation_id = ctx.path_params["id"]
    domain = ctx.workspace
    conversation = domain.conversations.get(conversation_id)
    if conversation is None:
        raise not_found("conversation", conversation_id)
    return conversation


@handles("conversations.list")
def list_conversations(ctx: RequestContext) -> HandlerResult:
    query, now = ctx.query, ctx.now

    def wanted(conversation: ConversationRecord) -> bool:
        status = "open" if conversation.is_open(now) else "closed"
        return (
            query.get("status") in (None, status)
            and query.get("channel") in (None, conversation.channel)
            and query.get("contact") in (None, conversation.contact)
        )

    selected = most_recent_first(filter(wanted, ctx.workspace.conversations.values()))
    return ctx.success_status, paginate(
        selected, query, lambda item: item.payload(now), key=lambda item: item.id
    )


@handles("conversations.retrieve")
def retrieve(ctx: RequestContext) -> HandlerResult:
    return ctx.success_status, _lookup(ctx).payload(ctx.now)


@handles("conversations.list_messages")
def list_messages(ctx: RequestContext) -> HandlerResult:
    conversation = _lookup(ctx)
    selected = ctx.workspace.messages_in(conversation.id)
    return ctx.success_status, paginate(
        selected, ctx.query, MessageRecord.payload, key=lambda message: message.id
    )
