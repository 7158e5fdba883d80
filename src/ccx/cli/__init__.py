"""The ``ccx`` command line: send and inspect messages, watch broadcasts, forward webhooks.

It lives behind the ``cli`` extra (click and rich), so the SDK itself never depends on them;
``main`` says how to install the extra instead of failing with a traceback.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from importlib.util import find_spec

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> None:
    """Run ``ccx`` with ``argv`` (default: the process arguments)."""
    missing = [name for name in ("click", "rich") if find_spec(name) is None]
    if missing:
        sys.exit(
            f"The ccx command needs the cli extra ({' and '.join(missing)} not installed): "
            "pip install 'ccx-sdk[cli]'"
        )
    from ._app import cli

    cli.main(args=None if argv is None else list(argv), prog_name="ccx")
