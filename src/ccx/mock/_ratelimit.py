"""Per-token rate limits with soft throttling: a warning always comes before a 429.

Each token has two fixed windows on the mock clock: a minute (6,000 requests by default) and a
second (bursts up to 1,200). ``X-RateLimit-Limit/Remaining/Reset`` describe the minute window,
or the second window while a burst has it under 10 %; below 10 % remaining a response carries
``X-RateLimit-Warning``, and only a window that has sent that warning refuses with 429 and
``Retry-After``. Requests without a valid token (401s, unknown paths) are limited the same way
per client address, so guessing tokens is throttled too.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ._errors import MockAPIError

__all__ = ["RateLimiter"]

_WARNING_FRACTION = 0.1


@dataclass
class _Window:
    length: float
    limit: int
    start: float = 0.0
    used: int = 0
    warned: bool = False

    def roll(self, now: float) -> None:
        start = now - now % self.length
        if start != self.start:
            self.start, self.used, self.warned = start, 0, False

    @property
    def remaining(self) -> int:
        return max(0, self.limit - self.used)

    def reset_in(self, now: float) -> int:
        return max(1, math.ceil(self.start + self.length - now))

    def low(self) -> bool:
        return self.remaining < self.limit * _WARNING_FRACTION


class RateLimiter:
    """Counts requests per key (a token id, or a client address for requests without a valid
    token); ``consume`` for a request, ``peek`` for a free replay.

    With ``max_keys``, the key seen first is forgotten past that many, so callers that are many
    (addresses) keep memory bounded; a forgotten key starts again with fresh windows.
    """

    def __init__(
        self,
        per_minute: int,
        per_second: int,
        *,
        subject: str = "token",
        max_keys: int | None = None,
    ) -> None:
        self._subject = subject
        """What a key stands for, as a 429's message names it."""
        self._per_minute = per_minute
        self._per_second = per_second
        self._max_keys = max_keys
        self._windows: dict[str, tuple[_Window, _Window]] = {}

    def _windows_for(self, key: str, now: float) -> tuple[_Window, _Window]:
        windows = self._windows.get(key)
        if windows is None:
            windows = (_Window(60.0, self._per_minute), _Window(1.0, self._per_second))
            if self._max_keys is not None and len(self._windows) >= self._max_keys:
                del self._windows[next(iter(self._windows))]
            self._windows[key] = windows
        for window in windows:
            window.roll(now)
        return windows

    def consume(self, key: str, now: float) -> dict[str, str]:
        """Count one request and return its headers, or raise 429 if a warned window is full."""
        windows = self._windows_for(key, now)
        for window in windows:
            if window.remaining == 0 and window.warned:
                headers = self._headers(windows, now)
                headers["Retry-After"] = str(window.reset_in(now))
                raise MockAPIError(
                    429,
                    "rate_limit_error",
                    "rate_limited",
                    f"Rate limit of {window.limit} requests per {window.length:g} s exceeded "
                    f"for this {self._subject}; retry after {headers['Retry-After']} s.",
                    retryable=True,
                    headers=headers,
                )
        for window in windows:
            window.used += 1
        return self._headers(windows, now)

    def peek(self, key: str, now: float) -> dict[str, str]:
        return self._headers(self._windows_for(key, now), now)

    def _headers(self, windows: tuple[_Window, _Window], now: float) -> dict[str, str]:
        minute, second = windows
        shown = second if second.low() and not minute.low() else minute
        headers = {
            "X-RateLimit-Limit": str(shown.limit),
            "X-RateLimit-Remaining": str(shown.remaining),
            "X-RateLimit-Reset": str(shown.reset_in(now)),
        }
        low = [window for window in windows if window.low()]
        if low:
            for window in low:
                window.warned = True
            window = low[0]
            headers["X-RateLimit-Warning"] = (
                f"{window.remaining} of {window.limit} requests left in this "
                f"{window.length:g} s window"
            )
        return headers
