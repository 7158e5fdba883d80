"""Every call has a time budget (``call_timeout``), and every failure says what it may have done."""

from __future__ import annotations

import socket

import httpx
import pytest

from ccx._client import CCX, AsyncCCX
from ccx._constants import DEFAULT_CALL_TIMEOUT
from ccx._exceptions import (
    APIConnectionError,
    APIStatusError,
    CallTimeoutError,
    ConfigurationError,
    InternalServerError,
    InvalidArgumentError,
    RateLimitError,
    error_from_response,
)
from ccx._request import attempt_limit
from ccx._types import NOT_GIVEN

from ._resources import AsyncMessages, Messages
from ._server import Reply, ScriptedServer, error
from .conftest import API_KEY, FakeClock

MESSAGE = {"id": "msg_1", "status": "queued"}


def rate_limited(seconds: int) -> Reply:
    return error(429, "rate_limited", headers={"Retry-After": str(seconds)})


def test_a_retry_after_past_the_budget_is_not_slept(
    server: ScriptedServer, clock: FakeClock
) -> None:
    server.script("POST", "/v1/messages", rate_limited(30), Reply(202, MESSAGE))
    with (
        CCX(
            API_KEY, base_url=server.base_url, call_timeout=10, sleep=clock.sleep, now=clock.now
        ) as client,
        pytest.raises(CallTimeoutError) as raised,
    ):
        Messages(client).send(to="+15550000001", idempotency_key="ord_1")

    failure = raised.value
    assert clock.sleeps == []
    assert len(server.seen("POST", "/v1/messages")) == 1
    assert isinstance(failure.last_error, RateLimitError)
    assert failure.__cause__ is failure.last_error
    assert (failure.attempts, failure.call_timeout) == (1, 10)
    assert failure.may_have_taken_effect is False
    assert failure.idempotency_key == "ord_1"
    assert "the wait the server asked for (30 s)" in str(failure)
    assert "did not take effect" in str(failure)


def test_the_default_budget_bounds_retry_after_waits(
    server: ScriptedServer, clock: FakeClock
) -> None:
    """Eight retries asking for a minute each would sleep 480 s; the call stops at 300."""
    server.script("POST", "/v1/messages", *[rate_limited(60)] * 9)
    with CCX(
        API_KEY, base_url=server.base_url, max_retries=8, sleep=clock.sleep, now=clock.now
    ) as client:
        assert client.call_timeout == DEFAULT_CALL_TIMEOUT == 300
        with pytest.raises(CallTimeoutError):
            Messages(client).send(to="+15550000001")

    assert clock.sleeps == [60.0] * 4
    assert len(server.seen("POST", "/v1/messages")) == 5


def test_backoff_past_the_budget_is_not_slept(server: ScriptedServer, clock: FakeClock) -> None:
    """The first backoff is 0.375 to 0.5 s (jitter): more than the 0.3 s budget."""
    server.script("POST", "/v1/messages", Reply(503), Reply(503), Reply(202, MESSAGE))
    with (
        CCX(
            API_KEY, base_url=server.base_url, call_timeout=0.3, sleep=clock.sleep, now=clock.now
        ) as client,
        pytest.raises(CallTimeoutError, match="the backoff") as raised,
    ):
        Messages(client).send(to="+15550000001")

    assert clock.sleeps == []
    assert isinstance(raised.value.last_error, InternalServerError)
    assert raised.value.may_have_taken_effect is False  # a 503 is not taken on


def test_without_a_budget_every_wait_is_slept(server: ScriptedServer, clock: FakeClock) -> None:
    server.script("POST", "/v1/messages", *[rate_limited(60)] * 8, Reply(202, MESSAGE))
    with CCX(
        API_KEY,
        base_url=server.base_url,
        max_retries=8,
        call_timeout=None,
        sleep=clock.sleep,
        now=clock.now,
    ) as client:
        Messages(client).send(to="+15550000001")

    assert clock.sleeps == [60.0] * 8


def test_the_budget_is_a_per_call_and_with_options_setting(
    server: ScriptedServer, clock: FakeClock
) -> None:
    replies = [rate_limited(5), Reply(202, MESSAGE)]
    server.script("POST", "/v1/messages", *replies, *replies, rate_limited(5))
    with CCX(
        API_KEY, base_url=server.base_url, call_timeout=3, sleep=clock.sleep, now=clock.now
    ) as client:
        Messages(client.with_options(call_timeout=20)).send(to="+15550000001")
        Messages(client).send(to="+15550000001", call_timeout=20)
        with pytest.raises(CallTimeoutError):
            Messages(client).send(to="+15550000001")

    assert clock.sleeps == [5.0, 5.0]


def test_a_call_cut_off_by_the_budget_may_have_taken_effect(server: ScriptedServer) -> None:
    """The request was sent and the answer did not come in time: the SDK cannot know."""
    server.script("POST", "/v1/messages", Reply(202, MESSAGE, hold=5))
    with (
        CCX(API_KEY, base_url=server.base_url, call_timeout=0.5) as client,
        pytest.raises(CallTimeoutError) as raised,
    ):
        Messages(client).send(to="+15550000001")

    failure = raised.value
    key = server.seen("POST", "/v1/messages")[0].headers["idempotency-key"]
    assert failure.may_have_taken_effect is True
    assert failure.idempotency_key == key
    assert f"idempotency_key='{key}'" in str(failure)


async def test_async_calls_have_the_same_budget(server: ScriptedServer, clock: FakeClock) -> None:
    server.script("POST", "/v1/messages", rate_limited(30))
    async with AsyncCCX(
        API_KEY,
        base_url=server.base_url,
        call_timeout=10,
        sleep=clock.async_sleep,
        now=clock.now,
    ) as client:
        with pytest.raises(CallTimeoutError):
            await AsyncMessages(client).send(to="+15550000001")
    assert clock.sleeps == []

    server.script("POST", "/v1/messages", Reply(202, MESSAGE, hold=5))
    async with AsyncCCX(API_KEY, base_url=server.base_url, call_timeout=0.5) as client:
        with pytest.raises(CallTimeoutError) as raised:
            await AsyncMessages(client).send(to="+15550000001")
    assert raised.value.may_have_taken_effect is True


def test_a_throttled_call_that_cannot_wait_is_not_sent(
    server: ScriptedServer, clock: FakeClock
) -> None:
    spent = {"X-RateLimit-Limit": "10", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "45"}
    server.script("GET", "/v1/messages/msg_1", Reply(200, MESSAGE, headers=spent))
    with CCX(
        API_KEY,
        base_url=server.base_url,
        throttle=True,
        call_timeout=10,
        sleep=clock.sleep,
        now=clock.now,
    ) as client:
        Messages(client).retrieve("msg_1")
        with pytest.raises(CallTimeoutError, match="holding for the rate limit") as raised:
            Messages(client).retrieve("msg_1")

    assert len(server.seen("GET", "/v1/messages/msg_1")) == 1
    assert raised.value.attempts == 0
    assert "Reads have no effect" in str(raised.value)


def test_an_earlier_attempt_that_reached_the_server_counts(
    server: ScriptedServer, clock: FakeClock
) -> None:
    """A timeout after sending, then a 503: the first attempt may still have acted."""
    server.script("POST", "/v1/messages", Reply(202, MESSAGE, hold=2), Reply(503), Reply(503))
    with (
        CCX(
            API_KEY,
            base_url=server.base_url,
            timeout=0.2,
            sleep=clock.sleep,
            now=clock.now,
        ) as client,
        pytest.raises(InternalServerError) as raised,
    ):
        Messages(client).send(to="+15550000001", idempotency_key="ord_2")

    assert raised.value.may_have_taken_effect is True
    assert raised.value.idempotency_key == "ord_2"


def test_a_connection_never_made_did_not_take_effect(clock: FakeClock) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with (
        CCX(
            API_KEY, base_url=f"http://127.0.0.1:{port}", sleep=clock.sleep, now=clock.now
        ) as client,
        pytest.raises(APIConnectionError) as raised,
    ):
        Messages(client).send(to="+15550000001", idempotency_key="ord_3")

    assert raised.value.may_have_taken_effect is False
    assert raised.value.idempotency_key == "ord_3"
    assert len(clock.sleeps) == 2


def test_reads_never_take_effect(server: ScriptedServer, clock: FakeClock) -> None:
    server.script("GET", "/v1/messages/msg_1", *[Reply(500)] * 3)
    with (
        CCX(API_KEY, base_url=server.base_url, sleep=clock.sleep, now=clock.now) as client,
        pytest.raises(InternalServerError) as raised,
    ):
        Messages(client).retrieve("msg_1")

    assert raised.value.may_have_taken_effect is False
    assert raised.value.idempotency_key is None


@pytest.mark.parametrize(
    ("status", "code", "taken"),
    [
        (400, "invalid_request", False),
        (401, "invalid_token", False),
        (408, None, False),
        (409, "idempotency_key_reused", False),
        (409, "idempotency_key_in_use", True),
        (422, "window_closed", False),
        (429, "rate_limited", False),
        (500, None, True),
        (502, "upstream_error", True),
        (503, "maintenance", False),
        (504, None, True),
    ],
)
def test_what_a_status_says_about_effect(status: int, code: str | None, taken: bool) -> None:
    response = httpx.Response(
        status,
        json={"error": {"code": code, "message": "x"}},
        request=httpx.Request("POST", "https://api.ccx.co/v1/messages"),
    )
    failure = error_from_response(response, 0.0)
    assert isinstance(failure, APIStatusError)
    assert failure.may_have_taken_effect is taken


@pytest.mark.parametrize(
    ("timeout", "attempt_timeout", "expected"),
    [
        (httpx.Timeout(60.0, connect=5.0), NOT_GIVEN, 120.0),
        (httpx.Timeout(1.0), NOT_GIVEN, 2.0),
        (httpx.Timeout(None), NOT_GIVEN, None),
        (httpx.Timeout(1.0), 30.0, 30.0),
        (httpx.Timeout(1.0), None, None),
    ],
)
def test_attempt_limit(
    timeout: httpx.Timeout, attempt_timeout: float | None, expected: float | None
) -> None:
    assert attempt_limit(timeout, attempt_timeout) == expected


@pytest.mark.parametrize("value", [0, -1, "30", True, float("nan"), float("inf")])
def test_a_budget_must_be_a_positive_number(value: object) -> None:
    with pytest.raises(ConfigurationError, match="`call_timeout` must be a positive number"):
        CCX(API_KEY, call_timeout=value)  # type: ignore[arg-type]  # wrong type on purpose: tests the runtime check
    with pytest.raises(ConfigurationError, match="`attempt_timeout` must be a positive number"):
        CCX(API_KEY, attempt_timeout=value)  # type: ignore[arg-type]  # wrong type on purpose: tests the runtime check
    with CCX(API_KEY) as client, pytest.raises(InvalidArgumentError, match="`call_timeout`"):
        client.me.retrieve(call_timeout=value)  # type: ignore[arg-type]  # wrong type on purpose: tests the runtime check
