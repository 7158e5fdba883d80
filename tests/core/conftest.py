from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from ccx._client import CCX, AsyncCCX

from ._resources import AsyncMessages, Messages
from ._server import ScriptedServer

API_KEY = "ccx_test_s3cr3tT0kenValue"


class FakeClock:
    """Wall clock the tests drive: sleeping advances it and is recorded, never real."""

    def __init__(self) -> None:
        self.time = 1_800_000_000.0
        self.sleeps: list[float] = []

    def now(self) -> float:
        return self.time

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.time += seconds

    async def async_sleep(self, seconds: float) -> None:
        self.sleep(seconds)


@pytest.fixture
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No ``CCX_*`` setting leaks in from the environment of the run."""
    for name in ("CCX_API_KEY", "CCX_BASE_URL", "CCX_WEBHOOK_SECRET"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="session")
def _running_server() -> Iterator[ScriptedServer]:
    server = ScriptedServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def server(_running_server: ScriptedServer) -> Iterator[ScriptedServer]:
    _running_server.reset()
    yield _running_server
    _running_server.reset()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def client(server: ScriptedServer, clock: FakeClock) -> Iterator[CCX]:
    with CCX(API_KEY, base_url=server.base_url, sleep=clock.sleep, now=clock.now) as client:
        yield client


@pytest.fixture
async def async_client(server: ScriptedServer, clock: FakeClock) -> AsyncIterator[AsyncCCX]:
    async with AsyncCCX(
        API_KEY, base_url=server.base_url, sleep=clock.async_sleep, now=clock.now
    ) as client:
        yield client


@pytest.fixture
def messages(client: CCX) -> Messages:
    return Messages(client)


@pytest.fixture
def async_messages(async_client: AsyncCCX) -> AsyncMessages:
    return AsyncMessages(async_client)
