"""One trace from your code to the webhook CCX sends back, printed by OpenTelemetry's console.

    pip install opentelemetry-sdk
    python examples/tracing_console.py

With a tracer provider installed, the SDK records a span per call and per attempt and sends
the trace context (``traceparent``) with every request; CCX stamps that trace id on every event
the request causes, so the webhook that comes back joins the same trace.
"""

from __future__ import annotations

from _support import ORDER_CONFIRMATION, READS, WEBHOOK_PATH, WebhookInbox, local_api, serve_wsgi
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import ConsoleSpanExporter, SimpleSpanProcessor

import ccx


def one_line(span: ReadableSpan) -> str:
    """A short line per span instead of the exporter's default JSON."""
    context = span.get_span_context()
    trace_id = trace.format_trace_id(context.trace_id) if context is not None else "-"
    attributes = span.attributes or {}
    shown = {
        name: value
        for name, value in attributes.items()
        if name in ("http.request.method", "http.response.status_code", "ccx.retry_count")
    }
    return f"{span.name:<36} trace {trace_id} {shown}\n"


def main() -> None:
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(ConsoleSpanExporter(formatter=one_line)))
    trace.set_tracer_provider(provider)
    tracer = trace.get_tracer("shop.checkout")

    inbox = WebhookInbox()
    with local_api(), ccx.CCX() as client, serve_wsgi(inbox) as inbox_url:
        endpoint = client.webhook_endpoints.create(
            url=inbox_url + WEBHOOK_PATH, events=["message.delivered"]
        )
        inbox.secret = endpoint.secret
        with tracer.start_as_current_span("checkout") as checkout:
            message = client.messages.send(
                to=READS, channel="whatsapp", template=ORDER_CONFIRMATION
            )
        client.test_helpers.clock.advance(seconds=2)  # sandbox: the delivery receipt, now
        event = inbox.wait_for("message.delivered", message.id)

    trace_id = trace.format_trace_id(checkout.get_span_context().trace_id)
    print(f"\nWebhook {event.event} for {message.id} carries trace id {event.trace_id}")
    if event.trace_id != trace_id:
        raise SystemExit(f"expected the checkout trace {trace_id}")
    print("It is the checkout's trace: one trace from the client call to the webhook.")
    provider.shutdown()


if __name__ == "__main__":
    main()
