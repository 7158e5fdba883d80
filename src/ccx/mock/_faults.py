"""Fault injection: make the mock fail the way real networks and servers do, on purpose.

Faults come from two places, with one syntax (comma-separated ``key=value``):

- server-wide: ``MockConfig.faults`` / ``ccx-mock --faults "..."``, applied to every API
  request except ``/v1/test_helpers/*``, ``/v1/openapi.json`` and the inbox's pages (so a
  test, or a developer at the inbox, can still drive the clock while the API misbehaves);
- per request: the ``CCX-Mock-Fault`` header, honoured for valid sandbox (``ccx_test_…``)
  tokens only; a live or staging token sending it gets 403, and without a valid token it is
  ignored (the request is a 401 whatever it asks for).

Draws and 429 bursts belong to the calling token's workspace (`FaultState`): one tenant's
faults never change another's, and a workspace keeps at most ``MockConfig.fault_seed_limit``
seeded streams (the least recently used goes first), so distinct seeds cannot grow memory.

Keys:

==================  ===========================================================================
``error_rate=P``    with probability P answer ``status`` instead of running the request
``status=N``        the status of injected errors: 500, 502, 503 (default) or 429
``latency_ms=N``    wait N real milliseconds before handling (also ``latency=200ms`` / ``=1.5s``)
``drop_before=P``   with probability P close the connection without running the request
``drop_after=P``    with probability P run the request (it takes effect: the message exists)
                    and close the connection instead of answering
``drop=before``     shorthand for ``drop_before`` (and ``drop=after`` for ``drop_after``)
``burst_429=P``     with probability P start a burst of 429s lasting ``burst_seconds`` on the
                    clock (default 1): every request in it gets 429 with ``Retry-After``
``retry_after=N``   the ``Retry-After`` seconds of injected 429/503 answers (default 1)
``rate=P``          the probability of the faults this spec names without one (header sugar:
                    ``status=503,rate=0.3``); without it such faults always fire
``seed=N``          seed the random draws so rates are reproducible (in a header: a
                    workspace's requests sending the same seed share one stream of draws)
==================  ===========================================================================

Examples: ``CCX-Mock-Fault: status=503`` (always 503), ``drop=after``, ``latency=200ms``,
``--faults "error_rate=0.2,status=503,drop_before=0.05,drop_after=0.05,latency_ms=50,seed=7"``.

A dropped connection is real: the server closes the socket without a status line, so an HTTP
client sees ``httpx.RemoteProtocolError`` or, when the request was still unread, a reset
(``httpx.ReadError``); in-process, ``httpx.ASGITransport`` raises `DropConnection`. Drops are
on purpose, so the servers filter uvicorn's traceback for them (`quiet_injected_drops`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
import random
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, replace

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ._clock import Clock
from ._errors import REQUEST_ID_SCOPE_KEY, DropConnection, ErrorType, MockAPIError, error_response
from ._spec import SPEC_JSON

__all__ = [
    "FAULT_HEADER",
    "FaultMiddleware",
    "FaultSpec",
    "FaultSpecError",
    "FaultState",
    "Tenant",
    "parse_faults",
]

FAULT_HEADER = "CCX-Mock-Fault"
_FAULT_HEADER_KEY = FAULT_HEADER.lower().encode()
_EXEMPT_PREFIXES = ("/v1/test_helpers/", "/v1/openapi.json", "/inbox")
# The header is described in openapi/mock-overlay.yaml, not the public spec; the mock holds
# requests to that description (the spec it serves), as it does the API's own parameters.
_HEADER_MAX_LENGTH: int = json.loads(SPEC_JSON)["components"]["parameters"]["CCXMockFault"][
    "schema"
]["maxLength"]
# h11 and httptools both refuse this header name after uvicorn has marked the response started,
# so uvicorn closes the socket instead of answering 500: the only way to drop from inside ASGI.
_UNSENDABLE_START: Message = {
    "type": "http.response.start",
    "status": 500,
    "headers": [(b"ccx mock dropped", b"1")],
}
_ERRORS: dict[int, tuple[ErrorType, str, str]] = {
    500: ("api_error", "internal_error", "Injected fault: the server failed; retry."),
    502: ("upstream_error", "upstream_failure", "Injected fault: the upstream failed; retry."),
    503: ("maintenance_error", "service_unavailable", "Injected fault: unavailable; retry."),
    429: ("rate_limit_error", "rate_limited", "Injected fault: too many requests; retry later."),
}


@dataclass(frozen=True)
class FaultSpec:
    """Parsed faults; all probabilities in [0, 1]."""

    error_rate: float = 0.0
    status: int = 503
    latency_ms: float = 0.0
    drop_before: float = 0.0
    drop_after: float = 0.0
    burst_429: float = 0.0
    burst_seconds: float = 1.0
    retry_after: int = 1
    seed: int | None = None

    @property
    def active(self) -> bool:
        return any(
            (self.error_rate, self.latency_ms, self.drop_before, self.drop_after, self.burst_429)
        )


class FaultSpecError(ValueError):
    """A fault spec that cannot be read; the message names the key and the fix."""


def _probability(key: str, text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not 0.0 <= value <= 1.0:
        raise FaultSpecError(f"{key}={text!r}: give a probability between 0 and 1, like 0.05.")
    return value


def _latency_ms(key: str, text: str) -> float:
    number, scale = text, 1.0
    if text.endswith("ms"):
        number = text[:-2]
    elif text.endswith("s"):
        number, scale = text[:-1], 1000.0
    try:
        value = float(number) * scale
    except ValueError:
        value = math.nan
    if not 0.0 <= value <= 60_000:
        raise FaultSpecError(f"{key}={text!r}: give a latency like 200ms or 1.5s (at most 60s).")
    return value


def _integer(key: str, text: str, allowed: range | tuple[int, ...]) -> int:
    try:
        value = int(text)
    except ValueError:
        raise FaultSpecError(f"{key}={text!r}: give a whole number.") from None
    if value not in allowed:
        raise FaultSpecError(f"{key}={text!r}: must be one of {list(allowed)[:8]}.")
    return value


def parse_faults(text: str) -> FaultSpec:
    """Read a fault spec (the syntax in the module docstring); raises `FaultSpecError`."""
    values: dict[str, float | int | None] = {}
    implied: list[str] = []
    rate: float | None = None
    for item in filter(None, (part.strip() for part in text.split(","))):
        key, separator, value = item.partition("=")
        key, value = key.strip().lower(), value.strip()
        if not separator or not value:
            raise FaultSpecError(f"{item!r}: write faults as key=value, comma separated.")
        if key in ("error_rate", "drop_before", "drop_after", "burst_429"):
            values[key] = _probability(key, value)
        elif key == "rate":
            rate = _probability(key, value)
        elif key == "status":
            values["status"] = _integer(key, value, tuple(_ERRORS))
            implied.append("error_rate")
        elif key == "drop":
            if value not in ("before", "after"):
                raise FaultSpecError(f"drop={value!r}: use drop=before or drop=after.")
            implied.append(f"drop_{value}")
        elif key in ("latency", "latency_ms"):
            values["latency_ms"] = _latency_ms(key, value if key == "latency" else value + "ms")
        elif key == "retry_after":
            values["retry_after"] = _integer(key, value, range(86_401))
        elif key == "burst_seconds":
            values["burst_seconds"] = _latency_ms(key, value + "s") / 1000
        elif key == "seed":
            values["seed"] = _integer(key, value, range(2**63))
        else:
            raise FaultSpecError(
                f"unknown fault {key!r}: use error_rate, status, latency_ms, drop_before, "
                "drop_after, drop, burst_429, burst_seconds, retry_after, rate or seed."
            )
    for key in implied:
        values.setdefault(key, 1.0 if rate is None else rate)
    return replace(FaultSpec(), **values)  # type: ignore[arg-type]


class FaultState:
    """One workspace's fault draws: its seeded streams and its burst of 429s, on its clock."""

    def __init__(self, clock: Clock, *, server_seed: int | None, seed_limit: int) -> None:
        self.clock = clock
        self.random = random.Random(server_seed)
        """Draws for faults without a seed of their own (the server-wide seed, if any)."""
        self._seeded: OrderedDict[int, random.Random] = OrderedDict()
        self._seed_limit = seed_limit
        self.burst_until = -math.inf

    def draws(self, seed: int | None) -> random.Random:
        """The stream for ``seed`` (kept while recently used), or the workspace's own."""
        if seed is None:
            return self.random
        stream = self._seeded.get(seed)
        if stream is None:
            stream = self._seeded[seed] = random.Random(seed)
            while len(self._seeded) > self._seed_limit:
                self._seeded.popitem(last=False)
        else:
            self._seeded.move_to_end(seed)
        return stream

    @property
    def seed_count(self) -> int:
        return len(self._seeded)


Tenant = Callable[[bytes], "tuple[bool, FaultState] | None"]
"""From an ``Authorization`` header: (is it a sandbox token, its workspace's faults), or None
when it names no valid token."""


class FaultMiddleware:
    """ASGI middleware applying server-wide and per-request faults (see the module docstring)."""

    def __init__(self, app: ASGIApp, server_faults: FaultSpec, tenant: Tenant) -> None:
        self.app = app
        self.server_faults = server_faults
        self._tenant = tenant
        self._anonymous = random.Random(server_faults.seed)
        """Draws for server-wide faults on requests without a valid token (no bursts: no clock)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        header = headers.get(_FAULT_HEADER_KEY)
        exempt = scope["path"].startswith(_EXEMPT_PREFIXES)
        if header is None and (exempt or not self.server_faults.active):
            await self.app(scope, receive, send)
            return
        tenant = self._tenant(headers.get(b"authorization", b""))
        # Without a valid token the request is a 401 whatever it asks for, so its faults wait.
        if header is not None and tenant is not None:
            sandbox, state = tenant
            try:
                faults = _header_faults(sandbox, header)
            except MockAPIError as refusal:
                await _answer(refusal, scope, receive, send)
                return
            if not faults.active:  # an opt-out (error_rate=0) draws nothing from a seed's stream
                await self.app(scope, receive, send)
                return
            await self._apply(faults, state.draws(faults.seed), scope, receive, send, bursts=state)
        elif self.server_faults.active and not exempt:
            bursts = None if tenant is None else tenant[1]
            draws = self._anonymous if bursts is None else bursts.random
            await self._apply(self.server_faults, draws, scope, receive, send, bursts=bursts)
        else:
            await self.app(scope, receive, send)

    async def _apply(
        self,
        faults: FaultSpec,
        draw: random.Random,
        scope: Scope,
        receive: Receive,
        send: Send,
        *,
        bursts: FaultState | None,
    ) -> None:
        """Apply ``faults``; 429 bursts need a workspace's clock (``bursts``), so none without."""
        if draw.random() < faults.drop_before:
            await _drop(send)
        if draw.random() < faults.error_rate:
            await _answer(_injected(faults.status, faults.retry_after), scope, receive, send)
            return
        if bursts is not None:
            now = bursts.clock.now()
            if now >= bursts.burst_until and draw.random() < faults.burst_429:
                bursts.burst_until = now + faults.burst_seconds
            if now < bursts.burst_until:
                wait = max(1, math.ceil(bursts.burst_until - now))
                await _answer(_injected(429, wait), scope, receive, send)
                return
        if faults.latency_ms:
            await asyncio.sleep(faults.latency_ms / 1000)
        if draw.random() < faults.drop_after:
            await self.app(scope, receive, _dropping_send(send))
            return
        await self.app(scope, receive, send)


async def _answer(error: MockAPIError, scope: Scope, receive: Receive, send: Send) -> None:
    await error_response(error, scope.get(REQUEST_ID_SCOPE_KEY, ""))(scope, receive, send)


def _header_faults(sandbox: bool, header: bytes) -> FaultSpec:
    """The request's own faults, or the refusal (live token, unreadable spec)."""
    if not sandbox:
        raise MockAPIError(
            403,
            "permission_error",
            "sandbox_only",
            f"The {FAULT_HEADER} header works with sandbox (ccx_test_...) tokens only.",
            param=FAULT_HEADER,
        )
    text = header.decode("latin-1")
    try:
        if len(text) > _HEADER_MAX_LENGTH:
            raise FaultSpecError(
                f"the header is {len(text)} characters long; give at most {_HEADER_MAX_LENGTH}."
            )
        return parse_faults(text)
    except FaultSpecError as error:
        raise MockAPIError(
            400, "invalid_request_error", "invalid_fault", str(error), param=FAULT_HEADER
        ) from None


def _injected(status: int, retry_after: int) -> MockAPIError:
    error_type, code, message = _ERRORS[status]
    headers = {"Retry-After": str(retry_after)} if status in (429, 503) else None
    upstream = {"code": 131000, "message": "Something went wrong"} if status == 502 else None
    return MockAPIError(
        status, error_type, code, message, retryable=True, upstream=upstream, headers=headers
    )


async def _drop(send: Send) -> None:
    with contextlib.suppress(Exception):
        await send(_UNSENDABLE_START)
    raise DropConnection("fault injection closed the connection")


def _dropping_send(send: Send) -> Send:
    """A send that, once the handler has answered (so its work is done), drops instead."""

    async def dropping(message: Message) -> None:
        if message["type"] == "http.response.start":
            await _drop(send)
        await send(message)

    return dropping


class _InjectedDropFilter(logging.Filter):
    """Uvicorn logs every exception that ends a connection; an injected drop is not a failure."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        return not isinstance(error, DropConnection)


def quiet_injected_drops() -> None:
    """Keep uvicorn from printing a traceback for each connection fault injection drops."""
    server_logger = logging.getLogger("uvicorn.error")
    if not any(isinstance(f, _InjectedDropFilter) for f in server_logger.filters):
        server_logger.addFilter(_InjectedDropFilter())
