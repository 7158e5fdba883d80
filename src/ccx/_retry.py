"""When to retry and how long to wait: pure decisions, plus the tenacity glue around them.

tenacity is imported only when a first attempt has failed in a retryable way, so the common
path (one attempt, success) neither imports nor allocates any retry machinery.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any

from ._constants import (
    INITIAL_RETRY_DELAY,
    MAX_RETRY_AFTER,
    MAX_RETRY_DELAY,
    RETRY_JITTER,
)
from ._exceptions import APIConnectionError, APIStatusError, CallTimeoutError
from ._ratelimit import parse_retry_after, parse_seconds

if TYPE_CHECKING:
    from tenacity import AsyncRetrying, RetryCallState, Retrying

    from ._budget import CallBudget

__all__ = [
    "async_retrying",
    "backoff",
    "requested_wait",
    "retrying",
    "should_retry",
    "wait_for",
]

_logger = logging.getLogger("ccx")

_RETRYABLE_STATUSES = frozenset({408, 429, 500, 503, 504})


def should_retry(error: BaseException) -> bool:
    """Whether repeating the request (with the same idempotency key) can succeed.

    Whatever the operation: repeating one never acts twice, since every POST carries an
    idempotency key (the generator refuses one without) and a GET, DELETE or PATCH is idempotent
    (a DELETE removes, a PATCH sets the fields it names). A spent call budget is final.
    """
    if isinstance(error, CallTimeoutError):
        return False
    if isinstance(error, APIConnectionError):
        return True
    if not isinstance(error, APIStatusError):
        return False
    status = error.status_code
    if status in _RETRYABLE_STATUSES:
        return True
    if status == 409:
        return error.code == "idempotency_key_in_use"
    if status == 502:
        return error.retryable
    return False


def requested_wait(headers: Mapping[str, str], status_code: int, now: float) -> float | None:
    """The wait the server asked for: ``Retry-After``, else ``X-RateLimit-Reset`` on a 429."""
    retry_after = parse_retry_after(headers, now)
    if retry_after is not None:
        return retry_after
    if status_code == 429:
        return parse_seconds(headers.get("x-ratelimit-reset"))
    return None


def backoff(retry: int, jitter: float) -> float:
    """Exponential backoff for the ``retry``-th retry (from 1); ``jitter`` is in [0, 1)."""
    delay = min(INITIAL_RETRY_DELAY * 2.0 ** (retry - 1), MAX_RETRY_DELAY)
    return delay * (1 - RETRY_JITTER * jitter)


def wait_for(
    retry: int, headers: Mapping[str, str] | None, status_code: int, now: float, jitter: float
) -> float:
    """Seconds to wait before the ``retry``-th retry: what the server asked, else backoff."""
    if headers is not None:
        requested = requested_wait(headers, status_code, now)
        if requested is not None:
            return requested
    return backoff(retry, jitter)


def _response_of(error: BaseException | None) -> tuple[Mapping[str, str] | None, int]:
    if isinstance(error, APIStatusError):
        return error.response.headers, error.status_code
    return None, 0


class _Policy:
    """tenacity's retry, wait and stop callbacks over the pure functions above."""

    def __init__(
        self,
        operation_id: str,
        max_retries: int,
        budget: CallBudget,
        now: Callable[[], float],
        random: Callable[[], float],
    ) -> None:
        self.operation_id = operation_id
        self.max_retries = max_retries
        self.budget = budget
        self.now = now
        self.random = random
        self._waits: dict[int, float] = {}

    def retry(self, state: RetryCallState) -> bool:
        error = _exception(state)
        return error is not None and should_retry(error)

    def wait(self, state: RetryCallState) -> float:
        # Computed once per retry: stop() needs it too, and tenacity versions differ in which
        # of the two they call first.
        number = state.attempt_number
        if number not in self._waits:
            headers, status_code = _response_of(_exception(state))
            self._waits[number] = wait_for(number, headers, status_code, self.now(), self.random())
        return self._waits[number]

    def stop(self, state: RetryCallState) -> bool:
        if state.attempt_number > self.max_retries:
            return True
        headers, status_code = _response_of(_exception(state))
        requested = None if headers is None else requested_wait(headers, status_code, self.now())
        if requested is not None and requested > MAX_RETRY_AFTER:
            return True
        wait = self.wait(state)
        reason = "the wait the server asked for" if requested is not None else "the backoff"
        return not self.budget.fits(wait, f"{reason} ({wait:.3g} s)")

    def before_sleep(self, state: RetryCallState) -> None:
        action = state.next_action
        _logger.info(
            "Retrying %s in %.2f s (retry %d of %d) after %s",
            self.operation_id,
            action.sleep if action is not None else 0.0,
            state.attempt_number,
            self.max_retries,
            _describe(_exception(state)),
        )

    def arguments(self) -> dict[str, Any]:
        return {
            "retry": self.retry,
            "wait": self.wait,
            "stop": self.stop,
            "before_sleep": self.before_sleep,
            "reraise": True,
        }


def _exception(state: RetryCallState) -> BaseException | None:
    outcome = state.outcome
    return outcome.exception() if outcome is not None else None


def _describe(error: BaseException | None) -> str:
    if isinstance(error, APIStatusError):
        return f"HTTP {error.status_code}"
    return type(error).__name__


def retrying(
    operation_id: str,
    max_retries: int,
    budget: CallBudget,
    *,
    now: Callable[[], float],
    sleep: Callable[[float], None],
    random: Callable[[], float],
) -> Retrying:
    """A tenacity ``Retrying`` for the retries of one call (the first attempt is replayed)."""
    from tenacity import Retrying

    policy = _Policy(operation_id, max_retries, budget, now, random)
    return Retrying(sleep=sleep, **policy.arguments())


def async_retrying(
    operation_id: str,
    max_retries: int,
    budget: CallBudget,
    *,
    now: Callable[[], float],
    sleep: Callable[[float], Awaitable[None]],
    random: Callable[[], float],
) -> AsyncRetrying:
    """The ``AsyncRetrying`` twin of ``retrying``."""
    from tenacity import AsyncRetrying

    policy = _Policy(operation_id, max_retries, budget, now, random)
    return AsyncRetrying(sleep=sleep, **policy.arguments())
