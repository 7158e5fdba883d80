"""``GET /v1/audit_logs``: the workspace's calls, newest first."""

from __future__ import annotations

import pydantic

from ccx.mock._audit import render_entry
from ccx.mock._registry import HandlerResult, RequestContext, handles, paginate

_TIMESTAMP = pydantic.TypeAdapter(pydantic.AwareDatetime)


def _moment(value: str | None, default: float) -> float:
    """Unix seconds of an already validated RFC 3339 query value (in any Python's form)."""
    return default if value is None else _TIMESTAMP.validate_python(value).timestamp()


@handles("audit_logs.list")
def list_entries(ctx: RequestContext) -> HandlerResult:
    token_id = ctx.query.get("token_id")
    after = _moment(ctx.query.get("created_after"), float("-inf"))
    before = _moment(ctx.query.get("created_before"), float("inf"))
    entries = [
        entry
        for entry in reversed(ctx.workspace.audit_log)
        if token_id in (None, entry.token_id) and after <= entry.created_at < before
    ]
    return ctx.success_status, paginate(
        entries, ctx.query, render_entry, key=lambda entry: entry.id
    )
