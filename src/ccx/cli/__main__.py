"""``python -m ccx.cli``: the same as the ``ccx`` command."""

from __future__ import annotations

from . import main

if __name__ == "__main__":
    main()
