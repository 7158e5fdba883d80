"""Retries over a real socket: never sending twice, honouring the server's requested waits."""

from __future__ import annotations

import email.utils
import socket
import uuid

import pytest

from ccx._client import CCX, _new_idempotency_key
from ccx._exceptions import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    IdempotencyConflictError,
    InternalServerError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    UnprocessableEntityError,
    UpstreamError,
)

from ._resources import AsyncMessages, Messages
from ._server import Reply, ScriptedServer, error
from .conftest import API_KEY, FakeClock

MESSAGE = {"id": "msg_1", "status": "queued"}


@pytest.mark.parametrize(
    "failure",
    [
        Reply(status=500),
        Reply(status=503),
        Reply(status=504),
        Reply(status=408),
        error(429, "rate_limited", headers={"Retry-After": "1"}),
        error(409, "idempotency_key_in_use"),
        error(502, "upstream_error", retryable=True, upstream={"code": 131000}),
    ],
    ids=["500", "503", "504", "408", "429", "409-in-use", "502-retryable"],
)
def test_retryable_failures_are_retried_with_the_same_idempotency_key(
    server: ScriptedServer, messages: Messages, failure: Reply
) -> None:
    server.script("POST", "/v1/messages", failure, failure, Reply(202, MESSAGE))

    message = messages.send(to="+15550000001", text="hi")

    assert message.id == "msg_1"
    seen = server.seen("POST", "/v1/messages")
    assert [r.headers["ccx-retry-count"] for r in seen] == ["0", "1", "2"]
    keys = {r.headers["idempotency-key"] for r in seen}
    body_keys = {r.json()["idempotency_key"] for r in seen}
    assert len(keys) == 1
    assert keys == body_keys
    assert uuid.UUID(keys.pop()).version == 4


def test_generated_keys_are_random_uuids_in_their_usual_form() -> None:
    keys = [_new_idempotency_key() for _ in range(2000)]

    assert len(set(keys)) == len(keys)
    for key in keys:
        parsed = uuid.UUID(key)
        assert (parsed.version, parsed.variant, str(parsed)) == (4, uuid.RFC_4122, key)
    # 122 random bits, as uuid4 has: the variant's digit keeps two of them.
    assert {key[19] for key in keys} == set("89ab")


def test_the_callers_idempotency_key_is_the_body_field_and_the_header(
    server: ScriptedServer, messages: Messages
) -> None:
    server.script("POST", "/v1/messages", Reply(500), Reply(202, MESSAGE))

    messages.send(to="+15550000001", idempotency_key="ord_A8492")

    seen = server.seen("POST", "/v1/messages")
    assert [r.headers["idempotency-key"] for r in seen] == ["ord_A8492", "ord_A8492"]
    assert [r.json()["idempotency_key"] for r in seen] == ["ord_A8492", "ord_A8492"]


def test_each_call_gets_its_own_key(server: ScriptedServer, messages: Messages) -> None:
    server.script("POST", "/v1/messages", Reply(202, MESSAGE), Reply(202, MESSAGE))

    messages.send(to="+15550000001")
    messages.send(to="+15550000001")

    first, second = server.seen("POST", "/v1/messages")
    assert first.headers["idempotency-key"] != second.headers["idempotency-key"]


def test_mutating_calls_without_a_body_key_still_send_the_header(
    server: ScriptedServer, messages: Messages
) -> None:
    server.script("POST", "/v1/messages/msg_1/cancel", Reply(500), Reply(204))

    assert messages.cancel("msg_1") is None

    seen = server.seen("POST", "/v1/messages/msg_1/cancel")
    assert len({r.headers["idempotency-key"] for r in seen}) == 1
    assert all(r.body == b"" for r in seen)


def test_reads_carry_no_idempotency_key(server: ScriptedServer, messages: Messages) -> None:
    server.script("GET", "/v1/messages/msg_1", Reply(200, MESSAGE))

    messages.retrieve("msg_1")

    assert "idempotency-key" not in server.seen("GET", "/v1/messages/msg_1")[0].headers


@pytest.mark.parametrize(
    ("failure", "expected"),
    [
        (error(400, "invalid_request", param="to"), BadRequestError),
        (error(401, "invalid_token"), AuthenticationError),
        (error(403, "missing_scope"), PermissionDeniedError),
        (error(404, "not_found"), NotFoundError),
        (error(422, "window_closed"), UnprocessableEntityError),
        (error(409, "idempotency_key_reused"), IdempotencyConflictError),
        (error(502, "upstream_error", retryable=False), UpstreamError),
    ],
    ids=["400", "401", "403", "404", "422", "409-reused", "502-final"],
)
def test_final_failures_are_not_retried(
    server: ScriptedServer,
    messages: Messages,
    clock: FakeClock,
    failure: Reply,
    expected: type[APIStatusError],
) -> None:
    server.script("POST", "/v1/messages", failure, Reply(202, MESSAGE))

    with pytest.raises(expected):
        messages.send(to="+15550000001")

    assert len(server.seen("POST", "/v1/messages")) == 1
    assert clock.sleeps == []


def test_retries_give_up_after_max_retries(
    server: ScriptedServer, messages: Messages, clock: FakeClock
) -> None:
    server.script("POST", "/v1/messages", *[Reply(503)] * 5)

    with pytest.raises(InternalServerError) as raised:
        messages.send(to="+15550000001", max_retries=3)

    assert raised.value.status_code == 503
    assert len(server.seen("POST", "/v1/messages")) == 4
    assert len(clock.sleeps) == 3
    # Exponential backoff with at most 25% jitter: 0.5, 1, 2.
    for sleep, base in zip(clock.sleeps, [0.5, 1.0, 2.0], strict=True):
        assert base * 0.75 <= sleep <= base


def test_max_retries_zero_sends_once(server: ScriptedServer, client: CCX) -> None:
    server.script("POST", "/v1/messages", Reply(503), Reply(202, MESSAGE))

    with pytest.raises(InternalServerError):
        Messages(client.with_options(max_retries=0)).send(to="+15550000001")

    assert len(server.seen("POST", "/v1/messages")) == 1


def test_retry_after_seconds_is_honoured(
    server: ScriptedServer, messages: Messages, clock: FakeClock
) -> None:
    server.script(
        "POST",
        "/v1/messages",
        error(429, "rate_limited", headers={"Retry-After": "7"}),
        Reply(202, MESSAGE),
    )

    messages.send(to="+15550000001")

    assert clock.sleeps == [7.0]


def test_retry_after_http_date_is_honoured(
    server: ScriptedServer, messages: Messages, clock: FakeClock
) -> None:
    when = email.utils.formatdate(clock.time + 12, usegmt=True)
    server.script(
        "POST",
        "/v1/messages",
        error(503, "maintenance", headers={"Retry-After": when}),
        Reply(202, MESSAGE),
    )

    messages.send(to="+15550000001")

    assert clock.sleeps == [pytest.approx(12.0, abs=1.0)]


def test_rate_limit_reset_is_the_wait_when_retry_after_is_missing(
    server: ScriptedServer, messages: Messages, clock: FakeClock
) -> None:
    headers = {"X-RateLimit-Limit": "100", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "3"}
    server.script(
        "POST", "/v1/messages", error(429, "rate_limited", headers=headers), Reply(202, MESSAGE)
    )

    messages.send(to="+15550000001")

    assert clock.sleeps == [3.0]


def test_a_wait_over_sixty_seconds_raises_with_retry_after(
    server: ScriptedServer, messages: Messages, clock: FakeClock
) -> None:
    server.script(
        "POST",
        "/v1/messages",
        error(429, "rate_limited", headers={"Retry-After": "90"}),
        Reply(202, MESSAGE),
    )

    with pytest.raises(RateLimitError) as raised:
        messages.send(to="+15550000001")

    assert raised.value.retry_after == 90.0
    assert clock.sleeps == []
    assert len(server.seen("POST", "/v1/messages")) == 1


def test_timeouts_raise_api_timeout_error_after_retries(
    server: ScriptedServer, messages: Messages, clock: FakeClock
) -> None:
    server.script("POST", "/v1/messages", *[Reply(202, MESSAGE, hold=0.5)] * 3)

    with pytest.raises(APITimeoutError):
        messages.send(to="+15550000001", timeout=0.05, max_retries=2)

    assert len(clock.sleeps) == 2
    seen = server.seen("POST", "/v1/messages")
    assert len(seen) == 3
    assert len({r.headers["idempotency-key"] for r in seen}) == 1


def test_connection_errors_are_retried_then_raised(clock: FakeClock) -> None:
    with socket.socket() as probe:  # a port that was free a moment ago: connection refused
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    base_url = f"http://127.0.0.1:{port}"

    with (
        CCX(API_KEY, base_url=base_url, sleep=clock.sleep, now=clock.now) as client,
        pytest.raises(APIConnectionError) as raised,
    ):
        Messages(client).retrieve("msg_1")

    assert not isinstance(raised.value, APITimeoutError)
    assert len(clock.sleeps) == 2


def test_throttle_waits_for_the_reset_instead_of_sending(
    server: ScriptedServer, clock: FakeClock
) -> None:
    spent = {"X-RateLimit-Limit": "100", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "30"}
    server.script(
        "GET", "/v1/messages/msg_1", Reply(200, MESSAGE, headers=spent), Reply(200, MESSAGE)
    )
    with CCX(
        API_KEY, base_url=server.base_url, throttle=True, sleep=clock.sleep, now=clock.now
    ) as client:
        messages = Messages(client)
        messages.retrieve("msg_1")
        assert clock.sleeps == []

        messages.retrieve("msg_1")

    assert clock.sleeps == [30.0]
    assert len(server.seen("GET", "/v1/messages/msg_1")) == 2


def test_without_throttle_a_spent_window_is_sent_anyway(
    server: ScriptedServer, messages: Messages, clock: FakeClock
) -> None:
    spent = {"X-RateLimit-Limit": "100", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "30"}
    server.script(
        "GET", "/v1/messages/msg_1", Reply(200, MESSAGE, headers=spent), Reply(200, MESSAGE)
    )

    messages.retrieve("msg_1")
    messages.retrieve("msg_1")

    assert clock.sleeps == []


async def test_async_retries_reuse_the_key_and_count_attempts(
    server: ScriptedServer, async_messages: AsyncMessages, clock: FakeClock
) -> None:
    server.script(
        "POST",
        "/v1/messages",
        error(409, "idempotency_key_in_use"),
        error(429, "rate_limited", headers={"Retry-After": "2"}),
        Reply(202, MESSAGE),
    )

    message = await async_messages.send(to="+15550000001")

    assert message.status == "queued"
    seen = server.seen("POST", "/v1/messages")
    assert [r.headers["ccx-retry-count"] for r in seen] == ["0", "1", "2"]
    assert len({r.headers["idempotency-key"] for r in seen}) == 1
    assert clock.sleeps[1] == 2.0


async def test_async_final_failure_is_not_retried(
    server: ScriptedServer, async_messages: AsyncMessages
) -> None:
    server.script("POST", "/v1/messages", error(422, "window_closed"), Reply(202, MESSAGE))

    with pytest.raises(UnprocessableEntityError) as raised:
        await async_messages.send(to="+15550000001")

    assert "send a template message first" in str(raised.value)
    assert len(server.seen("POST", "/v1/messages")) == 1
