"""A request is a transaction: a handler that fails after its side effects leaves nothing behind.

For every mutating operation of the spec, the handler is made to fail right after it ran (every
change made, every timer, event and delivery asked for): the request answers 500, the
workspace is exactly as before (its records, event log, queue, timers, tasks, pending deliveries
and the token directory), the idempotency key is free, and moving the clock an hour brings no
event and no webhook carrying the failed request's trace id. The retry with the same key then
takes effect once, and a further retry is a replay that changes nothing. The operations are
read from the spec, so a new one fails here until it has a call.
"""

from __future__ import annotations

import dataclasses
import itertools
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, cast

import httpx
import pytest

from ccx.mock import FrozenClock, MockServer
from ccx.mock._broadcasts import StreamHistory
from ccx.mock._clock import Timer
from ccx.mock._registry import _HANDLERS, HandlerResult, RequestContext
from ccx.mock._spec import ROUTES
from ccx.mock._state import MockState
from ccx.mock._workspace import Workspace
from ccx.pytest_plugin import WebhookReceiver

START = "2026-11-21T08:00:00Z"
_SEQUENCE = itertools.count()

_TEMPLATE_SEND = {
    "name": "order_confirmation",
    "language": "pt_BR",
    "variables": {"1": "Maria", "2": "#A8492", "3": "R$ 349,90"},
}


@dataclass(frozen=True)
class Call:
    """The request to make fail: what to send, and whether it changes the state when it runs."""

    method: str
    path: str
    body: dict[str, Any] | None = None
    changes_state: bool = True


def _unique(prefix: str) -> str:
    return f"{prefix}_{next(_SEQUENCE)}"


def _created(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code < 300, response.text
    payload: dict[str, Any] = response.json()
    return payload


def _token(http: httpx.Client) -> str:
    body = {"scopes": ["messages:read"], "environment": "test"}
    return str(_created(http.post("/v1/tokens", json=body))["id"])


def _template(http: httpx.Client) -> str:
    name = _unique("draft")
    body = {"name": name, "language": "en", "category": "utility", "body": "Hi {{1}}"}
    _created(http.post("/v1/templates", json=body))
    return name


def _approved_template(http: httpx.Client) -> str:
    name = _template(http)
    _created(http.post(f"/v1/test_helpers/templates/{name}/approve"))
    return name


def _sync_with_a_change(http: httpx.Client) -> Call:
    """A sync with something to do: the carrier approved a template without telling CCX."""
    name = _template(http)
    body = {"status": "approved"}
    _created(http.post(f"/v1/test_helpers/templates/{name}/carrier_status", json=body))
    return Call("POST", "/v1/templates/sync", {})


def _message(http: httpx.Client, **extra: Any) -> str:
    body = {
        "to": "+15550000001",
        "channel": "whatsapp",
        "template": _TEMPLATE_SEND,
        "idempotency_key": _unique("setup"),
        **extra,
    }
    return str(_created(http.post("/v1/messages", json=body))["id"])


def _broadcast(http: httpx.Client) -> str:
    """A broadcast still running hours from now (one recipient a minute, of 1,000)."""
    body = {
        "name": _unique("campaign"),
        "template": "order_confirmation",
        "language": "pt_BR",
        "segment_id": "seg_ZZ11",
        "variables": _TEMPLATE_SEND["variables"],
        "rate_limit_per_minute": 1,
    }
    return str(_created(http.post("/v1/broadcasts", json=body))["id"])


def _endpoint(http: httpx.Client, url: str) -> str:
    return str(
        _created(http.post("/v1/webhook_endpoints", json={"url": url, "events": ["*"]}))["id"]
    )


def _paused(http: httpx.Client) -> str:
    broadcast = _broadcast(http)
    _created(http.post(f"/v1/broadcasts/{broadcast}/pause"))
    return broadcast


def _replay(http: httpx.Client, url: str) -> Call:
    """A replay to a new endpoint of a window that holds a message's events."""
    endpoint = _endpoint(http, url)
    _message(http)
    window = {"from": "2026-11-21T07:00:00Z", "to": "2026-11-21T09:00:00Z"}
    return Call("POST", "/v1/events/replay", {"endpoint_id": endpoint, **window})


def _redeliver(http: httpx.Client, url: str) -> Call:
    """A redelivery to a new endpoint (subscribed to everything) of a message's latest event."""
    endpoint = _endpoint(http, url)
    _message(http)
    event = http.get("/v1/events", params={"limit": 1}).json()["data"][0]["id"]
    return Call("POST", f"/v1/events/{event}/redeliver", {"endpoint_id": endpoint})


SETUPS: dict[str, Callable[[httpx.Client, str], Call]] = {
    "tokens.create": lambda http, url: Call(
        "POST", "/v1/tokens", {"scopes": ["tokens:manage"], "environment": "live"}
    ),
    "tokens.revoke": lambda http, url: Call("DELETE", f"/v1/tokens/{_token(http)}"),
    "tokens.rotate": lambda http, url: Call("POST", f"/v1/tokens/{_token(http)}/rotate", {}),
    "messages.send": lambda http, url: Call(
        "POST",
        "/v1/messages",
        {"to": "+15550000001", "channel": "whatsapp", "template": _TEMPLATE_SEND},
    ),
    "messages.cancel": lambda http, url: Call(
        "POST", f"/v1/messages/{_message(http, schedule_at='2026-11-22T08:00:00Z')}/cancel", {}
    ),
    "otp.send": lambda http, url: Call(
        "POST", "/v1/otp", {"to": "+15557000001", "template_name": "signup_otp", "code": "4242"}
    ),
    "templates.create": lambda http, url: Call(
        "POST",
        "/v1/templates",
        {"name": _unique("fresh"), "language": "en", "category": "utility", "body": "Hi {{1}}"},
    ),
    "templates.delete": lambda http, url: Call("DELETE", f"/v1/templates/{_template(http)}"),
    "segments.create": lambda http, url: Call(
        "POST", "/v1/segments", {"name": "VIPs", "recipients": ["+15557000002"]}
    ),
    "broadcasts.create": lambda http, url: Call(
        "POST",
        "/v1/broadcasts",
        {
            "name": "Black Friday",
            "template": "order_confirmation",
            "language": "pt_BR",
            "segment_id": "seg_ZZ11",
            "variables": _TEMPLATE_SEND["variables"],
        },
    ),
    "broadcasts.pause": lambda http, url: Call("POST", f"/v1/broadcasts/{_broadcast(http)}/pause"),
    "broadcasts.resume": lambda http, url: Call("POST", f"/v1/broadcasts/{_paused(http)}/resume"),
    "broadcasts.cancel": lambda http, url: Call(
        "POST", f"/v1/broadcasts/{_broadcast(http)}/cancel"
    ),
    "webhook_endpoints.create": lambda http, url: Call(
        "POST", "/v1/webhook_endpoints", {"url": url, "events": ["message.delivered"]}
    ),
    "webhook_endpoints.update": lambda http, url: Call(
        "PATCH",
        f"/v1/webhook_endpoints/{_endpoint(http, url)}",
        {"description": "moved", "status": "disabled"},
    ),
    "webhook_endpoints.delete": lambda http, url: Call(
        "DELETE", f"/v1/webhook_endpoints/{_endpoint(http, url)}"
    ),
    "webhook_endpoints.rotate_secret": lambda http, url: Call(
        "POST", f"/v1/webhook_endpoints/{_endpoint(http, url)}/rotate_secret"
    ),
    "webhook_endpoints.test": lambda http, url: Call(
        "POST", f"/v1/webhook_endpoints/{_endpoint(http, url)}/test", {}
    ),
    "events.replay": _replay,
    "events.redeliver": _redeliver,
    "ai.reply": lambda http, url: Call(
        "POST",
        "/v1/ai/reply",
        {"message": "When do orders ship?", "context": "Orders ship in 2 days."},
        changes_state=False,
    ),
    "exports.create": lambda http, url: Call(
        "POST", "/v1/exports", {"resource": "messages", "format": "csv"}
    ),
    "test_helpers.messages.set_status": lambda http, url: Call(
        "POST",
        f"/v1/test_helpers/messages/{_message(http)}/set_status",
        {"status": "failed", "error_code": 131049},
    ),
    "test_helpers.messages.simulate_inbound": lambda http, url: Call(
        "POST",
        "/v1/test_helpers/messages/inbound",
        {"from": "+15557000003", "channel": "whatsapp", "text": "Hello"},
    ),
    "test_helpers.templates.approve": lambda http, url: Call(
        "POST", f"/v1/test_helpers/templates/{_template(http)}/approve"
    ),
    "test_helpers.templates.reject": lambda http, url: Call(
        "POST", f"/v1/test_helpers/templates/{_template(http)}/reject", {"reason": "No."}
    ),
    "test_helpers.templates.pause": lambda http, url: Call(
        "POST", f"/v1/test_helpers/templates/{_approved_template(http)}/pause"
    ),
    "test_helpers.templates.set_carrier_status": lambda http, url: Call(
        "POST",
        f"/v1/test_helpers/templates/{_template(http)}/carrier_status",
        {"status": "rejected", "reason": "No."},
    ),
    "templates.sync": lambda http, url: _sync_with_a_change(http),
    "test_helpers.clock.advance": lambda http, url: Call(
        "POST", "/v1/test_helpers/clock/advance", {"seconds": 60}
    ),
}

MUTATING = sorted(route.operation_id for route in ROUTES if route.method != "GET")
BODY_KEYED = {route.operation_id for route in ROUTES if route.idempotency == "body"}
KEYED = {route.operation_id for route in ROUTES if route.idempotency is not None}


def test_every_mutating_operation_is_attacked() -> None:
    assert sorted(SETUPS) == MUTATING


class Injected(RuntimeError):
    """The failure made to happen after a handler has done all its work."""


def failing_after(handler: Callable[[RequestContext], HandlerResult]) -> Any:
    def fail(ctx: RequestContext) -> HandlerResult:
        handler(ctx)
        raise Injected("after the side effects")

    return fail


# -- the state, as a value ---------------------------------------------------------------------


def _plain(value: Any) -> Any:
    """A comparable copy of ``value``: records by their fields, timers by when they fire."""
    if isinstance(value, Timer):
        return ("timer", value.when, value.cancelled)
    if isinstance(value, StreamHistory):
        return [
            (event.id, event.event, event.data) for event in (value[i] for i in range(len(value)))
        ]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            field.name: _plain(getattr(value, field.name))
            for field in dataclasses.fields(value)
            if field.name != "last_used_at"  # stamped by authentication on every call
        }
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in cast("dict[Any, Any]", value).items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in cast("Sequence[Any]", value)]
    return value


def _workspace_state(workspace: Workspace) -> dict[str, Any]:
    tables = {
        name: _plain(dict(getattr(workspace, name)))
        for name in (
            "tokens",
            "templates",
            "segments",
            "exports",
            "messages",
            "conversations",
            "broadcasts",
            "endpoints",
        )
    }
    clock = workspace.clock
    chains = workspace.deliveries._chains
    return {
        **tables,
        "contacts": {
            channel: sorted(by_contact)
            for channel, by_contact in workspace.conversations_by_contact.items()
        },
        "events": [
            (event.id, event.type, event.created_at, event.trace_id) for event in workspace.events
        ],
        "outbox": sorted(message.id for _, _, message in workspace.outbox.queue),
        "clock": clock.now(),
        "tasks": len(clock._tasks),
        "timers": sorted(
            (timer.when, timer.sequence) for timer in clock._timers if not timer.cancelled
        ),
        "deliveries": {key: [event.id for event in chain.pending] for key, chain in chains.items()},
        "attempts": [(a.endpoint_id, a.event_id, a.attempt) for a in workspace.deliveries.attempts],
    }


def snapshot(server: MockServer) -> dict[str, Any]:
    """Everything a request can change, read on the server's loop after background work settled."""
    server.advance(0)

    async def read(state: MockState) -> dict[str, Any]:
        return {
            "secrets": {secret: token.id for secret, token in state.tokens_by_secret.items()},
            **{
                workspace.id: _workspace_state(workspace) for workspace in state.workspaces.values()
            },
        }

    return server.run(read(server.state))


# -- the attack --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def receiver() -> Iterator[WebhookReceiver]:
    with WebhookReceiver() as running:
        yield running


@pytest.fixture
def server() -> Iterator[MockServer]:
    with MockServer(clock=FrozenClock(START)) as running:
        yield running


def _send(
    http: httpx.Client, call: Call, operation: str, key: str, trace_id: str
) -> httpx.Response:
    body = call.body
    headers = {"traceparent": f"00-{trace_id}-b7ad6b7169203331-01"}
    if operation in BODY_KEYED:
        body = {**(body or {}), "idempotency_key": key}
    elif operation in KEYED:
        headers["Idempotency-Key"] = key
    return http.request(call.method, call.path, json=body, headers=headers)


def _traced(server: MockServer, receiver: WebhookReceiver, trace_id: str) -> list[str]:
    """Every event and webhook, in any workspace, that the request with ``trace_id`` caused."""

    async def events(state: MockState) -> list[str]:
        return [
            event.type
            for workspace in state.workspaces.values()
            for event in workspace.events
            if event.trace_id == trace_id
        ]

    webhooks = [
        f"webhook {delivery.event_type}"
        for delivery in receiver.deliveries
        if delivery.envelope.get("trace_id") == trace_id
    ]
    return server.run(events(server.state)) + webhooks


@pytest.mark.parametrize("operation", MUTATING)
def test_a_failure_after_the_side_effects_leaves_nothing_and_the_retry_runs_once(
    operation: str,
    server: MockServer,
    receiver: WebhookReceiver,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    headers = {"Authorization": f"Bearer {server.token}"}
    failed_trace, retried_trace = uuid.uuid4().hex, uuid.uuid4().hex
    with httpx.Client(base_url=server.url, headers=headers) as http:
        _endpoint(http, receiver.url)  # so events emitted by mistake would be delivered
        call = SETUPS[operation](http, receiver.url)
        server.advance(600)  # what the setup started has happened (broadcasts keep running)
        key = str(uuid.uuid4())
        before = snapshot(server)

        monkeypatch.setitem(_HANDLERS, operation, failing_after(_HANDLERS[operation]))
        failed = _send(http, call, operation, key, failed_trace)
        assert failed.status_code == 500, failed.text
        assert failed.json()["error"]["code"] == "internal_error"
        assert snapshot(server) == before
        assert server.state.workspaces["wks_demo"].idempotency.get(key) is None
        server.advance(3600)  # nothing the failed request asked for may fire
        assert _traced(server, receiver, failed_trace) == []
        monkeypatch.undo()

        after_failure = snapshot(server)
        retried = _send(http, call, operation, key, retried_trace)
        assert retried.status_code < 300, retried.text
        assert "idempotent-replayed" not in retried.headers
        once = snapshot(server)
        assert (once != after_failure) is call.changes_state
        if operation in KEYED:
            replayed = _send(http, call, operation, key, uuid.uuid4().hex)
            assert replayed.headers["idempotent-replayed"] == "true"
            assert replayed.content == retried.content
            assert snapshot(server) == once
