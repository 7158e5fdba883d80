"""``ccx segments create``: an audience for broadcasts, from arguments, files or stdin."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Final, TextIO

import click

from ccx import BadRequestError

from ._context import client
from ._options import given, idempotency_key_option, json_option
from ._output import print_model

__all__ = ["Recipients", "segments"]

_RECIPIENT_PARAM: Final = re.compile(r"recipients\.(\d+)")
_STDIN: Final = "<stdin>"
"""The name Python gives stdin; a stream without a name (click's test runner) is stdin too."""


@dataclass
class Recipients:
    """The recipients in the order given, each with where it came from, so the API's complaint
    about ``recipients.41234`` can name the file and line to fix."""

    values: list[str] = field(default_factory=list[str])
    origins: list[str] = field(default_factory=list[str])

    @classmethod
    def gather(cls, arguments: Sequence[str], files: Sequence[TextIO]) -> Recipients:
        """Arguments first, then each file: one recipient per line, surrounding whitespace,
        blank lines and ``#`` comments skipped."""
        gathered = cls()
        for position, argument in enumerate(arguments, start=1):
            gathered.add(argument.strip(), f"argument {position}")
        for file in files:
            source = getattr(file, "name", _STDIN)
            if source == _STDIN:
                source = "stdin"
            for number, line in enumerate(file, start=1):
                recipient = line.strip()
                if recipient and not recipient.startswith("#"):
                    gathered.add(recipient, f"{source} line {number}")
        return gathered

    def add(self, recipient: str, origin: str) -> None:
        self.values.append(recipient)
        self.origins.append(origin)

    def origin_of(self, param: str | None) -> str | None:
        """Where the recipient an error's ``param`` (``recipients.3``) points at came from."""
        match = _RECIPIENT_PARAM.fullmatch(param or "")
        if match is None or int(match[1]) >= len(self.origins):
            return None
        return self.origins[int(match[1])]


@click.group()
def segments() -> None:
    """Create the audiences broadcasts are sent to."""


@segments.command()
@click.argument("arguments", nargs=-1, metavar="[RECIPIENT]...")
@click.option("--name", required=True, help="The segment's name, such as 'VIP customers'.")
@click.option(
    "--file",
    "files",
    multiple=True,
    type=click.File(encoding="utf-8-sig"),
    metavar="PATH",
    help="Read recipients from a file, one per line ('-' reads stdin); blank lines and "
    "# comments are skipped. Repeat for several files.",
)
@idempotency_key_option()
@json_option("the segment")
@click.pass_context
def create(  # noqa: PLR0917 (click passes every option positionally)
    context: click.Context,
    arguments: tuple[str, ...],
    name: str,
    files: tuple[TextIO, ...],
    idempotency_key: str | None,
    as_json: bool,
) -> None:
    """Create a segment from E.164 numbers or email addresses, given as arguments, in files,
    or both; duplicates count once."""
    recipients = Recipients.gather(arguments, files)
    if not recipients.values:
        raise click.UsageError("no recipients: give them as arguments or with --file PATH")
    try:
        segment = client(context).segments.create(
            name=name, recipients=recipients.values, idempotency_key=given(idempotency_key)
        )
    except BadRequestError as error:
        origin = recipients.origin_of(error.param)
        if origin is None:
            raise
        raise click.ClickException(f"{origin}: {error}") from error
    print_model(segment, as_json)
