"""estimate_window() and sweep(): window estimation and stability across windows."""

from __future__ import annotations

import copy
import dataclasses
import math
import random
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import botgraph
from botgraph.errors import ParameterError, SchemaError
from botgraph.evaluate import adjusted_rand_index
from botgraph.windows import (
    DEFAULT_SWEEP_WINDOWS,
    SweepResult,
    SweepRow,
    WindowEstimate,
    _compare,
    estimate_window,
    sweep,
)

BASE = 1_700_000_000.0

# --------------------------------------------------------------------------- helpers


def keyed(events: Sequence[tuple[str, str, float]]) -> list[dict[str, Any]]:
    """Records of a custom layer ``key``: (key, account, seconds after BASE)."""
    return [{"account_id": a, "timestamp": BASE + t, "key": k} for k, a, t in events]


def two_account_keys(gaps: Sequence[float]) -> list[dict[str, Any]]:
    """One key per gap: a first account, then a second one ``gap`` seconds later."""
    events = []
    for i, g in enumerate(gaps):
        t0 = i * 100_000.0
        events += [(f"k{i}", f"first{i}", t0), (f"k{i}", f"second{i}", t0 + g)]
    return keyed(events)


def expected_window(raw: float) -> float:
    return max(1.0, float(math.floor(round(raw, 6) + 0.5)))


def coornet_reference(
    events: Sequence[tuple[str, str, float]], q: float, p: float, min_accounts: int = 2
) -> float:
    """CooRnet's estimate_coord_interval steps, written out with loops."""
    first: dict[tuple[str, str], float] = {}
    for k, a, t in events:
        first[(k, a)] = min(t, first.get((k, a), math.inf))
    per_key: dict[str, list[float]] = defaultdict(list)
    for (k, _), t in first.items():
        per_key[k].append(t)
    keys = {k: sorted(ts) for k, ts in per_key.items() if len(ts) >= min_accounts}
    second = {k: ts[1] - ts[0] for k, ts in keys.items()}
    cut = np.quantile(list(second.values()), q)
    spread = []
    for k, ts in keys.items():
        if second[k] <= cut:
            n = len(ts)
            r = next(r for r in range(1, n + 1) if r / n > p)
            spread.append(ts[r - 1] - ts[0])
    return float(np.quantile(spread, p))


def synth(seed: int, gap_a: float = 3.0, gap_b: float = 100.0) -> list[dict[str, Any]]:
    """Organic noise plus two five-account networks repeating messages at fixed gaps."""
    rng = np.random.default_rng(seed)
    words = [f"w{i}" for i in range(400)]

    def msg() -> str:
        return " ".join(rng.choice(words, 6))

    rows = []
    for a in range(60):
        for _ in range(int(rng.integers(2, 8))):
            text = str(rng.choice(["Thank you!", "Well said", msg()], p=[0.1, 0.1, 0.8]))
            rows.append(
                {
                    "account_id": f"org{a:03d}",
                    "timestamp": BASE + rng.uniform(0, 4 * 86_400),
                    "text": text,
                }
            )
    for group, gap in (("a", gap_a), ("b", gap_b)):
        slogans = [f"{group} campaign message {k} {msg()}" for k in range(2)]
        for wave in range(8):
            t0 = BASE + rng.uniform(0, 4 * 86_400)
            text = slogans[wave % 2]  # a network reuses its slogans from wave to wave
            for i in range(5):
                rows.append(
                    {
                        "account_id": f"bot{group}{i}",
                        "timestamp": t0 + i * gap + rng.uniform(0, 1),
                        "text": text,
                    }
                )
    return rows


# --------------------------------------------------------------------------- estimate_window


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("quantile", [0.1, 0.5, 0.9])
def test_gaps_method_returns_quantile_of_known_gaps(seed: int, quantile: float) -> None:
    gaps = random.Random(seed).choices(range(5, 51), k=12)
    est = estimate_window(two_account_keys(gaps), "key", method="gaps", quantile=quantile)
    assert est.raw == pytest.approx(float(np.quantile(gaps, quantile)))
    assert est.window == expected_window(float(np.quantile(gaps, quantile)))
    assert (est.n_keys, est.n_gaps, est.method, est.share) == (12, 12, "gaps", None)


def test_gaps_method_counts_every_later_account_from_the_first() -> None:
    # One key, four accounts after 0, 7, 19 and 40 s: gaps 7, 19, 40.
    events = [("k", "a", 0.0), ("k", "b", 7.0), ("k", "c", 19.0), ("k", "d", 40.0)]
    est = estimate_window(keyed(events), "key", method="gaps", quantile=0.5)
    assert (est.raw, est.window, est.n_gaps) == (19.0, 19.0, 3)


def test_coornet_on_known_gaps() -> None:
    # Ten keys, second account after 5, 10, ..., 50 s. q=0.1: the 0.1 quantile of the
    # delays is 9.5 s, so only the 5 s key is fast; with two accounts, "more than half"
    # is the second one: 5 s. q=0.5: the median delay is 27.5 s, fast keys 5..25 s,
    # whose median is 15 s.
    records = two_account_keys(range(5, 55, 5))
    fast = estimate_window(records, "key", quantile=0.1)
    assert (fast.window, fast.n_keys, fast.n_gaps, fast.share) == (5.0, 10, 1, 0.5)
    assert estimate_window(records, "key", quantile=0.5).window == 15.0


def test_share_changes_result() -> None:
    # Keys with five accounts at 0, d, 2d, 3d, 4d: more than 20 % of them is reached
    # at rank 2 (d), more than 60 % at rank 4 (3d).
    events = [(f"k{i}", f"a{j}", i * 1e5 + j * (10 + i)) for i in range(6) for j in range(5)]
    low = estimate_window(keyed(events), "key", quantile=1.0, share=0.2)
    high = estimate_window(keyed(events), "key", quantile=1.0, share=0.6)
    assert low.raw == pytest.approx(coornet_reference(events, 1.0, 0.2))
    assert high.raw == pytest.approx(coornet_reference(events, 1.0, 0.6))
    assert low.window < high.window


events_strategy = st.lists(
    st.tuples(
        st.sampled_from(["k0", "k1", "k2", "k3", "k4"]),
        st.sampled_from(["a", "b", "c", "d", "e", "f"]),
        st.integers(0, 5_000).map(float),
    ),
    min_size=1,
    max_size=40,
)


@settings(max_examples=60, deadline=None)
@given(
    events=events_strategy,
    q=st.floats(0.0, 1.0),
    p=st.floats(0.0, 0.99),
    min_accounts=st.integers(2, 4),
)
def test_coornet_matches_reference(
    events: list[tuple[str, str, float]], q: float, p: float, min_accounts: int
) -> None:
    accounts_per_key = defaultdict(set)
    for k, a, _ in events:
        accounts_per_key[k].add(a)
    if max(len(s) for s in accounts_per_key.values()) < min_accounts:
        with pytest.raises(ParameterError, match="at least one key used by"):
            estimate_window(keyed(events), "key", min_accounts=min_accounts)
        return
    est = estimate_window(keyed(events), "key", quantile=q, share=p, min_accounts=min_accounts)
    raw = coornet_reference(events, q, p, min_accounts)
    assert est.raw == pytest.approx(raw)
    assert est.window == expected_window(raw)


@settings(max_examples=40, deadline=None)
@given(events=events_strategy, seed=st.integers(0, 2**16))
def test_estimate_ignores_record_order_and_account_names(
    events: list[tuple[str, str, float]], seed: int
) -> None:
    if len({a for _, a, _ in events}) < 2:
        events = [*events, (events[0][0], "zz", events[0][2] + 3.0)]
    if max(len({a for k2, a, _ in events if k2 == k}) for k, _, _ in events) < 2:
        return
    shuffled = list(events)
    random.Random(seed).shuffle(shuffled)
    names = dict(zip("abcdefz", ["q5", "m1", "z0", "b9", "k2", "a7", "c3"], strict=True))
    renamed = [(k, names[a[0]], t) for k, a, t in shuffled]
    for method in ("coornet", "gaps"):
        a = estimate_window(keyed(events), "key", method=method)
        b = estimate_window(keyed(renamed), "key", method=method)
        assert (a.raw, a.window, a.n_keys, a.n_gaps) == (b.raw, b.window, b.n_keys, b.n_gaps)


@settings(max_examples=40, deadline=None)
@given(gaps=st.lists(st.integers(0, 10_000), min_size=1, max_size=15), q1=st.floats(0, 1))
def test_gaps_window_is_whole_at_least_one_and_monotone(gaps: list[int], q1: float) -> None:
    records = two_account_keys(gaps)
    a = estimate_window(records, "key", method="gaps", quantile=q1)
    b = estimate_window(records, "key", method="gaps", quantile=min(1.0, q1 + 0.25))
    assert a.window >= 1.0 and a.window == math.floor(a.window)
    assert a.window <= b.window


def test_rounding_half_up_and_one_second_floor() -> None:
    half = estimate_window(two_account_keys([2, 3]), "key", method="gaps", quantile=0.5)
    assert (half.raw, half.window) == (2.5, 3.0)
    # The 0.975 quantile of [0, 0, 0, 0, 15] is 13.5 s, computed as 13.499999999999998.
    noisy = estimate_window(
        two_account_keys([0, 0, 0, 0, 15]), "key", method="gaps", quantile=0.975
    )
    assert noisy.raw == pytest.approx(13.5) and noisy.window == 14.0
    together = estimate_window(two_account_keys([0, 0, 0]), "key")
    assert (together.raw, together.window) == (0.0, 1.0)


def test_repeats_of_one_account_are_ignored() -> None:
    # "a" repeats the key after 1 s; the only gap between accounts is b's 30 s.
    events = [("k", "a", 0.0), ("k", "a", 1.0), ("k", "b", 30.0), ("k", "b", 31.0)]
    est = estimate_window(keyed(events), "key", method="gaps", quantile=0.0)
    assert (est.window, est.n_gaps) == (30.0, 1)


def test_layer_parameter_chooses_the_keys() -> None:
    rows = []
    gaps = zip(range(5, 55, 5), range(100, 1100, 100), strict=True)
    for i, (text_gap, target_gap) in enumerate(gaps):
        t0 = BASE + i * 100_000
        rows += [
            {"account_id": "a", "timestamp": t0, "text": f"message {i}", "target_id": f"p{i}"},
            {"account_id": "b", "timestamp": t0 + text_gap, "text": f"message {i}"},
            {"account_id": "c", "timestamp": t0 + target_gap, "target_id": f"p{i}"},
        ]
    text = estimate_window(rows, method="gaps", quantile=0.5)
    target = estimate_window(rows, "target", method="gaps", quantile=0.5)
    assert (text.layer, text.window) == ("text", 28.0)  # median of 5..50 s is 27.5 s
    assert (target.layer, target.window) == ("target", 550.0)


def test_min_accounts_changes_result() -> None:
    events = [(f"pair{i}", f"p{i}{j}", i * 1e5 + j * 5.0) for i in range(5) for j in range(2)]
    events += [
        (f"trio{i}", f"t{i}{j}", 1e7 + i * 1e5 + j * 400.0) for i in range(5) for j in range(3)
    ]
    two = estimate_window(keyed(events), "key", method="gaps", quantile=0.0)
    three = estimate_window(keyed(events), "key", method="gaps", quantile=0.0, min_accounts=3)
    assert (two.window, two.n_keys, two.min_accounts) == (5.0, 10, 2)
    assert (three.window, three.n_keys, three.min_accounts) == (400.0, 5, 3)


def test_no_key_shared_by_two_accounts_is_a_clear_error() -> None:
    events = [("k1", "a", 0.0), ("k1", "a", 5.0), ("k2", "b", 9.0)]
    with pytest.raises(ParameterError, match="at least one key used by at least 2 accounts"):
        estimate_window(keyed(events), "key")
    with pytest.raises(ParameterError, match=r"Got 'text' instead \(0 events"):
        estimate_window(keyed(events), "text")


def test_unknown_layer_is_an_error() -> None:
    with pytest.raises(ParameterError, match=r"'layer' parameter of traces.*Did you mean 'key'"):
        estimate_window(two_account_keys([5]), "kye")


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"quantile": -0.1}, "'quantile' parameter of estimate_window must be"),
        ({"quantile": 1.5}, "'quantile' parameter"),
        ({"quantile": "low"}, "'quantile' parameter"),
        ({"share": 1.0}, "'share' parameter of estimate_window must be .* < 1"),
        ({"share": -0.5}, "'share' parameter"),
        ({"share": 0.5, "method": "gaps"}, "'share' parameter .* must be None with method='gaps'"),
        ({"method": "median"}, "'method' parameter of estimate_window must be one of"),
        ({"min_accounts": 1}, "'min_accounts' parameter .* >= 2"),
        ({"min_accounts": 2.5}, "'min_accounts' parameter .* integer"),
        ({"on_invalid": "skip"}, "'on_invalid' parameter"),
    ],
)
def test_estimate_parameter_errors(kwargs: dict[str, Any], match: str) -> None:
    with pytest.raises(ParameterError, match=match):
        estimate_window(two_account_keys([5, 10]), "key", **kwargs)


def test_ingest_options_are_passed_through() -> None:
    rows = [
        {"user": "a", "time": "2024-05-01T12:00:00+00:00", "body": "hello", "title": "x"},
        {"user": "b", "time": "2024-05-01T12:00:30", "body": "hello", "title": "y"},
        {"user": "c", "time": "2024-05-01T12:01:40+00:00", "body": "other", "title": "y"},
    ]
    names = {"user": "account_id", "time": "timestamp"}
    with pytest.raises(SchemaError, match="timezone"):
        estimate_window(rows, columns={**names, "body": "text"})
    utc = estimate_window(rows, columns={**names, "body": "text"}, timezone="UTC")
    paris = estimate_window(rows, columns={**names, "body": "text"}, timezone="Europe/Paris")
    assert (utc.window, paris.window) == (30.0, 7170.0)  # 12:00:30 Paris is 10:00:30 UTC
    title = estimate_window(rows, columns={**names, "title": "text"}, timezone="UTC")
    assert title.window == 70.0  # "y": b at 12:00:30, c at 12:01:40
    bad = [*rows, {"user": "", "time": "2024-05-01T12:00:00+00:00", "body": "z"}]
    with pytest.raises(SchemaError, match="account_id"):
        estimate_window(bad, columns={**names, "body": "text"}, timezone="UTC")
    dropped = estimate_window(
        bad, columns={**names, "body": "text"}, timezone="UTC", on_invalid="drop"
    )
    assert dropped.window == 30.0


def test_records_object_accepted_and_caller_data_unchanged() -> None:
    rows = two_account_keys([5, 10, 20])
    before = copy.deepcopy(rows)
    recs = botgraph.ingest(rows)
    assert estimate_window(recs, "key") == estimate_window(rows, "key")
    assert rows == before


def test_explain_and_frozen() -> None:
    records = two_account_keys(range(5, 55, 5))
    coornet = estimate_window(records, "key")
    text = coornet.explain()
    assert "Window 5 s for layer 'key' (coornet method)" in text
    assert "of 10 keys used by at least 2 accounts, the 1 whose" in text
    gaps = estimate_window(records, "key", method="gaps").explain()
    assert "0.1 quantile of the 10 gaps" in gaps
    assert isinstance(coornet, WindowEstimate)
    with pytest.raises(dataclasses.FrozenInstanceError):
        coornet.window = 3.0  # type: ignore[misc]


# --------------------------------------------------------------------------- sweep


@pytest.fixture(scope="module")
def recs() -> botgraph.Records:
    return botgraph.ingest(synth(1))


@pytest.fixture(scope="module")
def swept(recs: botgraph.Records) -> SweepResult:
    return sweep(recs, windows=(300, 10, 60))


def test_sweep_rows_follow_sorted_windows(swept: SweepResult) -> None:
    assert swept.windows == (10.0, 60.0, 300.0)
    assert [r.window for r in swept.rows] == list(swept.windows)
    assert len(swept.detections) == 3
    assert all(isinstance(d, botgraph.Detection) for d in swept.detections)
    assert swept.detection(60) is swept.detections[1]
    with pytest.raises(KeyError):
        swept.detection(61)


def test_sweep_rows_match_direct_detection(recs: botgraph.Records, swept: SweepResult) -> None:
    for row, det in zip(swept.rows, swept.detections, strict=True):
        direct = botgraph.detect(recs, window=row.window)
        assert row.n_edges == len(direct.network) == len(det.network)
        assert row.n_clusters == len(direct.clusters)
        assert row.n_flagged == len(direct.flagged)
        assert det.flagged == direct.flagged


def test_sweep_stability_columns(swept: SweepResult) -> None:
    first = swept.rows[0]
    assert math.isnan(first.ari) and math.isnan(first.jaccard)
    for i in range(1, len(swept.rows)):
        prev, det, row = swept.detections[i - 1], swept.detections[i], swept.rows[i]
        a = {m: c.id for c in prev.clusters for m in c.members}
        b = {m: c.id for c in det.clusters for m in c.members}
        union = sorted(a.keys() | b.keys())
        if not union:
            assert math.isnan(row.ari) and math.isnan(row.jaccard)
            continue
        ari = adjusted_rand_index(
            [a.get(x, f"single {x}") for x in union], [b.get(x, f"single {x}") for x in union]
        )
        assert row.ari == pytest.approx(ari)
        assert row.jaccard == pytest.approx(len(a.keys() & b.keys()) / len(union))
        assert -1.0 <= row.ari <= 1.0 and 0.0 <= row.jaccard <= 1.0


def test_sweep_sees_the_slow_network_only_at_wide_windows(swept: SweepResult) -> None:
    # Network "a" follows itself every 3 s, network "b" every 100 s.
    flagged = [set(d.flagged) for d in swept.detections]
    bots_a = {f"bota{i}" for i in range(5)}
    bots_b = {f"botb{i}" for i in range(5)}
    assert all(bots_a <= f for f in flagged)
    assert not (bots_b & flagged[0]) and not (bots_b & flagged[1]) and bots_b <= flagged[2]
    assert swept.rows[2].jaccard < 1.0 and swept.rows[2].ari < 1.0
    middle = swept.rows[1]
    assert middle.stability == pytest.approx((middle.ari + swept.rows[2].ari) / 2)
    assert math.isnan(swept.rows[0].stability) and math.isnan(swept.rows[2].stability)
    assert swept.most_stable() == 60.0


def test_sweep_passes_detect_kwargs(recs: botgraph.Records, swept: SweepResult) -> None:
    strict = sweep(recs, windows=(10, 60, 300), min_cluster_size=6)
    assert [r.n_flagged for r in strict.rows] == [0, 0, 0]  # both networks have 5 accounts
    assert [r.n_flagged for r in swept.rows] != [0, 0, 0]
    assert all(d.parameters["min_cluster_size"] == 6 for d in strict.detections)
    assert all(math.isnan(r.ari) for r in strict.rows)
    loose = sweep(recs, windows=(10, 60), min_cluster_size=2, method="components")
    direct = botgraph.detect(recs, window=60, min_cluster_size=2, method="components")
    assert loose.rows[1].n_flagged == len(direct.flagged)
    assert loose.detections[1].parameters["method"] == "components"


def test_sweep_ingest_options(recs: botgraph.Records) -> None:
    def naive(t: float) -> str:  # the UTC wall-clock time, without an offset
        return datetime.fromtimestamp(t, UTC).replace(tzinfo=None).isoformat()

    rows = [
        {"user": r["account_id"], "time": naive(r["timestamp"]), "body": r["text"]}
        for r in synth(1)
    ]
    rows.append({"user": "", "time": naive(BASE), "body": "broken row"})
    names = {"user": "account_id", "time": "timestamp", "body": "text"}
    with pytest.raises(SchemaError, match="timezone"):
        sweep(rows, windows=(10,), columns=names, on_invalid="drop")
    with pytest.raises(SchemaError, match="account_id"):
        sweep(rows, windows=(10,), columns=names, timezone="UTC")
    res = sweep(rows, windows=(10,), columns=names, timezone="UTC", on_invalid="drop")
    assert res.detections[0].flagged == botgraph.detect(recs, window=10).flagged
    assert len(res.detections[0].rejected) == 1


def test_sweep_default_windows(recs: botgraph.Records) -> None:
    res = sweep(recs)
    assert res.windows == DEFAULT_SWEEP_WINDOWS
    assert len(res.rows) == len(DEFAULT_SWEEP_WINDOWS)


@pytest.mark.parametrize(
    ("windows", "match"),
    [
        ((), r"non-empty sequence .* Got \[\]"),
        ((10, -5), "Got -5 instead"),
        ((0, 10), "Got 0 instead"),
        ((10, 10.0), r"distinct .* Got \[10, 10.0\]"),
        ((10, float("nan")), "Got nan instead"),
        ((10, "60"), "Got '60' instead"),
        ("10,60", "Got '10,60' instead"),
        ({"text": 60}, "Got {'text': 60} instead"),
        (60, "Got 60 instead"),
    ],
)
def test_sweep_rejects_bad_windows(windows: Any, match: str) -> None:
    with pytest.raises(ParameterError, match="'windows' parameter of sweep must be .*" + match):
        sweep(two_account_keys([5]), windows=windows)


def test_sweep_rejects_window_and_unknown_kwargs() -> None:
    with pytest.raises(ParameterError, match="'window' parameter of sweep must not be given"):
        sweep(two_account_keys([5]), windows=(10,), window=60)
    with pytest.raises(ParameterError, match=r"must be parameters of detect .* Got 'min_cluster'"):
        sweep(two_account_keys([5]), windows=(10,), min_cluster=3)
    with pytest.raises(ParameterError, match="'min_cluster_size' parameter of detect"):
        sweep(two_account_keys([5]), windows=(10,), min_cluster_size=1)


def test_table_pandas_summary_repr(swept: SweepResult) -> None:
    table = swept.table()
    assert list(table) == [
        "window",
        "n_edges",
        "n_clusters",
        "n_flagged",
        "ari",
        "jaccard",
        "stability",
    ]
    assert table["window"] == [10.0, 60.0, 300.0]
    assert table["n_flagged"] == [r.n_flagged for r in swept.rows]
    pytest.importorskip("pandas")
    frame = swept.to_pandas()
    assert frame.shape == (3, 7) and frame["window"].tolist() == [10.0, 60.0, 300.0]
    text = swept.summary()
    assert "most stable window: 60 s" in text and len(text.splitlines()) == 5
    assert repr(swept).startswith("SweepResult(windows=3, flagged={10:")
    with pytest.raises(dataclasses.FrozenInstanceError):
        swept.windows = ()  # type: ignore[misc]


# --------------------------------------------------------------------------- most_stable


def row(window: float, ari: float, jaccard: float, stability: float, flagged: int = 5) -> SweepRow:
    return SweepRow(window, 10, 1, flagged, ari, jaccard, stability)


def test_most_stable_prefers_highest_mean_ari() -> None:
    nan = math.nan
    rows = (
        row(10, nan, nan, nan),
        row(30, 0.9, 1.0, 0.7),
        row(60, 0.5, 0.8, 0.75),
        row(120, 1.0, 1.0, nan),
    )
    res = SweepResult(windows=(10, 30, 60, 120), rows=rows, detections=())
    # The end window 120 agrees best with its one neighbour but is never chosen.
    assert res.most_stable() == 60


def test_most_stable_ties_go_to_jaccard_then_smaller_window() -> None:
    nan = math.nan
    rows = (
        row(10, nan, nan, nan),
        row(30, 0.6, 0.5, 0.6),
        row(60, 0.6, 0.9, 0.6),
        row(120, 0.6, 0.9, 0.6),
        row(300, 0.6, 0.9, nan),
    )
    res = SweepResult(windows=(10, 30, 60, 120, 300), rows=rows, detections=())
    assert res.most_stable() == 60  # 30: Jaccard (0.5+0.9)/2 < 0.9; 60 and 120 tie: smaller
    even = SweepResult(
        windows=(10, 30, 60),
        rows=(row(10, nan, nan, nan), row(30, 1.0, 1.0, 1.0), row(60, 1.0, 1.0, nan)),
        detections=(),
    )
    assert even.most_stable() == 30


def test_most_stable_undefined_is_an_error(recs: botgraph.Records) -> None:
    two = sweep(recs, windows=(10, 60))
    with pytest.raises(ParameterError, match="at least three windows"):
        two.most_stable()
    assert "most stable window: undefined" in two.summary()
    nothing = sweep(recs, windows=(10, 60, 300), min_cluster_size=50)
    assert all(math.isnan(r.stability) for r in nothing.rows)
    with pytest.raises(ParameterError, match="Got windows"):
        nothing.most_stable()


# --------------------------------------------------------------------------- _compare


def fake(assignment: dict[str, int]) -> Any:
    groups: dict[int, list[str]] = defaultdict(list)
    for account, cluster in assignment.items():
        groups[cluster].append(account)
    return SimpleNamespace(
        clusters=[SimpleNamespace(id=c, members=tuple(sorted(m))) for c, m in groups.items()]
    )


@settings(max_examples=80, deadline=None)
@given(
    a=st.dictionaries(st.sampled_from("abcdefghij"), st.integers(0, 3)),
    b=st.dictionaries(st.sampled_from("abcdefghij"), st.integers(0, 3)),
)
def test_compare_bounds_and_symmetry(a: dict[str, int], b: dict[str, int]) -> None:
    ari, jac = _compare(fake(a), fake(b))
    if not a and not b:
        assert math.isnan(ari) and math.isnan(jac)
        return
    assert -1.0 <= ari <= 1.0 + 1e-12 and 0.0 <= jac <= 1.0
    assert (ari, jac) == pytest.approx(_compare(fake(b), fake(a)))
    if a:
        assert _compare(fake(a), fake(a)) == (1.0, 1.0)


def test_compare_known_values() -> None:
    # Same accounts regrouped: Jaccard 1, ARI of {ab}{cd} vs {abcd} = 0.
    ari, jac = _compare(fake({"a": 0, "b": 0, "c": 1, "d": 1}), fake(dict.fromkeys("abcd", 0)))
    assert (ari, jac) == (0.0, 1.0)
    # One run flags nothing: every account is a singleton there.
    assert _compare(fake({}), fake({"a": 0, "b": 0})) == (0.0, 0.0)
    # Cluster ids are labels only; an unflagged account never joins a cluster.
    ari, jac = _compare(fake({"a": 0, "b": 0}), fake({"a": 7, "b": 7, "c": 9, "d": 9}))
    assert jac == 0.5
    assert ari == pytest.approx(adjusted_rand_index(["x", "x", "c", "d"], [1, 1, 2, 2]))
