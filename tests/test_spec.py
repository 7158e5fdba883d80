"""The OpenAPI document is the contract the SDK and the mock are generated from.

It must be valid OpenAPI 3.1, follow the spec conventions of docs/architecture.md (the generator
and the mock rely on them), keep the operation table others code against, and accept the
examples of the public docs (shared/seeds/000_*) verbatim.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from functools import cache
from pathlib import Path
from typing import Any, cast

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from jsonschema.protocols import Validator
from openapi_spec_validator import validate
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

SPEC_PATH = Path(__file__).resolve().parents[1] / "openapi" / "openapi.yaml"
SPEC_URI = "urn:ccx:openapi"
METHODS = ("get", "put", "post", "delete", "patch")
SCHEMA_REF = "#/components/schemas/"

# The public docs' examples, verbatim from shared/seeds/000_*.
SEED_SEND: dict[str, Any] = {
    "to": "+5511999990000",
    "channel": "whatsapp",
    "template": {
        "name": "order_confirmation",
        "language": "pt_BR",
        "variables": {"1": "Maria", "2": "#A8492", "3": "R$ 349,90"},
    },
    "idempotency_key": "ord_A8492",
}
SEED_BROADCAST: dict[str, Any] = {
    "name": "Black Friday — Batch 1",
    "template": "black_friday_2026",
    "language": "pt_BR",
    "segment_id": "seg_ZZ11",
    "rate_limit_per_minute": 6000,
    "priority": "high",
    "schedule_at": "2026-11-28T09:00:00-03:00",
}
SEED_WEBHOOK_DATA: dict[str, Any] = {
    "event": "message.delivered",
    "message_id": "msg_0xK91A",
    "conversation_id": "cnv_44aa",
    "to": "+5511999990000",
    "template": "order_confirmation",
    "delivered_at": "2026-04-22T14:20:12Z",
    "billable": {"category": "utility", "price": 0.16, "currency": "BRL"},
}

BRIEF_EVENT_TYPES = {
    "message.queued",
    "message.sent",
    "message.delivered",
    "message.read",
    "message.failed",
    "message.reply",
    "broadcast.progress",
    "broadcast.completed",
    "template.approved",
    "template.rejected",
    "conversation.created",
    "contact.created",
}
# Beyond the brief: the platform documents (seeds 002, 004) promise these too.
EVENT_TYPES = BRIEF_EVENT_TYPES | {
    "template.paused",
    "conversation.window_opened",
    "conversation.window_expiring",
    "conversation.window_closed",
}
SANDBOX = "sandbox-only"

# operationId -> (method, path, scope); the table the generator, the mock and the SDK rely on.
OPERATIONS = {
    "me.retrieve": ("GET", "/v1/me", None),
    "tokens.create": ("POST", "/v1/tokens", "tokens:manage"),
    "tokens.list": ("GET", "/v1/tokens", "tokens:manage"),
    "tokens.retrieve": ("GET", "/v1/tokens/{id}", "tokens:manage"),
    "tokens.revoke": ("DELETE", "/v1/tokens/{id}", "tokens:manage"),
    "tokens.rotate": ("POST", "/v1/tokens/{id}/rotate", "tokens:manage"),
    "messages.send": ("POST", "/v1/messages", "messages:send"),
    "messages.list": ("GET", "/v1/messages", "messages:read"),
    "messages.retrieve": ("GET", "/v1/messages/{id}", "messages:read"),
    "messages.cancel": ("POST", "/v1/messages/{id}/cancel", "messages:send"),
    "otp.send": ("POST", "/v1/otp", "otp:send"),
    "conversations.list": ("GET", "/v1/conversations", "messages:read"),
    "conversations.retrieve": ("GET", "/v1/conversations/{id}", "messages:read"),
    "conversations.list_messages": ("GET", "/v1/conversations/{id}/messages", "messages:read"),
    "templates.list": ("GET", "/v1/templates", "templates:read"),
    "templates.create": ("POST", "/v1/templates", "templates:manage"),
    "templates.retrieve": ("GET", "/v1/templates/{name}", "templates:read"),
    "templates.delete": ("DELETE", "/v1/templates/{name}", "templates:manage"),
    "templates.sync": ("POST", "/v1/templates/sync", "templates:manage"),
    "segments.create": ("POST", "/v1/segments", "segments:manage"),
    "segments.list": ("GET", "/v1/segments", "segments:manage"),
    "segments.retrieve": ("GET", "/v1/segments/{id}", "segments:manage"),
    "broadcasts.create": ("POST", "/v1/broadcasts", "broadcasts:send"),
    "broadcasts.list": ("GET", "/v1/broadcasts", "broadcasts:read"),
    "broadcasts.retrieve": ("GET", "/v1/broadcasts/{id}", "broadcasts:read"),
    "broadcasts.pause": ("POST", "/v1/broadcasts/{id}/pause", "broadcasts:send"),
    "broadcasts.resume": ("POST", "/v1/broadcasts/{id}/resume", "broadcasts:send"),
    "broadcasts.cancel": ("POST", "/v1/broadcasts/{id}/cancel", "broadcasts:send"),
    "broadcasts.events": ("GET", "/v1/broadcasts/{id}/events", "broadcasts:read"),
    "webhook_endpoints.create": ("POST", "/v1/webhook_endpoints", "webhooks:manage"),
    "webhook_endpoints.list": ("GET", "/v1/webhook_endpoints", "webhooks:manage"),
    "webhook_endpoints.retrieve": ("GET", "/v1/webhook_endpoints/{id}", "webhooks:manage"),
    "webhook_endpoints.update": ("PATCH", "/v1/webhook_endpoints/{id}", "webhooks:manage"),
    "webhook_endpoints.delete": ("DELETE", "/v1/webhook_endpoints/{id}", "webhooks:manage"),
    "webhook_endpoints.rotate_secret": (
        "POST",
        "/v1/webhook_endpoints/{id}/rotate_secret",
        "webhooks:manage",
    ),
    "webhook_endpoints.test": ("POST", "/v1/webhook_endpoints/{id}/test", "webhooks:manage"),
    "events.list": ("GET", "/v1/events", "webhooks:manage"),
    "events.retrieve": ("GET", "/v1/events/{id}", "webhooks:manage"),
    "events.replay": ("POST", "/v1/events/replay", "webhooks:manage"),
    "events.redeliver": ("POST", "/v1/events/{id}/redeliver", "webhooks:manage"),
    "analytics.messages": ("GET", "/v1/analytics/messages", "analytics:read"),
    "ai.reply": ("POST", "/v1/ai/reply", "ai:reply"),
    "audit_logs.list": ("GET", "/v1/audit_logs", "audit:read"),
    "exports.create": ("POST", "/v1/exports", "analytics:read"),
    "exports.list": ("GET", "/v1/exports", "analytics:read"),
    "exports.retrieve": ("GET", "/v1/exports/{id}", "analytics:read"),
    "exports.download": ("GET", "/v1/exports/{id}/content", "analytics:read"),
    "test_helpers.messages.set_status": (
        "POST",
        "/v1/test_helpers/messages/{id}/set_status",
        SANDBOX,
    ),
    "test_helpers.messages.simulate_inbound": (
        "POST",
        "/v1/test_helpers/messages/inbound",
        SANDBOX,
    ),
    "test_helpers.templates.approve": (
        "POST",
        "/v1/test_helpers/templates/{name}/approve",
        SANDBOX,
    ),
    "test_helpers.templates.reject": ("POST", "/v1/test_helpers/templates/{name}/reject", SANDBOX),
    "test_helpers.templates.pause": ("POST", "/v1/test_helpers/templates/{name}/pause", SANDBOX),
    "test_helpers.templates.set_carrier_status": (
        "POST",
        "/v1/test_helpers/templates/{name}/carrier_status",
        SANDBOX,
    ),
    "test_helpers.clock.retrieve": ("GET", "/v1/test_helpers/clock", SANDBOX),
    "test_helpers.clock.advance": ("POST", "/v1/test_helpers/clock/advance", SANDBOX),
}
BODY_IDEMPOTENCY = {"messages.send", "broadcasts.create"}
STANDARD_HEADERS = {
    "X-Request-Id",
    "X-RateLimit-Limit",
    "X-RateLimit-Remaining",
    "X-RateLimit-Reset",
    "X-RateLimit-Warning",
}


@cache
def spec() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8"))
    return document


def schemas() -> dict[str, Any]:
    found: dict[str, Any] = spec()["components"]["schemas"]
    return found


def schema_validator(name: str) -> Validator:
    """A Draft 2020-12 validator for one named schema, resolving `$ref`s across the spec."""
    resource: Resource[Any] = DRAFT202012.create_resource(spec())
    registry: Registry[Any] = Registry[Any]().with_resource(SPEC_URI, resource)
    return Draft202012Validator(
        {"$ref": f"{SPEC_URI}{SCHEMA_REF}{name}"},
        registry=registry,
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )


def is_valid(name: str, instance: Any) -> bool:
    return schema_validator(name).is_valid(instance)


def resolve(node: Mapping[str, Any]) -> Mapping[str, Any]:
    """Follow a component `$ref` (parameters, responses, headers) to its target."""
    if "$ref" not in node:
        return node
    _, section, name = node["$ref"].removeprefix("#/").split("/")
    target: Mapping[str, Any] = spec()["components"][section][name]
    return target


def operations() -> Iterator[tuple[str, str, dict[str, Any], list[Mapping[str, Any]]]]:
    """(method, path, operation, parameters including the path item's) for every operation."""
    for path, item in spec()["paths"].items():
        shared = [resolve(p) for p in item.get("parameters", [])]
        for method in METHODS:
            if method in item:
                operation = item[method]
                own = [resolve(p) for p in operation.get("parameters", [])]
                yield method.upper(), path, operation, shared + own


def operation_ids() -> list[str]:
    return [operation["operationId"] for _, _, operation, _ in operations()]


def by_id(operation_id: str) -> tuple[str, str, dict[str, Any], list[Mapping[str, Any]]]:
    return next(entry for entry in operations() if entry[2]["operationId"] == operation_id)


def children(node: object) -> Iterator[tuple[str, object]]:
    """(key, child) pairs of a YAML mapping or list; nothing for scalars."""
    if isinstance(node, dict):
        yield from cast("dict[str, object]", node).items()
    elif isinstance(node, list):
        yield from ((str(index), item) for index, item in enumerate(cast("list[object]", node)))


def refs(node: object) -> Iterator[str]:
    """Names of the component schemas `node` refers to, at any depth."""
    reference = dict(children(node)).get("$ref")
    if isinstance(reference, str) and reference.startswith(SCHEMA_REF):
        yield reference.removeprefix(SCHEMA_REF)
    for _, child in children(node):
        yield from refs(child)


def closure(roots: Iterator[str]) -> set[str]:
    seen: set[str] = set()
    pending = list(roots)
    while pending:
        name = pending.pop()
        if name not in seen:
            seen.add(name)
            pending.extend(refs(schemas()[name]))
    return seen


def request_schemas() -> set[str]:
    return closure(refs([operation.get("requestBody") for _, _, operation, _ in operations()]))


def response_schemas() -> set[str]:
    responses = [operation["responses"] for _, _, operation, _ in operations()]
    webhook_bodies = [item["post"]["requestBody"] for item in spec()["webhooks"].values()]
    return closure(refs([*responses, *webhook_bodies, spec()["components"]["responses"]]))


def is_model(schema: Mapping[str, Any]) -> bool:
    return "properties" in schema


def test_document_is_valid_openapi_3_1() -> None:
    validate(spec())
    assert spec()["openapi"] == "3.1.0"
    assert spec()["info"]["version"] == "2026-11-01"


def test_operation_table_is_exactly_the_contract() -> None:
    assert sorted(operation_ids()) == sorted(OPERATIONS)
    for method, path, operation, _ in operations():
        expected_method, expected_path, _scope = OPERATIONS[operation["operationId"]]
        assert (method, path) == (expected_method, expected_path), operation["operationId"]


@pytest.mark.parametrize("operation_id", sorted(OPERATIONS))
def test_operation_is_documented_and_scoped(operation_id: str) -> None:
    _, _, operation, _ = by_id(operation_id)
    assert re.fullmatch(r"[a-z_]+(\.[a-z_]+)+", operation_id)
    assert operation["summary"].strip()
    assert operation["description"].strip()
    assert operation["tags"] == [operation_id.split(".", maxsplit=1)[0]]
    scope = OPERATIONS[operation_id][2]
    if scope == SANDBOX:
        assert operation["x-ccx-sandbox-only"] is True
        assert "x-ccx-scope" not in operation
    else:
        assert operation["x-ccx-scope"] == scope
        assert "x-ccx-sandbox-only" not in operation


def test_scopes_are_exactly_the_briefs() -> None:
    used = {scope for _, _, scope in OPERATIONS.values() if scope not in (None, SANDBOX)}
    assert set(schemas()["Scope"]["enum"]) == used


@pytest.mark.parametrize("operation_id", sorted(OPERATIONS))
def test_idempotency_location(operation_id: str) -> None:
    method, _, operation, parameters = by_id(operation_id)
    header_names = {p["name"] for p in parameters if p["in"] == "header"}
    if operation_id in BODY_IDEMPOTENCY:
        assert operation["x-ccx-idempotency"] == "body"
        assert "Idempotency-Key" not in header_names
        body = schemas()[
            operation["requestBody"]["content"]["application/json"]["schema"]["$ref"].removeprefix(
                SCHEMA_REF
            )
        ]
        assert body["properties"]["idempotency_key"]["maxLength"] == 128
    elif method == "POST":
        assert operation["x-ccx-idempotency"] == "header"
        assert "Idempotency-Key" in header_names
    else:
        assert "x-ccx-idempotency" not in operation
        assert "Idempotency-Key" not in header_names


def test_send_requires_the_idempotency_key_and_a_keyless_broadcast_is_documented() -> None:
    assert "idempotency_key" in schemas()["MessageSendRequest"]["required"]
    assert "idempotency_key" not in schemas()["BroadcastCreateRequest"]["required"]
    assert "not deduplicated" in by_id("broadcasts.create")[2]["description"]
    accepted = by_id("broadcasts.create")[2]["responses"]["202"]
    assert "CCX-Warning" in accepted["headers"]
    assert not is_valid(
        "MessageSendRequest", {k: v for k, v in SEED_SEND.items() if k != "idempotency_key"}
    )


@pytest.mark.parametrize("operation_id", sorted(OPERATIONS))
def test_every_request_carries_the_common_headers(operation_id: str) -> None:
    _, _, _, parameters = by_id(operation_id)
    names = {p["name"] for p in parameters if p["in"] == "header"}
    assert {"CCX-Version", "CCX-Retry-Count", "traceparent"} <= names


def test_the_public_spec_declares_nothing_mock_only() -> None:
    """Third-party generators read this file: a mock switch here grows a parameter on every
    call of their clients. The mock's extensions live in openapi/mock-overlay.yaml."""
    assert "mock-fault" not in SPEC_PATH.read_text().lower()
    assert "CCXMockFault" not in spec()["components"]["parameters"]


@pytest.mark.parametrize("operation_id", sorted(OPERATIONS))
def test_every_response_carries_the_rate_limit_headers(operation_id: str) -> None:
    method, _, operation, _ = by_id(operation_id)
    for status, raw in operation["responses"].items():
        headers = set(resolve(raw)["headers"])
        # A 401 knows no token, so it has no token window to report.
        expected = {"X-Request-Id"} if status == "401" else STANDARD_HEADERS
        assert headers >= expected, (operation_id, status)
        if status in ("429", "503"):
            assert "Retry-After" in headers, (operation_id, status)
        if method == "POST" and status.startswith("2"):
            assert "Idempotent-Replayed" in headers, (operation_id, status)


@pytest.mark.parametrize(
    "operation_id",
    sorted(i for i in OPERATIONS if by_id(i)[2].get("x-ccx-paginated")),
)
def test_paginated_operations_take_a_cursor_and_return_a_list(operation_id: str) -> None:
    _, _, operation, parameters = by_id(operation_id)
    query = {p["name"]: p for p in parameters if p["in"] == "query"}
    assert query["limit"]["schema"] == {
        "type": "integer",
        "minimum": 1,
        "maximum": 100,
        "default": 20,
    }
    assert query["starting_after"]["schema"]["type"] == "string"
    reference = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    name = reference.removeprefix(SCHEMA_REF)
    assert name.endswith("List")
    page = schemas()[name]
    assert set(page["required"]) == {"object", "data", "has_more", "next_cursor"}
    assert page["properties"]["next_cursor"]["type"] == ["string", "null"]
    item = page["properties"]["data"]["items"]["$ref"].removeprefix(SCHEMA_REF)
    assert is_valid(name, {"object": "list", "data": [], "has_more": False, "next_cursor": None})
    assert not is_valid(
        name, {"object": "list", "data": [{}], "has_more": False, "next_cursor": None}
    )
    assert item in schemas()


def test_list_operations_are_paginated() -> None:
    for _, _, operation, _ in operations():
        listing = operation["operationId"].split(".")[-1].startswith("list")
        assert bool(operation.get("x-ccx-paginated")) == listing, operation["operationId"]


def _with_patterns(node: object) -> Iterator[Mapping[str, Any]]:
    if isinstance(node, Mapping):
        mapping = cast("Mapping[str, Any]", node)
        if "pattern" in mapping:
            yield mapping
        for value in mapping.values():
            yield from _with_patterns(value)
    elif isinstance(node, list):
        for value in cast("list[object]", node):
            yield from _with_patterns(value)


def test_every_pattern_says_in_words_what_it_expects() -> None:
    """``x-ccx-expected`` is what an error shows instead of the regular expression."""
    found = list(_with_patterns(spec()))
    assert len(found) > 10
    assert [s["pattern"] for s in found if not s.get("x-ccx-expected")] == []


def test_request_schemas_forbid_unknown_fields() -> None:
    for name in request_schemas():
        schema = schemas()[name]
        if is_model(schema):
            assert schema.get("additionalProperties") is False, name


def test_response_schemas_tolerate_unknown_fields() -> None:
    for name in response_schemas():
        assert "additionalProperties" not in schemas()[name] or not is_model(schemas()[name]), name
    assert is_valid("Message", {**minimal_message(), "field_from_a_newer_server": 1})


def test_unset_optional_response_fields_may_be_null_or_absent() -> None:
    token = {
        "id": "tok_1",
        "object": "token",
        "environment": "test",
        "scopes": ["messages:send"],
        "created_at": "2026-11-01T00:00:00Z",
        "prefix": "ccx_test_a1B2",
    }
    assert is_valid("Token", token)
    assert is_valid("Token", {**token, "expires_at": None, "revoked_at": None})
    assert not is_valid("Token", {**token, "prefix": None})


def test_models_are_never_shared_between_requests_and_responses() -> None:
    shared = request_schemas() & response_schemas()
    assert all(not is_model(schemas()[name]) for name in shared), shared


def test_bodies_and_nested_objects_are_named_schemas() -> None:
    """The generator names types after schemas, so every object with fields is a `$ref`."""

    def inline_objects(node: object, where: str) -> Iterator[str]:
        for key, child in children(node):
            if "properties" in dict(children(child)):
                yield f"{where}/{key}"
            yield from inline_objects(child, f"{where}/{key}")

    offenders = list(inline_objects(spec()["paths"], "paths"))
    offenders += list(inline_objects(spec()["webhooks"], "webhooks"))
    for name, schema in schemas().items():
        offenders += list(inline_objects(schema.get("properties", {}), name))
    assert offenders == []


def test_every_schema_property_is_described() -> None:
    missing = [
        f"{name}.{field}"
        for name, schema in schemas().items()
        for field, definition in schema.get("properties", {}).items()
        if not definition.get("description")
    ]
    assert missing == []


def test_seed_send_example_is_a_valid_request() -> None:
    assert is_valid("MessageSendRequest", SEED_SEND)
    examples = by_id("messages.send")[2]["requestBody"]["content"]["application/json"]["examples"]
    assert examples["order_confirmation"]["value"] == SEED_SEND


def test_seed_broadcast_example_is_a_valid_request() -> None:
    assert is_valid("BroadcastCreateRequest", SEED_BROADCAST)
    examples = by_id("broadcasts.create")[2]["requestBody"]["content"]["application/json"][
        "examples"
    ]
    assert examples["black_friday"]["value"] == SEED_BROADCAST


@pytest.mark.parametrize(
    ("schema", "body"),
    [
        ("MessageSendRequest", {**SEED_SEND, "unknown_field": True}),
        ("MessageSendRequest", {**SEED_SEND, "channel": "telegram"}),
        ("MessageSendRequest", {**SEED_SEND, "priority": "urgent"}),
        ("MessageSendRequest", {**SEED_SEND, "template": {**SEED_SEND["template"], "extra": 1}}),
        ("MessageSendRequest", {**SEED_SEND, "schedule_at": "tomorrow"}),
        ("BroadcastCreateRequest", {**SEED_BROADCAST, "template": {"name": "black_friday_2026"}}),
        ("BroadcastCreateRequest", {**SEED_BROADCAST, "rate_limit_per_minute": 50001}),
        ("BroadcastCreateRequest", {**SEED_BROADCAST, "rate_limit_per_minute": 0}),
    ],
)
def test_bad_requests_are_rejected(schema: str, body: dict[str, Any]) -> None:
    assert not is_valid(schema, body)


@given(key=st.text(min_size=1, max_size=128))
def test_any_idempotency_key_up_to_128_characters_is_accepted(key: str) -> None:
    assert is_valid("MessageSendRequest", {**SEED_SEND, "idempotency_key": key})
    assert is_valid("BroadcastCreateRequest", {**SEED_BROADCAST, "idempotency_key": key})


@given(key=st.text(min_size=129, max_size=400))
def test_idempotency_keys_over_128_characters_are_rejected(key: str) -> None:
    assert not is_valid("MessageSendRequest", {**SEED_SEND, "idempotency_key": key})


@given(number=st.from_regex(r"\+[1-9][0-9]{6,14}", fullmatch=True))
def test_any_e164_number_is_a_valid_recipient(number: str) -> None:
    assert is_valid("MessageSendRequest", {**SEED_SEND, "to": number})


@pytest.mark.parametrize(
    "recipient", ["5511999990000", "+0511999990000", "+55 11 99999 0000", "maria@", ""]
)
def test_malformed_recipients_are_rejected(recipient: str) -> None:
    assert not is_valid("MessageSendRequest", {**SEED_SEND, "to": recipient})


def test_seed_webhook_payload_is_message_event_data() -> None:
    assert is_valid("MessageEventData", SEED_WEBHOOK_DATA)
    assert not is_valid(
        "MessageEventData", {k: v for k, v in SEED_WEBHOOK_DATA.items() if k != "message_id"}
    )


def envelope(event: str, data: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": "evt_1",
        "object": "event",
        "event": event,
        "created_at": "2026-04-22T14:20:12Z",
        "api_version": "2026-11-01",
        "trace_id": None,
        "data": data,
    }


def test_seed_webhook_payload_parses_as_the_event_union() -> None:
    webhook = spec()["webhooks"]["message.delivered"]["post"]
    example = webhook["requestBody"]["content"]["application/json"]["examples"]["seed_sample"]
    assert example["value"]["data"] == SEED_WEBHOOK_DATA
    assert is_valid("MessageDeliveredEvent", envelope("message.delivered", SEED_WEBHOOK_DATA))
    assert is_valid("Event", envelope("message.delivered", SEED_WEBHOOK_DATA))
    assert not is_valid("Event", envelope("message.exploded", SEED_WEBHOOK_DATA))


def test_webhooks_cover_every_event_type_of_the_brief() -> None:
    webhooks = spec()["webhooks"]
    assert set(webhooks) == EVENT_TYPES
    assert set(schemas()["EventType"]["enum"]) == EVENT_TYPES
    union = schemas()["Event"]
    assert union["discriminator"]["propertyName"] == "event"
    mapping = union["discriminator"]["mapping"]
    assert set(mapping) == EVENT_TYPES
    assert {entry["$ref"] for entry in union["oneOf"]} == set(mapping.values())
    for event, item in webhooks.items():
        body = item["post"]["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        assert mapping[event] == body
        envelope_schema = schemas()[body.removeprefix(SCHEMA_REF)]
        assert envelope_schema["properties"]["event"]["const"] == event
        assert envelope_schema["properties"]["trace_id"]["type"] == ["string", "null"]
        headers = {resolve(p)["name"] for p in item["post"]["parameters"]}
        assert headers == {"CCX-Signature", "CCX-Event-Id", "CCX-Event-Type"}
        assert item["post"]["security"] == []


def test_events_endpoints_return_the_event_union() -> None:
    retrieved = by_id("events.retrieve")[2]["responses"]["200"]["content"]["application/json"]
    assert retrieved["schema"]["$ref"] == f"{SCHEMA_REF}Event"
    assert schemas()["EventList"]["properties"]["data"]["items"]["$ref"] == f"{SCHEMA_REF}Event"


def test_broadcast_events_is_a_resumable_stream_of_the_stream_union() -> None:
    _, _, operation, parameters = by_id("broadcasts.events")
    content = operation["responses"]["200"]["content"]
    assert set(content) == {"text/event-stream"}
    message = content["text/event-stream"]["schema"]["oneOf"][0]
    assert message["$ref"] == f"{SCHEMA_REF}BroadcastStreamMessage"
    data = schemas()["BroadcastStreamMessage"]["properties"]["data"]
    assert data["contentSchema"]["$ref"] == f"{SCHEMA_REF}BroadcastStreamEvent"
    assert "Last-Event-ID" in {p["name"] for p in parameters}
    progress = {  # the event webhook endpoints receive, the same envelope
        "id": "evt_1",
        "object": "event",
        "event": "broadcast.progress",
        "created_at": "2026-11-28T12:00:00Z",
        "api_version": "2026-11-01",
        "trace_id": None,
        "data": {
            "broadcast_id": "brd_1",
            "name": "Black Friday",
            "status": "running",
            "counts": dict.fromkeys(
                ("total", "queued", "sent", "delivered", "read", "failed", "canceled"), 0
            ),
        },
    }
    assert is_valid("BroadcastStreamEvent", progress)
    assert is_valid("BroadcastProgressEvent", progress)
    assert not is_valid(
        "BroadcastStreamEvent", {"event": progress["event"], "data": progress["data"]}
    )
    assert is_valid("BroadcastStreamEvent", {**progress, "event": "broadcast.completed"})
    assert not is_valid("BroadcastStreamEvent", {**progress, "event": "broadcast.paused"})


def minimal_message() -> dict[str, Any]:
    return {
        "id": "msg_1",
        "object": "message",
        "direction": "outbound",
        "to": "+15550000001",
        "channel": "whatsapp",
        "status": "queued",
        "priority": "default",
        "fallback": [],
        "metadata": {},
        "attempts": 0,
        "created_at": "2026-11-01T00:00:00Z",
    }


def test_errors_use_one_envelope_with_typed_codes() -> None:
    error = {
        "error": {
            "type": "upstream_error",
            "code": "upstream_error",
            "message": "The carrier rejected the message.",
            "param": None,
            "request_id": "req_1",
            "retryable": True,
            "upstream": {"code": 131026, "message": "Message undeliverable"},
        }
    }
    assert is_valid("ErrorResponse", error)
    assert not is_valid("ErrorResponse", {"error": {**error["error"], "type": "teapot_error"}})
    for name, response in spec()["components"]["responses"].items():
        schema = response["content"]["application/json"]["schema"]["$ref"]
        assert schema == f"{SCHEMA_REF}ErrorResponse", name
