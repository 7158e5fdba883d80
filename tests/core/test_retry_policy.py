"""The retry decisions and waits as pure functions, over parametrized inputs."""

from __future__ import annotations

import email.utils

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ccx._constants import INITIAL_RETRY_DELAY, MAX_RETRY_DELAY
from ccx._exceptions import APIConnectionError, APITimeoutError, CCXError, error_from_response
from ccx._ratelimit import RateLimit, parse_rate_limit, parse_retry_after, throttle_delay
from ccx._retry import backoff, requested_wait, should_retry, wait_for

NOW = 1_800_000_000.0


def status_error(status: int, **error: object) -> BaseException:
    response = httpx.Response(
        status,
        json={"error": {"message": "x", **error}},
        request=httpx.Request("POST", "https://api.ccx.co/v1/messages"),
    )
    return error_from_response(response, NOW)


@pytest.mark.parametrize(
    ("error", "retry"),
    [
        (APIConnectionError(), True),
        (APITimeoutError(), True),
        (status_error(408), True),
        (status_error(429), True),
        (status_error(500), True),
        (status_error(503), True),
        (status_error(504), True),
        (status_error(409, code="idempotency_key_in_use"), True),
        (status_error(502, retryable=True), True),
        (status_error(502, retryable=False), False),
        (status_error(502), False),
        (status_error(409, code="idempotency_key_reused"), False),
        (status_error(409, code="template_not_approved"), False),
        (status_error(400), False),
        (status_error(401), False),
        (status_error(403), False),
        (status_error(404), False),
        (status_error(410), False),
        (status_error(422), False),
        (CCXError("not an HTTP failure"), False),
        (ValueError("bug"), False),
    ],
)
def test_should_retry(error: BaseException, retry: bool) -> None:
    assert should_retry(error) is retry


@pytest.mark.parametrize(
    ("headers", "status", "expected"),
    [
        ({"retry-after": "5"}, 503, 5.0),
        ({"retry-after": "0.5"}, 429, 0.5),
        ({"retry-after": email.utils.formatdate(NOW + 30, usegmt=True)}, 429, 30.0),
        ({"retry-after": email.utils.formatdate(NOW - 30, usegmt=True)}, 429, 0.0),
        ({"x-ratelimit-reset": "12"}, 429, 12.0),
        ({"x-ratelimit-reset": "12"}, 503, None),
        ({"retry-after": "2", "x-ratelimit-reset": "12"}, 429, 2.0),
        ({"retry-after": "soon"}, 429, None),
        ({"retry-after": "-3"}, 429, None),
        ({}, 429, None),
    ],
)
def test_requested_wait(headers: dict[str, str], status: int, expected: float | None) -> None:
    assert requested_wait(headers, status, NOW) == (
        pytest.approx(expected) if expected is not None else None
    )


@pytest.mark.parametrize(
    ("retry", "jitter", "expected"),
    [(1, 0.0, 0.5), (2, 0.0, 1.0), (3, 0.0, 2.0), (5, 0.0, 8.0), (9, 0.0, 8.0), (1, 1.0, 0.375)],
)
def test_backoff(retry: int, jitter: float, expected: float) -> None:
    assert backoff(retry, jitter) == pytest.approx(expected)


@given(
    st.integers(min_value=1, max_value=64), st.floats(min_value=0, max_value=1, exclude_max=True)
)
def test_backoff_stays_between_three_quarters_and_the_cap(retry: int, jitter: float) -> None:
    base = min(INITIAL_RETRY_DELAY * 2 ** (retry - 1), MAX_RETRY_DELAY)
    assert base * 0.75 <= backoff(retry, jitter) <= base


def test_wait_for_prefers_the_server_over_backoff() -> None:
    assert wait_for(1, {"retry-after": "45"}, 429, NOW, jitter=0.0) == 45.0
    assert wait_for(3, {}, 503, NOW, jitter=0.0) == 2.0
    assert wait_for(3, None, 0, NOW, jitter=0.0) == 2.0


def test_parse_retry_after_of_a_date_uses_now() -> None:
    header = {"retry-after": email.utils.formatdate(NOW + 90, usegmt=True)}
    assert parse_retry_after(header, NOW) == pytest.approx(90.0)


def test_parse_rate_limit() -> None:
    headers = httpx.Headers(
        {
            "X-RateLimit-Limit": "6000",
            "X-RateLimit-Remaining": "12",
            "X-RateLimit-Reset": "40",
            "X-RateLimit-Warning": "nearly spent",
        }
    )
    assert parse_rate_limit(headers, NOW) == RateLimit(
        limit=6000, remaining=12, reset=40.0, reset_at=NOW + 40, warning=True
    )


@pytest.mark.parametrize(
    "headers",
    [{}, {"X-RateLimit-Limit": "10", "X-RateLimit-Remaining": "x", "X-RateLimit-Reset": "1"}],
)
def test_parse_rate_limit_needs_every_header(headers: dict[str, str]) -> None:
    assert parse_rate_limit(httpx.Headers(headers), NOW) is None


@pytest.mark.parametrize(
    ("remaining", "reset_at", "expected"),
    [(0, NOW + 10, 10.0), (0, NOW - 10, 0.0), (1, NOW + 10, 0.0)],
)
def test_throttle_delay(remaining: int, reset_at: float, expected: float) -> None:
    rate_limit = RateLimit(limit=10, remaining=remaining, reset=10, reset_at=reset_at, warning=True)
    assert throttle_delay(rate_limit, NOW) == expected
    assert throttle_delay(None, NOW) == 0.0
