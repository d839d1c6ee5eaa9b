"""Time coordination-network-toolkit (CNT) 1.5.2: run inside CNT's own virtualenv.

``benchmarks/speed.py`` runs this file with ``benchmarks/.cnt-venv/bin/python``, one
fresh process per measurement, and reads the JSON line it prints last::

    python _cnt_speed.py load RECORDS.csv DB.sqlite
    python _cnt_speed.py compute DB.sqlite co_link --window 60 --n-cpus 2

``load`` is CNT's ``preprocess`` of a CSV file and ``compute`` its ``compute``
command with ``--min_edge_weight 1`` (so that the network is every pair of accounts
with one co-action, like botgraph's projection). Both call the functions CNT's
command line calls, with one difference in ``load``: CNT's ``preprocess_csv_files``
splits the ``urls`` field with ``split(" ")``, which turns an empty field into the
URL ``""`` and makes co-link link every pair of link-less messages within the
window. The loader here reads the CSV exactly as ``preprocess_csv_files`` does
(``csv.reader``, header skipped) but splits with ``split()`` and hands the rows to
CNT's own ``preprocess_data``.

Only the standard library and CNT are imported, so botgraph's environment is
never touched. CNT prints progress; it is sent to standard error here.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import sqlite3
import sys
import time
from collections.abc import Callable, Iterator
from importlib import metadata
from typing import Any

__all__ = ["compute", "load", "main"]

# Network type -> (CNT function name, result table).
_NETWORKS = {
    "co_link": ("compute_co_link_network", "co_link_network"),
    "co_tweet": ("compute_co_tweet_network", "co_tweet_network"),
    "co_reply": ("compute_co_reply_network", "co_reply_network"),
}


def _rows(path: str) -> Iterator[tuple[Any, ...]]:
    with open(path, encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        next(reader)
        for row in reader:
            yield (*row[:-1], row[-1].split())


def load(csv_path: str, db_path: str) -> dict[str, Any]:
    """Preprocess *csv_path* into the (new) CNT database *db_path*; return counts and time."""
    from coordination_network_toolkit.preprocess import preprocess_data  # type: ignore[import-not-found,unused-ignore]

    start = time.perf_counter()
    preprocess_data(db_path, _rows(csv_path))
    seconds = time.perf_counter() - start
    with contextlib.closing(sqlite3.connect(db_path)) as db:
        messages = db.execute("select count(*) from edge").fetchone()[0]
        links = db.execute("select count(*) from message_url").fetchone()[0]
    return {"seconds": seconds, "messages": messages, "message_urls": links}


def compute(db_path: str, network: str, window: int, n_cpus: int) -> dict[str, Any]:
    """Compute one CNT network (``min_edge_weight=1``); return its edge count and time."""
    from coordination_network_toolkit import compute_networks  # type: ignore[import-not-found,unused-ignore]

    name, table = _NETWORKS[network]
    function: Callable[..., Any] = getattr(compute_networks, name)
    start = time.perf_counter()
    function(db_path, window, n_threads=n_cpus, min_edge_weight=1)
    seconds = time.perf_counter() - start
    with contextlib.closing(sqlite3.connect(db_path)) as db:
        directed = db.execute(
            f"select count(*) from {table} where user_1 != user_2"  # table from a fixed map
        ).fetchone()[0]
    return {"seconds": seconds, "directed_edges": directed, "edges": directed // 2}


def main(argv: list[str] | None = None) -> int:
    """Command line entry point; prints one JSON line with the result on standard output."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p_load = sub.add_parser("load")
    p_load.add_argument("csv")
    p_load.add_argument("db")
    p_compute = sub.add_parser("compute")
    p_compute.add_argument("db")
    p_compute.add_argument("network", choices=sorted(_NETWORKS))
    p_compute.add_argument("--window", type=int, default=60)
    p_compute.add_argument("--n-cpus", type=int, default=2)
    args = parser.parse_args(argv)
    stdout = sys.stdout
    with contextlib.redirect_stdout(sys.stderr):
        if args.command == "load":
            result = load(args.csv, args.db)
        else:
            result = compute(args.db, args.network, args.window, args.n_cpus)
    result["cnt_version"] = metadata.version("coordination-network-toolkit")
    print(json.dumps(result), file=stdout, flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
