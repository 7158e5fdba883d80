"""``python -m tools.reference [--check]``: write the API reference pages in docs/reference/.

With ``--check``, write nothing and fail, printing the difference, if a page is not what the
package's docstrings produce (``make check-generated`` runs it in CI).
"""

from __future__ import annotations

import argparse
import difflib
import sys
from pathlib import Path

from .render import load, render_page

ROOT = Path(__file__).resolve().parents[2]
PAGES = ROOT / "docs" / "reference"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.reference", description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail if a page is out of date")
    arguments = parser.parse_args(argv)

    package = load(ROOT / "src")
    stale: list[str] = []
    pages = sorted(PAGES.glob("*.md"))
    for page in pages:
        current = page.read_text(encoding="utf-8")
        rendered = render_page(current, package)
        if rendered == current:
            continue
        name = str(page.relative_to(ROOT))
        stale.append(name)
        if arguments.check:
            sys.stdout.writelines(
                difflib.unified_diff(
                    current.splitlines(keepends=True),
                    rendered.splitlines(keepends=True),
                    f"{name} (committed)",
                    f"{name} (from the docstrings)",
                )
            )
        else:
            page.write_text(rendered, encoding="utf-8")
    if arguments.check and stale:
        print(f"\n{len(stale)} reference page(s) out of date: run `make generate`.")
        return 1
    verb = "rewrote" if stale else "checked"
    print(
        f"reference pages: {verb} {len(stale) if stale else len(pages)} in {PAGES.relative_to(ROOT)}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
