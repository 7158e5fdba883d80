"""How much webhook verification costs next to the HMAC it cannot avoid.

    .venv/bin/python benchmarks/bench_webhooks.py

Prints the median time per call (timeit, several repeats) of verifying a 1 KB delivery, and its
ratio to a bare ``hmac.new(key, msg, sha256).hexdigest()`` + ``compare_digest``: once with
``msg`` built beforehand (the strictest reference, the HMAC alone) and once building
``"<t>.<body>"`` per call, as any verifier must. ``stripe`` and ``standardwebhooks`` are timed on
the same payload when installed (they are not project dependencies:
``uv pip install stripe standardwebhooks``).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import json
import statistics
import time
import timeit
from collections.abc import Callable
from datetime import datetime, timezone

import ccx.webhooks
from ccx import CCX

SECRET = "whsec_benchmark_6b1f0e2a9c4d7e35"
EVENT_TYPE = "message.delivered"
PREBUILT = "bare hmac, message prebuilt"
PER_CALL = "bare hmac, message built per call"


def delivery(size: int) -> bytes:
    """A ``message.delivered`` body padded with metadata to about ``size`` bytes."""
    event = {
        "id": "evt_0xK91A",
        "object": "event",
        "event": EVENT_TYPE,
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
            "metadata": {},
        },
    }
    body = json.dumps(event, separators=(",", ":")).encode()
    event["data"]["metadata"] = {"note": "x" * max(0, size - len(body) - len(',"note":""'))}  # type: ignore[index]
    return json.dumps(event, separators=(",", ":")).encode()


def interleaved_timings(
    calls: dict[str, Callable[[], object]], repeats: int
) -> dict[str, list[float]]:
    """Seconds per call of every candidate, ``repeats`` times, taking turns within each round.

    Turns within a round and CPU time (``process_time``) keep other processes' load on a
    shared machine from favouring whichever candidate happened to run in a quiet moment.
    """
    timers = {name: timeit.Timer(call, timer=time.process_time) for name, call in calls.items()}
    numbers = {name: timer.autorange()[0] for name, timer in timers.items()}
    timings: dict[str, list[float]] = {name: [] for name in calls}
    for _ in range(repeats):
        for name, timer in timers.items():
            timings[name].append(timer.timeit(numbers[name]) / numbers[name])
    return timings


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
        "ccx verify_signature (headers dict)": lambda: ccx.webhooks.verify_signature(
            body, headers, SECRET
        ),
        "ccx verify + typed event": lambda: ccx.webhooks.verify(body, headers, SECRET),
        "ccx client.webhooks.unwrap": lambda: client.webhooks.unwrap(body, headers),
    }
    calls.update(_stripe(body, timestamp))
    calls.update(_standard_webhooks(body, timestamp))
    return calls


def _stripe(body: bytes, timestamp: int) -> dict[str, Callable[[], object]]:
    try:
        import stripe
    except ImportError:
        return {}
    payload = body.decode()
    digest = hmac.new(SECRET.encode(), f"{timestamp}.{payload}".encode(), "sha256").hexdigest()
    header = f"t={timestamp},v1={digest}"
    return {
        "stripe WebhookSignature.verify_header": lambda: stripe.WebhookSignature.verify_header(
            payload, header, SECRET, tolerance=300
        ),
        "stripe Webhook.construct_event": lambda: stripe.Webhook.construct_event(
            payload, header, SECRET
        ),
    }


def _standard_webhooks(body: bytes, timestamp: int) -> dict[str, Callable[[], object]]:
    try:
        from standardwebhooks.webhooks import Webhook
    except ImportError:
        return {}
    webhook = Webhook("whsec_" + base64.b64encode(SECRET.encode()).decode())
    signed_at = datetime.fromtimestamp(timestamp, tz=timezone.utc)
    signature = webhook.sign("msg_1", signed_at, body.decode())
    headers = {"webhook-id": "msg_1", "webhook-timestamp": str(timestamp)}
    headers["webhook-signature"] = signature
    return {
        "standardwebhooks verify (no parse)": lambda: webhook.verify(
            body, headers, json_parse=False
        ),
        "standardwebhooks verify (json.loads)": lambda: webhook.verify(body, headers),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1024, help="body size in bytes")
    parser.add_argument("--repeats", type=int, default=7, help="timeit repeats (median taken)")
    arguments = parser.parse_args()
    body = delivery(arguments.size)
    calls = candidates(body)
    ccx.webhooks.verify(body, {"CCX-Signature": ccx.webhooks.sign(body, SECRET)}, SECRET)
    timings = interleaved_timings(calls, arguments.repeats)
    print(f"{len(body)}-byte body, median of {arguments.repeats} interleaved rounds (CPU time)")
    print(f"{'':40} {'per call':>10} {'vs prebuilt':>12} {'vs per-call':>12}")
    for name, seconds in timings.items():
        print(
            f"{name:40} {statistics.median(seconds) * 1e6:8.2f}µs"
            f" {_median_ratio(seconds, timings[PREBUILT]):11.2f}x"
            f" {_median_ratio(seconds, timings[PER_CALL]):11.2f}x"
        )


def _median_ratio(seconds: list[float], reference: list[float]) -> float:
    # Ratios within a round share that round's machine load.
    return statistics.median(mine / theirs for mine, theirs in zip(seconds, reference, strict=True))


if __name__ == "__main__":
    main()
