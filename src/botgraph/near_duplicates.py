"""Near-duplicate text keys: MinHash signatures and banded LSH over word n-grams.

Coordinated networks rarely post one message verbatim: a template is filled with
synonyms, words are swapped, typos, emoji, hashtags and links are sprinkled on.
:func:`botgraph.normalize.normalize_text` removes the cosmetic part (case, emoji,
punctuation, links, mentions); this module groups the texts that still differ by
a few words, so that they share one key (the ``near_text`` layer).

Everything is deterministic: the hash functions are fixed (BLAKE2b for tokens,
fixed universal-hash coefficients), so the same texts give the same partition in
every process, on every platform and whatever their order.

The steps run as numba kernels (compiled on first use and cached on disk) when
numba works, and in NumPy otherwise; both give the same signatures, the same
candidate pairs and the same clusters.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import logging
import math
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Final, Literal

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray
from scipy.sparse.csgraph import connected_components

from botgraph._jit import LazyKernels, compile_kernels
from botgraph._validation import check_choice, check_int, check_number
from botgraph.errors import ParameterError
from botgraph.normalize import (
    _BLAKE2B,
    _IDENTITY_TABLE,
    _SHORTCUT_TABLE,
    _fingerprint_kernel,
    _shortcut,
    normalize_text,
    normalize_texts,
)
from botgraph.normalize import _chunks as _normal_chunks

__all__ = ["near_duplicate_keys"]

_LOG = logging.getLogger("botgraph.near_duplicates")
_FUNC = "near_duplicate_keys"
_LINKAGES = ("star", "single")
_EXPECTED = "a sequence or 1-D array of str or None"

#: The Mersenne prime 2**61 - 1, modulus of the universal hash family.
_PRIME: Final = (1 << 61) - 1
#: Seed of the PCG64 stream that gives the coefficients (a, b) of the hash functions.
_SEED: Final = 20_240_611
#: Buckets with more distinct texts than this are not expanded to all their pairs.
_BUCKET_CAP: Final = 32
#: Giant buckets are sorted by this many signature rows, taken after the band.
_GIANT_SORT_ROWS: Final = 4
#: Giant buckets of at least this many texts are sorted by a radix sort, smaller ones merged.
_RADIX_FROM: Final = 512
#: Bands whose keys are computed in one pass over whole signatures (8 bytes per text each).
_KEY_BANDS: Final = 4
#: Weight of the false-negative area against the false-positive one when choosing bands.
_FALSE_NEGATIVE_WEIGHT: Final = 3.0
#: Upper bounds that keep memory sane (``shingle`` columns per token, signature width).
_MAX_SHINGLE: Final = 16
_MAX_PERM: Final = 4096
#: Threads computing signatures, and the n-gram count from which they are used.
_MAX_THREADS: Final = 4
_THREADED_FROM: Final = 1 << 18
#: Elements per temporary array in the chunked loops (about 32 MiB of uint64).
_CHUNK: Final = 1 << 22
#: Values (uint32) of the hash table of the compiled path, and of its copied columns:
#: the fewer functions per table, the more passes over the n-grams. The functions of
#: a table are a multiple of 16 when there are 16 or more (a row fills cache lines).
_TABLE_VALUES: Final = 1 << 27
#: Bytes of signature values held whole (compiled path): beyond, the signatures are
#: computed in blocks of columns, twice (see _edges_streamed).
_SIGNATURE_BYTES: Final = 3 << 30
#: Candidate pairs (before removing repeats) sorted and verified at a time.
_PAIR_CHUNK: Final = 1 << 24
#: Distinct texts from which the whole signatures are put in bucket order to verify pairs.
_FAMILY_ORDER_FROM: Final = 1 << 16
#: Words from which the words and n-grams of the texts are coded in two threads (two
#: tables, then merged). Measured on two cores (_features, shingle 2): 10.3 ms in one
#: thread against 12.8 ms in two at 2**17 words (the merge and the second table cost
#: more than the thread saves), 17 against 16 ms at 2**18, 39 against 31 ms at 2**19,
#: 107 against 69 ms at 2**21. Not below _THREADED_FROM: the halves are threaded from it.
_SPLIT_FROM: Final = 1 << 19
#: "auto": the numba kernels when numba works, else NumPy; "numpy": NumPy only.
_ENGINE: Literal["auto", "numpy"] = "auto"

_U64 = np.uint64
_MASK_32 = _U64(0xFFFF_FFFF)
_MASK_29 = _U64((1 << 29) - 1)
_P61 = _U64(_PRIME)
# SplitMix64 constants (Steele, Lea & Flood 2014): an invertible 64-bit mixer.
_GOLDEN_INT: Final = 0x9E37_79B9_7F4A_7C15
_GOLDEN = _U64(_GOLDEN_INT)
_MIX_1 = _U64(0xBF58_476D_1CE4_E5B9)
_MIX_2 = _U64(0x94D0_49BB_1331_11EB)
_EMPTY_DIGEST = np.frombuffer(hashlib.blake2b(b"", digest_size=8).digest(), "<u8")[0]


def near_duplicate_keys(
    texts: Sequence[str | None] | NDArray[np.object_],
    *,
    threshold: float = 0.5,
    shingle: int = 2,
    num_perm: int = 128,
    bands: int | None = None,
    min_tokens: int = 4,
    linkage: Literal["star", "single"] = "star",
) -> NDArray[np.int64]:
    r"""Give near-duplicate texts the same cluster id.

    Parameters
    ----------
    texts : sequence of str or None, or 1-D object array
        Comment texts. ``None`` and float NaN (a missing value of pandas) mean
        "no text".
    threshold : float, default 0.5
        Jaccard similarity of the word n-gram sets, in (0, 1], from which two
        texts count as near-duplicates (see Notes). Lower links more distant
        variants.
    shingle : int, default 2
        Longest word n-gram used as a feature: each text is the set of its word
        n-grams for n = 1 ... ``shingle`` (at most 16).
    num_perm : int, default 128
        Number of MinHash functions (signature length, at most 4096). More is
        more accurate and slower: the estimated similarity has standard error
        :math:`\sqrt{J(1-J)/\text{num\_perm}}`, 0.044 at :math:`J = 0.5`.
    bands : int or None, default None
        Number of LSH bands :math:`b`, at most ``num_perm``; each has
        :math:`r = \lfloor \text{num\_perm} / b \rfloor` rows. None chooses
        :math:`(b, r)` from ``threshold`` (see Notes).
    min_tokens : int, default 4
        Texts whose normalised form has fewer words get no key (-1).
    linkage : {"star", "single"}, default "star"
        How near-duplicate pairs become clusters. ``"star"``: every member is a
        near-duplicate of its cluster's centre, or of a member of it (no
        chaining). ``"single"``: connected components, so chains of
        near-duplicates form one cluster however far their ends drift apart.

    Returns
    -------
    ndarray of int64, shape (n_texts,)
        A cluster id per text, the same for texts with the same normalised
        form; -1 for a missing or empty text or one of fewer than
        ``min_tokens`` words. Ids are ``0, 1, 2, ...`` in order of first
        appearance in *texts*; a text without near-duplicates has an id of
        its own.

    Raises
    ------
    ParameterError
        If *texts* is not a sequence or 1-D array of str or None, or an option
        is out of range.

    Notes
    -----
    **Features.** Each text is normalised with
    :func:`botgraph.normalize.normalize_text` (case, emoji, punctuation, links
    and mentions removed) and split into words. Its feature set :math:`A`
    holds its word n-grams for :math:`n = 1, \dots, k`, :math:`k` =
    ``shingle``; with :math:`k = 2` a text of :math:`m` words has
    :math:`2m - 1` features. Unigrams keep a word swap cheap (all words stay)
    and bigrams keep enough word order to tell apart messages made of the
    same words. A synonym or a typo replaces one word and costs three
    features (a unigram, two bigrams), an added hashtag adds two, so one
    edit of a 12-word message leaves :math:`J = 20/26 \approx 0.77` and two
    edits about 0.6. Character 5-grams forgive typos better but charge a
    synonym a whole word of grams, share stems between unrelated texts on
    one topic, and give about five times more features per text (five times
    slower signatures); on the templated variants of the tests their recall
    was about the same. With
    :math:`k = 3` two edits already fall below 0.5; :math:`k = 1` (a bag of
    words) links unrelated texts made of frequent words.

    **Similarity.** The Jaccard similarity of two feature sets is
    :math:`J(A, B) = |A \cap B| / |A \cup B|`.

    **MinHash** [1]_. For a random hash function :math:`h` (approximately a
    random permutation of the features),
    :math:`\Pr[\min h(A) = \min h(B)] = J(A, B)`; with ``num_perm``
    independent functions, the fraction of equal minima estimates :math:`J`
    without bias. Each word is hashed once to 64 bits with BLAKE2b
    (:func:`hashlib.blake2b`), n-grams combine word hashes with the
    SplitMix64 mixer, and function :math:`i` is the universal hash
    :math:`h_i(x) = (a_i x + b_i) \bmod p` with the Mersenne prime
    :math:`p = 2^{61} - 1`, computed in uint64 with 32-bit halves so that no
    product overflows (:math:`2^{61} \equiv 1 \pmod p` folds the high part
    back). The coefficients are the first ``2 * num_perm`` outputs of
    ``numpy.random.PCG64(20240611).random_raw()`` (a stream NumPy keeps
    stable), reduced to :math:`1 \le a_i < p`, :math:`0 \le b_i < p`. The
    signature keeps the top 32 of the 61 bits. Nothing depends on the
    process, the platform or the order of the texts.

    **Banded LSH** [2]_. The signature is cut into :math:`b` bands of
    :math:`r` rows; two texts are *candidates* when they agree on all rows
    of at least one band, which happens with probability
    :math:`P(s) = 1 - (1 - s^r)^b` at similarity :math:`s`. When ``bands``
    is None, :math:`(b, r)` with :math:`br \le` ``num_perm`` minimises the
    false-positive area plus three times the false-negative area at the
    threshold :math:`t`,
    :math:`\int_0^t P(s)\,ds + 3\int_t^1 (1 - P(s))\,ds` (trapezoid rule,
    1001 points): a false positive costs one signature comparison, a false
    negative loses a link. The defaults give :math:`b = 26, r = 4`, so
    :math:`P(0.5) = 0.81`, :math:`P(0.6) = 0.97`, :math:`P(0.3) = 0.19`.

    **Verification.** A candidate pair is a near-duplicate pair when its
    estimated similarity (fraction of equal signature values) is at least
    ``threshold``. A bucket of more than 32 distinct texts (a huge template,
    or common words) is not expanded to all its pairs: each member is paired
    with the bucket's best-ranked member (see below) and with its neighbours
    once the members are sorted by four signature rows following the band.
    A text is thus in at most 31 candidate pairs per band, and the cost stays
    linear in the number of texts.

    **Clusters.** Distinct texts are ranked, most posted first, ties in the
    order of a BLAKE2b hash of the text (this rank also picks the best-ranked
    member of a giant bucket). With ``linkage="star"``, each text is weighted
    by the number of posts of it and of its near-duplicates, and texts are
    visited from the heaviest (ties by rank); a text not yet clustered
    becomes a centre and takes every near-duplicate not yet clustered (the
    sequential pivot algorithm of [3]_ with this order, computed here in
    parallel rounds with the same result). A centre left alone then joins
    the cluster of its best-visited near-duplicate. The centre of a campaign
    cluster is thus its most echoed wording, and every member is within two
    near-duplicate links of it. With ``linkage="single"``, clusters are the
    connected components of the near-duplicate graph: a family of variants
    is never split, but chains form through texts that share pieces. On
    :func:`botgraph.simulate` data, whose organic comments combine stock
    sentence pieces, single linkage at the default threshold put about 40 %
    of the distinct texts in one cluster, against about 1 % for star
    clustering.

    **Cost.** Texts are deduplicated (as given, then after normalisation),
    each distinct normalised text gets one signature and each distinct
    n-gram one hash per function; the work is linear in the numbers of
    distinct texts, n-grams and candidate pairs. With numba (a dependency of
    botgraph) every step after grouping the texts runs as compiled kernels
    on UTF-8 bytes, with no Python object per text: plain ASCII texts are
    normalised by a byte table (the others by
    :func:`~botgraph.normalize.normalize_text`), normal forms are
    deduplicated with a hash table and hashed by the BLAKE2b kernel of
    :mod:`botgraph.normalize`, words and n-grams are numbered with hash
    tables, the hashes of each distinct n-gram are tabulated for a block of
    functions at a time (a multiple of 16, so that a table row fills whole
    cache lines; at most about 512 MiB, and 16 functions whatever the
    n-grams) and each text's minima gathered from the table, and the
    clusters are computed sequentially. Up to 3 GiB of signatures (about
    :math:`6 \times 10^6` distinct texts at the default ``num_perm``: 512
    bytes each) are held whole: the buckets of two or more texts of each
    band are listed (the keys of four bands computed in one pass over the
    signature rows, texts split by the top bits of their band key, then
    grouped by a small hash table per part, giant buckets of 512 texts or
    more put in chain order by a radix sort; 4 bytes per listed text and
    band); the signature rows are then moved, in place, so that the texts
    sharing buckets sit together (ordered by the smallest text they share a
    bucket with), and the pairs the buckets give are generated in that
    order for a range of first texts at a time (about :math:`2^{24}`
    pairs, 8 bytes each, per thread), sorted, and each distinct pair
    verified by comparing its two rows in full: the rows a range compares
    are then mostly in cache (verification about three times faster at
    :math:`10^7` posts than in rank order; an early stop did not pay, its
    branches stalled the reads). Beyond 3 GiB the signatures are never held
    whole: the columns of a few bands at a time give the candidate pairs,
    then the columns are computed again, a block at a time, to count each
    pair's agreements (twice the hashing, a bounded memory). At
    :math:`10^7` posts (:math:`6 \times 10^6` distinct texts, :math:`1.5
    \times 10^8` n-grams, :math:`8 \times 10^7` near-duplicate pairs)
    the call peaks at about 4.5 GB above its input, while hashing (the
    signatures, the table and 4 bytes per n-gram) and while verifying
    (the signatures, the bucket lists and the pairs found). The kernels
    are compiled on the first call (about ten seconds)
    and cached on disk for later processes. Large inputs use up to four
    threads (the kernels and NumPy release the GIL), with the same result as
    one; without numba, the same steps run in NumPy (and :mod:`hashlib`),
    with the same result.

    **Short texts.** With fewer than ``min_tokens`` words (default 4) a text
    has at most five features, so stock phrases ("Thank you!", "Bravo",
    "Well said") and their chance variants match anything similar; they are
    left to the exact ``text`` layer, which compares them verbatim and
    whose null model discounts popular phrases. From four words on, a
    one-word addition keeps :math:`J \ge 0.7`.

    References
    ----------
    .. [1] Broder, A. Z. (1997). "On the resemblance and containment of
       documents". Compression and Complexity of Sequences, 21-29.
       doi:10.1109/SEQUEN.1997.666900.
    .. [2] Leskovec, J., Rajaraman, A. & Ullman, J. D. (2020). *Mining of
       Massive Datasets*, 3rd ed., ch. 3 "Finding Similar Items". Cambridge
       University Press. doi:10.1017/9781108684163.
    .. [3] Ailon, N., Charikar, M. & Newman, A. (2008). "Aggregating
       inconsistent information: ranking and clustering". Journal of the
       ACM 55(5), 23. doi:10.1145/1411509.1411513.

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
    options = _check_options(threshold, shingle, num_perm, bands, min_tokens, linkage)
    distinct, code = _group(items)
    del items
    return _keys_of_groups(distinct, code, *options)


def _check_options(
    threshold: float, shingle: int, num_perm: int, bands: int | None, min_tokens: int, linkage: str
) -> tuple[float, int, int, int | None, int, str]:
    threshold = check_number(threshold, "threshold", _FUNC, low=0.0, high=1.0, low_inclusive=False)
    shingle = check_int(shingle, "shingle", _FUNC, low=1, high=_MAX_SHINGLE)
    num_perm = check_int(num_perm, "num_perm", _FUNC, low=1, high=_MAX_PERM)
    if bands is not None:
        bands = check_int(bands, "bands", _FUNC, low=1, high=num_perm)
    min_tokens = check_int(min_tokens, "min_tokens", _FUNC, low=1)
    check_choice(linkage, "linkage", _FUNC, _LINKAGES)
    return threshold, shingle, num_perm, bands, min_tokens, linkage


#: Called with the 64-bit BLAKE2b digests (read little-endian) of the normal forms of
#: the distinct texts, in their order, and whether each normal form is non-empty.
DigestSink = Callable[[NDArray[np.uint64], NDArray[np.bool_]], None]


def _grouped_keys(
    texts: list[str],
    code: NDArray[np.int64],
    *,
    on_digests: DigestSink | None = None,
    **options: Any,
) -> NDArray[np.int64]:
    """:func:`near_duplicate_keys` of texts already grouped: the same ids.

    Input ``i`` has the text ``texts[code[i]]``, or none when ``code[i]`` is
    -1; *texts* are distinct strings in order of first appearance (as
    ``botgraph.traces`` groups a text column once for all its text layers).
    *options* are keyword arguments of :func:`near_duplicate_keys`, with its
    defaults for the others. On the compiled path, *on_digests* receives the
    digests of the texts' normal forms as soon as they are computed (the
    ``text`` layer's fingerprints are the same digests).
    """
    settings = {**(near_duplicate_keys.__kwdefaults__ or {}), **options}
    checked = _check_options(**settings)
    return _keys_of_groups(texts, np.asarray(code, dtype=np.int64), *checked, on_digests)


def _keys_of_groups(
    texts: list[str],
    code: NDArray[np.int64],
    threshold: float,
    shingle: int,
    num_perm: int,
    bands: int | None,
    min_tokens: int,
    linkage: str,
    on_digests: DigestSink | None = None,
) -> NDArray[np.int64]:
    """Cluster id per input, from the distinct texts and each input's index in them."""
    weight = np.bincount(code[code >= 0], minlength=len(texts)).astype(np.int64)
    n_bands, rows = (
        _band_shape(threshold, num_perm) if bands is None else (bands, num_perm // bands)
    )
    kernels = _compiled()
    if kernels is None:
        ranked, count, text_rank = _distinct_texts(texts, weight, min_tokens)
        if not ranked:
            return np.full(code.shape[0], -1, dtype=np.int64)
        signatures = _signatures_numpy(ranked, shingle, num_perm)
    else:
        blob, lengths, count, text_rank = _distinct_forms(
            kernels, texts, weight, min_tokens, on_digests
        )
        if not lengths.shape[0]:
            return np.full(code.shape[0], -1, dtype=np.int64)
        n_texts = int(lengths.shape[0])
        features = _features(kernels, blob, lengths, shingle)
        del blob, lengths
        needed = math.ceil(threshold * num_perm - 1e-9)
        if n_texts * num_perm * 4 <= _SIGNATURE_BYTES:
            a, b = _hash_coefficients(num_perm)
            signatures = _signature_columns(kernels, features, a, b, transposed=False)
            del features
            left, right = _edges_whole(kernels, signatures, needed, n_bands, rows, reorder=True)
            del signatures
            labels = _labels_of_ends(kernels, count, left, right, linkage)
        else:
            edges = [_edges_streamed(kernels, features, needed, num_perm, n_bands, rows)]
            del features
            labels = _labels_compiled(kernels, count, edges.pop(), linkage)
        return _ids(labels, text_rank, code, kernels)
    labels = _cluster(signatures, count, threshold, n_bands, rows, linkage)
    del signatures
    return _ids(labels, text_rank, code)


def _ids(
    labels: NDArray[np.int64],
    text_rank: NDArray[np.int64],
    code: NDArray[np.int64],
    kernels: dict[str, Any] | None = None,
) -> NDArray[np.int64]:
    """Cluster id per input from the label of each ranked form (by a kernel when given)."""
    ids = np.empty(text_rank.shape[0] + 1, dtype=np.int64)
    if kernels is None:
        ids[:-1] = _first_appearance_ids(labels, text_rank)
    else:
        kernels["_k_first_appearance"](labels, text_rank, ids[:-1])
    ids[-1] = -1
    result: NDArray[np.int64] = ids[code]  # code -1 reads the appended -1
    return result


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


def _group(items: list[object]) -> tuple[list[str], NDArray[np.int64]]:
    """Distinct texts in order of first appearance, and each input's index in them (-1: none)."""
    first: dict[object, int] = {}
    try:  # texts repeat: check and normalise each once
        seen = np.fromiter(map(first.setdefault, items, itertools.count()), np.int64, len(items))
    except TypeError:  # an unhashable element cannot be a text
        raise _bad_element(items) from None
    cells = list(first)
    is_text = [isinstance(cell, str) for cell in cells]
    if not all(is_text) and not all(map(_is_missing, itertools.compress(cells, _negate(is_text)))):
        raise _bad_element(items)
    index = np.cumsum(is_text, dtype=np.int64) - 1
    index[~np.asarray(is_text, dtype=bool)] = -1
    position = np.full(len(items) + 1, -1, dtype=np.int64)  # by first position, then -1
    position[np.fromiter(first.values(), np.int64, len(first))] = index
    texts: list[str] = list(itertools.compress(cells, is_text))  # type: ignore[arg-type]
    result: NDArray[np.int64] = position[seen]
    return texts, result


def _negate(flags: list[bool]) -> list[bool]:
    return [not flag for flag in flags]


def _rank(
    count: NDArray[np.int64],
    hashed: NDArray[np.uint64],
    alphabetical: Callable[[], NDArray[np.int64]],
) -> NDArray[np.int64]:
    """Order of the distinct forms: most posted first, ties by hash, then by the text.

    The hash is pseudo-random, so that similar texts are not ranked next to each
    other; only two texts with one hash need *alphabetical* (their positions
    once sorted).
    """
    # np.lexsort((hashed, -count)), as two sorts: by hash, then stably by the count,
    # whose distinct values are few (k of them take k (k + 1) / 2 posts at least),
    # so that a 16-bit radix sort does it.
    seen = np.bincount(count) > 0 if count.shape[0] else np.zeros(1, dtype=bool)
    dense = np.cumsum(seen) - 1
    if dense[-1] < 1 << 16:
        order = np.argsort(hashed)
        descending = (dense[-1] - dense[count]).astype(np.uint16)
        order = order[np.argsort(descending[order], kind="stable")]
    else:
        order = np.lexsort((hashed, -count))
    if np.any(hashed[order[1:]] == hashed[order[:-1]]):
        order = np.lexsort((alphabetical(), hashed, -count))
    result: NDArray[np.int64] = order.astype(np.int64, copy=False)
    return result


def _distinct_texts(
    texts: list[str], weight: NDArray[np.int64], min_tokens: int
) -> tuple[list[str], NDArray[np.int64], NDArray[np.int64]]:
    """Distinct normalised texts with enough words, by rank, with NumPy and hashlib.

    *texts* are distinct and ``weight[t]`` is the number of inputs of text t.
    Returns the ranked normal forms, the inputs of each and each text's rank
    (-1 for too few words). The rank (most frequent first, then by hash)
    depends on the texts only, so every later step is independent of the
    order of the input.
    """
    normalised = normalize_texts(texts)
    forms = list(dict.fromkeys(normalised))
    n_words = np.fromiter(map(str.count, forms, itertools.repeat(" ")), np.int64, len(forms)) + 1
    enough = np.fromiter(map(bool, forms), dtype=bool, count=len(forms)) & (n_words >= min_tokens)
    form_code = np.where(enough, np.cumsum(enough) - 1, -1)
    position = dict(zip(forms, range(len(forms)), strict=True))
    form_of = np.fromiter(map(position.__getitem__, normalised), np.int64, len(normalised))
    text_of = form_code[form_of]
    kept = [forms[k] for k in np.flatnonzero(enough).tolist()]
    if not kept:
        return [], np.empty(0, np.int64), text_of
    count = np.bincount(text_of[text_of >= 0], weights=weight[text_of >= 0], minlength=len(kept))
    count = count.astype(np.int64)
    digest = b"".join(hashlib.blake2b(t.encode("utf-8"), digest_size=8).digest() for t in kept)
    hashed = np.frombuffer(digest, dtype="<u8").astype(np.uint64)

    def alphabetical() -> NDArray[np.int64]:
        places = np.empty(len(kept), dtype=np.int64)
        places[sorted(range(len(kept)), key=kept.__getitem__)] = np.arange(len(kept))
        return places

    order = _rank(count, hashed, alphabetical)
    rank = np.empty(len(kept), dtype=np.int64)
    rank[order] = np.arange(len(kept), dtype=np.int64)
    ranked = [kept[k] for k in order.tolist()]
    return ranked, count[order], np.where(text_of >= 0, rank[np.maximum(text_of, 0)], -1)


def _distinct_forms(
    kernels: dict[str, Any],
    texts: list[str],
    weight: NDArray[np.int64],
    min_tokens: int,
    on_digests: DigestSink | None = None,
) -> tuple[NDArray[np.uint8], NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]:
    """:func:`_distinct_texts` on UTF-8 bytes, with the kernels: no Python object per text.

    Returns the ranked normal forms joined by spaces (UTF-8), the words of each,
    the inputs of each and each text's rank (-1 for too few words). The digests
    of the normal forms go to *on_digests* when given.
    """
    buffer, begin, end = _normal_forms(kernels, texts)
    digest = _digests(buffer, begin, end)
    if on_digests is not None:
        on_digests(digest, end > begin)
    form_of, first_text, n_words = kernels["_k_forms"](buffer, begin, end, digest)
    enough = n_words >= min_tokens
    form_code = np.where(enough, np.cumsum(enough) - 1, -1)
    text_of = form_code[form_of]
    kept = first_text[enough]
    present = text_of >= 0
    count = np.bincount(text_of[present], weights=weight[present], minlength=kept.shape[0])
    count = count.astype(np.int64)

    def alphabetical() -> NDArray[np.int64]:
        # UTF-8 bytes sort as their code points, like the str of the NumPy path.
        spans = list(zip(begin[kept].tolist(), end[kept].tolist(), strict=True))
        data = buffer.tobytes()
        places = np.empty(kept.shape[0], dtype=np.int64)
        order = sorted(range(len(spans)), key=lambda k: data[spans[k][0] : spans[k][1]])
        places[order] = np.arange(kept.shape[0])
        return places

    order = _rank(count, digest[kept], alphabetical)
    rank = np.empty(kept.shape[0], dtype=np.int64)
    rank[order] = np.arange(kept.shape[0], dtype=np.int64)
    ranked = kept[order]
    blob = _joined(kernels, buffer, begin[ranked], end[ranked])
    text_rank = np.where(present, rank[np.maximum(text_of, 0)] if rank.shape[0] else -1, -1)
    return blob, n_words[enough][order], count[order], text_rank


def _joined(
    kernels: dict[str, Any],
    buffer: NDArray[np.uint8],
    begin: NDArray[np.int64],
    end: NDArray[np.int64],
) -> NDArray[np.uint8]:
    """The byte strings ``buffer[begin[k]:end[k]]`` joined by single spaces (in threads)."""
    start = np.zeros(begin.shape[0] + 1, dtype=np.int64)
    np.cumsum(end - begin + 1, out=start[1:])
    out = np.empty(max(int(start[-1]) - 1, 0), dtype=np.uint8)
    task = functools.partial(kernels["_k_join"], buffer, begin, end, start, out)
    _in_threads(task, int(begin.shape[0]), int(out.shape[0]) // 16)
    return out


def _normal_forms(
    kernels: dict[str, Any], texts: list[str]
) -> tuple[NDArray[np.uint8], NDArray[np.int64], NDArray[np.int64]]:
    """UTF-8 normal form (:func:`~botgraph.normalize.normalize_text`) of every text.

    Returns one buffer and, per text, the range of its form in it. Plain ASCII
    texts (see :func:`~botgraph.normalize.normalize_texts`) are normalised by a
    kernel, chunk by chunk; the others by ``normalize_text`` itself.
    """
    pieces: list[NDArray[np.uint8]] = []
    begin = np.zeros(len(texts), dtype=np.int64)
    end = np.zeros(len(texts), dtype=np.int64)
    done = np.zeros(len(texts), dtype=bool)
    size = 0
    for start, stop in _normal_chunks(texts):
        joined, positions, ends, usable = _shortcut(texts[start:stop])
        if not usable.any():
            continue
        where = positions[usable] + start
        first = np.append(np.int64(0), ends[:-1] + 1)[usable]
        source = np.frombuffer(joined.encode("ascii"), dtype=np.uint8)
        out, out_end = kernels["_k_normalise"](source, first, ends[usable], _SHORTCUT_TABLE)
        end[where] = out_end + size
        begin[where] = np.append(np.int64(0), out_end[:-1]) + size
        done[where] = True
        pieces.append(out)
        size += int(out.shape[0])
    rest = np.flatnonzero(~done)
    if rest.shape[0]:
        forms = [normalize_text(texts[i]).encode("utf-8") for i in rest.tolist()]
        lengths = np.fromiter(map(len, forms), dtype=np.int64, count=len(forms))
        end[rest] = np.cumsum(lengths) + size
        begin[rest] = end[rest] - lengths
        pieces.append(np.frombuffer(b"".join(forms), dtype=np.uint8))
    buffer = np.concatenate(pieces) if pieces else np.empty(0, dtype=np.uint8)
    return buffer, begin, end


def _digests(
    buffer: NDArray[np.uint8], begin: NDArray[np.int64], end: NDArray[np.int64]
) -> NDArray[np.uint64]:
    """64-bit BLAKE2b of each ``buffer[begin[k]:end[k]]``: ``hashlib.blake2b`` read little-endian.

    Computed by the fingerprint kernel of :mod:`botgraph.normalize` (with the
    identity table: the ranges hold no leading, trailing or double space), or
    by :mod:`hashlib` when it is unavailable.
    """
    kernel = _fingerprint_kernel()
    if kernel is not None:
        values: NDArray[np.uint64] = np.empty(begin.shape[0], dtype=np.uint64)

        def run(lo: int, hi: int) -> None:
            part, has = kernel(buffer, begin[lo:hi], end[lo:hi], _IDENTITY_TABLE, *_BLAKE2B)
            part[~has] = _EMPTY_DIGEST  # the kernel gives 0 for an empty range
            values[lo:hi] = part

        _in_threads(run, int(begin.shape[0]), int(begin.shape[0]))
        return values
    data = buffer.tobytes()
    digests = b"".join(
        hashlib.blake2b(data[lo:hi], digest_size=8).digest()
        for lo, hi in zip(begin.tolist(), end.tolist(), strict=True)
    )
    return np.frombuffer(digests, dtype="<u8").astype(np.uint64)


# --------------------------------------------------------------------------- banding


@functools.lru_cache(maxsize=64)
def _band_shape(threshold: float, num_perm: int) -> tuple[int, int]:
    """Bands and rows minimising false-positive plus weighted false-negative area."""
    s = np.linspace(0.0, 1.0, 1001)
    below = s <= threshold
    best: tuple[float, int, int] = (math.inf, 1, num_perm)
    for r in range(1, num_perm + 1):
        b = np.arange(1, num_perm // r + 1, dtype=np.float64)[:, None]
        collide = 1.0 - (1.0 - s[None, :] ** r) ** b
        false_pos = np.trapezoid(np.where(below, collide, 0.0), s, axis=1)
        false_neg = np.trapezoid(np.where(below, 0.0, 1.0 - collide), s, axis=1)
        error = false_pos + _FALSE_NEGATIVE_WEIGHT * false_neg
        k = int(np.argmin(error))
        if float(error[k]) < best[0] - 1e-12:
            best = (float(error[k]), k + 1, r)
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
    kernels = _compiled()
    if kernels is None:
        return _signatures_numpy(texts, shingle, num_perm)
    return _signatures_compiled(kernels, texts, shingle, num_perm)


def _signatures_numpy(texts: list[str], shingle: int, num_perm: int) -> NDArray[np.uint32]:
    """:func:`_signatures` with NumPy only (the reference the kernels reproduce)."""
    token_hash, lengths = _token_hashes(texts)
    features, offsets = _ngram_features(token_hash, lengths, shingle)
    n_occurrences = int(features.shape[0])
    distinct, inverse = _factorize_by_first_occurrence(features)
    del features
    n_features = int(distinct.shape[0])
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
    # Blocks write disjoint rows and NumPy releases the GIL in these loops, so
    # they run in a few threads with the same result as one.
    block = max(1, min(num_perm, _CHUNK // max(n_features, 1)))
    step = max(1, (1 << 16) // block)
    text_ranges = _text_chunks(offsets, _CHUNK)

    def fill(first: int) -> None:
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
            values = np.empty(occurrences.shape[0], dtype=np.uint32)
            for k in range(stop - first):
                # mode="wrap" lets take write into ``values`` without a buffer copy
                # (the indices are all valid).
                table[k].take(occurrences, out=values, mode="wrap")
                signatures[first + k, t0:t1] = np.minimum.reduceat(values, segments)

    _each_in_threads(fill, range(0, num_perm, block), n_occurrences)
    return np.ascontiguousarray(signatures.T)


def _factorize_by_first_occurrence(
    values: NDArray[np.uint64],
) -> tuple[NDArray[np.uint64], NDArray[np.signedinteger[Any]]]:
    """Distinct *values* in order of first occurrence, and each value's index in them.

    Numbering by first occurrence makes the rare n-grams (most of them) read
    almost sequentially by the gathers of :func:`_signatures`, while the
    frequent ones stay in cache; int32 indices halve the memory traffic.
    """
    order = np.argsort(values)
    ordered = values[order]
    new = np.empty(ordered.shape[0], dtype=bool)
    new[:1] = True
    np.not_equal(ordered[1:], ordered[:-1], out=new[1:])
    starts = np.flatnonzero(new)
    first = np.minimum.reduceat(order, starts) if starts.shape[0] else starts
    by_first = np.argsort(first)
    index_type = np.int32 if starts.shape[0] < 2**31 else np.int64
    rank = np.empty(starts.shape[0], dtype=index_type)
    rank[by_first] = np.arange(starts.shape[0], dtype=index_type)
    codes: NDArray[np.signedinteger[Any]] = np.empty(values.shape[0], dtype=index_type)
    codes[order] = rank[np.cumsum(new) - 1]
    return ordered[starts][by_first], codes


def _text_chunks(offsets: NDArray[np.int64], limit: int) -> list[tuple[int, int]]:
    """Split texts into consecutive ranges holding about *limit* features each."""
    n = int(offsets.shape[0])
    bounds = [0]
    while bounds[-1] < n:
        start = bounds[-1]
        stop = int(np.searchsorted(offsets, int(offsets[start]) + limit, side="left"))
        bounds.append(min(n, max(stop, start + 1)))
    return list(itertools.pairwise(bounds))


# --------------------------------------------------------------------------- clustering


def _band_keys(rows: NDArray[np.uint32]) -> NDArray[np.uint64]:
    """One 64-bit key per text for the rows of one band (equal rows give equal keys)."""
    columns = np.array(rows.T, dtype=np.uint64, order="C")
    key = np.zeros(rows.shape[0], dtype=np.uint64)
    for column in columns:
        key ^= column
        key = _mix(key)
        key += _GOLDEN
    return key


def _pairs_in_band(
    signatures: NDArray[np.uint32], band: int, rows: int
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Candidate pairs (i < j) of texts sharing a bucket of *band*."""
    n, num_perm = signatures.shape
    key = _band_keys(signatures[:, band * rows : (band + 1) * rows])
    order = np.argsort(key)
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

    # Giant buckets: link every member to the first (best-ranked) one, and to its
    # neighbours once sorted by a few rows after the band.
    giant = np.flatnonzero(size > _BUCKET_CAP)
    if giant.shape[0]:
        members, member_bucket = order[giant], bucket[giant]
        first = np.flatnonzero(np.r_[True, member_bucket[1:] != member_bucket[:-1]])
        best = np.minimum.reduceat(members, first)
        leader = np.repeat(best, np.diff(np.r_[first, members.shape[0]]))
        follower = members != leader
        left.append(leader[follower])
        right.append(members[follower])
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
    signatures: NDArray[np.uint32],
    count: NDArray[np.int64],
    threshold: float,
    bands: int,
    rows: int,
    linkage: str,
) -> NDArray[np.int64]:
    """Cluster label of each text from the verified candidate pairs.

    Only the partition is meaningful: labels are renumbered by
    :func:`_first_appearance_ids`.
    """
    needed = math.ceil(threshold * signatures.shape[1] - 1e-9)
    kernels = _compiled()
    if kernels is not None:
        return _cluster_compiled(kernels, signatures, count, needed, bands, rows, linkage)
    if linkage == "single":
        labels, stats = _components(signatures, needed, bands, rows)
    else:
        i, j = _candidates(signatures, bands, rows)
        keep = _verified(signatures, i, j, needed)
        i, j = i[keep], j[keep]
        labels = _star_clusters(count, i, j)
        stats = (int(keep.shape[0]), int(keep.shape[0]), int(i.shape[0]))
    _LOG.debug(
        "near_duplicate_keys: %d bands x %d rows, %d candidate pairs, %d verified, %d edges",
        bands,
        rows,
        *stats,
    )
    return labels


def _candidates(
    signatures: NDArray[np.uint32], bands: int, rows: int
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Distinct candidate pairs (i < j) over all bands."""
    n = signatures.shape[0]
    codes = [i * n + j for i, j in (_pairs_in_band(signatures, b, rows) for b in range(bands))]
    pair = np.sort(np.concatenate(codes))
    pair = pair[np.r_[True, pair[1:] != pair[:-1]]] if pair.shape[0] else pair
    return pair // n, pair % n


def _components(
    signatures: NDArray[np.uint32], needed: int, bands: int, rows: int
) -> tuple[NDArray[np.int64], tuple[int, int, int]]:
    """Connected components of the verified candidate pairs.

    Components are updated after each band, and a candidate pair already inside
    one component is not verified: it could not change the partition.
    """
    n = signatures.shape[0]
    component = np.arange(n, dtype=np.int64)
    n_candidates = n_verified = n_edges = 0
    for band in range(bands):
        i, j = _pairs_in_band(signatures, band, rows)
        n_candidates += int(i.shape[0])
        open_pair = component[i] != component[j]
        i, j = i[open_pair], j[open_pair]
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
    return component, (n_candidates, n_verified, n_edges)


def _star_clusters(
    count: NDArray[np.int64], i: NDArray[np.int64], j: NDArray[np.int64]
) -> NDArray[np.int64]:
    """Star clusters: pivots visited by posts within one link, then lone pivots attached.

    A text's weight is the number of posts of it and of its near-duplicates;
    ties keep the order of the texts (most posted first, then by hash).
    """
    n = count.shape[0]
    weight = count + np.bincount(i, weights=count[j], minlength=n).astype(np.int64)
    weight += np.bincount(j, weights=count[i], minlength=n).astype(np.int64)
    order = np.lexsort((np.arange(n), -weight))
    position = np.empty(n, dtype=np.int64)
    position[order] = np.arange(n, dtype=np.int64)
    pi, pj = position[i], position[j]
    centre = _attach_singletons(_pivot_clusters(n, pi, pj), pi, pj)
    return order[centre[position]]


def _pivot_clusters(n: int, i: NDArray[np.int64], j: NDArray[np.int64]) -> NDArray[np.int64]:
    """Pivot (star) clustering of the graph with edges (i, j); node order is rank order.

    The result is that of the sequential algorithm: visit the nodes from the
    best-ranked (index 0); a node not yet in a cluster becomes a pivot and
    takes all its neighbours not yet in a cluster. It is computed in parallel
    rounds: an undecided node becomes a pivot when no better-ranked neighbour
    is undecided or a pivot, and joins its best-ranked neighbouring pivot when
    every neighbour ranked before that pivot is decided. Returns each node's
    pivot.
    """
    centre = np.arange(n, dtype=np.int64)
    src, dst = np.concatenate([i, j]), np.concatenate([j, i])
    order = np.lexsort((dst, src))
    src, dst = src[order], dst[order]
    active = np.zeros(n, dtype=bool)
    active[src] = True
    pivot = np.zeros(n, dtype=bool)
    never = np.int64(n)
    while src.shape[0]:
        first = np.flatnonzero(np.r_[True, src[1:] != src[:-1]])
        node = src[first]
        undecided = np.minimum.reduceat(np.where(active[dst], dst, never), first)
        best_pivot = np.minimum.reduceat(np.where(pivot[dst], dst, never), first)
        joins = best_pivot < undecided
        becomes_pivot = (best_pivot == never) & (undecided > node)
        centre[node[joins]] = best_pivot[joins]
        pivot[node[becomes_pivot]] = True
        active[node[joins | becomes_pivot]] = False
        still = active[src]
        src, dst = src[still], dst[still]
    return centre


def _attach_singletons(
    centre: NDArray[np.int64], i: NDArray[np.int64], j: NDArray[np.int64]
) -> NDArray[np.int64]:
    """Move each pivot left alone to the cluster of its best-ranked neighbour.

    Pivots are never adjacent, so a lone pivot's neighbours all belong to other
    clusters; moving it there keeps every member within two links of its pivot.
    """
    size = np.bincount(centre, minlength=centre.shape[0])
    alone = size[centre] == 1
    src, dst = np.concatenate([i, j]), np.concatenate([j, i])
    keep = alone[src]
    src, dst = src[keep], dst[keep]
    if src.shape[0] == 0:
        return centre
    order = np.lexsort((dst, src))
    src, dst = src[order], dst[order]
    first = np.flatnonzero(np.r_[True, src[1:] != src[:-1]])
    result = centre.copy()
    result[src[first]] = centre[dst[first]]
    return result


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


# --------------------------------------------------------------------------- compiled path
# The same steps as above, as numba kernels: equal signatures, equal candidate pairs,
# equal clusters (the tests compare both paths). The drivers come first, then the
# kernels, plain Python functions compiled on first use by _compiled().


def _in_threads(task: Callable[[int, int], object], n: int, work: int) -> None:
    """Run ``task(lo, hi)`` over consecutive ranges covering ``range(n)``, in threads when large."""
    workers = min(_MAX_THREADS, os.cpu_count() or 1, max(n, 1))
    if workers <= 1 or work < _THREADED_FROM:
        task(0, n)
        return
    bounds = [n * k // workers for k in range(workers + 1)]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for done in [pool.submit(task, lo, hi) for lo, hi in itertools.pairwise(bounds)]:
            done.result()


def _each_in_threads(task: Callable[[int], object], items: range, work: int) -> None:
    """Run ``task(item)`` for every item, one task per item in threads when *work* is large."""
    workers = min(_MAX_THREADS, os.cpu_count() or 1, len(items))
    if workers <= 1 or work < _THREADED_FROM:
        for item in items:
            task(item)
        return
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for done in [pool.submit(task, item) for item in items]:
            done.result()


def _signatures_compiled(
    kernels: dict[str, Any], texts: list[str], shingle: int, num_perm: int
) -> NDArray[np.uint32]:
    """:func:`_signatures_numpy`, computed by the kernels."""
    n = len(texts)
    lengths = np.fromiter(map(str.count, texts, itertools.repeat(" ")), np.int64, count=n) + 1
    blob = np.frombuffer(bytearray(" ".join(texts).encode("utf-8")), np.uint8)
    return _signatures_blob(kernels, blob, lengths, shingle, num_perm)


def _signatures_blob(
    kernels: dict[str, Any],
    blob: NDArray[np.uint8],
    lengths: NDArray[np.int64],
    shingle: int,
    num_perm: int,
) -> NDArray[np.uint32]:
    """:func:`_signatures_compiled` of the texts joined by spaces in *blob* (UTF-8).

    ``lengths[t]`` is the number of words of text t.
    """
    a, b = _hash_coefficients(num_perm)
    features = _features(kernels, blob, lengths, shingle)
    return _signature_columns(kernels, features, a, b, transposed=False)


#: The n-grams of the texts: hash of each distinct one (mod p), the index of each
#: occurrence's, and the offset of each text's first occurrence (n_texts + 1).
_Features = tuple[NDArray[np.uint64], NDArray[np.signedinteger[Any]], NDArray[np.int64]]


def _features(
    kernels: dict[str, Any],
    blob: NDArray[np.uint8],
    lengths: NDArray[np.int64],
    shingle: int,
    *,
    in_two: bool | None = None,
) -> _Features:
    """The word n-grams of the texts joined by spaces in *blob*, numbered by the kernels.

    With *in_two*, the words and n-grams are coded in two threads (see
    :func:`_word_codes`), or in one without; by default, in two from
    ``_SPLIT_FROM`` words on, when there are two cores.
    """
    n = int(lengths.shape[0])
    if in_two is None:
        in_two = int(lengths.sum()) >= _SPLIT_FROM and (os.cpu_count() or 1) >= 2
    word_code, word_start, word_end = _word_codes(kernels, blob, lengths, in_two)
    word_hash = _digests(blob, word_start, word_end)
    del word_start, word_end
    per_text = np.clip(lengths[:, None] - np.arange(shingle)[None, :], 0, None).sum(axis=1)
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(per_text, out=offsets[1:])
    n_occurrences = int(offsets[-1])
    codes: NDArray[np.signedinteger[Any]] = np.empty(
        n_occurrences, dtype=np.int32 if n_occurrences < 2**31 else np.int64
    )
    salts = np.array([(_GOLDEN_INT * k) % (1 << 64) for k in range(1, shingle + 1)], _U64)
    ngrams = _ngram_codes(kernels, word_hash, word_code, lengths, salts, offsets, codes, in_two)
    x = _mod_prime(ngrams)
    _LOG.debug(
        "near_duplicate_keys: %d distinct texts, %d n-grams (%d distinct)",
        n,
        n_occurrences,
        int(x.shape[0]),
    )
    return x, codes, offsets


def _word_codes(
    kernels: dict[str, Any], blob: NDArray[np.uint8], lengths: NDArray[np.int64], in_two: bool
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]:
    """``kernels["_k_words"](blob, lengths)``, in two threads with *in_two*: the same codes.

    The texts are cut in two consecutive ranges of about as many words, each
    coded by first occurrence in its own table, at once. The distinct words of
    the second range are then looked up in the first range's table (in threads:
    it is only read); those it lacks get the next codes, in their order of first
    occurrence, so every word keeps the code of the one-table pass. Last, the
    codes of the second range's words are replaced by those, in threads.
    """
    if not in_two:
        result: tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]
        result = kernels["_k_words"](blob, lengths)
        return result
    ends = np.cumsum(lengths)
    words = int(ends[-1]) if ends.shape[0] else 0
    cut = int(np.searchsorted(ends, words // 2))
    head = int(ends[cut - 1]) if cut else 0
    codes = np.empty(words, dtype=np.int64)
    parts: list[Any] = [None, None]

    def code(part: int) -> None:
        if part == 0:
            parts[0] = kernels["_k_words_part"](blob, lengths[:cut], codes[:head])
        else:
            start = kernels["_k_tail_start"](blob, words - head)
            parts[1] = start, kernels["_k_words_part"](blob[start:], lengths[cut:], codes[head:])

    _each_in_threads(code, range(2), words)
    spans, hashes, slots, count = parts[0]
    start, (tail_spans, tail_hashes, _, tail_count) = parts[1]
    lookup = functools.partial(
        kernels["_k_word_lookup"], blob, spans, hashes, slots, tail_spans, tail_hashes, start
    )
    new = _merge_second_half(kernels, lookup, tail_count, count, codes[head:])
    tail_spans = tail_spans[:tail_count][new] + start
    word_start = np.concatenate([spans[:count, 0], tail_spans[:, 0]])
    word_end = np.concatenate([spans[:count, 1], tail_spans[:, 1]])
    return codes, word_start, word_end


def _ngram_codes(
    kernels: dict[str, Any],
    word_hash: NDArray[np.uint64],
    word_code: NDArray[np.int64],
    lengths: NDArray[np.int64],
    salts: NDArray[np.uint64],
    offsets: NDArray[np.int64],
    codes: NDArray[np.signedinteger[Any]],
    in_two: bool,
) -> NDArray[np.uint64]:
    """``kernels["_k_features"](...)``, in two threads with *in_two*: the same n-grams.

    As :func:`_word_codes`, with the texts cut in two ranges of about as many
    n-grams; the second range's distinct hashes are looked up by value, so every
    occurrence gets the index of a hash equal to its n-gram's.
    """
    if not in_two:
        distinct: NDArray[np.uint64] = kernels["_k_features"](
            word_hash, word_code, lengths, salts, codes
        )
        return distinct
    cut = int(np.searchsorted(offsets, offsets[-1] // 2))
    cut = min(cut, int(lengths.shape[0]))
    words, head = int(lengths[:cut].sum()), int(offsets[cut])
    parts: list[Any] = [None, None]

    def code(part: int) -> None:
        words_of = slice(None, words) if part == 0 else slice(words, None)
        texts_of = slice(None, cut) if part == 0 else slice(cut, None)
        codes_of = slice(None, head) if part == 0 else slice(head, None)
        parts[part] = kernels["_k_features_part"](
            word_hash, word_code[words_of], lengths[texts_of], salts, codes[codes_of]
        )

    _each_in_threads(code, range(2), int(word_code.shape[0]))
    distinct, slots, count = parts[0]
    tail_distinct, _, tail_count = parts[1]
    other = tail_distinct[:tail_count]
    lookup = functools.partial(kernels["_k_feature_lookup"], slots, other)
    new = _merge_second_half(kernels, lookup, tail_count, count, codes[head:])
    result: NDArray[np.uint64] = np.concatenate([distinct[:count], other[new]])
    return result


def _merge_second_half(
    kernels: dict[str, Any],
    lookup: Callable[..., None],
    n_distinct: int,
    count: int,
    tail: NDArray[np.signedinteger[Any]],
) -> NDArray[np.bool_]:
    """Renumber the codes *tail* of the second half into the first half's numbering.

    ``lookup(found, lo, hi)`` writes, for the second half's distinct entries
    ``lo <= j < hi``, their code in the first half's table, or -1; the absent
    ones get the next codes from *count* on, in their order of first occurrence.
    Both steps run in threads. Returns which of the second half's entries are new.
    """
    found = np.empty(n_distinct, dtype=np.int64)
    _in_threads(functools.partial(lookup, found), n_distinct, n_distinct)
    new = found < 0
    found[new] = np.arange(count, count + int(np.count_nonzero(new)), dtype=np.int64)
    position = found.astype(tail.dtype, copy=False)

    def relabel(lo: int, hi: int) -> None:
        kernels["_k_relabel"](position, tail[lo:hi])

    _in_threads(relabel, int(tail.shape[0]), int(tail.shape[0]))
    return new


def _signature_columns(
    kernels: dict[str, Any],
    features: _Features,
    a: NDArray[np.uint64],
    b: NDArray[np.uint64],
    *,
    transposed: bool,
) -> NDArray[np.uint32]:
    """MinHash values of every text for the hash functions (a, b): shape (n_texts, len(a)).

    With *transposed*, shape (len(a), n_texts): one contiguous row per function.
    """
    x, codes, offsets = features
    n, width = int(offsets.shape[0]) - 1, int(a.shape[0])
    n_features, n_occurrences = int(x.shape[0]), int(offsets[-1])
    out = _aligned_empty((width, n) if transposed else (n, width))
    block = _TABLE_VALUES // max(n_features, 1)
    if min(block, width) >= 16:  # whole cache lines per row, fewer passes over the n-grams
        block -= block % 16
    block = max(1, min(width, block))
    buffer = _aligned_empty((n_features * block,))
    for first in range(0, width, block):
        stop = min(first + block, width)
        table = buffer[: n_features * (stop - first)].reshape(n_features, stop - first)
        a_k, b_k = a[first:stop], b[first:stop]
        hashes = functools.partial(kernels["_k_hash_table"], a_k, b_k, x, table)
        _in_threads(hashes, n_features, n_features * (stop - first))
        minima = functools.partial(
            kernels["_k_min_hash"], table, codes, offsets, first, out, transposed
        )
        _in_threads(minima, n, n_occurrences * (stop - first))
    return out


def _aligned_empty(shape: tuple[int, ...]) -> NDArray[np.uint32]:
    """An uninitialised C-contiguous uint32 array starting on a 64-byte boundary."""
    size = math.prod(shape)
    raw = np.empty(size + 16, dtype=np.uint32)
    skip = (-raw.ctypes.data % 64) // 4
    result: NDArray[np.uint32] = raw[skip : skip + size].reshape(shape)
    return result


def _cluster_compiled(
    kernels: dict[str, Any],
    signatures: NDArray[np.uint32],
    count: NDArray[np.int64],
    needed: int,
    bands: int,
    rows: int,
    linkage: str,
) -> NDArray[np.int64]:
    """:func:`_cluster` computed by the kernels (the same partition)."""
    left, right = _edges_whole(kernels, signatures, needed, bands, rows)
    return _labels_of_ends(kernels, count, left, right, linkage)


def _edges_whole(
    kernels: dict[str, Any],
    signatures: NDArray[np.uint32],
    needed: int,
    bands: int,
    rows: int,
    *,
    reorder: bool = False,
) -> tuple[NDArray[np.signedinteger[Any]], NDArray[np.signedinteger[Any]]]:
    """The near-duplicate pairs ``(left[p], right[p])`` of whole signatures.

    Without *reorder*, left < right and the pairs are sorted.

    Each band's buckets of two or more texts are listed once
    (:func:`_k_band_lists`); the pairs they give are then generated for a
    range of first texts at a time (about ``_PAIR_CHUNK`` pairs, repeats
    included), sorted, and each distinct pair verified once
    (:func:`_k_verify`), ranges in parallel threads. With ``needed`` 0,
    every candidate pair is returned.

    With *reorder* (and at least ``_FAMILY_ORDER_FROM`` texts), the rows of
    *signatures* are first moved, in place, so that texts sharing buckets sit
    together (by the smallest text they share a bucket with), and the pairs
    are verified in that order: the rows they read are then mostly in cache.
    The pairs are the same, in no particular order, and *signatures* is left
    permuted.
    """
    n, num_perm = signatures.shape
    index = np.int32 if n < 2**31 else np.int64
    needs = _band_columns(bands, rows, num_perm)
    lists: list[tuple[NDArray[Any], NDArray[np.int64], NDArray[np.int64]]] = [
        (np.empty(0, index), np.zeros(1, np.int64), np.empty(0, np.int64))
    ] * bands
    template = np.empty(0, dtype=index)

    def list_bands(lo: int, hi: int) -> None:
        for first in range(lo, hi, _KEY_BANDS):
            group = range(first, min(first + _KEY_BANDS, hi))
            columns = np.array([needs[band] for band in group], dtype=np.int64)
            keys = np.empty((len(group), n), dtype=np.uint64)
            kernels["_k_band_keys"](signatures, columns, rows, keys)
            for k, band in enumerate(group):
                lists[band] = kernels["_k_band_lists"](
                    signatures, keys[k], columns[k], rows, _BUCKET_CAP, template
                )

    _in_threads(list_bands, bands, n * bands)
    order: NDArray[Any] | None = None
    if reorder and n >= _FAMILY_ORDER_FROM:
        head = np.arange(n, dtype=index)
        for seq, starts, leader in lists:
            kernels["_k_family_heads"](seq, starts, leader, head)
        at = np.empty(n, dtype=index)
        kernels["_k_family_order"](head, at)
        del head
        with ThreadPoolExecutor(max_workers=1) as pool:  # rows moved while the lists are
            moved = pool.submit(kernels["_k_permute_rows"], signatures, at)
            for seq, _, leader in lists:  # the lists in the new places, in place
                kernels["_k_relabel"](at, seq)
                giant = leader >= 0
                leader[giant] = at[leader[giant]]
            order = np.empty(n, dtype=index)
            order[at] = np.arange(n, dtype=index)
            spans, pairs_of = _pair_counts(kernels, lists, n)
            moved.result()
        del at
    else:
        spans, pairs_of = _pair_counts(kernels, lists, n)
    np.cumsum(pairs_of, out=pairs_of)
    bounds = [0]
    while bounds[-1] < n:
        start = bounds[-1]
        stop = int(np.searchsorted(pairs_of, pairs_of[start] + _PAIR_CHUNK, side="right")) - 1
        bounds.append(min(n, max(stop, start + 1)))
    degree = np.zeros(n, dtype=np.int64)
    found: list[NDArray[Any]] = [np.empty(0, index)] * (len(bounds) - 1)

    def verify(part: int) -> None:
        lo, hi = bounds[part], bounds[part + 1]
        codes = np.empty(int(pairs_of[hi] - pairs_of[lo]), dtype=np.int64)
        filled = 0
        for band_list, bounds_of in zip(lists, spans, strict=True):
            filled = kernels["_k_emit"](*band_list, *bounds_of, n, lo, hi, codes, filled)
        codes.sort()
        kept = kernels["_k_verify"](codes, n, signatures, needed, degree)
        found[part] = codes[:kept].astype(index)

    _each_in_threads(verify, range(len(bounds) - 1), int(pairs_of[-1]))
    n_candidates = int(pairs_of[-1])
    lists.clear()
    spans.clear()
    right: NDArray[np.signedinteger[Any]] = np.concatenate(found) if found else np.empty(0, index)
    found.clear()
    left: NDArray[np.signedinteger[Any]] = np.repeat(np.arange(n, dtype=index), degree)
    if order is not None:  # back to the texts' own indices, in place
        kernels["_k_relabel"](order, left)
        kernels["_k_relabel"](order, right)
    _LOG.debug(
        "near_duplicate_keys: %d bands x %d rows, %d candidate pairs (repeats included), %d edges",
        bands,
        rows,
        n_candidates,
        int(right.shape[0]),
    )
    return left, right


def _pair_counts(
    kernels: dict[str, Any],
    lists: list[tuple[NDArray[Any], NDArray[np.int64], NDArray[np.int64]]],
    n: int,
) -> tuple[list[tuple[NDArray[np.int64], NDArray[np.int64]]], NDArray[np.int64]]:
    """The bounds of each bucket of each band, and the pairs of the buckets by first text.

    ``pairs[i + 1]`` counts the pairs (i, j), i < j, repeats included.
    """
    spans = [kernels["_k_segment_bounds"](seq, starts) for seq, starts, _ in lists]
    pairs = np.zeros(n + 1, dtype=np.int64)
    for band_list in lists:
        kernels["_k_pair_counts"](*band_list, pairs[1:])
    return spans, pairs


def _agreements(
    kernels: dict[str, Any],
    block: NDArray[np.uint32],
    codes: NDArray[np.int64],
    agree: NDArray[np.unsignedinteger[Any]] | None,
) -> NDArray[np.unsignedinteger[Any]]:
    """Add to *agree* (zeros when None) the columns of *block* equal for each pair ``codes[p]``.

    A pair's code is ``i * n + j``, *n* the rows of *block* (texts).
    """
    if agree is None:
        agree = np.zeros(codes.shape[0], dtype=np.uint8 if block.shape[1] < 256 else np.uint16)
    task = functools.partial(kernels["_k_agree"], block, codes, block.shape[0], agree)
    _in_threads(task, int(codes.shape[0]), int(codes.shape[0]) * block.shape[1])
    return agree


def _labels_compiled(
    kernels: dict[str, Any], count: NDArray[np.int64], edges: NDArray[np.int64], linkage: str
) -> NDArray[np.int64]:
    """Cluster label of each text from the near-duplicate pairs ``edges`` (codes i * n + j).

    :func:`_star_clusters` (or connected components), computed by the kernels,
    with int32 node indices below 2**31 texts. *edges* is not kept: when the
    caller holds no other reference, its memory is released early.
    """
    n = int(count.shape[0])
    index = np.int32 if n < 2**31 else np.int64
    left: NDArray[np.signedinteger[Any]] = np.empty(edges.shape[0], dtype=index)
    right: NDArray[np.signedinteger[Any]] = np.empty(edges.shape[0], dtype=index)
    kernels["_k_ends"](edges, n, left, right)
    del edges
    return _labels_of_ends(kernels, count, left, right, linkage)


def _labels_of_ends(
    kernels: dict[str, Any],
    count: NDArray[np.int64],
    left: NDArray[np.signedinteger[Any]],
    right: NDArray[np.signedinteger[Any]],
    linkage: str,
) -> NDArray[np.int64]:
    """:func:`_labels_compiled` of the distinct pairs ``(left[p], right[p])``.

    Relabels *left* and *right* in place.
    """
    n = int(count.shape[0])
    if linkage == "single":
        labels: NDArray[np.int64] = kernels["_k_components"](n, left, right)
        return labels
    weight = kernels["_k_weights"](count, left, right)
    order = np.argsort(-weight, kind="stable")
    del weight
    position = np.empty(n, dtype=np.int64)
    position[order] = np.arange(n, dtype=np.int64)
    kernels["_k_relabel"](position, left)
    kernels["_k_relabel"](position, right)
    neighbour = np.empty(2 * left.shape[0], dtype=left.dtype)
    centre: NDArray[np.int64] = kernels["_k_star"](n, left, right, neighbour)
    del left, right, neighbour
    result: NDArray[np.int64] = order[centre[position]]
    return result


def _edges_streamed(
    kernels: dict[str, Any],
    features: _Features,
    needed: int,
    num_perm: int,
    bands: int,
    rows: int,
) -> NDArray[np.int64]:
    """The near-duplicate pairs of :func:`_cluster_compiled` (codes ``i * n + j``), streamed.

    Computed without the whole signature matrix in memory.

    The signature columns are computed a block at a time, about
    ``_SIGNATURE_BYTES`` each, twice: first the columns of groups of bands for
    the candidate pairs (merged into one sorted array as the groups come), then
    every column, to count the agreements of each candidate pair. The pairs,
    hence the clusters, are those of :func:`_cluster_compiled`.
    """
    n = int(features[2].shape[0]) - 1
    a, b = _hash_coefficients(num_perm)
    codes = _streamed_candidates(kernels, features, a, b, bands, rows)
    agree: NDArray[np.unsignedinteger[Any]] = np.zeros(
        codes.shape[0], dtype=np.uint8 if num_perm < 256 else np.uint16
    )
    width = max(1, min(num_perm, _SIGNATURE_BYTES // (4 * n)))
    for first in range(0, num_perm, width):
        block = _signature_columns(
            kernels, features, a[first : first + width], b[first : first + width], transposed=False
        )
        _agreements(kernels, block, codes, agree)
        del block
    edges = codes[agree >= needed]
    _LOG.debug(
        "near_duplicate_keys: %d bands x %d rows, %d candidate pairs, %d edges (streamed)",
        bands,
        rows,
        int(codes.shape[0]),
        int(edges.shape[0]),
    )
    return edges


def _streamed_candidates(
    kernels: dict[str, Any],
    features: _Features,
    a: NDArray[np.uint64],
    b: NDArray[np.uint64],
    bands: int,
    rows: int,
) -> NDArray[np.int64]:
    """The candidate pairs of :func:`_candidates_compiled` as sorted codes ``i * n + j``.

    Bands go in groups whose signature columns (computed here, one row per
    column) hold about ``_SIGNATURE_BYTES``; the distinct pairs of each group
    are merged into those of the groups before.
    """
    n, num_perm = int(features[2].shape[0]) - 1, int(a.shape[0])
    needs = _band_columns(bands, rows, num_perm)
    groups: list[list[int]] = [[]]
    for band in range(bands):
        wanted = {c for g in groups[-1] + [band] for c in needs[g]}
        if groups[-1] and 4 * len(wanted) * n > _SIGNATURE_BYTES:
            groups.append([])
        groups[-1].append(band)
    merged = np.empty(0, dtype=np.int64)
    for group in groups:
        columns = np.array(sorted({c for g in group for c in needs[g]}), dtype=np.int64)
        block = _signature_columns(kernels, features, a[columns], b[columns], transposed=True)
        codes = _group_codes(kernels, block, columns.tolist(), [needs[g] for g in group], rows)
        del block
        merged = kernels["_k_merge_unique"](merged, codes)
        del codes
    return merged


def _band_columns(bands: int, rows: int, num_perm: int) -> list[list[int]]:
    """Signature columns of each band, then those that order its giant buckets."""
    return [
        [band * rows + r for r in range(rows)]
        + [((band + 1) * rows + k) % num_perm for k in range(_GIANT_SORT_ROWS)]
        for band in range(bands)
    ]


def _group_codes(
    kernels: dict[str, Any],
    block: NDArray[np.uint32],
    columns: list[int],
    needs: list[list[int]],
    rows: int,
) -> NDArray[np.int64]:
    """Sorted distinct candidate codes of bands whose columns are rows of *block*."""
    at = {c: k for k, c in enumerate(columns)}
    found: list[NDArray[np.int64]] = [np.empty(0, np.int64)] * len(needs)

    def run(lo: int, hi: int) -> None:
        for k in range(lo, hi):
            band_columns = np.array([at[c] for c in needs[k]], dtype=np.int64)
            found[k] = kernels["_k_band_codes"](block, band_columns, rows, _BUCKET_CAP)

    _in_threads(run, len(needs), block.shape[1] * len(needs))
    codes = np.concatenate(found)
    found.clear()
    codes.sort()
    if codes.shape[0]:
        codes = codes[np.r_[True, codes[1:] != codes[:-1]]]
    return codes


def _candidates_compiled(
    kernels: dict[str, Any], signatures: NDArray[np.uint32], bands: int, rows: int
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """:func:`_candidates` computed by the kernels (the same pairs, in the same order)."""
    left, right = _edges_whole(kernels, signatures, 0, bands, rows)
    return left.astype(np.int64), right.astype(np.int64)


# --------------------------------------------------------------------------- kernels
# numba's nopython mode only. uint64 constants are written np.uint64(...) so that
# numba never mixes signed and unsigned integers (it would compute in float64).


def _k_mix(z: Any) -> Any:
    """SplitMix64 finaliser of one uint64 (the scalar twin of :func:`_mix`)."""
    z = z ^ (z >> np.uint64(30))
    z = z * np.uint64(0xBF58_476D_1CE4_E5B9)
    z = z ^ (z >> np.uint64(27))
    z = z * np.uint64(0x94D0_49BB_1331_11EB)
    return z ^ (z >> np.uint64(31))


def _k_slot(h: Any, shift: Any) -> Any:
    """Home slot of hash *h* in a table of 2**(64 - shift) slots (Fibonacci hashing)."""
    return np.int64((h * np.uint64(0x9E37_79B9_7F4A_7C15)) >> shift)


def _k_table_shape(count: int) -> Any:
    """Slots (a power of two, at least 16 and ``2 * count``) and the :func:`_k_slot` shift."""
    size = 16
    shift = np.uint64(60)
    while size < 2 * count:
        size *= 2
        shift -= np.uint64(1)
    return size, shift


def _k_grow(values: Any) -> Any:
    """A copy of *values* with twice the room."""
    grown = np.empty(2 * values.shape[0], dtype=values.dtype)
    grown[: values.shape[0]] = values
    return grown


def _k_rehash(hashes: Any, count: int, size: int, shift: Any) -> Any:
    """Open-addressing slots (index into *hashes*, -1 when free) for the first *count* hashes."""
    slots = np.full(size, -1, dtype=np.int64)
    for index in range(count):
        s = _k_slot(hashes[index], shift)
        while slots[s] >= 0:
            s = (s + 1) & (size - 1)
        slots[s] = index
    return slots


def _k_normalise(source: Any, first: Any, last: Any, table: Any) -> Any:
    """Normal forms of plain ASCII texts ``source[first[i]:last[i]]``, one after another.

    Maps every byte through *table* (the shortcut table of
    :mod:`botgraph.normalize`), then drops the spaces that start or end a text
    or follow another space, as the fingerprint kernel does. Returns the bytes
    and the end of each text's form in them.
    """
    total = 0
    for i in range(first.shape[0]):
        total += last[i] - first[i]
    out = np.empty(total, dtype=np.uint8)
    out_end = np.empty(first.shape[0], dtype=np.int64)
    space = np.uint8(32)
    size = 0
    for i in range(first.shape[0]):
        start = size
        pending = False
        for p in range(first[i], last[i]):
            c = table[source[p]]
            if c == space:
                pending = size > start
                continue
            if pending:
                out[size] = space
                size += 1
                pending = False
            out[size] = c
            size += 1
        out_end[i] = size
    return out[:size].copy(), out_end


def _k_forms(buffer: Any, begin: Any, end: Any, digest: Any) -> Any:
    """Distinct byte strings ``buffer[begin[t]:end[t]]``, by first occurrence.

    Returns each text's form index, each form's first text and its number of
    words (spaces plus one; 0 when empty). Equal digests are compared byte for
    byte, so the forms are those a dictionary of the strings would give.
    """
    n = begin.shape[0]
    size, shift = _k_table_shape(n)
    slots = np.full(size, -1, dtype=np.int64)
    form_of = np.empty(n, dtype=np.int64)
    first_text = np.empty(n, dtype=np.int64)
    n_words = np.empty(n, dtype=np.int64)
    count = 0
    for t in range(n):
        h = digest[t]
        length = end[t] - begin[t]
        s = _k_slot(h, shift)
        found = slots[s]
        while found >= 0:
            other = first_text[found]
            if digest[other] == h and end[other] - begin[other] == length:
                k = 0
                while k < length and buffer[begin[other] + k] == buffer[begin[t] + k]:
                    k += 1
                if k == length:
                    break
            s = (s + 1) & (size - 1)
            found = slots[s]
        if found < 0:
            found = count
            slots[s] = count
            first_text[count] = t
            words = 0
            if length > 0:
                words = 1
                for p in range(begin[t], end[t]):
                    words += buffer[p] == 32
            n_words[count] = words
            count += 1
        form_of[t] = found
    return form_of, first_text[:count].copy(), n_words[:count].copy()


def _k_join(buffer: Any, begin: Any, end: Any, start: Any, out: Any, lo: int, hi: int) -> None:
    """Copy ``buffer[begin[k]:end[k]]`` to ``out[start[k]:]`` for lo <= k < hi, a space after each.

    The space after the last string of *out* is left out.
    """
    for k in range(lo, hi):
        p = start[k]
        for q in range(begin[k], end[k]):
            out[p] = buffer[q]
            p += 1
        if p < out.shape[0]:
            out[p] = 32


def _k_words(data: Any, lengths: Any) -> Any:
    """Code of every word (bytes between spaces) of *data*, by first occurrence.

    *lengths* holds the words per text. Returns the codes and the byte range of
    each distinct word's first occurrence. Words are compared byte for byte, so
    the codes are those a dictionary of the words would give; the FNV-1a hash
    only finds them.
    """
    codes = np.empty(lengths.sum(), dtype=np.int64)
    spans, _, _, count = _k_words_table(data, lengths, codes)
    return codes, spans[:count, 0].copy(), spans[:count, 1].copy()


def _k_words_part(data: Any, lengths: Any, codes: Any) -> Any:
    """:func:`_k_words` writing the codes into *codes*, and returning its whole table.

    Returns the byte range (from the start of *data*) of each distinct word's
    first occurrence, their FNV-1a hashes, the open-addressing slots and the
    number of distinct words (the rows of the first two in use).
    """
    return _k_words_table(data, lengths, codes)


def _k_words_table(data: Any, lengths: Any, codes: Any) -> Any:
    """The work of :func:`_k_words_part`."""
    size = 1 << 10
    shift = np.uint64(54)
    slots = np.full(size, -1, dtype=np.int64)
    spans = np.empty((size // 2, 2), dtype=np.int64)
    hashes = np.empty(size // 2, dtype=np.uint64)
    state = np.zeros(4, dtype=np.int64)  # next text, next word, its first byte, distinct words
    while not _k_words_run(data, lengths, codes, slots, shift, spans, hashes, state):
        size *= 2
        shift -= np.uint64(1)
        count = state[3]
        grown = np.empty((size // 2, 2), dtype=np.int64)
        grown[:count] = spans[:count]
        spans = grown
        hashes = _k_grow(hashes)
        slots = _k_rehash(hashes, count, size, shift)
    return spans, hashes, slots, state[3]


def _k_shift_of(size: int) -> Any:
    """The :func:`_k_slot` shift of a table of *size* slots (a power of two)."""
    shift = np.uint64(64)
    while size > 1:
        size >>= 1
        shift -= np.uint64(1)
    return shift


def _k_tail_start(data: Any, words: int) -> Any:
    """First byte of the last *words* words of *data* (words parted by single spaces).

    Counts the spaces from the end, a block at a time, then byte by byte in the
    block that holds the one sought.
    """
    if words <= 0:
        return data.shape[0]
    block = 4096
    end = data.shape[0]
    seen = 0
    while end >= block:
        spaces = 0
        for p in range(end - block, end):
            if data[p] == 32:
                spaces += 1
        if seen + spaces >= words:
            break
        seen += spaces
        end -= block
    for p in range(end - 1, -1, -1):
        if data[p] == 32:
            seen += 1
            if seen == words:
                return p + 1
    return 0


def _k_word_lookup(
    data: Any,
    spans: Any,
    hashes: Any,
    slots: Any,
    other_spans: Any,
    other_hashes: Any,
    offset: int,
    found: Any,
    lo: int,
    hi: int,
) -> None:
    """``found[j]``: code of word j of another table in this one (-1 when absent), lo <= j < hi.

    The other table's word j is ``data[offset + other_spans[j, 0]:offset + other_spans[j, 1]]``;
    words are compared byte for byte, as in :func:`_k_words_run`.
    """
    size = slots.shape[0]
    shift = _k_shift_of(size)
    for j in range(lo, hi):
        h = other_hashes[j]
        start = offset + other_spans[j, 0]
        length = other_spans[j, 1] - other_spans[j, 0]
        s = _k_slot(h, shift)
        code = slots[s]
        while code >= 0:
            other = spans[code, 0]
            if hashes[code] == h and spans[code, 1] - other == length:
                k = 0
                while k < length and data[other + k] == data[start + k]:
                    k += 1
                if k == length:
                    break
            s = (s + 1) & (size - 1)
            code = slots[s]
        found[j] = code


def _k_words_run(
    data: Any, lengths: Any, codes: Any, slots: Any, shift: Any, spans: Any, hashes: Any, state: Any
) -> bool:
    """Code the words of the texts from ``state``; False when the table must grow first.

    The tables are never reallocated in here: numba would count references to
    them on every word.
    """
    size = slots.shape[0]
    w, start, count = state[1], state[2], state[3]
    for t in range(state[0], lengths.shape[0]):
        if 2 * (count + lengths[t]) > size:
            state[0], state[1], state[2], state[3] = t, w, start, count
            return False
        for _ in range(lengths[t]):
            h = np.uint64(0xCBF2_9CE4_8422_2325)
            end = start
            while end < data.shape[0] and data[end] != 32:
                h = (h ^ np.uint64(data[end])) * np.uint64(0x0000_0100_0000_01B3)
                end += 1
            s = _k_slot(h, shift)
            found = slots[s]
            while found >= 0:
                other = spans[found, 0]
                if hashes[found] == h and spans[found, 1] - other == end - start:
                    k = 0
                    while k < end - start and data[other + k] == data[start + k]:
                        k += 1
                    if k == end - start:
                        break
                s = (s + 1) & (size - 1)
                found = slots[s]
            if found < 0:
                spans[count, 0], spans[count, 1], hashes[count] = start, end, h
                found = count
                slots[s] = count
                count += 1
            codes[w] = found
            w += 1
            start = end + 1
    state[0], state[1], state[2], state[3] = lengths.shape[0], w, start, count
    return True


def _k_features(word_hash: Any, word_code: Any, lengths: Any, salts: Any, codes: Any) -> Any:
    """Hash of every distinct word n-gram, and ``codes[o]``: the index of occurrence o's.

    Occurrences run over texts, start words, then n = 1 .. len(salts), as in
    :func:`_ngram_features`, and the hashes are those it computes. Equal hashes
    may get two indices (a unigram equal to a bigram): their MinHash values are
    equal, so the signatures do not change.
    """
    distinct, _, count = _k_features_table(word_hash, word_code, lengths, salts, codes)
    return distinct[:count].copy()


def _k_features_part(word_hash: Any, word_code: Any, lengths: Any, salts: Any, codes: Any) -> Any:
    """:func:`_k_features` returning its whole table: hashes, slots and distinct count."""
    return _k_features_table(word_hash, word_code, lengths, salts, codes)


def _k_features_table(word_hash: Any, word_code: Any, lengths: Any, salts: Any, codes: Any) -> Any:
    """The work of :func:`_k_features_part`."""
    unigram = np.full(word_hash.shape[0], -1, dtype=np.int64)
    size = 1 << 10
    shift = np.uint64(54)
    slots = np.zeros((size, 2), dtype=np.uint64)
    distinct = np.empty(size // 2, dtype=np.uint64)
    state = np.zeros(4, dtype=np.int64)  # next text, its first word, next occurrence, distinct
    while not _k_features_run(
        word_hash, word_code, lengths, salts, codes, unigram, slots, shift, distinct, state
    ):
        size *= 2
        shift -= np.uint64(1)
        distinct = _k_grow(distinct)
        slots = _k_rehash_keyed(distinct, state[3], size, shift)
    return distinct, slots, state[3]


def _k_rehash_keyed(hashes: Any, count: int, size: int, shift: Any) -> Any:
    """:func:`_k_rehash` with each slot holding its hash and 1 + its index (0 when free).

    A probe then reads one slot, not a slot and the hash it points to.
    """
    slots = np.zeros((size, 2), dtype=np.uint64)
    for index in range(count):
        h = hashes[index]
        s = _k_slot(h, shift)
        while slots[s, 1] != np.uint64(0):
            s = (s + 1) & (size - 1)
        slots[s, 0] = h
        slots[s, 1] = np.uint64(index + 1)
    return slots


def _k_feature_lookup(slots: Any, other: Any, found: Any, lo: int, hi: int) -> None:
    """``found[j]``: index of hash ``other[j]`` in keyed *slots* (-1 when absent), lo <= j < hi."""
    size = slots.shape[0]
    shift = _k_shift_of(size)
    for j in range(lo, hi):
        h = other[j]
        s = _k_slot(h, shift)
        while slots[s, 1] != np.uint64(0) and slots[s, 0] != h:
            s = (s + 1) & (size - 1)
        found[j] = np.int64(slots[s, 1]) - 1


def _k_features_run(
    word_hash: Any,
    word_code: Any,
    lengths: Any,
    salts: Any,
    codes: Any,
    unigram: Any,
    slots: Any,
    shift: Any,
    distinct: Any,
    state: Any,
) -> bool:
    """Code the n-grams of the texts from ``state``; False when the table must grow first."""
    size = slots.shape[0]
    shingle = salts.shape[0]
    first, o, count = state[1], state[2], state[3]
    for t in range(state[0], lengths.shape[0]):
        length = lengths[t]
        if 2 * (count + length * shingle) > size:
            state[0], state[1], state[2], state[3] = t, first, o, count
            return False
        for i in range(length):
            word = word_code[first + i]
            found = unigram[word]
            if found < 0:
                h = _k_mix(word_hash[word] + salts[0])
                distinct[count] = h
                found = count
                unigram[word] = count
                s = _k_slot(h, shift)
                while slots[s, 1] != np.uint64(0):
                    s = (s + 1) & (size - 1)
                slots[s, 0] = h
                slots[s, 1] = np.uint64(count + 1)
                count += 1
            codes[o] = found
            o += 1
            prefix = word_hash[word]
            for n in range(1, min(shingle, length - i)):
                prefix = _k_mix(prefix) ^ word_hash[word_code[first + i + n]]
                h = _k_mix(prefix + salts[n])
                s = _k_slot(h, shift)
                while slots[s, 1] != np.uint64(0) and slots[s, 0] != h:
                    s = (s + 1) & (size - 1)
                if slots[s, 1] == np.uint64(0):
                    distinct[count] = h
                    found = count
                    slots[s, 0] = h
                    slots[s, 1] = np.uint64(count + 1)
                    count += 1
                else:
                    found = np.int64(slots[s, 1]) - 1
                codes[o] = found
                o += 1
        first += length
    state[0], state[1], state[2], state[3] = lengths.shape[0], first, o, count
    return True


def _k_universal_hash(a: Any, b: Any, x: Any) -> Any:
    """(a x + b) mod 2**61 - 1 for a, b, x < 2**61: the scalar twin of :func:`_universal_hash`."""
    a_hi = a >> np.uint64(32)
    a_lo = a & np.uint64(0xFFFF_FFFF)
    x_hi = x >> np.uint64(32)
    x_lo = x & np.uint64(0xFFFF_FFFF)
    mid = a_hi * x_lo + a_lo * x_hi
    low = a_lo * x_lo
    total = (a_hi * x_hi) << np.uint64(3)
    total += mid >> np.uint64(29)
    total += (mid & np.uint64((1 << 29) - 1)) << np.uint64(32)
    total += low >> np.uint64(61)
    total += low & np.uint64(_PRIME)
    total += b
    total = (total & np.uint64(_PRIME)) + (total >> np.uint64(61))
    total = (total & np.uint64(_PRIME)) + (total >> np.uint64(61))
    return np.uint64(0) if total == np.uint64(_PRIME) else total


def _k_hash_table(a: Any, b: Any, x: Any, table: Any, lo: int, hi: int) -> None:
    """``table[f, k]``: top 32 of the 61 bits of ``h_k(x[f])``, for features lo <= f < hi."""
    for f in range(lo, hi):
        value = x[f]
        for k in range(a.shape[0]):
            table[f, k] = np.uint32(_k_universal_hash(a[k], b[k], value) >> np.uint64(29))


def _k_min_hash(
    table: Any, codes: Any, offsets: Any, first: int, out: Any, transposed: bool, lo: int, hi: int
) -> None:
    """``out[t, first + k]``: minimum of ``table[codes[o], k]`` over the n-grams o of text t.

    With *transposed*, ``out[first + k, t]``.
    """
    width = table.shape[1]
    least = np.empty(width, dtype=np.uint32)
    for t in range(lo, hi):
        least[:] = np.uint32(0xFFFF_FFFF)
        for o in range(offsets[t], offsets[t + 1]):
            row = codes[o]
            for k in range(width):
                least[k] = min(least[k], table[row, k])
        if transposed:
            for k in range(width):
                out[first + k, t] = least[k]
        else:
            out[t, first : first + width] = least


def _k_lex_less(keys: Any, a: int, b: int) -> bool:
    """Whether row *a* of *keys* is lexicographically smaller than row *b*."""
    for c in range(keys.shape[1]):
        if keys[a, c] != keys[b, c]:
            return bool(keys[a, c] < keys[b, c])
    return False


def _k_merge_runs(keys: Any, source: Any, target: Any, run: int) -> None:
    """Merge the sorted runs of length *run* of *source* into runs twice as long in *target*."""
    m = source.shape[0]
    for lo in range(0, m, 2 * run):
        mid, hi = min(lo + run, m), min(lo + 2 * run, m)
        x, y = lo, mid
        for k in range(lo, hi):
            if y >= hi or (x < mid and not _k_lex_less(keys, source[y], source[x])):
                target[k] = source[x]
                x += 1
            else:
                target[k] = source[y]
                y += 1


def _k_lex_argsort(keys: Any) -> Any:
    """Indices sorting the rows of *keys* lexicographically, stably (insertion, then merge sort)."""
    m = keys.shape[0]
    index = np.arange(m)
    spare = np.empty(m, dtype=np.int64)
    run = 16
    for lo in range(0, m, run):
        for x in range(lo + 1, min(lo + run, m)):
            moving = index[x]
            y = x - 1
            while y >= lo and _k_lex_less(keys, moving, index[y]):
                index[y + 1] = index[y]
                y -= 1
            index[y + 1] = moving
    flipped = False  # the arrays are not swapped: numba would count references in the loop
    while run < m:
        if flipped:
            _k_merge_runs(keys, spare, index, run)
        else:
            _k_merge_runs(keys, index, spare, run)
        flipped = not flipped
        run *= 2
    return spare if flipped else index


def _k_radix_argsort(keys: Any) -> Any:
    """:func:`_k_lex_argsort` by a least-significant-digit radix sort (8-bit digits).

    The same stable order; the digits shared by all rows are skipped, and the
    keys of the current word travel with the indices (two random reads per
    word, not per pass). Faster than merging for a few hundred rows or more.
    """
    m, width = keys.shape
    count = np.zeros((8 * width, 256), dtype=np.int64)
    for x in range(m):
        for c in range(width):
            v = keys[x, c]
            for d in range(8):
                count[8 * (width - 1 - c) + d, (v >> np.uint64(8 * d)) & np.uint64(255)] += 1
    index = np.arange(m)
    spare = np.empty(m, dtype=np.int64)
    value = np.empty(m, dtype=np.uint64)
    spare_value = np.empty(m, dtype=np.uint64)
    start = np.empty(256, dtype=np.int64)
    flipped = False  # the arrays are not swapped: numba would count references in the loop
    for c in range(width - 1, -1, -1):
        for x in range(m):
            value[x] = keys[spare[x] if flipped else index[x], c]
        spread = False
        for d in range(8):
            p = 8 * (width - 1 - c) + d
            total = 0
            trivial = False
            for b in range(256):
                start[b] = total
                total += count[p, b]
                trivial = trivial or count[p, b] == m
            if trivial:
                continue
            shift = np.uint64(8 * d)
            if spread:  # value and spare_value swap roles with the indices
                source, target = spare_value, value
            else:
                source, target = value, spare_value
            for x in range(m):
                b = (source[x] >> shift) & np.uint64(255)
                k = start[b]
                start[b] = k + 1
                target[k] = source[x]
                if flipped:
                    index[k] = spare[x]
                else:
                    spare[k] = index[x]
            flipped = not flipped
            spread = not spread
    return spare if flipped else index


def _k_band_codes(block: Any, band_columns: Any, rows: int, cap: int) -> Any:
    """Candidate pairs ``i * n + j`` (i < j, maybe repeated) of a band, as :func:`_pairs_in_band`.

    ``block[band_columns[:rows]]`` are the band's signature columns,
    ``block[band_columns[rows:]]`` the columns that order giant buckets. Texts
    with equal band keys (:func:`_band_keys`) share a bucket; a bucket of at most
    *cap* texts gives all its pairs, a larger one pairs each member with its
    smallest member and with its neighbours once sorted by those columns, then
    by index.
    """
    n = block.shape[1]
    key = np.zeros(n, dtype=np.uint64)
    for r in range(rows):
        column = block[band_columns[r]]
        for t in range(n):
            key[t] = _k_mix(key[t] ^ np.uint64(column[t])) + np.uint64(0x9E37_79B9_7F4A_7C15)
    # Buckets, numbered by first member, then the members of each in ascending order.
    size, shift = _k_table_shape(n)
    slot_key = np.empty(size, dtype=np.uint64)
    slot_bucket = np.full(size, -1, dtype=np.int64)
    bucket = np.empty(n, dtype=np.int64)
    n_buckets = 0
    for t in range(n):
        s = _k_slot(key[t], shift)
        while slot_bucket[s] >= 0 and slot_key[s] != key[t]:
            s = (s + 1) & (size - 1)
        if slot_bucket[s] < 0:
            slot_key[s] = key[t]
            slot_bucket[s] = n_buckets
            n_buckets += 1
        bucket[t] = slot_bucket[s]
    start = np.zeros(n_buckets + 1, dtype=np.int64)
    for t in range(n):
        start[bucket[t] + 1] += 1
    n_pairs = 0
    for g in range(n_buckets):
        m = start[g + 1]
        n_pairs += 2 * (m - 1) if m > cap else m * (m - 1) // 2
        start[g + 1] += start[g]
    fill = start[:-1].copy()
    members = np.empty(n, dtype=np.int64)
    for t in range(n):
        members[fill[bucket[t]]] = t
        fill[bucket[t]] += 1
    codes = np.empty(n_pairs, dtype=np.int64)
    p = 0
    n_after = band_columns.shape[0] - rows
    for g in range(n_buckets):
        lo, hi = start[g], start[g + 1]
        if hi - lo <= cap:
            for x in range(lo, hi):
                for y in range(x + 1, hi):
                    codes[p] = members[x] * n + members[y]
                    p += 1
            continue
        for x in range(lo + 1, hi):
            codes[p] = members[lo] * n + members[x]
            p += 1
        # The columns two by two in uint64 words; the sort is stable and the members
        # ascending, so ties stay in index order.
        keys = np.zeros((hi - lo, (n_after + 1) // 2), dtype=np.uint64)
        for x in range(hi - lo):
            t = members[lo + x]
            for c in range(n_after):
                word = np.uint64(block[band_columns[rows + c], t])
                keys[x, c // 2] |= word << np.uint64(32 * (1 - c % 2))
        order = _k_radix_argsort(keys) if hi - lo >= _RADIX_FROM else _k_lex_argsort(keys)
        for x in range(1, hi - lo):
            u, v = members[lo + order[x - 1]], members[lo + order[x]]
            codes[p] = min(u, v) * n + max(u, v)
            p += 1
    return codes


def _k_part(h: Any, bits: int) -> Any:
    """The top *bits* bits of hash *h* (0 when *bits* is 0)."""
    if bits == 0:
        return 0
    return np.int64(h >> np.uint64(64 - bits))


def _k_band_keys(signatures: Any, columns: Any, rows: int, key: Any) -> None:
    """``key[b]``: the band keys (:func:`_band_keys`) of ``signatures[:, columns[b, :rows]]``.

    Several bands in one pass over the rows: bands of neighbouring columns
    share the cache lines read.
    """
    n_bands = columns.shape[0]
    for t in range(signatures.shape[0]):
        for b in range(n_bands):
            h = np.uint64(0)
            for r in range(rows):
                h = _k_mix(h ^ np.uint64(signatures[t, columns[b, r]])) + np.uint64(
                    0x9E37_79B9_7F4A_7C15
                )
            key[b, t] = h


def _k_band_lists(
    signatures: Any, key: Any, band_columns: Any, rows: int, cap: int, template: Any
) -> Any:
    """The buckets of two or more texts of one band, read from whole *signatures*.

    ``signatures[:, band_columns[:rows]]`` are the band's values, *key* their
    band keys (:func:`_k_band_keys`), and the columns after them order giant
    buckets, as in :func:`_k_band_codes`.
    Returns the members of the buckets, one segment per bucket (dtype of
    *template*), the start of each segment (and the end of the last), and
    each segment's leader: its smallest member for a bucket of more than
    *cap* texts, whose members are then in chain order (sorted by those
    columns, then by index), -1 for a smaller bucket, whose members ascend.
    The pairs are those of :func:`_k_band_codes` (:func:`_k_emit`).

    Texts are split by the top bits of their band key (a counting sort, so
    each part keeps the index order; the keys move with the texts, so the
    grouping reads them in sequence), then grouped by a small hash table per
    part, which stays in cache.
    """
    n = signatures.shape[0]
    bits = 0
    while bits < 12 and (1024 << bits) < n:
        bits += 1
    n_parts = 1 << bits
    head = np.zeros(n_parts + 1, dtype=np.int64)
    for t in range(n):
        head[_k_part(key[t], bits) + 1] += 1
    biggest = 0
    for part in range(n_parts):
        biggest = max(biggest, head[part + 1])
        head[part + 1] += head[part]
    fill = head[:-1].copy()
    member = np.empty(n, dtype=template.dtype)
    member_key = np.empty(n, dtype=np.uint64)  # the keys in the same order, read in sequence
    for t in range(n):
        h = key[t]
        part = _k_part(h, bits)
        member[fill[part]] = t
        member_key[fill[part]] = h
        fill[part] += 1
    size, shift = _k_table_shape(biggest)
    slot_key = np.empty(size, dtype=np.uint64)
    slot_bucket = np.full(size, -1, dtype=np.int64)
    used = np.empty(biggest, dtype=np.int64)
    bucket_of = np.empty(biggest, dtype=np.int64)
    place = np.empty(biggest, dtype=np.int64)
    seq = np.empty(n, dtype=template.dtype)
    starts = np.empty(n // 2 + 2, dtype=np.int64)
    n_segments = 0
    q = 0
    for part in range(n_parts):
        lo, hi = head[part], head[part + 1]
        n_buckets = 0
        for x in range(lo, hi):
            h = member_key[x]
            s = _k_slot(h, shift)
            while slot_bucket[s] >= 0 and slot_key[s] != h:
                s = (s + 1) & (size - 1)
            if slot_bucket[s] < 0:
                slot_key[s] = h
                slot_bucket[s] = n_buckets
                used[n_buckets] = s
                place[n_buckets] = 0
                n_buckets += 1
            bucket_of[x - lo] = slot_bucket[s]
            place[slot_bucket[s]] += 1
        for g in range(n_buckets):
            slot_bucket[used[g]] = -1
            if place[g] >= 2:
                starts[n_segments] = q
                n_segments += 1
                m = place[g]
                place[g] = q
                q += m
            else:
                place[g] = -1
        for x in range(lo, hi):
            g = bucket_of[x - lo]
            if place[g] >= 0:
                seq[place[g]] = member[x]
                place[g] += 1
    starts[n_segments] = q
    leader = np.full(n_segments, -1, dtype=np.int64)
    n_after = band_columns.shape[0] - rows
    for g in range(n_segments):
        lo, hi = starts[g], starts[g + 1]
        if hi - lo <= cap:
            continue
        leader[g] = seq[lo]
        # The columns two by two in uint64 words; the sort is stable and the members
        # ascending, so ties stay in index order.
        keys = np.zeros((hi - lo, (n_after + 1) // 2), dtype=np.uint64)
        for x in range(hi - lo):
            t = seq[lo + x]
            for c in range(n_after):
                word = np.uint64(signatures[t, band_columns[rows + c]])
                keys[x, c // 2] |= word << np.uint64(32 * (1 - c % 2))
        order = _k_radix_argsort(keys) if hi - lo >= _RADIX_FROM else _k_lex_argsort(keys)
        chain = seq[lo:hi].copy()
        for x in range(hi - lo):
            seq[lo + x] = chain[order[x]]
    return seq[:q].copy(), starts[: n_segments + 1].copy(), leader


def _k_pair_counts(seq: Any, starts: Any, leader: Any, counts: Any) -> None:
    """``counts[i] +=`` the pairs (i, j), i < j, of a band's buckets (:func:`_k_band_lists`).

    The members of a bucket may come in any order (see :func:`_k_emit`).
    """
    for g in range(leader.shape[0]):
        lo, hi = starts[g], starts[g + 1]
        if leader[g] < 0:
            for x in range(lo, hi - 1):
                for y in range(x + 1, hi):
                    counts[min(seq[x], seq[y])] += 1
        else:
            boss = leader[g]
            for x in range(lo, hi):
                if seq[x] != boss:
                    counts[min(boss, seq[x])] += 1
            for x in range(lo + 1, hi):
                counts[min(seq[x - 1], seq[x])] += 1


def _k_segment_bounds(seq: Any, starts: Any) -> Any:
    """The smallest and the largest member of each bucket (segment) of a band's list."""
    n_segments = starts.shape[0] - 1
    low = np.empty(n_segments, dtype=np.int64)
    high = np.empty(n_segments, dtype=np.int64)
    for g in range(n_segments):
        least = most = np.int64(seq[starts[g]])
        for x in range(starts[g] + 1, starts[g + 1]):
            least = min(least, np.int64(seq[x]))
            most = max(most, np.int64(seq[x]))
        low[g], high[g] = least, most
    return low, high


def _k_emit(
    seq: Any,
    starts: Any,
    leader: Any,
    low: Any,
    high: Any,
    n: int,
    first: int,
    last: int,
    codes: Any,
    p: int,
) -> int:
    """Write the pairs ``i * n + j`` of a band's buckets with first <= i < last from ``codes[p]``.

    Small buckets give all their pairs, giant ones those of each member with
    the leader and with its neighbours in chain order (maybe repeated), as
    :func:`_k_band_codes`, the smaller text first whatever the order of the
    members. ``low[g]`` and ``high[g]`` bound the members of bucket g: the
    buckets outside the range are skipped. Returns the position after the
    last one written.
    """
    for g in range(leader.shape[0]):
        if high[g] < first or low[g] >= last:
            continue
        lo, hi = starts[g], starts[g + 1]
        if leader[g] < 0:
            for x in range(lo, hi - 1):
                a = np.int64(seq[x])
                for y in range(x + 1, hi):
                    b = np.int64(seq[y])
                    i = min(a, b)
                    if first <= i < last:
                        codes[p] = i * n + max(a, b)
                        p += 1
            continue
        boss = np.int64(leader[g])
        for x in range(lo, hi):
            if seq[x] != boss:
                b = np.int64(seq[x])
                i = min(boss, b)
                if first <= i < last:
                    codes[p] = i * n + max(boss, b)
                    p += 1
        for x in range(lo + 1, hi):
            a, b = np.int64(seq[x - 1]), np.int64(seq[x])
            i = min(a, b)
            if first <= i < last:
                codes[p] = i * n + max(a, b)
                p += 1
    return p


def _k_family_heads(seq: Any, starts: Any, leader: Any, head: Any) -> None:
    """``head[t] = min(head[t], m)``, m the smallest member of each bucket of text t."""
    for g in range(leader.shape[0]):
        lo, hi = starts[g], starts[g + 1]
        smallest = seq[lo] if leader[g] < 0 else leader[g]  # small buckets ascend
        for x in range(lo, hi):
            head[seq[x]] = min(head[seq[x]], smallest)


def _k_family_order(head: Any, at: Any) -> None:
    """``at[t]``: place of text t once sorted by ``head`` (values below n), stably."""
    n = head.shape[0]
    start = np.zeros(n + 1, dtype=np.int64)
    for t in range(n):
        start[head[t] + 1] += 1
    for k in range(n):
        start[k + 1] += start[k]
    for t in range(n):
        at[t] = start[head[t]]
        start[head[t]] += 1


def _k_permute_rows(rows: Any, at: Any) -> None:
    """Move row t of *rows* to row ``at[t]`` (a permutation), in place, cycle by cycle."""
    n, width = rows.shape
    done = np.zeros(n, dtype=np.bool_)
    carried = np.empty(width, dtype=rows.dtype)
    spare = np.empty(width, dtype=rows.dtype)
    for t in range(n):
        if done[t]:
            continue
        carried[:] = rows[t]
        x = t
        while True:
            target = at[x]
            done[target] = True
            if target == t:
                rows[t] = carried
                break
            spare[:] = rows[target]
            rows[target] = carried
            carried[:] = spare
            x = target


def _k_verify(codes: Any, n: int, signatures: Any, needed: int, degree: Any) -> int:
    """Keep the distinct sorted *codes* ``i * n + j`` whose texts agree on *needed* values.

    Writes j of each kept pair to the front of *codes*, adds one to
    ``degree[i]``, and returns the number kept. Every value is compared: the
    rows are read at random, and stopping early (once the count reaches
    *needed*, or cannot) was slower here, as its branches stall those reads.
    """
    kept = 0
    previous = np.int64(-1)
    width = signatures.shape[1]
    for p in range(codes.shape[0]):
        code = codes[p]
        if code == previous:
            continue
        previous = code
        i, j = code // n, code % n
        same = 0
        if needed > 0:
            left, right = signatures[i], signatures[j]
            for c in range(width):
                if left[c] == right[c]:
                    same += 1
        if same >= needed:
            codes[kept] = j
            degree[i] += 1
            kept += 1
    return kept


def _k_agree(block: Any, codes: Any, n: int, agree: Any, lo: int, hi: int) -> None:
    """``agree[p] +=`` the columns of *block* on which both texts of pair ``codes[p]`` agree."""
    width = block.shape[1]
    for p in range(lo, hi):
        a, b = codes[p] // n, codes[p] % n
        same = 0
        for k in range(width):
            same += block[a, k] == block[b, k]
        agree[p] += same


def _k_merge_unique(left: Any, right: Any) -> Any:
    """The sorted distinct values of two sorted arrays of distinct values."""
    out = np.empty(left.shape[0] + right.shape[0], dtype=np.int64)
    x = y = m = 0
    while x < left.shape[0] and y < right.shape[0]:
        if left[x] < right[y]:
            out[m] = left[x]
            x += 1
        elif right[y] < left[x]:
            out[m] = right[y]
            y += 1
        else:
            out[m] = left[x]
            x += 1
            y += 1
        m += 1
    while x < left.shape[0]:
        out[m] = left[x]
        x += 1
        m += 1
    while y < right.shape[0]:
        out[m] = right[y]
        y += 1
        m += 1
    return out[:m].copy()


def _k_first_appearance(labels: Any, text_of: Any, ids: Any) -> None:
    """:func:`_first_appearance_ids` in one pass: ``ids[t]`` for each text t."""
    number = np.full(labels.shape[0], -1, dtype=np.int64)
    count = 0
    for t in range(text_of.shape[0]):
        if text_of[t] < 0:
            ids[t] = -1
            continue
        label = labels[text_of[t]]
        if number[label] < 0:
            number[label] = count
            count += 1
        ids[t] = number[label]


def _k_ends(edges: Any, n: int, left: Any, right: Any) -> None:
    """``left[p], right[p] = divmod(edges[p], n)``: the texts of each pair."""
    for p in range(edges.shape[0]):
        left[p] = edges[p] // n
        right[p] = edges[p] % n


def _k_relabel(position: Any, nodes: Any) -> None:
    """``nodes[p] = position[nodes[p]]``, in place."""
    for p in range(nodes.shape[0]):
        nodes[p] = position[nodes[p]]


def _k_weights(count: Any, left: Any, right: Any) -> Any:
    """Posts of each text and of its near-duplicates (the pairs ``left[p], right[p]``)."""
    weight = count.copy()
    for p in range(left.shape[0]):
        weight[left[p]] += count[right[p]]
        weight[right[p]] += count[left[p]]
    return weight


def _k_star(n: int, left: Any, right: Any, neighbour: Any) -> Any:
    """Centre of each node: :func:`_pivot_clusters`, :func:`_attach_singletons`, sequentially.

    *neighbour* is scratch space for the adjacency (twice the edges).
    """
    start = np.zeros(n + 1, dtype=np.int64)
    for p in range(left.shape[0]):
        start[left[p] + 1] += 1
        start[right[p] + 1] += 1
    for node in range(n):
        start[node + 1] += start[node]
    fill = start[:-1].copy()
    for p in range(left.shape[0]):
        neighbour[fill[left[p]]] = right[p]
        fill[left[p]] += 1
        neighbour[fill[right[p]]] = left[p]
        fill[right[p]] += 1
    centre = np.full(n, -1, dtype=np.int64)
    size = np.zeros(n, dtype=np.int64)
    for node in range(n):  # the best-ranked node not yet taken becomes a pivot
        if centre[node] < 0:
            centre[node] = node
            size[node] += 1
            for q in range(start[node], start[node + 1]):
                if centre[neighbour[q]] < 0:
                    centre[neighbour[q]] = node
                    size[node] += 1
    result = centre.copy()
    for node in range(n):  # a lone pivot joins its best-ranked neighbour's cluster
        if size[centre[node]] == 1 and start[node + 1] > start[node]:
            best = n
            for q in range(start[node], start[node + 1]):
                best = min(best, neighbour[q])
            result[node] = centre[best]
    return result


def _k_components(n: int, left: Any, right: Any) -> Any:
    """Connected component of each node, labelled by its smallest member (union-find)."""
    parent = np.arange(n)
    for p in range(left.shape[0]):
        a, b = np.int64(left[p]), np.int64(right[p])
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        while parent[b] != b:
            parent[b] = parent[parent[b]]
            b = parent[b]
        if a < b:
            parent[b] = a
        elif b < a:
            parent[a] = b
    for node in range(n):
        parent[node] = parent[parent[node]]
    return parent


_HELPERS = (
    "_k_mix",
    "_k_slot",
    "_k_table_shape",
    "_k_grow",
    "_k_rehash",
    "_k_rehash_keyed",
    "_k_words_run",
    "_k_words_table",
    "_k_shift_of",
    "_k_features_run",
    "_k_features_table",
    "_k_universal_hash",
    "_k_lex_less",
    "_k_merge_runs",
    "_k_lex_argsort",
    "_k_radix_argsort",
    "_k_part",
)
_KERNELS = (
    "_k_normalise",
    "_k_forms",
    "_k_join",
    "_k_words",
    "_k_words_part",
    "_k_tail_start",
    "_k_word_lookup",
    "_k_features",
    "_k_features_part",
    "_k_feature_lookup",
    "_k_hash_table",
    "_k_min_hash",
    "_k_band_codes",
    "_k_band_keys",
    "_k_band_lists",
    "_k_pair_counts",
    "_k_segment_bounds",
    "_k_emit",
    "_k_family_heads",
    "_k_family_order",
    "_k_permute_rows",
    "_k_verify",
    "_k_agree",
    "_k_ends",
    "_k_first_appearance",
    "_k_relabel",
    "_k_weights",
    "_k_merge_unique",
    "_k_star",
    "_k_components",
)


def _compiled() -> dict[str, Any] | None:
    """The numba-compiled kernels by name, or None for the NumPy path.

    None when ``_ENGINE`` is ``"numpy"`` or numba cannot be imported or compile.
    The first call compiles the kernels on a tiny input (or loads them from
    numba's on-disk cache, ``cache=True``), so that no thread compiles later.
    """
    if _ENGINE == "numpy":
        return None
    return _KERNELS_LOADED.get()


def _load_kernels() -> dict[str, Any] | None:
    return compile_kernels(
        globals(),
        _KERNELS,
        helpers=_HELPERS,
        warm_up=_warm_up,
        purpose="near_duplicate_keys",
        fallback="the numpy path",
        log=_LOG,
    )


#: The compiled kernels (None when numba is unusable), loaded on first use.
_KERNELS_LOADED: LazyKernels[dict[str, Any] | None] = LazyKernels(_load_kernels)


def _warm_up(kernels: dict[str, Any]) -> None:
    """Compile every kernel for the argument types near_duplicate_keys uses."""
    texts = ["a b c d", "a b c e", "a b c d e", "A b c d!", "é"]
    blob, lengths, count, _ = _distinct_forms(kernels, texts, np.ones(5, np.int64), 1)
    signatures = _signatures_blob(kernels, blob, lengths, 2, 8)
    for linkage in _LINKAGES:
        _cluster_compiled(kernels, signatures, count, 4, 8, 1, linkage)
    _ids(np.zeros(2, np.int64), np.array([1, -1]), np.array([0, -1, 1]), kernels)
    keys = np.empty((1, signatures.shape[0]), dtype=np.uint64)
    kernels["_k_band_keys"](signatures, np.arange(2).reshape(1, 2), 1, keys)
    lists = kernels["_k_band_lists"](signatures, keys[0], np.arange(2), 1, 1, np.empty(0, np.int32))
    head = np.arange(signatures.shape[0], dtype=np.int32)
    kernels["_k_family_heads"](*lists, head)
    at = np.empty_like(head)
    kernels["_k_family_order"](head, at)
    kernels["_k_permute_rows"](signatures, at)
    kernels["_k_relabel"](at, head)
    features = _features(kernels, blob, lengths, 2)
    _features(kernels, blob, lengths, 2, in_two=True)
    _labels_compiled(kernels, count, _edges_streamed(kernels, features, 4, 8, 8, 1), "star")
