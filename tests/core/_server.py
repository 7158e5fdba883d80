"""A scripted HTTP server for the core tests: real sockets, per-path scripted replies.

A test scripts what ``METHOD /path`` answers, in order (status sequences, headers, SSE
streams that drop mid-stream), then inspects every request the server saw.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
from collections import defaultdict, deque
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route


@dataclass(frozen=True)
class Seen:
    """One request as the server received it."""

    method: str
    path: str
    raw_path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass(frozen=True)
class Reply:
    """One scripted answer.

    ``events`` streams SSE chunks, ``gap`` seconds apart; ``drop`` then cuts the connection
    instead of ending the body cleanly. ``hold`` delays the answer by that many seconds (server
    side) to provoke client timeouts.
    """

    status: int = 200
    json: Any = None
    headers: dict[str, str] = field(default_factory=dict[str, str])
    events: list[bytes] | None = None
    drop: bool = False
    hold: float = 0.0
    gap: float = 0.0


def error(status: int, code: str, message: str = "failed", **extra: Any) -> Reply:
    """A reply carrying the CCX error envelope."""
    headers = extra.pop("headers", {})
    body = {"error": {"type": "api_error", "code": code, "message": message, **extra}}
    return Reply(status=status, json=body, headers=headers)


Script = Callable[[Seen], Reply]


class _Dropped(Exception):
    """Raised inside a streaming body so the server aborts the connection mid-stream."""


class ScriptedServer:
    def __init__(self) -> None:
        self._replies: dict[tuple[str, str], deque[Reply | Script]] = defaultdict(deque)
        self.requests: list[Seen] = []
        self._lock = threading.Lock()
        app = Starlette(
            routes=[
                Route(
                    "/{path:path}",
                    self._handle,
                    methods=["GET", "POST", "PATCH", "PUT", "DELETE"],
                )
            ]
        )
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind(("127.0.0.1", 0))
        self._socket.listen(128)
        host, port = self._socket.getsockname()
        self.base_url = f"http://{host}:{port}"
        config = uvicorn.Config(
            app, log_level="critical", lifespan="off", timeout_graceful_shutdown=1
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._socket]}, daemon=True
        )

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=5)
        self._socket.close()

    def reset(self) -> None:
        with self._lock:
            self._replies.clear()
            self.requests.clear()

    def script(self, method: str, path: str, *replies: Reply | Script) -> None:
        """Queues answers for ``method path``; a callable builds its answer from the request."""
        with self._lock:
            self._replies[(method, path)].extend(replies)

    def seen(self, method: str, path: str) -> list[Seen]:
        with self._lock:
            return [r for r in self.requests if r.method == method and r.path == path]

    async def _handle(self, request: Request) -> Response:
        seen = Seen(
            method=request.method,
            path=request.scope["path"],
            raw_path=request.scope["raw_path"].decode(),
            query=dict(request.query_params),
            headers={name.lower(): value for name, value in request.headers.items()},
            body=await request.body(),
        )
        with self._lock:
            self.requests.append(seen)
            queue = self._replies.get((seen.method, seen.path))
            scripted = queue.popleft() if queue else None
        if scripted is None:
            return Response(f"unscripted {seen.method} {seen.path}", status_code=418)
        reply = scripted(seen) if callable(scripted) else scripted
        if reply.hold:
            await asyncio.sleep(reply.hold)
        if reply.events is not None:
            return StreamingResponse(
                _stream(reply.events, reply.drop, reply.gap),
                status_code=reply.status,
                headers=reply.headers,
                media_type="text/event-stream",
            )
        content = b"" if reply.json is None else json.dumps(reply.json).encode()
        return Response(
            content,
            status_code=reply.status,
            headers=reply.headers,
            media_type="application/json" if reply.json is not None else None,
        )


async def _stream(chunks: list[bytes], drop: bool, gap: float) -> AsyncIterator[bytes]:
    for index, chunk in enumerate(chunks):
        if index and gap:
            await asyncio.sleep(gap)
        yield chunk
    if drop:
        raise _Dropped
