"""How a workspace's messages and broadcasts move on its clock.

Handlers start things here (a send, an inbound message, a cancel, a forced status, a broadcast
and its pause, resume and cancel); everything that happens later (a message being sent,
delivered, retried, a broadcast batch) is a timer or a task on the workspace's clock, so a test
that advances the clock sees it all happen, in order, before ``advance`` returns. Inside a
request those timers and tasks are staged: they start when the request commits.

Each workspace has one priority queue (its `Outbox`) drained by one dispatcher at
`DISPATCH_PER_SECOND` (the upstream's throughput): critical before high before default before
low, so a flood of low-priority broadcast messages never delays an OTP.

A broadcast creates its messages in batches of up to `BATCH_SIZE`, one batch per
``batch / rate_limit_per_minute`` minutes, each recipient a real message with its own
lifecycle. Its progress is published as ``broadcast.progress`` events (after every batch, and at
most once per clock second as messages move), then ``broadcast.completed`` when every message
has reached the end of its lifecycle (delivered, failed, or ``sent`` for a recipient that never
confirms).
"""

from __future__ import annotations

import heapq
import json
import secrets
from collections.abc import Mapping
from typing import Any, Literal

from ccx.types.enums import MessageStatus

from ._broadcasts import COUNTED, BroadcastRecord
from ._clock import isoformat
from ._conversations import EXPIRING_NOTICE_SECONDS, ConversationRecord
from ._delivery import EndpointRecord
from ._events import RETENTION_SECONDS, EventRecord, sample_data
from ._messages import (
    DELIVERY_SECONDS,
    PRIORITY_RANK,
    READ_SECONDS,
    RETRY_DELAYS,
    MessageRecord,
    Outcome,
    new_message_id,
    next_attempt_at,
    outcome_for,
    rejected_error,
    undeliverable_error,
    upstream_failure_error,
)
from ._pricing import BillingCategory
from ._transaction import after_commit, journal
from ._workspace import Workspace

__all__ = [
    "BATCH_SIZE",
    "DISPATCH_PER_SECOND",
    "DISPATCH_TICK_SECONDS",
    "begin_broadcast",
    "cancel_broadcast",
    "cancel_message",
    "create_message",
    "force_status",
    "pause_broadcast",
    "receive_inbound",
    "resume_broadcast",
    "test_event",
]

DISPATCH_PER_SECOND = 1000
"""Messages a workspace hands to the upstream per clock second."""
DISPATCH_TICK_SECONDS = 0.05
"""The dispatcher works in ticks: per tick it sends ``DISPATCH_PER_SECOND * tick`` messages."""
BATCH_SIZE = 500
"""Recipients a broadcast turns into messages at once."""
PROGRESS_INTERVAL_SECONDS = 1.0
"""Clock seconds between two ``broadcast.progress`` events while only messages move."""

_STATUS_EVENTS: Mapping[str, str] = {
    "queued": "message.queued",
    "sent": "message.sent",
    "delivered": "message.delivered",
    "read": "message.read",
    "failed": "message.failed",
}


# -- webhooks ----------------------------------------------------------------------------------


def test_event(
    workspace: Workspace, endpoint: EndpointRecord, event_type: str, *, trace_id: str | None
) -> dict[str, Any]:
    """Deliver a sample ``event_type`` to one endpoint, outside the event log."""
    now = workspace.clock.now()
    event = EventRecord(
        id=f"evt_test_{secrets.token_hex(8)}",
        type=event_type,
        created_at=now,
        trace_id=trace_id,
        ordering_key=None,
        subject=sample_data(event_type, isoformat(now)),
    )
    workspace.deliveries.enqueue(endpoint, event, subscribed_only=False)
    return event.envelope(isoformat)


# -- conversations -----------------------------------------------------------------------------


def conversation(
    workspace: Workspace, contact: str, channel: str, *, trace_id: str | None, at: float
) -> ConversationRecord:
    """The contact's conversation on ``channel``, created (with its events) on first use."""
    by_contact = workspace.conversations_by_contact[channel]
    existing = by_contact.get(contact)
    if existing is not None:
        return existing
    created = ConversationRecord(contact, channel, at)
    workspace.conversations[created.id] = created
    by_contact[contact] = created
    if contact not in workspace.contacts:
        workspace.contacts[contact] = created
        workspace.emit("contact.created", created, trace_id=trace_id, at=at)
    workspace.emit("conversation.created", created, trace_id=trace_id, at=at)
    return created


def _track_window(
    workspace: Workspace,
    thread: ConversationRecord,
    *,
    opened: bool,
    trace_id: str | None,
    at: float,
) -> None:
    """The contact wrote: announce a window they opened, and re-arm its closing notices."""
    if opened:
        _announce_window(workspace, thread, "conversation.window_opened", trace_id=trace_id, at=at)
    closes = thread.window_expires_at()
    assert closes is not None  # the contact just wrote
    clock = workspace.clock
    thread.replace_window_timers(
        (
            clock.call_at(
                closes - EXPIRING_NOTICE_SECONDS,
                lambda: _announce_window(
                    workspace, thread, "conversation.window_expiring", trace_id=None
                ),
            ),
            clock.call_at(
                closes,
                lambda: _announce_window(
                    workspace, thread, "conversation.window_closed", trace_id=None
                ),
            ),
        )
    )


def _announce_window(
    workspace: Workspace,
    thread: ConversationRecord,
    event_type: str,
    *,
    trace_id: str | None,
    at: float | None = None,
) -> None:
    """Emit a window event with the conversation as it is now: the record moves on (the contact
    writes again), and a window event must keep saying what it said when it happened."""
    now = workspace.clock.now() if at is None else at
    snapshot = thread.event_data(event_type, now)
    workspace.emit(event_type, snapshot, trace_id=trace_id, ordering_key=thread.id, at=now)


# -- messages ----------------------------------------------------------------------------------


def create_message(
    workspace: Workspace,
    *,
    to: str,
    channel: str,
    kind: str,
    content: Any,
    category: BillingCategory,
    priority: str = "default",
    trace_id: str | None,
    request_id: str | None = None,
    metadata: Mapping[str, Any] | None = None,
    fallback: tuple[str, ...] = (),
    fallback_from: str | None = None,
    schedule_at: float | None = None,
    timezone: str | None = None,
    broadcast: BroadcastRecord | None = None,
) -> MessageRecord:
    """Register an outbound message: queued now, or scheduled for ``schedule_at``."""
    message = _new_message(
        workspace,
        contact=to,
        channel=channel,
        inbound=False,
        trace_id=trace_id,
        request_id=request_id,
        kind=kind,
        content=content,
        priority=priority,
        status="scheduled" if schedule_at is not None else "queued",
        category=category,
        broadcast_id=broadcast.id if broadcast is not None else None,
        metadata=metadata,
        fallback=fallback,
        fallback_from=fallback_from,
        schedule_at=schedule_at,
        timezone=timezone,
    )
    if schedule_at is None:
        _queue(workspace, message, at=message.created_at)
    else:
        message.timer = workspace.clock.call_at(schedule_at, lambda: _release(workspace, message))
    return message


def receive_inbound(
    workspace: Workspace,
    *,
    contact: str,
    channel: str,
    kind: str,
    content: Any,
    trace_id: str | None,
    request_id: str | None = None,
) -> MessageRecord:
    """A message from a contact (``kind`` one of `InboundMessageType`): opens the 24 h window
    and emits ``message.reply``."""
    message = _new_message(
        workspace,
        contact=contact,
        channel=channel,
        inbound=True,
        trace_id=trace_id,
        request_id=request_id,
        kind=kind,
        content=content,
        priority="default",
        status="received",
        category="service",
        settled=True,  # nothing more happens to an inbound message
    )
    workspace.emit(
        "message.reply", message, trace_id=trace_id, ordering_key=message.id, at=message.created_at
    )
    return message


def _new_message(
    workspace: Workspace,
    *,
    contact: str,
    channel: str,
    inbound: bool,
    trace_id: str | None,
    **details: Any,
) -> MessageRecord:
    """A message in its contact's conversation, kept (30 days) with the workspace's messages;
    ``details`` are the rest of its `MessageRecord` fields."""
    now = workspace.clock.now()
    thread = conversation(workspace, contact, channel, trace_id=trace_id, at=now)
    opened = thread.record(now, inbound=inbound)
    if inbound:
        _track_window(workspace, thread, opened=opened, trace_id=trace_id, at=now)
    message = MessageRecord(
        id=new_message_id(),
        workspace_id=workspace.id,
        direction="inbound" if inbound else "outbound",
        contact=contact,
        channel=channel,
        created_at=now,
        trace_id=trace_id,
        conversation_id=thread.id,
        **details,
    )
    workspace.messages[message.id] = message
    workspace.expire_at(now + RETENTION_SECONDS)
    return message


def cancel_message(workspace: Workspace, message: MessageRecord) -> None:
    """Cancel a scheduled message (the caller checked that it is scheduled)."""
    journal(message)
    if message.timer is not None:
        message.timer.cancel()
        message.timer = None
    message.canceled_at = workspace.clock.now()
    _set_status(workspace, message, "canceled")
    _settle(workspace, message)


def force_status(
    workspace: Workspace,
    message: MessageRecord,
    status: MessageStatus,
    error: Mapping[str, Any] | None,
) -> None:
    """The test helper's override: stop the natural lifecycle and report ``status``.

    As a carrier would, it reports the steps in between too: forcing ``read`` on a queued
    message emits ``message.sent``, ``message.delivered`` and ``message.read``.
    """
    journal(message)
    if message.timer is not None:
        message.timer.cancel()
        message.timer = None
    if status == "failed":
        _fail(workspace, message, error or undeliverable_error(), fallback=False)
        return
    steps: tuple[MessageStatus, ...] = ("sent", "delivered", "read")
    reached = steps.index(message.status) + 1 if message.status in steps else 0
    for step in steps[reached : steps.index(status) + 1]:
        _transition(workspace, message, step)
    _settle(workspace, message)


def _release(workspace: Workspace, message: MessageRecord) -> None:
    message.timer = None
    _queue(workspace, message, at=workspace.clock.now())


def _queue(workspace: Workspace, message: MessageRecord, *, at: float) -> None:
    _transition(workspace, message, "queued", at=at)
    _enqueue(workspace, message)


def _enqueue(workspace: Workspace, message: MessageRecord) -> None:
    after_commit(_push, workspace, message)


def _push(workspace: Workspace, message: MessageRecord) -> None:
    outbox = workspace.outbox
    heapq.heappush(outbox.queue, (PRIORITY_RANK[message.priority], next(outbox.sequence), message))
    if not outbox.dispatching:
        outbox.dispatching = True
        workspace.clock.spawn(_dispatch(workspace))


async def _dispatch(workspace: Workspace) -> None:
    """Drain the workspace queue in priority order at the upstream's throughput."""
    clock, outbox = workspace.clock, workspace.outbox
    per_tick = max(1, round(DISPATCH_PER_SECOND * DISPATCH_TICK_SECONDS))
    last_tick = clock.now()
    try:
        while outbox.queue:
            # On a fast clock the loop wakes less often than every tick: send what the clock
            # time since the last tick allows, so throughput follows the clock.
            now = clock.now()
            budget = max(per_tick, int(DISPATCH_PER_SECOND * (now - last_tick)))
            last_tick = now
            for _ in range(min(budget, len(outbox.queue))):
                _, _, message = heapq.heappop(outbox.queue)
                if message.status == "queued":
                    _attempt(workspace, message, at=now)
            if outbox.queue:
                await clock.sleep(DISPATCH_TICK_SECONDS)
    finally:
        outbox.dispatching = False


def _attempt(workspace: Workspace, message: MessageRecord, *, at: float) -> None:
    """One hand-over to the upstream, with the outcome the recipient dictates."""
    clock = workspace.clock
    message.attempts += 1
    outcome = outcome_for(message, at)
    if outcome is Outcome.UPSTREAM_FAILURE:
        if message.attempts == len(RETRY_DELAYS):
            message.reconciling_since = at
        retry_at = next_attempt_at(message.attempts, at, message.reconciling_since)
        if retry_at is None:
            message.reconciling_since = None
            _fail(workspace, message, upstream_failure_error(message.attempts), fallback=False)
            return
        # The retry buffer, then reconciliation: stays queued and tries again later.
        message.timer = clock.call_at(retry_at, lambda: _retry(workspace, message))
        return
    message.reconciling_since = None
    if outcome is Outcome.REJECTED:
        _fail(workspace, message, rejected_error(), fallback=False)
        return
    _transition(workspace, message, "sent", at=at)
    if outcome is Outcome.STAY_SENT:
        _settle(workspace, message)
        return
    message.timer = clock.call_later(
        DELIVERY_SECONDS, lambda: _receipt(workspace, message, outcome)
    )


def _retry(workspace: Workspace, message: MessageRecord) -> None:
    message.timer = None
    _enqueue(workspace, message)


def _receipt(workspace: Workspace, message: MessageRecord, outcome: Outcome) -> None:
    message.timer = None
    if outcome is Outcome.UNDELIVERABLE:
        _fail(workspace, message, undeliverable_error(), fallback=True)
        return
    _transition(workspace, message, "delivered")
    _settle(workspace, message)
    if outcome is Outcome.DELIVER_AND_READ:
        message.timer = workspace.clock.call_later(READ_SECONDS, lambda: _read(workspace, message))


def _read(workspace: Workspace, message: MessageRecord) -> None:
    message.timer = None
    _transition(workspace, message, "read")


def _fail(
    workspace: Workspace,
    message: MessageRecord,
    error: Mapping[str, Any],
    *,
    fallback: bool,
) -> None:
    message.error = error
    _transition(workspace, message, "failed")
    _settle(workspace, message)
    if fallback and message.fallback:
        create_message(
            workspace,
            to=message.contact,
            channel=message.fallback[0],
            kind=message.kind,
            content=message.content,
            category=message.category,
            priority=message.priority,
            trace_id=message.trace_id,
            request_id=message.request_id,
            metadata=message.metadata,
            fallback=message.fallback[1:],
            fallback_from=message.id,
            broadcast=None,
        )


def _transition(
    workspace: Workspace, message: MessageRecord, status: MessageStatus, *, at: float | None = None
) -> None:
    """Stamp the new status and emit its event, ordered per message for webhooks."""
    now = workspace.clock.now() if at is None else at
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
    _set_status(workspace, message, status)
    if status == "delivered" and message.kind == "template":
        thread = workspace.conversations.get(message.conversation_id or "")
        if thread is not None:
            thread.open_business_initiated(now)
    event_type = _STATUS_EVENTS.get(status)
    if event_type is not None:
        workspace.emit(
            event_type, message, trace_id=message.trace_id, ordering_key=message.id, at=now
        )


def _broadcast_of(workspace: Workspace, message: MessageRecord) -> BroadcastRecord | None:
    if message.broadcast_id is None:
        return None
    return workspace.broadcasts.get(message.broadcast_id)


def _settle(workspace: Workspace, message: MessageRecord) -> None:
    """Mark that nothing more will happen to ``message`` on its own (read aside)."""
    if message.settled:
        return
    message.settled = True
    broadcast = _broadcast_of(workspace, message)
    if broadcast is not None:
        broadcast.settled += 1
        if broadcast.is_done():
            _finish(workspace, broadcast, "completed")


def _set_status(workspace: Workspace, message: MessageRecord, status: MessageStatus) -> None:
    previous = message.status
    message.status = status
    broadcast = _broadcast_of(workspace, message)
    if broadcast is not None and previous != status:
        _count_move(workspace, broadcast, previous, status)


# -- broadcasts --------------------------------------------------------------------------------


def begin_broadcast(workspace: Workspace, broadcast: BroadcastRecord) -> None:
    """Start now, or at ``schedule_at`` when that is in the future."""
    clock = workspace.clock
    workspace.expire_at(broadcast.created_at + RETENTION_SECONDS)
    if broadcast.schedule_at is not None and broadcast.schedule_at > clock.now():
        broadcast.status = "scheduled"
        broadcast.timer = clock.call_at(broadcast.schedule_at, lambda: _start(workspace, broadcast))
    else:
        _start(workspace, broadcast)


def pause_broadcast(workspace: Workspace, broadcast: BroadcastRecord) -> None:
    broadcast.status = "paused"
    broadcast.paused_at = workspace.clock.now()
    broadcast.generation += 1


def resume_broadcast(workspace: Workspace, broadcast: BroadcastRecord) -> None:
    broadcast.status = "running"
    _launch(workspace, broadcast)


def cancel_broadcast(workspace: Workspace, broadcast: BroadcastRecord) -> None:
    """Stop: recipients not reached are canceled; messages already queued continue."""
    if broadcast.timer is not None:
        broadcast.timer.cancel()
        broadcast.timer = None
    broadcast.generation += 1
    broadcast.status = "canceled"
    broadcast.canceled_at = workspace.clock.now()
    _finish(workspace, broadcast, "canceled")


def _count_move(
    workspace: Workspace, broadcast: BroadcastRecord, previous: str, current: str
) -> None:
    """One of the broadcast's messages changed status: move it between the counts."""
    counts = dict(broadcast.counts)
    if previous in COUNTED:
        counts[previous] -= 1
    if current in COUNTED:
        counts[current] += 1
    broadcast.counts = counts
    if broadcast.progress_timer is None and not broadcast.finished:
        broadcast.progress_timer = workspace.clock.call_later(
            PROGRESS_INTERVAL_SECONDS, lambda: _timed_progress(workspace, broadcast)
        )


def _start(workspace: Workspace, broadcast: BroadcastRecord) -> None:
    broadcast.timer = None
    broadcast.status = "running"
    broadcast.started_at = workspace.clock.now()
    _launch(workspace, broadcast)


def _launch(workspace: Workspace, broadcast: BroadcastRecord) -> None:
    broadcast.generation += 1
    workspace.clock.spawn(_run(workspace, broadcast, broadcast.generation))


async def _run(workspace: Workspace, broadcast: BroadcastRecord, generation: int) -> None:
    clock = workspace.clock
    batch_size = min(BATCH_SIZE, max(1, broadcast.rate_limit_per_minute))
    interval = batch_size * 60.0 / broadcast.rate_limit_per_minute
    recipients = broadcast.recipients
    while broadcast.generation == generation and broadcast.position < len(recipients):
        if broadcast.next_batch_at > clock.now():
            await clock.sleep_until(broadcast.next_batch_at)
            continue
        batch = recipients[broadcast.position : broadcast.position + batch_size]
        broadcast.position += len(batch)
        broadcast.counts = {**broadcast.counts, "queued": broadcast.counts["queued"] + len(batch)}
        for recipient in batch:
            create_message(
                workspace,
                to=recipient,
                channel=broadcast.channel,
                kind="template",
                content=broadcast.template,
                category=broadcast.category,
                priority=broadcast.priority,
                trace_id=broadcast.trace_id,
                broadcast=broadcast,
            )
        broadcast.next_batch_at = clock.now() + interval
        _publish(workspace, broadcast, "broadcast.progress")
    if broadcast.generation == generation and broadcast.is_done():
        _finish(workspace, broadcast, "completed")


def _timed_progress(workspace: Workspace, broadcast: BroadcastRecord) -> None:
    broadcast.progress_timer = None
    if not broadcast.finished:
        _publish(workspace, broadcast, "broadcast.progress")


def _finish(
    workspace: Workspace, broadcast: BroadcastRecord, status: Literal["completed", "canceled"]
) -> None:
    if broadcast.progress_timer is not None:
        broadcast.progress_timer.cancel()
        broadcast.progress_timer = None
    if status == "completed":
        broadcast.status = "completed"
        broadcast.completed_at = workspace.clock.now()
        _publish(workspace, broadcast, "broadcast.progress")
    _publish(workspace, broadcast, "broadcast.completed")


def _publish(workspace: Workspace, broadcast: BroadcastRecord, event_type: str) -> None:
    """Emit the event, and append the same event (its id, its body) to the SSE stream."""
    data: dict[str, Any] = {
        "broadcast_id": broadcast.id,
        "status": broadcast.status,
        "counts": broadcast.progress(),
        "name": broadcast.name,
    }
    if broadcast.completed_at is not None:
        data["completed_at"] = isoformat(broadcast.completed_at)
    position = workspace.emit(event_type, data, trace_id=broadcast.trace_id)
    event = workspace.events.record(position)
    frame = json.dumps(event.envelope(isoformat), separators=(",", ":"))
    broadcast.stream.append(event_type, frame)
