"""A wake-up for readers waiting on something that changes: live streams, the inbox's feed.

Readers wait with a timeout (so an idle stream can send a keep-alive); a change made inside a
request wakes them only once it commits, so nobody reads a change that is then undone.
"""

from __future__ import annotations

import asyncio

from ._transaction import after_commit

__all__ = ["Signal"]


class Signal:
    """Wakes every current waiter after the next committed change; cheap when nobody waits."""

    __slots__ = ("_changed",)

    def __init__(self) -> None:
        self._changed: asyncio.Event | None = None

    def notify(self) -> None:
        """Something changed: wake the waiters (once the current request, if any, commits)."""
        if self._changed is not None:
            after_commit(self._wake)

    async def wait(self, timeout: float) -> bool:
        """Wait up to ``timeout`` real seconds for a change; False if none came."""
        if self._changed is None:
            self._changed = asyncio.Event()
        try:
            await asyncio.wait_for(self._changed.wait(), timeout)
        except asyncio.TimeoutError:
            return False
        return True

    def _wake(self) -> None:
        if self._changed is not None:
            self._changed.set()
            self._changed = None
