"""botgraph's defaults on the real data in ../shared/peers, beside the peers' reference outputs.

Usage::

    python benchmarks/real_data.py [--no-docs]

For each data set in ``../shared/peers`` (skipped when absent), ``botgraph.detect``
runs with its default parameters; only the column mapping (and, for the German
elections data, the layers: the file has no text, only ids of links, images,
hashtags and domains) is given, as the data need. The table reports records,
accounts, accounts in reported clusters, clusters, runtime and, where the folder
holds them, the accounts the peer tools flagged with the settings documented in
its ``SOURCE.txt`` and how many of those botgraph flagged too. On the IRA slice,
where every account is a troll and ``account_category`` is its type, it reports
the purity of botgraph's clusters (share of members in their cluster's majority
category) and of the peers' components.

The Markdown table is printed and written into ``docs/benchmarks.md`` between
``<!-- real:start -->`` and ``<!-- real:end -->``.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PEERS = ROOT.parent / "shared" / "peers"
DOCS = ROOT / "docs" / "benchmarks.md"
MARK_START = "<!-- real:start -->"
MARK_END = "<!-- real:end -->"

sys.path.insert(0, str(ROOT / "src"))

import botgraph  # noqa: E402


@dataclass
class Row:
    data: str
    records: int
    accounts: int
    flagged: int
    clusters: int
    seconds: float
    purity: float | None
    peers: list[str]


def _read(path: Path) -> list[dict[str, str]]:
    opener: Callable[..., Any] = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _accounts_of_edges(path: Path, ends: Sequence[str]) -> set[str]:
    return {row[end] for row in _read(path) for end in ends}


def _purity(groups: Iterable[Iterable[str]], category: dict[str, str]) -> float | None:
    majority = total = 0
    for members in groups:
        labels = Counter(category[m] for m in members)
        majority += labels.most_common(1)[0][1]
        total += sum(labels.values())
    return majority / total if total else None


def _peer_text(name: str, accounts: set[str], flagged: set[str], purity: float | None) -> str:
    text = (
        f"{name}: {len(accounts)} accounts, {len(accounts & flagged)} of them flagged by botgraph"
    )
    if purity is not None:
        text += f", purity {purity:.3f}"
    return text


def _run(path: Path, **kwargs: Any) -> tuple[botgraph.Detection, float]:
    start = time.perf_counter()
    result = botgraph.detect(path, **kwargs)
    return result, time.perf_counter() - start


def _row(name: str, result: botgraph.Detection, seconds: float) -> Row:
    return Row(
        data=name,
        records=result.n_records,
        accounts=len(result.accounts),
        flagged=len(result.flagged),
        clusters=len(result.clusters),
        seconds=seconds,
        purity=None,
        peers=[],
    )


def ira() -> Row | None:
    folder = PEERS / "ira_538"
    path = folder / "ira_tweets_2016-10-05_to_08.csv.gz"
    if not path.exists():
        return None
    result, seconds = _run(
        path,
        columns={"author_id": "account_id", "publish_date": "timestamp", "content": "text"},
        timezone="UTC",
    )
    category = {row["author_id"]: row["account_category"] for row in _read(path)}
    row = _row("IRA slice (ira_538)", result, seconds)
    row.purity = _purity((c.members for c in result.clusters), category)
    flagged = set(result.flagged)
    refs = folder / "reference_outputs"
    coortweet = _read(refs / "coortweet_tw60_accounts_coordinated.csv")
    components: dict[str, list[str]] = {}
    for rec in coortweet:
        components.setdefault(rec["component"], []).append(rec["account_id"])
    row.peers.append(
        _peer_text(
            "CooRTweet (60 s, min_participation 2, edge_weight 0.5)",
            {rec["account_id"] for rec in coortweet},
            flagged,
            _purity(components.values(), category),
        )
    )
    import networkx as nx

    edges = _read(refs / "cnt_cotweet_tw60_w2_edges.csv")
    graph = nx.Graph([(rec["source"], rec["target"]) for rec in edges])
    row.peers.append(
        _peer_text(
            "CNT co_tweet (60 s, min_edge_weight 2)",
            set(graph.nodes),
            flagged,
            _purity(nx.connected_components(graph), category),
        )
    )
    return row


def russian() -> Row | None:
    path = PEERS / "coortweet" / "russian_coord_tweets.csv"
    if not path.exists():
        return None
    result, seconds = _run(
        path, columns={"timestamp_share": "timestamp", "content_id": "record_id"}
    )
    row = _row("russian_coord_tweets (CooRTweet)", result, seconds)
    flagged = set(result.flagged)
    outputs = PEERS / "coortweet" / "outputs"
    for label, name in [
        ("CooRTweet (10 s, defaults)", "rct_tw10_default_accounts_coordinated.csv"),
        ("CooRTweet (60 s, vignette)", "rct_tw60_accounts_coordinated.csv"),
    ]:
        accounts = {rec["account_id"] for rec in _read(outputs / name)}
        row.peers.append(_peer_text(label, accounts, flagged, None))
    cnt = PEERS / "cnt" / "outputs" / "rct_coretweet_tw60_w2_edges.csv"
    if cnt.exists():
        row.peers.append(
            _peer_text(
                "CNT co_retweet (60 s, min_edge_weight 2)",
                _accounts_of_edges(cnt, ("source", "target")),
                flagged,
                None,
            )
        )
    return row


def german() -> Row | None:
    path = PEERS / "coortweet" / "german_elections.csv"
    if not path.exists():
        return None
    result, seconds = _run(
        path,
        columns={"post_id": "record_id"},
        layers=["url_id", "phash_id", "hashtag_id", "domain_id"],
        on_invalid="drop",
    )
    row = _row("german_elections (CooRTweet; no text)", result, seconds)
    accounts = {
        rec["account_id"]
        for rec in _read(PEERS / "coortweet" / "outputs" / "ge_tw30_accounts_coordinated.csv")
    }
    row.peers.append(
        _peer_text("CooRTweet (30 s, url + image, vignette)", accounts, set(result.flagged), None)
    )
    return row


def coornet() -> Row | None:
    path = PEERS / "coornet" / "ct_shares_marked.csv"
    if not path.exists():
        return None
    result, seconds = _run(
        path,
        columns={
            "account.id": "account_id",
            "date": "timestamp",
            "expanded": "url",
            "message": "text",
        },
        timezone="UTC",
    )
    row = _row("CooRnet Facebook shares", result, seconds)
    marked = {rec["account.id"] for rec in _read(path) if rec["is.coordinated"] == "TRUE"}
    row.peers.append(_peer_text("CooRnet's own flag", marked, set(result.flagged), None))
    return row


def render(rows: Sequence[Row]) -> str:
    lines = [
        "## Real data",
        "",
        f"Measured on {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')} with "
        "`python benchmarks/real_data.py`: `botgraph.detect` with its default parameters "
        f"(botgraph {botgraph.__version__}); only column mappings (and, for the German "
        "elections data, which has ids but no text, the layers) are given. Peer figures "
        "come from the reference outputs in `../shared/peers` (settings in each folder's "
        "`SOURCE.txt`). Purity: share of a cluster's members in its majority "
        "`account_category` (IRA slice only; every account there is a troll).",
        "",
        "| data | records | accounts | flagged | clusters | purity | runtime s |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in rows:
        purity = "–" if r.purity is None else f"{r.purity:.3f}"
        lines.append(
            f"| {r.data} | {r.records:,} | {r.accounts:,} | {r.flagged:,} | {r.clusters} | "
            f"{purity} | {r.seconds:.1f} |"
        )
    lines += ["", "Peers on the same data:", ""]
    for r in rows:
        for text in r.peers:
            lines.append(f"- {r.data}: {text}.")
    return "\n".join(lines) + "\n"


def write_docs(section: str, path: Path) -> None:
    """Replace the text between the real-data markers of *path* (created when missing)."""
    sys.path.insert(0, str(HERE))
    from _docs import write_section

    write_section(section, path, MARK_START, MARK_END)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-docs", action="store_true", help="do not update docs/benchmarks.md")
    args = parser.parse_args(argv)
    rows = [row for run in (ira, russian, german, coornet) if (row := run()) is not None]
    if not rows:
        print("../shared/peers is absent: nothing to measure")
        return 0
    section = render(rows)
    print(section)
    if not args.no_docs:
        write_docs(section, DOCS)
        print(f"wrote {DOCS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
