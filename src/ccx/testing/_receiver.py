"""A webhook receiver for tests: the endpoint CCX (or the mock) delivers to, on loopback."""

from __future__ import annotations

import dataclasses
import json
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Collection, Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any, Final, Literal

from typing_extensions import Self, TypedDict, Unpack, overload, override

from ._listener import WebhookListener

if TYPE_CHECKING:
    from ccx._client import CCX
    from ccx.mock import MockServer
    from ccx.types import (
        BroadcastCompletedEvent,
        BroadcastProgressEvent,
        ContactCreatedEvent,
        ConversationCreatedEvent,
        ConversationWindowClosedEvent,
        ConversationWindowExpiringEvent,
        ConversationWindowOpenedEvent,
        Event,
        MessageDeliveredEvent,
        MessageFailedEvent,
        MessageQueuedEvent,
        MessageReadEvent,
        MessageReplyEvent,
        MessageSentEvent,
        TemplateApprovedEvent,
        TemplatePausedEvent,
        TemplateRejectedEvent,
        WebhookEndpointWithSecret,
        WebhookEventSelector,
    )

__all__ = ["WebhookDelivery", "WebhookReceiver"]

_POLL_SECONDS = 0.05
"""How often a waiting receiver looks again at a mock driven from another thread."""
_ALL_EVENTS: Final[tuple[WebhookEventSelector, ...]] = ("*",)


class _WaitOptions(TypedDict, total=False):
    """The keyword options of `WebhookReceiver.wait_for`, shared by its overloads."""

    message_id: str | None
    timeout: float
    max_advance: float


@dataclasses.dataclass(frozen=True)
class WebhookDelivery:
    """One POST the receiver got: what was sent, what it answered, and what it made of it."""

    headers: Mapping[str, str]
    """Request headers, names in lower case."""
    body: bytes
    status: int
    """The status the receiver answered."""
    event: Event | None = None
    """The typed event, when the signature verified; None when rejected or not checked."""
    error: str | None = None
    """Why verification failed (the receiver answered 400)."""

    @property
    def envelope(self) -> dict[str, Any]:
        parsed: dict[str, Any] = json.loads(self.body)
        return parsed

    @property
    def event_id(self) -> str:
        return self.headers["ccx-event-id"]

    @property
    def event_type(self) -> str:
        return self.headers["ccx-event-type"]

    @property
    def message_id(self) -> str | None:
        """The ``data.message_id`` of a message event; None for other events."""
        try:
            message_id: object = self.envelope["data"]["message_id"]
        except (ValueError, LookupError, TypeError):
            return None
        return message_id if isinstance(message_id, str) else None

    @property
    def acknowledged(self) -> bool:
        return 200 <= self.status < 300


class WebhookReceiver:
    """A real HTTP server on loopback (a `WebhookListener`) recording the webhooks posted to it.

    With a ``secret`` (set by `register`, or by hand after creating an endpoint) every delivery
    is verified with ``ccx.webhooks``, strictly (a body that breaks its event's schema is
    refused too, to catch drift): a bad one is answered 400 and recorded with its ``error``.
    Without one, deliveries are recorded unverified. ``script`` makes it answer
    other statuses, per event type, to exercise redelivery. Signatures are checked as your
    application would check them, against the wall clock (the mock signs with it, whatever
    its own clock says). Given the ``mock`` it serves, `wait_for` moves the mock's clock.

    Use it as a context manager; ``url`` is known (the port bound) as soon as it is created.
    """

    def __init__(
        self,
        *,
        secret: str | None = None,
        mock: MockServer | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        path: str = "/webhooks/ccx",
    ) -> None:
        self.path = path
        self.script: defaultdict[str, list[int]] = defaultdict(list)
        """Statuses to answer per event type, used up in order; then 200 (or 400 if forged)."""
        self._secret = secret
        self._mock = mock
        self._mock_now: Callable[[], float] = time.time if mock is None else mock.clock.now
        """The clock ``wait_for`` measures ``max_advance`` on (the mock's, when there is one)."""
        self._deliveries: list[WebhookDelivery] = []
        self._changed = threading.Condition()
        self._listener = WebhookListener(host=host, port=port)
        self.url = self._listener.url + path

    @property
    def secret(self) -> str | None:
        return self._secret

    @secret.setter
    def secret(self, secret: str | None) -> None:
        self._secret = secret

    @property
    def deliveries(self) -> list[WebhookDelivery]:
        """Every POST received so far, in arrival order."""
        with self._changed:
            return list(self._deliveries)

    @property
    def events(self) -> list[Event]:
        """The verified events acknowledged so far, in arrival order."""
        return [
            delivery.event
            for delivery in self.deliveries
            if delivery.event is not None and delivery.acknowledged
        ]

    def acknowledged(self) -> list[WebhookDelivery]:
        return [delivery for delivery in self.deliveries if delivery.acknowledged]

    def register(
        self, client: CCX, *, events: Collection[WebhookEventSelector] = _ALL_EVENTS
    ) -> WebhookEndpointWithSecret:
        """Create a webhook endpoint for this receiver with ``client`` and verify with its secret."""
        endpoint = client.webhook_endpoints.create(
            url=self.url, events=list(events), description="ccx.testing receiver"
        )
        self.secret = endpoint.secret
        return endpoint

    # One overload per event type, so the event comes back as its own class (a test checks
    # them against ccx.types.EVENT_TYPES); any other type gives the `Event` union.
    @overload
    def wait_for(
        self, event_type: Literal["message.queued"], **options: Unpack[_WaitOptions]
    ) -> MessageQueuedEvent: ...
    @overload
    def wait_for(
        self, event_type: Literal["message.sent"], **options: Unpack[_WaitOptions]
    ) -> MessageSentEvent: ...
    @overload
    def wait_for(
        self, event_type: Literal["message.delivered"], **options: Unpack[_WaitOptions]
    ) -> MessageDeliveredEvent: ...
    @overload
    def wait_for(
        self, event_type: Literal["message.read"], **options: Unpack[_WaitOptions]
    ) -> MessageReadEvent: ...
    @overload
    def wait_for(
        self, event_type: Literal["message.failed"], **options: Unpack[_WaitOptions]
    ) -> MessageFailedEvent: ...
    @overload
    def wait_for(
        self, event_type: Literal["message.reply"], **options: Unpack[_WaitOptions]
    ) -> MessageReplyEvent: ...
    @overload
    def wait_for(
        self, event_type: Literal["broadcast.progress"], **options: Unpack[_WaitOptions]
    ) -> BroadcastProgressEvent: ...
    @overload
    def wait_for(
        self, event_type: Literal["broadcast.completed"], **options: Unpack[_WaitOptions]
    ) -> BroadcastCompletedEvent: ...
    @overload
    def wait_for(
        self, event_type: Literal["template.approved"], **options: Unpack[_WaitOptions]
    ) -> TemplateApprovedEvent: ...
    @overload
    def wait_for(
        self, event_type: Literal["template.rejected"], **options: Unpack[_WaitOptions]
    ) -> TemplateRejectedEvent: ...
    @overload
    def wait_for(
        self, event_type: Literal["template.paused"], **options: Unpack[_WaitOptions]
    ) -> TemplatePausedEvent: ...
    @overload
    def wait_for(
        self, event_type: Literal["conversation.created"], **options: Unpack[_WaitOptions]
    ) -> ConversationCreatedEvent: ...
    @overload
    def wait_for(
        self, event_type: Literal["conversation.window_opened"], **options: Unpack[_WaitOptions]
    ) -> ConversationWindowOpenedEvent: ...
    @overload
    def wait_for(
        self, event_type: Literal["conversation.window_expiring"], **options: Unpack[_WaitOptions]
    ) -> ConversationWindowExpiringEvent: ...
    @overload
    def wait_for(
        self, event_type: Literal["conversation.window_closed"], **options: Unpack[_WaitOptions]
    ) -> ConversationWindowClosedEvent: ...
    @overload
    def wait_for(
        self, event_type: Literal["contact.created"], **options: Unpack[_WaitOptions]
    ) -> ContactCreatedEvent: ...
    @overload
    def wait_for(self, event_type: str, **options: Unpack[_WaitOptions]) -> Event: ...

    def wait_for(
        self,
        event_type: str,
        *,
        message_id: str | None = None,
        timeout: float = 5.0,
        max_advance: float = 3600.0,
    ) -> Event:
        """The first verified, acknowledged ``event_type`` event (for ``message_id``, if given),
        typed as that event's class (``wait_for("message.read")`` is a ``MessageReadEvent``).

        With a mock, waiting moves its clock from one timer to the next, at most
        ``max_advance`` mock seconds, so lifecycle steps and redeliveries happen at once;
        ``timeout`` bounds the real seconds spent. Raises ``TimeoutError`` saying what came.
        """
        deadline = time.monotonic() + timeout
        started = self._mock_now()
        horizon = started + max_advance
        while True:
            found = self._find(event_type, message_id)
            if found is not None:
                return found
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(
                    self._nothing_came(event_type, message_id, timeout, self._mock_now() - started)
                )
            if self._mock is not None and _advance_to_next_timer(self._mock, horizon):
                continue
            with self._changed:
                if self._find(event_type, message_id) is None:
                    self._changed.wait(min(remaining, _POLL_SECONDS))

    def _find(self, event_type: str, message_id: str | None) -> Event | None:
        for delivery in self.deliveries:
            if (
                delivery.event is not None
                and delivery.acknowledged
                and delivery.event.event == event_type  # the body's type, which the class follows
                and (message_id is None or delivery.message_id == message_id)
            ):
                return delivery.event
        return None

    def _nothing_came(
        self, event_type: str, message_id: str | None, timeout: float, advanced: float
    ) -> str:
        wanted = event_type if message_id is None else f"{event_type} for {message_id}"
        deliveries = self.deliveries
        seen = ", ".join(
            f"{delivery.event_type}"
            + (f" ({delivery.message_id})" if delivery.message_id else "")
            + (f" answered {delivery.status}" if not delivery.acknowledged else "")
            for delivery in deliveries
            if "ccx-event-type" in delivery.headers
        )
        rejected = [delivery.error for delivery in deliveries if delivery.error is not None]
        return (
            f"No verified {wanted} webhook arrived at {self.url} within {timeout:g} s"
            + (f" (the mock clock moved {advanced:g} s)" if self._mock is not None else "")
            + f". Received: {seen or 'nothing'}."
            + (f" Rejected {len(rejected)}, first because: {rejected[0]}" if rejected else "")
            + ("" if self._secret is not None else " No secret is set, so nothing is verified.")
        )

    def _receive(self, path: str, headers: Mapping[str, str], body: bytes) -> int:
        """Record one request and return the status to answer (called on a server thread)."""
        if path != self.path:
            return 404
        event: Event | None = None
        error: str | None = None
        secret = self._secret
        if secret is not None:
            from ccx.webhooks import WebhookVerificationError, verify

            try:
                event = verify(body, headers, secret, strict=True)
            except WebhookVerificationError as rejection:
                error = str(rejection)
        with self._changed:
            scripted = self.script.get(headers.get("ccx-event-type", ""))
            status = 400 if error is not None else scripted.pop(0) if scripted else 200
            self._deliveries.append(WebhookDelivery(dict(headers), body, status, event, error))
            self._changed.notify_all()
        return status

    def start(self) -> Self:
        self._listener.start(self._receive)
        return self

    def stop(self) -> None:
        self._listener.stop()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    @override
    def __repr__(self) -> str:
        secret = "set" if self._secret is not None else "unset"
        return (
            f"WebhookReceiver(url={self.url!r}, secret={secret}, "
            f"deliveries={len(self._deliveries)})"
        )


def _advance_to_next_timer(server: MockServer, horizon: float) -> bool:
    """Move the mock's clocks to the soonest timer of any workspace if that comes before
    ``horizon`` (on the demo workspace's clock); False if not."""
    due_in = server.next_due_in()
    if due_in is None or server.clock.now() + due_in > horizon:
        return False
    server.advance(due_in)
    return True
