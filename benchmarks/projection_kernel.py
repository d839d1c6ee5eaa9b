"""Projection of one layer: the numpy path beside the numba kernel (``botgraph._kernels``).

Usage::

    python benchmarks/projection_kernel.py [--sizes 1e5 1e6 1e7] [--repeats 3] [--window 60]
                                           [--seed 0] [--threads N] [--chunk-pairs N]
                                           [--min-pairs 2] [--numpy-max-size 1e7]
                                           [--timeout 900] [--memory-limit 16]
                                           [--no-compile] [--no-verify]

Both engines compute ``project_edges(...)``: ``engine="numpy"`` is
``aggregate_pairs(project_partition(...))`` (every co-action pair materialised),
``engine="numba"`` the streaming kernel. A third column runs the kernel with
``min_pairs=2`` (``--min-pairs``; 1 to skip it): only the edges with at least two
co-action pairs are materialised, as ``botgraph.detect`` does (its
``min_coactions``), which is what bounds the result's memory.

Data. For each size, seeded synthetic trace events of one text-like layer are
generated in this process (numpy only, a few seconds at 10^7) and saved to a
temporary directory: ``n`` events over 14 days with a diurnal rhythm, from
``n / 20`` accounts of lognormal activity; 39 % of the events repeat a phrase of
Zipf popularity (exponent 1.3, ``n / 100`` phrases), 2 % are coordinated bursts
(groups of 20-50 accounts, 80 % of a group posting one of its texts within 20 s),
the rest are unique. At 10^7 events and a 60 s window this gives about
8 * 10^7 co-action pairs (printed).

Measurements. Every run is a fresh process (this script with ``--child``) that
loads the events, warms its engine up on a tiny input (numba: compiles or loads
the kernel from its cache; excluded from the time) and times one
``project_edges`` call with ``time.perf_counter``. Time is the median over
``--repeats`` runs, with the fastest and slowest in brackets (a run slower than
120 s or failed is not repeated). Peak
memory is the process's ``ru_maxrss`` after the call (``resource.getrusage``:
events, numba and all), with the growth during the call beside it ("+": peak
after minus peak before). Each process runs under ``RLIMIT_AS``
(``--memory-limit`` GiB) and ``--timeout`` seconds; a run that exceeds them is
reported as "out of memory" or "timeout".

Identity. Each run prints a SHA-256 digest of every result column; the engines'
digests are compared per size. Where the numpy path cannot run, ``--verify``
(default on) checks the kernel's full result on a sample instead: the edges
between a random fifth of the accounts depend only on those accounts' events,
so the kernel's result restricted to them must equal the numpy path on their
events alone.

The load average is printed before and after: other processes on the machine
slow the runs down (the kernel uses every CPU).

Compilation. Two processes with an empty ``NUMBA_CACHE_DIR``: the first
compiles the kernel (cold), the second loads it from that cache.

The table is printed only; nothing is written outside a temporary directory.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

HERE = Path(__file__).resolve().parent
SRC = HERE.parent / "src"
DAY = 86_400
COLUMNS = (
    "account_a",
    "account_b",
    "pairs",
    "keys",
    "matched",
    "min_dt",
    "median_dt",
    "key_weight",
    "evidence_indptr",
    "evidence_record",
)
#: A run slower than this is not repeated.
REPEAT_BELOW_S = 120.0


# ------------------------------------------------------------------ data


def _zipf(rng: np.random.Generator, size: int, n_values: int, exponent: float) -> NDArray[Any]:
    """Ranks in ``[0, n_values)`` with ``P(k)`` proportional to ``(k + 1) ** -exponent``."""
    cdf = np.cumsum(np.arange(1, n_values + 1, dtype=np.float64) ** -exponent)
    return np.searchsorted(cdf / cdf[-1], rng.random(size), side="right")


def _diurnal(rng: np.random.Generator, size: int, days: int) -> NDArray[np.int64]:
    """Integer seconds over *days* days, intensity ``1 + 0.6 sin(2 pi (h - 9) / 24)``."""
    second = np.arange(DAY, dtype=np.float64)
    cdf = np.cumsum(1.0 + 0.6 * np.sin(2.0 * np.pi * (second / 3600.0 - 9.0) / 24.0))
    of_day = np.searchsorted(cdf / cdf[-1], rng.random(size), side="right")
    return rng.integers(0, days, size) * DAY + of_day


def generate(n: int, seed: int) -> dict[str, NDArray[Any]]:
    """Trace events of one layer, sorted by key, time, account, record (see module doc)."""
    rng = np.random.default_rng(seed)
    n_accounts = max(n // 20, 10)
    # Coordinated bursts: groups of 20-50 accounts posting one of their texts together.
    sizes = rng.integers(20, 51, max(n_accounts // 100 // 35, 1))
    members = rng.permutation(n_accounts)[: sizes.sum()]
    n_bursts = max(int(0.02 * n / (0.8 * sizes.mean())), 1)
    burst_group = rng.integers(0, sizes.shape[0], n_bursts)
    burst_time = _diurnal(rng, n_bursts, 14)
    burst_text = burst_group * 20 + rng.integers(0, 20, n_bursts)
    slot_burst = np.repeat(np.arange(n_bursts), sizes[burst_group])
    first_member = (np.cumsum(sizes) - sizes)[burst_group]
    slot_member = np.arange(slot_burst.shape[0]) - np.repeat(
        np.cumsum(sizes[burst_group]) - sizes[burst_group], sizes[burst_group]
    )
    posting = rng.random(slot_burst.shape[0]) < 0.8
    slot_burst, slot_member = slot_burst[posting][: n // 2], slot_member[posting][: n // 2]
    c_account = members[first_member[slot_burst] + slot_member]
    c_time = burst_time[slot_burst] + rng.integers(0, 21, slot_burst.shape[0])
    c_key = burst_text[slot_burst]
    # Organic events: lognormal activity, phrases of Zipf popularity or unique texts.
    n_organic = n - c_account.shape[0]
    activity = np.cumsum(rng.lognormal(0.0, 1.3, n_accounts))
    o_account = np.searchsorted(activity / activity[-1], rng.random(n_organic), side="right")
    o_account = np.minimum(o_account, n_accounts - 1)
    o_time = _diurnal(rng, n_organic, 14)
    n_phrases = max(n // 100, 200)
    phrase = rng.random(n_organic) < 0.39
    o_key = np.arange(n_organic, dtype=np.int64) + n_phrases + 20 * sizes.shape[0]
    o_key[phrase] = _zipf(rng, int(phrase.sum()), n_phrases, 1.3) + 20 * sizes.shape[0]
    account = np.concatenate([o_account, c_account]).astype(np.int64)
    time_ = np.concatenate([o_time, c_time]).astype(np.float64)
    _, key = np.unique(np.concatenate([o_key, c_key]), return_inverse=True)
    key = key.reshape(-1).astype(np.int64)
    record = rng.permutation(n).astype(np.int64)
    order = np.lexsort((record, account, time_, key))
    account, key, time_, record = account[order], key[order], time_[order], record[order]
    # Specificity ln(1 + N / n_k), n_k distinct accounts of key k (as projection's).
    users = np.bincount(np.unique(key * n_accounts + account) // n_accounts)
    spec = np.log1p(n_accounts / np.maximum(users, 1).astype(np.float64))
    return {
        "account": account,
        "key": key,
        "time": time_,
        "record": record,
        "spec": spec,
        "n_accounts": np.array(n_accounts),
    }


def count_pairs(data: dict[str, NDArray[Any]], window: float) -> int:
    """Co-action pairs (distinct accounts, same key, within the window), in chunks."""
    key, time_, account = data["key"], data["time"], data["account"]
    unique_t = np.unique(time_)
    rank = np.searchsorted(unique_t, time_)
    reach = np.searchsorted(unique_t, time_ + window, side="right") - 1
    base = unique_t.shape[0] + 1
    ends = np.searchsorted(key * base + rank, key * base + reach, side="right")
    total = 0
    step = 1_000_000
    for lo in range(0, key.shape[0], step):
        hi = min(lo + step, key.shape[0])
        counts = ends[lo:hi] - np.arange(lo, hi) - 1
        first = np.repeat(np.arange(lo, hi), counts)
        offsets = np.cumsum(counts) - counts
        second = first + 1 + np.arange(first.shape[0]) - np.repeat(offsets, counts)
        total += int((account[first] != account[second]).sum())
    return total


# ------------------------------------------------------------------ child process


def _digest(result: Any) -> str:
    h = hashlib.sha256()
    for column in COLUMNS:
        array = np.ascontiguousarray(getattr(result, column))
        h.update(column.encode() + str(array.dtype).encode() + array.tobytes())
    return h.hexdigest()[:16]


def _maxrss() -> int:
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) * 1024


def _load(path: Path) -> tuple[tuple[NDArray[Any], ...], NDArray[np.float64], int]:
    with np.load(path) as d:
        events = (d["account"], d["key"], d["time"], d["record"])
        return events, d["spec"], int(d["n_accounts"])


def child(args: argparse.Namespace) -> dict[str, Any]:
    sys.path.insert(0, str(SRC))
    from botgraph._kernels import project_edges

    events, spec, n_accounts = _load(Path(args.data))
    options: dict[str, Any] = {"engine": args.engine, "max_evidence": 3}
    if args.mode == "filtered":
        options["min_pairs"] = args.min_pairs
    if args.threads:
        options["threads"] = args.threads
    if args.chunk_pairs:
        options["chunk_pairs"] = args.chunk_pairs
    tiny = tuple(a[:100] for a in events)
    started = time.perf_counter()
    project_edges(*tiny, window=args.window, n_accounts=n_accounts, key_specificity=spec, **options)
    warm_up = time.perf_counter() - started
    if args.mode == "warm":
        return {"warm_up_s": warm_up}
    if args.mode == "verify":
        return _verify(events, spec, n_accounts, args, options)
    before = _maxrss()
    started = time.perf_counter()
    result = project_edges(
        *events, window=args.window, n_accounts=n_accounts, key_specificity=spec, **options
    )
    seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "peak": _maxrss(),
        "growth": _maxrss() - before,
        "pairs": result.n_pairs,
        "edges": len(result),
        "digest": _digest(result),
        "engine": result.engine,
    }


def _verify(
    events: tuple[NDArray[Any], ...],
    spec: NDArray[np.float64],
    n_accounts: int,
    args: argparse.Namespace,
    options: dict[str, Any],
) -> dict[str, Any]:
    """The kernel's full result restricted to a fifth of the accounts vs the numpy path."""
    from botgraph._kernels import project_edges

    full = project_edges(
        *events, window=args.window, n_accounts=n_accounts, key_specificity=spec, **options
    )
    chosen = np.random.default_rng(args.seed + 1).random(n_accounts) < 0.2
    keep = chosen[full.account_a] & chosen[full.account_b]
    per_edge = np.diff(full.evidence_indptr)
    evidence = np.repeat(keep, per_edge)
    restricted = {c: getattr(full, c)[keep] for c in COLUMNS[:-2]}
    restricted["evidence_indptr"] = np.concatenate([[0], np.cumsum(per_edge[keep])])
    restricted["evidence_record"] = full.evidence_record[evidence]
    n_full = len(full)
    del full
    sample = chosen[events[0]]
    reference = project_edges(
        *(a[sample] for a in events),
        window=args.window,
        n_accounts=n_accounts,
        key_specificity=spec,
        engine="numpy",
    )
    same = all(
        np.asarray(restricted[c]).tobytes() == getattr(reference, c).tobytes()
        and np.asarray(restricted[c]).dtype == getattr(reference, c).dtype
        for c in COLUMNS
    )
    return {"identical": same, "edges_checked": len(reference), "edges": n_full}


# ------------------------------------------------------------------ parent


def _limit_memory(gib: float) -> None:
    limit = int(gib * 1024**3)
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def run_child(
    args: argparse.Namespace, data: Path, engine: str, mode: str, env: dict[str, str] | None = None
) -> dict[str, Any]:
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--child",
        "--data",
        str(data),
        "--engine",
        engine,
        "--mode",
        mode,
        "--window",
        str(args.window),
        "--threads",
        str(args.threads or 0),
        "--chunk-pairs",
        str(args.chunk_pairs or 0),
        "--seed",
        str(args.seed),
        "--min-pairs",
        str(args.min_pairs),
    ]
    started = time.perf_counter()
    try:
        proc = subprocess.run(
            command,
            capture_output=True,
            text=True,
            timeout=args.timeout,
            env={**os.environ, **(env or {})},
            preexec_fn=lambda: _limit_memory(args.memory_limit),
            check=False,
        )
    except subprocess.TimeoutExpired:
        return {"error": f"timeout ({args.timeout:.0f} s)"}
    if proc.returncode != 0:
        text = proc.stderr.strip().splitlines()
        oom = "MemoryError" in proc.stderr or proc.returncode in (-9, 137)
        elapsed = time.perf_counter() - started
        if oom:
            return {"error": f"out of memory (> {args.memory_limit:g} GiB) after {elapsed:.0f} s"}
        return {"error": text[-1] if text else "failed"}
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


def measure(args: argparse.Namespace, data: Path, engine: str, mode: str) -> dict[str, Any]:
    runs: list[dict[str, Any]] = []
    for _ in range(args.repeats):
        run = run_child(args, data, engine, mode)
        runs.append(run)
        if "error" in run or run["seconds"] > REPEAT_BELOW_S:
            break
    good = [r for r in runs if "error" not in r]
    if not good:
        return {"error": runs[-1]["error"], "runs": len(runs)}
    out = dict(good[0])
    out["seconds"] = statistics.median(r["seconds"] for r in good)
    out["all_seconds"] = [round(r["seconds"], 2) for r in good]
    out["peak"] = statistics.median(r["peak"] for r in good)
    out["growth"] = statistics.median(r["growth"] for r in good)
    out["runs"] = len(good)
    out["digests"] = sorted({r["digest"] for r in good})
    return out


def _gb(n_bytes: float) -> str:
    return f"{n_bytes / 1e9:.2f} GB"


def _cell(result: dict[str, Any]) -> tuple[str, str]:
    if "error" in result:
        return result["error"], "-"
    low, high = min(result["all_seconds"]), max(result["all_seconds"])
    spread = f" ({low:.2f}-{high:.2f})" if len(result["all_seconds"]) > 1 else ""
    return (
        f"{result['seconds']:.2f} s{spread}",
        f"{_gb(result['peak'])} (+{_gb(result['growth'])})",
    )


def parent(args: argparse.Namespace) -> None:
    sizes = [int(float(s)) for s in args.sizes]
    print(f"projection kernel benchmark: window {args.window:g} s, seed {args.seed}, "
          f"{args.repeats} repeat(s), {os.cpu_count()} CPU(s), load average "
          f"{os.getloadavg()[0]:.2f}")  # fmt: skip
    rows = []
    with tempfile.TemporaryDirectory(prefix="botgraph-kernel-") as tmp:
        for n in sizes:
            started = time.perf_counter()
            data = generate(n, args.seed)
            pairs = count_pairs(data, args.window)
            path = Path(tmp) / f"events-{n}.npz"
            np.savez(path, **data)
            print(f"  {n:,} events, {int(data['n_accounts']):,} accounts, "
                  f"{int(data['key'].max()) + 1:,} keys, {pairs:,} co-action pairs "
                  f"(generated in {time.perf_counter() - started:.1f} s)", flush=True)  # fmt: skip
            del data
            results = {
                engine: measure(args, path, engine, "time")
                if engine == "numba" or n <= args.numpy_max_size
                else {"error": "skipped"}
                for engine in ("numpy", "numba")
            }
            if args.min_pairs > 1:
                results["filtered"] = measure(args, path, "numba", "filtered")
            for engine, result in results.items():
                print(f"    {engine}: {result}", flush=True)
            numpy_r, numba_r = results["numpy"], results["numba"]
            filtered_r = results.get("filtered", {"error": "-"})
            if "error" not in numpy_r and "error" not in numba_r:
                same = "yes" if numpy_r["digests"] == numba_r["digests"] else "NO"
            elif args.verify and "error" not in numba_r:
                check = run_child(args, path, "numba", "verify")
                same = (
                    f"{'yes' if check['identical'] else 'NO'} on a sample "
                    f"({check['edges_checked']:,} edges)"
                    if "error" not in check
                    else f"verify {check['error']}"
                )
            else:
                same = "not compared"
            rows.append((n, pairs, numba_r.get("edges", numpy_r.get("edges")), numpy_r, numba_r,
                         same, filtered_r))  # fmt: skip
            path.unlink()
        compile_line = _compile_cost(args, Path(tmp)) if args.compile else ""
    _print_table(rows, args.min_pairs)
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    if compile_line:
        print(compile_line)


def _compile_cost(args: argparse.Namespace, tmp: Path) -> str:
    path = tmp / "tiny.npz"
    np.savez(path, **generate(1000, args.seed))
    cache = tmp / "numba-cache"
    cache.mkdir()
    env = {"NUMBA_CACHE_DIR": str(cache)}
    cold = run_child(args, path, "numba", "warm", env)
    warm = run_child(args, path, "numba", "warm", env)
    if "error" in cold or "error" in warm:
        return f"numba first call: {cold.get('error') or warm.get('error')}"
    return (
        f"numba first call in a process: {cold['warm_up_s']:.1f} s compiling (empty cache), "
        f"{warm['warm_up_s']:.2f} s loading from numba's cache (both with the numba import)"
    )


def _print_table(rows: list[tuple[Any, ...]], min_pairs: int) -> None:
    head = ("events", "pairs", "edges", "numpy time", "numpy peak (+run)", "kernel time",
            "kernel peak (+run)", "speed-up", "identical")  # fmt: skip
    if min_pairs > 1:
        head = (*head, f"kernel min_pairs={min_pairs}: edges", "time", "peak (+run)")
    lines = [head]
    for n, pairs, edges, numpy_r, numba_r, same, filtered_r in rows:
        speed = (
            f"{numpy_r['seconds'] / numba_r['seconds']:.1f}x"
            if "error" not in numpy_r and "error" not in numba_r
            else "-"
        )
        line = (f"{n:,}", f"{pairs:,}", f"{edges:,}" if edges is not None else "-",
                *_cell(numpy_r), *_cell(numba_r), speed, same)  # fmt: skip
        if min_pairs > 1:
            kept = f"{filtered_r['edges']:,}" if "edges" in filtered_r else "-"
            line = (*line, kept, *_cell(filtered_r))
        lines.append(line)
    widths = [max(len(str(line[i])) for line in lines) for i in range(len(head))]
    print()
    for i, line in enumerate(lines):
        print("| " + " | ".join(str(c).ljust(w) for c, w in zip(line, widths, strict=True)) + " |")
        if i == 0:
            print("|" + "|".join("-" * (w + 2) for w in widths) + "|")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", nargs="+", default=["1e5", "1e6", "1e7"])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--window", type=float, default=60.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=0, help="kernel threads (0: default)")
    parser.add_argument("--chunk-pairs", type=int, default=0, help="0: project_edges default")
    parser.add_argument("--min-pairs", type=int, default=2, help="third column (1: none)")
    parser.add_argument("--numpy-max-size", type=float, default=1e7, help="numpy path up to")
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds per run")
    parser.add_argument("--memory-limit", type=float, default=16.0, help="GiB per run")
    parser.add_argument("--no-compile", dest="compile", action="store_false")
    parser.add_argument("--no-verify", dest="verify", action="store_false")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--data", help=argparse.SUPPRESS)
    parser.add_argument("--engine", help=argparse.SUPPRESS)
    parser.add_argument("--mode", default="time", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(args)))
    else:
        parent(args)


if __name__ == "__main__":
    main()
