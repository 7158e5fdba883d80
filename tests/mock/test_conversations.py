"""Conversations: created on first contact, the 24 h window, filters and their messages."""

from __future__ import annotations

import httpx
from messaging_helpers import CUSTOMER, UNDELIVERABLE, message

from ccx.mock import FrozenClock


async def inbound(asgi: httpx.AsyncClient, text: str = "Oi!") -> None:
    response = await asgi.post(
        "/v1/test_helpers/messages/inbound",
        json={"from": CUSTOMER, "channel": "whatsapp", "text": text},
    )
    assert response.status_code == 201


async def test_first_inbound_creates_contact_and_conversation_and_opens_the_window(
    asgi: httpx.AsyncClient, clock: FrozenClock
) -> None:
    await inbound(asgi)
    types = [event["event"] for event in (await asgi.get("/v1/events")).json()["data"]]
    assert types == [
        "message.reply",
        "conversation.window_opened",
        "conversation.created",
        "contact.created",
    ]

    conversation = (await asgi.get("/v1/conversations")).json()["data"][0]
    assert conversation["contact"] == CUSTOMER
    assert conversation["status"] == "open"
    assert conversation["window_expires_at"] == "2026-11-22T08:00:00Z"

    await clock.advance(24 * 3600)
    closed = (await asgi.get(f"/v1/conversations/{conversation['id']}")).json()
    assert closed["status"] == "closed"

    await inbound(asgi, "De novo")
    reopened = (await asgi.get(f"/v1/conversations/{conversation['id']}")).json()
    assert reopened["status"] == "open"
    contacts = (await asgi.get("/v1/events", params={"event": "contact.created"})).json()
    assert len(contacts["data"]) == 1  # the same contact is created once


async def test_conversation_lists_its_messages_and_filters_by_status(
    asgi: httpx.AsyncClient, clock: FrozenClock
) -> None:
    sent = (await asgi.post("/v1/messages", json=message())).json()
    # An undelivered template opens no conversation: this one stays closed.
    await asgi.post("/v1/messages", json=message(to=UNDELIVERABLE))
    await clock.advance(1)
    await inbound(asgi)

    conversation_id = sent["conversation_id"]
    messages = (await asgi.get(f"/v1/conversations/{conversation_id}/messages")).json()["data"]
    assert [item["direction"] for item in messages] == ["inbound", "outbound"]
    assert messages[0]["from"] == CUSTOMER

    everyone = (await asgi.get("/v1/conversations")).json()["data"]
    assert everyone[0]["id"] == conversation_id  # most recently active first
    open_ones = (await asgi.get("/v1/conversations", params={"status": "open"})).json()["data"]
    assert [item["id"] for item in open_ones] == [conversation_id]
    closed = (await asgi.get("/v1/conversations", params={"status": "closed"})).json()["data"]
    assert len(closed) == 1
    assert (await asgi.get("/v1/conversations/cnv_missing")).status_code == 404
