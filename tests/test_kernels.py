"""project_edges: identical to aggregate_pairs(project_partition(...)), on both engines."""

from __future__ import annotations

import logging
import subprocess
import sys
from typing import Any

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import botgraph._kernels as kernels
from botgraph._jit import LazyKernels
from botgraph._kernels import EdgeArrays, numba_available, project_edges
from botgraph.errors import MissingDependencyError, ParameterError
from botgraph.projection import aggregate_pairs, project_partition

COLUMNS = (
    "account_a",
    "account_b",
    "pairs",
    "keys",
    "matched",
    "min_dt",
    "median_dt",
    "key_weight",
    "evidence_indptr",
    "evidence_record",
)
Events = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]


@pytest.fixture(scope="module")
def numba_engine() -> str:
    pytest.importorskip("numba")
    assert numba_available()
    return "numba"


@pytest.fixture(params=["numpy", "numba"])
def engine(request: pytest.FixtureRequest) -> str:
    """Each engine in turn (the numba one skipped when numba is not installed)."""
    if request.param == "numba":
        return str(request.getfixturevalue("numba_engine"))
    return str(request.param)


def _sorted(acc: Any, key: Any, time: Any, rec: Any) -> Events:
    """Events in traces' order: key, time, account, record."""
    acc, key, rec = (np.asarray(x, dtype=np.int64) for x in (acc, key, rec))
    time = np.asarray(time, dtype=np.float64)
    order = np.lexsort((rec, acc, time, key))
    return acc[order], key[order], time[order], rec[order]


def _random_events(
    rng: np.random.Generator,
    n: int,
    *,
    n_keys: int,
    n_accounts: int,
    span: float,
    fractional: bool = False,
) -> Events:
    """Random events; integer times in a short span give many exact ties."""
    key = rng.integers(0, n_keys, n)
    acc = rng.integers(0, n_accounts, n)
    time = rng.random(n) * span if fractional else rng.integers(0, int(span), n).astype(float)
    return _sorted(acc, key, time, rng.permutation(n))


def _reference(
    events: Events, *, window: float, n_accounts: int, spec: np.ndarray, max_evidence: int
) -> dict[str, np.ndarray]:
    graph = aggregate_pairs(
        project_partition(*events, window=window),
        layer="x",
        window=window,
        accounts=np.empty(n_accounts, dtype=object),
        record_ids=np.empty(0, dtype=object),
        key_specificity=spec,
        max_evidence=max_evidence,
    )
    return {c: getattr(graph, c) for c in COLUMNS}


def _filtered(want: dict[str, np.ndarray], min_pairs: int, min_keys: int) -> dict[str, np.ndarray]:
    """The reference's edges with at least *min_pairs* pairs and *min_keys* keys."""
    keep = (want["pairs"] >= min_pairs) & (want["keys"] >= min_keys)
    per_edge = np.diff(want["evidence_indptr"])
    out = {c: want[c][keep] for c in COLUMNS[:-2]}
    out["evidence_indptr"] = np.concatenate([[0], np.cumsum(per_edge[keep])]).astype(np.int64)
    out["evidence_record"] = want["evidence_record"][np.repeat(keep, per_edge)]
    return out


def _assert_identical(got: EdgeArrays, want: dict[str, np.ndarray]) -> None:
    for column in COLUMNS:
        a, b = getattr(got, column), want[column]
        assert a.dtype == b.dtype, column
        assert a.shape == b.shape, column
        # Bit-for-bit, floats included.
        assert a.tobytes() == b.tobytes(), column


def _check(
    events: Events,
    *,
    window: float,
    engine: str,
    max_evidence: int = 3,
    min_pairs: int = 1,
    min_keys: int = 1,
    n_accounts: int | None = None,
    spec: np.ndarray | None = None,
    **options: Any,
) -> EdgeArrays:
    acc, key = events[0], events[1]
    if n_accounts is None:
        n_accounts = int(acc.max()) + 1 if acc.size else 0
    if spec is None:
        # Irrational-ish weights: a different summation order would show in the bits.
        spec = np.log1p(np.arange(1, (int(key.max()) + 2 if key.size else 1)) / 7.0) + 0.1
    got = project_edges(
        *events,
        window=window,
        n_accounts=n_accounts,
        key_specificity=spec,
        max_evidence=max_evidence,
        min_pairs=min_pairs,
        min_keys=min_keys,
        engine=engine,
        **options,
    )
    assert got.engine == engine
    want = _reference(
        events, window=window, n_accounts=n_accounts, spec=spec, max_evidence=max_evidence
    )
    assert got.n_pairs == int(want["pairs"].sum())
    _assert_identical(got, _filtered(want, min_pairs, min_keys))
    return got


# ------------------------------------------------------------------ equality with the reference


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("window", [0.0, 1.0, 7.0, 60.0])
def test_random_integer_times_with_ties(engine: str, seed: int, window: float) -> None:
    rng = np.random.default_rng(seed)
    events = _random_events(rng, 400, n_keys=8, n_accounts=25, span=120)
    got = _check(events, window=window, engine=engine)
    if window >= 7:
        assert len(got) > 0


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("window", [0.3, 2.5, 10.0])
def test_random_fractional_times(engine: str, seed: int, window: float) -> None:
    rng = np.random.default_rng(100 + seed)
    events = _random_events(rng, 400, n_keys=6, n_accounts=20, span=50, fractional=True)
    _check(events, window=window, engine=engine)


@pytest.mark.parametrize("seed", range(3))
def test_tenths_of_seconds_round_at_the_window_boundary(engine: str, seed: int) -> None:
    # Multiples of 0.1 make t_i + window round above or below t_j: the float comparison
    # must be the same one projection makes.
    rng = np.random.default_rng(200 + seed)
    acc = rng.integers(0, 10, 300)
    key = rng.integers(0, 3, 300)
    time = rng.integers(0, 100, 300) / 10.0
    events = _sorted(acc, key, time, np.arange(300))
    for window in (0.1, 0.2, 0.3, 0.7):
        _check(events, window=window, engine=engine)


def test_window_boundary_is_inclusive(engine: str) -> None:
    events = _sorted([0, 1, 2], [0, 0, 0], [0.0, 10.0, 20.0 + 1e-9], [0, 1, 2])
    got = _check(events, window=10.0, engine=engine)
    assert (got.account_a.tolist(), got.account_b.tolist()) == ([0], [1])
    assert got.min_dt.tolist() == [10.0]
    # 0.1 + 0.2 rounds up to 0.30000000000000004 >= 0.3: the pair is in the window.
    events = _sorted([0, 1], [0, 0], [0.1, 0.3], [0, 1])
    assert len(_check(events, window=0.2, engine=engine)) == 1


def test_equal_timestamps_and_zero_window(engine: str) -> None:
    events = _sorted([0, 1, 2, 3, 0], [5, 5, 5, 5, 5], [7.0, 7.0, 7.0, 8.0, 7.0], range(5))
    got = _check(events, window=0.0, engine=engine)
    # Time 7: account 0 twice, 1 and 2 once; account 3 is a second late.
    assert got.pairs.tolist() == [2, 2, 1]
    assert got.min_dt.tolist() == [0.0, 0.0, 0.0]


def test_account_repeating_a_key(engine: str) -> None:
    # Account 0 posts the key four times, account 1 twice: pairs multiply, matched does not.
    events = _sorted([0, 0, 1, 0, 1, 0], [3] * 6, [0, 1, 2, 3, 4, 5], [10, 11, 12, 13, 14, 15])
    got = _check(events, window=60.0, engine=engine)
    assert got.pairs.tolist() == [8]
    assert got.matched.tolist() == [2]
    assert got.keys.tolist() == [1]


def test_two_records_sharing_several_keys(engine: str) -> None:
    # Records 10 and 11 each carry keys 0, 1 and 2: three pairs and keys, one episode.
    events = _sorted([0, 1] * 3, [0, 0, 1, 1, 2, 2], [5.0, 6.0] * 3, [10, 11] * 3)
    got = _check(events, window=60.0, engine=engine)
    assert (got.pairs.tolist(), got.keys.tolist(), got.matched.tolist()) == ([3], [3], [1])


def test_single_key_with_every_event(engine: str) -> None:
    # One key, all events within the window: large buckets (radix sorted) per account.
    rng = np.random.default_rng(7)
    events = _sorted(rng.integers(0, 40, 600), np.zeros(600), rng.integers(0, 30, 600), range(600))
    got = _check(events, window=30.0, engine=engine)
    assert int(got.pairs.max()) > 100
    assert got.keys.tolist() == [1] * len(got)


def test_heavy_tailed_accounts_and_keys(engine: str) -> None:
    rng = np.random.default_rng(8)
    n = 3000
    acc = np.minimum(rng.zipf(1.6, n) - 1, 199)
    key = np.minimum(rng.zipf(1.4, n) - 1, 499)
    events = _sorted(acc, key, rng.integers(0, 3000, n), rng.permutation(n))
    _check(events, window=60.0, engine=engine, n_accounts=200)


def test_duplicate_record_indices(engine: str) -> None:
    # traces never emits two events of one key from one record, but the definition of
    # matched (distinct records) is kept even then.
    rng = np.random.default_rng(9)
    acc = rng.integers(0, 6, 300)
    events = _sorted(
        acc, rng.integers(0, 3, 300), rng.integers(0, 40, 300), rng.integers(0, 30, 300)
    )
    _check(events, window=10.0, engine=engine)


def test_only_key_then_time_order_is_required(engine: str) -> None:
    # Ties in time in any account/record order.
    rng = np.random.default_rng(10)
    key = np.sort(rng.integers(0, 4, 300))
    time = np.zeros(300)
    for k in range(4):
        at = key == k
        time[at] = np.sort(rng.integers(0, 20, int(at.sum())))
    events = (rng.integers(0, 12, 300), key, time, rng.permutation(300))
    _check(events, window=3.0, engine=engine)


def test_empty_input(engine: str) -> None:
    e = np.zeros(0, dtype=np.int64)
    got = _check((e, e, np.zeros(0), e), window=60.0, engine=engine, n_accounts=0)
    assert len(got) == 0
    assert got.evidence_indptr.tolist() == [0]
    assert got.n_pairs == 0


def test_no_pairs(engine: str) -> None:
    events = _sorted([0, 1, 0], [0, 1, 2], [0.0, 0.0, 0.0], [0, 1, 2])
    got = _check(events, window=60.0, engine=engine, n_accounts=5)
    assert len(got) == 0


@pytest.mark.parametrize("max_evidence", [1, 2, 5])
def test_max_evidence_changes_the_evidence(engine: str, max_evidence: int) -> None:
    rng = np.random.default_rng(11)
    events = _random_events(rng, 300, n_keys=3, n_accounts=6, span=40)
    got = _check(events, window=10.0, engine=engine, max_evidence=max_evidence)
    per_edge = np.diff(got.evidence_indptr) // 2
    assert per_edge.tolist() == np.minimum(got.pairs, max_evidence).tolist()
    assert int(per_edge.max()) == max_evidence


@pytest.mark.parametrize(("min_pairs", "min_keys"), [(2, 1), (1, 2), (3, 2), (50, 1)])
def test_min_pairs_and_min_keys_drop_edges(engine: str, min_pairs: int, min_keys: int) -> None:
    rng = np.random.default_rng(16)
    events = _random_events(rng, 600, n_keys=6, n_accounts=25, span=1500)
    every = project_edges(
        *events, window=30, n_accounts=25, key_specificity=np.ones(6), engine=engine
    )
    got = _check(events, window=30.0, engine=engine, min_pairs=min_pairs, min_keys=min_keys)
    assert 0 <= len(got) < len(every)
    assert np.all(got.pairs >= min_pairs)
    assert np.all(got.keys >= min_keys)
    assert got.n_pairs == every.n_pairs


def _filtered_scenarios() -> dict[str, tuple[Events, float]]:
    """Edge cases for min_pairs/min_keys: ties, equal times, repeats, window edges."""
    rng = np.random.default_rng(21)
    n = 1500
    heavy = _sorted(
        np.minimum(rng.zipf(1.6, n) - 1, 99),
        np.minimum(rng.zipf(1.4, n) - 1, 199),
        rng.integers(0, 1500, n),
        rng.permutation(n),
    )
    return {
        "ties": (_random_events(rng, 500, n_keys=5, n_accounts=20, span=60), 7.0),
        "fractional": (
            _random_events(rng, 400, n_keys=4, n_accounts=15, span=40, fractional=True),
            2.5,
        ),
        # Time 7: accounts 0 and 1 twice each, 2 once; 3 a second late (zero window).
        "equal_times": (_sorted([0, 1, 2, 3, 0, 1], [5] * 6, [7, 7, 7, 8, 7, 7], range(6)), 0.0),
        # Account 0 repeats the key: its pairs with 1 multiply, 2 comes too late.
        "repeating": (
            _sorted([0, 0, 1, 0, 1, 0, 2], [3] * 7, [0, 1, 2, 3, 4, 5, 70], range(10, 17)),
            60.0,
        ),
        # 0 and 1 meet exactly at the window on key 0; just outside it on key 1.
        "window_edge": (
            _sorted([0, 1, 0, 1, 2], [0, 0, 1, 1, 1], [0.0, 10.0, 50.0, 60.0 + 1e-9, 60.0],
                    range(5)),
            10.0,
        ),
        "heavy": (heavy, 60.0),
    }  # fmt: skip


@pytest.mark.parametrize("scenario", sorted(_filtered_scenarios()))
@pytest.mark.parametrize(("min_pairs", "min_keys"), [(2, 1), (3, 1), (1, 2), (2, 2)])
@pytest.mark.parametrize(("chunk_pairs", "threads"), [(10**9, 1), (10**9, 3), (4, 2), (1, 1)])
def test_filtered_path_equals_reference(
    numba_engine: str, scenario: str, min_pairs: int, min_keys: int, chunk_pairs: int, threads: int
) -> None:
    # min_pairs or min_keys above 1: partners first, then only the kept pairs in full;
    # small chunk_pairs split it into several account ranges and kept sub-ranges.
    events, window = _filtered_scenarios()[scenario]
    got = _check(
        events,
        window=window,
        engine=numba_engine,
        min_pairs=min_pairs,
        min_keys=min_keys,
        chunk_pairs=chunk_pairs,
        threads=threads,
    )
    assert np.all(got.pairs >= min_pairs) and np.all(got.keys >= min_keys)


def test_filtered_path_repeats_and_window_edge_by_hand(numba_engine: str) -> None:
    events, window = _filtered_scenarios()["repeating"]
    got = _check(events, window=window, engine=numba_engine, min_pairs=2)
    assert (got.account_a.tolist(), got.account_b.tolist(), got.pairs.tolist()) == ([0], [1], [8])
    events, window = _filtered_scenarios()["window_edge"]
    got = _check(events, window=window, engine=numba_engine, min_pairs=2)
    assert len(got) == 0  # 0-1 co-act once (at exactly 10 s); the second gap is 10 + 1e-9
    got = _check(events, window=window, engine=numba_engine, min_pairs=1)
    assert got.pairs.tolist() == [1, 1, 1]
    events, window = _filtered_scenarios()["equal_times"]
    got = _check(events, window=window, engine=numba_engine, min_pairs=2)
    assert (got.account_a.tolist(), got.account_b.tolist(), got.pairs.tolist()) == (
        [0, 0, 1],
        [1, 2, 2],
        [4, 2, 2],
    )


#: Small event lists (account, key, time) with ties, equal and fractional times.
_EVENT_ROWS = st.lists(
    st.tuples(
        st.integers(0, 5),  # account
        st.integers(0, 3),  # key
        st.one_of(st.integers(0, 30).map(float), st.floats(0, 30, allow_nan=False)),
    ),
    max_size=60,
)


@settings(max_examples=60, deadline=None)
@given(
    rows=_EVENT_ROWS,
    window=st.sampled_from([0.0, 1.0, 3.0, 10.0]),
    min_pairs=st.integers(1, 4),
    min_keys=st.integers(1, 3),
    chunk_pairs=st.sampled_from([1, 3, 10**9]),
    threads=st.integers(1, 3),
)
def test_property_filtered_equal_to_reference(
    rows: list[tuple[int, int, float]],
    window: float,
    min_pairs: int,
    min_keys: int,
    chunk_pairs: int,
    threads: int,
) -> None:
    pytest.importorskip("numba")
    acc, key, time = ([r[i] for r in rows] for i in range(3))
    events = _sorted(acc, key, time, range(len(rows)))
    _check(
        events,
        window=window,
        engine="numba",
        n_accounts=6,
        min_pairs=min_pairs,
        min_keys=min_keys,
        chunk_pairs=chunk_pairs,
        threads=threads,
    )


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("parts", [1, 2, 3, 7])
def test_thread_cuts_balance_the_candidate_pairs(numba_engine: str, seed: int, parts: int) -> None:
    # _k_cuts finds the positions numpy.searchsorted finds on the running pair counts.
    compiled = kernels._compiled()
    assert compiled is not None
    rng = np.random.default_rng(seed)
    n = int(rng.integers(0, 50))
    span = rng.integers(1, 6, n) * (rng.random(n) < 0.7) + 1
    ends = np.minimum(np.arange(n) + span, n).astype(np.int32)
    cut = np.zeros(parts + 1, dtype=np.int64)
    compiled["_k_cuts"](ends, cut)
    cumulative = np.cumsum(ends - np.arange(n))
    assert cut.tolist() == kernels._splits(cumulative.astype(np.int64), parts)


def test_wide_codes_use_int64_payload(numba_engine: str) -> None:
    # Record indices beyond int32 switch the kernel to its int64 payload.
    rng = np.random.default_rng(12)
    acc, key, time, rec = _random_events(rng, 200, n_keys=4, n_accounts=10, span=60)
    rec = rec + 2**40
    _check((acc, key, time, rec), window=10.0, engine=numba_engine)


@pytest.mark.parametrize("chunk_pairs", [1, 5, 10**9])
def test_chunk_pairs_never_changes_the_result(
    numba_engine: str, chunk_pairs: int, caplog: pytest.LogCaptureFixture
) -> None:
    rng = np.random.default_rng(13)
    events = _random_events(rng, 400, n_keys=5, n_accounts=30, span=100)
    with caplog.at_level(logging.DEBUG, logger="botgraph"):
        _check(events, window=20.0, engine=numba_engine, chunk_pairs=chunk_pairs)
    ranges = [r.getMessage() for r in caplog.records if "account range" in r.getMessage()]
    single = "1 account range(s)" in ranges[-1]
    assert single == (chunk_pairs == 10**9)


@pytest.mark.parametrize("threads", [1, 2, 3])
def test_threads_never_change_the_result(
    numba_engine: str, threads: int, caplog: pytest.LogCaptureFixture
) -> None:
    rng = np.random.default_rng(14)
    events = _random_events(rng, 500, n_keys=5, n_accounts=30, span=100)
    with caplog.at_level(logging.DEBUG, logger="botgraph"):
        _check(events, window=20.0, engine=numba_engine, threads=threads, chunk_pairs=300)
    runs = [r.getMessage() for r in caplog.records if "thread(s)" in r.getMessage()]
    assert f"{threads} thread(s)" in runs[-1]


@settings(max_examples=80, deadline=None)
@given(
    rows=_EVENT_ROWS,
    window=st.sampled_from([0.0, 0.5, 1.0, 3.0, 10.0]),
    max_evidence=st.integers(1, 4),
)
def test_property_equal_to_reference(
    rows: list[tuple[int, int, float]], window: float, max_evidence: int
) -> None:
    pytest.importorskip("numba")
    acc, key, time = ([r[i] for r in rows] for i in range(3))
    events = _sorted(acc, key, time, range(len(rows)))
    got = _check(events, window=window, engine="numba", max_evidence=max_evidence, n_accounts=6)
    assert np.all(got.account_a < got.account_b)
    assert np.all(got.min_dt <= got.median_dt)


# ------------------------------------------------------------------ engines and fallback


def test_auto_engine_falls_back_to_numpy(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(kernels, "_compiled", lambda: None)
    events = _sorted([0, 1], [0, 0], [0.0, 1.0], [0, 1])
    got = project_edges(*events, window=5, n_accounts=2, key_specificity=np.ones(1))
    assert got.engine == "numpy"
    assert not numba_available()
    with pytest.raises(MissingDependencyError, match="needs numba"):
        project_edges(*events, window=5, n_accounts=2, key_specificity=np.ones(1), engine="numba")


def test_broken_numba_is_logged_and_avoided(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    pytest.importorskip("numba")

    def broken(_: object) -> None:
        raise RuntimeError("no compiler today")

    monkeypatch.setattr(kernels, "_KERNELS_LOADED", LazyKernels(kernels._load_kernels))
    monkeypatch.setattr(kernels, "_warm_up", broken)
    with caplog.at_level(logging.WARNING, logger="botgraph"):
        assert kernels._compiled() is None
    assert "no compiler today" in caplog.text


def test_auto_engine_uses_numba_when_installed(numba_engine: str) -> None:
    events = _sorted([0, 1], [0, 0], [0.0, 1.0], [0, 1])
    got = project_edges(*events, window=5, n_accounts=2, key_specificity=np.ones(1))
    assert got.engine == numba_engine


def test_importing_botgraph_does_not_import_numba() -> None:
    code = "import sys, botgraph, botgraph._kernels; print('numba' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_caller_arrays_are_not_modified(engine: str) -> None:
    rng = np.random.default_rng(15)
    events = _random_events(rng, 200, n_keys=3, n_accounts=8, span=30)
    spec = np.ones(3)
    for array in (*events, spec):
        array.setflags(write=False)
    copies = [a.copy() for a in (*events, spec)]
    project_edges(*events, window=5, n_accounts=8, key_specificity=spec, engine=engine)
    for array, copy in zip((*events, spec), copies, strict=True):
        assert np.array_equal(array, copy)


# ------------------------------------------------------------------ errors


def _call(**overrides: Any) -> EdgeArrays:
    args: dict[str, Any] = {
        "event_account": np.array([0, 1]),
        "event_key": np.array([0, 0]),
        "event_time": np.array([0.0, 1.0]),
        "event_record": np.array([0, 1]),
        "window": 5.0,
        "n_accounts": 2,
        "key_specificity": np.ones(2),
    }
    args.update(overrides)
    return project_edges(**args)


@pytest.mark.parametrize(
    ("overrides", "match"),
    [
        ({"window": -1.0}, r"'window' parameter of project_edges must be a finite number >= 0"),
        ({"window": float("inf")}, r"'window' parameter .* Got inf instead"),
        ({"max_evidence": 0}, r"'max_evidence' parameter .* integer >= 1. Got 0"),
        ({"min_pairs": 0}, r"'min_pairs' parameter .* integer >= 1. Got 0"),
        ({"min_keys": 1.5}, r"'min_keys' parameter .* integer >= 1. Got 1.5"),
        ({"n_accounts": -1}, r"'n_accounts' parameter .* Got -1 instead"),
        ({"n_accounts": 2**31}, r"'n_accounts' parameter .* <= 2147483647"),
        ({"chunk_pairs": 0}, r"'chunk_pairs' parameter .* Got 0 instead"),
        ({"threads": 0}, r"'threads' parameter .* Got 0 instead"),
        ({"engine": "gpu"}, r"'engine' parameter .* one of 'auto', 'numba', 'numpy'"),
        ({"event_time": np.array([0.0])}, r"'event_time' parameter .* as long as 'event_key'"),
        ({"event_key": np.zeros((2, 1))}, r"'event_key' parameter .* 1-D array. Got shape"),
        ({"event_account": np.array([0, 2])}, r"account codes in \[0, n_accounts=2\)"),
        ({"event_account": np.array([-1, 0])}, r"Got values from -1 to 0 instead"),
        ({"key_specificity": np.ones(0)}, r"'key_specificity' .* entry for every key code"),
        ({"key_specificity": np.ones((1, 1))}, r"'key_specificity' .* 1-D array"),
        ({"event_time": np.array([0.0, np.nan])}, r"'event_time' .* finite times. Got nan"),
        ({"event_time": np.array([1.0, 0.0])}, r"sorted by key, then time. Got event 1"),
        ({"event_key": np.array([1, 0])}, r"sorted by key, then time. Got event 1 \(key 0"),
    ],
)
def test_bad_parameters(overrides: dict[str, Any], match: str) -> None:
    with pytest.raises(ParameterError, match=match):
        _call(**overrides)


def test_bucket_limit(numba_engine: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(kernels, "_MAX_BUCKET", 1)
    events = _sorted([0, 1, 2], [0, 0, 0], [0.0, 1.0, 2.0], [0, 1, 2])
    with pytest.raises(ParameterError, match=r"at most 1 pairs per account. Got 2"):
        project_edges(*events, window=5, n_accounts=3, key_specificity=np.ones(1))


@pytest.mark.parametrize("heavy", [False, True])
@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_expected_coactions_equals_scipy_path(seed: int, heavy: bool) -> None:
    from botgraph._kernels import expected_coactions
    from botgraph.significance import _expected_scipy

    gen = np.random.default_rng(seed)
    n_accounts, n_keys = 40, 25
    dense = gen.poisson(0.4, size=(n_accounts, n_keys)) * (gen.random((n_accounts, n_keys)) < 0.5)
    if heavy:  # account 0 uses every key, account 1 one or two: the binary-search path
        n_keys = 400
        dense = gen.poisson(0.02, size=(n_accounts, n_keys))
        dense[0] = 1 + gen.poisson(1.0, size=n_keys)
        dense[1] = 0
        dense[1, gen.choice(n_keys, size=2, replace=False)] = 1
    incidence = sp.csr_array(dense.astype(np.float64))
    incidence.sort_indices()
    rate = gen.random(n_keys) * gen.choice([0.01, 1.0, 10.0], size=n_keys)
    a, b = np.triu_indices(n_accounts, 1)
    fast = expected_coactions(
        incidence.indptr,
        incidence.indices,
        incidence.data,
        rate,
        a.astype(np.int64),
        b.astype(np.int64),
    )
    assert fast is not None
    reference = _expected_scipy(incidence, rate, a.astype(np.int64), b.astype(np.int64))
    assert np.array_equal(fast, reference)
    # Brute force on the dense matrix.
    brute = np.minimum(dense[a] * dense[b] * rate, np.minimum(dense[a], dense[b])).sum(axis=1)
    assert np.allclose(fast, brute)
    assert (fast > 0).any()
    if heavy:
        assert fast[0] > 0  # the pair (0, 1) shares the light account's keys


def test_expected_coactions_threaded_slices_equal_scipy_path() -> None:
    from botgraph._kernels import expected_coactions
    from botgraph.significance import _expected_scipy

    gen = np.random.default_rng(7)
    n_accounts, n_keys = 460, 30  # > 10^5 pairs: the kernel runs in edge slices
    dense = gen.poisson(0.3, size=(n_accounts, n_keys))
    incidence = sp.csr_array(dense.astype(np.float64))
    incidence.sort_indices()
    rate = gen.random(n_keys)
    a, b = (x.astype(np.int64) for x in np.triu_indices(n_accounts, 1))
    assert a.shape[0] >= 100_000
    fast = expected_coactions(incidence.indptr, incidence.indices, incidence.data, rate, a, b)
    assert fast is not None
    assert np.array_equal(fast, _expected_scipy(incidence, rate, a, b))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_expected_coactions_in_any_edge_order(seed: int) -> None:
    # The row of account_a is scattered once per run of its edges; shuffled edges
    # (runs broken up, a pair given both ways round) must give the same sums.
    from botgraph._kernels import expected_coactions
    from botgraph.significance import _expected_scipy

    gen = np.random.default_rng(30 + seed)
    n_accounts, n_keys = 50, 200
    dense = gen.poisson(0.2, size=(n_accounts, n_keys))
    dense[3] = 1 + gen.poisson(1.0, size=n_keys)  # long rows: both walking strategies
    incidence = sp.csr_array(dense.astype(np.float64))
    incidence.sort_indices()
    rate = gen.random(n_keys) * gen.choice([0.01, 1.0, 10.0], size=n_keys)
    a, b = (x.astype(np.int64) for x in np.triu_indices(n_accounts, 1))
    order = gen.permutation(a.shape[0])
    swap = gen.random(a.shape[0]) < 0.5
    edge_a = np.where(swap, b, a)[order]
    edge_b = np.where(swap, a, b)[order]
    fast = expected_coactions(incidence.indptr, incidence.indices, incidence.data, rate, edge_a,
                              edge_b)  # fmt: skip
    assert fast is not None
    reference = _expected_scipy(incidence, rate, a, b)[order]
    assert fast.tobytes() == reference.tobytes()


def test_key_time_spans(numba_engine: str) -> None:
    from botgraph._kernels import key_time_spans

    key = np.array([0, 0, 0, 2, 3, 3])
    time = np.array([1.0, 1.0, 4.5, 7.0, 2.0, 9.0])
    spans = key_time_spans(key, time, 5)
    assert spans is not None
    assert spans[0].tolist() == [1.0, np.inf, 7.0, 2.0, np.inf]
    assert spans[1].tolist() == [4.5, -np.inf, 7.0, 9.0, -np.inf]
    # Anything but sorted events with codes in range: None (the caller's general path).
    assert key_time_spans(key[::-1], time[::-1], 5) is None
    assert key_time_spans(key, np.array([1.0, 0.5, 4.5, 7.0, 2.0, 9.0]), 5) is None
    assert key_time_spans(key, np.array([1.0, np.nan, 4.5, 7.0, 2.0, 9.0]), 5) is None
    assert key_time_spans(key, time, 3) is None
    assert key_time_spans(key - 1, time, 5) is None
    empty = key_time_spans(np.zeros(0, dtype=np.int64), np.zeros(0), 2)
    assert empty is not None and empty[0].tolist() == [np.inf, np.inf]
