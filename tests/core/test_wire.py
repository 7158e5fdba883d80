"""``AsyncCCX`` + ``AiohttpTransport`` sends its own requests and reads its own responses; the
httpx objects it hands out are made when asked for, and say what httpx's transport says.

Each test makes the same call through both transports, against the same scripted server, and
compares what a user sees.
"""

from __future__ import annotations

import gzip
import json
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from ccx._client import AsyncCCX
from ccx._constants import DEFAULT_TIMEOUT
from ccx._exceptions import APIConnectionError, APIStatusError, ConflictError, NotFoundError
from ccx._transports import AiohttpTransport
from ccx._wire import WireTransport

from ._resources import AsyncMessages
from ._server import Reply, ScriptedServer, error
from .conftest import API_KEY, FakeClock

MESSAGE = {"id": "msg_1", "status": "queued"}
KEY = "3d4c2b1a-0000-4000-8000-00000000beef"
TRANSPORTS: dict[str, Callable[[], httpx.AsyncBaseTransport | None]] = {
    "httpx": lambda: None,
    "aiohttp": AiohttpTransport,
}
Call = Callable[[AsyncMessages], Awaitable[Any]]


async def through_each_transport(
    server: ScriptedServer, clock: FakeClock, call: Call, *replies: Reply
) -> dict[str, Any]:
    """What ``call`` gives (or raises) through each transport, ``replies`` scripted for each."""
    outcomes: dict[str, Any] = {}
    for name, transport in TRANSPORTS.items():
        server.script("POST", "/v1/messages", *replies)
        async with AsyncCCX(
            API_KEY,
            base_url=server.base_url,
            transport=transport(),
            sleep=clock.async_sleep,
            now=clock.now,
        ) as client:
            try:
                outcomes[name] = await call(AsyncMessages(client))
            except Exception as raised:
                outcomes[name] = raised
    return outcomes


def request_as_seen(request: httpx.Request) -> dict[str, Any]:
    return {
        "method": request.method,
        "url": str(request.url),
        # Each attempt has a span of its own, once a test before this one installed a tracer.
        "headers": [(n, v) for n, v in request.headers.multi_items() if n != "traceparent"],
        "content": request.content,
        "extensions": request.extensions,
    }


def response_as_seen(response: httpx.Response) -> dict[str, Any]:
    return {
        "status": response.status_code,
        "reason": response.reason_phrase,
        "http_version": response.http_version,
        "headers": [(n, v) for n, v in response.headers.multi_items() if n != "date"],
        "content": response.content,
        "is_closed": response.is_closed,
        "request": request_as_seen(response.request),
    }


def test_aiohttp_transport_takes_the_sdks_own_requests() -> None:
    assert isinstance(AiohttpTransport(), WireTransport)
    assert not isinstance(httpx.AsyncHTTPTransport(), WireTransport)


async def test_a_raw_response_is_the_same_through_either_transport(
    server: ScriptedServer, clock: FakeClock
) -> None:
    headers = {"X-Request-Id": "req_1", "Idempotent-Replayed": "true", "X-Extra": "a"}
    headers |= {"X-RateLimit-Limit": "100", "X-RateLimit-Remaining": "7"}
    headers |= {"X-RateLimit-Reset": "30"}

    raws = await through_each_transport(
        server,
        clock,
        lambda messages: messages.with_raw_response.send(to="+15550000001", idempotency_key=KEY),
        Reply(202, MESSAGE, headers=headers),
    )

    httpx_raw, aiohttp_raw = raws["httpx"], raws["aiohttp"]
    for raw in (httpx_raw, aiohttp_raw):
        assert raw.http_response is raw.http_response  # made once, then kept
        assert raw.http_response.elapsed.total_seconds() > 0
        assert raw.parse().id == "msg_1"
    assert response_as_seen(aiohttp_raw.http_response) == response_as_seen(httpx_raw.http_response)
    assert [
        (raw.status_code, raw.request_id, raw.idempotent_replayed, raw.rate_limit, raw.headers)
        for raw in (httpx_raw, aiohttp_raw)
    ] == [(202, "req_1", True, httpx_raw.rate_limit, httpx_raw.headers)] * 2
    assert httpx_raw.rate_limit.remaining == 7
    sent = aiohttp_raw.http_response.request
    assert sent.extensions == {"timeout": DEFAULT_TIMEOUT.as_dict()}  # what httpx was told


async def test_a_repeated_header_reads_as_httpx_reads_it(
    server: ScriptedServer, clock: FakeClock
) -> None:
    """httpx joins the values of a repeated header; so a repeated rate-limit count, which
    then reads as no number, is ignored through either transport."""
    repeated = (("X-Request-Id", "req_1"), ("X-Request-Id", "req_2"))
    repeated += (("X-RateLimit-Limit", "100"), ("X-RateLimit-Remaining", "7"))
    repeated += (("X-RateLimit-Remaining", "6"), ("X-RateLimit-Reset", "30"))

    raws = await through_each_transport(
        server,
        clock,
        lambda messages: messages.with_raw_response.send(to="+15550000001", idempotency_key=KEY),
        Reply(202, MESSAGE, repeated=repeated),
    )

    for raw in raws.values():
        assert raw.request_id == "req_1, req_2"
        assert raw.parse().x_request_id == "req_1, req_2"
        assert raw.rate_limit is None


async def test_other_rate_limit_headers_leave_the_window_as_it_was(
    server: ScriptedServer, clock: FakeClock
) -> None:
    """A response whose only ``X-RateLimit-*`` header is one the SDK does not read (a policy)
    reports no window, through either transport: the client keeps the last one reported."""
    window = {"X-RateLimit-Limit": "100", "X-RateLimit-Remaining": "7", "X-RateLimit-Reset": "30"}

    async def twice(messages: AsyncMessages) -> Any:
        await messages.send(to="+15550000001", idempotency_key=KEY)
        await messages.send(to="+15550000001", idempotency_key=KEY)
        return messages._client.rate_limit

    windows = await through_each_transport(
        server,
        clock,
        twice,
        Reply(202, MESSAGE, headers=window),
        Reply(202, MESSAGE, headers={"X-RateLimit-Policy": "100;w=60"}),
    )

    assert windows["httpx"] == windows["aiohttp"]
    assert windows["httpx"].remaining == 7


async def test_an_error_carries_the_same_response_and_request(
    server: ScriptedServer, clock: FakeClock
) -> None:
    errors = await through_each_transport(
        server,
        clock,
        lambda messages: messages.send(to="+15550000001", idempotency_key=KEY),
        error(409, "template_not_approved", "not approved yet", headers={"X-Request-Id": "r"}),
    )

    for raised in errors.values():
        assert isinstance(raised, ConflictError)
        assert raised.request is raised.response.request
        assert raised.response.json()["error"]["code"] == "template_not_approved"
    httpx_error, aiohttp_error = errors["httpx"], errors["aiohttp"]
    assert str(aiohttp_error) == str(httpx_error)
    assert response_as_seen(aiohttp_error.response) == response_as_seen(httpx_error.response)


async def test_a_retried_call_shows_its_last_attempt(
    server: ScriptedServer, clock: FakeClock
) -> None:
    errors = await through_each_transport(
        server,
        clock,
        lambda messages: messages.send(to="+15550000001"),
        Reply(503),
        error(404, "template_not_found"),
    )

    for raised in errors.values():
        assert isinstance(raised, NotFoundError)
        assert raised.request is not None
        assert raised.request.headers["CCX-Retry-Count"] == "1"
        assert raised.request.headers["Idempotency-Key"] == raised.idempotency_key
        assert json.loads(raised.request.content)["idempotency_key"] == raised.idempotency_key
    seen = server.seen("POST", "/v1/messages")
    assert [request.headers["ccx-retry-count"] for request in seen] == ["0", "1"] * 2


@pytest.mark.parametrize("transport", list(TRANSPORTS.values()), ids=list(TRANSPORTS))
async def test_a_failed_connection_names_its_request(
    free_port: int, transport: Callable[[], httpx.AsyncBaseTransport | None]
) -> None:
    async with AsyncCCX(
        API_KEY,
        base_url=f"http://127.0.0.1:{free_port}",
        max_retries=0,
        transport=transport(),
    ) as client:
        with pytest.raises(APIConnectionError) as raised:
            await AsyncMessages(client).send(to="+15550000001", idempotency_key=KEY)

    request = raised.value.request
    assert isinstance(request, httpx.Request)
    assert request.headers["Idempotency-Key"] == KEY
    cause = raised.value.__cause__
    assert isinstance(cause, httpx.ConnectError)
    assert cause.request is request


async def test_a_compressed_body_is_read_as_httpx_reads_it(
    server: ScriptedServer, clock: FakeClock
) -> None:
    """The SDK asks for no compression, but reads a compressed answer all the same."""
    compressed = gzip.compress(json.dumps(MESSAGE).encode())
    headers = {"Content-Encoding": "gzip", "Content-Type": "application/json"}

    raws = await through_each_transport(
        server,
        clock,
        lambda messages: messages.with_raw_response.send(to="+15550000001", idempotency_key=KEY),
        Reply(202, headers=headers, body=compressed),
    )

    for raw in raws.values():
        assert raw.parse().id == "msg_1"
        assert raw.http_response.json() == MESSAGE
        assert raw.headers["content-encoding"] == "gzip"
    assert response_as_seen(raws["aiohttp"].http_response) == response_as_seen(
        raws["httpx"].http_response
    )


async def test_the_debug_log_is_the_same_through_either_transport(
    server: ScriptedServer, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG, logger="ccx"):
        await through_each_transport(
            server,
            clock,
            lambda messages: messages.send(to="+15550000001", idempotency_key=KEY),
            Reply(503, headers={"X-Request-Id": "req_a"}),
            Reply(202, MESSAGE, headers={"X-Request-Id": "req_b"}),
        )

    lines = [  # the retry's line says its wait, random by design; each attempt its own span
        re.sub(r", 'traceparent': '[^']*'", "", record.getMessage())
        for record in caplog.records
        if record.levelno == logging.DEBUG
    ]
    half = len(lines) // 2
    assert lines[:half] == lines[half:]
    assert f"'idempotency-key': '{KEY}'" in lines[0]
    assert "'authorization': '[redacted]'" in lines[0]
    assert "'content-length': '" in lines[0]  # as httpx lists what it sends
    assert API_KEY not in "\n".join(lines)


async def test_an_httpx_client_can_send_through_it(server: ScriptedServer) -> None:
    """``AiohttpTransport`` stays an ``httpx.AsyncBaseTransport`` for httpx's own client."""
    server.script("POST", "/v1/messages", Reply(202, MESSAGE, headers={"X-Request-Id": "r"}))

    async with httpx.AsyncClient(transport=AiohttpTransport()) as http:
        response = await http.post(f"{server.base_url}/v1/messages", json={"to": "+1"})

    assert (response.status_code, response.json()) == (202, MESSAGE)
    assert response.headers["x-request-id"] == "r"
    (seen,) = server.seen("POST", "/v1/messages")
    assert seen.json() == {"to": "+1"}


async def test_a_user_status_error_keeps_its_type(server: ScriptedServer, clock: FakeClock) -> None:
    errors = await through_each_transport(
        server,
        clock,
        lambda messages: messages.send(to="+15550000001", idempotency_key=KEY),
        Reply(418, headers={"X-Request-Id": "r"}),
    )

    assert {type(raised) for raised in errors.values()} == {APIStatusError}
