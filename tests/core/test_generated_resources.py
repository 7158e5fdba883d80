"""The core behaviours through the generated surface: ``client.messages``, ``client.broadcasts``."""

from __future__ import annotations

import json
from typing import Any

import pytest

from ccx._client import CCX, AsyncCCX
from ccx._exceptions import UnprocessableEntityError
from ccx.types import BroadcastStreamEvent, UnknownEvent

from ._server import Reply, ScriptedServer, Seen, error
from .conftest import FakeClock


def message(**fields: Any) -> dict[str, Any]:
    return {
        "id": "msg_1",
        "object": "message",
        "direction": "outbound",
        "to": "+15550000001",
        "channel": "whatsapp",
        "status": "queued",
        "priority": "default",
        "fallback": [],
        "metadata": {},
        "attempts": 0,
        "created_at": "2026-11-21T08:00:00Z",
        **fields,
    }


def test_send_retries_with_one_key_in_body_and_header(
    server: ScriptedServer, client: CCX, clock: FakeClock
) -> None:
    server.script("POST", "/v1/messages", Reply(503), Reply(202, message()))

    sent = client.messages.send(to="+15550000001", channel="whatsapp", text="hi")

    assert sent.status == "queued"
    first, second = server.seen("POST", "/v1/messages")
    assert first.json() == {
        "to": "+15550000001",
        "channel": "whatsapp",
        "text": "hi",
        "idempotency_key": first.headers["idempotency-key"],
    }
    assert second.json() == first.json()
    assert (first.headers["ccx-retry-count"], second.headers["ccx-retry-count"]) == ("0", "1")
    assert len(clock.sleeps) == 1


def test_per_call_options(server: ScriptedServer, client: CCX) -> None:
    server.script("POST", "/v1/messages", Reply(202, message()))

    client.messages.send(
        to="+15550000001",
        channel="sms",
        text="hi",
        idempotency_key="order-7",
        extra_headers={"X-Trace": "t1"},
        extra_query={"debug": True},
        extra_body={"metadata": {"team": "growth"}},
    )

    (seen,) = server.seen("POST", "/v1/messages")
    assert seen.headers["x-trace"] == "t1"
    assert seen.headers["idempotency-key"] == "order-7"
    assert seen.query == {"debug": "true"}
    assert seen.json()["idempotency_key"] == "order-7"
    assert seen.json()["metadata"] == {"team": "growth"}


def test_window_closed_says_to_send_a_template(server: ScriptedServer, client: CCX) -> None:
    server.script(
        "POST",
        "/v1/messages",
        error(422, "window_closed", "The customer-care window is closed.", param="text"),
    )

    with pytest.raises(UnprocessableEntityError) as raised:
        client.messages.send(to="+15550000001", channel="whatsapp", text="hi")

    assert "send a template message first" in str(raised.value)
    assert raised.value.param == "text"


def test_raw_response_through_the_resource(server: ScriptedServer, client: CCX) -> None:
    server.script(
        "POST",
        "/v1/messages",
        Reply(202, message(), headers={"Idempotent-Replayed": "true", "X-Request-Id": "req_7"}),
    )

    raw = client.messages.with_raw_response.send(
        to="+15550000001", channel="whatsapp", text="hi", idempotency_key="k"
    )

    assert (raw.status_code, raw.request_id, raw.idempotent_replayed) == (202, "req_7", True)
    assert raw.parse().id == "msg_1"


def listing(request: Seen) -> Reply:
    after = request.query.get("starting_after")
    if after is None:
        return Reply(json={"data": [message(id="msg_1")], "has_more": True, "next_cursor": "msg_1"})
    return Reply(json={"data": [message(id="msg_2")], "has_more": False, "next_cursor": None})


def test_list_walks_pages(server: ScriptedServer, client: CCX) -> None:
    server.script("GET", "/v1/messages", listing, listing)

    assert [m.id for m in client.messages.list(limit=1)] == ["msg_1", "msg_2"]


async def test_async_list_walks_pages(server: ScriptedServer, async_client: AsyncCCX) -> None:
    server.script("GET", "/v1/messages", listing, listing)

    assert [m.id async for m in async_client.messages.list(limit=1)] == ["msg_1", "msg_2"]


def progress(event_id: int, event: str, sent: int) -> bytes:
    counts = {
        "total": 3,
        "pending": 3 - sent,
        "queued": 0,
        "sent": sent,
        "delivered": 0,
        "read": 0,
        "failed": 0,
        "canceled": 0,
    }
    data = {
        "event": event,
        "data": {"broadcast_id": "brd_1", "status": "running", "counts": counts},
    }
    return f"id: {event_id}\nevent: {event}\ndata: {json.dumps(data)}\n\n".encode()


def sent_count(event: BroadcastStreamEvent) -> int:
    """The count a progress event carries; an event this SDK does not know fails the test."""
    assert not isinstance(event, UnknownEvent), event
    return event.data.counts.sent


def resume(request: Seen) -> Reply:
    assert request.headers["last-event-id"] == "1"
    return Reply(
        events=[progress(2, "broadcast.progress", 2), progress(3, "broadcast.completed", 3)]
    )


def test_broadcast_events_resume_after_a_drop(server: ScriptedServer, client: CCX) -> None:
    server.script(
        "GET",
        "/v1/broadcasts/brd_1/events",
        Reply(events=[progress(1, "broadcast.progress", 1), b"id: 2\ndata: {"], drop=True),
        resume,
    )

    with client.broadcasts.events("brd_1") as stream:
        events = [(event.event, sent_count(event)) for event in stream]

    assert events == [
        ("broadcast.progress", 1),
        ("broadcast.progress", 2),
        ("broadcast.completed", 3),
    ]


async def test_async_broadcast_events_resume_after_a_drop(
    server: ScriptedServer, async_client: AsyncCCX
) -> None:
    server.script(
        "GET",
        "/v1/broadcasts/brd_1/events",
        Reply(events=[progress(1, "broadcast.progress", 1)], drop=True),
        resume,
    )

    async with async_client.broadcasts.events("brd_1") as stream:
        sent = [sent_count(event) async for event in stream]

    assert sent == [1, 2, 3]
