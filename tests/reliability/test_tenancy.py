"""Another workspace's objects do not exist for you, on every operation that names one.

The operations come from the spec: every path with an id or name parameter, and every request
body or query field that refers to an object (``segment_id``, ``endpoint_id``, ...). A new
operation is probed without touching this file; a new kind of object fails until it gets a
factory below. Workspace B must get exactly the 404 an id that never existed gets, and
workspace A's objects must come out of it untouched.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

import ccx
from ccx.mock import FrozenClock, MockServer

SPEC_PATH = Path(__file__).parents[2] / "openapi" / "openapi.yaml"
START = 1_795_248_000.0
LATER = "2026-11-22T08:00:00Z"
_PATH_PARAMETER = re.compile(r"\{(\w+)\}")
_METHODS = ("get", "post", "put", "patch", "delete")
_KIND_OF_FIELD = {"endpoint_id": "webhook_endpoints"}
"""Fields whose kind is not their name plus ``s`` (``segment_id`` -> ``segments``)."""

BODIES: dict[str, dict[str, Any]] = {
    "test_helpers.messages.set_status": {"status": "delivered"},
    "webhook_endpoints.update": {"description": "taken over"},
    "broadcasts.create": {
        "name": "Stolen audience",
        "template": "welcome",
        "language": "en",
        "segment_id": "{segment_id}",
    },
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
