"""Compiled projection kernel: trace events → per-edge aggregates, pairs never all in memory.

:func:`project_edges` computes exactly what
``aggregate_pairs(project_partition(...))`` computes (see
:mod:`botgraph.projection`), but instead of materialising every co-action pair
in six 8-byte columns and sorting them with ``lexsort``, it streams the pairs
through a few numba kernels. numba is a core dependency, imported on the first call
(never by ``import botgraph``); where it cannot compile (an unsupported platform),
the numpy path runs instead, with identical results.

The kernel makes these passes over the events (sorted by key, then time):

1. *Window ends and counts.* A moving pointer per key finds, for every event,
   one past the last later event of its key within the window (the comparison
   ``t_j <= t_i + window`` projection makes); a scan of the pairs then counts
   those of every account as the smaller account of the pair (``account_a``).
2. *Bucketing.* Accounts are cut into consecutive ranges holding at most
   ``chunk_pairs`` pairs. For each range, a scan writes every pair whose
   ``account_a`` falls in the range into that account's bucket (a counting
   sort), as what its reduction needs: ``account_b``, key, time gap and the two
   records (24 bytes; int32 codes when they fit).
3. *Counting edges.* A pass over each bucket counts its distinct partners (and
   their pairs and keys, for ``min_pairs`` and ``min_keys``) in a table indexed
   by partner, so that every edge's place in the result is known.
4. *Reduction.* Each bucket is sorted by ``account_b``, stably (merge sort for
   small buckets, LSD radix sort for large ones), so the pairs of an edge are
   contiguous and keep their enumeration order, which is ascending key order.
   Each run of one partner is one edge, reduced with the same float operations
   in the same order as :func:`botgraph.projection.aggregate_pairs`: the results
   are bit-identical, for integer and fractional times alike.

With ``min_pairs`` or ``min_keys`` above 1 (as :func:`botgraph.detect` asks), most
pairs belong to edges that are dropped (at 10^7 events and a 60 s window, 5 % of
8 * 10^7 pairs are kept), so step 2 is split in two:

2a. *Partners and marks.* Ranges hold up to 6 * ``chunk_pairs`` pairs (3 * with
    ``min_keys``), since a scan writes only each pair's ``account_b`` (and key)
    into its bucket: 4 bytes a pair (8). A pass over each bucket counts the pairs
    (and keys) per partner in the table of step 3 and marks the pairs of the edges
    that are kept, as a bitmap of one bit a pair.
2b. *Kept pairs.* A second scan enumerates the pairs in the same order, follows
    each account's slot in its bucket, and writes in full (24 bytes) only the pairs
    whose bit is set, in sub-ranges of at most ``chunk_pairs`` kept pairs, for
    steps 3 and 4 as above.

Each bucket then holds the same pairs of every kept edge in the same order as
without the filter, so the results are the same bits.

An edge lives in exactly one bucket, so it is complete after its range, and
edges come out sorted by ``(account_a, account_b)``. The passes run on several
threads (the kernels release the GIL): consecutive event slices of about equal
pair counts for the scans, consecutive account slices for counting and
reduction.

The time gaps are kept exactly (float64): the median needs every gap of an edge,
and all the gaps of an edge are in its bucket at once, so no approximation (such
as float32 gaps) and no second level is needed.
"""

from __future__ import annotations

import contextlib
import logging
import os
import time as _time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np
from numpy.typing import NDArray

from botgraph._jit import LazyKernels, compile_kernels
from botgraph._validation import check_choice, check_int, check_number
from botgraph.errors import MissingDependencyError, ParameterError

__all__ = [
    "EdgeArrays",
    "expected_coactions",
    "key_time_spans",
    "numba_available",
    "project_edges",
]

logger = logging.getLogger(__name__)

#: Default for ``chunk_pairs``: pairs bucketed at once (24 bytes each: about 0.5 GB).
CHUNK_PAIRS = 20_000_000
#: Accounts, keys and records of a pair are stored as int32 when they fit, else int64.
_INT32_MAX = 2**31 - 1
#: Pairs one account may have as ``account_a`` (positions and counts in a bucket are int32).
_MAX_BUCKET = 2**31 - 1
#: Threads used when ``threads`` is None (at most this many, at most the CPUs available).
_MAX_DEFAULT_THREADS = 8
_ENGINES = ("auto", "numba", "numpy")
_FUNC = "project_edges"


@dataclass(frozen=True, slots=True, eq=False)
class EdgeArrays:
    """Per-edge aggregates of one layer's co-action graph (account codes, record indices).

    The columns of :class:`botgraph.projection.CoGraph` that projection computes,
    with the same meaning, order (edges sorted by ``(account_a, account_b)``) and
    dtypes.

    Attributes
    ----------
    account_a, account_b : ndarray of int64
        Edge end points, ``account_a < account_b``.
    pairs : ndarray of int64
        Co-action pairs behind the edge.
    keys : ndarray of int64
        Distinct keys co-acted on.
    matched : ndarray of int64
        The smaller of the two accounts' numbers of distinct records that found a
        partner record (on any key).
    min_dt, median_dt : ndarray of float64
        Smallest and median time between paired events, in seconds (the median of
        an even count is the mean of the two middle values).
    key_weight : ndarray of float64
        Sum of ``key_specificity`` over the co-acted keys, in ascending key order.
    evidence_indptr, evidence_record : ndarray of int64
        CSR evidence: for edge ``e``, ``evidence_record[evidence_indptr[e]:
        evidence_indptr[e + 1]]`` holds ``record_a, record_b`` of its closest pairs
        (by time gap, then ``record_a``, then ``record_b``), at most
        ``max_evidence`` pairs.
    n_pairs : int
        Co-action pairs in total (the sum of ``pairs`` unless edges were filtered
        out with ``min_pairs`` or ``min_keys``).
    engine : str
        ``"numba"`` or ``"numpy"``: which implementation computed the arrays.
    """

    account_a: NDArray[np.int64]
    account_b: NDArray[np.int64]
    pairs: NDArray[np.int64]
    keys: NDArray[np.int64]
    matched: NDArray[np.int64]
    min_dt: NDArray[np.float64]
    median_dt: NDArray[np.float64]
    key_weight: NDArray[np.float64]
    evidence_indptr: NDArray[np.int64]
    evidence_record: NDArray[np.int64]
    n_pairs: int
    engine: str

    def __len__(self) -> int:
        return int(self.account_a.shape[0])


# --------------------------------------------------------------------------------------
# Kernels. Plain Python functions, compiled by numba on first use (see _compiled). They
# use only what numba's nopython mode supports; the helpers come first because the
# kernels calling them must find them compiled.


def _k_insertion_sort(idx: Any, lo: int, hi: int, dts: Any, ra: Any, rb: Any) -> None:
    """Sort ``idx[lo:hi]`` by ``(dts, ra, rb)`` of the indexed pairs, stably."""
    for x in range(lo + 1, hi):
        v = idx[x]
        y = x - 1
        while y >= lo:
            w = idx[y]
            if dts[w] < dts[v] or (
                dts[w] == dts[v] and (ra[w] < ra[v] or (ra[w] == ra[v] and rb[w] <= rb[v]))
            ):
                break
            idx[y + 1] = w
            y -= 1
        idx[y + 1] = v


def _k_sort_triples(idx: Any, g: int, dts: Any, ra: Any, rb: Any, tmp: Any) -> None:
    """Stable sort of ``idx[:g]`` by ``(dts, ra, rb)``: insertion sort runs, then merges."""
    run = 16
    for lo in range(0, g, run):
        _k_insertion_sort(idx, lo, min(lo + run, g), dts, ra, rb)
    src = idx
    dst = tmp
    in_tmp = False
    width = run
    while width < g:
        for lo in range(0, g, 2 * width):
            mid = min(lo + width, g)
            hi = min(lo + 2 * width, g)
            x = lo
            y = mid
            z = lo
            while x < mid and y < hi:
                u = src[x]
                v = src[y]
                # Take from the right run only when strictly smaller: stable.
                if dts[v] < dts[u] or (
                    dts[v] == dts[u] and (ra[v] < ra[u] or (ra[v] == ra[u] and rb[v] < rb[u]))
                ):
                    dst[z] = v
                    y += 1
                else:
                    dst[z] = u
                    x += 1
                z += 1
            while x < mid:
                dst[z] = src[x]
                x += 1
                z += 1
            while y < hi:
                dst[z] = src[y]
                y += 1
                z += 1
        src, dst = dst, src
        in_tmp = not in_tmp
        width *= 2
    if in_tmp:
        for x in range(g):
            idx[x] = tmp[x]


def _k_sort_values(values: Any, m: int, tmp: Any) -> None:
    """Sort ``values[:m]`` ascending: insertion sort runs, then merges through ``tmp``.

    Written out rather than ``ndarray.sort`` because numba compiles its generic sort
    several seconds longer.
    """
    run = 16
    for lo in range(0, m, run):
        hi = min(lo + run, m)
        for x in range(lo + 1, hi):
            v = values[x]
            y = x - 1
            while y >= lo and values[y] > v:
                values[y + 1] = values[y]
                y -= 1
            values[y + 1] = v
    src = values
    dst = tmp
    in_tmp = False
    width = run
    while width < m:
        for lo in range(0, m, 2 * width):
            mid = min(lo + width, m)
            hi = min(lo + 2 * width, m)
            x = lo
            y = mid
            z = lo
            while x < mid and y < hi:
                if src[y] < src[x]:
                    dst[z] = src[y]
                    y += 1
                else:
                    dst[z] = src[x]
                    x += 1
                z += 1
            while x < mid:
                dst[z] = src[x]
                x += 1
                z += 1
            while y < hi:
                dst[z] = src[y]
                y += 1
                z += 1
        src, dst = dst, src
        in_tmp = not in_tmp
        width *= 2
    if in_tmp:
        for x in range(m):
            values[x] = tmp[x]


def _k_radix_sort_high(values: Any, m: int, tmp: Any, counts: Any, digit: int) -> None:
    """Stable sort of ``values[:m]`` by their high 32 bits (LSD radix, ``digit`` bits a pass).

    ``counts`` has one row of ``2**digit + 1`` counters per pass; the histograms of
    every pass are taken in one sweep.
    """
    passes = counts.shape[0]
    mask = (1 << digit) - 1
    counts[:, :] = 0
    for x in range(m):
        high = values[x] >> 32
        for p in range(passes):
            counts[p, ((high >> (p * digit)) & mask) + 1] += 1
    for p in range(passes):
        for k in range(mask + 1):
            counts[p, k + 1] += counts[p, k]
    src = values
    dst = tmp
    for p in range(passes):
        shift = 32 + p * digit
        for x in range(m):
            v = src[x]
            k = (v >> shift) & mask
            dst[counts[p, k]] = v
            counts[p, k] += 1
        src, dst = dst, src
    if passes % 2 == 1:
        for x in range(m):
            values[x] = tmp[x]


def _k_distinct(values: Any, at: Any, lo: int, hi: int, buf: Any, tmp: Any) -> int:
    """Number of distinct ``values[at[lo:hi]]``."""
    m = hi - lo
    for x in range(m):
        buf[x] = values[at[lo + x]]
    _k_sort_values(buf, m, tmp)
    count = 1
    for x in range(1, m):
        if buf[x] != buf[x - 1]:
            count += 1
    return count


def _k_window_ends(key: Any, time: Any, window: float, ends: Any) -> None:
    """``ends[i]``: one past the last later event of ``key[i]`` with time <= time[i] + window.

    The comparison ``time[j] <= time[i] + window`` is the one projection makes (in
    float64), so boundary cases agree exactly.
    """
    n = key.shape[0]
    j = 0
    for i in range(n):
        if j <= i:
            j = i + 1
        k = key[i]
        limit = time[i] + window
        while j < n and key[j] == k and time[j] <= limit:
            j += 1
        ends[i] = j


def _k_cuts(ends: Any, cut: Any) -> None:
    """Event positions ``cut[1:-1]`` splitting the candidate pairs into about equal parts.

    Event ``i`` has ``ends[i] - i - 1`` candidate pairs; ``cut[p]`` is the first
    position where the running count reaches ``p / parts`` of the total, as
    :func:`numpy.searchsorted` would place it (``cut[0] = 0``, ``cut[-1] = n``).
    """
    n = ends.shape[0]
    parts = cut.shape[0] - 1
    total = 0
    for i in range(n):
        total += ends[i] - i
    cut[0] = 0
    cut[parts] = n
    p = 1
    running = 0
    for i in range(n):
        running += ends[i] - i
        while p < parts and running >= total * p // parts:
            cut[p] = i
            p += 1
    while p < parts:
        cut[p] = n
        p += 1


def _k_count(account: Any, ends: Any, lo: int, hi: int, counts: Any) -> None:
    """Add to ``counts[a]`` the pairs of events ``lo:hi`` whose smaller account is ``a``."""
    for i in range(lo, hi):
        ai = account[i]
        for j in range(i + 1, ends[i]):
            aj = account[j]
            if ai < aj:
                counts[ai] += 1
            elif aj < ai:
                counts[aj] += 1


def _k_fill(
    account: Any,
    key: Any,
    time: Any,
    record: Any,
    ends: Any,
    lo: int,
    hi: int,
    acc_lo: int,
    acc_hi: int,
    cursor: Any,
    p_b: Any,
    p_key: Any,
    p_dt: Any,
    p_ra: Any,
    p_rb: Any,
) -> None:
    """Write the pairs of events ``lo:hi`` with ``acc_lo <= account_a < acc_hi`` into buckets.

    A pair is stored as what its reduction needs (``account_b``, key, time gap,
    both records), so that the reduction reads each bucket sequentially;
    ``cursor[a - acc_lo]`` is the next free slot of account ``a``'s bucket.
    """
    for i in range(lo, hi):
        ai = account[i]
        if ai < acc_lo or ends[i] == i + 1:
            # account_a <= ai < acc_lo: no pair of this event belongs to the range.
            continue
        k = key[i]
        ti = time[i]
        ri = record[i]
        for j in range(i + 1, ends[i]):
            aj = account[j]
            if ai < aj:
                if acc_lo <= ai < acc_hi:
                    c = cursor[ai - acc_lo]
                    cursor[ai - acc_lo] = c + 1
                    p_b[c] = aj
                    p_key[c] = k
                    p_dt[c] = time[j] - ti
                    p_ra[c] = ri
                    p_rb[c] = record[j]
            elif aj < ai and acc_lo <= aj < acc_hi:
                c = cursor[aj - acc_lo]
                cursor[aj - acc_lo] = c + 1
                p_b[c] = ai
                p_key[c] = k
                p_dt[c] = time[j] - ti
                p_ra[c] = record[j]
                p_rb[c] = ri


def _k_fill_partner(
    account: Any,
    key: Any,
    ends: Any,
    lo: int,
    hi: int,
    acc_lo: int,
    acc_hi: int,
    cursor: Any,
    p_b: Any,
    p_key: Any,
    with_keys: bool,
) -> None:
    """As :func:`_k_fill`, but only ``account_b`` (and the key when *with_keys*) of a pair.

    The first pass of the filtered path (``min_pairs`` or ``min_keys`` above 1):
    4 bytes a pair (8 with keys) are enough to find the edges that are kept.
    """
    for i in range(lo, hi):
        ai = account[i]
        if ai < acc_lo or ends[i] == i + 1:
            continue
        k = key[i]
        for j in range(i + 1, ends[i]):
            aj = account[j]
            if ai < aj:
                if ai < acc_hi:
                    c = cursor[ai - acc_lo]
                    cursor[ai - acc_lo] = c + 1
                    p_b[c] = aj
                    if with_keys:
                        p_key[c] = k
            elif aj < ai and acc_lo <= aj < acc_hi:
                c = cursor[aj - acc_lo]
                cursor[aj - acc_lo] = c + 1
                p_b[c] = ai
                if with_keys:
                    p_key[c] = k


def _k_mark(
    p_b: Any,
    p_key: Any,
    bucket: Any,
    part_counts: Any,
    u_lo: int,
    u_hi: int,
    n_accounts: int,
    min_pairs: int,
    min_keys: int,
    with_keys: bool,
    kept_count: Any,
    n_kept: Any,
) -> None:
    """Mark the pairs of kept edges in buckets ``u_lo:u_hi`` (pairs, keys per partner).

    ``part_counts[t, u]``: pairs of bucket ``u`` written by thread ``t`` (they follow
    those of threads before it). Every pair of an edge that is not kept gets the
    partner ``-1``; ``kept_count[t, u]`` counts the kept pairs of thread ``t`` and
    ``n_kept[u]`` the kept edges of bucket ``u``.
    """
    state = np.empty((n_accounts, 4), dtype=p_b.dtype)
    state[:, 0] = -1
    biggest = 1
    for u in range(u_lo, u_hi):
        biggest = max(biggest, bucket[u + 1] - bucket[u])
    touched = np.empty(biggest, dtype=np.int64)
    threads = part_counts.shape[0]
    for u in range(u_lo, u_hi):
        n_touched = 0
        for c in range(bucket[u], bucket[u + 1]):
            b = p_b[c]
            if state[b, 0] != u:
                state[b, 0] = u
                state[b, 1] = 1
                state[b, 2] = 1
                if with_keys:
                    state[b, 3] = p_key[c]
                touched[n_touched] = b
                n_touched += 1
            else:
                state[b, 1] += 1
                if with_keys and p_key[c] != state[b, 3]:
                    state[b, 3] = p_key[c]
                    state[b, 2] += 1
        edges = 0
        for x in range(n_touched):
            b = touched[x]
            if state[b, 1] >= min_pairs and (not with_keys or state[b, 2] >= min_keys):
                edges += 1
        n_kept[u] = edges
        c = bucket[u]
        for t in range(threads):
            end = c + part_counts[t, u]
            kept = 0
            while c < end:
                b = p_b[c]
                if state[b, 1] >= min_pairs and (not with_keys or state[b, 2] >= min_keys):
                    kept += 1
                else:
                    p_b[c] = -1
                c += 1
            kept_count[t, u] = kept


def _k_pack(marks: Any, lo: int, hi: int, bits: Any) -> None:
    """Bytes ``lo:hi`` of the bitmap of kept slots: bit ``s % 8`` of byte ``s // 8``."""
    m = marks.shape[0]
    for x in range(lo, hi):
        value = 0
        for bit in range(8):
            s = 8 * x + bit
            if s < m and marks[s] >= 0:
                value |= 1 << bit
        bits[x] = value


def _k_fill_kept(
    account: Any,
    key: Any,
    time: Any,
    record: Any,
    ends: Any,
    lo: int,
    hi: int,
    acc_lo: int,
    acc_hi: int,
    slot: Any,
    kept_bits: Any,
    cursor: Any,
    p_b: Any,
    p_key: Any,
    p_dt: Any,
    p_ra: Any,
    p_rb: Any,
) -> None:
    """As :func:`_k_fill`, but only the pairs that :func:`_k_mark` kept.

    The scan enumerates the pairs in the order :func:`_k_fill_partner` did, so the
    next pair of account ``a`` is the one at slot ``s = slot[a - acc_lo]``, kept
    when bit ``s`` of ``kept_bits`` is set (:func:`_k_pack`; a bitmap stays in cache
    where the marks would not). Accounts with no kept edge have ``slot`` -1 and
    are passed over.
    """
    for i in range(lo, hi):
        ai = account[i]
        if ai < acc_lo or ends[i] == i + 1:
            continue
        k = key[i]
        ti = time[i]
        ri = record[i]
        for j in range(i + 1, ends[i]):
            aj = account[j]
            if ai < aj:
                if ai >= acc_hi:
                    continue
                u = ai - acc_lo
            elif aj < ai:
                if aj < acc_lo or aj >= acc_hi:
                    continue
                u = aj - acc_lo
            else:
                continue
            s = slot[u]
            if s < 0:
                continue
            slot[u] = s + 1
            if not (kept_bits[s >> 3] >> (s & 7)) & 1:
                continue
            c = cursor[u]
            cursor[u] = c + 1
            p_key[c] = k
            p_dt[c] = time[j] - ti
            if ai < aj:
                p_b[c] = aj
                p_ra[c] = ri
                p_rb[c] = record[j]
            else:
                p_b[c] = ai
                p_ra[c] = record[j]
                p_rb[c] = ri


def _k_group(
    p_b: Any,
    p_key: Any,
    bucket: Any,
    u_lo: int,
    u_hi: int,
    n_accounts: int,
    max_evidence: int,
    min_pairs: int,
    min_keys: int,
    edge_count: Any,
    evidence_count: Any,
) -> None:
    """Count the kept edges of buckets ``u_lo:u_hi`` and their evidence records.

    No sort: per-partner counters (pairs, distinct keys) are kept in a table indexed
    by ``account_b`` and reset lazily, marked by the bucket that last touched them.
    A bucket is in ascending key order, so a partner's keys arrive in runs.
    """
    # One row per partner (in one cache line): the bucket that last touched it, its
    # pairs, keys and last key; in the payload's integer type (int32 unless too small).
    state = np.empty((n_accounts, 4), dtype=p_key.dtype)
    state[:, 0] = -1
    biggest = 0
    for u in range(u_lo, u_hi):
        biggest = max(biggest, bucket[u + 1] - bucket[u])
    touched = np.empty(biggest, dtype=np.int64)
    for u in range(u_lo, u_hi):
        n_touched = 0
        for c in range(bucket[u], bucket[u + 1]):
            b = p_b[c]
            k = p_key[c]
            if state[b, 0] != u:
                state[b, 0] = u
                state[b, 1] = 1
                state[b, 2] = 1
                state[b, 3] = k
                touched[n_touched] = b
                n_touched += 1
            else:
                state[b, 1] += 1
                if k != state[b, 3]:
                    state[b, 3] = k
                    state[b, 2] += 1
        edges = 0
        evidence = 0
        for x in range(n_touched):
            b = touched[x]
            if state[b, 1] >= min_pairs and state[b, 2] >= min_keys:
                edges += 1
                evidence += 2 * min(state[b, 1], max_evidence)
        edge_count[u] = edges
        evidence_count[u] = evidence


def _k_reduce(
    p_b: Any,
    p_key: Any,
    p_dt: Any,
    p_ra: Any,
    p_rb: Any,
    specificity: Any,
    bucket: Any,
    u_lo: int,
    u_hi: int,
    account_offset: int,
    account_bits: int,
    edge_start: Any,
    evidence_start: Any,
    max_evidence: int,
    min_pairs: int,
    min_keys: int,
    out_a: Any,
    out_b: Any,
    out_pairs: Any,
    out_keys: Any,
    out_matched: Any,
    out_min: Any,
    out_median: Any,
    out_weight: Any,
    out_indptr: Any,
    out_evidence: Any,
) -> None:
    """Sort each bucket of ``u_lo:u_hi`` by partner and reduce it to edges.

    A bucket is sorted stably by ``account_b`` (merge sort when small, LSD radix
    sort on the ``account_bits`` bits of a code, about 11 a pass, when large), so
    an edge's pairs keep their ascending key order. Edges are written from
    ``edge_start[u]`` on, with the same float operations in the same order as
    aggregate_pairs, so the results are bit-identical.
    """
    passes = max(1, (account_bits + 10) // 11)
    digit = max(1, (account_bits + passes - 1) // passes)
    radix_counts = np.empty((passes, (1 << digit) + 1), dtype=np.int64)
    biggest = 1
    for u in range(u_lo, u_hi):
        biggest = max(biggest, bucket[u + 1] - bucket[u])
    at = np.empty(biggest, dtype=np.int64)  # positions of the bucket, sorted by partner
    idx = np.empty(biggest, dtype=np.int64)
    tmp = np.empty(biggest, dtype=np.int64)
    buf = np.empty(biggest, dtype=np.int64)
    for u in range(u_lo, u_hi):
        s = bucket[u]
        m = bucket[u + 1] - s
        if m == 0:
            continue
        ordered = True
        for c in range(1, m):
            if p_b[s + c] < p_b[s + c - 1]:
                ordered = False
                break
        if ordered:
            for c in range(m):
                at[c] = s + c
        else:
            # (b, position) in one int64 (b, m < 2**31): sorting the values is a stable
            # sort by b.
            for c in range(m):
                at[c] = (np.int64(p_b[s + c]) << 32) | c
            if m <= _RADIX_FROM:
                _k_sort_values(at, m, tmp)
            else:
                _k_radix_sort_high(at, m, tmp, radix_counts, digit)
            for c in range(m):
                at[c] = s + (at[c] & 4294967295)
        a = u + account_offset
        edge = edge_start[u]
        ev = evidence_start[u]
        c = 0
        while c < m:
            b = p_b[at[c]]
            d = c + 1
            while d < m and p_b[at[d]] == b:
                d += 1
            g = d - c
            n_keys = 1
            for x in range(c + 1, d):
                if p_key[at[x]] != p_key[at[x - 1]]:
                    n_keys += 1
            if g < min_pairs or n_keys < min_keys:
                c = d
                continue
            out_a[edge] = a
            out_b[edge] = b
            out_pairs[edge] = g
            out_keys[edge] = n_keys
            if g == 1:
                q = at[c]
                dt = p_dt[q]
                out_weight[edge] = 0.0 + specificity[p_key[q]]
                out_matched[edge] = 1
                out_min[edge] = dt
                out_median[edge] = (dt + dt) / 2.0
                out_evidence[ev] = p_ra[q]
                out_evidence[ev + 1] = p_rb[q]
                ev += 2
            else:
                # Ascending key order, as numpy.bincount adds them.
                weight = 0.0 + specificity[p_key[at[c]]]
                for x in range(c + 1, d):
                    if p_key[at[x]] != p_key[at[x - 1]]:
                        weight += specificity[p_key[at[x]]]
                out_weight[edge] = weight
                out_matched[edge] = min(
                    _k_distinct(p_ra, at, c, d, buf, tmp), _k_distinct(p_rb, at, c, d, buf, tmp)
                )
                for x in range(g):
                    idx[x] = at[c + x]
                _k_sort_triples(idx, g, p_dt, p_ra, p_rb, tmp)
                out_min[edge] = p_dt[idx[0]]
                out_median[edge] = (p_dt[idx[(g - 1) // 2]] + p_dt[idx[g // 2]]) / 2.0
                for x in range(min(g, max_evidence)):
                    out_evidence[ev] = p_ra[idx[x]]
                    out_evidence[ev + 1] = p_rb[idx[x]]
                    ev += 2
            out_indptr[edge + 1] = ev
            edge += 1
            c = d


def _k_key_spans(key: Any, time: Any, first: Any, last: Any) -> bool:
    """First and last time of each key, if the events are sorted by key, then time.

    Returns False (leaving *first* and *last* partly written) as soon as an event
    is out of order, an event time is NaN next to another of its key, or a key
    code is outside ``[0, len(first))``: the caller then takes its general path.
    """
    n = key.shape[0]
    n_keys = first.shape[0]
    for i in range(n):
        k = key[i]
        if k < 0 or k >= n_keys:
            return False
        if i == 0:
            first[k] = time[i]
            continue
        before = key[i - 1]
        if k < before:
            return False
        if k == before:
            if not time[i] >= time[i - 1]:
                return False
        else:
            last[before] = time[i - 1]
            first[k] = time[i]
    if n > 0:
        last[key[n - 1]] = time[n - 1]
    return True


def _k_expected(
    indptr: Any, indices: Any, data: Any, rate: Any, edge_a: Any, edge_b: Any, out: Any
) -> None:
    """``out[e] = sum over keys k shared by a, b of min(m_ak m_bk rate_k, m_ak, m_bk)``.

    ``indptr``, ``indices``, ``data``: the account x key incidence in CSR form with
    sorted column indices (``rate`` has one entry per column). Shared keys are met
    in ascending key order and added from 0.0, the order the scipy path of
    :func:`botgraph.significance.coaction_significance` adds them in.

    The row of ``a`` is scattered into a table indexed by column (once for a run
    of edges of one ``a``: edges come sorted by account), then ``b``'s row is
    walked and looked up there; when ``b``'s row is much longer, ``a``'s row is
    walked instead, each key found by binary search in ``b``'s. The terms are the
    same in the same order either way (the product and the minimum are symmetric).
    """
    n_cols = rate.shape[0]
    value = np.empty(n_cols, dtype=np.float64)
    owner = np.full(n_cols, -1, dtype=np.int64)
    current = -1
    for e in range(edge_a.shape[0]):
        a = edge_a[e]
        b = edge_b[e]
        i, i_end = indptr[a], indptr[a + 1]
        j, j_end = indptr[b], indptr[b + 1]
        total = 0.0
        if (j_end - j) > 16 * (i_end - i):
            # b used far more keys: find each key of a by binary search in b's row.
            while i < i_end and j < j_end:
                ki = indices[i]
                lo, hi = j, j_end
                while lo < hi:
                    mid = (lo + hi) // 2
                    if indices[mid] < ki:
                        lo = mid + 1
                    else:
                        hi = mid
                j = lo
                if j < j_end and indices[j] == ki:
                    ma = data[i]
                    mb = data[j]
                    term = (ma * mb) * rate[ki]
                    smaller = ma if ma < mb else mb
                    total += term if term < smaller else smaller
                    j += 1
                i += 1
            out[e] = total
            continue
        if a != current:
            for x in range(i, i_end):
                value[indices[x]] = data[x]
                owner[indices[x]] = a
            current = a
        for x in range(j, j_end):
            k = indices[x]
            if owner[k] == a:
                ma = value[k]
                mb = data[x]
                term = (ma * mb) * rate[k]
                smaller = ma if ma < mb else mb
                total += term if term < smaller else smaller
        out[e] = total


#: Buckets larger than this are radix sorted (measured: about 4x faster than merging).
_RADIX_FROM = 64
_HELPERS = (
    "_k_insertion_sort",
    "_k_sort_triples",
    "_k_sort_values",
    "_k_radix_sort_high",
    "_k_distinct",
)
_KERNELS = (
    "_k_window_ends",
    "_k_cuts",
    "_k_count",
    "_k_fill",
    "_k_fill_partner",
    "_k_mark",
    "_k_pack",
    "_k_fill_kept",
    "_k_group",
    "_k_reduce",
    "_k_key_spans",
    "_k_expected",
)


def _compiled() -> dict[str, Any] | None:
    """The numba-compiled kernels by name, or None when numba is not installed (or broken).

    The first call imports numba and compiles the kernels for the usual argument
    types on a tiny input, so that no thread compiles later; ``cache=True`` keeps
    the machine code in ``__pycache__`` (or ``NUMBA_CACHE_DIR``) for later
    processes. numba's warnings (a cache that cannot be written, say) are logged,
    not raised.
    """
    return _KERNELS_LOADED.get()


def _load_kernels() -> dict[str, Any] | None:
    return compile_kernels(
        globals(),
        _KERNELS,
        helpers=_HELPERS,
        warm_up=_warm_up,
        purpose="project_edges",
        fallback="the numpy path",
        log=logger,
    )


#: The compiled kernels (None when numba is unusable), loaded on first use.
_KERNELS_LOADED: LazyKernels[dict[str, Any] | None] = LazyKernels(_load_kernels)


def _warm_up(kernels: dict[str, Any]) -> None:
    """Compile every kernel for the int32 payload (the usual case) on four events."""
    for min_pairs, min_keys in ((1, 1), (2, 2)):  # the plain and the filtered path's kernels
        _numba_edges(
            kernels,
            np.array([0, 1, 0, 1], dtype=np.int64),
            np.array([0, 0, 0, 0], dtype=np.int64),
            np.array([0.0, 1.0, 2.0, 3.0]),
            np.arange(4, dtype=np.int64),
            window=10.0,
            n_accounts=2,
            specificity=np.ones(1),
            max_evidence=1,
            min_pairs=min_pairs,
            min_keys=min_keys,
            chunk_pairs=CHUNK_PAIRS,
            threads=1,
        )
    kernels["_k_key_spans"](np.zeros(2, dtype=np.int64), np.zeros(2), np.zeros(1), np.zeros(1))
    kernels["_k_expected"](
        np.array([0, 1, 2], dtype=np.int32),
        np.array([0, 0], dtype=np.int32),
        np.ones(2),
        np.ones(1),
        np.array([0], dtype=np.int64),
        np.array([1], dtype=np.int64),
        np.zeros(1),
    )


def numba_available() -> bool:
    """Whether the numba kernel of :func:`project_edges` can run (numba installed and working).

    The first call imports numba and compiles (or loads from its cache) the kernel.

    Examples
    --------
    >>> isinstance(numba_available(), bool)
    True
    """
    return _compiled() is not None


# --------------------------------------------------------------------------------------
# Driver


def expected_coactions(
    indptr: NDArray[Any],
    indices: NDArray[Any],
    data: NDArray[np.float64],
    rate: NDArray[np.float64],
    edge_a: NDArray[np.int64],
    edge_b: NDArray[np.int64],
) -> NDArray[np.float64] | None:
    """Null-model expectation per edge with the compiled kernel, or None without numba.

    ``sum_k min(m_ak m_bk rate_k, m_ak, m_bk)`` over the keys ``k`` both accounts
    used, from the CSR arrays (sorted indices) of the account x key incidence;
    see :func:`botgraph.significance.coaction_significance`. Time is linear in the
    partner's key count per edge (or the smaller count times its logarithm when
    the other is more than 16 times longer), plus each account's key count once
    per run of its edges (edges sorted by account); memory one float per edge,
    and 16 bytes per key column per thread (pass only the columns that matter).

    Examples
    --------
    >>> import numpy as np
    >>> out = expected_coactions(np.array([0, 2, 3]), np.array([0, 1, 1]),
    ...                          np.array([2.0, 1.0, 3.0]), np.array([0.5, 0.1]),
    ...                          np.array([0]), np.array([1]))
    >>> None if out is None else out.round(3).tolist()
    [0.3]
    """
    kernels = _compiled()
    if kernels is None:
        return None
    n_edges = edge_a.shape[0]
    out = np.zeros(n_edges, dtype=np.float64)
    data = np.ascontiguousarray(data, dtype=np.float64)
    rate = np.ascontiguousarray(rate, dtype=np.float64)
    edge_a = np.ascontiguousarray(edge_a, dtype=np.int64)
    edge_b = np.ascontiguousarray(edge_b, dtype=np.int64)
    # Edges are independent: slices of them run in threads (the kernel holds no GIL).
    threads = min(_default_threads(), max(1, n_edges // 50_000))
    if threads == 1:
        kernels["_k_expected"](indptr, indices, data, rate, edge_a, edge_b, out)
        return out
    # Edges are sorted by account, and an account's cost is its key count: deal the
    # edges out in blocks round-robin so that every thread gets a similar mix.
    block = np.arange(n_edges, dtype=np.int64) // 4096 % threads
    parts = [np.flatnonzero(block == t) for t in range(threads)]
    results = [np.zeros(p.shape[0], dtype=np.float64) for p in parts]

    def task(t: int) -> Callable[[], None]:
        p = parts[t]
        return lambda: kernels["_k_expected"](
            indptr, indices, data, rate, edge_a[p], edge_b[p], results[t]
        )

    with ThreadPoolExecutor(max_workers=threads) as pool:
        _run(pool, [task(t) for t in range(threads)])
    for p, r in zip(parts, results, strict=True):
        out[p] = r
    return out


def key_time_spans(
    key: NDArray[np.int64], time: NDArray[np.float64], n_keys: int
) -> tuple[NDArray[np.float64], NDArray[np.float64]] | None:
    """First and last time of every key in one compiled pass, or None.

    None when numba is not available, or when the events are not sorted by key,
    then time (or a key code is out of range): the caller's general path decides
    then. Keys without events get ``inf`` and ``-inf``.

    Examples
    --------
    >>> import numpy as np
    >>> spans = key_time_spans(np.array([0, 0, 2]), np.array([1.0, 5.0, 3.0]), 3)
    >>> None if spans is None else [s.tolist() for s in spans]
    [[1.0, inf, 3.0], [5.0, -inf, 3.0]]
    """
    kernels = _compiled()
    if kernels is None:
        return None
    first = np.full(n_keys, np.inf)
    last = np.full(n_keys, -np.inf)
    key = np.ascontiguousarray(key, dtype=np.int64)
    time = np.ascontiguousarray(time, dtype=np.float64)
    if not kernels["_k_key_spans"](_read_only(key), _read_only(time), first, last):
        return None
    return first, last


def _default_threads() -> int:
    """The CPUs this process may use, at most ``_MAX_DEFAULT_THREADS``."""
    available = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    return max(1, min(available or os.cpu_count() or 1, _MAX_DEFAULT_THREADS))


def _splits(cumulative: NDArray[np.int64], parts: int) -> list[int]:
    """Cut positions ``0 = c_0 <= ... <= c_parts = n`` balancing a non-decreasing cumsum."""
    n = int(cumulative.shape[0])
    if n == 0:
        return [0] * (parts + 1)
    total = int(cumulative[-1])
    targets = [total * p // parts for p in range(1, parts)]
    inner = np.searchsorted(cumulative, np.asarray(targets, dtype=np.int64), side="left")
    return [0, *(int(x) for x in inner), n]


def _account_ranges(per_account: NDArray[np.int64], limit: int) -> list[tuple[int, int]]:
    """Consecutive account ranges holding at most *limit* pairs (or one account)."""
    n = int(per_account.shape[0])
    cumulative = np.cumsum(per_account)
    out: list[tuple[int, int]] = []
    start = 0
    while start < n:
        before = int(cumulative[start - 1]) if start else 0
        stop = int(np.searchsorted(cumulative, before + limit, side="right"))
        stop = min(max(stop, start + 1), n)
        out.append((start, stop))
        start = stop
    return out


class _Output:
    """Output columns, allocated for *capacity* edges and cut to size at the end.

    ``np.empty`` only reserves address space: pages never written are never
    resident, and ``ndarray.resize`` gives the tail back without copying (realloc).
    """

    def __init__(self, capacity: int, evidence_capacity: int) -> None:
        e = np.empty
        self.a = e(capacity, np.int64)
        self.b = e(capacity, np.int64)
        self.pairs = e(capacity, np.int64)
        self.keys = e(capacity, np.int64)
        self.matched = e(capacity, np.int64)
        self.min_dt = e(capacity, np.float64)
        self.median_dt = e(capacity, np.float64)
        self.weight = e(capacity, np.float64)
        self.indptr = e(capacity + 1, np.int64)
        self.indptr[0] = 0
        self.evidence = e(evidence_capacity, np.int64)

    @classmethod
    def for_pairs(cls, n_pairs: int, max_evidence: int, min_pairs: int) -> _Output:
        """Room for every edge of *n_pairs* pairs with at least *min_pairs* pairs each."""
        capacity = n_pairs // min_pairs
        return cls(capacity, 2 * min(n_pairs, max_evidence * capacity))

    def columns(self) -> tuple[NDArray[Any], ...]:
        return (
            self.a,
            self.b,
            self.pairs,
            self.keys,
            self.matched,
            self.min_dt,
            self.median_dt,
            self.weight,
            self.indptr,
            self.evidence,
        )

    def cut(self, n_edges: int, n_evidence: int) -> None:
        for name in ("a", "b", "pairs", "keys", "matched", "min_dt", "median_dt", "weight"):
            getattr(self, name).resize(n_edges, refcheck=False)
        self.indptr.resize(n_edges + 1, refcheck=False)
        self.evidence.resize(n_evidence, refcheck=False)


class _Clock:
    """Wall and CPU time per named phase, summed over repeats (for debug logging)."""

    def __init__(self) -> None:
        self.last = (_time.perf_counter(), _time.process_time())
        self.phases: dict[str, tuple[float, float]] = {}

    def lap(self, phase: str) -> None:
        now = (_time.perf_counter(), _time.process_time())
        wall, cpu = self.phases.get(phase, (0.0, 0.0))
        self.phases[phase] = (wall + now[0] - self.last[0], cpu + now[1] - self.last[1])
        self.last = now

    def __str__(self) -> str:
        return ", ".join(f"{k} {w:.2f} s (CPU {c:.2f} s)" for k, (w, c) in self.phases.items())


def _read_only(array: NDArray[Any]) -> NDArray[Any]:
    view = array.view()
    view.flags.writeable = False
    return view


def _small_int(n_accounts: int, key: NDArray[np.int64], record: NDArray[np.int64]) -> type:
    """int32 when accounts, keys and records all fit in it (the usual case), else int64."""
    if key.shape[0] == 0:
        return np.int32
    largest = max(n_accounts, int(key.max()) + 1, int(record.max()) + 1)
    return np.int32 if largest <= _INT32_MAX and int(record.min()) >= 0 else np.int64


def _run(pool: ThreadPoolExecutor | None, tasks: list[Callable[[], Any]]) -> None:
    """Run *tasks* on the pool (or here, without one) and wait for all of them."""
    if pool is None or len(tasks) == 1:
        for task in tasks:
            task()
        return
    for future in [pool.submit(task) for task in tasks]:
        future.result()


@dataclass(slots=True)
class _Job:
    """State shared by the passes of one :func:`_numba_edges` call."""

    kernels: dict[str, Any]
    pool: ThreadPoolExecutor | None
    events: tuple[NDArray[Any], ...]  # account, key, time, record, ends
    slices: list[tuple[int, int]]  # event slice of each thread
    counts: NDArray[np.int64]  # pairs per (thread, account_a)
    small: type  # integer type of the payload
    specificity: NDArray[np.float64]
    n_accounts: int
    max_evidence: int
    min_pairs: int
    min_keys: int
    chunk_pairs: int
    account_bits: int
    out: _Output
    clock: _Clock
    payload: tuple[NDArray[Any], ...] = ()  # account_b, key, dt, record_a, record_b
    n_edges: int = 0
    n_evidence: int = 0

    def run(self, tasks: list[Callable[[], Any]]) -> None:
        _run(self.pool, tasks)

    def ensure_payload(self, n_pairs: int) -> None:
        """Room for *n_pairs* pairs in the payload (allocated on first need)."""
        if not self.payload or self.payload[0].shape[0] < n_pairs:
            self.payload = ()
            s = self.small
            self.payload = tuple(np.empty(n_pairs, dtype=t) for t in (s, s, np.float64, s, s))

    def project_range(self, acc_lo: int, acc_hi: int) -> None:
        """Bucket, group and reduce the pairs whose ``account_a`` is in ``acc_lo:acc_hi``."""
        counts = self.counts[:, acc_lo:acc_hi]
        bucket, cursors = _buckets(counts)
        self.ensure_payload(int(bucket[-1]))
        fill = self.kernels["_k_fill"]
        self.run(
            [
                partial(fill, *self.events, lo, hi, acc_lo, acc_hi, cursor, *self.payload)
                for (lo, hi), cursor in zip(self.slices, cursors, strict=True)
            ]
        )
        self.clock.lap("fill")
        self.reduce_buckets(acc_lo, bucket)

    def project_range_filtered(self, acc_lo: int, acc_hi: int) -> None:
        """:meth:`project_range` for ``min_pairs`` or ``min_keys`` above 1.

        First only each pair's partner (and key, for ``min_keys``) is bucketed, 4
        bytes a pair (8) instead of 24, and the pairs of edges that are not kept are
        marked; then a second scan buckets the kept pairs in full, in sub-ranges of
        at most ``chunk_pairs`` kept pairs, for the usual reduction.
        """
        threads = len(self.slices)
        with_keys = self.min_keys > 1
        counts = np.ascontiguousarray(self.counts[:, acc_lo:acc_hi])
        bucket, slots = _buckets(counts)
        marks: NDArray[Any] = np.empty(int(bucket[-1]), dtype=self.small)
        keys: NDArray[Any] = np.empty(marks.shape[0] if with_keys else 1, dtype=self.small)
        account, key, _, _, ends = self.events
        fill = self.kernels["_k_fill_partner"]
        self.run(
            [
                partial(fill, account, key, ends, lo, hi, acc_lo, acc_hi, slot.copy(), marks,
                        keys, with_keys)
                for (lo, hi), slot in zip(self.slices, slots, strict=True)
            ]
        )  # fmt: skip
        self.clock.lap("fill partners")
        cut = _splits(bucket[1:], threads)
        kept = np.zeros_like(counts)
        n_kept = np.zeros(acc_hi - acc_lo, dtype=np.int64)
        mark = self.kernels["_k_mark"]
        self.run(
            [
                partial(mark, marks, keys, bucket, counts, cut[t], cut[t + 1], self.n_accounts,
                        self.min_pairs, self.min_keys, with_keys, kept, n_kept)
                for t in range(threads)
            ]
        )  # fmt: skip
        del keys
        # The marks as a bitmap (one bit a pair), in byte slices, one per thread.
        kept_bits = np.empty((marks.shape[0] + 7) // 8, dtype=np.uint8)
        byte_cut = [kept_bits.shape[0] * t // threads for t in range(threads + 1)]
        pack = self.kernels["_k_pack"]
        self.run([partial(pack, marks, byte_cut[t], byte_cut[t + 1], kept_bits)
                  for t in range(threads)])  # fmt: skip
        marks_size = int(marks.shape[0])
        del marks
        self.clock.lap("mark")
        per_account = kept.sum(axis=0)
        fill_kept = self.kernels["_k_fill_kept"]
        subs = [
            (lo, hi)
            for lo, hi in _account_ranges(per_account, self.chunk_pairs)
            if per_account[lo:hi].any()
        ]
        for sub_lo, sub_hi in subs:
            lo_abs, hi_abs = acc_lo + sub_lo, acc_lo + sub_hi
            sub_bucket, cursors = _buckets(kept[:, sub_lo:sub_hi])
            self.ensure_payload(int(sub_bucket[-1]))
            none = n_kept[sub_lo:sub_hi] == 0
            # int32 slots when they fit: the array the scan updates at random stays in cache.
            slot_type = np.int32 if marks_size < _INT32_MAX else np.int64
            self.run(
                [
                    partial(fill_kept, *self.events, lo, hi, lo_abs, hi_abs,
                            np.where(none, -1, slot[sub_lo:sub_hi]).astype(slot_type),
                            kept_bits, cursor,
                            *self.payload)
                    for (lo, hi), slot, cursor in zip(self.slices, slots, cursors, strict=True)
                ]
            )  # fmt: skip
            self.clock.lap("fill kept")
            self.reduce_buckets(lo_abs, sub_bucket)

    def reduce_buckets(self, acc_lo: int, bucket: NDArray[np.int64]) -> None:
        """Group and reduce the filled buckets of accounts ``acc_lo:`` into edges."""
        threads = len(self.slices)
        n = bucket.shape[0] - 1
        cut = _splits(bucket[1:], threads)  # accounts with about equal pair counts
        parts = [(cut[t], cut[t + 1]) for t in range(threads)]
        edge_count = np.zeros(n, dtype=np.int64)
        evidence_count = np.zeros(n, dtype=np.int64)
        group = self.kernels["_k_group"]
        self.run(
            [
                partial(group, self.payload[0], self.payload[1], bucket, lo, hi,
                        self.n_accounts, self.max_evidence, self.min_pairs, self.min_keys,
                        edge_count, evidence_count)
                for lo, hi in parts
            ]
        )  # fmt: skip
        self.clock.lap("group")

        edge_start = np.cumsum(edge_count) - edge_count + self.n_edges
        evidence_start = np.cumsum(evidence_count) - evidence_count + self.n_evidence
        self.n_edges += int(edge_count.sum())
        self.n_evidence += int(evidence_count.sum())
        reduce = self.kernels["_k_reduce"]
        self.run(
            [
                partial(reduce, *self.payload, self.specificity, bucket, lo, hi, acc_lo,
                        self.account_bits, edge_start, evidence_start, self.max_evidence,
                        self.min_pairs, self.min_keys, *self.out.columns())
                for lo, hi in parts
            ]
        )  # fmt: skip
        self.clock.lap("reduce")


def _buckets(counts: NDArray[np.int64]) -> tuple[NDArray[np.int64], list[NDArray[np.int64]]]:
    """Bucket bounds of a range's accounts and each thread's first slot per account.

    ``counts[t, u]``: pairs of account ``u`` that thread ``t`` enumerates. Thread
    ``t``'s pairs of an account follow those of threads ``< t``, so every bucket keeps
    the enumeration order (ascending key) of a single scan.
    """
    bucket = np.zeros(counts.shape[1] + 1, dtype=np.int64)
    np.cumsum(counts.sum(axis=0), out=bucket[1:])
    before = np.cumsum(counts, axis=0) - counts
    return bucket, [bucket[:-1] + before[t] for t in range(counts.shape[0])]


def _numba_edges(
    kernels: dict[str, Any],
    account: NDArray[np.int64],
    key: NDArray[np.int64],
    time: NDArray[np.float64],
    record: NDArray[np.int64],
    *,
    window: float,
    n_accounts: int,
    specificity: NDArray[np.float64],
    max_evidence: int,
    min_pairs: int,
    min_keys: int,
    chunk_pairs: int,
    threads: int,
) -> EdgeArrays:
    """The numba path of :func:`project_edges` (inputs already validated)."""
    clock = _Clock()
    # Read-only views whatever the caller passed: numba compiles read-only and writable
    # arrays separately, so this keeps to the one compiled (and cached) variant.
    account, key, time, record, specificity = (
        _read_only(a) for a in (account, key, time, record, specificity)
    )
    n = int(key.shape[0])
    # Window ends as int32 when every position fits (half the memory of int64).
    ends = np.empty(n, dtype=np.int32 if n < _INT32_MAX else np.int64)
    kernels["_k_window_ends"](key, time, window, ends)
    # Event slices of about equal numbers of candidate pairs, one per thread.
    cut = np.zeros(threads + 1, dtype=np.int64)
    kernels["_k_cuts"](ends, cut)
    slices = [(int(cut[t]), int(cut[t + 1])) for t in range(threads)]
    counts = np.zeros((threads, max(n_accounts, 1)), dtype=np.int64)
    with ThreadPoolExecutor(threads) if threads > 1 else contextlib.nullcontext() as pool:
        count = kernels["_k_count"]
        _run(pool, [partial(count, account, ends, *sl, counts[t]) for t, sl in enumerate(slices)])
        per_account = counts.sum(axis=0)
        clock.lap("window ends and counts")
        if per_account.max() > _MAX_BUCKET:
            raise ParameterError(
                f"The numba kernel of {_FUNC} handles at most {_MAX_BUCKET} pairs per account. "
                f"Got {int(per_account.max())} for account {int(per_account.argmax())} instead; "
                "use engine='numpy'."
            )
        n_pairs = int(per_account.sum())
        filtered = min_pairs > 1 or min_keys > 1
        small = _small_int(n_accounts, key, record)
        limit = chunk_pairs
        if filtered:  # the first pass holds 4 bytes a pair (8 with keys) instead of 24
            limit = max(1, chunk_pairs * 24 // (np.dtype(small).itemsize * (1 + (min_keys > 1))))
        ranges = _account_ranges(per_account, limit)
        job = _Job(
            kernels=kernels,
            pool=pool,
            events=(account, key, time, record, ends),
            slices=slices,
            counts=counts,
            small=small,
            specificity=specificity,
            n_accounts=n_accounts,
            max_evidence=max_evidence,
            min_pairs=min_pairs,
            min_keys=min_keys,
            chunk_pairs=chunk_pairs,
            account_bits=max(n_accounts - 1, 1).bit_length(),
            out=_Output.for_pairs(n_pairs, max_evidence, max(min_pairs, min_keys)),
            clock=clock,
        )
        for acc_lo, acc_hi in ranges:
            if not per_account[acc_lo:acc_hi].any():
                continue
            if filtered:
                job.project_range_filtered(acc_lo, acc_hi)
            else:
                job.project_range(acc_lo, acc_hi)
    out = job.out
    out.cut(job.n_edges, job.n_evidence)
    logger.debug(
        "project_edges: %d events, %d pairs, %d edges, %d account range(s), %d thread(s); %s",
        n,
        n_pairs,
        job.n_edges,
        len(ranges),
        threads,
        clock,
    )
    return EdgeArrays(
        account_a=out.a,
        account_b=out.b,
        pairs=out.pairs,
        keys=out.keys,
        matched=out.matched,
        min_dt=out.min_dt,
        median_dt=out.median_dt,
        key_weight=out.weight,
        evidence_indptr=out.indptr,
        evidence_record=out.evidence,
        n_pairs=n_pairs,
        engine="numba",
    )


def _numpy_edges(
    account: NDArray[np.int64],
    key: NDArray[np.int64],
    time: NDArray[np.float64],
    record: NDArray[np.int64],
    *,
    window: float,
    n_accounts: int,
    specificity: NDArray[np.float64],
    max_evidence: int,
    min_pairs: int,
    min_keys: int,
    chunk_pairs: int,
) -> EdgeArrays:
    """The reference: every pair materialised by project_partition, then aggregate_pairs."""
    from botgraph.projection import aggregate_pairs, project_partition

    pairs = project_partition(account, key, time, record, window=window, chunk_pairs=chunk_pairs)
    graph = aggregate_pairs(
        pairs,
        layer="",
        window=window,
        accounts=np.empty(n_accounts, dtype=object),
        record_ids=np.empty(0, dtype=object),
        key_specificity=specificity,
        max_evidence=max_evidence,
    )
    keep = (graph.pairs >= min_pairs) & (graph.keys >= min_keys)
    per_edge = np.diff(graph.evidence_indptr)
    indptr = np.zeros(int(keep.sum()) + 1, dtype=np.int64)
    np.cumsum(per_edge[keep], out=indptr[1:])
    return EdgeArrays(
        account_a=graph.account_a[keep],
        account_b=graph.account_b[keep],
        pairs=graph.pairs[keep],
        keys=graph.keys[keep],
        matched=graph.matched[keep],
        min_dt=graph.min_dt[keep],
        median_dt=graph.median_dt[keep],
        key_weight=graph.key_weight[keep],
        evidence_indptr=indptr,
        evidence_record=graph.evidence_record[np.repeat(keep, per_edge)],
        n_pairs=len(pairs),
        engine="numpy",
    )


def _events(
    event_account: Any, event_key: Any, event_time: Any, event_record: Any
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.float64], NDArray[np.int64]]:
    """The four event columns as 1-D contiguous arrays of one length (no copy if already)."""
    account = np.ascontiguousarray(event_account, dtype=np.int64)
    key = np.ascontiguousarray(event_key, dtype=np.int64)
    time = np.ascontiguousarray(event_time, dtype=np.float64)
    record = np.ascontiguousarray(event_record, dtype=np.int64)
    if key.ndim != 1:
        raise ParameterError(
            f"The 'event_key' parameter of {_FUNC} must be a 1-D array. "
            f"Got shape {key.shape} instead."
        )
    named = {"event_account": account, "event_time": time, "event_record": record}
    for name, values in named.items():
        if values.shape != key.shape:
            raise ParameterError(
                f"The {name!r} parameter of {_FUNC} must be a 1-D array as long as "
                f"'event_key' ({key.shape[0]}). Got shape {values.shape} instead."
            )
    return account, key, time, record


def _check_events(
    account: NDArray[np.int64],
    key: NDArray[np.int64],
    time: NDArray[np.float64],
    n_accounts: int,
    specificity: NDArray[np.float64],
) -> None:
    if key.shape[0] == 0:
        return
    low, high = int(account.min()), int(account.max())
    if low < 0 or high >= n_accounts:
        raise ParameterError(
            f"The 'event_account' parameter of {_FUNC} must hold account codes in "
            f"[0, n_accounts={n_accounts}). Got values from {low} to {high} instead."
        )
    if int(key.min()) < 0 or int(key.max()) >= specificity.shape[0]:
        raise ParameterError(
            f"The 'key_specificity' parameter of {_FUNC} must have an entry for every key "
            f"code (event_key from {int(key.min())} to {int(key.max())}). "
            f"Got {specificity.shape[0]} entries instead."
        )
    if not np.isfinite(time).all():
        raise ParameterError(
            f"The 'event_time' parameter of {_FUNC} must hold finite times. "
            f"Got {float(time[~np.isfinite(time)][0])!r} instead."
        )
    step = np.diff(key)
    unsorted = (step < 0) | ((step == 0) & (np.diff(time) < 0))
    if unsorted.any():
        at = int(np.argmax(unsorted)) + 1
        raise ParameterError(
            f"The events of {_FUNC} must be sorted by key, then time. Got event {at} "
            f"(key {int(key[at])}, time {float(time[at])!r}) after key {int(key[at - 1])}, "
            f"time {float(time[at - 1])!r} instead."
        )


def project_edges(
    event_account: NDArray[np.int64],
    event_key: NDArray[np.int64],
    event_time: NDArray[np.float64],
    event_record: NDArray[np.int64],
    *,
    window: float,
    n_accounts: int,
    key_specificity: NDArray[np.float64],
    max_evidence: int = 3,
    min_pairs: int = 1,
    min_keys: int = 1,
    chunk_pairs: int = CHUNK_PAIRS,
    threads: int | None = None,
    engine: str = "auto",
) -> EdgeArrays:
    """Per-edge aggregates of the co-action graph of one layer's trace events.

    Exactly the edges and columns of
    ``aggregate_pairs(project_partition(...), ...)`` (see
    :mod:`botgraph.projection`), computed without holding every co-action pair
    in memory when numba is installed.

    Parameters
    ----------
    event_account, event_key, event_time, event_record : ndarray
        Trace events sorted by key, then time (as in
        :class:`botgraph.traces.BipartiteGraph`): account code, key code, epoch
        seconds, record index. Not modified.
    window : float
        Maximum time between two co-acting events, in seconds (inclusive).
    n_accounts : int
        Number of accounts; every account code is below it (at most ``2**31 - 1``).
    key_specificity : ndarray of float64
        Weight of each key code, summed per edge into ``key_weight``.
    max_evidence : int, default 3
        Closest co-action pairs per edge whose record indices are kept.
    min_pairs, min_keys : int, default 1
        Keep only the edges with at least this many co-action pairs and distinct
        keys. The defaults keep every edge, as projection does; larger values drop
        edges before they are materialised, which is what bounds the result's
        memory (most edges of a large layer rest on a single co-action).
    chunk_pairs : int, default 20_000_000
        Co-action pairs held at once (24 bytes each with numba, 48 with numpy):
        bounds the working memory beside the result. Never changes the result.
    threads : int, optional
        Threads of the numba kernel; default: the CPUs available, at most 8.
        Never changes the result.
    engine : {"auto", "numba", "numpy"}, default "auto"
        ``"numba"`` runs the compiled kernel, ``"numpy"`` materialises the pairs
        with :func:`~botgraph.projection.project_partition` and reduces them with
        :func:`~botgraph.projection.aggregate_pairs`; ``"auto"`` uses numba when it
        is installed.

    Returns
    -------
    EdgeArrays
        One row per pair of accounts with at least one co-action pair, sorted by
        ``(account_a, account_b)``.

    Raises
    ------
    ParameterError
        If a parameter is out of range, the event columns differ in length, an
        account or key code is out of range, a time is not finite, or the events
        are not sorted by key, then time.
    MissingDependencyError
        If ``engine="numba"`` and numba is not installed (or cannot compile).

    Notes
    -----
    Events ``i < j`` (positions) of one key and distinct accounts form a pair
    when ``t_j <= t_i + window`` in float64, the comparison projection makes;
    ``dt = t_j - t_i``. Per edge, ``median_dt`` is ``(dt_(lo) + dt_(hi)) / 2``
    of the order statistics ``lo = (m - 1) // 2``, ``hi = m // 2`` of its ``m``
    pairs, and ``key_weight`` adds the specificities in ascending key order from
    0.0, the order :func:`numpy.bincount` adds them in: the float results are
    bit-identical to the numpy path's, for integer and fractional times alike
    (every time gap is kept in float64; no approximation is involved).

    The numba kernel's time is linear in events plus pairs (buckets are radix
    sorted; small ones merge sorted). Its memory beside the result (about 81 bytes
    per edge with ``max_evidence=3``) is 4 bytes per event (window ends; 8 beyond
    ``2**31 - 1`` events), per thread 24 bytes per account (pair counts and
    partner table; 40 when key codes or record indices exceed ``2**31 - 1``), and
    24 bytes (40) per pair of the largest account range: at most ``chunk_pairs``
    pairs unless one account alone has more. Each account range beyond the first
    costs one more scan of the pairs. With ``min_pairs`` or ``min_keys`` above 1
    the bound holds for the kept pairs, and the first pass holds 4 bytes (8 with
    ``min_keys``; twice that for int64 codes) per pair of a range of up to
    6 * ``chunk_pairs`` pairs (3 *), plus one bit per pair while the kept pairs
    are written. The numpy path holds every pair (48 bytes each, plus sort
    temporaries).

    On a large layer most edges rest on a single co-action, and the result
    dominates the memory: at 10^7 events and a 60 s window (8 * 10^7 pairs,
    7.6 * 10^7 edges) it takes 6.2 GB, while ``min_keys=2`` keeps 3 * 10^5 edges.

    The numba kernel is compiled on the first call in a process (about 8 s), or
    loaded from numba's on-disk cache (about 0.5 s).

    Examples
    --------
    >>> import numpy as np
    >>> e = project_edges(np.array([0, 1, 0, 1]), np.array([0, 0, 1, 1]),
    ...                   np.array([0.0, 4.0, 50.0, 52.0]), np.arange(4), window=10,
    ...                   n_accounts=2, key_specificity=np.ones(2))
    >>> e.account_a.tolist(), e.account_b.tolist(), e.pairs.tolist(), e.keys.tolist()
    ([0], [1], [2], [2])
    >>> e.median_dt.tolist(), e.evidence_record.tolist()
    ([3.0], [2, 3, 0, 1])
    """
    window = check_number(window, "window", _FUNC, low=0.0)
    n_accounts = check_int(n_accounts, "n_accounts", _FUNC, low=0, high=_INT32_MAX)
    max_evidence = check_int(max_evidence, "max_evidence", _FUNC, low=1)
    min_pairs = check_int(min_pairs, "min_pairs", _FUNC, low=1)
    min_keys = check_int(min_keys, "min_keys", _FUNC, low=1)
    chunk_pairs = check_int(chunk_pairs, "chunk_pairs", _FUNC, low=1)
    if threads is not None:
        threads = check_int(threads, "threads", _FUNC, low=1)
    engine = check_choice(engine, "engine", _FUNC, _ENGINES)
    account, key, time, record = _events(event_account, event_key, event_time, event_record)
    specificity = np.ascontiguousarray(key_specificity, dtype=np.float64)
    if specificity.ndim != 1:
        raise ParameterError(
            f"The 'key_specificity' parameter of {_FUNC} must be a 1-D array. "
            f"Got shape {specificity.shape} instead."
        )
    _check_events(account, key, time, n_accounts, specificity)

    kernels = _compiled() if engine != "numpy" else None
    if kernels is None:
        if engine == "numba":
            raise MissingDependencyError(
                f"{_FUNC}(engine='numba') needs numba, which is not installed or cannot "
                "compile the kernel (see the 'botgraph' log). Install it with: "
                "pip install numba (or use engine='auto')"
            )
        return _numpy_edges(
            account,
            key,
            time,
            record,
            window=window,
            n_accounts=n_accounts,
            specificity=specificity,
            max_evidence=max_evidence,
            min_pairs=min_pairs,
            min_keys=min_keys,
            chunk_pairs=chunk_pairs,
        )
    if threads is None:
        threads = _default_threads()
    return _numba_edges(
        kernels,
        account,
        key,
        time,
        record,
        window=window,
        n_accounts=n_accounts,
        specificity=specificity,
        max_evidence=max_evidence,
        min_pairs=min_pairs,
        min_keys=min_keys,
        chunk_pairs=chunk_pairs,
        threads=threads,
    )
