"""Times in requests: RFC 3339 timestamps, IANA zones, and when a scheduled send goes out.

A ``schedule_at`` with a UTC offset is the instant itself; ``timezone``, when given with it,
must agree with that offset. A local time (no offset) is read in ``timezone`` by the rules of
RFC 5545 (iCalendar), which calendar software and ``zoneinfo``'s default ``fold=0`` share:

- a local time a DST gap skips (02:30 on a spring-forward night) is read with the offset
  before the gap, so it goes out as much later as the gap is long (03:30);
- a local time a DST overlap repeats (01:30 on a fall-back night) is its first occurrence;
  give the offset to choose the second.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ._clock import LATEST, isoformat
from ._errors import MockAPIError

__all__ = ["RFC3339", "check_timezone", "parse_timestamp", "resolve_schedule", "schedule_of"]

RFC3339 = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2})"
)
"""``format: date-time``: RFC 3339 text. Pydantic's datetime alone would also take unix seconds
(``0.5``, ``1700000000``), and ``datetime.fromisoformat`` compact forms, which the API does not."""
_LOCAL_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}")
"""A ``schedule_at`` without an offset: a local time to the second, as the spec's pattern says."""


def _invalid(code: str, message: str, param: str) -> MockAPIError:
    return MockAPIError(400, "invalid_request_error", code, message, param=param)


def _parse_datetime(value: str, param: str) -> datetime:
    # RFC 3339 allows a lowercase "z"; fromisoformat takes neither case before Python 3.11.
    text = value[:-1] + "+00:00" if value.endswith(("Z", "z")) else value
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise _invalid(
            "invalid_timestamp",
            f"{param} must be an RFC 3339 timestamp like 2026-11-28T09:00:00-03:00, got {value!r}.",
            param,
        ) from None


def parse_timestamp(value: str, param: str) -> float:
    """Unix seconds for an RFC 3339 request value (a naive one is read as UTC)."""
    moment = _parse_datetime(value, param)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.timestamp()


_NOT_ZONES = frozenset({"localtime", "posixrules"})
"""Files of a time zone database that are not IANA zones: the host's own setting, and a
template of rules."""


def check_timezone(name: str) -> ZoneInfo:
    """The IANA zone ``name`` (``America/Sao_Paulo``), or a 400 naming ``timezone``.

    Opened rather than looked up in ``zoneinfo.available_timezones()``, which reads the whole
    database (a quarter of a second) where opening one zone is cached and takes microseconds;
    a directory (``America``) or a file that is not a zone raises OSError or ValueError.
    """
    if name not in _NOT_ZONES:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            pass
    raise _invalid(
        "invalid_timezone",
        f"timezone {name[:64]!r} is not an IANA zone name like America/Sao_Paulo.",
        "timezone",
    )


def _offset(delta: timedelta | None) -> str:
    seconds = int((delta or timedelta()).total_seconds())
    sign = "-" if seconds < 0 else "+"
    hours, minutes = divmod(abs(seconds) // 60, 60)
    return f"{sign}{hours:02d}:{minutes:02d}"


def resolve_schedule(value: str, zone: ZoneInfo | None, now: float) -> float:
    """Unix seconds for a future ``schedule_at``, read in ``zone`` when it has no offset.

    A refusal names the field and the fix: no offset and no zone, an offset the zone does not
    have at that instant, or a time in the past.
    """
    local = _LOCAL_TIME.fullmatch(value) is not None
    if not local and RFC3339.fullmatch(value) is None:
        raise _invalid(
            "invalid_timestamp",
            f"schedule_at must be an RFC 3339 timestamp like 2026-11-28T09:00:00-03:00, or a "
            f"local time like 2026-11-28T09:00:00 with timezone; got {value[:40]!r}.",
            "schedule_at",
        )
    moment = _parse_datetime(value, "schedule_at")
    if local:
        if zone is None:
            raise _invalid(
                "invalid_schedule_at",
                f"schedule_at {value!r} has no UTC offset: add one "
                "(2026-11-28T09:00:00-03:00), or give timezone to read it as a local time there.",
                "schedule_at",
            )
        moment = moment.replace(tzinfo=zone)  # fold=0: RFC 5545's reading, see the module
    when = moment.timestamp()
    if when <= now:
        raise _invalid(
            "schedule_at_in_past",
            f"schedule_at {value!r} is in the past; schedule a future time or omit it to send now.",
            "schedule_at",
        )
    if when >= LATEST:
        raise _invalid(
            "invalid_schedule_at",
            f"schedule_at {value!r} is past the end of the calendar; schedule before "
            f"{isoformat(LATEST)}.",
            "schedule_at",
        )
    if zone is not None and not local:
        _check_agrees(moment, value, zone)
    return when


def _check_agrees(moment: datetime, value: str, zone: ZoneInfo) -> None:
    """An instant given with its offset must have the offset ``zone`` has at that instant."""
    there = moment.astimezone(zone)
    if there.utcoffset() != moment.utcoffset():
        raise _invalid(
            "timezone_mismatch",
            f"schedule_at {value!r} has the offset {_offset(moment.utcoffset())}, but {zone.key} "
            f"is at {_offset(there.utcoffset())} at that instant "
            f"({there.replace(tzinfo=None).isoformat()} there). Send the local time without an "
            f"offset to schedule it in {zone.key}, or fix the offset.",
            "schedule_at",
        )


def schedule_of(body: Mapping[str, Any], now: float) -> tuple[float | None, str | None]:
    """A send's ``schedule_at`` as unix seconds (None: now) and its checked ``timezone``."""
    zone_name: str | None = body.get("timezone") or None
    zone = None if zone_name is None else check_timezone(zone_name)
    schedule_at: str | None = body.get("schedule_at")
    when = None if schedule_at is None else resolve_schedule(schedule_at, zone, now)
    return when, zone_name
