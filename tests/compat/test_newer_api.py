"""A newer API never breaks this SDK: every mutant of every response and event schema of the spec.

For each operation of the spec (sync and async), each webhook event and each event of the
broadcast stream, a valid instance and its mutants (``spec_mutants``) go through the public API:
responses served to ``CCX``/``AsyncCCX`` by an in-process transport, pages iterated, streams
read, webhooks signed and verified. Lenient reading must give the declared model holding exactly
what was sent; strict reading must refuse exactly the mutants ``jsonschema`` says break the
schema.
"""

from __future__ import annotations

import inspect
import json
import keyword
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import ccx
import ccx.webhooks
from ccx._lenient import read_leniently
from ccx._models import EventModel

from .spec_mutants import (
    UNKNOWN_TYPE,
    Mutation,
    Operation,
    Variant,
    mutations,
    operations,
    variants,
    webhook_event_schemas,
)

SECRET = "whsec_newer_api_0a1b2c3d"
API_KEY = "ccx_test_newer_api"
REQUEST_ID = "req_newer_api"
OPERATIONS = operations()
EMPTY_PAGE: dict[str, Any] = {"object": "list", "data": [], "has_more": False, "next_cursor": None}
Body = Any


def dumped(model: Any) -> Any:
    """What a model holds, as the JSON it was read from."""
    return model.to_dict()


def round_trip_problem(model: Any) -> str | None:
    """Why ``to_dict``/``to_json`` do not give back, through the lenient reader, the model."""
    wire = model.to_dict()
    if json.loads(model.to_json()) != wire:
        return f"to_json {model.to_json()!r} is not to_dict {wire!r}"
    again = read_leniently(type(model), wire)
    if again != model:
        return f"read back from to_dict as {again!r}"
    if model.x_request_id != REQUEST_ID:
        return f"x_request_id is {model.x_request_id!r}"
    return None


def _operation_ids(operation: Operation) -> str:
    return operation.id


def _python_name(json_name: str) -> str:
    return json_name + "_" if keyword.iskeyword(json_name) else json_name


def _method(client: Any, operation: Operation) -> Callable[..., Any]:
    target = client
    for part in operation.id.split("."):
        target = getattr(target, part)
    return target


def _call(client: Any, operation: Operation) -> Any:
    method = _method(client, operation)
    accepted = inspect.signature(method).parameters
    positional = [f"id_{index}" for index in range(operation.path_parameters)]
    keywords = {_python_name(name): value for name, value in operation.arguments}
    return method(*positional, **{name: v for name, v in keywords.items() if name in accepted})


def _sse(event_type: str, body: Body) -> bytes:
    return f"event: {event_type}\ndata: {json.dumps(body)}\n\n".encode()


def _response(operation: Operation, body: Body, served: list[int]) -> httpx.Response:
    served.append(1)
    headers = {"X-Request-Id": REQUEST_ID}
    if operation.kind == "stream":
        headers["Content-Type"] = "text/event-stream"
        return httpx.Response(200, headers=headers, content=b"".join(body))
    return httpx.Response(200, headers=headers, json=body if len(served) == 1 else EMPTY_PAGE)


def _serving(operation: Operation, body: Body) -> httpx.MockTransport:
    served: list[int] = []
    return httpx.MockTransport(lambda request: _response(operation, body, served))


def _stream_body(variant: Variant, new_type: bool, mutant: Body) -> list[bytes]:
    """The mutant as the first event of a stream; a valid final event ends it if needed."""
    known = variant.instance[variant.tag_field or "event"]
    event_type = UNKNOWN_TYPE if new_type else known
    first = _sse(event_type, mutant)
    if event_type == "broadcast.completed":
        return [first]
    final = next(v for v in variants(variant.union or "") if v.schema != variant.schema)
    return [first, _sse("broadcast.completed", final.instance)]


def cases(operation: Operation) -> Iterator[tuple[Variant, str, Body]]:
    """(variant, what changed, the body sent): the valid instance, then every mutant."""
    for variant in variants(operation.schema):
        yield variant, "valid", variant.instance
        for mutation, mutant in variant.mutants():
            yield variant, str(mutation), mutant


def check_read(operation: Operation, variant: Variant, sent: Body, result: Any) -> str | None:
    """Why ``result`` is not what a lenient read of ``sent`` must give, or None."""
    if operation.kind == "page":
        items: list[Any] = sent.get("data") if isinstance(sent.get("data"), list) else []
        got = [dumped(item) for item in result]
        if got != items:
            return f"read {got!r}, sent {items!r}"
        return next(filter(None, map(round_trip_problem, result)), None)
    expected = variant.model_for(sent)
    if type(result).__name__ != expected:
        return f"read a {type(result).__name__}, expected a {expected}"
    got = dumped(result)
    if got != sent:
        return f"read {got!r}, sent {sent!r}"
    if isinstance(result, EventModel) and result.raw_dict != sent:
        return f"raw_dict is {result.raw_dict!r}"
    return round_trip_problem(result)


def served_body(operation: Operation, variant: Variant, change: str, body: Body) -> Body:
    if operation.kind != "stream":
        return body
    return _stream_body(variant, change.startswith("new_type"), body)


def _never_sleep(seconds: float) -> None:
    raise AssertionError(f"the client waited {seconds} s: a stream did not end")


async def _never_sleep_async(seconds: float) -> None:
    _never_sleep(seconds)


def _client_options(operation: Operation, body: Body, strict: bool) -> dict[str, Any]:
    return {
        "api_key": API_KEY,
        "base_url": "http://newer-api.test",
        "transport": _serving(operation, body),
        "max_retries": 0,
        "strict_response_validation": strict,
    }


def _result(operation: Operation, items: list[Any]) -> Any:
    """What a test checks: every item of a page, the first event of a stream."""
    return items if operation.kind == "page" else items[0]


def sync_read(operation: Operation, body: Body, *, strict: bool) -> Any:
    options = _client_options(operation, body, strict)
    with ccx.CCX(**options, sleep=_never_sleep) as client:
        result = _call(client, operation)
        return result if operation.kind == "object" else _result(operation, list(result))


async def async_read(operation: Operation, body: Body, *, strict: bool) -> Any:
    options = _client_options(operation, body, strict)
    async with ccx.AsyncCCX(**options, sleep=_never_sleep_async) as client:
        if operation.kind == "object":
            return await _call(client, operation)
        return _result(operation, [item async for item in _call(client, operation)])


def _verdict(
    operation: Operation, variant: Variant, change: str, sent: Body, lenient: Any, refused: bool
) -> str | None:
    """What is wrong with a lenient and a strict read of ``sent``, or None."""
    where = f"{operation.id} {variant.schema} {change}"
    problem = check_read(operation, variant, sent, lenient)
    if problem is not None:
        return f"{where}: lenient {problem}"
    if refused == variant.valid(sent):
        return f"{where}: strict {'refused' if refused else 'accepted'} it, unlike jsonschema"
    return None


def sync_verdict(operation: Operation, variant: Variant, change: str, sent: Body) -> str | None:
    body = served_body(operation, variant, change, sent)
    lenient = sync_read(operation, body, strict=False)
    try:
        sync_read(operation, body, strict=True)
    except ccx.ResponseValidationError:
        return _verdict(operation, variant, change, sent, lenient, refused=True)
    return _verdict(operation, variant, change, sent, lenient, refused=False)


async def async_verdict(
    operation: Operation, variant: Variant, change: str, sent: Body
) -> str | None:
    body = served_body(operation, variant, change, sent)
    lenient = await async_read(operation, body, strict=False)
    try:
        await async_read(operation, body, strict=True)
    except ccx.ResponseValidationError:
        return _verdict(operation, variant, change, sent, lenient, refused=True)
    return _verdict(operation, variant, change, sent, lenient, refused=False)


@pytest.mark.parametrize("operation", OPERATIONS, ids=_operation_ids)
def test_every_mutant_of_a_response_is_read_sync(operation: Operation) -> None:
    verdicts = [sync_verdict(operation, *case) for case in cases(operation)]
    assert [verdict for verdict in verdicts if verdict] == []
    assert len(verdicts) > 2  # the valid instance and at least two mutants


@pytest.mark.parametrize("operation", OPERATIONS, ids=_operation_ids)
async def test_every_mutant_of_a_response_is_read_async(operation: Operation) -> None:
    verdicts = [await async_verdict(operation, *case) for case in cases(operation)]
    assert [verdict for verdict in verdicts if verdict] == []


def _signed(body: Body) -> tuple[bytes, dict[str, str]]:
    payload = json.dumps(body).encode()
    return payload, {"CCX-Signature": ccx.webhooks.sign(payload, SECRET)}


def verify_both(variant: Variant, sent: Body) -> str | None:
    payload, headers = _signed(sent)
    event = ccx.webhooks.verify(payload, headers, SECRET)
    expected = variant.model_for(sent)
    if type(event).__name__ != expected:
        return f"read a {type(event).__name__}, expected a {expected}"
    if dumped(event) != sent or event.raw_dict != sent:
        return f"read {dumped(event)!r}, sent {sent!r}"
    try:
        ccx.webhooks.verify(payload, headers, SECRET, strict=True)
    except ccx.webhooks.InvalidPayloadError:
        refused = True
    else:
        refused = False
    if refused == variant.valid(sent):
        return f"strict {'refused' if refused else 'accepted'} it"
    return None


WEBHOOKS = webhook_event_schemas()


@pytest.mark.parametrize(("event_type", "schema"), WEBHOOKS, ids=[e for e, _ in WEBHOOKS])
def test_every_mutant_of_a_webhook_event_verifies(event_type: str, schema: str) -> None:
    variant = Variant(schema, "Event", "event")
    assert variant.instance["event"] == event_type
    failures = [(str(m), verify_both(variant, mutant)) for m, mutant in variant.mutants()]
    failures.append(("valid", verify_both(variant, variant.instance)))
    assert [(change, problem) for change, problem in failures if problem] == []
    assert {change.split()[0] for change, _ in failures} >= {
        "valid",
        "remove",
        "add_field",
        "unknown_value",
        "new_type",
    }


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=6,
)
new_words = st.from_regex(r"[a-z][a-z0-9_]{0,20}", fullmatch=True)


@st.composite
def combined_mutants(draw: st.DrawFn, variant: Variant) -> Body:
    """Several changes at once, with drawn values: unknown words, added fields of any JSON."""
    instance = variant.instance
    singles = list(mutations({"$ref": f"#/components/schemas/{variant.schema}"}, instance))
    chosen = draw(st.lists(st.sampled_from(singles), min_size=1, max_size=6, unique=True))
    mutant = instance
    for single in chosen:
        change = single
        if single.kind == "unknown_value":
            change = Mutation("unknown_value", single.path, "new_" + draw(new_words))
        elif single.kind == "add_field":
            name, value = "new_" + draw(new_words), draw(json_values)
            change = Mutation("add_field", single.path, name, value)
        mutant = change.apply(mutant)
    return mutant


EVENT_VARIANTS = [Variant(schema, "Event", "event") for _type, schema in WEBHOOKS]


@pytest.mark.parametrize("variant", EVENT_VARIANTS, ids=[v.schema for v in EVENT_VARIANTS])
@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_several_changes_at_once_still_verify(variant: Variant, data: st.DataObject) -> None:
    sent = data.draw(combined_mutants(variant))
    assert verify_both(variant, sent) is None


RESPONSE_OPERATIONS = [op for op in OPERATIONS if op.kind == "object" and op.method == "get"]


@pytest.mark.parametrize("operation", RESPONSE_OPERATIONS, ids=_operation_ids)
@settings(max_examples=10, deadline=None)
@given(data=st.data())
def test_several_changes_at_once_are_read(operation: Operation, data: st.DataObject) -> None:
    variant = data.draw(st.sampled_from(variants(operation.schema)))
    sent = data.draw(combined_mutants(variant))
    assert sync_verdict(operation, variant, "combined", sent) is None


def test_the_suite_covers_every_kind_of_response() -> None:
    kinds = {operation.kind for operation in OPERATIONS}
    assert kinds == {"object", "page", "stream"}
    unions = {op.schema for op in OPERATIONS if len(variants(op.schema)) > 1}
    assert unions == {"Event", "BroadcastStreamEvent"}
