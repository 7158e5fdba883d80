"""WhatsApp's two windows, through the SDK against the mock over a socket.

A delivered template opens a business-initiated conversation; only the contact's own message
opens the 24 h customer-care window that free-form messages need. The conversation's state,
the refusal and its hint must tell the same story, and the window announces itself with
events on the clock.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from messaging_helpers import CUSTOMER, ORDER_TEMPLATE

from ccx import CCX, UnprocessableEntityError
from ccx.mock import MockServer
from ccx.types import (
    ConversationWindowClosedEvent,
    ConversationWindowExpiringEvent,
    ConversationWindowOpenedEvent,
    EventType,
)

HOUR = 3600.0


@pytest.fixture
def client(server: MockServer) -> Iterator[CCX]:
    with server.client() as sdk:
        yield sdk


def advance(client: CCX, seconds: float) -> None:
    client.test_helpers.clock.advance(seconds=seconds)


def write(client: CCX, text: str = "Oi!") -> str:
    """The contact writes; returns the conversation id."""
    inbound = client.test_helpers.messages.simulate_inbound(
        from_=CUSTOMER, channel="whatsapp", text=text
    )
    assert inbound.conversation_id is not None
    return inbound.conversation_id


def send_text(client: CCX, text: str = "Olá!") -> None:
    client.messages.send(to=CUSTOMER, channel="whatsapp", text=text, max_retries=0)


def test_a_delivered_template_opens_a_conversation_but_not_the_free_form_window(
    client: CCX,
) -> None:
    sent = client.messages.send(to=CUSTOMER, channel="whatsapp", template=ORDER_TEMPLATE)
    assert sent.conversation_id is not None
    before = client.conversations.retrieve(sent.conversation_id)
    assert (before.status, before.origin, before.window_open) == ("closed", None, False)

    advance(client, 10)  # delivered (and read) by now
    assert client.messages.retrieve(sent.id).status in ("delivered", "read")
    opened = client.conversations.retrieve(sent.conversation_id)
    assert opened.status == "open"
    assert opened.origin == "business_initiated"
    assert opened.window_open is False
    assert opened.window_expires_at is None
    assert opened.expires_at is not None

    # The refusal agrees with that state: the conversation is open, the window is not.
    with pytest.raises(UnprocessableEntityError) as refused:
        send_text(client)
    assert refused.value.code == "window_closed"
    assert "never written" in refused.value.message
    assert "business_initiated" in refused.value.message
    assert "template" in refused.value.message

    # The contact answers: now free-form is allowed, inside the same conversation.
    write(client)
    answered = client.conversations.retrieve(sent.conversation_id)
    assert (answered.status, answered.origin, answered.window_open) == (
        "open",
        "business_initiated",
        True,
    )
    send_text(client)


def test_the_conversation_closes_when_both_windows_have(client: CCX) -> None:
    conversation_id = write(client)
    opened = client.conversations.retrieve(conversation_id)
    assert (opened.status, opened.origin, opened.window_open) == ("open", "user_initiated", True)
    assert opened.expires_at == opened.window_expires_at

    advance(client, 20 * HOUR)
    write(client, "Still there?")  # moves the window, not the conversation's start
    advance(client, 5 * HOUR)  # the conversation's own 24 h are over, the window is not
    still = client.conversations.retrieve(conversation_id)
    assert (still.status, still.window_open) == ("open", True)

    advance(client, 20 * HOUR)
    closed = client.conversations.retrieve(conversation_id)
    assert (closed.status, closed.window_open) == ("closed", False)
    with pytest.raises(UnprocessableEntityError) as refused:
        send_text(client)
    assert "over 24 h ago" in refused.value.message
    assert [item.id for item in client.conversations.list(status="closed").data] == [
        conversation_id
    ]


def test_the_window_announces_opening_expiring_and_closing_on_the_clock(client: CCX) -> None:
    write(client)
    advance(client, 12 * HOUR)
    write(client, "Again")  # inside the window: no second `window_opened`, the notices move
    advance(client, 22 * HOUR)  # 34 h: the first window's notices (23 h, 24 h) never came
    assert [event.event for event in client.events.list(event="conversation.window_expiring")] == []
    advance(client, 2 * HOUR)  # 36 h: the moved window closes

    def of_type(event_type: EventType) -> list[object]:
        return list(client.events.list(event=event_type))

    opened = of_type("conversation.window_opened")
    expiring = of_type("conversation.window_expiring")
    closed = of_type("conversation.window_closed")
    assert len(opened) == len(expiring) == len(closed) == 1
    assert isinstance(opened[0], ConversationWindowOpenedEvent)
    assert isinstance(expiring[0], ConversationWindowExpiringEvent)
    assert isinstance(closed[0], ConversationWindowClosedEvent)
    # Each says what was true when it happened, though the record has moved on since.
    assert opened[0].data.window_open is True
    assert opened[0].data.window_expires_at is not None
    assert expiring[0].data.window_open is True
    assert closed[0].data.window_open is False
    assert closed[0].data.status == "closed"
    assert expiring[0].created_at < closed[0].created_at
    assert (closed[0].created_at - expiring[0].created_at).total_seconds() == HOUR
    assert closed[0].data.window_expires_at == closed[0].created_at
    assert (closed[0].created_at - opened[0].created_at).total_seconds() == 36 * HOUR

    write(client, "Back")  # closed, so this opens it again
    assert len(of_type("conversation.window_opened")) == 2
