"""The retry policy in docs/errors.md is the one the client runs: its numbers come from the code.

Change a default in ``ccx/_constants.py`` or a rule in ``ccx/_retry.py`` and this fails until the
page says the same.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from ccx import _constants as constants
from ccx._exceptions import error_from_response
from ccx._retry import backoff, should_retry

PAGE = (Path(__file__).resolve().parents[2] / "docs" / "errors.md").read_text(encoding="utf-8")
DOCUMENTED_RETRYABLE = (408, 429, 500, 503, 504)


def seconds(value: float) -> str:
    return f"{value:g} s"


def test_the_documented_numbers_are_the_defaults() -> None:
    read = constants.DEFAULT_TIMEOUT.read or 0
    expected = [
        f"default **{constants.DEFAULT_MAX_RETRIES}**",
        f"otherwise {seconds(constants.INITIAL_RETRY_DELAY)} before the first retry",
        f"at most {seconds(constants.MAX_RETRY_DELAY)}",
        f"by up to {constants.RETRY_JITTER:.0%}",
        f"longer than **{constants.MAX_RETRY_AFTER:g} seconds**",
        f"({seconds(constants.STREAM_DEFAULT_RECONNECT_DELAY)} until it says)",
        f"after\n{constants.STREAM_MAX_RECONNECTS} reconnections",
        f"| {seconds(read)} ({seconds(constants.DEFAULT_TIMEOUT.connect or 0)} to connect) |",
        f"| twice the read timeout: {seconds(constants.ATTEMPT_TIMEOUT_READS * read)} |",
        f"| {seconds(constants.DEFAULT_CALL_TIMEOUT)} |",
        f"| {', '.join(map(str, DOCUMENTED_RETRYABLE))} | yes |",
    ]

    assert constants.ATTEMPT_TIMEOUT_READS == 2, "the page says 'twice the read timeout'"
    assert [phrase for phrase in expected if phrase not in PAGE] == []


def test_the_documented_backoff_sequence_is_the_backoff() -> None:
    sequence = ", ".join(f"{backoff(retry, jitter=0.0):g}" for retry in range(1, 7))

    assert f"{sequence} …" in PAGE


def status_error(status: int, code: str | None = None, retryable: bool = False) -> Exception:
    body = {"error": {"code": code, "message": "m", "retryable": retryable}}
    request = httpx.Request("POST", "https://api.ccx.co/v1/messages")
    return error_from_response(httpx.Response(status, json=body, request=request), now=0.0)


@pytest.mark.parametrize("status", range(400, 600))
def test_exactly_the_documented_statuses_are_retried(status: int) -> None:
    assert should_retry(status_error(status)) is (status in DOCUMENTED_RETRYABLE)


def test_the_documented_exceptions_to_the_status_rule() -> None:
    assert should_retry(status_error(409, "idempotency_key_in_use"))
    assert not should_retry(status_error(409, "idempotency_key_reused"))
    assert should_retry(status_error(502, retryable=True))
    assert not should_retry(status_error(502))
    assert "| 409 `idempotency_key_in_use`" in PAGE
    assert "| 502 the server marks `retryable`" in PAGE
