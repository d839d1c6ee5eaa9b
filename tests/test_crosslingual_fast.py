"""The fast signature path of botgraph.crosslingual gives exactly the plain reading's items.

:func:`botgraph.crosslingual.signature_items` skips texts that cannot hold an
item, reads numbers with a rewritten pattern and scans names chunk by chunk with
cached effects. The reference below reads every text in full, token by token, as
the rules of :func:`~botgraph.crosslingual.signature_items` state them; every
test compares the two.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import html
import re
import unicodedata
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from botgraph import crosslingual
from botgraph.crosslingual import (
    NAME_STOPWORDS,
    message_signature,
    message_signatures,
    signature_items,
)
from botgraph.normalize import extract_hashtags, extract_mentions, extract_urls, normalize_url

PEERS = Path(__file__).resolve().parents[1].parent / "shared" / "peers"

# --------------------------------------------------------------------------- reference

_REFERENCE_NUMBER_RE = re.compile(
    r"(?<![\w.,])"
    r"(?P<int>\d{1,3}(?P<sep>[ ,.'’])\d{3}(?:(?P=sep)\d{3})*(?!\d)|\d+)"
    r"(?:(?P<dsep>[.,])(?P<dec>\d+))?(?![.,]\d)"
    r"(?:\s?(?P<pct>%|(?:pour|per)\s?cent\b|percent\b|pourcent\b)"
    r"|\s(?P<mult>millions?|milliards?|billions?|trillions?)\b)?",
    re.IGNORECASE,
)


def _reference_fold(word: str) -> str:
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _reference_names(text: str) -> set[str]:
    """The name rule applied token by token to the whole text."""
    tokens = [(m.lastgroup, m.group()) for m in crosslingual._TOKEN_RE.finditer(text)]
    words = [value for kind, value in tokens if kind == "word"]
    long_words = [w for w in words if len(w) >= 2]
    if len(long_words) >= 3 and sum(w.isupper() for w in long_words) >= 0.8 * len(long_words):
        return set()
    names: set[str] = set()
    run: list[str] = []
    at_start = True
    for kind, value in tokens:
        if kind == "space":
            continue
        if kind != "word":
            if run:
                names.add(run[-1])
                run.clear()
            if kind == "end" or unicodedata.category(value) == "So":
                at_start = True
            continue
        initial, at_start = at_start, False
        capitalised = [p for p in crosslingual._humps(value) if p[0].isupper()]
        marked = (
            len(capitalised) > 1
            or (len(value) >= 2 and value.isupper())
            or (not value[0].isupper() and bool(capitalised))
        )
        if (
            value.islower()
            or not capitalised
            or len(value) < 2
            or _reference_fold(value) in NAME_STOPWORDS
            or not (marked or initial is False)
        ):
            if run:
                names.add(run[-1])
                run.clear()
            continue
        run.extend(_reference_fold(p) for p in capitalised)
    if run:
        names.add(run[-1])
    return names


def reference_items(text: str, hashtags: bool = False) -> tuple[str, ...]:
    """:func:`signature_items` read in full: clean, links, handles, numbers, names."""
    if "&" in text:
        text = html.unescape(text)
    text = crosslingual._INVISIBLE_RE.sub("", unicodedata.normalize("NFKC", text))
    items: set[str] = set()
    urls = extract_urls(text)
    items.update(normalize_url(url) for url in urls)
    items.update("@" + handle for handle in extract_mentions(text))
    if hashtags:
        items.update("#" + tag for tag in extract_hashtags(text))
    for url in sorted(set(urls), key=len, reverse=True):
        text = text.replace(url, " ")
    text = crosslingual._SIGIL_RE.sub(" ", text)
    rest: list[str] = []
    last = 0
    for match in _REFERENCE_NUMBER_RE.finditer(text):
        number = crosslingual._number_item(match)
        if number is not None:
            items.add(number)
        rest.append(text[last : match.start()])
        last = match.end()
    rest.append(text[last:])
    items.update(_reference_names(" ".join(rest)))
    return tuple(sorted(items))


def reference_signature(text: str, min_items: int = 2, hashtags: bool = False) -> str | None:
    items = reference_items(text, hashtags)
    if len(items) < min_items:
        return None
    payload = "\x1f".join(items).encode("utf-8", "surrogatepass")
    return hashlib.blake2b(payload, digest_size=8).hexdigest()


# --------------------------------------------------------------------------- strategies

NAMES = [
    "Trudeau", "Northern Lantern", "NorthernLantern", "Jean-Pierre", "McDonald", "iPhone",
    "anti-Trudeau", "Radio-Canada", "Québec", "QUÉBEC", "Montréal", "CBC", "M. Dupont",
    "Lac-Mégantic", "l'Ontario", "d'Ottawa", "ǅemal", "Ɐx", "Ꙃ", "Σίσυφος", "Ǆ", "Ⅻ",
]  # fmt: skip
WORDS = [
    "the", "and", "of", "says", "hiding", "truth", "le", "la", "député", "a", "menti",
    "vérité", "Mr", "Madame", "Monday", "lundi", "Canadians", "Canadiens", "Bravo",
    "Merci", "The", "Le", "Shame", "Honte", "I", "Ok", "MP", "mp", "x", "é", "ÉTÉ",
]  # fmt: skip
NUMBERS = [
    "2,000,000", "2 000 000", "2\u00a0000\u00a0000", "1.000,50", "12,5 %", "12.5%",
    "3 per cent", "12 pour cent", "2,5 millions", "1.2 billion", "2026", "5", "0.5",
    "1.5.2", "G7", "14h30", "١٢٣٤", "１２３４", "$3", "10,000, 20,000", "12 3456", "1'000",
]  # fmt: skip
EXTRAS = [
    "@mp_017", "@MP_Smith", "@jean.dupont.", "#deepfake", "#Budget2026", "#1",
    "https://ex.example/a?utm_source=fb", "www.ex.org/b).", "HTTPS://EX.COM/X#frag",
    "office@example.com", "&amp;", "&#65;BC", "<b>Lantern</b>", "\u200bLan\u200btern",
    "\u202eRTL\u202c", "😡", "🙏🙏", "…", "!", "?", ".", ":", "«", "»", "\n", "\r\n", "\t",
    "  ", "\u2028", "\x1c", "-", "—", "C#", "a-", "-b", "_x_",
]  # fmt: skip
NUMBER_ALPHABET = "0123456789 ,.'’%-a1٣۵x\u00a0pcentourmilabsM\n"
SHOUTING = ["YOU ARE HIDING THIS", "STOP LYING TO CANADA NOW", "HONTE À VOUS M. DUPONT"]

pieces = st.one_of(
    st.sampled_from(NAMES),
    st.sampled_from(WORDS),
    st.sampled_from(NUMBERS),
    st.sampled_from(EXTRAS),
    st.sampled_from(SHOUTING),
    st.text(max_size=6),
)
separators = st.sampled_from([" ", " ", " ", "", ", ", ". ", "! ", "\n", " 😡 ", "\u00a0"])


@st.composite
def messages(draw: st.DrawFn) -> str:
    """EN/FR-like comments made of names, words, figures, links, handles, tags and noise."""
    parts = draw(st.lists(st.tuples(pieces, separators), max_size=14))
    return "".join(piece + separator for piece, separator in parts)


texts = st.one_of(messages(), st.text(max_size=80))


def _clear_caches() -> None:
    for table in (
        crosslingual._CHUNKS,
        crosslingual._CHUNKS.plain,
        crosslingual._WORDS,
        crosslingual._URLS,
        crosslingual._NUMBERS,
    ):
        table.clear()


# --------------------------------------------------------------------------- identity


@settings(max_examples=400, deadline=None)
@given(texts, st.booleans())
def test_items_equal_the_full_reading(text: str, hashtags: bool) -> None:
    assert signature_items(text, hashtags=hashtags) == reference_items(text, hashtags)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(st.none(), texts), max_size=10), st.integers(1, 3), st.booleans())
def test_batch_equals_the_reference_and_the_single_call(
    batch: list[str | None], min_items: int, hashtags: bool
) -> None:
    out = message_signatures(batch, min_items=min_items, hashtags=hashtags)
    expected = [None if t is None else reference_signature(t, min_items, hashtags) for t in batch]
    assert list(out) == expected
    single = [
        None if t is None else message_signature(t, min_items=min_items, hashtags=hashtags)
        for t in batch
    ]
    assert single == expected


@settings(max_examples=60, deadline=None)
@given(st.lists(texts, max_size=10))
def test_layer_batch_equals_message_signature_with_its_defaults(batch: list[str]) -> None:
    # The signature layer calls the unchecked batch; it must keep message_signature's defaults.
    assert crosslingual._default_signatures(batch) == [message_signature(t) for t in batch]


ASCII_MIX = st.text(
    alphabet=st.one_of(st.characters(max_codepoint=0x7F), st.sampled_from("aéß\u00a0")),
    max_size=12,
)


@settings(max_examples=300, deadline=None)
@given(st.lists(ASCII_MIX, max_size=12))
def test_vectorised_shortcut_is_the_python_one(batch: list[str]) -> None:
    # Texts the shortcut skips have no items; the vectorised mask must flag exactly those.
    pytest.importorskip("pyarrow")
    mask = crosslingual._plain_lowercase(batch)
    assert mask is not None
    expected = [t.isascii() and t.islower() and re.search("[0-9.:@#&]", t) is None for t in batch]
    assert mask.tolist() == expected


def test_layer_batch_without_pyarrow_reads_every_text(monkeypatch: pytest.MonkeyPatch) -> None:
    batch = ["plain words here", "Shame on MP Smith @mp_1 #x", "visit x.ca now", "ok"]
    with_mask = crosslingual._default_signatures(batch)

    def missing(name: str, *, feature: str) -> object:
        raise crosslingual.MissingDependencyError(f"{name} hidden for {feature}")

    monkeypatch.setattr(crosslingual, "import_optional", missing)
    assert crosslingual._plain_lowercase(batch) is None
    assert crosslingual._default_signatures(batch) == with_mask
    assert with_mask == [message_signature(t) for t in batch]
    assert with_mask[1] is not None


def test_known_messages_keep_their_items() -> None:
    cases = {
        "Read what Northern Lantern found: $2,000,000 vanished. @mp_017 #deepfake": (
            "2000000", "@mp_017", "lantern",
        ),
        "Le Québec paiera 12,5 % de plus en 2026, selon Radio-Canada.": (
            "12.5%", "2026", "canada", "quebec",
        ),
        "YOU ARE HIDING THIS FROM CANADA, says CBC @mp_1": ("@mp_1",),  # shouting
        "YOU ARE HIDING IT, says CBC.\nNorthern Lantern knows": (
            "cbc", "hiding", "lantern",
        ),
        "c thank you for gotu badi baba fuve favu": (),
    }  # fmt: skip
    for text, items in cases.items():
        assert signature_items(text) == reference_items(text) == items


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.sampled_from(NUMBER_ALPHABET), max_size=30))
def test_number_pattern_matches_the_documented_one(text: str) -> None:
    def spans(pattern: re.Pattern[str]) -> list[object]:
        return [(m.span(), m.groups()) for m in pattern.finditer(text)]

    assert spans(crosslingual._NUMBER_RE) == spans(_REFERENCE_NUMBER_RE)


# --------------------------------------------------------------------------- the shortcuts


@settings(max_examples=200, deadline=None)
@given(
    st.text(
        alphabet=st.characters(max_codepoint=127, exclude_characters="0123456789.:@#&"),
        max_size=60,
    )
)
def test_text_skipped_at_once_has_no_link_handle_or_tag(text: str) -> None:
    # _items returns () for lower-case ASCII without these characters: the functions of
    # botgraph.normalize must find nothing there.
    assert extract_urls(text) == extract_mentions(text) == extract_hashtags(text) == ()
    if text.islower():
        assert reference_items(text, hashtags=True) == ()


@settings(max_examples=200, deadline=None)
@given(texts)
def test_no_token_but_white_space_crosses_white_space(text: str) -> None:
    # What lets the name scan run chunk by chunk.
    def tokens(value: str) -> list[tuple[str | None, str]]:
        found = [(m.lastgroup, m.group()) for m in crosslingual._TOKEN_RE.finditer(value)]
        return [t for t in found if t[0] != "space"]

    chunked: list[tuple[str | None, str]] = []
    for number, line in enumerate(text.split("\n")):
        if number:
            chunked.append(("end", "\n"))
        for piece in line.split():
            chunked.extend(tokens(piece))
    assert tokens(text) == chunked


def test_text_without_capitals_has_no_name() -> None:
    # str.islower() is what lets _items skip the name scan: no character that
    # str.isupper() accepts can sit in a text that str.islower() accepts.
    upper = [chr(c) for c in range(0x110000) if chr(c).isupper()]
    assert not any(("a" + c).islower() for c in upper)


def test_small_caches_give_the_same_items(monkeypatch: pytest.MonkeyPatch) -> None:
    sample = [
        "Ask Justin Trudeau now. Northern Lantern said it!",
        "Voir l'Ontario, d'Ottawa à Montréal https://ex.com/a 2,5 millions @mp_1",
        "YOU ARE HIDING THIS FROM CANADA",
        "CBC reports it 😡 Bravo Quebec " + "x" * 80 + " Lantern",
    ] * 3
    expected = [reference_items(t) for t in sample]
    monkeypatch.setattr(crosslingual, "_MAX_CACHED", 3)
    monkeypatch.setattr(crosslingual, "_MAX_CACHED_CHUNK", 5)
    _clear_caches()
    assert [signature_items(t) for t in sample] == expected
    assert len(crosslingual._CHUNKS) <= 3 and len(crosslingual._WORDS) <= 3
    assert all(len(chunk) <= 5 for chunk in crosslingual._CHUNKS)
    _clear_caches()


def test_cache_state_does_not_change_items() -> None:
    text = "Lire Northern Lantern, Trudeau. 12 % de 2026 @mp_017"
    _clear_caches()
    cold = signature_items(text)
    warm = signature_items(text)
    assert cold == warm == reference_items(text)


def test_repeated_texts_are_read_once(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    original = crosslingual._items

    def counting(text: str, hashtags: bool) -> tuple[str, ...]:
        calls.append(text)
        items: tuple[str, ...] = original(text, hashtags)
        return items

    monkeypatch.setattr(crosslingual, "_items", counting)
    batch = ["Ask Trudeau about @mp_1", None, "Ask Trudeau about @mp_1", "x"] * 5
    out = message_signatures(batch)
    assert sorted(calls) == ["Ask Trudeau about @mp_1", "x"]
    assert out.dtype == object and out.shape == (20,)
    assert out[0] == out[2] is not None and out[1] is None and out[3] is None


# --------------------------------------------------------------------------- real text


def _tweets() -> Iterator[str]:
    path = PEERS / "ira_538" / "ira_tweets_2016-10-05_to_08.csv.gz"
    if not path.exists():
        pytest.skip("shared/peers/ira_538 is absent")
    with gzip.open(path, "rt", encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            yield row["content"]


def test_real_tweets_get_the_reference_signatures() -> None:
    tweets = list(dict.fromkeys(_tweets()))[:8000]  # English, Russian, German, ... with links
    _clear_caches()
    out = message_signatures(tweets, min_items=1, hashtags=True)
    expected = [reference_signature(t, 1, True) for t in tweets]
    assert list(out) == expected
    assert sum(s is not None for s in expected) > len(tweets) // 2
    assert np.array_equal(out, message_signatures(tweets, min_items=1, hashtags=True))
