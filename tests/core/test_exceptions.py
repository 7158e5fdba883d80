"""Error responses become typed exceptions whose message says what to do."""

from __future__ import annotations

import json

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ccx._exceptions import (
    APIError,
    APIStatusError,
    AuthenticationError,
    BadRequestError,
    CCXError,
    ConflictError,
    GoneError,
    IdempotencyConflictError,
    InternalServerError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    UnprocessableEntityError,
    UpstreamError,
    error_from_response,
)

NOW = 1_800_000_000.0
TOKEN = "ccx_live_abcdefSECRET"


def response(
    status: int, body: object = None, headers: dict[str, str] | None = None
) -> httpx.Response:
    request = httpx.Request(
        "POST", "https://api.ccx.co/v1/messages", headers={"Authorization": f"Bearer {TOKEN}"}
    )
    if body is None:
        return httpx.Response(status, headers=headers, request=request)
    return httpx.Response(status, json=body, headers=headers, request=request)


def envelope(**error: object) -> dict[str, object]:
    return {"error": {"type": "invalid_request_error", "message": "went wrong", **error}}


@pytest.mark.parametrize(
    ("status", "code", "expected"),
    [
        (400, "invalid_request", BadRequestError),
        (401, "invalid_token", AuthenticationError),
        (403, "missing_scope", PermissionDeniedError),
        (404, "not_found", NotFoundError),
        (409, "template_not_approved", ConflictError),
        (409, "idempotency_key_reused", IdempotencyConflictError),
        (409, "idempotency_key_in_use", IdempotencyConflictError),
        (410, "gone", GoneError),
        (422, "window_closed", UnprocessableEntityError),
        (429, "rate_limited", RateLimitError),
        (500, "internal_error", InternalServerError),
        (502, "upstream_error", UpstreamError),
        (503, "maintenance", InternalServerError),
        (504, "timeout", InternalServerError),
        (418, "teapot", APIStatusError),
    ],
)
def test_every_status_maps_to_its_exception(
    status: int, code: str, expected: type[APIStatusError]
) -> None:
    error = error_from_response(response(status, envelope(code=code, request_id="req_1")), NOW)

    assert type(error) is expected
    assert isinstance(error, APIError)
    assert isinstance(error, CCXError)
    assert error.status_code == status
    assert error.code == code
    assert error.message == "went wrong"
    assert error.request_id == "req_1"
    assert str(error).startswith(f"{status} {code}: went wrong")


def test_fields_of_the_envelope() -> None:
    error = error_from_response(
        response(400, envelope(code="invalid_field", param="to", retryable=False)), NOW
    )
    assert (error.type, error.param, error.retryable) == ("invalid_request_error", "to", False)
    assert "(param: to)" in str(error)
    assert "fix the `to` field" in str(error)


def test_upstream_details() -> None:
    error = error_from_response(
        response(
            502,
            envelope(
                code="upstream_error",
                retryable=True,
                upstream={"code": 131026, "message": "undeliverable"},
            ),
        ),
        NOW,
    )
    assert isinstance(error, UpstreamError)
    assert (error.upstream_code, error.upstream_message, error.retryable) == (
        131026,
        "undeliverable",
        True,
    )
    assert "upstream error 131026: undeliverable" in str(error)


def test_rate_limit_error_carries_retry_after() -> None:
    error = error_from_response(
        response(429, envelope(code="rate_limited"), {"Retry-After": "17"}), NOW
    )
    assert isinstance(error, RateLimitError)
    assert error.retry_after == 17.0
    assert "throttle=True" in str(error)


@pytest.mark.parametrize(
    ("status", "code", "hint"),
    [
        (401, "invalid_token", "CCX_API_KEY"),
        (403, "missing_scope", "scope"),
        (422, "window_closed", "send a template message first"),
        (409, "idempotency_key_reused", "use a new key"),
        (404, "resource_not_found", "another workspace's resource is reported as not found"),
        (404, "unknown_endpoint", "check base_url (CCX_BASE_URL, without /v1)"),
    ],
)
def test_messages_say_how_to_fix(status: int, code: str, hint: str) -> None:
    assert hint in str(error_from_response(response(status, envelope(code=code)), NOW))


@pytest.mark.parametrize(
    "body", [b"<html>bad gateway</html>", b"", b"[1, 2]", b'{"error": "flat"}']
)
def test_bodies_without_an_envelope_still_map(body: bytes) -> None:
    raw = httpx.Response(
        503, content=body, request=httpx.Request("GET", "https://api.ccx.co/v1/me")
    )
    error = error_from_response(raw, NOW)
    assert isinstance(error, InternalServerError)
    assert error.code is None
    assert "503" in str(error)


def test_the_request_id_header_is_the_fallback() -> None:
    error = error_from_response(
        response(404, envelope(code="not_found"), {"X-Request-Id": "req_9"}), NOW
    )
    assert error.request_id == "req_9"


def test_no_token_in_str_or_repr() -> None:
    error = error_from_response(response(401, envelope(code="invalid_token")), NOW)
    assert TOKEN not in str(error)
    assert TOKEN not in repr(error)
    assert TOKEN not in repr(error.args)


@given(
    status=st.integers(min_value=400, max_value=599),
    body=st.one_of(
        st.binary(max_size=64),
        st.recursive(
            st.none() | st.booleans() | st.integers() | st.text(max_size=8),
            lambda children: (
                st.lists(children, max_size=3)
                | st.dictionaries(
                    st.sampled_from(["error", "code", "message", "upstream", "retryable"]),
                    children,
                    max_size=4,
                )
            ),
            max_leaves=12,
        ).map(lambda value: json.dumps(value).encode()),
    ),
)
def test_any_error_body_maps_to_a_status_error(status: int, body: bytes) -> None:
    raw = httpx.Response(
        status, content=body, request=httpx.Request("GET", "https://api.ccx.co/v1/me")
    )

    error = error_from_response(raw, NOW)

    assert isinstance(error, APIStatusError)
    assert error.status_code == status
    assert str(error).startswith(str(status))


def test_a_404_says_check_the_id_once_and_an_unknown_path_is_another_problem() -> None:
    missing = error_from_response(
        response(
            404,
            envelope(
                code="resource_not_found",
                message="No message with id 'msg_1' exists in this workspace; check the id.",
            ),
        ),
        NOW,
    )
    elsewhere = httpx.Response(
        404,
        content=b"<html>Not Found</html>",
        request=httpx.Request("GET", "https://example.com/v1/messages"),
    )

    assert str(missing).count("check the id") == 1
    assert "base_url" not in str(missing)
    assert "check base_url" in str(error_from_response(elsewhere, NOW))
    assert "check the id" not in str(error_from_response(elsewhere, NOW))
