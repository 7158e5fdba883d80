"""Exports: one resource as CSV, JSON Lines or Parquet, built in the background, downloadable
once ready.

``exports.create`` fixes which records the export holds (a copy of the list, cheap even for
millions) and answers ``pending`` at once; the file is built after the request commits, off the
request path: the rows are rendered on the event loop a slice at a time (each row a consistent
view of its record, and no request waits behind more than one slice) and encoded in a worker
thread. An export is ``ready`` once its file is built and
``MockConfig.export_ready_after_seconds`` have passed on the clock, so a test can observe
``pending`` and the 409 a download gets before then. A workspace keeps its latest
``MockConfig.export_limit`` exports, each for ``MockConfig.export_retention_seconds``.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import logging
from collections.abc import Callable, Sequence
from typing import Any

from starlette.responses import Response

from ccx.mock._audit import render_entry
from ccx.mock._auth import check_scope
from ccx.mock._clock import isoformat
from ccx.mock._errors import MockAPIError, json_bytes, not_found
from ccx.mock._parquet import encode_parquet
from ccx.mock._records import ExportFormat, ExportRecord, new_id
from ccx.mock._registry import HandlerResult, RequestContext, handles, paginate
from ccx.mock._workspace import Workspace

logger = logging.getLogger("ccx.mock")

ROWS_PER_SLICE = 500
"""Rows rendered between two turns of the event loop (a few milliseconds of work)."""

_MEDIA_TYPES: dict[ExportFormat, str] = {
    "csv": "text/csv",
    "jsonl": "application/x-ndjson",
    "parquet": "application/vnd.apache.parquet",
}


Rows = tuple[int, Callable[[int], dict[str, Any]]]
"""How many rows an export has, and how to render row ``i``."""


def _source(workspace: Workspace, resource: str) -> Rows:
    """The rows of ``resource`` as of now: the records are fixed, their rendering comes later."""
    now = workspace.clock.now()
    if resource == "events":
        workspace.events.expire(now)
        log = workspace.events.snapshot()
        return len(log), lambda index: log.record(index).envelope(isoformat)
    if resource == "messages":
        messages = list(workspace.messages.values())
        return len(messages), lambda index: messages[index].payload()
    if resource == "conversations":
        conversations = list(workspace.conversations.values())
        return len(conversations), lambda index: conversations[index].payload(now)
    entries = list(workspace.audit_log)
    return len(entries), lambda index: render_entry(entries[index])


async def _build(workspace: Workspace, export: ExportRecord, source: Rows) -> None:
    """Render the rows a slice at a time, encode them in a thread, and keep the file."""
    count, render = source
    try:
        rows: list[dict[str, Any]] = []
        for start in range(0, count, ROWS_PER_SLICE):
            rows.extend(render(index) for index in range(start, min(count, start + ROWS_PER_SLICE)))
            await asyncio.sleep(0)
        content = await asyncio.to_thread(encode_rows, rows, export.format)
    except Exception:
        logger.exception("building export %s failed", export.id)
        export.failed = True
    else:
        export.content = content
    export.built_at = workspace.clock.now()


def _cell(value: Any) -> Any:
    return json.dumps(value, ensure_ascii=False) if isinstance(value, (dict, list)) else value


def encode_rows(rows: Sequence[dict[str, Any]], file_format: ExportFormat) -> bytes:
    """The export file: one JSON object per line, or CSV or Parquet with a column per field
    ever seen (nested values as JSON text in both)."""
    if file_format == "jsonl":
        return b"".join(json_bytes(row) + b"\n" for row in rows)
    columns = list(dict.fromkeys(name for row in rows for name in row))
    if file_format == "parquet":
        return encode_parquet(rows, columns)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows({name: _cell(value) for name, value in row.items()} for row in rows)
    return buffer.getvalue().encode()


def _render(ctx: RequestContext, export: ExportRecord) -> dict[str, Any]:
    return {
        "id": export.id,
        "object": "export",
        "resource": export.resource,
        "format": export.format,
        "status": export.status(ctx.now),
        "row_count": export.row_count,
        "created_at": ctx.timestamp(export.created_at),
        "completed_at": ctx.timestamp(export.completed_at(ctx.now)),
    }


def _lookup(ctx: RequestContext) -> ExportRecord:
    export_id = ctx.path_params["id"]
    export = ctx.workspace.exports.get(export_id)
    if export is None:
        raise not_found("export", export_id)
    return export


@handles("exports.create")
def create(ctx: RequestContext) -> HandlerResult:
    workspace, config = ctx.workspace, ctx.workspace.config
    if ctx.body["resource"] == "audit_logs":
        check_scope(ctx.token, "audit:read")
    source = _source(workspace, ctx.body["resource"])
    export = ExportRecord(
        id=new_id("exp"),
        resource=ctx.body["resource"],
        format=ctx.body["format"],
        created_at=ctx.now,
        ready_at=ctx.now + config.export_ready_after_seconds,
        row_count=source[0],
    )
    while len(workspace.exports) >= config.export_limit:
        del workspace.exports[next(iter(workspace.exports))]
    workspace.exports[export.id] = export
    workspace.expire_at(export.created_at + config.export_retention_seconds)
    workspace.clock.spawn(_build(workspace, export, source))
    return ctx.success_status, _render(ctx, export)


@handles("exports.list")
def list_exports(ctx: RequestContext) -> HandlerResult:
    exports = list(reversed(ctx.workspace.exports.values()))
    return ctx.success_status, paginate(
        exports, ctx.query, lambda export: _render(ctx, export), key=lambda export: export.id
    )


@handles("exports.retrieve")
def retrieve(ctx: RequestContext) -> HandlerResult:
    return ctx.success_status, _render(ctx, _lookup(ctx))


@handles("exports.download")
def download(ctx: RequestContext) -> HandlerResult:
    export = _lookup(ctx)
    status = export.status(ctx.now)
    if status == "failed":
        raise MockAPIError(
            409,
            "conflict_error",
            "export_failed",
            f"Export {export.id} could not be built; create a new export.",
        )
    if status != "ready" or export.content is None:
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
