"""Pure request planning (URL, headers, body, idempotency key) and the per-attempt hook chain."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol, cast
from urllib.parse import quote

import httpx
from pydantic_core import to_json

from ._constants import IDEMPOTENCY_KEY_HEADER, RETRY_COUNT_HEADER
from ._exceptions import InvalidArgumentError
from ._operation import CallOptions, Operation
from ._ratelimit import RateLimit
from ._types import Body, NotGiven, Query, Timeout

__all__ = [
    "Attempt",
    "AttemptHook",
    "RequestPlan",
    "build_request",
    "plan_request",
    "run_after",
    "run_before",
]


@dataclass(frozen=True, slots=True)
class RequestPlan:
    """Everything needed to send one call, identical on every attempt of that call."""

    operation: Operation
    method: str
    url: str
    params: dict[str, str | list[str]]
    headers: dict[str, str]
    content: bytes | None
    timeout: httpx.Timeout
    max_retries: int
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
        segment = quote(value, safe="")
        # URL normalisation would resolve "." and ".." segments into another path.
        segments[name] = segment.replace(".", "%2E") if segment in (".", "..") else segment
    try:
        return operation.path.format_map(segments)
    except KeyError as missing:
        raise InvalidArgumentError(
            f"{operation.id}: the path parameter `{missing.args[0]}` is required"
        ) from None


def _query_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (datetime.datetime, datetime.date)):
        return value.isoformat()
    return str(value)


def _query(query: Query | None, extra_query: Query | None) -> dict[str, str | list[str]]:
    merged = {**(query or {}), **(extra_query or {})}
    params: dict[str, str | list[str]] = {}
    for name, value in merged.items():
        if value is None or isinstance(value, NotGiven):
            continue
        if isinstance(value, (list, tuple)):
            items = cast("list[object] | tuple[object, ...]", value)
            params[name] = [_query_value(item) for item in items]
        else:
            params[name] = _query_value(value)
    return params


def _timeout(timeout: Timeout | NotGiven, default: httpx.Timeout) -> httpx.Timeout:
    if isinstance(timeout, NotGiven):
        return default
    if isinstance(timeout, httpx.Timeout):
        return timeout
    return httpx.Timeout(timeout)


def plan_request(
    operation: Operation,
    *,
    base_url: str,
    headers: Mapping[str, str],
    timeout: httpx.Timeout,
    max_retries: int,
    path: Mapping[str, object] | None,
    query: Query | None,
    body: Body | None,
    options: CallOptions,
    new_idempotency_key: Callable[[], str],
) -> RequestPlan:
    """Resolves one call: the key is chosen here once, so every retry reuses it."""
    request_headers = dict(headers)
    if options.extra_headers:
        request_headers.update(options.extra_headers)

    idempotency_key: str | None = None
    if operation.idempotency is not None:
        given = options.idempotency_key
        if isinstance(given, NotGiven) and body is not None and operation.body_idempotency_key:
            in_body = body.get("idempotency_key")
            given = in_body if isinstance(in_body, str) else given
        if isinstance(given, NotGiven):
            given = request_headers.get(IDEMPOTENCY_KEY_HEADER) or new_idempotency_key()
        if not given or len(given) > 128:
            raise InvalidArgumentError(
                f"{operation.id}: `idempotency_key` must be 1 to 128 characters "
                "(a UUID v4, a ULID or your own id)"
            )
        idempotency_key = given
        request_headers[IDEMPOTENCY_KEY_HEADER] = idempotency_key

    content: bytes | None = None
    if body is not None or options.extra_body:
        payload = {k: v for k, v in (body or {}).items() if not isinstance(v, NotGiven)}
        if operation.body_idempotency_key and idempotency_key is not None:
            payload["idempotency_key"] = idempotency_key
        payload.update(options.extra_body or {})
        content = to_json(payload)
        request_headers["Content-Type"] = "application/json"

    max_retries_value = options.max_retries
    if isinstance(max_retries_value, NotGiven):
        max_retries_value = max_retries
    elif max_retries_value < 0:
        raise InvalidArgumentError(f"{operation.id}: `max_retries` must be 0 or more")

    return RequestPlan(
        operation=operation,
        method=operation.method,
        url=base_url + _expand_path(operation, path),
        params=_query(query, options.extra_query),
        headers=request_headers,
        content=content,
        timeout=_timeout(options.timeout, timeout),
        max_retries=max_retries_value,
        idempotency_key=idempotency_key,
    )


def build_request(plan: RequestPlan) -> httpx.Request:
    """The ``httpx.Request`` for a plan; attempts only change its retry-count header."""
    return httpx.Request(
        plan.method,
        plan.url,
        params=plan.params or None,
        headers=plan.headers,
        content=plan.content,
        extensions={"timeout": plan.timeout.as_dict()},
    )


@dataclass(slots=True)
class Attempt:
    """One HTTP attempt of a call, as the per-attempt hooks see it."""

    operation: Operation
    request: httpx.Request
    number: int
    """0 for the first attempt, n for the n-th retry (sent as ``CCX-Retry-Count``)."""
    idempotency_key: str | None
    response: httpx.Response | None = None
    error: BaseException | None = None
    rate_limit: RateLimit | None = None
    state: dict[object, object] = field(default_factory=dict[object, object])
    """Scratch space hooks use to carry their own values from ``before`` to ``after``."""

    def __post_init__(self) -> None:
        self.request.headers[RETRY_COUNT_HEADER] = str(self.number)


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
