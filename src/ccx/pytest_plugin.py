"""pytest fixtures for code that uses CCX: the bundled mock server, clients and a webhook receiver.

Installed with ``pip install 'ccx-sdk[mock]'``; pytest loads it by itself (entry point
``pytest11``). Importing it costs almost nothing: the mock server and the SDK load when a
fixture first needs them, so suites that never use the fixtures do not pay for them, and
without the ``mock`` extra the fixtures fail with the command that installs it.

Fixtures:

- ``ccx_mock``: a running `ccx.mock.MockServer` for the test, on frozen clocks (time moves
  only when the test advances it), configured by ``@pytest.mark.ccx_mock(...)``. With the ini
  option ``ccx_mock_scope = session``, unmarked tests share ``ccx_mock_session`` instead.
  "The mock clock" below is the demo workspace's (``ccx_mock.clock``, the clients' token's);
  advancing moves every workspace's clock by the same amount.
- ``ccx_mock_session``: one server for the whole session (state accumulates across tests).
- ``ccx_client`` / ``ccx_async_client``: clients bound to ``ccx_mock``, closed after the test.
  Their waits (retry backoff, ``Retry-After``) move the mock clock instead of sleeping. They are
  strict (``strict_response_validation=True``): a response that drifts from the spec fails the
  test instead of being read leniently. Tests using ``ccx_async_client`` run on an event loop:
  ``@pytest.mark.anyio`` (anyio's plugin comes with httpx) or ``@pytest.mark.asyncio``
  (pytest-asyncio); without either, the fixture fails saying so.
- ``ccx_webhook_receiver``: a `ccx.testing.WebhookReceiver` registered on ``ccx_mock`` for
  every event, verifying each delivery's signature and, strictly, its shape; ``wait_for``
  advances the mock clock until the event arrives.

``WebhookReceiver`` and ``WebhookDelivery`` live in `ccx.testing`; importing them from here
still works.

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
import inspect
import types
from collections.abc import AsyncIterator, Iterator, Mapping
from typing import TYPE_CHECKING, Any, Final, cast

import pytest

if TYPE_CHECKING:
    from ccx._client import CCX, AsyncCCX
    from ccx.mock import MockServer
    from ccx.testing import WebhookDelivery, WebhookReceiver

__all__ = ["WebhookDelivery", "WebhookReceiver"]

MARKER: Final = "ccx_mock"
SCOPE_OPTION: Final = "ccx_mock_scope"
CLOCK_START_OPTION: Final = "ccx_mock_clock_start"
_SCOPES = ("function", "session")
_MOCK_EXTRA_MODULES = frozenset({"starlette", "uvicorn"})
_FAULT_HEADER = "CCX-Mock-Fault"
_CLOCK_START = "clock_start"
_MOVED_TO_TESTING = frozenset(__all__)

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

    It reads the demo workspace's clock (its token's), and its waits (backoff,
    ``Retry-After``) advance the mock's clocks. It refuses a response that breaks the spec
    (``strict_response_validation``), so contract tests catch drift that a production client
    would read leniently.
    """
    with ccx_mock.client(
        sleep=ccx_mock.advance, now=ccx_mock.clock.now, strict_response_validation=True
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
    plugins = request.config.pluginmanager
    marked = [name for name in _ASYNC_RUNNERS if request.node.get_closest_marker(name)]
    runner = next((name for name in marked if plugins.has_plugin(name)), None)
    sync = not inspect.iscoroutinefunction(request.function)
    if runner is None and sync and plugins.has_plugin("asyncio"):
        runner = "asyncio"  # pytest-asyncio makes async fixtures for sync tests too
    if runner is None:
        pytest.fail(_no_event_loop(request.node.name, marked, sync=sync), pytrace=False)
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


def _no_event_loop(test: str, marked: list[str], *, sync: bool) -> str:
    if sync:
        return (
            f"{test} uses ccx_async_client, an async fixture, in a sync test: that needs "
            "pytest-asyncio installed (it makes async fixtures on its own loop), or make the "
            "test async and mark it @pytest.mark.anyio (anyio comes with ccx-sdk)."
        )
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
        sleep=advance, now=ccx_mock.clock.now, strict_response_validation=True
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
    from ccx.testing import WebhookReceiver

    spared = {_FAULT_HEADER: "error_rate=0"}  # a request's own fault spec replaces the server's
    with (
        WebhookReceiver(mock=ccx_mock) as receiver,
        ccx_mock.client(default_headers=spared, strict_response_validation=True) as client,
    ):
        endpoint = receiver.register(client)
        yield receiver
        with contextlib.suppress(NotFoundError):  # the test may have deleted it itself
            client.webhook_endpoints.delete(endpoint.id)


def __getattr__(name: str) -> Any:
    # Imported on first use: loading the plugin must not load the receiver's HTTP server.
    if name in _MOVED_TO_TESTING:
        import ccx.testing

        return getattr(ccx.testing, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
