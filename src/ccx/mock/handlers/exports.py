"""Exports: a snapshot of one resource as CSV or JSON Lines, downloadable once ready.

The file is generated when the export is created (a consistent snapshot) and becomes ready
``MockConfig.export_ready_after_seconds`` later on the clock (immediately by default), so a
test can observe ``pending`` and the 409 a download gets before then.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from typing import Any

from starlette.responses import Response

from ccx.mock._audit import render_entry
from ccx.mock._auth import check_scope
from ccx.mock._errors import MockAPIError, json_bytes, not_found
from ccx.mock._registry import HandlerResult, RequestContext, handles, paginate
from ccx.mock._state import ExportFormat, ExportRecord, new_id

_MEDIA_TYPES: dict[ExportFormat, str] = {"csv": "text/csv", "jsonl": "application/x-ndjson"}


def _rows(ctx: RequestContext, resource: str) -> list[dict[str, Any]]:
    engine = ctx.state.engine
    workspace_id = ctx.workspace.id
    if resource == "messages":
        return engine.messages_for_export(workspace_id)
    if resource == "events":
        return engine.events_for_export(workspace_id)
    if resource == "conversations":
        conversations = engine.domain(workspace_id).conversations.values()
        return [conversation.payload(ctx.now) for conversation in conversations]
    return [render_entry(ctx.state, entry) for entry in ctx.workspace.audit_log]


def _cell(value: Any) -> Any:
    return json.dumps(value, ensure_ascii=False) if isinstance(value, (dict, list)) else value


def encode_rows(rows: Sequence[dict[str, Any]], file_format: ExportFormat) -> bytes:
    """The export file: one JSON object per line, or CSV with a column per field ever seen."""
    if file_format == "jsonl":
        return b"".join(json_bytes(row) + b"\n" for row in rows)
    columns = list(dict.fromkeys(name for row in rows for name in row))
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows({name: _cell(value) for name, value in row.items()} for row in rows)
    return buffer.getvalue().encode()


def _render(ctx: RequestContext, export: ExportRecord) -> dict[str, Any]:
    ready = export.status(ctx.now) == "ready"
    return {
        "id": export.id,
        "object": "export",
        "resource": export.resource,
        "format": export.format,
        "status": export.status(ctx.now),
        "row_count": export.row_count,
        "created_at": ctx.timestamp(export.created_at),
        "completed_at": ctx.timestamp(export.ready_at) if ready else None,
    }


def _lookup(ctx: RequestContext) -> ExportRecord:
    export_id = ctx.path_params["id"]
    export = ctx.workspace.exports.get(export_id)
    if export is None:
        raise not_found("export", export_id)
    return export


@handles("exports.create")
async def create(ctx: RequestContext) -> HandlerResult:
    file_format: ExportFormat = ctx.body["format"]
    if ctx.body["resource"] == "audit_logs":
        check_scope(ctx.token, "audit:read")
    rows = _rows(ctx, ctx.body["resource"])
    export = ExportRecord(
        id=new_id("exp"),
        resource=ctx.body["resource"],
        format=file_format,
        created_at=ctx.now,
        ready_at=ctx.now + ctx.state.config.export_ready_after_seconds,
        content=encode_rows(rows, file_format),
        row_count=len(rows),
    )
    ctx.workspace.exports[export.id] = export
    return ctx.success_status, _render(ctx, export)


@handles("exports.list")
async def list_exports(ctx: RequestContext) -> HandlerResult:
    exports = list(reversed(ctx.workspace.exports.values()))
    return ctx.success_status, paginate(
        exports, ctx.query, lambda export: _render(ctx, export), key=lambda export: export.id
    )


@handles("exports.retrieve")
async def retrieve(ctx: RequestContext) -> HandlerResult:
    return ctx.success_status, _render(ctx, _lookup(ctx))


@handles("exports.download")
async def download(ctx: RequestContext) -> HandlerResult:
    export = _lookup(ctx)
    if export.status(ctx.now) != "ready":
        raise MockAPIError(
            409,
            "conflict_error",
            "export_not_ready",
            f"Export {export.id} is still being generated; poll it until its status is "
            "'ready', then download.",
            retryable=True,
        )
    return Response(
        export.content,
        headers={"Content-Disposition": f'attachment; filename="{export.id}.{export.format}"'},
        media_type=_MEDIA_TYPES[export.format],
    )
