"""The vectorised paths of botgraph.traces and the batch text functions of botgraph.normalize.

Every fast path is checked against its reference: ``traces`` against the
per-record ``_reference_traces``, ``normalize_texts`` against
``normalize_text``, ``text_fingerprints`` and the BLAKE2b kernel against
``text_fingerprint`` and :mod:`hashlib`. Results must be identical, not close.
"""

from __future__ import annotations

import contextlib
import csv
import gzip
import hashlib
import importlib
import logging
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from _records import make_records as _records
from botgraph._jit import LazyKernels
from botgraph.errors import ParameterError
from botgraph.ingest import Records
from botgraph.normalize import normalize_text, normalize_texts, text_fingerprint, text_fingerprints
from botgraph.traces import BipartiteGraph, layer_names, traces

# The package exports functions named like these modules: import the modules themselves.
normalize: Any = importlib.import_module("botgraph.normalize")
traces_module: Any = importlib.import_module("botgraph.traces")

PEERS = Path(__file__).resolve().parents[1].parent / "shared" / "peers"
IRA_TWEETS = PEERS / "ira_538" / "ira_tweets_2016-10-05_to_08.csv.gz"

FAST_LAYERS = ["text", "url", "hashtag", "mention", "target", "signature", "near_text"]


def _assert_identical(fast: BipartiteGraph, reference: BipartiteGraph) -> None:
    """Same keys (values and types), same events in the same order, same incidence."""
    assert fast.layer == reference.layer
    assert fast.accounts is reference.accounts
    assert fast.keys.dtype == reference.keys.dtype == object
    assert fast.keys.tolist() == reference.keys.tolist()
    assert [type(k) for k in fast.keys] == [type(k) for k in reference.keys]
    for name in ("event_account", "event_key", "event_time", "event_record"):
        got, want = getattr(fast, name), getattr(reference, name)
        assert got.dtype == want.dtype, name
        assert np.array_equal(got, want, equal_nan=True), name
    a, b = fast.incidence, reference.incidence
    assert a.shape == b.shape
    assert a.dtype == b.dtype
    assert a.indices.dtype == b.indices.dtype
    assert np.array_equal(a.indptr, b.indptr)
    assert np.array_equal(a.indices, b.indices)
    assert np.array_equal(a.data, b.data)


def _check_layer(records: Records, layer: str) -> BipartiteGraph:
    fast = traces(records, layer)
    _assert_identical(fast, traces_module._reference_traces(records, layer))
    return fast


# --------------------------------------------------------------------------- strategies

_FRAGMENTS = [
    "Honte à vous",
    "HONTE à VOUS!",
    "thank you",
    "Thank  you!!",
    "ｆｒｅｅ",
    "de\u0301pute\u0301",
    "hel\u200blo",
    "Straße",
    "#Député",
    "#MP",
    "C#",
    "&amp; co",
    "&#39;",
    "<b>bold</b>",
    "<3",
    "@mp_smith",
    "office@example.com",
    "https://t.co/x?utm_source=a",
    "HTTP://EX.COM/A",
    "www.example.org/p",
    "WWW.EX.ORG",
    "awww.so",
    "ex.com://",
    "😡",
    "\x00",
    "\x1c",
    "\x0b",
    "\t\n",
    "_",
    " ",
    "",
]

_texts = st.one_of(
    st.lists(st.sampled_from(_FRAGMENTS), max_size=4).map(" ".join),
    st.lists(st.sampled_from(_FRAGMENTS), max_size=4).map("".join),
    st.text(alphabet=st.characters(max_codepoint=127), max_size=30),
    st.text(max_size=20),
)
_cells = st.one_of(_texts, st.none(), st.just(float("nan")))
_url_items = st.sampled_from(
    ["https://ex.com/a", "HTTPS://WWW.EX.COM/a/", "https://ex.com/a#top", "www.x.org", " ", ""]
)
_tag_items = st.sampled_from(["#MP", "mp", "＃ＭＰ", "Député", "#", "", "tag0", "tag1"])


@st.composite
def _random_records(draw: st.DrawFn) -> Records:
    n = draw(st.integers(min_value=0, max_value=30))

    def column(cells: st.SearchStrategy[Any]) -> list[Any]:
        return draw(st.lists(cells, min_size=n, max_size=n))

    accounts = column(st.sampled_from(["a", "b", "c", "d"]))
    times = column(st.sampled_from([0.0, -0.0, 1.0, 1.5, 7.0, 1e9]))
    fields: dict[str, list[Any]] = {"text": column(_cells)}
    if draw(st.booleans()):
        fields["urls"] = column(st.lists(_url_items, max_size=3).map(tuple))
    if draw(st.booleans()):
        fields["hashtags"] = column(st.lists(_tag_items, max_size=3).map(tuple))
    if draw(st.booleans()):
        fields["target_id"] = column(st.sampled_from([None, "", "mp1", "mp2", "mp1/p1"]))
    if draw(st.booleans()):
        fields["post_id"] = column(st.sampled_from([None, "p1", "p2", "p1/x"]))
    fields["images"] = column(
        st.one_of(
            st.sampled_from(["h1", "h2", "", None, 3, 30]),
            st.lists(st.sampled_from(["h1", "h2", "h3", ""]), max_size=3).map(tuple),
        )
    )
    return _records(accounts, times, **fields)


# --------------------------------------------------------------------------- traces: identity


@settings(max_examples=60, deadline=None)
@given(_random_records())
def test_fast_traces_equal_the_reference(records: Records) -> None:
    for layer in [*FAST_LAYERS, "images"]:
        assert traces_module._fast_events(records, layer) is not None  # not the fallback
        _check_layer(records, layer)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_fast_traces_equal_the_reference_on_larger_data(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 3000
    words = np.array(["thank", "you", "MP", "shame", "#Vote", "@mp", "été", "https://t.co/a", "!"])
    texts = [" ".join(rng.choice(words, size=rng.integers(0, 6))) for _ in range(n)]
    urls = [tuple(f"https://ex.com/{x}" for x in rng.integers(0, 40, size=2)) for _ in range(n)]
    recs = _records(
        [f"u{x}" for x in rng.integers(0, 300, size=n)],
        rng.integers(0, 500, size=n).astype(float).tolist(),
        text=texts,
        urls=urls,
        hashtags=[tuple(f"#T{x}" for x in rng.integers(0, 9, size=2)) for _ in range(n)],
        target_id=[f"mp{x}" if x else None for x in rng.integers(0, 20, size=n)],
        post_id=[f"p{x}" if x % 3 else None for x in rng.integers(0, 50, size=n)],
    )
    for layer in FAST_LAYERS:
        graph = _check_layer(recs, layer)
        if layer not in ("mention", "signature"):
            assert graph.n_events > 0, layer


def test_layers_read_from_the_text_equal_the_reference() -> None:
    texts = ["#Vote @MP www.ex.com/a", "#vote, @mp! https://ex.com/a?utm_source=x", "＃Vote", None]
    recs = _records(["a", "b", "c", "d"], [1.0, 1.0, 2.0, 3.0], text=texts)
    for layer in ("url", "hashtag", "mention"):
        assert _check_layer(recs, layer).n_events > 0


def test_non_ascii_text_is_searched_for_links() -> None:
    # Full-width "https://" is a link once NFKC-normalised: the pre-filter must not skip it.
    recs = _records(
        ["a", "b"], [0.0, 1.0], text=["voir ｈｔｔｐｓ：／／ex.com/a", "https://ex.com/a"]
    )
    graph = _check_layer(recs, "url")
    assert graph.keys.tolist() == ["https://ex.com/a"]
    assert graph.n_events == 2


@pytest.mark.parametrize(
    "values",
    [
        [1, 1.0, True, "1"],  # equal as dict keys, different as text
        [0.0, -0.0, "x", None],
        [np.str_("a"), "a", None, "b"],
        [["a", "b"], ("a",), "a", None],  # unhashable cells
        [("a", 1), ("a", 1.0), ("b",), ()],  # tuples holding numbers
    ],
)
def test_values_the_fast_path_cannot_merge_take_the_reference_path(values: list[Any]) -> None:
    n = len(values)
    recs = _records(["a", "b", "c", "d"][:n], [0.0] * n, images=values, text=values)
    assert traces_module._fast_events(recs, "images") is None
    assert traces_module._fast_events(recs, "text") is None
    for layer in ("images", "text", "target", "signature"):
        _check_layer(recs, layer)


def test_mixed_numbers_stay_distinct_keys() -> None:
    recs = _records(["a", "b", "c"], [0.0, 1.0, 2.0], images=[1, 1.0, True])
    assert _check_layer(recs, "images").keys.tolist() == ["1", "1.0", "True"]


def test_numeric_column_is_a_layer() -> None:
    recs = _records(["a", "b", "c"], [0.0, 1.0, 2.0])
    fields = {"score": np.array([2.5, np.nan, 2.5])}
    recs = Records(**{**{f: getattr(recs, f) for f in recs.__dataclass_fields__}, "fields": fields})
    assert _check_layer(recs, "score").keys.tolist() == ["2.5"]


def test_fast_events_come_in_record_order() -> None:
    recs = _records(
        ["a", "b", "c"],
        [5.0, 1.0, 3.0],
        text=["x", "y", "x"],
        hashtags=[("#b", "#a", "#b"), (), ("#a",)],
    )
    for layer in ("text", "hashtag"):
        events = traces_module._fast_events(recs, layer)
        assert events is not None
        assert np.all(np.diff(events.record) >= 0)
    events = traces_module._fast_events(recs, "hashtag")
    assert events.keys.tolist() == ["a", "b"]
    assert events.record.tolist() == [0, 0, 2]


def test_time_ties_and_signed_zero_order_like_lexsort() -> None:
    recs = _records(
        ["b", "a", "b", "a", "c"],
        [0.0, -0.0, float("nan"), float("nan"), 0.0],
        text=["same"] * 5,
    )
    graph = _check_layer(recs, "text")
    assert graph.event_record.tolist() == [1, 0, 4, 3, 2]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from([0.0, -0.0, 2.0, float("nan")]), st.integers(0, 2)),
             min_size=1, max_size=12),
    st.lists(st.tuples(st.integers(0, 11), st.integers(0, 3)), max_size=30),
)  # fmt: skip
def test_event_order_is_the_four_key_lexsort(
    record_rows: list[tuple[float, int]], events: list[tuple[int, int]]
) -> None:
    # Events in record order, one per (record, key), on records with tied times and accounts.
    n = len(record_rows)
    distinct = sorted({(r % n, k) for r, k in events})
    record = np.array([r for r, _ in distinct], dtype=np.int64)
    key = np.array([k for _, k in distinct], dtype=np.int64)
    time_ = np.array([t for t, _ in record_rows], dtype=np.float64)
    account = np.array([a for _, a in record_rows], dtype=np.int64)
    reference = np.lexsort((np.arange(len(distinct)), account[record], time_[record], key))
    recs = SimpleNamespace(timestamp=time_, account_code=account)
    rank = traces_module._record_rank(recs)
    combined = traces_module._event_order(key, record, rank, 4)
    overflowing = traces_module._event_order(key, record, rank, 2**62)
    assert np.array_equal(combined, reference)
    assert np.array_equal(overflowing, reference)


@settings(max_examples=80, deadline=None)
@given(st.lists(st.integers(0, 4), max_size=40))
def test_by_key_then_row_is_the_stable_argsort(values: list[int]) -> None:
    key = np.array(values, dtype=np.int64)
    expected = np.argsort(key, kind="stable")
    assert traces_module._by_key_then_row(key).tolist() == expected.tolist()


@settings(max_examples=80, deadline=None)
@given(st.lists(st.integers(0, 9), max_size=30), st.integers(10, 300))
def test_unique_inverse_is_numpys(values: list[int], bound: int) -> None:
    array = np.array(values, dtype=np.int64)
    distinct, inverse = traces_module._unique_inverse(array, bound)
    expected_distinct, expected_inverse = np.unique(array, return_inverse=True)
    assert distinct.tolist() == expected_distinct.tolist()
    assert inverse.tolist() == expected_inverse.reshape(-1).tolist()


def test_record_rank_is_kept_for_read_only_columns() -> None:
    time_ = np.array([5.0, 1.0, 5.0])
    account = np.array([1, 0, 0], dtype=np.int64)
    recs = SimpleNamespace(timestamp=time_, account_code=account)
    first = traces_module._record_rank(recs)
    assert first.tolist() == [2, 0, 1]
    assert traces_module._record_rank(recs) is not first  # writable columns: computed again
    time_.setflags(write=False)
    account.setflags(write=False)
    kept = traces_module._record_rank(recs)
    assert traces_module._record_rank(recs) is kept
    assert kept.tolist() == [2, 0, 1]


def test_near_text_keys_are_sorted_as_strings() -> None:
    # Cluster ids 0..11: "10" and "11" sort before "2" as strings.
    texts = [f"w{i} a b c d e f g h" for i in range(12) for _ in range(2)]
    recs = _records([f"u{i}" for i in range(24)], list(range(24)), text=texts)
    graph = _check_layer(recs, "near_text")
    assert graph.keys.tolist() == sorted(graph.keys.tolist())


def test_fast_path_is_faster_than_the_reference() -> None:
    rng = np.random.default_rng(7)
    n = 20_000
    words = np.array(["thank", "you", "mp", "shame", "vote", "now", "again", "never"])
    texts = [" ".join(rng.choice(words, size=6)) for _ in range(n)]
    recs = _records([f"u{x}" for x in rng.integers(0, 500, size=n)], list(range(n)), text=texts)
    started = time.perf_counter()
    reference = traces_module._reference_traces(recs, "text")
    slow = time.perf_counter() - started
    started = time.perf_counter()
    fast = traces(recs, "text")
    quick = time.perf_counter() - started
    _assert_identical(fast, reference)
    assert quick < slow


# --------------------------------------------------------------------------- normalize_texts


_ascii_text = st.text(alphabet=st.characters(max_codepoint=127), max_size=40)
_tricky_text = st.lists(st.sampled_from(_FRAGMENTS), max_size=6).map(" ".join)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(_ascii_text, _tricky_text, st.text(max_size=30)), max_size=20))
def test_normalize_texts_equals_normalize_text(texts: list[str]) -> None:
    assert normalize_texts(texts) == [normalize_text(t) for t in texts]


@contextlib.contextmanager
def _chunk_limits(texts: int, chars: int) -> Iterator[None]:
    defaults = normalize._SHORTCUT_CHUNK, normalize._SHORTCUT_CHARS
    normalize._SHORTCUT_CHUNK, normalize._SHORTCUT_CHARS = texts, chars
    try:
        yield
    finally:
        normalize._SHORTCUT_CHUNK, normalize._SHORTCUT_CHARS = defaults


@settings(max_examples=100, deadline=None)
@given(
    texts=st.lists(st.one_of(_ascii_text, _tricky_text), max_size=12),
    chunk=st.integers(1, 4),
    chars=st.integers(1, 60),
)
def test_normalize_texts_in_small_chunks(texts: list[str], chunk: int, chars: int) -> None:
    with _chunk_limits(chunk, chars):
        slices = normalize._chunks(texts)
        got = normalize_texts(texts)
    assert got == [normalize_text(t) for t in texts]
    # the slices cover the texts in order, each within the limits or a single text
    assert [i for start, stop in slices for i in range(start, stop)] == list(range(len(texts)))
    for start, stop in slices:
        size = sum(map(len, texts[start:stop]))
        assert stop - start <= chunk
        assert size <= chars or stop - start == 1


@pytest.mark.parametrize(
    "text",
    [
        "a\x00b",  # holds the batch separator
        "x &amp; y",
        "see WWW.EX.COM now",
        "Www.ex.com",
        "a://b",
        "<b>x</b>",
        "mail a@b.c",
        "  lead and trail  ",
        "\x1c\x1d\x1e\x1fsep\x0b\x0c",
        "snake_case and CamelCase 42",
        "",
        "!!!",
    ],
)
def test_normalize_texts_on_edge_cases(text: str) -> None:
    batch = [text, "plain words", text.upper(), text]
    assert normalize_texts(batch) == [normalize_text(t) for t in batch]


def test_shortcut_table_agrees_with_the_character_table() -> None:
    for code in range(1, 128):
        expected = normalize_text(chr(code).lower() + "z").removesuffix("z").strip() or " "
        if expected != " ":
            assert expected == chr(code).lower()
        assert normalize._SHORTCUT_TABLE[code] == ord(expected)
    assert normalize._SHORTCUT_TABLE[0] == 0


def test_normalize_texts_accepts_any_iterable_and_keeps_order() -> None:
    texts = np.array(["B  a", "b A!", "😡"], dtype=object)
    assert normalize_texts(texts) == ["b a", "b a", ""]
    assert normalize_texts(t for t in ["X", "y"]) == ["x", "y"]
    assert normalize_texts([]) == []


@pytest.mark.parametrize(
    ("texts", "match"),
    [
        ("a text", r"'texts' parameter of normalize_texts must be an iterable of str\. Got 'a te"),
        (42, r"must be an iterable of str\. Got 42 instead"),
        (["ok", None], r"Got None at position 1 instead"),
        (["ok", b"bytes"], r"Got b'bytes' at position 1 instead"),
    ],
)
def test_normalize_texts_rejects_non_strings(texts: Any, match: str) -> None:
    with pytest.raises(ParameterError, match=match):
        normalize_texts(texts)


# --------------------------------------------------------------------------- fingerprints


@settings(max_examples=100, deadline=None)
@given(st.lists(st.one_of(st.none(), _ascii_text, _tricky_text, st.text(max_size=30)), max_size=20))
def test_text_fingerprints_equal_text_fingerprint(texts: list[str | None]) -> None:
    expected = [None if t is None else text_fingerprint(t) for t in texts]
    got = text_fingerprints(texts)
    assert got.dtype == object
    assert got.shape == (len(texts),)
    assert got.tolist() == expected


@pytest.mark.parametrize(
    ("texts", "match"),
    [
        (
            "a text",
            r"'texts' parameter of text_fingerprints must be an iterable of str \(or None\)",
        ),
        ([1.5], r"Got 1.5 at position 0 instead"),
        (["a", ["b"]], r"Got \['b'\] at position 1 instead"),
    ],
)
def test_text_fingerprints_rejects_non_strings(texts: Any, match: str) -> None:
    with pytest.raises(ParameterError, match=match):
        text_fingerprints(texts)


def _hashlib_values(forms: list[bytes]) -> list[int]:
    return [int.from_bytes(hashlib.blake2b(f, digest_size=8).digest(), "big") for f in forms]


# Normal forms around the 128-byte block size, and multi-byte characters.
_BOUNDARY_TEXTS = ["a" * n for n in (0, 1, 63, 64, 127, 128, 129, 255, 256, 257, 300)] + [
    "é" * 64,
    "mot " * 40,
    "ÉTÉ " * 33 + "x",
    "  a  b  ",
]


def test_pure_python_kernel_matches_hashlib() -> None:
    # The uncompiled kernel: checks the algorithm itself, independently of numba.
    forms = [normalize_text(t).encode("utf-8") for t in _BOUNDARY_TEXTS]
    lengths = np.array([len(f) for f in forms], dtype=np.int64)
    end = np.cumsum(lengths)
    buffer = np.frombuffer(b"".join(forms), dtype=np.uint8)
    with np.errstate(over="ignore"):  # numpy scalars warn where compiled code wraps around
        values, has = normalize._blake2b_normalised(
            buffer, end - lengths, end, normalize._IDENTITY_TABLE, *normalize._BLAKE2B
        )
    assert has.tolist() == [len(f) > 0 for f in forms]
    expected = [v if len(f) else 0 for v, f in zip(_hashlib_values(forms), forms, strict=True)]
    assert values.byteswap().tolist() == expected


@contextlib.contextmanager
def _kernel_always() -> Iterator[None]:
    """Use the compiled kernel for any batch size (skips when numba is unusable)."""
    if normalize._fingerprint_kernel() is None:
        pytest.skip("numba is not usable here")
    default = normalize._KERNEL_MIN_TEXTS
    normalize._KERNEL_MIN_TEXTS = 0
    try:
        yield
    finally:
        normalize._KERNEL_MIN_TEXTS = default


@settings(max_examples=60, deadline=None)
@given(
    texts=st.lists(st.one_of(_ascii_text, _tricky_text, st.text(max_size=30)), max_size=15),
    chars=st.sampled_from([1, 50, 1 << 24]),
)
def test_kernel_fingerprints_equal_hashlib(texts: list[str], chars: int) -> None:
    texts = texts + _BOUNDARY_TEXTS
    with _kernel_always(), _chunk_limits(1 << 16, chars):
        values, has = normalize._fingerprint_values(texts)
        fingerprints = text_fingerprints(texts).tolist()
    forms = [normalize_text(t).encode("utf-8") for t in texts]
    assert has.tolist() == [len(f) > 0 for f in forms]
    expected = [v if len(f) else 0 for v, f in zip(_hashlib_values(forms), forms, strict=True)]
    assert values.tolist() == expected
    assert fingerprints == [text_fingerprint(t) for t in texts]


def test_without_numba_fingerprints_use_hashlib(monkeypatch: pytest.MonkeyPatch) -> None:
    texts = ["Thank you", "THANK YOU!", "🙏", "merci &amp; adieu"] * 3
    expected = [text_fingerprint(t) for t in texts]
    monkeypatch.setattr(normalize, "_KERNEL_MIN_TEXTS", 0)
    monkeypatch.setattr(normalize, "_FINGERPRINT_LOADED", LazyKernels(lambda: None))
    assert text_fingerprints(texts).tolist() == expected


def test_kernel_loader_falls_back_when_numba_is_missing(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    real_import = importlib.import_module

    def no_numba(name: str, *args: Any) -> Any:
        if name == "numba":
            raise ImportError("no numba")
        return real_import(name, *args)

    monkeypatch.setattr(importlib, "import_module", no_numba)
    with caplog.at_level(logging.DEBUG, logger="botgraph.normalize"):
        assert normalize._load_fingerprint_kernel() is None
    assert "numba is not installed" in caplog.text


def test_kernel_loader_falls_back_when_compiling_fails(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    class BrokenNumba:
        @staticmethod
        def njit(**options: Any) -> Any:
            raise RuntimeError("cannot compile")

    real_import = importlib.import_module
    monkeypatch.setattr(
        importlib,
        "import_module",
        lambda name, *a: BrokenNumba() if name == "numba" else real_import(name, *a),
    )
    with caplog.at_level(logging.WARNING, logger="botgraph.normalize"):
        assert normalize._load_fingerprint_kernel() is None
    assert "cannot compile" in caplog.text


def test_kernel_is_skipped_on_big_endian_machines(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(normalize.sys, "byteorder", "big")
    assert normalize._load_fingerprint_kernel() is None


# --------------------------------------------------------------------------- real text


def _ira_contents() -> list[str]:
    if not IRA_TWEETS.exists():
        pytest.skip("../shared/peers is absent")
    with gzip.open(IRA_TWEETS, "rt", encoding="utf-8", newline="") as handle:
        return [row["content"] for row in csv.DictReader(handle)]


def test_real_tweets_normalise_and_fingerprint_identically() -> None:
    contents = _ira_contents()
    assert normalize_texts(contents) == [normalize_text(t) for t in contents]
    with _kernel_always():
        fingerprints = text_fingerprints(contents).tolist()
    assert fingerprints == [text_fingerprint(t) for t in contents]


def test_real_tweets_trace_identically() -> None:
    contents = _ira_contents()[:8000]
    n = len(contents)
    recs = _records(
        [f"u{i % 97}" for i in range(n)], [float(i // 3) for i in range(n)], text=contents
    )
    for layer in ("text", "url", "hashtag", "mention"):
        assert _check_layer(recs, layer).n_events > 0


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("plain words only", ()),
        ("see www.example.org now", ("url",)),
        ("WWW.EXAMPLE.ORG", ("url",)),
        ("fullwidth \uff03tag", ("hashtag",)),
        ("small \ufe6bhandle", ("mention",)),
        ("#tag and @handle", ("hashtag", "mention")),
    ],
)
def test_layer_names_hint_scan_agrees_with_extractors(text: str, expected: tuple[str, ...]) -> None:
    recs = _records(["a", "b"], [0.0, 1.0], text=[text, "another plain text"])
    found = tuple(n for n in layer_names(recs) if n in ("url", "hashtag", "mention"))
    assert found == expected
    for name in ("url", "hashtag", "mention"):
        assert (traces(recs, name).n_events > 0) == (name in expected)


def test_layer_names_hint_scan_does_not_join_neighbouring_texts() -> None:
    # The scan searches the distinct texts joined by NUL: "ww" + "w.example" must not
    # read as "www.example", nor "@" split from its text as a handle hint.
    recs = _records(["a", "b", "c"], [0.0, 1.0, 2.0], text=["go ww", "w.example now", "x y"])
    assert "url" not in layer_names(recs)
    assert traces(recs, "url").n_events == 0


@pytest.mark.parametrize(
    "text", ["http://x.org", "see www.a.org", "WWW.A.ORG", "Www.a.org", "w w w", "://", "none"]
)
def test_url_hint_needles_agree_with_normalize(text: str) -> None:
    traces_module = importlib.import_module("botgraph.traces")
    needles = traces_module._TEXT_HINTS["url"]
    normalize_module = importlib.import_module("botgraph.normalize")
    assert any(n in text for n in needles) == normalize_module._has_url_hint(text)


def test_shared_text_groups_once_and_changes_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    traces_module = importlib.import_module("botgraph.traces")

    recs = _records(
        ["a", "b", "c"],
        [0.0, 1.0, 2.0],
        text=["Hi #there @you", "Hi #there @you", "www.example.org says hi"],
    )
    layers = ("text", "signature", "hashtag", "mention", "url")
    plain = [traces(recs, layer) for layer in layers]
    calls: list[int] = []
    original = traces_module._group_text

    def counting(records: Records) -> Any:
        calls.append(1)
        return original(records)

    monkeypatch.setattr(traces_module, "_group_text", counting)
    with traces_module.shared_text(recs):
        shared = [traces(recs, layer) for layer in layers]
    assert len(calls) == 1
    assert traces_module._SHARED_TEXT == {}
    for a, b in zip(plain, shared, strict=True):
        assert a.keys.tolist() == b.keys.tolist()
        assert np.array_equal(a.event_record, b.event_record)
    traces(recs, "text")
    assert len(calls) == 2  # outside the block nothing is cached


# --------------------------------------------------------------------------- shared fingerprints


@settings(max_examples=60, deadline=None)
@given(_random_records())
def test_text_layer_takes_the_fingerprints_near_text_computed(records: Records) -> None:
    # Inside shared_text, near_text hands the fingerprints of the distinct texts
    # (BLAKE2b of their normal forms, which it computes anyway) to the text layer.
    from botgraph import near_duplicates

    expected = traces(records, "text")
    calls: list[int] = []
    original = traces_module._fingerprint_values

    def counted(texts: list[str]) -> Any:
        calls.append(len(texts))
        return original(texts)

    with traces_module.shared_text(records):
        traces(records, "near_text")
        traces_module._fingerprint_values = counted
        try:
            got = traces(records, "text")
        finally:
            traces_module._fingerprint_values = original
    _assert_identical(got, expected)
    if near_duplicates._compiled() is not None:
        assert calls == []  # nothing hashed twice


def test_text_layer_hashes_itself_when_near_text_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    from botgraph import near_duplicates

    records = _records(
        ["a", "b", "c"], [0.0, 1.0, 2.0], text=["one two three", "One two three!", "x"]
    )
    expected = traces(records, "text")

    def failing(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("near_text failed")

    monkeypatch.setattr(near_duplicates, "_grouped_keys", failing)
    with traces_module.shared_text(records):
        with pytest.raises(RuntimeError, match="near_text failed"):
            traces(records, "near_text")
        _assert_identical(traces(records, "text"), expected)  # no wait for the failed layer


@pytest.mark.parametrize(
    ("cells", "expected"),
    [(["a", None, "b", "a"], True), (["a", 3, "a"], False), ([float("nan"), "x"], True)],
)
def test_only_text_with_and_without_remembered_cells(cells: list[Any], expected: bool) -> None:
    from botgraph._factorized import remember

    plain = np.array(cells, dtype=object)
    assert traces_module._only_text(plain) is expected
    column = np.array(cells, dtype=object)
    column.setflags(write=False)
    distinct = list(dict.fromkeys(cells))
    codes = np.array([distinct.index(c) for c in cells], dtype=np.int64)
    remember(column, distinct, codes)
    assert traces_module._only_text(column) is expected
    assert traces_module._only_text(np.array([1, 2])) is False
