"""The mock's in-memory world: configuration, workspaces and the records they own.

Everything a request can read or change lives here, per workspace, so tenancy is a matter of
looking things up on ``ctx.workspace`` and never on a global table. The records are plain
mutable dataclasses: handlers change them in place on the single event loop, so they need no
locking. Secrets are kept out of every ``repr`` so a failing test or a log line never leaks
one.
"""

from __future__ import annotations

import os
import re
import secrets
import string
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal, TypeAlias

if TYPE_CHECKING:
    from ._clock import Clock
    from ._engine import Engine

__all__ = [
    "ALL_SCOPES",
    "CURRENT_API_VERSION",
    "SUPPORTED_API_VERSIONS",
    "TOKEN_PREFIXES",
    "AuditEntry",
    "Environment",
    "ExportFormat",
    "ExportRecord",
    "ExportStatus",
    "IdempotencyRecord",
    "MockConfig",
    "MockState",
    "SegmentRecord",
    "TemplateCategory",
    "TemplateRecord",
    "TemplateStatus",
    "TokenRecord",
    "Workspace",
    "new_id",
    "new_secret",
]

CURRENT_API_VERSION = "2026-11-01"
SUPPORTED_API_VERSIONS: frozenset[str] = frozenset({CURRENT_API_VERSION})

ALL_SCOPES: tuple[str, ...] = (
    "messages:send",
    "messages:read",
    "otp:send",
    "templates:read",
    "templates:manage",
    "broadcasts:send",
    "broadcasts:read",
    "segments:manage",
    "webhooks:manage",
    "analytics:read",
    "tokens:manage",
    "ai:reply",
    "audit:read",
)

Environment: TypeAlias = Literal["live", "test", "staging"]
"""``test`` is the sandbox: the only environment test helpers accept."""
TemplateCategory: TypeAlias = Literal["marketing", "utility", "authentication"]
TemplateStatus: TypeAlias = Literal["pending", "approved", "rejected", "paused"]
ExportFormat: TypeAlias = Literal["csv", "jsonl"]
ExportStatus: TypeAlias = Literal["pending", "ready", "failed"]

TOKEN_PREFIXES: Mapping[Environment, str] = {
    "live": "ccx_live_",
    "staging": "ccx_stg_",
    "test": "ccx_test_",
}

_ALPHABET = string.ascii_letters + string.digits
_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z0-9_]+)\s*\}\}")


# Maps each random byte to a letter or digit: ids are made on every request, so one urandom
# call and one translate beat a choice per character. The slight bias of ``byte % 62`` is
# harmless for ids; secrets use `secrets.choice`.
_BYTE_TO_ALPHANUMERIC = bytes(ord(_ALPHABET[byte % len(_ALPHABET)]) for byte in range(256))


def new_id(prefix: str, length: int = 16) -> str:
    """A fresh prefixed id (``msg_…``): random, so ids never reveal counts across tenants."""
    return f"{prefix}_{os.urandom(length).translate(_BYTE_TO_ALPHANUMERIC).decode()}"


def new_secret(environment: Environment) -> str:
    """A fresh bearer token secret whose prefix names its environment (``ccx_test_…``)."""
    return TOKEN_PREFIXES[environment] + "".join(secrets.choice(_ALPHABET) for _ in range(32))


@dataclass(frozen=True)
class MockConfig:
    """Every knob of the mock, with the production defaults of the API brief."""

    rate_limit_per_minute: int = 6_000
    """Requests per token per sliding minute."""
    burst_per_second: int = 1_200
    """Requests per token per sliding second (short bursts above the minute average)."""
    max_body_bytes: int = 256 * 1024
    """Request bodies above this are refused with 413 ``body_too_large``."""
    max_json_depth: int = 32
    """Deeper JSON nesting is refused with 400 before pydantic ever sees it."""
    max_page_limit: int = 100
    default_page_limit: int = 20
    idempotency_ttl_seconds: float = 7 * 24 * 3600
    token_rotation_overlap_seconds: float = 24 * 3600
    audit_log_limit: int = 100_000
    """Entries kept per workspace; the oldest go first, so long runs keep bounded memory."""
    export_ready_after_seconds: float = 1.0
    """Clock delay before an export is ``ready``: ``exports.create`` answers ``pending``."""
    time_scale: float = 1.0
    """Mock seconds per real second, for a clock that runs faster than the wall."""
    clock_start: float | None = None
    """The clock's reading when the server starts (unix seconds); ``None``: the wall time.

    A fixed start makes a run independent of the calendar: examples with dates in them (a
    ``schedule_at``) stay in the future forever. `ccx.mock.MockServer` and ``ccx-mock
    --clock-start`` also take RFC 3339 text.
    """
    faults: str | None = None
    """Fault spec applied to every request, same syntax as the ``CCX-Mock-Fault`` header."""
    sandbox_token: str | None = field(default=None, repr=False)
    """Secret of the demo workspace's all-scopes token (a fixed default when ``None``)."""


@dataclass
class TokenRecord:
    """One API token. The secret is only ever returned by ``tokens.create`` / ``rotate``."""

    id: str
    workspace_id: str
    environment: Environment
    scopes: frozenset[str]
    created_at: float
    secret: str = field(repr=False)
    name: str | None = None
    expires_at: float | None = None
    revoked_at: float | None = None
    last_used_at: float | None = None
    previous_secret: str | None = field(default=None, repr=False)
    """The secret before the last rotation, accepted until ``previous_secret_expires_at``."""
    previous_secret_expires_at: float | None = None

    @property
    def prefix(self) -> str:
        """What identifies the token once its secret is gone: type prefix plus four characters."""
        return self.secret[: len(TOKEN_PREFIXES[self.environment]) + 4]

    @property
    def is_sandbox(self) -> bool:
        return self.environment == "test"

    def is_expired(self, now: float) -> bool:
        return self.expires_at is not None and now >= self.expires_at


@dataclass
class TemplateRecord:
    """A message template, keyed by name in its workspace; ``body`` holds ``{{1}}`` slots."""

    id: str
    name: str
    language: str
    category: TemplateCategory
    body: str
    created_at: float
    status: TemplateStatus = "pending"
    rejection_reason: str | None = None
    updated_at: float | None = None

    @property
    def variables(self) -> tuple[str, ...]:
        """The placeholder names of ``body`` in order of first use (``("1", "2", "3")``)."""
        return tuple(dict.fromkeys(_PLACEHOLDER.findall(self.body)))

    def render(self, values: Mapping[str, str]) -> str:
        """The text a recipient would read, with every placeholder filled from ``values``."""
        return _PLACEHOLDER.sub(lambda match: values.get(match.group(1), match.group(0)), self.body)


@dataclass
class SegmentRecord:
    """A fixed list of recipients that broadcasts target."""

    id: str
    name: str
    recipients: tuple[str, ...]
    created_at: float


@dataclass
class ExportRecord:
    """A data export; ``content`` is generated at creation and downloadable once ``ready_at``."""

    id: str
    resource: str
    format: ExportFormat
    created_at: float
    ready_at: float
    content: bytes = field(repr=False)
    row_count: int = 0

    def status(self, now: float) -> ExportStatus:
        return "ready" if now >= self.ready_at else "pending"


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One API call as the audit log reports it."""

    id: str
    created_at: float
    token_id: str | None
    method: str
    path: str
    status: int
    request_id: str


@dataclass(slots=True)
class IdempotencyRecord:
    """The first request seen with one key: in flight until ``status`` is set."""

    fingerprint: str
    created_at: float
    status: int | None = None
    body: bytes = field(default=b"", repr=False)
    headers: tuple[tuple[str, str], ...] = ()


@dataclass
class Workspace:
    """A tenant. Every lookup a request makes goes through its token's workspace."""

    id: str
    name: str
    plan: str
    sandbox: bool
    created_at: float
    templates: dict[str, TemplateRecord] = field(default_factory=dict[str, TemplateRecord])
    segments: dict[str, SegmentRecord] = field(default_factory=dict[str, SegmentRecord])
    tokens: dict[str, TokenRecord] = field(default_factory=dict[str, TokenRecord])
    audit_log: deque[AuditEntry] = field(default_factory=deque[AuditEntry])
    exports: dict[str, ExportRecord] = field(default_factory=dict[str, ExportRecord])
    idempotency: dict[str, IdempotencyRecord] = field(
        default_factory=dict[str, IdempotencyRecord], repr=False
    )
    """Keyed by idempotency key; scoped per workspace like the real API."""


@dataclass
class MockState:
    """The whole mock world. ``engine`` is attached by ``create_app`` once the state exists."""

    clock: Clock
    config: MockConfig = field(default_factory=MockConfig)
    workspaces: dict[str, Workspace] = field(default_factory=dict[str, Workspace])
    tokens_by_secret: dict[str, TokenRecord] = field(
        default_factory=dict[str, TokenRecord], repr=False
    )
    """Current and still-overlapping previous secrets, each pointing at its token."""
    engine: Engine = field(init=False, repr=False)

    def add_workspace(
        self, name: str, *, plan: str = "pro", sandbox: bool = True, id: str | None = None
    ) -> Workspace:
        workspace = Workspace(
            id=id or new_id("wks"),
            name=name,
            plan=plan,
            sandbox=sandbox,
            created_at=self.clock.now(),
            audit_log=deque(maxlen=self.config.audit_log_limit),
        )
        self.workspaces[workspace.id] = workspace
        return workspace

    def add_token(
        self,
        workspace: Workspace,
        *,
        scopes: Iterable[str] = ALL_SCOPES,
        environment: Environment = "test",
        name: str | None = None,
        ttl_seconds: float | None = None,
        secret: str | None = None,
    ) -> TokenRecord:
        now = self.clock.now()
        token = TokenRecord(
            id=new_id("tok"),
            workspace_id=workspace.id,
            environment=environment,
            scopes=frozenset(scopes),
            created_at=now,
            secret=secret or new_secret(environment),
            name=name,
            expires_at=None if ttl_seconds is None else now + ttl_seconds,
        )
        workspace.tokens[token.id] = token
        self.tokens_by_secret[token.secret] = token
        return token

    def rotate_token(self, token: TokenRecord) -> TokenRecord:
        """Give ``token`` a new secret; the old one keeps working for the configured overlap."""
        if token.previous_secret is not None:
            self.tokens_by_secret.pop(token.previous_secret, None)
        token.previous_secret = token.secret
        token.previous_secret_expires_at = (
            self.clock.now() + self.config.token_rotation_overlap_seconds
        )
        token.secret = new_secret(token.environment)
        self.tokens_by_secret[token.secret] = token
        return token
