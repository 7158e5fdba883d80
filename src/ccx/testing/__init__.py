"""Test helpers for code that uses CCX: a webhook receiver, and the HTTP listener under it.

    from ccx.mock import MockServer
    from ccx.testing import WebhookReceiver

    with MockServer() as mock, WebhookReceiver(mock=mock) as receiver, mock.client() as client:
        receiver.register(client)  # an endpoint for every event, verified with its secret
        message = client.messages.send(to="+15550000001", channel="sms", text="Hi")
        event = receiver.wait_for("message.delivered", message_id=message.id)

The pytest plugin's ``ccx_webhook_receiver`` fixture is such a receiver; ``ccx webhooks
listen`` receives on a `WebhookListener`. Both run anywhere: a receiver verifies what real CCX
sends too, given the endpoint's secret. This module loads only the standard library and
typing-extensions; the mock and the verifier load when a receiver first needs them.
"""

from __future__ import annotations

from ._listener import Answer, WebhookListener
from ._receiver import WebhookDelivery, WebhookReceiver

__all__ = ["Answer", "WebhookDelivery", "WebhookListener", "WebhookReceiver"]
