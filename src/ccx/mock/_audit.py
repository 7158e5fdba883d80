"""The audit log: every authenticated call, as the workspace's owners can review it."""

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


def record_call(
    audit_log: deque[AuditEntry],
    *,
    now: float,
    token_id: str | None,
    method: str,
    path: str,
    status: int,
    request_id: str,
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
    }
