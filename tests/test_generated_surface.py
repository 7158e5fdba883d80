"""The generated surface matches the spec: every operation is a method, every schema a type."""

from __future__ import annotations

import inspect
import json
import typing
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

import ccx
import ccx.types

SPEC = yaml.safe_load((Path(__file__).parents[1] / "openapi/openapi.yaml").read_text())
CALL_OPTIONS = {
    "extra_headers",
    "extra_query",
    "extra_body",
    "timeout",
    "max_retries",
    "call_timeout",
}
METHODS = ("get", "post", "put", "patch", "delete")
# Sync and async methods are driven from the same async tests, on purpose; the warning that a
# sync call blocks the loop is tested in tests/core/test_misuse.py.
pytestmark = pytest.mark.filterwarnings("ignore::ccx.BlockingCallWarning")


def _parameter(raw: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in raw:
        return typing.cast(
            dict[str, Any], SPEC["components"]["parameters"][raw["$ref"].rsplit("/", 1)[-1]]
        )
    return raw


def _operations() -> Iterator[tuple[str, str, dict[str, Any], list[dict[str, Any]]]]:
    for path, item in SPEC["paths"].items():
        shared = [_parameter(p) for p in item.get("parameters", [])]
        for method in METHODS:
            if method in item:
                operation = item[method]
                own = [_parameter(p) for p in operation.get("parameters", [])]
                yield path, method.upper(), operation, shared + own


OPERATIONS = list(_operations())


def _body_properties(operation: dict[str, Any]) -> tuple[dict[str, Any], set[str]]:
    content = operation.get("requestBody", {}).get("content", {}).get("application/json")
    if content is None:
        return {}, set()
    schema = SPEC["components"]["schemas"][content["schema"]["$ref"].rsplit("/", 1)[-1]]
    return schema.get("properties", {}), set(schema.get("required", []))


def _method(client: object, operation_id: str) -> Any:
    target: Any = client
    for part in operation_id.split("."):
        target = getattr(target, part)
    return target


@pytest.fixture(params=[ccx.CCX, ccx.AsyncCCX], ids=["sync", "async"])
def client(request: pytest.FixtureRequest) -> Any:
    return request.param(api_key="ccx_test_surface", base_url="http://127.0.0.1:9")


@pytest.mark.parametrize(
    ("path", "http_method", "operation", "parameters"),
    OPERATIONS,
    ids=[operation["operationId"] for _, _, operation, _ in OPERATIONS],
)
def test_every_operation_is_a_typed_method_on_both_clients(
    client: Any,
    path: str,
    http_method: str,
    operation: dict[str, Any],
    parameters: list[dict[str, Any]],
) -> None:
    method = _method(client, operation["operationId"])
    signature = inspect.signature(method)
    by_name = {name.rstrip("_"): p for name, p in signature.parameters.items()}

    for parameter in parameters:
        if parameter["in"] == "path":
            assert by_name[parameter["name"]].kind is inspect.Parameter.POSITIONAL_OR_KEYWORD
        elif parameter["in"] == "query":
            declared = by_name[parameter["name"]]
            assert declared.kind is inspect.Parameter.KEYWORD_ONLY
            assert (declared.default is inspect.Parameter.empty) == bool(parameter.get("required"))

    properties, required = _body_properties(operation)
    for name in properties:
        declared = by_name[name]
        assert declared.kind is inspect.Parameter.KEYWORD_ONLY
        if name != "idempotency_key":
            assert (declared.default is inspect.Parameter.empty) == (name in required), name

    assert set(signature.parameters) >= CALL_OPTIONS
    # Offered exactly where the spec takes a key, so no call passes one that would be ignored.
    assert ("idempotency_key" in signature.parameters) == ("x-ccx-idempotency" in operation)
    # Every annotation resolves at runtime: the generated imports are complete.
    hints = typing.get_type_hints(method)
    assert "return" in hints
    assert method.__doc__
    assert method.__doc__.strip()


def test_async_methods_that_return_a_result_are_coroutines() -> None:
    client = ccx.AsyncCCX(api_key="ccx_test_surface", base_url="http://127.0.0.1:9")
    for _path, _method_name, operation, _parameters in OPERATIONS:
        method = _method(client, operation["operationId"])
        content = next(
            (
                r.get("content", {})
                for s, r in operation["responses"].items()
                if str(s).startswith("2")
            ),
            dict[str, Any](),
        )
        lazy = operation.get("x-ccx-paginated") or "text/event-stream" in content
        assert inspect.iscoroutinefunction(method) is (not lazy), operation["operationId"]


@pytest.mark.parametrize("name", sorted(SPEC["components"]["schemas"]))
def test_every_schema_has_a_type(name: str) -> None:
    assert hasattr(ccx.types, name) or hasattr(ccx.types, name + "Param"), name


def test_every_webhook_event_type_has_a_model() -> None:
    from ccx.types.events import EVENT_TYPES

    assert list(EVENT_TYPES) == list(SPEC["webhooks"])


class Sent(Exception):
    """Raised by the transport once it has the request: only what is sent matters here."""

    def __init__(self, request: httpx.Request) -> None:
        super().__init__(request.url.path)
        self.request = request


def _record(request: httpx.Request) -> httpx.Response:
    raise Sent(request)


def _required_arguments(method: Any) -> tuple[list[str], dict[str, str]]:
    """Stand-ins for the path ids and the required keywords: the SDK sends them as given."""
    parameters = inspect.signature(method).parameters.values()
    required = [p for p in parameters if p.default is inspect.Parameter.empty]
    positional = [f"{p.name}_1" for p in required if p.kind is p.POSITIONAL_OR_KEYWORD]
    return positional, {p.name: "x" for p in required if p.kind is p.KEYWORD_ONLY}


async def _use(result: Any) -> None:
    """Await or start iterating what a method returned, until its request goes out."""
    if inspect.isawaitable(result):
        result = await result
    if hasattr(result, "__anext__"):
        await result.__anext__()
    elif hasattr(result, "__next__"):
        next(result)


async def _sent(method: Any, **extra: Any) -> tuple[httpx.Request, dict[str, Any]]:
    """The request a call of ``method`` sends (whatever it returns), and its JSON body."""
    positional, keywords = _required_arguments(method)
    with pytest.raises(Sent) as sent:
        await _use(method(*positional, **keywords, **extra))
    request = sent.value.request
    return request, json.loads(request.content) if request.content else {}


@pytest.mark.parametrize(
    "operation",
    [operation for _, _, operation, _ in OPERATIONS],
    ids=[operation["operationId"] for _, _, operation, _ in OPERATIONS],
)
@pytest.mark.parametrize("client_class", [ccx.CCX, ccx.AsyncCCX], ids=["sync", "async"])
async def test_a_key_is_sent_exactly_where_the_spec_takes_one(
    client_class: Any, operation: dict[str, Any]
) -> None:
    client = client_class(
        api_key="ccx_test_surface",
        base_url="http://api.test",
        max_retries=0,
        transport=httpx.MockTransport(_record),
    )
    method = _method(client, operation["operationId"])
    location = operation.get("x-ccx-idempotency")

    request, body = await _sent(method)

    if location is None:
        assert "idempotency-key" not in request.headers
        assert "idempotency_key" not in body
        return
    generated = request.headers["idempotency-key"]
    assert ("idempotency_key" in body) == (location == "body")
    chosen, chosen_body = await _sent(method, idempotency_key="key_1")
    assert chosen.headers["idempotency-key"] == "key_1"
    if location == "body":
        assert (body["idempotency_key"], chosen_body["idempotency_key"]) == (generated, "key_1")
