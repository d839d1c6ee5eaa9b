"""Ingest: turn caller records into validated, columnar :class:`Records`.

The first stage of the pipeline. It accepts the shapes analysts hold their data
in (a list of dicts, a pandas or polars DataFrame, a pyarrow Table, a CSV / JSON
Lines / Parquet file), maps column names, parses times to UTC epoch seconds,
checks every record and returns one numpy array per column. Records that cannot
be used either raise a :class:`~botgraph.errors.SchemaError` naming the row, the
column and the value, or, with ``on_invalid="drop"``, are set aside and counted.

Two builders give the same :class:`Records`: ``_build`` checks one value at a time
(without pyarrow); ``_build_columnar`` works a column at a time with pyarrow and
numpy and hands anything unusual to the same per-value rules, row by row.
"""

from __future__ import annotations

import ast
import codecs
import contextlib
import csv
import difflib
import gzip
import json
import logging
import math
import os
import re
import sys
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import partial
from itertools import chain, repeat
from operator import itemgetter
from pathlib import Path
from typing import IO, Any, Literal, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
from numpy.typing import NDArray

from botgraph._factorized import remember
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
class _Column:
    """One input column as Arrow data, for the columnar path.

    ``values`` is what the row-wise reader returns for the column when it has been
    built already (pandas, CSV); otherwise elements are taken from ``data`` the way
    :func:`_arrow_table` reads them, so that messages and rejected rows quote the very
    values the row-wise path would quote.
    """

    data: Any  # pyarrow Array or ChunkedArray
    values: NDArray[Any] | None = None

    def _taken(self, rows: NDArray[np.int64]) -> Any:
        return self.data.take(_pyarrow().array(rows, type=_pyarrow().int64()))

    def direct(self, rows: NDArray[np.int64]) -> list[Any]:
        """Elements at *rows* as ``read(name, False)[i]`` gives them."""
        if self.values is not None:
            values = self.values
            return [values[i] for i in rows.tolist()]
        taken = self._taken(rows)
        if _numeric_without_nulls(self.data):
            return list(np.asarray(taken.to_numpy()))
        return list(taken.to_pylist())

    def python(self, rows: NDArray[np.int64]) -> list[Any]:
        """Elements at *rows* as ``read(name, False).tolist()`` gives them."""
        if self.values is not None:
            return list(self.values[rows].tolist())
        taken = self._taken(rows)
        if _numeric_without_nulls(self.data):
            return list(np.asarray(taken.to_numpy()).tolist())
        return list(taken.to_pylist())


@dataclass(frozen=True, slots=True)
class _Table:
    """Column-wise view of the caller's input, read lazily one column at a time.

    ``column`` gives a column as Arrow data for the columnar path (None for a column
    that path cannot take); it is None for inputs read row by row.
    """

    names: tuple[str, ...]
    n_rows: int
    read: _Reader
    column: Callable[[str], _Column | None] | None = None


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
    names = _check_names(list(dict.fromkeys(chain.from_iterable(rows))), where)
    n = len(rows)
    if all(type(r) is dict for r in rows):  # dict.get through map: no Python frame per row
        dicts = cast("Sequence[dict[Any, Any]]", rows)
        cols = {name: _object_array(map(dict.get, dicts, repeat(name)), n) for name in names}
    else:
        cols = {name: _object_array([r.get(name) for r in rows], n) for name in names}

    def read(name: str, as_time: bool) -> NDArray[Any]:
        return cols[name]

    def column(name: str) -> _Column | None:
        return _column_from_objects(cols[name])

    return _Table(names, n, read, column if _has_pyarrow() else None)


def _rows_from_iterable(records: Iterable[Any]) -> list[Mapping[Any, Any]]:
    rows: list[Mapping[Any, Any]] = list(records)
    if all(type(rec) is dict for rec in rows):  # the usual case, checked quickly
        return rows
    for i, rec in enumerate(rows):
        if not isinstance(rec, Mapping):
            raise SchemaError(
                f"Row {i}: expected a mapping (such as a dict) of column name to value, "
                f"got {_short_repr(rec)} ({type(rec).__name__}). Pass an iterable of dicts, "
                "a DataFrame, a pyarrow Table or a path to a CSV / JSON Lines / Parquet file.",
                row=i,
                value=rec,
            )
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

    def column(name: str) -> _Column | None:
        series = df.iloc[:, position[name]]
        if isinstance(series.dtype, pd.StringDtype):
            # Arrow holds exactly the str and missing values that read() returns.
            return _Column(_pyarrow().array(series.array))
        values = read(name, False)
        assert not isinstance(values, _Times)  # only time reads return _Times
        if values.dtype != object:
            return _Column(_pyarrow().array(values), values)
        return _column_from_objects(values)

    return _Table(names, len(df), read, column if _has_pyarrow() else None)


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

    def column(name: str) -> _Column | None:
        # Only types whose Arrow values are exactly what Series.to_list() gives.
        data = df.get_column(name).to_arrow()
        return _Column(data) if _polars_exact_type(data.type, _pyarrow()) else None

    return _Table(names, df.height, read, column if _has_pyarrow() else None)


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

    def arrow_column(name: str) -> _Column:
        return _Column(table.column(name))

    return _Table(names, table.num_rows, read, arrow_column)


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


def _csv_rows(path: Path, gzipped: bool) -> tuple[tuple[str, ...], list[list[str]]]:
    """Header and rows of a CSV file, line by line: raises at the file's first problem."""
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
    return names, rows


def _file_bytes(path: Path, gzipped: bool) -> bytes | None:
    """The bytes of a text file without its byte-order mark (as the 'utf-8-sig' codec
    reads it); None when it cannot be read, for the standard-library reader to raise
    the error."""
    try:
        data = gzip.decompress(path.read_bytes()) if gzipped else path.read_bytes()
    except (OSError, EOFError, zlib.error):
        return None
    return data.removeprefix(codecs.BOM_UTF8)


def _read_csv_arrow(path: Path, gzipped: bool) -> _Table | None:
    """Read a CSV file with pyarrow; None when the csv module must read it.

    Taken when the file has no NUL byte, no carriage return outside a ``\r\n`` and
    well-formed quoting (:func:`_quoted_fields`): then both readers split it into the
    same cells. Any other file, and any file pyarrow rejects (bad UTF-8, a line with
    too many fields, a row longer than a read block ...), is left to the csv module,
    which reads it as before and raises the same errors.
    """
    if not _has_pyarrow():
        return None
    pa = _pyarrow()
    pacsv = import_optional("pyarrow.csv", feature="Reading CSV files")
    data = _file_bytes(path, gzipped)
    if data is None or b"\x00" in data or not _crlf_only(data):
        return None
    fields = _quoted_fields(data)
    if fields is None:
        return None
    header_end, multiline = fields
    try:
        header = next(csv.reader([data[:header_end].decode("utf-8")]), [])
    except (UnicodeDecodeError, csv.Error):
        return None
    if not header or len(set(header)) != len(header):
        return None
    strings = {name: pa.large_string() for name in header}
    try:
        table = pacsv.read_csv(
            pa.py_buffer(data)[min(header_end + 1, len(data)) :],
            read_options=pacsv.ReadOptions(column_names=header),
            parse_options=pacsv.ParseOptions(
                quote_char='"',
                double_quote=True,
                escape_char=False,
                newlines_in_values=multiline,
            ),
            convert_options=pacsv.ConvertOptions(
                column_types=strings, strings_can_be_null=True, null_values=[""]
            ),
        )
    except pa.ArrowException:
        return None
    _LOG.debug("ingest: read %s with pyarrow.csv", path.name)
    return _arrow_table(table)


#: Bytes of a file scanned at a time for quotes and line ends: bounds the positions held.
_SCAN_BLOCK = 1 << 26


def _quoted_fields(data: bytes) -> tuple[int, bool] | None:
    """Where the header of CSV *data* ends and whether a quoted cell holds a line break;
    None when its quoting is not well formed.

    Well formed, as RFC 4180 writes it: a quote opens a cell only at the start of a
    cell, a doubled quote inside a quoted cell stands for one quote, and a closing
    quote is followed by a comma, a line end or the end of the data. Quotes then
    alternate between opening and closing (a doubled quote closes and reopens), so
    a character is inside quotes when an odd number of quotes precede it. Other
    uses of the quote character are read differently by different readers.

    The data are scanned :data:`_SCAN_BLOCK` bytes at a time, carrying the number of
    quotes seen and the last closing quote from block to block.
    """
    raw = np.frombuffer(data, dtype=np.uint8)
    size = raw.shape[0]
    seen = 0  # quotes before the block
    last_closing = -2  # position of the last closing quote before the block
    header_end = size
    multiline = False
    for lo in range(0, size, _SCAN_BLOCK):
        block = raw[lo : lo + _SCAN_BLOCK]
        quotes = np.flatnonzero(block == ord('"')) + lo
        breaks = np.flatnonzero(block == ord("\n")) + lo
        first = seen % 2  # 0: the block's first quote opens a cell
        opening, closing = quotes[first::2], quotes[1 - first :: 2]
        before = raw[np.maximum(opening - 1, 0)]
        starts_cell = (opening == 0) | (before == ord(",")) | (before == ord("\n"))
        previous = np.concatenate(([last_closing], closing)) if first == 0 else closing
        reopens = opening == previous[: opening.shape[0]] + 1
        after = raw[np.minimum(closing + 1, size - 1)]
        ends_cell = (closing + 1 == size) | (after == ord(",")) | (after == ord("\n"))
        ends_cell |= (after == ord("\r")) | (after == ord('"'))  # \r is part of \r\n here
        if not ((starts_cell | reopens).all() and ends_cell.all()):
            return None
        inside = (seen + np.searchsorted(quotes, breaks)) % 2 == 1
        multiline = multiline or bool(inside.any())
        outside = breaks[~inside]
        if header_end == size and outside.shape[0]:
            header_end = int(outside[0])
        seen += quotes.shape[0]
        if closing.shape[0]:
            last_closing = int(closing[-1])
    if seen % 2:
        return None
    return header_end, multiline


def _byte_positions(raw: NDArray[np.uint8], byte: int) -> NDArray[np.int64]:
    """Positions of *byte* in *raw*, scanned :data:`_SCAN_BLOCK` bytes at a time (no
    mask of the whole file)."""
    parts = [
        np.flatnonzero(raw[lo : lo + _SCAN_BLOCK] == byte) + lo
        for lo in range(0, raw.shape[0], _SCAN_BLOCK)
    ]
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)


def _crlf_only(data: bytes) -> bool:
    """Whether every carriage return in *data* is part of a ``\\r\\n`` line end."""
    if b"\r" not in data:
        return True
    raw = np.frombuffer(data, dtype=np.uint8)
    returns = _byte_positions(raw, ord("\r"))
    return bool(returns[-1] + 1 < raw.shape[0] and (raw[returns + 1] == ord("\n")).all())


def _read_csv(path: Path, gzipped: bool) -> _Table:
    table = _read_csv_arrow(path, gzipped)
    if table is not None:
        return table
    # Read in bulk; at the least doubt (bad bytes, bad quoting, a short line) read again
    # line by line, which raises the error of the file's first problem.
    rows: list[list[str]] | None
    try:
        with _csv_field_limit(), _open_text(path, gzipped) as handle:
            reader = csv.reader(handle)
            header = next(reader, [])
            rows = list(filter(None, reader))  # a blank line reads as []
    except (UnicodeDecodeError, csv.Error):
        rows = None
    if rows is None or set(map(len, rows)) - {len(header)}:
        names, rows = _csv_rows(path, gzipped)
    else:
        names = _check_names(header, f"the header of {path.name}")
    n = len(rows)
    cols: dict[str, NDArray[Any]] = {}
    for j, name in enumerate(names):
        values = _object_array(map(itemgetter(j), rows), n)
        values[values == ""] = None  # an empty CSV cell is the file's only way to say "missing"
        cols[name] = values

    def read(name: str, as_time: bool) -> NDArray[Any]:
        return cols[name]

    def column(name: str) -> _Column:
        # Every cell is a str or None, which Arrow holds exactly.
        return _Column(_pyarrow().array(cols[name], type=_pyarrow().large_string()), cols[name])

    return _Table(names, n, read, column if _has_pyarrow() else None)


def _object_lines(data: bytes) -> int | None:
    """Number of non-blank lines of *data* if each one looks like one JSON object.

    A line looks like one object when, without spaces, tabs and its ``\r``, it
    starts with ``{`` and ends with ``}``; blank lines hold only those characters.
    None for any other line, and for a lone carriage return (the line-by-line reader
    would end a line there). Valid JSON holds no raw line break inside a string, so
    an object written across lines has a line that does not end with ``}`` or a
    continuation that does not start with ``{``; when the objects pyarrow reads are
    as many as these lines, each line holds exactly one.
    """
    if not _crlf_only(data):
        return None
    raw = np.frombuffer(data, dtype=np.uint8)
    breaks = _byte_positions(raw, ord("\n"))
    starts = np.concatenate(([0], breaks + 1))
    ends = np.concatenate((breaks, [raw.shape[0]]))
    ends -= (ends > starts) & (raw[np.maximum(ends - 1, 0)] == ord("\r"))
    plain = ends > starts
    plain[plain] = (raw[starts[plain]] == ord("{")) & (raw[ends[plain] - 1] == ord("}"))
    lines = int(plain.sum())
    for i in np.flatnonzero(~plain).tolist():  # blank, padded or not an object
        line = data[starts[i] : ends[i]].strip(b" \t\r")
        if line:
            if not (line.startswith(b"{") and line.endswith(b"}")):
                return None
            lines += 1
    return lines


def _json_exact(data: Any, pa: Any) -> bool:
    """Whether the Arrow column *data* reads back as exactly what ``json.loads`` gave.

    Taken: nulls, booleans, int64 and strings, and lists of booleans, int64 or
    strings without a null inside. Not a double (the number may have been an integer,
    or one beyond int64), a struct (absent keys come back as None), a timestamp (it
    was a string) or nested lists. Nor a null inside a list: pyarrow 26 can lose
    some when it meets them before the list's type (``[null, null]`` then
    ``["a"]`` reads back as ``[null, "a"]`` then ``[null]``).
    """
    kind = data.type
    if pa.types.is_list(kind):
        item = kind.value_type
        if not (pa.types.is_boolean(item) or pa.types.is_int64(item) or pa.types.is_string(item)):
            return False
        for chunk in data.chunks:
            items = chunk.offsets[-1].as_py() if len(chunk.offsets) else 0
            if chunk.values.null_count or len(chunk.values) != items:
                return False
        return True
    return bool(
        pa.types.is_null(kind)
        or pa.types.is_boolean(kind)
        or pa.types.is_int64(kind)
        or pa.types.is_string(kind)
    )


def _read_jsonl_arrow(path: Path, gzipped: bool) -> _Table | None:
    """Read a JSON Lines file with pyarrow; None when the json module must read it.

    Taken only when every line holds one JSON object (:func:`_object_lines`) and
    every column's values are exactly those ``json.loads`` gives (:func:`_json_exact`;
    strings pyarrow took for times are read again as strings). Anything else, and
    any file pyarrow rejects (bad UTF-8 or JSON, a key twice in an object, a lone
    surrogate, NaN, a line longer than its 1 MiB read block ...), is left to the json
    module, which reads it line by line and raises the same errors as before.
    """
    if not _has_pyarrow():
        return None
    pa = _pyarrow()
    pajson = import_optional("pyarrow.json", feature="Reading JSON Lines files")
    data = _file_bytes(path, gzipped)
    if data is None:
        return None
    lines = _object_lines(data)
    if not lines:
        return None
    # pyarrow takes strings that look like times for timestamps: columns that hold
    # strings in the first lines are declared strings, and any other column it took
    # for times is read again as strings.
    order, strings = _first_keys(data)
    try:
        table = _arrow_json(data, strings, order, pa, pajson)
        stamps = [f.name for f in table.schema if pa.types.is_timestamp(f.type)]
        if stamps:
            table = _arrow_json(data, strings + stamps, table.column_names, pa, pajson)
    except pa.ArrowException:
        return None
    if table.num_rows != lines or not all(_json_exact(c, pa) for c in table.columns):
        return None
    _LOG.debug("ingest: read %s with pyarrow.json", path.name)
    return _json_table(table, path.name)


#: Lines of a JSON Lines file read with the json module to find its string columns.
_SAMPLE_LINES = 100


def _first_keys(data: bytes) -> tuple[list[str], list[str]]:
    """Keys of the first lines' objects in order of first appearance, and those whose
    values there are all strings (or null)."""
    kinds: dict[str, bool] = {}
    for line in data[: 1 << 20].split(b"\n", _SAMPLE_LINES)[:_SAMPLE_LINES]:
        try:
            obj = json.loads(line)
        except ValueError:  # blank, cut at the end of the sample, or bad: pyarrow decides
            continue
        if isinstance(obj, dict):
            for key, value in obj.items():
                kinds[key] = kinds.get(key, True) and (value is None or isinstance(value, str))
    return list(kinds), [key for key, text in kinds.items() if text]


def _arrow_json(data: bytes, strings: list[str], order: list[str], pa: Any, pajson: Any) -> Any:
    """pyarrow's table of JSON Lines *data*, the columns *strings* read as strings.

    Declared columns come first in pyarrow's table; they are put back in the order of
    first appearance: *order*, then the columns it does not name, as pyarrow found them.
    """
    options = pajson.ParseOptions(explicit_schema=pa.schema([(k, pa.string()) for k in strings]))
    table = pajson.read_json(pa.py_buffer(data), parse_options=options)
    known = set(order)
    return table.select(order + [k for k in table.column_names if k not in known])


def _json_table(table: Any, where: str) -> _Table:
    """A table pyarrow read from JSON Lines, read back as ``json.loads`` values."""
    pa = _pyarrow()
    names = _check_names(table.column_names, where)
    n = table.num_rows
    cache: dict[str, NDArray[Any]] = {}

    def read(name: str, as_time: bool) -> NDArray[Any]:
        if name not in cache:
            cache[name] = _object_array(table.column(name).to_pylist(), n)
        return cache[name]

    def column(name: str) -> _Column | None:
        data = table.column(name)
        kind = data.type
        if pa.types.is_string(kind):
            return _Column(data.cast(pa.large_string()))
        if pa.types.is_list(kind) and pa.types.is_string(kind.value_type):
            return _Column(data.cast(pa.large_list(pa.large_string())))
        if pa.types.is_int64(kind):
            # Values quoted in messages are Python ints, as json.loads gives them.
            return _Column(data, read(name, False))
        return None  # booleans, nulls, other lists: row by row

    return _Table(names, n, read, column)


def _read_jsonl(path: Path, gzipped: bool) -> _Table:
    table = _read_jsonl_arrow(path, gzipped)
    if table is not None:
        return table
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
            if path.is_dir():  # a partitioned data set, as Spark writes them
                return _arrow_table(pq.read_table(path))
            # Same table as read_table, without importing pyarrow.dataset (and pandas).
            return _arrow_table(pq.ParquetFile(path).read())
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
    times, number_at, numbers, originals = _scan_times(
        raw.tolist(), range(n), zone, column, problems
    )
    out = np.asarray(times, dtype=np.float64)
    if number_at:
        rows = np.asarray(number_at, dtype=np.int64)
        _numeric_times(np.asarray(numbers), rows, out, column, problems, originals)
    return out


def _scan_times(
    values: Sequence[object],
    rows: Sequence[int],
    zone: ZoneInfo | None,
    column: str,
    problems: _Problems,
) -> tuple[list[float], list[int], list[float], list[object]]:
    """Read times one value at a time; *rows* gives each value's input row.

    Returns the times (NaN for missing, invalid and epoch numbers), then the positions
    in *values* of the epoch numbers, the numbers and the values they were read from:
    seconds or milliseconds are decided later for the whole column.
    """
    times: list[float] = [math.nan] * len(values)
    memo: dict[str, float] = {}
    number_at: list[int] = []
    numbers: list[float] = []
    originals: list[object] = []
    for k, value in enumerate(values):
        i = rows[k]
        try:
            if type(value) is str and value in memo:
                times[k] = memo[value]
            elif isinstance(value, str):
                text = value.strip()
                if not text:
                    continue
                if _NUMBER_RE.fullmatch(text):
                    number_at.append(k)
                    numbers.append(float(text))
                    originals.append(value)
                    continue
                times[k] = memo[value] = _time_value(text, zone, i, column)
            elif isinstance(value, bool | np.bool_):
                raise _Invalid("a boolean is not a time")
            elif isinstance(value, int | float | np.integer | np.floating):
                if not math.isnan(value):
                    number_at.append(k)
                    numbers.append(float(value))
                    originals.append(value)
            elif not _is_missing(value):
                times[k] = _time_value(value, zone, i, column)
        except _Invalid as exc:
            problems.add(i, column, value, exc.reason)
    return times, number_at, numbers, originals


def _keep(raw: NDArray[Any]) -> NDArray[np.object_]:
    """An unknown column as an object array with None for every missing marker."""
    values = raw.tolist() if raw.dtype != object else raw
    return _object_array((None if _is_missing(v) else v for v in values), raw.shape[0])


# --------------------------------------------------------------------------- columnar path
#
# The columnar path returns the same Records as _build, fast: columns are checked and
# converted with pyarrow.compute and numpy, and every value it cannot decide exactly
# (unusual strings, invalid values) goes through the row-wise converters above, at its
# own row. A column of a type it does not handle goes through the row-wise code whole.

#: The characters str.strip() removes (str.isspace()), so Arrow trims agree with Python.
_WHITESPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005"
    "\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
#: Epoch numbers written as integers of at most 15 digits: every parser reads them exactly.
_INTEGER_PATTERN = r"^-?[0-9]{1,15}$"
#: Integers up to 2**53 in magnitude convert to float64 exactly.
_EXACT_INTEGER = 2**53
_ISO_BLOCK = 1 << 20
#: Strings are shared between rows when a sample of _SAMPLE has at most this share distinct.
_SAMPLE = 1 << 14
_SHARED_SHARE = 0.25
#: Text columns that the trace extractors group by value: ingest always
#: dictionary-encodes them and keeps the grouping (``botgraph._factorized``).
_FACTORIZED_FIELDS = frozenset({"text", "target_id", "post_id"})
_MONTH_DAYS = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int64)


def _pyarrow() -> Any:
    return import_optional("pyarrow", feature="Reading columnar input")


def _has_pyarrow() -> bool:
    try:
        _pyarrow()
    except ImportError:
        return False
    return True


def _numeric_without_nulls(data: Any) -> bool:
    """Whether the pyarrow reader returns this column as a numeric numpy array."""
    types = _pyarrow().types
    numeric = types.is_integer(data.type) or types.is_floating(data.type)
    return bool(numeric and data.null_count == 0)


def _is_text_type(kind: Any, pa: Any) -> bool:
    types = pa.types
    if types.is_dictionary(kind):
        return not types.is_dictionary(kind.value_type) and _is_text_type(kind.value_type, pa)
    is_view = getattr(types, "is_string_view", None)
    return bool(types.is_string(kind) or types.is_large_string(kind) or (is_view and is_view(kind)))


def _is_float(kind: Any, pa: Any) -> bool:
    return bool(kind in (pa.float32(), pa.float64()))


def _is_list_of_text(kind: Any, pa: Any) -> bool:
    if not (pa.types.is_list(kind) or pa.types.is_large_list(kind)):
        return False
    return bool(pa.types.is_null(kind.value_type) or _is_text_type(kind.value_type, pa))


def _polars_exact_type(kind: Any, pa: Any) -> bool:
    """Arrow types whose values are exactly what polars' ``Series.to_list`` gives."""
    return bool(
        pa.types.is_null(kind)
        or pa.types.is_integer(kind)
        or _is_float(kind, pa)
        or _is_text_type(kind, pa)
        or _is_list_of_text(kind, pa)
    )


def _column_from_objects(values: NDArray[np.object_]) -> _Column | None:
    """An object column (as the row-wise reader holds it) as Arrow data, or None.

    Only exact types are taken: ``str``; lists, tuples or object arrays of ``str``;
    ``int`` that fit in int64; ``float``. A ``str`` subclass, say, would come back
    from Arrow as a plain ``str``, and ``bool`` (an ``int`` subclass) as a number.
    Integers and floats mixed in one column stay row-wise: float64 would round
    integers beyond 2^53.
    """
    pa = _pyarrow()
    objects = values.tolist()
    kinds = set(map(type, objects)) - {type(None)}
    try:
        if kinds <= {str}:
            return _Column(pa.array(values, type=pa.large_string()), values)
        if kinds == {int}:
            return _Column(pa.array(objects, type=pa.int64()), values)
        if kinds == {float}:
            return _Column(pa.array(objects, type=pa.float64()), values)
        if kinds <= {list, tuple, np.ndarray}:
            lists = [v for v in objects if v is not None]
            if any(v.ndim != 1 for v in lists if isinstance(v, np.ndarray)):
                return None  # iterating would fail (0-d) or give arrays (2-d)
            items = set(map(type, chain.from_iterable(lists)))
            if items <= {str, type(None)}:
                kind = pa.large_list(pa.large_string())
                return _Column(pa.array(values, type=kind), values)
    except (UnicodeEncodeError, OverflowError, pa.ArrowException):
        return None  # a lone surrogate (not UTF-8), an integer beyond int64
    return None


def _one_chunk(data: Any) -> Any:
    return data.combine_chunks() if hasattr(data, "combine_chunks") else data


def _dictionary_encode(data: Any) -> Any:
    """``dictionary_encode`` of *data* as one array (its dictionary in order of first appearance).

    A chunked column is encoded chunk by chunk with one shared dictionary,
    without first copying it into one chunk; only the indices are joined.
    """
    if not hasattr(data, "chunks") or data.num_chunks <= 1:
        return _one_chunk(data).dictionary_encode()
    chunks = data.dictionary_encode().chunks
    if not chunks:
        return _one_chunk(data).dictionary_encode()
    dictionary = chunks[-1].dictionary
    shared = dictionary.buffers()
    if any(
        [b.address if b else None for b in c.dictionary.buffers()]
        != [b.address if b else None for b in shared]
        for c in chunks
    ):
        return _one_chunk(data).dictionary_encode()
    pa = _pyarrow()
    indices = pa.concat_arrays([c.indices for c in chunks])
    return pa.DictionaryArray.from_arrays(indices, dictionary)


def _large_strings(data: Any, pa: Any) -> Any:
    return data if data.type == pa.large_string() else data.cast(pa.large_string())


def _nulls(data: Any) -> NDArray[np.bool_]:
    return np.asarray(data.is_null().to_numpy(zero_copy_only=False), dtype=bool)


def _flags(data: Any) -> NDArray[np.bool_]:
    """A boolean Arrow array as numpy, null counting as False."""
    return np.asarray(data.fill_null(False).to_numpy(zero_copy_only=False), dtype=bool)


def _empty_tuples(n: int) -> NDArray[np.object_]:
    out = np.empty(n, dtype=object)
    out.fill(())
    return out


def _blank_strings(data: Any, pa: Any, pc: Any) -> NDArray[np.bool_]:
    """Which strings are empty or all white space (``not s.strip()``); null is not blank."""
    strings = _large_strings(data, pa)
    # Only an empty string or one that starts with white space can be blank.
    starts = pa.array(["", *_WHITESPACE], type=pa.large_string())
    first = pc.utf8_slice_codeunits(strings, 0, 1)
    suspects = np.flatnonzero(_flags(pc.is_in(first, value_set=starts)))
    blank = np.zeros(len(strings), dtype=bool)
    if suspects.size:
        trimmed = pc.utf8_trim(strings.take(pa.array(suspects, type=pa.int64())), _WHITESPACE)
        blank[suspects] = _flags(pc.equal(pc.binary_length(trimmed), 0))
    return blank


def _convert_at(
    rows: NDArray[np.int64],
    values: Sequence[Any],
    convert: Callable[[Any], Any],
    column: str,
    problems: _Problems,
) -> list[Any]:
    """Row-wise conversion of the values at *rows*, as :func:`_map_values` does it."""
    out: list[Any] = []
    for i, value in zip(rows.tolist(), values, strict=True):
        try:
            out.append(convert(value))
        except _Invalid as exc:
            out.append(None)
            problems.add(i, column, value, exc.reason)
    return out


def _patch(strings: Any, rows: NDArray[np.int64], values: list[Any], pa: Any, pc: Any) -> Any:
    """Large strings with the values at *rows* (ascending) replaced."""
    if rows.size == 0:
        return strings
    mask = np.zeros(len(strings), dtype=bool)
    mask[rows] = True
    replacement = pa.array(values, type=pa.large_string())
    return pc.replace_with_mask(_one_chunk(strings), pa.array(mask), replacement)


def _fast_ids(c: _Column | None, column: str, problems: _Problems, pa: Any, pc: Any) -> Any:
    """:func:`_id_text` on a whole column: large strings, null where missing; None if the
    column's type is not handled here."""
    if c is None:
        return None
    data, kind = c.data, c.data.type
    if pa.types.is_null(kind):
        return pa.nulls(len(data), type=pa.large_string())
    if _is_text_type(kind, pa):
        trimmed = pc.utf8_trim(_large_strings(data, pa), _WHITESPACE)
        empty = pc.equal(pc.binary_length(trimmed), 0)
        if not pc.any(empty).as_py():
            return trimmed
        return pc.if_else(empty, pa.scalar(None, type=pa.large_string()), trimmed)
    if pa.types.is_integer(kind):
        return data.cast(pa.large_string())
    if _is_float(kind, pa):
        x = np.asarray(
            data.cast(pa.float64()).fill_null(np.nan).to_numpy(zero_copy_only=False),
            dtype=np.float64,
        )
        with np.errstate(invalid="ignore"):
            whole = np.isfinite(x) & (np.trunc(x) == x) & (np.abs(x) < 2.0**63)
        ints = pa.array(np.where(whole, x, 0).astype(np.int64), mask=~whole)
        odd = np.flatnonzero(~whole & ~np.isnan(x))  # fractions, infinities, huge numbers
        converted = _convert_at(odd, c.python(odd), _id_text, column, problems)
        return _patch(ints.cast(pa.large_string()), odd, converted, pa, pc)
    return None


def _fast_text(c: _Column | None, pa: Any, pc: Any) -> Any:
    """:func:`_text` on a whole column (large strings, null where missing), or None."""
    if c is None:
        return None
    data, kind = c.data, c.data.type
    if pa.types.is_null(kind):
        return pa.nulls(len(data), type=pa.large_string())
    if _is_text_type(kind, pa):
        strings = _large_strings(data, pa)
        blank = _blank_strings(strings, pa, pc)
        if not blank.any():
            return strings
        return pc.if_else(pa.array(blank), pa.scalar(None, type=pa.large_string()), strings)
    if pa.types.is_integer(kind):
        return data.cast(pa.large_string())
    return None


def _list_tokens(strings: Any, field: str, pa: Any, pc: Any) -> Any:
    """The per-item part of :func:`_items` and :func:`_tokens`, on Arrow strings."""
    tokens = pc.utf8_trim(_large_strings(strings, pa), _WHITESPACE)
    prefix = _LIST_PREFIX.get(field)
    if prefix is not None:
        tokens = pc.utf8_trim(pc.utf8_ltrim(tokens, prefix), _WHITESPACE)
    elif field == "urls":
        tokens = pc.utf8_rtrim(tokens, ",")
    return tokens


def _list_lengths(data: Any, pa: Any) -> NDArray[np.int64]:
    """Number of items in each list (0 for a missing list), from the offsets buffers."""
    parts = [np.zeros(0, dtype=np.int64)]
    for chunk in getattr(data, "chunks", [data]):
        if len(chunk) == 0:
            continue
        kind = np.int64 if pa.types.is_large_list(chunk.type) else np.int32
        offsets = np.frombuffer(chunk.buffers()[1], dtype=kind)
        lengths = np.diff(offsets[chunk.offset : chunk.offset + len(chunk) + 1]).astype(np.int64)
        if chunk.null_count:
            lengths[_nulls(chunk)] = 0
        parts.append(lengths)
    return np.concatenate(parts)


def _list_tuples(
    data: Any, field: str, pa: Any, pc: Any
) -> tuple[NDArray[np.object_], NDArray[np.int64]] | None:
    """:func:`_items` on a list-of-strings column: tuples of distinct tokens and their lengths."""
    n = len(data)
    lengths = _list_lengths(data, pa)
    out = _empty_tuples(n)
    counts = np.zeros(n, dtype=np.int64)
    listed = np.flatnonzero(lengths)  # rows with items; the work below is on these only
    if pa.types.is_null(data.type.value_type) or listed.size == 0:
        return out, counts
    flat = _one_chunk(pc.list_flatten(data))
    if len(flat) != int(lengths.sum()):
        return None
    m = listed.shape[0]
    parent = np.repeat(np.arange(m, dtype=np.int64), lengths[listed])
    tokens = _list_tokens(flat, field, pa, pc)
    encoded = tokens.dictionary_encode()
    strings = np.asarray(encoded.dictionary.to_numpy(zero_copy_only=False), dtype=object)
    codes = np.asarray(encoded.indices.fill_null(0).to_numpy(zero_copy_only=False), np.int64)
    at = np.flatnonzero(_flags(pc.greater(pc.binary_length(tokens), 0)))  # drops null items
    at = at[_first_occurrences(parent[at], codes[at], m)]
    kept = np.bincount(parent[at], minlength=m).astype(np.int64)
    counts[listed] = kept
    codes = codes[at]
    starts = np.cumsum(kept) - kept
    # Equal lists are equal rows of item codes: build one tuple per distinct list, shared
    # by its rows, and keep the grouping for the trace extractors (botgraph._factorized).
    group = np.zeros(n, dtype=np.int64)  # 0: the empty tuple
    cells: list[object] = [()]
    first_rows = [np.zeros(1, dtype=np.int64)]  # first row of each cell (the empty one: below)
    for k in np.unique(kept[kept > 0]).tolist():
        rows = np.flatnonzero(kept == k)
        columns = [codes[starts[rows] + j] for j in range(k)]
        first, inverse = _distinct_rows(columns, strings.shape[0])
        made = _tuples([column[first] for column in columns], strings)
        out[listed[rows]] = made[inverse]
        group[listed[rows]] = len(cells) + inverse
        first_rows.append(listed[rows[first]])
        cells.extend(made.tolist())
    empty = group == 0
    first_rows[0][0] = int(np.argmax(empty)) if empty.any() else n  # n: no row has it
    first_row = np.concatenate(first_rows)
    seen = np.flatnonzero(first_row < n)
    order = seen[np.argsort(first_row[seen])]
    rank = np.empty(len(cells), dtype=np.int64)
    rank[order] = np.arange(order.shape[0], dtype=np.int64)
    out.setflags(write=False)
    remember(out, [cells[i] for i in order.tolist()], rank[group])
    return out, counts


def _distinct_rows(
    columns: list[NDArray[np.int64]], base: int
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Distinct rows of equally long code columns (codes below *base*).

    Returns one row index per distinct row and each row's distinct-row number.
    The columns are folded into one integer key a column at a time, renumbering
    the key after each step so that it never overflows: one 1-D sort per column
    (a 2-D ``np.unique(axis=0)`` compares whole rows and is several times slower).
    """
    key = np.zeros(columns[0].shape[0], dtype=np.int64)
    for column in columns:
        _, key = np.unique(key * base + column, return_inverse=True)
        key = key.reshape(-1).astype(np.int64)
    return _first_rows(key), key


def _first_rows(key: NDArray[np.int64]) -> NDArray[np.int64]:
    """First position of each value of *key*, whose values are 0 ... k - 1 (all present).

    ``np.unique(key, return_index=True)[1]`` without its stable sort.
    """
    n = key.shape[0]
    first = np.full(int(key.max()) + 1 if n else 0, n, dtype=np.int64)
    np.minimum.at(first, key, np.arange(n, dtype=np.int64))
    return first


def _first_occurrences(
    parent: NDArray[np.int64], codes: NDArray[np.int64], m: int
) -> NDArray[np.bool_]:
    """Which items are the first of their value in their list (*parent* is sorted)."""
    first = np.ones(parent.shape[0], dtype=bool)
    per_row = np.bincount(parent, minlength=m)
    starts = np.cumsum(per_row) - per_row
    for k in np.unique(per_row[per_row > 1]).tolist():
        base = starts[per_row == k]
        if k <= 8:  # short lists: compare every pair of positions
            columns = [codes[base + j] for j in range(k)]
            for j in range(1, k):
                seen = np.zeros(base.shape[0], dtype=bool)
                for i in range(j):
                    seen |= columns[i] == columns[j]
                first[base[seen] + j] = False
        else:
            at = (base[:, None] + np.arange(k)).reshape(-1)
            rows = np.repeat(np.arange(base.shape[0], dtype=np.int64), k)
            # Stable sort by (row, code): the first of equal pairs is the earliest item.
            order = np.lexsort((codes[at], rows))
            pairs_rows, pairs_codes = rows[order], codes[at][order]
            repeat = np.zeros(order.shape[0], dtype=bool)
            repeat[1:] = (pairs_rows[1:] == pairs_rows[:-1]) & (pairs_codes[1:] == pairs_codes[:-1])
            first[at[order[repeat]]] = False
    return first


def _tuples(codes: list[NDArray[np.int64]], strings: NDArray[np.object_]) -> NDArray[np.object_]:
    """Tuples ``(strings[codes[0][r]], strings[codes[1][r]], ...)`` for each r.

    zip builds the tuples in C with no list in between: the cheapest exact way found
    (about five times faster than ``tolist`` then ``tuple``). One-item tuples are
    made once per distinct string when rows outnumber strings.
    """
    m = codes[0].shape[0]
    if len(codes) == 1 and m > strings.shape[0]:
        singles = np.fromiter(zip(strings, strict=True), dtype=object, count=strings.shape[0])
        return np.asarray(singles[codes[0]], dtype=object)
    columns = [strings[c] for c in codes]
    return np.fromiter(zip(*columns, strict=True), dtype=object, count=m)


def _unique_items(
    strings: Any, rows: NDArray[np.int64], field: str, column: str, problems: _Problems
) -> tuple[NDArray[np.object_], NDArray[np.int64]]:
    """:func:`_items` on strings from *rows*, once per distinct string (as the memo does)."""
    encoded = _dictionary_encode(strings)
    distinct = encoded.dictionary.to_pylist()
    results = _empty_tuples(len(distinct) + 1)  # the last one stands for missing values
    reasons: dict[int, str] = {}
    for j, value in enumerate(distinct):
        try:
            results[j] = _items(value, field)
        except _Invalid as exc:
            results[j] = None
            reasons[j] = exc.reason
    codes = np.asarray(
        encoded.indices.fill_null(len(distinct)).to_numpy(zero_copy_only=False), dtype=np.int64
    )
    sizes = np.fromiter((len(r or ()) for r in results), dtype=np.int64, count=results.shape[0])
    if reasons:
        bad = np.flatnonzero(np.isin(codes, list(reasons)))
        for i, code in zip(rows[bad].tolist(), codes[bad].tolist(), strict=True):
            problems.add(i, column, distinct[code], reasons[code])
    return results[codes], sizes[codes]


def _text_items(
    c: _Column, field: str, column: str, problems: _Problems, pa: Any, pc: Any
) -> tuple[NDArray[np.object_], NDArray[np.int64]] | None:
    """:func:`_items` on a column of strings.

    Strings are split in bulk where :func:`_items` only splits at white space (and, for
    hashtags and mentions, commas): at exactly the characters of ``str.split()`` and of
    ``\\s`` in :mod:`re`, which are :data:`_WHITESPACE`. The rest (written lists such as
    ``"['a', 'b']"``, and URLs with commas) go through :func:`_items` once per distinct
    string.
    """
    strings = _one_chunk(_large_strings(c.data, pa))
    n = len(strings)
    trimmed = pc.utf8_trim(strings, _WHITESPACE)
    special = _flags(pc.and_(pc.starts_with(trimmed, "["), pc.ends_with(trimmed, "]")))
    if field == "urls":
        special |= _flags(pc.match_substring(trimmed, ","))
    plain_missing = pa.array(special | _nulls(strings))
    if field == "url":
        offsets = pa.array(np.arange(n + 1, dtype=np.int64))
        lists = pa.LargeListArray.from_arrays(offsets, trimmed, mask=plain_missing)
    else:
        separators = "".join(f"\\x{{{ord(c):x}}}" for c in _WHITESPACE)
        separators += "," if field in _LIST_PREFIX else ""
        lists = pc.split_pattern_regex(trimmed, f"[{separators}]+")
        lists = pc.if_else(plain_missing, pa.scalar(None, type=lists.type), lists)
    result = _list_tuples(lists, field, pa, pc)
    if result is None:
        return None
    out, counts = result
    rows = np.flatnonzero(special)
    if rows.size:
        out = out.copy()  # a new array: the grouping _list_tuples kept is not the copy's
        subset = strings.take(pa.array(rows, type=pa.int64()))
        out[rows], counts[rows] = _unique_items(subset, rows, field, column, problems)
    return out, counts


def _fast_items(
    c: _Column | None, field: str, column: str, problems: _Problems, pa: Any, pc: Any
) -> tuple[NDArray[np.object_], NDArray[np.int64]] | None:
    """:func:`_items` on a whole column: tuples and their lengths, or None."""
    if c is None:
        return None
    data, kind = c.data, c.data.type
    if pa.types.is_null(kind):
        return _empty_tuples(len(data)), np.zeros(len(data), dtype=np.int64)
    if _is_list_of_text(kind, pa):
        return _list_tuples(data, field, pa, pc)
    if _is_text_type(kind, pa):
        return _text_items(c, field, column, problems, pa, pc)
    return None


def _fast_keep(
    c: _Column | None, pa: Any, pc: Any
) -> tuple[NDArray[np.object_], NDArray[np.bool_]] | None:
    """:func:`_keep` on a whole column, with which values are not blank; or None."""
    if c is None:
        return None
    data, kind = c.data, c.data.type
    n = len(data)
    if pa.types.is_null(kind):
        return np.full(n, None, dtype=object), np.zeros(n, dtype=bool)
    if _is_text_type(kind, pa):
        if c.values is not None:
            values = c.values.copy()
        else:
            values = np.asarray(data.to_numpy(zero_copy_only=False), dtype=object)
        return values, ~(_nulls(data) | _blank_strings(data, pa, pc))
    if pa.types.is_integer(kind) or pa.types.is_boolean(kind) or _is_float(kind, pa):
        filler = False if pa.types.is_boolean(kind) else 0
        numbers = np.asarray(data.fill_null(filler).to_numpy(zero_copy_only=False))
        missing = _nulls(data)
        if _is_float(kind, pa):
            missing |= np.isnan(numbers)
        values = numbers.astype(object)  # Python int, float and bool, as tolist() gives
        values[missing] = None
        return values, ~missing
    return None


class _Originals:
    """Lazy ``originals`` for :func:`_numeric_times`: the value at a row, fetched on demand."""

    __slots__ = ("_column",)

    def __init__(self, column: _Column) -> None:
        self._column = column

    def __getitem__(self, row: int) -> object:
        return self._column.direct(np.asarray([row], dtype=np.int64))[0]


def _fast_times(
    c: _Column | None, column: str, zone: ZoneInfo | None, problems: _Problems, pa: Any, pc: Any
) -> NDArray[np.float64] | None:
    """:func:`_parse_times` on a column of numbers or strings, or None for other types."""
    if c is None:
        return None
    data, kind = c.data, c.data.type
    n = len(data)
    if pa.types.is_null(kind):
        return np.full(n, np.nan)
    if pa.types.is_integer(kind) or _is_float(kind, pa):
        if data.null_count == 0:
            values = np.asarray(np.asarray(data.to_numpy()), dtype=np.float64)
        else:
            if pa.types.is_integer(kind):
                extremes = pc.min_max(data)
                low, high = extremes["min"].as_py() or 0, extremes["max"].as_py() or 0
                if max(abs(low), abs(high)) > _EXACT_INTEGER:
                    return None  # float(int) and numpy could round differently
            values = np.asarray(
                data.cast(pa.float64()).fill_null(np.nan).to_numpy(zero_copy_only=False),
                dtype=np.float64,
            )
        out = np.full(n, np.nan)
        rows = np.arange(n, dtype=np.int64)
        _numeric_times(values, rows, out, column, problems, _Originals(c))  # type: ignore[arg-type]
        return out
    if _is_text_type(kind, pa):
        return _text_times(c, column, zone, problems, pa, pc)
    return None


def _text_times(
    c: _Column, column: str, zone: ZoneInfo | None, problems: _Problems, pa: Any, pc: Any
) -> NDArray[np.float64]:
    """Times written as strings: canonical ISO 8601 and integer epochs in bulk, the rest
    (and every problem) row by row in input order, as :func:`_parse_times` reads them."""
    strings = _one_chunk(_large_strings(c.data, pa))
    n = len(strings)
    out = np.full(n, np.nan)
    seconds, micros, canonical, aware = _iso_fields(strings)
    total = seconds * 1_000_000 + micros
    done = canonical & aware & (np.abs(total) < _EXACT_INTEGER)
    out[done] = total[done] / 1e6  # what datetime.timestamp() computes for aware values
    rest = ~done & ~_nulls(strings)
    if zone is not None:
        # Naive wall-clock times in the caller's zone; fractions are left to datetime.
        naive = np.flatnonzero(rest & canonical & ~aware & (micros == 0))
        local = _localise(seconds[naive].astype(np.float64), zone)
        ok = np.isfinite(local)
        out[naive[ok]] = local[ok]
        rest[naive[ok]] = False
    left = np.flatnonzero(rest)
    integer_rows = np.zeros(0, dtype=np.int64)
    integers = np.zeros(0, dtype=np.float64)
    if left.size:
        subset = strings.take(pa.array(left, type=pa.int64()))
        is_integer = _flags(pc.match_substring_regex(subset, _INTEGER_PATTERN))
        integer_rows = left[is_integer]
        integers = np.asarray(
            subset.filter(pa.array(is_integer)).cast(pa.float64()).to_numpy(zero_copy_only=False),
            dtype=np.float64,
        )
        left = left[~is_integer]
    times, number_at, numbers, originals = _scan_times(
        c.python(left), left.tolist(), zone, column, problems
    )
    out[left] = times
    # Numbers read row by row first: only they can be non-finite, and originals index them.
    rows = np.concatenate([left[np.asarray(number_at, dtype=np.int64)], integer_rows])
    if rows.size:
        values = np.concatenate([np.asarray(numbers, dtype=np.float64), integers])
        _numeric_times(values, rows, out, column, problems, originals)
    return out


def _iso_fields(
    strings: Any,
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.bool_], NDArray[np.bool_]]:
    """Read ``YYYY-MM-DD[T ]hh:mm:ss[.f{1,6}][Z|+hh:mm|-hh:mm]`` from large strings.

    Returns whole seconds since the epoch (wall clock minus the offset, if any),
    microseconds, whether the string has exactly this form with valid fields (others
    are left to :func:`datetime.fromisoformat`) and whether it carries an offset.
    """
    n = len(strings)
    seconds = np.zeros(n, dtype=np.int64)
    micros = np.zeros(n, dtype=np.int64)
    canonical = np.zeros(n, dtype=bool)
    aware = np.zeros(n, dtype=bool)
    _, offsets_buffer, data_buffer = strings.buffers()
    if n == 0 or data_buffer is None:
        return seconds, micros, canonical, aware
    offsets = np.frombuffer(offsets_buffer, dtype=np.int64)[strings.offset : strings.offset + n + 1]
    data = np.frombuffer(data_buffer, dtype=np.uint8)
    lengths = np.diff(offsets)
    candidates = np.flatnonzero(~_nulls(strings) & (lengths >= 19) & (lengths <= 32))
    for begin in range(0, candidates.size, _ISO_BLOCK):
        rows = candidates[begin : begin + _ISO_BLOCK]
        whole, micro, ok, zoned = _iso_block(data, offsets[rows], lengths[rows])
        seconds[rows], micros[rows], canonical[rows], aware[rows] = whole, micro, ok, zoned
    return seconds, micros, canonical, aware


def _iso_block(
    data: NDArray[np.uint8], start: NDArray[np.int64], length: NDArray[np.int64]
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.bool_], NDArray[np.bool_]]:
    last = start + length - 1  # every string here has at least 19 bytes

    def head(position: int) -> NDArray[np.uint8]:  # byte *position* (< 19) of each string
        return data[start + position]

    def tail(back: int) -> NDArray[np.uint8]:  # byte *back* places before the last one
        return np.asarray(data[last - back], dtype=np.uint8)

    def digit(raw: NDArray[np.uint8]) -> NDArray[np.uint8]:
        # uint8 arithmetic wraps, so any byte that is not a digit gives a value above 9.
        return np.asarray(raw - np.uint8(48), dtype=np.uint8)

    def number(*raws: NDArray[np.uint8]) -> NDArray[np.int64]:
        value = np.zeros(start.shape[0], dtype=np.int64)
        for raw in raws:
            value = value * 10 + digit(raw)
        return value

    fixed = {p: head(p) for p in (0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18)}
    ok = np.ones(start.shape[0], dtype=bool)
    for raw in fixed.values():
        ok &= digit(raw) <= 9
    ok &= (head(4) == ord("-")) & (head(7) == ord("-")) & (head(13) == ord(":"))
    ok &= ((head(10) == ord("T")) | (head(10) == ord(" "))) & (head(16) == ord(":"))
    zulu = tail(0) == ord("Z")
    sign = tail(5)
    off_hour, off_minute = number(tail(4), tail(3)), number(tail(1), tail(0))
    offset = (
        ~zulu
        & ((sign == ord("+")) | (sign == ord("-")))
        & (tail(2) == ord(":"))
        & (off_hour <= 23)
        & (off_minute <= 59)
    )
    fraction = length - 19 - np.where(zulu, 1, np.where(offset, 6, 0))  # '.' and digits
    dot = data[np.minimum(start + 19, last)] == ord(".")
    ok &= (fraction == 0) | ((fraction >= 2) & (fraction <= 7) & dot)
    micro = np.zeros(start.shape[0], dtype=np.int64)
    for position in range(20, 26):
        inside = position < 19 + fraction
        value = digit(data[np.minimum(start + position, last)])  # never past a string's end
        ok &= ~inside | (value <= 9)
        micro += np.where(inside, value, 0).astype(np.int64) * 10 ** (25 - position)
    year = number(fixed[0], fixed[1], fixed[2], fixed[3])
    month, day = number(fixed[5], fixed[6]), number(fixed[8], fixed[9])
    hour, minute, second = (
        number(fixed[11], fixed[12]),
        number(fixed[14], fixed[15]),
        number(fixed[17], fixed[18]),
    )
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    month_days = _MONTH_DAYS[np.clip(month, 0, 12)] + (leap & (month == 2))
    ok &= (year >= 1) & (month >= 1) & (month <= 12) & (day >= 1) & (day <= month_days)
    ok &= (hour <= 23) & (minute <= 59) & (second <= 59)
    sign_factor = np.where(sign == ord("-"), -1, 1)
    shift = np.where(offset, sign_factor * (off_hour * 3600 + off_minute * 60), 0)
    days = _days_from_civil(year, month, day)
    whole = days * 86_400 + hour * 3600 + minute * 60 + second - shift
    return whole, micro, ok, zulu | offset


def _days_from_civil(
    year: NDArray[np.int64], month: NDArray[np.int64], day: NDArray[np.int64]
) -> NDArray[np.int64]:
    """Days since 1970-01-01 of proleptic Gregorian dates (Hinnant's algorithm [1]_).

    .. [1] H. Hinnant, "chrono-Compatible Low-Level Date Algorithms",
       https://howardhinnant.github.io/date_algorithms.html
    """
    y = year - (month <= 2)
    era = y // 400
    year_of_era = y - era * 400
    day_of_year = (153 * ((month + 9) % 12) + 2) // 5 + day - 1
    day_of_era = year_of_era * 365 + year_of_era // 4 - year_of_era // 100 + day_of_year
    return np.asarray(era * 146_097 + day_of_era - 719_468, dtype=np.int64)


def _object_strings(strings: Any) -> NDArray[np.object_]:
    return np.asarray(strings.to_numpy(zero_copy_only=False), dtype=object)


def _repetitive(strings: Any, pa: Any, pc: Any) -> bool:
    """Whether a sample suggests that most strings repeat (a few distinct values)."""
    n = len(strings)
    sample = np.linspace(0, n - 1, num=min(n, _SAMPLE), dtype=np.int64)
    distinct = pc.count_distinct(strings.take(pa.array(sample, type=pa.int64()))).as_py()
    return bool(distinct <= _SHARED_SHARE * sample.shape[0])


def _kept_strings(strings: Any, pa: Any, pc: Any) -> NDArray[np.object_]:
    """Arrow strings as an object array of str (None where null).

    When values repeat, each distinct string becomes one Python object shared by every
    row that holds it (as the row-wise memo does): less memory and time. Hashing every
    row costs more than it saves when most values differ, so a sample decides.
    """
    if len(strings) == 0 or not _repetitive(strings, pa, pc):
        return _object_strings(strings)
    encoded = _dictionary_encode(strings)
    distinct = np.concatenate([_object_strings(encoded.dictionary), np.full(1, None, object)])
    codes = encoded.indices.fill_null(distinct.shape[0] - 1).to_numpy(zero_copy_only=False)
    return np.asarray(distinct[np.asarray(codes, dtype=np.int64)], dtype=object)


def _encoded_strings(strings: Any) -> tuple[NDArray[np.object_], list[object], NDArray[np.int64]]:
    """Arrow strings as an object array, with its first-seen factorisation.

    Every distinct string becomes one Python object shared by the rows that
    hold it. Arrow numbers a dictionary in order of first appearance; null
    (None) is given its place in that order, so ``distinct`` and ``codes`` are
    what grouping the cells in Python would give (``botgraph._factorized``).
    """
    encoded = _dictionary_encode(strings)
    distinct: list[object] = _object_strings(encoded.dictionary).tolist()
    codes = np.asarray(encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False), np.int64)
    nulls = codes < 0
    if nulls.any():
        first_null = int(np.argmax(nulls))
        place = int(codes[:first_null].max()) + 1 if first_null else 0
        codes[codes >= place] += 1
        codes[nulls] = place
        distinct.insert(place, None)
    cells = np.empty(len(distinct), dtype=object)
    cells[:] = distinct
    return np.asarray(cells[codes], dtype=object), distinct, codes


def _first_seen(codes: NDArray[np.int64]) -> bool:
    """Whether each code first appears right after the largest code before it (0, 1, 2, ...)."""
    if codes.shape[0] == 0:
        return True
    ceiling = np.maximum.accumulate(codes)
    return bool(codes[0] == 0 and np.all(codes[1:] <= ceiling[:-1] + 1))


def _code_accounts(
    accounts: Any, pa: Any, pc: Any
) -> tuple[NDArray[np.object_], NDArray[np.int64], NDArray[np.object_]]:
    """Sorted distinct accounts, each record's index into them, and the account per record.

    Arrow sorts strings by their UTF-8 bytes, which is code-point order: Python's.
    """
    encoded = _dictionary_encode(accounts)
    order = np.asarray(pc.array_sort_indices(encoded.dictionary).to_numpy(), dtype=np.int64)
    distinct = _object_strings(encoded.dictionary.take(pa.array(order, type=pa.int64())))
    rank = np.empty(order.shape[0], dtype=np.int64)
    rank[order] = np.arange(order.shape[0], dtype=np.int64)
    indices = np.asarray(encoded.indices.to_numpy(zero_copy_only=False), dtype=np.int64)
    code = rank[indices]
    return distinct, code, np.asarray(distinct[code], dtype=object)


def _row_strings(rows: NDArray[np.int64], pa: Any) -> NDArray[np.object_]:
    """Row numbers as text, as ``str(i)`` writes them."""
    return _object_strings(pa.array(rows, type=pa.int64()).cast(pa.string()))


def _lengths(values: NDArray[np.object_]) -> NDArray[np.int64]:
    return np.fromiter((len(v or ()) for v in values), dtype=np.int64, count=values.shape[0])


class _Prefetch:
    """Work on whole columns started early in a second thread.

    The final form of a column (its factorisation, the Python strings of its
    cells) is computed from every row as soon as the column is read, and
    overlaps the checks of the other columns; pyarrow releases the GIL for
    much of it. A result is used only when no row is set aside (it is then the
    result on the kept rows); otherwise the kept rows are converted afresh.
    Without a pool nothing is started and :meth:`take` gives None.
    """

    def __init__(self, pool: ThreadPoolExecutor | None) -> None:
        self._pool = pool
        self._jobs: dict[str, Future[Any]] = {}

    def start(self, name: str, work: Callable[..., Any], *args: Any) -> None:
        if self._pool is not None:
            self._jobs[name] = self._pool.submit(work, *args)

    def take(self, name: str, usable: bool) -> Any:
        """The result of *name*'s work when *usable*, else None (and the work is dropped)."""
        job = self._jobs.pop(name, None)
        if job is None:
            return None
        if not usable:
            job.cancel()  # never run if not started; else finished and dropped
            return None
        return job.result()


#: Fewest rows for which ingest converts whole columns in a second thread (_Prefetch).
_PREFETCH_FROM = 100_000


def _build_columnar(
    table: _Table,
    final: Mapping[str, str],
    zone: ZoneInfo | None,
    on_invalid: str,
) -> Records:
    """:func:`_build` for inputs held as columns; same result, checks in the same order."""
    threads = table.n_rows >= _PREFETCH_FROM and (os.cpu_count() or 1) > 1
    with ThreadPoolExecutor(max_workers=1) if threads else contextlib.nullcontext() as pool:
        try:
            return _build_columns(table, final, zone, on_invalid, _Prefetch(pool))
        except BaseException:
            if pool is not None:  # an invalid row: do not start work nobody will use
                pool.shutdown(wait=False, cancel_futures=True)
            raise


def _build_columns(
    table: _Table,
    final: Mapping[str, str],
    zone: ZoneInfo | None,
    on_invalid: str,
    prefetch: _Prefetch,
) -> Records:
    """The body of :func:`_build_columnar`."""
    pa = _pyarrow()
    pc = import_optional("pyarrow.compute", feature="Reading columnar input")
    assert table.column is not None
    read_column = table.column
    n = table.n_rows
    problems = _Problems()
    rowwise: list[str] = []
    arrow_columns: dict[str, _Column | None] = {}
    raw_columns: dict[str, NDArray[Any]] = {}

    def arrow(name: str) -> _Column | None:
        if name not in arrow_columns:
            arrow_columns[name] = read_column(final[name])
        return arrow_columns[name]

    def raw_values(name: str) -> NDArray[Any]:
        if name not in raw_columns:
            values = table.read(final[name], False)
            assert not isinstance(values, _Times)  # only time reads return _Times
            raw_columns[name] = values
        return raw_columns[name]

    def direct(name: str, rows: NDArray[np.int64]) -> list[Any]:
        c = arrow(name)
        if c is not None:
            return c.direct(rows)
        values = raw_values(name)
        return [values[i] for i in rows.tolist()]

    def ids(name: str) -> Any:
        """Arrow large strings, or the row-wise object array for a type not handled."""
        result = _fast_ids(arrow(name), name, problems, pa, pc)
        if result is None:
            rowwise.append(name)
            result = _map_values(raw_values(name), _id_text, name, problems)
        return result

    def times(name: str) -> NDArray[np.float64]:
        result = _fast_times(arrow(name), name, zone, problems, pa, pc)
        if result is None:
            raw = table.read(final[name], True)
            if not isinstance(raw, _Times):  # date-time columns are read in bulk already
                rowwise.append(name)
            result = _parse_times(raw, name, zone, problems)
        return result

    def items(name: str, field: str) -> tuple[NDArray[np.object_], NDArray[np.int64]]:
        result = _fast_items(arrow(name), field, name, problems, pa, pc)
        if result is None:
            rowwise.append(name)
            values = _map_values(raw_values(name), partial(_items, field=field), name, problems)
            result = values, _lengths(values)
        return result

    def present(values: Any) -> NDArray[np.bool_]:
        if isinstance(values, np.ndarray):
            return np.asarray(values.astype(bool), dtype=bool)  # as _content_mask
        return ~_nulls(values)

    # Columns are checked in the order of _build; a row is reported at its first problem.
    account = ids("account_id")
    if isinstance(account, np.ndarray):
        missing = np.flatnonzero(_missing_mask(account))
    else:
        missing = np.flatnonzero(_nulls(account))
    for i, value in zip(missing.tolist(), direct("account_id", missing), strict=True):
        problems.add(i, "account_id", value, "account_id is missing or empty")
    if not isinstance(account, np.ndarray):
        prefetch.start("account_id", _code_accounts, account, pa, pc)

    timestamp = times("timestamp")
    unset = [i for i in np.flatnonzero(np.isnan(timestamp)).tolist() if i not in problems.by_row]
    unset_rows = np.asarray(unset, dtype=np.int64)
    for i, value in zip(unset, direct("timestamp", unset_rows), strict=True):
        problems.add(i, "timestamp", value, "the time is missing")

    fields: dict[str, Any] = {}
    content: dict[str, NDArray[np.bool_]] = {}
    if "account_created_at" in final:
        fields["account_created_at"] = times("account_created_at")
    record_id = ids("record_id") if "record_id" in final else None
    if record_id is not None and not isinstance(record_id, np.ndarray):
        prefetch.start("record_id", _kept_strings, record_id, pa, pc)

    for name in final:
        if name in _META_FIELDS or name == "url":
            continue
        if name == "text":
            values = _fast_text(arrow(name), pa, pc)
            if values is None:
                rowwise.append(name)
                values = _map_values(raw_values(name), _text, name, problems)
            else:
                prefetch.start(name, _encoded_strings, values)
            content[name] = present(values)
        elif name in _ID_FIELDS:
            values = ids(name)
            if name in _FACTORIZED_FIELDS and not isinstance(values, np.ndarray):
                prefetch.start(name, _encoded_strings, values)
            content[name] = present(values)
        elif name in ("urls", "hashtags", "mentions"):
            values, counts = items(name, name)
            content[name] = counts > 0
        else:
            unknown = _fast_keep(arrow(name), pa, pc)
            if unknown is None:
                rowwise.append(name)
                values = _keep(raw_values(name))
                blank = np.asarray(np.frompyfunc(_is_blank, 1, 1)(values), dtype=bool)
                content[name] = ~blank
            else:
                values, content[name] = unknown
        fields[name] = values
    for name in ("platform", "lang"):
        if name in final:
            fields[name] = ids(name)
    if "url" in final:
        single, single_counts = items("url", "url")
        if "urls" in fields:
            fields["urls"], content["urls"] = _merge_url_columns(
                single, single_counts, fields["urls"], content["urls"]
            )
        else:
            fields["urls"], content["urls"] = single, single_counts > 0

    has_content = np.zeros(n, dtype=bool)
    for mask in content.values():
        has_content |= mask
    if not has_content.all():
        column = _content_problem_column(final)
        listed = ", ".join(name for name in final if name not in _META_FIELDS)
        empty = np.flatnonzero(~has_content)
        for i, value in zip(empty.tolist(), direct(column, empty), strict=True):
            problems.add(i, column, value, f"the record has no content ({listed} all empty)")

    _LOG.debug("ingest: columnar path for %d records; row-wise columns: %s", n, rowwise or "none")
    keep, rejected = _set_aside(problems, n, final, on_invalid)
    rows = np.flatnonzero(keep).astype(np.int64)
    everything = rows.shape[0] == n
    arrow_keep = None if everything else pa.array(keep)

    def kept(values: Any) -> NDArray[Any]:
        if isinstance(values, np.ndarray):
            return values if everything else values[keep]
        return _kept_strings(values if everything else values.filter(arrow_keep), pa, pc)

    if isinstance(account, np.ndarray):
        account_id = account[keep]
        accounts, code = np.unique(account_id, return_inverse=True)
    else:
        accounts, code, account_id = prefetch.take("account_id", everything) or _code_accounts(
            account if everything else account.filter(arrow_keep), pa, pc
        )
    if record_id is None:
        record_ids = _row_strings(rows, pa)
    else:
        whole = prefetch.take("record_id", everything)
        record_ids = kept(record_id) if whole is None else whole
        if isinstance(record_id, np.ndarray):
            record_ids = record_ids.copy()
            holes = np.flatnonzero(_missing_mask(record_ids))
        else:
            holes = np.flatnonzero(_nulls(record_id)[keep])
        record_ids[holes] = _row_strings(rows[holes], pa)
    out_fields: dict[str, NDArray[Any]] = {}
    for name, values in fields.items():
        if name in _FACTORIZED_FIELDS and not isinstance(values, np.ndarray):
            cells, distinct, codes = prefetch.take(name, everything) or _encoded_strings(
                values if everything else values.filter(arrow_keep)
            )
            out_fields[name] = _readonly(cells)
            if _first_seen(codes):
                remember(cells, distinct, codes)
        else:
            out_fields[name] = _readonly(kept(values))
    return Records(
        account_id=_readonly(account_id),
        timestamp=_readonly(timestamp[keep]),
        record_id=_readonly(record_ids),
        row=_readonly(rows),
        accounts=_readonly(accounts),
        account_code=_readonly(code.reshape(-1).astype(np.int64)),
        fields=_ReadOnlyFields(out_fields),
        rejected=rejected,
        n_input=n,
    )


def _merge_url_columns(
    single: NDArray[np.object_],
    single_counts: NDArray[np.int64],
    urls: NDArray[np.object_],
    urls_present: NDArray[np.bool_],
) -> tuple[NDArray[np.object_], NDArray[np.bool_]]:
    """:func:`_merge_urls`, with Python work only where both columns have something."""
    merged = urls.copy()
    only_single = (single_counts > 0) & ~urls_present
    merged[only_single] = single[only_single]
    both = np.flatnonzero((single_counts > 0) & urls_present)
    if both.size:
        merged[both] = _merge_urls(single[both], urls[both])
    return merged, (single_counts > 0) | urls_present


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
            fields["urls"] = _merge_urls(single, fields["urls"])
        else:
            fields["urls"] = single
    has_content = _content_mask(fields, n)

    if not has_content.all():
        column = _content_problem_column(final)
        source = raw_values(column)
        listed = ", ".join(name for name in final if name not in _META_FIELDS)
        for i in np.flatnonzero(~has_content).tolist():
            problems.add(i, column, source[i], f"the record has no content ({listed} all empty)")

    keep, rejected = _set_aside(problems, n, final, on_invalid)
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


def _set_aside(
    problems: _Problems, n: int, final: Mapping[str, str], on_invalid: str
) -> tuple[NDArray[np.bool_], tuple[RejectedRow, ...]]:
    """Raise for the first invalid record, or return the mask of records kept and the rest."""
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
    return keep, rejected


def _merge_urls(single: NDArray[np.object_], urls: NDArray[np.object_]) -> NDArray[np.object_]:
    """``url`` merged into ``urls`` row by row, distinct and in first-seen order.

    An invalid value (None here) merges as nothing: its record is rejected anyway.
    """
    pairs = zip(single, urls, strict=True)
    merged = (tuple(dict.fromkeys((a or ()) + (b or ()))) for a, b in pairs)
    return _object_array(merged, single.shape[0])


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


def _release_arrow_memory() -> None:
    """Give the memory pyarrow's allocator kept from freed buffers back to the system.

    After a file is read and converted, its Arrow columns are freed, but the
    allocator keeps their pages for reuse (about 1 GB at 10^7 records), which a
    long analysis never reuses.
    """
    pa = sys.modules.get("pyarrow")
    if pa is not None:
        pa.default_memory_pool().release_unused()


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

    **Speed.** When pyarrow is installed, every input is checked and converted
    column by column with ``pyarrow.compute`` and numpy: about a second per
    million Parquet rows. Values that path cannot settle exactly (unusual
    strings, invalid values) go through the record-by-record rules above at
    their own rows, and a column of another type (say, booleans, structs, or
    integers mixed with floats in an iterable of mappings) goes through them
    whole, so the result, every error and every rejected record are the same
    either way. A CSV file is read with ``pyarrow.csv`` when its quoting is
    well formed (RFC 4180: quotes open a cell, close it before a comma or a line
    end, and are doubled inside it); then both readers find the same cells.
    A JSON Lines file is read with ``pyarrow.json`` when each line holds one
    object and every column reads back as exactly what :func:`json.loads`
    gives: strings, integers, booleans and lists of them, without a null
    inside a list. Other files (a float column, nested objects, stray quotes)
    are read with the :mod:`csv` or :mod:`json` module, as before. At 10^6
    records a quoted CSV file took 2.6 s against 7.6 s with the :mod:`csv`
    module, a JSON Lines file 3.2 s against 19 s with the :mod:`json` module
    and row-wise checks, and a list of dicts 5.4 s against 10.3 s row-wise
    (``docs/benchmarks.md``, "Ingest by input format").
    The path taken, and the columns read record by record, are logged at
    DEBUG level on the ``"botgraph"`` logger.

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
    if table.column is not None:
        built = _build_columnar(table, final, zone, on_invalid)
        if isinstance(records, str | os.PathLike):
            del table  # the file's Arrow buffers: no one else holds them
            _release_arrow_memory()
        return built
    _LOG.debug("ingest: row-wise path for %d records", table.n_rows)
    return _build(table, final, zone, on_invalid)
