"""Tests of detection evaluation: ROC AUC, adjusted Rand index and the Evaluation result."""

from __future__ import annotations

import itertools
import logging
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from botgraph.errors import ParameterError
from botgraph.evaluate import Evaluation, adjusted_rand_index, evaluate, roc_auc
from botgraph.simulate import TRAP_KINDS, NetworkSpec, Truth, simulate


@dataclass(frozen=True)
class FakeAccount:
    account_id: str
    score: Any
    cluster_id: int | str | None = None


@dataclass(frozen=True)
class FakeCluster:
    id: int | str
    members: tuple[str, ...]


@dataclass(frozen=True)
class FakeDetection:
    accounts: list[FakeAccount] = field(default_factory=list)
    clusters: list[FakeCluster] = field(default_factory=list)


def _spec(name: str, n: int) -> NetworkSpec:
    return NetworkSpec(name, n, "new", 10.0, 0.0, 0.0, 0.0, 1)


@pytest.fixture
def truth() -> Truth:
    # a1-a3 in network A, b1-b2 in network B, o1-o4 organic (o1 superfan, o2 viral_post).
    return Truth(
        accounts=("a1", "a2", "a3", "b1", "b2", "o1", "o2", "o3", "o4"),
        network={"a1": "A", "a2": "A", "a3": "A", "b1": "B", "b2": "B"},
        trap={"o1": "superfan", "o2": "viral_post"},
        networks=(_spec("A", 3), _spec("B", 2)),
    )


def _detect(clusters: dict[Any, tuple[str, ...]], scores: dict[str, float]) -> FakeDetection:
    cluster_of = {a: cid for cid, members in clusters.items() for a in members}
    return FakeDetection(
        accounts=[FakeAccount(a, s, cluster_of.get(a)) for a, s in scores.items()],
        clusters=[FakeCluster(cid, members) for cid, members in clusters.items()],
    )


def _pair_counting_ari(x: list[Any], y: list[Any]) -> float:
    """ARI from the pair confusion matrix, an independent formulation."""
    n11 = n10 = n01 = n00 = 0
    for i, j in itertools.combinations(range(len(x)), 2):
        same_x, same_y = x[i] == x[j], y[i] == y[j]
        n11 += same_x and same_y
        n10 += same_x and not same_y
        n01 += same_y and not same_x
        n00 += not same_x and not same_y
    if n01 == n10 == 0:
        return 1.0
    return 2.0 * (n00 * n11 - n01 * n10) / ((n00 + n01) * (n01 + n11) + (n00 + n10) * (n10 + n11))


def _pair_counting_auc(scores: list[float], labels: list[bool]) -> float:
    pos = [s for s, y in zip(scores, labels, strict=True) if y]
    neg = [s for s, y in zip(scores, labels, strict=True) if not y]
    wins = sum((p > q) + 0.5 * (p == q) for p in pos for q in neg)
    return wins / (len(pos) * len(neg))


# --------------------------------------------------------------------------- roc_auc


def test_auc_hand_computed() -> None:
    assert roc_auc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]) == 0.75
    # Ties: positive 0.5 ties one negative (half a win) and beats the other.
    assert roc_auc([0.5, 0.5, 0.2], [True, False, False]) == 0.75


def test_auc_perfect_reversed_and_constant() -> None:
    labels = [False, False, True, True, True]
    assert roc_auc([0.0, 0.1, 0.5, 0.7, 0.9], labels) == 1.0
    assert roc_auc([0.9, 0.8, 0.5, 0.2, 0.1], labels) == 0.0
    assert roc_auc([0.3] * 5, labels) == 0.5


def test_auc_nan_when_one_class_is_empty() -> None:
    assert math.isnan(roc_auc([0.1, 0.2], [True, True]))
    assert math.isnan(roc_auc([], []))


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from([0.0, 0.25, 0.5, 0.75, 1.0]), st.booleans()),
        min_size=2,
        max_size=30,
    ).filter(lambda rows: 0 < sum(y for _, y in rows) < len(rows))
)
def test_auc_properties(rows: list[tuple[float, bool]]) -> None:
    scores = [s for s, _ in rows]
    labels = [y for _, y in rows]
    auc = roc_auc(scores, labels)
    assert auc == pytest.approx(_pair_counting_auc(scores, labels))
    assert auc + roc_auc(scores, [not y for y in labels]) == pytest.approx(1.0)
    # Any increasing transformation of the scores leaves the AUC unchanged.
    assert roc_auc(np.exp(3 * np.array(scores)), labels) == pytest.approx(auc)


@pytest.mark.parametrize(
    ("scores", "labels", "match"),
    [
        ([0.1, 0.2], [True], r"'labels' parameter of roc_auc must be a 1-D array as long"),
        ([[0.1], [0.2]], [[True], [False]], r"must be a 1-D array"),
        ([0.1, math.nan], [True, False], r"'scores' parameter of roc_auc must hold finite"),
        ([0.1, 0.2], [1, 2], r"'labels' parameter of roc_auc must hold booleans or 0/1"),
        ([0.1, 0.2], ["y", "n"], r"'labels' parameter of roc_auc must hold booleans or 0/1"),
    ],
)
def test_auc_rejects_bad_input(scores: Any, labels: Any, match: str) -> None:
    with pytest.raises(ParameterError, match=match):
        roc_auc(scores, labels)


# --------------------------------------------------------------------------- adjusted Rand index


def test_ari_hand_computed() -> None:
    # Contingency [[2, 0, 0], [0, 1, 1]]: index 1, E = 2 * 1 / 6, max 3 / 2, so 4 / 7.
    assert adjusted_rand_index([0, 0, 1, 1], [0, 0, 1, 2]) == pytest.approx(4 / 7)
    # Every pair disagrees: index 0, E = 2 * 2 / 6, max 2, so -1 / 2.
    assert adjusted_rand_index([0, 0, 1, 1], [0, 1, 0, 1]) == pytest.approx(-0.5)


def test_ari_trivial_partitions() -> None:
    assert adjusted_rand_index(["x"], ["y"]) == 1.0
    assert adjusted_rand_index([1, 2, 3], ["a", "b", "c"]) == 1.0
    assert adjusted_rand_index([1, 1, 1], [5, 5, 5]) == 1.0
    assert adjusted_rand_index([1, 1, 1], [1, 2, 3]) == 0.0
    assert math.isnan(adjusted_rand_index([], []))


def test_ari_accepts_mixed_hashable_labels() -> None:
    assert adjusted_rand_index([("n", "A"), ("n", "A"), 3], [0, 0, "s"]) == 1.0


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 3), st.integers(0, 4)), min_size=1, max_size=25),
    st.permutations(range(5)),
)
def test_ari_properties(pairs: list[tuple[int, int]], relabel: list[int]) -> None:
    x = [a for a, _ in pairs]
    y = [b for _, b in pairs]
    ari = adjusted_rand_index(x, y)
    assert ari == pytest.approx(_pair_counting_ari(x, y))
    assert ari == pytest.approx(adjusted_rand_index(y, x))
    assert ari <= 1.0 + 1e-12
    assert adjusted_rand_index(x, x) == 1.0
    # Renaming clusters changes nothing.
    assert adjusted_rand_index(x, [f"c{relabel[b]}" for b in y]) == pytest.approx(ari)


def test_ari_rejects_length_mismatch() -> None:
    with pytest.raises(ParameterError, match=r"'labels_pred' .* Got 1 and 2 labels instead"):
        adjusted_rand_index([0, 1], [0])


# --------------------------------------------------------------------------- evaluate


def test_perfect_detection(truth: Truth) -> None:
    scores = {a: (0.9 if truth.is_coordinated(a) else 0.1) for a in truth.accounts}
    result = evaluate(_detect({0: ("a1", "a2", "a3"), 1: ("b1", "b2")}, scores), truth)
    assert (result.precision, result.recall, result.f1) == (1.0, 1.0, 1.0)
    assert result.auc == 1.0
    assert result.ari == 1.0
    assert dict(result.recall_per_network) == {"A": 1.0, "B": 1.0}
    assert dict(result.traps_flagged) == dict.fromkeys(TRAP_KINDS, 0)
    assert (result.n_flagged, result.n_coordinated, result.n_accounts) == (5, 5, 9)


def test_hand_computed_evaluation(truth: Truth) -> None:
    # Flag a1, a2 and the superfan o1 together, b1 alone; miss a3 and b2.
    detection = _detect(
        {"x": ("a1", "a2", "o1"), "y": ("b1",)},
        {"a1": 0.9, "a2": 0.8, "o1": 0.7, "b1": 0.6, "o2": 0.6, "a3": 0.2},
    )
    result = evaluate(detection, truth)
    assert result.precision == pytest.approx(3 / 4)
    assert result.recall == pytest.approx(3 / 5)
    assert result.f1 == pytest.approx(2 * 3 / (4 + 5))
    # Scores: positives 0.9 0.8 0.2 0.6 0 (b2 missing); negatives 0.7 0.6 0 0.
    # Wins over 4 negatives: 4, 4, 2, 2.5, 1 (ties with two zeros) -> 13.5 / 20.
    assert result.auc == pytest.approx(13.5 / 20)
    # Over a1 a2 a3 b1 b2 o1: true A A A B B o1*, predicted x x a3* y b2* x.
    expected = adjusted_rand_index(
        ["A", "A", "A", "B", "B", "o1"], ["x", "x", "s3", "y", "s5", "x"]
    )
    assert result.ari == pytest.approx(expected)
    assert dict(result.recall_per_network) == {"A": pytest.approx(2 / 3), "B": 0.5}
    assert result.traps_flagged["superfan"] == 1
    assert result.traps_flagged["viral_post"] == 0


def test_empty_detection(truth: Truth) -> None:
    result = evaluate(FakeDetection(), truth)
    assert math.isnan(result.precision)
    assert result.recall == 0.0
    assert result.f1 == 0.0
    assert result.auc == 0.5
    assert result.ari == 0.0
    assert result.n_flagged == 0


def test_splitting_or_merging_networks_lowers_ari(truth: Truth) -> None:
    scores = dict.fromkeys(["a1", "a2", "a3", "b1", "b2"], 1.0)
    split = evaluate(_detect({0: ("a1",), 1: ("a2", "a3"), 2: ("b1", "b2")}, scores), truth)
    merged = evaluate(_detect({0: ("a1", "a2", "a3", "b1", "b2")}, scores), truth)
    for result in (split, merged):
        assert result.recall == 1.0 and result.precision == 1.0
        assert result.ari < 1.0


def test_flagging_organic_lowers_precision_and_ari(truth: Truth) -> None:
    clean = _detect({0: ("a1", "a2", "a3")}, {})
    noisy = _detect({0: ("a1", "a2", "a3", "o3")}, {})
    a, b = evaluate(clean, truth), evaluate(noisy, truth)
    assert b.precision < a.precision
    assert b.ari < a.ari


def test_missing_accounts_score_zero(truth: Truth) -> None:
    # Only the bots are scored (0.5); unscored organic accounts count as 0.
    result = evaluate(_detect({}, dict.fromkeys(truth.network, 0.5)), truth)
    assert result.auc == 1.0


def test_cluster_id_is_not_consulted(truth: Truth) -> None:
    detection = FakeDetection(
        accounts=[FakeAccount("a1", 0.9, cluster_id=7), FakeAccount("o3", 0.9, cluster_id=7)],
        clusters=[],
    )
    assert evaluate(detection, truth).n_flagged == 0


def test_unknown_accounts_are_ignored_with_a_warning(
    truth: Truth, caplog: pytest.LogCaptureFixture
) -> None:
    detection = _detect({0: ("a1", "a2", "a3", "ghost")}, {"ghost": 1.0, "a1": 1.0})
    with caplog.at_level(logging.WARNING, logger="botgraph"):
        result = evaluate(detection, truth)
    assert result.n_flagged == 3
    assert result.precision == 1.0
    assert "1 scored and 1 clustered accounts absent" in caplog.text


def test_traps_flagged_counts_every_kind(truth: Truth) -> None:
    result = evaluate(_detect({0: ("o1", "o2", "o3")}, {}), truth)
    assert tuple(result.traps_flagged) == TRAP_KINDS
    assert result.traps_flagged["superfan"] == 1
    assert result.traps_flagged["viral_post"] == 1
    assert sum(result.traps_flagged.values()) == 2


def test_as_dict_and_summary(truth: Truth) -> None:
    result = evaluate(_detect({0: ("a1", "a2")}, {"a1": 0.9}), truth)
    plain = result.as_dict()
    assert isinstance(result, Evaluation)
    assert set(plain) == {
        "precision", "recall", "f1", "auc", "ari", "recall_per_network", "traps_flagged",
        "n_flagged", "n_coordinated", "n_accounts",
    }  # fmt: skip
    assert type(plain["recall_per_network"]) is dict
    assert type(plain["traps_flagged"]) is dict
    text = result.summary()
    assert text.count("\n") == 4
    assert "precision 1.000" in text and "recall 0.400" in text
    assert "A 0.667, B 0.000" in text
    assert "superfan 0" in text


def test_summary_without_flags_shows_nan(truth: Truth) -> None:
    assert "precision nan" in evaluate(FakeDetection(), truth).summary()


def test_evaluation_of_simulated_truth() -> None:
    data = simulate(n_organic=120, n_targets=8, days=4, rng=21)
    truth = data.truth
    names = [spec.name for spec in truth.networks]
    clusters = {name: tuple(a for a, n in truth.network.items() if n == name) for name in names}
    trap_account = next(a for a, k in truth.trap.items() if k == "news_link")
    clusters["loud"] = (*clusters["loud"], trap_account)
    scores = {a: 1.0 for members in clusters.values() for a in members}
    result = evaluate(_detect(clusters, scores), truth)
    assert result.recall == 1.0
    assert result.precision == pytest.approx(65 / 66)
    assert result.traps_flagged["news_link"] == 1
    assert 0.9 < result.ari < 1.0


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize("score", [1.5, -0.1, math.nan, "0.5", True, None])
def test_rejects_bad_scores(truth: Truth, score: Any) -> None:
    detection = FakeDetection(accounts=[FakeAccount("a1", score)])
    with pytest.raises(ParameterError, match=r"score in \[0, 1\]\. Got .* for account 'a1'"):
        evaluate(detection, truth)


def test_rejects_duplicate_accounts(truth: Truth) -> None:
    detection = FakeDetection(accounts=[FakeAccount("a1", 0.1), FakeAccount("a1", 0.2)])
    with pytest.raises(ParameterError, match=r"each account once\. Got 'a1' twice"):
        evaluate(detection, truth)


def test_rejects_overlapping_clusters(truth: Truth) -> None:
    detection = FakeDetection(clusters=[FakeCluster(1, ("a1", "a2")), FakeCluster(2, ("a2",))])
    with pytest.raises(ParameterError, match=r"at most one cluster\. Got 'a2' in clusters 1 and 2"):
        evaluate(detection, truth)


def test_rejects_objects_that_are_not_detections(truth: Truth) -> None:
    with pytest.raises(ParameterError, match=r"must have \.accounts and \.clusters.*Got dict"):
        evaluate({"accounts": [], "clusters": []}, truth)  # type: ignore[arg-type]


def test_rejects_truth_of_wrong_type() -> None:
    with pytest.raises(ParameterError, match=r"'truth' parameter of evaluate .* Got dict"):
        evaluate(FakeDetection(), {"a": "net"})  # type: ignore[arg-type]
