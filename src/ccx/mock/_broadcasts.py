"""Broadcasts: a template to every recipient of a segment, in paced batches, with a live stream.

A running broadcast creates its messages in batches of up to 500, one batch per
``batch / rate_limit_per_minute`` minutes on the clock, each recipient a real message with its
own lifecycle. ``position`` is the next recipient to send to, so pause and resume neither skip
nor repeat anyone. Progress is counted incrementally as messages move (nothing is rescanned) and
published as ``broadcast.progress`` events (after every batch, and at most once per clock second
as messages move), then ``broadcast.completed`` when every message has reached the end of its
lifecycle (delivered, failed, or ``sent`` for a recipient that never confirms).

The published events are kept per broadcast with monotonic integer ids: that list is the
Server-Sent Events stream, so a client reconnecting with ``Last-Event-ID`` gets exactly what it
missed. It grows with batches and seconds, not with recipients.
"""

from __future__ import annotations

import asyncio
import json
import secrets
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, TypeAlias

from ._clock import Timer, isoformat
from ._pricing import CURRENCY, BillingCategory, price

if TYPE_CHECKING:
    from ._engine import Engine

__all__ = [
    "BATCH_SIZE",
    "SSE_RETRY_MILLISECONDS",
    "BroadcastRecord",
    "BroadcastStatus",
    "cost_preview",
    "new_broadcast_id",
]

BATCH_SIZE = 500
PROGRESS_INTERVAL_SECONDS = 1.0
SSE_RETRY_MILLISECONDS = 3000
KEEP_ALIVE_SECONDS = 15.0
"""Real seconds of silence after which the stream sends a comment line."""

BroadcastStatus: TypeAlias = Literal[
    "scheduled", "running", "paused", "completed", "canceled", "dry_run"
]

_COUNTED = frozenset({"queued", "sent", "delivered", "read", "failed", "canceled"})


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


@dataclass(eq=False)
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
    engine: Engine = field(repr=False)
    trace_id: str | None = None
    idempotency_key: str | None = None
    channel: str = "whatsapp"
    schedule_at: float | None = None
    timezone: str | None = None
    status: BroadcastStatus = "running"
    position: int = 0
    """The next recipient to create a message for."""
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(sorted(_COUNTED), 0))
    """Created messages by status; recipients not yet reached are counted as queued."""
    settled: int = 0
    """Created messages that have reached the end of their lifecycle (read aside)."""
    started_at: float | None = None
    completed_at: float | None = None
    paused_at: float | None = None
    canceled_at: float | None = None
    next_batch_at: float = 0.0
    stream: list[StreamEvent] = field(default_factory=list[StreamEvent], repr=False)
    _generation: int = 0
    _timer: Timer | None = field(default=None, repr=False)
    _progress_timer: Timer | None = field(default=None, repr=False)
    _changed: asyncio.Event | None = field(default=None, repr=False)

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

    # -- control -----------------------------------------------------------------------------

    def begin(self) -> None:
        """Start now, or at ``schedule_at`` when that is in the future."""
        clock = self.engine.clock
        if self.schedule_at is not None and self.schedule_at > clock.now():
            self.status = "scheduled"
            self._timer = clock.call_at(self.schedule_at, self._start)
        else:
            self._start()

    def pause(self) -> None:
        self.status = "paused"
        self.paused_at = self.engine.clock.now()
        self._generation += 1

    def resume(self) -> None:
        self.status = "running"
        self._launch()

    def cancel(self) -> None:
        """Stop: recipients not reached are canceled; messages already queued continue."""
        if self._timer is not None:
            self._timer.cancel()
        self._generation += 1
        self.status = "canceled"
        self.canceled_at = self.engine.clock.now()
        self._finish("canceled")

    def message_moved(self, previous: str, current: str) -> None:
        """Called by the engine when one of this broadcast's messages changes status."""
        if previous == current:
            return
        if previous in _COUNTED:
            self.counts[previous] -= 1
        if current in _COUNTED:
            self.counts[current] += 1
        if self._progress_timer is None and not self.finished:
            self._progress_timer = self.engine.clock.call_later(
                PROGRESS_INTERVAL_SECONDS, self._timed_progress
            )

    def message_settled(self) -> None:
        """Called by the engine when one of this broadcast's messages reaches its end."""
        self.settled += 1
        if self._is_done():
            self._finish("completed")

    # -- the stream --------------------------------------------------------------------------

    async def events_after(self, last_event_id: int) -> AsyncIterator[bytes]:
        """SSE bytes: every event after ``last_event_id``, then live ones until completion.

        The first frame also carries the ``retry:`` hint (a frame of its own would read as an
        empty event to some clients).
        """
        hint = f"retry: {SSE_RETRY_MILLISECONDS}\n".encode()
        cursor = max(0, last_event_id)
        if self.finished and cursor >= len(self.stream):
            # Reconnecting after the end: say again how it ended rather than hang.
            yield hint + self.stream[-1].encode()
            return
        while True:
            while cursor < len(self.stream):
                event = self.stream[cursor]
                cursor += 1
                yield hint + event.encode()
                hint = b""
                if event.event == "broadcast.completed":
                    return
            try:
                await asyncio.wait_for(self._changed_event().wait(), KEEP_ALIVE_SECONDS)
            except asyncio.TimeoutError:
                # Idle streams (a broadcast scheduled for next week) keep proxies from closing.
                yield b": keep-alive\n\n"

    # -- internals ---------------------------------------------------------------------------

    def _start(self) -> None:
        self._timer = None
        self.status = "running"
        self.started_at = self.engine.clock.now()
        self._launch()

    def _launch(self) -> None:
        self._generation += 1
        self.engine.clock.spawn(self._run(self._generation))

    async def _run(self, generation: int) -> None:
        clock = self.engine.clock
        batch_size = min(BATCH_SIZE, max(1, self.rate_limit_per_minute))
        interval = batch_size * 60.0 / self.rate_limit_per_minute
        while self._generation == generation and self.position < len(self.recipients):
            if self.next_batch_at > clock.now():
                await clock.sleep_until(self.next_batch_at)
                continue
            batch = self.recipients[self.position : self.position + batch_size]
            for recipient in batch:
                self.position += 1
                self.counts["queued"] += 1
                self.engine.create_message(
                    self.workspace_id,
                    to=recipient,
                    channel=self.channel,
                    kind="template",
                    content=self.template,
                    category=self.category,
                    priority=self.priority,
                    trace_id=self.trace_id,
                    broadcast=self,
                )
            self.next_batch_at = clock.now() + interval
            self._publish("broadcast.progress")
        if self._generation == generation and self._is_done():
            self._finish("completed")

    def _is_done(self) -> bool:
        return (
            self.status == "running"
            and self.position == len(self.recipients)
            and self.settled == self.position
        )

    def _timed_progress(self) -> None:
        self._progress_timer = None
        if not self.finished:
            self._publish("broadcast.progress")

    def _finish(self, status: Literal["completed", "canceled"]) -> None:
        if self._progress_timer is not None:
            self._progress_timer.cancel()
            self._progress_timer = None
        if status == "completed":
            self.status = "completed"
            self.completed_at = self.engine.clock.now()
            self._publish("broadcast.progress")
        self._publish("broadcast.completed")

    def _publish(self, event_type: str) -> None:
        """Emit the event, and append the same event (its id, its body) to the SSE stream."""
        data: dict[str, Any] = {
            "broadcast_id": self.id,
            "status": self.status,
            "counts": self.progress(),
            "name": self.name,
        }
        if self.completed_at is not None:
            data["completed_at"] = isoformat(self.completed_at)
        event = self.engine.emit(self.workspace_id, event_type, data, trace_id=self.trace_id)
        frame = json.dumps(event.envelope(isoformat), separators=(",", ":"))
        self.stream.append(StreamEvent(len(self.stream) + 1, event_type, frame))
        if self._changed is not None:
            self._changed.set()
            self._changed = None

    def _changed_event(self) -> asyncio.Event:
        if self._changed is None:
            self._changed = asyncio.Event()
        return self._changed
