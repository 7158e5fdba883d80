"""Operation handlers, one module per resource; importing a module registers its handlers."""

from __future__ import annotations

from importlib import import_module

__all__ = ["HANDLER_MODULES", "load_handlers"]

HANDLER_MODULES: tuple[str, ...] = (
    "me",
    "tokens",
    "templates",
    "segments",
    "audit_logs",
    "exports",
    "ai",
    "messages",
    "otp",
    "conversations",
    "broadcasts",
    "webhook_endpoints",
    "events",
    "analytics",
    "test_helpers",
)


def load_handlers() -> None:
    for name in HANDLER_MODULES:
        import_module(f"{__name__}.{name}")
