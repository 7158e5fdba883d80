"""The mock clock: time travel, timers in order, settling background work."""

from __future__ import annotations

import asyncio
import re
import time
from datetime import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ccx.mock import Clock, FrozenClock
from ccx.mock._clock import clock_start_seconds

START = 1_795_000_000.0


def test_frozen_clock_only_moves_on_advance() -> None:
    clock = FrozenClock(start=START)
    assert clock.now() == START
    assert clock.now() == START


async def test_advance_moves_time_and_fires_due_timers_in_order() -> None:
    clock = FrozenClock(start=START)
    fired: list[tuple[str, float]] = []
    clock.call_at(START + 30, lambda: fired.append(("b", clock.now())))
    clock.call_at(START + 10, lambda: fired.append(("a", clock.now())))
    clock.call_at(START + 100, lambda: fired.append(("late", clock.now())))

    await clock.advance(60)

    assert fired == [("a", START + 10), ("b", START + 30)]
    assert clock.now() == START + 60


async def test_cancelled_timer_never_fires() -> None:
    clock = FrozenClock(start=START)
    fired: list[str] = []
    timer = clock.call_later(5, lambda: fired.append("x"))
    timer.cancel()
    await clock.advance(10)
    assert fired == []


async def test_advance_settles_spawned_work_that_chains_sleeps() -> None:
    clock = FrozenClock(start=START)
    seen: list[float] = []

    async def worker() -> None:
        for _ in range(3):
            await clock.sleep(2)
            seen.append(clock.now())

    clock.spawn(worker())
    await clock.advance(5)
    assert seen == [START + 2, START + 4]
    await clock.advance(1)
    assert seen == [START + 2, START + 4, START + 6]


async def test_settle_waits_for_busy_tasks_but_not_parked_ones() -> None:
    clock = FrozenClock(start=START)
    done: list[str] = []

    async def busy() -> None:
        for _ in range(10):
            await asyncio.sleep(0)
        done.append("busy")

    async def parked() -> None:
        await clock.sleep(3600)
        done.append("parked")

    clock.spawn(parked())
    clock.spawn(busy())
    await clock.settle()
    assert done == ["busy"]
    await clock.aclose()


async def test_scaled_clock_fires_timers_in_real_time() -> None:
    clock = Clock(time_scale=10_000, start=START)
    fired = asyncio.Event()
    clock.call_later(60, fired.set)  # 6 ms of real time
    await asyncio.wait_for(fired.wait(), timeout=5)
    assert clock.now() >= START + 60


def test_negative_advance_and_bad_scale_are_refused() -> None:
    with pytest.raises(ValueError, match="time_scale"):
        Clock(time_scale=0)
    with pytest.raises(ValueError, match="forward"):
        asyncio.run(FrozenClock().advance(-1))


def test_isoformat_is_rfc3339_utc() -> None:
    clock = FrozenClock(start=1_800_000_000.0)
    assert clock.isoformat() == "2027-01-15T08:00:00Z"
    assert clock.isoformat(1_800_000_000.25) == "2027-01-15T08:00:00.250Z"


@given(st.lists(st.floats(min_value=0, max_value=1e6), min_size=1, max_size=30))
def test_timers_fire_sorted_by_deadline(delays: list[float]) -> None:
    async def scenario() -> list[float]:
        clock = FrozenClock(start=START)
        fired: list[float] = []
        for delay in delays:
            clock.call_later(delay, lambda: fired.append(clock.now()))
        await clock.advance(1e6)
        return fired

    fired = asyncio.run(scenario())
    assert fired == sorted(START + delay for delay in delays)


@given(
    st.datetimes(
        min_value=datetime(1970, 1, 2), max_value=datetime(9998, 12, 30), timezones=st.timezones()
    )
)
def test_a_clock_starts_at_the_instant_its_rfc3339_start_names(moment: datetime) -> None:
    text = moment.isoformat()
    assert FrozenClock(text).now() == moment.timestamp()
    assert FrozenClock(moment).now() == moment.timestamp()
    assert FrozenClock(text.replace("+00:00", "Z")).now() == moment.timestamp()


@pytest.mark.parametrize(
    ("start", "explanation"),
    [
        ("2026-11-20T00:00:00", "has no UTC offset; add one, as in 2026-11-20T00:00:00Z"),
        (datetime(2026, 11, 20), "has no UTC offset"),
        ("next tuesday", "is not an RFC 3339 time; write it like 2026-11-20T00:00:00Z"),
        (True, "RFC 3339 text, an aware datetime or unix seconds"),
        ("1969-12-31T23:59:59Z", "outside the mock's calendar: start at or after 1970-01-01"),
        ("9999-01-01T00:00:00Z", "and before 9999-01-01T00:00:00Z"),
        (-1, "outside the mock's calendar"),
    ],
)
def test_an_ambiguous_or_unreadable_start_is_refused(start: object, explanation: str) -> None:
    with pytest.raises(ValueError, match=re.escape(explanation)):
        clock_start_seconds(start)  # type: ignore[arg-type]  # wrong type on purpose: tests the runtime check


def test_a_running_clock_runs_on_from_its_start() -> None:
    clock = Clock(time_scale=1_000, start="2026-11-20T00:00:00Z")
    first = clock.now()
    assert 1_795_132_800.0 <= first < 1_795_132_800.0 + 60
    time.sleep(0.01)
    assert clock.now() > first


async def test_advance_waits_for_what_its_timers_start_not_for_what_others_keep_starting() -> None:
    """On a busy server other requests start work all the time: an advance must still end."""
    clock = FrozenClock(start=START)
    stop = asyncio.Event()
    started_by_timer: list[str] = []

    async def busy() -> None:
        for _ in range(5):
            await asyncio.sleep(0)

    async def others() -> None:  # requests arriving meanwhile, each starting background work
        while not stop.is_set():
            clock.spawn(busy())
            await asyncio.sleep(0)

    async def timer_work() -> None:
        for _ in range(20):
            await asyncio.sleep(0)
        started_by_timer.append("done")

    traffic = asyncio.ensure_future(others())
    guard = asyncio.get_running_loop().call_later(30, stop.set)
    clock.call_later(5, lambda: clock.spawn(timer_work()))
    await clock.advance(10)
    assert not stop.is_set(), "the advance waited for the other requests' work"
    assert started_by_timer == ["done"]
    stop.set()
    guard.cancel()
    await traffic
    await clock.aclose()


async def test_settle_on_a_running_clock_ends_while_retries_keep_waking() -> None:
    """A running clock wakes parked work by itself all the time (webhook retries to a dead
    endpoint, every few milliseconds at a fast scale). A settle must wait for what was running
    when it began, not for work the clock wakes afterwards: with enough retries, one of them is
    always mid-attempt, and a settle waiting for that never ends (until they all give up)."""
    clock = Clock(time_scale=1_000, start=START)
    stop = asyncio.Event()

    async def retrying(pace: int) -> None:
        while not stop.is_set():
            await clock.sleep(pace)  # the wait before the next retry: a few ms of real time
            await asyncio.sleep(pace / 1_000)  # the attempt itself, on the network

    for index in range(500):
        clock.spawn(retrying(3 + index % 13))  # out of step, as retries of different events are
    await asyncio.sleep(0.05)  # the retries are under way, woken by the clock alone
    guard = asyncio.get_running_loop().call_later(30, stop.set)
    await clock.settle()
    assert not stop.is_set(), "the settle waited for retries the clock woke after it began"
    guard.cancel()
    stop.set()
    await clock.aclose()
