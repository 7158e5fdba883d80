"""``ccx me``: which workspace, environment and scopes the configured token has."""

from __future__ import annotations

import click

from ._context import client
from ._options import json_option
from ._output import print_json, print_pairs, to_json

__all__ = ["me"]


@click.command()
@json_option("the API's answer")
@click.pass_context
def me(context: click.Context, as_json: bool) -> None:
    """Show who the configured token is.

    Its workspace, environment, scopes and expiry, and the API it talks to. Needs no scope:
    run it first when a command is refused.
    """
    api = client(context)
    identity = api.me.retrieve()
    document = to_json(identity)
    if as_json:
        print_json(document)
        return
    print_pairs(
        {
            "workspace": f"{identity.workspace.name} ({identity.workspace.id})",
            "plan": identity.workspace.plan,
            "environment": identity.environment,
            "token": identity.token_id,
            "scopes": ", ".join(identity.scopes) or "none",
            "expires_at": document["expires_at"] or "never",
            "api": api.base_url,
        }
    )
