"""Hostile and malformed input: always a 4xx with the envelope and a useful param, never a 500."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, cast

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ccx
from ccx.mock import MockServer

JSON = {"Content-Type": "application/json"}


def refusal(response: httpx.Response, status: int, code: str) -> dict[str, object]:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == code
    assert error["request_id"] == response.headers["x-request-id"]
    return error


def test_malformed_json(http: httpx.Client) -> None:
    error = refusal(
        http.post("/v1/segments", content=b'{"name": "x",', headers=JSON), 400, "invalid_json"
    )
    assert "JSON" in str(error["message"])


def test_json_that_is_not_an_object(http: httpx.Client) -> None:
    refusal(http.post("/v1/segments", content=b"[1, 2]", headers=JSON), 400, "invalid_json")


def test_nan_is_not_json(http: httpx.Client) -> None:
    body = b'{"message": "hi", "context": NaN}'
    refusal(http.post("/v1/ai/reply", content=body, headers=JSON), 400, "invalid_json")


def test_wrong_content_type(http: httpx.Client) -> None:
    response = http.post(
        "/v1/segments",
        content=b"name=x",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    refusal(response, 415, "unsupported_media_type")


def test_non_utf8_body(http: httpx.Client) -> None:
    body = '{"name": "Ação", "recipients": ["+5511900000001"]}'.encode("latin-1")
    refusal(http.post("/v1/segments", content=body, headers=JSON), 400, "invalid_encoding")


def test_other_declared_charset(http: httpx.Client) -> None:
    response = http.post(
        "/v1/segments",
        content=b"{}",
        headers={"Content-Type": "application/json; charset=utf-16"},
    )
    refusal(response, 400, "invalid_encoding")


def test_oversize_body_is_413(http: httpx.Client) -> None:
    recipients = [f"+55119{n:08d}" for n in range(20_000)]
    response = http.post("/v1/segments", json={"name": "big", "recipients": recipients})
    refusal(response, 413, "body_too_large")


def test_oversize_chunked_body_is_413(http: httpx.Client) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"name": "big", "recipients": ['
        for _ in range(30_000):
            yield b'"+5511900000000",'
        yield b'"+5511900000000"]}'

    response = http.post("/v1/segments", content=chunks(), headers=JSON)
    refusal(response, 413, "body_too_large")


@pytest.mark.parametrize("depth", [40, 5_000, 100_000])
def test_deeply_nested_json(http: httpx.Client, depth: int) -> None:
    body = b'{"name": "x", "recipients": ' + b"[" * depth + b"]" * depth + b"}"
    refusal(http.post("/v1/segments", content=body, headers=JSON), 400, "json_too_deep")


def test_unknown_field_is_named(http: httpx.Client) -> None:
    response = http.post(
        "/v1/segments", json={"name": "x", "recipients": ["+5511900000001"], "colour": "red"}
    )
    error = refusal(response, 400, "invalid_request")
    assert error["param"] == "colour"
    assert "colour" in str(error["message"])
    assert "remove" in str(error["message"])


def test_nested_error_has_a_dotted_param(http: httpx.Client) -> None:
    response = http.post("/v1/segments", json={"name": "x", "recipients": ["+5511900000001", 7]})
    error = refusal(response, 400, "invalid_request")
    assert error["param"] == "recipients.1"


def test_missing_field_is_named(http: httpx.Client) -> None:
    error = refusal(http.post("/v1/segments", json={"name": "x"}), 400, "invalid_request")
    assert error["param"] == "recipients"
    assert "Missing required field 'recipients'" in str(error["message"])


def test_body_on_an_operation_without_one(http: httpx.Client) -> None:
    created = http.post("/v1/tokens", json={"scopes": ["audit:read"], "environment": "test"})
    response = http.post(f"/v1/tokens/{created.json()['id']}/rotate", json={"force": True})
    assert refusal(response, 400, "invalid_request")["param"] == "force"


@pytest.mark.parametrize(
    ("query", "param"),
    [({"limit": 1_000_000}, "limit"), ({"limit": 0}, "limit"), ({"limit": "ten"}, "limit")],
)
def test_bad_query_parameters(http: httpx.Client, query: dict[str, int | str], param: str) -> None:
    error = refusal(http.get("/v1/templates", params=query), 400, "invalid_request")
    assert error["param"] == param
    assert "query parameter" in str(error["message"])


def test_bad_cursor(http: httpx.Client) -> None:
    response = http.get("/v1/segments", params={"starting_after": "seg_doesnotexist"})
    assert refusal(response, 400, "invalid_cursor")["param"] == "starting_after"


def test_another_workspaces_id_is_a_bad_cursor_too(http: httpx.Client) -> None:
    response = http.get("/v1/segments", params={"starting_after": "seg_OTHER1"})
    refusal(response, 400, "invalid_cursor")


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.binary(max_size=300))
def test_arbitrary_bytes_never_cause_a_server_error(http: httpx.Client, body: bytes) -> None:
    response = http.post("/v1/segments", content=body, headers=JSON)
    assert 200 <= response.status_code < 500
    assert response.headers["x-request-id"].startswith("req_")


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=80, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    path=st.sampled_from(
        ["/v1/segments", "/v1/tokens", "/v1/templates", "/v1/exports", "/v1/ai/reply"]
    ),
    body=st.dictionaries(
        st.sampled_from(
            [
                "name",
                "recipients",
                "scopes",
                "environment",
                "ttl_seconds",
                "language",
                "category",
                "body",
                "resource",
                "format",
                "message",
                "context",
                "url",
                "x",
            ]
        ),
        json_values,
        max_size=6,
    ),
)
def test_arbitrary_json_objects_never_cause_a_server_error(
    http: httpx.Client, path: str, body: dict[str, object]
) -> None:
    response = http.post(path, content=json.dumps(body), headers=JSON)
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        assert response.json()["error"]["request_id"] == response.headers["x-request-id"]


def _patterns(schema: object) -> Iterator[str]:
    if isinstance(schema, dict):
        node = cast("dict[str, object]", schema)
        pattern = node.get("pattern")
        if isinstance(pattern, str):
            yield pattern
        for value in node.values():
            yield from _patterns(value)
    elif isinstance(schema, list):
        for value in cast("list[object]", schema):
            yield from _patterns(value)


def test_every_pattern_the_mock_checks_has_words_for_it() -> None:
    """The words come from the spec (``x-ccx-expected``) beside each pattern, so a pattern
    added without them fails here rather than showing users a regular expression."""
    from ccx.mock._spec import ROUTES
    from ccx.mock._validation import expected_formats

    checked = {
        pattern
        for route in ROUTES
        for model in (route.body_model, route.query_model)
        if model is not None
        for pattern in _patterns(model.model_json_schema())
    }

    assert checked  # the walk finds the patterns at all
    assert sorted(checked - set(expected_formats())) == []


PATTERN_MISTAKES = [
    ("messages.send", "to", {"to": "5511999990000", "channel": "sms", "text": "x"}),
    ("otp.send", "to", {"to": "maria@example.com", "code": "4829", "template_name": "signup_otp"}),
    ("otp.send", "code", {"to": "+5511999990000", "code": "4-8", "template_name": "signup_otp"}),
    (
        "templates.create",
        "name",
        {"name": "Order Confirmation", "language": "pt_BR", "category": "utility", "body": "Hi"},
    ),
    (
        "templates.create",
        "language",
        {"name": "order", "language": "portuguese", "category": "utility", "body": "Hi"},
    ),
    (
        "test_helpers.messages.simulate_inbound",
        "from",
        {"from_": "maria", "channel": "sms", "text": "Hi"},
    ),
]


@pytest.mark.parametrize(
    ("operation", "param", "arguments"),
    PATTERN_MISTAKES,
    ids=[f"{operation} {param}" for operation, param, _ in PATTERN_MISTAKES],
)
def test_a_value_of_the_wrong_format_is_explained_in_words(
    server: MockServer, operation: str, param: str, arguments: dict[str, object]
) -> None:
    from ccx.mock._validation import expected_formats

    with server.client(max_retries=0) as client:
        method: Any = client
        for part in operation.split("."):
            method = getattr(method, part)
        with pytest.raises(ccx.BadRequestError) as raised:
            method(**arguments)

    error = raised.value
    assert error.param == param
    assert any(f"expected {words}." in error.message for words in expected_formats().values())
    assert not set("^$[]{}\\") & set(error.message), error.message  # no regular expression
