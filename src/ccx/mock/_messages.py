"""Messages: the send rules a request must pass, the record kept per message, and its lifecycle.

The rules are plain functions that raise `MockAPIError` naming the field and the fix, so the
handlers stay a few lines. The lifecycle decisions (what the magic sandbox recipients do, when
to retry an upstream failure) are pure too; `ccx.mock._lifecycle` applies them on the clock.

Magic sandbox recipients (phone number, or the email address for the email channel):

- ``+15550000001`` / ``delivered@sandbox.ccx.co``: delivered, then read.
- ``+15550000002`` / ``undeliverable@sandbox.ccx.co``: fails undeliverable (upstream 131026)
  and triggers ``fallback`` (on WhatsApp or email; SMS reaches the number, so an SMS fallback
  is delivered).
- ``+15550000003`` / ``upstream-failure@sandbox.ccx.co``: every attempt fails upstream (502,
  retryable): the retry buffer retries it, reconciliation keeps trying for 7 days, then it is
  ``failed``.
- ``+15550000004`` / ``sent-only@sandbox.ccx.co``: never leaves ``sent``.
- ``+15550000005`` / ``late-delivery@sandbox.ccx.co``: the upstream fails for its first
  `LATE_RECOVERY_SECONDS` in the queue, then recovers: delivered by a reconciliation check.
- ``+15550000006`` / ``upstream-error@sandbox.ccx.co``: Meta rejects the send (131008): a
  single send is refused at once with 502 and ``error.upstream``; a broadcast's message to it
  is ``failed`` with that code.
- anything else: queued -> sent -> delivered.
"""

from __future__ import annotations

import enum
import itertools
import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from ccx.types.enums import MessageStatus

from ._clock import Timer, isoformat
from ._errors import MockAPIError
from ._pricing import BillingCategory, billable
from ._records import TemplateRecord

__all__ = [
    "CONTENT_KINDS",
    "DELIVERY_SECONDS",
    "LATE_RECOVERY_SECONDS",
    "RECONCILIATION_INTERVAL_SECONDS",
    "RECONCILIATION_SECONDS",
    "PRIORITY_RANK",
    "READ_SECONDS",
    "RETRY_DELAYS",
    "MessageRecord",
    "MessageStatus",
    "Outbox",
    "Outcome",
    "check_address",
    "check_fallback",
    "check_not_rejected",
    "check_template",
    "content_kind",
    "forced_failure_error",
    "new_message_id",
    "outcome_for",
    "rejected_error",
    "next_attempt_at",
    "undeliverable_error",
    "upstream_failure_error",
]

CONTENT_KINDS: tuple[str, ...] = ("template", "text", "media", "interactive")
PRIORITY_RANK: Mapping[str, int] = {"critical": 0, "high": 1, "default": 2, "low": 3}
"""Lower ranks leave the workspace queue first."""

DELIVERY_SECONDS = 1.0
"""Clock seconds from ``sent`` to the handset's delivery receipt."""
READ_SECONDS = 2.0
"""Clock seconds from ``delivered`` to ``read`` for the recipient that reads."""
RETRY_DELAYS: tuple[float, ...] = (2, 4, 8, 16, 32, 60, 300, 1800)
"""The retry buffer's backoff, as the platform documents it (2 s → 4 s → … → 5 min → 30 min).

"After 7 attempts, the message enters continuous reconciliation": the first seven delays come
before the buffer's seven retries (so the upstream sees the send plus 7 retries); the eighth,
30 min, is the wait after the last retry before the first reconciliation check.
"""
RECONCILIATION_INTERVAL_SECONDS = 6 * 3600.0
"""Between two reconciliation checks with the upstream."""
RECONCILIATION_SECONDS = 7 * 24 * 3600.0
"""How long reconciliation lasts, from the failed 7th retry; a last check comes at its end,
and only then is the message ``failed``."""
LATE_RECOVERY_SECONDS = 3 * 3600.0
"""How long the late-delivery recipient's upstream keeps failing, from when the message was
queued."""

# ASCII classes, as in the spec's patterns: Python's \d and \s would take Unicode digits and
# control characters that JSON Schema's do not.
_E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")
_EMAIL = re.compile(r"^[^@\x00-\x20\x7f]+@[^@\x00-\x20\x7f]+\.[^@\x00-\x20\x7f]+$")
_EVENT_STATUS: Mapping[str, MessageStatus] = {
    "message.queued": "queued",
    "message.sent": "sent",
    "message.delivered": "delivered",
    "message.read": "read",
    "message.failed": "failed",
    "message.reply": "received",
}


class Outcome(enum.Enum):
    DELIVER = "deliver"
    DELIVER_AND_READ = "deliver_and_read"
    UNDELIVERABLE = "undeliverable"
    UPSTREAM_FAILURE = "upstream_failure"
    LATE_RECOVERY = "late_recovery"
    STAY_SENT = "stay_sent"
    REJECTED = "rejected"


_MAGIC_RECIPIENTS: Mapping[str, Outcome] = {
    "+15550000001": Outcome.DELIVER_AND_READ,
    "delivered@sandbox.ccx.co": Outcome.DELIVER_AND_READ,
    "+15550000002": Outcome.UNDELIVERABLE,
    "undeliverable@sandbox.ccx.co": Outcome.UNDELIVERABLE,
    "+15550000003": Outcome.UPSTREAM_FAILURE,
    "upstream-failure@sandbox.ccx.co": Outcome.UPSTREAM_FAILURE,
    "+15550000004": Outcome.STAY_SENT,
    "sent-only@sandbox.ccx.co": Outcome.STAY_SENT,
    "+15550000005": Outcome.LATE_RECOVERY,
    "late-delivery@sandbox.ccx.co": Outcome.LATE_RECOVERY,
    "+15550000006": Outcome.REJECTED,
    "upstream-error@sandbox.ccx.co": Outcome.REJECTED,
}

_REJECTION: Mapping[str, Any] = {
    "code": 131008,
    "message": "(#131008) Required parameter is missing",
}
"""What Meta answers for the rejecting sandbox recipient, as its Cloud API words it."""


def new_message_id() -> str:
    # token_hex is one urandom call: cheap enough for a million broadcast recipients.
    return f"msg_{secrets.token_hex(8)}"


@dataclass(slots=True, eq=False)
class MessageRecord:
    """One message, kept small: broadcast recipients share ``content`` and ``metadata``.

    Made and changed in bulk by background work, so not `journaled`: a request that changes an
    existing message saves it first with `journal` (see ccx.mock._lifecycle).
    """

    id: str
    workspace_id: str
    direction: Literal["outbound", "inbound"]
    contact: str
    """The customer's address: the recipient of an outbound message, the sender of an inbound."""
    channel: str
    kind: str
    content: Any
    priority: str
    status: MessageStatus
    category: BillingCategory
    created_at: float
    trace_id: str | None = None
    request_id: str | None = None
    """The API request that made it (the inbox shows it); a broadcast's messages have none."""
    conversation_id: str | None = None
    broadcast_id: str | None = None
    metadata: Mapping[str, Any] | None = None
    fallback: tuple[str, ...] = ()
    fallback_from: str | None = None
    schedule_at: float | None = None
    timezone: str | None = None
    """The caller's zone for ``schedule_at``, echoed back for display."""
    queued_at: float | None = None
    sent_at: float | None = None
    delivered_at: float | None = None
    read_at: float | None = None
    failed_at: float | None = None
    canceled_at: float | None = None
    error: Mapping[str, Any] | None = None
    attempts: int = 0
    reconciling_since: float | None = None
    """When the retry buffer gave up and reconciliation began, while it lasts."""
    timer: Timer | None = None
    """The pending lifecycle step, cancelled when a test helper forces a status."""
    settled: bool = False
    """No lifecycle step is pending any more (delivered, failed, canceled, or stuck in sent)."""

    def payload(self) -> dict[str, Any]:
        """The ``Message`` resource (optional fields left out while unset)."""
        delivered = self.status in ("delivered", "read")
        fields: dict[str, Any] = {
            "id": self.id,
            "object": "message",
            "direction": self.direction,
            "to" if self.direction == "outbound" else "from": self.contact,
            "channel": self.channel,
            "status": self.status,
            "priority": self.priority,
            "type": self.kind,
            self.kind: self.content,
            "fallback": list(self.fallback),
            "fallback_from": self.fallback_from,
            "metadata": dict(self.metadata) if self.metadata else {},
            "conversation_id": self.conversation_id,
            "broadcast_id": self.broadcast_id,
            "schedule_at": _stamp(self.schedule_at, None),
            "timezone": self.timezone,
            "attempts": self.attempts,
            "error": dict(self.error) if self.error and self.status == "failed" else None,
            "billable": billable(self.category, self.channel) if delivered else None,
            "trace_id": self.trace_id,
            **self._timestamps(None),
        }
        return {name: value for name, value in fields.items() if value is not None}

    def event_data(self, event_type: str, at: float) -> dict[str, Any]:
        """The ``MessageEventData`` of ``event_type``: the message as it was at ``at``."""
        status = _EVENT_STATUS.get(event_type, self.status)
        delivered = status in ("delivered", "read")
        fields: dict[str, Any] = {
            "message_id": self.id,
            "status": status,
            "direction": self.direction,
            "to" if self.direction == "outbound" else "from": self.contact,
            "channel": self.channel,
            "conversation_id": self.conversation_id,
            "broadcast_id": self.broadcast_id,
            "type": self.kind,
            "template": self.content["name"] if self.kind == "template" else None,
            "text": self.content if self.kind == "text" else None,
            "fallback_from": self.fallback_from,
            "metadata": dict(self.metadata) if self.metadata else None,
            "attempts": self.attempts,
            "billable": billable(self.category, self.channel) if delivered else None,
            "error": dict(self.error) if self.error and status == "failed" else None,
            **self._timestamps(at),
        }
        if self.direction == "inbound":
            fields["received_at"] = _stamp(self.created_at, at)
            if self.kind != "text":
                fields[self.kind] = dict(self.content)
        return {name: value for name, value in fields.items() if value is not None}

    def _timestamps(self, at: float | None) -> dict[str, str | None]:
        return {
            "created_at": _stamp(self.created_at, at),
            "queued_at": _stamp(self.queued_at, at),
            "sent_at": _stamp(self.sent_at, at),
            "delivered_at": _stamp(self.delivered_at, at),
            "read_at": _stamp(self.read_at, at),
            "failed_at": _stamp(self.failed_at, at),
            "canceled_at": _stamp(self.canceled_at, at),
        }


def _stamp(value: float | None, at: float | None) -> str | None:
    """RFC 3339 text, or None when unset or later than ``at`` (rendering the past)."""
    if value is None or (at is not None and value > at):
        return None
    return isoformat(value)


@dataclass(eq=False)
class Outbox:
    """One workspace's priority queue of messages waiting for the upstream, and its drain.

    Lower ``PRIORITY_RANK`` leaves first; the sequence keeps equal priorities in order. It is
    changed only by effects staged until a request commits, so it needs no journal.
    """

    queue: list[tuple[int, int, MessageRecord]] = field(
        default_factory=list[tuple[int, int, MessageRecord]]
    )
    dispatching: bool = False
    sequence: itertools.count[int] = field(default_factory=itertools.count)


# -- send rules --------------------------------------------------------------------------------


def _invalid(code: str, message: str, param: str | None) -> MockAPIError:
    return MockAPIError(400, "invalid_request_error", code, message, param=param)


def content_kind(body: Mapping[str, Any]) -> str:
    """The one content field a send carries; zero or several is a 400 naming them."""
    given = [kind for kind in CONTENT_KINDS if body.get(kind) is not None]
    if len(given) == 1:
        return given[0]
    if not given:
        raise _invalid(
            "missing_content",
            "A message needs exactly one of template, text, media or interactive; none was given.",
            "template",
        )
    raise _invalid(
        "ambiguous_content",
        f"A message carries exactly one of template, text, media or interactive; got "
        f"{' and '.join(given)}. Send them as separate messages.",
        given[1],
    )


def check_address(channel: str, address: str, *, param: str = "to") -> None:
    if channel == "email":
        if not _EMAIL.match(address):
            raise _invalid(
                "invalid_recipient",
                f"{param} must be an email address for the email channel, got {address!r}.",
                param,
            )
    elif not _E164.match(address):
        raise _invalid(
            "invalid_recipient",
            f"{param} must be an E.164 phone number like +5511999990000 for the {channel} "
            f"channel, got {address!r}.",
            param,
        )


def check_fallback(channel: str, to: str, fallback: Sequence[str]) -> tuple[str, ...]:
    """Fallback channels in order: distinct, not the primary, and able to reach ``to``."""
    seen: list[str] = []
    for index, candidate in enumerate(fallback):
        param = f"fallback[{index}]"
        if candidate == channel or candidate in seen:
            raise _invalid(
                "invalid_fallback",
                f"{param} repeats channel {candidate!r}; list each fallback channel once, "
                "without the primary channel.",
                param,
            )
        try:
            check_address(candidate, to, param="to")
        except MockAPIError:
            raise _invalid(
                "invalid_fallback",
                f"{param} is {candidate!r}, which cannot reach {to!r}; drop it from fallback.",
                param,
            ) from None
        seen.append(candidate)
    return tuple(seen)


def check_template(
    templates: Mapping[str, TemplateRecord],
    name: str,
    language: str | None,
    variables: Mapping[str, Any] | Sequence[Any] | None,
    *,
    param: str = "template",
) -> TemplateRecord:
    """The approved template a send may use, or the refusal naming what is wrong."""
    template = templates.get(name)
    if template is None:
        raise MockAPIError(
            404,
            "not_found_error",
            "template_not_found",
            f"No template named {name!r} exists in this workspace; create it or fix the name.",
            param=f"{param}.name",
        )
    if template.status != "approved":
        raise MockAPIError(
            409,
            "conflict_error",
            "template_not_approved",
            f"Template {name!r} is {template.status}; only approved templates can be sent.",
            param=f"{param}.name",
        )
    if language is not None and language != template.language:
        raise MockAPIError(
            422,
            "unprocessable_error",
            "template_language_mismatch",
            f"Template {name!r} exists in {template.language!r}, not {language!r}.",
            param=f"{param}.language",
        )
    expected = template.variables
    if isinstance(variables, Mapping):
        matches = set(variables) == set(expected)
    else:
        matches = len(variables or ()) == len(expected)
    if not matches:
        raise MockAPIError(
            422,
            "unprocessable_error",
            "template_variables_mismatch",
            f"Template {name!r} takes {len(expected)} variable(s) "
            f"({', '.join(expected) or 'none'}); got {len(variables or ())}.",
            param=f"{param}.variables",
        )
    return template


# -- lifecycle decisions -----------------------------------------------------------------------


def outcome_for(message: MessageRecord, now: float) -> Outcome:
    """What the upstream does with ``message`` when handed it at ``now``."""
    outcome = _MAGIC_RECIPIENTS.get(message.contact, Outcome.DELIVER)
    if outcome is Outcome.UNDELIVERABLE and message.channel == "sms":
        # 131026 is WhatsApp's verdict on the number; SMS still reaches it, so fallback works.
        return Outcome.DELIVER
    if outcome is Outcome.LATE_RECOVERY:
        queued_at = message.queued_at if message.queued_at is not None else message.created_at
        recovered = now >= queued_at + LATE_RECOVERY_SECONDS
        return Outcome.DELIVER if recovered else Outcome.UPSTREAM_FAILURE
    return outcome


def next_attempt_at(attempts: int, now: float, reconciling_since: float | None) -> float | None:
    """When to hand the message to the upstream again after failed attempt ``attempts``
    (1-based, made at ``now``), or None when reconciliation is over and it has failed.

    Attempts 1 to 8 (the send and 7 retries) wait `RETRY_DELAYS`; reconciliation then checks
    every 6 h, with a last check exactly 7 days after it began.
    """
    if attempts <= len(RETRY_DELAYS):
        return now + RETRY_DELAYS[attempts - 1]
    ends = (now if reconciling_since is None else reconciling_since) + RECONCILIATION_SECONDS
    if now >= ends:
        return None
    return min(now + RECONCILIATION_INTERVAL_SECONDS, ends)


def undeliverable_error() -> dict[str, Any]:
    return {
        "code": "undeliverable",
        "message": "WhatsApp could not deliver this message to the recipient.",
        "upstream_code": 131026,
    }


def upstream_failure_error(attempts: int) -> dict[str, Any]:
    return {
        "code": "upstream_unavailable",
        "message": (
            f"The upstream provider kept failing (502) through the retry buffer and 7 days of "
            f"reconciliation; gave up after {attempts} attempts."
        ),
        "upstream_code": 502,
    }


def check_not_rejected(to: str) -> None:
    """A send Meta rejects synchronously is a 502 carrying Meta's own error, and nothing is
    queued: retrying cannot help (``retryable`` is false), fixing the request can."""
    if _MAGIC_RECIPIENTS.get(to) is Outcome.REJECTED:
        raise MockAPIError(
            502,
            "upstream_error",
            "upstream_failure",
            f"The upstream provider rejected the message to {to}: {_REJECTION['message']}. "
            "Nothing was sent; see error.upstream for Meta's code.",
            upstream=_REJECTION,
        )


def rejected_error() -> dict[str, Any]:
    """The error of a broadcast message Meta rejected (no request is left to answer 502)."""
    return {
        "code": "upstream_error",
        "message": f"The upstream provider rejected the message: {_REJECTION['message']}.",
        "upstream_code": _REJECTION["code"],
    }


def forced_failure_error(upstream_code: int | None) -> dict[str, Any]:
    """The error a test helper's forced ``failed`` carries."""
    if upstream_code is None:
        return undeliverable_error()
    return {
        "code": "upstream_error",
        "message": f"Failed by the set_status test helper with upstream code {upstream_code}.",
        "upstream_code": upstream_code,
    }
