"""Integration flows that handle every kind of secret, with debug logs and tracing on.

Run in a fresh process (``CCX_LOG`` is read once per process and a tracer provider can be set
only once), it prints one JSON object: the secrets it saw, and everything a secret could leak
into, by surface: log output, span names and attributes, reprs and exception texts (every
exception of each chain, its arguments and its formatted traceback). ``test_secrets.py`` runs
it and checks that no secret appears anywhere.
"""

from __future__ import annotations

import io
import json
import logging
import socket
import sys
import time
import traceback
from collections.abc import Callable, Iterator
from typing import Any

from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

import ccx
from ccx import webhooks
from ccx.mock import FrozenClock, MockServer
from ccx.mock._faults import FAULT_HEADER


class Surfaces:
    """Where secrets must not show up, and the secrets to look for."""

    def __init__(self) -> None:
        self.secrets: list[str] = []
        self.reprs: list[str] = []
        self.errors: list[str] = []

    def keep(self, *secrets: str) -> None:
        self.secrets.extend(secrets)

    def show(self, *values: object) -> None:
        self.reprs.extend(text for value in values for text in (repr(value), str(value)))

    def fail(self, call: Callable[[], object]) -> None:
        """Run ``call``, which must raise a ``ccx`` error, and keep everything it and each
        exception of its chain (causes and contexts) say, as an application logging it would."""
        try:
            call()
        except (ccx.CCXError, webhooks.WebhookVerificationError) as error:
            self.errors.append("".join(traceback.format_exception(error)))
            for link in _chain(error):
                self.errors.extend([type(link).__name__, str(link), repr(link), repr(link.args)])
                for part in ("message", "request", "response", "last_error"):
                    self.errors.append(repr(getattr(link, part, None)))
        else:
            raise AssertionError(f"{call} did not raise")


def _chain(error: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    pending: list[BaseException] = [error]
    while pending:
        link = pending.pop()
        if id(link) in seen:
            continue
        seen.add(id(link))
        yield link
        pending.extend(e for e in (link.__cause__, link.__context__) if e is not None)


def _refused_url() -> str:
    with socket.socket() as probe:  # free a moment ago: nothing listens there
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}"


def flows(server: MockServer, surfaces: Surfaces) -> None:
    surfaces.keep(server.token, server.second_token)
    with server.client() as client:
        surfaces.show(client, client.webhooks)
        token = client.tokens.create(scopes=["messages:read"], environment="test", name="ci")
        rotated = client.tokens.rotate(token.id)
        surfaces.keep(token.secret, rotated.secret)
        surfaces.show(token, rotated, client.tokens.retrieve(token.id))

        reader = client.with_options(api_key=rotated.secret)
        surfaces.show(reader)
        surfaces.show(reader.me.retrieve())
        surfaces.fail(lambda: reader.messages.send(to="+15550000001", channel="sms", text="x"))
        surfaces.fail(lambda: reader.messages.retrieve("msg_missing"))
        client.tokens.revoke(token.id)
        surfaces.fail(reader.me.retrieve)
        stranger = client.with_options(api_key="ccx_test_unknown0123456789abcdefghijk")
        surfaces.keep(stranger.api_key)
        surfaces.fail(stranger.me.retrieve)

        surfaces.fail(
            lambda: client.me.retrieve(
                extra_headers={FAULT_HEADER: "status=503,retry_after=0"}, max_retries=1
            )
        )
        surfaces.fail(
            lambda: client.me.retrieve(extra_headers={FAULT_HEADER: "drop=before"}, max_retries=0)
        )
        _misuse_and_slow_servers(server, client, surfaces)

        endpoint = client.webhook_endpoints.create(url="http://127.0.0.1:9/hooks", events=["*"])
        rotated_endpoint = client.webhook_endpoints.rotate_secret(endpoint.id)
        surfaces.keep(endpoint.secret, rotated_endpoint.secret)
        surfaces.show(endpoint, rotated_endpoint, client.webhook_endpoints.retrieve(endpoint.id))
        _webhook_failures(client, surfaces, endpoint.secret, rotated_endpoint.secret)


def _misuse_and_slow_servers(server: MockServer, client: ccx.CCX, surfaces: Surfaces) -> None:
    """Tokens with stray characters, unsendable headers, timeouts, budgets, closed clients."""
    with ccx.CCX(server.token + "\r\n", base_url=server.url) as padded:
        surfaces.show(padded)
        surfaces.show(padded.me.retrieve())
    broken = server.token[:12] + "\n" + server.token[12:]
    surfaces.fail(lambda: ccx.CCX(broken, base_url=server.url))
    surfaces.fail(
        lambda: client.me.retrieve(extra_headers={"X-Api-Key": server.second_token + "\n"})
    )
    surfaces.fail(lambda: ccx.CCX(server.token, base_url=f"{server.url}/v1"))
    slow = {FAULT_HEADER: "latency=2s"}
    surfaces.fail(lambda: client.me.retrieve(extra_headers=slow, timeout=0.2, max_retries=0))
    surfaces.fail(lambda: client.me.retrieve(extra_headers=slow, call_timeout=0.3))
    surfaces.fail(
        lambda: client.messages.send(
            to="+15550000001",
            channel="sms",
            text="hi",
            extra_headers={FAULT_HEADER: "drop=after"},
            max_retries=0,
        )
    )
    with ccx.CCX(server.token, base_url=_refused_url(), max_retries=0) as unreachable:
        surfaces.fail(unreachable.me.retrieve)
    closed = ccx.CCX(server.token, base_url=server.url)
    closed.close()
    surfaces.fail(closed.me.retrieve)


def _webhook_failures(client: ccx.CCX, surfaces: Surfaces, old: str, new: str) -> None:
    body = json.dumps({"id": "evt_1", "event": "message.sent", "data": {}}).encode()
    now = int(time.time())
    signed = {"CCX-Signature": webhooks.sign(body, old, timestamp=now)}
    surfaces.fail(lambda: webhooks.verify(body, signed, new))
    surfaces.fail(lambda: webhooks.verify(body + b" ", signed, old))
    surfaces.fail(lambda: webhooks.verify(body, {"CCX-Signature": "t=1,v1=zz"}, (old, new)))
    surfaces.fail(lambda: webhooks.verify(body, signed, old, now=now + 3600))
    surfaces.fail(
        lambda: webhooks.verify(
            b"not json", {"CCX-Signature": webhooks.sign(b"not json", old)}, old
        )
    )
    verifying = client.with_options(webhook_secret=new)
    surfaces.show(verifying, verifying.webhooks)
    surfaces.fail(lambda: verifying.webhooks.unwrap(body, signed))


def main() -> None:
    provider = TracerProvider()
    exporter = InMemorySpanExporter()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
    captured = io.StringIO()
    handler = logging.StreamHandler(captured)
    handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
    logging.getLogger().addHandler(handler)
    logging.getLogger().setLevel(logging.DEBUG)

    surfaces = Surfaces()
    with MockServer(clock=FrozenClock("2026-11-20T00:00:00Z")) as server:
        flows(server, surfaces)
    spans: list[dict[str, Any]] = [
        {
            "name": span.name,
            "attributes": dict(span.attributes or {}),
            "events": [(event.name, dict(event.attributes or {})) for event in span.events],
            "status": span.status.description,
        }
        for span in exporter.get_finished_spans()
    ]
    report = {
        "secrets": surfaces.secrets,
        "surfaces": {
            "logs": captured.getvalue(),
            "spans": json.dumps(spans, default=str),
            "reprs": "\n".join(surfaces.reprs),
            "errors": "\n".join(surfaces.errors),
        },
    }
    json.dump(report, sys.stdout)


if __name__ == "__main__":
    main()
