"""detect(): the whole pipeline, its parameters, its result object, and its quality."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import botgraph
from botgraph.errors import ParameterError, SchemaError


@pytest.fixture(scope="module")
def small() -> botgraph.SimulatedData:
    return botgraph.simulate(n_organic=400, days=5, rng=3)


@pytest.fixture(scope="module")
def result(small: botgraph.SimulatedData) -> botgraph.Detection:
    return botgraph.detect(small.records)


def test_every_account_scored(small: botgraph.SimulatedData, result: botgraph.Detection) -> None:
    ids = [a.account_id for a in result.accounts]
    assert sorted(ids) == sorted(small.truth.accounts)
    assert all(0.0 <= a.score <= 1.0 for a in result.accounts)
    flagged = set(result.flagged)
    for a in result.accounts:
        assert (a.cluster_id is not None) == (a.account_id in flagged)
        if a.degree == 0:
            assert a.strongest_partner is None
        if a.cluster_id is not None:
            assert a.score >= 1 - result.network.alpha


def test_clusters_are_ordered_and_explained(result: botgraph.Detection) -> None:
    assert result.clusters, "the simulated networks must produce clusters"
    scores = [c.score for c in result.clusters]
    assert scores == sorted(scores, reverse=True)
    assert [c.id for c in result.clusters] == list(range(len(result.clusters)))
    for c in result.clusters:
        assert 0.0 <= c.score <= 1.0 and c.size >= 3
        assert c.reason and c.evidence
        assert all(e.account_id in c.members for e in c.evidence)
        assert sum(c.layers.values()) > 0
        assert all("@" not in layer for layer in c.layers)


def test_result_metadata(result: botgraph.Detection) -> None:
    assert result.version == botgraph.__version__
    assert result.parameters["window"]["text"] == (60.0, 3600.0, 14400.0)
    assert result.parameters["alpha"] == 0.05
    assert "text" in result.parameters["layers"]
    assert "Detection(" in repr(result) and "coordinated clusters" in result.summary()


def test_same_seed_same_clusters(small: botgraph.SimulatedData) -> None:
    a = botgraph.detect(small.records, rng=5)
    b = botgraph.detect(small.records, rng=5)
    assert [c.members for c in a.clusters] == [c.members for c in b.clusters]


def test_parameters_change_the_result(
    small: botgraph.SimulatedData, result: botgraph.Detection
) -> None:
    def flagged(**kw: Any) -> int:
        return len(botgraph.detect(small.records, **kw).flagged)

    base = len(result.flagged)
    assert len(botgraph.detect(small.records, window=1).network) < len(result.network)
    narrow = botgraph.detect(small.records, window={"text": 60})
    wide = botgraph.detect(small.records, window={"text": 7200})
    text_pairs = [
        sum(int(g.pairs.sum()) for g in r.graphs if g.layer == "text") for r in (narrow, wide)
    ]
    assert text_pairs[0] < text_pairs[1]
    assert len(botgraph.detect(small.records, alpha=1e-30).network) < len(result.network)
    single = botgraph.detect(small.records, window=60)
    assert single.parameters["window"]["text"] == (60.0,)
    assert len(single.graphs) * 3 == len(result.graphs)
    assert flagged(min_cluster_size=60) < base
    assert botgraph.detect(small.records, layers=["target"]).clusters == ()
    comps = botgraph.detect(small.records, method="components")
    assert comps.partition.method == "components"
    louv = botgraph.detect(small.records, method="louvain")
    assert louv.partition.method == "louvain"
    fine = botgraph.detect(small.records, resolution=10.0)
    assert len(fine.partition) > len(result.partition)
    every = botgraph.detect(small.records, min_coactions=1)
    assert result.parameters["min_coactions"] == 2
    assert all(int(g.pairs.min(initial=2)) >= 2 for g in result.graphs)
    assert any(int(g.pairs.min(initial=2)) == 1 for g in every.graphs)
    assert sum(map(len, every.graphs)) > sum(map(len, result.graphs))


def test_ingest_options_pass_through(tmp_path: Path) -> None:
    rows = [
        {"user": u, "when": "2026-01-01 10:00:0" + str(i), "text": "same words here"}
        for i, u in enumerate(["a", "b", "c"])
    ] + [{"user": "", "when": "x", "text": "y"}]
    with pytest.raises(SchemaError):
        botgraph.detect(rows, columns={"user": "account_id", "when": "timestamp"}, timezone="UTC")
    res = botgraph.detect(
        rows,
        columns={"user": "account_id", "when": "timestamp"},
        timezone="UTC",
        on_invalid="drop",
    )
    assert len(res.rejected) == 1 and res.n_records == 3
    assert res.parameters["timezone"] == "UTC"


def test_object_id_is_a_default_layer() -> None:
    rows = [
        {"account_id": a, "timestamp": 86_400 * d + i, "object_id": "o"}
        for d in range(5)
        for i, a in enumerate("abc")
    ]
    res = botgraph.detect(rows)
    assert res.parameters["layers"] == ("object_id",)
    assert res.flagged == ("a", "b", "c")


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"window": -1}, "'window' parameter of detect"),
        ({"window": {"nope": 5}}, "'window' parameter of detect must map"),
        ({"alpha": 0}, "'alpha' parameter of detect"),
        ({"window": []}, "'window' parameter of detect must be a number"),
        ({"window": "60"}, "'window' parameter of detect must be a number"),
        ({"method": "magic"}, "'method' parameter of detect"),
        ({"resolution": -1}, "'resolution' parameter of detect"),
        ({"min_cluster_size": 1}, "'min_cluster_size' parameter of detect"),
        ({"min_coactions": 0}, "'min_coactions' parameter of detect"),
        ({"layers": "text"}, "'layers' parameter of detect must be a sequence"),
        ({"layers": ["txet"]}, r"(?i)did you mean 'text'"),
    ],
)
def test_parameter_errors(
    small: botgraph.SimulatedData, kwargs: dict[str, Any], match: str
) -> None:
    with pytest.raises(ParameterError, match=match):
        botgraph.detect(small.records[:50], **kwargs)


def test_no_layer_with_data_is_an_error() -> None:
    rows = [{"account_id": "a", "timestamp": 0, "thing": "x"}]
    with pytest.raises(ParameterError, match="no built-in layer has data"):
        botgraph.detect(rows)


def test_tables_and_save(result: botgraph.Detection, tmp_path: Path) -> None:
    pd = pytest.importorskip("pandas")
    acc = result.to_pandas()
    assert len(acc) == len(result.accounts)
    assert set(acc.columns) >= {"account_id", "score", "cluster_id"}
    clusters = result.to_pandas("clusters")
    assert len(clusters) == len(result.clusters)
    edges = result.to_pandas("edges")
    assert len(edges) == len(result.network)
    assert isinstance(acc, pd.DataFrame)
    with pytest.raises(ParameterError, match=r"'name' parameter of Detection\.table"):
        result.table("nodes")  # type: ignore[arg-type]
    paths = result.save(tmp_path / "out")
    assert sorted(p.name for p in paths) == [
        "accounts.csv",
        "clusters.csv",
        "edges.csv",
        "network.graphml",
    ]
    with (tmp_path / "out" / "accounts.csv").open() as fh:
        assert sum(1 for _ in csv.DictReader(fh)) == len(result.accounts)
    g = result.to_networkx()
    assert g.number_of_nodes() == len(result.accounts)
    assert result.to_igraph().vcount() == len(result.accounts)
    first = result.clusters[0].members[0]
    assert g.nodes[first]["cluster"] == 0
    assert result.account(first).cluster_id == 0
    with pytest.raises(KeyError):
        result.account("nobody")


@pytest.mark.parametrize("seed", [11, 22, 33])
def test_default_scenario_quality(seed: int) -> None:
    """Acceptance of botgraph 0.1: F1 >= 0.85 and no trap account flagged, with defaults."""
    data = botgraph.simulate(rng=seed)
    ev = botgraph.evaluate(botgraph.detect(data.records), data.truth)
    assert ev.f1 >= 0.85, ev.summary()
    assert sum(ev.traps_flagged.values()) == 0, ev.summary()
    assert ev.auc >= 0.9, ev.summary()
    assert np.isfinite(ev.ari)


def test_score_max_evidence_bounds_cluster_evidence(result: botgraph.Detection) -> None:
    from botgraph.ingest import ingest

    recs = ingest(botgraph.simulate(n_organic=400, days=5, rng=3).records)
    few, _ = botgraph.score(result.network, result.partition, recs, max_evidence=2)
    many, _ = botgraph.score(result.network, result.partition, recs, max_evidence=30)
    assert max(len(c.evidence) for c in few) == 2
    assert max(len(c.evidence) for c in many) > 2
    small_only, _ = botgraph.score(result.network, result.partition, recs, min_cluster_size=25)
    assert len(small_only) < len(few)


@pytest.mark.parametrize("seed", [4, 11])
def test_background_layer_gives_the_sequential_result(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # near_text is extracted in a second thread while the other layers run; the
    # graphs, their order and the clusters must be those of one thread.
    data = botgraph.simulate(n_organic=150, days=3, rng=seed)
    threaded = botgraph.detect(data.records)
    monkeypatch.setattr(botgraph.detection, "_BACKGROUND_LAYERS", frozenset())
    alone = botgraph.detect(data.records)
    assert "near_text" in threaded.parameters["layers"] and threaded.clusters
    assert [(g.layer, g.window) for g in threaded.graphs] == [
        (g.layer, g.window) for g in alone.graphs
    ]
    for a, b in zip(threaded.graphs, alone.graphs, strict=True):
        assert np.array_equal(a.account_a, b.account_a) and np.array_equal(a.pvalue, b.pvalue)
    assert [c.members for c in threaded.clusters] == [c.members for c in alone.clusters]
    assert np.array_equal(threaded.network.qvalue, alone.network.qvalue)


def test_background_layer_error_reaches_the_caller(monkeypatch: pytest.MonkeyPatch) -> None:
    data = botgraph.simulate(n_organic=100, days=2, rng=1)
    real = botgraph.detection.traces

    def failing(records: botgraph.Records, layer: str) -> botgraph.BipartiteGraph:
        if layer == "near_text":
            raise RuntimeError("near_text failed in its thread")
        return real(records, layer)

    monkeypatch.setattr(botgraph.detection, "traces", failing)
    with pytest.raises(RuntimeError, match="near_text failed in its thread"):
        botgraph.detect(data.records)
