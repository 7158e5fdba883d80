"""The audit log: every call made with one of the workspace's tokens, as its owners can review
it, refused authentications (a revoked, expired or rotated-out secret) included."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Any

from ._clock import isoformat
from ._records import new_id

__all__ = ["AuditEntry", "record_call", "render_entry"]


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
    token_fingerprint: str | None = None
    """The presented secret, redacted, on a refused authentication (a 401)."""


def record_call(
    audit_log: deque[AuditEntry],
    *,
    now: float,
    token_id: str | None,
    method: str,
    path: str,
    status: int,
    request_id: str,
    token_fingerprint: str | None = None,
) -> None:
    audit_log.append(
        AuditEntry(
            id=new_id("aud"),
            created_at=now,
            token_id=token_id,
            method=method,
            path=path,
            status=status,
            request_id=request_id,
            token_fingerprint=token_fingerprint,
        )
    )


def render_entry(entry: AuditEntry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "object": "audit_log_entry",
        "created_at": isoformat(entry.created_at),
        "token_id": entry.token_id,
        "method": entry.method,
        "path": entry.path,
        "status": entry.status,
        "request_id": entry.request_id,
        **({"token_fingerprint": entry.token_fingerprint} if entry.token_fingerprint else {}),
    }
