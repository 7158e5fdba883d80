"""pytest fixtures for code that uses CCX: the bundled mock server, clients and a webhook receiver.

Installed with ``pip install 'ccx-sdk[mock]'``; pytest loads it by itself (entry point
``pytest11``). Importing it costs almost nothing: the mock server and the SDK load when a
fixture first needs them, so suites that never use the fixtures do not pay for them, and
without the ``mock`` extra the fixtures fail with the command that installs it.

Fixtures:

- ``ccx_mock``: a running `ccx.mock.MockServer` for the test, on a frozen clock (time moves
  only when the test advances it), configured by ``@pytest.mark.ccx_mock(...)``. With the ini
  option ``ccx_mock_scope = session``, unmarked tests share ``ccx_mock_session`` instead.
- ``ccx_mock_session``: one server for the whole session (state accumulates across tests).
- ``ccx_client`` / ``ccx_async_client``: clients bound to ``ccx_mock``, closed after the test.
  Their waits (retry backoff, ``Retry-After``) move the mock clock instead of sleeping. They are
  strict (``strict_response_validation=True``): a response that drifts from the spec fails the
  test instead of being read leniently. Tests using ``ccx_async_client`` run on an event loop:
  ``@pytest.mark.anyio`` (anyio's plugin comes with httpx) or ``@pytest.mark.asyncio``
  (pytest-asyncio); without either, the fixture fails saying so.
- ``ccx_webhook_receiver``: a `WebhookReceiver` registered on ``ccx_mock`` for every event,
  verifying each delivery's signature and, strictly, its shape; ``wait_for`` advances the mock
  clock until the event arrives.

    @pytest.mark.ccx_mock(faults="status=503,rate=0.3,seed=7")  # 30% of requests fail
    def test_order_confirmation(ccx_client, ccx_webhook_receiver):
        message = ccx_client.messages.send(
            to="+15550000001", channel="whatsapp", template=ORDER, max_retries=5
        )
        event = ccx_webhook_receiver.wait_for("message.read", message_id=message.id)
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import threading
import time
import types
from collections import defaultdict
from collections.abc import AsyncIterator, Callable, Collection, Iterator, Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any, Final, Literal, cast

import pytest
from typing_extensions import Self, TypedDict, Unpack, overload, override

if TYPE_CHECKING:
    from http.server import ThreadingHTTPServer

    from ccx._client import CCX, AsyncCCX
    from ccx.mock import MockServer
    from ccx.types import (
        BroadcastCompletedEvent,
        BroadcastProgressEvent,
        ContactCreatedEvent,
        ConversationCreatedEvent,
        Event,
        MessageDeliveredEvent,
        MessageFailedEvent,
        MessageQueuedEvent,
        MessageReadEvent,
        MessageReplyEvent,
        MessageSentEvent,
        TemplateApprovedEvent,
        TemplateRejectedEvent,
        WebhookEndpointWithSecret,
        WebhookEventSelector,
    )

__all__ = ["WebhookDelivery", "WebhookReceiver"]

MARKER: Final = "ccx_mock"
SCOPE_OPTION: Final = "ccx_mock_scope"
CLOCK_START_OPTION: Final = "ccx_mock_clock_start"
_SCOPES = ("function", "session")
_MOCK_EXTRA_MODULES = frozenset({"starlette", "uvicorn"})
_FAULT_HEADER = "CCX-Mock-Fault"
_CLOCK_START = "clock_start"
_POLL_SECONDS = 0.05
"""How often a waiting receiver looks again at a mock driven from another thread."""
_SHUTDOWN_POLL_SECONDS = 0.05

_ALL_EVENTS: Final[tuple[WebhookEventSelector, ...]] = ("*",)

# -- configuration ---------------------------------------------------------------------------


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini(
        SCOPE_OPTION,
        "'function' (default): every test using ccx_mock gets a fresh mock server; 'session': "
        "unmarked tests share one (faster; state accumulates)",
        default="function",
    )
    parser.addini(
        CLOCK_START_OPTION,
        "when every ccx_mock clock starts, e.g. 2026-11-20T00:00:00Z (default: the wall time); "
        "a fixed start keeps tests with dates in them passing on any day",
        default=None,
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{MARKER}(**options): configure this test's ccx_mock server: faults=..., "
        "time_scale=... (a real clock at that speed instead of a frozen one), "
        "clock_start=... (RFC 3339 text, an aware datetime or unix seconds), "
        "rate_limit_per_minute=..., any other ccx.mock.MockConfig field",
    )
    scope = config.getini(SCOPE_OPTION)
    if scope not in _SCOPES:
        raise pytest.UsageError(
            f"ini option {SCOPE_OPTION} = {scope!r} is not valid: use 'function' or 'session'."
        )
    _register_async_client(config)


def _mock_server_class() -> type[MockServer]:
    """``MockServer``, or a test failure saying how to install it."""
    try:
        from ccx.mock._server import MockServer
    except ModuleNotFoundError as error:
        missing = (error.name or "").partition(".")[0]
        if missing not in _MOCK_EXTRA_MODULES:
            raise
    else:
        return MockServer
    # Outside the except block, so the report is this one line, not the import's traceback.
    pytest.fail(
        f"The CCX pytest fixtures need the mock server, which is not installed (no module "
        f"named {missing!r}): pip install 'ccx-sdk[mock]'",
        pytrace=False,
    )


def _marker_options(item: pytest.Item) -> dict[str, Any] | None:
    """The test's ``ccx_mock`` marker options (closest marker wins), None when unmarked."""
    markers = list(item.iter_markers(MARKER))
    if not markers:
        return None
    options: dict[str, Any] = {}
    for marker in reversed(markers):
        if marker.args:
            pytest.fail(
                f"@pytest.mark.{MARKER} takes keyword options only, such as "
                f"@pytest.mark.{MARKER}(faults='status=503'); got {marker.args!r}",
                pytrace=False,
            )
        options.update(marker.kwargs)
    return options


def _clock_start(value: object, where: str) -> float | None:
    """Unix seconds for a clock start given in ``where``, or a test failure naming it."""
    from ccx.mock._clock import ClockStart, clock_start_seconds

    if value is None:
        return None
    try:
        return clock_start_seconds(cast("ClockStart", value))  # its type is checked inside
    except ValueError as error:
        pytest.fail(f"{where}: {error}", pytrace=False)


def _new_server(options: Mapping[str, Any], default_clock_start: str | None) -> MockServer:
    """A `MockServer` (not started) configured by marker ``options``.

    The clock is frozen unless the marker sets ``time_scale``; it starts at the marker's
    ``clock_start``, else the ini option's, else the wall time.
    """
    server_class = _mock_server_class()
    import pydantic

    from ccx.mock import Clock, FrozenClock, MockConfig

    config_fields = {field.name for field in dataclasses.fields(MockConfig)}
    unknown = sorted(set(options) - config_fields)
    if unknown:
        valid = ", ".join(sorted(config_fields))
        pytest.fail(
            f"@pytest.mark.{MARKER} got unknown option(s) {', '.join(unknown)}; valid: {valid}",
            pytrace=False,
        )
    start = (
        _clock_start(options[_CLOCK_START], f"@pytest.mark.{MARKER}(clock_start=...)")
        if _CLOCK_START in options
        else _clock_start(default_clock_start, f"ini option {CLOCK_START_OPTION}")
    )
    try:
        config = pydantic.TypeAdapter(MockConfig).validate_python(
            {name: value for name, value in options.items() if name != _CLOCK_START}
        )
    except pydantic.ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(map(str, detail['loc']))}: {detail['msg']}"
            for detail in error.errors(include_url=False, include_input=False)
        )
        pytest.fail(f"@pytest.mark.{MARKER}: {problems}", pytrace=False)
    clock = (
        Clock(time_scale=config.time_scale, start=start)
        if "time_scale" in options
        else FrozenClock(start=start)
    )
    return server_class(config, clock=clock)


def _ini_clock_start(config: pytest.Config) -> str | None:
    value: str | None = config.getini(CLOCK_START_OPTION) or None
    return value


# -- fixtures --------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def ccx_mock_session(pytestconfig: pytest.Config) -> Iterator[MockServer]:
    """One mock server shared by the session, on a frozen clock; its state accumulates."""
    with _new_server({}, _ini_clock_start(pytestconfig)) as server:
        yield server


@pytest.fixture
def ccx_mock(request: pytest.FixtureRequest) -> Iterator[MockServer]:
    """A running mock server for this test; a marked test always gets its own."""
    options = _marker_options(request.node)
    if options is None and request.config.getini(SCOPE_OPTION) == "session":
        yield request.getfixturevalue("ccx_mock_session")
        return
    with _new_server(options or {}, _ini_clock_start(request.config)) as server:
        yield server


@pytest.fixture
def ccx_client(ccx_mock: MockServer) -> Iterator[CCX]:
    """A strict `ccx.CCX` on the demo workspace's sandbox token, closed after the test.

    It reads the mock's clock, and its waits (backoff, ``Retry-After``) advance that clock. It
    refuses a response that breaks the spec (``strict_response_validation``), so contract tests
    catch drift that a production client would read leniently.
    """
    with ccx_mock.client(
        sleep=ccx_mock.advance, now=ccx_mock.state.clock.now, strict_response_validation=True
    ) as client:
        yield client


_ASYNC_RUNNERS: Final = ("asyncio", "anyio")
"""The markers of the plugins that run async tests, in the order they claim one: pytest-asyncio
(whose auto mode marks every async test) takes a test it marks before anyio can, so a test
marked both ways runs on pytest-asyncio's loop while that plugin is active."""


@pytest.fixture
def ccx_async_client(request: pytest.FixtureRequest) -> AsyncCCX:
    """A strict `ccx.AsyncCCX` on the demo workspace's sandbox token, closed after the test.

    Like ``ccx_client``, it reads the mock's clock, its waits advance that clock, and it refuses
    a response that breaks the spec. It is made and closed on the test's event loop, so the
    test must run on one: mark it ``@pytest.mark.anyio`` (nothing to install), or
    ``@pytest.mark.asyncio`` with pytest-asyncio (or its ``asyncio_mode = auto``).
    """
    marked = [name for name in _ASYNC_RUNNERS if request.node.get_closest_marker(name)]
    runner = next((name for name in marked if request.config.pluginmanager.has_plugin(name)), None)
    if runner is None:
        pytest.fail(_no_event_loop(request.node.name, marked), pytrace=False)
    if runner == "asyncio" and "anyio" in marked:
        # anyio's plugin would make the client on its own loop, and pytest-asyncio's would use it.
        pytest.fail(
            f"{request.node.name} is marked anyio, but pytest-asyncio runs it (asyncio_mode = "
            "auto marks every async test), and ccx_async_client cannot live on both plugins' "
            "event loops: drop one of the two markers, or pytest-asyncio's auto mode.",
            pytrace=False,
        )
    client: AsyncCCX = request.getfixturevalue(_ASYNC_CLIENT_FIXTURES[runner])
    return client


def _no_event_loop(test: str, marked: list[str]) -> str:
    disabled = (
        " It is marked asyncio, but pytest-asyncio is not installed, or is disabled (-p no:asyncio)."
        if "asyncio" in marked
        else ""
    )
    return (
        f"{test} uses ccx_async_client, an async fixture, but nothing runs the test on an event "
        "loop. Mark it @pytest.mark.anyio (anyio comes with ccx-sdk: nothing to install), or "
        "install pytest-asyncio and mark it @pytest.mark.asyncio (or set asyncio_mode = auto "
        f"in your pytest ini).{disabled}"
    )


_ASYNC_CLIENT_FIXTURES: Final = {
    "anyio": "_ccx_async_client_anyio",
    "asyncio": "_ccx_async_client_asyncio",
}
"""The fixture that makes the client on each runner's event loop."""


async def _async_client(ccx_mock: MockServer) -> AsyncIterator[AsyncCCX]:
    import asyncio

    async def advance(seconds: float) -> None:
        await asyncio.to_thread(ccx_mock.advance, seconds)

    async with ccx_mock.async_client(
        sleep=advance, now=ccx_mock.state.clock.now, strict_response_validation=True
    ) as client:
        yield client


def _register_async_client(config: pytest.Config) -> None:
    """Registers, for each async plugin present, the fixture that makes the client on its loop.

    anyio's plugin runs a plain async fixture on its test's loop; pytest-asyncio, in either
    mode, runs one made with its own decorator.
    """
    holder = types.ModuleType("ccx_async_client")  # pytest finds fixtures on modules
    holder.anyio = pytest.fixture(_async_client, name=_ASYNC_CLIENT_FIXTURES["anyio"])  # type: ignore[attr-defined]
    if config.pluginmanager.has_plugin("asyncio"):
        import pytest_asyncio

        holder.asyncio = pytest_asyncio.fixture(  # type: ignore[attr-defined]
            _async_client, name=_ASYNC_CLIENT_FIXTURES["asyncio"]
        )
    config.pluginmanager.register(holder, "ccx-async-client")


@pytest.fixture
def ccx_webhook_receiver(ccx_mock: MockServer) -> Iterator[WebhookReceiver]:
    """A receiver subscribed to every event on ``ccx_mock``; unsubscribed after the test.

    It registers through the API, as your code would, so the registration shows in the audit
    log and counts against the demo token's rate limit; it is spared the marker's faults.
    """
    from ccx import NotFoundError

    spared = {_FAULT_HEADER: "error_rate=0"}  # a request's own fault spec replaces the server's
    with (
        WebhookReceiver(mock=ccx_mock) as receiver,
        ccx_mock.client(default_headers=spared, strict_response_validation=True) as client,
    ):
        endpoint = receiver.register(client)
        yield receiver
        with contextlib.suppress(NotFoundError):  # the test may have deleted it itself
            client.webhook_endpoints.delete(endpoint.id)


# -- the webhook receiver --------------------------------------------------------------------


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
    """A real HTTP server on loopback that records the webhooks CCX posts to it.

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
        self._mock_now: Callable[[], float] = time.time if mock is None else mock.state.clock.now
        """The clock ``wait_for`` measures ``max_advance`` on (the mock's, when there is one)."""
        self._deliveries: list[WebhookDelivery] = []
        self._changed = threading.Condition()
        self._server = _http_server(self, host, port)
        self._thread: threading.Thread | None = None
        address, bound_port = self._server.server_address[:2]
        self.url = f"http://{address!s}:{bound_port}{path}"

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
            url=self.url, events=list(events), description="ccx pytest plugin receiver"
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
        self, event_type: Literal["conversation.created"], **options: Unpack[_WaitOptions]
    ) -> ConversationCreatedEvent: ...
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
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._server.serve_forever,
                kwargs={"poll_interval": _SHUTDOWN_POLL_SECONDS},
                name="ccx-webhook-receiver",
                daemon=True,
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join()
            self._thread = None
        self._server.server_close()

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


def _http_server(receiver: WebhookReceiver, host: str, port: int) -> ThreadingHTTPServer:
    """A stdlib server, bound and listening at once: requests queue until it serves them."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(length)
            headers = {name.lower(): value for name, value in self.headers.items()}
            status = receiver._receive(self.path, headers, body)
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        @override
        def log_message(self, format: str, *args: Any) -> None:
            del format, args  # tests read deliveries, not an access log on stderr

    return ThreadingHTTPServer((host, port), Handler)


def _advance_to_next_timer(server: MockServer, horizon: float) -> bool:
    """Move the mock clock to its next timer if that is before ``horizon``; False if not."""
    clock = server.state.clock

    async def next_deadline() -> float | None:
        return clock.next_deadline()  # read on the server's loop, which owns the timers

    deadline = server.run(next_deadline())
    if deadline is None or deadline > horizon:
        return False
    server.run(clock.advance_to(deadline))
    return True
