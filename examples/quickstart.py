"""CCX in a few seconds: send a template, watch it be read, broadcast, and verify a webhook.

    make demo                      # or: python examples/quickstart.py

Runs against the bundled mock server, started in this process, unless ``CCX_BASE_URL`` and
``CCX_API_KEY`` are set (to a ``ccx-mock`` you run, or to your sandbox: webhooks then need a
public URL, so that step is skipped).
"""

from __future__ import annotations

import time
import uuid
from urllib.parse import urlsplit

from _support import ORDER_CONFIRMATION, READS, WEBHOOK_PATH, WebhookInbox, local_api, serve_wsgi

import ccx
from ccx.types import BroadcastCounts

BAR_WIDTH = 24
MAX_STEPS = 10
"""Clock seconds to follow a message for: the sandbox reads it within three."""


def progress_bar(counts: BroadcastCounts) -> str:
    done = counts.delivered + counts.read + counts.failed
    filled = BAR_WIDTH * done // max(counts.total, 1)
    return (
        f"[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {done}/{counts.total} delivered"
        f" · {counts.sent} sent · {counts.queued} queued"
    )


def send_and_follow(client: ccx.CCX, inbox: WebhookInbox | None) -> None:
    # The key makes the send safe to retry: CCX sends one message per key, however many calls.
    message = client.messages.send(
        to=READS,  # a sandbox number whose messages are delivered, then read
        channel="whatsapp",
        template=ORDER_CONFIRMATION,
        idempotency_key=f"order-A8492-{uuid.uuid4()}",
    )
    print(f"\n2. Sent order_confirmation to {message.to}: {message.id}")
    current = message
    print(f"   {current.status}", end="", flush=True)
    for _ in range(MAX_STEPS):
        latest = client.messages.retrieve(message.id)
        if latest.status != current.status:
            print(f" → {latest.status}", end="", flush=True)
        current = latest
        if current.status in ("read", "failed"):
            break
        # Sandbox only: move the API's clock on instead of waiting for the handset.
        client.test_helpers.clock.advance(seconds=1)
    if current.billable is not None:
        billable = current.billable
        print(f"   (billed as {billable.category}: {billable.price} {billable.currency})", end="")
    print()

    if inbox is not None:
        event = inbox.wait_for("message.read", message.id)
        print(f"\n3. Webhook {event.event} for {message.id} received, signature verified")


def broadcast(client: ccx.CCX) -> None:
    recipients = [f"+55119{number:08d}" for number in range(600)]
    segment = client.segments.create(name="Quickstart audience", recipients=recipients)
    created = client.broadcasts.create(
        name="Black Friday — quickstart",
        template="black_friday_2026",
        language="pt_BR",
        segment_id=segment.id,
        rate_limit_per_minute=30_000,  # batches of 500: one a second
    )
    print(f"\n4. Broadcast {created.id} to {len(recipients)} recipients, live from its stream:")
    with client.broadcasts.events(created.id) as stream:
        for update in stream:
            if update.event == "broadcast.completed":
                print(f"   completed: {update.data.counts.delivered} delivered")
            else:
                print(f"   {progress_bar(update.data.counts)}")


def main() -> None:
    started = time.monotonic()
    print("CCX quickstart")
    with local_api() as base_url, ccx.CCX() as client:
        print(f"\n1. Connected as {client.me.retrieve().workspace.name}")
        if urlsplit(base_url).hostname in ("127.0.0.1", "localhost"):
            inbox = WebhookInbox()
            with serve_wsgi(inbox) as inbox_url:
                endpoint = client.webhook_endpoints.create(
                    url=inbox_url + WEBHOOK_PATH, events=["message.read"]
                )
                inbox.secret = endpoint.secret  # shown once: keep it in your secret store
                print(f"   Webhook endpoint {endpoint.id} → {endpoint.url}")
                send_and_follow(client, inbox)
        else:
            print("   (webhooks skipped: the API cannot reach this machine's loopback address)")
            send_and_follow(client, None)
        broadcast(client)
    print(f"\nDone in {time.monotonic() - started:.1f} s.")


if __name__ == "__main__":
    main()
