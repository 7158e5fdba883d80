"""Calls on a client the SDK built skip httpx's client layer, and lose nothing by it.

They still go through the proxy httpx would choose, their responses still say how long they
took; a client passed as ``http_client=`` still runs its owner's hooks.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from ccx._client import CCX, AsyncCCX
from ccx._transports import AiohttpTransport

from ._resources import AsyncMessages, Messages
from ._server import Reply, ScriptedServer
from .conftest import API_KEY

MESSAGE = {"id": "msg_1", "status": "queued"}
UNREACHABLE = "http://api.ccx.invalid"
"""A host no resolver knows: a call there succeeds only through the proxy."""


class _Proxy(BaseHTTPRequestHandler):
    targets: list[str]

    def do_POST(self) -> None:
        self.targets.append(self.path)  # a proxy is sent the whole URL
        self.rfile.read(int(self.headers["Content-Length"]))
        body = json.dumps(MESSAGE).encode()
        self.send_response(202)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def proxy(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """An HTTP proxy on a free port, set as ``HTTP_PROXY``; yields the targets it was sent."""
    targets: list[str] = []
    handler = type("Proxy", (_Proxy,), {"targets": targets})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    for name in ("NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy", "http_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{server.server_address[1]}")
    yield targets
    server.shutdown()
    server.server_close()


def test_calls_go_through_the_proxy_from_the_environment(proxy: list[str]) -> None:
    with CCX(API_KEY, base_url=UNREACHABLE, max_retries=0) as client:
        message = Messages(client).send(to="+15550000001")

    assert message.id == "msg_1"
    assert proxy == [f"{UNREACHABLE}/v1/messages"]


async def test_async_calls_go_through_the_proxy_from_the_environment(proxy: list[str]) -> None:
    async with AsyncCCX(API_KEY, base_url=UNREACHABLE, max_retries=0) as client:
        message = await AsyncMessages(client).send(to="+15550000001")

    assert message.id == "msg_1"
    assert proxy == [f"{UNREACHABLE}/v1/messages"]


def test_a_response_says_how_long_it_took(server: ScriptedServer) -> None:
    server.script("POST", "/v1/messages", Reply(202, MESSAGE))
    with CCX(API_KEY, base_url=server.base_url) as client:
        raw = Messages(client).with_raw_response.send(to="+15550000001")

    assert raw.http_response.elapsed.total_seconds() > 0
    assert raw.http_response.request.url == f"{server.base_url}/v1/messages"


@pytest.mark.parametrize("transport", [None, AiohttpTransport], ids=["httpx", "aiohttp"])
async def test_an_async_response_says_how_long_it_took(
    server: ScriptedServer, transport: type[AiohttpTransport] | None
) -> None:
    server.script("POST", "/v1/messages", Reply(202, MESSAGE))
    async with AsyncCCX(
        API_KEY, base_url=server.base_url, transport=transport and transport()
    ) as client:
        raw = await AsyncMessages(client).with_raw_response.send(to="+15550000001")

    assert raw.http_response.elapsed.total_seconds() > 0
    assert raw.http_response.request.url == f"{server.base_url}/v1/messages"


def test_your_http_client_runs_its_own_hooks(server: ScriptedServer) -> None:
    server.script("POST", "/v1/messages", Reply(202, MESSAGE))
    seen: list[int] = []

    def record(response: httpx.Response) -> None:
        seen.append(response.status_code)

    with (
        httpx.Client(event_hooks={"response": [record]}) as http,
        CCX(API_KEY, base_url=server.base_url, http_client=http) as client,
    ):
        Messages(client).send(to="+15550000001")

    assert seen == [202]


async def test_your_async_http_client_runs_its_own_hooks(server: ScriptedServer) -> None:
    server.script("POST", "/v1/messages", Reply(202, MESSAGE))
    seen: list[int] = []

    async def record(response: httpx.Response) -> None:
        seen.append(response.status_code)

    async with (
        httpx.AsyncClient(event_hooks={"response": [record]}) as http,
        AsyncCCX(API_KEY, base_url=server.base_url, http_client=http) as client,
    ):
        await AsyncMessages(client).send(to="+15550000001")

    assert seen == [202]
