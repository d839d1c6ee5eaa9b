"""Fusion: combine per-layer co-action graphs into one :class:`CoordinationNetwork`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from botgraph._validation import check_int, check_number, check_rng
from botgraph.errors import ParameterError
from botgraph.groups import WeakGroup, weak_groups
from botgraph.projection import CoGraph
from botgraph.significance import fdr_bh

__all__ = ["ATTENTION_LAYERS", "CoordinationNetwork", "fuse", "simes"]

#: Layers that show where accounts act, not what they say. Co-commenting on the same
#: post shows shared attention (superfans, notifications, a viral post), so these
#: layers describe an edge other layers support but never create one.
ATTENTION_LAYERS = ("target",)

#: Smallest p-value kept apart from zero when turning p-values into weights.
_P_FLOOR = 1e-300


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
        The fused graphs, named ``layer@<window>s`` (``text@60s``); column order of
        ``layer_keys`` and ``layer_pvalue``.
    layer_keys : ndarray of int64, shape (n_edges, n_layers)
        Distinct keys the pair co-acted on, per graph (0 where none).
    layer_pvalue : ndarray of float64, shape (n_edges, n_layers)
        Null-model p-value per graph (1 where the pair did not co-act).
    pairs : ndarray of int64
        Co-action pairs over all graphs.
    min_dt : ndarray of float64
        Smallest time gap of any co-action of the pair, in seconds.
    pvalue : ndarray of float64
        Combined content p-value: the Simes combination of the content graphs'
        p-values (see :func:`simes`).
    qvalue : ndarray of float64
        Benjamini–Hochberg q-value of ``pvalue`` over every pair at risk; for a
        pair that is an edge only through the group test, its ``group_pvalue``
        (at least 1e-300).
    weight : ndarray of float64
        ``-log10(pvalue)``: evidence in decimal digits, the community weight.
    score : ndarray of float64
        Edge coordination score ``1 - qvalue`` in [0, 1].
    evidence : tuple of tuple of str
        Record ids behind each edge, from every layer, bounded.
    account_best_q : ndarray of float64
        Per account, the smallest q-value over *all* its tested pairs, including
        those not significant enough to become an edge (1 when none); for a member
        of a significant group, at most the group's p-value.
    alpha : float
        False-discovery-rate level edges were kept at.
    n_tests : int
        Size of the family of tests (pairs at risk).
    group_pvalue : ndarray of float64
        Per edge, the p-value of the significant group of weak pairs it lies in
        (:func:`botgraph.groups.weak_groups`), 1 when none.
    groups : tuple of WeakGroup
        The significant groups (``pvalue <= alpha``), most significant first.
    """

    accounts: NDArray[np.object_]
    account_a: NDArray[np.int64]
    account_b: NDArray[np.int64]
    layers: tuple[str, ...]
    layer_keys: NDArray[np.int64]
    layer_pvalue: NDArray[np.float64]
    pairs: NDArray[np.int64]
    min_dt: NDArray[np.float64]
    pvalue: NDArray[np.float64]
    qvalue: NDArray[np.float64]
    weight: NDArray[np.float64]
    score: NDArray[np.float64]
    evidence: tuple[tuple[str, ...], ...]
    account_best_q: NDArray[np.float64]
    alpha: float
    n_tests: int
    group_pvalue: NDArray[np.float64]
    groups: tuple[WeakGroup, ...]

    def __len__(self) -> int:
        return int(self.account_a.shape[0])

    @property
    def n_edges(self) -> int:
        """Number of edges."""
        return len(self)

    def __repr__(self) -> str:
        return (
            f"CoordinationNetwork(accounts={self.accounts.shape[0]}, edges={len(self)}, "
            f"layers={self.layers!r}, alpha={self.alpha:g})"
        )

    def edge_layers(self, i: int) -> dict[str, int]:
        """Graphs in which the pair of edge *i* co-acted, with their distinct keys."""
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
            "score": self.score,
            "weight": self.weight,
            "pvalue": self.pvalue,
            "qvalue": self.qvalue,
            "group_pvalue": self.group_pvalue,
            "pairs": self.pairs,
            "min_dt": self.min_dt,
        }
        for j, layer in enumerate(self.layers):
            out[f"keys_{layer}"] = self.layer_keys[:, j]
            out[f"pvalue_{layer}"] = self.layer_pvalue[:, j]
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
            f"CoordinationNetwork: {self.accounts.shape[0]} accounts, {len(self)} edges "
            f"significant at FDR {self.alpha:g} among {self.n_tests} pairs at risk\n"
            f"  edges with co-actions per graph: {per_layer or 'none'}"
        )


def simes(pvalues: NDArray[np.float64]) -> NDArray[np.float64]:
    """Simes combination of each row's p-values: ``min_i G p_(i) / i``.

    Parameters
    ----------
    pvalues : ndarray of float64, shape (n, G)
        One row per hypothesis, one column per test of it.

    Returns
    -------
    ndarray of float64, shape (n,)
        Combined p-values, in [0, 1]. Valid when the tests of a row are independent
        or positively dependent (Simes 1986; Sarkar 1998), as several layers and
        windows of the same account pair are; never larger than the Bonferroni
        bound ``G min_i p_i``, and smaller when several tests agree.

    References
    ----------
    .. [1] R. J. Simes, "An improved Bonferroni procedure for multiple tests of
       significance", Biometrika 73 (1986) 751–754. doi:10.1093/biomet/73.3.751
    .. [2] S. K. Sarkar, "Some probability inequalities for ordered MTP2 random
       variables", Ann. Statist. 26 (1998) 494–504.

    Examples
    --------
    >>> simes(np.array([[0.01, 0.02, 0.03], [0.01, 1.0, 1.0]])).round(3).tolist()
    [0.03, 0.03]
    """
    p = np.sort(np.asarray(pvalues, dtype=np.float64), axis=1)
    g = p.shape[1]
    if g == 0:
        return np.ones(p.shape[0])
    combined: NDArray[np.float64] = np.minimum(1.0, (p * g / np.arange(1, g + 1)).min(axis=1))
    return combined


#: Largest ``rows x entries`` for which _sparse_simes sorts one int64 key (no overflow).
_SIMES_KEYS = 2**62


def _sparse_simes(
    positions: list[NDArray[np.int64]], pvalues: list[NDArray[np.float64]], n: int
) -> NDArray[np.float64]:
    """``simes`` of the ``n x G`` matrix that is 1 except ``[positions[j], j] = pvalues[j]``.

    Only the given entries are sorted. The entries equal to 1 come last in a sorted
    row and contribute ``G / i >= 1``, which the cap at 1 removes, so the rank of
    a given entry among the given entries of its row is its rank in the whole
    row, and the result is :func:`simes` of the dense matrix, bit for bit.
    """
    g = len(positions)
    out = np.ones(n, dtype=np.float64)
    if g == 0 or n == 0:
        return out
    row = np.concatenate(positions)
    p = np.concatenate(pvalues).astype(np.float64, copy=False)
    if row.shape[0] == 0:
        return out
    m = row.shape[0]
    if n * m < _SIMES_KEYS:  # one sort of (row, rank of p) keys: faster than a lexsort
        by_p = np.empty(m, dtype=np.int64)
        by_p[np.argsort(p)] = np.arange(m, dtype=np.int64)  # ties: equal values, any order
        order = np.argsort(row.astype(np.int64) * m + by_p)
    else:
        order = np.lexsort((p, row))
    row, p = row[order], p[order]
    first = np.empty(row.shape[0], dtype=bool)
    first[0] = True
    np.not_equal(row[1:], row[:-1], out=first[1:])
    starts = np.flatnonzero(first)
    rank = np.arange(1, row.shape[0] + 1) - np.repeat(
        starts, np.diff(np.append(starts, row.shape[0]))
    )
    lowest = np.minimum.reduceat(p * g / rank, starts)
    out[row[starts]] = np.minimum(1.0, lowest)
    return out


def _name(graph: CoGraph) -> str:
    return f"{graph.layer}@{graph.window:g}s"


def _add_evidence(bucket: dict[str, None], g: CoGraph, edge: int, limit: int) -> None:
    """Add ``g.evidence_of(edge)`` to *bucket* in order until it holds *limit* ids.

    Reads the edge's record list a slice of *limit* at a time, so a long list
    costs no more than the few ids it contributes.
    """
    start, stop = int(g.evidence_indptr[edge]), int(g.evidence_indptr[edge + 1])
    while start < stop and len(bucket) < limit:
        end = min(stop, start + limit)
        for rid in g.record_ids[g.evidence_record[start:end]].tolist():
            if len(bucket) >= limit:
                return
            bucket[str(rid)] = None
        start = end


def fuse(
    graphs: Sequence[CoGraph] | Mapping[str, CoGraph],
    *,
    alpha: float = 0.05,
    max_evidence: int = 6,
    weak_p: float | None = 0.3,
    rng: int | np.random.Generator | None = 0,
) -> CoordinationNetwork:
    """Fuse tested per-layer co-action graphs into one coordination network.

    Parameters
    ----------
    graphs : sequence or mapping of CoGraph
        Co-action graphs over the same accounts, with p-values (as returned by
        :func:`botgraph.project`). A layer may appear at several windows.
    alpha : float, default 0.05
        False-discovery-rate level (Benjamini–Hochberg) at which a pair becomes an
        edge; 0.05 is the conventional level.
    max_evidence : int, default 6
        Record ids kept per edge in ``evidence``.
    weak_p : float or None, default 0.3
        Combined p-value up to which a pair is a *weak* tie for the group test
        (:func:`botgraph.groups.weak_groups`), in (0, 1); None turns the group
        test off, so that only pairs significant on their own become edges.
    rng : int, numpy.random.Generator or None, default 0
        Seed of the group test's community search; the same seed gives the same
        groups (None: a fresh one).

    Returns
    -------
    CoordinationNetwork

    Raises
    ------
    ParameterError
        If no graph is given, graphs disagree on the accounts, or a parameter is
        out of range.

    Notes
    -----
    For every pair that co-acted in any graph, the content evidence is the Simes
    combination of its p-values in the ``G`` content graphs (every layer but the
    attention layers, at every window):

    .. math:: p_{ab} = \\min\\bigl(1,\\; \\min_i G\\, p_{ab}^{(i)} / i\\bigr)

    with :math:`p^{(1)} \\le p^{(2)} \\le \\dots` sorted. Weak evidence in several
    layers adds up (six layers at p = 0.001 give 0.002, where Bonferroni gives
    0.006), and one layer alone still counts at ``G p``. Its Benjamini–Hochberg
    q-value is computed over every pair at risk (pairs sharing a key in some
    content layer, bounded by ``min(N(N-1)/2, Σ_layers n_tests)``; pairs that never
    co-acted count as p = 1).
    Pairs with ``q <= alpha`` become edges of weight ``-log10 p`` and score
    ``1 - q``.

    Group test. A quiet network gives each of its pairs weak evidence that no
    false-discovery rate over millions of pairs lets through, but it gives it to
    nearly every pair of its members. The pairs with ``p <= weak_p`` are searched
    for groups with far more weak pairs among them than chance allows
    (:func:`botgraph.groups.weak_groups`; the group's p-value is a bound over
    every group of its size, so it pays for the search). The weak pairs inside a
    group with p-value ``<= alpha`` become edges too, with q-value ``p_group``
    (score ``1 - p_group``); ``group_pvalue`` is set on every edge inside the
    group. One strong coincidence makes no group.

    Attention layers (``"target"``) never create an edge: co-commenting on the
    same posts is what superfans and viral posts produce. Their keys and p-values
    are kept on the edges content creates, as evidence for the analyst.

    Examples
    --------
    >>> import botgraph
    >>> rows = [{"account_id": a, "timestamp": 86_400 * d + s, "text": "our message",
    ...          "target_id": "mp1"}
    ...         for d in range(4) for a, s in [("a", 0), ("b", 5)]]
    >>> rows += [{"account_id": "c", "timestamp": 86_400 * 6, "text": "other"}]
    >>> net = fuse([botgraph.project(rows, "text"), botgraph.project(rows, "target")])
    >>> len(net), net.edge_layers(0)
    (1, {'text@60s': 1, 'target@60s': 1})
    """
    items = list(graphs.values()) if isinstance(graphs, Mapping) else list(graphs)
    alpha = check_number(alpha, "alpha", "fuse", low=0.0, high=1.0, low_inclusive=False)
    max_evidence = check_int(max_evidence, "max_evidence", "fuse", low=1)
    if weak_p is not None:
        weak_p = check_number(
            weak_p, "weak_p", "fuse", low=0.0, high=1.0, low_inclusive=False, high_inclusive=False
        )
    seed = int(check_rng(rng, "fuse").integers(0, 2**31 - 1))
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
    for g in items:
        if len(g) and np.isnan(g.pvalue).any():
            raise ParameterError(
                f"The 'graphs' parameter of fuse must hold tested graphs; layer {g.layer!r} has "
                "no p-values. Use botgraph.project, or botgraph.significance.attach_significance."
            )
    names = tuple(_name(g) for g in items)
    if len(set(names)) != len(names):
        raise ParameterError(
            f"The 'graphs' parameter of fuse must not repeat a layer at the same window. "
            f"Got {list(names)} instead."
        )

    n = int(accounts.shape[0])
    n_acc = np.int64(max(n, 1))
    codes = [g.account_a * n_acc + g.account_b for g in items]
    all_edges = _sorted_distinct(np.concatenate(codes)) if codes else np.zeros(0, dtype=np.int64)
    n_edges, n_graphs = all_edges.shape[0], len(items)
    pairs = np.zeros(n_edges, dtype=np.int64)
    min_dt = np.full(n_edges, np.inf)
    positions = []
    for g, c in zip(items, codes, strict=True):
        pos = np.searchsorted(all_edges, c)
        positions.append(pos)
        # A graph's edges are distinct pairs, so pos has no repeats: plain fancy
        # indexing is exact (and much faster than ufunc.at).
        pairs[pos] += g.pairs
        min_dt[pos] = np.minimum(min_dt[pos], g.min_dt)

    content = [j for j, g in enumerate(items) if g.layer not in ATTENTION_LAYERS]
    pvalue = _sparse_simes(
        [positions[j] for j in content], [items[j].pvalue for j in content], n_edges
    )
    # Windows of one layer share their pairs at risk: count each layer once.
    at_risk = sum({items[j].layer: items[j].n_tests for j in content}.values())
    n_tests = int(max(min(n * (n - 1) // 2, at_risk), n_edges))
    qvalue = fdr_bh(pvalue, n_tests=n_tests)
    edge_a = (all_edges // n_acc).astype(np.int64)
    edge_b = (all_edges % n_acc).astype(np.int64)
    group_p, groups = _group_test(edge_a, edge_b, pvalue, n, weak_p, alpha, seed)
    # A pair significant on its own keeps its q-value; a weak pair of a significant
    # group takes the group's p-value (floored, as weights are, away from zero).
    qvalue = np.where(qvalue <= alpha, qvalue, np.minimum(qvalue, np.maximum(group_p, _P_FLOOR)))
    keep: NDArray[np.bool_] = np.asarray(qvalue <= alpha, dtype=bool)
    best_q = np.ones(n)
    np.minimum.at(best_q, edge_a, qvalue)
    np.minimum.at(best_q, edge_b, qvalue)

    new_index = np.cumsum(keep) - 1
    # Keys and p-values per layer only for the edges kept (a row per tested pair
    # would be large); a graph where the pair did not co-act gives p = 1.
    layer_keys = np.zeros((int(keep.sum()), n_graphs), dtype=np.int64)
    layer_pvalue = np.ones((int(keep.sum()), n_graphs), dtype=np.float64)
    for j, (g, pos) in enumerate(zip(items, positions, strict=True)):
        kept_here = keep[pos]
        row = new_index[pos[kept_here]]
        layer_keys[row, j] = g.keys[kept_here]
        layer_pvalue[row, j] = g.pvalue[kept_here]
    evidence: list[dict[str, None]] = [{} for _ in range(int(keep.sum()))]
    # Ids held per kept edge: an edge whose evidence is full (usually after its
    # first graph) is not visited again.
    held = np.zeros(len(evidence), dtype=np.int64)
    for g, pos in zip(items, positions, strict=True):
        local = np.flatnonzero(keep[pos])
        row = new_index[pos[local]]
        room = held[row] < max_evidence
        for edge, r in zip(local[room].tolist(), row[room].tolist(), strict=True):
            bucket = evidence[r]
            _add_evidence(bucket, g, edge, max_evidence)
            held[r] = len(bucket)

    kept_p = pvalue[keep]
    return CoordinationNetwork(
        accounts=accounts,
        account_a=edge_a[keep],
        account_b=edge_b[keep],
        layers=names,
        layer_keys=layer_keys,
        layer_pvalue=layer_pvalue,
        pairs=pairs[keep],
        min_dt=min_dt[keep],
        pvalue=kept_p,
        qvalue=qvalue[keep],
        weight=-np.log10(np.maximum(kept_p, _P_FLOOR)),
        score=1.0 - qvalue[keep],
        evidence=tuple(tuple(b) for b in evidence),
        account_best_q=best_q,
        alpha=alpha,
        n_tests=n_tests,
        group_pvalue=group_p[keep],
        groups=groups,
    )


def _sorted_distinct(values: NDArray[np.int64]) -> NDArray[np.int64]:
    """``np.unique(values)`` by one in-place sort (NumPy's hashing path is slower here)."""
    values.sort()
    if values.shape[0] == 0:
        return values
    keep = np.empty(values.shape[0], dtype=bool)
    keep[0] = True
    np.not_equal(values[1:], values[:-1], out=keep[1:])
    return values[keep]


def _group_test(
    edge_a: NDArray[np.int64],
    edge_b: NDArray[np.int64],
    pvalue: NDArray[np.float64],
    n: int,
    weak_p: float | None,
    alpha: float,
    seed: int,
) -> tuple[NDArray[np.float64], tuple[WeakGroup, ...]]:
    """Per tested pair, the p-value of the significant weak group it lies in (1: none).

    The tested pairs are every pair with a p-value in some graph; the others have
    p = 1 and cannot be weak.
    """
    group_p = np.ones(pvalue.shape[0])
    if weak_p is None:
        return group_p, ()
    found = weak_groups(
        edge_a,
        edge_b,
        pvalue,
        n_accounts=n,
        level=weak_p,
        alpha=alpha,
        seed=seed,
    )
    significant = tuple(g for g in found if g.pvalue <= alpha)
    if not significant:
        return group_p, significant
    # Groups are disjoint (each is pruned from its own community): label the accounts once.
    label = np.full(n, -1, dtype=np.int64)
    for k, group in enumerate(significant):
        label[group.members] = k
    p_of = np.array([g.pvalue for g in significant], dtype=np.float64)
    la = label[edge_a]
    in_group = (pvalue <= weak_p) & (la >= 0) & (la == label[edge_b])
    group_p[in_group] = p_of[la[in_group]]
    return group_p, significant
