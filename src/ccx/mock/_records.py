"""The records a workspace keeps about its tokens, templates, segments and exports, and their ids.

Records are plain dataclasses, changed in place on the event loop; as `journaled` records,
whatever a failed request changed in them is put back. Secrets are kept out of every ``repr``
so a failing test or a log line never leaks one. The enumerations are the SDK's own
(`ccx.types.enums`), so the mock and the client cannot disagree on a value.
"""

from __future__ import annotations

import os
import re
import secrets
import string
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal, TypeAlias

from ccx.types.enums import Environment, Scope, TemplateCategory, TemplateStatus

from ._clock import Timer
from ._transaction import journaled

__all__ = [
    "ALL_SCOPES",
    "TOKEN_PREFIXES",
    "ExportFormat",
    "ExportRecord",
    "ExportStatus",
    "SegmentRecord",
    "TemplateRecord",
    "TokenRecord",
    "new_id",
    "new_secret",
]

ALL_SCOPES: tuple[Scope, ...] = typing.get_args(Scope)
"""Every scope, in the API's documented order."""

ExportFormat: TypeAlias = Literal["csv", "jsonl", "parquet"]
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


@journaled
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


@journaled
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
    carrier_status: TemplateStatus | None = None
    """The carrier's status when it changed without CCX being told (until `templates.sync`)."""
    carrier_reason: str | None = None
    pause_ends: Timer | None = None
    """While paused by the carrier: the timer that approves the template again."""

    @property
    def variables(self) -> tuple[str, ...]:
        """The placeholder names of ``body`` in order of first use (``("1", "2", "3")``)."""
        return tuple(dict.fromkeys(_PLACEHOLDER.findall(self.body)))

    def render(self, values: Mapping[str, str]) -> str:
        """The text a recipient would read, with every placeholder filled from ``values``."""
        return _PLACEHOLDER.sub(lambda match: values.get(match.group(1), match.group(0)), self.body)


@dataclass(frozen=True, slots=True)
class SegmentRecord:
    """A fixed list of recipients that broadcasts target."""

    id: str
    name: str
    recipients: tuple[str, ...]
    created_at: float


@journaled
class ExportRecord:
    """A data export: ``pending`` until its file is built and ``ready_at`` has passed.

    Which records it holds (``row_count`` of them) is fixed when it is requested; the file is
    built in the background after the request commits (see handlers/exports.py). ``built_at``
    is the clock reading when that was done, ``failed`` says it could not be.
    """

    id: str
    resource: str
    format: ExportFormat
    created_at: float
    ready_at: float
    content: bytes | None = field(default=None, repr=False)
    row_count: int | None = None
    built_at: float | None = None
    failed: bool = False

    def status(self, now: float) -> ExportStatus:
        if self.failed:
            return "failed"
        if self.content is not None and now >= self.ready_at:
            return "ready"
        return "pending"

    def completed_at(self, now: float) -> float | None:
        """When it became ready (or failed), once it has."""
        if self.built_at is None or self.status(now) == "pending":
            return None
        return max(self.built_at, self.ready_at) if not self.failed else self.built_at
