"""Smoke tests of the speed benchmark's data generator (benchmarks/_synthetic.py).

The benchmark itself is too slow for the test suite; these check that the data it
measures are what its documentation says, quickly and on small sizes.
"""

from __future__ import annotations

import csv
import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest

pa = pytest.importorskip("pyarrow")

from botgraph.normalize import normalize_url, text_fingerprint  # noqa: E402

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
DAY = 86_400


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, BENCHMARKS / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses resolve annotations through sys.modules
    spec.loader.exec_module(module)
    return module


syn = _load("_synthetic")
Generated = tuple[Any, dict[str, Any], Any]  # spec, info, pyarrow Table


@pytest.fixture(scope="module", params=[0, 7])
def generated(request: pytest.FixtureRequest) -> Generated:
    spec = syn.SyntheticSpec(n_records=5_000, seed=request.param)
    table, info = syn.generate(spec)
    return spec, info, table


def test_schema_and_counts(generated: Generated) -> None:
    spec, info, table = generated
    assert table.num_rows == spec.n_records == info["n_records"]
    assert table.column_names == [
        "record_id",
        "account_id",
        "timestamp",
        "text",
        "urls",
        "hashtags",
        "target_id",
        "post_id",
    ]
    assert pa.types.is_int64(table.schema.field("timestamp").type)
    assert pa.types.is_list(table.schema.field("urls").type)
    ids = table.column("record_id").to_numpy()
    assert np.unique(ids).shape[0] == table.num_rows
    # About records / 20 accounts, heavy tailed: the busiest has many times the mean.
    accounts = table.column("account_id").to_numpy(zero_copy_only=False)
    _, per_account = np.unique(accounts, return_counts=True)
    assert info["n_accounts"] == spec.n_records // 20
    assert per_account.shape[0] <= info["n_accounts"]
    assert per_account.max() > 5 * per_account.mean()


def test_times_are_sorted_within_the_period(
    generated: Generated,
) -> None:
    spec, _, table = generated
    t = table.column("timestamp").to_numpy() - syn._START
    assert t.min() >= 0
    assert t.max() < spec.days * DAY
    assert np.all(np.diff(t) >= 0)
    # Diurnal rhythm: the busiest hour of the day sees clearly more than the quietest.
    per_hour = np.bincount((t % DAY) // 3600, minlength=24)
    assert per_hour.max() > 2 * per_hour.min()


def test_planted_groups_burst_within_seconds(
    generated: Generated,
) -> None:
    spec, info, table = generated
    assert info["coordinated_accounts"] >= spec.group_min
    texts = table.column("text").to_numpy(zero_copy_only=False)
    times = table.column("timestamp").to_numpy()
    accounts = table.column("account_id").to_numpy(zero_copy_only=False)
    # Some text is posted by at least half a group of distinct accounts within the spread.
    best = 0
    for text in np.unique(texts):
        rows = np.flatnonzero(texts == text)
        if rows.shape[0] < spec.group_min // 2:
            continue
        t = times[rows]
        for start in np.unique(t):
            inside = rows[(t >= start) & (t <= start + spec.burst_spread)]
            best = max(best, np.unique(accounts[inside]).shape[0])
    assert best >= spec.group_min // 2


def test_keys_are_already_normal(generated: Generated) -> None:
    # botgraph and CNT must agree on which texts and links are equal.
    _, _, table = generated
    texts = table.column("text").to_pylist()[:300]
    assert all(t == " ".join(t.lower().split()) for t in texts)
    fingerprints = {text_fingerprint(t) for t in set(texts)}
    assert len(fingerprints) == len(set(texts))
    urls = [u for row in table.column("urls").to_pylist()[:2000] if row for u in row]
    assert urls
    assert all(normalize_url(u) == u for u in urls)


def test_seed_fixes_the_table() -> None:
    a, _ = syn.generate(syn.SyntheticSpec(n_records=1_000, seed=3))
    b, _ = syn.generate(syn.SyntheticSpec(n_records=1_000, seed=3))
    c, _ = syn.generate(syn.SyntheticSpec(n_records=1_000, seed=4))
    assert a.equals(b)
    assert not a.equals(c)


def test_parameters_change_the_data() -> None:
    base = syn.SyntheticSpec(n_records=3_000, seed=1)
    more = syn.SyntheticSpec(n_records=3_000, seed=1, phrase_share=0.8)
    pairs = [
        syn.window_pairs(*syn.layer_keys(syn.generate(s)[0], "text"), 60.0) for s in (base, more)
    ]
    assert pairs[1] > pairs[0]
    assert base.cache_name() != more.cache_name()
    assert syn.SyntheticSpec(n_records=3_000).cache_name() == "synthetic-v1-n3000-s0"


def test_too_few_records() -> None:
    with pytest.raises(ValueError, match="at least 100"):
        syn.generate(syn.SyntheticSpec(n_records=10))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_window_pairs_matches_brute_force(seed: int) -> None:
    rng = np.random.default_rng(seed)
    key = rng.integers(0, 5, 300)
    time = rng.integers(0, 2_000, 300)
    window = float(rng.integers(0, 120))
    brute = sum(
        1
        for i in range(300)
        for j in range(i + 1, 300)
        if key[i] == key[j] and abs(int(time[i]) - int(time[j])) <= window
    )
    assert syn.window_pairs(key, time, window) == brute


def test_files_are_cached_and_cnt_csv_is_readable(tmp_path: Path) -> None:
    spec = syn.SyntheticSpec(n_records=500, seed=2)
    path, info = syn.cached_parquet(spec, tmp_path)
    assert path.exists()
    assert set(info["window_pairs_60"]) == {"text", "url", "hashtag", "target"}
    stamp = path.stat().st_mtime_ns
    again, info_again = syn.cached_parquet(spec, tmp_path)
    assert again == path and path.stat().st_mtime_ns == stamp and info_again == info
    out = syn.write_cnt_csv(path, tmp_path / "cnt.csv")
    with out.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == [
        "message_id",
        "user_id",
        "username",
        "repost_id",
        "reply_id",
        "message",
        "timestamp",
        "urls",
    ]
    assert len(rows) == spec.n_records + 1
    assert all(row[3] == "" for row in rows[1:])  # no record is a repost
    assert any(row[7] == "" for row in rows[1:])  # no URL: an empty field
    assert any(" " not in row[7] and row[7].startswith("https://") for row in rows[1:])
    assert {int(row[6]) for row in rows[1:]} <= set(range(syn._START, syn._START + 14 * DAY))


def test_docs_markers_keep_other_sections(tmp_path: Path) -> None:
    speed = _load("speed")
    doc = tmp_path / "benchmarks.md"
    speed.write_docs("first\n", doc)
    assert doc.read_text().startswith("# Benchmarks")
    text = doc.read_text() + "\n<!-- quality:start -->\nkept\n<!-- quality:end -->\n"
    doc.write_text(text)
    speed.write_docs("second\n", doc)
    result = doc.read_text()
    assert "second" in result and "first" not in result and "kept" in result


def test_memory_guard_reads_the_session_and_kills_above_the_limit(tmp_path: Path) -> None:
    import subprocess

    speed = _load("speed")
    child = subprocess.Popen(["sleep", "5"], start_new_session=True)
    try:
        assert speed._session_rss(child.pid) > 0
    finally:
        child.kill()
        child.wait()
    assert speed._session_rss(child.pid) == 0  # no process left in that session
    result = speed.run_child(
        [sys.executable, "-c", "import time; time.sleep(30)"],
        tmp_path / "out.jsonl",
        tmp_path / "log.txt",
        timeout=60,
        memory_limit=1,  # one byte: any process is above it
    )
    assert result.status.startswith("out of memory (resident above")


def test_whole_run_peak_is_the_largest_stage_peak() -> None:
    speed = _load("speed")
    size = {
        "detect": [
            {
                "ingest": {"status": "ok", "seconds": 1.0, "peak": 5},
                "traces:near_text": {"status": "ok", "seconds": 2.0, "peak": 10},
                "detect": {"status": "ok", "seconds": 3.0, "peak": 4},
            },
            {"ingest": {"status": "out of memory"}, "detect": {"status": "out of memory"}},
        ]
    }
    whole = speed.runs_of(size, "detect", "detect")
    assert whole[0]["peak"] == 10 and whole[0]["seconds"] == 3.0
    assert whole[1] == {"status": "out of memory"}
    assert speed.runs_of(size, "ingest", "detect")[0]["peak"] == 5


def test_cnt_ratio_uses_the_project_runs() -> None:
    # botgraph's side of the comparison is botgraph.project(path, layer) in its own
    # process (median over repeats), CNT's side its load plus compute.
    speed = _load("speed")

    def run(seconds: float, edges: int) -> dict[str, Any]:
        return {"status": "ok", "seconds": seconds, "peak": 10**8, "extra": {"edges": edges}}

    size = {
        "n": 10**6,
        "cnt": [
            {"load": run(10.0, 0), "co_link": run(2.0, 70)},
            {"load": run(12.0, 0), "co_link": run(2.0, 70)},
        ],
        "project": {
            "url": [
                {"detect": run(0.4, 70)},
                {"detect": run(0.6, 70)},
                {"detect": {"status": "out of memory"}},
            ]
        },
    }
    text = "\n".join(speed._cnt_table([size], 60.0))
    row = next(line for line in text.splitlines() if "co_link" in line)
    cells = [cell.strip() for cell in row.strip("|").split("|")]
    assert cells[2] == speed.fmt_s(0.5) and cells[5] == speed.fmt_s(13.0)
    assert cells[6] == "26.0×" and cells[8] == "70 / 70"
    assert "co_tweet" not in text  # not run: no row
    size["project"] = {}
    row = next(
        line for line in "\n".join(speed._cnt_table([size], 60.0)).splitlines() if "co_link" in line
    )
    assert "not run" in row and "–" in row
