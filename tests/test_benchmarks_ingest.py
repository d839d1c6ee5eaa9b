"""The ingest-by-format benchmark (benchmarks/ingest_formats.py) compares like with like.

Every file it writes must give the same records as the Parquet file it comes from,
read by today's path and by the paths it forces for comparison.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType
from unittest import mock

import numpy as np
import pytest

import botgraph

pytest.importorskip("pyarrow")

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
INGEST = importlib.import_module("botgraph.ingest")


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, BENCHMARKS / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


bench = _load("ingest_formats")


@pytest.mark.parametrize("seed", [1, 5])
def test_every_format_gives_the_parquet_records(tmp_path: Path, seed: int) -> None:
    files = bench._files(800, seed, tmp_path)
    reference = botgraph.ingest(files["parquet"])
    with open(files["rows"], encoding="utf-8") as lines:
        rows = [json.loads(line) for line in lines]
    assert b'"' in files["csv-quoted"].read_bytes()
    assert b'"' not in files["csv"].read_bytes()
    outcomes = [botgraph.ingest(files[kind]) for kind in ("csv", "csv-quoted", "jsonl")]
    outcomes.append(botgraph.ingest(rows))
    with (
        mock.patch.object(INGEST, "_read_csv_arrow", return_value=None),
        mock.patch.object(INGEST, "_read_jsonl_arrow", return_value=None),
        mock.patch.object(INGEST, "_build_columnar", INGEST._build),
    ):
        outcomes += [botgraph.ingest(files[kind]) for kind in ("csv-quoted", "jsonl")]
    for recs in outcomes:
        assert len(recs) == len(reference) == 800
        assert np.array_equal(recs.account_id, reference.account_id)
        assert np.array_equal(recs.timestamp, reference.timestamp)
        for name in ("text", "urls", "hashtags", "target_id", "post_id"):
            assert recs.fields[name].tolist() == reference.fields[name].tolist(), name


def test_size_labels() -> None:
    assert [bench._size_text(n) for n in (10**5, 10**6, 2_000_000)] == ["1e5", "1e6", "2000000"]
    assert bench._size("1e6") == 10**6


def test_docs_section_is_replaced_between_its_markers(tmp_path: Path) -> None:
    doc = tmp_path / "benchmarks.md"
    doc.write_text("# Benchmarks\n\n<!-- speed:start -->\nkept\n<!-- speed:end -->\n")
    bench.write_docs("first\n", doc)
    bench.write_docs("second\n", doc)
    text = doc.read_text()
    assert "second" in text and "first" not in text and "kept" in text
    assert text.count(bench.MARK_START) == 1
