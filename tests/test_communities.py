"""Community detection: every method through the same checks."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import botgraph
from botgraph.errors import ParameterError


def _network(seed: int) -> botgraph.CoordinationNetwork:
    rng = np.random.default_rng(seed)
    base = 1_700_000_000

    def at(g: int, m: int) -> int:
        return base + 86_400 * m + 10_000 * g

    rows: list[dict[str, Any]] = []
    # three groups of 6 accounts posting their own slogan together on four days,
    # a bridge joining group 0 twice, a linker joining groups 1 and 2 twice each
    for g in range(3):
        for m in range(4):
            for a in range(6):
                rows.append(
                    {
                        "account_id": f"g{g}a{a}",
                        "timestamp": at(g, m) + int(rng.integers(0, 30)),
                        "text": f"group {g} slogan",
                    }
                )
    for m in range(2):
        rows.append({"account_id": "bridge", "timestamp": at(0, m), "text": "group 0 slogan"})
    for g, m in [(1, 0), (1, 1), (2, 0), (2, 1)]:
        rows.append({"account_id": "linker", "timestamp": at(g, m), "text": f"group {g} slogan"})
    rows.append({"account_id": "loner", "timestamp": base, "text": "hello"})
    return botgraph.fuse([botgraph.project(rows, "text")])


@pytest.mark.parametrize("method", ["leiden", "louvain", "components"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_conformance(method: str, seed: int) -> None:
    net = _network(seed)
    part = botgraph.communities(net, method=method, rng=seed)  # type: ignore[arg-type]
    # a partition covers every account exactly once
    members = [m for c in part for m in c]
    assert sorted(members) == sorted(net.accounts.tolist())
    assert part.membership.shape == net.accounts.shape
    # same seed, same partition
    again = botgraph.communities(net, method=method, rng=seed)  # type: ignore[arg-type]
    assert np.array_equal(part.membership, again.membership)
    # the loner is alone; group members are together
    loner = int(part.membership[net.accounts.tolist().index("loner")])
    assert part.members(loner) == ("loner",)
    assert "Partition" in repr(part)


def test_modularity_methods_split_groups_components_do_not() -> None:
    net = _network(0)
    sizes = sorted(len(c) for c in botgraph.communities(net, method="components"))
    assert sizes == [1, 7, 13]  # bridge joins group 0; linker joins groups 1 and 2
    leiden = botgraph.communities(net, rng=0)
    assert max(len(c) for c in leiden) <= 7


def test_resolution_changes_result() -> None:
    net = _network(1)
    coarse = botgraph.communities(net, resolution=0.01, rng=0)
    fine = botgraph.communities(net, resolution=1.0, rng=0)
    assert len(coarse) < len(fine)


def test_leiden_does_not_touch_global_random_state() -> None:
    import random

    random.seed(5)
    expected = random.random()
    random.seed(5)
    botgraph.communities(_network(0), rng=3)
    assert random.random() == expected


def test_errors() -> None:
    net = _network(0)
    with pytest.raises(ParameterError, match="'method' parameter of communities"):
        botgraph.communities(net, method="spectral")  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match="'resolution' parameter of communities"):
        botgraph.communities(net, resolution=0)
    with pytest.raises(ParameterError, match="method='components'"):
        botgraph.communities(net, method="components", resolution=2.0)
    with pytest.raises(ParameterError, match="'rng' parameter"):
        botgraph.communities(net, rng="seed")  # type: ignore[arg-type]


@pytest.mark.parametrize("seed", [0, 4, 9])
def test_leiden_leaves_out_accounts_without_an_edge(seed: int) -> None:
    # Accounts without an edge are not given to igraph. The labels of the others
    # must be exactly those of a run on the graph of those accounts alone, and
    # each account without an edge must get a label of -1.
    import igraph as ig

    from botgraph._leiden import leiden_labels

    rng = np.random.default_rng(seed)
    n, m = 400, 900
    used = np.sort(rng.choice(n, 150, replace=False))  # the other 250 have no edge
    a, b = rng.choice(used, m), rng.choice(used, m)
    a, b = a[a != b], b[a != b]
    w = rng.uniform(0.5, 3.0, a.shape[0])
    labels = leiden_labels(a, b, n, seed=seed, resolution=1.0, n_iterations=-1, weights=w)
    touched = np.zeros(n, dtype=bool)
    touched[a] = touched[b] = True
    assert np.all(labels[~touched] == -1) and np.all(labels[touched] >= 0)

    import random

    used = np.flatnonzero(touched)
    local = np.searchsorted(used, np.arange(n))
    g = ig.Graph(n=used.shape[0], edges=np.column_stack([local[a], local[b]]).tolist())
    g.es["weight"] = w.tolist()
    ig.set_random_number_generator(random.Random(seed))
    try:
        alone = g.community_leiden(
            objective_function="modularity", weights="weight", n_iterations=-1
        )
    finally:
        ig.set_random_number_generator(random)
    assert labels[used].tolist() == list(alone.membership)


def test_leiden_gives_accounts_without_an_edge_a_community_each() -> None:
    net = _network(2)
    part = botgraph.communities(net, rng=1)
    linked = np.zeros(net.accounts.shape[0], dtype=bool)
    linked[net.account_a] = linked[net.account_b] = True
    assert not linked.all()  # the loner
    for account in net.accounts[~linked].tolist():
        assert part.members(int(part.membership[net.accounts.tolist().index(account)])) == (
            account,
        )
    # the modularity is that of the whole network, isolated accounts included
    import igraph as ig

    g = ig.Graph(n=net.accounts.shape[0], edges=np.column_stack([net.account_a, net.account_b]))
    expected = g.modularity(part.membership.tolist(), weights=net.weight.tolist())
    assert part.modularity == pytest.approx(expected)
