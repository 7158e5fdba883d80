"""The ``ccx`` command group: global options and every subcommand."""

from __future__ import annotations

import platform

import click

from ccx._constants import API_KEY_ENV, API_VERSION, BASE_URL_ENV, DEFAULT_BASE_URL
from ccx._version import __version__

from ._broadcasts import broadcasts
from ._context import Settings, TranslatingGroup
from ._me import me
from ._messages import messages
from ._segments import segments
from ._templates import templates
from ._webhooks import webhooks

__all__ = ["cli"]


@click.group(cls=TranslatingGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--api-key",
    envvar=API_KEY_ENV,
    metavar="TOKEN",
    help=f"API token, ccx_live_… or ccx_test_… (default: ${API_KEY_ENV}).",
)
@click.option(
    "--base-url",
    envvar=BASE_URL_ENV,
    metavar="URL",
    help=f"API base URL (default: ${BASE_URL_ENV}, else {DEFAULT_BASE_URL}).",
)
@click.pass_context
def cli(context: click.Context, api_key: str | None, base_url: str | None) -> None:
    """The CCX messaging API from the command line."""
    context.obj = Settings(api_key=api_key, base_url=base_url)


cli.add_command(me)
cli.add_command(messages)
cli.add_command(templates)
cli.add_command(segments)
cli.add_command(broadcasts)
cli.add_command(webhooks)


@cli.command()
def version() -> None:
    """Print the SDK version and the API version it speaks."""
    click.echo(f"ccx-sdk {__version__} (CCX API {API_VERSION}, Python {platform.python_version()})")


@cli.command(context_settings={"ignore_unknown_options": True}, add_help_option=False)
@click.argument("arguments", nargs=-1, type=click.UNPROCESSED)
def mock(arguments: tuple[str, ...]) -> None:
    """Serve the mock API on 127.0.0.1 (see `ccx mock --help` for its options)."""
    try:
        from ccx.mock.__main__ import main as serve
    except ImportError as error:
        raise click.ClickException(
            f"ccx mock needs the mock extra ({error.name} is not installed): "
            "pip install 'ccx-sdk[mock]'"
        ) from error
    serve(list(arguments))
