"""Similarity: accounts compared by what they say over the whole period.

The windowed layers of :mod:`botgraph.projection` link accounts that post the
same key at nearly the same time. An operation that spreads its comments over
hours, paraphrases its templates and mixes in filler escapes them, yet its
accounts still *talk alike* over the period: the same claims, the same names,
the same hashtags. :func:`account_similarity` compares accounts by the
TF-IDF vectors of everything each of them wrote, as in the text-similarity
traces of Pacheco et al. (2021), and keeps for every account its few most
similar peers.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from botgraph._validation import check_int, check_number
from botgraph.errors import SchemaError
from botgraph.ingest import Records, ingest
from botgraph.normalize import _clean_tag, extract_hashtags, normalize_text

__all__ = ["SimilarityGraph", "account_similarity"]

logger = logging.getLogger(__name__)

_FUNC = "account_similarity"
#: Memory allowed for one block of the similarity product and its post-processing.
_BLOCK_BYTES = 200 * 2**20
#: Bytes per stored entry of a block: the product's value and column index, then
#: row, order and rank arrays while the top-k neighbours are picked.
_BYTES_PER_ENTRY = 48
#: (account, term) occurrences expanded at once while counting term frequencies.
_EXPAND_CHUNK = 5_000_000
#: Shared terms kept per edge to explain it.
_TOP_TERMS = 5
#: Cosines and contributions closer than 1 / _GRID count as ties when ranking.
_GRID = 2**30


@dataclass(frozen=True, slots=True, eq=False)
class SimilarityGraph:
    """Accounts linked by the cosine similarity of their TF-IDF vocabulary vectors.

    Attributes
    ----------
    accounts : ndarray of object (str)
        Every account of the input (``Records.accounts``), compared or not.
    account_a, account_b : ndarray of int64
        Edge end points as indices into ``accounts``, ``account_a < account_b``,
        sorted by ``(account_a, account_b)``.
    cosine : ndarray of float64
        Cosine similarity of the two accounts' TF-IDF vectors, in (0, 1].
    shared_terms : ndarray of int64
        Distinct terms (words, n-grams, ``#hashtags``) both accounts used, among
        the terms kept in the vocabulary.
    top_terms : tuple of tuple of str
        Per edge, up to 5 shared terms contributing most to the cosine, largest
        contribution first.
    n_eligible : int
        Accounts with at least ``min_records`` records, the only ones compared.
    parameters : Mapping[str, Any]
        The options the graph was computed with.
    """

    accounts: NDArray[np.object_]
    account_a: NDArray[np.int64]
    account_b: NDArray[np.int64]
    cosine: NDArray[np.float64]
    shared_terms: NDArray[np.int64]
    top_terms: tuple[tuple[str, ...], ...]
    n_eligible: int
    parameters: Mapping[str, Any] = field(default_factory=dict)

    def __len__(self) -> int:
        return int(self.account_a.shape[0])

    def __repr__(self) -> str:
        return (
            f"SimilarityGraph(accounts={self.accounts.shape[0]}, "
            f"eligible={self.n_eligible}, edges={len(self)})"
        )

    def columns(self) -> dict[str, Any]:
        """Edge table as a dict of equally long columns (account labels, not codes).

        Columns: ``account_a``, ``account_b``, ``cosine``, ``shared_terms`` and
        ``top_terms`` (the explaining terms joined by ``", "``; terms never
        contain a comma).
        """
        return {
            "account_a": self.accounts[self.account_a],
            "account_b": self.accounts[self.account_b],
            "cosine": self.cosine,
            "shared_terms": self.shared_terms,
            "top_terms": np.array([", ".join(t) for t in self.top_terms], dtype=object),
        }

    def to_pandas(self) -> Any:
        """Edge table (see :meth:`columns`) as a pandas DataFrame (needs pandas)."""
        from botgraph.export import columns_to_pandas

        return columns_to_pandas(self.columns())

    def to_networkx(self) -> Any:
        """Undirected :class:`networkx.Graph`: every account a node, edge columns as attributes."""
        from botgraph.export import columns_to_networkx

        return columns_to_networkx(self.accounts, self.columns())


# --------------------------------------------------------------------------- vocabulary


@dataclass(frozen=True, slots=True)
class _Units:
    """Distinct texts and hashtag lists ("units"), each tokenised once."""

    record_units: NDArray[np.int64]  # (2, n_records): text unit, hashtag unit; -1 if none
    indptr: NDArray[np.int64]  # unit u's term ids are terms[indptr[u]:indptr[u + 1]]
    terms: NDArray[np.int64]  # term ids, with repetitions, in sorted-vocabulary order
    vocabulary: NDArray[np.object_]  # sorted distinct terms


def _text_tokenizer(ngram: int, with_hashtags: bool) -> Callable[[str], list[str]]:
    def tokenize(text: str) -> list[str]:
        words = normalize_text(text).split()
        terms = list(words)
        for n in range(2, ngram + 1):
            terms.extend(" ".join(words[i : i + n]) for i in range(len(words) - n + 1))
        if with_hashtags:
            terms.extend("#" + tag for tag in extract_hashtags(text))
        return terms

    return tokenize


def _tag_tokens(tags: tuple[str, ...]) -> list[str]:
    cleaned = (_clean_tag(tag, "#") for tag in tags)
    return ["#" + tag for tag in cleaned if tag]


def _distinct_units(
    values: NDArray[np.object_], tokenize: Callable[[Any], list[str]], first: int
) -> tuple[list[int], list[list[str]]]:
    """Code every value by its distinct value (from *first* on; -1 when empty) and
    tokenise each distinct value once."""
    seen: dict[Any, int] = {}
    codes = [seen.setdefault(v, len(seen)) if v else -1 for v in values.tolist()]
    offset = [c + first if c >= 0 else -1 for c in codes] if first else codes
    return offset, [tokenize(v) for v in seen]


def _units(
    texts: NDArray[np.object_] | None,
    tags: NDArray[np.object_] | None,
    n_records: int,
    ngram: int,
) -> _Units:
    record_units = np.full((2, n_records), -1, dtype=np.int64)
    tokens: list[list[str]] = []
    if texts is not None:
        codes, tokens = _distinct_units(
            texts, _text_tokenizer(ngram, with_hashtags=tags is None), 0
        )
        record_units[0] = codes
    if tags is not None:
        codes, tag_tokens = _distinct_units(tags, _tag_tokens, len(tokens))
        record_units[1] = codes
        tokens.extend(tag_tokens)
    flat = list(itertools.chain.from_iterable(tokens))
    # Term ids in sorted-vocabulary order make the matrix, hence every floating-point
    # sum, independent of the order the records came in.
    vocabulary = sorted(dict.fromkeys(flat))
    term_id = dict(zip(vocabulary, range(len(vocabulary)), strict=True))
    lengths = np.fromiter(map(len, tokens), dtype=np.int64, count=len(tokens))
    indptr = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    terms = np.fromiter(map(term_id.__getitem__, flat), dtype=np.int64, count=len(flat))
    return _Units(record_units, indptr, terms, np.array(vocabulary, dtype=object))


def _slices(cost: NDArray[np.int64], limit: int) -> Iterator[tuple[int, int]]:
    """Consecutive index ranges whose summed *cost* stays near *limit* (at least one item)."""
    cumulative = np.cumsum(cost)
    start, n = 0, cost.shape[0]
    while start < n:
        before = cumulative[start - 1] if start else 0
        stop = max(int(np.searchsorted(cumulative, before + limit, side="right")), start + 1)
        yield start, min(stop, n)
        start = stop


def _term_counts(
    row: NDArray[np.int64], units: _Units, n_terms: int
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]:
    """Term frequency of every (row, term) pair, sorted by row then term.

    *row* gives, per record, the matrix row of its account. Records repeating a text
    are merged first, so a copy-pasting account costs one expansion per distinct text.
    """
    n_units = np.int64(max(units.indptr.shape[0] - 1, 1))
    unit = units.record_units.reshape(-1)
    owner = np.tile(row, 2)
    present = unit >= 0
    pair, repeats = np.unique(owner[present] * n_units + unit[present], return_counts=True)
    pair_row, pair_unit = pair // n_units, pair % n_units
    starts = units.indptr[pair_unit]
    lengths = units.indptr[pair_unit + 1] - starts
    keys: list[NDArray[np.int64]] = []
    weights: list[NDArray[np.int64]] = []
    width = np.int64(max(n_terms, 1))
    for lo, hi in _slices(lengths, _EXPAND_CHUNK):
        length = lengths[lo:hi]
        total = int(length.sum())
        offset = np.arange(total, dtype=np.int64) - np.repeat(np.cumsum(length) - length, length)
        term = units.terms[np.repeat(starts[lo:hi], length) + offset]
        key, inverse = np.unique(
            np.repeat(pair_row[lo:hi], length) * width + term, return_inverse=True
        )
        tf = np.bincount(inverse.reshape(-1), weights=np.repeat(repeats[lo:hi], length))
        keys.append(key)
        weights.append(tf.astype(np.int64))
    if not keys:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty
    key, inverse = np.unique(np.concatenate(keys), return_inverse=True)
    tf = np.bincount(inverse.reshape(-1), weights=np.concatenate(weights)).astype(np.int64)
    return key // width, key % width, tf


# --------------------------------------------------------------------------- vectors


def _tfidf(
    row: NDArray[np.int64],
    term: NDArray[np.int64],
    tf: NDArray[np.int64],
    n_rows: int,
    n_terms: int,
    max_df: float,
) -> tuple[sp.csr_array, NDArray[np.int64]]:
    """L2-normalised TF-IDF matrix (rows: eligible accounts) and each term's df."""
    df = np.bincount(term, minlength=n_terms).astype(np.int64)
    stop = df > max(max_df * n_rows, 2.0)
    idf = np.log((1.0 + n_rows) / (1.0 + df)) + 1.0
    keep = ~stop[term]
    row, term = row[keep], term[keep]
    weight = (1.0 + np.log(tf[keep].astype(np.float64))) * idf[term]
    norm = np.sqrt(np.bincount(row, weights=weight * weight, minlength=n_rows))
    weight = weight / norm[row]
    # A term of one account adds nothing to any dot product: drop it, but only after
    # normalising, so that an account's own words still dilute what it shares.
    linking = df[term] >= 2
    row, term, weight = row[linking], term[linking], weight[linking]
    indptr = np.concatenate([[0], np.cumsum(np.bincount(row, minlength=n_rows))])
    matrix = sp.csr_array((weight, term, indptr.astype(np.int64)), shape=(n_rows, n_terms))
    df_kept = np.where(stop | (df < 2), 0, df)
    return matrix, df_kept


def _rank_desc(
    group: NDArray[np.int64], value: NDArray[np.float64]
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Order entries by *group* (non-decreasing), then *value* descending; rank in group.

    One integer sort key instead of a lexsort (ten times faster): values in [0, 1]
    are compared on a grid of ``2**-30`` (about ``1e-9``); values in one grid cell
    are ties and keep their input order.
    """
    steps = np.clip(np.floor((1.0 - value) * _GRID), 0, _GRID).astype(np.int64)
    order = np.argsort(group * np.int64(2 * _GRID) + steps, kind="stable").astype(np.int64)
    sorted_group = group[order]
    rank = np.arange(order.shape[0], dtype=np.int64) - np.searchsorted(
        sorted_group, sorted_group, side="left"
    )
    return order, rank


def _neighbours(
    x: sp.csr_array, df: NDArray[np.int64], min_cosine: float, top_k: int
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.float64]]:
    """Each row's ``top_k`` most similar other rows with cosine >= *min_cosine*, symmetrised."""
    n = x.shape[0]
    xt = x.T.tocsr()
    pattern = sp.csr_array((np.ones_like(x.data), x.indices, x.indptr), shape=x.shape)
    # Upper bound of each row's entries in X·Xᵀ, to size blocks before computing them.
    bound = np.minimum(pattern @ df.astype(np.float64), n).astype(np.int64)
    limit = _BLOCK_BYTES // _BYTES_PER_ENTRY
    parts_a: list[NDArray[np.int64]] = []
    parts_b: list[NDArray[np.int64]] = []
    parts_v: list[NDArray[np.float64]] = []
    for lo, hi in _slices(bound, limit):
        block = sp.csr_array(x[lo:hi] @ xt)
        r = np.repeat(np.arange(lo, hi, dtype=np.int64), np.diff(block.indptr))
        c = block.indices.astype(np.int64)
        v = block.data
        keep = np.flatnonzero((c != r) & (v >= min_cosine))
        # The product's columns are unsorted: sort the kept entries by (row, account)
        # so that ties are broken by account order.
        keep = keep[np.argsort((r[keep] - lo) * np.int64(n) + c[keep])]
        r, c, v = r[keep], c[keep], v[keep]
        order, rank = _rank_desc(r - lo, v)
        top = order[rank < top_k]
        r, c, v = r[top], c[top], v[top]
        parts_a.append(np.minimum(r, c))
        parts_b.append(np.maximum(r, c))
        parts_v.append(v)
    if not parts_a:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.float64)
    a, b, v = np.concatenate(parts_a), np.concatenate(parts_b), np.concatenate(parts_v)
    # Kept by either side; both sides computed the same sum in the same order.
    pair, first = np.unique(a * np.int64(max(n, 1)) + b, return_index=True)
    cosine = np.minimum(v[first], 1.0)
    return pair // max(n, 1), pair % max(n, 1), cosine


def _explain(
    x: sp.csr_array, a: NDArray[np.int64], b: NDArray[np.int64], vocabulary: NDArray[np.object_]
) -> tuple[NDArray[np.int64], tuple[tuple[str, ...], ...]]:
    """Shared-term count and the terms contributing most to each edge's cosine."""
    row_nnz = np.diff(x.indptr).astype(np.int64)
    shared: list[NDArray[np.int64]] = []
    top: list[tuple[str, ...]] = []
    for lo, hi in _slices(row_nnz[a] + row_nnz[b], _EXPAND_CHUNK):
        product = sp.csr_array(x[a[lo:hi]].multiply(x[b[lo:hi]]))
        product.eliminate_zeros()
        product.sort_indices()  # ties are then broken by term order
        counts = np.diff(product.indptr).astype(np.int64)
        edge = np.repeat(np.arange(hi - lo, dtype=np.int64), counts)
        order, rank = _rank_desc(edge, product.data)
        best = order[rank < _TOP_TERMS]
        names = vocabulary[product.indices[best]].tolist()
        ends = np.cumsum(np.minimum(counts, _TOP_TERMS)).tolist()
        starts = [0, *ends[:-1]]
        top.extend(tuple(names[s:e]) for s, e in zip(starts, ends, strict=True))
        shared.append(counts)
    counts_all = np.concatenate(shared) if shared else np.zeros(0, dtype=np.int64)
    return counts_all, tuple(top)


# --------------------------------------------------------------------------- public


def _check_args(
    min_records: object, min_cosine: object, top_k: object, max_df: object, ngram: object
) -> tuple[int, float, int, float, int]:
    return (
        check_int(min_records, "min_records", _FUNC, low=1),
        check_number(min_cosine, "min_cosine", _FUNC, low=0.0, high=1.0, low_inclusive=False),
        check_int(top_k, "top_k", _FUNC, low=1),
        check_number(max_df, "max_df", _FUNC, low=0.0, high=1.0, low_inclusive=False),
        check_int(ngram, "ngram", _FUNC, low=1),
    )


def account_similarity(
    records: Any,
    *,
    min_records: int = 5,
    min_cosine: float = 0.5,
    top_k: int = 10,
    max_df: float = 1.0,
    ngram: int = 1,
) -> SimilarityGraph:
    """Link accounts whose whole-period vocabularies are similar (TF-IDF cosine).

    Parameters
    ----------
    records : records accepted by :func:`botgraph.ingest`
        Iterable of mappings, DataFrame, Arrow table, path, or :class:`Records`;
        they need a ``text`` or a ``hashtags`` column.
    min_records : int, default 5
        Accounts with fewer records are not compared (but stay in ``accounts``).
        An account's vector is only as informative as the number of comments
        behind it: two accounts that each wrote "Thank you!" once have cosine 1.
        Five follows the activity floor Pacheco et al. (2021) applied to their
        hashtag-sequence traces (at least 5 posts). On heavy-tailed comment data
        it also removes most accounts, and with them most of the quadratic work.
    min_cosine : float, default 0.5
        Smallest cosine an edge may have, in (0, 1]. At 0.5 two accounts share
        about half of their (weighted) vocabulary: organic commenters on the same
        posts rarely get there, while accounts running the same templates,
        paraphrased or not, do.
    top_k : int, default 10
        Each account keeps at most its ``top_k`` most similar accounts (cosines
        within about ``1e-9`` count as ties, broken by account order) before the
        graph is made symmetric. Ten
        neighbours connect a network's members to each other while bounding the
        graph at ``top_k`` edges per account, however many accounts share a
        popular vocabulary.
    max_df : float, default 1.0
        Terms used by more than this share of the eligible accounts (and by more
        than two accounts) are dropped before weighting, like stop words in any
        language. Off by default: the idf already gives a term of every account
        weight 1 against about :math:`\\ln(n/3) + 1` for a term of two accounts,
        whereas a cut deletes the very template words of a network that is a
        large share of the compared accounts (a data set of suspects, a loud
        network among few active accounts). 0.5 trims shared "the"/"de"/"le"
        noise in a large organic crowd.
    ngram : int, default 1
        Longest word n-gram used as a term; ``2`` adds word pairs (within one
        comment, never across two), which rewards shared phrasing over shared
        topic words.

    Returns
    -------
    SimilarityGraph
        One undirected edge per pair kept by either end point, with cosine,
        shared-term count and the terms that explain it.

    Raises
    ------
    SchemaError
        If *records* are invalid (see :func:`botgraph.ingest`) or have neither a
        ``text`` nor a ``hashtags`` column.
    ParameterError
        If *min_records*, *top_k* or *ngram* is not an integer >= 1, or
        *min_cosine* or *max_df* is not a number in (0, 1].

    Notes
    -----
    **Documents.** The terms of a record are the words of
    :func:`botgraph.normalize.normalize_text` of its text (and, for
    ``ngram`` :math:`= m > 1`, its runs of 2 to :math:`m` consecutive words)
    plus its hashtags written ``#tag``: those of the ``hashtags`` column when
    the records have one, else those extracted from the text. An account's
    document is the concatenation of its records' terms. Each distinct text is
    tokenised once.

    **Weights.** Over the :math:`n` eligible accounts, with :math:`\\mathrm{tf}_{a,t}`
    the number of occurrences of term :math:`t` in account :math:`a`'s document
    and :math:`\\mathrm{df}_t` the number of eligible accounts using :math:`t`,

    .. math::

        w_{a,t} = \\bigl(1 + \\ln \\mathrm{tf}_{a,t}\\bigr)
                  \\left(\\ln\\frac{1 + n}{1 + \\mathrm{df}_t} + 1\\right),
        \\qquad
        x_a = \\frac{w_a}{\\lVert w_a \\rVert_2},

    the sublinear term frequency damps an account repeating one comment, and
    the smoothed inverse document frequency weighs rare shared terms most.
    Terms with :math:`\\mathrm{df}_t > \\max(\\mathrm{max\\_df} \\cdot n, 2)` are
    removed before weighting (the floor of 2 keeps a pair's shared terms in a
    data set of only a few accounts). Terms with :math:`\\mathrm{df}_t = 1`
    are removed after normalisation: they cannot link anyone but still dilute
    the account's vector.

    **Similarity.** :math:`\\cos(a, b) = x_a \\cdot x_b \\in [0, 1]`, computed as
    the sparse product :math:`X X^\\top` in blocks of rows sized so that one
    block stays near 200 MB. Every account keeps its ``top_k`` most similar
    accounts with :math:`\\cos \\ge` ``min_cosine``; a pair is an edge when
    either account kept the other. Cost grows with the number of account pairs
    sharing a term, at worst :math:`n^2`; only eligible accounts count.

    The result does not depend on the order of the records: terms are numbered
    in sorted order, so every floating-point sum is computed the same way.

    References
    ----------
    .. [1] Pacheco, D., Hui, P.-M., Torres-Lugo, C., Truong, B. T., Flammini, A.
       & Menczer, F. (2021), "Uncovering Coordinated Networks on Social Media:
       Methods and Case Studies", Proceedings of ICWSM 15(1), 455-466,
       doi:10.1609/icwsm.v15i1.18075.
    .. [2] Salton, G. & Buckley, C. (1988), "Term-weighting approaches in
       automatic text retrieval", Information Processing & Management 24(5),
       513-523, doi:10.1016/0306-4573(88)90021-0.

    Examples
    --------
    >>> import botgraph
    >>> from botgraph.similarity import account_similarity
    >>> says = {
    ...     "a": ["The minister lied about the deepfake", "Corruption everywhere #Shame"],
    ...     "b": ["the MINISTER lied about that deepfake!", "corruption everywhere #shame"],
    ...     "c": ["Lovely weather at the lake", "Our team won the cup"],
    ...     "d": ["Potholes on Main street again", "The library opens late"],
    ... }
    >>> rows = [{"account_id": who, "timestamp": 3600 * i, "text": text}
    ...         for who, texts in says.items() for i, text in enumerate(texts)]
    >>> g = account_similarity(botgraph.ingest(rows), min_records=2)
    >>> g
    SimilarityGraph(accounts=4, eligible=4, edges=1)
    >>> g.columns()["account_a"].tolist(), g.columns()["account_b"].tolist()
    (['a'], ['b'])
    >>> round(float(g.cosine[0]), 2), int(g.shared_terms[0]), g.top_terms[0][:3]
    (0.91, 9, ('#shame', 'about', 'corruption'))
    """
    min_records, min_cosine, top_k, max_df, ngram = _check_args(
        min_records, min_cosine, top_k, max_df, ngram
    )
    recs: Records = ingest(records)
    texts = recs.fields.get("text")
    tags = recs.fields.get("hashtags")
    if texts is None and tags is None:
        raise SchemaError(
            f"{_FUNC} compares what accounts say, so the records need a 'text' or a 'hashtags' "
            f"column; they have {sorted(recs.fields)}. Map your text column with "
            "ingest(..., columns={'your_column': 'text'}).",
            column="text",
        )
    n_accounts = int(recs.accounts.shape[0])
    activity = np.bincount(recs.account_code, minlength=n_accounts)
    eligible_codes = np.flatnonzero(activity >= min_records).astype(np.int64)
    n_rows = int(eligible_codes.shape[0])
    chosen = np.flatnonzero(activity[recs.account_code] >= min_records)
    units = _units(
        None if texts is None else texts[chosen],
        None if tags is None else tags[chosen],
        int(chosen.shape[0]),
        ngram,
    )
    n_terms = int(units.vocabulary.shape[0])
    record_row = np.searchsorted(eligible_codes, recs.account_code[chosen]).astype(np.int64)
    row, term, tf = _term_counts(record_row, units, n_terms)
    x, df = _tfidf(row, term, tf, n_rows, n_terms, max_df)
    a, b, cosine = _neighbours(x, df, min_cosine, top_k)
    shared, top = _explain(x, a, b, units.vocabulary)
    logger.debug(
        "%s: %d of %d accounts eligible, %d terms (%d linking), %d edges",
        _FUNC,
        n_rows,
        n_accounts,
        n_terms,
        int(np.count_nonzero(df)),
        a.shape[0],
    )
    return SimilarityGraph(
        accounts=recs.accounts,
        account_a=eligible_codes[a],
        account_b=eligible_codes[b],
        cosine=cosine.astype(np.float64),
        shared_terms=shared,
        top_terms=top,
        n_eligible=n_rows,
        parameters={
            "min_records": min_records,
            "min_cosine": min_cosine,
            "top_k": top_k,
            "max_df": max_df,
            "ngram": ngram,
        },
    )
