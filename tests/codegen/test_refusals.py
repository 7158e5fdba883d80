"""The generator refuses a spec the SDK could not serve safely, naming the operation and the fix."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

# The generator's tools come with the `dev` group only.
for tool in ("jinja2", "ruff"):
    pytest.importorskip(tool, reason="the generator is a development tool (the `dev` group)")

SPEC = Path(__file__).with_name("deprecated_spec.yaml")
REPOSITORY = Path(__file__).parents[2]


def without_a_key(spec: dict[str, Any]) -> None:
    # Retried after a lost answer, a POST without a key could act twice.
    del spec["paths"]["/v1/widgets"]["post"]["x-ccx-idempotency"]


def with_a_deprecated_required_argument(spec: dict[str, Any]) -> None:
    # A caller could not stop sending it, so its warning could never be heeded.
    spec["components"]["schemas"]["WidgetCreateRequest"]["properties"]["name"]["deprecated"] = True


def with_an_unknown_key_location(spec: dict[str, Any]) -> None:
    spec["paths"]["/v1/widgets"]["post"]["x-ccx-idempotency"] = "query"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (without_a_key, "widgets.create: a POST needs x-ccx-idempotency (body or header)"),
        (
            with_a_deprecated_required_argument,
            "widgets.create: `name` is deprecated but required; a caller cannot stop sending it: "
            "make it optional first",
        ),
        (with_an_unknown_key_location, "widgets.create: x-ccx-idempotency is 'body' or 'header'"),
    ],
)
def test_the_generator_refuses(
    change: Callable[[dict[str, Any]], None], message: str, tmp_path: Path
) -> None:
    spec = yaml.safe_load(SPEC.read_text())
    change(spec)
    changed = tmp_path / "openapi.yaml"
    # types-PyYAML's `width` names _typeshed.FloatInt, which pyright's bundled typeshed lacks.
    changed.write_text(yaml.safe_dump(spec))  # pyright: ignore[reportUnknownMemberType]

    result = subprocess.run(
        [sys.executable, "-m", "tools.codegen", "--spec", str(changed), "--root", str(tmp_path)],
        cwd=REPOSITORY,
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode != 0
    assert f"ValueError: {message}" in result.stderr
    assert not (tmp_path / "src").exists()
