"""A failure without a response names the request and what went wrong, in words."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import httpx
import pytest

from ccx._client import CCX, AsyncCCX
from ccx._exceptions import APIConnectionError, APITimeoutError, connection_error
from ccx._transports import AiohttpTransport

from ._resources import AsyncMessages, Messages
from ._server import Reply, ScriptedServer
from .conftest import API_KEY, FakeClock

MESSAGE = {"id": "msg_1", "status": "queued"}


@pytest.fixture
def plain_http_port() -> Iterator[int]:
    """A server that answers plain HTTP, whatever it is sent (a TLS hello included)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)

    def serve() -> None:
        while True:
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            with connection:
                connection.recv(4096)
                connection.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")

    threading.Thread(target=serve, daemon=True).start()
    yield listener.getsockname()[1]
    listener.close()


def test_a_refused_connection(free_port: int, clock: FakeClock) -> None:
    base_url = f"http://127.0.0.1:{free_port}"
    with (
        CCX(API_KEY, base_url=base_url, max_retries=0) as client,
        pytest.raises(APIConnectionError) as raised,
    ):
        Messages(client).send(to="+15550000001")

    assert str(raised.value) == (
        f"POST {base_url}/v1/messages: 127.0.0.1:{free_port} refused the connection "
        "(is base_url right, and the server up?)"
    )
    assert raised.value.may_have_taken_effect is False


@pytest.mark.parametrize("transport", [None, AiohttpTransport], ids=["httpx", "aiohttp"])
async def test_a_refused_connection_async(
    free_port: int, transport: type[AiohttpTransport] | None
) -> None:
    async with AsyncCCX(
        API_KEY,
        base_url=f"http://127.0.0.1:{free_port}",
        max_retries=0,
        transport=transport() if transport else None,
    ) as client:
        with pytest.raises(APIConnectionError, match=r"POST http://127\.0\.0\.1:\d+/v1/messages: "):
            await AsyncMessages(client).send(to="+15550000001")


def test_a_host_that_does_not_resolve() -> None:
    with (
        CCX(API_KEY, base_url="http://ccx-sdk-test.invalid", max_retries=0) as client,
        pytest.raises(APIConnectionError) as raised,
    ):
        client.me.retrieve()

    assert str(raised.value).startswith(
        "GET http://ccx-sdk-test.invalid/v1/me: could not resolve the host name "
        "ccx-sdk-test.invalid (DNS: "
    )


def test_tls_with_a_server_that_does_not_speak_it(plain_http_port: int) -> None:
    with (
        CCX(API_KEY, base_url=f"https://127.0.0.1:{plain_http_port}", max_retries=0) as client,
        pytest.raises(APIConnectionError, match=r"the TLS handshake with 127\.0\.0\.1:\d+ failed"),
    ):
        client.me.retrieve()


def test_a_read_timeout_says_which_timeout(server: ScriptedServer) -> None:
    server.script("GET", "/v1/messages/msg_1", Reply(200, MESSAGE, hold=2))
    with (
        CCX(API_KEY, base_url=server.base_url, timeout=0.2, max_retries=0) as client,
        pytest.raises(APITimeoutError) as raised,
    ):
        Messages(client).retrieve("msg_1")

    assert str(raised.value) == (
        f"GET {server.base_url}/v1/messages/msg_1: timed out waiting for the response "
        "(read timeout: 0.2 s)"
    )


REQUEST = httpx.Request(
    "POST",
    "https://api.ccx.co/v1/messages",
    extensions={"timeout": {"connect": 5.0, "read": 60.0, "write": 60.0, "pool": None}},
)


@pytest.mark.parametrize(
    ("error", "description", "reached"),
    [
        (
            httpx.ConnectTimeout(""),
            "timed out connecting to api.ccx.co (connect timeout: 5 s)",
            False,
        ),
        (httpx.ReadTimeout(""), "timed out waiting for the response (read timeout: 60 s)", True),
        (httpx.WriteTimeout(""), "timed out sending the request (write timeout: 60 s)", True),
        (
            httpx.PoolTimeout(""),
            "no pooled connection came free in time (pool timeout: no limit): too many calls "
            "in flight on this client",
            False,
        ),
        (
            httpx.RemoteProtocolError("Server disconnected without sending a response."),
            "the server closed the connection or broke HTTP (Server disconnected without "
            "sending a response.)",
            True,
        ),
        (httpx.ReadError(""), "the connection failed while reading the response ()", True),
        (
            httpx.LocalProtocolError("Illegal header value b'Bearer ccx_live_secret\\n'"),
            "the HTTP library refused to send the request as built",
            False,
        ),
    ],
)
def test_each_failure_in_words(
    error: httpx.TransportError, description: str, reached: bool
) -> None:
    failure = connection_error(
        error, request=REQUEST, url=str(REQUEST.url), limit=120.0, expired=False
    )

    assert str(failure) == f"POST https://api.ccx.co/v1/messages: {description}"
    assert failure.may_have_taken_effect is reached
    assert isinstance(failure, APITimeoutError) is isinstance(error, httpx.TimeoutException)


def test_an_expired_attempt_names_its_limit() -> None:
    failure = connection_error(
        httpx.ReadTimeout(""), request=REQUEST, url=str(REQUEST.url), limit=1.5, expired=True
    )
    assert "no complete response within the attempt's limit of 1.5 s" in str(failure)


def test_the_url_shown_is_safe(free_port: int) -> None:
    # (Credentials in a base_url never get this far: the client refuses them, see test_misuse.)
    with (
        CCX(API_KEY, base_url=f"http://127.0.0.1:{free_port}", max_retries=0) as client,
        pytest.raises(APIConnectionError) as raised,
    ):
        client.messages.list(extra_query={"token": "hunter2"})

    assert f"127.0.0.1:{free_port}/v1/messages" in str(raised.value)
    assert "hunter2" not in str(raised.value)
