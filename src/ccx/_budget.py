"""One call's time budget, and what a failed call may have done.

A call may take ``call_timeout`` seconds in all: its attempts, the backoff between them and any
``Retry-After`` wait. Each attempt may take ``attempt_timeout`` seconds, or what is left of the
budget if that is less. The budget runs on the client's clock (injectable, for tests); the
limit of an attempt is handed to the I/O layer as seconds, which it holds on the monotonic
clock.

The SDK cannot see into the server, so its verdict on whether a failed call took effect is
conservative: "it did not" only when no attempt can have reached the API, or the API refused
every attempt that did.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from ._exceptions import APIError, APITimeoutError, CallTimeoutError
from ._request import RequestPlan

__all__ = ["CallBudget"]


class CallBudget:
    """The clock, the attempts and the verdict of one call, shared by its retry loop."""

    def __init__(self, plan: RequestPlan, clock: Callable[[], float]) -> None:
        self.plan = plan
        self._clock = clock
        self._deadline = None if plan.call_timeout is None else clock() + plan.call_timeout
        self._attempt_deadline: float | None = None
        self._spent_on: str | None = None
        self._may_have_taken_effect = False
        self.attempts = 0
        self.limit: float | None = None
        """The wall-clock limit of the current attempt, in seconds."""
        self.last_error: APIError | None = None

    def remaining(self) -> float | None:
        """Seconds left of the budget (``None``: no budget)."""
        return None if self._deadline is None else self._deadline - self._clock()

    def start_attempt(self) -> float | None:
        """The limit of the attempt about to start; raises once nothing is left for it."""
        remaining = self.remaining()
        if remaining is not None and remaining <= 0:
            raise self._spent()
        limit = self.plan.attempt_timeout
        if remaining is not None:
            limit = remaining if limit is None else min(limit, remaining)
        self.limit = limit
        self._attempt_deadline = None if limit is None else time.monotonic() + limit
        return limit

    def attempt_expired(self) -> bool:
        """Whether the current attempt has used up its limit."""
        return self._attempt_deadline is not None and time.monotonic() >= self._attempt_deadline

    def record(self, error: APIError) -> APIError:
        """Notes a failed attempt and returns its error."""
        self.attempts += 1
        self._may_have_taken_effect |= error.may_have_taken_effect
        self.last_error = error
        return error

    def fits(self, wait: float, reason: str) -> bool:
        """Whether waiting ``wait`` seconds leaves time for another attempt; if not, the budget
        is spent and ``reason`` says on what."""
        remaining = self.remaining()
        if remaining is None or wait < remaining:
            return True
        self._spent_on = reason
        return False

    def hold(self, wait: float, reason: str) -> None:
        """Raises unless the budget has room to wait ``wait`` seconds before an attempt."""
        if not self.fits(wait, reason):
            raise self._spent()

    def failure(self, error: APIError) -> APIError:
        """What the call raises after ``error``: the budget's error once the budget ran out
        (while waiting or during the attempt), else ``error`` with the call's verdict."""
        if isinstance(error, CallTimeoutError):
            return error
        remaining = self.remaining()
        if self._spent_on is not None or (
            isinstance(error, APITimeoutError) and remaining is not None and remaining <= 0
        ):
            return self._spent()
        error.idempotency_key = self.plan.idempotency_key
        error.may_have_taken_effect = self._verdict()
        return error

    def _verdict(self) -> bool:
        return not self.plan.operation.is_read and self._may_have_taken_effect

    def _spent(self) -> CallTimeoutError:
        plan = self.plan
        assert plan.call_timeout is not None
        attempts = f"{self.attempts} attempt{'' if self.attempts == 1 else 's'}"
        if self._spent_on is not None:
            attempts += f"; {self._spent_on} would not fit in what was left"
        if plan.operation.is_read:
            verdict = "Reads have no effect: repeating it is safe."
        elif self._verdict():
            verdict = (
                "It may have taken effect: call it again with "
                f"idempotency_key={plan.idempotency_key!r} to find out without doing it twice."
            )
        else:
            verdict = "It did not take effect: no attempt reached the API, or it refused them."
        message = (
            f"{plan.operation.id} did not finish within its call_timeout of "
            f"{plan.call_timeout:g} s ({attempts}). {verdict}"
        )
        if self.last_error is not None:
            message += f" The last attempt: {self.last_error}"
        error = CallTimeoutError(
            message,
            operation=plan.operation.id,
            call_timeout=plan.call_timeout,
            attempts=self.attempts,
            last_error=self.last_error,
            request=self.last_error.request if self.last_error is not None else None,
            may_have_taken_effect=self._verdict(),
        )
        error.idempotency_key = plan.idempotency_key
        error.__cause__ = self.last_error
        return error
