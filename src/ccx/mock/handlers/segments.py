"""Segments: fixed recipient lists that broadcasts target."""

from __future__ import annotations

import re
from typing import Any

from ccx.mock._errors import MockAPIError, not_found
from ccx.mock._records import SegmentRecord, new_id
from ccx.mock._registry import HandlerResult, RequestContext, handles, paginate

_RECIPIENT = re.compile(
    r"\+[1-9][0-9]{6,14}|[^@\x00-\x20\x7f]+@[^@\x00-\x20\x7f]+\.[^@\x00-\x20\x7f]+"
)


def _render(ctx: RequestContext, segment: SegmentRecord) -> dict[str, Any]:
    return {
        "id": segment.id,
        "object": "segment",
        "name": segment.name,
        "recipient_count": len(segment.recipients),
        "created_at": ctx.timestamp(segment.created_at),
    }


@handles("segments.create")
def create(ctx: RequestContext) -> HandlerResult:
    recipients: list[str] = ctx.body["recipients"]
    if not recipients:
        raise MockAPIError(
            400,
            "invalid_request_error",
            "invalid_request",
            "Invalid field 'recipients': a segment needs at least one recipient.",
            param="recipients",
        )
    for index, recipient in enumerate(recipients):
        if _RECIPIENT.fullmatch(recipient) is None:
            raise MockAPIError(
                400,
                "invalid_request_error",
                "invalid_request",
                f"Invalid field 'recipients.{index}': {recipient[:60]!r} is neither an E.164 "
                "phone number (like +5511999990000) nor an email address.",
                param=f"recipients.{index}",
            )
    segment = SegmentRecord(
        id=new_id("seg"),
        name=ctx.body["name"],
        recipients=tuple(dict.fromkeys(recipients)),
        created_at=ctx.now,
    )
    ctx.workspace.segments[segment.id] = segment
    return ctx.success_status, _render(ctx, segment)


@handles("segments.list")
def list_segments(ctx: RequestContext) -> HandlerResult:
    segments = list(reversed(ctx.workspace.segments.values()))
    return ctx.success_status, paginate(
        segments, ctx.query, lambda segment: _render(ctx, segment), key=lambda segment: segment.id
    )


@handles("segments.retrieve")
def retrieve(ctx: RequestContext) -> HandlerResult:
    segment_id = ctx.path_params["id"]
    segment = ctx.workspace.segments.get(segment_id)
    if segment is None:
        raise not_found("segment", segment_id)
    return ctx.success_status, _render(ctx, segment)
