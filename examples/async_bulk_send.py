"""Send many messages concurrently with AsyncCCX, a bounded number in flight at any moment.

    python examples/async_bulk_send.py             # httpx's transport
    python examples/async_bulk_send.py --aiohttp   # aiohttp's, faster at high concurrency
                                                   # (pip install 'ccx-sdk[aiohttp]')

A semaphore bounds the requests in flight (so a big batch neither floods the API nor your
sockets); each order gets its own idempotency key, so running the batch again never sends twice.
Works on Python 3.10 (no TaskGroup).
"""

from __future__ import annotations

import asyncio
import sys
import time
from dataclasses import dataclass

from _support import ORDER_CONFIRMATION, local_api

import ccx
from ccx.types import Message

CONCURRENCY = 25
ORDERS = 200


@dataclass
class InFlight:
    """Counts requests in flight, to show the bound holds."""

    now: int = 0
    peak: int = 0


async def send_one(
    client: ccx.AsyncCCX, slots: asyncio.Semaphore, in_flight: InFlight, order: int, to: str
) -> Message | ccx.APIError:
    async with slots:
        in_flight.now += 1
        in_flight.peak = max(in_flight.peak, in_flight.now)
        try:
            return await client.messages.send(
                to=to,
                channel="whatsapp",
                template=ORDER_CONFIRMATION,
                idempotency_key=f"order-{order}-confirmation",
            )
        except ccx.APIError as error:  # one bad order must not sink the batch
            return error
        finally:
            in_flight.now -= 1


async def send_all(client: ccx.AsyncCCX, recipients: list[str]) -> None:
    slots = asyncio.Semaphore(CONCURRENCY)
    in_flight = InFlight()
    started = time.monotonic()
    results = await asyncio.gather(
        *(send_one(client, slots, in_flight, order, to) for order, to in enumerate(recipients))
    )
    elapsed = time.monotonic() - started
    sent = [result for result in results if isinstance(result, Message)]
    print(
        f"Sent {len(sent)} of {len(results)} messages in {elapsed:.2f} s "
        f"(at most {in_flight.peak} in flight, limit {CONCURRENCY})"
    )
    for to, result in zip(recipients, results, strict=True):
        if isinstance(result, ccx.APIError):
            print(f"  not sent to {to!r}: {result}")


async def main() -> None:
    use_aiohttp = "--aiohttp" in sys.argv[1:]
    # One order has a malformed number: the API refuses it (400) and the rest go through.
    recipients = [f"+55119{number:08d}" for number in range(ORDERS - 1)] + ["+55 11 9999"]
    with local_api():
        transport = ccx.AiohttpTransport() if use_aiohttp else None
        async with ccx.AsyncCCX(transport=transport) as client:
            print(f"Transport: {'aiohttp' if use_aiohttp else 'httpx'}")
            await send_all(client, recipients)


if __name__ == "__main__":
    asyncio.run(main())
