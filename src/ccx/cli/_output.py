"""How commands print: ``--json`` gives the API's JSON, otherwise short tables for people."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

import click
import pydantic
from rich.console import Console
from rich.table import Table
from rich.text import Text

__all__ = ["console", "field_text", "print_fields", "print_json", "print_table", "to_json"]


_PIPE_WIDTH = 10_000
"""Piped output is read by programs: no wrapping or truncation at rich's default 80 columns."""


def console() -> Console:
    """A console on the current stdout, sized to the terminal (or unlimited when piped)."""
    output = Console(highlight=False, soft_wrap=True)
    if not output.is_terminal:
        output.width = _PIPE_WIDTH
    return output


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


def print_fields(model: pydantic.BaseModel) -> None:
    """Every field that has a value, one per line, names aligned."""
    fields = {name: value for name, value in to_json(model).items() if value is not None}
    width = max(map(len, fields), default=0)
    output = console()
    for name, value in fields.items():
        output.print(Text.assemble((name.ljust(width), "bold"), "  ", field_text(value)))


def print_table(columns: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    table = Table(*columns, box=None, header_style="bold", pad_edge=False)
    for row in rows:
        table.add_row(*("" if value is None else field_text(value) for value in row))
    console().print(table)
