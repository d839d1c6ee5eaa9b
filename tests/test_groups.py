"""Group-level inference on weak pairs (botgraph.groups) and its use in fuse and detect."""

from __future__ import annotations

import importlib
import random
from typing import Any

import numpy as np
import pytest

import botgraph
from botgraph.errors import ParameterError
from botgraph.groups import WeakGroup, weak_groups

groups_module = importlib.import_module("botgraph.groups")
leiden_module = importlib.import_module("botgraph._leiden")


def _background(
    n: int, n_tested: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Tested pairs over n accounts with uniform p-values (a valid null)."""
    a = rng.integers(0, n, n_tested * 2)
    b = rng.integers(0, n, n_tested * 2)
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    code = np.unique(lo[lo != hi] * n + hi[lo != hi])[:n_tested]
    return code // n, code % n, rng.uniform(0, 1, code.shape[0])


def _with_clique(
    a: np.ndarray, b: np.ndarray, p: np.ndarray, members: np.ndarray, n: int, share: float, rng: Any
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Add every pair of *members*, a share of them weak (p = 0.2), the rest p = 0.9."""
    ca, cb = np.triu_indices(members.shape[0], k=1)
    qa, qb = members[ca], members[cb]
    qp = np.where(rng.uniform(size=qa.shape[0]) < share, 0.2, 0.9)
    code = np.concatenate([a * n + b, qa * n + qb])
    pv = np.concatenate([p, qp])
    code, first = np.unique(code[::-1], return_index=True)  # clique pairs win
    pv = pv[::-1][first]
    return code // n, code % n, pv


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_a_quiet_group_is_found_among_scattered_weak_pairs(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 2_000
    a, b, _ = _background(n, 40_000, rng)
    # As on real data, most tested pairs are far from weak (2 % are, as on the simulator).
    p = np.where(rng.uniform(size=a.shape[0]) < 0.02, 0.2, 0.8)
    members = np.sort(rng.choice(n, 15, replace=False))
    a, b, p = _with_clique(a, b, p, members, n, share=0.7, rng=rng)
    found = weak_groups(a, b, p, n_accounts=n, seed=seed)
    group = found[0]  # the most significant
    assert set(group.members.tolist()) <= set(members.tolist())
    assert group.members.shape[0] >= 12
    assert group.log10_pvalue < -20
    # Anything else is chance (uniform p-values are noisy): barely significant if at all.
    assert all(g.log10_pvalue > -5 for g in found[1:])


def test_scattered_weak_pairs_rarely_make_a_group() -> None:
    # Uniform p-values: every tested pair is weak with probability 0.3, the most a
    # valid p-value allows. The group p-value is a bound over all groups of a size,
    # so a group passes in at most about alpha = 5 % of such data sets.
    hits = 0
    for seed in range(30):
        rng = np.random.default_rng(seed)
        a, b, p = _background(1_000, 10_000, rng)
        found = weak_groups(a, b, p, n_accounts=1_000, seed=seed)
        hits += any(g.pvalue <= 0.05 for g in found)
    assert hits <= 3


def test_a_weak_triangle_is_no_group() -> None:
    a, b = np.array([0, 0, 1]), np.array([1, 2, 2])
    a = np.concatenate([a, np.arange(10, 1_010)])  # and 1,000 tested pairs that are not weak
    b = np.concatenate([b, np.arange(1_010, 2_010)])
    p = np.concatenate([np.full(3, 0.01), np.full(1_000, 0.9)])
    found = weak_groups(a, b, p, n_accounts=2_100)
    assert found and all(g.pvalue > 0.05 for g in found)


def test_an_account_weakly_tied_to_everyone_is_pruned() -> None:
    rng = np.random.default_rng(7)
    n = 2_000
    a, b, p = _background(n, 20_000, rng)
    members = np.arange(10, 25)
    a, b, p = _with_clique(a, b, p, members, n, share=1.0, rng=rng)
    # Account 5 is weakly tied to the group's members and to 600 other accounts.
    others = np.setdiff1d(np.arange(30, 630), members)
    hub_b = np.concatenate([members, others])
    a = np.concatenate([np.full(hub_b.shape[0], 5), a])
    b = np.concatenate([hub_b, b])
    p = np.concatenate([np.full(hub_b.shape[0], 0.1), p])
    code, first = np.unique(a * n + b, return_index=True)
    a, b, p = code // n, code % n, p[first]
    found = [g for g in weak_groups(a, b, p, n_accounts=n) if g.pvalue < 0.05]
    assert any(set(members.tolist()) <= set(g.members.tolist()) for g in found)
    assert all(5 not in g.members.tolist() for g in found)


def _clique_input(k: int, p_value: float, n_background: int = 3_000) -> dict[str, Any]:
    """Every pair of accounts 0..k-1 at *p_value*, beside a chain of tested pairs at 0.9."""
    a, b = np.triu_indices(k, k=1)
    chain = np.arange(k, k + n_background)
    return {
        "account_a": np.concatenate([a, chain]),
        "account_b": np.concatenate([b, chain + 1]),
        "pvalue": np.concatenate([np.full(a.shape[0], p_value), np.full(n_background, 0.9)]),
        "n_accounts": k + n_background + 1,
    }


def test_level_decides_which_pairs_are_weak() -> None:
    assert weak_groups(**_clique_input(8, 0.2), level=0.3)[0].pvalue < 0.05
    assert weak_groups(**_clique_input(8, 0.2), level=0.1) == ()


def test_min_size_drops_smaller_groups() -> None:
    assert weak_groups(**_clique_input(6, 0.2), min_size=6)[0].members.shape[0] == 6
    assert weak_groups(**_clique_input(6, 0.2), min_size=7) == ()


def test_alpha_sets_the_member_test() -> None:
    # Four accounts tied to each other only: each member's 3 ties pass at 0.05, not at 1e-9.
    assert weak_groups(**_clique_input(4, 0.2), alpha=0.05)[0].members.shape[0] == 4
    assert weak_groups(**_clique_input(4, 0.2), alpha=1e-9) == ()


def test_more_tested_pairs_make_weak_pairs_less_surprising() -> None:
    few = weak_groups(**_clique_input(6, 0.2, n_background=3_000))[0]
    many = weak_groups(**_clique_input(6, 0.2, n_background=300))[0]
    assert many.log10_pvalue > few.log10_pvalue
    assert few.tested_pairs == many.tested_pairs == 15


def test_a_pocket_of_co_active_accounts_is_no_group() -> None:
    # 40 accounts all tested against each other, half of those pairs weak: as weak as
    # the tested pairs everywhere else, so the pocket is explained by being tested.
    rng = np.random.default_rng(3)
    a, b = np.triu_indices(40, k=1)
    chain = np.arange(40, 3_040)
    a, b = np.concatenate([a, chain]), np.concatenate([b, chain + 1])
    p = np.where(rng.uniform(size=a.shape[0]) < 0.5, 0.1, 0.9)
    found = weak_groups(a, b, p, n_accounts=3_041)
    assert all(g.pvalue > 0.05 for g in found)
    # The same weak pairs, the chain no longer weak: now the pocket stands out.
    p[780:] = 0.9
    assert weak_groups(a, b, p, n_accounts=3_041)[0].pvalue <= 0.05


def test_seed_reaches_the_community_search(monkeypatch: pytest.MonkeyPatch) -> None:
    seeds: list[int] = []
    original = random.Random

    def recording(seed: int) -> random.Random:
        seeds.append(seed)
        return original(seed)

    monkeypatch.setattr(leiden_module.random, "Random", recording)
    first = weak_groups(**_clique_input(8, 0.2), seed=11)
    again = weak_groups(**_clique_input(8, 0.2), seed=11)
    weak_groups(**_clique_input(8, 0.2), seed=12)
    assert seeds == [11, 11, 12]
    assert [g.members.tolist() for g in first] == [g.members.tolist() for g in again]


def test_extreme_groups_have_a_finite_pvalue() -> None:
    group = weak_groups(**_clique_input(60, 0.01))[0]
    assert np.isfinite(group.log10_pvalue) and group.log10_pvalue < -100
    assert group.pvalue == 0.0
    assert "WeakGroup(members=60" in repr(group)
    assert isinstance(group, WeakGroup)


@pytest.mark.parametrize(
    ("change", "match"),
    [
        ({"level": 0.0}, "'level' parameter of weak_groups"),
        ({"level": 1.0}, "'level' parameter of weak_groups"),
        ({"alpha": 1.5}, "'alpha' parameter of weak_groups"),
        ({"min_size": 2}, "'min_size' parameter of weak_groups"),
        ({"n_accounts": -1}, "'n_accounts' parameter of weak_groups"),
    ],
)
def test_bad_parameters(change: dict[str, Any], match: str) -> None:
    with pytest.raises(ParameterError, match=match):
        weak_groups(**{**_clique_input(8, 0.2), **change})


# --------------------------------------------------------------------------- in fuse and detect


@pytest.mark.parametrize("seed", [0, 3])
def test_detect_finds_the_stealthy_network_as_a_group(seed: int) -> None:
    data = botgraph.simulate(stealth=1.0, rng=seed)
    stealthy = {a for a, net in data.truth.network.items() if net == "stealthy"}
    with_groups = botgraph.detect(data.records)
    without = botgraph.detect(data.records, weak_p=None)
    assert len(stealthy & set(with_groups.flagged)) >= 0.9 * len(stealthy)
    assert len(stealthy & set(without.flagged)) < 0.5 * len(stealthy)
    assert with_groups.parameters["weak_p"] == 0.3 and without.network.groups == ()
    grouped = with_groups.network.group_pvalue < 1
    assert grouped.any() and (with_groups.network.qvalue[grouped] <= 0.05).all()
    ev = botgraph.evaluate(with_groups, data.truth)
    assert sum(ev.traps_flagged.values()) == 0, ev.summary()
    assert ev.f1 >= 0.97 and ev.auc >= 0.99, ev.summary()


@pytest.mark.parametrize("seed", [5, 6])
def test_no_group_without_coordination(seed: int) -> None:
    data = botgraph.simulate(rng=seed, networks=(), n_organic=1500)
    result = botgraph.detect(data.records)
    assert result.network.groups == ()
    assert len(result.network) == 0


def test_fuse_group_columns_and_rng() -> None:
    data = botgraph.simulate(stealth=1.0, rng=1, n_organic=600)
    recs = botgraph.ingest(data.records)
    graphs = [
        botgraph.project(recs, layer, window=w)
        for layer in ("near_text", "hashtag")
        for w in (3600, 14400)
    ]
    net = botgraph.fuse(graphs, rng=4)
    assert "group_pvalue" in net.columns()
    again = botgraph.fuse(graphs, rng=4)
    assert net.groups == () or [g.members.tolist() for g in net.groups] == [
        g.members.tolist() for g in again.groups
    ]
    off = botgraph.fuse(graphs, weak_p=None)
    assert off.groups == () and (off.group_pvalue == 1).all()
    assert len(off) <= len(net)


@pytest.mark.parametrize("func", ["fuse", "detect"])
def test_weak_p_must_be_a_probability(func: str) -> None:
    rows = [{"account_id": "a", "timestamp": 0, "text": "hello there"}]
    graphs = [botgraph.project(rows, "text")]
    call = (
        (lambda: botgraph.fuse(graphs, weak_p=1.0))
        if func == "fuse"
        else (lambda: botgraph.detect(rows, weak_p=0.0))
    )
    with pytest.raises(ParameterError, match=f"'weak_p' parameter of {func}"):
        call()


def test_binomial_tail_matches_scipy_and_stays_finite() -> None:
    from scipy.stats import binom

    rng = np.random.default_rng(0)
    n = rng.integers(1, 400, 200)
    m = rng.integers(0, n + 1)
    p = rng.uniform(1e-4, 0.99, 200)
    ours = groups_module._log10_binom_sf(m, n, p)
    reference = np.where(m > 0, binom.logsf(m - 1, n, p) / np.log(10), 0.0)
    finite = np.isfinite(reference)
    assert np.allclose(ours[finite], reference[finite], rtol=1e-9, atol=1e-12)
    deep = groups_module._log10_binom_sf(np.array([400]), np.array([400]), np.array([1e-3]))
    assert np.isclose(deep[0], 400 * np.log10(1e-3))


def _prune_reference(
    nodes: np.ndarray, la: np.ndarray, lb: np.ndarray, lw: np.ndarray, null: Any, alpha: float
) -> np.ndarray:
    """The member test recomputed from scratch after every removal (no cached tails)."""
    from botgraph.groups import _log10_binom_sf

    k0, n = nodes.shape[0], null.n
    alive = np.ones(k0, dtype=bool)
    rate_all = np.maximum(null.rho, null.weak_degree[nodes] / (n - 1))
    while alive.sum() >= 3:
        idx = np.flatnonzero(alive)
        both = alive[la] & alive[lb]
        t = np.bincount(la[both], minlength=k0) + np.bincount(lb[both], minlength=k0)
        d = np.bincount(la[both & lw], minlength=k0) + np.bincount(lb[both & lw], minlength=k0)
        k = idx.shape[0]
        scattered = _log10_binom_sf(d[idx], np.full(k, k - 1), rate_all[idx])
        among = _log10_binom_sf(d[idx], t[idx], np.full(k, null.q))
        log10_p = np.maximum(scattered, among) + np.log10(n)
        worst = int(np.argmax(log10_p))
        if log10_p[worst] <= np.log10(alpha):
            return alive
        alive[idx[worst]] = False
    return np.zeros(k0, dtype=bool)


@pytest.mark.parametrize("seed", range(6))
def test_pruning_equals_the_test_recomputed_after_every_removal(seed: int) -> None:
    from botgraph.groups import _Null, _prune

    rng = np.random.default_rng(seed)
    k0 = int(rng.integers(3, 40))
    pairs = np.array([(i, j) for i in range(k0) for j in range(i + 1, k0)], dtype=np.int64)
    pairs = pairs[rng.random(pairs.shape[0]) < rng.uniform(0.3, 1.0)]
    la, lb = pairs[:, 0], pairs[:, 1]
    core = rng.random(k0) < 0.6  # weak pairs are likelier inside a core of members
    lw = rng.random(la.shape[0]) < np.where(core[la] & core[lb], 0.9, 0.1)
    n = 5000
    null = _Null(n=n, rho=1e-4, q=0.05, weak_degree=rng.integers(0, 30, n).astype(np.int64))
    nodes = np.sort(rng.choice(n, k0, replace=False))
    got = _prune(nodes, la, lb, lw, null, 0.05, 3)
    assert np.array_equal(got, _prune_reference(nodes, la, lb, lw, null, 0.05))


def test_candidates_that_cannot_keep_a_group_are_dropped_as_pruning_would() -> None:
    # The bound that drops a candidate without pruning must agree with pruning: over
    # communities near the bound (few weak pairs per member, a range of q, alpha and N),
    # the result equals the member test recomputed after every removal, and the bound
    # both drops candidates and lets others through to be pruned.
    from botgraph.groups import _Null, _prune

    outcomes: list[bool] = []
    original = groups_module._hopeless

    def spy(*args: Any) -> bool:
        outcomes.append(bool(original(*args)))
        return outcomes[-1]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(groups_module, "_hopeless", spy)
        for seed in range(60):
            rng = np.random.default_rng(1000 + seed)
            k0 = int(rng.integers(3, 25))
            pairs = np.array([(i, j) for i in range(k0) for j in range(i + 1, k0)])
            pairs = pairs[rng.random(pairs.shape[0]) < rng.uniform(0.2, 1.0)]
            la, lb = pairs[:, 0].astype(np.int64), pairs[:, 1].astype(np.int64)
            lw = rng.random(la.shape[0]) < rng.uniform(0.05, 0.9)
            n = int(rng.choice([200, 5_000, 1_000_000]))
            null = _Null(
                n=n,
                rho=float(rng.choice([1e-6, 1e-3])),
                q=float(rng.uniform(0.01, 0.4)),
                weak_degree=rng.integers(0, 40, n).astype(np.int64),
            )
            alpha = float(rng.choice([0.001, 0.05, 0.2]))
            nodes = np.sort(rng.choice(n, k0, replace=False))
            got = _prune(nodes, la, lb, lw, null, alpha, 3)
            assert np.array_equal(got, _prune_reference(nodes, la, lb, lw, null, alpha)), seed
    assert any(outcomes) and not all(outcomes)
