"""A workspace: one tenant, and the one owner of everything it has.

Its records (tokens, templates, segments, exports, messages, conversations, broadcasts,
webhook endpoints, the event log and the audit log), its clock, its message queue, its rate
limits, its idempotency keys, its fault draws and its delivery pool all hang off this object,
and nothing a request can reach is shared between workspaces. Isolation follows from the
structure: a request only ever holds its token's workspace, so there is no global table a
forgotten filter could leak through, and no clock, queue or pool another tenant can move.

History is kept 30 days on the workspace's clock (events, settled messages, finished
broadcasts, delivery attempts, audit entries) and exports a day; a sweep runs on the clock when the oldest
of them comes due, so memory levels off under any steady load.
"""

from __future__ import annotations

import typing
from collections import deque
from collections.abc import Callable, Mapping
from typing import Any

from ccx.types.enums import Channel

from ._audit import AuditEntry
from ._broadcasts import BroadcastRecord
from ._clock import Clock, Timer
from ._config import MockConfig
from ._conversations import ConversationRecord
from ._delivery import DeliveryPool, EndpointRecord
from ._events import RETENTION_SECONDS, EventLog, EventSubject
from ._faults import FaultState
from ._idempotency import IdempotencyStore
from ._messages import MessageRecord, Outbox
from ._ratelimit import RateLimiter
from ._records import ExportRecord, SegmentRecord, TemplateRecord, TokenRecord
from ._signal import Signal
from ._transaction import Table, after_commit

__all__ = ["SWEEP_INTERVAL_SECONDS", "Workspace"]

SWEEP_INTERVAL_SECONDS = 3600.0
"""The shortest clock time between two retention sweeps (some old records wait on others)."""

CHANNELS: tuple[Channel, ...] = typing.get_args(Channel)


class Workspace:
    """A tenant: its records, clock, queue, limits, keys, faults and delivery pool."""

    def __init__(
        self,
        *,
        id: str,
        name: str,
        plan: str,
        sandbox: bool,
        config: MockConfig,
        clock: Clock,
        server_fault_seed: int | None = None,
    ) -> None:
        self.id = id
        self.name = name
        self.plan = plan
        self.sandbox = sandbox
        self.config = config
        self.clock = clock
        self.created_at = clock.now()

        self.tokens: Table[str, TokenRecord] = Table()
        self.templates: Table[str, TemplateRecord] = Table()
        """By name."""
        self.segments: Table[str, SegmentRecord] = Table()
        self.exports: Table[str, ExportRecord] = Table()
        self.messages: Table[str, MessageRecord] = Table()
        self.conversations: Table[str, ConversationRecord] = Table()
        self.conversations_by_contact: Mapping[str, Table[str, ConversationRecord]] = {
            channel: Table() for channel in CHANNELS
        }
        """Channel -> contact -> conversation (keys shared with the records: no tuple per contact)."""
        self.contacts: Table[str, ConversationRecord] = Table()
        """Contact -> the first conversation with them, on any channel."""
        self.broadcasts: Table[str, BroadcastRecord] = Table()
        self.endpoints: Table[str, EndpointRecord] = Table()
        self.events = EventLog()
        self.audit_log: deque[AuditEntry] = deque(maxlen=config.audit_log_limit)

        self.outbox = Outbox()
        self.idempotency = IdempotencyStore(
            ttl=config.idempotency_ttl_seconds, limit=config.idempotency_key_limit
        )
        self.rate_limits = RateLimiter(config.rate_limit_per_minute, config.burst_per_second)
        self.faults = FaultState(
            clock, server_seed=server_fault_seed, seed_limit=config.fault_seed_limit
        )
        self.changed = Signal()
        """Wakes whoever watches the workspace live (the inbox): an event, a delivery attempt, an
        API call that changed something."""
        self.deliveries = DeliveryPool(
            id,
            clock,
            changed=self.changed,
            concurrency=config.delivery_concurrency,
            attempts_kept=config.delivery_attempt_limit,
        )
        self._sweep: Timer | None = None

    def __repr__(self) -> str:
        return f"Workspace(id={self.id!r}, name={self.name!r}, plan={self.plan!r})"

    def messages_in(self, conversation_id: str) -> list[MessageRecord]:
        """The messages of one conversation, newest first."""
        return [
            message
            for message in reversed(self.messages.values())
            if message.conversation_id == conversation_id
        ]

    # -- events ------------------------------------------------------------------------------

    def emit(
        self,
        event_type: str,
        data: Mapping[str, Any] | EventSubject,
        *,
        trace_id: str | None,
        ordering_key: str | None = None,
        at: float | None = None,
    ) -> int:
        """Record an event and hand it to every enabled endpoint that subscribes to it.

        ``at`` (default: now) lets a record and its event share one timestamp object. Returns
        the event's position in `events` (``events.record(position)`` builds the event, which
        only a caller that needs it pays for).
        """
        now = self.clock.now() if at is None else at
        self.events.expire(now)
        position = self.events.append(
            event_type, data, at=now, trace_id=trace_id, ordering_key=ordering_key
        )
        self.changed.notify()
        listeners = [
            endpoint
            for endpoint in self.endpoints.values()
            if endpoint.status == "enabled" and endpoint.subscribes(event_type)
        ]
        if listeners:
            event = self.events.record(position)
            for endpoint in listeners:
                self.deliveries.enqueue(endpoint, event)
        return position

    # -- retention ---------------------------------------------------------------------------

    def expire_at(self, when: float) -> None:
        """Make sure a retention sweep runs by ``when`` (once the current request commits)."""
        if self._sweep is None or when < self._sweep.when:  # almost always one is due sooner
            after_commit(self._plan_sweep, when)

    def _plan_sweep(self, when: float) -> None:
        if self._sweep is not None:
            if self._sweep.when <= when:
                return
            self._sweep.cancel()
        self._sweep = self.clock.call_at(when, self.sweep)

    def sweep(self) -> None:
        """Forget what has outlived its retention, and plan the next sweep."""
        self._sweep = None
        now = self.clock.now()
        cutoff = now - RETENTION_SECONDS
        self.events.expire(now)
        self.deliveries.forget_attempts_before(cutoff)
        self.idempotency.forget_expired(now)
        audit_log = self.audit_log
        while audit_log and audit_log[0].created_at <= cutoff:
            audit_log.popleft()
        due = [
            audit_log[0].created_at + RETENTION_SECONDS if audit_log else None,
            _retire(self.messages, cutoff, RETENTION_SECONDS, lambda message: message.settled),
            _retire(self.broadcasts, cutoff, RETENTION_SECONDS, lambda item: item.finished),
            _retire(
                self.exports,
                now - self.config.export_retention_seconds,
                self.config.export_retention_seconds,
                lambda _: True,
            ),
        ]
        pending = [when for when in due if when is not None]
        if pending:
            soonest = min(pending)
            # A record past its time but still in progress is looked at again a little later.
            self._plan_sweep(soonest if soonest > now else now + SWEEP_INTERVAL_SECONDS)

    async def aclose(self) -> None:
        """Stop the workspace's background work and close its connections (server shutdown)."""
        await self.clock.aclose()
        await self.deliveries.aclose()


class _Dated(typing.Protocol):
    @property
    def created_at(self) -> float: ...


_Record = typing.TypeVar("_Record", bound=_Dated)


def _retire(
    table: Table[str, _Record],
    cutoff: float,
    retention: float,
    done: Callable[[_Record], bool],
) -> float | None:
    """Drop the records created by ``cutoff`` that are ``done``; when the next one is due."""
    expired: list[str] = []
    next_due: float | None = None
    for key, record in table.items():
        if record.created_at > cutoff:
            next_due = record.created_at + retention if next_due is None else next_due
            break
        if done(record):
            expired.append(key)
        elif next_due is None:
            next_due = cutoff  # an old record still in progress: look again at the next sweep
    for key in expired:
        del table[key]
    return next_due
