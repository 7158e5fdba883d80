"""Per-token rate limits with soft throttling: headers always, a warning before any 429."""

from __future__ import annotations

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ccx.mock import MockConfig, MockServer
from ccx.mock._errors import MockAPIError
from ccx.mock._ratelimit import RateLimiter


@pytest.fixture
def mock_config() -> MockConfig:
    return MockConfig(rate_limit_per_minute=20, burst_per_second=1_000)


def test_headers_count_down_and_warn_under_ten_percent(http: httpx.Client) -> None:
    seen = [http.get("/v1/me") for _ in range(20)]
    remaining = [int(r.headers["x-ratelimit-remaining"]) for r in seen]
    assert remaining == list(range(19, -1, -1))
    assert all(r.headers["x-ratelimit-limit"] == "20" for r in seen)
    warned = [r for r in seen if "x-ratelimit-warning" in r.headers]
    assert [int(r.headers["x-ratelimit-remaining"]) for r in warned] == [1, 0]
    assert all(r.status_code == 200 for r in seen)


def test_429_only_after_a_warning_with_retry_after(server: MockServer, http: httpx.Client) -> None:
    statuses: list[int] = []
    warned_before_refusal = False
    for _ in range(25):
        response = http.get("/v1/me")
        if response.status_code == 429:
            assert warned_before_refusal
            assert response.json()["error"]["code"] == "rate_limited"
            assert response.json()["error"]["retryable"] is True
            assert 1 <= int(response.headers["retry-after"]) <= 60
            assert response.headers["x-ratelimit-remaining"] == "0"
        elif "x-ratelimit-warning" in response.headers:
            warned_before_refusal = True
        statuses.append(response.status_code)
    assert statuses == [200] * 20 + [429] * 5


def test_the_window_resets_on_the_clock(server: MockServer, http: httpx.Client) -> None:
    for _ in range(21):
        http.get("/v1/me")
    assert http.get("/v1/me").status_code == 429
    server.advance(60)
    response = http.get("/v1/me")
    assert response.status_code == 200
    assert response.headers["x-ratelimit-remaining"] == "19"


def test_limits_are_per_token(http: httpx.Client, other_http: httpx.Client) -> None:
    for _ in range(21):
        http.get("/v1/me")
    assert http.get("/v1/me").status_code == 429
    assert other_http.get("/v1/me").status_code == 200


def test_refused_requests_are_audited(server: MockServer, http: httpx.Client) -> None:
    for _ in range(21):
        http.get("/v1/me")
    statuses = [entry.status for entry in server.state.workspaces["wks_demo"].audit_log]
    assert statuses.count(429) == 1


def test_burst_window_limits_a_second() -> None:
    limiter = RateLimiter(per_minute=6_000, per_second=10)
    headers = [limiter.consume("tok", 1_000.0) for _ in range(10)]
    assert headers[-1]["X-RateLimit-Limit"] == "10"
    assert "X-RateLimit-Warning" in headers[-1]
    with pytest.raises(MockAPIError) as refused:
        limiter.consume("tok", 1_000.5)
    assert refused.value.status == 429
    assert refused.value.headers["Retry-After"] == "1"
    assert limiter.consume("tok", 1_001.0)["X-RateLimit-Limit"] == "6000"


@given(
    per_minute=st.integers(1, 50),
    offsets=st.lists(st.floats(0, 300, allow_nan=False), min_size=1, max_size=120),
)
def test_never_a_429_without_a_prior_warning_in_that_window(
    per_minute: int, offsets: list[float]
) -> None:
    limiter = RateLimiter(per_minute=per_minute, per_second=per_minute)
    warned_windows: set[int] = set()
    for now in sorted(offsets):
        window = int(now // 60)
        try:
            headers = limiter.consume("tok", now)
        except MockAPIError as error:
            refused_status = error.status
        else:
            if "X-RateLimit-Warning" in headers:
                warned_windows.add(window)
            continue
        assert refused_status == 429
        assert window in warned_windows


class TestBurstWindow:
    """The per-second window, over a real socket: its numbers show once it runs low."""

    @pytest.fixture
    def mock_config(self) -> MockConfig:
        return MockConfig(rate_limit_per_minute=6_000, burst_per_second=5)

    def test_burst_warns_then_refuses_then_recovers(
        self, server: MockServer, http: httpx.Client
    ) -> None:
        responses = [http.get("/v1/me") for _ in range(6)]
        assert [r.status_code for r in responses] == [200] * 5 + [429]
        assert responses[0].headers["x-ratelimit-limit"] == "6000"
        assert responses[4].headers["x-ratelimit-limit"] == "5"
        assert "x-ratelimit-warning" in responses[4].headers
        assert responses[5].headers["retry-after"] == "1"
        server.advance(1)
        recovered = http.get("/v1/me")
        assert recovered.status_code == 200
        assert recovered.headers["x-ratelimit-limit"] == "6000"
        # five served before, this one: the refused request was not counted
        assert int(recovered.headers["x-ratelimit-remaining"]) == 6000 - 6
