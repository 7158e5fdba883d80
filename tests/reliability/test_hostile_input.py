"""Hostile input to every operation of the spec: always a 4xx with the error envelope.

Garbage, truncated, wrongly typed, deeply nested, oversized, non-UTF-8 and half-surrogate
bodies, traversal and junk in ids, absurd ``limit`` values, header injection, oversized and
countless headers, connections that drip their head or body or say nothing, and a clock pushed
to the end of the calendar. The operations are read from the spec, so new ones are attacked
too. What the HTTP parser refuses before the app (bare CR or LF in a header, a head too big or
too slow) is answered by the mock's HTTP layer, in the same envelope, and the server keeps
serving.

The client's side gets the same: whatever text a caller passes (control characters, lone
surrogates, non-ASCII keys), a call is either sent or refused with ``InvalidArgumentError``
before anything leaves the process; no other exception escapes.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import socket
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, cast
from urllib.parse import quote

import httpx
import pytest
import yaml
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

import ccx
from ccx.mock import FrozenClock, MockConfig, MockServer
from ccx.mock._clock import LATEST

SPEC: dict[str, Any] = yaml.safe_load(
    (Path(__file__).parents[2] / "openapi" / "openapi.yaml").read_text()
)
START = 1_795_248_000.0
ENVELOPE_FIELDS = {"type", "code", "message", "param", "request_id", "retryable"}
_PARAMETER = re.compile(r"\{\w+\}")
_METHODS = ("get", "post", "put", "patch", "delete")

OPERATIONS = [
    (method.upper(), path, operation)
    for path, item in SPEC["paths"].items()
    for method, operation in item.items()
    if method in _METHODS
]
BODY_OPERATIONS = sorted(
    (method, _PARAMETER.sub("x_1", path))
    for method, path, _ in OPERATIONS
    if method != "GET"
    if method in ("POST", "PATCH", "PUT")
)
BODY_OPTIONAL = {
    (method, _PARAMETER.sub("x_1", path))
    for method, path, operation in OPERATIONS
    if not operation.get("requestBody", {}).get("required", False)
}
"""Where no body at all is a valid request (an empty body is not garbage there)."""
ID_OPERATIONS = sorted((method, path) for method, path, _ in OPERATIONS if "{" in path)
LIST_PATHS = sorted(
    _PARAMETER.sub("x_1", path)
    for _, path, operation in OPERATIONS
    if operation.get("x-ccx-paginated")
)
SEND_EXAMPLE: dict[str, Any] = SPEC["paths"]["/v1/messages"]["post"]["requestBody"]["content"][
    "application/json"
]["examples"]["order_confirmation"]["value"]
"""A valid ``messages.send`` body: every field a wrong type is put into is a real one."""


def assert_refused(response: httpx.Response, status: int | None = None) -> dict[str, Any]:
    """A 4xx (``status`` if given) whose body is the error envelope with this request's id."""
    assert 400 <= response.status_code < 500, (response.status_code, response.text)
    assert status is None or response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    error: dict[str, Any] = response.json()["error"]
    assert set(error) >= ENVELOPE_FIELDS
    assert error["request_id"] == response.headers["x-request-id"]
    return error


@pytest.fixture(scope="module")
def server() -> Iterator[MockServer]:
    config = MockConfig(rate_limit_per_minute=10**9, burst_per_second=10**9)
    with MockServer(config, clock=FrozenClock(start=START)) as running:
        yield running


@pytest.fixture(scope="module")
def http(server: MockServer) -> Iterator[httpx.Client]:
    headers = {"Authorization": f"Bearer {server.token}", "Content-Type": "application/json"}
    with httpx.Client(base_url=server.url, headers=headers) as client:
        yield client


def _is_json_object(body: bytes) -> bool:
    try:
        return isinstance(json.loads(body), dict)
    except ValueError:
        return False


hypothesis_settings = settings(
    max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@hypothesis_settings
@given(operation=st.sampled_from(BODY_OPERATIONS), body=st.binary(max_size=300))
def test_arbitrary_bytes_are_refused(
    http: httpx.Client, operation: tuple[str, str], body: bytes
) -> None:
    assume(not _is_json_object(body))
    assume(body or operation not in BODY_OPTIONAL)
    assert_refused(http.request(*operation, content=body))


@hypothesis_settings
@given(operation=st.sampled_from(BODY_OPERATIONS), data=st.data())
def test_truncated_json_is_refused(
    http: httpx.Client, operation: tuple[str, str], data: st.DataObject
) -> None:
    whole = json.dumps(SEND_EXAMPLE).encode()
    cut = data.draw(st.integers(min_value=1, max_value=len(whole) - 1))
    error = assert_refused(http.request(*operation, content=whole[:cut]), 400)
    assert error["code"] == "invalid_json"


@hypothesis_settings
@given(
    operation=st.sampled_from(BODY_OPERATIONS),
    text=st.text(min_size=1, max_size=40),
    encoding=st.sampled_from(["latin-1", "utf-16", "cp1252", "utf-32"]),
)
def test_bodies_that_are_not_utf8_are_refused(
    http: httpx.Client, operation: tuple[str, str], text: str, encoding: str
) -> None:
    body = _encoded({"name": text}, encoding)
    assume(body is not None)
    error = assert_refused(http.request(*operation, content=body), 400)
    assert error["code"] == "invalid_encoding"


def _encoded(value: object, encoding: str) -> bytes | None:
    """``value`` as JSON in ``encoding``, or None when that is not possible or is valid UTF-8."""
    try:
        body = json.dumps(value, ensure_ascii=False).encode(encoding)
    except UnicodeEncodeError:
        return None
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return body
    return None


def _leaves(value: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    if isinstance(value, dict):
        for name, item in cast("dict[str, Any]", value).items():
            yield from _leaves(item, (*path, name))
    else:
        yield path


wrong_values = st.one_of(
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.lists(st.integers(), min_size=1, max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), min_size=1, max_size=2),
)


@hypothesis_settings
@given(field=st.sampled_from(list(_leaves(SEND_EXAMPLE))), value=wrong_values)
def test_a_wrongly_typed_field_is_refused_and_named(
    http: httpx.Client, field: tuple[str, ...], value: Any
) -> None:
    body = json.loads(json.dumps(SEND_EXAMPLE))
    parent = body
    for name in field[:-1]:
        parent = parent[name]
    parent[field[-1]] = value
    error = assert_refused(http.post("/v1/messages", json=body), 400)
    assert error["param"] == ".".join(field)


@pytest.mark.parametrize("operation", BODY_OPERATIONS, ids=" ".join)
@pytest.mark.parametrize("depth", [64, 30_000])
def test_deep_nesting_is_refused(
    http: httpx.Client, operation: tuple[str, str], depth: int
) -> None:
    body = b'{"metadata": ' + b'{"a": ' * depth + b"1" + b"}" * depth + b"}"
    assert assert_refused(http.request(*operation, content=body), 400)["code"] == "json_too_deep"
    arrays = b'{"a": ' + b"[" * depth + b"]" * depth + b"}"
    assert assert_refused(http.request(*operation, content=arrays), 400)["code"] == "json_too_deep"


@pytest.mark.parametrize("operation", BODY_OPERATIONS, ids=" ".join)
def test_oversized_bodies_are_refused(
    http: httpx.Client, server: MockServer, operation: tuple[str, str]
) -> None:
    body = json.dumps({"name": "x" * server.config.max_body_bytes}).encode()
    assert assert_refused(http.request(*operation, content=body), 413)["code"] == "body_too_large"


hostile_ids = st.one_of(
    st.text(min_size=1, max_size=200),
    st.sampled_from(
        ["..", "../../etc/passwd", "%2e%2e", "msg_1\x00", "a" * 5000, "${jndi:x}", "' OR 1=1 --"]
    ),
)


@hypothesis_settings
@given(operation=st.sampled_from(ID_OPERATIONS), identifier=hostile_ids)
@example(operation=("GET", "/v1/messages/{id}"), identifier="a/")  # was a redirect to another id
def test_hostile_ids_are_refused(
    http: httpx.Client, operation: tuple[str, str], identifier: str
) -> None:
    method, path = operation
    # Dots escaped too, so the client sends the id as given instead of resolving "..".
    segment = quote(identifier, safe="").replace(".", "%2E")
    url = _PARAMETER.sub(lambda _: segment, path)
    body: dict[str, Any] | None = {} if method in ("POST", "PATCH", "PUT") else None
    assert_refused(http.request(method, url, json=body))


@hypothesis_settings
@given(path=st.sampled_from(LIST_PATHS), limit=st.integers())
def test_limits_outside_1_to_100_are_refused(http: httpx.Client, path: str, limit: int) -> None:
    response = http.get(path, params={"limit": limit})
    if path.count("/") > 2 and response.status_code == 404:  # a list under an unknown parent
        return
    if 1 <= limit <= 100:
        assert response.status_code == 200, response.text
    else:
        assert assert_refused(response, 400)["param"] == "limit"


@hypothesis_settings
@given(path=st.sampled_from(LIST_PATHS), limit=st.text(max_size=30))
def test_limits_that_are_not_numbers_never_fail_the_server(
    http: httpx.Client, path: str, limit: str
) -> None:
    response = http.get(path, params={"limit": limit})
    if response.status_code != 200:
        assert_refused(response)


@hypothesis_settings
@given(
    start=st.datetimes(timezones=st.just(timezone.utc)),
    end=st.datetimes(timezones=st.just(timezone.utc)),
    group_by=st.sampled_from(["hour", "day", "week", "month"]),
)
def test_any_analytics_period_is_answered_or_refused(
    http: httpx.Client, start: datetime, end: datetime, group_by: str
) -> None:
    """Even 9,000 years by the hour: refused, not a mock tied up building 80 million buckets."""
    query = {"from": start.isoformat(), "to": end.isoformat(), "group_by": group_by}
    response = http.get("/v1/analytics/messages", params=query)
    if response.status_code != 200:
        assert assert_refused(response, 400)["param"] in ("to", "group_by")
    else:
        assert response.json()["buckets"][-1]["end"] == response.json()["to"]


header_values = st.text(
    alphabet=st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_characters="\x7f"),
    max_size=200,
).map(str.strip)  # the client itself refuses values with whitespace at either end
INJECTABLE_HEADERS = (
    "CCX-Version",
    "Idempotency-Key",
    "traceparent",
    "Content-Type",
    "CCX-Mock-Fault",
    "Last-Event-ID",
    "Authorization",
)


@hypothesis_settings
@given(name=st.sampled_from(INJECTABLE_HEADERS), value=header_values)
def test_hostile_header_values_never_fail_the_server(
    http: httpx.Client, name: str, value: str
) -> None:
    body = {"name": "Header probe", "recipients": ["+15550000001"]}
    response = http.post(
        "/v1/segments", json=body, headers=[(name.encode(), value.encode("latin-1"))]
    )
    if response.status_code >= 300:
        assert_refused(response)
    injected = {key.lower() for key in response.headers} - {
        "date",
        "server",
        "content-length",
        "content-type",
        "x-request-id",
        "x-ratelimit-limit",
        "x-ratelimit-remaining",
        "x-ratelimit-reset",
        "x-ratelimit-warning",
        "retry-after",
        "idempotent-replayed",
        "location",
        "www-authenticate",
    }
    assert not injected


@pytest.mark.parametrize(
    ("headers", "body", "status"),
    [
        ({"CCX-Version": "2020-01-01"}, {"name": "a", "recipients": ["+15550000001"]}, 400),
        ({"Idempotency-Key": "reused"}, {"name": "b", "recipients": ["+15550000001"]}, 409),
        ({}, {"name": "c"}, 400),
        ({"CCX-Retry-Count": "many"}, {"name": "d", "recipients": ["+15550000001"]}, 400),
    ],
)
def test_every_refusal_of_a_known_token_carries_the_rate_limit(
    http: httpx.Client, headers: dict[str, str], body: dict[str, Any], status: int
) -> None:
    first = {"name": "first", "recipients": ["+15550000001"]}
    http.post("/v1/segments", json=first, headers={"Idempotency-Key": "reused"})
    response = http.post("/v1/segments", json=body, headers=headers)
    assert_refused(response, status)
    assert {"x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset"} <= set(
        response.headers
    )


def _raw_exchange(server: MockServer, request: bytes, *, half_close: bool = True) -> bytes:
    with socket.create_connection((server.host, server.port), timeout=10) as connection:
        connection.sendall(request)
        if half_close:
            connection.shutdown(socket.SHUT_WR)
        received = b""
        while chunk := connection.recv(65536):
            received += chunk
            if not half_close and b"\r\n\r\n" in received:
                break
        return received


def _head(server: MockServer, method: str, path: str, *lines: bytes) -> bytes:
    return b"\r\n".join(
        [
            f"{method} {path} HTTP/1.1".encode(),
            b"Host: 127.0.0.1",
            f"Authorization: Bearer {server.token}".encode(),
            b"Content-Type: application/json",
            *lines,
            b"",
            b"",
        ]
    )


@pytest.mark.parametrize(
    "header",
    [
        b"CCX-Version: 2026-11-01\rX-Injected: 1",
        b"CCX-Version: 2026-11-01\nX-Injected: 1",
        b"Idempotency-Key: a\r\n X-Injected: 1",
        b"X-Bad\x00Name: 1",
        b"X-Probe: a\x00b",
    ],
)
def test_header_injection_is_stopped_by_the_http_parser(
    server: MockServer, http: httpx.Client, header: bytes
) -> None:
    answer = _raw_exchange(server, _head(server, "GET", "/v1/me", header))
    assert b"x-injected" not in answer.lower()
    assert _envelope(answer, 400)["code"] == "invalid_http"
    assert http.get("/v1/me").status_code == 200


def _envelope(answer: bytes, status: int) -> dict[str, Any]:
    """The error envelope of a raw HTTP answer, checked to carry ``status`` and a request id."""
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(f"HTTP/1.1 {status} ".encode()), answer[:300]
    headers = dict(line.split(b": ", 1) for line in head.split(b"\r\n")[1:] if b": " in line)
    assert headers[b"content-type"] == b"application/json"
    error: dict[str, Any] = json.loads(body)["error"]
    assert set(error) >= ENVELOPE_FIELDS
    assert error["request_id"].encode() == headers[b"x-request-id"]
    return error


def test_a_declared_length_beyond_the_limit_is_refused_before_reading(server: MockServer) -> None:
    answer = _raw_exchange(
        server,
        _head(server, "POST", "/v1/segments", b"Content-Length: 1000000000000") + b"{}",
        half_close=False,
    )
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]


@pytest.mark.parametrize("framing", [b"Content-Length: 100", b"Transfer-Encoding: chunked"])
def test_a_body_cut_off_by_a_hang_up_runs_nothing_and_alarms_no_one(
    server: MockServer, http: httpx.Client, caplog: pytest.LogCaptureFixture, framing: bytes
) -> None:
    before = len(http.get("/v1/segments", params={"limit": 100}).json()["data"])
    body = b'{"name": "Cut off", "recipients": ["+155'
    if framing.startswith(b"Transfer"):
        body = f"{len(body) + 20:x}\r\n".encode() + body
    with caplog.at_level(logging.WARNING):
        assert _raw_exchange(server, _head(server, "POST", "/v1/segments", framing) + body) == b""
        assert http.get("/v1/segments", params={"limit": 100}).status_code == 200
    assert len(http.get("/v1/segments", params={"limit": 100}).json()["data"]) == before
    assert [record for record in caplog.records if record.levelno >= logging.ERROR] == []


# -- half a surrogate pair ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "body"),
    [
        (
            "/v1/messages",
            b'{"to": "+15550000001", "channel": "sms", "text": "\\udfff", '
            b'"idempotency_key": "surrogate-1"}',
        ),
        ("/v1/segments", b'{"name": "\\udfff", "recipients": ["+15550000001"]}'),
        ("/v1/ai/reply", b'{"message": "Hi \\ud800", "context": "Orders ship in two days."}'),
    ],
)
def test_half_a_surrogate_pair_is_refused_naming_the_field(
    http: httpx.Client, path: str, body: bytes
) -> None:
    error = assert_refused(http.post(path, content=body), 400)
    assert error["code"] == "invalid_json"
    assert error["param"] in ("text", "name", "message")
    assert error["retryable"] is False


def test_a_whole_surrogate_pair_is_a_character(http: httpx.Client) -> None:
    body = b'{"name": "Fans \\ud83d\\ude00", "recipients": ["+15550000001"]}'
    response = http.post("/v1/segments", content=body)
    assert response.status_code == 201, response.text
    assert response.json()["name"] == "Fans \U0001f600"


json_strings = st.text(max_size=6).map(lambda text: json.dumps(text)[1:-1])
surrogates = st.integers(min_value=0xD800, max_value=0xDFFF).map(lambda code: f"\\u{code:04x}")


@hypothesis_settings
@given(
    operation=st.sampled_from(BODY_OPERATIONS),
    field=st.sampled_from(["name", "text", "message", "to", "metadata"]),
    text=st.lists(st.one_of(json_strings, surrogates), min_size=1, max_size=4).map("".join),
    as_key=st.booleans(),
)
def test_escapes_of_any_code_point_never_fail_the_server(
    http: httpx.Client, operation: tuple[str, str], field: str, text: str, as_key: bool
) -> None:
    member = f'"{text}": 1' if as_key else f'"{field}": "{text}"'
    response = http.request(*operation, content=("{" + member + "}").encode())
    assert response.status_code < 500, response.text
    if response.status_code >= 300:
        assert_refused(response)


# -- the HTTP layer's own limits ---------------------------------------------------------------


@pytest.fixture(scope="module")
def strict_server() -> Iterator[MockServer]:
    """Short deadlines, so a test sees them pass in well under a second."""
    config = MockConfig(
        header_timeout_seconds=0.3, body_timeout_seconds=0.3, keep_alive_seconds=0.3
    )
    with MockServer(config, clock=FrozenClock(start=START)) as running:
        yield running


def _read_all(connection: socket.socket) -> bytes:
    received = b""
    while chunk := connection.recv(65536):
        received += chunk
    return received


def _send_until_answered(connection: socket.socket, head: bytes, filler: bytes) -> bytes:
    """Send ``head`` then ``filler`` in pieces until the server answers; what it answered.

    Stopping at the answer keeps the server's close from resetting the connection while the
    answer is still unread.
    """
    connection.sendall(head)
    connection.settimeout(0.05)
    for start in range(0, len(filler), 16384):
        try:
            connection.sendall(filler[start : start + 16384])
        except OSError:
            break
        try:
            first = connection.recv(65536)
        except TimeoutError:
            continue
        connection.settimeout(10)
        return first + _read_all(connection)
    connection.settimeout(10)
    return _read_all(connection)


def test_a_huge_header_is_refused_with_431_long_before_it_is_read(server: MockServer) -> None:
    with socket.create_connection((server.host, server.port), timeout=10) as connection:
        head = b"GET /v1/me HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Huge: "
        answer = _send_until_answered(connection, head, b"a" * (4 * 1024 * 1024))
    error = _envelope(answer, 431)
    assert error["code"] == "headers_too_large"
    assert str(server.config.max_header_bytes) in error["message"]


def test_too_many_header_fields_are_refused_with_431(
    server: MockServer, http: httpx.Client
) -> None:
    fields = [f"X-Field-{number}: 1".encode() for number in range(server.config.max_header_count)]
    answer = _raw_exchange(server, _head(server, "GET", "/v1/me", *fields))
    assert _envelope(answer, 431)["code"] == "headers_too_large"
    assert http.get("/v1/me").status_code == 200


def test_a_head_that_drips_in_is_answered_408_and_closed(strict_server: MockServer) -> None:
    address = (strict_server.host, strict_server.port)
    with socket.create_connection(address, timeout=10) as connection:
        connection.sendall(b"GET /v1/me HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: a")
        answer = _read_all(connection)  # the server answers, then closes: no waiting on us
    assert _envelope(answer, 408)["code"] == "request_timeout"


def test_a_connection_that_says_nothing_is_closed(strict_server: MockServer) -> None:
    address = (strict_server.host, strict_server.port)
    with socket.create_connection(address, timeout=10) as connection:
        assert connection.recv(1) == b""


def test_an_idle_kept_alive_connection_is_closed(strict_server: MockServer) -> None:
    address = (strict_server.host, strict_server.port)
    with socket.create_connection(address, timeout=10) as connection:
        connection.sendall(_head(strict_server, "GET", "/v1/me"))
        answer = _read_all(connection)  # returns once the server closes the idle connection
    assert answer.startswith(b"HTTP/1.1 200 "), answer[:200]


def test_a_body_that_drips_in_is_answered_408(strict_server: MockServer) -> None:
    address = (strict_server.host, strict_server.port)
    head = _head(strict_server, "POST", "/v1/segments", b"Content-Length: 100")
    with socket.create_connection(address, timeout=10) as connection:
        connection.sendall(head + b'{"name": "Slow')
        answer = _read_all(connection)
    assert _envelope(answer, 408)["code"] == "request_timeout"


# -- the end of the calendar -------------------------------------------------------------------


def test_the_clock_stops_at_the_end_of_the_calendar_and_every_tenant_keeps_working() -> None:
    with MockServer(clock=FrozenClock(start=START)) as server:
        room = LATEST - server.clock.now()
        server.advance(room - 100)
        with pytest.raises(ValueError, match="calendar"):
            server.advance(200)
        for token in (server.token, server.second_token):
            headers = {"Authorization": f"Bearer {token}"}
            with httpx.Client(base_url=server.url, headers=headers) as client:
                too_far = client.post("/v1/test_helpers/clock/advance", json={"seconds": 200})
                assert assert_refused(too_far, 400)["param"] == "seconds"
                sent = client.post(
                    "/v1/messages",
                    json={
                        "to": "+15550000001",
                        "channel": "sms",
                        "text": "Still here.",
                        "idempotency_key": "last-days",
                    },
                )
                assert sent.status_code == 202, sent.text
                created = client.post(
                    "/v1/tokens",
                    json={
                        "scopes": ["messages:read"],
                        "environment": "test",
                        "ttl_seconds": 31536000,
                    },
                )
                assert created.status_code == 201, created.text
                assert (
                    client.post("/v1/test_helpers/clock/advance", json={"seconds": 50}).status_code
                    == 200
                )
                assert client.get("/v1/messages").status_code == 200
                assert client.get("/v1/test_helpers/clock").json()["now"] == "9998-12-31T23:59:10Z"


# -- the client's side -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def client(server: MockServer) -> Iterator[ccx.CCX]:
    with server.client(max_retries=0) as sdk:
        yield sdk


def _sent_or_refused(call: Callable[[], object]) -> None:
    """The call is sent (whatever the API answers, as its typed error) or refused before
    sending; the server's side of the answer is the business of the tests above."""
    with contextlib.suppress(ccx.InvalidArgumentError, ccx.APIStatusError):
        call()


any_text = st.text(max_size=150)


@hypothesis_settings
@given(key=any_text)
def test_any_idempotency_key_is_sent_or_refused(client: ccx.CCX, key: str) -> None:
    _sent_or_refused(
        lambda: client.messages.send(
            to="+15550000001", channel="sms", text="hi", idempotency_key=key
        )
    )


@hypothesis_settings
@given(text=any_text, note=any_text)
def test_any_text_in_a_body_is_sent_or_refused(client: ccx.CCX, text: str, note: str) -> None:
    _sent_or_refused(
        lambda: client.messages.send(
            to="+15550000001", channel="sms", text=text, metadata={"note": note}
        )
    )


@hypothesis_settings
@given(identifier=any_text, cursor=any_text)
def test_any_id_or_query_value_is_sent_or_refused(
    client: ccx.CCX, identifier: str, cursor: str
) -> None:
    _sent_or_refused(lambda: client.messages.retrieve(identifier))
    _sent_or_refused(lambda: client.messages.list(extra_query={"starting_after": cursor}))


@hypothesis_settings
@given(value=any_text)
def test_any_header_value_is_sent_or_refused(client: ccx.CCX, value: str) -> None:
    _sent_or_refused(lambda: client.me.retrieve(extra_headers={"X-Note": value}))
