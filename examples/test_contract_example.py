"""Contract tests of your CCX integration against the bundled mock, with the ccx pytest fixtures.

    pip install 'ccx-sdk[mock]' pytest
    pytest examples/test_contract_example.py

The fixtures come with ccx-sdk[mock]: ``ccx_client`` talks to a fresh mock server per test,
whose clock stands still until the test moves it; ``ccx_webhook_receiver`` is a real endpoint
that verifies every delivery; ``@pytest.mark.ccx_mock(...)`` configures the server.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

import ccx
from ccx.mock import MockServer
from ccx.testing import WebhookReceiver
from ccx.types import Message, MessageReadEvent

# -- the code under test: in your project, imported from your package --------------------------


@dataclass(frozen=True)
class Order:
    id: str
    customer_name: str
    phone: str
    total: str


def confirm_order(client: ccx.CCX, order: Order) -> Message:
    """Send the order confirmation once per order, however often this runs (a retried job)."""
    return client.messages.send(
        to=order.phone,
        channel="whatsapp",
        template={
            "name": "order_confirmation",
            "language": "pt_BR",
            "variables": {"1": order.customer_name, "2": order.id, "3": order.total},
        },
        idempotency_key=f"order-confirmation-{order.id}",
    )


# -- the contract tests -------------------------------------------------------------------------

ORDER = Order(id="#A8492", customer_name="Maria", phone="+15550000001", total="R$ 349,90")
"""+15550000001 is a sandbox number whose messages are delivered, then read."""


def test_the_confirmation_is_read_and_the_webhook_verifies(
    ccx_client: ccx.CCX, ccx_webhook_receiver: WebhookReceiver
) -> None:
    message = confirm_order(ccx_client, ORDER)

    # Moves the mock clock until the event arrives: no sleeping, no flakiness.
    event = ccx_webhook_receiver.wait_for("message.read", message_id=message.id)

    assert isinstance(event, MessageReadEvent)
    assert event.data.template == "order_confirmation"


@pytest.mark.ccx_mock(faults="error_rate=0.4,status=503,drop_after=0.2,seed=2")
def test_a_flaky_network_still_sends_one_confirmation_per_order(
    ccx_client: ccx.CCX, ccx_mock: MockServer
) -> None:
    client = ccx_client.with_options(max_retries=8)
    first = confirm_order(client, ORDER)
    again = confirm_order(client, ORDER)  # the job ran twice

    assert again.id == first.id
    assert [message.id for message in client.messages.list(to=ORDER.phone)] == [first.id]


def test_a_template_name_typo_is_a_clear_error(ccx_client: ccx.CCX) -> None:
    with pytest.raises(ccx.NotFoundError, match="order_confirmaton"):
        ccx_client.messages.send(
            to=ORDER.phone,
            channel="whatsapp",
            template={"name": "order_confirmaton", "language": "pt_BR"},
        )
