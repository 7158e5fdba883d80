"""Pure request planning (URL, headers, body, idempotency key), each attempt's request, and the
per-attempt hook chain."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol, cast
from urllib.parse import quote

import httpx

from . import _checks
from ._constants import ATTEMPT_TIMEOUT_READS, IDEMPOTENCY_KEY_HEADER, RETRY_COUNT_HEADER
from ._exceptions import InvalidArgumentError
from ._operation import CallOptions, Operation
from ._ratelimit import ReportedRateLimit
from ._types import Body, NotGiven, Query
from ._wire import WireRequest, WireResponse, endpoint

__all__ = [
    "Attempt",
    "AttemptHook",
    "RequestPlan",
    "attempt_limit",
    "attempt_request",
    "plan_request",
    "run_after",
    "run_before",
    "with_retry_count",
]


@dataclass(slots=True)
class RequestPlan:
    """Everything needed to send one call, identical on every attempt of that call.

    Nothing changes it once planned. Not ``frozen``: every call makes one, and a frozen
    dataclass takes more than twice as long to create.
    """

    operation: Operation
    method: str
    url: str
    """As sent, with the query: httpx's normal form of ``parsed_url``."""
    parsed_url: httpx.URL
    headers: dict[str, str]
    content: bytes | None
    timeout: httpx.Timeout
    waits: dict[str, float | None]
    """``timeout`` as httpx's request extension names it."""
    max_retries: int
    attempt_timeout: float | None
    """Wall-clock seconds one attempt may take, end to end (``None``: no limit)."""
    call_timeout: float | None
    """Seconds the whole call may take, retries and waits included (``None``: no limit)."""
    idempotency_key: str | None


def _expand_path(operation: Operation, path: Mapping[str, object] | None) -> str:
    segments: dict[str, str] = {}
    for name, value in (path or {}).items():
        if isinstance(value, NotGiven):
            continue
        if not isinstance(value, str) or not value:
            raise InvalidArgumentError(
                f"{operation.id}: `{name}` must be a non-empty string id, got {value!r}"
            )
        segment = quote(_checks.text(value, name, operation.id), safe="")
        # URL normalisation would resolve "." and ".." segments into another path.
        segments[name] = segment.replace(".", "%2E") if segment in (".", "..") else segment
    try:
        return operation.path.format_map(segments)
    except KeyError as missing:
        raise InvalidArgumentError(
            f"{operation.id}: the path parameter `{missing.args[0]}` is required"
        ) from None


def _query_value(value: object, name: str, operation_id: str) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (datetime.datetime, datetime.date)):
        return value.isoformat()
    return _checks.text(str(value), name, operation_id)


def _query(
    query: Query | None, extra_query: Query | None, operation_id: str
) -> dict[str, str | list[str]]:
    params: dict[str, str | list[str]] = {}
    if not query and not extra_query:
        return params
    merged = {**(query or {}), **(extra_query or {})}
    for name, value in merged.items():
        if value is None or isinstance(value, NotGiven):
            continue
        if isinstance(value, (list, tuple)):
            items = cast("list[object] | tuple[object, ...]", value)
            params[name] = [_query_value(item, name, operation_id) for item in items]
        else:
            params[name] = _query_value(value, name, operation_id)
    return params


def attempt_limit(timeout: httpx.Timeout, attempt_timeout: float | NotGiven | None) -> float | None:
    """The wall-clock limit of one attempt: ``attempt_timeout``, else a few read timeouts."""
    if not isinstance(attempt_timeout, NotGiven):
        return attempt_timeout
    return None if timeout.read is None else ATTEMPT_TIMEOUT_READS * timeout.read


def with_retry_count(headers: dict[str, str]) -> dict[str, str]:
    """``headers`` with the SDK's own ``CCX-Retry-Count: 0`` in place of any count (in any
    case) they held: later attempts set theirs (``attempt_request``)."""
    for name in [name for name in headers if name.lower() == "ccx-retry-count"]:
        del headers[name]
    headers[RETRY_COUNT_HEADER] = "0"
    return headers


def plan_request(
    operation: Operation,
    *,
    base_url: str,
    headers: Mapping[str, str],
    timeout: httpx.Timeout,
    max_retries: int,
    attempt_timeout: float | NotGiven | None,
    call_timeout: float | None,
    path: Mapping[str, object] | None,
    query: Query | None,
    body: Body | None,
    options: CallOptions,
    new_idempotency_key: Callable[[], str],
) -> RequestPlan:
    """Resolves one call: the key is chosen here once, so every retry reuses it.

    Everything the caller passed is checked here, so a call that cannot be sent fails with a
    typed error before anything leaves the process. ``headers`` are the client's, made once
    with ``with_retry_count``.
    """
    operation_id = operation.id
    request_headers = dict(headers)
    if options.extra_headers:
        _checks.header_values(options.extra_headers, "extra_headers", _Refusal(operation_id))
        request_headers.update(options.extra_headers)
        with_retry_count(request_headers)

    idempotency_key: str | None = None
    if operation.idempotency is not None:
        given: object = options.idempotency_key
        if isinstance(given, NotGiven) and body is not None and operation.body_idempotency_key:
            in_body = body.get("idempotency_key")
            given = given if in_body is None or isinstance(in_body, NotGiven) else in_body
        if isinstance(given, NotGiven):
            given = request_headers.get(IDEMPOTENCY_KEY_HEADER) or None
        if given is None:
            idempotency_key = new_idempotency_key()
        else:
            idempotency_key = _checks.idempotency_key(given, operation_id)
        request_headers[IDEMPOTENCY_KEY_HEADER] = idempotency_key

    content: bytes | None = None
    if body is not None or options.extra_body:
        payload = {k: v for k, v in (body or {}).items() if not isinstance(v, NotGiven)}
        if operation.body_idempotency_key and idempotency_key is not None:
            payload["idempotency_key"] = idempotency_key
        payload.update(options.extra_body or {})
        content = _checks.json_body(payload, operation_id)
        request_headers["Content-Type"] = "application/json"

    if not isinstance(options.timeout, NotGiven):
        timeout = _checks.timeout(options.timeout, _Refusal(operation_id))
    if not isinstance(options.max_retries, NotGiven):
        max_retries = _checks.max_retries(options.max_retries, _Refusal(operation_id))
    if not isinstance(options.call_timeout, NotGiven):
        call_timeout = _checks.seconds(options.call_timeout, "call_timeout", _Refusal(operation_id))

    parsed_url, url = _target(
        base_url + _expand_path(operation, path), _query(query, options.extra_query, operation_id)
    )
    return RequestPlan(
        operation=operation,
        method=operation.method,
        url=url,
        parsed_url=parsed_url,
        headers=request_headers,
        content=content,
        timeout=timeout,
        waits=timeout.as_dict(),
        max_retries=max_retries,
        attempt_timeout=attempt_limit(timeout, attempt_timeout),
        call_timeout=call_timeout,
        idempotency_key=idempotency_key,
    )


@dataclass(frozen=True, slots=True)
class _Refusal:
    """The error for a bad argument of one call, its message prefixed by the operation."""

    operation_id: str

    def __call__(self, problem: str) -> InvalidArgumentError:
        return InvalidArgumentError(f"{self.operation_id}: {problem}")


def _target(url: str, params: dict[str, str | list[str]]) -> tuple[httpx.URL, str]:
    """The URL with its query, parsed and as text, as ``httpx.Request`` would make it."""
    if not params:
        return endpoint(url)
    parsed = httpx.URL(url, params=params)
    return parsed, str(parsed)


def attempt_request(plan: RequestPlan, number: int, limit: float | None) -> WireRequest:
    """The request of attempt ``number`` (0 for the first): the plan's, with its retry count,
    and network waits none longer than the attempt's ``limit``."""
    headers = dict(plan.headers)  # the attempt's own: hooks add to it
    if number:  # the plan says 0 already
        headers[RETRY_COUNT_HEADER] = str(number)
    waits: dict[str, float | None] = plan.waits
    if limit is not None:
        for wait in waits.values():  # a loop, not any(): this runs on every attempt
            if wait is None or wait > limit:
                waits = {name: limit if w is None else min(w, limit) for name, w in waits.items()}
                break
    return WireRequest(
        plan.method,
        plan.url,
        parsed_url=plan.parsed_url,
        headers=headers,
        content=plan.content,
        timeouts=waits,
        limit=limit,
    )


@dataclass(slots=True)
class Attempt:
    """One HTTP attempt of a call, as the per-attempt hooks see it."""

    operation: Operation
    request: WireRequest
    number: int
    """0 for the first attempt, n for the n-th retry (sent as ``CCX-Retry-Count``)."""
    idempotency_key: str | None
    response: WireResponse | None = None
    error: BaseException | None = None
    rate_limit: ReportedRateLimit | None = None
    state: dict[object, object] = field(default_factory=dict[object, object])
    """Scratch space hooks use to carry their own values from ``before`` to ``after``."""


class AttemptHook(Protocol):
    """Cross-cutting work around every attempt: spans, logs, rate-limit bookkeeping.

    ``before`` runs just before the request is sent (it may add headers); ``after`` runs once
    the response headers arrived or the attempt failed, in reverse order.
    """

    def before(self, attempt: Attempt) -> None: ...

    def after(self, attempt: Attempt) -> None: ...


def run_before(hooks: Sequence[AttemptHook], attempt: Attempt) -> None:
    for hook in hooks:
        hook.before(attempt)


def run_after(hooks: Sequence[AttemptHook], attempt: Attempt) -> None:
    for hook in reversed(hooks):
        hook.after(attempt)
