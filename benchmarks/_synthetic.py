"""Seeded synthetic comment data for the speed benchmark (``benchmarks/speed.py``).

Everything is drawn with numpy and assembled with pyarrow compute kernels, so that
10^7 records take seconds to generate and never pass through Python dicts. The
data are written once to Parquet (and, for coordination-network-toolkit, to its
CSV format) so that generation is never part of a measurement.

The world
---------
- ``n_records`` comments over ``days`` days (14) from about ``n_records / 20``
  accounts. Account activity is lognormal (heavy tailed: a few accounts post
  thousands of comments, most a handful).
- Times follow a diurnal rhythm (intensity ``1 + 0.6 sin(2 pi (h - 9) / 24)``, ``h``
  the UTC hour), as integer epoch seconds.
- ``text``: most comments are unique; a fraction repeat a popular phrase whose
  popularity is Zipf distributed ("Thank you!" is used by a tenth of all comments
  at the default settings). Texts are lower-case pseudo-words separated by single
  spaces, so botgraph's text fingerprint and coordination-network-toolkit's
  message preprocessor agree on which texts are equal.
- ``urls`` (a list, null when none), ``hashtags`` (a list, null when none):
  heavy-tailed popularity, already in normal form.
- ``target_id`` (one of a few hundred MPs) and ``post_id`` (Zipf popular posts,
  each belonging to one MP).
- Planted coordination: ``coordinated_fraction`` of the accounts (1 %) form
  groups of 20-50 that comment in *bursts*: about 80 % of a group post the
  same campaign text (often with the group's link and hashtags) on the same post
  within ``burst_spread`` seconds.

The pair count of a layer is ``sum_k n_k^2 * w / T`` to first order (``n_k`` events
of key ``k``, ``w`` the window, ``T`` the period): quadratic in the records for a
fixed period. The defaults put about 8 * 10^7 co-action pairs into the text
layer at 10^7 records and a 60 s window (the reference workload);
:func:`window_pairs` counts them exactly.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from numpy.typing import NDArray

__all__ = [
    "GENERATOR_VERSION",
    "LAYER_COLUMNS",
    "SyntheticSpec",
    "cached_parquet",
    "describe",
    "generate",
    "hash_text",
    "layer_events",
    "layer_keys",
    "read_layer_table",
    "window_pairs",
    "with_seed",
    "write_cnt_csv",
]

#: Bumped whenever the generator's output for a given spec changes (invalidates caches).
GENERATOR_VERSION = 1

_START = 1_709_510_400  # 2024-03-04T00:00:00Z, a Monday
_DAY = 86_400
_WORDS = 4096  # pseudo-word vocabulary: three words encode 4096**3 distinct texts


@dataclass(frozen=True, slots=True)
class SyntheticSpec:
    """Parameters of the synthetic world; see the module docstring.

    Attributes
    ----------
    n_records : int
        Records to generate (exactly).
    seed : int
        Seed of ``numpy.random.default_rng``; the same spec gives the same table.
    days : float
        Observation period in days.
    records_per_account : float
        Mean records per account (accounts = ``n_records / records_per_account``).
    activity_sigma : float
        Sigma of the lognormal account activity.
    phrase_share, phrase_zipf, phrases_per_record
        Share of organic comments that repeat a popular phrase; Zipf exponent of
        phrase popularity; phrase vocabulary size per record (at least 200).
    url_share, url_zipf, urls_per_record
        Share of comments with links (a tenth of them two); Zipf exponent; link
        vocabulary per record.
    hashtag_share, hashtag_zipf, hashtags_base, hashtags_per_record
        Share of comments with hashtags (1 to 3); Zipf exponent; vocabulary
        ``hashtags_base + n_records * hashtags_per_record``.
    n_targets, post_zipf, posts_per_record
        MPs commented on; Zipf exponent of post popularity; posts per record.
    coordinated_fraction, group_min, group_max
        Share of accounts in coordinated groups, and the group size range.
    campaign_share, burst_participation, burst_spread
        Share of records that are campaign comments; share of a group posting in
        each burst; seconds over which a burst's comments spread.
    """

    n_records: int
    seed: int = 0
    days: float = 14.0
    records_per_account: float = 20.0
    activity_sigma: float = 1.3
    phrase_share: float = 0.39
    phrase_zipf: float = 1.3
    phrases_per_record: float = 0.01
    url_share: float = 0.2
    url_zipf: float = 1.1
    urls_per_record: float = 0.05
    hashtag_share: float = 0.2
    hashtag_zipf: float = 1.0
    hashtags_base: int = 2000
    hashtags_per_record: float = 0.002
    n_targets: int = 300
    post_zipf: float = 0.85
    posts_per_record: float = 0.02
    coordinated_fraction: float = 0.01
    group_min: int = 20
    group_max: int = 50
    campaign_share: float = 0.02
    burst_participation: float = 0.8
    burst_spread: int = 20

    def cache_name(self) -> str:
        """File stem naming this spec (records, seed, and a hash of the other fields)."""
        fields = asdict(self)
        del fields["n_records"], fields["seed"]
        defaults = asdict(SyntheticSpec(n_records=1))
        del defaults["n_records"], defaults["seed"]
        tag = ""
        if fields != defaults:
            text = json.dumps(fields, sort_keys=True)
            tag = "-" + format(abs(hash_text(text)), "x")[:10]
        return f"synthetic-v{GENERATOR_VERSION}-n{self.n_records}-s{self.seed}{tag}"


def hash_text(text: str) -> int:
    """A process-independent 64-bit hash of *text* (FNV-1a)."""
    h = 0xCBF29CE484222325
    for byte in text.encode("utf-8"):
        h = ((h ^ byte) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


# ------------------------------------------------------------------ samplers


def _zipf(rng: np.random.Generator, size: int, n_values: int, exponent: float) -> NDArray[Any]:
    """Ranks in ``[0, n_values)`` with ``P(k) ~ (k + 1) ** -exponent`` (exact, by inverse CDF)."""
    n_values = max(int(n_values), 1)
    weights = np.arange(1, n_values + 1, dtype=np.float64) ** -exponent
    cdf = np.cumsum(weights)
    cdf /= cdf[-1]
    return np.minimum(np.searchsorted(cdf, rng.random(size), side="right"), n_values - 1)


def _diurnal_seconds(rng: np.random.Generator, size: int, days: float) -> NDArray[np.int64]:
    """Integer seconds in ``[0, days * 86400)`` with a diurnal intensity."""
    second = np.arange(_DAY, dtype=np.float64)
    intensity = 1.0 + 0.6 * np.sin(2.0 * np.pi * (second / 3600.0 - 9.0) / 24.0)
    cdf = np.cumsum(intensity)
    cdf /= cdf[-1]
    of_day = np.searchsorted(cdf, rng.random(size), side="right")
    n_days = max(int(np.ceil(days)), 1)
    day = rng.integers(0, n_days, size)
    t = day.astype(np.int64) * _DAY + of_day.astype(np.int64)
    limit = int(days * _DAY)
    # Part-day periods: fold the overflow back into the period.
    return np.where(t < limit, t, t % max(limit, 1)).astype(np.int64)


def _pseudo_words() -> pa.Array:
    """4096 distinct lower-case pseudo-words (fixed, independent of the seed)."""
    consonants = list("bdfgklmnprstvz")
    vowels = list("aeiou")
    syllables = [c + v for c in consonants for v in vowels]  # 70
    words = [a + b for a in syllables for b in syllables][:_WORDS]  # 4900 available
    return pa.array(words, type=pa.string())


_PREFIXES = (
    "this is",
    "i think",
    "well done",
    "so true",
    "we need",
    "look at",
    "shame on",
    "thank you for",
)


def _texts(ids: NDArray[np.int64], kind: str) -> pa.Array:
    """Distinct texts for distinct non-negative *ids*: a prefix, three code words, a tail.

    About 12 words (60-70 characters), like a short comment.
    """
    words = _pseudo_words()
    prefixes = pa.array([f"{kind} {p}" for p in _PREFIXES], type=pa.string())
    parts = [prefixes.take(pa.array(ids % len(_PREFIXES)))]
    rest = ids.copy()
    for _ in range(3):
        parts.append(words.take(pa.array(rest % _WORDS)))
        rest //= _WORDS
    for j, prime in enumerate((7, 13, 31, 61, 127, 251, 509)):
        parts.append(words.take(pa.array((ids * prime + j) % _WORDS)))
    return pc.binary_join_element_wise(*parts, " ")


def _labels(prefix: str, ids: NDArray[np.int64]) -> pa.Array:
    """Strings ``prefix + str(id)`` for an integer array, vectorised."""
    as_text = pc.cast(pa.array(ids), pa.string())
    return pc.binary_join_element_wise(pa.scalar(prefix), as_text, "")


def _list_column(
    values: pa.Array, offsets: NDArray[np.int64], present: NDArray[np.bool_]
) -> pa.Array:
    """List array from flat *values* and *offsets*, null where not *present*."""
    return pa.ListArray.from_arrays(
        pa.array(offsets.astype(np.int32)), values, mask=pa.array(~present)
    )


# ------------------------------------------------------------------ generator


def generate(spec: SyntheticSpec) -> tuple[pa.Table, dict[str, Any]]:
    """Generate the records of *spec* as a pyarrow Table, sorted by time.

    Parameters
    ----------
    spec : SyntheticSpec
        World parameters; ``spec.seed`` fixes every draw.

    Returns
    -------
    table : pyarrow.Table
        Columns ``record_id`` (int64, unique), ``account_id`` (string),
        ``timestamp`` (int64 epoch seconds), ``text`` (string), ``urls`` and
        ``hashtags`` (list of string, null when none), ``target_id`` and
        ``post_id`` (string).
    info : dict
        Counts describing the data (accounts, coordinated accounts and groups,
        campaign records, distinct keys per layer).
    """
    n = int(spec.n_records)
    if n < 100:
        raise ValueError(f"n_records must be at least 100. Got {n} instead.")
    rng = np.random.default_rng(spec.seed)
    n_accounts = max(round(n / spec.records_per_account), 10)
    period = spec.days * _DAY

    # Coordinated groups (sizes 20-50) over a random subset of accounts.
    n_coordinated = max(round(n_accounts * spec.coordinated_fraction), spec.group_min)
    sizes: list[int] = []
    while sum(sizes) < n_coordinated:
        sizes.append(int(rng.integers(spec.group_min, spec.group_max + 1)))
    sizes[-1] -= sum(sizes) - n_coordinated
    if sizes[-1] < spec.group_min // 2 and len(sizes) > 1:
        last = sizes.pop()
        sizes[-1] += last
    members = rng.permutation(n_accounts)[: sum(sizes)]
    group_start = np.concatenate([[0], np.cumsum(sizes)[:-1]])

    # Campaign bursts: each burst, ~80 % of one group post within a few seconds.
    n_campaign_target = round(n * spec.campaign_share)
    size_arr = np.asarray(sizes, dtype=np.int64)
    per_burst = size_arr * spec.burst_participation
    bursts_per_group = np.maximum(
        np.round(n_campaign_target * size_arr / size_arr.sum() / per_burst).astype(np.int64), 1
    )
    burst_group = np.repeat(np.arange(len(sizes)), bursts_per_group)
    n_bursts = burst_group.shape[0]
    burst_time = _diurnal_seconds(rng, n_bursts, spec.days - 1.0 / 24)
    # Participation: every (burst, member) pair with probability burst_participation.
    member_count = size_arr[burst_group]
    slot_burst = np.repeat(np.arange(n_bursts), member_count)
    slot_member = np.arange(slot_burst.shape[0]) - np.repeat(
        np.cumsum(member_count) - member_count, member_count
    )
    take = rng.random(slot_burst.shape[0]) < spec.burst_participation
    slot_burst, slot_member = slot_burst[take], slot_member[take]
    if slot_burst.shape[0] > n // 2:  # tiny data: keep campaigns a minority
        keep = np.sort(rng.choice(slot_burst.shape[0], n // 2, replace=False))
        slot_burst, slot_member = slot_burst[keep], slot_member[keep]
    c_group = burst_group[slot_burst]
    c_account = members[group_start[c_group] + slot_member]
    c_time = burst_time[slot_burst] + rng.integers(0, spec.burst_spread + 1, slot_burst.shape[0])
    n_campaign = c_account.shape[0]
    n_organic = n - n_campaign

    # Organic records: lognormal account activity, diurnal times.
    activity = rng.lognormal(0.0, spec.activity_sigma, n_accounts)
    cdf = np.cumsum(activity)
    cdf /= cdf[-1]
    o_account = np.minimum(
        np.searchsorted(cdf, rng.random(n_organic), side="right"), n_accounts - 1
    )
    o_time = _diurnal_seconds(rng, n_organic, spec.days)

    # Text ids: phrases [0, n_phrases), campaign texts [n_phrases, +20 per group),
    # unique texts after that.
    n_phrases = max(int(n * spec.phrases_per_record), 200)
    phrase = rng.random(n_organic) < spec.phrase_share
    o_text = np.empty(n_organic, dtype=np.int64)
    o_text[phrase] = _zipf(rng, int(phrase.sum()), n_phrases, spec.phrase_zipf)
    texts_per_group = 20
    campaign_base = n_phrases
    unique_base = campaign_base + len(sizes) * texts_per_group
    o_text[~phrase] = unique_base + np.arange(int((~phrase).sum()), dtype=np.int64)
    burst_text = (
        campaign_base + burst_group * texts_per_group + rng.integers(0, texts_per_group, n_bursts)
    )
    c_text = burst_text[slot_burst]

    # Posts (each belongs to one MP) and targets.
    n_posts = max(int(n * spec.posts_per_record), 50)
    post_target = _zipf(rng, n_posts, spec.n_targets, 1.0)
    o_post = _zipf(rng, n_organic, n_posts, spec.post_zipf)
    burst_post = _zipf(rng, n_bursts, n_posts, spec.post_zipf)
    c_post = burst_post[slot_burst]

    # Links: organic Zipf over articles; bursts carry the group's link half the time.
    n_urls = max(int(n * spec.urls_per_record), 100)
    urls_per_group = 5
    has_url = rng.random(n_organic) < spec.url_share
    o_nurl = np.where(has_url, 1 + (rng.random(n_organic) < 0.1), 0).astype(np.int64)
    o_url_ids = _zipf(rng, int(o_nurl.sum()), n_urls, spec.url_zipf)
    burst_has_url = rng.random(n_bursts) < 0.5
    burst_url = n_urls + burst_group * urls_per_group + rng.integers(0, urls_per_group, n_bursts)
    c_nurl = burst_has_url[slot_burst].astype(np.int64)
    c_url_ids = burst_url[slot_burst][burst_has_url[slot_burst]]

    # Hashtags: organic 1-3 Zipf tags; bursts carry 1-2 of the group's 3 tags.
    n_tags = spec.hashtags_base + int(n * spec.hashtags_per_record)
    has_tag = rng.random(n_organic) < spec.hashtag_share
    o_ntag = np.where(has_tag, rng.integers(1, 4, n_organic), 0).astype(np.int64)
    o_tag_ids = _zipf(rng, int(o_ntag.sum()), n_tags, spec.hashtag_zipf)
    burst_ntag = rng.integers(1, 3, n_bursts)
    c_ntag = burst_ntag[slot_burst].astype(np.int64)
    c_tag_ids = (
        n_tags
        + np.repeat(c_group * 3, c_ntag)
        + (np.arange(int(c_ntag.sum())) - np.repeat(np.cumsum(c_ntag) - c_ntag, c_ntag))
    )

    # Assemble organic then campaign, then sort everything by time (stable).
    account = np.concatenate([o_account, c_account])
    time = np.concatenate([o_time, c_time]).astype(np.int64)
    text = np.concatenate([o_text, c_text])
    post = np.concatenate([o_post, c_post])
    nurl = np.concatenate([o_nurl, c_nurl])
    ntag = np.concatenate([o_ntag, c_ntag])
    url_flat = np.concatenate([o_url_ids, c_url_ids])
    tag_flat = np.concatenate([o_tag_ids, c_tag_ids])
    order = np.argsort(time, kind="stable")
    url_flat = _reorder_lists(url_flat, nurl, order)
    tag_flat = _reorder_lists(tag_flat, ntag, order)
    account, time, text, post = account[order], time[order], text[order], post[order]
    nurl, ntag = nurl[order], ntag[order]

    # Account labels: shuffled so that label order says nothing about activity.
    account_label = rng.permutation(n_accounts)
    text_distinct, text_code = np.unique(text, return_inverse=True)
    text_dictionary = _texts(text_distinct, "c")
    text_column = pc.take(text_dictionary, pa.array(text_code.reshape(-1)))

    table = pa.table(
        {
            "record_id": pa.array(np.arange(n, dtype=np.int64) * 7 + 1_000_003),
            "account_id": _labels("u", account_label[account]),
            "timestamp": pa.array(time + _START),
            "text": text_column,
            "urls": _list_column(
                _labels("https://news.example.org/a/", url_flat),
                np.concatenate([[0], np.cumsum(nurl)]),
                nurl > 0,
            ),
            "hashtags": _list_column(
                _labels("tag", tag_flat), np.concatenate([[0], np.cumsum(ntag)]), ntag > 0
            ),
            "target_id": _labels("mp", post_target[post]),
            "post_id": _labels("p", post),
        }
    )
    info = {
        "n_records": n,
        "n_accounts": n_accounts,
        "active_accounts": int(np.unique(account).shape[0]),
        "coordinated_accounts": int(sum(sizes)),
        "groups": len(sizes),
        "campaign_records": n_campaign,
        "bursts": int(n_bursts),
        "period_s": period,
        "distinct_texts": int(text_distinct.shape[0]),
        "records_with_urls": int((nurl > 0).sum()),
        "records_with_hashtags": int((ntag > 0).sum()),
    }
    return table, info


def _reorder_lists(
    flat: NDArray[np.int64], lengths: NDArray[np.int64], order: NDArray[np.int64]
) -> NDArray[np.int64]:
    """Flat list values reordered to follow the rows in *order*."""
    starts = np.cumsum(lengths) - lengths
    new_lengths = lengths[order]
    idx = np.repeat(starts[order], new_lengths) + (
        np.arange(int(new_lengths.sum()))
        - np.repeat(np.cumsum(new_lengths) - new_lengths, new_lengths)
    )
    return flat[idx]


# ------------------------------------------------------------------ keys and pair counts


def layer_keys(table: pa.Table, layer: str) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Integer key codes and event times of one layer, as botgraph's traces would emit.

    ``layer`` is ``"text"``, ``"url"``, ``"hashtag"`` or ``"target"``. The data are
    generated in normal form, so exact equality of the raw values is key equality.
    """
    key, time, _ = layer_events(table, layer)
    return key, time


#: Columns each layer's events need (besides ``timestamp``).
LAYER_COLUMNS = {
    "text": ("text",),
    "url": ("urls",),
    "hashtag": ("hashtags",),
    "target": ("target_id", "post_id"),
}


def read_layer_table(path: Path, layer: str) -> pa.Table:
    """The columns of the Parquet file *path* that one layer's events need."""
    columns = ["record_id", "account_id", "timestamp", *LAYER_COLUMNS[layer]]
    return pq.read_table(path, columns=columns)


def layer_events(
    table: pa.Table, layer: str
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]:
    """Key code, time and row of every event of *layer* (one per record and distinct key)."""
    time = np.asarray(table.column("timestamp").to_numpy(), dtype=np.int64)
    rows = np.arange(table.num_rows, dtype=np.int64)
    if layer in ("text", "target"):
        column = (
            table.column("text")
            if layer == "text"
            else pc.binary_join_element_wise(
                table.column("target_id"), table.column("post_id"), "/"
            )
        )
        return _codes(column), time, rows
    name = {"url": "urls", "hashtag": "hashtags"}[layer]
    lists = table.column(name).combine_chunks()
    lengths = np.asarray(pc.list_value_length(lists).fill_null(0).to_numpy(), dtype=np.int64)
    values = pc.list_flatten(lists)
    return _codes(values), np.repeat(time, lengths), np.repeat(rows, lengths)


def _codes(values: pa.Array | pa.ChunkedArray) -> NDArray[np.int64]:
    """Integer codes of equal values (order of first appearance)."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    encoded = pc.dictionary_encode(values)
    return np.asarray(encoded.indices.to_numpy(), dtype=np.int64)


def window_pairs(key: NDArray[np.int64], time: NDArray[np.int64], window: float) -> int:
    """Pairs of events with the same key at most *window* seconds apart (exact).

    Same-account pairs are included, so this is an upper bound of botgraph's
    co-action pairs (which drop them); for the synthetic data the two differ by
    well under 1 %.
    """
    if key.shape[0] == 0:
        return 0
    order = np.lexsort((time, key))
    k, t = key[order], time[order].astype(np.int64)
    span = np.int64(int(t.max()) - int(t.min()) + int(window) + 2)
    composite = k * span + (t - t.min())
    ends = np.searchsorted(composite, composite + np.int64(int(window)), side="right")
    return int((ends - np.arange(k.shape[0]) - 1).sum())


# ------------------------------------------------------------------ files


def cached_parquet(spec: SyntheticSpec, directory: Path) -> tuple[Path, dict[str, Any]]:
    """The Parquet file of *spec* in *directory*, generated and written on first use.

    Returns the path and the info dict (``generate``'s, plus raw in-window pair
    counts per layer at 60 s under ``"window_pairs_60"``), stored beside it as JSON.
    """
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{spec.cache_name()}.parquet"
    meta = path.with_suffix(".json")
    if path.exists() and meta.exists():
        return path, dict(json.loads(meta.read_text(encoding="utf-8")))
    table, info = generate(spec)
    info["window_pairs_60"] = {
        layer: window_pairs(*layer_keys(table, layer), 60.0)
        for layer in ("text", "url", "hashtag", "target")
    }
    info["spec"] = asdict(spec)
    tmp = path.with_suffix(".parquet.tmp")
    pq.write_table(table, tmp, row_group_size=1_000_000)
    tmp.replace(path)
    meta.write_text(json.dumps(info, indent=1), encoding="utf-8")
    return path, info


def write_cnt_csv(parquet: Path, path: Path) -> Path:
    """Write the records in coordination-network-toolkit's CSV format (once).

    Columns ``message_id, user_id, username, repost_id, reply_id, message,
    timestamp, urls``: ``repost_id`` empty (no record is a plain repost),
    ``reply_id`` = ``post_id`` (for CNT's co-reply network), ``urls`` space
    separated. Returns *path*; an existing file is reused.
    """
    if path.exists():
        return path
    table = pq.read_table(parquet)
    n = table.num_rows
    empty = pa.nulls(n, pa.string())
    urls = pc.binary_join(table.column("urls"), " ")
    out = pa.table(
        {
            "message_id": table.column("record_id"),
            "user_id": table.column("account_id"),
            "username": table.column("account_id"),
            "repost_id": empty,
            "reply_id": table.column("post_id"),
            "message": table.column("text"),
            "timestamp": table.column("timestamp"),
            "urls": urls,
        }
    )
    tmp = path.with_suffix(".csv.tmp")
    pacsv.write_csv(out, tmp, pacsv.WriteOptions(quoting_style="needed"))
    tmp.replace(path)
    return path


def with_seed(spec: SyntheticSpec, seed: int) -> SyntheticSpec:
    """*spec* with another seed."""
    return replace(spec, seed=seed)


def describe(info: Mapping[str, Any]) -> str:
    """One line summarising an info dict."""
    pairs = info.get("window_pairs_60", {})
    return (
        f"{info['n_records']:,} records, {info['n_accounts']:,} accounts "
        f"({info['coordinated_accounts']:,} coordinated in {info['groups']} groups), "
        f"{info['distinct_texts']:,} distinct texts; in-window pairs at 60 s: "
        + ", ".join(f"{k} {v:,}" for k, v in pairs.items())
    )
