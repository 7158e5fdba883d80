"""Outbound webhooks: endpoints, signed POSTs, redelivery on the clock, per-message ordering.

Every event an endpoint subscribes to is POSTed with ``CCX-Signature`` (signed by the SDK's own
``sign``, so the mock and the SDK verifier share one implementation), ``CCX-Event-Id`` and
``CCX-Event-Type``. The signature's timestamp is the wall time of the POST, not the mock clock's:
it guards the transport against replays, so any receiver (checking against its own clock)
accepts it however far the mock clock was started or moved, as with Stripe's test clocks. Any 2xx within 10 s acknowledges. Anything else is redelivered with
exponential backoff for up to 24 h on the clock; a 410 disables the endpoint and drops what was
pending for it. Events sharing an ordering key (a message id) form one chain per endpoint: a
later event waits until the earlier one is acknowledged or given up.

Each workspace has its own `DeliveryPool`: its own connections and at most
``MockConfig.delivery_concurrency`` POSTs in flight, so a slow receiver in one workspace never
delays another's webhooks. Deliveries a request causes start when the request commits.

The latest attempts are kept in `DeliveryPool.attempts` (bounded, and 30 days on the clock) so
tests (and the pytest plugin) can assert on what the receiver saw.
"""

from __future__ import annotations

import asyncio
import itertools
import secrets
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import httpx

from ccx.webhooks import sign

from ._clock import Clock, isoformat
from ._errors import json_bytes
from ._events import EventRecord
from ._signal import Signal
from ._transaction import after_commit, journaled

__all__ = [
    "ACK_TIMEOUT_SECONDS",
    "REDELIVERY_WINDOW_SECONDS",
    "RESPONSE_SNIPPET_CHARACTERS",
    "DeliveryAttempt",
    "DeliveryPool",
    "EndpointRecord",
    "new_endpoint_secret",
    "redelivery_delay",
    "signed_headers",
]

ACK_TIMEOUT_SECONDS = 10.0
"""Real seconds a receiver has to answer 2xx before the attempt counts as failed."""
FIRST_REDELIVERY_SECONDS = 10.0
REDELIVERY_WINDOW_SECONDS = 24 * 3600.0
RESPONSE_SNIPPET_CHARACTERS = 300
"""How much of a receiver's answer an attempt keeps: enough to read an error, bounded."""

_ATTEMPT_ORDER = itertools.count()
"""Numbers the attempts of every pool, so a server can list them all in the order they were made."""


def new_endpoint_secret() -> str:
    return f"whsec_{secrets.token_urlsafe(24)}"


def redelivery_delay(attempt: int) -> float | None:
    """Wait before attempt ``attempt + 1`` (10 s, doubling), or None past the 24 h window."""
    delay = FIRST_REDELIVERY_SECONDS * float(2 ** (attempt - 1))
    waited_so_far = delay - FIRST_REDELIVERY_SECONDS
    if waited_so_far + delay > REDELIVERY_WINDOW_SECONDS:
        return None
    return delay


def signed_headers(
    event_id: str, event_type: str, body: bytes, signing_secrets: Sequence[str]
) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "CCX-Signature": sign(body, tuple(signing_secrets), timestamp=int(time.time())),
        "CCX-Event-Id": event_id,
        "CCX-Event-Type": event_type,
    }


@journaled
class EndpointRecord:
    """A webhook endpoint. The secrets never appear in its repr or its payload."""

    id: str
    url: str
    events: tuple[str, ...]
    created_at: float
    secret: str = field(repr=False)
    description: str | None = None
    status: Literal["enabled", "disabled"] = "enabled"
    disabled_reason: str | None = None
    previous_secret: str | None = field(default=None, repr=False)
    previous_secret_expires_at: float | None = None

    def subscribes(self, event_type: str) -> bool:
        return "*" in self.events or event_type in self.events

    def signing_secrets(self, now: float) -> tuple[str, ...]:
        """The current secret, plus the previous one while the rotation overlap lasts."""
        expires = self.previous_secret_expires_at
        if self.previous_secret is not None and expires is not None and now < expires:
            return (self.secret, self.previous_secret)
        return (self.secret,)

    def payload(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "object": "webhook_endpoint",
            "url": self.url,
            "events": list(self.events),
            "description": self.description,
            "status": self.status,
            "disabled_reason": self.disabled_reason,
            "created_at": isoformat(self.created_at),
        }


@dataclass(frozen=True, slots=True)
class DeliveryAttempt:
    """One POST to one endpoint; ``status`` is None when no response came back."""

    endpoint_id: str
    event_id: str
    event_type: str
    attempt: int
    status: int | None
    error: str | None
    at: float
    """The workspace clock's reading when the POST was made."""
    workspace_id: str = ""
    order: int = field(default=0, repr=False)
    """Where this attempt stands among every workspace's attempts, in the order they were made."""
    signature: str = field(default="", repr=False)
    """The ``CCX-Signature`` header sent (an HMAC, not the secret)."""
    response: str = field(default="", repr=False)
    """The start of the receiver's answer (`RESPONSE_SNIPPET_CHARACTERS`), for the inbox."""

    @property
    def acknowledged(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


@dataclass(eq=False)
class _Chain:
    endpoint: EndpointRecord
    pending: deque[EventRecord] = field(default_factory=deque[EventRecord])


class DeliveryPool:
    """One workspace's deliveries on its clock: one ordered chain per endpoint and ordering key."""

    def __init__(
        self,
        workspace_id: str,
        clock: Clock,
        *,
        concurrency: int,
        attempts_kept: int,
        changed: Signal | None = None,
    ) -> None:
        self._workspace_id = workspace_id
        self._clock = clock
        self._changed = changed or Signal()
        self._concurrency = concurrency
        self._chains: dict[tuple[str, str], _Chain] = {}
        self._client: httpx.AsyncClient | None = None
        self._slots: asyncio.Semaphore | None = None
        self.attempts: deque[DeliveryAttempt] = deque(maxlen=attempts_kept)
        """The latest attempts, oldest first."""
        self._waiting: set[tuple[str, str]] = set()
        """(endpoint id, event id) of the events waiting for their next automatic retry."""
        self._redelivered: set[tuple[str, str]] = set()
        """Those of them a redelivery got acknowledged meanwhile: their retries stop."""

    def enqueue(
        self, endpoint: EndpointRecord, event: EventRecord, *, subscribed_only: bool = True
    ) -> None:
        """Queue ``event`` for ``endpoint`` behind earlier events with the same ordering key.

        Inside a request, the delivery is queued when the request commits.
        """
        after_commit(self._enqueue, endpoint, event, subscribed_only)

    def redeliver(self, endpoint: EndpointRecord, event: EventRecord) -> None:
        """POST ``event`` to ``endpoint`` once more, now (once the request commits).

        A repeat of an event already sent, so it does not wait behind the per-message order; if
        it is acknowledged, the event's pending automatic retries stop.
        """
        self._clock.spawn(self._post_again(endpoint, event))

    def drop_endpoint(self, endpoint_id: str) -> None:
        """Forget everything pending for an endpoint (disabled or deleted), once committed."""
        after_commit(self._drop, endpoint_id)

    def forget_attempts_before(self, cutoff: float) -> None:
        """Retention: attempts made before ``cutoff`` on the clock are no longer kept."""
        attempts = self.attempts
        while attempts and attempts[0].at < cutoff:
            attempts.popleft()

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    def _enqueue(self, endpoint: EndpointRecord, event: EventRecord, subscribed_only: bool) -> None:
        if endpoint.status != "enabled" or (
            subscribed_only and not endpoint.subscribes(event.type)
        ):
            return
        key = (endpoint.id, event.ordering_key or event.id)
        chain = self._chains.get(key)
        if chain is not None:
            chain.pending.append(event)
            return
        chain = _Chain(endpoint)
        chain.pending.append(event)
        self._chains[key] = chain
        self._clock.spawn(self._run(key, chain))

    def _drop(self, endpoint_id: str) -> None:
        for key, chain in list(self._chains.items()):
            if key[0] == endpoint_id:
                chain.pending.clear()

    async def _run(self, key: tuple[str, str], chain: _Chain) -> None:
        try:
            while chain.pending and chain.endpoint.status == "enabled":
                await self._deliver_with_retries(chain.endpoint, chain.pending.popleft())
        finally:
            del self._chains[key]

    async def _deliver_with_retries(self, endpoint: EndpointRecord, event: EventRecord) -> None:
        body = json_bytes(event.envelope(isoformat))
        attempt = 1
        while endpoint.status == "enabled":
            status = await self._post(endpoint, event, body, attempt)
            if self._settled(endpoint, status):
                return
            delay = redelivery_delay(attempt)
            if delay is None:
                return
            key = (endpoint.id, event.id)
            self._waiting.add(key)
            try:
                await self._clock.sleep(delay)
            finally:
                self._waiting.discard(key)
            if key in self._redelivered:
                self._redelivered.discard(key)
                return
            attempt += 1

    async def _post_again(self, endpoint: EndpointRecord, event: EventRecord) -> None:
        attempt = 1 + sum(
            1
            for made in self.attempts
            if made.endpoint_id == endpoint.id and made.event_id == event.id
        )
        status = await self._post(endpoint, event, json_bytes(event.envelope(isoformat)), attempt)
        key = (endpoint.id, event.id)
        if self._settled(endpoint, status) and key in self._waiting:
            self._redelivered.add(key)

    def _settled(self, endpoint: EndpointRecord, status: int | None) -> bool:
        """Whether an answer ends an event's delivery: acknowledged, or 410 (which disables)."""
        if status is not None and 200 <= status < 300:
            return True
        if status == 410:
            endpoint.status = "disabled"
            endpoint.disabled_reason = "The endpoint answered 410 Gone."
            self._drop(endpoint.id)
            return True
        return False

    async def _post(
        self, endpoint: EndpointRecord, event: EventRecord, body: bytes, attempt: int
    ) -> int | None:
        client, slots = self._connection()
        now = self._clock.now()
        headers = signed_headers(event.id, event.type, body, endpoint.signing_secrets(now))
        status: int | None = None
        error: str | None = None
        answer = ""
        async with slots:
            try:
                response = await client.post(endpoint.url, content=body, headers=headers)
                status = response.status_code
                answer = response.text[:RESPONSE_SNIPPET_CHARACTERS]
            except httpx.HTTPError as exc:
                error = f"{type(exc).__name__}: {exc}"
        self.attempts.append(
            DeliveryAttempt(
                endpoint.id,
                event.id,
                event.type,
                attempt,
                status,
                error,
                now,
                self._workspace_id,
                next(_ATTEMPT_ORDER),
                headers["CCX-Signature"],
                answer,
            )
        )
        self._changed.notify()
        return status

    def _connection(self) -> tuple[httpx.AsyncClient, asyncio.Semaphore]:
        if self._client is None or self._slots is None:
            # The pool's own connections: as many as its deliveries in flight, so waiting for a
            # connection never takes longer than waiting for a slot.
            limits = httpx.Limits(
                max_connections=self._concurrency, max_keepalive_connections=self._concurrency
            )
            self._client = httpx.AsyncClient(
                timeout=ACK_TIMEOUT_SECONDS, follow_redirects=False, trust_env=False, limits=limits
            )
            self._slots = asyncio.Semaphore(self._concurrency)
        return self._client, self._slots
