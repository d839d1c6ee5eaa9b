"""Fusion of layers into a CoordinationNetwork."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

import botgraph
from botgraph.errors import ParameterError


def _rows() -> list[dict[str, Any]]:
    rows = []
    # a and b co-post two messages on two posts; c and d only co-comment on posts
    for i, (acc, t, text, post) in enumerate(
        [
            ("a", 0, "first coordinated message", "p1"),
            ("b", 10, "first coordinated message", "p1"),
            ("a", 1000, "second coordinated message", "p2"),
            ("b", 1010, "second coordinated message", "p2"),
            ("c", 2000, "I love this", "p3"),
            ("d", 2005, "great speech today", "p3"),
            ("c", 3000, "well done", "p4"),
            ("d", 3005, "so proud of you", "p4"),
        ]
    ):
        rows.append(
            {
                "record_id": f"r{i}",
                "account_id": acc,
                "timestamp": 1_700_000_000 + t,
                "text": text,
                "target_id": "mp",
                "post_id": post,
            }
        )
    return rows


def _graphs(**kw: Any) -> list[botgraph.CoGraph]:
    rows = _rows()
    return [botgraph.project(rows, "text", **kw), botgraph.project(rows, "target", **kw)]


def test_attention_layer_alone_creates_no_edge() -> None:
    net = botgraph.fuse(_graphs())
    cols = net.columns()
    assert list(zip(cols["account_a"], cols["account_b"], strict=True)) == [("a", "b")]
    assert net.edge_layers(0) == {"text": 2, "target": 2}
    assert set(net.evidence[0]) == {"r0", "r1", "r2", "r3"}


def test_min_keys_changes_result() -> None:
    assert len(botgraph.fuse(_graphs(), min_keys=3)) == 0
    assert len(botgraph.fuse(_graphs(), min_keys=1)) == 1


def test_max_evidence_bounds_ids() -> None:
    assert len(botgraph.fuse(_graphs(), max_evidence=1).evidence[0]) == 1


def test_scores_in_unit_interval_and_grow_with_weight() -> None:
    net = botgraph.fuse(_graphs(), min_keys=1)
    assert ((net.score >= 0) & (net.score < 1)).all()
    assert net.weight[0] == pytest.approx(net.layer_weight[0].sum())


def test_mapping_input_equals_sequence_input() -> None:
    g = _graphs()
    a = botgraph.fuse(g)
    b = botgraph.fuse({x.layer: x for x in g})
    assert np.array_equal(a.weight, b.weight)


def test_errors() -> None:
    with pytest.raises(ParameterError, match="at least one CoGraph"):
        botgraph.fuse([])
    with pytest.raises(ParameterError, match="'min_keys' parameter of fuse"):
        botgraph.fuse(_graphs(), min_keys=0)
    other = botgraph.project(_rows()[:2], "text")
    with pytest.raises(ParameterError, match="same accounts"):
        botgraph.fuse([_graphs()[0], other])


def test_exports(tmp_path: Path) -> None:
    net = botgraph.fuse(_graphs())
    g = net.to_networkx()
    assert g.number_of_nodes() == 4 and g.number_of_edges() == 1
    assert g.edges["a", "b"]["keys_text"] == 2
    assert net.to_igraph().ecount() == 1
    net.write_graphml(tmp_path / "n.graphml")
    net.write_gexf(tmp_path / "n.gexf")
    import networkx as nx

    assert nx.read_graphml(tmp_path / "n.graphml").number_of_edges() == 1
    assert "edges" in repr(net) and "text: 1" in net.summary()
