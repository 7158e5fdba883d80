"""Tenants are isolated: objects, idempotent answers, clocks, faults and deliveries.

Another workspace's objects do not exist for you, on every operation that names one. The
operations come from the spec: every path with an id or name parameter, and every request body
or query field that refers to an object (``segment_id``, ``endpoint_id``, ...). A new operation
is probed without touching this file; a new kind of object fails until it gets a factory below.
Workspace B must get exactly the 404 an id that never existed gets, and workspace A's objects
must come out of it untouched.

Then what is not an object: a replayed request is authorized before anything is replayed, a
workspace's clock moves alone, a burst of injected 429s stays in its workspace, and a receiver
that hangs only holds up its own workspace's webhooks.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

import ccx
from ccx.mock import FrozenClock, MockConfig, MockServer
from ccx.pytest_plugin import WebhookReceiver

SPEC_PATH = Path(__file__).parents[2] / "openapi" / "openapi.yaml"
START = 1_795_248_000.0
LATER = "2026-11-22T08:00:00Z"
_PATH_PARAMETER = re.compile(r"\{(\w+)\}")
_METHODS = ("get", "post", "put", "patch", "delete")
_KIND_OF_FIELD = {"endpoint_id": "webhook_endpoints"}
"""Fields whose kind is not their name plus ``s`` (``segment_id`` -> ``segments``)."""

BODIES: dict[str, dict[str, Any]] = {
    "test_helpers.messages.set_status": {"status": "delivered"},
    "test_helpers.templates.set_carrier_status": {"status": "approved"},
    "webhook_endpoints.update": {"description": "taken over"},
    "broadcasts.create": {
        "name": "Stolen audience",
        "template": "welcome",
        "language": "en",
        "segment_id": "{segment_id}",
    },
    "events.redeliver": {"endpoint_id": "{endpoint_id}"},
    "events.replay": {
        "endpoint_id": "{endpoint_id}",
        "from": "2026-11-21T00:00:00Z",
        "to": "2026-11-21T09:00:00Z",
    },
}
"""A valid body for each probed operation that needs one; ``{field}`` takes A's object."""


@dataclass(frozen=True)
class Probe:
    """One operation naming one of A's objects, as B sends it."""

    operation_id: str
    method: str
    path: str
    kind: str
    """The collection the object belongs to: ``messages``, ``templates``, ..."""
    field: str
    location: str
    """``path``, ``body`` or ``query``."""

    def send(self, client: httpx.Client, value: str) -> httpx.Response:
        """This operation as B sends it, naming ``value`` where the object goes."""
        url = self.path.replace("{" + self.field + "}", value)
        options: dict[str, Any] = {}
        if self.location == "query":
            options["params"] = {self.field: value}
        body = BODIES.get(self.operation_id)
        if body is not None:
            options["json"] = {
                name: value if item == "{" + name + "}" else item for name, item in body.items()
            }
        elif self.method in ("POST", "PATCH", "PUT"):
            options["json"] = {}
        return client.request(self.method, url, **options)


def _resolve(spec: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    """``node``, or what its local ``$ref`` (``#/components/...``) points at."""
    reference = node.get("$ref")
    if reference is None:
        return node
    for part in reference.removeprefix("#/").split("/"):
        spec = spec[part]
    return spec


def probes(spec: dict[str, Any]) -> Iterator[Probe]:
    for path, item in spec["paths"].items():
        for method in _METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            common: dict[str, str] = {
                "operation_id": operation["operationId"],
                "method": method.upper(),
            }
            for field in _PATH_PARAMETER.findall(path):
                segments = path.removeprefix("/v1/test_helpers").split("/")
                kind = segments[segments.index("{" + field + "}") - 1]
                yield Probe(**common, path=path, kind=kind, field=field, location="path")
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            properties: dict[str, Any] = (
                _resolve(spec, body["schema"]).get("properties", {}) if body else {}
            )
            parameters = [_resolve(spec, p) for p in operation.get("parameters", [])]
            queries: list[str] = [p["name"] for p in parameters if p["in"] == "query"]
            for location, names in (("body", list(properties)), ("query", queries)):
                for field in names:
                    if field.endswith("_id"):
                        kind = _KIND_OF_FIELD.get(field, field.removesuffix("_id") + "s")
                        yield Probe(**common, path=path, kind=kind, field=field, location=location)


SPEC: dict[str, Any] = yaml.safe_load(SPEC_PATH.read_text())
PROBES = list(probes(SPEC))


def a_world(client: ccx.CCX) -> dict[str, str]:
    """One object of every kind in workspace A, each in a state every probe applies to."""
    endpoint = client.webhook_endpoints.create(url="http://127.0.0.1:9/hooks", events=["*"])
    inbound = client.test_helpers.messages.simulate_inbound(
        from_="+15559000001", channel="whatsapp", text="Hello"
    )
    segment = client.segments.create(name="A's audience", recipients=["+15559000002"])
    scheduled = client.messages.send(
        to="+15559000001", channel="whatsapp", text="See you tomorrow", schedule_at=LATER
    )
    template = client.templates.create(
        name="a_private_template", language="en", category="utility", body="Hi {{1}}"
    )
    world: dict[str, str | None] = {
        "messages": scheduled.id,
        "conversations": inbound.conversation_id,
        "templates": template.name,
        "segments": segment.id,
        "broadcasts": client.broadcasts.create(
            name="A's campaign",
            template="order_confirmation",
            language="pt_BR",
            segment_id=segment.id,
            variables={"1": "Ana", "2": "#1", "3": "R$ 1"},
            schedule_at=LATER,
        ).id,
        "webhook_endpoints": endpoint.id,
        "tokens": client.tokens.create(scopes=["messages:read"], environment="test").id,
        "exports": client.exports.create(resource="messages", format="csv").id,
        "events": next(iter(client.events.list())).id,
    }
    return {kind: identifier for kind, identifier in world.items() if identifier}


@pytest.fixture(scope="module")
def server() -> Iterator[MockServer]:
    with MockServer(clock=FrozenClock(start=START)) as running:
        yield running


@pytest.fixture(scope="module")
def world(server: MockServer) -> dict[str, str]:
    with server.client() as client:
        return a_world(client)


@pytest.fixture(scope="module")
def workspace_b(server: MockServer) -> Iterator[httpx.Client]:
    headers = {"Authorization": f"Bearer {server.second_token}"}
    with httpx.Client(base_url=server.url, headers=headers) as client:
        yield client


def test_the_spec_has_operations_to_probe(world: dict[str, str]) -> None:
    assert len(world) == 9, "every object was created"
    kinds = {probe.kind for probe in PROBES}
    assert len(PROBES) >= 25
    assert {"messages", "templates", "broadcasts", "segments", "webhook_endpoints"} <= kinds


@pytest.mark.parametrize("probe", PROBES, ids=lambda probe: f"{probe.operation_id}:{probe.field}")
def test_b_gets_the_404_of_an_id_that_never_existed(
    probe: Probe, world: dict[str, str], workspace_b: httpx.Client
) -> None:
    assert probe.kind in world, f"add a factory for {probe.kind} objects to a_world()"
    needs_body = probe.method in ("POST", "PATCH", "PUT") and _requires_body(probe)
    assert not needs_body or probe.operation_id in BODIES, (
        f"add a valid body for {probe.operation_id} to BODIES"
    )
    theirs = world[probe.kind]
    missing = theirs[:-4] + "zzzz"
    response = probe.send(workspace_b, theirs)
    never = probe.send(workspace_b, missing)

    if probe.location == "query":  # a filter: nothing of A's may match it
        assert response.status_code == 200, response.text
        assert response.json()["data"] == []
        return
    assert response.status_code == 404, response.text
    error, unknown = response.json()["error"], never.json()["error"]
    assert never.status_code == 404, never.text
    assert (error["type"], error["code"], error["param"]) == (
        unknown["type"],
        unknown["code"],
        unknown["param"],
    )
    assert error["message"].replace(theirs, missing) == unknown["message"]


def test_a_still_has_everything_unchanged_after_b_tried(
    server: MockServer, world: dict[str, str], workspace_b: httpx.Client
) -> None:
    for probe in PROBES:
        if probe.location == "path":
            probe.send(workspace_b, world[probe.kind])
    with server.client() as client:
        assert client.messages.retrieve(world["messages"]).status == "scheduled"
        assert client.broadcasts.retrieve(world["broadcasts"]).status == "scheduled"
        assert client.templates.retrieve(world["templates"]).status == "pending"
        assert client.webhook_endpoints.retrieve(world["webhook_endpoints"]).description is None
        assert client.tokens.retrieve(world["tokens"]).revoked_at is None
        assert client.segments.retrieve(world["segments"]).id == world["segments"]
        assert client.conversations.retrieve(world["conversations"]).id == world["conversations"]
        assert client.exports.retrieve(world["exports"]).id == world["exports"]
        assert client.events.retrieve(world["events"]).id == world["events"]


def _requires_body(probe: Probe) -> bool:
    operation = SPEC["paths"][probe.path][probe.method.lower()]
    return bool(operation.get("requestBody", {}).get("required"))


# -- a replayed request is authorized first ----------------------------------------------------


@pytest.fixture
def fresh_server() -> Iterator[MockServer]:
    with MockServer(clock=FrozenClock(start=START)) as running:
        yield running


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


SECRET_CALLS = [
    ("/v1/tokens", {"scopes": ["tokens:manage", "messages:send"], "environment": "live"}),
    ("/v1/webhook_endpoints", {"url": "https://hooks.example.com/ccx", "events": ["*"]}),
]


@pytest.mark.parametrize(("path", "body"), SECRET_CALLS, ids=["token", "webhook endpoint"])
def test_a_replay_by_a_token_without_the_scope_is_refused_and_learns_nothing(
    fresh_server: MockServer, path: str, body: dict[str, Any]
) -> None:
    with httpx.Client(base_url=fresh_server.url, headers=_bearer(fresh_server.token)) as owner:
        created = owner.post(path, json=body, headers={"Idempotency-Key": "setup-42"})
        assert created.status_code == 201
        secret = created.json()["secret"]
        reader = owner.post(
            "/v1/tokens", json={"scopes": ["messages:read"], "environment": "test"}
        ).json()["secret"]

    with httpx.Client(base_url=fresh_server.url, headers=_bearer(reader)) as attacker:
        replayed = attacker.post(path, json=body, headers={"Idempotency-Key": "setup-42"})
        unused = attacker.post(path, json=body, headers={"Idempotency-Key": "never-used"})

    assert replayed.status_code == 403, replayed.text
    assert secret not in replayed.text
    assert "idempotent-replayed" not in replayed.headers
    error, fresh = replayed.json()["error"], unused.json()["error"]
    assert (replayed.status_code, error["code"], error["message"]) == (
        unused.status_code,
        fresh["code"],
        fresh["message"],
    )


@pytest.mark.parametrize(("path", "body"), SECRET_CALLS, ids=["token", "webhook endpoint"])
def test_a_replay_by_another_token_with_the_scope_never_gets_the_first_callers_secret(
    fresh_server: MockServer, path: str, body: dict[str, Any]
) -> None:
    with httpx.Client(base_url=fresh_server.url, headers=_bearer(fresh_server.token)) as owner:
        secret = owner.post(path, json=body, headers={"Idempotency-Key": "setup-43"}).json()[
            "secret"
        ]
        peer = owner.post(
            "/v1/tokens",
            json={"scopes": ["tokens:manage", "webhooks:manage"], "environment": "test"},
        ).json()["secret"]
        replay = owner.post(path, json=body, headers={"Idempotency-Key": "setup-43"})
        assert replay.headers["idempotent-replayed"] == "true"  # the caller itself still can

    with httpx.Client(base_url=fresh_server.url, headers=_bearer(peer)) as other:
        response = other.post(path, json=body, headers={"Idempotency-Key": "setup-43"})
    assert response.status_code == 409, response.text
    assert response.json()["error"]["code"] == "idempotency_key_reused"
    assert secret not in response.text


# -- one clock per workspace -------------------------------------------------------------------

YEAR = 365 * 24 * 3600


def test_moving_one_workspaces_clock_changes_nothing_another_observes(
    fresh_server: MockServer,
) -> None:
    """B moves its clock ten years; A's keys, token lifetimes, rotation overlap, scheduled
    message, conversation window and clock read exactly as before."""
    url = fresh_server.url
    with httpx.Client(base_url=url, headers=_bearer(fresh_server.token)) as a:
        segment = {"name": "VIPs", "recipients": ["+15550000001"]}
        first = a.post("/v1/segments", json=segment, headers={"Idempotency-Key": "a-key"})
        short_lived = a.post(
            "/v1/tokens",
            json={"scopes": ["messages:read"], "environment": "test", "ttl_seconds": 3600},
        ).json()["secret"]
        rotated = a.post("/v1/tokens", json={"scopes": ["messages:read"], "environment": "test"})
        old_secret = rotated.json()["secret"]
        a.post(f"/v1/tokens/{rotated.json()['id']}/rotate")
        a.post(
            "/v1/test_helpers/messages/inbound",
            json={"from": "+15559000001", "channel": "whatsapp", "text": "Hi"},
        )
        scheduled = a.post(
            "/v1/messages",
            json={
                "to": "+15559000001",
                "channel": "whatsapp",
                "text": "Tomorrow",
                "schedule_at": "2026-11-22T08:00:00Z",
                "idempotency_key": "a-scheduled",
            },
        ).json()
        seen_by_a = _observed_by_a(a, short_lived, old_secret)

    with httpx.Client(base_url=url, headers=_bearer(fresh_server.second_token)) as b:
        for _ in range(10):
            assert (
                b.post("/v1/test_helpers/clock/advance", json={"seconds": YEAR}).status_code == 200
            )
        assert b.get("/v1/test_helpers/clock").json()["now"].startswith("2036-")

    with httpx.Client(base_url=url, headers=_bearer(fresh_server.token)) as a:
        assert _observed_by_a(a, short_lived, old_secret) == seen_by_a
        replay = a.post("/v1/segments", json=segment, headers={"Idempotency-Key": "a-key"})
        assert replay.headers["idempotent-replayed"] == "true"
        assert replay.json()["id"] == first.json()["id"]
        assert a.get(f"/v1/messages/{scheduled['id']}").json()["status"] == "scheduled"


def _observed_by_a(a: httpx.Client, short_lived: str, old_secret: str) -> dict[str, Any]:
    conversations = a.get("/v1/conversations").json()["data"]
    return {
        "clock": a.get("/v1/test_helpers/clock").json()["now"],
        "short-lived token": a.get("/v1/me", headers=_bearer(short_lived)).status_code,
        "rotated-out secret": a.get("/v1/me", headers=_bearer(old_secret)).status_code,
        "windows": [conversation["status"] for conversation in conversations],
        "events": [event["id"] for event in a.get("/v1/events").json()["data"]],
    }


def test_the_server_wide_advance_moves_every_workspace(fresh_server: MockServer) -> None:
    fresh_server.advance(3600)
    readings = {
        token: httpx.get(
            f"{fresh_server.url}/v1/test_helpers/clock", headers=_bearer(token)
        ).json()["now"]
        for token in (fresh_server.token, fresh_server.second_token)
    }
    assert set(readings.values()) == {"2026-11-21T09:00:00Z"}
    assert fresh_server.clock.isoformat() == "2026-11-21T09:00:00Z"


# -- faults belong to the workspace that asked for them -----------------------------------------


def test_one_workspaces_burst_of_429s_never_reaches_another(fresh_server: MockServer) -> None:
    burst = {"CCX-Mock-Fault": "burst_429=1,burst_seconds=60"}
    with (
        httpx.Client(base_url=fresh_server.url, headers=_bearer(fresh_server.token)) as a,
        httpx.Client(base_url=fresh_server.url, headers=_bearer(fresh_server.second_token)) as b,
    ):
        assert b.get("/v1/me", headers=burst).status_code == 429
        assert b.get("/v1/me", headers={"CCX-Mock-Fault": "latency=1ms"}).status_code == 429
        assert a.get("/v1/me", headers={"CCX-Mock-Fault": "latency=1ms"}).status_code == 200


# -- deliveries: a slow receiver only slows its own workspace -----------------------------------


def test_a_receiver_that_hangs_never_delays_another_workspaces_webhooks() -> None:
    """A's receiver holds every delivery (more than a pool has slots) until B's webhook has
    arrived: with one pool for everyone, B's delivery would wait behind A's."""
    b_arrived = threading.Event()
    config = MockConfig(rate_limit_per_minute=10**6, burst_per_second=10**6)
    with (
        MockServer(config, clock=FrozenClock(start=START)) as server,
        _HangingReceiver(until=b_arrived) as slow,
        WebhookReceiver() as fast,
        httpx.Client(base_url=server.url, headers=_bearer(server.token)) as a,
        httpx.Client(base_url=server.url, headers=_bearer(server.second_token)) as b,
    ):
        a.post("/v1/webhook_endpoints", json={"url": slow.url, "events": ["message.queued"]})
        b.post("/v1/webhook_endpoints", json={"url": fast.url, "events": ["message.queued"]})
        hanging = 2 * config.delivery_concurrency + 8  # past any shared pool's old 32 slots
        for number in range(hanging):
            a.post("/v1/messages", json=_text_send(f"+1555700{number:04d}", f"a-{number}"))
        assert slow.wait_for_requests(config.delivery_concurrency)
        b.post("/v1/messages", json=_text_send("+15558000001", "b-1"))
        arrived = _wait(lambda: bool(fast.deliveries))
        b_arrived.set()
        assert arrived, "B's webhook waited behind A's hanging receiver"
        assert slow.requests <= config.delivery_concurrency  # A's pool held its own limit


def _text_send(to: str, key: str) -> dict[str, Any]:
    return {"to": to, "channel": "sms", "text": "Your order shipped.", "idempotency_key": key}


def _wait(condition: Callable[[], bool], seconds: float = 8.0) -> bool:
    """Poll ``condition``, less than a delivery's 10 s timeout, so no slot frees on its own."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


class _HangingReceiver:
    """A loopback receiver whose every request waits until ``until`` is set."""

    def __init__(self, *, until: threading.Event) -> None:
        self._release = until
        self._arrived = threading.Condition()
        self.requests = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("content-length") or 0))
                with receiver._arrived:
                    receiver.requests += 1
                    receiver._arrived.notify_all()
                receiver._release.wait(30)
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                del format, args

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/hooks"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def wait_for_requests(self, count: int) -> bool:
        with self._arrived:
            return self._arrived.wait_for(lambda: self.requests >= count, timeout=8)

    def __enter__(self) -> _HangingReceiver:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._release.set()
        self._server.shutdown()
        self._server.server_close()
