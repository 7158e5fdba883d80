"""Templates: the workspace's catalogue, and the sandbox helpers that approve or reject them.

New templates start ``pending``, as with WhatsApp's review; in the sandbox a test helper
decides the outcome, which also emits the ``template.approved`` / ``template.rejected`` event.
"""

from __future__ import annotations

import re
from typing import Any

from ccx.mock._errors import MockAPIError, not_found
from ccx.mock._records import TemplateRecord, new_id
from ccx.mock._registry import HandlerResult, RequestContext, handles, paginate
from ccx.types.enums import TemplateStatus

_NAME = re.compile(r"[a-z0-9_]{1,512}")


def render_template(ctx: RequestContext, template: TemplateRecord) -> dict[str, Any]:
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
        "created_at": ctx.timestamp(template.created_at),
        "updated_at": ctx.timestamp(template.updated_at),
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
    return ctx.success_status, render_template(ctx, template)


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
        lambda template: render_template(ctx, template),
        key=lambda template: template.name,
    )


@handles("templates.retrieve")
def retrieve(ctx: RequestContext) -> HandlerResult:
    return ctx.success_status, render_template(ctx, _lookup(ctx))


@handles("templates.delete")
def delete(ctx: RequestContext) -> HandlerResult:
    template = ctx.workspace.templates.pop(_lookup(ctx).name)
    return ctx.success_status, {**render_template(ctx, template), "deleted": True}


def _review(ctx: RequestContext, status: TemplateStatus, reason: str | None) -> HandlerResult:
    template = _lookup(ctx)
    if template.status != "pending":
        raise MockAPIError(
            409,
            "conflict_error",
            "template_not_pending",
            f"Template {template.name!r} is already {template.status}; only pending templates "
            "are reviewed. Create a new template to review it again.",
            param="name",
        )
    template.status = status
    template.rejection_reason = reason
    template.updated_at = ctx.now
    payload = render_template(ctx, template)
    ctx.workspace.emit(f"template.{status}", payload, trace_id=ctx.trace_id)
    return ctx.success_status, payload


@handles("test_helpers.templates.approve")
def approve(ctx: RequestContext) -> HandlerResult:
    return _review(ctx, "approved", None)


@handles("test_helpers.templates.reject")
def reject(ctx: RequestContext) -> HandlerResult:
    reason = ctx.body.get("reason") or "Rejected in the sandbox by a test helper."
    return _review(ctx, "rejected", reason)
