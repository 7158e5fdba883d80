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
"""Each network wait: connecting (5 s), each read or write, waiting for a pooled connection."""
ATTEMPT_TIMEOUT_READS: Final = 2.0
"""Unless ``attempt_timeout`` is set, one attempt may last this many read timeouts (120 s by
default), end to end: the server may stay silent for one read timeout and still have time to
send its answer, but it cannot keep an attempt alive by sending a byte now and then."""
DEFAULT_CALL_TIMEOUT: Final = 300.0
"""Seconds one call may take in all: every attempt, the backoff between them and any
``Retry-After`` wait. Five minutes is past the worst case of a call against a busy but healthy
API (two minute-long ``Retry-After`` waits and a full-length attempt), so the default only ever
stops a call that would otherwise hang on."""
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
