"""Ingest: turn caller records into validated, columnar :class:`Records`.

The first stage of the pipeline. It accepts the shapes analysts hold their data
in (a list of dicts, a pandas or polars DataFrame, a pyarrow Table, a CSV / JSON
Lines / Parquet file), maps column names, parses times to UTC epoch seconds,
checks every record and returns one numpy array per column. Records that cannot
be used either raise a :class:`~botgraph.errors.SchemaError` naming the row, the
column and the value, or, with ``on_invalid="drop"``, are set aside and counted.
"""

from __future__ import annotations

import ast
import contextlib
import csv
import difflib
import gzip
import json
import logging
import math
import os
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import IO, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
from numpy.typing import NDArray

from botgraph._optional import import_optional, is_instance_of
from botgraph._validation import check_choice
from botgraph.errors import ParameterError, SchemaError

__all__ = ["CANONICAL_FIELDS", "Records", "RejectedRow", "ingest"]

#: Canonical field names botgraph understands; any other column is kept as is.
CANONICAL_FIELDS = (
    "account_id",
    "timestamp",
    "text",
    "target_id",
    "post_id",
    "url",
    "urls",
    "hashtags",
    "mentions",
    "platform",
    "lang",
    "account_created_at",
    "record_id",
)


@dataclass(frozen=True, slots=True)
class RejectedRow:
    """One input record set aside by ``on_invalid="drop"``.

    Attributes
    ----------
    row : int
        0-based position of the record in the caller's input.
    column : str
        Canonical column at fault.
    value : str
        ``repr`` of the offending value, truncated to 200 characters.
    reason : str
        Why the record was rejected.
    """

    row: int
    column: str
    value: str
    reason: str


@dataclass(frozen=True, slots=True, eq=False)
class Records:
    """Validated records in columnar form (one numpy array per column).

    Attributes
    ----------
    account_id : ndarray of object (str)
        Who acted, one per record.
    timestamp : ndarray of float64
        When, as UTC seconds since the Unix epoch.
    record_id : ndarray of object (str)
        The caller's ``record_id`` when given, else the input row number as text.
    row : ndarray of int64
        Position of each kept record in the caller's input.
    accounts : ndarray of object (str)
        Sorted distinct account ids.
    account_code : ndarray of int64
        Index of each record's account in ``accounts``.
    fields : Mapping[str, ndarray]
        Every other column under its canonical name (after ``columns=`` mapping).
        ``text``, ``target_id``, ``post_id``, ``platform``, ``lang`` and unknown
        columns are object arrays with ``None`` where missing; ``urls``,
        ``hashtags`` and ``mentions`` are object arrays of ``tuple[str, ...]``
        (``url`` given alone is merged into ``urls``); ``account_created_at`` is
        float64 UTC epoch seconds with NaN where missing.
    rejected : tuple of RejectedRow
        Records set aside by ``on_invalid="drop"`` (empty otherwise).
    n_input : int
        Number of records the caller passed in.
    """

    account_id: NDArray[np.object_]
    timestamp: NDArray[np.float64]
    record_id: NDArray[np.object_]
    row: NDArray[np.int64]
    accounts: NDArray[np.object_]
    account_code: NDArray[np.int64]
    fields: Mapping[str, NDArray[Any]]
    rejected: tuple[RejectedRow, ...]
    n_input: int

    def __len__(self) -> int:
        return int(self.timestamp.shape[0])

    def __repr__(self) -> str:
        return (
            f"Records({len(self)} records, {self.accounts.shape[0]} accounts, "
            f"fields={sorted(self.fields)}, rejected={len(self.rejected)}, "
            f"n_input={self.n_input})"
        )

    def column(self, name: str) -> NDArray[Any] | None:
        """Return column *name* (core or from ``fields``) or None when absent."""
        core = {
            "account_id": self.account_id,
            "timestamp": self.timestamp,
            "record_id": self.record_id,
        }
        if name in core:
            return core[name]
        return self.fields.get(name)


_LOG = logging.getLogger("botgraph.ingest")

_REQUIRED = ("account_id", "timestamp")
#: Canonical columns that describe a record but are not something it says or targets.
_META_FIELDS = frozenset(
    {"account_id", "timestamp", "record_id", "platform", "lang", "account_created_at"}
)
#: Canonical content columns, in the order they are listed in messages.
_CONTENT_FIELDS = ("text", "url", "urls", "hashtags", "mentions", "target_id", "post_id")
_ID_FIELDS = ("target_id", "post_id")
_LIST_PREFIX = {"hashtags": "#＃", "mentions": "@＠"}

#: A numeric column whose median |value| exceeds this is read as epoch milliseconds:
#: 1e11 s is in the year 5138, while 1e11 ms is in 1973.
_MS_THRESHOLD = 1e11
_VALUE_REPR_LIMIT = 200
_NUMBER_RE = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_LIST_SPLIT_RE = re.compile(r"[\s,]+")
# Commas separate URLs only where the next URL starts: a comma inside a URL is kept.
_URL_SPLIT_RE = re.compile(r"\s+|,(?=\s|[A-Za-z][A-Za-z0-9+.\-]*://|www\.)")
_UTC_SUFFIXES = (" UTC", " GMT")
_TWITTER_FORMAT = "%a %b %d %H:%M:%S %z %Y"
_EPOCH_NAIVE = datetime(1970, 1, 1)
_SUFFIXES = (".csv", ".csv.gz", ".jsonl", ".jsonl.gz", ".ndjson", ".ndjson.gz", ".parquet")
_CSV_FIELD_LIMIT = 2**31 - 1

#: Column names that usually hold a required field, offered as "did you mean" hints.
_SYNONYMS = {
    "account_id": (
        "account",
        "author",
        "author_id",
        "from_id",
        "handle",
        "screen_name",
        "user",
        "user_id",
        "username",
        "user_name",
    ),
    "timestamp": (
        "created",
        "created_at",
        "created_time",
        "date",
        "datetime",
        "publish_date",
        "published",
        "published_at",
        "time",
        "timestamp_share",
    ),
    "text": ("body", "comment", "content", "message", "post", "tweet"),
}


# --------------------------------------------------------------------------- inputs


@dataclass(frozen=True, slots=True)
class _Times:
    """A column the data-frame library already holds as date-times."""

    seconds: NDArray[np.float64]  # NaN where missing
    aware: bool  # True: UTC epoch seconds; False: wall-clock seconds of an unknown zone


#: read(name, as_time) -> numeric ndarray, object ndarray (None = missing) or _Times.
_Reader = Callable[[str, bool], "NDArray[Any] | _Times"]


@dataclass(frozen=True, slots=True)
class _Table:
    """Column-wise view of the caller's input, read lazily one column at a time."""

    names: tuple[str, ...]
    n_rows: int
    read: _Reader


class _ReadOnlyFields(Mapping[str, NDArray[Any]]):
    """Read-only view of ``Records.fields`` that, unlike ``MappingProxyType``, pickles."""

    __slots__ = ("_data",)

    def __init__(self, data: Mapping[str, NDArray[Any]]) -> None:
        self._data = dict(data)

    def __getitem__(self, key: str) -> NDArray[Any]:
        return self._data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __repr__(self) -> str:
        return f"fields({self._data!r})"


class _Invalid(Exception):
    """One value cannot be used; *reason* says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _object_array(values: Iterable[Any], n: int) -> NDArray[np.object_]:
    # fromiter keeps lists and tuples as elements instead of building a 2-D array.
    return np.fromiter(values, dtype=object, count=n)


def _check_names(names: Sequence[object], where: str) -> tuple[str, ...]:
    seen: set[str] = set()
    for name in names:
        if not isinstance(name, str):
            raise SchemaError(
                f"Column names must be strings; {where} has the column name {name!r} "
                f"({type(name).__name__}). Rename it to a string first.",
                value=name,
            )
        if name in seen:
            raise SchemaError(
                f"Column {name!r} appears more than once in {where}. "
                "Give every column a distinct name.",
                column=name,
            )
        seen.add(name)
    return tuple(names)  # type: ignore[arg-type]  # all checked to be str above


def _table_from_rows(rows: Sequence[Mapping[Any, Any]], where: str) -> _Table:
    names = _check_names(list(dict.fromkeys(k for r in rows for k in r)), where)
    n = len(rows)
    cols = {name: _object_array([r.get(name) for r in rows], n) for name in names}

    def read(name: str, as_time: bool) -> NDArray[Any]:
        return cols[name]

    return _Table(names, n, read)


def _rows_from_iterable(records: Iterable[Any]) -> list[Mapping[Any, Any]]:
    rows: list[Mapping[Any, Any]] = []
    for i, rec in enumerate(records):
        if not isinstance(rec, Mapping):
            raise SchemaError(
                f"Row {i}: expected a mapping (such as a dict) of column name to value, "
                f"got {_short_repr(rec)} ({type(rec).__name__}). Pass an iterable of dicts, "
                "a DataFrame, a pyarrow Table or a path to a CSV / JSON Lines / Parquet file.",
                row=i,
                value=rec,
            )
        rows.append(rec)
    return rows


def _datetime64_seconds(values: NDArray[Any]) -> NDArray[np.float64]:
    seconds = (values - np.datetime64(0, "s")) / np.timedelta64(1, "s")
    return np.asarray(seconds, dtype=np.float64)


def _pandas_table(df: Any) -> _Table:
    pd = import_optional("pandas", feature="Reading a pandas DataFrame")
    names = _check_names(list(df.columns), "the DataFrame")
    position = {name: i for i, name in enumerate(names)}

    def read(name: str, as_time: bool) -> NDArray[Any] | _Times:
        series = df.iloc[:, position[name]]
        dtype = series.dtype
        if as_time and isinstance(dtype, pd.DatetimeTZDtype):
            utc = series.dt.tz_convert("UTC").dt.tz_localize(None)
            return _Times(_datetime64_seconds(utc.to_numpy()), aware=True)
        if as_time and isinstance(dtype, np.dtype) and dtype.kind == "M":
            return _Times(_datetime64_seconds(series.to_numpy()), aware=False)
        if isinstance(dtype, np.dtype) and dtype.kind in "iuf":
            return np.asarray(series.to_numpy())
        return np.asarray(series.to_numpy(dtype=object, na_value=None), dtype=object)

    return _Table(names, len(df), read)


def _polars_table(df: Any) -> _Table:
    pl = import_optional("polars", feature="Reading a polars DataFrame")
    names = _check_names(list(df.columns), "the DataFrame")

    def read(name: str, as_time: bool) -> NDArray[Any] | _Times:
        series = df.get_column(name)
        dtype = series.dtype
        if as_time and isinstance(dtype, pl.Datetime):
            if dtype.time_zone is None:
                return _Times(_datetime64_seconds(series.to_numpy()), aware=False)
            utc = series.dt.convert_time_zone("UTC").dt.replace_time_zone(None)
            return _Times(_datetime64_seconds(utc.to_numpy()), aware=True)
        if as_time and dtype == pl.Date:
            return _Times(_datetime64_seconds(series.to_numpy()), aware=False)
        if (dtype.is_integer() or dtype.is_float()) and series.null_count() == 0:
            return np.asarray(series.to_numpy())
        return _object_array(series.to_list(), len(series))

    return _Table(names, df.height, read)


def _arrow_seconds(column: Any, pa: Any) -> NDArray[np.float64]:
    per_second = {"s": 1, "ms": 1_000, "us": 1_000_000, "ns": 1_000_000_000}[column.type.unit]
    raw = np.asarray(column.cast(pa.int64()).fill_null(0).to_numpy(), dtype=np.int64)
    whole, part = np.divmod(raw, per_second)
    seconds = whole.astype(np.float64) + part.astype(np.float64) / per_second
    seconds[np.asarray(column.is_null().to_numpy(), dtype=bool)] = np.nan
    return seconds


def _arrow_table(table: Any) -> _Table:
    pa = import_optional("pyarrow", feature="Reading a pyarrow Table")
    if is_instance_of(table, "pyarrow", "RecordBatch"):
        table = pa.Table.from_batches([table])
    names = _check_names(list(table.column_names), "the Table")

    def read(name: str, as_time: bool) -> NDArray[Any] | _Times:
        column = table.column(name)
        kind = column.type
        if as_time and pa.types.is_timestamp(kind):
            return _Times(_arrow_seconds(column, pa), aware=kind.tz is not None)
        if as_time and pa.types.is_date(kind):
            return _Times(_arrow_seconds(column.cast(pa.timestamp("s")), pa), aware=False)
        numeric = pa.types.is_integer(kind) or pa.types.is_floating(kind)
        if numeric and column.null_count == 0:
            return np.asarray(column.to_numpy())
        return _object_array(column.to_pylist(), len(column))

    return _Table(names, table.num_rows, read)


@contextlib.contextmanager
def _csv_field_limit() -> Iterator[None]:
    # csv refuses fields over 128 KiB by default; very long comments are legitimate data.
    previous = csv.field_size_limit(_CSV_FIELD_LIMIT)
    try:
        yield
    finally:
        csv.field_size_limit(previous)


def _open_text(path: Path, gzipped: bool) -> IO[str]:
    if gzipped:
        return gzip.open(path, "rt", encoding="utf-8-sig", newline="")
    return open(path, encoding="utf-8-sig", newline="")


def _read_csv(path: Path, gzipped: bool) -> _Table:
    with _csv_field_limit(), _open_text(path, gzipped) as handle:
        reader = csv.reader(handle)
        header = next(reader, [])
        names = _check_names(header, f"the header of {path.name}")
        rows: list[list[str]] = []
        for line in reader:
            if not line:
                continue  # blank line
            if len(line) != len(names):
                raise SchemaError(
                    f"{path.name}, line {reader.line_num}: {len(line)} fields but the header "
                    f"has {len(names)}. Check the quoting and delimiters of the file.",
                    row=len(rows),
                )
            rows.append(line)
    n = len(rows)
    cols: dict[str, NDArray[Any]] = {}
    for j, name in enumerate(names):
        values = _object_array((r[j] for r in rows), n)
        values[values == ""] = None  # an empty CSV cell is the file's only way to say "missing"
        cols[name] = values

    def read(name: str, as_time: bool) -> NDArray[Any]:
        return cols[name]

    return _Table(names, n, read)


def _read_jsonl(path: Path, gzipped: bool) -> _Table:
    rows: list[Mapping[Any, Any]] = []
    with _open_text(path, gzipped) as handle:
        for lineno, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise SchemaError(
                    f"{path.name}, line {lineno}: not valid JSON ({exc.msg} at character "
                    f"{exc.pos}). Each line of a JSON Lines file must hold one JSON object.",
                    row=len(rows),
                    value=line[:_VALUE_REPR_LIMIT],
                ) from exc
            if not isinstance(obj, dict):
                raise SchemaError(
                    f"{path.name}, line {lineno}: expected a JSON object, got "
                    f"{type(obj).__name__} {_short_repr(obj)}.",
                    row=len(rows),
                    value=obj,
                )
            rows.append(obj)
    return _table_from_rows(rows, path.name)


def _read_path(path: Path) -> _Table:
    lower = path.name.lower()
    suffix = next((s for s in sorted(_SUFFIXES, key=len, reverse=True) if lower.endswith(s)), None)
    if suffix is None:
        raise ParameterError(
            "The 'records' parameter of ingest must be a path ending in "
            + ", ".join(_SUFFIXES)
            + f". Got {str(path)!r} instead."
        )
    gzipped = suffix.endswith(".gz")
    try:
        if suffix == ".parquet":
            import_optional("pyarrow", feature="Reading Parquet files")
            pq = import_optional("pyarrow.parquet", feature="Reading Parquet files")
            return _arrow_table(pq.read_table(path))
        if suffix.startswith(".csv"):
            return _read_csv(path, gzipped)
        return _read_jsonl(path, gzipped)
    except UnicodeDecodeError as exc:
        raise SchemaError(
            f"{path.name} is not UTF-8 text ({exc.reason} at byte {exc.start}). "
            "Re-encode the file as UTF-8."
        ) from exc


def _to_table(records: Any) -> _Table:
    if isinstance(records, str | os.PathLike):
        return _read_path(Path(records))
    if is_instance_of(records, "pandas", "DataFrame"):
        return _pandas_table(records)
    if is_instance_of(records, "polars", "LazyFrame"):
        return _polars_table(records.collect())
    if is_instance_of(records, "polars", "DataFrame"):
        return _polars_table(records)
    if is_instance_of(records, "pyarrow", "Table") or is_instance_of(
        records, "pyarrow", "RecordBatch"
    ):
        return _arrow_table(records)
    expected = (
        "an iterable of mappings, a pandas or polars DataFrame, a pyarrow Table or a path "
        "to a CSV / JSON Lines / Parquet file"
    )
    if isinstance(records, Mapping):
        raise ParameterError(
            f"The 'records' parameter of ingest must be {expected}. Got a single mapping "
            f"{_short_repr(records)} instead; wrap one record in a list: [record]."
        )
    if isinstance(records, bytes | bytearray) or not isinstance(records, Iterable):
        raise ParameterError(
            f"The 'records' parameter of ingest must be {expected}. "
            f"Got {_short_repr(records)} instead."
        )
    return _table_from_rows(_rows_from_iterable(records), "the records")


# --------------------------------------------------------------------------- schema


def _short_repr(value: object) -> str:
    text = repr(value)
    if len(text) > _VALUE_REPR_LIMIT:
        return text[: _VALUE_REPR_LIMIT - 3] + "..."
    return text


def _list_names(names: Iterable[str], limit: int = 20) -> str:
    names = list(names)
    shown = ", ".join(repr(n) for n in names[:limit])
    more = f", ... ({len(names) - limit} more)" if len(names) > limit else ""
    return f"[{shown}{more}]"


def _suggest(name: str, candidates: Sequence[str]) -> list[str]:
    """Candidates that look like *name*: same name in another case, usual synonyms, then
    close spellings (a synonym such as 'author_id' beats a look-alike such as 'account_type')."""
    folded = {c.casefold(): c for c in candidates}
    out = [folded[name.casefold()]] if name.casefold() in folded else []
    out += [folded[s] for s in _SYNONYMS.get(name, ()) if s in folded]
    out += [folded[c] for c in difflib.get_close_matches(name.casefold(), list(folded), n=3)]
    return list(dict.fromkeys(out))


def _check_columns_param(columns: object) -> dict[str, str]:
    if columns is None:
        return {}
    expected = "a mapping from your column names to canonical names, such as {'user': 'account_id'}"
    if not isinstance(columns, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in columns.items()
    ):
        raise ParameterError(
            f"The 'columns' parameter of ingest must be {expected}. "
            f"Got {_short_repr(columns)} instead."
        )
    targets = list(columns.values())
    if len(set(targets)) != len(targets):
        raise ParameterError(
            "The 'columns' parameter of ingest must map at most one column to each name. "
            f"Got {_short_repr(dict(columns))} instead."
        )
    return dict(columns)


def _check_timezone(timezone: object) -> ZoneInfo | None:
    if timezone is None:
        return None
    message = (
        "The 'timezone' parameter of ingest must be an IANA time-zone name such as 'UTC' "
        f"or 'Europe/Paris'. Got {_short_repr(timezone)} instead."
    )
    if not isinstance(timezone, str) or not timezone.strip():
        raise ParameterError(message)
    try:
        return ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ParameterError(message) from exc


def _apply_mapping(names: tuple[str, ...], mapping: Mapping[str, str]) -> dict[str, str]:
    """Return {final name: source name}, in the order of the source columns."""
    for source in mapping:
        if source not in names:
            hints = _suggest(source, names)
            hint = f" Did you mean {hints[0]!r}?" if hints else ""
            raise SchemaError(
                f"The 'columns' mapping names {source!r}, which is not a column of the "
                f"records.{hint} Columns seen: {_list_names(names)}.",
                column=source,
            )
    final: dict[str, str] = {}
    for name in names:
        target = mapping.get(name, name)
        if target in final:
            mapped = next(k for k, v in mapping.items() if v == target)
            raise SchemaError(
                f"Column {target!r} would appear twice: the records have a column "
                f"{target!r} and columns= maps {mapped!r} to it. Map one of them to another "
                f"name, e.g. columns={{{target!r}: {target + '_original'!r}}}.",
                column=target,
            )
        final[target] = name
    return final


def _check_schema(final: Mapping[str, str]) -> None:
    names = list(final)
    for required in _REQUIRED:
        if required in final:
            continue
        hints = [h for h in _suggest(required, names) if h not in CANONICAL_FIELDS]
        if hints:
            how = (
                f"Did you mean {hints[0]!r}? Map it with "
                f"columns={{{final[hints[0]]!r}: {required!r}}}."
            )
        else:
            how = f"Map your column with columns={{'<your column>': {required!r}}}."
        raise SchemaError(
            f"The records have no {required!r} column, which ingest requires. "
            f"Columns seen: {_list_names(names)}. {how}",
            column=required,
        )
    if all(name in _META_FIELDS for name in names):
        raise SchemaError(
            "The records have no content column: ingest needs at least one of "
            + ", ".join(repr(f) for f in _CONTENT_FIELDS)
            + " (or any other column besides "
            + ", ".join(repr(f) for f in sorted(_META_FIELDS))
            + f"). Columns seen: {_list_names(names)}.",
            column="text",
        )
    if "text" not in final:
        hints = [h for h in _suggest("text", names) if h not in CANONICAL_FIELDS]
        if hints:
            _LOG.info(
                "ingest: no 'text' column; %r looks like text. Map it with columns={%r: 'text'} "
                "to use the text layers.",
                hints[0],
                final[hints[0]],
            )


# --------------------------------------------------------------------------- values


_NEVER_MISSING = frozenset({str, int, bool, tuple, list, dict})


def _is_missing(value: object) -> bool:
    if value is None:
        return True
    if type(value) in _NEVER_MISSING:
        return False
    if isinstance(value, float | np.floating):
        return bool(np.isnan(value))
    if isinstance(value, np.datetime64 | np.timedelta64):
        return bool(np.isnat(value))
    # pandas.NA and pandas.NaT, recognised without importing pandas.
    return type(value).__name__ in ("NAType", "NaTType")


def _is_blank(value: object) -> bool:
    """Whether a (normalised or kept) value says nothing: missing, blank text, empty list."""
    if _is_missing(value):
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, tuple | list | set | frozenset | dict):
        return len(value) == 0
    return False


def _id_text(value: object) -> str | None:
    """An identifier as stripped text (numbers without a spurious '.0'), None if missing."""
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, bool | np.bool_):
        raise _Invalid("a boolean is not an identifier")
    if isinstance(value, int | np.integer):
        return str(int(value))
    if isinstance(value, float | np.floating):
        number = float(value)
        if math.isnan(number):
            return None
        if not math.isfinite(number):
            raise _Invalid("an infinite number is not an identifier")
        # Integer ids become floats when a CSV reader or pandas meets a missing value.
        return str(int(number)) if number.is_integer() else repr(number)
    if _is_missing(value):
        return None
    raise _Invalid(f"expected a string or a number, got {type(value).__name__}")


def _text(value: object) -> str | None:
    if isinstance(value, str):
        return value if value.strip() else None
    if _is_missing(value):
        return None
    if isinstance(value, int | float | np.integer | np.floating) and not isinstance(
        value, bool | np.bool_
    ):
        return str(value)
    raise _Invalid(f"expected text (a string), got {type(value).__name__}")


def _bracketed_list(text: str) -> list[Any] | None:
    """Parse '["a", "b"]' (JSON) or "['a', 'b']" (a Python list written to CSV)."""
    for parse in (json.loads, ast.literal_eval):
        try:
            parsed = parse(text)
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            continue
        if isinstance(parsed, list | tuple):
            return list(parsed)
    return None


def _items(value: object, field: str) -> tuple[str, ...]:
    """A list-like field value as distinct stripped strings, in first-seen order."""
    items: Sequence[Any]
    if isinstance(value, str):
        text = value.strip()
        parsed = _bracketed_list(text) if text.startswith("[") and text.endswith("]") else None
        if parsed is not None:
            items = parsed
        elif field == "url":
            return (text,) if text else ()
        elif "," not in text:
            return _tokens(text.split(), field)
        else:
            splitter = _URL_SPLIT_RE if field == "urls" else _LIST_SPLIT_RE
            return _tokens(splitter.split(text), field)
    elif type(value) is list:
        items = value
    elif _is_missing(value):
        return ()
    elif isinstance(value, list | tuple | np.ndarray):
        items = list(value)
    elif isinstance(value, set | frozenset):
        items = sorted(value, key=str)
    elif isinstance(value, int | np.integer) and not isinstance(value, bool | np.bool_):
        items = [value]
    else:
        raise _Invalid(f"expected a string or a list of strings, got {type(value).__name__}")
    if not all(type(item) is str for item in items):
        items = _item_strings(items)
    return _tokens([item.strip() for item in items], field)


def _tokens(items: list[str], field: str) -> tuple[str, ...]:
    """Stripped items -> distinct non-empty tokens without '#'/'@' or trailing commas."""
    prefix = _LIST_PREFIX.get(field)
    if prefix is not None:
        items = [item.lstrip(prefix).strip() for item in items]
    elif field == "urls":
        items = [item.rstrip(",") for item in items]
    return tuple(dict.fromkeys(item for item in items if item))


def _item_strings(items: Iterable[Any]) -> list[str]:
    """List elements as strings: missing ones dropped, integers written out, others invalid."""
    out: list[str] = []
    for item in items:
        if isinstance(item, str):
            out.append(item)
        elif isinstance(item, int | np.integer) and not isinstance(item, bool | np.bool_):
            out.append(str(item))
        elif not _is_missing(item):
            raise _Invalid(f"expected strings in the list, got {type(item).__name__}")
    return out


class _Problems:
    """The first problem of each row, in the order columns are checked."""

    __slots__ = ("by_row",)

    def __init__(self) -> None:
        self.by_row: dict[int, tuple[str, object, str]] = {}

    def add(self, row: int, column: str, value: object, reason: str) -> None:
        self.by_row.setdefault(row, (column, value, reason))


def _map_values(
    raw: NDArray[Any],
    convert: Callable[[Any], Any],
    column: str,
    problems: _Problems,
) -> NDArray[np.object_]:
    out: list[Any] = []
    append = out.append
    # Real comment data repeat strings (bot networks most of all): convert each once.
    memo: dict[str, Any] = {}
    for i, value in enumerate(raw.tolist()):
        if type(value) is str and value in memo:
            append(memo[value])
            continue
        try:
            result = convert(value)
        except _Invalid as exc:
            result = None
            problems.add(i, column, value, exc.reason)
        else:
            if type(value) is str:
                memo[value] = result
        append(result)
    return _object_array(out, len(out))


def _naive_error(row: int, column: str, value: object) -> SchemaError:
    return SchemaError(
        f"Row {row}, column {column!r}: {_short_repr(value)} has no UTC offset, so the moment "
        "it names depends on where it was recorded; pass timezone='UTC' (or the zone the data "
        "were recorded in), or give times with an offset such as '2024-05-01T12:00:00+02:00'.",
        row=row,
        column=column,
        value=value,
    )


def _parse_text_time(text: str) -> datetime:
    """Parse ISO 8601 (and two common exports of it); raise _Invalid otherwise."""
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        pass
    candidate = text.upper()
    if candidate.endswith(_UTC_SUFFIXES):
        candidate = candidate[:-4] + "+00:00"
    try:
        return datetime.fromisoformat(candidate)
    except ValueError:
        pass
    try:  # Twitter API v1 'created_at', e.g. 'Wed Oct 10 20:19:24 +0000 2018'
        return datetime.strptime(text, _TWITTER_FORMAT)
    except ValueError:
        pass
    raise _Invalid(
        "cannot read this as a time: expected ISO 8601 with a UTC offset "
        "(e.g. '2024-05-01T12:00:00+02:00' or '...Z'), epoch seconds or milliseconds, "
        "or a datetime"
    )


def _localise(wall: NDArray[np.float64], zone: ZoneInfo) -> NDArray[np.float64]:
    """Wall-clock seconds in *zone* -> UTC epoch seconds (NaN where out of range)."""
    unique, inverse = np.unique(wall, return_inverse=True)
    converted = np.empty(unique.shape[0], dtype=np.float64)
    for j, seconds in enumerate(unique.tolist()):
        try:
            moment = _EPOCH_NAIVE + timedelta(seconds=seconds)
            converted[j] = moment.replace(tzinfo=zone).timestamp()
        except OverflowError:
            converted[j] = np.nan
    return converted[inverse.reshape(-1)]


def _times_column(
    raw: _Times, column: str, zone: ZoneInfo | None, problems: _Problems
) -> NDArray[np.float64]:
    seconds = raw.seconds.copy()
    if raw.aware:
        return seconds
    present = np.flatnonzero(~np.isnan(seconds))
    if present.size == 0:
        return seconds
    if zone is None:
        row = int(present[0])
        wall = np.datetime64(round(float(seconds[row]) * 1e6), "us")
        raise _naive_error(row, column, wall)
    seconds[present] = _localise(seconds[present], zone)
    for row in present[np.isnan(seconds[present])].tolist():
        problems.add(row, column, raw.seconds[row], "outside the range of representable times")
    return seconds


def _numeric_times(
    values: NDArray[np.float64],
    rows: NDArray[np.int64],
    out: NDArray[np.float64],
    column: str,
    problems: _Problems,
    originals: Sequence[object] | NDArray[Any],
) -> None:
    """Store epoch numbers at *rows* of *out*, deciding seconds or milliseconds once."""
    finite = np.isfinite(values)
    scale = 1.0
    if finite.any() and float(np.median(np.abs(values[finite]))) > _MS_THRESHOLD:
        scale = 1000.0
    out[rows[finite]] = values[finite] / scale
    for k in np.flatnonzero(~finite & ~np.isnan(values)).tolist():
        problems.add(int(rows[k]), column, originals[k], "not a finite number")


def _time_value(value: object, zone: ZoneInfo | None, row: int, column: str) -> float:
    """Epoch seconds of one non-numeric, non-missing value."""
    moment: datetime
    if isinstance(value, str):
        moment = _parse_text_time(value.strip())
    elif isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime(value.year, value.month, value.day)
    elif isinstance(value, np.datetime64):
        wall = float(_datetime64_seconds(np.asarray([value]))[0])
        if zone is None:
            raise _naive_error(row, column, value)
        return float(_localise(np.asarray([wall]), zone)[0])
    else:
        raise _Invalid(f"expected a time (string, number or datetime), got {type(value).__name__}")
    if moment.utcoffset() is None:
        if zone is None:
            raise _naive_error(row, column, value)
        moment = moment.replace(tzinfo=zone)
    try:
        return moment.timestamp()
    except (OverflowError, ValueError) as exc:
        raise _Invalid("outside the range of representable times") from exc


def _parse_times(
    raw: NDArray[Any] | _Times,
    column: str,
    zone: ZoneInfo | None,
    problems: _Problems,
) -> NDArray[np.float64]:
    """Times of one column as UTC epoch seconds, NaN where missing or invalid."""
    if isinstance(raw, _Times):
        return _times_column(raw, column, zone, problems)
    n = raw.shape[0]
    if raw.dtype.kind == "M":
        return _times_column(_Times(_datetime64_seconds(raw), aware=False), column, zone, problems)
    if raw.dtype.kind in "iuf":
        out = np.full(n, np.nan, dtype=np.float64)
        values = np.asarray(raw, dtype=np.float64)
        _numeric_times(values, np.arange(n, dtype=np.int64), out, column, problems, raw)
        return out
    times: list[float] = [math.nan] * n
    memo: dict[str, float] = {}
    number_rows: list[int] = []
    numbers: list[float] = []
    originals: list[object] = []
    for i, value in enumerate(raw.tolist()):
        try:
            if type(value) is str and value in memo:
                times[i] = memo[value]
            elif isinstance(value, str):
                text = value.strip()
                if not text:
                    continue
                if _NUMBER_RE.fullmatch(text):
                    number_rows.append(i)
                    numbers.append(float(text))
                    originals.append(value)
                    continue
                times[i] = memo[value] = _time_value(text, zone, i, column)
            elif isinstance(value, bool | np.bool_):
                raise _Invalid("a boolean is not a time")
            elif isinstance(value, int | float | np.integer | np.floating):
                if not math.isnan(value):
                    number_rows.append(i)
                    numbers.append(float(value))
                    originals.append(value)
            elif not _is_missing(value):
                times[i] = _time_value(value, zone, i, column)
        except _Invalid as exc:
            problems.add(i, column, value, exc.reason)
    out = np.asarray(times, dtype=np.float64)
    if number_rows:
        rows = np.asarray(number_rows, dtype=np.int64)
        _numeric_times(np.asarray(numbers), rows, out, column, problems, originals)
    return out


def _keep(raw: NDArray[Any]) -> NDArray[np.object_]:
    """An unknown column as an object array with None for every missing marker."""
    values = raw.tolist() if raw.dtype != object else raw
    return _object_array((None if _is_missing(v) else v for v in values), raw.shape[0])


# --------------------------------------------------------------------------- assembly


def _content_problem_column(final: Mapping[str, str]) -> str:
    return "text" if "text" in final else next(n for n in final if n not in _META_FIELDS)


def _row_error(row: int, column: str, value: object, reason: str, source: str) -> SchemaError:
    where = f"column {column!r}" + (f" (your column {source!r})" if source != column else "")
    return SchemaError(
        f"Row {row}, {where}: {reason}; got {_short_repr(value)}. Fix the record, or pass "
        "on_invalid='drop' to set invalid records aside (they are listed in Records.rejected).",
        row=row,
        column=column,
        value=value,
    )


def _missing_mask(values: NDArray[np.object_]) -> NDArray[np.bool_]:
    return np.fromiter((v is None for v in values), dtype=bool, count=values.shape[0])


def _readonly(values: NDArray[Any]) -> NDArray[Any]:
    values.setflags(write=False)
    return values


def _build(
    table: _Table,
    final: Mapping[str, str],
    zone: ZoneInfo | None,
    on_invalid: str,
) -> Records:
    n = table.n_rows
    problems = _Problems()

    def raw(name: str, as_time: bool = False) -> NDArray[Any] | _Times:
        return table.read(final[name], as_time)

    def raw_values(name: str) -> NDArray[Any]:
        values = raw(name)
        assert not isinstance(values, _Times)  # only time reads return _Times
        return values

    # Columns are checked in this order; a row is reported at its first problem.
    account_raw = raw_values("account_id")
    account = _map_values(account_raw, _id_text, "account_id", problems)
    for i in np.flatnonzero(_missing_mask(account)).tolist():
        problems.add(i, "account_id", account_raw[i], "account_id is missing or empty")

    timestamp = _parse_times(raw("timestamp", True), "timestamp", zone, problems)
    time_raw: NDArray[Any] | None = None
    for i in np.flatnonzero(np.isnan(timestamp)).tolist():
        if i not in problems.by_row:
            if time_raw is None:
                time_raw = raw_values("timestamp")
            problems.add(i, "timestamp", time_raw[i], "the time is missing")

    fields: dict[str, NDArray[Any]] = {}
    if "account_created_at" in final:
        fields["account_created_at"] = _parse_times(
            raw("account_created_at", True), "account_created_at", zone, problems
        )

    if "record_id" in final:
        given = _map_values(raw_values("record_id"), _id_text, "record_id", problems)
        record_id = _object_array((str(i) if v is None else v for i, v in enumerate(given)), n)
    else:
        record_id = _object_array((str(i) for i in range(n)), n)

    for name in final:
        if name in _META_FIELDS or name == "url":
            continue
        if name == "text":
            values = _map_values(raw_values(name), _text, name, problems)
        elif name in _ID_FIELDS:
            values = _map_values(raw_values(name), _id_text, name, problems)
        elif name in ("urls", "hashtags", "mentions"):
            values = _map_values(raw_values(name), partial(_items, field=name), name, problems)
        else:
            values = _keep(raw_values(name))
        fields[name] = values
    for name in ("platform", "lang"):
        if name in final:
            fields[name] = _map_values(raw_values(name), _id_text, name, problems)
    if "url" in final:
        single = _map_values(raw_values("url"), partial(_items, field="url"), "url", problems)
        if "urls" in fields:
            pairs = zip(single, fields["urls"], strict=True)
            merged = (tuple(dict.fromkeys(a + b)) for a, b in pairs)
            fields["urls"] = _object_array(merged, n)
        else:
            fields["urls"] = single
    has_content = _content_mask(fields, n)

    if not has_content.all():
        column = _content_problem_column(final)
        source = raw_values(column)
        listed = ", ".join(name for name in final if name not in _META_FIELDS)
        for i in np.flatnonzero(~has_content).tolist():
            problems.add(i, column, source[i], f"the record has no content ({listed} all empty)")

    keep = np.ones(n, dtype=bool)
    rejected: tuple[RejectedRow, ...] = ()
    if problems.by_row:
        first = min(problems.by_row)
        column, value, reason = problems.by_row[first]
        if on_invalid == "raise":
            raise _row_error(first, column, value, reason, final.get(column, column))
        keep[list(problems.by_row)] = False
        rejected = tuple(
            RejectedRow(row, col, _short_repr(val), why)
            for row, (col, val, why) in sorted(problems.by_row.items())
        )
        _LOG.warning(
            "ingest: set aside %d of %d records as invalid (first: row %d, column %r: %s); "
            "see Records.rejected",
            len(rejected),
            n,
            first,
            column,
            reason,
        )

    account_kept = account[keep]
    accounts, code = np.unique(account_kept, return_inverse=True)
    return Records(
        account_id=_readonly(account_kept),
        timestamp=_readonly(timestamp[keep]),
        record_id=_readonly(record_id[keep]),
        row=_readonly(np.flatnonzero(keep).astype(np.int64)),
        accounts=_readonly(accounts),
        account_code=_readonly(code.reshape(-1).astype(np.int64)),
        fields=_ReadOnlyFields({k: _readonly(v[keep]) for k, v in fields.items()}),
        rejected=rejected,
        n_input=n,
    )


def _content_mask(fields: Mapping[str, NDArray[Any]], n: int) -> NDArray[np.bool_]:
    """Whether each record carries anything besides who, when and where."""
    mask = np.zeros(n, dtype=bool)
    for name, values in fields.items():
        if name in _META_FIELDS:
            continue
        if name in _CONTENT_FIELDS:
            # Normalised: None, a non-blank string or a tuple, so truthiness is presence.
            mask |= values.astype(bool)
        else:
            mask |= ~np.frompyfunc(_is_blank, 1, 1)(values).astype(bool)
    return mask


def ingest(
    records: Any,
    *,
    columns: Mapping[str, str] | None = None,
    timezone: str | None = None,
    on_invalid: Literal["raise", "drop"] = "raise",
) -> Records:
    """Validate caller records and return them in columnar form.

    Parameters
    ----------
    records : iterable of mappings, DataFrame, pyarrow Table, path or Records
        The comments or posts to analyse, one record per action. Accepted: an
        iterable of mappings (list of dicts, generator), a pandas or polars
        DataFrame (or polars LazyFrame, collected), a pyarrow Table or
        RecordBatch, a path (``str`` or ``os.PathLike``) to a CSV (``.csv``,
        ``.csv.gz``), JSON Lines (``.jsonl``, ``.ndjson``, ``.jsonl.gz``,
        ``.ndjson.gz``) or Parquet (``.parquet``, needs pyarrow) file, or a
        :class:`Records` (returned unchanged).
    columns : mapping of str to str, optional
        Renames your columns to canonical names before anything else, e.g.
        ``{"user": "account_id", "created": "timestamp"}``. Columns not named
        keep their names.
    timezone : str, optional
        IANA zone (e.g. ``"UTC"``, ``"Europe/Paris"``) in which times *without*
        a UTC offset are interpreted. By default such times are an error.
    on_invalid : {"raise", "drop"}, default "raise"
        What to do with invalid records: raise a :class:`SchemaError` for the
        first one, or set them aside in :attr:`Records.rejected` (with a logged
        warning giving their number) and keep the rest.

    Returns
    -------
    Records
        The valid records in input order; ``n_input`` counts every record read.

    Raises
    ------
    SchemaError
        When there are no records; a required column (``account_id``,
        ``timestamp``) is missing (the message lists the columns seen and
        suggests close names); no content column exists; a ``columns=`` key is
        not a column of the data; a time has no UTC offset and no ``timezone``
        is given; a file is malformed; or, with ``on_invalid="raise"``, a record
        is invalid (the message names the row, the column and the value).
    ParameterError
        When ``records`` is of an unsupported type, or ``columns``,
        ``timezone`` or ``on_invalid`` is malformed, or ``columns`` /
        ``timezone`` is given together with a :class:`Records`.
    MissingDependencyError
        When reading Parquet without pyarrow installed.

    Notes
    -----
    **Times.** ``timestamp`` and ``account_created_at`` become float64 UTC
    seconds since 1970-01-01T00:00:00Z. Accepted values:

    - ISO 8601 strings with an offset or ``Z`` (``2024-05-01T12:00:00+02:00``,
      ``2024-05-01 10:00:00Z``; a space may replace ``T``; fractional seconds
      beyond microseconds are truncated). Case is ignored, a trailing
      word ``UTC`` or ``GMT`` after a space counts as ``+00:00``; Twitter's ``created_at``
      form (``Wed Oct 10 20:19:24 +0000 2018``) is read too. Offsets may
      differ from record to record; each is converted.
    - Numbers, and strings that are plain decimal numbers, are Unix epoch
      times. Each column is either seconds or milliseconds as a whole: if the
      median of :math:`|x|` over its finite numbers exceeds :math:`10^{11}` it
      is milliseconds (:math:`10^{11}` s is the year 5138, :math:`10^{11}` ms
      is 1973). So compact dates such as ``"20240501"`` are read as epoch
      seconds: write them in ISO form instead. ``timezone`` never applies to
      epoch numbers, which are UTC by definition.
    - ``datetime.datetime`` (and ``pandas.Timestamp``), ``datetime.date``
      (midnight), ``numpy.datetime64``, and date-time columns of pandas,
      polars and pyarrow. Time-zone-aware values are converted to UTC.
    - Naive values (no offset: ISO strings without one, dates, naive
      datetimes, every ``numpy.datetime64``) are interpreted in ``timezone``.
      Without ``timezone`` they raise a :class:`SchemaError`, also under
      ``on_invalid="drop"``: they signal a missing setting, not a bad record.
      A wall-clock time that occurs twice at the end of summer time takes the
      first (earlier) occurrence; one skipped at its start is read with the
      offset in force before the change (Python's ``fold=0`` rule, PEP 495).

    Missing times, and non-finite or unreadable ones, make the record invalid
    (for ``account_created_at``, missing is NaN and only unreadable values are
    invalid).

    **Invalid records.** A record is invalid when ``account_id`` is missing or
    empty, ``timestamp`` is missing, unreadable or non-finite, a value has an
    unusable type (e.g. a dict as ``text``), or it has no content: every
    content column (``text``, ``url``/``urls``, ``hashtags``, ``mentions``,
    ``target_id``, ``post_id`` and unknown columns) is empty for it. Each
    invalid record is reported once, at the first problem found in the order
    account_id, timestamp, account_created_at, record_id, other columns,
    content. Malformed input (a row that is not a mapping, a CSV line with the
    wrong number of fields, a JSON Lines line that is not a JSON object)
    always raises.

    **Values.** Account ids, ``target_id``, ``post_id``, ``record_id``,
    ``platform`` and ``lang`` become stripped strings; integral numbers lose
    the ``.0`` that missing values force on numeric columns (``42.0`` becomes
    ``"42"``; ids beyond :math:`2^{53}` stored as floats have already lost
    digits). A missing ``record_id`` becomes the row number as text. ``text``
    is kept exactly (control characters included; normalisation happens in
    :func:`botgraph.traces.traces`); blank text counts as missing. ``url`` and
    ``urls`` merge into ``fields["urls"]``; ``urls``, ``hashtags`` and
    ``mentions`` accept a list or a string separated by whitespace or commas
    (for URLs only commas followed by a space or a new URL separate, so
    commas inside a URL survive; a string such as ``"['a', 'b']"`` is read as
    the list it spells); a leading ``#`` or ``@`` is stripped; each becomes a
    tuple of distinct strings in first-seen order. Hashtags and mentions are
    not extracted from text here. Unknown columns are kept unchanged except
    that missing markers (None, NaN, ``pandas.NA``, ``NaT``, an empty CSV
    cell) become None. Duplicate records are kept. Row numbers are 0-based
    positions in the input (a DataFrame's index is ignored; blank lines of a
    file are not counted). The caller's data are never modified, and the
    returned arrays are read-only.

    Zero records raise a :class:`SchemaError`: nothing can be checked or
    detected. If ``on_invalid="drop"`` rejects every record, the result is
    empty and the warning says so.

    References
    ----------
    .. [1] ISO 8601-1:2019, Date and time -- Representations for information
       interchange. RFC 3339 (2002) profiles it for the Internet.
    .. [2] IANA Time Zone Database, https://www.iana.org/time-zones
    .. [3] PEP 495 -- Local Time Disambiguation, https://peps.python.org/pep-0495/

    Examples
    --------
    >>> from botgraph.ingest import ingest
    >>> recs = ingest([
    ...     {"user": "alice", "time": "2024-05-01T12:00:00Z", "text": "Bonjour"},
    ...     {"user": 42, "time": 1714565100, "text": "Hello"},
    ...     {"user": "", "time": 1714565200, "text": "?"},
    ... ], columns={"user": "account_id", "time": "timestamp"}, on_invalid="drop")
    >>> recs.account_id.tolist(), recs.timestamp.tolist()
    (['alice', '42'], [1714564800.0, 1714565100.0])
    >>> recs.rejected[0].row, recs.rejected[0].column, recs.n_input
    (2, 'account_id', 3)
    """
    check_choice(on_invalid, "on_invalid", "ingest", ("raise", "drop"))
    zone = _check_timezone(timezone)
    mapping = _check_columns_param(columns)
    if isinstance(records, Records):
        if mapping or timezone is not None:
            raise ParameterError(
                "The 'columns' and 'timezone' parameters of ingest must be None when records "
                f"are already ingested Records. Got columns={columns!r}, timezone={timezone!r} "
                "instead."
            )
        return records
    table = _to_table(records)
    if table.n_rows == 0:
        raise SchemaError(
            "ingest received no records (0 rows), so there is nothing to validate or analyse. "
            "Check that the input is not empty (and that a generator was not consumed already)."
        )
    final = _apply_mapping(table.names, mapping)
    _check_schema(final)
    return _build(table, final, zone, on_invalid)
