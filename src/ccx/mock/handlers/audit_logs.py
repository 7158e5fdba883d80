"""``GET /v1/audit_logs``: the workspace's calls, newest first."""

from __future__ import annotations

from ccx.mock._audit import render_entry
from ccx.mock._registry import HandlerResult, RequestContext, handles, paginate


@handles("audit_logs.list")
async def list_entries(ctx: RequestContext) -> HandlerResult:
    entries = ctx.workspace.audit_log[::-1]
    return ctx.success_status, paginate(
        entries, ctx.query, lambda entry: render_entry(ctx.state, entry), key=lambda entry: entry.id
    )
