"""The message lifecycle on the clock: statuses, magic recipients, fallback, retries, priority."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import httpx
import pytest
from messaging_helpers import (
    CUSTOMER,
    LATE_DELIVERY,
    READS,
    SENT_ONLY,
    UNDELIVERABLE,
    UPSTREAM_FAILURE,
    message,
    recipients,
)

from ccx.mock import FrozenClock

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
TRACEPARENT = f"00-{TRACE_ID}-00f067aa0ba902b7-01"


async def send(asgi: httpx.AsyncClient, body: dict[str, Any], **headers: str) -> dict[str, Any]:
    response = await asgi.post("/v1/messages", json=body, headers=headers)
    assert response.status_code == 202, response.text
    sent: dict[str, Any] = response.json()
    return sent


async def fetch(asgi: httpx.AsyncClient, message_id: str) -> dict[str, Any]:
    found: dict[str, Any] = (await asgi.get(f"/v1/messages/{message_id}")).json()
    return found


async def events_of(asgi: httpx.AsyncClient, message_id: str) -> list[dict[str, Any]]:
    listed = (await asgi.get("/v1/events", params={"limit": 100})).json()["data"]
    mine = [event for event in listed if event["data"].get("message_id") == message_id]
    return list(reversed(mine))


async def test_ordinary_recipient_is_sent_then_delivered_with_billing(
    asgi: httpx.AsyncClient, clock: FrozenClock
) -> None:
    sent = await send(asgi, message(CUSTOMER))
    await clock.advance(0)
    assert (await fetch(asgi, sent["id"]))["status"] == "sent"
    await clock.advance(1)
    delivered = await fetch(asgi, sent["id"])
    assert delivered["status"] == "delivered"
    assert delivered["billable"] == {"category": "utility", "price": 0.16, "currency": "BRL"}
    assert delivered["delivered_at"] > delivered["sent_at"]
    await clock.advance(3600)
    assert (await fetch(asgi, sent["id"]))["status"] == "delivered"


async def test_every_transition_emits_its_event_with_the_request_trace_id(
    asgi: httpx.AsyncClient, clock: FrozenClock
) -> None:
    sent = await send(asgi, message(READS), traceparent=TRACEPARENT)
    await clock.advance(10)
    events = await events_of(asgi, sent["id"])
    assert [event["event"] for event in events] == [
        "message.queued",
        "message.sent",
        "message.delivered",
        "message.read",
    ]
    assert {event["trace_id"] for event in events} == {TRACE_ID}
    assert [event["data"]["status"] for event in events] == ["queued", "sent", "delivered", "read"]
    # Each event shows the message as it was then, not as it is now.
    assert "delivered_at" not in events[1]["data"]
    assert events[2]["data"]["billable"]["currency"] == "BRL"


async def test_undeliverable_whatsapp_fails_and_falls_back_to_sms(
    asgi: httpx.AsyncClient, clock: FrozenClock
) -> None:
    sent = await send(asgi, message(UNDELIVERABLE, fallback=["sms"]))
    await clock.advance(5)
    failed = await fetch(asgi, sent["id"])
    assert failed["status"] == "failed"
    assert failed["error"]["upstream_code"] == 131026
    listed = (await asgi.get("/v1/messages", params={"to": UNDELIVERABLE})).json()["data"]
    fallback = next(item for item in listed if item["id"] != sent["id"])
    assert fallback["channel"] == "sms"
    assert fallback["fallback_from"] == sent["id"]
    assert fallback["status"] == "delivered"


async def test_undeliverable_without_fallback_just_fails(
    asgi: httpx.AsyncClient, clock: FrozenClock
) -> None:
    sent = await send(asgi, message(UNDELIVERABLE))
    await clock.advance(5)
    assert (await fetch(asgi, sent["id"]))["status"] == "failed"
    listed = (await asgi.get("/v1/messages", params={"to": UNDELIVERABLE})).json()["data"]
    assert [item["id"] for item in listed] == [sent["id"]]


async def attempts_at(
    asgi: httpx.AsyncClient, clock: FrozenClock, message_id: str, waits: Sequence[float]
) -> None:
    """Step through ``waits``: each attempt comes exactly ``wait`` seconds after the previous."""
    for wait in waits:
        before = (await fetch(asgi, message_id))["attempts"]
        await clock.advance(wait - 0.01)
        assert (await fetch(asgi, message_id))["attempts"] == before, wait
        await clock.advance(0.01)
        assert (await fetch(asgi, message_id))["attempts"] == before + 1, wait


RETRIES = [2, 4, 8, 16, 32, 60, 300]
"""The waits before the retry buffer's 7 retries."""
FIRST_CHECK = 1800
SIX_HOURS = 6 * 3600
SEVEN_DAYS = 7 * 24 * 3600


async def test_upstream_failures_go_through_the_retry_buffer_then_reconcile_for_7_days(
    asgi: httpx.AsyncClient, clock: FrozenClock
) -> None:
    sent = await send(asgi, message(UPSTREAM_FAILURE))
    await clock.advance(0)
    assert (await fetch(asgi, sent["id"]))["attempts"] == 1
    await attempts_at(asgi, clock, sent["id"], RETRIES)
    # 7 retries done: reconciliation begins, first 30 min later, then every 6 h.
    await attempts_at(asgi, clock, sent["id"], [FIRST_CHECK, SIX_HOURS, SIX_HOURS])
    current = await fetch(asgi, sent["id"])
    assert (current["status"], current["attempts"]) == ("queued", 11)
    assert "failed_at" not in current

    # 28 checks fit in the 7 days; a last one comes when they end, and only then is it failed.
    checks = 28
    await clock.advance((checks - 3) * SIX_HOURS)
    assert (await fetch(asgi, sent["id"]))["attempts"] == 8 + checks
    last_check = SEVEN_DAYS - FIRST_CHECK - (checks - 1) * SIX_HOURS
    await clock.advance(last_check - 0.01)
    assert (await fetch(asgi, sent["id"]))["status"] == "queued"
    await clock.advance(0.01)
    failed = await fetch(asgi, sent["id"])
    assert (failed["status"], failed["attempts"]) == ("failed", 8 + checks + 1)
    assert failed["error"]["code"] == "upstream_unavailable"
    assert failed["error"]["upstream_code"] == 502
    reconciliation_began = sent_at_seconds(sent) + sum(RETRIES)
    assert seconds(failed["failed_at"]) == reconciliation_began + SEVEN_DAYS
    events = [event["event"] for event in await events_of(asgi, sent["id"])]
    assert events == ["message.queued", "message.failed"]


async def test_late_delivery_recipient_is_delivered_by_reconciliation(
    asgi: httpx.AsyncClient, clock: FrozenClock
) -> None:
    sent = await send(asgi, message(LATE_DELIVERY, fallback=["sms"]))
    await clock.advance(0)
    await attempts_at(asgi, clock, sent["id"], [*RETRIES, FIRST_CHECK])
    # The upstream recovers 3 h after the message was queued: the next check delivers it.
    await clock.advance(3 * 3600)
    assert (await fetch(asgi, sent["id"]))["status"] == "queued"
    await clock.advance(SIX_HOURS - 3 * 3600)
    await clock.advance(1)
    delivered = await fetch(asgi, sent["id"])
    assert (delivered["status"], delivered["attempts"]) == ("delivered", 10)
    assert seconds(delivered["sent_at"]) == sent_at_seconds(sent) + sum(RETRIES) + (
        FIRST_CHECK + SIX_HOURS
    )
    assert "error" not in delivered
    events = [event["event"] for event in await events_of(asgi, sent["id"])]
    assert events == ["message.queued", "message.sent", "message.delivered"]
    # Delivered late is still delivered: no fallback went out.
    listed = (await asgi.get("/v1/messages", params={"to": LATE_DELIVERY})).json()["data"]
    assert [item["id"] for item in listed] == [sent["id"]]


async def test_forcing_a_status_ends_reconciliation(
    asgi: httpx.AsyncClient, clock: FrozenClock
) -> None:
    sent = await send(asgi, message(UPSTREAM_FAILURE))
    await clock.advance(sum(RETRIES) + FIRST_CHECK + 1)
    forced = await asgi.post(
        f"/v1/test_helpers/messages/{sent['id']}/set_status", json={"status": "delivered"}
    )
    assert forced.status_code == 200, forced.text
    attempts = (await fetch(asgi, sent["id"]))["attempts"]
    await clock.advance(SEVEN_DAYS)
    after = await fetch(asgi, sent["id"])
    assert (after["status"], after["attempts"]) == ("delivered", attempts)


def seconds(stamp: str) -> float:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()


def sent_at_seconds(sent: dict[str, Any]) -> float:
    """When the send's first attempt was made: the moment it was created, on the frozen clock."""
    return seconds(sent["created_at"])


async def test_sent_only_recipient_never_leaves_sent(
    asgi: httpx.AsyncClient, clock: FrozenClock
) -> None:
    sent = await send(asgi, message(SENT_ONLY))
    await clock.advance(7 * 24 * 3600)
    assert (await fetch(asgi, sent["id"]))["status"] == "sent"


async def test_otp_is_not_delayed_by_a_low_priority_flood(
    asgi: httpx.AsyncClient, clock: FrozenClock
) -> None:
    segment = (
        await asgi.post("/v1/segments", json={"name": "flood", "recipients": recipients(1000)})
    ).json()
    flood = await asgi.post(
        "/v1/broadcasts",
        json={
            "name": "flood",
            "template": "black_friday_2026",
            "language": "pt_BR",
            "segment_id": segment["id"],
            "priority": "low",
            "rate_limit_per_minute": 50_000,
        },
    )
    assert flood.status_code == 202
    await clock.advance(0)
    otp = await asgi.post(
        "/v1/otp", json={"to": CUSTOMER, "code": "482913", "template_name": "signup_otp"}
    )
    assert otp.status_code == 202
    assert otp.json()["priority"] == "critical"

    await clock.advance(0.05)  # one dispatcher tick
    assert (await fetch(asgi, otp.json()["id"]))["status"] == "sent"
    counts = (await asgi.get(f"/v1/broadcasts/{flood.json()['id']}")).json()["counts"]
    assert counts["queued"] > 800  # the flood is still waiting behind the OTP


async def test_set_status_helper_forces_a_failure_with_its_code(
    asgi: httpx.AsyncClient, clock: FrozenClock
) -> None:
    sent = await send(asgi, message(SENT_ONLY))
    await clock.advance(0)
    forced = await asgi.post(
        f"/v1/test_helpers/messages/{sent['id']}/set_status",
        json={"status": "failed", "error_code": 131047},
    )
    assert forced.status_code == 200
    assert forced.json()["status"] == "failed"
    assert forced.json()["error"]["upstream_code"] == 131047
    events = await events_of(asgi, sent["id"])
    assert events[-1]["event"] == "message.failed"


@pytest.mark.parametrize("status", ["delivered", "read"])
async def test_set_status_helper_stops_the_natural_lifecycle(
    asgi: httpx.AsyncClient, clock: FrozenClock, status: str
) -> None:
    sent = await send(asgi, message(UNDELIVERABLE, fallback=["sms"]))
    forced = await asgi.post(
        f"/v1/test_helpers/messages/{sent['id']}/set_status", json={"status": status}
    )
    assert forced.json()["status"] == status
    # Reported as a carrier would: every step up to the forced one, in order.
    steps = [event["event"] for event in await events_of(asgi, sent["id"])]
    expected = ["message.queued", "message.sent", "message.delivered", "message.read"]
    assert steps == expected[: expected.index(f"message.{status}") + 1]
    await clock.advance(60)
    assert (await fetch(asgi, sent["id"]))["status"] == status
    listed = (await asgi.get("/v1/messages", params={"to": UNDELIVERABLE})).json()["data"]
    assert len(listed) == 1


async def test_set_status_refuses_inbound_messages(asgi: httpx.AsyncClient) -> None:
    received = await asgi.post(
        "/v1/test_helpers/messages/inbound",
        json={"from": CUSTOMER, "channel": "whatsapp", "text": "Oi"},
    )
    response = await asgi.post(
        f"/v1/test_helpers/messages/{received.json()['id']}/set_status",
        json={"status": "delivered"},
    )
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "message_not_outbound"
