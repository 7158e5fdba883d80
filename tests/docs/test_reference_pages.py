"""The API reference is plain Markdown (readable on GitHub, not ``::: name`` directives) and is
exactly what the package's signatures and docstrings produce (``make generate``)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

import ccx.types

ROOT = Path(__file__).resolve().parents[2]
PAGES = sorted((ROOT / "docs" / "reference").glob("*.md"))


def test_the_reference_pages_are_what_the_docstrings_produce() -> None:
    check = subprocess.run(
        [sys.executable, "-m", "tools.reference", "--check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert check.returncode == 0, check.stdout + check.stderr


@pytest.mark.parametrize("page", PAGES, ids=[page.name for page in PAGES])
def test_each_reference_page_reads_as_plain_markdown(page: Path) -> None:
    text = page.read_text(encoding="utf-8")

    assert not re.search(r"^:::", text, re.MULTILINE)  # no directive only mkdocs can render
    assert re.search(r"^```python\n(class|def) ", text, re.MULTILINE)  # signatures, in the page


def test_the_types_page_has_a_section_for_every_public_type() -> None:
    text = (ROOT / "docs" / "reference" / "types.md").read_text(encoding="utf-8")
    headings = set(re.findall(r"^## (\w+)$", text, re.MULTILINE))

    assert set(ccx.types.__all__) <= headings
