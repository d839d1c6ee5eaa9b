"""Significance: is a pair's co-action more than chance given its own activity?

For every edge of a :class:`~botgraph.projection.CoGraph`, compare the number of
distinct keys the two accounts co-acted on with what a null model of independent
accounts expects, and control the false discovery rate over all edges.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from botgraph._validation import check_number
from botgraph.errors import ParameterError
from botgraph.traces import BipartiteGraph

if TYPE_CHECKING:
    from botgraph.projection import CoGraph

__all__ = [
    "EdgeSignificance",
    "attach_significance",
    "coaction_significance",
    "fdr_bh",
    "key_coincidence",
    "key_lifetimes",
    "key_users",
    "pairs_at_risk",
    "popularity_charge",
]


@dataclass(frozen=True, slots=True, eq=False)
class EdgeSignificance:
    """Null-model test of every edge of one co-action graph.

    Attributes
    ----------
    expected : ndarray of float64
        ``λ``: co-action episodes the null model expects for the pair.
    pvalue : ndarray of float64
        ``P(Poisson(λ) >= matched)``.
    n_tests : int
        Account pairs that could have co-acted (share at least one key): the size
        of the family for false-discovery-rate control.
    period : float
        Observation period ``T`` in seconds.
    """

    expected: NDArray[np.float64]
    pvalue: NDArray[np.float64]
    n_tests: int
    period: float


def popularity_charge(users: NDArray[np.float64], n_accounts: float) -> NDArray[np.float64]:
    """Factor by which the null model inflates a key's chance of co-action.

    ``c_k = max(1, n_k^2 / N)``: 1 for keys used by at most ``√N`` of the ``N``
    accounts, growing with the square of the key's reach beyond that. A key's
    chance co-actions among its ``n_k`` users grow as ``n_k^2``; dividing by ``N``
    makes the charge relative to the size of the crowd, so the same absolute reach
    is popular in a small data set and unremarkable in a large one.

    Parameters
    ----------
    users : ndarray of float64
        ``n_k``: accounts that used each key.
    n_accounts : float
        ``N``: accounts in the data.

    Returns
    -------
    ndarray of float64
        ``c_k`` per key, at least 1.

    Examples
    --------
    >>> popularity_charge(np.array([2.0, 10.0, 100.0]), 400.0).tolist()
    [1.0, 1.0, 25.0]
    """
    charge: NDArray[np.float64] = np.maximum(1.0, users * users / max(n_accounts, 1.0))
    return charge


def _reach(window: float) -> float:
    """Width ``2w`` of the window around an event, at least one second.

    Timestamps of most platforms have one-second resolution, so even a zero window
    matches events within a one-second tick.
    """
    return max(2.0 * window, 1.0)


def key_lifetimes(
    bipartite: BipartiteGraph, *, window: float, period: float
) -> NDArray[np.float64]:
    """Time over which each key's uses are spread: ``min(T, last - first + 2w)``.

    A retweeted post, a news link or a viral post lives for hours: its users can
    only meet within that lifetime, not across the whole observation period.

    Parameters
    ----------
    bipartite : BipartiteGraph
        One layer's events (sorted by key, then time).
    window : float
        Window ``w`` in seconds.
    period : float
        Observation period ``T`` in seconds.

    Returns
    -------
    ndarray of float64
        One lifetime per key, in ``[2w, T]``.

    Examples
    --------
    >>> import botgraph
    >>> recs = botgraph.ingest([{"account_id": a, "timestamp": t, "text": x} for a, t, x in
    ...                         [("a", 0, "one"), ("b", 500, "one"), ("a", 0, "two")]])
    >>> sorted(key_lifetimes(botgraph.traces(recs, "text"), window=60, period=86_400).tolist())
    [120.0, 620.0]
    """
    n_keys = int(bipartite.keys.shape[0])
    if bipartite.event_key.shape[0] == 0:
        return np.full(n_keys, max(period, _reach(window)))
    key, time = bipartite.event_key, bipartite.event_time
    from botgraph._kernels import key_time_spans

    spans = key_time_spans(key, time, n_keys)  # one compiled pass (None: not sorted)
    if spans is not None:
        first, last = spans
        return _lifetimes(first, last, window=window, period=period)
    first = np.full(n_keys, np.inf)
    last = np.full(n_keys, -np.inf)
    new_key = key[1:] != key[:-1]
    if bool(np.all(key[1:] >= key[:-1])) and bool(np.all((time[1:] >= time[:-1]) | new_key)):
        # Events sorted by key, then time (as traces builds them): the first and last
        # event of each run of one key hold its first and last use.
        starts = np.flatnonzero(np.r_[True, new_key])
        ends = np.r_[starts[1:], key.shape[0]] - 1
        first[key[starts]] = time[starts]
        last[key[ends]] = time[ends]
    else:
        np.minimum.at(first, key, time)
        np.maximum.at(last, key, time)
    return _lifetimes(first, last, window=window, period=period)


def _lifetimes(
    first: NDArray[np.float64], last: NDArray[np.float64], *, window: float, period: float
) -> NDArray[np.float64]:
    """:func:`key_lifetimes` from each key's first and last use (``inf``: unused)."""
    span = np.where(np.isfinite(first), last - first, 0.0)
    lifetime: NDArray[np.float64] = np.clip(
        span + _reach(window), _reach(window), max(period, _reach(window))
    )
    return lifetime


def key_users(incidence: sp.csr_array) -> NDArray[np.float64]:
    """Accounts that used each key: the non-zero entries of each incidence column.

    Parameters
    ----------
    incidence : scipy.sparse.csr_array
        Account x key incidence in canonical form (no explicit zeros, as
        :func:`botgraph.traces` builds it).

    Returns
    -------
    ndarray of float64
        One count per key (column), without converting the matrix to CSC.

    Examples
    --------
    >>> import scipy.sparse as sp
    >>> key_users(sp.csr_array(np.array([[2, 0, 1], [1, 0, 0]]))).tolist()
    [2.0, 0.0, 1.0]
    """
    return np.bincount(incidence.indices, minlength=incidence.shape[1]).astype(np.float64)


def key_coincidence(
    bipartite: BipartiteGraph, *, window: float, period: float
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Users of each key and the null model's chance that two of its uses coincide.

    Parameters
    ----------
    bipartite : BipartiteGraph
        One layer's trace events.
    window : float
        Co-action window in seconds.
    period : float
        Observation period in seconds.

    Returns
    -------
    users : ndarray of float64
        Accounts that used each key (:func:`key_users`).
    rate : ndarray of float64
        ``c_k · reach / T_k``: the popularity charge (:func:`popularity_charge`)
        times the chance that two independent uses fall within the window of each
        other over the key's lifetime (:func:`key_lifetimes`), ``reach = max(2w, 1 s)``.
        The expectation of :func:`coaction_significance` multiplies it by the two
        accounts' uses; a key with ``rate >= 1`` and several users is saturated
        (:func:`botgraph.projection.saturated_keys`).

    Examples
    --------
    >>> import botgraph
    >>> recs = botgraph.ingest([{"account_id": a, "timestamp": t, "text": "same words"}
    ...                         for a, t in [("a", 0), ("b", 3_600), ("c", 7_200)]])
    >>> users, rate = key_coincidence(botgraph.traces(recs, "text"), window=60, period=86_400)
    >>> users.tolist(), rate.round(4).tolist()
    ([3.0], [0.0492])
    """
    users = key_users(bipartite.incidence)
    return users, _coincidence_rate(bipartite, users, window=window, period=period)


def _coincidence_rate(
    bipartite: BipartiteGraph, users: NDArray[np.float64], *, window: float, period: float
) -> NDArray[np.float64]:
    """The ``rate`` of :func:`key_coincidence`, from the key users already counted.

    The lifetimes clip at ``max(period, max(2w, 1 s))``, so any *period* below
    ``max(2w, 1 s)`` gives the same rate.
    """
    n_accounts = max(float(bipartite.incidence.shape[0]), 1.0)
    lifetime = key_lifetimes(bipartite, window=window, period=period)
    rate: NDArray[np.float64] = popularity_charge(users, n_accounts) * _reach(window) / lifetime
    return rate


def pairs_at_risk(bipartite: BipartiteGraph) -> int:
    """Upper bound of the account pairs sharing at least one key of a layer.

    ``min(N (N - 1) / 2, Σ_k n_k (n_k - 1) / 2)`` with ``n_k`` the accounts that
    used key ``k``: exact when no two keys share a pair, an over-count otherwise,
    which makes the false-discovery-rate control conservative.

    Parameters
    ----------
    bipartite : BipartiteGraph
        One layer's account × key incidence.

    Returns
    -------
    int
        The bound.

    Examples
    --------
    >>> import botgraph
    >>> recs = botgraph.ingest([{"account_id": a, "timestamp": 0, "text": t}
    ...                         for a, t in [("a", "x y"), ("b", "x y"), ("c", "x y")]])
    >>> pairs_at_risk(botgraph.traces(recs, "text"))
    3
    """
    return _pairs_at_risk(key_users(bipartite.incidence), int(bipartite.accounts.shape[0]))


def _pairs_at_risk(users: NDArray[np.float64], n: int) -> int:
    """:func:`pairs_at_risk` from the key users already counted."""
    total = float((users * (users - 1) / 2).sum())
    return int(min(n * (n - 1) / 2, total))


def coaction_significance(
    graph: CoGraph,
    bipartite: BipartiteGraph,
    *,
    period: float,
    informative: NDArray[np.bool_] | None = None,
) -> EdgeSignificance:
    """P-values of the co-action counts of every edge under an independence null.

    Parameters
    ----------
    graph : CoGraph
        Edges to test (``graph.keys`` distinct co-acted keys per edge).
    bipartite : BipartiteGraph
        The layer the graph was projected from (key use counts per account).
    period : float
        Observation period ``T`` in seconds (last minus first record time): the
        longest lifetime a key can have.
    informative : ndarray of bool, optional
        Keys to count; keys left out of the projection (see
        :func:`botgraph.projection.saturated_keys`) must be left out here too.
        Default: every key.

    Returns
    -------
    EdgeSignificance

    Raises
    ------
    ParameterError
        If *period* is not positive.

    Notes
    -----
    Null model: every account keeps its own activity (which keys, how often),
    and each key keeps its lifetime ``T_k`` — from its first to its last use, plus
    ``2w``, at most the observation period (:func:`key_lifetimes`): a retweeted
    post or a news link lives for hours. Within that lifetime each account's uses
    are placed independently of the other accounts'. Two given uses then fall
    within ``w`` of each other with probability ``2 w / T_k``, so the ``m_ak``
    uses of key ``k`` by ``a`` find a partner among the ``m_bk`` uses by ``b`` at
    most ``min(m_ak, m_bk, m_ak m_bk 2 w / T_k)`` times on average. A key used
    in a single burst therefore carries no evidence on its own; a pair that meets
    on key after key, or on a key that lives long, does.

    Popular keys are down-weighted: a key that reaches many accounts is driven by
    something outside the pair (a viral post, a news cycle, a catch phrase), which
    packs its uses in time far more than a uniform spread. The expectation is
    multiplied by the popularity charge ``c_k = max(1, n_k^2 / N)`` (``n_k``
    accounts used the key, ``N`` accounts in all; :func:`popularity_charge`):

    .. math:: \\lambda_{ab} = \\sum_{k \\in K_a \\cap K_b}
              \\min\\bigl(m_{ak}, m_{bk}, c_k\\, m_{ak} m_{bk}\\, 2w / T_k\\bigr).

    A key used by fewer than ``√N`` accounts (any realistic coordinated network
    in a realistic crowd) is not charged; one used by a tenth of all accounts is
    charged ``N / 100`` times.

    A short phrase, a viral post or a news link used by hundreds thus explains
    its own coincidences; a key only a small group uses does not. The observed
    count is ``matched`` (co-action episodes, see :class:`CoGraph`), and the
    p-value is the Poisson tail ``P(Poisson(λ) >= matched)``. Episodes are
    nearly independent rare events under the null, where the Poisson law is the
    standard approximation (Le Cam's theorem); charging every pair with the key's
    whole popularity makes ``λ`` an over-estimate, so the test errs on the side
    of keeping organic pairs apart.

    References
    ----------
    .. [1] D. Pacheco et al., "Uncovering Coordinated Networks on Social Media:
       Methods and Case Studies", ICWSM 2021. doi:10.1609/icwsm.v15i1.18075
    .. [2] L. Le Cam, "An approximation theorem for the Poisson binomial
       distribution", Pacific J. Math. 10 (1960) 1181–1197.

    Examples
    --------
    >>> import botgraph
    >>> rows = [{"account_id": a, "timestamp": 86_400 * d + s, "text": "same slogan"}
    ...         for d in range(5) for a, s in [("a", 0), ("b", 9)]]
    >>> rows += [{"account_id": "c", "timestamp": 86_400 * 9, "text": "filler"}]
    >>> recs = botgraph.ingest(rows)
    >>> bip = botgraph.traces(recs, "text")
    >>> g = botgraph.project(recs, "text", window=60)
    >>> sig = coaction_significance(g, bip, period=86_400 * 9)
    >>> int(g.matched[0]), bool(sig.pvalue[0] < 1e-9)
    (5, True)
    """
    period = check_number(period, "period", "coaction_significance", low=0.0, low_inclusive=False)
    return _significance(graph, bipartite, period=period, informative=informative)


def _significance(
    graph: CoGraph,
    bipartite: BipartiteGraph,
    *,
    period: float,
    informative: NDArray[np.bool_] | None,
    users: NDArray[np.float64] | None = None,
    rate: NDArray[np.float64] | None = None,
) -> EdgeSignificance:
    """:func:`coaction_significance` (period checked), reusing *users* and *rate* if given.

    *rate* must be :func:`_coincidence_rate` at ``graph.window`` and *period* (or
    any period giving the same lifetimes), before *informative* is applied.
    """
    period = max(period, 2.0 * graph.window, 1.0)
    if users is None:
        users = key_users(bipartite.incidence)
    n_edges = len(graph)
    if n_edges == 0:
        empty = np.zeros(0)
        return EdgeSignificance(
            empty, empty, _pairs_at_risk(users, int(bipartite.accounts.shape[0])), period
        )
    if bipartite.accounts.shape[0] != graph.accounts.shape[0]:
        raise ParameterError(
            "The 'bipartite' parameter of coaction_significance must be the layer the "
            f"graph was projected from; it has {bipartite.accounts.shape[0]} accounts, "
            f"the graph {graph.accounts.shape[0]}."
        )
    if rate is None:
        rate = _coincidence_rate(bipartite, users, window=graph.window, period=period)
    if informative is not None:
        rate = np.where(informative, rate, 0.0)
    expected = _expected(bipartite.incidence, rate, users, graph.account_a, graph.account_b)
    # Keys co-acted within the window are shared keys, so expected > 0 whenever
    # matched > 0; guard the degenerate case anyway.
    expected = np.maximum(expected, 1e-300)
    from scipy.special import pdtrc  # Poisson survival: P(X >= k) = pdtrc(k - 1, λ)

    pvalue = pdtrc(graph.matched - 1, expected)
    return EdgeSignificance(
        expected=expected,
        pvalue=np.clip(np.asarray(pvalue, dtype=np.float64), 0.0, 1.0),
        n_tests=_pairs_at_risk(users, int(bipartite.accounts.shape[0])),
        period=period,
    )


def _shared_keys(
    incidence: sp.csr_array, useful: NDArray[np.bool_]
) -> tuple[NDArray[np.int64], NDArray[Any], NDArray[np.float64], NDArray[np.intp]]:
    """*incidence* restricted to the *useful* keys, renumbered ``0, 1, ...`` in order.

    CSR arrays (sorted column indices, float64 data) and the original key of each
    new column. Never modifies *incidence*.
    """
    if not incidence.has_sorted_indices:
        incidence = incidence.sorted_indices()
    keep = useful[incidence.indices]
    at = np.zeros(keep.shape[0] + 1, dtype=np.int64)
    np.cumsum(keep, out=at[1:])
    indptr = at[incidence.indptr]
    column = np.cumsum(useful) - 1  # increasing: the order of the keys is kept
    indices = column[incidence.indices[keep]].astype(incidence.indices.dtype)
    data = incidence.data[keep].astype(np.float64)
    return indptr, indices, data, np.flatnonzero(useful)


def _expected(
    incidence: sp.csr_array,
    rate: NDArray[np.float64],
    users: NDArray[np.float64],
    edge_a: NDArray[np.int64],
    edge_b: NDArray[np.int64],
) -> NDArray[np.float64]:
    """``sum_k min(m_ak m_bk rate_k, m_ak, m_bk)`` over the keys both accounts used.

    Only keys with at least two users and a positive rate can add anything: the
    others are dropped from the incidence first (a key of one user is never shared,
    and a term of rate 0 is exactly 0.0, which leaves a sum of non-negative terms
    unchanged), so the sums are bit-identical while the rows to merge are much
    shorter (most keys of a text layer have one user) and the keys that remain,
    renumbered in order, fit a small table.
    """
    indptr, indices, data, keys = _shared_keys(incidence, (users >= 2) & (rate > 0))
    rate = rate[keys]
    from botgraph._kernels import expected_coactions

    fast = expected_coactions(indptr, indices, data, rate, edge_a, edge_b)
    if fast is not None:
        return fast
    shared = sp.csr_array((data, indices, indptr), shape=(incidence.shape[0], keys.shape[0]))
    return _expected_scipy(shared, rate, edge_a, edge_b)


def _expected_scipy(
    incidence: sp.csr_array,
    rate: NDArray[np.float64],
    edge_a: NDArray[np.int64],
    edge_b: NDArray[np.int64],
) -> NDArray[np.float64]:
    """The numpy/scipy path of :func:`_expected` (row slices; memory per shared key)."""
    n_edges = edge_a.shape[0]
    rows_a = incidence[edge_a]
    rows_b = incidence[edge_b]
    product = sp.csr_array(rows_a.multiply(rows_b))
    smaller = sp.csr_array(rows_a.minimum(rows_b))
    product.sort_indices()
    smaller.sort_indices()
    # Both hold exactly the keys the two accounts share, in the same order.
    per_key = np.minimum(product.data * rate[product.indices], smaller.data)
    row_of = np.repeat(np.arange(n_edges), np.diff(product.indptr))
    return np.bincount(row_of, weights=per_key, minlength=n_edges).astype(np.float64)


def fdr_bh(pvalues: NDArray[np.float64], *, n_tests: int | None = None) -> NDArray[np.float64]:
    """Benjamini–Hochberg q-values.

    Parameters
    ----------
    pvalues : ndarray of float64
        P-values of the hypotheses that were observed (e.g. edges).
    n_tests : int, optional
        Size of the whole family, at least ``len(pvalues)``; hypotheses not in
        *pvalues* (pairs that never co-acted) are taken to have p-value 1, which
        leaves the q-values of the observed ones correct. Default ``len(pvalues)``.

    Returns
    -------
    ndarray of float64
        ``q_i = min_{j >= i} p_(j) m / j`` in the order of *pvalues*, capped at 1.
        Rejecting every hypothesis with ``q <= α`` controls the false discovery
        rate at ``α`` for independent or positively dependent tests.

    References
    ----------
    .. [1] Y. Benjamini, Y. Hochberg, "Controlling the false discovery rate",
       J. R. Stat. Soc. B 57 (1995) 289–300.

    Examples
    --------
    >>> fdr_bh(np.array([0.01, 0.04, 0.03]), n_tests=4).round(3).tolist()
    [0.04, 0.053, 0.053]
    """
    p = np.asarray(pvalues, dtype=np.float64)
    m = p.shape[0] if n_tests is None else int(n_tests)
    if m < p.shape[0]:
        raise ParameterError(
            f"The 'n_tests' parameter of fdr_bh must be at least the number of p-values "
            f"({p.shape[0]}). Got {n_tests!r} instead."
        )
    if p.shape[0] == 0:
        return p.copy()
    order = np.argsort(p, kind="stable")
    ranked = p[order] * m / np.arange(1, p.shape[0] + 1)
    q_sorted = np.minimum.accumulate(ranked[::-1])[::-1]
    q = np.empty_like(p)
    q[order] = np.minimum(q_sorted, 1.0)
    return q


def attach_significance(
    graph: CoGraph,
    bipartite: BipartiteGraph,
    *,
    period: float,
    informative: NDArray[np.bool_] | None = None,
) -> CoGraph:
    """Return *graph* with ``expected``, ``pvalue``, ``n_tests`` and ``period`` filled.

    Parameters
    ----------
    graph : CoGraph
        Co-action graph of the layer.
    bipartite : BipartiteGraph
        The layer's trace events it was projected from.
    period : float
        Observation period in seconds.
    informative : ndarray of bool, optional
        Keys counted by the null model (see :func:`coaction_significance`).

    Returns
    -------
    CoGraph
        A copy; *graph* is not modified.

    Examples
    --------
    >>> import botgraph
    >>> recs = botgraph.ingest([{"account_id": a, "timestamp": t, "text": "same words"}
    ...                         for a, t in [("a", 0), ("b", 30)]])
    >>> g = botgraph.project(recs, "text")
    >>> again = attach_significance(g, botgraph.traces(recs, "text"), period=3600)
    >>> round(float(again.expected[0]), 4), again.n_tests
    (1.0, 1)
    """
    sig = coaction_significance(graph, bipartite, period=period, informative=informative)
    return _with_significance(graph, sig)


def _with_significance(graph: CoGraph, sig: EdgeSignificance) -> CoGraph:
    """A copy of *graph* with the columns of *sig*."""
    import dataclasses

    return dataclasses.replace(
        graph,
        expected=sig.expected,
        pvalue=sig.pvalue,
        n_tests=sig.n_tests,
        period=sig.period,
    )
