"""The columnar path of botgraph.ingest gives exactly the Records of the row-wise path.

Every test runs the same input twice through :func:`botgraph.ingest.ingest`: once as
is (columnar path for Arrow, Parquet, pandas, polars, CSV, JSON Lines and lists of
mappings) and once with the columnar builder replaced by the row-wise one, CSV files
read by the csv module and JSON Lines files by the json module (Parquet files also
through ``pq.read_table``), then compares every array (values, dtype, element types,
order), the rejected rows, and any error raised. Random tables come from Hypothesis;
the synthetic benchmark files are used when present.
"""

from __future__ import annotations

import contextlib
import csv
import gzip
import importlib
import json
import logging
import math
import tempfile
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from unittest import mock

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from botgraph.errors import SchemaError
from botgraph.ingest import Records, ingest

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")

MODULE = importlib.import_module("botgraph.ingest")
DATA = Path(__file__).resolve().parents[1] / "benchmarks" / ".data"
E0 = int(datetime(2024, 5, 1, 10, tzinfo=UTC).timestamp())

# --------------------------------------------------------------------------- helpers


def _run(records: Any, options: dict[str, Any]) -> Records | Exception:
    try:
        return ingest(records, **options)
    except Exception as exc:  # compared with the row-wise outcome below
        return exc


def _rowwise(records: Any, options: dict[str, Any]) -> Records | Exception:
    """The reference: the same call through the row-wise builder, the csv module and
    the json module."""
    with (
        mock.patch.object(MODULE, "_build_columnar", MODULE._build),
        mock.patch.object(MODULE, "_read_csv_arrow", return_value=None),
        mock.patch.object(MODULE, "_read_jsonl_arrow", return_value=None),
    ):
        return _run(records, options)


class _Messages(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@contextlib.contextmanager
def _debug_messages() -> Iterator[list[str]]:
    logger = logging.getLogger("botgraph")
    handler, level = _Messages(), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        yield handler.messages
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def _kinds(values: list[Any]) -> list[Any]:
    return [tuple(map(type, v)) if isinstance(v, tuple) else type(v) for v in values]


def _same_array(fast: np.ndarray, slow: np.ndarray, name: str) -> None:
    assert fast.dtype == slow.dtype, name
    assert fast.shape == slow.shape, name
    assert not fast.flags.writeable, name
    if fast.dtype == object:
        assert fast.tolist() == slow.tolist(), name
        assert _kinds(fast.tolist()) == _kinds(slow.tolist()), name
    elif fast.dtype.kind == "f":
        nan = np.isnan(slow)
        assert np.array_equal(np.isnan(fast), nan), name
        # Bit for bit: -0.0 and 0.0 differ here.
        assert np.array_equal(fast.view(np.uint64)[~nan], slow.view(np.uint64)[~nan]), name
    else:
        assert np.array_equal(fast, slow), name


def _assert_same(fast: Records | Exception, slow: Records | Exception) -> None:
    if isinstance(slow, Exception):
        assert isinstance(fast, Exception), f"columnar path did not raise {slow!r}"
        assert type(fast) is type(slow)
        assert str(fast) == str(slow)
        if isinstance(slow, SchemaError):
            assert isinstance(fast, SchemaError)
            assert (fast.row, fast.column) == (slow.row, slow.column)
            assert type(fast.value) is type(slow.value)
            assert repr(fast.value) == repr(slow.value)
        return
    assert not isinstance(fast, Exception), f"columnar path raised {fast!r}"
    for name in ("account_id", "timestamp", "record_id", "row", "accounts", "account_code"):
        _same_array(getattr(fast, name), getattr(slow, name), name)
    assert list(fast.fields) == list(slow.fields)
    for name, values in slow.fields.items():
        _same_array(fast.fields[name], values, name)
    assert fast.rejected == slow.rejected
    assert fast.n_input == slow.n_input


def _check(records: Any, **options: Any) -> Records | Exception:
    """Assert both paths agree and that the columnar one ran; return its outcome."""
    with _debug_messages() as messages:
        fast = _run(records, options)
    assert not any("row-wise path" in m for m in messages)
    # Only an error raised before the records are checked (or a naive time) skips the log.
    assert isinstance(fast, Exception) or any("columnar path" in m for m in messages)
    _assert_same(fast, _rowwise(records, options))
    return fast


# --------------------------------------------------------------------------- random tables

WHITE = ["", " ", "\t", "\n", "\x1c", "\x85", "\xa0", "\u2028", "\u3000"]
NOT_WHITE = ["\u200b", "\ufeff", "\x00"]  # look blank, but str.strip() keeps them
WORDS = ["alice", "Bob", "Ünï", "42", "compte_é", "🤖", "x,y", "#tag", "@you", "1.5"]


@st.composite
def _padded(draw: st.DrawFn, core: st.SearchStrategy[str]) -> str:
    left = draw(st.sampled_from(WHITE + NOT_WHITE[:1]))
    right = draw(st.sampled_from(WHITE))
    return left + draw(core) + right if draw(st.booleans()) else draw(core)


SHORT_TEXT = st.one_of(
    st.sampled_from(WORDS + WHITE + NOT_WHITE),
    st.text(st.characters(codec="utf-8"), max_size=6),
)
ID_TEXT = st.one_of(st.sampled_from(WORDS), _padded(st.sampled_from(WORDS + NOT_WHITE)))


@st.composite
def _iso(draw: st.DrawFn) -> str:
    """ISO-8601-like strings: mostly valid with an offset, some naive, odd or invalid."""
    year = draw(st.one_of(st.integers(1969, 2040), st.sampled_from([1, 1900, 2000, 2400, 9999])))
    month = draw(st.one_of(st.integers(1, 12), st.sampled_from([0, 13])))
    day = draw(st.one_of(st.integers(1, 28), st.sampled_from([0, 29, 30, 31, 32])))
    hour = draw(st.one_of(st.integers(0, 23), st.just(24)))
    minute, second = draw(st.integers(0, 60)), draw(st.integers(0, 60))
    sep = draw(st.sampled_from(["T", "T", " ", "t", "x"]))
    frac = draw(
        st.sampled_from(["", "", ".", ".5", ".25", ".123", ".12345", ".123456", ".1234567"])
    )
    zone = draw(
        st.sampled_from(
            [
                *["Z", "Z", "+00:00", "-00:00", "+02:00", "-04:30", "+05:45", "+23:59", "-23:59"],
                *["z", "+24:00", "+02:60", "+0200", "+02", " UTC", ""],
            ]
        )
    )
    text = f"{year:04d}-{month:02d}-{day:02d}{sep}{hour:02d}:{minute:02d}:{second:02d}{frac}{zone}"
    return draw(st.sampled_from(["", "", "", " "])) + text


EPOCH_TEXT = st.one_of(
    st.integers(-(10**15), 10**15).map(str),
    st.integers(E0, E0 + 10**6).map(str),
    st.integers(E0 * 1000, E0 * 1000 + 10**9).map(str),
    st.sampled_from(["-0", "+5", " 1714557600 ", "1714557600.5", "1e9", "1e999", "١٧١٤٥٥٧٦٠٠"]),
    st.sampled_from(["Wed May 01 10:00:00 +0000 2024", "2024-05-01", "soon", "", " "]),
)


@st.composite
def _iso_good(draw: st.DrawFn, naive: bool = False) -> str:
    """Valid ISO 8601 with an offset (or, with *naive*, without): the columnar path's forms."""
    moment = draw(st.datetimes(datetime(1900, 1, 1), datetime(2200, 12, 31)))
    text = moment.isoformat(sep=draw(st.sampled_from(["T", " "])), timespec="seconds")
    digits = draw(st.integers(0, 6))
    if digits:
        text += "." + f"{moment.microsecond:06d}"[:digits]
    if naive:
        return text
    minutes = draw(st.one_of(st.just(0), st.integers(-(23 * 60 + 59), 23 * 60 + 59)))
    if minutes == 0 and draw(st.booleans()):
        return text + "Z"
    sign = "-" if minutes < 0 else "+"
    return text + f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


FLOATS = st.one_of(
    st.integers(-(10**6), 10**6).map(float),
    st.floats(-1e6, 1e6, allow_nan=False),
    st.sampled_from([-0.0, 1e20, 0.1, 2.0**62]),
)
TAGS = st.sampled_from(["#a", "＃a", "@b", "@＠b", " c ", "u,", "a", "#", "", " "])
#: kind -> (valid values, values that make a record invalid or are unusual)
KINDS: dict[str, tuple[st.SearchStrategy[Any], st.SearchStrategy[Any]]] = {
    "id_text": (ID_TEXT, st.sampled_from(WHITE)),
    "id_int": (st.integers(-(2**31), 2**31 - 1), st.nothing()),
    "id_float": (FLOATS, st.sampled_from([math.nan, math.inf, -math.inf, 2.0**63, 1e300])),
    "bool": (st.booleans(), st.nothing()),
    "text": (st.one_of(SHORT_TEXT, _padded(SHORT_TEXT)), st.sampled_from(WHITE)),
    "epoch_s": (st.integers(E0 - 10**8, E0 + 10**8), st.nothing()),
    "epoch_ms": (st.integers((E0 - 10**8) * 1000, (E0 + 10**8) * 1000), st.nothing()),
    "epoch_float": (st.floats(1e9, 2e12), st.sampled_from([math.inf, math.nan])),
    "huge_int": (st.sampled_from([2**60, -(2**60), E0]), st.nothing()),
    "iso": (_iso_good(), st.one_of(_iso(), EPOCH_TEXT)),
    "iso_naive": (_iso_good(naive=True), _iso()),
    "iso_epoch": (st.integers(E0, E0 + 10**6).map(str), EPOCH_TEXT),
    "datetime": (
        st.datetimes(datetime(1990, 1, 1), datetime(2050, 1, 1), timezones=st.just(UTC)),
        st.nothing(),
    ),
    "list": (st.lists(st.one_of(ID_TEXT, TAGS), max_size=5), st.lists(st.none(), max_size=2)),
    "list_text": (
        st.one_of(
            SHORT_TEXT,
            st.sampled_from(["#a, #b #a", "['x', 'y']", '["x"]', "a b,c", "[]", "[", "@me"]),
            st.sampled_from(["https://x.org/a,b https://y.org", "https://t.co/c,"]),
        ),
        st.sampled_from(["[1.5]", "[{}]"]),
    ),
    "null": (st.none(), st.nothing()),
}


def _column(kind: str, n: int, dirty: bool) -> st.SearchStrategy[list[Any]]:
    """*n* values of one kind; a dirty column also has missing and invalid ones."""
    good, bad = KINDS[kind]
    element = st.one_of(good, good, good, st.none(), bad) if dirty else good
    return st.lists(element, min_size=n, max_size=n)


ARROW_TYPES: dict[str, list[Any]] = {
    "id_text": [pa.string(), pa.large_string(), "dictionary"],
    "id_int": [pa.int64(), pa.int32()],
    "id_float": [pa.float64()],
    "bool": [pa.bool_()],
    "text": [pa.string(), pa.large_string()],
    "epoch_s": [pa.int64(), pa.uint32()],
    "epoch_ms": [pa.int64()],
    "epoch_float": [pa.float64(), pa.float32()],
    "huge_int": [pa.int64()],
    "iso": [pa.string(), pa.large_string(), "dictionary"],
    "iso_naive": [pa.string()],
    "iso_epoch": [pa.string()],
    "datetime": [pa.timestamp("ms", tz="UTC"), pa.timestamp("s")],
    "list": [pa.list_(pa.string()), pa.large_list(pa.large_string())],
    "list_text": [pa.string()],
    "null": [pa.null()],
}
ROLES: dict[str, list[str]] = {
    "account_id": ["id_text", "id_text", "id_text", "id_int", "id_float", "bool"],
    "timestamp": [
        *["epoch_s", "epoch_ms", "iso", "iso", "iso", "iso_epoch", "epoch_float"],
        *["huge_int", "datetime"],
    ],
    "text": ["text", "text", "id_int", "id_float", "null"],
    "target_id": ["id_text", "id_int", "id_float"],
    "record_id": ["id_text", "id_int", "null"],
    "platform": ["id_text"],
    "urls": ["list", "list", "list_text", "null"],
    "hashtags": ["list", "list_text"],
    "mentions": ["list"],
    "url": ["id_text", "list_text"],
    "account_created_at": ["iso", "epoch_ms", "iso_naive"],
    "extra": ["id_int", "id_float", "text", "bool", "list", "null"],
}
OPTIONAL = [name for name in ROLES if name not in ("account_id", "timestamp", "text")]


@st.composite
def _tables(draw: st.DrawFn, naive: bool, max_rows: int = 30) -> Any:
    """A pyarrow Table with the required columns and a random choice of the others."""
    n = draw(st.integers(1, max_rows))
    names = ["account_id", "timestamp", "text"]
    names += draw(st.lists(st.sampled_from(OPTIONAL), unique=True, max_size=5))
    if draw(st.booleans()):
        names.remove("text")
    arrays = {}
    for name in draw(st.permutations(names)):
        kinds = ROLES[name] + (["iso_naive"] if naive and name == "timestamp" else [])
        kind = draw(st.sampled_from(kinds))
        if not naive and kind == "iso_naive":
            kind = "iso"
        values = draw(_column(kind, n, dirty=draw(st.integers(0, 2)) == 0))
        arrow_type = draw(st.sampled_from(ARROW_TYPES[kind]))
        if kind == "datetime" and arrow_type.tz is None:
            values = [None if v is None else v.replace(tzinfo=None) for v in values]
        if arrow_type == "dictionary":
            arrays[name] = pa.array(values, type=pa.string()).dictionary_encode()
        else:
            arrays[name] = pa.array(values, type=arrow_type)
    return pa.table(arrays)


@st.composite
def _cases(draw: st.DrawFn) -> tuple[Any, dict[str, Any]]:
    """A table and ingest options; sometimes a column arrives under the caller's own name."""
    zone = draw(st.sampled_from([None, None, "UTC", "Europe/Paris", "America/St_Johns"]))
    # Naive times without a zone raise at once: draw them now and then only.
    table = draw(_tables(naive=zone is not None or draw(st.integers(0, 9)) == 0))
    options: dict[str, Any] = {
        "on_invalid": draw(st.sampled_from(["raise", "drop", "drop"])),
        "timezone": zone,
    }
    if draw(st.booleans()):
        name = draw(st.sampled_from(table.column_names))
        options["columns"] = {f"my_{name}": name}
        table = table.rename_columns([f"my_{c}" if c == name else c for c in table.column_names])
    return table, options


# --------------------------------------------------------------------------- properties

SETTINGS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@SETTINGS
@given(data=st.data())
def test_arrow_same_as_rowwise(data: st.DataObject) -> None:
    table, options = data.draw(_cases())
    _check(table, **options)


@SETTINGS
@given(data=st.data())
def test_parquet_and_record_batch_same_as_rowwise(data: st.DataObject) -> None:
    table, options = data.draw(_cases())
    _check(table.to_batches()[0] if table.num_rows else table, **options)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "records.parquet"
        pq.write_table(table, path, row_group_size=7)  # several chunks per column
        _assert_same(_check(path, **options), _rowwise(pq.read_table(path), options))


@SETTINGS
@given(data=st.data())
def test_encodings_in_a_second_thread_same_as_rowwise(data: st.DataObject) -> None:
    # Parquet with several chunks per column; rows may be dropped (the early encoding of
    # every row is then not used).
    table, options = data.draw(_cases())
    with (
        mock.patch.object(MODULE, "_PREFETCH_FROM", 0),
        mock.patch.object(MODULE.os, "cpu_count", return_value=2),
        tempfile.TemporaryDirectory() as folder,
    ):
        path = Path(folder) / "records.parquet"
        pq.write_table(table, path, row_group_size=7)
        _assert_same(_check(path, **options), _rowwise(pq.read_table(path), options))


@pytest.mark.parametrize("drop", [False, True])
def test_work_started_early_is_used_when_every_row_is_kept(drop: bool) -> None:
    # Accounts, record ids and the factorised columns are converted from every row in
    # the second thread. With every row kept the main thread converts nothing again;
    # with a row set aside it converts the kept rows itself.
    table = pa.table(
        {
            "record_id": ["r0", "r1", None, "r3", "r4"],
            "account_id": ["a", "b", "c", "a", "b" if not drop else None],
            "timestamp": [1, 2, 3, 4, 5],
            "text": ["x y", None, "x y", "z", "w"],
            "target_id": ["t1", "t2", None, "t1", "t3"],
            "post_id": ["p", "p", "q", None, "p"],
        }
    )
    plain = ingest(table, on_invalid="drop")
    calls: list[tuple[str, str]] = []

    def spy(name: str) -> Any:
        original = getattr(MODULE, name)

        def recorded(*args: Any) -> Any:
            calls.append((name, threading.current_thread().name))
            return original(*args)

        return mock.patch.object(MODULE, name, recorded)

    with (
        mock.patch.object(MODULE, "_PREFETCH_FROM", 0),
        mock.patch.object(MODULE.os, "cpu_count", return_value=2),
        spy("_encoded_strings"),
        spy("_code_accounts"),
        spy("_kept_strings"),
    ):
        early = ingest(table, on_invalid="drop")
    _assert_same(early, plain)
    main = threading.main_thread().name
    in_worker = sorted(name for name, thread in calls if thread != main)
    in_main = sorted(name for name, thread in calls if thread == main)
    whole = ["_code_accounts", "_encoded_strings", "_encoded_strings", "_encoded_strings"]
    if drop:  # a row is set aside: what the worker did is dropped
        assert in_main == [*whole, "_kept_strings"]
    else:
        assert in_main == []
        assert in_worker == sorted([*whole, "_kept_strings"])


@SETTINGS
@given(data=st.data())
def test_pandas_same_as_rowwise(data: st.DataObject) -> None:
    pd = pytest.importorskip("pandas")
    table, options = data.draw(_cases())
    _check(table.to_pandas(), **options)  # NaN-filled ints, numpy lists, categories ...
    plain = pd.DataFrame({name: table.column(name).to_pylist() for name in table.column_names})
    _check(plain, **options)  # object columns of Python values


@SETTINGS
@given(data=st.data())
def test_polars_same_as_rowwise(data: st.DataObject) -> None:
    pl = pytest.importorskip("polars")
    table, options = data.draw(_cases())
    _check(pl.from_arrow(table), **options)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


#: Bytes scanned at a time for quotes and line ends: the default, and blocks that split
#: lines and quoted cells.
_SCAN_BLOCKS = st.sampled_from([MODULE._SCAN_BLOCK, 3, 64])


@SETTINGS
@given(data=st.data())
def test_csv_same_as_rowwise(data: st.DataObject) -> None:
    table, options = data.draw(_cases())
    quoting = data.draw(st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL, csv.QUOTE_NONNUMERIC]))
    ending = data.draw(st.sampled_from(["\n", "\r\n"]))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "records.csv"
        with open(path, "w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, quoting=quoting, lineterminator=ending)
            writer.writerow(table.column_names)
            for row in table.to_pylist():
                writer.writerow([_cell(v) for v in row.values()])
        with mock.patch.object(MODULE, "_SCAN_BLOCK", data.draw(_SCAN_BLOCKS)):
            _check(path, **options)


def _rows(data: st.DataObject, table: Any) -> list[dict[str, Any]]:
    """The table's rows as dicts; a missing value is sometimes an absent key."""
    rows = table.to_pylist()
    if data.draw(st.booleans()):
        rows = [{k: v for k, v in row.items() if v is not None} for row in rows]
    return rows


@SETTINGS
@given(data=st.data())
def test_rows_same_as_rowwise(data: st.DataObject) -> None:
    table, options = data.draw(_cases())
    _check(_rows(data, table), **options)


def _json_value(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


@SETTINGS
@given(data=st.data())
def test_jsonl_same_as_rowwise(data: st.DataObject) -> None:
    # json.dumps writes NaN and infinities, which only the json module reads, and
    # pyarrow takes ISO strings for times: both must still give the json module's values.
    table, options = data.draw(_cases())
    ascii_only = data.draw(st.booleans())
    lines = [
        json.dumps({k: _json_value(v) for k, v in row.items()}, ensure_ascii=ascii_only)
        for row in _rows(data, table)
    ]
    blank = data.draw(st.sampled_from(["", " ", "\t"]))
    if data.draw(st.booleans()):
        lines.insert(data.draw(st.integers(0, len(lines))), blank)
    ending = data.draw(st.sampled_from(["\n", "\r\n"]))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "records.jsonl"
        _write_lines(path, lines, ending)
        with mock.patch.object(MODULE, "_SCAN_BLOCK", data.draw(_SCAN_BLOCKS)):
            _check(path, **options)


# --------------------------------------------------------------------------- targeted cases


def _frame(**columns: list[Any]) -> Any:
    return pa.table({name: pa.array(values) for name, values in columns.items()})


def test_paths_are_logged() -> None:
    rows = [{"account_id": "a", "timestamp": E0, "text": "x"}]
    with _debug_messages() as messages:
        ingest(rows)
        ingest(pa.Table.from_pylist(rows))
        with mock.patch.object(MODULE, "_has_pyarrow", return_value=False):
            ingest(rows)
    assert messages == [
        "ingest: columnar path for 1 records; row-wise columns: none",
        "ingest: columnar path for 1 records; row-wise columns: none",
        "ingest: row-wise path for 1 records",
    ]


def test_lone_surrogates_go_rowwise() -> None:
    # Arrow holds UTF-8 only: a str with a lone surrogate (json.loads reads "\\ud800" so)
    # sends its column row by row instead of failing.
    rows = [
        {"account_id": "a", "timestamp": E0, "text": "x\ud800"},
        {"account_id": "b\udcff", "timestamp": E0, "text": "y"},
    ]
    recs = _check(rows)
    assert isinstance(recs, Records)
    assert recs.fields["text"].tolist() == ["x\ud800", "y"]
    pd = pytest.importorskip("pandas")
    _check(pd.DataFrame({k: pd.Series([r[k] for r in rows], dtype=object) for k in rows[0]}))


def test_rows_of_mixed_numbers_go_rowwise_by_column() -> None:
    # Integers and floats in one column would meet in float64: that column goes row-wise.
    # So do integers beyond int64 and booleans; integers alone and floats alone do not.
    rows = [
        {"account_id": "a", "timestamp": E0, "n": 1, "x": 0.5, "m": 1, "big": 2**63, "b": True},
        {"account_id": "b", "timestamp": E0 + 1, "n": 2**62, "x": None, "m": 0.5, "big": 1},
    ]
    with _debug_messages() as messages:
        recs = _check(rows)
    assert "ingest: columnar path for 2 records; row-wise columns: ['m', 'big', 'b']" in messages
    assert isinstance(recs, Records)
    assert recs.fields["m"].tolist() == [1, 0.5]
    assert recs.fields["big"].tolist() == [2**63, 1]


def test_unhandled_column_type_goes_rowwise() -> None:
    table = _frame(account_id=[True, False], timestamp=[E0, E0], text=["x", "y"], d=[{"k": 1}] * 2)
    with _debug_messages() as messages:
        recs = _check(table, on_invalid="drop")
    assert "ingest: columnar path for 2 records; row-wise columns: ['account_id', 'd']" in messages
    assert isinstance(recs, Records)
    assert [r.reason for r in recs.rejected] == ["a boolean is not an identifier"] * 2


def test_invalid_values_reported_identically() -> None:
    table = _frame(
        account_id=[1.5, math.inf, None, 7.0, 2.0**70],
        timestamp=["2024-05-01T10:00:00Z", "2024-02-30T10:00:00Z", "1e999", None, "1714557600"],
        text=[" ", "ok", "ok", "ok", "ok"],
    )
    recs = _check(table, on_invalid="drop")
    assert isinstance(recs, Records)
    assert [(r.row, r.column) for r in recs.rejected] == [
        (0, "text"),
        (1, "account_id"),
        (2, "account_id"),
        (3, "timestamp"),
    ]
    error = _check(table)
    assert isinstance(error, SchemaError)
    assert error.row == 0
    assert "Row 0, column 'text': the record has no content" in str(error)


ISO_EDGES = [
    *["2024-02-29T10:00:00Z", "2023-02-29T10:00:00Z", "1900-02-29T00:00:00Z"],
    *["2000-02-29T00:00:00Z", "2024-04-31T00:00:00Z", "2024-12-31T23:59:59Z"],
    *["2024-00-10T00:00:00Z", "2024-13-10T00:00:00Z", "2024-01-00T00:00:00Z"],
    *["0000-01-01T00:00:00Z", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59.999999Z"],
    *["2024-05-01T24:00:00Z", "2024-05-01T10:60:00Z", "2024-05-01T10:00:60Z"],
    *["2024-05-01T10:00:00+24:00", "2024-05-01T10:00:00+02:60", "2024-05-01T10:00:00-00:00"],
    *["2024-05-01T10:00:00+23:59", "2024-05-01T10:00:00.Z", "2024-05-01T10:00:00.1234567Z"],
    *["2024-05-01T10:00:00.1Z", "2024-05-01 10:00:00.000001-09:30", "2024-05-01t10:00:00z"],
    *["2024-05-01T10:00:00+0200", "2024-05-01T10:00:00+02", "2024-05-01T10:00:00 UTC"],
    *["2024-5-01T10:00:00Z", "2024-05-01T10:00Z", "2024-05-01T10:00:00ZZ", "+2024-05-01T10:00Z"],
    *["2024-05-01T10:00:00\u200bZ", "2024-05-01T10:00:00Z ", "١٩٧٠-01-01T00:00:00Z"],
]


@pytest.mark.parametrize("zone", [None, "Europe/Paris"])
def test_iso_edge_cases(zone: str | None) -> None:
    table = _frame(
        account_id=["a"] * len(ISO_EDGES), timestamp=ISO_EDGES, text=["x"] * len(ISO_EDGES)
    )
    recs = _check(table, on_invalid="drop", timezone=zone)
    assert isinstance(recs, Records)
    assert 0 < len(recs.rejected) < len(ISO_EDGES)


def test_naive_time_raises_at_first_naive_row_in_both_paths() -> None:
    times = ["2024-05-01T10:00:00Z", "bad", "2024-05-01 11:00:00", "2024-05-01"]
    table = _frame(account_id=[None, "a", "b", "c"], timestamp=times, text=["x"] * 4)
    error = _check(table, on_invalid="drop")
    assert isinstance(error, SchemaError)
    assert (error.row, error.column) == (2, "timestamp")
    recs = _check(table, on_invalid="drop", timezone="Europe/Paris")
    assert isinstance(recs, Records)
    assert recs.row.tolist() == [2, 3]


def test_naive_times_across_daylight_saving_changes() -> None:
    start = datetime(2024, 3, 31, 0, 0)
    wall = [start + timedelta(minutes=17 * k) for k in range(400)]
    wall += [datetime(2024, 10, 27, 2, 30), datetime(2024, 3, 31, 2, 30)]  # repeated, skipped
    texts = [w.isoformat(sep=" ") for w in wall]
    table = _frame(account_id=["a"] * len(texts), timestamp=texts, text=["x"] * len(texts))
    for zone in ("Europe/Paris", "America/New_York", "Asia/Kolkata"):
        recs = _check(table, timezone=zone)
        assert isinstance(recs, Records)
        assert len(recs) == len(texts)


def test_iso_strings_match_fromisoformat() -> None:
    rng = np.random.default_rng(7)
    n = 20_000
    seconds = rng.integers(-(2**31), 2**33, size=n)
    minutes = rng.integers(-23 * 60 - 59, 23 * 60 + 60, size=n)
    digits = rng.integers(0, 7, size=n)
    texts = []
    for s, m, d in zip(seconds.tolist(), minutes.tolist(), digits.tolist(), strict=True):
        moment = datetime.fromtimestamp(s, timezone(timedelta(minutes=m)))
        text = moment.isoformat(sep="T" if d % 2 else " ", timespec="seconds")
        if d:
            text = text[:19] + "." + str(rng.integers(0, 10**d)).zfill(d) + text[19:]
        texts.append(text.replace("+00:00", "Z") if m == 0 else text)
    seconds_, micros, canonical, aware = MODULE._iso_fields(pa.array(texts, pa.large_string()))
    assert canonical.all() and aware.all()
    expected = [datetime.fromisoformat(t).timestamp() for t in texts]
    assert ((seconds_ * 1_000_000 + micros) / 1e6).tolist() == expected


def test_whitespace_is_what_str_strip_removes() -> None:
    spaces = {c for c in map(chr, range(0x110000)) if c.isspace()}
    assert set(MODULE._WHITESPACE) == spaces


def test_url_merged_into_urls_and_invalid_url_is_a_schema_error() -> None:
    table = _frame(
        account_id=["a", "b", "c", "d"],
        timestamp=[E0] * 4,
        url=["https://x.org/1", "[1.5]", None, "https://x.org/1"],
        urls=[["https://x.org/2", "https://x.org/1"], ["u"], None, None],
    )
    recs = _check(table, on_invalid="drop")
    assert isinstance(recs, Records)
    assert recs.fields["urls"].tolist() == [
        ("https://x.org/1", "https://x.org/2"),
        ("https://x.org/1",),
    ]
    assert [(r.row, r.column) for r in recs.rejected] == [(1, "url"), (2, "url")]
    error = _check(table)
    assert isinstance(error, SchemaError)
    assert "Row 1, column 'url': expected strings in the list" in str(error)


def test_lists_with_duplicates_prefixes_and_missing_items() -> None:
    long = [f"#t{k % 7}" for k in (3, 1, 3, 4, 1, 5, 6, 0, 2, 3, 9, 8, 7)]  # > 8 items
    tags = [["#a", "a", None, " ", "＃b", "b "], None, [], ["#"], ["x", "y", "x", "z", "y"], long]
    table = _frame(account_id=list("abcdef"), timestamp=[E0] * 6, hashtags=tags, text=["t"] * 6)
    recs = _check(table)
    assert isinstance(recs, Records)
    assert recs.fields["hashtags"].tolist() == [
        ("a", "b"),
        (),
        (),
        (),
        ("x", "y", "z"),
        ("t3", "t1", "t4", "t5", "t6", "t0", "t2"),
    ]


def test_url_lists_lose_trailing_commas() -> None:
    urls = [["https://x.org/a,", " https://x.org/a", "https://x.org/b,,"], ["u,", "u"]]
    table = _frame(account_id=["a", "b"], timestamp=[E0, E0], urls=urls)
    recs = _check(table)
    assert isinstance(recs, Records)
    assert recs.fields["urls"].tolist() == [("https://x.org/a", "https://x.org/b"), ("u",)]


def test_unknown_columns_kept_as_given() -> None:
    table = _frame(
        account_id=list("abcd"),
        timestamp=[E0] * 4,
        likes=[1, None, 3, 2**62],
        score=[0.5, math.nan, None, -0.0],
        flag=[True, None, False, True],
        note=["x", " \u3000", None, ""],
    )
    recs = _check(table, on_invalid="drop")
    assert isinstance(recs, Records)
    assert [r.row for r in recs.rejected] == [1]
    assert recs.fields["score"].tolist() == [0.5, None, -0.0]
    assert recs.fields["note"].tolist() == ["x", None, ""]


def _write_lines(path: Path, lines: list[str], ending: str, gzipped: bool = False) -> None:
    data = ending.join(lines).encode("utf-8")
    path.write_bytes(gzip.compress(data) if gzipped else data)


@pytest.mark.parametrize("ending", ["\n", "\r\n"])
@pytest.mark.parametrize("gzipped", [False, True])
def test_plain_csv_read_with_pyarrow(tmp_path: Path, ending: str, gzipped: bool) -> None:
    lines = [
        "\ufeffaccount_id,timestamp,text,hashtags,extra",
        f"a,{E0},Bonjour,#x #y,",
        "",
        f" b ,{E0 * 1000},\ufeffdéputé 🤖,,7",
        f",{E0},x,#z,",
        "c,2024-05-01T10:00:00+02:00,, ,",
        "",
    ]
    path = tmp_path / ("r.csv.gz" if gzipped else "r.csv")
    _write_lines(path, lines, ending, gzipped)
    with _debug_messages() as messages:
        recs = _check(path, on_invalid="drop")
    assert f"ingest: read {path.name} with pyarrow.csv" in messages
    assert isinstance(recs, Records)
    assert recs.account_id.tolist() == ["a", "b"]
    assert [(r.row, r.column) for r in recs.rejected] == [(2, "account_id"), (3, "text")]


@pytest.mark.parametrize(
    "lines",
    [
        ["account_id,timestamp,text", f'a,{E0},"Bonjour, toi"', f'b,{E0},"a""b"', ""],
        ['"account_id","time\nstamp",text', f'"a",{E0},"x\r\ny"', f'b,{E0},"""q"""'],
        ["account_id,timestamp,text", f'a,{E0},""', f'b,{E0},"",'],  # a line too long
    ],
)
def test_quoted_csv_read_with_pyarrow(tmp_path: Path, lines: list[str]) -> None:
    path = tmp_path / "r.csv"
    path.write_bytes("\n".join(lines).encode("utf-8"))
    with _debug_messages() as messages:
        _check(path, on_invalid="drop", columns={"time\nstamp": "timestamp"})
    pyarrow_read = f"ingest: read {path.name} with pyarrow.csv" in messages
    assert pyarrow_read == (not lines[-1].endswith(","))


def _quoting_reference(data: bytes) -> tuple[int, bool] | None:
    """``_quoted_fields`` one character at a time, as a reader's state machine."""
    inside, closed_at, header_end, multiline = False, -2, None, False
    for i, c in enumerate(data):
        if c == ord('"') and not inside:
            if not (i == 0 or data[i - 1] in b",\n" or closed_at == i - 1):
                return None
            inside = True
        elif c == ord('"'):
            if not (i + 1 == len(data) or data[i + 1] in b',\n\r"'):
                return None
            inside, closed_at = False, i
        elif c == ord("\n") and inside:
            multiline = True
        elif c == ord("\n") and header_end is None:
            header_end = i
    if inside:
        return None
    return (len(data) if header_end is None else header_end), multiline


@settings(max_examples=300, deadline=None)
@given(
    data=st.lists(st.sampled_from([b'"', b",", b"\n", b"a", b'""', b'"a"']), max_size=40),
    block=st.integers(1, 12),
)
def test_quoting_check_in_blocks_matches_a_state_machine(data: list[bytes], block: int) -> None:
    text = b"".join(data)
    expected = _quoting_reference(text)
    assert MODULE._quoted_fields(text) == expected
    with mock.patch.object(MODULE, "_SCAN_BLOCK", block):
        assert MODULE._quoted_fields(text) == expected


@pytest.mark.parametrize(
    "lines",
    [
        # Quotes that RFC 4180 does not write: readers differ, so the csv module reads them.
        ["account_id,timestamp,text", f'a,{E0},"Bonjour"', f'b,{E0},"a""b"', f'c,{E0},a"b'],
        ["account_id,timestamp,text", f'a,{E0},a"b"c'],
        ["account_id,timestamp,text", f'a,{E0},"ab"c'],
        ["account_id,timestamp,text", f'a,{E0},"ab" ,'],
        ["account_id,timestamp,text", f'a,{E0}," ab"', f'b,{E0},"open'],
        ["account_id,timestamp,text", f"a,{E0},x\ry"],  # a lone carriage return
        ["account_id,timestamp,text", f"a,{E0},x,extra"],  # a line too long
        ["account_id,timestamp,text,text", f"a,{E0},x,y"],  # a repeated column
        ["", "account_id,timestamp,text", f"a,{E0},x"],  # a blank first line
        ["account_id,timestamp,text", f"a,{E0},x\x00"],  # NUL
        ["account_id,timestamp,text", "a,1714557600,caf\udce9"],  # not UTF-8
    ],
)
def test_other_csv_files_read_as_before(tmp_path: Path, lines: list[str]) -> None:
    path = tmp_path / "r.csv"
    path.write_bytes("\n".join(lines).encode("utf-8", errors="surrogateescape"))
    with _debug_messages() as messages:
        _check(path)
    assert not any("pyarrow.csv" in m for m in messages)


@pytest.mark.parametrize("ending", ["\n", "\r\n"])
@pytest.mark.parametrize("gzipped", [False, True])
def test_plain_jsonl_read_with_pyarrow(tmp_path: Path, ending: str, gzipped: bool) -> None:
    lines = [
        "\ufeff"
        + json.dumps({"account_id": "a", "timestamp": "1714557600", "n": None, "text": "x"}),
        "",
        json.dumps({"timestamp": "2024-05-01T10:00:00Z", "account_id": " b ", "text": "é 🤖"}),
        "  " + json.dumps({"account_id": "", "timestamp": "1714557600", "hashtags": ["#a"]}) + "\t",
        json.dumps({"account_id": "c", "timestamp": "1714557600", "flag": True, "n": [1]}),
        json.dumps({"account_id": "d", "timestamp": "2024-05-01", "text": "y", "flag": None}),
    ]
    path = tmp_path / ("r.jsonl.gz" if gzipped else "r.jsonl")
    _write_lines(path, lines, ending, gzipped)
    with _debug_messages() as messages:
        recs = _check(path, on_invalid="drop", timezone="UTC")
    assert f"ingest: read {path.name} with pyarrow.json" in messages
    assert isinstance(recs, Records)
    assert recs.account_id.tolist() == ["a", "b", "c", "d"]
    assert list(recs.fields) == ["n", "text", "hashtags", "flag"]
    assert recs.fields["n"].tolist() == [None, None, [1], None]
    assert [(r.row, r.column) for r in recs.rejected] == [(2, "account_id")]


_ROW = '{"account_id": "a", "timestamp": 1714557600, "text": "x"}'


@pytest.mark.parametrize(
    "lines",
    [
        [_ROW, _ROW + " " + _ROW],  # two objects on a line
        [_ROW, '{"account_id": "b",', '"timestamp": 1714557600, "text": "y"}'],  # one on two
        [_ROW, '{"account_id": "b", "timestamp": 1714557600, "text": "y", "text": "z"}'],
        [_ROW, '{"account_id": "b", "timestamp": 1714557600, "text": "\\ud800"}'],
        [_ROW, '{"account_id": "b", "timestamp": 1714557600.5, "text": "y"}'],  # int + float
        [_ROW, '{"account_id": 99999999999999999999, "timestamp": 1714557600, "text": "y"}'],
        [_ROW, '{"account_id": "b", "timestamp": 1714557600, "text": "y", "u": {"id": 1}}'],
        [_ROW, '{"account_id": "b", "timestamp": NaN, "text": "y"}'],
        [_ROW, '{"account_id": "b", "timestamp": 1714557600, "text": "y"}\r' + _ROW],
        [_ROW, '{"account_id": "b", "timestamp": 1714557600, "text": "y",}'],
        [_ROW, '{"account_id": "b", "timestamp": 1714557600, "text": "y"} x'],
        [_ROW, "[1, 2]"],
        [_ROW, "\x85"],  # blank to str.strip, not to JSON
        [_ROW, '{"account_id": "b", "timestamp": 1714557600, "text": "y\ty"}'],  # raw tab
        [_ROW, "\ufeff" + _ROW],  # a byte-order mark inside the file
        ['{"account_id": "a", "timestamp": 1714557600, "text": "x", "v": ["2024-05-01"]}'],
        ["", " "],
    ],
)
def test_other_jsonl_files_read_as_before(tmp_path: Path, lines: list[str]) -> None:
    path = tmp_path / "r.jsonl"
    path.write_bytes("\n".join(lines).encode("utf-8"))
    with _debug_messages() as messages:
        _check(path)
    assert not any("pyarrow.json" in m for m in messages)


def test_jsonl_time_strings_stay_strings(tmp_path: Path) -> None:
    # pyarrow reads these as timestamps; botgraph reads its strings (offsets and all).
    first = [
        json.dumps({"account_id": f"a{k}", "timestamp": str(E0 + k), "text": "x"})
        for k in range(150)
    ]
    row = {"account_id": "b", "timestamp": "2024-05-01T10:00:00+02:00", "at": "2024-05-01"}
    late = [json.dumps(row)]
    path = tmp_path / "r.jsonl"
    path.write_text("\n".join(first + late) + "\n", encoding="utf-8")
    with _debug_messages() as messages:
        recs = _check(path)
    assert f"ingest: read {path.name} with pyarrow.json" in messages
    assert isinstance(recs, Records)
    assert recs.timestamp[-1] == E0 - 7200
    assert recs.fields["at"].tolist()[-1] == "2024-05-01"


def test_pandas_without_pyarrow_uses_rowwise_path() -> None:
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame({"account_id": ["a", " b"], "timestamp": [E0, E0], "text": ["x", "y"]})
    with (
        mock.patch.object(MODULE, "_has_pyarrow", return_value=False),
        _debug_messages() as messages,
    ):
        recs = ingest(df)
    assert messages == ["ingest: row-wise path for 2 records"]
    _assert_same(_check(df), recs)


def test_many_rows_with_bad_ones() -> None:
    rng = np.random.default_rng(3)
    n = 30_000
    accounts = np.array([f"u{k}" for k in range(500)] + ["", " ", " u1 "], dtype=object)
    stamps = [
        datetime.fromtimestamp(int(s), timezone(timedelta(hours=int(h)))).isoformat()
        for s, h in zip(rng.integers(E0, E0 + 10**6, n), rng.integers(-12, 13, n), strict=True)
    ]
    for k in rng.choice(n, 50, replace=False).tolist():
        stamps[k] = rng.choice(["", "never", "1714557600", "2024-02-30T00:00:00Z", "12.5"])
    tags = [None if k % 3 else [f"#t{k % 17}", f"t{k % 5}", f"#t{k % 17}"] for k in range(n)]
    table = _frame(
        account_id=accounts[rng.integers(0, accounts.shape[0], n)].tolist(),
        timestamp=stamps,
        text=[["Bonjour", "", "deepfake 🤖", None][k % 4] for k in range(n)],
        hashtags=tags,
    )
    recs = _check(table, on_invalid="drop")
    assert isinstance(recs, Records)
    assert 0 < len(recs.rejected) < n


# --------------------------------------------------------------------------- synthetic data


def _synthetic(n: int) -> Path:
    path = DATA / f"synthetic-v1-n{n}-s0.parquet"
    if not path.exists():
        pytest.skip(f"{path.name} is absent (git-ignored; see benchmarks/README.md)")
    return path


def test_synthetic_100k_same_as_rowwise() -> None:
    _check(_synthetic(100_000))


@pytest.mark.parametrize("n", [1_000_000, 10_000_000])
def test_synthetic_slices_same_as_rowwise(n: int) -> None:
    # The row-wise path takes minutes on the whole file: compare on two slices.
    handle = pq.ParquetFile(_synthetic(n))
    batch = next(handle.iter_batches(batch_size=20_000))
    last = handle.read_row_group(handle.num_row_groups - 1).slice(0, 20_000)
    for part in (pa.Table.from_batches([batch]), last):
        _check(part)


def test_synthetic_1m_matches_generator_counts() -> None:
    path = _synthetic(1_000_000)
    summary = json.loads(path.with_suffix(".json").read_text())
    recs = ingest(path)
    assert len(recs) == summary["n_records"]
    assert recs.accounts.shape[0] == summary["active_accounts"]
    assert sum(map(bool, recs.fields["urls"])) == summary["records_with_urls"]
    assert sum(map(bool, recs.fields["hashtags"])) == summary["records_with_hashtags"]
    assert len(set(recs.fields["text"].tolist())) == summary["distinct_texts"]


def test_reading_a_file_gives_arrow_memory_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    ingest_module = importlib.import_module("botgraph.ingest")
    released: list[int] = []
    original = ingest_module._release_arrow_memory

    def counting() -> None:
        released.append(1)
        original()

    monkeypatch.setattr(ingest_module, "_release_arrow_memory", counting)
    table = pa.table({"account_id": ["a", "b"], "timestamp": [0, 5], "text": ["hi", "ho"]})
    path = tmp_path / "records.parquet"
    pq.write_table(table, path)
    from_file = ingest(path)
    assert released == [1]
    from_table = ingest(table)  # the caller's table stays alive: nothing to give back
    assert released == [1]
    assert from_file.fields["text"].tolist() == from_table.fields["text"].tolist()


def test_lines_longer_than_a_read_block_take_the_standard_library(tmp_path: Path) -> None:
    # pyarrow reads in blocks of 1 MiB and rejects a row longer than one; the
    # standard-library readers take such files, with the same result.
    rows = [{"account_id": f"a{k}", "timestamp": E0 + k, "text": f"t{k}"} for k in range(5)]
    rows[2]["text"] = "x" * (3 << 20)
    path = tmp_path / "r.jsonl"
    path.write_text("\n".join(json.dumps(row) for row in rows), encoding="utf-8")
    table = tmp_path / "r.csv"
    with open(table, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(list(rows[0]))
        writer.writerows(row.values() for row in rows)
    for source in (path, table):
        with _debug_messages() as messages:
            recs = _check(source)
        assert not any("with pyarrow" in m for m in messages)
        assert isinstance(recs, Records)
        assert len(recs.fields["text"][2]) == 3 << 20
