"""Projection: one layer's trace events → the account co-action graph (:class:`CoGraph`).

Two accounts *co-act* on a key when each emitted the key and the two events lie
within ``window`` seconds of each other (sliding and pairwise: ``|t_i - t_j| <=
window``, both ends inclusive). Every such pair of events from two distinct
accounts is one *co-action pair*; a :class:`CoGraph` has one undirected edge per
pair of accounts with at least one co-action pair.

The work is split so that a distributed engine can run it unchanged:
:func:`project_partition` turns the events of a partition of trace keys into
co-action pairs, and :func:`aggregate_pairs` reduces pairs (from any number of
partitions) to edges. Because a key never spans two partitions, running the
partitions separately and concatenating their pairs gives exactly the in-memory
result.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from botgraph._validation import check_int, check_number
from botgraph.ingest import Records, ingest
from botgraph.significance import (
    _coincidence_rate,
    _significance,
    _with_significance,
    key_coincidence,
    key_users,
)
from botgraph.traces import BipartiteGraph, traces

__all__ = [
    "CoGraph",
    "CoactionPairs",
    "aggregate_pairs",
    "project",
    "project_bipartite",
    "project_partition",
    "saturated_keys",
]

logger = logging.getLogger(__name__)

#: Co-action pairs materialised at once before a chunk is reduced (about 0.5 GB of
#: temporary arrays); bounds the peak memory of the pair enumeration.
_CHUNK_PAIRS = 10_000_000


@dataclass(frozen=True, slots=True, eq=False)
class CoactionPairs:
    """Co-action pairs of one partition of trace keys (account codes, not labels).

    Attributes
    ----------
    account_a, account_b : ndarray of int64
        The two accounts, ``account_a < account_b``.
    key : ndarray of int64
        Key both events carry.
    dt : ndarray of float64
        Absolute time between the two events, in seconds.
    record_a, record_b : ndarray of int64
        Record index of the event of ``account_a`` and of ``account_b``.
    """

    account_a: NDArray[np.int64]
    account_b: NDArray[np.int64]
    key: NDArray[np.int64]
    dt: NDArray[np.float64]
    record_a: NDArray[np.int64]
    record_b: NDArray[np.int64]

    def __len__(self) -> int:
        return int(self.key.shape[0])

    @classmethod
    def concat(cls, parts: list[CoactionPairs]) -> CoactionPairs:
        """Concatenate the pairs of several partitions."""
        if not parts:
            e = np.zeros(0, dtype=np.int64)
            return cls(e, e, e, np.zeros(0, dtype=np.float64), e, e)
        return cls(*(np.concatenate([getattr(p, n) for p in parts]) for n in cls.__slots__))


def _window_ends(
    event_key: NDArray[np.int64], event_time: NDArray[np.float64], window: float
) -> NDArray[np.int64]:
    """For each event, one past the last later event of the same key within the window.

    Events must be sorted by key then time. Times are replaced by their dense rank so
    that (key, time) becomes one exactly comparable int64 and a single
    ``searchsorted`` finds every window end.
    """
    unique_times = np.unique(event_time)
    rank = np.searchsorted(unique_times, event_time).astype(np.int64)
    reach = np.searchsorted(unique_times, event_time + window, side="right").astype(np.int64) - 1
    base = np.int64(unique_times.shape[0] + 1)
    composite = event_key * base + rank
    return np.searchsorted(composite, event_key * base + reach, side="right").astype(np.int64)


def _chunks(ends: NDArray[np.int64], limit: int) -> Iterator[tuple[int, int]]:
    """Split event positions into ranges whose pair counts stay near *limit*."""
    n = ends.shape[0]
    counts = ends - np.arange(n, dtype=np.int64) - 1
    cumulative = np.cumsum(counts)
    start = 0
    while start < n:
        before = cumulative[start - 1] if start else 0
        stop = int(np.searchsorted(cumulative, before + limit, side="right"))
        stop = max(stop, start + 1)
        yield start, min(stop, n)
        start = stop


def project_partition(
    event_account: NDArray[np.int64],
    event_key: NDArray[np.int64],
    event_time: NDArray[np.float64],
    event_record: NDArray[np.int64],
    *,
    window: float,
    chunk_pairs: int = _CHUNK_PAIRS,
) -> CoactionPairs:
    """Enumerate the co-action pairs of a partition of trace keys.

    Parameters
    ----------
    event_account, event_key, event_time, event_record : ndarray
        Trace events sorted by key, then time (as in :class:`BipartiteGraph`). The
        partition must hold *every* event of each of its keys.
    window : float
        Maximum time between two events, in seconds (inclusive).
    chunk_pairs : int, default 10_000_000
        Pairs enumerated at once; bounds the temporary memory.

    Returns
    -------
    CoactionPairs
        One row per pair of events of distinct accounts on the same key within the
        window. Pairs of one account with itself are dropped.

    Notes
    -----
    Cost is linear in the number of events plus the number of event pairs inside
    the window, never quadratic in a key's total popularity: each event's window end
    is found by binary search and only the pairs inside it are generated.

    Examples
    --------
    >>> import numpy as np
    >>> p = project_partition(
    ...     np.array([0, 1, 2]), np.array([0, 0, 0]), np.array([0.0, 30.0, 100.0]),
    ...     np.array([0, 1, 2]), window=70)
    >>> p.account_a.tolist(), p.account_b.tolist(), p.dt.tolist()
    ([0, 1], [1, 2], [30.0, 70.0])
    """
    n = int(event_key.shape[0])
    if n == 0:
        return CoactionPairs.concat([])
    ends = _window_ends(event_key, event_time, window)
    parts: list[CoactionPairs] = []
    for lo, hi in _chunks(ends, chunk_pairs):
        counts = ends[lo:hi] - np.arange(lo, hi, dtype=np.int64) - 1
        total = int(counts.sum())
        if total == 0:
            continue
        first = np.repeat(np.arange(lo, hi, dtype=np.int64), counts)
        offsets = np.cumsum(counts) - counts
        second = first + 1 + (np.arange(total, dtype=np.int64) - np.repeat(offsets, counts))
        acc_1 = event_account[first]
        acc_2 = event_account[second]
        distinct = acc_1 != acc_2
        first, second, acc_1, acc_2 = (
            first[distinct],
            second[distinct],
            acc_1[distinct],
            acc_2[distinct],
        )
        swap = acc_1 > acc_2
        rec_1 = event_record[first]
        rec_2 = event_record[second]
        parts.append(
            CoactionPairs(
                account_a=np.where(swap, acc_2, acc_1),
                account_b=np.where(swap, acc_1, acc_2),
                key=event_key[first],
                dt=event_time[second] - event_time[first],
                record_a=np.where(swap, rec_2, rec_1),
                record_b=np.where(swap, rec_1, rec_2),
            )
        )
    return CoactionPairs.concat(parts)


@dataclass(frozen=True, slots=True, eq=False)
class CoGraph:
    """Co-action graph of one layer: an undirected edge per co-acting account pair.

    Attributes
    ----------
    layer : str
        Layer the graph was projected from.
    window : float
        Window in seconds.
    accounts : ndarray of object (str)
        Every account of the input (the node set, including isolated accounts).
    account_a, account_b : ndarray of int64
        Edge end points as indices into ``accounts``, ``account_a < account_b``.
        Edges are sorted by ``(account_a, account_b)``.
    pairs : ndarray of int64
        Co-action pairs behind the edge (pairs of events within the window).
    keys : ndarray of int64
        Distinct keys the two accounts co-acted on.
    min_dt, median_dt : ndarray of float64
        Smallest and median time between the paired events, in seconds.
    matched : ndarray of int64
        Co-action episodes: the smaller of the two accounts' numbers of distinct
        records that found a partner record (on any key). Unlike ``pairs`` it does
        not multiply when both accounts repeat a key within one window or when two
        records share several keys, and unlike ``keys`` it counts a key co-acted on
        day after day every time.
    key_weight : ndarray of float64
        Sum over the distinct co-acted keys of the key's specificity
        ``ln(1 + N / n_k)`` (``N`` accounts in the input, ``n_k`` accounts that
        used key ``k``): a key used by everybody adds only ``ln 2``.
    evidence_indptr, evidence_record : ndarray of int64
        Record indices behind each edge, CSR style: those of the closest pairs in
        time, two per pair, at most ``max_evidence`` pairs per edge (see
        :meth:`evidence_of` and :attr:`evidence`).
    record_ids : ndarray of object
        Record ids indexed by record index.
    expected : ndarray of float64
        Co-acted keys a null model of independent accounts expects for the pair
        (see :func:`botgraph.significance.coaction_significance`).
    pvalue : ndarray of float64
        Probability of at least ``keys`` co-acted keys under that null model.
    n_tests : int
        Account pairs that share at least one key (upper bound): the family size
        for false-discovery-rate control.
    period : float
        Observation period the null model spreads activity over, in seconds.
    capped_keys : tuple of str
        Keys left out because the null model expects every pair of their users
        to co-act on them (see :func:`saturated_keys`); empty unless asked for.
    extra : Mapping[str, ndarray]
        Further per-edge columns added by later stages.
    """

    layer: str
    window: float
    accounts: NDArray[np.object_]
    account_a: NDArray[np.int64]
    account_b: NDArray[np.int64]
    pairs: NDArray[np.int64]
    keys: NDArray[np.int64]
    min_dt: NDArray[np.float64]
    median_dt: NDArray[np.float64]
    key_weight: NDArray[np.float64]
    matched: NDArray[np.int64]
    evidence_indptr: NDArray[np.int64]
    evidence_record: NDArray[np.int64]
    record_ids: NDArray[np.object_]
    expected: NDArray[np.float64]
    pvalue: NDArray[np.float64]
    n_tests: int
    period: float
    capped_keys: tuple[str, ...] = ()
    extra: Mapping[str, NDArray[Any]] = field(default_factory=dict)

    def __len__(self) -> int:
        return int(self.account_a.shape[0])

    @property
    def n_edges(self) -> int:
        """Number of edges."""
        return len(self)

    def evidence_of(self, edge: int) -> tuple[str, ...]:
        """Distinct record ids behind one edge, closest co-actions first."""
        lo, hi = int(self.evidence_indptr[edge]), int(self.evidence_indptr[edge + 1])
        ids = self.record_ids[self.evidence_record[lo:hi]].tolist()
        return tuple(dict.fromkeys(str(i) for i in ids))

    @property
    def evidence(self) -> tuple[tuple[str, ...], ...]:
        """Record ids behind every edge (see :meth:`evidence_of`)."""
        return tuple(self.evidence_of(i) for i in range(len(self)))

    def __repr__(self) -> str:
        return (
            f"CoGraph(layer={self.layer!r}, window={self.window:g}, "
            f"accounts={self.accounts.shape[0]}, edges={len(self)}, "
            f"pairs={int(self.pairs.sum())})"
        )

    def columns(self) -> dict[str, Any]:
        """Edge table as a dict of equally long columns (labels, not codes)."""
        out: dict[str, Any] = {
            "account_a": self.accounts[self.account_a],
            "account_b": self.accounts[self.account_b],
            "pairs": self.pairs,
            "keys": self.keys,
            "matched": self.matched,
            "min_dt": self.min_dt,
            "median_dt": self.median_dt,
            "key_weight": self.key_weight,
            "expected": self.expected,
            "pvalue": self.pvalue,
        }
        out.update(self.extra)
        out["evidence"] = np.array([" ".join(e) for e in self.evidence], dtype=object)
        return out

    def to_pandas(self) -> Any:
        """Edge table as a pandas DataFrame (needs pandas).

        Columns: ``account_a``, ``account_b``, ``pairs``, ``keys``, ``min_dt``,
        ``median_dt``, ``key_weight``, ``expected``, ``pvalue``, any extra columns,
        and ``evidence`` (space separated record ids).
        """
        from botgraph.export import columns_to_pandas

        return columns_to_pandas(self.columns())

    def to_networkx(self) -> Any:
        """Undirected :class:`networkx.Graph` with every account as a node and edge attributes."""
        from botgraph.export import columns_to_networkx

        return columns_to_networkx(self.accounts, self.columns())

    def to_igraph(self) -> Any:
        """Undirected :class:`igraph.Graph`; vertex attribute ``name`` holds account ids."""
        from botgraph.export import columns_to_igraph

        return columns_to_igraph(self.accounts, self.account_a, self.account_b, self.columns())

    def summary(self) -> str:
        """A few lines describing the graph."""
        touched = np.unique(np.concatenate([self.account_a, self.account_b])).shape[0]
        lines = [
            f"CoGraph of layer {self.layer!r}, window {self.window:g} s",
            f"  accounts: {self.accounts.shape[0]} ({touched} with at least one edge)",
            f"  edges: {len(self)}, co-action pairs: {int(self.pairs.sum())}",
        ]
        if len(self):
            lines.append(
                f"  keys per edge: max {int(self.keys.max())}, "
                f"median time gap: {float(np.median(self.median_dt)):.1f} s"
            )
        return "\n".join(lines)


def _distinct_per_edge_key(
    edge: NDArray[np.int64], key: NDArray[np.int64], record: NDArray[np.int64]
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]:
    """Distinct (edge, key) groups, sorted, and the distinct records in each."""
    if edge.shape[0] == 0:
        e = np.zeros(0, dtype=np.int64)
        return e, e, e
    order = np.lexsort((record, key, edge))
    e, k, r = edge[order], key[order], record[order]
    new_group = np.r_[True, (e[1:] != e[:-1]) | (k[1:] != k[:-1])]
    new_record = new_group | np.r_[True, r[1:] != r[:-1]]
    group = np.cumsum(new_group) - 1
    distinct = np.bincount(group[new_record], minlength=int(group[-1]) + 1).astype(np.int64)
    return e[new_group], k[new_group], distinct


def aggregate_pairs(
    pairs: CoactionPairs,
    *,
    layer: str,
    window: float,
    accounts: NDArray[np.object_],
    record_ids: NDArray[np.object_],
    key_specificity: NDArray[np.float64],
    max_evidence: int = 3,
) -> CoGraph:
    """Reduce co-action pairs to one edge per account pair (not yet tested).

    The result's ``expected`` and ``pvalue`` are NaN and ``n_tests`` is 0 until
    :func:`botgraph.significance.attach_significance` fills them.

    Parameters
    ----------
    pairs : CoactionPairs
        Pairs from one or more :func:`project_partition` calls (disjoint key sets).
    layer : str
        Layer name stored in the result.
    window : float
        Window used, stored in the result.
    accounts : ndarray of object
        Account labels indexed by the pairs' account codes.
    record_ids : ndarray of object
        Record ids indexed by the pairs' record indices.
    key_specificity : ndarray of float64
        Specificity of each key code, summed per edge into ``key_weight``.
    max_evidence : int, default 3
        Pairs (closest in time first) whose record ids are kept per edge.

    Returns
    -------
    CoGraph

    Examples
    --------
    >>> import numpy as np
    >>> pairs = project_partition(np.array([0, 1, 0, 1]), np.array([0, 0, 1, 1]),
    ...                           np.array([0.0, 4.0, 50.0, 52.0]), np.arange(4), window=10)
    >>> g = aggregate_pairs(pairs, layer="demo", window=10,
    ...                     accounts=np.array(["a", "b"], dtype=object),
    ...                     record_ids=np.array(["r0", "r1", "r2", "r3"], dtype=object),
    ...                     key_specificity=np.ones(2))
    >>> int(g.pairs[0]), int(g.keys[0]), float(g.median_dt[0]), g.evidence[0]
    (2, 2, 3.0, ('r2', 'r3', 'r0', 'r1'))
    """
    n_acc = np.int64(max(accounts.shape[0], 1))
    edge = pairs.account_a * n_acc + pairs.account_b
    order = np.lexsort((pairs.record_b, pairs.record_a, pairs.dt, edge))
    edge_sorted = edge[order]
    dt_sorted = pairs.dt[order]
    uniq, start, count = np.unique(edge_sorted, return_index=True, return_counts=True)
    mid_lo = start + (count - 1) // 2
    mid_hi = start + count // 2
    median_dt = (dt_sorted[mid_lo] + dt_sorted[mid_hi]) / 2.0 if len(uniq) else dt_sorted[:0]
    min_dt = dt_sorted[start]

    ek_edge, ek_key, _ = _distinct_per_edge_key(edge, pairs.key, pairs.record_a)
    no_key = np.zeros_like(pairs.key)
    _, _, records_a = _distinct_per_edge_key(edge, no_key, pairs.record_a)
    _, _, records_b = _distinct_per_edge_key(edge, no_key, pairs.record_b)
    key_edge_pos = np.searchsorted(uniq, ek_edge)
    keys = np.bincount(key_edge_pos, minlength=len(uniq)).astype(np.int64)
    key_weight = np.bincount(
        key_edge_pos, weights=key_specificity[ek_key], minlength=len(uniq)
    ).astype(np.float64)
    matched = np.minimum(records_a, records_b).astype(np.int64)

    take = np.minimum(count, max_evidence).astype(np.int64)
    first_of = np.cumsum(take) - take
    picked = np.repeat(start, take) + (np.arange(int(take.sum())) - np.repeat(first_of, take))
    picked_pairs = order[picked]
    evidence_record = np.empty(2 * picked_pairs.shape[0], dtype=np.int64)
    evidence_record[0::2] = pairs.record_a[picked_pairs]
    evidence_record[1::2] = pairs.record_b[picked_pairs]
    evidence_indptr = np.concatenate([[0], np.cumsum(2 * take)]).astype(np.int64)

    return CoGraph(
        layer=layer,
        window=float(window),
        accounts=accounts,
        account_a=(uniq // n_acc).astype(np.int64),
        account_b=(uniq % n_acc).astype(np.int64),
        pairs=count.astype(np.int64),
        keys=keys,
        min_dt=min_dt.astype(np.float64),
        median_dt=median_dt.astype(np.float64),
        key_weight=key_weight,
        matched=matched,
        evidence_indptr=evidence_indptr,
        evidence_record=evidence_record,
        record_ids=record_ids,
        expected=np.full(len(uniq), np.nan),
        pvalue=np.full(len(uniq), np.nan),
        n_tests=0,
        period=float("nan"),
    )


def key_specificity(graph: BipartiteGraph) -> NDArray[np.float64]:
    """Smoothed inverse document frequency ``ln(1 + N / n_k)`` of every key of a layer.

    ``N`` is the number of accounts, ``n_k`` the number of distinct accounts that
    emitted key ``k`` (Sparck Jones 1972). Popular keys weigh little, but never
    nothing: in a data set holding only the suspects, every key is "popular".
    """
    return _specificity(key_users(graph.incidence), int(graph.accounts.shape[0]))


def _specificity(users: NDArray[np.float64], n_accounts: int) -> NDArray[np.float64]:
    """:func:`key_specificity` from the key users already counted."""
    spec: NDArray[np.float64] = np.log1p(max(n_accounts, 1) / np.maximum(users, 1.0))
    return spec


def project_bipartite(
    graph: BipartiteGraph,
    *,
    window: float,
    record_ids: NDArray[np.object_],
    period: float | None = None,
    max_evidence: int = 3,
    skip_uninformative: bool = False,
    min_pairs: int = 1,
) -> CoGraph:
    """Project a layer already extracted by :func:`botgraph.traces`, and test its edges.

    The edges come from :func:`botgraph._kernels.project_edges`: a compiled numba
    kernel (the numpy path of :func:`project_partition` and
    :func:`aggregate_pairs` where numba cannot compile), with identical results.

    :func:`project` ingests, extracts and calls this; use it directly to project
    several windows from one extraction.

    Parameters
    ----------
    graph : BipartiteGraph
        The layer's trace events.
    window : float
        Window in seconds (inclusive).
    record_ids : ndarray of object
        ``Records.record_id`` of the records the events came from.
    period : float, optional
        Observation period of the null model in seconds; default: from the first
        to the last event of the layer.
    max_evidence : int, default 3
        Closest co-action pairs per edge whose record ids are kept.
    skip_uninformative : bool, default False
        Skip keys the null model expects every pair of users to co-act on
        (:func:`saturated_keys`): they cannot add evidence, and a key used by
        thousands would emit millions of pairs. The result's ``capped_keys`` lists
        them. :func:`botgraph.detect` skips them; :func:`project` keeps every key.
    min_pairs : int, default 1
        Keep only the pairs of accounts with at least this many co-action pairs.
        The default keeps every edge; :func:`botgraph.detect` passes its
        ``min_coactions`` (2): on a large layer most pairs co-act once, and
        dropping them before they are materialised is what bounds memory.

    Returns
    -------
    CoGraph

    Examples
    --------
    >>> import botgraph
    >>> recs = botgraph.ingest([{"account_id": a, "timestamp": t, "text": "same words"}
    ...                         for a, t in [("a", 0), ("b", 30), ("c", 90)]])
    >>> bip = botgraph.traces(recs, "text")
    >>> [len(project_bipartite(bip, window=w, record_ids=recs.record_id)) for w in (30, 60)]
    [1, 2]
    """
    window = check_number(window, "window", "project_bipartite", low=0.0)
    min_pairs = check_int(min_pairs, "min_pairs", "project_bipartite", low=1)
    if period is None:
        times = graph.event_time
        period = float(times.max() - times.min()) if times.shape[0] else 0.0
    period = max(period, 1.0)
    # Key statistics computed once, for the specificity, the saturated keys and the
    # null model (the rate does not depend on a period below max(2w, 1 s)).
    users = key_users(graph.incidence)
    rate = None
    informative = np.ones(graph.keys.shape[0], dtype=bool)
    if skip_uninformative:
        rate = _coincidence_rate(graph, users, window=window, period=period)
        informative = ~((rate >= 1.0) & (users > 1))  # as saturated_keys
    events = informative[graph.event_key] if not informative.all() else slice(None)
    from botgraph._kernels import project_edges

    edges = project_edges(
        graph.event_account[events],
        graph.event_key[events],
        graph.event_time[events],
        graph.event_record[events],
        window=window,
        n_accounts=int(graph.accounts.shape[0]),
        key_specificity=_specificity(users, int(graph.accounts.shape[0])),
        max_evidence=max_evidence,
        min_pairs=min_pairs,
    )
    logger.debug(
        "layer %s: %d co-action pairs (%s engine)", graph.layer, edges.n_pairs, edges.engine
    )
    n_edges = int(edges.account_a.shape[0])
    untested = CoGraph(
        layer=graph.layer,
        window=float(window),
        accounts=graph.accounts,
        account_a=edges.account_a,
        account_b=edges.account_b,
        pairs=edges.pairs,
        keys=edges.keys,
        min_dt=edges.min_dt,
        median_dt=edges.median_dt,
        key_weight=edges.key_weight,
        matched=edges.matched,
        evidence_indptr=edges.evidence_indptr,
        evidence_record=edges.evidence_record,
        record_ids=record_ids,
        expected=np.full(n_edges, np.nan),
        pvalue=np.full(n_edges, np.nan),
        n_tests=0,
        period=float("nan"),
    )
    capped = graph.keys[~informative]
    if capped.shape[0]:
        logger.info(
            "layer %s at %g s: skipped %d keys so popular that the null model expects "
            "every pair of their users to co-act (e.g. %s)",
            graph.layer,
            window,
            capped.shape[0],
            ", ".join(map(str, capped[:3].tolist())),
        )
    significance = _significance(
        untested, graph, period=period, informative=informative, users=users, rate=rate
    )
    tested = _with_significance(untested, significance)
    return dataclasses.replace(tested, capped_keys=tuple(str(k) for k in capped.tolist()))


def saturated_keys(graph: BipartiteGraph, *, window: float, period: float) -> NDArray[np.bool_]:
    """Keys whose co-actions the null model fully expects: they carry no evidence.

    Parameters
    ----------
    graph : BipartiteGraph
        The layer.
    window : float
        Window in seconds.
    period : float
        Observation period in seconds.

    Returns
    -------
    ndarray of bool
        True for key ``k`` (used by several accounts) when its coincidence rate
        ``c_k max(2w, 1 s) / T_k >= 1`` (:func:`botgraph.significance.key_coincidence`):
        with the popularity charge ``c_k`` and the key's lifetime ``T_k`` (see
        :mod:`botgraph.significance`) every event of every user of the key is
        expected to find a partner, so its co-actions can never be surprising,
        and enumerating them (quadratic in the key's popularity) would be wasted
        work. A key whose uses all fall within one window is always saturated.

    Examples
    --------
    >>> import botgraph
    >>> rows = [{"account_id": f"a{i}", "timestamp": 600 * i, "text": "thanks"}
    ...         for i in range(30)]
    >>> rows += [{"account_id": f"b{i}", "timestamp": 86_400 * i, "text": "hello all"}
    ...          for i in range(2)]
    >>> bip = botgraph.traces(botgraph.ingest(rows), "text")
    >>> int(saturated_keys(bip, window=3600, period=30 * 86_400).sum())  # "thanks"
    1
    """
    users, rate = key_coincidence(graph, window=window, period=max(period, 1.0))
    saturated: NDArray[np.bool_] = (rate >= 1.0) & (users > 1)
    return saturated


def project(
    records: Any,
    layer: str,
    *,
    window: float = 60.0,
    max_evidence: int = 3,
) -> CoGraph:
    """Project one layer of *records* into its account co-action graph.

    Parameters
    ----------
    records : records accepted by :func:`botgraph.ingest`
        Iterable of mappings, DataFrame, Arrow table, path, or :class:`Records`.
    layer : str
        ``"text"``, ``"url"``, ``"hashtag"``, ``"mention"``, ``"target"``, or the
        name of any column holding exact keys (a custom layer).
    window : float, default 60
        Two events co-act when at most ``window`` seconds apart (inclusive).
        60 s is the co-tweet window of coordination-network-toolkit's documentation
        and CooRTweet's vignette.
    max_evidence : int, default 3
        Closest co-action pairs per edge whose record ids are kept as evidence.

    Returns
    -------
    CoGraph
        One undirected edge per pair of distinct accounts that emitted the same key
        within the window, with ``pairs``, ``keys``, ``min_dt``, ``median_dt``,
        ``key_weight`` and evidence record ids.

    Raises
    ------
    SchemaError
        If *records* are invalid (see :func:`botgraph.ingest`).
    ParameterError
        If *window* is negative or not finite, *max_evidence* < 1, or *layer* is
        unknown.

    Notes
    -----
    Accounts ``a`` and ``b`` co-act on key ``k`` for every pair of events
    ``(a, k, t_a)``, ``(b, k, t_b)`` with ``|t_a - t_b| <= window``. The window
    slides with every event: unlike fixed time bins it never separates two events
    seconds apart. ``pairs`` counts such event pairs (CooRTweet's edge weight);
    ``keys`` counts the distinct keys among them. ``pvalue`` tests ``keys``
    against a null model of independent accounts over the records' whole period
    (see :func:`botgraph.significance.coaction_significance`).

    Examples
    --------
    >>> import botgraph
    >>> rows = [
    ...     {"account_id": "a", "timestamp": 0, "text": "Shame on the minister!"},
    ...     {"account_id": "b", "timestamp": 20, "text": "shame on the MINISTER"},
    ...     {"account_id": "c", "timestamp": 500, "text": "Shame on the minister"},
    ... ]
    >>> g = botgraph.project(rows, "text", window=60)
    >>> g.columns()["account_a"].tolist(), g.columns()["account_b"].tolist()
    (['a'], ['b'])
    >>> int(g.pairs[0]), float(g.min_dt[0])
    (1, 20.0)
    """
    window = check_number(window, "window", "project", low=0.0)
    max_evidence = check_int(max_evidence, "max_evidence", "project", low=1)
    recs: Records = ingest(records)
    graph = traces(recs, layer)
    return project_bipartite(
        graph,
        window=window,
        record_ids=recs.record_id,
        period=observation_period(recs),
        max_evidence=max_evidence,
    )


def observation_period(records: Records) -> float:
    """Seconds from the first to the last record (at least 1)."""
    t = records.timestamp
    return max(float(t.max() - t.min()), 1.0) if t.shape[0] else 1.0
