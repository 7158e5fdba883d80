"""The guide reads as one path: no passage is written twice, links lead somewhere, and the
examples use only what the package makes public (a reader copies them into their own code)."""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from itertools import combinations
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from .test_docs_code import PAGES, ROOT, python_blocks

GUIDE = [page for page in PAGES if page.parent == ROOT / "docs"]
"""The hand-written pages: the README summarises them, and the reference is generated."""
EXAMPLES = sorted((ROOT / "examples").glob("*.py"))
PASSAGE_WORDS = 12
"""Twelve words in a row found on two pages are a passage written twice."""
TABLE_ROWS = 3
"""Three rows keyed the same (same first cell) on two pages are a table written twice."""


def passages(markdown: str) -> set[str]:
    """Every run of ``PASSAGE_WORDS`` words in the page's prose and table cells (not its code)."""
    found: set[str] = set()
    for token in MarkdownIt("commonmark").enable("table").parse(markdown):
        if token.type == "inline":
            words = token.content.split()
            found |= {
                " ".join(words[start : start + PASSAGE_WORDS])
                for start in range(len(words) - PASSAGE_WORDS + 1)
            }
    return found


def table_keys(markdown: str) -> set[str]:
    """The first cell of every table row below a header."""
    tokens = MarkdownIt("commonmark").enable("table").parse(markdown)
    return {
        tokens[index + 2].content
        for index in range(len(tokens) - 2)
        if tokens[index].type == "tr_open" and tokens[index + 1].type == "td_open"
    }


def test_no_passage_is_written_on_two_pages() -> None:
    pages_by_passage: dict[str, list[str]] = defaultdict(list)
    for page in GUIDE:
        for passage in passages(page.read_text(encoding="utf-8")):
            pages_by_passage[passage].append(page.name)

    repeated = {text: pages for text, pages in pages_by_passage.items() if len(pages) > 1}

    assert repeated == {}, "say it once and link to it"


def test_no_table_is_written_on_two_pages() -> None:
    keys = {page.name: table_keys(page.read_text(encoding="utf-8")) for page in GUIDE}

    repeated = {
        (first, second): sorted(keys[first] & keys[second])
        for first, second in combinations(sorted(keys), 2)
        if len(keys[first] & keys[second]) >= TABLE_ROWS
    }

    assert repeated == {}, "keep the table on one page and link to it"


def private_ccx_names(source: str) -> list[str]:
    """Every ``ccx`` module or attribute path the code names with a ``_private`` part."""
    names: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names += [f"{node.module}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Attribute):
            names.append(ast.unparse(node))
    return [
        name
        for name in names
        if name.split(".")[0] == "ccx"
        and any(part.startswith("_") and not part.startswith("__") for part in name.split("."))
    ]


EXAMPLE_SOURCES = [
    *(
        pytest.param(block.source, id=f"{page.relative_to(ROOT)}:{block.line}")
        for page in PAGES
        for block in python_blocks(page.read_text(encoding="utf-8"))
    ),
    *(
        pytest.param(path.read_text(encoding="utf-8"), id=str(path.relative_to(ROOT)))
        for path in EXAMPLES
    ),
]


@pytest.mark.parametrize("source", EXAMPLE_SOURCES)
def test_examples_use_only_public_names(source: str) -> None:
    assert private_ccx_names(source) == []


def test_private_names_are_recognised() -> None:
    source = "\n".join(
        [
            "import ccx.mock._clock",
            "from ccx.mock._clock import FrozenClock",
            "from ccx.mock import FrozenClock, MockServer",
            "ccx.mock._registry.paginate",
            "ccx.__version__",
            "from ._support import run",
        ]
    )

    assert private_ccx_names(source) == [
        "ccx.mock._clock",
        "ccx.mock._clock.FrozenClock",
        "ccx.mock._registry.paginate",
        "ccx.mock._registry",
    ]


LINK = re.compile(r"\]\((?!https?:|#|mailto:)([^)#\s]+)(?:#[^)]*)?\)")
"""A relative Markdown link's target, without its anchor."""
OUTSIDE_THE_SITE = [ROOT / "README.md", ROOT / "CONTRIBUTING.md"]
"""Read on GitHub: mkdocs --strict checks only the site's own links."""


@pytest.mark.parametrize("page", OUTSIDE_THE_SITE, ids=[page.name for page in OUTSIDE_THE_SITE])
def test_relative_links_outside_the_site_lead_to_files(page: Path) -> None:
    missing = [
        target
        for target in LINK.findall(page.read_text(encoding="utf-8"))
        if not (page.parent / target).exists()
    ]

    assert missing == []
