"""Broadcasts: paced batches, exact counts across pause/resume, dry runs, schedules, cancel."""

from __future__ import annotations

from typing import Any

import httpx
from messaging_helpers import (
    CUSTOMER,
    READS,
    SENT_ONLY,
    UNDELIVERABLE,
    UPSTREAM_FAILURE,
    recipients,
)

from ccx.mock import FrozenClock

COUNTED = ("queued", "sent", "delivered", "read", "failed", "canceled")


async def make_segment(asgi: httpx.AsyncClient, size: int) -> str:
    response = await asgi.post(
        "/v1/segments", json={"name": "customers", "recipients": recipients(size)}
    )
    assert response.status_code == 201, response.text
    segment_id: str = response.json()["id"]
    return segment_id


def broadcast_body(segment_id: str, **fields: Any) -> dict[str, Any]:
    return {
        "name": "Black Friday — Batch 1",
        "template": "black_friday_2026",
        "language": "pt_BR",
        "segment_id": segment_id,
        "rate_limit_per_minute": 6000,
        "priority": "high",
        **fields,
    }


async def create(asgi: httpx.AsyncClient, body: dict[str, Any]) -> dict[str, Any]:
    response = await asgi.post("/v1/broadcasts", json=body)
    assert response.status_code == 202, response.text
    created: dict[str, Any] = response.json()
    return created


async def retrieve(asgi: httpx.AsyncClient, broadcast_id: str) -> dict[str, Any]:
    found: dict[str, Any] = (await asgi.get(f"/v1/broadcasts/{broadcast_id}")).json()
    counts = found["counts"]
    assert sum(counts[name] for name in COUNTED) == counts["total"], counts
    return found


async def messages_of(asgi: httpx.AsyncClient, broadcast_id: str) -> list[dict[str, Any]]:
    collected: list[dict[str, Any]] = []
    params: dict[str, Any] = {"broadcast_id": broadcast_id, "limit": 100}
    while True:
        page = (await asgi.get("/v1/messages", params=params)).json()
        collected.extend(page["data"])
        if not page["has_more"]:
            return collected
        params["starting_after"] = page["next_cursor"]


async def test_thousand_recipients_get_exactly_one_message_each(
    asgi: httpx.AsyncClient, clock: FrozenClock
) -> None:
    segment_id = await make_segment(asgi, 1000)
    broadcast = await create(asgi, broadcast_body(segment_id))
    assert broadcast["status"] == "running"

    await clock.advance(0)
    first = await retrieve(asgi, broadcast["id"])
    assert first["counts"]["total"] == 1000
    assert len(await messages_of(asgi, broadcast["id"])) == 500  # one batch so far

    await clock.advance(30)
    done = await retrieve(asgi, broadcast["id"])
    assert done["status"] == "completed"
    assert done["counts"]["delivered"] == 1000
    messages = await messages_of(asgi, broadcast["id"])
    assert sorted(item["to"] for item in messages) == sorted(recipients(1000))
    assert {item["priority"] for item in messages} == {"high"}


async def test_pause_and_resume_keep_the_position(
    asgi: httpx.AsyncClient, clock: FrozenClock
) -> None:
    segment_id = await make_segment(asgi, 1000)
    # 600/min: batches of 500 every 50 s.
    broadcast = await create(asgi, broadcast_body(segment_id, rate_limit_per_minute=600))
    await clock.advance(1)
    paused = await asgi.post(f"/v1/broadcasts/{broadcast['id']}/pause")
    assert paused.status_code == 200
    assert paused.json()["status"] == "paused"

    await clock.advance(3600)
    while_paused = await retrieve(asgi, broadcast["id"])
    assert while_paused["status"] == "paused"
    assert len(await messages_of(asgi, broadcast["id"])) == 500
    assert while_paused["counts"]["queued"] == 500  # the 500 not yet reached

    resumed = await asgi.post(f"/v1/broadcasts/{broadcast['id']}/resume")
    assert resumed.json()["status"] == "running"
    await clock.advance(120)
    done = await retrieve(asgi, broadcast["id"])
    assert done["status"] == "completed"
    messages = await messages_of(asgi, broadcast["id"])
    assert len(messages) == 1000
    assert len({item["to"] for item in messages}) == 1000


async def test_pause_is_only_for_running_broadcasts(
    asgi: httpx.AsyncClient, clock: FrozenClock
) -> None:
    segment_id = await make_segment(asgi, 3)
    broadcast = await create(asgi, broadcast_body(segment_id))
    await clock.advance(10)
    refused = await asgi.post(f"/v1/broadcasts/{broadcast['id']}/pause")
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "broadcast_state_conflict"


async def test_dry_run_previews_cost_and_sends_nothing(
    asgi: httpx.AsyncClient, clock: FrozenClock
) -> None:
    segment_id = await make_segment(asgi, 1000)
    preview = await create(asgi, broadcast_body(segment_id, dry_run=True))
    assert preview["status"] == "dry_run"
    assert preview["preview"]["recipients"] == 1000
    assert preview["preview"]["currency"] == "BRL"
    assert preview["preview"]["estimated_cost"] == 312.5  # 1000 marketing messages at 0.3125
    await clock.advance(60)
    assert (await asgi.get("/v1/messages")).json()["data"] == []
    assert (await asgi.get("/v1/broadcasts")).json()["data"] == []


async def test_the_seed_schedule_stays_scheduled_until_the_clock_reaches_it(
    asgi: httpx.AsyncClient, clock: FrozenClock
) -> None:
    segment_id = await make_segment(asgi, 10)
    broadcast = await create(
        asgi, broadcast_body(segment_id, schedule_at="2026-11-28T09:00:00-03:00")
    )
    assert broadcast["status"] == "scheduled"
    assert broadcast["schedule_at"] == "2026-11-28T12:00:00Z"

    start_time = 1_795_867_200.0  # 2026-11-28T12:00:00Z
    await clock.advance(start_time - clock.now() - 1)
    assert (await retrieve(asgi, broadcast["id"]))["status"] == "scheduled"
    assert await messages_of(asgi, broadcast["id"]) == []

    await clock.advance(10)
    done = await retrieve(asgi, broadcast["id"])
    assert done["status"] == "completed"
    assert done["started_at"] == "2026-11-28T12:00:00Z"


async def test_cancel_stops_the_recipients_not_reached(
    asgi: httpx.AsyncClient, clock: FrozenClock
) -> None:
    segment_id = await make_segment(asgi, 1000)
    broadcast = await create(asgi, broadcast_body(segment_id, rate_limit_per_minute=600))
    await clock.advance(0)
    canceled = await asgi.post(f"/v1/broadcasts/{broadcast['id']}/cancel")
    assert canceled.status_code == 200
    assert canceled.json()["status"] == "canceled"
    await clock.advance(600)
    final = await retrieve(asgi, broadcast["id"])
    assert final["status"] == "canceled"
    assert final["counts"]["canceled"] == 500  # the second batch was never reached
    messages = await messages_of(asgi, broadcast["id"])
    assert len(messages) == 500
    assert {item["status"] for item in messages} == {"delivered"}  # queued ones continued
    again = await asgi.post(f"/v1/broadcasts/{broadcast['id']}/cancel")
    assert again.status_code == 409


async def test_unknown_segment_and_unapproved_template_are_refused(
    asgi: httpx.AsyncClient,
) -> None:
    missing = await asgi.post("/v1/broadcasts", json=broadcast_body("seg_nope"))
    assert missing.status_code == 404
    assert missing.json()["error"]["param"] == "segment_id"

    segment_id = await make_segment(asgi, 2)
    await asgi.post(
        "/v1/templates",
        json={"name": "new_promo", "language": "pt_BR", "category": "marketing", "body": "Oi"},
    )
    pending = await asgi.post(
        "/v1/broadcasts", json=broadcast_body(segment_id, template="new_promo")
    )
    assert pending.status_code == 409
    assert pending.json()["error"]["code"] == "template_not_approved"


async def test_broadcast_progress_and_completion_are_webhook_events(
    asgi: httpx.AsyncClient, clock: FrozenClock
) -> None:
    segment_id = await make_segment(asgi, 600)
    broadcast = await create(asgi, broadcast_body(segment_id))
    await clock.advance(30)
    completed = (await asgi.get("/v1/events", params={"event": "broadcast.completed"})).json()[
        "data"
    ]
    assert len(completed) == 1
    assert completed[0]["data"]["broadcast_id"] == broadcast["id"]
    assert completed[0]["data"]["counts"]["delivered"] == 600
    progress = (await asgi.get("/v1/events", params={"event": "broadcast.progress"})).json()
    assert len(progress["data"]) >= 2  # at least one per batch


async def test_magic_recipients_in_a_broadcast_complete_with_honest_counts(
    asgi: httpx.AsyncClient, clock: FrozenClock
) -> None:
    magic = [READS, UNDELIVERABLE, UPSTREAM_FAILURE, SENT_ONLY, CUSTOMER]
    segment = await asgi.post("/v1/segments", json={"name": "magic", "recipients": magic})
    broadcast = await create(asgi, broadcast_body(segment.json()["id"]))
    await clock.advance(6 * 24 * 3600)
    running = await retrieve(asgi, broadcast["id"])
    assert running["status"] == "running"  # the upstream failure is still being reconciled
    assert running["counts"]["queued"] == 1

    await clock.advance(24 * 3600 + 600)  # 7 days after the retry buffer's 7 min
    done = await retrieve(asgi, broadcast["id"])
    assert done["status"] == "completed"
    counts = {name: done["counts"][name] for name in COUNTED}
    assert counts == {"queued": 0, "sent": 1, "delivered": 1, "read": 1, "failed": 2, "canceled": 0}
