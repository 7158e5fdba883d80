"""The FastAPI, Flask and Django helpers, each in its real framework served over a socket.

Every framework must behave the same: a signed event reaches the view typed, whatever its shape
(so it is acknowledged, never redelivered for 24 h and lost); anything else gets a 400 JSON error
before the view runs (FastAPI nests it under its usual ``detail`` key).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from ccx import ConfigurationError
from ccx.webhooks import SIGNATURE_HEADER, WebhookSecretMissingError, sign
from ccx.webhooks.django import verify_webhook as django_verify_webhook

from ._apps import django_app, fastapi_app, flask_app
from ._servers import SECRET, event_body, serve_asgi, serve_wsgi

if TYPE_CHECKING:
    from django.http import HttpRequest

    from ccx.types import Event

OLD_SECRET = "whsec_before_rotation_77aa01"


@pytest.fixture(scope="module", params=["fastapi", "flask", "django", "django-asgi"])
def framework(request: pytest.FixtureRequest) -> Iterator[tuple[str, httpx.Client]]:
    name: str = request.param
    serve = {
        "fastapi": lambda: serve_asgi(fastapi_app()),
        "flask": lambda: serve_wsgi(flask_app()),
        "django": lambda: serve_wsgi(django_app()),
        "django-asgi": lambda: serve_asgi(django_app(asgi=True)),
    }[name]
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CCX_WEBHOOK_SECRET", SECRET)  # set before the app starts, as deployed
        with serve() as base_url, httpx.Client(base_url=base_url) as client:
            yield name, client


def post(
    client: httpx.Client, body: bytes, signature: str | None, path: str = "/webhooks"
) -> httpx.Response:
    headers = {"Content-Type": "application/json"}
    if signature is not None:
        headers[SIGNATURE_HEADER] = signature
    return client.post(path, content=body, headers=headers)


def rejection(name: str, response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("application/json")
    body: dict[str, Any] = response.json()
    error: dict[str, Any] = body["detail"] if name == "fastapi" else body["error"]
    assert error["type"] == "webhook_verification_error"
    assert SECRET not in response.text
    return error


def test_a_signed_event_reaches_the_view_as_its_typed_model(
    framework: tuple[str, httpx.Client],
) -> None:
    _, client = framework
    body = event_body("message.delivered")
    response = post(client, body, sign(body, SECRET))
    assert response.status_code == 200, response.text
    assert response.json() == {
        "model": "MessageDeliveredEvent",
        "id": "evt_0xK91A",
        "event": "message.delivered",
    }


def test_an_async_view_gets_the_typed_event_and_the_same_rejections(
    framework: tuple[str, httpx.Client],
) -> None:
    name, client = framework
    body = event_body("message.read")
    response = post(client, body, sign(body, SECRET), "/async")
    assert response.status_code == 200, response.text
    assert response.json()["model"] == "MessageReadEvent"
    tampered = post(client, body + b" ", sign(body, SECRET), "/async")
    assert rejection(name, tampered)["code"] == "signature_mismatch"


def test_an_event_type_newer_than_the_sdk_reaches_the_view_as_unknown_event(
    framework: tuple[str, httpx.Client],
) -> None:
    _, client = framework
    body = event_body("message.teleported")
    response = post(client, body, sign(body, SECRET))
    assert response.status_code == 200, response.text
    assert response.json()["model"] == "UnknownEvent"


def test_a_tampered_body_is_a_400_signature_mismatch_and_a_warning(
    framework: tuple[str, httpx.Client], caplog: pytest.LogCaptureFixture
) -> None:
    name, client = framework
    body = event_body()
    signature = sign(body, SECRET)
    with caplog.at_level(logging.WARNING, logger="ccx.webhooks"):
        error = rejection(name, post(client, body.replace(b"+5511", b"+5599"), signature))
    assert error["code"] == "signature_mismatch"
    assert "raw request bytes" in error["message"]
    assert "signature_mismatch" in caplog.text
    assert SECRET not in caplog.text


def test_an_unsigned_request_is_rejected_before_its_body_is_parsed(
    framework: tuple[str, httpx.Client],
) -> None:
    name, client = framework
    error = rejection(name, post(client, b"{not json", None))
    assert error["code"] == "missing_signature"


def test_a_stale_signature_is_a_400(framework: tuple[str, httpx.Client]) -> None:
    name, client = framework
    body = event_body()
    stale = sign(body, SECRET, timestamp=int(time.time()) - 3600)
    assert rejection(name, post(client, body, stale))["code"] == "timestamp_outside_tolerance"


def test_a_malformed_signature_is_a_400(framework: tuple[str, httpx.Client]) -> None:
    name, client = framework
    assert rejection(name, post(client, event_body(), "v1=abc"))["code"] == "malformed_signature"


@pytest.mark.parametrize(
    ("body", "model", "event"),
    [
        # The envelope's fields missing, data.message_id missing, a status this SDK lacks.
        (b'{"event": "message.delivered", "data": {"status": "archived"}}', "Message", None),
        (b'{"data": {}}', "UnknownEvent", None),
        (b'{"id": "evt_1", "event": 42, "data": []}', "UnknownEvent", "evt_1"),
    ],
)
def test_a_signed_event_of_any_shape_reaches_the_view(
    framework: tuple[str, httpx.Client], body: bytes, model: str, event: str | None
) -> None:
    _, client = framework
    response = post(client, body, sign(body, SECRET))
    assert response.status_code == 200, response.text
    assert response.json()["model"].startswith(model)
    assert response.json()["id"] == event


def test_a_signed_body_that_is_not_a_json_object_is_a_400(
    framework: tuple[str, httpx.Client],
) -> None:
    name, client = framework
    body = b'["message.delivered"]'
    assert rejection(name, post(client, body, sign(body, SECRET)))["code"] == "invalid_payload"


def test_during_a_rotation_the_double_signature_is_accepted(
    framework: tuple[str, httpx.Client],
) -> None:
    _, client = framework
    body = event_body()
    response = post(client, body, sign(body, [OLD_SECRET, SECRET]))
    assert response.status_code == 200, response.text


def test_without_a_secret_argument_the_environment_secret_is_used(
    framework: tuple[str, httpx.Client], monkeypatch: pytest.MonkeyPatch
) -> None:
    name, client = framework
    monkeypatch.setenv("CCX_WEBHOOK_SECRET", OLD_SECRET)
    body = event_body()
    assert post(client, body, sign(body, OLD_SECRET), "/configured").status_code == 200
    error = rejection(name, post(client, body, sign(body, SECRET), "/configured"))
    assert error["code"] == "signature_mismatch"


def test_a_secret_removed_after_startup_fails_requests_rather_than_accepting_them(
    framework: tuple[str, httpx.Client], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, client = framework
    monkeypatch.delenv("CCX_WEBHOOK_SECRET", raising=False)
    body = event_body()
    # A misconfigured server is a 5xx (CCX redelivers later), never a 2xx that drops the event.
    assert post(client, body, sign(body, SECRET), "/configured").status_code == 500


def django_view(request: HttpRequest, event: Event) -> None:
    """Never served: decorating it is the startup under test."""


STARTUPS: dict[str, Callable[[], object]] = {
    "fastapi": fastapi_app,
    "flask": flask_app,
    "django": lambda: django_verify_webhook()(django_view),
}


@pytest.mark.parametrize("name", sorted(STARTUPS))
def test_with_no_secret_configured_the_app_fails_as_it_starts(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Not at the first delivery, as a 500 that CCX would redeliver for a day and then drop."""
    django_app()  # Django's settings exist before any view is decorated
    monkeypatch.delenv("CCX_WEBHOOK_SECRET", raising=False)

    with pytest.raises(ConfigurationError) as raised:
        STARTUPS[name]()

    assert isinstance(raised.value, WebhookSecretMissingError)
    message = str(raised.value)
    assert "pass secret='whsec_...'" in message
    assert "CCX_WEBHOOK_SECRET environment variable" in message
    assert ("settings.CCX_WEBHOOK_SECRET" in message) == (name == "django")


def test_django_reads_the_secret_from_settings_first(monkeypatch: pytest.MonkeyPatch) -> None:
    from django.test import override_settings

    monkeypatch.setenv("CCX_WEBHOOK_SECRET", SECRET)
    body = event_body()
    with (
        serve_wsgi(django_app()) as base_url,
        httpx.Client(base_url=base_url) as client,
        override_settings(CCX_WEBHOOK_SECRET=OLD_SECRET),
    ):
        assert post(client, body, sign(body, OLD_SECRET), "/configured").status_code == 200
        assert post(client, body, sign(body, SECRET), "/configured").status_code == 400
