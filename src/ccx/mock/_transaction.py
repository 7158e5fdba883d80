"""A request is a transaction: its changes to a workspace commit whole or not at all.

The mechanism is an undo journal with staged effects, chosen over handlers that plan and then
commit because it holds for code that was never written with it in mind: a handler is a plain
function that changes whatever it needs, and if it raises anywhere (a refusal, a bug, a
response that cannot be encoded) everything it did is undone.

- **State is journaled.** Records (`Journaled` subclasses) remember an attribute's value the
  first time a transaction changes it; a `Table` remembers an entry's value, or its whole
  order once an entry is removed; append-only logs (`Rewindable`) remember their length.
  Rollback puts every first value back.
- **Effects are staged.** Anything that would reach outside the state (a timer on the clock, a
  background task, a webhook delivery, waking a stream) goes through `after_commit` and only
  happens once the transaction commits, so nothing fires for a rolled-back request.

Handlers never suspend inside a transaction (they are plain functions, not coroutines), so no
other request can see a change half made. The current transaction lives in a context variable:
several mock servers in one process (each on its own thread) never see each other's.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Generator, Iterator, MutableMapping
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, overload

if TYPE_CHECKING:
    from _collections_abc import dict_items, dict_values

__all__ = [
    "Journaled",
    "Rewindable",
    "Table",
    "Transaction",
    "after_commit",
    "current_transaction",
]

logger = logging.getLogger("ccx.mock")

_K = TypeVar("_K")
_V = TypeVar("_V")
_T = TypeVar("_T")
_MISSING: Any = object()
_CURRENT: ContextVar[Transaction | None] = ContextVar("ccx_mock_transaction", default=None)


def current_transaction() -> Transaction | None:
    """The transaction of the request running now, or None in background work."""
    return _CURRENT.get()


def after_commit(effect: Callable[[], object]) -> None:
    """Run ``effect`` when the current request commits; at once outside a request."""
    transaction = _CURRENT.get()
    if transaction is None:
        effect()
    else:
        transaction.after_commit(effect)


class Rewindable(Protocol):
    """An append-only log that a rolled-back request can cut back to where it was."""

    def rollback_point(self) -> int: ...

    def rewind(self, point: int) -> None: ...


class Transaction:
    """One request's journal of first values and its staged effects."""

    __slots__ = (
        "_attributes",
        "_created",
        "_effects",
        "_entries",
        "_logs",
        "_orders",
        "_undo_hooks",
    )

    def __init__(self) -> None:
        self._created: dict[int, object] = {}
        """Records made by this transaction: nothing to put back in them, nothing to journal."""
        self._attributes: dict[tuple[int, str], tuple[object, str, object]] = {}
        self._entries: dict[tuple[int, object], tuple[Table[Any, Any], object, object]] = {}
        self._orders: dict[int, tuple[Table[Any, Any], list[tuple[Any, Any]]]] = {}
        self._logs: dict[int, tuple[Rewindable, int]] = {}
        self._effects: list[Callable[[], object]] = []
        self._undo_hooks: list[Callable[[], object]] = []

    @contextlib.contextmanager
    def active(self) -> Generator[Transaction, None, None]:
        """Make this the current transaction for the code run inside the block."""
        if _CURRENT.get() is not None:
            raise RuntimeError("a mock request is already running a transaction")
        token = _CURRENT.set(self)
        try:
            yield self
        finally:
            _CURRENT.reset(token)

    # -- the journal -------------------------------------------------------------------------

    def created(self, record: object) -> None:
        self._created[id(record)] = record  # kept alive, so its id stays its own

    def remember_attribute(self, owner: object, name: str) -> None:
        slot = (id(owner), name)
        if slot not in self._attributes:
            self._attributes[slot] = (owner, name, getattr(owner, name))

    def remember_entry(self, table: Table[Any, Any], key: object) -> None:
        slot = (id(table), key)
        if id(table) in self._orders or slot in self._entries:
            return
        self._entries[slot] = (table, key, table.get(key, _MISSING))

    def remember_order(self, table: Table[Any, Any]) -> None:
        """Keep the whole table as it was: a removed entry put back must keep its place.

        Until its first removal a table's order only grew, so the original is the table now
        without the entries this transaction added, and with the first values of those it set.
        """
        if id(table) in self._orders:
            return
        original: list[tuple[Any, Any]] = []
        for key, value in table.items():
            remembered = self._entries.get((id(table), key))
            if remembered is None:
                original.append((key, value))
            elif remembered[2] is not _MISSING:
                original.append((key, remembered[2]))
        self._orders[id(table)] = (table, original)

    def remember_log(self, log: Rewindable) -> None:
        if id(log) not in self._logs:
            self._logs[id(log)] = (log, log.rollback_point())

    # -- staged effects ----------------------------------------------------------------------

    def after_commit(self, effect: Callable[[], object]) -> None:
        self._effects.append(effect)

    def on_rollback(self, undo: Callable[[], object]) -> None:
        """Something to release if the request fails (such as a coroutine never started)."""
        self._undo_hooks.append(undo)

    # -- the outcome -------------------------------------------------------------------------

    def commit(self) -> None:
        """Keep the changes and start the staged effects, in the order they were staged."""
        effects, self._effects = self._effects, []
        for effect in effects:
            try:
                effect()
            except Exception as error:  # the state is committed: report, start the rest
                _report("a committed request's staged effect failed", error)

    def rollback(self) -> None:
        """Put every first value back and drop the staged effects."""
        self._effects.clear()
        for log, point in self._logs.values():
            log.rewind(point)
        for table, items in self._orders.values():
            table._entries = dict(items)
        for table, key, original in self._entries.values():
            if id(table) in self._orders:
                continue
            if original is _MISSING:
                table._entries.pop(key, None)
            else:
                table._entries[key] = original
        for owner, name, original in self._attributes.values():
            object.__setattr__(owner, name, original)
        hooks, self._undo_hooks = self._undo_hooks, []
        for undo in hooks:
            undo()


def _report(message: str, error: BaseException) -> None:
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        logger.error(message, exc_info=error)
        return
    loop.call_exception_handler({"message": message, "exception": error})


class Journaled:
    """A record whose attribute changes inside a transaction are undone if it rolls back."""

    __slots__ = ()

    def __new__(cls, *arguments: object, **options: object) -> Any:
        del arguments, options  # for __init__
        record = object.__new__(cls)
        transaction = _CURRENT.get()
        if transaction is not None:
            transaction.created(record)
        return record

    def __setattr__(self, name: str, value: object) -> None:
        transaction = _CURRENT.get()
        # A record this transaction made (its fields being set by __init__) needs no journal.
        if transaction is not None and id(self) not in transaction._created:
            transaction.remember_attribute(self, name)
        object.__setattr__(self, name, value)


class Table(MutableMapping[_K, _V]):
    """A workspace's records of one kind, by id, in creation order; journaled.

    Every change goes through ``[key] = value`` or ``del`` (the other mutators are built on
    them), so a transaction sees each one. Reading costs a plain dict's, plus one call.
    """

    __slots__ = ("_entries",)

    def __init__(self) -> None:
        self._entries: dict[_K, _V] = {}

    def __getitem__(self, key: _K) -> _V:
        return self._entries[key]

    @overload
    def get(self, key: _K, /) -> _V | None: ...
    @overload
    def get(self, key: _K, default: _V | _T, /) -> _V | _T: ...
    def get(self, key: _K, default: object = None, /) -> object:
        return self._entries.get(key, default)

    def __contains__(self, key: object) -> bool:
        return key in self._entries

    def __iter__(self) -> Iterator[_K]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def values(self) -> dict_values[_K, _V]:
        return self._entries.values()

    def items(self) -> dict_items[_K, _V]:
        return self._entries.items()

    def __setitem__(self, key: _K, value: _V) -> None:
        transaction = _CURRENT.get()
        if transaction is not None:
            transaction.remember_entry(self, key)
        self._entries[key] = value

    def __delitem__(self, key: _K) -> None:
        transaction = _CURRENT.get()
        if transaction is not None:
            transaction.remember_order(self)
        del self._entries[key]

    def __repr__(self) -> str:
        return f"Table({len(self._entries)} entries)"
