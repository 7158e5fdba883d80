"""Every default of the client in one place: timeouts, retries, backoff, limits."""

from __future__ import annotations

from typing import Final

import httpx

API_VERSION: Final = "2026-11-01"
"""The ``CCX-Version`` this SDK was generated for (the spec's ``info.version``)."""

DEFAULT_BASE_URL: Final = "https://api.ccx.co"
API_KEY_ENV: Final = "CCX_API_KEY"
BASE_URL_ENV: Final = "CCX_BASE_URL"
WEBHOOK_SECRET_ENV: Final = "CCX_WEBHOOK_SECRET"
LOG_ENV: Final = "CCX_LOG"

DEFAULT_TIMEOUT: Final = httpx.Timeout(60.0, connect=5.0)
DEFAULT_CONNECTION_LIMITS: Final = httpx.Limits(max_connections=1000, max_keepalive_connections=100)

DEFAULT_MAX_RETRIES: Final = 2
INITIAL_RETRY_DELAY: Final = 0.5
"""Seconds before the first retry; doubles on every attempt, up to ``MAX_RETRY_DELAY``."""
MAX_RETRY_DELAY: Final = 8.0
RETRY_JITTER: Final = 0.25
"""Backoff is shortened by up to this fraction at random, so clients do not retry in step."""
MAX_RETRY_AFTER: Final = 60.0
"""A server-requested wait longer than this is not slept: the error is raised instead."""

STREAM_MAX_RECONNECTS: Final = 5
"""Reconnections in a row that deliver no new event before a stream gives up."""
STREAM_DEFAULT_RECONNECT_DELAY: Final = 1.0
"""Seconds to wait before reconnecting a stream until the server sends ``retry:``."""
STREAM_TERMINAL_EVENTS: Final = frozenset({"broadcast.completed"})
"""Event types after which the server has nothing more to send on a stream."""

RETRY_COUNT_HEADER: Final = "CCX-Retry-Count"
IDEMPOTENCY_KEY_HEADER: Final = "Idempotency-Key"
REDACTED: Final = "[redacted]"

WEBHOOK_TOLERANCE: Final = 300
"""Seconds a webhook's signed timestamp may be away from now, in either direction."""
