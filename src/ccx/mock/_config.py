"""Every knob of the mock in one place, with the production defaults of the API brief."""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["MockConfig"]


@dataclass(frozen=True)
class MockConfig:
    """Every knob of the mock, with the production defaults of the API brief.

    Limits are per workspace (each tenant has its own), so one workspace's load never uses up
    another's.
    """

    rate_limit_per_minute: int = 6_000
    """Requests per token per sliding minute."""
    burst_per_second: int = 1_200
    """Requests per token per sliding second (short bursts above the minute average)."""
    max_body_bytes: int = 256 * 1024
    """Request bodies above this are refused with 413 ``body_too_large``."""
    max_json_depth: int = 32
    """Deeper JSON nesting is refused with 400 before pydantic ever sees it."""
    idempotency_ttl_seconds: float = 7 * 24 * 3600
    idempotency_key_limit: int = 100_000
    """Keys kept per workspace; past it the oldest is forgotten first, so memory stays bounded."""
    token_rotation_overlap_seconds: float = 24 * 3600
    audit_log_limit: int = 100_000
    """Entries kept per workspace; the oldest go first, so long runs keep bounded memory."""
    export_ready_after_seconds: float = 1.0
    """Clock delay before an export is ``ready``: ``exports.create`` answers ``pending``."""
    export_retention_seconds: float = 24 * 3600
    """Clock seconds an export (and its file) is kept after it was requested."""
    export_limit: int = 10
    """Exports kept per workspace; a new one past it replaces the oldest."""
    delivery_concurrency: int = 16
    """Webhook POSTs in flight at once, per workspace: a slow receiver only slows its own."""
    delivery_attempt_limit: int = 10_000
    """Delivery attempts kept per workspace for inspection (also 30 days on the clock)."""
    fault_seed_limit: int = 64
    """``CCX-Mock-Fault: seed=N`` streams kept per workspace; the least recently used goes."""
    max_header_bytes: int = 32 * 1024
    """A request line and headers above this are refused with 431 before the app runs."""
    max_header_count: int = 100
    """More header fields than this are refused with 431."""
    header_timeout_seconds: float = 10.0
    """Real seconds a client has to send a whole request head (from connecting, or from the
    previous response); a slow one gets 408 and the connection is closed."""
    body_timeout_seconds: float = 30.0
    """Real seconds a client has to send a whole request body once its head arrived (408)."""
    keep_alive_seconds: float = 5.0
    """Real seconds an idle keep-alive connection stays open after a response."""
    time_scale: float = 1.0
    """Mock seconds per real second, for a clock that runs faster than the wall."""
    clock_start: float | None = None
    """Every workspace clock's reading when the server starts (unix seconds); ``None``: now.

    A fixed start makes a run independent of the calendar: examples with dates in them (a
    ``schedule_at``) stay in the future forever. `ccx.mock.MockServer` and ``ccx-mock
    --clock-start`` also take RFC 3339 text.
    """
    faults: str | None = None
    """Fault spec applied to every request, same syntax as the ``CCX-Mock-Fault`` header."""
    inbox: bool = True
    """Serve the web inbox at ``/inbox/`` (``ccx-mock --no-inbox`` turns it off)."""
    sandbox_token: str | None = field(default=None, repr=False)
    """Secret of the demo workspace's all-scopes token (a fixed default when ``None``)."""
