"""Time :func:`botgraph.near_duplicates.near_duplicate_keys` on synthetic comments.

Run from the repository root::

    PYTHONPATH=src python benchmarks/near_duplicates.py            # 10^4, 10^5, 10^6
    PYTHONPATH=src python benchmarks/near_duplicates.py --sizes 10000 100000

The synthetic data mimics a comment stream: about 30 % of the comments are
distinct strings (the rest repeat them, with a heavy-tailed popularity), and
the distinct strings are a mix of organic comments drawn from a Zipf
vocabulary, stock short phrases, and templated campaign messages varied with
synonyms, word swaps, typos, case, emoji, punctuation, hashtags and links.

The ``wall s`` column times the public call on the comment list; ``grouped s``
times the private entry the ``near_text`` layer of :func:`botgraph.detect` uses
(``near_duplicate_keys._grouped_keys``: the same ids from the distinct texts and
each comment's index in them, which ``botgraph.traces`` computes once for all
text layers), so it leaves out grouping the comments.

The script prints a table and writes nothing. When ``datasketch`` is
importable, it also times its pure-Python ``MinHash`` + ``MinHashLSH`` on the
distinct texts of the smallest size, for comparison (it is not a dependency).
"""

from __future__ import annotations

import argparse
import itertools
import random
import resource
import sys
import time

import numpy as np

from botgraph.near_duplicates import _grouped_keys, near_duplicate_keys
from botgraph.normalize import _first_seen_codes, normalize_text

_SYLLABLES = [c + v for c in "bcdfghjklmnprstvz" for v in "aeiou"]
_STOCK = ["Thank you!", "Bravo", "Well said", "Merci beaucoup", "So true", "👏👏", "Agreed."]
_EMOJI = ["😡", "🤬", "👎", "🔥", "‼️", "🇨🇦"]
_PUNCT = ["!", "!!!", ".", "...", "?!", ""]


def _vocabulary(rng: random.Random, size: int) -> list[str]:
    words: set[str] = set()
    while len(words) < size:
        words.add("".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(1, 4))))
    return sorted(words)


def _variant(rng: random.Random, words: list[str], vocab: list[str]) -> str:
    words = list(words)
    for _ in range(rng.randint(0, 2)):
        edit = rng.randrange(3)
        k = rng.randrange(len(words))
        if edit == 0 and k + 1 < len(words):  # word swap
            words[k], words[k + 1] = words[k + 1], words[k]
        elif edit == 1:  # synonym (another word)
            words[k] = rng.choice(vocab)
        elif len(words[k]) > 2:  # typo: drop a letter
            i = rng.randrange(1, len(words[k]))
            words[k] = words[k][: i - 1] + words[k][i:]
    text = " ".join(words)
    if rng.random() < 0.3:
        text = text.upper() if rng.random() < 0.5 else text.capitalize()
    text += rng.choice(_PUNCT)
    if rng.random() < 0.5:
        text += " " + rng.choice(_EMOJI)
    if rng.random() < 0.4:
        text += " #" + rng.choice(vocab)
    if rng.random() < 0.3:
        text += f" https://example.com/v/{rng.randrange(10**6)}"
    return text


def synthetic_comments(n: int, seed: int = 0, distinct_share: float = 0.3) -> list[str]:
    """*n* comments, about ``distinct_share`` of them distinct strings."""
    rng = random.Random(seed)
    vocab = _vocabulary(rng, 20_000)
    zipf = list(itertools.accumulate(1.0 / (rank + 1) for rank in range(len(vocab))))
    n_distinct = max(1, int(n * distinct_share))
    templates = [rng.choices(vocab, cum_weights=zipf, k=rng.randint(8, 25)) for _ in range(200)]
    distinct: list[str] = []
    for _ in range(n_distinct):
        kind = rng.random()
        if kind < 0.4:  # campaign variant
            distinct.append(_variant(rng, rng.choice(templates), vocab))
        elif kind < 0.45:
            distinct.append(rng.choice(_STOCK) + rng.choice(_PUNCT))
        else:  # organic
            distinct.append(" ".join(rng.choices(vocab, cum_weights=zipf, k=rng.randint(3, 30))))
    # Heavy-tailed repetition: each distinct string once, the rest by popularity.
    popularity = np.random.default_rng(seed).zipf(1.6, size=len(distinct)).astype(float)
    extra = np.random.default_rng(seed + 1).choice(
        len(distinct), size=n - len(distinct), p=popularity / popularity.sum()
    )
    order = np.concatenate([np.arange(len(distinct)), extra])
    np.random.default_rng(seed + 2).shuffle(order)
    return [distinct[i] for i in order]


def _datasketch_seconds(texts: list[str], threshold: float, num_perm: int) -> float | None:
    try:
        from datasketch import MinHash, MinHashLSH
    except ImportError:
        return None
    start = time.perf_counter()
    distinct = sorted({t for t in map(normalize_text, set(texts)) if t.count(" ") >= 3})
    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    hashes = []
    for index, text in enumerate(distinct):
        words = text.split(" ")
        grams = words + [a + " " + b for a, b in itertools.pairwise(words)]
        m = MinHash(num_perm=num_perm)
        m.update_batch([g.encode("utf-8") for g in grams])
        lsh.insert(index, m)
        hashes.append(m)
    for m in hashes:
        lsh.query(m)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10**4, 10**5, 10**6])
    parser.add_argument("--repeat", type=int, default=1, help="runs per size; the best is shown")
    args = parser.parse_args(argv)

    header = (
        f"{'comments':>10} {'distinct':>9} {'kept':>8} {'clusters':>9} "
        f"{'linked':>7} {'wall s':>7} {'grouped s':>9} {'CPU s':>7} {'us/comment':>10} "
        f"{'max RSS MiB':>11}"
    )
    print(header)
    print("-" * len(header))
    first: list[str] | None = None
    for n in args.sizes:
        texts = synthetic_comments(n)
        first = first or texts
        best = cpu = grouped = float("inf")
        distinct, code = _first_seen_codes(texts)
        for _ in range(args.repeat):
            start, start_cpu = time.perf_counter(), time.process_time()
            keys = near_duplicate_keys(texts)
            best = min(best, time.perf_counter() - start)
            cpu = min(cpu, time.process_time() - start_cpu)
            start = time.perf_counter()
            same = _grouped_keys(distinct, code)  # type: ignore[arg-type]
            grouped = min(grouped, time.perf_counter() - start)
            assert np.array_equal(same, keys)
        kept = keys[keys >= 0]
        distinct_kept = len({t for t, k in zip(texts, keys.tolist(), strict=True) if k >= 0})
        sizes = np.bincount(kept)
        linked = int((sizes > 1).sum())  # clusters holding more than one distinct string
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(
            f"{n:>10} {len(set(texts)):>9} {distinct_kept:>8} {sizes.shape[0]:>9} "
            f"{linked:>7} {best:>7.2f} {grouped:>9.2f} {cpu:>7.2f} {1e6 * best / n:>10.2f} "
            f"{rss:>11.0f}"
        )
    if first is not None:
        seconds = _datasketch_seconds(first, 0.5, 128)
        if seconds is None:
            print("datasketch not installed: comparison skipped", file=sys.stderr)
        else:
            print(
                f"datasketch MinHash+MinHashLSH on the {len(first)} comments: {seconds:.2f} s "
                "(insert and query of the distinct texts only)"
            )


if __name__ == "__main__":
    main()
