"""A real webhook receiver for Mock-B's delivery tests: starlette on uvicorn, on loopback.

It records every POST (headers, raw body) in arrival order and answers with scripted statuses
per event type (default 200), so tests can make deliveries fail, then succeed, or answer 410.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route


@dataclass(frozen=True)
class Delivery:
    headers: dict[str, str]
    body: bytes
    status: int

    @property
    def envelope(self) -> dict[str, Any]:
        parsed: dict[str, Any] = json.loads(self.body)
        return parsed

    @property
    def event_id(self) -> str:
        return self.headers["ccx-event-id"]

    @property
    def event_type(self) -> str:
        return self.headers["ccx-event-type"]


@dataclass
class Receiver:
    """Start with ``with Receiver() as receiver:``; ``url`` is where to point an endpoint."""

    script: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    """Statuses to answer per event type, consumed in order; 200 once a list runs out."""
    deliveries: list[Delivery] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._socket = socket.socket()
        self._socket.bind(("127.0.0.1", 0))
        port = self._socket.getsockname()[1]
        self.url = f"http://127.0.0.1:{port}/hooks"
        app = Starlette(routes=[Route("/hooks", self._receive, methods=["POST"])])
        self._server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._socket]}, daemon=True
        )

    async def _receive(self, request: Request) -> Response:
        body = await request.body()
        event_type = request.headers.get("ccx-event-type", "")
        with self._lock:
            pending = self.script.get(event_type)
            status = pending.pop(0) if pending else 200
            self.deliveries.append(Delivery(dict(request.headers), body, status))
        return Response(status_code=status)

    def acknowledged(self) -> list[Delivery]:
        return [delivery for delivery in self.deliveries if 200 <= delivery.status < 300]

    def __enter__(self) -> Receiver:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("the test webhook receiver did not start")
            time.sleep(0.005)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self._socket.close()
