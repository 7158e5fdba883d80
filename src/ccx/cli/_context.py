"""What every command shares: the connection settings, the client, and one-line errors."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import click
from typing_extensions import override

from ccx._client import CCX
from ccx._exceptions import APIConnectionError, CCXError

__all__ = ["Settings", "TranslatingGroup", "client"]


@dataclass(frozen=True)
class Settings:
    """``--api-key`` and ``--base-url``; ``None`` lets the client read its environment."""

    api_key: str | None
    base_url: str | None


def client(context: click.Context) -> CCX:
    """A client for this invocation, closed when the command ends."""
    settings = context.find_object(Settings)
    assert settings is not None, "commands run under the ccx group"
    return context.with_resource(CCX(api_key=settings.api_key, base_url=settings.base_url))


class TranslatingGroup(click.Group):
    """Turns SDK errors into click's one-line ``Error: ...`` and exit status 1.

    ``str()`` of an API error gives status, code, message, hint and request id; no SDK error
    message ever contains the token.
    """

    @override
    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except APIConnectionError as error:
            raise click.ClickException(_unreachable(error)) from error
        except CCXError as error:
            raise click.ClickException(str(error)) from error


def _unreachable(error: APIConnectionError) -> str:
    if error.request is None:
        return error.message
    url = error.request.url
    return (
        f"{error.message} while calling {url.scheme}://{url.netloc.decode()}: check --base-url "
        "(or CCX_BASE_URL) and your network"
    )
