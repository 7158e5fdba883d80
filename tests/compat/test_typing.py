"""The types tell the truth: code that assumes every enum value is known, or passes a
response's open enum on as a request's precise one, or reads a field an event does not have, is
refused by mypy --strict and pyright strict; code that handles what can arrive is accepted.

Each file in ``typing/`` is user code whose lines ending with ``# refused`` must be refused, and
only those.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

USER_CODE = sorted((Path(__file__).with_name("typing")).glob("*.py"))
BIN = Path(sys.executable).parent


def refused_lines() -> dict[str, set[int]]:
    return {
        path.name: {
            number
            for number, line in enumerate(path.read_text().splitlines(), 1)
            if line.endswith("# refused")
        }
        for path in USER_CODE
    }


def error_lines(command: list[str], pattern: str) -> dict[str, set[int]]:
    output = subprocess.run(command, capture_output=True, text=True, check=False).stdout
    found: dict[str, set[int]] = {path.name: set() for path in USER_CODE}
    for name, line in re.findall(pattern, output):
        found[name].add(int(line))
    return found


@pytest.mark.slow
def test_mypy_strict_refuses_exactly_the_marked_lines(tmp_path: Path) -> None:
    command = [str(BIN / "mypy"), "--strict", "--cache-dir", str(tmp_path), *map(str, USER_CODE)]
    assert error_lines(command, r"(\w+\.py):(\d+): error") == refused_lines()


@pytest.mark.slow
def test_pyright_strict_refuses_exactly_the_marked_lines(tmp_path: Path) -> None:
    config = tmp_path / "pyrightconfig.json"
    config.write_text('{"typeCheckingMode": "strict", "pythonVersion": "3.10"}')
    command = [
        str(BIN / "pyright"),
        "--pythonpath",
        sys.executable,
        "-p",
        str(config),
        *map(str, USER_CODE),
    ]
    assert error_lines(command, r"(\w+\.py):(\d+):\d+ - error") == refused_lines()
