"""Servers the benchmarks talk to, each in its own process so it never shares the client's GIL.

`running` starts a server command on a free loopback port, waits until it accepts
connections, and stops it (and anything it forked) afterwards.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Generator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

__all__ = ["Running", "free_port", "running"]

_START_TIMEOUT_SECONDS = 120.0


def free_port() -> int:
    """A port nothing listens on now (the server binds it a moment later)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass(frozen=True)
class Running:
    port: int
    pid: int
    """The server's process id, for a sampling profiler."""

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@contextmanager
def running(command: Callable[[int], Sequence[str]]) -> Generator[Running, None, None]:
    """Start ``command(port)`` on a free port, yield it once it listens, then stop it.

    The server gets a session of its own, so stopping it also stops any process it forked.
    """
    port = free_port()
    process = subprocess.Popen(
        command(port), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    try:
        _wait_until_listening(port, process)
        yield Running(port, process.pid)
    finally:
        _stop(process)


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def _wait_until_listening(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + _START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}: {process.args!r}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.05)  # polling a child process's socket, not pacing a test
    raise RuntimeError(f"server did not listen on port {port}: {process.args!r}")
