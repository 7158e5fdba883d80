"""The generated surface matches the spec: every operation is a method, every schema a type."""

from __future__ import annotations

import inspect
import typing
from collections.abc import Iterator
from pathlib import Path
from typing import Any

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

    options = CALL_OPTIONS | ({"idempotency_key"} if http_method != "GET" else set())
    assert options <= set(signature.parameters)
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
            {},
        )
        lazy = operation.get("x-ccx-paginated") or "text/event-stream" in content
        assert inspect.iscoroutinefunction(method) is (not lazy), operation["operationId"]


@pytest.mark.parametrize("name", sorted(SPEC["components"]["schemas"]))
def test_every_schema_has_a_type(name: str) -> None:
    assert hasattr(ccx.types, name) or hasattr(ccx.types, name + "Param"), name


def test_every_webhook_event_type_has_a_model() -> None:
    from ccx.types.events import EVENT_TYPES

    assert list(EVENT_TYPES) == list(SPEC["webhooks"])
