"""Windowed projection: brute-force equivalence, invariants, parameters, peer parity."""

from __future__ import annotations

import csv
import itertools
import statistics
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import botgraph
from botgraph.errors import ParameterError
from botgraph.projection import CoactionPairs, aggregate_pairs, project_partition

PEERS = Path(__file__).resolve().parents[1].parent / "shared" / "peers"


def _events(rng: np.random.Generator, n: int, n_keys: int, n_acc: int, span: int):
    key = rng.integers(0, n_keys, n)
    time = rng.integers(0, span, n).astype(np.float64)  # integers: many exact ties
    acc = rng.integers(0, n_acc, n)
    rec = np.arange(n)
    order = np.lexsort((rec, acc, time, key))
    return acc[order], key[order], time[order], rec[order]


def _brute(acc, key, time, window):
    out: dict[tuple[int, int], dict[str, Any]] = defaultdict(
        lambda: {"pairs": 0, "keys": set(), "dts": []}
    )
    for i, j in itertools.combinations(range(len(key)), 2):
        if key[i] != key[j] or acc[i] == acc[j]:
            continue
        lo, hi = sorted((time[i], time[j]))
        if hi <= lo + window:
            e = out[(min(acc[i], acc[j]), max(acc[i], acc[j]))]
            e["pairs"] += 1
            e["keys"].add(int(key[i]))
            e["dts"].append(hi - lo)
    return out


def _as_edges(acc, key, time, rec, window, **kw):
    pairs = project_partition(acc, key, time, rec, window=window, **kw)
    n_acc = int(acc.max()) + 1 if len(acc) else 1
    g = aggregate_pairs(
        pairs,
        layer="x",
        window=window,
        accounts=np.array([str(i) for i in range(n_acc)], dtype=object),
        record_ids=np.array([str(i) for i in range(len(rec))], dtype=object),
        key_specificity=np.ones(int(key.max()) + 1 if len(key) else 1),
    )
    return {
        (int(a), int(b)): (int(p), int(k), float(mn), float(md))
        for a, b, p, k, mn, md in zip(
            g.account_a, g.account_b, g.pairs, g.keys, g.min_dt, g.median_dt, strict=True
        )
    }


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4, 5])
@pytest.mark.parametrize("window", [0.0, 1.0, 5.0, 30.0])
def test_kernel_equals_brute_force(seed: int, window: float) -> None:
    rng = np.random.default_rng(seed)
    acc, key, time, rec = _events(rng, 150, 6, 12, 60)
    got = _as_edges(acc, key, time, rec, window)
    want = {
        e: (v["pairs"], len(v["keys"]), min(v["dts"]), statistics.median(v["dts"]))
        for e, v in _brute(acc, key, time, window).items()
    }
    assert got == want


@pytest.mark.parametrize("chunk", [1, 7, 50])
def test_chunking_does_not_change_the_result(chunk: int) -> None:
    rng = np.random.default_rng(11)
    acc, key, time, rec = _events(rng, 200, 5, 10, 40)
    assert _as_edges(acc, key, time, rec, 10.0, chunk_pairs=chunk) == _as_edges(
        acc, key, time, rec, 10.0
    )


def test_window_edges_are_inclusive_and_same_account_pairs_dropped() -> None:
    acc = np.array([0, 0, 1, 2])
    key = np.zeros(4, dtype=np.int64)
    time = np.array([0.0, 0.0, 60.0, 60.5])
    got = _as_edges(acc, key, time, np.arange(4), 60.0)
    # account 0 repeats the key at t=0: two pairs with account 1 at exactly 60 s
    assert got[(0, 1)] == (2, 1, 60.0, 60.0)
    assert (0, 2) not in got  # 60.5 s apart
    assert got[(1, 2)] == (1, 1, 0.5, 0.5)


def test_empty_partition() -> None:
    e = np.zeros(0, dtype=np.int64)
    assert len(project_partition(e, e, np.zeros(0), e, window=10)) == 0


def test_partitions_concatenate_to_the_whole() -> None:
    rng = np.random.default_rng(3)
    acc, key, time, rec = _events(rng, 300, 8, 15, 100)
    whole = project_partition(acc, key, time, rec, window=20)
    parts = []
    for k in np.unique(key):
        sel = key == k
        parts.append(project_partition(acc[sel], key[sel], time[sel], rec[sel], window=20))
    merged = CoactionPairs.concat(parts)
    assert len(merged) == len(whole)
    assert sorted(
        zip(
            merged.account_a.tolist(),
            merged.account_b.tolist(),
            merged.key.tolist(),
            merged.dt.tolist(),
            strict=True,
        )
    ) == sorted(
        zip(
            whole.account_a.tolist(),
            whole.account_b.tolist(),
            whole.key.tolist(),
            whole.dt.tolist(),
            strict=True,
        )
    )


def _rows(events: list[tuple[int, int, int]]) -> list[dict[str, Any]]:
    return [
        {
            "account_id": f"acc{a}",
            "timestamp": 1_700_000_000 + t,
            "thing": f"k{k}",
            "record_id": f"r{i}",
        }
        for i, (a, k, t) in enumerate(events)
    ]


event_lists = st.lists(
    st.tuples(st.integers(0, 6), st.integers(0, 3), st.integers(0, 200)), min_size=1, max_size=40
)


@settings(max_examples=60, deadline=None)
@given(events=event_lists, window=st.integers(0, 100), seed=st.integers(0, 10_000))
def test_properties(events: list[tuple[int, int, int]], window: int, seed: int) -> None:
    rows = _rows(events)
    g = botgraph.project(rows, "thing", window=window)
    cols = g.columns()
    # symmetric by construction (a < b) and non-negative
    assert all(a < b for a, b in zip(g.account_a, g.account_b, strict=True))
    assert (g.pairs >= 1).all() and (g.keys >= 1).all() and (g.min_dt >= 0).all()
    assert (g.min_dt <= g.median_dt).all() and (g.median_dt <= window).all()
    edges = {
        (a, b): p for a, b, p in zip(cols["account_a"], cols["account_b"], g.pairs, strict=True)
    }
    # record order and account relabelling change nothing
    perm = np.random.default_rng(seed).permutation(len(rows))
    shuffled = [rows[i] for i in perm]
    relabel = {f"acc{i}": f"z{(i * 7 + 3) % 11}" for i in range(7)}
    back = {v: k for k, v in relabel.items()}
    renamed = [{**r, "account_id": relabel[r["account_id"]]} for r in shuffled]
    g2 = botgraph.project(renamed, "thing", window=window)
    c2 = g2.columns()
    edges2 = {
        tuple(sorted((back[a], back[b]))): p
        for a, b, p in zip(c2["account_a"], c2["account_b"], g2.pairs, strict=True)
    }
    assert edges2 == edges
    # a wider window never removes an edge nor lowers its pairs
    wider = botgraph.project(rows, "thing", window=window + 30)
    cw = wider.columns()
    edges_w = {
        (a, b): p for a, b, p in zip(cw["account_a"], cw["account_b"], wider.pairs, strict=True)
    }
    assert all(edges_w.get(e, 0) >= p for e, p in edges.items())


def test_window_parameter_changes_result() -> None:
    rows = _rows([(0, 0, 0), (1, 0, 30), (2, 0, 100)])
    assert len(botgraph.project(rows, "thing", window=10)) == 0
    assert len(botgraph.project(rows, "thing", window=30)) == 1
    assert len(botgraph.project(rows, "thing", window=100)) == 3


def test_max_evidence_bounds_record_ids() -> None:
    rows = _rows([(0, k, 0) for k in range(5)] + [(1, k, 1) for k in range(5)])
    one = botgraph.project(rows, "thing", max_evidence=1)
    three = botgraph.project(rows, "thing", max_evidence=3)
    assert len(one.evidence[0]) == 2
    assert len(three.evidence[0]) == 6
    assert set(one.evidence[0]) <= {r["record_id"] for r in rows}


def test_key_weight_downweights_popular_keys() -> None:
    # key k0 is used by every account, k1 only by the pair acc0/acc1
    rows = _rows([(a, 0, 0) for a in range(5)] + [(0, 1, 0), (1, 1, 0)])
    g = botgraph.project(rows, "thing")
    cols = g.columns()
    weights = {
        (a, b): w
        for a, b, w in zip(cols["account_a"], cols["account_b"], g.key_weight, strict=True)
    }
    assert weights[("acc0", "acc1")] == pytest.approx(np.log1p(5 / 5) + np.log1p(5 / 2))
    assert weights[("acc2", "acc3")] == pytest.approx(np.log(2))


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"window": -1}, "'window' parameter of project"),
        ({"window": float("nan")}, "'window' parameter of project"),
        ({"max_evidence": 0}, "'max_evidence' parameter of project"),
    ],
)
def test_parameter_errors(kwargs: dict[str, Any], match: str) -> None:
    with pytest.raises(ParameterError, match=match):
        botgraph.project(_rows([(0, 0, 0)]), "thing", **kwargs)


def test_cograph_exports_and_repr() -> None:
    pytest.importorskip("pandas")
    rows = _rows([(0, 0, 0), (1, 0, 5), (2, 0, 500)])
    g = botgraph.project(rows, "thing")
    df = g.to_pandas()
    assert list(df.columns[:7]) == [
        "account_a",
        "account_b",
        "pairs",
        "keys",
        "matched",
        "min_dt",
        "median_dt",
    ]
    nxg = g.to_networkx()
    assert nxg.number_of_nodes() == 3 and nxg.number_of_edges() == 1
    ig = g.to_igraph()
    assert ig.vcount() == 3 and ig.ecount() == 1
    assert "edges=1" in repr(g) and "layer 'thing'" in g.summary()


# --- parity with the peers on real data -------------------------------------------------


def _undirected(path: Path, a: str, b: str) -> dict[tuple[str, str], int]:
    with path.open(newline="") as fh:
        return {
            tuple(sorted((row[a], row[b]))): int(row["weight"])  # type: ignore[misc]
            for row in csv.DictReader(fh)
        }


@pytest.fixture(scope="module")
def russian() -> Any:
    path = PEERS / "coortweet" / "russian_coord_tweets.csv"
    if not path.exists():
        pytest.skip("../shared/peers is absent")
    return botgraph.ingest(
        path, columns={"timestamp_share": "timestamp", "content_id": "record_id"}
    )


@pytest.mark.peers
@pytest.mark.parametrize(
    ("window", "cnt", "coortweet"),
    [
        (10, "rct_coretweet_tw10_w1_edges.csv", "rct_tw10_default_edges_full.csv"),
        (60, "rct_coretweet_tw60_w1_edges.csv", "rct_tw60_edges_full.csv"),
    ],
)
def test_parity_with_peers_on_russian_retweets(
    russian: Any, window: int, cnt: str, coortweet: str
) -> None:
    g = botgraph.project(russian, "object_id", window=window)
    cols = g.columns()
    ours = {
        tuple(sorted((a, b))): int(p)
        for a, b, p in zip(cols["account_a"], cols["account_b"], g.pairs, strict=True)
    }
    cnt_edges = _undirected(PEERS / "cnt" / "outputs" / cnt, "source", "target")
    assert set(ours) == set(cnt_edges)
    coor = _undirected(PEERS / "coortweet" / "outputs" / coortweet, "from", "to")
    assert coor, "CooRTweet reference is empty"
    assert {e: ours.get(e) for e in coor} == coor
