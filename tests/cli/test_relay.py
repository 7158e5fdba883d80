"""The relay behind ``ccx webhooks listen``: what it does with forged and undeliverable posts."""

from __future__ import annotations

import time
from collections.abc import Generator, Iterator
from contextlib import contextmanager

import httpx
import pytest

from ccx.cli._relay import Forwarded, Relay
from ccx.testing import WebhookReceiver
from ccx.webhooks import sign

ENDPOINT_SECRET = "whsec_the_endpoint_secret_from_ccx"
LOCAL_SECRET = "whsec_the_local_secret_for_the_app"


@pytest.fixture
def app() -> Iterator[WebhookReceiver]:
    with WebhookReceiver(secret=LOCAL_SECRET) as receiver:
        yield receiver


@contextmanager
def relay_to(url: str, reports: list[Forwarded]) -> Generator[Relay, None, None]:
    with httpx.Client() as http:
        yield Relay(
            endpoint_secret=ENDPOINT_SECRET,
            local_secret=LOCAL_SECRET,
            forward_to=url,
            http=http,
            report=reports.append,
        )


def delivery_headers(body: bytes, secret: str) -> dict[str, str]:
    return {
        "ccx-signature": sign(body, secret),
        "ccx-event-id": "evt_1",
        "ccx-event-type": "message.queued",
    }


def test_a_signed_delivery_reaches_the_app_signed_with_the_local_secret(
    app: WebhookReceiver, event_body: bytes
) -> None:
    reports: list[Forwarded] = []
    with relay_to(app.url, reports) as relay:
        status = relay.handle("/", delivery_headers(event_body, ENDPOINT_SECRET), event_body)

    assert status == 200
    (delivery,) = app.deliveries
    assert delivery.body == event_body
    assert delivery.event is not None  # verified by the app with LOCAL_SECRET
    assert delivery.headers["ccx-event-id"] == "evt_1"
    assert reports == [Forwarded("message.queued", "evt_1", 200)]


@pytest.mark.parametrize("secret", ["whsec_someone_else", LOCAL_SECRET])
def test_a_delivery_not_signed_by_ccx_never_reaches_the_app(
    app: WebhookReceiver, event_body: bytes, secret: str
) -> None:
    reports: list[Forwarded] = []
    with relay_to(app.url, reports) as relay:
        status = relay.handle("/", delivery_headers(event_body, secret), event_body)

    assert status == 400
    assert app.deliveries == []
    (report,) = reports
    assert report.status == 400
    assert report.problem is not None
    assert report.problem.startswith("rejected, signature_mismatch: ")
    assert ENDPOINT_SECRET not in report.problem


def test_a_replayed_delivery_never_reaches_the_app(app: WebhookReceiver, event_body: bytes) -> None:
    reports: list[Forwarded] = []
    stale = {
        **delivery_headers(event_body, ENDPOINT_SECRET),
        "ccx-signature": sign(event_body, ENDPOINT_SECRET, timestamp=int(time.time()) - 3600),
    }
    with relay_to(app.url, reports) as relay:
        status = relay.handle("/", stale, event_body)

    assert status == 400
    assert app.deliveries == []
    (report,) = reports
    assert report.problem is not None
    assert report.problem.startswith("rejected, timestamp_outside_tolerance: ")


def test_an_unreachable_app_is_a_bad_gateway_so_ccx_redelivers(
    event_body: bytes, unused_port: int
) -> None:
    url = f"http://127.0.0.1:{unused_port}/webhooks"
    reports: list[Forwarded] = []
    with relay_to(url, reports) as relay:
        status = relay.handle("/", delivery_headers(event_body, ENDPOINT_SECRET), event_body)

    assert status == 502
    assert reports == [
        Forwarded("message.queued", "evt_1", 502, f"could not reach {url}: ConnectError")
    ]


def test_the_relay_repr_hides_both_secrets() -> None:
    reports: list[Forwarded] = []
    with relay_to("http://127.0.0.1:8000/webhooks", reports) as relay:
        shown = repr(relay)

    assert ENDPOINT_SECRET not in shown
    assert LOCAL_SECRET not in shown
