"""The types tell the truth about a newer API: code that assumes every enum value is known, or
passes a response's open enum on as a request's precise one, is refused by mypy --strict and
pyright strict; code that handles the other values is accepted."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

USER_CODE = Path(__file__).with_name("typing") / "user_code.py"
BIN = Path(sys.executable).parent


def refused_lines() -> set[int]:
    lines = USER_CODE.read_text().splitlines()
    return {number for number, line in enumerate(lines, 1) if line.endswith("# refused")}


def error_lines(command: list[str], pattern: str) -> set[int]:
    output = subprocess.run(command, capture_output=True, text=True, check=False).stdout
    return {int(line) for line in re.findall(pattern, output)}


@pytest.mark.slow
def test_mypy_strict_refuses_exactly_the_marked_lines(tmp_path: Path) -> None:
    command = [str(BIN / "mypy"), "--strict", "--cache-dir", str(tmp_path), str(USER_CODE)]
    assert error_lines(command, r"user_code\.py:(\d+): error") == refused_lines()


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
        str(USER_CODE),
    ]
    assert error_lines(command, r"user_code\.py:(\d+):\d+ - error") == refused_lines()
