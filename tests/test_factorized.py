"""Groupings that ingest leaves for the trace extractors (botgraph._factorized)."""

from __future__ import annotations

import importlib
from typing import Any

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import botgraph
from botgraph._factorized import recall, remember
from botgraph.traces import traces

ingest_module = importlib.import_module("botgraph.ingest")
traces_module = importlib.import_module("botgraph.traces")
factorized_module = importlib.import_module("botgraph._factorized")


def _first_seen(cells: list[Any]) -> tuple[list[Any], list[int]]:
    position: dict[Any, int] = {}
    codes = [position.setdefault(cell, len(position)) for cell in cells]
    return list(position), codes


@settings(max_examples=80, deadline=None)
@given(st.lists(st.one_of(st.none(), st.sampled_from(["a", "b", "c", "é", ""])), max_size=30))
def test_encoded_strings_are_the_first_seen_grouping(cells: list[str | None]) -> None:
    column, distinct, codes = ingest_module._encoded_strings(
        pa.array(cells, type=pa.large_string())
    )
    assert column.tolist() == cells
    expected_distinct, expected_codes = _first_seen(cells)
    assert distinct == expected_distinct
    assert codes.tolist() == expected_codes
    assert ingest_module._first_seen(codes)


def test_first_seen_rejects_other_orders() -> None:
    assert ingest_module._first_seen(np.array([0, 1, 0, 2], dtype=np.int64))
    assert not ingest_module._first_seen(np.array([1, 0], dtype=np.int64))
    assert not ingest_module._first_seen(np.array([0, 2, 1], dtype=np.int64))


def _table(n: int, seed: int) -> pa.Table:
    rng = np.random.default_rng(seed)
    tags = [None, [], ["a"], ["a", "b"], ["b", "a"], ["a", "a", "b"], ["c", "b", "a"], ["b"]]
    links = [None, ["http://x.org/1"], ["http://x.org/1", "http://y.org"], []]
    texts = [
        None,
        "Hello MP how are you",
        "hello   mp how are you!",
        "#tag www.example.org is here",
        "x",
    ]
    return pa.table(
        {
            "account_id": [f"u{i}" for i in rng.integers(0, 7, n)],
            "timestamp": rng.integers(0, 600, n),
            "text": [texts[i] for i in rng.integers(0, len(texts), n)],
            "post_id": [f"p{i}" for i in rng.integers(0, 4, n)],
            "hashtags": [tags[i] for i in rng.integers(0, len(tags), n)],
            "urls": [links[i] for i in rng.integers(0, len(links), n)],
        }
    )


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_ingest_remembers_text_post_and_list_groupings(seed: int) -> None:
    recs = botgraph.ingest(_table(200, seed))
    for name in ("text", "post_id", "hashtags", "urls"):
        column = recs.fields[name]
        remembered = recall(column)
        assert remembered is not None
        distinct, codes = remembered
        expected_distinct, expected_codes = _first_seen(column.tolist())
        assert distinct == expected_distinct
        assert codes.tolist() == expected_codes


@pytest.mark.parametrize("layer", ["text", "near_text", "hashtag", "url", "target"])
def test_traces_are_the_same_without_the_remembered_grouping(
    layer: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    recs = botgraph.ingest(_table(300, 5))
    with_grouping = traces(recs, layer)
    monkeypatch.setattr(traces_module, "recall", lambda column: None)
    without = traces(recs, layer)
    assert with_grouping.n_events > 0
    assert with_grouping.keys.tolist() == without.keys.tolist()
    for name in ("event_account", "event_key", "event_record", "event_time"):
        assert getattr(with_grouping, name).tolist() == getattr(without, name).tolist()


def test_remember_serves_only_the_same_read_only_column() -> None:
    column = np.array(["x", "y", "x"], dtype=object)
    codes = np.array([0, 1, 0], dtype=np.int64)
    remember(column, ["x", "y"], codes)
    assert recall(column) is None  # writable: its cells could change
    column.setflags(write=False)
    remember(column, ["x", "y"], codes)
    remembered = recall(column)
    assert remembered is not None and remembered[0] == ["x", "y"]
    remembered[0].append("z")  # the caller gets a copy
    again = recall(column)
    assert again is not None and again[0] == ["x", "y"]
    assert recall(column.copy()) is None


def test_remembered_values_are_the_same_objects_outside_the_collectors_reach() -> None:
    # Tuples (list columns) stay single values; the kept container is one the garbage
    # collector does not walk (a list of millions of texts costs each full collection).
    import gc

    cells: list[object] = [("a",), ("b", "c"), (), None, "text"]
    column = np.empty(5, dtype=object)
    column[:] = cells
    column.setflags(write=False)
    remember(column, cells, np.arange(5, dtype=np.int64))
    remembered = recall(column)
    assert remembered is not None
    assert all(x is y for x, y in zip(remembered[0], cells, strict=True))
    kept = factorized_module._BY_ID[id(column)][1]
    assert isinstance(kept, np.ndarray) and not gc.is_tracked(kept)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.lists(st.one_of(st.none(), st.sampled_from(["a", "b", "c", "é", ""])), max_size=6),
        min_size=1,
        max_size=5,
    )
)
def test_chunked_dictionary_encoding_is_the_one_chunk_encoding(chunks: list[list[Any]]) -> None:
    column = pa.chunked_array([pa.array(c, type=pa.large_string()) for c in chunks])
    expected = column.combine_chunks().dictionary_encode()
    encoded = ingest_module._dictionary_encode(column)
    assert encoded.dictionary.to_pylist() == expected.dictionary.to_pylist()
    assert encoded.indices.to_pylist() == expected.indices.to_pylist()
    via_chunks = ingest_module._encoded_strings(column)
    assert via_chunks[0].tolist() == [cell for c in chunks for cell in c]


@settings(max_examples=80, deadline=None)
@given(st.lists(st.integers(0, 5), max_size=40))
def test_first_rows_are_uniques_first_indices(values: list[int]) -> None:
    _, dense = np.unique(np.array(values, dtype=np.int64), return_inverse=True)
    dense = dense.reshape(-1).astype(np.int64)
    expected = np.unique(dense, return_index=True)[1]
    assert ingest_module._first_rows(dense).tolist() == expected.tolist()


def test_list_grouping_without_empty_lists() -> None:
    table = pa.table(
        {
            "account_id": ["a", "b", "c", "d"],
            "timestamp": [1, 2, 3, 4],
            "hashtags": [["y", "x"], ["x"], ["y", "x"], ["z"]],
        }
    )
    column = botgraph.ingest(table).fields["hashtags"]
    remembered = recall(column)
    assert remembered is not None
    assert remembered[0] == [("y", "x"), ("x",), ("z",)]
    assert remembered[1].tolist() == [0, 1, 0, 2]
