"""Conversations: one per contact and channel, with WhatsApp's 24 h customer-care window.

The window opens (or re-opens) with every inbound message from the contact and closes 24 h
later on the clock; only inside it may a business send free-form text, media or interactive
messages on WhatsApp. A template can be sent any time and is how a business starts talking.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ._clock import isoformat
from ._transaction import journal

__all__ = ["WINDOW_SECONDS", "ConversationRecord", "most_recent_first", "window_applies"]

WINDOW_SECONDS = 24 * 3600.0


def most_recent_first(conversations: Iterable[ConversationRecord]) -> list[ConversationRecord]:
    """Most recently active first; creation order (``conversations`` is oldest first) breaks ties."""
    return sorted(
        conversations,
        key=lambda item: item.last_message_at or item.created_at,
        reverse=True,
    )


def window_applies(channel: str) -> bool:
    """Only WhatsApp restricts free-form messages to the customer-care window."""
    return channel == "whatsapp"


@dataclass(slots=True, eq=False)
class ConversationRecord:
    """Made and changed in bulk by background work, so not `journaled`: `record` saves it for a
    request that changes it."""

    contact: str
    channel: str
    created_at: float
    id: str = field(default_factory=lambda: f"cnv_{secrets.token_hex(8)}")
    last_inbound_at: float | None = None
    last_message_at: float | None = None
    message_count: int = 0

    def window_expires_at(self) -> float | None:
        if self.last_inbound_at is None:
            return None
        return self.last_inbound_at + WINDOW_SECONDS

    def window_open(self, now: float) -> bool:
        expires = self.window_expires_at()
        return expires is not None and now < expires

    def record(self, at: float, *, inbound: bool) -> None:
        journal(self, "message_count", "last_message_at", "last_inbound_at")
        self.message_count += 1
        self.last_message_at = at
        if inbound:
            self.last_inbound_at = at

    def payload(self, now: float) -> dict[str, Any]:
        expires = self.window_expires_at()
        last = self.last_message_at if self.last_message_at is not None else self.created_at
        return {
            "id": self.id,
            "object": "conversation",
            "contact": self.contact,
            "channel": self.channel,
            "status": "open" if self.window_open(now) else "closed",
            "window_expires_at": isoformat(expires) if expires is not None else None,
            "message_count": self.message_count,
            "last_message_at": isoformat(last),
            "created_at": isoformat(self.created_at),
        }

    def event_data(self, event_type: str, at: float) -> dict[str, Any]:
        """``ContactEventData`` for ``contact.created``, else ``ConversationEventData`` at ``at``."""
        if event_type == "contact.created":
            return {"contact": self.contact, "channel": self.channel, "conversation_id": self.id}
        expires = self.window_expires_at()
        return {
            "conversation_id": self.id,
            "contact": self.contact,
            "channel": self.channel,
            "status": "open" if self.window_open(at) else "closed",
            "window_expires_at": isoformat(expires) if expires is not None else None,
        }
