"""Near-duplicate text keys: MinHash signatures and banded LSH over word n-grams.

Coordinated networks rarely post one message verbatim: a template is filled with
synonyms, words are swapped, typos, emoji, hashtags and links are sprinkled on.
:func:`botgraph.normalize.normalize_text` removes the cosmetic part (case, emoji,
punctuation, links, mentions); this module groups the texts that still differ by
a few words, so that they share one key (the ``near_text`` layer).

Everything is deterministic: the hash functions are fixed (BLAKE2b for tokens,
fixed universal-hash coefficients), so the same texts give the same partition in
every process, on every platform and whatever their order.
"""

from __future__ import annotations

import hashlib
import logging
import math
from collections.abc import Sequence
from typing import Final

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray
from scipy.sparse.csgraph import connected_components

from botgraph._validation import check_int, check_number
from botgraph.errors import ParameterError
from botgraph.normalize import normalize_text

__all__ = ["near_duplicate_keys"]

_LOG = logging.getLogger("botgraph.near_duplicates")
_FUNC = "near_duplicate_keys"
_EXPECTED = "a sequence or 1-D array of str or None"

#: The Mersenne prime 2**61 - 1, modulus of the universal hash family.
_PRIME: Final = (1 << 61) - 1
#: Seed of the PCG64 stream that gives the coefficients (a, b) of the hash functions.
_SEED: Final = 20_240_611
#: Buckets with more distinct texts than this are chained instead of paired.
_BUCKET_CAP: Final = 32
#: Giant buckets are sorted by this many signature rows, taken after the band.
_GIANT_SORT_ROWS: Final = 4
#: Upper bounds that keep memory sane (``shingle`` columns per token, signature width).
_MAX_SHINGLE: Final = 16
_MAX_PERM: Final = 4096
#: Elements per temporary array in the chunked loops (about 32 MiB of uint64).
_CHUNK: Final = 1 << 22

_U64 = np.uint64
_MASK_32 = _U64(0xFFFF_FFFF)
_MASK_29 = _U64((1 << 29) - 1)
_P61 = _U64(_PRIME)
# SplitMix64 constants (Steele, Lea & Flood 2014): an invertible 64-bit mixer.
_GOLDEN_INT: Final = 0x9E37_79B9_7F4A_7C15
_GOLDEN = _U64(_GOLDEN_INT)
_MIX_1 = _U64(0xBF58_476D_1CE4_E5B9)
_MIX_2 = _U64(0x94D0_49BB_1331_11EB)


def near_duplicate_keys(
    texts: Sequence[str | None] | NDArray[np.object_],
    *,
    threshold: float = 0.5,
    shingle: int = 2,
    num_perm: int = 128,
    bands: int | None = None,
    min_tokens: int = 4,
) -> NDArray[np.int64]:
    """Give near-duplicate texts the same cluster id.

    Parameters
    ----------
    texts : sequence of str or None, or 1-D object array
        Comment texts. ``None`` and float NaN (a missing value of pandas) mean
        "no text".
    threshold : float, default 0.5
        Jaccard similarity, in (0, 1], above which two texts are linked (see
        Notes). Lower links more distant variants.
    shingle : int, default 2
        Longest word n-gram used as a feature: each text is the set of its word
        n-grams for n = 1 ... ``shingle`` (at most 16).
    num_perm : int, default 128
        Number of MinHash functions (signature length, at most 4096). More is
        more accurate and slower; the standard error of the estimated
        similarity is :math:`\\sqrt{J(1-J)/\\text{num\\_perm}}`.
    bands : int or None, default None
        Number of LSH bands :math:`b`, at most ``num_perm``; each has
        :math:`r = \\lfloor \\text{num\\_perm} / b \\rfloor` rows. None chooses
        :math:`(b, r)` from ``threshold`` (see Notes).
    min_tokens : int, default 4
        Texts whose normalised form has fewer words get no key (-1).

    Returns
    -------
    ndarray of int64, shape (n_texts,)
        A cluster id per text: texts with the same id are near-duplicates
        (directly or through a chain of near-duplicates); -1 for a missing or
        empty text or one shorter than ``min_tokens`` words. Ids are
        ``0, 1, 2, ...`` in order of first appearance in *texts*; a text with
        no near-duplicate still gets its own id.

    Raises
    ------
    ParameterError
        If *texts* is not a sequence or 1-D array of str or None, or an option
        is out of range.

    Notes
    -----
    **Features.** Each text is normalised with
    :func:`botgraph.normalize.normalize_text` (case, accents composed, emoji,
    punctuation, links and mentions removed) and split into words. Its feature
    set :math:`A` holds its word n-grams for :math:`n = 1, \\dots, k` with
    :math:`k` = ``shingle``: a text of :math:`m` words has :math:`2m - 1`
    features when :math:`k = 2`. Unigrams make word swaps cheap (they keep all
    words) and bigrams keep enough word order to tell different messages built
    from the same words apart. A synonym or a typo replaces one word and costs
    three features (one unigram, two bigrams); an added hashtag adds two. So a
    one-word edit of a 12-word text leaves a Jaccard similarity of
    :math:`20/26 \\approx 0.77`, and two edits about 0.6. Character
    5-grams would forgive typos more but charge a synonym a whole word's worth
    of grams, and unrelated texts on the same topic share many of them (stems
    of "corruption", "deepfake"), which raises the background similarity.

    **Similarity.** The Jaccard similarity of two feature sets is
    :math:`J(A, B) = |A \\cap B| / |A \\cup B|`.

    **MinHash** [1]_. For a random hash function :math:`h` (approximately a
    random permutation of the features),
    :math:`\\Pr[\\min h(A) = \\min h(B)] = J(A, B)`. With ``num_perm``
    independent functions the fraction of equal minima is an unbiased
    estimate of :math:`J`. Each word is hashed once to 64 bits with BLAKE2b,
    n-grams combine the word hashes with the SplitMix64 mixer, and function
    :math:`i` is :math:`h_i(x) = (a_i x + b_i) \\bmod p` with the Mersenne
    prime :math:`p = 2^{61} - 1` (products are split into 32-bit halves so
    that no uint64 operation overflows; :math:`2^{61} \\equiv 1 \\pmod p`
    folds the high part back). The coefficients are the first
    ``2 * num_perm`` outputs of ``numpy.random.PCG64(20240611).random_raw``
    (a stream NumPy keeps stable), reduced to :math:`1 \\le a_i < p`,
    :math:`0 \\le b_i < p`, so results do not depend on the process, the
    platform or the order of the texts. The top 32 of the 61 bits are kept.

    **Banded LSH** [2]_. The signature is cut into :math:`b` bands of
    :math:`r` rows; two texts are *candidates* when they agree on every row
    of at least one band, which happens with probability
    :math:`1 - (1 - s^r)^b` for similarity :math:`s` (an S-curve). When
    ``bands`` is None, :math:`(b, r)` with :math:`b r \\le` ``num_perm``
    minimises the false-positive area :math:`\\int_0^t (1-(1-s^r)^b)\\,ds`
    plus the false-negative area :math:`\\int_t^1 (1-s^r)^b\\,ds` at the
    threshold :math:`t` (trapezoid rule on 1001 points); for the defaults this
    gives :math:`b = 25, r = 5`.

    **Verification and clusters.** Each candidate pair is kept when its
    estimated similarity (fraction of equal signature values) is at least
    ``threshold``; the kept pairs are the edges of a graph whose connected
    components are the clusters. A bucket holding more than 32 distinct
    texts (a huge template, or a band of very common words) is not expanded to
    all its pairs: its members are sorted by four signature rows following
    the band and only neighbours in that order are verified, so the cost stays
    linear in the number of texts. Candidates are thus at most 31 pairs per
    text and band.

    **Cost.** Texts are deduplicated twice (as given, then after
    normalisation) and signatures are computed once per distinct normalised
    text and the universal hashes once per distinct n-gram; the work is
    linear in the number of distinct texts, n-grams and candidate pairs.

    **Short texts.** With fewer than ``min_tokens`` words (default 4) the
    feature set is so small that stock phrases ("Thank you!", "Bravo",
    "Well said") and their chance variants pass any threshold; such texts
    are left to the exact ``text`` layer, which compares them verbatim and
    whose null model discounts popular phrases.

    References
    ----------
    .. [1] Broder, A. Z. (1997). "On the resemblance and containment of
       documents". Compression and Complexity of Sequences, 21-29.
       doi:10.1109/SEQUEN.1997.666900.
    .. [2] Leskovec, J., Rajaraman, A. & Ullman, J. D. (2020). *Mining of
       Massive Datasets*, 3rd ed., ch. 3 "Finding Similar Items". Cambridge
       University Press. doi:10.1017/9781108684163.

    Examples
    --------
    >>> near_duplicate_keys([
    ...     "Shame on MP Smith! 😡",
    ...     "shame on mp smith!!",
    ...     "Shame on MP Smith, again #corruption",
    ...     "Lovely weather in Ottawa this morning",
    ...     "Bravo!",
    ...     None,
    ... ]).tolist()
    [0, 0, 0, 1, -1, -1]
    """
    items = _check_texts(texts)
    threshold = check_number(threshold, "threshold", _FUNC, low=0.0, high=1.0, low_inclusive=False)
    shingle = check_int(shingle, "shingle", _FUNC, low=1, high=_MAX_SHINGLE)
    num_perm = check_int(num_perm, "num_perm", _FUNC, low=1, high=_MAX_PERM)
    if bands is not None:
        bands = check_int(bands, "bands", _FUNC, low=1, high=num_perm)
    min_tokens = check_int(min_tokens, "min_tokens", _FUNC, low=1)

    distinct, text_of = _distinct_texts(items, min_tokens)
    if not distinct:
        return text_of
    n_bands, rows = (
        _band_shape(threshold, num_perm) if bands is None else (bands, num_perm // bands)
    )
    signatures = _signatures(distinct, shingle, num_perm)
    labels = _cluster(signatures, threshold, n_bands, rows)
    return _first_appearance_ids(labels, text_of)


# --------------------------------------------------------------------------- input


def _is_missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _check_texts(texts: object) -> list[object]:
    """Return the texts as a list, after checking the container."""
    if isinstance(texts, np.ndarray):
        if texts.ndim != 1:
            raise ParameterError(
                f"The 'texts' parameter of {_FUNC} must be {_EXPECTED}. "
                f"Got an array of shape {texts.shape} instead."
            )
        return list(texts.tolist())
    if isinstance(texts, Sequence) and not isinstance(texts, str | bytes):
        return list(texts)
    raise ParameterError(
        f"The 'texts' parameter of {_FUNC} must be {_EXPECTED}. Got {texts!r:.80} instead."
    )


def _bad_element(items: list[object]) -> ParameterError:
    for index, item in enumerate(items):
        if not isinstance(item, str) and not _is_missing(item):
            return ParameterError(
                f"The 'texts' parameter of {_FUNC} must be {_EXPECTED}. "
                f"Got {item!r:.80} at position {index} instead."
            )
    raise AssertionError("unreachable: no bad element")  # pragma: no cover


def _distinct_texts(items: list[object], min_tokens: int) -> tuple[list[str], NDArray[np.int64]]:
    """Sorted distinct normalised texts with enough words, and each input's index in them.

    Sorting makes every later step independent of the order of the input.
    """
    try:
        unique = dict.fromkeys(items)  # texts repeat: check and normalise each once
    except TypeError:  # an unhashable element cannot be a text
        raise _bad_element(items) from None
    if not all(isinstance(item, str) or _is_missing(item) for item in unique):
        raise _bad_element(items)
    normalised = {item: normalize_text(item) for item in unique if isinstance(item, str)}
    kept = sorted({t for t in normalised.values() if t and t.count(" ") + 1 >= min_tokens})
    position = {text: i for i, text in enumerate(kept)}
    code = {item: position.get(normalised.get(item, ""), -1) for item in unique}  # type: ignore[arg-type]
    return kept, np.fromiter(map(code.__getitem__, items), dtype=np.int64, count=len(items))


# --------------------------------------------------------------------------- banding


def _band_shape(threshold: float, num_perm: int) -> tuple[int, int]:
    """Bands and rows minimising false-positive plus false-negative area at *threshold*."""
    s = np.linspace(0.0, 1.0, 1001)
    below = s <= threshold
    best: tuple[float, int, int] = (math.inf, 1, num_perm)
    for b in range(1, num_perm + 1):
        for r in range(1, num_perm // b + 1):
            collide = 1.0 - (1.0 - s**r) ** b
            false_pos = np.trapezoid(np.where(below, collide, 0.0), s)
            false_neg = np.trapezoid(np.where(below, 0.0, 1.0 - collide), s)
            error = float(false_pos + false_neg)
            if error < best[0] - 1e-12:
                best = (error, b, r)
    return best[1], best[2]


# --------------------------------------------------------------------------- hashing


def _mix(z: NDArray[np.uint64]) -> NDArray[np.uint64]:
    """SplitMix64 finaliser, in place on a fresh array (uint64 arithmetic wraps)."""
    z ^= z >> _U64(30)
    z *= _MIX_1
    z ^= z >> _U64(27)
    z *= _MIX_2
    z ^= z >> _U64(31)
    return z


def _token_hashes(texts: list[str]) -> tuple[NDArray[np.uint64], NDArray[np.int64]]:
    """64-bit BLAKE2b hash of every word occurrence (flat, in text order) and words per text."""
    words = " ".join(texts).split(" ")
    vocabulary = {word: i for i, word in enumerate(dict.fromkeys(words))}
    codes = np.fromiter(map(vocabulary.__getitem__, words), dtype=np.int64, count=len(words))
    digests = b"".join(
        hashlib.blake2b(word.encode("utf-8"), digest_size=8).digest() for word in vocabulary
    )
    word_hash = np.frombuffer(digests, dtype="<u8").astype(np.uint64)
    lengths = np.fromiter((t.count(" ") + 1 for t in texts), dtype=np.int64, count=len(texts))
    return word_hash[codes], lengths


def _ngram_features(
    token_hash: NDArray[np.uint64], lengths: NDArray[np.int64], shingle: int
) -> tuple[NDArray[np.uint64], NDArray[np.int64]]:
    """Hashes of the word n-grams (n = 1..shingle) of every text, grouped by text.

    Returns the flat feature hashes and the offset of each text's first feature.
    """
    n_tokens = int(token_hash.shape[0])
    starts = np.cumsum(lengths) - lengths
    remaining = np.repeat(lengths + starts, lengths) - np.arange(n_tokens)
    table = np.zeros((n_tokens, shingle), dtype=np.uint64)
    prefix = token_hash.copy()
    for n in range(1, shingle + 1):
        width = n_tokens - n + 1
        if width <= 0:
            break
        if n > 1:
            # prefix[i] now encodes words i .. i+n-1, order-sensitively.
            prefix = _mix(prefix[:width].copy()) ^ token_hash[n - 1 :]
        # A different offset per n keeps an n-gram apart from a shorter one.
        table[:width, n - 1] = _mix(prefix + _U64((_GOLDEN_INT * n) % (1 << 64)))
    valid = remaining[:, None] >= np.arange(1, shingle + 1)[None, :]
    per_text = np.clip(lengths[:, None] - np.arange(shingle)[None, :], 0, None).sum(axis=1)
    offsets = np.cumsum(per_text) - per_text
    return table[valid], offsets


def _hash_coefficients(num_perm: int) -> tuple[NDArray[np.uint64], NDArray[np.uint64]]:
    """Coefficients a (in [1, p)) and b (in [0, p)) of the universal hash functions.

    Drawn from the raw PCG64 stream, which NumPy keeps stable across versions;
    function i uses outputs 2i and 2i+1, so a shorter signature is a prefix of
    a longer one.
    """
    raw = np.random.PCG64(_SEED).random_raw(2 * num_perm)
    values = [int(v) for v in raw.tolist()]
    a = np.array([1 + v % (_PRIME - 1) for v in values[0::2]], dtype=np.uint64)
    b = np.array([v % _PRIME for v in values[1::2]], dtype=np.uint64)
    return a, b


def _mod_prime(x: NDArray[np.uint64]) -> NDArray[np.uint64]:
    """x mod (2**61 - 1), exactly, for any uint64 x; computed in place and returned."""
    for _ in range(2):  # 2^61 = 1 (mod p): fold the high bits onto the low ones
        high = x >> _U64(61)
        x &= _P61
        x += high
    x[x == _P61] = 0
    return x


def _universal_hash(
    a: NDArray[np.uint64], b: NDArray[np.uint64], x_hi: NDArray[np.uint64], x_lo: NDArray[np.uint64]
) -> NDArray[np.uint64]:
    """(a*x + b) mod 2**61-1 as an array (len(a), len(x)), without uint64 overflow.

    With x = xh 2^32 + xl and a = ah 2^32 + al (xh, ah < 2^29, xl, al < 2^32):
    a x = ah xh 2^64 + (ah xl + al xh) 2^32 + al xl. Modulo p = 2^61 - 1,
    2^64 = 8 and mid 2^32 = (mid >> 29) 2^61 + (mid & (2^29-1)) 2^32
    = (mid >> 29) + (mid & (2^29-1)) 2^32; al xl < 2^64 folds as
    (al xl & p) + (al xl >> 61). Every term is below 2^62 and their sum below 2^63.
    """
    a_hi, a_lo = (a >> _U64(32))[:, None], (a & _MASK_32)[:, None]
    xh, xl = x_hi[None, :], x_lo[None, :]
    mid = a_hi * xl
    mid += a_lo * xh
    low = a_lo * xl
    total = (a_hi * xh) << _U64(3)
    total += mid >> _U64(29)
    mid &= _MASK_29
    mid <<= _U64(32)
    total += mid
    total += low >> _U64(61)
    low &= _P61
    total += low
    total += b[:, None]
    return _mod_prime(total)


def _signatures(texts: list[str], shingle: int, num_perm: int) -> NDArray[np.uint32]:
    """MinHash signature (num_perm 32-bit values) of each text, shape (n_texts, num_perm)."""
    token_hash, lengths = _token_hashes(texts)
    features, offsets = _ngram_features(token_hash, lengths, shingle)
    n_occurrences = int(features.shape[0])
    distinct, first, inverse = np.unique(features, return_index=True, return_inverse=True)
    del features
    n_features = int(distinct.shape[0])
    # Number the distinct n-grams by first occurrence: the rare ones (most of
    # them) are then read almost sequentially by the gathers below, and the
    # frequent ones stay in cache. int32 indices halve the memory traffic.
    index_type = np.int32 if n_features < 2**31 else np.int64
    by_first = np.argsort(first, kind="stable")
    renumber = np.empty(n_features, dtype=index_type)
    renumber[by_first] = np.arange(n_features, dtype=index_type)
    inverse = renumber[inverse.reshape(-1)]
    distinct = distinct[by_first]
    x = _mod_prime(distinct)
    x_hi, x_lo = x >> _U64(32), x & _MASK_32
    a, b = _hash_coefficients(num_perm)
    _LOG.debug(
        "near_duplicate_keys: %d distinct texts, %d n-grams (%d distinct)",
        len(texts),
        n_occurrences,
        n_features,
    )
    signatures = np.empty((num_perm, len(texts)), dtype=np.uint32)
    # The hashes of every distinct n-gram are computed once per function, for a
    # block of functions at a time (bounded memory), in cache-sized pieces;
    # each function's minimum per text is then a gather and a segmented min.
    block = max(1, min(num_perm, _CHUNK // max(n_features, 1)))
    step = max(1, (1 << 16) // block)
    text_ranges = _text_chunks(offsets, _CHUNK)
    for first in range(0, num_perm, block):
        stop = min(first + block, num_perm)
        table = np.empty((stop - first, n_features), dtype=np.uint32)
        for lo in range(0, n_features, step):
            hashed = _universal_hash(
                a[first:stop], b[first:stop], x_hi[lo : lo + step], x_lo[lo : lo + step]
            )
            table[:, lo : lo + step] = hashed >> _U64(29)
        for t0, t1 in text_ranges:
            f0 = int(offsets[t0])
            f1 = int(offsets[t1]) if t1 < len(texts) else n_occurrences
            segments = offsets[t0:t1] - f0
            occurrences = inverse[f0:f1]
            for k in range(stop - first):
                values = table[k].take(occurrences)
                signatures[first + k, t0:t1] = np.minimum.reduceat(values, segments)
    return np.ascontiguousarray(signatures.T)


def _text_chunks(offsets: NDArray[np.int64], limit: int) -> list[tuple[int, int]]:
    """Split texts into consecutive ranges holding about *limit* features each."""
    n = int(offsets.shape[0])
    bounds = [0]
    while bounds[-1] < n:
        start = bounds[-1]
        stop = int(np.searchsorted(offsets, int(offsets[start]) + limit, side="left"))
        bounds.append(min(n, max(stop, start + 1)))
    return list(zip(bounds[:-1], bounds[1:], strict=True))


# --------------------------------------------------------------------------- clustering


def _band_keys(rows: NDArray[np.uint32]) -> NDArray[np.uint64]:
    """One 64-bit key per text for the rows of one band (equal rows give equal keys)."""
    key = np.zeros(rows.shape[0], dtype=np.uint64)
    for column in range(rows.shape[1]):
        key = _mix(key ^ rows[:, column].astype(np.uint64)) + _GOLDEN
    return key


def _pairs_in_band(
    signatures: NDArray[np.uint32], band: int, rows: int
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Candidate pairs (i < j) of texts sharing a bucket of *band*."""
    n, num_perm = signatures.shape
    key = _band_keys(signatures[:, band * rows : (band + 1) * rows])
    order = np.argsort(key, kind="stable")
    sorted_key = key[order]
    new = np.empty(n, dtype=bool)
    new[0] = True
    np.not_equal(sorted_key[1:], sorted_key[:-1], out=new[1:])
    bucket = np.cumsum(new) - 1
    size = np.bincount(bucket)[bucket]
    left: list[NDArray[np.int64]] = []
    right: list[NDArray[np.int64]] = []

    # Small buckets: every pair. Positions are grouped by bucket, so the pairs at
    # distance d are the positions q whose bucket also holds q + d.
    small = np.flatnonzero((size >= 2) & (size <= _BUCKET_CAP))
    members, member_bucket = order[small], bucket[small]
    for d in range(1, _BUCKET_CAP):
        same = np.flatnonzero(member_bucket[d:] == member_bucket[:-d])
        if same.shape[0] == 0:
            break
        left.append(members[same])
        right.append(members[same + d])

    # Giant buckets: sort members by a few rows after the band, link neighbours.
    giant = np.flatnonzero(size > _BUCKET_CAP)
    if giant.shape[0]:
        members, member_bucket = order[giant], bucket[giant]
        after = [(band + 1) * rows + k for k in range(_GIANT_SORT_ROWS)]
        sort_keys = [members] + [signatures[members, c % num_perm] for c in after[::-1]]
        chain = np.lexsort((*sort_keys, member_bucket))
        members, member_bucket = members[chain], member_bucket[chain]
        same = np.flatnonzero(member_bucket[1:] == member_bucket[:-1])
        left.append(members[same])
        right.append(members[same + 1])

    if not left:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty
    i, j = np.concatenate(left), np.concatenate(right)
    return np.minimum(i, j), np.maximum(i, j)


def _cluster(
    signatures: NDArray[np.uint32], threshold: float, bands: int, rows: int
) -> NDArray[np.int64]:
    """Connected components of the verified candidate pairs (one label per text).

    Components are updated after each band and a candidate pair already inside
    one component is not verified again: it could not change the partition.
    """
    n, num_perm = signatures.shape
    needed = math.ceil(threshold * num_perm - 1e-9)
    component = np.arange(n, dtype=np.int64)
    n_candidates = n_verified = n_edges = 0
    for band in range(bands):
        i, j = _pairs_in_band(signatures, band, rows)
        n_candidates += int(i.shape[0])
        open_pair = component[i] != component[j]
        i, j = i[open_pair], j[open_pair]
        if i.shape[0] == 0:
            continue
        n_verified += int(i.shape[0])
        keep = _verified(signatures, i, j, needed)
        if not keep.any():
            continue
        n_edges += int(np.count_nonzero(keep))
        graph = sp.coo_array(
            (np.ones(int(keep.sum()), dtype=np.int8), (component[i[keep]], component[j[keep]])),
            shape=(n, n),
        ).tocsr()
        _, merged = connected_components(graph, directed=False)
        component = merged.astype(np.int64)[component]
    _LOG.debug(
        "near_duplicate_keys: %d bands x %d rows, %d candidate pairs, %d verified, %d edges",
        bands,
        rows,
        n_candidates,
        n_verified,
        n_edges,
    )
    return component


def _verified(
    signatures: NDArray[np.uint32], i: NDArray[np.int64], j: NDArray[np.int64], needed: int
) -> NDArray[np.bool_]:
    """Whether each pair agrees on at least *needed* signature values."""
    step = max(1, _CHUNK // signatures.shape[1])
    keep = np.empty(i.shape[0], dtype=bool)
    for lo in range(0, i.shape[0], step):
        hi = lo + step
        agree = np.count_nonzero(signatures[i[lo:hi]] == signatures[j[lo:hi]], axis=1)
        keep[lo:hi] = agree >= needed
    return keep


def _first_appearance_ids(
    labels: NDArray[np.int64], text_of: NDArray[np.int64]
) -> NDArray[np.int64]:
    """Cluster id per input: clusters numbered by first appearance, -1 kept."""
    result = np.full(text_of.shape[0], -1, dtype=np.int64)
    present = np.flatnonzero(text_of >= 0)
    if present.shape[0] == 0:
        return result
    cluster = labels[text_of[present]]
    _, first, inverse = np.unique(cluster, return_index=True, return_inverse=True)
    rank = np.empty(first.shape[0], dtype=np.int64)
    rank[np.argsort(first, kind="stable")] = np.arange(first.shape[0])
    result[present] = rank[inverse.reshape(-1)]
    return result
