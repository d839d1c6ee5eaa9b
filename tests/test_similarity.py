"""Whole-period TF-IDF similarity: reference equivalence, invariants, parameters, errors."""

from __future__ import annotations

import itertools
import math
from collections import Counter, defaultdict
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import botgraph
from botgraph import similarity
from botgraph.errors import ParameterError, SchemaError
from botgraph.normalize import normalize_text
from botgraph.similarity import SimilarityGraph, account_similarity

#: Everybody in these fixtures writes in full sentences made of this pool.
_POOL = [f"w{i:03d}" for i in range(400)]


def _rows(docs: dict[str, list[str]], **extra: Any) -> list[dict[str, Any]]:
    """One record per text, an hour apart, in account order."""
    rows = []
    for who, texts in docs.items():
        for i, text in enumerate(texts):
            rows.append({"account_id": who, "timestamp": 3600 * i, "text": text, **extra})
    return rows


def _background(rng: np.random.Generator, n_accounts: int, n_texts: int) -> dict[str, list[str]]:
    """Accounts writing random sentences from a large pool: rarely alike."""
    return {
        f"bg{k:02d}": [" ".join(rng.choice(_POOL, size=8)) for _ in range(n_texts)]
        for k in range(n_accounts)
    }


def _pairs(g: SimilarityGraph) -> dict[tuple[str, str], float]:
    cols = g.columns()
    return {
        (a, b): float(c)
        for a, b, c in zip(cols["account_a"], cols["account_b"], cols["cosine"], strict=True)
    }


_ORIGINAL = [
    "The minister lied about the deepfake video of the critic",
    "Corruption in parliament must end now, resign today",
    "Why is nobody investigating the blogger's evidence?",
    "Our taxes pay for their luxury trips abroad",
    "Shame on every member who voted for this scandal",
    "The truth about the fraud will come out soon",
]
_PARAPHRASE = [
    "That minister LIED about the deepfake video of our critic!!",
    "corruption in parliament has to end, resign now",
    "Why is no one investigating the blogger's evidence",
    "Our taxes are paying for luxury trips abroad 😡",
    "Shame on each member who voted for that scandal",
    "The truth about this fraud will come out very soon",
]


# --------------------------------------------------------------------------- behaviour


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_paraphrased_messages_give_a_high_cosine(seed: int) -> None:
    rng = np.random.default_rng(seed)
    docs = {"op_a": _ORIGINAL, "op_b": _PARAPHRASE, **_background(rng, 8, 6)}
    g = account_similarity(botgraph.ingest(_rows(docs)), min_records=6, min_cosine=0.05)
    pairs = _pairs(g)
    assert pairs[("op_a", "op_b")] > 0.6
    others = [c for pair, c in pairs.items() if pair != ("op_a", "op_b")]
    assert all(c < pairs[("op_a", "op_b")] / 2 for c in others)
    i = list(pairs).index(("op_a", "op_b"))
    words_a = set(normalize_text(" ".join(_ORIGINAL)).split())
    words_b = set(normalize_text(" ".join(_PARAPHRASE)).split())
    assert len(g.top_terms[i]) == 5 and set(g.top_terms[i]) <= words_a & words_b
    assert g.shared_terms[i] >= 15


def test_disjoint_vocabularies_give_no_edge() -> None:
    docs = {
        "a": ["alpha beta gamma"] * 5,
        "b": ["delta epsilon zeta"] * 5,
        "c": ["eta theta iota"] * 5,
    }
    g = account_similarity(_rows(docs), min_cosine=1e-12)
    assert len(g) == 0
    assert g.n_eligible == 3


def test_min_records_excludes_low_activity_accounts() -> None:
    docs = {
        "active": ["shared words about the minister"] * 6,
        "twin": ["shared words about the minister"] * 6,
        "brief": ["shared words about the minister"] * 4,
        "other": ["nothing in common here at all"] * 6,
    }
    at5 = account_similarity(_rows(docs), min_records=5)
    at4 = account_similarity(_rows(docs), min_records=4)
    assert set(_pairs(at5)) == {("active", "twin")}
    assert set(_pairs(at4)) == {("active", "brief"), ("active", "twin"), ("brief", "twin")}
    assert (at5.n_eligible, at4.n_eligible) == (3, 4)
    assert at5.accounts.tolist() == at4.accounts.tolist() == ["active", "brief", "other", "twin"]


def test_hashtags_column_is_used_and_prefixed() -> None:
    rows = _rows({"a": ["one two three"] * 5, "b": ["four five six"] * 5})
    for row in rows:
        row["hashtags"] = ["Deepfake", "#Shame"]
    g = account_similarity(rows, min_cosine=0.01)
    assert len(g) == 1
    assert set(g.top_terms[0]) == {"#deepfake", "#shame"}
    assert g.shared_terms.tolist() == [2]


def test_hashtags_are_extracted_from_text_without_a_column() -> None:
    g = account_similarity(
        _rows({"a": ["one two #Fraud"] * 5, "b": ["three four #fraud"] * 5}), min_cosine=0.01
    )
    assert set(g.top_terms[0]) == {"#fraud", "fraud"}


def test_hashtags_alone_are_enough() -> None:
    rows = [
        {"account_id": who, "timestamp": i, "hashtags": ["scandal", "resign"]}
        for who in ("a", "b")
        for i in range(5)
    ]
    g = account_similarity(rows)
    assert len(g) == 1 and g.cosine[0] == pytest.approx(1.0)


def test_two_account_data_set_still_links() -> None:
    # Every term is in 100 % of the accounts, yet a term of two accounts is never a stop word.
    g = account_similarity(_rows({"a": _ORIGINAL, "b": _PARAPHRASE}), min_records=6)
    assert len(g) == 1 and g.cosine[0] > 0.6


def test_no_eligible_account_gives_an_empty_graph() -> None:
    g = account_similarity(_rows({"a": ["x y"], "b": ["x y"]}))
    assert len(g) == 0 and g.n_eligible == 0
    assert g.account_a.dtype == g.account_b.dtype == g.shared_terms.dtype == np.int64
    assert g.cosine.dtype == np.float64 and g.top_terms == ()


def test_texts_without_words_give_no_edge() -> None:
    g = account_similarity(_rows({"a": ["🙏 👍"] * 5, "b": ["https://example.com !!"] * 5}))
    assert len(g) == 0 and g.n_eligible == 2


# --------------------------------------------------------------------------- parameters


def test_min_cosine_changes_the_result() -> None:
    rng = np.random.default_rng(3)
    docs = {"op_a": _ORIGINAL, "op_b": _PARAPHRASE, **_background(rng, 8, 6)}
    rows = _rows(docs)
    loose = account_similarity(rows, min_records=6, min_cosine=0.01)
    strict = account_similarity(rows, min_records=6, min_cosine=0.5)
    assert set(_pairs(strict)) == {("op_a", "op_b")}
    assert len(loose) > len(strict)
    assert loose.cosine.min() >= 0.01 and strict.cosine.min() >= 0.5


def test_top_k_changes_the_result() -> None:
    docs = {name: ["exactly the same message every time"] * 5 for name in "abcd"}
    docs["z"] = ["something else entirely"] * 5
    one = account_similarity(_rows(docs), top_k=1)
    three = account_similarity(_rows(docs), top_k=3)
    # Exact ties are broken by account order: everybody's single choice is "a" (or "b").
    assert set(_pairs(one)) == {("a", "b"), ("a", "c"), ("a", "d")}
    assert set(_pairs(three)) == set(itertools.combinations("abcd", 2))


def test_max_df_changes_the_result() -> None:
    # "common" is in every document; the pairs share nothing else.
    docs = {f"u{i}": [f"common word{i} other{i}"] * 5 for i in range(6)}
    kept = account_similarity(_rows(docs), max_df=1.0, min_cosine=0.01)
    dropped = account_similarity(_rows(docs), max_df=0.5, min_cosine=0.01)
    assert len(kept) == 15 and set(kept.top_terms) == {("common",)}
    assert len(dropped) == 0


def test_ngram_changes_the_result() -> None:
    docs = {
        "a": ["red fox jumps over lazy dog"] * 5,
        "b": ["dog lazy over jumps fox red"] * 5,
        "c": ["red fox jumps over lazy dog"] * 5,
        "d": ["completely different words here"] * 5,
    }
    words = _pairs(account_similarity(_rows(docs), ngram=1, min_cosine=0.01, max_df=1.0))
    pairs = account_similarity(_rows(docs), ngram=2, min_cosine=0.01, max_df=1.0)
    assert words[("a", "b")] == pytest.approx(1.0)
    assert _pairs(pairs)[("a", "b")] < 0.6
    assert _pairs(pairs)[("a", "c")] == pytest.approx(1.0)
    assert "red fox" in pairs.top_terms[list(_pairs(pairs)).index(("a", "c"))]


def test_records_and_rows_give_the_same_result() -> None:
    rows = _rows({"a": _ORIGINAL, "b": _PARAPHRASE})
    by_rows = account_similarity(rows, min_records=6)
    by_records = account_similarity(botgraph.ingest(rows), min_records=6)
    assert _pairs(by_rows) == _pairs(by_records)


# --------------------------------------------------------------------------- reference


def _reference(
    rows: list[dict[str, Any]], *, min_records: int, max_df: float, ngram: int
) -> dict[tuple[str, str], tuple[float, int]]:
    """Textbook TF-IDF cosine of every eligible pair, in plain Python."""
    by_account: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_account[row["account_id"]].append(row)
    eligible = sorted(a for a, rs in by_account.items() if len(rs) >= min_records)
    docs: dict[str, Counter[str]] = {}
    for a in eligible:
        doc: Counter[str] = Counter()
        for row in by_account[a]:
            words = normalize_text(row["text"]).split()
            doc.update(words)
            for n in range(2, ngram + 1):
                doc.update(" ".join(words[i : i + n]) for i in range(len(words) - n + 1))
            doc.update("#" + tag for tag in row["hashtags"])
        docs[a] = doc
    n = len(eligible)
    df = Counter(t for doc in docs.values() for t in doc)
    vectors = {}
    for a, doc in docs.items():
        w = {
            t: (1 + math.log(c)) * (math.log((1 + n) / (1 + df[t])) + 1)
            for t, c in doc.items()
            if df[t] <= max(max_df * n, 2)
        }
        norm = math.sqrt(sum(v * v for v in w.values()))
        vectors[a] = {t: v / norm for t, v in w.items()}
    out = {}
    for a, b in itertools.combinations(eligible, 2):
        shared = vectors[a].keys() & vectors[b].keys()
        if shared:
            out[(a, b)] = (sum(vectors[a][t] * vectors[b][t] for t in shared), len(shared))
    return out


_WORDS = ["deepfake", "minister", "corruption", "taxes", "le", "la", "vote", "honte", "x1", "x2"]
_row_strategy = st.fixed_dictionaries(
    {
        "account_id": st.sampled_from("abcdefg"),
        "timestamp": st.integers(0, 10_000),
        "text": st.lists(st.sampled_from(_WORDS), min_size=1, max_size=6).map(" ".join),
        "hashtags": st.lists(st.sampled_from(["scandal", "resign", "cdnpoli"]), max_size=2),
    }
)


@settings(max_examples=60, deadline=None)
@given(
    rows=st.lists(_row_strategy, min_size=1, max_size=40),
    min_records=st.integers(1, 4),
    max_df=st.sampled_from([0.3, 0.5, 1.0]),
    ngram=st.integers(1, 3),
)
def test_matches_the_reference_implementation(
    rows: list[dict[str, Any]], min_records: int, max_df: float, ngram: int
) -> None:
    for row in rows:
        row["hashtags"] = sorted(set(row["hashtags"]))  # ingest keeps distinct hashtags
    g = account_similarity(
        rows, min_records=min_records, max_df=max_df, ngram=ngram, min_cosine=1e-12, top_k=100
    )
    expected = _reference(rows, min_records=min_records, max_df=max_df, ngram=ngram)
    got = {
        pair: (c, int(s)) for pair, c, s in zip(_pairs(g), g.cosine, g.shared_terms, strict=True)
    }
    assert got.keys() == {p for p, (c, _) in expected.items() if c >= 1e-12}
    for pair, (cosine, shared) in got.items():
        assert cosine == pytest.approx(min(expected[pair][0], 1.0), rel=1e-9, abs=1e-12)
        assert shared == expected[pair][1]
    _check_invariants(g)


def _check_invariants(g: SimilarityGraph) -> None:
    n = g.accounts.shape[0]
    assert np.all(g.account_a < g.account_b)
    assert np.all((g.account_a >= 0) & (g.account_b < n))
    key = g.account_a * n + g.account_b
    assert np.all(np.diff(key) > 0)  # sorted, no duplicate pair
    assert np.all((g.cosine > 0) & (g.cosine <= 1))
    assert np.all(g.shared_terms >= 1)
    assert len(g.top_terms) == len(g)
    assert [len(t) for t in g.top_terms] == np.minimum(g.shared_terms, 5).tolist()
    degree = np.bincount(np.concatenate([g.account_a, g.account_b]), minlength=n)
    assert degree.sum() <= 2 * g.n_eligible * g.parameters["top_k"]


# --------------------------------------------------------------------------- invariants


def _random_corpus(seed: int, n_accounts: int = 25) -> list[dict[str, Any]]:
    rng = np.random.default_rng(seed)
    rows = []
    topics = [rng.choice(_POOL, size=12, replace=False) for _ in range(4)]
    for k in range(n_accounts):
        words = topics[k % 4]
        for i in range(int(rng.integers(3, 9))):
            text = " ".join(rng.choice(words, size=int(rng.integers(3, 8))))
            rows.append({"account_id": f"acc{k:02d}", "timestamp": 60 * i + k, "text": text})
    return rows


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
@pytest.mark.parametrize("top_k", [1, 2, 4])
def test_top_k_bounds_each_accounts_choices(seed: int, top_k: int) -> None:
    rows = _random_corpus(seed)
    full = _pairs(account_similarity(rows, min_cosine=0.2, top_k=10_000))
    g = account_similarity(rows, min_cosine=0.2, top_k=top_k)
    got = set(_pairs(g))
    assert got <= set(full)
    candidates: dict[str, list[tuple[float, str]]] = defaultdict(list)
    for (a, b), c in full.items():
        candidates[a].append((c, b))
        candidates[b].append((c, a))
    chosen = set()
    for a, cands in candidates.items():
        cands.sort(key=lambda cb: (-cb[0], cb[1]))
        kth = cands[min(top_k, len(cands)) - 1][0]
        for c, b in cands:
            # Each account keeps its top_k; the near-ties at the cut may go either way.
            if c > kth + 1e-9:
                chosen.add(tuple(sorted((a, b))))
        picked = [b for b in cands if tuple(sorted((a, b[1]))) in got]
        assert len(picked) >= min(top_k, len(cands))
    assert chosen <= got
    # Every kept edge is among the top_k of one of its ends.
    for a, b in got:
        rank_a = sum(c > full[(a, b)] + 1e-9 for c, _ in candidates[a])
        rank_b = sum(c > full[(a, b)] + 1e-9 for c, _ in candidates[b])
        assert min(rank_a, rank_b) < top_k
    _check_invariants(g)


@pytest.mark.parametrize("seed", [4, 5, 6])
def test_record_order_changes_nothing(seed: int) -> None:
    rows = _random_corpus(seed)
    base = account_similarity(rows, min_cosine=0.1, top_k=3)
    rng = np.random.default_rng(seed)
    for _ in range(3):
        shuffled = [rows[i] for i in rng.permutation(len(rows))]
        other = account_similarity(shuffled, min_cosine=0.1, top_k=3)
        assert np.array_equal(other.account_a, base.account_a)
        assert np.array_equal(other.account_b, base.account_b)
        assert np.array_equal(other.cosine, base.cosine)  # bit for bit
        assert np.array_equal(other.shared_terms, base.shared_terms)
        assert other.top_terms == base.top_terms


@pytest.mark.parametrize("seed", [7, 8])
def test_account_relabelling_changes_no_cosine(seed: int) -> None:
    rows = _random_corpus(seed)
    renamed = [{**row, "account_id": "z" + row["account_id"][::-1]} for row in rows]
    before = _pairs(account_similarity(rows, min_cosine=0.05, top_k=100))
    after = _pairs(account_similarity(renamed, min_cosine=0.05, top_k=100))
    relabel = {a: "z" + a[::-1] for pair in before for a in pair}
    mapped = {tuple(sorted((relabel[a], relabel[b]))): c for (a, b), c in before.items()}
    assert mapped.keys() == after.keys()
    assert all(after[p] == pytest.approx(c, rel=1e-12) for p, c in mapped.items())


@pytest.mark.parametrize("seed", [0, 9])
def test_small_blocks_and_chunks_give_the_same_result(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = _random_corpus(seed, n_accounts=40)
    base = account_similarity(rows, min_cosine=0.1, top_k=3)
    monkeypatch.setattr(similarity, "_BLOCK_BYTES", 1)
    monkeypatch.setattr(similarity, "_EXPAND_CHUNK", 7)
    small = account_similarity(rows, min_cosine=0.1, top_k=3)
    assert np.array_equal(small.account_a, base.account_a)
    assert np.array_equal(small.account_b, base.account_b)
    assert np.array_equal(small.cosine, base.cosine)
    assert small.top_terms == base.top_terms


@pytest.mark.parametrize("seed", [11, 12])
def test_simulated_networks_are_linked_within(seed: int) -> None:
    data = botgraph.simulate(n_organic=600, n_targets=10, days=5, rng=seed)
    records = botgraph.ingest(data.records)
    label = np.array([data.truth.network.get(a, "") for a in records.accounts], dtype=object)
    g = account_similarity(records)
    la, lb = label[g.account_a], label[g.account_b]
    for name in ("loud", "hijacked"):
        inside = (la == name) & (lb == name)
        linked = np.union1d(g.account_a[inside], g.account_b[inside])
        assert np.array_equal(linked, np.flatnonzero(label == name))
    assert not np.any((la == "") != (lb == ""))  # no bot-organic edge
    # Every coordinated account's nearest account belongs to its own network.
    nearest = account_similarity(records, min_cosine=0.01, top_k=1)
    for account in np.flatnonzero(label != ""):
        touches = np.flatnonzero((nearest.account_a == account) | (nearest.account_b == account))
        best = touches[np.argmax(nearest.cosine[touches])]
        other = nearest.account_a[best] + nearest.account_b[best] - account
        assert label[other] == label[account]


# --------------------------------------------------------------------------- result object


def test_result_object() -> None:
    g = account_similarity(_rows({"a": _ORIGINAL, "b": _PARAPHRASE, "c": ["x"] * 6}), min_records=6)
    assert repr(g) == "SimilarityGraph(accounts=3, eligible=3, edges=1)"
    cols = g.columns()
    assert list(cols) == ["account_a", "account_b", "cosine", "shared_terms", "top_terms"]
    assert cols["top_terms"][0] == ", ".join(g.top_terms[0])
    assert g.parameters == {
        "min_records": 6,
        "min_cosine": 0.5,
        "top_k": 10,
        "max_df": 1.0,
        "ngram": 1,
    }
    with pytest.raises(AttributeError):
        g.n_eligible = 5  # type: ignore[misc]
    nx_graph = g.to_networkx()
    assert nx_graph.number_of_nodes() == 3 and nx_graph.has_edge("a", "b")
    pd = pytest.importorskip("pandas")
    frame = g.to_pandas()
    assert isinstance(frame, pd.DataFrame) and frame.shape == (1, 5)


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        (
            "min_records",
            0,
            "The 'min_records' parameter of account_similarity must be an integer >= 1",
        ),
        ("min_records", 2.5, "The 'min_records' parameter"),
        (
            "min_cosine",
            0.0,
            "The 'min_cosine' parameter of account_similarity must be a finite number > 0",
        ),
        ("min_cosine", 1.5, "The 'min_cosine' parameter"),
        ("min_cosine", float("nan"), "The 'min_cosine' parameter"),
        ("top_k", 0, "The 'top_k' parameter of account_similarity must be an integer >= 1"),
        ("top_k", True, "The 'top_k' parameter"),
        ("max_df", 0, "The 'max_df' parameter of account_similarity must be a finite number > 0"),
        ("max_df", 1.01, "The 'max_df' parameter"),
        ("ngram", 0, "The 'ngram' parameter of account_similarity must be an integer >= 1"),
        ("ngram", "2", "The 'ngram' parameter"),
    ],
)
def test_bad_parameters_raise(name: str, value: object, message: str) -> None:
    rows = _rows({"a": ["x y"] * 5})
    with pytest.raises(ParameterError, match=message.replace("(", r"\(")):
        account_similarity(rows, **{name: value})


def test_records_without_text_or_hashtags_raise() -> None:
    rows = [{"account_id": "a", "timestamp": 0, "target_id": "mp_1"}]
    with pytest.raises(SchemaError, match=r"need a 'text' or a 'hashtags' column"):
        account_similarity(rows)


def test_invalid_records_raise_a_schema_error() -> None:
    with pytest.raises(SchemaError, match=r"Row 0, column 'account_id'"):
        account_similarity([{"account_id": "", "timestamp": 0, "text": "hello"}])
