"""Communities: partition the accounts of a coordination network into clusters."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray
from scipy.sparse.csgraph import connected_components

from botgraph._leiden import leiden_labels
from botgraph._validation import check_choice, check_number, check_rng
from botgraph.errors import ParameterError
from botgraph.fusion import CoordinationNetwork

__all__ = ["METHODS", "Partition", "communities"]

#: Community detection methods: igraph's Leiden (default), python-louvain, connected components.
METHODS = ("leiden", "louvain", "components")


@dataclass(frozen=True, slots=True, eq=False)
class Partition:
    """A partition of every account of a network into communities.

    Attributes
    ----------
    accounts : ndarray of object (str)
        Account ids, as in the network.
    membership : ndarray of int64
        Community of each account. Communities are numbered by decreasing size
        (ties: by first member), so equal partitions get equal numbers.
    method : str
        Method that produced the partition.
    modularity : float
        Weighted modularity of the partition (NaN when the network has no edge).
    """

    accounts: NDArray[np.object_]
    membership: NDArray[np.int64]
    method: str
    modularity: float

    def __len__(self) -> int:
        return int(self.membership.max()) + 1 if self.membership.shape[0] else 0

    def __iter__(self) -> Iterator[tuple[str, ...]]:
        for c in range(len(self)):
            yield tuple(self.accounts[self.membership == c].tolist())

    def members(self, community: int) -> tuple[str, ...]:
        """Account ids in one community."""
        return tuple(self.accounts[self.membership == community].tolist())

    def __repr__(self) -> str:
        return (
            f"Partition(method={self.method!r}, communities={len(self)}, "
            f"accounts={self.accounts.shape[0]}, modularity={self.modularity:.3f})"
        )


def _canonical(membership: NDArray[np.int64]) -> NDArray[np.int64]:
    """Renumber communities by decreasing size, ties by first member."""
    labels, first, inverse, sizes = np.unique(
        membership, return_index=True, return_inverse=True, return_counts=True
    )
    order = np.lexsort((first, -sizes))
    rank = np.empty(labels.shape[0], dtype=np.int64)
    rank[order] = np.arange(labels.shape[0], dtype=np.int64)
    return rank[inverse.reshape(-1)]


def _igraph(network: CoordinationNetwork) -> Any:
    import igraph as ig

    g = ig.Graph(n=int(network.accounts.shape[0]), directed=False)
    g.add_edges(np.column_stack([network.account_a, network.account_b]).tolist())
    g.es["weight"] = network.weight.tolist()
    return g


def _leiden(network: CoordinationNetwork, resolution: float, seed: int) -> NDArray[np.int64]:
    n = int(network.accounts.shape[0])
    labels = leiden_labels(
        network.account_a,
        network.account_b,
        n,
        seed=seed,
        resolution=resolution,
        n_iterations=-1,
        weights=network.weight,
    )
    alone = labels < 0  # accounts without an edge: a community each
    labels[alone] = labels.max(initial=-1) + 1 + np.arange(np.count_nonzero(alone))
    return labels


def _louvain(network: CoordinationNetwork, resolution: float, seed: int) -> NDArray[np.int64]:
    import community as community_louvain
    import networkx as nx

    g = nx.Graph()
    n = int(network.accounts.shape[0])
    g.add_nodes_from(range(n))
    g.add_weighted_edges_from(
        zip(
            network.account_a.tolist(),
            network.account_b.tolist(),
            network.weight.tolist(),
            strict=True,
        )
    )
    part = community_louvain.best_partition(
        g, weight="weight", resolution=resolution, random_state=seed
    )
    return np.array([part[i] for i in range(n)], dtype=np.int64)


def _components(network: CoordinationNetwork) -> NDArray[np.int64]:
    n = int(network.accounts.shape[0])
    adj = sp.coo_array(
        (np.ones(len(network)), (network.account_a, network.account_b)), shape=(n, n)
    )
    _, labels = connected_components(adj, directed=False)
    return np.asarray(labels, dtype=np.int64)


def _modularity(network: CoordinationNetwork, membership: NDArray[np.int64]) -> float:
    if len(network) == 0:
        return float("nan")
    return float(_igraph(network).modularity(membership.tolist(), weights="weight"))


def communities(
    network: CoordinationNetwork,
    *,
    method: Literal["leiden", "louvain", "components"] = "leiden",
    resolution: float = 1.0,
    rng: int | np.random.Generator | None = None,
) -> Partition:
    """Partition the accounts of *network* into communities.

    Parameters
    ----------
    network : CoordinationNetwork
        Fused network; edge ``weight`` is used.
    method : {"leiden", "louvain", "components"}, default "leiden"
        ``"leiden"``: igraph's Leiden algorithm optimising weighted modularity
        (Traag, Waltman & van Eck 2019), iterated until stable. ``"louvain"``:
        python-louvain (Blondel et al. 2008). ``"components"``: connected components.
    resolution : float, default 1.0
        Modularity resolution (> 0); larger values give smaller communities.
        ``"components"`` has no resolution and accepts only 1.0.
    rng : int, numpy.random.Generator or None
        Seed for the randomised methods; the same seed gives the same partition.

    Returns
    -------
    Partition
        Every account belongs to exactly one community; accounts without an edge
        form singleton communities.

    Raises
    ------
    ParameterError
        If *method* is unknown, *resolution* is not positive, or a resolution is
        given with ``method="components"``.

    References
    ----------
    .. [1] V. A. Traag, L. Waltman, N. J. van Eck, "From Louvain to Leiden:
       guaranteeing well-connected communities", Sci. Rep. 9, 5233 (2019).
       doi:10.1038/s41598-019-41695-z
    .. [2] V. D. Blondel et al., "Fast unfolding of communities in large networks",
       J. Stat. Mech. P10008 (2008). doi:10.1088/1742-5468/2008/10/P10008

    Examples
    --------
    >>> import botgraph
    >>> rows = [{"account_id": a, "timestamp": 86_400 * day + i, "text": "our message"}
    ...         for day in range(5) for i, a in enumerate("abc")]
    >>> net = botgraph.fuse([botgraph.project(rows, "text")])
    >>> communities(net, rng=0).members(0)
    ('a', 'b', 'c')
    """
    method = check_choice(method, "method", "communities", METHODS)  # type: ignore[assignment]
    resolution = check_number(resolution, "resolution", "communities", low=0.0, low_inclusive=False)
    if method == "components" and resolution != 1.0:
        raise ParameterError(
            "The 'resolution' parameter of communities must be 1.0 with method='components' "
            f"(connected components have no resolution). Got {resolution!r} instead."
        )
    generator = check_rng(rng, "communities")
    seed = int(generator.integers(0, 2**31 - 1))
    if method == "leiden":
        raw = _leiden(network, resolution, seed)
    elif method == "louvain":
        raw = _louvain(network, resolution, seed)
    else:
        raw = _components(network)
    membership = _canonical(raw)
    return Partition(
        accounts=network.accounts,
        membership=membership,
        method=method,
        modularity=_modularity(network, membership),
    )
