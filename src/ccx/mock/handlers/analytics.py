"""Analytics: message counts by status, channel and category, and the billed cost, over a period."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import datetime, timedelta, timezone
from typing import Any

from ccx.mock._clock import isoformat
from ccx.mock._errors import MockAPIError
from ccx.mock._messages import MessageRecord
from ccx.mock._pricing import CURRENCY, price
from ccx.mock._registry import HandlerResult, RequestContext, handles
from ccx.mock._schedule import parse_timestamp

_BUCKET_SIZES = {"hour": timedelta(hours=1), "day": timedelta(days=1), "week": timedelta(weeks=1)}
MAX_BUCKETS = 1_000
"""More is a report nobody reads, and a request that would tie up the mock's one event loop."""


def _billed(messages: Iterable[MessageRecord]) -> dict[str, Any]:
    amount = sum(
        price(message.category, message.channel)
        for message in messages
        if message.status in ("delivered", "read")
    )
    return {"amount": round(amount, 4), "currency": CURRENCY}


def _bucket_starts(start: float, end: float, group_by: str) -> list[float]:
    """Bucket boundaries from ``start`` (months are calendar months, the rest fixed sizes)."""
    moment = datetime.fromtimestamp(start, tz=timezone.utc)
    starts: list[float] = []
    while moment.timestamp() < end:
        if len(starts) == MAX_BUCKETS:
            raise MockAPIError(
                400,
                "invalid_request_error",
                "parameter_invalid",
                f"The period splits into more than {MAX_BUCKETS} {group_by} buckets; group by a "
                "longer unit or ask for a shorter period.",
                param="group_by",
            )
        starts.append(moment.timestamp())
        try:
            if group_by == "month":
                year, month = divmod(moment.month, 12)
                moment = moment.replace(year=moment.year + year, month=month + 1)
            else:
                moment += _BUCKET_SIZES[group_by]
        except (OverflowError, ValueError):  # past the year 9999: the last bucket runs to the end
            break
    return starts


@handles("analytics.messages")
def messages(ctx: RequestContext) -> HandlerResult:
    query = ctx.query
    start = parse_timestamp(str(query["from"]), "from")
    end = parse_timestamp(str(query["to"]), "to")
    if end <= start:
        raise MockAPIError(
            400,
            "invalid_request_error",
            "parameter_invalid",
            "to must be after from: the period is [from, to).",
            param="to",
        )
    channel = query.get("channel")
    selected = [
        message
        for message in ctx.workspace.messages.values()
        if message.direction == "outbound"
        and start <= message.created_at < end
        and channel in (None, message.channel)
    ]
    result: dict[str, Any] = {
        "object": "message_analytics",
        "from": isoformat(start),
        "to": isoformat(end),
        "counts_by_status": dict(Counter(message.status for message in selected)),
        "counts_by_channel": dict(Counter(message.channel for message in selected)),
        "counts_by_category": dict(Counter(message.category for message in selected)),
        "billed": _billed(selected),
    }
    if channel is not None:
        result["channel"] = channel
    group_by = query.get("group_by")
    if group_by is not None:
        starts = _bucket_starts(start, end, group_by)
        bounds = [*starts[1:], end]
        result["buckets"] = [
            {
                "start": isoformat(low),
                "end": isoformat(high),
                "counts_by_status": dict(
                    Counter(m.status for m in selected if low <= m.created_at < high)
                ),
                "billed": _billed(m for m in selected if low <= m.created_at < high),
            }
            for low, high in zip(starts, bounds, strict=True)
        ]
    return ctx.success_status, result
