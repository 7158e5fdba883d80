"""``GET /v1/me``: who the calling token is."""

from __future__ import annotations

from ccx.mock._registry import HandlerResult, RequestContext, handles

from .tokens import sorted_scopes


@handles("me.retrieve")
def retrieve(ctx: RequestContext) -> HandlerResult:
    workspace = ctx.workspace
    return ctx.success_status, {
        "object": "me",
        "workspace": {
            "id": workspace.id,
            "object": "workspace",
            "name": workspace.name,
            "plan": workspace.plan,
        },
        "token_id": ctx.token.id,
        "environment": ctx.token.environment,
        "scopes": sorted_scopes(ctx.token.scopes),
        "expires_at": ctx.timestamp(ctx.token.expires_at),
    }
