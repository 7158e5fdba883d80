"""Client configuration, default headers, raw responses and rate-limit bookkeeping."""

from __future__ import annotations

import logging
import ssl
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from ccx._client import CCX, AsyncCCX
from ccx._constants import API_VERSION
from ccx._exceptions import (
    CCXError,
    ConfigurationError,
    InvalidArgumentError,
    ResponseValidationError,
)
from ccx._ratelimit import RateLimit
from ccx._transports._ssl import shared_ssl_context
from ccx._version import __version__

from ._resources import AsyncMessages, Message, Messages
from ._server import Reply, ScriptedServer
from .conftest import API_KEY, FakeClock

MESSAGE = {"id": "msg_1", "status": "queued"}


pytestmark = pytest.mark.usefixtures("clean_environment")


@pytest.mark.parametrize("client_type", [CCX, AsyncCCX])
def test_no_key_is_a_clear_error(client_type: type[CCX] | type[AsyncCCX]) -> None:
    with pytest.raises(ConfigurationError, match="CCX_API_KEY") as raised:
        client_type()
    assert isinstance(raised.value, CCXError)


def test_environment_fallbacks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CCX_API_KEY", API_KEY)
    monkeypatch.setenv("CCX_BASE_URL", "http://127.0.0.1:1/")
    monkeypatch.setenv("CCX_WEBHOOK_SECRET", "whsec_env")

    with CCX() as client:
        assert client.api_key == API_KEY
        assert client.base_url == "http://127.0.0.1:1"
        assert client.webhook_secret == "whsec_env"


def test_defaults() -> None:
    with CCX(API_KEY) as client:
        assert client.base_url == "https://api.ccx.co"
        assert client.max_retries == 2
        assert client.webhook_secret is None


def test_bad_base_url() -> None:
    with pytest.raises(ConfigurationError, match="base_url"):
        CCX(API_KEY, base_url="api.ccx.co")


def test_http_client_and_transport_exclude_each_other() -> None:
    with httpx.Client() as http_client, pytest.raises(ConfigurationError, match="not both"):
        CCX(API_KEY, http_client=http_client, transport=httpx.HTTPTransport())


def test_repr_hides_the_key() -> None:
    with CCX(API_KEY, webhook_secret="whsec_hidden") as client:
        assert API_KEY not in repr(client)
        assert "whsec_hidden" not in repr(client)
        assert "https://api.ccx.co" in repr(client)


def test_every_request_carries_version_agent_and_token(
    server: ScriptedServer, messages: Messages
) -> None:
    server.script("GET", "/v1/messages/msg_1", Reply(200, MESSAGE))

    messages.retrieve("msg_1")

    headers = server.seen("GET", "/v1/messages/msg_1")[0].headers
    assert headers["ccx-version"] == API_VERSION == "2026-11-01"
    assert headers["user-agent"] == f"ccx-python/{__version__}"
    assert headers["authorization"] == f"Bearer {API_KEY}"
    assert headers["ccx-retry-count"] == "0"


@pytest.mark.parametrize("where", ["default_headers", "extra_headers"])
def test_the_retry_count_is_the_sdks_own(where: str) -> None:
    """A count the caller sends, in any case, is replaced: the server must see one, true."""
    seen: list[list[str]] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get_list("ccx-retry-count"))
        return httpx.Response(200 if len(seen) > 1 else 503, json=MESSAGE)

    given = {"ccx-retry-count": "7", "CCX-RETRY-COUNT": "9"}
    defaults = given if where == "default_headers" else None
    extra = given if where == "extra_headers" else None
    with CCX(
        API_KEY,
        base_url="https://api.ccx.co",
        transport=httpx.MockTransport(answer),
        default_headers=defaults,
        sleep=lambda _: None,
    ) as client:
        client.messages.retrieve("msg_1", extra_headers=extra)

    assert seen == [["0"], ["1"]]


def test_default_headers_cannot_replace_the_version(server: ScriptedServer) -> None:
    server.script("GET", "/v1/messages/msg_1", Reply(200, MESSAGE))
    with CCX(
        API_KEY,
        base_url=server.base_url,
        default_headers={"X-Team": "growth", "CCX-Version": "1999-01-01"},
    ) as client:
        Messages(client).retrieve("msg_1")

    headers = server.seen("GET", "/v1/messages/msg_1")[0].headers
    assert headers["x-team"] == "growth"
    assert headers["ccx-version"] == API_VERSION


def test_with_options_shares_the_pool_and_changes_settings(
    server: ScriptedServer, client: CCX
) -> None:
    server.script("GET", "/v1/messages/msg_1", Reply(200, MESSAGE))
    copy = client.with_options(max_retries=5, default_headers={"X-Copy": "yes"})

    assert copy._pool is client._pool
    assert (copy.max_retries, client.max_retries) == (5, 2)
    Messages(copy).retrieve("msg_1")
    copy.close()  # the copy does not own the pool: the original keeps working
    server.script("GET", "/v1/messages/msg_1", Reply(200, MESSAGE))
    Messages(client).retrieve("msg_1")

    copied, original = server.seen("GET", "/v1/messages/msg_1")
    assert copied.headers["x-copy"] == "yes"
    assert "x-copy" not in original.headers


def test_closing_the_client_closes_its_pool(server: ScriptedServer) -> None:
    with CCX(API_KEY, base_url=server.base_url) as client:
        http = client._pool.current()
    assert http.is_closed


def test_a_given_http_client_is_left_open(server: ScriptedServer) -> None:
    with httpx.Client() as http_client:
        with CCX(API_KEY, base_url=server.base_url, http_client=http_client):
            pass
        assert not http_client.is_closed


async def test_a_second_client_does_not_reload_the_ca_bundle(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    CCX(API_KEY).close()
    loads: list[object] = []
    original = ssl.SSLContext.load_verify_locations

    def counting(context: ssl.SSLContext, *args: Any, **kwargs: Any) -> None:
        loads.append(args)
        original(context, *args, **kwargs)

    monkeypatch.setattr(ssl.SSLContext, "load_verify_locations", counting)

    with CCX(API_KEY):
        pass
    async with AsyncCCX(API_KEY):
        pass

    assert loads == []
    assert shared_ssl_context() is shared_ssl_context()


def test_raw_response(server: ScriptedServer, messages: Messages) -> None:
    server.script(
        "POST",
        "/v1/messages",
        Reply(503),
        Reply(
            202,
            MESSAGE,
            headers={
                "X-Request-Id": "req_42",
                "Idempotent-Replayed": "true",
                "X-RateLimit-Limit": "6000",
                "X-RateLimit-Remaining": "5999",
                "X-RateLimit-Reset": "60",
            },
        ),
    )

    raw = messages.with_raw_response.send(to="+15550000001")

    assert raw.status_code == 202
    assert raw.request_id == "req_42"
    assert raw.idempotent_replayed is True
    assert raw.retries_taken == 1
    assert raw.rate_limit is not None
    assert (raw.rate_limit.limit, raw.rate_limit.remaining) == (6000, 5999)
    assert raw.headers["x-request-id"] == "req_42"
    assert isinstance(raw.http_response, httpx.Response)
    assert raw.parse() == Message(id="msg_1", status="queued")
    assert raw.parse() is raw.parse()


async def test_async_raw_response(server: ScriptedServer, async_messages: AsyncMessages) -> None:
    server.script("POST", "/v1/messages", Reply(202, MESSAGE))

    raw = await async_messages.with_raw_response.send(to="+15550000001")

    assert raw.idempotent_replayed is False
    assert raw.retries_taken == 0
    assert raw.parse().id == "msg_1"


def test_unknown_fields_are_kept(server: ScriptedServer, messages: Messages) -> None:
    server.script("GET", "/v1/messages/msg_1", Reply(200, {**MESSAGE, "new_field": 1}))

    message = messages.retrieve("msg_1")

    assert message.model_extra == {"new_field": 1}


@pytest.mark.parametrize("bad_id", ["", None])
def test_bad_path_parameters_name_the_field(messages: Messages, bad_id: object) -> None:
    with pytest.raises(InvalidArgumentError, match="`id`"):
        messages.retrieve(bad_id)  # type: ignore[arg-type]  # wrong type on purpose: tests the runtime check


def test_path_parameters_are_escaped(server: ScriptedServer, messages: Messages) -> None:
    server.script("GET", "/v1/messages/a/b?c", Reply(200, MESSAGE))

    messages.retrieve("a/b?c")

    (seen,) = server.seen("GET", "/v1/messages/a/b?c")
    assert seen.raw_path == "/v1/messages/a%2Fb%3Fc"


def test_too_long_idempotency_key(messages: Messages) -> None:
    with pytest.raises(InvalidArgumentError, match="idempotency_key"):
        messages.send(to="+15550000001", idempotency_key="k" * 129)


def spent_window(remaining: str, *, warning: bool) -> dict[str, str]:
    headers = {
        "X-RateLimit-Limit": "100",
        "X-RateLimit-Remaining": remaining,
        "X-RateLimit-Reset": "30",
    }
    if warning:
        headers["X-RateLimit-Warning"] = "under 10% of the window left"
    return headers


def test_rate_limit_is_tracked_and_warned_once_per_window(
    server: ScriptedServer, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    seen: list[RateLimit] = []
    server.script(
        "GET",
        "/v1/messages/msg_1",
        Reply(200, MESSAGE, headers=spent_window("50", warning=False)),
        Reply(200, MESSAGE, headers=spent_window("9", warning=True)),
        Reply(200, MESSAGE, headers=spent_window("8", warning=True)),
    )
    with CCX(
        API_KEY,
        base_url=server.base_url,
        on_rate_limit_warning=seen.append,
        sleep=clock.sleep,
        now=clock.now,
    ) as client:
        messages = Messages(client)
        assert client.rate_limit is None
        with caplog.at_level(logging.WARNING, logger="ccx"):
            for _ in range(3):
                messages.retrieve("msg_1")

        assert client.rate_limit is not None
        assert client.rate_limit.remaining == 8
        assert client.with_options(max_retries=0).rate_limit == client.rate_limit

    assert [r.remaining for r in seen] == [9]
    warnings = [r for r in caplog.records if "Rate limit nearly spent" in r.getMessage()]
    assert len(warnings) == 1


def test_the_window_is_the_one_reported_when_the_response_came(
    server: ScriptedServer, clock: FakeClock
) -> None:
    """Read when first asked for, the window still dates from the response, and a response
    whose window cannot be read leaves none rather than an older one."""
    unreadable = {"X-RateLimit-Limit": "6000", "X-RateLimit-Remaining": "soon"}
    server.script(
        "POST",
        "/v1/messages",
        Reply(202, MESSAGE, headers=spent_window("50", warning=False)),
        Reply(202, MESSAGE, headers=unreadable),
    )
    with CCX(API_KEY, base_url=server.base_url, sleep=clock.sleep, now=clock.now) as client:
        raw = Messages(client).with_raw_response.send(to="+15550000001")
        received = clock.time
        clock.sleep(100)

        assert raw.rate_limit is not None
        assert raw.rate_limit.reset_at == received + raw.rate_limit.reset
        assert client.rate_limit == raw.rate_limit

        assert Messages(client).with_raw_response.send(to="+15550000001").rate_limit is None
        assert client.rate_limit is None


def test_a_new_window_warns_again(server: ScriptedServer, clock: FakeClock) -> None:
    seen: list[RateLimit] = []
    server.script(
        "GET",
        "/v1/messages/msg_1",
        Reply(200, MESSAGE, headers=spent_window("9", warning=True)),
        Reply(200, MESSAGE, headers=spent_window("9", warning=True)),
    )
    with CCX(
        API_KEY, base_url=server.base_url, on_rate_limit_warning=seen.append, now=clock.now
    ) as client:
        Messages(client).retrieve("msg_1")
        clock.time += 31  # the first window has reset
        Messages(client).retrieve("msg_1")

    assert len(seen) == 2


def test_webhooks_helper_uses_the_client_secret() -> None:
    from ccx.webhooks import Webhooks

    with CCX(API_KEY, webhook_secret="whsec_abc") as client:
        assert isinstance(client.webhooks, Webhooks)
        assert client.webhooks is client.webhooks


def test_a_response_that_breaks_the_model_is_read_leniently(
    server: ScriptedServer, messages: Messages
) -> None:
    server.script("GET", "/v1/messages/msg_1", Reply(200, {"id": "msg_1"}))

    message = messages.retrieve("msg_1")

    assert (message.id, message.status) == ("msg_1", None)


def test_a_strict_client_refuses_a_response_that_breaks_the_model(
    server: ScriptedServer, client: CCX
) -> None:
    server.script("GET", "/v1/messages/msg_1", Reply(200, {"id": "msg_1"}))
    strict = client.with_options(strict_response_validation=True)

    with pytest.raises(ResponseValidationError, match="status: Field required") as raised:
        Messages(strict).retrieve("msg_1")

    assert isinstance(raised.value, CCXError)
    assert raised.value.__cause__ is None  # no pydantic error, whose text shows the values


def test_rate_limit_tracking_across_threads(server: ScriptedServer, clock: FakeClock) -> None:
    warned: list[RateLimit] = []
    served = [str(n) for n in range(40)]
    server.script(
        "GET",
        "/v1/messages/msg_1",
        *[Reply(200, MESSAGE, headers=spent_window(n, warning=True)) for n in served],
    )
    with CCX(
        API_KEY, base_url=server.base_url, on_rate_limit_warning=warned.append, now=clock.now
    ) as client:
        messages = Messages(client)
        with ThreadPoolExecutor(max_workers=8) as pool:
            results = list(pool.map(messages.retrieve, ["msg_1"] * 40))

        assert len(results) == 40
        assert client.rate_limit is not None
        assert str(client.rate_limit.remaining) in served
    assert len(warned) == 1


def test_the_version_header_matches_the_spec() -> None:
    spec = Path(__file__).parents[2] / "openapi" / "openapi.yaml"
    assert yaml.safe_load(spec.read_text())["info"]["version"] == API_VERSION
