"""Traces: per layer, the account × key bipartite graph with event times.

A *trace event* is one record emitting one key of a layer: the normalised
text of a comment, a link it contains, a hashtag, a mention, the post it
answers, or the value of any column the caller names. Two accounts co-act on
a layer when they emit the same key; :mod:`botgraph.projection` then looks at
the times.
"""

from __future__ import annotations

import difflib
import math
import operator
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import chain, compress, count, repeat
from typing import Any

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from botgraph._factorized import derived, recall
from botgraph.errors import ParameterError
from botgraph.ingest import Records
from botgraph.normalize import (
    _clean_tag,
    _fingerprint_values,
    _first_seen_codes,
    _found,
    _hex_keys,
    extract_hashtags,
    extract_mentions,
    extract_urls,
    normalize_url,
    text_fingerprint,
)

__all__ = [
    "BUILTIN_LAYERS",
    "CONTENT_LAYERS",
    "OPTIONAL_LAYERS",
    "BipartiteGraph",
    "layer_names",
    "shared_text",
    "traces",
]

#: Layers botgraph can extract without being told which column to read.
BUILTIN_LAYERS = ("text", "near_text", "signature", "url", "hashtag", "mention", "target")
#: Built-in layers describing what accounts *say* (as opposed to where they act).
CONTENT_LAYERS = ("text", "near_text", "signature", "url", "hashtag", "mention")
#: Opt-in layers: named in ``layers=`` only (slow, or need an optional dependency).
OPTIONAL_LAYERS = ("embedding",)
#: Layers derived from the text alone.
_TEXT_LAYERS = ("text", "near_text", "signature", "embedding")


@dataclass(frozen=True, slots=True, eq=False)
class BipartiteGraph:
    """Account × key incidence of one layer, with every trace event kept beside it.

    Attributes
    ----------
    layer : str
        Layer name.
    accounts : ndarray of object (str)
        All accounts of the records (row labels), same order as ``Records.accounts``.
    keys : ndarray of object (str)
        Distinct trace keys (column labels), sorted.
    incidence : scipy.sparse.csr_array of int64, shape (n_accounts, n_keys)
        How many events of each account carry each key.
    event_account, event_key : ndarray of int64
        Per trace event: account row and key column.
    event_time : ndarray of float64
        Per trace event: UTC epoch seconds.
    event_record : ndarray of int64
        Per trace event: index of the record in ``Records`` it came from.

    Events are sorted by key, then time, then account, then record. A record
    yields at most one event per distinct key.
    """

    layer: str
    accounts: NDArray[np.object_]
    keys: NDArray[np.object_]
    incidence: sp.csr_array
    event_account: NDArray[np.int64]
    event_key: NDArray[np.int64]
    event_time: NDArray[np.float64]
    event_record: NDArray[np.int64]

    @property
    def n_events(self) -> int:
        """Number of trace events."""
        return int(self.event_key.shape[0])


# ---------------------------------------------------------------------------
# Per-record key extraction. Each extractor yields (record index, distinct keys)
# for the records that emit at least one key, so that ``layer_names`` can stop at the
# first one and ``traces`` can collect them all.

_RecordKeys = Iterator[tuple[int, tuple[str, ...]]]


def _is_missing(value: object) -> bool:
    """None, NaN, NaT, ``pandas.NA`` and the empty string carry no key."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value
    if isinstance(value, float):
        return math.isnan(value)
    try:
        return bool(value != value)
    except (TypeError, ValueError):  # pandas.NA refuses bool(); arrays are ambiguous
        return not isinstance(value, tuple | list | np.ndarray)


def _as_text(value: object) -> str | None:
    if _is_missing(value):
        return None
    return value if isinstance(value, str) else str(value)


def _cached(func: Callable[[str], tuple[str, ...]]) -> Callable[[str], tuple[str, ...]]:
    """Memoise *func* for the duration of one extraction (texts repeat a lot)."""
    cache: dict[str, tuple[str, ...]] = {}

    def lookup(text: str) -> tuple[str, ...]:
        keys = cache.get(text)
        if keys is None:
            keys = cache[text] = func(text)
        return keys

    return lookup


def _distinct(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(v for v in values if v))


def _from_text(records: Records, func: Callable[[str], tuple[str, ...]]) -> _RecordKeys:
    texts = records.fields.get("text")
    if texts is None:
        return
    keys_of = _cached(func)
    for index, value in enumerate(texts):
        text = _as_text(value)
        if text is not None:
            keys = keys_of(text)
            if keys:
                yield index, keys


def _elements(value: object) -> Iterator[str]:
    """The non-missing elements of a cell: a sequence gives each of its items."""
    items: Iterable[object] = value if isinstance(value, tuple | list | np.ndarray) else (value,)
    for item in items:
        text = _as_text(item)
        if text is not None:
            yield text


def _from_sequences(records: Records, name: str, clean: Callable[[str], str]) -> _RecordKeys:
    column = records.fields[name]
    cleaned: dict[str, str] = {}
    for index, value in enumerate(column):
        keys = []
        for item in _elements(value):
            key = cleaned.get(item)
            if key is None:
                key = cleaned[item] = clean(item)
            keys.append(key)
        distinct = _distinct(keys)
        if distinct:
            yield index, distinct


def _text_keys(text: str) -> tuple[str, ...]:
    fingerprint = text_fingerprint(text)
    return () if fingerprint is None else (fingerprint,)


def _url_keys(text: str) -> tuple[str, ...]:
    return _distinct(map(normalize_url, extract_urls(text)))


def _hashtag_keys(text: str) -> tuple[str, ...]:
    return _distinct(extract_hashtags(text))


def _mention_keys(text: str) -> tuple[str, ...]:
    return _distinct(extract_mentions(text))


def _clean_hashtag(value: str) -> str:
    return _clean_tag(value, "#")


def _clean_mention(value: str) -> str:
    return _clean_tag(value, "@")


def _extract_text(records: Records) -> _RecordKeys:
    return _from_text(records, _text_keys)


def _extract_url(records: Records) -> _RecordKeys:
    if "urls" in records.fields:
        return _from_sequences(records, "urls", normalize_url)
    return _from_text(records, _url_keys)


def _extract_hashtag(records: Records) -> _RecordKeys:
    if "hashtags" in records.fields:
        return _from_sequences(records, "hashtags", _clean_hashtag)
    return _from_text(records, _hashtag_keys)


def _extract_mention(records: Records) -> _RecordKeys:
    if "mentions" in records.fields:
        return _from_sequences(records, "mentions", _clean_mention)
    return _from_text(records, _mention_keys)


def _extract_target(records: Records) -> _RecordKeys:
    n = len(records)
    targets = records.fields.get("target_id")
    posts = records.fields.get("post_id")
    if targets is None and posts is None:
        return
    for index in range(n):
        target = None if targets is None else _as_text(targets[index])
        post = None if posts is None else _as_text(posts[index])
        if post is not None:
            yield index, (post if target is None else f"{target}/{post}",)
        elif target is not None:
            yield index, (target,)


def _from_cluster_ids(
    records: Records, ids_of: Callable[[NDArray[np.object_]], NDArray[np.int64]]
) -> _RecordKeys:
    texts = records.fields.get("text")
    if texts is None:
        return
    ids = ids_of(texts)
    for index in np.flatnonzero(ids >= 0).tolist():
        yield index, (str(int(ids[index])),)


def _extract_near_text(records: Records) -> _RecordKeys:
    from botgraph.near_duplicates import near_duplicate_keys

    return _from_cluster_ids(records, near_duplicate_keys)


def _extract_signature(records: Records) -> _RecordKeys:
    from botgraph.crosslingual import message_signature

    def keys(text: str) -> tuple[str, ...]:
        signature = message_signature(text)
        return () if signature is None else (signature,)

    return _from_text(records, keys)


def _extract_embedding(records: Records) -> _RecordKeys:
    from botgraph.crosslingual import embedding_keys

    return _from_cluster_ids(records, embedding_keys)


def _extract_column(records: Records, name: str) -> _RecordKeys:
    for index, value in enumerate(records.fields[name]):
        keys = _distinct(_elements(value))
        if keys:
            yield index, keys


_BUILTIN_EXTRACTORS: dict[str, Callable[[Records], _RecordKeys]] = {
    "text": _extract_text,
    "near_text": _extract_near_text,
    "signature": _extract_signature,
    "embedding": _extract_embedding,
    "url": _extract_url,
    "hashtag": _extract_hashtag,
    "mention": _extract_mention,
    "target": _extract_target,
}


def _resolve_layer(records: Records, layer: object) -> Callable[[Records], _RecordKeys]:
    if isinstance(layer, str):
        if layer in _BUILTIN_EXTRACTORS:
            return _BUILTIN_EXTRACTORS[layer]
        if layer in records.fields:
            return lambda recs: _extract_column(recs, layer)
    columns = sorted(records.fields)
    builtin = ", ".join(repr(name) for name in BUILTIN_LAYERS)
    available = ", ".join(repr(name) for name in columns) or "none"
    message = (
        f"The 'layer' parameter of traces must be a built-in layer ({builtin}) or a "
        f"column of the records (available columns: {available}). Got {layer!r} instead."
    )
    if isinstance(layer, str):
        close = difflib.get_close_matches(
            layer, list(dict.fromkeys([*BUILTIN_LAYERS, *columns])), n=3
        )
        if close:
            message += " Did you mean " + " or ".join(repr(name) for name in close) + "?"
    raise ParameterError(message)


# ---------------------------------------------------------------------------


def _unique_codes(values: list[str]) -> tuple[NDArray[np.object_], NDArray[np.int64]]:
    """Sorted distinct *values* (object array) and each value's index in them."""
    labels = np.empty(len(values), dtype=object)
    labels[:] = values
    distinct, codes = np.unique(labels, return_inverse=True)
    return distinct.astype(object), codes.reshape(-1).astype(np.int64)


def traces(records: Records, layer: str) -> BipartiteGraph:
    """Extract the trace events of one layer as an account × key bipartite graph.

    Parameters
    ----------
    records : Records
        Validated records, from :func:`botgraph.ingest.ingest`.
    layer : str
        A built-in layer (see Notes) or the name of any other column of
        ``records.fields``, whose values are used as exact keys.

    Returns
    -------
    BipartiteGraph
        Rows are all the accounts of *records* (even those without events),
        columns the sorted distinct keys; one event per record and distinct key,
        sorted by key, time, account and record.

    Raises
    ------
    ParameterError
        If *layer* is neither a built-in layer nor a column of *records*; the
        message lists both and suggests close names.

    Notes
    -----
    Keys of the built-in layers:

    ``"text"``
        :func:`botgraph.normalize.text_fingerprint` of the text; records whose
        normalised text is empty (emoji only, a bare link) emit nothing.
    ``"near_text"``
        Near-duplicate cluster of the text
        (:func:`botgraph.near_duplicates.near_duplicate_keys`): templated
        variants share a key; texts too short to judge emit nothing.
    ``"signature"``
        Language-independent signature of the text
        (:func:`botgraph.crosslingual.message_signature`): the names, numbers,
        links and handles it carries, so that translations share a key.
    ``"embedding"`` (opt-in, needs ``botgraph[multilingual]``)
        Cluster of a multilingual sentence embedding
        (:func:`botgraph.crosslingual.embedding_keys`). Slow; never a default.
    ``"url"``
        :func:`botgraph.normalize.normalize_url` of each entry of the ``urls``
        column when the records have one, else of each URL found in the text
        (:func:`botgraph.normalize.extract_urls`).
    ``"hashtag"``, ``"mention"``
        The ``hashtags`` / ``mentions`` column when present (NFKC, case-folded,
        leading ``#`` / ``@`` removed), else the tags found in the text
        (:func:`botgraph.normalize.extract_hashtags`,
        :func:`botgraph.normalize.extract_mentions`).
    ``"target"``
        ``"<target_id>/<post_id>"`` when both are given, else ``post_id``, else
        ``target_id``; nothing when both are missing.

    The choice between a column and the text is made for the whole layer, not
    per record: a ``urls`` column with an empty tuple means "no link".

    For any other layer name, each value of the column is one key, as
    ``str(value)``; a tuple, list or array value gives one key per element;
    None, NaN and the empty string give none. Keys are not normalised.

    A record repeating a key (the same link twice) emits it once, so
    ``incidence[a, k]`` counts the records of account ``a`` carrying key ``k``
    and ``incidence.sum() == n_events``.

    Cost: a column is factorised once (its distinct cells: distinct texts,
    distinct ``urls`` tuples, ...), keys are computed once per distinct cell
    (for ``"text"``, with :func:`botgraph.normalize.text_fingerprints`'s batch
    path) and numpy spreads them back to the records and sorts the events, so
    the Python-level work grows with the number of distinct cells, not of
    records. Columns holding values other than ``str``, ``int``, None, NaN and
    tuples of ``str`` (values a dictionary would not tell apart exactly, such
    as ``1`` and ``1.0``) are processed record by record, with the same result.

    Examples
    --------
    >>> import numpy as np
    >>> from botgraph.ingest import Records
    >>> accounts, codes = np.unique(np.array(["a", "b", "a"], dtype=object),
    ...                             return_inverse=True)
    >>> recs = Records(
    ...     account_id=np.array(["a", "b", "a"], dtype=object),
    ...     timestamp=np.array([10.0, 5.0, 20.0]),
    ...     record_id=np.array(["0", "1", "2"], dtype=object),
    ...     row=np.arange(3), accounts=accounts, account_code=codes,
    ...     fields={"text": np.array(["Shame! #MP", "shame #mp", None], dtype=object)},
    ...     rejected=(), n_input=3)
    >>> g = traces(recs, "hashtag")
    >>> g.keys.tolist(), g.event_time.tolist(), g.incidence.toarray().tolist()
    (['mp'], [5.0, 10.0], [[1], [1]])
    >>> traces(recs, "text").n_events
    2
    """
    extract = _resolve_layer(records, layer)
    events = _fast_events(records, layer)
    if events is None:  # values the vectorised path does not handle exactly: per record
        return _reference_traces(records, layer, extract)
    return _assemble(records, layer, events)


def _reference_traces(
    records: Records, layer: str, extract: Callable[[Records], _RecordKeys] | None = None
) -> BipartiteGraph:
    """:func:`traces` computed record by record: the specification of the fast path.

    Kept for the values the fast path leaves to it (see ``_PLAIN_KINDS``) and as
    the reference the tests compare the fast path with.
    """
    if extract is None:
        extract = _resolve_layer(records, layer)
    record_list: list[int] = []
    key_list: list[str] = []
    for index, keys in extract(records):
        record_list.extend([index] * len(keys))
        key_list.extend(keys)
    return _build(records, layer, np.asarray(record_list, dtype=np.int64), key_list)


def _build(
    records: Records, layer: str, record: NDArray[np.int64], key_list: list[str]
) -> BipartiteGraph:
    keys, key = _unique_codes(key_list)
    # Extractors yield distinct keys per record, so there is one event per (record, key).
    return _graph(records, layer, keys, key, record, lambda k, t, a, r: np.lexsort((r, a, t, k)))


def _graph(
    records: Records,
    layer: str,
    keys: NDArray[np.object_],
    key: NDArray[np.int64],
    record: NDArray[np.int64],
    sort: Callable[
        [NDArray[np.int64], NDArray[np.float64], NDArray[np.int64], NDArray[np.int64]],
        NDArray[np.intp],
    ],
) -> BipartiteGraph:
    """The graph of the events ``(record[i], key[i])``, in the order ``sort(key, time, account,
    record)`` gives (by key, time, account, then record)."""
    n_accounts = int(records.accounts.shape[0])
    account = np.asarray(records.account_code, dtype=np.int64)[record]
    time = np.asarray(records.timestamp, dtype=np.float64)[record]
    order = sort(key, time, account, record)
    key, time, account, record = key[order], time[order], account[order], record[order]
    incidence = sp.csr_array(
        (np.ones(key.shape[0], dtype=np.int64), (account, key)),
        shape=(n_accounts, int(keys.shape[0])),
    )
    incidence.sum_duplicates()
    return BipartiteGraph(
        layer=layer,
        accounts=records.accounts,
        keys=keys,
        incidence=incidence,
        event_account=account,
        event_key=key,
        event_time=time,
        event_record=record,
    )


# ---------------------------------------------------------------------------
# Vectorised path. A layer's keys depend on a record's cell (its text, its
# ``urls`` tuple, its target and post) only, and cells repeat: each column is
# factorised once (distinct cells in order of first appearance and each
# record's index in them), keys are computed per distinct cell with the same
# functions as the per-record path, and numpy spreads them back to the records.


@dataclass(frozen=True, slots=True)
class _Events:
    """Trace events in record order (a record's keys in the order they were found).

    ``keys`` are the sorted distinct keys and ``key`` each event's index in them.
    """

    record: NDArray[np.int64]
    key: NDArray[np.int64]
    keys: NDArray[np.object_]


_NO_EVENTS = _Events(
    record=np.empty(0, dtype=np.int64),
    key=np.empty(0, dtype=np.int64),
    keys=np.empty(0, dtype=object),
)


_STR_OR_NONE = frozenset({str, type(None)})
#: Cell types of columns the vectorised path factorises (floats must be NaN, tuples
#: must hold strings). Dict equality on these is exact equality of what the
#: extractors see; mixed numbers are not (``1 == 1.0 == True`` but their ``str``
#: differ, as do those of ``0.0`` and ``-0.0``), nor are str subclasses.
_PLAIN_KINDS = frozenset({str, type(None), int, float, tuple})


def _factorize(column: NDArray[Any]) -> tuple[list[object], NDArray[np.int64]] | None:
    """Distinct cells of an object column and each record's index in them, or None.

    None when the column is not a 1-D object array or holds a value that is not
    plain (see ``_PLAIN_KINDS``): every cell is checked, since a cell that a dict
    merges with an earlier equal one is not among the distinct cells.
    """
    if column.dtype != object or column.ndim != 1:
        return None
    remembered = recall(column)  # ingest grouped it with pyarrow already
    if remembered is not None:
        return remembered
    cells = column.tolist()
    kinds = set(map(type, cells))
    if not kinds <= _STR_OR_NONE:
        if not kinds <= _PLAIN_KINDS:
            return None
        if float in kinds and not all(cell != cell for cell in cells if type(cell) is float):
            return None  # a number other than NaN
        if tuple in kinds:
            tuples = cells if kinds == {tuple} else [c for c in cells if type(c) is tuple]
            if not set(map(type, chain.from_iterable(tuples))) <= {str}:
                return None
    return _first_seen_codes(cells)


def _cell_texts(cells: list[object]) -> list[str | None]:
    """``_as_text`` of distinct plain cells, with a shortcut for strings and None."""
    if set(map(type, cells)) <= _STR_OR_NONE:
        texts: list[str | None] = cells.copy()  # type: ignore[assignment]
        if "" in cells:  # distinct cells: at most one empty string
            texts[cells.index("")] = None
        return texts
    return [(cell or None) if type(cell) is str else _as_text(cell) for cell in cells]


def _sorted_labels(labels: Sequence[str]) -> tuple[NDArray[np.object_], NDArray[np.int64]]:
    """Sorted *labels* (distinct strings) and the rank of each label in them."""
    order = sorted(range(len(labels)), key=labels.__getitem__)
    keys = np.empty(len(labels), dtype=object)
    keys[:] = [labels[i] for i in order]
    rank = np.empty(len(labels), dtype=np.int64)
    rank[order] = np.arange(len(labels), dtype=np.int64)
    return keys, rank


def _spread(
    code: NDArray[np.int64], lengths: NDArray[np.int64], flat: NDArray[np.int64], labels: list[str]
) -> _Events:
    """Events of records whose cells emit keys.

    Cell ``c`` emits the labels ``flat[offset[c]:offset[c] + lengths[c]]`` (indices
    in *labels*, distinct within a cell), where ``offset`` is the running sum of
    *lengths*; record ``i`` has cell ``code[i]``, or none when it is -1.
    """
    if flat.shape[0] == 0:
        return _NO_EVENTS
    offset = np.cumsum(lengths) - lengths
    per_record = np.append(lengths, 0)[code]  # code -1 (no cell) reads the appended 0
    if int(per_record.max()) == 1:
        record = np.flatnonzero(per_record)
        position = offset[code[record]]
    else:
        record = np.repeat(np.arange(code.shape[0], dtype=np.int64), per_record)
        first = np.cumsum(per_record) - per_record
        position = offset[code[record]] + np.arange(record.shape[0]) - first[record]
    keys, rank = _sorted_labels(labels)
    return _Events(record=record, key=rank[flat[position]], keys=keys)


def _spread_tuples(code: NDArray[np.int64], keys_of: Sequence[tuple[str, ...]]) -> _Events:
    """Events of records whose cell ``code[i]`` emits ``keys_of[code[i]]`` (distinct keys)."""
    lengths = np.fromiter(map(len, keys_of), dtype=np.int64, count=len(keys_of))
    labels, flat = _first_seen_codes(list(chain.from_iterable(keys_of)))
    return _spread(code, lengths, flat, labels)  # type: ignore[arg-type]


#: Factorised text columns kept while a ``shared_text`` block runs, by id of the Records.
_SHARED_TEXT: dict[int, tuple[list[str], NDArray[np.int64]] | None] = {}


@contextmanager
def shared_text(records: Records) -> Iterator[None]:
    """Within the block, text-derived layers of *records* group the texts only once.

    Every text layer (``text``, ``near_text``, ``signature``, and ``url``,
    ``hashtag``, ``mention`` read from the text) starts by grouping identical
    texts; :func:`botgraph.detect` extracts several of them from the same records
    and wraps the extractions in this block so that the grouping is computed once.
    The records must not change inside the block; the cache is dropped on exit.

    Parameters
    ----------
    records : Records
        The records whose text grouping is shared.

    Examples
    --------
    >>> import botgraph
    >>> recs = botgraph.ingest([{"account_id": "a", "timestamp": 0, "text": "Hi #there"}])
    >>> with shared_text(recs):
    ...     sizes = [traces(recs, layer).n_events for layer in ("text", "hashtag")]
    >>> sizes
    [1, 1]
    """
    key = id(records)
    owner = key not in _SHARED_TEXT
    if owner:
        _SHARED_TEXT[key] = _group_text(records)
    try:
        yield
    finally:
        if owner:
            _SHARED_TEXT.pop(key, None)
            _HANDOVER.pop(key, None)


def _text_column(records: Records) -> tuple[list[str], NDArray[np.int64]] | None:
    """``_group_text(records)``, from the ``shared_text`` cache when one is active."""
    key = id(records)
    if key in _SHARED_TEXT:
        return _SHARED_TEXT[key]
    return _group_text(records)


def _group_text(records: Records) -> tuple[list[str], NDArray[np.int64]] | None:
    """The distinct texts of the records and each record's index in them (-1: no text).

    Texts are as the per-record path sees them (``_as_text``), in order of first
    appearance. This is the one factorisation that every text-derived layer
    starts from, so each computes its keys once per distinct text. None when
    the column holds values that only the per-record path handles exactly.
    """
    column = records.fields.get("text")
    if column is None:
        return [], np.full(len(records), -1, dtype=np.int64)
    factorized = _factorize(column)
    if factorized is None:
        return None
    distinct, code = factorized
    texts = _cell_texts(distinct)
    missing = list(compress(count(), map(operator.is_, texts, repeat(None))))
    if not missing:
        return texts, code  # type: ignore[return-value]
    index = np.ones(len(texts), dtype=np.int64)
    index[missing] = 0
    index = np.cumsum(index) - 1
    index[missing] = -1
    return [text for text in texts if text is not None], index[code]


def _fast_from_text(
    records: Records,
    func: Callable[[str], tuple[str, ...]],
    needles: tuple[str, ...] = (),
    *,
    non_ascii: bool = False,
) -> _Events | None:
    """Events of ``func(text)`` for each distinct text.

    With *needles*, only the texts containing one of them (and, when
    *non_ascii*, every non-ASCII text) can have keys: *func* returns ``()`` for
    the others and is not called on them.
    """
    text_column = _text_column(records)
    if text_column is None:
        return None
    texts, code = text_column
    if not needles:
        return _spread_tuples(code, list(map(func, texts)))
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    called = _found("\x00".join(texts) + "\x00", np.cumsum(lengths + 1) - 1, needles)
    if non_ascii:
        called |= ~np.fromiter(map(str.isascii, texts), dtype=bool, count=len(texts))
    keys_of = [
        func(text) if call else () for text, call in zip(texts, called.tolist(), strict=True)
    ]
    return _spread_tuples(code, keys_of)


def _fast_from_sequences(
    records: Records, name: str, clean: Callable[[str], str]
) -> _Events | None:
    """Events of a column of tuples: each item's ``clean`` form, distinct per cell.

    Cells are factorised, then their items (few distinct ones) are cleaned once
    each; duplicates and empty keys are dropped per cell with numpy.
    """
    factorized = _factorize(records.fields[name])
    if factorized is None:
        return None
    distinct, code = factorized
    cells = [cell if type(cell) is tuple else (cell,) for cell in distinct]
    lengths = np.fromiter(map(len, cells), dtype=np.int64, count=len(cells))
    items, item_code = _first_seen_codes(list(chain.from_iterable(cells)))
    label_id: dict[str, int] = {}
    item_label = np.fromiter(
        (
            -1
            if text is None or not (key := clean(text))
            else label_id.setdefault(key, len(label_id))
            for text in map(_as_text, items)
        ),
        dtype=np.int64,
        count=len(items),
    )[item_code]
    cell = np.repeat(np.arange(len(cells), dtype=np.int64), lengths)
    kept = item_label >= 0
    cell, item_label = cell[kept], item_label[kept]
    # First occurrence of each (cell, key): the position order keeps cells contiguous.
    _, first = np.unique(cell * max(len(label_id), 1) + item_label, return_index=True)
    first.sort()
    cell_lengths = np.bincount(cell[first], minlength=len(cells)).astype(np.int64)
    return _spread(code, cell_lengths, item_label[first], list(label_id))


def _fast_text(records: Records) -> _Events | None:
    text_column = _text_column(records)
    if text_column is None:
        return None
    texts, code = text_column
    handed = _handed_fingerprints(records, texts)
    numbers, has = handed if handed is not None else _fingerprint_values(texts)
    # Big-endian digests order like their hexadecimal keys: sort the integers and
    # write out only the distinct keys.
    distinct_numbers, rank = np.unique(numbers[has], return_inverse=True)
    text_key = np.full(len(texts) + 1, -1, dtype=np.int64)  # the last one is for code -1
    text_key[:-1][has] = rank.reshape(-1)
    key = text_key[code]
    record = np.flatnonzero(key >= 0)
    return _Events(record=record, key=key[record], keys=_hex_keys(distinct_numbers))


# Texts without these can have no link, hashtag, mention (see the extract_* functions).
_URL_NEEDLES = ("://", "www.", "WWW.", "Www.")  # in ASCII text; other text is NFKC'd first
_HASHTAG_NEEDLES = ("#", "\uff03", "\ufe5f")
_MENTION_NEEDLES = ("@", "\uff20", "\ufe6b")


def _fast_url(records: Records) -> _Events | None:
    if "urls" in records.fields:
        return _fast_from_sequences(records, "urls", normalize_url)
    return _fast_from_text(records, _url_keys, _URL_NEEDLES, non_ascii=True)


def _fast_hashtag(records: Records) -> _Events | None:
    if "hashtags" in records.fields:
        return _fast_from_sequences(records, "hashtags", _clean_hashtag)
    return _fast_from_text(records, _hashtag_keys, _HASHTAG_NEEDLES)


def _fast_mention(records: Records) -> _Events | None:
    if "mentions" in records.fields:
        return _fast_from_sequences(records, "mentions", _clean_mention)
    return _fast_from_text(records, _mention_keys, _MENTION_NEEDLES)


def _text_ids(column: NDArray[Any] | None, n: int) -> tuple[list[str], NDArray[np.int64]] | None:
    """Distinct texts of an id column and each record's index in them (-1: missing)."""
    if column is None:
        return [], np.full(n, -1, dtype=np.int64)
    factorized = _factorize(column)
    if factorized is None:
        return None
    distinct, code = factorized
    text_id: dict[str, int] = {}
    ids = [
        -1 if text is None else text_id.setdefault(text, len(text_id))
        for text in map(_as_text, distinct)
    ]
    return list(text_id), np.append(np.asarray(ids, dtype=np.int64), -1)[code]


def _fast_target(records: Records) -> _Events | None:
    targets, posts = records.fields.get("target_id"), records.fields.get("post_id")
    if targets is None and posts is None:
        return _NO_EVENTS
    n = len(records)
    target_ids, post_ids = _text_ids(targets, n), _text_ids(posts, n)
    if target_ids is None or post_ids is None:
        return None
    (target_text, target), (post_text, post) = target_ids, post_ids
    record = np.flatnonzero((target >= 0) | (post >= 0))
    pair = (target[record] + 1) * (len(post_text) + 1) + post[record] + 1
    distinct_pairs, pair_code = _unique_inverse(pair, (len(target_text) + 1) * (len(post_text) + 1))
    label_id: dict[str, int] = {}
    pair_label = []
    for value in distinct_pairs.tolist():
        t, p = divmod(value, len(post_text) + 1)
        if p == 0:
            label = target_text[t - 1]
        elif t == 0:
            label = post_text[p - 1]
        else:
            label = f"{target_text[t - 1]}/{post_text[p - 1]}"
        pair_label.append(label_id.setdefault(label, len(label_id)))
    keys, rank = _sorted_labels(list(label_id))
    key = rank[np.asarray(pair_label, dtype=np.int64)][pair_code]
    return _Events(record=record, key=key, keys=keys)


def _unique_inverse(
    values: NDArray[np.int64], bound: int
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """``np.unique(values, return_inverse=True)`` for values in ``[0, bound)``.

    When *bound* is at most eight times the number of values (and below 2**31),
    a table over the range (5 bytes per slot) replaces the sort.
    """
    if bound > 8 * values.shape[0] or bound >= 2**31:
        distinct, inverse = np.unique(values, return_inverse=True)
        return distinct, inverse.reshape(-1)
    present = np.zeros(bound, dtype=bool)
    present[values] = True
    index = np.cumsum(present, dtype=np.int32)
    return np.flatnonzero(present), index[values].astype(np.int64) - 1


def _fast_cluster_ids(
    records: Records, ids_of: Callable[[NDArray[np.object_]], NDArray[np.int64]]
) -> _Events:
    texts = records.fields.get("text")
    if texts is None:
        return _NO_EVENTS
    ids = np.asarray(ids_of(texts))
    record = np.flatnonzero(ids >= 0)
    kept = ids[record]
    bound = int(kept.max()) + 1 if kept.shape[0] else 0
    distinct_ids, code = _unique_inverse(kept, bound)
    keys, rank = _sorted_labels([str(int(value)) for value in distinct_ids.tolist()])
    return _Events(record=record.astype(np.int64), key=rank[code], keys=keys)


def _fast_near_text(records: Records) -> _Events:
    from botgraph.near_duplicates import _grouped_keys, near_duplicate_keys

    column = records.fields.get("text")
    text_column = None if column is None or not _only_text(column) else _text_column(records)
    if text_column is None:
        return _fast_cluster_ids(records, near_duplicate_keys)
    texts, code = text_column
    handover = _fingerprint_handover(records, texts)
    if handover is None:
        return _fast_cluster_ids(records, lambda _: _grouped_keys(texts, code))

    def hand(digest: NDArray[np.uint64], has: NDArray[np.bool_]) -> None:
        # text_fingerprint's integers are the digests read big-endian, 0 without a form.
        handover.set_result((texts, np.where(has, digest, 0).byteswap(), has))

    try:
        return _fast_cluster_ids(records, lambda _: _grouped_keys(texts, code, on_digests=hand))
    finally:
        if not handover.done():  # the NumPy path, or a failure: the text layer hashes itself
            handover.set_result(None)


#: Fingerprints of the distinct texts that a ``near_text`` extraction hands to the
#: ``text`` layer of the same records inside :func:`shared_text` (by ``id``): near_text
#: hashes every normal form anyway, and the ``text`` keys are those hashes.
_HANDOVER: dict[int, Future[tuple[list[str], NDArray[np.uint64], NDArray[np.bool_]] | None]] = {}


def _fingerprint_handover(
    records: Records, texts: list[str]
) -> Future[tuple[list[str], NDArray[np.uint64], NDArray[np.bool_]] | None] | None:
    """A promise of *records*' text fingerprints for the text layer, or None.

    Only inside an active :func:`shared_text` block whose grouping is *texts*, and
    only for the first near_text extraction; the caller must resolve it.
    """
    key = id(records)
    shared = _SHARED_TEXT.get(key)
    if shared is None or shared[0] is not texts or key in _HANDOVER:
        return None
    promise: Future[tuple[list[str], NDArray[np.uint64], NDArray[np.bool_]] | None] = Future()
    _HANDOVER[key] = promise
    return promise


def _handed_fingerprints(
    records: Records, texts: list[str]
) -> tuple[NDArray[np.uint64], NDArray[np.bool_]] | None:
    """The fingerprints a near_text extraction handed over for *texts*, once it has.

    Waits for a near_text extraction of these records that has started (in another
    thread, as :func:`botgraph.detect` runs it) until it has hashed the texts.
    """
    promise = _HANDOVER.get(id(records))
    handed = promise.result() if promise is not None else None
    if handed is None or handed[0] is not texts:
        return None
    return handed[1], handed[2]


def _only_text(column: NDArray[Any]) -> bool:
    """Whether every cell is a str, None or NaN (near_duplicate_keys raises on others).

    For such a column, ``_group_text`` gives exactly the texts near_duplicate_keys sees.
    """
    if column.dtype != object:
        return False
    # Every cell is one of the distinct cells ingest remembered, when it did.
    remembered = recall(column)
    cells = remembered[0] if remembered is not None else column.tolist()
    return set(map(type, cells)) <= _TEXT_CELLS


_TEXT_CELLS = frozenset({str, type(None), float})


def _fast_embedding(records: Records) -> _Events:
    from botgraph.crosslingual import embedding_keys

    return _fast_cluster_ids(records, embedding_keys)


def _fast_signature(records: Records) -> _Events | None:
    from botgraph.crosslingual import _default_signatures

    text_column = _text_column(records)
    if text_column is None:
        return None
    texts, code = text_column
    keys_of = [() if sig is None else (sig,) for sig in _default_signatures(texts)]
    return _spread_tuples(code, keys_of)


_FAST_EXTRACTORS: dict[str, Callable[[Records], _Events | None]] = {
    "text": _fast_text,
    "near_text": _fast_near_text,
    "signature": _fast_signature,
    "embedding": _fast_embedding,
    "url": _fast_url,
    "hashtag": _fast_hashtag,
    "mention": _fast_mention,
    "target": _fast_target,
}


def _fast_events(records: Records, layer: str) -> _Events | None:
    """The layer's events, or None when the per-record path must compute them."""
    if layer in _FAST_EXTRACTORS:
        return _FAST_EXTRACTORS[layer](records)

    return _fast_from_sequences(records, layer, str)


def _event_order(
    key: NDArray[np.int64], record: NDArray[np.int64], rank: NDArray[np.int64], n_keys: int
) -> NDArray[np.intp]:
    """Order of events by key, time, account, then position.

    Events come in record order and a record has one event per key, so the
    position breaks ties exactly as the record does: within a key, events are
    ordered by their record's *rank* (:func:`_record_rank`). One sort of the
    integers ``key * n_records + rank`` does the work of a four-key
    ``lexsort``; they are distinct, so the sort need not be stable.
    """
    if key.shape[0] == 0:
        return np.empty(0, dtype=np.intp)
    n_records = int(rank.shape[0])
    at = rank[record]
    if n_keys * n_records >= 2**63:  # the combined integer would overflow
        return np.lexsort((at, key))
    return np.argsort(key * n_records + at)


def _record_rank(records: Records) -> NDArray[np.int64]:
    """Rank of each record by time, account, then position; computed once per Records.

    Equal times (``-0.0`` and ``0.0``, and all NaN) tie, as in a sort.
    """

    def rank() -> NDArray[np.int64]:
        time = np.asarray(records.timestamp, dtype=np.float64)
        account = np.asarray(records.account_code, dtype=np.int64)
        n = time.shape[0]
        if n == 0:
            return np.empty(0, dtype=np.int64)
        # Dense rank of the times, then one sort of time rank and account combined:
        # two plain sorts instead of a two-key lexsort (about twice as fast).
        by_time = np.argsort(time)
        ordered = time[by_time]
        new = np.ones(n, dtype=bool)
        np.not_equal(ordered[1:], ordered[:-1], out=new[1:])
        new[1:] &= ~(np.isnan(ordered[1:]) & np.isnan(ordered[:-1]))
        time_rank = np.empty(n, dtype=np.int64)
        time_rank[by_time] = np.cumsum(new) - 1
        n_accounts = int(account.max()) + 1
        if int(time_rank[by_time[-1]]) * n_accounts >= 2**62:  # the combined key would overflow
            order = np.lexsort((account, time))
        else:
            order = _by_key_then_row(time_rank * n_accounts + account)
        result = np.empty(n, dtype=np.int64)
        result[order] = np.arange(n, dtype=np.int64)
        return result

    result: NDArray[np.int64] = derived(
        "record_rank", (records.timestamp, records.account_code), rank
    )
    return result


def _by_key_then_row(key: NDArray[np.int64]) -> NDArray[np.intp]:
    """``np.argsort(key, kind="stable")``: an unstable sort, then the runs of equal keys by row."""
    order = np.argsort(key)
    ordered = key[order]
    tie = ordered[1:] == ordered[:-1]
    if tie.any():
        in_run = np.zeros(key.shape[0], dtype=bool)
        in_run[1:] |= tie
        in_run[:-1] |= tie
        at = np.flatnonzero(in_run)
        order[at] = order[at][np.lexsort((order[at], ordered[at]))]
    return order


def _assemble(records: Records, layer: str, events: _Events) -> BipartiteGraph:
    """The bipartite graph of *events* (same result as ``_build`` on the same events)."""
    n_keys = int(events.keys.shape[0])
    rank = _record_rank(records)
    return _graph(
        records,
        layer,
        events.keys,
        events.key,
        events.record,
        lambda k, t, a, r: _event_order(k, r, rank, n_keys),
    )


def layer_names(records: Records) -> tuple[str, ...]:
    """Return the built-in layers that have at least one trace event in *records*.

    Parameters
    ----------
    records : Records
        Validated records.

    Returns
    -------
    tuple of str
        A subsequence of :data:`BUILTIN_LAYERS`, in that order: exactly the
        layers for which :func:`traces` would return at least one event.

    Notes
    -----
    ``"text"`` needs one text with a non-empty normalised form (and then
    ``"near_text"`` and ``"signature"`` are listed too, without computing them:
    they may still find no key), ``"url"`` a
    link (in the ``urls`` column, or in the text when there is no such
    column), ``"hashtag"`` and ``"mention"`` likewise, ``"target"`` a record
    with ``target_id`` or ``post_id``. Each check stops at the first event it
    finds, so this is cheap when the layer is present; an absent text-derived
    layer costs one scan of the distinct texts. :func:`botgraph.detect` uses
    these layers by default.

    Examples
    --------
    >>> import numpy as np
    >>> from botgraph.ingest import Records
    >>> recs = Records(
    ...     account_id=np.array(["a"], dtype=object), timestamp=np.array([0.0]),
    ...     record_id=np.array(["0"], dtype=object), row=np.arange(1),
    ...     accounts=np.array(["a"], dtype=object), account_code=np.zeros(1, dtype=np.int64),
    ...     fields={"text": np.array(["Voir www.example.com #Québec"], dtype=object)},
    ...     rejected=(), n_input=1)
    >>> layer_names(recs)
    ('text', 'near_text', 'signature', 'url', 'hashtag')
    """
    has_text = next(_extract_text(records), None) is not None
    return tuple(
        name
        for name in BUILTIN_LAYERS
        if (
            has_text
            if name in _TEXT_LAYERS and name != "text"
            else _may_have_events(records, name)
            and next(_BUILTIN_EXTRACTORS[name](records), None) is not None
        )
    )


#: What a text must contain for the layer to find a key in it (a necessary condition:
#: the same pre-checks as the extractors in botgraph.normalize, compatibility forms of
#: the sigils included). No needle holds the NUL that joins texts in _may_have_events.
_TEXT_HINTS: dict[str, tuple[str, ...]] = {
    "url": _URL_NEEDLES,
    "hashtag": _HASHTAG_NEEDLES,
    "mention": _MENTION_NEEDLES,
}
_COLUMN_OF = {"url": "urls", "hashtag": "hashtags", "mention": "mentions"}


def _may_have_events(records: Records, name: str) -> bool:
    """False when no text can hold a key of *name* (cheap scan before the extractor's).

    The distinct texts (shared with the text layers inside ``shared_text``) are
    joined by NUL and searched once per needle: a C-level scan, not a regex call
    per record.
    """
    needles = _TEXT_HINTS.get(name)
    if needles is None or _COLUMN_OF[name] in records.fields:
        return True
    if "text" not in records.fields:
        return False
    text_column = _text_column(records)
    if text_column is None:  # cells that only the per-record path reads
        cells = records.fields["text"].tolist()
        return any(isinstance(t, str) and any(n in t for n in needles) for t in cells)
    joined = "\x00".join(text_column[0])
    return any(needle in joined for needle in needles)
