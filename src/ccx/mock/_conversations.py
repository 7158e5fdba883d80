"""Conversations: one per contact and channel, with WhatsApp's two windows.

WhatsApp distinguishes two things a business might call "the window", and the mock keeps both:

- the **customer-care window**: 24 h from the contact's last inbound message. Only inside it may
  a business send free-form text, media or interactive messages. Only the contact opens it.
- the **conversation**: opened for 24 h by whichever comes first while none is open, a
  delivered template (``business_initiated``) or a message from the contact
  (``user_initiated``). Templates can be sent at any time; opening a conversation does not
  allow free-form messages, which still wait for the contact's reply.

``status`` is ``open`` while either is open. SMS and email have no conversation of their own:
there ``status`` follows the customer-care window, which no rule enforces.

The customer-care window announces itself: ``conversation.window_opened`` when the contact
writes while it is closed, ``conversation.window_expiring`` an hour before it closes and
``conversation.window_closed`` when it does, both on clock timers re-armed by every message
from the contact.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from ._clock import Timer, isoformat
from ._transaction import journal

__all__ = [
    "CONVERSATION_SECONDS",
    "EXPIRING_NOTICE_SECONDS",
    "WINDOW_SECONDS",
    "ConversationRecord",
    "Origin",
    "most_recent_first",
    "window_applies",
]

WINDOW_SECONDS = 24 * 3600.0
"""The customer-care window: this long after the contact's last message."""
CONVERSATION_SECONDS = 24 * 3600.0
"""A conversation lasts this long from when it opened, whatever happens inside it."""
EXPIRING_NOTICE_SECONDS = 3600.0
"""``conversation.window_expiring`` comes this long before the window closes."""

Origin = Literal["business_initiated", "user_initiated"]


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
    """Made and changed in bulk by background work, so not `journaled`: its methods save the
    fields they change for a request that changes it."""

    contact: str
    channel: str
    created_at: float
    id: str = field(default_factory=lambda: f"cnv_{secrets.token_hex(8)}")
    last_inbound_at: float | None = None
    last_message_at: float | None = None
    message_count: int = 0
    opened_at: float | None = None
    """When the current (or last) conversation opened."""
    origin: Origin | None = None
    window_timers: tuple[Timer, ...] = ()
    """The pending ``window_expiring`` and ``window_closed`` timers, replaced on every inbound."""

    def window_expires_at(self) -> float | None:
        if self.last_inbound_at is None:
            return None
        return self.last_inbound_at + WINDOW_SECONDS

    def window_open(self, now: float) -> bool:
        expires = self.window_expires_at()
        return expires is not None and now < expires

    def expires_at(self) -> float | None:
        """When ``status`` turns ``closed``: the later end of the conversation and the window."""
        ends = [
            end
            for end in (
                None if self.opened_at is None else self.opened_at + CONVERSATION_SECONDS,
                self.window_expires_at(),
            )
            if end is not None
        ]
        return max(ends) if ends else None

    def is_open(self, now: float) -> bool:
        expires = self.expires_at()
        return expires is not None and now < expires

    def record(self, at: float, *, inbound: bool) -> bool:
        """Count a message; an inbound one opens (or extends) the customer-care window and, when
        none is open, a user-initiated conversation. Returns whether it opened the window."""
        journal(self, "message_count", "last_message_at", "last_inbound_at", "opened_at", "origin")
        self.message_count += 1
        self.last_message_at = at
        if not inbound:
            return False
        opened_window = not self.window_open(at)
        if not self.is_open(at):
            self.opened_at, self.origin = at, "user_initiated"
        self.last_inbound_at = at
        return opened_window

    def open_business_initiated(self, at: float) -> None:
        """A template was delivered: it opens a conversation, if none is open (WhatsApp only)."""
        if window_applies(self.channel) and not self.is_open(at):
            journal(self, "opened_at", "origin")
            self.opened_at, self.origin = at, "business_initiated"

    def replace_window_timers(self, timers: tuple[Timer, ...]) -> None:
        journal(self, "window_timers")
        for timer in self.window_timers:
            timer.cancel()
        self.window_timers = timers

    def payload(self, now: float) -> dict[str, Any]:
        last = self.last_message_at if self.last_message_at is not None else self.created_at
        return {
            "id": self.id,
            "object": "conversation",
            "contact": self.contact,
            "channel": self.channel,
            **self._state(now),
            "message_count": self.message_count,
            "last_message_at": isoformat(last),
            "created_at": isoformat(self.created_at),
        }

    def event_data(self, event_type: str, at: float) -> dict[str, Any]:
        """``ContactEventData`` for ``contact.created``, else ``ConversationEventData`` at ``at``."""
        if event_type == "contact.created":
            return {"contact": self.contact, "channel": self.channel, "conversation_id": self.id}
        return {
            "conversation_id": self.id,
            "contact": self.contact,
            "channel": self.channel,
            **self._state(at),
        }

    def _state(self, now: float) -> dict[str, Any]:
        expires, window_expires = self.expires_at(), self.window_expires_at()
        return {
            "status": "open" if self.is_open(now) else "closed",
            "origin": self.origin,
            "expires_at": isoformat(expires) if expires is not None else None,
            "window_open": self.window_open(now),
            "window_expires_at": isoformat(window_expires) if window_expires is not None else None,
        }
