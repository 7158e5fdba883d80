"""Cost of verifying a 1 KB webhook delivery, next to the bare HMAC it cannot avoid.

    .venv/bin/python benchmarks/bench_webhooks.py [--quick]

The reference is a bare ``hmac.new(key, msg, sha256).hexdigest()`` + ``compare_digest``: with
``msg`` built beforehand (the strictest, the HMAC alone) and with ``"<t>.<body>"`` built per
call, as any verifier must. ``stripe`` and ``standardwebhooks`` are timed on the same payload
when installed (the ``bench`` extra; they are never runtime dependencies). Figures are CPU time
per call; ratios are taken per round.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

from _harness import Section, Stats, arguments, interleaved, overhead_hotspots, paired, ratio

import ccx.webhooks
from ccx import CCX

SECRET = "whsec_benchmark_6b1f0e2a9c4d7e35"
BODY_SIZE = 1024
TARGET_RATIO = 1.3
PREBUILT = "bare hmac, message prebuilt"
PER_CALL = "bare hmac, message built per call"
SIGNATURE_ONLY = "ccx verify_signature"
TYPED = "ccx verify (+ typed event)"
STRIPE_SIGNATURE = "stripe WebhookSignature.verify_header"
STRIPE_EVENT = "stripe Webhook.construct_event"
STANDARD_SIGNATURE = "standardwebhooks verify (no parse)"
PEERS = (
    (SIGNATURE_ONLY, STRIPE_SIGNATURE),
    (SIGNATURE_ONLY, STANDARD_SIGNATURE),
    (TYPED, STRIPE_EVENT),
)
"""(ccx, peer) pairs where ccx must be the faster: signature checks, then signature + event."""
PROFILED = 20_000


def delivery(size: int) -> bytes:
    """A ``message.delivered`` body, padded with metadata to ``size`` bytes."""
    event: dict[str, Any] = {
        "id": "evt_0xK91A",
        "object": "event",
        "event": "message.delivered",
        "created_at": "2026-04-22T14:20:12Z",
        "api_version": "2026-11-01",
        "trace_id": "4bf92f3577b34da6a3ce929d0e0e4736",
        "data": {
            "message_id": "msg_0xK91A",
            "conversation_id": "cnv_44aa",
            "to": "+5511999990000",
            "channel": "whatsapp",
            "status": "delivered",
            "template": "order_confirmation",
            "delivered_at": "2026-04-22T14:20:12Z",
            "billable": {"category": "utility", "price": 0.16, "currency": "BRL"},
            "metadata": {"note": ""},
        },
    }
    unpadded = len(json.dumps(event, separators=(",", ":")))
    event["data"]["metadata"]["note"] = "x" * max(0, size - unpadded)
    return json.dumps(event, separators=(",", ":")).encode()


def candidates(body: bytes) -> dict[str, Callable[[], object]]:
    key = SECRET.encode()
    timestamp = int(time.time())
    stamp = str(timestamp).encode()
    message = stamp + b"." + body
    header = ccx.webhooks.sign(body, SECRET, timestamp=timestamp)
    headers = {"CCX-Signature": header, "Content-Type": "application/json"}
    expected = header.split("v1=")[1]
    client = CCX(api_key="ccx_test_benchmark", webhook_secret=SECRET)
    calls: dict[str, Callable[[], object]] = {
        PREBUILT: lambda: hmac.compare_digest(
            hmac.new(key, message, hashlib.sha256).hexdigest(), expected
        ),
        PER_CALL: lambda: hmac.compare_digest(
            hmac.new(key, b"%s.%s" % (stamp, body), hashlib.sha256).hexdigest(), expected
        ),
        SIGNATURE_ONLY: lambda: ccx.webhooks.verify_signature(body, headers, SECRET),
        TYPED: lambda: ccx.webhooks.verify(body, headers, SECRET),
        "ccx client.webhooks.unwrap": lambda: client.webhooks.unwrap(body, headers),
        "json.loads of the body (for scale)": lambda: json.loads(body),
    }
    return calls | _stripe(body, timestamp) | _standard_webhooks(body, timestamp)


def _stripe(body: bytes, timestamp: int) -> dict[str, Callable[[], object]]:
    try:
        import stripe
    except ImportError:
        return {}
    payload = body.decode()
    digest = hmac.new(SECRET.encode(), f"{timestamp}.{payload}".encode(), "sha256").hexdigest()
    header = f"t={timestamp},v1={digest}"
    return {
        STRIPE_SIGNATURE: lambda: stripe.WebhookSignature.verify_header(  # pyright: ignore[reportUnknownMemberType]
            payload, header, SECRET, tolerance=300
        ),
        STRIPE_EVENT: lambda: stripe.Webhook.construct_event(payload, header, SECRET),
    }


def _standard_webhooks(body: bytes, timestamp: int) -> dict[str, Callable[[], object]]:
    try:
        from standardwebhooks.webhooks import Webhook
    except ImportError:
        return {}
    webhook = Webhook("whsec_" + base64.b64encode(SECRET.encode()).decode())
    signed_at = datetime.fromtimestamp(timestamp, tz=timezone.utc)
    headers = {
        "webhook-id": "msg_1",
        "webhook-timestamp": str(timestamp),
        "webhook-signature": webhook.sign("msg_1", signed_at, body.decode()),
    }
    return {
        STANDARD_SIGNATURE: lambda: webhook.verify(body, headers, json_parse=False),
        "standardwebhooks verify (json.loads)": lambda: webhook.verify(body, headers),
    }


def main() -> None:
    options = arguments(__doc__).parse_args()
    body = delivery(BODY_SIZE)
    calls = candidates(body)
    for call in calls.values():  # every candidate must accept the payload before it is timed
        call()
    timings = interleaved(calls, options.repeats, budget=0.05 if options.quick else 0.2).cpu
    section = Section("webhooks", f"verifying a {len(body)}-byte delivery, CPU time per call")
    for name, seconds in timings.items():
        versus = paired(seconds, timings[PREBUILT], ratio).median
        section.row(name, Stats.of(seconds).scaled(1e6), "µs", f"{versus:.2f}× bare hmac")
    strict = paired(timings[SIGNATURE_ONLY], timings[PREBUILT], ratio)
    per_call = paired(timings[SIGNATURE_ONLY], timings[PER_CALL], ratio)
    met = section.target(
        f"verify_signature ≤ {TARGET_RATIO:g}× bare hmac.new + compare_digest",
        f"{strict.median:.2f}× with the message prebuilt, {per_call.median:.2f}× built per call",
        strict.median <= TARGET_RATIO,
    )
    for faster, slower in PEERS:
        if slower in timings:  # the peers come with the bench extra
            times = paired(timings[slower], timings[faster], ratio)
            section.target(
                f"{faster} faster than {slower}",
                f"{times.median:.2f}× faster",
                times.median > 1.0,
            )
    if not met:
        section.profile = overhead_hotspots(
            lambda: [calls[SIGNATURE_ONLY]() for _ in range(PROFILED)],
            lambda: [calls[PREBUILT]() for _ in range(PROFILED)],
            per=PROFILED,
        )
    section.finish(options)


if __name__ == "__main__":
    main()
