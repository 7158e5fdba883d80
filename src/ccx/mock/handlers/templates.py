"""Templates: the workspace's catalogue, its sync with the carrier, and the sandbox helpers
that play the carrier.

New templates start ``pending``, as with WhatsApp's review; in the sandbox test helpers decide
the outcome (approve, reject) or pause an approved template, and CCX hears of it at once, with
the ``template.*`` event. ``set_carrier_status`` changes the carrier's side only, as a review
done outside CCX or a lost notification would, until ``templates.sync`` brings CCX up to date.
A pause lasts `PAUSE_SECONDS` on the clock, then the template is approved again.
"""

from __future__ import annotations

import re
from typing import Any

from ccx.mock._clock import isoformat
from ccx.mock._errors import MockAPIError, not_found
from ccx.mock._records import TemplateRecord, new_id
from ccx.mock._registry import HandlerResult, RequestContext, handles, paginate
from ccx.mock._workspace import Workspace
from ccx.types.enums import TemplateStatus

_NAME = re.compile(r"[a-z0-9_]{1,512}")


def render_template(template: TemplateRecord) -> dict[str, Any]:
    return {
        "id": template.id,
        "object": "template",
        "name": template.name,
        "language": template.language,
        "category": template.category,
        "status": template.status,
        "body": template.body,
        "variables": len(template.variables),
        "rejection_reason": template.rejection_reason,
        "created_at": isoformat(template.created_at),
        "updated_at": None if template.updated_at is None else isoformat(template.updated_at),
    }


def _lookup(ctx: RequestContext) -> TemplateRecord:
    name = ctx.path_params["name"]
    template = ctx.workspace.templates.get(name)
    if template is None:
        raise not_found("template", name, param="name")
    return template


@handles("templates.create")
def create(ctx: RequestContext) -> HandlerResult:
    name: str = ctx.body["name"]
    if _NAME.fullmatch(name) is None:
        raise MockAPIError(
            400,
            "invalid_request_error",
            "invalid_request",
            f"Invalid field 'name': {name[:60]!r} must be lowercase letters, digits and "
            "underscores (like 'order_confirmation').",
            param="name",
        )
    if name in ctx.workspace.templates:
        raise MockAPIError(
            409,
            "conflict_error",
            "template_exists",
            f"A template named {name!r} already exists; choose another name or delete it first.",
            param="name",
        )
    template = TemplateRecord(
        id=new_id("tpl"),
        name=name,
        language=ctx.body["language"],
        category=ctx.body["category"],
        body=ctx.body["body"],
        created_at=ctx.now,
    )
    ctx.workspace.templates[name] = template
    return ctx.success_status, render_template(template)


@handles("templates.list")
def list_templates(ctx: RequestContext) -> HandlerResult:
    status, category = ctx.query.get("status"), ctx.query.get("category")
    templates = [
        template
        for template in reversed(ctx.workspace.templates.values())
        if status in (None, template.status) and category in (None, template.category)
    ]
    return ctx.success_status, paginate(
        templates,
        ctx.query,
        render_template,
        key=lambda template: template.name,
    )


@handles("templates.retrieve")
def retrieve(ctx: RequestContext) -> HandlerResult:
    return ctx.success_status, render_template(_lookup(ctx))


@handles("templates.delete")
def delete(ctx: RequestContext) -> HandlerResult:
    template = ctx.workspace.templates.pop(_lookup(ctx).name)
    return ctx.success_status, {**render_template(template), "deleted": True}


PAUSE_SECONDS = 3 * 3600.0
"""How long the carrier pauses a template: WhatsApp's first pause for low quality."""


def _report(ctx: RequestContext, template: TemplateRecord, status: TemplateStatus) -> None:
    """The carrier says ``template`` is now ``status``: record it, and emit its event."""
    if template.pause_ends is not None:
        template.pause_ends.cancel()
        template.pause_ends = None
    if status == "paused":
        workspace = ctx.workspace
        template.pause_ends = workspace.clock.call_at(
            ctx.now + PAUSE_SECONDS, lambda: _end_pause(workspace, template)
        )
    template.status = status
    template.updated_at = ctx.now
    template.carrier_status = template.carrier_reason = None
    ctx.workspace.emit(f"template.{status}", render_template(template), trace_id=ctx.trace_id)


def _end_pause(workspace: Workspace, template: TemplateRecord) -> None:
    """The carrier's pause is over (a timer, outside any request): sendable again."""
    template.pause_ends = None
    if workspace.templates.get(template.name) is not template or template.status != "paused":
        return  # deleted or moved on meanwhile
    template.status = "approved"
    template.updated_at = workspace.clock.now()
    workspace.emit("template.approved", render_template(template), trace_id=None)


def _review(
    ctx: RequestContext,
    status: TemplateStatus,
    *,
    allowed: tuple[TemplateStatus, ...],
    code: str,
    reason: str | None = None,
) -> HandlerResult:
    """A test helper playing the carrier: move the template to ``status`` from ``allowed``."""
    template = _lookup(ctx)
    if template.status not in allowed:
        raise MockAPIError(
            409,
            "conflict_error",
            code,
            f"Template {template.name!r} is {template.status}; only {' or '.join(allowed)} "
            f"templates can be {status}. Create a new template to review it again.",
            param="name",
        )
    template.rejection_reason = reason
    _report(ctx, template, status)
    return ctx.success_status, render_template(template)


@handles("test_helpers.templates.approve")
def approve(ctx: RequestContext) -> HandlerResult:
    return _review(ctx, "approved", allowed=("pending", "paused"), code="template_not_pending")


@handles("test_helpers.templates.reject")
def reject(ctx: RequestContext) -> HandlerResult:
    reason = ctx.body.get("reason") or "Rejected in the sandbox by a test helper."
    return _review(
        ctx, "rejected", allowed=("pending",), code="template_not_pending", reason=reason
    )


@handles("test_helpers.templates.pause")
def pause(ctx: RequestContext) -> HandlerResult:
    return _review(ctx, "paused", allowed=("approved",), code="template_not_approved")


@handles("test_helpers.templates.set_carrier_status")
def set_carrier_status(ctx: RequestContext) -> HandlerResult:
    template = _lookup(ctx)
    status: TemplateStatus = ctx.body["status"]
    template.carrier_status = status
    # A reason only means something for a rejection; with another status the spec lets a
    # caller send one (liberal in what we accept), and it is ignored.
    template.carrier_reason = ctx.body.get("reason") if status == "rejected" else None
    return ctx.success_status, render_template(template)


@handles("templates.sync")
def sync(ctx: RequestContext) -> HandlerResult:
    names: list[str] | None = ctx.body.get("names")
    templates: list[TemplateRecord] = []
    if names is None:
        templates = list(ctx.workspace.templates.values())
    else:
        for index, name in enumerate(names):
            template = ctx.workspace.templates.get(name)
            if template is None:
                raise not_found("template", name, param=f"names.{index}")
            templates.append(template)
    changed: list[dict[str, Any]] = []
    for template in templates:
        status = template.carrier_status
        if status is None:
            continue
        if status == template.status and template.carrier_reason in (
            None,
            template.rejection_reason,
        ):
            template.carrier_status = template.carrier_reason = None
            continue
        if status == "rejected":
            template.rejection_reason = template.carrier_reason or "Rejected by the carrier."
        elif status == "approved":
            template.rejection_reason = None
        _report(ctx, template, status)
        changed.append(render_template(template))
    return ctx.success_status, {
        "object": "template_sync",
        "checked": len(templates),
        "changed": changed,
        "synced_at": isoformat(ctx.now),
    }
