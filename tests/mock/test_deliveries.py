"""Signed webhook deliveries to a real receiver: retries, 410, per-message order, replay."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from messaging_helpers import READS, message

from ccx.mock import FrozenClock, MockServer, create_app
from ccx.mock._app import mock_state
from ccx.mock._demo import DEMO_TOKEN
from ccx.mock._state import MockState
from ccx.testing import WebhookReceiver as Receiver
from ccx.webhooks import verify_signature
from ccx.webhooks._errors import WebhookVerificationError

TRACE_ID = "0af7651916cd43dd8448eb211c80319c"


@pytest.fixture
async def mock(clock: FrozenClock) -> AsyncIterator[tuple[httpx.AsyncClient, MockState]]:
    """The mock in-process with its lifespan (the engine's HTTP client is closed after)."""
    app = create_app(clock=clock)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url="http://mock.test",
            headers={"Authorization": f"Bearer {DEMO_TOKEN}"},
        ) as client,
    ):
        yield client, mock_state(app)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as running:
        yield running


async def subscribe(client: httpx.AsyncClient, url: str, *events: str) -> dict[str, Any]:
    response = await client.post("/v1/webhook_endpoints", json={"url": url, "events": list(events)})
    assert response.status_code == 201, response.text
    endpoint: dict[str, Any] = response.json()
    assert endpoint["secret"].startswith("whsec_")
    return endpoint


async def test_failed_deliveries_are_retried_and_the_fourth_is_signed(
    mock: tuple[httpx.AsyncClient, MockState], receiver: Receiver, clock: FrozenClock
) -> None:
    client, state = mock
    endpoint = await subscribe(client, receiver.url, "message.delivered")
    receiver.script["message.delivered"] = [500, 503, 500]
    sent = await client.post(
        "/v1/messages",
        json=message(),
        headers={"traceparent": f"00-{TRACE_ID}-b7ad6b7169203331-01"},
    )

    await clock.advance(1)  # delivered: first attempt fails
    await clock.advance(10 + 20 + 40)  # redelivered after 10 s, 20 s, then 40 s
    assert [delivery.status for delivery in receiver.deliveries] == [500, 503, 500, 200]
    assert len({delivery.event_id for delivery in receiver.deliveries}) == 1
    attempts = [
        (attempt.attempt, attempt.at - attempt_zero)
        for attempt_zero in [state.workspaces["wks_demo"].deliveries.attempts[0].at]
        for attempt in state.workspaces["wks_demo"].deliveries.attempts
    ]
    assert attempts == [(1, 0), (2, 10), (3, 30), (4, 70)]

    final = receiver.deliveries[-1]
    verify_signature(final.body, final.headers, endpoint["secret"])
    with pytest.raises(WebhookVerificationError):
        verify_signature(final.body, final.headers, "whsec_wrong")
    assert final.headers["content-type"] == "application/json"
    assert final.event_type == "message.delivered"
    envelope = final.envelope
    assert envelope["id"] == final.event_id
    assert envelope["event"] == "message.delivered"
    assert envelope["trace_id"] == TRACE_ID
    assert envelope["data"]["message_id"] == sent.json()["id"]

    await clock.advance(24 * 3600)
    assert len(receiver.deliveries) == 4  # acknowledged: never sent again


async def test_a_410_disables_the_endpoint_and_stops_its_deliveries(
    mock: tuple[httpx.AsyncClient, MockState], receiver: Receiver, clock: FrozenClock
) -> None:
    client, _ = mock
    endpoint = await subscribe(client, receiver.url, "message.queued", "message.sent")
    receiver.script["message.queued"] = [410]
    await client.post("/v1/messages", json=message())
    await clock.advance(0)
    retrieved = (await client.get(f"/v1/webhook_endpoints/{endpoint['id']}")).json()
    assert retrieved["status"] == "disabled"
    assert "secret" not in retrieved

    await client.post("/v1/messages", json=message(READS))
    await clock.advance(3600)
    # The chain stopped at the 410: not the message's later events, nor any new message's.
    assert [(d.event_type, d.status) for d in receiver.deliveries] == [("message.queued", 410)]


async def test_events_of_one_message_arrive_in_order_while_deliveries_fail(
    mock: tuple[httpx.AsyncClient, MockState], receiver: Receiver, clock: FrozenClock
) -> None:
    client, _ = mock
    await subscribe(client, receiver.url, "message.queued", "message.sent", "message.delivered")
    receiver.script["message.sent"] = [500, 500]
    sent = (await client.post("/v1/messages", json=message())).json()
    await clock.advance(1)  # delivered happens now, but its event must wait for "sent"
    types = [delivery.event_type for delivery in receiver.deliveries]
    assert "message.delivered" not in types

    await clock.advance(10 + 20)
    acknowledged = [delivery.event_type for delivery in receiver.acknowledged()]
    assert acknowledged == ["message.queued", "message.sent", "message.delivered"]
    for delivery in receiver.deliveries:
        assert delivery.envelope["data"]["message_id"] == sent["id"]


async def test_replay_redelivers_a_window_with_the_original_ids(
    mock: tuple[httpx.AsyncClient, MockState], receiver: Receiver, clock: FrozenClock
) -> None:
    client, _ = mock
    endpoint = await subscribe(client, receiver.url, "message.sent", "message.delivered")
    start = clock.isoformat()
    await client.post("/v1/messages", json=message())
    await clock.advance(5)
    original = [delivery.event_id for delivery in receiver.acknowledged()]
    assert len(original) == 2

    await clock.advance(3 * 24 * 3600)
    replay = await client.post(
        "/v1/events/replay",
        json={"endpoint_id": endpoint["id"], "from": start, "to": clock.isoformat()},
    )
    assert replay.status_code == 202
    assert replay.json()["event_count"] == 2
    await clock.advance(0)
    assert [delivery.event_id for delivery in receiver.acknowledged()] == original * 2


async def test_replay_outside_the_30_day_window_is_refused(
    mock: tuple[httpx.AsyncClient, MockState], receiver: Receiver, clock: FrozenClock
) -> None:
    client, _ = mock
    endpoint = await subscribe(client, receiver.url, "*")
    response = await client.post(
        "/v1/events/replay",
        json={
            "endpoint_id": endpoint["id"],
            "from": clock.isoformat(clock.now() - 31 * 24 * 3600),
            "to": clock.isoformat(),
        },
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "parameter_invalid"


async def test_rotated_secret_signs_alongside_the_old_one_for_24_hours(
    mock: tuple[httpx.AsyncClient, MockState], receiver: Receiver, clock: FrozenClock
) -> None:
    client, _ = mock
    endpoint = await subscribe(client, receiver.url, "message.queued")
    rotated = await client.post(f"/v1/webhook_endpoints/{endpoint['id']}/rotate_secret")
    assert rotated.status_code == 200
    new_secret = rotated.json()["secret"]
    assert new_secret != endpoint["secret"]

    await client.post("/v1/messages", json=message())
    await clock.advance(0)
    during = receiver.deliveries[-1]
    assert during.headers["ccx-signature"].count("v1=") == 2
    for secret in (endpoint["secret"], new_secret):
        verify_signature(during.body, during.headers, secret)

    await clock.advance(24 * 3600)
    await client.post("/v1/messages", json=message())
    await clock.advance(0)
    after = receiver.deliveries[-1]
    assert after.headers["ccx-signature"].count("v1=") == 1
    verify_signature(after.body, after.headers, new_secret)
    with pytest.raises(WebhookVerificationError):
        verify_signature(after.body, after.headers, endpoint["secret"])


async def test_test_event_reaches_the_endpoint_but_not_the_event_log(
    mock: tuple[httpx.AsyncClient, MockState], receiver: Receiver, clock: FrozenClock
) -> None:
    client, _ = mock
    endpoint = await subscribe(client, receiver.url, "template.approved")
    response = await client.post(
        f"/v1/webhook_endpoints/{endpoint['id']}/test", json={"event": "message.read"}
    )
    assert response.status_code == 200
    assert response.json()["event"] == "message.read"
    await clock.advance(0)
    assert [delivery.event_type for delivery in receiver.deliveries] == ["message.read"]
    verify_signature(
        receiver.deliveries[0].body,
        receiver.deliveries[0].headers,
        endpoint["secret"],
    )
    assert (await client.get("/v1/events")).json()["data"] == []


async def test_endpoint_secret_is_shown_once(
    mock: tuple[httpx.AsyncClient, MockState], receiver: Receiver
) -> None:
    client, _ = mock
    endpoint = await subscribe(client, receiver.url, "*")
    listed = (await client.get("/v1/webhook_endpoints")).json()["data"]
    assert [item["id"] for item in listed] == [endpoint["id"]]
    assert "secret" not in listed[0]
    assert endpoint["secret"] not in repr(mock[1].workspaces["wks_demo"].endpoints)
    deleted = await client.delete(f"/v1/webhook_endpoints/{endpoint['id']}")
    assert deleted.status_code == 204
    assert (await client.get(f"/v1/webhook_endpoints/{endpoint['id']}")).status_code == 404


def test_deliveries_from_a_socket_server_follow_its_clock(
    server: MockServer, http: httpx.Client, receiver: Receiver
) -> None:
    created = http.post(
        "/v1/webhook_endpoints", json={"url": receiver.url, "events": ["message.read"]}
    )
    secret = created.json()["secret"]
    receiver.script["message.read"] = [503]
    sent = http.post("/v1/messages", json=message(READS)).json()

    server.advance(3)  # sent, delivered at +1 s, read at +3 s: the first attempt fails
    assert [delivery.status for delivery in receiver.deliveries] == [503]
    server.advance(10)
    assert [delivery.status for delivery in receiver.deliveries] == [503, 200]
    final = receiver.deliveries[-1]
    assert final.envelope["data"]["message_id"] == sent["id"]
    # The mock clock started days ago; the signature carries the wall time all the same, so a
    # receiver checking it against its own clock accepts it.
    verify_signature(final.body, final.headers, secret)
    attempts = [(attempt.attempt, attempt.status) for attempt in server.deliveries]
    assert attempts == [(1, 503), (2, 200)]


@pytest.mark.parametrize(
    "url",
    ["http://example.com/hooks", "ftp://127.0.0.1/hooks", "https:///no-host", "not a url"],
)
async def test_endpoint_urls_must_be_https_or_local_http(
    mock: tuple[httpx.AsyncClient, MockState], url: str
) -> None:
    client, _ = mock
    response = await client.post("/v1/webhook_endpoints", json={"url": url, "events": ["*"]})
    assert response.status_code == 400
    assert response.json()["error"]["param"] == "url"


async def redeliver(client: httpx.AsyncClient, event_id: str, endpoint_id: str) -> httpx.Response:
    return await client.post(f"/v1/events/{event_id}/redeliver", json={"endpoint_id": endpoint_id})


async def test_redeliver_sends_one_event_now_and_stops_its_pending_retries(
    mock: tuple[httpx.AsyncClient, MockState], receiver: Receiver, clock: FrozenClock
) -> None:
    client, state = mock
    endpoint = await subscribe(client, receiver.url, "message.sent")
    receiver.script["message.sent"] = [500]
    await client.post("/v1/messages", json=message())
    await clock.advance(0)
    failed = receiver.deliveries[-1]
    assert failed.status == 500

    answer = await redeliver(client, failed.event_id, endpoint["id"])
    assert answer.status_code == 202
    assert answer.json() == {
        "object": "event_redelivery",
        "event_id": failed.event_id,
        "endpoint_id": endpoint["id"],
    }
    await clock.advance(0)  # at once: the automatic retry is 10 s away
    assert [(d.event_id, d.status) for d in receiver.deliveries] == [
        (failed.event_id, 500),
        (failed.event_id, 200),
    ]
    attempts = state.workspaces["wks_demo"].deliveries.attempts
    assert [attempt.attempt for attempt in attempts] == [1, 2]
    assert attempts[-1].response == ""
    assert attempts[0].signature.startswith("t=")

    await clock.advance(24 * 3600)
    assert len(receiver.deliveries) == 2  # acknowledged by the redelivery: no more retries


async def test_redelivering_an_acknowledged_event_repeats_it(
    mock: tuple[httpx.AsyncClient, MockState], receiver: Receiver, clock: FrozenClock
) -> None:
    client, _ = mock
    endpoint = await subscribe(client, receiver.url, "message.sent")
    await client.post("/v1/messages", json=message())
    await clock.advance(0)
    event_id = receiver.deliveries[-1].event_id
    for _ in range(2):
        answer = await redeliver(client, event_id, endpoint["id"])
        assert answer.status_code == 202
    await clock.advance(0)
    assert [delivery.event_id for delivery in receiver.acknowledged()] == [event_id] * 3


async def test_redeliver_refuses_what_it_cannot_deliver(
    mock: tuple[httpx.AsyncClient, MockState], receiver: Receiver, clock: FrozenClock
) -> None:
    client, _ = mock
    endpoint = await subscribe(client, receiver.url, "message.sent")
    await client.post("/v1/messages", json=message())
    await clock.advance(0)
    queued = (await client.get("/v1/events", params={"event": "message.queued"})).json()
    event_id = queued["data"][0]["id"]

    unsubscribed = await redeliver(client, event_id, endpoint["id"])
    assert unsubscribed.status_code == 409
    assert unsubscribed.json()["error"]["code"] == "endpoint_not_subscribed"
    assert "message.queued" in unsubscribed.json()["error"]["message"]

    unknown_endpoint = await redeliver(client, event_id, "whe_nope")
    assert unknown_endpoint.status_code == 404
    assert unknown_endpoint.json()["error"]["param"] == "endpoint_id"

    await client.patch(f"/v1/webhook_endpoints/{endpoint['id']}", json={"status": "disabled"})
    sent = receiver.deliveries[-1].event_id
    disabled = await redeliver(client, sent, endpoint["id"])
    assert disabled.status_code == 409
    assert "disabled" in disabled.json()["error"]["message"]

    await clock.advance(31 * 24 * 3600)
    expired = await redeliver(client, sent, endpoint["id"])
    assert expired.status_code == 410
    assert len(receiver.deliveries) == 1
