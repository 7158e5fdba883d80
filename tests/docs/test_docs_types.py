"""Every ```python block in the docs and the README passes mypy --strict and pyright strict.

The README promises precise types; an example that only type-checks with a cast (a template as
a plain dict, a page that may be None) teaches the reader to add one. Each page's blocks are
checked as one module, in order, as they run; each test module (``<!-- pytest -->``) on its
own. Blocks repeat imports and reuse names, as examples do, so that much is allowed.
"""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from .test_docs_code import PAGES, ROOT, python_blocks

BIN = Path(sys.executable).parent


@dataclass(frozen=True)
class Module:
    name: str
    source: str
    origins: list[str]
    """For each line of ``source``, where it is in the docs (``page.md:line``)."""


def modules() -> list[Module]:
    found: list[Module] = []
    for page in PAGES:
        where = page.relative_to(ROOT)
        stem = page.stem.replace("-", "_")
        page_lines: list[str] = []
        page_origins: list[str] = []
        tests = 0
        for block in python_blocks(page.read_text(encoding="utf-8")):
            lines = block.source.splitlines()
            origins = [f"{where}:{block.line + offset}" for offset in range(1, len(lines) + 1)]
            if block.how == "pytest":
                tests += 1
                found.append(Module(f"{stem}_test_{tests}", "\n".join(lines) + "\n", origins))
            else:
                page_lines += lines
                page_origins += origins
        if page_lines:
            found.append(Module(stem, "\n".join(page_lines) + "\n", page_origins))
    return found


MODULES = modules()


def type_errors(command: list[str], directory: Path, pattern: str) -> list[str]:
    """The errors a checker reports, each as ``page.md:line: message``."""
    output = subprocess.run(
        command, cwd=directory, capture_output=True, text=True, check=False
    ).stdout
    by_name = {module.name: module for module in MODULES}
    return [
        f"{by_name[name].origins[int(line) - 1]}: {message}"
        for name, line, message in re.findall(pattern, output, flags=re.MULTILINE)
    ]


@pytest.fixture(scope="module")
def checked(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("docs")
    for module in MODULES:
        (directory / f"{module.name}.py").write_text(module.source, encoding="utf-8")
    return directory


@pytest.mark.slow
def test_mypy_strict_accepts_every_example(checked: Path) -> None:
    command = [
        str(BIN / "mypy"),
        "--strict",
        "--allow-redefinition",
        "--cache-dir",
        str(checked / ".mypy_cache"),
        *(f"{module.name}.py" for module in MODULES),
    ]
    errors = type_errors(command, checked, r"^(\w+)\.py:(\d+): error: (.*)$")
    assert not errors, "\n".join(errors)


@pytest.mark.slow
def test_pyright_strict_accepts_every_example(checked: Path) -> None:
    (checked / "pyrightconfig.json").write_text(
        '{"typeCheckingMode": "strict", "pythonVersion": "3.10", "reportDuplicateImport": false}'
    )
    command = [
        str(BIN / "pyright"),
        "--pythonpath",
        sys.executable,
        "-p",
        "pyrightconfig.json",
        *(f"{module.name}.py" for module in MODULES),
    ]
    errors = type_errors(command, checked, r"^\s*\S*?(\w+)\.py:(\d+):\d+ - error: (.*)$")
    assert not errors, "\n".join(errors)
