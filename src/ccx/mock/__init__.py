"""The CCX mock server: the whole API in memory, for tests and local development.

``MockServer`` runs it on a free local port in a background thread; ``create_app`` returns
the ASGI app for in-process use (``httpx.ASGITransport``). Names load on first use so that
``import ccx.mock`` does not pull in starlette and uvicorn until they are needed.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._app import create_app
    from ._clock import Clock, FrozenClock
    from ._config import MockConfig
    from ._server import MockServer

__all__ = ["Clock", "FrozenClock", "MockConfig", "MockServer", "create_app"]

_LOCATIONS = {
    "Clock": "._clock",
    "FrozenClock": "._clock",
    "MockConfig": "._config",
    "MockServer": "._server",
    "create_app": "._app",
}


def __getattr__(name: str) -> Any:
    try:
        module = _LOCATIONS[name]
    except KeyError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    return getattr(import_module(module, __name__), name)
