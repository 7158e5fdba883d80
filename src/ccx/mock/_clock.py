"""The mock server's one source of time, so tests travel in time instead of sleeping.

Every deadline in the mock (retry backoff, 24 h windows, idempotency expiry, token TTLs, event
retention, scheduled sends, webhook redelivery) is a timer on a `Clock`. A real clock follows
wall time (optionally faster: ``Clock(time_scale=60)`` makes a minute pass per second); a
`FrozenClock` only moves when told to. Either can be moved forward with ``await
clock.advance(seconds)``, which fires every timer that falls due, in time order, each at its own
instant, and waits for the work they start to settle before returning, so a test can assert
right after.

Background work that must be waited for is started with `Clock.spawn`. A spawned task counts as
idle while it waits on `Clock.sleep_until` (it can only progress when time moves), so settling
never deadlocks on a task parked in the future. Settling waits for the work that existed when
it began and the work that work starts, and after each instant `advance` waits for the work
that instant's timers started or woke; neither waits for work other requests start meanwhile:
under steady traffic (a running server) there is always some, and waiting for all of it could
never end.

Inside a request's transaction, timers and tasks are staged: they are scheduled (or cancelled)
when the request commits, and never if it rolls back. The calendar is bounded: a clock reads
from 1970-01-01 to 9999-01-01, which leaves every deadline the mock computes from it (the longest
is a one-year token lifetime) a date the API can write.
"""

from __future__ import annotations

import asyncio
import collections
import functools
import heapq
import itertools
import math
import operator
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, TypeAlias

from ._transaction import after_commit, current_transaction

__all__ = [
    "EARLIEST",
    "LATEST",
    "Clock",
    "ClockStart",
    "FrozenClock",
    "Timer",
    "clock_start_seconds",
    "isoformat",
]

ClockStart: TypeAlias = "str | datetime | float"
"""When a mock clock starts: RFC 3339 text with an offset, an aware datetime, or unix seconds."""

EARLIEST = 0.0
"""The earliest reading of a mock clock: 1970-01-01T00:00:00Z."""
LATEST = datetime(9999, 1, 1, tzinfo=timezone.utc).timestamp()
"""A mock clock reads before 9999-01-01T00:00:00Z, so a year later is still a date RFC 3339 writes."""

_LAST_READING = math.nextafter(LATEST, 0.0)
_SETTLE_TIMEOUT_SECONDS = 60.0
"""Real seconds `settle` waits for busy tasks before giving up: a stuck task is a bug to surface."""


def isoformat(when: float) -> str:
    """RFC 3339 UTC text (``2026-11-21T08:00:00Z``), the API's timestamp format."""
    moment = datetime.fromtimestamp(when, tz=timezone.utc)
    text = moment.isoformat(timespec="milliseconds" if moment.microsecond else "seconds")
    return text.replace("+00:00", "Z")


def clock_start_seconds(start: ClockStart) -> float:
    """Unix seconds for a clock start, or a `ValueError` saying what is accepted.

    A start without an offset is refused rather than guessed: the same text would start the
    clock at different instants on machines in different zones.
    """
    if isinstance(start, str):
        try:
            moment = datetime.fromisoformat(start.strip().replace("Z", "+00:00"))
        except ValueError:
            raise ValueError(
                f"clock start {start!r} is not an RFC 3339 time; write it like 2026-11-20T00:00:00Z"
            ) from None
    elif isinstance(start, datetime):
        moment = start
    elif isinstance(start, (int, float)) and not isinstance(start, bool):
        return _within_calendar(float(start), start)
    else:
        raise ValueError(
            f"clock start must be RFC 3339 text, an aware datetime or unix seconds; got {start!r}"
        )
    if moment.tzinfo is None:
        raise ValueError(
            f"clock start {start!s} has no UTC offset; add one, as in 2026-11-20T00:00:00Z"
        )
    return _within_calendar(moment.timestamp(), start)


def _within_calendar(seconds: float, given: object) -> float:
    if not EARLIEST <= seconds < LATEST:
        raise ValueError(
            f"clock start {given!s} is outside the mock's calendar: start at or after "
            f"{isoformat(EARLIEST)} and before {isoformat(LATEST)}"
        )
    return seconds


@dataclass(order=True)
class Timer:
    """A callback due at a clock instant; `cancel` stops it from firing."""

    when: float
    sequence: int
    callback: Callable[[], object] = field(compare=False)
    cancelled: bool = field(default=False, compare=False)

    def cancel(self) -> None:
        """Stop the timer from firing (when the current request commits)."""
        after_commit(self._stop)

    def _stop(self) -> None:
        self.cancelled = True


class Clock:
    """Wall time, optionally scaled, with timers that fire in real time or when advanced.

    ``time_scale`` is clock seconds per real second. ``frozen`` clocks ignore real time
    entirely. ``start`` is the clock's reading now (``"2026-11-20T00:00:00Z"``, an aware
    datetime or unix seconds), defaulting to the wall time.
    """

    def __init__(
        self, *, time_scale: float = 1.0, start: ClockStart | None = None, frozen: bool = False
    ) -> None:
        if time_scale <= 0:
            raise ValueError(f"time_scale must be positive, got {time_scale!r}")
        self._time_scale = float(time_scale)
        self._frozen = frozen
        self._origin = time.time() if start is None else clock_start_seconds(start)
        self._monotonic_origin = time.monotonic()
        self._offset = 0.0
        self._frozen_reading = self._origin
        """A frozen clock's reading as one float object, shared by every record stamped with it."""
        self._timers: list[Timer] = []
        self._sequence = itertools.count()
        self._wakeup: asyncio.TimerHandle | None = None
        self._wakeup_at: float | None = None
        """The clock reading the real-time wakeup is set for (re-armed only for earlier ones)."""
        self._tasks: dict[asyncio.Task[Any], int] = {}
        """Every running spawned task, with the generation of work it belongs to."""
        self._generation = 0
        """Bumped whenever a wait begins: work started afterwards is not what it waits for."""
        self._firing: int | None = None
        """While `advance` fires an instant's timers: the generation of the work they start."""
        self._running: set[asyncio.Task[Any]] = set()
        """The spawned tasks not parked on the clock."""
        self._running_by_generation: collections.Counter[int] = collections.Counter()
        """How many of them each generation has: what a settle looks at, so its cost does not
        grow with the (often tens of thousands of) deliveries queued or parked."""
        self._changed: asyncio.Event | None = None
        self._advancing = asyncio.Lock()

    @property
    def time_scale(self) -> float:
        return self._time_scale

    @property
    def frozen(self) -> bool:
        return self._frozen

    def now(self) -> float:
        """The clock's reading in unix seconds."""
        if self._frozen:
            return self._frozen_reading
        elapsed = (time.monotonic() - self._monotonic_origin) * self._time_scale
        return min(self._origin + elapsed + self._offset, _LAST_READING)

    def fork(self) -> Clock:
        """A clock of its own that reads the same now and runs the same way (frozen or scaled)."""
        return Clock(time_scale=self._time_scale, start=self.now(), frozen=self._frozen)

    def room_to_advance(self) -> float:
        """How many seconds this clock can still move forward within the calendar."""
        return max(0.0, _LAST_READING - self.now())

    def datetime(self, when: float | None = None) -> datetime:
        """An aware UTC datetime for ``when`` (default: now)."""
        return datetime.fromtimestamp(self.now() if when is None else when, tz=timezone.utc)

    def isoformat(self, when: float | None = None) -> str:
        """RFC 3339 UTC text for ``when`` (default: now)."""
        return isoformat(self.now() if when is None else when)

    # -- timers ------------------------------------------------------------------------------

    def call_at(self, when: float, callback: Callable[[], object]) -> Timer:
        """Run ``callback`` once the clock reaches ``when`` (on the next advance if frozen).

        Inside a request the timer starts when the request commits.
        """
        timer = Timer(when, next(self._sequence), callback)
        after_commit(self._schedule, timer)
        return timer

    def _schedule(self, timer: Timer) -> None:
        heapq.heappush(self._timers, timer)
        if self._wakeup_at is None or timer.when < self._wakeup_at:
            self._arm()

    def call_later(self, delay: float, callback: Callable[[], object]) -> Timer:
        return self.call_at(self.now() + delay, callback)

    async def sleep_until(self, when: float) -> None:
        """Wait until the clock reaches ``when``; the waiting task counts as idle meanwhile."""
        if when <= self.now():
            await asyncio.sleep(0)
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        task = asyncio.current_task()

        def wake() -> None:
            # Busy again from this instant, as work started now: an advance firing this timer
            # waits for it, a settle begun before does not. A running clock wakes parked work
            # by itself all the time (webhook retries); were a woken task still the work a
            # settle in progress waits for, enough of them out of step would always leave one
            # mid-attempt, and the settle would wait until they all gave up.
            if task in self._tasks:
                self._tasks[task] = self._generation if self._firing is None else self._firing
                self._mark_running(task)
            if not future.done():
                future.set_result(None)

        timer = self.call_at(when, wake)
        if task in self._tasks:
            self._mark_parked(task)
            self._signal()
        try:
            await future
        finally:
            timer.cancel()
            if task in self._tasks:
                self._mark_running(task)

    async def sleep(self, seconds: float) -> None:
        await self.sleep_until(self.now() + seconds)

    def next_deadline(self) -> float | None:
        self._drop_cancelled()
        return self._timers[0].when if self._timers else None

    # -- tracked background work -------------------------------------------------------------

    def spawn(self, coroutine: Coroutine[Any, Any, object]) -> None:
        """Start background work that `advance` and `settle` wait for.

        Inside a request it starts when the request commits, and is never started if it fails.
        """
        transaction = current_transaction()
        if transaction is None:
            self._start(coroutine)
            return
        transaction.after_commit(self._start, coroutine)
        transaction.on_rollback(coroutine.close)

    def _start(self, coroutine: Coroutine[Any, Any, object]) -> None:
        # Work started by spawned work belongs to its parent's generation; work started by an
        # instant's timers to that instant's; anything else to now's.
        parent = asyncio.current_task()
        generation = self._tasks.get(parent) if parent is not None else None
        if generation is None:
            generation = self._generation if self._firing is None else self._firing
        task = asyncio.get_running_loop().create_task(coroutine)
        self._tasks[task] = generation
        self._mark_running(task)
        task.add_done_callback(self._task_done)

    async def settle(self) -> None:
        """Wait until the spawned work started before this call, and the work it starts, is
        finished or parked on the clock."""
        self._generation += 1
        boundary = self._generation
        await self._wait_for(lambda generation: generation < boundary)

    async def _wait_for(self, belongs: Callable[[int], bool]) -> None:
        deadline = time.monotonic() + _SETTLE_TIMEOUT_SECONDS
        changed = self._changed_event()
        while True:
            # Let callbacks scheduled by the last step (timers, done callbacks) run first.
            for _ in range(3):
                await asyncio.sleep(0)
            # Cleared before the look, so a task ending or parking after it sets it again.
            # Waiting on the event alone (every task's end and parking signal it) keeps a wake
            # cheap: waiting on the busy tasks themselves cost a pass over all of them per wake,
            # quadratic when tens of thousands of deliveries are in flight.
            changed.clear()
            if not self._busy(belongs):
                return
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"{self._busy(belongs)} mock background task(s) did not settle")
            try:
                await asyncio.wait_for(changed.wait(), remaining)
            except asyncio.TimeoutError:
                continue

    def _busy(self, belongs: Callable[[int], bool]) -> int:
        """How many tracked tasks of the generations ``belongs`` picks run (are not parked)."""
        return sum(
            count
            for generation, count in self._running_by_generation.items()
            if belongs(generation)
        )

    def _mark_running(self, task: asyncio.Task[Any]) -> None:
        if task not in self._running:
            self._running.add(task)
            self._running_by_generation[self._tasks[task]] += 1

    def _mark_parked(self, task: asyncio.Task[Any]) -> None:
        if task in self._running:
            self._running.remove(task)
            counts = self._running_by_generation
            generation = self._tasks[task]
            counts[generation] -= 1
            if not counts[generation]:
                del counts[generation]

    async def advance(self, seconds: float) -> None:
        """Move the clock forward, firing due timers in order and settling after each.

        A timer whose callback raises is reported to the event loop's exception handler, as
        asyncio reports a failing callback, and the advance goes on.
        """
        if not seconds >= 0 or math.isinf(seconds):
            raise ValueError(f"the clock only moves forward; got advance({seconds!r})")
        if seconds > self.room_to_advance():
            raise ValueError(
                f"advance({seconds!r}) would take the clock past the end of its calendar "
                f"({isoformat(LATEST)}); it can move at most {self.room_to_advance():.0f} s more"
            )
        async with self._advancing:
            target = self.now() + seconds
            await self.settle()
            while True:
                self._drop_cancelled()
                if not self._timers or self._timers[0].when > target:
                    break
                when = self._timers[0].when
                if when > self.now():
                    self._move(when - self.now())
                # Timers due at the same instant fire together, then the work they start or
                # wake settles (and only that: other requests' work goes on meanwhile).
                self._generation += 1
                firing = self._firing = self._generation
                try:
                    while self._timers and self._timers[0].when == when:
                        timer = heapq.heappop(self._timers)
                        if not timer.cancelled:
                            _fire(timer)
                finally:
                    self._firing = None
                    self._generation += 1
                await self._wait_for(functools.partial(operator.eq, firing))
            if target > self.now():
                self._move(target - self.now())
            self._arm()
            await self.settle()

    async def advance_to(self, when: float) -> None:
        await self.advance(max(0.0, when - self.now()))

    async def aclose(self) -> None:
        """Cancel spawned work and stop the real-time wakeup (for app shutdown)."""
        if self._wakeup is not None:
            self._wakeup.cancel()
            self._wakeup = self._wakeup_at = None
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    # -- internals ---------------------------------------------------------------------------

    def _move(self, seconds: float) -> None:
        self._offset += seconds
        self._frozen_reading = self._origin + self._offset

    def _drop_cancelled(self) -> None:
        while self._timers and self._timers[0].cancelled:
            heapq.heappop(self._timers)

    def _arm(self) -> None:
        """Keep one real-time wakeup for the earliest timer (none when frozen)."""
        if self._frozen:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        if self._wakeup is not None:
            self._wakeup.cancel()
            self._wakeup = self._wakeup_at = None
        deadline = self.next_deadline()
        if deadline is not None:
            delay = max(0.0, (deadline - self.now()) / self._time_scale)
            self._wakeup = loop.call_later(delay, self._fire_due)
            self._wakeup_at = deadline

    def _fire_due(self) -> None:
        self._wakeup = self._wakeup_at = None
        now = self.now()
        while True:
            self._drop_cancelled()
            if not self._timers or self._timers[0].when > now:
                break
            _fire(heapq.heappop(self._timers))
        self._arm()

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        self._mark_parked(task)
        self._tasks.pop(task, None)
        if not task.cancelled() and task.exception() is not None:
            # Surface failures of background work instead of losing them with the task.
            loop = task.get_loop()
            loop.call_exception_handler(
                {
                    "message": "mock background task failed",
                    "exception": task.exception(),
                    "task": task,
                }
            )
        self._signal()

    def _changed_event(self) -> asyncio.Event:
        if self._changed is None:
            self._changed = asyncio.Event()
        return self._changed

    def _signal(self) -> None:
        if self._changed is not None:
            self._changed.set()


def _fire(timer: Timer) -> None:
    try:
        timer.callback()
    except Exception as error:
        asyncio.get_running_loop().call_exception_handler(
            {"message": "mock timer callback failed", "exception": error}
        )


class FrozenClock(Clock):
    """A clock that only moves on `advance`, for deterministic tests.

    Starts at ``start`` (default: the wall time when created).
    """

    def __init__(self, start: ClockStart | None = None) -> None:
        super().__init__(start=start, frozen=True)
