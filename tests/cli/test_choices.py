"""Options with a fixed set of values take exactly the spec's, and name them when refused."""

from __future__ import annotations

from typing import get_args

import pytest

from ccx.types.enums import Channel, MessageStatus, Priority, TemplateCategory, TemplateStatus

from .conftest import Invoke

CHOICES = [
    (("messages", "send", "--to", "+15550000001", "--text", "hi"), "--channel", Channel),
    (("messages", "list"), "--channel", Channel),
    (("messages", "list"), "--status", MessageStatus),
    (("templates", "list"), "--status", TemplateStatus),
    (("templates", "list"), "--category", TemplateCategory),
    (("templates", "create", "--name", "x", "--language", "en", "--body", "x"), "--category", TemplateCategory),
    (("broadcasts", "create", "--name", "x", "--template", "x", "--language", "en", "--segment-id", "seg_x"), "--priority", Priority),
]  # fmt: skip


@pytest.mark.parametrize(
    ("command", "option", "literal"),
    CHOICES,
    ids=[f"{' '.join(command[:2])} {option}" for command, option, _ in CHOICES],
)
def test_an_unknown_value_is_refused_with_the_allowed_ones(
    ccx: Invoke, command: tuple[str, ...], option: str, literal: object
) -> None:
    result = ccx(*command, option, "nonsense")

    assert result.exit_code == 2
    allowed = ", ".join(f"'{value}'" for value in get_args(literal))
    assert f"Invalid value for '{option}': 'nonsense' is not one of {allowed}." in result.stderr
