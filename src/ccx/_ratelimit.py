"""Rate-limit headers: the ``RateLimit`` value, ``Retry-After`` parsing and throttling."""

from __future__ import annotations

import os
import threading
import weakref
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

__all__ = [
    "RATE_LIMIT_HEADERS",
    "RateLimit",
    "RateLimitState",
    "ReportedRateLimit",
    "parse_rate_limit",
    "parse_retry_after",
    "parse_seconds",
    "rate_limit_headers",
    "throttle_delay",
]

RateLimitHook = Callable[["RateLimit"], None]

_PREFIX = b"x-ratelimit-"
RATE_LIMIT_HEADERS = (
    "x-ratelimit-limit",
    "x-ratelimit-remaining",
    "x-ratelimit-reset",
    "x-ratelimit-warning",
)
"""The headers ``parse_rate_limit`` reads."""


@dataclass(frozen=True, slots=True)
class RateLimit:
    """The token's request window as the server last reported it."""

    limit: int
    remaining: int
    reset: float
    """Seconds until the window resets, as sent by the server."""
    reset_at: float
    """Wall-clock time (seconds since the epoch) at which the window resets."""
    warning: bool
    """Whether the server flagged that the window is nearly used up."""


def parse_seconds(value: str | None) -> float | None:
    """A non-negative finite number of seconds, or ``None`` for anything else."""
    if value is None:
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return number if 0 <= number < _INFINITY else None


_INFINITY = float("inf")


def parse_rate_limit(headers: Mapping[str, str], now: float) -> RateLimit | None:
    """Reads ``X-RateLimit-*``; ``None`` unless limit, remaining and reset are all present."""
    limit = parse_seconds(headers.get("x-ratelimit-limit"))
    remaining = parse_seconds(headers.get("x-ratelimit-remaining"))
    reset = parse_seconds(headers.get("x-ratelimit-reset"))
    if limit is None or remaining is None or reset is None:
        return None
    return RateLimit(
        limit=int(limit),
        remaining=int(remaining),
        reset=reset,
        reset_at=now + reset,
        warning="x-ratelimit-warning" in headers,
    )


def rate_limit_headers(raw: Iterable[tuple[bytes, bytes]]) -> dict[str, str]:
    """The ``RATE_LIMIT_HEADERS`` of a response's ``headers.raw``, by lower-case name.

    One pass over the headers: ``httpx.Headers.get`` scans them all for every name it is asked.
    A repeated header is joined with ", ", as ``Headers.get`` does.
    """
    found: dict[str, str] = {}
    for name, value in raw:
        if name[: len(_PREFIX)].lower() == _PREFIX:
            key = name.decode("latin-1").lower()
            if key in RATE_LIMIT_HEADERS:
                text = value.decode("latin-1")
                found[key] = f"{found[key]}, {text}" if key in found else text
    return found


def parse_retry_after(headers: Mapping[str, str], now: float) -> float | None:
    """Seconds the server asked us to wait: ``Retry-After`` as seconds or an HTTP date."""
    value = headers.get("retry-after")
    if value is None:
        return None
    seconds = parse_seconds(value.strip())
    if seconds is not None:
        return seconds
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return max(0.0, moment.timestamp() - now)


def throttle_delay(rate_limit: RateLimit | None, now: float) -> float:
    """How long to hold a request the server would refuse because the window is spent."""
    if rate_limit is None or rate_limit.remaining > 0:
        return 0.0
    return max(0.0, rate_limit.reset_at - now)


class ReportedRateLimit:
    """The ``X-RateLimit-*`` headers of one response, read into a ``RateLimit`` when first
    asked for: most calls never look at it."""

    __slots__ = ("_headers", "_received", "_value", "warning")

    def __init__(self, headers: Mapping[str, str], received: float) -> None:
        self._headers: Mapping[str, str] | None = headers
        self._received = received
        self._value: RateLimit | None = None
        self.warning = "x-ratelimit-warning" in headers
        """Whether the server flagged that the window is nearly used up."""

    @property
    def value(self) -> RateLimit | None:
        """The window, or ``None`` unless limit, remaining and reset are all readable."""
        headers = self._headers  # once: another thread may be reading it too
        if headers is not None:
            self._value = parse_rate_limit(headers, self._received)
            self._headers = None  # after the value, so a reader never finds neither
        return self._value


class RateLimitState:
    """The window the last response reported to a client, shared by its copies, threads and
    tasks."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._current: ReportedRateLimit | None = None
        self._warned_until = float("-inf")
        _STATES.add(self)

    @property
    def current(self) -> RateLimit | None:
        reported = self._current
        return None if reported is None else reported.value

    def update(self, reported: ReportedRateLimit, now: float) -> RateLimit | None:
        """Records ``reported``; returns its window when its warning is the first one of
        that window."""
        self._current = reported
        if not reported.warning:
            return None
        rate_limit = reported.value
        with self._lock:
            if rate_limit is None or now < self._warned_until:
                return None
            self._warned_until = rate_limit.reset_at
            return rate_limit


_STATES: weakref.WeakSet[RateLimitState] = weakref.WeakSet()


def _after_fork_in_child() -> None:
    # Another thread of the parent may have held a lock at the moment of the fork.
    for state in list(_STATES):
        state._lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
