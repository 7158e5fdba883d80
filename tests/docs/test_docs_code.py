"""Every ```python block in the docs and the README runs, page by page, against the mock.

A page's blocks run in order in one namespace (later blocks use what earlier ones defined),
with ``CCX_BASE_URL`` and ``CCX_API_KEY`` pointing at a fresh mock server, so the examples are
exactly what a reader would paste. A block that cannot run on its own (a web app waiting for
requests, a pytest test) is preceded by ``<!-- not-run -->`` and is only compiled.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from ccx.mock import MockConfig, MockServer

ROOT = Path(__file__).resolve().parents[2]
PAGES = [*sorted((ROOT / "docs").rglob("*.md")), ROOT / "README.md"]
NOT_RUN = re.compile(r"^<!--\s*not-run\s*-->\s*$")
TIME_SCALE = 10.0
"""The mock clock runs ten times faster than the wall, so lifecycle examples finish quickly."""
CLOCK_START = "2026-11-20T00:00:00Z"
"""Where the mock clock starts: the dates in the docs' examples are after it, on any day."""


@dataclass(frozen=True)
class Block:
    source: str
    line: int
    """1-based line of the opening fence, for failure messages."""
    run: bool


def python_blocks(markdown: str) -> Iterator[Block]:
    """The page's ```python fences, in order, each marked runnable or compile-only."""
    previous_html = ""
    for token in MarkdownIt("commonmark").parse(markdown):
        if token.type == "fence" and token.info.split()[:1] == ["python"]:
            assert token.map is not None
            yield Block(token.content, token.map[0] + 1, not NOT_RUN.match(previous_html))
        previous_html = token.content.strip() if token.type == "html_block" else ""


@pytest.fixture
def mock_environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[MockServer]:
    with MockServer(MockConfig(time_scale=TIME_SCALE), clock_start=CLOCK_START) as server:
        monkeypatch.setenv("CCX_BASE_URL", server.url)
        monkeypatch.setenv("CCX_API_KEY", server.token)
        monkeypatch.delenv("CCX_WEBHOOK_SECRET", raising=False)
        monkeypatch.delenv("CCX_LOG", raising=False)
        yield server


@pytest.mark.parametrize("page", PAGES, ids=[str(page.relative_to(ROOT)) for page in PAGES])
@pytest.mark.usefixtures("mock_environment")
def test_page_examples_run(page: Path) -> None:
    namespace: dict[str, object] = {"__name__": f"docs.{page.stem}"}
    for block in python_blocks(page.read_text(encoding="utf-8")):
        where = f"{page.relative_to(ROOT)}:{block.line}"
        code = compile(block.source, where, "exec")
        if block.run:
            exec(code, namespace)


def test_not_run_markers_are_found_and_fences_are_recognised() -> None:
    page = "\n".join(
        [
            "Text",
            "",
            "```python",
            "ran = True",
            "```",
            "",
            "<!-- not-run -->",
            "```python",
            "app.run()",
            "```",
            "",
            "- a list item",
            "",
            "    ```python",
            "    nested = True",
            "    ```",
            "",
            "```bash",
            "echo not python",
            "```",
        ]
    )

    blocks = list(python_blocks(page))

    assert blocks == [
        Block("ran = True\n", 3, run=True),
        Block("app.run()\n", 8, run=False),
        Block("nested = True\n", 14, run=True),
    ]
