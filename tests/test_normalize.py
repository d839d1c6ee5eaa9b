"""Tests for botgraph.normalize: text, URL, hashtag and mention normalisation."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from botgraph import normalize
from botgraph.errors import ParameterError
from botgraph.normalize import (
    extract_hashtags,
    extract_mentions,
    extract_urls,
    normalize_text,
    normalize_url,
    text_fingerprint,
)

# --------------------------------------------------------------------------- normalize_text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # English: case, punctuation, emoji
        ("Shame on you, MP Smith!!! 😡😡😡", "shame on you mp smith"),
        ("DEEPFAKE video?! #Corruption", "deepfake video corruption"),
        ("it's   the\ttruth\n\nreally", "it s the truth really"),
        # French: accents kept, guillemets, typographic and straight apostrophes
        ("Honte à vous, M. le Député ! 😡", "honte à vous m le député"),
        ("«\u00a0L’élite\u00a0» ment…", "l élite ment"),
        ("L'ÉLITE MENT", "l élite ment"),
        ("Ça suffit ; où est la vérité ?", "ça suffit où est la vérité"),
        ("Straße", "strasse"),
        # NFKC: full-width, mathematical letters, ligatures, decomposed accents
        ("ｈｏｎｔｅ", "honte"),
        ("𝐟𝐫𝐞𝐞 𝐦𝐨𝐧𝐞𝐲", "free money"),
        ("ﬁnancement", "financement"),
        ("de\u0301pute\u0301", "député"),
        # invisible characters: deleted inside words
        ("hon\u200bte", "honte"),
        ("cor\u00adrup\u2060tion", "corruption"),
        ("\u202edeepfake\u202c \u200fvidéo\u200e", "deepfake vidéo"),
        ("\ufeffbom", "bom"),
        # controls become spaces
        ("a\x00b\x1bc\x7fd", "a b c d"),
        # emoji with skin tones, ZWJ sequences and variation selectors
        ("bravo 👍🏽 👨\u200d👩\u200d👧 ❤\ufe0f!", "bravo"),
        # URLs, mentions, e-mail addresses
        ("Voir https://t.co/AbC?x=1 maintenant", "voir maintenant"),
        ("see www.example.com/page.", "see"),
        ("awww.so cute", "awww so cute"),
        ("@MP_Smith @jean.dupont liar", "liar"),
        ("write to office@example.com", "write to office example com"),
        # HTML-ish text
        ('<a href="https://x.com">Lien</a> <b>vrai</b>', "lien vrai"),
        ("&lt;script&gt;alert(1)&lt;/script&gt;", "alert 1"),
        ("&#233;t&eacute; &amp; hiver <3", "été hiver 3"),
        # nothing left
        ("🙏🙏🙏", ""),
        ("https://example.com", ""),
        ("", ""),
        ("   \n\t ", ""),
    ],
)
def test_normalize_text_examples(text: str, expected: str) -> None:
    assert normalize_text(text) == expected


@pytest.mark.parametrize(
    "variants",
    [
        (
            "Shame on you!",
            "SHAME ON YOU",
            "shame on you 😡",
            "Shame… on you?!",
            "shame\u200b on you",
        ),
        ("L’élite ment", "l'élite ment", "« L'ÉLITE MENT »", "L\u2019e\u0301lite ment"),
        ("Honte à vous @MP https://t.co/1", "honte à vous @other https://t.co/2"),
    ],
)
def test_cosmetic_variants_normalise_equal(variants: tuple[str, ...]) -> None:
    assert len({normalize_text(v) for v in variants}) == 1


@pytest.mark.parametrize(
    ("a", "b"),
    [("côte", "cote"), ("où", "ou"), ("à", "a"), ("député", "depute"), ("1", "2")],
)
def test_accents_and_digits_are_kept(a: str, b: str) -> None:
    assert normalize_text(a) != normalize_text(b)


def test_very_long_text_is_fast_and_complete() -> None:
    text = "Honte à vous 😡 #Député https://t.co/x " * 50_000  # ~2 MB
    start = time.perf_counter()
    result = normalize_text(text)
    assert time.perf_counter() - start < 5
    assert result.split() == ["honte", "à", "vous", "député"] * 50_000


def test_very_long_token_is_normalised() -> None:
    token = "É" * 100_000 + "\u200b!"
    assert normalize_text(token) == "é" * 100_000


def test_token_cache_eviction_does_not_change_results(monkeypatch: pytest.MonkeyPatch) -> None:
    texts = [f"Mot{i}, Député{i}! 😡" for i in range(50)]
    expected = [normalize_text(t) for t in texts]
    monkeypatch.setattr(normalize, "_MAX_CACHED_TOKENS", 3)
    monkeypatch.setattr(normalize, "_TOKEN_TABLE", normalize._TokenTable())
    assert [normalize_text(t) for t in texts] == expected
    assert len(normalize._TOKEN_TABLE) <= 3


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_normalize_text_is_idempotent(text: str) -> None:
    once = normalize_text(text)
    assert normalize_text(once) == once


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_normalize_text_output_alphabet(text: str) -> None:
    result = normalize_text(text)
    assert result == result.strip()
    assert "  " not in result
    assert unicodedata.is_normalized("NFKC", result)
    for char in result:
        category = unicodedata.category(char)
        assert char == " " or category[0] in "LN" or category in ("Mn", "Mc"), repr(char)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(["Honte", "À", "vous", "député", "Bravo", "42"]), min_size=1))
def test_normalize_text_ignores_decoration(words: list[str]) -> None:
    plain = " ".join(words)
    decorated = " ,\u200b ".join(w.upper() + " 😡" for w in words)
    assert normalize_text(decorated) == normalize_text(plain)


@pytest.mark.parametrize(
    "func",
    [
        normalize_text,
        text_fingerprint,
        extract_urls,
        extract_hashtags,
        extract_mentions,
    ],
)
def test_text_functions_reject_non_str(func: object) -> None:
    name = func.__name__  # type: ignore[attr-defined]
    with pytest.raises(ParameterError, match=rf"'text' parameter of {name} must be a str\. Got 3"):
        func(3)  # type: ignore[operator]


def test_normalize_url_rejects_non_str() -> None:
    with pytest.raises(ParameterError, match=r"'url' parameter of normalize_url must be a str"):
        normalize_url(None)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- text_fingerprint


def test_fingerprint_is_a_fixed_digest() -> None:
    # Stability across processes and platforms is the property: pin one value.
    assert text_fingerprint("Honte à vous, M. le Député ! 😡") == "ccf3bdb71d22443d"


def test_fingerprint_is_blake2b_of_normalised_text() -> None:
    text = "«\u00a0L’élite\u00a0» ment… #Corruption"
    expected = hashlib.blake2b(normalize_text(text).encode(), digest_size=8).hexdigest()
    assert text_fingerprint(text) == expected


def test_fingerprint_is_stable_across_processes() -> None:
    src = Path(normalize.__file__).resolve().parents[1]
    code = "from botgraph.normalize import text_fingerprint as f; print(f('Shame on you! 😡'))"
    outputs = set()
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(src)}
        run = subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
        )
        outputs.add(run.stdout.strip())
    assert outputs == {text_fingerprint("Shame on you! 😡")}


@pytest.mark.parametrize("text", ["", "   ", "😡🙏", "https://t.co/x @MP", "!!!"])
def test_fingerprint_none_when_nothing_left(text: str) -> None:
    assert text_fingerprint(text) is None


def test_fingerprint_format_and_equality() -> None:
    fp = text_fingerprint("Shame on you!")
    assert fp is not None
    assert len(fp) == 16
    assert int(fp, 16) >= 0
    assert fp == text_fingerprint("SHAME ON YOU 😡")
    assert fp != text_fingerprint("Shame on them!")


# --------------------------------------------------------------------------- URLs


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://example.com/a", "https://example.com/a"),
        ("HTTPS://WWW.EXAMPLE.COM/Path/Case", "https://example.com/Path/Case"),
        ("http://example.com:80/a", "http://example.com/a"),
        ("https://example.com:443/a", "https://example.com/a"),
        ("ftp://example.com:21/f", "ftp://example.com/f"),
        ("https://example.com:8080/a", "https://example.com:8080/a"),
        ("https://example.com/a#section", "https://example.com/a"),
        ("https://example.com/a/", "https://example.com/a"),
        ("https://example.com/", "https://example.com"),
        ("  https://example.com/a  ", "https://example.com/a"),
        ("www.example.com/a", "https://example.com/a"),
        ("https://example.com/a?b=2&a=1", "https://example.com/a?a=1&b=2"),
        ("https://example.com/a?a=2&a=1", "https://example.com/a?a=1&a=2"),
        ("https://example.com/a?utm_source=fb&utm_Medium=x&id=7", "https://example.com/a?id=7"),
        ("https://example.com/a?fbclid=XYZ", "https://example.com/a"),
        ("https://example.com/a?gclid=1&igshid=2&ref=3&si=4", "https://example.com/a"),
        ("https://example.com/a?mc_cid=1&mc_eid=2&FBCLID=3", "https://example.com/a"),
        ("https://example.com/a?q=a%20b", "https://example.com/a?q=a+b"),
        ("https://example.com/a?flag=", "https://example.com/a?flag="),
        ("https://youtu.be/AbCdEf?si=share123", "https://youtu.be/AbCdEf"),
        ("http://[2001:DB8::1]:80/x", "http://[2001:db8::1]/x"),
        ("https://user@Example.com/a", "https://user@example.com/a"),
        ("http://[::1", "http://[::1"),
        ("http://example.com:notaport/a", "http://example.com:notaport/a"),
    ],
)
def test_normalize_url_table(url: str, expected: str) -> None:
    assert normalize_url(url) == expected


def test_normalize_url_tracking_parameters_are_documented_constants() -> None:
    for name in ("fbclid", "gclid", "igshid", "ref", "si", "mc_cid", "mc_eid"):
        assert name in normalize.TRACKING_PARAMETERS
    assert "utm_" in normalize.TRACKING_PREFIXES


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(["https://Example.com", "http://www.example.org:80", "www.ex.fr"]),
    st.lists(st.sampled_from(["", "a", "B", "c d"]), max_size=3),
    st.lists(st.sampled_from(["x=1", "y=2", "utm_source=fb", "fbclid=z"]), max_size=4),
    st.sampled_from(["", "#top", "/"]),
)
def test_normalize_url_is_idempotent(
    base: str, path: list[str], query: list[str], tail: str
) -> None:
    url = base + "/" + "/".join(path) + ("?" + "&".join(query) if query else "") + tail
    once = normalize_url(url)
    assert normalize_url(once) == once
    assert "utm_" not in once
    assert "fbclid" not in once
    assert "#" not in once


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Voir https://ex.com/a?utm_source=fb. Et (www.ex.org/b).",
            ("https://ex.com/a?utm_source=fb", "www.ex.org/b"),
        ),
        (
            "https://en.wikipedia.org/wiki/Foo_(bar), ok",
            ("https://en.wikipedia.org/wiki/Foo_(bar)",),
        ),
        ("«https://ex.com/x»", ("https://ex.com/x",)),
        ('<a href="https://ex.com/y">lien</a>', ("https://ex.com/y",)),
        ("HTTPS://EX.COM/Z!", ("HTTPS://EX.COM/Z",)),
        ("ｈｔｔｐｓ：／／ex.com/w", ("https://ex.com/w",)),
        ("a http://a.com b http://a.com", ("http://a.com", "http://a.com")),
        ("ftp://files.ex.com/f.txt…", ("ftp://files.ex.com/f.txt",)),
        ("awww.so cute", ()),
        ("name@example.com and example.com", ()),
        ("", ()),
    ],
)
def test_extract_urls(text: str, expected: tuple[str, ...]) -> None:
    assert extract_urls(text) == expected


# --------------------------------------------------------------------------- hashtags, mentions


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("#Député #DEEPFAKE, #1 fan, C# #Québec2024", ("député", "deepfake", "québec2024")),
        ("#Corruption #corruption", ("corruption", "corruption")),
        ("#ÉLITE… #Ça_suffit!", ("élite", "ça_suffit")),
        ("l&#39;élite #vérité", ("vérité",)),
        ("##double #", ()),
        ("https://ex.com/#section #real", ("real",)),
        ("＃Fullwidth", ("fullwidth",)),
        ("#Stra\u00dfe", ("strasse",)),
        ("no tags here", ()),
    ],
)
def test_extract_hashtags(text: str, expected: tuple[str, ...]) -> None:
    assert extract_hashtags(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("@MP_Smith @jean.dupont. write to office@example.com", ("mp_smith", "jean.dupont")),
        ("contact: jean.dupont@assemblee.fr", ()),
        ("(@Député) @@x", ("député",)),
        ("https://medium.com/@author/post @Real", ("real",)),
        ("＠FullWidth", ("fullwidth",)),
        ("@a @A", ("a", "a")),
        ("no mentions", ()),
    ],
)
def test_extract_mentions(text: str, expected: tuple[str, ...]) -> None:
    assert extract_mentions(text) == expected


def test_extract_functions_are_fast_on_many_texts() -> None:
    texts = [f"Honte à vous #Député{i % 97} @mp{i % 13} https://t.co/{i}" for i in range(20_000)]
    start = time.perf_counter()
    for text in texts:
        extract_urls(text)
        extract_hashtags(text)
        extract_mentions(text)
        text_fingerprint(text)
    assert time.perf_counter() - start < 10
