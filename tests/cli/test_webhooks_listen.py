"""``ccx webhooks listen`` end to end: mock → relay → a real receiver, then Ctrl-C cleans up.

The command holds the main thread, where signals land, as it does in a terminal; the test's
own steps run beside it and end it with a real SIGINT (or SIGTERM).
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable, Generator, Iterator
from contextlib import contextmanager

import pytest

from ccx import CCX
from ccx.mock import MockServer
from ccx.testing import WebhookReceiver
from ccx.types import WebhookEndpoint
from ccx.types.messages_params import TemplateInputParam

from .conftest import Invoke

APP_SECRET = "whsec_the_app_under_development"
ORDER: TemplateInputParam = {
    "name": "order_confirmation",
    "language": "pt_BR",
    "variables": {"1": "Maria", "2": "#A8492", "3": "R$ 349,90"},
}
_STARTUP_SECONDS = 60.0
_POLL_SECONDS = 0.02


def registered_endpoint(client: CCX) -> WebhookEndpoint:
    """The endpoint ``listen`` registers, once it exists (the command gives no other signal)."""
    deadline = time.monotonic() + _STARTUP_SECONDS
    pause = threading.Event()
    while time.monotonic() < deadline:
        endpoints = list(client.webhook_endpoints.list())
        if endpoints:
            (endpoint,) = endpoints
            return endpoint
        pause.wait(_POLL_SECONDS)
    raise TimeoutError("ccx webhooks listen registered no endpoint")


@contextmanager
def beside_the_command(
    client: CCX, steps: Callable[[WebhookEndpoint], None], signum: int = signal.SIGINT
) -> Generator[None, None, None]:
    """Run ``steps`` once the endpoint exists, then stop the command with ``signum``."""
    failures: list[BaseException] = []

    def run() -> None:
        # The signal goes out whatever happens here: a command left serving would hang the run.
        try:
            steps(registered_endpoint(client))
        except BaseException as error:
            failures.append(error)
        finally:
            signal.pthread_kill(threading.main_thread().ident or 0, signum)

    # A run started in the background (`pytest &`) inherits SIGINT ignored; a terminal has
    # Python's handler, which turns Ctrl-C into KeyboardInterrupt.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    thread = threading.Thread(target=run)
    thread.start()
    try:
        yield
    finally:
        thread.join()
        signal.signal(signal.SIGINT, previous)
    if failures:
        raise failures[0]


@pytest.fixture
def app(ccx_mock: MockServer) -> Iterator[WebhookReceiver]:
    """The application under development: verifies every request with its own secret.

    Its ``wait_for`` moves the mock clock, so redeliveries come at once.
    """
    with WebhookReceiver(secret=APP_SECRET, mock=ccx_mock) as receiver:
        yield receiver


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_listen_forwards_verified_deliveries_re_signed_then_deletes_its_endpoint(
    ccx: Invoke, ccx_mock: MockServer, app: WebhookReceiver, signum: int
) -> None:
    client = ccx_mock.client()
    sent: list[str] = []

    def steps(endpoint: WebhookEndpoint) -> None:
        assert endpoint.events == ["message.queued"]
        message = client.messages.send(to="+15550000001", channel="whatsapp", template=ORDER)
        sent.append(message.id)
        app.wait_for("message.queued", message_id=message.id)

    with beside_the_command(client, steps, signum):
        result = ccx(
            "webhooks", "listen", "--forward-to", app.url, "--forward-secret", APP_SECRET,
            "--events", "message.queued",
        )  # fmt: skip

    assert result.exit_code == 0, result.output
    (delivery,) = app.deliveries
    assert delivery.acknowledged
    assert delivery.event is not None
    assert delivery.event.event == "message.queued"
    assert delivery.message_id == sent[0]
    original = client.events.retrieve(delivery.event_id)
    assert original.id == delivery.event_id
    lines = result.stdout.splitlines()
    assert f"Forwarding to {app.url}, signed with {APP_SECRET}" in lines
    assert any(
        "message.queued" in line and delivery.event_id in line and "[200]" in line for line in lines
    )
    assert lines[-1].startswith("Deleted whe_")
    assert list(client.webhook_endpoints.list()) == []


def test_the_apps_failure_reaches_ccx_which_redelivers_through_the_relay(
    ccx: Invoke, ccx_mock: MockServer, app: WebhookReceiver
) -> None:
    client = ccx_mock.client()
    app.script["message.queued"] = [500]

    def steps(endpoint: WebhookEndpoint) -> None:
        message = client.messages.send(to="+15550000004", channel="whatsapp", template=ORDER)
        # Moves the mock clock past the first redelivery delay (10 s) until the app says 200.
        app.wait_for("message.queued", message_id=message.id)

    with beside_the_command(client, steps):
        result = ccx("webhooks", "listen", "--forward-to", app.url, "--forward-secret", APP_SECRET)

    assert result.exit_code == 0, result.output
    queued = [delivery for delivery in app.deliveries if delivery.event_type == "message.queued"]
    assert [delivery.status for delivery in queued] == [500, 200]
    assert queued[0].event_id == queued[1].event_id
    event_id = queued[0].event_id
    assert [line.split()[-3] for line in result.stdout.splitlines() if event_id in line] == [
        "[500]",
        "[200]",
    ]


@pytest.mark.parametrize("url", ["localhost:8000/webhooks", "ftp://example.com/", "http://"])
def test_the_forward_url_must_be_http(ccx: Invoke, ccx_mock: MockServer, url: str) -> None:
    result = ccx("webhooks", "listen", "--forward-to", url)

    assert result.exit_code == 2
    assert "is not an http(s) URL" in result.stderr
    assert list(ccx_mock.client().webhook_endpoints.list()) == []
