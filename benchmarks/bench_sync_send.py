"""Per-request overhead of sync ``messages.send`` over raw httpx, next to openai's client.

    .venv-bench/bin/python benchmarks/bench_sync_send.py [--quick]

All three talk to one fixed-response server (``_fixture_server.py``, its own process), so
what differs is the client: raw ``httpx.Client.post`` + ``json.loads``; ``ccx`` planning the
request, generating the idempotency key, running its hooks and parsing a ``Message``; openai
doing the same for a chat completion of about the same size.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import httpx
import openai
from _harness import (
    Section,
    Stats,
    arguments,
    interleaved,
    overhead_hotspots,
    paired,
    python_command,
    ratio,
)
from _payloads import API_KEY, CHAT, CHAT_BODY, MESSAGE_BODY, RECIPIENT, TEMPLATE
from _servers import running

from ccx import CCX

BUDGET_US = 60.0
OPENAI_SHARE = 0.5
FIXTURE_SERVER = str(Path(__file__).with_name("_fixture_server.py"))


def main() -> None:
    options = arguments(__doc__).parse_args()
    with running(lambda port: python_command(FIXTURE_SERVER, str(port))) as server:
        url = server.url
        with (
            httpx.Client() as raw,
            CCX(api_key=API_KEY, base_url=url) as ccx_client,
            openai.OpenAI(api_key="sk-benchmark", base_url=f"{url}/v1") as openai_client,
        ):

            def send_with_ccx() -> object:
                return ccx_client.messages.send(to=RECIPIENT, channel="whatsapp", template=TEMPLATE)

            raw_name = "raw httpx POST /v1/messages + json.loads"
            calls: dict[str, Callable[[], object]] = {
                raw_name: lambda: json.loads(
                    raw.post(f"{url}/v1/messages", json=MESSAGE_BODY).content
                ),
                "ccx messages.send": send_with_ccx,
                "raw httpx POST /v1/chat/completions + json.loads": lambda: json.loads(
                    raw.post(f"{url}/v1/chat/completions", json=CHAT_BODY).content
                ),
                "openai chat.completions.create": lambda: openai_client.chat.completions.create(
                    model="gpt-4o", messages=CHAT
                ),
            }
            timings = interleaved(calls, options.repeats, budget=0.15 if options.quick else 1.0)
            section = Section("sync send", "one request at a time, keep-alive, per request")
            overheads = {
                clock: _overheads(section, clock, seconds)
                for clock, seconds in (("wall", timings.wall), ("CPU", timings.cpu))
            }
            ccx_over, openai_over, share = overheads["CPU"]
            fast_enough = section.target(
                f"ccx ≤ raw + {BUDGET_US:.0f} µs per request (client CPU)",
                f"{ccx_over.median:+.0f} µs (wall: {overheads['wall'][0].median:+.0f} µs)",
                ccx_over.median <= BUDGET_US,
            )
            section.target(
                f"ccx overhead < {OPENAI_SHARE:g}× openai's (client CPU)",
                f"{share.median:.2f}× ({ccx_over.median:+.0f} µs vs {openai_over.median:+.0f} µs;"
                f" wall: {overheads['wall'][2].median:.2f}×)",
                share.median < OPENAI_SHARE,
            )
            if not fast_enough:
                profiled = 300 if options.quick else 3000
                section.profile = overhead_hotspots(
                    lambda: [send_with_ccx() for _ in range(profiled)],
                    lambda: [calls[raw_name]() for _ in range(profiled)],
                    per=profiled,
                )
    section.finish(options)


def _overheads(
    section: Section, clock: str, seconds: dict[str, list[float]]
) -> tuple[Stats, Stats, Stats]:
    """Rows for one clock; returns ccx's and openai's overhead and the ratio between them."""
    raw, ccx_send, raw_chat, openai_chat = seconds.values()
    for name, values in seconds.items():
        section.row(f"{name} ({clock})", Stats.of(value * 1e6 for value in values), "µs")
    ccx_over = [(mine - base) * 1e6 for mine, base in zip(ccx_send, raw, strict=True)]
    openai_over = [(mine - base) * 1e6 for mine, base in zip(openai_chat, raw_chat, strict=True)]
    share = paired(ccx_over, openai_over, ratio)
    return (
        section.row(f"ccx overhead over raw ({clock})", Stats.of(ccx_over), "µs"),
        section.row(f"openai overhead over raw ({clock})", Stats.of(openai_over), "µs"),
        section.row(f"ccx overhead / openai overhead ({clock})", share, "×"),
    )


if __name__ == "__main__":
    main()
