"""First-seen factorisations of read-only columns, kept by the code that built them.

:func:`botgraph.ingest` dictionary-encodes some text columns anyway (with
pyarrow); it leaves the result here so that the trace extractors, which start by
grouping identical cells, do not hash every record again in Python. An entry
lives as long as its column and is only served while the column is read-only
(``Records`` columns are), so it cannot describe changed data.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = ["derived", "recall", "remember"]

_Entry = tuple["weakref.ref[NDArray[Any]]", NDArray[np.object_], NDArray[np.int64]]
_BY_ID: dict[int, _Entry] = {}
_Derived = tuple[tuple["weakref.ref[NDArray[Any]]", ...], NDArray[Any]]
_DERIVED: dict[tuple[object, ...], _Derived] = {}


def remember(column: NDArray[Any], distinct: list[object], codes: NDArray[np.int64]) -> None:
    """Record that ``column[i] is distinct[codes[i]]``, *distinct* in order of first appearance.

    Ignored for a writable column (its cells could change afterwards).
    """
    if column.flags.writeable:
        return
    key = id(column)

    def forget(_: object, key: int = key) -> None:
        _BY_ID.pop(key, None)

    codes.setflags(write=False)
    # Kept as an object array, not a list: the garbage collector walks every item of
    # a list at each full collection (millions of texts: about 0.25 s each time at
    # 10^7 records), but never looks inside a NumPy array.
    kept = np.fromiter(distinct, dtype=object, count=len(distinct))
    _BY_ID[key] = (weakref.ref(column, forget), kept, codes)


def recall(column: NDArray[Any]) -> tuple[list[object], NDArray[np.int64]] | None:
    """The remembered factorisation of *column* (a copy of the distinct list), or None."""
    entry = _BY_ID.get(id(column))
    if entry is None or entry[0]() is not column or column.flags.writeable:
        return None
    return entry[1].tolist(), entry[2]


def derived(
    name: str, columns: tuple[NDArray[Any], ...], compute: Callable[[], NDArray[Any]]
) -> NDArray[Any]:
    """``compute()``, a function of read-only *columns*, computed once while they all live.

    *name* tells apart the results derived from the same columns. With a
    writable column the result is computed afresh at every call. The result is
    returned read-only.

    Examples
    --------
    >>> import numpy as np
    >>> column = np.array([3, 1, 2])
    >>> column.setflags(write=False)
    >>> calls = []
    >>> def order():
    ...     calls.append(1)
    ...     return np.argsort(column)
    >>> [derived("order", (column,), order).tolist() for _ in range(2)], len(calls)
    ([[1, 2, 0], [1, 2, 0]], 1)
    """
    if any(column.flags.writeable for column in columns):
        return compute()
    key: tuple[object, ...] = (name, *map(id, columns))
    entry = _DERIVED.get(key)
    if entry is not None and all(r() is c for r, c in zip(entry[0], columns, strict=True)):
        return entry[1]

    def forget(_: object, key: tuple[object, ...] = key) -> None:
        _DERIVED.pop(key, None)

    result = compute()
    result.setflags(write=False)
    _DERIVED[key] = (tuple(weakref.ref(column, forget) for column in columns), result)
    return result
