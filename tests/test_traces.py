"""Tests for botgraph.traces: per-layer account × key bipartite graphs."""

from __future__ import annotations

import math
from collections import Counter
from typing import Any

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from _records import make_records as _records
from botgraph.errors import ParameterError
from botgraph.ingest import Records
from botgraph.normalize import normalize_url, text_fingerprint
from botgraph.traces import BUILTIN_LAYERS, BipartiteGraph, layer_names, traces


def _events(graph: BipartiteGraph) -> list[tuple[str, str, float, int]]:
    """(account label, key label, time, record) per event, in stored order."""
    return [
        (graph.accounts[a], graph.keys[k], float(t), int(r))
        for a, k, t, r in zip(
            graph.event_account,
            graph.event_key,
            graph.event_time,
            graph.event_record,
            strict=True,
        )
    ]


def _check_invariants(graph: BipartiteGraph, records: Records) -> None:
    n_acc, n_keys = len(records.accounts), len(graph.keys)
    assert graph.accounts is records.accounts
    assert list(graph.keys) == sorted(set(graph.keys))
    assert isinstance(graph.incidence, sp.csr_array)
    assert graph.incidence.shape == (n_acc, n_keys)
    assert graph.incidence.dtype == np.int64
    for array, dtype in [
        (graph.event_account, np.int64),
        (graph.event_key, np.int64),
        (graph.event_time, np.float64),
        (graph.event_record, np.int64),
    ]:
        assert array.dtype == dtype
        assert array.shape == (graph.n_events,)
    # sorted by key, then time, then account, then record
    order = np.lexsort((graph.event_record, graph.event_account, graph.event_time, graph.event_key))
    assert np.array_equal(order, np.arange(graph.n_events))
    # one event per (record, key)
    pairs = set(zip(graph.event_record.tolist(), graph.event_key.tolist(), strict=True))
    assert len(pairs) == graph.n_events
    # events agree with the records they come from
    assert np.array_equal(records.account_code[graph.event_record], graph.event_account)
    assert np.array_equal(records.timestamp[graph.event_record], graph.event_time)
    # incidence counts the events
    assert int(graph.incidence.sum()) == graph.n_events
    dense = np.zeros((n_acc, n_keys), dtype=np.int64)
    np.add.at(dense, (graph.event_account, graph.event_key), 1)
    assert np.array_equal(graph.incidence.toarray(), dense)
    # every key has at least one event
    assert set(graph.event_key.tolist()) == set(range(n_keys))


# --------------------------------------------------------------------------- text


def test_text_layer_groups_cosmetic_variants() -> None:
    recs = _records(
        ["a", "b", "c", "d"],
        [3.0, 1.0, 2.0, 4.0],
        text=["Honte à vous !", "HONTE À VOUS 😡", "Bravo", "🙏🙏"],
    )
    graph = traces(recs, "text")
    _check_invariants(graph, recs)
    assert graph.layer == "text"
    shame, bravo = text_fingerprint("honte à vous"), text_fingerprint("bravo")
    assert shame is not None
    assert bravo is not None
    assert sorted(graph.keys) == sorted([shame, bravo])
    expected = sorted([(shame, 1.0, "b"), (shame, 3.0, "a"), (bravo, 2.0, "c")])
    assert [(k, t, a) for a, k, t, _ in _events(graph)] == expected
    # the emoji-only record of "d" emits nothing, but "d" is still a row
    assert list(graph.accounts) == ["a", "b", "c", "d"]
    assert graph.incidence.toarray()[3].sum() == 0


def test_text_layer_without_text_column_is_empty() -> None:
    recs = _records(["a", "b"], [0.0, 1.0], target_id=["t", "t"])
    graph = traces(recs, "text")
    _check_invariants(graph, recs)
    assert graph.n_events == 0
    assert graph.incidence.shape == (2, 0)
    assert graph.keys.dtype == object


def test_missing_and_non_string_text() -> None:
    recs = _records(["a", "b", "c"], [0.0, 1.0, 2.0], text=[None, float("nan"), 42])
    graph = traces(recs, "text")
    _check_invariants(graph, recs)
    assert list(graph.keys) == [text_fingerprint("42")]
    assert graph.event_record.tolist() == [2]


# --------------------------------------------------------------------------- url


def test_url_layer_from_text_normalises_and_dedupes_per_record() -> None:
    text = [
        "Voir https://www.Example.com/v?utm_source=fb et https://example.com/v#t",
        "www.example.com/v/ !",
        "pas de lien",
    ]
    recs = _records(["a", "b", "c"], [5.0, 6.0, 7.0], text=text)
    graph = traces(recs, "url")
    _check_invariants(graph, recs)
    assert list(graph.keys) == ["https://example.com/v"]
    assert graph.event_record.tolist() == [0, 1]  # record 0 names the page twice: one event


def test_url_layer_prefers_the_urls_column() -> None:
    recs = _records(
        ["a", "b", "c"],
        [0.0, 1.0, 2.0],
        text=["https://in-text.com", "https://in-text.com", "x"],
        urls=[("HTTPS://WWW.Col.com/P/?fbclid=1", "https://col.com/P"), (), ("https://z.org",)],
    )
    graph = traces(recs, "url")
    _check_invariants(graph, recs)
    assert list(graph.keys) == ["https://col.com/P", "https://z.org"]
    assert graph.event_record.tolist() == [0, 2]
    without_column = _records(["a", "b", "c"], [0.0, 1.0, 2.0], text=list(recs.fields["text"]))
    assert list(traces(without_column, "url").keys) == [normalize_url("https://in-text.com")]


# --------------------------------------------------------------------------- hashtag, mention


def test_hashtag_layer_from_text() -> None:
    recs = _records(
        ["a", "b", "b"],
        [1.0, 2.0, 3.0],
        text=["#Député #DEEPFAKE #député", "#député", "#Québec C# #1"],
    )
    graph = traces(recs, "hashtag")
    _check_invariants(graph, recs)
    assert list(graph.keys) == ["deepfake", "député", "québec"]
    assert graph.incidence.toarray().tolist() == [[1, 1, 0], [0, 1, 1]]


def test_hashtag_layer_from_column_is_normalised() -> None:
    recs = _records(
        ["a", "b", "c"],
        [1.0, 2.0, 3.0],
        text=["#ignored", "#ignored", "#ignored"],
        hashtags=[("#Québec", "QUÉBEC"), ("québec",), ("", None, "#")],
    )
    graph = traces(recs, "hashtag")
    _check_invariants(graph, recs)
    assert list(graph.keys) == ["québec"]
    assert graph.event_record.tolist() == [0, 1]


def test_mention_layer_from_text_and_column() -> None:
    recs = _records(
        ["a", "b"],
        [1.0, 2.0],
        text=["@MP_Smith liar, mail office@example.com", "@mp_smith @Other"],
    )
    graph = traces(recs, "mention")
    _check_invariants(graph, recs)
    assert list(graph.keys) == ["mp_smith", "other"]
    assert graph.n_events == 3

    with_column = _records(
        ["a", "b"], [1.0, 2.0], text=list(recs.fields["text"]), mentions=[("@Zed",), ()]
    )
    assert list(traces(with_column, "mention").keys) == ["zed"]


# --------------------------------------------------------------------------- target


def test_target_layer_combines_target_and_post() -> None:
    recs = _records(
        ["a", "b", "c", "d", "e"],
        [1.0, 2.0, 3.0, 4.0, 5.0],
        target_id=["mp1", "mp1", None, None, "mp2"],
        post_id=["p9", None, "p9", None, ""],
    )
    graph = traces(recs, "target")
    _check_invariants(graph, recs)
    keys_by_record = {r: k for _, k, _, r in _events(graph)}
    assert keys_by_record == {0: "mp1/p9", 1: "mp1", 2: "p9", 4: "mp2"}


@pytest.mark.parametrize("column", ["target_id", "post_id"])
def test_target_layer_with_one_column(column: str) -> None:
    recs = _records(["a", "b"], [1.0, 2.0], **{column: ["x", "x"]})
    graph = traces(recs, "target")
    assert list(graph.keys) == ["x"]
    assert graph.incidence.toarray().tolist() == [[1], [1]]


def test_target_layer_without_columns_is_empty() -> None:
    recs = _records(["a"], [1.0], text=["hello"])
    assert traces(recs, "target").n_events == 0


# --------------------------------------------------------------------------- custom layers


def test_custom_layer_uses_exact_values() -> None:
    recs = _records(
        ["a", "b", "c", "d", "e", "f"],
        [1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
        campaign=["X", "x", None, float("nan"), "", 7],
    )
    graph = traces(recs, "campaign")
    _check_invariants(graph, recs)
    assert graph.layer == "campaign"
    assert list(graph.keys) == ["7", "X", "x"]  # not normalised: "X" and "x" differ
    assert graph.event_record.tolist() == [5, 0, 1]


def test_custom_layer_with_sequence_values() -> None:
    recs = _records(
        ["a", "b", "a"],
        [1.0, 2.0, 3.0],
        images=[("h1", "h2", "h1"), ["h2"], np.array(["h3", None], dtype=object)],
    )
    graph = traces(recs, "images")
    _check_invariants(graph, recs)
    assert list(graph.keys) == ["h1", "h2", "h3"]
    assert sorted(zip(graph.event_record.tolist(), graph.event_key.tolist(), strict=True)) == [
        (0, 0),
        (0, 1),
        (1, 1),
        (2, 2),
    ]
    assert graph.incidence.toarray().tolist() == [[1, 1, 1], [0, 1, 0]]


def test_custom_layer_from_numeric_column() -> None:
    recs = _records(["a", "b"], [1.0, 2.0])
    numeric = Records(
        account_id=recs.account_id,
        timestamp=recs.timestamp,
        record_id=recs.record_id,
        row=recs.row,
        accounts=recs.accounts,
        account_code=recs.account_code,
        fields={"score": np.array([1.5, math.nan])},
        rejected=(),
        n_input=2,
    )
    assert list(traces(numeric, "score").keys) == ["1.5"]


def test_built_in_name_wins_over_same_named_column() -> None:
    recs = _records(["a", "b"], [1.0, 2.0], text=["Hello!", "HELLO"])
    assert list(traces(recs, "text").keys) == [text_fingerprint("hello")]


def test_layer_parameter_changes_the_result() -> None:
    recs = _records(
        ["a", "b"],
        [1.0, 2.0],
        text=["#Tag @who https://x.com Hello", "#tag @WHO https://x.com/ hello"],
        target_id=["mp", "mp"],
        lang=["fr", "fr"],
    )
    keys = {layer: tuple(traces(recs, layer).keys) for layer in [*BUILTIN_LAYERS, "lang"]}
    assert len(set(keys.values())) == len(keys)
    assert keys["hashtag"] == ("tag",)
    assert keys["mention"] == ("who",)
    assert keys["url"] == ("https://x.com",)
    assert keys["target"] == ("mp",)
    assert keys["lang"] == ("fr",)


# --------------------------------------------------------------------------- errors


def test_unknown_layer_suggests_close_names() -> None:
    recs = _records(["a"], [1.0], text=["x"], platform=["facebook"])
    with pytest.raises(ParameterError, match=r"Got 'hashtags' instead\. Did you mean 'hashtag'\?"):
        traces(recs, "hashtags")
    with pytest.raises(ParameterError, match=r"Did you mean 'platform'\?"):
        traces(recs, "platfrom")


def test_unknown_layer_lists_layers_and_columns() -> None:
    recs = _records(["a"], [1.0], text=["x"], platform=["facebook"])
    with pytest.raises(ParameterError) as info:
        traces(recs, "zzz")
    message = str(info.value)
    assert message.startswith("The 'layer' parameter of traces must be a built-in layer")
    for name in [*BUILTIN_LAYERS, "platform"]:
        assert repr(name) in message
    assert "Did you mean" not in message


def test_non_string_layer_is_rejected() -> None:
    recs = _records(["a"], [1.0])
    with pytest.raises(ParameterError, match=r"available columns: none\)\. Got 3 instead\.$"):
        traces(recs, 3)  # type: ignore[arg-type]


@pytest.mark.parametrize("name", ["account_id", "timestamp", "record_id"])
def test_core_columns_are_not_layers(name: str) -> None:
    recs = _records(["a"], [1.0], text=["x"])
    with pytest.raises(ParameterError, match=rf"Got {name!r} instead"):
        traces(recs, name)


# --------------------------------------------------------------------------- invariants


_WORDS = ["Honte à vous", "HONTE à VOUS!", "Bravo", "#Député", "@mp", "https://t.co/x", "😡", ""]


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
@pytest.mark.parametrize("layer", [*BUILTIN_LAYERS, "images"])
def test_random_records_satisfy_invariants(seed: int, layer: str) -> None:
    rng = np.random.default_rng(seed)
    n = 200
    accounts = [f"u{i}" for i in rng.integers(0, 25, size=n)]
    times = rng.integers(0, 50, size=n).astype(float).tolist()
    texts = [" ".join(rng.choice(_WORDS, size=rng.integers(0, 4))) for _ in range(n)]
    targets = [None if x == 0 else f"mp{x}" for x in rng.integers(0, 4, size=n)]
    images = [tuple(f"h{x}" for x in rng.integers(0, 6, size=rng.integers(0, 3))) for _ in range(n)]
    recs = _records(accounts, times, text=texts, target_id=targets, images=images)
    graph = traces(recs, layer)
    _check_invariants(graph, recs)
    assert graph.n_events > 0


def test_traces_does_not_mutate_records() -> None:
    texts = ["#A https://x.com", "#a", None]
    recs = _records(["b", "a", "b"], [3.0, 1.0, 2.0], text=texts, images=[("x", "x"), (), ("y",)])
    before = (recs.account_code.copy(), recs.timestamp.copy(), list(recs.fields["images"]))
    for layer in [*BUILTIN_LAYERS, "images"]:
        traces(recs, layer)
    assert np.array_equal(recs.account_code, before[0])
    assert np.array_equal(recs.timestamp, before[1])
    assert list(recs.fields["images"]) == before[2]
    assert list(recs.fields["text"]) == texts


@st.composite
def _shuffled_records(draw: st.DrawFn) -> tuple[Records, Records, list[int]]:
    n = draw(st.integers(min_value=0, max_value=25))
    rows = draw(
        st.lists(
            st.tuples(
                st.sampled_from(["a", "b", "c", "d"]),
                st.integers(min_value=0, max_value=5),
                st.lists(st.sampled_from(_WORDS), max_size=3).map(" ".join),
                st.sampled_from([None, "mp1", "mp2"]),
            ),
            min_size=n,
            max_size=n,
        )
    )
    perm = draw(st.permutations(range(n)))

    def build(order: list[int]) -> Records:
        chosen = [rows[i] for i in order]
        return _records(
            [r[0] for r in chosen],
            [float(r[1]) for r in chosen],
            text=[r[2] for r in chosen],
            target_id=[r[3] for r in chosen],
        )

    return build(list(range(n))), build(perm), perm


@settings(max_examples=60, deadline=None)
@given(_shuffled_records(), st.sampled_from(BUILTIN_LAYERS))
def test_record_order_does_not_change_events(
    data: tuple[Records, Records, list[int]], layer: str
) -> None:
    original, shuffled, perm = data
    g1, g2 = traces(original, layer), traces(shuffled, layer)
    _check_invariants(g1, original)
    _check_invariants(g2, shuffled)
    events1 = Counter((a, k, t) for a, k, t, _ in _events(g1))
    events2 = Counter((a, k, t) for a, k, t, _ in _events(g2))
    assert events1 == events2
    # and each event still points at the same input record
    traced1 = Counter((a, k, t, r) for a, k, t, r in _events(g1))
    traced2 = Counter((a, k, t, perm[r]) for a, k, t, r in _events(g2))
    assert traced1 == traced2
    assert np.array_equal(g1.incidence.toarray(), g2.incidence.toarray())


# --------------------------------------------------------------------------- layer_names


def test_layer_names_lists_layers_with_events() -> None:
    recs = _records(
        ["a", "b"],
        [1.0, 2.0],
        text=["Voir www.example.com #Québec", "😡"],
        target_id=[None, "mp"],
    )
    assert layer_names(recs) == ("text", "near_text", "signature", "url", "hashtag", "target")


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({}, ()),
        ({"text": ["😡", None]}, ()),
        ({"text": ["hello", "@mp"]}, ("text", "near_text", "signature", "mention")),
        ({"text": ["https://x.com"], "urls": [()]}, ()),
        ({"text": ["x"], "urls": [("https://x.com",)]}, ("text", "near_text", "signature", "url")),
        ({"hashtags": [("#a",)], "mentions": [()]}, ("hashtag",)),
        ({"post_id": ["p1"]}, ("target",)),
        ({"platform": ["x"]}, ()),
    ],
)
def test_layer_names_cases(fields: dict[str, list[Any]], expected: tuple[str, ...]) -> None:
    n = len(next(iter(fields.values()))) if fields else 1
    recs = _records(["a"] * n, [0.0] * n, **fields)
    assert layer_names(recs) == expected
    for layer in BUILTIN_LAYERS:
        has_events = traces(recs, layer).n_events > 0
        if layer in ("near_text", "signature"):
            # listed whenever there is text, without being computed: may find no key
            assert not has_events or layer in expected
        else:
            assert has_events == (layer in expected)


# --------------------------------------------------------------------------- scale


def test_many_texts_are_fast() -> None:
    import time

    rng = np.random.default_rng(7)
    n = 100_000
    vocabulary = np.array(["honte", "à", "vous", "député", "deepfake", "the", "MP", "lies", "😡"])
    distinct = [" ".join(rng.choice(vocabulary, size=12)) + f" #{i}x" for i in range(20_000)]
    texts = [distinct[i] for i in rng.integers(0, len(distinct), size=n)]
    recs = _records([f"u{i % 5000}" for i in range(n)], rng.random(n).tolist(), text=texts)
    start = time.perf_counter()
    graph = traces(recs, "text")
    hashtags = traces(recs, "hashtag")
    elapsed = time.perf_counter() - start
    assert graph.n_events == n
    assert hashtags.n_events == n
    assert elapsed < 10  # generous for slow CI; typically well under 2 s
