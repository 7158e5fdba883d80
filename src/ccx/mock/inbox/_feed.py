"""The inbox's live feed: Server-Sent Events saying what changed in the workspace.

It reads what the mock already keeps: the event log (what webhooks are delivered from, and
where the broadcast streams' progress is published), the delivery attempts, and the audit log
(every API call, such as a template created, which has no event). A burst of changes (a
broadcast batch of a thousand messages) is one frame: which parts of the page to refresh
(``topics``) and every broadcast's latest progress, so a progress bar moves without a reload
and a busy workspace never floods the browser.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .._audit import AuditEntry
from .._broadcasts import KEEP_ALIVE_SECONDS, SSE_RETRY_MILLISECONDS
from .._workspace import Workspace

__all__ = ["Position", "changes"]

COALESCE_SECONDS = 0.1
"""Real seconds a frame waits for the rest of a burst of changes."""

_EVENT_TOPICS: Mapping[str, str] = {
    "message": "messages",
    "conversation": "messages",
    "contact": "messages",
    "broadcast": "broadcasts",
    "template": "templates",
}
_PATH_TOPICS: tuple[tuple[str, str], ...] = (
    ("templates", "templates"),
    ("broadcasts", "broadcasts"),
    ("webhook_endpoints", "webhooks"),
    ("events", "webhooks"),
    ("messages", "messages"),
    ("conversations", "messages"),
)
"""The page a call changes, by a word of its path (``/v1/test_helpers/templates/...``)."""


@dataclass(frozen=True)
class Position:
    """Where the workspace is: the next event's sequence, the last delivery attempt's number,
    the last API call's audit id. A page carries the one it was rendered at, so its feed
    reports whatever changed after, even what changed before the feed connected."""

    events: int
    attempts: int
    call: str

    @classmethod
    def of(cls, workspace: Workspace) -> Position:
        attempts, calls = workspace.deliveries.attempts, workspace.audit_log
        return cls(
            workspace.events.rollback_point(),
            attempts[-1].order if attempts else -1,
            calls[-1].id if calls else "",
        )

    @classmethod
    def parse(cls, query: Mapping[str, str], workspace: Workspace) -> Position:
        """The position a page sent, never past the present (a made-up one hides nothing)."""
        now = cls.of(workspace)
        events, attempts = query.get("events", ""), query.get("attempts", "")
        if not (events.isdigit() and attempts.lstrip("-").isdigit()):
            return now
        return cls(
            min(int(events), now.events),
            min(int(attempts), now.attempts),
            query.get("call", now.call)[:64],
        )


def _calls_since(calls: Iterable[AuditEntry], last_id: str) -> list[AuditEntry]:
    """The calls after the one with ``last_id`` (all of them if it has left the log)."""
    fresh: list[AuditEntry] = []
    for entry in calls:
        if entry.id == last_id:
            break
        fresh.append(entry)
    return fresh


async def changes(workspace: Workspace, since: Position) -> AsyncIterator[bytes]:
    """SSE bytes, one ``change`` frame per burst of changes after ``since`` (until disconnect)."""
    yield f"retry: {SSE_RETRY_MILLISECONDS}\n: connected\n\n".encode()
    seen = since
    while True:
        if seen == Position.of(workspace) and not await workspace.changed.wait(KEEP_ALIVE_SECONDS):
            yield b": keep-alive\n\n"
            continue
        await asyncio.sleep(COALESCE_SECONDS)
        now = Position.of(workspace)
        topics = {"clock"}
        broadcasts: dict[str, Any] = {}
        for event in workspace.events.since(seen.events):
            topics.add(_EVENT_TOPICS.get(event.type.split(".", 1)[0], "webhooks"))
            if event.type.startswith("broadcast."):
                data = event.data()
                broadcasts[data["broadcast_id"]] = {
                    "status": data["status"],
                    "counts": data["counts"],
                }
        if now.attempts != seen.attempts:
            topics.add("webhooks")
        for call in _calls_since(reversed(workspace.audit_log), seen.call):
            if call.method != "GET":
                words = call.path.split("/")
                topics.update(topic for word, topic in _PATH_TOPICS if word in words)
        seen = now
        frame = json.dumps({"topics": sorted(topics), "broadcasts": broadcasts})
        yield f"event: change\ndata: {frame}\n\n".encode()
