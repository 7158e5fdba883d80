"""``AiohttpTransport`` behaves like httpx's own transport under the async client."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

import ccx._transports
from ccx._client import AsyncCCX
from ccx._exceptions import APITimeoutError, NotFoundError
from ccx._transports import AiohttpTransport

from ._resources import AsyncMessages
from ._server import Reply, ScriptedServer, error
from .conftest import API_KEY, FakeClock
from .test_streaming import EVENTS_PATH, EXPECTED, script_dropping_stream

MESSAGE = {"id": "msg_1", "status": "queued"}


@pytest.fixture
async def messages(server: ScriptedServer, clock: FakeClock) -> AsyncIterator[AsyncMessages]:
    async with AsyncCCX(
        API_KEY,
        base_url=server.base_url,
        transport=AiohttpTransport(),
        sleep=clock.async_sleep,
        now=clock.now,
    ) as client:
        yield AsyncMessages(client)


def test_exported_lazily() -> None:
    assert ccx._transports.AiohttpTransport is AiohttpTransport


async def test_retries_reuse_the_key(server: ScriptedServer, messages: AsyncMessages) -> None:
    server.script("POST", "/v1/messages", Reply(503), Reply(202, MESSAGE))

    message = await messages.send(to="+15550000001")

    assert message.id == "msg_1"
    seen = server.seen("POST", "/v1/messages")
    assert [r.headers["ccx-retry-count"] for r in seen] == ["0", "1"]
    assert len({r.headers["idempotency-key"] for r in seen}) == 1
    assert seen[0].json() == {
        "to": "+15550000001",
        "idempotency_key": seen[0].headers["idempotency-key"],
    }
    assert seen[0].headers["user-agent"].startswith("ccx-python/")


async def test_error_bodies_are_mapped(server: ScriptedServer, messages: AsyncMessages) -> None:
    server.script("POST", "/v1/messages", error(404, "not_found", "no such template"))

    with pytest.raises(NotFoundError, match="no such template"):
        await messages.send(to="+15550000001")


async def test_timeouts(server: ScriptedServer, clock: FakeClock) -> None:
    server.script("POST", "/v1/messages", Reply(202, MESSAGE, hold=0.5))
    async with AsyncCCX(
        API_KEY,
        base_url=server.base_url,
        transport=AiohttpTransport(),
        timeout=0.05,
        max_retries=0,
        sleep=clock.async_sleep,
    ) as client:
        with pytest.raises(APITimeoutError):
            await AsyncMessages(client).send(to="+15550000001")


async def test_stream_resumes_after_a_drop(server: ScriptedServer, messages: AsyncMessages) -> None:
    script_dropping_stream(server)

    async with messages.events("brd_1") as stream:
        events = [event async for event in stream]

    assert events == EXPECTED
    assert server.seen("GET", EVENTS_PATH)[1].headers["last-event-id"] == "2"
