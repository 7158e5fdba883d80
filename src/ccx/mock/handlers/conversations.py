"""Conversations: list (filterable), retrieve, and the messages of one conversation."""

from __future__ import annotations

from ccx.mock._conversations import ConversationRecord
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

    conversations = ctx.workspace.conversations.values()
    # Most recently active first; creation order breaks ties, newest first.
    selected = sorted(
        (item for item in reversed(conversations) if wanted(item)),
        key=lambda item: item.last_message_at or item.created_at,
        reverse=True,
    )
    return ctx.success_status, paginate(
        selected, query, lambda item: item.payload(now), key=lambda item: item.id
    )


@handles("conversations.retrieve")
def retrieve(ctx: RequestContext) -> HandlerResult:
    return ctx.success_status, _lookup(ctx).payload(ctx.now)


@handles("conversations.list_messages")
def list_messages(ctx: RequestContext) -> HandlerResult:
    conversation = _lookup(ctx)
    domain = ctx.workspace
    selected = [
        message
        for message in reversed(domain.messages.values())
        if message.conversation_id == conversation.id
    ]
    return ctx.success_status, paginate(
        selected, ctx.query, MessageRecord.payload, key=lambda message: message.id
    )
