"""Tests for botgraph.ingest: input kinds, column mapping, times, validation, errors."""

from __future__ import annotations

import copy
import csv
import gzip
import json
import logging
import math
import pickle
import random
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from botgraph.errors import ParameterError, SchemaError
from botgraph.ingest import CANONICAL_FIELDS, Records, RejectedRow, ingest

T0 = datetime(2024, 5, 1, 10, 0, tzinfo=UTC)
E0 = T0.timestamp()


def _rows() -> list[dict[str, Any]]:
    """Three valid records with text in French, with emoji, and plain ASCII."""
    return [
        {"account_id": "alice", "timestamp": "2024-05-01T10:00:00Z", "text": "Député corrompu !"},
        {"account_id": "bob", "timestamp": "2024-05-01T12:00:30+02:00", "text": "deepfake 🤖🔥"},
        {"account_id": "alice", "timestamp": "2024-05-01T10:01:00Z", "text": "Hello"},
    ]


EXPECTED_TS = [E0, E0 + 30, E0 + 60]
EXPECTED_TEXT = ["Député corrompu !", "deepfake 🤖🔥", "Hello"]


def _check_basic(recs: Records) -> None:
    assert recs.account_id.tolist() == ["alice", "bob", "alice"]
    assert recs.timestamp.tolist() == EXPECTED_TS
    assert recs.fields["text"].tolist() == EXPECTED_TEXT
    assert recs.record_id.tolist() == ["0", "1", "2"]
    assert recs.row.tolist() == [0, 1, 2]
    assert recs.n_input == 3
    assert recs.rejected == ()
    assert recs.accounts.tolist() == ["alice", "bob"]
    assert recs.account_code.tolist() == [0, 1, 0]
    assert recs.timestamp.dtype == np.float64
    assert recs.row.dtype == np.int64
    assert recs.account_code.dtype == np.int64


# --------------------------------------------------------------------------- inputs


def test_list_of_dicts() -> None:
    _check_basic(ingest(_rows()))


def test_generator() -> None:
    _check_basic(ingest(r for r in _rows()))


def test_records_returned_unchanged() -> None:
    recs = ingest(_rows())
    assert ingest(recs) is recs
    assert ingest(recs, on_invalid="drop") is recs


@pytest.mark.parametrize("option", [{"columns": {"a": "b"}}, {"timezone": "UTC"}])
def test_records_with_options_is_an_error(option: dict[str, Any]) -> None:
    recs = ingest(_rows())
    with pytest.raises(ParameterError, match="must be None when records are already ingested"):
        ingest(recs, **option)


def _pandas(rows: list[dict[str, Any]]) -> Any:
    pd = pytest.importorskip("pandas")
    return pd.DataFrame(rows)


def _polars(rows: list[dict[str, Any]]) -> Any:
    pl = pytest.importorskip("polars")
    return pl.DataFrame(rows)


def _polars_lazy(rows: list[dict[str, Any]]) -> Any:
    return _polars(rows).lazy()


def _arrow(rows: list[dict[str, Any]]) -> Any:
    pa = pytest.importorskip("pyarrow")
    return pa.Table.from_pylist(rows)


def _arrow_batch(rows: list[dict[str, Any]]) -> Any:
    pa = pytest.importorskip("pyarrow")
    return pa.RecordBatch.from_pylist(rows)


FRAMES: list[Callable[[list[dict[str, Any]]], Any]] = [
    _pandas,
    _polars,
    _polars_lazy,
    _arrow,
    _arrow_batch,
]


@pytest.mark.parametrize("make", FRAMES)
def test_frames(make: Callable[[list[dict[str, Any]]], Any]) -> None:
    _check_basic(ingest(make(_rows())))


def _write_csv(path: Path, rows: list[dict[str, Any]], opener: Callable[..., Any] = open) -> None:
    names = list(dict.fromkeys(k for r in rows for k in r))
    with opener(path, "wt", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=names)
        writer.writeheader()
        writer.writerows(rows)


def _write_jsonl(path: Path, rows: list[dict[str, Any]], opener: Callable[..., Any] = open) -> None:
    with opener(path, "wt", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")


def _write_parquet(path: Path, rows: list[dict[str, Any]]) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    pq.write_table(_arrow(rows), path)


WRITERS: dict[str, Callable[[Path, list[dict[str, Any]]], None]] = {
    "x.csv": _write_csv,
    "x.CSV.gz": lambda p, r: _write_csv(p, r, gzip.open),
    "x.jsonl": _write_jsonl,
    "x.ndjson": _write_jsonl,
    "x.jsonl.gz": lambda p, r: _write_jsonl(p, r, gzip.open),
    "x.ndjson.gz": lambda p, r: _write_jsonl(p, r, gzip.open),
    "x.parquet": _write_parquet,
}


@pytest.mark.parametrize("name", list(WRITERS))
@pytest.mark.parametrize("as_str", [False, True])
def test_files(tmp_path: Path, name: str, as_str: bool) -> None:
    path = tmp_path / name
    WRITERS[name](path, _rows())
    _check_basic(ingest(str(path) if as_str else path))


def test_unsupported_suffix(tmp_path: Path) -> None:
    path = tmp_path / "records.txt"
    path.write_text("account_id,timestamp,text\n")
    with pytest.raises(ParameterError, match=r"must be a path ending in \.csv.*records\.txt"):
        ingest(path)


def test_csv_empty_cells_are_missing_and_numbers_parse(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text(
        "\ufeffaccount_id,timestamp,text,target_id,extra\n"
        f"7,{int(E0)},hi,,\n"
        "\n"  # blank lines are not records
        f"8,{int(E0 * 1000) + 500},,mp_1,x\n",
        encoding="utf-8",
    )
    recs = ingest(path)
    assert recs.account_id.tolist() == ["7", "8"]
    # milliseconds decided for the whole column: median of |x| > 1e11
    assert recs.timestamp.tolist() == [E0 / 1000, E0 + 0.5]
    assert recs.fields["text"].tolist() == ["hi", None]
    assert recs.fields["target_id"].tolist() == [None, "mp_1"]
    assert recs.fields["extra"].tolist() == [None, "x"]


def test_csv_huge_text_and_field_limit_restored(tmp_path: Path) -> None:
    big = "é" * 300_000
    path = tmp_path / "big.csv"
    _write_csv(path, [{"account_id": "a", "timestamp": E0, "text": big}])
    before = csv.field_size_limit()
    recs = ingest(path)
    assert recs.fields["text"][0] == big
    assert csv.field_size_limit() == before


def test_csv_wrong_field_count(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("account_id,timestamp,text\na,1714557600,hi\nb,1714557600,hi,extra\n")
    with pytest.raises(SchemaError, match=r"bad\.csv, line 3: 4 fields but the header has 3"):
        ingest(path)


def test_csv_duplicate_header(tmp_path: Path) -> None:
    path = tmp_path / "dup.csv"
    path.write_text("account_id,timestamp,text,text\na,1714557600,hi,ho\n")
    with pytest.raises(SchemaError, match="Column 'text' appears more than once"):
        ingest(path)


def test_csv_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes("account_id,timestamp,text\na,1714557600,Député\n".encode("latin-1"))
    with pytest.raises(SchemaError, match="is not UTF-8 text"):
        ingest(path)


def test_jsonl_bad_json(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"account_id": "a", "timestamp": 1714557600, "text": "x"}\n{"account_id": \n')
    with pytest.raises(SchemaError, match=r"bad\.jsonl, line 2: not valid JSON") as info:
        ingest(path)
    assert info.value.row == 1


def test_jsonl_not_an_object(tmp_path: Path) -> None:
    path = tmp_path / "list.jsonl"
    path.write_text("[1, 2]\n")
    with pytest.raises(SchemaError, match="line 1: expected a JSON object, got list"):
        ingest(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        ingest(tmp_path / "absent.csv")


@pytest.mark.parametrize(
    ("records", "match"),
    [
        (42, r"The 'records' parameter of ingest must be an iterable of mappings.*Got 42"),
        (b"account_id", r"The 'records' parameter of ingest must be .*Got b'account_id'"),
        ({"account_id": "a"}, r"Got a single mapping .* wrap one record in a list"),
    ],
)
def test_bad_records_type(records: object, match: str) -> None:
    with pytest.raises(ParameterError, match=match):
        ingest(records)


def test_row_not_a_mapping() -> None:
    rows: list[Any] = [*_rows(), ("a", 1)]
    with pytest.raises(SchemaError, match=r"Row 3: expected a mapping .* got \('a', 1\)") as info:
        ingest(rows)
    assert info.value.row == 3


def test_non_string_column_name() -> None:
    rows: list[Any] = [{"account_id": "a", "timestamp": E0, 5: "x"}]
    with pytest.raises(SchemaError, match=r"Column names must be strings.*5"):
        ingest(rows)


def test_pandas_duplicate_columns() -> None:
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame([["a", E0, "x", "y"]], columns=["account_id", "timestamp", "text", "text"])
    with pytest.raises(SchemaError, match="Column 'text' appears more than once in the DataFrame"):
        ingest(df)


@pytest.mark.parametrize(
    "make",
    [
        list,
        _pandas,
        _arrow,
        _polars,
    ],
)
def test_zero_records(make: Callable[[list[dict[str, Any]]], Any]) -> None:
    with pytest.raises(SchemaError, match=r"ingest received no records \(0 rows\)"):
        ingest(make([]))


def test_zero_records_header_only_csv(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_text("account_id,timestamp,text\n")
    with pytest.raises(SchemaError, match="no records"):
        ingest(path)


# --------------------------------------------------------------------------- columns


def test_columns_mapping() -> None:
    rows = [{"user": "u1", "created": E0, "body": "salut", "where": "mp_9"}]
    recs = ingest(rows, columns={"user": "account_id", "created": "timestamp", "body": "text"})
    assert recs.account_id.tolist() == ["u1"]
    assert recs.fields["text"].tolist() == ["salut"]
    assert "body" not in recs.fields
    assert recs.fields["where"].tolist() == ["mp_9"]  # unmapped names are kept
    recs2 = ingest(
        rows, columns={"user": "account_id", "created": "timestamp", "where": "target_id"}
    )
    assert recs2.fields["target_id"].tolist() == ["mp_9"]
    assert recs2.fields["body"].tolist() == ["salut"]


def test_columns_swap_names() -> None:
    rows = [{"account_id": "x", "timestamp": E0, "text": "a", "u": "real"}]
    recs = ingest(rows, columns={"account_id": "u", "u": "account_id"})
    assert recs.account_id.tolist() == ["real"]
    assert recs.fields["u"].tolist() == ["x"]


def test_columns_name_not_in_data_suggests() -> None:
    rows = [{"user": "u1", "timestamp": E0, "text": "x"}]
    with pytest.raises(
        SchemaError, match=r"names 'usr', which is not a column.*Did you mean 'user'"
    ):
        ingest(rows, columns={"usr": "account_id"})


def test_columns_collision() -> None:
    rows = [{"user": "u1", "account_id": "u2", "timestamp": E0, "text": "x"}]
    with pytest.raises(SchemaError, match=r"Column 'account_id' would appear twice.*'user'"):
        ingest(rows, columns={"user": "account_id"})


@pytest.mark.parametrize(
    ("columns", "match"),
    [
        (["user"], r"The 'columns' parameter of ingest must be a mapping .* Got \['user'\]"),
        ({"user": 3}, r"The 'columns' parameter of ingest must be a mapping"),
        ({"a": "text", "b": "text"}, "must map at most one column to each name"),
    ],
)
def test_columns_parameter_errors(columns: Any, match: str) -> None:
    rows = [{"a": 1, "b": 2, "user": "u", "account_id": "u", "timestamp": E0}]
    with pytest.raises(ParameterError, match=match):
        ingest(rows, columns=columns)


@pytest.mark.parametrize(
    ("names", "missing", "hint"),
    [
        (
            ["user", "timestamp", "text"],
            "account_id",
            "Did you mean 'user'\\? Map it with columns=",
        ),
        (["acount_id", "timestamp", "text"], "account_id", "Did you mean 'acount_id'"),
        (["account_id", "Timestamp", "text"], "timestamp", "Did you mean 'Timestamp'"),
        (["account_id", "created_at", "text"], "timestamp", "Did you mean 'created_at'"),
        (["account_id", "zzz", "text"], "timestamp", "Map your column with columns="),
        # a usual synonym beats a look-alike spelling
        (
            ["account_type", "author_id", "timestamp", "text"],
            "account_id",
            "Did you mean 'author_id'",
        ),
    ],
)
def test_missing_required_column(names: list[str], missing: str, hint: str) -> None:
    rows = [dict.fromkeys(names, "1714557600")]
    with pytest.raises(SchemaError, match=f"no '{missing}' column.*Columns seen: .*{hint}") as info:
        ingest(rows)
    assert info.value.column == missing


def test_missing_required_column_hint_uses_mapped_source_name() -> None:
    rows = [{"user": "u", "when": E0, "text": "x"}]
    with pytest.raises(SchemaError, match=r"columns=\{'user': 'account_id'\}"):
        ingest(rows, columns={"when": "timestamp"})


def test_no_content_column() -> None:
    rows = [{"account_id": "a", "timestamp": E0, "lang": "fr", "platform": "x"}]
    with pytest.raises(SchemaError, match="no content column: ingest needs at least one of 'text'"):
        ingest(rows)


def test_text_lookalike_logged(caplog: pytest.LogCaptureFixture) -> None:
    rows = [{"account_id": "a", "timestamp": E0, "message": "hello"}]
    with caplog.at_level(logging.INFO, logger="botgraph"):
        recs = ingest(rows)
    assert recs.fields["message"].tolist() == ["hello"]
    assert "no 'text' column; 'message' looks like text" in caplog.text


def test_unknown_columns_kept_unchanged() -> None:
    payload = {"nested": [1, 2]}
    rows = [
        {"account_id": "a", "timestamp": E0, "text": "x", "likes": 3, "meta": payload},
        {"account_id": "b", "timestamp": E0, "text": "y", "likes": float("nan"), "meta": None},
    ]
    recs = ingest(rows)
    assert recs.fields["likes"].dtype == object
    assert recs.fields["likes"].tolist() == [3, None]
    assert recs.fields["meta"][0] is payload
    assert recs.fields["meta"][1] is None


def test_unknown_column_counts_as_content() -> None:
    rows = [{"account_id": "a", "timestamp": E0, "image_id": "img7"}]
    assert ingest(rows).fields["image_id"].tolist() == ["img7"]


# --------------------------------------------------------------------------- times


PARIS = ZoneInfo("Europe/Paris")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-05-01T10:00:00Z", E0),
        ("2024-05-01T12:00:00+02:00", E0),
        ("2024-05-01T05:30:00-04:30", E0),
        ("2024-05-01 10:00:00Z", E0),
        ("2024-05-01t10:00:00z", E0),
        ("2024-05-01 10:00:00 UTC", E0),
        ("2024-05-01T10:00:00.250Z", E0 + 0.25),
        ("Wed May 01 10:00:00 +0000 2024", E0),
        (int(E0), E0),
        (E0 + 0.5, E0 + 0.5),
        (np.int64(int(E0)), E0),
        (str(int(E0)), E0),
        (f" {E0 + 0.5} ", E0 + 0.5),
        (int(E0) * 1000, E0),
        (str(int(E0) * 1000 + 250), E0 + 0.25),
        (T0, E0),
        (T0.astimezone(PARIS), E0),
        (T0.astimezone(timezone(timedelta(hours=-3))), E0),
    ],
)
def test_timestamp_forms(value: object, expected: float) -> None:
    recs = ingest([{"account_id": "a", "timestamp": value, "text": "x"}])
    assert recs.timestamp[0] == pytest.approx(expected, abs=1e-6)


def test_pandas_timestamp_object() -> None:
    pd = pytest.importorskip("pandas")
    value = pd.Timestamp("2024-05-01T12:00:00+02:00")
    assert ingest([{"account_id": "a", "timestamp": value, "text": "x"}]).timestamp[0] == E0


@pytest.mark.parametrize(
    ("value", "zone", "expected"),
    [
        ("2024-05-01T12:00:00", "Europe/Paris", E0),
        ("2024-05-01 10:00:00", "UTC", E0),
        (datetime(2024, 5, 1, 6), "America/New_York", E0),
        (np.datetime64("2024-05-01T10:00:00"), "UTC", E0),
        (date(2024, 5, 1), "UTC", E0 - 10 * 3600),
        # epoch numbers are UTC whatever the zone
        (int(E0), "Asia/Tokyo", E0),
        # an aware value keeps its own offset
        ("2024-05-01T10:00:00Z", "Asia/Tokyo", E0),
        # fall-back hour in Paris: 02:30 happens twice; fold=0 takes the first (UTC+2)
        (
            "2024-10-27T02:30:00",
            "Europe/Paris",
            datetime(2024, 10, 27, 0, 30, tzinfo=UTC).timestamp(),
        ),
    ],
)
def test_naive_with_timezone(value: object, zone: str, expected: float) -> None:
    recs = ingest([{"account_id": "a", "timestamp": value, "text": "x"}], timezone=zone)
    assert recs.timestamp[0] == pytest.approx(expected, abs=1e-6)


def test_timezone_changes_result() -> None:
    rows = [{"account_id": "a", "timestamp": "2024-05-01T12:00:00", "text": "x"}]
    utc = ingest(rows, timezone="UTC").timestamp[0]
    paris = ingest(rows, timezone="Europe/Paris").timestamp[0]
    assert utc - paris == 7200


@pytest.mark.parametrize(
    "value",
    ["2024-05-01T12:00:00", "2024-05-01", datetime(2024, 5, 1, 12), np.datetime64("2024-05-01")],
)
@pytest.mark.parametrize("on_invalid", ["raise", "drop"])
def test_naive_without_timezone_is_an_error(value: object, on_invalid: Any) -> None:
    rows = [*_rows(), {"account_id": "a", "timestamp": value, "text": "x"}]
    with pytest.raises(
        SchemaError,
        match=r"Row 3, column 'timestamp': .* has no UTC offset.*"
        r"pass timezone='UTC' \(or the zone the data were recorded in\)",
    ) as info:
        ingest(rows, on_invalid=on_invalid)
    assert (info.value.row, info.value.column) == (3, "timestamp")


@pytest.mark.parametrize("zone", ["Mars/Olympus", "", 5, "../etc/passwd"])
def test_bad_timezone(zone: Any) -> None:
    with pytest.raises(ParameterError, match="The 'timezone' parameter of ingest must be an IANA"):
        ingest(_rows(), timezone=zone)


def test_mixed_offsets_in_one_column() -> None:
    rng = np.random.default_rng(3)
    offsets = rng.integers(-12, 14, size=20)
    rows = [
        {
            "account_id": f"a{i}",
            "timestamp": T0.astimezone(timezone(timedelta(hours=int(h)))).isoformat(),
            "text": "x",
        }
        for i, h in enumerate(offsets)
    ]
    assert set(ingest(rows).timestamp.tolist()) == {E0}


def test_milliseconds_decided_per_column() -> None:
    rows = [
        {
            "account_id": "a",
            "timestamp": int(E0),
            "account_created_at": int(E0) * 1000,
            "text": "x",
        },
        {"account_id": "b", "timestamp": int(E0) + 5, "account_created_at": None, "text": "y"},
    ]
    recs = ingest(rows)
    assert recs.timestamp.tolist() == [E0, E0 + 5]
    created = recs.fields["account_created_at"]
    assert created.dtype == np.float64
    assert created[0] == E0
    assert math.isnan(created[1])


def test_milliseconds_whole_column_by_median() -> None:
    # most values are milliseconds, so the small one is read as milliseconds too
    rows = [
        {"account_id": "a", "timestamp": int(E0) * 1000, "text": "x"},
        {"account_id": "b", "timestamp": int(E0) * 1000 + 1000, "text": "x"},
        {"account_id": "c", "timestamp": 5000, "text": "x"},
    ]
    assert ingest(rows).timestamp.tolist() == [E0, E0 + 1, 5.0]


def test_numeric_timestamp_frames() -> None:
    pd = pytest.importorskip("pandas")
    ms = pd.DataFrame({"account_id": ["a", "b"], "timestamp": [int(E0) * 1000, int(E0) * 1000 + 1]})
    ms["text"] = "x"
    assert ingest(ms).timestamp.tolist() == [E0, E0 + 0.001]


def _datetime_frames(aware: bool) -> list[Any]:
    frames: list[Any] = []
    stamps = [datetime(2024, 5, 1, 12, 0), datetime(2024, 5, 1, 12, 0, 30)]
    try:
        import pandas as pd

        col = pd.Series(pd.to_datetime(stamps))
        if aware:
            col = col.dt.tz_localize("Europe/Paris")
        frames.append(pd.DataFrame({"account_id": ["a", "b"], "timestamp": col, "text": "x"}))
    except ImportError:  # pragma: no cover - optional dependency
        pass
    try:
        import polars as pl

        pcol = pl.Series("timestamp", stamps)
        if aware:
            pcol = pcol.dt.replace_time_zone("Europe/Paris")
        frames.append(
            pl.DataFrame({"account_id": ["a", "b"], "text": ["x", "x"]}).with_columns(pcol)
        )
    except ImportError:  # pragma: no cover - optional dependency
        pass
    try:
        import pyarrow as pa

        if aware:
            utc = [s.replace(tzinfo=PARIS).astimezone(UTC) for s in stamps]
            arr = pa.array(utc, pa.timestamp("ns", tz="Europe/Paris"))
        else:
            arr = pa.array(stamps, pa.timestamp("ms"))
        frames.append(pa.table({"account_id": ["a", "b"], "timestamp": arr, "text": ["x", "x"]}))
    except ImportError:  # pragma: no cover - optional dependency
        pass
    return frames


@pytest.mark.parametrize("frame", _datetime_frames(aware=True), ids=lambda f: type(f).__module__)
def test_aware_datetime_columns(frame: Any) -> None:
    assert ingest(frame).timestamp.tolist() == [E0, E0 + 30]


@pytest.mark.parametrize("frame", _datetime_frames(aware=False), ids=lambda f: type(f).__module__)
def test_naive_datetime_columns(frame: Any) -> None:
    with pytest.raises(SchemaError, match=r"Row 0, column 'timestamp'.*pass timezone='UTC'"):
        ingest(frame)
    assert ingest(frame, timezone="Europe/Paris").timestamp.tolist() == [E0, E0 + 30]
    assert ingest(frame, timezone="UTC").timestamp.tolist() == [E0 + 7200, E0 + 7230]


def test_missing_values_in_datetime_columns() -> None:
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame(
        {
            "account_id": ["a", "b"],
            "timestamp": pd.to_datetime(["2024-05-01T10:00:00Z", None], utc=True),
            "text": ["x", "y"],
        }
    )
    recs = ingest(df, on_invalid="drop")
    assert recs.timestamp.tolist() == [E0]
    assert recs.rejected == (RejectedRow(1, "timestamp", "None", "the time is missing"),)


def test_date_columns_in_arrow_and_polars() -> None:
    pa = pytest.importorskip("pyarrow")
    pl = pytest.importorskip("polars")
    days = [date(2024, 5, 1), date(2024, 5, 2)]
    table = pa.table({"account_id": ["a", "b"], "timestamp": pa.array(days), "text": ["x", "y"]})
    frame = pl.DataFrame({"account_id": ["a", "b"], "timestamp": days, "text": ["x", "y"]})
    midnight = E0 - 10 * 3600
    for data in (table, frame):
        assert ingest(data, timezone="UTC").timestamp.tolist() == [midnight, midnight + 86400]


# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("column", "value", "reason"),
    [
        ("account_id", None, "account_id is missing or empty"),
        ("account_id", "", "account_id is missing or empty"),
        ("account_id", "   ", "account_id is missing or empty"),
        ("account_id", float("nan"), "account_id is missing or empty"),
        ("account_id", True, "a boolean is not an identifier"),
        ("account_id", ["a"], "expected a string or a number, got list"),
        ("timestamp", None, "the time is missing"),
        ("timestamp", "", "the time is missing"),
        ("timestamp", "yesterday", "cannot read this as a time"),
        ("timestamp", "2024-13-01T00:00:00Z", "cannot read this as a time"),
        ("timestamp", float("inf"), "not a finite number"),
        ("timestamp", True, "a boolean is not a time"),
        ("timestamp", {"t": 1}, "expected a time"),
        ("text", None, "the record has no content"),
        ("text", " \n ", "the record has no content"),
        ("text", {"x": 1}, "expected text"),
        ("account_created_at", "soon", "cannot read this as a time"),
        ("hashtags", {"x": 1}, "expected a string or a list of strings"),
        ("hashtags", [1.5], "expected strings in the list"),
        ("record_id", [1], "expected a string or a number"),
    ],
)
def test_invalid_row_raise_and_drop(
    column: str, value: object, reason: str, caplog: pytest.LogCaptureFixture
) -> None:
    rows = _rows()
    rows[1] = {**rows[1], column: value}
    with pytest.raises(SchemaError, match=f"Row 1, column '{column}': {reason}.*got ") as info:
        ingest(rows)
    assert "on_invalid='drop'" in str(info.value)
    assert (info.value.row, info.value.column) == (1, column)
    assert info.value.value is value or (value != value and info.value.value != info.value.value)

    with caplog.at_level(logging.WARNING, logger="botgraph"):
        recs = ingest(rows, on_invalid="drop")
    assert "set aside 1 of 3 records" in caplog.text
    assert len(recs) == 2
    assert recs.n_input == 3
    assert recs.row.tolist() == [0, 2]
    assert recs.record_id.tolist() == ["0", "2"]
    assert recs.account_id.tolist() == ["alice", "alice"]
    (rejected,) = recs.rejected
    assert (rejected.row, rejected.column, rejected.value) == (1, column, repr(value))
    assert rejected.reason.startswith(reason)


def test_first_invalid_row_is_reported() -> None:
    rows = _rows()
    rows[2] = {**rows[2], "account_id": None}
    rows[1] = {**rows[1], "timestamp": "never"}
    with pytest.raises(SchemaError, match="Row 1, column 'timestamp'"):
        ingest(rows)


def test_first_problem_of_a_row_in_column_order() -> None:
    rows = _rows()
    rows[0] = {"account_id": None, "timestamp": "never", "text": None}
    recs = ingest(rows, on_invalid="drop")
    assert [(r.row, r.column) for r in recs.rejected] == [(0, "account_id")]


def test_mapped_column_named_in_message() -> None:
    rows = [{"user": None, "timestamp": E0, "text": "x"}]
    with pytest.raises(SchemaError, match=r"column 'account_id' \(your column 'user'\)"):
        ingest(rows, columns={"user": "account_id"})


def test_value_repr_truncated() -> None:
    rows = _rows()
    rows[0] = {**rows[0], "timestamp": "x" * 1000}
    with pytest.raises(SchemaError, match=r"got 'xxx+\.\.\.\. Fix"):
        ingest(rows)
    (rejected,) = ingest(rows, on_invalid="drop").rejected
    assert len(rejected.value) == 200
    assert rejected.value.endswith("...")


def test_drop_everything_gives_empty_records(caplog: pytest.LogCaptureFixture) -> None:
    rows = [{"account_id": None, "timestamp": E0, "text": "x"} for _ in range(4)]
    with caplog.at_level(logging.WARNING, logger="botgraph"):
        recs = ingest(rows, on_invalid="drop")
    assert len(recs) == 0
    assert recs.accounts.shape == (0,)
    assert recs.n_input == 4
    assert [r.row for r in recs.rejected] == [0, 1, 2, 3]
    assert "set aside 4 of 4 records" in caplog.text


def test_drop_accounting_random() -> None:
    rng = np.random.default_rng(11)
    n = 200
    bad = rng.random(n) < 0.3
    rows = [
        {"account_id": "" if b else f"a{i % 7}", "timestamp": E0 + i, "text": "t"}
        for i, b in enumerate(bad)
    ]
    recs = ingest(rows, on_invalid="drop")
    assert recs.n_input == n
    assert len(recs) + len(recs.rejected) == n
    assert recs.row.tolist() == np.flatnonzero(~bad).tolist()
    assert [r.row for r in recs.rejected] == np.flatnonzero(bad).tolist()
    assert recs.timestamp.tolist() == (E0 + np.flatnonzero(~bad)).tolist()


@pytest.mark.parametrize("value", ["maybe", 1, None])
def test_on_invalid_parameter(value: Any) -> None:
    with pytest.raises(ParameterError, match="The 'on_invalid' parameter of ingest must be one of"):
        ingest(_rows(), on_invalid=value)


# --------------------------------------------------------------------------- values


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (42, "42"),
        (42.0, "42"),
        (np.int64(7), "7"),
        (1.5, "1.5"),
        ("  bob \t", "bob"),
        ("Ünï", "Ünï"),
    ],
)
def test_account_id_normalisation(value: object, expected: str) -> None:
    recs = ingest([{"account_id": value, "timestamp": E0, "text": "x"}])
    assert recs.account_id.tolist() == [expected]


def test_pandas_nan_coerced_ids() -> None:
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame(
        {"account_id": [42, None, 7], "timestamp": [E0, E0, E0], "target_id": [3, None, 4]}
    )
    assert df["account_id"].dtype == np.float64
    recs = ingest(df, on_invalid="drop")
    assert recs.account_id.tolist() == ["42", "7"]
    assert df["target_id"].dtype == np.float64
    assert recs.fields["target_id"].tolist() == ["3", "4"]
    assert [(r.row, r.column) for r in recs.rejected] == [(1, "account_id")]


def test_record_id() -> None:
    rows = _rows()
    rows[0]["record_id"] = " c-1 "
    rows[1]["record_id"] = 99
    recs = ingest(rows)
    assert recs.record_id.tolist() == ["c-1", "99", "2"]
    assert recs.column("record_id") is recs.record_id


def test_duplicates_kept() -> None:
    rows = [_rows()[0]] * 3
    recs = ingest(rows)
    assert len(recs) == 3
    assert recs.accounts.tolist() == ["alice"]


def test_url_and_list_fields() -> None:
    rows = [
        {
            "account_id": "a",
            "timestamp": E0,
            "url": " https://ex.com/a?x=1,2 ",
            "urls": "https://ex.com/b, https://ex.com/a?x=1,2 https://t.co/c,https://ex.com/d",
            "hashtags": "#Deepfake, #corruption  #Deepfake",
            "mentions": ["@MP_one", "mp_two", None, "@MP_one"],
        },
        {
            "account_id": "b",
            "timestamp": E0,
            "url": None,
            "urls": ["https://ex.com/z"],
            "hashtags": "['fr', 'en']",
            "mentions": '["x"]',
        },
        {"account_id": "c", "timestamp": E0, "url": "https://ex.com/only", "hashtags": ("a", 2)},
    ]
    recs = ingest(rows)
    assert "url" not in recs.fields
    assert recs.fields["urls"].tolist() == [
        ("https://ex.com/a?x=1,2", "https://ex.com/b", "https://t.co/c", "https://ex.com/d"),
        ("https://ex.com/z",),
        ("https://ex.com/only",),
    ]
    assert recs.fields["hashtags"].tolist() == [
        ("Deepfake", "corruption"),
        ("fr", "en"),
        ("a", "2"),
    ]
    assert recs.fields["mentions"].tolist() == [("MP_one", "mp_two"), ("x",), ()]


def test_url_alone_becomes_urls() -> None:
    rows = [{"account_id": "a", "timestamp": E0, "url": "https://x.org/p"}]
    assert ingest(rows).fields["urls"].tolist() == [("https://x.org/p",)]


def test_lists_not_extracted_from_text() -> None:
    rows = [{"account_id": "a", "timestamp": E0, "text": "#tag @you https://x.org"}]
    recs = ingest(rows)
    assert set(recs.fields) == {"text"}


def test_empty_list_is_no_content() -> None:
    rows = [*_rows(), {"account_id": "a", "timestamp": E0, "hashtags": []}]
    with pytest.raises(SchemaError, match="Row 3, column 'text': the record has no content"):
        ingest(rows)


def test_target_only_record_is_content_but_platform_is_not() -> None:
    rows = [
        {"account_id": "a", "timestamp": E0, "target_id": 12, "platform": "facebook"},
        {"account_id": "b", "timestamp": E0, "target_id": None, "platform": "x"},
    ]
    recs = ingest(rows, on_invalid="drop")
    assert recs.fields["target_id"].tolist() == ["12"]
    assert recs.fields["platform"].tolist() == ["facebook"]
    assert [(r.row, r.column) for r in recs.rejected] == [(1, "target_id")]


def test_text_is_kept_exactly() -> None:
    hostile = "\u202eevil\u0000<script>alert(1)</script>\x07 " + "🙂" * 50_000
    rows = [
        {"account_id": "a", "timestamp": E0, "text": hostile},
        {"account_id": "b", "timestamp": E0, "text": 12},
    ]
    recs = ingest(rows)
    assert recs.fields["text"].tolist() == [hostile, "12"]


@pytest.mark.parametrize("name", ["x.csv", "x.jsonl.gz", "x.parquet"])
def test_french_and_emoji_round_trip(tmp_path: Path, name: str) -> None:
    texts = ["Élection : « député » corrompu", "vidéo truquée 🎥🤥", "ça ne va pas — 🇫🇷"]
    rows = [
        {"account_id": f"compte_é{i}", "timestamp": E0 + i, "text": t, "lang": "fr"}
        for i, t in enumerate(texts)
    ]
    WRITERS[name](tmp_path / name, rows)
    recs = ingest(tmp_path / name)
    assert recs.fields["text"].tolist() == texts
    assert recs.account_id.tolist() == ["compte_é0", "compte_é1", "compte_é2"]
    assert recs.fields["lang"].tolist() == ["fr"] * 3


def test_lists_from_frames() -> None:
    pa = pytest.importorskip("pyarrow")
    pl = pytest.importorskip("polars")
    rows = [
        {"account_id": "a", "timestamp": E0, "hashtags": ["#x", "y"]},
        {"account_id": "b", "timestamp": E0, "hashtags": None},
        {"account_id": "c", "timestamp": E0, "hashtags": ["z"]},
    ]
    for data in (pa.Table.from_pylist(rows), pl.DataFrame(rows), _pandas(rows)):
        recs = ingest(data, on_invalid="drop")
        assert recs.fields["hashtags"].tolist() == [("x", "y"), ("z",)]
        assert [r.row for r in recs.rejected] == [1]


# --------------------------------------------------------------------------- results


def test_outputs_are_read_only() -> None:
    recs = ingest(_rows())
    with pytest.raises(ValueError, match="read-only"):
        recs.timestamp[0] = 0.0
    with pytest.raises(ValueError, match="read-only"):
        recs.fields["text"][0] = "changed"
    with pytest.raises(TypeError):
        recs.fields["new"] = recs.timestamp  # type: ignore[index]


def test_records_pickle() -> None:
    recs = ingest(_rows())
    back = pickle.loads(pickle.dumps(recs))
    _check_basic(back)
    assert back.fields["text"].tolist() == recs.fields["text"].tolist()


def test_repr_and_column() -> None:
    recs = ingest(_rows())
    assert repr(recs) == "Records(3 records, 2 accounts, fields=['text'], rejected=0, n_input=3)"
    assert recs.column("timestamp") is recs.timestamp
    assert recs.column("text") is recs.fields["text"]
    assert recs.column("hashtags") is None
    assert "account_id" in CANONICAL_FIELDS


def test_dict_input_not_mutated() -> None:
    rows = _rows()
    rows[0]["hashtags"] = ["#a", "b"]
    rows[1]["timestamp"] = int(E0) * 1000
    rows.append({"account_id": None, "timestamp": E0, "text": "x"})
    before = copy.deepcopy(rows)
    ingest(rows, on_invalid="drop", columns={"text": "body"})
    assert rows == before


def test_frames_not_mutated() -> None:
    pd = pytest.importorskip("pandas")
    pl = pytest.importorskip("polars")
    data = {
        "account_id": [1.0, None, 3.0],
        "timestamp": [E0 * 1000, E0 * 1000, E0 * 1000],
        "text": [" a ", None, "c"],
    }
    df = pd.DataFrame(data)
    df_before = df.copy(deep=True)
    ingest(df, on_invalid="drop")
    pd.testing.assert_frame_equal(df, df_before)
    pf = pl.DataFrame(data)
    pf_before = pf.clone()
    ingest(pf, on_invalid="drop")
    assert pf.equals(pf_before)


def test_accounts_and_codes_consistent() -> None:
    rng = np.random.default_rng(5)
    ids = [f"acct{k}" for k in rng.integers(0, 30, size=300)]
    rows = [{"account_id": a, "timestamp": E0 + i, "text": "x"} for i, a in enumerate(ids)]
    recs = ingest(rows)
    assert recs.accounts.tolist() == sorted(set(ids))
    assert recs.accounts[recs.account_code].tolist() == ids


def test_hundred_thousand_records_fast() -> None:
    rng = random.Random(2)
    n = 100_000
    rows = [
        {
            "account_id": f"u{rng.randrange(5000)}",
            "timestamp": f"2024-05-01T{rng.randrange(24):02d}:{rng.randrange(60):02d}:00Z",
            "text": "Bonjour",
        }
        for _ in range(n)
    ]
    start = time.perf_counter()
    recs = ingest(rows)
    elapsed = time.perf_counter() - start
    assert len(recs) == n
    assert elapsed < 4.0  # about 0.4 s on a laptop; guards against quadratic behaviour


_RECORD = st.fixed_dictionaries(
    {
        "account_id": st.sampled_from(["a", "b", "c", " d ", 7]),
        "timestamp": st.integers(min_value=0, max_value=2_000_000_000),
        "text": st.text(min_size=1, max_size=5).filter(lambda s: s.strip() != ""),
    }
)


def _pairs(recs: Records) -> list[tuple[str, float]]:
    return sorted(zip(recs.account_id.tolist(), recs.timestamp.tolist(), strict=True))


@settings(max_examples=60, deadline=None)
@given(rows=st.lists(_RECORD, min_size=1, max_size=30), shuffle=st.randoms(use_true_random=False))
def test_order_does_not_change_pairs(rows: list[dict[str, Any]], shuffle: random.Random) -> None:
    permuted = list(rows)
    shuffle.shuffle(permuted)
    first, second = ingest(rows), ingest(permuted)
    assert _pairs(first) == _pairs(second)
    assert first.accounts.tolist() == second.accounts.tolist()


@settings(max_examples=40, deadline=None)
@given(
    rows=st.lists(
        st.fixed_dictionaries(
            {
                "account_id": st.one_of(st.none(), st.sampled_from(["", "x", "y"])),
                "timestamp": st.one_of(st.none(), st.integers(0, 10**9), st.just("bad")),
                "text": st.one_of(st.none(), st.just("t")),
            }
        ),
        min_size=1,
        max_size=25,
    )
)
def test_drop_partitions_input(rows: list[dict[str, Any]]) -> None:
    recs = ingest(rows, on_invalid="drop")
    kept = set(recs.row.tolist())
    dropped = {r.row for r in recs.rejected}
    assert kept.isdisjoint(dropped)
    assert kept | dropped == set(range(len(rows)))
    assert recs.n_input == len(rows)


def _gen(rows: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    yield from rows


def test_consumed_generator_is_empty_input() -> None:
    gen = _gen(_rows())
    ingest(gen)
    with pytest.raises(SchemaError, match="a generator was not consumed already"):
        ingest(gen)


PEERS = Path(__file__).resolve().parents[1].parent / "shared" / "peers"


@pytest.mark.peers
def test_peers_ira_slice() -> None:
    path = PEERS / "ira_538" / "ira_tweets_2016-10-05_to_08.csv.gz"
    if not path.exists():
        pytest.skip("../shared/peers is absent")
    with pytest.raises(SchemaError, match="Did you mean 'author_id'"):
        ingest(path)
    columns = {"author_id": "account_id", "publish_date": "timestamp", "content": "text"}
    with pytest.raises(SchemaError, match=r"Row 0, column 'timestamp'.*pass timezone='UTC'"):
        ingest(path, columns=columns)
    recs = ingest(path, columns=columns, timezone="UTC")
    # counts documented in peers/ira_538/SOURCE.txt
    assert (len(recs), recs.accounts.shape[0], len(recs.rejected)) == (31_555, 348, 0)
    start = datetime(2016, 10, 5, tzinfo=UTC).timestamp()
    assert start <= recs.timestamp.min() <= recs.timestamp.max() < start + 4 * 86400
    assert np.all(recs.timestamp % 60 == 0)  # minute resolution survives
