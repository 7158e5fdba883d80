"""The per-workspace event log: what happened, kept 30 days on the clock, listable and replayable.

Events are stored compactly because a broadcast to a million recipients produces several
million of them: an event holds its subject (a message, or a small dict) and renders its
``data`` when asked. Ids carry a per-workspace sequence number, so finding an event by id is
arithmetic rather than a second index of millions of entries.
"""

from __future__ import annotations

import bisect
import secrets
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from ._state import CURRENT_API_VERSION

__all__ = ["RETENTION_SECONDS", "EventLog", "EventRecord", "EventSubject", "sample_data"]

RETENTION_SECONDS = 30 * 24 * 3600.0
"""Events older than this on the clock are gone from list, retrieve and replay."""

_SEQUENCE_DIGITS = 10


class EventSubject(Protocol):
    """Something whose state an event reports, rendered as it was when the event happened."""

    def event_data(self, event_type: str, at: float) -> dict[str, Any]: ...


@dataclass(slots=True)
class EventRecord:
    id: str
    type: str
    created_at: float
    trace_id: str | None
    ordering_key: str | None
    subject: Mapping[str, Any] | EventSubject

    def data(self) -> dict[str, Any]:
        if isinstance(self.subject, Mapping):
            return dict(self.subject)
        return self.subject.event_data(self.type, self.created_at)

    def envelope(self, isoformat: Any) -> dict[str, Any]:
        """The JSON body a webhook receives and ``events.retrieve`` returns."""
        return {
            "id": self.id,
            "object": "event",
            "event": self.type,
            "created_at": isoformat(self.created_at),
            "api_version": CURRENT_API_VERSION,
            "trace_id": self.trace_id,
            "data": self.data(),
        }


class EventLog:
    """Append-only, in clock order; old events fall off the front."""

    def __init__(self) -> None:
        self._prefix = f"evt_{secrets.token_hex(3)}"
        self._events: list[EventRecord] = []
        self._times: list[float] = []
        self._first_sequence = 0

    def __len__(self) -> int:
        return len(self._events)

    def append(
        self,
        event_type: str,
        subject: Mapping[str, Any] | EventSubject,
        *,
        at: float,
        trace_id: str | None,
        ordering_key: str | None,
    ) -> EventRecord:
        sequence = self._first_sequence + len(self._events)
        event = EventRecord(
            id=f"{self._prefix}{sequence:0{_SEQUENCE_DIGITS}x}",
            type=event_type,
            created_at=at,
            trace_id=trace_id,
            ordering_key=ordering_key,
            subject=subject,
        )
        self._events.append(event)
        self._times.append(at)
        return event

    def expire(self, now: float) -> None:
        """Forget events past retention (cheap when there is nothing to forget)."""
        cutoff = bisect.bisect_left(self._times, now - RETENTION_SECONDS)
        if cutoff:
            del self._events[:cutoff]
            del self._times[:cutoff]
            self._first_sequence += cutoff

    def get(self, event_id: str) -> EventRecord | None:
        if not event_id.startswith(self._prefix):
            return None
        try:
            sequence = int(event_id[len(self._prefix) :], 16)
        except ValueError:
            return None
        index = sequence - self._first_sequence
        if 0 <= index < len(self._events) and self._events[index].id == event_id:
            return self._events[index]
        return None

    def newest_first(self) -> list[EventRecord]:
        return self._events[::-1]

    def between(self, start: float, end: float) -> Iterator[EventRecord]:
        """Events with ``start <= created_at < end``, oldest first."""
        first = bisect.bisect_left(self._times, start)
        last = bisect.bisect_left(self._times, end)
        return iter(self._events[first:last])

    def __iter__(self) -> Iterator[EventRecord]:
        return iter(self._events)


def sample_data(event_type: str, at: str) -> dict[str, Any]:
    """Plausible ``data`` for a test delivery of ``event_type`` (``at``: an RFC 3339 time)."""
    family = event_type.split(".", 1)[0]
    if family == "message":
        status = {"reply": "received"}.get(event_type.split(".")[1], event_type.split(".")[1])
        return {
            "message_id": "msg_test",
            "status": status,
            "direction": "inbound" if status == "received" else "outbound",
            "to": "+15550000001",
            "channel": "whatsapp",
            "template": "order_confirmation",
            "created_at": at,
        }
    if family == "broadcast":
        counts = dict.fromkeys(("queued", "sent", "read", "failed", "canceled"), 0)
        return {
            "broadcast_id": "brd_test",
            "status": "completed" if event_type.endswith("completed") else "running",
            "counts": {"total": 1, "delivered": 1, **counts},
        }
    if family == "template":
        approved = event_type.endswith("approved")
        return {
            "template_id": "tpl_test",
            "name": "order_confirmation",
            "language": "pt_BR",
            "status": "approved" if approved else "rejected",
            **({} if approved else {"rejection_reason": "A sample rejection."}),
        }
    if family == "conversation":
        return {
            "conversation_id": "cnv_test",
            "contact": "+15550000001",
            "channel": "whatsapp",
            "status": "open",
            "window_expires_at": at,
        }
    return {"contact": "+15550000001", "channel": "whatsapp", "conversation_id": "cnv_test"}
