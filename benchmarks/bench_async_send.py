"""Async throughput at concurrency 50: ``AsyncCCX`` next to raw httpx, aiohttp and AsyncOpenAI.

    .venv-bench/bin/python benchmarks/bench_async_send.py [--quick]

Fifty tasks share one client and send back to back to the fixed-response server
(``_fixture_server.py``, its own process). Candidates take turns within each round; a round's
figure is requests per second over that candidate's batch.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import aiohttp
import httpx
import openai
from _harness import Section, Stats, arguments, overhead_hotspots, paired, python_command, ratio
from _payloads import API_KEY, CHAT, MESSAGE_BODY, RECIPIENT, TEMPLATE
from _servers import running

from ccx import AsyncCCX
from ccx._transports import AiohttpTransport

CONCURRENCY = 50
TIMES_ASYNC_OPENAI = 3.0
SHARE_OF_RAW_AIOHTTP = 0.6
SHARE_OF_RAW_HTTPX = 0.9
FIXTURE_SERVER = str(Path(__file__).with_name("_fixture_server.py"))
RECOMMENDED = "AsyncCCX + AiohttpTransport messages.send"
OPENAI = "AsyncOpenAI chat.completions.create"
HTTPX_OVER_AIOHTTP = "raw httpx.AsyncClient + AiohttpTransport POST + json.loads"
RAW_HTTPX = "raw httpx.AsyncClient POST + json.loads"
RAW_AIOHTTP = "raw aiohttp POST + json.loads"
DEFAULT = "AsyncCCX (httpx) messages.send"

Send = Callable[[], Awaitable[object]]


def send_message(client: AsyncCCX) -> Awaitable[object]:
    return client.messages.send(to=RECIPIENT, channel="whatsapp", template=TEMPLATE)


async def throughput(send: Send, requests: int) -> float:
    """Requests per second of ``CONCURRENCY`` tasks sending ``requests`` in all."""

    async def worker(count: int) -> None:
        for _ in range(count):
            await send()

    share, extra = divmod(requests, CONCURRENCY)
    started = time.perf_counter()
    await asyncio.gather(*(worker(share + (index < extra)) for index in range(CONCURRENCY)))
    return requests / (time.perf_counter() - started)


async def measure(url: str, repeats: int, requests: int) -> dict[str, list[float]]:
    async with (
        httpx.AsyncClient(limits=httpx.Limits(max_connections=CONCURRENCY)) as raw,
        aiohttp.ClientSession() as session,
        httpx.AsyncClient(transport=AiohttpTransport()) as raw_over_aiohttp,
        AsyncCCX(api_key=API_KEY, base_url=url) as ccx_httpx,
        AsyncCCX(api_key=API_KEY, base_url=url, transport=AiohttpTransport()) as ccx_aiohttp,
        openai.AsyncOpenAI(api_key="sk-benchmark", base_url=f"{url}/v1") as openai_client,
    ):

        async def raw_httpx() -> object:
            response = await raw.post(f"{url}/v1/messages", json=MESSAGE_BODY)
            return json.loads(response.content)

        async def raw_httpx_over_aiohttp() -> object:
            response = await raw_over_aiohttp.post(f"{url}/v1/messages", json=MESSAGE_BODY)
            return json.loads(response.content)

        async def raw_aiohttp() -> object:
            async with session.post(f"{url}/v1/messages", json=MESSAGE_BODY) as response:
                return json.loads(await response.read())

        async def openai_chat() -> object:
            return await openai_client.chat.completions.create(model="gpt-4o", messages=CHAT)

        sends: dict[str, Send] = {
            RAW_HTTPX: raw_httpx,
            RAW_AIOHTTP: raw_aiohttp,
            HTTPX_OVER_AIOHTTP: raw_httpx_over_aiohttp,
            DEFAULT: lambda: send_message(ccx_httpx),
            RECOMMENDED: lambda: send_message(ccx_aiohttp),
            OPENAI: openai_chat,
        }
        for send in sends.values():  # open the connections before timing
            await throughput(send, CONCURRENCY)
        rates: dict[str, list[float]] = {name: [] for name in sends}
        for _ in range(repeats):
            for name, send in sends.items():
                rates[name].append(await throughput(send, requests))
        return rates


def main() -> None:
    options = arguments(__doc__).parse_args()
    requests = 250 if options.quick else 1000
    with running(lambda port: python_command(FIXTURE_SERVER, str(port))) as server:
        url = server.url
        rates = asyncio.run(measure(url, options.repeats, requests))
        section = Section(
            "async send", f"{CONCURRENCY} concurrent tasks, {requests} requests per round"
        )
        for name, values in rates.items():
            section.row(name, Stats.of(values), "req/s")
        versus_openai = paired(rates[RECOMMENDED], rates[OPENAI], ratio)
        section.row("AsyncCCX + aiohttp / AsyncOpenAI", versus_openai, "×")
        versus_raw = paired(rates[RECOMMENDED], rates[RAW_HTTPX], ratio)
        section.row("AsyncCCX + aiohttp / raw httpx", versus_raw, "×")
        own = paired(rates[RECOMMENDED], rates[HTTPX_OVER_AIOHTTP], ratio)
        section.row("AsyncCCX + aiohttp / raw httpx + AiohttpTransport", own, "×")
        versus_aiohttp = paired(rates[RECOMMENDED], rates[RAW_AIOHTTP], ratio)
        section.row("AsyncCCX + aiohttp / raw aiohttp", versus_aiohttp, "×")
        default_share = paired(rates[DEFAULT], rates[RAW_HTTPX], ratio)
        section.row("AsyncCCX (httpx) / raw httpx", default_share, "×")
        near_aiohttp = section.target(
            f"AsyncCCX + AiohttpTransport ≥ {SHARE_OF_RAW_AIOHTTP:g}× raw aiohttp",
            f"{versus_aiohttp.median:.2f}×",
            versus_aiohttp.median >= SHARE_OF_RAW_AIOHTTP,
        )
        section.target(
            f"AsyncCCX (default httpx) ≥ {SHARE_OF_RAW_HTTPX:g}× raw httpx.AsyncClient",
            f"{default_share.median:.2f}×",
            default_share.median >= SHARE_OF_RAW_HTTPX,
        )
        beats_openai = section.target(
            f"AsyncCCX + AiohttpTransport ≥ {TIMES_ASYNC_OPENAI:g}× AsyncOpenAI",
            f"{versus_openai.median:.2f}×",
            versus_openai.median >= TIMES_ASYNC_OPENAI,
        )
        if not (near_aiohttp and beats_openai):  # where the time goes, next to raw aiohttp
            section.profile = overhead_hotspots(
                lambda: asyncio.run(_ccx_batch(url, requests)),
                lambda: asyncio.run(_aiohttp_batch(url, requests)),
                per=requests,
            )
    section.finish(options)


async def _ccx_batch(url: str, requests: int) -> None:
    async with AsyncCCX(api_key=API_KEY, base_url=url, transport=AiohttpTransport()) as client:
        await throughput(lambda: send_message(client), requests)


async def _aiohttp_batch(url: str, requests: int) -> None:
    async with aiohttp.ClientSession() as session:

        async def send() -> object:
            async with session.post(f"{url}/v1/messages", json=MESSAGE_BODY) as response:
                return json.loads(await response.read())

        await throughput(send, requests)


if __name__ == "__main__":
    main()
