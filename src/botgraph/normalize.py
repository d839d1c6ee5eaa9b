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
"""

from __future__ import annotations

import hashlib
import html
import re
import unicodedata
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from botgraph.errors import ParameterError

__all__ = [
    "TRACKING_PARAMETERS",
    "TRACKING_PREFIXES",
    "extract_hashtags",
    "extract_mentions",
    "extract_urls",
    "normalize_text",
    "normalize_url",
    "text_fingerprint",
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
