"""``ccx messages``: send one message, list them, show one."""

from __future__ import annotations

from typing import Final

import click

from ccx.types.enums import Channel, MessageStatus
from ccx.types.messages_params import TemplateInputParam

from ._context import client
from ._options import (
    choice_of,
    first,
    given,
    idempotency_key_option,
    json_option,
    limit_option,
    parse_variables,
    variables_option,
)
from ._output import print_listing, print_model

__all__ = ["messages"]

_LIST_COLUMNS: Final = {
    "ID": "id",
    "STATUS": "status",
    "CHANNEL": "channel",
    "TO": "to",
    "FROM": "from",
    "CREATED": "created_at",
}


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
@click.option("--channel", type=choice_of(Channel), default="whatsapp", show_default=True)
@click.option("--template", "template_name", metavar="NAME", help="An approved template.")
@click.option("--language", help="The template's language, such as pt_BR.")
@variables_option("A template placeholder value: --var 1=Maria fills {{1}}.")
@click.option("--text", help="Free-form text instead of a template (needs an open 24 h window).")
@idempotency_key_option(
    "Send again with the same key to get the same message back, never a second send."
)
@json_option("the message")
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
        template=given(template),
        text=given(text),
        idempotency_key=given(idempotency_key),
    )
    print_model(message, as_json)


@messages.command("list")
@click.option("--channel", type=choice_of(Channel), help="Only messages on this channel.")
@click.option("--to", metavar="RECIPIENT", help="Only messages to this phone number or email.")
@click.option("--status", type=choice_of(MessageStatus), help="Only messages in this status.")
@limit_option("messages")
@json_option("a list of messages")
@click.pass_context
def list_messages(  # noqa: PLR0917 (click passes every option positionally)
    context: click.Context,
    channel: Channel | None,
    to: str | None,
    status: MessageStatus | None,
    limit: int,
    as_json: bool,
) -> None:
    """List messages, newest first; the filters combine."""
    api = client(context)
    found = first(
        lambda page_size: api.messages.list(
            limit=page_size, channel=given(channel), to=given(to), status=given(status)
        ),
        limit,
    )
    print_listing(found, as_json, _LIST_COLUMNS)


@messages.command()
@click.argument("message_id", metavar="ID")
@json_option("the message")
@click.pass_context
def get(context: click.Context, message_id: str, as_json: bool) -> None:
    """Show one message (msg_…) with its current status."""
    print_model(client(context).messages.retrieve(message_id), as_json)
