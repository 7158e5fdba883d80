"""Parquet export files: a typed column per field, so analytics tools read them without hints.

A column whose values are all booleans, all whole numbers, all numbers or all text gets that
type; a field ending in ``_at`` holding RFC 3339 text is a UTC timestamp; anything else (nested
objects and lists, or a field whose type varies between records) is JSON text, each value
encoded whole (a string quoted), so a reader never has to guess. A field a record lacks is null. pyarrow is imported on first use: the mock starts
without paying for it.
"""

# pyarrow's stubs name numpy and pandas types in its signatures, unknown where those are not
# installed (the mock needs neither): pyright strict would call every pyarrow function
# partially unknown.
# pyright: reportUnknownMemberType=false

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pyarrow

__all__ = ["encode_parquet"]


def _instant(value: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def _is_timestamp(name: str, values: Sequence[str]) -> bool:
    return name.endswith("_at") and all(_instant(value) is not None for value in values)


def _json_text(value: Any) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False)


def _column(name: str, values: list[Any]) -> pyarrow.Array[Any]:
    import pyarrow as pa

    present = [value for value in values if value is not None]
    kinds: set[type] = {type(value) for value in present}
    if not kinds:
        return pa.array(values, type=pa.string())
    if kinds <= {bool}:
        return pa.array(values, type=pa.bool_())
    if kinds <= {int}:  # bool is not int here: `type(True)` is bool
        return pa.array(values, type=pa.int64())
    if kinds <= {int, float}:
        return pa.array(values, type=pa.float64())
    if kinds <= {str}:
        if _is_timestamp(name, present):
            moments = [None if value is None else _instant(value) for value in values]
            return pa.array(moments, type=pa.timestamp("us", tz="UTC"))
        return pa.array(values, type=pa.string())
    # Every value as JSON text, strings quoted too, so a reader can tell "{}" from {}.
    return pa.array([_json_text(value) for value in values], type=pa.string())


def encode_parquet(rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> bytes:
    """A Parquet file holding ``rows``, with ``columns`` in that order."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table({name: _column(name, [row.get(name) for row in rows]) for name in columns})
    buffer = io.BytesIO()
    pq.write_table(table, buffer, compression="zstd")
    return buffer.getvalue()
