"""Fault injection: server-wide rates (seeded), per-request header faults, real dropped sockets."""

from __future__ import annotations

import contextlib
import logging
from collections import Counter

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st
from messaging_helpers import message

from ccx.mock import FrozenClock, MockConfig, MockServer, create_app
from ccx.mock._app import mock_state
from ccx.mock._demo import DEMO_TOKEN
from ccx.mock._faults import FaultSpec, FaultSpecError, parse_faults

# A closed connection shows as a protocol error, or as a reset when the request was unread.
DROPPED = (httpx.RemoteProtocolError, httpx.ReadError)

FAULT = "CCX-Mock-Fault"


def in_process(config: MockConfig, clock: FrozenClock) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app(config, clock=clock)),
        base_url="http://mock.test",
        headers={"Authorization": f"Bearer {DEMO_TOKEN}"},
    )


async def statuses(client: httpx.AsyncClient, count: int) -> list[int]:
    return [(await client.get("/v1/me")).status_code for _ in range(count)]


def test_parse_reads_the_documented_syntax() -> None:
    spec = parse_faults(
        "error_rate=0.2,status=503,drop_before=0.05,drop_after=0.05,latency_ms=50,burst_429=0.05"
    )
    assert spec == FaultSpec(
        error_rate=0.2,
        status=503,
        drop_before=0.05,
        drop_after=0.05,
        latency_ms=50,
        burst_429=0.05,
    )
    assert parse_faults("status=502") == FaultSpec(error_rate=1.0, status=502)
    assert parse_faults("status=500,rate=0.3") == FaultSpec(error_rate=0.3, status=500)
    assert parse_faults("drop=after") == FaultSpec(drop_after=1.0)
    assert parse_faults("latency=1.5s").latency_ms == 1500
    assert parse_faults("") == FaultSpec()


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("error_rate=2", "error_rate"),
        ("status=418", "status"),
        ("drop=sideways", "drop"),
        ("latency=fast", "latency"),
        ("explode=1", "explode"),
        ("error_rate", "error_rate"),
    ],
)
def test_bad_specs_name_the_key(text: str, named: str) -> None:
    with pytest.raises(FaultSpecError, match=named):
        parse_faults(text)


@given(st.text(max_size=40))
def test_parse_never_fails_other_than_with_a_fault_spec_error(text: str) -> None:
    with contextlib.suppress(FaultSpecError):
        parse_faults(text)


async def test_server_wide_error_rate_fires_at_the_configured_rate(clock: FrozenClock) -> None:
    config = MockConfig(faults="error_rate=0.2,status=503,seed=7")
    async with in_process(config, clock) as client:
        outcomes = await statuses(client, 500)
    counted = Counter(outcomes)
    assert set(counted) == {200, 503}
    assert 70 <= counted[503] <= 130  # 20% of 500, seeded

    async with in_process(config, FrozenClock(start=clock.now())) as again:
        assert await statuses(again, 500) == outcomes  # the seed makes it reproducible


async def test_injected_errors_carry_the_envelope_and_retry_after(clock: FrozenClock) -> None:
    async with in_process(MockConfig(), clock) as client:
        response = await client.get("/v1/me", headers={FAULT: "status=503"})
        assert response.status_code == 503
        assert response.headers["Retry-After"] == "1"
        error = response.json()["error"]
        assert error["retryable"] is True
        assert error["request_id"] == response.headers["X-Request-Id"]


async def test_test_helpers_are_exempt_from_server_wide_faults(clock: FrozenClock) -> None:
    async with in_process(MockConfig(faults="error_rate=1,status=500"), clock) as client:
        assert (await client.get("/v1/me")).status_code == 500
        assert (await client.get("/v1/test_helpers/clock")).status_code == 200


async def test_429_bursts_last_on_the_clock(clock: FrozenClock) -> None:
    config = MockConfig(faults="burst_429=0.1,burst_seconds=30,retry_after=30,seed=1")
    async with in_process(config, clock) as client:
        outcomes = await statuses(client, 200)
        assert 429 in outcomes
        first = outcomes.index(429)
        assert set(outcomes[first:]) == {429}  # the clock has not moved: still in the burst
        limited = await client.get("/v1/me")
        assert 1 <= int(limited.headers["Retry-After"]) <= 30
        await clock.advance(30)
        assert (await client.get("/v1/me")).status_code == 200


async def test_the_header_is_for_sandbox_tokens_and_must_parse(clock: FrozenClock) -> None:
    app = create_app(clock=clock)
    state = mock_state(app)
    workspace = state.workspaces["wks_demo"]
    live = state.add_token(workspace, environment="live")
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://mock.test") as client:
        refused = await client.get(
            "/v1/me", headers={"Authorization": f"Bearer {live.secret}", FAULT: "status=503"}
        )
        assert refused.status_code == 403
        assert refused.json()["error"]["param"] == FAULT
        garbled = await client.get(
            "/v1/me", headers={"Authorization": f"Bearer {DEMO_TOKEN}", FAULT: "status=418"}
        )
        assert garbled.status_code == 400
        assert "status" in garbled.json()["error"]["message"]
        slow = await client.get(
            "/v1/me", headers={"Authorization": f"Bearer {DEMO_TOKEN}", FAULT: "latency=5ms"}
        )
        assert slow.status_code == 200


def test_the_header_is_held_to_the_served_spec(server: MockServer, http: httpx.Client) -> None:
    """Described by the mock's overlay, not the public spec, and enforced all the same."""
    served = httpx.get(f"{server.url}/v1/openapi.json").json()
    declared = served["components"]["parameters"]["CCXMockFault"]
    assert {"$ref": "#/components/parameters/CCXMockFault"} in served["paths"]["/v1/me"][
        "parameters"
    ]
    limit = declared["schema"]["maxLength"]
    padded = "latency=1ms," + "," * (limit - len("latency=1ms,"))
    assert http.get("/v1/me", headers={FAULT: padded}).status_code == 200
    refused = http.get("/v1/me", headers={FAULT: padded + ","})
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "invalid_fault"
    assert refused.json()["error"]["param"] == FAULT
    assert str(limit) in refused.json()["error"]["message"]


def count_messages(http: httpx.Client) -> int:
    return len(http.get("/v1/messages", params={"limit": 100}).json()["data"])


def test_drop_before_closes_the_socket_and_nothing_happens(
    server: MockServer, http: httpx.Client
) -> None:
    with pytest.raises(DROPPED):
        http.post("/v1/messages", json=message(), headers={FAULT: "drop=before"})
    assert count_messages(http) == 0


def test_drop_after_commits_then_closes_the_socket(server: MockServer, http: httpx.Client) -> None:
    body = message()
    with pytest.raises(DROPPED):
        http.post("/v1/messages", json=body, headers={FAULT: "drop=after"})
    assert count_messages(http) == 1  # the send happened; only the answer was lost

    retried = http.post("/v1/messages", json=body)
    assert retried.status_code == 202
    assert retried.headers.get("Idempotent-Replayed") == "true"
    assert count_messages(http) == 1


def test_a_bad_server_fault_spec_fails_when_the_app_is_created() -> None:
    with pytest.raises(FaultSpecError, match="error_rate"):
        create_app(MockConfig(faults="error_rate=lots"))


async def test_header_rate_with_a_seed_is_a_reproducible_stream(clock: FrozenClock) -> None:
    header = {FAULT: "status=503,rate=0.5,seed=11"}
    runs: list[list[int]] = []
    for _ in range(2):
        async with in_process(MockConfig(), FrozenClock(start=clock.now())) as client:
            runs.append(
                [(await client.get("/v1/me", headers=header)).status_code for _ in range(200)]
            )
    assert runs[0] == runs[1]
    assert 70 <= runs[0].count(503) <= 130
    assert set(runs[0]) == {200, 503}


async def test_requests_opting_out_leave_the_seeded_sequence_alone(clock: FrozenClock) -> None:
    """A seed promises the same faults on every run, whoever else talks to the mock (the pytest
    plugin's webhook receiver registers with ``error_rate=0`` in the middle of a test)."""
    config = MockConfig(faults="error_rate=0.5,status=503,seed=7")
    async with in_process(config, FrozenClock(start=clock.now())) as client:
        alone = await statuses(client, 40)
    async with in_process(config, FrozenClock(start=clock.now())) as client:
        interleaved: list[int] = []
        for _ in range(40):
            opted_out = await client.get("/v1/me", headers={FAULT: "error_rate=0"})
            assert opted_out.status_code == 200
            interleaved.append((await client.get("/v1/me")).status_code)
    assert interleaved == alone


def test_injected_drops_print_no_server_traceback(caplog: pytest.LogCaptureFixture) -> None:
    """A drop is on purpose: users' CI logs must not fill with uvicorn tracebacks."""
    server_logger = logging.getLogger("uvicorn")  # uvicorn's loggers do not reach the root
    server_logger.addHandler(caplog.handler)
    try:
        with MockServer() as mock, caplog.at_level(logging.DEBUG):
            for drop in ("before", "after"):
                with pytest.raises(DROPPED):
                    httpx.post(
                        f"{mock.url}/v1/segments",
                        headers={
                            "Authorization": f"Bearer {mock.token}",
                            "CCX-Mock-Fault": f"drop={drop}",
                        },
                        json={"name": "drops", "recipients": ["+15550000001"]},
                    )
    finally:
        server_logger.removeHandler(caplog.handler)
    assert not [r for r in caplog.records if r.exc_info], [r.getMessage() for r in caplog.records]
