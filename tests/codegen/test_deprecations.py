"""What the spec's `deprecated: true` becomes for a user: a DeprecationWarning, pointing at their
own line, when they call a deprecated method, pass a deprecated argument or read a deprecated
field; a flag from mypy and pyright on those lines and where a deprecated model is named; and a
line in the docstring. Reading a response into a deprecated model stays silent.

The real spec deprecates nothing yet, so the generator is fed `deprecated_spec.yaml`, writing
into a scratch copy of the package, which then runs as `ccx`.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

# The generator, and the type checkers, come with the `dev` group only.
for tool in ("jinja2", "ruff", "mypy"):
    pytest.importorskip(tool, reason="the generator is a development tool (the `dev` group)")

SPEC = Path(__file__).with_name("deprecated_spec.yaml")
REPOSITORY = Path(__file__).parents[2]
BIN = Path(sys.executable).parent

POLISH = "`client.widgets.polish()` is deprecated: use `client.widgets.create` with a `finish`."
DUST = "`client.widgets.dust()` is deprecated: it will be removed in a future API version."
LIST_COLOUR = (
    "The `colour` argument of `client.widgets.list()` is deprecated: filter on `shade` instead."
)
CREATE_COLOUR = (
    "The `colour` argument of `client.widgets.create()` is deprecated: give a `shade` instead."
)
FIELD_COLOUR = "`Widget.colour` is deprecated: read `shade`."

RUN = """
import asyncio, json, sys, warnings

import httpx

import ccx
from ccx.types.widgets import LegacyWidget

WIDGET = {"id": "w_1", "name": "one", "colour": "red", "shade": "dark"}


def answer(request: httpx.Request) -> httpx.Response:
    if request.url.path.endswith("/dust"):
        return httpx.Response(204)
    if request.method == "GET" and request.url.path == "/v1/widgets":
        return httpx.Response(200, json={"data": [WIDGET], "has_more": False, "next_cursor": None})
    return httpx.Response(200, json=WIDGET)


options = {"api_key": "ccx_test_key", "base_url": "http://api.test", "max_retries": 0}
client = ccx.CCX(**options, transport=httpx.MockTransport(answer))
async_client = ccx.AsyncCCX(**options, transport=httpx.MockTransport(answer))


def warned(call):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        call()
    return [
        [str(warning.message), warning.filename == __file__]
        for warning in caught
        if issubclass(warning.category, DeprecationWarning)
    ]


async def polish_async():
    await async_client.widgets.polish("w_1")


async def create_async():
    await async_client.widgets.create(name="one", colour="red")


print(json.dumps({
    "polish": warned(lambda: client.widgets.polish("w_1")),
    "dust": warned(lambda: client.widgets.dust("w_1")),
    "polish_async": warned(lambda: asyncio.run(polish_async())),
    "list_colour": warned(lambda: client.widgets.list(colour="red")),
    "create_colour": warned(lambda: client.widgets.create(name="one", colour="red")),
    "create_colour_async": warned(lambda: asyncio.run(create_async())),
    "field_colour": warned(lambda: client.widgets.retrieve("w_1").colour),
    "current": warned(
        lambda: (
            client.widgets.retrieve("w_1").shade,
            list(client.widgets.list(shade="dark")),
            client.widgets.create(name="one", shade="dark"),
            repr(client.widgets.retrieve("w_1")),
            client.widgets.retrieve("w_1").model_dump(),
        )
    ),
    "legacy_read": warned(lambda: LegacyWidget.model_validate({"id": "w_1"})),
}))
"""

USER_CODE = """\
from __future__ import annotations

import ccx
import ccx.types.widgets


def use(client: ccx.CCX) -> None:
    client.widgets.polish("w_1")  # deprecated
    client.widgets.dust("w_1")  # deprecated
    client.widgets.list(colour="red")  # deprecated
    client.widgets.list(shade="dark")
    client.widgets.create(name="one", colour="red")  # deprecated
    client.widgets.create(name="one", shade="dark")
    client.widgets.with_raw_response.retrieve("w_1")


async def use_async(client: ccx.AsyncCCX) -> None:
    await client.widgets.polish("w_1")  # deprecated
    await client.widgets.create(name="one", colour="red")  # deprecated
    await client.widgets.create(name="one")


def read(widget: ccx.types.widgets.Widget) -> str | None:
    return widget.shade


def read_legacy(widget: ccx.types.widgets.LegacyWidget) -> str:  # deprecated
    return widget.id
"""


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory holding `ccx` with the small spec's generated code in place of the real one."""
    root = tmp_path_factory.mktemp("generated")
    shutil.copytree(
        REPOSITORY / "src" / "ccx",
        root / "src" / "ccx",
        ignore=shutil.ignore_patterns("__pycache__", "types", "resources"),
    )
    subprocess.run(
        [sys.executable, "-m", "tools.codegen", "--spec", str(SPEC), "--root", str(root)],
        cwd=REPOSITORY,
        check=True,
        capture_output=True,
    )
    return root / "src"


@pytest.fixture(scope="module")
def generated(package: Path) -> dict[str, str]:
    return {
        name: (package / "ccx" / name).read_text()
        for name in ("resources/widgets.py", "types/widgets.py", "types/widgets_params.py")
    }


def test_the_docstrings_say_what_is_deprecated_and_why(generated: dict[str, str]) -> None:
    resources = generated["resources/widgets.py"]
    models = generated["types/widgets.py"]
    params = generated["types/widgets_params.py"]

    assert resources.count("Deprecated: use `client.widgets.create` with a `finish`.") == 2
    assert resources.count("Deprecated: it will be removed in a future API version.") == 2
    assert resources.count("colour: Only widgets of this colour. Deprecated: filter on") == 2
    assert resources.count("colour: Its colour. Deprecated: give a `shade` instead.") == 2
    assert "The widget's colour. Deprecated: read `shade`." in models
    assert "Deprecated: it will be removed in a future API version." in models
    assert "Its colour. Deprecated: give a `shade` instead." in params


def test_only_deprecated_items_are_marked(generated: dict[str, str]) -> None:
    resources = generated["resources/widgets.py"]
    models = generated["types/widgets.py"]

    decorated = re.findall(r"@deprecated\([^@]*?\)\n\s+(?:async )?def (\w+)", resources)
    assert sorted(decorated) == sorted(["polish", "dust", "list", "create"] * 2)
    assert re.findall(r"@deprecated\([^@]*?\)\nclass (\w+)", models) == ["LegacyWidget"]
    assert models.count("deprecated=") == 1


def test_deprecated_calls_warn_at_the_callers_line_and_nothing_else_does(package: Path) -> None:
    script = package / "run.py"
    script.write_text(RUN)
    output = subprocess.run(
        [sys.executable, str(script)],
        capture_output=True,
        text=True,
        check=True,
        cwd=package,
        env={"PYTHONPATH": str(package), "PATH": ""},
    ).stdout

    warned = json.loads(output)

    assert warned == {
        "polish": [[POLISH, True]],
        "dust": [[DUST, True]],
        "polish_async": [[POLISH, True]],
        "list_colour": [[LIST_COLOUR, True]],
        "create_colour": [[CREATE_COLOUR, True]],
        "create_colour_async": [[CREATE_COLOUR, True]],
        "field_colour": [[FIELD_COLOUR, True]],
        "current": [],
        "legacy_read": [],
    }


def flagged_lines(output: str, pattern: str) -> set[int]:
    return {int(line) for line in re.findall(pattern, output)}


def marked_lines() -> set[int]:
    lines = USER_CODE.splitlines()
    return {number for number, line in enumerate(lines, 1) if line.endswith("# deprecated")}


@pytest.mark.slow
def test_mypy_flags_exactly_the_deprecated_uses(package: Path, tmp_path: Path) -> None:
    user_code = tmp_path / "user_code.py"
    user_code.write_text(USER_CODE)
    command = [
        str(BIN / "mypy"),
        "--strict",
        "--enable-error-code",
        "deprecated",
        "--follow-imports",
        "silent",
        "--cache-dir",
        str(tmp_path / "cache"),
        str(user_code),
    ]
    result = subprocess.run(
        command, capture_output=True, text=True, check=False, env={"MYPYPATH": str(package)}
    )

    assert "is deprecated" in result.stdout
    assert flagged_lines(result.stdout, r"user_code\.py:(\d+): error") == marked_lines()


@pytest.mark.slow
def test_pyright_flags_exactly_the_deprecated_uses(package: Path, tmp_path: Path) -> None:
    user_code = tmp_path / "user_code.py"
    user_code.write_text(USER_CODE)
    config = tmp_path / "pyrightconfig.json"
    config.write_text(
        json.dumps(
            {
                "typeCheckingMode": "strict",
                "pythonVersion": "3.10",
                "reportDeprecated": "error",
                "extraPaths": [str(package)],
            }
        )
    )
    command = [str(BIN / "pyright"), "--pythonpath", sys.executable, "-p", str(config)]
    result = subprocess.run([*command, str(user_code)], capture_output=True, text=True, check=False)

    assert "deprecated" in result.stdout
    assert flagged_lines(result.stdout, r"user_code\.py:(\d+):\d+ - error") == marked_lines()
