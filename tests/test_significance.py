"""The null model: p-values, FDR, popularity charge, and zero edges without coordination."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import botgraph
from botgraph.errors import ParameterError
from botgraph.significance import (
    coaction_significance,
    fdr_bh,
    pairs_at_risk,
    popularity_charge,
)

DAY = 86_400


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_no_coordination_no_edges(seed: int) -> None:
    """Independent accounts with realistic activity and popular keys: nothing is kept."""
    data = botgraph.simulate(rng=seed, networks=(), n_organic=1500)
    result = botgraph.detect(data.records)
    assert len(result.network) == 0
    assert result.clusters == ()
    assert max(a.score for a in result.accounts) < 0.5


def _rows(n_days: int, lag: float) -> list[dict[str, Any]]:
    rows = [
        {"account_id": a, "timestamp": DAY * d + (lag if a == "b" else 0.0), "text": "slogan"}
        for d in range(n_days)
        for a in "ab"
    ]
    rows += [{"account_id": f"z{i}", "timestamp": 3_000.0 * i, "text": f"x {i}"} for i in range(30)]
    return rows


def test_more_episodes_smaller_pvalue() -> None:
    p = [float(botgraph.project(_rows(n, 5), "text").pvalue[0]) for n in (2, 4, 8)]
    assert p[0] > p[1] > p[2]


def test_wider_window_expects_more() -> None:
    rows = _rows(5, 5)
    narrow, wide = (botgraph.project(rows, "text", window=w) for w in (60, 600))
    assert wide.expected[0] > narrow.expected[0]
    assert wide.pvalue[0] > narrow.pvalue[0]


def test_expected_matches_formula() -> None:
    rows = _rows(3, 5)
    recs = botgraph.ingest(rows)
    g = botgraph.project(recs, "text", window=60)
    # one key used three times by each of 2 accounts over 2 days + 5 s, which is also
    # the whole period and so caps the lifetime; N = 32 accounts, so
    # c_k = max(1, 4/32) = 1; per-pair expectation m_a m_b 2w / T_k
    lifetime = 2 * DAY + 5
    assert g.expected[0] == pytest.approx(min(3, 3 * 3 * 120 / lifetime))
    assert g.matched[0] == 3 and g.n_tests == 1


def test_single_burst_key_explains_itself() -> None:
    # ten accounts share ten links, each link within one minute: each key's lifetime
    # is one burst, so no pair is significant
    rows = [
        {
            "account_id": f"a{i}",
            "timestamp": DAY * k + i,
            "urls": [f"https://news.example/{k}"],
            "text": "look",
        }
        for k in range(10)
        for i in range(10)
    ]
    rows += [{"account_id": f"z{i}", "timestamp": 7_000.0 * i, "text": f"x {i}"} for i in range(30)]
    g = botgraph.project(rows, "url", window=60)
    assert len(g) == 45 and g.pvalue.min() > 0.5


def test_popularity_charge() -> None:
    assert popularity_charge(np.array([1.0, 10.0, 20.0, 40.0]), 400.0).tolist() == [
        1.0,
        1.0,
        1.0,
        4.0,
    ]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_popular_key_explains_itself(seed: int) -> None:
    # 80 accounts each say the same catch phrase three times at random moments over
    # two weeks: plenty of coincidences within an hour, none of them coordination
    rng = np.random.default_rng(seed)
    rows = [
        {"account_id": f"a{i}", "timestamp": float(t), "text": "thank you so much"}
        for i in range(80)
        for t in rng.uniform(0, 14 * DAY, 3)
    ]
    rows += [{"account_id": f"z{i}", "timestamp": 9_000.0 * i, "text": f"x {i}"} for i in range(40)]
    g = botgraph.project(rows, "text", window=3600)
    assert len(g) > 50  # coincidences happen
    assert len(botgraph.fuse([g])) == 0


def test_fdr_bh() -> None:
    p = np.array([0.001, 0.2, 0.01, 0.04])
    q = fdr_bh(p)
    assert q.tolist() == pytest.approx([0.004, 0.2, 0.02, 0.05333333])
    assert (fdr_bh(p, n_tests=100) >= q).all()
    assert fdr_bh(np.zeros(0)).shape == (0,)
    with pytest.raises(ParameterError, match="'n_tests' parameter of fdr_bh"):
        fdr_bh(p, n_tests=2)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.floats(0, 1), min_size=1, max_size=30), st.integers(0, 50))
def test_fdr_properties(p: list[float], extra: int) -> None:
    arr = np.array(p)
    q = fdr_bh(arr, n_tests=len(p) + extra)
    assert ((q >= arr - 1e-12) & (q <= 1)).all()
    order = np.argsort(arr, kind="stable")
    assert (np.diff(q[order]) >= -1e-12).all()


def test_pairs_at_risk_bounds() -> None:
    recs = botgraph.ingest(_rows(3, 5))
    bip = botgraph.traces(recs, "text")
    assert pairs_at_risk(bip) == 1  # one shared key, two users


def test_errors() -> None:
    recs = botgraph.ingest(_rows(3, 5))
    g = botgraph.project(recs, "text")
    bip = botgraph.traces(recs, "text")
    with pytest.raises(ParameterError, match="'period' parameter of coaction_significance"):
        coaction_significance(g, bip, period=0)
    other = botgraph.traces(botgraph.ingest(_rows(3, 5)[:5]), "text")
    with pytest.raises(ParameterError, match="layer the graph was projected from"):
        coaction_significance(g, other, period=DAY)


def test_period_caps_lifetimes() -> None:
    recs = botgraph.ingest(_rows(4, 5))
    bip = botgraph.traces(recs, "text")
    short, long = (
        botgraph.projection.project_bipartite(bip, window=60, record_ids=recs.record_id, period=p)
        for p in (1 * DAY, 50 * DAY)
    )
    # the key lives three days; a one-day period caps its lifetime, raising the expectation
    assert short.expected[0] > long.expected[0]
    assert short.period == 1 * DAY and long.period == 50 * DAY


def test_saturated_keys_are_skipped_and_reported() -> None:
    # one phrase used by 60 of 80 accounts within six hours, plus a coordinated trio
    rows = [
        {"account_id": f"a{i}", "timestamp": 300.0 * i, "text": "thank you so much"}
        for i in range(60)
    ]
    rows += [{"account_id": f"z{i}", "timestamp": 1000.0 * i, "text": f"x {i}"} for i in range(20)]
    bip = botgraph.traces(botgraph.ingest(rows), "text")
    recs = botgraph.ingest(rows)
    kept = botgraph.projection.project_bipartite(
        bip, window=3600, record_ids=recs.record_id, period=6 * 3600
    )
    skipped = botgraph.projection.project_bipartite(
        bip, window=3600, record_ids=recs.record_id, period=6 * 3600, skip_uninformative=True
    )
    assert len(kept) > 0 and kept.capped_keys == ()
    assert len(skipped) == 0 and len(skipped.capped_keys) == 1
    result = botgraph.detect(rows, layers=["text"], window=3600)
    assert result.graphs[0].capped_keys == skipped.capped_keys


def test_project_bipartite_min_pairs_drops_single_coactions() -> None:
    # c joins a and b once, on day 2: one co-action with each
    recs = botgraph.ingest(
        [*_rows(4, 5), {"account_id": "c", "timestamp": 2 * DAY + 9, "text": "slogan"}]
    )
    bip = botgraph.traces(recs, "text")
    every = botgraph.projection.project_bipartite(bip, window=60, record_ids=recs.record_id)
    assert int(every.pairs.min()) == 1
    kept = botgraph.projection.project_bipartite(
        bip, window=60, record_ids=recs.record_id, min_pairs=2
    )
    assert len(kept) == int((every.pairs >= 2).sum()) < len(every)
    assert np.array_equal(kept.pvalue, every.pvalue[every.pairs >= 2])
    with pytest.raises(ParameterError, match="'min_pairs' parameter of project_bipartite"):
        botgraph.projection.project_bipartite(
            bip, window=60, record_ids=recs.record_id, min_pairs=0
        )


def test_a_key_of_100k_comments_in_one_minute_is_capped_not_enumerated() -> None:
    # 10^5 accounts post the same phrase within one minute: 5 * 10^9 co-action pairs
    # if enumerated. detect must skip the key (it carries no evidence), say so, and
    # still find the trio that repeats its own message day after day.
    rows: list[dict[str, Any]] = [
        {"account_id": f"crowd{i}", "timestamp": 1_000.0 + (i % 6_000) / 100, "text": "thank you"}
        for i in range(100_000)
    ]
    rows += [
        {"account_id": a, "timestamp": DAY * d + i, "text": "vote them out now"}
        for d in range(1, 6)
        for i, a in enumerate(("x", "y", "z"))
    ]
    result = botgraph.detect(rows, layers=["text"], window=60)
    (graph,) = result.graphs
    assert graph.capped_keys == (botgraph.normalize.text_fingerprint("thank you"),)
    assert int(graph.pairs.sum()) < 100
    assert result.flagged == ("x", "y", "z")


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_key_lifetimes_sorted_and_unsorted_events_agree(seed: int) -> None:
    import dataclasses

    from botgraph.significance import key_lifetimes

    gen = np.random.default_rng(seed)
    rows = [
        {
            "account_id": f"a{gen.integers(20)}",
            "timestamp": float(gen.integers(0, 5 * DAY)),
            "text": f"phrase {gen.integers(6)} said here",
        }
        for _ in range(300)
    ]
    bip = botgraph.traces(botgraph.ingest(rows), "text")
    shuffled_order = gen.permutation(bip.n_events)
    shuffled = dataclasses.replace(
        bip,
        event_key=bip.event_key[shuffled_order],
        event_time=bip.event_time[shuffled_order],
        event_account=bip.event_account[shuffled_order],
        event_record=bip.event_record[shuffled_order],
    )
    for window in (60.0, 3600.0):
        fast = key_lifetimes(bip, window=window, period=6 * DAY)
        slow = key_lifetimes(shuffled, window=window, period=6 * DAY)
        assert np.array_equal(fast, slow)
        spans = [
            bip.event_time[bip.event_key == k].max() - bip.event_time[bip.event_key == k].min()
            for k in range(bip.keys.shape[0])
        ]
        assert np.allclose(fast, np.clip(np.array(spans) + 2 * window, 2 * window, 6 * DAY))


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_expected_on_shared_keys_is_bit_identical(seed: int) -> None:
    # Keys of one user and keys of rate 0 (left out, informative=False) are dropped
    # before the merge: the sums must not change in a single bit, on both paths.
    import scipy.sparse as sp

    from botgraph._kernels import expected_coactions
    from botgraph.significance import _expected, _expected_scipy, key_users

    gen = np.random.default_rng(seed)
    n_accounts, n_keys = 60, 300
    dense = gen.poisson(0.15, size=(n_accounts, n_keys))
    dense[:, : n_keys // 3] = 0
    dense[gen.integers(0, n_accounts, n_keys // 3), np.arange(n_keys // 3)] = 1  # one user
    third = n_keys // 3
    dense[0, third:] = 1 + gen.poisson(2.0, size=n_keys - third)  # heavy: binary search
    incidence = sp.csr_array(dense)
    rate = gen.random(n_keys) * gen.choice([0.01, 1.0, 10.0], size=n_keys)
    rate[gen.random(n_keys) < 0.2] = 0.0  # uninformative keys
    a, b = (x.astype(np.int64) for x in np.triu_indices(n_accounts, 1))
    full = sp.csr_array(dense.astype(np.float64))
    full.sort_indices()
    reference = _expected_scipy(full, rate, a, b)
    kernel = expected_coactions(full.indptr, full.indices, full.data, rate, a, b)
    users = key_users(incidence)
    assert int((users == 1).sum()) > 10
    got = _expected(incidence, rate, users, a, b)
    assert got.tobytes() == reference.tobytes()
    assert kernel is None or kernel.tobytes() == got.tobytes()
    assert (got > 0).mean() > 0.5


def test_expected_sorts_a_copy_of_unsorted_indices(monkeypatch: pytest.MonkeyPatch) -> None:
    import scipy.sparse as sp

    import botgraph._kernels as kernels
    from botgraph.significance import _expected, key_users

    # Columns given out of order; the scipy path (no numba) gives the same sums.
    indptr = np.array([0, 3, 5, 6])
    indices = np.array([2, 0, 1, 1, 2, 0], dtype=np.int32)
    data = np.array([1, 2, 3, 4, 5, 6], dtype=np.int64)
    incidence = sp.csr_array((data, indices, indptr), shape=(3, 3))
    incidence.has_sorted_indices = False
    rate = np.array([0.5, 0.25, 0.125])
    a, b = np.array([0, 0, 1]), np.array([1, 2, 2])
    want = [min(3 * 4 * 0.25, 3) + min(1 * 5 * 0.125, 1), min(2 * 6 * 0.5, 2), 0.0]
    got = _expected(incidence, rate, key_users(incidence), a, b)
    assert got.tolist() == want
    assert indices.tolist() == [2, 0, 1, 1, 2, 0]  # the caller's matrix is untouched
    monkeypatch.setattr(kernels, "_compiled", lambda: None)
    assert _expected(incidence, rate, key_users(incidence), a, b).tolist() == want


@pytest.mark.parametrize("period_h", [0.5, 2.0, 6.0])
def test_project_bipartite_statistics_equal_the_public_functions(period_h: float) -> None:
    # project_bipartite counts key users and rates once; the result must be what the
    # public functions give, including a period shorter than the window (2w = 2 h).
    from botgraph.projection import project_bipartite, saturated_keys
    from botgraph.significance import coaction_significance

    gen = np.random.default_rng(5)
    rows = [
        {"account_id": f"a{i}", "timestamp": 300.0 * i, "text": "thank you so much"}
        for i in range(60)
    ]
    rows += [
        {
            "account_id": f"b{gen.integers(12)}",
            "timestamp": float(gen.integers(0, 6 * 3600)),
            "text": f"phrase {gen.integers(5)}",
        }
        for _ in range(200)
    ]
    recs = botgraph.ingest(rows)
    bip = botgraph.traces(recs, "text")
    period = period_h * 3600
    for skip in (False, True):
        got = project_bipartite(
            bip,
            window=3600,
            record_ids=recs.record_id,
            period=period,
            skip_uninformative=skip,
            min_pairs=2,
        )
        saturated = saturated_keys(bip, window=3600, period=period)
        want_capped = tuple(str(k) for k in bip.keys[saturated]) if skip else ()
        assert got.capped_keys == want_capped
        sig = coaction_significance(
            got, bip, period=period, informative=~saturated if skip else None
        )
        assert got.expected.tobytes() == sig.expected.tobytes()
        assert got.pvalue.tobytes() == sig.pvalue.tobytes()
        assert (
            (got.n_tests, got.period)
            == (sig.n_tests, sig.period)
            == (pairs_at_risk(bip), max(period, 7200.0))
        )
        assert len(got.capped_keys) > 0 if skip else len(got) > 0


@pytest.mark.parametrize("seed", [0, 1])
def test_key_lifetimes_with_and_without_the_compiled_pass(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    import botgraph._kernels as kernels
    from botgraph.significance import key_lifetimes

    gen = np.random.default_rng(40 + seed)
    rows = [
        {
            "account_id": f"a{gen.integers(15)}",
            "timestamp": float(gen.integers(0, 3 * DAY)),
            "text": f"phrase {gen.integers(8)}",
        }
        for _ in range(200)
    ]
    bip = botgraph.traces(botgraph.ingest(rows), "text")
    compiled = key_lifetimes(bip, window=60, period=2 * DAY)
    monkeypatch.setattr(kernels, "_compiled", lambda: None)
    assert kernels.key_time_spans(bip.event_key, bip.event_time, 8) is None
    numpy_path = key_lifetimes(bip, window=60, period=2 * DAY)
    assert compiled.tobytes() == numpy_path.tobytes()
    assert (compiled > 120).any() and (compiled == 2 * DAY).any()
