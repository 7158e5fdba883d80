"""A venv holding ccx-sdk as users install it: the wheel and its runtime dependencies, nothing else.

Import times are measured there, because a development venv changes them: with click and rich
installed, ``import httpx`` loads both (for its command line) and is twice as slow.

The dependencies are those of ``uv.lock``; the package is built from the working tree, afresh
on every run, so the figures are those of the code being measured. Everything is compiled to
bytecode at install, as pip does: an import that compiles its source (no ``__pycache__``, or
``PYTHONDONTWRITEBYTECODE`` set) measures the compiler, not the import.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

__all__ = ["runtime_python"]

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv-runtime"


def runtime_python() -> Path:
    """The interpreter of the runtime-only venv, (re)built with uv."""
    uv = _uv()
    python = VENV / "bin" / "python"
    requirements = VENV / "requirements.txt"
    if not python.exists():
        _run(uv, "venv", "--quiet", "--python", sys.executable, str(VENV))
    _run(
        uv, "export", "--quiet", "--locked", "--no-default-groups", "--no-emit-project",
        "--no-hashes", "--output-file", str(requirements),
    )  # fmt: skip
    options = ("--quiet", "--python", str(python), "--compile-bytecode")
    _run(uv, "pip", "sync", *options, str(requirements))
    _run(uv, "pip", "install", *options, "--no-deps", "--reinstall", str(ROOT))
    return python


def _uv() -> str:
    """The repository's pinned uv (``make`` installs it), else one on the PATH."""
    pinned = ROOT / ".venv-uv" / "bin" / "uv"
    found = str(pinned) if pinned.exists() else shutil.which("uv")
    if found is None:
        raise RuntimeError("uv is needed to build the runtime venv: run `make .venv-uv/.installed`")
    return found


def _run(*command: str) -> None:
    subprocess.run(command, check=True, cwd=ROOT)
