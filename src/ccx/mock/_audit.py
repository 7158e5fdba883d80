"""The audit log: every authenticated call, as the workspace's owners can review it."""

from __future__ import annotations

from typing import Any

from ._state import AuditEntry, MockState, Workspace, new_id

__all__ = ["record_call", "render_entry"]


def record_call(
    workspace: Workspace,
    *,
    now: float,
    token_id: str | None,
    method: str,
    path: str,
    status: int,
    request_id: str,
) -> None:
    workspace.audit_log.append(
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


def render_entry(state: MockState, entry: AuditEntry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "object": "audit_log_entry",
        "created_at": state.clock.isoformat(entry.created_at),
        "token_id": entry.token_id,
        "method": entry.method,
        "path": entry.path,
        "status": entry.status,
        "request_id": entry.request_id,
    }
