"""Every ```python block in the docs and the README runs: page by page against the mock, or,
for a test module, under pytest.

A page's blocks run in order in one namespace (later blocks use what earlier ones defined),
with ``CCX_BASE_URL`` and ``CCX_API_KEY`` pointing at a fresh mock server, so the examples are
exactly what a reader would paste. A block preceded by ``<!-- pytest -->`` is a test module: it
runs on its own, in a fresh pytest process with the plugin's fixtures and the ini options the
docs recommend, and every test in it must pass. A block that sets up the whole process (a
global tracer provider, logging) is preceded by ``<!-- own-process -->``: it runs alone in a
fresh interpreter against the same mock, so what it sets up cannot leak into other tests. A
block that cannot run here at all (one that needs a proxy on the network) is preceded by
``<!-- not-run -->`` and is only compiled. The API reference is left out: its blocks are
signatures, not code.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import pytest
from markdown_it import MarkdownIt

from ccx.mock import MockConfig, MockServer

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT / "docs" / "reference"
"""Generated from the docstrings (tools/reference): its python blocks are signatures, not code."""
PAGES = [
    *sorted(page for page in (ROOT / "docs").rglob("*.md") if REFERENCE not in page.parents),
    ROOT / "README.md",
]
MARKER = re.compile(r"^<!--\s*(not-run|pytest|own-process)\s*-->\s*$")
TIME_SCALE = 10.0
"""The mock clock runs ten times faster than the wall, so lifecycle examples finish quickly."""
CLOCK_START = "2026-11-20T00:00:00Z"
"""Where the mock clock starts: the dates in the docs' examples are after it, on any day."""
PYTEST_INI = f"[pytest]\nccx_mock_clock_start = {CLOCK_START}\n"
"""The ini the testing guide recommends, and nothing else: the examples run as a reader's do."""
STRICT = ("-p", "no:cacheprovider", "-W", "error::pytest.PytestUnraisableExceptionWarning")

How = Literal["run", "pytest", "process", "compile"]
_HOW: dict[str, How] = {"not-run": "compile", "pytest": "pytest", "own-process": "process"}


@dataclass(frozen=True)
class Block:
    source: str
    line: int
    """1-based line of the opening fence, for failure messages."""
    how: How


def python_blocks(markdown: str) -> Iterator[Block]:
    """The page's ```python fences, in order, each with how it is checked."""
    previous_html = ""
    for token in MarkdownIt("commonmark").parse(markdown):
        if token.type == "fence" and token.info.split()[:1] == ["python"]:
            assert token.map is not None
            marker = MARKER.match(previous_html)
            how: How = "run" if marker is None else _HOW[marker.group(1)]
            yield Block(token.content, token.map[0] + 1, how)
        previous_html = token.content.strip() if token.type == "html_block" else ""


def defines_tests(source: str) -> bool:
    """Whether a block defines pytest tests: run as a page block, they would only be defined."""
    return any(
        isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name.startswith("test")
        for node in ast.walk(ast.parse(source))
    )


def _where(page: Path, block: Block) -> str:
    return f"{page.relative_to(ROOT)}:{block.line}"


PYTEST_BLOCKS = [
    pytest.param(page, block, id=_where(page, block))
    for page in PAGES
    for block in python_blocks(page.read_text(encoding="utf-8"))
    if block.how == "pytest"
]


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
        code = compile(block.source, _where(page, block), "exec")
        if block.how == "run":
            exec(code, namespace)
        elif block.how == "process":
            run = subprocess.run(
                [sys.executable, "-c", block.source], capture_output=True, text=True, check=False
            )
            assert (run.returncode, run.stderr) == (0, ""), _where(page, block)


@pytest.mark.parametrize(("page", "block"), PYTEST_BLOCKS)
def test_pytest_examples_pass(pytester: pytest.Pytester, page: Path, block: Block) -> None:
    pytester.makeini(PYTEST_INI)
    pytester.makepyfile(**{f"test_{page.stem.replace('-', '_')}": block.source})
    result = pytester.runpytest_subprocess(*STRICT)
    outcomes = result.parseoutcomes()
    assert result.ret == pytest.ExitCode.OK, f"{_where(page, block)}:\n{result.stdout.str()}"
    assert set(outcomes) == {"passed"}, outcomes  # nothing skipped, xfailed or warned about


@pytest.mark.parametrize("page", PAGES, ids=[str(page.relative_to(ROOT)) for page in PAGES])
def test_blocks_defining_tests_run_under_pytest(page: Path) -> None:
    unmarked = [
        _where(page, block)
        for block in python_blocks(page.read_text(encoding="utf-8"))
        if block.how != "pytest" and defines_tests(block.source)
    ]
    assert unmarked == [], "precede these blocks with <!-- pytest --> so their tests run"


def test_markers_are_found_and_fences_are_recognised() -> None:
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
            "",
            "<!-- pytest -->",
            "```python",
            "def test_it(): pass",
            "```",
            "",
            "<!-- own-process -->",
            "```python",
            "logging.basicConfig()",
            "```",
        ]
    )

    blocks = list(python_blocks(page))

    assert blocks == [
        Block("ran = True\n", 3, "run"),
        Block("app.run()\n", 8, "compile"),
        Block("nested = True\n", 14, "run"),
        Block("def test_it(): pass\n", 23, "pytest"),
        Block("logging.basicConfig()\n", 28, "process"),
    ]
    assert [defines_tests(block.source) for block in blocks] == [False, False, False, True, False]
