"""Operation handlers, one module per resource; importing a module registers its handlers.

Every module of this package is loaded by `load_handlers`: a new resource's module needs no
list to be added to.
"""

from __future__ import annotations

import pkgutil
from importlib import import_module

__all__ = ["load_handlers"]


def load_handlers() -> None:
    for module in pkgutil.iter_modules(__path__, prefix=f"{__name__}."):
        import_module(module.name)
