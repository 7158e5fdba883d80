"""``CCX`` and ``AsyncCCX``: configuration, ``with_options``, and the send loops.

Everything that decides (request planning, retry policy, error mapping, rate-limit
bookkeeping) is a pure function elsewhere; the two classes differ only in how they wait and do
I/O.
"""

from __future__ import annotations

import itertools
import os
import random
import sys
import time
import warnings
from collections.abc import Awaitable, Callable, Mapping
from functools import cached_property
from types import TracebackType
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import httpx

from . import _checks
from ._budget import CallBudget
from ._compat import override
from ._constants import (
    API_KEY_ENV,
    API_VERSION,
    BASE_URL_ENV,
    DEFAULT_BASE_URL,
    DEFAULT_CALL_TIMEOUT,
    DEFAULT_CONNECTION_LIMITS,
    DEFAULT_MAX_RETRIES,
    DEFAULT_TIMEOUT,
    WEBHOOK_SECRET_ENV,
)
from ._exceptions import (
    APIError,
    BlockingCallWarning,
    ConfigurationError,
    InvalidArgumentError,
    connection_error,
    error_from_response,
)
from ._logging import LoggingHook, configure_from_env, logger
from ._operation import CallOptions, Operation
from ._pool import Loop, Pool
from ._ratelimit import (
    RateLimit,
    RateLimitHook,
    RateLimitState,
    ReportedRateLimit,
    throttle_delay,
)
from ._request import (
    Attempt,
    AttemptHook,
    RequestPlan,
    attempt_limit,
    attempt_request,
    plan_request,
    run_after,
    run_before,
    with_retry_count,
)
from ._response import APIResponse
from ._retry import async_retrying, retrying, should_retry
from ._telemetry import TelemetryHook, call_span, record_call, safe_url
from ._transports._deadline import deadline, within
from ._transports._direct import send, send_async
from ._transports._ssl import shared_ssl_context
from ._types import NOT_GIVEN, Body, NotGiven, Query, Timeout
from ._version import __version__
from ._wire import HttpxResponse, WireRequest, WireResponse, WireTransport
from .resources._root import AsyncResources, SyncResources

if TYPE_CHECKING:
    from typing_extensions import Self

    from .webhooks import AsyncWebhooks, Webhooks

__all__ = ["CCX", "AsyncCCX"]

T = TypeVar("T")
HttpClient = TypeVar("HttpClient", httpx.Client, httpx.AsyncClient)

_HOOKS: tuple[AttemptHook, ...] = (TelemetryHook(), LoggingHook())
_PACKAGE = os.path.dirname(__file__) + os.sep


_VARIANT = {digit: "89ab"[int(digit, 16) & 3] for digit in "0123456789abcdef"}
"""A random hex digit with its top two bits set to the RFC 9562 variant, ``10``."""


def _new_idempotency_key() -> str:
    """A random UUID, as ``str(uuid.uuid4())`` writes it: 122 random bits, with the version
    (4) and variant digits set.

    Written out because every mutating call makes one: ``uuid4()`` takes more than twice as
    long, and importing ``uuid`` loads ``platform``, slow to load.
    """
    digits = os.urandom(16).hex()
    return (
        f"{digits[:8]}-{digits[8:12]}-4{digits[13:16]}-"
        f"{_VARIANT[digits[16]]}{digits[17:20]}-{digits[20:]}"
    )


def _check_transport(http_client: object, transport: object) -> None:
    if http_client is not None and transport is not None:
        raise ConfigurationError(
            "Pass either http_client= or transport=, not both: give the transport to your "
            "own http client instead."
        )


def _reopenable(transport: object) -> bool:
    """Whether the SDK may reuse ``transport`` in a new process or event loop: it holds no
    sockets of its own, or it opens fresh ones there itself (``AiohttpTransport``)."""
    stateless = (httpx.MockTransport, httpx.ASGITransport, httpx.WSGITransport)
    return (
        transport is None
        or isinstance(transport, stateless)
        or getattr(transport, "reopens_per_process", False) is True
    )


def _running_loop() -> Loop:
    import asyncio  # loaded already by any program running a loop

    return asyncio.get_running_loop()


def _warn_if_blocking_an_event_loop() -> None:
    """Warns when called inside a running event loop, where a blocking call stalls every task."""
    asyncio = sys.modules.get("asyncio")  # not loaded: no loop can be running
    if asyncio is None or asyncio._get_running_loop() is None:
        return
    frame = sys._getframe(0)
    level = 1
    while frame.f_back is not None and frame.f_code.co_filename.startswith(_PACKAGE):
        frame = frame.f_back
        level += 1
    warnings.warn(
        "ccx.CCX was called inside a running event loop: each call blocks the loop, and every "
        "task on it, until the response arrives. Use ccx.AsyncCCX (await its calls) in async "
        "code, or run the sync call in a thread (asyncio.to_thread).",
        BlockingCallWarning,
        stacklevel=level,
    )


class _BaseClient(Generic[HttpClient]):
    """Configuration and the I/O-free steps shared by ``CCX`` and ``AsyncCCX``."""

    _pool: Pool[HttpClient]
    _sleep: Callable[[float], Any]
    _owns_pool: bool
    """False for copies made by ``with_options``: they share the pool but do not close it."""
    _wire_transport: WireTransport | None = None
    """The pool's transport, when it sends the SDK's requests without httpx objects."""

    def _configure(
        self,
        api_key: str | None,
        *,
        base_url: str | None,
        timeout: Timeout,
        max_retries: int,
        attempt_timeout: float | NotGiven | None,
        call_timeout: float | None,
        default_headers: Mapping[str, str] | None,
        webhook_secret: str | None,
        throttle: bool,
        on_rate_limit_warning: RateLimitHook | None,
        now: Callable[[], float] | None,
        strict_response_validation: bool,
    ) -> None:
        """Checks and takes every setting; the subclasses add the I/O."""
        configure_from_env()
        settings = ConfigurationError
        self._api_key = _checks.api_key(
            api_key if api_key is not None else os.environ.get(API_KEY_ENV, ""),
            from_environment=api_key is None,
        )
        self.base_url = _checks.base_url(
            base_url or os.environ.get(BASE_URL_ENV) or DEFAULT_BASE_URL,
            from_environment=not base_url and bool(os.environ.get(BASE_URL_ENV)),
        )
        self.timeout = _checks.timeout(timeout, settings)
        self.max_retries = _checks.max_retries(max_retries, settings)
        self._attempt_timeout = (
            attempt_timeout
            if isinstance(attempt_timeout, NotGiven)
            else _checks.seconds(attempt_timeout, "attempt_timeout", settings)
        )
        self.call_timeout = _checks.seconds(call_timeout, "call_timeout", settings)
        self.default_headers: Mapping[str, str] = dict(default_headers or {})
        _checks.header_values(self.default_headers, "default_headers", settings)
        secret = (
            webhook_secret if webhook_secret is not None else os.environ.get(WEBHOOK_SECRET_ENV)
        )
        self.webhook_secret = secret.strip() if isinstance(secret, str) else secret
        self.throttle = throttle
        self.on_rate_limit_warning = on_rate_limit_warning
        self.strict_response_validation = strict_response_validation
        """Refuse a response (or webhook) that breaks its schema, instead of reading it leniently."""
        self._injected_now = now
        self._now = now or time.time
        # The budget runs on the injected clock in tests, otherwise on one that never jumps.
        self._clock = now or time.monotonic
        self._rate_limit_state = RateLimitState()
        self._headers = with_retry_count(
            {
                "Accept": "application/json",
                "User-Agent": f"ccx-python/{__version__}",
                **self.default_headers,
                "Authorization": f"Bearer {self._api_key}",
                "CCX-Version": API_VERSION,
            }
        )

    @property
    def api_key(self) -> str:
        return self._api_key

    @property
    def attempt_timeout(self) -> float | None:
        """Wall-clock seconds one attempt may take: as set, or twice the read timeout."""
        return attempt_limit(self.timeout, self._attempt_timeout)

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
            attempt_timeout=self._attempt_timeout,
            call_timeout=self.call_timeout,
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

    def _frame_timeout(self, options: CallOptions) -> float | None:
        """How long a stream may wait for one whole frame (event or keep-alive) before it
        reconnects: the attempt's limit, since a stream's attempt never ends on its own."""
        timeout = self.timeout
        if not isinstance(options.timeout, NotGiven):
            timeout = _checks.timeout(options.timeout, InvalidArgumentError)
        return attempt_limit(timeout, self._attempt_timeout)

    def _check(self, budget: CallBudget, attempt: Attempt, response: WireResponse) -> Attempt:
        """Records the rate limit, then raises the typed error of an error response."""
        now = self._now()
        headers = response.rate_limit_headers()
        if headers:
            reported = attempt.rate_limit = ReportedRateLimit(headers, now)
            warning = self._rate_limit_state.update(reported, now)
            if warning is not None:
                logger.warning(
                    "Rate limit nearly spent: %d of %d requests left in this window, which "
                    "resets in %.0f s",
                    warning.remaining,
                    warning.limit,
                    warning.reset,
                )
                if self.on_rate_limit_warning is not None:
                    self.on_rate_limit_warning(warning)
        if response.status_code >= 300:  # the API never redirects: a 3xx is a wrong base_url
            raise budget.record(error_from_response(response.to_httpx(), now))
        return attempt

    def _connection_error(
        self, budget: CallBudget, error: httpx.TransportError, attempt: Attempt
    ) -> APIError:
        request = attempt.request.to_httpx()
        failure = connection_error(
            error,
            request=request,
            url=safe_url(request.url),
            limit=budget.limit,
            expired=budget.attempt_expired(),
        )
        attempt.error = failure
        return budget.record(failure)

    def _result(self, attempt: Attempt, parser: Callable[[WireResponse], T]) -> APIResponse[T]:
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
        attempt_timeout: float | NotGiven | None = NOT_GIVEN,
        call_timeout: float | NotGiven | None = NOT_GIVEN,
        default_headers: Mapping[str, str] | NotGiven = NOT_GIVEN,
        webhook_secret: str | NotGiven | None = NOT_GIVEN,
        throttle: bool | NotGiven = NOT_GIVEN,
        on_rate_limit_warning: RateLimitHook | NotGiven | None = NOT_GIVEN,
        strict_response_validation: bool | NotGiven = NOT_GIVEN,
    ) -> Self:
        """A copy with some settings changed, sharing this client's connection pool.

        Closing the copy leaves the pool open; closing this client closes it for both.
        """
        arguments = {
            **self._copy_arguments(),
            **self._overrides(
                api_key=api_key,
                base_url=base_url,
                timeout=timeout,
                max_retries=max_retries,
                attempt_timeout=attempt_timeout,
                call_timeout=call_timeout,
                default_headers=default_headers,
                webhook_secret=webhook_secret,
                throttle=throttle,
                on_rate_limit_warning=on_rate_limit_warning,
                strict_response_validation=strict_response_validation,
            ),
        }
        copy = type(self).__new__(type(self))
        copy._configure(**arguments)
        copy._share_io(self)
        if copy._api_key == self._api_key:
            copy._rate_limit_state = self._rate_limit_state
        return copy

    def _share_io(self, source: _BaseClient[HttpClient]) -> None:
        """Takes ``source``'s connection pool and sleep, without owning the pool."""
        self._pool = source._pool
        self._sleep = source._sleep
        self._wire_transport = source._wire_transport
        self._owns_pool = False

    def _copy_arguments(self) -> dict[str, Any]:
        return {
            "api_key": self._api_key,
            "base_url": self.base_url,
            "timeout": self.timeout,
            "max_retries": self.max_retries,
            "attempt_timeout": self._attempt_timeout,
            "call_timeout": self.call_timeout,
            "default_headers": self.default_headers,
            "webhook_secret": self.webhook_secret,
            "throttle": self.throttle,
            "on_rate_limit_warning": self.on_rate_limit_warning,
            "strict_response_validation": self.strict_response_validation,
            "now": self._injected_now,
        }

    @staticmethod
    def _overrides(**given: object) -> dict[str, Any]:
        return {name: value for name, value in given.items() if not isinstance(value, NotGiven)}

    @override
    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self.base_url!r}, max_retries={self.max_retries})"


class CCX(_BaseClient[httpx.Client], SyncResources):
    """The CCX API client. Use it as a context manager, or call ``close()``, to free sockets."""

    def __init__(
        self,
        api_key: str | None = None,
        *,
        base_url: str | None = None,
        timeout: Timeout = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        attempt_timeout: float | NotGiven | None = NOT_GIVEN,
        call_timeout: float | None = DEFAULT_CALL_TIMEOUT,
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
            timeout: Seconds for each network wait (connecting, each read, each write), or an
                ``httpx.Timeout``; default 60 s, 5 s of it to connect. It applies to every
                request, through ``http_client`` too.
            max_retries: Retries of a failed call (default 2); each reuses its idempotency key.
            attempt_timeout: Seconds for one attempt end to end, however slowly the bytes come;
                default twice the read timeout (120 s). ``None`` removes the limit.
            call_timeout: Seconds for the whole call: every attempt, the backoff and
                ``Retry-After`` waits (default 300 s); past it, ``CallTimeoutError``.
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
            now: Replaces the clocks (tests).
        """
        self._configure(
            api_key,
            base_url=base_url,
            timeout=timeout,
            max_retries=max_retries,
            attempt_timeout=attempt_timeout,
            call_timeout=call_timeout,
            default_headers=default_headers,
            webhook_secret=webhook_secret,
            throttle=throttle,
            on_rate_limit_warning=on_rate_limit_warning,
            now=now,
            strict_response_validation=strict_response_validation,
        )
        _check_transport(http_client, transport)
        self._sleep = sleep or time.sleep
        self._owns_pool = True

        def open_pool() -> httpx.Client:
            if http_client is not None:
                return http_client
            client = httpx.Client(
                transport=transport,
                verify=shared_ssl_context(),
                limits=DEFAULT_CONNECTION_LIMITS,
                timeout=self.timeout,
            )
            if transport is None:
                from ._transports._backend import install  # needs httpcore, loaded by now

                install(client)
            return client

        self._pool = Pool(
            open_pool,
            owned=http_client is None,
            reopenable=http_client is None and _reopenable(transport),
            kind="CCX",
        )

    @cached_property
    def webhooks(self) -> Webhooks:
        """Verifies and parses incoming webhook requests with ``webhook_secret``."""
        from .webhooks import Webhooks

        return Webhooks(self)

    def _request(
        self,
        operation: Operation,
        *,
        parser: Callable[[WireResponse], T],
        path: Mapping[str, object] | None = None,
        query: Query | None = None,
        body: Body | None = None,
        options: CallOptions,
        headers: Mapping[str, str] | None = None,
        stream: bool = False,
    ) -> APIResponse[T]:
        _warn_if_blocking_an_event_loop()
        plan = self._plan(
            operation, path=path, query=query, body=body, options=options, headers=headers
        )
        http = self._pool.current()
        with call_span(operation.id, plan.idempotency_key) as span:
            attempt = self._send(http, plan, stream)
            assert attempt.response is not None
            record_call(span, attempt.response, attempt.number)
        return self._result(attempt, parser)

    def _send(self, http: httpx.Client, plan: RequestPlan, stream: bool) -> Attempt:
        budget = CallBudget(plan, self._clock)
        try:
            return self._attempt(http, budget, 0, stream)
        except APIError as error:
            if plan.max_retries == 0 or not should_retry(error):
                raise budget.failure(error)  # noqa: B904 - the error itself, or the budget's
            first_error = error
        numbers = itertools.count()

        def attempt() -> Attempt:
            number = next(numbers)
            if number == 0:
                raise first_error  # replayed, so tenacity decides the first wait from it
            return self._attempt(http, budget, number, stream)

        policy = retrying(
            plan.operation.id,
            plan.max_retries,
            budget,
            now=self._now,
            sleep=self._sleep,
            random=random.random,
        )
        try:
            return policy(attempt)
        except APIError as error:
            raise budget.failure(error)  # noqa: B904 - the error itself, or the budget's

    def _attempt(
        self, http: httpx.Client, budget: CallBudget, number: int, stream: bool
    ) -> Attempt:
        delay = self._throttle_delay()
        if delay > 0:
            budget.hold(delay, f"holding for the rate limit ({delay:.3g} s)")
            self._sleep(delay)
        plan = budget.plan
        limit = budget.start_attempt()
        request = attempt_request(plan, number, limit)
        attempt = Attempt(plan.operation, request, number, plan.idempotency_key)
        run_before(_HOOKS, attempt)
        try:
            with deadline(limit):
                response = attempt.response = self._receive(http, request, stream)
        except httpx.TransportError as error:
            raise self._connection_error(budget, error, attempt) from error
        finally:
            run_after(_HOOKS, attempt)
        return self._check(budget, attempt, response)

    def _receive(self, http: httpx.Client, request: WireRequest, stream: bool) -> WireResponse:
        """The response, read whole unless streamed (an error response always is).

        A client the SDK built is sent whole-body calls without its client layer (``_direct``).
        """
        if not stream and self._pool.owned:
            return HttpxResponse(send(http, request.to_httpx()))
        response = http.send(request.to_httpx(), stream=stream)
        if stream and response.status_code >= 300:
            response.read()
        return HttpxResponse(response)

    def close(self) -> None:
        """Closes the connection pool (unless it was passed in as ``http_client``).

        Calls made after this raise ``ClientClosedError``; so do calls on copies made with
        ``with_options``, which share the pool. Closing a copy leaves the pool open.
        """
        if self._owns_pool:
            http = self._pool.close()
            if http is not None:
                http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


class AsyncCCX(_BaseClient[httpx.AsyncClient], AsyncResources):
    """The asyncio CCX API client. Use ``async with``, or ``await close()``, to free sockets."""

    def __init__(
        self,
        api_key: str | None = None,
        *,
        base_url: str | None = None,
        timeout: Timeout = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        attempt_timeout: float | NotGiven | None = NOT_GIVEN,
        call_timeout: float | None = DEFAULT_CALL_TIMEOUT,
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
        ``asyncio.sleep``. The timeouts are those of `CCX`. Reads ``CCX_API_KEY``,
        ``CCX_BASE_URL`` and ``CCX_WEBHOOK_SECRET`` when not given.
        """
        self._configure(
            api_key,
            base_url=base_url,
            timeout=timeout,
            max_retries=max_retries,
            attempt_timeout=attempt_timeout,
            call_timeout=call_timeout,
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
        self._sleep = sleep
        _check_transport(http_client, transport)
        self._owns_pool = True
        if isinstance(transport, WireTransport):
            self._wire_transport = transport

        def open_pool() -> httpx.AsyncClient:
            if http_client is not None:
                return http_client
            return httpx.AsyncClient(
                transport=transport,
                verify=shared_ssl_context(),
                limits=DEFAULT_CONNECTION_LIMITS,
                timeout=self.timeout,
            )

        self._pool = Pool(
            open_pool,
            owned=http_client is None,
            reopenable=http_client is None and _reopenable(transport),
            kind="AsyncCCX",
            aclose=httpx.AsyncClient.aclose,
        )

    @cached_property
    def webhooks(self) -> AsyncWebhooks:
        """Verifies and parses incoming webhook requests with ``webhook_secret``."""
        from .webhooks import AsyncWebhooks

        return AsyncWebhooks(self)

    async def _request(
        self,
        operation: Operation,
        *,
        parser: Callable[[WireResponse], T],
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
        http = self._pool.current(_running_loop())
        with call_span(operation.id, plan.idempotency_key) as span:
            attempt = await self._send(http, plan, stream)
            assert attempt.response is not None
            record_call(span, attempt.response, attempt.number)
        return self._result(attempt, parser)

    async def _send(self, http: httpx.AsyncClient, plan: RequestPlan, stream: bool) -> Attempt:
        budget = CallBudget(plan, self._clock)
        try:
            return await self._attempt(http, budget, 0, stream)
        except APIError as error:
            if plan.max_retries == 0 or not should_retry(error):
                raise budget.failure(error)  # noqa: B904 - the error itself, or the budget's
            first_error = error
        numbers = itertools.count()

        async def attempt() -> Attempt:
            number = next(numbers)
            if number == 0:
                raise first_error  # replayed, so tenacity decides the first wait from it
            return await self._attempt(http, budget, number, stream)

        policy = async_retrying(
            plan.operation.id,
            plan.max_retries,
            budget,
            now=self._now,
            sleep=self._sleep,
            random=random.random,
        )
        try:
            return await policy(attempt)
        except APIError as error:
            raise budget.failure(error)  # noqa: B904 - the error itself, or the budget's

    async def _attempt(
        self, http: httpx.AsyncClient, budget: CallBudget, number: int, stream: bool
    ) -> Attempt:
        delay = self._throttle_delay()
        if delay > 0:
            budget.hold(delay, f"holding for the rate limit ({delay:.3g} s)")
            await self._sleep(delay)
        plan = budget.plan
        limit = budget.start_attempt()
        request = attempt_request(plan, number, limit)
        attempt = Attempt(plan.operation, request, number, plan.idempotency_key)
        run_before(_HOOKS, attempt)
        wire = self._wire_transport
        if wire is not None and not stream:  # it holds the attempt to its limit itself
            receiving = wire.handle_wire_request(request)
        else:
            receiving = within(limit, self._receive(http, request, stream), request)
        try:
            response = attempt.response = await receiving
        except httpx.TransportError as error:
            raise self._connection_error(budget, error, attempt) from error
        finally:
            run_after(_HOOKS, attempt)
        return self._check(budget, attempt, response)

    async def _receive(
        self, http: httpx.AsyncClient, request: WireRequest, stream: bool
    ) -> WireResponse:
        """The twin of ``CCX._receive`` (a ``WireTransport`` is sent whole-body calls as they
        are, by ``_attempt``)."""
        if not stream and self._pool.owned:
            return HttpxResponse(await send_async(http, request.to_httpx()))
        response = await http.send(request.to_httpx(), stream=stream)
        if stream and response.status_code >= 300:
            await response.aread()
        return HttpxResponse(response)

    async def close(self) -> None:
        """Closes the connection pool (unless it was passed in as ``http_client``).

        Calls made after this raise ``ClientClosedError``; so do calls on copies made with
        ``with_options``, which share the pool. Closing a copy leaves the pool open.
        """
        if self._owns_pool:
            http = self._pool.close(_running_loop())
            if http is not None:
                await http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()
