"""Groups of accounts tied by many individually weak pairs (group-level inference).

A quiet network (paraphrased texts, hours of jitter, most posts camouflage)
gives each of its pairs only weak evidence: too weak to pass a false-discovery
rate over the millions of pairs at risk. But it gives *every* pair of its
members some, and a set of fifteen accounts in which 70 of the 105 pairs are
weakly suspicious is far beyond chance, while the same number of weak pairs
scattered over the crowd is not. :func:`weak_groups` finds such sets and tests
them as groups; :func:`botgraph.fuse` keeps the weak pairs inside a significant
group as edges.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.special import bdtrc, gammaln

from botgraph._leiden import leiden_labels
from botgraph._validation import check_int, check_number

__all__ = ["WeakGroup", "weak_groups"]

_LN10 = float(np.log(10.0))


@dataclass(frozen=True, slots=True, eq=False)
class WeakGroup:
    """A candidate group of accounts and its test.

    Attributes
    ----------
    members : ndarray of int64
        Account indices, ascending.
    weak_pairs : int
        Weak pairs among the members (``m`` in the Notes of :func:`weak_groups`).
    tested_pairs : int
        Tested pairs among the members (``t`` in the Notes).
    log10_pvalue : float
        ``log10`` of the group's p-value (a bound over every group of its size).
    pruned : int
        Accounts of the community the group came from that failed the member
        test and were dropped.
    """

    members: NDArray[np.int64]
    weak_pairs: int
    tested_pairs: int
    log10_pvalue: float
    pruned: int

    @property
    def pvalue(self) -> float:
        """The group's p-value, ``10 ** log10_pvalue``."""
        return float(10.0**self.log10_pvalue)

    def __repr__(self) -> str:
        return (
            f"WeakGroup(members={self.members.shape[0]}, weak_pairs={self.weak_pairs}, "
            f"tested_pairs={self.tested_pairs}, log10_pvalue={self.log10_pvalue:.1f}, "
            f"pruned={self.pruned})"
        )


def _log10_binom_sf(m: Any, n: Any, p: Any) -> Any:
    """``log10 P(Bin(n, p) >= m)``, elementwise (0 where ``m <= 0``)."""
    m, n, p = (np.asarray(x, dtype=np.float64) for x in (m, n, p))
    if not m.shape == n.shape == p.shape:
        m, n, p = np.broadcast_arrays(m, n, p)
    with np.errstate(divide="ignore"):
        return _log10_tail(m, n, p)


def _log10_tail(
    m: NDArray[np.float64], n: NDArray[np.float64], p: NDArray[np.float64]
) -> NDArray[np.float64]:
    """:func:`_log10_binom_sf` of float arrays of one shape, under ``errstate(divide="ignore")``.

    The pruning loop calls it thousands of times: no conversion, no context.
    """
    out = np.zeros(m.shape, dtype=np.float64)
    some = (m > 0) & (p < 1.0)
    mm, nn, pp = m[some], n[some], p[some]
    tail = np.log(bdtrc((mm - 1).astype(np.int64), nn.astype(np.int64), pp))
    # Far in the tail the sum underflows; its first term, P(X = m), is then the
    # whole of it to many digits (computed in logs).
    deep = ~np.isfinite(tail)
    if deep.any():
        md, nd, pd = mm[deep], nn[deep], pp[deep]
        tail[deep] = (
            gammaln(nd + 1)
            - gammaln(md + 1)
            - gammaln(nd - md + 1)
            + md * np.log(pd)
            + (nd - md) * np.log1p(-pd)
        )
    out[some] = tail / _LN10
    return out


def _log10_choose(n: int, k: int) -> float:
    return float((gammaln(n + 1) - gammaln(k + 1) - gammaln(n - k + 1)) / _LN10)


def weak_groups(
    account_a: NDArray[np.int64],
    account_b: NDArray[np.int64],
    pvalue: NDArray[np.float64],
    *,
    n_accounts: int,
    level: float = 0.3,
    alpha: float = 0.05,
    min_size: int = 3,
    seed: int = 0,
) -> tuple[WeakGroup, ...]:
    r"""Find and test groups of accounts joined by many weak pairs.

    Parameters
    ----------
    account_a, account_b : ndarray of int64
        Every tested pair (account indices), each once: the pairs that have a
        p-value. Pairs left out are never weak.
    pvalue : ndarray of float64
        Each pair's combined p-value (for example the Simes combination
        :func:`botgraph.fuse` computes).
    n_accounts : int
        Number of accounts :math:`N` (the pairs' indices are below it).
    level : float, default 0.3
        A pair is *weak* when its p-value is at most this level :math:`\tau`,
        in (0, 1).
    alpha : float, default 0.05
        Level of the member test used to prune candidates (see Notes), in (0, 1).
    min_size : int, default 3
        Fewest members of a group (>= 3).
    seed : int, default 0
        Seed of the community search (Leiden).

    Returns
    -------
    tuple of WeakGroup
        Every candidate group that kept at least ``min_size`` members after
        pruning, with its p-value, most significant first. Groups are
        disjoint: each is pruned from its own community. A caller keeps those
        with ``pvalue <= alpha``.

    Raises
    ------
    ParameterError
        If a parameter is out of range.

    Notes
    -----
    Of :math:`T` tested pairs, :math:`M` are weak. A group of :math:`k`
    accounts with :math:`m` weak pairs among the :math:`t` tested pairs inside
    it is compared with two null models, and must be improbable under both:

    * *Scattered*: weak pairs form a random graph of density
      :math:`\rho_0 = \max(M, \tau T) / \binom{N}{2}`, the larger of the
      observed density and the density if every tested pair were weak with
      probability :math:`\tau` (the most a valid p-value allows):
      :math:`p_s = P(\mathrm{Bin}(\binom{k}{2}, \rho_0) \ge m)`.
    * *Among the tested*: each tested pair is weak with the observed
      probability :math:`q = M / T`, whichever accounts it joins:
      :math:`p_t = P(\mathrm{Bin}(t, q) \ge m)`. Accounts that co-act a lot
      (retweeters of the same posts, heavy users of one hashtag) are tested
      against each other often, so they form dense pockets of tested pairs in
      which weak pairs are common without any coordination; this model asks
      for more weak pairs than the pocket's tested pairs explain.

    The group's p-value is

    .. math:: p = \binom{N}{k} \max(p_s, p_t),

    a union bound over all :math:`\binom{N}{k}` groups of its size, which
    pays for having searched for the group in the same data.

    Candidates are the communities of the weak-pair graph (Leiden,
    modularity). Each is pruned: while some member's weak ties inside the
    group are not significant, the least significant member is dropped. Member
    :math:`i`, with :math:`d_i` weak pairs in all and :math:`d^{in}_i` of its
    :math:`t^{in}_i` tested pairs inside the group, passes when

    .. math:: N \max\Bigl(P\bigl(\mathrm{Bin}(k - 1, \max(\rho_0,
              \tfrac{d_i}{N-1})) \ge d^{in}_i\bigr),\;
              P\bigl(\mathrm{Bin}(t^{in}_i, q) \ge d^{in}_i\bigr)\Bigr) \le \alpha,

    so an account with weak pairs everywhere must concentrate them in the
    group to stay. Far in the tail, where the binomial tail underflows, its
    first term :math:`P(\mathrm{Bin} = m)` is used (equal to many digits).

    A candidate is dropped without the member-by-member pruning when it
    cannot keep ``min_size`` members whatever the order: a binomial tail
    :math:`P(\mathrm{Bin}(t, p) \ge d)` is at least :math:`p^d`, and
    :math:`d^{in}_i` only falls as members leave, so a member with
    :math:`N \max(\rho_0, d_i/(N-1), q)^{d^{in}_i} > \alpha` never passes.
    Such members leave sooner or later; removing them all (and again, with
    the counts they leave, until none is left) bounds what any pruning order
    can keep.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> pairs = np.unique(np.sort(rng.integers(8, 2_000, (20_000, 2)), axis=1), axis=0)
    >>> pairs = pairs[pairs[:, 0] < pairs[:, 1]]  # 2,000 accounts, about 20,000 tested pairs
    >>> p = np.where(rng.uniform(size=len(pairs)) < 0.01, 0.1, 0.8)  # 1 % of them weak
    >>> clique = np.column_stack(np.triu_indices(8, k=1))  # and every pair of accounts 0-7
    >>> a, b = np.concatenate([pairs, clique]).T
    >>> p = np.concatenate([p, np.full(len(clique), 0.2)])
    >>> groups = weak_groups(a, b, p, n_accounts=2_000)
    >>> groups[0].members.tolist(), groups[0].weak_pairs, groups[0].pvalue < 0.05
    ([0, 1, 2, 3, 4, 5, 6, 7], 28, True)
    """
    level = check_number(
        level, "level", "weak_groups", low=0.0, high=1.0, low_inclusive=False, high_inclusive=False
    )
    alpha = check_number(
        alpha, "alpha", "weak_groups", low=0.0, high=1.0, low_inclusive=False, high_inclusive=False
    )
    min_size = check_int(min_size, "min_size", "weak_groups", low=3)
    n = check_int(n_accounts, "n_accounts", "weak_groups", low=0)
    a = np.asarray(account_a, dtype=np.int64)
    b = np.asarray(account_b, dtype=np.int64)
    p = np.asarray(pvalue, dtype=np.float64)
    weak = p <= level
    tested, m_all = int(p.shape[0]), int(np.count_nonzero(weak))
    if n < min_size or m_all < 3:
        return ()
    null = _Null(
        n=n,
        rho=min(1.0, max(m_all, level * tested) / (n * (n - 1) / 2)),
        q=m_all / tested,
        weak_degree=np.bincount(a[weak], minlength=n) + np.bincount(b[weak], minlength=n),
    )
    found = []
    for nodes, la, lb, lw in _communities(a, b, weak, n, seed):
        if nodes.shape[0] < min_size:
            continue
        alive = _prune(nodes, la, lb, lw, null, alpha, min_size)
        members, k = nodes[alive], int(np.count_nonzero(alive))
        if k < min_size:
            continue
        both = alive[la] & alive[lb]
        t, m = int(np.count_nonzero(both)), int(np.count_nonzero(both & lw))
        scattered = _log10_binom_sf(m, k * (k - 1) // 2, null.rho)
        among = _log10_binom_sf(m, t, null.q)
        log10_p = min(0.0, float(max(scattered, among)) + _log10_choose(n, k))
        found.append(WeakGroup(members, m, t, log10_p, int(nodes.shape[0]) - k))
    found.sort(key=lambda g: (g.log10_pvalue, int(g.members[0])))
    return tuple(found)


@dataclass(frozen=True, slots=True)
class _Null:
    """The two null models' rates and each account's weak pairs (see weak_groups' Notes)."""

    n: int
    rho: float
    q: float
    weak_degree: NDArray[np.int64]


def _communities(
    a: NDArray[np.int64], b: NDArray[np.int64], weak: NDArray[np.bool_], n: int, seed: int
) -> list[tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64], NDArray[np.bool_]]]:
    """Leiden (modularity) communities of the weak-pair graph, with their own pairs.

    Per community: its accounts (ascending) and the tested pairs inside it, as
    positions in that account list, with their weak flags.
    """
    # Two iterations (igraph's default): the pruning below refines the candidates.
    # Accounts without a weak pair get -1.
    label = leiden_labels(a[weak], b[weak], n, seed=seed, resolution=1.0, n_iterations=2)
    node_order = np.argsort(label, kind="stable")  # ascending accounts within a label
    node_label = label[node_order]
    pair_label = np.where(label[a] == label[b], label[a], -1)
    inside = np.flatnonzero(pair_label >= 0)
    pair_order = inside[np.argsort(pair_label[inside], kind="stable")]
    sorted_pair_label = pair_label[pair_order]
    out = []
    for c in np.unique(node_label[node_label >= 0]).tolist():
        lo, hi = np.searchsorted(node_label, [c, c + 1])
        nodes = node_order[lo:hi]
        plo, phi = np.searchsorted(sorted_pair_label, [c, c + 1])
        pairs = pair_order[plo:phi]
        out.append(
            (
                nodes,
                np.searchsorted(nodes, a[pairs]),
                np.searchsorted(nodes, b[pairs]),
                weak[pairs],
            )
        )
    return out


def _hopeless(
    d_in: NDArray[np.int64],
    other: NDArray[np.int64],
    is_weak: NDArray[np.bool_],
    start: NDArray[np.int64],
    rate: NDArray[np.float64],
    q: float,
    log10_n: float,
    log10_alpha: float,
    min_size: int,
) -> bool:
    """Whether pruning must end with fewer than *min_size* members, in any order.

    A member passes only if ``log10 N + d * log10 max(rate, q) <= log10 alpha``
    for its weak pairs ``d`` inside the group: each tail is at least ``p ** d``
    (its first ``d`` trials all weak), and ``d`` only falls as members leave.
    Members failing that bound never pass, so no group that pruning can end
    with holds them: they are removed together, the others' ``d`` lowered, and
    so on. A small margin keeps rounding from removing a member that could pass.
    """
    k0 = int(d_in.shape[0])
    with np.errstate(divide="ignore"):
        per_pair = np.log10(np.maximum(rate, q))  # <= 0; -inf for p = 0 (always hopeful)
    owner = np.repeat(np.arange(k0), np.diff(start))
    alive = np.ones(k0, dtype=bool)
    d = d_in.astype(np.float64)
    while True:
        with np.errstate(invalid="ignore"):  # 0 * -inf: no weak pair, hopeless anyway
            best = np.where(d > 0, d * per_pair, 0.0)
        gone = alive & (best + log10_n > log10_alpha + 1e-9)
        if not gone.any():
            return int(np.count_nonzero(alive)) < min_size
        alive &= ~gone
        if int(np.count_nonzero(alive)) < min_size:
            return True
        lost = gone[owner] & is_weak  # weak pairs whose owner just left
        d -= np.bincount(other[lost], minlength=k0)


def _prune(
    nodes: NDArray[np.int64],
    la: NDArray[np.int64],
    lb: NDArray[np.int64],
    lw: NDArray[np.bool_],
    null: _Null,
    alpha: float,
    min_size: int,
) -> NDArray[np.bool_]:
    """Drop the least significant member until every member passes the member test.

    Returns which of *nodes* remain. Counts are updated as members leave: each
    removal costs the departing member's pairs and one test of those that stay.
    """
    k0, n = int(nodes.shape[0]), null.n
    log10_alpha, log10_n = float(np.log10(alpha)), float(np.log10(n))
    t_in = np.bincount(la, minlength=k0) + np.bincount(lb, minlength=k0)
    d_in = np.bincount(la[lw], minlength=k0) + np.bincount(lb[lw], minlength=k0)
    # Each member's pairs inside the community (both directions), for the updates.
    ends = np.concatenate([la, lb])
    other = np.concatenate([lb, la])
    is_weak = np.concatenate([lw, lw])
    order = np.argsort(ends, kind="stable")
    other, is_weak = other[order], is_weak[order]
    start = np.concatenate([[0], np.cumsum(np.bincount(ends, minlength=k0))])
    rate = np.maximum(null.rho, null.weak_degree[nodes] / (n - 1))
    if _hopeless(d_in, other, is_weak, start, rate, null.q, log10_n, log10_alpha, min_size):
        return np.zeros(k0, dtype=bool)
    alive = np.ones(k0, dtype=bool)
    idx = np.arange(k0)
    # Float copies, updated in place as members leave (the counts are small integers).
    t_left, d_left = t_in.astype(np.float64), d_in.astype(np.float64)
    q = np.full(k0, null.q)
    with np.errstate(divide="ignore"):
        # The "among" tail of a member changes only when one of its partners
        # leaves: it is kept and recomputed for those members alone. The
        # "scattered" tail depends on the group's size, so it is recomputed whole.
        among = _log10_tail(d_left, t_left, q)
        while idx.shape[0] >= min_size:
            k = int(idx.shape[0])
            scattered = _log10_tail(d_left[idx], np.full(k, k - 1.0), rate[idx])
            log10_p = np.maximum(scattered, among[idx]) + log10_n
            worst = int(np.argmax(log10_p))
            if log10_p[worst] <= log10_alpha:
                return alive
            gone = int(idx[worst])
            alive[gone] = False
            idx = np.delete(idx, worst)
            partners = other[start[gone] : start[gone + 1]]
            weak_partners = is_weak[start[gone] : start[gone + 1]]
            np.subtract.at(t_left, partners, 1.0)
            np.subtract.at(d_left, partners[weak_partners], 1.0)
            changed = partners[alive[partners]]
            among[changed] = _log10_tail(d_left[changed], t_left[changed], q[changed])
    return np.zeros(k0, dtype=bool)
