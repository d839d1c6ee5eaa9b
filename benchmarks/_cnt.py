"""Run coordination-network-toolkit (CNT) 1.5.2 beside botgraph, on the same records.

CNT (Graham et al., QUT Digital Observatory) is installed from PyPI into a
virtualenv of its own, ``benchmarks/.cnt-venv``, and run in a subprocess with
that virtualenv's Python: it is never imported into botgraph's environment.
This module has two halves:

* helpers that run in botgraph's environment: convert records to CNT's CSV
  input (:func:`cnt_rows`, :func:`write_cnt_csv`), create the virtualenv
  (:func:`ensure_venv`), run CNT (:func:`run_cnt`), read its Gephi CSV edge
  lists (:func:`read_gephi_csv`) and turn edge lists into a detection
  (:func:`cnt_detection`);
* a worker (``python _cnt.py worker ...``) that runs inside the CNT virtualenv
  and calls CNT's documented Python API.

Only the standard library is imported at module level, so the CNT virtualenv
can run this file as a script.

Conversion (CNT's CSV columns, in order)
----------------------------------------
``message_id`` = ``record_id`` (made unique: CNT silently drops repeated
message ids), ``user_id`` = ``username`` = ``account_id``, ``repost_id`` =
empty (comments are not reposts), ``reply_id`` = ``post_id`` (a comment replies
to the post it is under: the closest analogue of a reply in our data),
``message`` = ``text``, ``timestamp`` = epoch seconds, ``urls`` = the record's
URLs joined by spaces.

Known CNT 1.5.2 problems worked around
--------------------------------------
* ``--output_format csv`` crashes (``output_gephi_csv() got an unexpected
  keyword argument 'n_messages'``): the worker calls
  ``coordination_network_toolkit.output.output_gephi_csv(db, network, path)``.
* ``preprocess_csv_files`` splits the ``urls`` field with ``split(" ")``, so a
  message without URLs gets the empty string as a URL and co-link then links
  every pair of URL-less messages within the window. The worker deletes those
  empty-URL rows from CNT's ``message_url`` table right after preprocessing.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

__all__ = [
    "CLI_MIN_DOCUMENT_SIZE",
    "CLI_MIN_EDGE_WEIGHT",
    "CLI_SIMILARITY_THRESHOLD",
    "CNT_COLUMNS",
    "CNT_VERSION",
    "NETWORK_TYPES",
    "README_TIME_WINDOW",
    "VENV_DIR",
    "CntAccount",
    "CntCluster",
    "CntDetection",
    "CntRun",
    "Edge",
    "cnt_detection",
    "cnt_rows",
    "connected_clusters",
    "ensure_venv",
    "epoch_seconds",
    "read_gephi_csv",
    "run_cnt",
    "undirected_union",
    "venv_python",
    "weighted_degree_scores",
    "write_cnt_csv",
]

#: The CNT release benchmarked (PyPI).
CNT_VERSION = "1.5.2"
#: CNT's CSV input columns; the names do not matter to CNT, the order does.
CNT_COLUMNS = (
    "message_id",
    "user_id",
    "username",
    "repost_id",
    "reply_id",
    "message",
    "timestamp",
    "urls",
)
#: CNT networks that apply to comment data (co_retweet needs reposts, co_post ignores content).
NETWORK_TYPES = ("co_tweet", "co_similar_tweet", "co_reply", "co_link")
#: "The default time window is 60 seconds for all network types" (CNT's README).
README_TIME_WINDOW = 60
#: Defaults of CNT's ``compute_networks compute`` command line.
CLI_MIN_EDGE_WEIGHT = 2
CLI_SIMILARITY_THRESHOLD = 0.8
CLI_MIN_DOCUMENT_SIZE = 1
#: Where the benchmark keeps CNT's own virtualenv (git-ignored).
VENV_DIR = Path(__file__).resolve().parent / ".cnt-venv"

#: One directed CNT edge: (source account, target account, weight).
Edge = tuple[str, str, int]


# --------------------------------------------------------------------------- conversion


def epoch_seconds(timestamp: object) -> int:
    """Whole epoch seconds of an ISO 8601 string with offset, a number or an aware datetime.

    Parameters
    ----------
    timestamp : str, int, float or datetime.datetime
        The record's time.

    Returns
    -------
    int
        Seconds since 1970-01-01T00:00:00Z, rounded down.

    Raises
    ------
    ValueError
        If the time is naive (no UTC offset) or cannot be parsed.

    Examples
    --------
    >>> epoch_seconds("1970-01-01T01:00:30+01:00")
    30
    >>> epoch_seconds(12.9)
    12
    """
    if isinstance(timestamp, bool):
        raise ValueError(f"Expected a timestamp. Got {timestamp!r} instead.")
    if isinstance(timestamp, int | float):
        return int(timestamp // 1)
    when = datetime.fromisoformat(timestamp) if isinstance(timestamp, str) else timestamp
    if not isinstance(when, datetime) or when.utcoffset() is None:
        raise ValueError(
            f"Expected an ISO 8601 time with a UTC offset, a number or an aware datetime. "
            f"Got {timestamp!r} instead."
        )
    return int(when.timestamp() // 1)


def _urls(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return " ".join(value.split())
    return " ".join(str(u) for u in value if u)  # type: ignore[attr-defined]


def cnt_rows(records: Iterable[Mapping[str, object]]) -> list[tuple[str, ...]]:
    """Convert comment records to rows of CNT's CSV input (without the header).

    Parameters
    ----------
    records : iterable of mappings
        Records with ``account_id``, ``timestamp`` and ``text``; ``record_id``,
        ``post_id`` and ``urls`` (list or space-separated string) are used when
        present.

    Returns
    -------
    list of tuple of str
        One row per record in :data:`CNT_COLUMNS` order.

    Raises
    ------
    ValueError
        If a timestamp is naive or unparseable.

    Notes
    -----
    ``reply_id`` is the ``post_id`` (a comment replies to its post), so CNT's
    co-reply network links accounts commenting on the same post within the
    window. Repeated record ids get a ``#2``, ``#3``... suffix because CNT keeps
    only the first message of an id. Empty ``repost_id`` and ``reply_id`` become
    NULL inside CNT.

    Examples
    --------
    >>> rows = cnt_rows([{"record_id": "r1", "account_id": "a", "text": "Hi",
    ...                   "timestamp": "1970-01-01T00:01:00+00:00", "post_id": "p",
    ...                   "urls": ["https://x.example/1", "https://y.example"]}])
    >>> rows[0]
    ('r1', 'a', 'a', '', 'p', 'Hi', '60', 'https://x.example/1 https://y.example')
    """
    rows: list[tuple[str, ...]] = []
    seen: dict[str, int] = {}
    for index, record in enumerate(records):
        raw_id = record.get("record_id")
        message_id = str(index) if raw_id is None or raw_id == "" else str(raw_id)
        count = seen.get(message_id, 0) + 1
        seen[message_id] = count
        if count > 1:
            message_id = f"{message_id}#{count}"
        account = str(record["account_id"])
        post = record.get("post_id")
        rows.append(
            (
                message_id,
                account,
                account,
                "",
                "" if post is None else str(post),
                str(record.get("text") or ""),
                str(epoch_seconds(record["timestamp"])),
                _urls(record.get("urls")),
            )
        )
    return rows


def write_cnt_csv(records: Iterable[Mapping[str, object]], path: str | os.PathLike[str]) -> int:
    """Write records as CNT's CSV input file (UTF-8, with a header row).

    Parameters
    ----------
    records : iterable of mappings
        See :func:`cnt_rows`.
    path : path-like
        Output file, overwritten.

    Returns
    -------
    int
        Number of data rows written.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "cnt.csv"
    >>> write_cnt_csv([{"account_id": "a", "text": "Hi", "timestamp": 5}], out)
    1
    >>> out.read_text().splitlines()[1]
    '0,a,a,,,Hi,5,'
    """
    rows = cnt_rows(records)
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(CNT_COLUMNS)
        writer.writerows(rows)
    return len(rows)


# --------------------------------------------------------------------------- virtualenv


def venv_python(venv_dir: str | os.PathLike[str] = VENV_DIR) -> Path:
    """Path of the Python interpreter inside a virtualenv (POSIX or Windows layout)."""
    root = Path(venv_dir)
    posix = root / "bin" / "python"
    return posix if os.name != "nt" else root / "Scripts" / "python.exe"


def _installed_cnt(python: Path) -> str | None:
    if not python.exists():
        return None
    probe = subprocess.run(
        [
            str(python),
            "-c",
            "import importlib.metadata as m; print(m.version('coordination-network-toolkit'))",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    return probe.stdout.strip() if probe.returncode == 0 else None


def ensure_venv(venv_dir: str | os.PathLike[str] = VENV_DIR) -> tuple[Path, str]:
    """Create CNT's virtualenv and install CNT into it when missing.

    Parameters
    ----------
    venv_dir : path-like, default ``benchmarks/.cnt-venv``
        Virtualenv directory; created with ``python -m venv`` when absent.

    Returns
    -------
    (pathlib.Path, str)
        The virtualenv's Python and the installed CNT version.

    Raises
    ------
    RuntimeError
        If the virtualenv cannot be created or CNT cannot be installed.
    """
    python = venv_python(venv_dir)
    version = _installed_cnt(python)
    if version == CNT_VERSION:
        return python, version
    if not python.exists():
        made = subprocess.run(
            [sys.executable, "-m", "venv", str(venv_dir)], capture_output=True, text=True
        )
        if made.returncode != 0:
            raise RuntimeError(f"python -m venv {venv_dir} failed:\n{made.stderr[-2000:]}")
    pip = subprocess.run(
        [
            str(python),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            f"coordination-network-toolkit=={CNT_VERSION}",
        ],
        capture_output=True,
        text=True,
    )
    version = _installed_cnt(python)
    if pip.returncode != 0 or version != CNT_VERSION:
        raise RuntimeError(
            f"installing coordination-network-toolkit=={CNT_VERSION} into {venv_dir} failed:\n"
            f"{pip.stderr[-2000:]}"
        )
    return python, version


# --------------------------------------------------------------------------- running CNT


@dataclass(frozen=True, slots=True)
class CntRun:
    """CNT's networks for one (time window, minimum edge weight) computation.

    Attributes
    ----------
    time_window : int
        CNT's ``time_window`` in seconds.
    min_edge_weight : int
        CNT's ``min_edge_weight`` the networks were computed with.
    edges : Mapping[str, tuple[Edge, ...]]
        Directed edges (source, target, weight) per network type, self-loops excluded.
    seconds : Mapping[str, float]
        Wall time of each network's computation and export.
    """

    time_window: int
    min_edge_weight: int
    edges: Mapping[str, tuple[Edge, ...]]
    seconds: Mapping[str, float]


def read_gephi_csv(path: str | os.PathLike[str]) -> tuple[Edge, ...]:
    """Read CNT's Gephi edge CSV (``source,target,weight,edge_type``).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "e.csv"
    >>> _ = out.write_text('"source","target","weight","edge_type"\\n"a","b","3","co_tweet"\\n')
    >>> read_gephi_csv(out)
    (('a', 'b', 3),)
    """
    with open(path, encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        next(reader, None)
        return tuple((row[0], row[1], int(float(row[2]))) for row in reader if row)


def _edge_file(out_dir: Path, network: str, time_window: int, min_edge_weight: int) -> Path:
    return out_dir / f"{network}_tw{time_window}_w{min_edge_weight}.csv"


def run_cnt(
    csv_path: str | os.PathLike[str],
    jobs: Sequence[tuple[int, int]],
    *,
    workdir: str | os.PathLike[str],
    python: str | os.PathLike[str] | None = None,
    networks: Sequence[str] = NETWORK_TYPES,
    n_cpus: int | None = None,
    timeout: float = 1800.0,
) -> tuple[float, list[CntRun]]:
    """Preprocess a CNT CSV once and compute CNT networks for each (window, weight) job.

    Parameters
    ----------
    csv_path : path-like
        CNT CSV input (see :func:`write_cnt_csv`).
    jobs : sequence of (int, int)
        ``(time_window, min_edge_weight)`` pairs to compute, in order.
    workdir : path-like
        Scratch directory for CNT's SQLite database and edge files.
    python : path-like, optional
        CNT virtualenv's Python; default :func:`ensure_venv`'s.
    networks : sequence of str, default :data:`NETWORK_TYPES`
        CNT network types to compute.
    n_cpus : int, optional
        CNT's ``n_cpus`` (default: CNT's CLI default, every CPU).
    timeout : float, default 1800
        Seconds before the subprocess is killed.

    Returns
    -------
    (float, list of CntRun)
        Seconds spent preprocessing, and one :class:`CntRun` per job.

    Raises
    ------
    RuntimeError
        If the CNT worker fails.
    """
    work = Path(workdir)
    work.mkdir(parents=True, exist_ok=True)
    interpreter = Path(python) if python is not None else ensure_venv()[0]
    db = work / "cnt.db"
    for stale in (db, Path(f"{db}-wal"), Path(f"{db}-shm")):
        stale.unlink(missing_ok=True)
    command = [
        str(interpreter),
        str(Path(__file__).resolve()),
        "worker",
        "--csv",
        str(csv_path),
        "--db",
        str(db),
        "--out",
        str(work),
        "--networks",
        ",".join(networks),
        "--n-cpus",
        str(n_cpus or os.cpu_count() or 1),
    ]
    for window, weight in jobs:
        command += ["--job", f"{window}:{weight}"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
    manifest = work / "timings.json"
    if done.returncode != 0 or not manifest.exists():
        raise RuntimeError(
            f"the CNT worker failed (exit {done.returncode}):\n{done.stderr[-3000:]}"
        )
    timings = json.loads(manifest.read_text(encoding="utf-8"))
    runs = []
    for window, weight in jobs:
        key = f"{window}:{weight}"
        runs.append(
            CntRun(
                time_window=window,
                min_edge_weight=weight,
                edges={n: read_gephi_csv(_edge_file(work, n, window, weight)) for n in networks},
                seconds=dict(timings["jobs"][key]),
            )
        )
    return float(timings["preprocess"]), runs


def _worker(argv: Sequence[str]) -> int:
    """Inside CNT's virtualenv: preprocess, compute and export CNT networks."""
    parser = argparse.ArgumentParser(prog="_cnt.py worker")
    parser.add_argument("--csv", required=True)
    parser.add_argument("--db", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--networks", required=True)
    parser.add_argument("--n-cpus", type=int, required=True)
    parser.add_argument("--job", action="append", default=[])
    args = parser.parse_args(argv)

    import sqlite3

    from coordination_network_toolkit import compute_networks as cn  # type: ignore[import-not-found, unused-ignore]
    from coordination_network_toolkit.output import output_gephi_csv  # type: ignore[import-not-found, unused-ignore]
    from coordination_network_toolkit.preprocess import preprocess_csv_files  # type: ignore[import-not-found, unused-ignore]
    from coordination_network_toolkit.similarity import get_similarity_fn_from_min_size  # type: ignore[import-not-found, unused-ignore]

    out = Path(args.out)
    start = time.perf_counter()
    preprocess_csv_files(args.db, [args.csv])
    # Workaround: "".split(" ") == [""] gives every URL-less message the URL "".
    db = sqlite3.connect(args.db)
    try:
        with db:
            db.execute("delete from message_url where url = ''")
    finally:
        db.close()
    timings: dict[str, object] = {"preprocess": time.perf_counter() - start}
    similarity = get_similarity_fn_from_min_size(CLI_MIN_DOCUMENT_SIZE)
    jobs: dict[str, dict[str, float]] = {}
    for job in args.job:
        window, weight = (int(x) for x in job.split(":"))
        seconds: dict[str, float] = {}
        for network in args.networks.split(","):
            tick = time.perf_counter()
            if network == "co_tweet":
                cn.compute_co_tweet_network(
                    args.db, window, min_edge_weight=weight, n_threads=args.n_cpus
                )
            elif network == "co_similar_tweet":
                cn.compute_co_similar_tweet(
                    args.db,
                    window,
                    n_threads=args.n_cpus,
                    similarity_threshold=CLI_SIMILARITY_THRESHOLD,
                    min_edge_weight=weight,
                    similarity_function=similarity,
                )
            elif network == "co_reply":
                cn.compute_co_reply_network(
                    args.db, window, min_edge_weight=weight, n_threads=args.n_cpus
                )
            elif network == "co_link":
                cn.compute_co_link_network(
                    args.db, window, n_threads=args.n_cpus, min_edge_weight=weight
                )
            else:
                parser.error(f"unknown network type {network!r}")
            output_gephi_csv(args.db, network, str(_edge_file(out, network, window, weight)))
            seconds[network] = time.perf_counter() - tick
        jobs[job] = seconds
    timings["jobs"] = jobs
    (out / "timings.json").write_text(json.dumps(timings), encoding="utf-8")
    return 0


# --------------------------------------------------------------------------- detection step


@dataclass(frozen=True, slots=True)
class CntAccount:
    """One scored account (``evaluate`` reads ``account_id``, ``score``, ``cluster_id``)."""

    account_id: str
    score: float
    cluster_id: int | None


@dataclass(frozen=True, slots=True)
class CntCluster:
    """One flagged connected component."""

    id: int
    members: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class CntDetection:
    """CNT networks turned into clusters and account scores (duck-types ``Detection``).

    Attributes
    ----------
    accounts : tuple of CntAccount
        Every account given, with its normalised weighted degree.
    clusters : tuple of CntCluster
        Connected components of at least ``min_size`` accounts, largest first.
    n_edges : int
        Undirected edges in the union network.
    """

    accounts: tuple[CntAccount, ...]
    clusters: tuple[CntCluster, ...]
    n_edges: int


def undirected_union(
    networks: Mapping[str, Iterable[Edge]], *, min_edge_weight: int = 1
) -> dict[tuple[str, str], int]:
    """Union of several CNT networks' edges of weight >= *min_edge_weight*, undirected.

    Parameters
    ----------
    networks : mapping of str to iterable of Edge
        Directed edges per network type.
    min_edge_weight : int, default 1
        An edge of one network survives when its weight in either direction
        reaches this (CNT's ``min_edge_weight`` filter, applied per network).

    Returns
    -------
    dict of (str, str) to int
        Surviving account pairs (sorted ids) and their weight: per network the
        larger of the two directions, summed over the networks where the pair
        survived.

    Notes
    -----
    CNT's weight from *u* to *v* counts *u*'s messages matched by *v* within the
    window, so the two directions can differ. Self-loops are dropped.

    Examples
    --------
    >>> undirected_union({"co_tweet": [("a", "b", 2), ("b", "a", 3), ("b", "c", 1)],
    ...                   "co_link": [("c", "b", 2)]}, min_edge_weight=2)
    {('a', 'b'): 3, ('b', 'c'): 2}
    """
    combined: dict[tuple[str, str], int] = {}
    for edges in networks.values():
        best: dict[tuple[str, str], int] = {}
        for source, target, weight in edges:
            if source == target or weight < min_edge_weight:
                continue
            key = (source, target) if source < target else (target, source)
            best[key] = max(best.get(key, 0), weight)
        for key, weight in best.items():
            combined[key] = combined.get(key, 0) + weight
    return dict(sorted(combined.items()))


def connected_clusters(
    edges: Iterable[tuple[str, str]], *, min_size: int = 3
) -> list[tuple[str, ...]]:
    """Connected components with at least *min_size* accounts, largest first.

    Examples
    --------
    >>> connected_clusters([("a", "b"), ("b", "c"), ("d", "e")])
    [('a', 'b', 'c')]
    >>> connected_clusters([("a", "b"), ("d", "e")], min_size=2)
    [('a', 'b'), ('d', 'e')]
    """
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        root = x
        while parent[root] != root:
            root = parent[root]
        while parent[x] != root:
            parent[x], x = root, parent[x]
        return root

    for a, b in edges:
        parent.setdefault(a, a)
        parent.setdefault(b, b)
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    groups: dict[str, list[str]] = {}
    for node in parent:
        groups.setdefault(find(node), []).append(node)
    clusters = [tuple(sorted(g)) for g in groups.values() if len(g) >= min_size]
    return sorted(clusters, key=lambda c: (-len(c), c[0]))


def weighted_degree_scores(
    edges: Mapping[tuple[str, str], int], accounts: Iterable[str]
) -> dict[str, float]:
    """Weighted degree of each account divided by the largest one, in [0, 1].

    Examples
    --------
    >>> weighted_degree_scores({("a", "b"): 2, ("b", "c"): 2}, ["a", "b", "c", "d"])
    {'a': 0.5, 'b': 1.0, 'c': 0.5, 'd': 0.0}
    """
    degree = dict.fromkeys(accounts, 0)
    for (a, b), weight in edges.items():
        degree[a] = degree.get(a, 0) + weight
        degree[b] = degree.get(b, 0) + weight
    top = max(degree.values(), default=0)
    return {a: (d / top if top else 0.0) for a, d in degree.items()}


def cnt_detection(
    networks: Mapping[str, Iterable[Edge]],
    accounts: Iterable[str],
    *,
    min_edge_weight: int = 1,
    min_size: int = 3,
) -> CntDetection:
    """The benchmark's detection step on CNT's output.

    Parameters
    ----------
    networks : mapping of str to iterable of Edge
        CNT's directed edges per network type.
    accounts : iterable of str
        Every account to score (accounts without an edge score 0).
    min_edge_weight : int, default 1
        Per-network edge weight threshold (see :func:`undirected_union`).
    min_size : int, default 3
        Smallest connected component that is flagged.

    Returns
    -------
    CntDetection
        Flagged components as clusters and a score for every account.

    Notes
    -----
    CNT itself stops at the edge lists; this is the plain reading of them an
    analyst would make: accounts in a connected component of at least
    *min_size* accounts of the union network are flagged, each component is a
    cluster, and the score is the weighted degree
    :math:`s_i = \\sum_j w_{ij} / \\max_k \\sum_j w_{kj}`.

    Examples
    --------
    >>> det = cnt_detection({"co_tweet": [("a", "b", 2), ("b", "c", 2)]}, ["a", "b", "c", "d"])
    >>> [c.members for c in det.clusters], [a.score for a in det.accounts]
    ([('a', 'b', 'c')], [0.5, 1.0, 0.5, 0.0])
    """
    union = undirected_union(networks, min_edge_weight=min_edge_weight)
    clusters = tuple(
        CntCluster(id=i, members=members)
        for i, members in enumerate(connected_clusters(union, min_size=min_size))
    )
    cluster_of = {a: c.id for c in clusters for a in c.members}
    scores = weighted_degree_scores(union, accounts)
    return CntDetection(
        accounts=tuple(CntAccount(a, s, cluster_of.get(a)) for a, s in scores.items()),
        clusters=clusters,
        n_edges=len(union),
    )


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "worker":
        sys.exit(_worker(sys.argv[2:]))
    sys.exit("usage: python _cnt.py worker --csv CSV --db DB --out DIR --networks N --job W:M")
