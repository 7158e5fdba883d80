"""The local side of ``ccx webhooks listen``: receive, verify, re-sign, forward.

CCX (or the mock) POSTs each event to a `ccx.testing.WebhookListener` on ``127.0.0.1``, which
hands it to the relay. The relay verifies it with the endpoint's secret, signs the same raw
bytes with a local secret (so the application under development verifies with a secret that
never leaves this machine), forwards them, and answers CCX with the application's status, so
the application's failures are redelivered as they would be in production.
"""

from __future__ import annotations

import secrets
import signal
import threading
from collections.abc import Callable, Generator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from types import FrameType
from typing import Final

import httpx
from typing_extensions import override

from ccx.webhooks import (
    SIGNATURE_HEADER,
    WebhookVerificationError,
    sign,
    verify_signature,
)

__all__ = ["Forwarded", "Relay", "new_local_secret", "sigterm_interrupts"]

FORWARD_TIMEOUT_SECONDS: Final = 10.0
"""CCX waits 10 s for an acknowledgement; the application gets as long."""
_FORWARDED_HEADERS: Final = ("CCX-Event-Id", "CCX-Event-Type")
_BAD_GATEWAY: Final = 502


def new_local_secret() -> str:
    return f"whsec_{secrets.token_urlsafe(24)}"


@dataclass(frozen=True)
class Forwarded:
    """What happened to one delivery; ``status`` is what CCX was answered."""

    event_type: str
    event_id: str
    status: int
    problem: str | None = None
    """Why it was not forwarded, or why forwarding failed."""


class Relay:
    """Verifies a delivery and forwards it, re-signed, to ``forward_to``.

    The repr hides both secrets.
    """

    def __init__(
        self,
        *,
        endpoint_secret: str,
        local_secret: str,
        forward_to: str,
        http: httpx.Client,
        report: Callable[[Forwarded], None],
    ) -> None:
        self._endpoint_secret = endpoint_secret
        self._local_secret = local_secret
        self.forward_to = forward_to
        self._http = http
        self._report = report

    def handle(self, path: str, headers: Mapping[str, str], body: bytes) -> int:
        """The status to answer CCX with, whatever the path it posted to."""
        del path
        event_type = headers.get("ccx-event-type", "?")
        event_id = headers.get("ccx-event-id", "?")
        try:
            # The replay window too: CCX and the mock sign with the wall clock, whatever the
            # mock's own clock says (--time-scale, --clock-start).
            verify_signature(body, headers, self._endpoint_secret)
        except WebhookVerificationError as error:
            # Not from CCX (or tampered with): the application never sees it.
            self._report(Forwarded(event_type, event_id, 400, f"rejected, {error.code}: {error}"))
            return 400
        forwarded = {
            name: headers[name.lower()] for name in _FORWARDED_HEADERS if name.lower() in headers
        }
        try:
            response = self._http.post(
                self.forward_to,
                content=body,
                headers={
                    **forwarded,
                    "Content-Type": "application/json",
                    SIGNATURE_HEADER: sign(body, self._local_secret),
                },
            )
        except httpx.HTTPError as error:
            problem = f"could not reach {self.forward_to}: {type(error).__name__}"
            self._report(Forwarded(event_type, event_id, _BAD_GATEWAY, problem))
            return _BAD_GATEWAY
        self._report(Forwarded(event_type, event_id, response.status_code))
        return response.status_code

    @override
    def __repr__(self) -> str:
        return f"Relay(forward_to={self.forward_to!r}, secrets hidden)"


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


@contextmanager
def sigterm_interrupts() -> Generator[None, None, None]:
    """Make SIGTERM (what ``kill`` and process managers send) raise ``KeyboardInterrupt`` like
    Ctrl-C, so the caller still cleans up; only the main thread may install signal handlers."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
