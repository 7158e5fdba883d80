"""Reading bodies into models: the validated fast path next to ``json.loads``, and the lenient path.

    .venv/bin/python benchmarks/bench_parse.py [--quick]

A body that matches the spec is validated by pydantic-core straight from the bytes; only one it
refuses is decoded and read leniently. So the figure that matters is the fast path's, as a
ratio to ``json.loads`` of the same bytes (a floor no typed reader goes under), for a
``Message``, a page of 20 and a 1 KB webhook event. The lenient read of a ``Message`` with an
enum value this SDK does not know is shown beside it, as a ratio to the fast path.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

from _fixture_server import MESSAGE
from _harness import Section, Stats, arguments, interleaved, paired, ratio
from bench_webhooks import delivery

from ccx._parsing import parse_json, parse_page
from ccx.types import Message, MessageList
from ccx.webhooks import parse_event

FAST_PATH_TARGETS = {"Message": 1.5, "page": 2.5, "event": 1.5}
"""What the fast path may cost, as a multiple of ``json.loads`` of the same body (a page
validates 20 messages' timestamps and enums, which a bare decode does not)."""


def main() -> None:
    options = arguments(__doc__).parse_args()
    logging.getLogger("ccx").disabled = True  # the lenient read logs once; keep the table clean
    message = json.dumps(MESSAGE).encode()
    newer = json.dumps({**MESSAGE, "status": "archived"}).encode()
    page = json.dumps(
        {"object": "list", "data": [MESSAGE] * 20, "has_more": False, "next_cursor": None}
    ).encode()
    event = delivery(1024)
    calls: dict[str, Callable[[], object]] = {
        "json.loads Message": lambda: json.loads(message),
        "ccx Message": lambda: parse_json(message, Message, strict=False),
        "ccx Message, lenient (unknown status)": lambda: parse_json(newer, Message, strict=False),
        "json.loads page of 20": lambda: json.loads(page),
        "ccx page of 20": lambda: parse_page(page, MessageList, strict=False),
        "json.loads event": lambda: json.loads(event),
        "ccx webhook event": lambda: parse_event(event),
    }
    timings = interleaved(calls, options.repeats, budget=0.05 if options.quick else 0.3)
    section = Section("parse", "one body read into its model, CPU per call")
    seconds = timings.cpu
    for name, values in seconds.items():
        section.row(name, Stats.of(value * 1e6 for value in values), "µs")
    fast = {
        "Message": paired(seconds["ccx Message"], seconds["json.loads Message"], ratio),
        "page": paired(seconds["ccx page of 20"], seconds["json.loads page of 20"], ratio),
        "event": paired(seconds["ccx webhook event"], seconds["json.loads event"], ratio),
    }
    for name, stats in fast.items():
        section.row(f"ccx {name} / json.loads", stats, "×")
    lenient = paired(
        seconds["ccx Message, lenient (unknown status)"], seconds["ccx Message"], ratio
    )
    section.row("lenient Message / validated Message", lenient, "×")
    for name, stats in fast.items():
        section.target(
            f"{name}: fast path ≤ {FAST_PATH_TARGETS[name]:g}× json.loads",
            f"{stats.median:.2f}×",
            stats.median <= FAST_PATH_TARGETS[name],
        )
    section.finish(options)


if __name__ == "__main__":
    main()
