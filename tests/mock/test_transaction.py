"""The transaction under every request: rollback restores what was, staged effects wait."""

from __future__ import annotations

from functools import partial
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ccx.mock import FrozenClock
from ccx.mock._events import EventLog
from ccx.mock._transaction import Table, Transaction, after_commit, journaled

START = 1_795_248_000.0


@journaled
class Record:
    status: str
    count: int = 0


operations = st.lists(
    st.tuples(st.sampled_from(["set", "delete", "pop"]), st.integers(0, 6), st.integers()),
    max_size=20,
)


@given(initial=st.dictionaries(st.integers(0, 6), st.integers(), max_size=5), changes=operations)
def test_a_rolled_back_table_has_its_entries_in_their_order(
    initial: dict[int, int], changes: list[tuple[str, int, int]]
) -> None:
    table: Table[int, int] = Table()
    for key, value in initial.items():
        table[key] = value
    transaction = Transaction()
    with transaction:
        for action, key, value in changes:
            if action == "set":
                table[key] = value
            elif key in table:
                table.pop(key) if action == "pop" else table.__delitem__(key)
    transaction.rollback()
    assert list(table.items()) == list(initial.items())


def test_a_rolled_back_record_has_its_first_values_and_a_committed_one_keeps_the_last() -> None:
    record = Record("queued")
    for outcome in ("rollback", "commit"):
        transaction = Transaction()
        with transaction:
            record.status = "sent"
            record.status = "delivered"
            record.count += 1
        getattr(transaction, outcome)()
    assert (record.status, record.count) == ("delivered", 1)


def test_a_new_record_costs_the_journal_nothing() -> None:
    transaction = Transaction()
    with transaction:
        Record("queued")
    assert transaction._attributes == {}


def test_a_rolled_back_event_log_forgets_what_was_appended() -> None:
    log = EventLog()
    log.append("message.queued", {}, at=START, trace_id=None, ordering_key=None)
    transaction = Transaction()
    with transaction:
        log.append("message.sent", {}, at=START, trace_id=None, ordering_key=None)
    transaction.rollback()
    assert [event.type for event in log] == ["message.queued"]
    position = log.append("message.sent", {}, at=START, trace_id=None, ordering_key=None)
    assert log.record(position).id != log.record(0).id


async def test_timers_tasks_and_effects_wait_for_the_commit_and_never_come_after_a_rollback() -> (
    None
):
    clock = FrozenClock(START)
    happened: list[str] = []

    async def task() -> None:
        happened.append("task")

    for outcome in ("rollback", "commit"):
        transaction = Transaction()
        with transaction:
            clock.call_later(1, partial(happened.append, f"timer {outcome}"))
            clock.spawn(task())
            after_commit(partial(happened.append, f"effect {outcome}"))
            assert happened == []
        getattr(transaction, outcome)()
    await clock.advance(2)
    assert happened == ["effect commit", "task", "timer commit"]


async def test_a_timer_cancelled_by_a_rolled_back_request_still_fires() -> None:
    clock = FrozenClock(START)
    fired: list[bool] = []
    timer = clock.call_later(1, lambda: fired.append(True))
    transaction = Transaction()
    with transaction:
        timer.cancel()
        clock.call_later(5, lambda: None)  # a later timer re-arms the heap inside the request
    transaction.rollback()
    await clock.advance(2)
    assert fired == [True]


def test_bulk_changes_that_would_bypass_the_journal_still_go_through_it() -> None:
    table: Table[str, Any] = Table()
    table["a"] = 1
    transaction = Transaction()
    with transaction:
        table.update({"b": 2})
        table.setdefault("c", 3)
        table.clear()
    transaction.rollback()
    assert dict(table) == {"a": 1}


def test_one_transaction_at_a_time() -> None:
    with Transaction(), pytest.raises(RuntimeError, match="already"):
        Transaction().__enter__()
