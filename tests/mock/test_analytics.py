"""analytics.messages: counts by status, channel and category, and billed cost, over a period."""

from __future__ import annotations

import httpx
from messaging_helpers import SENT_ONLY, UNDELIVERABLE, message

from ccx.mock import FrozenClock


async def test_counts_and_billed_cost_over_a_period(
    asgi: httpx.AsyncClient, clock: FrozenClock
) -> None:
    start = clock.isoformat()
    await asgi.post("/v1/messages", json=message())
    await asgi.post("/v1/messages", json=message(to="+5511977776666"))
    await asgi.post("/v1/messages", json=message(UNDELIVERABLE))
    await asgi.post("/v1/messages", json=message(SENT_ONLY, channel="sms"))
    await clock.advance(10)
    end = clock.isoformat()

    report = (await asgi.get("/v1/analytics/messages", params={"from": start, "to": end})).json()
    assert report["counts_by_status"] == {"delivered": 2, "failed": 1, "sent": 1}
    assert report["counts_by_channel"] == {"whatsapp": 3, "sms": 1}
    assert report["counts_by_category"] == {"utility": 4}
    assert report["billed"] == {"amount": 0.32, "currency": "BRL"}  # two delivered at 0.16

    whatsapp = (
        await asgi.get(
            "/v1/analytics/messages", params={"from": start, "to": end, "channel": "sms"}
        )
    ).json()
    assert whatsapp["counts_by_channel"] == {"sms": 1}


async def test_period_excludes_its_end_and_can_be_bucketed(
    asgi: httpx.AsyncClient, clock: FrozenClock
) -> None:
    start = clock.isoformat()
    await asgi.post("/v1/messages", json=message())
    await clock.advance(3600)
    middle = clock.isoformat()
    await asgi.post("/v1/messages", json=message())
    await clock.advance(3600)
    end = clock.isoformat()

    first_hour = (
        await asgi.get("/v1/analytics/messages", params={"from": start, "to": middle})
    ).json()
    assert sum(first_hour["counts_by_status"].values()) == 1
    hourly = (
        await asgi.get(
            "/v1/analytics/messages", params={"from": start, "to": end, "group_by": "hour"}
        )
    ).json()
    assert [sum(bucket["counts_by_status"].values()) for bucket in hourly["buckets"]] == [1, 1]
    assert hourly["buckets"][0]["billed"]["amount"] == 0.16


async def test_an_empty_or_inverted_period_is_a_400(
    asgi: httpx.AsyncClient, clock: FrozenClock
) -> None:
    now = clock.isoformat()
    response = await asgi.get("/v1/analytics/messages", params={"from": now, "to": now})
    assert response.status_code == 400
    assert response.json()["error"]["param"] == "to"
