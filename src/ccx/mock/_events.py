"""The per-workspace event log: what happened, kept 30 days on the clock, listable and replayable.

A broadcast to a million recipients produces several million events, so the log is stored as
columns (type, time, subject, trace id, ordering key: five pointers per event, the values
themselves shared with the records they describe) and an `EventRecord` is only built when an
event is read. An event's subject (a message, a conversation, or a small dict) renders its
``data`` as it was at the event's time. Ids carry a per-workspace sequence number, so finding
an event by id is arithmetic, not a second index.
"""

from __future__ import annotations

import bisect
import re
import secrets
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, overload

from ccx._constants import API_VERSION

from ._transaction import current_transaction

__all__ = [
    "RETENTION_SECONDS",
    "EventLog",
    "EventRecord",
    "EventSubject",
    "EventView",
    "sample_data",
]

RETENTION_SECONDS = 30 * 24 * 3600.0
"""Events older than this on the clock are gone from list, retrieve and replay."""

_SEQUENCE_DIGITS = 10
_SEQUENCE = re.compile(f"[0-9a-f]{{{_SEQUENCE_DIGITS}}}")


class EventSubject(Protocol):
    """Something whose state an event reports, rendered as it was when the event happened."""

    def event_data(self, event_type: str, at: float) -> dict[str, Any]: ...


@dataclass(frozen=True, slots=True)
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
            "api_version": API_VERSION,
            "trace_id": self.trace_id,
            "data": self.data(),
        }


class EventView(Sequence[EventRecord]):
    """Events at some positions of a log, built only when read (for paging through millions)."""

    def __init__(self, log: EventLog, positions: Sequence[int]) -> None:
        self._log = log
        self._positions = positions

    def __len__(self) -> int:
        return len(self._positions)

    @overload
    def __getitem__(self, index: int) -> EventRecord: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[EventRecord]: ...
    def __getitem__(self, index: int | slice) -> EventRecord | Sequence[EventRecord]:
        if isinstance(index, slice):
            return [self._log.record(position) for position in self._positions[index]]
        return self._log.record(self._positions[index])


class EventLog:
    """Append-only, in clock order; old events fall off the front.

    Rewindable: events a failed request appended are cut off again.
    """

    def __init__(self) -> None:
        self._prefix = f"evt_{secrets.token_hex(3)}"
        self._first_sequence = 0
        self._types: list[str] = []
        self._times: list[float] = []
        self._subjects: list[Mapping[str, Any] | EventSubject] = []
        self._trace_ids: list[str | None] = []
        self._ordering_keys: list[str | None] = []

    def __len__(self) -> int:
        return len(self._types)

    def append(
        self,
        event_type: str,
        subject: Mapping[str, Any] | EventSubject,
        *,
        at: float,
        trace_id: str | None,
        ordering_key: str | None,
    ) -> int:
        """Store an event; returns its position, for `record` (records are built on demand)."""
        transaction = current_transaction()
        if transaction is not None:
            transaction.remember_log(self)
        self._types.append(event_type)
        self._times.append(at)
        self._subjects.append(subject)
        self._trace_ids.append(trace_id)
        self._ordering_keys.append(ordering_key)
        return len(self._types) - 1

    def record(self, position: int) -> EventRecord:
        sequence = self._first_sequence + position
        return EventRecord(
            id=f"{self._prefix}{sequence:0{_SEQUENCE_DIGITS}x}",
            type=self._types[position],
            created_at=self._times[position],
            trace_id=self._trace_ids[position],
            ordering_key=self._ordering_keys[position],
            subject=self._subjects[position],
        )

    def rollback_point(self) -> int:
        """The sequence number the next event gets."""
        return self._first_sequence + len(self._types)

    def rewind(self, point: int) -> None:
        """Forget the events from sequence ``point`` on (retention only ever cuts the front)."""
        keep = max(0, point - self._first_sequence)
        for column in self._columns():
            del column[keep:]

    def _columns(self) -> tuple[list[Any], ...]:
        return (self._types, self._times, self._subjects, self._trace_ids, self._ordering_keys)

    def snapshot(self) -> EventLog:
        """The log as it is now, to read at leisure while this one goes on changing.

        Copies the columns (pointers only), not the events: cheap even for millions.
        """
        copy = EventLog()
        copy._prefix, copy._first_sequence = self._prefix, self._first_sequence
        copy._types, copy._times, copy._subjects, copy._trace_ids, copy._ordering_keys = (
            list(column) for column in self._columns()
        )
        return copy

    def expire(self, now: float) -> None:
        """Forget events past retention (cheap when there is nothing to forget)."""
        cutoff = bisect.bisect_left(self._times, now - RETENTION_SECONDS)
        if cutoff:
            for column in self._columns():
                del column[:cutoff]
            self._first_sequence += cutoff

    def get(self, event_id: str) -> EventRecord | None:
        position = self._position(event_id)
        return self.record(position) if 0 <= position < len(self._types) else None

    def expired(self, event_id: str) -> bool:
        """Whether ``event_id`` was an event of this log that retention has since removed."""
        return -self._first_sequence <= self._position(event_id) < 0

    def _position(self, event_id: str) -> int:
        """Where ``event_id`` is (or was: negative once expired); far out of range if foreign."""
        digits = event_id[len(self._prefix) :]
        if event_id.startswith(self._prefix) and _SEQUENCE.fullmatch(digits):
            return int(digits, 16) - self._first_sequence
        return -(self._first_sequence + 1)

    def newest_first(self, event_type: str | None = None) -> EventView:
        """Every kept event (of ``event_type``, if given), newest first, built lazily."""
        newest = range(len(self._types) - 1, -1, -1)
        if event_type is None:
            return EventView(self, newest)
        types = self._types
        return EventView(self, [position for position in newest if types[position] == event_type])

    def since(self, point: int) -> Iterator[EventRecord]:
        """The kept events from sequence ``point`` (a `rollback_point`) on, oldest first."""
        first = max(0, point - self._first_sequence)
        return (self.record(position) for position in range(first, len(self._types)))

    def between(self, start: float, end: float) -> Iterator[EventRecord]:
        """Events with ``start <= created_at < end``, oldest first."""
        first = bisect.bisect_left(self._times, start)
        last = bisect.bisect_left(self._times, end)
        return (self.record(position) for position in range(first, last))

    def __iter__(self) -> Iterator[EventRecord]:
        return (self.record(position) for position in range(len(self._types)))


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
        status = event_type.split(".", 1)[1]
        return {
            "id": "tpl_test",
            "object": "template",
            "name": "order_confirmation",
            "language": "pt_BR",
            "category": "utility",
            "status": status,
            "body": "Olá {{1}}, seu pedido {{2}} no valor de {{3}} foi confirmado.",
            "variables": 3,
            "rejection_reason": "A sample rejection." if status == "rejected" else None,
            "created_at": at,
        }
    if family == "conversation":
        window_open = event_type != "conversation.window_closed"
        return {
            "conversation_id": "cnv_test",
            "contact": "+15550000001",
            "channel": "whatsapp",
            "status": "open" if window_open else "closed",
            "origin": "user_initiated",
            "expires_at": at,
            "window_open": window_open,
            "window_expires_at": at,
        }
    return {"contact": "+15550000001", "channel": "whatsapp", "conversation_id": "cnv_test"}
