"""The inbox's live feed: Server-Sent Events saying what changed in the workspace.

It reads the workspace's event log, the log webhooks are delivered from (and the broadcast
streams' progress frames are published to), plus the delivery attempts. A burst of changes (a
broadcast batch of a thousand messages) is one frame: which parts of the page to refresh
(``topics``) and every broadcast's latest progress, so a progress bar moves without a reload
and a busy workspace never floods the browser.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

from .._broadcasts import KEEP_ALIVE_SECONDS, SSE_RETRY_MILLISECONDS
from .._workspace import Workspace

__all__ = ["changes"]

COALESCE_SECONDS = 0.1
"""Real seconds a frame waits for the rest of a burst of changes."""

_TOPICS = {"message": "messages", "conversation": "messages", "contact": "messages"}


def _topic(event_type: str) -> str:
    family = event_type.split(".", 1)[0]
    return _TOPICS.get(family, family + "s")


async def changes(workspace: Workspace) -> AsyncIterator[bytes]:
    """SSE bytes, one ``change`` frame per burst of changes, from now on (until disconnect)."""
    yield f"retry: {SSE_RETRY_MILLISECONDS}\n: connected\n\n".encode()
    events_seen = workspace.events.rollback_point()
    attempts = workspace.deliveries.attempts
    attempts_seen = attempts[-1].order if attempts else -1
    while True:
        if not await workspace.changed.wait(KEEP_ALIVE_SECONDS):
            yield b": keep-alive\n\n"
            continue
        await asyncio.sleep(COALESCE_SECONDS)
        topics = {"clock"}
        broadcasts: dict[str, Any] = {}
        for event in workspace.events.since(events_seen):
            topics.add(_topic(event.type))
            if event.type.startswith("broadcast."):
                data = event.data()
                broadcasts[data["broadcast_id"]] = {
                    "status": data["status"],
                    "counts": data["counts"],
                }
        events_seen = workspace.events.rollback_point()
        attempts = workspace.deliveries.attempts
        if attempts and attempts[-1].order != attempts_seen:
            topics.add("webhooks")
            attempts_seen = attempts[-1].order
        frame = json.dumps({"topics": sorted(topics), "broadcasts": broadcasts})
        yield f"event: change\ndata: {frame}\n\n".encode()
