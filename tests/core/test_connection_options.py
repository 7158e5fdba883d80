"""What getting started says about the connection options, checked against the mock: proxies
from the environment, ``http_client=`` as given, ``transport=`` and the SDK's own timeout."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from typing_extensions import override

from ccx import CCX
from ccx.mock import MockServer

PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY")


class ForwardingProxy:
    """An HTTP proxy on loopback that forwards each request and records its request line."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                proxy.requests.append(f"{self.command} {self.path}")
                headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
                with httpx.Client(trust_env=False) as upstream:
                    answer = upstream.request(self.command, self.path, headers=headers)
                self.send_response(answer.status_code)
                for name, value in answer.headers.items():
                    if name.lower() not in ("transfer-encoding", "connection", "content-length"):
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(answer.content)))
                self.end_headers()
                self.wfile.write(answer.content)

            @override
            def log_message(self, format: str, *args: Any) -> None:
                del format, args

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> ForwardingProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._thread.join()
        self._server.server_close()


@pytest.fixture
def proxy(monkeypatch: pytest.MonkeyPatch) -> Iterator[ForwardingProxy]:
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    with ForwardingProxy() as running:
        yield running


def test_the_proxy_environment_variables_route_the_sdks_own_client(
    ccx_mock: MockServer, proxy: ForwardingProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", proxy.url)

    with CCX(api_key=ccx_mock.token, base_url=ccx_mock.url) as client:
        assert client.me.retrieve().workspace.name == "Demo Workspace"

    assert proxy.requests == [f"GET {ccx_mock.url}/v1/me"]


def test_an_http_client_with_a_proxy_is_used_as_given(
    ccx_mock: MockServer, proxy: ForwardingProxy
) -> None:
    with (
        httpx.Client(proxy=proxy.url) as http_client,
        CCX(api_key=ccx_mock.token, base_url=ccx_mock.url, http_client=http_client) as client,
    ):
        client.me.retrieve()

    assert proxy.requests == [f"GET {ccx_mock.url}/v1/me"]


def test_a_transport_of_your_own_bypasses_the_proxy_environment(
    ccx_mock: MockServer, proxy: ForwardingProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", proxy.url)

    transport = httpx.HTTPTransport(retries=1)
    with CCX(api_key=ccx_mock.token, base_url=ccx_mock.url, transport=transport) as client:
        client.me.retrieve()

    assert proxy.requests == []


def test_the_sdks_timeout_and_headers_apply_through_a_given_http_client(
    ccx_mock: MockServer,
) -> None:
    seen: list[httpx.Request] = []
    with (
        httpx.Client(timeout=0.001, event_hooks={"request": [seen.append]}) as http_client,
        CCX(
            api_key=ccx_mock.token,
            base_url=ccx_mock.url,
            http_client=http_client,
            timeout=httpx.Timeout(20.0, connect=5.0),
            default_headers={"X-Team": "checkout", "CCX-Version": "1999-01-01"},
        ) as client,
    ):
        client.me.retrieve()

    (request,) = seen
    assert request.extensions["timeout"] == httpx.Timeout(20.0, connect=5.0).as_dict()
    assert request.headers["X-Team"] == "checkout"
    assert request.headers["CCX-Version"] != "1999-01-01"  # the SDK pins the API version
