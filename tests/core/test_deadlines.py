"""Each attempt has a wall-clock limit that a server dripping bytes cannot stretch.

The drip servers answer one byte every 0.1 s: every read arrives well inside any read timeout,
so without a limit on the whole attempt each call below would wait the whole drip (about 30 s)
and then succeed. The bounds asserted are generous (a third of the drip), not timings.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator

import httpx
import pytest

from ccx._client import CCX, AsyncCCX
from ccx._constants import STREAM_MAX_RECONNECTS
from ccx._exceptions import APIConnectionError, APITimeoutError
from ccx._transports import AiohttpTransport
from ccx._transports._backend import DeadlineBackend

from ._drip import DripServer, Phase
from ._resources import AsyncMessages, Messages, Progress
from ._server import Reply, ScriptedServer
from .conftest import API_KEY, FakeClock
from .test_streaming import EVENTS_PATH, sse

AsyncTransport = Callable[[], httpx.AsyncBaseTransport | None]
TRANSPORTS: list[AsyncTransport] = [lambda: None, AiohttpTransport]
TRANSPORT_IDS = ["httpx", "aiohttp"]


@pytest.fixture(params=["headers", "body"])
def dripping(request: pytest.FixtureRequest) -> Iterator[DripServer]:
    phase: Phase = request.param
    with DripServer(phase) as server:
        yield server


@pytest.fixture
def dripping_events() -> Iterator[DripServer]:
    with DripServer("events") as server:
        yield server


def bounded(server: DripServer, start: float) -> bool:
    """Ended in well under the time the drip takes (not a timing: a third of it)."""
    return time.monotonic() - start < server.duration / 3


def test_the_read_timeout_bounds_a_whole_attempt(dripping: DripServer) -> None:
    """With only ``timeout=1.0``, an attempt may last two read timeouts, not the whole drip."""
    start = time.monotonic()
    with (
        CCX(API_KEY, base_url=dripping.base_url, timeout=1.0, max_retries=0) as client,
        pytest.raises(APITimeoutError, match="attempt's limit of 2 s") as raised,
    ):
        Messages(client).send(to="+15550000001")

    assert bounded(dripping, start)
    assert raised.value.may_have_taken_effect is True


def test_attempt_timeout_bounds_raw_responses(dripping: DripServer) -> None:
    start = time.monotonic()
    with (
        CCX(API_KEY, base_url=dripping.base_url, attempt_timeout=1.0, max_retries=0) as client,
        pytest.raises(APITimeoutError, match="attempt's limit of 1 s"),
    ):
        Messages(client).with_raw_response.send(to="+15550000001")

    assert bounded(dripping, start)


def test_each_retry_gets_its_own_attempt_limit(dripping: DripServer, clock: FakeClock) -> None:
    start = time.monotonic()
    with (
        CCX(
            API_KEY,
            base_url=dripping.base_url,
            attempt_timeout=0.5,
            max_retries=2,
            sleep=clock.sleep,
            now=clock.now,
        ) as client,
        pytest.raises(APITimeoutError),
    ):
        Messages(client).send(to="+15550000001")

    assert dripping.connections == 3
    assert bounded(dripping, start)


def test_a_stream_that_drips_its_frames_reconnects_then_gives_up(
    dripping_events: DripServer, clock: FakeClock
) -> None:
    start = time.monotonic()
    with CCX(
        API_KEY,
        base_url=dripping_events.base_url,
        attempt_timeout=0.5,
        sleep=clock.sleep,
        now=clock.now,
    ) as client:
        stream = Messages(client).events("brd_1")
        with pytest.raises(APIConnectionError, match="reconnections"):
            list(stream)

    assert dripping_events.connections == STREAM_MAX_RECONNECTS + 1
    assert bounded(dripping_events, start)


def test_the_headers_of_a_stream_are_bounded_too() -> None:
    start = time.monotonic()
    with (
        DripServer("headers") as dripping,
        CCX(API_KEY, base_url=dripping.base_url, attempt_timeout=1.0, max_retries=0) as client,
    ):
        with pytest.raises(APITimeoutError), Messages(client).events("brd_1"):
            pytest.fail("the stream must not open")

        assert bounded(dripping, start)


@pytest.mark.parametrize("transport", TRANSPORTS, ids=TRANSPORT_IDS)
async def test_async_attempts_are_bounded(dripping: DripServer, transport: AsyncTransport) -> None:
    start = time.monotonic()
    async with AsyncCCX(
        API_KEY,
        base_url=dripping.base_url,
        timeout=1.0,
        max_retries=0,
        transport=transport(),
    ) as client:
        with pytest.raises(APITimeoutError, match="attempt's limit of 2 s") as raised:
            await AsyncMessages(client).with_raw_response.send(to="+15550000001")

    assert bounded(dripping, start)
    assert raised.value.may_have_taken_effect is True


@pytest.mark.parametrize("transport", TRANSPORTS, ids=TRANSPORT_IDS)
async def test_the_callers_own_cancellation_stays_theirs(
    dripping: DripServer, transport: AsyncTransport
) -> None:
    """A caller's timeout or cancel, which ends the call before its own limit, reaches the
    caller as asyncio's: not as an SDK error, and never retried."""
    async with AsyncCCX(API_KEY, base_url=dripping.base_url, transport=transport()) as client:
        messages = AsyncMessages(client)
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(messages.send(to="+15550000001"), 0.5)

        task = asyncio.ensure_future(messages.send(to="+15550000001"))
        await asyncio.sleep(0.5)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    assert dripping.connections == 2


@pytest.mark.parametrize("transport", TRANSPORTS, ids=TRANSPORT_IDS)
async def test_async_streams_are_bounded_per_frame(
    dripping_events: DripServer, transport: AsyncTransport, clock: FakeClock
) -> None:
    start = time.monotonic()
    async with AsyncCCX(
        API_KEY,
        base_url=dripping_events.base_url,
        attempt_timeout=0.5,
        transport=transport(),
        sleep=clock.async_sleep,
        now=clock.now,
    ) as client:
        with pytest.raises(APIConnectionError, match="reconnections"):
            async for _ in AsyncMessages(client).events("brd_1"):
                pass

    assert dripping_events.connections == STREAM_MAX_RECONNECTS + 1
    assert bounded(dripping_events, start)


def steady_stream(server: ScriptedServer, gap: float) -> None:
    events = [sse(number, "broadcast.progress", number) for number in range(1, 6)]
    events.append(sse(6, "broadcast.completed", 6))
    server.script("GET", EVENTS_PATH, Reply(events=events, gap=gap))


def test_a_stream_may_outlive_its_limit_while_frames_keep_coming(server: ScriptedServer) -> None:
    """The limit is per frame: six frames 0.5 s apart take longer than one limit of 2 s."""
    steady_stream(server, gap=0.5)
    with CCX(API_KEY, base_url=server.base_url, attempt_timeout=2.0) as client:
        events = list(Messages(client).events("brd_1"))

    assert len(events) == 6
    assert len(server.seen("GET", EVENTS_PATH)) == 1


def test_time_spent_between_events_is_the_callers(server: ScriptedServer) -> None:
    steady_stream(server, gap=0.0)
    with CCX(API_KEY, base_url=server.base_url, attempt_timeout=1.0) as client:
        events: list[object] = []
        for event in Messages(client).events("brd_1"):
            events.append(event)
            if len(events) <= 2:
                time.sleep(1.2)  # a slow consumer: the server is not waited on meanwhile

    assert len(events) == 6
    assert len(server.seen("GET", EVENTS_PATH)) == 1


@pytest.mark.parametrize("transport", TRANSPORTS, ids=TRANSPORT_IDS)
async def test_async_streams_may_outlive_their_limit(
    server: ScriptedServer, transport: AsyncTransport
) -> None:
    steady_stream(server, gap=0.5)
    async with AsyncCCX(
        API_KEY, base_url=server.base_url, attempt_timeout=2.0, transport=transport()
    ) as client:
        events = [event async for event in AsyncMessages(client).events("brd_1")]

    assert events[0] == Progress(event="broadcast.progress", sent=1)
    assert len(events) == 6
    assert len(server.seen("GET", EVENTS_PATH)) == 1


def test_the_sdk_pools_wait_no_longer_than_the_deadline(monkeypatch: pytest.MonkeyPatch) -> None:
    """The deadline backend sits under the pool of the SDK, and of proxies from the environment.

    It is installed through httpx internals: this fails if an upgrade moves them.
    """
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:9")
    with CCX(API_KEY) as client:
        http = client._pool.current()
        transports = [http._transport, *http._mounts.values()]

    pools = [
        transport._pool for transport in transports if isinstance(transport, httpx.HTTPTransport)
    ]
    assert len(pools) == 2
    assert all(isinstance(pool._network_backend, DeadlineBackend) for pool in pools)


def test_a_given_http_client_is_left_as_it_is() -> None:
    with httpx.Client() as http, CCX(API_KEY, http_client=http):
        assert isinstance(http._transport, httpx.HTTPTransport)
        assert not isinstance(http._transport._pool._network_backend, DeadlineBackend)
