"""How commands print: ``--json`` gives the API's JSON, otherwise short tables for people.

One rule decides the rest: on a terminal (stdout is a tty that can redraw), tables fit its
width and progress is a live bar; anywhere else (a pipe, a file, a CI log) every line is plain,
never wrapped or redrawn, and written as it happens.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import click
import pydantic
from rich.console import Console
from rich.table import Table
from rich.text import Text

__all__ = [
    "console",
    "field_text",
    "is_live",
    "print_fields",
    "print_json",
    "print_listing",
    "print_model",
    "print_pairs",
    "print_table",
    "to_json",
]


_PIPE_WIDTH = 10_000
"""Piped output is read by programs: no wrapping or truncation at rich's default 80 columns."""


def console() -> Console:
    """A console on the current stdout, sized to the terminal (or unlimited when not one)."""
    output = Console(highlight=False, soft_wrap=True)
    if not is_live(output):
        output.width = _PIPE_WIDTH
    return output


def is_live(output: Console) -> bool:
    """Whether ``output`` is a terminal a person watches, where a display may redraw itself.

    rich alone would also say yes under ``FORCE_COLOR`` (which CI setups often set to get
    colours into their logs), so stdout must really be a tty too; ``TERM=dumb`` and rich's
    ``TTY_INTERACTIVE=0`` say no on a terminal.
    """
    isatty = getattr(output.file, "isatty", None)
    try:
        tty = bool(isatty is not None and isatty())
    except ValueError:  # a closed stream
        tty = False
    return tty and output.is_interactive


def to_json(model: pydantic.BaseModel) -> dict[str, Any]:
    """A model as the JSON the API sends (field aliases such as ``from``)."""
    return model.model_dump(mode="json", by_alias=True)


def print_json(document: object) -> None:
    click.echo(json.dumps(document, indent=2, ensure_ascii=False))


def field_text(value: object) -> str:
    """One value on one line: nested objects as compact JSON."""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))


def print_pairs(pairs: Mapping[str, object]) -> None:
    """One ``name  value`` line each, names aligned."""
    width = max(map(len, pairs), default=0)
    output = console()
    for name, value in pairs.items():
        output.print(Text.assemble((name.ljust(width), "bold"), "  ", field_text(value)))


def print_fields(model: pydantic.BaseModel) -> None:
    """Every field that has a value, one per line, names aligned."""
    print_pairs({name: value for name, value in to_json(model).items() if value is not None})


def print_model(model: pydantic.BaseModel, as_json: bool) -> None:
    """What a command that returns one object prints."""
    if as_json:
        print_json(to_json(model))
    else:
        print_fields(model)


def print_table(columns: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    table = Table(*columns, box=None, header_style="bold", pad_edge=False)
    for row in rows:
        table.add_row(*("" if value is None else field_text(value) for value in row))
    console().print(table)


def print_listing(items: list[dict[str, Any]], as_json: bool, columns: Mapping[str, str]) -> None:
    """What a list command prints: a JSON array, or a table of ``columns`` (header → field)."""
    if as_json:
        print_json(items)
    else:
        print_table(
            list(columns), ([item.get(name) for name in columns.values()] for item in items)
        )
