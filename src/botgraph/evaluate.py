"""Evaluate a detection against simulated ground truth.

Account-level precision, recall and F1 of the reported clusters, ROC AUC of the
coordination scores, and the adjusted Rand index between the reported clusters
and the true networks, plus how many organic trap accounts were flagged.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Protocol

import numpy as np
from numpy.typing import ArrayLike, NDArray

from botgraph.errors import ParameterError
from botgraph.simulate import TRAP_KINDS, Truth

__all__ = [
    "AccountLike",
    "ClusterLike",
    "DetectionLike",
    "Evaluation",
    "adjusted_rand_index",
    "evaluate",
    "roc_auc",
]

_LOG = logging.getLogger("botgraph.evaluate")


class AccountLike(Protocol):
    """One scored account of a detection."""

    @property
    def account_id(self) -> str: ...

    @property
    def score(self) -> float: ...

    @property
    def cluster_id(self) -> int | str | None: ...


class ClusterLike(Protocol):
    """One reported coordinated cluster."""

    @property
    def id(self) -> int | str: ...

    @property
    def members(self) -> Sequence[str]: ...


class DetectionLike(Protocol):
    """What :func:`evaluate` reads from a detection (``botgraph.detect`` returns one)."""

    @property
    def accounts(self) -> Iterable[AccountLike]: ...

    @property
    def clusters(self) -> Sequence[ClusterLike]: ...


@dataclass(frozen=True, slots=True)
class Evaluation:
    """Scores of a detection against ground truth.

    Attributes
    ----------
    precision : float
        Share of flagged accounts that are truly coordinated (NaN if none is flagged).
    recall : float
        Share of truly coordinated accounts that are flagged (NaN if there are none).
    f1 : float
        Harmonic mean of precision and recall, :math:`2 TP / (n_{flagged} + n_{coordinated})`
        (NaN if both counts are 0).
    auc : float
        ROC AUC of the account scores against the truth (NaN if a class is empty).
    ari : float
        Adjusted Rand index between reported clusters and true networks over the
        accounts that are coordinated or flagged (NaN if there are none).
    recall_per_network : Mapping[str, float]
        Share of each network's accounts that are flagged.
    traps_flagged : Mapping[str, int]
        Number of flagged organic trap accounts per trap kind (every kind present).
    n_flagged : int
        Number of flagged accounts among the truth's accounts.
    n_coordinated : int
        Number of truly coordinated accounts.
    n_accounts : int
        Number of accounts in the truth.

    Examples
    --------
    >>> from types import SimpleNamespace as NS
    >>> from botgraph.simulate import NetworkSpec, Truth
    >>> from botgraph.evaluate import evaluate
    >>> spec = NetworkSpec("net", 2, "new", 10.0, 0.0, 0.0, 0.0, 1)
    >>> truth = Truth(("a", "b", "c"), {"a": "net", "b": "net"}, {}, (spec,))
    >>> result = evaluate(NS(accounts=[], clusters=[NS(id=1, members=("a", "b"))]), truth)
    >>> print(result.summary())
    precision 1.000  recall 1.000  F1 1.000
    ROC AUC 0.500  ARI 1.000
    flagged 2 of 3 accounts; 2 truly coordinated
    recall per network: net 1.000
    traps flagged: superfan 0, advocacy_letter 0, news_link 0, viral_post 0, popular_phrase 0
    >>> result.as_dict()["recall_per_network"]
    {'net': 1.0}
    """

    precision: float
    recall: float
    f1: float
    auc: float
    ari: float
    recall_per_network: Mapping[str, float]
    traps_flagged: Mapping[str, int]
    n_flagged: int
    n_coordinated: int
    n_accounts: int

    def as_dict(self) -> dict[str, Any]:
        """Every attribute as plain Python values (mappings become dicts)."""
        return {
            "precision": self.precision,
            "recall": self.recall,
            "f1": self.f1,
            "auc": self.auc,
            "ari": self.ari,
            "recall_per_network": dict(self.recall_per_network),
            "traps_flagged": dict(self.traps_flagged),
            "n_flagged": self.n_flagged,
            "n_coordinated": self.n_coordinated,
            "n_accounts": self.n_accounts,
        }

    def summary(self) -> str:
        """A short human-readable report, one topic per line."""
        per_network = ", ".join(f"{k} {v:.3f}" for k, v in self.recall_per_network.items())
        traps = ", ".join(f"{k} {v}" for k, v in self.traps_flagged.items())
        return "\n".join(
            [
                f"precision {self.precision:.3f}  recall {self.recall:.3f}  F1 {self.f1:.3f}",
                f"ROC AUC {self.auc:.3f}  ARI {self.ari:.3f}",
                f"flagged {self.n_flagged} of {self.n_accounts} accounts; "
                f"{self.n_coordinated} truly coordinated",
                f"recall per network: {per_network or 'none'}",
                f"traps flagged: {traps}",
            ]
        )


def _average_ranks(values: NDArray[np.float64]) -> NDArray[np.float64]:
    """1-based ranks, ties sharing the mean of the ranks they span."""
    n = values.shape[0]
    order = np.argsort(values, kind="mergesort")
    ordered = values[order]
    new_group = np.empty(n, dtype=bool)
    new_group[:1] = True
    new_group[1:] = ordered[1:] != ordered[:-1]
    group = np.cumsum(new_group) - 1
    starts = np.flatnonzero(new_group)
    ends = np.append(starts[1:], n)
    ranks = np.empty(n, dtype=np.float64)
    ranks[order] = ((starts + 1 + ends) / 2.0)[group]
    return ranks


def roc_auc(scores: ArrayLike, labels: ArrayLike) -> float:
    """Area under the ROC curve via the Mann–Whitney U statistic.

    Parameters
    ----------
    scores : array_like of float, shape (n,)
        Finite scores; higher means more likely positive.
    labels : array_like of bool or {0, 1}, shape (n,)
        True class of each item.

    Returns
    -------
    float
        Probability that a random positive scores above a random negative, ties
        counting one half; NaN when either class is empty.

    Raises
    ------
    ParameterError
        If the arrays are not 1-D of equal length, a score is not finite, or a
        label is not boolean.

    Notes
    -----
    With :math:`R_+` the sum of the (tie-averaged) ranks of the :math:`n_+`
    positives among all :math:`n_+ + n_-` scores,

    .. math:: \\mathrm{AUC} = \\frac{R_+ - n_+ (n_+ + 1) / 2}{n_+ n_-}.

    References
    ----------
    Hanley, J. A. & McNeil, B. J. (1982). The meaning and use of the area under a
    receiver operating characteristic (ROC) curve. Radiology 143(1), 29–36.
    https://doi.org/10.1148/radiology.143.1.7063747

    Examples
    --------
    >>> from botgraph.evaluate import roc_auc
    >>> roc_auc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1])
    0.75
    >>> roc_auc([0.5, 0.5, 0.5], [True, False, True])
    0.5
    """
    s = np.asarray(scores, dtype=np.float64)
    y_raw = np.asarray(labels)
    if s.ndim != 1 or y_raw.shape != s.shape:
        raise ParameterError(
            "The 'labels' parameter of roc_auc must be a 1-D array as long as 'scores'. "
            f"Got shapes {s.shape} and {y_raw.shape} instead."
        )
    if not np.isfinite(s).all():
        raise ParameterError(
            "The 'scores' parameter of roc_auc must hold finite numbers. "
            f"Got {s[~np.isfinite(s)][0]!r} instead."
        )
    if y_raw.dtype != np.bool_ and not (
        np.issubdtype(y_raw.dtype, np.number) and np.isin(y_raw, (0, 1)).all()
    ):
        raise ParameterError(
            "The 'labels' parameter of roc_auc must hold booleans or 0/1. "
            f"Got values of dtype {y_raw.dtype} instead."
        )
    y = y_raw.astype(bool)
    n_pos = int(y.sum())
    n_neg = int(y.shape[0] - n_pos)
    if n_pos == 0 or n_neg == 0:
        return math.nan
    ranks = _average_ranks(s)
    u = float(ranks[y].sum()) - n_pos * (n_pos + 1) / 2.0
    return u / (n_pos * n_neg)


def _codes(labels: Sequence[Hashable]) -> tuple[NDArray[np.int64], int]:
    index: dict[Hashable, int] = {}
    codes = np.fromiter((index.setdefault(x, len(index)) for x in labels), np.int64, len(labels))
    return codes, len(index)


def _pairs(counts: NDArray[np.int64]) -> float:
    c = counts.astype(np.float64)
    return float((c * (c - 1.0)).sum() / 2.0)


def adjusted_rand_index(labels_true: Sequence[Hashable], labels_pred: Sequence[Hashable]) -> float:
    """Adjusted Rand index of two partitions of the same items.

    Parameters
    ----------
    labels_true, labels_pred : sequence of hashable
        Cluster label of each item in either partition; only equality of labels
        matters, so any hashable values (of mixed types) may be used.

    Returns
    -------
    float
        1 for identical partitions, about 0 for independent ones, negative when
        the agreement is worse than chance; NaN for zero items.

    Raises
    ------
    ParameterError
        If the two sequences differ in length.

    Notes
    -----
    With :math:`n_{ij}` the contingency table, :math:`a_i` and :math:`b_j` its
    row and column sums and :math:`\\binom{\\cdot}{2}` pair counts,

    .. math::

        \\mathrm{ARI} = \\frac{\\sum_{ij} \\binom{n_{ij}}{2} - E}{M - E}, \\qquad
        M = \\tfrac12 \\Big[\\sum_i \\binom{a_i}{2} + \\sum_j \\binom{b_j}{2}\\Big],
        \\qquad E = \\frac{\\sum_i \\binom{a_i}{2} \\sum_j \\binom{b_j}{2}}{\\binom{n}{2}}.

    The denominator vanishes only when both partitions are all singletons or
    both a single cluster (identical partitions), where the index is 1.

    References
    ----------
    Hubert, L. & Arabie, P. (1985). Comparing partitions. Journal of
    Classification 2, 193–218. https://doi.org/10.1007/BF01908075

    Examples
    --------
    >>> from botgraph.evaluate import adjusted_rand_index
    >>> round(adjusted_rand_index([0, 0, 1, 1], [0, 0, 1, 2]), 4)
    0.5714
    >>> adjusted_rand_index(["a", "a", "b"], [7, 7, 3])
    1.0
    """
    if len(labels_true) != len(labels_pred):
        raise ParameterError(
            "The 'labels_pred' parameter of adjusted_rand_index must be as long as "
            f"'labels_true'. Got {len(labels_pred)} and {len(labels_true)} labels instead."
        )
    n = len(labels_true)
    if n == 0:
        return math.nan
    t, n_t = _codes(labels_true)
    p, n_p = _codes(labels_pred)
    joint = np.bincount(t * n_p + p, minlength=n_t * n_p)
    index = _pairs(joint)
    sum_a = _pairs(np.bincount(t, minlength=n_t))
    sum_b = _pairs(np.bincount(p, minlength=n_p))
    expected = sum_a * sum_b / (n * (n - 1) / 2.0) if n > 1 else 0.0
    maximum = (sum_a + sum_b) / 2.0
    if maximum == expected:
        return 1.0
    return (index - expected) / (maximum - expected)


def _read_detection(
    detection: object, truth: Truth
) -> tuple[dict[str, float], dict[str, Hashable]]:
    """Scores and cluster of every truth account, checked."""
    if not hasattr(detection, "accounts") or not hasattr(detection, "clusters"):
        raise ParameterError(
            "The 'detection' parameter of evaluate must have .accounts and .clusters "
            f"(e.g. the result of botgraph.detect). Got {type(detection).__name__} instead."
        )
    known = set(truth.accounts)
    scores: dict[str, float] = {}
    unknown = 0
    for row in detection.accounts:
        account = row.account_id
        score = row.score
        if (
            isinstance(score, bool)
            or not isinstance(score, int | float | np.integer | np.floating)
            or not 0.0 <= float(score) <= 1.0
        ):
            raise ParameterError(
                "The 'detection' parameter of evaluate must give every account a score in "
                f"[0, 1]. Got {score!r} for account {account!r} instead."
            )
        if account in scores:
            raise ParameterError(
                "The 'detection' parameter of evaluate must list each account once. "
                f"Got {account!r} twice instead."
            )
        if account in known:
            scores[account] = float(score)
        else:
            unknown += 1
    cluster_of: dict[str, Hashable] = {}
    for cluster in detection.clusters:
        for account in cluster.members:
            if account in cluster_of:
                raise ParameterError(
                    "The 'detection' parameter of evaluate must put each account in at most "
                    f"one cluster. Got {account!r} in clusters {cluster_of[account]!r} and "
                    f"{cluster.id!r} instead."
                )
            cluster_of[account] = cluster.id
    outside = [a for a in cluster_of if a not in known]
    if unknown or outside:
        _LOG.warning(
            "evaluate ignores %d scored and %d clustered accounts absent from the truth",
            unknown,
            len(outside),
        )
    for account in outside:
        del cluster_of[account]
    return scores, cluster_of


def evaluate(detection: DetectionLike, truth: Truth) -> Evaluation:
    """Compare a detection with the ground truth of a simulation.

    Parameters
    ----------
    detection : DetectionLike
        Anything with ``.accounts`` (objects with ``account_id``, ``score`` in
        [0, 1] and ``cluster_id``) and ``.clusters`` (objects with ``id`` and
        ``members``), such as the result of ``botgraph.detect``. An account is
        *flagged* if and only if it is a member of a reported cluster (its
        ``cluster_id`` is not consulted).
    truth : Truth
        Ground truth, e.g. ``simulate(...).truth``.

    Returns
    -------
    Evaluation
        Precision, recall, F1, ROC AUC, ARI, recall per network and flagged trap
        accounts per trap kind.

    Raises
    ------
    ParameterError
        If *truth* is not a :class:`~botgraph.simulate.Truth`, *detection* lacks
        ``accounts`` or ``clusters``, a score is outside [0, 1], an account is
        scored twice or belongs to two clusters.

    Notes
    -----
    Accounts of the truth missing from ``detection.accounts`` count as score 0
    and unflagged; accounts the truth does not know are ignored (with a logged
    warning). The AUC uses every truth account. The ARI is computed over the
    accounts that are truly coordinated or flagged; everything else is
    excluded. Each flagged account's predicted label is its cluster and each
    unflagged bot gets a singleton predicted label of its own; each bot's true
    label is its network and each flagged organic account gets a singleton
    true label of its own. So missing a bot, splitting or merging networks and
    flagging organic accounts all lower the index.

    References
    ----------
    Hubert, L. & Arabie, P. (1985). Comparing partitions. Journal of
    Classification 2, 193–218. https://doi.org/10.1007/BF01908075

    Examples
    --------
    >>> from types import SimpleNamespace as NS
    >>> from botgraph.simulate import NetworkSpec, Truth
    >>> from botgraph.evaluate import evaluate
    >>> spec = NetworkSpec("net", 2, "new", 10.0, 0.0, 0.0, 0.0, 1)
    >>> truth = Truth(("a", "b", "c", "d"), {"a": "net", "b": "net"}, {"d": "superfan"},
    ...               (spec,))
    >>> detection = NS(
    ...     accounts=[NS(account_id="a", score=0.9, cluster_id=0),
    ...               NS(account_id="d", score=0.6, cluster_id=0)],
    ...     clusters=[NS(id=0, members=("a", "d"))])
    >>> result = evaluate(detection, truth)
    >>> result.precision, result.recall, result.auc
    (0.5, 0.5, 0.625)
    >>> dict(result.traps_flagged)["superfan"]
    1
    """
    if not isinstance(truth, Truth):
        raise ParameterError(
            "The 'truth' parameter of evaluate must be a botgraph.simulate.Truth. "
            f"Got {type(truth).__name__} instead."
        )
    scores, cluster_of = _read_detection(detection, truth)
    accounts = truth.accounts
    coordinated = np.fromiter((a in truth.network for a in accounts), bool, len(accounts))
    flagged = np.fromiter((a in cluster_of for a in accounts), bool, len(accounts))
    n_coordinated = int(coordinated.sum())
    n_flagged = int(flagged.sum())
    tp = int((coordinated & flagged).sum())
    precision = tp / n_flagged if n_flagged else math.nan
    recall = tp / n_coordinated if n_coordinated else math.nan
    f1 = 2.0 * tp / (n_flagged + n_coordinated) if n_flagged + n_coordinated else math.nan
    auc = roc_auc(np.array([scores.get(a, 0.0) for a in accounts], dtype=np.float64), coordinated)

    involved = [a for a, c, f in zip(accounts, coordinated, flagged, strict=True) if c or f]
    true_labels: list[Hashable] = [
        ("network", truth.network[a]) if a in truth.network else ("organic", a) for a in involved
    ]
    pred_labels: list[Hashable] = [
        ("cluster", cluster_of[a]) if a in cluster_of else ("singleton", a) for a in involved
    ]
    ari = adjusted_rand_index(true_labels, pred_labels)

    names = [spec.name for spec in truth.networks]
    names += [n for n in dict.fromkeys(truth.network.values()) if n not in names]
    members: dict[str, list[str]] = {name: [] for name in names}
    for account, name in truth.network.items():
        members[name].append(account)
    recall_per_network = {
        name: (sum(a in cluster_of for a in accs) / len(accs) if accs else math.nan)
        for name, accs in members.items()
    }
    traps_flagged = dict.fromkeys(TRAP_KINDS, 0)
    for account, kind in truth.trap.items():
        if account in cluster_of:
            traps_flagged[kind] += 1
    return Evaluation(
        precision=precision,
        recall=recall,
        f1=f1,
        auc=auc,
        ari=ari,
        recall_per_network=MappingProxyType(recall_per_network),
        traps_flagged=MappingProxyType(traps_flagged),
        n_flagged=n_flagged,
        n_coordinated=n_coordinated,
        n_accounts=len(accounts),
    )
