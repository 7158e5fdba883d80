"""The mock's web inbox at ``/inbox/``: see what your code sent, reply as the customer, watch
webhooks and broadcasts live, and drive templates and the clock, for one sandbox workspace."""

from ._routes import INBOX_PATH, inbox_routes

__all__ = ["INBOX_PATH", "inbox_routes"]
