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
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from botgraph.errors import ParameterError
from botgraph.ingest import Records
from botgraph.normalize import (
    _clean_tag,
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
    record_list: list[int] = []
    key_list: list[str] = []
    for index, keys in extract(records):
        record_list.extend([index] * len(keys))
        key_list.extend(keys)
    return _build(records, layer, np.asarray(record_list, dtype=np.int64), key_list)


def _build(
    records: Records, layer: str, record: NDArray[np.int64], key_list: list[str]
) -> BipartiteGraph:
    n_accounts = int(records.accounts.shape[0])
    keys, key = _unique_codes(key_list)
    account = np.asarray(records.account_code, dtype=np.int64)[record]
    time = np.asarray(records.timestamp, dtype=np.float64)[record]
    order = np.lexsort((record, account, time, key))
    # Extractors yield distinct keys per record, so there is one event per (record, key).
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
            else next(_BUILTIN_EXTRACTORS[name](records), None) is not None
        )
    )
