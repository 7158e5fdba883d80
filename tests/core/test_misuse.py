"""The client used as a new user would, and deliberately wrongly: every failure is a typed
``CCXError`` naming the setting or argument and the fix, and nothing is sent."""

from __future__ import annotations

import asyncio
import re
import threading
import warnings
from pathlib import Path

import httpx
import pytest

from ccx._client import CCX, AsyncCCX
from ccx._exceptions import (
    APIStatusError,
    BlockingCallWarning,
    CCXError,
    ClientClosedError,
    ConfigurationError,
    InvalidArgumentError,
)
from ccx._transports import AiohttpTransport

from ._resources import AsyncMessages, Messages
from ._server import Reply, ScriptedServer
from .conftest import API_KEY
from .test_generated_resources import message

MESSAGE = {"id": "msg_1", "status": "queued"}


pytestmark = pytest.mark.usefixtures("clean_environment")


def chain(error: BaseException) -> str:
    """Everything an exception and its causes say."""
    texts: list[str] = []
    current: BaseException | None = error
    while current is not None:
        texts += [str(current), repr(current), repr(current.args)]
        current = current.__cause__ or current.__context__
    return "\n".join(texts)


@pytest.mark.parametrize("surrounding", ["\n", "\r\n", " ", "\t", " \n"])
def test_whitespace_around_the_key_is_dropped(
    server: ScriptedServer, monkeypatch: pytest.MonkeyPatch, surrounding: str
) -> None:
    """Kubernetes secrets and CRLF .env files leave a newline after the token."""
    server.script("GET", "/v1/messages/msg_1", Reply(200, MESSAGE), Reply(200, MESSAGE))
    with CCX(API_KEY + surrounding, base_url=server.base_url) as client:
        assert client.api_key == API_KEY
        Messages(client).retrieve("msg_1")
    monkeypatch.setenv("CCX_API_KEY", surrounding + API_KEY + surrounding)
    with CCX(base_url=server.base_url) as client:
        Messages(client).retrieve("msg_1")

    assert [seen.headers["authorization"] for seen in server.requests] == [f"Bearer {API_KEY}"] * 2


@pytest.mark.parametrize(
    ("key", "kind"),
    [
        (API_KEY[:8] + "\n" + API_KEY[8:], "a line break at position 8"),
        (API_KEY[:8] + " " + API_KEY[8:], "whitespace at position 8"),
        (API_KEY[:8] + "\x00" + API_KEY[8:], "a control character at position 8"),
        (API_KEY[:8] + "é" + API_KEY[8:], "a non-ASCII character at position 8"),
    ],
)
def test_a_key_no_token_could_be_is_refused_without_repeating_it(key: str, kind: str) -> None:
    with pytest.raises(ConfigurationError, match=kind) as raised:
        CCX(key)

    assert "api_key" in str(raised.value)
    assert API_KEY[8:] not in chain(raised.value)
    assert API_KEY[:8] not in chain(raised.value)


def test_whitespace_around_the_webhook_secret_is_dropped(monkeypatch: pytest.MonkeyPatch) -> None:
    with CCX(API_KEY, webhook_secret="whsec_abc\n") as client:
        assert client.webhook_secret == "whsec_abc"
    monkeypatch.setenv("CCX_WEBHOOK_SECRET", "whsec_abc\r\n")
    with CCX(API_KEY) as client:
        assert client.webhook_secret == "whsec_abc"


def test_an_empty_key_is_no_key() -> None:
    with pytest.raises(ConfigurationError, match="CCX_API_KEY"):
        CCX(" \n")


@pytest.mark.parametrize(
    ("key", "problem"),
    [
        ("pedido-nº-42", "'º' is a non-ASCII character at position 8"),
        ("ord\n42", "'\\\\n' is a line break at position 3"),
        (" ord-42", "whitespace at position 0"),
        ("k" * 129, "got 129 characters"),
        ("", "got 0 characters"),
    ],
)
def test_an_idempotency_key_http_cannot_carry_is_refused_before_sending(
    server: ScriptedServer, messages: Messages, key: str, problem: str
) -> None:
    with pytest.raises(InvalidArgumentError, match="`idempotency_key`") as raised:
        messages.send(to="+15550000001", idempotency_key=key)

    assert problem in str(raised.value).replace("\\", "\\\\")
    assert server.requests == []


def test_spaces_inside_an_idempotency_key_are_fine(
    server: ScriptedServer, messages: Messages
) -> None:
    server.script("POST", "/v1/messages", Reply(202, MESSAGE))

    messages.send(to="+15550000001", idempotency_key="order 42 / attempt A")

    (seen,) = server.requests
    assert (
        seen.headers["idempotency-key"] == seen.json()["idempotency_key"] == "order 42 / attempt A"
    )


def test_a_lone_surrogate_is_named_by_its_field(server: ScriptedServer, client: CCX) -> None:
    with pytest.raises(InvalidArgumentError, match=re.escape("`text` has '\\ud800'")):
        Messages(client).send(to="+15550000001", text="hi \ud800")
    with pytest.raises(InvalidArgumentError, match=re.escape("`metadata.note` has '\\udc80'")):
        client.messages.send(
            to="+15550000001", channel="sms", text="hi", metadata={"note": "caf\udc80"}
        )
    with pytest.raises(InvalidArgumentError, match=re.escape("`template.variables[1]`")):
        client.messages.send(
            to="+15550000001",
            channel="whatsapp",
            # A list, as untyped code may pass: the path to the bad value still names its index.
            template={"name": "t", "language": "en", "variables": ["ok", "\ud83d"]},  # pyright: ignore[reportArgumentType]
        )
    with pytest.raises(InvalidArgumentError, match="`id` has"):
        Messages(client).retrieve("msg_\ud800")
    with pytest.raises(InvalidArgumentError, match="`starting_after` has"):
        client.messages.list(extra_query={"starting_after": "msg_\ud800"})

    assert server.requests == []


def test_a_value_json_cannot_carry_is_named(server: ScriptedServer, client: CCX) -> None:
    with pytest.raises(InvalidArgumentError, match=re.escape("`metadata.when` is of type object")):
        client.messages.send(
            to="+15550000001",
            channel="sms",
            text="hi",
            metadata={"when": object()},  # pyright: ignore[reportArgumentType]  # the error under test
        )
    assert server.requests == []


@pytest.mark.parametrize(
    ("setting", "value", "message"),
    [
        ("max_retries", "3", "`max_retries` must be a whole number, 0 or more; got '3'"),
        ("max_retries", -1, "`max_retries` must be a whole number"),
        ("max_retries", 2.5, "`max_retries` must be a whole number"),
        ("timeout", "30", "`timeout` must be a positive number of seconds"),
        ("timeout", -1, "`timeout` must be a positive number of seconds"),
        ("base_url", 42, "base_url must be a string"),
        ("base_url", "api.ccx.co", "base_url must be an http\\(s\\) URL"),
        ("base_url", "https://", "base_url must be an http\\(s\\) URL"),
        ("default_headers", {"X-Team": "a\nb"}, "default_headers\\['X-Team'\\] has a line"),
        ("default_headers", {"Bad Name": "x"}, "header name HTTP does not allow"),
    ],
)
def test_bad_settings_are_configuration_errors(setting: str, value: object, message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        CCX(API_KEY, **{setting: value})  # type: ignore[arg-type]  # wrong type on purpose: tests the runtime check


@pytest.mark.parametrize("option", [{"max_retries": "3"}, {"timeout": "3"}])
def test_bad_call_options_are_argument_errors(
    server: ScriptedServer, messages: Messages, option: dict[str, object]
) -> None:
    with pytest.raises(InvalidArgumentError, match=f"messages.send: `{next(iter(option))}`"):
        messages.send(to="+15550000001", **option)  # type: ignore[arg-type]  # wrong type on purpose: tests the runtime check
    assert server.requests == []


def test_a_header_value_is_never_repeated(server: ScriptedServer, client: CCX) -> None:
    with pytest.raises(InvalidArgumentError, match="extra_headers\\['X-Api-Key'\\]") as raised:
        client.me.retrieve(extra_headers={"X-Api-Key": "sk_secret_value\n"})

    assert "sk_secret_value" not in chain(raised.value)
    assert server.requests == []


@pytest.mark.parametrize(
    "base_url", ["https://api.ccx.co/v1", "https://api.ccx.co/v1/", "http://localhost:8080/v1"]
)
def test_a_base_url_ending_in_v1_gets_the_fix(
    base_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = base_url.rstrip("/").removesuffix("/v1")
    with pytest.raises(ConfigurationError, match=f"base_url ends in /v1.*use '{root}'"):
        CCX(API_KEY, base_url=base_url)
    monkeypatch.setenv("CCX_BASE_URL", base_url)
    with pytest.raises(ConfigurationError, match="CCX_BASE_URL ends in /v1"):
        CCX(API_KEY)


@pytest.mark.parametrize(
    ("base_url", "without"),
    [
        ("https://deploy:hunter2-secret@api.ccx.co", "https://api.ccx.co"),
        ("http://:hunter2-secret@localhost:8080/ccx/", "http://localhost:8080/ccx"),
        ("https://hunter2-secret@gateway.example", "https://gateway.example"),
    ],
)
@pytest.mark.parametrize("transport", [None, AiohttpTransport])
def test_a_base_url_with_credentials_is_refused_without_echoing_them(
    base_url: str,
    without: str,
    transport: type[AiohttpTransport] | None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with pytest.raises(ConfigurationError, match="base_url carries credentials") as given:
        AsyncCCX(API_KEY, base_url=base_url, transport=transport and transport())
    monkeypatch.setenv("CCX_BASE_URL", base_url)
    with pytest.raises(ConfigurationError, match="CCX_BASE_URL carries credentials") as read:
        AsyncCCX(API_KEY, transport=transport and transport())
    for raised in (given, read):
        assert f"Use '{without}'" in str(raised.value)
        assert "hunter2" not in chain(raised.value)


def test_a_base_url_under_a_path_keeps_it(server: ScriptedServer) -> None:
    with CCX(API_KEY, base_url="https://gateway.example/ccx/") as client:
        assert client.base_url == "https://gateway.example/ccx"


def test_a_closed_client_says_so(server: ScriptedServer) -> None:
    server.script("GET", "/v1/messages/msg_1", Reply(200, MESSAGE))
    client = CCX(API_KEY, base_url=server.base_url)
    copy = client.with_options(max_retries=0)
    Messages(client).retrieve("msg_1")
    client.close()

    for closed in (client, copy):
        with pytest.raises(ClientClosedError, match="This CCX was closed") as raised:
            Messages(closed).retrieve("msg_1")
        assert isinstance(raised.value, RuntimeError)  # what httpx raised here before
    assert len(server.requests) == 1


async def test_a_closed_async_client_says_so(server: ScriptedServer) -> None:
    async with AsyncCCX(API_KEY, base_url=server.base_url) as client:
        pass
    with pytest.raises(ClientClosedError, match="This AsyncCCX was closed"):
        await AsyncMessages(client).send(to="+15550000001")
    assert server.requests == []


@pytest.mark.usefixtures("nothing_left_open")
@pytest.mark.parametrize("transport", [None, AiohttpTransport], ids=["httpx", "aiohttp"])
def test_an_async_client_moves_to_a_new_event_loop(
    server: ScriptedServer, transport: type[AiohttpTransport] | None
) -> None:
    """``asyncio.run()`` twice, or a loop per test: the closed loop's pool is replaced, and was
    closed with its loop."""
    server.script("POST", "/v1/messages", Reply(202, MESSAGE), Reply(202, MESSAGE))
    client = AsyncCCX(API_KEY, base_url=server.base_url, transport=transport and transport())
    messages = AsyncMessages(client)

    first = asyncio.run(messages.send(to="+15550000001"))
    second = asyncio.run(messages.send(to="+15550000001"))

    assert first == second
    asyncio.run(client.close())


@pytest.mark.usefixtures("nothing_left_open")  # the other loop's pool, which nobody closes
@pytest.mark.parametrize("transport", [None, AiohttpTransport], ids=["httpx", "aiohttp"])
def test_an_async_client_is_not_shared_by_two_running_loops(
    server: ScriptedServer, transport: type[AiohttpTransport] | None
) -> None:
    server.script("POST", "/v1/messages", Reply(202, MESSAGE))
    client = AsyncCCX(API_KEY, base_url=server.base_url, transport=transport and transport())
    in_use, release = threading.Event(), threading.Event()

    def other_loop() -> None:
        async def send_then_stay() -> None:
            await AsyncMessages(client).send(to="+15550000001")
            in_use.set()
            while not release.is_set():  # the loop keeps running, holding the client
                await asyncio.sleep(0.01)

        asyncio.run(send_then_stay())

    thread = threading.Thread(target=other_loop)
    thread.start()
    try:
        assert in_use.wait(30)
        with pytest.raises(ConfigurationError, match="another event loop that is still running"):
            asyncio.run(AsyncMessages(client).send(to="+15550000001"))
    finally:
        release.set()
        thread.join(30)
    assert len(server.requests) == 1


def test_an_http_client_of_yours_does_not_move_between_loops(server: ScriptedServer) -> None:
    server.script("POST", "/v1/messages", Reply(202, MESSAGE))
    yours = httpx.AsyncClient()
    client = AsyncCCX(API_KEY, base_url=server.base_url, http_client=yours)

    async def send_then_close_yours() -> None:
        await AsyncMessages(client).send(to="+15550000001")
        await yours.aclose()  # on its own loop, as its owner would: the SDK leaves it open

    asyncio.run(send_then_close_yours())

    with pytest.raises(ConfigurationError, match="its http_client= or transport= is yours"):
        asyncio.run(AsyncMessages(client).send(to="+15550000001"))


async def test_the_sync_client_in_a_running_loop_warns(server: ScriptedServer) -> None:
    server.script("GET", "/v1/messages/msg_1", *[Reply(200, message())] * 3)
    with (
        CCX(API_KEY, base_url=server.base_url) as client,
        warnings.catch_warnings(record=True) as caught,
    ):
        warnings.simplefilter("default")
        for _ in range(3):
            client.messages.retrieve("msg_1")  # one call site: one warning

    (warning,) = [w for w in caught if w.category is BlockingCallWarning]
    assert "ccx.AsyncCCX" in str(warning.message)
    assert Path(warning.filename) == Path(__file__)


async def test_the_sync_client_in_a_worker_thread_does_not_warn(server: ScriptedServer) -> None:
    """``asyncio.to_thread`` is the advice: the loop runs on while the call blocks its thread."""
    server.script("GET", "/v1/messages/msg_1", Reply(200, MESSAGE))
    with CCX(API_KEY, base_url=server.base_url) as client, warnings.catch_warnings():
        warnings.simplefilter("error", BlockingCallWarning)
        await asyncio.to_thread(Messages(client).retrieve, "msg_1")


def test_the_sync_client_outside_a_loop_does_not_warn(server: ScriptedServer) -> None:
    server.script("GET", "/v1/messages/msg_1", Reply(200, MESSAGE))
    with CCX(API_KEY, base_url=server.base_url) as client, warnings.catch_warnings():
        warnings.simplefilter("error")
        Messages(client).retrieve("msg_1")


def test_every_misuse_error_is_a_ccx_error() -> None:
    for error in (ConfigurationError, ClientClosedError, InvalidArgumentError):
        assert issubclass(error, CCXError)


def test_a_redirect_is_an_error_that_points_at_base_url(server: ScriptedServer) -> None:
    """An http:// base_url answered with a redirect to https://, say: not a success."""
    moved = Reply(301, headers={"Location": "https://api.ccx.co/v1/messages/msg_1"})
    server.script("GET", "/v1/messages/msg_1", moved)
    with (
        CCX(API_KEY, base_url=server.base_url) as client,
        pytest.raises(APIStatusError, match="the API never redirects: check base_url") as raised,
    ):
        Messages(client).retrieve("msg_1")

    assert raised.value.status_code == 301
