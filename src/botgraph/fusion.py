"""Fusion: combine per-layer co-action graphs into one :class:`CoordinationNetwork`."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from botgraph._validation import check_int
from botgraph.errors import ParameterError
from botgraph.projection import CoGraph

__all__ = ["ATTENTION_LAYERS", "CoordinationNetwork", "fuse"]

#: Layers that show where accounts act, not what they say. Co-commenting on the same
#: post shows shared attention (superfans, notifications, a viral post), so these
#: layers strengthen an edge other layers support but never create one.
ATTENTION_LAYERS = ("target",)


@dataclass(frozen=True, slots=True, eq=False)
class CoordinationNetwork:
    """Fused account co-behaviour network with per-layer evidence on every edge.

    Attributes
    ----------
    accounts : ndarray of object (str)
        Every input account (node set).
    account_a, account_b : ndarray of int64
        Edge end points (indices into ``accounts``), ``account_a < account_b``.
    layers : tuple of str
        Layers fused, in column order of ``layer_keys`` and ``layer_weight``.
    layer_keys : ndarray of int64, shape (n_edges, n_layers)
        Distinct keys the pair co-acted on, per layer (0 where none).
    layer_weight : ndarray of float64, shape (n_edges, n_layers)
        Specificity-weighted keys (``CoGraph.key_weight``) per layer.
    pairs : ndarray of int64
        Co-action pairs over all layers.
    min_dt : ndarray of float64
        Smallest time gap of any co-action of the pair, in seconds.
    weight : ndarray of float64
        Fused weight ``sum(layer_weight)`` over all layers.
    score : ndarray of float64
        Edge coordination score in [0, 1): ``1 - exp(-weight / ln(1 + N / 2))``.
    evidence : tuple of tuple of str
        Record ids behind each edge, from every layer, bounded.
    """

    accounts: NDArray[np.object_]
    account_a: NDArray[np.int64]
    account_b: NDArray[np.int64]
    layers: tuple[str, ...]
    layer_keys: NDArray[np.int64]
    layer_weight: NDArray[np.float64]
    pairs: NDArray[np.int64]
    min_dt: NDArray[np.float64]
    weight: NDArray[np.float64]
    score: NDArray[np.float64]
    evidence: tuple[tuple[str, ...], ...]

    def __len__(self) -> int:
        return int(self.account_a.shape[0])

    @property
    def n_edges(self) -> int:
        """Number of edges."""
        return len(self)

    def __repr__(self) -> str:
        return (
            f"CoordinationNetwork(accounts={self.accounts.shape[0]}, edges={len(self)}, "
            f"layers={self.layers!r})"
        )

    def edge_layers(self, i: int) -> dict[str, int]:
        """Layers supporting edge *i* with their distinct co-acted keys."""
        return {
            layer: int(k)
            for layer, k in zip(self.layers, self.layer_keys[i].tolist(), strict=True)
            if k
        }

    def columns(self) -> dict[str, Any]:
        """Edge table as a dict of equally long columns (account labels, not codes)."""
        out: dict[str, Any] = {
            "account_a": self.accounts[self.account_a],
            "account_b": self.accounts[self.account_b],
            "weight": self.weight,
            "score": self.score,
            "pairs": self.pairs,
            "min_dt": self.min_dt,
        }
        for j, layer in enumerate(self.layers):
            out[f"keys_{layer}"] = self.layer_keys[:, j]
            out[f"weight_{layer}"] = self.layer_weight[:, j]
        out["evidence"] = np.array([" ".join(e) for e in self.evidence], dtype=object)
        return out

    def to_pandas(self) -> Any:
        """Edge table as a pandas DataFrame (needs pandas)."""
        from botgraph.export import columns_to_pandas

        return columns_to_pandas(self.columns())

    def to_networkx(self) -> Any:
        """Undirected :class:`networkx.Graph`, every account a node, edge attributes as columns."""
        from botgraph.export import columns_to_networkx

        return columns_to_networkx(self.accounts, self.columns())

    def to_igraph(self) -> Any:
        """Undirected :class:`igraph.Graph` with vertex ``name`` and edge attributes."""
        from botgraph.export import columns_to_igraph

        return columns_to_igraph(self.accounts, self.account_a, self.account_b, self.columns())

    def write_graphml(self, path: Any) -> None:
        """Write the network as GraphML."""
        from botgraph.export import write_graphml

        write_graphml(self.to_networkx(), path)

    def write_gexf(self, path: Any) -> None:
        """Write the network as GEXF (Gephi)."""
        from botgraph.export import write_gexf

        write_gexf(self.to_networkx(), path)

    def summary(self) -> str:
        """A few lines describing the network."""
        per_layer = ", ".join(
            f"{layer}: {int((self.layer_keys[:, j] > 0).sum())}"
            for j, layer in enumerate(self.layers)
        )
        return (
            f"CoordinationNetwork: {self.accounts.shape[0]} accounts, {len(self)} edges\n"
            f"  edges with co-actions per layer: {per_layer or 'none'}"
        )


def fuse(
    graphs: Sequence[CoGraph] | Mapping[str, CoGraph],
    *,
    min_keys: int = 2,
    max_evidence: int = 6,
) -> CoordinationNetwork:
    """Fuse per-layer co-action graphs into one coordination network.

    Parameters
    ----------
    graphs : sequence or mapping of CoGraph
        One co-action graph per layer, all over the same accounts.
    min_keys : int, default 2
        An edge is kept when, in at least one layer other than the attention
        layers (``"target"``), the pair co-acted on at least this many distinct keys.
        Two is the smallest number that rules out a single coincidence, and the
        default minimum edge weight of coordination-network-toolkit.
    max_evidence : int, default 6
        Record ids kept per edge in ``evidence``.

    Returns
    -------
    CoordinationNetwork

    Raises
    ------
    ParameterError
        If no graph is given, graphs disagree on the accounts, or *min_keys* < 1.

    Notes
    -----
    The fused weight of an edge is :math:`W = \\sum_L \\sum_{k} \\ln(1 + N / n_k)`,
    the specificity-weighted count of co-acted keys over every layer ``L`` (``N``
    accounts, ``n_k`` accounts using key ``k``), so popular keys add little. The
    edge score :math:`1 - e^{-W / \\ln(1 + N / 2)}` is in [0, 1): the denominator is
    the weight of one key used by the pair alone, so one such key scores 0.63,
    two 0.86.

    Attention layers never create an edge on their own: co-commenting on the same
    posts is what superfans and viral posts produce, and is only evidence next to
    shared content.

    Examples
    --------
    >>> import botgraph
    >>> rows = [{"account_id": a, "timestamp": t, "text": x, "target_id": "mp1"}
    ...         for a, t, x in [("a", 0, "first message"), ("b", 5, "first message"),
    ...                         ("a", 900, "second one"), ("b", 910, "second one")]]
    >>> net = fuse([botgraph.project(rows, "text"), botgraph.project(rows, "target")])
    >>> len(net), net.edge_layers(0)
    (1, {'text': 2, 'target': 1})
    """
    items = list(graphs.values()) if isinstance(graphs, Mapping) else list(graphs)
    min_keys = check_int(min_keys, "min_keys", "fuse", low=1)
    max_evidence = check_int(max_evidence, "max_evidence", "fuse", low=1)
    if not items:
        raise ParameterError(
            "The 'graphs' parameter of fuse must hold at least one CoGraph. Got none instead."
        )
    accounts = items[0].accounts
    for g in items[1:]:
        if g.accounts.shape != accounts.shape or not np.array_equal(g.accounts, accounts):
            raise ParameterError(
                f"The 'graphs' parameter of fuse must hold graphs over the same accounts; "
                f"layer {g.layer!r} has {g.accounts.shape[0]} accounts, layer "
                f"{items[0].layer!r} has {accounts.shape[0]}. Project them from the same records."
            )
    layers = tuple(g.layer for g in items)
    n_acc = np.int64(max(accounts.shape[0], 1))
    codes = [g.account_a * n_acc + g.account_b for g in items]
    all_edges = np.unique(np.concatenate(codes)) if codes else np.zeros(0, dtype=np.int64)

    n_edges, n_layers = all_edges.shape[0], len(items)
    layer_keys = np.zeros((n_edges, n_layers), dtype=np.int64)
    layer_weight = np.zeros((n_edges, n_layers), dtype=np.float64)
    pairs = np.zeros(n_edges, dtype=np.int64)
    min_dt = np.full(n_edges, np.inf)
    positions = []
    for j, (g, c) in enumerate(zip(items, codes, strict=True)):
        pos = np.searchsorted(all_edges, c)
        positions.append(pos)
        layer_keys[pos, j] = g.keys
        layer_weight[pos, j] = g.key_weight
        pairs[pos] += g.pairs
        np.minimum.at(min_dt, pos, g.min_dt)

    content = [j for j, layer in enumerate(layers) if layer not in ATTENTION_LAYERS]
    keep: NDArray[np.bool_] = np.zeros(n_edges, dtype=bool)
    if content:
        keep = np.asarray((layer_keys[:, content] >= min_keys).any(axis=1), dtype=bool)
    new_index: list[int] = (np.cumsum(keep) - 1).tolist()
    keep_list = [bool(x) for x in keep.tolist()]

    evidence: list[dict[str, None]] = [{} for _ in range(int(keep.sum()))]
    for g, pos in zip(items, positions, strict=True):
        for e, ids in zip(pos.tolist(), g.evidence, strict=True):
            if keep_list[e]:
                bucket = evidence[new_index[e]]
                for rid in ids:
                    if len(bucket) >= max_evidence:
                        break
                    bucket[rid] = None

    weight = layer_weight[keep].sum(axis=1)
    scale = math.log1p(max(int(accounts.shape[0]), 2) / 2.0)
    kept = all_edges[keep]
    return CoordinationNetwork(
        accounts=accounts,
        account_a=(kept // n_acc).astype(np.int64),
        account_b=(kept % n_acc).astype(np.int64),
        layers=layers,
        layer_keys=layer_keys[keep],
        layer_weight=layer_weight[keep],
        pairs=pairs[keep],
        min_dt=min_dt[keep],
        weight=weight,
        score=1.0 - np.exp(-weight / scale),
        evidence=tuple(tuple(b) for b in evidence),
    )
