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


def rate_headers(response: httpx.Response) -> tuple[int, int]:
    return int(response.headers["x-ratelimit-limit"]), int(
        response.headers["x-ratelimit-remaining"]
    )


def test_refusals_before_a_token_is_known_carry_the_client_address_window(
    server: MockServer,
) -> None:
    with httpx.Client(base_url=server.url) as anonymous:
        missing = anonymous.get("/v1/me")
        invalid = anonymous.get("/v1/me", headers={"Authorization": "Bearer ccx_test_nope"})
        unknown_path = anonymous.get("/v1/nowhere")
    assert [r.status_code for r in (missing, invalid, unknown_path)] == [401, 401, 404]
    assert [rate_headers(r) for r in (missing, invalid, unknown_path)] == [
        (20, 19),
        (20, 18),
        (20, 17),
    ]
    assert all(int(r.headers["x-ratelimit-reset"]) >= 1 for r in (missing, invalid, unknown_path))
    assert missing.headers["www-authenticate"] == 'Bearer realm="ccx"'


def test_unknown_paths_and_methods_count_against_the_token(http: httpx.Client) -> None:
    unknown_path = http.get("/v1/nowhere")
    wrong_method = http.delete("/v1/me")
    assert (unknown_path.status_code, wrong_method.status_code) == (404, 405)
    assert wrong_method.headers["allow"] == "GET, HEAD"
    assert [rate_headers(r) for r in (unknown_path, wrong_method)] == [(20, 19), (20, 18)]
    assert rate_headers(http.get("/v1/me")) == (20, 17)


def test_too_large_and_wrong_media_type_carry_the_headers(http: httpx.Client) -> None:
    too_large = http.post(
        "/v1/segments",
        content=b"{" + b" " * 300_000 + b"}",
        headers={"Content-Type": "application/json"},
    )
    wrong_type = http.post(
        "/v1/segments", content=b"name=x", headers={"Content-Type": "text/plain"}
    )
    assert (too_large.status_code, wrong_type.status_code) == (413, 415)
    # Refused before the request counts, so both show the window as it stands.
    assert [rate_headers(r) for r in (too_large, wrong_type)] == [(20, 20), (20, 20)]


async def test_guessing_tokens_is_throttled_per_address_and_spares_valid_tokens(
    asgi: httpx.AsyncClient,
) -> None:
    guesses = [
        await asgi.get("/v1/me", headers={"Authorization": f"Bearer ccx_test_guess{n}"})
        for n in range(22)
    ]
    statuses = [r.status_code for r in guesses]
    assert statuses == [401] * 20 + [429, 429]
    warned = [n for n, r in enumerate(guesses) if "x-ratelimit-warning" in r.headers]
    assert warned[:1] == [18]  # under 10 % of 20 left: from the 19th guess on
    refused = guesses[-1]
    assert refused.json()["error"]["code"] == "rate_limited"
    assert "client address" in refused.json()["error"]["message"]
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    # The same address with a valid token is limited by the token's own window.
    assert (await asgi.get("/v1/me")).status_code == 200


def test_the_address_table_is_bounded() -> None:
    limiter = RateLimiter(20, 1_000, subject="client address", max_keys=2)
    limiter.consume("10.0.0.1", 0.0)
    limiter.consume("10.0.0.1", 0.0)
    limiter.consume("10.0.0.2", 0.0)
    limiter.consume("10.0.0.3", 0.0)  # 10.0.0.1 is forgotten
    assert limiter.peek("10.0.0.2", 0.0)["X-RateLimit-Remaining"] == "19"
    assert limiter.peek("10.0.0.1", 0.0)["X-RateLimit-Remaining"] == "20"
