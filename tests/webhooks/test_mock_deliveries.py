"""End to end: the mock server's signed deliveries, received by each framework helper.

The SDK sends a message to the mock; the mock POSTs the resulting events, signed with the
endpoint's secret, to a FastAPI, Flask or Django receiver on loopback. Every delivery must be
acknowledged, which the receivers only do for a verified, typed event.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager

import pytest

from ccx import CCX
from ccx.mock import MockServer
from ccx.testing import WebhookReceiver
from ccx.types import BroadcastCompletedEvent, BroadcastProgressEvent
from ccx.webhooks import SignatureMismatchError, verify_signature

from ._apps import django_app, fastapi_app, flask_app
from ._servers import serve_asgi, serve_wsgi

SERVERS: dict[str, Callable[[], AbstractContextManager[str]]] = {
    "fastapi": lambda: serve_asgi(fastapi_app()),
    "flask": lambda: serve_wsgi(flask_app()),
    "django": lambda: serve_wsgi(django_app()),
}


@pytest.fixture(params=sorted(SERVERS))
def receiver_url(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    # The helpers check at startup that a secret is configured; each test sets the endpoint's.
    monkeypatch.setenv("CCX_WEBHOOK_SECRET", "whsec_until_the_endpoint_exists")
    with SERVERS[request.param]() as base_url:
        yield f"{base_url}/configured"


def test_every_mock_delivery_is_verified_and_acknowledged(
    ccx_mock: MockServer,
    ccx_client: CCX,
    receiver_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    endpoint = ccx_client.webhook_endpoints.create(url=receiver_url, events=["*"])
    # The receivers read CCX_WEBHOOK_SECRET per request; the mock signs on its own clock,
    # which starts at the wall time, so the default tolerance applies unchanged.
    monkeypatch.setenv("CCX_WEBHOOK_SECRET", endpoint.secret)
    message = ccx_client.messages.send(
        to="+15550000001",  # the demo world's recipient that always receives and reads
        channel="whatsapp",
        template={
            "name": "order_confirmation",
            "language": "pt_BR",
            "variables": {"1": "Maria", "2": "#A8492", "3": "R$ 349,90"},
        },
        idempotency_key="ord_A8492_webhooks",
    )
    ccx_mock.advance(60)

    attempts = [attempt for attempt in ccx_mock.deliveries if attempt.endpoint_id == endpoint.id]
    assert {"message.queued", "message.delivered"} <= {attempt.event_type for attempt in attempts}
    assert all(attempt.acknowledged for attempt in attempts), attempts
    assert message.id


def test_a_delivery_signed_with_another_secret_is_refused_and_redelivered(
    ccx_mock: MockServer,
    ccx_client: CCX,
    receiver_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    endpoint = ccx_client.webhook_endpoints.create(url=receiver_url, events=["message.queued"])
    monkeypatch.setenv("CCX_WEBHOOK_SECRET", "whsec_not_this_endpoints_secret")
    ccx_client.messages.send(
        to="+15550000001",
        channel="whatsapp",
        template={
            "name": "order_confirmation",
            "language": "pt_BR",
            "variables": {"1": "Maria", "2": "#A8492", "3": "R$ 349,90"},
        },
        idempotency_key="ord_A8492_forged",
    )
    ccx_mock.advance(1)
    attempts = [attempt for attempt in ccx_mock.deliveries if attempt.endpoint_id == endpoint.id]
    assert [attempt.status for attempt in attempts] == [400]

    # Once the receiver holds the right secret, the redelivery is accepted.
    monkeypatch.setenv("CCX_WEBHOOK_SECRET", endpoint.secret)
    ccx_mock.advance(10)
    attempts = [attempt for attempt in ccx_mock.deliveries if attempt.endpoint_id == endpoint.id]
    assert [attempt.status for attempt in attempts] == [400, 200]


def _send_order(client: CCX, idempotency_key: str) -> None:
    client.messages.send(
        to="+15550000001",
        channel="whatsapp",
        template={
            "name": "order_confirmation",
            "language": "pt_BR",
            "variables": {"1": "Maria", "2": "#A8492", "3": "R$ 349,90"},
        },
        idempotency_key=idempotency_key,
    )


def test_a_secret_rotation_keeps_deliveries_verifying_through_the_overlap(
    ccx_mock: MockServer,
    ccx_client: CCX,
    receiver_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    endpoint = ccx_client.webhook_endpoints.create(url=receiver_url, events=["message.queued"])
    rotated = ccx_client.webhook_endpoints.rotate_secret(endpoint.id)
    assert rotated.secret != endpoint.secret

    # A receiver not yet given the new secret keeps verifying during the overlap…
    monkeypatch.setenv("CCX_WEBHOOK_SECRET", endpoint.secret)
    _send_order(ccx_client, "rotation_still_old")
    ccx_mock.advance(1)
    # …and so does one that already rolled the new secret out.
    monkeypatch.setenv("CCX_WEBHOOK_SECRET", rotated.secret)
    _send_order(ccx_client, "rotation_already_new")
    ccx_mock.advance(1)

    attempts = [attempt for attempt in ccx_mock.deliveries if attempt.endpoint_id == endpoint.id]
    assert [attempt.status for attempt in attempts] == [200, 200]


def test_after_the_overlap_only_the_new_secret_signs(ccx_mock: MockServer, ccx_client: CCX) -> None:
    with WebhookReceiver(mock=ccx_mock) as receiver:
        endpoint = receiver.register(ccx_client, events=["message.queued"])
        rotated = ccx_client.webhook_endpoints.rotate_secret(endpoint.id)
        ccx_mock.advance(24 * 3600 + 1)
        _send_order(ccx_client, "rotation_overlap_over")
        ccx_mock.advance(1)

    delivery = receiver.deliveries[0]
    assert delivery.status == 400  # the receiver still verifies with the retired secret
    verify_signature(delivery.body, delivery.headers, rotated.secret)
    with pytest.raises(SignatureMismatchError):
        verify_signature(delivery.body, delivery.headers, endpoint.secret)


def test_a_broadcasts_stream_gives_the_events_its_webhooks_receive(
    ccx_mock: MockServer, ccx_client: CCX
) -> None:
    """One class per event type: a handler (or an isinstance check) written for the webhook
    serves the stream too, and the event ids match, so one deduplication covers both."""
    segment = ccx_client.segments.create(
        name="stream and webhooks", recipients=[f"+55119000{n:05d}" for n in range(3)]
    )
    with WebhookReceiver(mock=ccx_mock) as receiver:
        receiver.register(ccx_client, events=["broadcast.progress", "broadcast.completed"])
        broadcast = ccx_client.broadcasts.create(
            name="both ways", template="black_friday_2026", language="pt_BR", segment_id=segment.id
        )
        receiver.wait_for("broadcast.completed")
        with ccx_client.broadcasts.events(broadcast.id) as stream:
            streamed = list(stream)  # a finished broadcast's stream replays it to the end
        delivered = {event.id: event for event in receiver.events}

    assert [type(event) for event in streamed[-2:]] == [
        BroadcastProgressEvent,
        BroadcastCompletedEvent,
    ]
    assert streamed == [delivered[event.id] for event in streamed]
    assert len(streamed) == len(delivered)
    assert streamed[-1].raw_dict["data"]["name"] == "both ways"
