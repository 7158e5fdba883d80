"""The mock's moving parts: message lifecycle, per-workspace priority queues, events, webhooks.

Handlers change the world through `Engine`; everything that happens later (a message being
sent, delivered, retried, a broadcast batch, a webhook redelivery) is a timer or a task on the
clock, so a test that advances the clock sees it all happen, in order, before ``advance``
returns.

Each workspace has one priority queue drained by one dispatcher at ``dispatch_per_second``
(the upstream's throughput): critical before high before default before low, so a flood of
low-priority broadcast messages never delays an OTP.
"""

from __future__ import annotations

import heapq
import itertools
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ._clock import Clock, isoformat
from ._conversations import ConversationRecord
from ._delivery import Deliverer, DeliveryAttempt, EndpointRecord
from ._events import EventLog, EventRecord, EventSubject, sample_data
from ._messages import (
    DELIVERY_SECONDS,
    MAX_ATTEMPTS,
    PRIORITY_RANK,
    READ_SECONDS,
    MessageRecord,
    MessageStatus,
    Outcome,
    new_message_id,
    outcome_for,
    retry_delay,
    undeliverable_error,
    upstream_failure_error,
)
from ._pricing import BillingCategory

if TYPE_CHECKING:
    from ._broadcasts import BroadcastRecord
    from ._state import MockState

__all__ = ["DISPATCH_PER_SECOND", "DISPATCH_TICK_SECONDS", "Domain", "Engine"]

DISPATCH_PER_SECOND = 1000
"""Messages a workspace hands to the upstream per clock second."""
DISPATCH_TICK_SECONDS = 0.05
"""The dispatcher works in ticks: per tick it sends ``DISPATCH_PER_SECOND * tick`` messages."""

_STATUS_EVENTS: Mapping[str, str] = {
    "queued": "message.queued",
    "sent": "message.sent",
    "delivered": "message.delivered",
    "read": "message.read",
    "failed": "message.failed",
}


@dataclass(eq=False)
class Domain:
    """One workspace's messages, conversations, broadcasts, endpoints, events and queue."""

    workspace_id: str
    messages: dict[str, MessageRecord] = field(default_factory=dict[str, MessageRecord])
    conversations: dict[str, ConversationRecord] = field(
        default_factory=dict[str, ConversationRecord]
    )
    conversations_by_contact: dict[str, dict[str, ConversationRecord]] = field(
        default_factory=dict[str, dict[str, ConversationRecord]]
    )
    """Channel -> contact -> conversation (keys shared with the records: no tuple per contact)."""
    contacts: set[str] = field(default_factory=set[str])
    broadcasts: dict[str, BroadcastRecord] = field(default_factory=dict[str, "BroadcastRecord"])
    endpoints: dict[str, EndpointRecord] = field(default_factory=dict[str, EndpointRecord])
    events: EventLog = field(default_factory=EventLog)
    queue: list[tuple[int, int, MessageRecord]] = field(
        default_factory=list[tuple[int, int, MessageRecord]]
    )
    dispatching: bool = False


class Engine:
    """Owns every workspace's `Domain` and the background work that moves it forward."""

    def __init__(self, state: MockState) -> None:
        self.state = state
        self.clock: Clock = state.clock
        self.deliverer = Deliverer(self.clock)
        self.dispatch_per_second = DISPATCH_PER_SECOND
        self._domains: dict[str, Domain] = {}
        self._sequence = itertools.count()

    @property
    def delivery_attempts(self) -> list[DeliveryAttempt]:
        """Every webhook POST made so far, oldest first (for tests and the pytest plugin)."""
        return self.deliverer.attempts

    async def start(self) -> None:
        """Nothing runs until there is work; kept so the app lifespan has one place to call."""

    async def stop(self) -> None:
        await self.clock.aclose()
        await self.deliverer.aclose()

    def domain(self, workspace_id: str) -> Domain:
        domain = self._domains.get(workspace_id)
        if domain is None:
            domain = self._domains[workspace_id] = Domain(workspace_id)
        return domain

    # -- events ------------------------------------------------------------------------------

    def emit(
        self,
        workspace_id: str,
        event_type: str,
        data: Mapping[str, Any] | EventSubject,
        *,
        trace_id: str | None,
        ordering_key: str | None = None,
        at: float | None = None,
    ) -> EventRecord:
        """Record an event and hand it to every enabled endpoint that subscribes to it.

        ``at`` (default: now) lets a record and its event share one timestamp object.
        """
        domain = self.domain(workspace_id)
        now = self.clock.now() if at is None else at
        domain.events.expire(now)
        position = domain.events.append(
            event_type, data, at=now, trace_id=trace_id, ordering_key=ordering_key
        )
        listeners = [
            endpoint
            for endpoint in domain.endpoints.values()
            if endpoint.status == "enabled" and endpoint.subscribes(event_type)
        ]
        event = domain.events.record(position)
        for endpoint in listeners:
            self.deliverer.enqueue(endpoint, event)
        return event

    def test_event(
        self, endpoint: EndpointRecord, event_type: str, *, trace_id: str | None
    ) -> dict[str, Any]:
        """Deliver a sample ``event_type`` to one endpoint, outside the event log."""
        now = self.clock.now()
        event = EventRecord(
            id=f"evt_test_{secrets.token_hex(8)}",
            type=event_type,
            created_at=now,
            trace_id=trace_id,
            ordering_key=None,
            subject=sample_data(event_type, isoformat(now)),
        )
        self.deliverer.enqueue(endpoint, event, subscribed_only=False)
        return event.envelope(isoformat)

    def messages_for_export(self, workspace_id: str) -> list[dict[str, Any]]:
        return [message.payload() for message in self.domain(workspace_id).messages.values()]

    def events_for_export(self, workspace_id: str) -> list[dict[str, Any]]:
        events = self.domain(workspace_id).events
        events.expire(self.clock.now())
        return [event.envelope(isoformat) for event in events]

    # -- conversations -----------------------------------------------------------------------

    def conversation(
        self, domain: Domain, contact: str, channel: str, *, trace_id: str | None, at: float
    ) -> ConversationRecord:
        """The contact's conversation on ``channel``, created (with its events) on first use."""
        by_contact = domain.conversations_by_contact.setdefault(channel, {})
        conversation = by_contact.get(contact)
        if conversation is not None:
            return conversation
        conversation = ConversationRecord(contact, channel, at)
        domain.conversations[conversation.id] = conversation
        by_contact[contact] = conversation
        if contact not in domain.contacts:
            domain.contacts.add(contact)
            self.emit(
                domain.workspace_id, "contact.created", conversation, trace_id=trace_id, at=at
            )
        self.emit(
            domain.workspace_id, "conversation.created", conversation, trace_id=trace_id, at=at
        )
        return conversation

    # -- messages ----------------------------------------------------------------------------

    def create_message(
        self,
        workspace_id: str,
        *,
        to: str,
        channel: str,
        kind: str,
        content: Any,
        category: BillingCategory,
        priority: str = "default",
        trace_id: str | None,
        metadata: Mapping[str, Any] | None = None,
        fallback: tuple[str, ...] = (),
        fallback_from: str | None = None,
        schedule_at: float | None = None,
        timezone: str | None = None,
        broadcast: BroadcastRecord | None = None,
    ) -> MessageRecord:
        """Register an outbound message: queued now, or scheduled for ``schedule_at``."""
        domain = self.domain(workspace_id)
        now = self.clock.now()
        conversation = self.conversation(domain, to, channel, trace_id=trace_id, at=now)
        conversation.record(now, inbound=False)
        message = MessageRecord(
            id=new_message_id(),
            workspace_id=workspace_id,
            direction="outbound",
            contact=to,
            channel=channel,
            kind=kind,
            content=content,
            priority=priority,
            status="scheduled" if schedule_at is not None else "queued",
            category=category,
            created_at=now,
            trace_id=trace_id,
            conversation_id=conversation.id,
            broadcast_id=broadcast.id if broadcast is not None else None,
            metadata=metadata,
            fallback=fallback,
            fallback_from=fallback_from,
            schedule_at=schedule_at,
            timezone=timezone,
        )
        domain.messages[message.id] = message
        if schedule_at is None:
            self._queue(message, at=now)
        else:
            message.timer = self.clock.call_at(schedule_at, lambda: self._release(message))
        return message

    def receive_inbound(
        self, workspace_id: str, *, contact: str, channel: str, text: str, trace_id: str | None
    ) -> MessageRecord:
        """A message from a contact: opens the 24 h window and emits ``message.reply``."""
        domain = self.domain(workspace_id)
        now = self.clock.now()
        conversation = self.conversation(domain, contact, channel, trace_id=trace_id, at=now)
        conversation.record(now, inbound=True)
        message = MessageRecord(
            id=new_message_id(),
            workspace_id=workspace_id,
            direction="inbound",
            contact=contact,
            channel=channel,
            kind="text",
            content=text,
            priority="default",
            status="received",
            category="service",
            created_at=now,
            trace_id=trace_id,
            conversation_id=conversation.id,
        )
        domain.messages[message.id] = message
        self.emit(
            workspace_id,
            "message.reply",
            message,
            trace_id=trace_id,
            ordering_key=message.id,
            at=now,
        )
        return message

    def cancel(self, message: MessageRecord) -> None:
        """Cancel a scheduled message (the caller checked that it is scheduled)."""
        if message.timer is not None:
            message.timer.cancel()
            message.timer = None
        message.canceled_at = self.clock.now()
        self._set_status(message, "canceled")
        self._settle(message)

    def force_status(
        self, message: MessageRecord, status: MessageStatus, error: Mapping[str, Any] | None
    ) -> None:
        """The test helper's override: stop the natural lifecycle and report ``status``.

        As a carrier would, it reports the steps in between too: forcing ``read`` on a queued
        message emits ``message.sent``, ``message.delivered`` and ``message.read``.
        """
        if message.timer is not None:
            message.timer.cancel()
            message.timer = None
        if status == "failed":
            self._fail(message, error or undeliverable_error(), fallback=False)
            return
        steps: tuple[MessageStatus, ...] = ("sent", "delivered", "read")
        reached = steps.index(message.status) + 1 if message.status in steps else 0
        for step in steps[reached : steps.index(status) + 1]:
            self._transition(message, step)
        self._settle(message)

    def _release(self, message: MessageRecord) -> None:
        message.timer = None
        self._queue(message, at=self.clock.now())

    def _queue(self, message: MessageRecord, *, at: float) -> None:
        self._transition(message, "queued", at=at)
        self._enqueue(message)

    def _enqueue(self, message: MessageRecord) -> None:
        domain = self.domain(message.workspace_id)
        heapq.heappush(
            domain.queue, (PRIORITY_RANK[message.priority], next(self._sequence), message)
        )
        if not domain.dispatching:
            domain.dispatching = True
            self.clock.spawn(self._dispatch(domain))

    async def _dispatch(self, domain: Domain) -> None:
        """Drain the workspace queue in priority order at the upstream's throughput."""
        per_tick = max(1, round(self.dispatch_per_second * DISPATCH_TICK_SECONDS))
        last_tick = self.clock.now()
        try:
            while domain.queue:
                # On a fast clock the loop wakes less often than every tick: send what the
                # clock time since the last tick allows, so throughput follows the clock.
                now = self.clock.now()
                budget = max(per_tick, int(self.dispatch_per_second * (now - last_tick)))
                last_tick = now
                for _ in range(min(budget, len(domain.queue))):
                    _, _, message = heapq.heappop(domain.queue)
                    if message.status == "queued":
                        self._attempt(message, at=now)
                if domain.queue:
                    await self.clock.sleep(DISPATCH_TICK_SECONDS)
        finally:
            domain.dispatching = False

    def _attempt(self, message: MessageRecord, *, at: float) -> None:
        """One hand-over to the upstream, with the outcome the recipient dictates."""
        message.attempts += 1
        outcome = outcome_for(message)
        if outcome is Outcome.UPSTREAM_FAILURE:
            if message.attempts >= MAX_ATTEMPTS:
                self._fail(message, upstream_failure_error(message.attempts), fallback=False)
                return
            # The retry buffer: stays queued, tries again after the backoff.
            message.timer = self.clock.call_later(
                retry_delay(message.attempts), lambda: self._retry(message)
            )
            return
        self._transition(message, "sent", at=at)
        if outcome is Outcome.STAY_SENT:
            self._settle(message)
            return
        message.timer = self.clock.call_later(
            DELIVERY_SECONDS, lambda: self._receipt(message, outcome)
        )

    def _retry(self, message: MessageRecord) -> None:
        message.timer = None
        self._enqueue(message)

    def _receipt(self, message: MessageRecord, outcome: Outcome) -> None:
        message.timer = None
        if outcome is Outcome.UNDELIVERABLE:
            self._fail(message, undeliverable_error(), fallback=True)
            return
        self._transition(message, "delivered")
        self._settle(message)
        if outcome is Outcome.DELIVER_AND_READ:
            message.timer = self.clock.call_later(READ_SECONDS, lambda: self._read(message))

    def _read(self, message: MessageRecord) -> None:
        message.timer = None
        self._transition(message, "read")

    def _fail(self, message: MessageRecord, error: Mapping[str, Any], *, fallback: bool) -> None:
        message.error = error
        self._transition(message, "failed")
        self._settle(message)
        if fallback and message.fallback:
            self.create_message(
                message.workspace_id,
                to=message.contact,
                channel=message.fallback[0],
                kind=message.kind,
                content=message.content,
                category=message.category,
                priority=message.priority,
                trace_id=message.trace_id,
                metadata=message.metadata,
                fallback=message.fallback[1:],
                fallback_from=message.id,
                broadcast=None,
            )

    def _transition(
        self, message: MessageRecord, status: MessageStatus, *, at: float | None = None
    ) -> None:
        """Stamp the new status and emit its event, ordered per message for webhooks."""
        now = self.clock.now() if at is None else at
        if status == "queued":
            message.queued_at = now
        elif status == "sent":
            message.sent_at = now
        elif status == "delivered":
            message.delivered_at = now
        elif status == "read":
            message.read_at = message.read_at or now
            message.delivered_at = message.delivered_at or now
        elif status == "failed":
            message.failed_at = now
        self._set_status(message, status)
        event_type = _STATUS_EVENTS.get(status)
        if event_type is not None:
            self.emit(
                message.workspace_id,
                event_type,
                message,
                trace_id=message.trace_id,
                ordering_key=message.id,
                at=now,
            )

    def _broadcast_of(self, message: MessageRecord) -> BroadcastRecord | None:
        if message.broadcast_id is None:
            return None
        return self.domain(message.workspace_id).broadcasts.get(message.broadcast_id)

    def _settle(self, message: MessageRecord) -> None:
        """Mark that nothing more will happen to ``message`` on its own (read aside)."""
        if message.settled:
            return
        message.settled = True
        broadcast = self._broadcast_of(message)
        if broadcast is not None:
            broadcast.message_settled()

    def _set_status(self, message: MessageRecord, status: MessageStatus) -> None:
        previous = message.status
        message.status = status
        broadcast = self._broadcast_of(message)
        if broadcast is not None:
            broadcast.message_moved(previous, status)
