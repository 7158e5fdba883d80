"""Broadcasts: what one is, how its progress adds up, and how its live stream is read.

A running broadcast creates its messages in batches (``ccx.mock._lifecycle`` runs it on the
clock). ``position`` is the next recipient to send to, so pause and resume neither skip nor
repeat anyone. Progress is counted incrementally as messages move (nothing is rescanned).

The published events are kept per broadcast with monotonic integer ids: that history is the
Server-Sent Events stream, so a client reconnecting with ``Last-Event-ID`` gets exactly what it
missed. It grows with batches and seconds, not with recipients.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from ccx.types.enums import BroadcastStatus

from ._clock import Timer, isoformat
from ._pricing import CURRENCY, BillingCategory, price
from ._signal import Signal
from ._transaction import current_transaction, journaled

__all__ = [
    "SSE_RETRY_MILLISECONDS",
    "BroadcastRecord",
    "StreamEvent",
    "StreamHistory",
    "cost_preview",
    "new_broadcast_id",
]

SSE_RETRY_MILLISECONDS = 3000
KEEP_ALIVE_SECONDS = 15.0
"""Real seconds of silence after which the stream sends a comment line."""

COUNTED = frozenset({"queued", "sent", "delivered", "read", "failed", "canceled"})
"""The message statuses a broadcast's counts report."""


def new_broadcast_id() -> str:
    return f"brd_{secrets.token_hex(8)}"


def cost_preview(recipients: int, category: BillingCategory, channel: str) -> dict[str, Any]:
    """The ``BroadcastPreview`` of a dry run: every recipient billed in the template's category."""
    cost = round(price(category, channel) * recipients, 4)
    return {
        "recipients": recipients,
        "estimated_cost": cost,
        "currency": CURRENCY,
        "by_category": {category: {"recipients": recipients, "estimated_cost": cost}},
    }


@dataclass(frozen=True, slots=True)
class StreamEvent:
    id: int
    event: str
    data: str

    def encode(self) -> bytes:
        """One SSE frame; ``data`` is the JSON of a ``BroadcastStreamEvent``."""
        return f"id: {self.id}\nevent: {self.event}\ndata: {self.data}\n\n".encode()


class StreamHistory:
    """A broadcast's published events, in order: append-only, cut back if a request fails."""

    __slots__ = ("_events", "changed")

    def __init__(self) -> None:
        self._events: list[StreamEvent] = []
        self.changed = Signal()

    def __len__(self) -> int:
        return len(self._events)

    def __getitem__(self, index: int) -> StreamEvent:
        return self._events[index]

    def append(self, event_type: str, data: str) -> None:
        transaction = current_transaction()
        if transaction is not None:
            transaction.remember_log(self)
        self._events.append(StreamEvent(len(self._events) + 1, event_type, data))
        self.changed.notify()

    def rollback_point(self) -> int:
        return len(self._events)

    def rewind(self, point: int) -> None:
        del self._events[point:]


@journaled
class BroadcastRecord:
    id: str
    workspace_id: str
    name: str
    template: Mapping[str, Any]
    """The template every message carries: name, language, variables (one shared dict)."""
    category: BillingCategory
    segment_id: str
    recipients: tuple[str, ...]
    rate_limit_per_minute: int
    priority: str
    created_at: float
    trace_id: str | None = None
    idempotency_key: str | None = None
    channel: str = "whatsapp"
    schedule_at: float | None = None
    timezone: str | None = None
    status: BroadcastStatus = "running"
    position: int = 0
    """The next recipient to create a message for."""
    counts: Mapping[str, int] = field(default_factory=lambda: dict.fromkeys(sorted(COUNTED), 0))
    """Created messages by status; recipients not yet reached are counted as queued. Replaced,
    never changed in place, so a failed request's change is undone with the attribute."""
    settled: int = 0
    """Created messages that have reached the end of their lifecycle (read aside)."""
    started_at: float | None = None
    completed_at: float | None = None
    paused_at: float | None = None
    canceled_at: float | None = None
    next_batch_at: float = 0.0
    generation: int = 0
    """Bumped on every pause, resume and cancel: a batch loop of an older generation stops."""
    timer: Timer | None = field(default=None, repr=False)
    """The scheduled start, while ``scheduled``."""
    progress_timer: Timer | None = field(default=None, repr=False)
    stream: StreamHistory = field(default_factory=StreamHistory, repr=False)

    @property
    def finished(self) -> bool:
        return self.status in ("completed", "canceled")

    def payload(self) -> dict[str, Any]:
        """The ``Broadcast`` resource (optional fields left out while unset)."""

        def stamp(value: float | None) -> str | None:
            return isoformat(value) if value is not None else None

        fields: dict[str, Any] = {
            "id": self.id,
            "object": "broadcast",
            "name": self.name,
            "template": self.template["name"],
            "language": self.template["language"],
            "variables": dict(self.template["variables"]),
            "segment_id": self.segment_id,
            "priority": self.priority,
            "status": self.status,
            "rate_limit_per_minute": self.rate_limit_per_minute,
            "schedule_at": stamp(self.schedule_at),
            "timezone": self.timezone,
            "idempotency_key": self.idempotency_key,
            "counts": self.progress(),
            "created_at": isoformat(self.created_at),
            "started_at": stamp(self.started_at),
            "completed_at": stamp(self.completed_at),
            "paused_at": stamp(self.paused_at),
            "canceled_at": stamp(self.canceled_at),
        }
        return {name: value for name, value in fields.items() if value is not None}

    def progress(self) -> dict[str, int]:
        """``BroadcastCounts``: they always add up to ``total``."""
        counts = dict(self.counts)
        not_reached = len(self.recipients) - self.position
        if self.status == "canceled":
            counts["canceled"] += not_reached
        else:
            counts["queued"] += not_reached
        return {"total": len(self.recipients), **counts}

    def is_done(self) -> bool:
        """Running, every recipient reached, and every message at the end of its lifecycle."""
        return (
            self.status == "running"
            and self.position == len(self.recipients)
            and self.settled == self.position
        )

    async def events_after(self, last_event_id: int) -> AsyncIterator[bytes]:
        """SSE bytes: every event after ``last_event_id``, then live ones until completion.

        The first frame also carries the ``retry:`` hint (a frame of its own would read as an
        empty event to some clients).
        """
        hint = f"retry: {SSE_RETRY_MILLISECONDS}\n".encode()
        stream = self.stream
        cursor = max(0, last_event_id)
        if self.finished and cursor >= len(stream):
            # Reconnecting after the end: say again how it ended rather than hang.
            yield hint + stream[len(stream) - 1].encode()
            return
        while True:
            while cursor < len(stream):
                event = stream[cursor]
                cursor += 1
                yield hint + event.encode()
                hint = b""
                if event.event == "broadcast.completed":
                    return
            if not await stream.changed.wait(KEEP_ALIVE_SECONDS):
                # Idle streams (a broadcast scheduled for next week) keep proxies from closing.
                yield b": keep-alive\n\n"
