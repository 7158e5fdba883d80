"""``ccx messages``: send one message, list them, show one."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import get_args

import click

from ccx._types import NOT_GIVEN
from ccx.types.enums import Channel, MessageStatus
from ccx.types.messages_params import TemplateInputParam
from ccx.types.shared import Message

from ._context import client
from ._output import print_fields, print_json, print_table, to_json

__all__ = ["messages", "parse_variables"]

_MAX_PAGE_SIZE = 100
_LIST_COLUMNS = ("ID", "STATUS", "CHANNEL", "TO", "FROM", "CREATED")


def parse_variables(pairs: Sequence[str]) -> dict[str, str]:
    """``("1=Maria", "2=#A8492")`` → ``{"1": "Maria", "2": "#A8492"}``; values may hold ``=``."""
    variables: dict[str, str] = {}
    for pair in pairs:
        name, separator, value = pair.partition("=")
        if not separator or not name:
            raise click.BadParameter(
                f"{pair!r} is not NAME=VALUE: write --var 1=Maria to fill {{{{1}}}}",
                param_hint="--var",
            )
        if name in variables:
            raise click.BadParameter(f"{name} is given twice", param_hint="--var")
        variables[name] = value
    return variables


def _template(
    name: str | None, language: str | None, variables: dict[str, str]
) -> TemplateInputParam | None:
    if name is None:
        if language is not None or variables:
            raise click.UsageError("--language and --var go with --template NAME")
        return None
    if language is None:
        raise click.UsageError("--template needs --language, such as --language pt_BR")
    template: TemplateInputParam = {"name": name, "language": language}
    if variables:
        template["variables"] = variables
    return template


@click.group()
def messages() -> None:
    """Send and inspect messages."""


@messages.command()
@click.option("--to", required=True, help="E.164 phone number, or an email address for email.")
@click.option(
    "--channel",
    type=click.Choice(get_args(Channel)),
    default="whatsapp",
    show_default=True,
)
@click.option("--template", "template_name", metavar="NAME", help="An approved template.")
@click.option("--language", help="The template's language, such as pt_BR.")
@click.option(
    "--var",
    "variables",
    multiple=True,
    metavar="NAME=VALUE",
    help="A template placeholder value: --var 1=Maria fills {{1}}. Repeat for each.",
)
@click.option("--text", help="Free-form text instead of a template (needs an open 24 h window).")
@click.option(
    "--idempotency-key",
    help="Send again with the same key to get the same message back, never a second send.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the message as JSON.")
@click.pass_context
def send(  # noqa: PLR0917 (click passes every option positionally)
    context: click.Context,
    to: str,
    channel: Channel,
    template_name: str | None,
    language: str | None,
    variables: tuple[str, ...],
    text: str | None,
    idempotency_key: str | None,
    as_json: bool,
) -> None:
    """Send one message: a template (--template, --language, --var) or --text."""
    template = _template(template_name, language, parse_variables(variables))
    if (template is None) == (text is None):
        raise click.UsageError("give exactly one of --template NAME or --text TEXT")
    message = client(context).messages.send(
        to=to,
        channel=channel,
        template=NOT_GIVEN if template is None else template,
        text=NOT_GIVEN if text is None else text,
        idempotency_key=NOT_GIVEN if idempotency_key is None else idempotency_key,
    )
    _show(message, as_json)


@messages.command("list")
@click.option("--status", type=click.Choice(get_args(MessageStatus)), help="Only this status.")
@click.option(
    "--limit",
    type=click.IntRange(min=1),
    default=20,
    show_default=True,
    help="How many messages to show, newest first.",
)
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array of messages.")
@click.pass_context
def list_messages(
    context: click.Context, status: MessageStatus | None, limit: int, as_json: bool
) -> None:
    """List messages, newest first."""
    page = client(context).messages.list(
        limit=min(limit, _MAX_PAGE_SIZE), status=NOT_GIVEN if status is None else status
    )
    found = [to_json(message) for message in itertools.islice(page, limit)]
    if as_json:
        print_json(found)
        return
    print_table(
        _LIST_COLUMNS,
        (
            (m["id"], m["status"], m["channel"], m.get("to"), m.get("from"), m["created_at"])
            for m in found
        ),
    )


@messages.command()
@click.argument("message_id", metavar="ID")
@click.option("--json", "as_json", is_flag=True, help="Print the message as JSON.")
@click.pass_context
def get(context: click.Context, message_id: str, as_json: bool) -> None:
    """Show one message (msg_…) with its current status."""
    _show(client(context).messages.retrieve(message_id), as_json)


def _show(message: Message, as_json: bool) -> None:
    if as_json:
        print_json(to_json(message))
    else:
        print_fields(message)
