"""``ccx webhooks``: forward live deliveries to a local app, verify a captured one."""

from __future__ import annotations

import datetime
import sys
from typing import get_args

import click
import httpx

from ccx._constants import WEBHOOK_SECRET_ENV
from ccx.testing import WebhookListener
from ccx.types.enums import WebhookEventSelector
from ccx.types.webhook_endpoints import WebhookEndpointWithSecret
from ccx.webhooks import DEFAULT_TOLERANCE, NO_TOLERANCE, WebhookVerificationError, verify

from ._captured import signature_value, split_request
from ._context import client
from ._output import console, print_fields, print_json, to_json
from ._relay import FORWARD_TIMEOUT_SECONDS, Forwarded, Relay, new_local_secret, sigterm_interrupts

__all__ = ["webhooks"]


@click.group()
def webhooks() -> None:
    """Receive webhooks locally and check their signatures."""


def _http_url(context: click.Context, parameter: click.Parameter, value: str) -> str:
    try:
        url: httpx.URL | None = httpx.URL(value)
    except httpx.InvalidURL:
        url = None
    if url is None or url.scheme not in {"http", "https"} or not url.host:
        raise click.BadParameter(
            f"{value!r} is not an http(s) URL; write it like http://localhost:8000/webhooks"
        )
    return value


@webhooks.command()
@click.option(
    "--forward-to",
    required=True,
    callback=_http_url,
    metavar="URL",
    help="Your app's webhook URL, such as http://localhost:8000/webhooks.",
)
@click.option(
    "--events",
    multiple=True,
    type=click.Choice(get_args(WebhookEventSelector)),
    help="An event type to receive; repeat for several (default: all).",
)
@click.option(
    "--forward-secret",
    metavar="WHSEC",
    help="Re-sign with this secret instead of a new one (keep your app's configuration).",
)
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=0,
    help="Local port CCX delivers to (default: any free port).",
)
@click.pass_context
def listen(
    context: click.Context,
    forward_to: str,
    events: tuple[WebhookEventSelector, ...],
    forward_secret: str | None,
    port: int,
) -> None:
    """Forward webhook events to a local app until Ctrl-C, like `stripe listen`.

    Registers a webhook endpoint pointing at a receiver on 127.0.0.1 (CCX must be able to reach
    it: the mock and local sandboxes can), verifies each delivery, signs it again with a local
    secret and forwards the raw body. Ctrl-C deletes the endpoint.
    """
    api = client(context)
    local_secret = forward_secret or new_local_secret()
    out = console()
    endpoint: WebhookEndpointWithSecret | None = None
    with sigterm_interrupts(), WebhookListener(port=port) as listener:
        url = listener.url + "/"
        try:
            endpoint = api.webhook_endpoints.create(
                url=url,
                events=list(events) or ["*"],
                description=f"ccx webhooks listen → {forward_to}",
            )
            out.print(f"Ready: {endpoint.id} sends {', '.join(endpoint.events)} to {url}")
            out.print(f"Forwarding to {forward_to}, signed with {local_secret}")
            out.print(f"(set {WEBHOOK_SECRET_ENV}={local_secret} in your app) — Ctrl-C to stop")
            with httpx.Client(timeout=FORWARD_TIMEOUT_SECONDS) as http:
                relay = Relay(
                    endpoint_secret=endpoint.secret,
                    local_secret=local_secret,
                    forward_to=forward_to,
                    http=http,
                    report=lambda forwarded: out.print(_line(forwarded, forward_to)),
                )
                listener.serve_forever(relay.handle)
        except KeyboardInterrupt:
            pass
        finally:
            if endpoint is not None:
                api.webhook_endpoints.delete(endpoint.id)
                out.print(f"Deleted {endpoint.id}")


def _line(forwarded: Forwarded, forward_to: str) -> str:
    now = datetime.datetime.now().strftime("%H:%M:%S")
    outcome = forwarded.problem or f"POST {forward_to}"
    return f"{now}  {forwarded.event_type:<22} {forwarded.event_id}  [{forwarded.status}] {outcome}"


@webhooks.command("verify")
@click.option(
    "--secret",
    "secrets",
    multiple=True,
    required=True,
    envvar=WEBHOOK_SECRET_ENV,
    metavar="WHSEC",
    help=f"The endpoint's secret; repeat during a rotation (default: ${WEBHOOK_SECRET_ENV}).",
)
@click.option(
    "--header",
    "signature",
    metavar="CCX-SIGNATURE",
    help="The CCX-Signature value; without it, stdin is the whole request (headers, blank "
    "line, body).",
)
@click.option(
    "--tolerance",
    type=click.FloatRange(min=0, min_open=True),
    default=DEFAULT_TOLERANCE,
    show_default=True,
    help="Seconds the signed timestamp may be from now.",
)
@click.option(
    "--ignore-timestamp", is_flag=True, help="Skip the replay check, for a recorded delivery."
)
@click.option(
    "--strict",
    is_flag=True,
    help="Also refuse a body that breaks its event's schema (by default it is read leniently).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the event as JSON.")
def verify_command(
    *,
    secrets: tuple[str, ...],
    signature: str | None,
    tolerance: float,
    ignore_timestamp: bool,
    strict: bool,
    as_json: bool,
) -> None:
    """Verify a webhook read from stdin and print its typed event; exit 1 with the reason.

    \b
    ccx webhooks verify --secret whsec_... --header 't=...,v1=...' < body.json
    ccx webhooks verify --secret whsec_... < request.http
    """
    captured = sys.stdin.buffer.read()
    if signature is None:
        headers, body = split_request(captured)
    else:
        headers, body = {"ccx-signature": signature_value(signature)}, captured
    try:
        event = verify(
            body,
            headers,
            list(secrets),
            tolerance=NO_TOLERANCE if ignore_timestamp else tolerance,
            strict=strict,
        )
    except WebhookVerificationError as error:
        raise click.ClickException(f"{error.code}: {error}") from error
    if as_json:
        print_json(to_json(event))
        return
    console().print(f"Verified {event.event} ({type(event).__name__})")
    print_fields(event)
