"""OpenTelemetry spans (one per call, one per attempt) and W3C trace-context propagation.

Only the OpenTelemetry API is used. Until an application installs a tracer provider, the
global one is a no-op proxy: we check for that cheaply and skip all span work.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Generator
from typing import TYPE_CHECKING

import httpx

from ._constants import REDACTED
from ._request import Attempt
from ._version import __version__
from ._wire import WireResponse

if TYPE_CHECKING:
    from opentelemetry.trace import Span, Tracer

__all__ = ["TelemetryHook", "call_span", "safe_url", "tracer"]

_SECRET_QUERY_NAMES = frozenset({"token", "api_key", "key", "secret", "signature", "sig"})
_tracer: Tracer | None = None


def tracer() -> Tracer | None:
    """The SDK's tracer, or ``None`` while no real tracer provider is installed."""
    global _tracer  # noqa: PLW0603 - cached once a real provider exists
    if _tracer is not None:
        return _tracer
    # An application that installed a provider has imported this module; if it is not
    # loaded, there is nothing to record and no reason to pay for importing it.
    trace = sys.modules.get("opentelemetry.trace")
    if trace is None:
        return None
    from opentelemetry.trace import NoOpTracerProvider, ProxyTracerProvider, get_tracer_provider

    provider = get_tracer_provider()
    if isinstance(provider, (ProxyTracerProvider, NoOpTracerProvider)):
        return None
    _tracer = provider.get_tracer("ccx", __version__)
    return _tracer


def safe_url(url: httpx.URL) -> str:
    """``url`` without credentials: no userinfo, secret-looking query values redacted."""
    params = [
        (name, REDACTED if name.lower() in _SECRET_QUERY_NAMES else value)
        for name, value in url.params.multi_items()
    ]
    return str(url.copy_with(username=None, password=None, params=params or None))


_NO_SPAN: contextlib.nullcontext[None] = contextlib.nullcontext()


def call_span(
    operation_id: str, idempotency_key: str | None
) -> contextlib.AbstractContextManager[Span | None]:
    """The parent span of one SDK call, current while its attempts run (nothing to enter,
    without a tracer)."""
    active = tracer()
    if active is None:
        return _NO_SPAN
    return _call_span(active, operation_id, idempotency_key)


@contextlib.contextmanager
def _call_span(
    active: Tracer, operation_id: str, idempotency_key: str | None
) -> Generator[Span, None, None]:
    from opentelemetry.trace import SpanKind

    attributes: dict[str, str] = {"ccx.operation": operation_id}
    if idempotency_key is not None:
        attributes["ccx.idempotency_key"] = idempotency_key
    with active.start_as_current_span(
        f"ccx {operation_id}", kind=SpanKind.CLIENT, attributes=attributes
    ) as span:
        yield span


def record_call(span: Span | None, response: WireResponse, retries_taken: int) -> None:
    """Adds the outcome of a finished call to its span."""
    if span is None:
        return
    span.set_attribute("ccx.retry_count", retries_taken)
    span.set_attribute("http.response.status_code", response.status_code)
    request_id = response.header("x-request-id")
    if request_id is not None:
        span.set_attribute("ccx.request_id", request_id)


class TelemetryHook:
    """Opens a child span per HTTP attempt and injects its ``traceparent``."""

    def before(self, attempt: Attempt) -> None:
        active = tracer()
        if active is None:
            return
        from opentelemetry.propagate import inject
        from opentelemetry.trace import SpanKind, set_span_in_context

        request = attempt.request
        url = request.parsed_url
        attributes: dict[str, str | int] = {
            "http.request.method": request.method,
            "server.address": url.host,
            "server.port": url.port or (443 if url.scheme == "https" else 80),
            "url.full": safe_url(url),
            "ccx.operation": attempt.operation.id,
            "ccx.retry_count": attempt.number,
        }
        if attempt.number:
            attributes["http.request.resend_count"] = attempt.number
        if attempt.idempotency_key is not None:
            attributes["ccx.idempotency_key"] = attempt.idempotency_key
        span = active.start_span(
            f"{request.method} {attempt.operation.path}",
            kind=SpanKind.CLIENT,
            attributes=attributes,
        )
        attempt.state[self] = span
        inject(request.headers, context=set_span_in_context(span))

    def after(self, attempt: Attempt) -> None:
        span = attempt.state.pop(self, None)
        if span is None:
            return
        from opentelemetry.trace import Span, StatusCode

        assert isinstance(span, Span)
        response = attempt.response
        if response is not None:
            span.set_attribute("http.response.status_code", response.status_code)
            request_id = response.header("x-request-id")
            if request_id is not None:
                span.set_attribute("ccx.request_id", request_id)
            if response.status_code >= 400:
                span.set_attribute("error.type", str(response.status_code))
                span.set_status(StatusCode.ERROR)
        elif attempt.error is not None:
            span.set_attribute("error.type", type(attempt.error).__qualname__)
            span.set_status(StatusCode.ERROR)
        span.end()
