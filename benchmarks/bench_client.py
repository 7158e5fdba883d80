"""Cost of constructing one more client, next to a bare ``httpx.Client()``.

    .venv-bench/bin/python benchmarks/bench_client.py [--quick]

The first client pays for imports and the shared TLS context; the figure a per-request or
per-tenant ``CCX(...)`` pays is every one after that.
"""

from __future__ import annotations

import ssl

import httpx
from _harness import Section, Stats, arguments, interleaved, paired, ratio

from ccx import CCX, AsyncCCX

TARGET_MS = 1.0
API_KEY = "ccx_test_benchmark_0123456789abcdef"


def main() -> None:
    options = arguments(__doc__).parse_args()
    opened: list[httpx.Client | CCX | AsyncCCX] = []

    def keep(client: httpx.Client | CCX | AsyncCCX) -> None:
        # Closing inside the timed call would time the close too; close them all at the end.
        opened.append(client)

    first = CCX(api_key=API_KEY)  # pays for the imports and the shared TLS context
    context = ssl.create_default_context()  # what a second httpx.Client could share, too
    calls = {
        "httpx.Client()": lambda: keep(httpx.Client()),
        "httpx.Client(verify=context)": lambda: keep(httpx.Client(verify=context)),
        "CCX(api_key=...)": lambda: keep(CCX(api_key=API_KEY)),
        "AsyncCCX(api_key=...)": lambda: keep(AsyncCCX(api_key=API_KEY)),
        "client.with_options(timeout=5)": lambda: keep(first.with_options(timeout=5)),
    }
    seconds = interleaved(calls, options.repeats, budget=0.1 if options.quick else 0.3).cpu
    first.close()
    for client in opened:
        if isinstance(client, (httpx.Client, CCX)):
            client.close()

    section = Section("client", "constructing a client after the first, CPU time per construction")
    for name, values in seconds.items():
        section.row(name, Stats.of(value * 1e3 for value in values), "ms")
    versus_httpx = paired(
        seconds["CCX(api_key=...)"], seconds["httpx.Client(verify=context)"], ratio
    )
    section.row("CCX / httpx.Client(verify=context)", versus_httpx, "×")
    second = Stats.of(value * 1e3 for value in seconds["CCX(api_key=...)"])
    section.target(
        f"a second `CCX(...)` < {TARGET_MS:g} ms",
        f"{second.median:.3f} ms ({versus_httpx.median:.2f}× an httpx.Client sharing its TLS context)",
        second.median < TARGET_MS,
    )
    asynchronous = Stats.of(value * 1e3 for value in seconds["AsyncCCX(api_key=...)"])
    section.target(
        f"a second `AsyncCCX(...)` < {TARGET_MS:g} ms",
        f"{asynchronous.median:.3f} ms",
        asynchronous.median < TARGET_MS,
    )
    section.finish(options)


if __name__ == "__main__":
    main()
