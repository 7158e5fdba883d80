"""The event log: envelopes, filters, pagination and 30-day retention on the clock."""

from __future__ import annotations

import httpx
from messaging_helpers import message

from ccx.mock import FrozenClock


async def test_events_have_the_documented_envelope(
    asgi: httpx.AsyncClient, clock: FrozenClock
) -> None:
    await asgi.post("/v1/messages", json=message())
    await clock.advance(2)
    listed = (await asgi.get("/v1/events")).json()
    newest = listed["data"][0]
    assert set(newest) >= {"id", "object", "event", "created_at", "api_version", "trace_id", "data"}
    assert newest["id"].startswith("evt_")
    assert newest["api_version"] == "2026-11-01"
    assert newest["event"] == "message.delivered"
    fetched = (await asgi.get(f"/v1/events/{newest['id']}")).json()
    assert fetched == newest


async def test_list_filters_by_type_and_pages_newest_first(
    asgi: httpx.AsyncClient, clock: FrozenClock
) -> None:
    for _ in range(3):
        await asgi.post("/v1/messages", json=message())
        await clock.advance(2)
    sent = (await asgi.get("/v1/events", params={"event": "message.sent", "limit": 2})).json()
    assert [event["event"] for event in sent["data"]] == ["message.sent"] * 2
    assert sent["has_more"] is True
    rest = (
        await asgi.get(
            "/v1/events",
            params={"event": "message.sent", "starting_after": sent["next_cursor"]},
        )
    ).json()
    assert len(rest["data"]) == 1
    times = [event["created_at"] for event in [*sent["data"], *rest["data"]]]
    assert times == sorted(times, reverse=True)


async def test_events_are_kept_30_days_on_the_clock(
    asgi: httpx.AsyncClient, clock: FrozenClock
) -> None:
    await asgi.post("/v1/messages", json=message())
    await clock.advance(2)
    old = (await asgi.get("/v1/events")).json()["data"]
    assert old

    await clock.advance(29 * 24 * 3600)
    assert len((await asgi.get("/v1/events")).json()["data"]) == len(old)
    await clock.advance(24 * 3600)
    assert (await asgi.get("/v1/events")).json()["data"] == []
    expired = await asgi.get(f"/v1/events/{old[0]['id']}")
    assert expired.status_code == 410
    assert expired.json()["error"]["code"] == "event_expired"


async def test_unknown_and_foreign_event_ids_are_404(asgi: httpx.AsyncClient) -> None:
    await asgi.post("/v1/messages", json=message())
    real = (await asgi.get("/v1/events")).json()["data"][0]["id"]
    lookalikes = (real[:-10] + "0_00000000", real[:-10] + "+000000000", real + "0")
    for event_id in ("evt_nope", "evt_abcdef0000000000", "msg_123", *lookalikes):
        assert (await asgi.get(f"/v1/events/{event_id}")).status_code == 404
