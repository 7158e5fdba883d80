"""Retries without duplicates: one idempotency key, one message, whatever fails on the way.

    python examples/retries_and_idempotency.py

This example runs its own mock server with faults on every request: some are answered 503,
some are carried out and then the connection drops before the answer arrives, which is the
case that makes naive retries send twice. The SDK retries with the same idempotency key on
every attempt, and CCX answers a repeated key with the original result instead of acting again.
"""

from __future__ import annotations

import logging

from _support import ORDER_CONFIRMATION, local_api

import ccx
from ccx.mock import MockConfig

FAULTS = "error_rate=0.25,status=503,retry_after=0,drop_after=0.25,seed=11"
"""A quarter of requests answered 503, a quarter of the rest dropped after taking effect.
Seeded, so every run meets the same faults."""
LOST = "A8491"
ORDERS = ("A8492", "A8493", "A8494", "A8495")


def phone(order: str) -> str:
    """Each order's customer: a distinct number, so counting messages per number is easy."""
    return f"+551190000{order[1:]}"


def lost_response(client: ccx.CCX) -> None:
    print("1. A response lost after the message was accepted, and no automatic retry:")
    key = f"order-{LOST}-confirmation"
    try:
        client.messages.send(
            to=phone(LOST),
            channel="whatsapp",
            template=ORDER_CONFIRMATION,
            idempotency_key=key,
            max_retries=0,
            extra_headers={"CCX-Mock-Fault": "drop=after"},  # sandbox: fault this request
        )
    except ccx.APIConnectionError as error:
        print(f"   {type(error).__name__}: was it sent? The caller cannot tell.")
    again = client.messages.with_raw_response.send(
        to=phone(LOST), channel="whatsapp", template=ORDER_CONFIRMATION, idempotency_key=key
    )
    print(
        f"   Sent again with the same key: {again.parse().id}, "
        f"{'the original, replayed' if again.idempotent_replayed else 'sent now'}"
    )


def retried_sends(client: ccx.CCX) -> None:
    print("2. Automatic retries through 503s and dropped responses, one key per order:")
    for order in ORDERS:
        response = client.messages.with_raw_response.send(
            to=phone(order),
            channel="whatsapp",
            template=ORDER_CONFIRMATION,
            idempotency_key=f"order-{order}-confirmation",
        )
        retries = response.retries_taken
        replayed = (
            ", replaying an attempt that had gone through" if response.idempotent_replayed else ""
        )
        print(
            f"   order {order}: {response.parse().id} after {retries} "
            f"{'retry' if retries == 1 else 'retries'}{replayed}"
        )


def one_message_each(client: ccx.CCX) -> None:
    for order in (LOST, *ORDERS):
        found = list(client.messages.list(to=phone(order)))
        if len(found) != 1:
            raise SystemExit(f"expected one message for order {order}, found {len(found)}")
    print(f"3. Exactly one message per order: {len(ORDERS) + 1} orders, {len(ORDERS) + 1} messages")


def reused_key(client: ccx.CCX) -> None:
    try:
        client.messages.send(
            to="+5511900000000",
            channel="whatsapp",
            text="A different message",
            idempotency_key=f"order-{ORDERS[0]}-confirmation",
        )
    except ccx.IdempotencyConflictError as error:
        print(f"4. The same key with other content is refused: {error.code}")
    else:
        raise SystemExit("expected the reused key to be refused with 409")


def main() -> None:
    with local_api(MockConfig(faults=FAULTS)), ccx.CCX(max_retries=6) as client:
        # The mock logs each connection it drops on purpose; this example says what happened.
        for noisy in ("uvicorn.error", "ccx.mock"):
            logging.getLogger(noisy).setLevel(logging.CRITICAL)
        lost_response(client)
        retried_sends(client)
        one_message_each(client)
        reused_key(client)


if __name__ == "__main__":
    main()
