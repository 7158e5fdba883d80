"""Fixtures for the mock server's tests: a real server on loopback, on a clock tests control."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from ccx.mock import FrozenClock, MockConfig, MockServer, create_app
from ccx.mock._demo import DEMO_TOKEN

START = 1_795_248_000.0
"""2026-11-21T08:00:00Z: the frozen clock's reading when each test starts."""


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(start=START)


@pytest.fixture
def mock_config() -> MockConfig:
    """Override in a test module to run its servers with other limits."""
    return MockConfig()


@pytest.fixture
def server(clock: FrozenClock, mock_config: MockConfig) -> Iterator[MockServer]:
    with MockServer(mock_config, clock=clock) as running:
        yield running


@pytest.fixture
def http(server: MockServer) -> Iterator[httpx.Client]:
    """A raw HTTP client on the demo workspace's all-scopes sandbox token."""
    with httpx.Client(base_url=server.url, headers=bearer(server.token)) as client:
        yield client


@pytest.fixture
def other_http(server: MockServer) -> Iterator[httpx.Client]:
    """A raw HTTP client on the second workspace's token, for tenancy tests."""
    with httpx.Client(base_url=server.url, headers=bearer(server.second_token)) as client:
        yield client


@pytest.fixture
async def asgi(clock: FrozenClock, mock_config: MockConfig) -> AsyncIterator[httpx.AsyncClient]:
    """The same app in-process, through httpx's ASGI transport (no socket)."""
    app = create_app(mock_config, clock=clock)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://mock.test", headers=bearer(DEMO_TOKEN)
    ) as client:
        yield client
