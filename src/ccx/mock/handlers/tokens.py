"""Token management: create, list, retrieve, revoke and rotate (secrets shown only once)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ccx.mock._errors import MockAPIError, not_found
from ccx.mock._records import ALL_SCOPES, TokenRecord
from ccx.mock._registry import HandlerResult, RequestContext, handles, paginate

__all__ = ["sorted_scopes"]


def sorted_scopes(scopes: Iterable[str]) -> list[str]:
    """Scopes in the API's documented order, so responses are stable."""
    granted = set(scopes)
    return [scope for scope in ALL_SCOPES if scope in granted]


def _render(ctx: RequestContext, token: TokenRecord) -> dict[str, Any]:
    return {
        "id": token.id,
        "object": "token",
        "name": token.name,
        "environment": token.environment,
        "scopes": sorted_scopes(token.scopes),
        "prefix": token.prefix,
        "created_at": ctx.timestamp(token.created_at),
        "expires_at": ctx.timestamp(token.expires_at),
        "revoked_at": ctx.timestamp(token.revoked_at),
        "last_used_at": ctx.timestamp(token.last_used_at),
    }


def _lookup(ctx: RequestContext) -> TokenRecord:
    token_id = ctx.path_params["id"]
    token = ctx.workspace.tokens.get(token_id)
    if token is None:
        raise not_found("token", token_id)
    return token


@handles("tokens.create")
def create(ctx: RequestContext) -> HandlerResult:
    scopes = frozenset(ctx.body["scopes"])
    beyond = sorted_scopes(scopes - ctx.token.scopes)
    if beyond:
        raise MockAPIError(
            403,
            "permission_error",
            "scope_not_grantable",
            f"A token can only grant scopes it holds; this one lacks {', '.join(beyond)}.",
            param="scopes",
        )
    ttl = ctx.body.get("ttl_seconds")
    token = ctx.state.add_token(
        ctx.workspace,
        scopes=scopes,
        environment=ctx.body["environment"],
        name=ctx.body.get("name"),
        ttl_seconds=None if ttl is None else float(ttl),
    )
    return ctx.success_status, {**_render(ctx, token), "secret": token.secret}


@handles("tokens.list")
def list_tokens(ctx: RequestContext) -> HandlerResult:
    tokens = list(reversed(ctx.workspace.tokens.values()))
    return ctx.success_status, paginate(
        tokens, ctx.query, lambda token: _render(ctx, token), key=lambda token: token.id
    )


@handles("tokens.retrieve")
def retrieve(ctx: RequestContext) -> HandlerResult:
    return ctx.success_status, _render(ctx, _lookup(ctx))


@handles("tokens.revoke")
def revoke(ctx: RequestContext) -> HandlerResult:
    token = _lookup(ctx)
    if token.revoked_at is None:
        token.revoked_at = ctx.now
    return ctx.success_status, _render(ctx, token)


@handles("tokens.rotate")
def rotate(ctx: RequestContext) -> HandlerResult:
    token = _lookup(ctx)
    if token.revoked_at is not None:
        raise MockAPIError(
            409,
            "conflict_error",
            "token_revoked",
            f"Token {token.id} is revoked and cannot be rotated; create a new token.",
        )
    ctx.state.rotate_token(ctx.workspace, token)
    return ctx.success_status, {
        **_render(ctx, token),
        "secret": token.secret,
        "previous_secret_expires_at": ctx.timestamp(token.previous_secret_expires_at),
    }
