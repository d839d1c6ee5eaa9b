"""Detection: the whole pipeline in one call, and its typed result."""

from __future__ import annotations

import csv
import logging
import os
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

import numpy as np

from botgraph._progress import Stages
from botgraph._validation import check_choice, check_int, check_number
from botgraph._version import __version__
from botgraph.communities import METHODS, Partition, communities
from botgraph.errors import ParameterError, SchemaError
from botgraph.fusion import CoordinationNetwork, fuse
from botgraph.ingest import Records, RejectedRow, ingest
from botgraph.projection import CoGraph, observation_period, project_bipartite
from botgraph.scoring import AccountScore, Cluster, score
from botgraph.traces import layer_names, shared_text, traces

__all__ = ["DEFAULT_WINDOWS", "Detection", "detect"]

logger = logging.getLogger(__name__)

#: Default co-action windows in seconds, spaced to cover the time scales of
#: coordination: one minute (coordination-network-toolkit's documented co-tweet
#: window, CooRTweet's vignette) for copy-paste bursts, one hour, and four hours
#: (half a working shift) for waves an operator spreads out to look organic.
DEFAULT_WINDOWS = (60.0, 3600.0, 14400.0)

_TABLES = ("accounts", "clusters", "edges")

#: Layers whose extraction starts in a second thread as soon as the layers are
#: known. ``near_text`` takes about half of ``detect`` on large inputs, and part of
#: it (text normalisation, word coding) runs on one core; the second core
#: extracts and projects the other layers meanwhile. The result is unchanged:
#: each layer's graphs are computed from the same records either way.
_BACKGROUND_LAYERS = frozenset({"near_text"})


@dataclass(frozen=True, slots=True, eq=False)
class Detection:
    """Result of :func:`detect`.

    Attributes
    ----------
    clusters : tuple of Cluster
        Reported coordinated clusters, most coordinated first.
    accounts : tuple of AccountScore
        One entry per input account (sorted by account id), score in [0, 1].
    network : CoordinationNetwork
        The fused network with per-layer evidence on every edge.
    partition : Partition
        Communities of every account (reported or not).
    graphs : tuple of CoGraph
        The per-layer (and per-window) co-action graphs that were fused.
    parameters : Mapping[str, object]
        Every parameter used, defaults included.
    version : str
        botgraph version that produced the result.
    rejected : tuple of RejectedRow
        Input rows set aside (``on_invalid="drop"``), with reasons.
    n_records : int
        Records analysed (after rejections).
    """

    clusters: tuple[Cluster, ...]
    accounts: tuple[AccountScore, ...]
    network: CoordinationNetwork
    partition: Partition
    graphs: tuple[CoGraph, ...]
    parameters: Mapping[str, Any]
    version: str
    rejected: tuple[RejectedRow, ...]
    n_records: int

    @property
    def flagged(self) -> tuple[str, ...]:
        """Account ids in reported clusters, sorted."""
        return tuple(sorted(m for c in self.clusters for m in c.members))

    def account(self, account_id: str) -> AccountScore:
        """Score of one account; raises KeyError if it was not in the input."""
        for acc in self.accounts:
            if acc.account_id == account_id:
                return acc
        raise KeyError(account_id)

    def __repr__(self) -> str:
        return (
            f"Detection(clusters={len(self.clusters)}, flagged={len(self.flagged)}, "
            f"accounts={len(self.accounts)}, records={self.n_records}, "
            f"edges={len(self.network)}, rejected={len(self.rejected)})"
        )

    def summary(self) -> str:
        """Human-readable summary: counts, then one line per reported cluster."""
        layers = dict.fromkeys(g.layer for g in self.graphs)
        windows = sorted({g.window for g in self.graphs})
        lines = [
            f"botgraph {self.version}: {self.n_records} records, {len(self.accounts)} accounts, "
            f"layers {', '.join(layers)} at windows {', '.join(f'{w:g}' for w in windows)} s",
            f"{len(self.network)} coordination edges; {len(self.clusters)} coordinated clusters "
            f"with {len(self.flagged)} accounts",
        ]
        if self.rejected:
            lines.append(f"{len(self.rejected)} input rows rejected (see .rejected)")
        for c in self.clusters[:20]:
            lines.append(f"  #{c.id} score {c.score:.2f}: {c.reason}")
        if len(self.clusters) > 20:
            lines.append(f"  ... and {len(self.clusters) - 20} more clusters")
        return "\n".join(lines)

    def table(self, name: Literal["accounts", "clusters", "edges"] = "accounts") -> dict[str, Any]:
        """One result table as a dict of equally long columns.

        ``"accounts"``: account_id, score, cluster_id (-1 when none), degree,
        strongest_partner, n_records. ``"clusters"``: id, size, score, density,
        n_edges, median_gap, n_targets, n_records, median_q, duplication,
        created_within_week, utc_offset, office_hours_share, languages, platforms,
        layers, reason, members.
        ``"edges"``: the network's edge table.
        """
        check_choice(name, "name", "Detection.table", _TABLES)
        if name == "edges":
            return self.network.columns()
        if name == "accounts":
            return {
                "account_id": [a.account_id for a in self.accounts],
                "score": [a.score for a in self.accounts],
                "cluster_id": [-1 if a.cluster_id is None else a.cluster_id for a in self.accounts],
                "degree": [a.degree for a in self.accounts],
                "strongest_partner": [a.strongest_partner or "" for a in self.accounts],
                "n_records": [a.n_records for a in self.accounts],
            }
        return {
            "id": [c.id for c in self.clusters],
            "size": [c.size for c in self.clusters],
            "score": [c.score for c in self.clusters],
            "density": [c.density for c in self.clusters],
            "n_edges": [c.n_edges for c in self.clusters],
            "median_gap": [c.median_gap for c in self.clusters],
            "n_targets": [c.n_targets for c in self.clusters],
            "n_records": [c.n_records for c in self.clusters],
            "median_q": [c.median_q for c in self.clusters],
            "duplication": [c.duplication for c in self.clusters],
            "created_within_week": [c.created_within_week for c in self.clusters],
            "utc_offset": [c.utc_offset for c in self.clusters],
            "office_hours_share": [c.office_hours_share for c in self.clusters],
            "languages": [
                " ".join(f"{k}:{v:.2f}" for k, v in c.languages.items()) for c in self.clusters
            ],
            "platforms": [
                " ".join(f"{k}:{v:.2f}" for k, v in c.platforms.items()) for c in self.clusters
            ],
            "layers": [
                " ".join(f"{k}:{v}" for k, v in c.layers.items() if v) for c in self.clusters
            ],
            "reason": [c.reason for c in self.clusters],
            "members": [" ".join(c.members) for c in self.clusters],
        }

    def to_pandas(self, table: Literal["accounts", "clusters", "edges"] = "accounts") -> Any:
        """One result table as a pandas DataFrame (needs pandas); see :meth:`table`."""
        from botgraph.export import columns_to_pandas

        return columns_to_pandas(self.table(table))

    def to_networkx(self) -> Any:
        """The network as networkx graph; nodes carry ``score`` and ``cluster`` (-1: none)."""
        from botgraph.export import columns_to_networkx

        nodes = {
            a.account_id: {
                "score": a.score,
                "cluster": -1 if a.cluster_id is None else a.cluster_id,
            }
            for a in self.accounts
        }
        return columns_to_networkx(
            self.network.accounts, self.network.columns(), node_attributes=nodes
        )

    def to_igraph(self) -> Any:
        """The network as igraph graph; vertices carry ``name``, ``score``, ``cluster``."""
        from botgraph.export import columns_to_igraph

        net = self.network
        return columns_to_igraph(
            net.accounts,
            net.account_a,
            net.account_b,
            net.columns(),
            node_attributes={
                "score": np.array([a.score for a in self.accounts]),
                "cluster": np.array(
                    [-1 if a.cluster_id is None else a.cluster_id for a in self.accounts]
                ),
            },
        )

    def write_gexf(self, path: str | os.PathLike[str]) -> None:
        """Write the network as GEXF (Gephi), nodes carrying ``score`` and ``cluster``."""
        from botgraph.export import write_gexf

        write_gexf(self.to_networkx(), path)

    def write_graphml(self, path: str | os.PathLike[str]) -> None:
        """Write the network as GraphML, nodes carrying ``score`` and ``cluster``."""
        from botgraph.export import write_graphml

        write_graphml(self.to_networkx(), path)

    def save(self, directory: str | os.PathLike[str]) -> tuple[Path, ...]:
        """Write ``clusters.csv``, ``accounts.csv``, ``edges.csv`` and ``network.graphml``.

        Returns the paths written. The directory is created if needed.
        """
        from botgraph.export import write_graphml

        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        written = []
        for name in _TABLES:
            cols = self.table(name)  # type: ignore[arg-type]
            path = out / f"{name}.csv"
            with path.open("w", newline="", encoding="utf-8") as fh:
                writer = csv.writer(fh)
                writer.writerow(list(cols))
                writer.writerows(
                    zip(*(np.asarray(v, dtype=object).tolist() for v in cols.values()), strict=True)
                )
            written.append(path)
        graphml = out / "network.graphml"
        write_graphml(self.to_networkx(), graphml)
        written.append(graphml)
        return tuple(written)


def _window_tuple(value: object, where: str) -> tuple[float, ...]:
    values = [value] if isinstance(value, int | float) else value
    if isinstance(values, str) or not isinstance(values, Sequence) or not values:
        raise ParameterError(
            f"The 'window' parameter of detect must be a number of seconds, a sequence of "
            f"them, or a mapping of layer to either{where}. Got {value!r} instead."
        )
    out = sorted({check_number(v, "window", "detect", low=0.0) for v in values})
    return tuple(out)


def _windows(
    window: float | Sequence[float] | Mapping[str, float | Sequence[float]],
    layers: Sequence[str],
) -> dict[str, tuple[float, ...]]:
    if isinstance(window, Mapping):
        unknown = sorted(set(window) - set(layers))
        if unknown:
            raise ParameterError(
                f"The 'window' parameter of detect must map analysed layers {list(layers)} "
                f"to seconds. Got windows for {unknown} instead."
            )
        return {
            layer: _window_tuple(window.get(layer, DEFAULT_WINDOWS), f" (layer {layer!r})")
            for layer in layers
        }
    w = _window_tuple(window, "")
    return dict.fromkeys(layers, w)


def detect(
    records: Any,
    *,
    layers: Sequence[str] | None = None,
    window: float | Sequence[float] | Mapping[str, float | Sequence[float]] = DEFAULT_WINDOWS,
    alpha: float = 0.05,
    method: Literal["leiden", "louvain", "components"] = "leiden",
    resolution: float = 1.0,
    min_cluster_size: int = 3,
    min_coactions: int = 2,
    weak_p: float | None = 0.3,
    columns: Mapping[str, str] | None = None,
    timezone: str | None = None,
    on_invalid: Literal["raise", "drop"] = "raise",
    rng: int | np.random.Generator | None = 0,
    progress: bool = False,
) -> Detection:
    """Find coordinated account clusters in *records*.

    Parameters
    ----------
    records : iterable of mappings, DataFrame, Arrow table, path, or Records
        Comment records; see :func:`botgraph.ingest` for the schema.
    layers : sequence of str, optional
        Layers to analyse. Default: every built-in layer with data in *records*
        (``text``, ``url``, ``hashtag``, ``mention``, ``target``), plus a column
        named ``object_id`` (a shared object, such as a retweeted tweet) when present.
        Any other column name adds a custom layer of exact keys.
    window : float, sequence of float, or mapping of layer to either, default (60, 3600, 14400)
        Co-action windows in seconds (inclusive). Every layer is projected at every
        window and tested against the null model; the fusion corrects for the
        number of graphs. 60 s catches copy-paste bursts (coordination-network-
        toolkit's documented co-tweet window); 3600 s and 14400 s catch networks
        that spread a wave over an hour or half a working shift. Layers left out of
        a mapping get the default.
    alpha : float, default 0.05
        False-discovery-rate level at which a pair becomes an edge
        (see :func:`botgraph.fuse`).
    method : {"leiden", "louvain", "components"}, default "leiden"
        Community detection (see :func:`botgraph.communities`).
    resolution : float, default 1.0
        Modularity resolution for Leiden and Louvain.
    min_cluster_size : int, default 3
        Smallest community reported as a coordinated cluster.
    min_coactions : int, default 2
        A pair of accounts is tested in a graph (a layer at a window) only when it
        co-acted at least this many times there. One coincidence, however rare its
        key, is not coordination (a single shared record proves nothing about a
        pattern), and on large data most pairs co-act exactly once: dropping them
        before they are materialised is what keeps memory bounded. 1 tests every
        pair.
    weak_p : float or None, default 0.3
        Combined p-value up to which a pair counts as a weak tie in the group test
        (see :func:`botgraph.fuse` and :func:`botgraph.groups.weak_groups`): a
        quiet network whose pairs are each only weakly suspicious is found as a
        group. None turns the group test off.
    columns, timezone, on_invalid
        Passed to :func:`botgraph.ingest`.
    rng : int, numpy.random.Generator or None, default 0
        Seed of the group test's and the community detection's searches; the same
        seed gives the same clusters.
    progress : bool, default False
        Show a progress bar over the stages (tqdm, on standard error). Off by
        default, as a library should be; ``botgraph detect`` turns it on when
        standard error is a terminal.

    Returns
    -------
    Detection

    Raises
    ------
    SchemaError
        If the records are invalid (and ``on_invalid="raise"``).
    ParameterError
        If a parameter is invalid, or no layer has any data.

    Notes
    -----
    Stages: ingest → traces per layer → windowed projection per layer and window,
    each edge tested against a null model of independent accounts → fusion (a pair
    becomes an edge when its content co-action is significant at false-discovery
    rate ``alpha``) → communities → scores. A community with at least
    ``min_cluster_size`` members is reported. See ``docs/scores.md``.

    Examples
    --------
    >>> import botgraph
    >>> data = botgraph.simulate(n_organic=300, days=4, rng=1)
    >>> result = botgraph.detect(data.records)
    >>> len(result.accounts) == len(data.truth.accounts)
    True
    >>> all(0.0 <= a.score <= 1.0 for a in result.accounts)
    True
    """
    alpha = check_number(alpha, "alpha", "detect", low=0.0, high=1.0, low_inclusive=False)
    method = check_choice(method, "method", "detect", METHODS)  # type: ignore[assignment]
    resolution = check_number(resolution, "resolution", "detect", low=0.0, low_inclusive=False)
    min_cluster_size = check_int(min_cluster_size, "min_cluster_size", "detect", low=2)
    min_coactions = check_int(min_coactions, "min_coactions", "detect", low=1)
    if weak_p is not None:
        weak_p = check_number(
            weak_p, "weak_p", "detect", low=0.0, high=1.0, low_inclusive=False, high_inclusive=False
        )
    if not isinstance(progress, bool):
        raise ParameterError(
            f"The 'progress' parameter of detect must be True or False. Got {progress!r} instead."
        )
    with Stages(1, enabled=progress, description="botgraph detect") as stages:
        stages.start("ingest")
        recs: Records = ingest(records, columns=columns, timezone=timezone, on_invalid=on_invalid)
        if len(recs) == 0:
            raise SchemaError(
                f"detect received {recs.n_input} records and rejected all of them as invalid "
                f"(first: row {recs.rejected[0].row}, column {recs.rejected[0].column!r}: "
                f"{recs.rejected[0].reason}). See ingest(..., on_invalid='drop').rejected."
            )
        # The text column is grouped once for the layer choice and every text layer.
        with shared_text(recs):
            if layers is None:
                chosen = list(layer_names(recs))
                if "object_id" in recs.fields and "object_id" not in chosen:
                    chosen.append("object_id")
            else:
                if isinstance(layers, str) or not all(isinstance(x, str) for x in layers):
                    raise ParameterError(
                        "The 'layers' parameter of detect must be a sequence of layer names. "
                        f"Got {layers!r} instead."
                    )
                chosen = list(dict.fromkeys(layers))
            if not chosen:
                raise ParameterError(
                    "The 'layers' parameter of detect must name at least one layer, and no "
                    "built-in layer has data in these records. Columns available as custom layers: "
                    f"{sorted(recs.fields)}. Pass layers=[...] naming one."
                )
            windows = _windows(window, chosen)
            stages.total = 4 + len(chosen) + sum(len(ws) for ws in windows.values())
            period = observation_period(recs)
            by_layer: dict[str, list[CoGraph]] = {}
            # The slowest extraction runs in a second thread while the other layers
            # are extracted and projected (see _BACKGROUND_LAYERS); it is projected last.
            with ThreadPoolExecutor(1, thread_name_prefix="botgraph-traces") as pool:
                early = {
                    layer: pool.submit(traces, recs, layer)
                    for layer in chosen
                    if layer in _BACKGROUND_LAYERS and len(chosen) > 1
                }
                # With near_text in the second thread, the text layer goes last: by then
                # near_text has handed it the fingerprints of the texts
                # (botgraph.traces._HANDOVER). Otherwise the layers keep their order.
                main = sorted(
                    (x for x in chosen if x not in early),
                    key=lambda x: x == "text" and "near_text" in early,
                )
                for layer in main + list(early):
                    stages.start(f"traces {layer}")
                    bip = early[layer].result() if layer in early else traces(recs, layer)
                    by_layer[layer] = []
                    for w in windows[layer]:
                        stages.start(f"project {layer} at {w:g} s")
                        g = project_bipartite(
                            bip,
                            window=w,
                            record_ids=recs.record_id,
                            period=period,
                            skip_uninformative=True,
                            min_pairs=min_coactions,
                        )
                        by_layer[layer].append(g)
                        logger.info(
                            "layer %s at %g s: %d events, %d edges", layer, w, bip.n_events, len(g)
                        )
                    del bip
            graphs = [g for layer in chosen for g in by_layer[layer]]
        stages.start("fuse")
        network = fuse(graphs, alpha=alpha, weak_p=weak_p, rng=rng)
        stages.start("communities")
        partition = communities(
            network,
            method=method,
            resolution=1.0 if method == "components" else resolution,
            rng=rng,
        )
        stages.start("scores")
        clusters, accounts = score(network, partition, recs, min_cluster_size=min_cluster_size)
    parameters = MappingProxyType(
        {
            "layers": tuple(chosen),
            "window": MappingProxyType(windows),
            "alpha": alpha,
            "method": method,
            "resolution": resolution,
            "min_cluster_size": min_cluster_size,
            "min_coactions": min_coactions,
            "weak_p": weak_p,
            "timezone": timezone,
            "on_invalid": on_invalid,
            "rng": rng if rng is None or isinstance(rng, int) else repr(rng),
        }
    )
    return Detection(
        clusters=clusters,
        accounts=accounts,
        network=network,
        partition=partition,
        graphs=tuple(graphs),
        parameters=parameters,
        version=__version__,
        rejected=recs.rejected,
        n_records=len(recs),
    )
