"""Every operation of the spec, called through ``ccx.CCX``: straight to the mock, and through
Prism (``prism proxy --errors``), which checks each request and response against the spec.

The last test proves the coverage (the operations called are the spec's, all of them) and, for
the Prism run, that Prism's log holds no violation.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

import ccx
from ccx.mock import FrozenClock, MockServer

ROOT = Path(__file__).parents[2]
SPEC: dict[str, Any] = yaml.safe_load((ROOT / "openapi" / "openapi.yaml").read_text())
PRISM = ROOT / "node_modules" / ".bin" / "prism"
START = datetime(2026, 11, 21, 8, tzinfo=timezone.utc)
TOMORROW = START + timedelta(days=1)
_VIOLATION = re.compile(r"✖|⚠|violation", re.IGNORECASE)


def _spec_operations() -> dict[tuple[str, re.Pattern[str]], str]:
    operations: dict[tuple[str, re.Pattern[str]], str] = {}
    for path, item in SPEC["paths"].items():
        pattern = re.compile(re.sub(r"\\\{\w+\\\}", "[^/]+", re.escape(path)) + "$")
        for method, operation in item.items():
            if method in ("get", "post", "put", "patch", "delete"):
                operations[(method.upper(), pattern)] = operation["operationId"]
    return operations


OPERATIONS = _spec_operations()


class Gateway:
    """Where the client's requests go, and which operations they were."""

    def __init__(self, url: str, prism_log: list[str] | None) -> None:
        self.url = url
        self.prism_log = prism_log
        self.called: set[str] = set()

    def record(self, request: httpx.Request) -> None:
        # A concrete path (/v1/events/replay) before a template that also fits (/v1/events/{id}).
        fitting = [
            (pattern.pattern.count("[^/]+"), operation_id)
            for (method, pattern), operation_id in OPERATIONS.items()
            if method == request.method and pattern.match(request.url.path)
        ]
        assert fitting, f"{request.method} {request.url.path} is no operation of the spec"
        self.called.add(min(fitting)[1])


@pytest.fixture(scope="module")
def server() -> Iterator[MockServer]:
    with MockServer(clock=FrozenClock(start=START.timestamp())) as running:
        yield running


def _prism(upstream: str) -> Iterator[tuple[str, list[str]]]:
    if not PRISM.exists() or shutil.which("node") is None:
        pytest.skip("Prism is not installed: run `npm ci` (make test does)")
    process = subprocess.Popen(
        [
            str(PRISM),
            "proxy",
            "--errors",
            "-p",
            "0",
            str(ROOT / "openapi" / "openapi.yaml"),
            upstream,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    log: list[str] = []
    listening = re.compile(r"Prism is listening on (http://\S+)")
    url = None
    for line in process.stdout:
        log.append(line)
        found = listening.search(line)
        if found is not None:
            url = found.group(1)
            break
    assert url is not None, "".join(log)
    drain = threading.Thread(target=lambda: log.extend(process.stdout or ()), daemon=True)
    drain.start()
    try:
        yield url, log
    finally:
        process.terminate()
        process.wait(timeout=30)
        drain.join(timeout=30)


@pytest.fixture(scope="module", params=["mock", "prism"])
def gateway(request: pytest.FixtureRequest, server: MockServer) -> Iterator[Gateway]:
    if request.param == "mock":
        yield Gateway(server.url, None)
        return
    for url, log in _prism(server.url):
        yield Gateway(url, log)


@pytest.fixture(scope="module")
def client(gateway: Gateway, server: MockServer) -> Iterator[ccx.CCX]:
    http = httpx.Client(event_hooks={"request": [gateway.record]}, timeout=30)
    with ccx.CCX(api_key=server.token, base_url=gateway.url, http_client=http) as sdk:
        yield sdk
    http.close()


def test_identity_and_tokens(client: ccx.CCX) -> None:
    assert client.me.retrieve().workspace.id == "wks_demo"
    token = client.tokens.create(scopes=["messages:read"], environment="test", name="contract")
    assert token.secret.startswith("ccx_test_")
    assert client.tokens.retrieve(token.id).name == "contract"
    assert token.id in {listed.id for listed in client.tokens.list(limit=100)}
    assert client.tokens.rotate(token.id).secret != token.secret
    assert client.tokens.revoke(token.id).revoked_at is not None


def test_templates(client: ccx.CCX) -> None:
    suffix = _unique()
    created = client.templates.create(
        name=f"contract_code_{suffix}", language="en", category="authentication", body="{{1}}"
    )
    assert created.status == "pending"
    assert client.test_helpers.templates.approve(created.name).status == "approved"
    doomed = client.templates.create(
        name=f"contract_promo_{suffix}", language="en", category="marketing", body="Sale!"
    )
    rejected = client.test_helpers.templates.reject(doomed.name, reason="Too pushy")
    assert rejected.status == "rejected"
    assert client.templates.retrieve(created.name).status == "approved"
    assert client.test_helpers.templates.pause(created.name).status == "paused"
    assert client.test_helpers.templates.approve(created.name).status == "approved"
    carrier = client.test_helpers.templates.set_carrier_status(created.name, status="paused")
    assert carrier.status == "approved"  # CCX is not told until it syncs
    synced = client.templates.sync()
    assert [template.name for template in synced.changed] == [created.name]
    assert client.templates.retrieve(created.name).status == "paused"
    assert created.name in {template.name for template in client.templates.list(limit=100)}
    client.templates.delete(doomed.name)
    assert doomed.name not in {template.name for template in client.templates.list(limit=100)}


def test_messages_conversations_otp_and_ai(client: ccx.CCX) -> None:
    contact = f"+1555{_unique():0>7}"[:12]
    inbound = client.test_helpers.messages.simulate_inbound(
        from_=contact, channel="whatsapp", text="Is my order on its way?"
    )
    assert inbound.conversation_id is not None
    shared = client.test_helpers.messages.simulate_inbound(
        from_=contact, channel="whatsapp", location={"latitude": -23.56, "longitude": -46.65}
    )
    assert shared.type == "location"
    reply = client.messages.send(to=contact, channel="whatsapp", text="Yes, it ships today.")
    assert reply.status == "queued"
    delivered = client.test_helpers.messages.set_status(reply.id, status="delivered")
    assert delivered.status == "delivered"
    assert client.messages.retrieve(reply.id).status == "delivered"
    later = client.messages.send(to=contact, channel="sms", text="Rate us", schedule_at=TOMORROW)
    assert client.messages.cancel(later.id).status == "canceled"
    assert reply.id in {message.id for message in client.messages.list(limit=100)}
    assert client.conversations.retrieve(inbound.conversation_id).contact == contact
    assert inbound.conversation_id in {c.id for c in client.conversations.list(limit=100)}
    thread = client.conversations.list_messages(inbound.conversation_id)
    assert {inbound.id, reply.id} <= {message.id for message in thread}
    otp = client.otp.send(to=contact, code="402913", template_name="signup_otp")
    assert otp.priority == "critical"
    answer = client.ai.reply(
        message="When do you open?", context="We open at 9am, Monday to Friday."
    )
    assert "9am" in answer.reply


def test_segments_and_broadcasts(client: ccx.CCX) -> None:
    segment = client.segments.create(name="Contract", recipients=["+15557100001", "+15557100002"])
    assert client.segments.retrieve(segment.id).recipient_count == 2
    assert segment.id in {listed.id for listed in client.segments.list(limit=100)}
    variables = {"1": "Ana", "2": "#7", "3": "R$ 10"}
    arguments: dict[str, Any] = {
        "template": "order_confirmation",
        "language": "pt_BR",
        "segment_id": segment.id,
        "variables": variables,
    }
    scheduled = client.broadcasts.create(name="Later", schedule_at=TOMORROW, **arguments)
    assert client.broadcasts.cancel(scheduled.id).status == "canceled"
    running = client.broadcasts.create(name="Now", **arguments)
    assert client.broadcasts.pause(running.id).status == "paused"
    assert client.broadcasts.resume(running.id).status in ("running", "completed")
    client.test_helpers.clock.advance(seconds=600)
    assert client.broadcasts.retrieve(running.id).status == "completed"
    events = list(client.broadcasts.events(running.id))
    assert events[-1].event == "broadcast.completed"
    assert running.id in {listed.id for listed in client.broadcasts.list(limit=100)}


def test_webhook_endpoints_and_events(client: ccx.CCX) -> None:
    endpoint = client.webhook_endpoints.create(url="http://127.0.0.1:9/hooks", events=["*"])
    assert endpoint.secret.startswith("whsec_")
    assert client.webhook_endpoints.retrieve(endpoint.id).url == endpoint.url
    assert endpoint.id in {listed.id for listed in client.webhook_endpoints.list(limit=100)}
    updated = client.webhook_endpoints.update(endpoint.id, description="Contract receiver")
    assert updated.description == "Contract receiver"
    assert client.webhook_endpoints.rotate_secret(endpoint.id).secret != endpoint.secret
    assert client.webhook_endpoints.test(endpoint.id, event="message.delivered").event == (
        "message.delivered"
    )
    client.test_helpers.messages.simulate_inbound(from_="+15557200001", channel="sms", text="Hello")
    logged = next(iter(client.events.list(limit=10)))
    assert logged.id is not None
    assert client.events.retrieve(logged.id).id == logged.id
    now = client.test_helpers.clock.retrieve().now
    replay = client.events.replay(
        endpoint_id=endpoint.id, from_=START, to=now + timedelta(seconds=1)
    )
    assert replay.event_count >= 1
    redelivery = client.events.redeliver(logged.id, endpoint_id=endpoint.id)
    assert (redelivery.event_id, redelivery.endpoint_id) == (logged.id, endpoint.id)
    client.webhook_endpoints.delete(endpoint.id)
    with pytest.raises(ccx.NotFoundError):
        client.webhook_endpoints.retrieve(endpoint.id)


def test_analytics_audit_log_exports_and_clock(client: ccx.CCX) -> None:
    report = client.analytics.messages(from_=START, to=START + timedelta(days=30), group_by="week")
    assert report.buckets
    assert next(iter(client.audit_logs.list(limit=5))).path.startswith("/v1/")
    export = client.exports.create(resource="messages", format="jsonl")
    assert export.status == "pending"
    before = client.test_helpers.clock.retrieve().now
    assert client.test_helpers.clock.advance(seconds=2).now >= before + timedelta(seconds=2)
    assert client.exports.retrieve(export.id).status == "ready"
    assert client.exports.download(export.id).startswith(b"{")
    assert export.id in {listed.id for listed in client.exports.list(limit=100)}


async def test_aiohttp_transport_requests_and_responses_keep_the_contract(
    gateway: Gateway, server: MockServer
) -> None:
    """``AsyncCCX`` + ``AiohttpTransport`` builds its requests without httpx: each kind of
    request (a query, a JSON body, a key in a header and no body, PATCH, DELETE, an event
    stream, an error answer) goes through Prism, which checks it and its answer."""
    async with ccx.AsyncCCX(
        api_key=server.token, base_url=gateway.url, transport=ccx.AiohttpTransport(), timeout=30
    ) as client:
        assert (await client.me.retrieve()).workspace.id == "wks_demo"
        contact = f"+1555{_unique():0>7}"[:12]
        sent = await client.messages.send(
            to=contact, channel="sms", text="Hi", schedule_at=TOMORROW
        )
        assert (await client.messages.cancel(sent.id)).status == "canceled"
        assert sent.id in {message.id async for message in client.messages.list(limit=100)}
        with pytest.raises(ccx.NotFoundError):
            await client.messages.retrieve("msg_missing")
        template = await client.templates.create(
            name=f"contract_aiohttp_{_unique()}", language="en", category="utility", body="Hi"
        )
        await client.templates.delete(template.name)
        endpoint = await client.webhook_endpoints.create(url="http://127.0.0.1:9/h", events=["*"])
        updated = await client.webhook_endpoints.update(endpoint.id, description="aiohttp")
        assert updated.description == "aiohttp"
        segment = await client.segments.create(name="Aiohttp", recipients=["+15557300001"])
        running = await client.broadcasts.create(
            name="Aiohttp",
            template="order_confirmation",
            language="pt_BR",
            segment_id=segment.id,
            variables={"1": "Ana", "2": "#8", "3": "R$ 1"},
        )
        await client.test_helpers.clock.advance(seconds=600)
        events = [event async for event in client.broadcasts.events(running.id)]
        assert events[-1].event == "broadcast.completed"


def test_every_operation_was_called_and_prism_saw_no_violation(gateway: Gateway) -> None:
    assert sorted(set(OPERATIONS.values()) - gateway.called) == []
    if gateway.prism_log is not None:
        violations = [line for line in gateway.prism_log if _VIOLATION.search(line)]
        assert violations == [], "".join(violations[:20])


_counter = iter(range(1_000_000))


def _unique() -> str:
    """A fresh suffix per call: the module runs twice against one server."""
    return str(next(_counter))
