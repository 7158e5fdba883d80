"""A real socket server that answers a byte at a time: a slow-loris attack on the client.

Each connection gets one answer. ``phase="headers"`` drips the whole response from its status
line; ``"body"`` sends the headers at once and drips the body; ``"events"`` sends an event
stream's headers and then drips its frames. A byte every ``interval`` seconds keeps every read
well inside any read timeout, so only a limit on the whole attempt (or frame) can stop it.
"""

from __future__ import annotations

import json
import socket
import threading
from typing import Literal

Phase = Literal["headers", "body", "events"]

MESSAGE = json.dumps({"id": "msg_1", "status": "queued", "padding": "x" * 200}).encode()
EVENT = b'data: {"event": "broadcast.progress", "sent": 1}\n\n'


class DripServer:
    def __init__(self, phase: Phase, interval: float = 0.1) -> None:
        self.phase = phase
        self.interval = interval
        self.connections = 0
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(64)
        self._listener.settimeout(0.2)
        host, port = self._listener.getsockname()
        self.base_url = f"http://{host}:{port}"
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def __enter__(self) -> DripServer:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stopping.set()
        self._thread.join(timeout=5)
        self._listener.close()

    @property
    def duration(self) -> float:
        """Seconds one whole answer takes to drip: how long an unbounded client would wait."""
        return len(self._answer()) * self.interval

    def _serve(self) -> None:
        while not self._stopping.is_set():
            try:
                connection, _ = self._listener.accept()
            except (TimeoutError, OSError):
                continue
            with self._lock:
                self.connections += 1
            threading.Thread(target=self._answer_on, args=(connection,), daemon=True).start()

    def _answer(self) -> bytes:
        if self.phase == "events":
            return EVENT * 3
        head = (
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            + f"Content-Length: {len(MESSAGE)}\r\n\r\n".encode()
        )
        return head + MESSAGE

    def _answer_on(self, connection: socket.socket) -> None:
        with connection:
            _read_request(connection)
            answer = self._answer()
            if self.phase == "body":
                split = answer.index(b"\r\n\r\n") + 4
                connection.sendall(answer[:split])
                answer = answer[split:]
            elif self.phase == "events":
                connection.sendall(
                    b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                    b"Cache-Control: no-store\r\n\r\n"
                )
            for byte in answer:
                if self._stopping.wait(self.interval):
                    return
                try:
                    connection.sendall(bytes([byte]))
                except OSError:  # the client gave up: stop dripping
                    return


def _read_request(connection: socket.socket) -> None:
    connection.settimeout(10)
    received = b""
    while b"\r\n\r\n" not in received:
        chunk = connection.recv(65536)
        if not chunk:
            return
        received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    for line in head.split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            missing = int(value) - len(body)
            while missing > 0:
                chunk = connection.recv(missing)
                if not chunk:
                    return
                missing -= len(chunk)
