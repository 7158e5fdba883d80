"""OpenTelemetry: a span per call, a child span per attempt, propagation, and no secrets."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

from ccx._client import AsyncCCX
from ccx._exceptions import NotFoundError
from ccx._telemetry import safe_url
from ccx._transports import AiohttpTransport

from ._resources import AsyncMessages, Messages
from ._server import Reply, ScriptedServer, error
from .conftest import API_KEY, FakeClock

_EXPORTER = InMemorySpanExporter()


@pytest.fixture(scope="module", autouse=True)
def _tracer_provider() -> None:
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(_EXPORTER))
    trace.set_tracer_provider(provider)


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    _EXPORTER.clear()
    yield _EXPORTER
    _EXPORTER.clear()


def by_name(finished: tuple[ReadableSpan, ...], name: str) -> list[ReadableSpan]:
    return [span for span in finished if span.name == name]


def test_one_call_span_and_one_child_per_attempt(
    server: ScriptedServer, messages: Messages, spans: InMemorySpanExporter
) -> None:
    server.script(
        "POST",
        "/v1/messages",
        Reply(503, headers={"X-Request-Id": "req_a"}),
        Reply(202, {"id": "msg_1", "status": "queued"}, headers={"X-Request-Id": "req_b"}),
    )

    messages.send(to="+15550000001")

    finished = spans.get_finished_spans()
    (call,) = by_name(finished, "ccx messages.send")
    attempts = by_name(finished, "POST /v1/messages")
    assert len(attempts) == 2
    assert call.kind is SpanKind.CLIENT
    assert call.context is not None
    for attempt in attempts:
        assert attempt.parent is not None
        assert attempt.parent.span_id == call.context.span_id

    first, second = sorted(attempts, key=lambda span: span.start_time or 0)
    seen = server.seen("POST", "/v1/messages")
    key = seen[0].headers["idempotency-key"]
    port = int(server.base_url.rsplit(":", 1)[1])
    assert first.attributes is not None
    assert dict(first.attributes) == {
        "http.request.method": "POST",
        "server.address": "127.0.0.1",
        "server.port": port,
        "url.full": f"{server.base_url}/v1/messages",
        "ccx.operation": "messages.send",
        "ccx.retry_count": 0,
        "ccx.idempotency_key": key,
        "http.response.status_code": 503,
        "ccx.request_id": "req_a",
        "error.type": "503",
    }
    assert first.status.status_code is StatusCode.ERROR
    assert second.attributes is not None
    assert second.attributes["ccx.retry_count"] == 1
    assert second.attributes["http.request.resend_count"] == 1
    assert second.attributes["http.response.status_code"] == 202
    assert "error.type" not in second.attributes
    assert call.attributes is not None
    assert call.attributes["ccx.retry_count"] == 1
    assert call.attributes["ccx.request_id"] == "req_b"
    assert call.attributes["ccx.idempotency_key"] == key


def test_traceparent_names_the_attempt_span(
    server: ScriptedServer, messages: Messages, spans: InMemorySpanExporter
) -> None:
    server.script("GET", "/v1/messages/msg_1", Reply(200, {"id": "msg_1", "status": "sent"}))

    messages.retrieve("msg_1")

    (attempt,) = by_name(spans.get_finished_spans(), "GET /v1/messages/{id}")
    assert attempt.context is not None
    traceparent = server.seen("GET", "/v1/messages/msg_1")[0].headers["traceparent"]
    _, trace_id, span_id, _ = traceparent.split("-")
    assert int(trace_id, 16) == attempt.context.trace_id
    assert int(span_id, 16) == attempt.context.span_id


def test_failed_calls_are_recorded_without_secrets(
    server: ScriptedServer, messages: Messages, spans: InMemorySpanExporter
) -> None:
    server.script("GET", "/v1/messages/msg_x", error(404, "not_found", "no such message"))

    with pytest.raises(NotFoundError):
        messages.retrieve("msg_x")

    (call,) = by_name(spans.get_finished_spans(), "ccx messages.retrieve")
    assert call.status.status_code is StatusCode.ERROR
    assert [event.name for event in call.events] == ["exception"]
    for span in spans.get_finished_spans():
        assert API_KEY not in span.to_json()


def test_no_secret_in_any_span(
    server: ScriptedServer, messages: Messages, spans: InMemorySpanExporter
) -> None:
    server.script("POST", "/v1/messages", Reply(202, {"id": "msg_1", "status": "queued"}))

    messages.send(to="+15550000001", text="hello")

    assert spans.get_finished_spans()
    for span in spans.get_finished_spans():
        assert API_KEY not in span.to_json()
        assert "hello" not in span.to_json()


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://api.ccx.co/v1/messages?limit=2", "https://api.ccx.co/v1/messages?limit=2"),
        ("https://user:pw@api.ccx.co/v1/me", "https://api.ccx.co/v1/me"),
        (
            "https://api.ccx.co/v1/x?token=abc&limit=1",
            "https://api.ccx.co/v1/x?token=%5Bredacted%5D&limit=1",
        ),
    ],
)
def test_safe_url(url: str, expected: str) -> None:
    assert safe_url(httpx.URL(url)) == expected


@pytest.mark.parametrize("transport", [None, AiohttpTransport], ids=["httpx", "aiohttp"])
async def test_async_calls_record_the_same_spans(
    server: ScriptedServer,
    clock: FakeClock,
    spans: InMemorySpanExporter,
    transport: type[AiohttpTransport] | None,
) -> None:
    server.script(
        "POST",
        "/v1/messages",
        Reply(500),
        Reply(202, {"id": "msg_1", "status": "queued"}, headers={"X-Request-Id": "req_b"}),
    )

    async with AsyncCCX(
        API_KEY,
        base_url=server.base_url,
        transport=transport and transport(),
        sleep=clock.async_sleep,
        now=clock.now,
    ) as client:
        await AsyncMessages(client).send(to="+15550000001")

    finished = spans.get_finished_spans()
    (call,) = by_name(finished, "ccx messages.send")
    attempts = sorted(by_name(finished, "POST /v1/messages"), key=lambda span: span.start_time or 0)
    assert call.context is not None
    assert [a.parent.span_id for a in attempts if a.parent] == [call.context.span_id] * 2
    seen = server.seen("POST", "/v1/messages")
    for attempt, request in zip(attempts, seen, strict=True):
        assert attempt.context is not None
        _, _, span_id, _ = request.headers["traceparent"].split("-")
        assert int(span_id, 16) == attempt.context.span_id
    assert attempts[1].attributes is not None
    assert dict(attempts[1].attributes) == {
        "http.request.method": "POST",
        "server.address": "127.0.0.1",
        "server.port": int(server.base_url.rsplit(":", 1)[1]),
        "url.full": f"{server.base_url}/v1/messages",
        "ccx.operation": "messages.send",
        "ccx.retry_count": 1,
        "http.request.resend_count": 1,
        "ccx.idempotency_key": seen[0].headers["idempotency-key"],
        "http.response.status_code": 202,
        "ccx.request_id": "req_b",
    }
    assert call.attributes is not None
    assert call.attributes["ccx.request_id"] == "req_b"
