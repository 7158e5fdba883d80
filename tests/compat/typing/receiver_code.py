"""Tests typed as users type them: ``wait_for`` gives each event type its own class.

Each line that must be refused ends with ``# refused``; every other line must be accepted.
"""

from __future__ import annotations

from typing_extensions import assert_type

from ccx.testing import WebhookReceiver
from ccx.types import BroadcastCompletedEvent, Event, MessageReadEvent


def read_receipt(receiver: WebhookReceiver) -> str:
    event = receiver.wait_for("message.read", message_id="msg_1", timeout=2)
    assert_type(event, MessageReadEvent)
    return event.data.message_id


def broadcast_done(receiver: WebhookReceiver) -> int:
    event = receiver.wait_for("broadcast.completed", max_advance=60)
    assert_type(event, BroadcastCompletedEvent)
    return event.data.counts.total


def newer_type(receiver: WebhookReceiver) -> Event:
    event_type = "message.teleported"
    return receiver.wait_for(event_type)


def wrong_data(receiver: WebhookReceiver) -> object:
    return receiver.wait_for("message.sent").data.counts  # refused


def misspelt_option(receiver: WebhookReceiver) -> None:
    receiver.wait_for("message.read", message="msg_1")  # refused
