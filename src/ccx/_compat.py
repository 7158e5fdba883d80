"""``override`` for the modules a new client loads, without loading typing_extensions.

typing_extensions is a large module that nothing else a new client loads needs, and
``override`` only marks a method. The type checkers read typing_extensions' declaration.
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
