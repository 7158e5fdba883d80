"""A request is a transaction: its changes to a workspace commit whole or not at all.

The mechanism is an undo journal with staged effects, chosen over handlers that plan and then
commit because it holds for code that was never written with it in mind: a handler is a plain
function that changes whatever it needs, and if it raises anywhere (a refusal, a bug, a
response that cannot be encoded) everything it did is undone.

- **State is journaled.** Records (`journaled` dataclasses) remember an attribute's value the
  first time a transaction changes it; a `Table` remembers an entry's value, or its whole
  order once an entry is removed; append-only logs (`Rewindable`) remember their length.
  Rollback puts every first value back. The two records that background work makes and
  changes by the million (messages and conversations) are plain dataclasses instead, saved
  whole by `journal` at the few places a request changes one, so their lifecycle runs at
  plain attribute speed; ``tests/reliability/test_transactions.py`` holds every operation to
  the rule either way.
- **Effects are staged.** Anything that would reach outside the state (a timer on the clock, a
  background task, a webhook delivery, waking a stream) goes through `after_commit` and only
  happens once the transaction commits, so nothing fires for a rolled-back request.

Handlers never suspend inside a transaction (they are plain functions, not coroutines), so no
other request can see a change half made. The current transaction lives in a context variable:
several mock servers in one process (each on its own thread) never see each other's.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Callable
from contextvars import ContextVar, Token
from typing import Any, Protocol, TypeVar

from typing_extensions import Self, dataclass_transform

__all__ = [
    "Rewindable",
    "Table",
    "Transaction",
    "after_commit",
    "current_transaction",
    "journal",
    "journaled",
]

logger = logging.getLogger("ccx.mock")

_K = TypeVar("_K")
_V = TypeVar("_V")
_MISSING: Any = object()
_CURRENT: ContextVar[Transaction | None] = ContextVar("ccx_mock_transaction", default=None)


current_transaction = _CURRENT.get
"""The transaction of the request running now, or None in background work."""


def journal(record: object, *names: str) -> None:
    """Save ``record``'s fields ``names`` (all of them if none is named), if a request is about
    to change it (see above)."""
    transaction = _CURRENT.get()
    if transaction is not None:
        for name in names or _field_names(type(record)):
            transaction.remember_attribute(record, name)


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def _field_names(cls: type) -> tuple[str, ...]:
    names = _FIELD_NAMES.get(cls)
    if names is None:
        names = _FIELD_NAMES[cls] = tuple(field.name for field in dataclasses.fields(cls))
    return names


def after_commit(effect: Callable[..., object], *arguments: Any) -> None:
    """Run ``effect(*arguments)`` when the current request commits; at once outside a request.

    Background work (most of the mock's) takes the direct path, with no closure to build.
    """
    transaction = _CURRENT.get()
    if transaction is None:
        effect(*arguments)
    else:
        transaction.after_commit(effect, *arguments)


class Rewindable(Protocol):
    """An append-only log that a rolled-back request can cut back to where it was."""

    def rollback_point(self) -> int: ...

    def rewind(self, point: int) -> None: ...


class Transaction:
    """One request's journal of first values and its staged effects."""

    __slots__ = (
        "_attributes",
        "_effects",
        "_entries",
        "_logs",
        "_orders",
        "_token",
        "_undo_hooks",
    )

    def __init__(self) -> None:
        self._token: Token[Transaction | None] | None = None
        self._attributes: dict[tuple[int, str], tuple[object, str, object]] = {}
        self._entries: dict[tuple[int, object], tuple[Table[Any, Any], object, object]] = {}
        self._orders: dict[int, tuple[Table[Any, Any], list[tuple[Any, Any]]]] = {}
        self._logs: dict[int, tuple[Rewindable, int]] = {}
        self._effects: list[tuple[Callable[..., object], tuple[Any, ...]]] = []
        self._undo_hooks: list[Callable[[], object]] = []

    def __enter__(self) -> Self:
        """Make this the current transaction for the code run inside the ``with`` block."""
        if _CURRENT.get() is not None:
            raise RuntimeError("a mock request is already running a transaction")
        self._token = _CURRENT.set(self)
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._token is not None:
            _CURRENT.reset(self._token)
            self._token = None

    # -- the journal -------------------------------------------------------------------------

    def remember_attribute(self, owner: object, name: str) -> None:
        slot = (id(owner), name)
        if slot not in self._attributes:
            original = getattr(owner, name, _MISSING)
            if original is not _MISSING:  # unset: a record being built, nothing to put back
                self._attributes[slot] = (owner, name, original)

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

    def after_commit(self, effect: Callable[..., object], *arguments: Any) -> None:
        self._effects.append((effect, arguments))

    def on_rollback(self, undo: Callable[[], object]) -> None:
        """Something to release if the request fails (such as a coroutine never started)."""
        self._undo_hooks.append(undo)

    # -- the outcome -------------------------------------------------------------------------

    def commit(self) -> None:
        """Keep the changes and start the staged effects, in the order they were staged."""
        effects, self._effects = self._effects, []
        for effect, arguments in effects:
            try:
                effect(*arguments)
            except Exception as error:  # the state is committed: report, start the rest
                _report("a committed request's staged effect failed", error)

    def rollback(self) -> None:
        """Put every first value back and drop the staged effects."""
        self._effects.clear()
        for log, point in self._logs.values():
            log.rewind(point)
        for table, items in self._orders.values():
            table._restore(items)
        for table, key, original in self._entries.values():
            if id(table) in self._orders:
                continue
            if original is _MISSING:
                table._take_back(key)
            else:
                table._put_back(key, original)
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


_Record = TypeVar("_Record")


@dataclass_transform(field_specifiers=(dataclasses.field,))
def journaled(cls: type[_Record]) -> type[_Record]:
    """A slotted dataclass whose attribute changes inside a transaction are undone on rollback.

    Its ``__init__`` is the one a frozen dataclass gets, which sets each field without going
    through ``__setattr__``: a new record needs no journal, and records are made in bulk (a
    message per broadcast recipient), so making one costs what a plain dataclass's does.
    """
    record = dataclasses.dataclass(slots=True, eq=False, frozen=True)(cls)
    record.__setattr__ = _journaled_setattr  # type: ignore[method-assign]
    record.__delattr__ = object.__delattr__  # type: ignore[method-assign]
    return record


def _journaled_setattr(record: object, name: str, value: object) -> None:
    transaction = _CURRENT.get()
    if transaction is not None:
        transaction.remember_attribute(record, name)
    object.__setattr__(record, name, value)


class Table(dict[_K, _V]):
    """A workspace's records of one kind, by id, in creation order; journaled.

    A dict, so reading costs a dict's. Every change goes through ``[key] = value`` or ``del``
    (the other mutators are rebuilt on them), so a transaction sees each one.
    """

    __slots__ = ()

    def __setitem__(self, key: _K, value: _V) -> None:
        transaction = _CURRENT.get()
        if transaction is not None:
            transaction.remember_entry(self, key)
        super().__setitem__(key, value)

    def __delitem__(self, key: _K) -> None:
        transaction = _CURRENT.get()
        if transaction is not None:
            transaction.remember_order(self)
        super().__delitem__(key)

    def pop(self, key: _K, *default: Any) -> Any:
        if key not in self:
            if default:
                return default[0]
            raise KeyError(key)
        value = self[key]
        del self[key]
        return value

    def popitem(self) -> tuple[_K, _V]:
        key = next(reversed(self))
        return key, self.pop(key)

    def setdefault(self, key: _K, default: Any = None, /) -> Any:
        if key not in self:
            self[key] = default
        return self[key]

    def update(self, *arguments: Any, **entries: Any) -> None:
        changes: dict[Any, Any] = dict(*arguments, **entries)
        for key, value in changes.items():
            self[key] = value

    def __ior__(self, other: Any) -> Self:  # type: ignore[override,misc]  # pyright: ignore[reportIncompatibleMethodOverride]
        self.update(other)
        return self

    def clear(self) -> None:
        for key in list(self):
            del self[key]

    def _restore(self, items: list[tuple[_K, _V]]) -> None:
        """Rollback: the table exactly as it was, order included (no journal: none is active)."""
        super().clear()
        super().update(items)

    def _put_back(self, key: _K, value: _V) -> None:
        super().__setitem__(key, value)

    def _take_back(self, key: _K) -> None:
        super().pop(key, None)
