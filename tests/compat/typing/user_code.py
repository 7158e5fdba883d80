"""User code that handles response enums and events: checked by mypy --strict and pyright strict.

Each line that must be refused ends with ``# refused``; every other line must be accepted.
"""

from __future__ import annotations

from typing_extensions import assert_never

import ccx
from ccx.types import Event, Message, MessageDeliveredEvent, MessageStatus, UnknownEvent


def label(message: Message) -> str:
    if message.status == "delivered":
        return "reached the phone"
    match message.status:
        case "failed" | "canceled":
            return "never arrived"
        case _:
            return f"status {message.status}"  # a status a newer API added lands here too


def exhaustive(message: Message) -> str:
    match message.status:
        case "scheduled" | "queued" | "sent" | "delivered" | "read" | "failed" | "canceled":
            return "known"
        case "received":
            return "inbound"
        case other:
            assert_never(other)  # refused


def same_status(client: ccx.CCX, message: Message) -> None:
    client.messages.list(status=message.status)  # refused
    status: MessageStatus = "delivered"
    if message.status == status:
        client.messages.list(status=status)
    client.messages.list(status="deliverd")  # refused


def handle(event: Event) -> str:
    if isinstance(event, MessageDeliveredEvent):
        return event.data.message_id
    if isinstance(event, UnknownEvent):
        return f"{event.event}: {event.raw_dict}"
    return event.event
