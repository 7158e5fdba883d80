"""Handlers by operation id, the context they receive, and the one cursor paginator.

A handler module in ``ccx.mock.handlers`` registers ``@handles("tokens.create") def create(ctx)
-> HandlerResult``; every module of that package is loaded by itself, and the app routes each
operation of the generated route table to its handler. Auth, scope, validation, idempotency,
rate limits and auditing happen before and after, so a handler only applies the operation's own
rules to an already valid request.

A handler is a plain function, run inside its request's transaction: it cannot suspend, so no
other request sees its changes half made, and if it raises, everything it changed is undone
(`ccx.mock._transaction`). Work that must wait (moving the clock) is handed back with
`RequestContext.follow_up` and runs once the request has committed.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeAlias, TypeVar

from starlette.responses import Response

from ._clock import isoformat
from ._errors import MockAPIError
from ._records import TokenRecord
from ._state import MockState
from ._workspace import Workspace

__all__ = [
    "FollowUp",
    "Handler",
    "HandlerResult",
    "RequestContext",
    "handler_for",
    "handles",
    "paginate",
]

FollowUp: TypeAlias = Callable[[], Awaitable[None]]

_T = TypeVar("_T")


@dataclass(frozen=True)
class RequestContext:
    """One authenticated, validated request as a handler sees it."""

    state: MockState
    workspace: Workspace
    token: TokenRecord
    operation_id: str
    request_id: str
    trace_id: str
    path_params: Mapping[str, str]
    query: dict[str, Any]
    """Validated query parameters (wire names, JSON types, only those the caller set)."""
    body: dict[str, Any]
    """Validated body (wire names, JSON types, only the fields the caller set)."""
    headers: Mapping[str, str]
    idempotency_key: str | None
    """The key this request is deduplicated on (given, or derived from the body), if any."""
    success_status: int
    """The status the spec gives this operation's success response."""
    follow_ups: list[FollowUp] = field(default_factory=list[FollowUp])

    @property
    def now(self) -> float:
        """The workspace clock's reading."""
        return self.workspace.clock.now()

    def timestamp(self, when: float | None) -> str | None:
        """RFC 3339 text for a clock reading, ``None`` staying ``None``."""
        return None if when is None else isoformat(when)

    def follow_up(self, work: FollowUp) -> None:
        """Await ``work`` once this request has committed, before its response goes out."""
        self.follow_ups.append(work)


HandlerResult: TypeAlias = "tuple[int, Any] | Response"
Handler: TypeAlias = Callable[[RequestContext], HandlerResult]

_HANDLERS: dict[str, Handler] = {}


def handles(operation_id: str) -> Callable[[Handler], Handler]:
    """Register the decorated coroutine as the implementation of ``operation_id``."""

    def register(handler: Handler) -> Handler:
        existing = _HANDLERS.get(operation_id)
        # Re-importing a handler module (pytester does) registers the same function again.
        if existing is not None and _origin(existing) != _origin(handler):
            raise RuntimeError(f"two handlers registered for {operation_id!r}")
        _HANDLERS[operation_id] = handler
        return handler

    return register


def _origin(handler: Handler) -> tuple[str, str]:
    return handler.__module__, handler.__qualname__


def handler_for(operation_id: str) -> Handler | None:
    return _HANDLERS.get(operation_id)


def paginate(
    items: Sequence[_T],
    query: Mapping[str, Any],
    render: Callable[[_T], Any],
    *,
    key: Callable[[_T], str],
    default_limit: int = 20,
) -> dict[str, Any]:
    """One page of ``items`` (already in list order) after the ``starting_after`` cursor.

    The cursor is the id of the last item the caller saw, so it stays valid while newer items
    arrive. An id this list does not hold (garbage, deleted, another tenant's) is a 400 that
    reveals nothing about which.
    """
    limit = int(query.get("limit", default_limit))
    start = 0
    cursor = query.get("starting_after")
    if cursor is not None:
        start = next((index + 1 for index, item in enumerate(items) if key(item) == cursor), -1)
        if start < 0:
            raise MockAPIError(
                400,
                "invalid_request_error",
                "invalid_cursor",
                f"starting_after {cursor!r} is not an id from this list; pass the "
                "next_cursor of the previous page, or omit it to start from the beginning.",
                param="starting_after",
            )
    page = items[start : start + limit]
    has_more = start + limit < len(items)
    return {
        "object": "list",
        "data": [render(item) for item in page],
        "has_more": has_more,
        "next_cursor": key(page[-1]) if has_more and page else None,
    }
