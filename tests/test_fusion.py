"""Fusion of tested layers into a CoordinationNetwork."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import botgraph
from botgraph.errors import ParameterError

fusion_module = importlib.import_module("botgraph.fusion")

DAY = 86_400


def _rows() -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    # a and b post the same message within seconds on five days (and on the same post);
    # c and d comment on the same posts within seconds, but say different things;
    # twenty background accounts post now and then.
    for d in range(5):
        post = f"p{d}"
        for acc, s, text in [
            ("a", 0, "coordinated message"),
            ("b", 10, "coordinated message"),
            ("c", 20, f"I love this {d}"),
            ("d", 25, f"great speech, day {d}"),
        ]:
            rows.append(
                {
                    "account_id": acc,
                    "timestamp": DAY * d + s,
                    "text": text,
                    "target_id": "mp",
                    "post_id": post,
                }
            )
    for i in range(20):
        rows.append(
            {
                "account_id": f"bg{i}",
                "timestamp": 7_000 * i,
                "text": f"hello {i}",
                "target_id": "mp",
                "post_id": f"q{i}",
            }
        )
    return [dict(r, record_id=f"r{i}") for i, r in enumerate(rows)]


def _graphs(**kw: Any) -> list[botgraph.CoGraph]:
    rows = _rows()
    return [botgraph.project(rows, "text", **kw), botgraph.project(rows, "target", **kw)]


def test_content_creates_edges_attention_only_describes_them() -> None:
    net = botgraph.fuse(_graphs())
    cols = net.columns()
    assert list(zip(cols["account_a"], cols["account_b"], strict=True)) == [("a", "b")]
    assert net.edge_layers(0) == {"text@60s": 1, "target@60s": 5}
    assert net.pairs[0] == 10
    assert net.pvalue[0] < 1e-6 and 0 < net.qvalue[0] <= net.alpha
    assert net.score[0] == pytest.approx(1 - net.qvalue[0])
    assert net.weight[0] == pytest.approx(-np.log10(net.pvalue[0]))
    assert set(net.evidence[0]) <= {f"r{i}" for i in range(40)}
    # c and d co-commented on every post, yet stay apart: attention is not content
    accounts = net.accounts.tolist()
    assert net.account_best_q[accounts.index("c")] == 1.0


def test_alpha_changes_result() -> None:
    loose = botgraph.fuse(_graphs(), alpha=0.05)
    strict = botgraph.fuse(_graphs(), alpha=float(loose.qvalue[0]) / 2)
    assert len(strict) == 0 and len(loose) == 1


def test_max_evidence_bounds_ids() -> None:
    assert len(botgraph.fuse(_graphs(), max_evidence=1).evidence[0]) == 1
    assert len(botgraph.fuse(_graphs(), max_evidence=4).evidence[0]) == 4


def test_several_windows_get_distinct_names() -> None:
    rows = _rows()
    net = botgraph.fuse(
        [botgraph.project(rows, "text", window=60), botgraph.project(rows, "text", window=600)]
    )
    assert net.layers == ("text@60s", "text@600s")


def test_mapping_input_equals_sequence_input() -> None:
    g = _graphs()
    a = botgraph.fuse(g)
    b = botgraph.fuse({x.layer: x for x in g})
    assert np.array_equal(a.pvalue, b.pvalue)


def test_errors() -> None:
    with pytest.raises(ParameterError, match="at least one CoGraph"):
        botgraph.fuse([])
    with pytest.raises(ParameterError, match="'alpha' parameter of fuse"):
        botgraph.fuse(_graphs(), alpha=0)
    with pytest.raises(ParameterError, match="'max_evidence' parameter of fuse"):
        botgraph.fuse(_graphs(), max_evidence=0)
    other = botgraph.project(_rows()[:2], "text")
    with pytest.raises(ParameterError, match="same accounts"):
        botgraph.fuse([_graphs()[0], other])
    g = _graphs()[0]
    with pytest.raises(ParameterError, match="must not repeat a layer"):
        botgraph.fuse([g, g])
    import dataclasses

    untested = dataclasses.replace(g, pvalue=np.full(len(g), np.nan))
    with pytest.raises(ParameterError, match="tested graphs"):
        botgraph.fuse([untested])


def test_exports(tmp_path: Path) -> None:
    net = botgraph.fuse(_graphs())
    g = net.to_networkx()
    assert g.number_of_nodes() == 24 and g.number_of_edges() == 1
    assert g.edges["a", "b"]["keys_text@60s"] == 1
    assert net.to_igraph().ecount() == 1
    net.write_graphml(tmp_path / "n.graphml")
    net.write_gexf(tmp_path / "n.gexf")
    import networkx as nx

    assert nx.read_graphml(tmp_path / "n.graphml").number_of_edges() == 1
    assert "edges=1" in repr(net) and "text@60s: 1" in net.summary()


@pytest.mark.parametrize(("seed", "max_evidence"), [(3, 1), (4, 2), (5, 6), (6, 40)])
def test_evidence_is_the_first_distinct_ids_over_the_layers(seed: int, max_evidence: int) -> None:
    # Reference: each kept edge walks every graph's evidence_of in order until it is full.
    data = botgraph.simulate(n_organic=150, days=3, stealth=0, rng=seed)
    recs = botgraph.ingest(data.records)
    graphs = [botgraph.project(recs, layer) for layer in ("text", "hashtag", "target")]
    net = botgraph.fuse(graphs, max_evidence=max_evidence)
    assert len(net) > 0
    n = np.int64(net.accounts.shape[0])
    expected: dict[int, dict[str, None]] = {
        int(a * n + b): {} for a, b in zip(net.account_a, net.account_b, strict=True)
    }
    for g in graphs:
        for local, code in enumerate((g.account_a * n + g.account_b).tolist()):
            bucket = expected.get(int(code))
            if bucket is None:
                continue
            for rid in g.evidence_of(local):
                if len(bucket) >= max_evidence:
                    break
                bucket[rid] = None
    assert [tuple(b) for b in expected.values()] == list(net.evidence)


@pytest.mark.parametrize("seed", [7, 8])
def test_pairs_and_closest_gap_are_summed_and_min_over_the_graphs(seed: int) -> None:
    # Reference: for each kept edge, the sum of its pairs and the minimum of its
    # min_dt over every graph (layer and window) in which the two accounts co-acted.
    data = botgraph.simulate(n_organic=150, days=3, stealth=0, rng=seed)
    recs = botgraph.ingest(data.records)
    graphs = [
        botgraph.project(recs, layer, window=w)
        for layer in ("text", "hashtag", "target")
        for w in (60, 3600)
    ]
    net = botgraph.fuse(graphs)
    assert len(net) > 0
    n = np.int64(net.accounts.shape[0])
    pairs: dict[int, int] = {}
    closest: dict[int, float] = {}
    for g in graphs:
        codes = (g.account_a * n + g.account_b).tolist()
        for code, p, dt in zip(codes, g.pairs.tolist(), g.min_dt.tolist(), strict=True):
            pairs[code] = pairs.get(code, 0) + p
            closest[code] = min(closest.get(code, np.inf), dt)
    kept = (net.account_a * n + net.account_b).tolist()
    assert net.pairs.tolist() == [pairs[c] for c in kept]
    assert net.min_dt.tolist() == [closest[c] for c in kept]
    assert len(set(net.min_dt.tolist())) > 1


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(-5, 40), max_size=40))
def test_sorted_distinct_is_numpys_unique(values: list[int]) -> None:
    array = np.array(values, dtype=np.int64)
    expected = np.unique(array)
    assert fusion_module._sorted_distinct(array.copy()).tolist() == expected.tolist()


def test_group_test_gives_each_groups_weak_pairs_that_groups_p_value() -> None:
    # Two weak cliques of 8 accounts among 2,000 accounts with scattered tested pairs.
    rng = np.random.default_rng(11)
    pairs = np.unique(np.sort(rng.integers(16, 2_000, (20_000, 2)), axis=1), axis=0)
    pairs = pairs[pairs[:, 0] < pairs[:, 1]]
    cliques = [np.column_stack(np.triu_indices(8, k=1)) + offset for offset in (0, 8)]
    a, b = np.concatenate([pairs, *cliques, [[3, 12]]]).T  # and one weak pair across them
    p = np.concatenate([np.full(len(pairs), 0.8), np.full(56, 0.2), [0.2]])
    group_p, groups = fusion_module._group_test(a, b, p, 2_000, 0.3, 0.05, 0)
    assert sorted(g.members.tolist() for g in groups) == [list(range(8)), list(range(8, 16))]
    for g in groups:
        inside = np.isin(a, g.members) & np.isin(b, g.members)
        assert np.allclose(group_p[inside], g.pvalue)
    assert group_p[-1] == 1.0  # the pair across the two groups is in neither
    assert (group_p[: len(pairs)] == 1.0).all()


@settings(max_examples=200, deadline=None)
@given(
    st.integers(0, 40),
    st.integers(0, 6),
    st.integers(0, 2**32 - 1),
    st.sampled_from([0.0, 0.3, 0.9]),
    st.booleans(),
)
def test_sparse_simes_equals_the_dense_matrix(
    n: int, g: int, seed: int, ones: float, lexsort: bool
) -> None:
    # fuse combines only the p-values each graph has; the rest of the matrix is 1.
    from botgraph import fusion
    from botgraph.fusion import _sparse_simes, simes

    if lexsort:  # the path for inputs too large for one int64 sort key
        original = fusion._SIMES_KEYS
        fusion._SIMES_KEYS = 0

    rng = np.random.default_rng(seed)
    dense = np.ones((n, g))
    positions, pvalues = [], []
    for j in range(g):
        rows = np.flatnonzero(rng.random(n) < 0.6)
        p = rng.choice([1e-12, 1e-3, 0.02, 0.5, 1.0], rows.shape[0]) * rng.random(rows.shape[0])
        p[rng.random(rows.shape[0]) < ones] = 1.0  # given p-values of exactly 1 tie with the rest
        dense[rows, j] = p
        positions.append(rows)
        pvalues.append(p)
    expected = simes(dense) if g else np.ones(n)
    try:
        assert np.array_equal(_sparse_simes(positions, pvalues, n), expected)
    finally:
        if lexsort:
            fusion._SIMES_KEYS = original
