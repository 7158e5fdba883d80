"""Scheduled sends in a time zone: local times, the DST gap and overlap, and offsets that disagree."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from messaging_helpers import CUSTOMER, message

import ccx
from ccx.mock import FrozenClock, MockServer
from ccx.types import TemplateInputParam

ORDER: TemplateInputParam = {
    "name": "order_confirmation",
    "language": "pt_BR",
    "variables": {"1": "Maria", "2": "#A8492", "3": "R$ 349,90"},
}
"""The helpers' order template, typed for the SDK."""


def instant(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))


def error_of(response: httpx.Response) -> dict[str, Any]:
    error: dict[str, Any] = response.json()["error"]
    return error


async def test_a_local_time_is_sent_at_that_time_in_its_zone(
    asgi: httpx.AsyncClient, clock: FrozenClock
) -> None:
    # The issue's own example: 09:00 in São Paulo (UTC-3 all year) is 12:00 UTC.
    response = await asgi.post(
        "/v1/messages",
        json=message(schedule_at="2026-11-28T09:00:00", timezone="America/Sao_Paulo"),
    )
    assert response.status_code == 202, response.text
    scheduled = response.json()
    assert (scheduled["status"], scheduled["schedule_at"]) == ("scheduled", "2026-11-28T12:00:00Z")
    assert scheduled["timezone"] == "America/Sao_Paulo"

    due = instant("2026-11-28T12:00:00Z").timestamp()
    await clock.advance(due - clock.now() - 0.01)
    assert (await asgi.get(f"/v1/messages/{scheduled['id']}")).json()["status"] == "scheduled"
    await clock.advance(0.01)
    assert (await asgi.get(f"/v1/messages/{scheduled['id']}")).json()["status"] == "sent"


@pytest.mark.parametrize(
    ("local", "zone", "expected"),
    [
        # Spring forward: 02:00-03:00 does not exist on 2027-03-14 in New York. 02:30 is read
        # with the offset before the gap (EST, -05:00): 07:30 UTC, which is 03:30 EDT.
        ("2027-03-14T02:30:00", "America/New_York", "2027-03-14T07:30:00Z"),
        # Europe skips 02:00-03:00 on 2027-03-28: 02:15 CET (+01:00) is 01:15 UTC, 03:15 CEST.
        ("2027-03-28T02:15:00", "Europe/Berlin", "2027-03-28T01:15:00Z"),
        # Fall back: 01:30 happens twice on 2027-11-07 in New York; the first is EDT (-04:00).
        ("2027-11-07T01:30:00", "America/New_York", "2027-11-07T05:30:00Z"),
        # ... and an offset picks the second (EST, -05:00).
        ("2027-11-07T01:30:00-05:00", "America/New_York", "2027-11-07T06:30:00Z"),
        # RFC 3339 lets the UTC designator be lowercase.
        ("2027-11-07t06:30:00z", "UTC", "2027-11-07T06:30:00Z"),
        # A 30-minute DST shift (Lord Howe), in its overlap: 01:45 first at +11:00.
        ("2027-04-04T01:45:00", "Australia/Lord_Howe", "2027-04-03T14:45:00Z"),
    ],
)
async def test_dst_gap_and_overlap_follow_rfc_5545(
    asgi: httpx.AsyncClient, local: str, zone: str, expected: str
) -> None:
    response = await asgi.post("/v1/messages", json=message(schedule_at=local, timezone=zone))
    assert response.status_code == 202, response.text
    assert response.json()["schedule_at"] == expected


@pytest.mark.parametrize(
    ("schedule_at", "zone", "said"),
    [
        ("2026-11-28T09:00:00Z", "America/Sao_Paulo", "-03:00"),
        # New York is on EDT (-04:00) in July: -05:00 is its winter offset.
        ("2027-07-01T09:00:00-05:00", "America/New_York", "-04:00"),
    ],
)
async def test_an_offset_the_zone_does_not_have_then_is_a_clear_400(
    asgi: httpx.AsyncClient, schedule_at: str, zone: str, said: str
) -> None:
    response = await asgi.post("/v1/messages", json=message(schedule_at=schedule_at, timezone=zone))
    assert response.status_code == 400
    error = error_of(response)
    assert (error["code"], error["param"]) == ("timezone_mismatch", "schedule_at")
    assert zone in error["message"]
    assert said in error["message"]
    assert "without an offset" in error["message"]


async def test_a_local_time_without_a_zone_is_refused_naming_the_fix(
    asgi: httpx.AsyncClient,
) -> None:
    response = await asgi.post("/v1/messages", json=message(schedule_at="2026-11-28T09:00:00"))
    assert response.status_code == 400
    error = error_of(response)
    assert (error["code"], error["param"]) == ("invalid_schedule_at", "schedule_at")
    assert "timezone" in error["message"]


@pytest.mark.parametrize(
    "zone",
    ["America", "America/", "localtime", "posixrules", "zone.tab", "Mars/Base", "../UTC", ""],
)
async def test_anything_but_an_iana_zone_name_is_invalid_timezone(
    asgi: httpx.AsyncClient, zone: str
) -> None:
    response = await asgi.post(
        "/v1/messages", json=message(schedule_at="2026-11-28T09:00:00-03:00", timezone=zone or " ")
    )
    assert response.status_code == 400, response.text
    assert (error_of(response)["code"], error_of(response)["param"]) == (
        "invalid_timezone",
        "timezone",
    )


@pytest.mark.parametrize(
    "schedule_at",
    [
        "2026-11-28T09:00",
        "2026-11-28T09:00:00.5",
        "20261128T090000",
        "1795000000",
        "2026-13-01T09:00:00",
    ],
)
async def test_malformed_schedules_are_invalid_timestamps(
    asgi: httpx.AsyncClient, schedule_at: str
) -> None:
    response = await asgi.post(
        "/v1/messages", json=message(schedule_at=schedule_at, timezone="America/Sao_Paulo")
    )
    assert response.status_code == 400, response.text
    assert error_of(response)["param"] == "schedule_at"


async def test_a_broadcast_starts_at_a_local_time_in_its_zone(
    asgi: httpx.AsyncClient, clock: FrozenClock
) -> None:
    segment = await asgi.post("/v1/segments", json={"name": "s", "recipients": [CUSTOMER]})

    async def create(schedule_at: str) -> httpx.Response:
        return await asgi.post(
            "/v1/broadcasts",
            json={
                "name": "local",
                "template": "black_friday_2026",
                "language": "pt_BR",
                "segment_id": segment.json()["id"],
                "schedule_at": schedule_at,
                "timezone": "America/Sao_Paulo",
                "idempotency_key": schedule_at,
            },
        )

    response = await create("2026-11-28T09:00:00")
    assert response.status_code == 202, response.text
    broadcast = response.json()
    assert (broadcast["status"], broadcast["schedule_at"]) == ("scheduled", "2026-11-28T12:00:00Z")
    due = instant("2026-11-28T12:00:00Z").timestamp()
    await clock.advance(due - clock.now() - 0.01)
    assert (await asgi.get(f"/v1/broadcasts/{broadcast['id']}")).json()["status"] == "scheduled"
    await clock.advance(0.01)
    assert (await asgi.get(f"/v1/broadcasts/{broadcast['id']}")).json()["status"] != "scheduled"
    refused = await create("2026-11-29T09:00:00+01:00")
    assert error_of(refused)["code"] == "timezone_mismatch"


def test_the_sdk_schedules_a_naive_datetime_in_its_zone(server: MockServer) -> None:
    with server.client() as client:
        sent = client.messages.send(
            to="+5511999990000",
            channel="whatsapp",
            template=ORDER,
            schedule_at=datetime(2026, 11, 28, 9, 0),
            timezone="America/Sao_Paulo",
        )
        assert sent.schedule_at == datetime(2026, 11, 28, 12, 0, tzinfo=timezone.utc)
        with pytest.raises(ccx.BadRequestError) as refused:
            client.messages.send(
                to="+5511999990000",
                channel="whatsapp",
                template=ORDER,
                schedule_at=datetime(2026, 11, 28, 9, 0, tzinfo=timezone.utc),
                timezone="America/Sao_Paulo",
            )
        assert (refused.value.code, refused.value.param) == ("timezone_mismatch", "schedule_at")


_ZONES = [
    "America/Sao_Paulo",
    "America/New_York",
    "Europe/London",
    "Europe/Berlin",
    "Australia/Lord_Howe",
    "Pacific/Chatham",
    "Asia/Kolkata",
    "America/Santiago",
]


def expected_instant(local: datetime, zone: ZoneInfo) -> datetime:
    """RFC 5545, worked out without zoneinfo's ``fold``: the earliest instant that reads
    ``local`` in ``zone``; when none does (a gap), ``local`` at the offset in force before it."""
    offsets = {
        offset
        for hours in (-30, 0, 30)
        if (offset := (local + timedelta(hours=hours)).replace(tzinfo=zone).utcoffset()) is not None
    }
    candidates = [(local - offset).replace(tzinfo=timezone.utc) for offset in offsets]
    existing = [
        moment for moment in candidates if moment.astimezone(zone).replace(tzinfo=None) == local
    ]
    if existing:
        return min(existing)
    before = (local - timedelta(hours=30)).replace(tzinfo=zone).utcoffset()
    assert before is not None
    return (local - before).replace(tzinfo=timezone.utc)


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    zone_name=st.sampled_from(_ZONES),
    local=st.datetimes(min_value=datetime(2027, 1, 1), max_value=datetime(2029, 12, 31)).map(
        lambda moment: moment.replace(microsecond=0)
    ),
)
def test_any_local_time_in_any_zone_goes_out_at_the_rfc_5545_instant(
    http: httpx.Client, zone_name: str, local: datetime
) -> None:
    zone = ZoneInfo(zone_name)
    response = http.post(
        "/v1/messages",
        json=message(schedule_at=local.isoformat(), timezone=zone_name),
    )
    assert response.status_code == 202, response.text
    assert instant(response.json()["schedule_at"]) == expected_instant(local, zone)
    # The same instant, written with the offset the zone has then, is accepted as it is.
    written = expected_instant(local, zone).astimezone(zone).isoformat()
    again = http.post("/v1/messages", json=message(schedule_at=written, timezone=zone_name))
    assert again.status_code == 202, again.text
    assert again.json()["schedule_at"] == response.json()["schedule_at"]
