"""``override`` for the modules a new client loads, without loading typing_extensions.

typing_extensions is the slowest import a client would add to httpx's own (a third of what the
rest of ``from ccx import CCX`` costs), and ``override`` only marks a method. The type checkers
read typing_extensions' declaration.
"""

from __future__ import annotations

import contextlib
import sys
from typing import TYPE_CHECKING

__all__ = ["override"]

if TYPE_CHECKING:
    from typing_extensions import override
elif sys.version_info >= (3, 12):
    from typing import override
else:

    def override(method):
        """As ``typing_extensions.override``: sets ``__override__`` for runtime introspection."""
        with contextlib.suppress(AttributeError, TypeError):  # a wrapper without attributes
            method.__override__ = True
        return method
