"""Options several commands share, so they are spelled, checked and documented alike."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Final, TypeVar, get_args

import click
import pydantic

from ccx import NOT_GIVEN, NotGiven

from ._output import to_json

__all__ = [
    "choice_of",
    "first",
    "given",
    "idempotency_key_option",
    "json_option",
    "limit_option",
    "parse_variables",
    "variables_option",
]

_T = TypeVar("_T")
_Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]

_MAX_PAGE_SIZE: Final = 100
_IDEMPOTENCY_HELP: Final = (
    "Run the command again with the same key to get the first result back instead of acting "
    "twice (default: a new key, reused on the SDK's retries)."
)


def given(value: _T | None) -> _T | NotGiven:
    """An option left out is left out of the request too, so the API's default applies."""
    return NOT_GIVEN if value is None else value


def choice_of(literal: object) -> click.Choice[str]:
    """The values of a generated ``Literal`` type: the choices follow the spec, and click
    rejects anything else with the allowed values listed."""
    return click.Choice(get_args(literal))


def json_option(what: str) -> _Decorator:
    return click.option("--json", "as_json", is_flag=True, help=f"Print {what} as JSON.")


def idempotency_key_option(help: str = _IDEMPOTENCY_HELP) -> _Decorator:
    return click.option("--idempotency-key", metavar="KEY", help=help)


def limit_option(plural: str) -> _Decorator:
    return click.option(
        "--limit",
        type=click.IntRange(min=1),
        default=20,
        show_default=True,
        help=f"How many {plural} to show, newest first.",
    )


def first(
    listing: Callable[[int], Iterable[pydantic.BaseModel]], limit: int
) -> list[dict[str, Any]]:
    """The first ``limit`` items of a list call, as JSON.

    ``listing`` is called with the page size, so a small ``--limit`` fetches no more than it
    shows and a large one walks pages of the API's maximum size.
    """
    page = listing(min(limit, _MAX_PAGE_SIZE))
    return [to_json(item) for item in itertools.islice(page, limit)]


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


def variables_option(help: str) -> _Decorator:
    return click.option(
        "--var", "variables", multiple=True, metavar="NAME=VALUE", help=f"{help} Repeat for each."
    )
