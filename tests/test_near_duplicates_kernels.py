"""The two-thread coding of words and n-grams of botgraph.near_duplicates changes nothing.

Words and n-grams are coded in two ranges of texts at once, then merged
(``_word_codes``, ``_ngram_codes``); these tests compare that path with the
one-table pass: the same word codes, the same n-gram hash at every occurrence,
the same signatures and the same keys.
"""

from __future__ import annotations

import os
import random
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.typing import NDArray

from botgraph import near_duplicates as nd
from botgraph.near_duplicates import near_duplicate_keys

POOL = ["a", "b", "ab", "ba", "été", "ça", "où", "腐败", "丑闻", "🙏", "x" * 40, "ok!", "#tag"]


@pytest.fixture(scope="module")
def kernels() -> dict[str, Any]:
    pytest.importorskip("numba")
    compiled = nd._compiled()
    assert compiled is not None
    return compiled


def joined(texts: list[str]) -> tuple[NDArray[np.uint8], NDArray[np.int64]]:
    """The texts joined by spaces (UTF-8) and their words, as ``_signatures_compiled`` has them."""
    blob = np.frombuffer(bytearray(" ".join(texts).encode("utf-8")), np.uint8)
    lengths = np.array([t.count(" ") + 1 for t in texts], dtype=np.int64)
    return blob, lengths


def random_texts(seed: int, n: int, vocabulary: int) -> list[str]:
    """Texts of 0 to 12 words drawn from a skewed vocabulary (many repeats, some unicode)."""
    rng = random.Random(seed)
    words = [f"w{k}" if k % 3 else f"é{k}ü" for k in range(vocabulary)] + POOL
    texts = []
    for _ in range(n):
        size = rng.choice([0, 1, 1, 2, 3, 5, 8, 12])
        texts.append(" ".join(words[int(rng.paretovariate(1.0)) % len(words)] for _ in range(size)))
    return texts


def check_same(kernels: dict[str, Any], texts: list[str], shingle: int) -> None:
    """Both paths give the same words, n-gram hashes per occurrence and signatures."""
    blob, lengths = joined(texts)
    one = nd._word_codes(kernels, blob, lengths, False)
    two = nd._word_codes(kernels, blob, lengths, True)
    for left, right in zip(one, two, strict=True):
        assert np.array_equal(left, right)
    x1, codes1, offsets1 = nd._features(kernels, blob, lengths, shingle, in_two=False)
    x2, codes2, offsets2 = nd._features(kernels, blob, lengths, shingle, in_two=True)
    assert codes1.dtype == codes2.dtype
    assert np.array_equal(offsets1, offsets2)
    assert codes2.shape[0] == 0 or 0 <= int(codes2.min()) <= int(codes2.max()) < x2.shape[0]
    assert np.array_equal(x1[codes1], x2[codes2])  # every occurrence hashes the same n-gram
    assert set(x1.tolist()) == set(x2.tolist())
    a, b = nd._hash_coefficients(16)
    sig1 = nd._signature_columns(kernels, (x1, codes1, offsets1), a, b, transposed=False)
    sig2 = nd._signature_columns(kernels, (x2, codes2, offsets2), a, b, transposed=False)
    assert np.array_equal(sig1, sig2)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.lists(st.sampled_from(POOL), max_size=7).map(" ".join), min_size=1, max_size=30),
    st.integers(1, 4),
)
def test_two_threads_equal_one(kernels: dict[str, Any], texts: list[str], shingle: int) -> None:
    check_same(kernels, texts, shingle)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_two_threads_equal_one_with_growing_tables(
    kernels: dict[str, Any], monkeypatch: pytest.MonkeyPatch, seed: int
) -> None:
    monkeypatch.setattr(nd, "_THREADED_FROM", 0)  # really in threads, lookups and remaps too
    check_same(kernels, random_texts(seed, 3000, 2500), 1 + seed)


@pytest.mark.parametrize(
    "texts",
    [[""], ["", "", ""], ["one"], ["a b a b a b a b"], ["a", "", "a"], ["é ü", "ü é ü"]],
)
def test_two_threads_on_degenerate_texts(kernels: dict[str, Any], texts: list[str]) -> None:
    check_same(kernels, texts, 2)


@settings(max_examples=80, deadline=None)
@given(st.lists(st.sampled_from(["", "a", "bc", "é"]), min_size=1, max_size=600))
def test_tail_start(kernels: dict[str, Any], words: list[str]) -> None:
    blob, _ = joined([" ".join(words)])
    for last in {0, 1, len(words) // 2, len(words) - 1, len(words)}:
        expected = len(" ".join(words[len(words) - last :]).encode()) if last else 0
        start = kernels["_k_tail_start"](blob, last)
        assert blob.shape[0] - start == expected


def spy_in_two(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Record the ``in_two`` of every call of ``_word_codes``."""
    calls: list[bool] = []
    real = nd._word_codes

    def spy(kernels: dict[str, Any], blob: Any, lengths: Any, in_two: bool) -> Any:
        calls.append(in_two)
        return real(kernels, blob, lengths, in_two)

    monkeypatch.setattr(nd, "_word_codes", spy)
    return calls


@pytest.mark.parametrize("seed", [3, 4])
def test_keys_equal_with_and_without_threads(
    kernels: dict[str, Any], monkeypatch: pytest.MonkeyPatch, seed: int
) -> None:
    base = random_texts(seed, 400, 60)
    texts: list[str | None] = [*base, *base[:100], None, "", "🙏"]
    random.Random(seed).shuffle(texts)
    calls = spy_in_two(monkeypatch)
    expected = near_duplicate_keys(texts, min_tokens=1)
    monkeypatch.setattr(nd, "_SPLIT_FROM", 1)
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    monkeypatch.setattr(nd, "_THREADED_FROM", 0)
    assert np.array_equal(near_duplicate_keys(texts, min_tokens=1), expected)
    assert calls == [False, True]


@pytest.mark.parametrize(("split_from", "cores", "in_two"), [(1, 2, True), (1, 1, False)])
def test_two_threads_need_two_cores(
    kernels: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
    split_from: int,
    cores: int,
    in_two: bool,
) -> None:
    calls = spy_in_two(monkeypatch)
    monkeypatch.setattr(nd, "_SPLIT_FROM", split_from)
    monkeypatch.setattr(os, "cpu_count", lambda: cores)
    near_duplicate_keys(["a b c d", "a b c e", "x y z w"])
    assert calls == [in_two]


def test_split_threshold_counts_words(
    kernels: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    texts = ["a b c d", "a b c e", "x y z w"]  # 12 words
    calls = spy_in_two(monkeypatch)
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    for split_from in (12, 13):
        monkeypatch.setattr(nd, "_SPLIT_FROM", split_from)
        near_duplicate_keys(texts)
    assert calls == [True, False]
