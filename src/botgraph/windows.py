"""Windows: estimate the co-action window from the data, and sweep detection over windows.

The co-action window is the one parameter every coordination detector needs and
no data set announces. :func:`estimate_window` derives one from how fast keys
spread between accounts, in the manner of CooRnet's coordination interval, and
:func:`sweep` runs :func:`botgraph.detect` over a range of windows and reports how
much the flagged accounts change from one window to the next.
"""

from __future__ import annotations

import inspect
import itertools
import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from botgraph._validation import check_choice, check_int, check_number
from botgraph.detection import Detection, detect
from botgraph.errors import ParameterError
from botgraph.evaluate import adjusted_rand_index
from botgraph.ingest import Records, ingest
from botgraph.traces import BipartiteGraph, traces

__all__ = [
    "DEFAULT_SWEEP_WINDOWS",
    "ESTIMATE_METHODS",
    "SweepResult",
    "SweepRow",
    "WindowEstimate",
    "estimate_window",
    "sweep",
]

logger = logging.getLogger(__name__)

#: Windows (seconds) :func:`sweep` tries by default: 10 s to one hour.
DEFAULT_SWEEP_WINDOWS = (10.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0, 3600.0)
#: Estimation methods of :func:`estimate_window`.
ESTIMATE_METHODS = ("coornet", "gaps")
#: CooRnet's default share of a key's accounts to be reached (its ``p``).
_DEFAULT_SHARE = 0.5
#: Parameters of :func:`sweep` used to ingest the records once, not passed to detect.
_INGEST_KWARGS = ("columns", "timezone", "on_invalid")
#: Of those, the ones detect refuses together with already ingested Records.
_INGEST_ONLY = ("columns", "timezone")


# --------------------------------------------------------------------------- estimate


@dataclass(frozen=True, slots=True)
class WindowEstimate:
    """Result of :func:`estimate_window`.

    Attributes
    ----------
    window : float
        The estimated window in whole seconds, at least 1: pass it to
        ``botgraph.detect(records, window=...)``.
    layer : str
        Layer whose keys were timed.
    quantile : float
        The ``quantile`` parameter used.
    n_keys : int
        Keys used by at least ``min_accounts`` distinct accounts (the eligible keys).
    n_gaps : int
        Number of values the final quantile was taken over: every later account's
        gap (``"gaps"``), or one time per selected fast key (``"coornet"``).
    method : str
        ``"coornet"`` or ``"gaps"``.
    share : float or None
        Share of a key's accounts to be reached (``"coornet"``); None for ``"gaps"``.
    min_accounts : int
        Fewest distinct accounts of an eligible key.
    raw : float
        The quantile in seconds before rounding and the 1 s floor.

    Examples
    --------
    >>> rows = [{"account_id": a, "timestamp": t, "text": "Same words"}
    ...         for a, t in [("a", 0), ("b", 12), ("c", 40)]]
    >>> est = estimate_window(rows, method="gaps", quantile=0.5)
    >>> est.window, est.n_keys, est.n_gaps
    (26.0, 1, 2)
    """

    window: float
    layer: str
    quantile: float
    n_keys: int
    n_gaps: int
    method: str
    share: float | None
    min_accounts: int
    raw: float

    def explain(self) -> str:
        """One paragraph saying how :attr:`window` was obtained."""
        head = f"Window {self.window:g} s for layer {self.layer!r} ({self.method} method): "
        tail = "; rounded half up to whole seconds, at least 1 s."
        eligible = f"{self.n_keys} keys used by at least {self.min_accounts} accounts"
        if self.method == "gaps":
            return (
                head + f"the {self.quantile:g} quantile of the {self.n_gaps} gaps from the "
                f"first event of each of {eligible} to the first events of its other "
                f"accounts is {self.raw:.6g} s" + tail
            )
        over = "median" if self.share == 0.5 else f"{self.share:g} quantile"
        return (
            head + f"of {eligible}, the {self.n_gaps} whose second account came fastest "
            f"(at or below the {self.quantile:g} quantile of second-account delays) "
            f"reached more than {self.share:g} of their accounts after {self.raw:.6g} s "
            f"({over} over those keys)" + tail
        )


@dataclass(frozen=True, slots=True)
class _FirstUses:
    """Each account's first event on each key, sorted by key, time and account."""

    key: NDArray[np.int64]
    rank: NDArray[np.int64]  # 1-based position of the account among the key's accounts
    n_accounts: NDArray[np.int64]  # accounts of the row's key
    gap: NDArray[np.float64]  # seconds since the key's first event


def _first_uses(graph: BipartiteGraph) -> _FirstUses:
    n_acc = np.int64(max(int(graph.accounts.shape[0]), 1))
    pair = graph.event_key * n_acc + graph.event_account
    # Events are sorted by key then time, and np.unique's return_index gives the first
    # occurrence, so each (key, account) keeps its earliest event.
    _, first = np.unique(pair, return_index=True)
    key = graph.event_key[first]
    account = graph.event_account[first]
    time = graph.event_time[first]
    order = np.lexsort((account, time, key))
    key, time = key[order], time[order]
    _, start, count = np.unique(key, return_index=True, return_counts=True)
    rank = np.arange(key.shape[0], dtype=np.int64) - np.repeat(start, count) + 1
    return _FirstUses(
        key=key,
        rank=rank,
        n_accounts=np.repeat(count, count).astype(np.int64),
        gap=time - np.repeat(time[start], count),
    )


def _gaps_values(uses: _FirstUses, eligible: NDArray[np.bool_]) -> NDArray[np.float64]:
    values: NDArray[np.float64] = uses.gap[eligible & (uses.rank >= 2)]
    return values


def _coornet_values(
    uses: _FirstUses, eligible: NDArray[np.bool_], quantile: float, share: float
) -> NDArray[np.float64]:
    second = eligible & (uses.rank == 2)
    delay = uses.gap[second]
    fast_keys = uses.key[second][delay <= np.quantile(delay, quantile)]
    # Per fast key, the first account whose rank / n_accounts exceeds the share; it always
    # exists because the last account's ratio is 1 > share.
    reached = np.isin(uses.key, fast_keys) & (uses.rank / uses.n_accounts > share)
    _, first = np.unique(uses.key[reached], return_index=True)
    values: NDArray[np.float64] = uses.gap[reached][first]
    return values


def _check_estimate_args(
    quantile: object, share: object, method: object, min_accounts: object
) -> tuple[float, float | None, str, int]:
    func = "estimate_window"
    q = check_number(quantile, "quantile", func, low=0.0, high=1.0)
    m = check_choice(method, "method", func, ESTIMATE_METHODS)
    n = check_int(min_accounts, "min_accounts", func, low=2)
    if m == "gaps":
        if share is not None:
            raise ParameterError(
                f"The 'share' parameter of {func} must be None with method='gaps' (only the "
                f"'coornet' method uses it). Got {share!r} instead."
            )
        return q, None, m, n
    p = (
        _DEFAULT_SHARE
        if share is None
        else check_number(share, "share", func, low=0.0, high=1.0, high_inclusive=False)
    )
    return q, p, m, n


def estimate_window(
    records: Any,
    layer: str = "text",
    *,
    quantile: float = 0.1,
    share: float | None = None,
    method: Literal["coornet", "gaps"] = "coornet",
    min_accounts: int = 2,
    columns: Mapping[str, str] | None = None,
    timezone: str | None = None,
    on_invalid: Literal["raise", "drop"] = "raise",
) -> WindowEstimate:
    """Estimate a co-action window from how fast keys spread between accounts.

    Parameters
    ----------
    records : iterable of mappings, DataFrame, Arrow table, path, or Records
        Comment records; see :func:`botgraph.ingest`.
    layer : str, default "text"
        Layer whose keys are timed: a built-in layer or a column of exact keys
        (see :func:`botgraph.traces`).
    quantile : float, default 0.1
        In [0, 1]. ``"coornet"``: the quantile of second-account delays at or below
        which a key counts as fast (CooRnet's ``q``). ``"gaps"``: the quantile of
        all gaps returned as the window.
    share : float, optional
        In [0, 1), ``"coornet"`` only (None means 0.5, CooRnet's ``p``): the share of
        a key's accounts to be exceeded, and the quantile taken over the fast keys.
    method : {"coornet", "gaps"}, default "coornet"
        Estimator; see Notes.
    min_accounts : int, default 2
        Keys used by fewer distinct accounts are ignored (>= 2).
    columns, timezone, on_invalid
        Passed to :func:`botgraph.ingest`.

    Returns
    -------
    WindowEstimate
        The window in whole seconds (at least 1) with the counts behind it;
        :meth:`WindowEstimate.explain` says how it was obtained.

    Raises
    ------
    SchemaError
        If the records are invalid (and ``on_invalid="raise"``).
    ParameterError
        If a parameter is invalid, *layer* is unknown, *share* is given with
        ``method="gaps"``, or no key of *layer* is used by ``min_accounts``
        distinct accounts (there is no gap to measure).

    Notes
    -----
    Only the *first* event of each account on each key is used: an account
    repeating itself is not co-action. For a key :math:`k` used by
    :math:`n_k \\ge` ``min_accounts`` accounts, order its accounts by their first
    event, :math:`t_{k,1} \\le t_{k,2} \\le \\dots \\le t_{k,n_k}`, and let
    :math:`g_{k,r} = t_{k,r} - t_{k,1}` be the gap of the account of rank
    :math:`r`.

    ``"gaps"``: the window is the ``quantile`` :math:`q` of all gaps
    :math:`\\{g_{k,r} : r \\ge 2\\}` of the eligible keys.

    ``"coornet"`` follows CooRnet's ``estimate_coord_interval`` [1]_, with distinct
    accounts in place of shares and keys in place of URLs, :math:`q` =
    ``quantile`` and :math:`p` = ``share``:

    1. the second-account delay of each key is :math:`d_k = g_{k,2}`; the *fast*
       keys are those with :math:`d_k \\le Q_q(d)`, the :math:`q` quantile over
       eligible keys;
    2. each fast key's time to spread is :math:`T_k = g_{k,r^*}` with :math:`r^*`
       the smallest rank such that :math:`r^* / n_k > p`;
    3. the window is :math:`Q_p(T)`, the :math:`p` quantile of :math:`T` over the
       fast keys (the median by default; CooRnet's documentation says median,
       its code takes the :math:`p` quantile, and the two agree at
       :math:`p = 0.5`).

    The idea is CooRnet's: most keys spread slowly among accounts, but those that
    spread unusually fast tell how fast coordinated accounts follow each other.
    CooRnet selects keys by that speed (the fastest fraction :math:`q`), not by
    popularity; it counts every share, where botgraph counts each account once per
    key, so one account repeating a link neither makes a key "fast" nor fills its
    share. ``"gaps"`` is a simpler, more conservative alternative that pools every
    key's gaps instead of selecting fast keys.

    Quantiles are linear interpolations between order statistics (NumPy's default,
    R's type 7). The result is rounded half up to whole seconds (after rounding to
    microseconds, so that floating-point noise cannot turn 13.5 s into 13 s) and
    raised to at least 1 s (CooRnet likewise replaces 0 s by 1 s). The estimate
    is an order of magnitude to start from, not a test: check it with
    :func:`sweep`.

    References
    ----------
    .. [1] Giglietto, F., Righetti, N., Rossi, L. & Marino, G. (2020). It takes a
       village to manipulate the media: coordinated link sharing behavior during
       2018 and 2019 Italian elections. Information, Communication & Society
       23(6), 867-891. https://doi.org/10.1080/1369118X.2020.1739732

    Examples
    --------
    >>> import botgraph
    >>> from botgraph.windows import estimate_window
    >>> data = botgraph.simulate(n_organic=300, days=4, rng=1)
    >>> est = estimate_window(data.records)
    >>> est.method, est.layer, est.window >= 1.0, est.window == round(est.window)
    ('coornet', 'text', True, True)
    >>> result = botgraph.detect(data.records, window=est.window)
    """
    q, p, m, n_min = _check_estimate_args(quantile, share, method, min_accounts)
    recs: Records = ingest(records, columns=columns, timezone=timezone, on_invalid=on_invalid)
    graph = traces(recs, layer)
    uses = _first_uses(graph)
    eligible = uses.n_accounts >= n_min
    n_keys = int(np.count_nonzero(eligible & (uses.rank == 1)))
    if n_keys == 0:
        raise ParameterError(
            f"The 'layer' parameter of estimate_window must name a layer with at least one "
            f"key used by at least {n_min} accounts, so that gaps between accounts can be "
            f"measured. Got {layer!r} instead ({graph.n_events} events, "
            f"{graph.keys.shape[0]} keys, largest key used by "
            f"{int(uses.n_accounts.max(initial=0))} accounts). Choose another layer or "
            f"lower 'min_accounts'."
        )
    if m == "gaps":
        values = _gaps_values(uses, eligible)
        raw = float(np.quantile(values, q))
    else:
        assert p is not None  # set by _check_estimate_args for "coornet"
        values = _coornet_values(uses, eligible, q, p)
        raw = float(np.quantile(values, p))
    # Round to microseconds first so that interpolation noise (13.499999999999998)
    # does not turn a half second down.
    window = max(1.0, float(math.floor(round(raw, 6) + 0.5)))
    logger.info(
        "estimate_window(%s, %s): %d eligible keys, %d values, window %g s",
        layer,
        m,
        n_keys,
        values.shape[0],
        window,
    )
    return WindowEstimate(
        window=window,
        layer=layer,
        quantile=q,
        n_keys=n_keys,
        n_gaps=int(values.shape[0]),
        method=m,
        share=p,
        min_accounts=n_min,
        raw=raw,
    )


# --------------------------------------------------------------------------- sweep


@dataclass(frozen=True, slots=True)
class SweepRow:
    """One window of a :class:`SweepResult`.

    Attributes
    ----------
    window : float
        Window in seconds.
    n_edges : int
        Edges of the fused coordination network.
    n_clusters : int
        Reported coordinated clusters.
    n_flagged : int
        Accounts in reported clusters.
    ari : float
        Adjusted Rand index, in [-1, 1], between the flagged-account partitions of
        this window and the previous (smaller) one; NaN for the first window and
        when neither flagged any account.
    jaccard : float
        Jaccard index, in [0, 1], of the flagged-account sets of this window and the
        previous one; NaN as for ``ari``.
    stability : float
        Mean ``ari`` with the previous and the next window; NaN for the first and
        last windows, when either ``ari`` is NaN, or when this window flagged no
        account. See :meth:`SweepResult.most_stable`.
    """

    window: float
    n_edges: int
    n_clusters: int
    n_flagged: int
    ari: float
    jaccard: float
    stability: float


_ROW_FIELDS = ("window", "n_edges", "n_clusters", "n_flagged", "ari", "jaccard", "stability")


def _nan_mean(a: float, b: float) -> float:
    return (a + b) / 2.0 if not (math.isnan(a) or math.isnan(b)) else math.nan


@dataclass(frozen=True, slots=True, eq=False)
class SweepResult:
    """Result of :func:`sweep`: one detection per window, and their stability.

    Attributes
    ----------
    windows : tuple of float
        Windows in seconds, increasing.
    rows : tuple of SweepRow
        One per window, same order.
    detections : tuple of Detection
        The full result of :func:`botgraph.detect` at each window, same order.

    Examples
    --------
    Rows are normally made by :func:`sweep`; here by hand, to show
    :meth:`most_stable`:

    >>> nan = float("nan")
    >>> rows = (SweepRow(10, 4, 1, 5, nan, nan, nan),
    ...         SweepRow(60, 9, 1, 5, 1.0, 1.0, 0.75),
    ...         SweepRow(600, 40, 2, 12, 0.5, 0.4, nan))
    >>> res = SweepResult(windows=(10, 60, 600), rows=rows, detections=())
    >>> res.most_stable()
    60
    >>> res.table()["n_flagged"]
    [5, 5, 12]
    """

    windows: tuple[float, ...]
    rows: tuple[SweepRow, ...]
    detections: tuple[Detection, ...]

    def __repr__(self) -> str:
        flagged = ", ".join(f"{r.window:g}:{r.n_flagged}" for r in self.rows)
        return f"SweepResult(windows={len(self.windows)}, flagged={{{flagged}}})"

    def detection(self, window: float) -> Detection:
        """The detection at *window* (seconds); raises KeyError if it was not swept."""
        for w, d in zip(self.windows, self.detections, strict=True):
            if w == window:
                return d
        raise KeyError(window)

    def most_stable(self) -> float:
        """The window whose neighbourhood is most stable.

        A window's neighbourhood is itself and the windows just below and above it
        in the sweep; its stability (:attr:`SweepRow.stability`) is the mean
        adjusted Rand index of its flagged-account partition with those of its two
        neighbours. The window of highest stability is returned; ties go to the
        higher mean Jaccard index with the two neighbours, then to the smaller
        window. The smallest and largest windows have only one neighbour and are
        never returned, nor is a window that flagged no account.

        Returns
        -------
        float
            A window of :attr:`windows`.

        Raises
        ------
        ParameterError
            If no window has a defined stability: fewer than three windows were
            swept, or none between the first and the last flagged an account.
        """
        best: tuple[float, float, float] | None = None
        for i, row in enumerate(self.rows):
            if math.isnan(row.stability):
                continue
            jaccard = _nan_mean(row.jaccard, self.rows[i + 1].jaccard)
            rank = (row.stability, jaccard, -row.window)
            if best is None or rank > best:
                best = rank
        if best is None:
            flagged = {r.window: r.n_flagged for r in self.rows}
            raise ParameterError(
                "The 'windows' parameter of sweep must hold at least three windows, with "
                "flagged accounts at one between the smallest and the largest, for "
                f"most_stable to be defined. Got windows {list(self.windows)} with flagged "
                f"accounts {flagged} instead."
            )
        return -best[2]

    def table(self) -> dict[str, list[Any]]:
        """The rows as a dict of equally long columns.

        Columns: ``window``, ``n_edges``, ``n_clusters``, ``n_flagged``, ``ari``,
        ``jaccard``, ``stability`` (see :class:`SweepRow`).
        """
        return {name: [getattr(r, name) for r in self.rows] for name in _ROW_FIELDS}

    def to_pandas(self) -> Any:
        """:meth:`table` as a pandas DataFrame (needs pandas)."""
        from botgraph.export import columns_to_pandas

        return columns_to_pandas(self.table())

    def summary(self) -> str:
        """A small text table, one line per window, and the most stable window."""

        def fmt(x: float) -> str:
            return "-" if math.isnan(x) else f"{x:.2f}"

        lines = [
            f"{'window':>8} {'edges':>7} {'clusters':>8} {'flagged':>7} "
            f"{'ARI':>5} {'Jaccard':>7} {'stability':>9}"
        ]
        for r in self.rows:
            lines.append(
                f"{r.window:>8g} {r.n_edges:>7d} {r.n_clusters:>8d} {r.n_flagged:>7d} "
                f"{fmt(r.ari):>5} {fmt(r.jaccard):>7} {fmt(r.stability):>9}"
            )
        try:
            lines.append(f"most stable window: {self.most_stable():g} s")
        except ParameterError:
            lines.append("most stable window: undefined (see SweepResult.most_stable)")
        return "\n".join(lines)


def _labels(detection: Detection) -> dict[str, int]:
    return {m: c.id for c in detection.clusters for m in c.members}


def _compare(before: Detection, after: Detection) -> tuple[float, float]:
    """ARI and Jaccard of two detections' flagged accounts (NaN, NaN if none flagged)."""
    a, b = _labels(before), _labels(after)
    union = sorted(a.keys() | b.keys())
    if not union:
        return math.nan, math.nan
    # An account flagged in one run only is a singleton in the other.
    labels_a = [("cluster", a[x]) if x in a else ("single", x) for x in union]
    labels_b = [("cluster", b[x]) if x in b else ("single", x) for x in union]
    jaccard = len(a.keys() & b.keys()) / len(union)
    return adjusted_rand_index(labels_a, labels_b), jaccard


def _check_windows(windows: object) -> tuple[float, ...]:
    expected = "a non-empty sequence of distinct positive numbers of seconds"
    if isinstance(windows, str | bytes | Mapping) or not isinstance(windows, Sequence):
        raise ParameterError(
            f"The 'windows' parameter of sweep must be {expected}. Got {windows!r} instead."
        )
    values = [
        check_number(w, "windows", "sweep", low=0.0, low_inclusive=False, expected=expected)
        for w in windows
    ]
    if not values or len(set(values)) != len(values):
        raise ParameterError(
            f"The 'windows' parameter of sweep must be {expected}. Got {list(windows)!r} instead."
        )
    return tuple(sorted(values))


def _check_detect_kwargs(detect_kwargs: Mapping[str, Any]) -> None:
    if "window" in detect_kwargs:
        raise ParameterError(
            "The 'window' parameter of sweep must not be given: sweep runs detect once per "
            f"entry of 'windows'. Got window={detect_kwargs['window']!r} instead."
        )
    accepted = [
        name
        for name, param in inspect.signature(detect).parameters.items()
        if param.kind is inspect.Parameter.KEYWORD_ONLY and name != "window"
    ]
    unknown = sorted(set(detect_kwargs) - set(accepted))
    if unknown:
        raise ParameterError(
            f"The keyword arguments of sweep must be parameters of detect ({', '.join(accepted)})."
            f" Got {', '.join(repr(u) for u in unknown)} instead."
        )


def sweep(
    records: Any,
    windows: Sequence[float] = DEFAULT_SWEEP_WINDOWS,
    **detect_kwargs: Any,
) -> SweepResult:
    """Run :func:`botgraph.detect` at several windows and measure how stable the result is.

    Parameters
    ----------
    records : iterable of mappings, DataFrame, Arrow table, path, or Records
        Comment records; ingested once (see :func:`botgraph.ingest`).
    windows : sequence of float, default (10, 30, 60, 120, 300, 600, 1800, 3600)
        Windows in seconds: positive and distinct; they are swept in increasing
        order.
    **detect_kwargs
        Any other parameter of :func:`botgraph.detect` (``layers``, ``alpha``,
        ``method``, ``min_cluster_size``, ``rng``, ...), the same at every window.
        ``columns``, ``timezone`` and ``on_invalid`` are used to ingest the records.

    Returns
    -------
    SweepResult
        Per window the counts of edges, clusters and flagged accounts, and the
        stability with the previous window; the detections themselves; and
        :meth:`SweepResult.most_stable`.

    Raises
    ------
    ParameterError
        If *windows* is not a non-empty sequence of distinct positive numbers,
        ``window`` is among *detect_kwargs* (sweep sets it), a keyword is not a
        parameter of :func:`botgraph.detect`, or :func:`botgraph.detect` rejects
        a parameter.
    SchemaError
        If the records are invalid (and ``on_invalid="raise"``).

    Notes
    -----
    Consecutive windows :math:`w_{i-1} < w_i` are compared on the accounts
    flagged (in a reported cluster) at either window, :math:`U = F_{i-1} \\cup
    F_i`:

    - ``ari``: adjusted Rand index (Hubert & Arabie 1985, see
      :func:`botgraph.evaluate.adjusted_rand_index`) of the two partitions of
      :math:`U` into reported clusters, an account unflagged at one window being
      a singleton there. 1 when the same clusters are found; about 0 when they
      are unrelated; 0 when one window flags nothing and the other something.
    - ``jaccard``: :math:`|F_{i-1} \\cap F_i| / |U|`, which ignores how the
      accounts are grouped.

    Both are NaN for the first window and when :math:`U` is empty. A window at
    which small changes of the window barely change the clusters is one where the
    result does not hinge on the exact choice; :meth:`SweepResult.most_stable`
    picks the window whose two neighbours agree with it best. The records are
    ingested once; each window reruns the rest of the pipeline.

    References
    ----------
    Hubert, L. & Arabie, P. (1985). Comparing partitions. Journal of
    Classification 2, 193–218. https://doi.org/10.1007/BF01908075

    Examples
    --------
    >>> import botgraph
    >>> from botgraph.windows import sweep
    >>> data = botgraph.simulate(n_organic=300, days=4, rng=1)
    >>> result = sweep(data.records, windows=(600, 10, 60))
    >>> result.windows
    (10.0, 60.0, 600.0)
    >>> [row.window for row in result.rows] == list(result.windows)
    True
    >>> list(result.table())
    ['window', 'n_edges', 'n_clusters', 'n_flagged', 'ari', 'jaccard', 'stability']
    """
    checked = _check_windows(windows)
    _check_detect_kwargs(detect_kwargs)
    ingest_kwargs = {k: detect_kwargs[k] for k in _INGEST_KWARGS if k in detect_kwargs}
    passed = {k: v for k, v in detect_kwargs.items() if k not in _INGEST_ONLY}
    recs: Records = ingest(records, **ingest_kwargs)
    detections = []
    for w in checked:
        detections.append(detect(recs, window=w, **passed))
        logger.info("sweep: window %g s, %d flagged", w, len(detections[-1].flagged))
    pairs = [(math.nan, math.nan)] + [_compare(a, b) for a, b in itertools.pairwise(detections)]
    rows = []
    for i, (w, d) in enumerate(zip(checked, detections, strict=True)):
        interior = 0 < i < len(checked) - 1 and bool(d.flagged)
        stability = _nan_mean(pairs[i][0], pairs[i + 1][0]) if interior else math.nan
        rows.append(
            SweepRow(
                window=w,
                n_edges=len(d.network),
                n_clusters=len(d.clusters),
                n_flagged=len(d.flagged),
                ari=pairs[i][0],
                jaccard=pairs[i][1],
                stability=stability,
            )
        )
    return SweepResult(windows=checked, rows=tuple(rows), detections=tuple(detections))
