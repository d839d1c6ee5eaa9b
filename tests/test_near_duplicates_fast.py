"""The compiled path of botgraph.near_duplicates gives exactly the NumPy path's results.

Every test runs both implementations on the same input and compares signatures,
candidate pairs, clusters and the final keys; the NumPy path is the reference.
"""

from __future__ import annotations

import contextlib
import csv
import gzip
import hashlib
import importlib
import itertools
import logging
import random
import types
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.typing import NDArray
from scipy.sparse.csgraph import connected_components

from botgraph import near_duplicates as nd
from botgraph._jit import LazyKernels
from botgraph.errors import ParameterError
from botgraph.ingest import Records
from botgraph.near_duplicates import near_duplicate_keys
from botgraph.normalize import normalize_text
from botgraph.traces import shared_text, traces

PEERS = Path(__file__).resolve().parents[1].parent / "shared" / "peers"

WORDS = [
    "shame", "on", "you", "minister", "smith", "hiding", "truth", "corruption", "scandal",
    "voters", "deserve", "answers", "now", "deepfake", "video", "critic", "honte", "député",
    "vérité", "électeurs", "réponses", "élection", "vidéo", "truquée", "démission", "腐败",
    "丑闻", "коррупция", "скандал", "ça", "où", "à", "thank", "great", "job",
]  # fmt: skip


@pytest.fixture(scope="module")
def kernels() -> dict[str, Any]:
    pytest.importorskip("numba")
    compiled = nd._compiled()
    assert compiled is not None
    return compiled


def corpus(seed: int, templates: int = 6, variants: int = 40) -> list[str | None]:
    """Templated variants (one-word edits, swaps, copies) of random messages, shuffled.

    Many variants of one template agree on whole bands, so buckets of more than
    ``_BUCKET_CAP`` texts occur as well as small ones.
    """
    rng = random.Random(seed)
    texts: list[str | None] = []
    for _ in range(templates):
        base = [rng.choice(WORDS) for _ in range(rng.randint(4, 14))]
        for _ in range(variants):
            words = list(base)
            for _ in range(rng.choice([0, 0, 1, 1, 2])):
                k = rng.randrange(len(words))
                action = rng.randrange(3)
                if action == 0:
                    words[k] = rng.choice(WORDS)
                elif action == 1 and k + 1 < len(words):
                    words[k], words[k + 1] = words[k + 1], words[k]
                else:
                    words.insert(k, rng.choice(WORDS))
            texts.append(" ".join(words).upper() if rng.random() < 0.1 else " ".join(words))
    texts += [None, "", "too short", "🙏🙏"] + [" ".join(rng.sample(WORDS, 8)) for _ in range(30)]
    rng.shuffle(texts)
    return texts


def numpy_keys(monkeypatch: pytest.MonkeyPatch, texts: list[str | None], **options: Any) -> Any:
    with monkeypatch.context() as patch:
        patch.setattr(nd, "_ENGINE", "numpy")
        assert nd._compiled() is None
        return near_duplicate_keys(texts, **options)


def distinct(texts: list[str | None]) -> list[str]:
    strings, code = nd._group(list(texts))
    weight = np.bincount(code[code >= 0], minlength=len(strings))
    return nd._distinct_texts(strings, weight, 4)[0]


# --------------------------------------------------------------------------- whole function


@pytest.mark.parametrize("linkage", ["star", "single"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_keys_equal_the_numpy_path(
    kernels: dict[str, Any], monkeypatch: pytest.MonkeyPatch, seed: int, linkage: str
) -> None:
    texts = corpus(seed)
    compiled = near_duplicate_keys(texts, linkage=linkage)  # type: ignore[arg-type]
    assert np.array_equal(compiled, numpy_keys(monkeypatch, texts, linkage=linkage))
    assert len(set(compiled.tolist())) > 6  # not everything in one cluster


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    threshold=st.sampled_from([0.2, 0.5, 0.8, 1.0]),
    shingle=st.integers(1, 3),
    num_perm=st.sampled_from([1, 5, 16, 64, 128]),
    bands=st.one_of(st.none(), st.integers(1, 8)),
    min_tokens=st.integers(1, 6),
    linkage=st.sampled_from(["star", "single"]),
)
def test_every_option_gives_the_numpy_result(
    kernels: dict[str, Any],
    seed: int,
    threshold: float,
    shingle: int,
    num_perm: int,
    bands: int | None,
    min_tokens: int,
    linkage: str,
) -> None:
    texts = corpus(seed, templates=3, variants=15)
    options: dict[str, Any] = {
        "threshold": threshold,
        "shingle": shingle,
        "num_perm": num_perm,
        "bands": None if bands is None else min(bands, num_perm),
        "min_tokens": min_tokens,
        "linkage": linkage,
    }
    compiled = near_duplicate_keys(texts, **options)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(nd, "_ENGINE", "numpy")
        reference = near_duplicate_keys(texts, **options)
    assert np.array_equal(compiled, reference)


def test_threads_blocks_and_band_groups_do_not_change_the_result(
    kernels: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    texts = corpus(5)
    expected = numpy_keys(monkeypatch, texts, num_perm=64)
    monkeypatch.setattr(nd, "_MAX_THREADS", 4)
    monkeypatch.setattr(nd, "_THREADED_FROM", 0)
    monkeypatch.setattr(nd, "_TABLE_VALUES", 1 << 10)  # many blocks of functions and bands
    assert np.array_equal(near_duplicate_keys(texts, num_perm=64), expected)


@pytest.mark.parametrize("linkage", ["star", "single"])
@pytest.mark.parametrize("budget", [1 << 10, 1 << 13])
def test_streamed_signatures_give_the_same_keys(
    kernels: dict[str, Any], monkeypatch: pytest.MonkeyPatch, budget: int, linkage: str
) -> None:
    # A tiny budget computes the signature columns a few at a time, twice.
    texts = corpus(8)
    expected = numpy_keys(monkeypatch, texts, linkage=linkage)
    calls: list[int] = []
    streamed = nd._edges_streamed

    def counting(*args: Any) -> Any:
        calls.append(1)
        return streamed(*args)

    monkeypatch.setattr(nd, "_edges_streamed", counting)
    monkeypatch.setattr(nd, "_SIGNATURE_BYTES", budget)
    assert np.array_equal(near_duplicate_keys(texts, linkage=linkage), expected)
    assert calls


@pytest.mark.parametrize("linkage", ["star", "single"])
def test_whole_and_streamed_signatures_give_the_same_keys(
    kernels: dict[str, Any], monkeypatch: pytest.MonkeyPatch, linkage: str
) -> None:
    texts = corpus(12, templates=8, variants=60)
    whole = near_duplicate_keys(texts, linkage=linkage)  # type: ignore[arg-type]
    paths: list[str] = []
    for name in ("_edges_whole", "_edges_streamed"):
        real = getattr(nd, name)

        def spy(*args: Any, _real: Any = real, _name: str = name, **options: Any) -> Any:
            paths.append(_name)
            return _real(*args, **options)

        monkeypatch.setattr(nd, name, spy)
    assert np.array_equal(near_duplicate_keys(texts, linkage=linkage), whole)  # type: ignore[arg-type]
    monkeypatch.setattr(nd, "_SIGNATURE_BYTES", 1 << 12)
    assert np.array_equal(near_duplicate_keys(texts, linkage=linkage), whole)  # type: ignore[arg-type]
    assert paths == ["_edges_whole", "_edges_streamed"]
    assert len(set(whole.tolist())) > 8


@pytest.mark.parametrize("chunk", [1, 50, 1 << 12])
def test_pair_ranges_and_threads_do_not_change_the_edges(
    kernels: dict[str, Any], monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    # Ranges of first texts of any size (one text each, or several), in threads.
    texts = distinct(corpus(13, templates=5, variants=50))
    signatures = nd._signatures_numpy(texts, 2, 64)
    reference = nd._candidates(signatures, 16, 4)
    keep = nd._verified(signatures, *reference, 32)
    monkeypatch.setattr(nd, "_PAIR_CHUNK", chunk)
    monkeypatch.setattr(nd, "_MAX_THREADS", 4)
    monkeypatch.setattr(nd, "_THREADED_FROM", 0)
    left, right = nd._edges_whole(kernels, signatures, 32, 16, 4)
    assert np.array_equal(left, reference[0][keep]) and np.array_equal(right, reference[1][keep])
    i, j = nd._candidates_compiled(kernels, signatures, 16, 4)
    assert np.array_equal(i, reference[0]) and np.array_equal(j, reference[1])


def test_band_lists_give_the_pairs_of_the_band_codes(kernels: dict[str, Any]) -> None:
    # Over 1024 texts: the texts are split by the top bits of their keys first.
    rng = random.Random(14)
    texts = distinct(corpus(14, templates=60, variants=30))
    base = [rng.choice(WORDS) for _ in range(40)]
    for k in range(150):  # one edit each: many variants agree on whole bands
        words = list(base)
        words[rng.randrange(40)] = f"edit{k}"
        texts.append(" ".join(words))
    signatures = nd._signatures_numpy(texts, 2, 128)
    n = signatures.shape[0]
    assert n > 1024
    template = np.empty(0, dtype=np.int32)
    for band_columns in nd._band_columns(26, 4, 128)[:6]:
        columns = np.array(band_columns, dtype=np.int64)
        expected = kernels["_k_band_codes"](
            np.ascontiguousarray(signatures[:, columns].T), np.arange(8), 4, nd._BUCKET_CAP
        )
        lists = band_lists(kernels, signatures, columns, nd._BUCKET_CAP, template)
        assert (lists[2] >= 0).any() and (lists[2] < 0).any()  # giant and small buckets
        assert np.array_equal(np.sort(emitted(kernels, lists, n)), np.sort(expected))


def band_lists(
    kernels: dict[str, Any],
    signatures: NDArray[np.uint32],
    columns: NDArray[np.int64],
    cap: int,
    template: NDArray[Any],
) -> tuple[Any, ...]:
    """A band's lists (4 rows), its keys from _k_band_keys."""
    keys = np.empty((1, signatures.shape[0]), dtype=np.uint64)
    kernels["_k_band_keys"](signatures, columns[None, :], 4, keys)
    return tuple(kernels["_k_band_lists"](signatures, keys[0], columns, 4, cap, template))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_band_keys_of_several_bands_match_numpy(kernels: dict[str, Any], seed: int) -> None:
    rng = np.random.default_rng(seed)
    rows = int(rng.integers(1, 6))
    signatures = rng.integers(0, 2**32, size=(int(rng.integers(1, 300)), 64), dtype=np.uint32)
    columns = rng.integers(0, 64, size=(int(rng.integers(1, 6)), rows + 4)).astype(np.int64)
    keys = np.empty((columns.shape[0], signatures.shape[0]), dtype=np.uint64)
    kernels["_k_band_keys"](signatures, columns, rows, keys)
    for band, key in zip(columns, keys, strict=True):
        assert np.array_equal(key, nd._band_keys(signatures[:, band[:rows]]))


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_radix_argsort_equals_lexsort(kernels: dict[str, Any], seed: int) -> None:
    # Few distinct values (ties, constant digits skipped) or many; stable as np.lexsort.
    rng = np.random.default_rng(seed)
    radix, merge = nd._k_radix_argsort, nd._k_lex_argsort  # compiled with the kernels
    for high in [2, 300, 2**32, 2**64]:
        size, width = int(rng.integers(0, 3000)), int(rng.integers(1, 4))
        keys = rng.integers(0, high, size=(size, width), dtype=np.uint64)
        if size and seed % 2:
            keys[:, 0] = keys[0, 0]
        expected = np.lexsort(keys.T[::-1])
        assert np.array_equal(radix(keys), expected)
        assert np.array_equal(merge(keys), expected)


def test_giant_buckets_sorted_by_radix_give_the_same_lists(
    kernels: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    # One template with hundreds of one-word variants: giant buckets above _RADIX_FROM.
    rng = random.Random(16)
    base = [rng.choice(WORDS) for _ in range(60)]
    texts = []
    for k in range(1500):
        words = list(base)
        words[rng.randrange(60)] = f"edit{k}"
        texts.append(" ".join(words))
    signatures = nd._signatures_numpy(texts, 2, 64)
    columns = np.array(nd._band_columns(16, 4, 64)[0], dtype=np.int64)
    template = np.empty(0, dtype=np.int32)
    seq, starts, leader = band_lists(kernels, signatures, columns, nd._BUCKET_CAP, template)
    assert np.diff(starts).max() >= nd._RADIX_FROM
    for g in np.flatnonzero(leader >= 0):  # chain order: the 4 columns after the band, then index
        members = seq[starts[g] : starts[g + 1]].astype(np.int64)
        after = signatures[np.sort(members)][:, columns[4:]]
        order = np.lexsort((np.sort(members), *after.T[::-1]))
        assert np.array_equal(members, np.sort(members)[order])
        assert leader[g] == members.min()


def emitted(kernels: dict[str, Any], lists: tuple[Any, ...], n: int) -> NDArray[np.int64]:
    """The pairs of a band's lists, from _k_pair_counts and _k_emit over three ranges."""
    counts = np.zeros(n, dtype=np.int64)
    kernels["_k_pair_counts"](*lists, counts)
    codes = np.empty(int(counts.sum()), dtype=np.int64)
    bounds = kernels["_k_segment_bounds"](*lists[:2])
    filled = 0
    for lo, hi in [(0, 7), (7, n // 2), (n // 2, n)]:
        before = filled
        filled = kernels["_k_emit"](*lists, *bounds, n, lo, hi, codes, filled)
        assert filled - before == counts[lo:hi].sum()
        assert np.all((codes[before:filled] // n >= lo) & (codes[before:filled] // n < hi))
    assert filled == codes.shape[0]
    return codes


def test_band_lists_in_new_places_give_the_pairs_in_new_places(kernels: dict[str, Any]) -> None:
    # The lists relabelled by a permutation (members no longer ascending, the
    # leader no longer the smallest) give the relabelled pairs.
    texts = distinct(corpus(15, templates=10, variants=120))
    signatures = nd._signatures_numpy(texts, 2, 64)
    n = signatures.shape[0]
    at = np.random.default_rng(15).permutation(n).astype(np.int32)
    template = np.empty(0, dtype=np.int32)
    for band_columns in nd._band_columns(16, 4, 64)[:4]:
        columns = np.array(band_columns, dtype=np.int64)
        seq, starts, leader = band_lists(kernels, signatures, columns, 4, template)
        assert (leader >= 0).any() and (leader < 0).any()
        codes = emitted(kernels, (seq, starts, leader), n)
        i, j = at[codes // n].astype(np.int64), at[codes % n].astype(np.int64)
        expected = np.sort(np.minimum(i, j) * n + np.maximum(i, j))
        moved = at[seq], starts, np.where(leader >= 0, at[np.maximum(leader, 0)], -1)
        assert np.array_equal(np.sort(emitted(kernels, moved, n)), expected)


def test_family_order_and_row_moves_match_numpy(kernels: dict[str, Any]) -> None:
    rng = np.random.default_rng(16)
    for n in [1, 2, 50, 1000]:
        head = rng.integers(0, max(1, n // 7), size=n).astype(np.int32)
        at = np.empty(n, dtype=np.int32)
        kernels["_k_family_order"](head, at)
        expected = np.empty(n, dtype=np.int64)
        expected[np.argsort(head, kind="stable")] = np.arange(n)
        assert np.array_equal(at, expected)
        rows = rng.integers(0, 2**32, size=(n, 5), dtype=np.uint64).astype(np.uint32)
        moved = rows.copy()
        kernels["_k_permute_rows"](moved, at)
        assert np.array_equal(moved[at], rows)


@pytest.mark.parametrize("chunk", [7, 1 << 12])
def test_verifying_in_bucket_order_keeps_the_edges(
    kernels: dict[str, Any], monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    texts = distinct(corpus(17, templates=6, variants=60))
    signatures = nd._signatures_numpy(texts, 2, 64)
    n = signatures.shape[0]
    reference = nd._edges_whole(kernels, signatures, 32, 16, 4)
    monkeypatch.setattr(nd, "_PAIR_CHUNK", chunk)
    monkeypatch.setattr(nd, "_THREADED_FROM", 0)
    monkeypatch.setattr(nd, "_FAMILY_ORDER_FROM", 0)
    moved = signatures.copy()
    left, right = nd._edges_whole(kernels, moved, 32, 16, 4, reorder=True)
    assert not np.array_equal(moved, signatures)  # the rows were moved
    codes = np.sort(np.minimum(left, right).astype(np.int64) * n + np.maximum(left, right))
    assert np.array_equal(codes, reference[0].astype(np.int64) * n + reference[1])
    monkeypatch.setattr(nd, "_FAMILY_ORDER_FROM", n + 1)  # below it: the rows stay
    kept = signatures.copy()
    plain = nd._edges_whole(kernels, kept, 32, 16, 4, reorder=True)
    assert np.array_equal(kept, signatures)
    assert np.array_equal(plain[0], reference[0]) and np.array_equal(plain[1], reference[1])


@pytest.mark.parametrize("linkage", ["star", "single"])
def test_bucket_order_gives_the_same_keys(
    kernels: dict[str, Any], monkeypatch: pytest.MonkeyPatch, linkage: str
) -> None:
    texts = corpus(18, templates=8, variants=50)
    expected = near_duplicate_keys(texts, linkage=linkage)  # type: ignore[arg-type]
    monkeypatch.setattr(nd, "_FAMILY_ORDER_FROM", 0)
    assert np.array_equal(near_duplicate_keys(texts, linkage=linkage), expected)  # type: ignore[arg-type]
    monkeypatch.setattr(nd, "_ENGINE", "numpy")
    assert np.array_equal(near_duplicate_keys(texts, linkage=linkage), expected)  # type: ignore[arg-type]


@pytest.mark.parametrize("needed", [0, 1, 5, 8])
def test_verify_keeps_distinct_pairs_from_the_needed_agreements(
    kernels: dict[str, Any], needed: int
) -> None:
    # Row k agrees with row 0 on its first k of 8 values.
    signatures = np.arange(9 * 8, dtype=np.uint32).reshape(9, 8) + 100
    for k in range(9):
        signatures[k, :k] = signatures[0, :k]
    n = 9
    codes = np.array([1, 1, 2, 4, 5, 5, 5, 7, 8, 2 * n + 3], dtype=np.int64)
    degree = np.zeros(n, dtype=np.int64)
    kept = kernels["_k_verify"](codes, n, signatures, needed, degree)
    agreements = {1: 1, 2: 2, 4: 4, 5: 5, 7: 7, 8: 8}
    expected = [j for j, same in agreements.items() if same >= needed]
    expected += [3] if needed <= 2 else []  # rows 2 and 3 agree on their first 2 values
    assert codes[:kept].tolist() == expected
    assert degree[0] == len([j for j in expected if j != 3]) and degree[2] == int(needed <= 2)


@settings(max_examples=20, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    num_perm=st.sampled_from([3, 16, 128, 300]),
    bands=st.one_of(st.none(), st.integers(1, 40)),
    budget=st.sampled_from([4, 1 << 9, 1 << 12]),
)
def test_any_streaming_budget_gives_the_numpy_result(
    kernels: dict[str, Any], seed: int, num_perm: int, bands: int | None, budget: int
) -> None:
    texts = corpus(seed, templates=3, variants=15)
    options: dict[str, Any] = {
        "num_perm": num_perm,
        "bands": None if bands is None else min(bands, num_perm),
        "threshold": 0.4,
    }
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(nd, "_ENGINE", "numpy")
        reference = near_duplicate_keys(texts, **options)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(nd, "_SIGNATURE_BYTES", budget)
        patch.setattr(nd, "_TABLE_VALUES", 1 << 8)
        assert np.array_equal(near_duplicate_keys(texts, **options), reference)


@settings(max_examples=25, deadline=None)
@given(
    texts=st.lists(
        st.one_of(
            st.none(),
            st.just(float("nan")),
            st.sampled_from(["", "a b c d", "A b, c d!", "e f g h i", "a b c d e", "é f g h"]),
            st.lists(st.sampled_from([*WORDS[:8], "@x", "www.a.b", "&amp;"]), max_size=7).map(
                " ".join
            ),
        ),
        max_size=40,
    )
)
def test_grouped_texts_get_the_ids_of_the_plain_call(texts: list[Any]) -> None:
    expected = near_duplicate_keys(texts, min_tokens=2)
    strings, code = nd._group(list(texts))
    assert strings == list(dict.fromkeys(t for t in texts if isinstance(t, str)))
    grouped = nd._grouped_keys(strings, code, min_tokens=2)
    assert np.array_equal(grouped, expected)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(nd, "_ENGINE", "numpy")
        assert np.array_equal(nd._grouped_keys(strings, code, min_tokens=2), expected)


def text_records(texts: list[Any]) -> Records:
    """Records of one account with the text cells as given."""
    n = len(texts)
    column = np.empty(n, dtype=object)
    column[:] = texts
    return Records(
        account_id=np.array(["a"] * n, dtype=object),
        timestamp=np.arange(n, dtype=np.float64),
        record_id=np.array([str(i) for i in range(n)], dtype=object),
        row=np.arange(n, dtype=np.int64),
        accounts=np.array(["a"], dtype=object),
        account_code=np.zeros(n, dtype=np.int64),
        fields={"text": column},
        rejected=(),
        n_input=n,
    )


@pytest.mark.parametrize("shared", [False, True])
def test_near_text_layer_uses_the_grouped_texts(shared: bool) -> None:
    texts: list[Any] = [*corpus(9, templates=3, variants=10), float("nan"), None, ""]
    recs = text_records(texts)
    with shared_text(recs) if shared else contextlib.nullcontext():
        graph = traces(recs, "near_text")
    ids = near_duplicate_keys(texts)
    events = sorted(zip(graph.event_record.tolist(), graph.keys[graph.event_key], strict=True))
    assert events == [(r, str(ids[r])) for r in np.flatnonzero(ids >= 0).tolist()]


@pytest.mark.parametrize("cell", [5, ("a", "b")])
def test_near_text_layer_refuses_what_near_duplicate_keys_refuses(cell: object) -> None:
    recs = text_records(["one two three four", cell, "one two three four"])
    for shared in (False, True):
        with (
            shared_text(recs) if shared else contextlib.nullcontext(),
            pytest.raises(ParameterError, match="'texts' parameter of near_duplicate_keys"),
        ):
            traces(recs, "near_text")


def test_grouped_entry_checks_the_options() -> None:
    with pytest.raises(ParameterError, match="'num_perm' parameter of near_duplicate_keys"):
        nd._grouped_keys(["a b c d"], np.zeros(1, np.int64), num_perm=0)


def test_forms_equal_normalize_text(kernels: dict[str, Any]) -> None:
    rng = random.Random(3)
    pieces = [*WORDS, "Hi!!", "@you", "http://x.y/z", "&amp;", "<b>", "ＡＢＣ", "\x00", "  ", "é"]
    texts = ["", " ", *(" ".join(rng.choices(pieces, k=rng.randint(1, 9))) for _ in range(400))]
    buffer, begin, end = nd._normal_forms(kernels, texts)
    data = buffer.tobytes()
    spans = zip(begin.tolist(), end.tolist(), strict=True)
    assert [data[lo:hi].decode("utf-8") for lo, hi in spans] == [normalize_text(t) for t in texts]
    digests = nd._digests(buffer, begin, end)
    expected = [hashlib.blake2b(normalize_text(t).encode(), digest_size=8).digest() for t in texts]
    assert digests.astype("<u8").tobytes() == b"".join(expected)
    with pytest.MonkeyPatch.context() as patch:  # ranges of texts in threads
        patch.setattr(nd, "_THREADED_FROM", 0)
        patch.setattr(nd, "_MAX_THREADS", 4)
        assert np.array_equal(nd._digests(buffer, begin, end), digests)
        joined = nd._joined(kernels, buffer, begin[::-1], end[::-1])
    forms_reversed = [normalize_text(t) for t in reversed(texts)]
    assert joined.tobytes() == " ".join(forms_reversed).encode("utf-8")
    assert nd._joined(kernels, buffer, begin[:0], end[:0]).shape == (0,)
    form_of, first_text, n_words = kernels["_k_forms"](buffer, begin, end, digests)
    forms = list(dict.fromkeys(normalize_text(t) for t in texts))
    assert form_of.tolist() == [forms.index(normalize_text(t)) for t in texts]
    assert [normalize_text(texts[t]) for t in first_text.tolist()] == forms
    assert n_words.tolist() == [len(f.split()) for f in forms]


# --------------------------------------------------------------------------- steps


def test_signatures_equal_the_numpy_ones(
    kernels: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    texts = distinct(corpus(3))
    huge = " ".join(f"w{k}é" for k in range(3000))  # grows the tables inside one text
    texts += [huge, "a  b c d"]  # an empty word, as str.split(" ") gives it
    for shingle, num_perm in [(1, 3), (2, 128), (4, 33)]:
        reference = nd._signatures_numpy(texts, shingle, num_perm)
        monkeypatch.setattr(nd, "_TABLE_VALUES", 1 << 14)  # several blocks of functions
        compiled = nd._signatures_compiled(kernels, texts, shingle, num_perm)
        monkeypatch.undo()
        assert compiled.dtype == np.uint32
        assert np.array_equal(compiled, reference)


def test_words_are_coded_as_a_dictionary_would(kernels: dict[str, Any]) -> None:
    rng = random.Random(7)
    vocabulary = [f"{rng.choice(WORDS)}{k}" for k in range(900)] + ["", "é", "e\u0301"]
    texts = [" ".join(rng.choice(vocabulary) for _ in range(rng.randint(1, 9))) for _ in range(500)]
    blob = " ".join(texts).encode("utf-8")
    lengths = np.array([t.count(" ") + 1 for t in texts], dtype=np.int64)
    codes, starts, ends = kernels["_k_words"](np.frombuffer(blob, np.uint8), lengths)
    words = " ".join(texts).split(" ")
    first = {w: k for k, w in enumerate(dict.fromkeys(words))}
    assert codes.tolist() == [first[w] for w in words]
    spans = zip(starts.tolist(), ends.tolist(), strict=True)
    assert [blob[s:e].decode("utf-8") for s, e in spans] == list(first)


def test_candidates_equal_the_numpy_ones_with_giant_buckets(kernels: dict[str, Any]) -> None:
    rng = random.Random(11)
    texts = distinct(corpus(4, templates=3, variants=30))
    for _ in range(2):  # long messages edited once: many variants agree on whole bands
        base = [rng.choice(WORDS) for _ in range(40)]
        for k in range(150):
            words = list(base)
            words[rng.randrange(40)] = f"edit{k}"
            texts.append(" ".join(words))
    signatures = nd._signatures_numpy(texts, 2, 128)
    for bands, rows in [(26, 4), (8, 2), (5, 25), (128, 1)]:
        sizes = [
            np.unique(nd._band_keys(signatures[:, b * rows : (b + 1) * rows]), return_counts=True)[
                1
            ]
            for b in range(bands)
        ]
        i, j = nd._candidates_compiled(kernels, signatures, bands, rows)
        ri, rj = nd._candidates(signatures, bands, rows)
        assert np.array_equal(i, ri) and np.array_equal(j, rj)
        if rows <= 4:
            assert max(int(s.max()) for s in sizes) > nd._BUCKET_CAP


@settings(max_examples=80, deadline=None)
@given(
    st.integers(1, 40).flatmap(
        lambda n: st.tuples(
            st.just(n),
            st.lists(
                st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)).filter(
                    lambda e: e[0] != e[1]
                ),
                max_size=120,
                unique_by=lambda e: (min(e), max(e)),
            ),
        )
    )
)
def test_star_and_components_equal_the_numpy_ones(graph: tuple[int, list[tuple[int, int]]]) -> None:
    kernels = nd._compiled()
    if kernels is None:
        pytest.skip("numba unavailable")
    n, edges = graph
    i = np.array([min(e) for e in edges], dtype=np.int64)
    j = np.array([max(e) for e in edges], dtype=np.int64)
    expected = nd._attach_singletons(nd._pivot_clusters(n, i, j), i, j)
    neighbour = np.empty(2 * len(edges), dtype=np.int32)
    left, right = i.astype(np.int32), j.astype(np.int32)
    assert kernels["_k_star"](n, left, right, neighbour).tolist() == expected.tolist()
    labels = kernels["_k_components"](n, left, right)
    graph_matrix = sp.coo_array((np.ones(i.shape[0]), (i, j)), shape=(n, n))
    _, reference = connected_components(graph_matrix, directed=False)
    assert len(set(zip(labels.tolist(), reference.tolist(), strict=True))) == len(
        set(reference.tolist())
    )
    assert len(set(labels.tolist())) == len(set(reference.tolist()))


def test_ranking_breaks_hash_ties_by_the_texts(
    kernels: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    # With every BLAKE2b digest equal, ties fall back to the order of the texts.
    texts = ["b b b b", "a a a a", "c c c c", "é a a a", "a a a a"]
    strings, code = nd._group(list(texts))
    weight = np.bincount(code, minlength=len(strings))

    class Fixed:
        def __init__(self, data: bytes, digest_size: int) -> None:
            self.size = digest_size

        def digest(self) -> bytes:
            return b"\0" * self.size

    with monkeypatch.context() as patch:
        patch.setattr(hashlib, "blake2b", Fixed)
        ranked, count, text_of = nd._distinct_texts(strings, weight, 4)
    assert ranked == ["a a a a", "b b b b", "c c c c", "é a a a"]
    assert count.tolist() == [2, 1, 1, 1]
    assert text_of.tolist() == [1, 0, 2, 3]
    with monkeypatch.context() as patch:
        patch.setattr(nd, "_digests", lambda buffer, begin, end: np.zeros(len(begin), np.uint64))
        blob, lengths, count, text_of = nd._distinct_forms(kernels, strings, weight, 4)
    assert blob.tobytes().decode() == " ".join(ranked)
    assert lengths.tolist() == [4] * 4 and count.tolist() == [2, 1, 1, 1]
    assert text_of.tolist() == [1, 0, 2, 3]
    ranked, _, _ = nd._distinct_texts(strings, weight, 4)
    by_hash = sorted(
        ["b b b b", "c c c c", "é a a a"],
        key=lambda t: int.from_bytes(hashlib.blake2b(t.encode(), digest_size=8).digest(), "little"),
    )
    assert ranked == ["a a a a", *by_hash]
    blob, _, _, _ = nd._distinct_forms(kernels, strings, weight, 4)
    assert blob.tobytes().decode() == " ".join(ranked)


# --------------------------------------------------------------------------- fallback


def test_without_numba_the_numpy_path_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    texts = corpus(6, templates=2, variants=10)
    expected = near_duplicate_keys(texts)
    real_import = importlib.import_module

    def no_numba(name: str, package: str | None = None) -> types.ModuleType:
        if name == "numba":
            raise ImportError("No module named 'numba'")
        return real_import(name, package)

    monkeypatch.setattr(importlib, "import_module", no_numba)
    monkeypatch.setattr(nd, "_KERNELS_LOADED", LazyKernels(nd._load_kernels))
    assert nd._compiled() is None
    assert np.array_equal(near_duplicate_keys(texts), expected)


def test_a_broken_numba_is_logged_and_skipped(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def njit(**options: Any) -> Any:
        raise RuntimeError("LLVM is broken")

    fake = types.ModuleType("numba")
    fake.njit = njit  # type: ignore[attr-defined]
    real_import = importlib.import_module
    monkeypatch.setattr(
        importlib,
        "import_module",
        lambda name, package=None: fake if name == "numba" else real_import(name, package),
    )
    monkeypatch.setattr(nd, "_KERNELS_LOADED", LazyKernels(nd._load_kernels))
    with caplog.at_level(logging.WARNING, logger="botgraph.near_duplicates"):
        assert nd._compiled() is None
    assert "numba kernels unavailable (LLVM is broken)" in caplog.text
    assert near_duplicate_keys(["one two three four", "one two three four"]).tolist() == [0, 0]


# --------------------------------------------------------------------------- real text


def test_real_tweets_get_the_numpy_keys(
    kernels: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = PEERS / "ira_538" / "ira_tweets_2016-10-05_to_08.csv.gz"
    if not path.exists():
        pytest.skip("shared/peers/ira_538 is absent")
    with gzip.open(path, "rt", encoding="utf-8", newline="") as handle:
        tweets: list[str | None] = [
            row["content"] for row in itertools.islice(csv.DictReader(handle), 12_000)
        ]
    for linkage in ("star", "single"):
        compiled = near_duplicate_keys(tweets, threshold=0.4, linkage=linkage)
        reference = numpy_keys(monkeypatch, tweets, threshold=0.4, linkage=linkage)
        assert np.array_equal(compiled, reference)
        assert (np.bincount(compiled[compiled >= 0]) > 1).sum() > 50  # real near-duplicates


@pytest.mark.parametrize("distinct_counts", [3, 70_000])
def test_rank_equals_lexsort(distinct_counts: int) -> None:
    # Few distinct counts: two sorts (a 16-bit one for the counts); many: np.lexsort.
    rng = np.random.default_rng(distinct_counts)
    n = 80_000
    count = rng.integers(1, distinct_counts + 1, size=n).astype(np.int64)
    if distinct_counts > n:
        count = rng.permutation(np.arange(1, n + 1, dtype=np.int64))
    hashed = rng.integers(0, 2**64 - 1, size=n, dtype=np.uint64, endpoint=True)
    order = nd._rank(count, hashed, lambda: pytest.fail("no tie"))  # type: ignore[arg-type,return-value]
    assert np.array_equal(order, np.lexsort((hashed, -count)))
    hashed[: n // 2] = hashed[n // 2 :]  # ties of hash: by the alphabetical places
    places = rng.permutation(n)
    order = nd._rank(count, hashed, lambda: places)
    assert np.array_equal(order, np.lexsort((places, hashed, -count)))
    assert nd._rank(count[:0], hashed[:0], lambda: places[:0]).shape == (0,)


def test_first_appearance_kernel_equals_numpy(kernels: dict[str, Any]) -> None:
    rng = np.random.default_rng(19)
    for n_forms in [1, 5, 300]:
        labels = rng.integers(0, n_forms, size=n_forms).astype(np.int64)
        text_rank = rng.integers(-1, n_forms, size=2 * n_forms).astype(np.int64)
        code = rng.integers(-1, 2 * n_forms, size=4 * n_forms).astype(np.int64)
        expected = nd._ids(labels, text_rank, code)
        assert np.array_equal(nd._ids(labels, text_rank, code, kernels), expected)
        every = nd._ids(labels, text_rank, np.arange(2 * n_forms), kernels)
        assert every.max() == len(np.unique(labels[text_rank[text_rank >= 0]])) - 1
