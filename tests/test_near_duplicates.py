"""Tests for botgraph.near_duplicates: MinHash/LSH keys of near-duplicate texts."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from botgraph import near_duplicates
from botgraph.errors import ParameterError
from botgraph.near_duplicates import (
    _PRIME,
    _band_shape,
    _hash_coefficients,
    _mod_prime,
    _pivot_clusters,
    _universal_hash,
    near_duplicate_keys,
)
from botgraph.normalize import normalize_text

# --------------------------------------------------------------------------- variant generator

# Five campaign messages per language, on one theme (as a real operation would
# post) but saying different things, with synonyms for some of their words.
TEMPLATES: dict[str, list[str]] = {
    "en": [
        "MP Smith is hiding the truth about the corruption scandal and voters deserve answers now",
        "Everyone knows your office spread that deepfake video to smear an honest critic",
        "A single blogger exposed the missing funds and the minister still refuses to explain",
        "Stop lying to the people of this riding and resign before the next election",
        "Why did the government pay millions to a shell company owned by your friends",
    ],
    "fr": [
        "Le député Smith cache la vérité sur ce scandale de corruption et les électeurs "
        "méritent des réponses",
        "Tout le monde sait que votre bureau a diffusé cette vidéo truquée contre un critique",
        "Un seul blogueur a révélé les fonds disparus et le ministre refuse toujours de répondre",
        "Arrêtez de mentir aux citoyens de cette circonscription et démissionnez avant "
        "les élections",
        "Pourquoi le gouvernement a versé des millions à une société écran de vos amis",
    ],
}
SYNONYMS: dict[str, dict[str, list[str]]] = {
    "en": {
        "hiding": ["concealing", "burying"],
        "truth": ["facts"],
        "scandal": ["affair", "mess"],
        "voters": ["citizens", "taxpayers"],
        "deepfake": ["doctored", "fake"],
        "video": ["clip", "footage"],
        "honest": ["brave"],
        "missing": ["vanished"],
        "explain": ["answer", "respond"],
        "lying": ["lie"],
        "people": ["citizens", "voters"],
        "resign": ["quit"],
        "millions": ["billions"],
        "friends": ["cronies", "pals"],
        "government": ["cabinet"],
    },
    "fr": {
        "cache": ["dissimule", "étouffe"],
        "vérité": ["réalité"],
        "scandale": ["dossier"],
        "électeurs": ["citoyens", "contribuables"],
        "truquée": ["falsifiée", "fausse"],
        "vidéo": ["séquence"],
        "révélé": ["dévoilé"],
        "disparus": ["volatilisés"],
        "répondre": ["s'expliquer"],
        "mentir": ["tromper"],
        "citoyens": ["électeurs", "gens"],
        "démissionnez": ["partez"],
        "millions": ["milliards"],
        "amis": ["copains", "proches"],
        "gouvernement": ["cabinet"],
    },
}
EMOJI = ["😡", "🤬", "👎", "‼️", "🇨🇦", "🔥"]
HASHTAGS = {"en": ["corruption", "resign", "deepfake"], "fr": ["corruption", "démission"]}


def _typo(word: str, rng: random.Random) -> str:
    i = rng.randrange(1, len(word) - 1)
    op = rng.randrange(3)
    if op == 0:
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]  # swap two letters
    if op == 1:
        return word[:i] + word[i + 1 :]  # drop a letter
    return word[:i] + word[i] + word[i:]  # double a letter


def make_variant(template: str, lang: str, rng: random.Random, word_edits: int) -> str:
    """A templated variant: *word_edits* word-level edits plus cosmetic noise."""
    words = template.split()
    for _ in range(word_edits):
        kind = rng.choice(["swap", "synonym", "typo"])
        synonyms = [k for k, w in enumerate(words) if w.lower() in SYNONYMS[lang]]
        if kind == "synonym" and not synonyms:
            kind = "typo"
        if kind == "swap":
            k = rng.randrange(len(words) - 1)
            words[k], words[k + 1] = words[k + 1], words[k]
        elif kind == "synonym":
            k = rng.choice(synonyms)
            words[k] = rng.choice(SYNONYMS[lang][words[k].lower()])
        else:
            options = [k for k, w in enumerate(words) if len(w) >= 4]
            k = rng.choice(options)
            words[k] = _typo(words[k], rng)
    text = " ".join(words)
    for _ in range(rng.randint(1, 3)):
        kind = rng.choice(["emoji", "case", "punctuation", "hashtag", "link"])
        if kind == "emoji":
            text = f"{text} {rng.choice(EMOJI) * rng.randint(1, 3)}"
        elif kind == "case":
            text = rng.choice([text.upper(), text.lower(), text.title()])
        elif kind == "punctuation":
            cut = text.find(" ", len(text) // 2)
            text = text[:cut] + rng.choice([",", " -", "...", " !"]) + text[cut:]
            text += rng.choice(["!!!", "?!", ".", "…"])
        elif kind == "hashtag":
            text = f"{text} #{rng.choice(HASHTAGS[lang])}"
        else:
            text = f"{text} https://t.co/{rng.randrange(16**6):06x}?utm_source=fb"
    return text


def campaign(seed: int, per_template: int = 12) -> tuple[list[str], list[int]]:
    """Shuffled variants of the ten templates and the template of each."""
    rng = random.Random(seed)
    texts: list[str] = []
    labels: list[int] = []
    label = 0
    for lang, templates in TEMPLATES.items():
        for template in templates:
            for _ in range(per_template):
                texts.append(make_variant(template, lang, rng, rng.choice([0, 1, 1, 2])))
                labels.append(label)
            label += 1
    order = list(range(len(texts)))
    rng.shuffle(order)
    return [texts[i] for i in order], [labels[i] for i in order]


def same_partition(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether two key arrays group the positions identically (-1 must match -1)."""
    if a.shape != b.shape or not np.array_equal(a < 0, b < 0):
        return False
    pairs = set(zip(a.tolist(), b.tolist(), strict=True))
    return len(pairs) == len(set(a.tolist())) == len(set(b.tolist()))


# --------------------------------------------------------------------------- behaviour


@pytest.mark.parametrize("linkage", ["star", "single"])
@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4])
def test_variants_share_one_key_per_template(seed: int, linkage: str) -> None:
    texts, labels = campaign(seed)
    keys = near_duplicate_keys(texts, linkage=linkage)  # type: ignore[arg-type]
    assert (keys >= 0).all()
    truth = np.asarray(labels)
    for label in np.unique(truth):
        assert np.unique(keys[truth == label]).shape[0] == 1, f"template {label} split"
    assert np.unique(keys).shape[0] == np.unique(truth).shape[0], "templates merged"


def test_star_linkage_does_not_chain_where_single_linkage_does() -> None:
    # Each text shares half its words with the next: a chain of near-duplicates
    # whose ends have nothing in common.
    words = [f"word{k}" for k in range(60)]
    chain = [" ".join(words[k : k + 8]) for k in range(0, 52, 2)]
    single = near_duplicate_keys(chain, threshold=0.3, linkage="single")
    star = near_duplicate_keys(chain, threshold=0.3, linkage="star")
    assert np.unique(single).shape[0] == 1
    assert np.unique(star).shape[0] >= len(chain) // 5


def test_many_variants_of_one_template_use_the_giant_bucket_path() -> None:
    # 300 distinct variants of one template put far more than 32 texts in a bucket.
    rng = random.Random(11)
    texts = [make_variant(TEMPLATES["en"][0], "en", rng, 1) for _ in range(300)]
    texts += [make_variant(TEMPLATES["fr"][1], "fr", rng, 1) for _ in range(50)]
    keys = near_duplicate_keys(texts)
    assert len({normalize_text(t) for t in texts[:300]}) > 64
    assert np.unique(keys[:300]).shape[0] == 1
    assert np.unique(keys[300:]).shape[0] == 1
    assert keys[0] != keys[300]


def test_docstring_texts_and_unrelated_text() -> None:
    keys = near_duplicate_keys(
        [
            "Shame on MP Smith! 😡",
            "shame on mp smith!!",
            "Shame on MP Smith, again #corruption",
            "The new bridge in Ottawa opens to cyclists next week",
        ]
    )
    assert keys[0] == keys[1] == keys[2] != keys[3]


def test_ids_are_numbered_by_first_appearance() -> None:
    texts, _ = campaign(5, per_template=3)
    keys = near_duplicate_keys(texts)
    first_seen = list(dict.fromkeys(keys.tolist()))
    assert first_seen == list(range(len(first_seen)))


@pytest.mark.parametrize(
    "short", ["Thank you!", "Bravo", "Well said sir 👏", "🙏🙏", "", "   ", "https://t.co/x @mp"]
)
def test_short_or_empty_texts_get_no_key(short: str) -> None:
    keys = near_duplicate_keys([short, short, "a text with enough words in it"])
    assert keys[:2].tolist() == [-1, -1]
    assert keys[2] == 0


def test_missing_values_get_no_key() -> None:
    texts = [None, "a text with enough words in it", float("nan")]  # NaN: pandas' missing value
    keys = near_duplicate_keys(texts)  # type: ignore[arg-type]
    assert keys.tolist() == [-1, 0, -1]


def test_empty_input() -> None:
    keys = near_duplicate_keys([])
    assert keys.dtype == np.int64
    assert keys.shape == (0,)


def test_accepts_arrays_and_tuples_without_mutating_them() -> None:
    texts, _ = campaign(6, per_template=2)
    array = np.array(texts, dtype=object)
    before = array.copy()
    from_array = near_duplicate_keys(array)
    assert np.array_equal(array, before)
    assert np.array_equal(from_array, near_duplicate_keys(tuple(texts)))
    assert from_array.dtype == np.int64


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_order_invariance(seed: int) -> None:
    texts, _ = campaign(seed, per_template=6)
    texts += ["Bravo", None, "unrelated words about a sunny walk in the park"]  # type: ignore[list-item]
    keys = near_duplicate_keys(texts)
    perm = np.random.default_rng(seed).permutation(len(texts))
    permuted = near_duplicate_keys([texts[i] for i in perm])
    back = np.empty_like(permuted)
    back[perm] = permuted
    assert same_partition(keys, back)


_SUBPROCESS = """
import json, sys
from botgraph.near_duplicates import near_duplicate_keys
texts = json.loads(sys.stdin.read())
print(json.dumps(near_duplicate_keys(texts).tolist()))
"""


def test_deterministic_across_processes_and_hash_seeds() -> None:
    texts, _ = campaign(7, per_template=5)
    src = str(Path(__file__).resolve().parents[1] / "src")
    outputs = []
    for hash_seed in ("0", "4242"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [src, env.get("PYTHONPATH")]))
        done = subprocess.run(
            [sys.executable, "-c", _SUBPROCESS],
            input=json.dumps(texts),
            capture_output=True,
            text=True,
            env=env,
            check=True,
        )
        outputs.append(json.loads(done.stdout))
    assert outputs[0] == outputs[1] == near_duplicate_keys(texts).tolist()


def test_threads_do_not_change_the_result(monkeypatch: pytest.MonkeyPatch) -> None:
    texts, _ = campaign(8, per_template=4)
    monkeypatch.setattr(near_duplicates, "_MAX_THREADS", 1)
    alone = near_duplicate_keys(texts, num_perm=64)
    monkeypatch.setattr(near_duplicates, "_MAX_THREADS", 4)
    monkeypatch.setattr(near_duplicates, "_THREADED_FROM", 0)
    monkeypatch.setattr(near_duplicates, "_CHUNK", 1 << 12)  # many blocks of functions
    threaded = near_duplicate_keys(texts, num_perm=64)
    assert np.array_equal(alone, threaded)


# --------------------------------------------------------------------------- parameters


def test_threshold_changes_the_result() -> None:
    base = "the minister refused to explain where the missing public funds went last year"
    # Three substituted words: Jaccard of word 1-2-grams about 0.5 (27 vs 27 features).
    edited = "the minister declined to explain where the vanished public money went last month"
    loose = near_duplicate_keys([base, edited], threshold=0.2)
    strict = near_duplicate_keys([base, edited], threshold=0.8)
    assert loose[0] == loose[1]
    assert strict[0] != strict[1]


def test_shingle_changes_the_result() -> None:
    words = [
        f"{name}{k}" for k, name in enumerate(["alpha", "bravo", "charlie", "delta", "echo"] * 2)
    ]
    texts = [" ".join(words), " ".join(reversed(words))]
    bag = near_duplicate_keys(texts, shingle=1)  # same words: Jaccard 1
    ordered = near_duplicate_keys(texts, shingle=2)  # no shared bigram: Jaccard 10/28
    assert bag[0] == bag[1]
    assert ordered[0] != ordered[1]


def _pairs_at_jaccard(n_pairs: int, shared: int, own: int) -> list[str]:
    """Pairs of texts of unique words whose word sets have Jaccard shared/(shared+2*own)."""
    texts = []
    for p in range(n_pairs):
        common = [f"w{p}x{k}" for k in range(shared)]
        texts.append(" ".join(common + [f"w{p}a{k}" for k in range(own)]))
        texts.append(" ".join(common + [f"w{p}b{k}" for k in range(own)]))
    return texts


def _linked_pairs(keys: np.ndarray) -> int:
    return int(np.count_nonzero(keys[0::2] == keys[1::2]))


def test_num_perm_changes_the_result() -> None:
    # Jaccard 0.4, below the threshold 0.5: a long signature estimates it well
    # and links (almost) nothing; a signature of 8 values links many pairs by chance.
    texts = _pairs_at_jaccard(40, shared=4, own=3)
    coarse = near_duplicate_keys(texts, shingle=1, num_perm=8)
    fine = near_duplicate_keys(texts, shingle=1, num_perm=512)
    assert _linked_pairs(coarse) >= 5
    assert _linked_pairs(fine) <= 1


def test_bands_changes_the_result() -> None:
    # Jaccard 0.7: one band of 128 rows needs identical signatures (0.7**128 ~ 0).
    texts = _pairs_at_jaccard(20, shared=14, own=3)
    default = near_duplicate_keys(texts, shingle=1)
    one_band = near_duplicate_keys(texts, shingle=1, bands=1)
    assert _linked_pairs(default) >= 18
    assert _linked_pairs(one_band) == 0


def test_min_tokens_changes_the_result() -> None:
    texts = ["shame on mp smith", "Shame on MP Smith!!"]
    assert near_duplicate_keys(texts, min_tokens=4).tolist() == [0, 0]
    assert near_duplicate_keys(texts, min_tokens=5).tolist() == [-1, -1]


def test_band_shape_follows_the_documented_choice() -> None:
    assert _band_shape(0.5, 128) == (26, 4)
    for threshold in (0.3, 0.5, 0.8):
        bands, rows = _band_shape(threshold, 64)
        assert bands * rows <= 64
        # The S-curve's steepest point (1/b)**(1/r) sits near the threshold.
        assert abs((1 / bands) ** (1 / rows) - threshold) < 0.15


# --------------------------------------------------------------------------- hashing


def test_universal_hash_matches_exact_integer_arithmetic() -> None:
    rng = np.random.default_rng(3)
    raw = rng.integers(0, 2**64, size=300, dtype=np.uint64)
    edges = np.array([0, 1, _PRIME - 1, _PRIME, _PRIME + 1, 2**61, 2**63, 2**64 - 1], np.uint64)
    x = _mod_prime(np.concatenate([raw, edges]))
    assert all(
        int(v) == int(r) % _PRIME for v, r in zip(x, np.concatenate([raw, edges]), strict=True)
    )
    a, b = _hash_coefficients(16)
    a = np.concatenate([a, np.array([1, _PRIME - 1], np.uint64)])
    b = np.concatenate([b, np.array([0, _PRIME - 1], np.uint64)])
    hashed = _universal_hash(a, b, x >> np.uint64(32), x & np.uint64(0xFFFF_FFFF))
    expected = [
        [(int(ai) * int(xi) + int(bi)) % _PRIME for xi in x] for ai, bi in zip(a, b, strict=True)
    ]
    assert hashed.tolist() == expected


def test_hash_coefficients_are_in_range_and_prefix_stable() -> None:
    a, b = _hash_coefficients(64)
    assert (a >= 1).all() and (a < _PRIME).all() and (b < _PRIME).all()
    a8, b8 = _hash_coefficients(8)
    assert np.array_equal(a[:8], a8) and np.array_equal(b[:8], b8)


def _sequential_pivots(n: int, edges: list[tuple[int, int]]) -> list[int]:
    neighbours: list[set[int]] = [set() for _ in range(n)]
    for a, b in edges:
        neighbours[a].add(b)
        neighbours[b].add(a)
    centre = [-1] * n
    for node in range(n):
        if centre[node] < 0:
            centre[node] = node
            for other in neighbours[node]:
                if centre[other] < 0:
                    centre[other] = node
    return centre


@settings(max_examples=80, deadline=None)
@given(
    graph=st.integers(1, 40).flatmap(
        lambda n: st.tuples(
            st.just(n),
            st.lists(
                st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)).filter(
                    lambda e: e[0] != e[1]
                ),
                max_size=120,
            ),
        )
    )
)
def test_parallel_pivot_rounds_match_the_sequential_algorithm(
    graph: tuple[int, list[tuple[int, int]]],
) -> None:
    n, edges = graph
    i = np.array([min(e) for e in edges], dtype=np.int64)
    j = np.array([max(e) for e in edges], dtype=np.int64)
    assert _pivot_clusters(n, i, j).tolist() == _sequential_pivots(n, edges)


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("texts", "match"),
    [
        ("one string", r"'texts' parameter of near_duplicate_keys must be a sequence"),
        (42, r"'texts' parameter .* Got 42 instead"),
        (np.array([["a", "b"]], dtype=object), r"Got an array of shape \(1, 2\) instead"),
        (["fine text here", 3], r"Got 3 at position 1 instead"),
        (["fine text here", ["a", "list"]], r"Got \['a', 'list'\] at position 1 instead"),
        ([b"bytes are not text"], r"Got b'bytes are not text' at position 0"),
    ],
)
def test_bad_texts(texts: object, match: str) -> None:
    with pytest.raises(ParameterError, match=match):
        near_duplicate_keys(texts)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("options", "match"),
    [
        ({"threshold": 0}, r"'threshold' parameter .* must be a finite number > 0 and <= 1"),
        ({"threshold": 1.5}, r"'threshold' parameter .* Got 1.5 instead"),
        ({"threshold": float("nan")}, r"'threshold' parameter .* Got nan instead"),
        ({"threshold": "0.5"}, r"'threshold' parameter .* Got '0.5' instead"),
        ({"shingle": 0}, r"'shingle' parameter .* an integer >= 1 and <= 16. Got 0"),
        ({"shingle": 17}, r"'shingle' parameter .* Got 17 instead"),
        ({"shingle": 2.0}, r"'shingle' parameter .* Got 2.0 instead"),
        ({"num_perm": 0}, r"'num_perm' parameter .* >= 1 and <= 4096. Got 0"),
        ({"num_perm": True}, r"'num_perm' parameter .* Got True instead"),
        ({"bands": 0}, r"'bands' parameter .* >= 1 and <= 128. Got 0 instead"),
        ({"num_perm": 16, "bands": 17}, r"'bands' parameter .* <= 16. Got 17 instead"),
        ({"min_tokens": 0}, r"'min_tokens' parameter .* an integer >= 1. Got 0 instead"),
        ({"linkage": "complete"}, r"'linkage' parameter .* 'star', 'single'. Got 'complete'"),
    ],
)
def test_bad_options(options: dict[str, object], match: str) -> None:
    with pytest.raises(ParameterError, match=match):
        near_duplicate_keys(["some text with enough words"], **options)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- properties

_WORDS = ["mp", "smith", "honte", "député", "corruption", "vidéo", "truth", "l'élite", "ça", "go"]
_NOISE = ["", "!", "!!!", " 😡", ",", " #tag", " https://t.co/x", "...", " @someone"]


@st.composite
def _cosmetic_variants(draw: st.DrawFn) -> list[str]:
    """Texts and cosmetic variants of them (case, punctuation, emoji, links)."""
    bases = draw(
        st.lists(st.lists(st.sampled_from(_WORDS), min_size=1, max_size=8), min_size=1, max_size=6)
    )
    texts = []
    for words in bases:
        for _ in range(draw(st.integers(1, 3))):
            pieces = [
                (w.upper() if draw(st.booleans()) else w) + draw(st.sampled_from(_NOISE))
                for w in words
            ]
            texts.append(" ".join(pieces))
    return draw(st.permutations(texts))


@settings(max_examples=60, deadline=None)
@given(texts=_cosmetic_variants(), min_tokens=st.integers(1, 5))
def test_identical_normalised_texts_share_a_key(texts: list[str], min_tokens: int) -> None:
    keys = near_duplicate_keys(texts, min_tokens=min_tokens).tolist()
    normalised = [normalize_text(t) for t in texts]
    seen: dict[str, int] = {}
    for text, key in zip(normalised, keys, strict=True):
        too_short = len(text.split()) < min_tokens
        assert (key == -1) == too_short
        assert seen.setdefault(text, key) == key
