"""``CCX`` and ``AsyncCCX``: configuration, ``with_options``, and the send loops.

Everything that decides (request planning, retry policy, error mapping, rate-limit
bookkeeping) is a pure function elsewhere; the two classes differ only in how they wait and do
I/O.
"""

from __future__ import annotations

import itertools
import os
import random
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping
from functools import cached_property
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar

import httpx
from typing_extensions import Self, override

from ._constants import (
    API_KEY_ENV,
    API_VERSION,
    BASE_URL_ENV,
    DEFAULT_BASE_URL,
    DEFAULT_CONNECTION_LIMITS,
    DEFAULT_MAX_RETRIES,
    DEFAULT_TIMEOUT,
    WEBHOOK_SECRET_ENV,
)
from ._exceptions import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    ConfigurationError,
    error_from_response,
)
from ._logging import LoggingHook, configure_from_env, logger
from ._operation import CallOptions, Operation
from ._ratelimit import RateLimit, RateLimitHook, RateLimitState, parse_rate_limit, throttle_delay
from ._request import (
    Attempt,
    AttemptHook,
    RequestPlan,
    build_request,
    plan_request,
    run_after,
    run_before,
)
from ._response import APIResponse
from ._retry import async_retrying, retrying, should_retry
from ._telemetry import TelemetryHook, call_span, record_call
from ._transports._ssl import shared_ssl_context
from ._types import NOT_GIVEN, Body, NotGiven, Query, Timeout
from ._version import __version__
from .resources._root import AsyncResources, SyncResources

if TYPE_CHECKING:
    from .webhooks import AsyncWebhooks, Webhooks

__all__ = ["CCX", "AsyncCCX"]

T = TypeVar("T")

_HOOKS: tuple[AttemptHook, ...] = (TelemetryHook(), LoggingHook())


def _new_idempotency_key() -> str:
    return str(uuid.uuid4())


def _check_transport(http_client: object, transport: object) -> None:
    if http_client is not None and transport is not None:
        raise ConfigurationError(
            "Pass either http_client= or transport=, not both: give the transport to your "
            "own http client instead."
        )


def _resolve_timeout(timeout: Timeout) -> httpx.Timeout:
    return timeout if isinstance(timeout, httpx.Timeout) else httpx.Timeout(timeout)


class _BaseClient:
    """Configuration and the I/O-free steps shared by ``CCX`` and ``AsyncCCX``."""

    def __init__(
        self,
        api_key: str | None,
        *,
        base_url: str | None,
        timeout: Timeout,
        max_retries: int,
        default_headers: Mapping[str, str] | None,
        webhook_secret: str | None,
        throttle: bool,
        on_rate_limit_warning: RateLimitHook | None,
        now: Callable[[], float] | None,
        strict_response_validation: bool,
    ) -> None:
        configure_from_env()
        api_key = api_key if api_key is not None else os.environ.get(API_KEY_ENV)
        if not api_key:
            raise ConfigurationError(
                f"No API key: pass api_key= to the client or set the {API_KEY_ENV} "
                "environment variable (tokens look like ccx_live_…, or ccx_test_… for the "
                "sandbox)."
            )
        base_url = base_url or os.environ.get(BASE_URL_ENV) or DEFAULT_BASE_URL
        if not base_url.startswith(("https://", "http://")):
            raise ConfigurationError(
                f"base_url must be an http(s) URL such as {DEFAULT_BASE_URL}, got {base_url!r}"
            )
        if max_retries < 0:
            raise ConfigurationError("max_retries must be 0 or more")
        self._api_key = api_key
        self.base_url = base_url.rstrip("/")
        self.timeout = _resolve_timeout(timeout)
        self.max_retries = max_retries
        self.default_headers: Mapping[str, str] = dict(default_headers or {})
        self.webhook_secret = (
            webhook_secret if webhook_secret is not None else os.environ.get(WEBHOOK_SECRET_ENV)
        )
        self.throttle = throttle
        self.on_rate_limit_warning = on_rate_limit_warning
        self.strict_response_validation = strict_response_validation
        """Refuse a response (or webhook) that breaks its schema, instead of reading it leniently."""
        self._now = now or time.time
        self._rate_limit_state = RateLimitState()
        self._io_arguments: dict[str, Any] = {}
        self._headers = {
            "Accept": "application/json",
            "User-Agent": f"ccx-python/{__version__}",
            **self.default_headers,
            "Authorization": f"Bearer {api_key}",
            "CCX-Version": API_VERSION,
        }

    @property
    def api_key(self) -> str:
        return self._api_key

    @property
    def rate_limit(self) -> RateLimit | None:
        """The rate-limit window as the last response reported it."""
        return self._rate_limit_state.current

    def _plan(
        self,
        operation: Operation,
        *,
        path: Mapping[str, object] | None,
        query: Query | None,
        body: Body | None,
        options: CallOptions,
        headers: Mapping[str, str] | None,
    ) -> RequestPlan:
        return plan_request(
            operation,
            base_url=self.base_url,
            headers={**self._headers, **headers} if headers else self._headers,
            timeout=self.timeout,
            max_retries=self.max_retries,
            path=path,
            query=query,
            body=body,
            options=options,
            new_idempotency_key=_new_idempotency_key,
        )

    def _throttle_delay(self) -> float:
        if not self.throttle:
            return 0.0
        delay = throttle_delay(self._rate_limit_state.current, self._now())
        if delay > 0:
            logger.info("Rate limit spent: holding the request %.2f s until the reset", delay)
        return delay

    def _check(self, attempt: Attempt, response: httpx.Response) -> Attempt:
        """Records the rate limit, then raises the typed error of an error response."""
        now = self._now()
        rate_limit = parse_rate_limit(response.headers, now)
        attempt.rate_limit = rate_limit
        if rate_limit is not None and self._rate_limit_state.update(rate_limit, now):
            logger.warning(
                "Rate limit nearly spent: %d of %d requests left in this window, which resets "
                "in %.0f s",
                rate_limit.remaining,
                rate_limit.limit,
                rate_limit.reset,
            )
            if self.on_rate_limit_warning is not None:
                self.on_rate_limit_warning(rate_limit)
        if response.status_code >= 400:
            raise error_from_response(response, now)
        return attempt

    def _connection_error(self, error: httpx.TransportError, attempt: Attempt) -> APIError:
        if isinstance(error, httpx.TimeoutException):
            failure: APIError = APITimeoutError(request=attempt.request)
        else:
            failure = APIConnectionError(
                f"Connection error: {type(error).__name__}", request=attempt.request
            )
        attempt.error = failure
        return failure

    def _result(self, attempt: Attempt, parser: Callable[[httpx.Response], T]) -> APIResponse[T]:
        assert attempt.response is not None
        return APIResponse(
            attempt.response,
            parser=parser,
            rate_limit=attempt.rate_limit,
            retries_taken=attempt.number,
        )

    def with_options(
        self,
        *,
        api_key: str | NotGiven = NOT_GIVEN,
        base_url: str | NotGiven = NOT_GIVEN,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
        default_headers: Mapping[str, str] | NotGiven = NOT_GIVEN,
        webhook_secret: str | NotGiven | None = NOT_GIVEN,
        throttle: bool | NotGiven = NOT_GIVEN,
        on_rate_limit_warning: RateLimitHook | NotGiven | None = NOT_GIVEN,
        strict_response_validation: bool | NotGiven = NOT_GIVEN,
    ) -> Self:
        """A copy with some settings changed, sharing this client's connection pool."""
        arguments = {
            **self._copy_arguments(),
            **self._overrides(
                api_key=api_key,
                base_url=base_url,
                timeout=timeout,
                max_retries=max_retries,
                default_headers=default_headers,
                webhook_secret=webhook_secret,
                throttle=throttle,
                on_rate_limit_warning=on_rate_limit_warning,
                strict_response_validation=strict_response_validation,
            ),
        }
        factory: Callable[..., Self] = type(self)
        copy = factory(**arguments, **self._io_arguments)
        if copy._api_key == self._api_key:
            copy._rate_limit_state = self._rate_limit_state
        return copy

    def _copy_arguments(self) -> dict[str, Any]:
        return {
            "api_key": self._api_key,
            "base_url": self.base_url,
            "timeout": self.timeout,
            "max_retries": self.max_retries,
            "default_headers": self.default_headers,
            "webhook_secret": self.webhook_secret,
            "throttle": self.throttle,
            "on_rate_limit_warning": self.on_rate_limit_warning,
            "strict_response_validation": self.strict_response_validation,
            "now": self._now,
        }

    @staticmethod
    def _overrides(**given: object) -> dict[str, object]:
        return {name: value for name, value in given.items() if not isinstance(value, NotGiven)}

    @override
    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self.base_url!r}, max_retries={self.max_retries})"


class CCX(_BaseClient, SyncResources):
    """The CCX API client. Use it as a context manager, or call ``close()``, to free sockets."""

    def __init__(
        self,
        api_key: str | None = None,
        *,
        base_url: str | None = None,
        timeout: Timeout = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        default_headers: Mapping[str, str] | None = None,
        http_client: httpx.Client | None = None,
        transport: httpx.BaseTransport | None = None,
        webhook_secret: str | None = None,
        throttle: bool = False,
        on_rate_limit_warning: RateLimitHook | None = None,
        strict_response_validation: bool = False,
        sleep: Callable[[float], None] | None = None,
        now: Callable[[], float] | None = None,
    ) -> None:
        """Reads ``CCX_API_KEY``, ``CCX_BASE_URL`` and ``CCX_WEBHOOK_SECRET`` when not given.

        Args:
            api_key: The token (``ccx_live_…``, ``ccx_test_…``); default ``$CCX_API_KEY``.
            base_url: The API's address, without ``/v1``; default ``$CCX_BASE_URL``, else
                ``https://api.ccx.co``.
            timeout: Seconds per attempt, or an ``httpx.Timeout``; default 60 s, 5 s of it to
                connect. It applies to every request, through ``http_client`` too.
            max_retries: Retries of a failed call (default 2); each reuses its idempotency key.
            default_headers: Headers sent with every request. They cannot replace
                ``Authorization`` or ``CCX-Version``, which the SDK sets.
            http_client: Your own ``httpx.Client``, used as given (a proxy, TLS settings,
                event hooks, mounts); ``close()`` leaves it open. Not with ``transport``.
            transport: An httpx transport for the client the SDK makes (``httpx.MockTransport``
                in tests, say). Without one, that client honours the proxy variables
                (``HTTPS_PROXY``, ``HTTP_PROXY``, ``ALL_PROXY``, ``NO_PROXY``); with one, not.
            webhook_secret: The endpoint secret ``client.webhooks`` verifies with; default
                ``$CCX_WEBHOOK_SECRET``.
            throttle: Wait for the rate-limit window to reset instead of sending a request the
                API would refuse with 429.
            on_rate_limit_warning: Called when a window is nearly spent.
            strict_response_validation: Refuse a response that breaks the spec, instead of
                reading it leniently (for contract tests; see Errors in the docs).
            sleep: Replaces ``time.sleep`` for retry waits (tests).
            now: Replaces ``time.time`` (tests).
        """
        super().__init__(
            api_key,
            base_url=base_url,
            timeout=timeout,
            max_retries=max_retries,
            default_headers=default_headers,
            webhook_secret=webhook_secret,
            throttle=throttle,
            on_rate_limit_warning=on_rate_limit_warning,
            now=now,
            strict_response_validation=strict_response_validation,
        )
        _check_transport(http_client, transport)
        self._sleep = sleep or time.sleep
        self._owns_http_client = http_client is None
        self._http = http_client or httpx.Client(
            transport=transport,
            verify=shared_ssl_context(),
            limits=DEFAULT_CONNECTION_LIMITS,
            timeout=self.timeout,
        )
        self._io_arguments = {"http_client": self._http, "sleep": self._sleep}

    @cached_property
    def webhooks(self) -> Webhooks:
        """Verifies and parses incoming webhook requests with ``webhook_secret``."""
        from .webhooks import Webhooks

        return Webhooks(self)

    def _request(
        self,
        operation: Operation,
        *,
        parser: Callable[[httpx.Response], T],
        path: Mapping[str, object] | None = None,
        query: Query | None = None,
        body: Body | None = None,
        options: CallOptions,
        headers: Mapping[str, str] | None = None,
        stream: bool = False,
    ) -> APIResponse[T]:
        plan = self._plan(
            operation, path=path, query=query, body=body, options=options, headers=headers
        )
        with call_span(operation.id, plan.idempotency_key) as span:
            attempt = self._send(plan, stream)
            assert attempt.response is not None
            record_call(span, attempt.response, attempt.number)
        return self._result(attempt, parser)

    def _send(self, plan: RequestPlan, stream: bool) -> Attempt:
        request = build_request(plan)
        try:
            return self._attempt(plan, request, 0, stream)
        except APIError as error:
            if plan.max_retries == 0 or not should_retry(error):
                raise
            first_error = error
        numbers = itertools.count()

        def attempt() -> Attempt:
            number = next(numbers)
            if number == 0:
                raise first_error  # replayed, so tenacity decides the first wait from it
            return self._attempt(plan, request, number, stream)

        policy = retrying(
            plan.operation.id,
            plan.max_retries,
            now=self._now,
            sleep=self._sleep,
            random=random.random,
        )
        return policy(attempt)

    def _attempt(
        self, plan: RequestPlan, request: httpx.Request, number: int, stream: bool
    ) -> Attempt:
        delay = self._throttle_delay()
        if delay > 0:
            self._sleep(delay)
        attempt = Attempt(plan.operation, request, number, plan.idempotency_key)
        run_before(_HOOKS, attempt)
        try:
            response = attempt.response = self._http.send(request, stream=stream)
            if stream and response.status_code >= 400:
                response.read()
        except httpx.TransportError as error:
            raise self._connection_error(error, attempt) from error
        finally:
            run_after(_HOOKS, attempt)
        return self._check(attempt, response)

    def close(self) -> None:
        """Closes the connection pool (unless it was passed in as ``http_client``)."""
        if self._owns_http_client:
            self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


class AsyncCCX(_BaseClient, AsyncResources):
    """The asyncio CCX API client. Use ``async with``, or ``await close()``, to free sockets."""

    def __init__(
        self,
        api_key: str | None = None,
        *,
        base_url: str | None = None,
        timeout: Timeout = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        default_headers: Mapping[str, str] | None = None,
        http_client: httpx.AsyncClient | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        webhook_secret: str | None = None,
        throttle: bool = False,
        on_rate_limit_warning: RateLimitHook | None = None,
        strict_response_validation: bool = False,
        sleep: Callable[[float], Awaitable[None]] | None = None,
        now: Callable[[], float] | None = None,
    ) -> None:
        """Takes what `CCX` takes, in async form.

        ``http_client`` is an ``httpx.AsyncClient``; ``transport`` an
        ``httpx.AsyncBaseTransport``, such as ``ccx.AiohttpTransport()`` for high concurrency
        (the proxy variables apply only without one, as for `CCX`); ``sleep`` replaces
        ``asyncio.sleep``. Reads ``CCX_API_KEY``, ``CCX_BASE_URL`` and ``CCX_WEBHOOK_SECRET``
        when not given.
        """
        super().__init__(
            api_key,
            base_url=base_url,
            timeout=timeout,
            max_retries=max_retries,
            default_headers=default_headers,
            webhook_secret=webhook_secret,
            throttle=throttle,
            on_rate_limit_warning=on_rate_limit_warning,
            now=now,
            strict_response_validation=strict_response_validation,
        )
        if sleep is None:
            from asyncio import sleep as asyncio_sleep  # deferred: sync programs skip asyncio

            sleep = asyncio_sleep
        self._sleep: Callable[[float], Awaitable[None]] = sleep
        _check_transport(http_client, transport)
        self._owns_http_client = http_client is None
        self._http = http_client or httpx.AsyncClient(
            transport=transport,
            verify=shared_ssl_context(),
            limits=DEFAULT_CONNECTION_LIMITS,
            timeout=self.timeout,
        )
        self._io_arguments = {"http_client": self._http, "sleep": self._sleep}

    @cached_property
    def webhooks(self) -> AsyncWebhooks:
        """Verifies and parses incoming webhook requests with ``webhook_secret``."""
        from .webhooks import AsyncWebhooks

        return AsyncWebhooks(self)

    async def _request(
        self,
        operation: Operation,
        *,
        parser: Callable[[httpx.Response], T],
        path: Mapping[str, object] | None = None,
        query: Query | None = None,
        body: Body | None = None,
        options: CallOptions,
        headers: Mapping[str, str] | None = None,
        stream: bool = False,
    ) -> APIResponse[T]:
        plan = self._plan(
            operation, path=path, query=query, body=body, options=options, headers=headers
        )
        with call_span(operation.id, plan.idempotency_key) as span:
            attempt = await self._send(plan, stream)
            assert attempt.response is not None
            record_call(span, attempt.response, attempt.number)
        return self._result(attempt, parser)

    async def _send(self, plan: RequestPlan, stream: bool) -> Attempt:
        request = build_request(plan)
        try:
            return await self._attempt(plan, request, 0, stream)
        except APIError as error:
            if plan.max_retries == 0 or not should_retry(error):
                raise
            first_error = error
        numbers = itertools.count()

        async def attempt() -> Attempt:
            number = next(numbers)
            if number == 0:
                raise first_error  # replayed, so tenacity decides the first wait from it
            return await self._attempt(plan, request, number, stream)

        policy = async_retrying(
            plan.operation.id,
            plan.max_retries,
            now=self._now,
            sleep=self._sleep,
            random=random.random,
        )
        return await policy(attempt)

    async def _attempt(
        self, plan: RequestPlan, request: httpx.Request, number: int, stream: bool
    ) -> Attempt:
        delay = self._throttle_delay()
        if delay > 0:
            await self._sleep(delay)
        attempt = Attempt(plan.operation, request, number, plan.idempotency_key)
        run_before(_HOOKS, attempt)
        try:
            response = attempt.response = await self._http.send(request, stream=stream)
            if stream and response.status_code >= 400:
                await response.aread()
        except httpx.TransportError as error:
            raise self._connection_error(error, attempt) from error
        finally:
            run_after(_HOOKS, attempt)
        return self._check(attempt, response)

    async def close(self) -> None:
        """Closes the connection pool (unless it was passed in as ``http_client``)."""
        if self._owns_http_client:
            await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()
