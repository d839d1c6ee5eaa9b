"""Text normalisation: comparable keys from messy multilingual comment text.

Coordinated networks post the same message with cosmetic variations: case,
emoji, punctuation, typographic quotes, invisible characters, tracking
parameters on links. The functions here remove those variations so that the
same message gives the same key, while keeping everything that changes its
meaning (letters with their accents, digits, word order).

All functions accept any Unicode text and never raise on hostile input
(control characters, bidirectional overrides, lone surrogates, HTML markup,
very long strings). They are pure: the same input gives the same output in
every process and on every platform.

:func:`normalize_texts` and :func:`text_fingerprints` compute the same as
:func:`normalize_text` and :func:`text_fingerprint` for many texts at once,
each distinct text once, with a vectorised path for plain ASCII text (and, for
large batches, a compiled BLAKE2b kernel when numba works).
"""

from __future__ import annotations

import hashlib
import html
import logging
import os
import re
import sys
import unicodedata
from collections.abc import Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import nullcontext
from functools import partial
from itertools import compress, count
from operator import methodcaller
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import numpy as np
from numpy.typing import NDArray

from botgraph._jit import LazyKernels, compile_kernels
from botgraph.errors import ParameterError

__all__ = [
    "TRACKING_PARAMETERS",
    "TRACKING_PREFIXES",
    "extract_hashtags",
    "extract_mentions",
    "extract_urls",
    "normalize_text",
    "normalize_texts",
    "normalize_url",
    "text_fingerprint",
    "text_fingerprints",
]

#: Query parameters that :func:`normalize_url` drops because they identify the
#: sharer or the campaign, not the page (compared case-insensitively).
TRACKING_PARAMETERS = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "yclid",
        "twclid",
        "ttclid",
        "igshid",
        "igsh",
        "si",
        "ref",
        "ref_src",
        "ref_url",
        "mc_cid",
        "mc_eid",
        "_ga",
        "_gl",
        "mkt_tok",
        "oly_anon_id",
        "oly_enc_id",
        "vero_id",
        "__s",
    }
)
#: Query-parameter prefixes that :func:`normalize_url` drops (``utm_source``, ...).
TRACKING_PREFIXES = ("utm_",)

logger = logging.getLogger(__name__)

_DEFAULT_PORTS = {"http": 80, "https": 443, "ftp": 21}
_FINGERPRINT_BYTES = 8  # 16 hexadecimal characters

# Characters a URL found in running text cannot contain: white space, the
# delimiters of HTML attributes and the quotes people put around links.
_URL_BODY = r"[^\s<>\"'`«»“”‘’{}|\\^]+"
# Literal first characters let the regex engine skip quickly to candidates;
# ``www.`` must not follow a word character (``awww.so cute`` is no link).
_URL_PATTERN = r"(?:https?://|ftp://|www\.(?<!\wwww\.)(?=\w))" + _URL_BODY
# A mention may not follow a word character, so ``name@example.com`` is an
# e-mail address, not a mention; inner dots are allowed (Instagram handles).
# The look-behind sits after the '@' so that the engine can search for '@'.
_MENTION_PATTERN = r"@(?<![\w@.+\-]@)(\w+(?:\.\w+)*)"
# A hashtag may not follow a word character, '#' or '&' (HTML entities such as
# ``&#39;``, and ``C#``).
_HASHTAG_PATTERN = r"#(?<![\w#&]#)(\w+)"
# An HTML-like tag: ``<b>``, ``</a>``, ``<a href="...">``, ``<br/>``. ``<3`` is not one.
_TAG_PATTERN = r"</?[A-Za-z][A-Za-z0-9]*(?:\s[^<>]{0,500})?/?>"

_URL_RE = re.compile(_URL_PATTERN)  # for case-folded text
_URL_ANYCASE_RE = re.compile(_URL_PATTERN, re.IGNORECASE)  # slower: no literal prefix
_MENTION_RE = re.compile(_MENTION_PATTERN)
_HASHTAG_RE = re.compile(_HASHTAG_PATTERN)
_TAG_RE = re.compile(_TAG_PATTERN)

# Characters that may end a URL in text but are almost always sentence punctuation.
_URL_TRAILING = ".,;:!?…*"
_URL_BRACKETS = {")": "(", "]": "[", "}": "{"}
# Tokens longer than this are normalised but not remembered.
_MAX_CACHED_TOKEN = 64
_MAX_CACHED_TOKENS = 1 << 17
_MAX_CACHED_CHARS = 1 << 16


def _is_variation_selector(code: int) -> bool:
    return 0xFE00 <= code <= 0xFE0F or 0xE0100 <= code <= 0xE01EF


class _CharTable(dict[int, "str | None"]):
    """``str.translate`` table filled on first sight of each code point.

    Letters (L*), numbers (N*) and spacing or non-spacing combining marks
    (Mn, Mc) map to themselves; format characters (Cf: zero-width spaces and
    joiners, bidirectional marks and overrides, soft hyphens) and emoji
    variation selectors are deleted; everything else (punctuation, symbols
    including emoji, separators, controls, private-use, unassigned and
    surrogate code points, enclosing marks) becomes a space. The table is
    emptied when it grows past ``_MAX_CACHED_CHARS`` entries, so hostile text
    cycling through all of Unicode cannot grow it without bound.
    """

    __slots__ = ()

    def __missing__(self, code: int) -> str | None:
        char = chr(code)
        category = unicodedata.category(char)
        value: str | None
        if category == "Cf" or _is_variation_selector(code):
            value = None
        elif category[0] in "LN" or category in ("Mn", "Mc"):
            value = char
        else:
            value = " "
        if len(self) >= _MAX_CACHED_CHARS:
            self.clear()
        self[code] = value
        return value


_CHAR_TABLE = _CharTable()


class _TokenTable(dict[str, str]):
    """Normalised form of each white-space-delimited token, computed once.

    Comments repeat a small vocabulary, so normalising distinct tokens and
    joining the cached results is faster than translating every character of
    every text. The table is emptied when it grows past
    ``_MAX_CACHED_TOKENS`` entries; tokens longer than ``_MAX_CACHED_TOKEN``
    characters are not stored, which bounds its memory.
    """

    __slots__ = ()

    def __missing__(self, token: str) -> str:
        value = token.translate(_CHAR_TABLE)
        if not value.isascii():
            # Deleting format characters may bring a mark next to its letter:
            # recompose, then drop anything the recomposition produced.
            value = unicodedata.normalize("NFKC", value).casefold().translate(_CHAR_TABLE)
            value = unicodedata.normalize("NFKC", value)
        value = " ".join(value.split())
        if len(token) <= _MAX_CACHED_TOKEN:
            if len(self) >= _MAX_CACHED_TOKENS:
                self.clear()
            self[token] = value
        return value


_TOKEN_TABLE = _TokenTable()


def _has_url_hint(text: str) -> bool:
    """Cheap test that *text* may contain a URL (the regex is the real test)."""
    return "://" in text or "www." in text or "WWW." in text or "Www." in text


def _check_str(value: object, name: str, func: str) -> str:
    if not isinstance(value, str):
        raise ParameterError(
            f"The {name!r} parameter of {func} must be a str. Got {value!r} instead."
        )
    return value


def normalize_text(text: str) -> str:
    """Normalise comment text so that cosmetic variants of one message compare equal.

    Parameters
    ----------
    text : str
        Any Unicode text.

    Returns
    -------
    str
        Lower-case words of letters and digits separated by single spaces;
        empty when the text has no letter or digit outside URLs and mentions.

    Raises
    ------
    ParameterError
        If *text* is not a ``str``.

    Notes
    -----
    The steps, in order:

    1. HTML character references are decoded (``&amp;`` → ``&``, ``&#233;`` → ``é``).
    2. Unicode NFKC normalisation: composed accents, full-width and stylised
       letters (``ｆｒｅｅ``, ``𝐟𝐫𝐞𝐞``) and ligatures (``ﬁ``) become plain letters.
    3. Case folding (:meth:`str.casefold`, stronger than ``lower``: ``ß`` → ``ss``).
    4. URLs (``http://``, ``https://``, ``ftp://``, ``www.``), HTML-like tags
       (``<b>``, ``</a>``) and ``@mentions`` are removed. E-mail addresses are not
       mentions; their parts stay as words.
    5. Every character is classified by its Unicode general category. Letters,
       digits and combining marks are kept. Format characters (zero-width space
       U+200B, joiners, bidirectional marks and overrides such as U+200F and
       U+202E, soft hyphen) and emoji variation selectors are *deleted*, so
       ``hel<U+200B>lo`` gives ``hello``. Everything else — punctuation
       (including ``« »``, ``’``, ``'`` and the ``#`` of hashtags, whose word is
       kept), symbols and emoji, controls, separators — becomes a space.
    6. When non-ASCII characters remain, NFKC and case folding again, so that
       marks freed by step 5 recompose with their letter and the function is
       idempotent: ``normalize_text(normalize_text(s)) == normalize_text(s)``.
    7. Runs of white space become one space; the ends are stripped.

    Steps 5 to 7 are computed once per distinct white-space-delimited token
    and cached, since comments repeat a small vocabulary.

    Accents are deliberately *kept*: in French they distinguish words
    (``côte``/``cote``/``côté``, ``où``/``ou``, ``à``/``a``) and an operation
    that copies a message keeps its accents. Texts differing only in accents
    are linked by the ``near_text`` layer instead.

    Apostrophes split words (``l’homme`` and ``l'homme`` both give ``l homme``).

    Examples
    --------
    >>> normalize_text("Honte à vous, M. le Député !!! 😡😡 https://t.co/xyz")
    'honte à vous m le député'
    >>> normalize_text("«\u00a0L’ÉLITE\u00a0» ment… #Corruption @MP_Smith")
    'l élite ment corruption'
    >>> normalize_text("hel\u200blo\u200f WORLD")
    'hello world'
    >>> normalize_text("🙏🙏🙏")
    ''
    """
    _check_str(text, "text", "normalize_text")
    if "&" in text:
        text = html.unescape(text)
    text = unicodedata.normalize("NFKC", text).casefold()
    if "://" in text or "www." in text:
        text = _URL_RE.sub(" ", text)
    if "<" in text:
        text = _TAG_RE.sub(" ", text)
    if "@" in text:
        text = _MENTION_RE.sub(" ", text)
    # Steps 5-7 are applied per token and cached: white space maps to a space
    # anyway, so splitting first gives the same result.
    return " ".join(filter(None, map(_TOKEN_TABLE.__getitem__, text.split())))


def text_fingerprint(text: str) -> str | None:
    """Return a short stable key of the normalised text, or None when it is empty.

    Parameters
    ----------
    text : str
        Any Unicode text.

    Returns
    -------
    str or None
        16 lower-case hexadecimal characters, or None when
        :func:`normalize_text` returns an empty string (emoji-only comments,
        bare links or mentions carry no text to compare).

    Raises
    ------
    ParameterError
        If *text* is not a ``str``.

    Notes
    -----
    The key is the 64-bit BLAKE2b digest [1]_ of the UTF-8 encoding of
    ``normalize_text(text)``. Unlike Python's ``hash``, it does not depend on
    the process (no hash randomisation), the platform or the Python version,
    so keys computed in different runs or on different machines can be
    joined. With :math:`n` distinct texts, the chance that two collide is
    about :math:`n^2 / 2^{65}`, below :math:`10^{-6}` for :math:`n = 10^6`.

    References
    ----------
    .. [1] Aumasson, Neves, Wilcox-O'Hearn & Winnerlein (2013), "BLAKE2:
       simpler, smaller, fast as MD5", ACNS 2013, doi:10.1007/978-3-642-38980-1_8.

    Examples
    --------
    >>> text_fingerprint("Thank you!") == text_fingerprint("THANK  YOU 🙏")
    True
    >>> len(text_fingerprint("Merci"))
    16
    >>> text_fingerprint("👍 https://example.com") is None
    True
    """
    _check_str(text, "text", "text_fingerprint")
    normalized = normalize_text(text)
    if not normalized:
        return None
    return hashlib.blake2b(normalized.encode("utf-8"), digest_size=_FINGERPRINT_BYTES).hexdigest()


# --------------------------------------------------------------------------- batches
#
# Text layers of large data sets normalise hundreds of thousands of distinct
# texts. Most of them are plain ASCII without markup, for which normalize_text
# reduces to "lower-case, turn every character but letters and digits into a
# space, collapse spaces": one table look-up and two masks over all the texts
# at once (numpy), instead of a dozen Python calls per text.

#: ASCII substrings that start steps 1 and 4 of normalize_text (HTML character
#: references, tags, mentions, URLs), looked for in lower-cased text.
_SHORTCUT_BLOCKERS = ("&", "<", "@", "://", "www.")
#: Separates the texts of a batch in one buffer; texts holding it take the slow path.
_SEPARATOR = "\x00"
#: Most texts, and most characters, normalised per vectorised pass (bounds the
#: temporary buffers to a few times 16 MB, however long the texts).
_SHORTCUT_CHUNK = 1 << 16
_SHORTCUT_CHARS = 1 << 24
_BLAKE2B_64 = partial(hashlib.blake2b, digest_size=_FINGERPRINT_BYTES)
_DIGEST = methodcaller("digest")


def _shortcut_table() -> NDArray[np.uint8]:
    """Byte value → its normalised ASCII form: lower-case letter or digit, else space.

    Derived from the character table of normalize_text itself, so the two
    cannot disagree; NUL maps to itself (it separates texts in a batch buffer).
    """
    table = np.full(256, ord(" "), dtype=np.uint8)
    for code in range(1, 128):
        kept = _CHAR_TABLE[ord(chr(code).lower())]
        if kept is not None:  # ASCII has no format character, so never None
            table[code] = ord(kept)
    table[0] = 0
    return table


_SHORTCUT_TABLE = _shortcut_table()


def _collapse(joined: str) -> bytes:
    """Normal forms of NUL-separated ASCII texts, still NUL-separated.

    Maps every byte through the shortcut table, then keeps a space only right
    after a letter or digit (collapsing runs and dropping leading spaces) and
    drops a kept space that ends its text.
    """
    codes = _SHORTCUT_TABLE[np.frombuffer(joined.encode("ascii"), dtype=np.uint8)]
    word = codes > ord(" ")
    after_word = np.zeros_like(word)
    after_word[1:] = word[:-1]
    codes = codes[word | after_word | (codes == 0)]
    trailing = codes == ord(" ")
    trailing[:-1] &= codes[1:] == 0
    result: bytes = codes[~trailing].tobytes()
    return result


def _found(joined: str, ends: NDArray[np.int64], needles: Sequence[str]) -> NDArray[np.bool_]:
    """Which of the texts joined (one separator after each) contain one of *needles*.

    ``ends[i]`` is the position of the separator after text ``i``. Each search
    skips to the next text after a hit, so the cost is one scan per needle plus
    one step per text that has it.
    """
    found = np.zeros(ends.shape[0], dtype=bool)
    for needle in needles:
        at = joined.find(needle)
        while at >= 0:
            i = int(np.searchsorted(ends, at))
            found[i] = True
            at = joined.find(needle, int(ends[i]) + 1)
    return found


def _shortcut(
    texts: Sequence[str],
) -> tuple[str, NDArray[np.int64], NDArray[np.int64], NDArray[np.bool_]]:
    """Find the texts of *texts* that need no more than the shortcut.

    A text qualifies when it is ASCII, holds no NUL and, once lower-cased, none
    of ``_SHORTCUT_BLOCKERS``: then steps 1, 4 and 6 of normalize_text do
    nothing, NFKC leaves it unchanged and case folding is ``str.lower``.

    Returns the ASCII texts without NUL (the candidates), lower-cased and each
    followed by NUL, in one string; the position of each candidate in *texts*;
    the position of the NUL after it; and whether it qualifies.
    """
    positions = list(compress(count(), map(str.isascii, texts)))
    candidates = [texts[i] for i in positions]
    joined = _SEPARATOR.join(candidates) + _SEPARATOR
    if joined.count(_SEPARATOR) > len(candidates):  # some texts hold NUL: leave them out
        clean = [_SEPARATOR not in text for text in candidates]
        positions = list(compress(positions, clean))
        candidates = list(compress(candidates, clean))
        joined = _SEPARATOR.join(candidates) + _SEPARATOR
    joined = joined.lower()
    lengths = np.fromiter(map(len, candidates), dtype=np.int64, count=len(candidates))
    ends = np.cumsum(lengths + 1) - 1
    usable = ~_found(joined, ends, _SHORTCUT_BLOCKERS)
    return joined, np.asarray(positions, dtype=np.int64), ends, usable


def _chunks(texts: Sequence[str]) -> list[tuple[int, int]]:
    """Consecutive ``(start, stop)`` slices of *texts*, each within both chunk limits.

    A slice holds at most ``_SHORTCUT_CHUNK`` texts and ``_SHORTCUT_CHARS``
    characters, or a single longer text.
    """
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    total = np.cumsum(lengths)
    slices = []
    start = 0
    while start < len(texts):
        before = int(total[start - 1]) if start else 0
        stop = int(np.searchsorted(total, before + _SHORTCUT_CHARS, side="right"))
        stop = min(max(stop, start + 1), start + _SHORTCUT_CHUNK)
        slices.append((start, stop))
        start = stop
    return slices


def _normal_forms_utf8(texts: Sequence[str]) -> list[bytes]:
    """UTF-8 encoding of ``normalize_text`` of every text of *texts* (all str), in order."""
    forms = np.empty(len(texts), dtype=object)
    done = np.zeros(len(texts), dtype=bool)
    for start, stop in _chunks(texts):
        joined, positions, _, usable = _shortcut(texts[start:stop])
        if usable.any():
            where = positions[usable] + start
            chunk = _collapse(joined).split(b"\x00")
            forms[where] = list(compress(chunk, usable.tolist()))
            done[where] = True
    for i in np.flatnonzero(~done).tolist():
        forms[i] = normalize_text(texts[i]).encode("utf-8")
    result: list[bytes] = forms.tolist()
    return result


def _run_now(function: Any, *args: Any) -> Future[Any]:
    """``function(*args)`` called now, as a finished future: ``submit`` without threads."""
    future: Future[Any] = Future()
    future.set_result(function(*args))
    return future


def _fingerprint_values(texts: Sequence[str]) -> tuple[NDArray[np.uint64], NDArray[np.bool_]]:
    """:func:`text_fingerprint` of every text of *texts* (all str) as integers.

    Returns the digests read as big-endian unsigned 64-bit integers (so that
    their order is the order of the hexadecimal keys) and whether each text has
    one (a non-empty normal form); the value is 0 where it has none. Large
    batches use the compiled kernel when numba works, else :mod:`hashlib`.
    """
    kernel = _fingerprint_kernel() if len(texts) >= _KERNEL_MIN_TEXTS else None
    if kernel is None:
        forms = _normal_forms_utf8(texts)
        has = np.fromiter(map(len, forms), dtype=np.int64, count=len(forms)) > 0
        values = np.zeros(len(forms), dtype=np.uint64)
        digests = b"".join(map(_DIGEST, map(_BLAKE2B_64, compress(forms, has))))
        values[has] = np.frombuffer(digests, dtype=">u8")
        return values, has
    values = np.zeros(len(texts), dtype=np.uint64)
    has = np.zeros(len(texts), dtype=bool)
    done = np.zeros(len(texts), dtype=bool)
    chunks = _chunks(texts)
    # The kernel releases the GIL: with several chunks and CPUs, one thread hashes a
    # chunk while this one prepares the next (the shortcut is Python string work).
    threaded = len(chunks) > 1 and (os.cpu_count() or 1) > 1
    with ThreadPoolExecutor(max_workers=1) if threaded else nullcontext() as pool:
        submit = pool.submit if pool is not None else _run_now
        pending = []
        for start, stop in chunks:
            joined, positions, ends, usable = _shortcut(texts[start:stop])
            if usable.any():
                where = positions[usable] + start
                buffer = np.frombuffer(joined.encode("ascii"), dtype=np.uint8)
                begin = np.append(0, ends[:-1] + 1)[usable]
                iv, sigma = _BLAKE2B
                job = submit(kernel, buffer, begin, ends[usable], _SHORTCUT_TABLE, iv, sigma)
                pending.append((where, job))
        for where, job in pending:
            values[where], has[where] = job.result()
            done[where] = True
    rest = np.flatnonzero(~done)
    if rest.shape[0]:
        forms = [normalize_text(texts[i]).encode("utf-8") for i in rest.tolist()]
        lengths = np.fromiter(map(len, forms), dtype=np.int64, count=len(forms))
        ends = np.cumsum(lengths)
        buffer = np.frombuffer(b"".join(forms), dtype=np.uint8)
        values[rest], has[rest] = kernel(buffer, ends - lengths, ends, _IDENTITY_TABLE, *_BLAKE2B)
    return values.byteswap(), has


# --------------------------------------------------------------------------- BLAKE2b kernel
#
# BLAKE2b with an 8-byte digest and no key (RFC 7693), compiled with numba: the
# per-text cost of hashlib (a Python call, an object, a bytes result) dominates
# fingerprinting large batches. The kernel first normalises each text's bytes
# through a table (the shortcut table for plain ASCII texts, the identity for
# texts already normalised), so that a batch needs no Python object per text.

_BLAKE2B_IV = np.array(
    [
        0x6A09E667F3BCC908,
        0xBB67AE8584CAA73B,
        0x3C6EF372FE94F82B,
        0xA54FF53A5F1D36F1,
        0x510E527FADE682D1,
        0x9B05688C2B3E6C1F,
        0x1F83D9ABFB41BD6B,
        0x5BE0CD19137E2179,
    ],
    dtype=np.uint64,
)
_BLAKE2B_SIGMA = np.array(
    [
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15],
        [14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3],
        [11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4],
        [7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8],
        [9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13],
        [2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9],
        [12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11],
        [13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10],
        [6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5],
        [10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0],
    ]
    * 2,
    dtype=np.int64,
)[:12]
#: Parameter block word 0 for an 8-byte digest without key: digest length, key length 0,
#: fan-out 1, depth 1.
_BLAKE2B_PARAM = 0x01010000 | _FINGERPRINT_BYTES
_BLAKE2B = (_BLAKE2B_IV, _BLAKE2B_SIGMA)
_IDENTITY_TABLE = np.arange(256, dtype=np.uint8)
#: Fewest texts for which fingerprinting uses the compiled kernel (below: hashlib).
_KERNEL_MIN_TEXTS = 100_000


def _blake2b_normalised(
    buffer: NDArray[np.uint8],
    begin: NDArray[np.int64],
    end: NDArray[np.int64],
    table: NDArray[np.uint8],
    iv: NDArray[np.uint64],
    sigma: NDArray[np.int64],
) -> tuple[NDArray[np.uint64], NDArray[np.bool_]]:
    """BLAKE2b-64 of each text ``buffer[begin[i]:end[i]]`` once normalised through *table*.

    Normalising maps every byte through *table*, then drops the spaces (32)
    that start or end the text or follow another space. Returns the first 8
    digest bytes read as a little-endian integer (0 for an empty normal form)
    and whether the normal form is non-empty. Plain Python, compiled by numba
    (little-endian machines only: message words are read through a view).
    """

    def rotr(x: np.uint64, n: int) -> np.uint64:
        return (x >> np.uint64(n)) | (x << np.uint64(64 - n))

    n = begin.shape[0]
    out = np.zeros(n, dtype=np.uint64)
    has = np.zeros(n, dtype=np.bool_)
    longest = 0
    for i in range(n):
        longest = max(longest, end[i] - begin[i])
    scratch = np.zeros((longest // 128 + 2) * 128, dtype=np.uint8)
    words = scratch.view(np.uint64)
    space = np.uint8(32)
    for i in range(n):
        size = 0
        pending = False
        for p in range(begin[i], end[i]):
            c = table[buffer[p]]
            if c == space:
                pending = size > 0
                continue
            if pending:
                scratch[size] = space
                size += 1
                pending = False
            scratch[size] = c
            size += 1
        if size == 0:
            continue
        blocks = (size + 127) // 128
        scratch[size : blocks * 128] = 0
        h0, h1, h2, h3 = iv[0] ^ np.uint64(_BLAKE2B_PARAM), iv[1], iv[2], iv[3]
        h4, h5, h6, h7 = iv[4], iv[5], iv[6], iv[7]
        for block in range(blocks):
            m = words[block * 16 : block * 16 + 16]
            v0, v1, v2, v3, v4, v5, v6, v7 = h0, h1, h2, h3, h4, h5, h6, h7
            v8, v9, v10, v11 = iv[0], iv[1], iv[2], iv[3]
            v12 = iv[4] ^ np.uint64(min(size, block * 128 + 128))  # bytes hashed so far
            v13, v14, v15 = iv[5], iv[6], iv[7]
            if block == blocks - 1:
                v14 = ~v14
            for r in range(12):
                s = sigma[r]
                # G on the columns, then on the diagonals (RFC 7693, section 3.2).
                v0 = v0 + v4 + m[s[0]]
                v12 = rotr(v12 ^ v0, 32)
                v8 = v8 + v12
                v4 = rotr(v4 ^ v8, 24)
                v0 = v0 + v4 + m[s[1]]
                v12 = rotr(v12 ^ v0, 16)
                v8 = v8 + v12
                v4 = rotr(v4 ^ v8, 63)
                v1 = v1 + v5 + m[s[2]]
                v13 = rotr(v13 ^ v1, 32)
                v9 = v9 + v13
                v5 = rotr(v5 ^ v9, 24)
                v1 = v1 + v5 + m[s[3]]
                v13 = rotr(v13 ^ v1, 16)
                v9 = v9 + v13
                v5 = rotr(v5 ^ v9, 63)
                v2 = v2 + v6 + m[s[4]]
                v14 = rotr(v14 ^ v2, 32)
                v10 = v10 + v14
                v6 = rotr(v6 ^ v10, 24)
                v2 = v2 + v6 + m[s[5]]
                v14 = rotr(v14 ^ v2, 16)
                v10 = v10 + v14
                v6 = rotr(v6 ^ v10, 63)
                v3 = v3 + v7 + m[s[6]]
                v15 = rotr(v15 ^ v3, 32)
                v11 = v11 + v15
                v7 = rotr(v7 ^ v11, 24)
                v3 = v3 + v7 + m[s[7]]
                v15 = rotr(v15 ^ v3, 16)
                v11 = v11 + v15
                v7 = rotr(v7 ^ v11, 63)
                v0 = v0 + v5 + m[s[8]]
                v15 = rotr(v15 ^ v0, 32)
                v10 = v10 + v15
                v5 = rotr(v5 ^ v10, 24)
                v0 = v0 + v5 + m[s[9]]
                v15 = rotr(v15 ^ v0, 16)
                v10 = v10 + v15
                v5 = rotr(v5 ^ v10, 63)
                v1 = v1 + v6 + m[s[10]]
                v12 = rotr(v12 ^ v1, 32)
                v11 = v11 + v12
                v6 = rotr(v6 ^ v11, 24)
                v1 = v1 + v6 + m[s[11]]
                v12 = rotr(v12 ^ v1, 16)
                v11 = v11 + v12
                v6 = rotr(v6 ^ v11, 63)
                v2 = v2 + v7 + m[s[12]]
                v13 = rotr(v13 ^ v2, 32)
                v8 = v8 + v13
                v7 = rotr(v7 ^ v8, 24)
                v2 = v2 + v7 + m[s[13]]
                v13 = rotr(v13 ^ v2, 16)
                v8 = v8 + v13
                v7 = rotr(v7 ^ v8, 63)
                v3 = v3 + v4 + m[s[14]]
                v14 = rotr(v14 ^ v3, 32)
                v9 = v9 + v14
                v4 = rotr(v4 ^ v9, 24)
                v3 = v3 + v4 + m[s[15]]
                v14 = rotr(v14 ^ v3, 16)
                v9 = v9 + v14
                v4 = rotr(v4 ^ v9, 63)
            h0 ^= v0 ^ v8
            h1 ^= v1 ^ v9
            h2 ^= v2 ^ v10
            h3 ^= v3 ^ v11
            h4 ^= v4 ^ v12
            h5 ^= v5 ^ v13
            h6 ^= v6 ^ v14
            h7 ^= v7 ^ v15
        out[i] = h0
        has[i] = True
    return out, has


def _fingerprint_kernel() -> Any:
    """The numba-compiled :func:`_blake2b_normalised`, or None when numba is unusable.

    Compiled (or loaded from numba's cache) on the first call; numba's
    warnings are logged, not raised, and any failure falls back to hashlib.
    """
    return _FINGERPRINT_LOADED.get()


def _load_fingerprint_kernel() -> Any:
    if sys.byteorder != "little":  # the kernel reads message words through a view
        return None
    kernels = compile_kernels(
        globals(),
        ["_blake2b_normalised"],
        warm_up=_warm_up_fingerprint,
        purpose="text fingerprints",
        fallback="hashlib",
        log=logger,
    )
    return None if kernels is None else kernels["_blake2b_normalised"]


#: The compiled _blake2b_normalised (None when numba is unusable), loaded on first use.
_FINGERPRINT_LOADED: LazyKernels[Any] = LazyKernels(_load_fingerprint_kernel)


def _warm_up_fingerprint(kernels: dict[str, Any]) -> None:
    buffer = np.frombuffer(b"warm up", dtype=np.uint8)
    bounds = np.array([0], dtype=np.int64), np.array([7], dtype=np.int64)
    kernels["_blake2b_normalised"](buffer, *bounds, _SHORTCUT_TABLE, *_BLAKE2B)


def _hex_keys(values: NDArray[np.uint64]) -> NDArray[np.object_]:
    """16-character lower-case hexadecimal strings of *values* (object array of str)."""
    text = values.astype(">u8").tobytes().hex().encode("ascii")
    return np.frombuffer(text, dtype="S16").astype("U16").astype(object)


def _first_seen_codes(values: Sequence[object]) -> tuple[list[object], NDArray[np.int64]]:
    """Distinct *values* in order of first appearance, and each value's index in them.

    Raises TypeError when a value is unhashable. Values are compared as dict
    keys (``1 == 1.0 == True``): callers check the distinct values' types.
    """
    first: dict[object, int] = {}
    seen = np.fromiter(map(first.setdefault, values, count()), dtype=np.int64, count=len(values))
    starts = np.fromiter(first.values(), dtype=np.int64, count=len(first))
    rank = np.empty(len(values), dtype=np.int64)
    rank[starts] = np.arange(len(first), dtype=np.int64)
    return list(first), rank[seen]


def _check_batch(texts: object, func: str, *, none: bool) -> list[object]:
    """The texts as a list, after checking that each is a str (or None when *none*)."""
    expected = "an iterable of str (or None)" if none else "an iterable of str"
    if isinstance(texts, str | bytes) or not isinstance(texts, Iterable):
        raise ParameterError(
            f"The 'texts' parameter of {func} must be {expected}. Got {texts!r:.80} instead."
        )
    values = list(texts)
    for position, value in enumerate(values):
        if not isinstance(value, str) and not (none and value is None):
            raise ParameterError(
                f"The 'texts' parameter of {func} must be {expected}. "
                f"Got {value!r:.80} at position {position} instead."
            )
    return values


def normalize_texts(texts: Iterable[str]) -> list[str]:
    """Normalise many texts at once: :func:`normalize_text` of each, much faster.

    Parameters
    ----------
    texts : iterable of str
        Any Unicode texts, for example a list, a 1-D object array or the
        distinct texts of a data set.

    Returns
    -------
    list of str
        ``normalize_text(t)`` for every ``t`` in *texts*, in order.

    Raises
    ------
    ParameterError
        If *texts* is a single string or holds something other than a ``str``.

    Notes
    -----
    The result is exactly ``[normalize_text(t) for t in texts]``; only the
    cost differs. Each distinct text is normalised once. Distinct texts that
    are plain ASCII, with no ``&``, ``<``, ``@``, ``://`` or ``www.`` (in any
    case) and no NUL, need none of the HTML, NFKC, URL, tag and mention steps:
    for them :func:`normalize_text` only lower-cases, turns every character
    other than a letter or a digit into a space and collapses the spaces. Those
    texts are joined into one buffer and normalised with a byte-table look-up
    and two vectorised masks, in chunks of at most 65,536 texts and 16 million
    characters; every other text goes through :func:`normalize_text` itself.

    A layer computed from the normalised texts (exact duplicates, near
    duplicates) should call this once on the distinct texts and share the
    result, rather than normalise every record.

    Examples
    --------
    >>> normalize_texts(["Thank you, MP!!", "THANK   you mp 🙏", "Voir www.ex.com #Député"])
    ['thank you mp', 'thank you mp', 'voir député']
    """
    values = _check_batch(texts, "normalize_texts", none=False)
    distinct, code = _first_seen_codes(values)
    forms = np.empty(len(distinct), dtype=object)
    forms[:] = [form.decode("utf-8") for form in _normal_forms_utf8(distinct)]  # type: ignore[arg-type]
    result: list[str] = forms[code].tolist()
    return result


def text_fingerprints(texts: Iterable[str | None]) -> NDArray[np.object_]:
    """Return :func:`text_fingerprint` of every text, computing each distinct text once.

    Parameters
    ----------
    texts : iterable of str or None
        Comment texts, for example a list or a 1-D object array. None (no
        text) gives None.

    Returns
    -------
    ndarray of object, shape (n_texts,)
        Per text, its fingerprint (16 lower-case hexadecimal characters) or
        None, when the text is None or its normal form is empty.

    Raises
    ------
    ParameterError
        If *texts* is a single string or holds something other than a ``str``
        or None.

    Notes
    -----
    The result equals ``[text_fingerprint(t) for t in texts]`` (None for
    None): the 64-bit BLAKE2b digest [1]_ of the UTF-8 normal form. The texts
    are normalised with :func:`normalize_texts` (each distinct text once, plain
    ASCII texts in one vectorised pass) and each distinct non-empty normal
    form is hashed once, so the cost grows with the number of distinct texts.

    References
    ----------
    .. [1] Aumasson, Neves, Wilcox-O'Hearn & Winnerlein (2013), "BLAKE2:
       simpler, smaller, fast as MD5", ACNS 2013, doi:10.1007/978-3-642-38980-1_8.

    Examples
    --------
    >>> keys = text_fingerprints(["Thank you!", None, "THANK  YOU 🙏", "🙏"])
    >>> bool(keys[0] == keys[2]), keys[1], keys[3]
    (True, None, None)
    >>> keys[0] == text_fingerprint("Thank you!")
    True
    """
    values = _check_batch(texts, "text_fingerprints", none=True)
    distinct, code = _first_seen_codes(values)
    present = [text is not None for text in distinct]
    numbers, has = _fingerprint_values(list(compress(distinct, present)))  # type: ignore[arg-type]
    keys = np.full(len(distinct), None, dtype=object)
    keys[np.flatnonzero(present)[has]] = _hex_keys(numbers[has])
    result: NDArray[np.object_] = keys[code]
    return result


def _remove_urls(text: str) -> str:
    return _URL_ANYCASE_RE.sub(" ", text) if _has_url_hint(text) else text


def _trim_url(url: str) -> str:
    """Drop sentence punctuation and unbalanced closing brackets that end *url*."""
    while url:
        last = url[-1]
        unbalanced = last in _URL_BRACKETS and url.count(last) > url.count(_URL_BRACKETS[last])
        if last not in _URL_TRAILING and not unbalanced:
            break
        url = url[:-1]
    return url


def extract_urls(text: str) -> tuple[str, ...]:
    """Return the URLs found in *text*, in order of appearance.

    Parameters
    ----------
    text : str
        Any Unicode text.

    Returns
    -------
    tuple of str
        URLs as written (not normalised; see :func:`normalize_url`), duplicates
        included.

    Raises
    ------
    ParameterError
        If *text* is not a ``str``.

    Notes
    -----
    A URL starts with ``http://``, ``https://``, ``ftp://`` (in any case) or
    ``www.`` (lower, upper or title case) and runs
    until white space, a quote (including ``« »`` and typographic quotes) or an
    angle bracket. Trailing sentence punctuation (``. , ; : ! ? …``) and closing
    brackets without a matching opening one are not part of it. Bare domains
    without ``www.`` (``example.com/page``) are not recognised: too many
    ordinary words contain dots. The text is NFKC-normalised first, so
    full-width look-alikes (``ｈｔｔｐｓ：／／``) are found too.

    Examples
    --------
    >>> extract_urls("Voir https://ex.com/a?utm_source=fb. Et (www.ex.org/b).")
    ('https://ex.com/a?utm_source=fb', 'www.ex.org/b')
    >>> extract_urls("no link here, just name@example.com")
    ()
    """
    _check_str(text, "text", "extract_urls")
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
    if not _has_url_hint(text):
        return ()
    found = (_trim_url(m.group(0)) for m in _URL_ANYCASE_RE.finditer(text))
    return tuple(url for url in found if url)


def normalize_url(url: str) -> str:
    """Return a canonical form of *url*, so that links to one page compare equal.

    Parameters
    ----------
    url : str
        An absolute URL, or one starting with ``www.``.

    Returns
    -------
    str
        The canonical URL.

    Raises
    ------
    ParameterError
        If *url* is not a ``str``.

    Notes
    -----
    Surrounding white space is stripped; a URL starting with ``www.`` gets the
    scheme ``https://``. Then, with :mod:`urllib.parse`:

    - the scheme and the host are lower-cased and a leading ``www.`` is dropped
      from the host;
    - the default port of the scheme (80, 443, 21) is dropped;
    - the fragment (``#...``) is dropped;
    - tracking query parameters are dropped: every name starting with one of
      :data:`TRACKING_PREFIXES` (``utm_``) or in :data:`TRACKING_PARAMETERS`
      (``fbclid``, ``gclid``, ``igshid``, ``ref``, ``si``, ``mc_cid``, ...),
      compared case-insensitively;
    - the remaining parameters are sorted (by name, then value) and
      re-encoded, so their order and percent-encoding do not matter;
    - a trailing ``/`` of the path is dropped.

    The path keeps its case (many servers are case-sensitive), and ``http`` and
    ``https`` stay distinct. Text that cannot be parsed as a URL (an invalid
    IPv6 host or port) is returned stripped but otherwise unchanged.

    Examples
    --------
    >>> normalize_url("HTTPS://WWW.Example.com:443/News/?utm_source=fb&b=2&a=1#top")
    'https://example.com/News?a=1&b=2'
    >>> normalize_url("www.example.com/")
    'https://example.com'
    """
    _check_str(url, "url", "normalize_url")
    url = url.strip()
    if url[:4].lower() == "www.":
        url = "https://" + url
    try:
        parts = urlsplit(url)
        port = parts.port
        host = parts.hostname
    except ValueError:
        return url
    scheme = parts.scheme.lower()
    netloc = ""
    if host is not None:
        host = host.removeprefix("www.")
        if ":" in host:  # IPv6 literal
            host = f"[{host}]"
        userinfo = parts.netloc.rpartition("@")[0] if "@" in parts.netloc else ""
        netloc = (userinfo + "@" if userinfo else "") + host
        if port is not None and port != _DEFAULT_PORTS.get(scheme):
            netloc += f":{port}"
    query = ""
    if parts.query:
        pairs = [
            (name, value)
            for name, value in parse_qsl(parts.query, keep_blank_values=True)
            if not _is_tracking(name)
        ]
        query = urlencode(sorted(pairs))
    path = parts.path.rstrip("/")
    return urlunsplit((scheme, netloc, path, query, ""))


def _is_tracking(name: str) -> bool:
    folded = name.casefold()
    return folded in TRACKING_PARAMETERS or folded.startswith(TRACKING_PREFIXES)


def _clean_tag(value: str, sigil: str) -> str:
    """NFKC, casefold and strip *value* and its leading *sigil* (``#`` or ``@``)."""
    value = unicodedata.normalize("NFKC", value).strip()
    return value.lstrip(sigil).strip().casefold()


def extract_hashtags(text: str) -> tuple[str, ...]:
    """Return the hashtags of *text*, without ``#``, case-folded, in order.

    Parameters
    ----------
    text : str
        Any Unicode text.

    Returns
    -------
    tuple of str
        Hashtags in order of appearance, duplicates included.

    Raises
    ------
    ParameterError
        If *text* is not a ``str``.

    Notes
    -----
    The text is NFKC-normalised and its URLs removed (a URL fragment such as
    ``/#section`` is not a hashtag). A hashtag is ``#`` followed by Unicode word
    characters (letters with their accents, digits, ``_``), not preceded by a
    word character, ``#`` or ``&`` (so ``&#39;`` and ``C#`` are not hashtags),
    and not made of digits only (``#1``).

    Examples
    --------
    >>> extract_hashtags("#Député #DEEPFAKE, #1 fan, C# #Québec2024")
    ('député', 'deepfake', 'québec2024')
    """
    _check_str(text, "text", "extract_hashtags")
    if "#" not in text and "＃" not in text and "﹟" not in text:
        return ()
    text = _remove_urls(unicodedata.normalize("NFKC", text))
    tags = (m.group(1).casefold() for m in _HASHTAG_RE.finditer(text))
    return tuple(tag for tag in tags if not tag.isdigit())


def extract_mentions(text: str) -> tuple[str, ...]:
    """Return the ``@mentions`` of *text*, without ``@``, case-folded, in order.

    Parameters
    ----------
    text : str
        Any Unicode text.

    Returns
    -------
    tuple of str
        Handles in order of appearance, duplicates included.

    Raises
    ------
    ParameterError
        If *text* is not a ``str``.

    Notes
    -----
    The text is NFKC-normalised and its URLs removed (``medium.com/@name`` is a
    link, not a mention). A mention is ``@`` followed by word characters,
    possibly with inner dots (``@first.last``), not preceded by a word
    character, so e-mail addresses (``name@example.com``) are not mentions.

    Examples
    --------
    >>> extract_mentions("@MP_Smith @jean.dupont. write to office@example.com")
    ('mp_smith', 'jean.dupont')
    """
    _check_str(text, "text", "extract_mentions")
    if "@" not in text and "＠" not in text and "﹫" not in text:
        return ()
    text = _remove_urls(unicodedata.normalize("NFKC", text))
    return tuple(m.group(1).casefold() for m in _MENTION_RE.finditer(text))
