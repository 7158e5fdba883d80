"""Who is looking at the inbox: a sandbox token, remembered by an opaque, HTTP-only cookie.

The cookie holds a random session id, never the token's secret, and the token is checked on
every request: revoke or expire it and the inbox logs out. Live tokens are refused: the inbox
drives test helpers, which only exist in the sandbox, and a live token has no business in a
page served over plain HTTP.
"""

from __future__ import annotations

import secrets
from collections import OrderedDict

from .._records import TokenRecord
from .._state import MockState
from .._workspace import Workspace

__all__ = ["COOKIE", "SESSION_LIMIT", "LoginRefused", "Sessions"]

COOKIE = "ccx_inbox"
SESSION_LIMIT = 256
"""Sessions kept; past it the least recently used is logged out (memory stays bounded)."""


class LoginRefused(Exception):
    """A token the inbox will not act for; the message says why and what to do."""


class Sessions:
    def __init__(self, state: MockState) -> None:
        self._state = state
        self._tokens: OrderedDict[str, tuple[str, str]] = OrderedDict()
        """Session id -> (workspace id, token id)."""

    def login(self, secret: str) -> str:
        """A new session for the token ``secret`` names, or `LoginRefused`."""
        token = self._state.valid_token(secret.strip())
        if token is None:
            raise LoginRefused(
                "That token is not valid here (unknown, revoked or expired); "
                "ccx-mock prints a working link when it starts."
            )
        if not token.is_sandbox:
            raise LoginRefused(
                f"The inbox only accepts sandbox tokens (ccx_test_…); this is a "
                f"{token.environment} token."
            )
        session = secrets.token_urlsafe(24)
        self._tokens[session] = (token.workspace_id, token.id)
        while len(self._tokens) > SESSION_LIMIT:
            self._tokens.popitem(last=False)
        return session

    def logout(self, session: str) -> None:
        self._tokens.pop(session, None)

    def resolve(self, session: str | None) -> tuple[Workspace, TokenRecord] | None:
        """The workspace and still-valid token of a session, or None (then it is forgotten)."""
        if session is None or session not in self._tokens:
            return None
        workspace_id, token_id = self._tokens[session]
        workspace = self._state.workspaces.get(workspace_id)
        token = None if workspace is None else workspace.tokens.get(token_id)
        if workspace is None or token is None or self._state.valid_token(token.secret) is None:
            self.logout(session)
            return None
        self._tokens.move_to_end(session)
        return workspace, token
